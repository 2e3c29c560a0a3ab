//! The rollups reports read instead of posts, and the reads themselves: counts per topic from
//! the hourly rollups, and per topic the regions, sources, authors, sentiment and
//! representative posts of a period. Periods are half-open [start, end).
//!
//! `topic_hourly` is kept post by post as posts are stored (`store::posts`) and stays when
//! retention prunes them: it is history. The rollups of migration 7 (per hour: posts, and per
//! topic the sources, sentiment and authors; and `topic_posts`, a topic's posts by source and
//! time) are kept per write batch by [`RollupBatch`] and give pruned posts back by
//! [`remove_pruned`], so they always equal the same counts over the posts stored: a report
//! reads them instead of the posts, in time that grows with topics × sources × hours rather than
//! with posts. A period's whole hours come from them; the partial hours at its ends (a
//! dashboard's "last 24 hours" from now) from the posts, so every answer is exact.

use std::collections::HashMap;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::StoreError;
use super::rows::{POST_COLUMNS, StoredPost, read_post};
use crate::classify::Tags;
use crate::model::Post;
use crate::sources::google_news::is_google_news;
use crate::time::{from_db, hour_bucket, to_db};

/// Posts of one source about a topic in a period.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceCount {
    pub source: String,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub posts: u64,
}

/// Posts of one author (as the post names them) on one source about a topic in a period.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorCount {
    pub author: String,
    pub source: String,
    pub source_name: Option<String>,
    pub posts: u64,
}

