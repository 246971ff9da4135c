//! The citizen kiosk: an eframe app over the `sync` session and the offline store.
//!
//! Screens draw and return actions; [`KioskApp::run_effects`] performs them outside drawing,
//! and the clock is injected so tests control time.

pub mod config;
mod pending;
pub mod screens;
pub mod texts;
mod theme;

use std::sync::Arc;

use device::{
    ErrorCode,
    engine::Clock,
    schedule::SyncStatus,
    session::{DeviceSession, Enrollment, Pin2, SessionError},
};
use domain::Language;

use pending::Pending;
use screens::{
    CitizenAction, CitizenScreen, CitizenStart, EnrollAction, EnrollScreen, FormAnswer, HomeAction, HomeScreen,
    LoginAction, LoginScreen, MailAnswer, MailRequest, ReplyAnswer, language_bar,
};
use texts::{error_text, tr};
pub use theme::{DISPLAY_KEPT_IDLE_SECS, Display, Palette, apply_kiosk_style, high_contrast_visuals, normal_visuals};

enum Screen {
    Enroll(EnrollScreen),
    Home(Box<HomeScreen>),
    Login(LoginScreen),
    Citizen(Box<CitizenScreen>),
    Failed(SessionError),
}

/// How long a logged-in citizen may leave the kiosk untouched before the session ends (and a
/// kiosk left with someone's search or language is set back for the next person).
pub const IDLE_TIMEOUT_SECS: i64 = 120;
/// How long before that the kiosk asks "Are you still here?".
pub const IDLE_WARNING_SECS: i64 = 20;
/// How often the login screen looks at the reader.
const CARD_POLL_MS: i64 = 500;
/// Untouched this long with nobody's use on it, the kiosk is quiet: a downloaded update may be
/// installed (issue 19); looked at once a minute, or as often as that if it is set shorter.
pub const QUIET_FOR_UPDATE_SECS: i64 = 180;
/// How often a quiet kiosk looks for a downloaded update at most.
const UPDATE_LOOK_EVERY_SECS: i64 = 60;

/// What a screen asked for, waiting to be performed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    SetLanguage(Language),
    Enroll(EnrollAction),
    Home(HomeAction),
    Login(LoginAction),
    /// On the citizen's screen (finishing among them).
    Citizen(CitizenAction),
}

/// How many pages of a PDF the kiosk draws on screen; the rest are printed.
pub const PDF_PAGES_SHOWN: u32 = 10;

/// A picture's pixels from its file (PNG or JPEG).
fn decode_picture(bytes: &[u8]) -> Result<egui::ColorImage, SessionError> {
    let decoded = image::load_from_memory(bytes)
        .map_err(|e| SessionError {
            code: ErrorCode::DocumentUnreadable,
            message: format!("the picture cannot be shown: {e}"),
        })?
        .to_rgba8();
    let size = [decoded.width() as usize, decoded.height() as usize];
    Ok(egui::ColorImage::from_rgba_unmultiplied(size, decoded.as_raw()))
}

/// An attachment made ready for the screen: a picture as it is, a PDF's first pages drawn
/// (through a pipe: no copy on disk). Anything else cannot be shown.
fn prepare_document(name: String, bytes: &[u8]) -> Result<screens::ShownDocument, SessionError> {
    match domain::eaddress::attachment_media_type(&name) {
        Some("image/png" | "image/jpeg") => {
            Ok(screens::ShownDocument { pages: vec![decode_picture(bytes)?], total: 1, name })
        }
        Some("application/pdf") => {
            let drawn = print::preview::pdf_pages(bytes, PDF_PAGES_SHOWN, 1100).map_err(|e| {
                tracing::warn!(error = %e, "a PDF could not be shown");
                SessionError { code: ErrorCode::DocumentUnreadable, message: e.to_string() }
            })?;
            let pages = drawn.pages.iter().map(|png| decode_picture(png)).collect::<Result<Vec<_>, _>>()?;
            Ok(screens::ShownDocument { pages, total: drawn.total, name })
        }
        _ => Err(SessionError { code: ErrorCode::DocumentNoPreview, message: format!("{name} cannot be shown here") }),
    }
}

