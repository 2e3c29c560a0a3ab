//! `pantau trends [--window 24h] [--json] [--at TIME] [--limit N]`: rising issues now.

use std::path::Path;
use std::process::ExitCode;

use jiff::Timestamp;

use crate::store::Store;
use crate::time::{Lang, format_local};
use crate::trends::{self, Rule, Trend, Window};

pub fn trends(
    path: Option<&Path>,
    window: Window,
    json: bool,
    at: Option<&str>,
    limit: usize,
) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    let settings = &config.settings;
    super::init_logging(Some(settings), "warn");
    let tz = &settings.schedule.timezone;
    let lang = settings.briefing.language;
    let now = match at {
        Some(text) => super::parse_local_time(text, tz, "--at")?,
        None => Timestamp::now(),
    };
    let end = crate::time::window_end(now);
    let classifier = super::classifier(&config)?;
    let rows = match Store::connect_read_only(&settings.storage) {
        Ok(store) => trends::compute(&store, &classifier, end, window, &Rule::default(), lang)?,
        Err(e) if json && e.is_missing() => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    if json {
        let mut rows = rows;
        if let Ok(store) = Store::connect_read_only(&settings.storage) {
            trends::add_reach(&store, &mut rows)?;
        }
        outln!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    let period = format!(
        "{} – {}",
        format_local(end - window.duration(), tz, lang),
        format_local(end, tz, lang)
    );
    if rows.is_empty() {
        outln!(
            "Tidak ada isu dalam {} jam terakhir ({period}).",
            window.hours()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let rising = rows.iter().filter(|t| t.rising).count();
    outln!(
        "Isu dalam {} jam terakhir ({period}): {rising} naik dari {} baris.\n",
        window.hours(),
        rows.len()
    );
    print_rows(&rows, limit.max(rising), lang)?;
    outln!(
        "\nAturan: naik bila ≥ {} cerita, ≥ {}× rata-rata jam yang sama 7 hari sebelumnya, dan skor ≥ {} \
         (lihat docs/trends.md).",
        Rule::default().min_count,
        Rule::default().min_ratio,
        Rule::default().min_score
    );
    Ok(ExitCode::SUCCESS)
}

/// The table of the first `shown` rows, and how many more there are.
fn print_rows(rows: &[Trend], shown: usize, lang: Lang) -> std::io::Result<()> {
    let shown: Vec<&Trend> = rows.iter().take(shown).collect();
    let table: Vec<[String; 6]> = shown
        .iter()
        .map(|t| {
            [
                status(t).to_string(),
                t.name.clone(),
                t.region_name.clone().unwrap_or_else(|| "semua".into()),
                t.count.to_string(),
                crate::format::format_decimal(t.score, lang),
                t.reason.clone(),
            ]
        })
        .collect();
    super::print_table(
        &["STATUS", "ISU", "WILAYAH", "CERITA", "SKOR", "ALASAN"],
        &table,
    )?;
    if shown.len() < rows.len() {
        outln!(
            "\n… {} baris lain; `--limit {}` untuk semuanya, `--json` untuk angka lengkap.",
            rows.len() - shown.len(),
            rows.len()
        );
    }
    Ok(())
}

fn status(t: &Trend) -> &'static str {
    match (t.rising, t.new) {
        (true, true) => "BARU, NAIK",
        (true, false) => "NAIK",
        (false, true) => "baru",
        (false, false) => match t.direction {
            trends::Direction::Turun => "turun",
            _ => "stabil",
        },
    }
}
