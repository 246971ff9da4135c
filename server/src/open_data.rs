//! Open data: service-provision statistics (P_UZSK) by month × service × institution × centre ×
//! channel × kind, waiting and service times by month × centre, and the e-address KPIs (process 8)
//! by month × sending institution, published as CSV and JSON with a DCAT-AP description. No personal data: only counts,
//! and counts below [`SUPPRESS_BELOW`] are withheld so that no visit can be singled out.

use chrono::{DateTime, Utc};

use crate::store::{ProvisionCount, RecordKind, Store, StoreError};

/// Counts below this are published as suppressed.
pub const SUPPRESS_BELOW: u64 = 5;

/// How long a computed data set is served before it is computed again. The data are monthly
/// counts: minutes old is fresh, and a busy portal scraping them costs one aggregate (a full
/// scan at 20 million deliveries) per period instead of one per request.
pub const CACHE_SECONDS: i64 = 300;

/// A data set computed at most once per [`CACHE_SECONDS`], by one request while the others wait
/// for its answer (no stampede of aggregates), with the time it was computed.
pub struct Cached<T> {
    kept: tokio::sync::Mutex<Option<(DateTime<Utc>, std::sync::Arc<T>)>>,
}

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Self { kept: tokio::sync::Mutex::new(None) }
    }
}

impl<T> Cached<T> {
    /// The data set and when it was computed: the kept one while fresh, else `compute`'s (an
    /// error is not kept: the next request tries again).
    pub async fn get<F, Fut, E>(&self, now: DateTime<Utc>, compute: F) -> Result<(DateTime<Utc>, std::sync::Arc<T>), E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        let mut kept = self.kept.lock().await;
        if let Some((at, value)) = kept.as_ref() {
            let age = now.signed_duration_since(*at);
            if age >= chrono::Duration::zero() && age < chrono::Duration::seconds(CACHE_SECONDS) {
                return Ok((*at, value.clone()));
            }
        }
        let value = std::sync::Arc::new(compute().await?);
        *kept = Some((now, value.clone()));
        Ok((now, value))
    }
}

/// The published data sets, each computed at most once per [`CACHE_SECONDS`].
#[derive(Default)]
pub struct OpenDataCache {
    pub provision: Cached<Vec<ProvisionRow>>,
    pub service_times: Cached<Vec<ServiceTimeRow>>,
    pub eaddress: Cached<EaddressKpis>,
}

/// One published row: the count, or `None` when suppressed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProvisionRow {
    pub month: String,
    pub service_id: String,
    pub service_name: String,
    pub institution: String,
    /// The client service centre where the case was registered.
    pub centre: String,
    pub channel: String,
    pub kind: String,
    pub cases: Option<u64>,
}

/// The statistics as published: service names from the catalogue (Latvian), small counts withheld.
pub async fn provision_rows(store: &dyn Store, now: DateTime<Utc>) -> Result<Vec<ProvisionRow>, StoreError> {
    let open = open_month(now);
    let counts = store.case_statistics().await?.into_iter().filter(|c| c.month < open);
    let mut names = std::collections::HashMap::new();
    let mut rows = Vec::new();
    for ProvisionCount { month, service_id, institution, centre, channel, kind, cases } in counts {
        if !names.contains_key(&service_id) {
            let name = store
                .catalogue_record(RecordKind::Service, &service_id)
                .await?
                .and_then(|record| serde_json::from_str::<serde_json::Value>(&record.document).ok())
                .and_then(|document| document["name"]["lv"].as_str().map(str::to_owned))
                .unwrap_or_default();
            names.insert(service_id.clone(), name);
        }
        rows.push(ProvisionRow {
            service_name: names[&service_id].clone(),
            month,
            service_id,
            institution,
            centre,
            channel,
            kind,
            cases: (cases >= SUPPRESS_BELOW).then_some(cases),
        });
    }
    Ok(rows)
}

