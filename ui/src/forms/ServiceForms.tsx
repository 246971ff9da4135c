import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError } from "../api";
import type { FormSummary } from "../bindings/FormSummary";
import { LocalText } from "../catalogue/LocalText";
import { useVisit } from "../cases/visit";
import { errorKey } from "../i18n";

/** On a service page: the service's e-forms, to fill in with the customer being served. */
export function ServiceForms({ serviceId, onOpenDraft }: { serviceId: string; onOpenDraft: (draftId: string) => void }) {
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
      .startForm(formId, null)
      .then((draft) => onOpenDraft(draft.id))
      .catch((e: unknown) => setError(t(errorKey(asCommandError(e).code))));
  };
  return (
    <section className="service-forms" aria-labelledby="service-forms-heading" data-testid="service-forms">
      <h2 id="service-forms-heading">{t("forms.sectionTitle")}</h2>
      {!visit && <p className="help">{t("forms.needCustomer")}</p>}
      <ul>
        {forms.map((f) => (
          <li key={f.id}>
            <LocalText value={f.title} />{" "}
            <button type="button" onClick={() => start(f.id)} disabled={!visit} data-testid={`start-form-${f.id}`}>
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

/** The customer's drafts, to resume (`seen` changes whenever the screen does, to list them anew). */
export function CustomerDrafts({
  customerCode,
  seen,
  onOpenDraft,
}: {
  customerCode: string;
  seen: string;
  onOpenDraft: (draftId: string) => void;
}) {
  const { t } = useTranslation();
  const [drafts, setDrafts] = useState<{ id: string; title: FormSummary["title"]; step: number; steps: number }[]>([]);
  useEffect(() => {
    api
      .formDrafts(customerCode)
      .then(setDrafts)
      .catch(() => setDrafts([]));
  }, [customerCode, seen]);
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
