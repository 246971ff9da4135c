import { useTranslation } from "react-i18next";
import type { MailboxAccess } from "../api";
import { formatSyncTime } from "../format";
import type { Language } from "../i18n";

/** Who accessed a mailbox, newest first (the last 20 of the page): when, who in words, what,
 *  and on what ground when it was not the holder's own doing. `self` names one actor ("the
 *  customer") instead of their code. */
export function AccessList({ accesses, self, testId }: { accesses: MailboxAccess[]; self?: { actor: string; label: string }; testId: string }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language as Language;
  const who = (a: MailboxAccess) => (self && a.actor === self.actor ? self.label : a.who || a.actor.replace(/^(person|institution):/, ""));
  if (accesses.length === 0) return <p className="muted" data-testid={testId}>{t("consent.noAccesses")}</p>;
  return (
    <ul className="message-list" data-testid={testId}>
      {accesses
        .slice(-20)
        .reverse()
        .map((a, i) => (
          <li key={i}>
            {formatSyncTime(a.at, language)} · {who(a)} · {t(`consent.action.${a.action}`, { defaultValue: a.action })}
            {a.basis && a.basis !== "own" && <> · {t(`consent.basis.${a.basis}`, { defaultValue: a.basis })}</>}
          </li>
        ))}
    </ul>
  );
}
