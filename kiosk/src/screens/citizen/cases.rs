//! The citizen's cases, as the server has them.

use super::*;

impl CitizenScreen {
    pub(super) fn cases_ui(&self, ui: &mut egui::Ui, language: Language) {
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
}
