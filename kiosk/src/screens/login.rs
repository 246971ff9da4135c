use device::login::{CardView, Person};
use domain::Language;

use crate::texts::{error_text, tr, tr_or};

/// A citizen's card login: the card's state, and the PIN typed on a large on-screen keypad (a
/// kiosk has no keyboard). The PIN stays in this screen until submitted, then it is wiped.
#[derive(Debug, Default)]
pub struct LoginScreen {
    pin: zeroize::Zeroizing<String>,
    pub card: Option<CardView>,
    pub busy: bool,
    /// The last failure's code and, after a wrong PIN, the tries left.
    pub error: Option<(String, Option<u8>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginAction {
    Submit(zeroize::Zeroizing<String>),
    /// The reader has its own PIN pad: the citizen types PIN1 there.
    UsePinPad,
    Cancel,
}

const PIN_MAX: usize = 12;

impl LoginScreen {
    pub fn pin_length(&self) -> usize {
        self.pin.len()
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, language: Language) -> Option<LoginAction> {
        let mut action = None;
        ui.heading(tr(language, "login.title"));
        ui.add_space(8.0);
        let card_ready = self.card.as_ref().is_some_and(|c| c.status == "card");
        match &self.card {
            Some(card) if card_ready => {
                let holder = card.card.as_ref().map(|c| c.holder.clone()).unwrap_or_default();
                ui.label(egui::RichText::new(holder).strong().size(28.0));
                ui.label(tr(language, "login.enter_pin"));
            }
            Some(card) => {
                ui.label(egui::RichText::new(tr(language, &format!("login.card.{}", card.status))).size(28.0));
            }
            None => {
                ui.label(tr(language, "login.checking"));
            }
        }
        ui.add_space(12.0);
        let pin_pad = self.card.as_ref().and_then(|c| c.card.as_ref()).is_some_and(|c| c.pin_pad);
        if pin_pad && card_ready {
            ui.label(egui::RichText::new(tr(language, "login.use_pin_pad")).size(28.0));
            if self.busy {
                ui.label(tr(language, "login.checking_pin"));
            } else if ui
                .add(egui::Button::new(tr(language, "login.start_pin_pad")).min_size(egui::vec2(280.0, 80.0)))
                .clicked()
            {
                self.busy = true;
                self.error = None;
                action = Some(LoginAction::UsePinPad);
            }
            self.error_line(ui, language);
            if ui.button(tr(language, "login.cancel")).clicked() {
                action = Some(LoginAction::Cancel);
            }
            return action;
        }
        let dots = "●".repeat(self.pin.len());
        let entered = tr(language, "login.pin_entered").replace("{count}", &self.pin.len().to_string());
        let shown = if dots.is_empty() { "—".to_owned() } else { dots };
        ui.add(egui::Label::new(egui::RichText::new(shown).size(40.0).monospace()))
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &entered));
        self.error_line(ui, language);
        ui.add_space(12.0);
        let enabled = card_ready && !self.busy;
        let key = egui::vec2(110.0, 80.0);
        let digit = |ui: &mut egui::Ui, d: &str, pin: &mut zeroize::Zeroizing<String>| {
            let button = egui::Button::new(egui::RichText::new(d).size(36.0)).min_size(key);
            if ui.add_enabled(enabled, button).clicked() && pin.len() < PIN_MAX {
                pin.push_str(d);
            }
        };
        egui::Grid::new("pin-keypad").spacing(egui::vec2(12.0, 12.0)).show(ui, |ui| {
            for row in [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"]] {
                for d in row {
                    digit(ui, d, &mut self.pin);
                }
                ui.end_row();
            }
            let erase = egui::Button::new(egui::RichText::new(tr(language, "login.erase")).size(24.0)).min_size(key);
            if ui.add_enabled(enabled, erase).clicked() {
                self.pin.pop();
            }
            digit(ui, "0", &mut self.pin);
            let ok = egui::Button::new(egui::RichText::new(tr(language, "login.submit")).size(24.0)).min_size(key);
            if ui.add_enabled(enabled && self.pin.len() >= 4, ok).clicked() {
                action = Some(LoginAction::Submit(std::mem::take(&mut self.pin)));
                self.busy = true;
                self.error = None;
            }
            ui.end_row();
        });
        ui.add_space(16.0);
        if self.busy {
            ui.label(tr(language, "login.checking_pin"));
        }
        if ui.button(tr(language, "login.cancel")).clicked() {
            self.pin = Default::default();
            action = Some(LoginAction::Cancel);
        }
        action
    }
}

