//! Writing polls: posts with their tags, hourly counts, rollups, the source's cursor and health,
//! and the fetch log, all in one transaction; the full-text index and story placement follow
//! behind the commit ([`super::pending`]). A post seen again (same source id, same canonical URL
//! from any source, or the same normalised text from the same source) is ignored by the
//! unique indexes, so it is stored and counted once. Also the plain reads of `posts` (counts,
//! and the scan `keywords backtest` runs).
//!
//! The SQLite side of [`super::Writes`]' post methods and of some of [`super::Browse`]'s: the
//! trait implementations (`store::sqlite`) call these functions with the store's connection.

use std::borrow::Cow;
use std::collections::HashMap;

use jiff::Timestamp;
use rusqlite::{CachedStatement, Connection, Transaction, TransactionBehavior, params};

use super::{StoreError, reach, rollups};
use crate::classify::Tags;
use crate::model::Attempt;
use crate::model::Cursor;
use crate::model::{Post, Reach, SourceId};
use crate::sources::article::ItemKey;
use crate::stories::Fingerprint;
use crate::time::{hour_bucket, to_db};

/// A successful poll: its posts (already classified) and the cursor to commit with them.
#[derive(Debug, Clone)]
pub struct Ingest {
    pub source: SourceId,
    pub posts: Vec<(Post, Tags)>,
    pub cursor: Cursor,
    pub attempt: Attempt,
    pub items_found: usize,
    pub not_modified: bool,
    pub keywords_version: String,
}

/// A failed poll, for the source's health record.
#[derive(Debug, Clone)]
pub struct Failure {
    pub source: SourceId,
    pub attempt: Attempt,
    pub class: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub enum Write {
    Ingest(Ingest),
    Failure(Failure),
}

/// The fingerprints of the posts a transaction left for the step behind the commit
/// ([`super::pending`]), by post id.
pub(super) type Placing = Vec<(i64, Fingerprint)>;

/// Commits `writes` in one transaction; returns the number of new posts of each.
pub(super) fn write(
    conn: &mut Connection,
    writes: &[Write],
) -> Result<(Vec<usize>, Placing), StoreError> {
    store_batch(conn, |tx, batch| {
        let mut out = Vec::with_capacity(writes.len());
        for w in writes {
            out.push(match w {
                Write::Ingest(i) => ingest(tx, i, batch)?,
                Write::Failure(f) => {
                    failure(tx, f)?;
                    0
                }
            });
        }
        Ok(out)
    })
}

/// Runs `f` in one write transaction with a [`Batch`], finished before the commit.
///
/// The transaction takes the write lock when it begins (IMMEDIATE): the batch numbers its
/// posts from the largest stored id, which only holds while no other writer can commit;
/// another writer (`pantau import` beside the daemon) waits its busy timeout instead. A
/// deferred transaction took the lock at its first insert, and failed there ("database
/// is locked") whenever another writer had committed since its first read.
///
/// Foreign keys are not checked meanwhile (the pragma only changes outside a
/// transaction, so it is set around it and always set back, committed or not: pruning's
/// deletes cascade through them). A batch writes a post's tags after the post, and a
/// story's keys, sources and topics after the story row or a read of it, all in this
/// transaction; the lookup of the parent row for each child row re-checked only that,
/// and cost a fifth of the time of storing a batch (store_batched 260 → 200 ms). The
/// tests hold the result to `PRAGMA foreign_key_check`.
fn store_batch<'a, T>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>, &mut Batch<'a>) -> Result<T, StoreError>,
) -> Result<(T, Placing), StoreError> {
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let out: Result<(T, Placing), StoreError> = (|| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut batch = Batch::start(&tx)?;
        let out = f(&tx, &mut batch)?;
        let placing = batch.finish(&tx)?;
        tx.commit()?;
        Ok((out, placing))
    })();
    // A failed batch has rolled back (its transaction is dropped) by now.
    let on = conn.pragma_update(None, "foreign_keys", "ON");
    let out = out?;
    on?;
    Ok(out)
}

/// Stores posts outside any poll (tests, imports): no cursor or health change.
pub(super) fn insert_posts(
    conn: &mut Connection,
    posts: &[(Post, Tags)],
    keywords_version: &str,
) -> Result<(usize, Placing), StoreError> {
    store_batch(conn, |tx, batch| {
        insert_all(tx, posts, keywords_version, batch)
    })
}

/// Stores pushed posts in one transaction, each source's group after the other, and gives
/// each source a row in `sources` ([`pushed_source`]); counts the new posts per source in the
/// metrics once committed.
pub(super) fn insert_pushed(
    conn: &mut Connection,
    kind: &str,
    origin: &str,
    posts: &[(Post, Tags)],
    keywords_version: &str,
) -> Result<(usize, Placing), StoreError> {
    let by_source = by_source(posts);
    let now = to_db(Timestamp::now());
    let (new_by_source, placing) = store_batch(conn, |tx, batch| {
        let mut new_by_source = Vec::with_capacity(by_source.len());
        for (source, group) in &by_source {
            let new = insert_all(tx, group, keywords_version, batch)?;
            new_by_source.push((source.as_str(), new));
            pushed_source(tx, source, kind, origin, &now, new)?;
        }
        Ok(new_by_source)
    })?;
    for (source, new) in &new_by_source {
        crate::metrics::global().ingested(source, *new);
    }
    Ok((new_by_source.iter().map(|(_, n)| n).sum(), placing))
}

/// Pushed posts grouped by source, in the order each source first appears: each group is
/// stored after the other.
pub(super) fn by_source(posts: &[(Post, Tags)]) -> Vec<(&SourceId, Vec<(Post, Tags)>)> {
    let mut by_source: Vec<(&SourceId, Vec<(Post, Tags)>)> = Vec::new();
    for (post, tags) in posts {
        match by_source.iter_mut().find(|(s, _)| *s == &post.source) {
            Some((_, group)) => group.push((post.clone(), tags.clone())),
            None => by_source.push((&post.source, vec![(post.clone(), tags.clone())])),
        }
    }
    by_source
}

/// Number of stored posts.
pub(super) fn count_posts(conn: &Connection) -> Result<u64, StoreError> {
    Ok(conn.query_row("SELECT count(*) FROM posts", [], |r| r.get::<_, i64>(0))? as u64)
}

/// Number of stored posts with at least one topic.
pub(super) fn count_tagged_posts(conn: &Connection) -> Result<u64, StoreError> {
    Ok(
        conn.query_row("SELECT count(DISTINCT post_id) FROM post_topics", [], |r| {
            r.get::<_, i64>(0)
        })? as u64,
    )
}

