use device::login::CardView;
use domain::Language;

use crate::texts::{error_text, tr};

/// A citizen's card login: the card's state, and the PIN typed on a large on-screen keypad (a
/// kiosk has no keyboard). The PIN stays in this screen until submitted, then it is wiped.
#[derive(Debug, Default)]
pub struct LoginScreen {
    pin: zeroize::Zeroizing<String>,
    pub card: Option<CardView>,
    pub busy: bool,
    /// The last failure's code and, after a wrong PIN, the tries left.
    pub error: Option<(String, Option<u8>)>,
    /// A training kiosk: without a card, the keypad takes the personal code from the
    /// workshop handout, and that training card goes in.
    pub training: bool,
    /// The training person's code typed so far (digits only).
    pub training_code: zeroize::Zeroizing<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginAction {
    Submit(zeroize::Zeroizing<String>),
    /// The reader has its own PIN pad: the citizen types PIN1 there.
    UsePinPad,
    /// A training kiosk: put in the training card of this personal code.
    TrainingCard(String),
    Cancel,
}

impl LoginScreen {
    /// A new login; `training` at a training kiosk (the training card by its code).
    pub fn new(training: bool) -> Self {
        Self { training, ..Self::default() }
    }

    pub fn pin_length(&self) -> usize {
        self.pin.len()
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, language: Language) -> Option<LoginAction> {
        let mut action = None;
        ui.heading(tr(language, "login.title"));
        ui.add_space(8.0);
        let card_ready = self.card.as_ref().is_some_and(|c| c.status == "card");
        // A training kiosk without a card asks for the handout's code on the keypad instead.
        let asks_for_code = self.training && !card_ready;
        // Who and what to do beside the keypad: both in sight at every text size.
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(520.0);
                // A training kiosk without a card asks for the handout's code instead: the picture
                // makes room for it, so "Cancel" stays on the first screen at 1280×800.
                if !asks_for_code {
                    super::widgets::card_reader_picture(ui, card_ready);
                }
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
                if asks_for_code {
                    ui.add_space(12.0);
                    ui.label(egui::RichText::new(tr(language, "login.training.title")).strong().size(28.0));
                    ui.label(tr(language, "login.training.hint"));
                    let shown = training_code_shown(&self.training_code);
                    let said = format!("{}: {}", tr(language, "login.training.code"), self.training_code.as_str());
                    ui.add(egui::Label::new(egui::RichText::new(shown).size(40.0).monospace()))
                        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &said));
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
                } else if !asks_for_code {
                    super::pin_dots(ui, language, self.pin.len(), "login.pin_entered");
                }
                self.error_line(ui, language);
                if self.busy {
                    ui.label(tr(language, "login.checking_pin"));
                }
                ui.add_space(16.0);
                if super::widgets::icon_button(ui, "⬅", &tr(language, "login.cancel")).clicked() {
                    self.pin = Default::default();
                    action = Some(LoginAction::Cancel);
                }
            });
            let pin_pad = self.card.as_ref().and_then(|c| c.card.as_ref()).is_some_and(|c| c.pin_pad);
            if asks_for_code {
                ui.vertical(|ui| {
                    let key = egui::vec2(110.0, 80.0);
                    let code = &mut self.training_code;
                    if super::pin_keypad(
                        ui,
                        language,
                        "training-code-keypad",
                        code,
                        !self.busy,
                        TRAINING_CODE_DIGITS,
                        key,
                    ) {
                        let digits = std::mem::take(&mut *self.training_code);
                        action = Some(LoginAction::TrainingCard(format!("{}-{}", &digits[..6], &digits[6..])));
                        self.busy = true;
                        self.error = None;
                    }
                    self.training_code.truncate(TRAINING_CODE_DIGITS);
                });
            } else if !(pin_pad && card_ready) {
                ui.vertical(|ui| {
                    let enabled = card_ready && !self.busy;
                    let key = egui::vec2(110.0, 80.0);
                    if super::pin_keypad(ui, language, "pin-keypad", &mut self.pin, enabled, 4, key) {
                        action = Some(LoginAction::Submit(std::mem::take(&mut self.pin)));
                        self.busy = true;
                        self.error = None;
                    }
                });
            }
        });
        action
    }
}

/// A personal code's digits (`DDMMYY` and five more).
const TRAINING_CODE_DIGITS: usize = 11;

/// The code typed so far in its printed shape, the rest as blanks: `070339-21___`.
fn training_code_shown(digits: &str) -> String {
    let mut shown: String = digits.chars().chain(std::iter::repeat('_')).take(TRAINING_CODE_DIGITS).collect();
    shown.insert(6, '-');
    shown
}

impl LoginScreen {
    fn error_line(&self, ui: &mut egui::Ui, language: Language) {
        if let Some((code, tries)) = &self.error {
            let text = match (code.as_str(), tries) {
                ("wrong_pin", Some(left)) => crate::texts::tr_count(language, "login.wrong_pin", u64::from(*left)),
                _ => error_text(language, code),
            };
            ui.colored_label(ui.visuals().error_fg_color, text);
        }
    }
}
