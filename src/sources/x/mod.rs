//! The `x` kind: posts on X through API v2 — a recent search (`GET /2/tweets/search/recent`)
//! with the analysts' query, and the posts of listed accounts (`GET /2/users/:id/tweets`) —
//! read with an app's Bearer Token.
//!
//! Keys of a `[[sources]] kind = "x"` table:
//! - `query`: a query in X's own syntax, as written (`"(banjir OR longsor) samarinda
//!   -is:retweet"`);
//! - `accounts`: usernames whose posts are read (`["humasprovkaltim"]`, with or without `@`);
//!   resolved to ids once (`GET /2/users/by`) and kept in the cursor. At least one of the two.
//! - `max_posts_per_month`: the read budget, posts per UTC calendar month; default 10,000.
//! - `max_pages`: pages (of up to 100 posts) per stream in one poll; default 10.
//! - `secret`: the name of the token in `[secrets]`; default `x_bearer_token`.
//! - `url` (or `base_url`): the API's base address; default `https://api.x.com`.
//!
//! What is new: each stream (the search, each account) keeps the first page's
//! `meta.newest_id` of its last finished round as `since_id`, and pages on with X's token
//! (`next_token` for search, `pagination_token` for a timeline) under the same `since_id`, as
//! X's "polling" guide prescribes. A round cut short by `max_pages`, the budget or a rate
//! limit records the oldest id read; the next poll reads the rest with `until_id` before it
//! moves `since_id` on, so nothing is skipped and nothing read twice. The first round ever
//! reads back at most `max_pages` pages (history before a source starts is not a gap).
//!
//! Budget: every page's `meta.result_count` is counted against `max_posts_per_month` (X bills
//! per post returned); a page asks for no more than what is left, and a stream whose smallest
//! page (10 for search, 5 for a timeline) no longer fits stops there, the others read on; when
//! no stream's page fits, the source stops until the month ends. A cursor that does not read
//! counts the month as spent (logged), so it never grants a second budget. Rate limits: a 429,
//! or `x-rate-limit-remaining: 0` on a good answer, pauses the source until
//! `x-rate-limit-reset`; a 429 of type `usage-capped` is a `quota` failure retried a day later.
//! A 401/403 or a missing token is an `auth` failure (retried at most hourly) naming the secret
//! and how to renew it; the token itself
//! is sent only as a header and never appears in a message or log. Reposts are skipped (the
//! original carries their count in `shares`): add `-is:retweet` to a query to spend nothing
//! on them.

mod api;
mod state;

use std::collections::{BTreeSet, HashMap, HashSet};

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use self::api::{Bounds, Endpoint, Page, Refusal, User, Users};
use self::state::{Resume, SEARCH, State, Stream, newer, timeline_key};
use super::context::PollCtx;
use super::error::SourceError;
use super::http;
use super::kind::{self, Budget};
use super::poller::{Batch, Poll, map_records};
use super::secret::SecretName;
use crate::config::{Invalid, value};
use crate::model::{Cursor, Medium, Post, Reach, SourceId, stated_language};
use reqwest::header::{AUTHORIZATION, HeaderMap};

const DEFAULT_BASE: &str = "https://api.x.com";

/// Where people read a post.
const PUBLIC_SITE: &str = "https://x.com";

/// 10,000 posts a month is about 330 a day: a focused provincial query and a few dozen
/// accounts fit, and a query that turns out far too broad costs a bounded amount.
const DEFAULT_BUDGET: u64 = 10_000;
/// Pages per stream in one poll, as the other kinds read.
const DEFAULT_MAX_PAGES: u32 = 10;
/// `GET /2/users/by` takes up to 100 usernames.
const MAX_ACCOUNTS: usize = 100;

const ACCEPT: &str = "application/json";

