//! The `bluesky` kind: a search on Bluesky through `app.bsky.feed.searchPosts`, newest first
//! (`sort=latest`).
//!
//! Keys of a `[[sources]] kind = "bluesky"` table:
//! - `query` (required): the search, in the AppView's syntax (`banjir samarinda`,
//!   `"jalan rusak" lang:id`).
//! - `url`: the AppView's base address, default `https://api.bsky.app`.
//! - `lang`: only posts in this language (`lang` parameter, e.g. "id").
//! - `limit`: posts per page, 1 to 100, default 100.
//! - `handle` and `app_password` (both or neither): log in with an app password (Settings →
//!   Privacy and security → App passwords) for instances that only answer searches from signed-in
//!   accounts. The login goes to `pds` (default `https://bsky.social`) with
//!   `com.atproto.server.createSession`, and the search is then sent *to the PDS* with the
//!   session's token: the PDS forwards `app.bsky.*` calls to the AppView on the account's
//!   behalf, while an AppView does not accept a PDS session token itself. The session is kept
//!   for later polls and renewed when a call answers 401 (or 400, the status atproto gives
//!   `ExpiredToken`).
//!
//! Resuming: results come newest first and the API's `cursor` pages toward OLDER posts, so
//! "what is new since" is paging until a post already seen turns up (one indexed before the
//! newest stored one, or that very post), at most [`MAX_PAGES`] pages. The stored cursor is the
//! newest post seen, as JSON `{"indexed_at": …, "uri": …}`; the first run ever reads the newest
//! page only.

use std::sync::Mutex;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use url::Url;

use super::context::PollCtx;
use super::error::SourceError;
use super::http::ApiResponse;
use super::kind;
use super::poller::{Batch, Poll};
use super::text::{MAX_TEXT_CHARS, truncate_chars};
use crate::config::Invalid;
use crate::config::value::{self, Secret};
use crate::model::{Cursor, Medium, Post, Reach, SourceId, primary_language};

const DEFAULT_APPVIEW: &str = "https://api.bsky.app";
const DEFAULT_PDS: &str = "https://bsky.social";
const JSON: &str = "application/json";

/// Pages read in one poll while looking for the last post seen. Past it the poll stops and the
/// posts in between are not fetched (logged), rather than crawling the whole search.
pub const MAX_PAGES: usize = 10;

/// `[[sources]] kind = "bluesky"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub query: String,
    /// The AppView's base address (searches without a login go there).
    #[serde(default = "default_appview", deserialize_with = "value::http_url")]
    pub url: Url,
    pub lang: Option<String>,
    #[serde(
        default = "max_limit",
        deserialize_with = "value::uint::<_, _, 1, 100>"
    )]
    pub limit: u32,
    /// An account to search as: its handle and an app password, and its PDS.
    pub handle: Option<String>,
    pub app_password: Option<Secret>,
    #[serde(default, deserialize_with = "value::opt_http_url")]
    pub pds: Option<Url>,
}

fn default_appview() -> Url {
    value::fixed_url(DEFAULT_APPVIEW)
}

fn max_limit() -> u32 {
    100
}

/// An account to search as.
#[derive(Clone, PartialEq)]
pub struct Login {
    pub handle: String,
    pub app_password: String,
    /// The account's PDS: the login and, with it, the searches go there.
    pub pds: Url,
}

impl std::fmt::Debug for Login {
    /// The password never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("handle", &self.handle)
            .field("app_password", &"…")
            .field("pds", &self.pds.as_str())
            .finish()
    }
}

impl kind::Spec for Spec {
    const KIND: &'static str = "bluesky";
    const MEDIUM: Option<Medium> = Some(Medium::Social);
    const EXAMPLE: &'static str = "query = \"banjir samarinda\"\nurl = \"https://api.bsky.app\"\n\
                                   lang = \"id\"\nlimit = 100\nhandle = \"humas.bsky.social\"\n\
                                   app_password = \"xxxx-xxxx-xxxx-xxxx\"\npds = \"https://bsky.social\"";

