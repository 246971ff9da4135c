//! Cases arriving from desks' outboxes: each entry checked, then applied exactly once (the
//! store records the entry id in the same transaction as its effect).

use chrono::{DateTime, Utc};
use domain::case::{Case, CaseDocument, CaseError, CaseNote, CaseStatus, DeskChange, StatusChange};
use protocol::{OutboxEntryDto, OutboxResult, rejection_codes as codes};
use uuid::Uuid;

use std::collections::HashMap;

use crate::{
    authorship::ProvenAuthor,
    store::{CaseScope, CaseWrite, Device, EntryEffect, RecordKind, Store, StoreError, StoredCase},
};

/// What became of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryOutcome {
    Applied,
    /// Applied by an earlier push: done all the same.
    Duplicate,
    /// Nothing done: a service outside the server (a CA's OCSP responder) did not answer; the
    /// device sends it again later.
    Deferred {
        reason: String,
    },
    /// Invalid: retrying cannot help; the device sets it aside with this reason. `code` is one of
    /// [`codes`], for the desk to translate.
    Rejected {
        code: &'static str,
        reason: String,
    },
}

impl EntryOutcome {
    pub fn rejected(code: &'static str, reason: impl Into<String>) -> Self {
        Self::Rejected { code, reason: reason.into() }
    }

    pub fn into_result(self, id: Uuid) -> OutboxResult {
        let (outcome, reason, code) = match self {
            Self::Applied => ("applied", None, None),
            Self::Duplicate => ("duplicate", None, None),
            Self::Deferred { reason } => ("deferred", Some(reason), None),
            Self::Rejected { code, reason } => ("rejected", Some(reason), Some(code.to_owned())),
        };
        OutboxResult { id, outcome: outcome.into(), reason, code }
    }
}

use crate::store::serde_name as name_of;

fn corrupt(error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(error.to_string())
}

/// Applies a push from `device`: every entry checked (against what the push itself changed
/// before it, too), then all written in one transaction, each exactly once. Each entry comes with
/// its proven author: the people the entry names as acting must be that person. Store failures
/// (the database is down) fail the whole push: the device sends it again, and what was applied
/// is then answered as a duplicate.
pub async fn apply_entries(
    store: &dyn Store,
    device: &Device,
    entries: Vec<(OutboxEntryDto, ProvenAuthor)>,
    now: DateTime<Utc>,
) -> Result<Vec<OutboxResult>, StoreError> {
    let ids: Vec<Uuid> = entries.iter().map(|(e, _)| e.id).collect();
    let mut outcomes: Vec<Option<EntryOutcome>> = vec![None; entries.len()];
    let mut writes = Vec::new();
    let mut written_for = Vec::new();
    let mut batch = Batch::default();
    for (index, (entry, author)) in entries.into_iter().enumerate() {
        match batch.prepare(store, device, &author, entry, now).await? {
            Prepared::Write(write) => {
                writes.push(*write);
                written_for.push(index);
            }
            Prepared::Done(outcome) => outcomes[index] = Some(outcome),
        }
    }
    let results = store.apply_case_writes(device.id, writes, now).await?;
    for (index, result) in written_for.into_iter().zip(results) {
        outcomes[index] = Some(match result {
            Ok(EntryEffect::Applied) => EntryOutcome::Applied,
            Ok(EntryEffect::AlreadyApplied) => EntryOutcome::Duplicate,
            Err(StoreError::Conflict { .. }) => {
                EntryOutcome::rejected(codes::NUMBER_TAKEN, "the case number is taken by another case")
            }
            Err(StoreError::VersionConflict { .. }) => EntryOutcome::rejected(
                codes::CASE_MOVED_ON,
                "the case changed meanwhile; its current status comes down with the case feed",
            ),
            Err(other) => return Err(other),
        });
    }
    Ok(ids
        .into_iter()
        .zip(outcomes)
        .map(|(id, outcome)| {
            outcome.unwrap_or(EntryOutcome::rejected(codes::UNREADABLE, "not applied")).into_result(id)
        })
        .collect())
}

enum Prepared {
    Write(Box<CaseWrite>),
    Done(EntryOutcome),
}

/// What a push has changed so far, so later entries of the same push see it.
#[derive(Default)]
struct Batch {
    /// Cases as they stand after the entries prepared so far, with their stored status.
    cases: HashMap<Uuid, (Case, String)>,
    /// Services looked up in the catalogue: their competent authorities when live, `None` when
    /// unknown or retired.
    services: HashMap<String, Option<Vec<String>>>,
}