/// A post with its stored tags, as re-examined by `keywords backtest` and `keywords suggest`.
#[derive(Debug, Clone)]
pub struct TaggedRow {
    pub id: i64,
    pub source: SourceId,
    pub title: Option<String>,
    pub text: String,
    pub author: Option<String>,
    pub lang: Option<String>,
    pub published: Timestamp,
    /// Topic ids as stored (tagged by the lists of `keywords_version`).
    pub topics: Vec<String>,
}

/// Number of posts published since `since`.
pub(super) fn count_posts_since(conn: &Connection, since: Timestamp) -> Result<u64, StoreError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM posts WHERE published_at >= ?1",
        [to_db(since)],
        |r| r.get::<_, i64>(0),
    )? as u64)
}

/// Calls `f` for every post published since `since`, oldest first, with its stored topics,
/// row by row.
pub(super) fn scan_posts(
    conn: &Connection,
    since: Timestamp,
    mut f: impl FnMut(TaggedRow),
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare(
        "SELECT p.id, p.source_id, p.title, p.text, p.author, p.lang, p.published_at,
                (SELECT group_concat(topic_id, ' ') FROM post_topics t WHERE t.post_id = p.id)
         FROM posts p WHERE p.published_at >= ?1 ORDER BY p.published_at, p.id",
    )?;
    let mut rows = stmt.query([to_db(since)])?;
    while let Some(r) = rows.next()? {
        let published: String = r.get(6)?;
        let topics: Option<String> = r.get(7)?;
        f(TaggedRow {
            id: r.get(0)?,
            source: SourceId::new(r.get::<_, String>(1)?),
            title: r.get(2)?,
            text: r.get(3)?,
            author: r.get(4)?,
            lang: r.get(5)?,
            published: crate::time::from_db(&published).unwrap_or(Timestamp::UNIX_EPOCH),
            topics: topics
                .map(|t| t.split(' ').map(str::to_owned).collect())
                .unwrap_or_default(),
        });
    }
    Ok(())
}

fn ingest<'a>(
    tx: &Transaction<'_>,
    i: &'a Ingest,
    batch: &mut Batch<'a>,
) -> Result<usize, StoreError> {
    let new = insert_all(tx, &i.posts, &i.keywords_version, batch)?;
    let cursor = serde_json::to_string(&i.cursor).expect("a cursor always serialises");
    tx.prepare_cached(
        "UPDATE sources SET cursor = ?2, last_attempt_at = ?3, last_success_at = ?3,
             consecutive_failures = 0, last_error_class = NULL, last_error = NULL,
             next_attempt_at = ?4, items_seen = items_seen + ?5
         WHERE id = ?1",
    )?
    .execute(params![
        i.source.as_str(),
        cursor,
        to_db(i.attempt.started),
        to_db(i.attempt.next_attempt),
        new as i64
    ])?;
    let status = if i.not_modified { "not_modified" } else { "ok" };
    log_fetch(
        tx,
        &i.source,
        &i.attempt,
        status,
        i.items_found,
        new,
        None,
        None,
    )?;
    Ok(new)
}

/// Records a push of `new` posts from `source` in `sources` (see [`super::Writes::insert_pushed`]).
fn pushed_source(
    tx: &Transaction<'_>,
    source: &SourceId,
    kind: &str,
    origin: &str,
    now: &str,
    new: usize,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO sources (id, kind, url, last_attempt_at, last_success_at, items_seen)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET
             kind = excluded.kind, url = excluded.url,
             last_attempt_at = excluded.last_attempt_at,
             last_success_at = excluded.last_success_at,
             items_seen = sources.items_seen + excluded.items_seen
         WHERE sources.kind IN ('import', 'ingest')",
    )?
    .execute(params![source.as_str(), kind, origin, now, new as i64])?;
    Ok(())
}

fn failure(tx: &Transaction<'_>, f: &Failure) -> Result<(), StoreError> {
    tx.prepare_cached(
        "UPDATE sources SET last_attempt_at = ?2, consecutive_failures = consecutive_failures + 1,
             last_error_class = ?3, last_error = ?4, next_attempt_at = ?5
         WHERE id = ?1",
    )?
    .execute(params![
        f.source.as_str(),
        to_db(f.attempt.started),
        f.class,
        f.message,
        to_db(f.attempt.next_attempt)
    ])?;
    log_fetch(
        tx,
        &f.source,
        &f.attempt,
        "error",
        0,
        0,
        Some(&f.class),
        Some(&f.message),
    )?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn log_fetch(
    tx: &Transaction<'_>,
    source: &SourceId,
    attempt: &Attempt,
    status: &str,
    found: usize,
    new: usize,
    class: Option<&str>,
    error: Option<&str>,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO fetch_log (source_id, started_at, duration_ms, status, items_found, items_new, error_class, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        source.as_str(),
        to_db(attempt.started),
        attempt.duration.as_millis() as i64,
        status,
        found as i64,
        new as i64,
        class,
        error
    ])?;
    Ok(())
}

/// Whether each item is stored: by `source` and its id, or by its URL as a URL key.
pub(super) fn stored_items(
    conn: &Connection,
    source: &SourceId,
    items: &[ItemKey],
) -> Result<Vec<bool>, StoreError> {
    let mut by_id =
        conn.prepare_cached("SELECT 1 FROM posts WHERE source_id = ?1 AND external_id = ?2")?;
    let mut by_url =
        conn.prepare_cached("SELECT 1 FROM posts WHERE url = ?1 AND url_is_key = 1")?;
    items
        .iter()
        .map(|item| {
            if by_id.exists(params![source.as_str(), item.external_id])? {
                return Ok(true);
            }
            match &item.url {
                Some(url) => Ok(by_url.exists([url])?),
                None => Ok(false),
            }
        })
        .collect()
}

/// The URL a post is de-duplicated by, across sources. None for a site's front page, and for a
/// URL several different items of the same batch share (a feed that links every item to its
/// home page would otherwise keep only its first item).
pub(super) fn url_keys(posts: &[(Post, Tags)]) -> Vec<Option<&str>> {
    let mut ids_per_url: HashMap<&str, Vec<&str>> = HashMap::new();
    for (p, _) in posts {
        if let Some(u) = p.url.as_deref() {
            let ids = ids_per_url.entry(u).or_default();
            if !ids.contains(&p.external_id.as_str()) {
                ids.push(&p.external_id);
            }
        }
    }
    posts
        .iter()
        .map(|(p, _)| {
            let url = p.url.as_deref()?;
            let front_page = url::Url::parse(url)
                .map(|u| matches!(u.path(), "" | "/") && u.query().is_none())
                .unwrap_or(true);
            (!front_page && ids_per_url[url].len() == 1).then_some(url)
        })
        .collect()
}

