//! The `instagram` kind: public Instagram posts through the Instagram Graph API, on behalf of
//! the office's own Instagram business (or creator) account: the recent media of hashtags
//! (`ig_hashtag_search`, then `/{hashtag-id}/recent_media`) and the media of other business
//! accounts by their username (business discovery). Each media with a caption is a post;
//! like and comment counts are its reach, and an account's follower count its author's.
//!
//! Keys of a `[[sources]] kind = "instagram"` table:
//! - `account_id` (required): the office's Instagram business account id (digits), the
//!   `user_id` every hashtag call names and the node business discovery is asked on.
//! - `hashtags`: names without `#` (`["banjirsamarinda"]`), at most 30; and/or
//! - `accounts`: usernames of business or creator accounts (`["humaskaltim"]`); personal
//!   accounts are not reachable. At least one of the two.
//! - `secret`: the `[secrets]` entry holding the access token; default
//!   `instagram_access_token` (`PANTAU__SECRETS__INSTAGRAM_ACCESS_TOKEN`).
//! - `url` (or `base_url`): the Graph API's address with its version; default
//!   `https://graph.facebook.com/v25.0` ([`GRAPH_VERSION`]).
//! - `max_pages`: pages read per hashtag or account in one poll, 1 to 100; default 10.
//!
//! What is new. A hashtag's `recent_media` holds only media of the last 24 hours, in no set
//! order, and its `after` cursor is the same on every page (Graph API reference): there is no
//! "since" to ask for. Each poll reads up to `max_pages` pages of 50 and hands every media
//! over; the store keeps each media once by its id and takes the newer like and comment counts
//! of one seen again. An account's media come newest first: the first poll reads one page,
//! later ones page back until they reach the newest media the cursor remembers (its time and
//! the ids of that second), so a restart repeats nothing and, within `max_pages`, misses
//! nothing.
//!
//! The 30-hashtag limit. Instagram counts at most 30 unique hashtags per account in a rolling
//! 7 days, from each hashtag's first query. The cursor keeps each hashtag's first-query time
//! (and its id, which is static and global), so the count survives restarts; a hashtag that
//! would be the 31st is refused with a warning, logged once, and the others keep working.
//! The count is per source: hashtags of one business account belong in one source.
//!
//! Limits and errors. The token travels as the `access_token` query parameter, as the
//! reference shows; it is never logged: errors are scrubbed of it, and pages are requested by
//! their `after` cursor rather than through `paging.next`, whose URL embeds the token. Usage
//! headers (`X-App-Usage`, `X-Business-Use-Case-Usage`) at [`SLOW_PERCENT`] % or more end the
//! poll after the page in hand and pause the source for [`SLOW_PAUSE`]; at 100 %, or with an
//! `estimated_time_to_regain_access`, for that time (at least [`LIMIT_PAUSE`]). The throttling
//! error codes 4, 17, 32 and 613 pause it for [`LIMIT_PAUSE`]. The pause is in the cursor, so
//! it survives a restart; when nothing was read first, the poll fails as rate limited and the
//! poll loop waits as long. Error 190 (102 in older answers) is the token: the source fails
//! as `auth`, once, saying how to renew it, and is retried at most hourly. Another error about
//! one hashtag or account (a hashtag Instagram refuses, an account that is not a business
//! account) skips it with a warning; a body that is not the documented JSON fails this source.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use jiff::{SignedDuration, Timestamp};
use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::context::PollCtx;
use super::error::{SourceError, scrub};
use super::feed::identity::canonical_url;
use super::http::ApiResponse;
use super::kind;
use super::poller::{Batch, Poll};
use super::secret::SecretName;
use crate::config::{Invalid, value};
use crate::model::{Cursor, Medium, Post, Reach, SourceId};

/// The Graph API version asked for: released 18 February 2026 and available until 29 July
/// 2028 (Graph API changelog, versions table), the newest with a published end date.
pub const GRAPH_VERSION: &str = "v25.0";
const DEFAULT_BASE: &str = "https://graph.facebook.com/v25.0";
/// The `[secrets]` entry read unless `secret` names another.
pub const DEFAULT_SECRET: &str = "instagram_access_token";
/// Unique hashtags an account may query in [`HASHTAG_WINDOW`].
pub const HASHTAG_LIMIT: usize = 30;
/// How long a queried hashtag counts against [`HASHTAG_LIMIT`].
pub const HASHTAG_WINDOW: SignedDuration = SignedDuration::from_hours(7 * 24);
/// Usage (percent of any figure of the usage headers) from which a poll ends early.
pub const SLOW_PERCENT: u64 = 90;
/// The pause after a poll ended early for usage near the limit.
pub const SLOW_PAUSE: Duration = Duration::from_secs(30 * 60);
/// The least pause once a limit is reached: the platform's limits are counted per hour.
pub const LIMIT_PAUSE: Duration = Duration::from_secs(3600);

