//! Reading the store for report routes: each request opens its own read-only connection on the
//! blocking pool, so a slow report never holds up the writer or the async workers (WAL lets
//! readers and the writer run together).

use axum::http::StatusCode;

use super::{ApiError, AppState};
use crate::classify::Classifier;
use crate::store::{Store, StoreError};

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        let message = match e.hint() {
            Some(hint) => format!("basis data tidak terbaca: {e} ({hint})"),
            None => format!("basis data tidak terbaca: {e}"),
        };
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }
}

/// Runs `f` over a read-only connection and the keyword lists in force.
pub(super) async fn with_store<R: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&Store, &Classifier) -> Result<R, ApiError> + Send + 'static,
) -> Result<R, ApiError> {
    let db = state.inner.db.clone();
    let classifier = state.inner.pipeline.classifier().get();
    tokio::task::spawn_blocking(move || {
        let store = Store::connect_reader(&db)?;
        f(&store, &classifier)
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
}
