//! Timed jobs: the briefings. At `[schedule] briefing_at` local time the briefing for the
//! previous local day is written; on a Monday the last ISO week's follows it, on the 1st the last
//! calendar month's ([`due`]). If the daemon was down at that time, the missed briefings of the
//! day are written when it starts (once the day's briefing time has passed). Each one written is
//! then sent through the `[briefing] deliver` sinks ([`crate::alerts::briefing`]).
//!
//! Of nodes sharing a database, each wakes at the briefing time; the one holding the
//! `job:briefing` lease writes a briefing unless its record is there already (and sends it),
//! the others ask again every [`RETRY`] until the record is there, so a node that dies while
//! writing is replaced and a briefing is written once.

use std::path::PathBuf;
use std::time::Duration;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use tokio_util::sync::CancellationToken;

use super::nodes::{Keeper, Kept};
use crate::alerts::briefing::{self as delivery, Retry};
use crate::alerts::sinks::Sink;
use crate::config::Settings;
use crate::digest::{self, PeriodKind, Request};
use crate::engine::SharedClassifier;
use crate::store::writer::Writer;
use crate::store::{Browse, Store, Writes};
use crate::time::{Lang, local_date};

/// How long the briefing lease is held: longer than writing a briefing takes.
const HOLD: Duration = Duration::from_secs(30 * 60);

/// How soon a node that found the briefing lease held elsewhere looks again whether the
/// briefing was written.
pub const RETRY: Duration = Duration::from_secs(60);

/// What the briefing job needs.
pub struct BriefingJob {
    db: crate::config::StorageSettings,
    out_dir: PathBuf,
    lang: Lang,
    office: String,
    letter: crate::digest::Letter,
    tz: TimeZone,
    at: Time,
    classifier: SharedClassifier,
    writer: Writer,
    sinks: Vec<Sink>,
    retry: Retry,
}

impl BriefingJob {
    pub fn new(settings: &Settings, classifier: SharedClassifier, writer: Writer) -> Self {
        BriefingJob {
            db: settings.storage.clone(),
            out_dir: settings.briefing.dir.clone(),
            lang: settings.briefing.language,
            office: settings.briefing.office.clone(),
            letter: settings.briefing.letter(),
            tz: settings.schedule.timezone.clone(),
            at: settings.schedule.briefing_at,
            classifier,
            writer,
            sinks: Vec::new(),
            retry: Retry::default(),
        }
    }

    /// Sends each briefing through `sinks` once written.
    pub fn delivering(mut self, sinks: Vec<Sink>, retry: Retry) -> Self {
        self.sinks = sinks;
        self.retry = retry;
        self
    }

    /// Writes the briefing of the period of `kind` holding `date`, records it, and sends it.
    pub async fn run(&self, kind: PeriodKind, date: Date) {
        if let Some(stem) = self.write(kind, date).await {
            self.send(&stem).await;
        }
    }

    /// [`run`](Self::run) unless `stop` fires first; false when it did. A delivery's retries
    /// wait minutes, longer than a stop may take; what was not sent is not recorded as sent, so
    /// `pantau digest --send` (or the next start's catch-up, for an unwritten briefing) does it.
    async fn run_until(&self, kind: PeriodKind, date: Date, stop: &CancellationToken) -> bool {
        tokio::select! {
            _ = stop.cancelled() => false,
            _ = self.run(kind, date) => true,
        }
    }

