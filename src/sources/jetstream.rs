//! The `jetstream` kind: Bluesky's whole public stream of new posts through Jetstream (JSON
//! over WebSocket), filtered to the posts that matter here — those written in one of `langs`,
//! or whose text matches a topic of the keyword lists in force.
//!
//! Keys of a `[[sources]] kind = "jetstream"` table:
//! - `url`: the Jetstream endpoint, default `wss://jetstream2.us-east.bsky.network/subscribe`
//!   (`ws://` for a local instance).
//! - `langs`: post languages kept whatever their text (primary subtags), default `["id"]`;
//!   `[]` keeps only posts that match the keyword lists.
//! - `window`: how long one poll reads the stream, default "10s" (at most "5m").
//! - `max_posts`: posts kept per poll at most, default 2000; the rest waits for the next poll.
//!
//! How a stream fits the poll loop: the poller keeps ONE connection open between polls. Each
//! poll drains what has arrived, for up to `window` or `max_posts`, and returns it with the
//! cursor = the `time_us` of the last event read. The connection is only reused when the poll
//! is asked to resume from exactly the cursor it returned last (its batch was committed);
//! otherwise — first poll, a commit that failed, a restart — it connects again with
//! `cursor=<time_us − 5 s>`, and Jetstream replays from there (repeats are absorbed by the
//! store's unique keys). When the server drops the connection mid-poll, the poll returns what
//! it read, and the next poll reconnects from its cursor; a poll that read nothing before the
//! connection failed, or could not connect, is an error, which the poll loop backs off from.
//! The first poll ever starts at the live edge (no cursor: no history is crawled).
//!
//! Events: only `commit`s of `app.bsky.feed.post` with operation `create` or `update` can
//! become posts; `delete`, other collections, `identity` and `account` events only move the
//! cursor. A post: id `at://DID/app.bsky.feed.post/RKEY`, link
//! `https://bsky.app/profile/DID/post/RKEY`, author the DID (the stream carries no handle).
//! `items_found` counts the posts that passed the filter, malformed ones included.
//!
//! Filtering by topic runs the classifier on the text of every post not in `langs`: a few
//! microseconds each, inline, which the stream's rate (tens of posts a second live, more when
//! catching up) affords.

use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::{FutureExt, StreamExt};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use url::Url;

use super::context::PollCtx;
use super::error::SourceError;
use super::guard::{Guard, ResolveError};
use super::kind;
use super::poller::{Batch, Poll};
use super::text::{MAX_TEXT_CHARS, truncate_chars};
use crate::config::{Invalid, value};
use crate::model::{Cursor, Medium, Post, SourceId, primary_language};

const DEFAULT_URL: &str = "wss://jetstream2.us-east.bsky.network/subscribe";
const POST: &str = "app.bsky.feed.post";
const DEFAULT_WINDOW: Duration = Duration::from_secs(10);
const MAX_WINDOW: Duration = Duration::from_secs(300);
/// How far before the stored cursor a reconnection starts. `time_us` is when the Jetstream
/// instance received the event, so another instance (the default name balances over several)
/// orders events slightly differently; Jetstream's own advice for gap-free replay is to go back
/// a few seconds.
const REPLAY_MARGIN_US: u64 = 5_000_000;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// A Jetstream event is a few kilobytes; anything near this is not one.
const MAX_MESSAGE_BYTES: usize = 2 << 20;

type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// `[[sources]] kind = "jetstream"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    #[serde(default = "default_url", deserialize_with = "websocket_url")]
    pub url: Url,
    /// Primary language subtags kept whatever the text says.
    #[serde(default = "indonesian", deserialize_with = "languages")]
    pub langs: Vec<String>,
    /// How long one poll reads the stream.
    #[serde(default = "default_window", deserialize_with = "value::duration")]
    pub window: Duration,
    #[serde(
        default = "default_max_posts",
        deserialize_with = "value::uint::<_, _, 1, 100_000>"
    )]
    pub max_posts: usize,
}

