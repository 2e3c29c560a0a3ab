//! Retention in `pantau run`: every [`EVERY`], raw posts older than `[storage] retain_days` are
//! pruned in batches of [`BATCH`] through the writer (polls commit between batches); then
//! SQLite's planner statistics are refreshed (`PRAGMA optimize`, which runs ANALYZE where it
//! is due) and the freed pages are handed back to the file system [`VACUUM_PAGES`] at a time
//! (incremental vacuum). Hourly counts, stories, alerts and briefings stay.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio_util::sync::CancellationToken;

use crate::store::Maintenance;
use crate::store::writer::Writer;

pub const EVERY: Duration = Duration::from_secs(3600);
pub const BATCH: usize = 500;
/// Pages (4 KiB) freed per incremental-vacuum step: 8 MB, a few milliseconds of the writer.
pub const VACUUM_PAGES: u32 = 2000;
/// At most this many steps per pass (2 GB); the rest waits for the next hour.
const VACUUM_STEPS: usize = 250;

pub async fn run(retain_days: u32, writer: Writer, stop: CancellationToken) {
    loop {
        prune(retain_days, &writer, &stop).await;
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(EVERY) => {}
        }
    }
}

/// One retention pass.
pub async fn prune(retain_days: u32, writer: &Writer, stop: &CancellationToken) {
    let before = Timestamp::now() - SignedDuration::from_hours(24 * retain_days as i64);
    let mut total = crate::store::maintenance::Pruned::default();
    while !stop.is_cancelled() {
        match writer.call(move |s| s.prune_batch(before, BATCH)).await {
            Ok(Ok(p)) => {
                total.posts += p.posts;
                total.fetch_log += p.fetch_log;
                if p.posts < BATCH && p.fetch_log < BATCH {
                    break;
                }
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "pemangkasan data lama gagal; dicoba lagi nanti");
                return;
            }
            Err(_) => return,
        }
        tokio::task::yield_now().await;
    }
    if total.posts > 0 || total.fetch_log > 0 {
        tracing::info!(
            posts = total.posts,
            fetch_log = total.fetch_log,
            retain_days,
            "data lama dipangkas"
        );
    }
    maintain(writer, stop).await;
}

/// Planner statistics and incremental vacuum, in small steps through the writer.
pub async fn maintain(writer: &Writer, stop: &CancellationToken) {
    if let Ok(Err(e)) = writer.call(|s| s.optimize()).await {
        tracing::warn!(error = %e, "PRAGMA optimize gagal");
    }
    for _ in 0..VACUUM_STEPS {
        if stop.is_cancelled() {
            return;
        }
        match writer.call(|s| s.vacuum_step(VACUUM_PAGES)).await {
            Ok(Ok(0)) | Err(_) => return,
            Ok(Ok(_)) => tokio::task::yield_now().await,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "incremental vacuum gagal; dicoba lagi nanti");
                return;
            }
        }
    }
}
