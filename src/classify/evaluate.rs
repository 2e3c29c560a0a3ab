//! Running the compiled [`Program`] on one document: scanning each field, then evaluating
//! the topics that have a hit.
//!
//! Per field: the text is folded ([`super::normalize`]); one Aho-Corasick pass finds every
//! text leaf, region name and sentiment word ([`super::matcher`]); stem leaves are looked up
//! word by word (only when some topic uses stems); one `RegexSet` pass finds the regexes.
//! Region names go on to [`super::regions`], sentiment words to [`super::sentiment`]. Then
//! only the topics with a leaf hit (and those whose query holds without one) are evaluated,
//! so the cost per post does not grow with the topics it does not match: a topic holds when
//! one of its `any` terms or `patterns` occurs or its query holds, an `exclude` hit vetoes
//! it, and a broader topic steps aside for a narrower one that holds too.
//!
//! The result is a [`Raw`]: indices and spans only. [`Program::topic_hit`] and its siblings
//! turn it into the [`Match`]es of a [`super::Classification`] only when one is asked for.

use std::cell::RefCell;
use std::ops::Range;

use super::compile::{CExpr, LeafKind, Program, Role};
use super::document::{Document, Field, Match, Rule};
use super::matcher::{self, Owner};
use super::query::FieldName;
use super::regions::{self, Found, NameHit, Placed};
use super::salience;
use super::sara_model;
use super::sentiment::{self, Event, Sentiment, SentimentClass, Weighed};
use super::sentiment_model;
use super::tags::{Clause, ModelVerdict, RegionHit, TopicHit};
use crate::fold::{self, Folded};

/// A leaf found in a field.
#[derive(Debug, Clone)]
pub(super) struct LeafHit {
    leaf: usize,
    field: Field,
    /// Byte offset in the folded field (orders hits).
    start: usize,
    /// Word index range [first, last + 1) in the folded field.
    words: (usize, usize),
    /// Byte range in the original field.
    orig: (usize, usize),
}

/// A topic whose rule held.
#[derive(Debug, Clone)]
pub(super) struct Fired {
    pub(super) topic: usize,
    /// Clauses that held: bit 0 `any`, bit 1 `patterns`, bit 2 `query`, bit 3 the model.
    clauses: u8,
    /// The hits that made it hold, as a range of `Raw::used`.
    used: Range<usize>,
    /// The hit of the exclusion that vetoed it, if one did.
    pub(super) exclusion: Option<usize>,
    /// The narrower topic it stepped aside for, if one matched too.
    pub(super) yielded_to: Option<usize>,
}

impl Fired {
    /// Counted for the post: neither vetoed nor stepped aside.
    pub(super) fn counts(&self) -> bool {
        self.exclusion.is_none() && self.yielded_to.is_none()
    }

    fn clauses(&self) -> Vec<Clause> {
        [Clause::Any, Clause::Patterns, Clause::Query, Clause::Model]
            .into_iter()
            .enumerate()
            .filter(|(i, _)| self.clauses & (1 << i) != 0)
            .map(|(_, c)| c)
            .collect()
    }
}

/// What matching found, as indices and spans; turned into a [`super::Classification`] only
/// when an explanation is wanted.
#[derive(Debug, Default)]
pub(super) struct Raw {
    hits: Vec<LeafHit>,
    /// Topics whose rule held, vetoed ones included.
    pub(super) fired: Vec<Fired>,
    /// Hit indices, in ranges of `Fired::used`.
    used: Vec<usize>,
    pub(super) regions: Vec<Found>,
    sentiment: Vec<Weighed>,
    pub(super) score: f64,
    /// The sentiment model's n-gram evidence, then its probabilities ([`sentiment_model`]).
    evidence: sentiment_model::Evidence,
    pub(super) probabilities: [f64; 3],
    /// What topic models said ([`sara_model`]), for topics whose `model_requires` held.
    pub(super) models: Vec<ModelVerdict>,
    /// @mentions and links of all fields, folded (for `mention:` and `link:`).
    mentions: Vec<String>,
    links: Vec<String>,
}

