//! `GET /healthz`: liveness only (the process answers). Readiness and the details (keyword
//! reloads, source health) come with the full API.

use axum::Router;
use axum::routing::get;

use super::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(|| async { "ok" }))
}
