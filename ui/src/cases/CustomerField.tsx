import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, asCommandError } from "../api";
import { errorKey } from "../i18n";
import { useTrainingDesk } from "../training/context";

export interface Customer {
  code: string;
  name: string;
}

/** A personal code or registration number, checked as it is typed, or read from the
 *  customer's eID card in the second reader (no PIN). `valid` is null until checked. */
export function CustomerField({
  value,
  onChange,
  onValid,
  idPrefix,
}: {
  value: Customer;
  onChange: (customer: Customer) => void;
  onValid: (valid: boolean) => void;
  idPrefix: string;
}) {
  const { t } = useTranslation();
  const [problem, setProblem] = useState<string | null>(null);
  const [kind, setKind] = useState<"natural" | "legal" | null>(null);
  const [reading, setReading] = useState(false);

  useEffect(() => {
    const code = value.code.trim();
    if (code.length < 11) {
      setProblem(null);
      setKind(null);
      onValid(false);
      return;
    }
    let current = true;
    api
      .checkCustomerCode(code)
      .then((k) => {
        if (!current) return;
        setKind(k);
        setProblem(null);
        onValid(true);
      })
      .catch((e: unknown) => {
        if (!current) return;
        setKind(null);
        setProblem(t(errorKey(asCommandError(e).code)));
        onValid(false);
      });
    return () => {
      current = false;
    };
  }, [value.code, onValid, t]);

  const training = useTrainingDesk();
  const readCard = () => {
    setReading(true);
    // A training desk has no customer's card in hand: the code typed (from the handout) puts
    // that training customer's card in the customer's training reader first.
    const inserted = training && value.code.trim() ? api.insertTrainingCard(value.code, true) : Promise.resolve(null);
    inserted
      .then(() => api.readCustomerCard())
      .then((card) => {
        if (card) onChange({ code: card.personal_code ?? "", name: card.holder });
      })
      .catch((e: unknown) => setProblem(t(errorKey(asCommandError(e).code))))
      .finally(() => setReading(false));
  };

  return (
    <div className="customer-field">
      <div className="field-row">
        <label htmlFor={`${idPrefix}-code`}>{t("cases.customerCode")}</label>
        <input
          id={`${idPrefix}-code`}
          data-testid={`${idPrefix}-code`}
          value={value.code}
          inputMode="numeric"
          autoComplete="off"
          aria-invalid={problem !== null}
          aria-describedby={`${idPrefix}-code-help`}
          onChange={(e) => onChange({ ...value, code: e.target.value })}
        />
        <button type="button" className="secondary" onClick={readCard} disabled={reading} data-testid={`${idPrefix}-read-card`}>
          {reading ? t("cases.readingCard") : t("cases.readCard")}
        </button>
      </div>
      <p id={`${idPrefix}-code-help`} className={`code-help ${problem ? "field-error" : "muted"}`} role={problem ? "alert" : undefined} data-testid={`${idPrefix}-code-help`}>
        {problem ?? (kind ? t(`cases.customerKind.${kind}`) : t("cases.customerCodeHint"))}
      </p>
      <div className="field-row">
        <label htmlFor={`${idPrefix}-name`}>{t("cases.customerName")}</label>
        <input
          id={`${idPrefix}-name`}
          data-testid={`${idPrefix}-name`}
          value={value.name}
          autoComplete="off"
          onChange={(e) => onChange({ ...value, name: e.target.value })}
        />
      </div>
    </div>
  );
}
