//! The `news_sitemap` kind: an outlet's Google News sitemap (`<urlset>` with `<news:news>`),
//! a plain sitemap (`<url>` with `<lastmod>`), or a sitemap index whose newest children are
//! followed. Many of the province's outlets publish no working feed but do publish one of
//! these, for Google. Parsing is [`parse`]'s; this file fetches, picks what is new and maps it.
//!
//! Keys of a `[[sources]] kind = "news_sitemap"` table:
//! - `url` (required): the sitemap or index (`https://…`, or `file://…`); `.xml.gz` is read
//!   whether or not the server marks it as compressed.
//! - `max_sitemaps`: children of an index read, newest `<lastmod>` first; default 3 (1–20).
//! - `max_items`: links taken in one poll, newest first; default 200 (1–1000).
//! - `timezone`: the zone of dates written without one; default `WITA`.
//!
//! What is new: the cursor holds the HTTP validators of the sitemap (and of each child read),
//! so an unchanged sitemap costs a 304, and the links handed on before ([`Seen`], bounded,
//! with a date floor), so only links not seen before become posts. The first poll takes the
//! newest `max_items` links and counts the rest as read; later polls take up to `max_items`
//! new links, newest first, and leave any more for the next poll.
//!
//! A post is the link (its id too), `<news:title>` as title (else the words of the link's last
//! path segment), `<news:keywords>` as text (the body comes from article fetching when the
//! source sets it), `<news:language>` as language, the publication name as author, and
//! `<news:publication_date>` (else `<lastmod>`) as published time; a date that cannot be read
//! is the fetch time, with a warning.

pub mod parse;

use std::io::Read;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use url::Url;

use self::parse::{Child, Entry, Sitemap};
use super::context::PollCtx;
use super::dates::{self, Zone};
use super::error::SourceError;
use super::feed::identity::canonical_url;
use super::http::{Document, Fetched};
use super::kind;
use super::poller::{Batch, Poll, off_workers};
use super::seen::{Kept, Seen};
use crate::config::value;
use crate::model::{Cursor, Medium, Post, Reach, SourceId, primary_language};

/// Links remembered between polls: twice the largest Google News sitemap (1,000 links).
pub const SEEN_CAPACITY: usize = 2000;

/// `[[sources]] kind = "news_sitemap"` (keys in the module documentation).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    #[serde(deserialize_with = "sitemap_url")]
    pub url: Url,
    #[serde(
        default = "default_max_sitemaps",
        deserialize_with = "value::uint::<_, _, 1, 20>"
    )]
    pub max_sitemaps: usize,
    #[serde(
        default = "default_max_items",
        deserialize_with = "value::uint::<_, _, 1, 1000>"
    )]
    pub max_items: usize,
    #[serde(default, deserialize_with = "dates::zone")]
    pub timezone: Zone,
}

fn default_max_sitemaps() -> usize {
    3
}

fn default_max_items() -> usize {
    200
}

fn sitemap_url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Url, D::Error> {
    value::url(d, &["http", "https", "file"])
}

impl kind::Spec for Spec {
    const KIND: &'static str = "news_sitemap";
    const PLATFORM: &'static str = "news";
    const MEDIUM: Option<Medium> = Some(Medium::News);
    const EXAMPLE: &'static str = "url = \"https://contoh.id/sitemap-news.xml\"\nmax_sitemaps = 3\n\
                                   max_items = 200\ntimezone = \"WITA\"";

    fn location(&self) -> String {
        self.url.to_string()
    }

    fn poller(&self) -> Box<dyn Poll> {
        Box::new(Poller { spec: self.clone() })
    }
}

/// The cursor's content.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Position {
    /// The sitemap's (or index's) validators.
    #[serde(flatten)]
    sitemap: Kept,
    /// The children of an index read last time, with their validators.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    children: Vec<ChildState>,
    #[serde(default)]
    seen: Seen,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ChildState {
    url: String,
    #[serde(flatten)]
    kept: Kept,
}

/// A link of a sitemap: its date, its canonical address, its entry.
type Dated = (Option<Timestamp>, String, Entry);

