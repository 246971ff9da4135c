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

fn is_safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")
}

#[cfg(test)]
mod tests {
    use super::*;

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
