//! The `sources` table: one row per configured source with its cursor and health (last attempt,
//! last success, consecutive failures, last error, next attempt, items seen).

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use super::StoreError;
use crate::model::SourceId;
use crate::model::{Cursor, PACE_WINDOW, SourceInfo, SourceState};
use crate::time::{from_db, to_db};

/// A source's health as `pantau sources` shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SourceHealth {
    pub id: SourceId,
    pub kind: String,
    pub name: Option<String>,
    pub url: String,
    pub last_attempt: Option<Timestamp>,
    pub last_success: Option<Timestamp>,
    pub consecutive_failures: u32,
    pub last_error_class: Option<String>,
    pub last_error: Option<String>,
    pub next_attempt: Option<Timestamp>,
    pub items_seen: u64,
}

/// Makes the `sources` table hold every configured source. A source whose URL changed
/// starts again from an empty cursor (the old validators belong to the old URL). Rows of
/// sources no longer configured stay, so their posts keep a name.
pub(super) fn sync_sources(
    conn: &mut Connection,
    sources: &[SourceInfo],
) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO sources (id, kind, name, url, region_id) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET
                 kind = excluded.kind, name = excluded.name, region_id = excluded.region_id,
                 cursor = CASE WHEN sources.url = excluded.url THEN sources.cursor ELSE NULL END,
                 url = excluded.url",
        )?;
        for s in sources {
            upsert.execute(params![
                s.id.as_str(),
                s.kind,
                s.name,
                s.location,
                s.region.as_ref().map(|r| r.as_str())
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Where a source stood: its cursor, failures and planned next attempt.
pub(super) fn source_state(conn: &Connection, id: &SourceId) -> Result<SourceState, StoreError> {
    let row = conn
        .query_row(
            "SELECT cursor, consecutive_failures, next_attempt_at FROM sources WHERE id = ?1",
            [id.as_str()],
            |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            },
        )
        .optional()?;
    Ok(match row {
        None => SourceState::default(),
        Some((cursor, failures, next)) => SourceState {
            cursor: cursor
                .and_then(|c| serde_json::from_str::<Cursor>(&c).ok())
                .unwrap_or_default(),
            consecutive_failures: failures.max(0) as u32,
            next_attempt: next.as_deref().and_then(from_db),
            recent: recent_posts(conn, id)?,
        },
    })
}

/// New posts found in the last week of successful polls, and since when that span runs
/// (the fetch log's index on source and time keeps this a short range read). The source's
/// first successful poll brought its backlog, not its rate, and is left out.
fn recent_posts(conn: &Connection, id: &SourceId) -> Result<Option<(u64, Timestamp)>, StoreError> {
    let since = Timestamp::now() - PACE_WINDOW;
    let (posts, first): (i64, Option<String>) = conn.query_row(
        "SELECT COALESCE(SUM(items_new), 0), MIN(started_at) FROM fetch_log
         WHERE source_id = ?1 AND started_at >= ?2 AND status = 'ok'
           AND id > (SELECT MIN(id) FROM fetch_log WHERE source_id = ?1 AND status = 'ok')",
        rusqlite::params![id.as_str(), to_db(since)],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(first
        .as_deref()
        .and_then(from_db)
        .map(|at| (posts.max(0) as u64, at)))
}

/// Every source row, configured ones first in config order, then others by id.
pub(super) fn sources_health(
    conn: &Connection,
    order: &[SourceId],
) -> Result<Vec<SourceHealth>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, kind, name, url, last_attempt_at, last_success_at, consecutive_failures,
                last_error_class, last_error, next_attempt_at, items_seen
         FROM sources ORDER BY id",
    )?;
    let ts = |s: Option<String>| s.as_deref().and_then(from_db);
    let mut rows: Vec<SourceHealth> = stmt
        .query_map([], |r| {
            Ok(SourceHealth {
                id: SourceId::new(r.get::<_, String>(0)?),
                kind: r.get(1)?,
                name: r.get(2)?,
                url: r.get(3)?,
                last_attempt: ts(r.get(4)?),
                last_success: ts(r.get(5)?),
                consecutive_failures: r.get::<_, i64>(6)?.max(0) as u32,
                last_error_class: r.get(7)?,
                last_error: r.get(8)?,
                next_attempt: ts(r.get(9)?),
                items_seen: r.get::<_, i64>(10)?.max(0) as u64,
            })
        })?
        .collect::<Result<_, _>>()?;
    rows.sort_by_key(|h| {
        order
            .iter()
            .position(|id| id == &h.id)
            .unwrap_or(usize::MAX)
    });
    Ok(rows)
}

/// Every known source's id and display name (its id when it has none).
pub(super) fn source_names(conn: &Connection) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id, coalesce(name, id) FROM sources ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