    /// A login needs both halves; a query and a language are never blank.
    fn settle(&mut self) -> Result<(), Invalid> {
        match (&self.handle, &self.app_password) {
            (Some(handle), Some(_)) => {
                self.handle = Some(handle.trim().trim_start_matches('@').to_string());
            }
            (None, None) if self.pds.is_some() => {
                return Err(Invalid::new(
                    "pds",
                    "pds hanya dipakai bersama handle dan app_password",
                    Some("hapus pds, atau isi juga handle dan app_password".into()),
                ));
            }
            (None, None) => {}
            (Some(_), None) | (None, Some(_)) => {
                return Err(Invalid::new(
                    "app_password",
                    "handle dan app_password harus diisi bersamaan",
                    Some(
                        "buat sandi aplikasi di Bluesky (Pengaturan → Privasi dan keamanan → \
                         Sandi aplikasi), lalu isi keduanya; atau hapus keduanya"
                            .into(),
                    ),
                ));
            }
        }
        self.query = self.query.trim().to_string();
        if self.query.is_empty() {
            return Err(Invalid::new("query", "kueri kosong", None));
        }
        if let Some(lang) = &mut self.lang {
            *lang = lang.trim().to_string();
            if lang.is_empty() {
                return Err(Invalid::new(
                    "lang",
                    "bahasa kosong",
                    Some("misalnya lang = \"id\", atau hapus kunci ini".into()),
                ));
            }
        }
        Ok(())
    }

    /// Where the source is read from, for people (the first page's address).
    fn location(&self) -> String {
        self.search_url(None).to_string()
    }

    fn poller(&self) -> Box<dyn Poll> {
        Box::new(Poller::new(self.clone()))
    }
}

impl Spec {
    /// The account to search as, when the source has one.
    pub fn login(&self) -> Option<Login> {
        Some(Login {
            handle: self.handle.clone()?,
            app_password: self.app_password.as_ref()?.expose().to_string(),
            pds: self
                .pds
                .clone()
                .unwrap_or_else(|| value::fixed_url(DEFAULT_PDS)),
        })
    }

    /// `{base}/xrpc/app.bsky.feed.searchPosts?q=…&sort=latest&limit=…[&lang=…][&cursor=…]`,
    /// on the PDS when logged in.
    fn search_url(&self, page: Option<&str>) -> Url {
        let login = self.login();
        let base = login.as_ref().map_or(&self.url, |l| &l.pds);
        let mut url = xrpc(base, "app.bsky.feed.searchPosts");
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("q", &self.query)
                .append_pair("sort", "latest")
                .append_pair("limit", &self.limit.to_string());
            if let Some(lang) = &self.lang {
                q.append_pair("lang", lang);
            }
            if let Some(page) = page {
                q.append_pair("cursor", page);
            }
        }
        url
    }
}

/// `{base}/xrpc/{method}`, keeping a path prefix of `base` (a test server, a proxy).
fn xrpc(base: &Url, method: &str) -> Url {
    let mut url = base.clone();
    url.set_path(&format!(
        "{}/xrpc/{method}",
        base.path().trim_end_matches('/')
    ));
    url.set_query(None);
    url
}

/// Polls one Bluesky search.
#[derive(Debug)]
pub struct Poller {
    spec: Spec,
    /// The access token of the current session, kept between polls so that a poll does not
    /// log in each time (createSession is rate-limited per account).
    session: Mutex<Option<String>>,
}

impl Poller {
    pub fn new(spec: Spec) -> Self {
        Poller {
            spec,
            session: Mutex::new(None),
        }
    }

