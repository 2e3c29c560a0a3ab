//! `pantau export [--topic ID] [--region ID] [--since WAKTU] [--until WAKTU] [--format csv|jsonl]
//! [--out BERKAS] [--include-mentioned]`: stored posts for analysts, oldest first, through
//! [`crate::export`]. To stdout, or to a file written whole or not at all (a temporary file
//! beside it, renamed when complete), with a progress line on a terminal.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use jiff::{SignedDuration, Timestamp};

use super::progress::Progress;
use super::user_error;
use crate::Classifier;
use crate::error::shown;
use crate::export::{ExportError, Exporter, Format};
use crate::store::browse::ExportFilter;
use crate::store::{Browse, Store};

/// The period exported when `--since` is not given.
pub const DEFAULT_DAYS: i64 = 7;

pub const AFTER_LONG_HELP: &str = "\
Kolom (CSV) atau medan (JSON Lines), selalu dalam urutan ini:
  id                 nomor unggahan di basis data
  published          waktu terbit, waktu lokal RFC 3339, misalnya 2026-11-27T09:00:00+08:00
  source, platform   id sumber; tempat unggahan dibuat (x, youtube, news, …)
  author, url, title penulis, tautan, judul (kosong bila tidak ada)
  text               isi unggahan
  topics, regions    topik dan wilayah yang dibahas (dihitung); di CSV dipisah spasi
  mentioned_topics, mentioned_regions
                     topik dan wilayah yang hanya disebut (tidak dihitung)
  sentiment          positif, netral, berpotensi_negatif atau negatif (kosong bila tidak dinilai)
  sentiment_score    skor kamus sentimen (di bawah 0: kata negatif lebih berat)
  story              nomor cerita (salinan berita yang sama satu cerita)
  likes, shares, comments, views, followers
                     jangkauan menurut platform; kosong (CSV) atau null (JSON) bila tidak
                     dinyatakan; shares 0 bila tidak dinyatakan

Sel CSV yang diawali =, +, -, @, tab atau CR diberi awalan ' agar tidak dijalankan sebagai
rumus oleh spreadsheet. Urutan: terlama dahulu. Tanpa --topic: semua unggahan yang bertopik;
unggahan tanpa topik tidak diekspor.

Contoh:
  pantau export --topic banjir --since 2026-11-01 --out banjir-november.csv
  pantau export --region samarinda --format jsonl | jq .title";

/// `--format`.
pub fn parse_format(name: &str) -> Result<Format, String> {
    Format::from_name(name)
        .ok_or_else(|| format!("format \"{name}\" tidak dikenal; pakai csv atau jsonl"))
}

/// What `pantau export` was asked for, as typed.
pub struct Request<'a> {
    pub topic: Option<&'a str>,
    pub region: Option<&'a str>,
    pub since: Option<&'a str>,
    pub until: Option<&'a str>,
    pub format: Format,
    pub out: Option<&'a Path>,
    pub mentioned: bool,
}

pub fn export(path: Option<&Path>, req: &Request<'_>) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    let settings = &config.settings;
    super::init_logging(Some(settings), "warn");
    let tz = &settings.schedule.timezone;
    let classifier = super::classifier(&config)?;
    let filter = ExportFilter {
        topic: known_topic(&classifier, req.topic)?,
        region: known_region(&classifier, req.region)?,
        since: Some(since(req.since, tz)?),
        until: until(req.until, tz)?,
        mentioned: req.mentioned,
    };
    if let (Some(s), Some(u)) = (filter.since, filter.until)
        && s >= u
    {
        return Err(user_error(
            "--since tidak sebelum --until: periode kosong",
            "tulis --since lebih awal dari --until, misalnya --since 2026-11-01 --until 2026-11-30",
        ));
    }
    let store = Store::connect_read_only(&settings.storage)?;
    let written = match req.out {
        Some(file) => to_file(&store, &filter, req.format, tz, file)?,
        None => {
            use std::io::IsTerminal as _;
            let mut exporter = Exporter::new(std::io::stdout().lock(), req.format, tz.clone())?;
            if std::io::stdout().is_terminal() {
                exporter = exporter.on_terminal();
            }
            let (n, out) = run(&store, &filter, exporter, None)?;
            drop(out);
            n
        }
    };
    summary(req, written, &filter, tz)?;
    Ok(ExitCode::SUCCESS)
}

/// The topic asked for, if it is one of the lists in force.
fn known_topic(classifier: &Classifier, topic: Option<&str>) -> anyhow::Result<Option<String>> {
    let Some(t) = topic.map(str::trim) else {
        return Ok(None);
    };
    if classifier.topic(&t.into()).is_some() {
        return Ok(Some(t.to_string()));
    }
    let ids: Vec<&str> = classifier.topics().iter().map(|t| t.id.as_str()).collect();
    Err(unknown("topik", t, &ids, "keywords/topics/*.toml"))
}

/// The region asked for, if it is one of keywords/regions.toml.
fn known_region(classifier: &Classifier, region: Option<&str>) -> anyhow::Result<Option<String>> {
    let Some(r) = region.map(str::trim) else {
        return Ok(None);
    };
    if classifier.region(&r.into()).is_some() {
        return Ok(Some(r.to_string()));
    }
    let ids: Vec<&str> = classifier.regions().iter().map(|r| r.id.as_str()).collect();
    Err(unknown("wilayah", r, &ids, "keywords/regions.toml"))
}

