//! The `briefings` table: which daily briefings were written, for which period, where.

use jiff::Timestamp;
use rusqlite::{Connection, params};

use super::StoreError;
use crate::time::to_db;

/// A written briefing.
#[derive(Debug, Clone, PartialEq)]
pub struct BriefingRecord {
    /// The local date it covers, `YYYY-MM-DD`.
    pub date: String,
    pub generated_at: Timestamp,
    pub period_start: Timestamp,
    pub period_end: Timestamp,
    /// The folder holding `date.md`, `date.html` and `date.json`.
    pub dir: String,
    pub issues: u64,
    pub posts: u64,
    pub keywords_version: String,
}

/// Records (or re-records, when regenerated) a briefing.
pub(super) fn record_briefing(conn: &Connection, b: &BriefingRecord) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO briefings (date, generated_at, period_start, period_end, dir, issues, posts, keywords_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (date) DO UPDATE SET generated_at = excluded.generated_at,
             period_start = excluded.period_start, period_end = excluded.period_end,
             dir = excluded.dir, issues = excluded.issues, posts = excluded.posts,
             keywords_version = excluded.keywords_version",
        params![
            b.date,
            to_db(b.generated_at),
            to_db(b.period_start),
            to_db(b.period_end),
            b.dir,
            b.issues as i64,
            b.posts as i64,
            b.keywords_version
        ],
    )?;
    Ok(())
}
