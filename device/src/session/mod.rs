//! A device's life with the server, shared by the desk and the kiosk: open the local store,
//! enroll once, then keep the sync engine running and the store informed.

use domain::catalogue_view::{self, ArticlePage, BrowseEntry, ServicePage};
use offline_store::{DocumentKind, Facet, SearchHit, SearchQuery};
use std::{path::Path, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use domain::{EnrollmentCode, Language};
pub use offline_store::Enrollment;

mod admin;
mod cases;
mod eforms;
mod messages;
mod navigator;
mod own_forms;
mod printing;
mod replies;
mod signing;
mod workshops;
pub use admin::Kept;
pub use cases::{
    CaseView, CitizenCaseView, DocumentPreview, DocumentView, HistoryView, NoteView, RegisterCase, VisitActionView,
    VisitView, parse_customer,
};
pub use eforms::{
    ApplicationPreview, ChoiceView, DRAFT_KEPT_FOR, DraftSummary, DraftView, FieldView, FormSummary, FormView, Pin2,
    StepView, SubmittedView,
};
pub use messages::{ActiveConsent, ComposeFile, ComposeMessage, DirectoryEntry, QueuedMessageView};
use offline_store::{Store, StoreError, Vault};
pub use own_forms::{OwnFormCheck, PreparedOwnApplication};
pub use printing::{PREVIEW_PAGES, PrintOutcome, PrintPreview, Printer as PrinterChoice};
pub use replies::{PreparedReply, REPLY_MAX_CHARS};
use serde::Serialize;
use tokio::sync::{Mutex, watch};

use crate::{
    ErrorCode,
    client::{ClientError, SyncClient, parse_server_url},
    engine::{self, Clock, SyncHandle},
    protocol::DeviceCredentials,
    schedule::{SchedulePolicy, SyncStatus},
};

/// A failure the user interfaces explain: `code` is stable and translated, `message` is English
/// detail for logs and support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct SessionError {
    pub code: ErrorCode,
    pub message: String,
}

impl SessionError {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

impl From<ClientError> for SessionError {
    fn from(error: ClientError) -> Self {
        Self::new(ErrorCode::named(error.code()), error.to_string())
    }
}

impl From<StoreError> for SessionError {
    fn from(error: StoreError) -> Self {
        let code = match &error {
            StoreError::CannotDecrypt { .. } => ErrorCode::StoreCannotDecrypt,
            StoreError::KeyMissing { .. } => ErrorCode::StoreKeyMissing,
            StoreError::TooNew { .. } => ErrorCode::StoreTooNew,
            StoreError::Secret(_) => ErrorCode::Keyring,
            _ => ErrorCode::Store,
        };
        Self::new(code, error.to_string())
    }
}

impl From<crate::login::LoginFailure> for SessionError {
    fn from(failure: crate::login::LoginFailure) -> Self {
        Self::new(failure.code, failure.message)
    }
}

impl From<offline_store::SecretError> for SessionError {
    fn from(error: offline_store::SecretError) -> Self {
        Self::new(ErrorCode::Keyring, error.to_string())
    }
}

/// The schedule, adjustable through `PIETURA_SYNC_INTERVAL_MS` and `PIETURA_SYNC_BACKOFF_MAX_MS`
/// (tests and demos shorten them).
pub fn policy_from_env() -> SchedulePolicy {
    let millis = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok()).map(Duration::from_millis);
    let default = SchedulePolicy::default();
    let interval = millis("PIETURA_SYNC_INTERVAL_MS").unwrap_or(default.interval);
    let backoff_max = millis("PIETURA_SYNC_BACKOFF_MAX_MS").unwrap_or(default.backoff_max);
    SchedulePolicy { interval, backoff_base: default.backoff_base.min(backoff_max), backoff_max }
}

/// The filters the search screens offer, as the store's facets.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct SearchFilters {
    #[serde(default)]
    pub has_e_service: bool,
    pub institution: Option<String>,
    pub channel: Option<String>,
    pub municipality: Option<String>,
    pub life_event: Option<String>,
}