/// `recent_media`'s largest page.
const RECENT_MEDIA_LIMIT: &str = "50";
const RECENT_MEDIA_FIELDS: &str =
    "id,caption,media_type,comments_count,like_count,permalink,timestamp";
const DISCOVERY_MEDIA_FIELDS: &str =
    "id,caption,like_count,comments_count,permalink,timestamp,username";
const ACCEPT: &str = "application/json";

/// `[[sources]] kind = "instagram"` (keys in the module documentation).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    #[serde(default)]
    pub hashtags: Vec<String>,
    #[serde(default)]
    pub accounts: Vec<String>,
    #[serde(deserialize_with = "account_id")]
    pub account_id: String,
    #[serde(default = "default_secret")]
    pub secret: SecretName,
    #[serde(
        rename = "url",
        alias = "base_url",
        default = "default_base",
        deserialize_with = "value::http_url"
    )]
    pub base: Url,
    #[serde(
        default = "default_max_pages",
        deserialize_with = "value::uint::<_, _, 1, 100>"
    )]
    pub max_pages: u16,
}

fn default_secret() -> SecretName {
    SecretName::fixed(DEFAULT_SECRET)
}

fn default_base() -> Url {
    value::fixed_url(DEFAULT_BASE)
}

fn default_max_pages() -> u16 {
    10
}

fn account_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    value::parsed(
        d,
        "id akun bisnis Instagram (angka), misalnya \"17841400000000000\"",
        |t| {
            let fits = !t.is_empty() && t.len() <= 32 && t.chars().all(|c| c.is_ascii_digit());
            fits.then(|| t.to_string())
                .ok_or_else(|| format!("\"{t}\" bukan id akun Instagram (hanya angka)"))
        },
    )
}

impl kind::Spec for Spec {
    const KIND: &'static str = "instagram";
    const MEDIUM: Option<Medium> = Some(Medium::Social);
    const EXAMPLE: &'static str = "account_id = \"17841400000000000\"\n\
        hashtags = [\"banjirsamarinda\", \"kaltim\"]\naccounts = [\"humaskaltim\"]\n\
        secret = \"instagram_access_token\"\nurl = \"https://graph.facebook.com/v25.0\"\nmax_pages = 10";

    /// Hashtags and usernames as Instagram writes them, each once; at least one of them.
    fn settle(&mut self) -> Result<(), Invalid> {
        if self.hashtags.is_empty() && self.accounts.is_empty() {
            return Err(Invalid::new(
                "hashtags",
                "kunci \"hashtags\" atau \"accounts\" wajib diisi",
                Some(
                    "misalnya hashtags = [\"banjirsamarinda\"] atau accounts = [\"humaskaltim\"]"
                        .into(),
                ),
            ));
        }
        self.hashtags = tidy(&self.hashtags, "hashtags", hashtag)?;
        self.accounts = tidy(&self.accounts, "accounts", username)?;
        if self.hashtags.len() > HASHTAG_LIMIT {
            return Err(Invalid::new(
                "hashtags",
                format!(
                    "{} tagar; Instagram hanya melayani {HASHTAG_LIMIT} tagar unik per akun dalam 7 hari",
                    self.hashtags.len()
                ),
                Some("pilih paling banyak 30 tagar untuk satu akun bisnis".into()),
            ));
        }
        Ok(())
    }

    /// The API and the account: the hashtags' 7-day count belongs to the account, so adding a
    /// hashtag or an account keeps the cursor.
    fn location(&self) -> String {
        format!("{} (akun {})", self.base, self.account_id)
    }

    fn poller(&self) -> Box<dyn Poll> {
        Box::new(Poller { spec: self.clone() })
    }

    fn needs_secret(&self) -> bool {
        true
    }
}

