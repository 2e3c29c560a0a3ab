//! The `mastodon` kind: a hashtag timeline or the public (federated or local) timeline of any
//! Mastodon-compatible instance, through its REST API (`/api/v1/timelines/tag/:tag`,
//! `/api/v1/timelines/public`).
//!
//! Keys of a `[[sources]] kind = "mastodon"` table:
//! - `url`: the instance's base address; default `"https://mastodon.social"`.
//! - `tag`: a hashtag to follow, with or without `#` (`"samarinda"`, `"#Kaltim"`); or
//! - `timeline`: `"public"` (everything the instance knows of) or `"local"` (only its own
//!   accounts). Exactly one of `tag` and `timeline`.
//! - `token`: optional access token, sent as a bearer token, for instances that close their
//!   public timelines to anonymous readers.
//! - `limit`: statuses per page, 1 to 40 (the API's maximum); default 40.
//!
//! What is new: the first poll ever reads the newest page only (no crawl of history) and keeps
//! the highest status id as the cursor. Later polls ask for `min_id=<cursor>` — the statuses
//! *immediately* newer than it — and follow the `Link: <…>; rel="prev"` page (newer still)
//! until a page is empty or [`MAX_PAGES`] pages were read. The cursor is the highest id seen, so
//! a round cut short by the cap resumes exactly where it stopped: no gap, no duplicate.
//!
//! A boost (a status whose `reblog` is set) is not a post of its own: it is mapped to the
//! original status, so the original is stored once and its `shares` (reblogs_count) rise when
//! it is seen again. Fetching, politeness and backoff are [`super::http`]'s and [`super::poll`]'s.

use std::cmp::Ordering;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::context::PollCtx;
use super::error::SourceError;
use super::feed::identity::canonical_url;
use super::http::ApiResponse;
use super::kind;
use super::poller::{Batch, Poll, map_records};
use super::text::html_to_text;
use crate::config::Invalid;
use crate::config::value::{self, Secret};
use crate::model::{Cursor, Medium, Post, Reach, SourceId, primary_language};

const DEFAULT_BASE: &str = "https://mastodon.social";

/// Pages read in one round after the first: enough to catch up on a busy hashtag within an
/// interval, few enough that one round stays polite; the rest follows next round.
pub const MAX_PAGES: usize = 10;

/// The API's largest page.
const MAX_LIMIT: u64 = 40;

const ACCEPT: &str = "application/json";

/// Which timeline to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Timeline {
    /// A hashtag, without `#`.
    Tag(String),
    /// Every public status the instance knows of.
    Public,
    /// Public statuses of the instance's own accounts.
    Local,
}

/// `[[sources]] kind = "mastodon"` (keys in the module documentation).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The instance's base address.
    #[serde(
        rename = "url",
        default = "default_base",
        deserialize_with = "value::http_url"
    )]
    pub base: Url,
    /// A hashtag, without `#` once settled.
    pub tag: Option<String>,
    /// `public` or `local`.
    pub timeline: Option<String>,
    #[serde(default, deserialize_with = "value::opt_token")]
    pub token: Option<Secret>,
    /// Statuses per page (1..=40).
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
    const KIND: &'static str = "mastodon";
    const MEDIUM: Option<Medium> = Some(Medium::Social);
    const EXAMPLE: &'static str = "url = \"https://mastodon.social\"\ntag = \"samarinda\"\n\
                                   # timeline = \"local\"\ntoken = \"…\"\nlimit = 40";

    /// Exactly one of `tag` and `timeline`; the tag as Mastodon knows it.
    fn settle(&mut self) -> Result<(), Invalid> {
        match (&self.tag, &self.timeline) {
            (Some(tag), None) => self.tag = Some(parse_tag(tag)?),
            (None, Some(name)) => {
                let name = name.trim();
                if !["public", "local"].contains(&name) {
                    return Err(Invalid::new(
                        "timeline",
                        format!("linimasa \"{name}\" tidak dikenal"),
                        Some("pakai timeline = \"public\" atau \"local\"".into()),
                    ));
                }
                self.timeline = Some(name.to_string());
            }
            (Some(_), Some(_)) => {
                return Err(Invalid::new(
                    "tag",
                    "tag dan timeline diisi bersamaan",
                    Some("pilih salah satu; buat sumber kedua untuk yang lain".into()),
                ));
            }
            (None, None) => {
                return Err(Invalid::new(
                    "tag",
                    "kunci \"tag\" atau \"timeline\" wajib diisi",
                    Some("misalnya tag = \"samarinda\" atau timeline = \"local\"".into()),
                ));
            }
        }
        Ok(())
    }

    /// Where the source is read from, for people (and the key that resets the cursor when the
    /// configuration points elsewhere).
    fn location(&self) -> String {
        self.endpoint().to_string()
    }

    fn poller(&self) -> Box<dyn Poll> {
        Box::new(Poller::new(self.clone()))
    }
}

