//! Sources: pollers that turn the outside world into [`Post`]s.
//!
//! A source is a `[[sources]]` table: common keys (`id`, `kind`, `name`, `interval`, `region`)
//! plus the keys of its kind, read strictly into that kind's `Spec`. [`SourceSpec`] is the only
//! list of kinds; a new kind is one file here, one variant and one match arm. A poller does one
//! round of "what is new since this cursor" and never sleeps, retries or stores: [`poll`] owns
//! the schedule, backoff and politeness, and the daemon owns classification and storage.

pub mod bluesky;
pub mod context;
pub mod feed;
pub mod google_news;
pub mod http;
pub mod jetstream;
pub mod json;
pub mod mastodon;
pub mod poll;
pub mod reddit;
pub mod telegram;
pub mod text;
pub mod youtube;

use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::config::{ConfigError, Table};
use crate::error::suggest;
use crate::model::{Cursor, Post, RegionId, SourceId, SourceInfo};

pub use context::PollCtx;

/// Source kinds this version can poll.
pub const KINDS: &[&str] = &[
    "feed",
    "google_news",
    "youtube",
    "mastodon",
    "reddit",
    "bluesky",
    "jetstream",
    "telegram",
    "json",
];

/// One configured source.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceConfig {
    pub id: SourceId,
    /// A human name for the briefing ("Warta Mahakam"); the id when absent.
    pub name: Option<String>,
    pub interval: Duration,
    /// Region assumed for posts whose text names none (a local news site, a city account).
    pub region: Option<RegionId>,
    /// `adaptive = false` pins the interval; absent, `[fetch] adaptive` decides.
    pub adaptive: Option<bool>,
    pub spec: SourceSpec,
}

/// What to poll, per kind.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceSpec {
    Feed(feed::Spec),
    GoogleNews(google_news::Spec),
    Youtube(youtube::Spec),
    Mastodon(mastodon::Spec),
    Reddit(reddit::Spec),
    Bluesky(bluesky::Spec),
    Jetstream(jetstream::Spec),
    Telegram(telegram::Spec),
    Json(json::Spec),
}

