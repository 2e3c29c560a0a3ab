//! `pantau digest [--period day|week|month] [--date YYYY-MM-DD] [--out DIR]`: writes the
//! briefing of the day, ISO week or calendar month holding the date (by default the last
//! whole one).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::digest::{self, PeriodKind, Request};
use crate::store::{Maintenance, Store, Writes};
use crate::time::{Lang, local_date};

pub fn digest(
    path: Option<&Path>,
    period: &str,
    date: Option<&str>,
    out: Option<PathBuf>,
    lang: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    let settings = &config.settings;
    super::init_logging(Some(settings), "warn");
    let tz = &settings.schedule.timezone;
    let Some(kind) = PeriodKind::parse(period) else {
        return Err(super::user_error(
            format!("periode \"{period}\" tidak dikenal"),
            "pakai --period day, --period week atau --period month",
        ));
    };
    let date = match date {
        Some(d) => super::parse_date(d, "--date")?,
        None => kind.last_full(local_date(jiff::Timestamp::now(), tz)),
    };
    let lang = match lang {
        None => settings.briefing.language,
        Some("id") => Lang::Id,
        Some("en") => Lang::En,
        Some(other) => {
            return Err(super::user_error(
                format!("bahasa \"{other}\" tidak didukung"),
                "pakai --lang id atau --lang en",
            ));
        }
    };
    let classifier = super::classifier(&config)?;
    let out_dir = out.unwrap_or_else(|| settings.briefing.dir.clone());
    let mut store = Store::open(&settings.storage.path)?;
    store.limit_size(settings.storage.max_size_mb)?;
    let request =
        Request::period(kind, date, tz, lang, out_dir).with_office(&settings.briefing.office);
    let written = digest::write(&store, &classifier, &request)?;
    store.record_briefing(&written.record)?;
    outln!(
        "Briefing {} ditulis: {} isu, {} unggahan.\n  {}\n  {}\n  {}",
        written.briefing.date,
        written.briefing.issues.len(),
        written.briefing.totals.posts,
        written.markdown.display(),
        written.html.display(),
        written.json.display()
    );
    Ok(ExitCode::SUCCESS)
}
