//! Keeping the database: an online backup while the daemon writes, and figures about it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::backup::Backup;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use super::StoreError;
use crate::time::from_db;

/// How long a backup waits for a lock (a checkpoint in progress) before it gives up.
const BACKUP_PATIENCE: Duration = Duration::from_secs(30);

/// Copies every page in one step. In WAL mode one step is one read transaction: a consistent
/// snapshot that never blocks the daemon's writer, where copying in several steps would restart
/// from the beginning whenever the daemon commits in between.
fn copy_all(source: &Connection, dest: &mut Connection) -> Result<(), StoreError> {
    use rusqlite::backup::StepResult;
    let backup = Backup::new(source, dest)?;
    let started = std::time::Instant::now();
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            _ if started.elapsed() > BACKUP_PATIENCE => {
                return Err(StoreError::Sqlite(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                    Some("basis data terus terkunci selama pencadangan".into()),
                )));
            }
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// What `pantau db stats` shows: figures of every backend, and those only one has.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// SQLite's file and pages, or PostgreSQL's server and sizes.
    #[serde(flatten)]
    pub engine: Engine,
    pub schema_version: i64,
    /// Rows per table, in a fixed order.
    pub rows: Vec<(String, i64)>,
    pub oldest_post: Option<Timestamp>,
    pub newest_post: Option<Timestamp>,
}

impl Stats {
    /// How much the database takes on disk: the SQLite file (its WAL aside), or everything
    /// the PostgreSQL database holds on the server.
    pub fn size_bytes(&self) -> u64 {
        match &self.engine {
            Engine::Sqlite(f) => f.file_bytes,
            Engine::Postgres(f) => f.database_bytes,
        }
    }
}

/// The figures only one backend has (their fields appear at the top level of the JSON).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Engine {
    Sqlite(SqliteFigures),
    Postgres(PgFigures),
}

/// A SQLite database's file, WAL and pages.
#[derive(Debug, Clone, Serialize)]
pub struct SqliteFigures {
    pub path: PathBuf,
    pub file_bytes: u64,
    pub wal_bytes: u64,
    pub page_size: i64,
    pub pages: i64,
    pub free_pages: i64,
    pub sqlite_version: String,
}

/// A PostgreSQL database's server and sizes. It has no pages or WAL of its own to show: the
/// server's WAL is shared by all its databases.
#[derive(Debug, Clone, Serialize)]
pub struct PgFigures {
    /// The URL without its password.
    pub url: String,
    pub server_version: String,
    /// `pg_database_size`: tables, indexes and TOAST together, dead rows not yet reused too.
    pub database_bytes: u64,
    /// `pg_total_relation_size` (with its indexes and TOAST) of each table counted in
    /// [`Stats::rows`], in the same order.
    pub table_bytes: Vec<(String, u64)>,
}

/// Tables whose rows are counted, as a user knows them (README's database section).
pub(super) const TABLES: &[&str] = &[
    "sources",
    "posts",
    "post_topics",
    "post_regions",
    "post_mentions",
    "topic_hourly",
    "stories",
    "story_keys",
    "fetch_log",
    "briefings",
    "alerts",
    "alert_deliveries",
];

