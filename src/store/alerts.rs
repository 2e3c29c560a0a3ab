//! Alert episodes, alerts and their deliveries (see [`crate::alerts`]). Everything an alert
//! decision changes is written in one transaction, so a restart neither forgets an episode
//! (and alerts again) nor loses a delivery still to be made.

use jiff::Timestamp;
use rusqlite::{Connection, params};

use super::StoreError;
use crate::time::{from_db, to_db};

/// An open episode: a topic that rose (province-wide, or in one kabupaten/kota) and has not
/// been quiet for the cooldown since.
#[derive(Debug, Clone, PartialEq)]
pub struct Episode {
    pub id: i64,
    pub topic: String,
    /// The kabupaten/kota whose count rose; `None` for the province-wide count.
    pub region: Option<String>,
    pub started: Timestamp,
    pub last_rising: Timestamp,
    /// The count (stories in the window) the last alert reported.
    pub alerted_count: u64,
    pub last_alert: Timestamp,
}

/// An alert to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    pub topic: String,
    /// The kabupaten/kota it is about; `None` for a province-wide rise.
    pub region: Option<String>,
    pub follow_up: bool,
    pub count: u64,
    pub score: f64,
    pub reason: String,
    pub subject: String,
    pub text: String,
    pub payload: serde_json::Value,
    /// The sinks it is delivered to (each gets a pending delivery).
    pub sinks: Vec<String>,
}

/// What one check decided for one topic in one region.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// A new episode at `count` stories, and its first alert; no alert when the rise is told
    /// by other alerts (a province-wide rise told by its kabupaten/kota).
    Open {
        topic: String,
        region: Option<String>,
        count: u64,
        alert: Option<NewAlert>,
    },
    /// The episode goes on; `Some` when it has grown enough for a follow-up.
    Continue {
        episode: i64,
        follow_up: Option<FollowUp>,
    },
    /// The topic has been quiet for the cooldown: the episode ends.
    Close { episode: i64 },
}

/// An episode grown enough for a follow-up: its new count, and the alert (none when the
/// rise is told by other alerts).
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp {
    pub count: u64,
    pub alert: Option<NewAlert>,
}

/// A delivery still to be made.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingDelivery {
    pub alert_id: i64,
    pub sink: String,
    pub attempts: u32,
    pub subject: String,
    pub text: String,
    pub payload: serde_json::Value,
}

/// A delivery as reports show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DeliveryRecord {
    pub alert_id: i64,
    pub topic: String,
    pub sink: String,
    pub status: String,
    pub attempts: u32,
    pub sent_at: Option<Timestamp>,
    pub last_error: Option<String>,
}

pub(super) fn open_episodes(conn: &Connection) -> Result<Vec<Episode>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, topic_id, region_id, started_at, last_rising_at, alerted_count, last_alert_at
         FROM alert_episodes WHERE closed_at IS NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, topic, region, started, rising, count, last) = row?;
        out.push(Episode {
            id,
            topic,
            region: (region != ALL).then_some(region),
            started: from_db(&started).unwrap_or(Timestamp::UNIX_EPOCH),
            last_rising: from_db(&rising).unwrap_or(Timestamp::UNIX_EPOCH),
            alerted_count: count as u64,
            last_alert: from_db(&last).unwrap_or(Timestamp::UNIX_EPOCH),
        });
    }
    Ok(out)
}

/// How the region column names the province-wide count, as `topic_hourly` does.
const ALL: &str = "*";

/// Commits one check's decisions; every new alert gets a pending delivery per sink it names.
/// Returns the ids of the new alerts. An episode opened or followed up without an alert
/// records its count all the same, so that the rise is not alerted later as if new.
pub(super) fn record_decisions(
    conn: &mut Connection,
    decisions: &[Decision],
    now: Timestamp,
) -> Result<Vec<i64>, StoreError> {
    let tx = conn.transaction()?;
    let at = to_db(now);
    let mut new = Vec::new();
    for d in decisions {
        match d {
            Decision::Open {
                topic,
                region,
                count,
                alert,
            } => {
                tx.prepare_cached(
                    "INSERT INTO alert_episodes (topic_id, region_id, started_at, last_rising_at, alerted_count, last_alert_at)
                     VALUES (?1, ?2, ?3, ?3, ?4, ?3)",
                )?
                .execute(params![topic, region.as_deref().unwrap_or(ALL), at, *count as i64])?;
                let episode = tx.last_insert_rowid();
                if let Some(alert) = alert {
                    new.push(insert_alert(&tx, episode, alert, &at)?);
                }
            }
            Decision::Continue { episode, follow_up } => {
                tx.prepare_cached("UPDATE alert_episodes SET last_rising_at = ?2 WHERE id = ?1")?
                    .execute(params![episode, at])?;
                if let Some(f) = follow_up {
                    tx.prepare_cached(
                        "UPDATE alert_episodes SET alerted_count = ?2, last_alert_at = ?3 WHERE id = ?1",
                    )?
                    .execute(params![episode, f.count as i64, at])?;
                    if let Some(alert) = &f.alert {
                        new.push(insert_alert(&tx, *episode, alert, &at)?);
                    }
                }
            }
            Decision::Close { episode } => {
                tx.prepare_cached("UPDATE alert_episodes SET closed_at = ?2 WHERE id = ?1")?
                    .execute(params![episode, at])?;
            }
        }
    }
    tx.commit()?;
    Ok(new)
}

