//! The citizen's mailbox (or a company's they represent): the inbox and one message.

use super::*;

impl CitizenScreen {
    /// Who may read the mailbox (each with an End button), and giving someone that right:
    /// their personal code on the keypad, for 1, 6 or 12 months, confirmed in words first.
    /// The chosen company's mailbox, when the person reads one they represent.
    pub(super) fn chosen_company(&self) -> Option<&protocol::MailboxDto> {
        let chosen = self.chosen.as_deref()?;
        self.mailboxes.iter().find(|m| m.address == chosen && m.kind == "legal")
    }

    /// Their own mailbox or a company's they represent (shown only when there is a choice).
    pub(super) fn mailbox_choice_ui(&self, ui: &mut egui::Ui, language: Language) -> Option<CitizenAction> {
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

    pub(super) fn mail_ui(&mut self, ui: &mut egui::Ui, language: Language) -> Option<CitizenAction> {
        let mut action = None;
        if self.shown.is_some() {
            return self.document_ui(ui, language);
        }
        if self.replying.is_some() {
            return self.reply_ui(ui, language);
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
            // An institution's letter in their own mailbox can be answered, signed with PIN2.
            if let Some(Loadable::Loaded(message)) = &self.opened
                && self.chosen.is_none()
                && !message.sender.starts_with("_PRIVATE@")
                && big(ui, tr(language, "reply.start"))
            {
                let sender =
                    if message.sender_name.is_empty() { message.sender.clone() } else { message.sender_name.clone() };
                action = Some(CitizenAction::StartReply((message.id, message.subject.clone(), sender)));
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
                        let text = if unread {
                            // Said in words too, not only in bold: a screen reader reads it.
                            egui::RichText::new(format!("{} · {}", tr(language, "citizen.unread"), text.text()))
                                .strong()
                        } else {
                            text
                        };
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
                        // Their own doings in the second person ("Jūs skatījāt", not "Jūs skatīja").
                        let said = tr_or(language, &format!("access.{}", access.action), &access.action);
                        ui.label(if access.actor == own {
                            tr_or(language, &format!("access.own.{}", access.action), &said)
                        } else {
                            said
                        });
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
