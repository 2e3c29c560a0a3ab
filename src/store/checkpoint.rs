//! WAL checkpoints off the writer's thread. SQLite's automatic checkpoint runs inside the commit
//! that crosses its threshold and ends with an fsync of the WAL and the database file: the writer
//! waited on the disk for about a third of the time it spent storing posts (the ingest bench's
//! store stage: 643 → 386 ms for 10,000 posts without it). A [`Checkpointer`] does the same work
//! from a connection of its own, between and during the writer's transactions; a `PASSIVE`
//! checkpoint never blocks the writer nor readers.

use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use super::StoreError;

/// How often the checkpointer copies committed WAL frames into the database file.
const EVERY: Duration = Duration::from_secs(1);

/// WAL pages after which the writer checkpoints by itself after all (SQLite's own rule,
/// with a higher threshold): a backstop should the checkpointer fall behind, so the WAL cannot
/// grow without bound. 8,192 pages of 4 KiB is 32 MiB.
const WRITER_BACKSTOP_PAGES: i64 = 8192;

/// The background checkpoint thread of one database; stops (after a last checkpoint) when
/// dropped.
pub struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    handle: Option<JoinHandle<()>>,
}

/// Moves the WAL checkpoints of `writer` (the database at `path`) to a thread of its own (see the
/// module's documentation). For a connection that writes a lot: the daemon's writer, the benches.
pub(super) fn checkpoint_in_background(
    writer: &Connection,
    path: &Path,
) -> Result<Checkpointer, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(1))?;
    writer.pragma_update(None, "wal_autocheckpoint", WRITER_BACKSTOP_PAGES)?;
    let (stop, stopped) = mpsc::channel::<()>();
    let handle = std::thread::Builder::new()
        .name("pantau-checkpoint".into())
        .spawn(move || {
            // A closed channel (the Checkpointer dropped) ends the loop like a message.
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                passive(&conn);
            }
            passive(&conn);
        })
        .map_err(|source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(Checkpointer {
        stop: Some(stop),
        handle: Some(handle),
    })
}

/// Folds the WAL back into the main file (on a clean stop), so the database is one file.
pub(super) fn checkpoint(conn: &Connection) -> Result<(), StoreError> {
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

fn passive(conn: &Connection) {
    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
        tracing::debug!(error = %e, "background WAL checkpoint failed; the next one retries");
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(handle) = self.handle.take()
            && handle.join().is_err()
        {
            tracing::error!("the WAL checkpoint thread panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Maintenance, SqliteStore as Store};

    #[test]
    fn the_thread_checkpoints_what_the_writer_commits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let store = Store::open(&path).unwrap();
        let checkpointer = store.checkpoint_in_background().unwrap();
        let limit: i64 = store
            .conn
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .unwrap();
        assert_eq!(limit, WRITER_BACKSTOP_PAGES);
        // About 2 MB: 500 pages, below the writer's own threshold, so only the thread can
        // have copied them into the database file.
        store
            .conn
            .execute_batch(
                "CREATE TABLE t (x TEXT);
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
                 INSERT INTO t SELECT hex(randomblob(500)) FROM n;",
            )
            .unwrap();
        drop(checkpointer);
        let size = std::fs::metadata(&path).unwrap().len();
        assert!(size > 2_000_000, "{size} bytes in the database file");
    }
}