pub struct KioskApp {
    session: Option<Arc<DeviceSession>>,
    runtime: tokio::runtime::Handle,
    clock: Clock,
    language: Language,
    enrollment: Option<Enrollment>,
    status: SyncStatus,
    screen: Screen,
    actions: Vec<Action>,
    pending_enrollment: Pending<Result<Enrollment, SessionError>>,
    /// The language and catalogue size the browse lists were read for.
    browse_read_for: Option<(Language, u64)>,
    pending_card: Pending<device::login::CardView>,
    last_card_poll: Option<chrono::DateTime<chrono::Utc>>,
    pending_login: Pending<Result<device::login::LoginView, device::login::LoginFailure>>,
    /// A training kiosk's training card being fetched for the code typed.
    pending_training_card: Pending<Result<protocol::TrainingPerson, SessionError>>,
    pending_cases: Pending<CitizenStart>,
    pending_mail: Pending<MailAnswer>,
    /// Where the citizen tapped to go while a mailbox answer was awaited: done when it arrives
    /// (the latest such tap wins), never dropped unseen.
    next_citizen_tap: Option<CitizenAction>,
    /// When a person last touched the screen (for the idle timeout).
    last_input: chrono::DateTime<chrono::Utc>,
    /// Seconds left before the idle wipe, while the kiosk asks whether someone is still there.
    idle_warning: Option<i64>,
    /// When the kiosk last looked for a downloaded update to hand over while quiet.
    update_looked_at: Option<chrono::DateTime<chrono::Utc>>,
    /// How long untouched, with nobody's use, counts as quiet for an update.
    quiet_for_update_secs: i64,
    /// The text size and contrast chosen, and the one the context was last styled with.
    display: Display,
    styled: Option<Display>,
}

impl KioskApp {
    /// A kiosk over an opened session (or the error that kept it from opening, shown on screen).
    pub fn new(
        session: Result<Arc<DeviceSession>, SessionError>,
        runtime: tokio::runtime::Handle,
        clock: Clock,
    ) -> Self {
        let mut app = Self {
            session: None,
            runtime,
            clock,
            language: Language::default(),
            enrollment: None,
            status: SyncStatus::default(),
            screen: Screen::Enroll(EnrollScreen::default()),
            actions: Vec::new(),
            pending_enrollment: Pending::default(),
            browse_read_for: None,
            pending_card: Pending::default(),
            last_card_poll: None,
            pending_login: Pending::default(),
            pending_training_card: Pending::default(),
            pending_cases: Pending::default(),
            pending_mail: Pending::default(),
            next_citizen_tap: None,
            last_input: chrono::DateTime::<chrono::Utc>::MIN_UTC,
            idle_warning: None,
            update_looked_at: None,
            quiet_for_update_secs: QUIET_FOR_UPDATE_SECS,
            display: Display::default(),
            styled: None,
        };
        app.last_input = (app.clock)();
        match session.and_then(|s| Ok((s.language()?, s.enrollment()?, s))) {
            Ok((language, enrollment, session)) => {
                app.language = language;
                app.status = session.status();
                if enrollment.is_some() {
                    app.screen = Screen::Home(Box::default());
                    let starting = session.clone();
                    app.runtime.spawn(async move {
                        if let Err(error) = starting.start_sync().await {
                            tracing::error!(%error, "sync could not start");
                        }
                    });
                }
                app.enrollment = enrollment;
                app.session = Some(session);
            }
            Err(error) => {
                tracing::error!(%error, "the kiosk's local store could not be opened");
                app.screen = Screen::Failed(error);
            }
        }
        app
    }

    pub fn language(&self) -> Language {
        self.language
    }

    /// The text size and contrast in force.
    pub fn display(&self) -> Display {
        self.display
    }

    /// The device session, when the local store opened.
    pub fn session(&self) -> Option<&Arc<DeviceSession>> {
        self.session.as_ref()
    }

    pub fn enrollment(&self) -> Option<&Enrollment> {
        self.enrollment.as_ref()
    }

    /// Prefills the enrollment form, e.g. from the kiosk's config file.
    /// How long untouched, with nobody's use, counts as quiet for installing an update (a
    /// library that closes at night may want less than [`QUIET_FOR_UPDATE_SECS`]).
    pub fn set_quiet_for_update_secs(&mut self, seconds: i64) {
        self.quiet_for_update_secs = seconds.max(0);
    }

    pub fn prefill_enrollment(&mut self, server_url: &str, code: &str) {
        if let Screen::Enroll(screen) = &mut self.screen {
            screen.server_url = server_url.to_owned();
            screen.code = code.to_owned();
        }
    }

    /// Queues an action as if a screen had returned it (config-file enrollment uses this).
    pub fn request(&mut self, action: Action) {
        self.actions.push(action);
    }

