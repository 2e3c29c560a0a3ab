//! The `reddit` kind: the newest posts of a subreddit, or of a search (site-wide or within a
//! subreddit), through Reddit's public JSON listings (`/r/NAME/new.json`, `/search.json`).
//!
//! Keys of a `[[sources]] kind = "reddit"` table:
//! - `url`: the service's base address; default `"https://www.reddit.com"`.
//! - `subreddit`: a subreddit's name without `r/` (`"indonesia"`), or several joined with `+`
//!   (`"indonesia+kalimantan"`); and/or
//! - `search`: a query in Reddit's search syntax (`"samarinda OR balikpapan"`). With both, the
//!   search is restricted to the subreddit; at least one is required.
//! - `limit`: posts per page, 1 to 100 (Reddit's maximum); default 100.
//!
//! What is new: the first poll reads the newest page only. The cursor then holds the newest
//! post's fullname (`t3_…`) and time; later polls ask for `before=<fullname>` (the posts just
//! newer than it) and page on with the newest fullname of each page until a page is empty or
//! [`MAX_PAGES`] were read, so a busy subreddit is caught up without a gap. When the anchor
//! post was deleted, Reddit answers every `before` query with an empty page forever; so when
//! the first `before` page is empty, the plain first page is read and its posts newer than the
//! cursor's time are kept, and the cursor moves to that page's newest post. A quiet round thus
//! costs two requests.
//!
//! Deleted and removed posts (author `[deleted]`, text `[removed]`/`[deleted]`, or
//! `removed_by_category` set) are counted but not stored. Reddit answers 429 (or 403) when
//! polled too fast: that is an ordinary HTTP failure with backoff ([`super::poll`]). A
//! successful answer saying `x-ratelimit-remaining: 0` keeps its posts, stops paging, and
//! records in the cursor the instant `x-ratelimit-reset` names: until then a poll of this
//! source makes no request and reports "not modified". The cursor is committed with the posts,
//! so the pause survives a restart, and nothing outside this file had to change for it.

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::context::PollCtx;
use super::error::SourceError;
use super::feed::identity::canonical_url;
use super::http::ApiResponse;
use super::kind;
use super::poller::{Batch, Poll, map_records};
use super::text::html_to_text;
use crate::config::{Invalid, value};
use crate::model::{Cursor, Medium, Post, Reach, SourceId};

const DEFAULT_BASE: &str = "https://www.reddit.com";

/// Where people read a post. Links are built on the public site whatever `url` says: the base
/// may be a test server, a mirror or the API host `oauth.reddit.com`, none of which is a page
/// to click in a briefing, and one public link per post lets two sources that find the same
/// post (a subreddit and a search) store it once.
const PUBLIC_SITE: &str = "https://www.reddit.com";

/// Pages read in one round after the first: a busy subreddit is caught up within an interval,
/// and one round stays within Reddit's allowance; the rest follows next round.
pub const MAX_PAGES: usize = 10;

/// Reddit's largest page.
const MAX_LIMIT: u64 = 100;

const ACCEPT: &str = "application/json";

/// `[[sources]] kind = "reddit"` (keys in the module documentation).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    #[serde(
        rename = "url",
        default = "default_base",
        deserialize_with = "value::http_url"
    )]
    pub base: Url,
    /// Subreddit name(s) without `r/`, joined with `+`.
    pub subreddit: Option<String>,
    /// A search query.
    pub search: Option<String>,
    /// Posts per page (1..=100).
    #[serde(
        default = "max_limit",
        deserialize_with = "value::uint::<_, _, 1, MAX_LIMIT>"
    )]
    pub limit: u8,
}

fn default_base() -> Url {
    value::fixed_url(DEFAULT_BASE)
}

fn max_limit() -> u8 {
    MAX_LIMIT as u8
}

impl kind::Spec for Spec {
    const KIND: &'static str = "reddit";
    const MEDIUM: Option<Medium> = Some(Medium::Social);
    const EXAMPLE: &'static str = "url = \"https://www.reddit.com\"\nsubreddit = \"indonesia\"\n\
                                   search = \"samarinda banjir\"\nlimit = 100";

