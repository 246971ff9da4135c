//! Workshops on a training server (issue 18): a trainer opens one from a desk; each seat's desk
//! enrolls with its code and its training clerk's card logs in; what the trainee does there shows
//! as the seat's progress through the scenario's steps; a reset starts the seat again. Only
//! trainers, only at their own centre.

use domain::case::{Actor, Case, CaseKind, CaseStatus, StatusChange};
use domain::{DeviceKind, Role};
use protocol::{OutboxEntryDto, WorkshopView};
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::api::{Running, author_of, card_of, client_for, enrolled, log_in_with};
use crate::people::now;

const BIRTH: &str = "https://pietura.lv/id/training/birth";
const RETIREMENT: &str = "https://pietura.lv/id/training/retirement";

async fn call(
    server: &Running,
    desk: &protocol::DeviceCredentials,
    session: &str,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let answer = crate::api::as_person(server, desk, session, method, path, body).await;
    (answer.status().as_u16(), answer.json().await.unwrap_or_default())
}

fn step<'a>(view: &'a WorkshopView, seat: u8, scenario: &str, step: &str) -> &'a str {
    let seat = view.seats.iter().find(|s| s.seat == seat).unwrap();
    let progress = seat.progress.iter().find(|p| p.scenario == scenario).unwrap();
    &progress.steps.iter().find(|s| s.step == step).unwrap().state
}

/// A new application case for `customer` of `service` (held by Riga), numbered `sequence` at the
/// desk `hello` describes, registered now by `actor`.
fn case_at(hello: &protocol::HelloResponse, service: &str, customer: &str, sequence: u32, actor: &Actor) -> Case {
    let served = now();
    Case::register(domain::case::NewCase {
        id: Uuid::now_v7(),
        number: domain::case::CaseNumber::new(
            &hello.centre.code,
            hello.desk_number.unwrap(),
            chrono::Datelike::year(&served),
            sequence,
        )
        .unwrap(),
        service_id: service.into(),
        kind: CaseKind::Application,
        channel: domain::catalogue::ChannelKind::VpvkacInPerson,
        customer: domain::case::customer_from_code(customer, "ANNA BĒRZIŅA").unwrap(),
        holder_institution: "https://pietura.lv/id/org/riga".into(),
        provider_institution: None,
        centre_id: hello.centre.id,
        arrived_at: served,
        served_at: served,
        registered_at: served,
        registered_by: actor.clone(),
        note: String::new(),
    })
    .unwrap()
}

/// The outbox entries a desk sends for `case` registered and then marked submitted by `actor`,
/// logged in as `session`.
fn registered_and_submitted(case: &Case, actor: &Actor, session: &str) -> Vec<OutboxEntryDto> {
    let change = StatusChange { status: CaseStatus::Submitted, at: now(), actor: actor.clone(), note: String::new() };
    let entry = |id, kind: &str, payload| OutboxEntryDto {
        id,
        kind: kind.into(),
        payload,
        offline: false,
        author: Some(author_of(session)),
    };
    vec![
        entry(case.id, "case_registered", serde_json::to_value(case).unwrap()),
        entry(
            Uuid::now_v7(),
            "case_status",
            json!({ "case_id": case.id, "change": change, "from": CaseStatus::Registered }),
        ),
    ]
}

on_both_backends!(training_server: a_trainer_opens_a_workshop_and_follows_each_seat);