/// Runs a query whose rows are (text, count) with `params`.
fn counts(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<(String, u64)>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt
        .query_map(params, |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Posts per topic (all regions) in the period, from `topic_hourly`.
pub(super) fn topic_counts(
    conn: &Connection,
    start: Timestamp,
    end: Timestamp,
) -> Result<Vec<(String, u64)>, StoreError> {
    counts(
        conn,
        "SELECT topic_id, sum(posts) FROM topic_hourly
         WHERE region_id = '*' AND hour >= ?1 AND hour < ?2
         GROUP BY topic_id ORDER BY topic_id",
        params![to_db(start), to_db(end)],
    )
}

/// Hourly counts of one topic (all regions) in the period.
pub(super) fn topic_hours(
    conn: &Connection,
    topic: &str,
    start: Timestamp,
    end: Timestamp,
) -> Result<Vec<(Timestamp, u64)>, StoreError> {
    let rows = counts(
        conn,
        "SELECT hour, posts FROM topic_hourly
         WHERE topic_id = ?1 AND region_id = '*' AND hour >= ?2 AND hour < ?3 ORDER BY hour",
        params![topic, to_db(start), to_db(end)],
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|(hour, n)| from_db(&hour).map(|h| (h, n)))
        .collect())
}

/// Posts of one topic per kabupaten/kota in the period, most first.
pub(super) fn topic_areas(
    conn: &Connection,
    topic: &str,
    start: Timestamp,
    end: Timestamp,
) -> Result<Vec<(String, u64)>, StoreError> {
    counts(
        conn,
        "SELECT region_id, sum(posts) AS n FROM topic_hourly
         WHERE topic_id = ?1 AND region_id != '*' AND hour >= ?2 AND hour < ?3
         GROUP BY region_id ORDER BY n DESC, region_id",
        params![topic, to_db(start), to_db(end)],
    )
}

/// Posts of one topic per source in the period, most first.
pub(super) fn topic_sources(
    conn: &Connection,
    topic: &str,
    start: Timestamp,
    end: Timestamp,
) -> Result<Vec<SourceCount>, StoreError> {
    let counts = period_counts(
        conn,
        &Split::of(start, end),
        "SELECT source_id, sum(posts) FROM topic_source_hourly
         WHERE topic_id = ?1 AND region_id = '*' AND hour >= ?2 AND hour < ?3
         GROUP BY source_id",
        "SELECT p.source_id, count(*)
         FROM posts p CROSS JOIN post_topics t ON t.post_id = p.id
         WHERE t.topic_id = ?1 AND p.published_at >= ?2 AND p.published_at < ?3
         GROUP BY p.source_id",
        topic,
        |r| r.get::<_, String>(0),
    )?;
    Ok(source_counts(counts, &source_meta(conn)?))
}

/// Counts per source with each source's name and kind, most first, then by source id.
pub(super) fn source_counts(
    counts: HashMap<String, u64>,
    meta: &HashMap<String, SourceMeta>,
) -> Vec<SourceCount> {
    let mut rows: Vec<SourceCount> = counts
        .into_iter()
        .map(|(source, posts)| {
            let (name, kind) = meta.get(&source).cloned().unwrap_or_default();
            SourceCount {
                source,
                name,
                kind,
                posts,
            }
        })
        .collect();
    rows.sort_by(|a, b| b.posts.cmp(&a.posts).then_with(|| a.source.cmp(&b.source)));
    rows
}

/// Posts of one topic per author (byline or account) and source in the period, most first,
/// at most `limit` rows. Posts without an author are left out; telling a person's account
/// from a newsroom's generic byline ("Redaksi") is the caller's business.
pub(super) fn topic_authors(
    conn: &Connection,
    topic: &str,
    start: Timestamp,
    end: Timestamp,
    limit: usize,
) -> Result<Vec<AuthorCount>, StoreError> {
    let split = Split::of(start, end);
    let counts: Vec<((String, String), u64)> = match (&split.hours, split.edges.is_empty()) {
        // Whole hours only (a day's briefing): SQLite ranks and cuts, so only `limit` rows
        // leave it.
        (Some((from, to)), true) => {
            let mut stmt = conn.prepare_cached(
                "SELECT author, source_id, sum(posts) AS n FROM topic_author_hourly
                 WHERE topic_id = ?1 AND hour >= ?2 AND hour < ?3
                 GROUP BY author, source_id ORDER BY n DESC, author, source_id LIMIT ?4",
            )?;
            stmt.query_map(params![topic, from, to, limit as i64], |r| {
                Ok(((r.get(0)?, r.get(1)?), r.get::<_, i64>(2)? as u64))
            })?
            .collect::<Result<_, _>>()?
        }
        _ => period_counts(
            conn,
            &split,
            "SELECT author, source_id, sum(posts) FROM topic_author_hourly
                     WHERE topic_id = ?1 AND hour >= ?2 AND hour < ?3
                     GROUP BY author, source_id",
            "SELECT trim(p.author) AS a, p.source_id, count(*)
                     FROM posts p CROSS JOIN post_topics t ON t.post_id = p.id
                     WHERE t.topic_id = ?1 AND p.published_at >= ?2 AND p.published_at < ?3
                       AND p.author IS NOT NULL AND trim(p.author) <> ''
                     GROUP BY a, p.source_id",
            topic,
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )?
        .into_iter()
        .collect(),
    };
    Ok(author_counts(counts, limit, &source_meta(conn)?))
}

/// Counts per (author, source), most first, then by author and source, at most `limit`,
/// with each source's name.
pub(super) fn author_counts(
    mut counts: Vec<((String, String), u64)>,
    limit: usize,
    meta: &HashMap<String, SourceMeta>,
) -> Vec<AuthorCount> {
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts.truncate(limit);
    counts
        .into_iter()
        .map(|((author, source), posts)| AuthorCount {
            source_name: meta.get(&source).and_then(|(name, _)| name.clone()),
            author,
            source,
            posts,
        })
        .collect()
}

/// Posts of one topic per sentiment class in the period (posts without one are `netral`),
/// by class.
pub(super) fn topic_sentiment(
    conn: &Connection,
    topic: &str,
    start: Timestamp,
    end: Timestamp,
) -> Result<Vec<(String, u64)>, StoreError> {
    let mut rows: Vec<(String, u64)> = period_counts(
        conn,
        &Split::of(start, end),
        "SELECT sentiment, sum(posts) FROM topic_sentiment_hourly
                 WHERE topic_id = ?1 AND hour >= ?2 AND hour < ?3 GROUP BY sentiment",
        "SELECT coalesce(p.sentiment, 'netral'), count(*)
                 FROM posts p CROSS JOIN post_topics t ON t.post_id = p.id
                 WHERE t.topic_id = ?1 AND p.published_at >= ?2 AND p.published_at < ?3
                 GROUP BY 1",
        topic,
        |r| r.get::<_, String>(0),
    )?
    .into_iter()
    .collect();
    rows.sort();
    Ok(rows)
}

/// Up to `limit` representative posts of a topic in the period: the newest post of each
/// source first (so one loud source cannot fill the list), then the next newest of each,
/// one post per story (a syndicated story shows once), and for posts without a story,
/// skipping copies of a text already chosen, from the first `6 × limit` posts in that
/// order ([`candidates`]). With `region` (a kabupaten/kota), only posts that name it.
pub(super) fn topic_posts(
    conn: &Connection,
    topic: &str,
    region: Option<&str>,
    start: Timestamp,
    end: Timestamp,
    limit: usize,
) -> Result<Vec<StoredPost>, StoreError> {
    let candidates = candidates(conn, topic, region, start, end, limit * 6)?;
    let mut by_id = conn.prepare_cached(&format!(
        "SELECT {POST_COLUMNS} FROM posts p WHERE p.id = ?1"
    ))?;
    let mut chosen = Representatives::new(limit);
    for id in candidates {
        let Some(post) = by_id.query_row([id], read_post).optional()? else {
            continue;
        };
        let post = outlets_post(conn, post)?;
        if chosen.offer(post) {
            break;
        }
    }
    Ok(chosen.posts)
}

/// The representative posts chosen so far, from candidates offered in order
/// ([`topic_posts`]): one post per story, and for posts without a story no copy of a text
/// already chosen.
pub(super) struct Representatives {
    limit: usize,
    seen_text: std::collections::HashSet<String>,
    seen_story: std::collections::HashSet<i64>,
    pub(super) posts: Vec<StoredPost>,
}

impl Representatives {
    pub(super) fn new(limit: usize) -> Representatives {
        Representatives {
            limit,
            seen_text: Default::default(),
            seen_story: Default::default(),
            posts: Vec::new(),
        }
    }

    /// Takes `post` when it is not a copy of one chosen; true once `limit` are chosen.
    pub(super) fn offer(&mut self, post: StoredPost) -> bool {
        // Copies of one story carry the same body under different headlines; compare on
        // a folded prefix of the body, or of the title for posts that have no body.
        let basis = if post.text.trim().is_empty() {
            post.title.as_deref().unwrap_or("")
        } else {
            &post.text
        };
        let key: String = crate::fold::fold(basis).text.chars().take(200).collect();
        let fresh = match post.story {
            Some(story) => self.seen_story.insert(story),
            None => true,
        };
        if self.seen_text.insert(key) && fresh {
            self.posts.push(post);
        }
        self.posts.len() == self.limit
    }
}

/// For a post that only links to Google News, its story's first post when that one is the
/// outlet's own (see `stories::join`): one article shows with the outlet's link.
fn outlets_post(conn: &Connection, post: StoredPost) -> Result<StoredPost, StoreError> {
    let Some(story) = outlet_story(&post) else {
        return Ok(post);
    };
    let outlet = conn
        .prepare_cached(&format!(
            "SELECT {POST_COLUMNS} FROM posts p
             WHERE p.id = (SELECT first_post_id FROM stories WHERE id = ?1)"
        ))?
        .query_row([story], read_post)
        .optional()?;
    Ok(outlet_or(post, outlet))
}

/// The story whose first post may be the outlet's own version of `post`: for a post that
/// only links to Google News.
pub(super) fn outlet_story(post: &StoredPost) -> Option<i64> {
    match (post.url.as_deref(), post.story) {
        (Some(url), Some(story)) if is_google_news(url) => Some(story),
        _ => None,
    }
}

/// `outlet` (its story's first post) instead of `post` when it links to the outlet itself.
pub(super) fn outlet_or(post: StoredPost, outlet: Option<StoredPost>) -> StoredPost {
    match outlet {
        Some(o) if o.url.as_deref().is_some_and(|u| !is_google_news(u)) => o,
        _ => post,
    }
}

/// The first `wanted` posts of a topic in the period in the order representative posts
/// are chosen from: by rank within their source (newest first), then newest first, then
/// by id, highest first.
///
/// They come from `topic_posts`, newest first per source, `depth` posts of each source at
/// a time: once the sources give `wanted` posts at ranks up to `depth`, no deeper post can
/// be among the first `wanted`; else sources that had more are asked again twice as deep.
/// A day's briefing reads a few posts per source, however many posts the topic has.
fn candidates(
    conn: &Connection,
    topic: &str,
    region: Option<&str>,
    start: Timestamp,
    end: Timestamp,
    wanted: usize,
) -> Result<Vec<i64>, StoreError> {
    if wanted == 0 || end <= start {
        return Ok(Vec::new());
    }
    // `*`: every region, as the hourly tables write it.
    let region = region.unwrap_or("*");
    // Every source with a post of the topic (in the region) in [start, end), and perhaps a
    // few more from the period's partial first hour, which give no candidates.
    let sources: Vec<String> = {
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT source_id FROM topic_source_hourly
             WHERE topic_id = ?1 AND region_id = ?4 AND hour >= ?2 AND hour < ?3",
        )?;
        stmt.query_map(
            params![topic, to_db(hour_bucket(start)), to_db(end), region],
            |r| r.get(0),
        )?
        .collect::<Result<_, _>>()?
    };
    let mut newest = conn.prepare_cached(
        "SELECT t.post_id, t.published_at FROM topic_posts t
         WHERE t.topic_id = ?1 AND t.source_id = ?2 AND t.published_at >= ?3 AND t.published_at < ?4
           AND (?6 = '*' OR EXISTS (SELECT 1 FROM post_regions r
                                    WHERE r.post_id = t.post_id AND r.region_id = ?6))
         ORDER BY t.published_at DESC, t.post_id DESC LIMIT ?5",
    )?;
    let (from, to) = (to_db(start), to_db(end));
    rank_candidates(&sources, wanted, |asked, depth| {
        let mut out = Vec::with_capacity(asked.len());
        for source in asked {
            out.push(
                newest
                    .query_map(
                        params![topic, source, from, to, depth as i64, region],
                        |r| Ok((r.get::<_, String>(1)?, r.get::<_, i64>(0)?)),
                    )?
                    .collect::<Result<_, _>>()?,
            );
        }
        Ok(out)
    })
}

