//! Hot reload of the keyword lists. A saved edit in `keywords/` (or SIGHUP) builds a new
//! classifier off the async workers, runs every example in the lists, and only then swaps it
//! in; posts already being classified finish on the old one. A broken edit — a syntax error, a
//! failing example, a source region that no longer exists — is rejected whole: the last good
//! lists stay in force, every error is logged, and the rejection is recorded in the store
//! (`meta`), where `pantau sources` and the next briefing show it.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::classify::{Classifier, ListError, ListErrors};
use crate::sources::SourceConfig;
use crate::store::writer::Writer;

/// The classifier in force, replaced whole on reload.
#[derive(Debug, Clone)]
pub struct SharedClassifier(Arc<RwLock<Arc<Classifier>>>);

impl SharedClassifier {
    pub fn new(classifier: Arc<Classifier>) -> SharedClassifier {
        SharedClassifier(Arc::new(RwLock::new(classifier)))
    }

    /// The classifier in force now.
    pub fn get(&self) -> Arc<Classifier> {
        self.0
            .read()
            .expect("the classifier lock is never poisoned")
            .clone()
    }

    fn set(&self, classifier: Arc<Classifier>) {
        *self
            .0
            .write()
            .expect("the classifier lock is never poisoned") = classifier;
    }
}

/// How long edits settle before a reload: editors save in several steps.
const DEBOUNCE: Duration = Duration::from_millis(700);

/// Watches `dir` and reloads on change or SIGHUP until `stop`.
pub async fn watch_keywords(
    dir: PathBuf,
    shared: SharedClassifier,
    writer: Writer,
    sources: Vec<SourceConfig>,
    stop: CancellationToken,
) {
    let (tx, mut changed) = mpsc::channel::<()>(1);
    let debouncer = notify_debouncer_mini::new_debouncer(DEBOUNCE, move |events| {
        if let Ok(events) = events
            && !Vec::is_empty(&events)
        {
            // A reload is already pending when the channel is full: nothing is lost.
            let _ = tx.try_send(());
        }
    });
    let _debouncer = match debouncer {
        Ok(mut d) => match d.watcher().watch(&dir, notify::RecursiveMode::Recursive) {
            Ok(()) => Some(d),
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
        tokio::select! {
            _ = stop.cancelled() => break,
            Some(()) = changed.recv() => {}
            _ = sighup => tracing::info!("SIGHUP: memuat ulang daftar kata kunci"),
        }
        reload(&dir, &shared, &writer, &sources).await;
    }
}

/// Builds, checks and swaps in the lists under `dir`; keeps the old ones on any error.
pub async fn reload(
    dir: &std::path::Path,
    shared: &SharedClassifier,
    writer: &Writer,
    sources: &[SourceConfig],
) {
    let built = {
        let dir = dir.to_path_buf();
        let sources = sources.to_vec();
        tokio::task::spawn_blocking(move || build_checked(&dir, &sources)).await
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
            }
            // The build's scratch, and the old lists once their last poll lets go of them.
            super::release_freed_memory();
            let v = version.clone();
            if let Ok(Err(e)) = writer.call(move |s| s.keywords_loaded(&v)).await {
                tracing::warn!(error = %e, "versi kata kunci tidak tercatat");
            }
        }
        Err(errors) => {
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

/// Loads the lists, runs their examples, and checks that every source's region still exists.
pub fn build_checked(
    dir: &std::path::Path,
    sources: &[SourceConfig],
) -> Result<Classifier, ListErrors> {
    let classifier = Classifier::load(dir)?;
    let mut errors = classifier.check_examples();
    for s in sources {
        if let Some(region) = &s.region
            && classifier.region(region).is_none()
        {
            errors.push(ListError {
                path: dir.join("regions.toml"),
                line: 1,
                col: 1,
                message: format!("wilayah \"{region}\" dipakai sumber \"{}\" tetapi tidak ada lagi di daftar wilayah", s.id),
                hint: Some("kembalikan wilayah itu, atau ubah region sumber tersebut di konfigurasi".into()),
                context: None,
            });
        }
    }
    if errors.is_empty() {
        Ok(classifier)
    } else {
        Err(ListErrors(errors))
    }
}
