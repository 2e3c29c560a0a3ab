//! Sources' health, meta values, alert episodes and deliveries on PostgreSQL: the SQL of
//! `store::sources` and `store::alerts`' reads, answering alike.

use jiff::Timestamp;

use crate::model::{Cursor, PACE_WINDOW, SourceId, SourceState};
use crate::store::alerts::{DeliveryRecord, Episode, PendingDelivery};
use crate::store::{SourceHealth, Status, StoreError};
use crate::time::{from_db, to_db};

use super::{PgStore, Prepared};

/// How the region column names the province-wide count, as `topic_hourly` does.
const ALL: &str = "*";

/// A stored count (never negative in practice) as the unsigned figure the callers want.
fn count(n: i64) -> u64 {
    n.max(0) as u64
}

fn ts(text: Option<String>) -> Option<Timestamp> {
    text.as_deref().and_then(from_db)
}

impl Status for PgStore {
    fn sources_health(&self, order: &[SourceId]) -> Result<Vec<SourceHealth>, StoreError> {
        let rows = self.client().query_prepared(
            "SELECT id, kind, name, url, last_attempt_at, last_success_at, consecutive_failures,
                    last_error_class, last_error, next_attempt_at, items_seen
             FROM sources ORDER BY id COLLATE \"C\"",
            &[],
        )?;
        let mut out: Vec<SourceHealth> = rows
            .iter()
            .map(|r| SourceHealth {
                id: SourceId::new(r.get::<_, String>(0)),
                kind: r.get(1),
                name: r.get(2),
                url: r.get(3),
                last_attempt: ts(r.get(4)),
                last_success: ts(r.get(5)),
                consecutive_failures: count(r.get(6)) as u32,
                last_error_class: r.get(7),
                last_error: r.get(8),
                next_attempt: ts(r.get(9)),
                items_seen: count(r.get(10)),
            })
            .collect();
        // Stable: sources outside `order` keep their order by id after the configured ones.
        out.sort_by_key(|h| {
            order
                .iter()
                .position(|id| id == &h.id)
                .unwrap_or(usize::MAX)
        });
        Ok(out)
    }

