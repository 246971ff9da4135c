//! PostgreSQL: card logins: challenges, staff roles, sessions and the log of authentication events.

use super::*;

#[async_trait]
impl LoginStore for PostgresStore {
    async fn add_login_nonce(&self, nonce: LoginNonce, now: DateTime<Utc>) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client.execute_cached("DELETE FROM login_nonces WHERE expires_at < $1", &[&now]).await.map_err(db)?;
        client
            .execute_cached(
                "INSERT INTO login_nonces (nonce_hash, device_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)",
                &[&nonce.nonce_hash.as_slice(), &nonce.device_id, &nonce.issued_at, &nonce.expires_at],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn take_login_nonce(&self, nonce_hash: [u8; 32]) -> Result<Option<LoginNonce>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client
            .query_opt_cached(
                "DELETE FROM login_nonces WHERE nonce_hash = $1 RETURNING device_id, issued_at, expires_at",
                &[&nonce_hash.as_slice()],
            )
            .await
            .map_err(db)?;
        Ok(row.map(|r| LoginNonce { nonce_hash, device_id: r.get(0), issued_at: r.get(1), expires_at: r.get(2) }))
    }

    async fn grant_role(
        &self,
        personal_code: &str,
        role: domain::Role,
        centre_id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .execute_cached(
                "INSERT INTO role_grants (personal_code, role, centre_id, granted_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                &[&personal_code, &role.as_str(), &centre_id, &at],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn revoke_role(
        &self,
        personal_code: &str,
        role: domain::Role,
        centre_id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        let removed = tx
            .execute_cached(
                "DELETE FROM role_grants WHERE personal_code = $1 AND role = $2 AND centre_id = $3",
                &[&personal_code, &role.as_str(), &centre_id],
            )
            .await
            .map_err(db)?;
        tx.execute_cached(
            "UPDATE user_sessions SET ended_at = $3
             WHERE personal_code = $1 AND ended_at IS NULL
               AND device_id IN (SELECT id FROM devices WHERE centre_id = $2)",
            &[&personal_code, &centre_id, &at],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(removed > 0)
    }

    async fn role_grants(&self, personal_code: Option<&str>) -> Result<Vec<RoleGrant>, StoreError> {
        self.grants(personal_code, None).await
    }

    async fn centre_role_grants(&self, centre: Uuid) -> Result<Vec<RoleGrant>, StoreError> {
        self.grants(None, Some(centre)).await
    }

    async fn add_session(&self, session: UserSession) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .execute_cached(
                "INSERT INTO user_sessions (token_hash, device_id, personal_code, given_name, surname, roles, issued_at,
                     expires_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    &session.token_hash.as_slice(),
                    &session.device_id,
                    &session.personal_code,
                    &session.given_name,
                    &session.surname,
                    &roles_to_text(&session.roles),
                    &session.issued_at,
                    &session.expires_at,
                    &session.ended_at,
                ],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn session(&self, token_hash: [u8; 32]) -> Result<Option<UserSession>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client
            .query_opt_cached(
                "SELECT device_id, personal_code, given_name, surname, roles, issued_at, expires_at, ended_at
                 FROM user_sessions WHERE token_hash = $1",
                &[&token_hash.as_slice()],
            )
            .await
            .map_err(db)?;
        row.map(|r| {
            Ok(UserSession {
                token_hash,
                device_id: r.get(0),
                personal_code: r.get(1),
                given_name: r.get(2),
                surname: r.get(3),
                roles: roles_from_text(&r.get::<_, String>(4))?,
                issued_at: r.get(5),
                expires_at: r.get(6),
                ended_at: r.get(7),
            })
        })
        .transpose()
    }

    async fn end_session(&self, token_hash: [u8; 32], at: DateTime<Utc>) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .execute_cached(
                "UPDATE user_sessions SET ended_at = COALESCE(ended_at, $2) WHERE token_hash = $1",
                &[&token_hash.as_slice(), &at],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn add_auth_event(&self, event: AuthEvent) -> Result<(), StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        // The event and its audit entry together, or neither.
        let tx = client.transaction().await.map_err(db)?;
        tx.execute_cached(
            "INSERT INTO auth_events (at, kind, device_id, personal_code, detail) VALUES ($1, $2, $3, $4, $5)",
            &[&event.at, &event.kind, &event.device_id, &event.personal_code, &event.detail],
        )
        .await
        .map_err(db)?;
        append_audit_in(&tx, &crate::store::audit_of_auth_event(&event)).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn centre_auth_events(&self, centre: Uuid, limit: u32) -> Result<Vec<AuthEvent>, StoreError> {
        self.select(
            "SELECT e.at, e.kind, e.device_id, e.personal_code, e.detail FROM auth_events e
             JOIN devices d ON d.id = e.device_id WHERE d.centre_id = $1 ORDER BY e.id DESC LIMIT $2",
            &[&centre, &i64::from(limit)],
            auth_event,
        )
        .await
    }

    async fn last_logins(&self, personal_codes: Vec<String>) -> Result<Vec<LastLogin>, StoreError> {
        self.select(
            "SELECT DISTINCT ON (personal_code) personal_code, given_name, surname, issued_at FROM user_sessions
             WHERE personal_code = ANY($1) ORDER BY personal_code, issued_at DESC",
            &[&personal_codes],
            |r| LastLogin { personal_code: r.get(0), given_name: r.get(1), surname: r.get(2), at: r.get(3) },
        )
        .await
    }

    async fn auth_events(&self, limit: u32) -> Result<Vec<AuthEvent>, StoreError> {
        self.select(
            "SELECT at, kind, device_id, personal_code, detail FROM auth_events ORDER BY id DESC LIMIT $1",
            &[&i64::from(limit)],
            auth_event,
        )
        .await
    }
}

/// A row of at, kind, device_id, personal_code, detail.
fn auth_event(r: &Row) -> AuthEvent {
    AuthEvent { at: r.get(0), kind: r.get(1), device_id: r.get(2), personal_code: r.get(3), detail: r.get(4) }
}

impl PostgresStore {
    /// Every grant, or one person's, or one centre's.
    async fn grants(&self, personal_code: Option<&str>, centre: Option<Uuid>) -> Result<Vec<RoleGrant>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query_cached(
                "SELECT g.personal_code, g.role, g.granted_at, c.id, c.name, c.municipality, c.code
                 FROM role_grants g JOIN centres c ON c.id = g.centre_id
                 WHERE ($1::TEXT IS NULL OR g.personal_code = $1) AND ($2::UUID IS NULL OR g.centre_id = $2)
                 ORDER BY g.personal_code, c.name, g.role",
                &[&personal_code, &centre],
            )
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(RoleGrant {
                    personal_code: r.get(0),
                    role: r
                        .get::<_, String>(1)
                        .parse()
                        .map_err(|e: domain::ParseRoleError| StoreError::Corrupt(e.to_string()))?,
                    granted_at: r.get(2),
                    centre: Centre { id: r.get(3), name: r.get(4), municipality: r.get(5), code: r.get(6) },
                })
            })
            .collect()
    }
}