    /// Draws the current screen; collects, but does not perform, what the user asks for.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        let language = self.language;
        let now = (self.clock)();
        if self.styled != Some(self.display) {
            apply_kiosk_style(ui.ctx(), self.display);
            self.styled = Some(self.display);
        }
        if ui.input(|i| !i.events.is_empty() || i.pointer.any_down()) {
            self.last_input = now;
        }
        // The window's name a screen reader says first (egui leaves it empty).
        let window_name = format!("{} — {}", tr(language, "app.title"), tr(language, "app.tagline"));
        ui.ctx().accesskit_node_builder(egui::accesskit_root_id(), |node| node.set_label(window_name));
        // A training kiosk says so above everything, on every screen (issue 18).
        if self.session.as_ref().is_some_and(|s| s.training()) {
            egui::Frame::new().fill(egui::Color32::from_rgb(0xff, 0xd4, 0x00)).inner_margin(8.0).show(ui, |ui| {
                ui.vertical_centered(|ui| {
                    ui.label(
                        egui::RichText::new(tr(language, "app.training"))
                            .strong()
                            .color(egui::Color32::from_rgb(0x1a, 0x1a, 0x1a)),
                    );
                });
            });
        }
        egui::Frame::new().inner_margin(32.0).show(ui, |ui| {
            ui.horizontal(|ui| {
                brand_mark(ui);
                ui.label(egui::RichText::new(tr(language, "app.title")).heading().strong());
                ui.label(tr(language, "app.tagline"));
            });
            ui.horizontal(|ui| {
                if let Some(chosen) = language_bar(ui, language) {
                    self.actions.push(Action::SetLanguage(chosen));
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if let Some(chosen) = screens::display_bar(ui, language, self.display) {
                        self.display = chosen;
                    }
                });
            });
            // An accent rule under the header instead of a grey line.
            let (rule, _) = ui.allocate_exact_size(egui::vec2(ui.available_width(), 4.0), egui::Sense::hover());
            ui.painter().rect_filled(rule, 2.0, Palette::of(ui.visuals()).accent);
            ui.add_space(16.0);
            match &mut self.screen {
                Screen::Enroll(screen) => {
                    if let Some(action) = screen.ui(ui, language) {
                        self.actions.push(Action::Enroll(action));
                    }
                }
                Screen::Home(screen) => {
                    if let Some(enrollment) = &self.enrollment
                        && let Some(action) = screen.ui(ui, language, enrollment, &self.status, now)
                    {
                        self.actions.push(Action::Home(action));
                    }
                }
                Screen::Login(screen) => {
                    if let Some(action) = screen.ui(ui, language) {
                        self.actions.push(Action::Login(action));
                    }
                }
                Screen::Citizen(screen) => {
                    if let Some(action) = screen.as_mut().ui(ui, language, domain::calendar::riga_date(now)) {
                        self.actions.push(Action::Citizen(action));
                    }
                    // A form's answers changed: checked by the one validator before the next frame.
                    if let (Some(draft), Some(session)) = (screen.filling.as_mut(), &self.session)
                        && draft.needs_check()
                    {
                        match session.check_own_form(&draft.form.id, draft.form.version, &draft.data) {
                            Ok(check) => draft.check = Some(check),
                            Err(error) => tracing::warn!(%error, "a form's answers could not be checked"),
                        }
                    }
                }
                Screen::Failed(error) => {
                    ui.heading(tr(language, "fatal.title"));
                    ui.label(error_text(language, &error.code));
                    ui.small(&error.message);
                }
            }
        });
        if let Some(left) = self.idle_warning {
            // Over everything, large: the person may be a step away from the screen.
            egui::Modal::new(egui::Id::unique("idle-warning")).show(ui.ctx(), |ui| {
                ui.set_width(640.0);
                ui.heading(tr(language, "idle.title"));
                ui.label(
                    egui::RichText::new(texts::tr_count(language, "idle.countdown", left.max(0) as u64)).size(32.0),
                );
                if ui
                    .add(
                        egui::Button::new(egui::RichText::new(tr(language, "idle.continue")).size(32.0))
                            .min_size(egui::vec2(320.0, 96.0)),
                    )
                    .clicked()
                {
                    self.last_input = now;
                    self.idle_warning = None;
                }
            });
        }
    }

    /// Whether the kiosk shows anything a next person should not find: a citizen's session, a
    /// login under way, a search, an open page or another language than Latvian.
    fn holds_someones_use(&self) -> bool {
        self.language != Language::Lv
            || match &self.screen {
                Screen::Citizen(_) | Screen::Login(_) => true,
                Screen::Home(home) => {
                    !home.query.is_empty() || home.page.is_some() || home.chosen.is_some() || home.article.is_some()
                }
                Screen::Enroll(_) | Screen::Failed(_) => false,
            }
    }

    /// After [`IDLE_WARNING_SECS`] of warning, the kiosk is set back for the next person: the
    /// citizen's session ended, the home screen as new, in Latvian.
    fn follow_idleness(&mut self, now: chrono::DateTime<chrono::Utc>) {
        let idle = (now - self.last_input).num_seconds();
        if !self.holds_someones_use() {
            self.idle_warning = None;
            // A larger text or high contrast outlives the wipe for a while, then the defaults.
            if self.display != Display::default() && idle >= DISPLAY_KEPT_IDLE_SECS {
                self.display = Display::default();
            }
            // Between visitors: the moment for an update, never in someone's session.
            if update_look_due(now, idle, self.update_looked_at, self.quiet_for_update_secs) {
                self.update_looked_at = Some(now);
                if let Some(session) = &self.session {
                    session.install_update_if_waiting();
                }
            }
            return;
        }
        if idle < IDLE_TIMEOUT_SECS - IDLE_WARNING_SECS {
            self.idle_warning = None;
            return;
        }
        if idle < IDLE_TIMEOUT_SECS {
            self.idle_warning = Some(IDLE_TIMEOUT_SECS - idle);
            return;
        }
        tracing::info!("idle: the kiosk is set back for the next person");
        self.idle_warning = None;
        // The display goes back to the defaults only after its own time without use.
        self.last_input = now;
        self.language = Language::Lv;
        if let Some(session) = &self.session
            && let Err(error) = session.set_language(Language::Lv)
        {
            tracing::warn!(%error, "could not remember the language");
        }
        match self.screen {
            Screen::Citizen(_) => self.end_citizen_session("citizen.ended_idle"),
            _ => {
                self.take_training_card_out();
                self.pending_training_card.forget();
                self.screen = Screen::Home(Box::default());
                self.browse_read_for = None;
            }
        }
    }

    /// Performs queued actions and picks up results of background work. Never blocks.
    pub fn run_effects(&mut self) {
        for action in std::mem::take(&mut self.actions) {
            self.perform(action);
        }
        if let Some(result) = self.pending_enrollment.take() {
            self.finish_enrollment(result);
        }
        if let Some(session) = &self.session {
            self.status = session.status();
        }
        self.refresh_browse();
        self.follow_login();
    }

    /// The login screen's reader polling and login result; the citizen session's end on card
    /// removal or idleness.
    fn follow_login(&mut self) {
        let Some(session) = self.session.clone() else { return };
        let now = (self.clock)();
        if let Screen::Login(screen) = &mut self.screen {
            if let Some(view) = self.pending_card.take() {
                screen.card = Some(view);
            }
            let due = self.last_card_poll.is_none_or(|at| (now - at).num_milliseconds() >= CARD_POLL_MS);
            let polling = session.clone();
            // PC/SC calls block: off the drawing thread.
            if due && self.pending_card.ask_blocking(&self.runtime, move || polling.login().card_view()) {
                self.last_card_poll = Some(now);
            }
        }
        if let Some(result) = self.pending_training_card.take()
            && let Screen::Login(screen) = &mut self.screen
        {
            screen.busy = false;
            match result {
                // The reader has a card now: look at it at once.
                Ok(_) => self.last_card_poll = None,
                Err(error) => screen.error = Some((error.code.name(), None)),
            }
        }
        match self.pending_login.take() {
            Some(Ok(view)) => match view.person {
                Some(person) if view.state == "logged_in" => {
                    self.last_input = now;
                    // Their own mailbox first, whoever chose what before.
                    let _ = session.choose_mailbox(None);
                    self.screen = Screen::Citizen(Box::new(CitizenScreen::new(person)));
                    // Their cases, and the mailboxes they may read (their own, the companies'
                    // they represent), come from the server: the kiosk keeps none.
                    let asking = session.clone();
                    self.pending_cases.ask(&self.runtime, async move {
                        let cases = asking.citizen_cases().await;
                        let mailboxes = asking.my_mailboxes().await.unwrap_or_else(|error| {
                            tracing::warn!(%error, "the citizen's mailboxes could not be fetched");
                            Vec::new()
                        });
                        (cases, mailboxes)
                    });
                }
                _ => {
                    self.take_training_card_out();
                    self.screen = Screen::Home(Box::default());
                }
            },
            Some(Err(failure)) => {
                if let Screen::Login(screen) = &mut self.screen {
                    screen.busy = false;
                    screen.error = Some((failure.code.name(), failure.tries_left));
                    // The counter changed: look at the card again now.
                    self.last_card_poll = None;
                }
            }
            None => {}
        }
        if let Screen::Citizen(screen) = &mut self.screen {
            if let Some(start) = self.pending_cases.take() {
                screen.started(start);
            }
            if let Some(answer) = self.pending_mail.take() {
                screen.answered(answer, self.language);
                // What the citizen tapped meanwhile, in the next frame.
                if let Some(tap) = self.next_citizen_tap.take() {
                    self.actions.push(Action::Citizen(tap));
                }
            }
        }
        if let Screen::Citizen(_) = self.screen
            && session.login().view().state != "logged_in"
        {
            self.end_citizen_session("citizen.ended_card");
        }
        self.follow_idleness(now);
    }

    /// A training kiosk's training card out of its reader, as a citizen takes a real card with
    /// them: the next person finds no one's card.
    fn take_training_card_out(&self) {
        if let Some(session) = self.session.as_ref().filter(|s| s.training()) {
            session.remove_training_card(false);
        }
    }

    /// Logs the citizen out and wipes every screen that showed their data.
    fn end_citizen_session(&mut self, notice: &str) {
        tracing::info!(reason = notice, "citizen session ended");
        self.take_training_card_out();
        if let Some(session) = self.session.clone() {
            self.runtime.spawn(async move {
                session.log_out().await;
            });
        }
        self.pending_login.forget();
        // Answers still on their way are dropped unread.
        self.pending_cases.forget();
        self.pending_mail.forget();
        self.next_citizen_tap = None;
        self.screen = Screen::Home(Box::new(HomeScreen { notice: Some(notice.to_owned()), ..HomeScreen::default() }));
        self.browse_read_for = None;
    }

    /// Reads the browse lists again when the language changed or the catalogue grew.
    fn refresh_browse(&mut self) {
        let (Some(session), Screen::Home(home)) = (&self.session, &mut self.screen) else { return };
        let wanted = (self.language, self.status.catalogue.records_applied);
        if self.browse_read_for == Some(wanted) {
            return;
        }
        match session.browse_entries() {
            Ok(entries) => home.entries = entries,
            Err(error) => tracing::warn!(%error, "could not read the catalogue's browse lists"),
        }
        self.browse_read_for = Some(wanted);
    }

    /// Whether background work is under way (the caller keeps repainting until it ends).
    pub fn is_busy(&self) -> bool {
        self.pending_enrollment.is_waiting()
            || self.pending_login.is_waiting()
            || self.pending_training_card.is_waiting()
            || self.pending_cases.is_waiting()
            || self.pending_mail.is_waiting()
            || matches!(self.screen, Screen::Login(_) | Screen::Citizen(_))
    }

    fn perform(&mut self, action: Action) {
        let Some(session) = self.session.clone() else { return };
        match action {
            Action::SetLanguage(language) => {
                self.language = language;
                // Pages are built in a language: show the same page in the new one.
                if let Screen::Home(home) = &mut self.screen {
                    let open = home.page.as_ref().map(|p| p.id.clone());
                    let query = home.query.clone();
                    if home.navigator.is_some() {
                        self.actions.push(Action::Home(HomeAction::Replan));
                    } else if let Some((entry, _)) = &home.chosen {
                        self.actions.push(Action::Home(HomeAction::Browse(entry.clone())));
                    }
                    if let Some(id) = open {
                        self.actions.push(Action::Home(HomeAction::OpenService(id)));
                    }
                    if !query.is_empty() {
                        self.actions.push(Action::Home(HomeAction::Search(query)));
                    }
                }
                // A form being filled is shown in the new language, answers kept; its list too.
                if let Screen::Citizen(screen) = &mut self.screen
                    && screen.view == screens::CitizenView::Forms
                {
                    match &mut screen.filling {
                        Some(draft) => match session.own_form_view(&draft.form.id, draft.form.version, language) {
                            Ok(view) => draft.form = view,
                            Err(error) => tracing::warn!(%error, "the form could not be shown in the new language"),
                        },
                        None => self.actions.push(Action::Citizen(CitizenAction::Show(screens::CitizenView::Forms))),
                    }
                }
                if let Err(error) = session.set_language(language) {
                    tracing::warn!(%error, "could not remember the language");
                }
            }
            Action::Enroll(EnrollAction::Submit { server_url, code }) => {
                let started =
                    self.pending_enrollment.ask(&self.runtime, async move { session.enroll(&server_url, &code).await });
                if let (true, Screen::Enroll(screen)) = (started, &mut self.screen) {
                    screen.busy = true;
                    screen.error = None;
                }
            }
            Action::Home(HomeAction::LogIn) => {
                self.last_card_poll = None;
                self.screen = Screen::Login(LoginScreen::new(session.training()));
            }
            Action::Login(LoginAction::Cancel) => {
                self.take_training_card_out();
                self.pending_training_card.forget();
                self.screen = Screen::Home(Box::default());
            }
            Action::Login(LoginAction::TrainingCard(code)) => {
                self.pending_training_card
                    .ask(&self.runtime, async move { session.insert_training_card(&code, false).await });
            }
            Action::Login(action @ (LoginAction::Submit(_) | LoginAction::UsePinPad)) => {
                let pin = match action {
                    LoginAction::Submit(pin) => Some(pin),
                    _ => None,
                };
                self.pending_login
                    .ask(&self.runtime, async move { session.log_in(pin.as_deref().map(String::as_str)).await });
            }
            Action::Citizen(CitizenAction::LogOut) => self.end_citizen_session("citizen.ended_by_citizen"),
            Action::Citizen(action) => self.citizen_action(&session, action),
            Action::Home(HomeAction::RetrySync) => {
                self.runtime.spawn(async move { session.retry_now().await });
            }
            Action::Home(other) => {
                if let Screen::Home(home) = &mut self.screen {
                    apply_home_action(&session, home, other);
                }
            }
        }
    }

    /// The citizen's mailbox actions: the screen shows what changes at once and says what to ask;
    /// answers come from the server (the kiosk keeps nothing) and the screen applies them.
    fn citizen_action(&mut self, session: &Arc<DeviceSession>, action: CitizenAction) {
        let Screen::Citizen(screen) = &mut self.screen else { return };
        // One mailbox request at a time. A tap meanwhile is not lost: where to go waits its turn;
        // what acts (prints, signs, gives or ends a right) is not done later unseen but refused,
        // with a word, so a tap repeated in impatience never prints or signs twice.
        if self.pending_mail.is_waiting() {
            if let Some(waiting) = screen.tapped_while_waiting(action) {
                self.next_citizen_tap = Some(waiting);
            }
            return;
        }
        if let CitizenAction::ChooseMailbox(address) = &action
            && let Err(error) = session.choose_mailbox(address.as_deref())
        {
            tracing::warn!(%error, "the mailbox could not be chosen");
            return;
        }
        let today = domain::calendar::riga_date((self.clock)());
        let Some(request) = screen.begin(action, self.language, today) else { return };
        let asking = session.clone();
        self.pending_mail.ask(&self.runtime, async move {
            match request {
                MailRequest::Inbox => MailAnswer::Inbox(asking.own_inbox().await),
                MailRequest::Delegations => MailAnswer::Delegations(asking.own_delegations().await),
                MailRequest::Delegate { code, right, ends_on } => {
                    let done = asking.delegate_own_mailbox(&code, right, ends_on).await.map(|_| "delegation.given");
                    MailAnswer::DelegationChanged(done, asking.own_delegations().await)
                }
                MailRequest::EndDelegation(id) => {
                    let done = asking.end_own_delegation(id).await.map(|()| "delegation.ended");
                    MailAnswer::DelegationChanged(done, asking.own_delegations().await)
                }
                MailRequest::Open(id) => MailAnswer::Opened(asking.open_own_message(id).await),
                MailRequest::Show { id, index, name } => {
                    MailAnswer::Shown(match asking.own_attachment(id, index).await {
                        // Drawing a PDF runs poppler: off the async threads.
                        Ok(bytes) => tokio::task::spawn_blocking(move || prepare_document(name, &bytes))
                            .await
                            .unwrap_or_else(|e| Err(SessionError { code: ErrorCode::Unknown, message: e.to_string() })),
                        Err(error) => Err(error),
                    })
                }
                MailRequest::Print { id, index, name } => {
                    MailAnswer::Printed(asking.print_own_attachment(id, index, &name).await)
                }
                MailRequest::Accesses => MailAnswer::Accesses(asking.own_mailbox_accesses().await),
                MailRequest::Forms => MailAnswer::Form(FormAnswer::List(asking.self_service_forms())),
                MailRequest::StartForm { id, language } => {
                    MailAnswer::Form(FormAnswer::Started(asking.start_own_form(&id, language)))
                }
                MailRequest::PrepareForm { id, version, data, language } => MailAnswer::Form(FormAnswer::Prepared(
                    prepare_own_application(&asking, &id, version, &data, language).await,
                )),
                MailRequest::SendForm { prepared, pin } => {
                    let pin2 = pin.as_deref().map_or(Pin2::OnPinPad, |pin| Pin2::Typed(pin));
                    let sent = asking.submit_own_application(&prepared, pin2).await;
                    MailAnswer::Form(FormAnswer::Sent(with_tries_left(&asking, sent)))
                }
                MailRequest::PrepareReply { id, body, language } => {
                    MailAnswer::Reply(ReplyAnswer::Prepared(prepare_reply(&asking, id, &body, language).await))
                }
                MailRequest::SendReply { prepared, pin } => {
                    let pin2 = pin.as_deref().map_or(Pin2::OnPinPad, |pin| Pin2::Typed(pin));
                    let sent = asking.send_signed_reply(&prepared, pin2).await;
                    MailAnswer::Reply(ReplyAnswer::Sent(with_tries_left(&asking, sent)))
                }
            }
        });
    }

    fn finish_enrollment(&mut self, result: Result<Enrollment, SessionError>) {
        match result {
            Ok(enrollment) => {
                self.enrollment = Some(enrollment);
                self.screen = Screen::Home(Box::default());
            }
            Err(error) => {
                tracing::warn!(%error, "enrollment failed");
                if let Screen::Enroll(screen) = &mut self.screen {
                    screen.busy = false;
                    screen.error = Some(error.code.name());
                }
            }
        }
    }
}

