//! `GET /api/export?topic=&region=&since=&until=&format=csv|jsonl&mentioned=1`: what
//! `pantau export` writes, as a download (`Content-Disposition: attachment`), for the
//! dashboard's link. Read like every other report route (a login or a user's API token, see
//! `super::auth`).
//!
//! The posts are streamed: a blocking task reads them one row at a time and sends the
//! formatted bytes in chunks over a small channel, so memory stays flat however many posts
//! match, and a client that goes away stops the query. A client that reads nothing for
//! [`STALL`] is dropped, so it cannot hold a reader (and the WAL snapshot under it) forever;
//! at most [`MAX_EXPORTS`] run at once.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use tokio::sync::{Semaphore, mpsc, oneshot};

use super::api::{known_region, known_topic, nonempty};
use super::{ApiError, AppState};
use crate::export::{ExportError, Exporter, Format};
use crate::store::browse::ExportFilter;
use crate::store::{Browse, Store};

/// Exports running at once; another answers 503.
pub const MAX_EXPORTS: usize = 4;
/// How long a chunk may wait for the client to take it.
pub const STALL: Duration = Duration::from_secs(60);
/// Chunks (of about 64 KB) in flight between the reader and the socket.
const CHUNKS: usize = 4;
/// The period exported when `since` is not given, as `pantau export` has it.
const DEFAULT_DAYS: i64 = 7;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/export", get(export))
}

/// The exports running, shared by every request of the process.
pub(super) fn slots() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(MAX_EXPORTS))
}

#[derive(Debug, Default, Deserialize)]
pub struct ExportParams {
    pub topic: Option<String>,
    pub region: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub format: Option<String>,
    pub mentioned: Option<String>,
}

/// The query parameters checked against the lists in force, as an export's filter and format.
pub fn export_filter(
    p: &ExportParams,
    classifier: &crate::Classifier,
    tz: &TimeZone,
    now: Timestamp,
) -> Result<(ExportFilter, Format), ApiError> {
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, m);
    let invalid_time = |name: &str, text: &str| {
        bad(format!(
            "{name}=\"{text}\" tidak valid: pakai YYYY-MM-DD, YYYY-MM-DDTHH:MM (WITA) atau RFC 3339"
        ))
    };
    let format = match nonempty(&p.format) {
        None => Format::Csv,
        Some(f) => Format::from_name(f).ok_or_else(|| {
            bad(format!(
                "format=\"{f}\" tidak dikenal: pakai csv atau jsonl"
            ))
        })?,
    };
    let mentioned = match nonempty(&p.mentioned) {
        None | Some("0" | "false" | "tidak") => false,
        Some("1" | "true" | "ya") => true,
        Some(m) => {
            return Err(bad(format!(
                "mentioned=\"{m}\" tidak valid: pakai 1 atau 0"
            )));
        }
    };
    let since = match nonempty(&p.since) {
        Some(t) => crate::time::parse_local(t, tz).ok_or_else(|| invalid_time("since", t))?,
        None => now - SignedDuration::from_hours(24 * DEFAULT_DAYS),
    };
    let until = nonempty(&p.until)
        .map(|t| crate::time::parse_local_end(t, tz).ok_or_else(|| invalid_time("until", t)))
        .transpose()?;
    if until.is_some_and(|u| u <= since) {
        return Err(bad("since harus sebelum until".into()));
    }
    let filter = ExportFilter {
        topic: known_topic(classifier, nonempty(&p.topic))?,
        region: known_region(classifier, nonempty(&p.region))?,
        since: Some(since),
        until,
        mentioned,
    };
    Ok((filter, format))
}

/// `pantau-banjir-samarinda-2026-11-20-2026-11-27.csv`: what was asked for, in the file's name
/// (ids are `[a-z0-9_-]`; anything else is dropped all the same, it goes in a header).
pub fn file_name(filter: &ExportFilter, format: Format, tz: &TimeZone, now: Timestamp) -> String {
    let day = |ts: Timestamp| crate::time::local_date(ts, tz).to_string();
    let mut parts = vec!["pantau".to_string()];
    parts.push(filter.topic.clone().unwrap_or_else(|| "semua-topik".into()));
    parts.extend(filter.region.clone());
    parts.push(day(filter.since.unwrap_or(now)));
    // An end at midnight (`until=2026-11-27` is the 28th's 00:00) names the day before.
    parts.push(day(filter
        .until
        .map_or(now, |u| u - SignedDuration::from_secs(1))));
    let name: String = parts
        .join("-")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    format!("{name}.{}", format.extension())
}

