import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { asCommandError } from "../api";
import { errorKey } from "../i18n";

/** What failed (a key of `problems` in the translations) and the error's code. */
type Problem = { what: string; code: string };

// One list for the whole app: background polls outside any component report here too.
let shown: Problem[] = [];
const listeners = new Set<(problems: Problem[]) => void>();

function publish(next: Problem[]) {
  shown = next;
  listeners.forEach((listener) => listener(shown));
}

/**
 * A catch handler for a call whose failure would otherwise go unseen: the clerk is told what
 * failed and why (once, until they dismiss it; a poll failing again adds nothing), and it is
 * logged for support.
 */
export function reportProblem(what: string) {
  return (e: unknown) => {
    console.error(what, e);
    if (shown.some((p) => p.what === what)) return;
    publish([...shown, { what, code: asCommandError(e).code }]);
  };
}

/** The problems reported and not yet dismissed, in the clerk's language. */
export function Problems() {
  const { t } = useTranslation();
  const [problems, setProblems] = useState(shown);
  useEffect(() => {
    listeners.add(setProblems);
    setProblems(shown);
    return () => {
      listeners.delete(setProblems);
    };
  }, []);
  if (problems.length === 0) return null;
  return (
    <div className="problems" role="alert" data-testid="problems">
      {problems.map((p) => (
        <p key={p.what} data-testid={`problem-${p.what}`}>
          {t(`problems.${p.what}`)}: {t(errorKey(p.code))}{" "}
          <button
            type="button"
            className="link-button"
            aria-label={`${t("problems.dismiss")}: ${t(`problems.${p.what}`)}`}
            onClick={() => publish(shown.filter((s) => s.what !== p.what))}
          >
            {t("problems.dismiss")}
          </button>
        </p>
      ))}
    </div>
  );
}
