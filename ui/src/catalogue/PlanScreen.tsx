import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError, type PlanAnswers, type PlanView, type PrintOutcome } from "../api";
import { errorKey } from "../i18n";
import { ReceiptOutcome } from "../cases/Receipt";
import { LocalText } from "./LocalText";
import type { Open } from "./SearchScreen";

/** A life situation gone through with the customer: yes/no questions beside the plan they
 *  shape; each step opens its service (to register a case there); the plan saved or printed. */
export function PlanScreen(props: {
  event: string;
  answers: PlanAnswers;
  onAnswers: (answers: PlanAnswers) => void;
  onOpen: Open;
  onBack: () => void;
}) {
  const { event, answers, onAnswers, onOpen, onBack } = props;
  const { t, i18n } = useTranslation();
  const [plan, setPlan] = useState<PlanView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<PrintOutcome | null>(null);

  useEffect(() => {
    api
      .lifePlan(event, answers)
      .then((found) => {
        setPlan(found);
        setError(null);
      })
      .catch((e: unknown) => setError(t(errorKey(asCommandError(e).code))));
  }, [event, answers, i18n.language, t]);

  const answer = (question: string, value: boolean) => {
    const next = { ...answers };
    if (answers[question] === value) delete next[question];
    else next[question] = value;
    setOutcome(null);
    onAnswers(next);
  };
  const output = (toPrinter: boolean) => {
    setError(null);
    api
      .saveLifePlan(event, answers, toPrinter)
      .then(setOutcome)
      .catch((e: unknown) => setError(t(errorKey(asCommandError(e).code))));
  };

  if (!plan) return error ? <p role="alert">{error}</p> : <p aria-busy="true">…</p>;
  const applying = plan.steps.filter((s) => s.applies !== "no");
  const leftOut = plan.steps.filter((s) => s.applies === "no");
  return (
    <article className="plan-page" data-testid="plan-page" aria-labelledby="plan-name">
      <button type="button" className="link-button back" onClick={onBack}>
        ← {t("catalogue.back")}
      </button>
      <h1 id="plan-name">
        <LocalText value={plan.name} />
      </h1>
      {plan.description && (
        <p className="lead">
          <LocalText value={plan.description} />
        </p>
      )}
      <div className="plan-columns">
        {plan.questions.length > 0 && (
          <section aria-labelledby="plan-questions" className="plan-questions">
            <h2 id="plan-questions">{t("plan.questions")}</h2>
            {plan.questions.map((q) => (
              <fieldset key={q.id} data-testid={`question-${q.id}`}>
                <legend>
                  <LocalText value={q.text} />
                </legend>
                {q.help && (
                  <p className="muted">
                    <LocalText value={q.help} />
                  </p>
                )}
                {([true, false] as const).map((value) => (
                  <button
                    key={String(value)}
                    type="button"
                    aria-pressed={q.answer === value}
                    onClick={() => answer(q.id, value)}
                    data-testid={`answer-${q.id}-${value ? "yes" : "no"}`}
                  >
                    {value ? t("plan.yes") : t("plan.no")}
                  </button>
                ))}
              </fieldset>
            ))}
          </section>
        )}
        <section aria-labelledby="plan-steps" className="plan-steps" aria-live="polite">
          <h2 id="plan-steps">{t("plan.steps")}</h2>
          <ol data-testid="plan-steps">
            {applying.map((step) => (
              <li key={step.service.id}>
                <button
                  type="button"
                  className="link-button"
                  title={t("plan.openService")}
                  onClick={() => onOpen({ kind: "service", id: step.service.id })}
                >
                  <LocalText value={step.service.name} />
                </button>
                {step.applies === "maybe" && <span className="badge muted"> {t("plan.maybe")}</span>}
                {step.note && (
                  <p>
                    <LocalText value={step.note} />
                  </p>
                )}
              </li>
            ))}
          </ol>
          {leftOut.length > 0 && (
            <>
              <h3>{t("plan.leftOut")}</h3>
              <ul className="muted" data-testid="plan-left-out">
                {leftOut.map((step) => (
                  <li key={step.service.id}>
                    <LocalText value={step.service.name} />: <LocalText value={step.reason} />
                  </li>
                ))}
              </ul>
            </>
          )}
          <div className="actions">
            <button type="button" className="primary" onClick={() => output(true)} data-testid="print-plan">
              {t("plan.print")}
            </button>
            <button type="button" onClick={() => output(false)} data-testid="save-plan">
              {t("plan.savePdf")}
            </button>
          </div>
          {error && <p role="alert">{error}</p>}
          <ReceiptOutcome outcome={outcome} testId="plan-outcome" />
        </section>
      </div>
    </article>
  );
}
