//! The classifier: tags a post with topics (regional issues), regions of Kalimantan Timur and a
//! sentiment class, from the keyword lists the analysts edit (`keywords/`).
//!
//! A [`Classifier`] is built once from the lists, is immutable and shared; a new one replaces
//! it when the lists change. Building compiles every topic's rule — its `any` terms, `patterns`
//! and `query` — into *leaves* (text terms, stem terms, regexes) and expressions over them.
//! Classifying a post then takes one pass per field:
//!
//! 1. the field is folded ([`normalize`]);
//! 2. one Aho-Corasick pass finds every text leaf, region name and sentiment word
//!    ([`matcher`]); stem leaves are looked up word by word in a hash map (only when some topic
//!    uses stems); one `RegexSet` pass finds the regexes;
//! 3. only the topics with a leaf hit are evaluated, so the cost per post does not grow with
//!    the topics it does not match.
//!
//! The rules:
//! - a topic matches when one of its `any` terms or `patterns` occurs, or its `query` holds,
//!   and none of its `exclude` terms occurs anywhere in the post (an exclusion vetoes);
//! - regions come from names and aliases, a longer name winning over a shorter one inside it;
//!   an ambiguous name counts only when the post, or its source's region, also names an
//!   unambiguous region in the same kabupaten/kota (or the province); each region brings its
//!   parents; failing any, the source's region is used;
//! - sentiment sums positive (+1) and negative (−1) words; a negator up to two words before
//!   flips a word, an intensifier right before or after it doubles it; ≥ 1 positif, between
//!   netral, −1 to −2 berpotensi negatif, ≤ −2 negatif.

pub mod explain;
pub mod lists;
pub mod matcher;
pub mod normalize;
pub mod query;
pub mod stem;

use std::collections::HashSet;
use std::path::Path;

use regex::{Regex, RegexSet};
use serde::Serialize;

use lists::{Level, Lists, RegionDef, TermDef, TopicDef};
use matcher::{Owner, TermSet, TermSetBuilder};
use normalize::{Folded, Normalizer};
use query::{Expr, FieldName};
use stem::Stemmer;

use crate::model::{Post, RegionId, TopicId};
use crate::stories::Fingerprint;

/// Marks a hit of an `other_senses` phrase among the region hits: it hides the names inside it
/// and is not a region itself.
const NO_REGION: usize = usize::MAX;

/// Punctuation that ends a clause: a negator before it does not reach the words after it.
const CLAUSE_BREAKS: &[char] = &[',', '.', ';', ':', '!', '?', '(', ')', '"', '\n'];

pub use lists::{ListError, ListErrors};

/// Which part of a post a match is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Title,
    Text,
}

/// What is classified: a post's fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct Document<'a> {
    pub title: Option<&'a str>,
    pub text: &'a str,
    /// The source id, for `source:` in queries.
    pub source: Option<&'a str>,
    pub author: Option<&'a str>,
    pub lang: Option<&'a str>,
}

impl<'a> Document<'a> {
    pub fn text(text: &'a str) -> Self {
        Document {
            text,
            ..Document::default()
        }
    }

    pub fn of(post: &'a Post) -> Self {
        Document {
            title: post.title.as_deref(),
            text: &post.text,
            source: Some(post.source.as_str()),
            author: post.author.as_deref(),
            lang: post.lang.as_deref(),
        }
    }

    fn fields(&self) -> impl Iterator<Item = (Field, &'a str)> {
        self.title
            .map(|t| (Field::Title, t))
            .into_iter()
            .chain(std::iter::once((Field::Text, self.text)))
    }
}

/// Why something matched: the rule as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// A term of `any` or of the query.
    Term(String),
    Pattern(String),
    Exclude(String),
    Region(String),
    Sentiment(String),
}

/// One occurrence in the input: byte offsets into the field as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    pub field: Field,
    pub start: usize,
    pub end: usize,
    /// The words as written in the input.
    pub text: String,
    #[serde(skip)]
    pub rule: Rule,
}

/// The part of a topic's rule that fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Clause {
    Any,
    Patterns,
    Query,
}

