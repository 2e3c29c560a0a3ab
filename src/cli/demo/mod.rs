//! `pantau demo`: the embedded default. It writes a small Pantau installation into a fresh
//! folder — the starter keyword lists, a config, and the bundled sample corpus (twelve imagined
//! Kalimantan Timur news sites and social accounts, eight days, about 430 items, written by
//! `demo/gen_demo.py`) with every date shifted so that the newest item is "now" — then runs the
//! real pipeline over it: the feed poller reads the files through `file://` URLs, the classifier
//! tags, the store keeps, and the digest writes the briefing of the last 24 hours. Offline, in
//! seconds, and the folder stays usable with `--config DIR/config/default.toml`.

mod files;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, bail};
use jiff::{SignedDuration, Timestamp};
use regex::bytes::{Captures, Regex};

use crate::classify::Classifier;
use crate::digest::{self, Request};
use crate::engine::{self, Config, SharedClassifier};
use crate::store::{Browse, Store, Writes};
use crate::time::{local_date, parse_feed_date};

pub use files::{FEEDS, KEYWORDS};

/// The demo's sources: feed file stem, display name, home region (None = province-wide).
pub const SOURCES: &[(&str, &str, Option<&str>)] = &[
    ("warta-mahakam", "Warta Mahakam", None),
    ("samarinda-kini", "Samarinda Kini", Some("samarinda")),
    ("balikpapan-today", "Balikpapan Today", Some("balikpapan")),
    ("bontang-terkini", "Bontang Terkini", Some("bontang")),
    ("kukar-pos", "Kukar Pos", Some("kutai-kartanegara")),
    ("kutim-satu", "Kutim Satu", Some("kutai-timur")),
    ("berau-ekspres", "Berau Ekspres", Some("berau")),
    ("paser-raya", "Paser Raya", Some("paser")),
    (
        "nusantara-pos",
        "Nusantara Pos",
        Some("penajam-paser-utara"),
    ),
    ("hulu-mahakam", "Hulu Mahakam News", None),
    ("lapor-warga", "Lapor Warga Kaltim", None),
    ("suara-netizen", "Suara Netizen Benua Etam", None),
];

/// Marks a folder as written by `pantau demo`, so that running it again may replace it.
const MARKER: &str = ".pantau-demo";

/// What the demo did, printed at the end.
#[derive(Debug)]
pub struct DemoReport {
    pub dir: PathBuf,
    pub seconds: f64,
    pub sources: usize,
    pub failed: Vec<String>,
    pub items: usize,
    pub stored: u64,
    pub tagged: u64,
    pub briefing: digest::Written,
}

impl fmt::Display for DemoReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.briefing.briefing;
        writeln!(f, "Demo Pantau selesai dalam {:.1} detik.", self.seconds)?;
        writeln!(
            f,
            "  {} item dari {} sumber dibaca; {} unggahan tersimpan, {} di antaranya bertopik.",
            self.items, self.sources, self.stored, self.tagged
        )?;
        for failed in &self.failed {
            writeln!(f, "  sumber gagal: {failed}")?;
        }
        writeln!(f, "\nIsu utama ({}):", b.period.label)?;
        for (i, issue) in b.issues.iter().filter(|i| i.in_summary).enumerate() {
            writeln!(f, "  {}. {}: {}", i + 1, issue.name, issue.sentence)?;
        }
        writeln!(f, "\nBriefing:")?;
        writeln!(f, "  {}", self.briefing.markdown.display())?;
        writeln!(f, "  {}", self.briefing.html.display())?;
        writeln!(f, "  {}", self.briefing.json.display())?;
        writeln!(
            f,
            "Basis data: {}",
            self.dir.join("data/pantau.db").display()
        )?;
        let config = self.dir.join("config/default.toml");
        writeln!(f, "\nCoba juga:")?;
        writeln!(f, "  pantau --config {} sources", config.display())?;
        write!(
            f,
            "  pantau --config {} classify --explain \"Jalan di Sempaja banjir lagi, air setinggi 50 cm\"",
            config.display()
        )
    }
}