/// `[[sources]] kind = "x"` (keys in the module documentation).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    #[serde(
        rename = "url",
        alias = "base_url",
        default = "default_base",
        deserialize_with = "value::http_url"
    )]
    pub base: Url,
    #[serde(default, deserialize_with = "value::opt_text")]
    pub query: Option<String>,
    #[serde(default)]
    pub accounts: Vec<String>,
    #[serde(
        default = "default_budget",
        deserialize_with = "value::uint::<_, _, 10, 100_000_000>"
    )]
    pub max_posts_per_month: u64,
    #[serde(
        default = "default_max_pages",
        deserialize_with = "value::uint::<_, _, 1, 100>"
    )]
    pub max_pages: u32,
    #[serde(default = "default_secret")]
    pub secret: SecretName,
}

fn default_base() -> Url {
    value::fixed_url(DEFAULT_BASE)
}
fn default_budget() -> u64 {
    DEFAULT_BUDGET
}
fn default_max_pages() -> u32 {
    DEFAULT_MAX_PAGES
}
fn default_secret() -> SecretName {
    SecretName::fixed("x_bearer_token")
}

impl kind::Spec for Spec {
    const KIND: &'static str = "x";
    const MEDIUM: Option<Medium> = Some(Medium::Social);
    const EXAMPLE: &'static str = "query = \"(banjir OR longsor) samarinda -is:retweet\"\n\
                                   accounts = [\"humasprovkaltim\"]\n\
                                   max_posts_per_month = 10000\nmax_pages = 10\n\
                                   secret = \"x_bearer_token\"\nurl = \"https://api.x.com\"";

    /// A query, accounts or both; usernames as X spells them.
    fn settle(&mut self) -> Result<(), Invalid> {
        if self.query.is_none() && self.accounts.is_empty() {
            return Err(Invalid::new(
                "query",
                "kunci \"query\" atau \"accounts\" wajib diisi",
                Some(
                    "misalnya query = \"(banjir OR longsor) samarinda -is:retweet\" atau \
                     accounts = [\"humasprovkaltim\"]"
                        .into(),
                ),
            ));
        }
        if self
            .query
            .as_ref()
            .is_some_and(|q| q.chars().count() > 4096)
        {
            return Err(Invalid::new(
                "query",
                "kueri X lebih dari 4096 karakter",
                None,
            ));
        }
        self.accounts = parse_accounts(&self.accounts)?;
        Ok(())
    }

    /// The API's address: the query and the accounts are not part of it, so editing them
    /// keeps the month's budget count (streams no longer configured are dropped).
    fn location(&self) -> String {
        let mut url = self.base.clone();
        url.set_query(None);
        url.set_fragment(None);
        url.path_segments_mut()
            .expect("an http(s) base always has a path")
            .pop_if_empty()
            .push("2");
        url.to_string()
    }

    fn poller(&self) -> Box<dyn Poll> {
        Box::new(Poller { spec: self.clone() })
    }

    fn budget(&self, cursor: &Cursor) -> Option<Budget> {
        let now = Timestamp::now();
        let mut state = State::from_cursor(cursor)
            .unwrap_or_else(|_| State::spent(now, self.max_posts_per_month));
        state.roll_month(now);
        Some(Budget {
            used: state.budget.used,
            limit: self.max_posts_per_month,
            unit: "pos",
            period: format!("{} (UTC)", state.budget.month),
            renews: state::next_month(now),
        })
    }

    fn needs_secret(&self) -> bool {
        true
    }
}

/// `@Humas_Kaltim` → `humas_kaltim`: 1 to 15 letters, digits or `_`, each once.
fn parse_accounts(raw: &[String]) -> Result<Vec<String>, Invalid> {
    let mut names = Vec::new();
    for name in raw {
        let clean = name.trim().trim_start_matches('@').to_ascii_lowercase();
        let valid = (1..=15).contains(&clean.len())
            && clean.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(Invalid::new(
                "accounts",
                format!("nama akun X \"{name}\" tidak valid"),
                Some(
                    "tulis nama penggunanya saja, misalnya accounts = [\"humasprovkaltim\"]".into(),
                ),
            ));
        }
        if !names.contains(&clean) {
            names.push(clean);
        }
    }
    if names.len() > MAX_ACCOUNTS {
        return Err(Invalid::new(
            "accounts",
            format!("paling banyak {MAX_ACCOUNTS} akun per sumber"),
            Some("bagi akun-akun itu ke beberapa sumber x".into()),
        ));
    }
    Ok(names)
}

