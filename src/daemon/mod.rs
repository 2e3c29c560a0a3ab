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
//! Several nodes may share one PostgreSQL database ([`nodes`]): each poll loop then polls
//! while its node holds the source's lease, and the briefing, alert and retention jobs run on
//! the node holding theirs; every node serves HTTP.
//!
//! Stopping: [`run`] takes the stop trigger as a future (the binary passes SIGTERM/SIGINT,
//! tests pass their own). When it fires, poll loops stop at their next await (an unfinished
//! fetch is dropped, which is safe because the cursor only moves with a commit), the pipeline
//! commits everything already handed over, the HTTP server finishes the requests in flight,
//! the writer checkpoints the WAL, and `run` returns.
//! Tasks still running after [`STOP_DEADLINE`] are abandoned with a log line.

pub mod alerting;
pub mod nodes;
pub mod reload;
pub mod retention;
pub mod schedule;
pub mod systemd;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::alerts::Sink;
use crate::classify::Classifier;
use crate::engine::{Config, Engine, EngineError, SharedClassifier};
use crate::server::{AppState, ServerError};
use crate::sources::poll::run_loop;
use crate::store::writer::Idle;
use crate::store::{StoreError, Writes};

/// How long a stop may take before the remaining tasks are abandoned.
pub const STOP_DEADLINE: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error("tujuan peringatan tidak dapat disiapkan: {0}")]
    Sink(#[from] crate::alerts::sinks::SinkError),
}

impl DaemonError {
    /// What the operator can do about it, where the failing part knows.
    pub fn hint(&self) -> Option<String> {
        match self {
            DaemonError::Engine(e) => e.hint(),
            DaemonError::Server(e) => e.hint(),
            DaemonError::Sink(_) => None,
        }
    }
}

impl From<StoreError> for DaemonError {
    fn from(e: StoreError) -> DaemonError {
        DaemonError::Engine(EngineError::Store(e))
    }
}

/// Hands the heap that building a classifier used and freed back to the OS. Compiling large
/// keyword lists peaks well above what the compiled classifier keeps (parsed lists, the
/// automaton's intermediate form); glibc keeps freed memory in its arenas, so without this the
/// daemon's resident memory stays at the build's peak (with 1,000 topics × 40 terms, about
/// 20 MiB of it).
pub(crate) fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of malloc's arenas to the kernel; it is
    // thread-safe (it takes each arena's lock).
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Runs the daemon until `shutdown` completes.
pub async fn run(
    config: Config,
    classifier: Classifier,
    shutdown: impl Future<Output = ()>,
) -> Result<(), DaemonError> {
    release_freed_memory();
    // First, so that a taken port stops the start before anything runs.
    let listener = crate::server::bind(config.settings.http.bind).await?;
    let http_addr = listener
        .local_addr()
        .map_or_else(|_| config.settings.http.bind.to_string(), |a| a.to_string());
    let classifier = SharedClassifier::new(Arc::new(classifier));
    let engine = Engine::start(&config, classifier.clone(), Idle::Merge)?;
    let version = classifier.get().version().to_string();
    engine
        .writer()
        .call(move |store| store.keywords_loaded(&version))
        .await??;
    let sinks = config
        .alerts
        .sinks
        .iter()
        .map(|c| Sink::new(c.clone(), &config.settings.fetch.user_agent))
        .collect::<Result<Vec<_>, _>>()?;
    let briefing_sinks = config.briefing_sinks()?;
    check_logins(&config, &engine).await?;

    let stop = CancellationToken::new();
    let tracker = TaskTracker::new();
    let node = nodes::Node::new(&config.settings.storage, engine.writer().clone());
    spawn_polling(&engine, &config, &node, &tracker, &stop).await?;
    let heartbeat = Arc::new(AtomicI64::new(jiff::Timestamp::now().as_second()));
    spawn_jobs(
        &engine,
        &config,
        &node,
        (sinks, briefing_sinks),
        heartbeat.clone(),
        &tracker,
        &stop,
    );
    let http = AppState::new(&config, engine.pipeline().clone()).with_heartbeat(heartbeat);
    spawn_server(listener, http, &tracker, &stop);
    tracker.spawn(systemd::watchdog(
        engine.writer().clone(),
        stop.child_token(),
    ));
    tracker.close();
    announce(&config, &classifier, &http_addr, &node);
    drop(node);
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
    // Every other writer handle is gone once the tasks are: the thread commits what is
    // queued, checkpoints and exits.
    engine.stop().await;
    tracing::info!("pantau berhenti");
    Ok(())
}

