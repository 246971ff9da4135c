import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError } from "../api";
import type { DraftSummary } from "../bindings/DraftSummary";
import type { FormSummary } from "../bindings/FormSummary";
import { LocalText } from "../catalogue/LocalText";
import { useVisit } from "../cases/visit";
import { errorKey } from "../i18n";

/** On a service page: the service's e-forms, to fill in with the customer being served; on a case
 *  page (`caseId`): the case's service's forms, for the case's customer, prefilled from the case. */
export function ServiceForms({
  serviceId,
  caseId = null,
  onOpenDraft,
}: {
  serviceId: string;
  caseId?: string | null;
  onOpenDraft: (draftId: string) => void;
}) {
  const { t } = useTranslation();
  const { visit } = useVisit();
  const [forms, setForms] = useState<FormSummary[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api
      .serviceForms(serviceId)
      .then(setForms)
      .catch((e: unknown) => setError(t(errorKey(asCommandError(e).code))));
  }, [serviceId, t]);

  if (forms.length === 0 && !error) return null;
  const start = (formId: string) => {
    setError(null);
    api
      .startForm(formId, caseId)
      .then((draft) => onOpenDraft(draft.id))
      .catch((e: unknown) => setError(t(errorKey(asCommandError(e).code))));
  };
  return (
    <section className="service-forms" aria-labelledby="service-forms-heading" data-testid="service-forms">
      <h2 id="service-forms-heading">{t("forms.sectionTitle")}</h2>
      {!visit && !caseId && <p className="help">{t("forms.needCustomer")}</p>}
      <ul>
        {forms.map((f) => (
          <li key={f.id}>
            <LocalText value={f.title} />{" "}
            <button type="button" className="secondary" onClick={() => start(f.id)} disabled={!visit && !caseId} data-testid={`start-form-${f.id}`}>
              {t("forms.fillWithCustomer")}
            </button>
          </li>
        ))}
      </ul>
      {error && (
        <p className="field-error" role="alert" data-testid="service-forms-error">
          {error}
        </p>
      )}
    </section>
  );
}

/** The customer's drafts (of one case when `caseId` is given), to resume (`seen` changes whenever
 *  the screen does, to list them anew). */
export function CustomerDrafts({
  customerCode,
  caseId = null,
  seen,
  onOpenDraft,
}: {
  customerCode: string;
  caseId?: string | null;
  seen: string;
  onOpenDraft: (draftId: string) => void;
}) {
  const { t } = useTranslation();
  const [drafts, setDrafts] = useState<DraftSummary[]>([]);
  useEffect(() => {
    api
      .formDrafts(customerCode)
      .then((all) => setDrafts(caseId ? all.filter((d) => d.case_id === caseId) : all))
      .catch(() => setDrafts([]));
  }, [customerCode, caseId, seen]);
  if (drafts.length === 0) return null;
  return (
    <div className="customer-drafts" data-testid="customer-drafts">
      <span>{t("forms.draftsTitle")}:</span>
      {drafts.map((d) => (
        <button key={d.id} type="button" className="link-button" onClick={() => onOpenDraft(d.id)} data-testid={`resume-draft-${d.id}`}>
          <LocalText value={d.title} /> ({t("forms.stepOf", { n: d.step + 1, total: d.steps })})
        </button>
      ))}
    </div>
  );
}
