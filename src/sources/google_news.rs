//! The `google_news` kind: a Google News search as RSS. The address is built from a query in
//! Indonesian for Indonesia (`hl=id&gl=ID&ceid=ID:id`), polled by the feed poller, and the
//! publisher that Google News appends to every title ("Banjir di Samarinda - Tribunkaltim.co")
//! is moved into the post's author, so the title is the headline and the briefing can say who
//! published it.
//!
//! One article, one post: an item's `news.google.com/rss/articles/<id>` link is replaced by the
//! outlet's own address when the id carries it ([`outlet_url`]: the older ids are a protobuf
//! message holding the URL; the newer ones, starting `AU_yqL` inside, hold only a key that
//! Google resolves, and Google is never asked). The store's URL de-duplication then makes the
//! Google News item and the outlet's own item one post, whichever comes first. An item whose
//! link stays on Google News joins the outlet's item as one story by its headline (see
//! `crate::stories`), and the story shows the outlet's link (see `store::stories`).

use serde::Deserialize;
use url::Url;

use super::feed::{self, FeedPoller};
use super::kind;
use super::poller::Poll;
use crate::config::{Invalid, value};
use crate::model::{Medium, Post};

/// `[[sources]] kind = "google_news"`: `query` in Google's search syntax; optional `language`
/// and `country` (default "id", "ID"); optional `url`, the service's base address (a test
/// server, a mirror).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub query: String,
    #[serde(default = "indonesian")]
    pub language: String,
    #[serde(default = "indonesia")]
    pub country: String,
    #[serde(
        rename = "url",
        default = "default_base",
        deserialize_with = "value::http_url"
    )]
    pub base: Url,
}

fn indonesian() -> String {
    "id".into()
}

fn indonesia() -> String {
    "ID".into()
}

fn default_base() -> Url {
    value::fixed_url("https://news.google.com")
}

impl kind::Spec for Spec {
    const KIND: &'static str = "google_news";
    const PLATFORM: &'static str = "news";
    const MEDIUM: Option<Medium> = Some(Medium::News);
    const EXAMPLE: &'static str = "query = \"banjir (Samarinda OR Balikpapan)\"\n\
                                   language = \"id\"\ncountry = \"ID\"\nurl = \"https://news.google.com\"";

    fn settle(&mut self) -> Result<(), Invalid> {
        self.query = self.query.trim().to_string();
        if self.query.is_empty() {
            return Err(Invalid::new("query", "kueri kosong", None));
        }
        Ok(())
    }

    fn location(&self) -> String {
        self.feed().url.to_string()
    }

    fn poller(&self) -> Box<dyn Poll> {
        Box::new(FeedPoller::refined(self.feed(), refine))
    }
}

impl Spec {
    /// The search, as the RSS feed the feed poller reads.
    pub fn feed(&self) -> feed::Spec {
        feed::Spec {
            url: search_url(&self.base, &self.query, &self.language, &self.country),
        }
    }
}

/// `{base}/rss/search?q=…&hl=id&gl=ID&ceid=ID:id`.
pub fn search_url(base: &Url, query: &str, language: &str, country: &str) -> Url {
    let mut url = base.clone();
    url.set_path(&format!("{}/rss/search", base.path().trim_end_matches('/')));
    url.query_pairs_mut()
        .clear()
        .append_pair("q", query)
        .append_pair("hl", language)
        .append_pair("gl", country)
        .append_pair("ceid", &format!("{country}:{language}"));
    url
}

/// A Google News item as the outlet's: the publisher out of the title, the outlet's link.
pub fn refine(post: &mut Post) {
    split_publisher(post);
    if let Some(outlet) = post.url.as_deref().and_then(outlet_url) {
        post.url = Some(outlet);
    }
}

/// Whether `url` is a Google News address (an article link that could not be decoded).
pub fn is_google_news(url: &str) -> bool {
    Url::parse(url).is_ok_and(|u| u.host_str() == Some("news.google.com"))
}