/// Polls one `x` source.
#[derive(Debug)]
pub struct Poller {
    spec: Spec,
}

/// What one poll gathers across its streams.
struct Round {
    state: State,
    /// Posts offered, in order, each once.
    tweets: Vec<Value>,
    seen: HashSet<String>,
    authors: HashMap<String, User>,
    /// Pages read this poll.
    pages: usize,
    /// X asked for a pause (recorded in the state): no stream reads on.
    paused: bool,
    /// A stream stopped for want of budget; a stream with a smaller page may still read.
    short_of_budget: bool,
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
        let auth = self.authorization(cx)?;
        let now = Timestamp::now();
        let mut state = self.restore(&cx.source, cursor, now);
        if state.paused(now) {
            tracing::info!(source = %cx.source, until = state.not_before.unwrap_or_default(),
                "batas laju X tercapai; putaran ini dilewati sampai batasnya pulih");
            return Ok(Batch {
                cursor: cursor.clone(),
                not_modified: true,
                ..Batch::default()
            });
        }
        state.not_before = None;
        state.roll_month(now);
        if state.remaining(self.spec.max_posts_per_month) < self.smallest_page() {
            tracing::debug!(source = %cx.source, "anggaran bulanan X habis");
            return Ok(Batch {
                cursor: state.to_cursor(),
                not_modified: true,
                ..Batch::default()
            });
        }
        let mut round = Round {
            state,
            tweets: Vec::new(),
            seen: HashSet::new(),
            authors: HashMap::new(),
            pages: 0,
            paused: false,
            short_of_budget: false,
        };
        self.resolve(cx, &auth, &mut round).await?;
        let streams = self.streams(&round.state);
        let keys: BTreeSet<String> = streams.iter().map(|(k, _)| k.clone()).collect();
        round.state.keep_streams(&keys);
        for (key, endpoint) in &streams {
            if round.paused {
                break;
            }
            self.read_stream(cx, &auth, key, endpoint, &mut round)
                .await?;
        }
        if round.short_of_budget {
            tracing::info!(source = %cx.source, limit = self.spec.max_posts_per_month,
                month = %round.state.budget.month,
                "sisa anggaran bulanan X kurang dari satu halaman untuk sebagian aliran; aliran \
                 itu berhenti sampai bulan berikutnya, aliran dengan halaman lebih kecil tetap dibaca");
        }
        finish(&cx.source, round).await
    }

    /// The state in `cursor`. A cursor that does not read loses its streams' positions (read
    /// afresh within `max_pages`) but not the month's count: the month counts as spent, so a
    /// damaged cursor never grants a second budget in the same month.
    fn restore(&self, source: &SourceId, cursor: &Cursor, now: Timestamp) -> State {
        State::from_cursor(cursor).unwrap_or_else(|error| {
            tracing::warn!(source = %source, %error,
                "kursor X tidak terbaca; posisi tiap aliran dimulai ulang, dan anggaran bulan \
                 ini dianggap habis agar tidak terpakai dua kali (sumber membaca lagi bulan depan)");
            State::spent(now, self.spec.max_posts_per_month)
        })
    }

    /// The Authorization header of the Bearer Token this source names; a missing token is this
    /// source's `auth` failure, with how to make one.
    fn authorization(&self, cx: &PollCtx) -> Result<HeaderMap, SourceError> {
        let token = self.spec.secret.lookup_advised(cx, &self.renew())?;
        let value = format!("Bearer {}", token.expose().trim());
        http::secret_header(AUTHORIZATION, &value).ok_or_else(|| {
            SourceError::Auth(format!(
                "token X di [secrets] {} memuat karakter yang tidak boleh ada di header HTTP; {}",
                self.spec.secret.as_str(),
                self.renew()
            ))
        })
    }

    /// How to renew the token and where to put it.
    fn renew(&self) -> String {
        format!(
            "buat Bearer Token di portal pengembang X (developer.x.com → Projects & Apps → \
             aplikasi Anda → Keys and tokens → Bearer Token → Regenerate), lalu simpan di \
             [secrets] {} pada config/local.toml atau di variabel {}, dan mulai ulang Pantau",
            self.spec.secret.as_str(),
            self.spec.secret.variable()
        )
    }

    /// The smallest page a configured stream may ask for: with less left, no stream can read.
    fn smallest_page(&self) -> u64 {
        let search = self.spec.query.iter().map(|q| Endpoint::Search(q.clone()));
        let timeline = (self.spec.accounts.first()).map(|_| Endpoint::Timeline(String::new()));
        search
            .chain(timeline)
            .map(|e| e.min_results())
            .min()
            .unwrap_or(api::MAX_RESULTS)
    }

    /// The streams to read, search first, then each resolved account.
    fn streams(&self, state: &State) -> Vec<(String, Endpoint)> {
        let mut streams = Vec::new();
        if let Some(q) = &self.spec.query {
            streams.push((SEARCH.to_string(), Endpoint::Search(q.clone())));
        }
        for name in &self.spec.accounts {
            if let Some(id) = state.users.get(name) {
                streams.push((timeline_key(id), Endpoint::Timeline(id.clone())));
            }
        }
        streams
    }

    /// Resolves listed usernames not yet known to ids, in one request.
    async fn resolve(
        &self,
        cx: &PollCtx,
        auth: &HeaderMap,
        round: &mut Round,
    ) -> Result<(), SourceError> {
        let state = &mut round.state;
        let wanted: Vec<&str> = self
            .spec
            .accounts
            .iter()
            .filter(|n| !state.users.contains_key(*n) && !state.unknown.contains(*n))
            .map(String::as_str)
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let url = api::users_url(&self.spec.base, &wanted);
        let response = cx
            .fetcher
            .get_api_answer(&url, ACCEPT, auth.clone())
            .await?;
        if let Some(refusal) = api::refusal(&response, Timestamp::now()) {
            return Err(self.refused(refusal));
        }
        let users: Users = response.json("X (users/by)")?;
        for user in &users.data {
            state
                .users
                .insert(user.username.to_ascii_lowercase(), user.id.clone());
        }
        let missing: Vec<String> = wanted
            .iter()
            .map(|n| n.to_string())
            .filter(|n| !state.users.contains_key(n))
            .collect();
        if !missing.is_empty() {
            tracing::warn!(source = %cx.source, accounts = %missing.join(", "),
                reported = %users.missing().join(", "),
                "akun X tidak ditemukan atau ditangguhkan; akun itu dilewati");
            state.unknown.extend(missing);
        }
        Ok(())
    }

    /// The failure a refusal is when it ends the poll.
    /// The wait is the error's own: the poll commits no cursor, so nothing else carries it.
    fn refused(&self, refusal: Refusal) -> SourceError {
        let now = Timestamp::now().as_second();
        match refusal {
            Refusal::RateLimited { until } => SourceError::Api {
                status: 429,
                detail: "batas laju X tercapai (x-rate-limit-reset)".into(),
                retry_after: Some(std::time::Duration::from_secs((until - now).max(1) as u64)),
            },
            Refusal::UsageCapped { detail } => SourceError::Quota {
                what: format!(
                    "batas pemakaian X untuk proyek ini habis ({detail}); dicoba lagi sehari \
                     kemudian — naikkan paket atau batas di portal pengembang X, atau kecilkan \
                     max_posts_per_month agar jatah tidak habis sebelum akhir bulan"
                ),
                wait: Some(std::time::Duration::from_secs(api::USAGE_CAP_WAIT as u64)),
            },
            Refusal::Token { status, detail } => SourceError::Auth(format!(
                "X menolak Bearer Token [secrets] {} (HTTP {status}: {detail}); {}",
                self.spec.secret.as_str(),
                self.renew()
            )),
            Refusal::StaleBound { detail } => SourceError::Api {
                status: 400,
                detail,
                retry_after: None,
            },
            Refusal::Other {
                status,
                detail,
                retry_after,
            } => SourceError::Api {
                status,
                detail,
                retry_after,
            },
        }
    }

    /// Reads one stream's pages into `round` and moves its position.
    async fn read_stream(
        &self,
        cx: &PollCtx,
        auth: &HeaderMap,
        key: &str,
        endpoint: &Endpoint,
        round: &mut Round,
    ) -> Result<(), SourceError> {
        let mut walk = Walk::start(round.state.streams.get(key).cloned().unwrap_or_default());
        let mut retried = false;
        let limit = self.spec.max_posts_per_month;
        loop {
            if walk.pages == self.spec.max_pages {
                break;
            }
            let allowance = round.state.remaining(limit).min(api::MAX_RESULTS);
            if allowance < endpoint.min_results() {
                round.short_of_budget = true;
                break;
            }
            let url = api::page_url(&self.spec.base, endpoint, allowance, &walk.bounds());
            let response = cx
                .fetcher
                .get_api_answer(&url, ACCEPT, auth.clone())
                .await?;
            let now = Timestamp::now();
            match api::refusal(&response, now) {
                None => {}
                Some(Refusal::StaleBound { detail }) if !retried && walk.bounded() => {
                    tracing::warn!(source = %cx.source, stream = key, %detail,
                        "since_id X sudah di luar jendela 7 hari; dibaca lagi tanpa batas bawah");
                    retried = true;
                    walk = Walk::start(Stream::default());
                    continue;
                }
                Some(refusal @ (Refusal::RateLimited { .. } | Refusal::UsageCapped { .. }))
                    if round.pages > 0 =>
                {
                    let until = match refusal {
                        Refusal::RateLimited { until } => until,
                        _ => now.as_second() + api::USAGE_CAP_WAIT,
                    };
                    round.state.pause_until(until);
                    round.paused = true;
                    break;
                }
                Some(refusal) => return Err(self.refused(refusal)),
            }
            let page: Page = response.json("X")?;
            round.pages += 1;
            round.state.spend(page.meta.result_count);
            let more = walk.take(&page.meta);
            round.take(page);
            if let Some(until) = api::exhausted_until(&response, now) {
                round.state.pause_until(until);
                round.paused = true;
            }
            if !more || round.paused {
                break;
            }
        }
        walk.settle(&cx.source, key, &mut round.state);
        Ok(())
    }
}

