import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import {
  api,
  asCommandError,
  type PrintOutcome,
  type StepProgress,
  type TrainingScenario,
  type WorkshopList,
  type WorkshopView,
} from "../api";
import { errorKey, type Language } from "../i18n";
import { formatSyncTime } from "../format";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { ReceiptOutcome } from "../cases/Receipt";

/** How often a workshop's progress is read again while the trainer watches it. */
export const WORKSHOP_REFRESH_MS = 5000;

/** Text in the reader's language, else in Latvian. */
function inLanguage(texts: Record<string, string>, language: Language): string {
  return texts[language] ?? texts.lv ?? Object.values(texts)[0] ?? "";
}

/**
 * The trainer's workshops at a training desk: open one (scenarios and seats; handouts printed
 * at once, while the seats' codes are known), follow every seat's progress live, start a seat
 * or the whole workshop again after a question.
 */
export function TrainingScreen() {
  const { t } = useTranslation();
  const [list, setList] = useState<WorkshopList | null>(null);
  const [scenarios, setScenarios] = useState<TrainingScenario[]>([]);
  const [shown, setShown] = useState<WorkshopView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fail = useCallback((e: unknown) => setError(t(errorKey(asCommandError(e).code))), [t]);

  useEffect(() => {
    api.workshops().then(setList).catch(fail);
    api
      .trainingScenarios()
      .then((answer) => setScenarios(answer.scenarios))
      .catch(fail);
  }, [fail]);

  return (
    <section className="training-screen" aria-labelledby="training-title" data-testid="training-screen">
      <h1 id="training-title">{t("training.title")}</h1>
      {error && (
        <p className="field-error" role="alert" data-testid="training-error">
          {error}
        </p>
      )}
      {shown ? (
        <Workshop
          initial={shown}
          onBack={() => {
            setShown(null);
            api.workshops().then(setList).catch(fail);
          }}
        />
      ) : (
        <>
          <OpenWorkshop scenarios={scenarios} onOpened={setShown} />
          <h2>{t("training.earlier")}</h2>
          {list && list.workshops.length === 0 && <p className="muted">{t("training.none")}</p>}
          <ul className="workshop-list" data-testid="workshop-list">
            {(list?.workshops ?? []).map((w) => (
              <li key={w.id}>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => api.workshop(w.id).then(setShown).catch(fail)}
                  data-testid={`open-workshop-${w.series}`}
                >
                  {t("training.workshopName", { series: w.series })}
                </button>{" "}
                <span className="muted">{t("training.scenarioCount", { count: w.scenarios.length })}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function OpenWorkshop({ scenarios, onOpened }: { scenarios: TrainingScenario[]; onOpened: (view: WorkshopView) => void }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language as Language;
  const [chosen, setChosen] = useState<string[]>([]);
  const [seats, setSeats] = useState(2);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const toggle = (id: string) => setChosen((c) => (c.includes(id) ? c.filter((x) => x !== id) : [...c, id]));
  const open = (event: React.FormEvent) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    api
      .openWorkshop(chosen, seats)
      .then(onOpened)
      .catch((e: unknown) => setError(t(errorKey(asCommandError(e).code))))
      .finally(() => setBusy(false));
  };
  return (
    <form className="open-workshop" onSubmit={open} aria-labelledby="open-workshop-title" data-testid="open-workshop">
      <h2 id="open-workshop-title">{t("training.open")}</h2>
      <fieldset>
        <legend>{t("training.scenarios")}</legend>
        {scenarios.map((s) => (
          <label key={s.id} className="check-row">
            <input type="checkbox" checked={chosen.includes(s.id)} onChange={() => toggle(s.id)} data-testid={`scenario-${s.id.split("/").pop()}`} />{" "}
            {inLanguage(s.title, language)}
          </label>
        ))}
      </fieldset>
      <label htmlFor="workshop-seats">{t("training.seats")}</label>
      <input
        id="workshop-seats"
        type="number"
        min={1}
        max={30}
        value={seats}
        onChange={(e) => setSeats(Number(e.target.value))}
        className="copies-input"
        data-testid="workshop-seats"
      />
      <p>
        <button type="submit" className="primary" disabled={busy || chosen.length === 0} data-testid="workshop-open">
          {t("training.openButton")}
        </button>
      </p>
      {error && (
        <p className="field-error" role="alert" data-testid="open-workshop-error">
          {error}
        </p>
      )}
    </form>
  );
}

function stepText(t: (key: string, options?: Record<string, unknown>) => string, step: StepProgress): string {
  if (step.state === "wrong") return t("training.state.wrong", { reason: t(`training.wrong.${step.code}`, { defaultValue: step.reason ?? "" }) });
  return t(`training.state.${step.state}`);
}

function Workshop({ initial, onBack }: { initial: WorkshopView; onBack: () => void }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language as Language;
  const [view, setView] = useState<WorkshopView>(initial);
  // The codes come only with the opening: kept for the handouts while this view is open.
  const codes = Object.fromEntries(initial.seats.map((s) => [s.seat, s.enrollment_code]));
  const [asking, setAsking] = useState<number | "all" | null>(null);
  const [printed, setPrinted] = useState<PrintOutcome | null>(null);
  const [record, setRecord] = useState<PrintOutcome | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fail = useCallback((e: unknown) => setError(t(errorKey(asCommandError(e).code))), [t]);

  useEffect(() => {
    const timer = setInterval(() => {
      api
        .workshop(view.id)
        .then((fresh) => {
          setView(fresh);
          setError(null);
        })
        .catch(fail);
    }, WORKSHOP_REFRESH_MS);
    return () => clearInterval(timer);
  }, [view.id, fail]);

  const reset = (seat: number | null) => {
    setAsking(null);
    api.resetWorkshop(view.id, seat).then(setView).catch(fail);
  };
  return (
    <div data-testid="workshop">
      <p>
        <button type="button" className="link-button" onClick={onBack}>
          {t("training.back")}
        </button>
      </p>
      <h2 data-testid="workshop-name">{t("training.workshopName", { series: view.series })}</h2>
      <p className="muted">{t("training.live", { time: formatSyncTime(new Date().toISOString(), language) })}</p>
      {Object.values(codes).some(Boolean) && (
        <p className="actions">
          <button type="button" onClick={() => api.workshopHandouts(true).then(setPrinted).catch(fail)} data-testid="print-handouts">
            {t("training.printHandouts")}
          </button>{" "}
          <button type="button" className="secondary" onClick={() => api.workshopHandouts(false).then(setPrinted).catch(fail)} data-testid="save-handouts">
            {t("training.saveHandouts")}
          </button>
        </p>
      )}
      <ReceiptOutcome outcome={printed} testId="handouts-outcome" />
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <table className="cases-table workshop-grid" data-testid="workshop-grid">
        <caption>{t("training.gridCaption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("training.seat")}</th>
            {view.scenarios.map((s) => (
              <th scope="col" key={s.id}>
                {inLanguage(s.title, language)}
              </th>
            ))}
            <th scope="col">
              <span className="visually-hidden">{t("training.actions")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {view.seats.map((seat) => (
            <tr key={seat.seat} data-testid={`seat-${seat.seat}`}>
              <th scope="row">
                {t("training.seatName", { seat: seat.seat })}
                <br />
                <span className="muted">
                  {seat.clerk.given_name} {seat.clerk.surname}
                </span>
                <br />
                <span className="muted" data-testid={`seat-attended-${seat.seat}`}>
                  {seat.last_login_at ? t("training.loggedIn", { time: formatSyncTime(seat.last_login_at, language) }) : t("training.notLoggedIn")}
                </span>
                {codes[seat.seat] && (
                  <>
                    <br />
                    <span className="muted">
                      {t("training.code")}: <span data-testid={`seat-code-${seat.seat}`}>{codes[seat.seat]}</span>
                    </span>
                  </>
                )}
              </th>
              {view.scenarios.map((scenario) => {
                const progress = seat.progress.find((p) => p.scenario === scenario.id);
                return (
                  <td key={scenario.id} data-testid={`progress-${seat.seat}-${scenario.id.split("/").pop()}`} data-finished={progress?.finished ? "yes" : "no"}>
                    {progress?.finished && <strong className="badge state-done">{t("training.finished")}</strong>}
                    <ol className="step-list">
                      {scenario.steps.map((step) => {
                        const state = progress?.steps.find((s) => s.step === step.id);
                        return (
                          <li key={step.id} className={`step-${state?.state ?? "waiting"}`} data-state={state?.state ?? "waiting"}>
                            {inLanguage(step.text, language)}: <em>{state ? stepText(t, state) : t("training.state.waiting")}</em>
                          </li>
                        );
                      })}
                    </ol>
                  </td>
                );
              })}
              <td>
                <button type="button" className="link-button" onClick={() => setAsking(seat.seat)} data-testid={`reset-seat-${seat.seat}`}>
                  {t("training.resetSeat")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <button type="button" className="secondary" onClick={() => setAsking("all")} data-testid="reset-all">
          {t("training.resetAll")}
        </button>
      </p>
      <h3>{t("training.recordHeading")}</h3>
      <p className="muted">{t("training.recordHint")}</p>
      <p className="actions">
        <button type="button" onClick={() => api.workshopRecord(view.id, true).then(setRecord).catch(fail)} data-testid="print-record">
          {t("training.printRecord")}
        </button>{" "}
        <button type="button" className="secondary" onClick={() => api.workshopRecord(view.id, false).then(setRecord).catch(fail)} data-testid="save-record">
          {t("training.saveRecord")}
        </button>
      </p>
      <ReceiptOutcome outcome={record} testId="record-outcome" />
      {asking !== null && (
        <ConfirmDialog
          title={asking === "all" ? t("training.resetAllTitle") : t("training.resetSeatTitle", { seat: asking })}
          text={t("training.resetText")}
          confirm={t("training.resetYes")}
          cancel={t("training.resetNo")}
          onConfirm={() => reset(asking === "all" ? null : asking)}
          onCancel={() => setAsking(null)}
          testId="reset-dialog"
        />
      )}
    </div>
  );
}