/// The newest posts of each source, as [`candidates`] ranks them: `newest(sources, depth)`
/// gives, for each source asked, its newest `depth` posts (published, id), newest first.
/// Sources are asked again, twice as deep, until the first `wanted` are known.
pub(super) fn rank_candidates(
    sources: &[String],
    wanted: usize,
    mut newest: impl FnMut(&[&str], usize) -> Result<Vec<Vec<(String, i64)>>, StoreError>,
) -> Result<Vec<i64>, StoreError> {
    // Per source, its newest posts (published, id), newest first.
    let mut per_source: Vec<Vec<(String, i64)>> = vec![Vec::new(); sources.len()];
    let mut depth = wanted.div_ceil(sources.len().max(1));
    let mut asked = 0;
    loop {
        // A source that gave fewer posts than asked for has no more.
        let again: Vec<usize> = (0..sources.len())
            .filter(|&i| asked == 0 || per_source[i].len() >= asked)
            .collect();
        let names: Vec<&str> = again.iter().map(|&i| sources[i].as_str()).collect();
        let mut deeper = false;
        for (i, posts) in again.into_iter().zip(newest(&names, depth)?) {
            deeper |= posts.len() == depth;
            per_source[i] = posts;
        }
        let found: usize = per_source.iter().map(Vec::len).sum();
        if found >= wanted || !deeper {
            break;
        }
        asked = depth;
        depth *= 2;
    }
    let mut ranked: Vec<(usize, &str, i64)> = per_source
        .iter()
        .flat_map(|posts| {
            posts
                .iter()
                .enumerate()
                .map(|(rank, (published, id))| (rank, published.as_str(), *id))
        })
        .collect();
    ranked.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| b.1.cmp(a.1))
            .then_with(|| b.2.cmp(&a.2))
    });
    ranked.truncate(wanted);
    Ok(ranked.into_iter().map(|(_, _, id)| id).collect())
}

/// Posts stored with a publication time in the period, and how many of them have a topic.
pub(super) fn post_totals(
    conn: &Connection,
    start: Timestamp,
    end: Timestamp,
) -> Result<(u64, u64), StoreError> {
    let split = Split::of(start, end);
    let mut totals = (0, 0);
    let mut add = |sql: &str, from: &str, to: &str| -> Result<(), StoreError> {
        let (posts, tagged) = conn
            .prepare_cached(sql)?
            .query_row(params![from, to], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))
            })?;
        totals.0 += posts;
        totals.1 += tagged;
        Ok(())
    };
    if let Some((from, to)) = &split.hours {
        add(
            "SELECT coalesce(sum(posts), 0), coalesce(sum(tagged), 0) FROM post_hourly
             WHERE hour >= ?1 AND hour < ?2",
            from,
            to,
        )?;
    }
    for (from, to) in &split.edges {
        add(
            "SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM post_topics t WHERE t.post_id = p.id))
             FROM posts p WHERE p.published_at >= ?1 AND p.published_at < ?2",
            from,
            to,
        )?;
    }
    Ok(totals)
}