    /// Sends the written briefing named `stem` (`2026-12-06`, `2026-W49`, `2026-11`) through
    /// every sink, recording each try.
    async fn send(&self, stem: &str) {
        if self.sinks.is_empty() {
            return;
        }
        let parcel = match delivery::parcel(&self.out_dir, stem, self.lang) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(briefing = %stem, error = %e, "telaahan tidak dapat dikirim");
                return;
            }
        };
        delivery::deliver(stem, &parcel, &self.sinks, self.retry, |attempt| {
            let writer = self.writer.clone();
            let stem = stem.to_string();
            async move {
                let recorded = writer
                    .call(move |s| s.record_briefing_delivery(&attempt))
                    .await;
                if !matches!(recorded, Ok(Ok(()))) {
                    tracing::error!(briefing = %stem, "percobaan pengiriman telaahan tidak tercatat");
                }
            }
        })
        .await;
    }

    /// Writes the briefing of the period of `kind` holding `date` and records it; its name
    /// when the files were written.
    async fn write(&self, kind: PeriodKind, date: Date) -> Option<String> {
        let request = Request::period(kind, date, &self.tz, self.lang, self.out_dir.clone())
            .with_office(&self.office)
            .with_letter(self.letter.clone());
        let date = kind.stem(request.date);
        let db = self.db.clone();
        let classifier = self.classifier.get();
        // Every post committed so far placed in its story first, so the briefing counts
        // each story once and misses none (store::pending).
        if let Err(e) = self.writer.settle().await {
            tracing::warn!(error = %e, "briefing tanpa menunggu penempatan cerita");
        }
        let written = tokio::task::spawn_blocking(move || {
            let store = Store::connect_read_only(&db)?;
            digest::write(&store, &classifier, &request).map_err(anyhow::Error::from)
        })
        .await;
        match written {
            Ok(Ok(w)) => {
                let record = w.record.clone();
                match self.writer.call(move |s| s.record_briefing(&record)).await {
                    Ok(Ok(())) => {
                        tracing::info!(date = %date, md = %w.markdown.display(), "briefing ditulis")
                    }
                    Ok(Err(e)) => {
                        tracing::error!(date = %date, error = %e, "briefing ditulis tetapi tidak tercatat")
                    }
                    Err(e) => {
                        tracing::error!(date = %date, error = %e, "briefing ditulis tetapi tidak tercatat")
                    }
                }
                Some(date)
            }
            Ok(Err(e)) => {
                tracing::error!(date = %date, error = %format!("{e:#}"), "briefing gagal ditulis");
                None
            }
            Err(e) => {
                tracing::error!(date = %date, error = %e, "briefing gagal ditulis");
                None
            }
        }
    }

    async fn missing(&self, kind: PeriodKind, date: Date) -> bool {
        self.recorded(kind, date).await == Some(false)
    }

    /// Whether the briefing of `kind` holding `date` is recorded; None when the store cannot
    /// say.
    async fn recorded(&self, kind: PeriodKind, date: Date) -> Option<bool> {
        let key = kind.stem(kind.first_day(date));
        match self.writer.call(move |s| s.briefing(&key)).await {
            Ok(Ok(found)) => Some(found.is_some()),
            _ => None,
        }
    }

    /// [`run_until`](Self::run_until) on the node holding `lease`, which checks first that the
    /// briefing is not recorded yet when `once` (a catch-up, or a shared database where another
    /// node may have written it); while another node holds the lease, asks again every
    /// [`RETRY`] until the briefing is recorded. False when `stop` fired.
    async fn run_leased(
        &self,
        lease: &mut Keeper,
        (kind, date): (PeriodKind, Date),
        once: bool,
        stop: &CancellationToken,
    ) -> bool {
        loop {
            if lease.ask(Timestamp::now(), HOLD).await != Kept::Elsewhere {
                let due = !once || self.recorded(kind, date).await == Some(false);
                let done = !due || self.run_until(kind, date, stop).await;
                lease.release().await;
                return done;
            }
            if self.recorded(kind, date).await == Some(true) {
                return true;
            }
            tokio::select! {
                _ = stop.cancelled() => return false,
                _ = tokio::time::sleep(RETRY) => {}
            }
        }
    }
}

/// The next instant at local time `at` strictly after `now`.
pub fn next_run(now: Timestamp, at: Time, tz: &TimeZone) -> Timestamp {
    let today = local_date(now, tz);
    for offset in 0..3 {
        let Ok(day) = today.checked_add(offset.days()) else {
            break;
        };
        if let Ok(z) = day.to_datetime(at).to_zoned_datetime(tz.clone())
            && z.timestamp() > now
        {
            return z.timestamp();
        }
    }
    now + jiff::SignedDuration::from_hours(24)
}

