import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError, type PrintOutcome, type PrintPreview } from "../api";
import { errorKey } from "../i18n";
import { useModal } from "./ConfirmDialog";

/**
 * What is about to be printed, page by page, with the printer and the number of copies to choose:
 * nothing reaches a printer before "Print" here. A modal dialog (Esc closes it, printing nothing).
 */
export function PrintDialog({
  preview,
  onPrinted,
  onClosed,
}: {
  preview: PrintPreview;
  onPrinted: (outcome: PrintOutcome) => void;
  onClosed: () => void;
}) {
  const { t } = useTranslation();
  const ref = useModal();
  const id = useId();
  const [printer, setPrinter] = useState(preview.printers.find((p) => p.default)?.name ?? preview.printers[0]?.name ?? "");
  const [copies, setCopies] = useState(1);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // No printer at all: nothing to print on (saving the PDF is the way). The list failing is
  // not the same: `lp` may still reach the default printer.
  const noPrinter = preview.printers_problem === "no_printer";
  const close = () => {
    api.dropHeldPrint().catch(() => undefined);
    onClosed();
  };
  const print = () => {
    if (!Number.isInteger(copies) || copies < 1 || copies > preview.max_copies) {
      setError(t("print.copiesRange", { max: preview.max_copies }));
      return;
    }
    setBusy(true);
    setError(null);
    api
      .printHeld(preview.token, printer || null, copies)
      .then(onPrinted)
      .catch((e: unknown) => setError(t(errorKey(asCommandError(e).code))))
      .finally(() => setBusy(false));
  };
  return (
    <dialog
      ref={ref}
      className="print-dialog"
      aria-labelledby={`${id}-title`}
      onCancel={(e) => {
        e.preventDefault();
        close();
      }}
      data-testid="print-dialog"
    >
      <h2 id={`${id}-title`}>{t("print.title", { title: preview.title })}</h2>
      <div className="print-pages" tabIndex={0} aria-label={t("print.pagesLabel")} data-testid="print-pages">
        {preview.pages.map((src, index) => (
          <img key={index} src={src} decoding="sync" alt={t("print.page", { page: index + 1, total: preview.total_pages })} />
        ))}
        {preview.total_pages > preview.pages.length && (
          <p className="muted">{t("print.morePages", { count: preview.total_pages - preview.pages.length })}</p>
        )}
      </div>
      <div className="print-choices">
        {preview.printers.length > 0 ? (
          <div className="field">
            <label htmlFor={`${id}-printer`}>{t("print.printer")}</label>
            <select id={`${id}-printer`} value={printer} onChange={(e) => setPrinter(e.target.value)} data-testid="print-printer">
              {preview.printers.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.default ? t("print.defaultPrinter", { name: p.name }) : p.name}
                </option>
              ))}
            </select>
          </div>
        ) : (
          <p className={noPrinter ? "field-error" : "hint"} data-testid="print-no-printers">
            {noPrinter ? t("print.noPrinter") : t("print.listFailed")}
          </p>
        )}
        <div className="field">
          <label htmlFor={`${id}-copies`}>{t("print.copies")}</label>
          <input
            id={`${id}-copies`}
            type="number"
            min={1}
            max={preview.max_copies}
            value={copies}
            onChange={(e) => setCopies(Number(e.target.value))}
            className="copies-input"
            data-testid="print-copies"
          />
        </div>
      </div>
      {error && (
        <p className="field-error" role="alert" data-testid="print-error">
          {error}
        </p>
      )}
      <div className="confirm-actions">
        <button type="button" className="primary" onClick={print} disabled={busy || noPrinter} data-testid="print-confirm">
          {t("print.print")}
        </button>
        <button type="button" className="secondary" onClick={close} data-testid="print-cancel">
          {t("print.cancel")}
        </button>
      </div>
    </dialog>
  );
}
