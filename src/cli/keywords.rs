//! `pantau keywords check`: validates every keyword file and runs the examples inside them.
//! Errors print as `file:line:col: message`, then one `saran:` and a count; exit 1 on any.

use std::path::Path;
use std::process::ExitCode;

use super::progress::Progress;
use crate::classify::{Classifier, lists};
use crate::store::Browse;

pub fn check(path: Option<&Path>) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    let settings = &config.settings;
    super::init_logging(Some(settings), "warn");
    let dir = &settings.keywords.dir;
    let errors = match lists::load_dir(dir).and_then(Classifier::from_lists) {
        Ok(classifier) => {
            let errors = classifier.check_examples();
            if errors.is_empty() {
                let examples: usize = classifier
                    .topics()
                    .iter()
                    .map(|t| t.examples_match.len() + t.examples_no_match.len())
                    .sum();
                outln!(
                    "{}: {} topik, {} wilayah, {} contoh — semua valid (versi {})",
                    crate::error::shown(dir),
                    classifier.topics().len(),
                    classifier.regions().len(),
                    examples,
                    classifier.version()
                );
                return Ok(ExitCode::SUCCESS);
            }
            errors
        }
        Err(e) => e.0,
    };
    for e in &errors {
        eprintln!("{e}");
    }
    if let Some(hint) = errors.iter().find_map(|e| e.hint.clone()) {
        eprintln!("\nsaran: {hint}");
    }
    let mut files: Vec<_> = errors.iter().map(|e| &e.path).collect();
    files.sort();
    files.dedup();
    eprintln!("{} galat di {} berkas", errors.len(), files.len());
    Ok(ExitCode::from(1))
}

/// Parses `--since` (a local date) or defaults to `days` days ago.
fn since(
    settings: &crate::config::Settings,
    text: Option<&str>,
    days: i64,
) -> anyhow::Result<jiff::Timestamp> {
    let tz = &settings.schedule.timezone;
    Ok(match text {
        Some(d) => crate::time::day_bounds(super::parse_date(d, "--since")?, tz).0,
        None => jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * days),
    })
}

/// What changes for one topic.
#[derive(Default)]
struct Change {
    before: u64,
    after: u64,
    gained: Vec<String>,
    lost: Vec<String>,
    gained_n: u64,
    lost_n: u64,
}

const SAMPLES: usize = 3;

fn sample(row: &crate::store::TaggedRow) -> String {
    let text = row
        .title
        .as_deref()
        .filter(|t| !t.is_empty())
        .unwrap_or(&row.text);
    format!("[{}] {}", row.source, crate::format::excerpt(text, 100))
}

