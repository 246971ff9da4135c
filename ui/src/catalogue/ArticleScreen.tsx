import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError } from "../api";
import { errorKey, type Language } from "../i18n";
import { LocalText } from "./LocalText";
import type { Open } from "./SearchScreen";
import { Failed, Verification } from "./ServiceScreen";
import { usePage } from "./usePage";

const REASONS = ["outdated", "missing_information", "other"] as const;

export function ArticleScreen({ id, onOpen, onBack }: { id: string; onOpen: Open; onBack: () => void }) {
  const { t, i18n } = useTranslation();
  const { page, error } = usePage(api.articlePage, id);
  const [flagging, setFlagging] = useState(false);

  if (error) return <Failed message={error} onBack={onBack} />;
  if (!page) return <p aria-busy="true">…</p>;
  return (
    <article className="article-page" data-testid="article-page" aria-labelledby="article-title" lang={page.language}>
      <button type="button" className="link-button back" onClick={onBack}>
        ← {t("catalogue.back")}
      </button>
      <h1 id="article-title">{page.title}</h1>
      <p className="muted">
        <LocalText value={page.owner.name} /> · <Verification verifiedAt={page.verified_at} language={i18n.language as Language} />
      </p>
      {/* The backend renders Markdown with raw HTML escaped and only web/mail links kept. */}
      <div className="article-body" data-testid="article-body" dangerouslySetInnerHTML={{ __html: page.html }} />
      {page.services.length > 0 && (
        <p>
          {t("catalogue.aboutServices")}:{" "}
          {page.services.map((s) => (
            <button key={s.id} type="button" className="link-button" onClick={() => onOpen({ kind: "service", id: s.id })}>
              <LocalText value={s.name} />
            </button>
          ))}
        </p>
      )}
      {flagging ? (
        <FlagForm id={page.id} onDone={() => setFlagging(false)} />
      ) : (
        <button type="button" className="secondary" onClick={() => setFlagging(true)} data-testid="flag-article">
          {t("catalogue.flag.open")}
        </button>
      )}
    </article>
  );
}

function FlagForm({ id, onDone }: { id: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState<string>("outdated");
  const [note, setNote] = useState("");
  const [state, setState] = useState<{ kind: "idle" | "sending" | "sent" } | { kind: "failed"; message: string }>({ kind: "idle" });

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    setState({ kind: "sending" });
    api
      .flagArticle(id, reason, note)
      .then(() => setState({ kind: "sent" }))
      .catch((e: unknown) => setState({ kind: "failed", message: t(errorKey(asCommandError(e).code)) }));
  };
  if (state.kind === "sent")
    return (
      <p role="status" data-testid="flag-sent">
        {t("catalogue.flag.sent")}{" "}
        <button type="button" className="link-button" onClick={onDone}>
          {t("catalogue.flag.close")}
        </button>
      </p>
    );
  return (
    <form className="flag-form" onSubmit={submit} aria-labelledby="flag-title">
      <h2 id="flag-title">{t("catalogue.flag.title")}</h2>
      <fieldset>
        <legend>{t("catalogue.flag.reason")}</legend>
        {REASONS.map((r) => (
          <label key={r} className="radio">
            <input type="radio" name="reason" value={r} checked={reason === r} onChange={() => setReason(r)} /> {t(`catalogue.flag.${r}`)}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor="flag-note">{t("catalogue.flag.note")}</label>
        <textarea id="flag-note" maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} rows={3} />
      </div>
      {state.kind === "failed" && (
        <p role="alert" className="field-error">
          {state.message}
        </p>
      )}
      <button type="submit" className="primary" disabled={state.kind === "sending"}>
        {t("catalogue.flag.send")}
      </button>{" "}
      <button type="button" className="link-button" onClick={onDone}>
        {t("catalogue.flag.cancel")}
      </button>
    </form>
  );
}
