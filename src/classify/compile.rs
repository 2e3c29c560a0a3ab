//! Compiling the parsed lists ([`super::lists::Lists`]) into the [`Program`] that
//! [`super::evaluate`] runs on every post.
//!
//! Every topic's `any`, `exclude` and `patterns` entries and every term and regex of its
//! `query` become *leaves*: text terms (in the one Aho-Corasick automaton, beside the region
//! names and sentiment words), stem terms (looked up by their first stem) and regexes (in one
//! `RegexSet`). A query becomes a [`CExpr`] over leaf ids. The normalizer and stemmer are
//! built here too, from the words the lists use.

use std::collections::HashSet;

use regex::{Regex, RegexSet};

use super::document::Field;
use super::lists::{ListError, ListErrors, Lists, RegionDef, SentimentDef, TermDef, TopicDef};
use super::matcher::{Owner, TermSet, TermSetBuilder, compile_pattern};
use super::normalize::Normalizer;
use super::query::{self, Expr, FieldName};
use super::stem::Stemmer;

/// The part of a topic's rule a leaf belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Any,
    Exclude,
    Query,
    Pattern,
}

#[derive(Debug, Clone)]
pub(super) enum LeafKind {
    /// An Aho-Corasick term; `prefix`: it may end inside a word.
    Text { prefix: bool },
    /// Consecutive words with these stems.
    Stem { stems: Vec<String> },
    /// A regex of the shared set.
    Regex,
}

/// One thing to look for in a post, for one topic.
#[derive(Debug, Clone)]
pub(super) struct Leaf {
    pub(super) kind: LeafKind,
    pub(super) topic: usize,
    pub(super) role: Role,
    /// The term or pattern as written (with `*` or `~`), for explanations.
    pub(super) written: String,
}

