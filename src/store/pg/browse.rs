//! Browsing on PostgreSQL: posts page by page, stories, briefings, full-text search, export.
//! The SQL of `store::browse`, `store::search`, `store::stories`, `store::briefings` and the
//! counts of `store::posts`, ported so that both backends answer alike, in the same order.
//!
//! Where SQLite's answer depends on an index's order (`group_concat` over a table's primary
//! key), the order is written out, byte-wise (`COLLATE "C"`), whatever the database's locale.
//! Full-text search renders the query SQLite gets from [`fts_query`](crate::store::search)
//! as a `tsquery` ([`ts_query`]) and matches it with the expression of the `posts_search` GIN
//! index, so that the index is used.

use std::sync::LazyLock;

use jiff::Timestamp;
use postgres::Row;
use postgres::types::ToSql;

use crate::model::{Reach, SourceId};
use crate::sources::article::ItemKey;
use crate::store::briefings::{BriefingDelivery, BriefingRecord};
use crate::store::browse::{ExportFilter, ListedPost, MAX_PAGE, Page, PostFilter};
use crate::store::rows::{POST_COLUMN_COUNT, POST_COLUMNS, platform, uncount};
use crate::store::search::{Search, split_filters, ts_query};
use crate::store::{Browse, StoreError, StoredPost, Story, TaggedRow};
use crate::time::{from_db, to_db};

use super::{PgStore, Prepared};

/// The columns after [`POST_COLUMNS`] that [`read_listed`] reads: as `store::rows` has them,
/// each list in the order of its table's primary key, as SQLite's `group_concat` gives it.
const TAG_COLUMNS: &str =
    "(SELECT string_agg(topic_id, ' ' ORDER BY topic_id COLLATE \"C\") FROM post_topics t WHERE t.post_id = p.id),
     (SELECT string_agg(region_id, ' ' ORDER BY region_id COLLATE \"C\") FROM post_regions r WHERE r.post_id = p.id),
     (SELECT string_agg(tag_id, ' ' ORDER BY tag_id COLLATE \"C\") FROM post_mentions m
      WHERE m.post_id = p.id AND m.kind = 'topic'),
     (SELECT string_agg(tag_id, ' ' ORDER BY tag_id COLLATE \"C\") FROM post_mentions m
      WHERE m.post_id = p.id AND m.kind = 'region')";

/// The full-text condition on `posts p`, with the expression of the `posts_search` index
/// (so that the planner uses it); `{}` is the parameter holding the `tsquery` text.
const MATCHES: &str = "to_tsvector('pantau'::regconfig, \
     regexp_replace(coalesce(p.title, '') || ' ' || p.text, '[[:punct:]]+', ' ', 'g')) \
     @@ to_tsquery('pantau'::regconfig, {})";

/// Rows an export or a scan reads from the server at a time: memory stays bounded however
/// many posts match.
const BATCH_ROWS: i32 = 500;

/// A story's posts, oldest first, at most $2.
static STORY_POSTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {POST_COLUMNS} FROM posts p WHERE p.story_id = $1
         ORDER BY p.published_at, p.id LIMIT $2"
    )
});

/// The newest briefings, at most $1.
static BRIEFINGS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {BRIEFING_COLUMNS} FROM briefings
         ORDER BY period_end DESC, period_start DESC, date COLLATE \"C\" DESC LIMIT $1"
    )
});

/// The briefing of date $1.
static BRIEFING: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {BRIEFING_COLUMNS} FROM briefings WHERE date = $1"));

