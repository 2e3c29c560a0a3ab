//! The step behind the commit: the full-text index and story placement of stored posts.
//!
//! A transaction that stores posts commits them with their tags, counts and rollups, and leaves
//! two things for this step: the full-text index of every new post (the posts above the
//! `meta` row [`INDEX_THROUGH`]) and, for a post with a fingerprint, its story (a row in
//! `pending_stories`, with the kabupaten/kota its story is counted in). Both marks are written
//! in the storing transaction, so they are as durable as the posts; [`finish`] does the work
//! for everything pending in one transaction that also moves the marks, so a `kill -9` at any
//! point leaves each post either pending or finished, never both.
//!
//! What waits meanwhile, and how readers stay exact (docs/architecture.md, "The step behind
//! the commit"): a pending post is counted in `topic_hourly.posts` and every rollup from its
//! commit, and in `topic_hourly.stories` only once placed, when it brings its story to a topic
//! and region for the first time (`story_topics`); a post without a fingerprint counts as its
//! own story at its commit, as before. Search and `posts.story_id` see it once placed.

use jiff::Timestamp;
use rusqlite::{Connection, Transaction, TransactionBehavior, params};
use rustc_hash::FxHashMap;

use super::StoreError;
use super::rollups::HourlyCounts;
use super::stories;
use crate::model::Post;
use crate::stories::Fingerprint;
use crate::time::{from_db, hour_bucket};

/// The `meta` key holding the largest post id that is indexed for search and placed in its
/// story: every post above it is pending.
pub(super) const INDEX_THROUGH: &str = "index.through";

/// Fingerprints of pending posts, by post id, as the storing transaction had them (computed on
/// the pollers' threads): [`finish`] takes them from here rather than hashing the text again
/// on the writer's thread; a post missing here (after a restart) gets its fingerprint from
/// its stored title and text, which is what the classifier computed it from.
pub(super) type Held = FxHashMap<i64, Fingerprint>;

/// The pending mark: posts above it wait for [`finish`].
pub(super) fn through(conn: &Connection) -> Result<i64, StoreError> {
    // The migration that introduced the step wrote the row; 0 only for a database rewound by
    // hand, whose posts then all count as pending.
    Ok(conn.query_row(
        "SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?1), 0)",
        [INDEX_THROUGH],
        |r| r.get(0),
    )?)
}

/// Posts committed and not yet indexed or placed.
pub(super) fn count(conn: &Connection) -> Result<u64, StoreError> {
    let above: i64 = conn.query_row(
        "SELECT count(*) FROM posts WHERE id > ?1",
        [through(conn)?],
        |r| r.get(0),
    )?;
    Ok(above as u64)
}

/// Whether anything waits, read without the write lock (the usual answer, no).
fn any(conn: &Connection) -> Result<bool, StoreError> {
    let last: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM posts", [], |r| r.get(0))?;
    let placing: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM pending_stories)", [], |r| {
            r.get(0)
        })?;
    Ok(last > through(conn)? || placing)
}

/// Indexes and places every pending post in one transaction; returns how many posts it
/// indexed. `held` gives up the fingerprints it used once the transaction commits.
pub(super) fn finish(conn: &mut Connection, held: &mut Held) -> Result<usize, StoreError> {
    if !any(conn)? {
        held.clear();
        return Ok(0);
    }
    // Foreign keys are off as in `posts::store_batch`, for the same reason: every story row,
    // key and topic written here follows its parent in this transaction.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let out: Result<usize, StoreError> = (|| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let indexed = finish_in(&tx, held)?;
        tx.commit()?;
        Ok(indexed)
    })();
    let on = conn.pragma_update(None, "foreign_keys", "ON");
    let indexed = out?;
    on?;
    held.clear();
    Ok(indexed)
}

fn finish_in(tx: &Transaction<'_>, held: &Held) -> Result<usize, StoreError> {
    let from = through(tx)?;
    let last: i64 = tx.query_row("SELECT coalesce(max(id), 0) FROM posts", [], |r| r.get(0))?;
    place(tx, held)?;
    tx.execute("DELETE FROM pending_stories", [])?;
    if last <= from {
        return Ok(0);
    }
    super::meta::set_meta(tx, INDEX_THROUGH, &last.to_string())?;
    // Last: FTS5 writes its pending terms to disk at every later statement's savepoint, and
    // one `INSERT … SELECT` makes one index segment for the whole step.
    let indexed = tx
        .prepare_cached(
            "INSERT INTO posts_fts (rowid, title, text)
             SELECT id, title, text FROM posts WHERE id > ?1 AND id <= ?2",
        )?
        .execute(params![from, last])?;
    Ok(indexed)
}

/// Pages of the full-text index one merge step writes at most: at 1,550,000 posts a step took
/// 8 ms at the median, 0.12 s at the 99th percentile and 0.2 s at most (the steps that end a
/// large merge), so a commit that arrives meanwhile waits little.
pub const MERGE_PAGES: i64 = 32;

/// One step of merging the full-text index's segments (FTS5's `merge` command: levels with
/// four segments or more, up to `pages` pages written), in a transaction of its own; returns
/// whether there was anything to merge. Each step behind the commit adds a segment; merged
/// here while the writer is idle, they cost a poll nothing, where FTS5's own merging (which schema
/// version 20 turns off) does the same work inside the step, in proportion to the index's
/// size.
pub(super) fn merge_search_step(conn: &Connection, pages: i64) -> Result<bool, StoreError> {
    let before = conn.total_changes();
    conn.execute(
        "INSERT INTO posts_fts (posts_fts, rank) VALUES ('merge', ?1)",
        [pages],
    )?;
    // FTS5's documented test: the command itself counts one change, work more.
    Ok(conn.total_changes() - before >= 2)
}