/// Counts per key of one topic over `split`: `rollup` (parameters topic, first hour, end
/// hour) for the whole hours, `scan` (topic, start, end) over the posts of the partial
/// hours at either end. Both return the key's columns, then the count.
fn period_counts<K: Eq + std::hash::Hash>(
    conn: &Connection,
    split: &Split,
    rollup: &str,
    scan: &str,
    topic: &str,
    key: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<K>,
) -> Result<HashMap<K, u64>, StoreError> {
    let mut out: HashMap<K, u64> = HashMap::new();
    let parts = split
        .hours
        .iter()
        .map(|range| (rollup, range))
        .chain(split.edges.iter().map(|range| (scan, range)));
    for (sql, (from, to)) in parts {
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params![topic, from, to])?;
        while let Some(r) = rows.next()? {
            let n = r.get::<_, i64>(r.as_ref().column_count() - 1)? as u64;
            *out.entry(key(r)?).or_default() += n;
        }
    }
    Ok(out)
}

/// The rows of one topic over `split`, as [`period_counts`] reads them, each as `read` makes
/// it, unsummed: the caller merges rows of the same key.
pub(super) fn period_rows<T>(
    conn: &Connection,
    split: &Split,
    rollup: &str,
    scan: &str,
    topic: &str,
    read: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    let parts = split
        .hours
        .iter()
        .map(|range| (rollup, range))
        .chain(split.edges.iter().map(|range| (scan, range)));
    for (sql, (from, to)) in parts {
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params![topic, from, to])?;
        while let Some(r) = rows.next()? {
            out.push(read(r)?);
        }
    }
    Ok(out)
}

/// Every source's name and kind, by id.
pub(super) fn source_meta(conn: &Connection) -> Result<HashMap<String, SourceMeta>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id, name, kind FROM sources")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A source's name and kind, as `sources` has them.
pub(super) type SourceMeta = (Option<String>, Option<String>);

/// A period [start, end) as the rollups can answer it: the whole hours inside it (as database
/// times, [first, last)), and the partial hours at either end, which only the posts can. A
/// day's briefing in a zone of whole-hour offsets, and a trend window, have no partial hours.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Split {
    pub(super) hours: Option<(String, String)>,
    pub(super) edges: Vec<(String, String)>,
}

impl Split {
    pub(super) fn of(start: Timestamp, end: Timestamp) -> Split {
        let mut split = Split {
            hours: None,
            edges: Vec::new(),
        };
        if end <= start {
            return split;
        }
        let first = crate::time::window_end(start);
        let last = hour_bucket(end);
        if first >= last {
            split.edges.push((to_db(start), to_db(end)));
            return split;
        }
        split.hours = Some((to_db(first), to_db(last)));
        if start < first {
            split.edges.push((to_db(start), to_db(first)));
        }
        if last < end {
            split.edges.push((to_db(last), to_db(end)));
        }
        split
    }
}

/// One row of `topic_hourly`.
#[derive(Debug, Clone, PartialEq)]
pub struct HourCount {
    pub topic: String,
    /// A kabupaten/kota id, or `*` for the topic over all regions.
    pub region: String,
    pub hour: Timestamp,
    pub posts: u64,
    pub stories: u64,
}

/// Which sources (and of which kind) carried a topic, in one region or (`*`) in all.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceSeen {
    pub topic: String,
    pub region: String,
    pub source: String,
    pub kind: String,
}

/// Every hourly count in [start, end).
pub(super) fn hour_counts(
    conn: &Connection,
    start: Timestamp,
    end: Timestamp,
) -> Result<Vec<HourCount>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT topic_id, region_id, hour, posts, stories FROM topic_hourly
         WHERE hour >= ?1 AND hour < ?2",
    )?;
    let rows = stmt.query_map(params![to_db(start), to_db(end)], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (topic, region, hour, posts, stories) = row?;
        if let Some(hour) = from_db(&hour) {
            out.push(HourCount {
                topic,
                region,
                hour,
                posts: posts as u64,
                stories: stories as u64,
            });
        }
    }
    Ok(out)
}

/// The start of the earliest hour with any count: how much history there is.
pub(super) fn first_hour(conn: &Connection) -> Result<Option<Timestamp>, StoreError> {
    let first: Option<String> =
        conn.query_row("SELECT min(hour) FROM topic_hourly", [], |r| r.get(0))?;
    Ok(first.as_deref().and_then(from_db))
}

/// Since when Pantau has been collecting: its first poll, or (for a store filled only by
/// imports and tests) the earliest hourly count. A feed's backlog can reach days back, but
/// those days hold only what the feed still lists, so they are no baseline to alert on.
pub(super) fn collecting_since(conn: &Connection) -> Result<Option<Timestamp>, StoreError> {
    let first_poll: Option<String> = conn
        .query_row(
            "SELECT started_at FROM fetch_log ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    match first_poll.as_deref().and_then(from_db) {
        Some(t) => Ok(Some(t)),
        None => first_hour(conn),
    }
}