/// Copies the whole database to `dest` with SQLite's online backup (readers and the
/// daemon's writer go on meanwhile), checks the copy's integrity, and only then moves it
/// into place: `dest` is never a half-written file. Returns the copy's size.
pub(super) fn backup_to(conn: &Connection, dest: &Path) -> Result<u64, StoreError> {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "pantau.db".into());
    let tmp = dest.with_file_name(format!(".{name}.sebagian"));
    let _ = std::fs::remove_file(&tmp);
    let result = (|| {
        let mut copy = Connection::open(&tmp)?;
        copy_all(conn, &mut copy)?;
        let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        // Leave one self-contained file behind, not a WAL beside it.
        copy.pragma_update(None, "journal_mode", "DELETE")?;
        drop(copy);
        if check != "ok" {
            return Err(StoreError::BackupCorrupt(check));
        }
        std::fs::rename(&tmp, dest).map_err(|source| StoreError::Io {
            path: dest.to_path_buf(),
            source,
        })?;
        Ok(std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Figures about the database file and its tables.
pub(super) fn stats(conn: &Connection, path: &Path) -> Result<Stats, StoreError> {
    let pragma = |name: &str| -> Result<i64, StoreError> {
        Ok(conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))?)
    };
    let mut rows = Vec::new();
    for table in TABLES {
        // New stories' keys wait in `story_keys_new` for the hourly merge (`key_sweep`); to a
        // user both are the stories' lookup keys.
        let count = match *table {
            "story_keys" => {
                "SELECT (SELECT count(*) FROM story_keys) + (SELECT count(*) FROM story_keys_new)"
                    .to_string()
            }
            _ => format!("SELECT count(*) FROM {table}"),
        };
        let n: i64 = conn.query_row(&count, [], |r| r.get(0))?;
        rows.push((table.to_string(), n));
    }
    let span: Option<(Option<String>, Option<String>)> = conn
        .query_row(
            "SELECT min(published_at), max(published_at) FROM posts",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (oldest, newest) = span.unwrap_or((None, None));
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    Ok(Stats {
        engine: Engine::Sqlite(SqliteFigures {
            path: path.to_path_buf(),
            file_bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
            wal_bytes: std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0),
            page_size: pragma("page_size")?,
            pages: pragma("page_count")?,
            free_pages: pragma("freelist_count")?,
            sqlite_version: rusqlite::version().to_string(),
        }),
        schema_version: pragma("user_version")?,
        rows,
        oldest_post: oldest.as_deref().and_then(from_db),
        newest_post: newest.as_deref().and_then(from_db),
    })
}

/// `PRAGMA integrity_check`: "ok" when the file is sound.
pub(super) fn integrity_check(conn: &Connection) -> Result<String, StoreError> {
    Ok(conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
}

/// What one retention pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub posts: usize,
    pub fetch_log: usize,
    pub stories: usize,
    /// Hourly counts per topic past `[storage] history_days`.
    pub hourly_counts: usize,
}

impl Pruned {
    /// Whether a batch of `limit` left nothing more to remove.
    pub fn done(&self, limit: usize) -> bool {
        [self.posts, self.fetch_log, self.stories, self.hourly_counts]
            .iter()
            .all(|&n| n < limit)
    }
}

impl std::ops::AddAssign for Pruned {
    fn add_assign(&mut self, other: Pruned) {
        self.posts += other.posts;
        self.fetch_log += other.fetch_log;
        self.stories += other.stories;
        self.hourly_counts += other.hourly_counts;
    }
}

/// Removes up to `limit` raw posts published before `before` (their tags, search entries
/// and their share of the per-post rollups go with them: see `store::rollups`), as many
/// fetch-log rows from before it, and as many stories that no post belongs to any more and
/// that were last seen a joining window before it (their sources and counted topics go with
/// them by cascade; their lookup keys are swept later, `store::key_sweep`). Hourly counts
/// (`topic_hourly`), alerts and briefings stay: reports over old periods keep their numbers.
/// Small batches keep each transaction short, so polls commit between them.
pub(super) fn prune_batch(
    conn: &mut Connection,
    before: Timestamp,
    limit: usize,
) -> Result<Pruned, StoreError> {
    use super::rollups::{PRUNED, remove_pruned};
    let at = crate::time::to_db(before);
    let tx = conn.transaction()?;
    tx.execute_batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS {} (id INTEGER PRIMARY KEY); DELETE FROM {PRUNED};",
        PRUNED.trim_start_matches("temp.")
    ))?;
    tx.execute(
        &format!(
            "INSERT INTO {PRUNED} (id)
             SELECT id FROM posts WHERE published_at < ?1 ORDER BY published_at LIMIT ?2"
        ),
        rusqlite::params![at, limit as i64],
    )?;
    remove_pruned(&tx)?;
    super::reach::remove_pruned(&tx)?;
    let posts = tx.execute(
        &format!("DELETE FROM posts WHERE id IN (SELECT id FROM {PRUNED})"),
        [],
    )?;
    tx.execute(&format!("DELETE FROM {PRUNED}"), [])?;
    let fetch_log = tx.execute(
        "DELETE FROM fetch_log WHERE id IN (
                 SELECT id FROM fetch_log WHERE started_at < ?1 ORDER BY id LIMIT ?2)",
        rusqlite::params![at, limit as i64],
    )?;
    // A story's posts are pruned with the posts; once none is left and it was last seen a
    // joining window before the cut, nothing can show it or join it (a post joins only a story
    // seen within `STORY_WINDOW_HOURS` of its own time, and older posts are pruned), and it
    // would otherwise grow the file for ever.
    let unjoinable = crate::time::to_db(
        before - jiff::SignedDuration::from_hours(crate::stories::STORY_WINDOW_HOURS),
    );
    let stories = tx.execute(
        "DELETE FROM stories WHERE id IN (
                 SELECT id FROM stories
                 WHERE first_seen_at < ?1 AND last_seen_at < ?1
                   AND NOT EXISTS (SELECT 1 FROM posts WHERE posts.story_id = stories.id)
                 ORDER BY first_seen_at LIMIT ?2)",
        rusqlite::params![unjoinable, limit as i64],
    )?;
    tx.commit()?;
    Ok(Pruned {
        posts,
        fetch_log,
        stories,
        hourly_counts: 0,
    })
}

/// Removes up to `limit` hourly counts per topic (`topic_hourly`) of hours before `before`,
/// oldest first: the history that `[storage] history_days` keeps. Returns how many went.
pub(super) fn prune_history(
    conn: &Connection,
    before: Timestamp,
    limit: usize,
) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "DELETE FROM topic_hourly WHERE (topic_id, region_id, hour) IN (
             SELECT topic_id, region_id, hour FROM topic_hourly
             WHERE hour < ?1 ORDER BY hour LIMIT ?2)",
        rusqlite::params![crate::time::to_db(before), limit as i64],
    )?)
}

/// Lets SQLite refresh its query-planner statistics where they have gone stale (ANALYZE
/// of the tables that changed enough; cheap when none did).
pub(super) fn optimize(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch("PRAGMA optimize;")?;
    Ok(())
}

/// Returns up to `pages` free pages to the file system (incremental vacuum), and says how
/// many free pages are left. Does nothing in a database without `auto_vacuum =
/// INCREMENTAL` (one created by a Pantau before it set it), where it returns 0 left so
/// callers stop.
pub(super) fn vacuum_step(conn: &Connection, pages: u32) -> Result<u64, StoreError> {
    let mode: i64 = conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
    if mode != 2 {
        return Ok(0);
    }
    conn.execute_batch(&format!("PRAGMA incremental_vacuum({pages});"))?;
    let free: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
    Ok(free as u64)
}

/// Caps the database at `max_mb` MiB (`[storage] max_size_mb`; 0 leaves it uncapped).
/// Past the cap SQLite refuses to add pages and a write fails with SQLITE_FULL, exactly
/// as on a full disk, while pages freed by pruning are reused. A cap below the current
/// size holds the file where it is.
pub(super) fn limit_size(conn: &Connection, max_mb: u64) -> Result<(), StoreError> {
    if max_mb == 0 {
        return Ok(());
    }
    let page_size: u64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get::<_, i64>(0))?
        .max(512) as u64;
    let pages = (max_mb << 20).div_ceil(page_size);
    conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
    Ok(())
}
