//! A fleet of desks and kiosks against one real server, for the load test of issue 20
//! (`cargo xtask measure --only load`, through the `load_devices` binary) and, small, an
//! end-to-end test. Every simulated device is the real sync client: its own offline store, its
//! own credentials, and the engine's own round ([`engine::sync_round`]). Desks register cases
//! and write e-address messages as clerks do, proved by the clerk's card (an offline unlock);
//! an institution changes a service now and then, which every device must pull; citizens log in
//! at kiosks with their cards (a Web eID token signed by a virtual card), look at their cases and
//! mailboxes, open a letter and log out. At the end the
//! fleet drains its outboxes and checks that nothing was lost or duplicated: every desk holds
//! every case of its centre exactly once, every message is known to the server, every device
//! holds the last catalogue change, and the audit chain verifies.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail, ensure};
use device::{
    client::{SyncClient, parse_server_url},
    engine,
    protocol::{DeviceCredentials, MessageEntry},
    schedule::AttemptOutcome,
};
use domain::{PersonalCode, case::Actor};
use offline_store::{CaseDraft, DatabaseKey, EntryOrigin, Store};
use uuid::Uuid;

use crate::{
    people::{CLERK, RIGA, VID, VID_BOX},
    scenario::Scenario,
};

/// The service the institution (Rīga) keeps changing; every device must end on its last text.
const CHANGED_SERVICE: &str = "https://pietura.lv/id/service/birth-registration";

/// What the fleet does, and for how long.
#[derive(Debug, Clone)]
pub struct FleetPlan {
    pub centres: usize,
    pub desks: usize,
    pub kiosks: usize,
    /// How long the load runs (after every device enrolled and took the catalogue).
    pub duration: Duration,
    /// Between the starts of a device's rounds (the engine's own is 10 s).
    pub round_every: Duration,
    /// Each desk registers a case this often on average, and writes a message this often.
    pub case_every: Duration,
    pub message_every: Duration,
    /// The institution changes its service this often.
    pub change_every: Duration,
    /// Each kiosk has a citizen's visit this often on average: a card login, their cases and
    /// mailboxes, their inbox, a letter opened, logged out.
    pub citizen_every: Duration,
}

/// What came of it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FleetReport {
    pub devices: usize,
    pub rounds: u64,
    pub failed_rounds: u64,
    /// The first few failures' reasons.
    pub failures: Vec<String>,
    /// The baseline: one device's round alone on the server, before the load.
    pub lone_round_p50_ms: f64,
    pub round_p50_ms: f64,
    pub round_p99_ms: f64,
    pub round_max_ms: f64,
    pub rounds_per_second: f64,
    pub cases_registered: u64,
    pub messages_written: u64,
    pub catalogue_changes: u64,
    /// Citizens' visits at kiosks (card login to logout), and those that failed.
    pub citizen_visits: u64,
    pub failed_visits: u64,
    /// A visit's card login (challenge, the card's signature, the server's check) and the whole
    /// visit (six requests and the login), as citizens wait for them.
    pub login_p50_ms: f64,
    pub login_p99_ms: f64,
    pub visit_p50_ms: f64,
    pub visit_p99_ms: f64,
    /// Outbox entries refused by the server or still waiting after the drain (each a loss).
    pub entries_not_applied: u64,
    /// Desks whose store lacks a case of their centre or holds one too many, after the drain.
    pub desks_out_of_step: u64,
    /// Messages the server does not know, after the drain.
    pub messages_unknown: u64,
    /// Devices without the last catalogue change, after the drain.
    pub devices_behind: u64,
    /// The servers' resident memory (KiB, all instances) over the run: a sample every 10 s.
    pub server_rss_kib: Vec<u64>,
    pub audit_intact: bool,
}

impl FleetReport {
    /// Nothing failed, lost or duplicated.
    pub fn clean(&self) -> bool {
        self.failed_rounds == 0
            && self.failed_visits == 0
            && self.entries_not_applied == 0
            && self.desks_out_of_step == 0
            && self.messages_unknown == 0
            && self.devices_behind == 0
            && self.audit_intact
    }
}