impl Spec {
    /// Which timeline the keys name.
    pub fn timeline(&self) -> Timeline {
        match (&self.tag, self.timeline.as_deref()) {
            (Some(tag), _) => Timeline::Tag(tag.clone()),
            (None, Some("local")) => Timeline::Local,
            (None, _) => Timeline::Public,
        }
    }

    /// The timeline's address with its fixed parameters (`limit`, `local`).
    pub fn endpoint(&self) -> Url {
        let timeline = self.timeline();
        let mut url = self.base.clone();
        url.set_query(None);
        url.set_fragment(None);
        {
            let mut path = url
                .path_segments_mut()
                .expect("an http(s) base always has a path");
            path.pop_if_empty().extend(["api", "v1", "timelines"]);
            match &timeline {
                Timeline::Tag(tag) => {
                    path.extend(["tag", tag.as_str()]);
                }
                Timeline::Public | Timeline::Local => {
                    path.push("public");
                }
            }
        }
        {
            let mut query = url.query_pairs_mut();
            if timeline == Timeline::Local {
                query.append_pair("local", "true");
            }
            query.append_pair("limit", &self.limit.to_string());
        }
        url
    }
}

/// A hashtag as Mastodon knows it: letters, digits and `_`, without the `#`.
fn parse_tag(raw: &str) -> Result<String, Invalid> {
    let tag = raw.trim().trim_start_matches('#');
    let valid = !tag.is_empty()
        && tag.chars().count() <= 100
        && tag.chars().all(|c| c.is_alphanumeric() || c == '_');
    if valid {
        Ok(tag.to_string())
    } else {
        Err(Invalid::new(
            "tag",
            format!("tagar \"{raw}\" tidak valid"),
            Some(
                "tagar hanya berisi huruf, angka dan _, misalnya tag = \"banjirsamarinda\"".into(),
            ),
        ))
    }
}

/// Polls one timeline.
#[derive(Debug)]
pub struct Poller {
    spec: Spec,
}

impl Poller {
    pub fn new(spec: Spec) -> Self {
        Poller { spec }
    }