/// Each of `names` through `check`, once each, in the order written.
fn tidy(
    names: &[String],
    key: &'static str,
    check: fn(&str) -> Option<String>,
) -> Result<Vec<String>, Invalid> {
    let mut out: Vec<String> = Vec::new();
    for raw in names {
        let name = check(raw).ok_or_else(|| {
            Invalid::new(
                key,
                format!("\"{raw}\" tidak valid untuk {key}"),
                Some(match key {
                    "hashtags" => {
                        "tulis tagar tanpa #, huruf, angka dan _ saja: \"banjirsamarinda\"".into()
                    }
                    _ => {
                        "tulis nama pengguna tanpa @: huruf, angka, titik dan _ (paling panjang 30)"
                            .into()
                    }
                }),
            )
        })?;
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

/// `#BanjirSamarinda` → `banjirsamarinda`: letters (any script), digits and `_`; hashtags
/// are matched without regard to case.
fn hashtag(raw: &str) -> Option<String> {
    let name = raw.trim().trim_start_matches('#').to_lowercase();
    let fits = !name.is_empty()
        && name.chars().count() <= 100
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    fits.then_some(name)
}

/// `@HumasKaltim` → `humaskaltim`: Instagram usernames are 1 to 30 letters, digits, `.`, `_`.
fn username(raw: &str) -> Option<String> {
    let name = raw.trim().trim_start_matches('@').to_ascii_lowercase();
    let fits = !name.is_empty()
        && name.len() <= 30
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_'));
    fits.then_some(name)
}

/// The cursor's content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct State {
    /// Hashtag name → its id (static and global, so asked once).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    ids: BTreeMap<String, String>,
    /// Hashtag name → Unix second of its first query in the current 7-day window.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    queried: BTreeMap<String, i64>,
    /// Hashtags refused for the limit at the last poll, so each refusal is logged once.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    refused: BTreeSet<String>,
    /// Username → the newest media seen.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    accounts: BTreeMap<String, Seen>,
    /// Unix second before which no request is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not_before: Option<i64>,
}

/// The newest media of an account seen so far: its time, and the ids of that second.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Seen {
    newest: i64,
    ids: Vec<String>,
}

impl State {
    fn from_cursor(cursor: &Cursor) -> State {
        match cursor {
            Cursor::Token { value } => serde_json::from_str(value).unwrap_or_default(),
            _ => State::default(),
        }
    }

    fn to_cursor(&self) -> Cursor {
        if *self == State::default() {
            return Cursor::Start;
        }
        Cursor::Token {
            value: serde_json::to_string(self).expect("a state always serialises"),
        }
    }

    fn paused(&self, now: Timestamp) -> bool {
        self.not_before.is_some_and(|t| now.as_second() < t)
    }

    /// Drops the first queries older than the window, and ids of hashtags no longer asked for.
    fn prune(&mut self, now: Timestamp, hashtags: &[String]) {
        let start = (now - HASHTAG_WINDOW).as_second();
        self.queried.retain(|_, first| *first > start);
        self.ids.retain(|name, _| hashtags.contains(name));
        self.not_before = self.not_before.filter(|t| *t > now.as_second());
    }

    /// Whether `name` may be queried now, counting it from now when it is new to the window.
    fn admit(&mut self, name: &str, now: Timestamp) -> bool {
        if self.queried.contains_key(name) {
            return true;
        }
        if self.queried.len() >= HASHTAG_LIMIT {
            return false;
        }
        self.queried.insert(name.to_string(), now.as_second());
        true
    }

    /// When the oldest counted hashtag leaves the window, freeing a place.
    fn next_free(&self, now: Timestamp) -> Duration {
        let oldest = self
            .queried
            .values()
            .min()
            .copied()
            .unwrap_or(now.as_second());
        let free = oldest + HASHTAG_WINDOW.as_secs() - now.as_second();
        Duration::from_secs(free.max(60) as u64)
    }
}

/// Why one request did not give a page.
#[derive(Debug)]
enum Failure {
    /// The whole source fails: the token, the network, a body that is not the API's.
    Fatal(SourceError),
    /// The allowance is used up: stop, keep what was read, pause.
    Limited { what: String, wait: Duration },
    /// This hashtag or account alone (Graph said why).
    Target(String),
}

impl From<SourceError> for Failure {
    fn from(e: SourceError) -> Failure {
        Failure::Fatal(e)
    }
}

/// The Graph API's error envelope (Graph API error handling reference).
#[derive(Debug, Deserialize)]
struct Envelope {
    error: GraphError,
}

#[derive(Debug, Deserialize)]
struct GraphError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    error_subcode: Option<i64>,
}

/// Polls one Instagram source.
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
        let now = Timestamp::now();
        let mut state = State::from_cursor(cursor);
        if state.paused(now) {
            return Ok(Batch {
                cursor: cursor.clone(),
                not_modified: true,
                ..Batch::default()
            });
        }
        state.prune(now, &self.spec.hashtags);
        let token = self.spec.secret.lookup(cx)?.expose().trim().to_string();
        let mut round = Round {
            cx,
            spec: &self.spec,
            token: &token,
            now,
            state,
            posts: Vec::new(),
            found: 0,
            pages: 0,
            pause: None,
            failures: Vec::new(),
        };
        let result = round.run().await;
        result.map_err(|e| e.redacted(&token))
    }
}

/// One poll's work and what it gathered.
struct Round<'a> {
    cx: &'a PollCtx,
    spec: &'a Spec,
    token: &'a str,
    now: Timestamp,
    state: State,
    posts: Vec<Post>,
    found: usize,
    /// Pages read successfully.
    pages: usize,
    /// Why and how long to pause, once a limit is near or reached.
    pause: Option<(String, Duration)>,
    /// Hashtags and accounts that failed alone, with why.
    failures: Vec<(String, String)>,
}

