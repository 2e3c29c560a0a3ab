//! Bytes → records: JSON Lines or CSV, in UTF-8 (checked line by line, never silently
//! repaired) or in a declared legacy charset (decoded while reading, so a large file is never
//! held in memory whole). Each record comes out with its line number, as a post or as the
//! reason it was refused; only a problem with the whole input (unreadable, a CSV header that
//! does not fit) stops the reading.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read};
use std::rc::Rc;

use encoding_rs::{Decoder, Encoding, UTF_8};
use jiff::Timestamp;

use super::record::{COUNT_FIELDS, FIELDS, POST_FIELDS, RawRecord, unknown_field};
use super::{Charset, Format, IngestError, PushKind, Rejected};
use crate::model::Post;

/// A JSON Lines line longer than this is refused without being held: a post is at most
/// [`crate::sources::text::MAX_TEXT_CHARS`] characters, far below it.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// What reading produced at one place of the input.
// Nearly every record is a post, moved on into a batch at once: boxing it would add an
// allocation to each for the rare rejected line's sake.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Parsed {
    Post { line: u64, post: Post },
    Rejected(Rejected),
}

/// The records of `input`, in order.
pub fn records<'a, R: Read + 'a>(
    input: R,
    format: Format,
    charset: Charset,
    kind: PushKind,
    now: Timestamp,
) -> Result<Box<dyn Iterator<Item = Result<Parsed, IngestError>> + 'a>, IngestError> {
    let input = utf8_input(input, charset)?;
    let cx = Context { kind, now };
    Ok(match format {
        Format::JsonLines => Box::new(JsonLines {
            input,
            cx,
            line: 0,
            buf: Vec::new(),
            seen_record: false,
        }),
        Format::Csv => Box::new(CsvRecords::new(input, cx)?),
    })
}

#[derive(Debug, Clone, Copy)]
struct Context {
    kind: PushKind,
    now: Timestamp,
}

impl Context {
    fn invalid_utf8(&self, bytes: &[u8], error: std::str::Utf8Error, place: &str) -> String {
        let valid = &bytes[..error.valid_up_to()];
        let column = String::from_utf8_lossy(valid).chars().count() + 1;
        let byte = bytes.get(error.valid_up_to()).copied().unwrap_or(0);
        let fix = match self.kind {
            PushKind::Import => {
                "; bila berkas memakai penyandian lama, nyatakan dengan --charset, misalnya --charset windows-1252"
            }
            PushKind::Ingest => "; kirim badan permintaan dalam UTF-8",
        };
        format!("bukan UTF-8 yang valid (bita 0x{byte:02X} {place}kolom {column}){fix}")
    }
}

/// The input as UTF-8 bytes: a declared legacy charset, or a UTF-16 byte-order mark, is
/// decoded as it is read; UTF-8 is passed through (its BOM dropped) and checked later, per line.
fn utf8_input<'a, R: Read + 'a>(
    input: R,
    charset: Charset,
) -> Result<Box<dyn BufRead + 'a>, IngestError> {
    let mut buffered = BufReader::with_capacity(64 * 1024, input);
    let encoding = match charset.legacy() {
        Some(encoding) => Some(encoding),
        None => match Encoding::for_bom(buffered.fill_buf()?) {
            Some((encoding, _)) if encoding != UTF_8 => Some(encoding),
            Some((_, bom)) => {
                buffered.consume(bom);
                None
            }
            None => None,
        },
    };
    Ok(match encoding {
        // The decoder sniffs a BOM itself: one that contradicts the declaration wins.
        Some(encoding) => Box::new(BufReader::with_capacity(
            64 * 1024,
            DecodeReader {
                inner: buffered,
                decoder: encoding.new_decoder(),
                raw: vec![0; 16 * 1024],
                start: 0,
                end: 0,
                eof: false,
                done: false,
            },
        )),
        None => Box::new(buffered),
    })
}

/// Decodes a legacy charset to UTF-8 while reading. It is always wrapped in a `BufReader`,
/// which hands it buffers large enough for any decoded character.
struct DecodeReader<R> {
    inner: R,
    decoder: Decoder,
    raw: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    done: bool,
}