impl Raw {
    /// The final sentiment class: the model's, which weighs the lexicon's score among its
    /// features.
    pub(super) fn sentiment_class(&self) -> SentimentClass {
        SentimentClass::from_probabilities(self.probabilities)
    }
}

/// What a query is evaluated against.
struct EvalCx<'a> {
    doc: &'a Document<'a>,
    hits: &'a [LeafHit],
    mentions: &'a [String],
    links: &'a [String],
}

impl Program {
    /// The matching itself: leaves, topics, region names and sentiment, as indices and spans.
    pub(super) fn run(&self, doc: &Document<'_>) -> Raw {
        thread_local! {
            /// Buffers every classification on this thread reuses: one folded field and the
            /// automaton's hits.
            static SCRATCH: RefCell<(Folded, Vec<matcher::Hit>)> = Default::default();
        }
        let mut raw = Raw::default();
        SCRATCH.with(|scratch| {
            let (folded, found) = &mut *scratch.borrow_mut();
            for (field, input) in doc.fields() {
                self.normalizer.fold_into(input, folded);
                raw.mentions
                    .extend(folded.mentions.iter().map(|m| fold::fold(m).text));
                raw.links
                    .extend(folded.urls.iter().map(|u| u.to_lowercase()));
                self.terms.find_into(&folded.text, found);
                self.scan_field(field, folded, found, &mut raw);
                sentiment_model::shipped().read(folded, &mut raw.evidence);
            }
        });
        raw.hits
            .sort_unstable_by_key(|h| (h.leaf, h.field as u8, h.start));
        raw.score = sentiment::score(&raw.sentiment);
        raw.probabilities = sentiment_model::shipped().predict(&raw.evidence, raw.score);
        self.evaluate(doc, &mut raw);
        raw
    }

    /// Finds the leaves, region names and sentiment words of one field.
    fn scan_field(&self, field: Field, folded: &Folded, found: &[matcher::Hit], raw: &mut Raw) {
        let mut names: Vec<NameHit> = Vec::new();
        let mut events: Vec<Event> = Vec::new();
        for h in found {
            for &owner in self.terms.owners(h.term) {
                match owner {
                    Owner::Leaf(l) => raw.hits.extend(self.text_hit(l, field, folded, h)),
                    Owner::Region(r, ambiguous) if h.whole => names.push(NameHit {
                        region: Some(r),
                        ambiguous,
                        start: h.start,
                        end: h.end,
                        term: h.term,
                    }),
                    Owner::OtherSense if h.whole => names.push(NameHit {
                        region: None,
                        ambiguous: false,
                        start: h.start,
                        end: h.end,
                        term: h.term,
                    }),
                    Owner::Positive | Owner::Negative | Owner::Negator | Owner::Intensifier
                        if h.whole =>
                    {
                        events.push(Event {
                            words: word_range(folded, h.start, h.end),
                            owner,
                            start: h.start,
                            end: h.end,
                            term: h.term,
                        })
                    }
                    _ => {}
                }
            }
        }
        if !self.stem_index.is_empty() {
            self.stem_hits(field, folded, &mut raw.hits);
        }
        if !self.regex_leaf.is_empty() {
            self.regex_hits(field, folded, &mut raw.hits);
        }
        regions::keep_outermost(field, folded, &names, &mut raw.regions);
        sentiment::weigh(field, folded, &events, &mut raw.sentiment);
    }

    /// The hit of text leaf `leaf`, when it counts: a whole word, or a prefix term's hit
    /// (which matches the whole word it starts).
    fn text_hit(
        &self,
        leaf: usize,
        field: Field,
        folded: &Folded,
        h: &matcher::Hit,
    ) -> Option<LeafHit> {
        let prefix = matches!(self.leaves[leaf].kind, LeafKind::Text { prefix: true });
        if !(h.whole || prefix) {
            return None;
        }
        let end = if prefix && !h.whole {
            word_end(&folded.text, h.end)
        } else {
            h.end
        };
        Some(LeafHit {
            leaf,
            field,
            start: h.start,
            words: word_range(folded, h.start, end),
            orig: folded.original_span(h.start, end),
        })
    }