/// A document made for signing (`pngs`: its first pages), drawn as pixels for the screen, with
/// the citizen's reader's PIN pad and PIN2 tries.
fn ready_to_sign(
    session: &DeviceSession,
    pngs: &[Vec<u8>],
) -> Result<(Vec<egui::ColorImage>, bool, Option<u8>), SessionError> {
    let pages = pngs.iter().map(|png| decode_picture(png)).collect::<Result<Vec<_>, _>>()?;
    let (pin_pad, tries) = session.own_pin2_state()?;
    Ok((pages, pin_pad, tries))
}

/// A signed sending's answer; after a refusal, with the PIN2 tries the card says are left now.
fn with_tries_left<T>(session: &DeviceSession, sent: Result<T, SessionError>) -> Result<T, (SessionError, Option<u8>)> {
    sent.map_err(|error| (error, session.own_pin2_state().ok().and_then(|(_, tries)| tries)))
}

/// A reply made into its PDF and drawn, ready to sign.
async fn prepare_reply(
    session: &DeviceSession,
    id: uuid::Uuid,
    body: &str,
    language: Language,
) -> Result<(device::session::PreparedReply, Vec<egui::ColorImage>, bool, Option<u8>), SessionError> {
    let prepared = session.prepare_reply(id, body, language).await?;
    let (pages, pin_pad, tries) = ready_to_sign(session, &prepared.pages)?;
    Ok((prepared, pages, pin_pad, tries))
}

