import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { api, type VisitView } from "../api";

interface VisitContextValue {
  visit: VisitView | null;
  refresh: () => void;
}

const VisitContext = createContext<VisitContextValue>({ visit: null, refresh: () => {} });

/** The customer being served, as the backend keeps it (in memory, never on disk). */
export function VisitProvider({ children }: { children: ReactNode }) {
  const [visit, setVisit] = useState<VisitView | null>(null);
  const refresh = useCallback(() => {
    api
      .currentVisit()
      .then(setVisit)
      .catch(() => setVisit(null));
  }, []);
  useEffect(refresh, [refresh]);
  return <VisitContext.Provider value={{ visit, refresh }}>{children}</VisitContext.Provider>;
}

export function useVisit() {
  return useContext(VisitContext);
}
