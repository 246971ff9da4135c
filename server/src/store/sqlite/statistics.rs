//! SQLite: counts for the open data and the KPIs: nothing personal leaves these.

use super::*;

#[async_trait]
impl StatisticsStore for SqliteStore {
    async fn delivery_kpis(&self) -> Result<Vec<crate::store::DeliveryKpi>, StoreError> {
        self.with(|c| {
            // Counts by the database; the times to read (SQLite has no percentiles) streamed in
            // order per group, kept only as numbers.
            let mut counts = c
                .prepare(&format!(
                    "SELECT substr(m.sent_at, 1, 7) AS month, {} AS sender_group,
                            count(DISTINCT m.id), count(*), count(d.read_at)
                     FROM eaddress_deliveries d JOIN eaddress_messages m ON m.id = d.message_id
                          JOIN eaddress_accounts a ON a.address = m.sender
                     GROUP BY month, sender_group ORDER BY month, sender_group",
                    crate::store::KPI_SENDER_GROUP
                ))
                .map_err(db)?;
            let mut groups: Vec<crate::store::DeliveryKpi> = counts
                .query_map([], |r| {
                    Ok(crate::store::DeliveryKpi {
                        month: r.get(0)?,
                        sender: r.get(1)?,
                        messages: r.get::<_, i64>(2)? as u64,
                        deliveries: r.get::<_, i64>(3)? as u64,
                        read: r.get::<_, i64>(4)? as u64,
                        median_seconds: None,
                        p90_seconds: None,
                    })
                })
                .map_err(db)?
                .collect::<Result<_, _>>()
                .map_err(db)?;
            let mut times = c
                .prepare(&format!(
                    "SELECT substr(m.sent_at, 1, 7) AS month, {} AS sender_group,
                            CAST(round((julianday(d.read_at) - julianday(m.sent_at)) * 86400) AS INTEGER) AS seconds
                     FROM eaddress_deliveries d JOIN eaddress_messages m ON m.id = d.message_id
                          JOIN eaddress_accounts a ON a.address = m.sender
                     WHERE d.read_at IS NOT NULL ORDER BY month, sender_group, seconds",
                    crate::store::KPI_SENDER_GROUP
                ))
                .map_err(db)?;
            let mut rows = times.query([]).map_err(db)?;
            let mut current: Option<(String, String, Vec<i64>)> = None;
            let finish = |group: Option<(String, String, Vec<i64>)>, groups: &mut Vec<crate::store::DeliveryKpi>| {
                let Some((month, sender, seconds)) = group else { return };
                if let Some(kpi) = groups.iter_mut().find(|g| g.month == month && g.sender == sender) {
                    kpi.median_seconds = crate::store::nearest_rank(&seconds, 0.5).map(|s| s.max(0));
                    kpi.p90_seconds = crate::store::nearest_rank(&seconds, 0.9).map(|s| s.max(0));
                }
            };
            while let Some(row) = rows.next().map_err(db)? {
                let (month, sender, seconds): (String, String, i64) =
                    (row.get(0).map_err(db)?, row.get(1).map_err(db)?, row.get(2).map_err(db)?);
                match &mut current {
                    Some((m, s, list)) if *m == month && *s == sender => list.push(seconds),
                    _ => {
                        finish(current.take(), &mut groups);
                        current = Some((month, sender, vec![seconds]));
                    }
                }
            }
            finish(current.take(), &mut groups);
            Ok(groups)
        })
        .await
    }

    async fn case_statistics(&self) -> Result<Vec<ProvisionCount>, StoreError> {
        self.with(|c| {
            let mut statement = c
                .prepare(
                    "SELECT substr(c.served_at, 1, 7) AS month, c.service_id, c.holder_institution, ce.name,
                            c.channel, c.kind, count(*)
                     FROM cases c JOIN centres ce ON ce.id = c.centre_id
                     GROUP BY month, c.service_id, c.holder_institution, ce.name, c.channel, c.kind
                     UNION ALL
                     SELECT substr(served_at, 1, 7) AS month, service_id, institution_id, '', channel, kind, count(*)
                     FROM institution_cases GROUP BY month, service_id, institution_id, channel, kind
                     ORDER BY 1, 2, 3, 4, 5, 6",
                )
                .map_err(db)?;
            let rows = statement
                .query_map([], |r| {
                    Ok(ProvisionCount {
                        month: r.get(0)?,
                        service_id: r.get(1)?,
                        institution: r.get(2)?,
                        centre: r.get(3)?,
                        channel: r.get(4)?,
                        kind: r.get(5)?,
                        cases: r.get::<_, i64>(6)? as u64,
                    })
                })
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            Ok(rows)
        })
        .await
    }

    async fn case_times(&self) -> Result<Vec<crate::store::CaseTimes>, StoreError> {
        self.with(|c| {
            let mut statement = c
                .prepare(
                    "SELECT substr(c.served_at, 1, 7) AS month, ce.name,
                            CAST(round((julianday(json_extract(c.document, '$.served_at'))
                                 - julianday(json_extract(c.document, '$.arrived_at'))) * 86400) AS INTEGER),
                            CAST(round((julianday(json_extract(c.document, '$.history[0].at'))
                                 - julianday(json_extract(c.document, '$.served_at'))) * 86400) AS INTEGER)
                     FROM cases c JOIN centres ce ON ce.id = c.centre_id
                     WHERE json_extract(c.document, '$.arrived_at') IS NOT NULL
                       AND json_extract(c.document, '$.history[0].at') IS NOT NULL
                     ORDER BY month, ce.name",
                )
                .map_err(db)?;
            let rows = statement
                .query_map([], |r| {
                    Ok(crate::store::CaseTimes {
                        month: r.get(0)?,
                        centre: r.get(1)?,
                        waiting_seconds: r.get(2)?,
                        service_seconds: r.get(3)?,
                    })
                })
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            Ok(rows)
        })
        .await
    }
}