/// One stream's walk through its pages in a poll.
struct Walk {
    /// The stream's position when the poll began.
    start: Stream,
    /// The page token of the next page.
    token: Option<String>,
    /// The newest id of the round (a resumed round's, or this poll's first page).
    newest: Option<String>,
    /// The oldest id read so far in the round.
    oldest: Option<String>,
    pages: u32,
    /// No next page: the round is complete.
    done: bool,
}

impl Walk {
    fn start(start: Stream) -> Walk {
        let (newest, oldest) = match &start.resume {
            Some(r) => (Some(r.newest_id.clone()), Some(r.until_id.clone())),
            None => (None, None),
        };
        Walk {
            start,
            token: None,
            newest,
            oldest,
            pages: 0,
            done: false,
        }
    }

    /// Whether the requests carry an id bound X may find too old.
    fn bounded(&self) -> bool {
        self.start.since_id.is_some() || self.start.resume.is_some()
    }

    fn bounds(&self) -> Bounds<'_> {
        Bounds {
            since_id: self.start.since_id.as_deref(),
            until_id: self.start.resume.as_ref().map(|r| r.until_id.as_str()),
            token: self.token.as_deref(),
        }
    }

    /// Takes a page's `meta`; whether another page follows.
    fn take(&mut self, meta: &api::Meta) -> bool {
        self.pages += 1;
        if self.newest.is_none() {
            self.newest = meta.newest_id.clone();
        }
        if let Some(oldest) = &meta.oldest_id
            && self.oldest.as_ref().is_none_or(|o| newer(o, oldest))
        {
            self.oldest = Some(oldest.clone());
        }
        self.token = meta.next_token.clone();
        self.done = self.token.is_none();
        !self.done
    }

    /// Writes where the stream now stands.
    fn settle(self, source: &SourceId, key: &str, state: &mut State) {
        if self.pages == 0 {
            return;
        }
        let since = self.start.since_id.clone();
        let position = match (self.done, &since, self.newest, self.oldest) {
            (true, _, newest, _) => Stream {
                since_id: newest.or(since),
                resume: None,
            },
            (false, Some(_), Some(newest), Some(oldest)) => Stream {
                since_id: since,
                resume: Some(Resume {
                    until_id: oldest,
                    newest_id: newest,
                }),
            },
            (false, _, newest, _) => {
                tracing::info!(source = %source, stream = key,
                    "putaran pertama X dibatasi max_pages; pos yang lebih lama tidak dibaca");
                Stream {
                    since_id: newest.or(since),
                    resume: None,
                }
            }
        };
        state.streams.insert(key.to_string(), position);
    }
}

