//! The citizen answers an institution's letter: writes the text on the on-screen keyboard, reads
//! the reply as the pages they will sign, and signs with their own card and PIN2 on the keypad
//! (or the reader's pad). Nothing of it stays when the session ends.

use device::session::PreparedReply;

use super::*;

/// The digits and punctuation a letter needs, above the letters.
const REPLY_KEY_ROWS: [&str; 6] = ["1234567890", "āčēģīķļņšūž", "qwertyuiop", "asdfghjkl", "zxcvbnm", ".,?!-:;()\"'/"];

/// A reply being written, read or signed.
#[derive(Clone)]
pub struct ReplyDraft {
    /// The letter answered: its id, subject and sender's name.
    pub letter: (uuid::Uuid, String, String),
    pub body: String,
    pub stage: ReplyStage,
    pin: zeroize::Zeroizing<String>,
    /// The keyboard's next letter is a capital.
    capital: bool,
    /// The pages shown at their drawn size (larger), not fitted.
    zoomed: bool,
    /// A line about the last failure (wrong PIN2, refused, no network), in the kiosk's language.
    pub problem: Option<String>,
    textures: Vec<egui::TextureHandle>,
}

#[derive(Clone)]
pub enum ReplyStage {
    Writing,
    /// The reply is being made into its PDF.
    Preparing,
    /// The citizen reads the pages they will sign; PIN2 below.
    Reading {
        prepared: Box<PreparedReply>,
        pages: Vec<egui::ColorImage>,
        pin_pad: bool,
        tries: Option<u8>,
    },
    Sending {
        prepared: Box<PreparedReply>,
        pages: Vec<egui::ColorImage>,
        pin_pad: bool,
        tries: Option<u8>,
    },
    Sent(String),
}

impl ReplyDraft {
    pub fn new(letter: (uuid::Uuid, String, String)) -> Self {
        Self {
            letter,
            body: String::new(),
            stage: ReplyStage::Writing,
            pin: Default::default(),
            // A letter starts with a capital.
            capital: true,
            zoomed: false,
            problem: None,
            textures: Vec::new(),
        }
    }
}

