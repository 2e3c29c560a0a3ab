//! Between a source and the store: classify, then commit through the writer thread. A polled
//! batch ([`Pipeline::commit`], with its cursor and the source's health) and pushed records
//! ([`Pipeline::push`]: `pantau import`, `POST /api/ingest`) take the same path — the same
//! lists in force, the same source→region defaults, the same [`tag`] — so a post means the
//! same thing whichever door it came in by.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};

use super::config::Regions;
use super::shared::SharedClassifier;
use crate::classify::{Classifier, Languages, Tags, language};
use crate::ingest::{Charset, CommitError, Format, IngestError, PushKind, Report};
use crate::model::{Attempt, Post, SourceId};
use crate::sources::poll::{Committed, Polled};
use crate::sources::{Batch, SourceError};
use crate::store::writer::Writer;
use crate::store::{Failure, Ingest, Write, Writes};

/// Classifies and stores what the sources bring.
#[derive(Clone)]
pub struct Pipeline {
    /// The lists in force; a reload swaps them between two batches.
    classifier: SharedClassifier,
    writer: Writer,
    regions: Arc<Regions>,
    /// The languages counted (`[keywords] languages`).
    languages: Arc<Languages>,
    /// Each source's last error class (None = healthy), so that logs report changes of state
    /// rather than every failed round.
    last_state: Arc<Mutex<HashMap<SourceId, Option<&'static str>>>>,
}

/// Tags each post with the lists of `classifier`; a post whose text names no place gets its
/// source's default region. A published time too far ahead is brought back to the fetch time
/// first, so that the post counts when it was seen. A post whose source states no language
/// gets the detected one ([`language::detect`]) before it is classified, so `lang:` in the
/// lists sees it; a post in a language `languages` does not count keeps its regions and
/// sentiment but no issue, so no trend, briefing or alert counts it.
pub fn tag(
    classifier: &Classifier,
    posts: Vec<Post>,
    regions: &Regions,
    languages: &Languages,
) -> Vec<(Post, Tags)> {
    posts
        .into_iter()
        .map(|mut post| {
            post.clamp_published();
            if post.lang.is_none() {
                post.lang = language::detect_post(post.title.as_deref(), &post.text);
            }
            let mut tags = classifier.tags(&post, regions.get(&post.source));
            if !languages.counts(post.lang.as_deref()) {
                tags.topics.clear();
                tags.fingerprint = None;
            }
            (post, tags)
        })
        .collect()
}

impl Pipeline {
    pub fn new(classifier: SharedClassifier, writer: Writer, regions: Regions) -> Pipeline {
        Pipeline {
            classifier,
            writer,
            regions: Arc::new(regions),
            languages: Arc::new(Languages::default()),
            last_state: Arc::default(),
        }
    }

    /// The same pipeline counting posts in `languages` only.
    pub fn with_languages(mut self, languages: Languages) -> Pipeline {
        self.languages = Arc::new(languages);
        self
    }

    /// The lists it classifies with.
    pub fn classifier(&self) -> &SharedClassifier {
        &self.classifier
    }

    /// The writer thread it stores through.
    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    /// Commits a poll handed over by a poll loop and answers it.
    pub async fn handle(&self, polled: Polled) {
        let result = self
            .commit(&polled.source, polled.attempt, polled.outcome)
            .await;
        let _ = polled.reply.send(result);
    }

    /// Classifies and commits one poll's outcome: the batch with its cursor, or the failure.
    pub async fn commit(
        &self,
        source: &SourceId,
        attempt: Attempt,
        outcome: Result<Batch, SourceError>,
    ) -> Result<Committed, String> {
        let write = match outcome {
            Ok(batch) => {
                self.note_state(source, None, "");
                self.ingest(source, attempt, batch).await?
            }
            Err(error) => {
                self.note_state(source, Some(error.class()), &error.to_string());
                Write::Failure(Failure {
                    source: source.clone(),
                    attempt,
                    class: error.class().to_string(),
                    message: error.to_string(),
                })
            }
        };
        let new_posts = self.writer.write(write).await?;
        if new_posts > 0 {
            tracing::info!(source = %source, new_posts, "pos baru tersimpan");
        }
        Ok(Committed { new_posts })
    }

    /// A batch classified off the async workers, as the write that stores it.
    async fn ingest(
        &self,
        source: &SourceId,
        attempt: Attempt,
        batch: Batch,
    ) -> Result<Write, String> {
        let classifier = self.classifier.get();
        let keywords_version = classifier.version().to_string();
        let Batch {
            posts,
            cursor,
            not_modified,
            items_found,
        } = batch;
        let posts = if posts.is_empty() {
            Vec::new()
        } else {
            let regions = self.regions.clone();
            let languages = self.languages.clone();
            // `/metrics` times classification per polled batch (pushes are timed as imports).
            tokio::task::spawn_blocking(move || {
                let started = std::time::Instant::now();
                let tagged = tag(&classifier, posts, &regions, &languages);
                crate::metrics::global().observe_classify(started.elapsed());
                tagged
            })
            .await
            .map_err(|e| format!("klasifikasi gagal: {e}"))?
        };
        Ok(Write::Ingest(Ingest {
            source: source.clone(),
            posts,
            cursor,
            attempt,
            items_found,
            not_modified,
            keywords_version,
        }))
    }

    /// Reads, checks, classifies and commits pushed records, each batch in one transaction
    /// through the writer thread, between the pollers' commits. `origin` names where they came
    /// from (a file, `POST /api/ingest`) in the `sources` table. Blocking: reading and
    /// classifying are CPU work, so call it off the async workers (`runtime` is the runtime
    /// the writer's answers arrive on).
    pub fn push(
        &self,
        input: impl Read,
        (format, charset): (Format, Charset),
        (kind, origin): (PushKind, &str),
        runtime: &tokio::runtime::Handle,
    ) -> Result<Report, IngestError> {
        // One version of the lists for the whole push.
        let classifier = self.classifier.get();
        let now = jiff::Timestamp::now();
        let result = crate::ingest::ingest(input, format, charset, (kind, now), |posts| {
            let tagged = tag(&classifier, posts, &self.regions, &self.languages);
            let version = classifier.version().to_owned();
            let origin = origin.to_owned();
            let stored = runtime.block_on(self.writer.store(move |store| {
                store.insert_pushed(kind.as_str(), &origin, &tagged, &version)
            }));
            stored.and_then(|r| r).map_err(|e| CommitError {
                message: e.to_string(),
                hint: e.hint(),
            })
        });
        // `/healthz` reports a push that could not be stored, as it does a poll.
        match &result {
            Ok(report) => self.writer.note_outcome(Ok(report.new)),
            Err(IngestError::Store { source, .. }) => {
                self.writer.note_outcome(Err(match &source.hint {
                    Some(hint) => format!("{source} ({hint})"),
                    None => source.to_string(),
                }))
            }
            Err(_) => {}
        }
        result
    }

    fn note_state(&self, source: &SourceId, class: Option<&'static str>, error: &str) {
        let mut states = self
            .last_state
            .lock()
            .expect("state lock is never poisoned");
        let previous = states.insert(source.clone(), class);
        match (previous.flatten(), class) {
            (None, Some(class)) => {
                tracing::warn!(source = %source, class, error, "sumber gagal")
            }
            (Some(before), Some(class)) if before != class => {
                tracing::warn!(source = %source, class, error, "sumber gagal dengan galat lain")
            }
            (Some(before), None) => tracing::info!(source = %source, before, "sumber pulih"),
            _ => tracing::debug!(source = %source, ?class, "poll done"),
        }
    }
}
