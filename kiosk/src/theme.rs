//! How the kiosk looks: the text sizes, the normal and high-contrast colours, and the few colours
//! of its own (the header's mark, tiles) that egui's visuals do not carry.

/// How the kiosk is shown: the text size ("A A A") and high contrast, chosen by the person at it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Display {
    /// 0: normal, 1: large, 2: largest.
    pub size: u8,
    pub high_contrast: bool,
}

impl Display {
    /// The text scale of each size step.
    pub fn scale(self) -> f32 {
        [1.0, 1.25, 1.5][usize::from(self.size.min(2))]
    }
}

/// How long a changed display stays once nobody uses the kiosk (it outlives a citizen's wipe, so
/// the same person logging in again keeps it, and then goes back to the defaults).
pub const DISPLAY_KEPT_IDLE_SECS: i64 = 60;

/// The colours of the normal display: egui's light theme, its links darkened to pass WCAG AA
/// (checked by a test for every pair the kiosk draws).
pub fn normal_visuals() -> egui::Visuals {
    let mut visuals = egui::Visuals::light();
    // A cool light grey page, so the white tiles stand out.
    visuals.panel_fill = egui::Color32::from_rgb(0xEE, 0xF1, 0xF5);
    visuals.hyperlink_color = egui::Color32::from_rgb(0x0B, 0x4F, 0xB0);
    visuals.error_fg_color = egui::Color32::from_rgb(0xA1, 0x1D, 0x1D);
    visuals
}

/// The colours of the high-contrast display: white and yellow on black (WCAG AAA: at least 7:1,
/// checked by a test for every pair the kiosk draws).
pub fn high_contrast_visuals() -> egui::Visuals {
    use egui::Color32;
    let mut visuals = egui::Visuals::dark();
    let (black, white, yellow) = (Color32::BLACK, Color32::WHITE, Color32::from_rgb(0xFF, 0xE6, 0x00));
    visuals.override_text_color = Some(white);
    visuals.panel_fill = black;
    visuals.window_fill = black;
    visuals.extreme_bg_color = black;
    visuals.faint_bg_color = black;
    visuals.hyperlink_color = yellow;
    visuals.error_fg_color = Color32::from_rgb(0xFF, 0x9E, 0x9E);
    // A chosen button: white on dark blue with a yellow edge (white on yellow would not read).
    visuals.selection.bg_fill = Color32::from_rgb(0x00, 0x2E, 0x8A);
    visuals.selection.stroke = egui::Stroke::new(3.0, yellow);
    for (widgets, stroke) in [
        (&mut visuals.widgets.noninteractive, white),
        (&mut visuals.widgets.inactive, white),
        (&mut visuals.widgets.hovered, yellow),
        (&mut visuals.widgets.active, yellow),
        (&mut visuals.widgets.open, yellow),
    ] {
        widgets.bg_fill = black;
        widgets.weak_bg_fill = black;
        widgets.bg_stroke = egui::Stroke::new(2.0, stroke);
        widgets.fg_stroke = egui::Stroke::new(2.0, stroke);
    }
    visuals
}

/// The kiosk's own colours beside egui's visuals: the brand mark, the tiles, the primary action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    /// The primary action's fill and the brand mark (text on it is `on_accent`).
    pub accent: egui::Color32,
    pub on_accent: egui::Color32,
    /// A tile's fill, edge, text, and the disc its icon sits on.
    pub tile: egui::Color32,
    pub tile_edge: egui::Color32,
    pub tile_text: egui::Color32,
    pub icon_disc: egui::Color32,
    /// A tile's edge under the finger or the keyboard focus.
    pub tile_focus: egui::Color32,
}

impl Palette {
    /// Dark blue and white on a light grey page (WCAG AA, checked by a test).
    pub const NORMAL: Palette = Palette {
        accent: egui::Color32::from_rgb(0x0B, 0x4F, 0xB0),
        on_accent: egui::Color32::WHITE,
        tile: egui::Color32::WHITE,
        tile_edge: egui::Color32::from_rgb(0xB4, 0xBE, 0xCC),
        tile_text: egui::Color32::from_rgb(0x1C, 0x23, 0x2E),
        icon_disc: egui::Color32::from_rgb(0xE4, 0xED, 0xF8),
        tile_focus: egui::Color32::from_rgb(0x0B, 0x4F, 0xB0),
    };
    /// White and yellow on black (WCAG AAA, checked by a test).
    pub const HIGH_CONTRAST: Palette = Palette {
        accent: egui::Color32::from_rgb(0x00, 0x2E, 0x8A),
        on_accent: egui::Color32::WHITE,
        tile: egui::Color32::BLACK,
        tile_edge: egui::Color32::WHITE,
        tile_text: egui::Color32::WHITE,
        icon_disc: egui::Color32::from_rgb(0x00, 0x2E, 0x8A),
        tile_focus: egui::Color32::from_rgb(0xFF, 0xE6, 0x00),
    };