impl Round<'_> {
    async fn run(&mut self) -> Result<Batch, SourceError> {
        let refused = self.admit_hashtags();
        for name in self.spec.hashtags.clone() {
            if self.pause.is_some() || refused.contains(&name) {
                continue;
            }
            let outcome = self.hashtag(&name).await;
            self.settle(format!("#{name}"), outcome)?;
        }
        for name in self.spec.accounts.clone() {
            if self.pause.is_some() {
                break;
            }
            let outcome = self.account(&name).await;
            self.settle(format!("@{name}"), outcome)?;
        }
        self.finish(refused)
    }

    /// The hashtags refused for the 30-in-7-days limit; a refusal new since the last poll is
    /// logged.
    fn admit_hashtags(&mut self) -> BTreeSet<String> {
        let mut refused = BTreeSet::new();
        for name in &self.spec.hashtags {
            if !self.state.admit(name, self.now) {
                refused.insert(name.clone());
            }
        }
        for name in refused.difference(&self.state.refused) {
            tracing::warn!(
                source = %self.cx.source, hashtag = %name, limit = HASHTAG_LIMIT,
                "tagar #{name} tidak ditanyakan: akun ini sudah memakai {HASHTAG_LIMIT} tagar unik dalam 7 hari terakhir \
                 (batas Instagram); tagar lain tetap dibaca, dan #{name} dibaca begitu ada tempat"
            );
        }
        self.state.refused = refused.clone();
        refused
    }

    /// Records how one hashtag or account went; a fatal failure ends the poll.
    fn settle(&mut self, target: String, outcome: Result<(), Failure>) -> Result<(), SourceError> {
        match outcome {
            Ok(()) => Ok(()),
            Err(Failure::Fatal(e)) => Err(e),
            Err(Failure::Limited { what, wait }) => {
                self.pause = Some((what, wait));
                Ok(())
            }
            Err(Failure::Target(why)) => {
                let why = scrub(&why, self.token);
                tracing::warn!(source = %self.cx.source, target = %target, error = %why, "Instagram: dilewati");
                self.failures.push((target, why));
                Ok(())
            }
        }
    }

    /// The batch, or the failure when nothing could be read.
    fn finish(&mut self, refused: BTreeSet<String>) -> Result<Batch, SourceError> {
        if let Some((what, wait)) = self.pause.clone() {
            self.state.not_before = Some(self.now.as_second() + wait.as_secs() as i64);
            tracing::warn!(
                source = %self.cx.source, reason = %what,
                "Instagram: pemakaian API mendekati atau mencapai batas; sumber berhenti sejenak"
            );
            if self.pages == 0 {
                return Err(SourceError::RateLimited {
                    what,
                    wait: Some(wait),
                });
            }
        }
        let asked = self.spec.hashtags.len() - refused.len() + self.spec.accounts.len();
        if self.pages == 0 && asked == 0 {
            return Err(SourceError::Quota {
                what: format!(
                    "semua tagar sumber ini menunggu batas Instagram {HASHTAG_LIMIT} tagar unik \
                     per 7 hari untuk akun ini; tagar dibaca lagi begitu ada tempat — bila ini \
                     sering terjadi, kurangi tagar di sumber-sumber instagram yang memakai akun \
                     ini atau pakai token akun bisnis lain untuk sebagian tagar"
                ),
                wait: Some(self.state.next_free(self.now)),
            });
        }
        if self.pages == 0 && self.failures.len() == asked {
            let (target, why) = &self.failures[0];
            return Err(SourceError::Unsupported(format!(
                "Instagram menolak semua permintaan; {target}: {why}"
            )));
        }
        Ok(Batch {
            posts: std::mem::take(&mut self.posts),
            cursor: self.state.to_cursor(),
            not_modified: false,
            items_found: self.found,
        })
    }

    /// The recent media of one hashtag, up to `max_pages` pages.
    async fn hashtag(&mut self, name: &str) -> Result<(), Failure> {
        let id = match self.state.ids.get(name) {
            Some(id) => id.clone(),
            None => {
                let id = self.hashtag_id(name).await?;
                self.state.ids.insert(name.to_string(), id.clone());
                id
            }
        };
        let mut after: Option<String> = None;
        for _ in 0..self.spec.max_pages {
            let mut query = vec![
                ("user_id", self.spec.account_id.as_str()),
                ("fields", RECENT_MEDIA_FIELDS),
                ("limit", RECENT_MEDIA_LIMIT),
            ];
            if let Some(cursor) = &after {
                query.push(("after", cursor));
            }
            let url = self.endpoint(&[&id, "recent_media"], &query);
            let root = self.get(&url).await?;
            let page: MediaPage = from_value(root, "recent_media")?;
            let records = page.data.len();
            self.take_media(page.data, None, None);
            // `after` is the same on every page; `next` says whether there is one.
            after = page.paging.as_ref().and_then(Paging::after);
            let more = page.paging.as_ref().is_some_and(|p| p.next.is_some());
            if records == 0 || !more || after.is_none() || self.pause.is_some() {
                break;
            }
        }
        Ok(())
    }

    /// A hashtag's id (`ig_hashtag_search`).
    async fn hashtag_id(&mut self, name: &str) -> Result<String, Failure> {
        let url = self.endpoint(
            &["ig_hashtag_search"],
            &[("user_id", self.spec.account_id.as_str()), ("q", name)],
        );
        let root = self.get(&url).await?;
        let found: IdList = from_value(root, "ig_hashtag_search")?;
        found
            .data
            .into_iter()
            .map(|d| d.id)
            .find(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
            .ok_or_else(|| Failure::Target(format!("Instagram tidak mengenal tagar #{name}")))
    }

    /// One account's media through business discovery, newest first, back to the newest seen.
    async fn account(&mut self, name: &str) -> Result<(), Failure> {
        let seen = self.state.accounts.get(name).cloned();
        let mut after: Option<String> = None;
        let mut newest = seen.clone().unwrap_or_default();
        for _ in 0..self.spec.max_pages {
            let media_edge = match &after {
                Some(cursor) => format!("media.after({cursor}){{{DISCOVERY_MEDIA_FIELDS}}}"),
                None => format!("media{{{DISCOVERY_MEDIA_FIELDS}}}"),
            };
            let fields =
                format!("business_discovery.username({name}){{followers_count,{media_edge}}}");
            let url = self.endpoint(&[&self.spec.account_id], &[("fields", fields.as_str())]);
            let root = self.get(&url).await?;
            let found: Discovery = from_value(root, "business_discovery")?;
            let account = found.business_discovery;
            let media = account.media.unwrap_or_default();
            let reached = media.data.iter().any(|m| known(m, seen.as_ref()));
            for record in &media.data {
                advance(&mut newest, record);
            }
            let records = media.data.len();
            self.take_media(media.data, Some(name), account.followers_count);
            after = media.paging.as_ref().and_then(Paging::after);
            if seen.is_none() || reached || records == 0 || after.is_none() || self.pause.is_some()
            {
                break;
            }
        }
        if newest.newest > 0 {
            self.state.accounts.insert(name.to_string(), newest);
        }
        Ok(())
    }

    /// Media records to posts; a record that does not map is skipped with a warning.
    fn take_media(&mut self, records: Vec<Value>, account: Option<&str>, followers: Option<u64>) {
        self.found += records.len();
        self.pages += 1;
        for (index, record) in records.into_iter().enumerate() {
            match to_post(record, &self.cx.source, self.now, account, followers) {
                Ok(Some(post)) => self.posts.push(post),
                Ok(None) => {}
                Err(error) => tracing::warn!(
                    source = %self.cx.source, index, %error,
                    "media Instagram dilewati karena isinya tidak sesuai"
                ),
            }
        }
    }

    /// `base/segments…?query…&access_token=…`.
    fn endpoint(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.spec.base.clone();
        url.set_query(None);
        url.set_fragment(None);
        url.path_segments_mut()
            .expect("an http(s) base always has a path")
            .pop_if_empty()
            .extend(segments);
        url.query_pairs_mut()
            .extend_pairs(query)
            .append_pair("access_token", self.token);
        url
    }

    /// GETs `url` and judges the answer: the JSON body of a page, or why not.
    async fn get(&mut self, url: &Url) -> Result<Value, Failure> {
        let response = self
            .cx
            .fetcher
            .get_api_answer(url, ACCEPT, HeaderMap::new())
            .await?;
        let root = judge(&response, &self.spec.secret)?;
        if let Some(pause) = usage_pause(&response.headers) {
            self.pause = Some(pause);
        }
        Ok(root)
    }
}