/// The sources that carried each topic in [start, end), over all regions (`*`) and per
/// region named in `areas` (kabupaten/kota: the level of `topic_hourly`'s regions).
pub(super) fn sources_seen(
    conn: &Connection,
    start: Timestamp,
    end: Timestamp,
    areas: &std::collections::HashSet<String>,
) -> Result<Vec<SourceSeen>, StoreError> {
    let split = Split::of(start, end);
    let mut seen = SeenSources::default();
    let mut push = |topic: String, region: String, source: String, kind: String| {
        seen.push(topic, region, source, kind)
    };
    if let Some((from, to)) = &split.hours {
        // The topics with posts in the period have hourly counts in it.
        let topics: Vec<String> = conn
            .prepare_cached(
                "SELECT DISTINCT topic_id FROM topic_hourly WHERE hour >= ?1 AND hour < ?2",
            )?
            .query_map(params![from, to], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut regions: Vec<&str> = areas.iter().map(String::as_str).collect();
        regions.sort_unstable();
        regions.insert(0, "*");
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT x.source_id, coalesce(s.kind, 'lain') FROM topic_source_hourly x
             LEFT JOIN sources s ON s.id = x.source_id
             WHERE x.topic_id = ?1 AND x.region_id = ?2 AND x.hour >= ?3 AND x.hour < ?4",
        )?;
        for topic in &topics {
            for region in &regions {
                let mut rows = stmt.query(params![topic, region, from, to])?;
                while let Some(r) = rows.next()? {
                    push(topic.clone(), region.to_string(), r.get(0)?, r.get(1)?);
                }
            }
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT t.topic_id, p.source_id, coalesce(s.kind, 'lain'), r.region_id
         FROM posts p JOIN post_topics t ON t.post_id = p.id
         LEFT JOIN post_regions r ON r.post_id = p.id
         LEFT JOIN sources s ON s.id = p.source_id
         WHERE p.published_at >= ?1 AND p.published_at < ?2
         GROUP BY 1, 2, 4",
    )?;
    for (from, to) in &split.edges {
        let mut rows = stmt.query(params![from, to])?;
        while let Some(r) = rows.next()? {
            let (topic, source, kind, region): (String, String, String, Option<String>) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            push(topic.clone(), "*".into(), source.clone(), kind.clone());
            if let Some(region) = region.filter(|r| areas.contains(r)) {
                push(topic, region, source, kind);
            }
        }
    }
    Ok(seen.out)
}

/// [`sources_seen`]' answer as it is gathered: each (topic, region, source) once.
#[derive(Default)]
pub(super) struct SeenSources {
    seen: std::collections::HashSet<(String, String, String)>,
    pub(super) out: Vec<SourceSeen>,
}

impl SeenSources {
    pub(super) fn push(&mut self, topic: String, region: String, source: String, kind: String) {
        if self
            .seen
            .insert((topic.clone(), region.clone(), source.clone()))
        {
            self.out.push(SourceSeen {
                topic,
                region,
                source,
                kind,
            });
        }
    }
}

/// One of the migration-7 counting rollups: where its rows come from, for the posts that
/// `{filter}` (an SQL condition on `posts p`) selects, grouped by its key; `{sign}` is empty
/// to count them in and `-` to take them out.
struct Rollup {
    table: &'static str,
    /// The key columns, then the counts.
    columns: &'static str,
    key: &'static str,
    /// How a row's counts absorb the new ones (`excluded`).
    merge: &'static str,
    select: &'static str,
}

const ROLLUPS: &[Rollup] = &[
    Rollup {
        table: "post_hourly",
        columns: "hour, posts, tagged",
        key: "hour",
        merge: "posts = posts + excluded.posts, tagged = tagged + excluded.tagged",
        select: "SELECT substr(p.published_at, 1, 13) || ':00:00Z' AS h, {sign}count(*),
                    {sign}count(*) FILTER (WHERE EXISTS (SELECT 1 FROM post_topics t WHERE t.post_id = p.id))
                 FROM posts p WHERE {filter} GROUP BY h",
    },
    // Per region only at the level `topic_hourly` keeps (kabupaten/kota, whose hourly row this
    // very post made): the level trends ask about; the province and kecamatan would triple it.
    Rollup {
        table: "topic_source_hourly",
        columns: "topic_id, region_id, hour, source_id, posts",
        key: "topic_id, region_id, hour, source_id",
        merge: "posts = posts + excluded.posts",
        select: "SELECT topic_id, region_id, h, source_id, {sign}count(*) FROM (
                     SELECT t.topic_id, '*' AS region_id, substr(p.published_at, 1, 13) || ':00:00Z' AS h, p.source_id
                     FROM posts p JOIN post_topics t ON t.post_id = p.id WHERE {filter}
                     UNION ALL
                     SELECT t.topic_id, r.region_id, substr(p.published_at, 1, 13) || ':00:00Z' AS h, p.source_id
                     FROM posts p JOIN post_topics t ON t.post_id = p.id JOIN post_regions r ON r.post_id = p.id
                     WHERE {filter} AND EXISTS (SELECT 1 FROM topic_hourly x WHERE x.topic_id = t.topic_id
                         AND x.region_id = r.region_id AND x.hour = substr(p.published_at, 1, 13) || ':00:00Z')
                 ) WHERE true GROUP BY topic_id, region_id, h, source_id",
    },
    Rollup {
        table: "topic_sentiment_hourly",
        columns: "topic_id, hour, sentiment, posts",
        key: "topic_id, hour, sentiment",
        merge: "posts = posts + excluded.posts",
        select: "SELECT t.topic_id, substr(p.published_at, 1, 13) || ':00:00Z' AS h,
                    coalesce(p.sentiment, 'netral') AS c, {sign}count(*)
                 FROM posts p JOIN post_topics t ON t.post_id = p.id WHERE {filter}
                 GROUP BY t.topic_id, h, c",
    },
    Rollup {
        table: "topic_author_hourly",
        columns: "topic_id, hour, author, source_id, posts",
        key: "topic_id, hour, author, source_id",
        merge: "posts = posts + excluded.posts",
        select: "SELECT t.topic_id, substr(p.published_at, 1, 13) || ':00:00Z' AS h, trim(p.author) AS a,
                    p.source_id, {sign}count(*)
                 FROM posts p JOIN post_topics t ON t.post_id = p.id
                 WHERE {filter} AND p.author IS NOT NULL AND trim(p.author) <> ''
                 GROUP BY t.topic_id, h, a, p.source_id",
    },
];