    /// A subreddit, a search or both; the subreddit's name as Reddit writes it.
    fn settle(&mut self) -> Result<(), Invalid> {
        if self.subreddit.is_none() && self.search.is_none() {
            return Err(Invalid::new(
                "subreddit",
                "kunci \"subreddit\" atau \"search\" wajib diisi",
                Some(
                    "misalnya subreddit = \"indonesia\" atau search = \"samarinda banjir\"".into(),
                ),
            ));
        }
        if let Some(raw) = &self.subreddit {
            self.subreddit = Some(parse_subreddit(raw)?);
        }
        if let Some(q) = &mut self.search {
            *q = q.trim().to_string();
            if q.is_empty() || q.chars().count() > 512 {
                return Err(Invalid::new(
                    "search",
                    "kueri pencarian kosong atau lebih dari 512 karakter",
                    None,
                ));
            }
        }
        Ok(())
    }

    /// Where the source is read from, for people.
    fn location(&self) -> String {
        self.listing_url(None).to_string()
    }

    fn poller(&self) -> Box<dyn Poll> {
        Box::new(Poller::new(self.clone()))
    }
}

impl Spec {
    /// The listing's address, newest first, optionally only the posts newer than `before`.
    pub fn listing_url(&self, before: Option<&str>) -> Url {
        let mut url = self.base.clone();
        url.set_query(None);
        url.set_fragment(None);
        {
            let mut path = url
                .path_segments_mut()
                .expect("an http(s) base always has a path");
            path.pop_if_empty();
            if let Some(name) = &self.subreddit {
                path.extend(["r", name.as_str()]);
            }
            path.push(if self.search.is_some() {
                "search.json"
            } else {
                "new.json"
            });
        }
        {
            let mut query = url.query_pairs_mut();
            if let Some(q) = &self.search {
                query.append_pair("q", q);
                if self.subreddit.is_some() {
                    query.append_pair("restrict_sr", "1");
                }
                query.append_pair("sort", "new");
            }
            query.append_pair("limit", &self.limit.to_string());
            // Text as written (`&`, `<`), not HTML-escaped.
            query.append_pair("raw_json", "1");
            if let Some(fullname) = before {
                query.append_pair("before", fullname);
            }
        }
        url
    }
}