/// A server database prepared for the fleet, and what the devices need to join it.
pub struct PreparedFleet {
    pub scenario: Scenario,
    /// Each device's centre number and enrollment code, desks first.
    devices: Vec<(usize, bool, String)>,
    /// The institution's `Authorization` header, and VID's, which writes to the citizens.
    riga_key: String,
    vid_key: String,
    citizens: Arc<Vec<Citizen>>,
}

/// How many citizens come to the kiosks (at most one per kiosk).
const CITIZENS: usize = 20;
const CITIZEN_PIN: &str = "1234";

/// A citizen who comes to the kiosks: their card (of the test CA the server trusts) and their
/// e-address mailbox.
struct Citizen {
    card: eid::test_ca::CardProfile,
    mailbox: String,
}

/// Centres `Centrs 001`…, the demo catalogue, Rīga's and VID's institutions with mailboxes,
/// a mailbox per centre, the clerk granted at every centre, the test CA trusted, the clerk's
/// card in DIR/clerk-card.json, citizens with cards and mailboxes, and the devices waiting for
/// enrollment.
pub fn prepare(bin: &Path, dir: &Path, database: &Path, plan: &FleetPlan) -> Result<PreparedFleet> {
    ensure!(plan.centres >= 1 && plan.centres <= 999, "between 1 and 999 centres");
    let mut scenario = Scenario::in_dir(dir);
    (scenario.bin, scenario.db) = (bin.to_owned(), database.to_owned());
    scenario.cli(&["migrate"])?;
    scenario.demo_catalogue()?;
    let riga_key = scenario.institution(RIGA, "Rīgas valstspilsētas pašvaldība")?;
    let vid_key = scenario.institution(VID, "Valsts ieņēmumu dienests")?;
    scenario.mailbox(VID_BOX, "Valsts ieņēmumu dienests", &["--institution", VID])?;
    for centre in 0..plan.centres {
        let name = centre_name(centre);
        scenario.cli(&[
            "centre",
            "add",
            "--name",
            &name,
            "--municipality",
            "Rīga",
            "--code",
            &format!("C{centre:03}"),
        ])?;
        scenario.mailbox(&format!("C{centre:03}@90011524360"), &name, &["--centre", &name])?;
        scenario.grant(CLERK, "clerk", &name)?;
    }
    scenario.clerk_card()?;
    let mut citizens = Vec::new();
    for n in 0..CITIZENS.min(plan.kiosks) {
        // A personal code of the new kind (32…), which carries no birth date or check digit.
        let code = format!("32{:04}-{:05}", 1000 + n, n + 1);
        let card = scenario.ca()?.issue_card(
            eid::test_ca::Holder {
                given_name: "ANNA".into(),
                surname: format!("KALNIŅA {n}"),
                personal_code: code.clone(),
            },
            eid::apdu::KeyKind::EcP384,
            crate::real_now() - chrono::Duration::days(30),
            None,
            CITIZEN_PIN,
            "123456",
        )?;
        let mailbox = format!("_PRIVATE@{}", code.replace('-', ""));
        scenario.mailbox(&mailbox, &format!("ANNA KALNIŅA {n}"), &[])?;
        citizens.push(Citizen { card, mailbox });
    }
    let mut devices = Vec::new();
    for (index, desk) in (0..plan.desks).map(|i| (i, true)).chain((0..plan.kiosks).map(|i| (i, false))) {
        let centre = index % plan.centres;
        let (kind, name) = if desk { ("desk", format!("G{index}")) } else { ("kiosk", format!("K{index}")) };
        devices.push((centre, desk, scenario.device(&centre_name(centre), kind, &name)?));
    }
    Ok(PreparedFleet { scenario, devices, riga_key, vid_key, citizens: Arc::new(citizens) })
}

fn centre_name(centre: usize) -> String {
    format!("Centrs {centre:03}")
}