impl SearchFilters {
    pub fn facets(self) -> Vec<(Facet, String)> {
        let mut facets = Vec::new();
        if self.has_e_service {
            facets.push((Facet::HasEService, "true".to_owned()));
        }
        facets.extend(self.institution.map(|v| (Facet::Institution, v)));
        facets.extend(self.channel.map(|v| (Facet::Channel, v)));
        facets.extend(self.municipality.map(|v| (Facet::Municipality, v)));
        facets.extend(self.life_event.map(|v| (Facet::LifeEvent, v)));
        facets
    }
}

/// An outbox entry the server refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutboxProblem {
    pub id: uuid::Uuid,
    pub kind: String,
    pub reason: String,
    /// The code of the server's reason (`protocol::rejection_codes`), for the desk to translate.
    pub code: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The case's number, for a registration.
    pub case_number: Option<String>,
}

/// What a training device prints at the top and bottom of every page.
pub const TRAINING_MARK: &str = "MĀCĪBAS / TRAINING — nav īsts dokuments / not a real document";

/// One device's store, keyring entries, sync engine and login.
pub struct DeviceSession {
    store: Arc<Store>,
    /// Where downloaded, checked releases wait to be installed (`<data>/updates`, issue 19).
    updates_dir: std::path::PathBuf,
    /// Root's hand-over folder, for a program whose own folder root does not watch (a desk).
    update_spool: std::sync::Mutex<Option<std::path::PathBuf>>,
    login: Arc<crate::login::LoginManager>,
    vault: Vault,
    policy: SchedulePolicy,
    clock: Clock,
    engine: Mutex<Option<SyncHandle>>,
    status: watch::Sender<SyncStatus>,
    /// The customer being served, in memory only.
    visit: std::sync::Mutex<Option<cases::VisitView>>,
    /// The printer chosen for this device (a kiosk's config), else the system's `lp`; `Some(None)`:
    /// this device has no printer, whatever the system has.
    printer: std::sync::Mutex<Option<Option<print::Printer>>>,
    /// The customer's consent in force at this desk, in memory only.
    consent: std::sync::Mutex<Option<messages::ActiveConsent>>,
    /// Consents asked of the server and not yet signed: what the customer's card is to sign
    /// (origin, nonce), as the server gave it.
    asked_consents: std::sync::Mutex<std::collections::HashMap<uuid::Uuid, (String, String)>>,
    /// At a kiosk: the mailbox the logged-in person chose to read (a company's they represent),
    /// with their personal code so that nobody else ever inherits the choice.
    chosen_mailbox: std::sync::Mutex<Option<(String, domain::eaddress::EAddress)>>,
    /// E-forms compiled once per version.
    forms: eforms::CompiledForms,
    /// The application last shown to a customer before signing, in memory only.
    shown_application: eforms::ShownApplication,
    /// Whether printing shows a preview first (the desk's way).
    print_preview: std::sync::Mutex<bool>,
    /// A training device (issue 18): it talks to training servers only and marks every page it
    /// prints.
    training: bool,
    /// The workshop this trainer opened last, with its seats' enrollment codes (for handouts).
    opened_workshop: std::sync::Mutex<Option<protocol::WorkshopView>>,
    /// A training desk's in-process readers for training cards.
    training_readers: Option<Arc<crate::login::TrainingReaders>>,
    /// The document a preview shows, until printed or closed; in memory only.
    held_print: std::sync::Mutex<Option<printing::HeldPrint>>,
}

impl std::fmt::Debug for DeviceSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceSession").field("store", &self.store.path()).finish_non_exhaustive()
    }
}

impl DeviceSession {
    /// Opens the encrypted store in `data_dir`, its key kept in the keyring under a service name
    /// derived from `app` and the folder, so two installations never share a key.
    pub fn open(data_dir: &Path, app: &str, policy: SchedulePolicy, clock: Clock) -> Result<Self, SessionError> {
        Self::open_with_cards(data_dir, app, policy, clock, Arc::new(crate::login::SystemReaders::default()))
    }

    /// This device is for training (before anything else is done with it): its server must be
    /// a training server, and what it prints is marked.
    pub fn for_training(mut self) -> Self {
        self.training = true;
        self
    }

    pub fn training(&self) -> bool {
        self.training
    }