/// Runs the demo into `dir`.
pub fn run(dir: &Path) -> anyhow::Result<DemoReport> {
    let started = Instant::now();
    prepare_dir(dir)?;
    let dir = std::path::absolute(dir)?;
    let now = Timestamp::from_second(Timestamp::now().as_second())?;
    let items = write_files(&dir, now)?;

    let config = Config::load(Some(&dir.join("config/default.toml")))?;
    let settings = &config.settings;
    let classifier = Arc::new(Classifier::load(&settings.keywords.dir)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let shared = SharedClassifier::new(classifier.clone());
    let results = runtime.block_on(engine::poll_round(&config, &config.sources, shared))?;
    let failed: Vec<String> = results
        .iter()
        .filter(|r| r.failed)
        .map(|r| format!("{}: {}", r.source, r.status))
        .collect();

    // The last 24 hours, on whole hours (the hourly counts' grain), ending after "now".
    let end = Timestamp::from_second(now.as_second() - now.as_second().rem_euclid(3600) + 3600)?;
    let tz = settings.schedule.timezone.clone();
    let request = Request {
        date: local_date(now, &tz),
        kind: digest::PeriodKind::Day,
        start: end - SignedDuration::from_hours(24),
        end,
        previous_start: end - SignedDuration::from_hours(48),
        tz,
        lang: settings.briefing.language,
        out_dir: settings.briefing.dir.clone(),
        now,
        office: settings.briefing.office.clone(),
        letter: settings.briefing.letter(),
    };
    let mut store = Store::connect(&settings.storage)?;
    let written = digest::write(&store, &classifier, &request)?;
    store.record_briefing(&written.record)?;
    let stored = store.count_posts()?;
    let tagged = store.count_tagged_posts()?;
    Ok(DemoReport {
        dir,
        seconds: started.elapsed().as_secs_f64(),
        sources: results.len(),
        failed,
        items,
        stored,
        tagged,
        briefing: written,
    })
}

/// Creates `dir`, or empties a previous demo there; refuses a folder holding anything else.
fn prepare_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir)
            .with_context(|| format!("{} tidak dapat dibaca", dir.display()))?
            .peekable();
        if entries.peek().is_some() {
            if !dir.join(MARKER).exists() {
                bail!(super::UserError {
                    message: format!("{} sudah berisi berkas lain", dir.display()),
                    hint: Some(
                        "pilih folder baru dengan --out DIR (demo tidak menimpa berkas Anda)"
                            .into()
                    ),
                });
            }
            for sub in ["config", "keywords", "feeds", "data", "briefings"] {
                let path = dir.join(sub);
                if path.exists() {
                    std::fs::remove_dir_all(&path)
                        .with_context(|| format!("{} tidak dapat dihapus", path.display()))?;
                }
            }
        }
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{} tidak dapat dibuat", dir.display()))?;
    std::fs::write(
        dir.join(MARKER),
        "Folder ini ditulis oleh `pantau demo`; menjalankannya lagi menimpa isinya.\n",
    )?;
    Ok(())
}

/// Writes keywords, the shifted feeds and the config; returns the number of feed items.
fn write_files(dir: &Path, now: Timestamp) -> anyhow::Result<usize> {
    for (name, text) in KEYWORDS {
        let path = dir.join("keywords").join(name);
        std::fs::create_dir_all(path.parent().expect("keyword paths have a folder"))?;
        std::fs::write(&path, text)?;
    }
    let shift = shift_to(now)?;
    let feeds = dir.join("feeds");
    std::fs::create_dir_all(&feeds)?;
    let mut items = 0;
    for (name, bytes) in FEEDS {
        items += count_items(bytes);
        std::fs::write(feeds.join(name), shift_dates(bytes, shift))?;
    }
    std::fs::create_dir_all(dir.join("config"))?;
    std::fs::write(dir.join("config/default.toml"), config_text(&feeds))?;
    Ok(items)
}

fn config_text(feeds: &Path) -> String {
    let mut text = String::from(
        "# Written by `pantau demo`. The demo's sources are the bundled feed files, read through\n\
         # file:// URLs by the same poller that reads https:// feeds.\n\n\
         [storage]\npath = \"data/pantau.db\"\n\n[keywords]\ndir = \"keywords\"\n\n\
         [briefing]\ndir = \"briefings\"\nlanguage = \"id\"\n\n[schedule]\ntimezone = \"Asia/Makassar\"\n",
    );
    for (id, name, region) in SOURCES {
        let url = url::Url::from_file_path(feeds.join(format!("{id}.xml")))
            .map(|u| u.to_string())
            .unwrap_or_default();
        text.push_str(&format!(
            "\n[[sources]]\nid = \"{id}\"\nname = \"{name}\"\nkind = \"feed\"\nurl = \"{url}\"\ninterval = \"15m\"\n"
        ));
        if let Some(region) = region {
            text.push_str(&format!("region = \"{region}\"\n"));
        }
    }
    text
}