impl Rollup {
    fn select(&self, sign: &str, filter: &str) -> String {
        self.select
            .replace("{sign}", sign)
            .replace("{filter}", filter)
    }

    /// The upsert of one row's counts.
    fn upsert(&self, rows: &str) -> String {
        format!(
            "INSERT INTO {} ({}) {rows} ON CONFLICT ({}) DO UPDATE SET {}",
            self.table, self.columns, self.key, self.merge
        )
    }
}

/// A write batch's additions to the migration-7 rollups, summed in memory as its new posts
/// are stored ([`RollupBatch::add`]) and written at the end of the batch, one upsert per rollup
/// row ([`RollupBatch::write`]).
///
/// The counts come from the posts and tags in hand, the same values the posts' rows and tags
/// hold, so no read of the batch is needed (reading it back cost a ninth of the writer's time,
/// and the writer is the one thread every post goes through). What is counted matches
/// [`ROLLUPS`]' queries, by which [`remove_pruned`] takes posts out again: each distinct topic
/// once, per kabupaten/kota among the post's regions that `topic_hourly` counts it in (its
/// `areas`), sentiment `netral` when it has none, the author trimmed of spaces.
///
/// One upsert per row rather than one statement per rollup (INSERT … SELECT … ON CONFLICT DO
/// UPDATE, as [`remove_pruned`] does): a statement that can change many rows and fail half-way
/// opens a statement savepoint, and at every savepoint FTS5 writes the full-text terms pending
/// from the polls before this one to disk: one small index segment per poll (migration 6),
/// which cost more than the rollups themselves. One-row writes open none; nor does
/// INSERT OR IGNORE.
#[derive(Debug, Default)]
pub(super) struct RollupBatch<'a> {
    /// hour → (posts, posts with a topic).
    posts: HashMap<Timestamp, (i64, i64)>,
    /// (topic, region or `*`, hour, source) → posts.
    sources: HashMap<(&'a str, &'a str, Timestamp, &'a str), i64>,
    /// (topic, hour, sentiment class) → posts.
    sentiment: HashMap<(&'a str, Timestamp, &'a str), i64>,
    /// (topic, hour, author, source) → posts.
    authors: HashMap<(&'a str, Timestamp, &'a str, &'a str), i64>,
}

impl<'a> RollupBatch<'a> {
    /// Counts one new post, stored with `tags`.
    pub(super) fn add(&mut self, post: &'a Post, tags: &'a Tags) {
        let hour = hour_bucket(post.published);
        let counts = self.posts.entry(hour).or_default();
        counts.0 += 1;
        counts.1 += !tags.topics.is_empty() as i64;
        let source = post.source.as_str();
        let class = tags.sentiment.map_or("netral", |(c, _)| c.as_str());
        // SQLite's trim(), as the rollups' queries have it: spaces only.
        let author = post
            .author
            .as_deref()
            .map(|a| a.trim_matches(' '))
            .filter(|a| !a.is_empty());
        for (i, topic) in tags.topics.iter().enumerate() {
            if tags.topics[..i].contains(topic) {
                continue;
            }
            let topic = topic.as_str();
            *self.sources.entry((topic, "*", hour, source)).or_default() += 1;
            for (j, area) in tags.areas.iter().enumerate() {
                if !tags.areas[..j].contains(area) && tags.regions.contains(area) {
                    *self
                        .sources
                        .entry((topic, area.as_str(), hour, source))
                        .or_default() += 1;
                }
            }
            *self.sentiment.entry((topic, hour, class)).or_default() += 1;
            if let Some(author) = author {
                *self
                    .authors
                    .entry((topic, hour, author, source))
                    .or_default() += 1;
            }
        }
    }

    /// Adds the sums to the rollups, in key order (neighbouring rows share pages), and lists
    /// the batch's new posts (those with an id above `before`) in `topic_posts`.
    pub(super) fn write(self, tx: &Transaction<'_>, before: i64) -> Result<(), StoreError> {
        let [posts, sources, sentiment, authors] = ROLLUPS else {
            unreachable!("four rollups")
        };
        let rows = self.into_rows();
        let mut upsert = tx.prepare_cached(&posts.upsert("VALUES (?1, ?2, ?3)"))?;
        for (hour, (n, tagged)) in rows.posts {
            upsert.execute(params![to_db(hour), n, tagged])?;
        }
        let mut upsert = tx.prepare_cached(&sources.upsert("VALUES (?1, ?2, ?3, ?4, ?5)"))?;
        for ((topic, region, hour, source), n) in rows.sources {
            upsert.execute(params![topic, region, to_db(hour), source, n])?;
        }
        let mut upsert = tx.prepare_cached(&sentiment.upsert("VALUES (?1, ?2, ?3, ?4)"))?;
        for ((topic, hour, class), n) in rows.sentiment {
            upsert.execute(params![topic, to_db(hour), class, n])?;
        }
        let mut upsert = tx.prepare_cached(&authors.upsert("VALUES (?1, ?2, ?3, ?4, ?5)"))?;
        for ((topic, hour, author, source), n) in rows.authors {
            upsert.execute(params![topic, to_db(hour), author, source, n])?;
        }
        tx.prepare_cached(
            "INSERT OR IGNORE INTO topic_posts (topic_id, source_id, published_at, post_id)
             SELECT t.topic_id, p.source_id, p.published_at, p.id
             FROM posts p JOIN post_topics t ON t.post_id = p.id WHERE p.id > ?1",
        )?
        .execute([before])?;
        Ok(())
    }
}

/// A `topic_source_hourly` row's key: topic, region or `*`, hour, source.
pub(super) type SourceKey<'a> = (&'a str, &'a str, Timestamp, &'a str);
/// A `topic_author_hourly` row's key: topic, hour, author, source.
pub(super) type AuthorKey<'a> = (&'a str, Timestamp, &'a str, &'a str);

