import type { Language } from "./i18n";

/** A sync time as the clerk reads it: the time today, or the date and time on other days. */
export function formatSyncTime(iso: string, language: Language, now: Date = new Date()): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return "—";
  const locale = language === "lv" ? "lv-LV" : "en-GB";
  const sameDay = at.toDateString() === now.toDateString();
  const options: Intl.DateTimeFormatOptions = sameDay
    ? { hour: "2-digit", minute: "2-digit", second: "2-digit" }
    : { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" };
  return new Intl.DateTimeFormat(locale, options).format(at);
}