/// `pantau keywords backtest`: re-tags stored posts with the lists on disk, in memory, and
/// reports per topic what would be gained and lost. Nothing is written.
pub fn backtest(
    path: Option<&Path>,
    since_text: Option<&str>,
    topic: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    let settings = &config.settings;
    super::init_logging(Some(settings), "warn");
    let classifier = super::classifier(&config)?;
    if let Some(t) = topic
        && classifier.topic(&t.into()).is_none()
    {
        return Err(super::user_error(
            format!("topik \"{t}\" tidak ada di daftar kata kunci"),
            "lihat id topik di nama berkas keywords/topics/*.toml",
        ));
    }
    let store = crate::store::Store::connect_read_only(&settings.storage)?;
    let start = since(settings, since_text, 30)?;
    let regions = config.regions();
    let languages = &config.settings.keywords.languages;
    let mut changes: std::collections::BTreeMap<String, Change> = Default::default();
    let mut progress = Progress::new(store.count_posts_since(start)?);
    let mut posts = 0u64;
    store.scan_posts(start, |row| {
        progress.tick();
        posts += 1;
        // Tagged as the pipeline tags (and as the editor's preview does).
        let (after, _) =
            crate::workbench::preview::topics_of(&classifier, &row, &regions, languages);
        let mut all: Vec<&str> = row
            .topics
            .iter()
            .map(String::as_str)
            .chain(after.iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        for t in all {
            if topic.is_some_and(|only| only != t) {
                continue;
            }
            let was = row.topics.iter().any(|x| x == t);
            let now = after.contains(&t);
            let c = changes.entry(t.to_string()).or_default();
            c.before += was as u64;
            c.after += now as u64;
            if now && !was {
                c.gained_n += 1;
                if c.gained.len() < SAMPLES {
                    c.gained.push(sample(&row));
                }
            }
            if was && !now {
                c.lost_n += 1;
                if c.lost.len() < SAMPLES {
                    c.lost.push(sample(&row));
                }
            }
        }
    })?;
    progress.finish();
    print_backtest(&changes, posts, start, settings)?;
    Ok(ExitCode::SUCCESS)
}

fn print_backtest(
    changes: &std::collections::BTreeMap<String, Change>,
    posts: u64,
    start: jiff::Timestamp,
    settings: &crate::config::Settings,
) -> std::io::Result<()> {
    outln!(
        "{posts} unggahan sejak {} ditandai ulang dengan daftar di disk (tidak ada yang ditulis).\n",
        crate::time::format_local(
            start,
            &settings.schedule.timezone,
            settings.briefing.language
        )
    );
    let rows: Vec<[String; 5]> = changes
        .iter()
        .map(|(t, c)| {
            [
                t.clone(),
                c.before.to_string(),
                c.after.to_string(),
                format!("+{}", c.gained_n),
                format!("-{}", c.lost_n),
            ]
        })
        .collect();
    super::print_table(
        &["TOPIK", "SEKARANG", "SETELAH", "BERTAMBAH", "HILANG"],
        &rows,
    )?;
    for (t, c) in changes {
        if c.gained.is_empty() && c.lost.is_empty() {
            continue;
        }
        outln!("\n{t}:");
        for s in &c.gained {
            outln!("  + {s}");
        }
        for s in &c.lost {
            outln!("  - {s}");
        }
    }
    Ok(())
}

/// `pantau keywords suggest TOPIC`: words and two-word phrases over-represented in the topic's
/// posts compared with all other posts, not yet in its lists ([`crate::workbench::suggest`]).
pub fn suggest(
    path: Option<&Path>,
    topic: &str,
    since_text: Option<&str>,
    limit: usize,
) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    let settings = &config.settings;
    super::init_logging(Some(settings), "warn");
    let classifier = super::classifier(&config)?;
    let store = crate::store::Store::connect_read_only(&settings.storage)?;
    let start = since(settings, since_text, 90)?;
    let mut progress = Progress::new(store.count_posts_since(start)?);
    let found =
        crate::workbench::suggest::suggest(&store, &classifier, topic, start, limit, || {
            progress.tick()
        })?;
    progress.finish();
    let Some(found) = found else {
        return Err(super::user_error(
            format!("topik \"{topic}\" tidak ada di daftar kata kunci"),
            "lihat id topik di nama berkas keywords/topics/*.toml",
        ));
    };
    if found.inside == 0 {
        outln!(
            "Belum ada unggahan bertopik \"{topic}\" sejak tanggal itu; tidak ada yang bisa disarankan."
        );
        return Ok(ExitCode::SUCCESS);
    }
    let (inside, outside) = (found.inside, found.outside);
    outln!(
        "Usulan kata untuk \"{topic}\" dari {inside} unggahan bertopik dan {outside} unggahan lain (belum ada di daftarnya):\n"
    );
    let rows: Vec<[String; 4]> = found
        .terms
        .iter()
        .map(|s| {
            [
                s.term.clone(),
                s.inside.to_string(),
                s.outside.to_string(),
                format!("{:.1}", s.score),
            ]
        })
        .collect();
    super::print_table(&["KATA/FRASA", "DI TOPIK", "DI LUAR", "SKOR"], &rows)?;
    outln!(
        "\nPeriksa dulu dengan `pantau keywords backtest` sebelum menambahkannya ke any atau query."
    );
    Ok(ExitCode::SUCCESS)
}
