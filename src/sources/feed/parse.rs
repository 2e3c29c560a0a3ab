//! Feed bytes → [`Post`]s. feed-rs reads every format into one model; this adapter decodes the
//! charset first, makes the text safe for the XML reader and mends what lenient readers forgive
//! ([`super::repair`]), turns HTML into text, and picks the item's link, id, author, times and
//! language. The poller runs it under the panic guard ([`crate::panics`]): a panic in a
//! dependency is that poll's failure.

use jiff::Timestamp;

use super::identity::{canonical_url, external_id};
use super::repair;
use crate::model::{FUTURE_SLACK, Post, SourceId, primary_language};
use crate::sources::error::SourceError;
use crate::sources::http::Document;
use crate::sources::text::{decode, html_to_text};

/// Deepest element nesting accepted in a feed.
const MAX_XML_NESTING: usize = 1000;

/// Parses one fetched feed. Returns the posts and how many items the feed held (items with
/// neither title nor text are skipped, so the two can differ).
pub fn parse(
    doc: &Document,
    source: &SourceId,
    fetched: Timestamp,
) -> Result<(Vec<Post>, usize), SourceError> {
    let text = decode(&doc.body, doc.content_type.as_deref());
    let head = text.trim_start().get(..100).unwrap_or(text.trim_start());
    let head = head.to_ascii_lowercase();
    if head.starts_with("<!doctype html") || head.starts_with("<html") {
        return Err(SourceError::Parse(
            "alamat ini memberi halaman HTML, bukan feed".into(),
        ));
    }
    // A real feed nests a few levels; thousands are an attack on the parser's stack.
    if crate::sources::text::nesting_exceeds(&text, MAX_XML_NESTING) {
        return Err(SourceError::Parse(format!(
            "elemen bersarang lebih dari {MAX_XML_NESTING} tingkat"
        )));
    }
    // Every declaration goes: the text is UTF-8 now, and an `encoding` left in would make the
    // XML reader switch decoders (or panic doing so).
    let prepared = repair::prepare(&text);
    let feed = match read(&prepared, doc) {
        Ok(feed) => feed,
        // What lenient readers forgive — a bare `&` from a hand-made template, an `<rss>`
        // without a version, a field of an unknown content type — is mended and read once
        // more; the first error stands when that does not help.
        Err(first) => {
            let escaped = escape_bare_ampersands(&prepared);
            let base = escaped.as_deref().unwrap_or(&prepared);
            let mended = repair::repair(base);
            if escaped.is_none() && mended.is_none() {
                return Err(SourceError::Parse(describe(&first)));
            }
            read(mended.as_deref().unwrap_or(base), doc)
                .map_err(|_| SourceError::Parse(describe(&first)))?
        }
    };

    let feed_lang = feed.language.as_deref().and_then(primary_language);
    let items_found = feed.entries.len();
    let posts = feed
        .entries
        .into_iter()
        .filter_map(|entry| to_post(entry, source, fetched, feed_lang.as_deref(), &doc.url))
        .collect();
    Ok((posts, items_found))
}

/// One feed-rs parse of `text`. A fresh parser each time: feed-rs keeps state in its parser,
/// and reusing one after a failed parse trips an internal assertion.
fn read(
    text: &str,
    doc: &Document,
) -> Result<feed_rs::model::Feed, feed_rs::parser::ParseFeedError> {
    feed_rs::parser::Builder::new()
        .base_uri(Some(doc.url.as_str()))
        // An empty id tells us the item had none, so we can fall back to the URL ourselves
        // (feed-rs would otherwise make one up, sometimes randomly).
        .id_generator(|_, _, _| String::new())
        .timestamp_parser(|s| {
            crate::time::parse_feed_date(s)
                .and_then(|ts| chrono::DateTime::from_timestamp(ts.as_second(), 0))
        })
        .build()
        .parse(text.as_bytes())
}