impl CitizenScreen {
    /// The reply's screen in place of the letter.
    pub(super) fn reply_ui(&mut self, ui: &mut egui::Ui, language: Language) -> Option<CitizenAction> {
        let Some(draft) = &mut self.replying else { return None };
        let mut action = None;
        let (_, subject, sender) = &draft.letter;
        ui.label(egui::RichText::new(tr(language, "reply.title")).strong().size(28.0));
        ui.label(tr(language, "reply.to").replace("{sender}", sender).replace("{subject}", subject));
        let sending = matches!(draft.stage, ReplyStage::Sending { .. });
        let reading = matches!(draft.stage, ReplyStage::Reading { .. } | ReplyStage::Sending { .. });
        let problem_line = |ui: &mut egui::Ui, problem: &Option<String>| {
            if let Some(problem) = problem {
                ui.colored_label(ui.visuals().error_fg_color, problem);
            }
        };
        // While reading, the problem shows beside the keypad (where the PIN was typed).
        if !reading {
            problem_line(ui, &draft.problem);
        }
        match &mut draft.stage {
            ReplyStage::Writing => {
                // The text and its buttons beside the keyboard: all in sight on the kiosk's screen.
                ui.horizontal_top(|ui| {
                    ui.vertical(|ui| {
                        ui.set_width(500.0);
                        let label = ui.label(tr(language, "reply.text"));
                        ui.add(egui::TextEdit::multiline(&mut draft.body).desired_rows(7).desired_width(490.0))
                            .labelled_by(label.id);
                        let ready = !draft.body.trim().is_empty();
                        if ui
                            .add_enabled(
                                ready,
                                egui::Button::new(tr(language, "reply.read_before_signing"))
                                    .min_size(egui::vec2(280.0, 56.0)),
                            )
                            .clicked()
                        {
                            action = Some(CitizenAction::PrepareReply);
                        }
                        if big(ui, tr(language, "reply.cancel")) {
                            action = Some(CitizenAction::CancelReply);
                        }
                    });
                    ui.vertical(|ui| {
                        ui.spacing_mut().item_spacing = egui::vec2(6.0, 6.0);
                        let mut kind = crate::screens::KeyboardKind { writing: Some(draft.capital), closable: false };
                        crate::screens::on_screen_keyboard(ui, language, &mut draft.body, &REPLY_KEY_ROWS, &mut kind);
                        draft.capital = kind.writing == Some(true);
                    });
                });
            }
            ReplyStage::Preparing => {
                ui.label(tr(language, "reply.preparing"));
            }
            ReplyStage::Reading { prepared, pages, pin_pad, tries }
            | ReplyStage::Sending { prepared, pages, pin_pad, tries } => {
                if draft.textures.is_empty() {
                    draft.textures = pages
                        .iter()
                        .enumerate()
                        .map(|(i, pixels)| {
                            ui.ctx().load_texture(format!("reply#{i}"), pixels.clone(), egui::TextureOptions::default())
                        })
                        .collect();
                }
                // The pages beside the keypad: both in sight on the kiosk's screen.
                ui.horizontal_top(|ui| {
                    ui.vertical(|ui| {
                        ui.set_width(ui.available_width() * 0.55);
                        ui.label(tr(language, "reply.read_it"));
                        // Larger for those who need it: the page at its drawn size, scrolled both ways.
                        let zoom = draft.zoomed;
                        egui::ScrollArea::both().max_height(280.0).show(ui, |ui| {
                            for (i, texture) in draft.textures.iter().enumerate() {
                                let size = texture.size_vec2();
                                let fit = ((ui.available_width() - 16.0) / size.x).min(1.0);
                                let scale = if zoom { 1.0 } else { fit };
                                let alt = tr(language, "reply.page")
                                    .replace("{page}", &(i + 1).to_string())
                                    .replace("{total}", &prepared.total.to_string());
                                ui.add(egui::Image::new((texture.id(), size * scale)).alt_text(alt));
                            }
                        });
                        ui.horizontal(|ui| {
                            let zoom_key = if draft.zoomed { "reply.zoom_out" } else { "reply.zoom_in" };
                            if ui
                                .add(egui::Button::new(tr(language, zoom_key)).min_size(egui::vec2(160.0, 56.0)))
                                .clicked()
                            {
                                draft.zoomed = !draft.zoomed;
                            }
                            if !sending && big(ui, tr(language, "reply.change")) {
                                action = Some(CitizenAction::ChangeReply);
                            }
                            if !sending && big(ui, tr(language, "reply.cancel")) {
                                action = Some(CitizenAction::CancelReply);
                            }
                        });
                    });
                    ui.vertical(|ui| {
                        // The line is kept when empty, so the keypad never moves under a finger.
                        match &draft.problem {
                            Some(_) => problem_line(ui, &draft.problem),
                            None => {
                                ui.label(" ");
                            }
                        }
                        if *tries == Some(0) {
                            ui.colored_label(ui.visuals().error_fg_color, tr(language, "reply.pin2_blocked"));
                        } else if *pin_pad {
                            ui.label(tr(language, if sending { "reply.pin_pad_waiting" } else { "reply.pin_pad" }));
                            if !sending && big(ui, tr(language, "reply.sign_on_pad")) {
                                action = Some(CitizenAction::SignReply(None));
                            }
                        } else {
                            ui.label(tr(language, "reply.enter_pin2"));
                            crate::screens::pin_dots(ui, language, draft.pin.len(), "reply.pin2_entered");
                            let key = egui::vec2(100.0, 56.0);
                            if crate::screens::pin_keypad(ui, language, "pin2-keypad", &mut draft.pin, !sending, 6, key)
                            {
                                action = Some(CitizenAction::SignReply(Some(std::mem::take(&mut draft.pin))));
                            }
                        }
                        if sending {
                            ui.label(tr(language, "reply.sending"));
                        }
                    });
                });
            }
            ReplyStage::Sent(subject) => {
                ui.label(egui::RichText::new(tr(language, "reply.sent").replace("{subject}", subject)).size(28.0));
                if big(ui, tr(language, "citizen.back_to_inbox")) {
                    action = Some(CitizenAction::CancelReply);
                }
            }
        }
        action
    }

