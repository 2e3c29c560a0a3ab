//! The `briefings` table: which daily briefings were written, for which period, where.

use jiff::Timestamp;
use rusqlite::{Connection, params};

use super::StoreError;
use crate::time::{from_db, to_db};

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

/// One try to deliver a day's briefing to one recipient of one sink.
#[derive(Debug, Clone, PartialEq)]
pub struct BriefingDelivery {
    /// The briefing's local date, `YYYY-MM-DD`.
    pub date: String,
    /// The `[[alerts.sinks]]` id it went through.
    pub sink: String,
    /// An e-mail address or a Telegram chat id.
    pub recipient: String,
    /// 1 for the first try.
    pub attempt: u32,
    /// `None` when it arrived; else why not (never holds a secret: a [`SinkError`] text).
    ///
    /// [`SinkError`]: crate::alerts::sinks::SinkError
    pub error: Option<String>,
    pub at: Timestamp,
}

pub(super) fn record_briefing_delivery(
    conn: &Connection,
    d: &BriefingDelivery,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO briefing_deliveries (date, sink, recipient, attempt, ok, error, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            d.date,
            d.sink,
            d.recipient,
            d.attempt,
            d.error.is_none(),
            d.error,
            to_db(d.at)
        ],
    )?;
    Ok(())
}

/// Every attempt for `date`, in the order they were made.
pub(super) fn briefing_deliveries(
    conn: &Connection,
    date: &str,
) -> Result<Vec<BriefingDelivery>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT date, sink, recipient, attempt, error, at FROM briefing_deliveries
         WHERE date = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([date], delivery_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The recipients whose last try failed, for the briefings of the most recent sending: every
/// briefing tried within a day of the newest try (a morning sends a day, and on Mondays and the
/// 1st a week or a month after it; a resend of an older one counts as recent). What `pantau
/// sources` warns about.
pub(super) fn failed_briefing_deliveries(
    conn: &Connection,
) -> Result<Vec<BriefingDelivery>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT date, sink, recipient, attempt, error, at FROM briefing_deliveries
         WHERE id IN (SELECT MAX(id) FROM briefing_deliveries
                      GROUP BY date, sink, recipient
                      HAVING MAX(at) >= (SELECT strftime('%Y-%m-%dT%H:%M:%SZ', MAX(at), '-1 day')
                                         FROM briefing_deliveries))
           AND ok = 0
         ORDER BY at, sink, recipient",
    )?;
    let rows = stmt.query_map([], delivery_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn delivery_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BriefingDelivery> {
    let at: String = r.get(5)?;
    Ok(BriefingDelivery {
        date: r.get(0)?,
        sink: r.get(1)?,
        recipient: r.get(2)?,
        attempt: r.get(3)?,
        error: r.get(4)?,
        at: from_db(&at).unwrap_or(Timestamp::UNIX_EPOCH),
    })
}