/// The body of a 2xx answer without an error, or the failure the answer describes.
fn judge(response: &ApiResponse, secret: &SecretName) -> Result<Value, Failure> {
    let body: Option<Value> = serde_json::from_slice(&response.body).ok();
    let envelope = body
        .as_ref()
        .and_then(|b| Envelope::deserialize(b).ok())
        .map(|e| e.error);
    match (envelope, response.status) {
        (Some(error), _) => Err(graph_failure(&error, secret)),
        (None, 200..=299) => body.ok_or_else(|| {
            Failure::Fatal(SourceError::Parse(
                "jawaban Graph API bukan JSON".to_string(),
            ))
        }),
        (None, 401) => Err(Failure::Fatal(SourceError::Auth(auth_message(
            None, secret,
        )))),
        (None, 429) => Err(Failure::Limited {
            what: "HTTP 429".into(),
            wait: LIMIT_PAUSE,
        }),
        (None, status) => Err(Failure::Fatal(SourceError::Http {
            status,
            retry_after: super::http::retry_after(&response.headers),
        })),
    }
}

/// What a Graph error code means here (Graph API error handling and rate limiting
/// references).
fn graph_failure(error: &GraphError, secret: &SecretName) -> Failure {
    match error.code {
        Some(190 | 102) => {
            Failure::Fatal(SourceError::Auth(auth_message(error.error_subcode, secret)))
        }
        Some(code @ (4 | 17 | 32 | 613)) => Failure::Limited {
            what: format!("kode {code}: {}", clip(&error.message)),
            wait: LIMIT_PAUSE,
        },
        Some(code) => Failure::Target(format!(
            "galat Graph API {code}{}: {}",
            error
                .error_subcode
                .map(|s| format!("/{s}"))
                .unwrap_or_default(),
            clip(&error.message)
        )),
        None => Failure::Fatal(SourceError::Parse(format!(
            "galat Graph API tanpa kode: {}",
            clip(&error.message)
        ))),
    }
}

