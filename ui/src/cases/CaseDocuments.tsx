import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError, type CaseView, type PrintOutcome } from "../api";
import { formatSyncTime } from "../format";
import { base64Of } from "../files";
import { errorKey, type Language } from "../i18n";
import { ReceiptOutcome } from "./Receipt";

/** The largest scan a case takes; checked here too so a clerk hears at once, not after upload. */
const MAX_BYTES = 10 * 1024 * 1024;

function sizeText(bytes: number, language: Language): string {
  const format = new Intl.NumberFormat(language === "lv" ? "lv-LV" : "en-GB", { maximumFractionDigits: 1 });
  return bytes >= 1024 * 1024 ? `${format.format(bytes / 1024 / 1024)} MB` : `${format.format(Math.max(1, bytes / 1024))} kB`;
}

/** Scanned documents on a case: attach (checked by content, kept encrypted on this desk), look
 *  at images, save or print a copy. */
export function CaseDocuments({ view, onChanged }: { view: CaseView; onChanged: (view: CaseView) => void }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language as Language;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [preview, setPreview] = useState<{ id: string; src: string } | null>(null);
  const [outcome, setOutcome] = useState<PrintOutcome | null>(null);
  const fail = (e: unknown) => setError(t(errorKey(asCommandError(e).code)));

  const attach = async (file: File) => {
    setError(null);
    if (file.size > MAX_BYTES) {
      setError(t(errorKey("document_too_large")));
      return;
    }
    setBusy(true);
    try {
      onChanged(await api.addCaseDocument(view.id, file.name, await base64Of(file)));
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  const show = (id: string) => {
    setError(null);
    if (preview?.id === id) return setPreview(null);
    api
      .caseDocumentPreview(view.id, id)
      .then((p) => setPreview({ id, src: `data:${p.media_type};base64,${p.content}` }))
      .catch(fail);
  };

  const copy = (id: string, toPrinter: boolean) => {
    setError(null);
    api.exportCaseDocument(view.id, id, toPrinter).then(setOutcome).catch(fail);
  };

  return (
    <section aria-labelledby="documents-heading" data-testid="case-documents">
      <h2 id="documents-heading">{t("cases.documents")}</h2>
      {view.documents.length === 0 && <p className="muted">{t("cases.noDocuments")}</p>}
      <ul className="case-documents">
        {view.documents.map((d) => (
          <li key={d.id} data-testid="case-document">
            <strong>{d.name}</strong>{" "}
            <span className="muted">
              {sizeText(d.size, language)} · {formatSyncTime(d.added_at, language)}
            </span>
            {d.here ? (
              <span className="actions inline">
                {d.media_type.startsWith("image/") && d.media_type !== "image/tiff" && (
                  <button type="button" className="link-button" aria-expanded={preview?.id === d.id} onClick={() => show(d.id)}>
                    {t("cases.showDocument")}
                  </button>
                )}
                <button type="button" className="link-button" onClick={() => copy(d.id, false)} data-testid="save-document">
                  {t("cases.saveDocument")}
                </button>
                <button type="button" className="link-button" onClick={() => copy(d.id, true)}>
                  {t("cases.printDocument")}
                </button>
              </span>
            ) : (
              <span className="muted"> · {t("cases.documentElsewhere")}</span>
            )}
            {preview?.id === d.id && <img className="document-preview" src={preview.src} alt={d.name} />}
          </li>
        ))}
      </ul>
      <label htmlFor="attach-document" className="file-button">
        {busy ? t("cases.attaching") : t("cases.attachDocument")}
      </label>
      <input
        id="attach-document"
        data-testid="attach-document"
        type="file"
        className="visually-hidden"
        accept="application/pdf,image/jpeg,image/png,image/tiff"
        disabled={busy}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = "";
          if (file) void attach(file);
        }}
      />
      <p className="hint">{t("cases.attachHint")}</p>
      <ReceiptOutcome outcome={outcome} testId="document-outcome" />
      {error && (
        <p className="field-error" role="alert" data-testid="document-error">
          {error}
        </p>
      )}
    </section>
  );
}