/// Refuses to serve an address other than loopback that nobody could sign in to, and says
/// when reads are open because no user exists yet.
async fn check_logins(config: &Config, engine: &Engine) -> Result<(), DaemonError> {
    use crate::store::Accounts;
    let http = &config.settings.http;
    let users = engine.writer().call(|s| s.count_users()).await??;
    crate::server::check_exposure(http, http.bind, users)?;
    if http.public_read {
        tracing::info!(
            "[http] public_read: dasbor dan API baca terbuka tanpa login (sebagai viewer)"
        );
    } else if users == 0 {
        tracing::warn!(
            "belum ada pengguna: dasbor dan API baca terbuka tanpa login selama server hanya di \
             loopback; buat pengguna dengan `pantau user add NAMA --role admin`"
        );
    }
    Ok(())
}

/// A poll loop per source, and the pipeline that commits what they hand over. The pipeline
/// ends when every loop has ended and dropped its sender, after committing what they sent.
/// Each loop polls while `node` holds its source's lease.
async fn spawn_polling(
    engine: &Engine,
    config: &Config,
    node: &nodes::Node,
    tracker: &TaskTracker,
    stop: &CancellationToken,
) -> Result<(), EngineError> {
    let runs = engine.source_runs(config, &config.sources).await?;
    let (polled, pipeline) = engine.pipeline_task(false);
    for run in runs {
        let gate = node.source_gate(&run.source().id);
        tracker.spawn(run_loop(run, polled.clone(), gate, stop.child_token()));
    }
    tracker.spawn(async move {
        let _ = pipeline.await;
    });
    Ok(())
}

/// The timed jobs: the daily briefing, keyword reloads, alerts and retention. Every node
/// reloads its own keyword lists; the others run on the node holding their lease.
fn spawn_jobs(
    engine: &Engine,
    config: &Config,
    node: &nodes::Node,
    (sinks, briefing_sinks): (Vec<Sink>, Vec<Sink>),
    heartbeat: Arc<AtomicI64>,
    tracker: &TaskTracker,
    stop: &CancellationToken,
) {
    let (classifier, writer) = (engine.classifier(), engine.writer());
    tracker.spawn(schedule::daily_briefings(
        schedule::BriefingJob::new(&config.settings, classifier.clone(), writer.clone())
            .delivering(briefing_sinks, Default::default()),
        node.lease(nodes::BRIEFING),
        stop.child_token(),
    ));
    tracker.spawn(reload::watch_keywords(
        config.settings.keywords.dir.clone(),
        classifier.clone(),
        writer.clone(),
        (config.sources.clone(), config.alerts.sinks.clone()),
        stop.child_token(),
    ));
    tracker.spawn(alerting::run(
        config.alerts.policy.clone(),
        sinks,
        classifier.clone(),
        writer.clone(),
        heartbeat,
        node.lease(nodes::ALERTS),
        stop.child_token(),
    ));
    tracker.spawn(retention::run(
        config.settings.storage.clone(),
        writer.clone(),
        node.lease(nodes::RETENTION),
        stop.child_token(),
    ));
}

/// The HTTP server, stopped by the same token as everything else.
fn spawn_server(
    listener: tokio::net::TcpListener,
    http: AppState,
    tracker: &TaskTracker,
    stop: &CancellationToken,
) {
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
}

/// The database, as the log names it: the SQLite file, or the PostgreSQL URL without its
/// password.
fn storage_name(storage: &crate::config::StorageSettings) -> String {
    match &storage.url {
        Some(url) => url.redacted(),
        None => storage.path.display().to_string(),
    }
}

/// The start-up line of the log.
fn announce(config: &Config, classifier: &SharedClassifier, http_addr: &str, node: &nodes::Node) {
    if config.sources.is_empty() {
        tracing::warn!("belum ada sumber; tambahkan [[sources]] di konfigurasi");
    }
    tracing::info!(
        sources = config.sources.len(),
        topics = classifier.get().topics().len(),
        keywords = classifier.get().version(),
        db = %storage_name(&config.settings.storage),
        node = node.name(),
        http = %http_addr,
        ingest = if config.settings.http.token.is_some() { "aktif" } else { "mati (tanpa [http] token)" },
        "pantau berjalan"
    );
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