    async fn poll_once(&self, cx: &PollCtx, cursor: &Cursor) -> Result<Batch, SourceError> {
        let seen = Newest::from_cursor(cursor, &cx.source);
        let fetched = Timestamp::now();
        let mut newest = seen.clone();
        let mut posts = Vec::new();
        let mut items_found = 0;
        let mut page: Option<String> = None;
        for n in 1..=MAX_PAGES {
            let response = self.search(cx, page.as_deref()).await?;
            let results: SearchPage = response.json("Bluesky searchPosts")?;
            items_found += results.posts.len();
            let mut reached = false;
            for raw in &results.posts {
                let Some(view) = PostView::read(raw, &cx.source) else {
                    continue;
                };
                if seen.as_ref().is_some_and(|s| s.covers(&view)) {
                    reached = true;
                    continue;
                }
                let candidate = Newest {
                    indexed_at: view.indexed_at,
                    uri: view.uri.clone(),
                };
                if newest.as_ref().is_none_or(|n| candidate.is_after(n)) {
                    newest = Some(candidate);
                }
                if let Some(post) = view.into_post(&cx.source, fetched) {
                    posts.push(post);
                }
            }
            // The first run takes the newest page only; a resume stops at what it has seen.
            if seen.is_none() || reached || results.posts.is_empty() {
                break;
            }
            match results.cursor.filter(|c| !c.is_empty()) {
                Some(next) => page = Some(next),
                None => break,
            }
            if n == MAX_PAGES {
                tracing::warn!(
                    source = %cx.source,
                    pages = MAX_PAGES,
                    "pencarian Bluesky belum sampai ke posting terakhir yang tersimpan; posting di antaranya dilewati (perpendek interval)"
                );
            }
        }
        Ok(Batch {
            posts,
            cursor: newest.map_or(Cursor::Start, |n| n.to_cursor()),
            not_modified: false,
            items_found,
        })
    }

    /// One search page, logging in first when the source has an account, and logging in again
    /// once when the session turns out to have expired.
    async fn search(&self, cx: &PollCtx, page: Option<&str>) -> Result<ApiResponse, SourceError> {
        let url = self.spec.search_url(page);
        let Some(login) = &self.spec.login() else {
            return cx.fetcher.get_api(&url, JSON, None).await;
        };
        let cached = self.cached_token();
        let fresh = cached.is_none();
        let token = match cached {
            Some(token) => token,
            None => self.log_in(cx, login).await?,
        };
        match cx.fetcher.get_api(&url, JSON, Some(&token)).await {
            // atproto answers an expired access token with 400 ExpiredToken (401 for a revoked
            // one); the body is not kept by the fetcher, so either status earns one new login.
            Err(SourceError::Http {
                status: 400 | 401, ..
            }) if !fresh => {
                tracing::info!(source = %cx.source, "sesi Bluesky kedaluwarsa; masuk lagi");
                let token = self.log_in(cx, login).await?;
                cx.fetcher.get_api(&url, JSON, Some(&token)).await
            }
            other => other,
        }
    }

    fn cached_token(&self) -> Option<String> {
        self.session
            .lock()
            .expect("the session lock is never poisoned")
            .clone()
    }

    /// `com.atproto.server.createSession` with the app password; keeps the access token.
    async fn log_in(&self, cx: &PollCtx, login: &Login) -> Result<String, SourceError> {
        *self
            .session
            .lock()
            .expect("the session lock is never poisoned") = None;
        let url = xrpc(&login.pds, "com.atproto.server.createSession");
        let body = serde_json::json!({
            "identifier": login.handle,
            "password": login.app_password,
        });
        let response = cx.fetcher.post_json(&url, &body).await.inspect_err(|e| {
            if matches!(e, SourceError::Http { status: 401, .. }) {
                tracing::warn!(source = %cx.source, handle = %login.handle, "masuk ke Bluesky ditolak: periksa handle dan app_password");
            }
        })?;
        let session: Session = response.json("Bluesky createSession")?;
        if session.access_jwt.is_empty() {
            return Err(SourceError::Parse(
                "jawaban Bluesky createSession tanpa accessJwt".into(),
            ));
        }
        *self
            .session
            .lock()
            .expect("the session lock is never poisoned") = Some(session.access_jwt.clone());
        Ok(session.access_jwt)
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

/// `com.atproto.server.createSession`'s answer (the parts used).
#[derive(Deserialize)]
struct Session {
    #[serde(rename = "accessJwt")]
    access_jwt: String,
}

/// `app.bsky.feed.searchPosts`'s answer. Posts stay raw here so that one malformed post is
/// skipped instead of failing the page.
#[derive(Deserialize)]
struct SearchPage {
    cursor: Option<String>,
    posts: Vec<serde_json::Value>,
}

/// The newest post stored: where the next poll stops paging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Newest {
    indexed_at: Timestamp,
    uri: String,
}

impl Newest {
    /// The stored cursor; anything else (a first run, a cursor of another kind after the
    /// source's kind was changed) is a first run.
    fn from_cursor(cursor: &Cursor, source: &SourceId) -> Option<Newest> {
        match cursor {
            Cursor::Start => None,
            Cursor::Token { value } => match serde_json::from_str(value) {
                Ok(newest) => Some(newest),
                Err(e) => {
                    tracing::warn!(%source, error = %e, "kursor Bluesky tidak dikenali; mulai dari halaman terbaru");
                    None
                }
            },
            Cursor::Http { .. } => {
                tracing::warn!(%source, "kursor bukan milik Bluesky; mulai dari halaman terbaru");
                None
            }
        }
    }

