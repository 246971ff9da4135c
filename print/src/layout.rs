//! A small A4 layout: headings, paragraphs, label–value rows and lists, wrapped by measured glyph
//! widths and broken over pages, drawn with two embedded fonts (regular, bold).

use std::collections::{BTreeMap, BTreeSet};

use printpdf::{
    FontId, Line, LinePoint, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt,
    TextItem,
};

use crate::PrintError;

const REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

const PAGE_WIDTH: f32 = 210.0;
const PAGE_HEIGHT: f32 = 297.0;
const MARGIN: f32 = 20.0;

/// What a printed page says, top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The PDF's title (shown by viewers) and the first heading.
    pub title: String,
    pub blocks: Vec<Block>,
    /// Small print at the bottom of every page.
    pub footer: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(String),
    /// Large bold text, e.g. the case number the customer will read aloud.
    Prominent(String),
    Paragraph(String),
    /// Label–value rows, labels in a column of their own.
    Fields(Vec<(String, String)>),
    /// A bulleted list.
    Items(Vec<String>),
    /// A thin line across the page.
    Rule,
}

struct Font {
    id: FontId,
    parsed: ParsedFont,
}

impl Font {
    /// Embeds only the glyphs of `chars` (and .notdef): a receipt carries a few kilobytes of
    /// font, not the whole face.
    fn load(document: &mut PdfDocument, bytes: &[u8], chars: &BTreeSet<char>) -> Result<Self, PrintError> {
        let full = ParsedFont::from_bytes(bytes, 0, &mut Vec::new())
            .ok_or_else(|| PrintError::Font("the embedded font could not be read".into()))?;
        let parsed = subset(&full, bytes, chars)?;
        let id = document.add_font(&parsed);
        Ok(Self { id, parsed })
    }

    /// Width of `text` in millimetres at `size` points.
    fn width_mm(&self, text: &str, size: f32) -> f32 {
        let units_per_em = f32::from(self.parsed.units_per_em.max(1));
        let fallback = units_per_em / 2.0;
        let units: f32 = text
            .chars()
            .map(|c| {
                self.parsed
                    .lookup_glyph_index(u32::from(c))
                    .and_then(|gid| self.parsed.get_glyph_width(gid))
                    .map_or(fallback, f32::from)
            })
            .sum();
        units / units_per_em * size * 25.4 / 72.0
    }
}

/// The face cut down to the glyphs `chars` need, renumbered by the subsetter: glyph `i` of the
/// subset is `ids[i]` of the whole face (.notdef first). The character map and widths are moved
/// to the new numbers, so text drawn and measured with the subset uses the subset's glyphs.
fn subset(full: &ParsedFont, bytes: &[u8], chars: &BTreeSet<char>) -> Result<ParsedFont, PrintError> {
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::subset::{CmapTarget, SubsetProfile};

    let used: BTreeSet<u16> =
        chars.iter().filter_map(|c| full.lookup_glyph_index(u32::from(*c))).filter(|gid| *gid != 0).collect();
    let ids: Vec<u16> = std::iter::once(0).chain(used.iter().copied()).collect();
    let font_error = |e: &dyn std::fmt::Display| PrintError::Font(format!("subsetting failed: {e}"));
    let scope = ReadScope::new(bytes);
    let data = scope.read::<FontData<'_>>().map_err(|e| font_error(&e))?;
    let provider = data.table_provider(0).map_err(|e| font_error(&e))?;
    let subset_bytes = allsorts::subset::subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode)
        .map_err(|e| font_error(&e))?;
    let new_id: BTreeMap<u16, u16> =
        ids.iter().enumerate().map(|(index, old)| (*old, u16::try_from(index).unwrap_or(0))).collect();
    let mut parsed = full.clone();
    parsed.original_bytes = subset_bytes;
    parsed.codepoint_to_glyph = chars
        .iter()
        .filter_map(|c| {
            let old = full.lookup_glyph_index(u32::from(*c))?;
            Some((u32::from(*c), *new_id.get(&old)?))
        })
        .collect();
    parsed.glyph_widths = new_id.iter().filter_map(|(old, new)| Some((*new, full.get_glyph_width(*old)?))).collect();
    Ok(parsed)
}

/// Every character a document may draw: its text, and what layout adds (bullets, page numbers).
fn characters(document: &Document) -> BTreeSet<char> {
    let mut chars: BTreeSet<char> = "0123456789/ •-".chars().collect();
    let mut add = |text: &str| chars.extend(text.chars().filter(|c| !c.is_control()));
    add(&document.title);
    add(&document.footer);
    for block in &document.blocks {
        match block {
            Block::Heading(text) | Block::Prominent(text) | Block::Paragraph(text) => add(text),
            Block::Fields(rows) => rows.iter().for_each(|(label, value)| {
                add(label);
                add(value);
            }),
            Block::Items(items) => items.iter().for_each(|item| add(item)),
            Block::Rule => {}
        }
    }
    chars
}