/// A citizen's application made into its PDF and drawn, ready to sign.
async fn prepare_own_application(
    session: &DeviceSession,
    id: &str,
    version: u32,
    data: &serde_json::Value,
    language: Language,
) -> Result<screens::ReadyToSign, SessionError> {
    let prepared = Box::new(session.prepare_own_application(id, version, data, language).await?);
    let (pages, pin_pad, tries) = ready_to_sign(session, &prepared.pages)?;
    Ok((prepared, pages, pin_pad, tries))
}

/// Local catalogue look-ups for the home screen: fast enough to do between frames.
fn apply_home_action(session: &DeviceSession, home: &mut HomeScreen, action: HomeAction) {
    let result: Result<(), SessionError> = (|| {
        match action {
            HomeAction::Search(text) => {
                home.hits = session
                    .search(&text, Vec::new(), 12)?
                    .into_iter()
                    .map(|hit| screens::SearchResult {
                        kind: hit.kind.as_str().to_owned(),
                        id: hit.id,
                        title: hit.title,
                        snippet: hit.snippet.iter().map(|part| part.text.as_str()).collect::<String>(),
                    })
                    .collect();
            }
            HomeAction::OpenArticle(id) => {
                home.article = session.article_text(&id)?;
                home.article_notice = None;
            }
            HomeAction::PrintArticle(id) => {
                home.article_notice = Some(match session.print_article(&id) {
                    Ok(_) => tr(session.language()?, "citizen.printed"),
                    Err(error) => error_text(session.language()?, &error.code),
                });
            }
            HomeAction::Browse(entry) => {
                // A situation with a published scenario opens the navigator; others list services.
                if entry.kind != "institution"
                    && let Some(plan) = session.plan_for_event(&entry.id, &domain::navigator::Answers::new())?
                {
                    home.navigator = Some(screens::NavigatorView::new(entry, plan));
                    return Ok(());
                }
                let services = session.services_of(&entry.kind, &entry.id)?;
                home.chosen = Some((entry, services));
            }
            HomeAction::Answer(..) | HomeAction::Replan => {
                if let Some(navigator) = &mut home.navigator {
                    if let HomeAction::Answer(question, answer) = action {
                        match answer {
                            Some(answer) => navigator.answers.insert(question, answer),
                            None => navigator.answers.remove(&question),
                        };
                    }
                    if let Some(plan) = session.plan_for_event(&navigator.entry.id, &navigator.answers)? {
                        navigator.plan = plan;
                    }
                    navigator.notice = None;
                }
            }
            HomeAction::PrintPlan => {
                if let Some(navigator) = &mut home.navigator {
                    navigator.notice = Some(match session.print_plan(&navigator.entry.id, &navigator.answers) {
                        Ok(_) => tr(session.language()?, "citizen.printed"),
                        Err(error) => error_text(session.language()?, &error.code),
                    });
                }
            }
            HomeAction::OpenService(id) => {
                home.article = None;
                home.page = session.service_page(&id)?;
            }
            HomeAction::Back => {
                if home.article.take().is_none() && home.page.take().is_none() && home.navigator.take().is_none() {
                    home.chosen = None;
                }
            }
            HomeAction::RetrySync | HomeAction::LogIn => {}
        }
        Ok(())
    })();
    if let Err(error) = result {
        tracing::warn!(%error, "catalogue look-up failed");
    }
}

