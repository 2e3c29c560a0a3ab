//! Keeping a PostgreSQL store: figures, retention, integrity — and what the server does itself.
//!
//! Retention is the same as SQLite's (`store::maintenance::prune_batch`): the oldest posts go in
//! short batches, taking their share of the per-post rollups with them, so reports over the
//! posts still stored stay exact. The file's upkeep is the server's on PostgreSQL: autovacuum
//! returns dead rows' space and refreshes statistics, the server checkpoints its own WAL, and
//! backups are `pg_dump`'s or `pg_basebackup`'s. A database has no size cap of its own.

use std::path::Path;
use std::sync::Once;

use jiff::Timestamp;
use postgres::Transaction;

use crate::store::key_sweep::{Position, SWEPT, Swept};
use crate::store::maintenance::{Engine, PgFigures, Pruned, Stats, TABLES};
use crate::store::{Maintenance, StoreError};
use crate::time::{from_db, to_db};

use super::{PgStore, Prepared, schema};

/// How many rows a table may have changed since it was last analysed before
/// [`Maintenance::optimize`] analyses it: a tenth of it and a floor, the threshold at which
/// autovacuum would have done so with its defaults (`optimize` catches up when it lags).
const ANALYZE_FLOOR: i64 = 1000;

impl Maintenance for PgStore {
    /// PostgreSQL checkpoints itself.
    type Checkpoints = ();

    /// A PostgreSQL database is backed up with the server's tools, which copy it consistently
    /// and restore it where this program cannot (roles, extensions, point-in-time).
    fn backup_to(&self, _dest: &Path) -> Result<u64, StoreError> {
        Err(StoreError::SqliteOnly {
            what: "pantau db backup",
            instead: "cadangkan PostgreSQL dengan pg_dump atau pg_basebackup",
        })
    }

    fn stats(&self) -> Result<Stats, StoreError> {
        let mut c = self.client();
        let mut rows = Vec::new();
        let mut table_bytes = Vec::new();
        for table in TABLES {
            // Exact counts, as SQLite's: `pantau db stats` is run by hand, not polled.
            let r = c.query_one(
                &format!(
                    "SELECT (SELECT count(*) FROM {table}), pg_total_relation_size('{table}')"
                ),
                &[],
            )?;
            rows.push((table.to_string(), r.get::<_, i64>(0)));
            table_bytes.push((table.to_string(), r.get::<_, i64>(1).max(0) as u64));
        }
        let r = c.query_one(
            "SELECT min(published_at), max(published_at), pg_database_size(current_database()),
                    current_setting('server_version'), (SELECT version FROM pantau_schema)
             FROM posts",
            &[],
        )?;
        let ts = |text: Option<String>| text.as_deref().and_then(from_db);
        Ok(Stats {
            engine: Engine::Postgres(PgFigures {
                url: self.url().redacted(),
                database_bytes: r.get::<_, i64>(2).max(0) as u64,
                server_version: r.get(3),
                table_bytes,
            }),
            schema_version: r.get(4),
            rows,
            oldest_post: ts(r.get(0)),
            newest_post: ts(r.get(1)),
        })
    }

