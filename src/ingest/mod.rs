//! Pushed posts: `pantau import FILE` and `POST /api/ingest` share this module, so a record
//! means the same thing on both paths.
//!
//! A record is one post: JSON Lines (one object a line) or CSV (a header row naming the
//! columns), with the fields `source` (required: an id like a configured source's), `text`
//! (required unless `title`), `id`, `url`, `title`, `author`, `published` (RFC 3339; default:
//! now) and `lang`:
//!
//! ```text
//! {"source":"warga-samarinda","text":"Banjir lagi di Sempaja","published":"2026-11-27T08:00:00+08:00"}
//! ```
//!
//! Flow: [`read`] turns bytes into records, numbered by line, each checked ([`record`]); a bad
//! record is reported with its line and the reading goes on. Good records go in batches of
//! [`BATCH`] to the caller's `commit` — the engine's pipeline, which classifies them with the
//! lists in force and stores each batch in one transaction with its tags and hourly counts,
//! so a huge import never holds one giant transaction and a `kill -9` loses at most the batch
//! in flight. Identity follows the feed rules (`id`, else
//! the canonical URL, else the text hash), so importing the same file again stores nothing
//! twice. Each source named gets a `sources` row of kind `import` or `ingest`.

pub mod read;
pub mod record;

use std::io::Read;
use std::path::Path;

use encoding_rs::{Encoding, REPLACEMENT, UTF_8};
use jiff::Timestamp;

use crate::model::Post;

pub use read::Parsed;

/// Posts committed per transaction.
pub const BATCH: usize = 500;

/// Rejected records kept for the report; the rest are only counted, so a wholly broken
/// million-line file does not fill memory with messages.
pub const MAX_REJECTED_LISTED: usize = 1000;

/// Charset labels shown when one is not recognised.
pub const CHARSET_EXAMPLES: &str = "utf-8, windows-1252, iso-8859-1, iso-8859-15, utf-16le";

/// How the records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    JsonLines,
    Csv,
}

impl Format {
    /// From a file's extension: `.jsonl`, `.ndjson`, `.json` or `.csv`.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Format::from_name(&ext)
    }

    /// From a name as `--format` takes it.
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "jsonl" | "ndjson" | "json" => Some(Format::JsonLines),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::JsonLines => "JSON Lines",
            Format::Csv => "CSV",
        }
    }
}

/// The input's character encoding: UTF-8 (the default, checked strictly), or a legacy
/// charset the sender declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charset(&'static Encoding);

impl Charset {
    pub const UTF8: Charset = Charset(UTF_8);

    /// A WHATWG encoding label: `utf-8`, `windows-1252`, `latin1`, `iso-8859-15`, `utf-16le`, ….
    pub fn from_label(label: &str) -> Result<Charset, IngestError> {
        match Encoding::for_label(label.trim().as_bytes()) {
            Some(encoding) if encoding != REPLACEMENT => Ok(Charset(encoding)),
            _ => Err(IngestError::UnknownCharset(label.to_owned())),
        }
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The encoding to decode from, or None for UTF-8 (validated line by line instead).
    fn legacy(self) -> Option<&'static Encoding> {
        (self.0 != UTF_8).then_some(self.0)
    }
}

/// Which door the posts came in by: the `kind` of the sources they create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushKind {
    /// `pantau import FILE`.
    Import,
    /// `POST /api/ingest`.
    Ingest,
}

impl PushKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PushKind::Import => "import",
            PushKind::Ingest => "ingest",
        }
    }
}

/// A record that was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejected {
    /// 1-based line of the input where the record starts.
    pub line: u64,
    pub error: String,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "baris {}: {}", self.line, self.error)
    }
}

/// What an import or ingest did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Report {
    /// Records that passed every check (new or already stored).
    pub accepted: usize,
    /// Accepted records stored for the first time.
    pub new: usize,
    /// The first [`MAX_REJECTED_LISTED`] refused records, in input order.
    pub rejected: Vec<Rejected>,
    /// Every refused record, listed or not.
    pub rejected_total: usize,
}

impl Report {
    fn reject(&mut self, rejected: Rejected) {
        self.rejected_total += 1;
        if self.rejected.len() < MAX_REJECTED_LISTED {
            self.rejected.push(rejected);
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("tidak dapat dibaca: {0}")]
    Read(#[from] std::io::Error),
    #[error("baris judul CSV: {0}")]
    CsvHeader(String),
    #[error("baris {line}: isinya larik JSON, bukan JSON Lines")]
    JsonArray { line: u64 },
    #[error("penyandian \"{0}\" tidak dikenal; contoh: {CHARSET_EXAMPLES}")]
    UnknownCharset(String),
    #[error("gagal menyimpan rekaman mulai baris {line}: {source}")]
    Store {
        /// First line of the batch that was not stored.
        line: u64,
        /// Posts stored (new) before it.
        stored: usize,
        source: CommitError,
    },
}

/// Why a batch could not be stored, as the storing side says it, with its advice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CommitError {
    pub message: String,
    pub hint: Option<String>,
}

impl IngestError {
    /// What to do about it, in Indonesian.
    pub fn hint(&self) -> Option<String> {
        match self {
            IngestError::CsvHeader(_) => Some(format!(
                "baris pertama CSV memuat nama kolom, misalnya source,text,published; kolom yang dikenal: {}",
                record::FIELDS.join(", ")
            )),
            IngestError::JsonArray { .. } => Some(
                "tulis satu objek JSON per baris, misalnya dengan `jq -c '.[]' berkas.json > berkas.jsonl`"
                    .into(),
            ),
            IngestError::UnknownCharset(_) => Some(format!(
                "nyatakan penyandian berkas dengan nama yang dikenal, misalnya --charset windows-1252 (contoh lain: {CHARSET_EXAMPLES})"
            )),
            IngestError::Store { stored, source, .. } => Some(format!(
                "{stored} pos sebelumnya sudah tersimpan; setelah masalahnya diatasi{}, kirim ulang data yang sama: yang sudah tersimpan dilewati",
                source.hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default()
            )),
            IngestError::Read(_) => None,
        }
    }
}

/// Reads and checks every record of `input`, pushed by the door `kind` at `now`; good records
/// go to `commit` in batches of [`BATCH`], each stored in one transaction, and `commit` says
/// how many of them were new. A bad record is reported with its line and the reading goes on.
pub fn ingest<R: Read>(
    input: R,
    format: Format,
    charset: Charset,
    (kind, now): (PushKind, Timestamp),
    mut commit: impl FnMut(Vec<Post>) -> Result<usize, CommitError>,
) -> Result<Report, IngestError> {
    let mut report = Report::default();
    let mut batch: Vec<(u64, Post)> = Vec::with_capacity(BATCH);
    let mut flush = |batch: &mut Vec<(u64, Post)>, report: &mut Report| {
        let Some(&(line, _)) = batch.first() else {
            return Ok(());
        };
        let posts = std::mem::take(batch).into_iter().map(|(_, p)| p).collect();
        let new = commit(posts).map_err(|source| IngestError::Store {
            line,
            stored: report.new,
            source,
        })?;
        report.new += new;
        Ok::<(), IngestError>(())
    };
    for parsed in read::records(input, format, charset, kind, now)? {
        match parsed? {
            Parsed::Post { line, post } => {
                report.accepted += 1;
                batch.push((line, post));
                if batch.len() == BATCH {
                    flush(&mut batch, &mut report)?;
                }
            }
            Parsed::Rejected(rejected) => report.reject(rejected),
        }
    }
    flush(&mut batch, &mut report)?;
    Ok(report)
}
