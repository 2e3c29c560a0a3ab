//! Reading posts, stories and briefings page by page, for the HTTP API and the dashboard.
//!
//! Paging is by keyset, not offset: a page ends at a post (its publication time and id) and
//! the next page starts after it, so a page costs the same however deep it is and posts
//! arriving meanwhile do not shift what the reader sees.

use jiff::Timestamp;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use super::StoreError;
use super::briefings::BriefingRecord;
pub use super::rows::ListedPost;
use super::rows::{POST_COLUMNS, StoredPost, TAG_COLUMNS, read_listed, read_post};
use super::search::fts_query;
use crate::time::{from_db, to_db};

/// Largest page the API hands out.
pub const MAX_PAGE: usize = 200;

/// Which posts to list: every filter is optional, and all of them apply together.
#[derive(Debug, Clone, Default)]
pub struct PostFilter {
    pub topic: Option<String>,
    pub region: Option<String>,
    pub source: Option<String>,
    /// Full-text words, as `pantau search` takes them.
    pub query: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Start after this post (the previous page's last), newest first.
    pub after: Option<Cursor>,
    pub limit: usize,
}

/// Where a page ended: the last post's publication time and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub published: Timestamp,
    pub id: i64,
}

impl Cursor {
    /// The opaque text handed to clients: `<unix seconds>.<id>`.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.published.as_second(), self.id)
    }

    pub fn decode(text: &str) -> Option<Cursor> {
        let (secs, id) = text.split_once('.')?;
        Some(Cursor {
            published: Timestamp::from_second(secs.parse().ok()?).ok()?,
            id: id.parse().ok()?,
        })
    }
}

/// One page of posts and the cursor of the next (None on the last page).
#[derive(Debug, Clone)]
pub struct Page {
    pub posts: Vec<ListedPost>,
    pub next: Option<Cursor>,
}

impl Page {
    /// The page of `posts`, read with one more than `limit` to tell whether another follows.
    pub(super) fn of(mut posts: Vec<ListedPost>, limit: usize) -> Page {
        let next = if posts.len() > limit {
            posts.truncate(limit);
            posts.last().map(|p| Cursor {
                published: p.post.published,
                id: p.post.id,
            })
        } else {
            None
        };
        Page { posts, next }
    }
}

/// Posts matching `filter`, newest first, one page.
pub(super) fn posts_page(conn: &Connection, filter: &PostFilter) -> Result<Page, StoreError> {
    let limit = filter.limit.clamp(1, MAX_PAGE);
    match page_by_id(conn, filter, limit)? {
        Some(page) => Ok(page),
        None => general_page(conn, filter, limit),
    }
}

/// [`posts_page`] by one query whatever the filters: every match, sorted by time.
fn general_page(conn: &Connection, filter: &PostFilter, limit: usize) -> Result<Page, StoreError> {
    let Some(PageQuery {
        from,
        conditions,
        mut values,
    }) = PageQuery::of(filter)
    else {
        return Ok(Page {
            posts: Vec::new(),
            next: None,
        });
    };
    let where_ = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    // One more than the page, to know whether another page follows.
    values.push(Value::Integer(limit as i64 + 1));
    let sql = format!(
        "SELECT {POST_COLUMNS}, {TAG_COLUMNS}
         FROM {from} {where_} ORDER BY p.published_at DESC, p.id DESC LIMIT ?"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let posts = stmt
        .query_map(params_from_iter(values), read_listed)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::of(posts, limit))
}

/// Posts read by id at a time by [`page_by_id`].
const STEP: usize = 256;

/// Posts [`page_by_id`] looks through for ones that may still belong to the page; past this,
/// the general query is as cheap.
const MAX_CANDIDATES: usize = 2_000;