impl Round {
    fn take(&mut self, page: Page) {
        self.authors.extend(api::authors(&page));
        for tweet in page.data {
            let id = tweet.get("id").and_then(Value::as_str).map(str::to_owned);
            if let Some(id) = id
                && !self.seen.insert(id)
            {
                continue;
            }
            self.tweets.push(tweet);
        }
    }
}

async fn finish(source: &SourceId, round: Round) -> Result<Batch, SourceError> {
    let fetched = Timestamp::now();
    let items_found = round.tweets.len();
    let (authors, src) = (round.authors, source.clone());
    let posts = map_records(source, round.tweets, "pos X", move |tweet| {
        to_post(tweet, &authors, &src, fetched)
    })
    .await?;
    Ok(Batch {
        posts,
        cursor: round.state.to_cursor(),
        not_modified: false,
        items_found,
    })
}

/// One post of X's answer to a [`Post`]; `Ok(None)` for a repost.
fn to_post(
    value: Value,
    authors: &HashMap<String, User>,
    source: &SourceId,
    fetched: Timestamp,
) -> Result<Option<Post>, String> {
    let tweet: api::Tweet = serde_json::from_value(value).map_err(|e| e.to_string())?;
    if tweet
        .referenced_tweets
        .iter()
        .any(|r| r.kind == "retweeted")
    {
        return Ok(None);
    }
    let id: u64 = tweet.id.parse().map_err(|_| {
        format!(
            "id \"{}\" bukan angka",
            tweet.id.chars().take(40).collect::<String>()
        )
    })?;
    let published = match &tweet.created_at {
        Some(t) => t
            .parse::<Timestamp>()
            .map_err(|e| format!("created_at \"{t}\": {e}"))?,
        None => snowflake_time(id).unwrap_or(fetched),
    };
    let author = tweet.author_id.as_ref().and_then(|a| authors.get(a));
    let url = match author {
        Some(u) => format!("{PUBLIC_SITE}/{}/status/{id}", u.username),
        None => format!("{PUBLIC_SITE}/i/status/{id}"),
    };
    let text = tweet.note_tweet.map_or(tweet.text, |n| n.text);
    let metrics = tweet.public_metrics.unwrap_or_default();
    let mut post = Post {
        source: source.clone(),
        external_id: id.to_string(),
        url: Some(url),
        title: None,
        text: unescape(&text),
        author: author.map(|u| format!("@{}", u.username)),
        published,
        fetched,
        lang: tweet.lang.as_deref().and_then(stated_language),
        platform: None,
        reach: Reach {
            likes: metrics.like_count,
            shares: metrics
                .retweet_count
                .unwrap_or(0)
                .saturating_add(metrics.quote_count.unwrap_or(0)),
            comments: metrics.reply_count,
            views: metrics.impression_count,
            followers: author
                .and_then(|u| u.public_metrics.as_ref())
                .and_then(|m| m.followers_count),
        },
    };
    post.clamp_published();
    Ok(Some(post))
}

