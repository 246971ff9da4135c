//! One struct per screen; `ui()` draws and returns what the user asked for, and never performs
//! it: effects run in [`crate::KioskApp::run_effects`].

mod citizen;
mod enroll;
mod home;
mod login;
mod navigator;
mod widgets;

pub use citizen::{
    CitizenAction, CitizenCases, CitizenScreen, CitizenStart, CitizenView, FormAnswer, HeldTap, Loadable, MailAnswer,
    MailRequest, OwnFormDraft, OwnFormStage, ReadyToSign, ReplyAnswer, ReplyDraft, ReplyStage, ShownDocument,
    months_ahead,
};
pub use enroll::{EnrollAction, EnrollScreen};
pub use home::{HomeAction, HomeScreen, SearchResult};
pub use login::{LoginAction, LoginScreen};
pub use navigator::NavigatorView;

use domain::Language;

use crate::texts::tr;

/// The language buttons at the top of every screen.
pub fn language_bar(ui: &mut egui::Ui, current: Language) -> Option<Language> {
    let mut chosen = None;
    ui.horizontal(|ui| {
        for language in Language::ALL {
            let label = tr(language, &format!("language.{}", language.code()));
            if ui.add(egui::Button::selectable(current == language, label)).clicked() && current != language {
                chosen = Some(language);
            }
        }
    });
    chosen
}

/// The text size steps ("A", "A", "A" in growing sizes) and high contrast, on every screen.
pub fn display_bar(ui: &mut egui::Ui, language: Language, current: crate::Display) -> Option<crate::Display> {
    let mut chosen = None;
    // Right to left: contrast first, then the largest size.
    let contrast = egui::Button::selectable(current.high_contrast, tr(language, "display.contrast"));
    if ui.add(contrast).clicked() {
        chosen = Some(crate::Display { high_contrast: !current.high_contrast, ..current });
    }
    for size in (0..3u8).rev() {
        let text = egui::RichText::new("A").size(20.0 + 8.0 * f32::from(size));
        let name = tr(language, &format!("display.size_{size}"));
        let response = ui.add(egui::Button::selectable(current.size == size, text));
        let response = response.on_hover_text(&name);
        response.widget_info(|| egui::WidgetInfo::selected(egui::Role::Button, true, current.size == size, &name));
        if response.clicked() {
            chosen = Some(crate::Display { size, ..current });
        }
    }
    chosen
}

/// What an on-screen keyboard offers besides its keys.
pub(crate) struct KeyboardKind {
    /// A new-line key (letters), and a shift key whose state lives in `shift` (one capital).
    pub writing: Option<bool>,
    /// A key that closes the keyboard.
    pub closable: bool,
}

/// An on-screen keyboard over `text` (a kiosk has no physical keyboard): `rows` of keys, then
/// space, backspace, clear, and what `kind` adds. Answers whether close was pressed.
pub(crate) fn on_screen_keyboard(
    ui: &mut egui::Ui,
    language: Language,
    text: &mut String,
    rows: &[&str],
    kind: &mut KeyboardKind,
) -> bool {
    let mut close = false;
    let capital = kind.writing == Some(true);
    for row in rows {
        ui.horizontal(|ui| {
            for key in row.chars() {
                let shown: String = if capital { key.to_uppercase().collect() } else { key.to_string() };
                if ui.button(&shown).clicked() {
                    text.push_str(&shown);
                    if let Some(shift) = &mut kind.writing {
                        // A sentence starts with a capital; a letter is written in small ones.
                        *shift = matches!(key, '.' | '?' | '!') || (*shift && !key.is_alphabetic());
                    }
                }
            }
        });
    }
    ui.horizontal(|ui| {
        if let Some(shift) = &mut kind.writing
            && ui.add(egui::Button::new(tr(language, "keyboard.capital")).selected(*shift)).clicked()
        {
            *shift = !*shift;
        }
        if ui.button(tr(language, "keyboard.space")).clicked() {
            text.push(' ');
        }
        if kind.writing.is_some() && ui.button(tr(language, "keyboard.new_line")).clicked() {
            text.push('\n');
        }
        if ui.button(tr(language, "keyboard.backspace")).clicked() {
            text.pop();
        }
        if ui.button(tr(language, "keyboard.clear")).clicked() {
            text.clear();
        }
        close = kind.closable && ui.button(tr(language, "keyboard.close")).clicked();
    });
    close
}

/// A large on-screen keypad for a PIN (`id`: the grid's own id; keys of size `key`): digits,
/// erase and confirm, which is enabled from `min_length` digits. Answers whether confirm was pressed.
pub(crate) fn pin_keypad(
    ui: &mut egui::Ui,
    language: Language,
    id: &str,
    pin: &mut zeroize::Zeroizing<String>,
    enabled: bool,
    min_length: usize,
    key: egui::Vec2,
) -> bool {
    const PIN_MAX: usize = 12;
    let mut confirmed = false;
    let digit = |ui: &mut egui::Ui, d: &str, pin: &mut zeroize::Zeroizing<String>| {
        let button = egui::Button::new(egui::RichText::new(d).size(36.0)).min_size(key);
        if ui.add_enabled(enabled, button).clicked() && pin.len() < PIN_MAX {
            pin.push_str(d);
        }
    };
    egui::Grid::new(id).spacing(egui::vec2(12.0, 8.0)).show(ui, |ui| {
        for row in [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"]] {
            for d in row {
                digit(ui, d, pin);
            }
            ui.end_row();
        }
        let erase = egui::Button::new(egui::RichText::new(tr(language, "login.erase")).size(24.0)).min_size(key);
        if ui.add_enabled(enabled, erase).clicked() {
            pin.pop();
        }
        digit(ui, "0", pin);
        let ok = egui::Button::new(egui::RichText::new(tr(language, "login.submit")).size(24.0)).min_size(key);
        confirmed = ui.add_enabled(enabled && pin.len() >= min_length, ok).clicked();
        ui.end_row();
    });
    confirmed
}

/// The PIN typed so far, as dots (read out as `entered_key`'s "N digits entered").
pub(crate) fn pin_dots(ui: &mut egui::Ui, language: Language, length: usize, entered_key: &str) {
    let dots = "●".repeat(length);
    let entered = crate::texts::tr_count(language, entered_key, length as u64);
    let shown = if dots.is_empty() { "—".to_owned() } else { dots };
    ui.add(egui::Label::new(egui::RichText::new(shown).size(40.0).monospace()))
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &entered));
}