impl<R: Read> Read for DecodeReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.len() < 4 {
            return Err(io::Error::other("decode buffer too small"));
        }
        while !self.done {
            if self.start == self.end && !self.eof {
                self.end = self.inner.read(&mut self.raw)?;
                self.start = 0;
                self.eof = self.end == 0;
            }
            let (result, read, written, _) =
                self.decoder
                    .decode_to_utf8(&self.raw[self.start..self.end], out, self.eof);
            self.start += read;
            if self.eof && result == encoding_rs::CoderResult::InputEmpty {
                self.done = true;
            }
            if written > 0 {
                return Ok(written);
            }
        }
        Ok(0)
    }
}

/// Reads one line (through `\n`) into `out`, at most `cap` bytes of it; returns the bytes
/// consumed (0 at the end) and whether the line was longer than `cap` (then `out` is empty).
fn read_line(r: &mut dyn BufRead, out: &mut Vec<u8>, cap: usize) -> io::Result<(usize, bool)> {
    let (mut total, mut overflow) = (0, false);
    loop {
        let available = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((total, overflow));
        }
        let (take, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if !overflow {
            if out.len() + take > cap {
                overflow = true;
                out.clear();
            } else {
                out.extend_from_slice(&available[..take]);
            }
        }
        r.consume(take);
        total += take;
        if done {
            return Ok((total, overflow));
        }
    }
}

/// One JSON object per line; blank lines are skipped.
struct JsonLines<'a> {
    input: Box<dyn BufRead + 'a>,
    cx: Context,
    line: u64,
    buf: Vec<u8>,
    seen_record: bool,
}

const JSON_EXAMPLE: &str = r#"{"source":"warga-samarinda","text":"Banjir di Sempaja","published":"2026-11-27T08:00:00+08:00"}"#;

impl Iterator for JsonLines<'_> {
    type Item = Result<Parsed, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.buf.clear();
            let (read, overflow) = match read_line(&mut *self.input, &mut self.buf, MAX_LINE_BYTES)
            {
                Ok(r) => r,
                Err(e) => return Some(Err(e.into())),
            };
            if read == 0 {
                return None;
            }
            self.line += 1;
            let line = self.line;
            let reject = |error: String| Some(Ok(Parsed::Rejected(Rejected { line, error })));
            if overflow {
                return reject(format!(
                    "baris lebih panjang dari {} MB; satu baris memuat satu pos",
                    MAX_LINE_BYTES >> 20
                ));
            }
            let text = match std::str::from_utf8(&self.buf) {
                Ok(t) => t.trim(),
                Err(e) => return reject(self.cx.invalid_utf8(&self.buf, e, "di ")),
            };
            if text.is_empty() {
                continue;
            }
            if !self.seen_record && text.starts_with('[') {
                return Some(Err(IngestError::JsonArray { line }));
            }
            self.seen_record = true;
            return match json_record(text).and_then(|r| r.into_post(self.cx.now)) {
                Ok(post) => Some(Ok(Parsed::Post { line, post })),
                Err(error) => reject(error),
            };
        }
    }
}

fn json_record(text: &str) -> Result<RawRecord, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let column = e.column();
        match e.classify() {
            serde_json::error::Category::Eof => format!(
                "JSON terpotong di kolom {column}: kurung kurawal atau tanda kutip belum ditutup"
            ),
            _ => format!("JSON tidak valid di kolom {column}"),
        }
    })?;
    let serde_json::Value::Object(map) = value else {
        return Err(format!(
            "bukan objek JSON; tulis satu objek per baris, misalnya {JSON_EXAMPLE}"
        ));
    };
    let unknown: Vec<String> = map
        .keys()
        .filter(|k| !FIELDS.contains(&k.as_str()))
        .map(|k| unknown_field(k))
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "kunci tidak dikenal: {}; kunci yang dikenal: {}",
            unknown.join(", "),
            POST_FIELDS.join(", ")
        ));
    }
    let mut record = RawRecord::default();
    for (key, value) in map {
        let value = match value {
            serde_json::Value::Null => continue,
            serde_json::Value::String(s) => s,
            // Numeric ids are common in exports; they are ids all the same. Counts are numbers
            // (checked as whole numbers with the record).
            serde_json::Value::Number(n) if key == "id" || COUNT_FIELDS.contains(&key.as_str()) => {
                n.to_string()
            }
            other => {
                let kind = match other {
                    serde_json::Value::Bool(_) => "boolean",
                    serde_json::Value::Number(_) => "angka",
                    serde_json::Value::Array(_) => "daftar",
                    _ => "objek",
                };
                let wanted = if COUNT_FIELDS.contains(&key.as_str()) {
                    "angka"
                } else {
                    "teks"
                };
                return Err(format!("{key} harus berupa {wanted}, bukan {kind}"));
            }
        };
        record.set(&key, value);
    }
    Ok(record)
}