/// `r/Indonesia+kalimantan` → `Indonesia+kalimantan`; Reddit names are 2 to 21 letters,
/// digits or `_`.
fn parse_subreddit(raw: &str) -> Result<String, Invalid> {
    let name = raw.trim().trim_start_matches('/');
    let name = name
        .strip_prefix("r/")
        .or_else(|| name.strip_prefix("R/"))
        .unwrap_or(name)
        .trim_end_matches('/');
    let valid = name.split('+').all(|part| {
        (2..=21).contains(&part.len())
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    if valid {
        Ok(name.to_string())
    } else {
        Err(Invalid::new(
            "subreddit",
            format!("nama subreddit \"{raw}\" tidak valid"),
            Some("tulis namanya saja, misalnya subreddit = \"indonesia\"; gabungkan beberapa dengan +".into()),
        ))
    }
}

/// The cursor's content: the newest post seen, and a pause Reddit asked for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Position {
    /// Fullname of the newest post seen (`t3_…`): the `before` anchor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// Its `created_utc`, in Unix seconds: the fallback when the anchor is gone.
    #[serde(default)]
    created: i64,
    /// Unix second before which Reddit said the allowance is used up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not_before: Option<i64>,
}

impl Position {
    fn from_cursor(cursor: &Cursor) -> Position {
        match cursor {
            Cursor::Token { value } => serde_json::from_str(value).unwrap_or_default(),
            _ => Position::default(),
        }
    }

    fn to_cursor(&self) -> Cursor {
        if self.name.is_none() && self.not_before.is_none() {
            return Cursor::Start;
        }
        Cursor::Token {
            value: serde_json::to_string(self).expect("a position always serialises"),
        }
    }

    /// Takes `seen` as the newest post when it is at least as new as the current one (of two
    /// posts of the same second, the later page's: `before` pages come newer each time).
    fn advance(&mut self, seen: &Anchor) {
        if self.name.is_none() || seen.created >= self.created {
            self.name = Some(seen.name.clone());
            self.created = seen.created;
        }
    }

    /// Whether Reddit asked for a pause that has not ended at `now`.
    fn paused(&self, now: Timestamp) -> bool {
        self.not_before.is_some_and(|at| now.as_second() < at)
    }
}

/// A post's place in the listing, read even from a post that is otherwise malformed or removed
/// (a removed post still anchors paging).
#[derive(Debug, Clone, PartialEq)]
struct Anchor {
    name: String,
    created: i64,
}

/// One listing page.
struct Page {
    children: Vec<Value>,
    /// Set when Reddit said no requests are left: the Unix second they are again.
    exhausted_until: Option<i64>,
}

/// Polls one listing.
#[derive(Debug)]
pub struct Poller {
    spec: Spec,
}

impl Poller {
    pub fn new(spec: Spec) -> Self {
        Poller { spec }
    }

    async fn poll_once(&self, cx: &PollCtx, cursor: &Cursor) -> Result<Batch, SourceError> {
        let start = Position::from_cursor(cursor);
        let now = Timestamp::now();
        if start.paused(now) {
            tracing::info!(
                source = %cx.source,
                until = start.not_before.unwrap_or_default(),
                "jatah permintaan Reddit habis; putaran ini dilewati sampai jatah pulih"
            );
            return Ok(Batch {
                cursor: cursor.clone(),
                not_modified: true,
                ..Batch::default()
            });
        }
        let mut round = Round::new(&cx.source, start.clone(), now);
        match start.name.clone() {
            None => {
                let page = self.page(cx, None).await?;
                round.take(page, None);
            }
            Some(anchor) => {
                let mut before = anchor.clone();
                let mut any = false;
                for _ in 0..MAX_PAGES {
                    let page = self.page(cx, Some(&before)).await?;
                    if page.children.is_empty() {
                        round.note_limit(page.exhausted_until);
                        break;
                    }
                    any = true;
                    let next = page.children.iter().find_map(anchor_of);
                    let exhausted = page.exhausted_until.is_some();
                    round.take(page, None);
                    match next {
                        Some(next) if !exhausted => before = next.name,
                        _ => break,
                    }
                }
                // Nothing after the anchor: nothing new, or the anchor was deleted (then every
                // `before` query is empty). The plain first page tells which.
                if !any && round.position.not_before.is_none() {
                    let page = self.page(cx, None).await?;
                    round.take(page, Some((&anchor, start.created)));
                }
            }
        }
        round.finish().await
    }

    async fn page(&self, cx: &PollCtx, before: Option<&str>) -> Result<Page, SourceError> {
        let url = self.spec.listing_url(before);
        let response = cx.fetcher.get_api(&url, ACCEPT, None).await?;
        let listing: Listing = response.json("Reddit")?;
        if listing.kind != "Listing" {
            return Err(SourceError::Parse(format!(
                "jawaban Reddit bukan Listing (kind \"{}\")",
                listing.kind.chars().take(40).collect::<String>()
            )));
        }
        Ok(Page {
            children: listing.data.children,
            exhausted_until: exhausted_until(&response, Timestamp::now()),
        })
    }
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

/// What one round gathers across its pages.
struct Round<'a> {
    source: &'a SourceId,
    fetched: Timestamp,
    position: Position,
    /// The posts offered, mapped to posts at the end, off the async workers.
    children: Vec<Value>,
}

impl<'a> Round<'a> {
    fn new(source: &'a SourceId, mut position: Position, fetched: Timestamp) -> Round<'a> {
        // A pause that has ended is forgotten.
        position.not_before = None;
        Round {
            source,
            fetched,
            position,
            children: Vec::new(),
        }
    }

    /// Takes a page's posts (newest first). `fallback` = (anchor, its time) keeps only the
    /// posts newer than the anchor's time: the plain first page read when the anchor may be
    /// gone. That page's newest post then becomes the anchor even if it is older than the old
    /// one, so that `before` queries work again.
    fn take(&mut self, page: Page, fallback: Option<(&str, i64)>) {
        self.note_limit(page.exhausted_until);
        if let Some(newest) = page.children.iter().find_map(anchor_of) {
            match fallback {
                Some(_) => {
                    self.position.name = Some(newest.name);
                    self.position.created = newest.created;
                }
                None => self.position.advance(&newest),
            }
        }
        for child in page.children {
            if let Some((anchor, since)) = fallback {
                let is_new =
                    anchor_of(&child).is_some_and(|a| a.name != anchor && a.created >= since);
                if !is_new {
                    continue;
                }
            }
            self.children.push(child);
        }
    }

    fn note_limit(&mut self, until: Option<i64>) {
        if let Some(until) = until {
            self.position.not_before = Some(self.position.not_before.unwrap_or(0).max(until));
        }
    }

    async fn finish(self) -> Result<Batch, SourceError> {
        let (source, fetched) = (self.source.clone(), self.fetched);
        let items_found = self.children.len();
        let posts = map_records(self.source, self.children, "pos Reddit", move |child| {
            to_post(child, &source, fetched)
        })
        .await?;
        Ok(Batch {
            cursor: self.position.to_cursor(),
            posts,
            not_modified: false,
            items_found,
        })
    }
}

/// When a 2xx answer says the allowance is used up (`x-ratelimit-remaining` below 1), the
/// instant it is renewed (`x-ratelimit-reset` seconds from `now`, at most an hour).
fn exhausted_until(response: &ApiResponse, now: Timestamp) -> Option<i64> {
    let remaining: f64 = response
        .header("x-ratelimit-remaining")?
        .trim()
        .parse()
        .ok()?;
    if remaining >= 1.0 {
        return None;
    }
    let reset: f64 = response
        .header("x-ratelimit-reset")
        .and_then(|v| v.trim().parse().ok())
        .filter(|s: &f64| s.is_finite() && *s >= 0.0)
        .unwrap_or(60.0);
    Some(now.as_second() + reset.min(3600.0).ceil() as i64)
}

#[derive(Debug, Deserialize)]
struct Listing {
    kind: String,
    data: ListingData,
}

#[derive(Debug, Deserialize)]
struct ListingData {
    children: Vec<Value>,
}

/// A listing child (`{"kind": "t3", "data": {…}}`).
#[derive(Debug, Deserialize)]
struct Thing {
    kind: String,
    data: Link,
}

/// A post ("link" in Reddit's API) with the fields Pantau reads.
#[derive(Debug, Deserialize)]
struct Link {
    /// Fullname, `t3_` + id: stable, the external id.
    name: String,
    title: String,
    created_utc: f64,
    #[serde(default)]
    selftext: Option<String>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    permalink: Option<String>,
    /// The linked page for a link post.
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    is_self: bool,
    #[serde(default)]
    num_crossposts: Option<u64>,
    /// Net votes: the nearest Reddit has to likes.
    #[serde(default)]
    score: Option<i64>,
    #[serde(default)]
    num_comments: Option<u64>,
    /// Set (`moderator`, `deleted`, `reddit`, …) when the post was taken down.
    #[serde(default)]
    removed_by_category: Option<String>,
}

fn anchor_of(child: &Value) -> Option<Anchor> {
    let data = child.get("data")?;
    let name = data.get("name")?.as_str()?;
    let valid = name.len() <= 32
        && name
            .strip_prefix("t3_")
            .is_some_and(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()));
    let created = data.get("created_utc")?.as_f64()?;
    (valid && created.is_finite()).then(|| Anchor {
        name: name.to_string(),
        created: created as i64,
    })
}

/// One listing child to a post; `Ok(None)` for a deleted or removed post, `Err` with what was
/// wrong for a malformed one.
fn to_post(child: Value, source: &SourceId, fetched: Timestamp) -> Result<Option<Post>, String> {
    let thing: Thing = serde_json::from_value(child).map_err(|e| e.to_string())?;
    if thing.kind != "t3" {
        return Err(format!("jenis \"{}\", bukan pos (t3)", thing.kind));
    }
    let link = thing.data;
    if is_gone(&link) {
        return Ok(None);
    }
    let published = Some(link.created_utc)
        .filter(|s| s.is_finite())
        .and_then(|s| Timestamp::from_second(s as i64).ok())
        .ok_or_else(|| format!("created_utc {} bukan waktu", link.created_utc))?;
    let title = Some(html_to_text(&link.title)).filter(|t| !t.is_empty());
    let text = body(&link);
    if title.is_none() && text.is_empty() {
        return Ok(None);
    }
    let url = link
        .permalink
        .as_deref()
        .filter(|p| p.starts_with('/'))
        .and_then(|p| canonical_url(&format!("{PUBLIC_SITE}{p}"), None));
    Ok(Some(Post {
        source: source.clone(),
        external_id: link.name,
        url,
        title,
        text,
        author: link.author.filter(|a| !a.is_empty()),
        published,
        fetched,
        lang: None,
        platform: None,
        reach: Reach {
            likes: link.score.map(|s| u64::try_from(s).unwrap_or(0)),
            shares: link.num_crossposts.unwrap_or(0),
            comments: link.num_comments,
            views: None,
            followers: None,
        },
    }))
}

/// Deleted by its author or removed by moderators or Reddit: nothing left worth storing.
fn is_gone(link: &Link) -> bool {
    let text = link.selftext.as_deref().unwrap_or("").trim();
    link.author.as_deref() == Some("[deleted]")
        || matches!(text, "[removed]" | "[deleted]")
        || link.removed_by_category.is_some()
}

/// The post's text: the self text; for a link post, the linked address after it, so that the
/// classifier's `link:` field sees which site was shared (links to Reddit's own media and
/// pages say nothing and are left out).
fn body(link: &Link) -> String {
    let mut text = html_to_text(link.selftext.as_deref().unwrap_or(""));
    if !link.is_self
        && let Some(target) = link.url.as_deref().and_then(|u| canonical_url(u, None))
        && !is_reddit_host(&target)
    {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&target);
    }
    text
}

