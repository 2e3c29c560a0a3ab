//! What classifying returns: the full [`Classification`], with every match and the topics
//! vetoed or set aside (for `--explain`, `--json` and the examples' checks), and the [`Tags`]
//! the store keeps of it. Indices in here (`TopicHit::topic`, `RegionHit::region`) point into
//! the [`super::Classifier`]'s topics and regions.

use serde::Serialize;

use super::document::Match;
use super::salience::Salience;
use super::sentiment::{Sentiment, SentimentClass};
use crate::model::{RegionId, TopicId};
use crate::stories::Fingerprint;

/// The part of a topic's rule that fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Clause {
    Any,
    Patterns,
    Query,
    /// The topic's trained model, with one of its `model_requires` words present.
    Model,
}

impl Clause {
    pub fn as_str(self) -> &'static str {
        match self {
            Clause::Any => "any",
            Clause::Patterns => "patterns",
            Clause::Query => "query",
            Clause::Model => "model",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicHit {
    #[serde(skip)]
    pub topic: usize,
    pub clauses: Vec<Clause>,
    pub matches: Vec<Match>,
    /// Whether the post is about the topic or only names it.
    #[serde(skip)]
    pub salience: Option<Salience>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionHit {
    #[serde(skip)]
    pub region: usize,
    pub matches: Vec<Match>,
    /// Not named in the text: a parent of a named region, or the source's default.
    pub inferred: bool,
    /// Whether the post is about the region or only names it (none for ignored names).
    #[serde(skip)]
    pub salience: Option<Salience>,
}

impl TopicHit {
    /// Whether the post is about the topic (it counts), not only naming it.
    pub fn primary(&self) -> bool {
        self.salience.as_ref().is_none_or(Salience::primary)
    }
}

/// The full result, with everything `--explain` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// The topics that count, primary ones first, each group most salient first.
    pub topics: Vec<TopicHit>,
    /// Topics that would have matched but an `exclude` term vetoed them.
    pub vetoed: Vec<TopicHit>,
    /// Topics that matched but stepped aside for a narrower topic (the second index).
    pub yielded: Vec<(TopicHit, usize)>,
    pub regions: Vec<RegionHit>,
    /// Ambiguous region names found without Kalimantan Timur context, not counted.
    pub ignored_regions: Vec<RegionHit>,
    pub sentiment: Sentiment,
    /// What a topic's trained model said, for each topic with a model whose `model_requires`
    /// words the post holds (the model is not run on other posts).
    pub models: Vec<ModelVerdict>,
}

/// A topic model's probability for a post, and whether it tagged the topic (it does only where
/// the topic's keyword rule did not).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelVerdict {
    pub topic: usize,
    pub probability: f64,
    pub threshold: f64,
    pub decided: bool,
}

/// What the store keeps of a classification.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tags {
    /// The topics the post is about (`primary`), most salient first: what every count uses.
    pub topics: Vec<TopicId>,
    /// Regions the post is about, named or inferred, with their parents.
    pub regions: Vec<RegionId>,
    /// The kabupaten/kota among `regions`: the level hourly counts are kept at.
    pub areas: Vec<RegionId>,
    /// Topics and regions the post names without being about them (`mentioned`), with their
    /// weights: kept for search and `--explain`, never counted.
    pub mentioned_topics: Vec<(TopicId, f32)>,
    pub mentioned_regions: Vec<(RegionId, f32)>,
    pub sentiment: Option<(SentimentClass, f64)>,
    /// The text's fingerprint for story matching ([`crate::stories`]); only posts with a topic
    /// are grouped into stories, so only they have one.
    pub fingerprint: Option<Fingerprint>,
    /// The post's [`crate::model::Post::text_hash`] (its de-duplication key), when
    /// [`super::Classifier::tags`] computed it. It is computed there, on the pollers' threads,
    /// because the store has one writer thread and every microsecond spent on it limits the
    /// whole ingest (folding and hashing the text was a sixteenth of its time); the store
    /// computes it when it is absent.
    pub text_hash: Option<String>,
}
