import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError, type AppState, type CommandError, type Enrollment } from "./api";
import { errorKey, type Language } from "./i18n";
import { LanguageSwitch } from "./components/LanguageSwitch";
import { StatusBar } from "./components/StatusBar";
import { EnrollScreen } from "./screens/EnrollScreen";
import { CatalogueHome } from "./catalogue/CatalogueHome";
import { TrainingDesk } from "./training/context";
import { LoginScreen } from "./login/LoginScreen";
import { useLoginStatus } from "./login/useLoginStatus";
import { Problems, reportProblem } from "./components/Problems";
import { ConfirmDialog } from "./components/ConfirmDialog";
import { listen } from "@tauri-apps/api/event";

type Loaded = { kind: "loading" } | { kind: "ready"; state: AppState } | { kind: "failed"; error: CommandError };

export function App() {
  const { t, i18n } = useTranslation();
  const [loaded, setLoaded] = useState<Loaded>({ kind: "loading" });

  useEffect(() => {
    api
      .appState()
      .then((state) => {
        void i18n.changeLanguage(state.language);
        setLoaded({ kind: "ready", state });
      })
      .catch((e: unknown) => setLoaded({ kind: "failed", error: asCommandError(e) }));
  }, [i18n]);

  useEffect(() => {
    document.documentElement.lang = i18n.language;
  }, [i18n.language]);

  // Web links (articles, service pages) open in the system's browser: the desk's window only
  // ever shows the app.
  const [linkFailed, setLinkFailed] = useState<string | null>(null);
  useEffect(() => {
    const openOutside = (event: MouseEvent) => {
      const anchor = (event.target as Element | null)?.closest?.("a[href]") as HTMLAnchorElement | null;
      if (!anchor || !/^https?:/i.test(anchor.href) || anchor.origin === window.location.origin) return;
      event.preventDefault();
      setLinkFailed(null);
      api.openLink(anchor.href).catch(() => setLinkFailed(anchor.href));
    };
    document.addEventListener("click", openOutside, true);
    document.addEventListener("auxclick", openOutside, true);
    return () => {
      document.removeEventListener("click", openOutside, true);
      document.removeEventListener("auxclick", openOutside, true);
    };
  }, []);

  const changeLanguage = useCallback(
    (language: Language) => {
      void i18n.changeLanguage(language);
      api.setLanguage(language).catch(reportProblem("language"));
    },
    [i18n],
  );

  const isEnrolled = loaded.kind === "ready" && loaded.state.enrollment !== null;
  const { status: login, changed: loginChanged } = useLoginStatus(isEnrolled);
  const loggedIn = login?.login.state === "logged_in" ? login.login : null;

  const logOutNow = useCallback(() => {
    api
      .logOut()
      .then(loginChanged)
      .catch(reportProblem("logout"));
  }, [loginChanged]);

  // Logging out or closing the window mid-visit would lose the visit and its receipt of what
  // was done for the customer: the clerk is asked first, and may go back to finish it.
  const [leaving, setLeaving] = useState<{ how: "logout" | "close"; customer: string } | null>(null);
  const askIfMidVisit = useCallback(
    (how: "logout" | "close", otherwise: () => void) => {
      api
        .currentVisit()
        .then((visit) => (visit ? setLeaving({ how, customer: visit.customer_name || visit.customer_code }) : otherwise()))
        .catch(otherwise);
    },
    [],
  );
  const logOut = useCallback(() => askIfMidVisit("logout", logOutNow), [askIfMidVisit, logOutNow]);
  useEffect(() => {
    let stop: (() => void) | undefined;
    let gone = false;
    listen("close-requested", () => askIfMidVisit("close", () => void api.closeDesk()))
      .then((unlisten) => (gone ? unlisten() : (stop = unlisten)))
      .catch(reportProblem("closeWatch"));
    return () => {
      gone = true;
      stop?.();
    };
  }, [askIfMidVisit]);
  const backToVisit = useCallback(() => {
    setLeaving(null);
    // The way to finish: the customer bar's "end the visit and print what was done".
    window.setTimeout(() => document.querySelector<HTMLButtonElement>("[data-testid=end-visit-print]")?.focus(), 0);
  }, []);

  const enrolled = useCallback((enrollment: Enrollment) => {
    setLoaded((current) => (current.kind === "ready" ? { kind: "ready", state: { ...current.state, enrollment } } : current));
  }, []);

  return (
    <TrainingDesk.Provider value={loaded.kind === "ready" && loaded.state.training}>
    <div className="app">
      {loaded.kind === "ready" && loaded.state.training && (
        // On every screen, never hidden: nothing done here is real.
        <div className="training-banner" role="note" data-testid="training-banner">
          {t("app.trainingBanner")}
        </div>
      )}
      <header className="app-header">
        <div className="brand">
          <span className="brand-name">{t("app.title")}</span>
          <span className="brand-tagline">{t("app.tagline")}</span>
        </div>
        {loaded.kind === "ready" && loaded.state.enrollment && (
          <div className="desk-identity">
            <span data-testid="centre-name">{loaded.state.enrollment.centre_name}</span>
            <span className="muted-light" data-testid="device-name">
              {loaded.state.enrollment.device_name}
            </span>
          </div>
        )}
        {loggedIn?.person && (
          <div className="person" data-testid="logged-in-person">
            <span data-testid="person-name">
              {loggedIn.person.given_name} {loggedIn.person.surname}
            </span>
            <span className="muted-light" data-testid="person-roles">
              {loggedIn.person.roles.map((role) => t(`login.roles.${role}`, { defaultValue: role })).join(", ")}
            </span>
            {loggedIn.offline && (
              <span className="badge offline-badge" data-testid="offline-login">
                {t("login.offlineBadge")}
              </span>
            )}
            <button type="button" className="secondary small" onClick={logOut} data-testid="log-out">
              {t("login.logOut")}
            </button>
          </div>
        )}
        <LanguageSwitch language={i18n.language as Language} onChange={changeLanguage} />
      </header>
      <main className="app-main">
        <Problems />
        {linkFailed && (
          <p className="field-error" role="alert" data-testid="link-failed">
            {t("app.linkFailed", { url: linkFailed })}
          </p>
        )}
        {loaded.kind === "loading" && <p aria-busy="true">…</p>}
        {loaded.kind === "failed" && (
          <section className="panel error-panel" role="alert">
            <h1>{t("fatal.title")}</h1>
            <p>{t(errorKey(loaded.error.code))}</p>
            <p className="detail">{loaded.error.message}</p>
          </section>
        )}
        {loaded.kind === "ready" && !loaded.state.enrollment && <EnrollScreen onEnrolled={enrolled} />}
        {isEnrolled && !loggedIn && (
          <LoginScreen status={login} onLoggedIn={loginChanged} training={loaded.kind === "ready" && loaded.state.training} />
        )}
        {isEnrolled && loggedIn && (
          <CatalogueHome
            admin={
              loggedIn.person?.roles.includes("admin")
                ? { code: loggedIn.person.personal_code, deskName: loaded.kind === "ready" ? (loaded.state.enrollment?.device_name ?? "") : "" }
                : null
            }
            trainer={loaded.kind === "ready" && loaded.state.training && (loggedIn.person?.roles.includes("trainer") ?? false)}
          />
        )}
      </main>
      <StatusBar enrolled={loaded.kind === "ready" && loaded.state.enrollment !== null} />
      {leaving && (
        <ConfirmDialog
          title={t("leave.title")}
          text={t(leaving.how === "close" ? "leave.closeText" : "leave.logoutText", { customer: leaving.customer })}
          confirm={t(leaving.how === "close" ? "leave.closeAnyway" : "leave.logoutAnyway")}
          cancel={t("leave.back")}
          onConfirm={() => {
            const how = leaving.how;
            setLeaving(null);
            if (how === "close") api.closeDesk().catch(reportProblem("close"));
            else logOutNow();
          }}
          onCancel={backToVisit}
          testId="leave-dialog"
        />
      )}
    </div>
    </TrainingDesk.Provider>
  );
}