    fn prune_batch(&mut self, before: Timestamp, limit: usize) -> Result<Pruned, StoreError> {
        let at = to_db(before);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut c = self.client();
        let mut tx = c.transaction()?;
        // Locked, so that a writer updating one of them (its reach seen again) waits until they
        // are gone, rather than changing counts between their removal from the rollups and
        // their deletion.
        let ids: Vec<i64> = tx
            .query_prepared(
                "SELECT id FROM posts WHERE published_at < $1 ORDER BY published_at, id LIMIT $2
                 FOR UPDATE",
                &[&at, &limit],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let posts = if ids.is_empty() {
            0
        } else {
            remove_from_rollups(&mut tx, &ids)?;
            // Their tags, mentions and marks go by cascade; the search index is on the row.
            tx.execute_prepared("DELETE FROM posts WHERE id = ANY($1)", &[&ids])? as usize
        };
        let fetch_log = tx.execute_prepared(
            "DELETE FROM fetch_log WHERE id IN (
                 SELECT id FROM fetch_log WHERE started_at < $1 ORDER BY id LIMIT $2)",
            &[&at, &limit],
        )? as usize;
        // As on SQLite: a story none of whose posts is left and last seen a joining window
        // before the cut can neither show nor be joined; its sources and counted topics go
        // with it by cascade, its keys at the sweep.
        let unjoinable =
            to_db(before - jiff::SignedDuration::from_hours(crate::stories::STORY_WINDOW_HOURS));
        let stories = tx.execute_prepared(
            "DELETE FROM stories WHERE id IN (
                 SELECT id FROM stories
                 WHERE first_seen_at < $1 AND last_seen_at < $1
                   AND NOT EXISTS (SELECT 1 FROM posts WHERE posts.story_id = stories.id)
                 ORDER BY first_seen_at, id LIMIT $2)",
            &[&unjoinable, &limit],
        )? as usize;
        tx.commit()?;
        Ok(Pruned {
            posts,
            fetch_log,
            stories,
            hourly_counts: 0,
        })
    }

    /// As SQLite's (`store::key_sweep`), with the position in the same `meta` row.
    fn merge_story_keys(&mut self, _limit: usize) -> Result<usize, StoreError> {
        // New keys go into `story_keys` at once (`writes::place`).
        Ok(0)
    }

    fn sweep_story_keys(&mut self, limit: usize) -> Result<Swept, StoreError> {
        let mut c = self.client();
        let mut tx = c.transaction()?;
        let value: Option<String> = tx
            .query_opt_prepared("SELECT value FROM meta WHERE key = $1", &[&SWEPT])?
            .map(|r| r.get(0));
        let at = Position::parse(value.as_deref());
        let (lowest, highest) = at.bounds();
        let (after_key, after_story) = at.read_up_to();
        let rows = tx.query_prepared(
            "SELECT key, story_id, EXISTS (SELECT 1 FROM stories s WHERE s.id = k.story_id)
             FROM story_keys k
             WHERE key >= $1 AND key <= $2 AND (key, story_id) > ($3, $4)
             ORDER BY key, story_id LIMIT $5",
            &[&lowest, &highest, &after_key, &after_story, &(limit as i64)],
        )?;
        let (gone_keys, gone_stories): (Vec<i64>, Vec<i64>) = rows
            .iter()
            .filter(|r| !r.get::<_, bool>(2))
            .map(|r| (r.get::<_, i64>(0), r.get::<_, i64>(1)))
            .unzip();
        let removed = tx.execute_prepared(
            "DELETE FROM story_keys WHERE (key, story_id) IN (
                 SELECT * FROM unnest($1::bigint[], $2::bigint[]))",
            &[&gone_keys, &gone_stories],
        )? as usize;
        let last = rows.last().map(|r| (r.get(0), r.get(1)));
        let next = at.next(rows.len(), limit, last);
        tx.execute_prepared(
            "INSERT INTO meta (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            &[&SWEPT, &next.to_meta(), &to_db(Timestamp::now())],
        )?;
        tx.commit()?;
        Ok(Swept {
            read: rows.len(),
            removed,
            slice_done: next.slice != at.slice,
        })
    }

    fn prune_history(&mut self, before: Timestamp, limit: usize) -> Result<usize, StoreError> {
        let n = self.client().execute_prepared(
            "DELETE FROM topic_hourly WHERE (topic_id, region_id, hour) IN (
                 SELECT topic_id, region_id, hour FROM topic_hourly
                 WHERE hour < $1 ORDER BY hour LIMIT $2)",
            &[&to_db(before), &i64::try_from(limit).unwrap_or(i64::MAX)],
        )?;
        Ok(n as usize)
    }

    /// Analyses the tables changed by more than a tenth since their last analysis (autovacuum
    /// does the same on its own schedule; this catches up after a large prune or import).
    /// Cheap when none did: one read of the statistics view.
    fn optimize(&self) -> Result<(), StoreError> {
        let mut c = self.client();
        let stale: Vec<String> = c
            .query(
                "SELECT relname FROM pg_stat_user_tables
                 WHERE schemaname = current_schema()
                   AND n_mod_since_analyze > $1 + n_live_tup / 10
                 ORDER BY relname",
                &[&ANALYZE_FLOOR],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for table in stale {
            c.batch_execute(&format!("ANALYZE {}", quote_ident(&table)))?;
        }
        Ok(())
    }

    /// Nothing to do: autovacuum makes dead rows' space reusable, and gives a table's free tail
    /// back to the file system itself. 0 so that callers stop.
    fn vacuum_step(&self, _pages: u32) -> Result<u64, StoreError> {
        Ok(0)
    }

    /// PostgreSQL has no per-database size cap: `[storage] max_size_mb` is not applied (the
    /// server's disk, quotas or monitoring bound it). Said once per process in the log.
    fn limit_size(&self, max_mb: u64) -> Result<(), StoreError> {
        static WARNED: Once = Once::new();
        if max_mb > 0 {
            WARNED.call_once(|| {
                tracing::warn!(
                    max_size_mb = max_mb,
                    "[storage] max_size_mb tidak berlaku di PostgreSQL: batasi ruang di server \
                     basis data (disk, kuota, pemantauan)"
                )
            });
        }
        Ok(())
    }

    /// Committed is durable on PostgreSQL: the server's WAL and checkpoints are its own.
    fn checkpoint(&self) -> Result<(), StoreError> {
        Ok(())
    }

    fn checkpoint_in_background(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// A cheap check of what this program relies on: the schema is at this program's version,
    /// every table of it is there and readable (one row read from each), and no index is left
    /// invalid (a failed build). The pages themselves are the server's to check (checksums,
    /// `amcheck`). "ok", or what is wrong, one finding per `; `.
    fn integrity_check(&self) -> Result<String, StoreError> {
        let mut c = self.client();
        let mut problems = Vec::new();
        let version: i64 = c
            .query_one("SELECT version FROM pantau_schema", &[])?
            .get(0);
        if version != schema::MIGRATIONS.len() as i64 {
            problems.push(format!(
                "skema versi {version}, program ini mengharapkan {}",
                schema::MIGRATIONS.len()
            ));
        }
        for table in schema_tables() {
            let exists: bool = c
                .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])?
                .get(0);
            if !exists {
                problems.push(format!("tabel {table} tidak ada"));
                continue;
            }
            if let Err(e) = c.query(&format!("SELECT 1 FROM {table} LIMIT 1"), &[]) {
                problems.push(format!(
                    "tabel {table} tidak terbaca: {}",
                    StoreError::from(e)
                ));
            }
        }
        for r in c.query(
            "SELECT i.indexrelid::regclass::text FROM pg_index i
             JOIN pg_class t ON t.oid = i.indrelid
             WHERE t.relnamespace = current_schema()::regnamespace AND NOT i.indisvalid
             ORDER BY 1",
            &[],
        )? {
            problems.push(format!("indeks {} tidak sah", r.get::<_, String>(0)));
        }
        Ok(if problems.is_empty() {
            "ok".into()
        } else {
            problems.join("; ")
        })
    }
}

