//! What every poller gets for one source: its id, the shared [`Fetcher`] (one HTTP client,
//! one set of per-host limits for the whole process) and, for sources that must choose what to
//! keep from a stream far larger than the region (the Jetstream firehose), a relevance check
//! built from the keyword lists in force.

use std::fmt;
use std::sync::Arc;

use super::http::Fetcher;
use crate::config::Secrets;
use crate::model::SourceId;

#[derive(Debug, Clone)]
pub struct PollCtx {
    pub source: SourceId,
    pub fetcher: Fetcher,
    /// Whether a text is about a watched topic. The daemon builds it from the classifier in
    /// force (so a reload of the lists applies at once); `None` means "nothing is known to be
    /// relevant", and filtering sources then keep only what their own rules select.
    pub relevant: Option<Relevance>,
    /// `[secrets]`, from which a source takes the token or key it names.
    pub secrets: Secrets,
}

/// "Does this text match a topic of the keyword lists?", shared and cheap to clone.
#[derive(Clone)]
pub struct Relevance(Arc<dyn Fn(&str) -> bool + Send + Sync>);

impl Relevance {
    pub fn new(check: impl Fn(&str) -> bool + Send + Sync + 'static) -> Relevance {
        Relevance(Arc::new(check))
    }

    pub fn matches(&self, text: &str) -> bool {
        (self.0)(text)
    }
}

impl fmt::Debug for Relevance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Relevance(..)")
    }
}