/// The rows a [`RollupBatch`] adds to each rollup, in key order.
pub(super) struct RollupRows<'a> {
    pub posts: Vec<(Timestamp, (i64, i64))>,
    pub sources: Vec<(SourceKey<'a>, i64)>,
    pub sentiment: Vec<((&'a str, Timestamp, &'a str), i64)>,
    pub authors: Vec<(AuthorKey<'a>, i64)>,
}

impl<'a> RollupBatch<'a> {
    /// The sums, in key order (neighbouring rows share pages).
    pub(super) fn into_rows(self) -> RollupRows<'a> {
        RollupRows {
            posts: sorted(self.posts),
            sources: sorted(self.sources),
            sentiment: sorted(self.sentiment),
            authors: sorted(self.authors),
        }
    }
}

fn sorted<K: Ord, V>(map: HashMap<K, V>) -> Vec<(K, V)> {
    let mut rows: Vec<_> = map.into_iter().collect();
    rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    rows
}

/// The posts about to be pruned: [`remove_pruned`] takes them out of the rollups.
pub(super) const PRUNED: &str = "temp.pruned_posts";

/// Takes the posts listed in [`PRUNED`] (still stored, with their tags) out of the rollups,
/// and drops the rows that fall to zero. Pruning is not on the polls' path, so here each
/// rollup is one statement.
pub(super) fn remove_pruned(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let filter = format!("p.id IN (SELECT id FROM {PRUNED})");
    for rollup in ROLLUPS {
        tx.prepare_cached(&rollup.upsert(&rollup.select("-", &filter)))?
            .execute([])?;
    }
    let hour = "substr(p.published_at, 1, 13) || ':00:00Z'";
    let emptied = [
        format!(
            "DELETE FROM post_hourly WHERE posts <= 0
             AND hour IN (SELECT {hour} FROM posts p WHERE {filter})"
        ),
        format!(
            "DELETE FROM topic_source_hourly WHERE posts <= 0
             AND (topic_id, region_id, hour, source_id) IN (
                 SELECT t.topic_id, '*', {hour}, p.source_id
                 FROM posts p JOIN post_topics t ON t.post_id = p.id WHERE {filter}
                 UNION
                 SELECT t.topic_id, r.region_id, {hour}, p.source_id
                 FROM posts p JOIN post_topics t ON t.post_id = p.id
                 JOIN post_regions r ON r.post_id = p.id WHERE {filter})"
        ),
        format!(
            "DELETE FROM topic_sentiment_hourly WHERE posts <= 0
             AND (topic_id, hour, sentiment) IN (
                 SELECT t.topic_id, {hour}, coalesce(p.sentiment, 'netral')
                 FROM posts p JOIN post_topics t ON t.post_id = p.id WHERE {filter})"
        ),
        format!(
            "DELETE FROM topic_author_hourly WHERE posts <= 0
             AND (topic_id, hour, author, source_id) IN (
                 SELECT t.topic_id, {hour}, trim(p.author), p.source_id
                 FROM posts p JOIN post_topics t ON t.post_id = p.id
                 WHERE {filter} AND p.author IS NOT NULL)"
        ),
        format!(
            "DELETE FROM topic_posts WHERE (topic_id, source_id, published_at, post_id) IN
             (SELECT t.topic_id, p.source_id, p.published_at, p.id
              FROM posts p JOIN post_topics t ON t.post_id = p.id WHERE {filter})"
        ),
    ];
    for sql in &emptied {
        tx.prepare_cached(sql)?.execute([])?;
    }
    Ok(())
}

/// A batch's additions to `topic_hourly`, summed in memory and written once per topic, region
/// and hour at the end of the batch instead of one upsert per post, topic and region.
#[derive(Debug, Default)]
pub(super) struct HourlyCounts<'a> {
    /// (topic, region or `*`, hour) → (posts, stories).
    counts: HashMap<(&'a str, &'a str, Timestamp), (i64, i64)>,
}

impl<'a> HourlyCounts<'a> {
    /// `posts` more posts and `stories` more stories (a story counts when a post brings it to
    /// the topic and region for the first time: near-duplicates count once per story).
    pub(super) fn add(
        &mut self,
        topic: &'a str,
        region: &'a str,
        hour: Timestamp,
        posts: i64,
        stories: i64,
    ) {
        let c = self.counts.entry((topic, region, hour)).or_default();
        c.0 += posts;
        c.1 += stories;
    }

    pub(super) fn write(self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO topic_hourly (topic_id, region_id, hour, posts, stories) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (topic_id, region_id, hour) DO UPDATE SET
                 posts = posts + excluded.posts, stories = stories + excluded.stories",
        )?;
        for ((topic, region, hour), (posts, stories)) in self.into_rows() {
            upsert.execute(params![topic, region, to_db(hour), posts, stories])?;
        }
        Ok(())
    }
}

/// (topic, region or `*`, hour) → (posts, stories), in key order.
pub(super) type HourlyRows<'a> = Vec<((&'a str, &'a str, Timestamp), (i64, i64))>;

