import { useCallback, useEffect, useState } from "react";
import { api, type LoginStatus } from "../api";

/** How often the reader, the card and the login are checked: removing the card must lock fast. */
export const LOGIN_POLL_MS = 500;

/** The login and card state, polled while `active`; `refresh` asks again at once. */
export function useLoginStatus(active: boolean) {
  const [status, setStatus] = useState<LoginStatus | null>(null);
  const refresh = useCallback(() => {
    api
      .loginStatus()
      .then(setStatus)
      .catch((e: unknown) => console.error("login status unavailable", e));
  }, []);
  useEffect(() => {
    if (!active) return;
    refresh();
    const timer = setInterval(refresh, LOGIN_POLL_MS);
    return () => clearInterval(timer);
  }, [active, refresh]);
  return { status, setStatus, refresh };
}