/// One simulated device.
struct Member {
    desk: bool,
    centre: usize,
    client: SyncClient,
    credentials: DeviceCredentials,
    store: Arc<Store>,
    centre_id: Uuid,
    centre_code: String,
    desk_number: u8,
    /// The clerk's unlock of this desk, the proof its entries carry.
    author: Option<String>,
    cases: u64,
    messages: Vec<Uuid>,
}

/// What the running fleet counts together.
#[derive(Default)]
struct Tally {
    round_micros: Vec<u32>,
    failed: u64,
    failures: Vec<String>,
    login_micros: Vec<u32>,
    visit_micros: Vec<u32>,
    failed_visits: u64,
}

impl Tally {
    /// A round's outcome, and how long it took if it counts for the figures.
    fn record(&mut self, took: Option<Duration>, outcome: &AttemptOutcome) {
        if let Some(took) = took {
            self.round_micros.push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX));
        }
        let failure = match outcome {
            AttemptOutcome::Success { .. } => return,
            AttemptOutcome::Unreachable(why) => format!("unreachable: {why}"),
            AttemptOutcome::Unauthorised(why) => format!("unauthorised: {why}"),
            AttemptOutcome::Incompatible(why) => format!("incompatible: {why}"),
        };
        self.failed += 1;
        if self.failures.len() < 10 {
            self.failures.push(failure);
        }
    }

    /// A citizen's visit: how long its login and the whole took, or why it failed.
    fn record_visit(&mut self, visit: Result<(Duration, Duration)>) {
        match visit {
            Ok((login, whole)) => {
                self.login_micros.push(u32::try_from(login.as_micros()).unwrap_or(u32::MAX));
                self.visit_micros.push(u32::try_from(whole.as_micros()).unwrap_or(u32::MAX));
            }
            Err(error) => {
                self.failed_visits += 1;
                if self.failures.len() < 10 {
                    self.failures.push(format!("citizen's visit: {error:#}"));
                }
            }
        }
    }
}

/// The `q` quantile of durations in microseconds, in milliseconds (0 for none).
fn quantile_ms(micros: &[u32], q: f64) -> f64 {
    let mut sorted = micros.to_vec();
    sorted.sort_unstable();
    sorted.get(((sorted.len() as f64 - 1.0) * q).round() as usize).map_or(0.0, |&us| f64::from(us) / 1e3)
}

/// A random number in [0, 1), for spreading the devices' rounds and choosing what they do.
fn unit_random() -> f64 {
    (Uuid::new_v4().as_u128() >> 75) as f64 / (1u64 << 53) as f64
}