fn default_url() -> Url {
    value::fixed_url(DEFAULT_URL)
}

fn indonesian() -> Vec<String> {
    vec!["id".to_string()]
}

fn default_window() -> Duration {
    DEFAULT_WINDOW
}

fn default_max_posts() -> usize {
    2000
}

fn websocket_url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Url, D::Error> {
    value::url(d, &["ws", "wss"])
}

/// Language codes, each reduced to its primary subtag.
fn languages<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Vec::<String>::deserialize(d)?
        .into_iter()
        .map(|raw| {
            primary_language(&raw).ok_or_else(|| {
                value::rejected(
                    format!("kode bahasa \"{raw}\" tidak valid"),
                    "pakai kode seperti \"id\" atau \"en\"",
                )
            })
        })
        .collect()
}

impl kind::Spec for Spec {
    const KIND: &'static str = "jetstream";
    const PLATFORM: &'static str = "bluesky";
    const MEDIUM: Option<Medium> = Some(Medium::Social);
    const EXAMPLE: &'static str = "url = \"wss://jetstream2.us-east.bsky.network/subscribe\"\n\
                                   langs = [\"id\"]\nwindow = \"10s\"\nmax_posts = 2000";

    fn settle(&mut self) -> Result<(), Invalid> {
        if self.window > MAX_WINDOW {
            return Err(Invalid::new(
                "window",
                "jendela baca lebih dari 5 menit",
                Some(
                    "pakai window pendek (misalnya \"10s\") dan interval yang lebih sering".into(),
                ),
            ));
        }
        Ok(())
    }

    /// Where the source is read from, for people.
    fn location(&self) -> String {
        self.subscribe_url(None).to_string()
    }

    fn poller(&self) -> Box<dyn Poll> {
        Box::new(Poller::new(self.clone()))
    }
}

impl Spec {
    /// The endpoint asking for posts only, from `resume` (microseconds) less a margin.
    fn subscribe_url(&self, resume: Option<u64>) -> Url {
        let mut url = self.url.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("wantedCollections", POST);
            if let Some(time_us) = resume {
                q.append_pair(
                    "cursor",
                    &time_us.saturating_sub(REPLAY_MARGIN_US).to_string(),
                );
            }
        }
        url
    }
}

/// Reads the stream for one source, keeping the connection between polls.
pub struct Poller {
    spec: Spec,
    conn: tokio::sync::Mutex<Connection>,
}

/// The open connection and the cursor it stands at (the one the last poll returned).
#[derive(Default)]
struct Connection {
    stream: Option<WsStream>,
    at: Option<u64>,
}

impl std::fmt::Debug for Poller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Poller").field("spec", &self.spec).finish()
    }
}

impl Poller {
    pub fn new(spec: Spec) -> Self {
        Poller {
            spec,
            conn: tokio::sync::Mutex::default(),
        }
    }

    async fn poll_once(&self, cx: &PollCtx, cursor: &Cursor) -> Result<Batch, SourceError> {
        let resume = resume_point(cursor, &cx.source);
        let mut conn = self.conn.lock().await;
        let positioned = conn.at == resume;
        // Taken out while in use: if this poll is abandoned midway (shutdown), the stream is
        // dropped with it, and the next poll reconnects from its cursor instead of continuing
        // past events that were read but never delivered.
        let reused = conn.stream.take().filter(|_| positioned);
        let mut stream = match reused {
            Some(stream) => stream,
            None => self.connect(cx, resume).await?,
        };
        let mut drain = Drain::new(&self.spec, cx, resume);
        let ended = drain.run(&mut stream, &self.spec).await;
        let batch_cursor = drain.cursor;
        match ended {
            None => {
                conn.stream = Some(stream);
                conn.at = batch_cursor;
            }
            Some(reason) if drain.events == 0 => {
                return Err(SourceError::Network(format!(
                    "koneksi Jetstream {} terputus sebelum ada kejadian: {reason}",
                    self.spec.url
                )));
            }
            Some(reason) => {
                tracing::warn!(source = %cx.source, url = %self.spec.url, %reason, events = drain.events, "koneksi Jetstream terputus; polling berikut menyambung lagi dari kursor");
            }
        }
        Ok(Batch {
            items_found: drain.items_found,
            posts: drain.posts,
            cursor: batch_cursor.map_or(Cursor::Start, |t| Cursor::Token {
                value: t.to_string(),
            }),
            not_modified: false,
        })
    }

