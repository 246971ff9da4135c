//! E-address at scale on PostgreSQL: 2 million mailboxes and 20 million messages (one delivery
//! each) generated in the schema's own tables, then
//! - listing an inbox page (50 newest, through `Store::inbox`, the query the API runs) for random
//!   mailboxes: p50/p99, and the second page by keyset;
//! - sending through `server::eaddress::send` (authorisation, rules, the message, its delivery
//!   and its audit entry in one transaction, a 10 kB attachment checked in the object store):
//!   messages per second, beside a bare one-row insert transaction in the same run; then each
//!   message with its own attachment written to the store first, and four senders at once.
//!
//! `pg_virtualenv sh -c 'PIETURA_TEST_POSTGRES_URL="postgres://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$PGDATABASE"
//!   cargo bench -p server --bench eaddress'`; `PIETURA_BENCH_MAILBOXES` and
//! `PIETURA_BENCH_MESSAGES` scale it down for a quick look; `PIETURA_BENCH_SENDS` (2,000) is how
//! many messages each sending run sends (more for a steadier figure or a profile);
//! `PIETURA_BENCH_STATEMENTS=1` prints each statement's execution and planning time per call
//! (needs `pg_virtualenv -o shared_preload_libraries=pg_stat_statements -o
//! pg_stat_statements.track_planning=on`).

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use server::{
    eaddress::{Attachments, NewMessage, Principal},
    store::{self, DatabaseLocation},
    testing::with_database,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

fn scale(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    sorted[((fraction * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1]
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// A person's address for number `n` (1-based): valid-looking new-style codes are not needed
/// for listing, the store keys by the text.
fn person(n: u64) -> String {
    format!("_PRIVATE@32{n:09}")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Ok(admin_url) = std::env::var("PIETURA_TEST_POSTGRES_URL") else {
        println!("skipped: set PIETURA_TEST_POSTGRES_URL (e.g. under pg_virtualenv)");
        return;
    };
    let mailboxes = scale("PIETURA_BENCH_MAILBOXES", 2_000_000);
    let messages = scale("PIETURA_BENCH_MESSAGES", 20_000_000);
    let admin = connect(&admin_url).await;
    admin.batch_execute("DROP DATABASE IF EXISTS pietura_bench_eaddress").await.unwrap();
    admin.batch_execute("CREATE DATABASE pietura_bench_eaddress").await.unwrap();
    let url = with_database(&admin_url, "pietura_bench_eaddress");
    let store = store::open(&DatabaseLocation::Postgres(url.clone())).await.unwrap();
    let sql = connect(&url).await;
    // PIETURA_BENCH_STATEMENTS=1 under `pg_virtualenv -o shared_preload_libraries=pg_stat_statements
    // -o pg_stat_statements.track_planning=on`: the statements' times at the end.
    let statements = std::env::var("PIETURA_BENCH_STATEMENTS").is_ok();
    if statements {
        sql.batch_execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").await.unwrap();
    }

    // Generation: set-based, in the schema's own tables with its indexes in place.
    let started = Instant::now();
    sql.batch_execute(
        "INSERT INTO institutions (id, name, is_central_editor, created_at)
         VALUES ('https://pietura.lv/id/org/bench', 'Bench', false, now())",
    )
    .await
    .unwrap();
    sql.batch_execute(
        "INSERT INTO eaddress_accounts (address, kind, name, institution_id, centre_id, active, created_at, changed_at)
         SELECT '_DEFAULT@9' || lpad(i::text, 10, '0'), 'institution', 'Iestāde ' || i, 'https://pietura.lv/id/org/bench',
                NULL, true, now(), now() FROM generate_series(1, 200) i;
         INSERT INTO eaddress_accounts (address, kind, name, institution_id, centre_id, active, created_at, changed_at)
         VALUES ('_DEFAULT@90000069281', 'institution', 'VID', 'https://pietura.lv/id/org/bench', NULL, true, now(), now())",
    )
    .await
    .unwrap();
    sql.execute(
        "INSERT INTO eaddress_accounts (address, kind, name, institution_id, centre_id, active, created_at, changed_at)
         SELECT '_PRIVATE@32' || lpad(i::text, 9, '0'), 'natural', 'Persona ' || i, NULL, NULL, true, now(), now()
         FROM generate_series(1, $1::bigint) i",
        &[&(mailboxes as i64)],
    )
    .await
    .unwrap();
    let accounts_done = started.elapsed();
    const CHUNK: u64 = 1_000_000;
    let mut from = 1;
    while from <= messages {
        let to = (from + CHUNK - 1).min(messages);
        // Each message from one of the 200 institutions to a person, one second apart.
        sql.execute(
            "INSERT INTO eaddress_messages (id, sender, sent_by, subject, body, case_number, in_reply_to, attachments, sent_at)
             SELECT md5(i::text)::uuid, '_DEFAULT@9' || lpad((1 + i % 200)::text, 10, '0'), 'institution:bench',
                    'Paziņojums ' || i, 'Teksts par lēmumu un tā pamatojumu.', NULL, NULL, '[]',
                    timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second'
             FROM generate_series($1::bigint, $2::bigint) i",
            &[&(from as i64), &(to as i64)],
        )
        .await
        .unwrap();
        sql.execute(
            "INSERT INTO eaddress_deliveries (message_id, recipient, delivered_at, notified_on, read_at, read_by, deleted_at)
             SELECT md5(i::text)::uuid, '_PRIVATE@32' || lpad((1 + (i * 7919) % $3::bigint)::text, 9, '0'),
                    timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second',
                    (timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second')::date + 2,
                    CASE WHEN i % 3 = 0 THEN timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second' + interval '5 hours' END,
                    NULL, NULL
             FROM generate_series($1::bigint, $2::bigint) i",
            &[&(from as i64), &(to as i64), &(mailboxes as i64)],
        )
        .await
        .unwrap();
        from = to + 1;
    }
    sql.batch_execute("VACUUM ANALYZE eaddress_accounts, eaddress_messages, eaddress_deliveries").await.unwrap();
    let generated = started.elapsed();
    let size: String =
        sql.query_one("SELECT pg_size_pretty(pg_database_size('pietura_bench_eaddress'))", &[]).await.unwrap().get(0);
    println!(
        "generated {mailboxes} mailboxes ({:.0} s) and {messages} messages with a delivery each in {:.0} s; database {size}",
        accounts_done.as_secs_f64(),
        generated.as_secs_f64()
    );

    // Inbox pages for random mailboxes (a deterministic spread).
    let mut first_pages = Vec::new();
    let mut second_pages = Vec::new();
    let mut listed = 0;
    for k in 0..2_000u64 {
        let recipient = person(1 + (k * 104_729) % mailboxes);
        let started = Instant::now();
        let page = store.inbox(recipient.clone(), None, 50).await.unwrap();
        first_pages.push(started.elapsed());
        listed += page.len();
        if let Some((_, last)) = page.get(4) {
            let started = Instant::now();
            store.inbox(recipient, Some((last.delivered_at, last.message_id)), 50).await.unwrap();
            second_pages.push(started.elapsed());
        }
    }
    first_pages.sort();
    second_pages.sort();
    println!(
        "inbox page (50 newest) over 2,000 mailboxes: p50 {:.2} ms, p99 {:.2} ms ({} messages listed); second page by keyset: p50 {:.2} ms, p99 {:.2} ms",
        percentile(&first_pages, 0.5).as_secs_f64() * 1e3,
        percentile(&first_pages, 0.99).as_secs_f64() * 1e3,
        listed,
        percentile(&second_pages, 0.5).as_secs_f64() * 1e3,
        percentile(&second_pages, 0.99).as_secs_f64() * 1e3,
    );
    let plan: Vec<String> = sql
        .query(
            "EXPLAIN SELECT * FROM eaddress_deliveries d JOIN eaddress_messages m ON m.id = d.message_id
             WHERE d.recipient = '_PRIVATE@32000000001' AND d.deleted_at IS NULL
             ORDER BY d.delivered_at DESC, d.message_id DESC LIMIT 50",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect();
    println!("inbox plan:\n  {}", plan.join("\n  "));

    // Sending: the whole path, with a 10 kB attachment checked in the object store.
    let folder = tempfile::tempdir().unwrap();
    let attachments = std::sync::Arc::new(Attachments::in_folder(folder.path()).unwrap());
    let calendar = domain::calendar::WorkingCalendar::latvia();
    let pdf: Vec<u8> = b"%PDF-1.7\n".iter().copied().chain(std::iter::repeat_n(b'x', 10_000)).collect();
    let sha = hex::encode(Sha256::digest(&pdf));
    attachments.put(&sha, pdf.clone().into()).await.unwrap();
    let institution = Principal::Institution { id: "https://pietura.lv/id/org/bench".into() };
    let sends_per_run = scale("PIETURA_BENCH_SENDS", 2_000);
    let started = Instant::now();
    for k in 0..sends_per_run {
        #[allow(clippy::disallowed_methods)] // the benchmark's clock
        let now: DateTime<Utc> = Utc::now();
        let message = NewMessage {
            id: Uuid::now_v7(),
            recipients: vec![person(1 + (k * 7_919) % mailboxes)],
            subject: format!("Lēmums {k}"),
            body: "Pielikumā lēmums.".into(),
            case_number: None,
            in_reply_to: None,
            attachments: vec![domain::eaddress::AttachmentInfo {
                name: "lēmums.pdf".into(),
                size: pdf.len() as u64,
                sha256: sha.clone(),
            }],
        };
        server::eaddress::send(
            store.as_ref(),
            &attachments,
            &calendar,
            &institution,
            "_DEFAULT@90000069281",
            message,
            now,
        )
        .await
        .unwrap();
    }
    let sends = sends_per_run as f64 / started.elapsed().as_secs_f64();
    // Each message with its own 10 kB attachment, written to the object store (a folder: a
    // temporary file renamed into place) before the send, as a desk's upload and push do.
    let started = Instant::now();
    for k in 0..sends_per_run {
        #[allow(clippy::disallowed_methods)] // the benchmark's clock
        let now: DateTime<Utc> = Utc::now();
        let mut own = pdf.clone();
        own.extend_from_slice(k.to_string().as_bytes());
        let own_sha = hex::encode(Sha256::digest(&own));
        attachments.put(&own_sha, own.clone().into()).await.unwrap();
        let message = NewMessage {
            id: Uuid::now_v7(),
            recipients: vec![person(1 + (k * 104_729) % mailboxes)],
            subject: format!("Iesniegums {k}"),
            body: String::new(),
            case_number: None,
            in_reply_to: None,
            attachments: vec![domain::eaddress::AttachmentInfo {
                name: "iesniegums.pdf".into(),
                size: own.len() as u64,
                sha256: own_sha,
            }],
        };
        server::eaddress::send(
            store.as_ref(),
            &attachments,
            &calendar,
            &institution,
            "_DEFAULT@90000069281",
            message,
            now,
        )
        .await
        .unwrap();
    }
    let stored_sends = sends_per_run as f64 / started.elapsed().as_secs_f64();
    // Four senders at once: every audited write takes the audit log's head row in turn.
    const SENDERS: u64 = 4;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for sender in 0..SENDERS {
        let (store, attachments, calendar, institution, sha, size) =
            (store.clone(), attachments.clone(), calendar.clone(), institution.clone(), sha.clone(), pdf.len());
        tasks.push(tokio::spawn(async move {
            for k in 0..sends_per_run / SENDERS {
                #[allow(clippy::disallowed_methods)] // the benchmark's clock
                let now: DateTime<Utc> = Utc::now();
                let message = NewMessage {
                    id: Uuid::now_v7(),
                    recipients: vec![person(1 + ((sender * sends_per_run + k) * 7_919) % mailboxes)],
                    subject: format!("Lēmums {sender}/{k}"),
                    body: String::new(),
                    case_number: None,
                    in_reply_to: None,
                    attachments: vec![domain::eaddress::AttachmentInfo {
                        name: "lēmums.pdf".into(),
                        size: size as u64,
                        sha256: sha.clone(),
                    }],
                };
                server::eaddress::send(
                    store.as_ref(),
                    &attachments,
                    &calendar,
                    &institution,
                    "_DEFAULT@90000069281",
                    message,
                    now,
                )
                .await
                .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let concurrent_sends = (sends_per_run / SENDERS * SENDERS) as f64 / started.elapsed().as_secs_f64();
    // The floor: a one-row insert transaction, as many, on the same database.
    sql.batch_execute("CREATE TABLE bare (id uuid PRIMARY KEY, body text)").await.unwrap();
    let started = Instant::now();
    for _ in 0..sends_per_run {
        sql.execute("INSERT INTO bare VALUES ($1, 'x')", &[&Uuid::now_v7()]).await.unwrap();
    }
    let bare = sends_per_run as f64 / started.elapsed().as_secs_f64();
    println!(
        "sending (authorise, rules, attachment check, message + delivery + audit entry in one transaction), one sender: {sends:.0} messages/s; a bare one-row insert transaction {bare:.0}/s; ratio {:.2}",
        sends / bare
    );
    println!(
        "sending with each message's own 10 kB attachment written to the folder store first: {stored_sends:.0} messages/s (ratio to bare {:.2}); {SENDERS} senders at once: {concurrent_sends:.0} messages/s (ratio {:.2})",
        stored_sends / bare,
        concurrent_sends / bare
    );
    if statements {
        // Where the database's time went, per statement (planning is per call for statements
        // whose generic plan PostgreSQL judges dearer than planning afresh, e.g. `= ANY($1)`).
        let rows = sql
            .query(
                "SELECT calls, total_exec_time / calls * 1000, total_plan_time / calls * 1000,
                        left(regexp_replace(query, '\\s+', ' ', 'g'), 80)
                 FROM pg_stat_statements WHERE calls >= $1 ORDER BY total_exec_time + total_plan_time DESC LIMIT 8",
                &[&(sends_per_run as i64)],
            )
            .await
            .unwrap();
        println!("statements run at least {sends_per_run} times (pg_stat_statements), per call:");
        for row in rows {
            println!(
                "  {:>7} calls, executing {:>6.1} µs, planning {:>5.1} µs: {}",
                row.get::<_, i64>(0),
                row.get::<_, f64>(1),
                row.get::<_, f64>(2),
                row.get::<_, String>(3)
            );
        }
    }
    drop(store);
    drop(sql);
    admin.batch_execute("DROP DATABASE IF EXISTS pietura_bench_eaddress WITH (FORCE)").await.unwrap();
}
