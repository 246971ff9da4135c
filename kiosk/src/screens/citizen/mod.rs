//! The citizen's screen after a card login: who they are, their cases, their e-address mailbox
//! (and the companies' they represent), who accessed it and whom they let read it. Each part
//! draws in its own module; everything here is dropped with the screen when the session ends.

mod access;
mod cases;
mod document;
mod mail;
mod own_form;
mod reply;
mod signing;
mod wipe;

pub use document::ShownDocument;
pub use own_form::{FormAnswer, OwnFormDraft, OwnFormStage, ReadyToSign};
pub use reply::{ReplyAnswer, ReplyDraft, ReplyStage};

use device::{login::Person, session::SessionError};
use domain::Language;

use crate::texts::{error_text, tr, tr_or};

/// The citizen's cases, as they arrive from the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CitizenCases {
    #[default]
    Loading,
    Loaded(Vec<device::session::CitizenCaseView>),
    /// Why they could not be fetched (an error code).
    Failed(String),
}

/// Something loaded from the server for the citizen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Loadable<T> {
    #[default]
    Loading,
    Loaded(T),
    /// Why it could not be fetched (an error code).
    Failed(String),
}

/// Which part of the citizen's screen is shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CitizenView {
    #[default]
    Cases,
    Mail,
    /// Who may read the citizen's mailbox: their delegations, given and ended here.
    Access,
    /// The e-forms a citizen may fill and sign themselves here.
    Forms,
}

/// What the citizen asked for on their screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CitizenAction {
    LogOut,
    Show(CitizenView),
    OpenMessage(uuid::Uuid),
    CloseMessage,
    /// A message's attachment (by index, with its name) to the kiosk's printer.
    PrintAttachment(uuid::Uuid, usize, String),
    /// A picture attached to a message, on screen.
    ShowAttachment(uuid::Uuid, usize, String),
    ShowAccesses,
    /// Let the person with this code use the mailbox with this right for this many months.
    Delegate(String, domain::eaddress::Right, u32),
    EndDelegation(uuid::Uuid),
    /// Read a company's mailbox the person represents (`None`: their own).
    ChooseMailbox(Option<String>),
    /// Answer the letter (id, subject, sender's name) with a reply signed with PIN2.
    StartReply((uuid::Uuid, String, String)),
    /// Make the written reply into the PDF to read and sign.
    PrepareReply,
    /// Back from reading to writing.
    ChangeReply,
    /// Sign with PIN2 as typed on the keypad (`None`: on the reader's own pad) and send.
    SignReply(Option<zeroize::Zeroizing<String>>),
    CancelReply,
    /// Fill this self-service form (its id).
    StartForm(String),
    /// Make the answers into the application's PDF to read and sign.
    PrepareForm,
    /// Back from reading to the answers.
    ChangeForm,
    /// Sign the application with PIN2 as typed (`None`: on the reader's own pad) and send it.
    SignForm(Option<zeroize::Zeroizing<String>>),
    /// Leave the form (its answers are forgotten).
    CancelForm,
}

impl CitizenAction {
    /// Whether the action does something beyond the screen: prints, signs with PIN2, or gives or
    /// ends someone's right to the mailbox. Such a tap is never done later, out of sight.
    pub fn acts(&self) -> bool {
        matches!(
            self,
            Self::PrintAttachment(..)
                | Self::Delegate(..)
                | Self::EndDelegation(_)
                | Self::SignReply(_)
                | Self::SignForm(_)
        )
    }
}

/// A tap made while the screen still waited for the server's last answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldTap {
    /// Taken: done as soon as that answer arrives.
    Next,
    /// Not taken (it would print, sign or change a right): to be tapped again once the answer is in.
    Refused,
}

