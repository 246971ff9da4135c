import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type OutboxProblem, type SyncStatus } from "../api";
import { useSyncStatus } from "./useSyncStatus";
import { formatSyncTime } from "../format";
import { refusalText, type Language } from "../i18n";
import { reportProblem } from "./Problems";

export function StatusBar({ enrolled }: { enrolled: boolean }) {
  const { t, i18n } = useTranslation();
  const status = useSyncStatus(enrolled);

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
      {enrolled && status && <CatalogueFreshness status={status} language={i18n.language as Language} />}
      {enrolled && status?.outbox && status.outbox.pending > 0 && (
        <span data-testid="outbox-pending">{t("status.outboxPending", { count: status.outbox.pending })}</span>
      )}
      {enrolled && status?.outbox && status.outbox.poisoned > 0 && <RefusedEntries count={status.outbox.poisoned} />}
      {enrolled && (status?.outbox?.case_news ?? 0) > 0 && (
        <span data-testid="case-news-count">{t("status.caseNews", { count: status?.outbox?.case_news ?? 0 })}</span>
      )}
      {enrolled && (status?.mail_unread ?? 0) > 0 && (
        <span data-testid="mail-unread-count">{t("status.mailUnread", { count: status?.mail_unread ?? 0 })}</span>
      )}
      {enrolled && connection !== "online" && (
        <button type="button" className="link-button" onClick={() => void api.retrySync()}>
          {t("status.retry")}
        </button>
      )}
    </footer>
  );
}

/** The catalogue's freshness, always visible; progress while a first sync runs. */
function CatalogueFreshness({ status, language }: { status: SyncStatus; language: Language }) {
  const { t } = useTranslation();
  const catalogue = status.catalogue;
  if (!catalogue) return null;
  if (catalogue.syncing || (!catalogue.caught_up_at && catalogue.records_applied > 0)) {
    const percent = catalogue.head > 0 ? Math.min(100, Math.round((catalogue.cursor / catalogue.head) * 100)) : 0;
    return (
      <span data-testid="catalogue-freshness" data-state="syncing">
        {t("status.catalogueSyncing", {
          records: catalogue.records_applied.toLocaleString(language === "lv" ? "lv-LV" : "en-GB"),
          megabytes: (catalogue.bytes_received / 1_000_000).toFixed(1),
          percent,
        })}
        <progress max={100} value={percent} aria-label={t("status.catalogueProgress")} />
      </span>
    );
  }
  return (
    <span data-testid="catalogue-freshness" data-state={catalogue.caught_up_at ? "fresh" : "empty"}>
      {catalogue.caught_up_at
        ? t("status.catalogueUpdated", { time: formatSyncTime(catalogue.caught_up_at, language) })
        : t("status.catalogueEmpty")}
    </span>
  );
}

/** What the server refused from this desk, opened from the status bar, with the reasons. */
function RefusedEntries({ count }: { count: number }) {
  const { t, i18n } = useTranslation();
  const [problems, setProblems] = useState<OutboxProblem[] | null>(null);
  const toggle = () => {
    if (problems) {
      setProblems(null);
      return;
    }
    api
      .outboxProblems()
      .then(setProblems)
      .catch(reportProblem("refused"));
  };
  return (
    <span className="refused">
      <button type="button" className="link-button warning" aria-expanded={problems !== null} onClick={toggle} data-testid="outbox-poisoned">
        {t("status.outboxPoisoned", { count })}
      </button>
      {problems && (
        <ul className="refused-list" data-testid="outbox-problems">
          {problems.map((p) => (
            <li key={p.id}>
              <strong>{p.case_number ?? t(`status.entryKind.${p.kind}`, { defaultValue: p.kind })}</strong>{" "}
              <span className="muted">{formatSyncTime(p.created_at, i18n.language as Language)}</span>:{" "}
              {refusalText(t, p.code, p.reason)}
            </li>
          ))}
        </ul>
      )}
    </span>
  );
}
