import { useTranslation } from "react-i18next";
import type { Local } from "../api";

/** A text in another language than the reader's is shown, marked, never left blank. */
export function LocalText({ value }: { value: Local | null | undefined }) {
  const { t } = useTranslation();
  if (!value) return null;
  if (!value.fallback) return <>{value.text}</>;
  return (
    <span lang={value.language || undefined}>
      {value.text}{" "}
      <span className="fallback-mark" title={t("catalogue.onlyIn", { language: value.language || "?" })}>
        ({value.language ? value.language.toUpperCase() : "?"})
      </span>
    </span>
  );
}
