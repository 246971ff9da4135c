import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError, type MailboxAccess, type MailMessage, type Mailbox, type QueuedMessage } from "../api";
import { formatSyncTime, senderName } from "../format";
import { errorKey, type Language } from "../i18n";
import { AccessList } from "./AccessList";
import { Compose } from "./Compose";
import { MessageState } from "./MessageState";
import { reportProblem } from "../components/Problems";
import { useSyncRevision } from "../components/useSyncStatus";

/** How many messages of a folder come at a time (the desk's page). */
const FOLDER_PAGE = 50;

/** The centre's e-address mailbox: what this desk queued (also offline), and — online — the
 *  inbox and the sent messages with each recipient's state, older ones a page at a time;
 *  writing to an institution. */
export function MailScreen() {
  const { t, i18n } = useTranslation();
  const language = i18n.language as Language;
  const [queued, setQueued] = useState<QueuedMessage[]>([]);
  const [mailbox, setMailbox] = useState<Mailbox | null>(null);
  const [folder, setFolder] = useState<"inbox" | "sent">("inbox");
  const [messages, setMessages] = useState<MailMessage[] | null>(null);
  const [more, setMore] = useState(false);
  const [opened, setOpened] = useState<MailMessage | null>(null);
  const [offline, setOffline] = useState<string | null>(null);
  const [composing, setComposing] = useState(false);
  const [replyTo, setReplyTo] = useState<MailMessage | null>(null);
  // The centre's administrator sees who accessed the centre's mailbox.
  const [admin, setAdmin] = useState(false);
  const [accesses, setAccesses] = useState<MailboxAccess[] | null>(null);
  useEffect(() => {
    api
      .loginStatus()
      .then((s) => setAdmin(s.login.person?.roles.includes("admin") ?? false))
      .catch(() => setAdmin(false));
  }, []);

  // The outbox and the open folder are read again together whenever syncing changed a message,
  // so a message is never "waiting" in one list and "delivered" in the other.
  const revision = useSyncRevision();
  const reloadQueued = useCallback(() => {
    api.queuedMessages().then(setQueued).catch(reportProblem("queued"));
  }, []);
  useEffect(reloadQueued, [reloadQueued, revision]);
  const reload = useCallback(() => {
    reloadQueued();
    api
      .mailboxes()
      .then((boxes) => {
        setOffline(null);
        setMailbox(boxes.find((b) => b.centre) ?? boxes[0] ?? null);
      })
      .catch((e: unknown) => setOffline(t(errorKey(asCommandError(e).code))));
  }, [t, reloadQueued]);
  useEffect(reload, [reload]);

  useEffect(() => {
    if (!mailbox) return;
    let current = true;
    api
      .mailboxFolder(mailbox.address, folder)
      .then((found) => {
        if (!current) return;
        setMessages(found);
        setMore(found.length >= FOLDER_PAGE);
      })
      .catch((e: unknown) => current && setOffline(t(errorKey(asCommandError(e).code))));
    return () => {
      current = false;
    };
  }, [mailbox, folder, t, revision]);

  // The next page starts after the last one shown: by delivery time in the inbox, by sending
  // time in sent messages.
  const showOlder = () => {
    const last = messages?.[messages.length - 1];
    if (!mailbox || !last) return;
    const at = folder === "inbox" ? (last.deliveries[0]?.delivered_at ?? last.sent_at) : last.sent_at;
    api
      .mailboxFolder(mailbox.address, folder, { at, id: last.id })
      .then((found) => {
        setMessages((shown) => [...(shown ?? []), ...found]);
        setMore(found.length >= FOLDER_PAGE);
      })
      .catch((e: unknown) => setOffline(t(errorKey(asCommandError(e).code))));
  };

  const open = (id: string) => {
    if (!mailbox) return;
    api
      .openMessage(mailbox.address, id)
      .then(setOpened)
      .catch((e: unknown) => setOffline(t(errorKey(asCommandError(e).code))));
  };

  const waiting = queued.filter((m) => m.state !== "sent");
  return (
    <section className="mail-screen" aria-labelledby="mail-heading" data-testid="mail-screen">
      <h1 id="mail-heading">{mailbox ? `${t("mail.heading")}: ${mailbox.name}` : t("mail.heading")}</h1>
      {composing ? (
        <Compose
          replyTo={replyTo ? { id: replyTo.id, address: replyTo.sender, subject: replyTo.subject } : undefined}
          suggestedSubject={replyTo ? t("mail.replySubject", { subject: replyTo.subject }) : undefined}
          onQueued={() => {
            setComposing(false);
            setReplyTo(null);
            reload();
          }}
          onCancel={() => {
            setComposing(false);
            setReplyTo(null);
          }}
        />
      ) : (
        <button type="button" className="primary" onClick={() => setComposing(true)} data-testid="mail-write">
          {t("mail.write")}
        </button>
      )}
      {waiting.length > 0 && (
        <section aria-labelledby="outbox-heading">
          <h2 id="outbox-heading">{t("mail.outbox")}</h2>
          <ul className="message-list" data-testid="mail-outbox">
            {waiting.map((m) => (
              <li key={m.id}>
                <strong>{m.subject}</strong> <span className="muted">{(m.recipient_names ?? m.recipients).join(", ")}</span> <MessageState queued={m} />
                {m.attachments.length > 0 && (
                  <span className="muted">
                    {" "}
                    · {t("mail.attachmentsCount", { count: m.attachments.length })}: {m.attachments.join(", ")}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      {offline && (
        <p className="muted" role="status" data-testid="mail-offline">
          {t("mail.onlineOnly")} ({offline})
        </p>
      )}
      {mailbox && (
        <>
          <nav className="section-tabs" aria-label={t("mail.folders")}>
            <button type="button" aria-pressed={folder === "inbox"} onClick={() => setFolder("inbox")} data-testid="folder-inbox">
              {t("mail.inbox")}
            </button>
            <button type="button" aria-pressed={folder === "sent"} onClick={() => setFolder("sent")} data-testid="folder-sent">
              {t("mail.sent")}
            </button>
          </nav>
          {messages && messages.length === 0 && <p className="muted">{t("mail.empty")}</p>}
          <ul className="message-list" data-testid="mail-messages">
            {(messages ?? []).map((m) => (
              <li key={m.id}>
                <button type="button" className="link-button" onClick={() => open(m.id)}>
                  {m.subject}
                </button>{" "}
                <span className="muted">
                  {folder === "inbox" ? senderName(m) : m.deliveries.map((d) => d.recipient_name || d.recipient).join(", ")} · {formatSyncTime(m.sent_at, language)}
                </span>{" "}
                <MessageState deliveries={m.deliveries} />
              </li>
            ))}
          </ul>
          {more && (
            <button type="button" className="secondary small" onClick={showOlder} data-testid="mail-older">
              {t("mail.older")}
            </button>
          )}
          {admin && mailbox.centre && (
            <>
              <button
                type="button"
                className="link-button"
                onClick={() => api.mailboxAccesses(mailbox.address).then(setAccesses).catch((e: unknown) => setOffline(t(errorKey(asCommandError(e).code))))}
                data-testid="mail-accesses"
              >
                {t("mail.accesses")}
              </button>
              {accesses && <AccessList accesses={accesses} testId="mail-access-list" />}
            </>
          )}
        </>
      )}
      {opened && (
        <article className="message" data-testid="mail-opened" aria-labelledby="message-subject">
          <h2 id="message-subject">{opened.subject}</h2>
          <p className="muted">
            {senderName(opened, true)} · {formatSyncTime(opened.sent_at, language)}
            {opened.case_number ? ` · ${opened.case_number}` : ""}
          </p>
          <p className="note">{opened.body}</p>
          {opened.attachments.length > 0 && (
            <ul>
              {opened.attachments.map((a) => (
                <li key={a.sha256}>{a.name}</li>
              ))}
            </ul>
          )}
          {mailbox && opened.sender !== mailbox.address && mailbox.rights !== "read" && (
            <button
              type="button"
              data-testid="mail-reply"
              onClick={() => {
                setReplyTo(opened);
                setComposing(true);
                window.scrollTo({ top: 0 });
              }}
            >
              {t("mail.reply")}
            </button>
          )}
        </article>
      )}
    </section>
  );
}