/// Deliveries due at `now`, oldest alert first.
pub(super) fn due_deliveries(
    conn: &Connection,
    now: Timestamp,
) -> Result<Vec<PendingDelivery>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.alert_id, d.sink_id, d.attempts, a.subject, a.text, a.payload
         FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= ?1
         ORDER BY d.alert_id, d.sink_id",
    )?;
    let rows = stmt.query_map(params![to_db(now)], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (alert_id, sink, attempts, subject, text, payload) = row?;
        out.push(PendingDelivery {
            alert_id,
            sink,
            attempts: attempts as u32,
            subject,
            text,
            payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
        });
    }
    Ok(out)
}

/// Records a delivery's outcome: sent; or failed with the error and the next attempt
/// (`None` gives up: the delivery is marked failed for good).
pub(super) fn record_delivery(
    conn: &Connection,
    alert_id: i64,
    sink: &str,
    outcome: Result<(), (&str, Option<Timestamp>)>,
    now: Timestamp,
) -> Result<(), StoreError> {
    match outcome {
        Ok(()) => conn.execute(
            "UPDATE alert_deliveries SET status = 'sent', attempts = attempts + 1, sent_at = ?3,
                 last_error = NULL
             WHERE alert_id = ?1 AND sink_id = ?2",
            params![alert_id, sink, to_db(now)],
        )?,
        Err((error, next)) => conn.execute(
            "UPDATE alert_deliveries SET status = ?3, attempts = attempts + 1, last_error = ?4,
                 next_attempt_at = coalesce(?5, next_attempt_at)
             WHERE alert_id = ?1 AND sink_id = ?2",
            params![
                alert_id,
                sink,
                if next.is_some() { "pending" } else { "failed" },
                error,
                next.map(to_db)
            ],
        )?,
    };
    Ok(())
}

/// Every delivery of the alerts created since `since`, newest first.
pub(super) fn deliveries_since(
    conn: &Connection,
    since: Timestamp,
) -> Result<Vec<DeliveryRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.alert_id, a.topic_id, d.sink_id, d.status, d.attempts, d.sent_at, d.last_error
         FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
         WHERE a.created_at >= ?1 ORDER BY d.alert_id DESC, d.sink_id",
    )?;
    let rows = stmt.query_map(params![to_db(since)], |r| {
        Ok(DeliveryRecord {
            alert_id: r.get(0)?,
            topic: r.get(1)?,
            sink: r.get(2)?,
            status: r.get(3)?,
            attempts: r.get::<_, i64>(4)? as u32,
            sent_at: r.get::<_, Option<String>>(5)?.as_deref().and_then(from_db),
            last_error: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// An alert's subject line.
pub(super) fn alert_subject(conn: &Connection, id: i64) -> Result<String, StoreError> {
    Ok(conn.query_row(
        "SELECT subject FROM alerts WHERE id = ?1",
        params![id],
        |r| r.get(0),
    )?)
}

fn insert_alert(
    tx: &rusqlite::Transaction<'_>,
    episode: i64,
    alert: &NewAlert,
    at: &str,
) -> Result<i64, StoreError> {
    tx.prepare_cached(
        "INSERT INTO alerts (episode_id, topic_id, region_id, created_at, follow_up, count, score, reason, subject, text, payload)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        episode,
        alert.topic,
        alert.region.as_deref().unwrap_or(ALL),
        at,
        alert.follow_up as i64,
        alert.count as i64,
        alert.score,
        alert.reason,
        alert.subject,
        alert.text,
        alert.payload.to_string(),
    ])?;
    let id = tx.last_insert_rowid();
    let mut delivery = tx.prepare_cached(
        "INSERT INTO alert_deliveries (alert_id, sink_id, status, next_attempt_at) VALUES (?1, ?2, 'pending', ?3)",
    )?;
    for sink in &alert.sinks {
        delivery.execute(params![id, sink, at])?;
    }
    Ok(id)
}