    async fn connect(&self, cx: &PollCtx, resume: Option<u64>) -> Result<WsStream, SourceError> {
        let url = self.spec.subscribe_url(resume);
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|e| SourceError::Unsupported(format!("alamat Jetstream {url}: {e}")))?;
        request.headers_mut().insert(
            "user-agent",
            HeaderValue::from_static(concat!("Pantau/", env!("CARGO_PKG_VERSION"))),
        );
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE_BYTES))
            .max_frame_size(Some(MAX_MESSAGE_BYTES));
        // TLS uses rustls with the one crypto provider compiled in (aws-lc-rs, through
        // reqwest); tests/source_jetstream.rs opens a wss:// connection so that a second
        // provider sneaking into the build shows up as a failing test, not a panic in service.
        let connecting = async {
            let socket = open_socket(&self.spec.url, cx.fetcher.guard()).await?;
            tokio_tungstenite::client_async_tls_with_config(request, socket, Some(config), None)
                .await
                .map_err(|e| connect_error(&self.spec.url, e))
        };
        match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
            Err(_) => Err(SourceError::Timeout(CONNECT_TIMEOUT)),
            Ok(Err(e)) => Err(e),
            Ok(Ok((stream, _response))) => Ok(stream),
        }
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

/// The `time_us` to resume from; anything but our own token is a first run.
fn resume_point(cursor: &Cursor, source: &SourceId) -> Option<u64> {
    match cursor {
        Cursor::Token { value } => match value.parse() {
            Ok(t) => Some(t),
            Err(_) => {
                tracing::warn!(%source, cursor = %value, "kursor Jetstream tidak dikenali; mulai dari arus terbaru");
                None
            }
        },
        Cursor::Start | Cursor::Http { .. } => None,
    }
}

/// A TCP connection to the stream's host, on an address the fetcher's [`Guard`] lets through
/// (the WebSocket is not made by the HTTP client, so its resolver is asked here).
async fn open_socket(url: &Url, guard: &Guard) -> Result<TcpStream, SourceError> {
    let host = url
        .host_str()
        .ok_or_else(|| SourceError::Unsupported(format!("alamat Jetstream {url} tanpa host")))?;
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs = guard.resolve(host, port).await.map_err(|e| match e {
        ResolveError::Private(p) => SourceError::Private(p),
        lookup => SourceError::Connect(format!("Jetstream {url}: {lookup}")),
    })?;
    let socket = TcpStream::connect(&addrs[..])
        .await
        .map_err(|e| connect_error(url, tungstenite::Error::Io(e)))?;
    socket
        .set_nodelay(true)
        .map_err(|e| connect_error(url, tungstenite::Error::Io(e)))?;
    Ok(socket)
}

fn connect_error(url: &Url, e: tungstenite::Error) -> SourceError {
    use tungstenite::Error as E;
    match e {
        E::Http(response) => SourceError::Http {
            status: response.status().as_u16(),
            retry_after: super::http::retry_after(response.headers()),
        },
        E::Url(e) => SourceError::Unsupported(format!("alamat Jetstream {url}: {e}")),
        E::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            SourceError::Connect(format!("Jetstream {url}: koneksi ditolak ({e})"))
        }
        E::Io(e) => SourceError::Connect(format!("Jetstream {url}: {e}")),
        E::Tls(e) => SourceError::Connect(format!("Jetstream {url}: TLS: {e}")),
        other => SourceError::Network(format!("Jetstream {url}: {other}")),
    }
}

