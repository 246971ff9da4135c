//! Knowledge-base Markdown to HTML that is safe to put into the desk's web view: raw HTML in
//! the source is shown as text, never interpreted, and links go only to web or mail addresses.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};

/// Renders `markdown` to HTML with no script, no raw HTML and no `javascript:` (or other
/// non-web) links. Images are shown as their alternative text: articles must not make the
/// desk fetch things from the network.
pub fn to_safe_html(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let events = Parser::new_ext(markdown, options).filter_map(move |event| match event {
        // Raw HTML becomes visible text (escaped by the HTML writer).
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            let dest_url = if is_safe_url(&dest_url) { dest_url } else { CowStr::Borrowed("#") };
            Some(Event::Start(Tag::Link { link_type, dest_url, title, id }))
        }
        // The image's alternative text stays as plain text.
        Event::Start(Tag::Image { .. }) | Event::End(pulldown_cmark::TagEnd::Image) => None,
        other => Some(other),
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// A piece of an article as a screen without HTML (the kiosk) or a printed page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextBlock {
    /// A heading of `level` 1–6.
    Heading(u8, String),
    Paragraph(String),
    /// A list item (numbered lists keep their number in the text).
    Item(String),
}

/// `markdown` as plain text, a block a line: what search indexes and its snippets quote (no
/// `**` or `##` in a result).
pub fn to_plain_text(markdown: &str) -> String {
    to_text_blocks(markdown)
        .into_iter()
        .map(|block| match block {
            TextBlock::Heading(_, text) | TextBlock::Paragraph(text) | TextBlock::Item(text) => text,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `markdown` as plain text blocks: emphasis dropped, a link's text followed by its address in
/// parentheses (only web and mail addresses), images as their alternative text, raw HTML as text.
pub fn to_text_blocks(markdown: &str) -> Vec<TextBlock> {
    use pulldown_cmark::TagEnd;
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut blocks = Vec::new();
    let mut text = String::new();
    let mut heading: Option<u8> = None;
    // Each open list's next number (`None`: bullets), and whether text is in an item.
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut in_item = false;
    let mut link: Option<String> = None;
    let flush = |text: &mut String, blocks: &mut Vec<TextBlock>, heading: Option<u8>, in_item: bool| {
        let trimmed = text.split_whitespace().collect::<Vec<_>>().join(" ");
        text.clear();
        if trimmed.is_empty() {
            return;
        }
        blocks.push(match (heading, in_item) {
            (Some(level), _) => TextBlock::Heading(level, trimmed),
            (None, true) => TextBlock::Item(trimmed),
            (None, false) => TextBlock::Paragraph(trimmed),
        });
    };
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                flush(&mut text, &mut blocks, heading, in_item);
                heading = Some(level as u8);
            }
            Event::End(TagEnd::Heading(_)) => {
                flush(&mut text, &mut blocks, heading, in_item);
                heading = None;
            }
            Event::Start(Tag::List(first)) => {
                flush(&mut text, &mut blocks, heading, in_item);
                lists.push(first);
            }
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                flush(&mut text, &mut blocks, heading, in_item);
                in_item = true;
                if let Some(Some(number)) = lists.last_mut() {
                    text.push_str(&format!("{number}. "));
                    *number += 1;
                }
            }
            Event::End(TagEnd::Item) => {
                flush(&mut text, &mut blocks, heading, in_item);
                in_item = false;
            }
            Event::End(
                TagEnd::Paragraph | TagEnd::TableRow | TagEnd::TableHead | TagEnd::HtmlBlock | TagEnd::CodeBlock,
            ) if !in_item => {
                flush(&mut text, &mut blocks, heading, in_item);
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                link = is_safe_url(&dest_url).then(|| dest_url.trim().to_owned());
            }
            Event::End(TagEnd::Link) => {
                if let Some(url) = link.take() {
                    text.push_str(&format!(" ({url})"));
                }
            }
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => text.push_str(&t),
            Event::End(TagEnd::TableCell) => text.push_str(" · "),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    flush(&mut text, &mut blocks, heading, in_item);
    blocks
}

fn is_safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")
}

#[cfg(test)]
mod tests {

    #[test]
    fn plain_text_has_no_markdown_marks() {
        let text = super::to_plain_text("## Kam jāmaksā\n\nNodevu maksā **katra** suņa īpašnieks.\n\n- *Rīgā*\n");
        assert_eq!(text, "Kam jāmaksā\nNodevu maksā katra suņa īpašnieks.\nRīgā");
    }

    use super::*;

    #[test]
    fn markdown_becomes_plain_text_blocks_for_screens_without_html() {
        let blocks = to_text_blocks(
            "## Kam jāmaksā\n\nNodeva **jāmaksā** [pašvaldībai](https://riga.lv).\n\n- Pensionāriem 50 %\n- Citiem\n\n\
             1. Pirmais\n2. Otrais\n\n<script>x</script>\n\n[bad](javascript:alert(1)) ![karte](https://e.x/a.png)",
        );
        assert_eq!(
            blocks,
            [
                TextBlock::Heading(2, "Kam jāmaksā".into()),
                TextBlock::Paragraph("Nodeva jāmaksā pašvaldībai (https://riga.lv).".into()),
                TextBlock::Item("Pensionāriem 50 %".into()),
                TextBlock::Item("Citiem".into()),
                TextBlock::Item("1. Pirmais".into()),
                TextBlock::Item("2. Otrais".into()),
                // Raw HTML is text, never markup; a hostile link keeps only its words.
                TextBlock::Paragraph("<script>x</script>".into()),
                TextBlock::Paragraph("bad karte".into()),
            ]
        );
    }

    #[test]
    fn markdown_becomes_html() {
        let html = to_safe_html("## Kam jāmaksā\n\n- **Pensionāriem** 50 %\n\n1. Pirmais");
        assert!(html.contains("<h2>Kam jāmaksā</h2>"), "{html}");
        assert!(html.contains("<strong>Pensionāriem</strong>"));
        assert!(html.contains("<ol>"));
    }

    #[test]
    fn scripts_raw_html_and_hostile_links_are_neutralised() {
        for hostile in [
            "<script>alert('x')</script>",
            "<img src=x onerror=alert(1)>",
            "text <b onmouseover=alert(1)>bold</b>",
            "[click](javascript:alert(1))",
            "[click](JaVaScRiPt:alert(1))",
            "[data](data:text/html;base64,PHNjcmlwdD4=)",
            "![img](https://evil.example/track.png)",
            "<iframe src=https://evil.example></iframe>",
        ] {
            let html = to_safe_html(hostile);
            let lower = html.to_ascii_lowercase();
            assert!(!lower.contains("<script"), "{hostile} → {html}");
            assert!(!lower.contains("<img"), "{hostile} → {html}");
            assert!(!lower.contains("<iframe"), "{hostile} → {html}");
            assert!(!lower.contains("<b "), "{hostile} → {html}");
            assert!(!lower.contains("href=\"javascript"), "{hostile} → {html}");
            assert!(!lower.contains("href=\"data"), "{hostile} → {html}");
        }
        assert!(to_safe_html("<script>x</script>").contains("&lt;script&gt;"), "raw HTML is shown as text");
        assert!(to_safe_html("[VID](https://www.vid.gov.lv)").contains("href=\"https://www.vid.gov.lv\""));
    }
}