/// A page of a full-text search or a topic, newest first, without reading every post that
/// matches (a common word or a busy topic has hundreds of thousands of posts in a large store,
/// and sorting them all by time costs in proportion to them). None where the general query
/// answers: no search or topic, or too many candidates (below).
///
/// The search index hands its matches out by post id, and `post_topics_by_topic` a topic's
/// posts likewise, newest id first. Ids are given at the commit, so they follow publication
/// times only roughly: a page cannot simply be the first posts by id. So: read posts by id,
/// with the other filters, until a page (and one more) of them are past the cursor; the last
/// of those, in time order, bounds the rest: only a post with a smaller id that was published
/// at or after that time can still belong to the page, and `posts_by_published` lists those.
/// The search or topic is read again over their range of ids, with the filters, and the page
/// is the best of both, so it is the general query's page exactly.
fn page_by_id(
    conn: &Connection,
    filter: &PostFilter,
    limit: usize,
) -> Result<Option<Page>, StoreError> {
    let Some(by_id) = ById::of(filter) else {
        return Ok(None);
    };
    let after = filter.after.map(|c| (to_db(c.published), c.id));
    let passes = |key: &Key| {
        after
            .as_ref()
            .is_none_or(|a| key.0 < a.0 || (key.0 == a.0 && key.1 < a.1))
    };
    let want = limit + 1;
    let (mut found, below, exhausted) = by_id.newest(conn, want, &passes)?;
    if !exhausted {
        let bound = found[want - 1].clone();
        match outranking(conn, &bound, below, &passes)? {
            Outranking::TooMany => return Ok(None),
            Outranking::None => {}
            Outranking::From(lo) => {
                // Those in the range that outrank the bound are exactly the candidates that
                // match.
                let more = by_id.in_range(conn, lo, below)?;
                found.extend(more.into_iter().filter(|k| *k > bound && passes(k)));
            }
        }
        found.sort_by(|a, b| b.cmp(a));
        found.truncate(want);
    }
    let ids: Vec<Value> = found.iter().map(|k| Value::Integer(k.1)).collect();
    if ids.is_empty() {
        return Ok(Some(Page::of(Vec::new(), limit)));
    }
    let sql = format!(
        "SELECT {POST_COLUMNS}, {TAG_COLUMNS} FROM posts p WHERE p.id IN ({})
         ORDER BY p.published_at DESC, p.id DESC",
        vec!["?"; ids.len()].join(", ")
    );
    let posts = conn
        .prepare(&sql)?
        .query_map(params_from_iter(ids), read_listed)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(Page::of(posts, limit)))
}

/// A post as a page orders it: publication time (database text) and id, newest greatest.
type Key = (String, i64);

/// What hands a page's posts out by id (the search index, or a topic's tags; `?1` its value),
/// and the page's other filters, checked per post.
struct ById {
    from: &'static str,
    id: &'static str,
    matches: &'static str,
    value: String,
    others: Vec<(&'static str, String)>,
}

impl ById {
    /// None without a search or a topic, or with a search that has nothing searchable.
    fn of(filter: &PostFilter) -> Option<ById> {
        let mut by = match (&filter.query, &filter.topic) {
            (Some(words), _) => ById::new(
                "posts_fts d",
                "d.rowid",
                "posts_fts MATCH ?1",
                fts_query(words)?,
            ),
            (None, Some(topic)) => ById::new(
                "post_topics d",
                "d.post_id",
                "d.topic_id = ?1",
                topic.clone(),
            ),
            (None, None) => return None,
        };
        if let (Some(_), Some(topic)) = (&filter.query, &filter.topic) {
            by.others.push((
                "EXISTS (SELECT 1 FROM post_topics t WHERE t.post_id = p.id AND t.topic_id = ?)",
                topic.clone(),
            ));
        }
        if let Some(region) = &filter.region {
            by.others.push((
                "EXISTS (SELECT 1 FROM post_regions r WHERE r.post_id = p.id AND r.region_id = ?)",
                region.clone(),
            ));
        }
        if let Some(source) = &filter.source {
            by.others.push(("p.source_id = ?", source.clone()));
        }
        if let Some(since) = filter.since {
            by.others.push(("p.published_at >= ?", to_db(since)));
        }
        if let Some(until) = filter.until {
            by.others.push(("p.published_at < ?", to_db(until)));
        }
        Some(by)
    }

    fn new(from: &'static str, id: &'static str, matches: &'static str, value: String) -> ById {
        ById {
            from,
            id,
            matches,
            value,
            others: Vec::new(),
        }
    }

