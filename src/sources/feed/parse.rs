//! Feed bytes → [`Post`]s. feed-rs reads every format into one model; this adapter decodes the
//! charset first, turns HTML into text, picks the item's link, id, author, times and language,
//! and never panics on hostile input.

use std::panic::AssertUnwindSafe;

use jiff::Timestamp;

use super::identity::{canonical_url, external_id};
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
    let run = |bytes: &[u8]| {
        // A fresh parser each time: feed-rs keeps state in its parser, and reusing one after a
        // failed parse trips an internal assertion.
        let parser = feed_rs::parser::Builder::new()
            .base_uri(Some(doc.url.as_str()))
            // An empty id tells us the item had none, so we can fall back to the URL ourselves
            // (feed-rs would otherwise make one up, sometimes randomly).
            .id_generator(|_, _, _| String::new())
            .timestamp_parser(|s| {
                crate::time::parse_feed_date(s)
                    .and_then(|ts| chrono::DateTime::from_timestamp(ts.as_second(), 0))
            })
            .build();
        std::panic::catch_unwind(AssertUnwindSafe(|| parser.parse(bytes)))
            .map_err(|_| SourceError::Parse("pengurai feed gagal pada isi ini".into()))?
            .map_err(|e| SourceError::Parse(e.to_string()))
    };
    let feed = match run(text.as_bytes()) {
        Ok(feed) => feed,
        // Feeds written by hand-made templates often carry a bare `&` (in links with query
        // strings, or in titles); escape those and try once more before giving up.
        Err(first) => match escape_bare_ampersands(&text) {
            Some(fixed) => run(fixed.as_bytes()).map_err(|_| first)?,
            None => return Err(first),
        },
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
    let body = entry
        .content
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
        shares: 0,
    };
    post.external_id = external_id(&entry.id, post.url.as_deref(), || post.text_hash());
    Some(post)
}

/// Replaces every `&` that does not start an entity or character reference with `&amp;`;
/// `None` when there is none.
fn escape_bare_ampersands(text: &str) -> Option<String> {
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
