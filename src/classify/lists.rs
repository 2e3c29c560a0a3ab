//! Loading the analysts' keyword files: `topics/*.toml`, `regions.toml`, `slang.toml`,
//! `sentiment.toml`. Every problem is collected (not only the first) as a [`ListError`] at
//! `file:line:col`, with the text as written and a hint, so that one `pantau keywords check`
//! shows everything to fix.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::normalize::{Slang, fold_term, is_word_char};
use crate::error::{line_col, suggest};
use crate::model::{Priority, RegionId, TopicId};

/// A problem in a keyword file, at the spot where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListError {
    pub path: PathBuf,
    pub line: usize,
    pub col: usize,
    pub message: String,
    pub hint: Option<String>,
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
        )
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

/// A term as the analyst wrote it, folded for matching, with its position.
#[derive(Debug, Clone)]
pub struct TermDef {
    pub written: String,
    pub folded: String,
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone)]
pub struct PatternDef {
    pub written: String,
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone)]
pub struct Example {
    pub text: String,
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
    pub any: Vec<TermDef>,
    pub exclude: Vec<TermDef>,
    pub patterns: Vec<PatternDef>,
    pub examples_match: Vec<Example>,
    pub examples_no_match: Vec<Example>,
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

#[derive(Debug, Clone)]
pub struct RegionDef {
    pub id: RegionId,
    pub name: String,
    pub level: Level,
    pub parent: Option<RegionId>,
    /// Name and aliases, folded.
    pub terms: Vec<TermDef>,
}

#[derive(Debug, Clone, Default)]
pub struct SentimentDef {
    pub positive: Vec<TermDef>,
    pub negative: Vec<TermDef>,
    pub negators: Vec<TermDef>,
}

/// Everything in `keywords/`, parsed and validated.
#[derive(Debug, Clone, Default)]
pub struct Lists {
    pub topics: Vec<TopicDef>,
    pub regions: Vec<RegionDef>,
    pub slang: Slang,
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
    any: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    query: Option<Spanned<String>>,
    #[serde(default)]
    patterns: Vec<Spanned<String>>,
    #[serde(default)]
    examples: RawExamples,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawExamples {
    #[serde(default, rename = "match")]
    matches: Vec<Spanned<String>>,
    #[serde(default)]
    no_match: Vec<Spanned<String>>,
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
}

// ---- loading ---------------------------------------------------------------------------

/// One file being read: its path as shown to the user and its text.
struct FileCx<'a> {
    path: &'a Path,
    text: &'a str,
    errors: &'a mut Vec<ListError>,
}

impl FileCx<'_> {
    fn error_at(&mut self, offset: usize, message: impl Into<String>, hint: Option<String>) {
        let (line, col) = line_col(self.text, offset);
        self.errors.push(ListError {
            path: self.path.to_path_buf(),
            line,
            col,
            message: message.into(),
            hint,
        });
    }