/// Why feed-rs refused a feed, on one line: the sources table and the log show it so.
fn describe(error: &feed_rs::parser::ParseFeedError) -> String {
    use feed_rs::parser::{ParseErrorKind, ParseFeedError};
    let why = match error {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => {
            "tidak ada elemen akar RSS, Atom atau RDF, dan bukan JSON Feed".to_owned()
        }
        ParseFeedError::XmlReader(e) => format!("XML rusak: {e}"),
        ParseFeedError::JsonSerde(e) => format!("JSON rusak: {e}"),
        ParseFeedError::JsonUnsupportedVersion(v) => {
            format!("versi JSON Feed tidak didukung: {v}")
        }
        other => other.to_string(),
    };
    why.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn to_post(
    entry: feed_rs::model::Entry,
    source: &SourceId,
    fetched: Timestamp,
    feed_lang: Option<&str>,
    base: &url::Url,
) -> Option<Post> {
    let title = entry
        .title
        .map(|t| html_to_text(&t.content))
        .filter(|t| !t.is_empty());
    // A body that is not text (base64 of a file, say) is lost, not read as words.
    let body = entry
        .content
        .filter(|c| is_text(c.content_type.as_str()))
        .and_then(|c| c.body)
        .map(|b| html_to_text(&b))
        .filter(|t| !t.is_empty());
    let summary = entry
        .summary
        .map(|s| html_to_text(&s.content))
        .filter(|t| !t.is_empty());
    let text = body.or(summary).unwrap_or_default();
    if title.is_none() && text.is_empty() {
        return None;
    }
    let link = entry
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or(entry.links.first())
        .and_then(|l| canonical_url(&l.href, Some(base)));
    let published = entry
        .published
        .or(entry.updated)
        .and_then(|d| Timestamp::from_second(d.timestamp()).ok())
        .map(|ts| {
            if ts > fetched + FUTURE_SLACK {
                fetched
            } else {
                ts
            }
        })
        .unwrap_or(fetched);
    let author = entry
        .authors
        .first()
        .and_then(|p| p.name.as_deref().map(html_to_text))
        .filter(|a| !a.is_empty());
    let lang = entry
        .language
        .as_deref()
        .and_then(primary_language)
        .or_else(|| feed_lang.map(str::to_owned));

    let mut post = Post {
        source: source.clone(),
        external_id: String::new(),
        url: link,
        title,
        text,
        author,
        published,
        fetched,
        lang,
        platform: None,
        reach: Default::default(),
    };
    post.external_id = external_id(&entry.id, post.url.as_deref(), || post.text_hash());
    Some(post)
}

/// Whether a content's media type is text a person reads: `text/*`, HTML, XHTML or XML.
fn is_text(media_type: &str) -> bool {
    let media_type = media_type.to_ascii_lowercase();
    media_type.starts_with("text/") || media_type.contains("html") || media_type.ends_with("xml")
}

/// Replaces every `&` that does not start an entity or character reference with `&amp;`;
/// `None` when there is none.
pub(crate) fn escape_bare_ampersands(text: &str) -> Option<String> {
    let is_reference = |rest: &str| {
        let body = rest.split(';').next().unwrap_or("");
        rest.len() > body.len()
            && !body.is_empty()
            && body.len() <= 32
            && (body.chars().all(|c| c.is_ascii_alphanumeric())
                || body.strip_prefix('#').is_some_and(|n| {
                    n.chars().all(|c| c.is_ascii_digit())
                        || n.strip_prefix(['x', 'X'])
                            .is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit()))
                }))
    };
    let mut out = String::with_capacity(text.len() + 64);
    let mut changed = false;
    for (i, piece) in text.split('&').enumerate() {
        if i > 0 {
            if is_reference(piece) {
                out.push('&');
            } else {
                out.push_str("&amp;");
                changed = true;
            }
        }
        out.push_str(piece);
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::http::Validators;

    fn doc(body: &str) -> Document {
        Document {
            body: body.as_bytes().to_vec(),
            content_type: None,
            url: url::Url::parse("https://warta.example/rss").unwrap(),
            validators: Validators::default(),
        }
    }

    fn now() -> Timestamp {
        "2026-11-27T02:00:00Z".parse().unwrap()
    }

    #[test]
    fn rss2_items_become_posts() {
        let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>W</title><language>id-ID</language>
        <item><title>Banjir &lt;b&gt;rendam&lt;/b&gt; Sempaja</title><link>/berita/1?utm_source=rss</link>
        <description>&lt;p&gt;Air setinggi 50 cm.&lt;/p&gt;</description><guid>w-1</guid>
        <pubDate>Jum, 27 Nov 2026 09:00:00 WITA</pubDate><author>Redaksi</author></item>
        <item><title>Tanpa guid</title><link>https://warta.example/berita/2</link></item>
        <item></item>
        </channel></rss>"#;
        let (posts, found) = parse(&doc(rss), &"w".into(), now()).unwrap();
        assert_eq!(found, 3);
        assert_eq!(posts.len(), 2);
        let p = &posts[0];
        assert_eq!(p.title.as_deref(), Some("Banjir rendam Sempaja"));
        assert_eq!(p.text, "Air setinggi 50 cm.");
        assert_eq!(p.url.as_deref(), Some("https://warta.example/berita/1"));
        assert_eq!(p.external_id, "w-1");
        assert_eq!(
            p.published,
            "2026-11-27T01:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(p.lang.as_deref(), Some("id"));
        assert_eq!(p.author.as_deref(), Some("Redaksi"));
        assert_eq!(posts[1].external_id, "https://warta.example/berita/2");
        assert_eq!(posts[1].published, now());
    }

    #[test]
    fn atom_rss1_and_json_feed() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
          <entry><id>tag:a,1</id><title type="html">Listrik &amp;amp; air</title>
          <link rel="alternate" href="https://a.example/1"/><updated>2026-11-26T10:00:00+08:00</updated>
          <content type="html">&lt;p&gt;Padam 3 jam&lt;/p&gt;</content></entry></feed>"#;
        let (posts, _) = parse(&doc(atom), &"a".into(), now()).unwrap();
        assert_eq!(posts[0].title.as_deref(), Some("Listrik & air"));
        assert_eq!(posts[0].text, "Padam 3 jam");

        let rdf = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
          <channel rdf:about="x"><title>R</title></channel>
          <item rdf:about="https://r.example/1"><title>Harga cabai naik</title><link>https://r.example/1</link></item></rdf:RDF>"#;
        let (posts, _) = parse(&doc(rdf), &"r".into(), now()).unwrap();
        assert_eq!(posts[0].title.as_deref(), Some("Harga cabai naik"));

        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[
          {"id":"j1","content_html":"<p>Antrean solar</p>","url":"https://j.example/1","date_published":"2026-11-26T10:00:00+08:00"}]}"#;
        let (posts, _) = parse(&doc(json), &"j".into(), now()).unwrap();
        assert_eq!(posts[0].text, "Antrean solar");
        assert_eq!(posts[0].external_id, "j1");
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        for body in [
            "<html><body>Bukan feed</body></html>",
            "<!DOCTYPE html><html></html>",
            "<rss><channel><item>",
            "{\"x\":",
            "\u{0}\u{1}garbage",
        ] {
            let err = parse(&doc(body), &"x".into(), now());
            assert!(matches!(err, Err(SourceError::Parse(_))), "{body}: {err:?}");
        }
    }

    #[test]
    fn bare_ampersands_are_forgiven() {
        let rss = r#"<rss version="2.0"><channel><item><title>Harga BBM & elpiji &amp; solar</title><guid>1</guid>
          <link>https://a.example/x?id=1&utm_source=rss</link></item></channel></rss>"#;
        let (posts, _) = parse(&doc(rss), &"x".into(), now()).unwrap();
        assert_eq!(
            posts[0].title.as_deref(),
            Some("Harga BBM & elpiji & solar")
        );
        assert_eq!(posts[0].url.as_deref(), Some("https://a.example/x?id=1"));
        assert_eq!(
            escape_bare_ampersands("a &#233; &#xE9; &lt; & b"),
            Some("a &#233; &#xE9; &lt; &amp; b".into())
        );
        assert_eq!(escape_bare_ampersands("tanpa"), None);
    }

    #[test]
    fn deeply_nested_feeds_are_refused() {
        let body = format!(
            "<rss version=\"2.0\"><channel><item><title>x</title>{}{}</item></channel></rss>",
            "<x>".repeat(50_000),
            "</x>".repeat(50_000)
        );
        let err = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(move || parse(&doc(&body), &"x".into(), now()).unwrap_err())
            .unwrap()
            .join()
            .unwrap();
        assert!(err.to_string().contains("bersarang"), "{err}");
    }

    #[test]
    fn future_dates_are_clamped() {
        let rss = r#"<rss version="2.0"><channel><item><title>x</title><guid>1</guid>
          <pubDate>Sat, 01 Jan 2050 00:00:00 +0000</pubDate></item></channel></rss>"#;
        let (posts, _) = parse(&doc(rss), &"x".into(), now()).unwrap();
        assert_eq!(posts[0].published, now());
    }
}