impl Clause {
    pub fn as_str(self) -> &'static str {
        match self {
            Clause::Any => "any",
            Clause::Patterns => "patterns",
            Clause::Query => "query",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicHit {
    #[serde(skip)]
    pub topic: usize,
    pub clauses: Vec<Clause>,
    pub matches: Vec<Match>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionHit {
    #[serde(skip)]
    pub region: usize,
    pub matches: Vec<Match>,
    /// Not named in the text: a parent of a named region, or the source's default.
    pub inferred: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SentimentClass {
    Positif,
    Netral,
    BerpotensiNegatif,
    Negatif,
}

impl SentimentClass {
    pub fn from_score(score: f64) -> Self {
        if score >= 1.0 {
            SentimentClass::Positif
        } else if score > -1.0 {
            SentimentClass::Netral
        } else if score > -2.0 {
            SentimentClass::BerpotensiNegatif
        } else {
            SentimentClass::Negatif
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SentimentClass::Positif => "positif",
            SentimentClass::Netral => "netral",
            SentimentClass::BerpotensiNegatif => "berpotensi_negatif",
            SentimentClass::Negatif => "negatif",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            SentimentClass::Positif,
            SentimentClass::Netral,
            SentimentClass::BerpotensiNegatif,
            SentimentClass::Negatif,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sentiment {
    pub class: SentimentClass,
    pub score: f64,
    /// Each sentiment word with its signed weight after negation and intensifiers.
    #[serde(skip)]
    pub words: Vec<(Match, f64)>,
}

/// The full result, with everything `--explain` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    pub topics: Vec<TopicHit>,
    /// Topics that would have matched but an `exclude` term vetoed them.
    pub vetoed: Vec<TopicHit>,
    /// Topics that matched but stepped aside for a narrower topic (the second index).
    pub yielded: Vec<(TopicHit, usize)>,
    pub regions: Vec<RegionHit>,
    /// Ambiguous region names found without Kalimantan Timur context, not counted.
    pub ignored_regions: Vec<RegionHit>,
    pub sentiment: Sentiment,
}

/// What the store keeps of a classification.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tags {
    pub topics: Vec<TopicId>,
    /// Regions named or inferred, with their parents.
    pub regions: Vec<RegionId>,
    /// The kabupaten/kota among `regions`: the level hourly counts are kept at.
    pub areas: Vec<RegionId>,
    pub sentiment: Option<(SentimentClass, f64)>,
    /// The text's fingerprint for story matching ([`crate::stories`]); only posts with a topic
    /// are grouped into stories, so only they have one.
    pub fingerprint: Option<Fingerprint>,
    /// The post's [`Post::text_hash`] (its de-duplication key), when [`Classifier::tags`]
    /// computed it. It is computed there, on the pollers' threads, because the store has one
    /// writer thread and every microsecond spent on it limits the whole ingest (folding and
    /// hashing the text was a sixteenth of its time); the store computes it when it is absent.
    pub text_hash: Option<String>,
}

// ---- the compiled form -------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Any,
    Exclude,
    Query,
    Pattern,
}

#[derive(Debug, Clone)]
enum LeafKind {
    /// An Aho-Corasick term; `prefix`: it may end inside a word.
    Text { prefix: bool },
    /// Consecutive words with these stems.
    Stem { stems: Vec<String> },
    /// A regex of the shared set.
    Regex,
}

#[derive(Debug, Clone)]
struct Leaf {
    kind: LeafKind,
    topic: usize,
    role: Role,
    /// The term or pattern as written (with `*` or `~`), for explanations.
    written: String,
}

/// A query with its terms replaced by leaf ids.
#[derive(Debug, Clone)]
enum CExpr {
    Leaf(usize),
    And(Vec<CExpr>),
    Or(Vec<CExpr>),
    Not(Box<CExpr>),
    Near {
        left: Box<CExpr>,
        right: Box<CExpr>,
        within: u32,
        ordered: bool,
    },
    InField(Field, Box<CExpr>),
    Meta(FieldName, String),
}

#[derive(Debug, Clone, Default)]
struct TopicRule {
    any: Vec<usize>,
    patterns: Vec<usize>,
    query: Option<CExpr>,
    exclude: Vec<usize>,
}

/// A leaf found in a field.
#[derive(Debug, Clone)]
struct LeafHit {
    leaf: usize,
    field: Field,
    /// Byte offset in the folded field (orders hits).
    start: usize,
    /// Word index range [first, last + 1) in the folded field.
    words: (usize, usize),
    /// Byte range in the original field.
    orig: (usize, usize),
}

/// What a query is evaluated against.
struct EvalCx<'a> {
    doc: &'a Document<'a>,
    hits: &'a [LeafHit],
    mentions: &'a [String],
    links: &'a [String],
}

/// A sentiment word, negator or intensifier found in a field.
struct Event {
    /// Word index range in the folded field.
    words: (usize, usize),
    owner: Owner,
    /// Byte range in the folded field.
    start: usize,
    end: usize,
    term: usize,
}

/// A region name or sentiment word found in a field.
#[derive(Debug, Clone)]
struct Found {
    region: usize,
    ambiguous: bool,
    field: Field,
    /// Byte range in the original field.
    orig: (usize, usize),
    /// The Aho-Corasick term that matched (its folded text names the rule).
    term: usize,
}

/// A topic whose rule held.
#[derive(Debug, Clone)]
struct Fired {
    topic: usize,
    /// Clauses that held: bit 0 `any`, bit 1 `patterns`, bit 2 `query`.
    clauses: u8,
    /// The hits that made it hold, as a range of `Raw::used`.
    used: std::ops::Range<usize>,
    /// The hit of the exclusion that vetoed it, if one did.
    exclusion: Option<usize>,
    /// The narrower topic it stepped aside for, if one matched too.
    yielded_to: Option<usize>,
}

impl Fired {
    /// Counted for the post: neither vetoed nor stepped aside.
    fn counts(&self) -> bool {
        self.exclusion.is_none() && self.yielded_to.is_none()
    }
}

impl Fired {
    fn clauses(&self) -> Vec<Clause> {
        [Clause::Any, Clause::Patterns, Clause::Query]
            .into_iter()
            .enumerate()
            .filter(|(i, _)| self.clauses & (1 << i) != 0)
            .map(|(_, c)| c)
            .collect()
    }
}

/// What matching found, as indices and spans; turned into a [`Classification`] only when an
/// explanation is wanted.
#[derive(Debug, Default)]
struct Raw {
    hits: Vec<LeafHit>,
    /// Topics whose rule held, vetoed ones included.
    fired: Vec<Fired>,
    /// Hit indices, in ranges of `Fired::used`.
    used: Vec<usize>,
    regions: Vec<Found>,
    sentiment: Vec<(Found, f64)>,
    score: f64,
    /// @mentions and links of all fields, folded (for `mention:` and `link:`).
    mentions: Vec<String>,
    links: Vec<String>,
}

/// The compiled keyword lists.
#[derive(Debug, Clone)]
pub struct Classifier {
    topics: Vec<TopicDef>,
    rules: Vec<TopicRule>,
    leaves: Vec<Leaf>,
    regions: Vec<RegionDef>,
    normalizer: Normalizer,
    stemmer: Stemmer,
    terms: TermSet,
    /// First stem of a stem leaf → the leaves starting with it.
    stem_index: rustc_hash::FxHashMap<String, Vec<usize>>,
    regex_set: RegexSet,
    regexes: Vec<Regex>,
    regex_leaf: Vec<usize>,
    /// Topics looked at for every post (their query can hold without a term).
    always: Vec<usize>,
    /// Per topic, the narrower topics it steps aside for.
    narrower: Vec<Vec<usize>>,
    version: String,
}

/// Patterns run on folded text (lower case, no accents) and ignore case anyway, so that an
/// analyst's `Ketinggian Air` works too.
pub(crate) fn compile_pattern(p: &str) -> Result<Regex, regex::Error> {
    regex::RegexBuilder::new(p)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
}

/// Collects leaves while the lists are compiled.
struct Compiler<'a> {
    stemmer: &'a Stemmer,
    builder: TermSetBuilder,
    leaves: Vec<Leaf>,
    stem_index: rustc_hash::FxHashMap<String, Vec<usize>>,
    regex_sources: Vec<String>,
    regex_leaf: Vec<usize>,
}

impl Compiler<'_> {
    fn term(&mut self, topic: usize, role: Role, term: &query::Term, folded: &[String]) -> usize {
        let id = self.leaves.len();
        let mut written = term.written.clone();
        let kind = if term.stem {
            written.push('~');
            let stems: Vec<String> = folded
                .iter()
                .map(|w| self.stemmer.stem(w).into_owned())
                .collect();
            self.stem_index
                .entry(stems[0].clone())
                .or_default()
                .push(id);
            LeafKind::Stem { stems }
        } else {
            if term.prefix {
                written.push('*');
            }
            self.builder.add(&folded.join(" "), Owner::Leaf(id));
            LeafKind::Text {
                prefix: term.prefix,
            }
        };
        self.leaves.push(Leaf {
            kind,
            topic,
            role,
            written,
        });
        id
    }

    fn regex(&mut self, topic: usize, role: Role, pattern: &str) -> usize {
        let id = self.leaves.len();
        self.regex_sources.push(pattern.to_string());
        self.regex_leaf.push(id);
        self.leaves.push(Leaf {
            kind: LeafKind::Regex,
            topic,
            role,
            written: pattern.to_string(),
        });
        id
    }

    fn expr(&mut self, topic: usize, e: &Expr) -> CExpr {
        match e {
            Expr::Term(t, _) => {
                let words = t.words.clone();
                CExpr::Leaf(self.term(topic, Role::Query, t, &words))
            }
            Expr::Regex(r, _) => CExpr::Leaf(self.regex(topic, Role::Query, r)),
            Expr::And(xs) => CExpr::And(xs.iter().map(|x| self.expr(topic, x)).collect()),
            Expr::Or(xs) => CExpr::Or(xs.iter().map(|x| self.expr(topic, x)).collect()),
            Expr::Not(x) => CExpr::Not(Box::new(self.expr(topic, x))),
            Expr::Near {
                left,
                right,
                within,
                ordered,
            } => CExpr::Near {
                left: Box::new(self.expr(topic, left)),
                right: Box::new(self.expr(topic, right)),
                within: *within,
                ordered: *ordered,
            },
            Expr::InField(f, x) => {
                let field = if *f == FieldName::Title {
                    Field::Title
                } else {
                    Field::Text
                };
                CExpr::InField(field, Box::new(self.expr(topic, x)))
            }
            Expr::Meta(f, v) => CExpr::Meta(*f, v.clone()),
        }
    }
}

/// Every folded word of a term list.
fn words_of(terms: &[TermDef]) -> impl Iterator<Item = &str> {
    terms
        .iter()
        .flat_map(|t| t.folded.iter().map(String::as_str))
}

fn expr_terms<'a>(e: &'a Expr, out: &mut Vec<&'a query::Term>) {
    for leaf in e.leaves() {
        if let Expr::Term(t, _) = leaf {
            out.push(t);
        }
    }
}

