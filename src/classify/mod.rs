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
//! 4. [`salience`] weighs every topic and region by where it stands (title, lead, body;
//!    datelines, "baca juga" lines, routes and organisations' names discounted) and gives it a
//!    role: `primary`, what the post is about and every count uses, or `mentioned`;
//! 5. the result is a [`Classification`] with every match (for [`explain`]) or just the
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
pub mod salience;
pub mod sara_model;
mod sentiment;
pub mod sentiment_model;
pub mod stem;
mod tags;
#[cfg(test)]
mod testing;

use std::path::Path;

use compile::Program;
use lists::{Level, Lists, RegionDef, TopicDef};
use normalize::Normalizer;
use salience::Layout;

use crate::model::{Post, RegionId, TopicId};
use crate::stories::Fingerprint;

pub use document::{Document, Field, Match, Rule};
pub use language::Languages;
pub use lists::{ListError, ListErrors};
pub use salience::{Reason, Role, Salience};
pub use sentiment::{Sentiment, SentimentClass};
pub use tags::{Classification, Clause, ModelVerdict, RegionHit, Tags, TopicHit};

/// The compiled keyword lists.
#[derive(Debug, Clone)]
pub struct Classifier {
    /// The topics as loaded; a topic's index here is its index everywhere in the classifier.
    topics: Vec<TopicDef>,
    /// The gazetteer as loaded, indexed the same way.
    regions: Vec<RegionDef>,
    /// What every post is matched with.
    program: Program,
    /// Each region's parent and its kabupaten/kota (itself for one), as indices into
    /// `regions`: salience walks them for every post that names a place.
    parent: Vec<Option<usize>>,
    area: Vec<Option<usize>>,
    version: String,
}

impl Classifier {
    /// Loads and compiles every list under `dir`.
    pub fn load(dir: &Path) -> Result<Classifier, ListErrors> {
        Classifier::from_lists(lists::load_dir(dir)?)
    }

