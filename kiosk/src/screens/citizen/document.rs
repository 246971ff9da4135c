//! An attachment shown on screen: a picture, or a PDF's first pages.

use super::*;

/// An attachment ready for the screen: its pages' pixels.
#[derive(Clone)]
pub struct ShownDocument {
    pub name: String,
    pub pages: Vec<egui::ColorImage>,
    /// How many pages the document has (more than `pages` when only the first are drawn).
    pub total: u32,
}

impl CitizenScreen {
    /// Shows an attachment in place of the message    /// Shows an attachment in place of the message (its textures are made when first drawn).
    pub fn show(&mut self, document: ShownDocument) {
        self.textures.clear();
        self.shown = Some(document);
    }

    /// Back from an attachment to its message; its pixels go.
    pub fn close_document(&mut self) {
        self.textures.clear();
        self.shown = None;
    }

    /// An attachment on screen: its pages one under the other, what is not drawn said.
    pub(super) fn document_ui(&mut self, ui: &mut egui::Ui, language: Language) -> Option<CitizenAction> {
        let Some(document) = &self.shown else { return None };
        if self.textures.is_empty() {
            self.textures = document
                .pages
                .iter()
                .enumerate()
                .map(|(i, pixels)| {
                    ui.ctx().load_texture(
                        format!("{}#{i}", document.name),
                        pixels.clone(),
                        egui::TextureOptions::default(),
                    )
                })
                .collect();
        }
        ui.label(egui::RichText::new(&document.name).strong().size(24.0));
        let drawn = document.pages.len();
        if document.total as usize > drawn {
            ui.label(
                tr(language, "citizen.pages_cut")
                    .replace("{shown}", &drawn.to_string())
                    .replace("{total}", &document.total.to_string()),
            );
        }
        let mut back = big(ui, tr(language, "citizen.back_to_message"));
        egui::ScrollArea::vertical().max_height((ui.available_height() - 8.0).max(200.0)).show(ui, |ui| {
            for (i, texture) in self.textures.iter().enumerate() {
                let size = texture.size_vec2();
                let scale = ((ui.available_width() - 16.0) / size.x).min(1.0);
                let alt = if drawn > 1 {
                    tr(language, "citizen.page")
                        .replace("{page}", &(i + 1).to_string())
                        .replace("{name}", &document.name)
                } else {
                    document.name.clone()
                };
                ui.add(egui::Image::new((texture.id(), size * scale)).alt_text(alt));
                ui.add_space(8.0);
            }
            if drawn > 1 {
                back |= big(ui, tr(language, "citizen.back_to_message"));
            }
        });
        if back {
            self.close_document();
        }
        None
    }
}
