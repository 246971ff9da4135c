//! The wire format, pinned: every DTO the server and the devices exchange is written here as a
//! representative value and compared with its JSON fixture in `tests/fixtures/`. A change in
//! `domain` or here that changes what goes over the wire fails this test instead of breaking
//! devices in the field. When a change is meant, keep older devices working (or raise
//! `PROTOCOL_VERSION`), then write the fixtures again with `UPDATE_WIRE_FIXTURES=1` and review
//! their diff.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use domain::case::{Actor, Case, CaseKind, CaseNumber, CaseStatus, NewCase, customer_from_code};
use domain::catalogue::ChannelKind;
use domain::eaddress::AttachmentInfo;
use domain::{Centre, DeviceKind, PersonalCode};
use protocol::*;
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(format!("{name}.json"))
}

/// Compares `value`'s JSON with the fixture `name`, and the fixture read back with `value`.
fn pinned<T: Serialize + DeserializeOwned + PartialEq>(name: &str, value: &T) {
    let written = serde_json::to_string_pretty(value).unwrap() + "\n";
    let path = fixture(name);
    if std::env::var_os("UPDATE_WIRE_FIXTURES").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &written).unwrap();
    }
    let kept = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("no fixture {}: run with UPDATE_WIRE_FIXTURES=1 and review it", path.display()));
    assert_eq!(
        written, kept,
        "{name} no longer goes over the wire as it did: keep older devices working (or raise PROTOCOL_VERSION), \
         then UPDATE_WIRE_FIXTURES=1"
    );
    let read: T = serde_json::from_str(&kept).unwrap_or_else(|e| panic!("{name}: the fixture no longer reads: {e}"));
    assert!(read == *value, "{name}: the fixture reads back as something else");
}

fn centre() -> Centre {
    Centre { id: id(1), name: "Rīgas 1. VPVKAC".into(), municipality: "Rīga".into(), code: "R1V".into() }
}

fn case() -> Case {
    let clerk = Actor::Staff { personal_code: PersonalCode::parse("161175-19997").unwrap(), offline: false };
    let mut case = Case::register(NewCase {
        id: id(10),
        number: CaseNumber::new("R1V", 1, 2027, 42).unwrap(),
        service_id: "https://pietura.lv/id/service/dog-fee".into(),
        kind: CaseKind::Application,
        channel: ChannelKind::VpvkacInPerson,
        customer: customer_from_code("325035-11782", "JĀNIS BĒRZIŅŠ").unwrap(),
        holder_institution: "https://pietura.lv/id/org/riga".into(),
        provider_institution: None,
        centre_id: id(1),
        arrived_at: at(0),
        served_at: at(60),
        registered_at: at(300),
        registered_by: clerk.clone(),
        note: "Atnesīs izziņu rīt".into(),
    })
    .unwrap();
    case.change_status(CaseStatus::Submitted, at(400), clerk, "").unwrap();
    case
}

fn attachment() -> AttachmentInfo {
    AttachmentInfo { name: "iesniegums.pdf".into(), size: 60, sha256: "ab".repeat(32) }
}

fn delivery(state: &str, read_at: Option<DateTime<Utc>>) -> DeliveryStateDto {
    DeliveryStateDto {
        recipient: "_DEFAULT@90000069281".into(),
        recipient_name: "Valsts ieņēmumu dienests".into(),
        state: state.into(),
        notified_on: NaiveDate::from_ymd_opt(2027, 1, 19).unwrap(),
        read_at,
    }
}

fn outbox_entry() -> OutboxEntryDto {
    OutboxEntryDto {
        id: id(20),
        kind: "case_register".into(),
        payload: serde_json::json!({ "case": { "number": "R1V-01-27-0042" } }),
        offline: true,
        author: Some(EntryAuthor::OfflineUnlock {
            token: "{\"format\":\"web-eid:1.0\"}".into(),
            unlocked_at: at(5),
            salt: "00ff".into(),
        }),
    }
}

fn person() -> PersonDto {
    PersonDto {
        personal_code: "161175-19997".into(),
        given_name: "ILZE".into(),
        surname: "OZOLIŅA".into(),
        country: "LV".into(),
    }
}

