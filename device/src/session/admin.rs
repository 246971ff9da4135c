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
                let kept = Kept { answer, read_at: (self.clock)(), stored: false };
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
        self.read_kept("dashboard", protocol::ADMIN_DASHBOARD_PATH).await
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
        let role = domain::Role::STAFF
            .into_iter()
            .find(|r| r.as_str() == role)
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