impl Browse for PgStore {
    fn posts_page(&self, filter: &PostFilter) -> Result<Page, StoreError> {
        let limit = filter.limit.clamp(1, MAX_PAGE);
        let Some(mut q) = PageQuery::of(filter) else {
            return Ok(Page {
                posts: Vec::new(),
                next: None,
            });
        };
        // One more than the page, to know whether another page follows.
        let limit_param = q.param(limit as i64 + 1);
        let sql = format!(
            "SELECT {POST_COLUMNS}, {TAG_COLUMNS} FROM posts p {}
             ORDER BY p.published_at DESC, p.id DESC LIMIT {limit_param}",
            q.where_clause()
        );
        let rows = self.client().query(&sql, &q.params())?;
        let posts = rows
            .iter()
            .map(read_listed)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::of(posts, limit))
    }

    fn story_posts(&self, story: i64, limit: usize) -> Result<Vec<StoredPost>, StoreError> {
        let rows = self
            .client()
            .query_prepared(&STORY_POSTS, &[&story, &sql_limit(limit)])?;
        rows.iter().map(read_post).collect()
    }

    fn story(&self, id: i64) -> Result<Option<Story>, StoreError> {
        // The story and the kinds of its sources in one query: the digest asks for the story
        // of every post it lists.
        let Some(r) = self.client().query_opt_prepared(
            "SELECT st.id, st.title, st.first_seen_at, st.last_seen_at, st.first_source_id,
                    st.first_url, st.posts, st.sources,
                    ARRAY(SELECT DISTINCT coalesce(s.kind, 'lain') COLLATE \"C\"
                          FROM story_sources ss LEFT JOIN sources s ON s.id = ss.source_id
                          WHERE ss.story_id = st.id ORDER BY 1)
             FROM stories st WHERE st.id = $1",
            &[&id],
        )?
        else {
            return Ok(None);
        };
        let kinds: Vec<String> = r.try_get(8)?;
        Ok(Some(Story {
            id: r.try_get(0)?,
            title: r.try_get(1)?,
            first_seen: time(&r, 2)?,
            last_seen: time(&r, 3)?,
            first_source: r.try_get(4)?,
            first_url: r.try_get(5)?,
            posts: uncount(r.try_get(6)?),
            sources: uncount(r.try_get(7)?),
            kinds,
        }))
    }

    fn search(&self, search: &Search) -> Result<Vec<ListedPost>, StoreError> {
        let filtered = split_filters(&search.query);
        let query = ts_query(&filtered.words);
        if query.is_none() && filtered.langs.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = PageQuery::new();
        if let Some(query) = query {
            q.add(MATCHES, query);
        }
        q.add(
            "p.published_at >= {}",
            search.since.map_or_else(|| "0000".to_string(), to_db),
        );
        q.add(
            "p.published_at < {}",
            search.until.map_or_else(|| "9999".to_string(), to_db),
        );
        if !filtered.langs.is_empty() {
            // A stored tag matches by its primary subtag.
            let langs = q.param(filtered.langs);
            q.conditions.push(format!(
                "EXISTS (SELECT 1 FROM unnest({langs}::text[]) j(value)
                         WHERE lower(p.lang) = j.value OR lower(p.lang) LIKE j.value || '-%')"
            ));
        }
        let limit = q.param(sql_limit(search.limit.max(1)));
        let sql = format!(
            "SELECT {POST_COLUMNS}, {TAG_COLUMNS} FROM posts p {}
             ORDER BY p.published_at DESC, p.id DESC LIMIT {limit}",
            q.where_clause()
        );
        let rows = self.client().query(&sql, &q.params())?;
        rows.iter().map(read_listed).collect()
    }

    fn briefings(&self, limit: usize) -> Result<Vec<BriefingRecord>, StoreError> {
        let rows = self
            .client()
            .query_prepared(&BRIEFINGS, &[&sql_limit(limit)])?;
        rows.iter().map(read_briefing).collect()
    }

    fn briefing(&self, date: &str) -> Result<Option<BriefingRecord>, StoreError> {
        let row = self.client().query_opt_prepared(&BRIEFING, &[&date])?;
        row.as_ref().map(read_briefing).transpose()
    }

    fn briefing_deliveries(&self, date: &str) -> Result<Vec<BriefingDelivery>, StoreError> {
        let rows = self.client().query_prepared(
            "SELECT date, sink, recipient, attempt, error, at FROM briefing_deliveries
             WHERE date = $1 ORDER BY id",
            &[&date],
        )?;
        rows.iter().map(read_delivery).collect()
    }

    fn failed_briefing_deliveries(&self) -> Result<Vec<BriefingDelivery>, StoreError> {
        // SQLite's `strftime(…, MAX(at), '-1 day')`: 24 hours before the newest try, in the
        // stored form (UTC, whatever the session's time zone).
        let rows = self.client().query_prepared(
            "SELECT date, sink, recipient, attempt, error, at FROM briefing_deliveries
             WHERE id IN (SELECT MAX(id) FROM briefing_deliveries
                          GROUP BY date, sink, recipient
                          HAVING MAX(at) >= (SELECT to_char((MAX(at)::timestamptz AT TIME ZONE 'UTC')
                                                            - interval '24 hours',
                                                            'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
                                             FROM briefing_deliveries))
               AND ok = 0
             ORDER BY at COLLATE \"C\", sink COLLATE \"C\", recipient COLLATE \"C\"",
            &[],
        )?;
        rows.iter().map(read_delivery).collect()
    }

    fn count_posts(&self) -> Result<u64, StoreError> {
        count(self, "SELECT count(*) FROM posts", &[])
    }

    fn stored_items(&self, source: &SourceId, items: &[ItemKey]) -> Result<Vec<bool>, StoreError> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        // One round trip for the whole list: by the source's id for the item, else by URL key.
        let ids: Vec<&str> = items.iter().map(|i| i.external_id.as_str()).collect();
        let urls: Vec<Option<&str>> = items.iter().map(|i| i.url.as_deref()).collect();
        let rows = self.client().query_prepared(
            "SELECT EXISTS (SELECT 1 FROM posts WHERE source_id = $1 AND external_id = i.id)
                    OR (i.url IS NOT NULL
                        AND EXISTS (SELECT 1 FROM posts WHERE url = i.url AND url_is_key = 1))
             FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS i(id, url, n)
             ORDER BY i.n",
            &[&source.as_str(), &ids, &urls],
        )?;
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?)
    }

    fn count_tagged_posts(&self) -> Result<u64, StoreError> {
        count(self, "SELECT count(DISTINCT post_id) FROM post_topics", &[])
    }

    fn count_posts_since(&self, since: Timestamp) -> Result<u64, StoreError> {
        count(
            self,
            "SELECT count(*) FROM posts WHERE published_at >= $1",
            &[&to_db(since)],
        )
    }

    fn scan_posts(&self, since: Timestamp, mut f: impl FnMut(TaggedRow)) -> Result<(), StoreError> {
        let since = to_db(since);
        let sql = "SELECT p.id, p.source_id, p.title, p.text, p.author, p.lang, p.published_at,
                (SELECT string_agg(topic_id, ' ' ORDER BY topic_id COLLATE \"C\")
                 FROM post_topics t WHERE t.post_id = p.id)
             FROM posts p WHERE p.published_at >= $1 ORDER BY p.published_at, p.id";
        self.each_row(sql, &[&since], |r| {
            f(read_tagged(r)?);
            Ok::<_, StoreError>(())
        })?;
        Ok(())
    }

    fn count_export(&self, filter: &ExportFilter) -> Result<u64, StoreError> {
        let q = PageQuery::export(filter);
        let sql = format!("SELECT count(*) FROM posts p {}", q.where_clause());
        let n: i64 = self.client().query_one(&sql, &q.params())?.try_get(0)?;
        Ok(uncount(n))
    }

    fn export_posts<E: From<StoreError>>(
        &self,
        filter: &ExportFilter,
        mut f: impl FnMut(ListedPost) -> Result<(), E>,
    ) -> Result<u64, E> {
        let q = PageQuery::export(filter);
        let sql = format!(
            "SELECT {POST_COLUMNS}, {TAG_COLUMNS} FROM posts p {} ORDER BY p.published_at, p.id",
            q.where_clause()
        );
        self.each_row(&sql, &q.params(), |r| f(read_listed(r)?))
    }
}

