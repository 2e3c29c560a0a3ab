//! `pantau digest [--date YYYY-MM-DD] [--out DIR]`: writes that day's briefing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use jiff::ToSpan;

use crate::digest::{self, Request};
use crate::store::{Maintenance, Store, Writes};
use crate::time::{Lang, local_date};

pub fn digest(
    path: Option<&Path>,
    date: Option<&str>,
    out: Option<PathBuf>,
    lang: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    let settings = &config.settings;
    super::init_logging(Some(settings), "warn");
    let tz = &settings.schedule.timezone;
    let date = match date {
        Some(d) => super::parse_date(d, "--date")?,
        None => local_date(jiff::Timestamp::now(), tz).checked_sub(1.day())?,
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
    let request = Request::day(date, tz, lang, out_dir).with_office(&settings.briefing.office);
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
