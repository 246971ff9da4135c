//! The centre administrator's work: the centre's figures, its staff's roles and its devices.
//! Every function takes the centre from the caller's authenticated desk, never from a request,
//! so an administrator can reach no other centre; every change is audited under their name.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use domain::{Centre, DeviceKind, PersonalCode, Role, calendar::riga_date, case::Actor};
use protocol::{
    CentreDashboard, CentreDevice, DayFigures, DeviceOutbox, MessageFigures, NamedCount, PeriodFigures, StaffList,
    StaffLoginEvent, StaffMember,
};
use uuid::Uuid;

use crate::store::{Device, Store, StoreError, StoredCase};

/// How many days the daily chart covers, today included.
pub const CHART_DAYS: i64 = 30;
/// The newest login events listed for a centre.
pub const LOGIN_EVENTS: u32 = 100;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0:?} is not a Latvian personal code: {1}")]
    PersonalCode(String, domain::PersonalCodeError),
    #[error("{0:?} is not a staff role: use clerk, librarian, trainer or admin")]
    Role(String),
    #[error("you cannot take away your own administrator role: ask another administrator of the centre")]
    OwnAdminRole,
    #[error("this is the desk you are working at: revoke it from another desk of the centre")]
    OwnDevice,
    #[error("the centre has no such device")]
    NoSuchDevice,
    #[error(transparent)]
    Device(#[from] crate::devices::DeviceError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The centre's figures now: today, this month and the last 30 days in Riga, from the cases the
/// centre's desks registered and the messages its staff sent.
pub async fn dashboard(store: &dyn Store, centre: &Centre, now: DateTime<Utc>) -> Result<CentreDashboard, StoreError> {
    // Wide enough for this calendar month and the chart's days, whatever the UTC offset.
    let since = now - Duration::days(33);
    let stored = store.centre_cases_since(centre.id, since).await?;
    let today = riga_date(now);
    let month_start = today.with_day(1).expect("every month has a first day");
    let mut cases = Vec::with_capacity(stored.len());
    for row in &stored {
        cases.push(CaseFacts::of(row)?);
    }
    let senders: Vec<String> = store
        .centre_role_grants(centre.id)
        .await?
        .into_iter()
        .map(|g| format!("person:{}", g.personal_code))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    // The first moment of the month in Riga is at most three hours before its UTC midnight.
    let month_since = month_start.and_hms_opt(0, 0, 0).expect("midnight").and_utc() - Duration::hours(3);
    let (sent, read) = store.sent_and_read(senders, month_since).await?;
    let mut dashboard = figures(centre.clone(), &cases, now, MessageFigures { sent, read });
    dashboard.outboxes = outboxes(&centre_devices(store, centre.id).await?);
    Ok(dashboard)
}

/// The devices whose last report says their outbox holds something, in the device list's order
/// (revoked devices left out: their outbox will never be sent).
pub fn outboxes(devices: &[Device]) -> Vec<DeviceOutbox> {
    devices
        .iter()
        .filter(|d| d.revoked_at.is_none())
        .filter_map(|d| {
            let outbox = d.reported_outbox.filter(|o| o.pending > 0 || o.refused > 0)?;
            Some(DeviceOutbox {
                device_id: d.id,
                name: d.name.clone(),
                desk_number: d.desk_number,
                outbox,
                reported_at: d.last_seen_at,
            })
        })
        .collect()
}

/// What the figures need of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    pub service_id: String,
    pub channel: String,
    pub clerk: Option<String>,
    pub arrived_at: DateTime<Utc>,
    pub served_at: DateTime<Utc>,
    pub registered_at: DateTime<Utc>,
}

impl CaseFacts {
    fn of(row: &StoredCase) -> Result<Self, StoreError> {
        let case: domain::case::Case = serde_json::from_str(&row.document)
            .map_err(|e| StoreError::Corrupt(format!("case {}: {e}", row.number)))?;
        let first = case.history.first();
        Ok(Self {
            service_id: case.service_id,
            channel: row.channel.clone(),
            clerk: first.and_then(|change| match &change.actor {
                Actor::Staff { personal_code, .. } => Some(personal_code.to_string()),
                Actor::Institution { .. } => None,
            }),
            arrived_at: case.arrived_at,
            served_at: case.served_at,
            registered_at: first.map_or(case.served_at, |change| change.at),
        })
    }
}