/// A sitemap read this poll, with the address its relative links resolve against.
struct Listing {
    base: Url,
    entries: Vec<Entry>,
}

/// Polls one sitemap.
#[derive(Debug)]
pub struct Poller {
    spec: Spec,
}

impl Poll for Poller {
    fn poll<'a>(
        &'a self,
        cx: &'a PollCtx,
        cursor: &'a Cursor,
    ) -> BoxFuture<'a, Result<Batch, SourceError>> {
        self.poll_once(cx, cursor).boxed()
    }
}

impl Poller {
    async fn poll_once(&self, cx: &PollCtx, cursor: &Cursor) -> Result<Batch, SourceError> {
        let mut pos: Position = cursor.state(&cx.source, "sitemap");
        let fetched = Timestamp::now();
        let mut reads = Vec::new();
        match cx
            .fetcher
            .get(&self.spec.url, &(&pos.sitemap).into())
            .await?
        {
            Fetched::NotModified if pos.children.is_empty() => {
                return Ok(Batch {
                    cursor: cursor.clone(),
                    not_modified: true,
                    ..Batch::default()
                });
            }
            Fetched::NotModified => {}
            Fetched::Changed(doc) => {
                pos.sitemap = doc.validators.clone().into();
                let base = doc.url.clone();
                match read_document(cx, doc).await? {
                    Sitemap::Urls(entries) => {
                        pos.children.clear();
                        reads.push(Listing { base, entries });
                    }
                    Sitemap::Index(children) => {
                        pos.children = self.choose_children(cx, &base, children, &pos.children);
                    }
                }
            }
        }
        self.read_children(cx, &mut pos, &mut reads).await?;
        if reads.is_empty() {
            // Nothing changed anywhere: the index, and every child read last time.
            return Ok(Batch {
                cursor: Cursor::from_state(&pos),
                not_modified: true,
                ..Batch::default()
            });
        }
        let items_found = reads.iter().map(|r| r.entries.len()).sum();
        let posts = self.select(&cx.source, reads, &mut pos.seen, fetched);
        Ok(Batch {
            posts,
            cursor: Cursor::from_state(&pos),
            not_modified: false,
            items_found,
        })
    }

    /// The newest `max_sitemaps` children of an index by `<lastmod>` (undated ones after the
    /// dated, in the index's order), each with the validators it had last time. Only links of
    /// the index's own scheme family are followed: an index on the web never points the
    /// poller at a file of this machine.
    fn choose_children(
        &self,
        cx: &PollCtx,
        base: &Url,
        children: Vec<Child>,
        before: &[ChildState],
    ) -> Vec<ChildState> {
        let web = matches!(base.scheme(), "http" | "https");
        let mut dated: Vec<(Option<Timestamp>, Url)> = children
            .into_iter()
            .filter_map(|child| {
                let url = base.join(child.loc.trim()).ok()?;
                let fits = if web {
                    matches!(url.scheme(), "http" | "https")
                } else {
                    url.scheme() == base.scheme()
                };
                if !fits {
                    tracing::warn!(source = %cx.source, child = %url, "sitemap anak dengan skema lain dilewati");
                    return None;
                }
                let date = child
                    .lastmod
                    .as_deref()
                    .and_then(|d| dates::parse(d, Timestamp::now(), &self.spec.timezone));
                Some((date, url))
            })
            .collect();
        // Stable: children of the same date keep the index's order.
        dated.sort_by_key(|d| std::cmp::Reverse(d.0));
        dated
            .into_iter()
            .take(self.spec.max_sitemaps)
            .map(|(_, url)| {
                let url = url.to_string();
                before
                    .iter()
                    .find(|c| c.url == url)
                    .cloned()
                    .unwrap_or(ChildState {
                        url,
                        ..ChildState::default()
                    })
            })
            .collect()
    }

