//! Retention in `pantau run`: every [`EVERY`], raw posts older than `[storage] retain_days` are
//! pruned in batches of [`BATCH`] through the writer (polls commit between batches); then
//! SQLite's planner statistics are refreshed (`PRAGMA optimize`, which runs ANALYZE where it
//! is due) and the freed pages are handed back to the file system [`VACUUM_PAGES`] at a time
//! (incremental vacuum). Stories none of whose posts is left go too, and each pass sweeps one
//! slice of the stories' lookup keys for those of deleted stories
//! ([`crate::store::key_sweep`]: the whole key space once a day). The hourly counts per
//! topic (the history reports over past periods read) are pruned after `history_days`;
//! alerts and briefings stay. Of nodes sharing a database, the one holding the
//! `job:retention` lease prunes.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio_util::sync::CancellationToken;

use super::nodes::{Keeper, Kept};
use crate::config::StorageSettings;
use crate::store::key_sweep::Swept;
use crate::store::maintenance::Pruned;
use crate::store::writer::Writer;
use crate::store::{Maintenance, Store, StoreError};

pub const EVERY: Duration = Duration::from_secs(3600);
pub const BATCH: usize = 500;
/// Lookup keys read per sweep step: about 30 ms of the writer on a store of millions.
pub const SWEEP_ROWS: usize = 5000;
/// New stories' lookup keys moved per merge step: each lands on a page of its own of the large
/// key table, about 20 µs a key at 5,000,000 posts (100 µs with the pages not yet cached).
pub const MERGE_ROWS: usize = 1000;
/// Pages (4 KiB) freed per incremental-vacuum step: 8 MB, a few milliseconds of the writer.
pub const VACUUM_PAGES: u32 = 2000;
/// At most this many steps per pass (2 GB); the rest waits for the next hour.
const VACUUM_STEPS: usize = 250;

/// How long the retention lease is held ahead: past the next pass, so the node that prunes
/// keeps pruning (a long pass included), and another takes over within this when it dies.
const HOLD: Duration = Duration::from_secs(EVERY.as_secs() * 2);

/// Prunes every [`EVERY`] as `[storage] retain_days` and `history_days` say, while this node
/// holds `lease`.
pub async fn run(
    keep: StorageSettings,
    writer: Writer,
    mut lease: Keeper,
    stop: CancellationToken,
) {
    loop {
        if lease.ask(Timestamp::now(), HOLD).await != Kept::Elsewhere {
            prune(&keep, &writer, &stop).await;
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(EVERY) => {}
        }
    }
    lease.release().await;
}

/// One retention pass.
pub async fn prune(keep: &StorageSettings, writer: &Writer, stop: &CancellationToken) {
    let now = Timestamp::now();
    let days_ago = |days: u32| now - SignedDuration::from_hours(24 * days as i64);
    let before = days_ago(keep.retain_days);
    let mut total = in_batches(writer, stop, move |s| s.prune_batch(before, BATCH)).await;
    if keep.history_days > 0 {
        let before = days_ago(keep.history_days);
        total += in_batches(writer, stop, move |s| {
            s.prune_history(before, BATCH).map(|hourly_counts| Pruned {
                hourly_counts,
                ..Pruned::default()
            })
        })
        .await;
    }
    let merged = merge_keys(writer, stop).await;
    let swept = sweep_keys(writer, stop).await;
    tracing::debug!(story_keys = merged, "kunci cerita baru digabungkan");
    if total != Pruned::default() || swept.removed > 0 {
        tracing::info!(
            posts = total.posts,
            fetch_log = total.fetch_log,
            stories = total.stories,
            story_keys = swept.removed,
            hourly_counts = total.hourly_counts,
            retain_days = keep.retain_days,
            history_days = keep.history_days,
            "data lama dipangkas"
        );
    }
    maintain(writer, stop).await;
}

/// Runs `step` through the writer until a batch comes back short (or the service stops, or a
/// step fails: logged, and retried at the next pass); what the batches removed, added up.
async fn in_batches(
    writer: &Writer,
    stop: &CancellationToken,
    step: impl Fn(&mut Store) -> Result<Pruned, StoreError> + Copy + Send + 'static,
) -> Pruned {
    let failed = "pemangkasan data lama gagal; dicoba lagi nanti";
    in_steps(writer, stop, step, |p: &Pruned| p.done(BATCH), failed).await
}

/// Moves the lookup keys of the stories started since the last pass into the large key table,
/// through the writer, in steps of [`MERGE_ROWS`] (see `store::key_sweep`); how many.
pub async fn merge_keys(writer: &Writer, stop: &CancellationToken) -> usize {
    let step = |s: &mut Store| s.merge_story_keys(MERGE_ROWS);
    let failed = "penggabungan kunci cerita gagal; dicoba lagi nanti";
    in_steps(
        writer,
        stop,
        step,
        |&moved: &usize| moved < MERGE_ROWS,
        failed,
    )
    .await
}

