import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError, type Connection, type LoginError, type LoginStatus, type LoginView } from "../api";
import { errorKey, type Language } from "../i18n";
import { formatSyncTime } from "../format";
import { useSyncStatus } from "../components/useSyncStatus";
import { useFirstScreenShown } from "../firstScreen";

/** The login screen, and the lock screen when the logged-in person's card was taken out. */
export function LoginScreen({
  status,
  onLoggedIn,
  training = false,
}: {
  status: LoginStatus | null;
  onLoggedIn: (view: LoginView) => void;
  /** A training desk: the trainee puts in a training card by the code on their handout. */
  training?: boolean;
}) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const [pin, setPin] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<LoginError | null>(null);
  const pinInput = useRef<HTMLInputElement>(null);
  // The diagnostics say whether the server answers (a login needs it, an offline unlock not):
  // the sync state the shell pushes.
  const connection: Connection | null = useSyncStatus()?.connection ?? null;
  const card = status?.card;
  const locked = status?.login.state === "locked" ? status.login.person : null;
  const ready = card?.status === "card";
  const pinPad = ready && card?.card?.pin_pad === true;
  useFirstScreenShown("login", status !== null);

  // The PIN field takes the focus as soon as a card is there.
  useEffect(() => {
    if (ready) pinInput.current?.focus();
  }, [ready]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!ready || busy) return;
    if (!pinPad && !/^\d{4,12}$/.test(pin)) {
      setError({ code: "pin_format", message: "" });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onLoggedIn(await api.logIn(pinPad ? null : pin));
    } catch (e: unknown) {
      setError(e as LoginError);
    } finally {
      setPin("");
      setBusy(false);
    }
  };

  const logOutOther = async () => {
    setError(null);
    onLoggedIn(await api.logOut());
  };

  const cardLine = () => {
    if (!card) return t("login.checking");
    if (card.status === "card" && card.card) {
      const tries = card.card.pin_tries_left;
      return (
        <>
          <strong data-testid="card-holder">{card.card.holder}</strong>
          {tries !== null && tries < 3 && (
            <span className="warning" data-testid="pin-tries">
              {" "}
              {t("login.triesLeft", { count: tries })}
            </span>
          )}
        </>
      );
    }
    return t(`login.card.${card.status}`);
  };

  const errorText = (e: LoginError) =>
    e.code === "wrong_pin" && e.tries_left != null ? t("login.wrongPin", { count: e.tries_left }) : t(errorKey(e.code));

  return (
    <section className="panel login" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>{locked ? t("login.lockedTitle") : t("login.title")}</h1>
      {locked && (
        <p data-testid="locked-by">{t("login.lockedBy", { name: `${locked.given_name} ${locked.surname}` })}</p>
      )}
      <p className={`card-state card-${card?.status ?? "none"}`} role="status" data-testid="card-state" data-state={card?.status ?? "none"}>
        {cardLine()}
      </p>
      {training && <TrainingCard />}
      <form onSubmit={(e) => void submit(e)} noValidate>
        {pinPad ? (
          <p className="pin-pad-hint" data-testid="pin-pad-hint" role="status">
            {busy ? t("login.pinPadWaiting") : t("login.pinPadHint")}
          </p>
        ) : (
        <div className="field">
          <label htmlFor={`${id}-pin`}>{t("login.pin")}</label>
          <input
            id={`${id}-pin`}
            ref={pinInput}
            type="password"
            inputMode="numeric"
            autoComplete="off"
            maxLength={12}
            value={pin}
            onChange={(e) => setPin(e.target.value.replace(/\D/g, ""))}
            disabled={!ready || busy}
            aria-invalid={error ? true : undefined}
            aria-describedby={`${id}-pin-hint${error ? ` ${id}-pin-error` : ""}`}
            data-testid="pin"
            className="pin-input"
          />
          <p className="hint" id={`${id}-pin-hint`}>
            {t("login.pinHint")}
          </p>
        </div>
        )}
        {error && (
          <p className="field-error" id={`${id}-pin-error`} role="alert" data-testid="login-error" data-code={error.code}>
            {errorText(error)}
          </p>
        )}
        <button type="submit" className="primary" disabled={!ready || busy} data-testid="log-in">
          {busy ? t("login.checkingPin") : locked ? t("login.unlock") : t("login.submit")}
        </button>
        {locked && (
          <button type="button" className="secondary" onClick={() => void logOutOther()} data-testid="log-out-other">
            {t("login.otherPerson")}
          </button>
        )}
      </form>
      <details className="diagnostics" data-testid="diagnostics">
        <summary>{t("login.diagnostics.title")}</summary>
        <dl>
          <dt>{t("login.diagnostics.readers")}</dt>
          <dd data-testid="diagnostics-readers">{card?.readers.length ? card.readers.join(", ") : t("login.diagnostics.none")}</dd>
          <dt>{t("login.diagnostics.card")}</dt>
          <dd>{card ? t(`login.card.${card.status}`) : "…"}</dd>
          {card?.card && (
            <>
              <dt>{t("login.diagnostics.validity")}</dt>
              <dd data-testid="diagnostics-validity">
                {formatSyncTime(card.card.not_before, i18n.language as Language)} – {formatSyncTime(card.card.not_after, i18n.language as Language)}
              </dd>
              <dt>{t("login.diagnostics.tries")}</dt>
              <dd>{card.card.pin_tries_left ?? "?"}</dd>
            </>
          )}
          <dt>{t("login.diagnostics.server")}</dt>
          <dd data-testid="diagnostics-server">{connection ? t(`status.${connection}`) : "…"}</dd>
          {card?.message && (
            <>
              <dt>{t("login.diagnostics.detail")}</dt>
              <dd>{card.message}</dd>
            </>
          )}
        </dl>
      </details>
    </section>
  );
}

/** A training desk's card without hardware: the code from the trainee's handout puts that
 *  training person's card (issued by the training server) in the desk's training reader. */
function TrainingCard() {
  const { t } = useTranslation();
  const id = useId();
  const [code, setCode] = useState("");
  const [inserted, setInserted] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const insert = (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    api
      .insertTrainingCard(code, false)
      .then((person) => setInserted(`${person.given_name} ${person.surname}`))
      .catch((e: unknown) => setError(t(errorKey(asCommandError(e).code))));
  };
  return (
    <form className="training-card" onSubmit={insert} aria-labelledby={`${id}-title`} data-testid="training-card">
      <h2 id={`${id}-title`}>{t("login.trainingCard")}</h2>
      <label htmlFor={`${id}-code`}>{t("login.trainingCode")}</label>
      <input id={`${id}-code`} value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" inputMode="numeric" data-testid="training-card-code" />{" "}
      <button type="submit" className="secondary" disabled={!code.trim()} data-testid="training-card-insert">
        {t("login.trainingInsert")}
      </button>
      {inserted && (
        <p role="status" data-testid="training-card-inserted">
          {t("login.trainingInserted", { name: inserted })}
        </p>
      )}
      {error && (
        <p className="field-error" role="alert" data-testid="training-card-error">
          {error}
        </p>
      )}
    </form>
  );
}