/// Stores `posts` (one poll's, or one source's pushed posts) in `batch`'s transaction; returns
/// how many were new.
fn insert_all<'a>(
    tx: &Transaction<'_>,
    posts: &'a [(Post, Tags)],
    keywords_version: &str,
    batch: &mut Batch<'a>,
) -> Result<usize, StoreError> {
    let url_keys = url_keys(posts);
    let mut statements = PostStatements::prepare(tx)?;
    let mut new = 0;
    for ((post, tags), url_key) in posts.iter().zip(url_keys) {
        let row = NewPost {
            post,
            tags,
            url_is_key: url_key.is_some(),
            keywords_version,
            id: batch.next_post_id,
        };
        if !statements.insert(&row)? {
            if post.reach != Reach::default() {
                reach::seen_again(tx, post, &mut batch.reach)?;
            }
            continue;
        }
        new += 1;
        batch.next_post_id += 1;
        batch.rollups.add(post, tags);
        batch.reach.add(row.id, post, tags);
        // A post with a fingerprint is placed in its story behind the commit
        // (`store::pending`), which counts the story then; one without words is its own story.
        let placing = fingerprint(post, tags);
        if let Some(fp) = &placing {
            statements.pending(row.id, tags)?;
            batch.placing.push((row.id, fp.clone().into_owned()));
        }
        statements.tag(row.id, post, tags, placing.is_none(), batch)?;
    }
    Ok(new)
}

/// Hex digits of [`Post::text_hash`] the store keeps (64 bits): the chance that any two of a
/// million texts from one source collide is 1 in 37 million (n²/2 of 2^64), and the column
/// and its unique index cost 32 bytes a post less than the whole hash. A collision would keep
/// the second text out as a copy of the first.
pub const STORED_HASH_DIGITS: usize = 16;

/// The normalised text hash a post is de-duplicated by within its source, as stored: the one
/// its tags bring (computed with them), else computed here, cut to [`STORED_HASH_DIGITS`].
pub(super) fn text_hash<'a>(post: &Post, tags: &'a Tags) -> Cow<'a, str> {
    let cut = |s: &str| s.get(..STORED_HASH_DIGITS).map_or(s.len(), str::len);
    match tags.text_hash.as_deref() {
        Some(hash) => Cow::Borrowed(&hash[..cut(hash)]),
        None => {
            let mut hash = post.text_hash();
            hash.truncate(cut(&hash));
            Cow::Owned(hash)
        }
    }
}

/// One post about to be stored, with what its row holds besides the post and its tags.
struct NewPost<'p> {
    post: &'p Post,
    tags: &'p Tags,
    /// Whether it is de-duplicated by its URL across sources ([`url_keys`]).
    url_is_key: bool,
    keywords_version: &'p str,
    /// The id it takes if it is new ([`Batch::next_post_id`]).
    id: i64,
}

/// The statements [`insert_all`] runs for every post, prepared once per call.
struct PostStatements<'tx> {
    insert: CachedStatement<'tx>,
    topic: CachedStatement<'tx>,
    region: CachedStatement<'tx>,
    mention: CachedStatement<'tx>,
    pending: CachedStatement<'tx>,
}

impl<'tx> PostStatements<'tx> {
    fn prepare(tx: &'tx Transaction<'_>) -> Result<PostStatements<'tx>, StoreError> {
        Ok(PostStatements {
            insert: tx.prepare_cached(
                "INSERT OR IGNORE INTO posts (source_id, external_id, url, url_is_key, title, text, author, lang,
                     published_at, fetched_at, text_hash, sentiment, sentiment_score, keywords_version, shares,
                     id, story_id, platform, likes, comments, views, followers)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                         ?18, ?19, ?20, ?21, ?22)",
            )?,
            topic: tx.prepare_cached(
                "INSERT OR IGNORE INTO post_topics (post_id, topic_id) VALUES (?1, ?2)",
            )?,
            region: tx.prepare_cached(
                "INSERT OR IGNORE INTO post_regions (post_id, region_id) VALUES (?1, ?2)",
            )?,
            mention: tx.prepare_cached(
                "INSERT OR IGNORE INTO post_mentions (post_id, kind, tag_id, weight)
                 VALUES (?1, ?2, ?3, ?4)",
            )?,
            pending: tx
                .prepare_cached("INSERT INTO pending_stories (post_id, areas) VALUES (?1, ?2)")?,
        })
    }

    /// Leaves the new post `id` for story placement behind the commit, with the areas its
    /// story is counted in (region ids hold no spaces).
    fn pending(&mut self, id: i64, tags: &Tags) -> Result<(), StoreError> {
        let areas: Vec<&str> = tags.areas.iter().map(|a| a.as_str()).collect();
        self.pending.execute(params![id, areas.join(" ")])?;
        Ok(())
    }

    /// Inserts the post's row; false when the post was stored before (then only its reach
    /// changes: [`reach::seen_again`]).
    fn insert(&mut self, row: &NewPost<'_>) -> Result<bool, StoreError> {
        let (post, tags) = (row.post, row.tags);
        let reach = post.reach;
        let changed = self.insert.execute(params![
            post.source.as_str(),
            post.external_id,
            post.url,
            row.url_is_key,
            post.title,
            post.text,
            post.author,
            post.lang,
            to_db(post.published),
            to_db(post.fetched),
            text_hash(post, tags),
            tags.sentiment.map(|(c, _)| c.as_str()),
            tags.sentiment.map(|(_, s)| s),
            row.keywords_version,
            count(reach.shares),
            row.id,
            Option::<i64>::None,
            post.platform.as_ref().map(|p| p.as_str()),
            reach.likes.map(count),
            reach.comments.map(count),
            reach.views.map(count),
            reach.followers.map(count),
        ])?;
        Ok(changed > 0)
    }

    /// Writes the topics and regions of the new post `id` (the primary ones, and those only
    /// mentioned apart), and counts the primary ones in the batch's hourly counts per topic
    /// and area; `own_story` counts a story with it (a post that no story placement waits
    /// for: see [`super::pending`]).
    fn tag<'a>(
        &mut self,
        id: i64,
        post: &Post,
        tags: &'a Tags,
        own_story: bool,
        batch: &mut Batch<'a>,
    ) -> Result<(), StoreError> {
        let hour = hour_bucket(post.published);
        for t in &tags.topics {
            self.topic.execute(params![id, t.as_str()])?;
            for area in std::iter::once("*").chain(tags.areas.iter().map(|a| a.as_str())) {
                batch
                    .hourly
                    .add(t.as_str(), area, hour, 1, i64::from(own_story));
            }
        }
        for r in &tags.regions {
            self.region.execute(params![id, r.as_str()])?;
        }
        for (t, weight) in &tags.mentioned_topics {
            self.mention
                .execute(params![id, "topic", t.as_str(), f64::from(*weight)])?;
        }
        for (r, weight) in &tags.mentioned_regions {
            self.mention
                .execute(params![id, "region", r.as_str(), f64::from(*weight)])?;
        }
        Ok(())
    }
}