    fn to_cursor(&self) -> Cursor {
        Cursor::Token {
            value: serde_json::to_string(self).expect("a cursor always serializes"),
        }
    }

    /// Whether `post` was already seen: indexed before the newest stored post, or that post.
    /// A post indexed at the very same instant is kept (the store drops it if it is a repeat),
    /// so two posts of one millisecond are never lost.
    fn covers(&self, post: &PostView) -> bool {
        post.indexed_at < self.indexed_at || post.uri == self.uri
    }

    fn is_after(&self, other: &Newest) -> bool {
        (self.indexed_at, &self.uri) > (other.indexed_at, &other.uri)
    }
}

/// `app.bsky.feed.defs#postView`, the parts used.
#[derive(Deserialize)]
struct RawView {
    uri: String,
    author: RawAuthor,
    record: RawRecord,
    #[serde(rename = "indexedAt")]
    indexed_at: String,
    #[serde(rename = "repostCount", default)]
    repost_count: u64,
    #[serde(rename = "quoteCount", default)]
    quote_count: u64,
    #[serde(rename = "likeCount")]
    like_count: Option<u64>,
    #[serde(rename = "replyCount")]
    reply_count: Option<u64>,
}

#[derive(Deserialize)]
struct RawAuthor {
    did: String,
    handle: String,
}

/// `app.bsky.feed.post`, the parts used.
#[derive(Deserialize)]
struct RawRecord {
    #[serde(rename = "$type")]
    kind: String,
    text: String,
    #[serde(rename = "createdAt")]
    created_at: Option<String>,
    #[serde(default)]
    langs: Vec<String>,
}

/// A post view that passed the checks.
struct PostView {
    uri: String,
    rkey: String,
    did: String,
    handle: String,
    text: String,
    created_at: Option<Timestamp>,
    indexed_at: Timestamp,
    lang: Option<String>,
    reach: Reach,
}

impl PostView {
    /// Reads one post; a malformed one is logged with what was wrong and skipped.
    fn read(raw: &serde_json::Value, source: &SourceId) -> Option<PostView> {
        let uri = raw.get("uri").and_then(|u| u.as_str()).unwrap_or("?");
        match Self::check(raw) {
            Ok(view) => Some(view),
            Err(why) => {
                tracing::warn!(%source, uri, error = %why, "posting Bluesky cacat dilewati");
                None
            }
        }
    }

    fn check(raw: &serde_json::Value) -> Result<PostView, String> {
        let view = RawView::deserialize(raw).map_err(|e| format!("bentuk postView: {e}"))?;
        if view.record.kind != "app.bsky.feed.post" {
            return Err(format!("record bertipe \"{}\"", view.record.kind));
        }
        let rkey = rkey_of(&view.uri).ok_or_else(|| format!("uri \"{}\" tidak valid", view.uri))?;
        if !view.author.did.starts_with("did:") {
            return Err(format!("did \"{}\" tidak valid", view.author.did));
        }
        let indexed_at = view
            .indexed_at
            .parse::<Timestamp>()
            .map_err(|e| format!("indexedAt \"{}\": {e}", view.indexed_at))?;
        Ok(PostView {
            rkey: rkey.to_string(),
            did: view.author.did,
            handle: view.author.handle,
            text: view.record.text,
            created_at: view
                .record
                .created_at
                .and_then(|c| c.parse::<Timestamp>().ok()),
            indexed_at,
            lang: view.record.langs.first().and_then(|l| primary_language(l)),
            reach: Reach {
                likes: view.like_count,
                shares: view.repost_count.saturating_add(view.quote_count),
                comments: view.reply_count,
                ..Reach::default()
            },
            uri: view.uri,
        })
    }

