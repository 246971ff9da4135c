import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type SyncStatus } from "../api";
import { formatSyncTime } from "../format";
import type { Language } from "../i18n";

/** How often the bar asks the backend for the sync state: a local call, so cheap. */
export const STATUS_POLL_MS = 1000;

export function StatusBar({ enrolled }: { enrolled: boolean }) {
  const { t, i18n } = useTranslation();
  const [status, setStatus] = useState<SyncStatus | null>(null);

  useEffect(() => {
    if (!enrolled) return;
    let cancelled = false;
    const poll = () =>
      api
        .syncStatus()
        .then((s) => !cancelled && setStatus(s))
        .catch((e: unknown) => console.error("sync status unavailable", e));
    void poll();
    const timer = setInterval(poll, STATUS_POLL_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [enrolled]);

  const connection = enrolled ? (status?.connection ?? "connecting") : null;
  const lastSync = status?.last_success
    ? t("status.lastSync", { time: formatSyncTime(status.last_success, i18n.language as Language) })
    : t("status.never");

  return (
    <footer className="status-bar" aria-label={t("status.label")}>
      <span role="status" className={`connection connection-${connection ?? "none"}`} data-testid="connection-state" data-state={connection ?? "none"}>
        <span className="dot" aria-hidden="true" />
        {connection ? t(`status.${connection}`) : t("status.notEnrolled")}
      </span>
      {enrolled && <span data-testid="last-sync">{lastSync}</span>}
      {enrolled && connection !== "online" && (
        <button type="button" className="link-button" onClick={() => void api.retrySync()}>
          {t("status.retry")}
        </button>
      )}
    </footer>
  );
}