/// The briefings due at the briefing time on the local day `today`, in the order they are
/// written: yesterday's; on a Monday also the ISO week that ended yesterday; on the 1st also the
/// calendar month that ended yesterday. Each is named by a day inside its period.
pub fn due(today: Date) -> Vec<(PeriodKind, Date)> {
    let Ok(yesterday) = today.yesterday() else {
        return Vec::new();
    };
    let mut due = vec![(PeriodKind::Day, yesterday)];
    if today.weekday() == Weekday::Monday {
        due.push((PeriodKind::Week, yesterday));
    }
    if today.day() == 1 {
        due.push((PeriodKind::Month, yesterday));
    }
    due
}

/// Writes the briefings [`due`] at the configured time every day until `stop`, and first those
/// of today that were missed, if any — on the node holding `lease`.
pub async fn daily_briefings(job: BriefingJob, mut lease: Keeper, stop: CancellationToken) {
    let shared = lease.shared();
    let now = Timestamp::now();
    let today = local_date(now, &job.tz);
    let todays_run = today
        .to_datetime(job.at)
        .to_zoned_datetime(job.tz.clone())
        .map(|z| z.timestamp())
        .unwrap_or(now);
    if now >= todays_run {
        for (kind, date) in due(today) {
            if job.missing(kind, date).await {
                tracing::info!(date = %date, period = ?kind, "menulis briefing yang terlewat");
                if !job.run_leased(&mut lease, (kind, date), true, &stop).await {
                    return;
                }
            }
        }
    }
    loop {
        let now = Timestamp::now();
        let next = next_run(now, job.at, &job.tz);
        let wait = Duration::try_from(next.duration_since(now)).unwrap_or_default();
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(wait) => {}
        }
        for (kind, date) in due(local_date(Timestamp::now(), &job.tz)) {
            if !job
                .run_leased(&mut lease, (kind, date), shared, &stop)
                .await
            {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_run_is_the_coming_local_time() {
        let tz = TimeZone::get("Asia/Makassar").unwrap();
        let at = jiff::civil::time(7, 0, 0, 0);
        // 06:00 WITA → 07:00 WITA the same day.
        let now: Timestamp = "2026-11-26T22:00:00Z".parse().unwrap();
        assert_eq!(next_run(now, at, &tz).to_string(), "2026-11-26T23:00:00Z");
        // 07:00 exactly → tomorrow.
        let now: Timestamp = "2026-11-26T23:00:00Z".parse().unwrap();
        assert_eq!(next_run(now, at, &tz).to_string(), "2026-11-27T23:00:00Z");
    }

    fn stems(today: Date) -> Vec<String> {
        due(today)
            .into_iter()
            .map(|(kind, date)| kind.stem(kind.first_day(date)))
            .collect()
    }

    #[test]
    fn mondays_add_last_week_and_firsts_last_month() {
        use jiff::civil::date;
        // A Thursday: only yesterday.
        assert_eq!(stems(date(2026, 12, 3)), ["2026-12-02"]);
        // Monday 7 December 2026: yesterday, then ISO week 49 (30 November – 6 December).
        assert_eq!(stems(date(2026, 12, 7)), ["2026-12-06", "2026-W49"]);
        // Tuesday 1 December 2026: yesterday, then November.
        assert_eq!(stems(date(2026, 12, 1)), ["2026-11-30", "2026-11"]);
        // Monday 1 February 2027: all three; the week is 2027-W04 (25–31 January).
        assert_eq!(
            stems(date(2027, 2, 1)),
            ["2027-01-31", "2027-W04", "2027-01"]
        );
        // Monday 4 January 2027: the week that ended is ISO week 53 of 2026.
        assert_eq!(stems(date(2027, 1, 4)), ["2027-01-03", "2026-W53"]);
        // New Year's Day 2027 (a Friday): December 2026.
        assert_eq!(stems(date(2027, 1, 1)), ["2026-12-31", "2026-12"]);
    }
}
