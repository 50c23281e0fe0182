//! Markdown as the web page shows it: CommonMark by pulldown-cmark, read the way Discord reads
//! a message (a line break is a line break), with raw HTML shown as text, images shown as their
//! description, and only http(s) and mailto links kept as links.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

fn safe_link(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    ["https://", "http://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

/// The HTML of `text` (Markdown): safe to put in a page as is.
pub fn to_html(text: &str) -> String {
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    // Whether each open link was kept, to drop the ends of the links that were not.
    let mut links: Vec<bool> = Vec::new();
    let events = Parser::new_ext(text, options).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::SoftBreak => Some(Event::HardBreak),
        Event::Start(Tag::Link { ref dest_url, .. }) => {
            let keep = safe_link(dest_url);
            links.push(keep);
            keep.then_some(event)
        }
        Event::End(TagEnd::Link) => links.pop().unwrap_or(false).then_some(event),
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        other => Some(other),
    });
    let mut out = String::with_capacity(text.len() * 5 / 4);
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_and_raw_html_is_shown_as_text() {
        assert_eq!(
            to_html("**bold** and `code`"),
            "<p><strong>bold</strong> and <code>code</code></p>\n"
        );
        assert_eq!(to_html("- a\n- b"), "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n");
        assert_eq!(to_html("one\ntwo"), "<p>one<br />\ntwo</p>\n");
        let html = to_html("<script>alert(1)</script> <b onclick=x>hi</b>");
        assert!(!html.contains("<script") && !html.contains("<b "), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn only_web_and_mail_links_stay_links_and_images_become_their_text() {
        assert_eq!(
            to_html("[docs](https://example.org/a?b=1&c=2)"),
            "<p><a href=\"https://example.org/a?b=1&amp;c=2\">docs</a></p>\n"
        );
        let html = to_html("[click](javascript:alert(1)) [x](JaVaScRiPt:alert(1))");
        assert!(
            !html.contains("<a") && !html.to_lowercase().contains("javascript"),
            "{html}"
        );
        assert!(html.contains("click"), "{html}");
        let html = to_html("![a cat](https://evil.example/cat.png)");
        assert_eq!(html, "<p>a cat</p>\n");
    }
}
