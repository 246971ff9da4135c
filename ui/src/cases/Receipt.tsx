import { useCallback, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError, type PrintOutcome } from "../api";
import { errorKey } from "../i18n";

/** Where a receipt went: to the printer, or the file it was saved as. */
export function ReceiptOutcome({ outcome, testId }: { outcome: PrintOutcome | null; testId: string }) {
  const { t } = useTranslation();
  if (!outcome) return null;
  return (
    <p role="status" className="muted" data-testid={testId}>
      {outcome.job ? t("cases.printed") : t("cases.savedAs", { path: outcome.pdf ?? "" })}
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
