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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginAction {
    Submit(zeroize::Zeroizing<String>),
    /// The reader has its own PIN pad: the citizen types PIN1 there.
    UsePinPad,
    Cancel,
}

impl LoginScreen {
    pub fn pin_length(&self) -> usize {
        self.pin.len()
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, language: Language) -> Option<LoginAction> {
        let mut action = None;
        ui.heading(tr(language, "login.title"));
        ui.add_space(8.0);
        let card_ready = self.card.as_ref().is_some_and(|c| c.status == "card");
        // Who and what to do beside the keypad: both in sight at every text size.
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(520.0);
                super::widgets::card_reader_picture(ui, card_ready);
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
                } else {
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
            if !(pin_pad && card_ready) {
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