/// The outlet's address carried by a Google News article link
/// (`https://news.google.com/rss/articles/CBMi…?oc=5`, also `/articles/…` and
/// `/__i/rss/rd/articles/…`), canonical; `None` when the link is not one or its id is of the
/// newer form, which carries no address.
///
/// The id is URL-safe base64 of a protobuf message: field 1 a number, field 4 the article's
/// URL, field 26 its AMP URL. In the newer form field 4 holds an opaque key (`AU_yqL…`).
pub fn outlet_url(link: &str) -> Option<String> {
    use base64::Engine;
    let url = Url::parse(link).ok()?;
    if url.host_str() != Some("news.google.com") {
        return None;
    }
    let mut segments = url.path_segments()?;
    let id = segments.next_back()?;
    if segments.next_back()? != "articles" {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id.trim_end_matches('='))
        .ok()?;
    let field = protobuf_string(&bytes, 4)?;
    let text = std::str::from_utf8(field).ok()?;
    if !(text.starts_with("https://") || text.starts_with("http://")) {
        return None;
    }
    super::feed::identity::canonical_url(text, None).filter(|u| !is_google_news(u))
}

/// The first length-delimited field `number` of a protobuf message, read without a schema;
/// `None` when the bytes are not a well-formed message up to it.
fn protobuf_string(mut bytes: &[u8], number: u64) -> Option<&[u8]> {
    while !bytes.is_empty() {
        let key = varint(&mut bytes)?;
        match key & 7 {
            0 => {
                varint(&mut bytes)?;
            }
            2 => {
                let len = usize::try_from(varint(&mut bytes)?).ok()?;
                let value = bytes.get(..len)?;
                if key >> 3 == number {
                    return Some(value);
                }
                bytes = &bytes[len..];
            }
            // Fixed-width fields: 64-bit, then 32-bit.
            1 => bytes = bytes.get(8..)?,
            5 => bytes = bytes.get(4..)?,
            _ => return None,
        }
    }
    None
}

/// A protobuf varint, consumed from the front of `bytes`.
fn varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = bytes.split_first()?;
        *bytes = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// "Headline - Publisher" → title "Headline", author "Publisher" (when the feed named no
