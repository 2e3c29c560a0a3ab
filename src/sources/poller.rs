//! What a poller is: one round of "what is new since this cursor" ([`Poll`]), what it finds
//! ([`Batch`]), and why it can fail ([`SourceError`], in classes a person understands). Every
//! kind's poller implements this; [`super::poll`] runs it on a schedule.

use std::time::Duration;

use futures_util::future::BoxFuture;

use super::context::PollCtx;
use crate::model::{Cursor, Post, SourceId};

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
