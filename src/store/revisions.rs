//! The SQL of `topic_revisions` and [`super::Revisions`] over it: every save of a topic file
//! from the editor.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

use super::{Revisions, SqliteStore, StoreError};
use crate::time::{from_db, to_db};

/// One save of a topic file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub id: i64,
    pub topic: String,
    pub user: String,
    pub at: Timestamp,
    /// The file's text before the save and after it.
    pub before: String,
    pub after: String,
    /// The unified diff from `before` to `after`.
    pub diff: String,
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Revision> {
    let at: String = r.get(3)?;
    Ok(Revision {
        id: r.get(0)?,
        topic: r.get(1)?,
        user: r.get(2)?,
        at: from_db(&at).unwrap_or(Timestamp::UNIX_EPOCH),
        before: r.get(4)?,
        after: r.get(5)?,
        diff: r.get(6)?,
    })
}

const COLUMNS: &str = "id, topic_id, user, at, before, after, diff";

impl Revisions for SqliteStore {
    fn record_revision(&mut self, rev: &Revision) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO topic_revisions (topic_id, user, at, before, after, diff)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                rev.topic,
                rev.user,
                to_db(rev.at),
                rev.before,
                rev.after,
                rev.diff
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn revisions(&self, topic: &str, limit: usize) -> Result<Vec<Revision>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM topic_revisions WHERE topic_id = ?1 ORDER BY id DESC LIMIT ?2"
        ))?;
        let rows = stmt
            .query_map(params![topic, limit as i64], row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn revision(&self, id: i64) -> Result<Option<Revision>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM topic_revisions WHERE id = ?1"),
                [id],
                row,
            )
            .optional()?)
    }
}
