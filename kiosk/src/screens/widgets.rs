//! The kiosk's own widgets: large tiles with an icon for the main tasks and the life situations,
//! a grid that lays them out for the text size in force, a back button, and the picture of a
//! card reader that shows whether the card is in.
//!
//! Icons are glyphs of the emoji font egui ships (monochrome, so they take the theme's colours);
//! a screen reader hears a tile's title as its name and the line below as its description.

use domain::Language;
use egui::{Align2, FontId, Rect, Response, Sense, Stroke, StrokeKind, TextStyle, Ui, pos2, vec2};

use crate::{Palette, texts::tr};

/// The icon of a life or business situation, from the last part of its identifier; a clipboard
/// for situations published later that the kiosk has no picture for.
pub(crate) fn situation_icon(id: &str) -> &'static str {
    match id.rsplit('/').next().unwrap_or_default() {
        "birth" => "👶",
        "school" => "🎒",
        "job" => "💼",
        "moving" => "🏠",
        "pets" => "🐕",
        "property" => "🔑",
        "taxes" => "💶",
        "retirement" => "👴",
        "documents" => "🛂",
        "car" => "🚗",
        "death" => "🕯",
        "health" => "🏥",
        "trade" => "🏪",
        "start" => "🏢",
        _ => "📋",
    }
}

/// How a tile is filled: the one primary action on a screen stands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TileKind {
    Plain,
    Primary,
}

/// A large tile of `width`: an icon on a disc, a title and an optional line below it.
pub(crate) fn tile(ui: &mut Ui, icon: &str, title: &str, detail: Option<&str>, width: f32, kind: TileKind) -> Response {
    let palette = Palette::of(ui.visuals());
    let (fill, text) = match kind {
        TileKind::Plain => (palette.tile, palette.tile_text),
        TileKind::Primary => (palette.accent, palette.on_accent),
    };
    let padding = 16.0;
    let title_font = TextStyle::Button.resolve(ui.style());
    let detail_font = TextStyle::Body.resolve(ui.style());
    let disc = title_font.size * 2.2;
    let text_width = (width - 3.0 * padding - disc).max(40.0);
    let painter = ui.painter();
    let title_galley = painter.layout(title.to_owned(), title_font.clone(), text, text_width);
    let detail_galley = detail.map(|d| painter.layout(d.to_owned(), detail_font, text, text_width));
    let text_height = title_galley.size().y + detail_galley.as_ref().map_or(0.0, |g| g.size().y + 4.0);
    let height = text_height.max(disc) + 2.0 * padding;
    let (rect, response) = ui.allocate_exact_size(vec2(width, height), Sense::click());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, ui.is_enabled(), title));
    if let Some(detail) = detail {
        ui.ctx().accesskit_node_builder(response.id, |node| node.set_description(detail));
    }
    if ui.is_rect_visible(rect) {
        let highlighted = response.hovered() || response.has_focus() || response.is_pointer_button_down_on();
        let edge = if highlighted {
            Stroke::new(4.0, palette.tile_focus)
        } else if kind == TileKind::Primary {
            Stroke::new(2.0, palette.accent)
        } else {
            Stroke::new(2.0, palette.tile_edge)
        };
        let painter = ui.painter();
        painter.rect(rect, 14.0, fill, edge, StrokeKind::Inside);
        let centre = pos2(rect.left() + padding + disc / 2.0, rect.center().y);
        let disc_fill = if kind == TileKind::Primary { palette.accent } else { palette.icon_disc };
        painter.circle(centre, disc / 2.0, disc_fill, Stroke::new(1.5, text));
        painter.text(centre, Align2::CENTER_CENTER, icon, FontId::proportional(disc * 0.55), text);
        let left = rect.left() + 2.0 * padding + disc;
        let top = rect.center().y - text_height / 2.0;
        let title_height = title_galley.size().y;
        painter.galley(pos2(left, top), title_galley, text);
        if let Some(galley) = detail_galley {
            painter.galley(pos2(left, top + title_height + 4.0), galley, text);
        }
    }
    response
}

/// The one action a screen leads to (go on, sign): filled with the accent colour.
pub(crate) fn primary_button(ui: &mut Ui, text: &str) -> Response {
    let palette = Palette::of(ui.visuals());
    let label = egui::RichText::new(text).color(palette.on_accent);
    ui.add(egui::Button::new(label).fill(palette.accent).min_size(vec2(240.0, 56.0)))
}