/// Enrolls every device and takes the catalogue (a few at a time, as a fleet installed over
/// days would), then runs the load for `plan.duration`, drains, checks, and reports.
/// The servers' memory (`server_pids`, summed) is sampled every 10 s.
pub async fn run(fleet: &PreparedFleet, url: &str, server_pids: &[u32], plan: &FleetPlan) -> Result<FleetReport> {
    let dir = fleet.scenario.dir.clone();
    let base = parse_server_url(url)?;
    let joined = Instant::now();
    let mut members = Vec::new();
    let mut joining = tokio::task::JoinSet::new();
    for (index, (centre, desk, code)) in fleet.devices.iter().cloned().enumerate() {
        let (base, dir) = (base.clone(), dir.clone());
        joining.spawn(async move { join(index, centre, desk, &code, base, &dir).await });
        // Fewer at once than the server's enrollment throttle counts from one address (10: an
        // attempt counts until it turns out well, so racing guesses cannot all pass).
        if joining.len() >= 8
            && let Some(member) = joining.join_next().await
        {
            members.push(member??);
        }
    }
    while let Some(member) = joining.join_next().await {
        members.push(member??);
    }
    eprintln!("fleet: {} devices enrolled and synced in {:.1} s", members.len(), joined.elapsed().as_secs_f64());
    // A letter from VID in every citizen's mailbox, to open at a kiosk.
    let http = reqwest::Client::new();
    for citizen in fleet.citizens.iter() {
        send_letter(&http, url, &fleet.vid_key, &citizen.mailbox).await?;
    }

    // The baseline: one device's rounds on the otherwise idle server.
    let mut lone = Vec::new();
    if let Some(member) = members.first() {
        for _ in 0..50 {
            let began = Instant::now();
            engine::sync_round(&member.client, &member.credentials, &member.store, &engine::system_clock()).await;
            lone.push(began.elapsed());
        }
    }
    lone.sort_unstable();
    let lone_round_p50_ms = lone.get(lone.len() / 2).map_or(0.0, |d| d.as_secs_f64() * 1e3);

    let tally = Arc::new(Mutex::new(Tally::default()));
    let memory = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let deadline = started + plan.duration;
    let sampler = {
        let (memory, pids) = (memory.clone(), server_pids.to_vec());
        tokio::spawn(async move {
            loop {
                memory.lock().unwrap().push(pids.iter().map(|&pid| rss_kib(pid)).sum());
                tokio::time::sleep(Duration::from_secs(10)).await;
            }
        })
    };
    let changer = {
        let (http, url, key, every) =
            (reqwest::Client::new(), url.trim_end_matches('/').to_owned(), fleet.riga_key.clone(), plan.change_every);
        tokio::spawn(async move {
            let mut changes = 0u64;
            let mut last = String::new();
            while Instant::now() + every < deadline {
                tokio::time::sleep(every).await;
                last = format!("Izmaiņa {}", changes + 1);
                change_service(&http, &url, &key, &last).await?;
                changes += 1;
            }
            anyhow::Ok((changes, last))
        })
    };
    let clock = engine::system_clock();
    let mut running = tokio::task::JoinSet::new();
    for mut member in members {
        let (tally, clock, plan, citizens) = (tally.clone(), clock.clone(), plan.clone(), fleet.citizens.clone());
        running.spawn(async move {
            // Spread over the first interval, as devices switched on at different moments are.
            let mut next = Instant::now() + plan.round_every.mul_f64(unit_random());
            while next < deadline {
                tokio::time::sleep_until(next.into()).await;
                next += plan.round_every.mul_f64(0.9 + 0.2 * unit_random());
                if member.desk {
                    member.work(&plan, &clock)?;
                }
                let began = Instant::now();
                let outcome = engine::sync_round(&member.client, &member.credentials, &member.store, &clock).await;
                tally.lock().unwrap().record(Some(began.elapsed()), &outcome);
                let visit_chance = plan.round_every.as_secs_f64() / plan.citizen_every.as_secs_f64();
                if !member.desk && !citizens.is_empty() && unit_random() < visit_chance {
                    let citizen = &citizens[(unit_random() * citizens.len() as f64) as usize % citizens.len()];
                    let visit = member.citizen_visit(citizen).await;
                    tally.lock().unwrap().record_visit(visit);
                }
            }
            anyhow::Ok(member)
        });
    }
    let mut members = Vec::new();
    while let Some(member) = running.join_next().await {
        members.push(member??);
    }
    let elapsed = started.elapsed();
    let (catalogue_changes, last_change) = changer.await??;
    sampler.abort();

    // The drain: every outbox emptied, then every device one round more, so each desk has seen
    // every other desk's last cases and each device the last change.
    for _pass in 0..2 {
        let mut draining = tokio::task::JoinSet::new();
        for member in members {
            let (tally, clock) = (tally.clone(), clock.clone());
            draining.spawn(async move {
                for _ in 0..5 {
                    let outcome = engine::sync_round(&member.client, &member.credentials, &member.store, &clock).await;
                    // Every device at once: its failures count, its times are not the load's.
                    tally.lock().unwrap().record(None, &outcome);
                    if member.store.outbox_counts()?.pending == 0 {
                        break;
                    }
                }
                anyhow::Ok(member)
            });
        }
        members = Vec::new();
        while let Some(member) = draining.join_next().await {
            members.push(member??);
        }
    }

    let mut report = check(&members, &last_change, &clock).await?;
    let tally = tally.lock().unwrap();
    let rounds = &tally.round_micros;
    report.rounds = rounds.len() as u64;
    report.lone_round_p50_ms = lone_round_p50_ms;
    report.failed_rounds = tally.failed;
    report.failures = tally.failures.clone();
    report.round_p50_ms = quantile_ms(rounds, 0.5);
    report.round_p99_ms = quantile_ms(rounds, 0.99);
    report.round_max_ms = quantile_ms(rounds, 1.0);
    report.rounds_per_second = rounds.len() as f64 / elapsed.as_secs_f64();
    report.catalogue_changes = catalogue_changes;
    report.citizen_visits = tally.visit_micros.len() as u64;
    report.failed_visits = tally.failed_visits;
    report.login_p50_ms = quantile_ms(&tally.login_micros, 0.5);
    report.login_p99_ms = quantile_ms(&tally.login_micros, 0.99);
    report.visit_p50_ms = quantile_ms(&tally.visit_micros, 0.5);
    report.visit_p99_ms = quantile_ms(&tally.visit_micros, 0.99);
    report.server_rss_kib = memory.lock().unwrap().clone();
    let verified = fleet.scenario.cli(&["audit", "verify"]);
    report.audit_intact = verified.is_ok();
    if let Err(error) = verified {
        report.failures.push(format!("audit verify: {error}"));
    }
    Ok(report)
}

