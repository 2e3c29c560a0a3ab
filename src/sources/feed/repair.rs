//! Feed text made safe and forgiving before feed-rs reads it. [`prepare`] runs on every feed:
//! the text is already UTF-8 (see [`crate::sources::text::decode`]), so every XML declaration
//! goes, and with it any `encoding` that would make the XML reader switch decoders halfway (a
//! quick-xml panic, "set_encoding() called after prefix buffer was drained"). [`repair`] runs
//! only on a feed feed-rs refused, and mends what lenient readers such as Python's feedparser
//! accept, on tags as the XML reader parses them (never by replacing text, which could hit an
//! item's content):
//! - an `<rss>` root without a `version` (or with one feed-rs does not know) is RSS 2.0;
//! - an Atom text construct or `<content>` whose `type` feed-rs does not know is read as
//!   `html` (html-ish and xml-ish types) or `text` (`text/*`), and one that is not text at all
//!   (`application/octet-stream`, an image) is dropped: that field is lost, not the feed;
//! - a Media RSS title or description of an unknown `type` is read as `plain` or `html`.

use std::borrow::Cow;
use std::ops::Range;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

const ATOM: &str = "http://www.w3.org/2005/Atom";
const MEDIA_RSS: &str = "http://search.yahoo.com/mrss/";

/// RSS versions feed-rs reads (`""` counts as 2.0 there); any other is read as 2.0, as
/// feedparser does.
const KNOWN_RSS_VERSIONS: [&str; 4] = ["2.0", "", "0.91", "0.92"];

/// `text` without XML declarations (`<?xml …?>`, wherever they are) and without NUL
/// characters (which XML forbids, and which would make the XML reader guess UTF-16). A raw
/// `<?xml` inside CDATA or a comment goes too: HTML shows nothing for it either. Borrows when
/// only a leading declaration goes, which is nearly every feed.
pub fn prepare(text: &str) -> Cow<'_, str> {
    let mut text = Cow::Borrowed(text);
    if text.contains('\0') {
        text = Cow::Owned(text.replace('\0', ""));
    }
    let Some(first) = find_declaration(&text, 0) else {
        return text;
    };
    let leading = text[..first.start].trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if leading.is_empty() && find_declaration(&text, first.end).is_none() {
        return match text {
            Cow::Borrowed(t) => Cow::Borrowed(&t[first.end..]),
            Cow::Owned(t) => Cow::Owned(t[first.end..].to_owned()),
        };
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut next = Some(first);
    while let Some(decl) = next {
        out.push_str(&text[at..decl.start]);
        at = decl.end;
        next = find_declaration(&text, at);
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// The next `<?xml …?>` at or after `from`: `<?xml` then a space or `?`, as the XML reader
/// tells a declaration from another processing instruction. One left open is no declaration
/// to the reader either.
fn find_declaration(text: &str, from: usize) -> Option<Range<usize>> {
    let mut at = from;
    loop {
        let start = at + text[at..].find("<?xml")?;
        let after = &text.as_bytes()[start + 5..];
        if after
            .first()
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'?'))
        {
            let end = text[start..].find("?>")? + start + 2;
            return Some(start..end);
        }
        at = start + 5;
    }
}

