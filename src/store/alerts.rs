//! Alert episodes, alerts and their deliveries (see [`crate::alerts`]). Everything an alert
//! decision changes is written in one transaction, so a restart neither forgets an episode
//! (and alerts again) nor loses a delivery still to be made.

use jiff::Timestamp;
use rusqlite::{Connection, params};

use super::StoreError;
use crate::time::{from_db, to_db};

/// An open episode: a topic that rose and has not been quiet for the cooldown since.
#[derive(Debug, Clone, PartialEq)]
pub struct Episode {
    pub id: i64,
    pub topic: String,
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
    pub follow_up: bool,
    pub count: u64,
    pub score: f64,
    pub reason: String,
    pub subject: String,
    pub text: String,
    pub payload: serde_json::Value,
}

/// What one check decided for one topic.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// A new episode and its first alert.
    Open(NewAlert),
    /// The episode goes on; `Some` when it has grown enough for a follow-up.
    Continue {
        episode: i64,
        follow_up: Option<NewAlert>,
    },
    /// The topic has been quiet for the cooldown: the episode ends.
    Close { episode: i64 },
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
        "SELECT id, topic_id, started_at, last_rising_at, alerted_count, last_alert_at
         FROM alert_episodes WHERE closed_at IS NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, topic, started, rising, count, last) = row?;
        out.push(Episode {
            id,
            topic,
            started: from_db(&started).unwrap_or(Timestamp::UNIX_EPOCH),
            last_rising: from_db(&rising).unwrap_or(Timestamp::UNIX_EPOCH),
            alerted_count: count as u64,
            last_alert: from_db(&last).unwrap_or(Timestamp::UNIX_EPOCH),
        });
    }
    Ok(out)
}

/// Commits one check's decisions; every new alert gets a pending delivery per sink.
/// Returns the ids of the new alerts.
pub(super) fn record_decisions(
    conn: &mut Connection,
    decisions: &[Decision],
    sinks: &[String],
    now: Timestamp,
) -> Result<Vec<i64>, StoreError> {
    let tx = conn.transaction()?;
    let at = to_db(now);
    let mut new = Vec::new();
    for d in decisions {
        match d {
            Decision::Open(alert) => {
                tx.prepare_cached(
                    "INSERT INTO alert_episodes (topic_id, started_at, last_rising_at, alerted_count, last_alert_at)
                     VALUES (?1, ?2, ?2, ?3, ?2)",
                )?
                .execute(params![alert.topic, at, alert.count as i64])?;
                let episode = tx.last_insert_rowid();
                new.push(insert_alert(&tx, episode, alert, sinks, &at)?);
            }
            Decision::Continue { episode, follow_up } => {
                tx.prepare_cached("UPDATE alert_episodes SET last_rising_at = ?2 WHERE id = ?1")?
                    .execute(params![episode, at])?;
                if let Some(alert) = follow_up {
                    tx.prepare_cached(
                        "UPDATE alert_episodes SET alerted_count = ?2, last_alert_at = ?3 WHERE id = ?1",
                    )?
                    .execute(params![episode, alert.count as i64, at])?;
                    new.push(insert_alert(&tx, *episode, alert, sinks, &at)?);
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
    sinks: &[String],
    at: &str,
) -> Result<i64, StoreError> {
    tx.prepare_cached(
        "INSERT INTO alerts (episode_id, topic_id, created_at, follow_up, count, score, reason, subject, text, payload)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        episode,
        alert.topic,
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
    for sink in sinks {
        delivery.execute(params![id, sink, at])?;
    }
    Ok(id)
}