    fn source_names(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = self.client().query_prepared(
            "SELECT id, coalesce(name, id) FROM sources ORDER BY id COLLATE \"C\"",
            &[],
        )?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn source_state(&self, id: &SourceId) -> Result<SourceState, StoreError> {
        let mut c = self.client();
        let Some(row) = c.query_opt_prepared(
            "SELECT cursor, consecutive_failures, next_attempt_at FROM sources WHERE id = $1",
            &[&id.as_str()],
        )?
        else {
            return Ok(SourceState::default());
        };
        let cursor: Option<String> = row.get(0);
        // The new posts of the successful polls over the pace window, the source's first
        // successful poll left out (it brought the backlog, not the rate).
        let since = to_db(Timestamp::now() - PACE_WINDOW);
        let recent = c.query_one_prepared(
            "SELECT coalesce(sum(items_new), 0)::BIGINT, min(started_at) FROM fetch_log
             WHERE source_id = $1 AND started_at >= $2 AND status = 'ok'
               AND id > (SELECT min(id) FROM fetch_log WHERE source_id = $1 AND status = 'ok')",
            &[&id.as_str(), &since],
        )?;
        let posts: i64 = recent.get(0);
        Ok(SourceState {
            cursor: cursor
                .and_then(|c| serde_json::from_str::<Cursor>(&c).ok())
                .unwrap_or_default(),
            consecutive_failures: count(row.get(1)) as u32,
            next_attempt: ts(row.get(2)),
            recent: ts(recent.get(1)).map(|at| (count(posts), at)),
        })
    }

    fn meta(&self, key: &str) -> Result<Option<(String, Option<Timestamp>)>, StoreError> {
        let row = self
            .client()
            .query_opt_prepared("SELECT value, updated_at FROM meta WHERE key = $1", &[&key])?;
        Ok(row.map(|r| (r.get(0), from_db(r.get(1)))))
    }

    fn open_episodes(&self) -> Result<Vec<Episode>, StoreError> {
        let rows = self.client().query_prepared(
            "SELECT id, topic_id, region_id, started_at, last_rising_at, alerted_count,
                    last_alert_at
             FROM alert_episodes WHERE closed_at IS NULL ORDER BY id",
            &[],
        )?;
        let at = |text: String| from_db(&text).unwrap_or(Timestamp::UNIX_EPOCH);
        Ok(rows
            .iter()
            .map(|r| {
                let region: String = r.get(2);
                Episode {
                    id: r.get(0),
                    topic: r.get(1),
                    region: (region != ALL).then_some(region),
                    started: at(r.get(3)),
                    last_rising: at(r.get(4)),
                    alerted_count: r.get::<_, i64>(5) as u64,
                    last_alert: at(r.get(6)),
                }
            })
            .collect())
    }

    fn due_deliveries(&self, now: Timestamp) -> Result<Vec<PendingDelivery>, StoreError> {
        let rows = self.client().query_prepared(
            "SELECT d.alert_id, d.sink_id, d.attempts, a.subject, a.text, a.payload
             FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
             WHERE d.status = 'pending' AND d.next_attempt_at <= $1
             ORDER BY d.alert_id, d.sink_id COLLATE \"C\"",
            &[&to_db(now)],
        )?;
        Ok(rows
            .iter()
            .map(|r| PendingDelivery {
                alert_id: r.get(0),
                sink: r.get(1),
                attempts: r.get::<_, i64>(2) as u32,
                subject: r.get(3),
                text: r.get(4),
                payload: serde_json::from_str(r.get(5)).unwrap_or(serde_json::Value::Null),
            })
            .collect())
    }

    fn alert_subject(&self, id: i64) -> Result<String, StoreError> {
        // Like SQLite's `query_row`: an unknown alert is an error, not an empty subject.
        Ok(self
            .client()
            .query_one_prepared("SELECT subject FROM alerts WHERE id = $1", &[&id])?
            .get(0))
    }
}

impl PgStore {
    /// Every delivery of the alerts created since `since`, newest alert first, then by sink.
    pub fn deliveries_since(&self, since: Timestamp) -> Result<Vec<DeliveryRecord>, StoreError> {
        let rows = self.client().query_prepared(
            "SELECT d.alert_id, a.topic_id, d.sink_id, d.status, d.attempts, d.sent_at,
                    d.last_error
             FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
             WHERE a.created_at >= $1 ORDER BY d.alert_id DESC, d.sink_id COLLATE \"C\"",
            &[&to_db(since)],
        )?;
        Ok(rows
            .iter()
            .map(|r| DeliveryRecord {
                alert_id: r.get(0),
                topic: r.get(1),
                sink: r.get(2),
                status: r.get(3),
                attempts: r.get::<_, i64>(4) as u32,
                sent_at: ts(r.get(5)),
                last_error: r.get(6),
            })
            .collect())
    }
}

#[cfg(test)]
pub(super) mod tests {
    use jiff::{SignedDuration, Timestamp};

    use crate::model::{Cursor, SourceId, SourceState};
    use crate::store::testing::each_backend;
    use crate::store::{Status, Store};
    use crate::time::to_db;

    /// Runs `sql` (statements SQLite and PostgreSQL both read alike) on either backend: seeds
    /// the tables of reads whose writes are not the subject of a test.
    pub(in crate::store) fn exec(store: &Store, sql: &str) {
        match store {
            Store::Sqlite(s) => s.conn.execute_batch(sql).expect(sql),
            Store::Postgres(p) => postgres::Client::connect(p.url().expose(), postgres::NoTls)
                .expect("PostgreSQL uji")
                .batch_execute(sql)
                .expect(sql),
        }
    }

