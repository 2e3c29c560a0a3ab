//! Users, sessions, tokens and the login audit; topic revisions; marks on posts — on
//! PostgreSQL: the SQL of `store::users`, `store::revisions` and `store::marks`, answering
//! alike. Names and ids sort bytewise (`COLLATE "C"`), as SQLite compares text.

use jiff::Timestamp;
use postgres::Row;

use crate::store::marks::{self, Candidate, Kind, Mark, PostTags, TopicQuality, Verdict};
use crate::store::revisions::{self, Revision};
use crate::store::users::{Attempts, Failures, LoginEntry, Outcome, SessionRow, UserRow};
use crate::store::{Accounts, Marks, Revisions, StoreError};
use crate::time::{from_db, to_db};

use super::{PgStore, Prepared};

const USER_COLUMNS: &str = "name, role, password_hash, created_at, last_login_at";

fn user_row(r: &Row) -> UserRow {
    UserRow {
        name: r.get(0),
        role: r.get(1),
        password_hash: r.get(2),
        created_at: from_db(r.get(3)).unwrap_or_default(),
        last_login_at: r.get::<_, Option<String>>(4).as_deref().and_then(from_db),
    }
}

/// A row count or a limit as the BIGINT PostgreSQL takes.
fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Accounts for PgStore {
    fn add_user(&mut self, user: &UserRow) -> Result<bool, StoreError> {
        let n = self.client().execute_prepared(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO NOTHING",
            &[
                &user.name,
                &user.role,
                &user.password_hash,
                &to_db(user.created_at),
            ],
        )?;
        Ok(n == 1)
    }

    fn set_password(&mut self, name: &str, password_hash: &str) -> Result<bool, StoreError> {
        let mut c = self.client();
        let mut tx = c.transaction()?;
        let n = tx.execute_prepared(
            "UPDATE users SET password_hash = $2 WHERE name = $1",
            &[&name, &password_hash],
        )?;
        // A new password ends every session signed in with the old one.
        tx.execute_prepared("DELETE FROM sessions WHERE user_name = $1", &[&name])?;
        tx.commit()?;
        Ok(n == 1)
    }

    fn remove_user(&mut self, name: &str) -> Result<bool, StoreError> {
        let mut c = self.client();
        let mut tx = c.transaction()?;
        // The foreign keys cascade too; deleting first keeps the same statements as SQLite's.
        tx.execute_prepared("DELETE FROM sessions WHERE user_name = $1", &[&name])?;
        tx.execute_prepared("DELETE FROM api_tokens WHERE user_name = $1", &[&name])?;
        let n = tx.execute_prepared("DELETE FROM users WHERE name = $1", &[&name])?;
        tx.commit()?;
        Ok(n == 1)
    }

    fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        let rows = self.client().query(
            &format!("SELECT {USER_COLUMNS} FROM users ORDER BY name COLLATE \"C\""),
            &[],
        )?;
        Ok(rows.iter().map(user_row).collect())
    }

    fn user(&self, name: &str) -> Result<Option<UserRow>, StoreError> {
        let row = self.client().query_opt(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE name = $1"),
            &[&name],
        )?;
        Ok(row.as_ref().map(user_row))
    }

    fn count_users(&self) -> Result<u64, StoreError> {
        // The login tables are in the first PostgreSQL migration: no older schema lacks them.
        let n: i64 = self
            .client()
            .query_one_prepared("SELECT count(*) FROM users", &[])?
            .get(0);
        Ok(n as u64)
    }

    fn create_session(
        &mut self,
        id_hash: &str,
        user: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.client().execute_prepared(
            "INSERT INTO sessions (id_hash, user_name, created_at, last_seen_at, expires_at)
             VALUES ($1, $2, $3, $3, $4)",
            &[&id_hash, &user, &to_db(now), &to_db(expires_at)],
        )?;
        Ok(())
    }

    fn session(&self, id_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        let row = self.client().query_opt_prepared(
            "SELECT s.user_name, u.role, s.created_at, s.last_seen_at, s.expires_at
             FROM sessions s JOIN users u ON u.name = s.user_name WHERE s.id_hash = $1",
            &[&id_hash],
        )?;
        let at = |r: &Row, i: usize| from_db(r.get(i)).unwrap_or_default();
        Ok(row.map(|r| SessionRow {
            user: r.get(0),
            role: r.get(1),
            created_at: at(&r, 2),
            last_seen_at: at(&r, 3),
            expires_at: at(&r, 4),
        }))
    }

    fn touch_session(&mut self, id_hash: &str, now: Timestamp) -> Result<(), StoreError> {
        self.client().execute_prepared(
            "UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1",
            &[&id_hash, &to_db(now)],
        )?;
        Ok(())
    }

    fn end_session(&mut self, id_hash: &str) -> Result<(), StoreError> {
        self.client()
            .execute_prepared("DELETE FROM sessions WHERE id_hash = $1", &[&id_hash])?;
        Ok(())
    }

    fn prune_sessions(
        &mut self,
        idle_before: Timestamp,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let n = self.client().execute_prepared(
            "DELETE FROM sessions WHERE last_seen_at < $1 OR expires_at <= $2",
            &[&to_db(idle_before), &to_db(now)],
        )?;
        Ok(n as usize)
    }

    fn add_token(
        &mut self,
        token_hash: &str,
        user: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.client().execute_prepared(
            "INSERT INTO api_tokens (token_hash, user_name, created_at) VALUES ($1, $2, $3)",
            &[&token_hash, &user, &to_db(now)],
        )?;
        Ok(())
    }

    fn token_user(&self, token_hash: &str) -> Result<Option<UserRow>, StoreError> {
        let row = self.client().query_opt_prepared(
            "SELECT u.name, u.role, u.password_hash, u.created_at, u.last_login_at
             FROM api_tokens t JOIN users u ON u.name = t.user_name WHERE t.token_hash = $1",
            &[&token_hash],
        )?;
        Ok(row.as_ref().map(user_row))
    }

    fn count_tokens(&self, user: &str) -> Result<u64, StoreError> {
        let n: i64 = self
            .client()
            .query_one_prepared(
                "SELECT count(*) FROM api_tokens WHERE user_name = $1",
                &[&user],
            )?
            .get(0);
        Ok(n as u64)
    }

    fn revoke_tokens(&mut self, user: &str) -> Result<usize, StoreError> {
        let n = self
            .client()
            .execute_prepared("DELETE FROM api_tokens WHERE user_name = $1", &[&user])?;
        Ok(n as usize)
    }

    fn record_login(&mut self, entry: &LoginEntry) -> Result<(), StoreError> {
        let mut c = self.client();
        let mut tx = c.transaction()?;
        let at = to_db(entry.at);
        tx.execute_prepared(
            "INSERT INTO login_audit (at, \"user\", address, outcome) VALUES ($1, $2, $3, $4)",
            &[&at, &entry.user, &entry.address, &entry.outcome.as_str()],
        )?;
        if entry.outcome == Outcome::Ok {
            tx.execute_prepared(
                "UPDATE users SET last_login_at = $2 WHERE name = $1",
                &[&entry.user, &at],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn login_failures(&self, who: Attempts<'_>, since: Timestamp) -> Result<Failures, StoreError> {
        let (column, value) = match who {
            Attempts::User(u) => ("\"user\"", u),
            Attempts::Address(a) => ("address", a),
        };
        // Failures count from the later of `since` and the last successful login. Times are
        // one fixed ASCII form, so text order is time order whatever the collation.
        let sql = format!(
            "SELECT count(*), max(at) FROM login_audit
             WHERE {column} = $1 AND outcome = 'failed' AND at >= greatest($2::text, coalesce(
                 (SELECT max(at) FROM login_audit WHERE {column} = $1 AND outcome = 'ok'), ''))"
        );
        let row = self.client().query_one(&sql, &[&value, &to_db(since)])?;
        let count: i64 = row.get(0);
        Ok(Failures {
            count: count as u32,
            last: row.get::<_, Option<String>>(1).as_deref().and_then(from_db),
        })
    }

    fn login_audit(&self, user: Option<&str>, limit: usize) -> Result<Vec<LoginEntry>, StoreError> {
        let rows = self.client().query_prepared(
            "SELECT at, \"user\", address, outcome FROM login_audit
             WHERE $1::text IS NULL OR \"user\" = $1 ORDER BY id DESC LIMIT $2",
            &[&user, &self::limit(limit)],
        )?;
        Ok(rows
            .iter()
            .map(|r| LoginEntry {
                at: from_db(r.get(0)).unwrap_or_default(),
                user: r.get(1),
                address: r.get(2),
                outcome: Outcome::parse(r.get(3)),
            })
            .collect())
    }
}

const REVISION_COLUMNS: &str = "id, topic_id, \"user\", at, before, after, diff";

fn revision_row(r: &Row) -> Revision {
    Revision {
        id: r.get(0),
        topic: r.get(1),
        user: r.get(2),
        at: from_db(r.get(3)).unwrap_or(Timestamp::UNIX_EPOCH),
        before: r.get(4),
        after: r.get(5),
        diff: r.get(6),
    }
}

impl Revisions for PgStore {
    fn record_revision(&mut self, rev: &revisions::Revision) -> Result<i64, StoreError> {
        let row = self.client().query_one_prepared(
            "INSERT INTO topic_revisions (topic_id, \"user\", at, before, after, diff)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[
                &rev.topic,
                &rev.user,
                &to_db(rev.at),
                &rev.before,
                &rev.after,
                &rev.diff,
            ],
        )?;
        Ok(row.get(0))
    }

    fn revisions(&self, topic: &str, limit: usize) -> Result<Vec<revisions::Revision>, StoreError> {
        let rows = self.client().query(
            &format!(
                "SELECT {REVISION_COLUMNS} FROM topic_revisions WHERE topic_id = $1
                 ORDER BY id DESC LIMIT $2"
            ),
            &[&topic, &self::limit(limit)],
        )?;
        Ok(rows.iter().map(revision_row).collect())
    }

    fn revision(&self, id: i64) -> Result<Option<revisions::Revision>, StoreError> {
        let row = self.client().query_opt(
            &format!("SELECT {REVISION_COLUMNS} FROM topic_revisions WHERE id = $1"),
            &[&id],
        )?;
        Ok(row.as_ref().map(revision_row))
    }
}

fn candidate(r: &Row) -> Candidate {
    let at = |i: usize| from_db(r.get(i)).unwrap_or(Timestamp::UNIX_EPOCH);
    Candidate {
        post: r.get(0),
        verdict: Verdict::parse(r.get(1)).unwrap_or(Verdict::Wrong),
        title: r.get(2),
        text: r.get(3),
        url: r.get(4),
        published: at(5),
        users: r.get::<_, i64>(6).max(0) as u64,
        at: at(7),
    }
}

/// `count(*)` and `max(m.at)` per post and verdict; PostgreSQL lets the post's columns be
/// selected since they depend on its primary key.
const CANDIDATE_COLUMNS: &str = "p.id, m.verdict, p.title, p.text, p.url, p.published_at, \
                                 count(*), max(m.at)";

impl Marks for PgStore {
    fn set_mark(&mut self, mark: &marks::Mark) -> Result<(), StoreError> {
        let mut c = self.client();
        let mut tx = c.transaction()?;
        // `seq` orders the marks ("the last verdict wins"): SQLite's writer takes it under its
        // lock; here marks from two nodes at once would read the same max. Marks are a person's
        // clicks, so serialising them costs nothing.
        tx.batch_execute("LOCK TABLE post_marks IN SHARE ROW EXCLUSIVE MODE")?;
        tx.execute_prepared(
            "INSERT INTO post_marks (post_id, kind, value, verdict, \"user\", at, seq)
             VALUES ($1, $2, $3, $4, $5, $6, (SELECT coalesce(max(seq), 0) + 1 FROM post_marks))
             ON CONFLICT (post_id, kind, value, \"user\")
             DO UPDATE SET verdict = excluded.verdict, at = excluded.at, seq = excluded.seq",
            &[
                &mark.post,
                &mark.kind.as_str(),
                &mark.value,
                &mark.verdict.as_str(),
                &mark.user,
                &to_db(mark.at),
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn clear_mark(
        &mut self,
        post: i64,
        kind: Kind,
        value: &str,
        user: &str,
    ) -> Result<bool, StoreError> {
        let n = self.client().execute_prepared(
            "DELETE FROM post_marks
             WHERE post_id = $1 AND kind = $2 AND value = $3 AND \"user\" = $4",
            &[&post, &kind.as_str(), &value, &user],
        )?;
        Ok(n > 0)
    }

    fn post_tags(&self, id: i64) -> Result<Option<PostTags>, StoreError> {
        // In id order, as SQLite's group_concat reads them off the primary key.
        let row = self.client().query_opt_prepared(
            "SELECT coalesce((SELECT array_agg(topic_id ORDER BY topic_id COLLATE \"C\")
                              FROM post_topics WHERE post_id = p.id), '{}'),
                    coalesce((SELECT array_agg(region_id ORDER BY region_id COLLATE \"C\")
                              FROM post_regions WHERE post_id = p.id), '{}'),
                    p.sentiment
             FROM posts p WHERE p.id = $1",
            &[&id],
        )?;
        Ok(row.map(|r| PostTags {
            topics: r.get(0),
            regions: r.get(1),
            sentiment: r.get(2),
        }))
    }

    fn marks_on(&self, ids: &[i64]) -> Result<Vec<Mark>, StoreError> {
        // The posts in the order asked, each one's marks oldest first.
        let rows = self.client().query_prepared(
            "SELECT m.post_id, m.kind, m.value, m.verdict, m.\"user\", m.at
             FROM unnest($1::bigint[]) WITH ORDINALITY AS x(id, n)
             JOIN post_marks m ON m.post_id = x.id
             ORDER BY x.n, m.seq",
            &[&ids],
        )?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                // The table's CHECKs keep kinds and verdicts known; a row that is not is skipped.
                Some(Mark {
                    post: r.get(0),
                    kind: Kind::parse(r.get(1))?,
                    value: r.get(2),
                    verdict: Verdict::parse(r.get(3))?,
                    user: r.get(4),
                    at: from_db(r.get(5)).unwrap_or(Timestamp::UNIX_EPOCH),
                })
            })
            .collect())
    }

    fn topic_candidates(
        &self,
        topic: &str,
        limit: usize,
    ) -> Result<Vec<marks::Candidate>, StoreError> {
        let rows = self.client().query(
            &format!(
                "SELECT {CANDIDATE_COLUMNS} FROM post_marks m JOIN posts p ON p.id = m.post_id
                 WHERE m.kind = 'topic' AND m.value = $1 AND m.verdict IN ('wrong', 'missing')
                 GROUP BY p.id, m.verdict ORDER BY max(m.seq) DESC LIMIT $2"
            ),
            &[&topic, &self::limit(limit)],
        )?;
        Ok(rows.iter().map(candidate).collect())
    }

    fn topic_quality(&self) -> Result<Vec<marks::TopicQuality>, StoreError> {
        // As SQLite's: a post's verdict on a topic is its last topic mark there (by anyone, by
        // `seq`); reviewed posts are looked up from the marks (few), not from post_topics (big).
        let rows = self.client().query_prepared(
            "WITH last AS (
                 SELECT post_id, value AS topic_id, verdict,
                        row_number() OVER (PARTITION BY post_id, value ORDER BY seq DESC) AS n
                 FROM post_marks WHERE kind = 'topic'
             ),
             reviewed AS (
                 SELECT t.topic_id,
                        count(*) AS reviewed,
                        count(*) FILTER (WHERE EXISTS (
                            SELECT 1 FROM last l WHERE l.n = 1 AND l.post_id = t.post_id
                            AND l.topic_id = t.topic_id AND l.verdict = 'wrong')) AS wrong
                 FROM post_topics t
                 WHERE t.post_id IN (SELECT post_id FROM post_marks)
                 GROUP BY t.topic_id
             ),
             missed AS (
                 SELECT l.topic_id, count(*) AS missed FROM last l
                 WHERE l.n = 1 AND l.verdict = 'missing'
                   AND NOT EXISTS (SELECT 1 FROM post_topics t
                                   WHERE t.post_id = l.post_id AND t.topic_id = l.topic_id)
                 GROUP BY l.topic_id
             ),
             topics AS (SELECT topic_id FROM reviewed UNION SELECT topic_id FROM missed)
             SELECT k.topic_id, coalesce(r.reviewed, 0), coalesce(r.wrong, 0),
                    coalesce(s.missed, 0)
             FROM topics k
             LEFT JOIN reviewed r ON r.topic_id = k.topic_id
             LEFT JOIN missed s ON s.topic_id = k.topic_id
             ORDER BY k.topic_id COLLATE \"C\"",
            &[],
        )?;
        let n = |r: &Row, i: usize| r.get::<_, i64>(i).max(0) as u64;
        Ok(rows
            .iter()
            .map(|r| TopicQuality {
                topic: r.get(0),
                reviewed: n(r, 1),
                wrong: n(r, 2),
                missed: n(r, 3),
            })
            .collect())
    }

    fn missed_posts(&self, topic: &str, limit: usize) -> Result<Vec<marks::Candidate>, StoreError> {
        let rows = self.client().query(
            &format!(
                "SELECT {CANDIDATE_COLUMNS} FROM post_marks m JOIN posts p ON p.id = m.post_id
                 WHERE m.kind = 'topic' AND m.value = $1 AND m.verdict = 'missing'
                   AND NOT EXISTS (SELECT 1 FROM post_topics t
                                   WHERE t.post_id = p.id AND t.topic_id = $1)
                   AND (SELECT l.verdict FROM post_marks l WHERE l.post_id = p.id
                        AND l.kind = 'topic' AND l.value = $1
                        ORDER BY l.seq DESC LIMIT 1) = 'missing'
                 GROUP BY p.id, m.verdict ORDER BY max(m.seq) DESC LIMIT $2"
            ),
            &[&topic, &self::limit(limit)],
        )?;
        Ok(rows.iter().map(candidate).collect())
    }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use crate::store::Revisions;
    use crate::store::revisions::Revision;
    use crate::store::testing::each_backend;

    fn save(topic: &str, user: &str, secs: i64, after: &str) -> Revision {
        Revision {
            id: 0,
            topic: topic.into(),
            user: user.into(),
            at: Timestamp::from_second(1_800_000_000 + secs).unwrap(),
            before: "lama\n".into(),
            after: after.into(),
            diff: format!("-lama\n+{after}"),
        }
    }

    #[test]
    fn revisions_are_kept_per_topic_newest_first() {
        each_backend(|backend, mut store| {
            let first = store
                .record_revision(&save("banjir", "siti", 1, "a"))
                .unwrap();
            let other = store
                .record_revision(&save("jalan", "rina", 2, "b"))
                .unwrap();
            let second = store
                .record_revision(&save("banjir", "rina", 3, "c"))
                .unwrap();
            assert!(first < other && other < second, "{backend:?}");
            let ids: Vec<i64> = store
                .revisions("banjir", 10)
                .unwrap()
                .iter()
                .map(|r| r.id)
                .collect();
            assert_eq!(ids, [second, first], "{backend:?}");
            let newest = store.revisions("banjir", 1).unwrap();
            assert_eq!(newest.len(), 1, "{backend:?}");
            let got = store.revision(first).unwrap().unwrap();
            assert_eq!(
                got,
                Revision {
                    id: first,
                    ..save("banjir", "siti", 1, "a")
                }
            );
            assert_eq!(newest[0].user, "rina", "{backend:?}");
            assert!(
                store.revision(second + 100).unwrap().is_none(),
                "{backend:?}"
            );
            assert!(store.revisions("tidak-ada", 10).unwrap().is_empty());
        });
    }
}