impl SourceConfig {
    pub fn kind(&self) -> &'static str {
        match self.spec {
            SourceSpec::Feed(_) => "feed",
            SourceSpec::GoogleNews(_) => "google_news",
            SourceSpec::Youtube(_) => "youtube",
            SourceSpec::Mastodon(_) => "mastodon",
            SourceSpec::Reddit(_) => "reddit",
            SourceSpec::Bluesky(_) => "bluesky",
            SourceSpec::Jetstream(_) => "jetstream",
            SourceSpec::Telegram(_) => "telegram",
            SourceSpec::Json(_) => "json",
        }
    }

    /// Where the source is read from, for people (a URL).
    pub fn location(&self) -> String {
        match &self.spec {
            SourceSpec::Feed(spec) => spec.url.to_string(),
            SourceSpec::GoogleNews(spec) => spec.location(),
            SourceSpec::Youtube(spec) => spec.location(),
            SourceSpec::Mastodon(spec) => spec.location(),
            SourceSpec::Reddit(spec) => spec.location(),
            SourceSpec::Bluesky(spec) => spec.location(),
            SourceSpec::Jetstream(spec) => spec.location(),
            SourceSpec::Telegram(spec) => spec.location(),
            SourceSpec::Json(spec) => spec.location(),
        }
    }

    /// How this source's interval moves: pinned, or between the configured bounds (which
    /// always include the source's own interval).
    pub fn pace(&self, fetch: &crate::config::FetchSettings) -> poll::Pace {
        if self.adaptive.unwrap_or(fetch.adaptive) {
            poll::Pace::adaptive(
                fetch.min_interval.min(self.interval),
                fetch.max_interval.max(self.interval),
            )
        } else {
            poll::Pace::fixed()
        }
    }

    /// What the store records of this source.
    pub fn info(&self) -> SourceInfo {
        SourceInfo {
            id: self.id.clone(),
            kind: self.kind().to_string(),
            name: self.name.clone(),
            location: self.location(),
            region: self.region.clone(),
        }
    }

    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(self.id.as_str())
    }

    /// The poller for this source.
    pub fn build(&self) -> Box<dyn Poll> {
        match &self.spec {
            SourceSpec::Feed(spec) => Box::new(feed::FeedPoller::new(spec.clone())),
            SourceSpec::GoogleNews(spec) => Box::new(spec.poller()),
            SourceSpec::Youtube(spec) => Box::new(spec.poller()),
            SourceSpec::Mastodon(spec) => Box::new(mastodon::Poller::new(spec.clone())),
            SourceSpec::Reddit(spec) => Box::new(reddit::Poller::new(spec.clone())),
            SourceSpec::Bluesky(spec) => Box::new(bluesky::Poller::new(spec.clone())),
            SourceSpec::Jetstream(spec) => Box::new(jetstream::Poller::new(spec.clone())),
            SourceSpec::Telegram(spec) => Box::new(telegram::Poller::new(spec.clone())),
            SourceSpec::Json(spec) => Box::new(json::Poller::new(spec.clone())),
        }
    }

    /// Reads one `[[sources]]` table; errors go to `errors`, naming the source and key.
    pub(crate) fn from_table(
        t: &mut Table,
        default_interval: Duration,
        errors: &mut Vec<ConfigError>,
    ) -> Option<SourceConfig> {
        let id = t.required("id", "\"warta-mahakam\"", errors);
        let id = id.and_then(|id| {
            if SourceId::is_valid(&id) {
                Some(SourceId::new(id))
            } else {
                errors.push(t.invalid(
                    "id",
                    format!("id \"{id}\" tidak valid"),
                    Some("pakai huruf kecil, angka, - dan _, misalnya \"tribun-kaltim\"".into()),
                ));
                None
            }
        });
        let kind = t.required("kind", "\"feed\"", errors);
        let name = t.string("name", errors);
        let interval = t.duration("interval", errors).unwrap_or(default_interval);
        let region = t.string("region", errors).map(RegionId::new);
        let adaptive = t.boolean("adaptive", errors);
        let spec = match kind.as_deref() {
            Some("feed") => feed::Spec::from_table(t, errors).map(SourceSpec::Feed),
            Some("google_news") => {
                google_news::Spec::from_table(t, errors).map(SourceSpec::GoogleNews)
            }
            Some("youtube") => youtube::Spec::from_table(t, errors).map(SourceSpec::Youtube),
            Some("mastodon") => mastodon::Spec::from_table(t, errors).map(SourceSpec::Mastodon),
            Some("reddit") => reddit::Spec::from_table(t, errors).map(SourceSpec::Reddit),
            Some("bluesky") => bluesky::Spec::from_table(t, errors).map(SourceSpec::Bluesky),
            Some("jetstream") => jetstream::Spec::from_table(t, errors).map(SourceSpec::Jetstream),
            Some("telegram") => telegram::Spec::from_table(t, errors).map(SourceSpec::Telegram),
            Some("json") => json::Spec::from_table(t, errors).map(SourceSpec::Json),
            Some(other) => {
                let hint = match suggest(other, KINDS) {
                    Some(k) if k != other => format!("mungkin maksud Anda kind = \"{k}\""),
                    _ => format!("jenis yang tersedia: {}", KINDS.join(", ")),
                };
                errors.push(t.invalid(
                    "kind",
                    format!("jenis sumber \"{other}\" tidak dikenal"),
                    Some(hint),
                ));
                return None;
            }
            None => return None,
        };
        // Every key of this kind has been read: what is left is unknown.
        t.finish(errors);
        let source = SourceConfig {
            id: id?,
            name,
            interval,
            region,
            adaptive,
            spec: spec?,
        };
        Some(source)
    }
}

/// Maps raw records to posts off the async workers: turning HTML into text is CPU work on
/// untrusted input, as parsing a feed is. A record that does not map is logged (`what` names
/// it, e.g. "status Mastodon") and skipped; the others are kept.
pub(crate) async fn map_records<T, F>(
    source: &SourceId,
    records: Vec<T>,
    what: &'static str,
    map: F,
) -> Result<Vec<Post>, SourceError>
where
    T: Send + 'static,
    F: Fn(T) -> Result<Option<Post>, String> + Send + 'static,
{
    let source = source.clone();
    tokio::task::spawn_blocking(move || {
        let mut posts = Vec::with_capacity(records.len());
        for (index, record) in records.into_iter().enumerate() {
            match map(record) {
                Ok(Some(post)) => posts.push(post),
                Ok(None) => {}
                Err(error) => tracing::warn!(
                    source = %source, index, %error,
                    "{what} dilewati karena isinya tidak sesuai"
                ),
            }
        }
        posts
    })
    .await
    .map_err(|e| SourceError::Parse(format!("pemetaan {what} berhenti: {e}")))
}

