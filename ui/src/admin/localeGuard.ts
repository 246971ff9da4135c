// uPlot formats numbers with `new Intl.NumberFormat(navigator.language)` as it loads. A web view
// started under the POSIX locale (LANG=C: a service, a bare session) reports "C", which Intl
// refuses with a RangeError, and the whole screen would fail. Imported before uPlot: a language
// tag Intl cannot use is replaced by the page's own language.
try {
  new Intl.NumberFormat(navigator.language);
} catch {
  Object.defineProperty(navigator, "language", { value: document.documentElement.lang || "lv", configurable: true });
}

export {};