/// `topik "banjr" tidak dikenal`, with the nearest id and every known one.
fn unknown(what: &str, id: &str, known: &[&str], file: &str) -> anyhow::Error {
    let guess = crate::error::suggest(id, known)
        .map(|g| format!("mungkin maksud Anda \"{g}\"; "))
        .unwrap_or_default();
    user_error(
        format!("{what} \"{id}\" tidak dikenal"),
        format!("{guess}{what} yang ada ({file}): {}", known.join(", ")),
    )
}

/// `--since`: a local date (its start) or time; by default [`DEFAULT_DAYS`] ago.
fn since(text: Option<&str>, tz: &jiff::tz::TimeZone) -> anyhow::Result<Timestamp> {
    match text {
        Some(t) => super::parse_local_time(t, tz, "--since"),
        None => Ok(Timestamp::now() - SignedDuration::from_hours(24 * DEFAULT_DAYS)),
    }
}

/// `--until`: the end of a local date, or a local time; none by default.
fn until(text: Option<&str>, tz: &jiff::tz::TimeZone) -> anyhow::Result<Option<Timestamp>> {
    text.map(|t| {
        crate::time::parse_local_end(t, tz).ok_or_else(|| {
            user_error(
                format!("waktu \"{t}\" tidak valid"),
                "tulis tanggal lokal YYYY-MM-DD (sampai akhir hari itu) atau YYYY-MM-DDTHH:MM, \
                 misalnya --until 2026-11-30",
            )
        })
    })
    .transpose()
}

/// Hands every post of `filter` to `exporter`, ticking `progress`; the posts written and the
/// writer, flushed.
fn run<W: std::io::Write>(
    store: &Store,
    filter: &ExportFilter,
    mut exporter: Exporter<W>,
    mut progress: Option<&mut Progress>,
) -> Result<(u64, W), ExportError> {
    store.export_posts(filter, |post| {
        exporter.write(&post)?;
        if let Some(p) = progress.as_deref_mut() {
            p.tick();
        }
        Ok::<(), ExportError>(())
    })?;
    let n = exporter.written();
    Ok((n, exporter.finish()?))
}

/// Writes the export to a temporary file beside `file`, then renames it into place: `file` is
/// the whole export or untouched.
fn to_file(
    store: &Store,
    filter: &ExportFilter,
    format: Format,
    tz: &jiff::tz::TimeZone,
    file: &Path,
) -> anyhow::Result<u64> {
    use std::io::IsTerminal as _;
    let name = shown(file);
    let tmp = temporary(file);
    let result = (|| -> anyhow::Result<u64> {
        let out = std::fs::File::create(&tmp)
            .with_context(|| format!("{name}: berkas tidak dapat dibuat"))?;
        // Counting costs a pass over the index; only worth it when someone watches.
        let total = if std::io::stderr().is_terminal() {
            store.count_export(filter)?
        } else {
            0
        };
        let mut progress = Progress::new(total);
        let (n, out) = run(
            store,
            filter,
            Exporter::new(out, format, tz.clone())?,
            Some(&mut progress),
        )
        .with_context(|| name.clone())?;
        progress.finish();
        out.sync_all()
            .and_then(|()| std::fs::rename(&tmp, file))
            .with_context(|| format!("{name}: berkas tidak dapat ditulis"))?;
        Ok(n)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `.NAME.<pid>.tmp` beside `file`, so the rename stays on one file system.
fn temporary(file: &Path) -> PathBuf {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ekspor".into());
    file.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// One line on what was written: on stdout after a file, on stderr after an export to stdout
/// (whose stdout is the export itself).
fn summary(
    req: &Request<'_>,
    written: u64,
    filter: &ExportFilter,
    tz: &jiff::tz::TimeZone,
) -> std::io::Result<()> {
    let at = |ts: Timestamp| {
        ts.to_zoned_datetime(tz.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    };
    let zone = crate::time::zone_label(tz, Timestamp::now());
    let period = format!(
        "{} – {} {zone}",
        filter.since.map(at).unwrap_or_default(),
        filter.until.map_or_else(|| "sekarang".to_string(), at)
    );
    let what = match (&filter.topic, &filter.region) {
        (Some(t), Some(r)) => format!("topik {t}, wilayah {r}"),
        (Some(t), None) => format!("topik {t}"),
        (None, Some(r)) => format!("semua topik, wilayah {r}"),
        (None, None) => "semua topik".to_string(),
    };
    let mut line = match req.out {
        Some(file) => format!(
            "{}: {written} unggahan ({}; {what}; {period})",
            shown(file),
            req.format.as_str()
        ),
        None => format!(
            "{written} unggahan diekspor ({}; {what}; {period})",
            req.format.as_str()
        ),
    };
    if written == 0 && req.since.is_none() {
        line.push_str(&format!(
            "; bawaan hanya {DEFAULT_DAYS} hari terakhir, pakai --since untuk periode lain"
        ));
    }
    match req.out {
        Some(_) => writeln!(std::io::stdout().lock(), "{line}"),
        None => writeln!(std::io::stderr().lock(), "{line}"),
    }
}
