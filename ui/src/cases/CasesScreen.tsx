import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError, type CaseView } from "../api";
import { formatSyncTime } from "../format";
import { errorKey, type Language } from "../i18n";
import { reportProblem } from "../components/Problems";
import { useSyncRevision } from "../components/useSyncStatus";

/** Today's cases, and search by number, customer or service. */
export function CasesScreen({ onOpenCase }: { onOpenCase: (id: string) => void }) {
  const { t, i18n } = useTranslation();
  const [query, setQuery] = useState("");
  const [cases, setCases] = useState<CaseView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [changed, setChanged] = useState<CaseView[]>([]);
  // Read again when syncing changed cases: "not yet on the server" goes as the server takes them.
  const revision = useSyncRevision();

  useEffect(() => {
    api
      .casesWithNews()
      .then(setChanged)
      .catch(reportProblem("changedCases"));
  }, [revision]);

  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      api
        .findCases(query)
        .then((found) => current && setCases(found))
        .catch((e: unknown) => current && setError(t(errorKey(asCommandError(e).code))));
    }, 120);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [query, t, revision]);

  return (
    <section className="cases-screen" aria-labelledby="cases-heading" data-testid="cases-screen">
      {changed.length > 0 && (
        <section aria-labelledby="changed-heading" className="changed-cases" data-testid="changed-cases">
          <h2 id="changed-heading">{t("cases.changedHeading")}</h2>
          <p className="muted">{t("cases.changedHint")}</p>
          <ul>
            {changed.map((c) => (
              <li key={c.id}>
                <button type="button" className="link-button" onClick={() => onOpenCase(c.id)} data-testid="changed-case-link">
                  {c.number}
                </button>{" "}
                {c.service_name} · {c.news ? `${t(`cases.status.${c.news.previous_status}`)} → ` : ""}
                <strong>{t(`cases.status.${c.status}`)}</strong>
              </li>
            ))}
          </ul>
        </section>
      )}
      <h1 id="cases-heading">{query.trim() ? t("cases.searchResults") : t("cases.today")}</h1>
      <label htmlFor="case-search" className="visually-hidden">
        {t("cases.searchLabel")}
      </label>
      <input
        id="case-search"
        type="search"
        data-testid="case-search"
        placeholder={t("cases.searchPlaceholder")}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {cases && cases.length === 0 && <p className="muted">{t("cases.none")}</p>}
      {cases && cases.length > 0 && (
        <table className="cases-table" data-testid="cases-table">
          <thead>
            <tr>
              <th scope="col">{t("cases.number")}</th>
              <th scope="col">{t("cases.serviceLabel")}</th>
              <th scope="col">{t("cases.customer")}</th>
              <th scope="col">{t("cases.statusLabel")}</th>
              <th scope="col">{t("cases.servedAt")}</th>
            </tr>
          </thead>
          <tbody>
            {cases.map((c) => (
              <tr key={c.id}>
                <td>
                  <button type="button" className="link-button" onClick={() => onOpenCase(c.id)} data-testid="case-link">
                    {c.number}
                  </button>
                </td>
                <td>{c.service_name}</td>
                <td>{c.customer_name || c.customer_code}</td>
                <td>
                  {t(`cases.status.${c.status}`)}
                  {c.unsent > 0 && <span className="badge state-queued"> {t("cases.notYetSent")}</span>}
                  {c.refused && <span className="badge error-badge"> {t("cases.refused")}</span>}
                  {c.news && <span className="badge state-news"> {t("cases.newsBadge")}</span>}
                </td>
                <td>{formatSyncTime(c.served_at, i18n.language as Language)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