    pub fn from_lists(lists: Lists) -> Result<Classifier, ListErrors> {
        let program = Program::compile(&lists)?;
        let (parent, area) = region_tree(&lists.regions);
        Ok(Classifier {
            topics: lists.topics,
            regions: lists.regions,
            program,
            parent,
            area,
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
        let layout = self.layout(doc, &raw, &placed.kept);
        let (topic_order, topic_salience) = self.topic_salience(doc, &layout, &raw);
        let region_salience = self.region_salience(doc, &layout, &raw, &placed.kept);
        let counted: Vec<&evaluate::Fired> = raw.fired.iter().filter(|f| f.counts()).collect();
        let mut regions = program.region_hits(doc, &raw, placed.kept);
        for (hit, s) in regions.iter_mut().zip(region_salience) {
            hit.salience = Some(s);
        }
        Classification {
            topics: topic_order
                .into_iter()
                .map(|i| TopicHit {
                    salience: Some(topic_salience[i].clone()),
                    ..hit(counted[i])
                })
                .collect(),
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
            regions,
            ignored_regions: program.region_hits(doc, &raw, placed.ignored),
            sentiment: program.sentiment(doc, &raw),
            models: raw.models.clone(),
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
        let layout = self.layout(doc, &raw, &placed);
        let (order, salience) = self.topic_salience(doc, &layout, &raw);
        let region_salience = self.region_salience(doc, &layout, &raw, &placed);
        let counted: Vec<&evaluate::Fired> = raw.fired.iter().filter(|f| f.counts()).collect();
        let mut topics = Vec::new();
        let mut mentioned_topics = Vec::new();
        for i in order {
            let id = self.topics[counted[i].topic].id.clone();
            if salience[i].primary() {
                topics.push(id);
            } else {
                mentioned_topics.push((id, salience[i].weight));
            }
        }
        let mut regions = Vec::new();
        let mut areas = Vec::new();
        let mut mentioned_regions = Vec::new();
        for (p, s) in placed.iter().zip(&region_salience) {
            let r = &self.regions[p.region];
            if !s.primary() {
                mentioned_regions.push((r.id.clone(), s.weight));
                continue;
            }
            if regions::is_area(r) {
                areas.push(r.id.clone());
            }
            regions.push(r.id.clone());
        }
        let fingerprint = if topics.is_empty() {
            None
        } else {
            Fingerprint::of(doc.title, doc.text)
        };
        Tags {
            topics,
            regions,
            areas,
            mentioned_topics,
            mentioned_regions,
            sentiment: Some((raw.sentiment_class(), raw.score)),
            fingerprint,
            text_hash: None,
        }
    }

    /// Where the document's title, lead and discounted lines are; not worked out for a post
    /// that names no topic and no place (most posts), which has nothing to weigh.
    fn layout(&self, doc: &Document<'_>, raw: &evaluate::Raw, kept: &[regions::Placed]) -> Layout {
        let named =
            raw.fired.iter().any(|f| f.counts()) || kept.iter().any(|p| !p.found.is_empty());
        if named {
            Layout::of(doc)
        } else {
            Layout::default()
        }
    }

    /// The salience of each counted topic (in the order of `raw.fired` without the vetoed and
    /// yielded), and that order sorted for output: primary first, each group most salient
    /// first, ties in list order.
    fn topic_salience(
        &self,
        doc: &Document<'_>,
        layout: &Layout,
        raw: &evaluate::Raw,
    ) -> (Vec<usize>, Vec<Salience>) {
        let counted: Vec<&evaluate::Fired> = raw.fired.iter().filter(|f| f.counts()).collect();
        let mut sums = Vec::with_capacity(counted.len());
        let mut eligible = Vec::with_capacity(counted.len());
        for f in &counted {
            let (spans, distinct) = self.program.topic_spans(doc, raw, f);
            let sum = if spans.is_empty() {
                salience::Sum::neutral()
            } else {
                layout.sum_topic(doc, spans.into_iter())
            };
            let subject = &self.topics[f.topic].subject;
            eligible.push(salience::subject_holds(subject, &sum, distinct));
            sums.push(sum);
        }
        let mut out = salience::decide(&sums, &eligible, salience::TOPIC_SHARE);
        for (s, f) in out.iter_mut().zip(&counted) {
            if let Reason::NotSubject(rule) = &mut s.reason
                && let Some(written) = &self.topics[f.topic].subject_written
            {
                rule.clone_from(written);
            }
        }
        let mut order: Vec<usize> = (0..counted.len()).collect();
        order.sort_by(|&a, &b| {
            out[b]
                .primary()
                .cmp(&out[a].primary())
                .then(out[b].weight.total_cmp(&out[a].weight))
                .then(a.cmp(&b))
        });
        (order, out)
    }

    /// The salience of each kept region: kabupaten/kota (and named places outside any) weigh
    /// their own names and those of the places inside them and compete; a place inside one
    /// takes its role; the province is primary with any primary place, else by its own names;
    /// a region only inferred from the source is primary.
    fn region_salience(
        &self,
        doc: &Document<'_>,
        layout: &Layout,
        raw: &evaluate::Raw,
        kept: &[regions::Placed],
    ) -> Vec<Salience> {
        if kept.iter().all(|p| p.found.is_empty()) {
            return kept
                .iter()
                .map(|_| Salience::inferred(Role::Primary))
                .collect();
        }
        let defs = &self.regions;
        let own: Vec<salience::Sum> = kept
            .iter()
            .map(|p| {
                let spans = p
                    .found
                    .iter()
                    .map(|&i| (raw.regions[i].field, raw.regions[i].orig));
                layout.sum_place(doc, spans)
            })
            .collect();
        let position = |r: usize| kept.iter().position(|q| q.region == r);
        // Each region's sum with the sums of the kept places inside it.
        let mut total = own.clone();
        for (k, p) in kept.iter().enumerate() {
            let ancestors = std::iter::successors(self.parent[p.region], |&a| self.parent[a]);
            for ancestor in ancestors.take(MAX_REGION_DEPTH) {
                if let Some(j) = position(ancestor) {
                    total[j].merge(&own[k]);
                }
            }
        }
        let province = |r: usize| defs[r].level == Level::Provinsi;
        // Competing: the kabupaten/kota, and named places in none (province-wide ones).
        let competing: Vec<usize> = (0..kept.len())
            .filter(|&k| {
                let r = kept[k].region;
                self.area[r] == Some(r) || (!province(r) && self.area[r].is_none())
            })
            .collect();
        let sums: Vec<salience::Sum> = competing.iter().map(|&k| total[k]).collect();
        let decided = salience::decide(&sums, &vec![true; sums.len()], salience::PLACE_SHARE);
        let mut out: Vec<Option<Salience>> = vec![None; kept.len()];
        for (&k, s) in competing.iter().zip(decided) {
            out[k] = Some(s);
        }
        let any_primary = out.iter().flatten().any(Salience::primary);
        for k in 0..kept.len() {
            if out[k].is_some() {
                continue;
            }
            let r = kept[k].region;
            let s = if province(r) {
                let alone = salience::decide(&[total[k]], &[true], salience::PLACE_SHARE).remove(0);
                if any_primary {
                    Salience {
                        role: Role::Primary,
                        weight: total[k].weight,
                        reason: Reason::Inferred,
                    }
                } else {
                    alone
                }
            } else {
                let area = self.area[r].and_then(position);
                let role = area
                    .and_then(|a| out[a].as_ref())
                    .map_or(Role::Mentioned, |s| s.role);
                Salience {
                    role,
                    weight: total[k].weight,
                    reason: Reason::FollowsArea,
                }
            };
            out[k] = Some(s);
        }
        out.into_iter()
            .map(|s| s.unwrap_or(Salience::inferred(Role::Mentioned)))
            .collect()
    }
}

/// Deepest chain of parents followed (loading rejects a cycle; this guards anyway).
const MAX_REGION_DEPTH: usize = 16;

/// Each region's parent, and the kabupaten/kota it lies in (itself for one), as indices.
fn region_tree(regions: &[RegionDef]) -> (Vec<Option<usize>>, Vec<Option<usize>>) {
    let index: std::collections::HashMap<&RegionId, usize> = regions
        .iter()
        .enumerate()
        .map(|(i, r)| (&r.id, i))
        .collect();
    let parent: Vec<Option<usize>> = regions
        .iter()
        .map(|r| r.parent.as_ref().and_then(|p| index.get(p).copied()))
        .collect();
    let area = (0..regions.len())
        .map(|r| {
            std::iter::successors(Some(r), |&i| parent[i])
                .take(MAX_REGION_DEPTH)
                .find(|&i| regions::is_area(&regions[i]))
        })
        .collect();
    (parent, area)
}