    /// The post to store; `None` for a post without text (an image alone): nothing to read.
    fn into_post(self, source: &SourceId, fetched: Timestamp) -> Option<Post> {
        let text = self.text.trim();
        if text.is_empty() {
            return None;
        }
        // A handle that no longer verifies is shown as "handle.invalid"; the DID still links.
        let profile = if self.handle.is_empty() || self.handle == "handle.invalid" {
            &self.did
        } else {
            &self.handle
        };
        Some(Post {
            source: source.clone(),
            // The link names the DID, as the `jetstream` kind's does: a post found by a search
            // and on the live stream has one canonical link and is stored once.
            url: Some(format!(
                "https://bsky.app/profile/{}/post/{}",
                self.did, self.rkey
            )),
            title: None,
            text: truncate_chars(text.to_string(), MAX_TEXT_CHARS),
            author: Some(profile.clone()),
            published: self.created_at.unwrap_or(self.indexed_at),
            fetched,
            lang: self.lang,
            platform: None,
            reach: self.reach,
            external_id: self.uri,
        })
    }
}

/// The record key of `at://did/app.bsky.feed.post/rkey`.
fn rkey_of(uri: &str) -> Option<&str> {
    let rest = uri.strip_prefix("at://")?;
    let mut parts = rest.split('/');
    let (did, collection, rkey) = (parts.next()?, parts.next()?, parts.next()?);
    let valid = did.starts_with("did:")
        && collection == "app.bsky.feed.post"
        && !rkey.is_empty()
        && parts.next().is_none()
        && rkey
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '~'));
    valid.then_some(rkey)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::kind::Spec as _;

    #[test]
    fn record_keys_come_from_post_uris_only() {
        assert_eq!(
            rkey_of("at://did:plc:abc/app.bsky.feed.post/3lbx2k7yz2c2a"),
            Some("3lbx2k7yz2c2a")
        );
        assert_eq!(rkey_of("at://did:plc:abc/app.bsky.feed.like/3l"), None);
        assert_eq!(rkey_of("at://did:plc:abc/app.bsky.feed.post/"), None);
        assert_eq!(rkey_of("at://did:plc:abc/app.bsky.feed.post/a/b"), None);
        assert_eq!(rkey_of("https://bsky.app/x"), None);
    }

    #[test]
    fn language_tags_keep_their_primary_language() {
        assert_eq!(primary_language("id").as_deref(), Some("id"));
        assert_eq!(primary_language("ID-id").as_deref(), Some("id"));
        assert_eq!(primary_language("").as_deref(), None);
        assert_eq!(primary_language("12").as_deref(), None);
    }

    #[test]
    fn search_goes_to_the_pds_when_logged_in() {
        let mut spec = Spec {
            query: "banjir samarinda".into(),
            url: Url::parse("https://api.bsky.app").unwrap(),
            lang: Some("id".into()),
            limit: 100,
            handle: None,
            app_password: None,
            pds: None,
        };
        assert_eq!(
            spec.search_url(Some("c1")).as_str(),
            "https://api.bsky.app/xrpc/app.bsky.feed.searchPosts?q=banjir+samarinda&sort=latest&limit=100&lang=id&cursor=c1"
        );
        spec.handle = Some("humas.bsky.social".into());
        spec.app_password = Some(Secret::new("rahasia"));
        spec.pds = Some(Url::parse("https://bsky.social/").unwrap());
        assert!(
            spec.location()
                .starts_with("https://bsky.social/xrpc/app.bsky.feed.searchPosts?")
        );
        assert!(!format!("{spec:?}").contains("rahasia"));
    }
}
