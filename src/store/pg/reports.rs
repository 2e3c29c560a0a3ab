//! The reports of periods on PostgreSQL, from the hourly rollups (see [`crate::store::Reports`]).
//!
//! The same reads as SQLite's (`store::rollups`, `store::reach`), over the same tables: a
//! period's whole hours from the rollups, its partial hours at either end from the posts
//! ([`Split`]), and the pure logic (ranking, choosing representative posts, merging per
//! platform or account) shared with them. Every query here is a round trip to the server, so
//! where SQLite asks once per source or per hour, which costs nothing in-process, this asks
//! once for all of them (`unnest` with `LATERAL`); a report that names sources reads their
//! names and kinds with its counts (a `LEFT JOIN sources`) rather than reading `sources` again;
//! and every query is fixed SQL run through the connection's prepared statements
//! ([`Prepared`]), parsed once per connection.
//!
//! Identifiers are ordered `COLLATE "C"`, byte by byte as SQLite's `BINARY` and Rust's `str`
//! order them, whatever the database's collation. Times need not be: their fixed form sorts
//! alike in every collation.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use jiff::Timestamp;
use postgres::Row;
use postgres::types::ToSql;

use crate::store::reach::{self, AccountReach, AccountRow, ENGAGEMENT, PlatformCount, ReachTotals};
use crate::store::rollups::{
    self, AuthorCount, Representatives, SeenSources, SourceCount, SourceMeta, Split,
};
use crate::store::rows::{POST_COLUMNS, uncount};
use crate::store::{HourCount, Reports, SourceSeen, StoreError, StoredPost};
use crate::time::{from_db, hour_bucket, to_db};

use super::browse::read_post;
use super::{PgStore, Pooled, Prepared};

/// Reach of the posts `p` of a group, in `topic_reach_hourly`'s order: posts, posts with any
/// reach, likes, shares, comments, views, most followers.
const SUMS: &str = "count(*),
    count(*) FILTER (WHERE p.likes IS NOT NULL OR p.comments IS NOT NULL OR p.views IS NOT NULL
                     OR p.followers IS NOT NULL OR p.shares > 0),
    sum(coalesce(p.likes, 0))::BIGINT, sum(p.shares)::BIGINT, sum(coalesce(p.comments, 0))::BIGINT,
    sum(coalesce(p.views, 0))::BIGINT, max(coalesce(p.followers, 0))";

/// `topic_accounts` over the posts of partial hours: per platform, source and author, with
/// [`SUMS`] and the source's name and kind.
static ACCOUNTS_SCAN: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT coalesce(p.platform, '') AS pl, p.source_id,
                coalesce(trim(p.author), '') AS a, {SUMS}, s.name, s.kind
         FROM post_topics t JOIN posts p ON p.id = t.post_id
         LEFT JOIN sources s ON s.id = p.source_id
         WHERE t.topic_id = $1 AND p.published_at >= $2 AND p.published_at < $3
           AND coalesce(trim(p.author), '') <> ''
         GROUP BY pl, p.source_id, a, s.id"
    )
});

/// The most engaged posts of a topic in [$2, $3), at most $4.
static ENGAGED_SCAN: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {ENGAGEMENT} AS e, p.id FROM post_topics t JOIN posts p ON p.id = t.post_id
         WHERE t.topic_id = $1 AND p.published_at >= $2 AND p.published_at < $3
           AND {ENGAGEMENT} > 0
         ORDER BY e DESC, p.id DESC LIMIT $4"
    )
});

/// The first posts of the stories $1, each followed by its story's id.
static STORY_FIRST_POSTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {POST_COLUMNS}, st.id FROM stories st JOIN posts p ON p.id = st.first_post_id
         WHERE st.id = ANY($1)"
    )
});

/// The posts $1.
static POSTS_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {POST_COLUMNS} FROM posts p WHERE p.id = ANY($1)"));

impl Reports for PgStore {
    fn topic_counts(
        &self,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        counts(
            &mut self.client(),
            r#"SELECT topic_id, sum(posts)::BIGINT FROM topic_hourly
               WHERE region_id = '*' AND hour >= $1 AND hour < $2
               GROUP BY topic_id ORDER BY topic_id COLLATE "C""#,
            &[&to_db(start), &to_db(end)],
        )
    }

    fn topic_hours(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(Timestamp, u64)>, StoreError> {
        let rows = counts(
            &mut self.client(),
            "SELECT hour, posts FROM topic_hourly
             WHERE topic_id = $1 AND region_id = '*' AND hour >= $2 AND hour < $3 ORDER BY hour",
            &[&topic, &to_db(start), &to_db(end)],
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|(hour, n)| from_db(&hour).map(|h| (h, n)))
            .collect())
    }

    fn topic_areas(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        counts(
            &mut self.client(),
            r#"SELECT region_id, sum(posts)::BIGINT AS n FROM topic_hourly
               WHERE topic_id = $1 AND region_id <> '*' AND hour >= $2 AND hour < $3
               GROUP BY region_id ORDER BY n DESC, region_id COLLATE "C""#,
            &[&topic, &to_db(start), &to_db(end)],
        )
    }

