import lv from "./locales/lv.json";
import en from "./locales/en.json";
import { errorField, errorKey, initI18n } from "./i18n";
import { formatMinutes, formatSyncTime } from "./format";

function keys(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe("translations", () => {
  it("have the same keys in Latvian and English, none empty", () => {
    // Plural forms differ by language (Latvian has a "zero" form): compare the keys without them.
    const base = (table: unknown) => [...new Set(keys(table).map((k) => k.replace(/_(zero|one|two|few|many|other)$/, "")))].sort();
    expect(base(en)).toEqual(base(lv));
    for (const [name, table] of [["lv", lv], ["en", en]] as const) {
      for (const key of keys(table)) {
        const text = key.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], table);
        expect(typeof text === "string" && text.trim().length > 0, `${name}:${key}`).toBe(true);
      }
    }
  });

  it("say durations with the right plural forms", async () => {
    const i18n = await initI18n("lv");
    expect(i18n.t("duration.days", { count: 1 })).toBe("1 diena");
    expect(i18n.t("duration.days", { count: 10 })).toBe("10 dienu");
    expect(i18n.t("duration.days", { count: 3 })).toBe("3 dienas");
    await i18n.changeLanguage("en");
    expect(i18n.t("duration.days", { count: 1 })).toBe("1 day");
  });

  it("cover every error code the backend sends", () => {
    const codes = [
      "invalid_url", "unreachable", "enrollment_code_invalid", "enrollment_code_unknown",
      "enrollment_code_expired", "enrollment_code_used", "protocol_mismatch", "already_enrolled",
      "keyring", "store_cannot_decrypt", "store_key_missing", "store_too_new", "store", "bad_response",
      "too_many_attempts",
    ];
    for (const code of codes) expect(errorKey(code)).toBe(`errors.${code}`);
    expect(errorKey("something_new")).toBe("errors.unknown");
    expect(errorKey(undefined)).toBe("errors.unknown");
  });

  it("put enrollment errors on the field they concern", () => {
    expect(errorField("invalid_url")).toBe("serverUrl");
    expect(errorField("unreachable")).toBe("serverUrl");
    expect(errorField("enrollment_code_expired")).toBe("code");
    expect(errorField("keyring")).toBeNull();
  });

  it("interpolate and switch language", async () => {
    const i18n = initI18n("lv");
    expect(i18n.t("status.lastSync", { time: "12:00" })).toBe("Pēdējā sinhronizācija: 12:00");
    await i18n.changeLanguage("en");
    expect(i18n.t("status.online")).toBe("Online");
  });
});

describe("formatSyncTime", () => {
  it("shows only the time for today and the date otherwise", () => {
    const now = new Date(2026, 10, 26, 15, 0, 0);
    expect(formatSyncTime(new Date(2026, 10, 26, 14, 5, 9).toISOString(), "lv", now)).toBe("14:05:09");
    expect(formatSyncTime(new Date(2026, 10, 20, 9, 30).toISOString(), "en", now)).toContain("20/11/2026");
    expect(formatSyncTime("not a date", "lv", now)).toBe("—");
  });
});

describe("formatMinutes", () => {
  it("says waiting and service times as a clerk reads them", async () => {
    const i18n = await initI18n("lv");
    const t = (key: string, options: { count: number }) => i18n.t(key, options);
    expect(formatMinutes(45, t)).toBe("45 sekundes");
    expect(formatMinutes(-3, t)).toBe("0 sekunžu");
    expect(formatMinutes(7 * 60 + 20, t)).toBe("7 minūtes");
    expect(formatMinutes(21 * 60, t)).toBe("21 minūte");
    expect(formatMinutes(150 * 60, t)).toBe("2 stundas 30 minūšu");
  });
});
