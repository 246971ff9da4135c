import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import lv from "./locales/lv.json";
import en from "./locales/en.json";

export type Language = "lv" | "en";
export const LANGUAGES: Language[] = ["lv", "en"];

/** Latvian first; a missing English string falls back to Latvian, visibly, never blank. */
export function initI18n(language: Language = "lv") {
  void i18next.use(initReactI18next).init({
    resources: { lv: { translation: lv }, en: { translation: en } },
    lng: language,
    fallbackLng: "lv",
    interpolation: { escapeValue: false },
    returnEmptyString: false,
    showSupportNotice: false,
  });
  return i18next;
}

/** The translation key for an error code from the backend; unknown codes get a generic text. */
export function errorKey(code: string | undefined): string {
  const known = Object.keys(lv.errors);
  return code && known.includes(code) ? `errors.${code}` : "errors.unknown";
}

/** Why the server refused an outbox entry, in the clerk's words: the translation of its code, and
 *  for an e-form the server's own reason too, which names the field at fault. */
export function refusalText(t: (key: string, options?: { defaultValue?: string }) => string, code: string | null | undefined, reason: string | null | undefined): string {
  if (!code) return reason ?? "";
  const words = t(`cases.rejection.${code}`, { defaultValue: reason ?? "" });
  return code === "form_invalid" && reason ? `${words} (${reason})` : words;
}

/** Which form field an enrollment error belongs to, so it is shown (and announced) there. */
export function errorField(code: string): "serverUrl" | "code" | null {
  if (code === "invalid_url" || code === "unreachable" || code === "protocol_mismatch") return "serverUrl";
  if (code.startsWith("enrollment_code_")) return "code";
  return null;
}
