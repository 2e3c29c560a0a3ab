//! One polling round over a set of sources, concurrently, through the same pipeline the daemon
//! uses: `pantau poll --once` and `pantau demo` run it.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use jiff::Timestamp;

use super::{DaemonError, Pipeline};
use crate::classify::Classifier;
use crate::config::Settings;
use crate::model::Attempt;
use crate::model::SourceId;
use crate::sources::http::Fetcher;
use crate::sources::poll::{Backoff, plan_next};
use crate::sources::{PollCtx, SourceConfig};
use crate::store::writer::Writer;
use crate::store::{Maintenance, Status, Store, Writes};

/// How one source's poll went.
#[derive(Debug, Clone)]
pub struct RoundResult {
    pub source: SourceId,
    pub failed: bool,
    /// `ok`, `tidak berubah` (not modified) or the error.
    pub status: String,
    pub items_found: usize,
    pub new_posts: usize,
    pub duration: Duration,
    /// What to do about a failed fetch.
    pub hint: Option<&'static str>,
}

/// Polls every source in `sources` once and commits the results.
pub async fn poll_round(
    settings: &Settings,
    sources: &[SourceConfig],
    classifier: Arc<Classifier>,
) -> Result<Vec<RoundResult>, DaemonError> {
    let mut store = Store::open(&settings.storage.path)?;
    store.limit_size(settings.storage.max_size_mb)?;
    store.sync_sources(
        &settings
            .sources
            .iter()
            .map(SourceConfig::info)
            .collect::<Vec<_>>(),
    )?;
    let states = sources
        .iter()
        .map(|s| store.source_state(&s.id))
        .collect::<Result<Vec<_>, _>>()?;
    let (writer, thread) = Writer::spawn(store);
    let fetcher = Fetcher::new(&settings.fetch)?;
    let shared = super::SharedClassifier::new(classifier);
    let relevant = super::relevance(shared.clone());
    let pipeline = Pipeline::new(shared, writer.clone(), &settings.sources);
    let backoff = Backoff {
        max: settings.fetch.max_backoff,
        ..Backoff::default()
    };
    let polls = sources.iter().zip(states).map(|(source, state)| {
        let cx = PollCtx {
            source: source.id.clone(),
            fetcher: fetcher.clone(),
            relevant: Some(relevant.clone()),
        };
        let pipeline = pipeline.clone();
        async move {
            let poller = source.build();
            let started = Timestamp::now();
            let clock = std::time::Instant::now();
            let outcome = poller.poll(&cx, &state.cursor).await;
            let duration = clock.elapsed();
            let interval = source
                .pace(&settings.fetch)
                .with_history(state.recent)
                .interval(source.interval, started);
            let (_, delay) = plan_next(
                interval,
                state.consecutive_failures,
                outcome.as_ref().err(),
                &backoff,
            );
            let hint = outcome
                .as_ref()
                .err()
                .map(crate::sources::SourceError::hint);
            let (status, items_found, failed) = match &outcome {
                Ok(b) if b.not_modified => ("tidak berubah".to_string(), 0, false),
                Ok(b) => ("ok".to_string(), b.items_found, false),
                Err(e) => (format!("gagal: {e}"), 0, true),
            };
            let attempt = Attempt {
                started,
                duration,
                next_attempt: started + delay,
            };
            let committed = pipeline.commit(&source.id, attempt, outcome).await;
            let (status, new_posts, failed) = match committed {
                Ok(c) => (status, c.new_posts, failed),
                Err(e) => (format!("tidak tersimpan: {e}"), 0, true),
            };
            RoundResult {
                source: source.id.clone(),
                failed,
                status,
                items_found,
                new_posts,
                duration,
                hint,
            }
        }
    });
    let results = join_all(polls).await;
    drop(pipeline);
    drop(writer);
    let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    Ok(results)
}