    /// The palette that goes with the visuals in force (high contrast is the only dark one).
    pub fn of(visuals: &egui::Visuals) -> Palette {
        if visuals.dark_mode { Palette::HIGH_CONTRAST } else { Palette::NORMAL }
    }
}

/// Large text and touch-sized targets (at least 48 points), for standing users and fingers,
/// scaled and coloured as `display` asks.
pub fn apply_kiosk_style(ctx: &egui::Context, display: Display) {
    // Light, high-contrast colours read best in bright libraries and halls.
    ctx.set_visuals(if display.high_contrast { high_contrast_visuals() } else { normal_visuals() });
    let scale = display.scale();
    ctx.global_style_mut(|style| {
        use egui::{FontFamily::Proportional, FontId, TextStyle};
        style.text_styles = [
            (TextStyle::Heading, FontId::new(36.0 * scale, Proportional)),
            (TextStyle::Body, FontId::new(22.0 * scale, Proportional)),
            (TextStyle::Button, FontId::new(24.0 * scale, Proportional)),
            (TextStyle::Small, FontId::new(16.0 * scale, Proportional)),
            (TextStyle::Monospace, FontId::new(22.0 * scale, egui::FontFamily::Monospace)),
        ]
        .into();
        style.spacing.interact_size = egui::vec2(48.0, 48.0);
        style.spacing.button_padding = egui::vec2(20.0, 12.0);
        style.spacing.item_spacing = egui::vec2(12.0, 12.0);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG 2 contrast ratio of two colours (relative luminance of sRGB).
    fn contrast(a: egui::Color32, b: egui::Color32) -> f32 {
        let luminance = |c: egui::Color32| {
            let channel = |v: u8| {
                let v = f32::from(v) / 255.0;
                if v <= 0.039_28 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
            };
            0.2126 * channel(c.r()) + 0.7152 * channel(c.g()) + 0.0722 * channel(c.b())
        };
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    /// Every pair of text (or a widget's strokes) and what it is drawn on, in a theme.
    fn pairs(visuals: &egui::Visuals) -> Vec<(&'static str, egui::Color32, egui::Color32)> {
        let text = visuals.override_text_color.unwrap_or(visuals.widgets.noninteractive.fg_stroke.color);
        let mut pairs = vec![
            ("text on the panel", text, visuals.panel_fill),
            ("text on a window", text, visuals.window_fill),
            ("text in a field", text, visuals.extreme_bg_color),
            ("a link", visuals.hyperlink_color, visuals.panel_fill),
            ("a chosen button", text, visuals.selection.bg_fill),
            ("a problem", visuals.error_fg_color, visuals.panel_fill),
        ];
        for (name, widget) in [
            ("a button", &visuals.widgets.inactive),
            ("a hovered button", &visuals.widgets.hovered),
            ("a pressed button", &visuals.widgets.active),
        ] {
            let label = visuals.override_text_color.unwrap_or(widget.fg_stroke.color);
            pairs.push((name, label, widget.weak_bg_fill));
            pairs.push((name, label, widget.bg_fill));
        }
        let palette = Palette::of(visuals);
        pairs.extend([
            ("the primary tile", palette.on_accent, palette.accent),
            ("a tile", palette.tile_text, palette.tile),
            ("a tile's icon", palette.tile_text, palette.icon_disc),
            ("a primary tile's icon", palette.on_accent, palette.accent),
        ]);
        pairs
    }

    #[test]
    fn the_high_contrast_display_meets_wcag_aaa_and_the_normal_one_aa() {
        for (name, fg, bg) in pairs(&high_contrast_visuals()) {
            let ratio = contrast(fg, bg);
            assert!(ratio >= 7.0, "high contrast, {name}: {ratio:.2}:1 is below AAA's 7:1");
        }
        let worst = pairs(&normal_visuals())
            .into_iter()
            .map(|(name, fg, bg)| (contrast(fg, bg), name))
            .fold((f32::MAX, ""), |worst, pair| if pair.0 < worst.0 { pair } else { worst });
        assert!(worst.0 >= 4.5, "normal display, {}: {:.2}:1 is below AA's 4.5:1", worst.1, worst.0);
        assert!((contrast(egui::Color32::BLACK, egui::Color32::WHITE) - 21.0).abs() < 0.01);
    }
}
