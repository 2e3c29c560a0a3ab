//! The classifier: tags a post with topics (regional issues), regions of Kalimantan Timur and a
//! sentiment class, from the keyword lists the analysts edit (`keywords/`).
//!
//! A [`Classifier`] is built once from the lists, is immutable and shared; a new one replaces
//! it when the lists change. Each field of a post (title, text) is folded
//! ([`normalize`]), then one Aho-Corasick pass finds every term of every list ([`matcher`]) and
//! one `RegexSet` pass finds the patterns. The rules:
//! - a topic matches when one of its `any` terms or `patterns` occurs as whole words, and none
//!   of its `exclude` terms occurs anywhere in the post (an exclusion vetoes the topic);
//! - regions come from names and aliases in the text, a longer name winning over a shorter one
//!   inside it ("Penajam Paser Utara" is not also "Paser"), each with its parents up to the
//!   province; failing any, from the source's default region;
//! - sentiment sums positive (+1) and negative (−1) words, a negator up to two words before a
//!   word flipping it; ≥ 1 positif, 0 netral, −1 berpotensi negatif, ≤ −2 negatif.

pub mod explain;
pub mod lists;
pub mod matcher;
pub mod normalize;
pub mod stem;

use std::path::Path;

use regex::{Regex, RegexSet};
use serde::Serialize;

use lists::{Level, Lists, RegionDef, TopicDef};
use matcher::{Owner, TermSet, TermSetBuilder};
use normalize::{Folded, Slang, fold};

use crate::model::{Post, RegionId, TopicId};

pub use lists::{ListError, ListErrors};

/// Which part of a post a match is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Title,
    Text,
}

/// What is classified: a post's fields.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    pub title: Option<&'a str>,
    pub text: &'a str,
}

impl<'a> Document<'a> {
    pub fn text(text: &'a str) -> Self {
        Document { title: None, text }
    }

    pub fn of(post: &'a Post) -> Self {
        Document {
            title: post.title.as_deref(),
            text: &post.text,
        }
    }

    fn fields(&self) -> impl Iterator<Item = (Field, &'a str)> {
        self.title
            .map(|t| (Field::Title, t))
            .into_iter()
            .chain(std::iter::once((Field::Text, self.text)))
    }
}

/// Why something matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// An `any` term, as written in the list.
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicHit {
    #[serde(skip)]
    pub topic: usize,
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
    /// Each sentiment word with its signed weight after negation.
    #[serde(skip)]
    pub words: Vec<(Match, f64)>,
}

/// The full result, with everything `--explain` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    pub topics: Vec<TopicHit>,
    /// Topics that would have matched but an `exclude` term vetoed them.
    pub vetoed: Vec<TopicHit>,
    pub regions: Vec<RegionHit>,
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
}

/// The compiled keyword lists.
#[derive(Debug, Clone)]
pub struct Classifier {
    topics: Vec<TopicDef>,
    regions: Vec<RegionDef>,
    slang: Slang,
    terms: TermSet,
    patterns: RegexSet,
    pattern_regexes: Vec<Regex>,
    /// For each pattern: (topic index, pattern as written).
    pattern_owner: Vec<(usize, String)>,
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

impl Classifier {
    /// Loads and compiles every list under `dir`.
    pub fn load(dir: &Path) -> Result<Classifier, ListErrors> {
        Classifier::from_lists(lists::load_dir(dir)?)
    }

