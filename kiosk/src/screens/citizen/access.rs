//! Who may read the mailbox: delegations in force, given on a keypad and ended.

use super::*;

impl CitizenScreen {
    pub(super) fn access_ui(
        &mut self,
        ui: &mut egui::Ui,
        language: Language,
        today: chrono::NaiveDate,
    ) -> Option<CitizenAction> {
        let mut action = self.mailbox_choice_ui(ui, language);
        // Side by side, so all of it and the way out fit the kiosk's 1280×800 screen.
        // (Columns lay out justified: plain left-aligned text inside.)
        let plain = egui::Layout::top_down(egui::Align::Min);
        ui.columns(2, |columns| {
            columns[0].with_layout(plain, |ui| self.delegations_ui(ui, language, &mut action));
            columns[1].with_layout(plain, |ui| self.give_ui(ui, language, today, &mut action));
        });
        action
    }

    /// Who may read the mailbox, each with an End button.
    pub(super) fn delegations_ui(&mut self, ui: &mut egui::Ui, language: Language, action: &mut Option<CitizenAction>) {
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
                        // By name where their e-address names them, the code under it (one column).
                        ui.vertical(|ui| {
                            if !delegation.delegate_name.is_empty() {
                                ui.label(egui::RichText::new(&delegation.delegate_name).strong());
                            }
                            ui.label(egui::RichText::new(formatted_code(&delegation.delegate)).monospace().size(22.0));
                        });
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
    pub(super) fn give_ui(
        &mut self,
        ui: &mut egui::Ui,
        language: Language,
        today: chrono::NaiveDate,
        action: &mut Option<CitizenAction>,
    ) {
        let give = if self.chosen_company().is_some() { "delegation.give_company" } else { "delegation.give" };
        ui.label(egui::RichText::new(tr(language, give)).strong().size(22.0));
        let typed = if self.delegate_code.is_empty() { "—".to_owned() } else { formatted_code(&self.delegate_code) };
        ui.horizontal(|ui| {
            ui.label(tr(language, "delegation.code"));
            ui.label(egui::RichText::new(typed).size(28.0).monospace());
        });
        if self.confirming {
            let ends_on = months_ahead(today, self.delegate_months);
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
}
