//! Between a poll and the store: classify the batch's posts and commit them, with the cursor
//! and the source's health, through the writer. `pantau run` feeds it from the poll loops;
//! `pantau poll --once` and `pantau demo` call [`Pipeline::commit`] directly, so every path
//! stores the same way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::reload::SharedClassifier;
use crate::model::Attempt;
use crate::model::{RegionId, SourceId};
use crate::sources::poll::{Committed, Polled};
use crate::sources::{Batch, SourceConfig, SourceError};
use crate::store::writer::Writer;
use crate::store::{Failure, Ingest, Write};

/// Classifies and stores poll results.
#[derive(Clone)]
pub struct Pipeline {
    /// The lists in force; a reload swaps them between two batches.
    classifier: SharedClassifier,
    writer: Writer,
    regions: Arc<HashMap<SourceId, Option<RegionId>>>,
    /// Each source's last error class (None = healthy), so that logs report changes of state
    /// rather than every failed round.
    last_state: Arc<Mutex<HashMap<SourceId, Option<&'static str>>>>,
}

impl Pipeline {
    pub fn new(classifier: SharedClassifier, writer: Writer, sources: &[SourceConfig]) -> Pipeline {
        Pipeline {
            classifier,
            writer,
            regions: Arc::new(
                sources
                    .iter()
                    .map(|s| (s.id.clone(), s.region.clone()))
                    .collect(),
            ),
            last_state: Arc::default(),
        }
    }

    /// Commits a poll handed over by a poll loop and answers it.
    pub async fn handle(&self, polled: Polled) {
        let result = self
            .commit(&polled.source, polled.attempt, polled.outcome)
            .await;
        let _ = polled.reply.send(result);
    }

    /// Classifies and commits one poll's outcome.
    pub async fn commit(
        &self,
        source: &SourceId,
        attempt: Attempt,
        outcome: Result<Batch, SourceError>,
    ) -> Result<Committed, String> {
        let write = match outcome {
            Ok(batch) => {
                self.note_state(source, None, "");
                let classifier = self.classifier.get();
                let version = classifier.version().to_string();
                let region = self.regions.get(source).cloned().flatten();
                let Batch {
                    posts,
                    cursor,
                    not_modified,
                    items_found,
                } = batch;
                let tagged = if posts.is_empty() {
                    Vec::new()
                } else {
                    tokio::task::spawn_blocking(move || {
                        let started = std::time::Instant::now();
                        let tagged = posts
                            .into_iter()
                            .map(|mut p| {
                                p.clamp_published();
                                let tags = classifier.tags(&p, region.as_ref());
                                (p, tags)
                            })
                            .collect();
                        crate::metrics::global().observe_classify(started.elapsed());
                        tagged
                    })
                    .await
                    .map_err(|e| format!("klasifikasi gagal: {e}"))?
                };
                Write::Ingest(Ingest {
                    source: source.clone(),
                    posts: tagged,
                    cursor,
                    attempt,
                    items_found,
                    not_modified,
                    keywords_version: version,
                })
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
