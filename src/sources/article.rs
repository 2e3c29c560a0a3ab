//! Article text: for a source with `fetch_article = true`, the page of each item the store
//! does not hold yet is fetched after the poll and its main text (the article, without menus,
//! "Baca juga" links, comments, ads and footer) replaces the feed's one-line summary, so that
//! classification, regions, stories and search see the body.
//!
//! It runs in [`super::poll::SourceRun::turn`], between the poll and the hand-over to the
//! pipeline, through the shared fetcher (per-host limit, size cap, private-network guard).
//! Each page is fetched only when `robots.txt` lets Pantau's user agent have it ([`Robots`],
//! cached per site), and at most `article_daily_cap` pages per source per local day. "New"
//! is asked of the store ([`StoredCheck`]) before anything is fetched, so a restart does not
//! fetch stored articles again, nor spend the cap on them. A page that fails (refused by
//! robots.txt, an HTTP error, no readable text) leaves its item as the feed gave it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Deserializer};
use tokio::time::Instant;
use url::Url;

use super::context::PollCtx;
use super::error::SourceError;
use super::http::Fetcher;
use super::poller::off_workers;
use super::text::{self, MAX_TEXT_CHARS, truncate_chars};
use crate::config::value;
use crate::model::{Post, SourceId};

/// Pages fetched per source per local day unless `article_daily_cap` says otherwise: a busy
/// Kalimantan Timur outlet publishes 100–150 items a day, so 200 leaves room for a first
/// poll's backlog while bounding what one source can ask of one site (about one page every
/// seven minutes over a day).
pub const DEFAULT_DAILY_CAP: u32 = 200;

/// Characters of article text kept unless `article_max_chars` says otherwise: an Indonesian
/// news article is 1,500–5,000 characters; 10,000 keeps nearly every one whole, while a
/// feature or a live blog cannot make one post the size of a book.
pub const DEFAULT_MAX_CHARS: usize = 10_000;

/// Pages of one source fetched at the same time; the fetcher's `per_host` limit applies on
/// top, so one site never sees more than it allows.
const CONCURRENT_PAGES: usize = 4;

/// How long a robots.txt that was read is trusted (RFC 9309 §2.4: at most 24 hours).
const ROBOTS_FRESH: Duration = Duration::from_secs(24 * 3600);
/// How long a site whose robots.txt could not be read (5xx, no connection) is left alone
/// before asking again: RFC 9309 §2.3.1.4 treats it as a full disallow.
const ROBOTS_UNREACHABLE: Duration = Duration::from_secs(30 * 60);
/// Most robots.txt read (RFC 9309 §2.5 asks for at least 500 KiB).
const ROBOTS_MAX_BYTES: usize = 512 * 1024;

/// Most elements an article page may have before it is left unread: news pages have a few
/// thousand; a page of hundreds of thousands is not an article.
const MAX_ELEMENTS: usize = 60_000;

/// The article keys of a `[[sources]]` table, read when `fetch_article = true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticleSettings {
    /// Pages fetched per source per local day.
    pub daily_cap: u32,
    /// Characters of article text kept.
    pub max_chars: usize,
}

impl Default for ArticleSettings {
    fn default() -> Self {
        ArticleSettings {
            daily_cap: DEFAULT_DAILY_CAP,
            max_chars: DEFAULT_MAX_CHARS,
        }
    }
}

impl ArticleSettings {
    /// The settings of `fetch_article`, `article_daily_cap`, `article_max_chars` as read;
    /// `None` when articles are not fetched.
    pub fn of(fetch: bool, daily_cap: Option<u32>, max_chars: Option<usize>) -> Option<Self> {
        fetch.then(|| ArticleSettings {
            daily_cap: daily_cap.unwrap_or(DEFAULT_DAILY_CAP),
            max_chars: max_chars.unwrap_or(DEFAULT_MAX_CHARS),
        })
    }
}

/// `article_daily_cap`: 1 to 100,000 pages a day.
pub fn daily_cap<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    value::uint::<_, _, 1, 100_000>(d).map(Some)
}

/// `article_max_chars`: 200 characters (a lead) up to the most a post holds.
pub fn max_chars<'de, D: Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    value::uint::<_, _, 200, { MAX_TEXT_CHARS as u64 }>(d).map(Some)
}

