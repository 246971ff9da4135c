// First: it mends what uPlot reads as it loads.
import "./localeGuard";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import {
  api,
  asCommandError,
  type CentreDashboard,
  type CentreDevice,
  type CommandError,
  type DeviceEnrollmentCode,
  type DeviceOutbox,
  type Kept,
  type NamedCount,
  type OutboxReport,
  type PrintOutcome,
  type StaffList,
} from "../api";
import { errorKey, type Language } from "../i18n";
import { formatSyncTime } from "../format";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { ReceiptOutcome } from "../cases/Receipt";
import { DayChart, type Series } from "./Chart";

type Part = "overview" | "staff" | "devices";
const STAFF_ROLES = ["clerk", "librarian", "trainer", "admin"] as const;

/** The centre administrator's screen: the centre's figures, its staff and its devices. */
export default function AdminScreen({ myCode, myDeskName }: { myCode: string; myDeskName: string }) {
  const { t } = useTranslation();
  const [part, setPart] = useState<Part>("overview");
  return (
    <section className="admin" aria-labelledby="admin-title" data-testid="admin-screen">
      <h1 id="admin-title">{t("admin.title")}</h1>
      <nav className="section-tabs sub-tabs" aria-label={t("admin.parts")}>
        {(["overview", "staff", "devices"] as const).map((p) => (
          <button key={p} type="button" aria-pressed={part === p} onClick={() => setPart(p)} data-testid={`admin-tab-${p}`}>
            {t(`admin.part.${p}`)}
          </button>
        ))}
      </nav>
      {part === "overview" && <Overview />}
      {part === "staff" && <Staff myCode={myCode} />}
      {part === "devices" && <Devices myDeskName={myDeskName} />}
    </section>
  );
}

/** Loads a kept answer; `reload` reads it again. */
function useKept<T>(load: () => Promise<Kept<T>>) {
  const [kept, setKept] = useState<Kept<T> | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const reload = useCallback(() => {
    setError(null);
    load()
      .then(setKept)
      .catch((e: unknown) => setError(asCommandError(e)));
  }, [load]);
  useEffect(reload, [reload]);
  return { kept, error, reload };
}

/** When the figures were read, and a warning when they are the desk's last copy. */
function ReadAt({ kept, onRetry }: { kept: Kept<unknown>; onRetry: () => void }) {
  const { t, i18n } = useTranslation();
  const time = formatSyncTime(kept.read_at, i18n.language as Language);
  if (!kept.stored) {
    return (
      <p className="muted" data-testid="admin-read-at">
        {t("admin.readAt", { time })}
      </p>
    );
  }
  return (
    <p className="notice" role="status" data-testid="admin-stored">
      {t("admin.stored", { time })}{" "}
      <button type="button" className="link-button" onClick={onRetry}>
        {t("admin.retry")}
      </button>
    </p>
  );
}

function LoadError({ error, onRetry }: { error: CommandError; onRetry: () => void }) {
  const { t } = useTranslation();
  return (
    <p className="field-error" role="alert" data-testid="admin-error">
      {t(errorKey(error.code))}{" "}
      <button type="button" className="link-button" onClick={onRetry}>
        {t("admin.retry")}
      </button>
    </p>
  );
}