/// After a citizen's login: who they are, their cases, their e-address inbox (read-only: opening
/// a message marks it read; pictures are shown, PDFs and pictures printed), who accessed their
/// mailbox, and the way out. Everything here is dropped with the screen when the session ends.
#[derive(Clone)]
pub struct CitizenScreen {
    pub person: Person,
    pub cases: CitizenCases,
    pub view: CitizenView,
    pub inbox: Loadable<Vec<protocol::MessageDto>>,
    pub opened: Option<Loadable<protocol::MessageDto>>,
    pub accesses: Option<Loadable<Vec<protocol::AccessDto>>>,
    /// The delegations in force on the mailbox, and the one being given: the code typed on the
    /// keypad, for how many months, and whether the citizen is confirming it.
    pub delegations: Loadable<Vec<protocol::DelegationDto>>,
    pub delegate_code: String,
    pub delegate_months: u32,
    /// For a company's mailbox: read, send in its name, or delete.
    pub delegate_right: domain::eaddress::Right,
    /// The mailboxes the person may read here (their own, companies' they represent), and the
    /// one chosen (`None`: their own).
    pub mailboxes: Vec<protocol::MailboxDto>,
    pub chosen: Option<String>,
    pub confirming: bool,
    /// A line about the last delegation change (done, or why not).
    pub access_notice: Option<String>,
    /// A line about the last print (done, or why not).
    pub notice: Option<String>,
    /// An attachment being shown (a picture, a PDF's first pages), and the textures made from it.
    pub shown: Option<ShownDocument>,
    /// A reply to the opened letter being written, read or signed.
    pub replying: Option<ReplyDraft>,
    /// The forms the citizen may fill here, and the one being filled (in memory only).
    pub own_forms: Loadable<Vec<device::session::FormSummary>>,
    pub filling: Option<OwnFormDraft>,
    /// A tap made while an answer was awaited, said on screen until the answer arrives.
    pub held_tap: Option<HeldTap>,
    textures: Vec<egui::TextureHandle>,
}

fn local(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&chrono::Local).format("%d.%m.%Y %H:%M").to_string()
}

/// Who acted, as the citizen reads it: "you", else the server's words for the actor (an
/// institution's or a centre's name, a person's code), else the raw actor without its kind.
fn access_actor(language: Language, access: &protocol::AccessDto, own: &str) -> String {
    if access.actor == own {
        return tr(language, "access.you");
    }
    if !access.who.is_empty() {
        return access.who.clone();
    }
    access.actor.split_once(':').map_or_else(|| access.actor.clone(), |(_, id)| id.to_owned())
}

/// Who sent a message, by name (with the address too where there is room).
fn sender_of(message: &protocol::MessageDto, with_address: bool) -> String {
    match (message.sender_name.trim(), with_address) {
        ("", _) => message.sender.clone(),
        (name, _) if name == message.sender => message.sender.clone(),
        (name, true) => format!("{name} ({})", message.sender),
        (name, false) => name.to_owned(),
    }
}

/// A personal code as people write it: `161175-19997`.
fn formatted_code(code: &str) -> String {
    let digits: String = code.chars().filter(char::is_ascii_digit).collect();
    if digits.len() > 6 { format!("{}-{}", &digits[..6], &digits[6..]) } else { digits }
}

fn day(date: chrono::NaiveDate) -> String {
    date.format("%d.%m.%Y").to_string()
}

/// The same day `months` later (the month's last day when it has no such day).
pub fn months_ahead(from: chrono::NaiveDate, months: u32) -> chrono::NaiveDate {
    from.checked_add_months(chrono::Months::new(months)).unwrap_or(from)
}

fn failed(ui: &mut egui::Ui, language: Language, code: &str) {
    ui.colored_label(ui.visuals().error_fg_color, error_text(language, code));
}

fn big(ui: &mut egui::Ui, text: String) -> bool {
    ui.add(egui::Button::new(text).min_size(egui::vec2(200.0, 56.0))).clicked()
}

impl std::fmt::Debug for CitizenScreen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CitizenScreen").field("view", &self.view).finish_non_exhaustive()
    }
}

impl CitizenScreen {
    pub fn new(person: Person) -> Self {
        Self {
            person,
            cases: CitizenCases::Loading,
            view: CitizenView::Cases,
            inbox: Loadable::Loading,
            opened: None,
            accesses: None,
            delegations: Loadable::Loading,
            delegate_code: String::new(),
            delegate_months: 1,
            delegate_right: domain::eaddress::Right::Read,
            mailboxes: Vec::new(),
            chosen: None,
            confirming: false,
            access_notice: None,
            notice: None,
            shown: None,
            replying: None,
            own_forms: Loadable::Loading,
            filling: None,
            held_tap: None,
            textures: Vec::new(),
        }
    }