impl<'a> HourlyCounts<'a> {
    /// The sums, in key order.
    pub(super) fn into_rows(self) -> HourlyRows<'a> {
        let mut rows: Vec<_> = self.counts.into_iter().collect();
        rows.sort_unstable();
        rows
    }
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;

    use super::*;
    use crate::classify::Tags;
    use crate::model::{Post, TopicId};
    use crate::store::{Reports as _, SqliteStore as Store};

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn periods_split_into_whole_hours_and_edges() {
        let split = Split::of(at("2026-11-25T16:17:00Z"), at("2026-11-26T15:37:00Z"));
        assert_eq!(
            split.hours,
            Some(("2026-11-25T17:00:00Z".into(), "2026-11-26T15:00:00Z".into()))
        );
        assert_eq!(
            split.edges,
            [
                ("2026-11-25T16:17:00Z".into(), "2026-11-25T17:00:00Z".into()),
                ("2026-11-26T15:00:00Z".into(), "2026-11-26T15:37:00Z".into())
            ]
        );
        let day = Split::of(at("2026-11-25T16:00:00Z"), at("2026-11-26T16:00:00Z"));
        assert!(day.edges.is_empty());
        let inside = Split::of(at("2026-11-25T16:10:00Z"), at("2026-11-25T16:50:00Z"));
        assert_eq!((inside.hours, inside.edges.len()), (None, 1));
        let empty = Split::of(at("2026-11-25T16:00:00Z"), at("2026-11-25T16:00:00Z"));
        assert_eq!((empty.hours, empty.edges.len()), (None, 0));
    }

    /// The old query: a window function over every post of the topic in the period.
    fn ranked_by_window(store: &Store, topic: &str, start: &str, end: &str, n: usize) -> Vec<i64> {
        let mut stmt = store
            .conn
            .prepare(
                "SELECT p.id FROM (
                     SELECT p.*, row_number() OVER (PARTITION BY p.source_id ORDER BY p.published_at DESC, p.id DESC) AS rank
                     FROM post_topics t JOIN posts p ON p.id = t.post_id
                     WHERE t.topic_id = ?1 AND p.published_at >= ?2 AND p.published_at < ?3
                 ) AS p
                 ORDER BY p.rank, p.published_at DESC, p.id DESC LIMIT ?4",
            )
            .unwrap();
        stmt.query_map(params![topic, start, end, n as i64], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// Sources of very different sizes (one post, a few, many), posts at the same second, and
    /// periods cut inside hours: the candidates read source by source, deeper and deeper, are
    /// exactly the old window function's first `wanted`, for every `wanted`.
    #[test]
    fn candidates_read_per_source_equal_the_window_function() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("c.db")).unwrap();
        let mut posts = Vec::new();
        let sizes = [
            ("besar", 60),
            ("sedang", 7),
            ("kecil", 1),
            ("dua", 2),
            ("lain", 9),
        ];
        for (s, (source, n)) in sizes.iter().enumerate() {
            for i in 0..*n {
                let minute = (i * 37 + s * 11) % (24 * 60);
                let published =
                    at("2026-11-25T16:00:00Z") + SignedDuration::from_mins(minute as i64);
                // Every fifth post shares its second with the one before.
                let published = if i % 5 == 4 {
                    published - SignedDuration::from_mins(37)
                } else {
                    published
                };
                let post = Post {
                    source: (*source).into(),
                    external_id: format!("{i}"),
                    url: None,
                    title: None,
                    text: format!(
                        "unggahan {source} ke-{i} tentang jalan berlubang nomor {}",
                        i * 7919 % 1000
                    ),
                    author: None,
                    published,
                    fetched: published,
                    lang: None,
                    platform: None,
                    reach: Default::default(),
                };
                let topics = if i % 4 == 3 {
                    vec![TopicId::new("lain")]
                } else {
                    vec![TopicId::new("jalan")]
                };
                let tags = Tags {
                    topics,
                    regions: vec![],
                    areas: vec![],
                    sentiment: None,
                    fingerprint: None,
                    text_hash: None,
                    mentioned_topics: Vec::new(),
                    mentioned_regions: Vec::new(),
                };
                posts.push((post, tags));
            }
        }
        // Several batches, as polls arrive.
        for batch in posts.chunks(13) {
            store.insert_posts(batch, "v").unwrap();
        }
        let periods = [
            (at("2026-11-25T16:00:00Z"), at("2026-11-26T16:00:00Z")),
            (at("2026-11-25T19:23:00Z"), at("2026-11-26T09:41:00Z")),
            (at("2026-11-25T20:05:00Z"), at("2026-11-25T20:55:00Z")),
        ];
        for (start, end) in periods {
            for wanted in 0..90 {
                assert_eq!(
                    candidates(&store.conn, "jalan", None, start, end, wanted).unwrap(),
                    ranked_by_window(&store, "jalan", &to_db(start), &to_db(end), wanted),
                    "[{start}, {end}) wanted {wanted}"
                );
            }
        }
        // PostgreSQL asks all sources at once each round: its representative posts (from the
        // first 6 × limit candidates) are SQLite's, for every limit.
        let Some((_db, pg)) = crate::store::testing::copied_to_postgres(&mut store) else {
            return;
        };
        for (start, end) in periods {
            for limit in 0..16 {
                let ids = |posts: Vec<StoredPost>| -> Vec<i64> {
                    posts.into_iter().map(|p| p.id).collect()
                };
                assert_eq!(
                    ids(pg.topic_posts("jalan", start, end, limit).unwrap()),
                    ids(store.topic_posts("jalan", start, end, limit).unwrap()),
                    "postgres: [{start}, {end}) limit {limit}"
                );
            }
        }
    }
}
