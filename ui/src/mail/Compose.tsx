import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError, type CaseDocument, type DirectoryEntry, type QueuedMessage } from "../api";
import { errorKey } from "../i18n";
import { base64Of } from "../files";
import { reportProblem } from "../components/Problems";

/** What the e-address takes (the server checks again): these types, 10 MB each, 10 in all. */
const ALLOWED_EXTENSIONS = ["pdf", "doc", "docx", "odt", "ods", "odp", "jpeg", "jpg", "png", "tiff", "tif", "edoc", "xlsx", "pptx"];
const MAX_FILE_BYTES = 10 * 1024 * 1024;
const MAX_ATTACHMENTS = 10;

function allowedFile(name: string): boolean {
  const dot = name.lastIndexOf(".");
  return dot > 0 && ALLOWED_EXTENSIONS.includes(name.slice(dot + 1).toLowerCase());
}

/** Writing to an institution from the centre's mailbox: the recipient chosen from the e-address
 *  catalogue kept on the desk (works offline), subject, text, files from this computer and, from
 *  a case page, the case's scanned documents. The message is queued and sent once the server
 *  answers. */
export function Compose({
  caseId,
  documents,
  suggestedSubject,
  onQueued,
  onCancel,
  forCustomer,
  replyTo,
}: {
  caseId?: string;
  documents?: CaseDocument[];
  suggestedSubject?: string;
  onQueued: (message?: QueuedMessage) => void;
  onCancel: () => void;
  /** Send in the consenting customer's name (online) instead of queuing from the centre. */
  forCustomer?: boolean;
  /** The received message this answers: its sender is the recipient. */
  replyTo?: { id: string; address: string; subject: string };
}) {
  const { t } = useTranslation();
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<DirectoryEntry[]>([]);
  const [recipient, setRecipient] = useState<DirectoryEntry | null>(
    replyTo ? { address: replyTo.address, name: replyTo.address } : null,
  );
  const [subject, setSubject] = useState(suggestedSubject ?? "");
  const [body, setBody] = useState("");
  const [chosen, setChosen] = useState<string[]>((documents ?? []).filter((d) => d.here).map((d) => d.id));
  const [files, setFiles] = useState<{ name: string; content: string; size: number }[]>([]);
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

  // An answer goes to the sender: named from the catalogue on this desk when it is there.
  useEffect(() => {
    if (!replyTo) return;
    let current = true;
    api
      .eaddressDirectory(replyTo.address)
      .then((entries) => {
        const known = entries.find((e) => e.address === replyTo.address);
        if (current && known) setRecipient(known);
      })
      .catch(reportProblem("directory"));
    return () => {
      current = false;
    };
  }, [replyTo]);

  const addFiles = async (picked: FileList | null) => {
    setError(null);
    const added: { name: string; content: string; size: number }[] = [];
    for (const file of Array.from(picked ?? [])) {
      if (!allowedFile(file.name) || file.size === 0 || file.size > MAX_FILE_BYTES) {
        setError(t("errors.message_attachments"));
        return;
      }
      added.push({ name: file.name, content: await base64Of(file), size: file.size });
    }
    if (files.length + added.length + chosen.length > MAX_ATTACHMENTS) {
      setError(t("errors.message_attachments"));
      return;
    }
    setFiles((f) => [...f, ...added]);
  };

  const send = () => {
    if (!recipient) return;
    setError(null);
    const request = {
      recipients: [recipient.address],
      subject,
      body,
      case_id: caseId ?? null,
      document_ids: chosen,
      files: files.map(({ name, content }) => ({ name, content })),
      in_reply_to: replyTo?.id ?? null,
    };
    const sent = forCustomer ? api.sendForCustomer(request).then(() => onQueued()) : api.composeMessage(request).then(onQueued);
    sent.catch((e: unknown) => setError(t(errorKey(asCommandError(e).code))));
  };

  return (
    <section className="compose" aria-labelledby="compose-heading" data-testid="compose">
      <h2 id="compose-heading">{forCustomer ? t("consent.writeHeading") : replyTo ? t("mail.replyHeading") : t("mail.composeHeading")}</h2>
      {replyTo && (
        <p className="muted" data-testid="compose-reply-to">
          {t("mail.answers", { subject: replyTo.subject })}
        </p>
      )}
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
      <fieldset className="attach-files">
        <legend>{t("mail.attachFiles")}</legend>
        {files.length > 0 && (
          <ul data-testid="compose-files">
            {files.map((f, i) => (
              <li key={`${f.name}-${i}`}>
                {f.name}{" "}
                <button
                  type="button"
                  className="link-button"
                  onClick={() => setFiles((all) => all.filter((_, j) => j !== i))}
                  aria-label={t("mail.removeFile", { name: f.name })}
                >
                  {t("mail.remove")}
                </button>
              </li>
            ))}
          </ul>
        )}
        {/* A button in the clerk's language: the browser's own says "Choose Files" in English. */}
        <label htmlFor="compose-file" className="file-button">
          {t("mail.chooseFiles")}
        </label>
        <input
          id="compose-file"
          data-testid="compose-file"
          className="visually-hidden"
          type="file"
          multiple
          accept={ALLOWED_EXTENSIONS.map((e) => `.${e}`).join(",")}
          onChange={(e) => {
            void addFiles(e.target.files);
            e.target.value = "";
          }}
        />
        <p className="muted">{t("mail.filesHint")}</p>
      </fieldset>
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