/// Whether `actor` is the proven author (a desk's entries are made by staff only).
fn acts_as(actor: &domain::case::Actor, author: &ProvenAuthor) -> bool {
    matches!(actor, domain::case::Actor::Staff { personal_code, .. } if personal_code.as_str() == author.personal_code)
}

fn someone_else() -> Prepared {
    Prepared::Done(someone_else_outcome())
}

fn someone_else_outcome() -> EntryOutcome {
    EntryOutcome::rejected(
        codes::AUTHOR_UNPROVEN,
        "the entry names another person as acting than the one whose login made it",
    )
}

#[derive(serde::Deserialize)]
struct StatusPayload {
    case_id: Uuid,
    change: StatusChange,
    /// The status the desk saw (absent from desks older than notes).
    #[serde(default)]
    from: Option<CaseStatus>,
}

#[derive(serde::Deserialize)]
struct NotePayload {
    case_id: Uuid,
    note: CaseNote,
}

#[derive(serde::Deserialize)]
struct DocumentPayload {
    case_id: Uuid,
    document: CaseDocument,
}

/// What an update entry does to a case.
enum CaseChange {
    Status { change: StatusChange, from: Option<CaseStatus> },
    Note(CaseNote),
    Document(CaseDocument),
}

/// The rejection for a case rule.
fn broken_rule(error: CaseError) -> Prepared {
    Prepared::Done(EntryOutcome::rejected(codes::CASE_RULES, error.to_string()))
}

impl Batch {
    async fn prepare(
        &mut self,
        store: &dyn Store,
        device: &Device,
        author: &ProvenAuthor,
        entry: OutboxEntryDto,
        now: DateTime<Utc>,
    ) -> Result<Prepared, StoreError> {
        let rejected = |code: &'static str, reason: String| Ok(Prepared::Done(EntryOutcome::rejected(code, reason)));
        match entry.kind.as_str() {
            "case_registered" => {
                let mut case: Case = match serde_json::from_value(entry.payload) {
                    Ok(case) => case,
                    Err(error) => return rejected(codes::UNREADABLE, format!("the case cannot be read: {error}")),
                };
                if case.id != entry.id {
                    return rejected(codes::UNREADABLE, "a registration's entry id must be the case id".into());
                }
                if case.centre_id != device.centre.id {
                    return rejected(codes::OTHER_CENTRE, "the case names another centre than this device's".into());
                }
                if case.history.len() != 1 || case.status() != CaseStatus::Registered {
                    return rejected(
                        codes::CASE_RULES,
                        "a new case has exactly its registration in its history".into(),
                    );
                }
                if !case.history.iter().all(|step| acts_as(&step.actor, author)) {
                    return Ok(someone_else());
                }
                if let Err(error) = case.check_timings() {
                    return rejected(codes::CASE_RULES, format!("arrival, serving and registration: {error}"));
                }
                let authorities = match self.services.get(&case.service_id) {
                    Some(known) => known.clone(),
                    None => {
                        let authorities = match store.catalogue_record(RecordKind::Service, &case.service_id).await? {
                            Some(record) if !record.retired => {
                                let service: domain::catalogue::PublicService =
                                    serde_json::from_str(&record.document).map_err(corrupt)?;
                                Some(service.competent_authorities)
                            }
                            _ => None,
                        };
                        self.services.insert(case.service_id.clone(), authorities.clone());
                        authorities
                    }
                };
                let Some(authorities) = authorities.filter(|a| !a.is_empty()) else {
                    return rejected(
                        codes::UNKNOWN_SERVICE,
                        format!("the service {} is not in the catalogue", case.service_id),
                    );
                };
                // Who holds and who provides the case is the catalogue's word, not the desk's:
                // institutions see the cases they hold or provide.
                case.holder_institution = authorities[0].clone();
                case.provider_institution =
                    case.provider_institution.filter(|provider| authorities[1..].contains(provider));
                let stored = StoredCase::new(&case, entry.offline, now)?;
                let status = stored.status.clone();
                self.cases.insert(case.id, (case, status));
                Ok(Prepared::Write(Box::new(CaseWrite::Insert { entry_id: entry.id, case: stored })))
            }
            "case_status" | "case_note" | "case_document" => {
                // A change applied before would not pass the state machine again: answer it as
                // the duplicate it is.
                if store.entry_applied(entry.id).await? {
                    return Ok(Prepared::Done(EntryOutcome::Duplicate));
                }
                let read = match entry.kind.as_str() {
                    "case_status" => serde_json::from_value::<StatusPayload>(entry.payload)
                        .map(|p| (p.case_id, CaseChange::Status { change: p.change, from: p.from })),
                    "case_note" => serde_json::from_value::<NotePayload>(entry.payload)
                        .map(|p| (p.case_id, CaseChange::Note(p.note))),
                    _ => serde_json::from_value::<DocumentPayload>(entry.payload)
                        .map(|p| (p.case_id, CaseChange::Document(p.document))),
                };
                let (case_id, change) = match read {
                    Ok(read) => read,
                    Err(error) => {
                        return rejected(codes::UNREADABLE, format!("the {} cannot be read: {error}", entry.kind));
                    }
                };
                let Some((mut case, stored_status)) = self.current(store, case_id).await? else {
                    return rejected(codes::UNKNOWN_CASE, format!("there is no case {case_id}"));
                };
                if case.centre_id != device.centre.id {
                    return rejected(codes::OTHER_CENTRE, "the case belongs to another centre".into());
                }
                let actor = match &change {
                    CaseChange::Status { change, .. } => &change.actor,
                    CaseChange::Note(note) => &note.actor,
                    CaseChange::Document(document) => &document.actor,
                };
                if !acts_as(actor, author) {
                    return Ok(someone_else());
                }
                let applied = match change {
                    CaseChange::Status { change, from } => {
                        case.apply_desk_change(from, change, entry.id).map(|_: DeskChange| ())
                    }
                    CaseChange::Note(note) => case.add_note(note).map(|_| ()),
                    CaseChange::Document(document) => case.add_document(document).map(|_| ()),
                };
                if let Err(error) = applied {
                    return Ok(broken_rule(error));
                }
                let document = serde_json::to_string(&case).map_err(corrupt)?;
                let status = name_of(&case.status());
                let write = CaseWrite::Update {
                    entry_id: entry.id,
                    case_id: case.id,
                    expected_status: stored_status,
                    status: status.clone(),
                    document,
                };
                self.cases.insert(case.id, (case, status));
                Ok(Prepared::Write(Box::new(write)))
            }
            other => rejected(codes::UNKNOWN_KIND, format!("this server does not know entries of kind {other:?}")),
        }
    }