/// The tables the migrations create, read off their text so that the list cannot fall behind.
fn schema_tables() -> Vec<String> {
    let mut out = Vec::new();
    for sql in schema::MIGRATIONS {
        for part in sql.split("CREATE TABLE ").skip(1) {
            let name: String = part
                .trim_start_matches("IF NOT EXISTS ")
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// An identifier quoted for SQL (a table name from the catalogue).
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The hour bucket of a post's publication, as the rollups key it.
const HOUR: &str = "substr(p.published_at, 1, 13) || ':00:00Z'";

/// Takes the posts `ids` (still stored, with their tags) out of the per-post rollups — the
/// hourly posts, per topic the sources, sentiment, authors, reach and listed posts — and drops
/// the rows that fall to zero: SQLite's `rollups::remove_pruned` and `reach::remove_pruned`,
/// statement for statement. `topic_hourly` is history and stays.
fn remove_from_rollups(tx: &mut Transaction<'_>, ids: &Vec<i64>) -> Result<(), StoreError> {
    let filter = "p.id = ANY($1)";
    let subtract = [
        format!(
            "INSERT INTO post_hourly AS x (hour, posts, tagged)
             SELECT {HOUR} AS h, -count(*),
                    -count(*) FILTER (WHERE EXISTS (SELECT 1 FROM post_topics t WHERE t.post_id = p.id))
             FROM posts p WHERE {filter} GROUP BY h
             ON CONFLICT (hour) DO UPDATE SET
                 posts = x.posts + excluded.posts, tagged = x.tagged + excluded.tagged"
        ),
        // Per region only where `topic_hourly` counted the post (kabupaten/kota), as stored.
        format!(
            "INSERT INTO topic_source_hourly AS x (topic_id, region_id, hour, source_id, posts)
             SELECT topic_id, region_id, h, source_id, -count(*) FROM (
                 SELECT t.topic_id, '*' AS region_id, {HOUR} AS h, p.source_id
                 FROM posts p JOIN post_topics t ON t.post_id = p.id WHERE {filter}
                 UNION ALL
                 SELECT t.topic_id, r.region_id, {HOUR} AS h, p.source_id
                 FROM posts p JOIN post_topics t ON t.post_id = p.id
                 JOIN post_regions r ON r.post_id = p.id
                 WHERE {filter} AND EXISTS (SELECT 1 FROM topic_hourly y
                     WHERE y.topic_id = t.topic_id AND y.region_id = r.region_id
                       AND y.hour = {HOUR})
             ) s GROUP BY topic_id, region_id, h, source_id
             ON CONFLICT (topic_id, region_id, hour, source_id) DO UPDATE SET
                 posts = x.posts + excluded.posts"
        ),
        format!(
            "INSERT INTO topic_sentiment_hourly AS x (topic_id, hour, sentiment, posts)
             SELECT t.topic_id, {HOUR} AS h, coalesce(p.sentiment, 'netral') AS c, -count(*)
             FROM posts p JOIN post_topics t ON t.post_id = p.id WHERE {filter}
             GROUP BY t.topic_id, h, c
             ON CONFLICT (topic_id, hour, sentiment) DO UPDATE SET
                 posts = x.posts + excluded.posts"
        ),
        format!(
            "INSERT INTO topic_author_hourly AS x (topic_id, hour, author, source_id, posts)
             SELECT t.topic_id, {HOUR} AS h, trim(p.author) AS a, p.source_id, -count(*)
             FROM posts p JOIN post_topics t ON t.post_id = p.id
             WHERE {filter} AND p.author IS NOT NULL AND trim(p.author) <> ''
             GROUP BY t.topic_id, h, a, p.source_id
             ON CONFLICT (topic_id, hour, author, source_id) DO UPDATE SET
                 posts = x.posts + excluded.posts"
        ),
        // Reach: SQLite's `sum(condition)` is a count of the posts that meet it; followers
        // keep the most an account was seen with.
        format!(
            "INSERT INTO topic_reach_hourly AS x
                 (topic_id, hour, platform, source_id, author,
                  posts, reached, likes, shares, comments, views, followers)
             SELECT t.topic_id, {HOUR} AS h, coalesce(p.platform, '') AS pl, p.source_id,
                    coalesce(trim(p.author), '') AS a,
                    -count(*),
                    -count(*) FILTER (WHERE p.likes IS NOT NULL OR p.comments IS NOT NULL
                        OR p.views IS NOT NULL OR p.followers IS NOT NULL OR p.shares > 0),
                    -sum(coalesce(p.likes, 0))::BIGINT, -sum(p.shares)::BIGINT,
                    -sum(coalesce(p.comments, 0))::BIGINT, -sum(coalesce(p.views, 0))::BIGINT,
                    max(coalesce(p.followers, 0))
             FROM posts p JOIN post_topics t ON t.post_id = p.id WHERE {filter}
             GROUP BY t.topic_id, h, pl, p.source_id, a
             ON CONFLICT (topic_id, hour, platform, source_id, author) DO UPDATE SET
                 posts = x.posts + excluded.posts, reached = x.reached + excluded.reached,
                 likes = x.likes + excluded.likes, shares = x.shares + excluded.shares,
                 comments = x.comments + excluded.comments, views = x.views + excluded.views,
                 followers = greatest(x.followers, excluded.followers)"
        ),
    ];
    let emptied = [
        format!(
            "DELETE FROM post_hourly WHERE posts <= 0
             AND hour IN (SELECT {HOUR} FROM posts p WHERE {filter})"
        ),
        format!(
            "DELETE FROM topic_source_hourly WHERE posts <= 0
             AND (topic_id, region_id, hour, source_id) IN (
                 SELECT t.topic_id, '*', {HOUR}, p.source_id
                 FROM posts p JOIN post_topics t ON t.post_id = p.id WHERE {filter}
                 UNION
                 SELECT t.topic_id, r.region_id, {HOUR}, p.source_id
                 FROM posts p JOIN post_topics t ON t.post_id = p.id
                 JOIN post_regions r ON r.post_id = p.id WHERE {filter})"
        ),
        format!(
            "DELETE FROM topic_sentiment_hourly WHERE posts <= 0
             AND (topic_id, hour, sentiment) IN (
                 SELECT t.topic_id, {HOUR}, coalesce(p.sentiment, 'netral')
                 FROM posts p JOIN post_topics t ON t.post_id = p.id WHERE {filter})"
        ),
        format!(
            "DELETE FROM topic_author_hourly WHERE posts <= 0
             AND (topic_id, hour, author, source_id) IN (
                 SELECT t.topic_id, {HOUR}, trim(p.author), p.source_id
                 FROM posts p JOIN post_topics t ON t.post_id = p.id
                 WHERE {filter} AND p.author IS NOT NULL)"
        ),
        format!(
            "DELETE FROM topic_posts WHERE (topic_id, source_id, published_at, post_id) IN (
                 SELECT t.topic_id, p.source_id, p.published_at, p.id
                 FROM posts p JOIN post_topics t ON t.post_id = p.id WHERE {filter})"
        ),
        format!(
            "DELETE FROM topic_reach_hourly WHERE posts <= 0
             AND (topic_id, hour, platform, source_id, author) IN (
                 SELECT t.topic_id, {HOUR}, coalesce(p.platform, ''), p.source_id,
                        coalesce(trim(p.author), '')
                 FROM posts p JOIN post_topics t ON t.post_id = p.id WHERE {filter})"
        ),
        format!(
            "DELETE FROM topic_engagement WHERE (topic_id, hour, engagement, post_id) IN (
                 SELECT t.topic_id, {HOUR},
                        coalesce(p.likes, 0) + p.shares + coalesce(p.comments, 0), p.id
                 FROM posts p JOIN post_topics t ON t.post_id = p.id WHERE {filter})"
        ),
    ];
    for sql in subtract.iter().chain(&emptied) {
        tx.execute(sql.as_str(), &[ids])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use jiff::{SignedDuration, Timestamp};
    use rusqlite::types::Value;

    use super::{quote_ident, schema_tables};
    use crate::classify::Tags;
    use crate::model::{Platform, Post, Reach, RegionId, TopicId};
    use crate::store::maintenance::{Engine, Pruned};
    use crate::store::pg::status::tests::exec;
    use crate::store::testing::{TestDb, each_backend};
    use crate::store::{Maintenance, SqliteStore, Store, StoreError};

    fn day(d: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000).unwrap() + SignedDuration::from_hours(24 * d)
    }

    /// `days` days of `per_day` posts from three sources: syndicated copies (stories across
    /// sources), authors with stray spaces, reach on some, topics in one or two kabupaten/kota.
    fn posts(days: i64, per_day: i64) -> Vec<(Post, Tags)> {
        let mut out = Vec::new();
        for d in 0..days {
            for i in 0..per_day {
                let source = format!("s{}", i % 3);
                let story = (d * per_day + i) / 3;
                let at = day(d) + SignedDuration::from_secs(86_400 * i / per_day);
                let post = Post {
                    source: source.as_str().into(),
                    external_id: format!("{d}-{i}"),
                    url: None,
                    title: Some(format!("Kabar {story} kata{story}")),
                    // Words of its own per story: copies of one story are alike, stories not.
                    text: (0..16)
                        .map(|k| format!("kata{story}x{k}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                    author: [None, Some(" Budi "), Some("Redaksi")][(i % 3) as usize]
                        .map(str::to_string),
                    published: at,
                    fetched: at,
                    lang: Some("id".into()),
                    platform: (i % 2 == 0).then(|| Platform::parse("X")).flatten(),
                    reach: if i % 2 == 0 {
                        Reach {
                            likes: Some(i as u64 * 3),
                            shares: i as u64,
                            comments: None,
                            views: Some(100),
                            followers: Some(1000 + d as u64),
                        }
                    } else {
                        Reach::default()
                    },
                };
                let topics = if i % 4 == 3 { vec![] } else { vec!["banjir"] };
                let areas: &[&str] =
                    [&["samarinda"][..], &["samarinda", "kukar"], &[]][i as usize % 3];
                let tags = Tags {
                    topics: topics.into_iter().map(TopicId::new).collect(),
                    regions: areas.iter().map(|r| RegionId::new(*r)).collect(),
                    areas: areas.iter().map(|r| RegionId::new(*r)).collect(),
                    ..Default::default()
                };
                out.push((post, tags));
            }
        }
        out
    }

    /// A SQL literal of a SQLite value, for PostgreSQL.
    fn literal(v: &Value) -> String {
        match v {
            Value::Null => "NULL".into(),
            Value::Integer(i) => i.to_string(),
            Value::Real(f) => format!("{f:?}"),
            Value::Text(t) => format!("'{}'", t.replace('\'', "''")),
            Value::Blob(b) => {
                let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
                format!("'\\x{hex}'::bytea")
            }
        }
    }

    /// Copies every table both schemas have, row for row, from SQLite to PostgreSQL.
    fn copy(from: &SqliteStore, to: &Store) {
        let mut sql = String::new();
        for table in schema_tables() {
            let mut stmt = match from.conn.prepare(&format!("SELECT * FROM {table}")) {
                Ok(stmt) => stmt,
                Err(_) => continue, // PostgreSQL's own (leases)
            };
            let columns: Vec<String> = stmt.column_names().map(quote_ident).collect();
            let n = columns.len();
            let rows = stmt
                .query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
                .unwrap()
                .collect::<Result<Vec<Vec<Value>>, _>>()
                .unwrap();
            for row in rows {
                let values: Vec<String> = row.iter().map(literal).collect();
                sql += &format!(
                    "INSERT INTO {table} ({}) VALUES ({});\n",
                    columns.join(", "),
                    values.join(", ")
                );
            }
        }
        exec(to, &sql);
    }

    /// Every row of the tables retention changes, as text, sorted: what both backends must
    /// agree on (reals and blobs aside, whose text forms differ).
    fn contents(store: &Store) -> Vec<(String, Vec<Vec<Option<String>>>)> {
        const TABLES: &[(&str, &str)] = &[
            ("posts", "id, story_id"),
            ("post_topics", "post_id, topic_id"),
            ("post_regions", "post_id, region_id"),
            ("post_hourly", "hour, posts, tagged"),
            (
                "topic_source_hourly",
                "topic_id, region_id, hour, source_id, posts",
            ),
            ("topic_sentiment_hourly", "topic_id, hour, sentiment, posts"),
            (
                "topic_author_hourly",
                "topic_id, hour, author, source_id, posts",
            ),
            ("topic_posts", "topic_id, source_id, published_at, post_id"),
            (
                "topic_reach_hourly",
                "topic_id, hour, platform, source_id, author, posts, reached, likes, shares, \
                 comments, views, followers",
            ),
            ("topic_engagement", "topic_id, hour, engagement, post_id"),
            ("topic_hourly", "topic_id, region_id, hour, posts, stories"),
            ("stories", "id, posts, sources"),
            ("story_keys", "key, story_id"),
            ("story_sources", "story_id, source_id, posts"),
            ("story_topics", "story_id, topic_id, region_id"),
            ("fetch_log", "id, source_id, started_at"),
        ];
        let mut out = Vec::new();
        for (table, columns) in TABLES {
            let cols: Vec<&str> = columns.split(", ").collect();
            let mut rows: Vec<Vec<Option<String>>> = match store {
                Store::Sqlite(s) => {
                    let casts: Vec<String> =
                        cols.iter().map(|c| format!("CAST({c} AS TEXT)")).collect();
                    let mut stmt = s
                        .conn
                        .prepare(&format!("SELECT {} FROM {table}", casts.join(", ")))
                        .unwrap();
                    stmt.query_map([], |r| (0..cols.len()).map(|i| r.get(i)).collect())
                        .unwrap()
                        .collect::<Result<_, _>>()
                        .unwrap()
                }
                Store::Postgres(p) => {
                    let casts: Vec<String> = cols.iter().map(|c| format!("{c}::text")).collect();
                    p.client()
                        .query(&format!("SELECT {} FROM {table}", casts.join(", ")), &[])
                        .unwrap()
                        .iter()
                        .map(|r| (0..cols.len()).map(|i| r.get(i)).collect())
                        .collect()
                }
            };
            rows.sort();
            out.push((table.to_string(), rows));
        }
        out
    }

    /// Prunes in batches of `limit` until done, then sweeps every slice of the stories' keys
    /// `limit` at a time; what went, summed, and the keys swept.
    fn prune(
        store: &mut Store,
        before: Timestamp,
        history: Timestamp,
        limit: usize,
    ) -> (Pruned, usize) {
        let mut total = Pruned::default();
        loop {
            let mut batch = store.prune_batch(before, limit).unwrap();
            batch.hourly_counts = store.prune_history(history, limit).unwrap();
            total += batch;
            if batch.done(limit) {
                break;
            }
        }
        (
            total,
            crate::store::testing::sweep_all_story_keys(store, limit),
        )
    }

    #[test]
    fn retention_removes_the_same_rows_and_rollup_shares_as_on_sqlite() {
        let Some(db) = TestDb::create() else { return };
        let dir = tempfile::tempdir().unwrap();
        let mut sqlite = Store::open(&dir.path().join("p.db")).unwrap();
        assert_eq!(sqlite.insert_posts(&posts(20, 6), "v1").unwrap(), 120);
        let log: Vec<String> = (0..30)
            .map(|i| {
                let at = crate::time::to_db(day(i % 20));
                format!(
                    "INSERT INTO fetch_log (id, source_id, started_at, duration_ms, status) \
                     VALUES ({}, 's0', '{at}', 5, 'ok');",
                    i + 1
                )
            })
            .collect();
        exec(&sqlite, &log.concat());
        // PostgreSQL has no `story_keys_new`: SQLite's new keys merged first, as
        // `pantau db migrate-to` does.
        sqlite.merge_all_story_keys(1000).unwrap();
        let mut pg = db.store();
        let Store::Sqlite(s) = &sqlite else {
            unreachable!()
        };
        copy(s, &pg);
        let before = contents(&sqlite);
        assert_eq!(contents(&pg), before, "the copy");
        let stories = &before.iter().find(|(t, _)| t == "stories").unwrap().1;
        assert!(stories.len() > 10, "stories to prune: {}", stories.len());
        // Posts before day 12 go (their stories once a joining window older), counts per hour
        // before day 4.
        let (sqlite_pruned, sqlite_swept) = prune(&mut sqlite, day(12), day(4), 7);
        let (pg_pruned, pg_swept) = prune(&mut pg, day(12), day(4), 7);
        assert_eq!((pg_pruned, pg_swept), (sqlite_pruned, sqlite_swept));
        assert!(sqlite_swept > 0);
        assert_eq!(sqlite_pruned.posts, 72, "{sqlite_pruned:?}");
        assert!(sqlite_pruned.stories > 0, "{sqlite_pruned:?}");
        assert!(sqlite_pruned.hourly_counts > 0, "{sqlite_pruned:?}");
        let after = contents(&sqlite);
        assert_eq!(contents(&pg), after);
        // Every rollup lost rows or counts: the comparison is not of untouched tables.
        for ((table, was), (_, is)) in before.iter().zip(&after) {
            if table != "story_sources" && table != "story_topics" {
                assert_ne!(was, is, "{table}");
            }
        }
    }

    #[test]
    fn figures_and_upkeep_answer_on_both_backends() {
        each_backend(|backend, mut store| {
            exec(
                &store,
                "INSERT INTO posts (id, source_id, external_id, text, published_at, fetched_at,
                                    text_hash)
                 VALUES (1, 's', 'a', 'teks', '2026-12-01T01:00:00Z', '2026-12-01T01:00:00Z', 'h1'),
                        (2, 's', 'b', 'teks', '2026-12-03T01:00:00Z', '2026-12-03T01:00:00Z', 'h2');",
            );
            let s = store.stats().unwrap();
            assert!(
                s.rows.contains(&("posts".to_string(), 2)),
                "{backend:?} {s:?}"
            );
            assert_eq!(s.oldest_post, Some("2026-12-01T01:00:00Z".parse().unwrap()));
            assert_eq!(s.newest_post, Some("2026-12-03T01:00:00Z".parse().unwrap()));
            assert!(
                s.schema_version > 0 && s.size_bytes() > 0,
                "{backend:?} {s:?}"
            );
            assert_eq!(store.integrity_check().unwrap(), "ok", "{backend:?}");
            store.optimize().unwrap();
            store.checkpoint().unwrap();
            store.limit_size(0).unwrap();
            // A full cut of nothing: nothing goes.
            let none = store.prune_batch(day(-1000), 10).unwrap();
            assert_eq!(none, Pruned::default(), "{backend:?}");
            let Store::Postgres(p) = &store else { return };
            let Engine::Postgres(f) = &s.engine else {
                panic!("{s:?}")
            };
            assert_eq!(f.url, p.url().redacted());
            assert_eq!(f.table_bytes.len(), s.rows.len());
            assert!(
                f.table_bytes.iter().any(|(t, b)| t == "posts" && *b > 0),
                "{f:?}"
            );
            let json = serde_json::to_value(&s).unwrap();
            for key in [
                "url",
                "database_bytes",
                "server_version",
                "rows",
                "schema_version",
            ] {
                assert!(json.get(key).is_some(), "{key}: {json}");
            }
            assert!(json.get("wal_bytes").is_none(), "{json}");
            assert_eq!(store.vacuum_step(100).unwrap(), 0);
            store.limit_size(5).unwrap();
            let err = store.backup_to(std::path::Path::new("x.db")).unwrap_err();
            assert!(matches!(err, StoreError::SqliteOnly { .. }), "{err}");
            assert!(err.to_string().contains("pg_dump"), "{err}");
            assert!(!std::path::Path::new("x.db").exists());
        });
    }

    #[test]
    fn the_integrity_check_names_what_is_wrong() {
        let Some(db) = TestDb::create() else { return };
        let store = db.store();
        assert_eq!(store.integrity_check().unwrap(), "ok");
        exec(
            &store,
            "DROP TABLE leases; UPDATE pantau_schema SET version = 0;
             CREATE TABLE t_invalid (x BIGINT); INSERT INTO t_invalid VALUES (1), (1);",
        );
        // A unique index whose build failed is left invalid (CONCURRENTLY runs outside a
        // transaction, so it cannot go through `exec`'s batch).
        let mut c = postgres::Client::connect(db.url().expose(), postgres::NoTls).unwrap();
        assert!(
            c.batch_execute("CREATE UNIQUE INDEX CONCURRENTLY t_invalid_x ON t_invalid (x)")
                .is_err()
        );
        let report = store.integrity_check().unwrap();
        assert!(report.contains("skema versi 0"), "{report}");
        assert!(report.contains("tabel leases tidak ada"), "{report}");
        assert!(report.contains("indeks t_invalid_x tidak sah"), "{report}");
    }

    #[test]
    fn optimize_analyses_a_table_changed_since_its_statistics() {
        let Some(db) = TestDb::create() else { return };
        let store = db.store();
        // From another connection, closed: its statistics reach the server when it ends.
        exec(
            &store,
            "INSERT INTO fetch_log (source_id, started_at, duration_ms, status)
             SELECT 's', '2026-12-01T00:00:00Z', i, 'ok' FROM generate_series(1, 3000) i",
        );
        let mut c = postgres::Client::connect(db.url().expose(), postgres::NoTls).unwrap();
        let analysed = |c: &mut postgres::Client| -> bool {
            c.query_one(
                "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables
                 WHERE relname = 'fetch_log'",
                &[],
            )
            .unwrap()
            .get(0)
        };
        assert!(!analysed(&mut c));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !analysed(&mut c) {
            assert!(
                std::time::Instant::now() < deadline,
                "fetch_log never analysed"
            );
            store.optimize().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(200));
            // A fresh snapshot of the statistics for the next look.
            c.batch_execute("SELECT pg_stat_clear_snapshot()").unwrap();
        }
    }

    /// How long one batch of 500 takes on PostgreSQL over 20,000 stored posts (100 days of
    /// 200): `cargo test --lib prune_batches_on_postgresql -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement"]
    fn prune_batches_on_postgresql() {
        let Some(db) = TestDb::create() else { return };
        let dir = tempfile::tempdir().unwrap();
        let mut sqlite = Store::open(&dir.path().join("p.db")).unwrap();
        for chunk in posts(100, 200).chunks(1000) {
            sqlite.insert_posts(chunk, "v1").unwrap();
        }
        let mut pg = db.store();
        let Store::Sqlite(s) = &sqlite else {
            unreachable!()
        };
        copy(s, &pg);
        exec(&pg, "ANALYZE");
        let mut times = Vec::new();
        loop {
            let started = std::time::Instant::now();
            let pruned = pg.prune_batch(day(40), 500).unwrap();
            times.push(started.elapsed());
            if pruned.done(500) {
                break;
            }
        }
        times.sort();
        eprintln!(
            "{} batches of 500 (8,000 posts of 20,000): median {:?}, max {:?}",
            times.len(),
            times[times.len() / 2],
            times.last().unwrap()
        );
    }
}
