import { useTranslation } from "react-i18next";
import type { Enrollment } from "../api";

export function HomeScreen({ enrollment }: { enrollment: Enrollment }) {
  const { t } = useTranslation();
  return (
    <section className="panel home">
      <p className="eyebrow">{t("home.welcome")}</p>
      <h1 data-testid="centre-name">{enrollment.centre_name}</h1>
      <dl className="facts">
        <dt>{t("home.municipality")}</dt>
        <dd>{enrollment.centre_municipality}</dd>
        <dt>{t("home.device")}</dt>
        <dd data-testid="device-name">{enrollment.device_name}</dd>
        <dt>{t("home.server")}</dt>
        <dd>{enrollment.server_url}</dd>
      </dl>
      <p className="muted">{t("home.next")}</p>
    </section>
  );
}
