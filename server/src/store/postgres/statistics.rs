//! PostgreSQL: counts for the open data and the KPIs: nothing personal leaves these.

use super::*;

#[async_trait]
impl StatisticsStore for PostgresStore {
    async fn delivery_kpis(&self) -> Result<Vec<crate::store::DeliveryKpi>, StoreError> {
        self.select(
                &format!(
                    "SELECT to_char(m.sent_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, {} AS sender_group,
                            count(DISTINCT m.id), count(*), count(d.read_at),
                            percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.read_at - m.sent_at)::float8)
                                FILTER (WHERE d.read_at IS NOT NULL),
                            percentile_disc(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM d.read_at - m.sent_at)::float8)
                                FILTER (WHERE d.read_at IS NOT NULL)
                     FROM eaddress_deliveries d JOIN eaddress_messages m ON m.id = d.message_id
                          JOIN eaddress_accounts a ON a.address = m.sender
                     GROUP BY month, sender_group ORDER BY month, sender_group",
                    crate::store::KPI_SENDER_GROUP
                ),
                &[], |r| {
                let seconds = |i: usize| r.get::<_, Option<f64>>(i).map(|s| s.max(0.0).round() as i64);
                crate::store::DeliveryKpi {
                    month: r.get(0),
                    sender: r.get(1),
                    messages: r.get::<_, i64>(2) as u64,
                    deliveries: r.get::<_, i64>(3) as u64,
                    read: r.get::<_, i64>(4) as u64,
                    median_seconds: seconds(5),
                    p90_seconds: seconds(6),
                }
            }).await
    }

    async fn case_statistics(&self) -> Result<Vec<ProvisionCount>, StoreError> {
        self.select(
            "SELECT to_char(c.served_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, c.service_id, c.holder_institution,
                        ce.name, c.channel, c.kind, count(*)
                 FROM cases c JOIN centres ce ON ce.id = c.centre_id
                 GROUP BY month, c.service_id, c.holder_institution, ce.name, c.channel, c.kind
                 UNION ALL
                 SELECT to_char(served_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, service_id, institution_id, '',
                        channel, kind, count(*)
                 FROM institution_cases GROUP BY month, service_id, institution_id, channel, kind
                 ORDER BY 1, 2, 3, 4, 5, 6",
            &[],
            |r| ProvisionCount {
                month: r.get(0),
                service_id: r.get(1),
                institution: r.get(2),
                centre: r.get(3),
                channel: r.get(4),
                kind: r.get(5),
                cases: r.get::<_, i64>(6) as u64,
            },
        )
        .await
    }

    async fn case_times(&self) -> Result<Vec<crate::store::CaseTimes>, StoreError> {
        self.select(
            "SELECT to_char(c.served_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, ce.name,
                    round(extract(epoch FROM (d->>'served_at')::timestamptz - (d->>'arrived_at')::timestamptz))::int8,
                    round(extract(epoch FROM (d->'history'->0->>'at')::timestamptz - (d->>'served_at')::timestamptz))::int8
             FROM cases c JOIN centres ce ON ce.id = c.centre_id, LATERAL (SELECT c.document::jsonb AS d) j
             WHERE d->>'arrived_at' IS NOT NULL AND d->'history'->0->>'at' IS NOT NULL
             ORDER BY month, ce.name",
            &[],
            |r| crate::store::CaseTimes {
                month: r.get(0),
                centre: r.get(1),
                waiting_seconds: r.get(2),
                service_seconds: r.get(3),
            },
        )
        .await
    }
}
