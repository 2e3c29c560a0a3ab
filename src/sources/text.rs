//! Bytes and markup to plain text: charset decoding (what a feed declares, or what its bytes
//! reveal) and HTML to text with an HTML parser. Every source kind uses these, so a post's text
//! is always plain UTF-8; escaping for output is the renderers' job.

use encoding_rs::{Encoding, UTF_8};
use scraper::{Html, Node};

/// Longest text kept for one post, in characters: a post is a headline and a lead, not a book,
/// and a hostile feed must not fill the database.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// Decodes a document to UTF-8. Order: a byte-order mark, or UTF-16's zero bytes; else the charset declared in the
/// Content-Type header, the XML declaration or an HTML meta tag — unless the bytes are valid
/// UTF-8 with non-ASCII in them, which a legacy charset practically never produces, so the
/// declaration is wrong; else UTF-8 when valid; else the encoding the bytes reveal (chardetng).
/// An XML declaration is rewritten to say UTF-8 so that the XML parser does not decode again.
pub fn decode(body: &[u8], content_type: Option<&str>) -> String {
    if let Some((encoding, bom_len)) = Encoding::for_bom(body) {
        let (text, _) = encoding.decode_without_bom_handling(&body[bom_len..]);
        return fix_xml_declaration(text.into_owned());
    }
    if let Some(encoding) = utf16_without_bom(body) {
        let (text, _) = encoding.decode_without_bom_handling(body);
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

/// UTF-16 without a byte-order mark, told by its first two characters being ASCII (`<?`, or
/// white space then `<`): every other byte is zero. Whatever the document declares, it is
/// UTF-16; read as UTF-8 it would be NULs between letters.
fn utf16_without_bom(body: &[u8]) -> Option<&'static Encoding> {
    match body.get(..4)? {
        [a, 0, b, 0] if *a != 0 && *b != 0 && a.is_ascii() && b.is_ascii() => {
            Some(encoding_rs::UTF_16LE)
        }
        [0, a, 0, b] if *a != 0 && *b != 0 && a.is_ascii() && b.is_ascii() => {
            Some(encoding_rs::UTF_16BE)
        }
        _ => None,
    }
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

/// Most markup parsed for one field: a post needs no more, and a hostile feed must not make
/// the HTML parser work on megabytes of nesting.
pub const MAX_HTML_BYTES: usize = 256 * 1024;

/// HTML (or plain text that may hold entities) to readable plain text: tags removed, entities
/// decoded, block elements and `<br>` become line breaks, scripts and styles dropped, spacing
/// tidied, length capped at [`MAX_TEXT_CHARS`].
pub fn html_to_text(s: &str) -> String {
    let raw = if looks_like_html(s) {
        let s = &s[..s.floor_char_boundary(MAX_HTML_BYTES)];
        if nesting_exceeds(s, MAX_NESTING) {
            // Real posts are never nested this deep; the HTML parser slows down badly on it,
            // so strip the tags plainly instead.
            strip_tags(s)
        } else {
            let fragment = Html::parse_fragment(s);
            let mut out = String::with_capacity(s.len());
            collect_text(fragment.tree.root(), &mut out);
            out
        }
    } else {
        s.to_string()
    };
    tidy(&raw)
}

/// Deeper nesting than this is an attack, not a post.
pub(crate) const MAX_NESTING: usize = 512;

/// Whether opening tags nest deeper than `limit`: a quick scan, not a parse. Void elements
/// (`<br>`, `<img>`, …), self-closing tags and CDATA sections do not count.
pub(crate) fn nesting_exceeds(s: &str, limit: usize) -> bool {
    const VOID: &[&[u8]] = &[
        b"br", b"img", b"hr", b"input", b"meta", b"link", b"area", b"base", b"col", b"embed",
        b"source", b"track", b"wbr", b"param",
    ];
    let b = s.as_bytes();
    let mut depth: usize = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        if b[i..].starts_with(b"<![CDATA[") {
            i = s[i..].find("]]>").map_or(b.len(), |p| i + p + 3);
            continue;
        }
        match b.get(i + 1) {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(c) if c.is_ascii_alphabetic() => {
                let end = b[i..]
                    .iter()
                    .position(|&x| x == b'>')
                    .map_or(b.len(), |p| i + p);
                let name_end = b[i + 1..end]
                    .iter()
                    .position(|c| !c.is_ascii_alphanumeric())
                    .map_or(end, |p| i + 1 + p);
                let name = b[i + 1..name_end].to_ascii_lowercase();
                let self_closing = end > i && end < b.len() && b[end - 1] == b'/';
                if !self_closing && !VOID.contains(&name.as_slice()) {
                    depth += 1;
                    if depth > limit {
                        return true;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// Text without tags, and the common entities decoded: the fallback for hostile markup.
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len() / 2);
    let mut in_tag = false;
    for c in s.chars() {
        match (in_tag, c) {
            (false, '<') => in_tag = true,
            (true, '>') => {
                in_tag = false;
                out.push(' ');
            }
            (false, c) => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Walks the tree depth first with an explicit stack: a document nested a hundred thousand
/// levels deep must not exhaust the thread's stack.
fn collect_text(root: ego_tree::NodeRef<'_, Node>, out: &mut String) {
    enum Step<'a> {
        Enter(ego_tree::NodeRef<'a, Node>),
        Leave(&'static str),
    }
    let mut stack: Vec<Step<'_>> = root.children().rev().map(Step::Enter).collect();
    while let Some(step) = stack.pop() {
        let node = match step {
            Step::Leave(text) => {
                out.push_str(text);
                continue;
            }
            Step::Enter(node) => node,
        };
        match node.value() {
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
                let after = if block {
                    "\n"
                } else if matches!(name, "td" | "th") {
                    " "
                } else {
                    ""
                };
                stack.push(Step::Leave(after));
                stack.extend(node.children().rev().map(Step::Enter));
            }
            _ => stack.extend(node.children().rev().map(Step::Enter)),
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

        // UTF-16 without a byte-order mark, declared as UTF-8 in the header and the document.
        let doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss>Á</rss>";
        let le: Vec<u8> = doc.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let be: Vec<u8> = doc.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        for body in [le, be] {
            assert_eq!(decode(&body, Some("text/xml; charset=utf-8")), doc);
        }
    }

    #[test]
    fn deep_nesting_does_not_exhaust_the_stack() {
        let deep = "<div>".repeat(40_000) + "banjir" + &"</div>".repeat(40_000);
        let text = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || html_to_text(&deep))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(text, "banjir");
        // Void elements are not nesting.
        assert!(!nesting_exceeds(&"<br>".repeat(2000), 512));
        assert!(!nesting_exceeds(&"<![CDATA[<p>]]>".repeat(2000), 512));
        // Ordinary nesting still goes through the HTML parser.
        let nested = "<div>".repeat(50) + "<p>air &amp; lumpur</p>" + &"</div>".repeat(50);
        assert_eq!(html_to_text(&nested), "air & lumpur");
    }

    #[test]
    fn text_is_capped() {
        let long = "a".repeat(MAX_TEXT_CHARS + 10);
        assert_eq!(html_to_text(&long).chars().count(), MAX_TEXT_CHARS + 1);
    }
}
