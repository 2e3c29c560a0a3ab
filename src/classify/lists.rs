//! Loading the analysts' keyword files: `topics/*.toml`, `regions.toml`, `slang.toml`,
//! `sentiment.toml`. Every problem is collected (not only the first) as a [`ListError`] at
//! `file:line:col`, with the line and a caret under the spot where that helps, and a hint, so
//! that one `pantau keywords check` shows everything to fix.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::matcher::compile_pattern;
use super::normalize::Normalizer;
use super::query::{self, Expr, Term};
use crate::error::{LineIndex, suggest};
use crate::fold::{fold, is_word_char};
use crate::model::{Priority, RegionId, TopicId};

/// A problem in a keyword file, at the spot where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListError {
    pub path: PathBuf,
    pub line: usize,
    pub col: usize,
    pub message: String,
    pub hint: Option<String>,
    /// The line as written and a caret under the spot (for errors inside a query).
    pub context: Option<String>,
}

impl fmt::Display for ListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            crate::error::shown(&self.path),
            self.line,
            self.col,
            self.message
        )?;
        if let Some(context) = &self.context {
            write!(f, "\n{context}")?;
        }
        Ok(())
    }
}

/// Every problem found while loading or checking the lists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ListErrors(pub Vec<ListError>);

impl fmt::Display for ListErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let files: HashSet<&Path> = self.0.iter().map(|e| e.path.as_path()).collect();
        writeln!(
            f,
            "daftar kata kunci tidak valid ({} galat di {} berkas):",
            self.0.len(),
            files.len()
        )?;
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl ListErrors {
    pub fn hint(&self) -> Option<String> {
        self.0.iter().find_map(|e| e.hint.clone())
    }
}

/// A term as the analyst wrote it, its folded words and where it is.
#[derive(Debug, Clone)]
pub struct TermDef {
    pub term: Term,
    /// The words after folding (lower case, no accents, slang applied).
    pub folded: Vec<String>,
    pub line: usize,
    pub col: usize,
}

impl TermDef {
    pub fn written(&self) -> &str {
        &self.term.written
    }
}

#[derive(Debug, Clone)]
pub struct PatternDef {
    pub written: String,
    pub line: usize,
    pub col: usize,
}

/// What an example is: text, or a post with fields (for rules on title, source, …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExamplePost {
    pub title: Option<String>,
    #[serde(default)]
    pub text: String,
    pub source: Option<String>,
    pub author: Option<String>,
    pub lang: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RawExample {
    Text(String),
    Post(ExamplePost),
}

#[derive(Debug, Clone)]
pub struct Example {
    pub post: ExamplePost,
    pub line: usize,
    pub col: usize,
}

impl Example {
    /// The example as the analyst wrote it, for messages.
    pub fn shown(&self) -> String {
        match &self.post.title {
            Some(t) if self.post.text.is_empty() => t.clone(),
            Some(t) => format!("{t} / {}", self.post.text),
            None => self.post.text.clone(),
        }
    }
}

/// A topic's `query`, parsed, with its terms folded.
#[derive(Debug, Clone)]
pub struct QueryDef {
    pub written: String,
    pub expr: Expr,
    pub line: usize,
    pub col: usize,
}

/// One topic file.
#[derive(Debug, Clone)]
pub struct TopicDef {
    pub id: TopicId,
    pub name: String,
    pub category: String,
    pub priority: Priority,
    pub owner: Option<String>,
    pub advice: Option<String>,
    /// `stem = true`: every term of the topic matches on Indonesian stems.
    pub stem: bool,
    pub any: Vec<TermDef>,
    pub exclude: Vec<TermDef>,
    pub query: Option<QueryDef>,
    pub patterns: Vec<PatternDef>,
    pub examples_match: Vec<Example>,
    pub examples_no_match: Vec<Example>,
    /// More specific topics: when one of them matches a post, this one steps aside ("ikn"
    /// yields to "ikn-lahan"), so one issue is not counted twice. With their line and column.
    pub narrower: Vec<(TopicId, usize, usize)>,
    /// What must be present for the topic to be a post's subject (`subject = "lead OR 2
    /// terms"`): any one alternative; empty when the topic states none. A post that names the
    /// topic without it has the topic as `mentioned` ([`super::salience`]).
    pub subject: Vec<super::salience::Subject>,
    /// `subject` as written, for `--explain`.
    pub subject_written: Option<String>,
    /// A trained model that may tag the topic where its rule does not (`model = "sara"`:
    /// [`super::sara_model`]), only when `model_requires` holds too.
    pub model: Option<String>,
    /// What must be present for the model to tag the topic (the topic's group words).
    pub model_requires: Option<QueryDef>,
    pub file: PathBuf,
}

/// Administrative level of a gazetteer entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Provinsi,
    Kabupaten,
    Kota,
    Kecamatan,
    Landmark,
}

impl Level {
    /// A kabupaten or kota: the level counts are kept at.
    pub fn is_area(self) -> bool {
        matches!(self, Level::Kabupaten | Level::Kota)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Provinsi => "provinsi",
            Level::Kabupaten => "kabupaten",
            Level::Kota => "kota",
            Level::Kecamatan => "kecamatan",
            Level::Landmark => "landmark",
        }
    }
}

