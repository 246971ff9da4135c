import type { Language } from "../i18n";

/** 1500 EUR cents → "15,00 €" (lv) / "€15.00" (en). */
export function formatMoney(minor: number, currency: string, language: Language): string {
  const locale = language === "lv" ? "lv-LV" : "en-GB";
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

/** ISO 8601 durations as people say them: P10D → "10 days"; unknown shapes are shown as given. */
export function formatDuration(iso: string, t: (key: string, options?: Record<string, unknown>) => string): string {
  const match = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso);
  if (!match) return iso;
  const units = ["years", "months", "weeks", "days", "hours", "minutes", "seconds"];
  const parts = match
    .slice(1)
    .map((value, i) => (value ? t(`duration.${units[i]}`, { count: Number(value) }) : null))
    .filter((p): p is string => p !== null);
  return parts.length ? parts.join(" ") : iso;
}
