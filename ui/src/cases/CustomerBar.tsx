import { useCallback, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError, type PrintOutcome } from "../api";
import { errorKey } from "../i18n";
import { CustomerDrafts } from "../forms/ServiceForms";
import { ConsentPanel } from "../mail/ConsentPanel";
import { CustomerField, type Customer } from "./CustomerField";
import { ReceiptOutcome } from "./Receipt";
import { useVisit } from "./visit";

/** Who is being served: start a visit from their card or code; end it with the receipt of
 *  everything done on their behalf. */
export function CustomerBar({ seen, onOpenDraft }: { seen: string; onOpenDraft: (draftId: string) => void }) {
  const { t } = useTranslation();
  const { visit, refresh } = useVisit();
  const [open, setOpen] = useState(false);
  const [customer, setCustomer] = useState<Customer>({ code: "", name: "" });
  const [valid, setValid] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [receipt, setReceipt] = useState<PrintOutcome | null>(null);
  const onValid = useCallback((v: boolean) => setValid(v), []);

  const start = () => {
    api
      .startVisit(customer.code, customer.name)
      .then(() => {
        setOpen(false);
        setCustomer({ code: "", name: "" });
        setError(null);
        setReceipt(null);
        refresh();
      })
      .catch((e: unknown) => setError(t(errorKey(asCommandError(e).code))));
  };

  const finish = (print: boolean) => {
    const done = () => {
      void api.endVisit().then(refresh);
    };
    api
      .printVisitReceipt(print)
      .then((outcome) => {
        setReceipt(outcome);
        done();
      })
      .catch((e: unknown) => setError(t(errorKey(asCommandError(e).code))));
  };

  return (
    <section className="customer-bar" aria-label={t("cases.customer")} data-testid="customer-bar">
      {visit ? (
        <>
          <span>
            {t("cases.serving")}: <strong data-testid="visit-customer">{visit.customer_name || visit.customer_code}</strong>{" "}
            <span className="muted">({t("cases.actionsSoFar", { count: visit.actions.length })})</span>
          </span>
          <button type="button" className="secondary small" onClick={() => finish(true)} data-testid="end-visit-print">
            {t("cases.endVisitPrint")}
          </button>
          <button type="button" className="secondary small" onClick={() => finish(false)} data-testid="end-visit-pdf">
            {t("cases.endVisitPdf")}
          </button>
          <ConsentPanel onChanged={refresh} />
          <CustomerDrafts customerCode={visit.customer_code} seen={seen} onOpenDraft={onOpenDraft} />
        </>
      ) : open ? (
        <div className="visit-start">
          <CustomerField value={customer} onChange={setCustomer} onValid={onValid} idPrefix="visit-customer" />
          <button type="button" className="primary" onClick={start} disabled={!valid} data-testid="start-visit">
            {t("cases.startVisit")}
          </button>
          <button type="button" className="link-button" onClick={() => setOpen(false)}>
            {t("cases.cancel")}
          </button>
        </div>
      ) : (
        <button type="button" className="secondary small" onClick={() => setOpen(true)} data-testid="new-visit">
          {t("cases.newVisit")}
        </button>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <ReceiptOutcome outcome={receipt} testId="visit-receipt" />
    </section>
  );
}
