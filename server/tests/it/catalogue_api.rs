//! The catalogue API over a real socket: institutions' keys and their limits, validation (422),
//! versions (409), CPSV-AP content negotiation, clerks' flags and the devices' change feed.

use protocol::{CataloguePage, DeviceCredentials, ErrorBody, PROTOCOL_HEADER};
use reqwest::StatusCode;

use crate::api::{add_desk, client, encoded, import_demo, start};
use crate::people::{DOGS, LDC, VID};

async fn key_for(server: &crate::api::Running, institution: &str, name: &str) -> String {
    crate::api::institution_key(server, institution, name).await
}

#[tokio::test]
async fn institutions_write_only_their_own_services_with_versions_and_named_problems() {
    let server = start().await;
    import_demo(&server).await;
    let ldc = key_for(&server, LDC, "Lauksaimniecības datu centrs").await;
    let vid = key_for(&server, VID, "Valsts ieņēmumu dienests").await;
    let http = reqwest::Client::new();
    let url = format!("{}v1/catalogue/services/{}", server.url, encoded(DOGS));

    let current: serde_json::Value =
        http.get(&url).header(PROTOCOL_HEADER, "1").send().await.unwrap().json().await.unwrap();
    assert_eq!(current["version"], 1);
    assert_eq!(current["name"]["lv"], "Suņa reģistrācija");

    // Without a key, with a wrong one, or with another institution's: refused.
    let mut changed = current.clone();
    changed["description"]["lv"] = "Katrs suns jāapzīmē un jāreģistrē 14 dienu laikā.".into();
    let put = |key: Option<&str>, body: &serde_json::Value| {
        let mut request = http.put(&url).header(PROTOCOL_HEADER, "1").json(body);
        if let Some(key) = key {
            request = request.header("authorization", key);
        }
        request.send()
    };
    assert_eq!(put(None, &changed).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let wrong = format!("{}x", &ldc);
    assert_eq!(put(Some(&wrong), &changed).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let forbidden = put(Some(&vid), &changed).await.unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    assert_eq!(forbidden.json::<ErrorBody>().await.unwrap().code, "forbidden");

    // The owner writes, naming the version it replaces.
    let written: serde_json::Value = put(Some(&ldc), &changed).await.unwrap().json().await.unwrap();
    assert_eq!(written["version"], 2);
    let stale = put(Some(&ldc), &changed).await.unwrap();
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let stale = stale.json::<ErrorBody>().await.unwrap();
    assert_eq!((stale.code.as_str(), stale.field.as_deref()), ("version_conflict", Some("version")));
    assert!(stale.message.contains("version 2"), "{}", stale.message);

    // Invalid: 422 with every problem and its field.
    let mut invalid = changed.clone();
    invalid["version"] = 2.into();
    invalid["processing_time"] = "two weeks".into();
    invalid["costs"] = serde_json::json!([{ "id": "x", "value_minor": 100 }]);
    let refused = put(Some(&ldc), &invalid).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = refused.json::<ErrorBody>().await.unwrap();
    let paths: Vec<&str> = refused.problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["costs[0].currency", "processing_time"]);
    assert_eq!(refused.field.as_deref(), Some("costs[0].currency"));
    // A body for another id than the URL's is refused.
    let mut elsewhere = changed.clone();
    elsewhere["id"] = "https://pietura.lv/id/service/other".into();
    assert_eq!(put(Some(&ldc), &elsewhere).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The linked article lost its verification when the steps/costs/channels/law changed: the
    // description alone did not change the advice.
    let article_url = format!(
        "{}v1/catalogue/articles/{}",
        server.url,
        encoded("https://pietura.lv/id/article/dog-registration-lv1")
    );
    let article: serde_json::Value =
        http.get(&article_url).header(PROTOCOL_HEADER, "1").send().await.unwrap().json().await.unwrap();
    assert!(article["verified_at"].is_string());
    let mut new_step = changed.clone();
    new_step["version"] = 2.into();
    new_step["steps"].as_array_mut().unwrap().push(serde_json::json!({ "lv": "Saglabājiet apliecinājumu." }));
    assert_eq!(put(Some(&ldc), &new_step).await.unwrap().status(), StatusCode::OK);
    let article: serde_json::Value =
        http.get(&article_url).header(PROTOCOL_HEADER, "1").send().await.unwrap().json().await.unwrap();
    assert!(article.get("verified_at").is_none(), "{article}");

    // Retire with the current version: gone from reads, a tombstone in the feed.
    let retire = http
        .delete(format!("{url}?version=3"))
        .header(PROTOCOL_HEADER, "1")
        .header("authorization", &ldc)
        .send()
        .await
        .unwrap();
    assert_eq!(retire.status(), StatusCode::OK);
    assert_eq!(http.get(&url).header(PROTOCOL_HEADER, "1").send().await.unwrap().status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn services_are_served_as_cpsv_ap_json_ld_and_turtle() {
    let server = start().await;
    import_demo(&server).await;
    let http = reqwest::Client::new();
    let url = format!("{}v1/catalogue/services/{}", server.url, encoded(DOGS));
    for (accept, syntax) in [
        ("application/ld+json", server::catalogue::rdf::RdfSyntax::JsonLd),
        ("text/turtle", server::catalogue::rdf::RdfSyntax::Turtle),
    ] {
        let response = http.get(&url).header(PROTOCOL_HEADER, "1").header("accept", accept).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with(accept.split(';').next().unwrap()));
        let bytes = response.bytes().await.unwrap();
        let graph = server::catalogue::rdf::parse(&bytes, syntax).unwrap();
        let imported = server::catalogue::cpsv::from_graph(&graph);
        assert_eq!(imported.services.len(), 1, "{accept}");
        assert_eq!(imported.services[0].name.get("en"), Some("Registering a dog"));
        assert_eq!(imported.organisations[0].id, LDC, "the competent authority comes along");
    }
}

#[tokio::test]
async fn devices_page_through_the_feed_and_flag_articles_for_their_owner() {
    let server = start().await;
    import_demo(&server).await;
    let code = add_desk(server.store.as_ref(), "Galds 1").await;
    let enrolled = client(&server.url).enroll(&code).await.unwrap();
    let creds = DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret };
    let http = reqwest::Client::builder().gzip(true).build().unwrap();
    let feed = |after: i64, limit: u32| {
        http.get(format!("{}v1/sync/catalogue?after={after}&limit={limit}", server.url))
            .header(PROTOCOL_HEADER, "1")
            .header("authorization", creds.authorization_header())
            .send()
    };
    // Paged: every record exactly once, positions increasing, until the head.
    let mut after = 0;
    let mut seen = std::collections::HashSet::new();
    loop {
        let response = feed(after, 25).await.unwrap();
        assert_eq!(response.status(), 200);
        let page: CataloguePage = response.json().await.unwrap();
        for record in &page.records {
            assert!(record.seq > after);
            assert!(seen.insert((record.kind, record.id.clone())), "{} twice", record.id);
            after = record.seq;
        }
        if page.records.is_empty() || after >= page.head {
            break;
        }
    }
    assert_eq!(seen.len(), 61 + 12 + 20 + 6 + 5, "services, organisations, articles, forms and scenarios");
    // Compressed on the wire when asked.
    let raw = reqwest::Client::builder().gzip(false).build().unwrap();
    let compressed = raw
        .get(format!("{}v1/sync/catalogue?after=0", server.url))
        .header(PROTOCOL_HEADER, "1")
        .header("authorization", creds.authorization_header())
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.headers()["content-encoding"], "gzip");
    // Without credentials: refused.
    let anonymous = reqwest::Client::new()
        .get(format!("{}v1/sync/catalogue", server.url))
        .header(PROTOCOL_HEADER, "1")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(feed(-1, 10).await.unwrap().status(), 422);

    // A clerk flags an article; its owner sees the flag, another institution does not. The
    // device alone may not: a staff member must be logged in on it.
    let article = "https://pietura.lv/id/article/dog-fee-lv0";
    let flag_body = serde_json::json!({ "reason": "outdated", "note": "Nodeva no 2027. gada ir 20 €" });
    let device_only = http
        .post(format!("{}v1/catalogue/articles/{}/flags", server.url, encoded(article)))
        .header(PROTOCOL_HEADER, "1")
        .header("authorization", creds.authorization_header())
        .json(&flag_body)
        .send()
        .await
        .unwrap();
    assert_eq!(device_only.status(), StatusCode::UNAUTHORIZED);
    let session = crate::api::clerk_session(&server, &creds).await;
    let flag = http
        .post(format!("{}v1/catalogue/articles/{}/flags", server.url, encoded(article)))
        .header(PROTOCOL_HEADER, "1")
        .header("authorization", creds.authorization_header())
        .header("pietura-session", &session)
        .json(&flag_body)
        .send()
        .await
        .unwrap();
    assert_eq!(flag.status(), StatusCode::CREATED);
    let bad_reason = http
        .post(format!("{}v1/catalogue/articles/{}/flags", server.url, encoded(article)))
        .header(PROTOCOL_HEADER, "1")
        .header("authorization", creds.authorization_header())
        .header("pietura-session", &session)
        .json(&serde_json::json!({ "reason": "boring" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let riga = key_for(&server, "https://pietura.lv/id/org/riga", "Rīgas valstspilsētas pašvaldība").await;
    let vid = key_for(&server, VID, "VID").await;
    let flags = |key: String| {
        http.get(format!("{}v1/catalogue/flags", server.url))
            .header(PROTOCOL_HEADER, "1")
            .header("authorization", key)
            .send()
    };
    let owner_flags: serde_json::Value = flags(riga).await.unwrap().json().await.unwrap();
    assert_eq!(owner_flags[0]["article_id"], article);
    assert_eq!(owner_flags[0]["centre_name"], "Rīgas VPVKAC");
    let other_flags: serde_json::Value = flags(vid).await.unwrap().json().await.unwrap();
    assert_eq!(other_flags, serde_json::json!([]));
}

#[tokio::test]
async fn a_first_sync_snapshot_downloads_whole_resumes_where_it_stopped_and_installs() {
    let server = start().await;
    import_demo(&server).await;
    let code = add_desk(server.store.as_ref(), "Galds 1").await;
    let enrolled = client(&server.url).enroll(&code).await.unwrap();
    let creds = DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret };
    let dir = tempfile::tempdir().unwrap();
    let part = dir.path().join("snapshot.gz");

    // Whole, with its position and size, every piece handed over as it came (a small channel:
    // the download waits for its reader).
    let (tee, mut pieces) = tokio::sync::mpsc::channel::<Vec<u8>>(1);
    let reading = tokio::spawn(async move {
        let mut read = Vec::new();
        while let Some(piece) = pieces.recv().await {
            read.extend(piece);
        }
        read
    });
    let whole = client(&server.url).catalogue_snapshot(&creds, &part, Some(tee)).await.unwrap();
    assert_eq!((whole.position, whole.records, whole.resumed_from), (104, 104, 0));
    let bytes = std::fs::read(&part).unwrap();
    assert_eq!(bytes.len() as u64, whole.bytes);
    assert!(bytes.starts_with(&[0x1f, 0x8b]), "gzip");
    assert_eq!(reading.await.unwrap(), bytes, "the pieces handed over are the file");

    // Cut short, it continues from where it stopped and ends up the same; the rest alone is
    // no gzip file, so nothing is handed over.
    std::fs::write(&part, &bytes[..bytes.len() / 3]).unwrap();
    let (tee, mut pieces) = tokio::sync::mpsc::channel::<Vec<u8>>(1);
    let resumed = client(&server.url).catalogue_snapshot(&creds, &part, Some(tee)).await.unwrap();
    assert_eq!(resumed.resumed_from, (bytes.len() / 3) as u64);
    assert_eq!(std::fs::read(&part).unwrap(), bytes);
    assert_eq!(pieces.recv().await, None);

    // A range for another snapshot (its tag changed) gets the whole file again.
    std::fs::write(&part, &bytes[..10]).unwrap();
    std::fs::write(dir.path().join("snapshot.gz.etag"), "\"0-stale\"").unwrap();
    let again = client(&server.url).catalogue_snapshot(&creds, &part, None).await.unwrap();
    assert_eq!(again.resumed_from, 0);
    assert_eq!(std::fs::read(&part).unwrap(), bytes);

    // Devices only; and a range past the end is refused.
    let http = reqwest::Client::new();
    let url = format!("{}v1/sync/catalogue/snapshot", server.url);
    let anonymous = http.get(&url).header(PROTOCOL_HEADER, "1").send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let past_end = http
        .get(&url)
        .header(PROTOCOL_HEADER, "1")
        .header("authorization", creds.authorization_header())
        .header("range", format!("bytes={}-", bytes.len() + 5))
        .send()
        .await
        .unwrap();
    assert_eq!(past_end.status(), StatusCode::RANGE_NOT_SATISFIABLE);

    // Unpacked, it is a catalogue file a device installs and searches.
    let unpacked = dir.path().join("catalogue.db");
    let mut decoder = flate2::read::GzDecoder::new(std::fs::File::open(&part).unwrap());
    std::io::copy(&mut decoder, &mut std::fs::File::create(&unpacked).unwrap()).unwrap();
    let store =
        offline_store::Store::open(&dir.path().join("local.db"), &offline_store::DatabaseKey::from_bytes([1; 32]))
            .unwrap();
    let progress = store.install_catalogue(&unpacked).unwrap();
    assert_eq!((progress.cursor, progress.records_applied), (104, 104));
    let hits = store
        .search(&offline_store::SearchQuery { text: "sunu nodev".into(), limit: 5, ..Default::default() })
        .unwrap();
    assert!(hits.iter().any(|h| h.title.contains("Suņu")), "{hits:?}");
    // The e-forms came with it, found by their service, and are not search hits.
    let trees = store.forms_of_service("https://pietura.lv/id/service/tree-felling").unwrap();
    assert_eq!(trees, ["https://pietura.lv/id/form/tree-felling"]);
    let record: forms::FormRecord = serde_json::from_str(&store.form_document(&trees[0]).unwrap().unwrap()).unwrap();
    assert_eq!(record.latest().version, 1);
    let hits = store
        .search(&offline_store::SearchQuery { text: "koku ciršanas".into(), limit: 20, ..Default::default() })
        .unwrap();
    assert!(hits.iter().all(|h| h.kind != offline_store::DocumentKind::Form), "{hits:?}");

    // A device's first sync unpacks the download as it comes; one that continues an interrupted
    // download unpacks its file afterwards. Both end with the whole catalogue and no leftovers.
    for cut_short in [false, true] {
        let device_dir = tempfile::tempdir().unwrap();
        let key = offline_store::DatabaseKey::from_bytes([2; 32]);
        let store = std::sync::Arc::new(offline_store::Store::open(&device_dir.path().join("local.db"), &key).unwrap());
        let part = format!("{}.snapshot.gz", store.catalogue_path().display());
        if cut_short {
            std::fs::write(&part, &bytes[..bytes.len() / 2]).unwrap();
            std::fs::copy(dir.path().join("snapshot.gz.etag"), format!("{part}.etag")).unwrap();
        }
        let clock = device::engine::system_clock();
        let progress =
            device::engine::pull_catalogue(&client(&server.url), &creds, &store, &clock, |_, _| {}).await.unwrap();
        assert_eq!((progress.cursor, progress.records_applied), (104, 104), "cut short: {cut_short}");
        let hits = store
            .search(&offline_store::SearchQuery { text: "sunu nodev".into(), limit: 5, ..Default::default() })
            .unwrap();
        assert!(hits.iter().any(|h| h.title.contains("Suņu")), "cut short: {cut_short}: {hits:?}");
        let left: Vec<_> = std::fs::read_dir(device_dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.contains(".snapshot"))
            .collect();
        assert!(left.is_empty(), "cut short: {cut_short}: left behind {left:?}");
    }
}

#[tokio::test]
async fn a_device_caught_up_with_an_empty_catalogue_takes_no_snapshot_again_and_gets_what_comes_from_the_feed() {
    use std::os::unix::fs::MetadataExt;
    // A server set up before its catalogue is imported: devices enrolled meanwhile sync every
    // round, and must not download and install the (empty) snapshot each time.
    let server = start().await;
    let code = add_desk(server.store.as_ref(), "Galds 1").await;
    let enrolled = client(&server.url).enroll(&code).await.unwrap();
    let creds = DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret };
    let device_dir = tempfile::tempdir().unwrap();
    let key = offline_store::DatabaseKey::from_bytes([3; 32]);
    let store = std::sync::Arc::new(offline_store::Store::open(&device_dir.path().join("local.db"), &key).unwrap());
    let clock = device::engine::system_clock();
    let sync = client(&server.url);
    let pull = || device::engine::pull_catalogue(&sync, &creds, &store, &clock, |_, _| {});
    // The installed catalogue file: a snapshot is installed by renaming a new file over it.
    let installed = || std::fs::metadata(store.catalogue_path()).unwrap().ino();

    let first = pull().await.unwrap();
    assert_eq!(first.cursor, 0);
    assert!(first.is_caught_up(), "{first:?}");
    let after_first = installed();
    for _ in 0..3 {
        let again = pull().await.unwrap();
        assert!(again.is_caught_up(), "{again:?}");
        assert_eq!(installed(), after_first, "the empty snapshot was downloaded and installed again");
    }

    // The catalogue imported later, small: its records come through the feed.
    import_demo(&server).await;
    let later = pull().await.unwrap();
    assert_eq!(later.cursor, 104);
    assert!(later.is_caught_up(), "{later:?}");
    assert_eq!(installed(), after_first, "a catalogue this small comes through the feed");
    let hits = store
        .search(&offline_store::SearchQuery { text: "sunu nodev".into(), limit: 5, ..Default::default() })
        .unwrap();
    assert!(hits.iter().any(|h| h.title.contains("Suņu")), "{hits:?}");
}

fn example(name: &str) -> server::catalogue::files::CatalogueFile {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cpsv-ap").join(name);
    server::catalogue::files::read(&path).unwrap().catalogue
}

#[tokio::test]
async fn what_an_import_cannot_map_is_stored_and_served_again_in_the_services_cpsv_ap() {
    let server = start().await;
    #[allow(clippy::disallowed_methods)] // the import's time
    let now = chrono::Utc::now();
    let catalogue = server::catalogue::Catalogue::new(server.store.clone());
    catalogue.import(example("semic-3.2.0_example-rdf_public_service.ttl"), now).await.unwrap();
    let url = format!("{}v1/catalogue/services/{}", server.url, encoded("http://example.com/publicService1"));
    let response =
        reqwest::Client::new().get(&url).header(PROTOCOL_HEADER, "1").header("accept", "text/turtle").send().await;
    let turtle = response.unwrap().text().await.unwrap();
    let graph = server::catalogue::rdf::parse(turtle.as_bytes(), server::catalogue::rdf::RdfSyntax::Turtle).unwrap();
    let has = |s: &str, p: &str, o: &str| {
        graph.iter().any(|t| {
            t.subject.to_string() == format!("<{s}>") && t.predicate.as_str() == p && t.object.to_string() == o
        })
    };
    // Through the database and the API, not only in memory: the input type, the special
    // opening hours with their days, the requirement's type.
    assert!(
        has(
            "http://example.com/publicService1",
            "http://data.europa.eu/m8g/hasInputType",
            "<http://example.com/evidenceType1>"
        ),
        "{turtle}"
    );
    assert!(has(
        "http://example.com/requirement1",
        "http://purl.org/dc/terms/type",
        "<http://example.com/federalreduction>"
    ));
    assert!(has(
        "http://example.com/specialOpeningHours1",
        "http://purl.org/dc/terms/description",
        "\"closed on weekend\"@en"
    ));
    assert!(graph.iter().any(|t| t.object.to_string() == "<http://www.w3.org/2006/time#Saturday>"));
    // Importing the same file again changes nothing (the kept statements are canonical).
    let again = catalogue.import(example("semic-3.2.0_example-rdf_public_service.ttl"), now).await.unwrap();
    assert_eq!(again.unchanged, 2, "{again:?}");
}

#[tokio::test]
async fn a_service_whose_competent_authority_nobody_describes_is_refused_with_what_to_do() {
    let server = start().await;
    #[allow(clippy::disallowed_methods)] // the import's time
    let now = chrono::Utc::now();
    let catalogue = server::catalogue::Catalogue::new(server.store.clone());
    // Smart Data Models' example names an organisation it does not describe.
    let err = catalogue.import(example("sdm_PublicService_example.jsonld"), now).await.unwrap_err().to_string();
    assert!(err.contains("urn:ngsi-ld:CPSV-AP:PublicOrganization:8566c45a-8b9e-46d5-8371-81c8ad002362"), "{err}");
    assert!(err.contains("neither in this file nor in the catalogue"), "{err}");
    assert!(catalogue.live_services_and_organisations().await.unwrap().0.is_empty(), "nothing imported");
    // Once the organisation is in the catalogue, the same file goes in.
    let mut with_authority = example("sdm_PublicService_example.jsonld");
    with_authority.organisations.push(domain::catalogue::PublicOrganisation {
        id: "urn:ngsi-ld:CPSV-AP:PublicOrganization:8566c45a-8b9e-46d5-8371-81c8ad002362".into(),
        identifier: None,
        registration_number: None,
        name: domain::catalogue::Text::new().with("en", "Finnish Patent and Registration Office"),
        spatial: vec!["http://publications.europa.eu/resource/authority/country/FIN".into()],
        municipality: None,
        contact_points: vec![],
        e_address: None,
        version: 0,
        kept_rdf: None,
    });
    catalogue.import(with_authority, now).await.unwrap();
}

#[tokio::test]
async fn catalogue_reads_carry_tags_answer_304_and_see_changes_made_elsewhere_within_a_second() {
    let server = start().await;
    import_demo(&server).await;
    let http = reqwest::Client::new();
    let url = format!("{}v1/catalogue/services/{}", server.url, encoded(DOGS));
    let get = |tag: Option<String>, accept: &'static str| {
        let mut request = http.get(&url).header(PROTOCOL_HEADER, "1").header("accept", accept);
        if let Some(tag) = tag {
            request = request.header("if-none-match", tag);
        }
        request.send()
    };
    let first = get(None, "application/json").await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let tag = first.headers()["etag"].to_str().unwrap().to_owned();
    let body = first.text().await.unwrap();
    // From memory the second time: the same body and tag.
    let again = get(None, "application/json").await.unwrap();
    assert_eq!(again.headers()["etag"].to_str().unwrap(), tag);
    assert_eq!(again.text().await.unwrap(), body);
    // The client holding it hears "not modified", without a body.
    let unchanged = get(Some(tag.clone()), "application/json").await.unwrap();
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    assert!(unchanged.bytes().await.unwrap().is_empty());
    // Each representation has its own tag.
    let turtle = get(Some(tag.clone()), "text/turtle").await.unwrap();
    assert_eq!(turtle.status(), StatusCode::OK);
    assert_ne!(turtle.headers()["etag"].to_str().unwrap(), tag);

    // A change made elsewhere (the operator's import, another instance) is seen within a second.
    let mut demo = server::catalogue::files::read(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/demo-catalogue.pietura.json"),
    )
    .unwrap()
    .catalogue;
    let dogs = demo.services.iter_mut().find(|s| s.id == DOGS).unwrap();
    dogs.description.set("lv", "Mainīts citur.");
    demo.services.retain(|s| s.id == DOGS);
    demo.organisations.clear();
    demo.articles.clear();
    demo.scenarios.clear();
    #[allow(clippy::disallowed_methods)] // the import's time
    let now = chrono::Utc::now();
    server::catalogue::Catalogue::new(server.store.clone()).import(demo, now).await.unwrap();
    tokio::time::sleep(server::catalogue::reads::CHECK_EVERY + std::time::Duration::from_millis(100)).await;
    let changed = get(Some(tag.clone()), "application/json").await.unwrap();
    assert_eq!(changed.status(), StatusCode::OK, "the old tag no longer matches");
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), tag);
    assert!(changed.text().await.unwrap().contains("Mainīts citur."));
}
