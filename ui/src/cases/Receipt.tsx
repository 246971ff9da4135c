import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError, type PrintOutcome } from "../api";
import { errorKey } from "../i18n";
import { PrintDialog } from "../components/PrintDialog";

/**
 * Where a receipt went: a preview to print from first (the printer and copies chosen there), then
 * the printer, or the copy it was saved as, with a way to open it.
 */
export function ReceiptOutcome({ outcome: asked, testId }: { outcome: PrintOutcome | null; testId: string }) {
  const { t } = useTranslation();
  const [failed, setFailed] = useState<string | null>(null);
  // Where "Save as" put the copy (or that the clerk cancelled it).
  const [kept, setKept] = useState<string | null>(null);
  // What became of a preview: printed (its job), or closed without printing.
  const [settled, setSettled] = useState<PrintOutcome | "closed" | null>(null);
  useEffect(() => {
    setSettled(null);
    setKept(null);
  }, [asked]);
  if (!asked) return null;
  if (asked.preview && settled === null) {
    return <PrintDialog preview={asked.preview} onPrinted={setSettled} onClosed={() => setSettled("closed")} />;
  }
  if (settled === "closed") {
    return (
      <p role="status" className="muted" data-testid={testId}>
        {t("print.notPrinted")}
      </p>
    );
  }
  const outcome = settled ?? asked;
  if (outcome.job) {
    return (
      <p role="status" className="muted" data-testid={testId}>
        {t("cases.printed")}
      </p>
    );
  }
  // The clerk needs the file, not the folder the desk keeps it in (and sweeps).
  const name = (outcome.pdf ?? "").split(/[\\/]/).pop() ?? "";
  return (
    <p role="status" className="muted" data-testid={testId}>
      {t("cases.savedAs", { name })}{" "}
      <button
        type="button"
        className="link-button"
        onClick={() => {
          setFailed(null);
          api.openSavedCopy(name).catch((e: unknown) => setFailed(t(errorKey(asCommandError(e).code))));
        }}
        data-testid={`${testId}-open`}
      >
        {t("cases.openSaved")}
      </button>{" "}
      <button
        type="button"
        className="link-button"
        onClick={() => {
          setFailed(null);
          setKept(null);
          api
            .saveCopyAs(name)
            .then((path) => setKept(path ? t("cases.savedTo", { path }) : t("cases.notSaved")))
            .catch((e: unknown) => setFailed(t(errorKey(asCommandError(e).code))));
        }}
        data-testid={`${testId}-save-as`}
      >
        {t("cases.saveAs")}
      </button>
      {kept && <span data-testid={`${testId}-kept`}> {kept}</span>}
      {failed && <span className="field-error"> {failed}</span>}
    </p>
  );
}

/** Prints (or saves) a case's receipt; a failure goes to `onError`, translated. */
export function useCaseReceipt(onError: (message: string) => void) {
  const { t } = useTranslation();
  const [receipt, setReceipt] = useState<PrintOutcome | null>(null);
  const print = useCallback(
    (caseId: string, toPrinter: boolean) => {
      api
        .printCaseReceipt(caseId, toPrinter)
        .then(setReceipt)
        .catch((e: unknown) => onError(t(errorKey(asCommandError(e).code))));
    },
    [onError, t],
  );
  return { receipt, print, clear: () => setReceipt(null) };
}