    /// Reads the children in `pos` conditionally, updating their validators. A child that
    /// fails is skipped (and read again next poll) while another child answers; when all fail,
    /// the first failure is the poll's.
    async fn read_children(
        &self,
        cx: &PollCtx,
        pos: &mut Position,
        reads: &mut Vec<Listing>,
    ) -> Result<(), SourceError> {
        let mut first_error = None;
        let mut answered = 0;
        for child in &mut pos.children {
            let Ok(url) = Url::parse(&child.url) else {
                continue;
            };
            let outcome = match cx.fetcher.get(&url, &(&child.kept).into()).await {
                Ok(Fetched::NotModified) => Ok(None),
                Ok(Fetched::Changed(doc)) => {
                    let validators = doc.validators.clone();
                    let base = doc.url.clone();
                    read_document(cx, doc)
                        .await
                        .map(|s| Some((s, validators, base)))
                }
                Err(e) => Err(e),
            };
            match outcome {
                Ok(None) => answered += 1,
                Ok(Some((Sitemap::Urls(entries), validators, base))) => {
                    answered += 1;
                    child.kept = validators.into();
                    reads.push(Listing { base, entries });
                }
                Ok(Some((Sitemap::Index(_), ..))) => {
                    answered += 1;
                    tracing::warn!(source = %cx.source, child = %url, "sitemap anak berupa indeks lagi; tidak diikuti");
                }
                Err(error) => {
                    tracing::warn!(source = %cx.source, child = %url, %error, "sitemap anak gagal dibaca; dicoba lagi pada putaran berikut");
                    first_error.get_or_insert(error);
                }
            }
        }
        match first_error {
            Some(error) if answered == 0 => Err(error),
            _ => Ok(()),
        }
    }

    /// Every link of `reads`, absolute and canonical, with its date (`<news:publication_date>`,
    /// else `<lastmod>`), and how many dates were written but could not be read.
    fn dated_links(&self, reads: Vec<Listing>, fetched: Timestamp) -> (Vec<Dated>, usize) {
        let mut undated = 0;
        let mut links = Vec::new();
        for read in reads {
            for entry in read.entries {
                let Some(url) = canonical_url(&entry.loc, Some(&read.base)) else {
                    continue;
                };
                let written = entry
                    .news
                    .as_ref()
                    .and_then(|n| n.publication_date.as_deref())
                    .or(entry.lastmod.as_deref());
                let date = written.and_then(|d| dates::parse(d, fetched, &self.spec.timezone));
                if written.is_some() && date.is_none() {
                    undated += 1;
                }
                links.push((date, url, entry));
            }
        }
        (links, undated)
    }

    /// The links not seen before, newest first, at most `max_items`, as posts; `seen` learns
    /// them (and, on the first poll, every other link too).
    fn select(
        &self,
        source: &SourceId,
        reads: Vec<Listing>,
        seen: &mut Seen,
        fetched: Timestamp,
    ) -> Vec<Post> {
        let first_poll = seen.is_empty();
        let (listed, undated) = self.dated_links(reads, fetched);
        if undated > 0 {
            tracing::warn!(%source, links = undated, "tanggal di sitemap tidak terbaca; dipakai waktu pengambilan");
        }
        let mut fresh = seen.take_new(listed, |(date, url, _)| (url.as_str(), *date));
        fresh.sort_by_key(|f| std::cmp::Reverse(f.0));
        let rest = fresh.split_off(fresh.len().min(self.spec.max_items));
        if first_poll {
            for (date, url, _) in &rest {
                seen.insert(url, date.unwrap_or(fetched));
            }
        } else if !rest.is_empty() {
            tracing::info!(%source, left = rest.len(), "tautan baru melebihi max_items; sisanya diambil pada putaran berikut");
        }
        let posts = fresh
            .into_iter()
            .filter_map(|(date, url, entry)| {
                seen.insert(&url, date.unwrap_or(fetched));
                to_post(source, url, entry, date, fetched)
            })
            .collect();
        seen.trim(SEEN_CAPACITY);
        posts
    }
}

/// Reads a fetched sitemap off the async workers ([`read_body`]).
async fn read_document(cx: &PollCtx, doc: Document) -> Result<Sitemap, SourceError> {
    let cap = cx.fetcher.max_body_bytes();
    off_workers("pengurai sitemap", move || {
        read_body(doc.body, doc.content_type.as_deref(), cap)
    })
    .await?
}