/// Pietura's mark: a rounded square in the accent colour with a stop's "P" (drawn, not a file).
fn brand_mark(ui: &mut egui::Ui) {
    let palette = Palette::of(ui.visuals());
    let size = egui::TextStyle::Heading.resolve(ui.style()).size * 1.2;
    let (rect, _) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
    ui.painter().rect_filled(rect, size * 0.22, palette.accent);
    let font = egui::FontId::proportional(size * 0.72);
    ui.painter().text(rect.center(), egui::Align2::CENTER_CENTER, "P", font, palette.on_accent);
}

impl eframe::App for KioskApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.run_effects();
        // The connection state changes without input: look again each second.
        ctx.request_repaint_after(std::time::Duration::from_secs(1));
        if self.is_busy() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| self.draw(ui));
    }
}

/// Whether a kiosk untouched for `idle` seconds, with nobody's use, looks for a downloaded update
/// now: once it is quiet, then every [`UPDATE_LOOK_EVERY_SECS`], or every `quiet_secs` when that
/// is shorter (a download that lands just after a look then waits no longer than the quiet).
fn update_look_due(
    now: chrono::DateTime<chrono::Utc>,
    idle: i64,
    looked_at: Option<chrono::DateTime<chrono::Utc>>,
    quiet_secs: i64,
) -> bool {
    let look_every = quiet_secs.clamp(1, UPDATE_LOOK_EVERY_SECS);
    idle >= quiet_secs && looked_at.is_none_or(|at| (now - at).num_seconds() >= look_every)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1×1 PNG.
    const PICTURE: &[u8] = &[
        137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 31, 21,
        196, 137, 0, 0, 0, 13, 73, 68, 65, 84, 120, 218, 99, 252, 207, 192, 80, 15, 0, 4, 133, 1, 128, 132, 169, 140,
        33, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
    ];

    #[test]
    fn a_quiet_kiosk_looks_for_an_update_once_a_minute_or_as_often_as_its_quiet_is_set() {
        let at = |s: i64| chrono::DateTime::from_timestamp(1_800_000_000 + s, 0).expect("a time");
        // Not before it is quiet; at once when it is and it never looked.
        assert!(!update_look_due(at(0), 179, None, QUIET_FOR_UPDATE_SECS));
        assert!(update_look_due(at(0), 180, None, QUIET_FOR_UPDATE_SECS));
        // Then once a minute.
        assert!(!update_look_due(at(59), 239, Some(at(0)), QUIET_FOR_UPDATE_SECS));
        assert!(update_look_due(at(60), 240, Some(at(0)), QUIET_FOR_UPDATE_SECS));
        // Quiet set to 5 s: a download landing after a look waits 5 s, not a minute.
        assert!(!update_look_due(at(4), 9, Some(at(0)), 5));
        assert!(update_look_due(at(5), 10, Some(at(0)), 5));
        // Quiet set to 0: looked at every second, not every frame.
        assert!(!update_look_due(at(0), 0, Some(at(0)), 0));
        assert!(update_look_due(at(1), 1, Some(at(0)), 0));
    }

    #[test]
    fn attachments_are_made_ready_for_the_screen_or_refused_with_a_code_the_kiosk_translates() {
        let picture = prepare_document("karte.png".into(), PICTURE).unwrap();
        assert_eq!((picture.total, picture.pages.len(), picture.pages[0].size), (1, 1, [1, 1]));
        let code = |name: &str, bytes: &[u8]| prepare_document(name.into(), bytes).err().unwrap().code;
        assert_eq!(code("lēmums.pdf", b"%PDF-1.7\nnothing here\n"), "document_unreadable");
        assert_eq!(code("lēmums.pdf", PICTURE), "document_unreadable", "a picture named .pdf is not drawn as one");
        assert_eq!(code("karte.png", b"%PDF-1.7"), "document_unreadable");
        assert_eq!(code("iesniegums.docx", b"PK\x03\x04"), "document_no_preview");
        for code in ["document_unreadable", "document_no_preview"] {
            assert_ne!(
                texts::error_text(domain::Language::En, code),
                texts::error_text(domain::Language::En, "unknown")
            );
        }
    }
}