/// The refused token, in words, and how to renew it.
fn auth_message(subcode: Option<i64>, secret: &SecretName) -> String {
    let why = match subcode {
        Some(463) => "token akses Instagram kedaluwarsa (kode 190, subkode 463)".to_string(),
        Some(460) => "token akses Instagram tidak berlaku lagi karena kata sandi akun Facebook \
                      diganti (kode 190, subkode 460)"
            .to_string(),
        Some(467) => "token akses Instagram tidak berlaku: pengguna keluar (log out) dari \
                      Facebook (kode 190, subkode 467)"
            .to_string(),
        Some(458) => "aplikasi Facebook tidak lagi diizinkan oleh pengguna token (kode 190, \
                      subkode 458)"
            .to_string(),
        Some(other) => format!("token akses Instagram ditolak (kode 190, subkode {other})"),
        None => "token akses Instagram ditolak".to_string(),
    };
    format!(
        "{why}; buat token akses pengguna jangka panjang yang baru (berlaku sekitar 60 \
         hari) lewat akun Facebook yang mengelola Halaman terhubung dengan akun bisnis Instagram, \
         lalu simpan di [secrets] {name} pada config/local.toml atau variabel {var}",
        name = secret.as_str(),
        var = secret.variable()
    )
}

/// The pause the usage headers ask for, if any: figures are percentages of the allowance.
fn usage_pause(headers: &HeaderMap) -> Option<(String, Duration)> {
    let mut percent = 0u64;
    let mut regain_minutes = 0u64;
    if let Some(app) = header_json(headers, "x-app-usage") {
        percent = percent.max(max_figure(&app));
    }
    if let Some(Value::Object(by_account)) = header_json(headers, "x-business-use-case-usage") {
        for entry in by_account.values().filter_map(Value::as_array).flatten() {
            percent = percent.max(max_figure(entry));
            let regain = entry.get("estimated_time_to_regain_access");
            regain_minutes = regain_minutes.max(regain.and_then(Value::as_u64).unwrap_or(0));
        }
    }
    if regain_minutes > 0 || percent >= 100 {
        let wait = Duration::from_secs(regain_minutes * 60).max(LIMIT_PAUSE);
        Some((
            format!("pemakaian {percent} %, pulih dalam {regain_minutes} menit"),
            wait,
        ))
    } else if percent >= SLOW_PERCENT {
        Some((format!("pemakaian {percent} %"), SLOW_PAUSE))
    } else {
        None
    }
}

fn header_json(headers: &HeaderMap, name: &str) -> Option<Value> {
    serde_json::from_slice(headers.get(name)?.as_bytes()).ok()
}

/// The largest of `call_count`, `total_cputime` and `total_time`.
fn max_figure(usage: &Value) -> u64 {
    ["call_count", "total_cputime", "total_time"]
        .iter()
        .filter_map(|k| usage.get(k).and_then(Value::as_u64))
        .max()
        .unwrap_or(0)
}

/// `{"data": [{"id": …}]}`.
#[derive(Debug, Deserialize)]
struct IdList {
    data: Vec<IdOnly>,
}

#[derive(Debug, Deserialize)]
struct IdOnly {
    id: String,
}

/// A page of media records (kept as values, so one odd record is skipped alone).
#[derive(Debug, Default, Deserialize)]
struct MediaPage {
    #[serde(default)]
    data: Vec<Value>,
    #[serde(default)]
    paging: Option<Paging>,
}

