//! `GET /metrics`: the process's counters and histograms ([`crate::metrics`]) in the Prometheus
//! text format, with the figures that must survive a restart (the last briefing, the sources'
//! health) read from the store at scrape time.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use super::read::with_store;
use super::{ApiError, AppState};
use crate::metrics::{Snapshot, global};
use crate::store::{Browse, Status};

pub fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let snapshot = with_store(&state, |store, _| {
        let health = store.sources_health(&[])?;
        let failing = health.iter().filter(|h| h.consecutive_failures > 0).count() as i64;
        Ok(Snapshot {
            last_briefing: store
                .briefings(1)?
                .first()
                .map(|b| b.generated_at.as_second()),
            sources_ok: health.len() as i64 - failing,
            sources_failing: failing,
        })
    })
    .await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        global().render(&snapshot),
    ))
}