/// Enrolls device `index`, opens its store in DIR/devices/INDEX and runs its first round (the
/// catalogue taken whole).
async fn join(index: usize, centre: usize, desk: bool, code: &str, base: reqwest::Url, dir: &Path) -> Result<Member> {
    let client = SyncClient::new(base)?;
    let enrolled = client.enroll(code).await.with_context(|| format!("enrolling device {index}"))?;
    let credentials = DeviceCredentials { device_id: enrolled.device_id, secret: enrolled.device_secret };
    let folder: PathBuf = dir.join("devices").join(index.to_string());
    std::fs::create_dir_all(&folder)?;
    let store = Arc::new(Store::open(&folder.join("local.db"), &DatabaseKey::from_bytes([6; 32]))?);
    let author = if desk { Some(crate::clerk_offline_author(dir, credentials.device_id)?) } else { None };
    let member = Member {
        desk,
        centre,
        client,
        credentials,
        store,
        centre_id: enrolled.centre.id,
        centre_code: enrolled.centre.code.clone(),
        desk_number: enrolled.desk_number.unwrap_or(0),
        author,
        cases: 0,
        messages: Vec::new(),
    };
    let outcome = engine::sync_round(&member.client, &member.credentials, &member.store, &engine::system_clock()).await;
    if !matches!(outcome, AttemptOutcome::Success { .. }) {
        bail!("device {index}'s first round failed: {outcome:?}");
    }
    Ok(member)
}

impl Member {
    /// A citizen at this kiosk: their card answers the server's challenge (PIN1 on a virtual
    /// card), then they look at their cases, their mailboxes and their inbox, open the newest
    /// letter (which the server marks read and audits) and log out. Answers how long the login
    /// took and the whole visit.
    async fn citizen_visit(&self, citizen: &Citizen) -> Result<(Duration, Duration)> {
        let began = Instant::now();
        let challenge = self.client.login_challenge(&self.credentials).await.context("the login challenge")?;
        let (card, origin, nonce) = (citizen.card.clone(), challenge.origin, challenge.nonce.clone());
        let token = tokio::task::spawn_blocking(move || -> Result<String> {
            let mut card = eid::EidCard::new(eid::virtual_card::VirtualCard::new(card));
            let pin = eid::apdu::Pin::new(CITIZEN_PIN, eid::apdu::PIN_MIN_LENGTH).context("the test PIN")?;
            Ok(card.sign_login(&pin, &origin, &nonce, "fleet")?.to_json())
        })
        .await??;
        let login = self.client.log_in(&self.credentials, &token, &challenge.nonce).await.context("the login")?;
        let logged_in = began.elapsed();
        let (credentials, session) = (&self.credentials, login.session_token.as_str());
        let looked = async {
            self.client.citizen_cases(credentials, session).await.context("their cases")?;
            let _: Vec<protocol::MailboxDto> =
                self.client.get_as_person(credentials, session, "/v1/eaddress/mailboxes").await.context("mailboxes")?;
            let inbox: Vec<protocol::MessageDto> = self
                .client
                .get_as_person(credentials, session, &format!("/v1/eaddress/mailboxes/{}/inbox", citizen.mailbox))
                .await
                .context("their inbox")?;
            let letter = inbox.first().context("the letter from VID is not in their inbox")?;
            let path = format!("/v1/eaddress/mailboxes/{}/messages/{}", citizen.mailbox, letter.id);
            let _: protocol::MessageDto =
                self.client.get_as_person(credentials, session, &path).await.context("opening the letter")?;
            anyhow::Ok(())
        }
        .await;
        self.client.log_out(credentials, session).await.context("logging out")?;
        looked?;
        Ok((logged_in, began.elapsed()))
    }

