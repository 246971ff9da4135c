//! The citizen answers an institution's letter: writes the text on the on-screen keyboard, reads
//! the reply as the pages they will sign, and signs with their own card and PIN2 on the keypad
//! (or the reader's pad). Nothing of it stays when the session ends.

use device::session::PreparedReply;

use super::signing::{SignEvent, SignPanel, SignTexts, read_and_sign, sign_problem};
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
        // While reading, the problem shows beside the keypad (where the PIN was typed).
        if !reading && let Some(problem) = &draft.problem {
            ui.colored_label(ui.visuals().error_fg_color, problem);
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
                let texts = SignTexts {
                    read_it: "reply.read_it",
                    page: "reply.page",
                    change: "reply.change",
                    cancel: "reply.cancel",
                };
                let panel = SignPanel {
                    id: "reply",
                    pages,
                    total: prepared.total,
                    textures: &mut draft.textures,
                    zoomed: &mut draft.zoomed,
                    pin: &mut draft.pin,
                    pin_pad: *pin_pad,
                    tries: *tries,
                    sending,
                    problem: &draft.problem,
                };
                action = match read_and_sign(ui, language, &texts, panel) {
                    Some(SignEvent::Change) => Some(CitizenAction::ChangeReply),
                    Some(SignEvent::Cancel) => Some(CitizenAction::CancelReply),
                    Some(SignEvent::Sign(pin)) => Some(CitizenAction::SignReply(pin)),
                    None => action,
                };
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
                draft.problem = Some(sign_problem(language, &error, tries));
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
