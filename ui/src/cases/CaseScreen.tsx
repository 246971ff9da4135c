import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError, type CaseStatus, type CaseView } from "../api";
import { usePage } from "../catalogue/usePage";
import { formatSyncTime } from "../format";
import { errorKey, type Language } from "../i18n";
import { ReceiptOutcome, useCaseReceipt } from "./Receipt";
import { useVisit } from "./visit";

/** One case: what it is, its whole history, the next steps the clerk may take, receipts. */
export function CaseScreen({ id, onBack }: { id: string; onBack: () => void }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language as Language;
  const { page, error: loadError } = usePage(api.casePage, id);
  const { refresh } = useVisit();
  const [changed, setChanged] = useState<CaseView | null>(null);
  const [note, setNote] = useState("");
  const [error, setError] = useState<string | null>(null);
  const { receipt, print } = useCaseReceipt(setError);
  const view = changed ?? page;

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

  return (
    <article className="case-page" data-testid="case-page" aria-labelledby="case-number">
      <button type="button" className="link-button back" onClick={onBack}>
        ← {t("catalogue.back")}
      </button>
      <h1 id="case-number" data-testid="case-number">
        {view.number}
      </h1>
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
        <dt>{t("cases.sync")}</dt>
        <dd data-testid="case-sync">
          {view.refused ? `${t("cases.refused")}: ${view.refused}` : view.unsent > 0 ? t("cases.notYetSent") : t("cases.sent")}
        </dd>
      </dl>

      <section aria-labelledby="history-heading">
        <h2 id="history-heading">{t("cases.history")}</h2>
        <ol className="case-history" data-testid="case-history">
          {view.history.map((h, i) => (
            <li key={i}>
              <strong>{t(`cases.status.${h.status}`)}</strong> · {formatSyncTime(h.at, language)} ·{" "}
              {h.by === "institution" ? t("cases.byInstitution") : t("cases.byStaff")}
              {h.offline && <span className="badge"> {t("login.offlineBadge")}</span>}
              {h.note && <p className="note">{h.note}</p>}
            </li>
          ))}
        </ol>
      </section>

      {view.next.length > 0 && (
        <section aria-labelledby="next-heading">
          <h2 id="next-heading">{t("cases.nextHeading")}</h2>
          <label htmlFor="status-note">{t("cases.note")}</label>
          <textarea id="status-note" value={note} maxLength={2000} rows={2} onChange={(e) => setNote(e.target.value)} />
          <div className="actions">
            {view.next.map((to) => (
              <button type="button" key={to} className={to === "cancelled" ? "secondary" : undefined} onClick={() => move(to)} data-testid={`move-${to}`}>
                {t(`cases.moveTo.${to}`)}
              </button>
            ))}
          </div>
        </section>
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
