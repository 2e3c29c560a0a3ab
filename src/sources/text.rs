//! Bytes and markup to plain text: charset decoding (what a feed declares, or what its bytes
//! reveal) and HTML to text with an HTML parser. Every source kind uses these, so a post's text
//! is always plain UTF-8; escaping for output is the renderers' job.

use encoding_rs::{Encoding, UTF_8};
use scraper::{Html, Node};

/// Longest text kept for one post, in characters: a post is a headline and a lead, not a book,
/// and a hostile feed must not fill the database.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// Decodes a document to UTF-8. Order: a byte-order mark; else the charset declared in the
/// Content-Type header, the XML declaration or an HTML meta tag — unless the bytes are valid
/// UTF-8 with non-ASCII in them, which a legacy charset practically never produces, so the
/// declaration is wrong; else UTF-8 when valid; else the encoding the bytes reveal (chardetng).
/// An XML declaration is rewritten to say UTF-8 so that the XML parser does not decode again.
pub fn decode(body: &[u8], content_type: Option<&str>) -> String {
    if let Some((encoding, bom_len)) = Encoding::for_bom(body) {
        let (text, _) = encoding.decode_without_bom_handling(&body[bom_len..]);
        return fix_xml_declaration(text.into_owned());
    }
    let declared = content_type
        .and_then(charset_param)
        .or_else(|| declared_in_document(body))
        .and_then(|label| Encoding::for_label(label.as_bytes()));
    let valid_utf8 = std::str::from_utf8(body).is_ok();
    // Non-ASCII bytes that form valid UTF-8 contradict a legacy declaration.
    let utf8_evident = valid_utf8 && !body.is_ascii();
    let encoding = match declared {
        Some(enc) if enc == UTF_8 && valid_utf8 => UTF_8,
        Some(enc) if enc != UTF_8 && !utf8_evident => enc,
        _ if valid_utf8 => UTF_8,
        _ => {
            let mut detector =
                chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            detector.feed(body, true);
            detector.guess(None, chardetng::Utf8Detection::Allow)
        }
    };
    let (text, _) = encoding.decode_without_bom_handling(body);
    fix_xml_declaration(text.into_owned())
}

/// `charset` of a Content-Type value: `application/rss+xml; charset=ISO-8859-1`.
fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// The encoding named by `<?xml … encoding="…"?>` or `<meta charset=…>` near the start.
fn declared_in_document(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(1024)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    for marker in ["encoding=", "charset="] {
        if let Some(pos) = head.find(marker) {
            let rest = head[pos + marker.len()..].trim_start_matches(['"', '\'']);
            let label: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
                .collect();
            if !label.is_empty() {
                return Some(label);
            }
        }
    }
    None
}

fn fix_xml_declaration(mut text: String) -> String {
    let trimmed = text.trim_start_matches('\u{feff}');
    let offset = text.len() - trimmed.len();
    if !trimmed.starts_with("<?xml") {
        return text;
    }
    let Some(end) = trimmed.find("?>") else {
        return text;
    };
    let decl = &trimmed[..end];
    if let Some(pos) = decl.find("encoding") {
        let after = &decl[pos..];
        if let Some(q1) = after.find(['"', '\'']) {
            let quote = after.as_bytes()[q1] as char;
            if let Some(q2) = after[q1 + 1..].find(quote) {
                let start = offset + pos + q1 + 1;
                let stop = start + q2;
                text.replace_range(start..stop, "UTF-8");
            }
        }
    }
    text
}

