//! `GET /api/trends?window=24h&at=2026-11-27T07:00`: the same objects as `pantau trends --json`
//! (DESIGN.md §2), computed by the same function over a read-only connection.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use jiff::Timestamp;
use serde::Deserialize;

use super::read::with_store;
use super::{ApiError, AppState};
use crate::trends::{self, Rule, Trend, Window};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/trends", get(list))
}

#[derive(Debug, Deserialize)]
struct Params {
    window: Option<String>,
    /// An RFC 3339 instant or a local `YYYY-MM-DDTHH:MM`; default now.
    at: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    Query(p): Query<Params>,
) -> Result<axum::Json<Vec<Trend>>, ApiError> {
    let window = match p.window.as_deref() {
        None => Window::default(),
        Some(w) => w
            .parse::<Window>()
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e))?,
    };
    let now = match p.at.as_deref() {
        None => Timestamp::now(),
        Some(text) => crate::time::parse_local(text, &state.inner.timezone).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "waktu \"{text}\" tidak valid: pakai YYYY-MM-DDTHH:MM (WITA) atau RFC 3339"
                ),
            )
        })?,
    };
    let lang = state.inner.lang;
    let rows = with_store(&state, move |store, classifier| {
        let mut rows = trends::compute(
            store,
            classifier,
            crate::time::window_end(now),
            window,
            &Rule::default(),
            lang,
        )?;
        trends::add_reach(store, &mut rows)?;
        Ok(rows)
    })
    .await?;
    Ok(axum::Json(rows))
}