    /// Reads posts newest id first, STEP at a time, until `want` of them pass the cursor or
    /// none is left: those, sorted newest first and cut to `want`, the smallest id read, and
    /// whether every post was read.
    fn newest(
        &self,
        conn: &Connection,
        want: usize,
        passes: &impl Fn(&Key) -> bool,
    ) -> Result<(Vec<Key>, i64, bool), StoreError> {
        let (from, id, matches) = (self.from, self.id, self.matches);
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {id}, p.published_at FROM {from} JOIN posts p ON p.id = {id}
             WHERE {matches} AND {id} < ?2{} ORDER BY {id} DESC LIMIT ?3",
            self.conditions(4)
        ))?;
        let mut found = Vec::new();
        let mut below = i64::MAX;
        let exhausted = loop {
            let params = self.values([Value::Integer(below), Value::Integer(STEP as i64)]);
            let step = stmt
                .query_map(params_from_iter(params), read_key)?
                .collect::<Result<Vec<_>, _>>()?;
            // Fewer than asked for: every post has been read.
            let exhausted = step.len() < STEP;
            if let Some(last) = step.last() {
                below = last.1;
            }
            found.extend(step.into_iter().filter(|k| passes(k)));
            if exhausted || found.len() >= want {
                break exhausted;
            }
        };
        found.sort_by(|a, b| b.cmp(a));
        found.truncate(want);
        Ok((found, below, exhausted))
    }

    /// Every post with an id in [lo, below) that passes the filters: one pass of the index
    /// there costs less than a lookup per post (the search index seeks a term's matches
    /// segment by segment for each lookup).
    fn in_range(&self, conn: &Connection, lo: i64, below: i64) -> Result<Vec<Key>, StoreError> {
        let (from, id, matches) = (self.from, self.id, self.matches);
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {id}, p.published_at FROM {from} JOIN posts p ON p.id = {id}
             WHERE {matches} AND {id} >= ?2 AND {id} < ?3{}",
            self.conditions(4)
        ))?;
        let params = self.values([Value::Integer(lo), Value::Integer(below)]);
        Ok(stmt
            .query_map(params_from_iter(params), read_key)?
            .collect::<Result<Vec<_>, _>>()?)
    }

    /// The other filters' conditions, their parameters numbered from `first`.
    fn conditions(&self, first: usize) -> String {
        self.others
            .iter()
            .enumerate()
            .map(|(i, (c, _))| format!(" AND {}", c.replace('?', &format!("?{}", first + i))))
            .collect()
    }

    /// The parameters: the value, then `fixed` (?2, ?3), then the other filters'.
    fn values(&self, fixed: [Value; 2]) -> Vec<Value> {
        std::iter::once(Value::Text(self.value.clone()))
            .chain(fixed)
            .chain(self.others.iter().map(|(_, v)| Value::Text(v.clone())))
            .collect()
    }
}

fn read_key(r: &rusqlite::Row<'_>) -> rusqlite::Result<Key> {
    Ok((r.get(1)?, r.get(0)?))
}

/// Posts with an id below the ones read that would outrank a page's bound, whatever their tags
/// or words.
enum Outranking {
    None,
    /// The smallest id among them.
    From(i64),
    /// More than [`MAX_CANDIDATES`] posts were published since the bound.
    TooMany,
}

/// The posts with an id below `below` that would outrank `bound` and pass the cursor.
fn outranking(
    conn: &Connection,
    bound: &Key,
    below: i64,
    passes: &impl Fn(&Key) -> bool,
) -> Result<Outranking, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT published_at, id FROM posts INDEXED BY posts_by_published
         WHERE published_at >= ?1 AND id < ?2",
    )?;
    let mut rows = stmt.query(rusqlite::params![bound.0, below])?;
    let mut lowest: Option<i64> = None;
    let mut seen = 0;
    while let Some(r) = rows.next()? {
        seen += 1;
        if seen > MAX_CANDIDATES {
            return Ok(Outranking::TooMany);
        }
        let key: Key = (r.get(0)?, r.get(1)?);
        if key > *bound && passes(&key) {
            lowest = Some(lowest.map_or(key.1, |l| l.min(key.1)));
        }
    }
    Ok(lowest.map_or(Outranking::None, Outranking::From))
}

/// The tables and conditions of a page's query, with the conditions' parameters in order.
struct PageQuery {
    from: String,
    conditions: Vec<&'static str>,
    values: Vec<Value>,
}

