import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError, CHANNELS, type CaseKind, type CaseView } from "../api";
import { errorKey } from "../i18n";
import { CustomerField, type Customer } from "./CustomerField";
import { ReceiptOutcome, useCaseReceipt } from "./Receipt";
import { useVisit } from "./visit";
import { useSyncRevision } from "../components/useSyncStatus";
import { reportProblem } from "../components/Problems";

const KINDS: CaseKind[] = ["consultation", "application", "result_handover"];

/** Registering a case from a service page: service, channel and centre are known; the customer
 *  comes from the visit, their card or a typed code. Three actions at most: open, (read card),
 *  register. Works offline: the desk numbers the case itself. */
export function RegisterCase({ serviceId, onOpenCase }: { serviceId: string; onOpenCase: (id: string) => void }) {
  const { t } = useTranslation();
  const { visit, refresh } = useVisit();
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<CaseKind>("consultation");
  const [channel, setChannel] = useState<string>("vpvkac_in_person");
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [valid, setValid] = useState(false);
  const [note, setNote] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [registered, setRegistered] = useState<CaseView | null>(null);
  const { receipt, print, clear: clearReceipt } = useCaseReceipt(setError);
  const onValid = useCallback((v: boolean) => setValid(v), []);
  // The registered case's "not yet on the server" follows syncing, as everywhere else.
  const revision = useSyncRevision();
  const registeredId = registered?.id;
  useEffect(() => {
    if (!registeredId) return;
    let current = true;
    api
      .casePage(registeredId)
      .then((view) => current && setRegistered(view))
      .catch(reportProblem("registeredCase"));
    return () => {
      current = false;
    };
  }, [registeredId, revision]);

  const who: Customer = customer ?? { code: visit?.customer_code ?? "", name: visit?.customer_name ?? "" };

  const register = () => {
    setError(null);
    api
      .registerCase({ service_id: serviceId, kind, channel, customer_code: who.code, customer_name: who.name, note })
      .then((view) => {
        setRegistered(view);
        setOpen(false);
        refresh();
      })
      .catch((e: unknown) => setError(t(errorKey(asCommandError(e).code))));
  };

  if (registered && !open) {
    return (
      <section className="register-case done" aria-labelledby="registered-heading" data-testid="case-registered">
        <h2 id="registered-heading">{t("cases.registeredHeading")}</h2>
        <p className="case-number" data-testid="registered-number">
          {registered.number}
        </p>
        <p>
          {t(`cases.kind.${registered.kind}`)} · {registered.customer_name || registered.customer_code}
          {registered.unsent > 0 && <span className="badge state-queued" data-testid="registered-sync"> {t("cases.notYetSent")}</span>}
        </p>
        <div className="actions">
          <button type="button" onClick={() => print(registered.id, true)} data-testid="print-receipt">
            {t("cases.printReceipt")}
          </button>
          <button type="button" className="secondary" onClick={() => print(registered.id, false)} data-testid="save-receipt">
            {t("cases.saveReceiptPdf")}
          </button>
          <button type="button" className="secondary" onClick={() => onOpenCase(registered.id)} data-testid="open-registered-case">
            {t("cases.openCase")}
          </button>
          <button type="button" className="link-button" onClick={() => { setRegistered(null); clearReceipt(); setOpen(true); }}>
            {t("cases.registerAnother")}
          </button>
        </div>
        <ReceiptOutcome outcome={receipt} testId="receipt-outcome" />
        {error && (
          <p className="field-error" role="alert" data-testid="register-error">
            {error}
          </p>
        )}
      </section>
    );
  }

  if (!open) {
    return (
      <button type="button" className="primary register-case-button" onClick={() => setOpen(true)} data-testid="register-case">
        {t("cases.register")}
      </button>
    );
  }

  return (
    <section className="register-case" aria-labelledby="register-heading" data-testid="register-form">
      <h2 id="register-heading">{t("cases.registerHeading")}</h2>
      <fieldset className="kind-choice">
        <legend>{t("cases.kindLabel")}</legend>
        {KINDS.map((k) => (
          <label key={k}>
            <input type="radio" name="case-kind" value={k} checked={kind === k} onChange={() => setKind(k)} data-testid={`kind-${k}`} />{" "}
            {t(`cases.kind.${k}`)}
          </label>
        ))}
      </fieldset>
      <div className="field-row">
        <label htmlFor="case-channel">{t("cases.channelLabel")}</label>
        <select id="case-channel" value={channel} onChange={(e) => setChannel(e.target.value)} data-testid="case-channel">
          {CHANNELS.map((c) => (
            <option key={c} value={c}>
              {t(`catalogue.channel.${c}`)}
            </option>
          ))}
        </select>
      </div>
      {visit && customer === null ? (
        <p data-testid="register-customer">
          {t("cases.customer")}: <strong>{visit.customer_name || visit.customer_code}</strong>{" "}
          <button type="button" className="link-button" onClick={() => setCustomer({ code: "", name: "" })}>
            {t("cases.otherCustomer")}
          </button>
        </p>
      ) : (
        <CustomerField value={who} onChange={setCustomer} onValid={onValid} idPrefix="case-customer" />
      )}
      <div className="field-row">
        <label htmlFor="case-note">{t("cases.note")}</label>
        <textarea id="case-note" value={note} maxLength={2000} onChange={(e) => setNote(e.target.value)} rows={2} />
      </div>
      <div className="actions">
        <button type="button" onClick={register} disabled={!(visit && customer === null) && !valid} data-testid="register-submit">
          {t("cases.registerSubmit")}
        </button>
        <button type="button" className="link-button" onClick={() => setOpen(false)}>
          {t("cases.cancel")}
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert" data-testid="register-error">
          {error}
        </p>
      )}
    </section>
  );
}