    async fn poll_once(&self, cx: &PollCtx, cursor: &Cursor) -> Result<Batch, SourceError> {
        let since = match cursor {
            Cursor::Token { value } if valid_id(value) => Some(value.clone()),
            _ => None,
        };
        let fetched = Timestamp::now();
        let host = self.spec.base.host_str().unwrap_or_default().to_string();
        let token = self.spec.token.as_ref().map(Secret::expose);
        let mut url = self.spec.endpoint();
        if let Some(id) = &since {
            url.query_pairs_mut().append_pair("min_id", id);
        }
        let mut newest = since.clone();
        let mut records = Vec::new();
        for _ in 0..MAX_PAGES {
            let response = cx.fetcher.get_api(&url, ACCEPT, token).await?;
            let page: Vec<Value> = response.json("Mastodon")?;
            if page.is_empty() {
                break;
            }
            for raw in page {
                // The cursor moves past a malformed status too: it would be malformed again.
                if let Some(id) = raw
                    .get("id")
                    .and_then(Value::as_str)
                    .filter(|id| valid_id(id))
                    && newest.as_deref().is_none_or(|n| id_order(id, n).is_gt())
                {
                    newest = Some(id.to_string());
                }
                records.push(raw);
            }
            // First run: the newest page only, never a crawl of history.
            if since.is_none() {
                break;
            }
            match prev_page(&response, &self.spec.base) {
                Some(next) => url = next,
                None => break,
            }
        }
        let items_found = records.len();
        let source = cx.source.clone();
        let posts = map_records(&cx.source, records, "status Mastodon", move |raw| {
            to_post(raw, &source, &host, fetched)
        })
        .await?;
        Ok(Batch {
            posts,
            cursor: newest
                .map(|value| Cursor::Token { value })
                .unwrap_or_default(),
            not_modified: false,
            items_found,
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

/// A status as the API returns it (the fields Pantau reads).
#[derive(Debug, Deserialize)]
struct Status {
    id: String,
    created_at: Timestamp,
    #[serde(default)]
    content: Option<String>,
    /// The content warning, shown before the text: the post's title.
    #[serde(default)]
    spoiler_text: Option<String>,
    account: Account,
    #[serde(default)]
    language: Option<String>,
    /// The HTML page of the status (absent for some remote statuses).
    #[serde(default)]
    url: Option<String>,
    /// The ActivityPub id, a link too.
    #[serde(default)]
    uri: Option<String>,
    #[serde(default)]
    reblogs_count: Option<u64>,
    #[serde(default)]
    favourites_count: Option<u64>,
    #[serde(default)]
    replies_count: Option<u64>,
    /// Set when this status is a boost: the original.
    #[serde(default)]
    reblog: Option<Box<Status>>,
}

#[derive(Debug, Deserialize)]
struct Account {
    /// `user` for an account of this instance, `user@domain` for a remote one.
    acct: String,
    /// The profile page, whose host is the account's own domain.
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    followers_count: Option<u64>,
}

/// One status to a post; `Ok(None)` when it carries no text at all (a picture without words),
/// `Err` with what was wrong when it is malformed.
fn to_post(
    raw: Value,
    source: &SourceId,
    host: &str,
    fetched: Timestamp,
) -> Result<Option<Post>, String> {
    let status: Status = serde_json::from_value(raw).map_err(|e| e.to_string())?;
    // A boost is the original's spread, not a new post: store the original once.
    let status = match status.reblog {
        Some(original) => *original,
        None => status,
    };
    let text = status
        .content
        .as_deref()
        .map(html_to_text)
        .unwrap_or_default();
    let title = status
        .spoiler_text
        .as_deref()
        .map(html_to_text)
        .filter(|t| !t.is_empty());
    if text.is_empty() && title.is_none() {
        return Ok(None);
    }
    let acct = status.account.acct.trim();
    // A local account's acct has no domain; naming it (from the profile's address, else the
    // instance polled) keeps authors unambiguous across instances.
    let domain = status
        .account
        .url
        .as_deref()
        .and_then(|u| Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| host.to_string());
    let author = match acct {
        "" => None,
        a if a.contains('@') || domain.is_empty() => Some(a.to_string()),
        a => Some(format!("{a}@{domain}")),
    };
    let url = status
        .url
        .as_deref()
        .and_then(|u| canonical_url(u, None))
        .or_else(|| status.uri.as_deref().and_then(|u| canonical_url(u, None)));
    Ok(Some(Post {
        source: source.clone(),
        external_id: status.id.chars().take(512).collect(),
        url,
        title,
        text,
        author,
        published: status.created_at,
        fetched,
        lang: status.language.as_deref().and_then(primary_language),
        platform: None,
        reach: Reach {
            likes: status.favourites_count,
            shares: status.reblogs_count.unwrap_or(0),
            comments: status.replies_count,
            views: None,
            followers: status.account.followers_count,
        },
    }))
}

/// Whether `id` can serve as a cursor: Mastodon's ids are decimal snowflakes, other servers'
/// (Pleroma, Akkoma) short alphanumeric flakes; anything else is not trusted.
fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Order of two status ids: as numbers when both are numbers, else by length then lexically
/// (which is the numeric order for digits without leading zeros, and the order of fixed-width
/// flake ids).
pub fn id_order(a: &str, b: &str) -> Ordering {
    match (a.parse::<u128>(), b.parse::<u128>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
    }
}

/// The newer page announced by `Link: <…>; rel="prev"`, when it is on the instance itself (a
/// link elsewhere would carry the token to another host).
fn prev_page(response: &ApiResponse, base: &Url) -> Option<Url> {
    let link = response.header("link")?;
    let target = link_rel(link, "prev")?;
    let url = response.url.join(&target).ok()?;
    (url.origin() == base.origin()).then_some(url)
}

/// The target of the link with relation `rel` in a `Link` header (RFC 8288).
pub fn link_rel(header: &str, rel: &str) -> Option<String> {
    let mut rest = header;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>')?;
        let target = &after[..close];
        let params = &after[close + 1..];
        let params = &params[..params.find('<').unwrap_or(params.len())];
        let matches = params.split(';').any(|param| {
            let Some((name, value)) = param.split_once('=') else {
                return false;
            };
            name.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_end_matches(',')
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case(rel))
        });
        if matches {
            return Some(target.to_string());
        }
        rest = &after[close + 1..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::kind::Spec as _;

    #[test]
    fn ids_compare_as_numbers_then_by_length() {
        assert_eq!(
            id_order("113598076512345678", "99999999999999999"),
            Ordering::Greater
        );
        assert_eq!(id_order("2", "10"), Ordering::Less);
        assert_eq!(id_order("AbC", "AbD"), Ordering::Less);
        assert_eq!(id_order("Zz", "AAA"), Ordering::Less);
        assert_eq!(id_order("7", "7"), Ordering::Equal);
        assert!(!valid_id(""));
        assert!(!valid_id("1; DROP"));
        assert!(valid_id("AdIgLm3fBSbNdpJ0Em"));
    }

    #[test]
    fn link_header_relations() {
        let header = "<https://m.example/api/v1/timelines/tag/kaltim?max_id=1>; rel=\"next\", \
                      <https://m.example/api/v1/timelines/tag/kaltim?min_id=9>; rel=\"prev\"";
        assert_eq!(
            link_rel(header, "prev").as_deref(),
            Some("https://m.example/api/v1/timelines/tag/kaltim?min_id=9")
        );
        assert_eq!(
            link_rel(header, "next").as_deref(),
            Some("https://m.example/api/v1/timelines/tag/kaltim?max_id=1")
        );
        assert_eq!(
            link_rel("<https://a/>; rel=prev", "prev").as_deref(),
            Some("https://a/")
        );
        assert_eq!(link_rel(header, "last"), None);
        assert_eq!(link_rel("<broken", "prev"), None);
        assert_eq!(link_rel("", "prev"), None);
    }

    #[test]
    fn endpoints_and_tags() {
        let spec = |timeline: Timeline| Spec {
            base: Url::parse("https://social.example/mastodon/").unwrap(),
            tag: match &timeline {
                Timeline::Tag(tag) => Some(tag.clone()),
                _ => None,
            },
            timeline: match timeline {
                Timeline::Tag(_) => None,
                Timeline::Public => Some("public".into()),
                Timeline::Local => Some("local".into()),
            },
            token: Some(Secret::new("rahasia")),
            limit: 40,
        };
        assert_eq!(
            spec(Timeline::Tag("BanjirSamarinda".into())).location(),
            "https://social.example/mastodon/api/v1/timelines/tag/BanjirSamarinda?limit=40"
        );
        assert_eq!(
            spec(Timeline::Local).location(),
            "https://social.example/mastodon/api/v1/timelines/public?local=true&limit=40"
        );
        assert_eq!(
            spec(Timeline::Tag("kalimantan_timur".into()))
                .endpoint()
                .path(),
            "/mastodon/api/v1/timelines/tag/kalimantan_timur"
        );
        // The token never shows in debug output (logs).
        assert!(!format!("{:?}", spec(Timeline::Public)).contains("rahasia"));
    }

    #[test]
    fn a_boost_becomes_its_original() {
        let raw = serde_json::json!({
            "id": "200", "created_at": "2026-11-27T01:00:00.000Z", "content": "",
            "account": {"acct": "pembaca"}, "reblogs_count": 0, "url": null, "uri": "https://m.example/users/pembaca/statuses/200/activity",
            "reblog": {
                "id": "100", "created_at": "2026-11-26T23:00:00.000Z",
                "content": "<p>Banjir di <a href=\"https://m.example/tags/samarinda\">#<span>samarinda</span></a></p>",
                "spoiler_text": "", "account": {"acct": "warga@kaltim.social"}, "language": "id-ID",
                "url": "https://kaltim.social/@warga/100", "uri": "https://kaltim.social/users/warga/statuses/100",
                "reblogs_count": 7, "reblog": null
            }
        });
        let post = to_post(raw, &"m".into(), "m.example", Timestamp::UNIX_EPOCH)
            .unwrap()
            .unwrap();
        assert_eq!(post.external_id, "100");
        assert_eq!(post.text, "Banjir di #samarinda");
        assert_eq!(post.author.as_deref(), Some("warga@kaltim.social"));
        assert_eq!(
            post.url.as_deref(),
            Some("https://kaltim.social/@warga/100")
        );
        assert_eq!(post.lang.as_deref(), Some("id"));
        assert_eq!(post.reach.shares, 7);
    }
}
