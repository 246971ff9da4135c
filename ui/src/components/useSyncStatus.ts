import { useEffect, useState } from "react";
import { api, type SyncStatus } from "../api";
import { reportProblem } from "./Problems";

/** How often the sync state is asked of the backend: a local call, so cheap. */
export const STATUS_POLL_MS = 1000;

// One poll shared by every component that shows a part of the sync state (the status bar, the
// E-address tab's unread count), however many are mounted.
const listeners = new Set<(status: SyncStatus) => void>();
let timer: ReturnType<typeof setInterval> | null = null;

function poll() {
  api
    .syncStatus()
    .then((status) => listeners.forEach((listener) => listener(status)))
    .catch(reportProblem("syncStatus"));
}

/** The sync state, refreshed every [`STATUS_POLL_MS`] while `active`. */
export function useSyncStatus(active = true): SyncStatus | null {
  const [status, setStatus] = useState<SyncStatus | null>(null);
  useEffect(() => {
    if (!active) return;
    listeners.add(setStatus);
    if (timer === null) timer = setInterval(poll, STATUS_POLL_MS);
    poll();
    return () => {
      listeners.delete(setStatus);
      if (listeners.size === 0 && timer !== null) {
        clearInterval(timer);
        timer = null;
      }
    };
  }, [active]);
  return status;
}
