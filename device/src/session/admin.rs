//! The centre administrator's screens at a desk: the centre's figures, staff and devices from the
//! server, each kept on the device when read so the administrator can still look at the last
//! ones (marked with their time) while the server is away; changes need the server.

use chrono::{DateTime, Utc};
use protocol::{CentreDashboard, CentreDevices, DeviceEnrollmentCode, GrantRoleRequest, NewDeviceRequest, StaffList};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::{DeviceSession, SessionError};
use crate::ErrorCode;

/// An answer of the server's, and when it was read: now, or earlier when the server is away
/// (`stored`: shown from the device's copy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kept<T> {
    pub answer: T,
    pub read_at: DateTime<Utc>,
    pub stored: bool,
    /// What the answer names by id (services), in the desk's language from its catalogue.
    #[serde(default)]
    pub names: std::collections::BTreeMap<String, String>,
}

/// A CSV field, quoted when it must be (RFC 4180).
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

fn figures_csv(kept: &Kept<CentreDashboard>) -> String {
    let minutes = |m: Option<u32>| m.map(|m| m.to_string()).unwrap_or_default();
    let mut out = String::from(
        "\u{feff}day,cases,waiting_median_minutes,waiting_p90_minutes,service_median_minutes,service_p90_minutes\r\n",
    );
    for day in &kept.answer.days {
        out.push_str(&format!(
            "{},{},{},{},{},{}\r\n",
            day.day,
            day.cases,
            minutes(day.waiting_median_minutes),
            minutes(day.waiting_p90_minutes),
            minutes(day.service_median_minutes),
            minutes(day.service_p90_minutes)
        ));
    }
    out.push_str("\r\nby,key,name,cases_this_month\r\n");
    let month = &kept.answer.month;
    for (by, counts) in [("service", &month.by_service), ("channel", &month.by_channel), ("clerk", &month.by_clerk)] {
        for count in counts {
            let name = kept.names.get(&count.key).map(String::as_str).unwrap_or_default();
            out.push_str(&format!("{by},{},{},{}\r\n", field(&count.key), field(name), count.cases));
        }
    }
    out
}

fn invalid(code: ErrorCode, message: impl Into<String>) -> SessionError {
    SessionError::new(code, message)
}

impl DeviceSession {
    /// Refused unless the person logged in here holds the centre's administrator role.
    fn require_admin(&self) -> Result<(), SessionError> {
        let view = self.login.view();
        match (view.state, view.person) {
            ("logged_in", Some(person)) if person.roles.iter().any(|r| r == "admin") => Ok(()),
            ("logged_in", Some(_)) => {
                Err(invalid(ErrorCode::NotAdministrator, "this needs the centre's administrator role"))
            }
            _ => Err(invalid(ErrorCode::NotLoggedIn, "log in with your eID card")),
        }
    }

    /// Reads `path` from the server and keeps it under `key`; while the server cannot be
    /// reached (or the login is offline), answers the copy kept last.
    async fn read_kept<T: Serialize + DeserializeOwned>(&self, key: &str, path: &str) -> Result<Kept<T>, SessionError> {
        self.require_admin()?;
        let key = format!("admin:{key}");
        let fresh = match self.person_call() {
            Ok((client, credentials, token)) => {
                client.get_as_person::<T>(&credentials, &token, path).await.map_err(Into::into)
            }
            Err(error) => Err(error),
        };
        let offline = |error: &SessionError| matches!(error.code, ErrorCode::Unreachable | ErrorCode::SessionInvalid);
        match fresh {
            Ok(answer) => {
                let kept = Kept { answer, read_at: (self.clock)(), stored: false, names: Default::default() };
                let text = serde_json::to_string(&kept).map_err(|e| invalid(ErrorCode::Internal, e.to_string()))?;
                self.store.set_setting(&key, &text)?;
                Ok(kept)
            }
            Err(error) if offline(&error) => match self.store.setting(&key)? {
                Some(text) => {
                    let mut kept: Kept<T> =
                        serde_json::from_str(&text).map_err(|e| invalid(ErrorCode::LocalStore, e.to_string()))?;
                    kept.stored = true;
                    Ok(kept)
                }
                None => Err(error),
            },
            Err(error) => Err(error),
        }
    }

    /// The centre's figures (today, this month, 30 days).
    pub async fn centre_dashboard(&self) -> Result<Kept<CentreDashboard>, SessionError> {
        let mut kept: Kept<CentreDashboard> = self.read_kept("dashboard", protocol::ADMIN_DASHBOARD_PATH).await?;
        let mut context = super::cases::CaseContext::new(&self.store, self.language()?);
        for count in kept.answer.month.by_service.iter().chain(&kept.answer.today.by_service) {
            kept.names.entry(count.key.clone()).or_insert_with(|| context.service(&count.key));
        }
        Ok(kept)
    }