    /// The stem leaves of one field: runs of words whose stems are a leaf's stems.
    fn stem_hits(&self, field: Field, folded: &Folded, out: &mut Vec<LeafHit>) {
        let stems: Vec<std::borrow::Cow<'_, str>> = folded
            .words
            .iter()
            .map(|&(s, e)| self.stemmer.stem(&folded.text[s as usize..e as usize]))
            .collect();
        for (i, first) in stems.iter().enumerate() {
            let Some(leaves) = self.stem_index.get(first.as_ref()) else {
                continue;
            };
            for &l in leaves {
                let LeafKind::Stem { stems: want } = &self.leaves[l].kind else {
                    continue;
                };
                let n = want.len();
                if i + n <= stems.len() && stems[i..i + n].iter().zip(want).all(|(a, b)| a == b) {
                    let start = folded.words[i].0 as usize;
                    let end = folded.words[i + n - 1].1 as usize;
                    out.push(LeafHit {
                        leaf: l,
                        field,
                        start,
                        words: (i, i + n),
                        orig: folded.original_span(start, end),
                    });
                }
            }
        }
    }

    /// The regex leaves of one field: the set says which match, each of those gives its spans.
    fn regex_hits(&self, field: Field, folded: &Folded, out: &mut Vec<LeafHit>) {
        for idx in self.regex_set.matches(&folded.text).iter() {
            for m in self.regexes[idx].find_iter(&folded.text) {
                if m.start() < m.end() {
                    out.push(LeafHit {
                        leaf: self.regex_leaf[idx],
                        field,
                        start: m.start(),
                        words: word_range(folded, m.start(), m.end()),
                        orig: folded.original_span(m.start(), m.end()),
                    });
                }
            }
        }
    }

    /// Evaluates the topics that have a hit, into `raw.fired`.
    fn evaluate(&self, doc: &Document<'_>, raw: &mut Raw) {
        for t in self.candidates(&raw.hits) {
            if let Some(fired) = self.fire(t, doc, raw) {
                raw.fired.push(fired);
            }
        }
        self.step_aside(&mut raw.fired);
    }

    /// The topics worth evaluating: those with a hit of a leaf other than an exclusion, and
    /// those whose query can hold without one; in topic order.
    fn candidates(&self, hits: &[LeafHit]) -> Vec<usize> {
        let mut candidates: Vec<usize> = hits
            .iter()
            .filter(|h| self.leaves[h.leaf].role != Role::Exclude)
            .map(|h| self.leaves[h.leaf].topic)
            .collect();
        candidates.extend_from_slice(&self.always);
        candidates.sort_unstable();
        candidates.dedup();
        candidates
    }

    /// Evaluates topic `t`: None when its rule does not hold; else it holds, with the hits
    /// that made it hold appended to `raw.used`, sorted and without repeats.
    fn fire(&self, t: usize, doc: &Document<'_>, raw: &mut Raw) -> Option<Fired> {
        let rule = &self.rules[t];
        let hits = &raw.hits;
        let start = raw.used.len();
        let mut clauses = 0u8;
        for (bit, leaves) in [(0, &rule.any), (1, &rule.patterns)] {
            let before = raw.used.len();
            for &l in leaves {
                raw.used.extend(hits_of(hits, l));
            }
            if raw.used.len() > before {
                clauses |= 1 << bit;
            }
        }
        let cx = EvalCx {
            doc,
            hits,
            mentions: &raw.mentions,
            links: &raw.links,
        };
        if let Some(q) = &rule.query
            && let Some(spans) = self.eval(q, &cx, None)
        {
            clauses |= 1 << 2;
            raw.used.extend(spans);
        }
        if let Some(gate) = &rule.model_requires
            && let Some(spans) = self.eval(gate, &cx, None)
        {
            // Run only on posts that name a group: the model never tags a post that names
            // none, and most posts are spared its cost.
            let model = sara_model::shipped();
            let probability = self.model_probability(model, doc);
            let decided = clauses == 0 && probability >= f64::from(model.threshold);
            raw.models.push(ModelVerdict {
                topic: t,
                probability,
                threshold: f64::from(model.threshold),
                decided,
            });
            if decided {
                clauses |= 1 << 3;
                raw.used.extend(spans);
            }
        }
        if clauses == 0 {
            raw.used.truncate(start);
            return None;
        }
        let end = sort_and_dedup_from(&mut raw.used, start);
        let exclusion = rule.exclude.iter().find_map(|&l| hits_of(hits, l).next());
        Some(Fired {
            topic: t,
            clauses,
            used: start..end,
            exclusion,
            yielded_to: None,
        })
    }