/// Decompresses (when gzip, within `cap` bytes), decodes and parses a sitemap's body: CPU
/// work on untrusted bytes, for the blocking pool under the panic guard.
pub fn read_body(
    body: Vec<u8>,
    content_type: Option<&str>,
    cap: u64,
) -> Result<Sitemap, SourceError> {
    let body = gunzip(body, cap)?;
    let text = crate::sources::text::decode(&body, content_type);
    if crate::sources::text::nesting_exceeds(&text, 64) {
        return Err(SourceError::Parse(
            "sitemap bersarang terlalu dalam (lebih dari 64 tingkat)".into(),
        ));
    }
    let prepared = crate::sources::feed::repair::prepare(&text);
    parse::parse(&prepared)
}

/// `body` itself, or its gzip content (a `.xml.gz` served as a file rather than with
/// `Content-Encoding`), capped at `cap` bytes so that a small bomb cannot fill the memory.
pub fn gunzip(body: Vec<u8>, cap: u64) -> Result<Vec<u8>, SourceError> {
    if !body.starts_with(&[0x1f, 0x8b]) {
        return Ok(body);
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(body.as_slice())
        .take(cap.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| SourceError::Parse(format!("gzip rusak: {e}")))?;
    if out.len() as u64 > cap {
        return Err(SourceError::TooLarge { limit: cap });
    }
    Ok(out)
}

/// One link as a post; `None` when it has neither a headline nor words in its address.
fn to_post(
    source: &SourceId,
    url: String,
    entry: Entry,
    date: Option<Timestamp>,
    fetched: Timestamp,
) -> Option<Post> {
    let news = entry.news.unwrap_or_default();
    let title = news.title.or_else(|| slug_words(&url))?;
    let text = news
        .keywords
        .map(|k| {
            k.split(',')
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    Some(Post {
        source: source.clone(),
        external_id: url.clone(),
        url: Some(url),
        title: Some(title),
        text,
        author: news.publication,
        published: date.unwrap_or(fetched),
        fetched,
        lang: news.language.as_deref().and_then(primary_language),
        platform: None,
        reach: Reach::default(),
    })
}

/// The words of a link's last path segment (`/berita/2025/12/06/banjir-rendam-sempaja.html`
/// → "banjir rendam sempaja"), for a plain sitemap that gives no headline: enough for the
/// classifier until the article's text is fetched. Numbers alone are no words.
fn slug_words(url: &str) -> Option<String> {
    let url = Url::parse(url).ok()?;
    let segment = url.path_segments()?.rev().find(|s| !s.is_empty())?;
    let segment = segment.split('.').next().unwrap_or(segment);
    let words: Vec<&str> = segment
        .split(['-', '_', '+'])
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_give_words() {
        assert_eq!(
            slug_words("https://a.example/berita/2025/12/06/banjir-rendam-sempaja.html").as_deref(),
            Some("banjir rendam sempaja")
        );
        assert_eq!(
            slug_words("https://a.example/read/2025/12/06/123456/jalan_rusak-di-kubar/").as_deref(),
            Some("jalan rusak di kubar")
        );
        assert_eq!(slug_words("https://a.example/read/123456"), None);
        assert_eq!(slug_words("https://a.example/"), None);
    }

    #[test]
    fn gzip_is_opened_and_capped() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&vec![b'a'; 10_000]).unwrap();
        let packed = gz.finish().unwrap();
        assert_eq!(gunzip(packed.clone(), 10_000).unwrap().len(), 10_000);
        assert_eq!(gunzip(packed, 9_999).unwrap_err().class(), "too_large");
        assert_eq!(gunzip(b"<urlset/>".to_vec(), 5).unwrap(), b"<urlset/>");
        assert_eq!(
            gunzip(vec![0x1f, 0x8b, 0, 1, 2], 100).unwrap_err().class(),
            "parse"
        );
    }
}