async fn a_trainer_opens_a_workshop_and_follows_each_seat(server: Running) {
    let store = server.store.as_ref();
    server::devices::add_centre(store, "Rīgas VPVKAC", "Rīga", Some("RCV"), now()).await.unwrap();
    server::devices::add_centre(store, "Cēsu VPVKAC", "Cēsis", Some("CES"), now()).await.unwrap();
    crate::api::import_demo(&server).await;
    let trainer = domain::training::training_code(900, 0).to_string();
    let other_trainer = domain::training::training_code(900, 1).to_string();
    let clerk = domain::training::training_code(900, 2).to_string();
    server::login::grant(store, &trainer, Role::Trainer, "Rīgas VPVKAC", now()).await.unwrap();
    server::login::grant(store, &other_trainer, Role::Trainer, "Cēsu VPVKAC", now()).await.unwrap();
    server::login::grant(store, &clerk, Role::Clerk, "Rīgas VPVKAC", now()).await.unwrap();
    let trainer_desk = enrolled(&server, "Rīgas VPVKAC", DeviceKind::Desk, "Trenera galds").await;
    let cesis_desk = enrolled(&server, "Cēsu VPVKAC", DeviceKind::Desk, "Cēsu galds").await;
    let session = log_in_with(&server, &trainer_desk, &mut card_of(&server, &trainer)).await;

    // Only a trainer opens workshops.
    let clerk_session = log_in_with(&server, &trainer_desk, &mut card_of(&server, &clerk)).await;
    let path = protocol::TRAINING_WORKSHOPS_PATH;
    assert_eq!(call(&server, &trainer_desk, &clerk_session, Method::GET, path, None).await.0, 403);
    // What is asked is checked, and said.
    let bad = [
        (json!({ "scenarios": [BIRTH], "seats": 0 }), "seats"),
        (json!({ "scenarios": [BIRTH], "seats": 31 }), "seats"),
        (json!({ "scenarios": [], "seats": 2 }), "scenarios"),
        (json!({ "scenarios": [BIRTH, BIRTH], "seats": 2 }), "scenarios"),
        (json!({ "scenarios": ["https://pietura.lv/id/training/none"], "seats": 2 }), "scenarios"),
    ];
    for (body, field) in bad {
        let (status, answer) = call(&server, &trainer_desk, &session, Method::POST, path, Some(body.clone())).await;
        assert_eq!((status, answer["field"].as_str()), (422, Some(field)), "{body}: {answer}");
    }
    let (status, opened) = call(
        &server,
        &trainer_desk,
        &session,
        Method::POST,
        path,
        Some(json!({ "scenarios": [BIRTH, RETIREMENT], "seats": 2 })),
    )
    .await;
    assert_eq!(status, 201, "{opened}");
    let opened: WorkshopView = serde_json::from_value(opened).unwrap();
    assert_eq!(opened.seats.len(), 2);
    assert_eq!(opened.scenarios.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), [BIRTH, RETIREMENT]);
    for seat in &opened.seats {
        assert!(seat.enrollment_code.is_some(), "the codes come with the opening");
        assert!(domain::PersonalCode::parse(&seat.clerk.personal_code).unwrap().is_training());
        assert_eq!(seat.customers.len(), 2);
        assert!(seat.progress.iter().all(|p| !p.finished && p.steps.iter().all(|s| s.state == "waiting")));
    }
    let people: std::collections::HashSet<&str> = opened
        .seats
        .iter()
        .flat_map(|s| std::iter::once(&s.clerk).chain(s.customers.iter().map(|c| &c.person)))
        .map(|p| p.personal_code.as_str())
        .collect();
    assert_eq!(people.len(), 2 * 3, "every seat's people are their own");
    // Another centre's trainer does not find it; the codes are not shown again.
    let own = format!("/v1/training/workshops/{}", opened.id);
    let cesis_session = log_in_with(&server, &cesis_desk, &mut card_of(&server, &other_trainer)).await;
    assert_eq!(call(&server, &cesis_desk, &cesis_session, Method::GET, &own, None).await.0, 404);
    let (_, listed) = call(&server, &trainer_desk, &session, Method::GET, path, None).await;
    assert_eq!(listed["workshops"][0]["id"], opened.id.to_string());

    // Seat 1: its desk enrolls with its code, its training clerk logs in and serves the birth
    // scenario's customer: registers the case and submits it.
    let seat = &opened.seats[0];
    let customer = &seat.customers.iter().find(|c| c.scenario == BIRTH).unwrap().person.personal_code;
    let sync = client_for(&server);
    let desk = sync.enroll(seat.enrollment_code.as_ref().unwrap()).await.unwrap();
    let desk = protocol::DeviceCredentials { device_id: desk.device_id, secret: desk.device_secret };
    let hello = sync.hello(&desk).await.unwrap();
    // The trainee logs in with a training card the server issues to the seat's desk: only for
    // this centre's training people.
    let card_to = |device: &protocol::DeviceCredentials, code: String| {
        let (server, device) = (&server, device.clone());
        async move {
            let answer = reqwest::Client::new()
                .post(format!("{}{}", server.url.trim_end_matches('/'), protocol::TRAINING_CARDS_PATH))
                .header("pietura-protocol", "1")
                .header("authorization", device.authorization_header())
                .json(&json!({ "personal_code": code }))
                .send()
                .await
                .unwrap();
            let status = answer.status().as_u16();
            (status, answer.json::<serde_json::Value>().await.unwrap())
        }
    };
    let card_for = |code: String| card_to(&desk, code);
    // A training kiosk of the centre takes a workshop customer's card (a citizen's), never the
    // clerk's or the trainer's.
    let kiosk = enrolled(&server, "Rīgas VPVKAC", DeviceKind::Kiosk, "Mācību kiosks").await;
    assert_eq!(card_to(&kiosk, customer.clone()).await.0, 201);
    assert_eq!(card_to(&kiosk, seat.clerk.personal_code.clone()).await.0, 404, "a clerk's card is no kiosk's");
    assert_eq!(card_to(&kiosk, trainer.clone()).await.0, 404, "nor a trainer's");
    assert_eq!(card_for("290156-11605".into()).await.0, 403, "a real person's card, never");
    assert_eq!(card_for(domain::training::training_code(4242, 7).to_string()).await.0, 404, "someone else's");
    let (status, issued) = card_for(seat.clerk.personal_code.clone()).await;
    assert_eq!(status, 201, "{issued}");
    let issued: protocol::TrainingCard = serde_json::from_value(issued).unwrap();
    assert_eq!(issued.person, seat.clerk, "named as the handout names them");
    let profile = eid::test_ca::CardProfile::from_json(&issued.profile).unwrap();
    let mut training_card = eid::EidCard::new(eid::virtual_card::VirtualCard::new(profile));
    let trainee = log_in_with(&server, &desk, &mut training_card).await;
    let actor =
        Actor::Staff { personal_code: domain::PersonalCode::parse(&seat.clerk.personal_code).unwrap(), offline: false };
    let case = case_at(&hello, "https://pietura.lv/id/service/birth-registration", customer, 1, &actor);
    let reply = sync.push_outbox(&desk, registered_and_submitted(&case, &actor, &trainee)).await.unwrap();
    assert!(reply.results.iter().all(|r| r.outcome == "applied"), "{reply:?}");

    // The trainer sees it: seat 1 registered and submitted, the decision still to come; seat 2
    // has done nothing.
    let (_, view) = call(&server, &trainer_desk, &session, Method::GET, &own, None).await;
    let view: WorkshopView = serde_json::from_value(view).unwrap();
    assert_eq!((step(&view, 1, BIRTH, "register"), step(&view, 1, BIRTH, "submit")), ("done", "done"));
    assert_eq!(step(&view, 1, BIRTH, "decision"), "waiting");
    assert_eq!(step(&view, 2, BIRTH, "register"), "waiting");
    assert!(view.seats.iter().all(|s| s.enrollment_code.is_none()));

    // The simulated institution answers as a real one: takes the case on, then decides it and
    // writes to the customer's e-address; each round moves a case one step, and only once.
    let riga = "https://pietura.lv/id/org/riga";
    server::institutions::add_institution(store, riga, "Rīgas valstspilsētas pašvaldība", false, now()).await.unwrap();
    let riga_box = "_DEFAULT@90011524360";
    store
        .put_account(crate::api::account(riga_box, domain::eaddress::AccountKind::Institution, Some(riga), None))
        .await
        .unwrap();
    let state = server::AppState::new(server.store.clone(), server::clock::system_clock());
    let answer = || async {
        server::training::answer_as_institutions(
            store,
            &state.attachments,
            &state.calendar,
            chrono::Duration::zero(),
            now(),
        )
        .await
        .unwrap()
    };
    let first = answer().await;
    assert_eq!((first.taken_on, first.decided), (1, 0));
    assert_eq!(store.case(case.id).await.unwrap().unwrap().status, "in_progress");
    let second = answer().await;
    assert_eq!((second.taken_on, second.decided, second.letters), (0, 1, 1));
    assert_eq!(answer().await, server::training::InstitutionsAnswered::default(), "a decided case rests");
    let inbox_of = domain::eaddress::EAddress::private(&domain::PersonalCode::parse(customer).unwrap()).to_string();
    let inbox = store.inbox(inbox_of, None, 10).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(
        (inbox[0].0.sender.as_str(), inbox[0].0.case_number.as_deref()),
        (riga_box, Some(case.number.to_string().as_str()))
    );
    let (_, view) = call(&server, &trainer_desk, &session, Method::GET, &own, None).await;
    let view: WorkshopView = serde_json::from_value(view).unwrap();
    assert_eq!(step(&view, 1, BIRTH, "decision"), "done", "the trainee can explain the answer now");

    // The kindergarten queue e-form without a phone or an e-mail: Riga's script refuses it by a
    // letter to the centre's mailbox, in reply to the submission, and does not take the case on;
    // the trainer sees why; a complete one sent again is taken on.
    let centre_box = crate::people::CENTRE_BOX;
    store
        .put_account(crate::api::account(
            centre_box,
            domain::eaddress::AccountKind::Institution,
            None,
            Some(hello.centre.id),
        ))
        .await
        .unwrap();
    let preschool = case_at(&hello, "https://pietura.lv/id/service/preschool-queue", customer, 2, &actor);
    let reply = sync.push_outbox(&desk, registered_and_submitted(&preschool, &actor, &trainee)).await.unwrap();
    assert!(reply.results.iter().all(|r| r.outcome == "applied"), "{reply:?}");
    let clerk_at_desk = server::eaddress::Principal::Person {
        personal_code: seat.clerk.personal_code.clone(),
        device_id: desk.device_id,
        centre_id: hello.centre.id,
        roles: vec![Role::Clerk],
        kiosk: false,
    };
    let submit = |data: serde_json::Value| {
        let (state, preschool) = (&state, &preschool);
        let clerk_at_desk = clerk_at_desk.clone();
        async move {
            let id = Uuid::now_v7();
            let message = server::eaddress::NewMessage {
                id,
                recipients: vec![riga_box.into()],
                subject: "E-veidlapa".into(),
                body: String::new(),
                case_number: Some(preschool.number.to_string()),
                in_reply_to: None,
                attachments: Vec::new(),
            };
            server::eaddress::send(
                store,
                &state.attachments,
                &state.calendar,
                &clerk_at_desk,
                centre_box,
                message,
                now(),
            )
            .await
            .unwrap();
            let application = json!({ "case_number": preschool.number.to_string(), "data": data });
            let row = server::store::FormSubmissionRow {
                seq: 0,
                id,
                form_id: "https://pietura.lv/id/form/preschool-queue".into(),
                holder: riga.into(),
                case_number: preschool.number.to_string(),
                application: application.to_string(),
                received_at: now(),
            };
            assert!(store.record_form_submission(row).await.unwrap());
            id
        }
    };
    let incomplete = submit(json!({ "child_name": "JĀNIS BĒRZIŅŠ", "phone": "" })).await;
    let refused = answer().await;
    assert_eq!((refused.refused, refused.taken_on), (1, 0), "{refused:?}");
    assert_eq!(answer().await, server::training::InstitutionsAnswered::default(), "one letter, and the case is held");
    assert_eq!(store.case(preschool.id).await.unwrap().unwrap().status, "submitted");
    let letters = store.inbox(centre_box.into(), None, 10).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!((letters[0].0.sender.as_str(), letters[0].0.in_reply_to), (riga_box, Some(incomplete)));
    assert!(letters[0].0.body.contains("neither a phone number nor an e-mail"), "{}", letters[0].0.body);
    let (_, view) = call(&server, &trainer_desk, &session, Method::GET, &own, None).await;
    let view: WorkshopView = serde_json::from_value(view).unwrap();
    assert_eq!(step(&view, 1, BIRTH, "preschool-form"), "wrong");
    submit(json!({ "child_name": "JĀNIS BĒRZIŅŠ", "email": "anna@example.lv" })).await;
    assert_eq!(answer().await.taken_on, 1, "complete now: taken on");
    let (_, view) = call(&server, &trainer_desk, &session, Method::GET, &own, None).await;
    let view: WorkshopView = serde_json::from_value(view).unwrap();
    assert_eq!(step(&view, 1, BIRTH, "preschool-form"), "done");

    // Seat 1 starts again: what was done before no longer counts; an unknown seat is said.
    let reset = format!("/v1/training/workshops/{}/reset", opened.id);
    let (status, again) =
        call(&server, &trainer_desk, &session, Method::POST, &reset, Some(json!({ "seat": 1 }))).await;
    assert_eq!(status, 200, "{again}");
    let again: WorkshopView = serde_json::from_value(again).unwrap();
    assert_eq!(step(&again, 1, BIRTH, "register"), "waiting");
    assert_eq!(call(&server, &trainer_desk, &session, Method::POST, &reset, Some(json!({ "seat": 9 }))).await.0, 404);
}

