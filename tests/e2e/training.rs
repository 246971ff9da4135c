//! Training desks and training servers (issue 18), with the real server binary: a training desk
//! works with a training server and marks every page it prints; a desk in normal use is refused
//! by a training server, and a training desk by the real one, before anything is stored.

use std::time::Duration;

use tests::{bin_dir, desk::TestDesk, free_port, processes::ServerProcess, scenario::Scenario};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_training_desk_works_with_a_training_server_only_and_marks_what_it_prints() {
    let dir = tempfile::tempdir().unwrap();
    let mut scenario = Scenario::in_dir(dir.path());
    scenario.centre("Mācību centrs", "Rīga").unwrap();
    let ca = scenario.trust_test_ca().unwrap().clone();
    scenario.demo_catalogue().unwrap();
    let refused_code = scenario.device("Mācību centrs", "desk", "Vieta 1").unwrap();
    let training_code = scenario.device("Mācību centrs", "desk", "Vieta 2").unwrap();
    let training = ServerProcess::start_with(&bin_dir(), &scenario.db, free_port(), |server| {
        server.env("PIETURA_ENVIRONMENT", "training");
    })
    .unwrap();
    let clock = device::engine::system_clock();
    // Its training cards' CA was made on its first start, beside its database, its key the
    // server's user's only.
    let ca_dir = std::path::PathBuf::from(format!("{}.training-ca", scenario.db.display()));
    assert!(ca_dir.join("ica.pem").exists(), "the training CA at {}", ca_dir.display());
    let key_mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(ca_dir.join("ica-key.pem")).unwrap().permissions());
    assert_eq!(key_mode & 0o077, 0, "the CA's key is readable by others: {key_mode:o}");

    // A desk in normal use takes nothing from a training server.
    let normal = TestDesk::new(dir.path().join("normal"), clock.clone(), &ca).unwrap().open().unwrap();
    let refused = normal.enroll(&training.url, &refused_code).await.unwrap_err();
    assert_eq!(refused.code.name(), "environment_crossing", "{refused:?}");
    assert!(normal.enrollment().unwrap().is_none(), "nothing was kept");

    // A training desk enrolls, syncs the training catalogue and prints marked pages.
    let desk = TestDesk::new(dir.path().join("training"), clock, &ca).unwrap();
    let session = desk.open().unwrap().for_training();
    session.enroll(&training.url, &training_code).await.unwrap();
    let started = std::time::Instant::now();
    while session.status().catalogue.caught_up_at.is_none() {
        assert!(started.elapsed() < Duration::from_secs(30), "never synced: {:?}", session.status());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A trainer of the centre (granted by the operator) puts their training card in the desk's
    // training reader and logs in with PIN1, through the same code as a real card.
    let trainer = domain::training::training_code(77, 0).to_string();
    let granted = tests::processes::server_command(&bin_dir(), &scenario.db, 0)
        .env("PIETURA_ENVIRONMENT", "training")
        .args(["user", "grant", &trainer, "--role", "trainer", "--centre", "Mācību centrs"])
        .output()
        .unwrap();
    assert!(granted.status.success(), "{}", String::from_utf8_lossy(&granted.stderr));
    let readers = std::sync::Arc::new(device::login::TrainingReaders::new());
    let carded = device::session::DeviceSession::open_with_cards(
        &dir.path().join("carded"),
        &format!("pietura-test-training-{}", uuid::Uuid::new_v4()),
        device::schedule::SchedulePolicy::default(),
        device::engine::system_clock(),
        readers.clone(),
    )
    .unwrap()
    .for_training()
    .with_training_cards(readers);
    let third_code = scenario.device("Mācību centrs", "desk", "Vieta 3").unwrap();
    carded.enroll(&training.url, &third_code).await.unwrap();
    let refused = carded.insert_training_card("290156-11605", false).await.unwrap_err();
    assert_eq!(refused.code.name(), "environment_crossing", "a real person's card, never");
    let person = carded.insert_training_card(&trainer, false).await.unwrap();
    assert_eq!(person.pin1, "1234");
    let logged_in = carded.log_in(Some("1234")).await.unwrap();
    assert_eq!(logged_in.state, "logged_in", "{logged_in:?}");
    assert_eq!(logged_in.person.unwrap().roles, ["trainer"]);
    carded.stop().await;

    let answers = serde_json::from_value(serde_json::json!({ "riga": false })).unwrap();
    let saved = session.save_plan("https://pietura.lv/id/event/birth", &answers, false).unwrap();
    let text = tests::pdf_text(&std::fs::read(saved.pdf.unwrap()).unwrap());
    let pages = text.matches('\u{c}').count().max(1);
    assert_eq!(text.matches("MĀCĪBAS / TRAINING").count(), 2 * pages, "top and bottom of every page:\n{text}");
    session.stop().await;

    // The same training desk's client is refused by a real server.
    let real = ServerProcess::start(&bin_dir(), &dir.path().join("real.db"), free_port()).unwrap();
    let other = TestDesk::new(dir.path().join("training-2"), device::engine::system_clock(), &ca).unwrap();
    let refused = other.open().unwrap().for_training().enroll(&real.url, "ZZZZ-ZZZZ").await.unwrap_err();
    assert_eq!(refused.code.name(), "environment_crossing", "{refused:?}");
}
