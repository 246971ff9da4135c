use domain::Language;

use crate::texts::{error_text, tr};

/// First run: the server address and the one-time code.
#[derive(Debug, Default)]
pub struct EnrollScreen {
    pub server_url: String,
    pub code: String,
    /// The error code of the last attempt, shown translated under the form.
    pub error: Option<String>,
    pub busy: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnrollAction {
    Submit { server_url: String, code: String },
}

impl EnrollScreen {
    pub fn ui(&mut self, ui: &mut egui::Ui, language: Language) -> Option<EnrollAction> {
        let mut action = None;
        ui.heading(tr(language, "enroll.title"));
        ui.label(tr(language, "enroll.intro"));
        ui.add_space(16.0);
        ui.add_enabled_ui(!self.busy, |ui| {
            let url_label = ui.label(tr(language, "enroll.server_url"));
            ui.add(egui::TextEdit::singleline(&mut self.server_url).desired_width(f32::INFINITY))
                .labelled_by(url_label.id);
            ui.add_space(8.0);
            let code_label = ui.label(tr(language, "enroll.code"));
            ui.add(egui::TextEdit::singleline(&mut self.code).desired_width(f32::INFINITY)).labelled_by(code_label.id);
            ui.add_space(16.0);
            let caption = if self.busy { tr(language, "enroll.submitting") } else { tr(language, "enroll.submit") };
            if ui.button(caption).clicked() {
                action = Some(EnrollAction::Submit {
                    server_url: self.server_url.trim().into(),
                    code: self.code.trim().into(),
                });
            }
        });
        if let Some(code) = &self.error {
            ui.add_space(8.0);
            ui.colored_label(ui.visuals().error_fg_color, error_text(language, code));
        }
        action
    }
}