    fn pos(&self, offset: usize) -> (usize, usize) {
        line_col(self.text, offset)
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

    /// A term checked and folded; `None` (with an error) when it cannot match anything.
    fn term(&mut self, term: &Spanned<String>, slang: &Slang, what: &str) -> Option<TermDef> {
        let written = term.get_ref();
        let folded = slang
            .apply(super::normalize::fold(written))
            .text
            .trim()
            .to_string();
        let (line, col) = self.pos(term.span().start);
        if !folded.chars().any(is_word_char) {
            self.error_at(
                term.span().start,
                format!("{what} \"{written}\" kosong atau tanpa huruf"),
                Some("hapus istilah ini atau tulis kata yang hendak dicari".into()),
            );
            return None;
        }
        if folded.contains(['*', '"', '(', ')']) {
            self.error_at(
                term.span().start,
                format!("{what} \"{written}\" memakai tanda kueri (* \" ( )) yang belum didukung di daftar ini"),
                Some("tulis kata utuh; untuk pola pakai patterns = ['…']".into()),
            );
            return None;
        }
        Some(TermDef {
            written: written.clone(),
            folded,
            line,
            col,
        })
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
    if message.starts_with("invalid type") {
        return (
            format!("tipe nilai salah ({message})"),
            Some("teks ditulis dalam tanda kutip; daftar ditulis [\"a\", \"b\"]".into()),
        );
    }
    (
        format!("TOML tidak valid: {message}"),
        Some("periksa tanda kutip, koma dan kurung pada baris itu".into()),
    )
}

const TOPIC_KEYS: &[&str] = &[
    "id", "name", "category", "priority", "owner", "advice", "any", "exclude", "query", "patterns",
    "examples", "match", "no_match",
];

/// Reads every keyword file under `dir`.
pub fn load_dir(dir: &Path) -> Result<Lists, ListErrors> {
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
                "buat folder keywords/topics/ berisi satu berkas .toml per isu, atau atur [keywords] dir".into(),
            ),
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
    load_files(&files)
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

    // Slang first: terms elsewhere are folded through it, so "bnjir" in a list still works.
    if let Some((path, text)) = named("slang.toml") {
        let mut cx = FileCx {
            path,
            text,
            errors: &mut errors,
        };
        if let Some(raw) = cx.parse::<RawSlang>(&["words"]) {
            lists.slang = load_slang(&mut cx, raw);
        }
    }
    if let Some((path, text)) = named("regions.toml") {
        let mut cx = FileCx {
            path,
            text,
            errors: &mut errors,
        };
        if let Some(raw) =
            cx.parse::<RawRegions>(&["region", "id", "name", "level", "parent", "aliases"])
        {
            lists.regions = load_regions(&mut cx, raw, &lists.slang);
        }
    }
    if let Some((path, text)) = named("sentiment.toml") {
        let mut cx = FileCx {
            path,
            text,
            errors: &mut errors,
        };
        if let Some(raw) = cx.parse::<RawSentiment>(&["positive", "negative", "negators"]) {
            let mut terms = |list: &[Spanned<String>], what| {
                list.iter()
                    .filter_map(|t| cx.term(t, &lists.slang, what))
                    .collect::<Vec<_>>()
            };
            lists.sentiment = SentimentDef {
                positive: terms(&raw.positive, "kata positif"),
                negative: terms(&raw.negative, "kata negatif"),
                negators: terms(&raw.negators, "kata ingkar"),
            };
        }
    }
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for (path, text) in files.iter().filter(|(p, _)| is_topic_file(p)) {
        let mut cx = FileCx {
            path,
            text,
            errors: &mut errors,
        };
        if let Some(raw) = cx.parse::<RawTopic>(TOPIC_KEYS)
            && let Some(topic) = load_topic(&mut cx, raw, &lists.slang)
        {
            if let Some(other) = seen.get(topic.id.as_str()) {
                cx.error_at(
                    0,
                    format!(
                        "id topik \"{}\" sudah dipakai di {}",
                        topic.id,
                        other.display()
                    ),
                    Some("setiap topik perlu id yang unik".into()),
                );
            } else {
                seen.insert(topic.id.to_string(), path.clone());
                lists.topics.push(topic);
            }
        }
    }
    if !errors.is_empty() {
        return Err(ListErrors(errors));
    }
    lists.version = version(files);
    Ok(lists)
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

fn load_topic(cx: &mut FileCx<'_>, raw: RawTopic, slang: &Slang) -> Option<TopicDef> {
    let before = cx.errors.len();
    let stem = cx
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let id = match &raw.id {
        Some(id) => {
            if !valid_id(id.get_ref()) {
                cx.error_at(
                    id.span().start,
                    format!("id \"{}\" tidak valid", id.get_ref()),
                    Some("pakai huruf kecil, angka, - dan _, misalnya \"jalan-rusak\"".into()),
                );
            }
            id.get_ref().clone()
        }
        None => {
            if !valid_id(&stem) {
                cx.error_at(
                    0,
                    format!("nama berkas \"{stem}\" tidak bisa menjadi id topik"),
                    Some(
                        "ganti nama berkas (huruf kecil, angka, - dan _) atau isi id = \"…\""
                            .into(),
                    ),
                );
            }
            stem
        }
    };
    let priority = match &raw.priority {
        None => Priority::Sedang,
        Some(p) => match p.get_ref().as_str() {
            "rendah" => Priority::Rendah,
            "sedang" => Priority::Sedang,
            "tinggi" => Priority::Tinggi,
            "kritis" => Priority::Kritis,
            other => {
                let known = ["rendah", "sedang", "tinggi", "kritis"];
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
        },
    };
    if raw.name.get_ref().trim().is_empty() {
        cx.error_at(
            raw.name.span().start,
            "name kosong",
            Some("tulis nama isu untuk briefing".into()),
        );
    }
    if let Some(q) = &raw.query {
        cx.error_at(
            q.span().start,
            "kunci `query` belum didukung versi ini",
            Some(
                "untuk sementara tulis istilah di any = [\"…\"] atau pola di patterns = ['…']"
                    .into(),
            ),
        );
    }
    let any: Vec<TermDef> = raw
        .any
        .iter()
        .filter_map(|t| cx.term(t, slang, "istilah"))
        .collect();
    let exclude: Vec<TermDef> = raw
        .exclude
        .iter()
        .filter_map(|t| cx.term(t, slang, "pengecualian"))
        .collect();
    let mut patterns = Vec::new();
    for p in &raw.patterns {
        let (line, col) = cx.pos(p.span().start);
        match super::compile_pattern(p.get_ref()) {
            Ok(_) => patterns.push(PatternDef {
                written: p.get_ref().clone(),
                line,
                col,
            }),
            Err(e) => cx.error_at(
                p.span().start,
                format!("pola regex tidak valid: {}", regex_message(&e)),
                Some("periksa sintaks regex (tanpa look-around); pola dicocokkan pada teks huruf kecil tanpa aksen".into()),
            ),
        }
    }
    if raw.any.is_empty() && raw.patterns.is_empty() && raw.query.is_none() {
        cx.error_at(
            raw.name.span().start,
            "topik tidak punya aturan",
            Some("isi any = [\"…\"] dan/atau patterns = ['…']".into()),
        );
    }
    let example = |e: &Spanned<String>, cx: &FileCx<'_>| {
        let (line, col) = cx.pos(e.span().start);
        Example {
            text: e.get_ref().clone(),
            line,
            col,
        }
    };
    let examples_match = raw
        .examples
        .matches
        .iter()
        .map(|e| example(e, cx))
        .collect();
    let examples_no_match = raw
        .examples
        .no_match
        .iter()
        .map(|e| example(e, cx))
        .collect();
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
        any,
        exclude,
        patterns,
        examples_match,
        examples_no_match,
        file: cx.path.to_path_buf(),
    })
}

