//! The engine: what every way into Pantau shares, set up in one place. `pantau run`,
//! `pantau poll --once`, `pantau demo`, `pantau import` and `POST /api/ingest` all read the
//! configuration through [`Config`], start the store's writer thread through [`Engine::start`],
//! and classify and store through one [`Pipeline`]:
//!
//! ```text
//! Config ──▶ Engine::start: store opened (migrated, size-capped) ──▶ writer thread
//! polls (SourceRun::turn) ──Polled──▶ Pipeline::commit ─┐
//! pushes (import, /api/ingest) ──▶ Pipeline::push ──────┴─▶ tag (lists in force) ──▶ writer
//! ```
//!
//! [`SharedClassifier`] holds the keyword lists in force; a reload swaps it whole.

pub mod config;
pub mod pipeline;
pub mod shared;

use std::collections::HashMap;
use std::time::Duration;

use futures_util::future::join_all;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::value::IpRanges;
use crate::model::{SourceId, SourceState};
use crate::sources::article::{Articles, ItemKey, Robots, StoredCheck};
use crate::sources::http::Fetcher;
use crate::sources::poll::{Polled, SourceRun};
use crate::sources::{PollCtx, SourceConfig, SourceError};
use crate::store::writer::{Idle, Writer, WriterThread};
use crate::store::{Browse, Maintenance, Status, Store, StoreError, Writes};

pub use config::{Config, Regions};
pub use pipeline::Pipeline;
pub use shared::SharedClassifier;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("klien HTTP tidak dapat dibuat: {0}")]
    Http(#[from] SourceError),
}

impl EngineError {
    /// What the operator can do about it, when the store knows.
    pub fn hint(&self) -> Option<String> {
        match self {
            EngineError::Store(e) => e.hint(),
            EngineError::Http(_) => None,
        }
    }
}

/// The store's writer thread and the pipeline that feeds it, with the lists in force.
pub struct Engine {
    writer: Writer,
    thread: WriterThread,
    pipeline: Pipeline,
}

impl Engine {
    /// Opens the store (creating or upgrading it), caps its size at `[storage] max_size_mb`,
    /// and starts its writer thread, classifying with `classifier`; `idle` says what the
    /// writer does with its idle moments (the service merges the search index, a one-shot
    /// command leaves that to it).
    pub fn start(
        config: &Config,
        classifier: SharedClassifier,
        idle: Idle,
    ) -> Result<Engine, StoreError> {
        let mut store = Store::connect(&config.settings.storage)?;
        store.limit_size(config.settings.storage.max_size_mb)?;
        // Posts committed by a process that stopped before indexing and placing them
        // (`kill -9`, a crash): finished before anything reads or reports, so the service is
        // healthy only once search and stories are complete.
        let finished = store.finish_pending()?;
        if finished > 0 {
            tracing::info!(
                posts = finished,
                "indeks pencarian dan cerita yang tertunda diselesaikan"
            );
        }
        let (writer, thread) = Writer::spawn_with(store, idle);
        let pipeline = Pipeline::new(classifier, writer.clone(), config.regions())
            .with_languages(config.settings.keywords.languages.clone());
        Ok(Engine {
            writer,
            thread,
            pipeline,
        })
    }

    pub fn classifier(&self) -> &SharedClassifier {
        self.pipeline.classifier()
    }

    /// A handle to the writer thread, for work that writes besides posts (briefings, alerts).
    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// Records every configured source in the store (a changed location drops its cursor)
    /// and returns where each of `sources` stands, to resume from.
    async fn source_states(
        &self,
        config: &Config,
        sources: &[SourceConfig],
    ) -> Result<Vec<SourceState>, StoreError> {
        let infos = config.source_infos();
        let ids: Vec<SourceId> = sources.iter().map(|s| s.id.clone()).collect();
        self.writer
            .call(move |store| {
                store.sync_sources(&infos)?;
                ids.iter().map(|id| store.source_state(id)).collect()
            })
            .await?
    }

    /// Each of `sources`, ready to take turns, fetching through one shared client (one more
    /// for each distinct `allow_private` of a source's own).
    pub async fn source_runs(
        &self,
        config: &Config,
        sources: &[SourceConfig],
    ) -> Result<Vec<SourceRun>, EngineError> {
        let states = self.source_states(config, sources).await?;
        let fetchers = fetchers(config, sources)?;
        let relevant = self.classifier().relevance();
        let robots = Robots::default();
        Ok(sources
            .iter()
            .zip(states)
            .map(|(source, state)| {
                let cx = PollCtx {
                    source: source.id.clone(),
                    fetcher: fetchers[&source.allow_private].clone(),
                    relevant: Some(relevant.clone()),
                    secrets: config.settings.secrets.clone(),
                };
                let run = SourceRun::new(source.clone(), cx, state, &config.settings.fetch);
                match source.article {
                    Some(settings) => run.with_articles(Articles::new(
                        settings,
                        self.stored_check(),
                        robots.clone(),
                        config.settings.schedule.timezone.clone(),
                    )),
                    None => run,
                }
            })
            .collect())
    }