impl LoginScreen {
    fn error_line(&self, ui: &mut egui::Ui, language: Language) {
        if let Some((code, tries)) = &self.error {
            let text = match (code.as_str(), tries) {
                ("wrong_pin", Some(left)) => tr(language, "login.wrong_pin").replace("{count}", &left.to_string()),
                _ => error_text(language, code),
            };
            ui.colored_label(egui::Color32::from_rgb(0xA1, 0x1D, 0x1D), text);
        }
    }
}

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
    textures: Vec<egui::TextureHandle>,
}

/// An attachment ready for the screen: its pages' pixels.
#[derive(Clone)]
pub struct ShownDocument {
    pub name: String,
    pub pages: Vec<egui::ColorImage>,
    /// How many pages the document has (more than `pages` when only the first are drawn).
    pub total: u32,
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
    ui.colored_label(egui::Color32::from_rgb(0xA1, 0x1D, 0x1D), error_text(language, code));
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
            textures: Vec::new(),
        }
    }

    /// Draws the screen; answers what the citizen asked for.
    pub fn ui(&mut self, ui: &mut egui::Ui, language: Language) -> Option<CitizenAction> {
        let mut action = None;
        let person = &self.person;
        // The way out stays in sight at the top right, however long what is below.
        ui.horizontal(|ui| {
            ui.heading(
                tr(language, "citizen.hello").replace("{name}", &format!("{} {}", person.given_name, person.surname)),
            );
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if big(ui, tr(language, "citizen.log_out")) {
                    action = Some(CitizenAction::LogOut);
                }
            });
        });
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            for (view, key) in [
                (CitizenView::Cases, "citizen.cases"),
                (CitizenView::Mail, "citizen.mail"),
                (CitizenView::Access, "citizen.access"),
            ] {
                if ui
                    .add(
                        egui::Button::new(tr(language, key))
                            .selected(self.view == view)
                            .min_size(egui::vec2(200.0, 56.0)),
                    )
                    .clicked()
                {
                    action = Some(CitizenAction::Show(view));
                }
            }
        });
        ui.add_space(8.0);
        match self.view {
            CitizenView::Cases => self.cases_ui(ui, language),
            CitizenView::Mail => {
                if let Some(asked) = self.mail_ui(ui, language) {
                    action = Some(asked);
                }
            }
            CitizenView::Access => {
                if let Some(asked) = self.access_ui(ui, language) {
                    action = Some(asked);
                }
            }
        }
        ui.add_space(8.0);
        ui.label(tr(language, "citizen.privacy"));
        action
    }

    fn cases_ui(&self, ui: &mut egui::Ui, language: Language) {
        match &self.cases {
            // Plain text, not a spinner: the app repaints while the answer is on its way.
            CitizenCases::Loading => {
                ui.label(tr(language, "citizen.cases_loading"));
            }
            CitizenCases::Failed(code) => failed(ui, language, code),
            CitizenCases::Loaded(cases) if cases.is_empty() => {
                ui.label(tr(language, "citizen.cases_none"));
            }
            CitizenCases::Loaded(cases) => {
                egui::ScrollArea::vertical().max_height(420.0).show(ui, |ui| {
                    egui::Grid::new("citizen-cases").striped(true).spacing([24.0, 12.0]).show(ui, |ui| {
                        for heading in [
                            "citizen.case_number",
                            "citizen.case_service",
                            "citizen.case_status",
                            "citizen.case_changed",
                        ] {
                            ui.label(egui::RichText::new(tr(language, heading)).strong());
                        }
                        ui.end_row();
                        for case in cases {
                            ui.label(&case.number);
                            let service = format!("{}\n{}", case.service_name, case.holder_name);
                            ui.label(match &case.company {
                                // A company's case (they represent it) says whose it is.
                                Some(company) => format!(
                                    "{service}\n{}",
                                    tr(language, "citizen.case_for").replace("{company}", company)
                                ),
                                None => service,
                            });
                            let status = serde_json::to_value(case.status)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default();
                            ui.label(egui::RichText::new(tr(language, &format!("case_status.{status}"))).strong());
                            ui.label(local(case.changed_at));
                            ui.end_row();
                        }
                    });
                });
            }
        }
    }

    /// Who may read the mailbox (each with an End button), and giving someone that right:
    /// their personal code on the keypad, for 1, 6 or 12 months, confirmed in words first.
    /// The chosen company's mailbox, when the person reads one they represent.
    fn chosen_company(&self) -> Option<&protocol::MailboxDto> {
        let chosen = self.chosen.as_deref()?;
        self.mailboxes.iter().find(|m| m.address == chosen && m.kind == "legal")
    }

    /// Their own mailbox or a company's they represent (shown only when there is a choice).
    fn mailbox_choice_ui(&self, ui: &mut egui::Ui, language: Language) -> Option<CitizenAction> {
        let companies: Vec<&protocol::MailboxDto> = self.mailboxes.iter().filter(|m| m.kind == "legal").collect();
        if companies.is_empty() {
            return None;
        }
        let mut action = None;
        ui.horizontal_wrapped(|ui| {
            let own = egui::Button::new(tr(language, "citizen.own_mailbox"))
                .selected(self.chosen.is_none())
                .min_size(egui::vec2(160.0, 38.0));
            if ui.add(own).clicked() && self.chosen.is_some() {
                action = Some(CitizenAction::ChooseMailbox(None));
            }
            for company in companies {
                let chosen = self.chosen.as_deref() == Some(company.address.as_str());
                let button = egui::Button::new(&company.name).selected(chosen).min_size(egui::vec2(160.0, 38.0));
                if ui.add(button).clicked() && !chosen {
                    action = Some(CitizenAction::ChooseMailbox(Some(company.address.clone())));
                }
            }
        });
        ui.add_space(2.0);
        action
    }

    fn access_ui(&mut self, ui: &mut egui::Ui, language: Language) -> Option<CitizenAction> {
        let mut action = self.mailbox_choice_ui(ui, language);
        // Side by side, so all of it and the way out fit the kiosk's 1280×800 screen.
        // (Columns lay out justified: plain left-aligned text inside.)
        let plain = egui::Layout::top_down(egui::Align::Min);
        ui.columns(2, |columns| {
            columns[0].with_layout(plain, |ui| self.delegations_ui(ui, language, &mut action));
            columns[1].with_layout(plain, |ui| self.give_ui(ui, language, &mut action));
        });
        action
    }

    /// Who may read the mailbox, each with an End button.
    fn delegations_ui(&mut self, ui: &mut egui::Ui, language: Language, action: &mut Option<CitizenAction>) {
        let company = self.chosen_company();
        let heading = match company {
            Some(company) => tr(language, "delegation.heading_company").replace("{company}", &company.name),
            None => tr(language, "delegation.heading"),
        };
        ui.label(egui::RichText::new(heading).strong().size(22.0));
        match &self.delegations {
            Loadable::Loading => {
                ui.label(tr(language, "citizen.mail_loading"));
            }
            Loadable::Failed(code) => failed(ui, language, code),
            Loadable::Loaded(delegations) if delegations.is_empty() => {
                ui.label(tr(language, if company.is_some() { "delegation.none_company" } else { "delegation.none" }));
            }
            Loadable::Loaded(delegations) => {
                egui::Grid::new("delegations").striped(true).spacing(egui::vec2(16.0, 8.0)).show(ui, |ui| {
                    for delegation in delegations {
                        ui.label(egui::RichText::new(formatted_code(&delegation.delegate)).monospace().size(22.0));
                        if company.is_some() {
                            ui.label(tr(language, &format!("delegation.right_button_{}", delegation.rights)));
                        }
                        ui.label(tr(language, "delegation.until").replace("{date}", &day(delegation.ends_on)));
                        let end = egui::Button::new(tr(language, "delegation.end")).min_size(egui::vec2(120.0, 48.0));
                        if ui.add(end).clicked() {
                            *action = Some(CitizenAction::EndDelegation(delegation.id));
                        }
                        ui.end_row();
                    }
                });
            }
        }
        if let Some(notice) = &self.access_notice {
            ui.add_space(12.0);
            ui.label(egui::RichText::new(notice).size(20.0));
        }
        if self.chosen_company().is_some() {
            // For a company: which right to give (a person's own mailbox is delegated for
            // reading only).
            use domain::eaddress::Right;
            ui.add_space(12.0);
            ui.label(tr(language, "delegation.right_to_give"));
            ui.horizontal_wrapped(|ui| {
                for right in [Right::Read, Right::Communicate, Right::Delete] {
                    let text = tr(language, &format!("delegation.right_button_{}", right.as_str()));
                    let button = egui::Button::new(text)
                        .selected(self.delegate_right == right)
                        .min_size(egui::vec2(120.0, 40.0));
                    if ui.add(button).clicked() {
                        self.delegate_right = right;
                    }
                }
            });
            ui.add_space(4.0);
        }
    }

    /// Giving someone reading: their code on the keypad, for 1, 6 or 12 months, then the grant
    /// in words to confirm.
    fn give_ui(&mut self, ui: &mut egui::Ui, language: Language, action: &mut Option<CitizenAction>) {
        let give = if self.chosen_company().is_some() { "delegation.give_company" } else { "delegation.give" };
        ui.label(egui::RichText::new(tr(language, give)).strong().size(22.0));
        let typed = if self.delegate_code.is_empty() { "—".to_owned() } else { formatted_code(&self.delegate_code) };
        ui.horizontal(|ui| {
            ui.label(tr(language, "delegation.code"));
            ui.label(egui::RichText::new(typed).size(28.0).monospace());
        });
        if self.confirming {
            let ends_on = months_ahead(chrono::Local::now().date_naive(), self.delegate_months);
            let text = match self.chosen_company() {
                Some(company) => tr(language, "delegation.confirm_company")
                    .replace("{right}", &tr(language, &format!("delegation.right_{}", self.delegate_right.as_str())))
                    .replace("{company}", &company.name),
                None => tr(language, "delegation.confirm"),
            };
            ui.label(
                egui::RichText::new(
                    text.replace("{code}", &formatted_code(&self.delegate_code)).replace("{date}", &day(ends_on)),
                )
                .size(22.0),
            );
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if big(ui, tr(language, "delegation.yes")) {
                    let right = if self.chosen_company().is_some() {
                        self.delegate_right
                    } else {
                        domain::eaddress::Right::Read
                    };
                    *action = Some(CitizenAction::Delegate(self.delegate_code.clone(), right, self.delegate_months));
                    self.confirming = false;
                }
                if big(ui, tr(language, "delegation.no")) {
                    self.confirming = false;
                }
            });
            return;
        }
        ui.horizontal_top(|ui| {
            let key = egui::vec2(84.0, 52.0);
            egui::Grid::new("delegate-keypad").spacing(egui::vec2(8.0, 8.0)).show(ui, |ui| {
                for row in [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"]] {
                    for d in row {
                        let button = egui::Button::new(egui::RichText::new(d).size(30.0)).min_size(key);
                        if ui.add(button).clicked() && self.delegate_code.len() < 11 {
                            self.delegate_code.push_str(d);
                        }
                    }
                    ui.end_row();
                }
                let erase =
                    egui::Button::new(egui::RichText::new(tr(language, "login.erase")).size(20.0)).min_size(key);
                if ui.add(erase).clicked() {
                    self.delegate_code.pop();
                }
                let zero = egui::Button::new(egui::RichText::new("0").size(30.0)).min_size(key);
                if ui.add(zero).clicked() && self.delegate_code.len() < 11 {
                    self.delegate_code.push('0');
                }
                ui.end_row();
            });
            ui.add_space(16.0);
            ui.vertical(|ui| {
                for months in [1, 6, 12] {
                    let text = tr(language, &format!("delegation.months_{months}"));
                    let button = egui::Button::new(text)
                        .selected(self.delegate_months == months)
                        .min_size(egui::vec2(180.0, 48.0));
                    if ui.add(button).clicked() {
                        self.delegate_months = months;
                    }
                }
                ui.add_space(8.0);
                let ready = self.delegate_code.len() == 11;
                let allow =
                    if self.chosen_company().is_some() { "delegation.allow_company" } else { "delegation.allow" };
                let give = egui::Button::new(tr(language, allow)).min_size(egui::vec2(180.0, 56.0));
                if ui.add_enabled(ready, give).clicked() {
                    self.confirming = true;
                    self.access_notice = None;
                }
            });
        });
    }

    /// Shows an attachment in place of the message    /// Shows an attachment in place of the message (its textures are made when first drawn).
    pub fn show(&mut self, document: ShownDocument) {
        self.textures.clear();
        self.shown = Some(document);
    }

    /// Back from an attachment to its message; its pixels go.
    pub fn close_document(&mut self) {
        self.textures.clear();
        self.shown = None;
    }

    /// An attachment on screen: its pages one under the other, what is not drawn said.
    fn document_ui(&mut self, ui: &mut egui::Ui, language: Language) -> Option<CitizenAction> {
        let Some(document) = &self.shown else { return None };
        if self.textures.is_empty() {
            self.textures = document
                .pages
                .iter()
                .enumerate()
                .map(|(i, pixels)| {
                    ui.ctx().load_texture(
                        format!("{}#{i}", document.name),
                        pixels.clone(),
                        egui::TextureOptions::default(),
                    )
                })
                .collect();
        }
        ui.label(egui::RichText::new(&document.name).strong().size(24.0));
        let drawn = document.pages.len();
        if document.total as usize > drawn {
            ui.label(
                tr(language, "citizen.pages_cut")
                    .replace("{shown}", &drawn.to_string())
                    .replace("{total}", &document.total.to_string()),
            );
        }
        let mut back = big(ui, tr(language, "citizen.back_to_message"));
        egui::ScrollArea::vertical().max_height((ui.available_height() - 8.0).max(200.0)).show(ui, |ui| {
            for (i, texture) in self.textures.iter().enumerate() {
                let size = texture.size_vec2();
                let scale = ((ui.available_width() - 16.0) / size.x).min(1.0);
                let alt = if drawn > 1 {
                    tr(language, "citizen.page")
                        .replace("{page}", &(i + 1).to_string())
                        .replace("{name}", &document.name)
                } else {
                    document.name.clone()
                };
                ui.add(egui::Image::new((texture.id(), size * scale)).alt_text(alt));
                ui.add_space(8.0);
            }
            if drawn > 1 {
                back |= big(ui, tr(language, "citizen.back_to_message"));
            }
        });
        if back {
            self.close_document();
        }
        None
    }

    fn mail_ui(&mut self, ui: &mut egui::Ui, language: Language) -> Option<CitizenAction> {
        let mut action = None;
        if self.shown.is_some() {
            return self.document_ui(ui, language);
        }
        if let Some(opened) = &self.opened {
            match opened {
                Loadable::Loading => {
                    ui.label(tr(language, "citizen.mail_loading"));
                }
                Loadable::Failed(code) => failed(ui, language, code),
                Loadable::Loaded(message) => {
                    ui.label(egui::RichText::new(&message.subject).strong().size(28.0));
                    ui.label(format!("{} · {}", sender_of(message, true), local(message.sent_at)));
                    ui.add_space(8.0);
                    egui::ScrollArea::vertical().max_height(300.0).show(ui, |ui| {
                        ui.label(&message.body);
                    });
                    for (index, attachment) in message.attachments.iter().enumerate() {
                        ui.horizontal(|ui| {
                            ui.label(&attachment.name);
                            let printable = matches!(
                                domain::eaddress::attachment_media_type(&attachment.name),
                                Some("application/pdf" | "image/jpeg" | "image/png")
                            );
                            if printable
                                && ui
                                    .add(
                                        egui::Button::new(tr(language, "citizen.show"))
                                            .min_size(egui::vec2(120.0, 48.0)),
                                    )
                                    .clicked()
                            {
                                action =
                                    Some(CitizenAction::ShowAttachment(message.id, index, attachment.name.clone()));
                            }
                            if printable
                                && ui
                                    .add(
                                        egui::Button::new(tr(language, "citizen.print"))
                                            .min_size(egui::vec2(120.0, 48.0)),
                                    )
                                    .clicked()
                            {
                                action =
                                    Some(CitizenAction::PrintAttachment(message.id, index, attachment.name.clone()));
                            }
                        });
                    }
                }
            }
            if let Some(notice) = &self.notice {
                ui.label(notice);
            }
            if big(ui, tr(language, "citizen.back_to_inbox")) {
                action = Some(CitizenAction::CloseMessage);
            }
            return action;
        }
        if let Some(chosen) = self.mailbox_choice_ui(ui, language) {
            action = Some(chosen);
        }
        match &self.inbox {
            Loadable::Loading => {
                ui.label(tr(language, "citizen.mail_loading"));
            }
            Loadable::Failed(code) if code == "not_found" => {
                ui.label(tr(language, "citizen.mail_none"));
            }
            Loadable::Failed(code) => failed(ui, language, code),
            Loadable::Loaded(messages) if messages.is_empty() => {
                ui.label(tr(language, "citizen.mail_empty"));
            }
            Loadable::Loaded(messages) => {
                egui::ScrollArea::vertical().max_height(360.0).show(ui, |ui| {
                    for message in messages {
                        let unread = message.deliveries.iter().any(|d| d.state != "read");
                        let text = egui::RichText::new(format!(
                            "{} — {} · {}",
                            message.subject,
                            sender_of(message, false),
                            local(message.sent_at)
                        ));
                        let text = if unread { text.strong() } else { text };
                        if ui.add(egui::Button::new(text).min_size(egui::vec2(600.0, 56.0))).clicked() {
                            action = Some(CitizenAction::OpenMessage(message.id));
                        }
                    }
                });
            }
        }
        ui.add_space(8.0);
        if big(ui, tr(language, "citizen.accesses")) {
            action = Some(CitizenAction::ShowAccesses);
        }
        match &self.accesses {
            None => {}
            Some(Loadable::Loading) => {
                ui.label(tr(language, "citizen.mail_loading"));
            }
            Some(Loadable::Failed(code)) => failed(ui, language, code),
            Some(Loadable::Loaded(accesses)) => {
                egui::Grid::new("mailbox-accesses").striped(true).show(ui, |ui| {
                    let own = format!("person:{}", self.person.personal_code);
                    for access in accesses.iter().rev().take(30) {
                        ui.label(local(access.at));
                        ui.label(access_actor(language, access, &own));
                        ui.label(tr_or(language, &format!("access.{}", access.action), &access.action));
                        ui.label(match access.basis.as_str() {
                            "consent" | "delegation" | "operator" | "representative" => {
                                tr(language, &format!("access.basis.{}", access.basis))
                            }
                            _ => String::new(),
                        });
                        ui.end_row();
                    }
                });
            }
        }
        action
    }
}