#[test]
fn devices_enroll_and_say_hello_as_before() {
    pinned("enroll_request", &EnrollRequest { enrollment_code: "ABCD-EFGH".into() });
    pinned(
        "enroll_response",
        &EnrollResponse {
            device_id: id(2),
            device_secret: "s3cr3t".into(),
            device_name: "Galds 1".into(),
            kind: DeviceKind::Desk,
            centre: centre(),
            desk_number: Some(1),
        },
    );
    pinned(
        "hello_response",
        &HelloResponse {
            protocol_version: PROTOCOL_VERSION,
            server_time: at(1),
            device_id: id(2),
            device_name: "Kiosks 1".into(),
            centre: centre(),
            desk_number: None,
            update: Some(UpdateOffer {
                version: "0.1.1".into(),
                sha256: "ab".repeat(32),
                size: 12_400_000,
                signature: "untrusted comment: signature from minisign secret key\nRUQ…\n".into(),
            }),
        },
    );
    pinned(
        "error_body",
        &ErrorBody {
            code: error_codes::VALIDATION.into(),
            message: "name: must not be empty".into(),
            field: Some("name".into()),
            problems: vec![ProblemDto { path: "/services/0/name".into(), problem: "missing".into() }],
        },
    );
}

#[test]
fn the_catalogue_feed_reads_as_before() {
    let record = |kind, n: i64| CatalogueRecordDto {
        kind,
        id: format!("https://pietura.lv/id/{n}"),
        version: 3,
        retired: n == 3,
        seq: n,
        document: "{\"id\":\"x\"}".into(),
    };
    pinned(
        "catalogue_page",
        &CataloguePage {
            records: vec![
                record(CatalogueKind::Service, 1),
                record(CatalogueKind::Organisation, 2),
                record(CatalogueKind::Article, 3),
            ],
            head: 93,
        },
    );
    pinned("flag_request", &FlagRequest { reason: "outdated".into(), note: "Cena mainījusies".into() });
}

#[test]
fn outbox_pushes_and_their_answers_read_as_before() {
    let online = OutboxEntryDto {
        id: id(21),
        kind: "message_send".into(),
        payload: serde_json::to_value(MessageEntry {
            from: String::new(),
            composed_by: "161175-19997".into(),
            recipients: vec!["_DEFAULT@90000069281".into()],
            subject: "R1V-01-27-0042 iesniegums".into(),
            body: "Klienta iesniegums pielikumā.".into(),
            case_id: Some(id(10)),
            case_number: Some("R1V-01-27-0042".into()),
            attachments: vec![attachment()],
            in_reply_to: None,
        })
        .unwrap(),
        offline: false,
        author: Some(EntryAuthor::Session { session: "cd".repeat(32) }),
    };
    pinned("outbox_push", &OutboxPush { entries: vec![outbox_entry(), online] });
    pinned(
        "message_entry",
        &MessageEntry {
            from: "_PRIVATE@32503511782".into(),
            composed_by: "161175-19997".into(),
            recipients: vec!["_DEFAULT@90000069281".into()],
            subject: "Atbilde".into(),
            body: String::new(),
            case_id: None,
            case_number: None,
            attachments: Vec::new(),
            in_reply_to: Some(id(30)),
        },
    );
    pinned(
        "outbox_reply",
        &OutboxReply {
            results: vec![
                OutboxResult { id: id(20), outcome: "applied".into(), reason: None, code: None },
                OutboxResult {
                    id: id(21),
                    outcome: "rejected".into(),
                    reason: Some("attachments: iesniegums.pdf was not uploaded".into()),
                    code: Some(rejection_codes::MISSING_ATTACHMENT.into()),
                },
            ],
        },
    );
}

fn application() -> forms::Application {
    forms::Application {
        form: forms::SubmittedForm {
            id: "https://pietura.lv/id/form/dog-fee".into(),
            version: 1,
            schema_digest: "cd".repeat(32),
        },
        service: "https://pietura.lv/id/service/dog-fee".into(),
        case_number: "R1V-01-27-0042".into(),
        applicant: forms::Applicant {
            kind: "natural".into(),
            code: "325035-11782".into(),
            name: "JĀNIS BĒRZIŅŠ".into(),
        },
        centre: "Rīgas 1. VPVKAC".into(),
        submitted_at: application_time(at(500)),
        language: "lv".into(),
        data: serde_json::json!({ "microchip": "123456789012345", "relief": "none", "confirm": true }),
    }
}

