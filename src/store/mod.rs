//! The store: one SQLite file in WAL mode, behind a narrow interface so that another backend
//! (PostgreSQL, for a national deployment) could replace it without touching pollers or the
//! classifier.
//!
//! [`Store`] is synchronous. Commands open it directly; the daemon gives it to one writer
//! thread ([`writer::Writer`]) that batches the pollers' results into transactions. Every batch
//! of posts is committed in one transaction together with its source's cursor and health, so a
//! crash (even `kill -9`) loses nothing committed and repeats nothing.

pub mod alerts;
pub mod briefings;
pub mod browse;
pub mod checkpoint;
pub mod maintenance;
pub mod meta;
pub mod migrations;
pub mod posts;
pub mod rollups;
pub mod search;
pub mod sources;
pub mod stories;
pub mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use checkpoint::Checkpointer;
pub use posts::{Failure, Ingest, StoredPost, TaggedRow, Write};
pub use rollups::{HourCount, SourceSeen};
pub use sources::SourceHealth;
pub use stories::Story;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("basis data: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}: folder basis data tidak dapat dibuat: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("basis data bervesi skema {found}, lebih baru dari versi ini ({known})")]
    TooNew { found: usize, known: usize },
    #[error("penulis basis data sudah berhenti")]
    WriterGone,
    #[error("{}: basis data belum ada", .0.display())]
    Missing(PathBuf),
    #[error("salinan cadangan rusak (integrity_check: {0}); tidak disimpan")]
    BackupCorrupt(String),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl StoreError {
    pub fn hint(&self) -> Option<String> {
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DiskFull =>
            {
                Some("disk penuh, atau batas [storage] max_size_mb tercapai: kosongkan ruang, naikkan max_size_mb, atau kurangi retain_days".into())
            }
            StoreError::TooNew { .. } => Some(
                "jalankan Pantau versi yang lebih baru, atau pulihkan cadangan basis data".into(),
            ),
            StoreError::Missing(_) => Some(
                "jalankan `pantau poll --once` atau `pantau run` dulu untuk mengisi basis data"
                    .into(),
            ),
            StoreError::CreateDir { .. } => {
                Some("periksa [storage] path dan izin tulis foldernya".into())
            }
            _ => None,
        }
    }
}

/// An open database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let mut conn = Connection::open(path)?;
        configure(&conn)?;
        migrations::migrate(&mut conn)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing database for reading only (reports, `pantau sources`), so that a
    /// command never creates an empty database by accident nor blocks the daemon's writer.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(5))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version as usize > migrations::MIGRATIONS.len() {
            return Err(StoreError::TooNew {
                found: version as usize,
                known: migrations::MIGRATIONS.len(),
            });
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Direct access for reports and tests; writes go through the typed methods.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Folds the WAL back into the main file (on a clean stop), so the database is one file.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

/// Prepared statements kept per connection: more than one write batch or one report uses.
const STATEMENT_CACHE: usize = 64;

/// The page cache of a connection that writes, in KiB (negative: SQLite's unit for KiB).
const WRITER_CACHE_KIB: i64 = -8192;

/// WAL for concurrent readers with one writer; `synchronous = NORMAL` keeps every committed
/// transaction across a process crash (only an OS crash or power loss may drop the last ones);
/// a busy timeout so that readers and the writer wait for each other instead of failing.
fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(Duration::from_secs(10))?;
    // One batch of posts runs about two dozen distinct statements (posts, tags, stories,
    // search, rollups, health) in turn; with rusqlite's default cache of 16 each round evicted
    // the statements the next needed, and preparing them again was an eighth of storing a post.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // Only for a new database (before its first table): freed pages can then be returned to
    // the file system a few at a time (`Store::vacuum_step`) instead of by a full VACUUM that
    // locks everything. Set on an existing file it would do nothing for an old database and,
    // worse, write to every opened one (the WAL would never be empty after a clean stop).
    let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    if pages == 0 {
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    }
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // 8 MiB of page cache (SQLite's default is 2): a write batch touches pages all over the
    // story-key, tag and rollup indexes, and with 2 MiB it read them back from the file
    // several times per batch (store_batched 260 → 230 ms). Read-only connections (reports,
    // the dashboard) keep the default.
    conn.pragma_update(None, "cache_size", WRITER_CACHE_KIB)?;
    Ok(())
}
