import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import { ArticleScreen } from "./ArticleScreen";
import { SearchScreen, type Open } from "./SearchScreen";
import { ServiceScreen } from "./ServiceScreen";
import { PlanScreen } from "./PlanScreen";
import type { PlanAnswers } from "../api";
import { useTranslation } from "react-i18next";
import { CaseScreen } from "../cases/CaseScreen";
import { CasesScreen } from "../cases/CasesScreen";
import { CustomerBar } from "../cases/CustomerBar";
import { FormScreen } from "../forms/FormScreen";
import { VisitProvider } from "../cases/visit";
import { MailScreen } from "../mail/MailScreen";
import { useSyncStatus } from "../components/useSyncStatus";

// Only administrators open it: its charts load when first asked for, not with every desk.
const AdminScreen = lazy(() => import("../admin/AdminScreen"));
const TrainingScreen = lazy(() => import("../training/TrainingScreen").then((m) => ({ default: m.TrainingScreen })));

type View =
  | { kind: "search" }
  | { kind: "service"; id: string }
  | { kind: "article"; id: string }
  | { kind: "cases" }
  | { kind: "case"; id: string }
  | { kind: "form"; id: string }
  | { kind: "plan"; id: string }
  | { kind: "mail" }
  | { kind: "admin" }
  | { kind: "training" };

/** The desk's main screen: search, and the pages opened from it, with a back stack. */
export function CatalogueHome({
  admin = null,
  trainer = false,
}: {
  admin?: { code: string; deskName: string } | null;
  /** A trainer at a training desk: the Training tab. */
  trainer?: boolean;
}) {
  const { t } = useTranslation();
  const [stack, setStack] = useState<View[]>([{ kind: "search" }]);
  const [query, setQuery] = useState("");
  // Each life situation's answers, kept while the clerk opens its services and comes back.
  const [planAnswers, setPlanAnswers] = useState<Record<string, PlanAnswers>>({});
  const view = stack[stack.length - 1];
  const open: Open = useCallback((target) => setStack((s) => [...s, target]), []);
  const back = useCallback(() => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)), []);

  // The search box is one key away from anywhere: `/` or Ctrl+K; Esc goes back.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      // A question being asked (a modal dialog) answers its own keys: Esc there means "no".
      if (document.querySelector("dialog[open]")) return;
      const typing = event.target instanceof HTMLElement && ["INPUT", "TEXTAREA"].includes(event.target.tagName);
      if ((event.key === "/" && !typing) || (event.key.toLowerCase() === "k" && event.ctrlKey)) {
        event.preventDefault();
        // The previous query comes back selected: typing replaces it, an arrow key keeps it.
        // Already on the search: select it here; from a page, the search selects it as it opens.
        const box = document.querySelector<HTMLInputElement>("[data-testid=search-box]");
        if (box) {
          box.focus();
          box.select();
        } else {
          setStack([{ kind: "search" }]);
        }
      } else if (event.key === "Escape" && !typing) {
        back();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [back]);

  // Messages waiting in the centre's mailbox, on the E-address tab (the engine hears the count).
  const unread = useSyncStatus()?.mail_unread ?? 0;

  const section =
    view.kind === "cases" || view.kind === "case" ? "cases" : view.kind === "mail" || view.kind === "admin" || view.kind === "training" ? view.kind : "catalogue";
  return (
    <VisitProvider>
    <div className="catalogue-home">
      <nav className="section-tabs" aria-label={t("cases.sections")}>
        <button type="button" aria-pressed={section === "catalogue"} onClick={() => setStack([{ kind: "search" }])} data-testid="tab-catalogue">
          {t("cases.tabCatalogue")}
        </button>
        <button type="button" aria-pressed={section === "cases"} onClick={() => setStack([{ kind: "cases" }])} data-testid="tab-cases">
          {t("cases.tabCases")}
        </button>
        <button type="button" aria-pressed={section === "mail"} onClick={() => setStack([{ kind: "mail" }])} data-testid="tab-mail">
          {t("mail.tab")}
          {unread > 0 && (
            <>
              <span className="badge count" aria-hidden="true" data-testid="mail-unread-badge">
                {unread}
              </span>
              <span className="visually-hidden">{t("mail.unreadTab", { count: unread })}</span>
            </>
          )}
        </button>
        {admin && (
          <button type="button" aria-pressed={section === "admin"} onClick={() => setStack([{ kind: "admin" }])} data-testid="tab-admin">
            {t("admin.tab")}
          </button>
        )}
        {trainer && (
          <button type="button" aria-pressed={section === "training"} onClick={() => setStack([{ kind: "training" }])} data-testid="tab-training">
            {t("training.tab")}
          </button>
        )}
      </nav>
      <CustomerBar seen={`${stack.length}:${view.kind}`} onOpenDraft={(id) => open({ kind: "form", id })} />
      {view.kind === "search" && <SearchScreen onOpen={open} initialQuery={query} key="search" />}
      {view.kind === "cases" && <CasesScreen onOpenCase={(id) => open({ kind: "case", id })} />}
      {view.kind === "mail" && <MailScreen />}
      {view.kind === "admin" && admin && (
        <Suspense fallback={<p aria-busy="true">{t("admin.loading")}</p>}>
          <AdminScreen myCode={admin.code} myDeskName={admin.deskName} />
        </Suspense>
      )}
      {view.kind === "training" && trainer && (
        <Suspense fallback={<p aria-busy="true">{t("admin.loading")}</p>}>
          <TrainingScreen />
        </Suspense>
      )}
      {view.kind === "case" && (
        <CaseScreen id={view.id} onBack={back} onOpenDraft={(id) => open({ kind: "form", id })} key={view.id} />
      )}
      {view.kind === "form" && (
        <FormScreen
          draftId={view.id}
          onBack={back}
          onOpenCase={(id) => setStack((s) => [...s.slice(0, -1), { kind: "case", id }])}
          key={view.id}
        />
      )}
      {view.kind === "service" && <ServiceScreen id={view.id} onOpen={open} onBack={back} key={view.id} />}
      {view.kind === "article" && <ArticleScreen id={view.id} onOpen={open} onBack={back} key={view.id} />}
      {view.kind === "plan" && (
        <PlanScreen
          event={view.id}
          answers={planAnswers[view.id] ?? EMPTY_ANSWERS}
          onAnswers={(answers) => setPlanAnswers((all) => ({ ...all, [view.id]: answers }))}
          onOpen={open}
          onBack={back}
          key={view.id}
        />
      )}
      <QueryMemory onQuery={setQuery} />
    </div>
    </VisitProvider>
  );
}

const EMPTY_ANSWERS: PlanAnswers = {};

/** Keeps the last query so going back to search shows it again. */
function QueryMemory({ onQuery }: { onQuery: (q: string) => void }) {
  useEffect(() => {
    const remember = (event: Event) => {
      const target = event.target as HTMLInputElement | null;
      if (target?.dataset?.testid === "search-box") onQuery(target.value);
    };
    document.addEventListener("input", remember);
    return () => document.removeEventListener("input", remember);
  }, [onQuery]);
  return null;
}
