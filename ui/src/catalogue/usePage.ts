import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { asCommandError } from "../api";
import { errorKey } from "../i18n";

/** A page read from the backend for `id`, read again when the language changes; a failure is
 *  the translated message of its error code. */
export function usePage<T>(load: (id: string) => Promise<T>, id: string): { page: T | null; error: string | null } {
  const { t, i18n } = useTranslation();
  const [page, setPage] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setPage(null);
    load(id)
      .then(setPage)
      .catch((e: unknown) => setError(t(errorKey(asCommandError(e).code))));
  }, [load, id, i18n.language, t]);
  return { page, error };
}