/// An item as the store identifies it: the source's id for it, and its canonical URL.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ItemKey {
    pub external_id: String,
    pub url: Option<String>,
}

type Check = dyn Fn(SourceId, Vec<ItemKey>) -> BoxFuture<'static, Vec<bool>> + Send + Sync;

/// "Which of these items does the store hold already?" (by the source's id for the item, or
/// its URL from any source), one answer per item in order. The engine builds it over the
/// store; sources never touch the store themselves.
#[derive(Clone)]
pub struct StoredCheck(Arc<Check>);

impl StoredCheck {
    pub fn new(
        check: impl Fn(SourceId, Vec<ItemKey>) -> BoxFuture<'static, Vec<bool>> + Send + Sync + 'static,
    ) -> StoredCheck {
        StoredCheck(Arc::new(check))
    }

    async fn stored(&self, source: &SourceId, items: Vec<ItemKey>) -> Vec<bool> {
        (self.0)(source.clone(), items).await
    }
}

impl std::fmt::Debug for StoredCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoredCheck(..)")
    }
}

/// What a site's robots.txt says, as read.
#[derive(Debug, Clone)]
enum Rules {
    /// No robots.txt (4xx): everything may be fetched (RFC 9309 §2.3.1.3).
    AllowAll,
    /// robots.txt could not be read (5xx, no connection): nothing may be (§2.3.1.4).
    DisallowAll,
    Text(Arc<str>),
}

/// One site's robots.txt as read, and until when it holds; locked while it is being read, so
/// that sources asking at once wait for one request.
type Site = Arc<tokio::sync::Mutex<Option<(Rules, Instant)>>>;

/// robots.txt per site (scheme, host and port), shared by every source of the process and
/// read at most once per site at a time.
#[derive(Debug, Clone, Default)]
pub struct Robots {
    sites: Arc<Mutex<HashMap<String, Site>>>,
}

impl Robots {
    /// Whether `agent` (a product token such as `Pantau`) may fetch `url`; reads the site's
    /// robots.txt when it is not cached or has expired. An error only when the robots.txt
    /// request itself was refused (a private address).
    pub async fn allows(
        &self,
        fetcher: &Fetcher,
        agent: &str,
        url: &Url,
    ) -> Result<bool, SourceError> {
        let origin = url.origin().ascii_serialization();
        let site = {
            let mut sites = self
                .sites
                .lock()
                .expect("robots map lock is never poisoned");
            sites.entry(origin.clone()).or_default().clone()
        };
        let mut cached = site.lock().await;
        let rules = match &*cached {
            Some((rules, until)) if *until > Instant::now() => rules.clone(),
            _ => {
                let (rules, fresh) = read_robots(fetcher, &origin).await?;
                *cached = Some((rules.clone(), Instant::now() + fresh));
                rules
            }
        };
        drop(cached);
        Ok(match rules {
            Rules::AllowAll => true,
            Rules::DisallowAll => false,
            Rules::Text(text) => {
                let (agent, url) = (agent.to_string(), url.to_string());
                // The matcher is a port of C++ working on untrusted text: under the guard.
                crate::panics::guarded(move || {
                    robotstxt::DefaultMatcher::default()
                        .one_agent_allowed_by_robots(&text, &agent, &url)
                })
                .unwrap_or(false)
            }
        })
    }
}

/// Reads `origin/robots.txt`, and how long its answer holds.
async fn read_robots(fetcher: &Fetcher, origin: &str) -> Result<(Rules, Duration), SourceError> {
    let Ok(url) = Url::parse(&format!("{origin}/robots.txt")) else {
        return Ok((Rules::DisallowAll, ROBOTS_UNREACHABLE));
    };
    match fetcher.get_api(&url, "text/plain", None).await {
        Ok(answer) => {
            let body = &answer.body[..answer.body.len().min(ROBOTS_MAX_BYTES)];
            let text = String::from_utf8_lossy(body);
            Ok((Rules::Text(Arc::from(text.as_ref())), ROBOTS_FRESH))
        }
        Err(SourceError::Http { status, .. }) if (400..500).contains(&status) => {
            Ok((Rules::AllowAll, ROBOTS_FRESH))
        }
        Err(e @ SourceError::Private(_)) => Err(e),
        Err(error) => {
            tracing::info!(%url, %error, "robots.txt tidak terbaca; halaman situs ini tidak diambil sementara");
            Ok((Rules::DisallowAll, ROBOTS_UNREACHABLE))
        }
    }
}