    /// What a clerk does at this desk between two rounds: now and then a case, now and then a
    /// message from the centre's mailbox to VID about it.
    fn work(&mut self, plan: &FleetPlan, clock: &engine::Clock) -> Result<()> {
        let round = plan.round_every.as_secs_f64();
        let origin = EntryOrigin { offline: true, author: self.author.clone() };
        if unit_random() < round / plan.case_every.as_secs_f64() {
            let now = clock();
            let clerk = Actor::Staff { personal_code: PersonalCode::parse(CLERK)?, offline: true };
            self.store.register_case(
                CaseDraft {
                    centre_code: self.centre_code.clone(),
                    desk_number: self.desk_number,
                    registered_by: clerk,
                    offline: true,
                    author: self.author.clone(),
                    ..CaseDraft::example(self.centre_id, now)
                },
                now,
            )?;
            self.cases += 1;
        }
        if unit_random() < round / plan.message_every.as_secs_f64() {
            let id = Uuid::now_v7();
            // Every other message carries a scan: uploaded before its push, kept by the server
            // (in the S3 store when several instances run), checked by its digest.
            let scan = format!("%PDF-1.7\n% the scan of {id}\n%%EOF\n").into_bytes();
            let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&scan));
            let files = if self.messages.len().is_multiple_of(2) { vec![(sha256, scan)] } else { Vec::new() };
            let attachments = files
                .iter()
                .map(|(sha256, scan)| domain::eaddress::AttachmentInfo {
                    name: "iesniegums.pdf".into(),
                    size: scan.len() as u64,
                    sha256: sha256.clone(),
                })
                .collect();
            let entry = MessageEntry {
                from: String::new(),
                composed_by: CLERK.into(),
                recipients: vec![VID_BOX.into()],
                subject: format!("Iesniegums {id}"),
                body: "Klienta iesniegums.".into(),
                case_id: None,
                case_number: None,
                attachments,
                in_reply_to: None,
            };
            self.store.queue_message(id, &serde_json::to_value(&entry)?, &files, origin, clock())?;
            self.messages.push(id);
        }
        Ok(())
    }
}

/// The institution changes its service's Latvian description to `text`, naming the version it
/// replaces. Read through another instance the service may be up to a second old (each keeps
/// published documents in memory, checking for changes once a second): the write is then
/// refused as a conflict and made again on a fresh read, as an institution's client would.
async fn change_service(http: &reqwest::Client, url: &str, key: &str, text: &str) -> Result<()> {
    let mut target = reqwest::Url::parse(url)?;
    target.path_segments_mut().map_err(|()| anyhow::anyhow!("{url} cannot be a base"))?.pop_if_empty().extend([
        "v1",
        "catalogue",
        "services",
        CHANGED_SERVICE,
    ]);
    for _ in 0..5 {
        let current: serde_json::Value =
            http.get(target.clone()).header("pietura-protocol", "1").send().await?.error_for_status()?.json().await?;
        let mut changed = current;
        changed["description"]["lv"] = text.into();
        let answer = http
            .put(target.clone())
            .header("pietura-protocol", "1")
            .header("authorization", key)
            .json(&changed)
            .send()
            .await?;
        if answer.status() == reqwest::StatusCode::CONFLICT {
            tokio::time::sleep(Duration::from_millis(1_100)).await;
            continue;
        }
        ensure!(answer.status().is_success(), "changing the service: {} {}", answer.status(), answer.text().await?);
        return Ok(());
    }
    bail!("changing the service: still a conflict after five fresh reads")
}

