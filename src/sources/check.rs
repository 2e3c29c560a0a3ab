//! `pantau sources --check`: one plain request to where each source reads from, to tell an
//! operator on a connected machine which configured addresses answer and with what — a feed
//! with items, a sitemap with URLs, a listing page with items, JSON — before pruning the list.
//!
//! The request goes through the sources' own [`Fetcher`] (the same user agent, timeouts,
//! body cap, per-host politeness and private-network guard, with the source's own
//! `allow_private`), once, without validators, cursor or token: what it answers is what a
//! first poll would start from. The body is judged by the source's own kind where it can
//! ([`judge`]): a feed source is read by the feed reader, a sitemap by the sitemap reader, a
//! listing page by its selectors, so an answer the source could not read counts as failed.
//! A source whose kind needs a token is not checked. Nothing is stored.

use std::time::{Duration, Instant};

use url::Url;

use super::SourceError;
use super::http::{Document, Fetched, Fetcher, Validators};
use super::kind::AnySpec;
use super::poller::off_workers;
use super::{feed, google_news, html, news_sitemap, youtube};
use crate::model::SourceId;

/// Why a source is left unchecked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Reading it takes a token, which a check does not send.
    Secret,
    /// Its address is not http, https or file (a WebSocket).
    NotWeb,
}

impl Skip {
    /// For people, in Indonesian.
    pub fn describe(self) -> &'static str {
        match self {
            Skip::Secret => "tidak diperiksa: perlu token",
            Skip::NotWeb => "tidak diperiksa: bukan alamat http/https/file",
        }
    }

    /// A stable name for `--json`.
    pub fn name(self) -> &'static str {
        match self {
            Skip::Secret => "secret",
            Skip::NotWeb => "not_web",
        }
    }
}

/// Where a check of `spec` fetches: its location, when that is an http(s) or file address
/// and reading it takes no token. A location is written for people (`base (akun …)`), so
/// one that does not parse is not an address to try.
pub fn address(spec: &dyn AnySpec) -> Result<Url, Skip> {
    if spec.needs_secret() {
        return Err(Skip::Secret);
    }
    Url::parse(&spec.location())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https" | "file"))
        .ok_or(Skip::NotWeb)
}

/// What a source's address answered.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The HTTP status of a successful answer, or of a refusal (`None`: no answer, or a
    /// `file://` address).
    pub status: Option<u16>,
    pub content_type: Option<String>,
    /// What the body looks like (`None` when nothing came back).
    pub looks: Option<Looks>,
    pub elapsed: Duration,
    /// The failure, when there was one: no answer, or one the source's kind cannot read.
    pub error: Option<SourceError>,
}

impl Probe {
    /// Whether the address answered with something the source can read.
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }

    /// A check that failed before any answer.
    pub fn failed(error: SourceError) -> Probe {
        Probe {
            status: match &error {
                SourceError::Http { status, .. } => Some(*status),
                _ => None,
            },
            content_type: None,
            looks: None,
            elapsed: Duration::ZERO,
            error: Some(error),
        }
    }
}