/// Splits `text` into lines no wider than `width_mm`; a word longer than a line is cut.
fn wrap(font: &Font, text: &str, size: f32, width_mm: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if font.width_mm(&candidate, size) <= width_mm {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than the line (a long link): cut it where it fills the line.
            let mut rest = word.to_owned();
            while font.width_mm(&rest, size) > width_mm {
                let mut cut = String::new();
                for c in rest.chars() {
                    if font.width_mm(&format!("{cut}{c}"), size) > width_mm && !cut.is_empty() {
                        break;
                    }
                    cut.push(c);
                }
                rest = rest[cut.len()..].to_owned();
                lines.push(cut);
            }
            line = rest;
        }
        lines.push(line);
    }
    lines
}

struct Pages<'a> {
    regular: &'a Font,
    bold: &'a Font,
    footer: &'a str,
    pages: Vec<Vec<Op>>,
    /// Distance from the top of the page to the next baseline, in mm.
    y: f32,
}

impl Pages<'_> {
    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        self.pages.last_mut().expect("a page")
    }

    fn ensure_room(&mut self, height: f32) {
        if self.pages.is_empty() || self.y + height > PAGE_HEIGHT - MARGIN - 8.0 {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn text(&mut self, font: FontChoice, size: f32, x: f32, text: &str) {
        let id = match font {
            FontChoice::Regular => self.regular.id.clone(),
            FontChoice::Bold => self.bold.id.clone(),
        };
        let y = self.y;
        self.ops().extend([
            Op::StartTextSection,
            Op::SetFont { font: PdfFontHandle::External(id), size: Pt(size) },
            Op::SetTextCursor { pos: Point::new(Mm(x), Mm(PAGE_HEIGHT - y)) },
            Op::ShowText { items: vec![TextItem::Text(text.to_owned())] },
            Op::EndTextSection,
        ]);
    }

    fn wrapped(&mut self, font: FontChoice, size: f32, x: f32, width: f32, text: &str) {
        let measure = match font {
            FontChoice::Regular => self.regular,
            FontChoice::Bold => self.bold,
        };
        let leading = size * 0.45;
        for line in wrap(measure, text, size, width) {
            self.ensure_room(leading);
            self.y += leading;
            self.text(font, size, x, &line);
        }
    }

    fn rule(&mut self) {
        self.ensure_room(4.0);
        self.y += 3.0;
        let y = PAGE_HEIGHT - self.y;
        let point = |x: f32| LinePoint { p: Point::new(Mm(x), Mm(y)), bezier: false };
        self.ops().extend([
            Op::SetOutlineThickness { pt: Pt(0.5) },
            Op::DrawLine { line: Line { points: vec![point(MARGIN), point(PAGE_WIDTH - MARGIN)], is_closed: false } },
        ]);
        self.y += 1.0;
    }

    fn block(&mut self, block: &Block) {
        let width = PAGE_WIDTH - 2.0 * MARGIN;
        match block {
            Block::Heading(text) => {
                self.ensure_room(14.0);
                self.y += 4.0;
                self.wrapped(FontChoice::Bold, 13.0, MARGIN, width, text);
                self.y += 1.5;
            }
            Block::Prominent(text) => {
                self.ensure_room(14.0);
                self.y += 3.0;
                self.wrapped(FontChoice::Bold, 24.0, MARGIN, width, text);
                self.y += 2.0;
            }
            Block::Paragraph(text) => {
                self.wrapped(FontChoice::Regular, 10.5, MARGIN, width, text);
                self.y += 2.0;
            }
            Block::Fields(rows) => {
                let label_width = 48.0;
                // A long label (an e-form's question) wraps within its column, never into the
                // answer beside it; the row is as tall as the longer of the two.
                let gap = 3.0;
                for (label, value) in rows {
                    let label_lines = wrap(self.bold, label, 10.5, label_width - gap);
                    let value_lines = wrap(self.regular, value, 10.5, width - label_width);
                    let height = label_lines.len().max(value_lines.len()).max(1);
                    self.ensure_room(5.0 * height as f32);
                    let top = self.y + 5.0;
                    for (index, line) in label_lines.iter().enumerate() {
                        self.y = top + 5.0 * index as f32;
                        self.text(FontChoice::Bold, 10.5, MARGIN, line);
                    }
                    for (index, line) in value_lines.iter().enumerate() {
                        self.y = top + 5.0 * index as f32;
                        self.text(FontChoice::Regular, 10.5, MARGIN + label_width, line);
                    }
                    self.y = top + 5.0 * (height - 1) as f32;
                }
                self.y += 2.0;
            }
            Block::Items(items) => {
                for item in items {
                    self.ensure_room(5.0);
                    self.y += 0.5;
                    let top = self.y;
                    self.wrapped(FontChoice::Regular, 10.5, MARGIN + 5.0, width - 5.0, item);
                    let after = self.y;
                    self.y = top + 10.5 * 0.45;
                    self.text(FontChoice::Regular, 10.5, MARGIN, "•");
                    self.y = after;
                }
                self.y += 2.0;
            }
            Block::Rule => self.rule(),
        }
    }
}

#[derive(Clone, Copy)]
enum FontChoice {
    Regular,
    Bold,
}

/// Lays out `document` on A4 pages and returns the PDF's bytes, fonts embedded and subset.
pub fn render(document: &Document) -> Result<Vec<u8>, PrintError> {
    render_marked(document, None)
}

/// [`render`], with `mark` (e.g. "MĀCĪBAS / TRAINING") in large letters at the top and the
/// bottom of every page: what a training desk prints can never pass for a real document.
pub fn render_marked(document: &Document, mark: Option<&str>) -> Result<Vec<u8>, PrintError> {
    let mut pdf = PdfDocument::new(&document.title);
    let mut chars = characters(document);
    chars.extend(mark.unwrap_or_default().chars());
    let regular = Font::load(&mut pdf, REGULAR_TTF, &chars)?;
    let bold = Font::load(&mut pdf, BOLD_TTF, &chars)?;
    let mut pages = Pages { regular: &regular, bold: &bold, footer: &document.footer, pages: Vec::new(), y: MARGIN };
    pages.ensure_room(0.0);
    pages.wrapped(FontChoice::Bold, 16.0, MARGIN, PAGE_WIDTH - 2.0 * MARGIN, &document.title);
    pages.y += 2.0;
    pages.rule();
    for block in &document.blocks {
        pages.block(block);
    }
    let count = pages.pages.len();
    let footer = pages.footer.to_owned();
    let mut finished = Vec::with_capacity(count);
    for (index, mut ops) in std::mem::take(&mut pages.pages).into_iter().enumerate() {
        let text = if count > 1 { format!("{footer}   {}/{count}", index + 1) } else { footer.clone() };
        for (line_index, line) in wrap(&regular, &text, 8.0, PAGE_WIDTH - 2.0 * MARGIN).iter().enumerate() {
            ops.extend([
                Op::StartTextSection,
                Op::SetFont { font: PdfFontHandle::External(regular.id.clone()), size: Pt(8.0) },
                Op::SetTextCursor { pos: Point::new(Mm(MARGIN), Mm(MARGIN - 6.0 - 3.5 * line_index as f32)) },
                Op::ShowText { items: vec![TextItem::Text(line.clone())] },
                Op::EndTextSection,
            ]);
        }
        if let Some(mark) = mark {
            for y in [PAGE_HEIGHT - 10.0, 6.0] {
                ops.extend([
                    Op::StartTextSection,
                    Op::SetFont { font: PdfFontHandle::External(bold.id.clone()), size: Pt(14.0) },
                    Op::SetTextCursor { pos: Point::new(Mm(MARGIN), Mm(y)) },
                    Op::ShowText { items: vec![TextItem::Text(mark.to_owned())] },
                    Op::EndTextSection,
                ]);
            }
        }
        finished.push(PdfPage::new(Mm(PAGE_WIDTH), Mm(PAGE_HEIGHT), ops));
    }
    let options = PdfSaveOptions { subset_fonts: true, ..PdfSaveOptions::default() };
    let mut warnings = Vec::new();
    let bytes = pdf.with_pages(finished).save(&options, &mut warnings);
    for warning in warnings {
        tracing::debug!(?warning, "pdf warning");
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> Font {
        let mut pdf = PdfDocument::new("t");
        let chars = "WiIāčēģīķļņšūžacegiklnsuzJūsesnmtdbkpārvaō.:/-—abcdefghijklmnopqrstuvwxyz,".chars().collect();
        Font::load(&mut pdf, REGULAR_TTF, &chars).unwrap()
    }

    #[test]
    fn wide_text_is_wider_and_latvian_letters_have_widths() {
        let font = font();
        assert!(font.width_mm("WWWW", 10.0) > font.width_mm("iiii", 10.0));
        let latvian = font.width_mm("āčēģīķļņšūž", 10.0);
        let plain = font.width_mm("acegiklnsuz", 10.0);
        assert!((latvian - plain).abs() < plain * 0.2, "{latvian} vs {plain}");
    }

    #[test]
    fn lines_wrap_within_the_width_and_keep_every_word() {
        let font = font();
        let text = "Jūsu iesniegums tiks nodots iestādei, kas sniedz pakalpojumu, un jūs saņemsiet atbildi e-adresē.";
        let lines = wrap(&font, text, 10.5, 60.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| font.width_mm(l, 10.5) <= 60.0), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        let long = "https://example.lv/".to_owned() + &"a".repeat(200);
        let cut = wrap(&font, &long, 10.5, 60.0);
        assert!(cut.len() > 2 && cut.iter().all(|l| font.width_mm(l, 10.5) <= 60.0));
        assert_eq!(cut.concat(), long);
    }
}