/// A name of a region: ambiguous names (also ordinary words, or places elsewhere in
/// Indonesia) count only with Kalimantan Timur context in the same post.
#[derive(Debug, Clone)]
pub struct RegionName {
    pub term: TermDef,
    pub ambiguous: bool,
}

#[derive(Debug, Clone)]
pub struct RegionDef {
    pub id: RegionId,
    pub name: String,
    pub level: Level,
    pub parent: Option<RegionId>,
    /// Name and aliases, folded.
    pub names: Vec<RegionName>,
    /// Phrases in which one of the names means something else ("Kanwil BPN" is the land
    /// agency, not Balikpapan): a name inside them does not count.
    pub other_senses: Vec<TermDef>,
}

#[derive(Debug, Clone, Default)]
pub struct SentimentDef {
    pub positive: Vec<TermDef>,
    pub negative: Vec<TermDef>,
    pub negators: Vec<TermDef>,
    pub intensifiers: Vec<TermDef>,
}

/// Whether `needle` occurs in `hay` as a run of whole words.
fn contains_words(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && hay.len() > needle.len() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Everything in `keywords/`, parsed and validated.
#[derive(Debug, Clone, Default)]
pub struct Lists {
    pub topics: Vec<TopicDef>,
    pub regions: Vec<RegionDef>,
    pub slang: HashMap<String, String>,
    pub sentiment: SentimentDef,
    /// A short hash of every file's path and content: the lists' version.
    pub version: String,
}

// ---- raw file shapes -------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    id: Option<Spanned<String>>,
    name: Spanned<String>,
    category: Option<String>,
    priority: Option<Spanned<String>>,
    owner: Option<String>,
    advice: Option<String>,
    #[serde(default)]
    stem: bool,
    #[serde(default)]
    any: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    query: Option<Spanned<String>>,
    #[serde(default)]
    patterns: Vec<Spanned<String>>,
    #[serde(default)]
    examples: RawExamples,
    #[serde(default)]
    narrower: Vec<Spanned<String>>,
    subject: Option<Spanned<String>>,
    model: Option<Spanned<String>>,
    model_requires: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawExamples {
    #[serde(default, rename = "match")]
    matches: Vec<Spanned<RawExample>>,
    #[serde(default)]
    no_match: Vec<Spanned<RawExample>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegions {
    #[serde(default)]
    region: Vec<Spanned<RawRegion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    id: Spanned<String>,
    name: Spanned<String>,
    level: Spanned<String>,
    parent: Option<Spanned<String>>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    /// Names or aliases of this region that need context.
    #[serde(default)]
    ambiguous: Vec<Spanned<String>>,
    /// Phrases in which a name of this region means something else.
    #[serde(default)]
    other_senses: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSlang {
    #[serde(default)]
    words: HashMap<String, Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSentiment {
    #[serde(default)]
    positive: Vec<Spanned<String>>,
    #[serde(default)]
    negative: Vec<Spanned<String>>,
    #[serde(default)]
    negators: Vec<Spanned<String>>,
    #[serde(default)]
    intensifiers: Vec<Spanned<String>>,
}

// ---- loading ---------------------------------------------------------------------------

/// One file being read: its path as shown to the user and its text.
struct FileCx<'a> {
    path: &'a Path,
    text: &'a str,
    /// Line starts of `text`: every term records its line and column.
    lines: LineIndex,
    errors: &'a mut Vec<ListError>,
    normalizer: &'a Normalizer,
}

impl<'a> FileCx<'a> {
    fn new(
        path: &'a Path,
        text: &'a str,
        errors: &'a mut Vec<ListError>,
        normalizer: &'a Normalizer,
    ) -> FileCx<'a> {
        FileCx {
            path,
            text,
            lines: LineIndex::new(text),
            errors,
            normalizer,
        }
    }

    fn error_at(&mut self, offset: usize, message: impl Into<String>, hint: Option<String>) {
        let (line, col) = self.pos(offset);
        self.errors.push(ListError {
            path: self.path.to_path_buf(),
            line,
            col,
            message: message.into(),
            hint,
            context: None,
        });
    }

    /// An error with the line quoted and a caret under `offset`.
    fn error_with_caret(&mut self, offset: usize, message: impl Into<String>, hint: String) {
        let (line, col) = self.pos(offset);
        let source_line = self.text.lines().nth(line - 1).unwrap_or("");
        let caret = " ".repeat(col - 1) + "^";
        self.errors.push(ListError {
            path: self.path.to_path_buf(),
            line,
            col,
            message: message.into(),
            hint: Some(hint),
            context: Some(format!("  {source_line}\n  {caret}")),
        });
    }

    fn pos(&self, offset: usize) -> (usize, usize) {
        self.lines.line_col(self.text, offset)
    }

    fn parse<T: serde::de::DeserializeOwned>(&mut self, known: &[&str]) -> Option<T> {
        match toml::from_str::<T>(self.text) {
            Ok(v) => Some(v),
            Err(e) => {
                let offset = e.span().map_or(0, |s| s.start);
                let (message, hint) = translate_toml_error(e.message(), known);
                self.error_at(offset, message, hint);
                None
            }
        }
    }

    /// Folds a term's words; None (with an error) when nothing is left to match.
    fn fold_term(&mut self, term: Term, at: usize, what: &str) -> Option<TermDef> {
        let folded: Vec<String> = self
            .normalizer
            .term(&term.words.join(" "))
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        let (line, col) = self.pos(at);
        if !folded.iter().any(|w| w.chars().any(is_word_char)) {
            self.error_at(
                at,
                format!("{what} \"{}\" kosong atau tanpa huruf", term.written),
                Some("hapus istilah ini atau tulis kata yang hendak dicari".into()),
            );
            return None;
        }
        Some(TermDef {
            term,
            folded,
            line,
            col,
        })
    }

    /// A list entry (`any`, `exclude`, a sentiment word, a region name) read as a term.
    fn term(&mut self, raw: &Spanned<String>, what: &str, stem: bool) -> Option<TermDef> {
        let at = raw.span().start;
        match query::parse_term(raw.get_ref()) {
            Ok(mut term) => {
                term.stem |= stem && !term.prefix;
                self.fold_term(term, at, what)
            }
            Err((message, hint)) => {
                self.error_at(at, message, Some(hint));
                None
            }
        }
    }
}

fn translate_toml_error(message: &str, known: &[&str]) -> (String, Option<String>) {
    let message = message.trim();
    let quoted = |s: &str| s.split('`').nth(1).map(str::to_owned);
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let field = quoted(rest).unwrap_or_default();
        let hint = match suggest(&field, known) {
            Some(k) => format!("mungkin maksud Anda `{k}`"),
            None => format!("kunci yang dikenal: {}", known.join(", ")),
        };
        return (format!("kunci tidak dikenal \"{field}\""), Some(hint));
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        let field = quoted(rest).unwrap_or_default();
        return (
            format!("kunci wajib \"{field}\" tidak ada"),
            Some(format!("tambahkan {field} = \"…\"")),
        );
    }
    if message.starts_with("invalid type") || message.starts_with("data did not match") {
        return (
            format!("tipe nilai salah ({message})"),
            Some(
                "teks ditulis dalam tanda kutip; daftar ditulis [\"a\", \"b\"]; contoh berupa teks atau { title = \"…\", text = \"…\" }"
                    .into(),
            ),
        );
    }
    (
        format!("TOML tidak valid: {message}"),
        Some("periksa tanda kutip, koma dan kurung pada baris itu".into()),
    )
}

const REGION_KEYS: &[&str] = &[
    "region",
    "id",
    "name",
    "level",
    "parent",
    "aliases",
    "ambiguous",
    "other_senses",
];

const SENTIMENT_KEYS: &[&str] = &["positive", "negative", "negators", "intensifiers"];

const TOPIC_KEYS: &[&str] = &[
    "id",
    "name",
    "category",
    "priority",
    "owner",
    "advice",
    "stem",
    "any",
    "exclude",
    "query",
    "patterns",
    "narrower",
    "subject",
    "model",
    "model_requires",
    "examples",
    "match",
    "no_match",
];

/// Reads every keyword file under `dir`.
pub fn load_dir(dir: &Path) -> Result<Lists, ListErrors> {
    load_files(&read_dir_files(dir)?)
}

/// The version the lists under `dir` would have ([`Lists::version`]), from their files alone:
/// whether they changed since they were built, without building them again.
pub fn version_on_disk(dir: &Path) -> Result<String, ListErrors> {
    Ok(version(&read_dir_files(dir)?))
}

/// Every keyword file under `dir`, as (path, text): `topics/*.toml` in name order, then the
/// gazetteer, slang and sentiment files that exist.
pub fn read_dir_files(dir: &Path) -> Result<Vec<(PathBuf, String)>, ListErrors> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let read = |path: PathBuf, errors: &mut Vec<ListError>| match std::fs::read_to_string(&path) {
        Ok(text) => Some((path, text)),
        Err(e) => {
            errors.push(ListError {
                path: path.clone(),
                line: 1,
                col: 1,
                message: format!("tidak dapat dibaca: {e}"),
                hint: Some("periksa [keywords] dir di konfigurasi dan izin berkasnya".into()),
                context: None,
            });
            None
        }
    };
    let topics_dir = dir.join("topics");
    match std::fs::read_dir(&topics_dir) {
        Ok(entries) => {
            let mut paths: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            paths.sort();
            files.extend(paths.into_iter().filter_map(|p| read(p, &mut errors)));
        }
        Err(e) => errors.push(ListError {
            path: topics_dir.clone(),
            line: 1,
            col: 1,
            message: format!("folder topik tidak dapat dibaca: {e}"),
            hint: Some(
                "buat folder keywords/topics/ berisi satu berkas .toml per isu, atau atur [keywords] dir"
                    .into(),
            ),
            context: None,
        }),
    }
    for name in ["regions.toml", "slang.toml", "sentiment.toml"] {
        let path = dir.join(name);
        if path.exists() {
            files.extend(read(path, &mut errors));
        }
    }
    if !errors.is_empty() {
        return Err(ListErrors(errors));
    }
    Ok(files)
}