impl PgStore {
    /// Hands every row of `sql` to `f` in order, [`BATCH_ROWS`] fetched at a time through a
    /// portal of one read transaction (one snapshot, memory bounded); stops at `f`'s first
    /// error. Returns the number of rows handed over.
    ///
    /// The connection is held meanwhile: `f` must not use this store.
    fn each_row<E: From<StoreError>>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        mut f: impl FnMut(&Row) -> Result<(), E>,
    ) -> Result<u64, E> {
        let mut c = self.client();
        let mut tx = c.transaction().map_err(StoreError::from)?;
        let portal = tx.bind(sql, params).map_err(StoreError::from)?;
        let mut n = 0;
        loop {
            let rows = tx
                .query_portal(&portal, BATCH_ROWS)
                .map_err(StoreError::from)?;
            for row in &rows {
                f(row)?;
                n += 1;
            }
            if rows.len() < BATCH_ROWS as usize {
                break;
            }
        }
        // Only read: ending it either way is the same; commit says it went well.
        tx.commit().map_err(StoreError::from)?;
        Ok(n)
    }
}

/// The number the one-row, one-column `sql` counts.
fn count(
    store: &PgStore,
    sql: &'static str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, StoreError> {
    let n: i64 = store.client().query_one_prepared(sql, params)?.try_get(0)?;
    Ok(uncount(n))
}

