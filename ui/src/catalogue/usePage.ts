import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { asCommandError } from "../api";
import { errorKey } from "../i18n";

/** A page read from the backend for `id`, read again when the language changes; a failure is
 *  the translated message of its error code. A change of `refresh` reads the same page again
 *  and shows it in place of the old one without blanking the screen meanwhile. */
export function usePage<T>(
  load: (id: string) => Promise<T>,
  id: string,
  refresh: unknown = null,
): { page: T | null; error: string | null } {
  const { t, i18n } = useTranslation();
  const [page, setPage] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setPage(null);
  }, [load, id, i18n.language]);
  useEffect(() => {
    let current = true;
    load(id)
      .then((found) => current && setPage(found))
      .catch((e: unknown) => current && setError(t(errorKey(asCommandError(e).code))));
    return () => {
      current = false;
    };
  }, [load, id, i18n.language, t, refresh]);
  return { page, error };
}