/// CSV with a header row naming the columns (the field names; case and spaces around them
/// do not matter). Comma, semicolon (what Excel writes in an Indonesian locale) or tab,
/// whichever the header uses.
struct CsvRecords<'a> {
    reader: csv::Reader<Lines<Box<dyn BufRead + 'a>>>,
    ends: Rc<RefCell<LineEnds>>,
    /// The field each column fills; None for a column without a name (a trailing separator).
    columns: Vec<Option<&'static str>>,
    record: csv::ByteRecord,
    cx: Context,
}

impl<'a> CsvRecords<'a> {
    fn new(mut input: Box<dyn BufRead + 'a>, cx: Context) -> Result<CsvRecords<'a>, IngestError> {
        let delimiter = sniff_delimiter(input.fill_buf()?);
        let ends = Rc::new(RefCell::new(LineEnds::default()));
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(Lines {
                inner: input,
                offset: 0,
                ends: ends.clone(),
                pending_cr: None,
            });
        let mut header = csv::ByteRecord::new();
        if !reader
            .read_byte_record(&mut header)
            .map_err(io::Error::from)?
        {
            return Err(IngestError::CsvHeader(
                "berkas kosong: baris judul tidak ada".into(),
            ));
        }
        let columns = columns(&header)?;
        Ok(CsvRecords {
            reader,
            ends,
            columns,
            record: csv::ByteRecord::new(),
            cx,
        })
    }

    fn parse(&self) -> Result<Post, String> {
        if self.record.len() != self.columns.len() {
            return Err(format!(
                "{} kolom, padahal baris judul punya {}; periksa pemisah dan tanda kutip",
                self.record.len(),
                self.columns.len()
            ));
        }
        let mut raw = RawRecord::default();
        for (field, column) in self.record.iter().zip(&self.columns) {
            let Some(name) = column else { continue };
            let value = std::str::from_utf8(field)
                .map_err(|e| self.cx.invalid_utf8(field, e, &format!("di {name}, ")))?;
            raw.set(name, value.to_owned());
        }
        raw.into_post(self.cx.now)
    }
}

impl Iterator for CsvRecords<'_> {
    type Item = Result<Parsed, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Err(e) => Some(Err(io::Error::from(e).into())),
            Ok(true) => {
                let start = self.record.position().map_or(0, csv::Position::byte);
                let line = self.ends.borrow_mut().line_of(start);
                Some(Ok(match self.parse() {
                    Ok(post) => Parsed::Post { line, post },
                    Err(error) => Parsed::Rejected(Rejected { line, error }),
                }))
            }
        }
    }
}

/// Where the line ends are, for numbering CSV records: the CSV reader's own numbers count a
/// record from before the blank lines (or the `\n` of a Windows `\r\n`) that precede it.
/// Only the ends not yet passed are kept, a buffer's worth.
#[derive(Debug, Default)]
struct LineEnds {
    /// Offsets of `\r` and `\n` bytes ahead of the last record, and whether each ends a line:
    /// a `\n`, or a `\r` without a `\n` after it (old Mac line ends), at which the CSV reader
    /// ends a record too, so counting only `\n` gave two records the same line number.
    ahead: VecDeque<(u64, bool)>,
    /// Line ends before the last record.
    lines_before: u64,
}

impl LineEnds {
    /// The 1-based line of the record the CSV reader says starts at byte `start`.
    fn line_of(&mut self, start: u64) -> u64 {
        let mut start = start;
        while let Some(&(offset, lf)) = self.ahead.front() {
            // Ends before the record, and those it skipped at its start, belong to earlier lines.
            if offset > start {
                break;
            }
            if offset == start {
                start += 1;
            }
            self.lines_before += u64::from(lf);
            self.ahead.pop_front();
        }
        self.lines_before + 1
    }
}