/// What to do with an element whose `type` feed-rs may not know.
#[derive(Debug, PartialEq, Eq)]
enum Mend {
    Keep,
    /// Read it as this type instead.
    Retype(&'static str),
    /// Not text at all: lose the element.
    Drop,
}

/// The feed with what feed-rs refuses mended, or `None` when nothing needed mending. A
/// document the XML reader cannot read to its end keeps the mends found before the fault.
pub fn repair(text: &str) -> Option<String> {
    let mut reader = quick_xml::NsReader::from_str(text);
    reader.config_mut().check_end_names = false;
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut root: Option<String> = None;
    let mut depth = 0usize;
    // Elements being dropped: their depth and where their start tag began.
    let mut dropping: Vec<(usize, usize)> = Vec::new();
    loop {
        let before = reader.buffer_position() as usize;
        let Ok((ns, event)) = reader.read_resolved_event() else {
            break;
        };
        let namespace = match ns {
            ResolveResult::Bound(ns) => Some(ns.0.to_owned()),
            _ => None,
        };
        let after = reader.buffer_position() as usize;
        let (tag, empty) = match &event {
            Event::Start(tag) => (tag, false),
            Event::Empty(tag) => (tag, true),
            Event::End(_) => {
                if dropping.last().is_some_and(|&(d, _)| d == depth) {
                    let (_, start) = dropping.pop().expect("checked just above");
                    drop_range(&mut edits, start..after);
                }
                depth = depth.saturating_sub(1);
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let local = tag.local_name().as_ref().to_owned();
        if root.is_none() {
            root = Some(local.clone());
            if let Some(tag) = (local == "rss").then(|| rss_version(tag, empty)).flatten() {
                edits.push((before..after, tag));
            }
        } else {
            let atom_default = matches!(root.as_deref(), Some("feed" | "entry"));
            match mend_for(&local, namespace.as_deref(), atom_default, tag) {
                Mend::Keep => {}
                Mend::Retype(to) => {
                    edits.push((before..after, with_attribute(tag, "type", to, empty)))
                }
                Mend::Drop if empty => drop_range(&mut edits, before..after),
                Mend::Drop => dropping.push((depth + 1, before)),
            }
        }
        if !empty {
            depth += 1;
        }
    }
    (!edits.is_empty()).then(|| apply(text, &edits))
}

/// The `<rss>` start tag with `version="2.0"`, when its version is missing or unknown.
fn rss_version(tag: &BytesStart<'_>, empty: bool) -> Option<String> {
    let version = attribute(tag, "version");
    match version.as_deref() {
        Some(v) if KNOWN_RSS_VERSIONS.contains(&v) => None,
        _ => Some(with_attribute(tag, "version", "2.0", empty)),
    }
}

/// How feed-rs would fare with this element's `type`, and what to make of it.
fn mend_for(
    local: &str,
    namespace: Option<&str>,
    atom_default: bool,
    tag: &BytesStart<'_>,
) -> Mend {
    let atom = namespace == Some(ATOM) || (namespace.is_none() && atom_default);
    let Some(raw) = attribute(tag, "type") else {
        return Mend::Keep;
    };
    let kind = raw
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match (local, atom, namespace) {
        ("title" | "subtitle" | "summary" | "rights", true, _) => atom_text(&raw, &kind),
        // `content` with `src` points elsewhere; feed-rs reads its type as a media type.
        ("content", true, _) if attribute(tag, "src").is_some() => Mend::Keep,
        ("content", true, _) => atom_text(&raw, &kind),
        ("title" | "description", false, Some(MEDIA_RSS)) => match raw.as_str() {
            "plain" | "html" => Mend::Keep,
            _ if kind.contains("html") => Mend::Retype("html"),
            _ => Mend::Retype("plain"),
        },
        _ => Mend::Keep,
    }
}

/// The `type` values feed-rs reads on an Atom text construct, as written.
const ATOM_TEXT_TYPES: [&str; 4] = ["text", "html", "xhtml", "text/html"];

/// An Atom text construct's `type`: kept when feed-rs knows it as written, else html-ish and
/// xml-ish types read as `html` (feed-rs then takes the text, or the markup inside), other
/// text as `text`, and anything else is not text.
fn atom_text(raw: &str, kind: &str) -> Mend {
    if ATOM_TEXT_TYPES.contains(&raw) {
        Mend::Keep
    } else if kind.contains("html") || kind.ends_with("xml") || kind == "xhtml" {
        Mend::Retype("html")
    } else if kind == "text" || kind.starts_with("text/") {
        Mend::Retype("text")
    } else {
        Mend::Drop
    }
}

/// An attribute's raw value, when the tag has it.
fn attribute(tag: &BytesStart<'_>, name: &str) -> Option<String> {
    tag.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.0 == name)
        .map(|a| a.value.into_owned())
}

/// The start tag written again with `name="value"` (replacing one already there); the other
/// attributes keep their raw values.
fn with_attribute(tag: &BytesStart<'_>, name: &str, value: &str, empty: bool) -> String {
    let mut out = format!("<{}", tag.name().0);
    for attr in tag.attributes().with_checks(false).flatten() {
        if attr.key.0 == name {
            continue;
        }
        let quote = if attr.value.contains('"') { '\'' } else { '"' };
        out.push_str(&format!(" {}={quote}{}{quote}", attr.key.0, attr.value));
    }
    out.push_str(&format!(" {name}=\"{value}\""));
    out.push_str(if empty { "/>" } else { ">" });
    out
}

/// Records that `range` goes, replacing the edits inside it.
fn drop_range(edits: &mut Vec<(Range<usize>, String)>, range: Range<usize>) {
    while edits.last().is_some_and(|(r, _)| r.start >= range.start) {
        edits.pop();
    }
    edits.push((range, String::new()));
}

/// `text` with each range replaced; the ranges are in order and do not overlap.
fn apply(text: &str, edits: &[(Range<usize>, String)]) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for (range, replacement) in edits {
        out.push_str(&text[at..range.start]);
        out.push_str(replacement);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_go_wherever_they_are() {
        let plain = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rss/>";
        assert!(matches!(prepare(plain), Cow::Borrowed("\n<rss/>")));
        assert_eq!(
            prepare("  <!-- x --><?xml version='1.0' encoding='latin1'?><rss><?xml?></rss>"),
            "  <!-- x --><rss></rss>"
        );
        // Another processing instruction stays, and so does an unclosed one.
        assert_eq!(
            prepare("<?xml-stylesheet href='a'?><rss/>"),
            "<?xml-stylesheet href='a'?><rss/>"
        );
        assert_eq!(prepare("<rss/><?xml "), "<rss/><?xml ");
        assert_eq!(prepare("<r\0s\0s/>"), "<rss/>");
    }

    #[test]
    fn an_rss_root_without_a_known_version_is_rss_2() {
        let fixed =
            repair("<!-- <rss> --><rss xmlns:dc='x'><channel><title>rss</title></channel></rss>")
                .unwrap();
        assert_eq!(
            fixed,
            "<!-- <rss> --><rss xmlns:dc=\"x\" version=\"2.0\"><channel><title>rss</title></channel></rss>"
        );
        assert!(
            repair("<rss version=\"0.94\"><channel/></rss>")
                .unwrap()
                .contains("version=\"2.0\"")
        );
        assert_eq!(repair("<rss version=\"2.0\"><channel/></rss>"), None);
        // Only the root: an `rss` element inside is content.
        assert_eq!(repair("<feed><rss/></feed>"), None);
    }

    #[test]
    fn unknown_content_types_lose_the_field_not_the_feed() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry>
<title type="application/xhtml+xml"><div>Banjir</div></title>
<summary type="application/octet-stream">QUJD<b>x</b></summary>
<content type="text/plain">Air naik</content>
<rights type="TEXT">r</rights><summary type="image/png"/>
<content type="html">ok</content></entry></feed>"#;
        let fixed = repair(atom).unwrap();
        assert_eq!(
            fixed,
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry>
<title type="html"><div>Banjir</div></title>

<content type="text">Air naik</content>
<rights type="text">r</rights>
<content type="html">ok</content></entry></feed>"#
        );
        // In RSS, an unprefixed `title` with a `type` is not Atom's; Media RSS's is mended.
        let rss = r#"<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><item>
<title type="weird">t</title><media:title type="text">m</media:title></item></channel></rss>"#;
        let fixed = repair(rss).unwrap();
        assert!(fixed.contains(r#"<title type="weird">"#), "{fixed}");
        assert!(fixed.contains(r#"<media:title type="plain">"#), "{fixed}");
    }
}
