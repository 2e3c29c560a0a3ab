//! The classifier: tags a post with topics (regional issues), regions of Kalimantan Timur and a
//! sentiment class, from the keyword lists the analysts edit (`keywords/`).
//!
//! A [`Classifier`] is built once from the lists, is immutable and shared; a new one replaces
//! it when the lists change. The flow, one file each:
//!
//! 1. [`lists`]: the keyword files are read and checked, every error at `file:line:col`
//!    (queries are parsed by [`query`], terms folded by [`normalize`]);
//! 2. `compile`: each topic's `any` terms, `patterns` and `query` become *leaves* (text terms,
//!    stem terms, regexes) and expressions over them, with the region names and sentiment
//!    words in the same Aho-Corasick automaton ([`matcher`]);
//! 3. `evaluate`: per field of a post, one fold, one automaton pass, stem look-ups
//!    ([`stem`]) and one `RegexSet` pass; then only the topics with a hit are evaluated, so
//!    the cost per post does not grow with the topics it does not match. Region names go to
//!    `regions` (longer names win, ambiguous ones need context, parents are added) and
//!    sentiment words to `sentiment` (negators flip, intensifiers double);
//! 4. the result is a [`Classification`] with every match (for [`explain`]) or just the
//!    [`Tags`] the store keeps ([`Classifier::tags`]).
//!
//! A topic matches when one of its `any` terms or `patterns` occurs, or its `query` holds, and
//! none of its `exclude` terms occurs anywhere in the post (an exclusion vetoes); a topic steps
//! aside for a `narrower` one that matches too. The examples inside each topic file are run
//! by [`Classifier::check_examples`] (`examples`).

mod compile;
mod document;
mod evaluate;
mod examples;
pub mod explain;
pub mod language;
pub mod lists;
pub mod matcher;
pub mod normalize;
pub mod query;
mod regions;
mod sentiment;
pub mod sentiment_model;
pub mod stem;
mod tags;
#[cfg(test)]
mod testing;

use std::path::Path;

use compile::Program;
use lists::{Lists, RegionDef, TopicDef};
use normalize::Normalizer;

use crate::model::{Post, RegionId, TopicId};
use crate::stories::Fingerprint;

pub use document::{Document, Field, Match, Rule};
pub use language::Languages;
pub use lists::{ListError, ListErrors};
pub use sentiment::{Sentiment, SentimentClass};
pub use tags::{Classification, Clause, RegionHit, Tags, TopicHit};

/// The compiled keyword lists.
#[derive(Debug, Clone)]
pub struct Classifier {
    /// The topics as loaded; a topic's index here is its index everywhere in the classifier.
    topics: Vec<TopicDef>,
    /// The gazetteer as loaded, indexed the same way.
    regions: Vec<RegionDef>,
    /// What every post is matched with.
    program: Program,
    version: String,
}

impl Classifier {
    /// Loads and compiles every list under `dir`.
    pub fn load(dir: &Path) -> Result<Classifier, ListErrors> {
        Classifier::from_lists(lists::load_dir(dir)?)
    }

    pub fn from_lists(lists: Lists) -> Result<Classifier, ListErrors> {
        let program = Program::compile(&lists)?;
        Ok(Classifier {
            topics: lists.topics,
            regions: lists.regions,
            program,
            version: lists.version,
        })
    }

    /// A hash of the keyword files: stored with each post's tags and printed in the briefing.
    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn topics(&self) -> &[TopicDef] {
        &self.topics
    }

    pub fn regions(&self) -> &[RegionDef] {
        &self.regions
    }

    pub fn topic(&self, id: &TopicId) -> Option<&TopicDef> {
        self.topics.iter().find(|t| &t.id == id)
    }

    pub fn region(&self, id: &RegionId) -> Option<&RegionDef> {
        self.regions.iter().find(|r| &r.id == id)
    }

    /// The normalizer the lists use (for tools that fold text the same way).
    pub fn normalizer(&self) -> &Normalizer {
        &self.program.normalizer
    }

    /// Classifies a document, with everything `--explain` shows. `default_region` is the
    /// source's region, used when the text names none and as context for ambiguous names.
    pub fn classify(
        &self,
        doc: &Document<'_>,
        default_region: Option<&RegionId>,
    ) -> Classification {
        let program = &self.program;
        let raw = program.run(doc);
        let hit = |f| program.topic_hit(doc, &raw, f);
        let placed = regions::resolve(&self.regions, &raw.regions, default_region);
        Classification {
            topics: raw.fired.iter().filter(|f| f.counts()).map(hit).collect(),
            vetoed: raw
                .fired
                .iter()
                .filter(|f| f.exclusion.is_some())
                .map(hit)
                .collect(),
            yielded: raw
                .fired
                .iter()
                .filter_map(|f| Some((hit(f), f.yielded_to?)))
                .collect(),
            regions: program.region_hits(doc, &raw, placed.kept),
            ignored_regions: program.region_hits(doc, &raw, placed.ignored),
            sentiment: program.sentiment(doc, &raw),
        }
    }

    /// Classifies a post and keeps what the store needs, without building the explanation.
    pub fn tags(&self, post: &Post, default_region: Option<&RegionId>) -> Tags {
        Tags {
            text_hash: Some(post.text_hash()),
            ..self.tags_for(&Document::of(post), default_region)
        }
    }

    /// [`Classifier::tags`] for any document.
    pub fn tags_for(&self, doc: &Document<'_>, default_region: Option<&RegionId>) -> Tags {
        let raw = self.program.run(doc);
        let placed = regions::resolve(&self.regions, &raw.regions, default_region).kept;
        let kept = placed.iter().map(|p| &self.regions[p.region]);
        let topics: Vec<TopicId> = raw
            .fired
            .iter()
            .filter(|f| f.counts())
            .map(|f| self.topics[f.topic].id.clone())
            .collect();
        let fingerprint = if topics.is_empty() {
            None
        } else {
            Fingerprint::of(doc.title, doc.text)
        };
        Tags {
            topics,
            regions: kept.clone().map(|r| r.id.clone()).collect(),
            areas: kept
                .filter(|r| regions::is_area(r))
                .map(|r| r.id.clone())
                .collect(),
            sentiment: Some((raw.sentiment_class(), raw.score)),
            fingerprint,
            text_hash: None,
        }
    }
}
