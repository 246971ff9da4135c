import { useTranslation } from "react-i18next";
import { api } from "../api";
import type { Language } from "../i18n";
import { formatSyncTime } from "../format";
import { formatDuration, formatMoney } from "./format";
import { LocalText } from "./LocalText";
import type { Open } from "./SearchScreen";
import { usePage } from "./usePage";
import { RegisterCase } from "../cases/RegisterCase";
import { ServiceForms } from "../forms/ServiceForms";

/** Every section a clerk advises from, in the order they look for it. */
export function ServiceScreen({ id, onOpen, onBack }: { id: string; onOpen: Open; onBack: () => void }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language as Language;
  const { page, error } = usePage(api.servicePage, id);

  if (error) return <Failed message={error} onBack={onBack} />;
  if (!page) return <p aria-busy="true">…</p>;
  return (
    <article className="service-page" data-testid="service-page" aria-labelledby="service-name">
      <button type="button" className="link-button back" onClick={onBack}>
        ← {t("catalogue.back")}
      </button>
      <h1 id="service-name">
        <LocalText value={page.name} />
      </h1>
      <p className="lead">
        <LocalText value={page.description} />
      </p>
      <RegisterCase serviceId={page.id} onOpenCase={(caseId) => onOpen({ kind: "case", id: caseId })} />
      <ServiceForms serviceId={page.id} onOpenDraft={(draftId) => onOpen({ kind: "form", id: draftId })} />
      {page.has_e_service && page.online_access_url && (
        <p className="e-service">
          <span className="badge">{t("catalogue.eService")}</span>{" "}
          <a href={page.online_access_url} target="_blank" rel="noreferrer">
            {t("catalogue.startEService")}
          </a>
          {page.eid_methods.length > 0 && (
            <span className="muted"> · {page.eid_methods.map((m) => t(`catalogue.eid.${m}`, { defaultValue: m })).join(", ")}</span>
          )}
        </p>
      )}

      {page.steps.length > 0 && (
        <section aria-labelledby="steps">
          <h2 id="steps">{t("catalogue.steps")}</h2>
          <ol className="steps">
            {page.steps.map((step, i) => (
              <li key={i}>
                <LocalText value={step} />
              </li>
            ))}
          </ol>
        </section>
      )}

      <section aria-labelledby="costs">
        <h2 id="costs">{t("catalogue.costs")}</h2>
        {page.costs.length === 0 ? (
          <p>{t("catalogue.free")}</p>
        ) : (
          <ul className="costs">
            {page.costs.map((cost, i) => (
              <li key={i}>
                <strong>
                  {cost.value_minor !== null && cost.currency ? formatMoney(cost.value_minor, cost.currency, language) : "—"}
                </strong>{" "}
                {cost.channel_kind && <span className="muted">({t(`catalogue.channel.${cost.channel_kind}`)}) </span>}
                <LocalText value={cost.description} />
              </li>
            ))}
          </ul>
        )}
        {page.processing_time && (
          <p>
            {t("catalogue.processingTime")}: {formatDuration(page.processing_time, t)}
          </p>
        )}
      </section>

      <section aria-labelledby="channels">
        <h2 id="channels">{t("catalogue.channels")}</h2>
        <ul className="channels">
          {page.channels.map((channel, i) => (
            <li key={i}>
              <strong>{t(`catalogue.channel.${channel.kind}`)}</strong>
              {channel.description && (
                <>
                  {": "}
                  <LocalText value={channel.description} />
                </>
              )}
              {channel.location && (
                <div className="muted">
                  <LocalText value={channel.location} />
                </div>
              )}
              {channel.opening_hours && (
                <div className="muted">
                  {t("catalogue.openingHours")}: <LocalText value={channel.opening_hours} />
                </div>
              )}
              {channel.url && (
                <div>
                  <a href={channel.url} target="_blank" rel="noreferrer">
                    {channel.url}
                  </a>
                </div>
              )}
            </li>
          ))}
        </ul>
      </section>

      {page.requirements.length > 0 && (
        <section aria-labelledby="requirements">
          <h2 id="requirements">{t("catalogue.requirements")}</h2>
          <ul>
            {page.requirements.map((r, i) => (
              <li key={i}>
                <LocalText value={r.name} />
                {r.evidence.length > 0 && (
                  <ul>
                    {r.evidence.map((e, j) => (
                      <li key={j}>
                        <LocalText value={e} />
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}

      {page.outputs.length > 0 && (
        <section aria-labelledby="outputs">
          <h2 id="outputs">{t("catalogue.outputs")}</h2>
          <ul>
            {page.outputs.map((o, i) => (
              <li key={i}>
                <LocalText value={o} />
              </li>
            ))}
          </ul>
        </section>
      )}

      <section aria-labelledby="articles">
        <h2 id="articles">{t("catalogue.articles")}</h2>
        {page.articles.length === 0 ? (
          <p className="muted">{t("catalogue.noArticles")}</p>
        ) : (
          <ul className="articles">
            {page.articles.map((a) => (
              <li key={a.id}>
                <button type="button" className="link-button" lang={a.language} onClick={() => onOpen({ kind: "article", id: a.id })}>
                  {a.title}
                </button>{" "}
                <Verification verifiedAt={a.verified_at} language={language} />
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="authorities">
        <h2 id="authorities">{t("catalogue.authorities")}</h2>
        {page.authorities.map((a) => (
          <div key={a.id} className="authority">
            <strong>
              <LocalText value={a.name} />
            </strong>
            <div className="muted">{[...a.telephone, ...a.email].join(" · ")}</div>
            {a.e_address && (
              <div className="muted">
                {t("catalogue.eAddress")}: {a.e_address}
              </div>
            )}
          </div>
        ))}
        {page.info_url && (
          <p>
            <a href={page.info_url} target="_blank" rel="noreferrer">
              {t("catalogue.moreInfo")}
            </a>
          </p>
        )}
      </section>

      {page.legal.length > 0 && (
        <section aria-labelledby="legal">
          <h2 id="legal">{t("catalogue.legal")}</h2>
          <ul>
            {page.legal.map((l) => (
              <li key={l.id}>
                <LocalText value={l.name} />
              </li>
            ))}
          </ul>
        </section>
      )}

      {page.related.length > 0 && (
        <section aria-labelledby="related">
          <h2 id="related">{t("catalogue.related")}</h2>
          <ul>
            {page.related.map((r) => (
              <li key={r.id}>
                <button type="button" className="link-button" onClick={() => onOpen({ kind: "service", id: r.id })}>
                  <LocalText value={r.name} />
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </article>
  );
}

export function Verification({ verifiedAt, language }: { verifiedAt: string | null; language: Language }) {
  const { t } = useTranslation();
  return verifiedAt ? (
    <span className="verified" data-state="verified">
      ✓ {t("catalogue.verified", { time: formatSyncTime(verifiedAt, language) })}
    </span>
  ) : (
    <span className="unverified" data-state="unverified">
      ⚠ {t("catalogue.unverified")}
    </span>
  );
}

export function Failed({ message, onBack }: { message: string; onBack: () => void }) {
  const { t } = useTranslation();
  return (
    <section className="panel" role="alert">
      <p>{message}</p>
      <button type="button" className="link-button" onClick={onBack}>
        ← {t("catalogue.back")}
      </button>
    </section>
  );
}