/// What one poll read from the stream.
struct Drain<'a> {
    cx: &'a PollCtx,
    langs: &'a [String],
    posts: Vec<Post>,
    /// The newest `time_us` read (any event kind), or the cursor the poll started from.
    cursor: Option<u64>,
    /// Well-formed events read.
    events: usize,
    items_found: usize,
    fetched: Timestamp,
}

impl<'a> Drain<'a> {
    fn new(spec: &'a Spec, cx: &'a PollCtx, resume: Option<u64>) -> Self {
        Drain {
            cx,
            langs: &spec.langs,
            posts: Vec::new(),
            cursor: resume,
            events: 0,
            items_found: 0,
            fetched: Timestamp::now(),
        }
    }

    /// Reads until the window closes or enough posts are kept (`None`: the connection is still
    /// good), or until the connection ends (`Some(why)`).
    async fn run(&mut self, stream: &mut WsStream, spec: &Spec) -> Option<String> {
        let deadline = tokio::time::Instant::now() + spec.window;
        while self.posts.len() < spec.max_posts {
            let next = match tokio::time::timeout_at(deadline, stream.next()).await {
                Err(_) => return None,
                Ok(next) => next,
            };
            match next {
                None => return Some("server menutup koneksi".into()),
                Some(Err(e)) => return Some(e.to_string()),
                Some(Ok(Message::Text(text))) => self.event(text.as_str()),
                Some(Ok(Message::Close(frame))) => {
                    let why = frame.map(|f| format!(" ({} {})", f.code, f.reason));
                    return Some(format!("server menutup koneksi{}", why.unwrap_or_default()));
                }
                Some(Ok(Message::Binary(bytes))) => {
                    tracing::warn!(source = %self.cx.source, bytes = bytes.len(), "pesan biner Jetstream dilewati (kompresi tidak diminta)");
                }
                // Pings are answered by tungstenite itself.
                Some(Ok(_)) => {}
            }
        }
        None
    }

