//! PostgreSQL: workshops on a training server.

use super::*;
use crate::store::{TrainingStore, Workshop, WorkshopSeat};

const WORKSHOP_COLUMNS: &str = "id, centre_id, series, scenarios, created_by, created_at";

fn workshop_from_row(r: &Row) -> Result<Workshop, StoreError> {
    Ok(Workshop {
        id: r.get(0),
        centre_id: r.get(1),
        series: u32::try_from(r.get::<_, i32>(2)).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        scenarios: serde_json::from_str(r.get(3)).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        created_by: r.get(4),
        created_at: r.get(5),
    })
}

#[async_trait]
impl TrainingStore for PostgresStore {
    async fn last_workshop_series(&self) -> Result<u32, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let row = client.query_one_cached("SELECT coalesce(max(series), 0) FROM workshops", &[]).await.map_err(db)?;
        u32::try_from(row.get::<_, i32>(0)).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    async fn add_workshop(&self, workshop: Workshop, seats: Vec<WorkshopSeat>) -> Result<(), StoreError> {
        let scenarios = serde_json::to_string(&workshop.scenarios).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let series = i32::try_from(workshop.series).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute_cached(
            &format!("INSERT INTO workshops ({WORKSHOP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"),
            &[&workshop.id, &workshop.centre_id, &series, &scenarios, &workshop.created_by, &workshop.created_at],
        )
        .await
        .map_err(|e| map_err(e, || format!("workshop series {}", workshop.series)))?;
        for seat in seats {
            tx.execute_cached(
                "INSERT INTO workshop_seats (workshop_id, seat, device_id, clerk_code, reset_at) VALUES ($1, $2, $3, $4, $5)",
                &[&seat.workshop_id, &i32::from(seat.seat), &seat.device_id, &seat.clerk_code, &seat.reset_at],
            )
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn workshop(&self, id: Uuid) -> Result<Option<(Workshop, Vec<WorkshopSeat>)>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let Some(row) = client
            .query_opt_cached(&format!("SELECT {WORKSHOP_COLUMNS} FROM workshops WHERE id = $1"), &[&id])
            .await
            .map_err(db)?
        else {
            return Ok(None);
        };
        let workshop = workshop_from_row(&row)?;
        let seats = client
            .query_cached(
                "SELECT seat, device_id, clerk_code, reset_at FROM workshop_seats WHERE workshop_id = $1 ORDER BY seat",
                &[&id],
            )
            .await
            .map_err(db)?
            .iter()
            .map(|r| {
                Ok(WorkshopSeat {
                    workshop_id: id,
                    seat: u8::try_from(r.get::<_, i32>(0)).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    device_id: r.get(1),
                    clerk_code: r.get(2),
                    reset_at: r.get(3),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Some((workshop, seats)))
    }

    async fn centre_workshops(&self, centre: Uuid) -> Result<Vec<Workshop>, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        client
            .query_cached(
                &format!(
                    "SELECT {WORKSHOP_COLUMNS} FROM workshops WHERE centre_id = $1 ORDER BY created_at DESC, series DESC"
                ),
                &[&centre],
            )
            .await
            .map_err(db)?
            .iter()
            .map(workshop_from_row)
            .collect()
    }

    async fn reset_seats(&self, workshop: Uuid, seat: Option<u8>, at: DateTime<Utc>) -> Result<u64, StoreError> {
        let client = self.pool.get().await.map_err(pool_err)?;
        let seat = seat.map(i32::from);
        client
            .execute_cached(
                "UPDATE workshop_seats SET reset_at = $3 WHERE workshop_id = $1 AND ($2::INTEGER IS NULL OR seat = $2)",
                &[&workshop, &seat, &at],
            )
            .await
            .map_err(db)
    }
}