/// Passes bytes through to the CSV reader, noting where the line ends are.
struct Lines<R> {
    inner: R,
    offset: u64,
    ends: Rc<RefCell<LineEnds>>,
    /// A `\r` at the end of the last read: whether it ends a line depends on the next byte.
    pending_cr: Option<u64>,
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        let mut ends = self.ends.borrow_mut();
        for (i, &byte) in out[..n].iter().enumerate() {
            if let Some(cr) = self.pending_cr.take() {
                ends.ahead.push_back((cr, byte != b'\n'));
            }
            match byte {
                b'\r' => self.pending_cr = Some(self.offset + i as u64),
                b'\n' => ends.ahead.push_back((self.offset + i as u64, true)),
                _ => {}
            }
        }
        if n == 0
            && let Some(cr) = self.pending_cr.take()
        {
            ends.ahead.push_back((cr, true));
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// The separator the header line uses most.
fn sniff_delimiter(head: &[u8]) -> u8 {
    let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
    [b',', b';', b'\t']
        .into_iter()
        // On equal counts (a one-column header has none) the comma wins.
        .max_by_key(|d| (first.iter().filter(|b| *b == d).count(), *d == b','))
        .unwrap_or(b',')
}

/// The header row → the field of each column; unknown, missing and repeated names are an
/// error naming them.
fn columns(header: &csv::ByteRecord) -> Result<Vec<Option<&'static str>>, IngestError> {
    let mut columns = Vec::with_capacity(header.len());
    let mut unknown = Vec::new();
    for raw in header {
        let name = std::str::from_utf8(raw)
            .map_err(|_| {
                IngestError::CsvHeader(
                    "baris judul bukan UTF-8 yang valid; nyatakan penyandian dengan --charset"
                        .into(),
                )
            })?
            .trim()
            .to_lowercase();
        if name.is_empty() {
            columns.push(None);
            continue;
        }
        match FIELDS.iter().find(|f| **f == name) {
            Some(field) if columns.contains(&Some(*field)) => {
                return Err(IngestError::CsvHeader(format!(
                    "kolom \"{field}\" muncul lebih dari sekali"
                )));
            }
            Some(field) => columns.push(Some(*field)),
            None => {
                unknown.push(unknown_field(&name));
                columns.push(None);
            }
        }
    }
    if !unknown.is_empty() {
        return Err(IngestError::CsvHeader(format!(
            "kolom tidak dikenal: {}; kolom yang dikenal: {}",
            unknown.join(", "),
            POST_FIELDS.join(", ")
        )));
    }
    if !columns.contains(&Some("source")) {
        return Err(IngestError::CsvHeader("kolom source wajib ada".into()));
    }
    if !columns.contains(&Some("text")) && !columns.contains(&Some("title")) {
        return Err(IngestError::CsvHeader(
            "kolom text (atau title) wajib ada".into(),
        ));
    }
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-27T00:00:00Z".parse().unwrap()
    }

    fn read(bytes: &[u8], format: Format, charset: Charset) -> Vec<Result<Post, (u64, String)>> {
        records(bytes, format, charset, PushKind::Import, now())
            .unwrap()
            .map(|r| match r.unwrap() {
                Parsed::Post { post, .. } => Ok(post),
                Parsed::Rejected(r) => Err((r.line, r.error)),
            })
            .collect()
    }

    #[test]
    fn json_lines_report_bad_lines_by_number_and_keep_the_rest() {
        let input = "\u{feff}{\"source\":\"a\",\"text\":\"satu\"}\n\
                     \n\
                     {\"source\":\"a\",\"txt\":\"dua\"}\r\n\
                     {\"source\":\"a\",\"text\":\"tiga\"\n\
                     [1]\n\
                     {\"source\":\"a\",\"id\":7,\"text\":\"empat\",\"lang\":null}\n\
                     {\"source\":\"a\",\"text\":true}";
        let out = read(input.as_bytes(), Format::JsonLines, Charset::UTF8);
        assert_eq!(out.len(), 6);
        assert_eq!(out[0].as_ref().unwrap().text, "satu");
        let err = |i: usize| out[i].as_ref().unwrap_err().clone();
        assert_eq!(err(1).0, 3);
        assert!(
            err(1)
                .1
                .starts_with("kunci tidak dikenal: \"txt\" (mungkin maksud Anda \"text\")"),
            "{:?}",
            err(1)
        );
        assert_eq!(err(2).0, 4);
        assert!(
            err(2).1.starts_with("JSON terpotong di kolom"),
            "{:?}",
            err(2)
        );
        assert_eq!(
            err(3),
            (
                5,
                format!("bukan objek JSON; tulis satu objek per baris, misalnya {JSON_EXAMPLE}")
            )
        );
        assert_eq!(out[4].as_ref().unwrap().external_id, "7");
        assert_eq!(err(5), (7, "text harus berupa teks, bukan boolean".into()));
    }

