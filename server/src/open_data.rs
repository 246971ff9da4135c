//! Open data: service-provision statistics (P_UZSK) by month × service × institution × channel ×
//! kind, published as CSV and JSON with a DCAT-AP description. No personal data: only counts,
//! and counts below [`SUPPRESS_BELOW`] are withheld so that no visit can be singled out.

use chrono::{DateTime, Utc};

use crate::store::{ProvisionCount, RecordKind, Store, StoreError};

/// Counts below this are published as suppressed.
pub const SUPPRESS_BELOW: u64 = 5;

/// One published row: the count, or `None` when suppressed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProvisionRow {
    pub month: String,
    pub service_id: String,
    pub service_name: String,
    pub institution: String,
    pub channel: String,
    pub kind: String,
    pub cases: Option<u64>,
}

/// The statistics as published: service names from the catalogue (Latvian), small counts withheld.
pub async fn provision_rows(store: &dyn Store) -> Result<Vec<ProvisionRow>, StoreError> {
    let counts = store.case_statistics().await?;
    let mut names = std::collections::HashMap::new();
    let mut rows = Vec::with_capacity(counts.len());
    for ProvisionCount { month, service_id, institution, channel, kind, cases } in counts {
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
            channel,
            kind,
            cases: (cases >= SUPPRESS_BELOW).then_some(cases),
        });
    }
    Ok(rows)
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// CSV (RFC 4180, UTF-8): suppressed counts are empty with `suppressed` = true.
pub fn to_csv(rows: &[ProvisionRow]) -> String {
    let mut out = String::from("month,service_id,service_name,institution,channel,kind,cases,suppressed\r\n");
    for row in rows {
        let fields = [
            csv_field(&row.month),
            csv_field(&row.service_id),
            csv_field(&row.service_name),
            csv_field(&row.institution),
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

/// The DCAT-AP description of the data set, with its two distributions.
pub fn catalog(base_url: &str, modified: DateTime<Utc>) -> serde_json::Value {
    let base = base_url.trim_end_matches('/');
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
        "dct:publisher": { "@type": "foaf:Agent", "foaf:name": "Pietura" },
        "dcat:dataset": [{
            "@id": format!("{base}/open-data/service-provision"),
            "@type": "dcat:Dataset",
            "dct:title": [
                { "@value": "Sniegto pakalpojumu uzskaite", "@language": "lv" },
                { "@value": "Services provided", "@language": "en" }
            ],
            "dct:description": [
                { "@value": format!("Pakalpojumu gadījumi pa mēnešiem, pakalpojumiem, iestādēm, kanāliem un veidiem; skaiti mazāki par {SUPPRESS_BELOW} netiek publicēti."), "@language": "lv" },
                { "@value": format!("Service cases by month, service, institution, channel and kind; counts below {SUPPRESS_BELOW} are withheld."), "@language": "en" }
            ],
            "dct:accrualPeriodicity": { "@id": "http://publications.europa.eu/resource/authority/frequency/DAILY" },
            "dct:license": { "@id": "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0" },
            "dct:modified": { "@value": modified.to_rfc3339(), "@type": "xsd:dateTime" },
            "dcat:keyword": ["VPVKAC", "pakalpojumi", "P_UZSK"],
            "dcat:distribution": [
                {
                    "@type": "dcat:Distribution",
                    "dcat:accessURL": { "@id": format!("{base}/open-data/service-provision.csv") },
                    "dcat:mediaType": { "@id": "http://www.iana.org/assignments/media-types/text/csv" }
                },
                {
                    "@type": "dcat:Distribution",
                    "dcat:accessURL": { "@id": format!("{base}/open-data/service-provision.json") },
                    "dcat:mediaType": { "@id": "http://www.iana.org/assignments/media-types/application/json" }
                }
            ]
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cases: Option<u64>, name: &str) -> ProvisionRow {
        ProvisionRow {
            month: "2026-11".into(),
            service_id: "https://pietura.lv/id/service/dog-fee".into(),
            service_name: name.into(),
            institution: "https://pietura.lv/id/org/riga".into(),
            channel: "vpvkac_in_person".into(),
            kind: "consultation".into(),
            cases,
        }
    }

    #[test]
    fn csv_quotes_what_needs_it_and_marks_suppressed_counts() {
        let csv = to_csv(&[row(Some(7), "Suņu nodeva, gada"), row(None, "Pase")]);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "month,service_id,service_name,institution,channel,kind,cases,suppressed");
        assert!(lines[1].contains(",\"Suņu nodeva, gada\","), "{}", lines[1]);
        assert!(lines[1].ends_with(",7,false"));
        assert!(lines[2].ends_with(",,true"));
    }

    #[test]
    fn the_catalog_names_both_distributions() {
        let catalog = catalog("https://pietura.example/", DateTime::from_timestamp(1_800_000_000, 0).unwrap());
        let text = catalog.to_string();
        assert!(text.contains("https://pietura.example/open-data/service-provision.csv"));
        assert!(text.contains("https://pietura.example/open-data/service-provision.json"));
        assert_eq!(catalog["dcat:dataset"][0]["@type"], "dcat:Dataset");
    }
}