/// An icon beside a text that already says it all: painted only, so a screen reader skips it.
pub(crate) fn decoration(ui: &mut Ui, glyph: &str, size: f32) {
    let (rect, _) = ui.allocate_exact_size(vec2(size * 1.2, size * 1.2), Sense::hover());
    let colour = ui.visuals().text_color();
    ui.painter().text(rect.center(), Align2::CENTER_CENTER, glyph, FontId::proportional(size), colour);
}

/// How many tiles side by side: as many of at least `min_width` (scaled with the text) as fit.
pub(crate) fn columns_for(ui: &Ui, min_width: f32) -> usize {
    let scale = TextStyle::Button.resolve(ui.style()).size / 24.0;
    ((ui.available_width() / (min_width * scale)).floor() as usize).clamp(1, 4)
}

/// Tiles in rows of `columns`, each as wide as the rest; answers the index of the one pressed.
pub(crate) fn tile_grid<'a>(
    ui: &mut Ui,
    columns: usize,
    tiles: impl IntoIterator<Item = (&'a str, &'a str, Option<&'a str>)>,
) -> Option<usize> {
    let gap = ui.spacing().item_spacing.x;
    let width = (ui.available_width() - gap * (columns as f32 - 1.0)) / columns as f32;
    let tiles: Vec<_> = tiles.into_iter().collect();
    let mut pressed = None;
    for (row, chunk) in tiles.chunks(columns).enumerate() {
        ui.horizontal_top(|ui| {
            for (column, (icon, title, detail)) in chunk.iter().enumerate() {
                if tile(ui, icon, title, *detail, width, TileKind::Plain).clicked() {
                    pressed = Some(row * columns + column);
                }
            }
        });
    }
    pressed
}

/// A button with an icon before its text, heard by a screen reader as just the text.
pub(crate) fn icon_button(ui: &mut Ui, icon: &str, text: &str) -> Response {
    let response = ui.button(format!("{icon}  {text}"));
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, ui.is_enabled(), text));
    response
}

/// A tab: a button with an icon that stays lit while its view is shown; heard as its text, and as
/// chosen or not.
pub(crate) fn icon_tab(ui: &mut Ui, icon: &str, text: &str, selected: bool) -> Response {
    let button = egui::Button::new(format!("{icon}  {text}")).selected(selected).min_size(vec2(200.0, 56.0));
    let response = ui.add(button);
    response.widget_info(|| egui::WidgetInfo::selected(egui::Role::Button, ui.is_enabled(), selected, text));
    response
}

/// "⬅ Back".
pub(crate) fn back_button(ui: &mut Ui, language: Language) -> bool {
    icon_button(ui, "⬅", &tr(language, "catalogue.back")).clicked()
}

/// A card reader with its slot, and the card half in it when `inserted`, else waiting above it
/// with an arrow: what to do, shown as well as said.
pub(crate) fn card_reader_picture(ui: &mut Ui, inserted: bool) {
    let palette = Palette::of(ui.visuals());
    let text = ui.visuals().text_color();
    let (rect, _) = ui.allocate_exact_size(vec2(220.0, 190.0), Sense::hover());
    let painter = ui.painter();
    let reader = Rect::from_min_size(pos2(rect.left() + 20.0, rect.bottom() - 70.0), vec2(180.0, 60.0));
    painter.rect(reader, 10.0, palette.tile, Stroke::new(3.0, text), StrokeKind::Inside);
    let slot = Rect::from_center_size(pos2(reader.center().x, reader.top() + 14.0), vec2(130.0, 8.0));
    painter.rect_filled(slot, 3.0, text);
    let card_top = if inserted { reader.top() - 70.0 } else { rect.top() + 4.0 };
    let card = Rect::from_min_size(pos2(reader.center().x - 55.0, card_top), vec2(110.0, 80.0));
    let visible = if inserted { Rect::from_min_max(card.min, pos2(card.max.x, slot.center().y)) } else { card };
    painter.rect(visible, 8.0, palette.accent, Stroke::new(2.0, text), StrokeKind::Inside);
    let chip = Rect::from_min_size(card.min + vec2(14.0, 16.0), vec2(26.0, 20.0));
    painter.rect(chip, 4.0, egui::Color32::from_rgb(0xE8, 0xC5, 0x4A), Stroke::new(1.0, text), StrokeKind::Inside);
    if !inserted {
        let from = pos2(reader.center().x, card.bottom() + 6.0);
        let to = pos2(reader.center().x, slot.top() - 4.0);
        painter.arrow(from, to - from, Stroke::new(4.0, text));
    }
}
