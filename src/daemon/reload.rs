//! Hot reload of the keyword lists. A saved edit in `keywords/` (or SIGHUP) builds a new
//! classifier off the async workers, runs every example in the lists, and only then swaps it
//! in; posts already being classified finish on the old one. A broken edit — a syntax error, a
//! failing example, a source region or an id an alert sink subscribes to that no longer
//! exists — is rejected whole: the last good
//! lists stay in force, every error is logged, and the rejection is recorded in the store
//! (`meta`), where `pantau sources` and the next briefing show it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use notify::Watcher as _;
use notify::event::{AccessKind, AccessMode, EventKind};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::alerts::sinks::SinkConfig;
use crate::classify::{Classifier, ListError, ListErrors};
use crate::engine::SharedClassifier;
use crate::engine::config::unknown_regions;
use crate::sources::SourceConfig;
use crate::store::Writes;
use crate::store::writer::Writer;

/// How long edits settle before a reload: editors save in several steps.
const DEBOUNCE: Duration = Duration::from_millis(700);

/// A file written without pause (a sync tool copying a folder) reloads after this at most.
const MOST_SETTLING: Duration = Duration::from_secs(5);

/// Whether a file event in the keyword folder can have changed the lists. Linux reports
/// every open and read of a watched file too (inotify `IN_OPEN`), and a reload reads every
/// list: counting those made each reload start the next, so the daemon rebuilt its
/// classifier without pause. A finished write (`IN_CLOSE_WRITE`) is an edit.
fn is_edit(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// Waits until no edit has come for [`DEBOUNCE`] (or [`MOST_SETTLING`] has passed).
async fn settle(changed: &mut mpsc::Receiver<()>) {
    let deadline = tokio::time::Instant::now() + MOST_SETTLING;
    while tokio::time::Instant::now() < deadline
        && let Ok(Some(())) = tokio::time::timeout(DEBOUNCE, changed.recv()).await
    {}
}

/// Watches `dir` and reloads on change or SIGHUP until `stop`.
pub async fn watch_keywords(
    dir: PathBuf,
    shared: SharedClassifier,
    writer: Writer,
    (sources, sinks): (Vec<SourceConfig>, Vec<SinkConfig>),
    stop: CancellationToken,
) {
    let configured = Configured { sources, sinks };
    let (tx, mut changed) = mpsc::channel::<()>(1);
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // An error (the kernel's event queue overflowed) may hide an edit: reload to be sure.
        if event.as_ref().map_or(true, |e| is_edit(&e.kind)) {
            // A reload is already pending when the channel is full: nothing is lost.
            let _ = tx.try_send(());
        }
    });
    let _watcher = match watcher {
        Ok(mut w) => match w.watch(&dir, notify::RecursiveMode::Recursive) {
            Ok(()) => Some(w),
            Err(e) => {
                tracing::warn!(dir = %dir.display(), error = %e, "folder kata kunci tidak dapat dipantau; muat ulang hanya lewat SIGHUP");
                None
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "pemantau berkas tidak tersedia; muat ulang hanya lewat SIGHUP");
            None
        }
    };
    #[cfg(unix)]
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    // An edit saved while the daemon started, after it read the lists and before the folder
    // was watched, sent no event.
    if changed_on_disk(&dir, &shared).await {
        rebuild(&dir, &shared, &writer, &configured).await;
    }
    loop {
        #[cfg(unix)]
        let sighup = async {
            match hangup.as_mut() {
                Some(h) => {
                    h.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let sighup = std::future::pending::<()>();
        let edited = tokio::select! {
            _ = stop.cancelled() => break,
            Some(()) = changed.recv() => true,
            _ = sighup => {
                tracing::info!("SIGHUP: memuat ulang daftar kata kunci");
                false
            }
        };
        if edited {
            tokio::select! {
                _ = stop.cancelled() => break,
                () = settle(&mut changed) => {}
            }
        }
        reload(&dir, &shared, &writer, &configured).await;
    }
}

/// Whether the files under `dir` differ from the lists in force: read and hashed, not built
/// (a few milliseconds against a second or more to build 1,000 topics). A folder that cannot
/// be read counts as changed, so that the build says why.
async fn changed_on_disk(dir: &std::path::Path, shared: &SharedClassifier) -> bool {
    let dir = dir.to_path_buf();
    match tokio::task::spawn_blocking(move || crate::classify::lists::version_on_disk(&dir)).await {
        Ok(Ok(version)) => version != shared.get().version(),
        _ => true,
    }
}

/// What the configuration names from the lists: sources' regions, sinks' subscriptions.
#[derive(Debug, Clone, Default)]
pub struct Configured {
    pub sources: Vec<SourceConfig>,
    pub sinks: Vec<SinkConfig>,
}

/// Builds, checks and swaps in the lists under `dir` when their files changed; keeps the old
/// ones on any error.
pub async fn reload(
    dir: &std::path::Path,
    shared: &SharedClassifier,
    writer: &Writer,
    configured: &Configured,
) {
    if changed_on_disk(dir, shared).await {
        return rebuild(dir, shared, writer, configured).await;
    }
    // The lists in force again (a file touched, an edit undone): they are good lists, so a
    // rejection recorded in between no longer holds.
    crate::metrics::global().keywords_reloaded("unchanged");
    let version = shared.get().version().to_string();
    if let Ok(Err(e)) = writer.call(move |s| s.keywords_loaded(&version)).await {
        tracing::warn!(error = %e, "versi kata kunci tidak tercatat");
    }
}

/// Builds, checks and swaps in the lists under `dir`, whatever their files hold.
async fn rebuild(
    dir: &std::path::Path,
    shared: &SharedClassifier,
    writer: &Writer,
    configured: &Configured,
) {
    let built = {
        let dir = dir.to_path_buf();
        let configured = configured.clone();
        tokio::task::spawn_blocking(move || build_checked(&dir, &configured)).await
    };
    let built = match built {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "muat ulang kata kunci terhenti");
            return;
        }
    };
    match built {
        Ok(classifier) => {
            let version = classifier.version().to_string();
            // The same lists again (an edit undone, a file touched) replace nothing, but they
            // are good lists: a rejection recorded in between no longer holds.
            if version != shared.get().version() {
                shared.set(Arc::new(classifier));
                tracing::info!(keywords = %version, "daftar kata kunci dimuat ulang");
                crate::metrics::global().keywords_reloaded("applied");
            } else {
                crate::metrics::global().keywords_reloaded("unchanged");
            }
            // The build's scratch, and the old lists once their last poll lets go of them.
            super::release_freed_memory();
            let v = version.clone();
            if let Ok(Err(e)) = writer.call(move |s| s.keywords_loaded(&v)).await {
                tracing::warn!(error = %e, "versi kata kunci tidak tercatat");
            }
        }
        Err(errors) => {
            crate::metrics::global().keywords_reloaded("rejected");
            for e in &errors.0 {
                tracing::warn!(error = %e, "perubahan kata kunci ditolak; daftar sebelumnya tetap berlaku");
            }
            let text = errors
                .0
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n");
            if let Ok(Err(e)) = writer.call(move |s| s.keywords_rejected(&text)).await {
                tracing::warn!(error = %e, "penolakan kata kunci tidak tercatat");
            }
        }
    }
}