/// The product token robots.txt groups are matched against: the user agent up to its first
/// character outside `[A-Za-z_-]` ("Pantau/0.1 (…)" → "Pantau").
pub fn product_token(user_agent: &str) -> &str {
    let end = user_agent
        .find(|c: char| !(c.is_ascii_alphabetic() || c == '-' || c == '_'))
        .unwrap_or(user_agent.len());
    &user_agent[..end]
}

/// Why one article was not read.
#[derive(Debug, thiserror::Error)]
pub enum ArticleError {
    #[error("dilarang oleh robots.txt untuk agen \"{0}\"")]
    Disallowed(String),
    #[error(transparent)]
    Fetch(#[from] SourceError),
    #[error("bukan halaman HTML ({0})")]
    NotHtml(String),
    #[error("teks artikel tidak ditemukan: {0}")]
    NoText(String),
}

/// What one round of article fetching did, for the log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct ArticleRound {
    /// Items the store already held: not fetched.
    stored: usize,
    /// Pages read, their text now the post's.
    read: usize,
    /// Pages that failed (the item keeps its summary).
    failed: usize,
    /// New items left unfetched because the day's cap was spent.
    over_cap: usize,
}

/// A source's article fetching: its settings, what the store holds, the shared robots.txt
/// cache, and how much of today's cap is spent.
#[derive(Debug, Clone)]
pub struct Articles {
    settings: ArticleSettings,
    stored: StoredCheck,
    robots: Robots,
    tz: TimeZone,
    /// The local day counted, and the pages fetched on it.
    spent: (Date, u32),
}

impl Articles {
    /// Article fetching by `settings`, days counted in `tz` (`[schedule] timezone`).
    pub fn new(
        settings: ArticleSettings,
        stored: StoredCheck,
        robots: Robots,
        tz: TimeZone,
    ) -> Articles {
        let today = crate::time::local_date(jiff::Timestamp::now(), &tz);
        Articles {
            settings,
            stored,
            robots,
            tz,
            spent: (today, 0),
        }
    }

    /// Fetches the article of each of `posts` the store does not hold (within today's cap)
    /// and puts its text in the post.
    pub async fn enrich(&mut self, cx: &PollCtx, posts: &mut [Post]) {
        let linked: Vec<usize> = (0..posts.len())
            .filter(|&i| posts[i].url.as_deref().is_some_and(is_web_url))
            .collect();
        if linked.is_empty() {
            return;
        }
        let round = self.enrich_linked(cx, posts, linked).await;
        tracing::debug!(source = %cx.source, stored = round.stored, read = round.read,
            failed = round.failed, over_cap = round.over_cap, "putaran artikel selesai");
    }

    /// [`Self::enrich`] for the posts at `linked`, those with a web link.
    async fn enrich_linked(
        &mut self,
        cx: &PollCtx,
        posts: &mut [Post],
        linked: Vec<usize>,
    ) -> ArticleRound {
        let mut round = ArticleRound::default();
        let keys = linked
            .iter()
            .map(|&i| ItemKey {
                external_id: posts[i].external_id.clone(),
                url: posts[i].url.clone(),
            })
            .collect();
        let stored = self.stored.stored(&cx.source, keys).await;
        let mut wanted = Vec::new();
        for (&i, known) in linked
            .iter()
            .zip(stored.iter().chain(std::iter::repeat(&true)))
        {
            if *known {
                round.stored += 1;
            } else if self.take_from_cap() {
                wanted.push(i);
            } else {
                round.over_cap += 1;
            }
        }
        let agent = product_token(cx.fetcher.user_agent()).to_string();
        let max_chars = self.settings.max_chars;
        let pages: Vec<(usize, Result<String, ArticleError>)> =
            futures_util::stream::iter(wanted.into_iter().map(|i| {
                let url = posts[i].url.clone().unwrap_or_default();
                let (agent, robots) = (agent.clone(), self.robots.clone());
                async move { (i, read(cx, &robots, &agent, &url, max_chars).await) }
            }))
            .buffer_unordered(CONCURRENT_PAGES)
            .collect()
            .await;
        for (i, page) in pages {
            let post = &mut posts[i];
            match page {
                Ok(body) => {
                    merge(post, body);
                    round.read += 1;
                }
                Err(error) => {
                    round.failed += 1;
                    tracing::warn!(source = %cx.source, url = post.url.as_deref().unwrap_or(""), %error,
                        "artikel tidak terbaca; butir disimpan dengan ringkasannya");
                }
            }
        }
        if round.over_cap > 0 {
            tracing::info!(source = %cx.source, cap = self.settings.daily_cap, left = round.over_cap,
                "batas harian artikel tercapai; butir lain disimpan dengan ringkasannya");
        }
        round
    }