/// What one poll found.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub posts: Vec<Post>,
    /// The cursor to commit with these posts.
    pub cursor: Cursor,
    /// The server said nothing changed (HTTP 304, or the same ETag): nothing to store.
    pub not_modified: bool,
    /// Items the source offered, before de-duplication.
    pub items_found: usize,
}

/// One round of "what is new since `cursor`" for one source.
pub trait Poll: Send + Sync + 'static {
    fn poll<'a>(
        &'a self,
        cx: &'a PollCtx,
        cursor: &'a Cursor,
    ) -> BoxFuture<'a, Result<Batch, SourceError>>;
}

/// Why a poll failed, in classes a person understands (after miniflux's list). Display is what
/// the `sources` table and logs show; [`SourceError::class`] is stable for metrics.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SourceError {
    #[error("batas waktu habis setelah {}", crate::time::format_duration(*.0))]
    Timeout(Duration),
    #[error("gagal terhubung: {0}")]
    Connect(String),
    #[error("galat jaringan: {0}")]
    Network(String),
    #[error("pengalihan (redirect) ditolak: {0}")]
    Redirect(String),
    #[error("HTTP {status}{}", retry_after.map(|d| format!(" (Retry-After {})", crate::time::format_duration(d))).unwrap_or_default())]
    Http {
        status: u16,
        retry_after: Option<Duration>,
    },
    #[error("isi lebih besar dari batas {limit} bita")]
    TooLarge { limit: u64 },
    #[error("isi kosong")]
    Empty,
    #[error("bukan feed yang valid: {0}")]
    Parse(String),
    #[error("berkas tidak dapat dibaca: {0}")]
    Io(String),
    #[error("alamat tidak didukung: {0}")]
    Unsupported(String),
}

impl SourceError {
    /// A stable snake_case name for the `sources` table and metrics.
    pub fn class(&self) -> &'static str {
        match self {
            SourceError::Timeout(_) => "timeout",
            SourceError::Connect(_) => "connect",
            SourceError::Network(_) => "network",
            SourceError::Redirect(_) => "redirect",
            SourceError::Http { status, .. } => match status {
                401 => "http_unauthorized",
                403 => "http_forbidden",
                404 | 410 => "http_not_found",
                429 => "http_rate_limited",
                500..=599 => "http_server",
                _ => "http_other",
            },
            SourceError::TooLarge { .. } => "too_large",
            SourceError::Empty => "empty",
            SourceError::Parse(_) => "parse",
            SourceError::Io(_) => "io",
            SourceError::Unsupported(_) => "unsupported",
        }
    }

    /// The wait the server asked for (Retry-After on 429, 503 or 403).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SourceError::Http {
                status: 429 | 503 | 403,
                retry_after,
            } => *retry_after,
            _ => None,
        }
    }

    /// Advice in Indonesian for the operator.
    pub fn hint(&self) -> &'static str {
        hint_for_class(self.class())
    }
}

/// Advice for an error class as stored in the `sources` table (see [`SourceError::class`]).
pub fn hint_for_class(class: &str) -> &'static str {
    match class {
        "timeout" | "connect" | "network" => {
            "periksa koneksi server dan apakah situs sumber sedang aktif"
        }
        "http_forbidden" => {
            "situs menolak akses (mungkin Cloudflare); perpanjang interval atau hubungi pengelola situs"
        }
        "http_rate_limited" => "terlalu sering diminta; perpanjang interval sumber ini",
        "http_not_found" => "alamat feed sudah tidak ada; cari alamat feed yang baru",
        "too_large" => "naikkan [fetch] max_body_bytes bila sumber ini memang besar",
        "parse" => "pastikan url menunjuk ke feed RSS/Atom/JSON, bukan halaman web",
        "redirect" => "buka alamatnya di peramban dan pakai alamat tujuan akhirnya sebagai url",
        _ => "lihat pesan galat dan periksa konfigurasi sumber",
    }
}
