import { invoke } from "@tauri-apps/api/core";
import type { Language } from "./i18n";

export type Connection = "connecting" | "online" | "offline" | "unauthorised" | "incompatible";

export interface Enrollment {
  server_url: string;
  device_name: string;
  centre_name: string;
  centre_municipality: string;
}

export interface AppState {
  language: Language;
  enrollment: Enrollment | null;
}

export interface SyncStatus {
  connection: Connection;
  last_success: string | null;
  next_try: string | null;
  consecutive_failures: number;
  last_error: string | null;
  centre: { id: string; name: string; municipality: string } | null;
}

/** Every command failure: `code` is stable and translated; `message` is English detail. */
export interface CommandError {
  code: string;
  message: string;
}

export function asCommandError(error: unknown): CommandError {
  if (typeof error === "object" && error !== null && "code" in error) {
    const e = error as { code: unknown; message?: unknown };
    return { code: String(e.code), message: String(e.message ?? "") };
  }
  return { code: "unknown", message: String(error) };
}

export const api = {
  appState: () => invoke<AppState>("app_state"),
  setLanguage: (language: Language) => invoke<void>("set_language", { language }),
  enroll: (serverUrl: string, code: string) => invoke<Enrollment>("enroll", { serverUrl, code }),
  syncStatus: () => invoke<SyncStatus>("sync_status"),
  retrySync: () => invoke<void>("retry_sync"),
};
