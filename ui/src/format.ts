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

/** Seconds as whole minutes the clerk reads ("7 minūtes"), or seconds under a minute. */
export function formatMinutes(seconds: number, t: (key: string, options: { count: number }) => string): string {
  if (seconds < 60) return t("duration.seconds", { count: Math.max(0, Math.round(seconds)) });
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return t("duration.minutes", { count: minutes });
  return `${t("duration.hours", { count: Math.floor(minutes / 60) })} ${t("duration.minutes", { count: minutes % 60 })}`;
}

/** Who sent a message, by name; with the address too (`withAddress`) where there is room. */
export function senderName(message: { sender: string; sender_name?: string }, withAddress = false): string {
  const name = message.sender_name?.trim();
  if (!name || name === message.sender) return message.sender;
  return withAddress ? `${name} (${message.sender})` : name;
}