    /// A topic model's probability for the whole document, every field folded again (the
    /// matching pass keeps one folded field at a time).
    fn model_probability(&self, model: &sara_model::Model, doc: &Document<'_>) -> f64 {
        let mut ev = sara_model::Evidence::default();
        for (_, input) in doc.fields() {
            model.read(&self.normalizer.fold(input), &mut ev);
        }
        model.probability(&ev)
    }

    /// A broader topic steps aside for a narrower one that matched (and was not vetoed).
    fn step_aside(&self, fired: &mut [Fired]) {
        for i in 0..fired.len() {
            let f = &fired[i];
            if f.exclusion.is_some() || self.narrower[f.topic].is_empty() {
                continue;
            }
            let narrower = fired
                .iter()
                .find(|g| g.exclusion.is_none() && self.narrower[f.topic].contains(&g.topic));
            fired[i].yielded_to = narrower.map(|g| g.topic);
        }
    }

    /// Evaluates a query: None when it does not hold, else the hits that make it hold (empty
    /// for a condition that holds by absence or by a field value).
    fn eval(&self, e: &CExpr, cx: &EvalCx<'_>, field: Option<Field>) -> Option<Vec<usize>> {
        let hits = cx.hits;
        match e {
            CExpr::Leaf(l) => {
                let found: Vec<usize> = hits_of(hits, *l)
                    .filter(|&i| field.is_none_or(|f| hits[i].field == f))
                    .collect();
                (!found.is_empty()).then_some(found)
            }
            CExpr::And(xs) => {
                let mut all = Vec::new();
                for x in xs {
                    all.extend(self.eval(x, cx, field)?);
                }
                Some(all)
            }
            CExpr::Or(xs) => {
                let mut any = None;
                for x in xs {
                    if let Some(found) = self.eval(x, cx, field) {
                        any.get_or_insert_with(Vec::new).extend(found);
                    }
                }
                any
            }
            CExpr::Not(x) => match self.eval(x, cx, field) {
                Some(_) => None,
                None => Some(Vec::new()),
            },
            CExpr::InField(f, x) => self.eval(x, cx, Some(*f)),
            CExpr::Meta(name, want) => meta_holds(*name, want, cx).then(Vec::new),
            CExpr::Near {
                left,
                right,
                within,
                ordered,
            } => {
                let l = self.eval(left, cx, field)?;
                let r = self.eval(right, cx, field)?;
                near(hits, &l, &r, *within as usize, *ordered)
            }
        }
    }

    /// A leaf hit as the words it matched and the rule as written.
    fn leaf_match(&self, doc: &Document<'_>, h: &LeafHit) -> Match {
        let leaf = &self.leaves[h.leaf];
        let rule = match leaf.role {
            Role::Exclude => Rule::Exclude(leaf.written.clone()),
            Role::Pattern => Rule::Pattern(leaf.written.clone()),
            Role::Query if matches!(leaf.kind, LeafKind::Regex) => {
                Rule::Pattern(leaf.written.clone())
            }
            _ => Rule::Term(leaf.written.clone()),
        };
        doc.matched(h.field, h.orig, rule)
    }

    /// The mentions (field, original span) of a fired topic in text order, its hits close
    /// together joined, and how many distinct words its hits are (two terms matching one word
    /// are one).
    pub(super) fn topic_spans(
        &self,
        doc: &Document<'_>,
        raw: &Raw,
        f: &Fired,
    ) -> (Vec<salience::Span>, usize) {
        let mut spans: Vec<salience::Span> = raw.used[f.used.clone()]
            .iter()
            .map(|&i| (raw.hits[i].field, raw.hits[i].orig))
            .collect();
        spans.sort_unstable_by_key(|&(field, span)| (field as u8, span));
        spans.dedup();
        let text = |&(field, (s, e)): &salience::Span| match field {
            Field::Title => &doc.title.unwrap_or("")[s..e],
            Field::Text => &doc.text[s..e],
        };
        let mut words: Vec<&str> = Vec::with_capacity(spans.len());
        for span in &spans {
            let w = text(span);
            if !words.iter().any(|x| x.eq_ignore_ascii_case(w)) {
                words.push(w);
            }
        }
        (mentions(spans), words.len())
    }

