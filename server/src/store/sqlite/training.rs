//! SQLite: workshops on a training server.

use super::*;
use crate::store::{TrainingStore, Workshop, WorkshopSeat};

fn workshop_from_row(r: &Row<'_>) -> rusqlite::Result<(String, String, i64, String, String, DateTime<Utc>)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
}

fn workshop_from(raw: (String, String, i64, String, String, DateTime<Utc>)) -> Result<Workshop, StoreError> {
    let (id, centre, series, scenarios, created_by, created_at) = raw;
    Ok(Workshop {
        id: parse_uuid(id)?,
        centre_id: parse_uuid(centre)?,
        series: u32::try_from(series).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        scenarios: serde_json::from_str(&scenarios).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        created_by,
        created_at,
    })
}

const WORKSHOP_COLUMNS: &str = "id, centre_id, series, scenarios, created_by, created_at";

#[async_trait]
impl TrainingStore for SqliteStore {
    async fn last_workshop_series(&self) -> Result<u32, StoreError> {
        self.with(|c| {
            let last: i64 =
                c.query_row("SELECT coalesce(max(series), 0) FROM workshops", [], |r| r.get(0)).map_err(db)?;
            u32::try_from(last).map_err(|e| StoreError::Corrupt(e.to_string()))
        })
        .await
    }

    async fn add_workshop(&self, workshop: Workshop, seats: Vec<WorkshopSeat>) -> Result<(), StoreError> {
        let scenarios = serde_json::to_string(&workshop.scenarios).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            tx.execute(
                &format!("INSERT INTO workshops ({WORKSHOP_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
                params![
                    workshop.id.to_string(),
                    workshop.centre_id.to_string(),
                    i64::from(workshop.series),
                    scenarios,
                    workshop.created_by,
                    workshop.created_at
                ],
            )
            .map_err(|e| map_err(e, || format!("workshop series {}", workshop.series)))?;
            for seat in seats {
                tx.execute(
                    "INSERT INTO workshop_seats (workshop_id, seat, device_id, clerk_code, reset_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        seat.workshop_id.to_string(),
                        seat.seat,
                        seat.device_id.to_string(),
                        seat.clerk_code,
                        seat.reset_at
                    ],
                )
                .map_err(db)?;
            }
            tx.commit().map_err(db)
        })
        .await
    }

    async fn workshop(&self, id: Uuid) -> Result<Option<(Workshop, Vec<WorkshopSeat>)>, StoreError> {
        self.with(move |c| {
            let raw = c
                .query_row(
                    &format!("SELECT {WORKSHOP_COLUMNS} FROM workshops WHERE id = ?1"),
                    [id.to_string()],
                    workshop_from_row,
                )
                .optional()
                .map_err(db)?;
            let Some(raw) = raw else { return Ok(None) };
            let mut statement = c
                .prepare(
                    "SELECT seat, device_id, clerk_code, reset_at FROM workshop_seats WHERE workshop_id = ?1 ORDER BY seat",
                )
                .map_err(db)?;
            let rows = statement
                .query_map([id.to_string()], |r| {
                    Ok((r.get::<_, u8>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get(3)?))
                })
                .map_err(db)?
                .collect::<Result<Vec<(u8, String, String, DateTime<Utc>)>, _>>()
                .map_err(db)?;
            let seats = rows
                .into_iter()
                .map(|(seat, device, clerk_code, reset_at)| {
                    Ok(WorkshopSeat { workshop_id: id, seat, device_id: parse_uuid(device)?, clerk_code, reset_at })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            Ok(Some((workshop_from(raw)?, seats)))
        })
        .await
    }

    async fn centre_workshops(&self, centre: Uuid) -> Result<Vec<Workshop>, StoreError> {
        self.with(move |c| {
            let mut statement = c
                .prepare(&format!(
                    "SELECT {WORKSHOP_COLUMNS} FROM workshops WHERE centre_id = ?1 ORDER BY created_at DESC, series DESC"
                ))
                .map_err(db)?;
            let raws = statement
                .query_map([centre.to_string()], workshop_from_row)
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            raws.into_iter().map(workshop_from).collect()
        })
        .await
    }

    async fn reset_seats(&self, workshop: Uuid, seat: Option<u8>, at: DateTime<Utc>) -> Result<u64, StoreError> {
        self.with(move |c| {
            let changed = c
                .execute(
                    "UPDATE workshop_seats SET reset_at = ?3 WHERE workshop_id = ?1 AND (?2 IS NULL OR seat = ?2)",
                    params![workshop.to_string(), seat, at],
                )
                .map_err(db)?;
            Ok(changed as u64)
        })
        .await
    }
}
