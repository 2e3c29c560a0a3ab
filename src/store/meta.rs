//! The `meta` table: what the service records about itself for commands and reports — which
//! keyword lists are in force, and why the last reload was rejected.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};
use crate::time::{from_db, to_db};

/// The state of the keyword lists in the running service.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct KeywordsState {
    /// Version (content hash) of the lists in force.
    pub version: Option<String>,
    pub loaded_at: Option<Timestamp>,
    /// The errors of the last rejected edit; None when the last load succeeded.
    pub rejected: Option<String>,
    pub rejected_at: Option<Timestamp>,
}

impl Store {
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta (key, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![key, value, to_db(Timestamp::now())],
        )?;
        Ok(())
    }

    pub fn delete_meta(&mut self, key: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM meta WHERE key = ?1", [key])?;
        Ok(())
    }

    /// A value and when it was set (None also for a database older than the table, opened
    /// read-only by a report).
    pub fn meta(&self, key: &str) -> Result<Option<(String, Option<Timestamp>)>, StoreError> {
        let exists: i64 = self.conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
            [],
            |r| r.get(0),
        )?;
        if exists == 0 {
            return Ok(None);
        }
        let row: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT value, updated_at FROM meta WHERE key = ?1",
                [key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.map(|(v, at)| (v, from_db(&at))))
    }

    /// Records that lists of `version` are in force (clearing a previous rejection).
    pub fn keywords_loaded(&mut self, version: &str) -> Result<(), StoreError> {
        self.set_meta("keywords.version", version)?;
        self.delete_meta("keywords.rejected")
    }

    /// Records that an edit of the lists was rejected, and why.
    pub fn keywords_rejected(&mut self, errors: &str) -> Result<(), StoreError> {
        self.set_meta("keywords.rejected", errors)
    }

    pub fn keywords_state(&self) -> Result<KeywordsState, StoreError> {
        let version = self.meta("keywords.version")?;
        let rejected = self.meta("keywords.rejected")?;
        Ok(KeywordsState {
            loaded_at: version.as_ref().and_then(|v| v.1),
            version: version.map(|v| v.0),
            rejected_at: rejected.as_ref().and_then(|r| r.1),
            rejected: rejected.map(|r| r.0),
        })
    }
}