    /// The training readers this session's card access goes through (see
    /// [`DeviceSession::open_with_cards`]): training cards are put in them.
    pub fn with_training_cards(mut self, readers: Arc<crate::login::TrainingReaders>) -> Self {
        self.training_readers = Some(readers);
        self
    }

    /// Puts the training card of `personal_code` (a person of this desk's centre on its training
    /// server) in the clerk's or the customer's training reader; answers who it belongs to.
    pub async fn insert_training_card(
        &self,
        personal_code: &str,
        for_customer: bool,
    ) -> Result<protocol::TrainingPerson, SessionError> {
        let readers = self
            .training_readers
            .clone()
            .filter(|_| self.training)
            .ok_or_else(|| SessionError::new(ErrorCode::NotTrainer, "training cards are for training desks"))?;
        let code = domain::PersonalCode::parse(personal_code.trim())
            .map_err(|e| SessionError::new(ErrorCode::PersonalCodeInvalid, e.to_string()))?;
        let enrollment = self
            .store
            .enrollment()?
            .ok_or_else(|| SessionError::new(ErrorCode::NotEnrolled, "this desk is not enrolled"))?;
        let credentials = self.credentials(&enrollment)?;
        let client = self.sync_client(parse_server_url(&enrollment.server_url)?)?;
        let card = client.training_card(&credentials, code.as_str()).await?;
        let profile = eid::test_ca::CardProfile::from_json(&card.profile).map_err(|e| {
            SessionError::new(ErrorCode::BadResponse, format!("the training card could not be read: {e}"))
        })?;
        let reader =
            if for_customer { crate::login::TRAINING_CUSTOMER_READER } else { crate::login::TRAINING_CLERK_READER };
        readers.training.insert(reader, eid::virtual_card::VirtualCard::new(profile));
        tracing::info!(reader, "a training card was put in");
        Ok(card.person)
    }

    /// Takes the training card out of the clerk's or the customer's training reader.
    pub fn remove_training_card(&self, for_customer: bool) {
        if let Some(readers) = &self.training_readers {
            let reader =
                if for_customer { crate::login::TRAINING_CUSTOMER_READER } else { crate::login::TRAINING_CLERK_READER };
            readers.training.remove(reader);
        }
    }

    /// A client of the server at `url`, on this device's side of the training line.
    pub(crate) fn sync_client(&self, url: reqwest::Url) -> Result<SyncClient, SessionError> {
        let client = SyncClient::new(url)?;
        Ok(if self.training { client.in_training() } else { client })
    }

    /// A document as this device prints it: marked on every page when it is a training device.
    pub(crate) fn pdf(&self, document: &print::Document) -> Result<Vec<u8>, print::PrintError> {
        print::render_marked(document, self.training.then_some(TRAINING_MARK))
    }