impl PageQuery {
    /// The query of `filter`'s filters; None when its full-text query has nothing
    /// searchable, so the page is empty.
    fn of(filter: &PostFilter) -> Option<PageQuery> {
        let mut q = PageQuery {
            from: String::from("posts p"),
            conditions: Vec::new(),
            values: Vec::new(),
        };
        if let Some(words) = &filter.query {
            q.from.push_str(" JOIN posts_fts f ON f.rowid = p.id");
            q.add("posts_fts MATCH ?", fts_query(words)?);
        }
        if let Some(topic) = &filter.topic {
            q.add(TOPIC, topic.clone());
        }
        if let Some(region) = &filter.region {
            q.add(REGION, region.clone());
        }
        if let Some(source) = &filter.source {
            q.add("p.source_id = ?", source.clone());
        }
        if let Some(since) = filter.since {
            q.add("p.published_at >= ?", to_db(since));
        }
        if let Some(until) = filter.until {
            q.add("p.published_at < ?", to_db(until));
        }
        if let Some(after) = filter.after {
            q.conditions
                .push("(p.published_at < ? OR (p.published_at = ? AND p.id < ?))");
            let at = to_db(after.published);
            q.values.push(Value::Text(at.clone()));
            q.values.push(Value::Text(at));
            q.values.push(Value::Integer(after.id));
        }
        Some(q)
    }

    /// A condition with one text parameter.
    fn add(&mut self, condition: &'static str, value: String) {
        self.conditions.push(condition);
        self.values.push(Value::Text(value));
    }

    /// The query of an export: its period, and its topic and region as tags the posts are
    /// about or, with `mentioned`, also only name. Without a topic, every post with one.
    fn export(filter: &ExportFilter) -> PageQuery {
        let mut q = PageQuery {
            from: String::from("posts p"),
            conditions: Vec::new(),
            values: Vec::new(),
        };
        match (&filter.topic, filter.mentioned) {
            (Some(t), false) => q.add(TOPIC, t.clone()),
            (Some(t), true) => q.add_twice(TOPIC_OR_MENTIONED, t.clone()),
            (None, false) => q.conditions.push(ANY_TOPIC),
            (None, true) => q.conditions.push(ANY_TOPIC_OR_MENTIONED),
        }
        match (&filter.region, filter.mentioned) {
            (Some(r), false) => q.add(REGION, r.clone()),
            (Some(r), true) => q.add_twice(REGION_OR_MENTIONED, r.clone()),
            (None, _) => {}
        }
        if let Some(since) = filter.since {
            q.add("p.published_at >= ?", to_db(since));
        }
        if let Some(until) = filter.until {
            q.add("p.published_at < ?", to_db(until));
        }
        q
    }

    /// A condition that takes the same text parameter twice.
    fn add_twice(&mut self, condition: &'static str, value: String) {
        self.conditions.push(condition);
        self.values.push(Value::Text(value.clone()));
        self.values.push(Value::Text(value));
    }

    fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }
}

/// Posts about a topic (primary tags: what every count reads).
const TOPIC: &str = "p.id IN (SELECT post_id FROM post_topics WHERE topic_id = ?)";
/// Posts about a region.
const REGION: &str = "p.id IN (SELECT post_id FROM post_regions WHERE region_id = ?)";
/// Posts about a topic or only naming it.
const TOPIC_OR_MENTIONED: &str = "(p.id IN (SELECT post_id FROM post_topics WHERE topic_id = ?)
     OR p.id IN (SELECT post_id FROM post_mentions WHERE kind = 'topic' AND tag_id = ?))";
const REGION_OR_MENTIONED: &str = "(p.id IN (SELECT post_id FROM post_regions WHERE region_id = ?)
     OR p.id IN (SELECT post_id FROM post_mentions WHERE kind = 'region' AND tag_id = ?))";
const ANY_TOPIC: &str = "EXISTS (SELECT 1 FROM post_topics t WHERE t.post_id = p.id)";
const ANY_TOPIC_OR_MENTIONED: &str = "(EXISTS (SELECT 1 FROM post_topics t WHERE t.post_id = p.id)
     OR EXISTS (SELECT 1 FROM post_mentions m WHERE m.post_id = p.id AND m.kind = 'topic'))";