/// Parses keyword files given as (path, text): `topics/…` files are topics, the others are
/// known by their file name.
pub fn load_files(files: &[(PathBuf, String)]) -> Result<Lists, ListErrors> {
    let mut errors = Vec::new();
    let mut lists = Lists::default();
    let named = |name: &str| {
        files
            .iter()
            .find(|(p, _)| p.file_name().is_some_and(|f| f == name) && !is_topic_file(p))
    };

    // Slang first: every other term is folded through it, so "bnjir" in a list still works.
    if let Some((path, text)) = named("slang.toml") {
        let empty = Normalizer::default();
        let mut cx = FileCx::new(path, text, &mut errors, &empty);
        if let Some(raw) = cx.parse::<RawSlang>(&["words"]) {
            lists.slang = load_slang(&mut cx, raw);
        }
    }
    let normalizer = Normalizer::new(lists.slang.clone(), HashSet::new());
    if let Some((path, text)) = named("regions.toml") {
        let mut cx = FileCx::new(path, text, &mut errors, &normalizer);
        if let Some(raw) = cx.parse::<RawRegions>(REGION_KEYS) {
            lists.regions = load_regions(&mut cx, raw);
        }
    }
    if let Some((path, text)) = named("sentiment.toml") {
        let mut cx = FileCx::new(path, text, &mut errors, &normalizer);
        if let Some(raw) = cx.parse::<RawSentiment>(SENTIMENT_KEYS) {
            lists.sentiment = load_sentiment(&mut cx, raw);
        }
    }
    lists.topics = load_topics(files, &mut errors, &normalizer);
    check_narrower(&lists.topics, &mut errors);
    if !errors.is_empty() {
        return Err(ListErrors(errors));
    }
    lists.version = version(files);
    Ok(lists)
}