    /// A fired topic with its matches in text order, the vetoing exclusion last.
    pub(super) fn topic_hit(&self, doc: &Document<'_>, raw: &Raw, f: &Fired) -> TopicHit {
        let mut matches: Vec<Match> = raw.used[f.used.clone()]
            .iter()
            .map(|&i| self.leaf_match(doc, &raw.hits[i]))
            .collect();
        matches.sort_by_key(|m| (m.field as u8, m.start, m.end));
        if let Some(x) = f.exclusion {
            matches.push(self.leaf_match(doc, &raw.hits[x]));
        }
        TopicHit {
            topic: f.topic,
            clauses: f.clauses(),
            matches,
            salience: None,
        }
    }

    /// Resolved regions with the names that named them.
    pub(super) fn region_hits(
        &self,
        doc: &Document<'_>,
        raw: &Raw,
        placed: Vec<Placed>,
    ) -> Vec<RegionHit> {
        placed
            .into_iter()
            .map(|p| RegionHit {
                region: p.region,
                matches: p
                    .found
                    .iter()
                    .map(|&i| {
                        let f = &raw.regions[i];
                        let rule = Rule::Region(self.terms.term(f.term).to_string());
                        doc.matched(f.field, f.orig, rule)
                    })
                    .collect(),
                inferred: p.inferred,
                salience: None,
            })
            .collect()
    }

    /// The sentiment with each word that counted.
    pub(super) fn sentiment(&self, doc: &Document<'_>, raw: &Raw) -> Sentiment {
        let words = raw
            .sentiment
            .iter()
            .map(|w| {
                let rule = Rule::Sentiment(self.terms.term(w.term).to_string());
                (doc.matched(w.field, w.orig, rule), w.weight)
            })
            .collect();
        Sentiment {
            class: raw.sentiment_class(),
            score: raw.score,
            words,
            lexicon: SentimentClass::from_score(raw.score),
            probabilities: raw.probabilities,
        }
    }
}

/// Joins sorted spans of one field less than [`salience::MENTION_GAP`] bytes apart into one
/// mention each.
fn mentions(spans: Vec<salience::Span>) -> Vec<salience::Span> {
    let mut out: Vec<salience::Span> = Vec::with_capacity(spans.len());
    for (field, (s, e)) in spans {
        match out.last_mut() {
            Some((f, (_, end))) if *f == field && s < *end + salience::MENTION_GAP => {
                *end = (*end).max(e);
            }
            _ => out.push((field, (s, e))),
        }
    }
    out
}

/// Whether a `source:`, `author:`, `lang:`, `mention:` or `link:` condition holds.
fn meta_holds(name: FieldName, want: &str, cx: &EvalCx<'_>) -> bool {
    let matches = |have: &str| match want.strip_suffix('*') {
        Some(prefix) => have.starts_with(prefix),
        None => have == want,
    };
    match name {
        FieldName::Mention => cx.mentions.iter().any(|m| matches(m)),
        FieldName::Link => cx
            .links
            .iter()
            .any(|l| l.contains(want.trim_end_matches('*'))),
        FieldName::Source | FieldName::Author | FieldName::Lang => {
            let have = match name {
                FieldName::Source => cx.doc.source,
                FieldName::Author => cx.doc.author,
                _ => cx.doc.lang,
            };
            let Some(have) = have else {
                return false;
            };
            let have = fold::fold(have).text;
            if name == FieldName::Lang {
                matches(have.split(['-', '_']).next().unwrap_or(""))
            } else {
                matches(&have)
            }
        }
        FieldName::Title | FieldName::Text => false,
    }
}