/// Which posts an export hands over (`pantau export`, `GET /api/export`): those with a topic
/// (this one, or any), of a region if one is given, published in the period (half-open).
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    /// None: posts with any topic; posts with none are not exported.
    pub topic: Option<String>,
    pub region: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Also posts that only name the topic or region (`post_mentions`), which no count
    /// reads; by default only posts about them, as every count has it.
    pub mentioned: bool,
}

/// How many posts [`export_posts`] would hand over.
pub(super) fn count_export(conn: &Connection, filter: &ExportFilter) -> Result<u64, StoreError> {
    let q = PageQuery::export(filter);
    let sql = format!("SELECT count(*) FROM {} {}", q.from, q.where_clause());
    let n: i64 = conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(q.values), |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

/// Hands every post matching `filter` to `f`, oldest first (then by id), one row at a time
/// from one statement, so an export of millions of posts holds one in memory. Stops at the
/// first error of `f`, which it returns; else the number of posts handed over.
pub(super) fn export_posts<E: From<StoreError>>(
    conn: &Connection,
    filter: &ExportFilter,
    mut f: impl FnMut(ListedPost) -> Result<(), E>,
) -> Result<u64, E> {
    let q = PageQuery::export(filter);
    let sql = format!(
        "SELECT {POST_COLUMNS}, {TAG_COLUMNS} FROM {} {} ORDER BY p.published_at, p.id",
        q.from,
        q.where_clause()
    );
    let mut stmt = conn.prepare(&sql).map_err(StoreError::from)?;
    let mut rows = stmt
        .query(params_from_iter(q.values))
        .map_err(StoreError::from)?;
    let mut n = 0;
    while let Some(row) = rows.next().map_err(StoreError::from)? {
        f(read_listed(row).map_err(StoreError::from)?)?;
        n += 1;
    }
    Ok(n)
}

/// The posts of a story, earliest first (the origin first), at most `limit`.
pub(super) fn story_posts(
    conn: &Connection,
    story: i64,
    limit: usize,
) -> Result<Vec<StoredPost>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {POST_COLUMNS} FROM posts p WHERE p.story_id = ?1
         ORDER BY p.published_at, p.id LIMIT ?2"
    ))?;
    let rows = stmt.query_map(rusqlite::params![story, limit as i64], read_post)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Written briefings, newest first by the end of their period (at the same end, the shorter
/// period first: Monday's daily before the week it closes), at most `limit`. Not by name: a
/// week's `2026-W49` would sort above every day of 2026.
pub(super) fn briefings(
    conn: &Connection,
    limit: usize,
) -> Result<Vec<BriefingRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {BRIEFING_COLUMNS} FROM briefings
         ORDER BY period_end DESC, period_start DESC, date DESC LIMIT ?1"
    ))?;
    let rows = stmt.query_map([limit as i64], read_briefing)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The briefing of one local date (`YYYY-MM-DD`), if it was written.
pub(super) fn briefing(
    conn: &Connection,
    date: &str,
) -> Result<Option<BriefingRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {BRIEFING_COLUMNS} FROM briefings WHERE date = ?1"
    ))?;
    Ok(stmt.query_row([date], read_briefing).optional()?)
}

const BRIEFING_COLUMNS: &str =
    "date, generated_at, period_start, period_end, dir, issues, posts, keywords_version";

