import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError, type CaseDocument, type DirectoryEntry, type QueuedMessage } from "../api";
import { errorKey } from "../i18n";

/** Writing to an institution from the centre's mailbox: the recipient chosen from the e-address
 *  catalogue kept on the desk (works offline), subject, text and, from a case page, the case's
 *  scanned documents. The message is queued and sent once the server answers. */
export function Compose({
  caseId,
  documents,
  suggestedSubject,
  onQueued,
  onCancel,
  forCustomer,
}: {
  caseId?: string;
  documents?: CaseDocument[];
  suggestedSubject?: string;
  onQueued: (message?: QueuedMessage) => void;
  onCancel: () => void;
  /** Send in the consenting customer's name (online) instead of queuing from the centre. */
  forCustomer?: boolean;
}) {
  const { t } = useTranslation();
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<DirectoryEntry[]>([]);
  const [recipient, setRecipient] = useState<DirectoryEntry | null>(null);
  const [subject, setSubject] = useState(suggestedSubject ?? "");
  const [body, setBody] = useState("");
  const [chosen, setChosen] = useState<string[]>((documents ?? []).filter((d) => d.here).map((d) => d.id));
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    api
      .eaddressDirectory(query)
      .then((entries) => current && setFound(entries))
      .catch((e: unknown) => current && setError(t(errorKey(asCommandError(e).code))));
    return () => {
      current = false;
    };
  }, [query, t]);

  const send = () => {
    if (!recipient) return;
    setError(null);
    const request = { recipients: [recipient.address], subject, body, case_id: caseId ?? null, document_ids: chosen };
    const sent = forCustomer ? api.sendForCustomer(request).then(() => onQueued()) : api.composeMessage(request).then(onQueued);
    sent.catch((e: unknown) => setError(t(errorKey(asCommandError(e).code))));
  };

  return (
    <section className="compose" aria-labelledby="compose-heading" data-testid="compose">
      <h2 id="compose-heading">{forCustomer ? t("consent.writeHeading") : t("mail.composeHeading")}</h2>
      {recipient ? (
        <p data-testid="compose-recipient">
          {t("mail.to")}: <strong>{recipient.name}</strong> <span className="muted">{recipient.address}</span>{" "}
          <button type="button" className="link-button" onClick={() => setRecipient(null)}>
            {t("mail.changeRecipient")}
          </button>
        </p>
      ) : (
        <>
          <label htmlFor="recipient-search">{t("mail.recipientSearch")}</label>
          <input id="recipient-search" data-testid="recipient-search" type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
          {found.length === 0 && <p className="muted">{t("mail.noRecipients")}</p>}
          <ul className="recipient-list">
            {found.map((entry) => (
              <li key={entry.address}>
                <button type="button" className="link-button" onClick={() => setRecipient(entry)} data-testid="recipient-option">
                  {entry.name}
                </button>{" "}
                <span className="muted">{entry.address}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <label htmlFor="mail-subject">{t("mail.subject")}</label>
      <input id="mail-subject" data-testid="mail-subject" value={subject} maxLength={200} onChange={(e) => setSubject(e.target.value)} />
      <label htmlFor="mail-body">{t("mail.body")}</label>
      <textarea id="mail-body" data-testid="mail-body" value={body} rows={4} maxLength={20000} onChange={(e) => setBody(e.target.value)} />
      {documents && documents.length > 0 && (
        <fieldset className="attach-documents">
          <legend>{t("mail.attachDocuments")}</legend>
          {documents.map((d) => (
            <label key={d.id}>
              <input
                type="checkbox"
                disabled={!d.here}
                checked={chosen.includes(d.id)}
                onChange={(e) => setChosen((c) => (e.target.checked ? [...c, d.id] : c.filter((x) => x !== d.id)))}
              />{" "}
              {d.name}
            </label>
          ))}
        </fieldset>
      )}
      <div className="actions">
        <button type="button" onClick={send} disabled={!recipient || !subject.trim()} data-testid="mail-send">
          {t("mail.send")}
        </button>
        <button type="button" className="link-button" onClick={onCancel}>
          {t("cases.cancel")}
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert" data-testid="compose-error">
          {error}
        </p>
      )}
    </section>
  );
}
