//! Reading a document as the pages one will sign, beside the PIN2 keypad (or the reader's pad):
//! what a signed reply and a citizen's own application both end with.

use super::*;

/// What the citizen did on the signing panel.
pub(super) enum SignEvent {
    /// Back to change what was written.
    Change,
    Cancel,
    /// Sign with PIN2 as typed on the keypad (`None`: on the reader's own pad).
    Sign(Option<zeroize::Zeroizing<String>>),
}

/// The texts that differ between what is signed (translation keys).
pub(super) struct SignTexts {
    pub read_it: &'static str,
    /// With `{page}` and `{total}`: a page's alternative text.
    pub page: &'static str,
    pub change: &'static str,
    pub cancel: &'static str,
}

/// The document's state on the panel.
pub(super) struct SignPanel<'a> {
    /// Names the textures (one document at a time on screen).
    pub id: &'static str,
    pub pages: &'a [egui::ColorImage],
    pub total: u32,
    pub textures: &'a mut Vec<egui::TextureHandle>,
    pub zoomed: &'a mut bool,
    pub pin: &'a mut zeroize::Zeroizing<String>,
    pub pin_pad: bool,
    pub tries: Option<u8>,
    pub sending: bool,
    pub problem: &'a Option<String>,
}

/// The pages beside the keypad: both in sight on the kiosk's screen.
pub(super) fn read_and_sign(
    ui: &mut egui::Ui,
    language: Language,
    texts: &SignTexts,
    panel: SignPanel<'_>,
) -> Option<SignEvent> {
    let mut event = None;
    let SignPanel { id, pages, total, textures, zoomed, pin, pin_pad, tries, sending, problem } = panel;
    if textures.is_empty() {
        *textures = pages
            .iter()
            .enumerate()
            .map(|(i, pixels)| {
                ui.ctx().load_texture(format!("{id}#{i}"), pixels.clone(), egui::TextureOptions::default())
            })
            .collect();
    }
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.set_width(ui.available_width() * 0.55);
            ui.label(tr(language, texts.read_it));
            // Larger for those who need it: the page at its drawn size, scrolled both ways.
            let zoom = *zoomed;
            egui::ScrollArea::both().max_height(280.0).show(ui, |ui| {
                for (i, texture) in textures.iter().enumerate() {
                    let size = texture.size_vec2();
                    let fit = ((ui.available_width() - 16.0) / size.x).min(1.0);
                    let scale = if zoom { 1.0 } else { fit };
                    let alt = tr(language, texts.page)
                        .replace("{page}", &(i + 1).to_string())
                        .replace("{total}", &total.to_string());
                    ui.add(egui::Image::new((texture.id(), size * scale)).alt_text(alt));
                }
            });
            ui.horizontal(|ui| {
                let zoom_key = if *zoomed { "reply.zoom_out" } else { "reply.zoom_in" };
                if ui.add(egui::Button::new(tr(language, zoom_key)).min_size(egui::vec2(160.0, 56.0))).clicked() {
                    *zoomed = !*zoomed;
                }
                if !sending && big(ui, tr(language, texts.change)) {
                    event = Some(SignEvent::Change);
                }
                if !sending && big(ui, tr(language, texts.cancel)) {
                    event = Some(SignEvent::Cancel);
                }
            });
        });
        ui.vertical(|ui| {
            // The line is kept when empty, so the keypad never moves under a finger.
            match problem {
                Some(problem) => {
                    ui.colored_label(ui.visuals().error_fg_color, problem);
                }
                None => {
                    ui.label(" ");
                }
            }
            if tries == Some(0) {
                ui.colored_label(ui.visuals().error_fg_color, tr(language, "reply.pin2_blocked"));
            } else if pin_pad {
                ui.label(tr(language, if sending { "reply.pin_pad_waiting" } else { "reply.pin_pad" }));
                if !sending && big(ui, tr(language, "reply.sign_on_pad")) {
                    event = Some(SignEvent::Sign(None));
                }
            } else {
                ui.label(tr(language, "reply.enter_pin2"));
                crate::screens::pin_dots(ui, language, pin.len(), "reply.pin2_entered");
                let key = egui::vec2(100.0, 56.0);
                if crate::screens::pin_keypad(ui, language, "pin2-keypad", pin, !sending, 6, key) {
                    event = Some(SignEvent::Sign(Some(std::mem::take(pin))));
                }
            }
            if sending {
                ui.label(tr(language, "reply.sending"));
            }
        });
    });
    event
}

/// What a refused signature says: PIN2 tries left as the card says now, or the error's words.
pub(super) fn sign_problem(language: Language, error: &SessionError, tries: Option<u8>) -> String {
    match (error.code.name().as_str(), tries) {
        ("wrong_pin" | "pin_blocked", Some(0)) => tr(language, "reply.pin2_blocked"),
        ("wrong_pin", Some(left)) => crate::texts::tr_count(language, "reply.wrong_pin2", u64::from(left)),
        (code, _) => error_text(language, code),
    }
}