/// Every topic file, in the order given; a topic whose id is taken is an error.
fn load_topics(
    files: &[(PathBuf, String)],
    errors: &mut Vec<ListError>,
    normalizer: &Normalizer,
) -> Vec<TopicDef> {
    let mut topics = Vec::new();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for (path, text) in files.iter().filter(|(p, _)| is_topic_file(p)) {
        let mut cx = FileCx::new(path, text, errors, normalizer);
        let Some(topic) = cx
            .parse::<RawTopic>(TOPIC_KEYS)
            .and_then(|raw| load_topic(&mut cx, raw))
        else {
            continue;
        };
        if let Some(other) = seen.get(topic.id.as_str()) {
            cx.error_at(
                0,
                format!(
                    "id topik \"{}\" sudah dipakai di {}",
                    topic.id,
                    crate::error::shown(other)
                ),
                Some("setiap topik perlu id yang unik".into()),
            );
        } else {
            seen.insert(topic.id.to_string(), path.clone());
            topics.push(topic);
        }
    }
    topics
}

fn load_sentiment(cx: &mut FileCx<'_>, raw: RawSentiment) -> SentimentDef {
    let mut terms = |list: &[Spanned<String>], what| {
        list.iter()
            .filter_map(|t| cx.term(t, what, false))
            .collect::<Vec<_>>()
    };
    SentimentDef {
        positive: terms(&raw.positive, "kata positif"),
        negative: terms(&raw.negative, "kata negatif"),
        negators: terms(&raw.negators, "kata ingkar"),
        intensifiers: terms(&raw.intensifiers, "kata penguat"),
    }
}

fn is_topic_file(path: &Path) -> bool {
    path.parent()
        .and_then(Path::file_name)
        .is_some_and(|d| d == "topics")
}

