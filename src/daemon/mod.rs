//! `pantau run`: the long-running service. It wires the stages together:
//!
//! ```text
//! poll loops (one task per source) ──Polled──▶ pipeline (classify) ──▶ writer thread (SQLite)
//! briefing scheduler (daily, local time) ──▶ digest ──▶ briefings/
//! alert job (every `[alerts] every`) ──▶ trends ──▶ alerts table ──▶ webhook / Telegram / e-mail
//! retention (hourly) ──▶ posts older than `[storage] retain_days` pruned in small batches
//! HTTP server ([`crate::server`], `[http] bind`): /healthz, POST /api/ingest ──▶ writer thread
//! ```
//!
//! Stopping: [`run`] takes the stop trigger as a future (the binary passes SIGTERM/SIGINT,
//! tests pass their own). When it fires, poll loops stop at their next await (an unfinished
//! fetch is dropped, which is safe because the cursor only moves with a commit), the pipeline
//! commits everything already handed over, the HTTP server finishes the requests in flight,
//! the writer checkpoints the WAL, and `run` returns.
//! Tasks still running after [`STOP_DEADLINE`] are abandoned with a log line.

pub mod alerting;
pub mod pipeline;
pub mod reload;
pub mod retention;
pub mod round;
pub mod schedule;
pub mod systemd;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::classify::{Classifier, Document};
use crate::config::Settings;
use crate::server::{AppState, ServerError};
use crate::sources::context::Relevance;
use crate::sources::http::Fetcher;
use crate::sources::poll::{Backoff, run_loop};
use crate::sources::{PollCtx, SourceConfig, SourceError};
use crate::store::writer::Writer;
use crate::store::{Maintenance, Status, Store, StoreError, Writes};

pub use pipeline::Pipeline;
pub use reload::SharedClassifier;
pub use round::{RoundResult, poll_round};

/// How long a stop may take before the remaining tasks are abandoned.
pub const STOP_DEADLINE: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("klien HTTP tidak dapat dibuat: {0}")]
    Http(#[from] SourceError),
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error("tujuan peringatan tidak dapat disiapkan: {0}")]
    Sink(#[from] crate::alerts::sinks::SinkError),
}

/// Runs the daemon until `shutdown` completes.
/// Hands the heap that building a classifier used and freed back to the OS. Compiling large
/// keyword lists peaks well above what the compiled classifier keeps (parsed lists, the
/// automaton's intermediate form); glibc keeps freed memory in its arenas, so without this the
/// daemon's resident memory stays at the build's peak (issue 10: with 1,000 topics × 40 terms,
/// about 20 MiB of it).
pub(crate) fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of malloc's arenas to the kernel; it is
    // thread-safe (it takes each arena's lock).
    unsafe {
        libc::malloc_trim(0);
    }
}