impl Classifier {
    /// Loads and compiles every list under `dir`.
    pub fn load(dir: &Path) -> Result<Classifier, ListErrors> {
        Classifier::from_lists(lists::load_dir(dir)?)
    }

    pub fn from_lists(lists: Lists) -> Result<Classifier, ListErrors> {
        // The stemmer learns the roots the analysts wrote stem terms with.
        let mut stem_words: Vec<String> = Vec::new();
        let mut vocabulary: HashSet<String> = HashSet::new();
        for topic in &lists.topics {
            let mut query_terms = Vec::new();
            if let Some(q) = &topic.query {
                expr_terms(&q.expr, &mut query_terms);
            }
            for t in topic.any.iter().chain(&topic.exclude) {
                vocabulary.extend(t.folded.iter().cloned());
                if t.term.stem {
                    stem_words.extend(t.folded.iter().cloned());
                }
            }
            for t in query_terms {
                vocabulary.extend(t.words.iter().cloned());
                if t.stem {
                    stem_words.extend(t.words.iter().cloned());
                }
            }
        }
        for r in &lists.regions {
            vocabulary.extend(r.names.iter().flat_map(|n| n.term.folded.iter().cloned()));
        }
        let s = &lists.sentiment;
        for list in [&s.positive, &s.negative, &s.negators, &s.intensifiers] {
            vocabulary.extend(words_of(list).map(str::to_owned));
        }
        vocabulary.extend(
            lists
                .slang
                .values()
                .flat_map(|v| v.split(' ').map(str::to_owned)),
        );
        // The roots are the stem terms' own stems, taken with the built-in repairs, so that one
        // topic's `menulis~` (Snowball: "ulis") cannot teach the stemmer a wrong root that
        // breaks another topic's `tulis~`.
        let base = Stemmer::new(std::iter::empty());
        let roots: Vec<String> = stem_words
            .iter()
            .map(|w| base.stem(w).into_owned())
            .collect();
        let stemmer = Stemmer::new(roots.iter().map(String::as_str));
        let normalizer = Normalizer::new(lists.slang.clone(), vocabulary);

        let mut c = Compiler {
            stemmer: &stemmer,
            builder: TermSetBuilder::default(),
            leaves: Vec::new(),
            stem_index: Default::default(),
            regex_sources: Vec::new(),
            regex_leaf: Vec::new(),
        };
        let mut rules = Vec::with_capacity(lists.topics.len());
        for (i, topic) in lists.topics.iter().enumerate() {
            let any = topic
                .any
                .iter()
                .map(|t| c.term(i, Role::Any, &t.term, &t.folded))
                .collect();
            let exclude = topic
                .exclude
                .iter()
                .map(|t| c.term(i, Role::Exclude, &t.term, &t.folded))
                .collect();
            let patterns = topic
                .patterns
                .iter()
                .map(|p| c.regex(i, Role::Pattern, &p.written))
                .collect();
            let query = topic.query.as_ref().map(|q| c.expr(i, &q.expr));
            rules.push(TopicRule {
                any,
                patterns,
                query,
                exclude,
            });
        }
        for (i, region) in lists.regions.iter().enumerate() {
            for name in &region.names {
                c.builder.add(
                    &name.term.folded.join(" "),
                    Owner::Region(i, name.ambiguous),
                );
            }
            for phrase in &region.other_senses {
                c.builder.add(&phrase.folded.join(" "), Owner::OtherSense);
            }
        }
        for (list, owner) in [
            (&s.positive, Owner::Positive),
            (&s.negative, Owner::Negative),
            (&s.negators, Owner::Negator),
            (&s.intensifiers, Owner::Intensifier),
        ] {
            for t in list {
                c.builder.add(&t.folded.join(" "), owner);
            }
        }
        let build_error = |message: String| {
            ListErrors(vec![ListError {
                path: "keywords".into(),
                line: 1,
                col: 1,
                message,
                hint: None,
                context: None,
            }])
        };
        let Compiler {
            builder,
            leaves,
            stem_index,
            regex_sources,
            regex_leaf,
            ..
        } = c;
        let terms = builder
            .build()
            .map_err(|e| build_error(format!("daftar istilah tidak bisa disusun: {e}")))?;
        let regex_set = regex::RegexSetBuilder::new(&regex_sources)
            .case_insensitive(true)
            .size_limit(64 << 20)
            .build()
            .map_err(|e| build_error(format!("pola regex tidak bisa disusun: {e}")))?;
        let regexes = regex_sources
            .iter()
            .map(|p| compile_pattern(p))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| build_error(format!("pola regex tidak valid: {e}")))?;
        let always = lists
            .topics
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                t.query
                    .as_ref()
                    .is_some_and(|q| q.expr.holds_without_terms())
            })
            .map(|(i, _)| i)
            .collect();
        let narrower = lists
            .topics
            .iter()
            .map(|t| {
                t.narrower
                    .iter()
                    .filter_map(|(n, ..)| lists.topics.iter().position(|o| &o.id == n))
                    .collect()
            })
            .collect();
        Ok(Classifier {
            always,
            narrower,
            topics: lists.topics,
            rules,
            leaves,
            regions: lists.regions,
            normalizer,
            stemmer,
            terms,
            stem_index,
            regex_set,
            regexes,
            regex_leaf,
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
        &self.normalizer
    }

    fn region_index(&self, id: &RegionId) -> Option<usize> {
        self.regions.iter().position(|r| &r.id == id)
    }

    /// Classifies a document, with everything `--explain` shows. `default_region` is the
    /// source's region, used when the text names none and as context for ambiguous names.
    pub fn classify(
        &self,
        doc: &Document<'_>,
        default_region: Option<&RegionId>,
    ) -> Classification {
        let raw = self.run(doc);
        let input = |field: Field| match field {
            Field::Title => doc.title.unwrap_or(""),
            Field::Text => doc.text,
        };
        let found_match = |f: &Found, rule: Rule| {
            let (s, e) = f.orig;
            Match {
                field: f.field,
                start: s,
                end: e,
                text: input(f.field)[s..e].to_string(),
                rule,
            }
        };
        let topic_hit = |f: &Fired| {
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
            }
        };
        let topics = raw
            .fired
            .iter()
            .filter(|f| f.counts())
            .map(topic_hit)
            .collect();
        let yielded = raw
            .fired
            .iter()
            .filter_map(|f| Some((topic_hit(f), f.yielded_to?)))
            .collect();
        let vetoed = raw
            .fired
            .iter()
            .filter(|f| f.exclusion.is_some())
            .map(topic_hit)
            .collect();
        let (kept, ignored) = self.resolve_regions(&raw.regions, default_region);
        let to_hits = |list: Vec<(usize, Vec<usize>, bool)>| -> Vec<RegionHit> {
            list.into_iter()
                .map(|(region, found, inferred)| RegionHit {
                    region,
                    matches: found
                        .iter()
                        .map(|&i| {
                            let f = &raw.regions[i];
                            found_match(f, Rule::Region(self.terms.term(f.term).to_string()))
                        })
                        .collect(),
                    inferred,
                })
                .collect()
        };
        let words = raw
            .sentiment
            .iter()
            .map(|(f, w)| {
                (
                    found_match(f, Rule::Sentiment(self.terms.term(f.term).to_string())),
                    *w,
                )
            })
            .collect();
        Classification {
            topics,
            vetoed,
            yielded,
            regions: to_hits(kept),
            ignored_regions: to_hits(ignored),
            sentiment: Sentiment {
                class: SentimentClass::from_score(raw.score),
                score: raw.score,
                words,
            },
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
        let raw = self.run(doc);
        let (regions, _) = self.resolve_regions(&raw.regions, default_region);
        let region_ids: Vec<RegionId> = regions
            .iter()
            .map(|(r, _, _)| self.regions[*r].id.clone())
            .collect();
        let areas = regions
            .iter()
            .filter(|(r, _, _)| matches!(self.regions[*r].level, Level::Kabupaten | Level::Kota))
            .map(|(r, _, _)| self.regions[*r].id.clone())
            .collect();
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
            regions: region_ids,
            areas,
            sentiment: Some((SentimentClass::from_score(raw.score), raw.score)),
            fingerprint,
            text_hash: None,
        }
    }

    /// The matching itself: leaves, topics, region names and sentiment, as indices and spans.
    fn run(&self, doc: &Document<'_>) -> Raw {
        thread_local! {
            /// Buffers every classification on this thread reuses: one folded field and the
            /// automaton's hits.
            static SCRATCH: std::cell::RefCell<(Folded, Vec<matcher::Hit>)> = Default::default();
        }
        let mut raw = Raw::default();
        SCRATCH.with(|scratch| {
            let (folded, found) = &mut *scratch.borrow_mut();
            for (field, input) in doc.fields() {
                self.normalizer.fold_into(input, folded);
                raw.mentions
                    .extend(folded.mentions.iter().map(|m| normalize::fold(m).text));
                raw.links
                    .extend(folded.urls.iter().map(|u| u.to_lowercase()));
                self.terms.find_into(&folded.text, found);
                self.scan_field(field, folded, found, &mut raw);
            }
        });
        raw.hits
            .sort_unstable_by_key(|h| (h.leaf, h.field as u8, h.start));
        raw.score = raw.sentiment.iter().fold(0.0, |acc, (_, w)| acc + w);
        self.evaluate(doc, &mut raw);
        raw
    }

    /// Finds the leaves, region names and sentiment words of one field.
    fn scan_field(&self, field: Field, folded: &Folded, found: &[matcher::Hit], raw: &mut Raw) {
        let words_of = |start: usize, end: usize| {
            (
                folded.word_at(start),
                folded.word_at(end.saturating_sub(1)) + 1,
            )
        };
        let mut field_regions: Vec<(usize, bool, usize, usize, usize)> = Vec::new();
        let mut events: Vec<Event> = Vec::new();
        for h in found {
            for owner in self.terms.owners(h.term) {
                match *owner {
                    Owner::Leaf(l) => {
                        let prefix = matches!(self.leaves[l].kind, LeafKind::Text { prefix: true });
                        if h.whole || prefix {
                            // A prefix term matches the whole word it starts.
                            let end = if prefix && !h.whole {
                                word_end(&folded.text, h.end)
                            } else {
                                h.end
                            };
                            raw.hits.push(LeafHit {
                                leaf: l,
                                field,
                                start: h.start,
                                words: words_of(h.start, end),
                                orig: folded.original_span(h.start, end),
                            });
                        }
                    }
                    Owner::Region(r, ambiguous) if h.whole => {
                        field_regions.push((r, ambiguous, h.start, h.end, h.term))
                    }
                    Owner::OtherSense if h.whole => {
                        field_regions.push((NO_REGION, false, h.start, h.end, h.term))
                    }
                    Owner::Positive | Owner::Negative | Owner::Negator | Owner::Intensifier
                        if h.whole =>
                    {
                        events.push(Event {
                            words: words_of(h.start, h.end),
                            owner: *owner,
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
                    if i + n <= stems.len() && stems[i..i + n].iter().zip(want).all(|(a, b)| a == b)
                    {
                        let start = folded.words[i].0 as usize;
                        let end = folded.words[i + n - 1].1 as usize;
                        raw.hits.push(LeafHit {
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
        if !self.regex_leaf.is_empty() {
            for idx in self.regex_set.matches(&folded.text).iter() {
                for m in self.regexes[idx].find_iter(&folded.text) {
                    if m.start() < m.end() {
                        raw.hits.push(LeafHit {
                            leaf: self.regex_leaf[idx],
                            field,
                            start: m.start(),
                            words: words_of(m.start(), m.end()),
                            orig: folded.original_span(m.start(), m.end()),
                        });
                    }
                }
            }
        }
        // Region names: a hit inside a longer region hit, or inside a phrase where the name
        // means something else, does not count.
        for &(r, ambiguous, start, end, term) in &field_regions {
            if r == NO_REGION {
                continue;
            }
            let inside_longer = field_regions
                .iter()
                .any(|&(_, _, s, e, _)| s <= start && end <= e && (e - s) > (end - start));
            if !inside_longer {
                raw.regions.push(Found {
                    region: r,
                    ambiguous,
                    field,
                    orig: folded.original_span(start, end),
                    term,
                });
            }
        }
        // Sentiment words, with negators before them and intensifiers next to them.
        for ev in &events {
            let ((w0, w1), start, end) = (ev.words, ev.start, ev.end);
            let base = match ev.owner {
                Owner::Positive => 1.0,
                Owner::Negative => -1.0,
                _ => continue,
            };
            let inside_longer = events.iter().any(|o| {
                matches!(o.owner, Owner::Positive | Owner::Negative)
                    && o.start <= start
                    && end <= o.end
                    && (o.end - o.start) > (end - start)
            });
            if inside_longer {
                continue;
            }
            // A negator reaches over at most one word, and never across punctuation: in "air
            // gak ngalir, kapan diperbaiki" the "gak" says nothing about "diperbaiki".
            let negated = events.iter().any(|n| {
                n.owner == Owner::Negator
                    && n.words.1 <= w0
                    && w0 - n.words.1 <= 1
                    && !folded.text[n.end..start].contains(CLAUSE_BREAKS)
            });
            let intensified = events
                .iter()
                .any(|i| i.owner == Owner::Intensifier && (i.words.1 == w0 || i.words.0 == w1));
            let weight =
                base * if intensified { 2.0 } else { 1.0 } * if negated { -1.0 } else { 1.0 };
            let found = Found {
                region: 0,
                ambiguous: false,
                field,
                orig: folded.original_span(start, end),
                term: ev.term,
            };
            raw.sentiment.push((found, weight));
        }
    }

    /// The hits of one leaf (hits are sorted by leaf).
    fn hits_of(hits: &[LeafHit], leaf: usize) -> std::ops::Range<usize> {
        let start = hits.partition_point(|h| h.leaf < leaf);
        let end = start + hits[start..].partition_point(|h| h.leaf == leaf);
        start..end
    }

    /// Evaluates the topics that have a hit, into `raw.fired`.
    fn evaluate(&self, doc: &Document<'_>, raw: &mut Raw) {
        let hits = &raw.hits;
        let mut candidates: Vec<usize> = hits
            .iter()
            .filter(|h| self.leaves[h.leaf].role != Role::Exclude)
            .map(|h| self.leaves[h.leaf].topic)
            .collect();
        candidates.extend_from_slice(&self.always);
        candidates.sort_unstable();
        candidates.dedup();
        for t in candidates {
            let rule = &self.rules[t];
            let start = raw.used.len();
            let mut clauses = 0u8;
            for (bit, leaves) in [(0, &rule.any), (1, &rule.patterns)] {
                let before = raw.used.len();
                for &l in leaves {
                    raw.used.extend(Self::hits_of(hits, l));
                }
                if raw.used.len() > before {
                    clauses |= 1 << bit;
                }
            }
            if let Some(q) = &rule.query
                && let Some(spans) = self.eval(
                    q,
                    &EvalCx {
                        doc,
                        hits,
                        mentions: &raw.mentions,
                        links: &raw.links,
                    },
                    None,
                )
            {
                clauses |= 1 << 2;
                raw.used.extend(spans);
            }
            if clauses == 0 {
                raw.used.truncate(start);
                continue;
            }
            raw.used[start..].sort_unstable();
            let mut end = start;
            for i in start..raw.used.len() {
                if i == start || raw.used[i] != raw.used[end - 1] {
                    raw.used[end] = raw.used[i];
                    end += 1;
                }
            }
            raw.used.truncate(end);
            let exclusion = rule
                .exclude
                .iter()
                .find_map(|&l| Self::hits_of(hits, l).next());
            raw.fired.push(Fired {
                topic: t,
                clauses,
                used: start..end,
                exclusion,
                yielded_to: None,
            });
        }
        // A broader topic steps aside for a narrower one that matched (and was not vetoed).
        for i in 0..raw.fired.len() {
            let f = &raw.fired[i];
            if f.exclusion.is_some() || self.narrower[f.topic].is_empty() {
                continue;
            }
            let narrower = raw
                .fired
                .iter()
                .find(|g| g.exclusion.is_none() && self.narrower[f.topic].contains(&g.topic));
            raw.fired[i].yielded_to = narrower.map(|g| g.topic);
        }
    }

    fn leaf_match(&self, doc: &Document<'_>, h: &LeafHit) -> Match {
        let leaf = &self.leaves[h.leaf];
        let input = match h.field {
            Field::Title => doc.title.unwrap_or(""),
            Field::Text => doc.text,
        };
        let rule = match leaf.role {
            Role::Exclude => Rule::Exclude(leaf.written.clone()),
            Role::Pattern => Rule::Pattern(leaf.written.clone()),
            Role::Query if matches!(leaf.kind, LeafKind::Regex) => {
                Rule::Pattern(leaf.written.clone())
            }
            _ => Rule::Term(leaf.written.clone()),
        };
        Match {
            field: h.field,
            start: h.orig.0,
            end: h.orig.1,
            text: input[h.orig.0..h.orig.1].to_string(),
            rule,
        }
    }

    /// Evaluates a query: None when it does not hold, else the hits that make it hold (empty
    /// for a condition that holds by absence or by a field value).
    fn eval(&self, e: &CExpr, cx: &EvalCx<'_>, field: Option<Field>) -> Option<Vec<usize>> {
        let hits = cx.hits;
        match e {
            CExpr::Leaf(l) => {
                let found: Vec<usize> = Self::hits_of(hits, *l)
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
            CExpr::Meta(name, want) => {
                let matches = |have: &str| match want.strip_suffix('*') {
                    Some(prefix) => have.starts_with(prefix),
                    None => have == want,
                };
                let ok = match name {
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
                        }?;
                        let have = normalize::fold(have).text;
                        if *name == FieldName::Lang {
                            matches(have.split(['-', '_']).next().unwrap_or(""))
                        } else {
                            matches(&have)
                        }
                    }
                    FieldName::Title | FieldName::Text => false,
                };
                ok.then(Vec::new)
            }
            CExpr::Near {
                left,
                right,
                within,
                ordered,
            } => {
                let l = self.eval(left, cx, field)?;
                let r = self.eval(right, cx, field)?;
                let mut out = Vec::new();
                for &a in &l {
                    for &b in &r {
                        let (ha, hb) = (&hits[a], &hits[b]);
                        if ha.field != hb.field {
                            continue;
                        }
                        let close = if ha.words.1 <= hb.words.0 {
                            hb.words.0 - ha.words.1 <= *within as usize
                        } else if hb.words.1 <= ha.words.0 {
                            !ordered && ha.words.0 - hb.words.1 <= *within as usize
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
        }
    }

    /// Region `r` and its parents, nearest first.
    fn lineage(&self, r: usize) -> impl Iterator<Item = usize> + '_ {
        // The depth bound guards against a cycle, which loading already rejects.
        std::iter::successors(Some(r), |&i| {
            self.regions[i]
                .parent
                .as_ref()
                .and_then(|p| self.region_index(p))
        })
        .take(16)
    }

    /// Whether two regions lie in one part of the province: both in the same kabupaten/kota,
    /// or one of them province-wide (the province itself, the Mahakam river).
    fn same_area(&self, a: usize, b: usize) -> bool {
        let area = |r: usize| {
            self.lineage(r)
                .find(|&i| matches!(self.regions[i].level, Level::Kabupaten | Level::Kota))
        };
        match (area(a), area(b)) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        }
    }

    /// Keeps ambiguous names only with context and adds parents (or the default region).
    /// Returns (region, indices into `found`, inferred) for the regions kept and ignored.
    #[allow(clippy::type_complexity)]
    fn resolve_regions(
        &self,
        found: &[Found],
        default_region: Option<&RegionId>,
    ) -> (
        Vec<(usize, Vec<usize>, bool)>,
        Vec<(usize, Vec<usize>, bool)>,
    ) {
        let default = default_region.and_then(|id| self.region_index(id));
        // Context for an ambiguous name: an unambiguous name, or the source's region, in the
        // same part of the province ("Batu Ampar, Balikpapan" is not Batu Ampar in Kutai Timur).
        let confirmed = |r: usize| {
            default.is_some_and(|d| self.same_area(d, r))
                || found
                    .iter()
                    .any(|g| !g.ambiguous && self.same_area(g.region, r))
        };
        let mut kept: Vec<(usize, Vec<usize>, bool)> = Vec::new();
        let mut ignored: Vec<(usize, Vec<usize>, bool)> = Vec::new();
        for (i, f) in found.iter().enumerate() {
            let list = if f.ambiguous && !confirmed(f.region) {
                &mut ignored
            } else {
                &mut kept
            };
            match list.iter_mut().find(|(r, _, _)| *r == f.region) {
                Some((_, idx, _)) => idx.push(i),
                None => list.push((f.region, vec![i], false)),
            }
        }
        kept.sort_by_key(|(r, _, _)| *r);
        if kept.is_empty()
            && let Some(idx) = default
        {
            kept.push((idx, Vec::new(), true));
        }
        // Parents, once each, marked inferred.
        let mut i = 0;
        while i < kept.len() {
            let mut at = self.regions[kept[i].0].parent.as_ref();
            let mut guard = 0;
            while let Some(pid) = at {
                guard += 1;
                let Some(p) = self.region_index(pid) else {
                    break;
                };
                if guard > 16 {
                    break;
                }
                if !kept.iter().any(|(r, _, _)| *r == p) {
                    kept.push((p, Vec::new(), true));
                }
                at = self.regions[p].parent.as_ref();
            }
            i += 1;
        }
        (kept, ignored)
    }

    /// Runs every topic's examples; each failure is an error at the example's line.
    pub fn check_examples(&self) -> Vec<ListError> {
        let mut errors = Vec::new();
        for (i, topic) in self.topics.iter().enumerate() {
            let doc = |e: &lists::Example| -> Classification {
                let p = &e.post;
                let d = Document {
                    title: p.title.as_deref(),
                    text: &p.text,
                    source: p.source.as_deref(),
                    author: p.author.as_deref(),
                    lang: p.lang.as_deref(),
                };
                self.classify(&d, None)
            };
            for ex in &topic.examples_match {
                let c = doc(ex);
                if !c.topics.iter().any(|t| t.topic == i) {
                    let vetoed = c.vetoed.iter().find(|t| t.topic == i);
                    let yielded = c.yielded.iter().find(|(t, _)| t.topic == i);
                    let why = match (vetoed, yielded) {
                        (Some(v), _) => format!(
                            "; dikecualikan oleh \"{}\"",
                            v.matches.last().map_or("", |m| m.text.as_str())
                        ),
                        (None, Some((_, n))) => format!(
                            "; memberi tempat kepada topik yang lebih khusus \"{}\" (narrower)",
                            self.topics[*n].id
                        ),
                        (None, None) => String::new(),
                    };
                    errors.push(ListError {
                        path: topic.file.clone(),
                        line: ex.line,
                        col: ex.col,
                        message: format!(
                            "contoh match \"{}\" tidak cocok dengan aturan topik \"{}\"{why}",
                            ex.shown(),
                            topic.id
                        ),
                        hint: Some(
                            "tambahkan istilah yang dipakai contoh itu ke any atau query, atau perbaiki contohnya; \
                             `pantau classify --explain \"…\"` menunjukkan apa yang cocok"
                                .into(),
                        ),
                        context: None,
                    });
                }
            }
            for ex in &topic.examples_no_match {
                let c = doc(ex);
                if let Some(hit) = c.topics.iter().find(|t| t.topic == i) {
                    let words: Vec<&str> = hit.matches.iter().map(|m| m.text.as_str()).collect();
                    errors.push(ListError {
                        path: topic.file.clone(),
                        line: ex.line,
                        col: ex.col,
                        message: format!(
                            "contoh no_match \"{}\" ikut tertandai topik \"{}\" (oleh \"{}\")",
                            ex.shown(),
                            topic.id,
                            words.join("\", \"")
                        ),
                        hint: Some(
                            "tambahkan frasa pengecualian ke exclude, atau persempit istilahnya"
                                .into(),
                        ),
                        context: None,
                    });
                }
            }
        }
        errors
    }
}

/// The end of the word that contains byte `at`.
fn word_end(text: &str, at: usize) -> usize {
    text[at..]
        .char_indices()
        .find(|(_, c)| !normalize::is_word_char(*c))
        .map_or(text.len(), |(i, _)| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    pub(crate) fn classifier(topics: &[(&str, &str)]) -> Classifier {
        let mut files: Vec<(PathBuf, String)> = topics
            .iter()
            .map(|(id, text)| {
                (
                    PathBuf::from(format!("keywords/topics/{id}.toml")),
                    text.to_string(),
                )
            })
            .collect();
        files.push((
            "keywords/regions.toml".into(),
            r#"
[[region]]
id = "kaltim"
name = "Kalimantan Timur"
level = "provinsi"
aliases = ["Kaltim"]
[[region]]
id = "ppu"
name = "Kabupaten Penajam Paser Utara"
level = "kabupaten"
parent = "kaltim"
aliases = ["Penajam Paser Utara", "PPU"]
other_senses = ["PPU Pajak"]
[[region]]
id = "paser"
name = "Kabupaten Paser"
level = "kabupaten"
parent = "kaltim"
aliases = ["Paser"]
[[region]]
id = "samarinda"
name = "Kota Samarinda"
level = "kota"
parent = "kaltim"
aliases = ["Samarinda"]
[[region]]
id = "sempaja"
name = "Sempaja"
level = "kecamatan"
parent = "samarinda"
[[region]]
id = "kota-bangun"
name = "Kota Bangun"
level = "kecamatan"
parent = "ppu"
ambiguous = ["Kota Bangun"]
"#
            .into(),
        ));
        files.push((
            "keywords/slang.toml".into(),
            "[words]\nbnjir = \"banjir\"\ngak = \"tidak\"\n".into(),
        ));
        files.push((
            "keywords/sentiment.toml".into(),
            "positive = [\"bagus\", \"cepat tanggap\"]\nnegative = [\"rusak\", \"parah\", \"kecewa\", \"gelap gulita\", \"gelap\"]\nnegators = [\"tidak\", \"bukan\"]\nintensifiers = [\"sangat\", \"banget\"]\n".into(),
        ));
        Classifier::from_lists(lists::load_files(&files).unwrap()).unwrap()
    }

    const BANJIR: &str = r#"
name = "Banjir"
category = "bencana"
priority = "tinggi"
any = ["banjir", "kebanjiran", "genangan air"]
exclude = ["banjir diskon"]
patterns = ['ketinggian air \d+\s*(cm|meter)']
[examples]
match = ["Sempaja kebanjiran lagi"]
no_match = ["Banjir diskon akhir tahun"]
"#;

    fn ids(c: &Classifier, r: &Classification) -> Vec<String> {
        r.topics
            .iter()
            .map(|t| c.topics[t.topic].id.to_string())
            .collect()
    }

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
    fn regions_prefer_longer_names_and_add_parents() {
        let c = classifier(&[("banjir", BANJIR)]);
        let names = |text: &str, default: Option<&RegionId>| -> Vec<(String, bool)> {
            c.classify(&Document::text(text), default)
                .regions
                .iter()
                .map(|r| (c.regions[r.region].id.to_string(), r.inferred))
                .collect()
        };
        assert_eq!(
            names("Jalan di Penajam Paser Utara rusak", None),
            [("ppu".to_string(), false), ("kaltim".to_string(), true)]
        );
        assert_eq!(
            names("Banjir di Sempaja", None),
            [
                ("sempaja".to_string(), false),
                ("samarinda".to_string(), true),
                ("kaltim".to_string(), true)
            ]
        );
        let sam = RegionId::new("samarinda");
        assert_eq!(
            names("Jalan rusak parah", Some(&sam)),
            [
                ("samarinda".to_string(), true),
                ("kaltim".to_string(), true)
            ]
        );
        let tags = c.tags_for(&Document::text("Banjir di Sempaja dan Paser"), None);
        assert_eq!(
            tags.areas,
            [RegionId::new("paser"), RegionId::new("samarinda")]
        );
    }

    #[test]
    fn sentiment_with_negation() {
        let c = classifier(&[("banjir", BANJIR)]);
        let s = |t: &str| c.classify(&Document::text(t), None).sentiment;
        assert_eq!(
            s("Jalan rusak parah, warga kecewa").class,
            SentimentClass::Negatif
        );
        assert_eq!(s("Jalan rusak").class, SentimentClass::BerpotensiNegatif);
        assert_eq!(s("Pelayanan bagus").class, SentimentClass::Positif);
        assert_eq!(s("Pelayanan tidak bagus").score, -1.0);
        assert_eq!(s("Jalannya gak rusak kok").score, 1.0);
        assert_eq!(s("Rapat koordinasi hari ini").class, SentimentClass::Netral);
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
    fn list_errors_point_at_file_line_col() {
        let bad = "name = \"X\"\nany = [\"ok\"]\npatterns = ['(?<=a)b']\npriority = \"tingi\"\nanyy = []\n";
        let files = vec![(PathBuf::from("keywords/topics/x.toml"), bad.to_string())];
        let err = lists::load_files(&files).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("keywords/topics/x.toml:5:1: kunci tidak dikenal \"anyy\""),
            "{text}"
        );
        assert_eq!(err.hint().as_deref(), Some("mungkin maksud Anda `any`"));

        let bad = "name = \"X\"\nany = [\"ok\"]\npatterns = ['(?<=a)b']\npriority = \"tingi\"\n";
        let files = vec![(PathBuf::from("keywords/topics/x.toml"), bad.to_string())];
        let err = lists::load_files(&files).unwrap_err();
        let lines: Vec<String> = err.0.iter().map(ToString::to_string).collect();
        assert!(
            lines[0].starts_with("keywords/topics/x.toml:4:12: prioritas \"tingi\""),
            "{lines:?}"
        );
        assert!(
            lines[1].starts_with("keywords/topics/x.toml:3:13: pola regex tidak valid"),
            "{lines:?}"
        );

        let files = vec![(
            PathBuf::from("keywords/topics/x.toml"),
            "name = \"X\"\nany = [\"ok\"\n".to_string(),
        )];
        let err = lists::load_files(&files).unwrap_err();
        assert_eq!(err.0[0].line, 2, "{err}");
    }

    #[test]
    fn failing_examples_are_reported() {
        let topic = "name = \"B\"\nany = [\"banjir\"]\n[examples]\nmatch = [\"air pasang\"]\nno_match = [\"banjir promo\"]\n";
        let c = classifier(&[("b", topic)]);
        let errors = c.check_examples();
        assert_eq!(errors.len(), 2);
        assert_eq!((errors[0].line, errors[0].col), (4, 10));
        assert!(errors[1].message.contains("ikut tertandai"));
    }

    fn topics_of(c: &Classifier, doc: &Document<'_>) -> Vec<String> {
        ids(c, &c.classify(doc, None))
    }

    fn fires(c: &Classifier, text: &str) -> bool {
        !c.classify(&Document::text(text), None).topics.is_empty()
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
    fn ambiguous_region_names_need_context() {
        let c = classifier(&[("b", BANJIR)]);
        let regions = |text: &str, default: Option<&RegionId>| -> Vec<String> {
            c.classify(&Document::text(text), default)
                .regions
                .iter()
                .filter(|r| !r.inferred)
                .map(|r| c.regions[r.region].id.to_string())
                .collect()
        };
        assert!(regions("Bakti sosial di Kota Bangun, Marelan, Medan", None).is_empty());
        assert_eq!(
            regions("Banjir di Kota Bangun, Penajam Paser Utara", None),
            ["ppu", "kota-bangun"]
        );
        assert_eq!(regions("Banjir di Kota Bangun, Kaltim", None).len(), 2);
        // A name from another part of the province is no context.
        assert_eq!(
            regions("Banjir di Kota Bangun dan Samarinda", None),
            ["samarinda"]
        );
        let ppu = RegionId::new("ppu");
        assert_eq!(
            regions("Jalan di Kota Bangun rusak", Some(&ppu)),
            ["kota-bangun"]
        );
        let r = c.classify(&Document::text("di Kota Bangun"), None);
        assert_eq!(r.ignored_regions.len(), 1);
    }

    #[test]
    fn a_name_in_another_sense_is_no_region() {
        let c = classifier(&[("b", BANJIR)]);
        let regions = |text: &str| -> Vec<String> {
            c.classify(&Document::text(text), None)
                .regions
                .iter()
                .filter(|r| !r.inferred)
                .map(|r| c.regions[r.region].id.to_string())
                .collect()
        };
        assert!(regions("Setoran PPU pajak Samarinda").contains(&"samarinda".to_string()));
        assert!(!regions("Setoran PPU pajak Samarinda").contains(&"ppu".to_string()));
        assert_eq!(regions("Jalan di PPU rusak"), ["ppu"]);
        // A phrase that does not hold one of the region's names is a mistake.
        let files = vec![(
            PathBuf::from("keywords/regions.toml"),
            "[[region]]\nid = \"x\"\nname = \"Sepaku\"\nlevel = \"kecamatan\"\nother_senses = [\"Kanwil BPN\"]\n"
                .to_string(),
        )];
        let err = lists::load_files(&files).unwrap_err().to_string();
        assert!(err.contains("regions.toml:5:"), "{err}");
        assert!(err.contains("tidak memuat nama"), "{err}");
    }

    #[test]
    fn intensifiers_double_and_longer_words_win() {
        let c = classifier(&[("b", BANJIR)]);
        let s = |t: &str| c.classify(&Document::text(t), None).sentiment.score;
        assert_eq!(s("pelayanan sangat bagus"), 2.0);
        assert_eq!(s("jalannya rusak banget"), -2.0);
        assert_eq!(s("tidak sangat bagus"), -2.0);
        // An intensifier doubles only the word next to it.
        assert_eq!(s("sangat rusak parah"), -3.0);
        // Negation stops at punctuation.
        assert_eq!(s("tidak bagus"), -1.0);
        assert_eq!(s("tidak, bagus"), 1.0);
        assert_eq!(s("kampung gelap gulita"), -1.0);
    }

    #[test]
    fn query_errors_show_the_line_and_a_caret() {
        let files = vec![(
            PathBuf::from("keywords/topics/q.toml"),
            "name = \"Q\"\nquery = '(banjir OR rob'\n".to_string(),
        )];
        let err = lists::load_files(&files).unwrap_err();
        let text = err.0[0].to_string();
        assert_eq!(
            text,
            "keywords/topics/q.toml:2:10: query: tanda kurung tidak ditutup\n  query = '(banjir OR rob'\n           ^"
        );
        let files = vec![(
            PathBuf::from("keywords/topics/q.toml"),
            "name = \"Q\"\nany = [\"banjir\"]\nexclude = [\"banjir\"]\nquery = 'rob AND NOT rob'\n"
                .to_string(),
        )];
        let err = lists::load_files(&files).unwrap_err();
        assert!(
            err.0[0].message.contains("tidak akan pernah cocok"),
            "{err}"
        );
        assert!(
            err.0[1].message.contains("tidak akan pernah cocok"),
            "{err}"
        );
    }

    #[test]
    fn examples_may_carry_fields() {
        let topic = r#"
name = "T"
query = 'title:banjir'
[examples]
match = [{ title = "Banjir lagi", text = "air naik" }]
no_match = ["banjir di isi saja"]
"#;
        let c = classifier(&[("t", topic)]);
        assert!(c.check_examples().is_empty(), "{:?}", c.check_examples());
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