fn is_reddit_host(url: &str) -> bool {
    Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .is_some_and(|h| {
            h == "reddit.com"
                || h.ends_with(".reddit.com")
                || h == "redd.it"
                || h.ends_with(".redd.it")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::kind::Spec as _;

    fn spec(subreddit: Option<&str>, search: Option<&str>) -> Spec {
        Spec {
            base: Url::parse(DEFAULT_BASE).unwrap(),
            subreddit: subreddit.map(str::to_owned),
            search: search.map(str::to_owned),
            limit: 100,
        }
    }

    #[test]
    fn listing_addresses() {
        assert_eq!(
            spec(Some("indonesia+kalimantan"), None).location(),
            "https://www.reddit.com/r/indonesia+kalimantan/new.json?limit=100&raw_json=1"
        );
        assert_eq!(
            spec(Some("indonesia"), Some("banjir samarinda")).location(),
            "https://www.reddit.com/r/indonesia/search.json?q=banjir+samarinda&restrict_sr=1&sort=new&limit=100&raw_json=1"
        );
        assert_eq!(
            spec(None, Some("\"ibu kota nusantara\" OR ikn"))
                .listing_url(Some("t3_1h0abcd"))
                .as_str(),
            "https://www.reddit.com/search.json?q=%22ibu+kota+nusantara%22+OR+ikn&sort=new&limit=100&raw_json=1&before=t3_1h0abcd"
        );
        let mut local = spec(Some("indonesia"), None);
        local.base = Url::parse("http://127.0.0.1:9/reddit/").unwrap();
        assert_eq!(
            local.listing_url(None).path(),
            "/reddit/r/indonesia/new.json"
        );
    }

    #[test]
    fn the_cursor_round_trips_and_pauses() {
        let p = Position {
            name: Some("t3_abc".into()),
            created: 1_764_200_000,
            not_before: Some(1_764_200_600),
        };
        let cursor = p.to_cursor();
        assert_eq!(Position::from_cursor(&cursor), p);
        assert!(p.paused(Timestamp::from_second(1_764_200_599).unwrap()));
        assert!(!p.paused(Timestamp::from_second(1_764_200_600).unwrap()));
        assert_eq!(Position::default().to_cursor(), Cursor::Start);
        // A cursor of another kind or a damaged one starts afresh instead of failing forever.
        let junk = Cursor::Token {
            value: "{not json".into(),
        };
        assert_eq!(Position::from_cursor(&junk), Position::default());
    }

    #[test]
    fn gone_posts_and_link_posts() {
        let child = |data: Value| serde_json::json!({"kind": "t3", "data": data});
        let base = serde_json::json!({
            "name": "t3_a1", "title": "Banjir &amp; longsor", "created_utc": 1764200000.0,
            "selftext": "", "author": "warga", "permalink": "/r/indonesia/comments/a1/banjir/",
            "url": "https://kaltim.example/berita/1?utm_source=reddit", "is_self": false,
            "num_crossposts": 3, "removed_by_category": null
        });
        let post = to_post(child(base.clone()), &"r".into(), Timestamp::UNIX_EPOCH)
            .unwrap()
            .unwrap();
        assert_eq!(post.text, "https://kaltim.example/berita/1");
        assert_eq!(post.title.as_deref(), Some("Banjir & longsor"));
        assert_eq!(
            post.url.as_deref(),
            Some("https://www.reddit.com/r/indonesia/comments/a1/banjir/")
        );
        assert_eq!(post.reach.shares, 3);
        for (key, value) in [
            ("author", Value::from("[deleted]")),
            ("selftext", Value::from("[removed]")),
            ("removed_by_category", Value::from("moderator")),
        ] {
            let mut gone = base.clone();
            gone[key] = value;
            assert_eq!(
                to_post(child(gone), &"r".into(), Timestamp::UNIX_EPOCH),
                Ok(None),
                "{key}"
            );
        }
        let mut gallery = base.clone();
        gallery["url"] = "https://www.reddit.com/gallery/a1".into();
        gallery["selftext"] = "Foto jalan rusak".into();
        let post = to_post(child(gallery), &"r".into(), Timestamp::UNIX_EPOCH)
            .unwrap()
            .unwrap();
        assert_eq!(post.text, "Foto jalan rusak");
        let comment = serde_json::json!({"kind": "t1", "data": base});
        assert!(to_post(comment, &"r".into(), Timestamp::UNIX_EPOCH).is_err());
    }
}