    #[test]
    fn undeclared_invalid_utf8_is_reported_per_line() {
        let mut input = b"{\"source\":\"a\",\"text\":\"Samboja ".to_vec();
        input.extend_from_slice(b"\x96 banjir\"}\n{\"source\":\"a\",\"text\":\"ok\"}\n");
        let out = read(&input, Format::JsonLines, Charset::UTF8);
        let (line, error) = out[0].as_ref().unwrap_err();
        assert_eq!(*line, 1);
        assert!(
            error.starts_with("bukan UTF-8 yang valid (bita 0x96 di kolom 31)")
                && error.contains("--charset windows-1252"),
            "{error}"
        );
        assert_eq!(out[1].as_ref().unwrap().text, "ok");
        // Declared, the same bytes are read as what they are.
        let out = read(
            &input,
            Format::JsonLines,
            Charset::from_label("windows-1252").unwrap(),
        );
        assert_eq!(out[0].as_ref().unwrap().text, "Samboja – banjir");
    }

    #[test]
    fn a_json_array_is_refused_with_the_fix() {
        let err = records(
            &b"\n[{\"source\":\"a\",\"text\":\"x\"}]\n"[..],
            Format::JsonLines,
            Charset::UTF8,
            PushKind::Import,
            now(),
        )
        .unwrap()
        .find_map(Result::err)
        .unwrap();
        assert!(matches!(err, IngestError::JsonArray { line: 2 }), "{err:?}");
    }

    #[test]
    fn an_overlong_line_is_refused_without_holding_it() {
        let mut input = format!(
            "{{\"source\":\"a\",\"text\":\"{}\"}}\n",
            "x".repeat(MAX_LINE_BYTES)
        );
        input.push_str("{\"source\":\"a\",\"text\":\"ok\"}\n");
        let out = read(input.as_bytes(), Format::JsonLines, Charset::UTF8);
        assert!(out[0].as_ref().unwrap_err().1.contains("lebih panjang"));
        assert_eq!(out[1].as_ref().unwrap().text, "ok");
    }

    #[test]
    fn csv_columns_are_checked_and_records_numbered_by_line() {
        let input = "Source;TEXT;published;\n\
                     a;\"Banjir\ndi Sempaja\";2026-11-26T08:00:00+08:00;\n\
                     a;x;kemarin;\n\
                     a;kurang\n";
        let out = read(input.as_bytes(), Format::Csv, Charset::UTF8);
        assert_eq!(out[0].as_ref().unwrap().text, "Banjir\ndi Sempaja");
        assert_eq!(out[1].as_ref().unwrap_err().0, 4);
        assert!(
            out[1]
                .as_ref()
                .unwrap_err()
                .1
                .starts_with("published \"kemarin\"")
        );
        assert_eq!(
            out[2].as_ref().unwrap_err(),
            &(
                5,
                "2 kolom, padahal baris judul punya 4; periksa pemisah dan tanda kutip".into()
            )
        );

        let header_error = |text: &str| match records(
            text.as_bytes(),
            Format::Csv,
            Charset::UTF8,
            PushKind::Import,
            now(),
        ) {
            Err(IngestError::CsvHeader(m)) => m,
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("accepted {text:?}"),
        };
        assert_eq!(
            header_error("source,txt,publshed,warna\n"),
            "kolom tidak dikenal: \"txt\" (mungkin maksud Anda \"text\"), \"publshed\" (mungkin maksud Anda \"published\"), \"warna\"; kolom yang dikenal: source, text, id, url, title, author, published, lang"
        );
        assert_eq!(header_error("text\n"), "kolom source wajib ada");
        assert_eq!(
            header_error("source,url\n"),
            "kolom text (atau title) wajib ada"
        );
        assert_eq!(
            header_error("source,text,text\n"),
            "kolom \"text\" muncul lebih dari sekali"
        );
        assert_eq!(header_error(""), "berkas kosong: baris judul tidak ada");
    }

