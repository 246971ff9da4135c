import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError, type CardView } from "../api";
import type { ApplicationPreview } from "../bindings/ApplicationPreview";
import type { DraftView } from "../bindings/DraftView";
import type { FieldError } from "../bindings/FieldError";
import type { FieldView } from "../bindings/FieldView";
import type { SubmittedView } from "../bindings/SubmittedView";
import type { DocumentView } from "../bindings/DocumentView";
import { LocalText } from "../catalogue/LocalText";
import { useVisit } from "../cases/visit";
import { base64Of } from "../files";
import { errorKey, type Language } from "../i18n";

type Answers = Record<string, unknown>;

/** Filling an e-form with the customer: one step at a time with a progress indicator, every
 *  change kept on the desk at once (the draft survives closing the app), each problem shown at its
 *  field in the clerk's language once the field was touched or the clerk tried to go on, and a
 *  review of everything as the institution will receive it. */
export function FormScreen({
  draftId,
  onBack,
  onOpenCase,
}: {
  draftId: string;
  onBack: () => void;
  onOpenCase: (caseId: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const [draft, setDraft] = useState<DraftView | null>(null);
  const [answers, setAnswers] = useState<Answers>({});
  const [step, setStep] = useState(0);
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [saving, setSaving] = useState<"saved" | "saving" | "failed">("saved");
  const [failure, setFailure] = useState<string | null>(null);
  const [announce, setAnnounce] = useState("");
  const [fileProblems, setFileProblems] = useState<Record<string, string>>({});
  const [submitted, setSubmitted] = useState<SubmittedView | null>(null);
  const { refresh: refreshVisit } = useVisit();
  // The scans of the case the form was started from, kept on this desk: attachable as files.
  const [scans, setScans] = useState<DocumentView[]>([]);
  const heading = useRef<HTMLHeadingElement>(null);
  // Saves go one after another; the newest answers always win.
  const queue = useRef<Promise<unknown>>(Promise.resolve());

  // The draft once (answers and step are the screen's from then on); its words again whenever the
  // clerk changes the language.
  useEffect(() => {
    api
      .formDraft(draftId)
      .then((view) => {
        setDraft(view);
        setAnswers(view.data);
        setStep(view.step);
        if (view.case_id) {
          api
            .casePage(view.case_id)
            .then((page) => setScans(page.documents.filter((d) => d.here)))
            .catch(() => setScans([]));
        }
      })
      .catch((e: unknown) => setFailure(t(errorKey(asCommandError(e).code))));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [draftId]);
  useEffect(() => {
    // Only the words: what applies and what is wrong stay those of the newest save (the problems
    // carry both languages already).
    if (draft) void api.formDraft(draftId).then((view) => setDraft((d) => (d ? { ...d, form: view.form } : view)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [i18n.language]);

  const save = useCallback(
    (data: Answers, atStep: number) => {
      setSaving("saving");
      queue.current = queue.current.then(() =>
        api
          .saveFormDraft(draftId, data, atStep)
          .then((view) => {
            setDraft(view);
            setSaving("saved");
          })
          .catch((e: unknown) => {
            setSaving("failed");
            setFailure(t(errorKey(asCommandError(e).code)));
          }),
      );
    },
    [draftId, t],
  );

  if (failure && !draft) {
    return (
      <section className="panel error-panel" role="alert" data-testid="form-failed">
        <p>{failure}</p>
        <button type="button" onClick={onBack}>
          {t("forms.close")}
        </button>
      </section>
    );
  }
  if (submitted) {
    return (
      <section className="panel" role="status" data-testid="form-submitted">
        <h2>{t("forms.submittedTitle")}</h2>
        <p>{t("forms.submittedText", { number: submitted.case_number, institution: submitted.institution })}</p>
        <div className="actions">
          <button type="button" onClick={() => onOpenCase(submitted.case_id)} data-testid="form-open-case">
            {t("forms.openCase", { number: submitted.case_number })}
          </button>
          <button type="button" className="secondary" onClick={onBack}>
            {t("forms.close")}
          </button>
        </div>
      </section>
    );
  }
  if (!draft) return <p aria-busy="true">…</p>;

  const steps = draft.form.steps;
  const reviewing = step >= steps.length;
  const applicable = new Set(draft.applicable);
  const required = new Set(draft.required);
  const english = i18n.language === "en";
  const errorAt = (field: string): FieldError | undefined => draft.errors.find((e) => e.field === field);
  const message = (e: FieldError) => (english ? e.en : e.lv);

  const change = (field: string, value: unknown) => {
    const next = { ...answers };
    if (value === undefined || value === "") delete next[field];
    else next[field] = value;
    setAnswers(next);
    setTouched((s) => new Set(s).add(field));
    save(next, step);
  };

  // Files are kept with the draft on the desk as they are picked, checked as attachments are.
  const attach = async (field: string, files: FileList) => {
    setFileProblems((p) => ({ ...p, [field]: "" }));
    for (const file of Array.from(files)) {
      try {
        const view = await api.attachFormFile(draftId, field, file.name, await base64Of(file));
        setDraft(view);
        setAnswers((a) => ({ ...a, [field]: view.data[field] }));
        setTouched((s) => new Set(s).add(field));
      } catch (e: unknown) {
        setFileProblems((p) => ({ ...p, [field]: `${file.name}: ${t(errorKey(asCommandError(e).code))}` }));
      }
    }
  };
  const attachScan = async (field: string, documentId: string) => {
    setFileProblems((p) => ({ ...p, [field]: "" }));
    try {
      const view = await api.attachCaseDocumentToForm(draftId, field, documentId);
      setDraft(view);
      setAnswers((a) => ({ ...a, [field]: view.data[field] }));
      setTouched((s) => new Set(s).add(field));
    } catch (e: unknown) {
      setFileProblems((p) => ({ ...p, [field]: t(errorKey(asCommandError(e).code)) }));
    }
  };
  const removeFile = (field: string, sha256: string) => {
    api
      .removeFormFile(draftId, field, sha256)
      .then((view) => {
        setDraft(view);
        setAnswers((a) => ({ ...a, [field]: view.data[field] }));
      })
      .catch((e: unknown) => setFailure(t(errorKey(asCommandError(e).code))));
  };

  const goTo = (next: number) => {
    setStep(next);
    save(answers, Math.min(next, steps.length - 1));
    setAnnounce(next >= steps.length ? t("forms.reviewTitle") : t("forms.stepOf", { n: next + 1, total: steps.length }));
    setTimeout(() => heading.current?.focus(), 0);
  };

  const forward = () => {
    const fields = steps[step].fields.filter((f) => applicable.has(f.field)).map((f) => f.field);
    setTouched((s) => new Set([...s, ...fields]));
    const wrong = fields.filter((f) => errorAt(f));
    if (wrong.length > 0) {
      setAnnounce(t("forms.fixErrors", { count: wrong.length }));
      setTimeout(() => document.getElementById(`form-field-${wrong[0]}`)?.focus(), 0);
      return;
    }
    goTo(step + 1);
  };

  return (
    <section className="form-screen" aria-labelledby="form-title" data-testid="form-screen">
      <button type="button" className="link-button" onClick={onBack} data-testid="form-back-to">
        ← {t("forms.close")}
      </button>
      <h1 id="form-title">
        <LocalText value={draft.form.title} />
      </h1>
      <p className="form-customer" data-testid="form-customer">
        {t("forms.forCustomer", { name: draft.customer_name || draft.customer_code })}
        <span className={`save-state ${saving}`} aria-live="polite" data-testid="form-save-state">
          {t(`forms.save.${saving}`)}
        </span>
      </p>
      <ol className="form-progress" aria-label={t("forms.progress")}>
        {steps.map((s, i) => (
          <li key={s.id} aria-current={i === step ? "step" : undefined} className={i < step ? "done" : undefined}>
            <LocalText value={s.title} />
          </li>
        ))}
        <li aria-current={reviewing ? "step" : undefined}>{t("forms.reviewTitle")}</li>
      </ol>
      <p className="visually-hidden" aria-live="polite" data-testid="form-announce">
        {announce}
      </p>
      {failure && (
        <p className="field-error" role="alert">
          {failure}
        </p>
      )}
      {!reviewing ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            forward();
          }}
          noValidate
        >
          <h2 ref={heading} tabIndex={-1} data-testid="form-step-title">
            {t("forms.stepOf", { n: step + 1, total: steps.length })}: <LocalText value={steps[step].title} />
          </h2>
          {steps[step].fields
            .filter((f) => applicable.has(f.field))
            .map((f) => (
              <Field
                key={f.field}
                field={f}
                value={answers[f.field]}
                required={required.has(f.field)}
                error={touched.has(f.field) ? errorAt(f.field) : undefined}
                message={message}
                onChange={(v) => change(f.field, v)}
                onBlur={() => setTouched((s) => new Set(s).add(f.field))}
                onFiles={(files) => void attach(f.field, files)}
                onRemoveFile={(sha256) => removeFile(f.field, sha256)}
                scans={scans}
                onScan={(documentId) => void attachScan(f.field, documentId)}
                fileProblem={fileProblems[f.field]}
              />
            ))}
          <div className="actions">
            {step > 0 && (
              <button type="button" className="secondary" onClick={() => goTo(step - 1)} data-testid="form-previous">
                {t("forms.previous")}
              </button>
            )}
            <button type="submit" data-testid="form-next">
              {step + 1 < steps.length ? t("forms.next") : t("forms.toReview")}
            </button>
          </div>
        </form>
      ) : (
        <Review
          draft={draft}
          answers={answers}
          headingRef={heading}
          onEdit={(i) => goTo(i)}
          onClose={onBack}
          onSubmitted={(view) => {
            setSubmitted(view);
            // The visit now lists the submission (the customer's receipt of what was done).
            refreshVisit();
          }}
          saved={queue}
        />
      )}
    </section>
  );
}

function Field({
  field,
  value,
  required,
  error,
  message,
  onChange,
  onBlur,
  onFiles,
  onRemoveFile,
  scans,
  onScan,
  fileProblem,
}: {
  field: FieldView;
  value: unknown;
  required: boolean;
  error: FieldError | undefined;
  message: (e: FieldError) => string;
  onChange: (value: unknown) => void;
  onBlur: () => void;
  onFiles: (files: FileList) => void;
  onRemoveFile: (sha256: string) => void;
  /** The case's scans on this desk, offered for a file field. */
  scans: DocumentView[];
  onScan: (documentId: string) => void;
  fileProblem?: string;
}) {
  const { t } = useTranslation();
  const id = `form-field-${field.field}`;
  const described = [field.help ? `${id}-help` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  const common = {
    id,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": described,
    "aria-required": required || undefined,
    onBlur,
    "data-testid": id,
  };
  const label = (
    <>
      <LocalText value={field.label} />
      {required && <span className="required-mark"> ({t("forms.required")})</span>}
    </>
  );
  let input;
  switch (field.widget) {
    case "multiline":
      input = <textarea {...common} rows={4} value={String(value ?? "")} maxLength={Number(field.max_length ?? 100000)} onChange={(e) => onChange(e.target.value)} />;
      break;
    case "number":
    case "money":
      input = (
        <input
          {...common}
          type="text"
          inputMode="decimal"
          value={value === undefined ? "" : String(value).replace(".", field.widget === "money" ? "," : ".")}
          onChange={(e) => {
            const raw = e.target.value.trim().replace(",", ".");
            const number = Number(raw);
            onChange(raw === "" ? undefined : Number.isFinite(number) && /^-?\d+(\.\d+)?$/.test(raw) ? number : e.target.value);
          }}
        />
      );
      break;
    case "date":
      input = <input {...common} type="date" value={String(value ?? "")} onChange={(e) => onChange(e.target.value)} />;
      break;
    case "list":
      input = (
        <select {...common} value={String(value ?? "")} onChange={(e) => onChange(e.target.value || undefined)}>
          <option value="">{t("forms.choose")}</option>
          {field.choices.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label.text}
            </option>
          ))}
        </select>
      );
      break;
    case "radio":
    case "yes_no": {
      const options =
        field.widget === "radio"
          ? field.choices.map((c) => ({ value: c.value as unknown, label: <LocalText value={c.label} /> }))
          : [
              { value: true as unknown, label: <>{t("forms.yes")}</> },
              { value: false as unknown, label: <>{t("forms.no")}</> },
            ];
      return (
        <fieldset className="form-field" aria-describedby={described} aria-invalid={error ? true : undefined} data-testid={id}>
          <legend>{label}</legend>
          {field.help && (
            <p className="help" id={`${id}-help`}>
              <LocalText value={field.help} />
            </p>
          )}
          {options.map((o, i) => (
            <label key={String(o.value)} className="choice">
              <input
                type="radio"
                id={i === 0 ? id : undefined}
                name={id}
                checked={value === o.value}
                onChange={() => onChange(o.value)}
                onBlur={onBlur}
                data-testid={`${id}-${String(o.value)}`}
              />{" "}
              {o.label}
            </label>
          ))}
          <FieldProblem id={`${id}-error`} error={error} message={message} />
        </fieldset>
      );
    }
    case "file": {
      const files = Array.isArray(value) ? (value as { name: string; sha256: string; size: number }[]) : [];
      input = (
        <>
          {files.length > 0 && (
            <ul className="form-files" data-testid={`${id}-files`}>
              {files.map((file) => (
                <li key={file.sha256}>
                  {file.name} <span className="muted">({formatSize(file.size)})</span>{" "}
                  <button type="button" className="link-button" onClick={() => onRemoveFile(file.sha256)} aria-label={t("forms.removeFile", { name: file.name })}>
                    {t("forms.remove")}
                  </button>
                </li>
              ))}
            </ul>
          )}
          {/* A button in the clerk's language: the browser's own says "Choose Files" in English. */}
          <label htmlFor={id} className="file-button">
            {t("forms.chooseFiles")}
          </label>
          <input
            {...common}
            className="visually-hidden"
            type="file"
            multiple
            onChange={(e) => {
              if (e.target.files && e.target.files.length > 0) onFiles(e.target.files);
              e.target.value = "";
            }}
          />
          {scans.length > 0 && (
            <div className="form-scans" role="group" aria-label={t("forms.fromCaseScans")} data-testid={`${id}-scans`}>
              <span className="help">{t("forms.fromCaseScans")}:</span>{" "}
              {scans.map((scan) => (
                <button
                  key={scan.id}
                  type="button"
                  className="link-button"
                  onClick={() => onScan(scan.id)}
                  aria-label={t("forms.attachScan", { name: scan.name })}
                  data-testid={`${id}-scan-${scan.id}`}
                >
                  {scan.name}
                </button>
              ))}
            </div>
          )}
          {fileProblem && (
            <p className="field-error" role="alert" data-testid={`${id}-file-problem`}>
              {fileProblem}
            </p>
          )}
        </>
      );
      break;
    }
    default:
      input = (
        <input
          {...common}
          type="text"
          autoComplete="off"
          value={String(value ?? "")}
          maxLength={field.max_length ?? undefined}
          onChange={(e) => onChange(e.target.value)}
        />
      );
  }
  return (
    <div className="form-field">
      <label htmlFor={id}>{label}</label>
      {field.help && (
        <p className="help" id={`${id}-help`}>
          <LocalText value={field.help} />
        </p>
      )}
      {input}
      <FieldProblem id={`${id}-error`} error={error} message={message} />
    </div>
  );
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} kB`;
}

function FieldProblem({ id, error, message }: { id: string; error: FieldError | undefined; message: (e: FieldError) => string }) {
  if (!error) return null;
  return (
    <p className="field-error" id={id} data-testid={id}>
      {message(error)}
    </p>
  );
}

/** Everything as the institution will receive it: the answers that apply, step by step. */
function Review({
  draft,
  answers,
  headingRef,
  onEdit,
  onClose,
  onSubmitted,
  saved,
}: {
  draft: DraftView;
  answers: Answers;
  headingRef: React.RefObject<HTMLHeadingElement | null>;
  onEdit: (step: number) => void;
  onClose: () => void;
  onSubmitted: (view: SubmittedView) => void;
  /** The saves still under way: submission waits for the last one. */
  saved: React.RefObject<Promise<unknown>>;
}) {
  const { t } = useTranslation();
  const [language, setLanguage] = useState<Language>("lv");
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [pin2, setPin2] = useState("");
  const signed = draft.form.signature_required;
  // Whose card is in the second reader, and its PIN2 tries, before the PIN is typed.
  const [signer, setSigner] = useState<CardView["card"]>(null);
  const [signerProblem, setSignerProblem] = useState<string | null>(null);
  const readSigner = () =>
    api
      .customerSigner()
      .then((card) => {
        setSigner(card);
        setSignerProblem(null);
      })
      .catch((e: unknown) => {
        setSigner(null);
        setSignerProblem(t(errorKey(asCommandError(e).code)));
      });
  // The application exactly as the customer signs it, page by page, before PIN2.
  const [preview, setPreview] = useState<ApplicationPreview | null>(null);
  const [previewProblem, setPreviewProblem] = useState<string | null>(null);
  const showApplication = async (shownIn: Language) => {
    setPreview(null);
    setPreviewProblem(null);
    try {
      await saved.current;
      setPreview(await api.applicationPreview(draft.id, shownIn));
    } catch (e: unknown) {
      setPreviewProblem(t(errorKey(asCommandError(e).code)));
    }
  };
  const confirmRef = useRef<HTMLButtonElement>(null);
  const pinRef = useRef<HTMLInputElement>(null);
  const pinPad = signer?.pin_pad === true;
  const pin2Blocked = signer?.pin_tries_left === 0;
  const submit = async () => {
    setBusy(true);
    setProblem(null);
    try {
      await saved.current;
      onSubmitted(await api.submitForm(draft.id, language, signed, signed && !pinPad ? pin2 : null));
    } catch (e: unknown) {
      const code = asCommandError(e).code;
      setPin2("");
      if (signed && (code === "wrong_pin" || code === "pin_blocked")) {
        // The customer may try again on the same page: say how many tries are left.
        const card = await api.customerSigner().catch(() => null);
        setSigner(card);
        const tries = card?.pin_tries_left;
        setProblem(tries != null ? t("forms.wrongPin2", { count: tries }) : t(errorKey(code)));
        setTimeout(() => pinRef.current?.focus(), 0);
      } else {
        setProblem(t(errorKey(code)));
        setConfirming(false);
      }
    } finally {
      setBusy(false);
    }
  };
  const applicable = new Set(draft.applicable);
  const shown = (f: FieldView): string => {
    const value = answers[f.field];
    if (value === undefined || value === null || value === "") return t("forms.noAnswer");
    if (f.widget === "yes_no") return value ? t("forms.yes") : t("forms.no");
    const choice = f.choices.find((c) => c.value === value);
    if (choice) return choice.label.text;
    if (Array.isArray(value)) return value.map((v) => (typeof v === "object" && v && "name" in v ? String(v.name) : String(v))).join(", ");
    return String(value);
  };
  return (
    <div className="form-review" data-testid="form-review">
      <h2 ref={headingRef} tabIndex={-1}>
        {t("forms.reviewTitle")}
      </h2>
      <p>{t("forms.reviewIntro")}</p>
      {draft.errors.length > 0 && (
        <p className="field-error" role="alert" id="form-review-errors" data-testid="form-review-errors">
          {t("forms.fixErrors", { count: draft.errors.length })}
        </p>
      )}
      {draft.form.steps.map((s, i) => (
        <section key={s.id} aria-labelledby={`review-${s.id}`}>
          <h3 id={`review-${s.id}`}>
            <LocalText value={s.title} />{" "}
            <button type="button" className="link-button" onClick={() => onEdit(i)} data-testid={`form-edit-${s.id}`}>
              {t("forms.edit")}
            </button>
          </h3>
          <dl>
            {s.fields
              .filter((f) => applicable.has(f.field))
              .map((f) => (
                <div key={f.field} className="review-row">
                  <dt>
                    <LocalText value={f.label} />
                  </dt>
                  <dd data-testid={`review-${f.field}`}>{shown(f)}</dd>
                </div>
              ))}
          </dl>
        </section>
      ))}
      <fieldset className="application-language">
        <legend>{t("forms.applicationLanguage")}</legend>
        {(["lv", "en"] as const).map((l) => (
          <label key={l}>
            <input
              type="radio"
              name="application-language"
              value={l}
              checked={language === l}
              onChange={() => {
                setLanguage(l);
                if (confirming && signed) void showApplication(l);
              }}
              data-testid={`form-language-${l}`}
            />{" "}
            {t(`forms.language_${l}`)}
          </label>
        ))}
      </fieldset>
      {problem && (
        <p className="field-error" role="alert" data-testid="form-submit-problem">
          {problem}
        </p>
      )}
      {confirming ? (
        <div className="confirm" role="alertdialog" aria-labelledby="form-confirm-text" data-testid="form-confirm">
          <p id="form-confirm-text">{signed ? t("forms.confirmSign") : t("forms.confirmSubmit")}</p>
          {signed && (
            <section className="signed-pages" aria-labelledby="form-signed-pages" data-testid="form-signed-pages">
              <h3 id="form-signed-pages">{t("forms.whatIsSigned")}</h3>
              {previewProblem && (
                <p className="field-error" role="alert">
                  {previewProblem}
                </p>
              )}
              {!preview && !previewProblem && <p role="status">{t("forms.preparingPages")}</p>}
              {preview && (
                <div className="page-strip" tabIndex={0} aria-label={t("forms.pagesLabel", { count: preview.total })}>
                  {preview.pages.map((png, i) => (
                    <img
                      key={i}
                      src={`data:image/png;base64,${png}`}
                      alt={t("forms.pageAlt", { page: i + 1, total: preview.total })}
                      data-testid="form-signed-page"
                    />
                  ))}
                  {preview.total > preview.pages.length && (
                    <p>{t("forms.morePages", { count: preview.total - preview.pages.length })}</p>
                  )}
                </div>
              )}
            </section>
          )}
          {signed && (
            <p className={signer ? "help" : "field-error"} role="status" data-testid="form-signer">
              {signer
                ? t("forms.signerCard", { holder: signer.holder, tries: signer.pin_tries_left ?? "?" })
                : (signerProblem ?? "…")}{" "}
              <button type="button" className="link-button" onClick={() => void readSigner()} data-testid="form-signer-again">
                {t("forms.readCardAgain")}
              </button>
            </p>
          )}
          {signed && pin2Blocked && (
            <p className="field-error" role="alert" data-testid="form-pin2-blocked">
              {t("forms.pin2Blocked")}
            </p>
          )}
          {signed && pinPad && !pin2Blocked && (
            <p className="help" data-testid="form-pin2-pad">
              {busy ? t("forms.pin2PadWaiting") : t("forms.pin2PadHint")}
            </p>
          )}
          {signed && !pinPad && !pin2Blocked && (
            <div className="form-field">
              <label htmlFor="form-pin2">{t("forms.pin2Label")}</label>
              <p className="help" id="form-pin2-help">
                {t("forms.pin2Help")}
              </p>
              <input
                id="form-pin2"
                ref={pinRef}
                type="password"
                inputMode="numeric"
                autoComplete="off"
                maxLength={12}
                value={pin2}
                aria-describedby="form-pin2-help"
                onChange={(e) => setPin2(e.target.value.replace(/\D/g, ""))}
                data-testid="form-pin2"
              />
            </div>
          )}
          <div className="actions">
            <button
              type="button"
              ref={confirmRef}
              onClick={() => void submit()}
              disabled={busy || (signed && (!preview || !signer || pin2Blocked || (!pinPad && pin2.length < 6)))}
              data-testid="form-confirm-submit"
            >
              {busy ? t("forms.submitting") : signed ? t("forms.signAndSubmit") : t("forms.confirmYes")}
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)} disabled={busy}>
              {t("forms.confirmNo")}
            </button>
          </div>
        </div>
      ) : (
        <div className="actions">
          <button type="button" className="secondary" onClick={() => onEdit(draft.form.steps.length - 1)}>
            {t("forms.previous")}
          </button>
          <button type="button" className="secondary" onClick={onClose} data-testid="form-keep-draft">
            {t("forms.keepDraft")}
          </button>
          <button
            type="button"
            onClick={() => {
              setConfirming(true);
              setProblem(null);
              if (signed) {
                void readSigner();
                void showApplication(language);
              }
              setTimeout(() => ((signed ? pinRef.current : null) ?? confirmRef.current)?.focus(), 0);
            }}
            disabled={draft.errors.length > 0}
            aria-describedby={draft.errors.length > 0 ? "form-review-errors" : undefined}
            data-testid="form-submit"
          >
            {t("forms.submit")}
          </button>
        </div>
      )}
    </div>
  );
}