    #[test]
    fn sources_come_in_config_order_with_their_state_and_pace() {
        each_backend(|backend, store| {
            let now = Timestamp::now();
            let ago = |hours: i64| to_db(now - SignedDuration::from_hours(hours));
            let cursor = serde_json::to_string(&Cursor::Token { value: "42".into() }).unwrap();
            exec(
                &store,
                &format!(
                    "INSERT INTO sources (id, kind, name, url, cursor, consecutive_failures,
                                          next_attempt_at, last_error, items_seen)
                     VALUES ('b', 'rss', 'Berita B', 'https://b', '{cursor}', 2, '{next}', 'x', 9),
                            ('a', 'rss', NULL, 'https://a', NULL, 0, NULL, NULL, 0),
                            ('Z', 'json', NULL, 'https://z', 'bukan json', 0, NULL, NULL, 0),
                            ('c', 'rss', 'Kabar C', 'https://c', NULL, 0, NULL, NULL, 0);
                     -- b: the first ok poll (its backlog) left out, one older than the pace
                     -- window, then two ok polls in it around a failure; c: one ok poll only.
                     INSERT INTO fetch_log (id, source_id, started_at, duration_ms, status, items_new)
                     VALUES (1, 'b', '{h1}', 5, 'ok', 100),
                            (2, 'b', '{h200}', 5, 'ok', 50),
                            (3, 'b', '{h48}', 5, 'ok', 5),
                            (4, 'b', '{h30}', 5, 'error', 3),
                            (5, 'b', '{h24}', 5, 'ok', 7),
                            (6, 'c', '{h2}', 5, 'ok', 80);",
                    next = ago(-1),
                    h1 = ago(1),
                    h200 = ago(200),
                    h48 = ago(48),
                    h30 = ago(30),
                    h24 = ago(24),
                    h2 = ago(2),
                ),
            );
            let order = [SourceId::new("c"), SourceId::new("b")];
            let ids: Vec<String> = store
                .sources_health(&order)
                .unwrap()
                .into_iter()
                .map(|h| h.id.to_string())
                .collect();
            // Configured first in their order, then the others bytewise ("Z" before "a").
            assert_eq!(ids, ["c", "b", "Z", "a"], "{backend:?}");
            let b = &store.sources_health(&order).unwrap()[1];
            assert_eq!(
                (
                    b.consecutive_failures,
                    b.items_seen,
                    b.last_error.as_deref()
                ),
                (2, 9, Some("x")),
                "{backend:?}"
            );
            assert_eq!(
                store.source_names().unwrap(),
                [
                    ("Z".to_string(), "Z".to_string()),
                    ("a".into(), "a".into()),
                    ("b".into(), "Berita B".into()),
                    ("c".into(), "Kabar C".into())
                ],
                "{backend:?}"
            );
            let state = store.source_state(&SourceId::new("b")).unwrap();
            assert_eq!(
                state.cursor,
                Cursor::Token { value: "42".into() },
                "{backend:?}"
            );
            assert_eq!(state.consecutive_failures, 2, "{backend:?}");
            assert_eq!(state.next_attempt.map(to_db), Some(ago(-1)), "{backend:?}");
            let (posts, since) = state.recent.expect("recent polls");
            assert_eq!((posts, to_db(since)), (12, ago(48)), "{backend:?}");
            // One ok poll is only a backlog: no pace yet. A cursor that does not parse starts
            // again; a source without a row has the default state.
            assert_eq!(
                store.source_state(&SourceId::new("c")).unwrap().recent,
                None
            );
            assert_eq!(
                store.source_state(&SourceId::new("Z")).unwrap().cursor,
                Cursor::Start,
                "{backend:?}"
            );
            assert_eq!(
                store.source_state(&SourceId::new("nope")).unwrap(),
                SourceState::default(),
                "{backend:?}"
            );
        });
    }