/// A query with its terms replaced by leaf ids.
#[derive(Debug, Clone)]
pub(super) enum CExpr {
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

/// A topic's rule as leaf ids.
#[derive(Debug, Clone, Default)]
pub(super) struct TopicRule {
    pub(super) any: Vec<usize>,
    pub(super) patterns: Vec<usize>,
    pub(super) query: Option<CExpr>,
    pub(super) exclude: Vec<usize>,
    /// `model_requires`: the words without which the topic's model may not tag it (the
    /// topic's model is [`super::sara_model`]; the only one there is).
    pub(super) model_requires: Option<CExpr>,
}

/// The lists compiled for matching: what a post is folded with and looked up in.
#[derive(Debug, Clone)]
pub(super) struct Program {
    pub(super) normalizer: Normalizer,
    pub(super) stemmer: Stemmer,
    /// Per topic, its rule.
    pub(super) rules: Vec<TopicRule>,
    pub(super) leaves: Vec<Leaf>,
    /// Text leaves, region names and sentiment words, in one automaton.
    pub(super) terms: TermSet,
    /// First stem of a stem leaf → the leaves starting with it.
    pub(super) stem_index: rustc_hash::FxHashMap<String, Vec<usize>>,
    pub(super) regex_set: RegexSet,
    pub(super) regexes: Vec<Regex>,
    /// Per regex of the set, its leaf.
    pub(super) regex_leaf: Vec<usize>,
    /// Topics looked at for every post (their query can hold without a term).
    pub(super) always: Vec<usize>,
    /// Per topic, the narrower topics it steps aside for.
    pub(super) narrower: Vec<Vec<usize>>,
}

impl Program {
    /// Compiles every topic, region name and sentiment word of `lists`.
    pub(super) fn compile(lists: &Lists) -> Result<Program, ListErrors> {
        let stemmer = stemmer(lists);
        let normalizer = Normalizer::new(lists.slang.clone(), vocabulary(lists));
        let mut c = Compiler {
            stemmer: &stemmer,
            builder: TermSetBuilder::default(),
            leaves: Vec::new(),
            stem_index: Default::default(),
            regex_sources: Vec::new(),
            regex_leaf: Vec::new(),
        };
        let rules = lists
            .topics
            .iter()
            .enumerate()
            .map(|(i, topic)| c.topic(i, topic))
            .collect();
        c.region_names(&lists.regions);
        c.sentiment_words(&lists.sentiment);
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
        let (regex_set, regexes) = regexes(&regex_sources)?;
        Ok(Program {
            always: always(&lists.topics),
            narrower: narrower(&lists.topics),
            normalizer,
            stemmer,
            rules,
            leaves,
            terms,
            stem_index,
            regex_set,
            regexes,
            regex_leaf,
        })
    }
}

/// The stemmer, taught the roots the analysts wrote stem terms with.
fn stemmer(lists: &Lists) -> Stemmer {
    let mut stem_words: Vec<String> = Vec::new();
    for topic in &lists.topics {
        for t in topic.any.iter().chain(&topic.exclude) {
            if t.term.stem {
                stem_words.extend(t.folded.iter().cloned());
            }
        }
        for t in query_terms(topic) {
            if t.stem {
                stem_words.extend(t.words.iter().cloned());
            }
        }
    }
    // The roots are the stem terms' own stems, taken with the built-in repairs, so that one
    // topic's `menulis~` (Snowball: "ulis") cannot teach the stemmer a wrong root that
    // breaks another topic's `tulis~`.
    let base = Stemmer::new(std::iter::empty());
    let roots: Vec<String> = stem_words
        .iter()
        .map(|w| base.stem(w).into_owned())
        .collect();
    Stemmer::new(roots.iter().map(String::as_str))
}

/// Every word the lists use: the normalizer splits lower-case hashtags into them.
fn vocabulary(lists: &Lists) -> HashSet<String> {
    let mut vocabulary: HashSet<String> = HashSet::new();
    for topic in &lists.topics {
        for t in topic.any.iter().chain(&topic.exclude) {
            vocabulary.extend(t.folded.iter().cloned());
        }
        for t in query_terms(topic) {
            vocabulary.extend(t.words.iter().cloned());
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
    vocabulary
}

/// The terms of a topic's query, in order.
fn query_terms(topic: &TopicDef) -> Vec<&query::Term> {
    let Some(q) = &topic.query else {
        return Vec::new();
    };
    q.expr
        .leaves()
        .into_iter()
        .filter_map(|leaf| match leaf {
            Expr::Term(t, _) => Some(t),
            _ => None,
        })
        .collect()
}

/// Every folded word of a term list.
fn words_of(terms: &[TermDef]) -> impl Iterator<Item = &str> {
    terms
        .iter()
        .flat_map(|t| t.folded.iter().map(String::as_str))
}

/// The regex set that says which patterns occur, and each pattern alone for its spans.
fn regexes(sources: &[String]) -> Result<(RegexSet, Vec<Regex>), ListErrors> {
    let set = regex::RegexSetBuilder::new(sources)
        .case_insensitive(true)
        .size_limit(64 << 20)
        .build()
        .map_err(|e| build_error(format!("pola regex tidak bisa disusun: {e}")))?;
    let regexes = sources
        .iter()
        .map(|p| compile_pattern(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| build_error(format!("pola regex tidak valid: {e}")))?;
    Ok((set, regexes))
}

/// The topics whose query can hold without a term occurring.
fn always(topics: &[TopicDef]) -> Vec<usize> {
    topics
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            t.query
                .as_ref()
                .is_some_and(|q| q.expr.holds_without_terms())
        })
        .map(|(i, _)| i)
        .collect()
}

/// Per topic, the indices of its `narrower` topics.
fn narrower(topics: &[TopicDef]) -> Vec<Vec<usize>> {
    topics
        .iter()
        .map(|t| {
            t.narrower
                .iter()
                .filter_map(|(n, ..)| topics.iter().position(|o| &o.id == n))
                .collect()
        })
        .collect()
}

/// A failure to build what loading already checked: reported against the lists as a whole.
fn build_error(message: String) -> ListErrors {
    ListErrors(vec![ListError {
        path: "keywords".into(),
        line: 1,
        col: 1,
        message,
        hint: None,
        context: None,
    }])
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
    /// Topic `i`'s rule: its leaves, in the order `any`, `exclude`, `patterns`, `query`.
    fn topic(&mut self, i: usize, topic: &TopicDef) -> TopicRule {
        let any = topic
            .any
            .iter()
            .map(|t| self.term(i, Role::Any, &t.term, &t.folded))
            .collect();
        let exclude = topic
            .exclude
            .iter()
            .map(|t| self.term(i, Role::Exclude, &t.term, &t.folded))
            .collect();
        let patterns = topic
            .patterns
            .iter()
            .map(|p| self.regex(i, Role::Pattern, &p.written))
            .collect();
        let query = topic.query.as_ref().map(|q| self.expr(i, &q.expr));
        let model_requires = topic
            .model
            .as_ref()
            .and(topic.model_requires.as_ref())
            .map(|q| self.expr(i, &q.expr));
        TopicRule {
            any,
            patterns,
            query,
            exclude,
            model_requires,
        }
    }

    /// Every region name and `other_senses` phrase, into the automaton.
    fn region_names(&mut self, regions: &[RegionDef]) {
        for (i, region) in regions.iter().enumerate() {
            for name in &region.names {
                self.builder.add(
                    &name.term.folded.join(" "),
                    Owner::Region(i, name.ambiguous),
                );
            }
            for phrase in &region.other_senses {
                self.builder
                    .add(&phrase.folded.join(" "), Owner::OtherSense);
            }
        }
    }

    /// Every sentiment word, negator and intensifier, into the automaton.
    fn sentiment_words(&mut self, s: &SentimentDef) {
        for (list, owner) in [
            (&s.positive, Owner::Positive),
            (&s.negative, Owner::Negative),
            (&s.negators, Owner::Negator),
            (&s.intensifiers, Owner::Intensifier),
        ] {
            for t in list {
                self.builder.add(&t.folded.join(" "), owner);
            }
        }
    }

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
