import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError, type CaseStatus, type CaseView } from "../api";
import { usePage } from "../catalogue/usePage";
import { formatMinutes, formatSyncTime } from "../format";
import { errorKey, refusalText, type Language } from "../i18n";
import { CaseMessages } from "../mail/CaseMessages";
import { CaseDocuments } from "./CaseDocuments";
import { CustomerDrafts, ServiceForms } from "../forms/ServiceForms";
import { ReceiptOutcome, useCaseReceipt } from "./Receipt";
import { useVisit } from "./visit";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { reportProblem } from "../components/Problems";
import { useSyncRevision } from "../components/useSyncStatus";

/** One case: what it is, its whole history, the next steps the clerk may take, receipts. */
/** Statuses a case never leaves: asked about before they are set. */
const FINAL_STATUSES: CaseStatus[] = ["closed", "cancelled"];

export function CaseScreen({
  id,
  onBack,
  onOpenDraft,
}: {
  id: string;
  onBack: () => void;
  onOpenDraft: (draftId: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const language = i18n.language as Language;
  // Read again when syncing changed this desk's items: the page says "on the server" as soon as
  // the server has the case, like the list and the status bar.
  const { page, error: loadError } = usePage(api.casePage, id, useSyncRevision());
  const { refresh } = useVisit();
  const [changed, setChanged] = useState<CaseView | null>(null);
  const [note, setNote] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [newNote, setNewNote] = useState("");
  const [noteSaved, setNoteSaved] = useState(false);
  // A final status (closed, cancelled) waits for the clerk's "yes".
  const [confirming, setConfirming] = useState<CaseStatus | null>(null);
  const { receipt, print } = useCaseReceipt(setError);
  const view = changed ?? page;
  // A page read after a change made here is newer than the change's answer.
  useEffect(() => setChanged(null), [page]);
  // The news is shown as it was when the page opened, and the case is marked seen once.
  const seen = useRef<string | null>(null);
  const news = page?.news ?? null;
  useEffect(() => {
    if (page && page.news && seen.current !== page.id) {
      seen.current = page.id;
      api.markCaseSeen(page.id).catch(reportProblem("markSeen"));
    }
  }, [page]);

  if (loadError) return <p role="alert">{loadError}</p>;
  if (!view) return <p aria-busy="true">…</p>;

  const move = (to: CaseStatus) => {
    setError(null);
    api
      .changeCaseStatus(view.id, to, note)
      .then((updated) => {
        setChanged(updated);
        setNote("");
        refresh();
      })
      .catch((e: unknown) => setError(t(errorKey(asCommandError(e).code))));
  };

  const addNote = () => {
    setError(null);
    setNoteSaved(false);
    api
      .addCaseNote(view.id, newNote)
      .then((updated) => {
        setChanged(updated);
        setNewNote("");
        setNoteSaved(true);
      })
      .catch((e: unknown) => setError(t(errorKey(asCommandError(e).code))));
  };

  const refusedText = refusalText(t, view.refused_code, view.refused);

  return (
    <article className="case-page" data-testid="case-page" aria-labelledby="case-number">
      <button type="button" className="link-button back" onClick={onBack}>
        ← {t("catalogue.back")}
      </button>
      <h1 id="case-number" data-testid="case-number">
        {view.number}
      </h1>
      {news && (
        <p className="notice" role="status" data-testid="case-news">
          {t("cases.news", { previous: t(`cases.status.${news.previous_status}`), current: t(`cases.status.${view.status}`) })}
        </p>
      )}
      <dl className="case-facts">
        <dt>{t("cases.serviceLabel")}</dt>
        <dd>{view.service_name}</dd>
        <dt>{t("cases.kindLabel")}</dt>
        <dd>{t(`cases.kind.${view.kind}`)}</dd>
        <dt>{t("cases.statusLabel")}</dt>
        <dd data-testid="case-status">{t(`cases.status.${view.status}`)}</dd>
        <dt>{t("cases.customer")}</dt>
        <dd>
          {view.customer_name} {view.customer_code}
        </dd>
        <dt>{t("cases.holder")}</dt>
        <dd>{view.holder_name}</dd>
        <dt>{t("cases.channelLabel")}</dt>
        <dd>{t(`catalogue.channel.${view.channel}`, { defaultValue: view.channel })}</dd>
        <dt>{t("cases.servedAt")}</dt>
        <dd>{formatSyncTime(view.served_at, language)}</dd>
        <dt>{t("cases.timings")}</dt>
        <dd data-testid="case-timings">
          {t("cases.waited", { time: formatMinutes(view.waiting_seconds, t) })} ·{" "}
          {t("cases.servedFor", { time: formatMinutes(view.service_seconds, t) })}
        </dd>
        <dt>{t("cases.sync")}</dt>
        <dd data-testid="case-sync">
          {view.refused ? `${t("cases.refused")}: ${refusedText}` : view.unsent > 0 ? t("cases.notYetSent") : t("cases.sent")}
        </dd>
      </dl>

      <section aria-labelledby="history-heading">
        <h2 id="history-heading">{t("cases.history")}</h2>
        <ol className="case-history" data-testid="case-history">
          {view.history.map((h, i) => (
            <li key={i}>
              <strong>{t(`cases.status.${h.status}`)}</strong> · {formatSyncTime(h.at, language)} ·{" "}
              {h.by === "institution" ? t("cases.byInstitution") : t("cases.byStaff")}
              {h.offline && <span className="badge offline-badge"> {t("login.offlineBadge")}</span>}
              {h.note && <p className="note">{h.note}</p>}
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="notes-heading">
        <h2 id="notes-heading">{t("cases.notes")}</h2>
        {view.notes.length === 0 && <p className="muted">{t("cases.noNotes")}</p>}
        <ul className="case-notes" data-testid="case-notes">
          {view.notes.map((n, i) => (
            <li key={i}>
              <span className="muted">
                {formatSyncTime(n.at, language)} · {n.by === "institution" ? t("cases.byInstitution") : t("cases.byStaff")}
              </span>
              {n.offline && <span className="badge offline-badge"> {t("login.offlineBadge")}</span>}
              {n.intended_status && <p className="muted">{t("cases.intendedStatus", { status: t(`cases.status.${n.intended_status}`) })}</p>}
              {n.text && <p className="note">{n.text}</p>}
            </li>
          ))}
        </ul>
        <label htmlFor="new-note">{t("cases.addNoteLabel")}</label>
        <textarea
          id="new-note"
          data-testid="new-note"
          value={newNote}
          maxLength={2000}
          rows={2}
          onChange={(e) => {
            setNewNote(e.target.value);
            setNoteSaved(false);
          }}
        />
        <div className="actions">
          <button type="button" className="secondary" disabled={!newNote.trim()} onClick={addNote} data-testid="add-note">
            {t("cases.addNote")}
          </button>
          {noteSaved && (
            <span role="status" className="muted">
              {t("cases.noteSaved")}
            </span>
          )}
        </div>
      </section>

      <CaseDocuments view={view} onChanged={setChanged} />

      {view.refused_kind === "form_submission" && (
        <p className="notice" data-testid="case-refused-submission">
          {t("forms.refusedSubmission")}{" "}
          <button
            type="button"
            className="secondary small"
            onClick={() =>
              api
                .reopenRefusedSubmission(view.id)
                .then((draft) => onOpenDraft(draft.id))
                .catch((e: unknown) => setError(t(errorKey(asCommandError(e).code))))
            }
            data-testid="reopen-submission"
          >
            {t("forms.fillAgain")}
          </button>
        </p>
      )}

      {view.kind === "application" && (view.status === "registered" || view.status === "submitted") && (
        <>
          <ServiceForms serviceId={view.service_id} caseId={view.id} onOpenDraft={onOpenDraft} />
          <CustomerDrafts customerCode={view.customer_code} caseId={view.id} seen={view.id} onOpenDraft={onOpenDraft} />
        </>
      )}

      <CaseMessages view={view} />

      {view.next.length > 0 && (
        <section aria-labelledby="next-heading">
          <h2 id="next-heading">{t("cases.nextHeading")}</h2>
          <label htmlFor="status-note">{t("cases.note")}</label>
          <textarea id="status-note" value={note} maxLength={2000} rows={2} onChange={(e) => setNote(e.target.value)} />
          <div className="actions">
            {view.next.map((to) => (
              <button
                type="button"
                key={to}
                className={to === "cancelled" ? "secondary" : undefined}
                onClick={() => (FINAL_STATUSES.includes(to) ? setConfirming(to) : move(to))}
                data-testid={`move-${to}`}
              >
                {t(`cases.moveTo.${to}`)}
              </button>
            ))}
          </div>
        </section>
      )}

      {confirming && (
        <ConfirmDialog
          title={t(`cases.confirm.${confirming}.title`, { number: view.number })}
          text={t(`cases.confirm.${confirming}.text`)}
          confirm={t(`cases.confirm.${confirming}.yes`)}
          cancel={t("cases.confirm.no")}
          onConfirm={() => {
            setConfirming(null);
            move(confirming);
          }}
          onCancel={() => setConfirming(null)}
          testId="confirm-status"
        />
      )}

      <div className="actions">
        <button type="button" onClick={() => print(view.id, true)} data-testid="case-print-receipt">
          {t("cases.printReceipt")}
        </button>
        <button type="button" className="secondary" onClick={() => print(view.id, false)} data-testid="case-save-receipt">
          {t("cases.saveReceiptPdf")}
        </button>
      </div>
      <ReceiptOutcome outcome={receipt} testId="case-receipt-outcome" />
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </article>
  );
}
