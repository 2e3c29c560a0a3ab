//! [`SharedClassifier`]: the keyword lists in force, shared by every task that classifies, and
//! replaced whole when the lists are reloaded; posts being classified finish on the lists they
//! started with.

use std::sync::{Arc, RwLock};

use crate::classify::{Classifier, Document};
use crate::sources::context::Relevance;

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

    /// Puts `classifier` in force.
    pub fn set(&self, classifier: Arc<Classifier>) {
        *self
            .0
            .write()
            .expect("the classifier lock is never poisoned") = classifier;
    }

    /// The relevance check given to sources that filter a stream by topic: "does the text
    /// match a topic of the lists in force now" (read at each call, so a reload applies at
    /// once).
    pub fn relevance(&self) -> Relevance {
        let shared = self.clone();
        Relevance::new(move |text| {
            !shared
                .get()
                .tags_for(&Document::text(text), None)
                .topics
                .is_empty()
        })
    }
}