/// The dashboard from the cases' facts (pure, so it is tested without a store).
pub fn figures(centre: Centre, cases: &[CaseFacts], now: DateTime<Utc>, messages: MessageFigures) -> CentreDashboard {
    let today = riga_date(now);
    let month_start = today.with_day(1).expect("every month has a first day");
    let on = |case: &&CaseFacts| riga_date(case.served_at);
    let today_cases: Vec<&CaseFacts> = cases.iter().filter(|c| on(c) == today).collect();
    let month_cases: Vec<&CaseFacts> = cases.iter().filter(|c| (month_start..=today).contains(&on(c))).collect();
    let mut by_day: BTreeMap<NaiveDate, Vec<&CaseFacts>> = BTreeMap::new();
    for day in 0..CHART_DAYS {
        by_day.insert(today - Duration::days(CHART_DAYS - 1 - day), Vec::new());
    }
    for case in cases {
        if let Some(list) = by_day.get_mut(&riga_date(case.served_at)) {
            list.push(case);
        }
    }
    let days = by_day
        .into_iter()
        .map(|(day, list)| {
            let waits: Vec<i64> = list.iter().map(|c| minutes(c.served_at - c.arrived_at)).collect();
            let services: Vec<i64> = list.iter().map(|c| minutes(c.registered_at - c.served_at)).collect();
            DayFigures {
                day,
                cases: list.len() as u64,
                waiting_median_minutes: percentile(waits.clone(), 50),
                waiting_p90_minutes: percentile(waits, 90),
                service_median_minutes: percentile(services.clone(), 50),
                service_p90_minutes: percentile(services, 90),
            }
        })
        .collect();
    CentreDashboard {
        centre,
        computed_at: now,
        today: period(&today_cases),
        month: period(&month_cases),
        days,
        messages,
        outboxes: Vec::new(),
    }
}

fn minutes(span: Duration) -> i64 {
    span.num_minutes().max(0)
}

/// The nearest-rank percentile (`p` of 100) of whole minutes; none of nothing.
pub fn percentile(mut values: Vec<i64>, p: usize) -> Option<u32> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = (p * values.len()).div_ceil(100).max(1);
    u32::try_from(values[rank - 1]).ok()
}

fn period(cases: &[&CaseFacts]) -> PeriodFigures {
    PeriodFigures {
        cases: cases.len() as u64,
        by_service: counted(cases.iter().map(|c| c.service_id.clone())),
        by_channel: counted(cases.iter().map(|c| c.channel.clone())),
        by_clerk: counted(cases.iter().filter_map(|c| c.clerk.clone())),
    }
}

/// Counts by key, the largest first (ties by key, so the order is stable).
fn counted(keys: impl Iterator<Item = String>) -> Vec<NamedCount> {
    let mut counts: HashMap<String, u64> = HashMap::new();
    for key in keys {
        *counts.entry(key).or_default() += 1;
    }
    let mut list: Vec<NamedCount> = counts.into_iter().map(|(key, cases)| NamedCount { key, cases }).collect();
    list.sort_by(|a, b| b.cases.cmp(&a.cases).then_with(|| a.key.cmp(&b.key)));
    list
}

/// The centre's staff with their names and last logins, and the newest login events.
pub async fn staff(store: &dyn Store, centre: &Centre) -> Result<StaffList, StoreError> {
    let mut members: BTreeMap<String, StaffMember> = BTreeMap::new();
    for grant in store.centre_role_grants(centre.id).await? {
        let member = members.entry(grant.personal_code.clone()).or_insert_with(|| StaffMember {
            personal_code: grant.personal_code.clone(),
            name: String::new(),
            roles: Vec::new(),
            since: grant.granted_at,
            last_login_at: None,
        });
        member.roles.push(grant.role.as_str().to_owned());
        member.since = member.since.min(grant.granted_at);
    }
    for member in members.values_mut() {
        member.roles.sort_by_key(|role| Role::STAFF.iter().position(|r| r.as_str() == role));
    }
    for login in store.last_logins(members.keys().cloned().collect()).await? {
        if let Some(member) = members.get_mut(&login.personal_code) {
            member.name = format!("{} {}", login.given_name, login.surname);
            member.last_login_at = Some(login.at);
        }
    }
    let names: HashMap<Uuid, String> =
        centre_devices(store, centre.id).await?.into_iter().map(|d| (d.id, d.name)).collect();
    let logins = store
        .centre_auth_events(centre.id, LOGIN_EVENTS)
        .await?
        .into_iter()
        .map(|event| StaffLoginEvent {
            at: event.at,
            kind: event.kind,
            personal_code: event.personal_code,
            device_name: event.device_id.and_then(|id| names.get(&id).cloned()).unwrap_or_default(),
        })
        .collect();
    Ok(StaffList { members: members.into_values().collect(), logins })
}