fn date_regexes() -> [(Regex, bool); 4] {
    let re = |p: &str| Regex::new(p).expect("the date patterns are valid");
    [
        (re(r"<pubDate>([^<]+)</pubDate>"), true),
        (re(r"<published>([^<]+)</published>"), false),
        (re(r"<updated>([^<]+)</updated>"), false),
        (re(r"<dc:date>([^<]+)</dc:date>"), false),
    ]
}

fn dates_in(bytes: &[u8]) -> Vec<Timestamp> {
    date_regexes()
        .iter()
        .flat_map(|(re, _)| re.captures_iter(bytes).collect::<Vec<_>>())
        .filter_map(|c| std::str::from_utf8(&c[1]).ok().and_then(parse_feed_date))
        .collect()
}

/// The shift that moves the newest date of the corpus to `now`.
fn shift_to(now: Timestamp) -> anyhow::Result<SignedDuration> {
    let newest = FEEDS
        .iter()
        .flat_map(|(_, bytes)| dates_in(bytes))
        .max()
        .context("korpus demo tidak berisi tanggal")?;
    Ok(SignedDuration::from_secs(
        now.as_second() - newest.as_second(),
    ))
}

/// Rewrites every date element of a feed, shifted, in its own format (RFC 2822 for RSS 2.0's
/// pubDate, RFC 3339 elsewhere), in WITA as the sites would write it.
fn shift_dates(bytes: &[u8], shift: SignedDuration) -> Vec<u8> {
    let tz = jiff::tz::TimeZone::get("Asia/Makassar").expect("the bundled tzdb has Asia/Makassar");
    let mut out = bytes.to_vec();
    for (re, rfc2822) in date_regexes() {
        out = re
            .replace_all(&out, |c: &Captures<'_>| {
                let whole = c[0].to_vec();
                let Some(ts) = std::str::from_utf8(&c[1]).ok().and_then(parse_feed_date) else {
                    return whole;
                };
                let z = (ts + shift).to_zoned_datetime(tz.clone());
                let text = if rfc2822 {
                    z.strftime("%a, %d %b %Y %H:%M:%S %z").to_string()
                } else {
                    z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
                };
                let open_end = whole.iter().position(|&b| b == b'>').map_or(0, |p| p + 1);
                let close = whole
                    .iter()
                    .rposition(|&b| b == b'<')
                    .unwrap_or(whole.len());
                [&whole[..open_end], text.as_bytes(), &whole[close..]].concat()
            })
            .into_owned();
    }
    out
}

fn count_items(bytes: &[u8]) -> usize {
    let count = |needle: &[u8]| bytes.windows(needle.len()).filter(|w| *w == needle).count();
    count(b"<item>") + count(b"<item ") + count(b"<entry>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_files_match_the_folders() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut on_disk: Vec<String> = std::fs::read_dir(root.join("keywords/topics"))
            .unwrap()
            .map(|e| format!("topics/{}", e.unwrap().file_name().to_string_lossy()))
            .chain(["regions.toml", "sentiment.toml", "slang.toml"].map(String::from))
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = KEYWORDS.iter().map(|(n, _)| n.to_string()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk, "update src/cli/demo/files.rs");
        let mut feeds: Vec<String> = std::fs::read_dir(root.join("demo/feeds"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        feeds.sort();
        let listed: Vec<String> = FEEDS.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(listed, feeds, "update src/cli/demo/files.rs");
        let sources: Vec<String> = SOURCES
            .iter()
            .map(|(id, _, _)| format!("{id}.xml"))
            .collect();
        let mut sorted = sources.clone();
        sorted.sort();
        assert_eq!(sorted, feeds);
    }

    #[test]
    fn dates_shift_in_their_own_format() {
        let rss = b"<pubDate>Thu, 26 Nov 2026 21:00:00 +0800</pubDate><updated>2026-11-26T20:00:00+08:00</updated>";
        let out = shift_dates(rss, SignedDuration::from_hours(25));
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            "<pubDate>Fri, 27 Nov 2026 22:00:00 +0800</pubDate><updated>2026-11-27T21:00:00+08:00</updated>"
        );
        let newest = FEEDS.iter().flat_map(|(_, b)| dates_in(b)).max().unwrap();
        assert_eq!(newest.to_string(), "2026-11-26T13:00:00Z");
    }
}
