import { useEffect, useState } from "react";
import { listen } from "@tauri-apps/api/event";
import { api, type SyncStatus } from "../api";
import { reportProblem } from "./Problems";

/** The event the desk's shell sends whenever the sync state changes (`SYNC_STATUS_EVENT`). */
export const SYNC_STATUS_EVENT = "sync-status";

// One subscription shared by every component that shows a part of the sync state (the status
// bar, the unread count, each item's "not yet on the server"), however many are mounted: they
// all show the same state, pushed by the shell when it changes.
const listeners = new Set<(status: SyncStatus) => void>();
let latest: SyncStatus | null = null;
let subscription: Promise<() => void> | null = null;

function publish(status: SyncStatus) {
  latest = status;
  listeners.forEach((listener) => listener(status));
}

function subscribe() {
  let heard = false;
  subscription = listen<SyncStatus>(SYNC_STATUS_EVENT, (event) => {
    heard = true;
    publish(event.payload);
  });
  // The state before the first event; an event that came meanwhile is newer than this answer.
  subscription
    .then(() => api.syncStatus())
    .then((status) => {
      if (!heard) publish(status);
    })
    .catch(reportProblem("syncStatus"));
}

function unsubscribe() {
  subscription?.then((stop) => stop()).catch(() => {});
  subscription = null;
  latest = null;
}

/** The sync state as last pushed, while `active`. */
export function useSyncStatus(active = true): SyncStatus | null {
  const [status, setStatus] = useState<SyncStatus | null>(latest);
  useEffect(() => {
    if (!active) return;
    listeners.add(setStatus);
    if (subscription === null) subscribe();
    else if (latest) setStatus(latest);
    return () => {
      listeners.delete(setStatus);
      if (listeners.size === 0) unsubscribe();
    };
  }, [active]);
  return status;
}

/** A number that changes whenever syncing changed this desk's own items (cases sent or merged,
 *  messages sent or read): a view showing an item's sync state reloads it when this changes. */
export function useSyncRevision(): number {
  const status = useSyncStatus();
  return status?.revision ?? 0;
}
