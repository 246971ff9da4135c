import { api } from "./api";

/** At most this many lines a minute go to the log file: a loop of errors must not fill it. */
const LINES_PER_MINUTE = 60;

let sent: number[] = [];

function forward(level: "warn" | "error", parts: unknown[]) {
  const now = Date.now();
  sent = sent.filter((at) => now - at < 60_000);
  if (sent.length >= LINES_PER_MINUTE) return;
  sent.push(now);
  const message = parts
    .map((part) => (part instanceof Error ? `${part.name}: ${part.message}\n${part.stack ?? ""}` : typeof part === "string" ? part : safeJson(part)))
    .join(" ");
  // Never through the console: a failing log call must not log itself again.
  api.uiLog(level, message).catch(() => {});
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The web view's warnings, errors and uncaught failures also go to the desk's log files, where
 *  a support person reads them (the console is seen by nobody on a clerk's desk). */
export function sendConsoleToLogFile() {
  for (const level of ["warn", "error"] as const) {
    const original = console[level].bind(console);
    console[level] = (...parts: unknown[]) => {
      original(...parts);
      forward(level, parts);
    };
  }
  window.addEventListener("error", (event) => forward("error", ["uncaught:", event.error ?? event.message]));
  window.addEventListener("unhandledrejection", (event) => forward("error", ["unhandled rejection:", event.reason]));
}
