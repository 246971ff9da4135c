import { useTranslation } from "react-i18next";
import { LANGUAGES, type Language } from "../i18n";

export function LanguageSwitch({ language, onChange }: { language: Language; onChange: (l: Language) => void }) {
  const { t } = useTranslation();
  return (
    <div className="language-switch" role="group" aria-label={t("language.label")}>
      {LANGUAGES.map((l) => (
        <button
          key={l}
          type="button"
          lang={l}
          aria-pressed={language === l}
          onClick={() => onChange(l)}
          data-testid={`language-${l}`}
        >
          {t(`language.${l}`)}
        </button>
      ))}
    </div>
  );
}