    /// "Which of these items are stored?", asked of the store through the writer thread
    /// (so it sees every commit before it). A store that cannot answer counts every item
    /// as stored: no page is fetched rather than pages fetched twice.
    fn stored_check(&self) -> StoredCheck {
        let writer = self.writer.clone();
        StoredCheck::new(move |source: SourceId, items: Vec<ItemKey>| {
            let writer = writer.clone();
            Box::pin(async move {
                let count = items.len();
                let answer = writer
                    .call(move |store| store.stored_items(&source, &items))
                    .await;
                match answer {
                    Ok(Ok(stored)) => stored,
                    Ok(Err(error)) | Err(error) => {
                        tracing::warn!(%error, "basis data tidak dapat ditanya; artikel tidak diambil");
                        vec![true; count]
                    }
                }
            })
        })
    }

    /// A channel the pipeline drains, committing each poll handed over; the task ends once
    /// every sender is gone and what they sent is committed. The daemon's polls are committed
    /// one after another as they arrive; a round's (`side_by_side`) are classified and
    /// committed together, as they finish, so the writer takes them in one transaction.
    pub fn pipeline_task(
        &self,
        side_by_side: bool,
    ) -> (mpsc::Sender<Polled>, tokio::task::JoinHandle<()>) {
        let (tx, mut rx) = mpsc::channel::<Polled>(64);
        let pipeline = self.pipeline.clone();
        let task = tokio::spawn(async move {
            let mut handling = tokio::task::JoinSet::new();
            while let Some(polled) = rx.recv().await {
                if side_by_side {
                    let pipeline = pipeline.clone();
                    handling.spawn(async move { pipeline.handle(polled).await });
                } else {
                    pipeline.handle(polled).await;
                }
            }
            while handling.join_next().await.is_some() {}
        });
        (tx, task)
    }

    /// One polling round: every one of `sources` polled once, concurrently, through the
    /// daemon's own turn and pipeline.
    async fn poll_once(
        &self,
        config: &Config,
        sources: &[SourceConfig],
    ) -> Result<Vec<RoundResult>, EngineError> {
        let runs = self.source_runs(config, sources).await?;
        let (tx, pipeline) = self.pipeline_task(true);
        let never = CancellationToken::new();
        let results = join_all(runs.into_iter().map(|mut run| {
            let tx = tx.clone();
            let never = never.clone();
            async move {
                let source = run.source().id.clone();
                let turn = run.turn(&tx, &never).await;
                RoundResult::of(source, turn)
            }
        }))
        .await;
        drop(tx);
        let _ = pipeline.await;
        Ok(results)
    }

    /// Lets the writer thread commit what is queued, checkpoint and exit. Every other handle
    /// to the writer must be gone first.
    pub async fn stop(self) {
        let Engine {
            writer,
            thread,
            pipeline,
            ..
        } = self;
        drop(pipeline);
        drop(writer);
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    }
}

/// Opens the store, polls every one of `sources` once through the daemon's own turn and
/// pipeline, and closes the store again once all is committed: `pantau poll --once`.
pub async fn poll_round(
    config: &Config,
    sources: &[SourceConfig],
    classifier: SharedClassifier,
) -> Result<Vec<RoundResult>, EngineError> {
    let engine = Engine::start(config, classifier, Idle::Wait)?;
    let results = engine.poll_once(config, sources).await;
    engine.stop().await;
    results
}

/// How one source's poll went, for `pantau poll --once` and `pantau demo`.
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

impl RoundResult {
    fn of(source: SourceId, turn: Option<crate::sources::poll::Turn>) -> RoundResult {
        let Some(turn) = turn else {
            return RoundResult {
                source,
                failed: true,
                status: "tidak tersimpan: penulis basis data sudah berhenti".into(),
                items_found: 0,
                new_posts: 0,
                duration: Duration::ZERO,
                hint: None,
            };
        };
        let (status, failed) = match (&turn.error, turn.not_modified) {
            (Some(e), _) => (format!("gagal: {e}"), true),
            (None, true) => ("tidak berubah".to_string(), false),
            (None, false) => ("ok".to_string(), false),
        };
        let (status, new_posts, failed) = match turn.committed {
            Ok(c) => (status, c.new_posts, failed),
            Err(e) => (format!("tidak tersimpan: {e}"), 0, true),
        };
        RoundResult {
            source,
            failed,
            status,
            items_found: turn.items_found.unwrap_or(0),
            new_posts,
            duration: turn.duration,
            hint: turn.error.as_ref().map(SourceError::hint),
        }
    }
}

/// A fetcher for each distinct `allow_private` among `sources`: the shared one of `[fetch]`
/// for the sources that add nothing, and one per own allowance, sharing its per-host limits.
fn fetchers(
    config: &Config,
    sources: &[SourceConfig],
) -> Result<HashMap<IpRanges, Fetcher>, EngineError> {
    let shared = Fetcher::new(&config.settings.fetch)?;
    let mut fetchers = HashMap::new();
    for source in sources {
        if !fetchers.contains_key(&source.allow_private) {
            let fetcher = shared.allowing(&source.allow_private)?;
            fetchers.insert(source.allow_private.clone(), fetcher);
        }
    }
    Ok(fetchers)
}
