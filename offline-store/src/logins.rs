//! People pinned for offline unlock: their certificate and roles from their last online login.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use crate::{Store, StoreError};

/// What the device remembers of a person's last online login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedLogin {
    pub personal_code: String,
    /// The authentication certificate (DER) the server accepted.
    pub certificate: Vec<u8>,
    pub given_name: String,
    pub surname: String,
    pub roles: Vec<String>,
    pub last_online_login_at: DateTime<Utc>,
}

impl Store {
    /// Remembers (or refreshes) a person after an online login.
    pub fn pin_login(&self, login: &PinnedLogin) -> Result<(), StoreError> {
        self.connection().execute(
            "INSERT INTO pinned_logins (personal_code, certificate, given_name, surname, roles, last_online_login_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (personal_code) DO UPDATE SET certificate = excluded.certificate,
                 given_name = excluded.given_name, surname = excluded.surname, roles = excluded.roles,
                 last_online_login_at = excluded.last_online_login_at",
            params![
                login.personal_code,
                login.certificate,
                login.given_name,
                login.surname,
                login.roles.join(","),
                login.last_online_login_at
            ],
        )?;
        Ok(())
    }

    /// The person pinned with exactly this certificate, if any.
    pub fn pinned_login(&self, certificate: &[u8]) -> Result<Option<PinnedLogin>, StoreError> {
        Ok(self
            .connection()
            .query_row(
                "SELECT personal_code, certificate, given_name, surname, roles, last_online_login_at
                 FROM pinned_logins WHERE certificate = ?1",
                params![certificate],
                |r| {
                    Ok(PinnedLogin {
                        personal_code: r.get(0)?,
                        certificate: r.get(1)?,
                        given_name: r.get(2)?,
                        surname: r.get(3)?,
                        roles: r.get::<_, String>(4)?.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
                        last_online_login_at: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DatabaseKey;

    #[test]
    fn a_login_is_pinned_by_its_certificate_and_refreshed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db"), &DatabaseKey::generate().unwrap()).unwrap();
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut login = PinnedLogin {
            personal_code: "161175-19997".into(),
            certificate: vec![1, 2, 3],
            given_name: "ILZE".into(),
            surname: "OZOLIŅA".into(),
            roles: vec!["clerk".into(), "trainer".into()],
            last_online_login_at: at,
        };
        store.pin_login(&login).unwrap();
        assert_eq!(store.pinned_login(&[1, 2, 3]).unwrap(), Some(login.clone()));
        assert_eq!(store.pinned_login(&[1, 2, 4]).unwrap(), None);
        // A renewed card replaces the old certificate.
        login.certificate = vec![9, 9];
        login.last_online_login_at = at + chrono::Duration::days(1);
        store.pin_login(&login).unwrap();
        assert_eq!(store.pinned_login(&[1, 2, 3]).unwrap(), None);
        assert_eq!(store.pinned_login(&[9, 9]).unwrap(), Some(login));
    }
}