/// Graph's cursor paging.
#[derive(Debug, Deserialize)]
struct Paging {
    #[serde(default)]
    cursors: Option<Cursors>,
    /// The next page's full URL (it embeds the token: only its presence is used).
    #[serde(default)]
    next: Option<String>,
}

impl Paging {
    fn after(&self) -> Option<String> {
        let after = self.cursors.as_ref()?.after.as_deref()?.trim();
        // A cursor goes back into `media.after(…)`: nothing that could end that expression.
        let fits = !after.is_empty()
            && after.len() <= 512
            && after
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '=' | '.'));
        fits.then(|| after.to_string())
    }
}

#[derive(Debug, Deserialize)]
struct Cursors {
    #[serde(default)]
    after: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Discovery {
    business_discovery: Account,
}

#[derive(Debug, Deserialize)]
struct Account {
    #[serde(default)]
    followers_count: Option<u64>,
    #[serde(default)]
    media: Option<MediaPage>,
}

/// The root as `T`; a shape other than the documented one fails the source.
fn from_value<T: serde::de::DeserializeOwned>(root: Value, what: &str) -> Result<T, Failure> {
    serde_json::from_value(root).map_err(|e| {
        Failure::Fatal(SourceError::Parse(format!(
            "jawaban {what} bukan JSON yang diharapkan: {e}"
        )))
    })
}

/// One media record as the Graph API documents its fields.
#[derive(Debug, Deserialize)]
struct Media {
    id: String,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    comments_count: Option<u64>,
    /// Omitted when the owner hides like counts.
    #[serde(default)]
    like_count: Option<u64>,
    #[serde(default)]
    permalink: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    username: Option<String>,
}

/// A media's time: `2021-08-17T19:00:42+0000` as Graph writes it, or RFC 3339.
fn media_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    jiff::fmt::strtime::parse("%Y-%m-%dT%H:%M:%S%z", text)
        .ok()
        .and_then(|t| t.to_timestamp().ok())
        .or_else(|| text.parse().ok())
}

/// Whether `record` is at or behind the newest media already seen.
fn known(record: &Value, seen: Option<&Seen>) -> bool {
    let Some(seen) = seen else { return false };
    let id = record.get("id").and_then(Value::as_str).unwrap_or("");
    let time = record
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(media_time)
        .map(|t| t.as_second());
    seen.ids.iter().any(|s| s == id) || time.is_some_and(|t| t < seen.newest)
}

/// Moves `newest` on to `record` when it is newer (or of the same second, another id).
fn advance(newest: &mut Seen, record: &Value) {
    let Some(id) = record.get("id").and_then(Value::as_str) else {
        return;
    };
    let Some(time) = record
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(media_time)
    else {
        return;
    };
    let time = time.as_second();
    if time > newest.newest {
        *newest = Seen {
            newest: time,
            ids: vec![id.to_string()],
        };
    } else if time == newest.newest && !newest.ids.iter().any(|s| s == id) {
        newest.ids.push(id.to_string());
    }
}

/// One media to a post; `Ok(None)` for media without a caption (nothing to read).
fn to_post(
    record: Value,
    source: &SourceId,
    fetched: Timestamp,
    account: Option<&str>,
    followers: Option<u64>,
) -> Result<Option<Post>, String> {
    let media: Media = serde_json::from_value(record).map_err(|e| e.to_string())?;
    if media.id.is_empty() {
        return Err("media tanpa id".into());
    }
    let text = media.caption.as_deref().unwrap_or("").trim().to_string();
    if text.is_empty() {
        return Ok(None);
    }
    let published = match media.timestamp.as_deref() {
        None => fetched,
        Some(t) => media_time(t).ok_or_else(|| format!("timestamp \"{}\" bukan waktu", clip(t)))?,
    };
    let author = media
        .username
        .filter(|u| !u.is_empty())
        .or_else(|| account.map(str::to_owned));
    let mut post = Post {
        source: source.clone(),
        external_id: media.id,
        url: media.permalink.and_then(|p| canonical_url(&p, None)),
        title: None,
        text,
        author,
        published,
        fetched,
        lang: None,
        platform: None,
        reach: Reach {
            likes: media.like_count,
            shares: 0,
            comments: media.comments_count,
            views: None,
            followers,
        },
    };
    post.clamp_published();
    Ok(Some(post))
}