/// Parses a role an administrator may grant.
pub fn staff_role(role: &str) -> Result<Role, AdminError> {
    Role::staff(role).ok_or_else(|| AdminError::Role(role.to_owned()))
}

/// The person and the role of a grant, as an administrator typed them.
fn grantee(personal_code: &str, role: &str) -> Result<(PersonalCode, Role), AdminError> {
    Ok((crate::login::grantee(personal_code).map_err(grant_error)?, staff_role(role)?))
}

/// Grants `role` at the administrator's centre.
pub async fn grant(
    store: &dyn Store,
    centre: &Centre,
    admin: &str,
    personal_code: &str,
    role: &str,
    now: DateTime<Utc>,
) -> Result<PersonalCode, AdminError> {
    let (code, role) = grantee(personal_code, role)?;
    crate::login::grant_at(store, &code, role, centre, &format!("person:{admin}"), now).await.map_err(grant_error)?;
    Ok(code)
}

/// Takes `role` away at the administrator's centre (their own admin role they cannot, so a
/// centre is never left without one by mistake); answers whether there was one.
pub async fn revoke(
    store: &dyn Store,
    centre: &Centre,
    admin: &str,
    personal_code: &str,
    role: &str,
    now: DateTime<Utc>,
) -> Result<bool, AdminError> {
    let (code, role) = grantee(personal_code, role)?;
    if role == Role::Admin && code.as_str() == admin {
        return Err(AdminError::OwnAdminRole);
    }
    crate::login::revoke_at(store, &code, role, centre, &format!("person:{admin}"), now).await.map_err(grant_error)
}

fn grant_error(error: crate::login::GrantError) -> AdminError {
    use crate::login::GrantError;
    match error {
        GrantError::PersonalCode(code, e) => AdminError::PersonalCode(code, e),
        GrantError::CitizenRole => AdminError::Role("citizen".into()),
        GrantError::NoCentre(name) => AdminError::Store(StoreError::NotFound { what: format!("the centre {name:?}") }),
        GrantError::Store(e) => AdminError::Store(e),
    }
}

/// The centre's devices, desks first then by name.
pub async fn centre_devices(store: &dyn Store, centre: Uuid) -> Result<Vec<Device>, StoreError> {
    let mut devices = store.centre_devices(centre).await?;
    devices.sort_by(|a, b| (a.kind.as_str(), a.desk_number, &a.name).cmp(&(b.kind.as_str(), b.desk_number, &b.name)));
    Ok(devices)
}

/// A device as the administrator's list shows it, against the fleet's `newest` version.
pub fn device_view(device: &Device, newest: Option<&str>, now: DateTime<Utc>) -> CentreDevice {
    let (behind, unseen) = crate::devices::fleet_standing(device, newest, now);
    let state = match (device.revoked_at, device.enrolled_at) {
        (Some(_), _) => "revoked",
        (None, Some(_)) => "enrolled",
        (None, None) if device.enrollment_expires_at <= now => "expired",
        (None, None) => "waiting",
    };
    CentreDevice {
        id: device.id,
        kind: device.kind,
        name: device.name.clone(),
        desk_number: device.desk_number,
        state: state.to_owned(),
        enrollment_expires_at: device.enrollment_expires_at,
        last_seen_at: device.last_seen_at,
        revoked_at: device.revoked_at,
        reported_version: device.reported_version.clone(),
        outbox: device.reported_outbox,
        behind,
        unseen,
    }
}

/// Adds a device to the centre; answers it with its one-time code.
pub async fn add_device(
    store: &dyn Store,
    centre: &Centre,
    admin: &str,
    kind: DeviceKind,
    name: &str,
    code_ttl: Duration,
    now: DateTime<Utc>,
) -> Result<(Device, domain::EnrollmentCode), AdminError> {
    Ok(crate::devices::add_device_by(store, &centre.name, kind, name, code_ttl, &format!("person:{admin}"), now)
        .await?)
}

/// A device of this centre, or "no such device" (another centre's devices are not told apart
/// from devices that do not exist).
async fn own_device(store: &dyn Store, centre: &Centre, id: Uuid) -> Result<Device, AdminError> {
    let record = store.device_auth_record(id).await?.ok_or(AdminError::NoSuchDevice)?;
    if record.device.centre.id != centre.id {
        return Err(AdminError::NoSuchDevice);
    }
    Ok(record.device)
}

