//! One struct per screen; `ui()` draws and returns what the user asked for, and never performs
//! it: effects run in [`crate::KioskApp::run_effects`].

mod citizen;
mod enroll;
mod home;
mod login;

pub use citizen::{
    CitizenAction, CitizenCases, CitizenScreen, CitizenStart, CitizenView, Loadable, MailAnswer, MailRequest,
    ShownDocument, months_ahead,
};
pub use enroll::{EnrollAction, EnrollScreen};
pub use home::{HomeAction, HomeScreen};
pub use login::{LoginAction, LoginScreen};

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