    fn event(&mut self, text: &str) {
        let event: Event = match serde_json::from_str(text) {
            Ok(event) => event,
            Err(e) => {
                let start: String = text.chars().take(80).collect();
                tracing::warn!(source = %self.cx.source, error = %e, message = %start, "pesan Jetstream cacat dilewati");
                return;
            }
        };
        self.events += 1;
        self.cursor = Some(self.cursor.map_or(event.time_us, |c| c.max(event.time_us)));
        if event.kind != "commit" {
            return;
        }
        let Some(commit) = event.commit else {
            tracing::warn!(source = %self.cx.source, did = %event.did, "kejadian commit Jetstream tanpa isi commit dilewati");
            return;
        };
        if commit.collection != POST || !matches!(commit.operation.as_str(), "create" | "update") {
            return;
        }
        let record = commit.record.unwrap_or(Value::Null);
        let text = record.get("text").and_then(Value::as_str).unwrap_or("");
        let mut langs: Vec<String> = record
            .get("langs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(primary_language)
            .collect();
        // A post that states no language is kept by the one its text is detected in, as the
        // pipeline would store it.
        if langs.is_empty() {
            langs.extend(crate::classify::language::detect(text));
        }
        let by_lang = langs.iter().any(|l| self.langs.contains(l));
        let by_topic = || {
            !text.trim().is_empty()
                && self
                    .cx
                    .relevant
                    .as_ref()
                    .is_some_and(|relevant| relevant.matches(text))
        };
        if !by_lang && !by_topic() {
            return;
        }
        self.items_found += 1;
        let lang = langs
            .iter()
            .find(|l| self.langs.contains(l))
            .or(langs.first())
            .cloned();
        match to_post(&event.did, &commit.rkey, &record, event.time_us) {
            Ok(Some(mut post)) => {
                post.source = self.cx.source.clone();
                post.fetched = self.fetched;
                post.lang = lang;
                self.posts.push(post);
            }
            Ok(None) => {}
            Err(why) => {
                tracing::warn!(source = %self.cx.source, did = %event.did, rkey = %commit.rkey, error = %why, "posting Jetstream cacat dilewati");
            }
        }
    }
}

/// One Jetstream message (the parts used); the commit stays loose so that one odd record does
/// not hide the event's `time_us`.
#[derive(Deserialize)]
struct Event {
    did: String,
    time_us: u64,
    kind: String,
    commit: Option<Commit>,
}

#[derive(Deserialize)]
struct Commit {
    operation: String,
    collection: String,
    rkey: String,
    record: Option<Value>,
}

/// A post record to a [`Post`] (source, fetched and lang are filled in by the caller);
/// `Ok(None)` for a post without text (an image alone).
fn to_post(did: &str, rkey: &str, record: &Value, time_us: u64) -> Result<Option<Post>, String> {
    if !did.starts_with("did:") || did.contains('/') {
        return Err(format!("did \"{did}\" tidak valid"));
    }
    let rkey_ok = !rkey.is_empty()
        && rkey.len() <= 512
        && rkey
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '~'));
    if !rkey_ok {
        return Err(format!("rkey \"{rkey}\" tidak valid"));
    }
    match record.get("$type").and_then(Value::as_str) {
        Some(POST) => {}
        other => return Err(format!("record bertipe {other:?}")),
    }
    let text = record
        .get("text")
        .and_then(Value::as_str)
        .ok_or("record tanpa teks")?
        .trim();
    if text.is_empty() {
        return Ok(None);
    }
    let published = record
        .get("createdAt")
        .and_then(Value::as_str)
        .and_then(|c| c.parse::<Timestamp>().ok())
        .or_else(|| Timestamp::from_microsecond(i64::try_from(time_us).ok()?).ok())
        .ok_or("tanpa waktu yang valid")?;
    Ok(Some(Post {
        source: SourceId::new(""),
        external_id: format!("at://{did}/{POST}/{rkey}"),
        url: Some(format!("https://bsky.app/profile/{did}/post/{rkey}")),
        title: None,
        text: truncate_chars(text.to_string(), MAX_TEXT_CHARS),
        author: Some(did.to_string()),
        published,
        fetched: Timestamp::UNIX_EPOCH,
        lang: None,
        platform: None,
        reach: Default::default(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subscription_asks_for_posts_from_before_the_cursor() {
        let spec = Spec {
            url: Url::parse("ws://127.0.0.1:6008/subscribe").unwrap(),
            langs: vec!["id".into()],
            window: DEFAULT_WINDOW,
            max_posts: 10,
        };
        assert_eq!(
            spec.subscribe_url(None).as_str(),
            "ws://127.0.0.1:6008/subscribe?wantedCollections=app.bsky.feed.post"
        );
        assert_eq!(
            spec.subscribe_url(Some(1_795_658_400_000_000)).as_str(),
            "ws://127.0.0.1:6008/subscribe?wantedCollections=app.bsky.feed.post&cursor=1795658395000000"
        );
    }

    #[test]
    fn post_records_become_posts() {
        let record = serde_json::json!({
            "$type": "app.bsky.feed.post",
            "text": " Banjir di Sempaja ",
            "createdAt": "not a date",
            "langs": ["id"]
        });
        let post = to_post("did:plc:abc", "3lcx", &record, 1_795_658_400_000_000)
            .unwrap()
            .unwrap();
        assert_eq!(post.external_id, "at://did:plc:abc/app.bsky.feed.post/3lcx");
        assert_eq!(
            post.url.as_deref(),
            Some("https://bsky.app/profile/did:plc:abc/post/3lcx")
        );
        assert_eq!(post.text, "Banjir di Sempaja");
        assert_eq!(post.published.as_second(), 1_795_658_400);
        assert!(to_post("did:plc:abc", "a/b", &record, 0).is_err());
        assert!(to_post("plc:abc", "3lcx", &record, 0).is_err());
        let empty = serde_json::json!({"$type": "app.bsky.feed.post", "text": ""});
        assert_eq!(to_post("did:plc:abc", "3lcx", &empty, 0), Ok(None));
    }
}