    fn topic_sources(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<SourceCount>, StoreError> {
        let mut meta = Meta::default();
        let rows = period_rows(
            &mut self.client(),
            &Split::of(start, end),
            "SELECT x.source_id, sum(x.posts)::BIGINT, s.name, s.kind
             FROM topic_source_hourly x LEFT JOIN sources s ON s.id = x.source_id
             WHERE x.topic_id = $1 AND x.region_id = '*' AND x.hour >= $2 AND x.hour < $3
             GROUP BY x.source_id, s.id",
            "SELECT p.source_id, count(*), s.name, s.kind
             FROM post_topics t JOIN posts p ON p.id = t.post_id
             LEFT JOIN sources s ON s.id = p.source_id
             WHERE t.topic_id = $1 AND p.published_at >= $2 AND p.published_at < $3
             GROUP BY p.source_id, s.id",
            topic,
            |r| {
                meta.note(r, 0, 2)?;
                Ok((r.try_get::<_, String>(0)?, r.try_get::<_, i64>(1)? as u64))
            },
        )?;
        Ok(rollups::source_counts(summed(rows), &meta.0))
    }

    fn topic_authors(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<AuthorCount>, StoreError> {
        let mut c = self.client();
        let split = Split::of(start, end);
        let mut meta = Meta::default();
        let mut read = |r: &Row| -> Result<((String, String), u64), StoreError> {
            meta.note(r, 1, 3)?;
            Ok((
                (r.try_get(0)?, r.try_get(1)?),
                r.try_get::<_, i64>(2)? as u64,
            ))
        };
        let counts: Vec<((String, String), u64)> = match (&split.hours, split.edges.is_empty()) {
            // Whole hours only (a day's briefing): the server ranks and cuts, so only `limit`
            // rows leave it.
            (Some((from, to)), true) => c
                .query_prepared(
                    r#"SELECT x.author, x.source_id, sum(x.posts)::BIGINT AS n, s.name, s.kind
                       FROM topic_author_hourly x LEFT JOIN sources s ON s.id = x.source_id
                       WHERE x.topic_id = $1 AND x.hour >= $2 AND x.hour < $3
                       GROUP BY x.author, x.source_id, s.id
                       ORDER BY n DESC, x.author COLLATE "C", x.source_id COLLATE "C" LIMIT $4"#,
                    &[&topic, from, to, &(limit as i64)],
                )?
                .iter()
                .map(&mut read)
                .collect::<Result<_, _>>()?,
            _ => summed(period_rows(
                &mut c,
                &split,
                "SELECT x.author, x.source_id, sum(x.posts)::BIGINT, s.name, s.kind
                 FROM topic_author_hourly x LEFT JOIN sources s ON s.id = x.source_id
                 WHERE x.topic_id = $1 AND x.hour >= $2 AND x.hour < $3
                 GROUP BY x.author, x.source_id, s.id",
                "SELECT trim(p.author) AS a, p.source_id, count(*), s.name, s.kind
                 FROM post_topics t JOIN posts p ON p.id = t.post_id
                 LEFT JOIN sources s ON s.id = p.source_id
                 WHERE t.topic_id = $1 AND p.published_at >= $2 AND p.published_at < $3
                   AND p.author IS NOT NULL AND trim(p.author) <> ''
                 GROUP BY a, p.source_id, s.id",
                topic,
                &mut read,
            )?)
            .into_iter()
            .collect(),
        };
        Ok(rollups::author_counts(counts, limit, &meta.0))
    }

    fn topic_sentiment(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let rows = period_rows(
            &mut self.client(),
            &Split::of(start, end),
            "SELECT sentiment, sum(posts)::BIGINT FROM topic_sentiment_hourly
             WHERE topic_id = $1 AND hour >= $2 AND hour < $3 GROUP BY sentiment",
            "SELECT coalesce(p.sentiment, 'netral'), count(*)
             FROM post_topics t JOIN posts p ON p.id = t.post_id
             WHERE t.topic_id = $1 AND p.published_at >= $2 AND p.published_at < $3
             GROUP BY 1",
            topic,
            |r| Ok((r.try_get::<_, String>(0)?, r.try_get::<_, i64>(1)? as u64)),
        )?;
        let mut rows: Vec<(String, u64)> = summed(rows).into_iter().collect();
        rows.sort();
        Ok(rows)
    }

    fn topic_posts(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredPost>, StoreError> {
        topic_posts(&mut self.client(), topic, None, start, end, limit)
    }

    fn topic_region_posts(
        &self,
        topic: &str,
        region: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredPost>, StoreError> {
        topic_posts(&mut self.client(), topic, Some(region), start, end, limit)
    }

    fn topic_platforms(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<PlatformCount>, StoreError> {
        let mut meta = Meta::default();
        let rows = period_rows(
            &mut self.client(),
            &Split::of(start, end),
            "SELECT x.platform, x.source_id, sum(x.posts)::BIGINT, s.name, s.kind
             FROM topic_reach_hourly x LEFT JOIN sources s ON s.id = x.source_id
             WHERE x.topic_id = $1 AND x.hour >= $2 AND x.hour < $3
             GROUP BY x.platform, x.source_id, s.id",
            "SELECT coalesce(p.platform, ''), p.source_id, count(*), s.name, s.kind
             FROM post_topics t JOIN posts p ON p.id = t.post_id
             LEFT JOIN sources s ON s.id = p.source_id
             WHERE t.topic_id = $1 AND p.published_at >= $2 AND p.published_at < $3
             GROUP BY 1, 2, s.id",
            topic,
            |r| {
                meta.note(r, 1, 3)?;
                Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))
            },
        )?;
        Ok(reach::platform_counts(rows, &meta.0))
    }

    fn topic_engaged(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredPost>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut c = self.client();
        let split = Split::of(start, end);
        let mut candidates: Vec<(i64, i64)> = Vec::new();
        if let Some((from, to)) = &split.hours {
            let (Some(from), Some(to)) = (from_db(from), from_db(to)) else {
                return Ok(Vec::new());
            };
            // The first `limit` of each whole hour, as SQLite reads them hour by hour.
            let hours: Vec<String> = hours_between(from, to);
            for r in c.query_prepared(
                "SELECT e.engagement, e.post_id FROM unnest($2::text[]) AS h(hour)
                 CROSS JOIN LATERAL (
                     SELECT engagement, post_id FROM topic_engagement
                     WHERE topic_id = $1 AND hour = h.hour
                     ORDER BY engagement DESC, post_id DESC LIMIT $3) AS e",
                &[&topic, &hours, &(limit as i64)],
            )? {
                candidates.push((r.try_get(0)?, r.try_get(1)?));
            }
        }
        for (from, to) in &split.edges {
            for r in c.query_prepared(&ENGAGED_SCAN, &[&topic, from, to, &(limit as i64)])? {
                candidates.push((r.try_get(0)?, r.try_get(1)?));
            }
        }
        let chosen = reach::most_engaged(candidates, limit);
        let mut by_id = posts_by_id(&mut c, &chosen)?;
        Ok(chosen.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    fn topic_accounts(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<AccountReach>, StoreError> {
        let mut meta = Meta::default();
        let rows = period_rows(
            &mut self.client(),
            &Split::of(start, end),
            "SELECT x.platform, x.source_id, x.author, sum(x.posts)::BIGINT,
                    sum(x.reached)::BIGINT, sum(x.likes)::BIGINT, sum(x.shares)::BIGINT,
                    sum(x.comments)::BIGINT, sum(x.views)::BIGINT, max(x.followers),
                    s.name, s.kind
             FROM topic_reach_hourly x LEFT JOIN sources s ON s.id = x.source_id
             WHERE x.topic_id = $1 AND x.hour >= $2 AND x.hour < $3 AND x.author <> ''
             GROUP BY x.platform, x.source_id, x.author, s.id",
            &ACCOUNTS_SCAN,
            topic,
            |r| -> Result<AccountRow, StoreError> {
                meta.note(r, 1, 10)?;
                let n = |i: usize| -> Result<u64, StoreError> { Ok(uncount(r.try_get(i)?)) };
                Ok((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    [n(3)?, n(4)?, n(5)?, n(6)?, n(7)?, n(8)?, n(9)?],
                ))
            },
        )?;
        Ok(reach::ranked_accounts(rows, &meta.0, limit))
    }

    fn reach_totals(
        &self,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<HashMap<(String, Option<String>), ReachTotals>, StoreError> {
        let mut c = self.client();
        let (from, to) = (to_db(start), to_db(end));
        let topics = "SELECT topic_id, NULL::TEXT, sum(reached)::BIGINT, sum(likes)::BIGINT,
                sum(shares)::BIGINT, sum(comments)::BIGINT, sum(views)::BIGINT, max(followers)
             FROM topic_reach_hourly WHERE hour >= $1 AND hour < $2 AND reached > 0
             GROUP BY topic_id";
        let regions = "SELECT t.topic_id, r.region_id, count(*), sum(coalesce(p.likes, 0))::BIGINT,
                sum(p.shares)::BIGINT, sum(coalesce(p.comments, 0))::BIGINT,
                sum(coalesce(p.views, 0))::BIGINT, max(coalesce(p.followers, 0))
             FROM posts p JOIN post_topics t ON t.post_id = p.id
             JOIN post_regions r ON r.post_id = p.id
             WHERE p.published_at >= $1 AND p.published_at < $2
               AND (p.likes IS NOT NULL OR p.comments IS NOT NULL OR p.views IS NOT NULL
                    OR p.followers IS NOT NULL OR p.shares > 0)
             GROUP BY t.topic_id, r.region_id";
        let mut out = HashMap::new();
        for sql in [topics, regions] {
            for r in c.query_prepared(sql, &[&from, &to])? {
                let n = |i: usize| -> Result<u64, StoreError> {
                    Ok(uncount(r.try_get::<_, Option<i64>>(i)?.unwrap_or(0)))
                };
                let totals = ReachTotals {
                    posts_with_reach: n(2)?,
                    likes: n(3)?,
                    shares: n(4)?,
                    comments: n(5)?,
                    views: n(6)?,
                    top_followers: n(7)?,
                };
                out.insert((r.try_get(0)?, r.try_get(1)?), totals);
            }
        }
        Ok(out)
    }

    fn post_totals(&self, start: Timestamp, end: Timestamp) -> Result<(u64, u64), StoreError> {
        let mut c = self.client();
        let split = Split::of(start, end);
        let parts = split
            .hours
            .iter()
            .map(|range| {
                (
                    "SELECT coalesce(sum(posts), 0)::BIGINT, coalesce(sum(tagged), 0)::BIGINT
                     FROM post_hourly WHERE hour >= $1 AND hour < $2",
                    range,
                )
            })
            .chain(split.edges.iter().map(|range| {
                (
                    "SELECT count(*), count(*) FILTER (WHERE EXISTS (
                         SELECT 1 FROM post_topics t WHERE t.post_id = p.id))
                     FROM posts p WHERE p.published_at >= $1 AND p.published_at < $2",
                    range,
                )
            }));
        let mut totals = (0, 0);
        for (sql, (from, to)) in parts {
            let r = c.query_one_prepared(sql, &[from, to])?;
            totals.0 += r.try_get::<_, i64>(0)? as u64;
            totals.1 += r.try_get::<_, i64>(1)? as u64;
        }
        Ok(totals)
    }

    fn hour_counts(&self, start: Timestamp, end: Timestamp) -> Result<Vec<HourCount>, StoreError> {
        let rows = self.client().query_prepared(
            "SELECT topic_id, region_id, hour, posts, stories FROM topic_hourly
             WHERE hour >= $1 AND hour < $2",
            &[&to_db(start), &to_db(end)],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            if let Some(hour) = from_db(r.try_get(2)?) {
                out.push(HourCount {
                    topic: r.try_get(0)?,
                    region: r.try_get(1)?,
                    hour,
                    posts: r.try_get::<_, i64>(3)? as u64,
                    stories: r.try_get::<_, i64>(4)? as u64,
                });
            }
        }
        Ok(out)
    }

    fn first_hour(&self) -> Result<Option<Timestamp>, StoreError> {
        first_hour(&mut self.client())
    }

    fn collecting_since(&self) -> Result<Option<Timestamp>, StoreError> {
        let mut c = self.client();
        let first_poll: Option<String> = c
            .query_opt_prepared("SELECT started_at FROM fetch_log ORDER BY id LIMIT 1", &[])?
            .map(|r| r.try_get(0))
            .transpose()?;
        match first_poll.as_deref().and_then(from_db) {
            Some(t) => Ok(Some(t)),
            None => first_hour(&mut c),
        }
    }

    fn sources_seen(
        &self,
        start: Timestamp,
        end: Timestamp,
        areas: &HashSet<String>,
    ) -> Result<Vec<SourceSeen>, StoreError> {
        let mut c = self.client();
        let split = Split::of(start, end);
        let mut seen = SeenSources::default();
        if let Some((from, to)) = &split.hours {
            let regions: Vec<&str> = std::iter::once("*")
                .chain(areas.iter().map(String::as_str))
                .collect();
            // One read for every topic with counts in the period and every region asked.
            for r in c.query_prepared(
                r#"SELECT DISTINCT x.topic_id, x.region_id, x.source_id, coalesce(s.kind, 'lain')
                   FROM topic_source_hourly x LEFT JOIN sources s ON s.id = x.source_id
                   WHERE x.region_id = ANY($3) AND x.hour >= $1 AND x.hour < $2
                     AND x.topic_id IN (SELECT DISTINCT topic_id FROM topic_hourly
                                        WHERE hour >= $1 AND hour < $2)"#,
                &[from, to, &regions],
            )? {
                seen.push(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
            }
        }
        for (from, to) in &split.edges {
            for r in c.query_prepared(
                r#"SELECT t.topic_id, p.source_id, coalesce(s.kind, 'lain'), r.region_id
                   FROM posts p JOIN post_topics t ON t.post_id = p.id
                   LEFT JOIN post_regions r ON r.post_id = p.id
                   LEFT JOIN sources s ON s.id = p.source_id
                   WHERE p.published_at >= $1 AND p.published_at < $2
                   GROUP BY t.topic_id, p.source_id, s.kind, r.region_id"#,
                &[from, to],
            )? {
                let (topic, source, kind, region): (String, String, String, Option<String>) =
                    (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
                seen.push(topic.clone(), "*".into(), source.clone(), kind.clone());
                if let Some(region) = region.filter(|r| areas.contains(r)) {
                    seen.push(topic, region, source, kind);
                }
            }
        }
        Ok(seen.out)
    }
}

/// Runs a query whose rows are (text, count).
fn counts(
    c: &mut Pooled,
    sql: &'static str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<(String, u64)>, StoreError> {
    c.query_prepared(sql, params)?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get::<_, i64>(1)? as u64)))
        .collect()
}

/// The rows of one topic over `split`, as `store::rollups::period_rows` reads them: `rollup`
/// (parameters topic, first hour, end hour) for the whole hours, `scan` (topic, start, end)
/// over the posts of the partial hours; each row as `read` makes it, unsummed.
fn period_rows<T>(
    c: &mut Pooled,
    split: &Split,
    rollup: &'static str,
    scan: &'static str,
    topic: &str,
    mut read: impl FnMut(&Row) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    if let Some((from, to)) = &split.hours {
        for r in c.query_prepared(rollup, &[&topic, from, to])? {
            out.push(read(&r)?);
        }
    }
    for (from, to) in &split.edges {
        for r in c.query_prepared(scan, &[&topic, from, to])? {
            out.push(read(&r)?);
        }
    }
    Ok(out)
}

/// Rows of (key, count) summed per key.
fn summed<K: Eq + std::hash::Hash>(rows: Vec<(K, u64)>) -> HashMap<K, u64> {
    let mut out: HashMap<K, u64> = HashMap::new();
    for (key, n) in rows {
        *out.entry(key).or_default() += n;
    }
    out
}

/// The names and kinds of the sources a report's rows name, by id, as `sources` has them (a
/// source without a row there has none, as when the whole table is read): read with the rows
/// (`LEFT JOIN sources s`, `s.name, s.kind` side by side), not by a query of their own.
#[derive(Debug, Default)]
struct Meta(HashMap<String, SourceMeta>);

impl Meta {
    /// Notes the source in column `source` of `r`, with its name and kind in columns `name`
    /// and `name + 1` (NULL when `sources` has no row for it: its kind is NOT NULL there).
    fn note(&mut self, r: &Row, source: usize, name: usize) -> Result<(), StoreError> {
        let kind: Option<String> = r.try_get(name + 1)?;
        if kind.is_none() {
            return Ok(());
        }
        if let Entry::Vacant(entry) = self.0.entry(r.try_get(source)?) {
            entry.insert((r.try_get(name)?, kind));
        }
        Ok(())
    }
}

fn first_hour(c: &mut Pooled) -> Result<Option<Timestamp>, StoreError> {
    let first: Option<String> = c
        .query_one_prepared("SELECT min(hour) FROM topic_hourly", &[])?
        .try_get(0)?;
    Ok(first.as_deref().and_then(from_db))
}

/// The starts of the hours in [from, to), as database times.
fn hours_between(from: Timestamp, to: Timestamp) -> Vec<String> {
    let mut hours = Vec::new();
    let mut hour = from;
    while hour < to {
        hours.push(to_db(hour));
        hour += jiff::SignedDuration::from_hours(1);
    }
    hours
}

/// Representative posts, as `store::rollups::topic_posts` chooses them (with `region`, only
/// posts that name it), from the same candidates.
fn topic_posts(
    c: &mut Pooled,
    topic: &str,
    region: Option<&str>,
    start: Timestamp,
    end: Timestamp,
    limit: usize,
) -> Result<Vec<StoredPost>, StoreError> {
    let candidates = candidates(c, topic, region, start, end, limit * 6)?;
    let mut by_id = posts_by_id(c, &candidates)?;
    // Google News posts' outlets: their stories' first posts, read at once.
    let stories: Vec<i64> = by_id.values().filter_map(rollups::outlet_story).collect();
    let mut outlets: HashMap<i64, StoredPost> = HashMap::new();
    if !stories.is_empty() {
        for r in c.query_prepared(&STORY_FIRST_POSTS, &[&stories])? {
            outlets.insert(r.try_get(POST_COLUMN_COUNT)?, read_post(&r)?);
        }
    }
    let mut chosen = Representatives::new(limit);
    for id in candidates {
        let Some(post) = by_id.remove(&id) else {
            continue;
        };
        let outlet = rollups::outlet_story(&post).and_then(|story| outlets.get(&story).cloned());
        if chosen.offer(rollups::outlet_or(post, outlet)) {
            break;
        }
    }
    Ok(chosen.posts)
}

/// The first `wanted` posts of a topic in the period in the order representative posts are
/// chosen from, as `store::rollups::candidates` finds them (its `rank_candidates`), each
/// round asking every source still to be asked in one query.
fn candidates(
    c: &mut Pooled,
    topic: &str,
    region: Option<&str>,
    start: Timestamp,
    end: Timestamp,
    wanted: usize,
) -> Result<Vec<i64>, StoreError> {
    if wanted == 0 || end <= start {
        return Ok(Vec::new());
    }
    let region = region.unwrap_or("*");
    let sources: Vec<String> = c
        .query_prepared(
            r#"SELECT DISTINCT source_id FROM topic_source_hourly
               WHERE topic_id = $1 AND region_id = $4 AND hour >= $2 AND hour < $3"#,
            &[&topic, &to_db(hour_bucket(start)), &to_db(end), &region],
        )?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let newest = c.prepared(
        "SELECT s.i, x.published_at, x.post_id
         FROM unnest($2::text[]) WITH ORDINALITY AS s(source_id, i)
         CROSS JOIN LATERAL (
             SELECT t.published_at, t.post_id FROM topic_posts t
             WHERE t.topic_id = $1 AND t.source_id = s.source_id
               AND t.published_at >= $3 AND t.published_at < $4
               AND ($6 = '*' OR EXISTS (SELECT 1 FROM post_regions r
                                        WHERE r.post_id = t.post_id AND r.region_id = $6))
             ORDER BY t.published_at DESC, t.post_id DESC LIMIT $5) AS x
         ORDER BY s.i, x.published_at DESC, x.post_id DESC",
    )?;
    let (from, to) = (to_db(start), to_db(end));
    rollups::rank_candidates(&sources, wanted, |asked, depth| {
        let mut out: Vec<Vec<(String, i64)>> = vec![Vec::new(); asked.len()];
        for r in c.query(
            &newest,
            &[&topic, &asked, &from, &to, &(depth as i64), &region],
        )? {
            let i: i64 = r.try_get(0)?;
            if let Some(posts) = usize::try_from(i - 1).ok().and_then(|i| out.get_mut(i)) {
                posts.push((r.try_get(1)?, r.try_get(2)?));
            }
        }
        Ok(out)
    })
}

/// The posts of `ids` that are stored, by id.
fn posts_by_id(c: &mut Pooled, ids: &[i64]) -> Result<HashMap<i64, StoredPost>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    c.query_prepared(&POSTS_BY_ID, &[&ids])?
        .iter()
        .map(|r| read_post(r).map(|p| (p.id, p)))
        .collect()
}

/// How many columns [`POST_COLUMNS`] holds: a query's own columns follow them.
const POST_COLUMN_COUNT: usize = crate::store::rows::POST_COLUMN_COUNT;

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;

    use super::*;
    use crate::classify::{SentimentClass, Tags};
    use crate::model::{Attempt, SourceInfo};
    use crate::model::{Platform, Post, RegionId, SourceId, TopicId};
    use crate::store::testing::copied_to_postgres;
    use crate::store::{Failure, Maintenance, SqliteStore, Write, Writes};

    const AREAS: &[&str] = &[
        "samarinda",
        "balikpapan",
        "kutai-kartanegara",
        "bontang",
        "berau",
    ];

    /// Posts beside the demo's: sources of every kind (some with no row in `sources`),
    /// platforms with and without reach, authors with spaces and without, several regions,
    /// stories carried by several sources (and by Google News links), posts at the same
    /// second, over the demo's eight days.
    fn varied_posts(now: Timestamp, rng: &mut fastrand::Rng, batch: usize) -> Vec<(Post, Tags)> {
        let sources = [
            "warta-mahakam",
            "lapor-warga",
            "akun-x",
            "akun-tiktok",
            "gn",
            "portal",
        ];
        let topics = [
            "banjir",
            "jalan-rusak",
            "listrik",
            "air-bersih",
            "harga-pangan",
        ];
        let authors = [
            Some("@warga1"),
            Some(" Redaksi "),
            Some("@pantau_kaltim"),
            Some("  "),
            None,
        ];
        let classes = [
            SentimentClass::Positif,
            SentimentClass::Netral,
            SentimentClass::BerpotensiNegatif,
            SentimentClass::Negatif,
        ];
        let mut out = Vec::new();
        for i in 0..250 {
            let source = sources[rng.usize(..sources.len())];
            // Same stories across sources and batches: a story's text, told again.
            let story = rng.usize(..40);
            let minutes = rng.i64(0..8 * 24 * 60);
            // A tenth of the posts share their second with another.
            let minutes = if i % 10 == 9 {
                minutes - minutes % 60
            } else {
                minutes
            };
            let published = now - SignedDuration::from_mins(minutes);
            let platform = match source {
                "akun-x" => Some("x"),
                "akun-tiktok" => Some(["tiktok", "instagram"][rng.usize(..2)]),
                _ => None,
            };
            let reach = match platform {
                // Coarse counts, so that engagements and scores tie; some posts state only
                // views or only followers.
                Some(_) => crate::model::Reach {
                    likes: rng.bool().then(|| rng.u64(0..6) * 10),
                    shares: rng.u64(0..3),
                    comments: rng.bool().then(|| rng.u64(0..3) * 5),
                    views: rng.bool().then(|| rng.u64(0..9000)),
                    followers: rng.bool().then(|| rng.u64(0..4) * 1000),
                },
                None if rng.usize(..5) == 0 => crate::model::Reach {
                    shares: rng.u64(1..5),
                    ..Default::default()
                },
                None => Default::default(),
            };
            let url = match source {
                "gn" => Some(format!(
                    "https://news.google.com/rss/articles/CBMi{batch}x{i}"
                )),
                "portal" => Some(format!("https://portal.example/berita/{story}-{batch}-{i}")),
                _ => None,
            };
            // A third of the posts tell their story word for word (one source stores a text
            // once), the rest add their own words.
            let told = format!(
                "Kabar {story}: warga mengeluhkan {} di wilayah nomor {} sejak pekan lalu",
                topics[story % topics.len()],
                story * 7
            );
            let text = match i % 17 {
                0 => String::new(),
                _ if i % 3 == 0 => told,
                _ => format!("{told}, kata saksi {batch} nomor {i} kepada wartawan"),
            };
            let post = Post {
                source: SourceId::new(source),
                external_id: format!("{batch}-{i}"),
                url,
                title: Some(format!("Judul kabar {story}")),
                text,
                author: authors[rng.usize(..authors.len())].map(str::to_owned),
                published,
                fetched: now,
                lang: Some("id".into()),
                platform: platform.map(Platform::new),
                reach,
            };
            let mut topic_ids = vec![TopicId::new(topics[story % topics.len()])];
            if rng.usize(..4) == 0 {
                topic_ids.push(TopicId::new(topics[rng.usize(..topics.len())]));
            }
            if rng.usize(..8) == 0 {
                topic_ids.clear();
            }
            let areas: Vec<RegionId> = (0..rng.usize(..3))
                .map(|_| RegionId::new(AREAS[rng.usize(..AREAS.len())]))
                .collect();
            let mut regions = areas.clone();
            if !areas.is_empty() {
                regions.push(RegionId::new("kalimantan-timur"));
            }
            let sentiment = (rng.usize(..3) > 0).then(|| {
                let class = classes[rng.usize(..classes.len())];
                (class, rng.f64() * 2.0 - 1.0)
            });
            let tags = Tags {
                topics: topic_ids,
                regions,
                areas,
                sentiment,
                ..Tags::default()
            };
            out.push((post, tags));
        }
        out
    }

    /// A store of [`varied_posts`] added in batches (some posts seen again with new counts),
    /// its oldest posts pruned (their hourly counts stay), with configured sources of several
    /// kinds (and posts of sources with no row) and a failed poll in the fetch log.
    fn varied_store(dir: &std::path::Path) -> (SqliteStore, Timestamp) {
        let mut store = SqliteStore::open(&dir.join("pantau.db")).expect("SQLite uji");
        let now = Timestamp::now();
        let configured = [
            ("warta-mahakam", "feed"),
            ("lapor-warga", "mastodon"),
            ("akun-x", "x"),
            ("akun-tiktok", "tiktok"),
        ];
        let sources: Vec<SourceInfo> = configured
            .iter()
            .map(|(id, kind)| SourceInfo {
                id: SourceId::new(*id),
                kind: kind.to_string(),
                name: Some(format!("Sumber {id}")),
                location: format!("https://{id}.example/"),
                region: None,
            })
            .collect();
        store.sync_sources(&sources).unwrap();
        let started = now - SignedDuration::from_hours(24 * 8 + 3);
        store
            .write(&[Write::Failure(Failure {
                source: SourceId::new("warta-mahakam"),
                attempt: Attempt {
                    started,
                    duration: std::time::Duration::from_millis(40),
                    next_attempt: started,
                },
                class: "http".into(),
                message: "503".into(),
            })])
            .unwrap();
        let mut rng = fastrand::Rng::with_seed(20261207);
        let mut written: Vec<(Post, Tags)> = Vec::new();
        for batch in 0..6 {
            let posts = varied_posts(now, &mut rng, batch);
            store.insert_posts(&posts, "v").unwrap();
            written.extend(posts);
        }
        let again: Vec<(Post, Tags)> = written
            .iter()
            .filter(|(p, _)| p.platform.is_some())
            .step_by(3)
            .map(|(p, t)| {
                let mut p = p.clone();
                p.reach.likes = p.reach.likes.map(|l| l * 2 + 7);
                p.reach.shares += 3;
                (p, t.clone())
            })
            .collect();
        store.insert_posts(&again, "v").unwrap();
        store
            .prune_batch(now - SignedDuration::from_hours(7 * 24 + 5), 40)
            .unwrap();
        (store, now)
    }

    /// Every report of one period, as comparable values.
    fn reports_of(
        store: &dyn Reports,
        topics: &[String],
        start: Timestamp,
        end: Timestamp,
    ) -> Vec<String> {
        let mut out = Vec::new();
        let areas: HashSet<String> = AREAS[..3].iter().map(|a| a.to_string()).collect();
        out.push(format!("{:?}", store.topic_counts(start, end).unwrap()));
        out.push(format!("{:?}", store.post_totals(start, end).unwrap()));
        let mut hours = store.hour_counts(start, end).unwrap();
        hours.sort_by(|a, b| (&a.topic, &a.region, a.hour).cmp(&(&b.topic, &b.region, b.hour)));
        out.push(format!("{hours:?}"));
        let mut seen = store.sources_seen(start, end, &areas).unwrap();
        seen.sort_by(|a, b| {
            (&a.topic, &a.region, &a.source).cmp(&(&b.topic, &b.region, &b.source))
        });
        out.push(format!("{seen:?}"));
        let mut reach: Vec<_> = store
            .reach_totals(start, end)
            .unwrap()
            .into_iter()
            .collect();
        reach.sort_by(|a, b| a.0.cmp(&b.0));
        out.push(format!("{reach:?}"));
        for topic in topics {
            out.push(format!(
                "{topic} {:?}",
                store.topic_hours(topic, start, end).unwrap()
            ));
            out.push(format!(
                "{topic} {:?}",
                store.topic_areas(topic, start, end).unwrap()
            ));
            out.push(format!(
                "{topic} {:?}",
                store.topic_sources(topic, start, end).unwrap()
            ));
            out.push(format!(
                "{topic} {:?}",
                store.topic_sentiment(topic, start, end).unwrap()
            ));
            out.push(format!(
                "{topic} {:?}",
                store.topic_platforms(topic, start, end).unwrap()
            ));
            for limit in [1, 3, 10] {
                let ids =
                    |posts: Vec<StoredPost>| -> Vec<i64> { posts.iter().map(|p| p.id).collect() };
                out.push(format!(
                    "{topic} {limit} {:?}",
                    store.topic_authors(topic, start, end, limit).unwrap()
                ));
                out.push(format!(
                    "{topic} {limit} {:?}",
                    store.topic_posts(topic, start, end, limit).unwrap()
                ));
                for region in &AREAS[..3] {
                    out.push(format!(
                        "{topic} {region} {limit} {:?}",
                        ids(store
                            .topic_region_posts(topic, region, start, end, limit)
                            .unwrap())
                    ));
                }
                out.push(format!(
                    "{topic} {limit} {:?}",
                    store.topic_engaged(topic, start, end, limit).unwrap()
                ));
                out.push(format!(
                    "{topic} {limit} {:?}",
                    store.topic_accounts(topic, start, end, limit).unwrap()
                ));
            }
        }
        out
    }

    /// A varied store copied to PostgreSQL: every report answers alike on both
    /// backends, in the same order, over whole days, periods cutting hours at either end or
    /// inside one hour, the last 24 hours from an odd minute, and empty periods.
    #[test]
    fn every_report_answers_as_sqlite_over_a_varied_store() {
        let dir = tempfile::tempdir().unwrap();
        let (mut sqlite, now) = varied_store(dir.path());
        let Some((_db, pg)) = copied_to_postgres(&mut sqlite) else {
            return;
        };
        let end = hour_bucket(now) + SignedDuration::from_hours(1);
        let h = SignedDuration::from_hours;
        let m = SignedDuration::from_mins;
        let mut periods: Vec<(Timestamp, Timestamp)> = (0..9)
            .map(|d| (end - h(24 * (d + 1)), end - h(24 * d)))
            .collect();
        periods.extend([
            (end - h(24 * 10), end + h(1)),
            (end - h(24 * 7), end),
            (end - h(30) + m(17), end - h(5) + m(41)),
            (
                now - h(24) + m(7) + SignedDuration::from_secs(13),
                now + m(7),
            ),
            (end - h(24) - m(23), end - m(23)),
            (end - h(50), end - h(50)),
            (end - h(3), end - h(4)),
            (end + h(24), end + h(48)),
            (end - h(24 * 400), end - h(24 * 300)),
        ]);
        // Inside one hour.
        periods.extend((0..8).map(|k| (end - h(2 + 9 * k) + m(5), end - h(2 + 9 * k) + m(55))));
        let everything = (end - h(24 * 30), end + h(24));
        let topics: Vec<String> = sqlite
            .topic_counts(everything.0, everything.1)
            .unwrap()
            .into_iter()
            .map(|(t, _)| t)
            .chain(["tidak-ada".to_string()])
            .collect();
        assert!(topics.len() > 5, "{topics:?}");
        assert_eq!(sqlite.first_hour().unwrap(), pg.first_hour().unwrap());
        assert_eq!(
            sqlite.collecting_since().unwrap(),
            pg.collecting_since().unwrap()
        );
        assert!(sqlite.collecting_since().unwrap().is_some());
        for (start, end) in periods {
            let expected = reports_of(&sqlite, &topics, start, end);
            let got = reports_of(&pg, &topics, start, end);
            for (e, g) in expected.iter().zip(&got) {
                assert_eq!(e, g, "PostgreSQL differs over [{start}, {end})");
            }
            assert_eq!(expected.len(), got.len());
        }
        // The store is varied enough for the comparison to mean something.
        let week = (end - h(24 * 7), end);
        let platforms = sqlite.topic_platforms(&topics[0], week.0, week.1).unwrap();
        assert!(!sqlite.reach_totals(week.0, week.1).unwrap().is_empty());
        assert!(!platforms.is_empty());
    }
}
