import { useCallback, useEffect, useState } from "react";
import { ArticleScreen } from "./ArticleScreen";
import { SearchScreen, type Open } from "./SearchScreen";
import { ServiceScreen } from "./ServiceScreen";

type View = { kind: "search" } | { kind: "service"; id: string } | { kind: "article"; id: string };

/** The desk's main screen: search, and the pages opened from it, with a back stack. */
export function CatalogueHome() {
  const [stack, setStack] = useState<View[]>([{ kind: "search" }]);
  const [query, setQuery] = useState("");
  const view = stack[stack.length - 1];
  const open: Open = useCallback((target) => setStack((s) => [...s, target]), []);
  const back = useCallback(() => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)), []);

  // The search box is one key away from anywhere: `/` or Ctrl+K; Esc goes back.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const typing = event.target instanceof HTMLElement && ["INPUT", "TEXTAREA"].includes(event.target.tagName);
      if ((event.key === "/" && !typing) || (event.key.toLowerCase() === "k" && event.ctrlKey)) {
        event.preventDefault();
        setStack([{ kind: "search" }]);
        setTimeout(() => document.querySelector<HTMLInputElement>("[data-testid=search-box]")?.focus(), 0);
      } else if (event.key === "Escape" && !typing) {
        back();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [back]);

  return (
    <div className="catalogue-home">
      {view.kind === "search" && <SearchScreen onOpen={open} initialQuery={query} key="search" />}
      {view.kind === "service" && <ServiceScreen id={view.id} onOpen={open} onBack={back} key={view.id} />}
      {view.kind === "article" && <ArticleScreen id={view.id} onOpen={open} onBack={back} key={view.id} />}
      <QueryMemory onQuery={setQuery} />
    </div>
  );
}

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