    /// Counts one page against today's cap; false when it is spent.
    fn take_from_cap(&mut self) -> bool {
        let today = crate::time::local_date(jiff::Timestamp::now(), &self.tz);
        if self.spent.0 != today {
            self.spent = (today, 0);
        }
        if self.spent.1 >= self.settings.daily_cap {
            return false;
        }
        self.spent.1 += 1;
        true
    }
}

/// An outlet's page: http(s), and not a Google News link, which leads to Google (never asked)
/// rather than to the article.
fn is_web_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && !super::google_news::is_google_news(url)
}

/// One article: robots.txt, the page, its main text.
async fn read(
    cx: &PollCtx,
    robots: &Robots,
    agent: &str,
    url: &str,
    max_chars: usize,
) -> Result<String, ArticleError> {
    let url = Url::parse(url).map_err(|e| ArticleError::NoText(format!("URL tidak valid: {e}")))?;
    if !robots.allows(&cx.fetcher, agent, &url).await? {
        return Err(ArticleError::Disallowed(agent.to_string()));
    }
    let page = cx
        .fetcher
        .get_api(
            &url,
            "text/html, application/xhtml+xml;q=0.9, */*;q=0.1",
            None,
        )
        .await?;
    let content_type = page.header("content-type").map(str::to_string);
    if let Some(kind) = &content_type
        && !kind.to_ascii_lowercase().contains("html")
    {
        return Err(ArticleError::NotHtml(kind.clone()));
    }
    let base = page.url.to_string();
    off_workers("pembaca artikel", move || {
        let html = text::decode(&page.body, content_type.as_deref());
        extract(&html, &base, max_chars)
    })
    .await?
}

/// The main text of an article page, at most `max_chars` characters, paragraphs on lines of
/// their own.
pub fn extract(html: &str, url: &str, max_chars: usize) -> Result<String, ArticleError> {
    if text::nesting_exceeds(html, text::MAX_NESTING) {
        // A page nested this deep is hostile, and deep trees are walked recursively.
        return Err(ArticleError::NoText(
            "halaman bersarang terlalu dalam".into(),
        ));
    }
    let config = dom_smoothie::Config {
        max_elements_to_parse: MAX_ELEMENTS,
        text_mode: dom_smoothie::TextMode::Formatted,
        ..dom_smoothie::Config::default()
    };
    let article = dom_smoothie::Readability::new(html, Some(url), Some(config))
        .and_then(|mut r| r.parse())
        .map_err(|e| ArticleError::NoText(e.to_string()))?;
    let tidy = without_headline(tidy_lines(&article.text_content), &article.title);
    if tidy.is_empty() {
        return Err(ArticleError::NoText("halaman tanpa teks".into()));
    }
    Ok(truncate_chars(tidy, max_chars))
}

/// The text without its first line when that line is the page's headline: the post has the
/// headline as its title already, and the classifier would read it twice.
fn without_headline(text: String, title: &str) -> String {
    let fold = |s: &str| s.trim().to_lowercase();
    let title = fold(title);
    let Some((first, rest)) = text.split_once('\n') else {
        return text;
    };
    let first = fold(first);
    let is_headline = !first.is_empty()
        && (first == title
            || title
                .strip_prefix(first.as_str())
                .is_some_and(|tail| tail.trim_start().starts_with(['-', '|', '–', '—'])));
    if is_headline { rest.to_string() } else { text }
}