/// The pairs of hits, one from each side, in one field and at most `within` words apart
/// (`ordered`: the left one first); None when there is none.
fn near(
    hits: &[LeafHit],
    left: &[usize],
    right: &[usize],
    within: usize,
    ordered: bool,
) -> Option<Vec<usize>> {
    let mut out = Vec::new();
    for &a in left {
        for &b in right {
            let (ha, hb) = (&hits[a], &hits[b]);
            if ha.field != hb.field {
                continue;
            }
            let close = if ha.words.1 <= hb.words.0 {
                hb.words.0 - ha.words.1 <= within
            } else if hb.words.1 <= ha.words.0 {
                !ordered && ha.words.0 - hb.words.1 <= within
            } else {
                !ordered
            };
            if close {
                out.push(a);
                out.push(b);
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The hits of one leaf (hits are sorted by leaf).
fn hits_of(hits: &[LeafHit], leaf: usize) -> Range<usize> {
    let start = hits.partition_point(|h| h.leaf < leaf);
    let end = start + hits[start..].partition_point(|h| h.leaf == leaf);
    start..end
}

/// Sorts `used[start..]` and drops repeats; returns the new end.
fn sort_and_dedup_from(used: &mut Vec<usize>, start: usize) -> usize {
    used[start..].sort_unstable();
    let mut end = start;
    for i in start..used.len() {
        if i == start || used[i] != used[end - 1] {
            used[end] = used[i];
            end += 1;
        }
    }
    used.truncate(end);
    end
}

/// The word index range [first, last + 1) of folded bytes `start..end`.
fn word_range(folded: &Folded, start: usize, end: usize) -> (usize, usize) {
    (
        folded.word_at(start),
        folded.word_at(end.saturating_sub(1)) + 1,
    )
}

/// The end of the word that contains byte `at`.
fn word_end(text: &str, at: usize) -> usize {
    text[at..]
        .char_indices()
        .find(|(_, c)| !fold::is_word_char(*c))
        .map_or(text.len(), |(i, _)| at + i)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::super::testing::{BANJIR, classifier, fires, ids, topics_of};
    use crate::classify::{Document, Field, lists};
    use crate::model::TopicId;

    #[test]
    fn a_broader_topic_steps_aside_for_a_narrower_one() {
        let c = classifier(&[
            (
                "ikn",
                "name = \"IKN\"\nany = [\"ikn\"]\nnarrower = [\"ikn-lahan\"]\n",
            ),
            (
                "ikn-lahan",
                "name = \"Lahan IKN\"\nany = [\"ganti rugi\"]\n",
            ),
        ]);
        let ids = |text: &str| -> Vec<String> {
            c.classify(&Document::text(text), None)
                .topics
                .iter()
                .map(|t| c.topics()[t.topic].id.to_string())
                .collect()
        };
        assert_eq!(ids("Progres pembangunan IKN"), ["ikn"]);
        assert_eq!(ids("Ganti rugi lahan IKN belum cair"), ["ikn-lahan"]);
        let r = c.classify(&Document::text("ganti rugi IKN"), None);
        assert_eq!(r.yielded.len(), 1);
        assert_eq!(
            c.tags_for(&Document::text("ganti rugi IKN"), None).topics,
            [TopicId::new("ikn-lahan")]
        );

        let load = |files: &[(&str, &str)]| -> String {
            let files: Vec<(PathBuf, String)> = files
                .iter()
                .map(|(id, t)| {
                    (
                        PathBuf::from(format!("keywords/topics/{id}.toml")),
                        t.to_string(),
                    )
                })
                .collect();
            lists::load_files(&files).unwrap_err().to_string()
        };
        let err = load(&[
            ("a", "name = \"A\"\nany = [\"a\"]\nnarrower = [\"bb\"]\n"),
            ("b", "name = \"B\"\nany = [\"b\"]\n"),
        ]);
        assert!(err.contains("a.toml:3:"), "{err}");
        assert!(err.contains("topik \"bb\" tidak ada"), "{err}");
        let err = load(&[
            ("a", "name = \"A\"\nany = [\"a\"]\nnarrower = [\"b\"]\n"),
            ("b", "name = \"B\"\nany = [\"b\"]\nnarrower = [\"a\"]\n"),
        ]);
        assert!(err.contains("berputar"), "{err}");
    }

    #[test]
    fn topics_with_terms_patterns_exclusions_and_slang() {
        let c = classifier(&[("banjir", BANJIR)]);
        let r = c.classify(
            &Document::text("Warga SEMPAJA kebanjiran, ketinggian air 50 cm"),
            None,
        );
        assert_eq!(ids(&c, &r), ["banjir"]);
        let texts: Vec<&str> = r.topics[0]
            .matches
            .iter()
            .map(|m| m.text.as_str())
            .collect();
        assert_eq!(texts, ["kebanjiran", "ketinggian air 50 cm"]);
        assert!(
            ids(&c, &c.classify(&Document::text("Smd bnjir lg"), None))
                .contains(&"banjir".to_string())
        );
        let r = c.classify(&Document::text("Banjir diskon di mal"), None);
        assert!(r.topics.is_empty());
        assert_eq!(r.vetoed.len(), 1);
        assert!(
            c.classify(&Document::text("pembanjiran"), None)
                .topics
                .is_empty()
        );
        assert!(c.check_examples().is_empty());
    }

    #[test]
    fn titles_are_matched_with_their_own_offsets() {
        let c = classifier(&[("banjir", BANJIR)]);
        let doc = Document {
            title: Some("Banjir lagi"),
            text: "Air naik di Samarinda",
            ..Document::default()
        };
        let r = c.classify(&doc, None);
        assert_eq!(r.topics[0].matches[0].field, Field::Title);
        assert_eq!(r.topics[0].matches[0].start, 0);
        let region = &r.regions[0].matches[0];
        assert_eq!(
            (region.field, region.start, region.end),
            (Field::Text, 12, 21)
        );
    }

    #[test]
    fn boolean_queries() {
        let c = classifier(&[(
            "q",
            r#"
name = "Q"
query = '(banjir OR longsor) AND (samarinda OR sempaja) AND NOT (simulasi OR "latihan evakuasi")'
"#,
        )]);
        assert!(fires(&c, "Banjir di Sempaja pagi ini"));
        assert!(fires(&c, "Longsor lagi, Samarinda siaga"));
        assert!(!fires(&c, "Banjir di Balikpapan"));
        assert!(!fires(&c, "Simulasi banjir di Samarinda"));
        assert!(!fires(&c, "Latihan evakuasi banjir Samarinda"));
        // Lower-case and/or are words, not operators.
        let c = classifier(&[("q", "name = \"Q\"\nquery = 'hujan and angin'\n")]);
        assert!(fires(&c, "hujan and angin"));
        assert!(!fires(&c, "hujan dan angin"));
    }

    #[test]
    fn near_and_ordered_near_count_words_between() {
        let c = classifier(&[(
            "q",
            "name = \"Q\"\nquery = '\"air meluap\" NEAR/3 (sungai OR parit)'\n",
        )]);
        assert!(fires(&c, "air meluap dari sungai Karang Mumus"));
        assert!(fires(&c, "sungai di belakang rumah, air meluap"));
        assert!(fires(&c, "air meluap ke jalan dan parit"));
        assert!(!fires(
            &c,
            "air meluap ke jalan raya di depan pasar dekat parit"
        ));
        let c = classifier(&[("q", "name = \"Q\"\nquery = 'jalan ONEAR/2 rusak'\n")]);
        assert!(fires(&c, "jalan poros rusak"));
        assert!(!fires(&c, "rusak jalan poros"));
        assert!(!fires(&c, "jalan poros menuju desa rusak"));
    }

    #[test]
    fn field_filters() {
        let c = classifier(&[(
            "q",
            "name = \"Q\"\nquery = 'title:banjir AND (source:warta* OR author:humas) AND lang:id'\n",
        )]);
        let doc = |title, source, author| Document {
            title: Some(title),
            text: "isi berita",
            source: Some(source),
            author: Some(author),
            lang: Some("id-ID"),
        };
        assert_eq!(
            topics_of(&c, &doc("Banjir lagi", "warta-mahakam", "Redaksi")),
            ["q"]
        );
        assert_eq!(
            topics_of(&c, &doc("Banjir lagi", "kukar-pos", "Humas")),
            ["q"]
        );
        assert!(topics_of(&c, &doc("Banjir lagi", "kukar-pos", "Redaksi")).is_empty());
        // The term must be in the title, not only in the text.
        let d = Document {
            title: Some("Kabar pagi"),
            text: "banjir di mana-mana",
            source: Some("warta-mahakam"),
            author: None,
            lang: Some("id"),
        };
        assert!(topics_of(&c, &d).is_empty());
    }

    #[test]
    fn prefixes_stems_and_regexes() {
        let c = classifier(&[("p", "name = \"P\"\nany = [\"genang*\"]\n")]);
        assert!(fires(&c, "Genangan di mana-mana"));
        assert!(fires(&c, "jalan tergenang? tidak, genang saja"));
        assert!(!fires(&c, "tergenang"));
        let c = classifier(&[("s", "name = \"S\"\nany = [\"banjir~\", \"rusak~\"]\n")]);
        for text in [
            "Sempaja kebanjiran",
            "rumah dibanjiri air",
            "kerusakan jalan",
            "ada yang merusak",
        ] {
            assert!(fires(&c, text), "{text}");
        }
        assert!(!fires(&c, "pembangunan jalan"));
        let c = classifier(&[(
            "s",
            "name = \"S\"\nstem = true\nany = [\"padam\"]\nexclude = [\"api\"]\n",
        )]);
        assert!(fires(&c, "pemadaman bergilir"));
        assert!(!fires(&c, "pemadaman api oleh petugas"));
        let c = classifier(&[(
            "r",
            "name = \"R\"\nquery = '/tinggi (air )?\\d+ ?cm/ AND banjir'\n",
        )]);
        assert!(fires(&c, "Banjir, tinggi air 80 cm"));
        assert!(!fires(&c, "tinggi air 80 cm"));
    }

    #[test]
    fn normalisation_reaches_the_terms() {
        let c = classifier(&[("b", BANJIR)]);
        for text in [
            "#BanjirSamarinda makin parah",
            "bannnjiiir lagi",
            "BNJIR LG",
        ] {
            assert!(fires(&c, text), "{text}");
        }
        let c = classifier(&[("j", "name = \"J\"\nany = [\"jalan jalan\"]\n")]);
        assert!(fires(&c, "ayo jalan2 ke pantai"));
        // Links and mentions are not text.
        let c = classifier(&[("b", BANJIR)]);
        assert!(!fires(
            &c,
            "lihat https://banjir.example/kebanjiran cc @banjir"
        ));
    }

    #[test]
    fn mentions_and_links_are_fields() {
        let c = classifier(&[(
            "m",
            "name = \"M\"\nquery = 'banjir AND (mention:bpbd* OR link:bpbd.kaltimprov)'\n",
        )]);
        assert!(fires(&c, "Banjir lagi, lapor @BPBD_Kaltim"));
        assert!(fires(&c, "Banjir: https://bpbd.kaltimprov.go.id/info"));
        assert!(!fires(&c, "Banjir lagi, lapor @warga"));
        // The mention itself is not text: "bpbd" as a term does not see it.
        let c = classifier(&[("m", "name = \"M\"\nany = [\"bpbd\"]\n")]);
        assert!(!fires(&c, "lapor @bpbd"));
        assert!(fires(&c, "lapor ke BPBD"));
    }

    #[test]
    fn queries_of_field_filters_alone_fire() {
        let c = classifier(&[("h", "name = \"H\"\nquery = 'source:humas* AND NOT hoaks'\n")]);
        let doc = |source| Document {
            text: "rilis resmi hari ini",
            source: Some(source),
            ..Document::default()
        };
        assert_eq!(topics_of(&c, &doc("humas-pemprov")), ["h"]);
        assert!(topics_of(&c, &doc("warga")).is_empty());
    }

    #[test]
    fn one_topics_stem_term_does_not_break_anothers() {
        let c = classifier(&[
            ("a", "name = \"A\"\nany = [\"tulis~\"]\n"),
            ("b", "name = \"B\"\nany = [\"menulis~\"]\n"),
        ]);
        assert_eq!(
            ids(
                &c,
                &c.classify(&Document::text("warga menulis surat"), None)
            ),
            ["a", "b"]
        );
        assert_eq!(
            ids(&c, &c.classify(&Document::text("tulisan di dinding"), None)),
            ["a", "b"]
        );
    }
}