/// Loads the lists, runs their examples, and checks that every source's region, and every
/// topic, category and region an alert sink subscribes to, still exists.
pub fn build_checked(
    dir: &std::path::Path,
    configured: &Configured,
) -> Result<Classifier, ListErrors> {
    let classifier = Classifier::load(dir)?;
    let mut errors = classifier.check_examples();
    for e in configured
        .sinks
        .iter()
        .flat_map(|s| s.subscription.unknown_ids(&classifier))
    {
        // The list the id went missing from: regions.toml, or the topic files.
        let list = match &e {
            crate::config::ConfigError::Invalid { key, .. } if key.ends_with("regions") => {
                dir.join("regions.toml")
            }
            _ => dir.join("topics"),
        };
        errors.push(ListError {
            path: list,
            line: 1,
            col: 1,
            message: format!("konfigurasi tujuan peringatan tidak cocok lagi dengan daftar: {e}"),
            hint: Some(
                "kembalikan id itu di daftar kata kunci, atau ubah langganan tujuan tersebut di konfigurasi"
                    .into(),
            ),
            context: None,
        });
    }
    for (source, region) in unknown_regions(&configured.sources, &classifier) {
        errors.push(ListError {
            path: dir.join("regions.toml"),
            line: 1,
            col: 1,
            message: format!("wilayah \"{region}\" dipakai sumber \"{source}\" tetapi tidak ada lagi di daftar wilayah"),
            hint: Some("kembalikan wilayah itu, atau ubah region sumber tersebut di konfigurasi".into()),
            context: None,
        });
    }
    if errors.is_empty() {
        Ok(classifier)
    } else {
        Err(ListErrors(errors))
    }
}
