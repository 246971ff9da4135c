import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError, type CommandError, type Enrollment } from "../api";
import { errorField, errorKey } from "../i18n";
import { useFirstScreenShown } from "../firstScreen";

type FieldErrors = { serverUrl?: string; code?: string; form?: string };

export function EnrollScreen({ onEnrolled }: { onEnrolled: (e: Enrollment) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [serverUrl, setServerUrl] = useState("");
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  useFirstScreenShown("enrollment", true);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing: FieldErrors = {};
    if (!serverUrl.trim()) missing.serverUrl = "enroll.required";
    if (!code.trim()) missing.code = "enroll.required";
    setErrors(missing);
    if (missing.serverUrl || missing.code) return;
    setBusy(true);
    try {
      onEnrolled(await api.enroll(serverUrl.trim(), code.trim()));
    } catch (e: unknown) {
      const error: CommandError = asCommandError(e);
      const field = errorField(error.code) ?? "form";
      setErrors({ [field]: errorKey(error.code) });
    } finally {
      setBusy(false);
    }
  };

  const field = (name: "serverUrl" | "code", value: string, set: (v: string) => void, extra: object) => {
    const error = errors[name];
    return (
      <div className="field">
        <label htmlFor={`${id}-${name}`}>{t(`enroll.${name}`)}</label>
        <input
          id={`${id}-${name}`}
          name={name}
          value={value}
          onChange={(e) => set(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-${name}-hint${error ? ` ${id}-${name}-error` : ""}`}
          disabled={busy}
          {...extra}
        />
        <p className="hint" id={`${id}-${name}-hint`}>
          {t(`enroll.${name}Hint`)}
        </p>
        {error && (
          <p className="field-error" id={`${id}-${name}-error`} role="alert" data-testid={`${name}-error`}>
            {t(error)}
          </p>
        )}
      </div>
    );
  };

  return (
    <section className="panel enroll">
      <h1>{t("enroll.title")}</h1>
      <p>{t("enroll.intro")}</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        {field("serverUrl", serverUrl, setServerUrl, { type: "url", inputMode: "url", autoComplete: "url", spellCheck: false })}
        {field("code", code, setCode, { autoComplete: "off", autoCapitalize: "characters", spellCheck: false, className: "code-input" })}
        {errors.form && (
          <p className="field-error" role="alert" data-testid="form-error">
            {t(errors.form)}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t("enroll.submitting") : t("enroll.submit")}
        </button>
      </form>
    </section>
  );
}