/// The shape of a body, as its source's kind read it, or as far as a glance tells.
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
    /// A listing page read with an `html` source's selectors, with the items they found.
    Listing {
        items: usize,
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
            Looks::Listing { items } => format!("halaman HTML, {items} item"),
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
            Looks::Listing { .. } => "listing",
            Looks::Json => "json",
            Looks::Html => "html",
            Looks::Other => "other",
        }
    }

    /// Items, URLs or sitemaps found, where that has a meaning.
    pub fn count(&self) -> Option<usize> {
        match self {
            Looks::Feed { items } | Looks::Listing { items } => Some(*items),
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

/// Fetches `url` once with `fetcher` and says what came back, as `spec`'s kind reads it.
pub async fn probe(fetcher: &Fetcher, spec: &dyn AnySpec, url: &Url) -> Probe {
    let started = Instant::now();
    let answer = fetch(fetcher, url).await;
    let (status, doc) = match answer {
        Ok(answer) => answer,
        Err(error) => {
            return Probe {
                elapsed: started.elapsed(),
                ..Probe::failed(error)
            };
        }
    };
    let elapsed = started.elapsed();
    let content_type = doc.content_type.clone();
    let kind = Judge::of(spec, fetcher.max_body_bytes());
    // A body the kind cannot read still gets its glance: "a web page" says what went wrong.
    let judged = off_workers("pemeriksa isi", move || {
        kind.judge(&doc)
            .map_err(|e| (e, looks(&doc.body, doc.content_type.as_deref())))
    })
    .await;
    let (looks, error) = match judged {
        Ok(Ok(looks)) => (Some(looks), None),
        Ok(Err((error, glance))) => (Some(glance), Some(error)),
        Err(error) => (None, Some(error)),
    };
    Probe {
        status,
        content_type,
        looks,
        elapsed,
        error,
    }
}

/// One plain GET: its status (none for a file) and the document.
async fn fetch(fetcher: &Fetcher, url: &Url) -> Result<(Option<u16>, Document), SourceError> {
    if url.scheme() == "file" {
        return match fetcher.get(url, &Validators::default()).await? {
            Fetched::Changed(doc) => Ok((None, doc)),
            // Without validators a file is always read; this only keeps the match whole.
            Fetched::NotModified => Err(SourceError::Empty),
        };
    }
    let answer = fetcher.get_api(url, ACCEPT, None).await?;
    let doc = Document {
        content_type: answer
            .header(reqwest::header::CONTENT_TYPE.as_str())
            .map(str::to_owned),
        body: answer.body,
        url: answer.url,
        validators: Validators::default(),
    };
    Ok((Some(answer.status), doc))
}

/// How a source's kind reads a body, taken out of its spec to run on the blocking pool.
enum Judge {
    /// The feed reader (`feed`, `google_news`, `youtube`).
    Feed,
    /// The sitemap reader, with the body cap its gzip opening keeps to.
    Sitemap { cap: u64 },
    /// The listing reader with the source's selectors.
    Listing(Box<html::Spec>),
    /// Any other kind: a glance ([`looks`]).
    Glance,
}

impl Judge {
    fn of(spec: &dyn AnySpec, cap: u64) -> Judge {
        let any = spec.as_any();
        if any.is::<feed::Spec>() || any.is::<google_news::Spec>() || any.is::<youtube::Spec>() {
            Judge::Feed
        } else if any.is::<news_sitemap::Spec>() {
            Judge::Sitemap { cap }
        } else if let Some(listing) = any.downcast_ref::<html::Spec>() {
            Judge::Listing(Box::new(listing.clone()))
        } else {
            Judge::Glance
        }
    }

    /// What `doc` is to this kind; an error when the kind cannot read it (a feed source
    /// answering a web page, selectors that find no item).
    fn judge(&self, doc: &Document) -> Result<Looks, SourceError> {
        match self {
            Judge::Feed => {
                let source = SourceId::new("periksa");
                let (_, items) = feed::parse::parse(doc, &source, jiff::Timestamp::now())?;
                Ok(Looks::Feed { items })
            }
            Judge::Sitemap { cap } => {
                let sitemap =
                    news_sitemap::read_body(doc.body.clone(), doc.content_type.as_deref(), *cap)?;
                Ok(match sitemap {
                    news_sitemap::parse::Sitemap::Urls(urls) => Looks::Sitemap { urls: urls.len() },
                    news_sitemap::parse::Sitemap::Index(children) => Looks::SitemapIndex {
                        sitemaps: children.len(),
                    },
                })
            }
            Judge::Listing(spec) => {
                let items = spec
                    .read_first_page(doc, jiff::Timestamp::now())?
                    .items
                    .len();
                Ok(Looks::Listing { items })
            }
            Judge::Glance => Ok(looks(&doc.body, doc.content_type.as_deref())),
        }
    }
}

/// What `body` looks like at a glance, for kinds that do not read it here (a JSON API) and
/// to say what came instead of what a kind expected: a sitemap or an index by its root
/// element, a feed when the feed parser reads it, JSON when it parses, HTML by its type or
/// its first tag.
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
    use crate::model::Medium;
    use crate::sources::poller::Poll;

    /// A kind read with a token, whose location is a label for people.
    #[derive(Debug, Clone, PartialEq, serde::Deserialize)]
    struct Tokened {
        location: String,
    }

    impl crate::sources::Spec for Tokened {
        const KIND: &'static str = "uji_token";
        const MEDIUM: Option<Medium> = None;
        const EXAMPLE: &'static str = "";
        fn location(&self) -> String {
            self.location.clone()
        }
        fn poller(&self) -> Box<dyn Poll> {
            unreachable!("a check builds no poller")
        }
        fn needs_secret(&self) -> bool {
            true
        }
    }

    #[test]
    fn sources_needing_a_token_or_without_an_address_are_skipped() {
        let tokened = Tokened {
            location: "https://graph.example/v1".into(),
        };
        assert_eq!(address(&tokened), Err(Skip::Secret));
        assert_eq!(Skip::Secret.describe(), "tidak diperiksa: perlu token");
        let feed = feed::Spec {
            url: Url::parse("https://kaltim.example/rss").unwrap(),
        };
        assert_eq!(
            address(&feed).unwrap().as_str(),
            "https://kaltim.example/rss"
        );
        let label = feed::Spec {
            url: Url::parse("wss://jetstream.example/subscribe").unwrap(),
        };
        assert_eq!(address(&label), Err(Skip::NotWeb));
    }

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