/// Whether `s` holds markup or entities worth an HTML parse.
fn looks_like_html(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(2).any(|w| {
        (w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'))
            || (w[0] == b'&' && (w[1].is_ascii_alphabetic() || w[1] == b'#'))
    })
}

/// HTML (or plain text that may hold entities) to readable plain text: tags removed, entities
/// decoded, block elements and `<br>` become line breaks, scripts and styles dropped, spacing
/// tidied, length capped at [`MAX_TEXT_CHARS`].
pub fn html_to_text(s: &str) -> String {
    let raw = if looks_like_html(s) {
        let fragment = Html::parse_fragment(s);
        let mut out = String::with_capacity(s.len());
        collect_text(fragment.tree.root(), &mut out);
        out
    } else {
        s.to_string()
    };
    tidy(&raw)
}

fn collect_text(node: ego_tree::NodeRef<'_, Node>, out: &mut String) {
    for child in node.children() {
        match child.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => {
                let name = e.name();
                if matches!(name, "script" | "style" | "noscript" | "template" | "head") {
                    continue;
                }
                let block = matches!(
                    name,
                    "p" | "div"
                        | "br"
                        | "li"
                        | "ul"
                        | "ol"
                        | "h1"
                        | "h2"
                        | "h3"
                        | "h4"
                        | "h5"
                        | "h6"
                        | "tr"
                        | "table"
                        | "blockquote"
                        | "section"
                        | "article"
                        | "header"
                        | "footer"
                        | "figure"
                        | "figcaption"
                        | "hr"
                        | "pre"
                );
                if block {
                    out.push('\n');
                }
                collect_text(child, out);
                if block {
                    out.push('\n');
                } else if matches!(name, "td" | "th") {
                    out.push(' ');
                }
            }
            _ => collect_text(child, out),
        }
    }
}

/// Collapses spaces within lines, drops empty lines, trims, caps the length.
fn tidy(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for line in raw.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&line);
    }
    truncate_chars(out, MAX_TEXT_CHARS)
}

/// Cuts `s` to at most `max` characters, marking the cut with an ellipsis.
pub fn truncate_chars(mut s: String, max: usize) -> String {
    if let Some((idx, _)) = s.char_indices().nth(max) {
        s.truncate(idx);
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_plain_text() {
        let html = "<p>Banjir &amp; longsor di <b>Samarinda</b>.</p><p>Warga&nbsp;mengungsi<br>ke masjid.</p><script>alert(1)</script>";
        assert_eq!(
            html_to_text(html),
            "Banjir & longsor di Samarinda.\nWarga\u{a0}mengungsi\nke masjid."
                .replace('\u{a0}', " ")
        );
        assert_eq!(html_to_text("Harga cabai   naik"), "Harga cabai naik");
        assert_eq!(html_to_text("Tarif 5 < 6 dan A&B"), "Tarif 5 < 6 dan A&B");
        assert_eq!(
            html_to_text("&lt;script&gt;x&lt;/script&gt;"),
            "<script>x</script>"
        );
    }

    #[test]
    fn charsets_declared_or_revealed() {
        // "Kecamatan Loa Janan, café" in windows-1252, declared in the XML declaration.
        let mut body = b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss>caf".to_vec();
        body.push(0xE9);
        body.extend_from_slice(b"</rss>");
        let text = decode(&body, None);
        assert!(text.contains("café"), "{text}");
        assert!(
            text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            "{text}"
        );

        // Declared in the header.
        let text = decode(b"<rss>caf\xE9</rss>", Some("text/xml; charset=ISO-8859-1"));
        assert!(text.contains("café"));

        // Declared wrongly: the bytes are UTF-8.
        let text = decode(
            "<?xml version='1.0' encoding='ISO-8859-1'?><rss>café</rss>".as_bytes(),
            None,
        );
        assert!(text.contains("café"), "{text}");

        // Undeclared legacy bytes are detected rather than mangled.
        let text = decode(
            b"<rss>Pemerintah kota memberi bantuan ke warga di caf\xE9 dan pasar</rss>",
            None,
        );
        assert!(text.contains("café"), "{text}");

        // UTF-16 with a byte-order mark.
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("<rss>Á</rss>".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(decode(&utf16, None), "<rss>Á</rss>");
    }

    #[test]
    fn text_is_capped() {
        let long = "a".repeat(MAX_TEXT_CHARS + 10);
        assert_eq!(html_to_text(&long).chars().count(), MAX_TEXT_CHARS + 1);
    }
}
