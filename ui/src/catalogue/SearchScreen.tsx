import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError, type BrowseEntry, type LinkView, type SearchFilters, type SearchHit } from "../api";
import { errorKey } from "../i18n";
import { LocalText } from "./LocalText";
import { reportProblem } from "../components/Problems";

const CHANNELS = ["e_service", "vpvkac_in_person", "institution_in_person", "phone", "email", "e_address", "post"];

/** Opens a page; for `plan`, `id` is the life event whose scenario is gone through. */
export type Open = (target: { kind: "service" | "article" | "case" | "form" | "plan"; id: string }) => void;

/**
 * Search as you type over the offline catalogue. The box is one key away (`/` or Ctrl+K from
 * anywhere); arrows move through results, Enter opens, Esc clears.
 */
export function SearchScreen({ onOpen, initialQuery = "" }: { onOpen: Open; initialQuery?: string }) {
  const { t, i18n } = useTranslation();
  const [query, setQuery] = useState(initialQuery);
  const [eServiceOnly, setEServiceOnly] = useState(false);
  const [institution, setInstitution] = useState("");
  const [lifeEvent, setLifeEvent] = useState("");
  const [channel, setChannel] = useState("");
  const [entries, setEntries] = useState<BrowseEntry[]>([]);
  const [hits, setHits] = useState<SearchHit[]>([]);
  const [active, setActive] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const latest = useRef(0);
  // The ticket whose answer is on screen; Enter pressed before the newest answer came waits for it,
  // so a fast typist opens the first hit of what they typed, not of what they had typed before.
  const shown = useRef(0);
  const enterPending = useRef(false);

  useEffect(() => {
    // Back on the search, the last query is selected: typing starts a new one.
    input.current?.focus();
    input.current?.select();
  }, []);

  useEffect(() => {
    api.browse().then(setEntries).catch(reportProblem("browse"));
  }, [i18n.language]);

  useEffect(() => {
    const ticket = ++latest.current;
    if (!query.trim()) {
      shown.current = ticket;
      enterPending.current = false;
      setHits([]);
      return;
    }
    const filters: SearchFilters = { has_e_service: eServiceOnly };
    if (institution) filters.institution = institution;
    if (lifeEvent) filters.life_event = lifeEvent;
    if (channel) filters.channel = channel;
    api
      .search(query, filters)
      .then((found) => {
        // Answers may arrive out of order: only the newest query's answer counts.
        if (ticket !== latest.current) return;
        shown.current = ticket;
        setHits(found);
        setActive(0);
        setError(null);
        if (enterPending.current) {
          enterPending.current = false;
          if (found[0]) open(found[0]);
        }
      })
      .catch((e: unknown) => {
        if (ticket !== latest.current) return;
        shown.current = ticket;
        enterPending.current = false;
        setError(t(errorKey(asCommandError(e).code)));
      });
  }, [query, eServiceOnly, institution, lifeEvent, channel, i18n.language, t]);

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      setActive((a) => Math.min(a + 1, hits.length - 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (event.key === "Enter" && shown.current !== latest.current) {
      event.preventDefault();
      enterPending.current = true;
    } else if (event.key === "Enter" && hits[active]) {
      event.preventDefault();
      open(hits[active]);
    } else if (event.key === "Escape") {
      enterPending.current = false;
      setQuery("");
    }
  };
  const open = (hit: SearchHit) => {
    if (hit.kind === "service" || hit.kind === "article") onOpen({ kind: hit.kind, id: hit.id });
  };

  return (
    <section className="catalogue" aria-labelledby="search-title">
      <h1 id="search-title" className="visually-hidden">
        {t("catalogue.searchTitle")}
      </h1>
      <div className="search-row">
        <input
          ref={input}
          type="search"
          className="search-box"
          data-testid="search-box"
          aria-label={t("catalogue.searchLabel")}
          placeholder={t("catalogue.searchPlaceholder")}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={onKeyDown}
          role="combobox"
          aria-expanded={hits.length > 0}
          aria-controls="search-results"
          aria-activedescendant={hits[active] ? `hit-${active}` : undefined}
          autoComplete="off"
          spellCheck={false}
        />
        <label className="toggle">
          <input type="checkbox" checked={eServiceOnly} onChange={(e) => setEServiceOnly(e.target.checked)} />
          {t("catalogue.eServiceOnly")}
        </label>
      </div>
      <div className="filters">
        <FilterSelect
          label={t("catalogue.filter.institution")}
          testId="filter-institution"
          value={institution}
          onChange={setInstitution}
          options={entries.filter((e) => e.kind === "institution").map((e) => [e.id, e.name.text])}
        />
        <FilterSelect
          label={t("catalogue.filter.lifeEvent")}
          testId="filter-life-event"
          value={lifeEvent}
          onChange={setLifeEvent}
          options={entries.filter((e) => e.kind !== "institution").map((e) => [e.id, e.name.text])}
        />
        <FilterSelect
          label={t("catalogue.filter.channel")}
          testId="filter-channel"
          value={channel}
          onChange={setChannel}
          options={CHANNELS.map((c) => [c, t(`catalogue.channel.${c}`)])}
        />
      </div>
      {error && <p role="alert" className="field-error">{error}</p>}
      {query.trim() && hits.length === 0 && !error && (
        <p className="muted" role="status" data-testid="no-results">
          {t("catalogue.noResults")}
        </p>
      )}
      <ul id="search-results" role="listbox" className="results" aria-label={t("catalogue.results")} data-testid="results">
        {hits.map((hit, i) => (
          <li
            key={`${hit.kind}:${hit.id}`}
            id={`hit-${i}`}
            role="option"
            aria-selected={i === active}
            className={i === active ? "result active" : "result"}
            onMouseEnter={() => setActive(i)}
            onClick={() => open(hit)}
          >
            <span className={`kind kind-${hit.kind}`}>{t(`catalogue.kind.${hit.kind}`)}</span>
            <span className="result-title" lang={hit.language}>
              {hit.title}
            </span>
            <span className="snippet" lang={hit.language}>
              {hit.snippet.map((part, j) => (part.highlighted ? <mark key={j}>{part.text}</mark> : <span key={j}>{part.text}</span>))}
            </span>
          </li>
        ))}
      </ul>
      {!query.trim() && <Browse entries={entries} onOpen={onOpen} />}
    </section>
  );
}

/** One filter: "any" or one of `options` ([value, label]). */
function FilterSelect(props: {
  label: string;
  testId: string;
  value: string;
  onChange: (value: string) => void;
  options: [string, string][];
}) {
  const { t } = useTranslation();
  return (
    <label>
      {props.label}
      <select value={props.value} onChange={(e) => props.onChange(e.target.value)} data-testid={props.testId}>
        <option value="">{t("catalogue.filter.any")}</option>
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Life events and institutions, when nothing is typed (the search screen reads them once). */
function Browse({ entries, onOpen }: { entries: BrowseEntry[]; onOpen: Open }) {
  const { t } = useTranslation();
  const [chosen, setChosen] = useState<BrowseEntry | null>(null);
  const [services, setServices] = useState<LinkView[]>([]);

  const choose = useCallback(
    (entry: BrowseEntry) => {
      // A situation with a published scenario opens the navigator; others list their services.
      const list = () => {
        setChosen(entry);
        api.servicesOf(entry.kind, entry.id).then(setServices).catch(reportProblem("servicesOf"));
      };
      if (entry.kind === "institution") return list();
      api
        .lifePlan(entry.id, {})
        .then((plan) => (plan ? onOpen({ kind: "plan", id: entry.id }) : list()))
        .catch(list);
    },
    [onOpen],
  );

  if (entries.length === 0) return <p className="muted">{t("catalogue.empty")}</p>;
  const groups: [string, BrowseEntry[]][] = [
    ["life", entries.filter((e) => e.kind === "life")],
    ["business", entries.filter((e) => e.kind === "business")],
    ["institution", entries.filter((e) => e.kind === "institution")],
  ];
  return (
    <div className="browse">
      {groups.map(([kind, list]) =>
        list.length ? (
          <nav key={kind} aria-label={t(`catalogue.browse.${kind}`)}>
            <h2>{t(`catalogue.browse.${kind}`)}</h2>
            <ul className="chips">
              {list.map((entry) => (
                <li key={entry.id}>
                  <button type="button" aria-pressed={chosen?.id === entry.id} onClick={() => choose(entry)}>
                    <LocalText value={entry.name} />
                  </button>
                </li>
              ))}
            </ul>
          </nav>
        ) : null,
      )}
      {chosen && (
        <section aria-live="polite" className="browse-services">
          <h2>
            <LocalText value={chosen.name} />
          </h2>
          <ul>
            {services.map((s) => (
              <li key={s.id}>
                <button type="button" className="link-button" onClick={() => onOpen({ kind: "service", id: s.id })}>
                  <LocalText value={s.name} />
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
