//! `GET /api/trends?window=24h&at=2026-11-27T07:00`: the same objects as `pantau trends --json`
//! (DESIGN.md §2), computed by the same function over a read-only connection, once for the
//! store as it stands ([`super::answers`]).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::Timestamp;
use serde::Deserialize;

use super::read::with_store;
use super::{ApiError, AppState};
use crate::trends::{self, Rule, Window};

/// What a kept answer is for: the lists' version, the window and its end.
pub type Key = (String, Window, Timestamp);

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
) -> Result<Response, ApiError> {
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
    let end = crate::time::window_end(now);
    let lang = state.inner.lang;
    let (generation, version) = state.answer_stamp();
    let body = state
        .inner
        .trends
        .get((version, window, end), generation, || {
            with_store(&state, move |store, classifier| {
                let mut rows =
                    trends::compute(store, classifier, end, window, &Rule::default(), lang)?;
                trends::add_reach(store, &mut rows)?;
                serde_json::to_vec(&rows)
                    .map(Bytes::from)
                    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
            })
        })
        .await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        Bytes::clone(&body),
    )
        .into_response())
}