    /// What a reply action shows at once, and what to ask for.
    pub(super) fn begin_reply(&mut self, action: CitizenAction, language: Language) -> Option<MailRequest> {
        match action {
            CitizenAction::StartReply(letter) => {
                self.replying = Some(ReplyDraft::new(letter));
                None
            }
            CitizenAction::CancelReply => {
                self.replying = None;
                None
            }
            CitizenAction::ChangeReply => {
                let draft = self.replying.as_mut()?;
                draft.stage = ReplyStage::Writing;
                draft.textures.clear();
                draft.problem = None;
                None
            }
            CitizenAction::PrepareReply => {
                let draft = self.replying.as_mut()?;
                draft.stage = ReplyStage::Preparing;
                draft.problem = None;
                Some(MailRequest::PrepareReply { id: draft.letter.0, body: draft.body.clone(), language })
            }
            CitizenAction::SignReply(pin) => {
                let draft = self.replying.as_mut()?;
                let ReplyStage::Reading { prepared, pages, pin_pad, tries } =
                    std::mem::replace(&mut draft.stage, ReplyStage::Preparing)
                else {
                    return None;
                };
                draft.problem = None;
                draft.stage = ReplyStage::Sending { prepared: prepared.clone(), pages, pin_pad, tries };
                Some(MailRequest::SendReply { prepared, pin })
            }
            _ => None,
        }
    }

    /// A reply made (to read), or sent (or not).
    pub(super) fn reply_answered(&mut self, answer: ReplyAnswer, language: Language) {
        let Some(draft) = self.replying.as_mut() else { return };
        match answer {
            ReplyAnswer::Prepared(Ok((prepared, pages, pin_pad, tries))) => {
                draft.textures.clear();
                draft.stage = ReplyStage::Reading { prepared: Box::new(prepared), pages, pin_pad, tries };
            }
            ReplyAnswer::Prepared(Err(error)) => {
                draft.stage = ReplyStage::Writing;
                draft.problem = Some(error_text(language, &error.code));
            }
            ReplyAnswer::Sent(Ok(message)) => draft.stage = ReplyStage::Sent(message.subject),
            ReplyAnswer::Sent(Err((error, tries_now))) => {
                let ReplyStage::Sending { prepared, pages, pin_pad, tries } =
                    std::mem::replace(&mut draft.stage, ReplyStage::Preparing)
                else {
                    return;
                };
                let tries = tries_now.or(tries);
                draft.problem = Some(match (error.code.name().as_str(), tries) {
                    ("wrong_pin" | "pin_blocked", Some(0)) => tr(language, "reply.pin2_blocked"),
                    ("wrong_pin", Some(left)) => crate::texts::tr_count(language, "reply.wrong_pin2", u64::from(left)),
                    (code, _) => error_text(language, code),
                });
                draft.stage = ReplyStage::Reading { prepared, pages, pin_pad, tries };
            }
        }
    }
}

/// What the server and the card answered about a reply.
pub enum ReplyAnswer {
    /// The reply as its pages, whether the reader has a PIN pad, and PIN2 tries left.
    Prepared(Result<(PreparedReply, Vec<egui::ColorImage>, bool, Option<u8>), SessionError>),
    /// Sent; or why not, with PIN2 tries left as the card says now.
    Sent(Result<protocol::MessageDto, (SessionError, Option<u8>)>),
}
