//! Reading the store for report routes: each request reads over a read-only connection on the
//! blocking pool, so a slow report never holds up the writer or the async workers (WAL lets
//! readers and the writer run together).
//!
//! Connections are kept between requests ([`Readers`]): a new SQLite connection reads the
//! schema and starts with an empty page cache, so on a large store each request on a new one
//! reads the same index pages again from the operating system.

use std::sync::Mutex;

use axum::http::StatusCode;

use super::{ApiError, AppState};
use crate::classify::Classifier;
use crate::config::StorageSettings;
use crate::store::{Store, StoreError};

/// Idle connections kept: about as many as requests that read at once on a small server.
const MAX_IDLE: usize = 8;

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        let message = match e.hint() {
            Some(hint) => format!("basis data tidak terbaca: {e} ({hint})"),
            None => format!("basis data tidak terbaca: {e}"),
        };
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }
}

/// Read-only connections to the store, kept idle between requests. Each query of one starts a
/// new read transaction, so a kept connection sees every commit as a new one does.
#[derive(Default)]
pub(super) struct Readers {
    idle: Mutex<Vec<Store>>,
}

impl Readers {
    fn take(&self, db: &StorageSettings) -> Result<Store, StoreError> {
        match self.lock().pop() {
            Some(store) => Ok(store),
            None => Store::connect_reader(db),
        }
    }

    fn put(&self, store: Store) {
        let mut idle = self.lock();
        if idle.len() < MAX_IDLE {
            idle.push(store);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Store>> {
        self.idle
            .lock()
            .expect("the readers' lock is never poisoned")
    }
}

/// Runs `f` over a read-only connection and the keyword lists in force.
pub(super) async fn with_store<R: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&Store, &Classifier) -> Result<R, ApiError> + Send + 'static,
) -> Result<R, ApiError> {
    let state = state.clone();
    let classifier = state.inner.pipeline.classifier().get();
    tokio::task::spawn_blocking(move || {
        let readers = &state.inner.readers;
        let store = readers.take(&state.inner.db)?;
        let result = f(&store, &classifier);
        // A connection that failed may be broken (a replaced file, a lost server): only one
        // that answered goes back.
        if result.is_ok() {
            readers.put(store);
        }
        result
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
}