/// The regex crate's message without its ASCII-art: the line that says what is wrong.
fn regex_message(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .find_map(|l| l.strip_prefix("error: "))
        .map_or(text.clone(), str::to_owned)
}

fn load_regions(cx: &mut FileCx<'_>, raw: RawRegions, slang: &Slang) -> Vec<RegionDef> {
    let mut out: Vec<RegionDef> = Vec::new();
    let mut parents: Vec<Option<Spanned<String>>> = Vec::new();
    for entry in raw.region {
        let start = entry.span().start;
        let r = entry.into_inner();
        if !valid_id(r.id.get_ref()) {
            cx.error_at(
                r.id.span().start,
                format!("id wilayah \"{}\" tidak valid", r.id.get_ref()),
                Some("pakai huruf kecil, angka, - dan _".into()),
            );
            continue;
        }
        if out.iter().any(|o| o.id.as_str() == r.id.get_ref()) {
            cx.error_at(
                r.id.span().start,
                format!("id wilayah \"{}\" ganda", r.id.get_ref()),
                None,
            );
            continue;
        }
        let level = match r.level.get_ref().as_str() {
            "provinsi" => Level::Provinsi,
            "kabupaten" => Level::Kabupaten,
            "kota" => Level::Kota,
            "kecamatan" => Level::Kecamatan,
            "landmark" => Level::Landmark,
            other => {
                cx.error_at(
                    r.level.span().start,
                    format!("level \"{other}\" tidak dikenal"),
                    Some("pilih provinsi, kabupaten, kota, kecamatan atau landmark".into()),
                );
                continue;
            }
        };
        let mut terms = Vec::new();
        let name_term = cx.term(&r.name, slang, "nama wilayah");
        terms.extend(name_term);
        for alias in &r.aliases {
            terms.extend(cx.term(alias, slang, "alias"));
        }
        let _ = start;
        parents.push(r.parent.clone());
        out.push(RegionDef {
            id: RegionId::new(r.id.get_ref().clone()),
            name: r.name.get_ref().trim().to_string(),
            level,
            parent: r.parent.map(|p| RegionId::new(p.into_inner())),
            terms,
        });
    }
    // Parents must exist, and following them must end (no cycles).
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
    out
}

fn load_slang(cx: &mut FileCx<'_>, raw: RawSlang) -> Slang {
    let mut words = HashMap::new();
    let mut entries: Vec<_> = raw.words.into_iter().collect();
    entries.sort_by_key(|(_, v)| v.span().start);
    for (key, value) in entries {
        let k = fold_term(&key);
        let v = fold_term(value.get_ref());
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
    Slang::new(words)
}