    #[test]
    fn open_episodes_due_deliveries_and_subjects_read_alike() {
        each_backend(|backend, store| {
            let t = |m: i64| to_db(Timestamp::from_second(1_800_000_000 + m * 60).unwrap());
            exec(
                &store,
                &format!(
                    "INSERT INTO alert_episodes (id, topic_id, region_id, started_at, last_rising_at,
                                                 alerted_count, last_alert_at, closed_at)
                     VALUES (1, 'banjir', '*', '{t0}', '{t1}', 4, '{t1}', NULL),
                            (2, 'jalan', 'kutai', '{t0}', '{t0}', 3, '{t0}', '{t2}'),
                            (3, 'jalan', 'samarinda', '{t1}', '{t2}', 6, '{t2}', NULL);
                     INSERT INTO alerts (id, episode_id, topic_id, region_id, created_at, follow_up,
                                         count, score, reason, subject, text, payload)
                     VALUES (1, 1, 'banjir', '*', '{t0}', 0, 4, 2.5, 'naik', 'Banjir naik', 'teks 1',
                             '{{\"n\": 1}}'),
                            (2, 3, 'jalan', 'samarinda', '{t2}', 0, 6, 3.0, 'naik', 'Jalan rusak',
                             'teks 2', 'bukan json');
                     INSERT INTO alert_deliveries (alert_id, sink_id, status, attempts,
                                                   next_attempt_at, sent_at, last_error)
                     VALUES (1, 'webhook', 'pending', 1, '{t1}', NULL, 'gagal'),
                            (1, 'Email', 'pending', 0, '{t0}', NULL, NULL),
                            (1, 'telegram', 'sent', 1, '{t0}', '{t1}', NULL),
                            (2, 'email', 'pending', 0, '{t3}', NULL, NULL),
                            (2, 'webhook', 'failed', 5, '{t0}', NULL, 'habis');",
                    t0 = t(0),
                    t1 = t(1),
                    t2 = t(2),
                    t3 = t(3),
                ),
            );
            let open: Vec<(i64, Option<String>, u64)> = store
                .open_episodes()
                .unwrap()
                .into_iter()
                .map(|e| (e.id, e.region, e.alerted_count))
                .collect();
            assert_eq!(
                open,
                [(1, None, 4), (3, Some("samarinda".into()), 6)],
                "{backend:?}"
            );
            let at = |m: i64| Timestamp::from_second(1_800_000_000 + m * 60).unwrap();
            let due: Vec<(i64, String, u32, serde_json::Value)> = store
                .due_deliveries(at(2))
                .unwrap()
                .into_iter()
                .map(|d| (d.alert_id, d.sink, d.attempts, d.payload))
                .collect();
            assert_eq!(
                due,
                [
                    (1, "Email".to_string(), 0, serde_json::json!({"n": 1})),
                    (1, "webhook".into(), 1, serde_json::json!({"n": 1})),
                ],
                "{backend:?}"
            );
            // At its time exactly a delivery is due; a payload that does not parse is null.
            let later = store.due_deliveries(at(3)).unwrap();
            assert_eq!(later.len(), 3, "{backend:?}");
            assert_eq!(later[2].payload, serde_json::Value::Null, "{backend:?}");
            assert_eq!(
                store.alert_subject(2).unwrap(),
                "Jalan rusak",
                "{backend:?}"
            );
            assert!(store.alert_subject(99).is_err(), "{backend:?}");
            let since: Vec<(i64, String, String)> = store
                .deliveries_since(at(1))
                .unwrap()
                .into_iter()
                .map(|d| (d.alert_id, d.sink, d.status))
                .collect();
            assert_eq!(
                since,
                [
                    (2, "email".to_string(), "pending".to_string()),
                    (2, "webhook".into(), "failed".into())
                ],
                "{backend:?}"
            );
            let all = store.deliveries_since(at(0)).unwrap();
            assert_eq!(all.len(), 5, "{backend:?}");
            assert_eq!(all[4].sent_at, None, "{backend:?}");
            assert_eq!(all[3].sent_at, Some(at(1)), "{backend:?}");
            assert_eq!(all[4].last_error.as_deref(), Some("gagal"), "{backend:?}");
        });
    }
}