on_both_backends!(training_server: each_workshop_gives_its_customers_a_past_of_their_own);

/// Each workshop's customers come with what their stories say they already have: letters in
/// their e-address from the institutions that have a mailbox here, an earlier case at the centre
/// closed a year ago, and (starting a business) a company they represent whose mailbox the
/// accountant may read. None of it counts as the trainee's work; a second workshop gets fresh
/// people with a past of their own.
async fn each_workshop_gives_its_customers_a_past_of_their_own(server: Running) {
    use domain::eaddress::AccountKind;
    const START: &str = "https://pietura.lv/id/training/start";
    let store = server.store.as_ref();
    server::devices::add_centre(store, "Rīgas VPVKAC", "Rīga", Some("RCV"), now()).await.unwrap();
    crate::api::import_demo(&server).await;
    for (id, name, mailbox) in [
        ("https://pietura.lv/id/org/vsaa", "VSAA", "_DEFAULT@90001479204"),
        ("https://pietura.lv/id/org/vid", "VID", "_DEFAULT@90000069281"),
    ] {
        server::institutions::add_institution(store, id, name, false, now()).await.unwrap();
        store.put_account(crate::api::account(mailbox, AccountKind::Institution, Some(id), None)).await.unwrap();
    }
    let trainer = domain::training::training_code(901, 0).to_string();
    server::login::grant(store, &trainer, Role::Trainer, "Rīgas VPVKAC", now()).await.unwrap();
    let desk = enrolled(&server, "Rīgas VPVKAC", DeviceKind::Desk, "Trenera galds").await;
    let session = log_in_with(&server, &desk, &mut card_of(&server, &trainer)).await;
    let open = || async {
        let body = json!({ "scenarios": [BIRTH, START], "seats": 1 });
        let (status, opened) =
            call(&server, &desk, &session, Method::POST, protocol::TRAINING_WORKSHOPS_PATH, Some(body)).await;
        assert_eq!(status, 201, "{opened}");
        serde_json::from_value::<WorkshopView>(opened).unwrap()
    };
    let inbox = |code: String| async move {
        let address = domain::eaddress::EAddress::private(&domain::PersonalCode::parse(&code).unwrap()).to_string();
        store.inbox(address, None, 10).await.unwrap()
    };

    let first = open().await;
    let seat = &first.seats[0];
    let (mother, founder) = (&seat.customers[0], &seat.customers[1]);
    // Letters: the mother's from VSAA, the founder's from VID.
    let letters = inbox(mother.person.personal_code.clone()).await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(
        (letters[0].0.sender.as_str(), letters[0].0.subject.as_str()),
        ("_DEFAULT@90001479204", "Vecāku pabalsta pieprasīšana")
    );
    assert!(letters[0].0.body.contains("parental benefit"), "in both languages");
    assert_eq!(inbox(founder.person.personal_code.clone()).await[0].0.sender, "_DEFAULT@90000069281");
    // Earlier cases at the centre, closed a year ago, at desk 99: the customers' own.
    let centre = store.find_centre_by_name("Rīgas VPVKAC").await.unwrap().unwrap();
    let past: Vec<_> = store
        .centre_cases_since(centre.id, now() - chrono::Duration::days(400))
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.number.contains("-99-"))
        .collect();
    let last_year = chrono::Datelike::year(&(now() - chrono::Duration::days(365))) % 100;
    assert_eq!(past.len(), 2, "{past:?}");
    assert_eq!(past[0].number, format!("RCV-99-{last_year:02}-0001"));
    assert_eq!(
        (past[0].customer_code.as_str(), past[0].status.as_str()),
        (mother.person.personal_code.as_str(), "closed")
    );
    assert_eq!(past[0].service_id, "https://pietura.lv/id/service/eid-card");
    assert_eq!(past[0].holder_institution, "https://pietura.lv/id/org/pmlp");
    assert_eq!(past[1].customer_code, founder.person.personal_code);
    // The founder's company: a training registration number, its mailbox, the founder as its
    // representative, read by the accountant (the founder's relative) until a year from now.
    let accountant = &founder.relatives[0];
    assert_eq!(accountant.role.get("en"), Some("The accountant"));
    let held = store.representatives(None, Some(founder.person.personal_code.clone())).await.unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    assert!(held[0].mailbox.starts_with("_DEFAULT@49999"), "{}", held[0].mailbox);
    let company = store.accounts(vec![held[0].mailbox.clone()]).await.unwrap().pop().unwrap();
    assert_eq!((company.kind, company.name.as_str()), (AccountKind::Legal, "IK \"Mācību darbnīca\""));
    let delegated = store.delegations(Some(held[0].mailbox.clone()), None).await.unwrap();
    assert_eq!(delegated.len(), 1);
    assert_eq!(
        (delegated[0].delegate.as_str(), delegated[0].rights),
        (accountant.person.personal_code.as_str(), domain::eaddress::Right::Read)
    );
    // None of it is the trainee's work.
    assert!(seat.progress.iter().all(|p| p.steps.iter().all(|s| s.state == "waiting")), "{:?}", seat.progress);

    // The next workshop: other people, their own letters and cases, another company.
    let second = open().await;
    let next = &second.seats[0].customers[0];
    assert_ne!(next.person.personal_code, mother.person.personal_code);
    assert_eq!(inbox(next.person.personal_code.clone()).await.len(), 1);
    assert_eq!(inbox(mother.person.personal_code.clone()).await.len(), 1, "the first workshop's letters stay theirs");
    let numbers: Vec<String> = store
        .centre_cases_since(centre.id, now() - chrono::Duration::days(400))
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.number.contains("-99-"))
        .map(|c| c.number)
        .collect();
    assert_eq!(numbers.len(), 4, "{numbers:?}");
    let second_company =
        store.representatives(None, Some(second.seats[0].customers[1].person.personal_code.clone())).await.unwrap();
    assert_ne!(second_company[0].mailbox, held[0].mailbox);
}