#[test]
fn e_form_submissions_read_as_before() {
    let mut registered = case();
    registered.history.truncate(1);
    pinned(
        "form_submission_entry",
        &FormSubmissionEntry {
            message: MessageEntry {
                from: String::new(),
                composed_by: "161175-19997".into(),
                recipients: vec!["_DEFAULT@90011524360".into()],
                subject: "E-veidlapa: Suņu turēšanas nodevas atvieglojuma pieteikums (R1V-01-27-0042)".into(),
                body: String::new(),
                case_id: Some(id(10)),
                case_number: Some("R1V-01-27-0042".into()),
                attachments: vec![
                    AttachmentInfo { name: "application.json".into(), size: 310, sha256: "ef".repeat(32) },
                    attachment(),
                ],
                in_reply_to: None,
            },
            application: application(),
            new_case: Some(registered),
            case_from: None,
            submitted_at: at(500),
        },
    );
    pinned(
        "form_submission_page",
        &FormSubmissionPage {
            submissions: vec![FormSubmissionDto {
                seq: 3,
                id: id(40),
                case_number: "R1V-01-27-0042".into(),
                received_at: at(600),
                application: serde_json::to_value(application()).unwrap(),
                signed: true,
            }],
            head: 3,
        },
    );
}

#[test]
fn signed_replies_read_as_before() {
    let reply = SignedReply {
        id: id(50),
        in_reply_to: id(51),
        from: "_PRIVATE@32503511782".into(),
        to: "_DEFAULT@90000069281".into(),
        subject: "Re: Lēmums par nodokli".into(),
        body: "Lūdzu pārskatīt lēmumu.".into(),
        signed_at: application_time(at(700)),
    };
    pinned("signed_reply", &reply);
    assert_eq!(serde_json::from_slice::<SignedReply>(&reply.to_bytes()).unwrap(), reply);
    pinned("signed_reply_request", &SignedReplyRequest { pdf: "JVBERi0xLjcK".into() });
    pinned("own_application_request", &OwnApplicationRequest { pdf: "JVBERi0xLjcK".into() });
}

#[test]
fn cases_read_as_before() {
    pinned("case_page", &CasePage { cases: vec![CaseRecordDto { seq: 7, case: case() }], head: 7 });
    pinned("citizen_cases", &CitizenCases { cases: vec![case()] });
    pinned(
        "institution_status_request",
        &InstitutionStatusRequest {
            status: CaseStatus::Decided,
            expected_status: CaseStatus::Submitted,
            note: "Piešķirts".into(),
        },
    );
    pinned(
        "institution_case_request",
        &InstitutionCaseRequest {
            own_id: "VSAA-tālr-2026-0042".into(),
            service_id: "https://pietura.lv/id/service/pension-forecast".into(),
            kind: domain::case::CaseKind::Consultation,
            channel: domain::catalogue::ChannelKind::Phone,
            arrived_at: None,
            served_at: at(600),
            registered_at: Some(at(660)),
            customer: Some(InstitutionCaseCustomer { code: "161175-19997".into(), name: "Oskars Kalns".into() }),
        },
    );
    pinned(
        "institution_case_record",
        &InstitutionCaseRecord {
            id: id(31),
            own_id: "VSAA-tālr-2026-0042".into(),
            number: "VSAA-02-26-0001".into(),
            service_id: "https://pietura.lv/id/service/pension-forecast".into(),
            kind: "consultation".into(),
            channel: "phone".into(),
            served_at: at(600),
            registered_at: at(660),
        },
    );
}