/// A limit as SQL takes it: SQLite reads `usize::MAX as i64` (-1) as none, PostgreSQL refuses
/// a negative one, so the largest is the largest `BIGINT`.
fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// The conditions of a query over `posts p`, with their parameters in order: each condition
/// holds `{}` where its parameter goes, numbered as it is added.
struct PageQuery {
    conditions: Vec<String>,
    values: Vec<Box<dyn ToSql + Sync>>,
}

impl PageQuery {
    fn new() -> PageQuery {
        PageQuery {
            conditions: Vec::new(),
            values: Vec::new(),
        }
    }

    /// The query of `filter`'s filters (`store::browse`'s, condition for condition); None
    /// when its full-text query has nothing searchable, so the page is empty.
    fn of(filter: &PostFilter) -> Option<PageQuery> {
        let mut q = PageQuery::new();
        if let Some(words) = &filter.query {
            q.add(MATCHES, ts_query(words)?);
        }
        if let Some(topic) = &filter.topic {
            q.add(TOPIC, topic.clone());
        }
        if let Some(region) = &filter.region {
            q.add(REGION, region.clone());
        }
        if let Some(source) = &filter.source {
            q.add("p.source_id = {}", source.clone());
        }
        if let Some(since) = filter.since {
            q.add("p.published_at >= {}", to_db(since));
        }
        if let Some(until) = filter.until {
            q.add("p.published_at < {}", to_db(until));
        }
        if let Some(after) = filter.after {
            let at = q.param(to_db(after.published));
            let id = q.param(after.id);
            q.conditions.push(format!(
                "(p.published_at < {at} OR (p.published_at = {at} AND p.id < {id}))"
            ));
        }
        Some(q)
    }

    /// The query of an export, as `store::browse` has it.
    fn export(filter: &ExportFilter) -> PageQuery {
        let mut q = PageQuery::new();
        match (&filter.topic, filter.mentioned) {
            (Some(t), false) => q.add(TOPIC, t.clone()),
            (Some(t), true) => q.add(TOPIC_OR_MENTIONED, t.clone()),
            (None, false) => q.conditions.push(ANY_TOPIC.to_string()),
            (None, true) => q.conditions.push(ANY_TOPIC_OR_MENTIONED.to_string()),
        }
        match (&filter.region, filter.mentioned) {
            (Some(r), false) => q.add(REGION, r.clone()),
            (Some(r), true) => q.add(REGION_OR_MENTIONED, r.clone()),
            (None, _) => {}
        }
        if let Some(since) = filter.since {
            q.add("p.published_at >= {}", to_db(since));
        }
        if let Some(until) = filter.until {
            q.add("p.published_at < {}", to_db(until));
        }
        q
    }

    /// The next parameter, as `$n`.
    fn param(&mut self, value: impl ToSql + Sync + 'static) -> String {
        self.values.push(Box::new(value));
        format!("${}", self.values.len())
    }

    /// A condition whose every `{}` is one new text parameter.
    fn add(&mut self, condition: &str, value: String) {
        let placeholder = self.param(value);
        self.conditions.push(condition.replace("{}", &placeholder));
    }

    fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }

    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.values.iter().map(|v| v.as_ref() as _).collect()
    }
}

/// Posts about a topic (primary tags: what every count reads).
const TOPIC: &str = "p.id IN (SELECT post_id FROM post_topics WHERE topic_id = {})";
/// Posts about a region.
const REGION: &str = "p.id IN (SELECT post_id FROM post_regions WHERE region_id = {})";
/// Posts about a topic or only naming it.
const TOPIC_OR_MENTIONED: &str = "(p.id IN (SELECT post_id FROM post_topics WHERE topic_id = {})
     OR p.id IN (SELECT post_id FROM post_mentions WHERE kind = 'topic' AND tag_id = {}))";
const REGION_OR_MENTIONED: &str = "(p.id IN (SELECT post_id FROM post_regions WHERE region_id = {})
     OR p.id IN (SELECT post_id FROM post_mentions WHERE kind = 'region' AND tag_id = {}))";
