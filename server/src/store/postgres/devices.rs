//! PostgreSQL: centres and their devices: enrollment, authentication, revocation.

use super::*;

#[async_trait]
impl DeviceStore for PostgresStore {
    async fn add_centre(&self, centre: NewCentre) -> Result<Centre, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .execute_cached(
                "INSERT INTO centres (id, name, municipality, code, created_at) VALUES ($1, $2, $3, $4, $5)",
                &[&centre.id, &centre.name, &centre.municipality, &centre.code, &centre.created_at],
            )
            .await
            .map_err(|e| {
                map_err(e, || format!("a centre named {:?} or with the code {:?}", centre.name, centre.code))
            })?;
        Ok(Centre { id: centre.id, name: centre.name, municipality: centre.municipality, code: centre.code })
    }

    async fn list_centres(&self) -> Result<Vec<Centre>, StoreError> {
        self.select(
            "SELECT id, name, municipality, code FROM centres ORDER BY name COLLATE \"C\", id",
            &[],
            centre_from_row,
        )
        .await
    }

    async fn find_centre_by_name(&self, name: &str) -> Result<Option<Centre>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client
            .query_opt_cached("SELECT id, name, municipality, code FROM centres WHERE name = $1", &[&name])
            .await
            .map_err(db)?;
        Ok(row.as_ref().map(centre_from_row))
    }

    async fn add_device(&self, device: NewDevice) -> Result<Device, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let centre_exists: bool = client
            .query_one_cached("SELECT EXISTS (SELECT 1 FROM centres WHERE id = $1)", &[&device.centre_id])
            .await
            .map_err(db)?
            .get(0);
        if !centre_exists {
            return Err(StoreError::NotFound { what: format!("centre {}", device.centre_id) });
        }
        // Desks are numbered in their centre; numbers are never reused, so a re-enrolled desk never
        // repeats an old desk's case numbers. Two racing adds clash on the unique index.
        let desk_number: Option<i16> = match device.kind {
            DeviceKind::Desk => Some(
                client
                    .query_one_cached(
                        "SELECT (COALESCE(MAX(desk_number), 0) + 1)::SMALLINT FROM devices WHERE centre_id = $1",
                        &[&device.centre_id],
                    )
                    .await
                    .map_err(db)?
                    .get(0),
            ),
            DeviceKind::Kiosk => None,
        };
        if desk_number.is_some_and(|n| n > i16::from(MAX_DESKS_PER_CENTRE)) {
            return Err(StoreError::Conflict {
                what: format!("more than {MAX_DESKS_PER_CENTRE} desks in this centre"),
            });
        }
        client
            .execute_cached(
                "INSERT INTO devices (id, centre_id, kind, name, enrollment_code_hash, enrollment_expires_at, created_at,
                                      desk_number)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &device.id,
                    &device.centre_id,
                    &device.kind.as_str(),
                    &device.name,
                    &device.enrollment_code_hash.as_slice(),
                    &device.enrollment_expires_at,
                    &device.created_at,
                    &desk_number,
                ],
            )
            .await
            .map_err(|e| map_err(e, || format!("a device named {:?} in this centre (or the same enrollment code)", device.name)))?;
        load_device(&client, device.id)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: format!("device {}", device.id) })
    }

    async fn list_devices(&self) -> Result<Vec<Device>, StoreError> {
        self.devices_at(None).await
    }

    async fn centre_devices(&self, centre: Uuid) -> Result<Vec<Device>, StoreError> {
        self.devices_at(Some(centre)).await
    }

    async fn reported_versions(&self) -> Result<Vec<String>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query_cached(
                "SELECT DISTINCT reported_version FROM devices \
                 WHERE reported_version IS NOT NULL AND enrolled_at IS NOT NULL AND revoked_at IS NULL \
                 ORDER BY reported_version",
                &[],
            )
            .await
            .map_err(db)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn publish_release(&self, release: NewRelease) -> Result<ReleaseInfo, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let size = release.content.len() as u64;
        client
            .execute_cached(
                "INSERT INTO releases (kind, version, sha256, size, signature, content, published_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &release.kind,
                    &release.version,
                    &release.sha256,
                    &(size as i64),
                    &release.signature,
                    &release.content,
                    &release.published_at,
                ],
            )
            .await
            .map_err(|e| {
                map_err(e, || format!("a {} release {} (or one with the same package)", release.kind, release.version))
            })?;
        Ok(ReleaseInfo {
            kind: release.kind,
            version: release.version,
            sha256: release.sha256,
            size,
            signature: release.signature,
            published_at: release.published_at,
        })
    }

    async fn list_releases(&self) -> Result<Vec<ReleaseInfo>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let rows = client
            .query_cached(
                "SELECT kind, version, sha256, size, signature, published_at FROM releases \
                 ORDER BY kind, published_at DESC, version DESC",
                &[],
            )
            .await
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| ReleaseInfo {
                kind: r.get(0),
                version: r.get(1),
                sha256: r.get(2),
                size: r.get::<_, i64>(3) as u64,
                signature: r.get(4),
                published_at: r.get(5),
            })
            .collect())
    }

    async fn release_content(&self, kind: &str, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client
            .query_opt_cached("SELECT content FROM releases WHERE kind = $1 AND sha256 = $2", &[&kind, &sha256])
            .await
            .map_err(db)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn revoke_device(&self, id: Uuid, at: DateTime<Utc>) -> Result<Device, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute_cached("UPDATE devices SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1", &[&id, &at])
            .await
            .map_err(db)?;
        tx.execute_cached(
            "UPDATE user_sessions SET ended_at = $2 WHERE device_id = $1 AND ended_at IS NULL",
            &[&id, &at],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        load_device(&client, id).await?.ok_or_else(|| StoreError::NotFound { what: format!("device {id}") })
    }

    async fn redeem_enrollment_code(
        &self,
        code_hash: [u8; 32],
        secret_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> Result<Device, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        // FOR UPDATE: two devices racing with one code are serialised; the second sees it used.
        let row = tx
            .query_opt_cached(
                "SELECT id, enrolled_at, revoked_at, enrollment_expires_at FROM devices
                 WHERE enrollment_code_hash = $1 FOR UPDATE",
                &[&code_hash.as_slice()],
            )
            .await
            .map_err(db)?
            .ok_or(StoreError::EnrollmentCodeUnknown)?;
        let id: Uuid = row.get(0);
        check_redeemable(row.get(1), row.get(2), row.get(3), now)?;
        tx.execute_cached(
            "UPDATE devices SET enrolled_at = $2, secret_hash = $3, last_seen_at = $2 WHERE id = $1",
            &[&id, &now, &secret_hash.as_slice()],
        )
        .await
        .map_err(db)?;
        let device = load_device(&tx, id).await?.ok_or(StoreError::EnrollmentCodeUnknown)?;
        tx.commit().await.map_err(db)?;
        Ok(device)
    }

    async fn renew_enrollment_code(
        &self,
        id: Uuid,
        code_hash: [u8; 32],
        expires_at: DateTime<Utc>,
    ) -> Result<Device, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        let row = tx
            .query_opt_cached("SELECT enrolled_at, revoked_at FROM devices WHERE id = $1 FOR UPDATE", &[&id])
            .await
            .map_err(db)?
            .ok_or_else(|| StoreError::NotFound { what: format!("device {id}") })?;
        let (enrolled_at, revoked_at): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = (row.get(0), row.get(1));
        if enrolled_at.is_some() || revoked_at.is_some() {
            return Err(StoreError::DeviceNotWaiting(id));
        }
        tx.execute_cached(
            "UPDATE devices SET enrollment_code_hash = $2, enrollment_expires_at = $3 WHERE id = $1",
            &[&id, &code_hash.as_slice(), &expires_at],
        )
        .await
        .map_err(|e| map_err(e, || "the same enrollment code".into()))?;
        let device =
            load_device(&tx, id).await?.ok_or_else(|| StoreError::NotFound { what: format!("device {id}") })?;
        tx.commit().await.map_err(db)?;
        Ok(device)
    }

    async fn device_auth_record(&self, id: Uuid) -> Result<Option<DeviceAuthRecord>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let Some(device) = load_device(&client, id).await? else { return Ok(None) };
        let hash: Option<Vec<u8>> =
            client.query_one_cached("SELECT secret_hash FROM devices WHERE id = $1", &[&id]).await.map_err(db)?.get(0);
        Ok(Some(DeviceAuthRecord { device, secret_hash: hash_from_bytes(hash)? }))
    }

    async fn record_device_seen(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        version: Option<String>,
        outbox: Option<protocol::OutboxReport>,
    ) -> Result<(), StoreError> {
        let outbox = outbox.map(|report| report.to_header());
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .execute_cached(
                "UPDATE devices SET last_seen_at = $2, reported_version = coalesce($3, reported_version),
                        reported_outbox = coalesce($4, reported_outbox) WHERE id = $1",
                &[&id, &at, &version, &outbox],
            )
            .await
            .map_err(db)?;
        Ok(())
    }
}

impl PostgresStore {
    /// Every device, or one centre's.
    async fn devices_at(&self, centre: Option<Uuid>) -> Result<Vec<Device>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let sql = format!(
            "SELECT {DEVICE_COLUMNS} FROM devices d JOIN centres c ON c.id = d.centre_id \
             WHERE $1::UUID IS NULL OR d.centre_id = $1 \
             ORDER BY c.name COLLATE \"C\", d.name COLLATE \"C\", d.created_at"
        );
        client.query_cached(&sql, &[&centre]).await.map_err(db)?.iter().map(device_from_row).collect()
    }
}