/// Waiting and service times at one centre in one month (minutes, one decimal): withheld
/// whole under [`SUPPRESS_BELOW`] cases, so that no visit can be singled out.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ServiceTimeRow {
    pub month: String,
    pub centre: String,
    pub cases: Option<u64>,
    /// From arriving until being served.
    pub median_waiting_minutes: Option<f64>,
    pub p90_waiting_minutes: Option<f64>,
    /// From being served until the case was registered.
    pub median_service_minutes: Option<f64>,
    pub p90_service_minutes: Option<f64>,
}

fn minutes(seconds: i64) -> f64 {
    (seconds.max(0) as f64 / 6.0).round() / 10.0
}

/// The waiting and service times as published: closed months only, small groups withheld.
pub async fn service_time_rows(store: &dyn Store, now: DateTime<Utc>) -> Result<Vec<ServiceTimeRow>, StoreError> {
    Ok(group_service_times(store.case_times().await?, &open_month(now)))
}

/// Cases' times grouped by month and centre, months before `open` only.
fn group_service_times(cases: Vec<crate::store::CaseTimes>, open: &str) -> Vec<ServiceTimeRow> {
    let mut groups: std::collections::BTreeMap<(String, String), (Vec<i64>, Vec<i64>)> = Default::default();
    for times in cases.into_iter().filter(|t| t.month.as_str() < open) {
        let (waiting, service) = groups.entry((times.month, times.centre)).or_default();
        waiting.push(times.waiting_seconds);
        service.push(times.service_seconds);
    }
    groups
        .into_iter()
        .map(|((month, centre), (mut waiting, mut service))| {
            waiting.sort_unstable();
            service.sort_unstable();
            let cases = waiting.len() as u64;
            let shown = cases >= SUPPRESS_BELOW;
            let at = |values: &[i64], fraction| {
                shown.then(|| crate::store::nearest_rank(values, fraction)).flatten().map(minutes)
            };
            ServiceTimeRow {
                median_waiting_minutes: at(&waiting, 0.5),
                p90_waiting_minutes: at(&waiting, 0.9),
                median_service_minutes: at(&service, 0.5),
                p90_service_minutes: at(&service, 0.9),
                cases: shown.then_some(cases),
                month,
                centre,
            }
        })
        .collect()
}

