//! Timed jobs: the daily briefing. At `[schedule] briefing_at` local time the briefing for the
//! previous local day is written. If the daemon was down at that time, the missed briefing is
//! written when it starts (once the day's briefing time has passed). Once written, it is sent
//! through the `[briefing] deliver` sinks ([`crate::alerts::briefing`]).

use std::path::PathBuf;
use std::time::Duration;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use tokio_util::sync::CancellationToken;

use crate::alerts::briefing::{self as delivery, Retry};
use crate::alerts::sinks::Sink;
use crate::config::Settings;
use crate::digest::{self, Request};
use crate::engine::SharedClassifier;
use crate::store::writer::Writer;
use crate::store::{Browse, Store, Writes};
use crate::time::{Lang, local_date};

/// What the briefing job needs.
pub struct BriefingJob {
    db: PathBuf,
    out_dir: PathBuf,
    lang: Lang,
    office: String,
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
            db: settings.storage.path.clone(),
            out_dir: settings.briefing.dir.clone(),
            lang: settings.briefing.language,
            office: settings.briefing.office.clone(),
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

    /// Writes the briefing of `date`, records it, and sends it.
    pub async fn run(&self, date: Date) {
        if self.write(date).await {
            self.send(date).await;
        }
    }

    /// Sends the written briefing of `date` through every sink, recording each try.
    async fn send(&self, date: Date) {
        if self.sinks.is_empty() {
            return;
        }
        let key = date.to_string();
        let parcel = match delivery::parcel(&self.out_dir, &key, self.lang) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(date = %date, error = %e, "telaahan tidak dapat dikirim");
                return;
            }
        };
        delivery::deliver(&key, &parcel, &self.sinks, self.retry, |attempt| {
            let writer = self.writer.clone();
            async move {
                let recorded = writer
                    .call(move |s| s.record_briefing_delivery(&attempt))
                    .await;
                if !matches!(recorded, Ok(Ok(()))) {
                    tracing::error!(date = %date, "percobaan pengiriman telaahan tidak tercatat");
                }
            }
        })
        .await;
    }

    /// Writes the briefing of `date` and records it; whether the files were written.
    async fn write(&self, date: Date) -> bool {
        let request =
            Request::day(date, &self.tz, self.lang, self.out_dir.clone()).with_office(&self.office);
        let db = self.db.clone();
        let classifier = self.classifier.get();
        let written = tokio::task::spawn_blocking(move || {
            let store = Store::open_read_only(&db)?;
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
                true
            }
            Ok(Err(e)) => {
                tracing::error!(date = %date, error = %format!("{e:#}"), "briefing gagal ditulis");
                false
            }
            Err(e) => {
                tracing::error!(date = %date, error = %e, "briefing gagal ditulis");
                false
            }
        }
    }

    async fn missing(&self, date: Date) -> bool {
        let key = date.to_string();
        match self.writer.call(move |s| s.briefing(&key)).await {
            Ok(Ok(found)) => found.is_none(),
            _ => false,
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

/// Writes yesterday's briefing at the configured time every day until `stop`, and first the
/// one that was missed, if any.
pub async fn daily_briefings(job: BriefingJob, stop: CancellationToken) {
    let now = Timestamp::now();
    let today = local_date(now, &job.tz);
    let todays_run = today
        .to_datetime(job.at)
        .to_zoned_datetime(job.tz.clone())
        .map(|z| z.timestamp())
        .unwrap_or(now);
    if now >= todays_run
        && let Ok(yesterday) = today.checked_sub(1.day())
        && job.missing(yesterday).await
    {
        tracing::info!(date = %yesterday, "menulis briefing yang terlewat");
        job.run(yesterday).await;
    }
    loop {
        let now = Timestamp::now();
        let next = next_run(now, job.at, &job.tz);
        let wait = Duration::try_from(next.duration_since(now)).unwrap_or_default();
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(wait) => {}
        }
        let date = local_date(Timestamp::now(), &job.tz)
            .checked_sub(1.day())
            .unwrap_or(local_date(next, &job.tz));
        job.run(date).await;
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
}