    /// The case as this push has left it so far, or as stored, with its stored status.
    async fn current(&self, store: &dyn Store, case_id: Uuid) -> Result<Option<(Case, String)>, StoreError> {
        if let Some(known) = self.cases.get(&case_id) {
            return Ok(Some(known.clone()));
        }
        let Some(stored) = store.case(case_id).await? else { return Ok(None) };
        let case: Case = serde_json::from_str(&stored.document).map_err(corrupt)?;
        Ok(Some((case, stored.status)))
    }
}

/// The case an e-form submission (entry `entry_id`) registers or moves on, checked as a desk's
/// registration or status change is, and its write (recording `entry_id`): `new_case` registered
/// and submitted at once, or the case `case_id` moved from registered to submitted (a case
/// submitted before gets a note). `Err`: the rejection.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn submission_case(
    store: &dyn Store,
    device: &Device,
    author: &ProvenAuthor,
    entry_id: Uuid,
    offline: bool,
    new_case: Option<Case>,
    case_id: Uuid,
    case_from: Option<CaseStatus>,
    note: &str,
    now: DateTime<Utc>,
) -> Result<Result<(Case, CaseWrite), EntryOutcome>, StoreError> {
    let mut batch = Batch::default();
    let unreadable = |error: serde_json::Error| Ok(Err(EntryOutcome::rejected(codes::UNREADABLE, error.to_string())));
    if let Some(case) = new_case {
        if case.id != case_id {
            return Ok(Err(EntryOutcome::rejected(
                codes::UNREADABLE,
                "the new case is not the case the message names",
            )));
        }
        let payload = match serde_json::to_value(&case) {
            Ok(payload) => payload,
            Err(error) => return unreadable(error),
        };
        let registration =
            OutboxEntryDto { id: case.id, kind: "case_registered".into(), payload, offline, author: None };
        if let Prepared::Done(outcome) = batch.prepare(store, device, author, registration, now).await? {
            return Ok(Err(outcome));
        }
        let (mut case, _) = batch.cases.remove(&case_id).ok_or_else(|| corrupt("the registration was not kept"))?;
        let actor = case.history[0].actor.clone();
        let at = now.max(case.history[0].at);
        if let Err(error) = case.change_status(CaseStatus::Submitted, at, actor, note) {
            return Ok(Err(EntryOutcome::rejected(codes::CASE_RULES, error.to_string())));
        }
        let stored = StoredCase::new(&case, offline, now)?;
        return Ok(Ok((case, CaseWrite::Insert { entry_id, case: stored })));
    }
    let Some((case, _)) = batch.current(store, case_id).await? else {
        return Ok(Err(EntryOutcome::rejected(codes::UNKNOWN_CASE, format!("there is no case {case_id}"))));
    };
    if case.kind != domain::case::CaseKind::Application {
        return Ok(Err(EntryOutcome::rejected(
            codes::CASE_RULES,
            "an e-form is submitted on an application case only",
        )));
    }
    let Ok(personal_code) = domain::PersonalCode::parse(&author.personal_code) else {
        return Ok(Err(someone_else_outcome()));
    };
    let actor = domain::case::Actor::Staff { personal_code, offline };
    let (kind, payload) = match case.status() {
        CaseStatus::Registered => (
            "case_status",
            serde_json::to_value(StatusPayloadOut {
                case_id,
                change: StatusChange { status: CaseStatus::Submitted, at: now, actor, note: note.to_owned() },
                from: case_from,
            }),
        ),
        CaseStatus::Submitted => (
            "case_note",
            serde_json::to_value(NotePayloadOut {
                case_id,
                note: CaseNote { id: entry_id, at: now, actor, text: note.to_owned(), intended_status: None },
            }),
        ),
        other => {
            return Ok(Err(EntryOutcome::rejected(
                codes::CASE_MOVED_ON,
                format!("the case is {}: nothing more can be submitted on it", name_of(&other)),
            )));
        }
    };
    let payload = match payload {
        Ok(payload) => payload,
        Err(error) => return unreadable(error),
    };
    let change = OutboxEntryDto { id: entry_id, kind: kind.into(), payload, offline, author: None };
    match batch.prepare(store, device, author, change, now).await? {
        Prepared::Done(outcome) => Ok(Err(outcome)),
        Prepared::Write(write) => {
            let (case, _) = batch.cases.remove(&case_id).ok_or_else(|| corrupt("the change was not kept"))?;
            Ok(Ok((case, *write)))
        }
    }
}