/// author). The last " - " splits, so a headline with a dash of its own keeps it.
pub fn split_publisher(post: &mut Post) {
    let Some(title) = post.title.as_deref() else {
        return;
    };
    let Some((headline, publisher)) = title.rsplit_once(" - ") else {
        return;
    };
    let (headline, publisher) = (headline.trim(), publisher.trim());
    if headline.is_empty() || publisher.is_empty() || publisher.chars().count() > 80 {
        return;
    }
    // Google News repeats the title (with the publisher) as the description.
    if post.text.trim() == title.trim() || post.text.trim().starts_with(headline) {
        post.text = headline.to_string();
    }
    if post.author.is_none() {
        post.author = Some(publisher.to_string());
    }
    post.title = Some(headline.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An id of the older form, as Google News wrote it: field 1 = 19, field 4 the URL, field
    /// 26 the AMP URL.
    #[test]
    fn an_older_id_carries_the_outlets_address() {
        let link = "https://news.google.com/rss/articles/CBMiLmh0dHBzOi8vd3d3LmJiYy5jb20vbmV3cy9hcnRpY2xlcy9jampqbnhkdjE4OG_SATJodHRwczovL3d3dy5iYmMuY29tL25ld3MvYXJ0aWNsZXMvY2pqam54ZHYxODhvLmFtcA?oc=5";
        assert_eq!(
            outlet_url(link).as_deref(),
            Some("https://www.bbc.com/news/articles/cjjjnxdv188o")
        );
        let other_path = link.replace("/rss/articles/", "/__i/rss/rd/articles/");
        assert!(outlet_url(&other_path).is_some());
        // The tracking parameters of the address inside are dropped like any link's.
        let id = encode("https://kaltim.tribunnews.com/2026/11/26/banjir?utm_source=gn");
        assert_eq!(
            outlet_url(&format!("https://news.google.com/rss/articles/{id}?oc=5")).as_deref(),
            Some("https://kaltim.tribunnews.com/2026/11/26/banjir")
        );
    }

    /// The newer form, the fixture's ids, broken ids and other hosts give nothing.
    #[test]
    fn a_newer_or_broken_id_gives_nothing() {
        for link in [
            "https://news.google.com/rss/articles/CBMiekFVX3lxTE1hN0x4dTFfQ2VzUmZHc3l4?oc=5",
            "https://news.google.com/rss/articles/CBMiVkFVX3lxTE4zaGU2bTY2ZGkzdTRkSkJ0cFpsTGlDUjkxU2FBRURaTWU0c3QzVWZ1MHZZNkZ5Vzk1ZVBnTDFHY2R6ZmdCUkpUTUJsS1pqQTlCRzlzbHV3?oc=5",
            "https://news.google.com/rss/articles/!!!",
            "https://news.google.com/rss/articles/CBMi",
            "https://news.google.com/rss/articles/CP____________",
            "https://news.google.com/search?q=banjir",
            "https://warta.example/rss/articles/CBMiLmh0dHBzOi8vd3d3LmJiYy5jb20vbmV3cy9hcnRpY2xlcy9jampqbnhkdjE4OG8",
            "bukan alamat",
        ] {
            assert_eq!(outlet_url(link), None, "{link}");
        }
        // An id that points back at Google News is no outlet.
        let id = encode("https://news.google.com/rss/articles/x");
        assert_eq!(
            outlet_url(&format!("https://news.google.com/articles/{id}")),
            None
        );
    }

    /// An older-form id for `url`, as Google News builds it.
    fn encode(url: &str) -> String {
        use base64::Engine;
        let mut bytes = vec![0x08, 0x13, 0x22, url.len() as u8];
        bytes.extend_from_slice(url.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn builds_an_indonesian_search_address() {
        let base = Url::parse("https://news.google.com").unwrap();
        let url = search_url(&base, "banjir (Samarinda OR Balikpapan)", "id", "ID");
        assert_eq!(
            url.as_str(),
            "https://news.google.com/rss/search?q=banjir+%28Samarinda+OR+Balikpapan%29&hl=id&gl=ID&ceid=ID%3Aid"
        );
        let local = Url::parse("http://127.0.0.1:9/gn/").unwrap();
        assert_eq!(
            search_url(&local, "ikn", "id", "ID").path(),
            "/gn/rss/search"
        );
    }

    #[test]
    fn moves_the_publisher_out_of_the_title() {
        let mut post = Post {
            source: "gn".into(),
            external_id: "1".into(),
            url: None,
            title: Some(
                "Jembatan Mahakam Ditabrak Tongkang - Warta Mahakam - Tribunkaltim.co".into(),
            ),
            text: "Jembatan Mahakam Ditabrak Tongkang - Warta Mahakam - Tribunkaltim.co".into(),
            author: None,
            published: jiff::Timestamp::UNIX_EPOCH,
            fetched: jiff::Timestamp::UNIX_EPOCH,
            lang: None,
            platform: None,
            reach: Default::default(),
        };
        split_publisher(&mut post);
        assert_eq!(
            post.title.as_deref(),
            Some("Jembatan Mahakam Ditabrak Tongkang - Warta Mahakam")
        );
        assert_eq!(post.author.as_deref(), Some("Tribunkaltim.co"));
        assert_eq!(
            post.text,
            "Jembatan Mahakam Ditabrak Tongkang - Warta Mahakam"
        );
        let mut plain = post.clone();
        plain.title = Some("Tanpa penerbit".into());
        plain.author = None;
        split_publisher(&mut plain);
        assert_eq!(plain.title.as_deref(), Some("Tanpa penerbit"));
        assert_eq!(plain.author, None);
    }
}