function Overview() {
  const { t, i18n } = useTranslation();
  const load = useCallback(() => api.centreDashboard(), []);
  const { kept, error, reload } = useKept<CentreDashboard>(load);
  // Clerks by name where the staff list knows them (it is kept too, so this works offline).
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    api
      .centreStaff()
      .then((staff) => setNames(Object.fromEntries(staff.answer.members.filter((m) => m.name).map((m) => [m.personal_code, m.name]))))
      .catch(() => setNames({}));
  }, []);
  const language = i18n.language as Language;
  // Stable per language, so the charts are drawn again only when the language changes.
  const dayName = useCallback(
    (day: string) =>
      new Intl.DateTimeFormat(language === "lv" ? "lv-LV" : "en-GB", { day: "numeric", month: "short", timeZone: "UTC" }).format(
        new Date(`${day}T12:00:00Z`),
      ),
    [language],
  );
  const [saved, setSaved] = useState<PrintOutcome | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!kept) return <p aria-busy="true">{t("admin.loading")}</p>;
  const figures = kept.answer;
  const serviceName = (key: string) => kept.names[key] ?? key;
  const channelName = (key: string) => t(`catalogue.channel.${key}`, { defaultValue: key });
  const clerkName = (key: string) => (names[key] ? `${names[key]} (${key})` : key);
  return (
    <div className="admin-overview">
      <ReadAt kept={kept} onRetry={reload} />
      <dl className="figures" data-testid="admin-figures">
        <div>
          <dt>{t("admin.today")}</dt>
          <dd data-testid="figure-today">{figures.today.cases}</dd>
        </div>
        <div>
          <dt>{t("admin.month")}</dt>
          <dd data-testid="figure-month">{figures.month.cases}</dd>
        </div>
        <div>
          <dt>{t("admin.messagesSent")}</dt>
          <dd data-testid="figure-messages">
            {t("admin.messagesRead", { sent: figures.messages.sent, read: figures.messages.read })}
          </dd>
        </div>
      </dl>
      <Outboxes outboxes={figures.outboxes ?? []} />
      <CasesChart figures={figures} dayName={dayName} />
      <TimesChart figures={figures} dayName={dayName} />
      <div className="admin-columns">
        <CountTable caption={t("admin.byService")} counts={figures.month.by_service} name={serviceName} testId="by-service" />
        <CountTable caption={t("admin.byChannel")} counts={figures.month.by_channel} name={channelName} testId="by-channel" />
        <CountTable caption={t("admin.byClerk")} counts={figures.month.by_clerk} name={clerkName} testId="by-clerk" />
      </div>
      <p className="actions">
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setSaveError(null);
            api
              .saveCentreFigures()
              .then(setSaved)
              .catch((e: unknown) => setSaveError(t(errorKey(asCommandError(e).code))));
          }}
          data-testid="admin-save-csv"
        >
          {t("admin.saveCsv")}
        </button>
      </p>
      <ReceiptOutcome outcome={saved} testId="admin-csv-saved" />
      {saveError && (
        <p className="field-error" role="alert">
          {saveError}
        </p>
      )}
    </div>
  );
}