async fn export(State(state): State<AppState>, Query(params): Query<ExportParams>) -> Response {
    let Ok(permit) = state.inner.exports.clone().try_acquire_owned() else {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("sudah ada {MAX_EXPORTS} ekspor berjalan; coba lagi sebentar"),
        )
        .into_response();
    };
    let tz = state.inner.timezone.clone();
    let db = state.inner.db.clone();
    let classifier = state.inner.pipeline.classifier().get();
    let handle = tokio::runtime::Handle::current();
    let (ready_tx, ready_rx) = oneshot::channel::<Result<(Format, String), ApiError>>();
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(CHUNKS);
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let now = Timestamp::now();
        let prepared = export_filter(&params, &classifier, &tz, now)
            .and_then(|(filter, format)| Ok((filter, format, Store::connect_reader(&db)?)));
        let (filter, format, store) = match prepared {
            Ok(p) => p,
            Err(e) => {
                let _ = ready_tx.send(Err(e));
                return;
            }
        };
        let _ = ready_tx.send(Ok((format, file_name(&filter, format, &tz, now))));
        let out = Chunks {
            tx: tx.clone(),
            handle,
        };
        let result = Exporter::new(out, format, tz).and_then(|mut exporter| {
            store.export_posts(&filter, |post| exporter.write(&post))?;
            exporter.finish().map(drop)
        });
        if let Err(e) = result
            && !client_gone(&e)
        {
            tracing::warn!(error = %crate::error::error_chain(&e), "export failed");
            // The body then ends in an error, so the client sees a broken download, never a
            // short file that looks whole.
            let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
        }
    });
    let (format, name) = match ready_rx.await {
        Ok(Ok(ready)) => ready,
        Ok(Err(e)) => return e.into_response(),
        Err(_) => {
            return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "ekspor gagal dimulai")
                .into_response();
        }
    };
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            // Post text is hostile: the browser must not guess it is a page, nor keep it.
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// Whether the export stopped because the client went away (nothing to report).
fn client_gone(e: &ExportError) -> bool {
    matches!(e, ExportError::Write(io) if matches!(io.kind(), std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::TimedOut))
}

/// The response body as a writer: every write is one chunk sent to the socket's task, waiting
/// at most [`STALL`] for room.
struct Chunks {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    handle: tokio::runtime::Handle,
}

impl Write for Chunks {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let chunk = Bytes::copy_from_slice(buf);
        // The timer is made inside `block_on`, where the runtime is at hand.
        let tx = &self.tx;
        let sent = self
            .handle
            .block_on(async { tokio::time::timeout(STALL, tx.send(Ok(chunk))).await });
        match sent {
            Ok(Ok(())) => Ok(buf.len()),
            Ok(Err(_)) => Err(std::io::ErrorKind::BrokenPipe.into()),
            Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gone_stops_the_writer() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (tx, mut rx) = mpsc::channel(CHUNKS);
        let mut out = Chunks {
            tx,
            handle: rt.handle().clone(),
        };
        out.write_all(b"id,published\r\n").unwrap();
        let chunk = rt.block_on(rx.recv()).unwrap().unwrap();
        assert_eq!(chunk.as_ref(), b"id,published\r\n");
        drop(rx);
        let e = out.write_all(b"1,2026-11-27\r\n").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe);
        assert!(client_gone(&ExportError::Write(e)));
    }

    #[test]
    fn file_names_say_what_and_when() {
        let tz = crate::time::default_zone();
        let now: Timestamp = "2026-11-27T04:00:00Z".parse().unwrap();
        let filter = ExportFilter {
            topic: Some("banjir".into()),
            region: Some("samarinda".into()),
            since: crate::time::parse_local("2026-11-20", &tz),
            until: crate::time::parse_local_end("2026-11-26", &tz),
            mentioned: false,
        };
        assert_eq!(
            file_name(&filter, Format::Csv, &tz, now),
            "pantau-banjir-samarinda-2026-11-20-2026-11-26.csv"
        );
        let all = ExportFilter {
            since: Some(now - SignedDuration::from_hours(24 * 7)),
            ..Default::default()
        };
        assert_eq!(
            file_name(&all, Format::Jsonl, &tz, now),
            "pantau-semua-topik-2026-11-20-2026-11-27.jsonl"
        );
    }
}