/// A post waiting for its story, as stored.
struct Waiting {
    id: i64,
    post: Post,
    topics: Vec<String>,
    areas: Vec<String>,
}

/// Places every post of `pending_stories`, oldest first, exactly as the storing transaction
/// placed them before this step existed: the stored stories of all their keys are read at
/// once, stories started here are found in memory, and each post then counts its story once
/// per topic and area in `topic_hourly`.
fn place(tx: &Transaction<'_>, held: &Held) -> Result<(), StoreError> {
    let waiting = waiting(tx)?;
    if waiting.is_empty() {
        return Ok(());
    }
    let prints: Vec<Option<(Fingerprint, Vec<i64>)>> = waiting
        .iter()
        .map(|w| {
            let fp = held
                .get(&w.id)
                .cloned()
                .or_else(|| Fingerprint::of(w.post.title.as_deref(), &w.post.text))?;
            let keys = fp.keys();
            Some((fp, keys))
        })
        .collect();
    let mut batch = stories::StoryBatch::new(tx)?;
    batch.look_up(
        tx,
        prints
            .iter()
            .flatten()
            .flat_map(|(_, keys)| keys.iter().copied())
            .collect(),
    )?;
    let mut hourly = HourlyCounts::default();
    let mut set_story = tx.prepare_cached("UPDATE posts SET story_id = ?2 WHERE id = ?1")?;
    for (w, print) in waiting.iter().zip(prints) {
        let Some((fp, keys)) = print else { continue };
        let placement = stories::place(tx, &w.post, &fp, keys, &batch)?;
        let story = stories::record(tx, placement, w.id, &w.post, &fp, &mut batch)?;
        set_story.execute(params![w.id, story])?;
        let hour = hour_bucket(w.post.published);
        for topic in &w.topics {
            for area in std::iter::once("*").chain(w.areas.iter().map(String::as_str)) {
                if stories::count_once(tx, story, topic, area)? {
                    hourly.add(topic, area, hour, 0, 1);
                }
            }
        }
    }
    batch.write(tx)?;
    hourly.write(tx)
}

/// The posts of `pending_stories` that are still stored, by id.
fn waiting(tx: &Transaction<'_>) -> Result<Vec<Waiting>, StoreError> {
    let mut stmt = tx.prepare_cached(
        "SELECT p.id, p.source_id, p.url, p.title, p.text, p.published_at, w.areas,
                (SELECT group_concat(topic_id, ' ') FROM post_topics t WHERE t.post_id = p.id)
         FROM pending_stories w JOIN posts p ON p.id = w.post_id ORDER BY w.post_id",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    let words = |s: Option<String>| -> Vec<String> {
        s.unwrap_or_default()
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    };
    while let Some(r) = rows.next()? {
        let published: String = r.get(5)?;
        let published = from_db(&published).unwrap_or(Timestamp::UNIX_EPOCH);
        out.push(Waiting {
            id: r.get(0)?,
            post: Post {
                source: crate::model::SourceId::new(r.get::<_, String>(1)?),
                external_id: String::new(),
                url: r.get(2)?,
                title: r.get(3)?,
                text: r.get(4)?,
                author: None,
                published,
                fetched: published,
                lang: None,
                platform: None,
                reach: Default::default(),
            },
            areas: words(r.get(6)?),
            topics: words(r.get(7)?),
        });
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use rusqlite::Connection;

    use crate::classify::Tags;
    use crate::store::posts::tests::post;
    use crate::store::{Maintenance, SqliteStore};

    /// The search index's segments (FTS5 lists each leaf page's first term by segment).
    pub(crate) fn segments(conn: &Connection) -> i64 {
        conn.query_row("SELECT count(DISTINCT segid) FROM posts_fts_idx", [], |r| {
            r.get(0)
        })
        .unwrap()
    }

    fn found(store: &SqliteStore) -> Vec<i64> {
        let mut stmt = store
            .connection()
            .prepare("SELECT rowid FROM posts_fts WHERE posts_fts MATCH 'banjir' ORDER BY rowid")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn the_search_index_merges_only_when_asked_and_finds_the_same_posts() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("p.db")).unwrap();
        for i in 0..6 {
            let text = format!("Banjir di Sempaja, hari ke-{i}");
            let p = post("a", &i.to_string(), None, &text, "2026-11-27T02:10:00Z");
            store.insert_posts(&[(p, Tags::default())], "v").unwrap();
        }
        // Each step behind the commit adds a segment, and FTS5 merges none of them itself.
        assert_eq!(segments(store.connection()), 6);
        let before = found(&store);
        assert_eq!(before.len(), 6);
        let mut steps = 0;
        while store.merge_search_step().unwrap() {
            steps += 1;
            assert!(steps < 100, "merging never ends");
        }
        assert!(steps >= 1);
        assert_eq!(segments(store.connection()), 1);
        assert_eq!(found(&store), before);
        assert!(!store.merge_search_step().unwrap(), "nothing left to merge");
        assert_eq!(store.integrity_check().unwrap(), "ok");
        store
            .connection()
            .execute(
                "INSERT INTO posts_fts (posts_fts) VALUES ('integrity-check')",
                [],
            )
            .unwrap();
    }
}
