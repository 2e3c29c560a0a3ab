//! The `meta` table: what the service records about itself for commands and reports — which
//! keyword lists are in force, and why the last reload was rejected. The keys are here; what
//! they mean for keyword lists is [`super::Writes::keywords_loaded`]'s and
//! [`super::Status::keywords_state`]'s business.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use super::StoreError;
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

/// The version (content hash) of the keyword lists in force.
pub(super) const KEYWORDS_VERSION: &str = "keywords.version";
/// The errors of the last rejected edit of the lists, while no later load succeeded.
pub(super) const KEYWORDS_REJECTED: &str = "keywords.rejected";

pub(super) fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO meta (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![key, value, to_db(Timestamp::now())],
    )?;
    Ok(())
}

pub(super) fn delete_meta(conn: &Connection, key: &str) -> Result<(), StoreError> {
    conn.execute("DELETE FROM meta WHERE key = ?1", [key])?;
    Ok(())
}

/// A value and when it was set (None also for a database older than the table, opened
/// read-only by a report).
pub(super) fn meta(
    conn: &Connection,
    key: &str,
) -> Result<Option<(String, Option<Timestamp>)>, StoreError> {
    let exists: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
        [],
        |r| r.get(0),
    )?;
    if exists == 0 {
        return Ok(None);
    }
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT value, updated_at FROM meta WHERE key = ?1",
            [key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.map(|(v, at)| (v, from_db(&at))))
}