pub async fn run(
    settings: Settings,
    classifier: Classifier,
    shutdown: impl Future<Output = ()>,
) -> Result<(), DaemonError> {
    release_freed_memory();
    // First, so that a taken port stops the start before anything runs.
    let listener = crate::server::bind(settings.http.bind).await?;
    let http_addr = listener
        .local_addr()
        .map_or_else(|_| settings.http.bind.to_string(), |a| a.to_string());
    let mut store = Store::open(&settings.storage.path)?;
    store.limit_size(settings.storage.max_size_mb)?;
    store.sync_sources(
        &settings
            .sources
            .iter()
            .map(SourceConfig::info)
            .collect::<Vec<_>>(),
    )?;
    store.keywords_loaded(classifier.version())?;
    let states = settings
        .sources
        .iter()
        .map(|s| store.source_state(&s.id))
        .collect::<Result<Vec<_>, _>>()?;
    let (writer, writer_thread) = Writer::spawn(store);
    let fetcher = Fetcher::new(&settings.fetch)?;
    let sinks = settings
        .alerts
        .sinks
        .iter()
        .map(|c| crate::alerts::Sink::new(c.clone(), &settings.fetch.user_agent))
        .collect::<Result<Vec<_>, _>>()?;
    let classifier = SharedClassifier::new(Arc::new(classifier));
    let pipeline = Pipeline::new(classifier.clone(), writer.clone(), &settings.sources);
    let backoff = Backoff {
        max: settings.fetch.max_backoff,
        ..Backoff::default()
    };

    let stop = CancellationToken::new();
    let tracker = TaskTracker::new();
    let (polled_tx, mut polled_rx) = mpsc::channel(64);
    for (source, state) in settings.sources.iter().zip(states) {
        let cx = PollCtx {
            source: source.id.clone(),
            fetcher: fetcher.clone(),
            relevant: Some(relevance(classifier.clone())),
        };
        tracker.spawn(run_loop(
            source.clone(),
            source.build(),
            cx,
            state,
            (source.pace(&settings.fetch), backoff),
            polled_tx.clone(),
            stop.child_token(),
        ));
    }
    // The pipeline ends when every poll loop has ended and dropped its sender, after
    // committing what they handed over.
    drop(polled_tx);
    tracker.spawn(async move {
        while let Some(polled) = polled_rx.recv().await {
            pipeline.handle(polled).await;
        }
    });
    tracker.spawn(schedule::daily_briefings(
        schedule::BriefingJob::new(&settings, classifier.clone(), writer.clone()),
        stop.child_token(),
    ));
    tracker.spawn(reload::watch_keywords(
        settings.keywords.dir.clone(),
        classifier.clone(),
        writer.clone(),
        settings.sources.clone(),
        stop.child_token(),
    ));
    let heartbeat = Arc::new(std::sync::atomic::AtomicI64::new(
        jiff::Timestamp::now().as_second(),
    ));
    tracker.spawn(alerting::run(
        settings.alerts.policy.clone(),
        sinks,
        classifier.clone(),
        writer.clone(),
        heartbeat.clone(),
        stop.child_token(),
    ));
    tracker.spawn(retention::run(
        settings.storage.retain_days,
        writer.clone(),
        stop.child_token(),
    ));
    let http =
        AppState::new(&settings, classifier.clone(), writer.clone()).with_heartbeat(heartbeat);
    let server_stop = stop.child_token();
    tracker.spawn(async move {
        let addr = listener.local_addr().ok();
        let served = crate::server::serve(
            listener,
            crate::server::router(http),
            server_stop.cancelled_owned(),
        )
        .await;
        if let Err(e) = served {
            tracing::error!(error = %e, ?addr, "server HTTP berhenti dengan galat");
        }
    });
    tracker.spawn(systemd::watchdog(writer.clone(), stop.child_token()));
    tracker.close();
    drop(writer);
    if settings.sources.is_empty() {
        tracing::warn!("belum ada sumber; tambahkan [[sources]] di konfigurasi");
    }
    tracing::info!(
        sources = settings.sources.len(),
        topics = classifier.get().topics().len(),
        keywords = classifier.get().version(),
        db = %settings.storage.path.display(),
        http = %http_addr,
        ingest = if settings.http.token.is_some() { "aktif" } else { "mati (tanpa [http] token)" },
        "pantau berjalan"
    );
    systemd::ready();

    shutdown.await;
    systemd::stopping();
    tracing::info!("berhenti: menyelesaikan simpanan terakhir");
    stop.cancel();
    if tokio::time::timeout(STOP_DEADLINE, tracker.wait())
        .await
        .is_err()
    {
        // A task that holds a writer handle may still be running, so the writer thread
        // cannot be joined; what it committed is safe, the rest is retried after a restart.
        tracing::error!(
            tasks = tracker.len(),
            "tugas belum selesai setelah {}s; dihentikan paksa",
            STOP_DEADLINE.as_secs()
        );
        return Ok(());
    }
    // Every writer handle is gone once the tasks are: the thread commits what is queued,
    // checkpoints and exits.
    let _ = tokio::task::spawn_blocking(move || writer_thread.join()).await;
    tracing::info!("pantau berhenti");
    Ok(())
}

/// The relevance check given to sources that filter a stream by topic: "does the text match a
/// topic of the lists in force now" (read at each call, so a reload applies at once).
pub(crate) fn relevance(classifier: SharedClassifier) -> Relevance {
    Relevance::new(move |text| {
        !classifier
            .get()
            .tags_for(&Document::text(text), None)
            .topics
            .is_empty()
    })
}

/// SIGTERM and SIGINT (Ctrl-C): the binary's stop trigger. The handlers are installed once and
/// each delivery is seen once, so "the second signal" really is a second one.
pub struct StopSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl StopSignals {
    /// Installs the handlers; must be called inside the tokio runtime.
    pub fn install() -> std::io::Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignals {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    /// Resolves at the next SIGTERM or SIGINT.
    pub async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