#[test]
fn e_address_answers_read_as_before() {
    pinned("message_states_request", &MessageStatesRequest { ids: vec![id(21), id(22)] });
    pinned(
        "message_states",
        &MessageStates {
            messages: vec![MessageStateDto { id: id(21), deliveries: vec![delivery("read", Some(at(900)))] }],
            unread: 2,
        },
    );
    pinned(
        "message",
        &MessageDto {
            id: id(21),
            sender: "R1V@90011524360".into(),
            sender_name: "Rīgas 1. VPVKAC".into(),
            subject: "R1V-01-27-0042 iesniegums".into(),
            body: "Klienta iesniegums pielikumā.".into(),
            case_number: Some("R1V-01-27-0042".into()),
            attachments: vec![attachment()],
            sent_at: at(500),
            deliveries: vec![delivery("delivered", None)],
        },
    );
    pinned(
        "mailbox",
        &MailboxDto {
            address: "_PRIVATE@32503511782".into(),
            name: "JĀNIS BĒRZIŅŠ".into(),
            kind: "natural".into(),
            rights: "delete".into(),
            centre: false,
        },
    );
    pinned(
        "delegation",
        &DelegationDto {
            id: id(40),
            mailbox: "_PRIVATE@32503511782".into(),
            delegate: "290156-11605".into(),
            delegate_name: "ANNA KALNA".into(),
            rights: "read".into(),
            ends_on: NaiveDate::from_ymd_opt(2027, 6, 30).unwrap(),
            granted_at: at(600),
        },
    );
    pinned(
        "access",
        &AccessDto {
            at: at(700),
            actor: "person:290156-11605".into(),
            action: "message_opened".into(),
            detail: "message 21".into(),
            who: "290156-11605".into(),
            basis: "delegation".into(),
        },
    );
}

#[test]
fn card_logins_read_as_before() {
    pinned(
        "challenge_response",
        &ChallengeResponse { nonce: "bm9uY2U=".into(), origin: "https://pietura.test".into(), expires_at: at(800) },
    );
    pinned("login_request", &LoginRequest { token: "{\"format\":\"web-eid:1.0\"}".into(), nonce: "bm9uY2U=".into() });
    let session = SessionDto { person: person(), roles: vec!["clerk".into()], expires_at: at(36_000) };
    pinned("session", &session);
    pinned("login_response", &LoginResponse { session_token: "token".into(), session, certificate: "MIIB".into() });
}

#[test]
fn the_centre_administrators_answers_read_as_before() {
    let count = |key: &str, cases| NamedCount { key: key.into(), cases };
    let period = PeriodFigures {
        cases: 3,
        by_service: vec![
            count("https://pietura.lv/id/service/dog-fee", 2),
            count("https://pietura.lv/id/service/x", 1),
        ],
        by_channel: vec![count("vpvkac_in_person", 3)],
        by_clerk: vec![count("161175-19997", 3)],
    };
    let day = |d: u32, cases, minutes: Option<u32>| DayFigures {
        day: NaiveDate::from_ymd_opt(2027, 3, d).unwrap(),
        cases,
        waiting_median_minutes: minutes,
        waiting_p90_minutes: minutes.map(|m| m * 3),
        service_median_minutes: minutes.map(|m| m + 2),
        service_p90_minutes: minutes.map(|m| m + 9),
    };
    pinned(
        "centre_dashboard",
        &CentreDashboard {
            centre: centre(),
            computed_at: at(900),
            today: period.clone(),
            month: period,
            days: vec![day(9, 0, None), day(10, 3, Some(4))],
            messages: MessageFigures { sent: 5, read: 4 },
            outboxes: vec![DeviceOutbox {
                device_id: id(4),
                name: "Galds 2".into(),
                desk_number: Some(2),
                outbox: OutboxReport { pending: 3, refused: 1, oldest: Some(at(700)) },
                reported_at: Some(at(880)),
            }],
        },
    );
    pinned(
        "staff_list",
        &StaffList {
            members: vec![StaffMember {
                personal_code: "161175-19997".into(),
                name: "ILZE OZOLIŅA".into(),
                roles: vec!["clerk".into(), "admin".into()],
                since: at(10),
                last_login_at: Some(at(800)),
            }],
            logins: vec![StaffLoginEvent {
                at: at(800),
                kind: "login".into(),
                personal_code: Some("161175-19997".into()),
                device_name: "Galds 1".into(),
            }],
        },
    );
    pinned("grant_role_request", &GrantRoleRequest { personal_code: "290156-11605".into(), role: "clerk".into() });
    let device = CentreDevice {
        id: id(3),
        kind: DeviceKind::Kiosk,
        name: "Bibliotēkas kiosks".into(),
        desk_number: None,
        state: "enrolled".into(),
        enrollment_expires_at: at(100),
        last_seen_at: Some(at(850)),
        revoked_at: None,
        reported_version: Some("0.1.0".into()),
        outbox: Some(OutboxReport { pending: 0, refused: 0, oldest: None }),
        behind: Some("0.2.0".into()),
        unseen: false,
    };
    pinned("centre_devices", &CentreDevices { devices: vec![device.clone()] });
    pinned("new_device_request", &NewDeviceRequest { kind: DeviceKind::Desk, name: "Galds 3".into() });
    pinned("device_enrollment_code", &DeviceEnrollmentCode { device, code: "7KQ2-M9XD".into() });
}

