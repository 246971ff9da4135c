import { useTranslation } from "react-i18next";
import type { MailDelivery, QueuedMessage } from "../api";
import { formatSyncTime } from "../format";
import { refusalText, type Language } from "../i18n";

/** How a message stands: queued on the desk, refused, or each recipient's state on the server. */
export function MessageState({ queued, deliveries }: { queued?: QueuedMessage; deliveries?: MailDelivery[] }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language as Language;
  const known = deliveries && deliveries.length > 0 ? deliveries : queued?.deliveries;
  if (known && known.length > 0) {
    return (
      <span data-testid="message-state" data-state={known.map((d) => d.state).join(" ")}>
        {known.map((d) => (
          <span key={d.recipient} className={`badge state-${d.state}`}>
            {t(`mail.state.${d.state}`)}
            {d.state === "read" && d.read_at ? ` ${formatSyncTime(d.read_at, language)}` : ""}
          </span>
        ))}
      </span>
    );
  }
  if (!queued) return null;
  return (
    <span data-testid="message-state" data-state={queued.state}>
      <span className={`badge state-${queued.state}`}>{t(`mail.state.${queued.state}`)}</span>
      {queued.refused && (
        <span className="field-error"> {refusalText(t, queued.refused_code, queued.refused)}</span>
      )}
    </span>
  );
}
