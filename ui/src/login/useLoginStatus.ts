import { useCallback, useEffect, useRef, useState } from "react";
import { api, type LoginStatus, type LoginView } from "../api";
import { reportProblem } from "../components/Problems";

/** How often the reader, the card and the login are checked: removing the card must lock fast. */
export const LOGIN_POLL_MS = 500;

/**
 * The login and card state, polled while `active`. `changed` records a login or logout made
 * here at once; an answer to a poll that was already under way then is dropped, so the screen
 * never flickers back to what it was before.
 */
export function useLoginStatus(active: boolean) {
  const [status, setStatus] = useState<LoginStatus | null>(null);
  const generation = useRef(0);
  const refresh = useCallback(() => {
    const asked = generation.current;
    api
      .loginStatus()
      .then((answer) => {
        if (asked === generation.current) setStatus(answer);
      })
      .catch(reportProblem("loginStatus"));
  }, []);
  const changed = useCallback(
    (view: LoginView) => {
      generation.current += 1;
      setStatus((current) => (current ? { ...current, login: view } : current));
      refresh();
    },
    [refresh],
  );
  useEffect(() => {
    if (!active) return;
    refresh();
    const timer = setInterval(refresh, LOGIN_POLL_MS);
    return () => clearInterval(timer);
  }, [active, refresh]);
  return { status, changed };
}