fn read_briefing(r: &rusqlite::Row<'_>) -> rusqlite::Result<BriefingRecord> {
    let at = |i: usize| -> rusqlite::Result<Timestamp> {
        Ok(from_db(&r.get::<_, String>(i)?).unwrap_or(Timestamp::UNIX_EPOCH))
    };
    Ok(BriefingRecord {
        date: r.get(0)?,
        generated_at: at(1)?,
        period_start: at(2)?,
        period_end: at(3)?,
        dir: r.get(4)?,
        issues: r.get::<_, i64>(5)? as u64,
        posts: r.get::<_, i64>(6)? as u64,
        keywords_version: r.get(7)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = Cursor {
            published: Timestamp::from_second(1_764_000_000).unwrap(),
            id: 42,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        for bad in ["", "1764000000", "x.1", "1.y", "99999999999999999.1"] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    /// Posts whose ids follow their times only roughly (late arrivals, back-dated imports,
    /// several posts a second), about a third of them with the searched word.
    fn shuffled_store() -> (tempfile::TempDir, crate::store::SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::store::SqliteStore::open(&dir.path().join("p.db")).unwrap();
        let mut rng = fastrand::Rng::with_seed(7);
        let base = 1_764_000_000;
        let posts: Vec<_> = (0..3000)
            .map(|i| {
                // Mostly in order, some minutes late, a few days back, some at the same second.
                let at = match rng.u8(0..10) {
                    0 => base + i * 30 - rng.i64(0..3 * 86_400),
                    1 | 2 => base + i * 30 - rng.i64(0..600),
                    3 => base + (i - i % 7) * 30,
                    _ => base + i * 30,
                };
                let ts = Timestamp::from_second(at).unwrap();
                let word = if rng.u8(0..3) == 0 { "banjir" } else { "jalan" };
                let text = format!("{word} nomor {i}");
                let post = crate::store::posts::tests::post(
                    "s",
                    &i.to_string(),
                    None,
                    &text,
                    &ts.to_string(),
                );
                // The posts with the word carry its topic; every other post names a region.
                let tags = crate::classify::Tags {
                    topics: (word == "banjir")
                        .then(|| "banjir".into())
                        .into_iter()
                        .collect(),
                    regions: (i % 2 == 0)
                        .then(|| "samarinda".into())
                        .into_iter()
                        .collect(),
                    ..Default::default()
                };
                (post, tags)
            })
            .collect();
        store.insert_posts(&posts, "v").unwrap();
        (dir, store)
    }

    #[test]
    fn a_page_read_by_id_is_the_general_querys_page() {
        let (_dir, store) = shuffled_store();
        let conn = store.connection();
        let since = Timestamp::from_second(1_764_000_000 + 1500 * 30).unwrap();
        let filter = |query: Option<&str>, topic: Option<&str>, region: Option<&str>| PostFilter {
            query: query.map(str::to_owned),
            topic: topic.map(str::to_owned),
            region: region.map(str::to_owned),
            ..Default::default()
        };
        let searches = [
            "banjir",
            "jalan",
            "nomor",
            "banjir OR jalan",
            "tidakada",
            "\"nomor 17\"",
        ];
        let mut filters: Vec<PostFilter> = searches
            .iter()
            .map(|q| filter(Some(q), None, None))
            .collect();
        filters.push(filter(None, Some("banjir"), None));
        filters.push(filter(None, Some("banjir"), Some("samarinda")));
        filters.push(PostFilter {
            since: Some(since),
            ..filter(Some("nomor"), Some("banjir"), None)
        });
        filters.push(PostFilter {
            until: Some(since),
            source: Some("s".into()),
            ..filter(Some("jalan"), None, Some("samarinda"))
        });
        let (mut answered, mut pages) = (0, 0);
        for base in filters {
            for limit in [1, 7, 50, 200] {
                let mut f = PostFilter {
                    limit,
                    ..base.clone()
                };
                let what = format!("{base:?} limit {limit}");
                // Page through everything both ways and compare page by page.
                for page_no in 0.. {
                    let general = general_page(conn, &f, limit).unwrap();
                    let ids = |p: &Page| p.posts.iter().map(|p| p.post.id).collect::<Vec<_>>();
                    // None: too many posts to look through; the general query answers.
                    if let Some(fast) = page_by_id(conn, &f, limit).unwrap() {
                        answered += 1;
                        assert_eq!(ids(&fast), ids(&general), "{what} page {page_no}");
                        assert_eq!(fast.next, general.next, "{what} page {page_no}");
                    }
                    pages += 1;
                    match general.next {
                        Some(next) if page_no < 12 => f.after = Some(next),
                        _ => break,
                    }
                }
            }
        }
        assert!(
            answered * 2 > pages,
            "{answered} of {pages} pages read by id"
        );
        // Neither a search nor a topic leaves the page to the general query.
        let region = PostFilter {
            limit: 10,
            ..filter(None, None, Some("samarinda"))
        };
        assert!(page_by_id(conn, &region, 10).unwrap().is_none());
    }
}
