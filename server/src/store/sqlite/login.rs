//! SQLite: card logins: challenges, staff roles, sessions and the log of authentication events.

use super::*;

#[async_trait]
impl LoginStore for SqliteStore {
    async fn add_login_nonce(&self, nonce: LoginNonce, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.with(move |c| {
            c.execute("DELETE FROM login_nonces WHERE expires_at < ?1", params![now]).map_err(db)?;
            c.execute(
                "INSERT INTO login_nonces (nonce_hash, device_id, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![nonce.nonce_hash.as_slice(), nonce.device_id.to_string(), nonce.issued_at, nonce.expires_at],
            )
            .map_err(|e| map_err(e, || "this challenge".into()))?;
            Ok(())
        })
        .await
    }

    async fn take_login_nonce(&self, nonce_hash: [u8; 32]) -> Result<Option<LoginNonce>, StoreError> {
        self.with(move |c| {
            c.query_row(
                "DELETE FROM login_nonces WHERE nonce_hash = ?1 RETURNING device_id, issued_at, expires_at",
                params![nonce_hash.as_slice()],
                |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(db)?
            .map(|(device, issued_at, expires_at)| {
                Ok(LoginNonce { nonce_hash, device_id: parse_uuid(device)?, issued_at, expires_at })
            })
            .transpose()
        })
        .await
    }

    async fn grant_role(
        &self,
        personal_code: &str,
        role: domain::Role,
        centre_id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let personal_code = personal_code.to_owned();
        self.with(move |c| {
            c.execute(
                "INSERT INTO role_grants (personal_code, role, centre_id, granted_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO NOTHING",
                params![personal_code, role.as_str(), centre_id.to_string(), at],
            )
            .map_err(|e| map_err(e, || "this grant".into()))?;
            Ok(())
        })
        .await
    }

    async fn revoke_role(
        &self,
        personal_code: &str,
        role: domain::Role,
        centre_id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let personal_code = personal_code.to_owned();
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let removed = tx
                .execute(
                    "DELETE FROM role_grants WHERE personal_code = ?1 AND role = ?2 AND centre_id = ?3",
                    params![personal_code, role.as_str(), centre_id.to_string()],
                )
                .map_err(db)?;
            tx.execute(
                "UPDATE user_sessions SET ended_at = ?3
                 WHERE personal_code = ?1 AND ended_at IS NULL
                   AND device_id IN (SELECT id FROM devices WHERE centre_id = ?2)",
                params![personal_code, centre_id.to_string(), at],
            )
            .map_err(db)?;
            tx.commit().map_err(db)?;
            Ok(removed > 0)
        })
        .await
    }

    async fn role_grants(&self, personal_code: Option<&str>) -> Result<Vec<RoleGrant>, StoreError> {
        self.grants(personal_code.map(str::to_owned), None).await
    }

    async fn centre_role_grants(&self, centre: Uuid) -> Result<Vec<RoleGrant>, StoreError> {
        self.grants(None, Some(centre)).await
    }

    async fn add_session(&self, session: UserSession) -> Result<(), StoreError> {
        self.with(move |c| {
            c.execute(
                "INSERT INTO user_sessions (token_hash, device_id, personal_code, given_name, surname, roles, issued_at,
                     expires_at, ended_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    session.token_hash.as_slice(),
                    session.device_id.to_string(),
                    session.personal_code,
                    session.given_name,
                    session.surname,
                    roles_to_text(&session.roles),
                    session.issued_at,
                    session.expires_at,
                    session.ended_at
                ],
            )
            .map_err(|e| map_err(e, || "this session".into()))?;
            Ok(())
        })
        .await
    }

    async fn session(&self, token_hash: [u8; 32]) -> Result<Option<UserSession>, StoreError> {
        self.with(move |c| {
            c.query_row(
                "SELECT device_id, personal_code, given_name, surname, roles, issued_at, expires_at, ended_at
                 FROM user_sessions WHERE token_hash = ?1",
                params![token_hash.as_slice()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get::<_, String>(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                    ))
                },
            )
            .optional()
            .map_err(db)?
            .map(|(device, personal_code, given_name, surname, roles, issued_at, expires_at, ended_at)| {
                Ok(UserSession {
                    token_hash,
                    device_id: parse_uuid(device)?,
                    personal_code,
                    given_name,
                    surname,
                    roles: roles_from_text(&roles)?,
                    issued_at,
                    expires_at,
                    ended_at,
                })
            })
            .transpose()
        })
        .await
    }

    async fn end_session(&self, token_hash: [u8; 32], at: DateTime<Utc>) -> Result<(), StoreError> {
        self.with(move |c| {
            c.execute(
                "UPDATE user_sessions SET ended_at = COALESCE(ended_at, ?2) WHERE token_hash = ?1",
                params![token_hash.as_slice(), at],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn add_auth_event(&self, event: AuthEvent) -> Result<(), StoreError> {
        self.with(move |c| {
            // The event and its audit entry together, or neither.
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            tx.execute(
                "INSERT INTO auth_events (at, kind, device_id, personal_code, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    event.at,
                    event.kind,
                    event.device_id.map(|d| d.to_string()),
                    event.personal_code,
                    event.detail
                ],
            )
            .map_err(db)?;
            append_audit_in(&tx, &crate::store::audit_of_auth_event(&event))?;
            tx.commit().map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn centre_auth_events(&self, centre: Uuid, limit: u32) -> Result<Vec<AuthEvent>, StoreError> {
        self.with(move |c| {
            query_auth_events(
                c,
                "SELECT e.at, e.kind, e.device_id, e.personal_code, e.detail FROM auth_events e
                 JOIN devices d ON d.id = e.device_id WHERE d.centre_id = ?1 ORDER BY e.id DESC LIMIT ?2",
                params![centre.to_string(), limit],
            )
        })
        .await
    }

    async fn last_logins(&self, personal_codes: Vec<String>) -> Result<Vec<LastLogin>, StoreError> {
        self.with(move |c| {
            let mut statement = c
                .prepare_cached(
                    "SELECT personal_code, given_name, surname, issued_at FROM user_sessions
                     WHERE personal_code = ?1 ORDER BY issued_at DESC LIMIT 1",
                )
                .map_err(db)?;
            let mut found = Vec::new();
            for code in personal_codes {
                let row = statement
                    .query_row(params![code], |r| {
                        Ok(LastLogin {
                            personal_code: r.get(0)?,
                            given_name: r.get(1)?,
                            surname: r.get(2)?,
                            at: r.get(3)?,
                        })
                    })
                    .optional()
                    .map_err(db)?;
                found.extend(row);
            }
            Ok(found)
        })
        .await
    }

    async fn auth_events(&self, limit: u32) -> Result<Vec<AuthEvent>, StoreError> {
        self.with(move |c| {
            query_auth_events(
                c,
                "SELECT at, kind, device_id, personal_code, detail FROM auth_events ORDER BY id DESC LIMIT ?1",
                params![limit],
            )
        })
        .await
    }
}

/// Auth events from `sql`, which selects at, kind, device_id, personal_code, detail.
fn query_auth_events(
    c: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<AuthEvent>, StoreError> {
    let mut statement = c.prepare(sql).map_err(db)?;
    let rows = statement
        .query_map(params, |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, Option<String>>(2)?, r.get(3)?, r.get(4)?)))
        .map_err(db)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db)?;
    rows.into_iter()
        .map(|(at, kind, device, personal_code, detail)| {
            Ok(AuthEvent { at, kind, device_id: device.map(parse_uuid).transpose()?, personal_code, detail })
        })
        .collect()
}

impl SqliteStore {
    /// Every grant, or one person's, or one centre's.
    async fn grants(&self, personal_code: Option<String>, centre: Option<Uuid>) -> Result<Vec<RoleGrant>, StoreError> {
        let centre = centre.map(|id| id.to_string());
        self.with(move |c| {
            let mut statement = c
                .prepare(
                    "SELECT g.personal_code, g.role, g.granted_at, c.id, c.name, c.municipality, c.code
                     FROM role_grants g JOIN centres c ON c.id = g.centre_id
                     WHERE (?1 IS NULL OR g.personal_code = ?1) AND (?2 IS NULL OR g.centre_id = ?2)
                     ORDER BY g.personal_code, c.name, g.role",
                )
                .map_err(db)?;
            let rows = statement
                .query_map(params![personal_code, centre], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get(2)?,
                        r.get::<_, String>(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                })
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            rows.into_iter()
                .map(|(personal_code, role, granted_at, centre_id, name, municipality, code)| {
                    Ok(RoleGrant {
                        personal_code,
                        role: role.parse().map_err(|e: domain::ParseRoleError| StoreError::Corrupt(e.to_string()))?,
                        centre: Centre { id: parse_uuid(centre_id)?, name, municipality, code },
                        granted_at,
                    })
                })
                .collect()
        })
        .await
    }
}