    /// [`DeviceSession::open`] with the card readers given (tests use virtual ones).
    pub fn open_with_cards(
        data_dir: &Path,
        app: &str,
        policy: SchedulePolicy,
        clock: Clock,
        cards: Arc<dyn eid::CardReaders>,
    ) -> Result<Self, SessionError> {
        let vault = Vault::for_data_dir(format!("{app}:{}", data_dir.display()), data_dir)
            .map_err(offline_store::StoreError::from)?;
        let store = Store::open_with_vault(&data_dir.join("local.db"), &vault)?;
        let progress = store.catalogue_progress()?;
        let initial = SyncStatus {
            last_success: store.last_sync_at()?,
            catalogue: engine::catalogue_status(&progress, false),
            outbox: engine::outbox_status(&store.outbox_counts()?),
            ..SyncStatus::default()
        };
        let (status, _) = watch::channel(initial);
        let store = Arc::new(store);
        let version = format!("https://pietura.lv/{app}/{}", env!("CARGO_PKG_VERSION"));
        let login = Arc::new(crate::login::LoginManager::new(
            cards,
            store.clone(),
            clock.clone(),
            crate::login::offline_unlock_from_env(),
            &version,
        ));
        crate::login::spawn_card_watch(&login, std::time::Duration::from_millis(250));
        let session = Self {
            store,
            updates_dir: data_dir.join("updates"),
            update_spool: std::sync::Mutex::new(None),
            login,
            vault,
            policy,
            clock,
            engine: Mutex::new(None),
            status,
            visit: std::sync::Mutex::new(None),
            forms: eforms::CompiledForms::default(),
            shown_application: eforms::ShownApplication::default(),
            print_preview: std::sync::Mutex::new(false),
            training: false,
            opened_workshop: std::sync::Mutex::new(None),
            training_readers: None,
            held_print: std::sync::Mutex::default(),
            printer: std::sync::Mutex::new(None),
            consent: std::sync::Mutex::new(None),
            asked_consents: std::sync::Mutex::default(),
            chosen_mailbox: std::sync::Mutex::new(None),
        };
        session.sweep_receipts(cases::RECEIPT_KEEP);
        // Every ten minutes, whatever was saved more than an hour ago goes.
        let receipts = session.receipts_dir();
        let swept = std::thread::Builder::new().name("receipt-sweep".into()).spawn(move || {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(600));
                cases::sweep_folder(&receipts, cases::RECEIPT_KEEP);
            }
        });
        if let Err(error) = swept {
            tracing::warn!(%error, "the hourly sweep of saved receipts could not start");
        }
        Ok(session)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn enrollment(&self) -> Result<Option<Enrollment>, SessionError> {
        Ok(self.store.enrollment()?)
    }

    /// Prints through `command` (an `lp`-compatible program) instead of the system's `lp`.
    pub fn set_printer_command(&self, command: std::path::PathBuf) {
        self.set_printer(print::Printer { command, server: None });
    }

    /// Prints through `printer` (e.g. another CUPS server's) instead of the system's `lp`.
    pub fn set_printer(&self, printer: print::Printer) {
        *self.printer.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Some(printer));
    }

    /// This device prints nowhere (a kiosk without a printer), even where the system has `lp`.
    pub fn set_no_printer(&self) {
        *self.printer.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(None);
    }

    /// The printer to use, if there is one.
    pub(crate) fn printer(&self) -> Option<print::Printer> {
        match self.printer.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone() {
            Some(chosen) => chosen,
            None => print::system_printer(),
        }
    }

    pub fn language(&self) -> Result<Language, SessionError> {
        Ok(self.store.language()?.unwrap_or_default())
    }

    pub fn set_language(&self, language: Language) -> Result<(), SessionError> {
        Ok(self.store.set_language(language)?)
    }

    /// The engine's state; before enrollment, "connecting" with no history.
    pub fn status(&self) -> SyncStatus {
        self.status.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<SyncStatus> {
        self.status.subscribe()
    }

    /// Enrolls this device with the server at `server_url` using a one-time code, then starts
    /// syncing. Input is checked before anything is sent; nothing is stored unless it succeeds.
    pub async fn enroll(&self, server_url: &str, code: &str) -> Result<Enrollment, SessionError> {
        if self.store.enrollment()?.is_some() {
            return Err(SessionError::new(ErrorCode::AlreadyEnrolled, "this device is already enrolled"));
        }
        let url = parse_server_url(server_url)?;
        let code = EnrollmentCode::parse(code)
            .map_err(|e| SessionError::new(ErrorCode::EnrollmentCodeInvalid, e.to_string()))?;
        let client = self.sync_client(url.clone())?;
        let response = client.enroll(&code.to_string()).await?;
        // The secret goes to the keyring first: if saving the enrollment then fails, a retry
        // needs a new code, but no secret is ever written to a file.
        self.vault.set_device_secret(&response.device_secret)?;
        let enrollment = Enrollment {
            server_url: url.to_string(),
            device_id: response.device_id,
            device_name: response.device_name.clone(),
            kind: response.kind,
            centre: response.centre.clone(),
            desk_number: response.desk_number,
            enrolled_at: (self.clock)(),
        };
        self.store.save_enrollment(&enrollment)?;
        tracing::info!(device = %enrollment.device_id, centre = %enrollment.centre.name, "enrolled");
        self.start_sync().await?;
        Ok(enrollment)
    }

    /// The program has started: noted for the system's update unit (issue 19).
    pub fn note_started(&self) {
        if !self.training {
            crate::update::note_started(&self.updates_dir);
        }
    }

    /// The program is quiet (a kiosk between visitors, a desk with no visit): if a downloaded,
    /// checked release waits, the system's update unit is asked to install it (issue 19).
    /// Answers the version asked for.
    pub fn install_update_if_waiting(&self) -> Option<String> {
        // Never in the middle of a visit (a desk's customer being served).
        if self.training || self.visit.lock().unwrap_or_else(std::sync::PoisonError::into_inner).is_some() {
            return None;
        }
        let spool = self.update_spool.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        match spool {
            Some(spool) => crate::update::hand_over_if_any(&self.updates_dir, &spool),
            None => crate::update::ask_to_install_if_any(&self.updates_dir),
        }
        .map(|v| v.to_string())
    }

    /// Releases are handed to root through `spool` (a desk: the package's
    /// `/var/lib/pietura-desk-update/incoming`), not left in this device's own folder.
    pub fn set_update_spool(&self, spool: std::path::PathBuf) {
        *self.update_spool.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(spool);
    }

    /// Starts the sync engine if the device is enrolled and it is not running yet.
    pub async fn start_sync(&self) -> Result<bool, SessionError> {
        let mut engine = self.engine.lock().await;
        if engine.is_some() {
            return Ok(true);
        }
        let Some(enrollment) = self.store.enrollment()? else { return Ok(false) };
        let credentials = self.credentials(&enrollment)?;
        let url = parse_server_url(&enrollment.server_url)?;
        // A training device never updates itself from a training server.
        let updates = (!self.training)
            .then(|| engine::Updates { dir: self.updates_dir.clone(), key: crate::update::release_key() });
        let handle = engine::spawn_with_updates(
            self.sync_client(url)?,
            credentials,
            self.store.clone(),
            self.policy,
            self.clock.clone(),
            updates,
        );
        self.forward_status(handle.subscribe());
        *engine = Some(handle);
        Ok(true)
    }

    /// The device's credentials: its id and the secret from the keyring.
    fn credentials(&self, enrollment: &Enrollment) -> Result<DeviceCredentials, SessionError> {
        let secret = self.vault.device_secret()?.ok_or_else(|| {
            SessionError::new(
                ErrorCode::Keyring,
                "the device secret is missing from the keyring: enroll this device again",
            )
        })?;
        Ok(DeviceCredentials { device_id: enrollment.device_id, secret: secret.to_string() })
    }

    /// Something was queued: the engine tries to send it now, and counts the outbox for the
    /// status bar after its attempt whether the server answers or not.
    fn wake_sync(&self) {
        if let Ok(engine) = self.engine.try_lock()
            && let Some(engine) = engine.as_ref()
        {
            engine.wake();
        }
    }

    /// Try to reach the server now rather than after the backoff.
    pub async fn retry_now(&self) {
        if let Some(engine) = self.engine.lock().await.as_ref() {
            engine.wake();
        }
    }

    pub async fn stop(&self) {
        if let Some(engine) = self.engine.lock().await.take() {
            engine.stop().await;
        }
    }

    /// Mirrors the engine's status to subscribers, and records each success in the store so
    /// "last sync" survives a restart.
    fn forward_status(&self, mut from_engine: watch::Receiver<SyncStatus>) {
        let to_ui = self.status.clone();
        let store = self.store.clone();
        tokio::spawn(async move {
            let mut last_recorded: Option<DateTime<Utc>> = None;
            while from_engine.changed().await.is_ok() {
                let status = from_engine.borrow_and_update().clone();
                if let (Some(at), Some(centre)) = (status.last_success, status.centre.as_ref())
                    && last_recorded != Some(at)
                {
                    if let Err(error) = store.record_sync_success(at, centre, status.desk_number) {
                        tracing::warn!(%error, "could not record the sync time");
                    }
                    last_recorded = Some(at);
                }
                to_ui.send_replace(status);
            }
        });
    }

    /// Offline search over services and articles in the reader's language; records that exist
    /// only in another language are found in that language (the UI marks the language).
    pub fn search(
        &self,
        text: &str,
        facets: Vec<(Facet, String)>,
        limit: usize,
    ) -> Result<Vec<SearchHit>, SessionError> {
        let language = self.language()?;
        let kinds = vec![DocumentKind::Service, DocumentKind::Article];
        let query =
            SearchQuery { text: text.to_owned(), language: Some(language), kinds: kinds.clone(), facets, limit };
        let mut hits = self.store.search(&query)?;
        if hits.len() < limit {
            let others = self.store.search(&SearchQuery { language: None, ..query })?;
            for hit in others {
                let untranslated = hit.language != language
                    && !hits.iter().any(|h| h.kind == hit.kind && h.id == hit.id)
                    && !self.store.has_search_document(hit.kind, &hit.id, language)?;
                if untranslated && hits.len() < limit {
                    hits.push(hit);
                }
            }
        }
        Ok(hits)
    }

    /// A service page, with its institutions, related services and articles as far as this
    /// device has them. `None` when the device does not have the service.
    pub fn service_page(&self, id: &str) -> Result<Option<ServicePage>, SessionError> {
        let Some(service) = self.store.service(id)? else { return Ok(None) };
        let language = self.language()?;
        let authorities: Vec<_> = service
            .competent_authorities
            .iter()
            .filter_map(|a| self.store.organisation(a).transpose())
            .collect::<Result<_, _>>()?;
        let related: Vec<_> = service
            .related_services
            .iter()
            .filter_map(|r| self.store.service(r).transpose())
            .collect::<Result<_, _>>()?;
        let articles = self.store.articles_for_service(id)?;
        Ok(Some(catalogue_view::service_page(&service, &authorities, &related, &articles, language)))
    }

    pub fn article_page(&self, id: &str) -> Result<Option<ArticlePage>, SessionError> {
        let Some(article) = self.store.article(id)? else { return Ok(None) };
        let owner = self.store.organisation(&article.owner)?;
        let services: Vec<_> = article
            .linked_services
            .iter()
            .filter_map(|s| self.store.service(s).transpose())
            .collect::<Result<_, _>>()?;
        Ok(Some(catalogue_view::article_page(&article, owner.as_ref(), &services, self.language()?)))
    }

    /// An article as a screen without HTML shows it (the kiosk): its page and its text blocks.
    pub fn article_text(
        &self,
        id: &str,
    ) -> Result<Option<(ArticlePage, Vec<domain::markdown::TextBlock>)>, SessionError> {
        let Some(article) = self.store.article(id)? else { return Ok(None) };
        let blocks = domain::markdown::to_text_blocks(&article.body);
        Ok(self.article_page(id)?.map(|page| (page, blocks)))
    }

    /// An article on this device's printer (a kiosk's), laid out as a document: no copy on disk.
    pub fn print_article(&self, id: &str) -> Result<String, SessionError> {
        use domain::markdown::TextBlock;
        let (page, blocks) = self
            .article_text(id)?
            .ok_or_else(|| SessionError::new(ErrorCode::NotFound, format!("there is no article {id}")))?;
        let mut printed: Vec<print::Block> = Vec::new();
        for block in blocks {
            match block {
                TextBlock::Heading(_, text) => printed.push(print::Block::Heading(text)),
                TextBlock::Paragraph(text) => printed.push(print::Block::Paragraph(text)),
                TextBlock::Item(text) => match printed.last_mut() {
                    Some(print::Block::Items(items)) => items.push(text),
                    _ => printed.push(print::Block::Items(vec![text])),
                },
            }
        }
        let footer = format!("{} · {}", page.owner.name.text, page.id);
        let pdf = self
            .pdf(&print::Document { title: page.title.clone(), blocks: printed, footer })
            .map_err(|e| SessionError::new(ErrorCode::PrintFailed, e.to_string()))?;
        let printer = self
            .printer()
            .ok_or_else(|| SessionError::new(ErrorCode::NoPrinter, "no printer is set up on this device"))?;
        printer
            .print(&pdf, &format!("{}.pdf", page.title))
            .map_err(|e| SessionError::new(ErrorCode::PrintFailed, e.to_string()))
    }

    /// Life and business events, then institutions, to browse by.
    pub fn browse_entries(&self) -> Result<Vec<BrowseEntry>, SessionError> {
        let language = self.language()?;
        let mut entries: Vec<BrowseEntry> = self
            .store
            .events()?
            .iter()
            .map(|e| catalogue_view::event_entry(&e.id, e.kind, &e.name, language))
            .collect();
        entries.sort_by(|a, b| a.kind.cmp(&b.kind).reverse().then_with(|| a.name.text.cmp(&b.name.text)));
        let mut institutions: Vec<BrowseEntry> =
            self.store.organisations()?.iter().map(|o| catalogue_view::institution_entry(o, language)).collect();
        institutions.sort_by(|a, b| a.name.text.cmp(&b.name.text));
        entries.extend(institutions);
        Ok(entries)
    }

    /// Services of an event (`life`/`business` entries) or an institution, by name.
    pub fn services_of(&self, entry_kind: &str, id: &str) -> Result<Vec<catalogue_view::LinkView>, SessionError> {
        let facet = if entry_kind == "institution" { Facet::Institution } else { Facet::LifeEvent };
        let language = self.language()?;
        let mut services: Vec<catalogue_view::LinkView> =
            self.store.services_with(facet, id)?.iter().map(|s| catalogue_view::service_link(s, language)).collect();
        services.sort_by(|a, b| a.name.text.cmp(&b.name.text));
        Ok(services)
    }

    /// Outbox entries the server refused, with its reasons, newest last, for the clerk to see.
    pub fn outbox_problems(&self) -> Result<Vec<OutboxProblem>, SessionError> {
        Ok(self
            .store
            .poisoned_outbox()?
            .into_iter()
            .map(|entry| {
                let payload: serde_json::Value = serde_json::from_str(&entry.payload).unwrap_or_default();
                OutboxProblem {
                    id: entry.id,
                    kind: entry.kind,
                    reason: entry.poisoned.unwrap_or_default(),
                    code: entry.poisoned_code,
                    created_at: entry.created_at,
                    case_number: payload["number"].as_str().map(str::to_owned),
                }
            })
            .collect())
    }

    pub fn login(&self) -> &crate::login::LoginManager {
        &self.login
    }

    /// The server to log in with: `None` before enrollment.
    fn login_server(&self) -> Result<Option<crate::login::Server>, SessionError> {
        let Some(enrollment) = self.store.enrollment()? else { return Ok(None) };
        let credentials = self.credentials(&enrollment)?;
        let client = self.sync_client(parse_server_url(&enrollment.server_url)?)?;
        Ok(Some(crate::login::Server { client, credentials }))
    }

    /// Logs in (or unlocks) with the card in the reader and `pin`.
    /// `pin: None`: the holder types PIN1 on the reader's own pad.
    pub async fn log_in(&self, pin: Option<&str>) -> Result<crate::login::LoginView, crate::login::LoginFailure> {
        let server = self.login_server().map_err(|e| crate::login::LoginFailure {
            code: e.code,
            message: e.message,
            tries_left: None,
        })?;
        self.login.log_in(pin, server.as_ref()).await
    }

    pub async fn log_out(&self) -> crate::login::LoginView {
        // The customer's visit and consent end with the clerk's session.
        if let Err(error) = self.end_consent().await {
            tracing::warn!(%error, "the consent could not be ended on the server (it ends with its time)");
        }
        self.end_visit();
        // Nothing of the clerk's customers stays on disk after they leave.
        self.sweep_receipts(std::time::Duration::ZERO);
        let server = self.login_server().ok().flatten();
        self.login.log_out(server.as_ref()).await
    }

    /// Sends a clerk's flag on an article to its owner institution (needs the server).
    pub async fn flag_article(&self, id: &str, reason: &str, note: &str) -> Result<(), SessionError> {
        let Some(enrollment) = self.store.enrollment()? else {
            return Err(SessionError::new(ErrorCode::NotEnrolled, "this device is not enrolled"));
        };
        let credentials = self.credentials(&enrollment)?;
        let token = self.login.session_token().ok_or_else(|| {
            SessionError::new(
                ErrorCode::SessionInvalid,
                "flagging needs an online login: log in while the server is reachable",
            )
        })?;
        let client = self.sync_client(parse_server_url(&enrollment.server_url)?)?;
        client.flag_article(&credentials, &token, id, reason, note).await?;
        Ok(())
    }
}
