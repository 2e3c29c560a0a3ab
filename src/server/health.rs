//! `GET /healthz`: 200 `ok` only when the store takes a write (a real commit through the
//! daemon's writer, so a full disk or a hung writer shows) and the daemon's scheduler is alive
//! (its heartbeat is recent); otherwise 503 with what is wrong, as JSON. Docker's HEALTHCHECK
//! and load balancers call it.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::Timestamp;

use super::{ApiError, AppState};
use crate::store::Writes;

/// How long the writer may take to answer.
const WRITE_PATIENCE: Duration = Duration::from_secs(5);
/// A scheduler heartbeat older than this means the daemon's jobs have stopped.
pub const HEARTBEAT_STALE: Duration = Duration::from_secs(180);

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(health))
}

async fn health(State(state): State<AppState>) -> Response {
    let write = tokio::time::timeout(
        WRITE_PATIENCE,
        state
            .inner
            .pipeline
            .writer()
            .call(|s| s.set_meta("health_check", &Timestamp::now().to_string())),
    )
    .await;
    let problem = match write {
        Err(_) => Some("penulis basis data tidak menjawab dalam 5 detik".to_string()),
        Ok(Err(e)) => Some(e.to_string()),
        Ok(Ok(Err(e))) => Some(match e.hint() {
            Some(h) => format!("basis data tidak dapat ditulis: {e} ({h})"),
            None => format!("basis data tidak dapat ditulis: {e}"),
        }),
        Ok(Ok(Ok(()))) => None,
    };
    let problem = problem
        .or_else(|| {
            let failing = state.inner.pipeline.writer().failing()?;
            Some(format!("penyimpanan terakhir gagal: {failing}"))
        })
        .or_else(|| {
            let beat = state.inner.heartbeat.get()?;
            let last = beat.load(std::sync::atomic::Ordering::Relaxed);
            let age = Timestamp::now().as_second() - last;
            (age > HEARTBEAT_STALE.as_secs() as i64)
                .then(|| format!("penjadwal tidak berdetak selama {age} detik"))
        });
    match problem {
        None => "ok".into_response(),
        Some(message) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, message).into_response(),
    }
}