    /// Draws the screen; answers what the citizen asked for. `today`: in Riga, by the kiosk's
    /// clock (delegations given now are shown from it).
    pub fn ui(&mut self, ui: &mut egui::Ui, language: Language, today: chrono::NaiveDate) -> Option<CitizenAction> {
        let mut action = None;
        let person = &self.person;
        // The way out stays in sight at the top right, however long what is below.
        ui.horizontal(|ui| {
            ui.heading(
                tr(language, "citizen.hello").replace("{name}", &format!("{} {}", person.given_name, person.surname)),
            );
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if super::widgets::icon_button(ui, "🚪", &tr(language, "citizen.log_out")).clicked() {
                    action = Some(CitizenAction::LogOut);
                }
            });
        });
        ui.add_space(8.0);
        // A reply being written takes the whole screen below the greeting (its keyboard needs it).
        let replying = (self.view == CitizenView::Mail && self.replying.is_some())
            || (self.view == CitizenView::Forms && self.filling.is_some());
        if !replying {
            ui.horizontal(|ui| {
                for (view, icon, key) in [
                    (CitizenView::Cases, "📋", "citizen.cases"),
                    (CitizenView::Mail, "📬", "citizen.mail"),
                    (CitizenView::Access, "🔑", "citizen.access"),
                    (CitizenView::Forms, "📝", "citizen.forms"),
                ] {
                    if super::widgets::icon_tab(ui, icon, &tr(language, key), self.view == view).clicked() {
                        action = Some(CitizenAction::Show(view));
                    }
                }
            });
        }
        // Said in words, not with a spinner: a line a screen reader reads, drawn once.
        if let Some(held) = self.held_tap {
            let key = match held {
                HeldTap::Next => "citizen.tap_next",
                HeldTap::Refused => "citizen.tap_refused",
            };
            ui.label(egui::RichText::new(tr(language, key)).strong());
        }
        ui.add_space(8.0);
        match self.view {
            CitizenView::Cases => self.cases_ui(ui, language),
            CitizenView::Mail => {
                if let Some(asked) = self.mail_ui(ui, language) {
                    action = Some(asked);
                }
            }
            CitizenView::Access => {
                if let Some(asked) = self.access_ui(ui, language, today) {
                    action = Some(asked);
                }
            }
            CitizenView::Forms => {
                if let Some(asked) = self.own_forms_ui(ui, language) {
                    action = Some(asked);
                }
            }
        }
        ui.add_space(8.0);
        ui.label(tr(language, "citizen.privacy"));
        action
    }
}

/// What a citizen's screen starts with, from the server: their cases, and the mailboxes they
/// may read (their own, the companies' they represent).
pub type CitizenStart = (Result<Vec<device::session::CitizenCaseView>, SessionError>, Vec<protocol::MailboxDto>);

/// What the citizen's screen asks the server for (the kiosk keeps nothing of theirs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailRequest {
    Inbox,
    Delegations,
    Delegate { code: String, right: domain::eaddress::Right, ends_on: chrono::NaiveDate },
    EndDelegation(uuid::Uuid),
    Open(uuid::Uuid),
    Show { id: uuid::Uuid, index: usize, name: String },
    Print { id: uuid::Uuid, index: usize, name: String },
    Accesses,
    PrepareReply { id: uuid::Uuid, body: String, language: Language },
    SendReply { prepared: Box<device::session::PreparedReply>, pin: Option<zeroize::Zeroizing<String>> },
    Forms,
    StartForm { id: String, language: Language },
    PrepareForm { id: String, version: u32, data: serde_json::Value, language: Language },
    SendForm { prepared: Box<device::session::PreparedOwnApplication>, pin: Option<zeroize::Zeroizing<String>> },
}

/// An answer about the citizen's mailbox, arriving from the server.
pub enum MailAnswer {
    Inbox(Result<Vec<protocol::MessageDto>, SessionError>),
    Opened(Result<protocol::MessageDto, SessionError>),
    Accesses(Result<Vec<protocol::AccessDto>, SessionError>),
    Printed(Result<String, SessionError>),
    Shown(Result<ShownDocument, SessionError>),
    Delegations(Result<Vec<protocol::DelegationDto>, SessionError>),
    /// A delegation given or ended (the notice's key), then the list as it now stands.
    DelegationChanged(Result<&'static str, SessionError>, Result<Vec<protocol::DelegationDto>, SessionError>),
    Reply(ReplyAnswer),
    Form(FormAnswer),
}

fn loadable<T>(result: Result<T, SessionError>) -> Loadable<T> {
    match result {
        Ok(value) => Loadable::Loaded(value),
        Err(error) => {
            tracing::warn!(%error, "the citizen's mailbox could not be read");
            Loadable::Failed(error.code.name())
        }
    }
}

/// The screen's own state changes: what an action shows at once and what it asks the server,
/// and what each answer changes.
impl CitizenScreen {
    /// The citizen's cases and mailboxes arrived.
    pub fn started(&mut self, (cases, mailboxes): CitizenStart) {
        self.mailboxes = mailboxes;
        self.cases = match cases {
            Ok(cases) => CitizenCases::Loaded(cases),
            Err(error) => {
                tracing::warn!(%error, "the citizen's cases could not be fetched");
                CitizenCases::Failed(error.code.name())
            }
        };
    }

