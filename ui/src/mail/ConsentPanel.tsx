import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError, type ActiveConsent, type ConsentChallenge, type MailboxAccess, type MailMessage, type PrintOutcome } from "../api";
import { ReceiptOutcome } from "../cases/Receipt";
import { formatSyncTime, senderName } from "../format";
import { errorKey, type Language } from "../i18n";
import { AccessList } from "./AccessList";
import { Compose } from "./Compose";

/** Reading the customer's e-address with them: the customer reads what they agree to and signs
 *  it with their own eID card (PIN1, typed by them); then the clerk sees their inbox until the
 *  card leaves the reader, the time is over or the clerk ends it. */
export function ConsentPanel({ onChanged }: { onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language as Language;
  const [step, setStep] = useState<"idle" | "choose" | "sign" | "active">("idle");
  const [rights, setRights] = useState<"read" | "communicate">("read");
  const [minutes, setMinutes] = useState(30);
  const [challenge, setChallenge] = useState<ConsentChallenge | null>(null);
  const [pin, setPin] = useState("");
  const [consent, setConsent] = useState<ActiveConsent | null>(null);
  const [inbox, setInbox] = useState<MailMessage[] | null>(null);
  const [opened, setOpened] = useState<MailMessage | null>(null);
  const [copied, setCopied] = useState<PrintOutcome | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [ended, setEnded] = useState(false);
  const [writing, setWriting] = useState(false);
  const [sent, setSent] = useState(false);
  const [accesses, setAccesses] = useState<MailboxAccess[] | null>(null);
  const fail = (e: unknown) => setError(t(errorKey(asCommandError(e).code)));
  // While in force: the consent ends when the customer's card leaves the second reader.
  useEffect(() => {
    if (step !== "active") return;
    const timer = setInterval(() => {
      api
        .consentStatus()
        .then((now) => {
          if (!now) {
            setStep("idle");
            setConsent(null);
            setInbox(null);
            setOpened(null);
            setEnded(true);
            onChanged();
          }
        })
        .catch(() => undefined);
    }, 2000);
    return () => clearInterval(timer);
  }, [step, onChanged]);

  const ask = () => {
    setError(null);
    api
      .askConsent(rights, minutes)
      .then((c) => {
        setChallenge(c);
        setStep("sign");
      })
      .catch(fail);
  };

  const sign = () => {
    if (!challenge) return;
    setError(null);
    api
      .signConsent(challenge.id, pin)
      .then((c) => {
        setPin("");
        setConsent(c);
        setStep("active");
        onChanged();
        return api.consentInbox().then(setInbox);
      })
      .catch((e: unknown) => {
        setPin("");
        fail(e);
      });
  };

  const end = () => {
    api
      .endConsent()
      .then(() => {
        setStep("idle");
        setConsent(null);
        setInbox(null);
        setOpened(null);
        onChanged();
      })
      .catch(fail);
  };

  if (step === "idle") {
    return (
      <span className="consent">
        <button type="button" className="secondary small" onClick={() => { setEnded(false); setStep("choose"); }} data-testid="consent-start">
          {t("consent.start")}
        </button>
        {ended && <span className="muted" role="status"> {t("consent.ended")}</span>}
      </span>
    );
  }

  return (
    <section className="consent-panel" aria-labelledby="consent-heading" data-testid="consent-panel">
      <h2 id="consent-heading">{t("consent.heading")}</h2>
      {step === "choose" && (
        <>
          <fieldset>
            <legend>{t("consent.what")}</legend>
            <label>
              <input type="radio" name="consent-rights" checked={rights === "read"} onChange={() => setRights("read")} /> {t("consent.read")}
            </label>
            <label>
              <input type="radio" name="consent-rights" checked={rights === "communicate"} onChange={() => setRights("communicate")} />{" "}
              {t("consent.communicate")}
            </label>
          </fieldset>
          <label htmlFor="consent-minutes">{t("consent.minutes")}</label>
          <select id="consent-minutes" value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
            {[15, 30, 60].map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
          <div className="actions">
            <button type="button" onClick={ask} data-testid="consent-ask">
              {t("consent.ask")}
            </button>
            <button type="button" className="link-button" onClick={() => setStep("idle")}>
              {t("cases.cancel")}
            </button>
          </div>
        </>
      )}
      {step === "sign" && challenge && (
        <>
          <p className="notice" data-testid="consent-text">
            {language === "lv" ? challenge.text_lv : challenge.text_en}
          </p>
          <p className="muted">{t("consent.customerSigns")}</p>
          <label htmlFor="consent-pin">{t("consent.pin")}</label>
          <input
            id="consent-pin"
            data-testid="consent-pin"
            type="password"
            inputMode="numeric"
            autoComplete="off"
            value={pin}
            maxLength={12}
            onChange={(e) => setPin(e.target.value.replace(/\D/g, ""))}
          />
          <div className="actions">
            <button type="button" onClick={sign} disabled={pin.length < 4} data-testid="consent-sign">
              {t("consent.sign")}
            </button>
            <button type="button" className="link-button" onClick={() => setStep("idle")}>
              {t("cases.cancel")}
            </button>
          </div>
        </>
      )}
      {step === "active" && consent && (
        <>
          <p role="status" data-testid="consent-active">
            {t("consent.active", { until: formatSyncTime(consent.valid_until, language) })}
          </p>
          {inbox && inbox.length === 0 && <p className="muted">{t("mail.empty")}</p>}
          <ul className="message-list" data-testid="consent-inbox">
            {(inbox ?? []).map((m) => (
              <li key={m.id}>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => {
                    setCopied(null);
                    api.openCustomerMessage(m.id).then(setOpened).catch(fail);
                  }}
                >
                  {m.subject}
                </button>{" "}
                <span className="muted">
                  {senderName(m)} · {formatSyncTime(m.sent_at, language)}
                </span>
              </li>
            ))}
          </ul>
          {opened && (
            <article className="message" data-testid="consent-opened">
              <h3>{opened.subject}</h3>
              <p className="muted">
                {senderName(opened, true)} · {formatSyncTime(opened.sent_at, language)}
              </p>
              <p className="note">{opened.body}</p>
              {opened.attachments.length > 0 && (
                <ul className="attachment-list" data-testid="consent-attachments">
                  {opened.attachments.map((a, index) => (
                    <li key={`${a.sha256}-${index}`}>
                      {a.name}{" "}
                      {/\.(pdf|jpe?g|png)$/i.test(a.name) ? (
                        <>
                          <button
                            type="button"
                            className="secondary small"
                            aria-label={t("consent.printAttachment", { name: a.name })}
                            onClick={() => api.exportCustomerAttachment(opened.id, index, true).then(setCopied).catch(fail)}
                          >
                            {t("cases.printDocument")}
                          </button>{" "}
                          <button
                            type="button"
                            className="link-button"
                            aria-label={t("consent.saveAttachment", { name: a.name })}
                            onClick={() => api.exportCustomerAttachment(opened.id, index, false).then(setCopied).catch(fail)}
                          >
                            {t("cases.saveDocument")}
                          </button>
                        </>
                      ) : (
                        <span className="muted">{t("consent.attachmentElsewhere")}</span>
                      )}
                    </li>
                  ))}
                </ul>
              )}
              <ReceiptOutcome outcome={copied} testId="consent-attachment-outcome" />
            </article>
          )}
          {consent.rights === "communicate" &&
            (writing ? (
              <Compose
                forCustomer
                onQueued={() => {
                  setWriting(false);
                  setSent(true);
                  onChanged();
                }}
                onCancel={() => setWriting(false)}
              />
            ) : (
              <button type="button" className="secondary small" onClick={() => { setSent(false); setWriting(true); }} data-testid="consent-write">
                {t("consent.write")}
              </button>
            ))}
          {sent && (
            <p role="status" className="muted" data-testid="consent-sent">
              {t("consent.sent")}
            </p>
          )}
          <button type="button" className="link-button" onClick={() => api.consentAccesses().then(setAccesses).catch(fail)} data-testid="consent-accesses">
            {t("consent.accesses")}
          </button>
          {accesses && consent && (
            <AccessList accesses={accesses} self={{ actor: `person:${consent.mailbox.replace(/^_PRIVATE@/, "")}`, label: t("consent.customer") }} testId="consent-access-list" />
          )}
          <button type="button" className="secondary small" onClick={end} data-testid="consent-end">
            {t("consent.end")}
          </button>
        </>
      )}
      {error && (
        <p className="field-error" role="alert" data-testid="consent-error">
          {error}
        </p>
      )}
    </section>
  );
}