/// Revokes one of the centre's devices (not the one the administrator is working at).
pub async fn revoke_device(
    store: &dyn Store,
    centre: &Centre,
    admin: &str,
    at_device: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Device, AdminError> {
    if id == at_device {
        return Err(AdminError::OwnDevice);
    }
    own_device(store, centre, id).await?;
    Ok(crate::devices::revoke_by(store, id, &format!("person:{admin}"), now).await?)
}

/// A new enrollment code for one of the centre's devices that has not enrolled yet.
pub async fn renew_code(
    store: &dyn Store,
    centre: &Centre,
    admin: &str,
    id: Uuid,
    code_ttl: Duration,
    now: DateTime<Utc>,
) -> Result<(Device, domain::EnrollmentCode), AdminError> {
    own_device(store, centre, id).await?;
    Ok(crate::devices::renew_code_by(store, id, code_ttl, &format!("person:{admin}"), now).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn case(served: &str, wait: i64, serve: i64, service: &str, clerk: Option<&str>) -> CaseFacts {
        let served_at = at(served);
        CaseFacts {
            service_id: service.into(),
            channel: "vpvkac_in_person".into(),
            clerk: clerk.map(str::to_owned),
            arrived_at: served_at - Duration::minutes(wait),
            served_at,
            registered_at: served_at + Duration::minutes(serve),
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        assert_eq!(percentile(vec![], 50), None);
        assert_eq!(percentile(vec![7], 90), Some(7));
        assert_eq!(percentile(vec![1, 2, 3, 4], 50), Some(2));
        assert_eq!(percentile((1..=10).rev().collect(), 90), Some(9));
        assert_eq!(percentile((1..=10).collect(), 50), Some(5));
        assert_eq!(percentile(vec![3, 1, 2], 90), Some(3));
    }

    #[test]
    fn days_follow_riga_and_periods_count_by_service_channel_and_clerk() {
        let centre = Centre { id: Uuid::nil(), name: "C".into(), municipality: "Rīga".into(), code: "C".into() };
        // 2027-03-10 in Riga is UTC+2: 22:30 UTC on the 9th is already the 10th there.
        let now = at("2027-03-10T12:00:00Z");
        let cases = [
            case("2027-03-09T22:30:00Z", 4, 10, "dog", Some("A")),
            case("2027-03-10T08:00:00Z", 20, 6, "dog", Some("B")),
            case("2027-03-10T09:00:00Z", 0, 2, "pass", Some("A")),
            case("2027-03-02T09:00:00Z", 10, 10, "pass", None),
            case("2027-02-27T09:00:00Z", 30, 30, "dog", Some("A")),
            // Before the chart's 30 days: counted nowhere.
            case("2027-02-01T09:00:00Z", 1, 1, "dog", Some("A")),
        ];
        let dashboard = figures(centre, &cases, now, MessageFigures { sent: 3, read: 1 });
        assert_eq!(dashboard.today.cases, 3);
        assert_eq!(
            dashboard.today.by_service,
            [NamedCount { key: "dog".into(), cases: 2 }, NamedCount { key: "pass".into(), cases: 1 }]
        );
        assert_eq!(
            dashboard.today.by_clerk,
            [NamedCount { key: "A".into(), cases: 2 }, NamedCount { key: "B".into(), cases: 1 }]
        );
        assert_eq!(dashboard.month.cases, 4, "March only");
        assert_eq!(dashboard.month.by_clerk.iter().map(|c| c.cases).sum::<u64>(), 3, "a case without a clerk");
        assert_eq!(dashboard.days.len(), 30);
        let last = dashboard.days.last().unwrap();
        assert_eq!(last.day, NaiveDate::from_ymd_opt(2027, 3, 10).unwrap());
        assert_eq!((last.cases, last.waiting_median_minutes, last.waiting_p90_minutes), (3, Some(4), Some(20)));
        assert_eq!((last.service_median_minutes, last.service_p90_minutes), (Some(6), Some(10)));
        let february = dashboard.days.iter().find(|d| d.day == NaiveDate::from_ymd_opt(2027, 2, 27).unwrap());
        assert_eq!(february.unwrap().cases, 1);
        let empty = dashboard.days.iter().find(|d| d.day == NaiveDate::from_ymd_opt(2027, 3, 5).unwrap()).unwrap();
        assert_eq!((empty.cases, empty.waiting_median_minutes), (0, None));
        assert_eq!(dashboard.days.first().unwrap().day, NaiveDate::from_ymd_opt(2027, 2, 9).unwrap());
    }
}