const ANY_TOPIC: &str = "EXISTS (SELECT 1 FROM post_topics t WHERE t.post_id = p.id)";
const ANY_TOPIC_OR_MENTIONED: &str = "(EXISTS (SELECT 1 FROM post_topics t WHERE t.post_id = p.id)
     OR EXISTS (SELECT 1 FROM post_mentions m WHERE m.post_id = p.id AND m.kind = 'topic'))";

/// A stored time; a malformed one reads as the epoch, as on SQLite.
fn time(r: &Row, i: usize) -> Result<Timestamp, StoreError> {
    Ok(from_db(r.try_get(i)?).unwrap_or(Timestamp::UNIX_EPOCH))
}

/// A [`StoredPost`] from a row that starts with [`POST_COLUMNS`] (`store::rows::read_post`).
pub(super) fn read_post(r: &Row) -> Result<StoredPost, StoreError> {
    let count = |i: usize| -> Result<Option<u64>, StoreError> {
        Ok(r.try_get::<_, Option<i64>>(i)?.map(uncount))
    };
    Ok(StoredPost {
        id: r.try_get(0)?,
        source: SourceId::new(r.try_get::<_, String>(1)?),
        url: r.try_get(2)?,
        title: r.try_get(3)?,
        text: r.try_get(4)?,
        author: r.try_get(5)?,
        published: time(r, 6)?,
        sentiment: r.try_get(7)?,
        sentiment_score: r.try_get(16)?,
        story: r.try_get(8)?,
        platform: platform(r.try_get(9)?, r.try_get(10)?),
        reach: Reach {
            likes: count(11)?,
            shares: uncount(r.try_get(12)?),
            comments: count(13)?,
            views: count(14)?,
            followers: count(15)?,
        },
    })
}

/// A [`ListedPost`] from a row of [`POST_COLUMNS`] and then [`TAG_COLUMNS`].
fn read_listed(r: &Row) -> Result<ListedPost, StoreError> {
    Ok(ListedPost {
        post: read_post(r)?,
        topics: words(r, POST_COLUMN_COUNT)?,
        regions: words(r, POST_COLUMN_COUNT + 1)?,
        mentioned_topics: words(r, POST_COLUMN_COUNT + 2)?,
        mentioned_regions: words(r, POST_COLUMN_COUNT + 3)?,
    })
}

/// A space-separated list (NULL: none).
fn words(r: &Row, i: usize) -> Result<Vec<String>, StoreError> {
    Ok(r.try_get::<_, Option<String>>(i)?
        .map(|s| s.split(' ').map(str::to_owned).collect())
        .unwrap_or_default())
}

fn read_tagged(r: &Row) -> Result<TaggedRow, StoreError> {
    Ok(TaggedRow {
        id: r.try_get(0)?,
        source: SourceId::new(r.try_get::<_, String>(1)?),
        title: r.try_get(2)?,
        text: r.try_get(3)?,
        author: r.try_get(4)?,
        lang: r.try_get(5)?,
        published: time(r, 6)?,
        topics: words(r, 7)?,
    })
}

const BRIEFING_COLUMNS: &str =
    "date, generated_at, period_start, period_end, dir, issues, posts, keywords_version";

fn read_briefing(r: &Row) -> Result<BriefingRecord, StoreError> {
    Ok(BriefingRecord {
        date: r.try_get(0)?,
        generated_at: time(r, 1)?,
        period_start: time(r, 2)?,
        period_end: time(r, 3)?,
        dir: r.try_get(4)?,
        issues: r.try_get::<_, i64>(5)? as u64,
        posts: r.try_get::<_, i64>(6)? as u64,
        // NOT NULL in practice (every briefing records its lists' version); the column allows
        // NULL, which reads as no version rather than failing the list.
        keywords_version: r.try_get::<_, Option<String>>(7)?.unwrap_or_default(),
    })
}

fn read_delivery(r: &Row) -> Result<BriefingDelivery, StoreError> {
    Ok(BriefingDelivery {
        date: r.try_get(0)?,
        sink: r.try_get(1)?,
        recipient: r.try_get(2)?,
        attempt: u32::try_from(r.try_get::<_, i64>(3)?).unwrap_or(u32::MAX),
        error: r.try_get(4)?,
        at: time(r, 5)?,
    })
}

#[cfg(test)]
mod tests;
