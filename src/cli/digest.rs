//! `pantau digest [--period day|week|month] [--date YYYY-MM-DD] [--out DIR] [--send]`: writes the
//! briefing of the day, ISO week or calendar month holding the date (by default the last whole
//! one), or with `--send` sends it (written first when its files are missing) to the leaders.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::alerts::briefing::{self as deliver, Outcome, Retry};
use crate::digest::{self, PeriodKind, Request};
use crate::engine::Config;
use crate::store::{Maintenance, Store, Writes};
use crate::time::{Lang, local_date};

pub fn digest(
    path: Option<&Path>,
    period: &str,
    date: Option<&str>,
    out: Option<PathBuf>,
    lang: Option<&str>,
    send: bool,
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
    if send && settings.briefing.deliver.is_empty() {
        return Err(super::user_error(
            "tidak ada tujuan pengiriman telaahan",
            "tulis id tujuan [[alerts.sinks]] berjenis email atau telegram di [briefing] deliver",
        ));
    }
    let out_dir = out.unwrap_or_else(|| settings.briefing.dir.clone());
    let mut store = Store::connect(&settings.storage)?;
    store.limit_size(settings.storage.max_size_mb)?;
    // Posts a running daemon committed in its last moments placed in their stories first,
    // so the briefing counts each story once and misses none.
    store.finish_pending()?;
    let key = kind.stem(kind.first_day(date));
    let written = ["md", "html", "json"]
        .iter()
        .all(|ext| out_dir.join(format!("{key}.{ext}")).is_file());
    if !send || !written {
        let classifier = super::classifier(&config)?;
        let request = Request::period(kind, date, tz, lang, out_dir.clone())
            .with_office(&settings.briefing.office)
            .with_letter(settings.briefing.letter());
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
    }
    if !send {
        return Ok(ExitCode::SUCCESS);
    }
    let outcomes = send_day(&config, &mut store, &out_dir, &key, lang)?;
    print_outcomes(&key, &outcomes)
}

/// Sends the files of `date` in `out_dir` through every `[briefing] deliver` sink, recording
/// each try in `store`.
fn send_day(
    config: &Config,
    store: &mut Store,
    out_dir: &Path,
    date: &str,
    lang: Lang,
) -> anyhow::Result<Vec<Outcome>> {
    let parcel = deliver::parcel(out_dir, date, lang)?;
    let sinks = config.briefing_sinks()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut unrecorded = None;
    let outcomes = runtime.block_on(deliver::deliver(
        date,
        &parcel,
        &sinks,
        Retry::default(),
        |attempt| {
            // Each attempt is recorded as it ends, off this runtime's thread, where the
            // PostgreSQL store's client cannot block.
            let recorded = crate::store::off_runtime(|| store.record_briefing_delivery(&attempt));
            if let Err(e) = recorded {
                unrecorded.get_or_insert(e);
            }
            std::future::ready(())
        },
    ));
    if let Some(e) = unrecorded {
        tracing::error!(error = %e, "percobaan pengiriman telaahan tidak tercatat");
    }
    Ok(outcomes)
}

/// One line per recipient; exit code 1 when any did not get it.
fn print_outcomes(date: &str, outcomes: &[Outcome]) -> anyhow::Result<ExitCode> {
    let mut failed = 0;
    for o in outcomes {
        match &o.error {
            None => outln!(
                "Telaahan {date} terkirim lewat {} ke {} (percobaan ke-{}).",
                o.sink,
                o.recipient,
                o.attempts
            ),
            Some(e) => {
                failed += 1;
                outln!(
                    "Telaahan {date} GAGAL dikirim lewat {} ke {} setelah {} percobaan: {e}",
                    o.sink,
                    o.recipient,
                    o.attempts
                )
            }
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