    /// Shows at once what `action` changes, and answers what to ask the server for (`today`, in
    /// Riga by the kiosk's clock: the day a delegation given now starts on). `ChooseMailbox` here
    /// follows the session's choice.
    pub fn begin(
        &mut self,
        action: CitizenAction,
        language: Language,
        today: chrono::NaiveDate,
    ) -> Option<MailRequest> {
        match action {
            CitizenAction::ChooseMailbox(address) => {
                self.chosen = address;
                self.opened = None;
                self.close_document();
                self.accesses = None;
                self.delegate_code.clear();
                self.confirming = false;
                self.access_notice = None;
                self.inbox = Loadable::Loading;
                self.delegations = Loadable::Loading;
                Some(if self.view == CitizenView::Access { MailRequest::Delegations } else { MailRequest::Inbox })
            }
            CitizenAction::Show(CitizenView::Access) => {
                self.view = CitizenView::Access;
                self.delegations = Loadable::Loading;
                self.access_notice = None;
                Some(MailRequest::Delegations)
            }
            CitizenAction::Delegate(code, right, months) => {
                self.access_notice = Some(tr(language, "delegation.giving"));
                Some(MailRequest::Delegate { code, right, ends_on: months_ahead(today, months) })
            }
            CitizenAction::EndDelegation(id) => Some(MailRequest::EndDelegation(id)),
            CitizenAction::Show(CitizenView::Forms) => {
                self.view = CitizenView::Forms;
                self.own_forms = Loadable::Loading;
                Some(MailRequest::Forms)
            }
            CitizenAction::Show(view) => {
                self.view = view;
                if view != CitizenView::Mail {
                    return None;
                }
                self.inbox = Loadable::Loading;
                self.opened = None;
                Some(MailRequest::Inbox)
            }
            CitizenAction::OpenMessage(id) => {
                self.opened = Some(Loadable::Loading);
                self.notice = None;
                Some(MailRequest::Open(id))
            }
            CitizenAction::CloseMessage => {
                // Back to the list, read again so the message shows as read.
                self.opened = None;
                self.notice = None;
                self.close_document();
                Some(MailRequest::Inbox)
            }
            CitizenAction::ShowAttachment(id, index, name) => {
                self.notice = None;
                Some(MailRequest::Show { id, index, name })
            }
            CitizenAction::PrintAttachment(id, index, name) => {
                self.notice = Some(tr(language, "citizen.printing"));
                Some(MailRequest::Print { id, index, name })
            }
            CitizenAction::ShowAccesses => {
                self.accesses = Some(Loadable::Loading);
                Some(MailRequest::Accesses)
            }
            CitizenAction::LogOut => None,
            reply @ (CitizenAction::StartReply(_)
            | CitizenAction::PrepareReply
            | CitizenAction::ChangeReply
            | CitizenAction::SignReply(_)
            | CitizenAction::CancelReply) => self.begin_reply(reply, language),
            form @ (CitizenAction::StartForm(_)
            | CitizenAction::PrepareForm
            | CitizenAction::ChangeForm
            | CitizenAction::SignForm(_)
            | CitizenAction::CancelForm) => self.begin_form(form, language),
        }
    }

    /// A tap made while an answer is awaited, said on screen: answers the action to do once the
    /// answer is in, or `None` when it acts (`CitizenAction::acts`) and must be tapped again.
    pub fn tapped_while_waiting(&mut self, action: CitizenAction) -> Option<CitizenAction> {
        if action.acts() {
            self.held_tap = Some(HeldTap::Refused);
            None
        } else {
            self.held_tap = Some(HeldTap::Next);
            Some(action)
        }
    }

    /// An answer from the server, shown.
    pub fn answered(&mut self, answer: MailAnswer, language: Language) {
        self.held_tap = None;
        match answer {
            MailAnswer::Inbox(result) => self.inbox = loadable(result),
            MailAnswer::Opened(result) => self.opened = Some(loadable(result)),
            MailAnswer::Accesses(result) => self.accesses = Some(loadable(result)),
            MailAnswer::Delegations(result) => self.delegations = loadable(result),
            MailAnswer::DelegationChanged(done, list) => {
                match done {
                    Ok(key) => {
                        self.access_notice = Some(tr(language, key));
                        self.delegate_code.clear();
                    }
                    Err(error) => self.access_notice = Some(error_text(language, &error.code)),
                }
                self.delegations = loadable(list);
            }
            MailAnswer::Shown(result) => match result {
                Ok(document) => self.show(document),
                Err(error) => self.notice = Some(error_text(language, &error.code)),
            },
            MailAnswer::Reply(answer) => self.reply_answered(answer, language),
            MailAnswer::Form(answer) => self.form_answered(answer, language),
            MailAnswer::Printed(result) => {
                self.notice = Some(match result {
                    Ok(_) => tr(language, "citizen.printed"),
                    Err(error) => error_text(language, &error.code),
                });
            }
        }
    }
}