/// Spaces collapsed within lines; empty lines and the lines Indonesian outlets put inside the
/// body itself ("Baca juga: …" links, ad labels, "artikel ini telah tayang di …") dropped:
/// they sit in the article's own paragraphs, where a readability scorer keeps them.
fn tidy_lines(raw: &str) -> String {
    raw.lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty() && !is_inline_boilerplate(line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Lines that open with these (case folded) are the outlet's, not the article's.
const INLINE_BOILERPLATE: [&str; 9] = [
    "baca juga",
    "baca selengkapnya",
    "simak juga",
    "lihat juga",
    "berita terkait",
    "advertisement",
    "scroll to continue",
    "artikel ini telah tayang",
    "dapatkan update berita",
];

fn is_inline_boilerplate(line: &str) -> bool {
    let head: String = line.chars().take(40).flat_map(char::to_lowercase).collect();
    let head = head.trim_start_matches(|c: char| !c.is_alphanumeric());
    INLINE_BOILERPLATE.iter().any(|b| head.starts_with(b))
}

/// Puts an article's text in its post: the body replaces a summary it holds or outgrows
/// (a feed's summary is the article's lead); a summary longer than the page's text stays.
fn merge(post: &mut Post, body: String) {
    let summary = post.text.trim();
    if body.chars().count() >= summary.chars().count() {
        post.text = body;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_product_token_is_the_agents_name() {
        assert_eq!(
            product_token("Pantau/0.1 (pemantauan isu publik; +https://x)"),
            "Pantau"
        );
        assert_eq!(product_token("pantau-bot"), "pantau-bot");
        assert_eq!(product_token(""), "");
    }

    #[test]
    fn settings_apply_only_when_articles_are_fetched() {
        assert_eq!(ArticleSettings::of(false, Some(5), None), None);
        assert_eq!(
            ArticleSettings::of(true, None, None),
            Some(ArticleSettings::default())
        );
        assert_eq!(
            ArticleSettings::of(true, Some(5), Some(300)),
            Some(ArticleSettings {
                daily_cap: 5,
                max_chars: 300
            })
        );
    }

    #[test]
    fn inline_links_and_labels_are_not_the_article() {
        let raw = "Banjir merendam Sempaja.\n  \nBaca juga: Harga Cabai Meroket\n\
                   ADVERTISEMENT\n— Baca Juga —\nWarga   mengungsi.\n\
                   Artikel ini telah tayang di Warta.com";
        assert_eq!(
            tidy_lines(raw),
            "Banjir merendam Sempaja.\nWarga mengungsi."
        );
        // A sentence that merely contains the words stays.
        assert_eq!(
            tidy_lines("Warga diminta baca juga pengumuman BPBD."),
            "Warga diminta baca juga pengumuman BPBD."
        );
    }

    #[test]
    fn only_outlets_pages_are_read() {
        assert!(is_web_url("https://warta.example/berita/1"));
        assert!(is_web_url("http://127.0.0.1:8080/berita/1"));
        assert!(!is_web_url(
            "https://news.google.com/rss/articles/CBMi?oc=5"
        ));
        assert!(!is_web_url("file:///etc/passwd"));
        assert!(!is_web_url("ftp://warta.example/a"));
    }

    #[test]
    fn the_headline_is_not_read_twice() {
        let text = "Banjir di Sempaja\nAir naik.".to_string();
        assert_eq!(
            without_headline(text.clone(), "Banjir di Sempaja"),
            "Air naik."
        );
        assert_eq!(
            without_headline(text.clone(), "Banjir di Sempaja - Warta Mahakam"),
            "Air naik."
        );
        assert_eq!(without_headline(text.clone(), "Kabar lain"), text);
        assert_eq!(
            without_headline("Satu baris".into(), "Satu baris"),
            "Satu baris"
        );
    }

    #[test]
    fn a_hostile_page_is_refused_not_walked() {
        let deep = "<div>".repeat(40_000) + "banjir" + &"</div>".repeat(40_000);
        let err = extract(&deep, "https://warta.example/a", 1000).unwrap_err();
        assert!(err.to_string().contains("bersarang"), "{err}");
        let err = extract("", "https://warta.example/a", 1000).unwrap_err();
        assert!(matches!(err, ArticleError::NoText(_)), "{err}");
    }
}