#[derive(serde::Serialize)]
struct StatusPayloadOut {
    case_id: Uuid,
    change: StatusChange,
    from: Option<CaseStatus>,
}

#[derive(serde::Serialize)]
struct NotePayloadOut {
    case_id: Uuid,
    note: CaseNote,
}

/// Why an institution's case request was refused.
#[derive(Debug, thiserror::Error)]
pub enum InstitutionCaseError {
    /// No such case, or not the institution's: the same answer, so numbers cannot be probed.
    #[error("there is no case {0} held or provided by your institution")]
    NotFound(String),
    #[error("the case is {current}, not {expected}: read it again and decide on its current status")]
    MovedOn { current: String, expected: String },
    #[error("{0}")]
    Rules(#[from] CaseError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn serves(case: &StoredCase, institution: &str) -> bool {
    case.holder_institution == institution || case.provider_institution.as_deref() == Some(institution)
}

/// A case an institution holds or provides, by its number.
pub async fn case_for_institution(
    store: &dyn Store,
    institution: &str,
    number: &str,
) -> Result<(Case, i64), InstitutionCaseError> {
    let stored = match domain::case::CaseNumber::parse(number) {
        Ok(parsed) => store.case_by_number(&parsed.to_string()).await?,
        Err(_) => None,
    };
    let stored =
        stored.filter(|c| serves(c, institution)).ok_or_else(|| InstitutionCaseError::NotFound(number.into()))?;
    let case: Case = serde_json::from_str(&stored.document).map_err(corrupt)?;
    Ok((case, stored.change_seq))
}

/// An institution moves one of its cases on. Sending the same change again (a retry after a
/// lost answer) is answered with the case as it is, unchanged (`false`).
pub async fn change_status_by_institution(
    store: &dyn Store,
    institution: &str,
    number: &str,
    request: protocol::InstitutionStatusRequest,
    now: DateTime<Utc>,
) -> Result<(Case, bool), InstitutionCaseError> {
    let (mut case, _) = case_for_institution(store, institution, number).await?;
    let current = case.status();
    let actor = domain::case::Actor::Institution { id: institution.to_owned() };
    if current != request.expected_status {
        let repeated = current == request.status
            && case.history.last().is_some_and(|last| last.actor == actor && last.note == request.note);
        if repeated {
            return Ok((case, false));
        }
        return Err(InstitutionCaseError::MovedOn {
            current: name_of(&current),
            expected: name_of(&request.expected_status),
        });
    }
    // An institution's clock may be behind the desk's: its change is dated no earlier than the
    // last one, so the history stays in order.
    let at = case.history.last().map_or(now, |last| last.at.max(now));
    case.change_status(request.status, at, actor, &request.note)?;
    let document = serde_json::to_string(&case).map_err(corrupt)?;
    match store.change_case(case.id, &name_of(&current), &name_of(&case.status()), document, now).await {
        Ok(_) => Ok((case, true)),
        Err(StoreError::VersionConflict { .. }) => {
            // Someone else moved it between the read and the write.
            let (now_stored, _) = case_for_institution(store, institution, number).await?;
            Err(InstitutionCaseError::MovedOn {
                current: name_of(&now_stored.status()),
                expected: name_of(&request.expected_status),
            })
        }
        Err(other) => Err(other.into()),
    }
}

/// A page of the case feed for a scope.
pub async fn case_page(
    store: &dyn Store,
    scope: CaseScope,
    after: i64,
    limit: u32,
) -> Result<protocol::CasePage, StoreError> {
    // The head first: cases written meanwhile come on a later page, none is skipped.
    let head = store.case_head().await?;
    let stored = store.case_changes(scope, after, limit).await?;
    let head = head.max(stored.last().map_or(0, |c| c.change_seq)).max(after);
    let cases = stored
        .into_iter()
        .map(|c| {
            Ok(protocol::CaseRecordDto { seq: c.change_seq, case: serde_json::from_str(&c.document).map_err(corrupt)? })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(protocol::CasePage { cases, head })
}

/// A citizen's own cases, the newest first.
pub async fn citizen_cases(store: &dyn Store, personal_code: &str) -> Result<Vec<Case>, StoreError> {
    // Cases keep the code as the domain writes it; a session may hold it as the card does.
    let code = domain::PersonalCode::parse(personal_code).map_or_else(|_| personal_code.to_owned(), |c| c.to_string());
    let mut customers = vec![code.clone()];
    // And those of the legal entities the person represents (by their registration numbers).
    for representation in store.representatives(None, Some(code)).await? {
        if representation.ended_at.is_none()
            && let Ok(address) = domain::eaddress::EAddress::parse(&representation.mailbox)
        {
            customers.push(address.owner().to_owned());
        }
    }
    let mut cases = Vec::new();
    for customer in customers {
        for stored in store.customer_cases(&customer, 100).await? {
            cases.push(serde_json::from_str(&stored.document).map_err(corrupt)?);
        }
    }
    Ok(cases)
}

/// A demo desk's case history: `count` registrations spread over the `months` before `now`,
/// over the catalogue's live services (a few much more often than others, as at a real
/// centre), with every kind and the usual channels. Deterministic for a `seed`; customers are
/// made-up new-style personal codes with no names. Applied like any desk's push, so the demo
/// has cases and the open data has counts.
pub async fn add_demo_cases(
    store: &dyn Store,
    device: &Device,
    count: u32,
    months: u32,
    seed: u64,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    use domain::case::{Actor, CaseKind, CaseNumber, Customer, NewCase};
    use domain::catalogue::{ChannelKind, PublicService};

    let desk = device
        .desk_number
        .ok_or_else(|| StoreError::NotFound { what: "a desk number (demo cases need a desk, not a kiosk)".into() })?;
    let mut services: Vec<(String, String)> = Vec::new();
    for record in store.catalogue_records(RecordKind::Service).await? {
        if record.retired {
            continue;
        }
        let service: PublicService =
            serde_json::from_str(&record.document).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        if let Some(holder) = service.competent_authorities.first() {
            services.push((service.id.clone(), holder.clone()));
        }
    }
    if services.is_empty() {
        return Err(StoreError::NotFound { what: "a live service (import the demo catalogue first)".into() });
    }
    services.sort();
    // A centre's work is mostly a dozen services.
    services.truncate(12);
    let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
    let mut next = move |bound: u64| {
        // SplitMix64: deterministic and good enough for made-up data.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % bound.max(1)
    };
    let clerk = domain::PersonalCode::parse("161175-19997").map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let span_minutes = i64::from(months.max(1)) * 30 * 24 * 60;
    let mut drafts = Vec::new();
    for _ in 0..count {
        // Squaring the draw makes the first services the busiest.
        let pick = next(1_000_000) as f64 / 1_000_000.0;
        let (service_id, holder) = &services[((pick * pick) * services.len() as f64) as usize % services.len()];
        let served_at = now - chrono::Duration::minutes(1 + next(span_minutes as u64) as i64);
        let kind = match next(10) {
            0..=6 => CaseKind::Consultation,
            7 | 8 => CaseKind::Application,
            _ => CaseKind::ResultHandover,
        };
        let channel = match next(20) {
            0..=17 => ChannelKind::VpvkacInPerson,
            18 => ChannelKind::Phone,
            _ => ChannelKind::EAddress,
        };
        let code = format!("32{:04}-{:05}", next(10_000), next(100_000));
        let personal_code = domain::PersonalCode::parse(&code).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        drafts.push((served_at, service_id.clone(), holder.clone(), kind, channel, personal_code));
    }
    // Numbered in the order served, per year, as the desk would have.
    drafts.sort_by_key(|d| d.0);
    let mut sequence: HashMap<i32, u32> = HashMap::new();
    let mut entries = Vec::new();
    for (served_at, service_id, holder, kind, channel, personal_code) in drafts {
        use chrono::Datelike;
        let year = served_at.year();
        let n = sequence.entry(year).or_insert(0);
        *n += 1;
        let number = CaseNumber::new(&device.centre.code, desk, year, *n)
            .map_err(|e| StoreError::Corrupt(format!("demo case number: {e}")))?;
        let case = Case::register(NewCase {
            id: Uuid::now_v7(),
            number,
            service_id,
            kind,
            channel,
            customer: Customer::Natural { personal_code, name: String::new() },
            holder_institution: holder,
            provider_institution: None,
            centre_id: device.centre.id,
            arrived_at: served_at - chrono::Duration::minutes(next(25) as i64),
            served_at,
            registered_at: (served_at + chrono::Duration::seconds(30 + next(900) as i64)).min(now),
            registered_by: Actor::Staff { personal_code: clerk.clone(), offline: false },
            note: String::new(),
        })
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let payload = serde_json::to_value(&case).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        entries.push(OutboxEntryDto {
            id: case.id,
            kind: "case_registered".into(),
            payload,
            offline: false,
            author: None,
        });
    }
    // Made up by the operator's command on the server itself: no device's claim to check.
    let author = ProvenAuthor { personal_code: clerk.to_string(), roles: vec![domain::Role::Clerk], proof: "operator" };
    let entries: Vec<(OutboxEntryDto, ProvenAuthor)> = entries.into_iter().map(|e| (e, author.clone())).collect();
    let mut applied = 0;
    for batch in entries.chunks(200) {
        let results = apply_entries(store, device, batch.to_vec(), now).await?;
        applied += results.iter().filter(|r| r.outcome == "applied").count();
    }
    Ok(applied)
}

/// Why an institution's own-channel case was refused.
#[derive(Debug, thiserror::Error)]
pub enum OwnChannelCaseError {
    #[error("{field}: {problem}")]
    Invalid { field: &'static str, problem: String },
    #[error("{0}")]
    Forbidden(String),
    #[error(
        "your institution has no case code yet, which its case numbers start with: ask the operator \
         (`pietura-server institution case-code ID CODE`)"
    )]
    NoCaseCode,
    #[error("the own_id {0:?} is already a case of your institution with other details: give a new case a new own_id")]
    OwnIdTaken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The channel's number in an institution's case numbers (where a centre's numbers have the
/// desk); `None` for channels that are not the institution's own.
pub fn own_channel_number(channel: &domain::catalogue::ChannelKind) -> Option<u8> {
    use domain::catalogue::ChannelKind as C;
    match channel {
        C::InstitutionInPerson => Some(1),
        C::Phone => Some(2),
        C::Post => Some(3),
        C::Email => Some(4),
        C::EService => Some(5),
        C::EAddress => Some(6),
        C::MobileApp => Some(7),
        C::VpvkacInPerson | C::Other(_) => None,
    }
}

/// How far ahead of the server's clock a registration time may be (clocks differ a little).
const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);

/// Registers a case of one of `institution`'s own channels, by the same rules as a desk's: a
/// live service the institution is a competent authority of, times that do not go back, a
/// customer whose code checks out; numbered by the server, idempotent by the own id.
pub async fn register_for_institution(
    store: &dyn Store,
    institution: &str,
    request: protocol::InstitutionCaseRequest,
    now: DateTime<Utc>,
) -> Result<(protocol::InstitutionCaseRecord, bool), OwnChannelCaseError> {
    let invalid = |field, problem: &str| Err(OwnChannelCaseError::Invalid { field, problem: problem.to_owned() });
    let own_id = request.own_id.trim();
    if own_id.is_empty() || own_id.chars().count() > 100 || own_id.chars().any(char::is_control) {
        return invalid("own_id", "must be 1 to 100 characters, without control characters");
    }
    let Some(channel_number) = own_channel_number(&request.channel) else {
        return invalid(
            "channel",
            "must be one of the institution's own channels (institution_in_person, phone, post, email, e_address, \
             e_service, mobile_app); cases at client service centres come from their desks",
        );
    };
    let registered_at = request.registered_at.unwrap_or(now);
    if registered_at > now + CLOCK_SKEW {
        return invalid("registered_at", "is in the future");
    }
    if request.served_at > registered_at {
        return invalid("served_at", "must not be after the registration");
    }
    if request.arrived_at.is_some_and(|arrived| arrived > request.served_at) {
        return invalid("arrived_at", "must not be after served_at");
    }
    if let Some(customer) = &request.customer
        && let Err(e) = domain::case::customer_from_code(&customer.code, &customer.name)
    {
        return invalid("customer.code", &e.to_string());
    }
    let service = match store.catalogue_record(RecordKind::Service, &request.service_id).await? {
        Some(record) if !record.retired => {
            serde_json::from_str::<domain::catalogue::PublicService>(&record.document).map_err(corrupt)?
        }
        _ => return invalid("service_id", "is not a service of the catalogue"),
    };
    if !service.competent_authorities.iter().any(|a| a == institution) {
        return Err(OwnChannelCaseError::Forbidden(format!(
            "your institution is not a competent authority of {}: register cases of your own services only",
            service.id
        )));
    }
    let case_code = store.institution_case_code(institution).await?.ok_or(OwnChannelCaseError::NoCaseCode)?;
    let (kind, channel) = (crate::store::serde_name(&request.kind), crate::store::serde_name(&request.channel));
    let mut normalised = protocol::InstitutionCaseRequest {
        own_id: own_id.to_owned(),
        registered_at: Some(registered_at),
        ..request.clone()
    };
    let id = Uuid::now_v7();
    let new = crate::store::NewInstitutionCase {
        id,
        institution_id: institution.to_owned(),
        own_id: own_id.to_owned(),
        case_code,
        channel_number,
        service_id: service.id.clone(),
        kind: kind.clone(),
        channel: channel.clone(),
        served_at: request.served_at,
        registered_at,
        request: serde_json::to_string(&normalised).map_err(corrupt)?,
        audit: crate::audit::NewAuditEntry::new(
            now,
            format!("institution:{institution}"),
            "case_registered",
            format!("own:{own_id}"),
            format!("{channel} {kind} {}", service.id),
        ),
    };
    let (row, created) = store.register_institution_case(new).await?;
    if !created {
        let mut kept: protocol::InstitutionCaseRequest = serde_json::from_str(&row.request).map_err(corrupt)?;
        if request.registered_at.is_none() {
            // A repeat that leaves registered_at out again states everything but it.
            (kept.registered_at, normalised.registered_at) = (None, None);
        }
        if kept != normalised {
            return Err(OwnChannelCaseError::OwnIdTaken(own_id.to_owned()));
        }
    }
    Ok((
        protocol::InstitutionCaseRecord {
            id: row.id,
            own_id: row.own_id,
            number: row.number,
            service_id: row.service_id,
            kind: row.kind,
            channel: row.channel,
            served_at: row.served_at,
            registered_at: row.registered_at,
        },
        created,
    ))
}