/** A chart of days and, for screen readers, the same numbers as a table (one column a series). */
function ChartFigure({
  caption,
  figures,
  series,
  yLabel,
  format,
  dayName,
  testId,
}: {
  caption: string;
  figures: CentreDashboard;
  series: Series[];
  yLabel: string;
  format: (value: number | null) => string;
  dayName: (d: string) => string;
  testId: string;
}) {
  const { t } = useTranslation();
  const days = useMemo(() => figures.days.map((d) => d.day), [figures]);
  return (
    <figure className="admin-chart">
      <figcaption>{caption}</figcaption>
      <DayChart days={days} series={series} yLabel={yLabel} dayName={dayName} testId={`chart-${testId}`} />
      <details>
        <summary>{t("admin.asTable")}</summary>
        <table className="cases-table" data-testid={`table-${testId}`}>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">{t("admin.day")}</th>
              {series.map((s) => (
                <th scope="col" key={s.label}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {figures.days.map((d, index) => (
              <tr key={d.day}>
                <th scope="row">{dayName(d.day)}</th>
                {series.map((s) => (
                  <td key={s.label}>{format(s.values[index])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

function CasesChart({ figures, dayName }: { figures: CentreDashboard; dayName: (d: string) => string }) {
  const { t } = useTranslation();
  const series: Series[] = useMemo(
    () => [{ label: t("admin.cases"), values: figures.days.map((d) => d.cases), colour: "#1a5fb4", bars: true }],
    [figures, t],
  );
  return (
    <ChartFigure
      caption={t("admin.casesPerDay")}
      figures={figures}
      series={series}
      yLabel={t("admin.cases")}
      format={(value) => String(value ?? 0)}
      dayName={dayName}
      testId="cases"
    />
  );
}

function TimesChart({ figures, dayName }: { figures: CentreDashboard; dayName: (d: string) => string }) {
  const { t } = useTranslation();
  const series: Series[] = useMemo(
    () => [
      { label: t("admin.waitingMedian"), values: figures.days.map((d) => d.waiting_median_minutes), colour: "#c64600" },
      { label: t("admin.waitingP90"), values: figures.days.map((d) => d.waiting_p90_minutes), colour: "#c64600", dash: [6, 4] },
      { label: t("admin.serviceMedian"), values: figures.days.map((d) => d.service_median_minutes), colour: "#26734d" },
      { label: t("admin.serviceP90"), values: figures.days.map((d) => d.service_p90_minutes), colour: "#26734d", dash: [6, 4] },
    ],
    [figures, t],
  );
  return (
    <ChartFigure
      caption={t("admin.timesPerDay")}
      figures={figures}
      series={series}
      yLabel={t("admin.minutesAxis")}
      format={(m) => (m === null ? "—" : t("admin.minutes", { count: m }))}
      dayName={dayName}
      testId="times"
    />
  );
}

function CountTable({ caption, counts, name, testId }: { caption: string; counts: NamedCount[]; name: (key: string) => string; testId: string }) {
  const { t } = useTranslation();
  return (
    <table className="cases-table count-table" data-testid={testId}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t("admin.name")}</th>
          <th scope="col">{t("admin.cases")}</th>
        </tr>
      </thead>
      <tbody>
        {counts.length === 0 && (
          <tr>
            <td colSpan={2} className="muted">
              {t("admin.none")}
            </td>
          </tr>
        )}
        {counts.map((c) => (
          <tr key={c.key}>
            <th scope="row">{name(c.key)}</th>
            <td>{c.cases}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A change's failure in words that fit what was tried. */
function changeError(t: (key: string) => string, e: unknown, conflictKey: string): string {
  const error = asCommandError(e);
  return error.code === "conflict" ? t(conflictKey) : t(errorKey(error.code));
}

function Staff({ myCode }: { myCode: string }) {
  const { t, i18n } = useTranslation();
  const load = useCallback(() => api.centreStaff(), []);
  const { kept, error, reload } = useKept<StaffList>(load);
  const [code, setCode] = useState("");
  const [role, setRole] = useState<(typeof STAFF_ROLES)[number]>("clerk");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [asking, setAsking] = useState<{ code: string; name: string; role: string } | null>(null);
  const language = i18n.language as Language;
  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!kept) return <p aria-busy="true">{t("admin.loading")}</p>;
  const grant = (event: React.FormEvent) => {
    event.preventDefault();
    setMessage(null);
    api
      .grantRole(code.trim(), role)
      .then(() => {
        setMessage({ ok: true, text: t("admin.granted", { code: code.trim(), role: t(`login.roles.${role}`) }) });
        setCode("");
        reload();
      })
      .catch((e: unknown) => setMessage({ ok: false, text: changeError(t, e, "admin.conflict") }));
  };
  const revoke = (who: { code: string; role: string }) => {
    setAsking(null);
    setMessage(null);
    api
      .revokeRole(who.code, who.role)
      .then(() => {
        setMessage({ ok: true, text: t("admin.revoked", { code: who.code, role: t(`login.roles.${who.role}`) }) });
        reload();
      })
      .catch((e: unknown) => setMessage({ ok: false, text: changeError(t, e, "admin.ownRole") }));
  };
  return (
    <div className="admin-staff">
      <ReadAt kept={kept} onRetry={reload} />
      <form className="admin-form" onSubmit={grant} aria-labelledby="grant-title">
        <h2 id="grant-title">{t("admin.grantTitle")}</h2>
        <div className="field">
          <label htmlFor="grant-code">{t("admin.personalCode")}</label>
          <input id="grant-code" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" inputMode="numeric" required data-testid="grant-code" />
        </div>
        <div className="field">
          <label htmlFor="grant-role">{t("admin.role")}</label>
          <select id="grant-role" value={role} onChange={(e) => setRole(e.target.value as typeof role)} data-testid="grant-role">
            {STAFF_ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`login.roles.${r}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="primary" disabled={kept.stored} data-testid="grant-submit">
          {t("admin.grant")}
        </button>
        {kept.stored && <p className="hint">{t("admin.needsServer")}</p>}
      </form>
      {message && (
        <p className={message.ok ? "notice" : "field-error"} role={message.ok ? "status" : "alert"} data-testid="staff-message">
          {message.text}
        </p>
      )}
      <table className="cases-table" data-testid="staff-table">
        <caption>{t("admin.staffTitle")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("admin.person")}</th>
            <th scope="col">{t("admin.roles")}</th>
            <th scope="col">{t("admin.lastLogin")}</th>
          </tr>
        </thead>
        <tbody>
          {kept.answer.members.map((m) => (
            <tr key={m.personal_code} data-testid={`staff-${m.personal_code}`}>
              <th scope="row">
                {m.name || t("admin.neverLoggedIn")}
                <br />
                <span className="muted">{m.personal_code}</span>
              </th>
              <td>
                <ul className="role-list">
                  {m.roles.map((r) => (
                    <li key={r}>
                      {t(`login.roles.${r}`, { defaultValue: r })}{" "}
                      {!(r === "admin" && m.personal_code === myCode) && (
                        <button
                          type="button"
                          className="link-button"
                          disabled={kept.stored}
                          onClick={() => setAsking({ code: m.personal_code, name: m.name || m.personal_code, role: r })}
                          aria-label={t("admin.revokeLabel", { role: t(`login.roles.${r}`), name: m.name || m.personal_code })}
                          data-testid={`revoke-${m.personal_code}-${r}`}
                        >
                          {t("admin.revoke")}
                        </button>
                      )}
                    </li>
                  ))}
                </ul>
              </td>
              <td>{m.last_login_at ? formatSyncTime(m.last_login_at, language) : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table className="cases-table" data-testid="login-events">
        <caption>{t("admin.loginsTitle")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("admin.when")}</th>
            <th scope="col">{t("admin.event")}</th>
            <th scope="col">{t("admin.person")}</th>
            <th scope="col">{t("admin.device")}</th>
          </tr>
        </thead>
        <tbody>
          {kept.answer.logins.slice(0, 30).map((e, i) => (
            <tr key={`${e.at}-${i}`}>
              <td>{formatSyncTime(e.at, language)}</td>
              <td>{t(`admin.events.${e.kind}`, { defaultValue: e.kind })}</td>
              <td>{e.personal_code ?? "—"}</td>
              <td>{e.device_name || "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {asking && (
        <ConfirmDialog
          title={t("admin.revokeTitle")}
          text={t("admin.revokeText", { name: asking.name, role: t(`login.roles.${asking.role}`) })}
          confirm={t("admin.revokeConfirm")}
          cancel={t("admin.keep")}
          onConfirm={() => revoke(asking)}
          onCancel={() => setAsking(null)}
          testId="revoke-role-dialog"
        />
      )}
    </div>
  );
}

function Devices({ myDeskName }: { myDeskName: string }) {
  const { t, i18n } = useTranslation();
  const load = useCallback(() => api.centreDevices(), []);
  const { kept, error, reload } = useKept<{ devices: CentreDevice[] }>(load);
  const [kind, setKind] = useState<"desk" | "kiosk">("desk");
  const [name, setName] = useState("");
  const [code, setCode] = useState<DeviceEnrollmentCode | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [asking, setAsking] = useState<CentreDevice | null>(null);
  const language = i18n.language as Language;
  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!kept) return <p aria-busy="true">{t("admin.loading")}</p>;
  const add = (event: React.FormEvent) => {
    event.preventDefault();
    setMessage(null);
    setCode(null);
    api
      .addCentreDevice(kind, name)
      .then((added) => {
        setCode(added);
        setName("");
        reload();
      })
      .catch((e: unknown) => setMessage(changeError(t, e, "admin.nameTaken")));
  };
  const renew = (device: CentreDevice) => {
    setMessage(null);
    api
      .renewDeviceCode(device.id)
      .then((renewed) => {
        setCode(renewed);
        reload();
      })
      .catch((e: unknown) => setMessage(changeError(t, e, "admin.alreadyEnrolled")));
  };
  const revoke = (device: CentreDevice) => {
    setAsking(null);
    setMessage(null);
    api
      .revokeCentreDevice(device.id)
      .then(reload)
      .catch((e: unknown) => setMessage(changeError(t, e, "admin.ownDevice")));
  };
  return (
    <div className="admin-devices">
      <ReadAt kept={kept} onRetry={reload} />
      <form className="admin-form" onSubmit={add} aria-labelledby="add-device-title">
        <h2 id="add-device-title">{t("admin.addDeviceTitle")}</h2>
        <fieldset>
          <legend>{t("admin.kind")}</legend>
          {(["desk", "kiosk"] as const).map((k) => (
            <label key={k} className="toggle">
              <input type="radio" name="device-kind" value={k} checked={kind === k} onChange={() => setKind(k)} data-testid={`device-kind-${k}`} />
              {t(`admin.kinds.${k}`)}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="device-name">{t("admin.deviceName")}</label>
          <input id="device-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={60} data-testid="device-name-input" />
          <p className="hint">{t("admin.deviceNameHint")}</p>
        </div>
        <button type="submit" className="primary" disabled={kept.stored} data-testid="add-device">
          {t("admin.addDevice")}
        </button>
        {kept.stored && <p className="hint">{t("admin.needsServer")}</p>}
      </form>
      {code && (
        <div className="notice enrollment-code" role="status" data-testid="device-code">
          <p>{t("admin.codeFor", { name: code.device.name })}</p>
          <p className="code-input big-code" data-testid="device-code-value">
            {code.code}
          </p>
          <p className="hint">{t("admin.codeHint", { until: formatSyncTime(code.device.enrollment_expires_at, language) })}</p>
        </div>
      )}
      {message && (
        <p className="field-error" role="alert" data-testid="device-message">
          {message}
        </p>
      )}
      <table className="cases-table" data-testid="device-table">
        <caption>{t("admin.devicesTitle")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("admin.device")}</th>
            <th scope="col">{t("admin.state")}</th>
            <th scope="col">{t("admin.lastContact")}</th>
            <th scope="col">{t("admin.version")}</th>
            <th scope="col">{t("admin.outbox")}</th>
            <th scope="col">
              <span className="visually-hidden">{t("admin.actions")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {kept.answer.devices.map((d) => (
            <tr key={d.id} data-testid={`device-${d.name}`}>
              <th scope="row">
                {d.name}
                <br />
                <span className="muted">
                  {t(`admin.kinds.${d.kind}`)}
                  {d.desk_number !== null && ` ${String(d.desk_number).padStart(2, "0")}`}
                  {d.name === myDeskName && ` · ${t("admin.thisDesk")}`}
                </span>
              </th>
              <td>
                <span className={`badge state-${d.state}`}>{t(`admin.states.${d.state}`)}</span>
              </td>
              <td data-testid={`device-seen-${d.name}`}>
                {d.last_seen_at ? formatSyncTime(d.last_seen_at, language) : "—"}
                {d.unseen && (
                  <>
                    <br />
                    <span className="badge state-refused">{t("admin.unseen")}</span>
                  </>
                )}
              </td>
              <td data-testid={`device-version-${d.name}`}>
                {d.reported_version ?? "—"}
                {d.behind && (
                  <>
                    <br />
                    <span className="badge state-queued">{t("admin.behind", { newest: d.behind })}</span>
                  </>
                )}
              </td>
              <td data-testid={`device-outbox-${d.name}`}>{d.outbox ? <OutboxText outbox={d.outbox} /> : "—"}</td>
              <td>
                {(d.state === "waiting" || d.state === "expired") && (
                  <button type="button" className="link-button" disabled={kept.stored} onClick={() => renew(d)} data-testid={`renew-${d.name}`}>
                    {t("admin.newCode")}
                  </button>
                )}
                {d.state !== "revoked" && d.name !== myDeskName && (
                  <button
                    type="button"
                    className="link-button"
                    disabled={kept.stored}
                    onClick={() => setAsking(d)}
                    aria-label={t("admin.revokeDeviceLabel", { name: d.name })}
                    data-testid={`revoke-device-${d.name}`}
                  >
                    {t("admin.revokeDevice")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {asking && (
        <ConfirmDialog
          title={t("admin.revokeDeviceTitle")}
          text={t("admin.revokeDeviceText", { name: asking.name })}
          confirm={t("admin.revokeDeviceConfirm")}
          cancel={t("admin.keep")}
          onConfirm={() => revoke(asking)}
          onCancel={() => setAsking(null)}
          testId="revoke-device-dialog"
        />
      )}
    </div>
  );
}

/** What a device's outbox holds, in words: waiting (since when) and refused. */
function OutboxText({ outbox }: { outbox: OutboxReport }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language as Language;
  if (outbox.pending === 0 && outbox.refused === 0) return <>{t("admin.outboxEmpty")}</>;
  return (
    <>
      {outbox.pending > 0 && (
        <span className="badge state-queued">
          {t("admin.outboxPending", { count: outbox.pending })}
          {outbox.oldest && ` ${t("admin.outboxSince", { time: formatSyncTime(outbox.oldest, language) })}`}
        </span>
      )}{" "}
      {outbox.refused > 0 && <span className="badge state-refused">{t("admin.outboxRefused", { count: outbox.refused })}</span>}
    </>
  );
}

/** The centre's desks and kiosks whose outbox holds something, as each said at its last contact:
 *  what waits there is not in these figures yet, and refused entries need a clerk at that desk. */
function Outboxes({ outboxes }: { outboxes: DeviceOutbox[] }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language as Language;
  return (
    <section aria-labelledby="outboxes-title" className="admin-outboxes" data-testid="admin-outboxes">
      <h2 id="outboxes-title">{t("admin.outboxesTitle")}</h2>
      {outboxes.length === 0 ? (
        <p className="muted">{t("admin.outboxesNone")}</p>
      ) : (
        <ul>
          {outboxes.map((o) => (
            <li key={o.device_id} data-testid={`outbox-${o.name}`}>
              <strong>{o.name}</strong>: <OutboxText outbox={o.outbox} />{" "}
              <span className="muted">
                {o.reported_at ? t("admin.outboxReported", { time: formatSyncTime(o.reported_at, language) }) : ""}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