/// A letter from VID (key `vid_key`) to `mailbox`, through the institutions' API.
async fn send_letter(http: &reqwest::Client, url: &str, vid_key: &str, mailbox: &str) -> Result<()> {
    let letter = serde_json::json!({
        "id": Uuid::now_v7(),
        "recipients": [mailbox],
        "subject": "Paziņojums par nodokli",
        "body": "Lūdzam iepazīties ar lēmumu.",
        "attachments": [],
    });
    let answer = http
        .post(format!("{}/v1/eaddress/mailboxes/{VID_BOX}/messages", url.trim_end_matches('/')))
        .header("pietura-protocol", "1")
        .header("authorization", vid_key)
        .json(&letter)
        .send()
        .await?;
    ensure!(answer.status().is_success(), "VID's letter to {mailbox}: {} {}", answer.status(), answer.text().await?);
    Ok(())
}

/// After the drain: each desk's outbox all applied, its centre's cases all held once, its
/// messages all known to the server; each device on the last catalogue change.
async fn check(members: &[Member], last_change: &str, clock: &engine::Clock) -> Result<FleetReport> {
    let mut registered_per_centre: HashMap<usize, u64> = HashMap::new();
    for member in members.iter().filter(|m| m.desk) {
        *registered_per_centre.entry(member.centre).or_default() += member.cases;
    }
    let (mut refused, mut out_of_step, mut unknown, mut behind) = (0, 0, 0, 0);
    // Stored as text: a range of real dates (DateTime::MIN_UTC/MAX_UTC do not sort as text).
    let everything = (clock() - chrono::Duration::days(1), clock() + chrono::Duration::days(1));
    for member in members {
        let counts = member.store.outbox_counts()?;
        refused += counts.poisoned + counts.pending;
        if member.desk {
            let held = member.store.cases_served_between(everything.0, everything.1)?;
            let mut ids: Vec<Uuid> = held.iter().map(|c| c.id).collect();
            ids.sort_unstable();
            ids.dedup();
            if ids.len() != held.len() || held.len() as u64 != registered_per_centre[&member.centre] {
                out_of_step += 1;
            }
            let followed = engine::follow_messages(&member.client, &member.credentials, &member.store, clock).await?;
            unknown += (member.messages.len() as u64).saturating_sub(followed.states as u64);
        }
        if !last_change.is_empty() {
            let service = member.store.service(CHANGED_SERVICE)?.context("the changed service is missing")?;
            if serde_json::to_value(&service)?["description"]["lv"] != last_change {
                behind += 1;
            }
        }
    }
    Ok(FleetReport {
        devices: members.len(),
        rounds: 0,
        failed_rounds: 0,
        failures: Vec::new(),
        lone_round_p50_ms: 0.0,
        round_p50_ms: 0.0,
        round_p99_ms: 0.0,
        round_max_ms: 0.0,
        rounds_per_second: 0.0,
        cases_registered: registered_per_centre.values().sum(),
        messages_written: members.iter().map(|m| m.messages.len() as u64).sum(),
        catalogue_changes: 0,
        citizen_visits: 0,
        failed_visits: 0,
        login_p50_ms: 0.0,
        login_p99_ms: 0.0,
        visit_p50_ms: 0.0,
        visit_p99_ms: 0.0,
        entries_not_applied: refused,
        desks_out_of_step: out_of_step,
        messages_unknown: unknown,
        devices_behind: behind,
        server_rss_kib: Vec::new(),
        audit_intact: false,
    })
}

/// A process's resident memory in KiB (0 once it is gone).
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("VmRSS:")).map(str::to_owned))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}