/// The waiting and service times as CSV.
pub fn service_times_to_csv(rows: &[ServiceTimeRow]) -> String {
    let number = |n: Option<f64>| n.map(|n| n.to_string()).unwrap_or_default();
    let mut out = String::from(
        "month,centre,cases,median_waiting_minutes,p90_waiting_minutes,median_service_minutes,p90_service_minutes,suppressed\r\n",
    );
    for row in rows {
        let fields = [
            csv_field(&row.month),
            csv_field(&row.centre),
            row.cases.map(|n| n.to_string()).unwrap_or_default(),
            number(row.median_waiting_minutes),
            number(row.p90_waiting_minutes),
            number(row.median_service_minutes),
            number(row.p90_service_minutes),
            row.cases.is_none().to_string(),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

pub fn service_times_to_json(rows: &[ServiceTimeRow], generated_at: DateTime<Utc>) -> serde_json::Value {
    serde_json::json!({
        "dataset": "service-times",
        "generated_at": generated_at,
        "suppression": format!("centres with fewer than {SUPPRESS_BELOW} cases in a month are withheld (all values null)"),
        "rows": rows,
    })
}

/// A CSV as served: with a UTF-8 byte order mark first when asked (`?bom=true`), which makes
/// spreadsheet programs read the Latvian letters right.
pub fn with_optional_bom(csv: String, bom: bool) -> String {
    if bom { format!("\u{FEFF}{csv}") } else { csv }
}

/// One CSV cell. A text that a spreadsheet would take for a formula (it starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return; names come from institutions and the register) gets a
/// leading apostrophe, so opening the file runs nothing (OWASP "CSV injection").
/// The month still going on (`YYYY-MM`, UTC like the counts). Only closed months are
/// published: counts of a month in progress, fetched day after day, would tell by their
/// differences who was served on which day.
pub fn open_month(now: DateTime<Utc>) -> String {
    now.format("%Y-%m").to_string()
}

fn csv_field(value: &str) -> String {
    let neutral = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{value}"))
    } else {
        std::borrow::Cow::Borrowed(value)
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral.into_owned()
    }
}

/// CSV (RFC 4180, UTF-8): suppressed counts are empty with `suppressed` = true.
pub fn to_csv(rows: &[ProvisionRow]) -> String {
    let mut out = String::from("month,service_id,service_name,institution,centre,channel,kind,cases,suppressed\r\n");
    for row in rows {
        let fields = [
            csv_field(&row.month),
            csv_field(&row.service_id),
            csv_field(&row.service_name),
            csv_field(&row.institution),
            csv_field(&row.centre),
            csv_field(&row.channel),
            csv_field(&row.kind),
            row.cases.map(|n| n.to_string()).unwrap_or_default(),
            row.cases.is_none().to_string(),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

pub fn to_json(rows: &[ProvisionRow], generated_at: DateTime<Utc>) -> serde_json::Value {
    serde_json::json!({
        "dataset": "service-provision",
        "generated_at": generated_at,
        "suppression": format!("counts below {SUPPRESS_BELOW} are withheld (cases: null)"),
        "rows": rows,
    })
}

/// One published row of the e-address KPIs (process 8): by month and sending institution.
/// Withheld rows (fewer than [`SUPPRESS_BELOW`] deliveries) carry no numbers.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EaddressKpiRow {
    pub month: String,
    /// The sending institution's mailbox name, or `legal_persons` / `natural_persons`.
    pub sender: String,
    pub messages_sent: Option<u64>,
    pub deliveries: Option<u64>,
    pub read: Option<u64>,
    /// Hours from sending to reading, over the read deliveries (withheld under 5 readings).
    pub median_hours_to_read: Option<f64>,
    pub p90_hours_to_read: Option<f64>,
}

fn hours(seconds: i64) -> f64 {
    (seconds as f64 / 360.0).round() / 10.0
}

/// The e-address KPIs' rows, and the active mailboxes by kind (`None`: withheld).
pub type EaddressKpis = (Vec<EaddressKpiRow>, Vec<(String, Option<u64>)>);

/// The e-address KPIs as published, and the active mailboxes by kind (small counts withheld).
pub async fn eaddress_kpis(store: &dyn Store, now: DateTime<Utc>) -> Result<EaddressKpis, StoreError> {
    let open = open_month(now);
    let rows = store
        .delivery_kpis()
        .await?
        .into_iter()
        .filter(|group| group.month < open)
        .map(|group| {
            let shown = group.deliveries >= SUPPRESS_BELOW;
            let timed = shown && group.read >= SUPPRESS_BELOW;
            EaddressKpiRow {
                month: group.month,
                sender: group.sender,
                messages_sent: shown.then_some(group.messages),
                deliveries: shown.then_some(group.deliveries),
                read: shown.then_some(group.read),
                median_hours_to_read: timed.then_some(group.median_seconds).flatten().map(hours),
                p90_hours_to_read: timed.then_some(group.p90_seconds).flatten().map(hours),
            }
        })
        .collect();
    let accounts = store
        .active_accounts()
        .await?
        .into_iter()
        .map(|(kind, n)| (kind, (n >= SUPPRESS_BELOW).then_some(n)))
        .collect();
    Ok((rows, accounts))
}

/// The e-address catalogue (institutions' active mailboxes: address and name) as CSV.
pub fn directory_to_csv(accounts: &[crate::store::Account]) -> String {
    let mut out = String::from("address,name\r\n");
    for account in accounts {
        out.push_str(&format!("{},{}\r\n", csv_field(&account.address), csv_field(&account.name)));
    }
    out
}

/// The e-address KPIs as CSV.
pub fn kpis_to_csv(rows: &[EaddressKpiRow]) -> String {
    let number = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
    let decimal = |n: Option<f64>| n.map(|n| n.to_string()).unwrap_or_default();
    let mut out = String::from(
        "month,sender,messages_sent,deliveries,read,median_hours_to_read,p90_hours_to_read,suppressed\r\n",
    );
    for row in rows {
        let fields = [
            csv_field(&row.month),
            csv_field(&row.sender),
            number(row.messages_sent),
            number(row.deliveries),
            number(row.read),
            decimal(row.median_hours_to_read),
            decimal(row.p90_hours_to_read),
            row.deliveries.is_none().to_string(),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

pub fn kpis_to_json(
    rows: &[EaddressKpiRow],
    accounts: &[(String, Option<u64>)],
    generated_at: DateTime<Utc>,
) -> serde_json::Value {
    serde_json::json!({
        "dataset": "eaddress-kpi",
        "generated_at": generated_at,
        "suppression": format!("rows with fewer than {SUPPRESS_BELOW} deliveries are withheld, and times to read with fewer than {SUPPRESS_BELOW} readings"),
        "active_accounts": accounts.iter().map(|(kind, n)| serde_json::json!({ "kind": kind, "accounts": n })).collect::<Vec<_>>(),
        "rows": rows,
    })
}

/// The DCAT-AP description of the data set, with its two distributions.
pub fn catalog(base_url: &str, modified: DateTime<Utc>) -> serde_json::Value {
    let mut catalog = untyped_catalog(base_url, modified);
    type_references(&mut catalog);
    catalog
}

/// One data set's own DCAT-AP description, served at its IRI (`/open-data/<name>`), with the
/// catalogue it belongs to; `None` for a name the catalogue does not have.
pub fn dataset(base_url: &str, name: &str, modified: DateTime<Utc>) -> Option<serde_json::Value> {
    let catalog = catalog(base_url, modified);
    let id = format!("{}/open-data/{name}", base_url.trim_end_matches('/'));
    let mut dataset = catalog["dcat:dataset"].as_array()?.iter().find(|d| d["@id"] == id.as_str())?.clone();
    let map = dataset.as_object_mut()?;
    map.insert("@context".into(), catalog["@context"].clone());
    map.insert("dct:isPartOf".into(), serde_json::json!({ "@id": catalog["@id"] }));
    // DCAT-AP wants a data set's publisher (the catalogue names it once for all).
    map.insert("dct:publisher".into(), catalog["dct:publisher"].clone());
    Some(dataset)
}

/// DCAT-AP's range shapes check the class of what is referred to: frequencies, media types and
/// licences are typed where they are named (what the EU vocabularies and IANA say they are).
fn type_references(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, class) in [
                ("dct:accrualPeriodicity", "dct:Frequency"),
                ("dcat:mediaType", "dct:MediaType"),
                ("dct:license", "dct:LicenseDocument"),
            ] {
                if let Some(serde_json::Value::Object(reference)) = map.get_mut(key) {
                    reference.entry("@type").or_insert_with(|| class.into());
                }
            }
            map.values_mut().for_each(type_references);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(type_references),
        _ => {}
    }
}

/// One data set as the catalogue describes it: titles and descriptions in Latvian and English,
/// daily updates, CC BY 4.0, and its distributions (path under the server, media type).
struct DataSet<'a> {
    name: &'a str,
    title: [&'a str; 2],
    description: [String; 2],
    keywords: [&'a str; 3],
    distributions: [(&'a str, &'a str); 2],
}

impl DataSet<'_> {
    fn described(&self, base: &str, modified: DateTime<Utc>) -> serde_json::Value {
        let texts = |[lv, en]: [&str; 2]| serde_json::json!([{ "@value": lv, "@language": "lv" }, { "@value": en, "@language": "en" }]);
        let [description_lv, description_en] = &self.description;
        let distributions: Vec<serde_json::Value> = self
            .distributions
            .iter()
            .map(|(path, media_type)| {
                serde_json::json!({
                    "@type": "dcat:Distribution",
                    "dcat:accessURL": { "@id": format!("{base}{path}") },
                    "dcat:mediaType": { "@id": format!("http://www.iana.org/assignments/media-types/{media_type}") }
                })
            })
            .collect();
        serde_json::json!({
            "@id": format!("{base}/open-data/{}", self.name),
            "@type": "dcat:Dataset",
            "dct:title": texts(self.title),
            "dct:description": texts([description_lv, description_en]),
            "dct:accrualPeriodicity": { "@id": "http://publications.europa.eu/resource/authority/frequency/DAILY" },
            "dct:license": { "@id": "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0" },
            "dct:modified": { "@value": modified.to_rfc3339(), "@type": "xsd:dateTime" },
            "dcat:keyword": self.keywords,
            "dcat:distribution": distributions
        })
    }
}

fn untyped_catalog(base_url: &str, modified: DateTime<Utc>) -> serde_json::Value {
    let base = base_url.trim_end_matches('/');
    let (csv, json) = ("text/csv", "application/json");
    let data_sets = [
        DataSet {
            name: "service-provision",
            title: ["Sniegto pakalpojumu uzskaite", "Services provided"],
            description: [
                format!(
                    "Pakalpojumu gadījumi pa mēnešiem, pakalpojumiem, iestādēm, klientu apkalpošanas centriem, kanāliem un veidiem; skaiti mazāki par {SUPPRESS_BELOW} netiek publicēti."
                ),
                format!(
                    "Service cases by month, service, institution, client service centre, channel and kind; counts below {SUPPRESS_BELOW} are withheld."
                ),
            ],
            keywords: ["VPVKAC", "pakalpojumi", "P_UZSK"],
            distributions: [("/open-data/service-provision.csv", csv), ("/open-data/service-provision.json", json)],
        },
        DataSet {
            name: "service-times",
            title: ["Gaidīšanas un apkalpošanas laiks VPVKAC", "Waiting and service times at client service centres"],
            description: [
                format!(
                    "Klientu gaidīšanas laiks līdz apkalpošanai un apkalpošanas ilgums minūtēs (mediāna, 90. procentile) pa mēnešiem un klientu apkalpošanas centriem; centri ar mazāk nekā {SUPPRESS_BELOW} gadījumiem mēnesī netiek publicēti."
                ),
                format!(
                    "Customers' waiting time until served and the length of service in minutes (median, 90th percentile) by month and client service centre; centres with fewer than {SUPPRESS_BELOW} cases in a month are withheld."
                ),
            ],
            keywords: ["VPVKAC", "gaidīšanas laiks", "apkalpošanas laiks"],
            distributions: [("/open-data/service-times.csv", csv), ("/open-data/service-times.json", json)],
        },
        DataSet {
            name: "eaddress-directory",
            title: ["E-adrešu katalogs", "E-address catalogue"],
            description: [
                "Iestāžu un to struktūrvienību aktīvās oficiālās e-adreses ar nosaukumiem.".into(),
                "Institutions' and their units' active official e-addresses, with their names.".into(),
            ],
            keywords: ["e-adrese", "DEPP", "katalogs"],
            distributions: [("/open-data/eaddress-directory.csv", csv), ("/v1/eaddress/directory", json)],
        },
        DataSet {
            name: "eaddress-kpi",
            title: ["E-adreses darbības rādītāji", "E-address performance indicators"],
            description: [
                format!(
                    "Nosūtītās, piegādātās un izlasītās vēstules, laiks līdz izlasīšanai (mediāna, 90. procentile) pa mēnešiem un sūtītājiestādēm; aktīvo kontu skaits; rindas ar mazāk nekā {SUPPRESS_BELOW} piegādēm netiek publicētas."
                ),
                format!(
                    "Messages sent, delivered and read, time to read (median, 90th percentile) by month and sending institution; active accounts; rows with fewer than {SUPPRESS_BELOW} deliveries are withheld."
                ),
            ],
            keywords: ["e-adrese", "DEPP", "KPI"],
            distributions: [("/open-data/eaddress-kpi.csv", csv), ("/open-data/eaddress-kpi.json", json)],
        },
    ];
    serde_json::json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "xsd": "http://www.w3.org/2001/XMLSchema#"
        },
        "@id": format!("{base}/open-data/catalog.jsonld"),
        "@type": "dcat:Catalog",
        "dct:title": [{ "@value": "Pietura atvērtie dati", "@language": "lv" }, { "@value": "Pietura open data", "@language": "en" }],
        "dct:description": [
            { "@value": "Pietura centrālā servera atvērtie dati: sniegto pakalpojumu uzskaite, e-adrešu katalogs un e-adreses rādītāji.", "@language": "lv" },
            { "@value": "Open data of the Pietura central server: services provided, the e-address catalogue and e-address indicators.", "@language": "en" }
        ],
        "dct:publisher": { "@type": "foaf:Agent", "foaf:name": "Pietura" },
        "dcat:dataset": data_sets.iter().map(|d| d.described(base, modified)).collect::<Vec<_>>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_are_neutralised() {
        assert_eq!(super::csv_field("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
        assert_eq!(super::csv_field("+371 2000"), "'+371 2000");
        assert_eq!(super::csv_field("-1"), "'-1");
        assert_eq!(super::csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(super::csv_field("\tx"), "'\tx");
        assert_eq!(super::csv_field("Rīgas VPVKAC, 1"), "\"Rīgas VPVKAC, 1\"");
        assert_eq!(super::csv_field("2026-11"), "2026-11", "dashes inside are data");
    }

    fn row(cases: Option<u64>, name: &str) -> ProvisionRow {
        ProvisionRow {
            month: "2026-11".into(),
            service_id: "https://pietura.lv/id/service/dog-fee".into(),
            service_name: name.into(),
            institution: "https://pietura.lv/id/org/riga".into(),
            centre: "Rīgas VPVKAC".into(),
            channel: "vpvkac_in_person".into(),
            kind: "consultation".into(),
            cases,
        }
    }

    #[test]
    fn csv_quotes_what_needs_it_and_marks_suppressed_counts() {
        let csv = to_csv(&[row(Some(7), "Suņu nodeva, gada"), row(None, "Pase")]);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "month,service_id,service_name,institution,centre,channel,kind,cases,suppressed");
        assert!(lines[1].contains(",\"Suņu nodeva, gada\","), "{}", lines[1]);
        assert!(lines[1].ends_with(",7,false"));
        assert!(lines[2].ends_with(",,true"));
    }

    #[test]
    fn times_are_grouped_by_month_and_centre_and_small_groups_withheld_whole() {
        let case = |month: &str, centre: &str, waiting: i64| crate::store::CaseTimes {
            month: month.into(),
            centre: centre.into(),
            waiting_seconds: waiting,
            service_seconds: 2 * waiting,
        };
        let mut cases: Vec<_> = (1..=10).map(|m| case("2026-10", "Rīgas VPVKAC", m * 60)).collect();
        cases.extend((1..=4).map(|m| case("2026-10", "Ogres VPVKAC", m * 60)));
        cases.extend((1..=9).map(|m| case("2026-11", "Rīgas VPVKAC", m * 60)));
        let rows = group_service_times(cases, "2026-11");
        assert_eq!(rows.len(), 2, "the open month is not published: {rows:?}");
        let ogre = &rows[0];
        assert_eq!((ogre.centre.as_str(), ogre.cases, ogre.median_waiting_minutes), ("Ogres VPVKAC", None, None));
        assert_eq!(ogre.p90_service_minutes, None, "withheld whole");
        let riga = &rows[1];
        assert_eq!(riga.cases, Some(10));
        assert_eq!((riga.median_waiting_minutes, riga.p90_waiting_minutes), (Some(5.0), Some(9.0)));
        assert_eq!((riga.median_service_minutes, riga.p90_service_minutes), (Some(10.0), Some(18.0)));
        let csv = service_times_to_csv(&rows);
        assert!(csv.contains("\r\n2026-10,Ogres VPVKAC,,,,,,true\r\n"), "{csv}");
        assert!(with_optional_bom(csv.clone(), true).starts_with('\u{FEFF}'));
        assert_eq!(with_optional_bom(csv.clone(), false), csv);
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        use crate::store::nearest_rank;
        let values: Vec<i64> = (1..=10).collect();
        assert_eq!(nearest_rank(&values, 0.5), Some(5));
        assert_eq!(nearest_rank(&values, 0.9), Some(9));
        assert_eq!(nearest_rank(&[42], 0.9), Some(42));
        assert_eq!(nearest_rank(&[], 0.5), None);
        assert_eq!(hours(5_400), 1.5);
    }

    #[test]
    fn each_data_set_is_served_alone_at_its_iri_and_unknown_ones_are_not() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        for name in ["service-provision", "service-times", "eaddress-directory", "eaddress-kpi"] {
            let dataset = dataset("https://pietura.example", name, at).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(dataset["@id"], format!("https://pietura.example/open-data/{name}"));
            assert_eq!(dataset["@type"], "dcat:Dataset");
            assert_eq!(dataset["dct:isPartOf"]["@id"], "https://pietura.example/open-data/catalog.jsonld");
            assert!(dataset["@context"]["dcat"].is_string());
        }
        assert_eq!(dataset("https://pietura.example", "catalog.jsonld", at), None);
        assert_eq!(dataset("https://pietura.example", "nope", at), None);
    }

    #[test]
    fn the_catalog_names_both_distributions() {
        let catalog = catalog("https://pietura.example/", DateTime::from_timestamp(1_800_000_000, 0).unwrap());
        let text = catalog.to_string();
        assert!(text.contains("https://pietura.example/open-data/service-provision.csv"));
        assert!(text.contains("https://pietura.example/open-data/service-provision.json"));
        assert_eq!(catalog["dcat:dataset"][0]["@type"], "dcat:Dataset");
        assert!(text.contains("https://pietura.example/open-data/eaddress-directory.csv"));
        assert!(text.contains("https://pietura.example/open-data/eaddress-kpi.csv"));
    }

    #[test]
    fn the_eaddress_catalogue_lists_addresses_and_names_quoted_as_needed() {
        let account = |address: &str, name: &str| crate::store::Account {
            address: address.into(),
            kind: domain::eaddress::AccountKind::Institution,
            name: name.into(),
            institution_id: None,
            centre_id: None,
            active: true,
            created_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            changed_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        };
        let csv = directory_to_csv(&[
            account("_DEFAULT@90000069281", "Valsts ieņēmumu dienests"),
            account("RCV@90011524360", "Rīgas VPVKAC, Brīvības iela \"1\""),
        ]);
        assert_eq!(
            csv,
            "address,name\r\n_DEFAULT@90000069281,Valsts ieņēmumu dienests\r\nRCV@90011524360,\"Rīgas VPVKAC, Brīvības iela \"\"1\"\"\"\r\n"
        );
    }
}

#[cfg(test)]
mod cache_tests {
    use super::*;

    #[tokio::test]
    async fn a_data_set_is_computed_once_per_period_and_errors_are_not_kept() {
        let cache: Cached<u32> = Cached::default();
        let start = DateTime::parse_from_rfc3339("2026-11-27T10:00:00Z").unwrap().with_timezone(&Utc);
        let computed = std::sync::atomic::AtomicU32::new(0);
        let compute = || async { Ok::<_, ()>(computed.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1) };
        assert_eq!(*cache.get(start, compute).await.unwrap().1, 1);
        let later = start + chrono::Duration::seconds(CACHE_SECONDS - 1);
        let (at, value) = cache.get(later, compute).await.unwrap();
        assert_eq!((at, *value), (start, 1), "fresh: the kept one, with when it was computed");
        let stale = start + chrono::Duration::seconds(CACHE_SECONDS);
        assert_eq!(*cache.get(stale, compute).await.unwrap().1, 2);
        // A clock set back does not keep serving the old set forever.
        assert_eq!(*cache.get(start - chrono::Duration::hours(1), compute).await.unwrap().1, 3);
        let failed = cache.get(stale + chrono::Duration::hours(1), || async { Err::<u32, _>("down") }).await;
        assert_eq!(failed.unwrap_err(), "down");
        assert_eq!(*cache.get(stale + chrono::Duration::hours(1), compute).await.unwrap().1, 4);
    }
}