    #[test]
    fn csv_line_numbers_count_blank_lines_and_windows_line_ends() {
        for newline in ["\n", "\r\n"] {
            let input =
                "source,text\n\na,satu\na,\"dua\nbaris\"\n\n\nb,\na,tiga".replace('\n', newline);
            let out = read(input.as_bytes(), Format::Csv, Charset::UTF8);
            assert_eq!(out.len(), 4, "{newline:?}");
            assert_eq!(out[1].as_ref().unwrap().text, "dua\nbaris", "{newline:?}");
            assert_eq!(out[2].as_ref().unwrap_err().0, 8, "{newline:?}");
            assert_eq!(out[3].as_ref().unwrap().text, "tiga", "{newline:?}");
        }
        let mut ends = LineEnds::default();
        ends.ahead
            .extend([(5, true), (6, false), (7, true), (9, true)]);
        assert_eq!(ends.line_of(0), 1);
        assert_eq!(ends.line_of(5), 3);
        assert_eq!(ends.line_of(10), 4);
    }

    #[test]
    fn legacy_csv_and_utf16_are_decoded() {
        let bytes = b"source,text\nwarga,Kecamatan Samboja \x96 banjir setinggi 1 m\xB2\n";
        let out = read(bytes, Format::Csv, Charset::from_label("cp1252").unwrap());
        assert_eq!(
            out[0].as_ref().unwrap().text,
            "Kecamatan Samboja – banjir setinggi 1 m²"
        );
        // Undeclared, the record is refused and says how to declare it.
        let out = read(bytes, Format::Csv, Charset::UTF8);
        let (line, error) = out[0].as_ref().unwrap_err();
        assert_eq!(*line, 2);
        assert!(
            error.starts_with("bukan UTF-8 yang valid (bita 0x96 di text, kolom 19)"),
            "{error}"
        );
        // A UTF-16 byte-order mark is a declaration of its own.
        let utf16: Vec<u8> = "\u{feff}source,text\na,Sungai Karang Mumus – meluap\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let out = read(&utf16, Format::Csv, Charset::UTF8);
        assert_eq!(
            out[0].as_ref().unwrap().text,
            "Sungai Karang Mumus – meluap"
        );
    }

    /// Fuzzing (fuzz/fuzz_targets/import.rs, crash-b9a1b51d): a bare `\r` ends a CSV record,
    /// but only `\n` counted as a line end, so the records on either side of it were both
    /// reported on line 3. The exact input (windows-1252), then a smaller one in UTF-8.
    #[test]
    fn csv_bare_carriage_returns_end_lines() {
        let input = b"source,id,title,text,published,author\x0D\x0Awarga-kuka)r6:00%\x09:00+08:00,Pak Da\x93\x92\x88\x9Ean\x0D\x0Awadalam  Darmawan\x0D\xFF\x00arga-kukar,";
        let lines: Vec<u64> = records(
            &input[..],
            Format::Csv,
            Charset::from_label("windows-1252").unwrap(),
            PushKind::Import,
            now(),
        )
        .unwrap()
        .map(|r| match r.unwrap() {
            Parsed::Post { line, .. } => line,
            Parsed::Rejected(r) => r.line,
        })
        .collect();
        assert_eq!(lines, [2, 3, 4]);

        let out = read(
            b"source,text\ra,satu\rb,dua\r\nc,tiga",
            Format::Csv,
            Charset::UTF8,
        );
        let texts: Vec<&str> = out
            .iter()
            .map(|r| r.as_ref().unwrap().text.as_str())
            .collect();
        assert_eq!(texts, ["satu", "dua", "tiga"]);
        let out = read(
            b"source,text\ra,satu\rb,\r\nc,tiga\r",
            Format::Csv,
            Charset::UTF8,
        );
        assert_eq!(out[1].as_ref().unwrap_err().0, 3);
    }
}