fn version(files: &[(PathBuf, String)]) -> String {
    let mut parts: Vec<(String, &str)> = files
        .iter()
        .map(|(p, t)| {
            let name = p
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            let dir = if is_topic_file(p) { "topics/" } else { "" };
            (format!("{dir}{name}"), t.as_str())
        })
        .collect();
    parts.sort();
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for (name, text) in parts {
        hasher.update(name.as_bytes());
        hasher.update(&[0]);
        hasher.update(text.as_bytes());
        hasher.update(&[0]);
    }
    format!("{:016x}", hasher.digest())
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Byte offset in the file of byte `index` of a TOML string's value, `span` being the whole
/// string literal with its quotes. Exact for literal strings ('…', '''…''') and for basic
/// strings without escapes; close otherwise.
fn value_offset(file: &str, span: Range<usize>, index: usize) -> usize {
    let raw = &file[span.clone()];
    let (open, escapes) = if raw.starts_with("'''") {
        (3, false)
    } else if raw.starts_with("\"\"\"") {
        (3, true)
    } else if raw.starts_with('\'') {
        (1, false)
    } else {
        (1, true)
    };
    let mut start = span.start + open;
    if open == 3 && file[start..].starts_with('\n') {
        start += 1;
    } else if open == 3 && file[start..].starts_with("\r\n") {
        start += 2;
    }
    if !escapes {
        return (start + index).min(span.end);
    }
    // Walk the raw text, counting value bytes.
    let mut value = 0;
    let mut chars = file[start..span.end].char_indices();
    while let Some((i, c)) = chars.next() {
        if value >= index {
            return start + i;
        }
        if c == '\\' {
            let decoded_len = match chars.next() {
                Some((_, 'u')) => {
                    chars.by_ref().take(4).count();
                    3
                }
                Some((_, 'U')) => {
                    chars.by_ref().take(8).count();
                    4
                }
                _ => 1,
            };
            value += decoded_len;
        } else {
            value += c.len_utf8();
        }
    }
    span.end
}

fn load_topic(cx: &mut FileCx<'_>, raw: RawTopic) -> Option<TopicDef> {
    let before = cx.errors.len();
    let id = topic_id(cx, raw.id.as_ref());
    let priority = priority(cx, raw.priority.as_ref());
    if raw.name.get_ref().trim().is_empty() {
        cx.error_at(
            raw.name.span().start,
            "name kosong",
            Some("tulis nama isu untuk briefing".into()),
        );
    }
    let any = term_list(cx, &raw.any, "istilah", raw.stem);
    let exclude = term_list(cx, &raw.exclude, "pengecualian", raw.stem);
    check_not_excluded(cx, &any, &exclude);
    let query = raw.query.as_ref().and_then(|q| load_query(cx, q, raw.stem));
    let patterns = load_patterns(cx, &raw.patterns);
    if raw.any.is_empty() && raw.patterns.is_empty() && raw.query.is_none() {
        cx.error_at(
            raw.name.span().start,
            "topik tidak punya aturan",
            Some("isi any = [\"…\"], query = '…' dan/atau patterns = ['…']".into()),
        );
    }
    let subject = raw
        .subject
        .as_ref()
        .map(|s| subject_rule(cx, s))
        .unwrap_or_default();
    let (model, model_requires) = model_rule(cx, &raw.model, &raw.model_requires, raw.stem);
    let examples_match = examples(cx, &raw.examples.matches);
    let examples_no_match = examples(cx, &raw.examples.no_match);
    if cx.errors.len() > before {
        return None;
    }
    Some(TopicDef {
        id: TopicId::new(id),
        name: raw.name.into_inner().trim().to_string(),
        category: raw.category.unwrap_or_else(|| "umum".into()),
        priority,
        owner: raw.owner.filter(|s| !s.trim().is_empty()),
        advice: raw.advice.filter(|s| !s.trim().is_empty()),
        stem: raw.stem,
        any,
        exclude,
        query,
        patterns,
        examples_match,
        examples_no_match,
        narrower: raw
            .narrower
            .iter()
            .map(|n| {
                let (line, col) = cx.pos(n.span().start);
                (TopicId::new(n.get_ref().trim()), line, col)
            })
            .collect(),
        subject,
        subject_written: raw.subject.map(|s| s.into_inner().trim().to_string()),
        model,
        model_requires,
        file: cx.path.to_path_buf(),
    })
}

/// `model = "sara"` with its `model_requires` query: both or neither, and a model this build
/// ships.
fn model_rule(
    cx: &mut FileCx<'_>,
    model: &Option<Spanned<String>>,
    requires: &Option<Spanned<String>>,
    stem: bool,
) -> (Option<String>, Option<QueryDef>) {
    match (model, requires) {
        (None, None) => (None, None),
        (Some(m), Some(q)) => {
            let name = m.get_ref().trim();
            if !super::sara_model::NAMES.contains(&name) {
                cx.error_at(
                    m.span().start,
                    format!("model: \"{name}\" tidak dikenal"),
                    Some(format!(
                        "model yang ada: {}",
                        super::sara_model::NAMES.join(", ")
                    )),
                );
                return (None, None);
            }
            (Some(name.to_string()), load_query(cx, q, stem))
        }
        (Some(m), None) => {
            cx.error_at(
                m.span().start,
                "model tanpa model_requires",
                Some("tulis model_requires = '…' dengan kata kelompok yang wajib ada".into()),
            );
            (None, None)
        }
        (None, Some(q)) => {
            cx.error_at(
                q.span().start,
                "model_requires tanpa model",
                Some("tulis model = \"sara\" atau hapus model_requires".into()),
            );
            (None, None)
        }
    }
}

/// `subject = "lead OR 2 terms"`: alternatives joined by OR, each `lead`, `title` or `N terms`.
fn subject_rule(cx: &mut FileCx<'_>, written: &Spanned<String>) -> Vec<super::salience::Subject> {
    let mut out = Vec::new();
    for part in written.get_ref().split(" OR ") {
        match super::salience::Subject::parse(part) {
            Some(s) => out.push(s),
            None => cx.error_at(
                written.span().start,
                format!("subject: \"{}\" tidak dikenal", part.trim()),
                Some(
                    "tulis \"lead\" (istilah di judul atau paragraf awal), \"title\" (di judul) \
                     atau \"2 terms\" (dua istilah berbeda), digabung dengan OR"
                        .into(),
                ),
            ),
        }
    }
    out
}

/// The topic's `id`, or else its file name; an invalid one is an error (and kept, so that
/// the other checks still run).
fn topic_id(cx: &mut FileCx<'_>, id: Option<&Spanned<String>>) -> String {
    if let Some(id) = id {
        if !valid_id(id.get_ref()) {
            cx.error_at(
                id.span().start,
                format!("id \"{}\" tidak valid", id.get_ref()),
                Some("pakai huruf kecil, angka, - dan _, misalnya \"jalan-rusak\"".into()),
            );
        }
        return id.get_ref().clone();
    }
    let stem_name = cx
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !valid_id(&stem_name) {
        cx.error_at(
            0,
            format!("nama berkas \"{stem_name}\" tidak bisa menjadi id topik"),
            Some("ganti nama berkas (huruf kecil, angka, - dan _) atau isi id = \"…\"".into()),
        );
    }
    stem_name
}

/// The topic's `priority` (sedang when absent or unknown, the latter an error).
fn priority(cx: &mut FileCx<'_>, priority: Option<&Spanned<String>>) -> Priority {
    let Some(p) = priority else {
        return Priority::Sedang;
    };
    match p.get_ref().parse::<Priority>() {
        Ok(p) => p,
        Err(_) => {
            let other = p.get_ref().as_str();
            let known = Priority::NAMES;
            let hint = suggest(other, &known)
                .map(|k| format!("mungkin maksud Anda \"{k}\""))
                .unwrap_or_else(|| "pilih rendah, sedang, tinggi atau kritis".into());
            cx.error_at(
                p.span().start,
                format!("prioritas \"{other}\" tidak dikenal"),
                Some(hint),
            );
            Priority::Sedang
        }
    }
}

/// The terms of `any` or `exclude`.
fn term_list(cx: &mut FileCx<'_>, raw: &[Spanned<String>], what: &str, stem: bool) -> Vec<TermDef> {
    // Kept for the classifier's lifetime (explanations, checks): no growth slack, which with
    // a thousand topics was a tenth of the daemon's memory.
    let mut terms: Vec<TermDef> = raw.iter().filter_map(|t| cx.term(t, what, stem)).collect();
    terms.shrink_to_fit();
    terms
}

/// A term that is also excluded can never make the topic fire.
fn check_not_excluded(cx: &mut FileCx<'_>, any: &[TermDef], exclude: &[TermDef]) {
    for term in any {
        if exclude
            .iter()
            .any(|x| x.folded == term.folded && x.term.stem == term.term.stem)
        {
            cx.errors.push(ListError {
                path: cx.path.to_path_buf(),
                line: term.line,
                col: term.col,
                message: format!(
                    "istilah \"{}\" juga ada di exclude: istilah ini tidak akan pernah cocok",
                    term.written()
                ),
                hint: Some(
                    "hapus dari salah satu daftar; exclude membatalkan topik untuk pos itu".into(),
                ),
                context: None,
            });
        }
    }
}

/// The topic's `patterns`, each checked by building it.
fn load_patterns(cx: &mut FileCx<'_>, raw: &[Spanned<String>]) -> Vec<PatternDef> {
    let mut patterns = Vec::new();
    for p in raw {
        let (line, col) = cx.pos(p.span().start);
        match compile_pattern(p.get_ref()) {
            Ok(_) => patterns.push(PatternDef {
                written: p.get_ref().clone(),
                line,
                col,
            }),
            Err(e) => cx.error_at(
                p.span().start,
                format!("pola regex tidak valid: {}", regex_message(&e)),
                Some(
                    "periksa sintaks regex (tanpa look-around); pola dicocokkan pada teks huruf kecil tanpa aksen"
                        .into(),
                ),
            ),
        }
    }
    patterns
}

/// The examples of one list (`match` or `no_match`), with where each is.
fn examples(cx: &FileCx<'_>, list: &[Spanned<RawExample>]) -> Vec<Example> {
    list.iter()
        .map(|e| {
            let (line, col) = cx.pos(e.span().start);
            let post = match e.get_ref() {
                RawExample::Text(t) => ExamplePost {
                    text: t.clone(),
                    ..ExamplePost::default()
                },
                RawExample::Post(p) => p.clone(),
            };
            Example { post, line, col }
        })
        .collect()
}

/// `narrower` must name other topics that exist, without a cycle (topics that yield to each
/// other would all step aside).
fn check_narrower(topics: &[TopicDef], errors: &mut Vec<ListError>) {
    let ids: Vec<&str> = topics.iter().map(|t| t.id.as_str()).collect();
    let index = |id: &TopicId| ids.iter().position(|&i| i == id.as_str());
    for t in topics {
        for (n, line, col) in &t.narrower {
            let message = if n == &t.id {
                Some((
                    "topik tidak bisa lebih khusus dari dirinya sendiri".to_string(),
                    None,
                ))
            } else if index(n).is_none() {
                let hint = crate::error::suggest(n.as_str(), &ids)
                    .map(|s| format!("mungkin maksud Anda \"{s}\""));
                Some((format!("narrower: topik \"{n}\" tidak ada"), hint))
            } else {
                None
            };
            if let Some((message, hint)) = message {
                errors.push(ListError {
                    path: t.file.clone(),
                    line: *line,
                    col: *col,
                    message,
                    hint,
                    context: None,
                });
            }
        }
    }
    // A cycle: following narrower from a topic leads back to it.
    for (start, t) in topics.iter().enumerate() {
        let mut stack: Vec<usize> = t.narrower.iter().filter_map(|(n, ..)| index(n)).collect();
        let mut seen = vec![false; topics.len()];
        while let Some(i) = stack.pop() {
            if i == start {
                let (_, line, col) = &t.narrower[0];
                errors.push(ListError {
                    path: t.file.clone(),
                    line: *line,
                    col: *col,
                    message: format!("narrower berputar: \"{}\" kembali ke dirinya sendiri", t.id),
                    hint: Some("topik umum menyebut topik khusus, bukan sebaliknya".into()),
                    context: None,
                });
                break;
            }
            if !std::mem::replace(&mut seen[i], true) {
                stack.extend(topics[i].narrower.iter().filter_map(|(n, ..)| index(n)));
            }
        }
    }
}

/// Parses a `query`, folds its terms and checks its regexes; errors carry a caret.
fn load_query(cx: &mut FileCx<'_>, raw: &Spanned<String>, stem: bool) -> Option<QueryDef> {
    let span = raw.span();
    let at = |i: usize| value_offset(cx.text, span.clone(), i);
    let mut expr = match query::parse(raw.get_ref()) {
        Ok(e) => e,
        Err(e) => {
            let offset = at(e.at);
            cx.error_with_caret(offset, format!("query: {}", e.message), e.hint);
            return None;
        }
    };
    let before = cx.errors.len();
    fold_expr(cx, &mut expr, &at, stem);
    if cx.errors.len() > before {
        return None;
    }
    if let Some(pos) = contradiction(&expr) {
        cx.error_with_caret(
            at(pos),
            "query: istilah ini disyaratkan ada dan sekaligus tidak ada; bagian ini tidak akan pernah cocok",
            "hapus salah satunya".into(),
        );
        return None;
    }
    let (line, col) = cx.pos(at(0));
    Some(QueryDef {
        written: raw.get_ref().clone(),
        expr,
        line,
        col,
    })
}

/// Folds every term of a query in place; checks regexes.
fn fold_expr(cx: &mut FileCx<'_>, expr: &mut Expr, at: &dyn Fn(usize) -> usize, stem: bool) {
    match expr {
        Expr::Term(term, pos) => {
            let mut t = term.clone();
            t.stem |= stem && !t.prefix;
            let offset = at(*pos);
            if let Some(def) = cx.fold_term(t, offset, "istilah") {
                term.stem = def.term.stem;
                term.words = def.folded;
            }
        }
        Expr::Regex(re, pos) => {
            if let Err(e) = compile_pattern(re) {
                let offset = at(*pos);
                cx.error_with_caret(
                    offset,
                    format!("query: regex tidak valid: {}", regex_message(&e)),
                    "periksa sintaks regex (tanpa look-around)".into(),
                );
            }
        }
        Expr::And(xs) | Expr::Or(xs) => xs.iter_mut().for_each(|x| fold_expr(cx, x, at, stem)),
        Expr::Not(x) | Expr::InField(_, x) => fold_expr(cx, x, at, stem),
        Expr::Near { left, right, .. } => {
            fold_expr(cx, left, at, stem);
            fold_expr(cx, right, at, stem);
        }
        Expr::Meta(..) => {}
    }
}

/// An AND that requires a term and its absence at once: the position of the negated term.
fn contradiction(expr: &Expr) -> Option<usize> {
    match expr {
        Expr::And(xs) => {
            for x in xs {
                if let Expr::Not(inner) = x
                    && let Expr::Term(t, pos) = inner.as_ref()
                    && xs.iter().any(|y| matches!(y, Expr::Term(u, _) if u == t))
                {
                    return Some(*pos);
                }
            }
            xs.iter().find_map(contradiction)
        }
        Expr::Or(xs) => xs.iter().find_map(contradiction),
        Expr::Not(x) | Expr::InField(_, x) => contradiction(x),
        Expr::Near { left, right, .. } => contradiction(left).or_else(|| contradiction(right)),
        _ => None,
    }
}

/// The regex crate's message without its ASCII-art: the line that says what is wrong.
fn regex_message(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .find_map(|l| l.strip_prefix("error: "))
        .map_or(text.clone(), str::to_owned)
}

fn load_regions(cx: &mut FileCx<'_>, raw: RawRegions) -> Vec<RegionDef> {
    let mut out: Vec<RegionDef> = Vec::new();
    let mut parents: Vec<Option<Spanned<String>>> = Vec::new();
    for entry in raw.region {
        let r = entry.into_inner();
        if let Some(region) = load_region(cx, &r, &out) {
            parents.push(r.parent.clone());
            out.push(region);
        }
    }
    check_parents(cx, &out, &parents);
    out
}

/// One `[[region]]`; None (with an error) when its id or level is wrong.
fn load_region(cx: &mut FileCx<'_>, r: &RawRegion, before: &[RegionDef]) -> Option<RegionDef> {
    if !valid_id(r.id.get_ref()) {
        cx.error_at(
            r.id.span().start,
            format!("id wilayah \"{}\" tidak valid", r.id.get_ref()),
            Some("pakai huruf kecil, angka, - dan _".into()),
        );
        return None;
    }
    if before.iter().any(|o| o.id.as_str() == r.id.get_ref()) {
        cx.error_at(
            r.id.span().start,
            format!("id wilayah \"{}\" ganda", r.id.get_ref()),
            None,
        );
        return None;
    }
    let level = level(cx, &r.level)?;
    let names = region_names(cx, r);
    let other_senses = other_senses(cx, &r.other_senses, &names);
    Some(RegionDef {
        id: RegionId::new(r.id.get_ref().clone()),
        name: r.name.get_ref().trim().to_string(),
        level,
        parent: r
            .parent
            .as_ref()
            .map(|p| RegionId::new(p.get_ref().clone())),
        names,
        other_senses,
    })
}

fn level(cx: &mut FileCx<'_>, level: &Spanned<String>) -> Option<Level> {
    Some(match level.get_ref().as_str() {
        "provinsi" => Level::Provinsi,
        "kabupaten" => Level::Kabupaten,
        "kota" => Level::Kota,
        "kecamatan" => Level::Kecamatan,
        "landmark" => Level::Landmark,
        other => {
            cx.error_at(
                level.span().start,
                format!("level \"{other}\" tidak dikenal"),
                Some("pilih provinsi, kabupaten, kota, kecamatan atau landmark".into()),
            );
            return None;
        }
    })
}

/// A region's name and aliases as terms, each marked when `ambiguous` names it.
fn region_names(cx: &mut FileCx<'_>, r: &RawRegion) -> Vec<RegionName> {
    let all_names: Vec<&Spanned<String>> = std::iter::once(&r.name).chain(&r.aliases).collect();
    for amb in &r.ambiguous {
        if !all_names.iter().any(|n| n.get_ref() == amb.get_ref()) {
            cx.error_at(
                amb.span().start,
                format!(
                    "\"{}\" di ambiguous bukan nama atau alias wilayah ini",
                    amb.get_ref()
                ),
                Some("tulis persis seperti di name atau aliases".into()),
            );
        }
    }
    let mut names = Vec::new();
    for (i, n) in all_names.iter().enumerate() {
        let what = if i == 0 { "nama wilayah" } else { "alias" };
        if let Some(term) = cx.term(n, what, false) {
            let ambiguous = r.ambiguous.iter().any(|a| a.get_ref() == n.get_ref());
            names.push(RegionName { term, ambiguous });
        }
    }
    names
}

/// The `other_senses` phrases; each must hold one of the region's names.
fn other_senses(
    cx: &mut FileCx<'_>,
    raw: &[Spanned<String>],
    names: &[RegionName],
) -> Vec<TermDef> {
    let mut out = Vec::new();
    for phrase in raw {
        let Some(term) = cx.term(phrase, "other_senses", false) else {
            continue;
        };
        let holds_name = names
            .iter()
            .any(|n| contains_words(&term.folded, &n.term.folded));
        if holds_name {
            out.push(term);
        } else {
            cx.error_at(
                phrase.span().start,
                format!(
                    "\"{}\" di other_senses tidak memuat nama atau alias wilayah ini",
                    phrase.get_ref()
                ),
                Some("tulis frasa yang memuat nama itu, misalnya \"Kanwil BPN\"".into()),
            );
        }
    }
    out
}

/// Parents must exist, and following them must end (no cycles).
fn check_parents(cx: &mut FileCx<'_>, out: &[RegionDef], parents: &[Option<Spanned<String>>]) {
    for (i, parent) in parents.iter().enumerate() {
        let Some(p) = parent else { continue };
        if !out.iter().any(|o| o.id.as_str() == p.get_ref()) {
            cx.error_at(
                p.span().start,
                format!("induk \"{}\" tidak ada di daftar wilayah", p.get_ref()),
                Some("tulis id wilayah induk yang ada, misalnya parent = \"kaltim\"".into()),
            );
            continue;
        }
        let mut seen = HashSet::new();
        let mut at = Some(i);
        while let Some(idx) = at {
            if !seen.insert(idx) {
                cx.error_at(
                    p.span().start,
                    format!("rantai induk wilayah \"{}\" berputar", out[i].id),
                    None,
                );
                break;
            }
            at = out[idx]
                .parent
                .as_ref()
                .and_then(|pid| out.iter().position(|o| &o.id == pid));
        }
    }
}

fn load_slang(cx: &mut FileCx<'_>, raw: RawSlang) -> HashMap<String, String> {
    let mut words = HashMap::new();
    let mut entries: Vec<_> = raw.words.into_iter().collect();
    entries.sort_by_key(|(_, v)| v.span().start);
    for (key, value) in entries {
        let k = fold(&key).text.trim().to_string();
        let v = fold(value.get_ref()).text.trim().to_string();
        if k.is_empty() || !k.chars().all(is_word_char) {
            cx.error_at(
                value.span().start,
                format!("kata gaul \"{key}\" harus satu kata"),
                Some("tulis satu kata di kiri, misalnya bnjir = \"banjir\"".into()),
            );
            continue;
        }
        if v.is_empty() {
            cx.error_at(
                value.span().start,
                format!("padanan \"{key}\" kosong"),
                None,
            );
            continue;
        }
        words.insert(k, v);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::lists;

    #[test]
    fn offsets_inside_toml_strings() {
        let file = "a = 'x y'\nb = \"p\\\"q r\"\nc = '''\nmulti z'''\n";
        let span = |s: &str| {
            let start = file.find(s).unwrap();
            start..start + s.len()
        };
        // 'x y': value byte 2 ("y") is at file byte 6.
        assert_eq!(&file[value_offset(file, span("'x y'"), 2)..][..1], "y");
        // "p\"q r": value byte 4 ("r") sits after the escape.
        assert_eq!(
            &file[value_offset(file, span("\"p\\\"q r\""), 4)..][..1],
            "r"
        );
        assert_eq!(
            &file[value_offset(file, span("'''\nmulti z'''"), 6)..][..1],
            "z"
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
}