/// What one transaction derives from the posts it stores, held in memory and written once,
/// in key order, when it ends ([`Batch::finish`]): hourly counts and rollups. The writer
/// commits every poll that has queued up in one transaction; written per poll, each of these
/// touched the same index pages again for every poll. (The full-text index and story
/// placement come after the commit: [`super::pending`].)
/// Every transaction that stores posts starts one and must finish it.
struct Batch<'a> {
    /// The largest post id before the transaction: its new posts are those above.
    before: i64,
    /// The id the next new post takes. The batch gives its posts their ids itself (ascending,
    /// above the largest stored; the transaction holds the write lock), so that a post's story
    /// can be chosen before it is stored, and its row written once.
    next_post_id: i64,
    /// The new posts left for story placement, with their fingerprints.
    placing: Placing,
    hourly: rollups::HourlyCounts<'a>,
    rollups: rollups::RollupBatch<'a>,
    /// The reach rollups: new posts' counts, and changes of posts seen again.
    reach: reach::ReachBatch<'a>,
}

impl<'a> Batch<'a> {
    fn start(tx: &Transaction<'_>) -> Result<Batch<'a>, StoreError> {
        let stored: i64 =
            tx.query_row("SELECT coalesce(max(id), 0) FROM posts", [], |r| r.get(0))?;
        // Above the pending mark too: an id at or below it counts as indexed and placed, so
        // it is never given again, even when the newest posts were deleted.
        let before = stored.max(super::pending::through(tx)?);
        Ok(Batch {
            before,
            next_post_id: before + 1,
            placing: Vec::new(),
            hourly: rollups::HourlyCounts::default(),
            rollups: rollups::RollupBatch::default(),
            reach: reach::ReachBatch::default(),
        })
    }

    /// Writes what the transaction's posts added; returns the fingerprints of the posts left
    /// for story placement.
    fn finish(self, tx: &Transaction<'_>) -> Result<Placing, StoreError> {
        self.hourly.write(tx)?;
        self.reach.write(tx)?;
        if self.next_post_id > self.before + 1 {
            self.rollups.write(tx, self.before)?;
        }
        Ok(self.placing)
    }
}

/// The fingerprint a post with a topic is grouped into a story by (it comes with its tags;
/// callers that built tags by hand get one computed here). Posts without a topic, or without
/// words, are in no story.
pub(super) fn fingerprint<'a>(post: &Post, tags: &'a Tags) -> Option<Cow<'a, Fingerprint>> {
    if tags.topics.is_empty() {
        return None;
    }
    match &tags.fingerprint {
        Some(f) => Some(Cow::Borrowed(f)),
        None => Fingerprint::of(post.title.as_deref(), &post.text).map(Cow::Owned),
    }
}

