//! `pantau sources --check`: one plain request to where each source reads from, to tell an
//! operator on a connected machine which configured addresses answer and with what — a feed
//! with items, a sitemap with URLs, JSON, an HTML page — before pruning the list.
//!
//! The request goes through the sources' own [`Fetcher`] (the same user agent, timeouts,
//! body cap, per-host politeness and private-network guard, with the source's own
//! `allow_private`), once, without validators, cursor or token: what it answers is what a
//! first poll would start from. Nothing is stored.

use std::time::{Duration, Instant};

use url::Url;

use super::SourceError;
use super::http::{Fetched, Fetcher, Validators};

/// What a source's address answered.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The HTTP status of a successful answer, or of a refusal (`None`: no answer, or a
    /// `file://` address).
    pub status: Option<u16>,
    pub content_type: Option<String>,
    /// What the body looks like (`None` when the request failed).
    pub looks: Option<Looks>,
    pub elapsed: Duration,
    /// The failure, when there was one.
    pub error: Option<SourceError>,
}

impl Probe {
    /// Whether the address answered with something a source can read.
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// The shape of a body, as far as a glance tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Looks {
    /// RSS, Atom or JSON Feed, with its items.
    Feed {
        items: usize,
    },
    /// A sitemap (`<urlset>`), with its `<loc>` URLs.
    Sitemap {
        urls: usize,
    },
    /// A sitemap index, with its sitemaps.
    SitemapIndex {
        sitemaps: usize,
    },
    Json,
    Html,
    Other,
}

impl Looks {
    /// For people, in Indonesian.
    pub fn describe(&self) -> String {
        match self {
            Looks::Feed { items } => format!("feed, {items} item"),
            Looks::Sitemap { urls } => format!("sitemap, {urls} URL"),
            Looks::SitemapIndex { sitemaps } => format!("indeks sitemap, {sitemaps} sitemap"),
            Looks::Json => "JSON".into(),
            Looks::Html => "halaman HTML".into(),
            Looks::Other => "isi lain".into(),
        }
    }

    /// A stable name for `--json`.
    pub fn name(&self) -> &'static str {
        match self {
            Looks::Feed { .. } => "feed",
            Looks::Sitemap { .. } => "sitemap",
            Looks::SitemapIndex { .. } => "sitemap_index",
            Looks::Json => "json",
            Looks::Html => "html",
            Looks::Other => "other",
        }
    }

    /// Items, URLs or sitemaps found, where that has a meaning.
    pub fn count(&self) -> Option<usize> {
        match self {
            Looks::Feed { items } => Some(*items),
            Looks::Sitemap { urls } => Some(*urls),
            Looks::SitemapIndex { sitemaps } => Some(*sitemaps),
            _ => None,
        }
    }
}

/// The `Accept` of a check: a source may be a feed, a sitemap, JSON or a page.
const ACCEPT: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
                      application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, \
                      text/html;q=0.7, */*;q=0.5";

/// Fetches `url` once with `fetcher` and says what came back.
pub async fn probe(fetcher: &Fetcher, url: &Url) -> Probe {
    let started = Instant::now();
    let answer = match url.scheme() {
        "file" => fetcher
            .get(url, &Validators::default())
            .await
            .map(|fetched| match fetched {
                Fetched::Changed(doc) => (None, doc.content_type, doc.body),
                Fetched::NotModified => (None, None, Vec::new()),
            }),
        _ => fetcher
            .get_api(url, ACCEPT, None)
            .await
            .map(|r| (Some(r.status), header(&r.headers), r.body)),
    };
    let elapsed = started.elapsed();
    match answer {
        Ok((status, content_type, body)) => Probe {
            status,
            looks: Some(looks(&body, content_type.as_deref())),
            content_type,
            elapsed,
            error: None,
        },
        Err(error) => Probe {
            status: match &error {
                SourceError::Http { status, .. } => Some(*status),
                _ => None,
            },
            content_type: None,
            looks: None,
            elapsed,
            error: Some(error),
        },
    }
}

fn header(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// What `body` looks like: a sitemap or an index by its root element, a feed when the feed
/// parser reads it, JSON when it parses, HTML by its type or its first tag.
pub fn looks(body: &[u8], content_type: Option<&str>) -> Looks {
    let text = String::from_utf8_lossy(body);
    let head: String = text.trim_start().chars().take(2048).collect();
    let head = head.to_ascii_lowercase();
    if head.contains("<sitemapindex") {
        return Looks::SitemapIndex {
            sitemaps: text.matches("<sitemap>").count() + text.matches("<sitemap ").count(),
        };
    }
    if head.contains("<urlset") {
        return Looks::Sitemap {
            urls: text.matches("<loc>").count(),
        };
    }
    let html = head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || content_type.is_some_and(|t| t.to_ascii_lowercase().starts_with("text/html"));
    if !html {
        // A parser of untrusted bytes runs guarded: a panic is only "not a feed".
        let feed = crate::panics::guarded(|| feed_rs::parser::parse(body).ok())
            .ok()
            .flatten();
        if let Some(feed) = feed {
            return Looks::Feed {
                items: feed.entries.len(),
            };
        }
    }
    if html {
        return Looks::Html;
    }
    if serde_json::from_slice::<serde_json::Value>(body).is_ok() {
        return Looks::Json;
    }
    Looks::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_recognised() {
        let rss = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>K</title>\
            <item><title>a</title><link>https://k.example/a</link></item>\
            <item><title>b</title><link>https://k.example/b</link></item></channel></rss>";
        assert_eq!(looks(rss, None), Looks::Feed { items: 2 });
        let sitemap = b"<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
            <url><loc>https://k.example/1</loc></url><url><loc>https://k.example/2</loc></url></urlset>";
        assert_eq!(looks(sitemap, None), Looks::Sitemap { urls: 2 });
        let index = b"<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
            <sitemap><loc>https://k.example/s1.xml</loc></sitemap></sitemapindex>";
        assert_eq!(looks(index, None), Looks::SitemapIndex { sitemaps: 1 });
        assert_eq!(looks(b"{\"data\": []}", None), Looks::Json);
        assert_eq!(
            looks(b"<!DOCTYPE html><html><body>Berita</body></html>", None),
            Looks::Html
        );
        assert_eq!(
            looks(b"<div>berita</div>", Some("text/html; charset=utf-8")),
            Looks::Html
        );
        assert_eq!(looks(b"\x00\x01\x02 biner", None), Looks::Other);
    }
}