    pub fn from_lists(lists: Lists) -> Result<Classifier, ListErrors> {
        let mut builder = TermSetBuilder::default();
        let mut pattern_owner = Vec::new();
        for (i, topic) in lists.topics.iter().enumerate() {
            for t in &topic.any {
                builder.add(&t.folded, Owner::Any(i));
            }
            for t in &topic.exclude {
                builder.add(&t.folded, Owner::Exclude(i));
            }
            for p in &topic.patterns {
                pattern_owner.push((i, p.written.clone()));
            }
        }
        for (i, region) in lists.regions.iter().enumerate() {
            for t in &region.terms {
                builder.add(&t.folded, Owner::Region(i));
            }
        }
        for t in &lists.sentiment.positive {
            builder.add(&t.folded, Owner::Positive);
        }
        for t in &lists.sentiment.negative {
            builder.add(&t.folded, Owner::Negative);
        }
        for t in &lists.sentiment.negators {
            builder.add(&t.folded, Owner::Negator);
        }
        let build_error = |message: String| {
            ListErrors(vec![ListError {
                path: "keywords".into(),
                line: 1,
                col: 1,
                message,
                hint: None,
            }])
        };
        let terms = builder
            .build()
            .map_err(|e| build_error(format!("daftar istilah tidak bisa disusun: {e}")))?;
        let sources: Vec<&str> = pattern_owner.iter().map(|(_, p)| p.as_str()).collect();
        let patterns = regex::RegexSetBuilder::new(&sources)
            .case_insensitive(true)
            .size_limit(64 << 20)
            .build()
            .map_err(|e| build_error(format!("pola regex tidak bisa disusun: {e}")))?;
        let pattern_regexes = sources
            .iter()
            .map(|p| compile_pattern(p))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| build_error(format!("pola regex tidak valid: {e}")))?;
        Ok(Classifier {
            topics: lists.topics,
            regions: lists.regions,
            slang: lists.slang,
            terms,
            patterns,
            pattern_regexes,
            pattern_owner,
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

    fn region_index(&self, id: &RegionId) -> Option<usize> {
        self.regions.iter().position(|r| &r.id == id)
    }

    /// Classifies a document. `default_region` is the source's region, used when the text
    /// names none.
    pub fn classify(
        &self,
        doc: &Document<'_>,
        default_region: Option<&RegionId>,
    ) -> Classification {
        let mut any: Vec<Vec<Match>> = vec![Vec::new(); self.topics.len()];
        let mut excluded: Vec<Option<Match>> = vec![None; self.topics.len()];
        let mut region_matches: Vec<Vec<Match>> = vec![Vec::new(); self.regions.len()];
        let mut sentiment_words = Vec::new();

        for (field, input) in doc.fields() {
            let folded = self.slang.apply(fold(input));
            let hits = self.terms.find(&folded.text);
            let mk = |start: usize, end: usize, rule: Rule| {
                let (s, e) = folded.original_span(start, end);
                Match {
                    field,
                    start: s,
                    end: e,
                    text: input[s..e].to_string(),
                    rule,
                }
            };
            // Region names: drop a hit that lies inside a longer region hit.
            let region_hits: Vec<_> = hits
                .iter()
                .filter(|h| {
                    self.terms
                        .owners(h.term)
                        .iter()
                        .any(|o| matches!(o, Owner::Region(_)))
                })
                .collect();
            let mut negators: Vec<usize> = Vec::new();
            for hit in &hits {
                for owner in self.terms.owners(hit.term) {
                    let written = self.terms.term(hit.term).to_string();
                    match *owner {
                        Owner::Any(t) => any[t].push(mk(hit.start, hit.end, Rule::Term(written))),
                        Owner::Exclude(t) => {
                            if excluded[t].is_none() {
                                excluded[t] = Some(mk(hit.start, hit.end, Rule::Exclude(written)));
                            }
                        }
                        Owner::Region(r) => {
                            let inside_longer = region_hits.iter().any(|o| {
                                o.start <= hit.start
                                    && hit.end <= o.end
                                    && (o.end - o.start) > (hit.end - hit.start)
                            });
                            if !inside_longer {
                                region_matches[r].push(mk(
                                    hit.start,
                                    hit.end,
                                    Rule::Region(written),
                                ));
                            }
                        }
                        Owner::Negator => negators.push(hit.end),
                        Owner::Positive | Owner::Negative => {
                            let base = if *owner == Owner::Positive { 1.0 } else { -1.0 };
                            let negated = negators.iter().any(|&end| {
                                end <= hit.start && words_between(&folded, end, hit.start) <= 1
                            });
                            let weight = if negated { -base } else { base };
                            sentiment_words
                                .push((mk(hit.start, hit.end, Rule::Sentiment(written)), weight));
                        }
                    }
                }
            }
            if !self.pattern_owner.is_empty() {
                for idx in self.patterns.matches(&folded.text).iter() {
                    let (topic, written) = &self.pattern_owner[idx];
                    for m in self.pattern_regexes[idx].find_iter(&folded.text) {
                        if m.start() < m.end() {
                            any[*topic].push(mk(
                                m.start(),
                                m.end(),
                                Rule::Pattern(written.clone()),
                            ));
                        }
                    }
                }
            }
        }

        let mut topics = Vec::new();
        let mut vetoed = Vec::new();
        for (t, matches) in any.into_iter().enumerate() {
            if matches.is_empty() {
                continue;
            }
            match excluded[t].take() {
                None => topics.push(TopicHit { topic: t, matches }),
                Some(ex) => {
                    let mut matches = matches;
                    matches.push(ex);
                    vetoed.push(TopicHit { topic: t, matches });
                }
            }
        }

        let mut regions: Vec<RegionHit> = region_matches
            .into_iter()
            .enumerate()
            .filter(|(_, m)| !m.is_empty())
            .map(|(region, matches)| RegionHit {
                region,
                matches,
                inferred: false,
            })
            .collect();
        if regions.is_empty()
            && let Some(idx) = default_region.and_then(|id| self.region_index(id))
        {
            regions.push(RegionHit {
                region: idx,
                matches: Vec::new(),
                inferred: true,
            });
        }
        self.add_parents(&mut regions);

        let score: f64 = sentiment_words.iter().fold(0.0, |acc, (_, w)| acc + w);
        Classification {
            topics,
            vetoed,
            regions,
            sentiment: Sentiment {
                class: SentimentClass::from_score(score),
                score,
                words: sentiment_words,
            },
        }
    }

    /// Adds every parent of the regions found, marked inferred, once.
    fn add_parents(&self, regions: &mut Vec<RegionHit>) {
        let mut i = 0;
        while i < regions.len() {
            let mut at = self.regions[regions[i].region].parent.as_ref();
            let mut guard = 0;
            while let Some(pid) = at {
                guard += 1;
                let Some(p) = self.region_index(pid) else {
                    break;
                };
                if guard > 16 {
                    break;
                }
                if !regions.iter().any(|r| r.region == p) {
                    regions.push(RegionHit {
                        region: p,
                        matches: Vec::new(),
                        inferred: true,
                    });
                }
                at = self.regions[p].parent.as_ref();
            }
            i += 1;
        }
    }

    /// Classifies a post and keeps what the store needs.
    pub fn tags(&self, post: &Post, default_region: Option<&RegionId>) -> Tags {
        let c = self.classify(&Document::of(post), default_region);
        self.tags_of(&c)
    }

    pub fn tags_of(&self, c: &Classification) -> Tags {
        let regions: Vec<RegionId> = c
            .regions
            .iter()
            .map(|r| self.regions[r.region].id.clone())
            .collect();
        let areas = c
            .regions
            .iter()
            .filter(|r| matches!(self.regions[r.region].level, Level::Kabupaten | Level::Kota))
            .map(|r| self.regions[r.region].id.clone())
            .collect();
        Tags {
            topics: c
                .topics
                .iter()
                .map(|t| self.topics[t.topic].id.clone())
                .collect(),
            regions,
            areas,
            sentiment: Some((c.sentiment.class, c.sentiment.score)),
        }
    }

    /// Runs every topic's examples; each failure is an error at the example's line.
    pub fn check_examples(&self) -> Vec<ListError> {
        let mut errors = Vec::new();
        for (i, topic) in self.topics.iter().enumerate() {
            for ex in &topic.examples_match {
                let c = self.classify(&Document::text(&ex.text), None);
                if !c.topics.iter().any(|t| t.topic == i) {
                    let why = match c.vetoed.iter().find(|t| t.topic == i) {
                        Some(v) => format!(
                            "; dikecualikan oleh \"{}\"",
                            v.matches.last().map_or("", |m| m.text.as_str())
                        ),
                        None => String::new(),
                    };
                    errors.push(ListError {
                        path: topic.file.clone(),
                        line: ex.line,
                        col: ex.col,
                        message: format!(
                            "contoh match \"{}\" tidak cocok dengan aturan topik \"{}\"{why}",
                            ex.text, topic.id
                        ),
                        hint: Some("tambahkan istilah yang dipakai contoh itu ke any, atau perbaiki contohnya".into()),
                    });
                }
            }
            for ex in &topic.examples_no_match {
                let c = self.classify(&Document::text(&ex.text), None);
                if let Some(hit) = c.topics.iter().find(|t| t.topic == i) {
                    let words: Vec<&str> = hit.matches.iter().map(|m| m.text.as_str()).collect();
                    errors.push(ListError {
                        path: topic.file.clone(),
                        line: ex.line,
                        col: ex.col,
                        message: format!(
                            "contoh no_match \"{}\" ikut tertandai topik \"{}\" (oleh \"{}\")",
                            ex.text,
                            topic.id,
                            words.join("\", \"")
                        ),
                        hint: Some(
                            "tambahkan frasa pengecualian ke exclude, atau persempit istilahnya"
                                .into(),
                        ),
                    });
                }
            }
        }
        errors
    }
}

/// Number of words in `folded.text[from..to]`.
fn words_between(folded: &Folded, from: usize, to: usize) -> usize {
    folded.text[from..to]
        .split(|c: char| !normalize::is_word_char(c))
        .filter(|w| !w.is_empty())
        .count()
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
"#
            .into(),
        ));
        files.push((
            "keywords/slang.toml".into(),
            "[words]\nbnjir = \"banjir\"\ngak = \"tidak\"\n".into(),
        ));
        files.push((
            "keywords/sentiment.toml".into(),
            "positive = [\"bagus\", \"cepat tanggap\"]\nnegative = [\"rusak\", \"parah\", \"kecewa\"]\nnegators = [\"tidak\", \"bukan\"]\n".into(),
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
        let tags = c.tags_of(&c.classify(&Document::text("Banjir di Sempaja dan Paser"), None));
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
}