/// A platform's count as SQLite stores it (a signed 64-bit integer).
pub(super) fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Platform, RegionId, TopicId};
    use crate::store::testing::each_backend;
    use crate::store::{Browse, Maintenance, SqliteStore as Store, Store as AnyStore, Writes};
    use std::time::Duration;

    pub(crate) fn post(source: &str, id: &str, url: Option<&str>, text: &str, at: &str) -> Post {
        let ts: Timestamp = at.parse().unwrap();
        Post {
            source: source.into(),
            external_id: id.into(),
            url: url.map(str::to_owned),
            title: None,
            text: text.into(),
            author: None,
            published: ts,
            fetched: ts,
            lang: Some("id".into()),
            platform: None,
            reach: Default::default(),
        }
    }

    fn tags(topics: &[&str], areas: &[&str]) -> Tags {
        Tags {
            topics: topics.iter().map(|t| TopicId::new(*t)).collect(),
            regions: areas.iter().map(|r| RegionId::new(*r)).collect(),
            areas: areas.iter().map(|r| RegionId::new(*r)).collect(),
            sentiment: None,
            fingerprint: None,
            text_hash: None,
            mentioned_topics: Vec::new(),
            mentioned_regions: Vec::new(),
        }
    }

    #[test]
    fn the_text_hash_comes_from_the_tags_or_is_computed() {
        each_backend(|backend, mut store| {
            let given = post("a", "1", None, "Banjir di Sempaja", "2026-11-27T02:10:00Z");
            let computed = post("b", "1", None, "Jalan rusak", "2026-11-27T02:10:00Z");
            // A value the store could not have computed itself: it must take the tags' word.
            let with_hash = Tags {
                text_hash: Some("dari-klasifikasi-saja".into()),
                ..tags(&[], &[])
            };
            let posts = vec![(given, with_hash), (computed.clone(), tags(&[], &[]))];
            assert_eq!(store.insert_posts(&posts, "v").unwrap(), 2, "{backend:?}");
            let stored: Vec<String> = rows(&store, "SELECT text_hash FROM posts ORDER BY id")
                .into_iter()
                .map(|r| r[0].clone())
                .collect();
            // Both kept to their first 16 digits.
            assert_eq!(
                stored,
                [
                    "dari-klasifikasi".to_string(),
                    computed.text_hash()[..STORED_HASH_DIGITS].to_string()
                ],
                "{backend:?}"
            );
            // The same words again from the same source are the same post, whichever way the
            // hash arrives.
            let again = post("b", "2", None, "JALAN  rusak", "2026-11-27T02:20:00Z");
            let again_tags = Tags {
                text_hash: Some(again.text_hash()),
                ..tags(&[], &[])
            };
            assert_eq!(
                store.insert_posts(&[(again, again_tags)], "v").unwrap(),
                0,
                "{backend:?}"
            );
        });
    }

    #[test]
    fn reach_is_stored_and_a_post_seen_again_brings_newer_counts() {
        each_backend(|backend, mut store| {
            let mut first = post("x", "1", None, "Banjir di Sempaja", "2026-11-27T02:10:00Z");
            first.platform = Platform::parse("X");
            first.reach = Reach {
                likes: Some(10),
                shares: 5,
                comments: None,
                views: Some(900),
                followers: Some(300_000),
            };
            let stored = store
                .insert_posts(&[(first.clone(), tags(&[], &[]))], "v")
                .unwrap();
            assert_eq!(stored, 1, "{backend:?}");
            // Seen again: likes rose, a reshare was undone (shares never fall), the platform
            // now states comments and no views.
            let mut again = first.clone();
            again.reach = Reach {
                likes: Some(12),
                shares: 4,
                comments: Some(3),
                views: None,
                followers: Some(300_500),
            };
            let stored = store.insert_posts(&[(again, tags(&[], &[]))], "v").unwrap();
            assert_eq!(stored, 0, "{backend:?}");
            assert_eq!(
                rows(
                    &store,
                    "SELECT platform, likes, shares, comments, views, followers FROM posts"
                ),
                [["x", "12", "5", "3", "900", "300500"]],
                "{backend:?}"
            );
            // A feed item says nothing of its reach: NULL, not 0.
            let feed = post(
                "f",
                "1",
                None,
                "Jalan rusak di Loa Janan",
                "2026-11-27T02:10:00Z",
            );
            store.insert_posts(&[(feed, tags(&[], &[]))], "v").unwrap();
            assert_eq!(
                rows(&store, "SELECT likes FROM posts WHERE source_id = 'f'"),
                [["NULL"]],
                "{backend:?}"
            );
        });
    }

    /// Every row's parent exists, and the checks are on again for what follows (batches are
    /// written without them: [`store_batch`]).
    fn assert_foreign_keys_hold(store: &Store) {
        let conn = &store.conn;
        let on: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(on, 1, "foreign keys left off");
        let orphans: Vec<(String, i64)> = conn
            .prepare("PRAGMA foreign_key_check")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(orphans, [], "rows without their parent");
    }

    /// The rows `sql` (literal values only: it runs on either backend) returns, each value as
    /// text (`NULL` for none).
    fn rows(store: &AnyStore, sql: &str) -> Vec<Vec<String>> {
        match store {
            AnyStore::Sqlite(s) => {
                let mut stmt = s.conn.prepare(sql).unwrap();
                let n = stmt.column_count();
                stmt.query_map([], |r| {
                    Ok((0..n)
                        .map(|i| match r.get_ref(i).unwrap() {
                            rusqlite::types::ValueRef::Null => "NULL".to_string(),
                            rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                            rusqlite::types::ValueRef::Real(v) => v.to_string(),
                            rusqlite::types::ValueRef::Text(t) => {
                                String::from_utf8_lossy(t).into_owned()
                            }
                            rusqlite::types::ValueRef::Blob(_) => "BLOB".to_string(),
                        })
                        .collect())
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
            }
            AnyStore::Postgres(p) => p
                .client()
                .simple_query(sql)
                .unwrap()
                .into_iter()
                .filter_map(|m| match m {
                    postgres::SimpleQueryMessage::Row(r) => Some(
                        (0..r.len())
                            .map(|i| r.get(i).unwrap_or("NULL").to_string())
                            .collect(),
                    ),
                    _ => None,
                })
                .collect(),
        }
    }

    /// The two integers of the one row `sql` returns, on either backend.
    fn pair(store: &AnyStore, sql: &str) -> (i64, i64) {
        let row = &rows(store, sql)[0];
        (row[0].parse().unwrap(), row[1].parse().unwrap())
    }

    /// [`assert_foreign_keys_hold`] on SQLite; PostgreSQL checks them at every statement.
    fn foreign_keys_hold(store: &AnyStore) {
        if let AnyStore::Sqlite(s) = store {
            assert_foreign_keys_hold(s);
        }
    }

    /// A new store in a temp dir (kept as long as the dir is).
    fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("p.db")).unwrap();
        (dir, store)
    }

    /// A press release, as the tests' sources copy it.
    const RELEASE: &str = "Pemerintah Kota Samarinda menetapkan status tanggap darurat banjir \
                           setelah hujan deras merendam ribuan rumah di Sempaja, Bengkuring dan \
                           Griya Mukti";

    /// The two integers of the one row `sql` returns.
    fn two(store: &Store, sql: &str, params: impl rusqlite::Params) -> (i64, i64) {
        store
            .conn
            .query_row(sql, params, |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
    }

    /// One poll of one post by `source`, with `topics`.
    fn poll(source: &str, text: &str, at: &str, topics: &[&str]) -> Write {
        let now: Timestamp = at.parse().unwrap();
        Write::Ingest(Ingest {
            source: source.into(),
            posts: vec![(
                post(source, "1", None, text, at),
                tags(topics, &["samarinda"]),
            )],
            cursor: Default::default(),
            attempt: crate::model::Attempt {
                started: now,
                duration: std::time::Duration::from_millis(5),
                next_attempt: now,
            },
            items_found: 1,
            not_modified: false,
            keywords_version: "v".into(),
        })
    }

    /// A story's link is the outlet's, never Google News's, whichever is published or
    /// polled first; its first-seen time is still the earliest.
    #[test]
    fn a_story_shows_the_outlets_link_not_google_news() {
        let google = "https://news.google.com/rss/articles/CBMiekFVX3lxTE1h?oc=5";
        let outlet = "https://warta.example/2026/11/27/banjir";
        let linked = |source: &str, url: &str, at: &str| {
            let Write::Ingest(mut ingest) = poll(source, RELEASE, at, &["banjir"]) else {
                unreachable!()
            };
            ingest.posts[0].0.url = Some(url.into());
            Write::Ingest(ingest)
        };
        let first = |store: &AnyStore| -> (String, String) {
            let row = &rows(store, "SELECT first_url, first_seen_at FROM stories")[0];
            (row[0].clone(), row[1].clone())
        };
        // Google News earlier in time but polled second: the outlet stays the story's link.
        each_backend(|backend, mut store| {
            store
                .write(&[linked("warta", outlet, "2026-11-27T03:00:00Z")])
                .unwrap();
            store
                .write(&[linked("gn", google, "2026-11-27T02:00:00Z")])
                .unwrap();
            assert_eq!(
                first(&store),
                (outlet.into(), "2026-11-27T02:00:00Z".into()),
                "{backend:?}"
            );
        });
        // Google News first, the outlet published later: the outlet takes the story's link.
        each_backend(|backend, mut store| {
            store
                .write(&[linked("gn", google, "2026-11-27T02:00:00Z")])
                .unwrap();
            assert_eq!(first(&store).0, google, "{backend:?}");
            store
                .write(&[linked("warta", outlet, "2026-11-27T03:00:00Z")])
                .unwrap();
            assert_eq!(
                first(&store),
                (outlet.into(), "2026-11-27T02:00:00Z".into()),
                "{backend:?}"
            );
        });
        // Between two outlets the earliest stays the origin, as before.
        each_backend(|backend, mut store| {
            store
                .write(&[linked("warta", outlet, "2026-11-27T03:00:00Z")])
                .unwrap();
            store
                .write(&[linked(
                    "kaltimpost",
                    "https://kp.example/b",
                    "2026-11-27T04:00:00Z",
                )])
                .unwrap();
            assert_eq!(first(&store).0, outlet, "{backend:?}");
        });
    }

    /// The writer commits every queued poll in one transaction, whose story keys and counts
    /// are written only at its end: a copy in a later poll of the same transaction still
    /// joins the story an earlier poll started, and the story counts once.
    #[test]
    fn polls_committed_together_share_their_stories_and_counts() {
        each_backend(|backend, mut store| {
            let batch = [
                poll("kaltimpost", RELEASE, "2026-11-27T02:10:00Z", &["banjir"]),
                poll(
                    "tribun",
                    "Jalan Juanda macet",
                    "2026-11-27T02:20:00Z",
                    &["lalu-lintas"],
                ),
                poll("warga", RELEASE, "2026-11-27T02:30:00Z", &["banjir"]),
            ];
            assert_eq!(store.write(&batch).unwrap(), [1, 1, 1], "{backend:?}");
            let story = |source: &str| -> String {
                rows(
                    &store,
                    &format!("SELECT story_id FROM posts WHERE source_id = '{source}'"),
                )[0][0]
                    .clone()
            };
            assert_ne!(story("kaltimpost"), "NULL", "{backend:?}");
            assert_eq!(story("warga"), story("kaltimpost"), "{backend:?}");
            assert_ne!(story("tribun"), story("kaltimpost"), "{backend:?}");
            let hourly = pair(
                &store,
                "SELECT posts, stories FROM topic_hourly
                 WHERE topic_id = 'banjir' AND region_id = '*' AND hour = '2026-11-27T02:00:00Z'",
            );
            assert_eq!(hourly, (2, 1), "{backend:?}");
            let (posts, sources) = pair(
                &store,
                &format!(
                    "SELECT posts, sources FROM stories WHERE id = {}",
                    story("warga")
                ),
            );
            assert_eq!((posts, sources), (2, 2), "{backend:?}");
            foreign_keys_hold(&store);
        });
    }

    /// Search finds the posts of every kind of transaction: a writer batch of several polls
    /// (indexed once, at its end), posts pushed in, and posts stored outside a poll.
    #[test]
    fn every_transaction_indexes_its_posts_for_search() {
        let (_dir, mut store) = temp_store();
        let at = "2026-11-27T02:10:00Z";
        let batch = [
            poll("a", "Tanggul jebol di Sempaja", at, &[]),
            poll("b", "Tanggul retak di Loa Janan", at, &[]),
        ];
        assert_eq!(store.write(&batch).unwrap(), [1, 1]);
        let pushed = [(
            post("c", "1", None, "Tanggul baru di Bontang", at),
            tags(&[], &[]),
        )];
        assert_eq!(
            store
                .insert_pushed("import", "f.jsonl", &pushed, "v")
                .unwrap(),
            1
        );
        let plain = [(
            post("d", "1", None, "Tanggul sungai Karang Mumus", at),
            tags(&[], &[]),
        )];
        assert_eq!(store.insert_posts(&plain, "v").unwrap(), 1);
        let found = store
            .search(&crate::store::search::Search {
                query: "tanggul".into(),
                since: None,
                until: None,
                limit: 10,
            })
            .unwrap();
        let mut sources: Vec<&str> = found.iter().map(|p| p.post.source.as_str()).collect();
        sources.sort_unstable();
        assert_eq!(sources, ["a", "b", "c", "d"]);
        assert_foreign_keys_hold(&store);
    }

    #[test]
    fn a_copy_in_a_later_batch_joins_the_stored_story() {
        let (_dir, mut store) = temp_store();
        let first = post(
            "kaltimpost",
            "1",
            Some("https://kp.example/1"),
            RELEASE,
            "2026-11-27T02:10:00Z",
        );
        let other = post(
            "warga",
            "x",
            None,
            "Jalan Juanda tergenang lagi sore ini, hati-hati",
            "2026-11-27T02:30:00Z",
        );
        let tagged = |p: Post| (p, tags(&["banjir"], &["samarinda"]));
        assert_eq!(
            store
                .insert_posts(&[tagged(first), tagged(other)], "v")
                .unwrap(),
            2
        );
        // The next poll, another transaction: the copy finds the story through its stored keys.
        let copy = post(
            "tribun",
            "7",
            Some("https://tr.example/7"),
            &format!("SAMARINDA, Tribun - {RELEASE}."),
            "2026-11-27T03:05:00Z",
        );
        assert_eq!(store.insert_posts(&[tagged(copy)], "v").unwrap(), 1);
        let story = store.story_of_post(1).unwrap().unwrap();
        assert_eq!(store.story_of_post(3).unwrap(), Some(story));
        assert_ne!(store.story_of_post(2).unwrap(), Some(story));
        let s = store.story(story).unwrap().unwrap();
        assert_eq!((s.posts, s.sources), (2, 2));
        // The keys merged into the large table in steps, as retention does: a later copy still
        // finds the story through them.
        let new_keys = |s: &Store| -> i64 {
            s.conn
                .query_row("SELECT count(*) FROM story_keys_new", [], |r| r.get(0))
                .unwrap()
        };
        assert!(
            new_keys(&store) > 0,
            "a new story's keys wait in story_keys_new"
        );
        let merged = crate::store::Maintenance::merge_all_story_keys(&mut store, 5).unwrap();
        assert!(merged > 5, "{merged} keys merged in steps of 5");
        assert_eq!(new_keys(&store), 0);
        let again = post(
            "antara",
            "9",
            Some("https://an.example/9"),
            &format!("{RELEASE} (ANTARA)"),
            "2026-11-27T04:00:00Z",
        );
        assert_eq!(store.insert_posts(&[tagged(again)], "v").unwrap(), 1);
        assert_eq!(store.story_of_post(4).unwrap(), Some(story));
        let s = store.story(story).unwrap().unwrap();
        assert_eq!((s.posts, s.sources), (3, 3));
    }

    /// A copy stored by a later transaction joins the stored story, and counts as a new story
    /// only for a topic the story did not have yet.
    #[test]
    fn a_stored_story_joined_later_counts_once_per_topic() {
        each_backend(|backend, mut store| {
            let first = [poll(
                "kaltimpost",
                RELEASE,
                "2026-11-27T02:10:00Z",
                &["banjir"],
            )];
            assert_eq!(store.write(&first).unwrap(), [1], "{backend:?}");
            let copy = [poll(
                "tribun",
                &format!("SAMARINDA, Tribun - {RELEASE}."),
                "2026-11-27T03:05:00Z",
                &["banjir", "pemerintahan"],
            )];
            assert_eq!(store.write(&copy).unwrap(), [1], "{backend:?}");
            assert_eq!(
                store.story_of_post(2).unwrap(),
                store.story_of_post(1).unwrap(),
                "{backend:?}"
            );
            let hour = |topic: &str, region: &str| {
                pair(
                    &store,
                    &format!(
                        "SELECT posts, stories FROM topic_hourly WHERE topic_id = '{topic}'
                         AND region_id = '{region}' AND hour = '2026-11-27T03:00:00Z'"
                    ),
                )
            };
            assert_eq!(
                hour("banjir", "*"),
                (1, 0),
                "{backend:?}: the story was counted for banjir before"
            );
            assert_eq!(hour("banjir", "samarinda"), (1, 0), "{backend:?}");
            assert_eq!(
                hour("pemerintahan", "*"),
                (1, 1),
                "{backend:?}: a topic new to the story"
            );
            assert_eq!(hour("pemerintahan", "samarinda"), (1, 1), "{backend:?}");
            foreign_keys_hold(&store);
        });
    }

    /// A batch numbers its posts from the largest stored id, so it holds the write lock from
    /// its first read: another writer (`pantau import` beside the daemon) waits instead of
    /// committing posts in between, which made the batch fail at its first insert.
    #[test]
    fn a_batch_holds_the_write_lock_from_its_start() {
        let (dir, mut store) = temp_store();
        let mut other = Store::open(&dir.path().join("p.db")).unwrap();
        other.conn.busy_timeout(Duration::ZERO).unwrap();
        let at = "2026-11-27T02:10:00Z";
        let pushed = [(post("b", "1", None, "Tanggul retak", at), tags(&[], &[]))];
        let ours = [(post("a", "1", None, "Tanggul jebol", at), tags(&[], &[]))];
        let stored = store_batch(&mut store.conn, |tx, batch| {
            let refused = other.insert_pushed("import", "f.jsonl", &pushed, "v");
            assert!(
                refused.is_err(),
                "another writer committed inside the batch"
            );
            insert_all(tx, &ours, "v", batch)
        })
        .unwrap()
        .0;
        assert_eq!(stored, 1);
        assert_eq!(
            other
                .insert_pushed("import", "f.jsonl", &pushed, "v")
                .unwrap(),
            1
        );
        assert_eq!(store.count_posts().unwrap(), 2);
    }

    #[test]
    fn syndicated_copies_are_one_story_counted_once() {
        let (_dir, mut store) = temp_store();
        let posts = vec![
            (
                post(
                    "kaltimpost",
                    "1",
                    Some("https://kp.example/1"),
                    RELEASE,
                    "2026-11-27T02:10:00Z",
                ),
                tags(&["banjir"], &["samarinda"]),
            ),
            (
                post(
                    "tribun",
                    "7",
                    Some("https://tr.example/7"),
                    &format!("SAMARINDA, Tribun - {RELEASE}."),
                    "2026-11-27T01:55:00Z",
                ),
                tags(&["banjir"], &["samarinda"]),
            ),
            (
                post(
                    "warga",
                    "x",
                    None,
                    "Jalan Juanda tergenang lagi sore ini, hati-hati",
                    "2026-11-27T02:30:00Z",
                ),
                tags(&["banjir"], &["samarinda"]),
            ),
        ];
        assert_eq!(store.insert_posts(&posts, "v").unwrap(), 3);
        let (posts_n, stories_n) = two(
            &store,
            "SELECT sum(posts), sum(stories) FROM topic_hourly WHERE topic_id = 'banjir' AND region_id = '*'",
            [],
        );
        assert_eq!((posts_n, stories_n), (3, 2));
        let story = store.story_of_post(1).unwrap().unwrap();
        assert_eq!(store.story_of_post(2).unwrap(), Some(story));
        let s = store.story(story).unwrap().unwrap();
        assert_eq!((s.posts, s.sources), (2, 2));
        // The copy published first is the story's origin, though it was stored second.
        assert_eq!(s.first_source, "tribun");
        assert_eq!(crate::time::to_db(s.first_seen), "2026-11-27T01:55:00Z");
        assert_ne!(store.story_of_post(3).unwrap(), Some(story));
        assert_foreign_keys_hold(&store);
    }

    #[test]
    fn duplicates_by_id_url_or_text_are_stored_once() {
        each_backend(|backend, mut store| {
            let t = "2026-11-27T01:30:00Z";
            let first = vec![
                (
                    post(
                        "a",
                        "1",
                        Some("https://a.example/1"),
                        "Banjir di Sempaja",
                        t,
                    ),
                    tags(&["banjir"], &["samarinda"]),
                ),
                (
                    post("a", "2", Some("https://a.example/2"), "Jalan rusak", t),
                    tags(&[], &[]),
                ),
            ];
            assert_eq!(store.insert_posts(&first, "v").unwrap(), 2, "{backend:?}");
            let again = vec![
                // same id
                (
                    post("a", "1", Some("https://a.example/1b"), "lain", t),
                    tags(&["banjir"], &[]),
                ),
                // same URL from another source
                (
                    post(
                        "b",
                        "9",
                        Some("https://a.example/2"),
                        "Jalan rusak parah",
                        t,
                    ),
                    tags(&[], &[]),
                ),
                // same normalised text from the same source
                (
                    post("a", "3", None, "BANJIR  di Sempaja", t),
                    tags(&["banjir"], &[]),
                ),
                // the same text from another source is another post
                (
                    post("b", "3", None, "Banjir di Sempaja", t),
                    tags(&["banjir"], &[]),
                ),
            ];
            assert_eq!(store.insert_posts(&again, "v").unwrap(), 1, "{backend:?}");
            assert_eq!(
                rows(&store, "SELECT count(*) FROM posts"),
                [["3"]],
                "{backend:?}"
            );
            assert_eq!(
                rows(
                    &store,
                    "SELECT topic_id, region_id, hour, posts FROM topic_hourly ORDER BY region_id"
                ),
                [
                    ["banjir", "*", "2026-11-27T01:00:00Z", "2"],
                    ["banjir", "samarinda", "2026-11-27T01:00:00Z", "1"],
                ],
                "{backend:?}"
            );
        });
    }

    #[test]
    fn a_url_shared_inside_a_feed_does_not_swallow_items() {
        each_backend(|backend, mut store| {
            let t = "2026-11-27T01:30:00Z";
            let posts = vec![
                (
                    post("a", "1", Some("https://a.example/berita"), "satu", t),
                    tags(&[], &[]),
                ),
                (
                    post("a", "2", Some("https://a.example/berita"), "dua", t),
                    tags(&[], &[]),
                ),
                (
                    post("a", "3", Some("https://a.example/"), "tiga", t),
                    tags(&[], &[]),
                ),
                (
                    post("b", "4", Some("https://a.example/"), "empat", t),
                    tags(&[], &[]),
                ),
            ];
            assert_eq!(store.insert_posts(&posts, "v").unwrap(), 4, "{backend:?}");
        });
    }

    #[test]
    fn migrations_are_versioned_and_reopening_keeps_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        let mut store = Store::open(&path).unwrap();
        store
            .insert_posts(
                &[(
                    post("a", "1", None, "x", "2026-11-27T01:00:00Z"),
                    tags(&[], &[]),
                )],
                "v",
            )
            .unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        let v: i64 = store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v as usize, super::super::migrations::MIGRATIONS.len());
        assert_eq!(store.count_posts().unwrap(), 1);
        assert_eq!(store.integrity_check().unwrap(), "ok");
        store.conn.pragma_update(None, "user_version", 99).unwrap();
        drop(store);
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }

    /// Every table a placed post touches, as rows of text, for comparing two stores.
    fn placed_tables(store: &Store) -> Vec<Vec<String>> {
        [
            "SELECT id, story_id FROM posts ORDER BY id",
            "SELECT * FROM stories ORDER BY id",
            "SELECT * FROM story_keys UNION ALL SELECT * FROM story_keys_new ORDER BY 1, 2",
            "SELECT * FROM story_sources ORDER BY story_id, source_id",
            "SELECT * FROM story_topics ORDER BY story_id, topic_id, region_id",
            "SELECT * FROM topic_hourly ORDER BY topic_id, region_id, hour",
            "SELECT rowid FROM posts_fts WHERE posts_fts MATCH 'banjir OR juanda' ORDER BY rowid",
        ]
        .iter()
        .map(|sql| {
            let mut stmt = store.conn.prepare(sql).unwrap();
            let n = stmt.column_count();
            stmt.query_map([], |r| {
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
        })
        .collect()
    }

    /// Three transactions of copies and other posts, as the writer commits them.
    fn copies_in_three_transactions() -> Vec<Vec<Write>> {
        vec![
            vec![
                poll("kaltimpost", RELEASE, "2026-11-27T02:10:00Z", &["banjir"]),
                poll(
                    "tribun",
                    "Jalan Juanda macet",
                    "2026-11-27T02:20:00Z",
                    &["lalu-lintas"],
                ),
            ],
            vec![poll("warga", RELEASE, "2026-11-27T02:30:00Z", &["banjir"])],
            vec![
                poll(
                    "kompas",
                    &format!("SAMARINDA, Kompas - {RELEASE}."),
                    "2026-11-27T03:05:00Z",
                    &["banjir", "pemerintahan"],
                ),
                poll(
                    "sepi",
                    "Tidak ada topik di sini",
                    "2026-11-27T03:06:00Z",
                    &[],
                ),
            ],
        ]
    }

    /// Posts whose index and story wait behind the commit are searchable, placed and counted
    /// exactly as when each transaction finished them at once, and meanwhile they count as
    /// posts but bring no story yet.
    #[test]
    fn the_step_behind_the_commit_places_and_indexes_as_at_once() {
        let (_dir, mut now) = temp_store();
        for batch in copies_in_three_transactions() {
            now.write(&batch).unwrap();
        }
        assert_eq!(now.pending_posts().unwrap(), 0);
        let (_dir2, mut later) = temp_store();
        later.defer_pending();
        for batch in copies_in_three_transactions() {
            later.write(&batch).unwrap();
        }
        assert_eq!(later.pending_posts().unwrap(), 5);
        assert!(later.behind_since().is_some());
        assert_eq!(
            two(
                &later,
                "SELECT sum(posts), sum(stories) FROM topic_hourly WHERE topic_id = 'banjir'
                 AND region_id = '*'",
                [],
            ),
            (3, 0),
            "pending posts count as posts, their stories wait"
        );
        assert_eq!(later.story_of_post(1).unwrap(), None);
        let search = crate::store::search::Search {
            query: "banjir".into(),
            since: None,
            until: None,
            limit: 10,
        };
        assert!(later.search(&search).unwrap().is_empty());
        assert_eq!(later.finish_pending().unwrap(), 5);
        assert_eq!(later.pending_posts().unwrap(), 0);
        assert!(later.behind_since().is_none());
        assert_eq!(later.finish_pending().unwrap(), 0, "nothing twice");
        assert_eq!(placed_tables(&later), placed_tables(&now));
        assert_eq!(later.search(&search).unwrap().len(), 3);
        assert_foreign_keys_hold(&later);
    }

    /// What a process left pending when it died is finished by the next one, from the
    /// stored posts alone (the fingerprints held in memory are gone), to the same result.
    #[test]
    fn posts_left_pending_by_a_dead_process_are_finished_by_the_next() {
        let (_dir, mut now) = temp_store();
        for batch in copies_in_three_transactions() {
            now.write(&batch).unwrap();
        }
        let (dir, mut dead) = temp_store();
        dead.defer_pending();
        let batches = copies_in_three_transactions();
        dead.write(&batches[0]).unwrap();
        dead.finish_pending().unwrap();
        dead.write(&batches[1]).unwrap();
        dead.write(&batches[2]).unwrap();
        drop(dead);
        let mut next = Store::open(&dir.path().join("p.db")).unwrap();
        assert_eq!(next.pending_posts().unwrap(), 3);
        assert_eq!(next.finish_pending().unwrap(), 3);
        assert_eq!(placed_tables(&next), placed_tables(&now));
        assert_foreign_keys_hold(&next);
    }

    /// A pending post deleted before the step (retention, `pantau db`) leaves the full-text
    /// index sound: its delete trigger touches only indexed posts. A post id at or below the
    /// mark is never given again.
    #[test]
    fn deleting_a_pending_post_keeps_the_index_sound() {
        let (_dir, mut store) = temp_store();
        store.defer_pending();
        let fts_check = |store: &Store| {
            store
                .conn
                .execute(
                    "INSERT INTO posts_fts (posts_fts) VALUES ('integrity-check')",
                    [],
                )
                .unwrap();
        };
        store
            .write(&[poll("a", RELEASE, "2026-11-27T02:10:00Z", &["banjir"])])
            .unwrap();
        store
            .write(&[poll(
                "b",
                "Banjir lagi di Loa Janan",
                "2026-11-27T02:20:00Z",
                &["banjir"],
            )])
            .unwrap();
        store
            .conn
            .execute("DELETE FROM posts WHERE id = 2", [])
            .unwrap();
        assert_eq!(store.finish_pending().unwrap(), 1);
        fts_check(&store);
        // The newest indexed post deleted: its id is not given to the next post.
        store
            .conn
            .execute("DELETE FROM posts WHERE id = 1", [])
            .unwrap();
        fts_check(&store);
        store
            .write(&[poll(
                "c",
                "Banjir surut di Sempaja",
                "2026-11-27T02:30:00Z",
                &["banjir"],
            )])
            .unwrap();
        let id: i64 = store
            .conn
            .query_row("SELECT id FROM posts WHERE source_id = 'c'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(id, 2);
        store.finish_pending().unwrap();
        assert!(store.story_of_post(2).unwrap().is_some());
        fts_check(&store);
        assert_foreign_keys_hold(&store);
    }
}
