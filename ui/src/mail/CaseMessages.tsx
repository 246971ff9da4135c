import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type CaseView, type MailDelivery, type QueuedMessage } from "../api";
import { formatSyncTime } from "../format";
import type { Language } from "../i18n";
import { Compose } from "./Compose";
import { MessageState } from "./MessageState";
import { reportProblem } from "../components/Problems";
import { useSyncRevision } from "../components/useSyncStatus";

/** Messages about a case: write to the institution with the case's documents (offline too), and
 *  see each message's state — queued, or on the server delivered, notified or read. */
export function CaseMessages({ view }: { view: CaseView }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language as Language;
  const [queued, setQueued] = useState<QueuedMessage[]>([]);
  const [states, setStates] = useState<Record<string, MailDelivery[]>>({});
  const [composing, setComposing] = useState(false);

  // Queued and sent read again together whenever syncing changed them: one state per message.
  const revision = useSyncRevision();
  const reload = useCallback(() => {
    api
      .queuedMessages()
      .then((all) => setQueued(all.filter((m) => m.case_id === view.id)))
      .catch(reportProblem("queued"));
    // Online: each recipient's state from the centre's sent messages.
    api
      .mailboxes()
      .then((boxes) => boxes.find((b) => b.centre))
      .then((centre) => (centre ? api.mailboxFolder(centre.address, "sent") : []))
      .then((sent) => setStates(Object.fromEntries(sent.map((m) => [m.id, m.deliveries]))))
      .catch(() => setStates({}));
  }, [view.id]);
  useEffect(reload, [reload, revision]);

  return (
    <section aria-labelledby="case-messages-heading" data-testid="case-messages">
      <h2 id="case-messages-heading">{t("mail.caseHeading")}</h2>
      {queued.length === 0 && <p className="muted">{t("mail.noneForCase")}</p>}
      <ul className="message-list">
        {queued.map((m) => (
          <li key={m.id} data-testid="case-message">
            <strong>{m.subject}</strong> <span className="muted">{(m.recipient_names ?? m.recipients).join(", ")} · {formatSyncTime(m.created_at, language)}</span>
            {m.attachments.length > 0 && <span className="muted"> · {m.attachments.join(", ")}</span>} <MessageState queued={m} deliveries={states[m.id]} />
          </li>
        ))}
      </ul>
      {composing ? (
        <Compose
          caseId={view.id}
          documents={view.documents}
          suggestedSubject={`${view.number} ${view.service_name}`}
          onQueued={() => {
            setComposing(false);
            reload();
          }}
          onCancel={() => setComposing(false)}
        />
      ) : (
        <div className="actions">
          <button type="button" className="secondary" onClick={() => setComposing(true)} data-testid="case-write">
            {t("mail.writeForCase")}
          </button>
          <button type="button" className="link-button" onClick={reload} data-testid="case-messages-refresh">
            {t("mail.refresh")}
          </button>
        </div>
      )}
    </section>
  );
}