#[test]
fn training_workshops() {
    let scenarios =
        domain::training::parse_scenarios(include_str!("../../server/demo/training-scenarios.json")).unwrap();
    let birth = scenarios.iter().find(|s| s.id.ends_with("/birth")).unwrap().clone();
    pinned("training_scenarios", &TrainingScenarios { scenarios: vec![birth.clone()] });
    pinned(
        "new_workshop_request",
        &NewWorkshopRequest { scenarios: vec!["https://pietura.lv/id/training/birth".into()], seats: 2 },
    );
    pinned("reset_request", &ResetRequest { seat: Some(1) });
    pinned("training_card_request", &TrainingCardRequest { personal_code: "010118-20107".into() });
    let person = |code: &str, given: &str, surname: &str| TrainingPerson {
        personal_code: code.into(),
        given_name: given.into(),
        surname: surname.into(),
        pin1: "1234".into(),
        pin2: "123456".into(),
    };
    let seat = WorkshopSeatView {
        seat: 1,
        device_id: id(7),
        device_name: "Mācības 1 · vieta 1".into(),
        desk_number: Some(3),
        enrollment_code: Some("7KQ2-M9XD".into()),
        clerk: person("010118-20107", "ANNA", "BĒRZIŅA"),
        customers: vec![SeatCustomer {
            scenario: birth.id.clone(),
            person: person("010118-20118", "JĀNIS", "BĒRZIŅŠ"),
            relatives: vec![protocol::SeatRelative {
                role: birth.relatives[0].role.clone(),
                person: person("010118-20168", "ANNA", "BĒRZIŅA"),
            }],
        }],
        progress: vec![ScenarioProgress {
            scenario: birth.id.clone(),
            steps: vec![
                StepProgress { step: "register".into(), state: "done".into(), code: None, reason: None },
                StepProgress {
                    step: "submit".into(),
                    state: "wrong".into(),
                    code: Some("cancelled".into()),
                    reason: Some("case RCV-03-26-0001 was cancelled".into()),
                },
            ],
            finished: false,
        }],
        reset_at: at(100),
        last_login_at: Some(at(200)),
    };
    pinned("training_card", &TrainingCard { person: seat.clerk.clone(), profile: "{\"certificate\": \"…\"}".into() });
    pinned(
        "workshop_view",
        &WorkshopView { id: id(8), series: 1, created_at: at(90), scenarios: vec![birth], seats: vec![seat] },
    );
    pinned(
        "workshop_list",
        &WorkshopList {
            workshops: vec![WorkshopSummary {
                id: id(8),
                series: 1,
                created_at: at(90),
                scenarios: vec!["https://pietura.lv/id/training/birth".into()],
            }],
        },
    );
}

/// Every serialised type of the protocol has a fixture above: a new DTO cannot go unpinned.
#[test]
fn every_wire_type_is_pinned() {
    let source = include_str!("../src/lib.rs");
    let this = include_str!("wire_format.rs");
    let mut unpinned = Vec::new();
    let mut derive_serialize = false;
    for line in source.lines() {
        let line = line.trim();
        if line.starts_with("#[derive(") {
            derive_serialize = line.contains("Serialize");
        }
        let name = line
            .strip_prefix("pub struct ")
            .or_else(|| line.strip_prefix("pub enum "))
            .and_then(|rest| rest.split([' ', '{', '(', '<']).next());
        if let Some(name) = name {
            // Enums of a struct's field (catalogue kinds, entry authors) are pinned through it.
            let covered = this.contains(&format!("{name} {{")) || this.contains(&format!("{name}::"));
            if derive_serialize && !covered {
                unpinned.push(name.to_owned());
            }
            derive_serialize = false;
        }
    }
    assert!(unpinned.is_empty(), "wire types without a fixture here: {unpinned:?}");
}
