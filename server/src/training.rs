//! Workshops on a training server (issue 18): a trainer opens one with scenarios and seats; each
//! seat is a desk of the training centre with a training clerk and, per scenario, a training
//! customer; each seat's progress is read from what was done at its desk since its last reset.

use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};
use domain::{
    Centre, DeviceKind, PersonalCode, Role,
    training::{self, SeatFacts, StepState, TrainingScenario},
};
use protocol::{
    NewWorkshopRequest, ScenarioProgress, SeatCustomer, SeatRelative, StepProgress, TrainingPerson, WorkshopList,
    WorkshopSeatView, WorkshopSummary, WorkshopView,
};
use uuid::Uuid;

use crate::store::{Store, StoreError, Workshop, WorkshopSeat};

/// At most this many seats in one workshop.
pub const MAX_SEATS: u8 = 30;

/// The scenarios this server offers: the shipped ones (`demo/training-scenarios.json`).
pub fn scenarios() -> &'static [TrainingScenario] {
    static SHIPPED: LazyLock<Vec<TrainingScenario>> = LazyLock::new(|| {
        training::parse_scenarios(include_str!("../demo/training-scenarios.json"))
            .expect("the shipped training scenarios are valid (a domain test reads them)")
    });
    &SHIPPED
}

#[derive(Debug, thiserror::Error)]
pub enum WorkshopError {
    #[error("workshops are run on a training server (environment = \"training\"), never on the real service")]
    NotTraining,
    #[error("a workshop has 1 to {MAX_SEATS} seats")]
    Seats,
    #[error("choose at least one scenario, each once")]
    NoScenarios,
    #[error("{0:?} is not a scenario this server offers")]
    UnknownScenario(String),
    #[error("no such workshop at your centre")]
    NotFound,
    #[error("no seat {0} in this workshop")]
    NoSeat(u8),
    #[error("another workshop was opened at the same moment: try again")]
    Busy,
    #[error("{0} is none of this centre's training people (its staff, its workshops' clerks and customers)")]
    NotAPerson(String),
    #[error("a training customer's past could not be made: {0}")]
    Background(String),
    #[error(transparent)]
    Grant(#[from] crate::login::GrantError),
    #[error(transparent)]
    Device(#[from] crate::devices::DeviceError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The people of seat `seat` of the workshop of `series`: its clerk, then one customer per
/// scenario (in the workshop's order).
fn seat_people(series: u32, seat: u8, scenarios: usize) -> (PersonalCode, Vec<PersonalCode>) {
    let base = u32::from(seat) * 100;
    let clerk = training::training_code(series, base);
    let customers = (0..scenarios as u32).map(|k| training::training_code(series, base + k + 1)).collect();
    (clerk, customers)
}

/// The number of relative `relative` of the customer of the workshop's `scenario`-th scenario at
/// `seat`: in the seat's block of 100, after its clerk and customers.
fn relative_number(seat: u8, scenario: usize, relative: usize) -> u32 {
    u32::from(seat) * 100 + 50 + (scenario * training::MAX_RELATIVES + relative) as u32
}

fn person(code: &PersonalCode, n: u32) -> TrainingPerson {
    let (given_name, surname) = training::training_name(n);
    TrainingPerson {
        personal_code: code.to_string(),
        given_name,
        surname,
        pin1: training::TRAINING_PIN1.into(),
        pin2: training::TRAINING_PIN2.into(),
    }
}

/// What giving people their letters needs: the server's attachment store and working calendar.
pub struct Mail<'a> {
    pub attachments: &'a crate::eaddress::Attachments,
    pub calendar: &'a domain::calendar::WorkingCalendar,
}

/// Opens a workshop at the trainer's centre: a desk per seat (its enrollment code in the answer
/// only), each seat's training clerk granted the clerk role there, each customer given the past
/// their story needs ([`give_backgrounds`]), audited as the trainer.
pub async fn open_workshop(
    store: &dyn Store,
    mail: &Mail<'_>,
    centre: &Centre,
    trainer: &str,
    request: &NewWorkshopRequest,
    code_ttl: Duration,
    now: DateTime<Utc>,
) -> Result<WorkshopView, WorkshopError> {
    if !(1..=MAX_SEATS).contains(&request.seats) {
        return Err(WorkshopError::Seats);
    }
    let unique: std::collections::HashSet<&String> = request.scenarios.iter().collect();
    if request.scenarios.is_empty() || unique.len() != request.scenarios.len() {
        return Err(WorkshopError::NoScenarios);
    }
    if let Some(unknown) = request.scenarios.iter().find(|id| !scenarios().iter().any(|s| &s.id == *id)) {
        return Err(WorkshopError::UnknownScenario(unknown.clone()));
    }
    let series = store.last_workshop_series().await? + 1;
    let by = format!("person:{trainer}");
    let workshop = Workshop {
        id: Uuid::now_v7(),
        centre_id: centre.id,
        series,
        scenarios: request.scenarios.clone(),
        created_by: by.clone(),
        created_at: now,
    };
    let mut seats = Vec::new();
    let mut codes = Vec::new();
    for seat in 1..=request.seats {
        let name = format!("Mācības {series} · vieta {seat}");
        let (device, code) =
            crate::devices::add_device_by(store, &centre.name, DeviceKind::Desk, &name, code_ttl, &by, now).await?;
        let (clerk, _) = seat_people(series, seat, request.scenarios.len());
        crate::login::grant_at(store, &clerk, Role::Clerk, centre, &by, now).await?;
        seats.push(WorkshopSeat {
            workshop_id: workshop.id,
            seat,
            device_id: device.id,
            clerk_code: clerk.to_string(),
            reset_at: now,
        });
        codes.push((seat, code.to_string()));
    }
    match store.add_workshop(workshop.clone(), seats.clone()).await {
        Err(StoreError::Conflict { .. }) => return Err(WorkshopError::Busy),
        other => other?,
    }
    let chosen: Vec<TrainingScenario> =
        request.scenarios.iter().filter_map(|id| scenarios().iter().find(|s| &s.id == id).cloned()).collect();
    give_backgrounds(store, mail, centre, &workshop, &seats, &chosen, now).await?;
    let detail = format!("{} seats, {}", request.seats, request.scenarios.join(", "));
    crate::audit::record(
        store,
        crate::audit::NewAuditEntry::new(now, &by, "workshop_opened", workshop.id.to_string(), detail),
    )
    .await?;
    let mut view = view(store, &workshop, &seats).await?;
    for (seat, code) in codes {
        if let Some(shown) = view.seats.iter_mut().find(|s| s.seat == seat) {
            shown.enrollment_code = Some(code);
        }
    }
    Ok(view)
}

/// Gives each seat's customers what their scenario's background says they already have, fresh
/// for this workshop: their e-address with the letters (from institutions that have a mailbox on
/// this server; others are skipped and logged), their earlier cases at the centre (desk 99,
/// closed about a year ago), and a company they represent (a training registration number, its
/// own e-address) delegated for reading to a relative.
async fn give_backgrounds(
    store: &dyn Store,
    mail: &Mail<'_>,
    centre: &Centre,
    workshop: &Workshop,
    seats: &[WorkshopSeat],
    chosen: &[TrainingScenario],
    now: DateTime<Utc>,
) -> Result<(), WorkshopError> {
    use domain::eaddress::{AccountKind, EAddress};
    let year_ago = now - Duration::days(365);
    let mut past_sequence = store
        .centre_cases_since(centre.id, year_ago - Duration::days(30))
        .await?
        .iter()
        .filter(|c| c.number.contains(&format!("-{PAST_CASES_DESK}-{:02}-", chrono::Datelike::year(&year_ago) % 100)))
        .filter_map(|c| domain::case::CaseNumber::parse(&c.number).ok())
        .map(|n| n.sequence())
        .max()
        .unwrap_or(0);
    let mut mailboxes: std::collections::HashMap<String, Option<String>> = Default::default();
    for seat in seats {
        let (_, customers) = seat_people(workshop.series, seat.seat, chosen.len());
        for (k, (scenario, customer)) in chosen.iter().zip(&customers).enumerate() {
            let background = &scenario.background;
            let own = EAddress::private(customer).to_string();
            ensure_account(store, &own, AccountKind::Natural, "", now).await?;
            let (given, family) = training::training_name(u32::from(seat.seat) * 100 + k as u32 + 1);
            let name = format!("{given} {family}");
            for (i, letter) in background.letters.iter().enumerate() {
                // Each institution's mailbox looked up once for the whole workshop.
                if !mailboxes.contains_key(&letter.from) {
                    let found =
                        store.operated_accounts(Some(letter.from.clone()), None).await?.into_iter().find(|a| a.active);
                    mailboxes.insert(letter.from.clone(), found.map(|a| a.address));
                }
                let Some(mailbox) = &mailboxes[&letter.from] else {
                    tracing::info!(institution = %letter.from, "no mailbox here: a training letter skipped");
                    continue;
                };
                let message = crate::eaddress::NewMessage {
                    id: derived_id(
                        b"pietura-training-letter:",
                        format!("{}/{}/{k}/{i}", workshop.id, seat.seat).as_bytes(),
                    ),
                    recipients: vec![own.clone()],
                    subject: letter.subject.get("lv").unwrap_or_default().to_owned(),
                    body: format!(
                        "{}\n\n{}\n\nŠī ir mācību vēstule. / This is a training letter.",
                        letter.body.get("lv").unwrap_or_default(),
                        letter.body.get("en").unwrap_or_default()
                    ),
                    case_number: None,
                    in_reply_to: None,
                    attachments: Vec::new(),
                };
                let principal = crate::eaddress::Principal::Institution { id: letter.from.clone() };
                if let Err(error) =
                    crate::eaddress::send(store, mail.attachments, mail.calendar, &principal, mailbox, message, now)
                        .await
                {
                    tracing::warn!(%error, institution = %letter.from, "a training letter was not sent");
                }
            }
            for service in &background.past_cases {
                past_sequence += 1;
                match past_case(store, centre, seat, service, customer, &name, past_sequence, year_ago).await {
                    Err(WorkshopError::Background(error)) => {
                        tracing::warn!(%error, %service, "a training customer's earlier case was not made");
                    }
                    other => other?,
                }
            }
            if let Some(company) = &background.company {
                let n = u32::from(seat.seat) * 100 + k as u32;
                let number = training::training_company_number(workshop.series, n);
                let address = EAddress::default_of(&number).to_string();
                ensure_account(store, &address, AccountKind::Legal, &company.name, now).await?;
                let source = format!("mācību uzņēmums / training company (workshop {})", workshop.series);
                match crate::eaddress::record_representative(store, &address, customer.as_str(), &source, now).await {
                    Err(crate::eaddress::RepresentativeError::Store(error)) => return Err(error.into()),
                    Err(error) => {
                        tracing::warn!(%error, "a training company's representative was not recorded");
                        continue;
                    }
                    Ok(_) => {}
                }
                if let Some(relative) = company.delegate {
                    let delegate = training::training_code(workshop.series, relative_number(seat.seat, k, relative));
                    let request = crate::eaddress::NewDelegation {
                        delegate: delegate.to_string(),
                        rights: domain::eaddress::Right::Read,
                        ends_on: domain::calendar::riga_date(now) + chrono::Days::new(365),
                    };
                    let owner = crate::eaddress::Principal::Operator { for_person: customer.to_string() };
                    if let Err(error) = crate::eaddress::delegate(store, &owner, &address, request, now).await {
                        tracing::warn!(%error, "a training company's delegation was not made");
                    }
                }
            }
        }
    }
    Ok(())
}

/// The desk number a training customer's earlier cases carry (no seat's desk has it in a
/// workshop of fewer than 99 seats; workshops have at most 30).
const PAST_CASES_DESK: u8 = 99;

async fn ensure_account(
    store: &dyn Store,
    address: &str,
    kind: domain::eaddress::AccountKind,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if store.accounts(vec![address.to_owned()]).await?.is_empty() {
        store
            .put_account(crate::store::Account {
                address: address.to_owned(),
                kind,
                name: name.to_owned(),
                institution_id: None,
                centre_id: None,
                active: true,
                created_at: now,
                changed_at: now,
            })
            .await?;
    }
    Ok(())
}

/// A training customer's earlier case at the centre: registered, submitted, decided, handed over
/// and closed about a year before the workshop, by the trainer's centre (desk 99).
#[allow(clippy::too_many_arguments)]
async fn past_case(
    store: &dyn Store,
    centre: &Centre,
    seat: &WorkshopSeat,
    service: &str,
    customer: &PersonalCode,
    name: &str,
    sequence: u32,
    at: DateTime<Utc>,
) -> Result<(), WorkshopError> {
    use domain::case::{Actor, Case, CaseKind, CaseNumber, CaseStatus, NewCase};
    let holder = store
        .catalogue_record(crate::store::RecordKind::Service, service)
        .await?
        .and_then(|record| serde_json::from_str::<domain::catalogue::PublicService>(&record.document).ok())
        .and_then(|service| service.competent_authorities.into_iter().next())
        .ok_or_else(|| WorkshopError::Background(format!("{service} is not in the catalogue")))?;
    let clerk = Actor::Staff {
        personal_code: PersonalCode::parse(&seat.clerk_code).map_err(|e| WorkshopError::Background(e.to_string()))?,
        offline: false,
    };
    let number = CaseNumber::new(&centre.code, PAST_CASES_DESK, chrono::Datelike::year(&at), sequence)
        .map_err(|e| WorkshopError::Background(e.to_string()))?;
    let mut case = Case::register(NewCase {
        id: Uuid::now_v7(),
        number,
        service_id: service.to_owned(),
        kind: CaseKind::Application,
        channel: domain::catalogue::ChannelKind::VpvkacInPerson,
        customer: domain::case::customer_from_code(customer.as_str(), name)
            .map_err(|e| WorkshopError::Background(e.to_string()))?,
        holder_institution: holder,
        provider_institution: None,
        centre_id: centre.id,
        arrived_at: at,
        served_at: at,
        registered_at: at,
        registered_by: clerk.clone(),
        note: String::new(),
    })
    .map_err(|e| WorkshopError::Background(e.to_string()))?;
    for (days, status) in [
        (0, CaseStatus::Submitted),
        (7, CaseStatus::Decided),
        (10, CaseStatus::ResultDelivered),
        (10, CaseStatus::Closed),
    ] {
        case.change_status(status, at + Duration::days(days) + Duration::minutes(1), clerk.clone(), "")
            .map_err(|e| WorkshopError::Background(e.to_string()))?;
    }
    let stored = crate::store::StoredCase::new(&case, false, at + Duration::days(10))?;
    store.insert_case(case.id, seat.device_id, stored, at).await?;
    Ok(())
}

/// A workshop of the trainer's centre with every seat's progress now.
pub async fn workshop(store: &dyn Store, centre: &Centre, id: Uuid) -> Result<WorkshopView, WorkshopError> {
    let (workshop, seats) =
        store.workshop(id).await?.filter(|(w, _)| w.centre_id == centre.id).ok_or(WorkshopError::NotFound)?;
    Ok(view(store, &workshop, &seats).await?)
}

/// The centre's workshops, the newest first.
pub async fn workshops(store: &dyn Store, centre: &Centre) -> Result<WorkshopList, StoreError> {
    let workshops = store.centre_workshops(centre.id).await?;
    Ok(WorkshopList {
        workshops: workshops
            .into_iter()
            .map(|w| WorkshopSummary { id: w.id, series: w.series, created_at: w.created_at, scenarios: w.scenarios })
            .collect(),
    })
}

/// Starts a seat (or every seat) again: what was done before now no longer counts.
pub async fn reset(
    store: &dyn Store,
    centre: &Centre,
    trainer: &str,
    id: Uuid,
    seat: Option<u8>,
    now: DateTime<Utc>,
) -> Result<WorkshopView, WorkshopError> {
    let (workshop, _) =
        store.workshop(id).await?.filter(|(w, _)| w.centre_id == centre.id).ok_or(WorkshopError::NotFound)?;
    if store.reset_seats(id, seat, now).await? == 0 {
        return Err(WorkshopError::NoSeat(seat.unwrap_or(0)));
    }
    let what = seat.map_or_else(|| "every seat".to_owned(), |s| format!("seat {s}"));
    crate::audit::record(
        store,
        crate::audit::NewAuditEntry::new(
            now,
            format!("person:{trainer}"),
            "workshop_reset",
            workshop.id.to_string(),
            what,
        ),
    )
    .await?;
    let (workshop, seats) = store.workshop(id).await?.ok_or(WorkshopError::NotFound)?;
    Ok(view(store, &workshop, &seats).await?)
}

async fn view(store: &dyn Store, workshop: &Workshop, seats: &[WorkshopSeat]) -> Result<WorkshopView, StoreError> {
    let chosen: Vec<TrainingScenario> =
        workshop.scenarios.iter().filter_map(|id| scenarios().iter().find(|s| &s.id == id).cloned()).collect();
    let devices = store.centre_devices(workshop.centre_id).await?;
    let activity = WorkshopActivity::read(store, workshop, seats, &chosen).await?;
    // A seat's clerk is made for this workshop: any login of theirs is attendance.
    let logins = store.last_logins(seats.iter().map(|s| s.clerk_code.clone()).collect()).await?;
    let mut views = Vec::with_capacity(seats.len());
    for seat in seats {
        let device = devices.iter().find(|d| d.id == seat.device_id);
        let desk_number = device.and_then(|d| d.desk_number);
        let facts = activity.of_seat(seat, desk_number);
        let (clerk, customers) = seat_people(workshop.series, seat.seat, chosen.len());
        let base = u32::from(seat.seat) * 100;
        let progress = chosen
            .iter()
            .zip(&customers)
            .map(|(scenario, customer)| {
                let states = training::check_steps(scenario, customer.as_str(), &facts);
                let finished = states.iter().all(|s| *s == StepState::Done);
                ScenarioProgress {
                    scenario: scenario.id.clone(),
                    steps: scenario
                        .steps
                        .iter()
                        .zip(states)
                        .map(|(step, state)| step_progress(&step.id, state))
                        .collect(),
                    finished,
                }
            })
            .collect();
        views.push(WorkshopSeatView {
            seat: seat.seat,
            device_id: seat.device_id,
            device_name: device.map(|d| d.name.clone()).unwrap_or_default(),
            desk_number,
            enrollment_code: None,
            clerk: person(&clerk, base),
            customers: chosen
                .iter()
                .zip(&customers)
                .enumerate()
                .map(|(k, (scenario, code))| SeatCustomer {
                    scenario: scenario.id.clone(),
                    person: person(code, base + k as u32 + 1),
                    relatives: scenario
                        .relatives
                        .iter()
                        .enumerate()
                        .map(|(r, relative)| {
                            let n = relative_number(seat.seat, k, r);
                            SeatRelative {
                                role: relative.role.clone(),
                                person: person(&training::training_code(workshop.series, n), n),
                            }
                        })
                        .collect(),
                })
                .collect(),
            progress,
            reset_at: seat.reset_at,
            last_login_at: logins.iter().find(|l| l.personal_code == seat.clerk_code).map(|l| l.at),
        });
    }
    Ok(WorkshopView {
        id: workshop.id,
        series: workshop.series,
        created_at: workshop.created_at,
        scenarios: chosen,
        seats: views,
    })
}

fn step_progress(step: &str, state: StepState) -> StepProgress {
    let (name, code, reason) = match state {
        StepState::Done => ("done", None, None),
        StepState::Waiting => ("waiting", None, None),
        StepState::Wrong { code, reason } => ("wrong", Some(code), Some(reason)),
    };
    StepProgress { step: step.to_owned(), state: name.to_owned(), code, reason }
}

/// What the workshop's desks did: read once for the whole view, then split by seat
/// ([`WorkshopActivity::of_seat`]).
struct WorkshopActivity {
    cases: Vec<crate::store::StoredCase>,
    /// E-form submissions: the form, the case number, when received, the answers.
    submissions: Vec<(String, String, DateTime<Utc>, serde_json::Value)>,
    /// Messages sent from the centre's mailboxes about a case: its number, when sent.
    messages: Vec<(String, DateTime<Utc>)>,
}

impl WorkshopActivity {
    /// Everything since the earliest seat's reset: the centre's cases, the submissions of the
    /// forms the scenarios ask for, the messages sent from the centre's mailboxes.
    async fn read(
        store: &dyn Store,
        workshop: &Workshop,
        seats: &[WorkshopSeat],
        chosen: &[TrainingScenario],
    ) -> Result<Self, StoreError> {
        let Some(since) = seats.iter().map(|s| s.reset_at).min() else {
            return Ok(Self { cases: Vec::new(), submissions: Vec::new(), messages: Vec::new() });
        };
        let cases = store.centre_cases_since(workshop.centre_id, since).await?;
        let forms: std::collections::BTreeSet<&str> = chosen
            .iter()
            .flat_map(|s| &s.steps)
            .filter_map(|step| match &step.check {
                training::StepCheck::FormSubmitted { form, .. } => Some(form.as_str()),
                _ => None,
            })
            .collect();
        let mut submissions = Vec::new();
        for form in forms {
            let (rows, _) = store.form_submissions(form, 0, 10_000).await?;
            submissions.extend(rows.into_iter().filter(|r| r.received_at >= since).map(|r| {
                let data = answers_of(&r.application);
                (r.form_id, r.case_number, r.received_at, data)
            }));
        }
        let mut messages = Vec::new();
        for mailbox in store.operated_accounts(None, Some(workshop.centre_id)).await? {
            for message in store.sent_messages(mailbox.address, None, 1_000).await? {
                if let Some(number) = message.case_number.filter(|_| message.sent_at >= since) {
                    messages.push((number, message.sent_at));
                }
            }
        }
        Ok(Self { cases, submissions, messages })
    }

    /// What the seat's desk (by its number in the cases' numbers) did since the seat's reset.
    fn of_seat(&self, seat: &WorkshopSeat, desk_number: Option<u8>) -> SeatFacts {
        let Some(desk) = desk_number else { return SeatFacts::default() };
        let cases: Vec<training::CaseFact> = self
            .cases
            .iter()
            .filter(|case| case.served_at >= seat.reset_at)
            .filter(|case| domain::case::CaseNumber::parse(&case.number).is_ok_and(|n| n.desk() == desk))
            .filter_map(|case| {
                let status = serde_json::from_value(serde_json::Value::String(case.status.clone())).ok()?;
                let kind = serde_json::from_value(serde_json::Value::String(case.kind.clone())).ok()?;
                Some(training::CaseFact {
                    number: case.number.clone(),
                    service_id: case.service_id.clone(),
                    customer_code: case.customer_code.clone(),
                    kind,
                    status,
                })
            })
            .collect();
        let customer_of = |number: &str| cases.iter().find(|c| c.number == number).map(|c| c.customer_code.clone());
        let submissions = self
            .submissions
            .iter()
            .filter(|(_, _, at, _)| *at >= seat.reset_at)
            .filter_map(|(form, number, _, data)| {
                Some(training::SubmissionFact {
                    form: form.clone(),
                    applicant: customer_of(number)?,
                    data: data.clone(),
                })
            })
            .collect();
        let messages_about = self
            .messages
            .iter()
            .filter(|(number, at)| *at >= seat.reset_at && customer_of(number).is_some())
            .map(|(number, _)| number.clone())
            .collect();
        SeatFacts { cases, submissions, messages_about }
    }
}

/// The answers (`data`) of a submission's application.json; none when it cannot be read (the
/// server wrote it, so that is not expected).
fn answers_of(application: &str) -> serde_json::Value {
    serde_json::from_str::<serde_json::Value>(application)
        .ok()
        .and_then(|mut json| json.get_mut("data").map(serde_json::Value::take))
        .unwrap_or(serde_json::Value::Null)
}

/// What the simulated institutions did in one round.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InstitutionsAnswered {
    /// Cases taken on (submitted → in progress).
    pub taken_on: u64,
    /// Cases decided, each with a letter to the customer where the institution has a mailbox.
    pub decided: u64,
    pub letters: u64,
    /// E-form submissions refused as incomplete by the scenario's script, each by a letter.
    pub refused: u64,
}

/// The training server's institutions answer as real ones would, `after` a case last changed:
/// a submitted case is taken on, then decided with a decision letter to the customer's e-address
/// from the institution's mailbox. Each change goes through the same rules as an institution's
/// own (its API's function), recorded in the history as the institution's and audited.
pub async fn answer_as_institutions(
    store: &dyn Store,
    attachments: &crate::eaddress::Attachments,
    calendar: &domain::calendar::WorkingCalendar,
    after: Duration,
    now: DateTime<Utc>,
) -> Result<InstitutionsAnswered, StoreError> {
    use domain::case::CaseStatus;
    let mut answered = InstitutionsAnswered::default();
    let mail = Mail { attachments, calendar };
    let held = refuse_incomplete_forms(store, &mail, after, now, &mut answered).await?;
    for centre in store.list_centres().await? {
        for stored in store.centre_cases_since(centre.id, now - Duration::days(30)).await? {
            let case: domain::case::Case =
                serde_json::from_str(&stored.document).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let Some(last) = case.history.last() else { continue };
            if last.at > now - after || held.contains(&stored.number) {
                continue;
            }
            let (to, note) = match case.status() {
                CaseStatus::Submitted => {
                    (CaseStatus::InProgress, "Izskatām jūsu pieprasījumu. / We are looking into your request.")
                }
                CaseStatus::InProgress => (
                    CaseStatus::Decided,
                    "Lēmums pieņemts: pieprasījums apmierināts. / Decided: the request is granted.",
                ),
                _ => continue,
            };
            let holder = case.holder_institution.clone();
            let request =
                protocol::InstitutionStatusRequest { status: to, expected_status: case.status(), note: note.into() };
            match crate::cases::change_status_by_institution(store, &holder, &stored.number, request, now).await {
                Ok((_, true)) => {}
                Ok((_, false)) => continue,
                Err(error) => {
                    tracing::warn!(case = %stored.number, %error, "a simulated institution could not move a case");
                    continue;
                }
            }
            crate::audit::record(
                store,
                crate::audit::NewAuditEntry::new(
                    now,
                    format!("institution:{holder}"),
                    "case_status",
                    stored.number.clone(),
                    format!("{to:?} (simulated in training)"),
                ),
            )
            .await?;
            if to == CaseStatus::InProgress {
                answered.taken_on += 1;
                continue;
            }
            answered.decided += 1;
            if decision_letter(store, &mail, &case, &holder, now).await? {
                answered.letters += 1;
            }
        }
    }
    Ok(answered)
}

/// The institutions' scripted refusals (the scenarios' `complete_when`): the latest submission
/// on a case that answers none of the fields the institution insists on is refused `after` it
/// came, by one letter (in reply to the submission, to the centre's mailbox that sent it) saying
/// why. Answers the numbers of the cases held: they are not taken on until a complete submission
/// comes.
async fn refuse_incomplete_forms(
    store: &dyn Store,
    mail: &Mail<'_>,
    after: Duration,
    now: DateTime<Utc>,
    answered: &mut InstitutionsAnswered,
) -> Result<std::collections::HashSet<String>, StoreError> {
    let mut held = std::collections::HashSet::new();
    let rules = scenarios().iter().flat_map(|s| &s.steps).filter_map(|step| match &step.check {
        training::StepCheck::FormSubmitted { form, complete_when: Some(rule) } => Some((form, rule)),
        _ => None,
    });
    for (form, rule) in rules {
        let (rows, _) = store.form_submissions(form, 0, 10_000).await?;
        let mut latest: std::collections::HashMap<&str, &crate::store::FormSubmissionRow> = Default::default();
        for row in rows.iter().filter(|r| r.received_at > now - Duration::days(30)) {
            let newest = latest.entry(row.case_number.as_str()).or_insert(row);
            if row.received_at > newest.received_at {
                *newest = row;
            }
        }
        for (number, row) in latest {
            if rule.is_met_by(&answers_of(&row.application)) {
                continue;
            }
            held.insert(number.to_owned());
            if row.received_at > now - after {
                continue;
            }
            if refusal_letter(store, mail, row, &rule.reason, now).await? {
                answered.refused += 1;
            }
        }
    }
    Ok(held)
}

/// The letter refusing `submission`, in reply to it, from its holder's mailbox to the mailbox that
/// sent it; one per submission (its id follows from the submission's). Answers whether it was
/// sent now.
async fn refusal_letter(
    store: &dyn Store,
    mail: &Mail<'_>,
    submission: &crate::store::FormSubmissionRow,
    reason: &domain::catalogue::Text,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let Some((original, _)) = store.message(submission.id).await? else { return Ok(false) };
    let Some(mailbox) =
        store.operated_accounts(Some(submission.holder.clone()), None).await?.into_iter().find(|a| a.active)
    else {
        return Ok(false);
    };
    let message = crate::eaddress::NewMessage {
        id: derived_id(b"pietura-training-refusal:", submission.id.as_bytes()),
        recipients: vec![original.sender],
        subject: format!(
            "Pieteikums lietā {0} nav pilnīgs / The application on case {0} is incomplete",
            submission.case_number
        ),
        body: format!(
            "{}\n\n{}\n\nŠī ir mācību vēstule. / This is a training letter.",
            reason.get("lv").unwrap_or_default(),
            reason.get("en").unwrap_or_default()
        ),
        case_number: Some(submission.case_number.clone()),
        in_reply_to: Some(submission.id),
        attachments: Vec::new(),
    };
    let principal = crate::eaddress::Principal::Institution { id: submission.holder.clone() };
    match crate::eaddress::send(store, mail.attachments, mail.calendar, &principal, &mailbox.address, message, now)
        .await
    {
        Ok((_, new)) => {
            if new {
                crate::audit::record(
                    store,
                    crate::audit::NewAuditEntry::new(
                        now,
                        format!("institution:{}", submission.holder),
                        "form_submission_refused",
                        submission.case_number.clone(),
                        format!("{} (simulated in training)", submission.id),
                    ),
                )
                .await?;
            }
            Ok(new)
        }
        Err(error) => {
            tracing::warn!(case = %submission.case_number, %error, "a simulated institution's refusal was not sent");
            Ok(false)
        }
    }
}

/// A message id that follows from `what` (so the same letter is one message however often asked).
fn derived_id(purpose: &[u8], what: &[u8]) -> Uuid {
    use sha2::Digest;
    let digest: [u8; 32] = sha2::Sha256::new().chain_update(purpose).chain_update(what).finalize().into();
    Uuid::from_bytes(digest[..16].try_into().expect("16 bytes"))
}

/// The decision letter to a natural person's e-address, from the holder's mailbox (none when the
/// institution has no mailbox on this server).
async fn decision_letter(
    store: &dyn Store,
    mail: &Mail<'_>,
    case: &domain::case::Case,
    holder: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let domain::case::Customer::Natural { personal_code, .. } = &case.customer else { return Ok(false) };
    let Some(mailbox) = store.operated_accounts(Some(holder.to_owned()), None).await?.into_iter().find(|a| a.active)
    else {
        return Ok(false);
    };
    let recipient = domain::eaddress::EAddress::private(personal_code).to_string();
    ensure_account(store, &recipient, domain::eaddress::AccountKind::Natural, "", now).await?;
    // The same case's letter is one message: its id follows from the case.
    let id = derived_id(b"pietura-training-decision:", case.id.as_bytes());
    let message = crate::eaddress::NewMessage {
        id,
        recipients: vec![recipient],
        subject: format!("Lēmums lietā {} / Decision on case {}", case.number, case.number),
        body: "Jūsu pieprasījums ir apmierināts. Šī ir mācību vēstule.\n\nYour request is granted. This is a training letter."
            .into(),
        case_number: Some(case.number.to_string()),
        in_reply_to: None,
        attachments: Vec::new(),
    };
    let principal = crate::eaddress::Principal::Institution { id: holder.to_owned() };
    match crate::eaddress::send(store, mail.attachments, mail.calendar, &principal, &mailbox.address, message, now)
        .await
    {
        Ok(_) => Ok(true),
        Err(error) => {
            tracing::warn!(case = %case.number, %error, "a simulated institution's decision letter was not sent");
            Ok(false)
        }
    }
}

/// A training server's card CA in `dir`: the one made on its first start, else a new one (its
/// files readable by the server's user only).
pub fn training_ca(
    dir: &std::path::Path,
    now: DateTime<Utc>,
) -> Result<eid::test_ca::TestCa, eid::test_ca::TestCaError> {
    if dir.join("ica.pem").exists() {
        return eid::test_ca::TestCa::load(dir);
    }
    let ca = eid::test_ca::TestCa::generate(now)?;
    ca.save(dir)?;
    tracing::info!(dir = %dir.display(), "a CA for the training people's cards was made");
    Ok(ca)
}

/// A training person's card for a desk of `centre`: only for the people of that centre (its
/// staff, such as its trainers, and the seats' clerks and customers of its workshops), with the
/// name the handouts give them. Issued anew each time, valid from yesterday; the PINs are the
/// training cards' (on every handout).
pub async fn issue_card(
    store: &dyn Store,
    ca: &eid::test_ca::TestCa,
    centre: &Centre,
    personal_code: &str,
    customers_only: bool,
    now: DateTime<Utc>,
) -> Result<protocol::TrainingCard, WorkshopError> {
    let code = PersonalCode::parse(personal_code).map_err(|_| WorkshopError::NotAPerson(personal_code.into()))?;
    let mut named = None;
    for workshop in store.centre_workshops(centre.id).await? {
        let Some((workshop, seats)) = store.workshop(workshop.id).await? else { continue };
        for seat in seats {
            let (clerk, customers) = seat_people(workshop.series, seat.seat, workshop.scenarios.len());
            let base = u32::from(seat.seat) * 100;
            let clerk = (!customers_only).then_some((clerk, base));
            let people = clerk.into_iter().chain(customers.into_iter().zip(base + 1..));
            if let Some((_, n)) = people.into_iter().find(|(person, _)| *person == code) {
                named = Some(person(&code, n));
            }
        }
    }
    if named.is_none()
        && !customers_only
        && store.centre_role_grants(centre.id).await?.iter().any(|g| g.personal_code == code.as_str())
    {
        named = Some(person(&code, 0));
    }
    let person = named.ok_or_else(|| WorkshopError::NotAPerson(code.to_string()))?;
    let holder = eid::test_ca::Holder {
        given_name: person.given_name.clone(),
        surname: person.surname.clone(),
        personal_code: code.to_string(),
    };
    let profile = ca
        .issue_card(holder, eid::apdu::KeyKind::EcP384, now - Duration::days(1), None, &person.pin1, &person.pin2)
        .and_then(|profile| profile.to_json())
        .map_err(|e| WorkshopError::Store(StoreError::Corrupt(format!("the training card could not be made: {e}"))))?;
    Ok(protocol::TrainingCard { person, profile })
}