    /// The figures last read, as a spreadsheet (CSV, UTF-8 with a byte-order mark so spreadsheet
    /// programs read the letters right) saved among the desk's copies: the 30 days, then this
    /// month's cases by service, channel and clerk.
    pub async fn save_centre_figures(&self) -> Result<super::PrintOutcome, SessionError> {
        let kept = self.centre_dashboard().await?;
        let csv = figures_csv(&kept);
        let name = format!("pietura-{}-{}.csv", kept.answer.centre.code, kept.answer.computed_at.format("%Y-%m-%d"));
        self.save_copy(&name, csv.as_bytes(), false)
    }

    /// The centre's staff and the newest logins on its devices.
    pub async fn centre_staff(&self) -> Result<Kept<StaffList>, SessionError> {
        self.read_kept("staff", protocol::ADMIN_STAFF_PATH).await
    }

    /// The centre's devices.
    pub async fn centre_devices(&self) -> Result<Kept<CentreDevices>, SessionError> {
        self.read_kept("devices", protocol::ADMIN_DEVICES_PATH).await
    }

    async fn admin_send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, SessionError> {
        self.require_admin()?;
        let (client, credentials, token) = self.person_call()?;
        Ok(client.send_as_person(method, &credentials, &token, path, body).await?)
    }

    /// Grants a role at the centre to the person with `personal_code`.
    pub async fn grant_role(&self, personal_code: &str, role: &str) -> Result<StaffList, SessionError> {
        let code = domain::PersonalCode::parse(personal_code.trim())
            .map_err(|e| invalid(ErrorCode::PersonalCodeInvalid, e.to_string()))?;
        let body = GrantRoleRequest { personal_code: code.to_string(), role: role.to_owned() };
        self.admin_send(reqwest::Method::POST, protocol::ADMIN_STAFF_PATH, Some(&body)).await
    }

    /// Takes a role away at the centre.
    pub async fn revoke_role(&self, personal_code: &str, role: &str) -> Result<(), SessionError> {
        let code = domain::PersonalCode::parse(personal_code)
            .map_err(|e| invalid(ErrorCode::PersonalCodeInvalid, e.to_string()))?;
        let role = domain::Role::staff(role)
            .ok_or_else(|| invalid(ErrorCode::NotFound, format!("{role:?} is not a staff role")))?;
        let path = format!("/v1/admin/staff/{code}/roles/{}", role.as_str());
        self.admin_send::<(), ()>(reqwest::Method::DELETE, &path, None).await
    }

    /// Adds a desk or kiosk to the centre; answers its one-time enrollment code.
    pub async fn add_centre_device(&self, kind: &str, name: &str) -> Result<DeviceEnrollmentCode, SessionError> {
        let kind = match kind {
            "desk" => domain::DeviceKind::Desk,
            "kiosk" => domain::DeviceKind::Kiosk,
            other => return Err(invalid(ErrorCode::NotFound, format!("{other:?} is not a kind of device"))),
        };
        let body = NewDeviceRequest { kind, name: name.trim().to_owned() };
        self.admin_send(reqwest::Method::POST, protocol::ADMIN_DEVICES_PATH, Some(&body)).await
    }

    /// Revokes one of the centre's devices.
    pub async fn revoke_centre_device(&self, id: uuid::Uuid) -> Result<(), SessionError> {
        self.admin_send::<(), ()>(reqwest::Method::DELETE, &format!("/v1/admin/devices/{id}"), None).await
    }

    /// A new enrollment code for a device of the centre that has not enrolled yet.
    pub async fn renew_device_code(&self, id: uuid::Uuid) -> Result<DeviceEnrollmentCode, SessionError> {
        self.admin_send::<(), _>(reqwest::Method::POST, &format!("/v1/admin/devices/{id}/code"), None).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{DayFigures, MessageFigures, NamedCount, PeriodFigures};

    #[test]
    fn the_figures_csv_has_every_day_and_quotes_what_needs_it() {
        let period = |by_service| PeriodFigures { cases: 2, by_service, by_channel: vec![], by_clerk: vec![] };
        let day = chrono::NaiveDate::from_ymd_opt(2027, 3, 10).unwrap();
        let dashboard = CentreDashboard {
            centre: domain::Centre {
                id: uuid::Uuid::nil(),
                name: "C".into(),
                municipality: "R".into(),
                code: "RCV".into(),
            },
            computed_at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            today: period(vec![]),
            month: period(vec![NamedCount { key: "https://x/s".into(), cases: 2 }]),
            days: vec![DayFigures {
                day,
                cases: 2,
                waiting_median_minutes: Some(4),
                waiting_p90_minutes: Some(9),
                service_median_minutes: None,
                service_p90_minutes: None,
            }],
            messages: MessageFigures { sent: 0, read: 0 },
            outboxes: vec![],
        };
        let names = [("https://x/s".to_owned(), "Suņa \"Reksis\", reģistrācija".to_owned())].into();
        let read_at = dashboard.computed_at;
        let csv = figures_csv(&Kept { answer: dashboard, read_at, stored: false, names });
        assert!(csv.starts_with("\u{feff}day,cases,"));
        assert!(csv.contains("\r\n2027-03-10,2,4,9,,\r\n"), "{csv}");
        assert!(csv.contains("service,https://x/s,\"Suņa \"\"Reksis\"\", reģistrācija\",2\r\n"), "{csv}");
    }
}
