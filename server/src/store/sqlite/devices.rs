//! SQLite: centres and their devices: enrollment, authentication, revocation.

use super::*;

#[async_trait]
impl DeviceStore for SqliteStore {
    async fn add_centre(&self, centre: NewCentre) -> Result<Centre, StoreError> {
        self.with(move |c| {
            c.execute(
                "INSERT INTO centres (id, name, municipality, code, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![centre.id.to_string(), centre.name, centre.municipality, centre.code, centre.created_at],
            )
            .map_err(|e| {
                map_err(e, || format!("a centre named {:?} or with the code {:?}", centre.name, centre.code))
            })?;
            Ok(Centre { id: centre.id, name: centre.name, municipality: centre.municipality, code: centre.code })
        })
        .await
    }

    async fn list_centres(&self) -> Result<Vec<Centre>, StoreError> {
        self.with(|c| {
            let mut statement =
                c.prepare("SELECT id, name, municipality, code FROM centres ORDER BY name, id").map_err(db)?;
            let rows = statement
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            rows.into_iter()
                .map(|(id, name, municipality, code)| Ok(Centre { id: parse_uuid(id)?, name, municipality, code }))
                .collect()
        })
        .await
    }

    async fn find_centre_by_name(&self, name: &str) -> Result<Option<Centre>, StoreError> {
        let name = name.to_owned();
        self.with(move |c| {
            c.query_row("SELECT id, name, municipality, code FROM centres WHERE name = ?1", params![name], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()
            .map_err(db)?
            .map(|(id, name, municipality, code)| Ok(Centre { id: parse_uuid(id)?, name, municipality, code }))
            .transpose()
        })
        .await
    }

    async fn add_device(&self, device: NewDevice) -> Result<Device, StoreError> {
        self.with(move |c| {
            let centre_exists: bool = c
                .query_row("SELECT EXISTS (SELECT 1 FROM centres WHERE id = ?1)", params![device.centre_id.to_string()], |r| r.get(0))
                .map_err(db)?;
            if !centre_exists {
                return Err(StoreError::NotFound { what: format!("centre {}", device.centre_id) });
            }
            // Desks are numbered in their centre; numbers are never reused, so a re-enrolled desk
            // never repeats an old desk's case numbers.
            let desk_number: Option<i64> = match device.kind {
                DeviceKind::Desk => Some(
                    c.query_row(
                        "SELECT COALESCE(MAX(desk_number), 0) + 1 FROM devices WHERE centre_id = ?1",
                        params![device.centre_id.to_string()],
                        |r| r.get(0),
                    )
                    .map_err(db)?,
                ),
                DeviceKind::Kiosk => None,
            };
            if desk_number.is_some_and(|n| n > i64::from(MAX_DESKS_PER_CENTRE)) {
                return Err(StoreError::Conflict { what: format!("more than {MAX_DESKS_PER_CENTRE} desks in this centre") });
            }
            c.execute(
                "INSERT INTO devices (id, centre_id, kind, name, enrollment_code_hash, enrollment_expires_at, created_at,
                                      desk_number)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    device.id.to_string(),
                    device.centre_id.to_string(),
                    device.kind.as_str(),
                    device.name,
                    device.enrollment_code_hash.as_slice(),
                    device.enrollment_expires_at,
                    device.created_at,
                    desk_number
                ],
            )
            .map_err(|e| map_err(e, || format!("a device named {:?} in this centre (or the same enrollment code)", device.name)))?;
            load_device(c, device.id)?.ok_or_else(|| StoreError::NotFound { what: format!("device {}", device.id) })
        })
        .await
    }

    async fn list_devices(&self) -> Result<Vec<Device>, StoreError> {
        self.devices_at(None).await
    }

    async fn centre_devices(&self, centre: Uuid) -> Result<Vec<Device>, StoreError> {
        self.devices_at(Some(centre)).await
    }

    async fn reported_versions(&self) -> Result<Vec<String>, StoreError> {
        self.with(|c| {
            let mut query = c
                .prepare(
                    "SELECT DISTINCT reported_version FROM devices \
                     WHERE reported_version IS NOT NULL AND enrolled_at IS NOT NULL AND revoked_at IS NULL \
                     ORDER BY reported_version",
                )
                .map_err(db)?;
            let rows = query.query_map([], |r| r.get::<_, String>(0)).map_err(db)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(db)
        })
        .await
    }

    async fn publish_release(&self, release: NewRelease) -> Result<ReleaseInfo, StoreError> {
        self.with(move |c| {
            let size = release.content.len() as u64;
            c.execute(
                "INSERT INTO releases (kind, version, sha256, size, signature, content, published_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    release.kind,
                    release.version,
                    release.sha256,
                    size as i64,
                    release.signature,
                    release.content,
                    release.published_at
                ],
            )
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
        })
        .await
    }

    async fn list_releases(&self) -> Result<Vec<ReleaseInfo>, StoreError> {
        self.with(|c| {
            let mut query = c
                .prepare(
                    "SELECT kind, version, sha256, size, signature, published_at FROM releases \
                     ORDER BY kind, published_at DESC, version DESC",
                )
                .map_err(db)?;
            let rows = query.query_map([], |r| {
                Ok(ReleaseInfo {
                    kind: r.get(0)?,
                    version: r.get(1)?,
                    sha256: r.get(2)?,
                    size: r.get::<_, i64>(3)? as u64,
                    signature: r.get(4)?,
                    published_at: r.get(5)?,
                })
            });
            rows.map_err(db)?.collect::<Result<Vec<_>, _>>().map_err(db)
        })
        .await
    }

    async fn release_content(&self, kind: &str, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let (kind, sha256) = (kind.to_owned(), sha256.to_owned());
        self.with(move |c| {
            c.query_row("SELECT content FROM releases WHERE kind = ?1 AND sha256 = ?2", params![kind, sha256], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db)
        })
        .await
    }

    async fn revoke_device(&self, id: Uuid, at: DateTime<Utc>) -> Result<Device, StoreError> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            tx.execute(
                "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
                params![id.to_string(), at],
            )
            .map_err(db)?;
            tx.execute(
                "UPDATE user_sessions SET ended_at = ?2 WHERE device_id = ?1 AND ended_at IS NULL",
                params![id.to_string(), at],
            )
            .map_err(db)?;
            let device = load_device(&tx, id)?.ok_or_else(|| StoreError::NotFound { what: format!("device {id}") })?;
            tx.commit().map_err(db)?;
            Ok(device)
        })
        .await
    }

    async fn redeem_enrollment_code(
        &self,
        code_hash: [u8; 32],
        secret_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> Result<Device, StoreError> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let row: Option<(String, Option<DateTime<Utc>>, Option<DateTime<Utc>>, DateTime<Utc>)> = tx
                .query_row(
                    "SELECT id, enrolled_at, revoked_at, enrollment_expires_at FROM devices WHERE enrollment_code_hash = ?1",
                    params![code_hash.as_slice()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()
                .map_err(db)?;
            let (id, enrolled_at, revoked_at, expires_at) = row.ok_or(StoreError::EnrollmentCodeUnknown)?;
            check_redeemable(enrolled_at, revoked_at, expires_at, now)?;
            tx.execute(
                "UPDATE devices SET enrolled_at = ?2, secret_hash = ?3, last_seen_at = ?2 WHERE id = ?1 AND enrolled_at IS NULL",
                params![id, now, secret_hash.as_slice()],
            )
            .map_err(db)?;
            let device = load_device(&tx, parse_uuid(id)?)?.ok_or(StoreError::EnrollmentCodeUnknown)?;
            tx.commit().map_err(db)?;
            Ok(device)
        })
        .await
    }

    async fn renew_enrollment_code(
        &self,
        id: Uuid,
        code_hash: [u8; 32],
        expires_at: DateTime<Utc>,
    ) -> Result<Device, StoreError> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let device = load_device(&tx, id)?.ok_or_else(|| StoreError::NotFound { what: format!("device {id}") })?;
            if device.enrolled_at.is_some() || device.revoked_at.is_some() {
                return Err(StoreError::DeviceNotWaiting(id));
            }
            tx.execute(
                "UPDATE devices SET enrollment_code_hash = ?2, enrollment_expires_at = ?3 WHERE id = ?1",
                params![id.to_string(), code_hash.as_slice(), expires_at],
            )
            .map_err(|e| map_err(e, || "the same enrollment code".into()))?;
            let device = load_device(&tx, id)?.ok_or_else(|| StoreError::NotFound { what: format!("device {id}") })?;
            tx.commit().map_err(db)?;
            Ok(device)
        })
        .await
    }

    async fn device_auth_record(&self, id: Uuid) -> Result<Option<DeviceAuthRecord>, StoreError> {
        self.with(move |c| {
            let Some(device) = load_device(c, id)? else { return Ok(None) };
            let hash: Option<Vec<u8>> = c
                .query_row("SELECT secret_hash FROM devices WHERE id = ?1", params![id.to_string()], |r| r.get(0))
                .map_err(db)?;
            Ok(Some(DeviceAuthRecord { device, secret_hash: hash_from_bytes(hash)? }))
        })
        .await
    }

    async fn record_device_seen(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        version: Option<String>,
        outbox: Option<protocol::OutboxReport>,
    ) -> Result<(), StoreError> {
        let outbox = outbox.map(|report| report.to_header());
        self.with(move |c| {
            c.execute(
                "UPDATE devices SET last_seen_at = ?2, reported_version = coalesce(?3, reported_version),
                        reported_outbox = coalesce(?4, reported_outbox) WHERE id = ?1",
                params![id.to_string(), at, version, outbox],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }
}

impl SqliteStore {
    /// Every device, or one centre's.
    async fn devices_at(&self, centre: Option<Uuid>) -> Result<Vec<Device>, StoreError> {
        let centre = centre.map(|id| id.to_string());
        self.with(move |c| {
            let sql = format!(
                "SELECT {DEVICE_COLUMNS} FROM devices d JOIN centres c ON c.id = d.centre_id
                 WHERE ?1 IS NULL OR d.centre_id = ?1 ORDER BY c.name, d.name, d.created_at"
            );
            let mut statement = c.prepare(&sql).map_err(db)?;
            let raws = statement
                .query_map(params![centre], raw_device)
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            raws.into_iter().map(device_from_raw).collect()
        })
        .await
    }
}