/// Sweeps one slice of the stories' lookup keys through the writer, in steps of
/// [`SWEEP_ROWS`]; what it read and removed.
pub async fn sweep_keys(writer: &Writer, stop: &CancellationToken) -> Swept {
    let step = |s: &mut Store| s.sweep_story_keys(SWEEP_ROWS);
    let failed = "penyapuan kunci cerita gagal; dicoba lagi nanti";
    in_steps(writer, stop, step, |s: &Swept| s.slice_done, failed).await
}

/// Runs `step` through the writer, each in its own call so that polls commit between them,
/// until `last` says a step finished the work (or the service stops, or a step fails: logged
/// as `failed`, and retried at the next pass); the steps' results added up.
async fn in_steps<T>(
    writer: &Writer,
    stop: &CancellationToken,
    step: impl Fn(&mut Store) -> Result<T, StoreError> + Copy + Send + 'static,
    last: impl Fn(&T) -> bool,
    failed: &str,
) -> T
where
    T: Default + std::ops::AddAssign + Copy + Send + 'static,
{
    let mut total = T::default();
    while !stop.is_cancelled() {
        match writer.call(step).await {
            Ok(Ok(done)) => {
                total += done;
                if last(&done) {
                    break;
                }
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "{failed}");
                break;
            }
            Err(_) => break,
        }
        tokio::task::yield_now().await;
    }
    total
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Tags;
    use crate::model::TopicId;
    use crate::store::posts::tests::post;

    /// Keys of stories that exist, and of stories that do not.
    async fn keys(writer: &Writer) -> (i64, i64) {
        writer
            .call(|s| {
                let Store::Sqlite(s) = s else { unreachable!() };
                let count = |which: &str| {
                    s.connection().query_row(
                        &format!(
                            "SELECT count(*) FROM (SELECT * FROM story_keys
                                                   UNION ALL SELECT * FROM story_keys_new)
                             WHERE story_id {which} (SELECT id FROM stories)"
                        ),
                        [],
                        |r| r.get::<_, i64>(0),
                    )
                };
                Ok::<_, rusqlite::Error>((count("IN")?, count("NOT IN")?))
            })
            .await
            .unwrap()
            .unwrap()
    }

    /// Keys of new stories not merged into `story_keys` yet.
    async fn unmerged(writer: &Writer) -> i64 {
        writer
            .call(|s| {
                let Store::Sqlite(s) = s else { unreachable!() };
                s.connection()
                    .query_row("SELECT count(*) FROM story_keys_new", [], |r| r.get(0))
            })
            .await
            .unwrap()
            .unwrap()
    }

    /// A pass merges the new stories' keys, prunes old posts with their stories and sweeps a
    /// slice of the stories' keys; a day of passes sweeps them all, and the kept story keeps
    /// its keys.
    #[tokio::test]
    async fn a_day_of_passes_sweeps_the_keys_of_pruned_stories() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("pantau.db")).unwrap();
        let at = |days: i64| {
            (Timestamp::now() - SignedDuration::from_hours(24 * days))
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        };
        let words = [
            "banjir", "jalan", "listrik", "air", "sekolah", "pasar", "harga", "hutan",
        ];
        let tagged: Vec<_> = (0..41)
            .map(|i| {
                let text = format!(
                    "warga {} {} {} mengeluh di kecamatan nomor {i} pekan ini",
                    words[i % 8],
                    words[(i / 8) % 8],
                    words[(i + 3) % 8]
                );
                let days = if i == 40 { 1 } else { 200 };
                let tags = Tags {
                    topics: vec![TopicId::new("banjir")],
                    ..Tags::default()
                };
                (post("a", &i.to_string(), None, &text, &at(days)), tags)
            })
            .collect();
        store.insert_posts(&tagged, "v").unwrap();
        let (writer, thread) = crate::store::writer::Writer::spawn(store);
        let (kept, gone) = keys(&writer).await;
        assert_eq!(gone, 0);
        assert_eq!(
            unmerged(&writer).await,
            kept,
            "every key waits in story_keys_new"
        );
        let keep = StorageSettings::default();
        let stop = CancellationToken::new();

        // The first pass merges every key, deletes 40 stories and, of their keys, sweeps one
        // slice's.
        prune(&keep, &writer, &stop).await;
        assert_eq!(unmerged(&writer).await, 0);
        let (kept_after_one, gone_after_one) = keys(&writer).await;
        assert!(
            kept_after_one > 0 && kept_after_one < kept / 10,
            "{kept_after_one} of {kept}"
        );
        let deleted = kept - kept_after_one;
        assert!(
            gone_after_one > 0 && gone_after_one < deleted,
            "{gone_after_one} of {deleted} left"
        );
        for _ in 1..crate::store::key_sweep::SLICES {
            prune(&keep, &writer, &stop).await;
        }
        let (kept_after_day, gone_after_day) = keys(&writer).await;
        assert_eq!((kept_after_day, gone_after_day), (kept_after_one, 0));
        drop(writer);
        tokio::task::spawn_blocking(move || thread.join())
            .await
            .unwrap();
    }
}