fn clip(text: &str) -> String {
    super::text::truncate_chars(text.to_string(), 160)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn names_are_tidied_and_checked() {
        assert_eq!(
            hashtag(" #BanjirSamarinda "),
            Some("banjirsamarinda".into())
        );
        assert_eq!(hashtag("#ikn_2026"), Some("ikn_2026".into()));
        assert_eq!(hashtag("banjir samarinda"), None);
        assert_eq!(hashtag("#"), None);
        assert_eq!(username("@Humas.Kaltim"), Some("humas.kaltim".into()));
        assert_eq!(username("humas kaltim"), None);
        assert_eq!(username(&"a".repeat(31)), None);
    }

    #[test]
    fn the_hashtag_window_counts_thirty_over_seven_days() {
        let now = at("2026-11-27T00:00:00Z");
        let mut state = State::default();
        for i in 0..HASHTAG_LIMIT {
            assert!(state.admit(
                &format!("tagar{i}"),
                now - SignedDuration::from_hours(i as i64)
            ));
        }
        assert!(!state.admit("baru", now));
        // A hashtag already counted is asked again freely.
        assert!(state.admit("tagar3", now));
        // Eight days on, every first query has left the window.
        let later = now + SignedDuration::from_hours(8 * 24);
        state.prune(later, &["tagar0".into()]);
        assert!(state.queried.is_empty());
        assert!(state.admit("baru", later));
        let free = State {
            queried: [("a".to_string(), now.as_second())].into(),
            ..State::default()
        }
        .next_free(now + SignedDuration::from_hours(24));
        assert_eq!(free, Duration::from_secs(6 * 24 * 3600));
    }

    #[test]
    fn graph_times_and_usage_headers() {
        assert_eq!(
            media_time("2021-08-17T19:00:42+0000"),
            Some(at("2021-08-17T19:00:42Z"))
        );
        assert_eq!(
            media_time("2026-11-27T08:00:00+08:00"),
            Some(at("2026-11-27T00:00:00Z"))
        );
        assert_eq!(media_time("kemarin"), None);

        let mut headers = HeaderMap::new();
        headers.insert(
            "x-app-usage",
            HeaderValue::from_static(r#"{"call_count":28,"total_time":25,"total_cputime":25}"#),
        );
        assert_eq!(usage_pause(&headers), None);
        headers.insert(
            "x-business-use-case-usage",
            HeaderValue::from_static(
                r#"{"17841400455970028":[{"type":"instagram","call_count":93,"total_cputime":29,"total_time":10,"estimated_time_to_regain_access":0}]}"#,
            ),
        );
        assert_eq!(usage_pause(&headers).map(|p| p.1), Some(SLOW_PAUSE));
        headers.insert(
            "x-business-use-case-usage",
            HeaderValue::from_static(
                r#"{"17841400455970028":[{"type":"instagram","call_count":100,"total_cputime":29,"total_time":10,"estimated_time_to_regain_access":90}]}"#,
            ),
        );
        assert_eq!(
            usage_pause(&headers).map(|p| p.1),
            Some(Duration::from_secs(90 * 60))
        );
        headers.insert("x-app-usage", HeaderValue::from_static("bukan json"));
        assert!(usage_pause(&headers).is_some());
    }

    #[test]
    fn newest_media_and_known_territory() {
        let m = |id: &str, t: &str| serde_json::json!({"id": id, "timestamp": t});
        let mut seen = Seen::default();
        advance(&mut seen, &m("1", "2026-11-27T01:00:00+0000"));
        advance(&mut seen, &m("2", "2026-11-27T02:00:00+0000"));
        advance(&mut seen, &m("3", "2026-11-27T02:00:00+0000"));
        advance(&mut seen, &m("0", "2026-11-26T02:00:00+0000"));
        assert_eq!(seen.ids, ["2", "3"]);
        assert!(known(&m("3", "2026-11-27T02:00:00+0000"), Some(&seen)));
        assert!(known(&m("9", "2026-11-27T01:59:59+0000"), Some(&seen)));
        assert!(!known(&m("4", "2026-11-27T02:00:00+0000"), Some(&seen)));
        assert!(!known(&m("3", "2026-11-27T02:00:00+0000"), None));
    }

    #[test]
    fn paging_cursors_cannot_break_out_of_the_field_expression() {
        let p = |after: &str| Paging {
            cursors: Some(Cursors {
                after: Some(after.into()),
            }),
            next: None,
        };
        assert_eq!(
            p("QVFIUmx1WTBpMGpRN2=").after().as_deref(),
            Some("QVFIUmx1WTBpMGpRN2=")
        );
        assert_eq!(p("x){id}").after(), None);
        assert_eq!(p("").after(), None);
    }

    #[test]
    fn errors_lose_the_token() {
        let e = SourceError::Connect(
            "error sending request for url (https://graph.facebook.com/v25.0/x?access_token=EAAB%2Bz)"
                .into(),
        );
        let shown = e.redacted("EAAB+z").to_string();
        assert!(!shown.contains("EAAB"), "{shown}");
        assert!(shown.contains("access_token=***"), "{shown}");
    }
}