/// X escapes `&`, `<` and `>` in post text.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The instant in a snowflake id (milliseconds since X's epoch, above 22 bits).
fn snowflake_time(id: u64) -> Option<Timestamp> {
    Timestamp::from_millisecond(((id >> 22) + 1_288_834_974_657) as i64).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::kind::Spec as _;

    #[test]
    fn accounts_are_read_as_x_spells_them() {
        let names = parse_accounts(&[
            "@HumasProvKaltim".into(),
            "humasprovkaltim".into(),
            "a_1".into(),
        ])
        .unwrap();
        assert_eq!(names, ["humasprovkaltim", "a_1"]);
        for bad in [
            "",
            "@",
            "nama dengan spasi",
            "abcdefghijklmnop",
            "kaltim.go.id",
        ] {
            assert!(parse_accounts(&[bad.into()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_unreadable_cursor_shows_the_month_as_spent_not_fresh() {
        use kind::Spec as _;
        let spec: Spec = toml::from_str("query = \"banjir\"\nmax_posts_per_month = 500").unwrap();
        let junk = Cursor::Token {
            value: "{bukan json".into(),
        };
        let budget = spec.budget(&junk).unwrap();
        assert_eq!((budget.used, budget.limit), (500, 500));
        assert_eq!(spec.budget(&Cursor::Start).unwrap().used, 0);
    }

    #[test]
    fn a_secret_name_is_checked_when_the_configuration_is_read() {
        let read = |keys: &str| toml::from_str::<Spec>(&format!("query = \"banjir\"\n{keys}"));
        assert_eq!(read("").unwrap().secret.as_str(), "x_bearer_token");
        let named = read("secret = \"X_Kantor\"").unwrap();
        assert_eq!(named.secret.as_str(), "x_kantor");
        assert!(read("secret = \"x-kantor\"").is_err());
    }

    #[test]
    fn the_location_leaves_out_query_and_accounts() {
        let spec = Spec {
            base: Url::parse("https://api.x.com").unwrap(),
            query: Some("banjir".into()),
            accounts: vec![],
            max_posts_per_month: DEFAULT_BUDGET,
            max_pages: DEFAULT_MAX_PAGES,
            secret: default_secret(),
        };
        assert_eq!(spec.location(), "https://api.x.com/2");
    }

    #[test]
    fn posts_map_as_documented() {
        let tweet = serde_json::json!({
            "id": "1864000000000000201", "text": "Banjir &amp; longsor di Samarinda &lt;3",
            "created_at": "2026-12-06T01:30:00.000Z", "author_id": "9876543210", "lang": "in",
            "public_metrics": {"retweet_count": 5, "reply_count": 2, "like_count": 42,
                "quote_count": 1, "bookmark_count": 3, "impression_count": 15200},
            "edit_history_tweet_ids": ["1864000000000000201"]
        });
        let author: User = serde_json::from_value(serde_json::json!({
            "id": "9876543210", "username": "warga_smd", "name": "Warga Samarinda",
            "public_metrics": {"followers_count": 514020, "following_count": 2038,
                "tweet_count": 3639, "listed_count": 1676}
        }))
        .unwrap();
        let authors = HashMap::from([(author.id.clone(), author)]);
        let post = to_post(tweet, &authors, &"x".into(), Timestamp::now())
            .unwrap()
            .unwrap();
        assert_eq!(
            post.url.as_deref(),
            Some("https://x.com/warga_smd/status/1864000000000000201")
        );
        assert_eq!(post.author.as_deref(), Some("@warga_smd"));
        assert_eq!(post.text, "Banjir & longsor di Samarinda <3");
        assert_eq!(post.lang.as_deref(), Some("id"));
        assert_eq!(
            post.reach,
            Reach {
                likes: Some(42),
                shares: 6,
                comments: Some(2),
                views: Some(15200),
                followers: Some(514020)
            }
        );
        let repost = serde_json::json!({"id": "1", "text": "RT @a: b",
            "referenced_tweets": [{"type": "retweeted", "id": "2"}]});
        assert_eq!(
            to_post(repost, &authors, &"x".into(), Timestamp::now()),
            Ok(None)
        );
        let bad = serde_json::json!({"id": 5});
        assert!(to_post(bad, &authors, &"x".into(), Timestamp::now()).is_err());
    }

    #[test]
    fn a_snowflake_holds_its_time() {
        // Milliseconds since X's epoch (1288834974657) sit above 22 bits of machine and
        // sequence number.
        let at: Timestamp = "2026-12-06T01:30:00.123Z".parse().unwrap();
        let id = ((at.as_millisecond() as u64 - 1_288_834_974_657) << 22) | 0x3f_ffff;
        assert_eq!(snowflake_time(id), Some(at));
    }
}
