//! Stories in the store: each new post with a topic joins the story it is a near-duplicate of
//! (see [`crate::stories`]), or starts one. Runs in the step behind the commit
//! ([`super::pending`]), for every post of it in the order they were stored.

use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};
use rustc_hash::FxHashMap;
use serde::Serialize;
use smallvec::SmallVec;

use super::StoreError;
use crate::model::Post;
use crate::sources::google_news::is_google_news;
use crate::stories::{Fingerprint, STORY_WINDOW_HOURS};
use crate::time::{from_db, to_db};

/// A variant this different from its story's first stored post adds its own lookup keys, so
/// that its copies are found as candidates; they join only within [`crate::stories::SAME_STORY`]
/// of that first post, which stays the story's signature.
const NEW_VARIANT_BELOW: f64 = 0.8;

/// A story as reports show it: where and when it was first seen, and how far it spread.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Story {
    pub id: i64,
    pub title: String,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    pub first_source: String,
    pub first_url: Option<String>,
    pub posts: u64,
    pub sources: u64,
    /// Source kinds it was seen in (`feed`, `mastodon`, …), sorted.
    pub kinds: Vec<String>,
}

/// A story a post may join, as stored (or as the batch changed it).
pub(super) struct Candidate {
    id: i64,
    signature: Vec<u32>,
    title_key: Option<u64>,
    first_seen: Timestamp,
    last_seen: Timestamp,
}

/// The stories that have one lookup key. Nearly every key belongs to one story, so one or two
/// are held inline, without an allocation of their own. Keys are hashes already, so the map
/// hashes them with FxHash. (A `Vec` per key, SipHash, and a second map for the stored stories
/// took a sixth of the time of storing a batch: store_batched 226–237 → 189–202 ms.)
type KeyStories = SmallVec<[i64; 2]>;

/// A write transaction's story state (one per [`super::posts`] batch, across all the polls it
/// commits): the lookup keys it gives its stories, held until the transaction ends and then
/// written in key order by [`StoryBatch::write`]: sixteen inserts at random places of the key
/// index for every new story were a fifth of the time spent storing a post. Lookups within
/// the transaction see them.
///
/// The stored stories sharing a key with a poll's posts are read at once, in key order, before
/// its posts are placed ([`StoryBatch::look_up`]): the stored keys do not change until the
/// transaction writes its own at the end, so this is what a lookup per post would find,
/// without a query per post (those were a sixth of the writer's time).
#[derive(Debug)]
pub(super) struct StoryBatch {
    /// For every key read so far: its stored stories as at the start of the transaction, then
    /// the transaction's own. A key is read before any post with it is placed, so a key the
    /// batch adds a story to is always here already.
    by_key: FxHashMap<i64, KeyStories>,
    /// The (key, story) rows the transaction adds to the stored keys.
    new_keys: Vec<(i64, i64)>,
    /// The id the next new story takes (row ids ascend; the batch holds the write lock).
    next_id: i64,
}

/// Keys per lookup statement (well under SQLite's 32,766 parameters).
const KEYS_PER_LOOKUP: usize = 500;

impl StoryBatch {
    /// A batch at the start of a transaction.
    pub(super) fn new(tx: &Transaction<'_>) -> Result<StoryBatch, StoreError> {
        let max: i64 =
            tx.query_row("SELECT coalesce(max(id), 0) FROM stories", [], |r| r.get(0))?;
        Ok(StoryBatch::above(max))
    }

    /// A batch whose stories are numbered above `max`, the largest stored story id (any
    /// backend).
    pub(super) fn above(max: i64) -> StoryBatch {
        StoryBatch {
            by_key: FxHashMap::default(),
            new_keys: Vec::new(),
            next_id: max + 1,
        }
    }

    /// The keys of `keys` (in any order, repeats allowed) not read before, sorted, now
    /// remembered as read with no stored story: the caller reads their stories from the
    /// database and gives them to [`StoryBatch::found`].
    pub(super) fn unread(&mut self, mut keys: Vec<i64>) -> Vec<i64> {
        keys.retain(|k| !self.by_key.contains_key(k));
        keys.sort_unstable();
        keys.dedup();
        self.by_key.reserve(keys.len());
        for &key in &keys {
            self.by_key.insert(key, KeyStories::new());
        }
        keys
    }

    /// A stored story of `key`, read for [`StoryBatch::unread`].
    pub(super) fn found(&mut self, key: i64, story: i64) {
        self.by_key.entry(key).or_default().push(story);
    }

    /// Reads the stored stories of `keys` (in any order, repeats allowed) not read before,
    /// before the posts with those keys are placed.
    pub(super) fn look_up(
        &mut self,
        tx: &Transaction<'_>,
        keys: Vec<i64>,
    ) -> Result<(), StoreError> {
        // A key with no stored story is remembered as read, too.
        let keys = self.unread(keys);
        for chunk in keys.chunks(KEYS_PER_LOOKUP) {
            // Numbered, so both tables are asked the same keys.
            let placeholders = (1..=chunk.len())
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(",");
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT key, story_id FROM story_keys WHERE key IN ({placeholders})
                 UNION ALL
                 SELECT key, story_id FROM story_keys_new WHERE key IN ({placeholders})"
            ))?;
            let mut rows = stmt.query(params_from_iter(chunk))?;
            while let Some(r) = rows.next()? {
                self.found(r.get(0)?, r.get(1)?);
            }
        }
        Ok(())
    }

    fn add(&mut self, story: i64, keys: &[i64]) {
        for &key in keys {
            debug_assert!(
                self.by_key.contains_key(&key),
                "a key is read before it is added"
            );
            let stories = self.by_key.entry(key).or_default();
            if !stories.contains(&story) {
                stories.push(story);
                self.new_keys.push((key, story));
            }
        }
    }

    /// Stories with one of `keys`: stored ones, and those of this batch not yet written.
    pub(super) fn stories(&self, keys: &[i64]) -> KeyStories {
        let mut out: KeyStories = keys
            .iter()
            .filter_map(|k| self.by_key.get(k))
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Inserts the held keys into `story_keys_new` (SQLite), sorted, in statements of up to
    /// [`KEYS_PER_STATEMENT`] rows: a small table whose pages stay in the cache, where the
    /// large `story_keys` would take a page write per key. The hourly retention pass moves them
    /// into `story_keys` ([`super::key_sweep::merge_step`]).
    pub(super) fn write(self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        let new_keys = self.into_new_keys();
        for chunk in new_keys.chunks(KEYS_PER_STATEMENT) {
            let placeholders = vec!["(?, ?)"; chunk.len()].join(", ");
            tx.prepare_cached(&format!(
                "INSERT OR IGNORE INTO story_keys_new (key, story_id) VALUES {placeholders}"
            ))?
            .execute(params_from_iter(chunk.iter().flat_map(|&(k, s)| [k, s])))?;
        }
        Ok(())
    }
}

impl StoryBatch {
    /// The (key, story) rows the batch adds to the stored keys, sorted.
    pub(super) fn into_new_keys(mut self) -> Vec<(i64, i64)> {
        self.new_keys.sort_unstable();
        self.new_keys
    }

    /// Takes `placement` into the batch: a new story takes the next id, and the keys of a new
    /// story or of a new variant are added; returns the story the post is in, and whether it
    /// starts it.
    pub(super) fn settle(&mut self, placement: &Placement) -> Settled {
        match placement.joins {
            Some((story, similarity)) => {
                if similarity < NEW_VARIANT_BELOW {
                    self.add(story, &placement.keys);
                }
                Settled {
                    story,
                    starts: false,
                }
            }
            None => {
                let story = self.next_id;
                self.next_id += 1;
                self.add(story, &placement.keys);
                Settled {
                    story,
                    starts: true,
                }
            }
        }
    }
}

/// Where [`StoryBatch::settle`] put a post.
#[derive(Debug, Clone, Copy)]
pub(super) struct Settled {
    pub story: i64,
    /// The post starts the story (else it joins it).
    pub starts: bool,
}

/// Rows of one key insert (two parameters each, well under SQLite's limit of 32,766).
const KEYS_PER_STATEMENT: usize = 256;

/// Where a post about to be stored goes: the story it joins, or a new one.
#[derive(Debug)]
pub(super) struct Placement {
    pub keys: Vec<i64>,
    /// The story joined and the post's similarity to it; None starts a story.
    joins: Option<(i64, f64)>,
}

/// Finds the story of a stored post (reads only).
/// `keys` are the fingerprint's ([`Fingerprint::keys`]).
pub(super) fn place(
    tx: &Transaction<'_>,
    post: &Post,
    fp: &Fingerprint,
    keys: Vec<i64>,
    batch: &StoryBatch,
) -> Result<Placement, StoreError> {
    let candidates = candidates(tx, &keys, batch)?;
    Ok(choose(post, fp, keys, candidates))
}

/// The story among `candidates` (the stories sharing a key with the post) that the post
/// joins: the most similar within the window, if any is the same story.
pub(super) fn choose(
    post: &Post,
    fp: &Fingerprint,
    keys: Vec<i64>,
    candidates: Vec<Candidate>,
) -> Placement {
    let window = SignedDuration::from_hours(STORY_WINDOW_HOURS);
    let joins = candidates
        .into_iter()
        .filter(|c| {
            post.published >= c.first_seen - window && post.published <= c.last_seen + window
        })
        .filter(|c| fp.same_story(&c.signature, c.title_key))
        .map(|c| (c.id, fp.similarity(&c.signature)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    Placement { keys, joins }
}

/// Records the just-stored post `post_id` in the story [`place`] chose for it; returns the
/// story's id.
pub(super) fn record(
    tx: &Transaction<'_>,
    placement: Placement,
    post_id: i64,
    post: &Post,
    fp: &Fingerprint,
    batch: &mut StoryBatch,
) -> Result<i64, StoreError> {
    let settled = batch.settle(&placement);
    if settled.starts {
        start(tx, settled.story, post_id, post, fp)?;
    } else {
        join(tx, settled.story, post_id, post)?;
    }
    Ok(settled.story)
}

/// Marks `story` as counted for `topic` in `region`; true the first time, when the hourly
/// story count should go up.
pub(super) fn count_once(
    tx: &Transaction<'_>,
    story: i64,
    topic: &str,
    region: &str,
) -> Result<bool, StoreError> {
    Ok(tx
        .prepare_cached(
            "INSERT OR IGNORE INTO story_topics (story_id, topic_id, region_id) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![story, topic, region])?
        == 1)
}

/// Stories sharing a key with `keys`: stored ones, and those of the batch not yet written,
/// each read as it is now (a story joined earlier in the batch has moved its times).
fn candidates(
    tx: &Transaction<'_>,
    keys: &[i64],
    batch: &StoryBatch,
) -> Result<Vec<Candidate>, StoreError> {
    let read = |r: &rusqlite::Row<'_>| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, Option<i64>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    };
    let mut one = tx.prepare_cached(
        "SELECT id, signature, title_key, first_seen_at, last_seen_at FROM stories WHERE id = ?1",
    )?;
    let mut rows = Vec::new();
    for id in batch.stories(keys) {
        rows.extend(one.query_row([id], read).optional()?);
    }
    Ok(rows
        .into_iter()
        .filter_map(|(id, signature, title_key, first, last)| {
            Candidate::of_row(id, &signature, title_key, &first, &last)
        })
        .collect())
}

impl Candidate {
    /// A story from its stored columns (id, signature, title_key, first_seen_at,
    /// last_seen_at); None for a row that cannot be read (it is no candidate).
    pub(super) fn of_row(
        id: i64,
        signature: &[u8],
        title_key: Option<i64>,
        first: &str,
        last: &str,
    ) -> Option<Candidate> {
        Some(Candidate {
            id,
            signature: Fingerprint::signature_from_bytes(signature)?,
            title_key: title_key.map(|k| k as u64),
            first_seen: from_db(first)?,
            last_seen: from_db(last)?,
        })
    }
}

fn start(
    tx: &Transaction<'_>,
    story: i64,
    post_id: i64,
    post: &Post,
    fp: &Fingerprint,
) -> Result<(), StoreError> {
    let title = story_title(post);
    let at = to_db(post.published);
    tx.prepare_cached(
        "INSERT INTO stories (id, first_post_id, first_source_id, first_url, first_seen_at, last_seen_at,
             title, posts, sources, signature, title_key)
         VALUES (?8, ?1, ?2, ?3, ?4, ?4, ?5, 1, 1, ?6, ?7)",
    )?
    .execute(params![
        post_id,
        post.source.as_str(),
        post.url,
        at,
        title,
        fp.signature_bytes(),
        fp.title.map(|k| k as i64),
        story,
    ])?;
    tx.prepare_cached(
        "INSERT INTO story_sources (story_id, source_id, posts, first_seen_at) VALUES (?1, ?2, 1, ?3)",
    )?
    .execute(params![story, post.source.as_str(), at])?;
    Ok(())
}

/// The title a story started by `post` shows: its title, else the start of its text.
pub(super) fn story_title(post: &Post) -> String {
    match post.title.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => t.to_string(),
        _ => crate::format::excerpt(&post.text, 120),
    }
}

fn join(tx: &Transaction<'_>, story: i64, post_id: i64, post: &Post) -> Result<(), StoreError> {
    let at = to_db(post.published);
    let new_source = tx
        .prepare_cached(
            "INSERT INTO story_sources (story_id, source_id, posts, first_seen_at) VALUES (?1, ?2, 1, ?3)
             ON CONFLICT (story_id, source_id) DO UPDATE SET posts = posts + 1,
                 first_seen_at = min(first_seen_at, excluded.first_seen_at)
             RETURNING posts",
        )?
        .query_row(params![story, post.source.as_str(), at], |r| r.get::<_, i64>(0))?
        == 1;
    tx.prepare_cached(
        "UPDATE stories SET posts = posts + 1, sources = sources + ?2,
             last_seen_at = max(last_seen_at, ?3)
         WHERE id = ?1",
    )?
    .execute(params![story, new_source as i64, at])?;
    // A copy published earlier than the story's first post (polled later) is its origin; but
    // an item that only links to Google News never takes the place of the outlet's own post
    // (its time still counts), and the outlet's post takes the place of such an item: the
    // story shows the outlet's link.
    let aggregated = post.url.as_deref().is_some_and(is_google_news);
    if aggregated {
        tx.prepare_cached(&format!(
            "UPDATE stories SET first_seen_at = ?2,
                 first_post_id = CASE WHEN {ON_GOOGLE} THEN ?3 ELSE first_post_id END,
                 first_source_id = CASE WHEN {ON_GOOGLE} THEN ?4 ELSE first_source_id END,
                 first_url = CASE WHEN {ON_GOOGLE} THEN ?5 ELSE first_url END
             WHERE id = ?1 AND first_seen_at > ?2"
        ))?
        .execute(params![story, at, post_id, post.source.as_str(), post.url])?;
    } else {
        tx.prepare_cached(&format!(
            "UPDATE stories SET first_seen_at = min(first_seen_at, ?2), first_post_id = ?3,
                 first_source_id = ?4, first_url = ?5
             WHERE id = ?1 AND (first_seen_at > ?2 OR ({GOOGLE_LINK} AND ?5 IS NOT NULL))"
        ))?
        .execute(params![story, at, post_id, post.source.as_str(), post.url])?;
    }
    Ok(())
}

/// SQL: the story's shown link is Google News's.
pub(super) const GOOGLE_LINK: &str =
    "(first_url LIKE 'https://news.google.com/%' OR first_url LIKE 'http://news.google.com/%')";
/// SQL: the story shows no outlet's link (none, or Google News's).
pub(super) const ON_GOOGLE: &str = "(first_url IS NULL OR first_url LIKE 'https://news.google.com/%' \
                         OR first_url LIKE 'http://news.google.com/%')";

/// One story, with its spread.
pub(super) fn story(conn: &Connection, id: i64) -> Result<Option<Story>, StoreError> {
    let row = conn
            .query_row(
                "SELECT id, title, first_seen_at, last_seen_at, first_source_id, first_url, posts, sources
                 FROM stories WHERE id = ?1",
                params![id],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, i64>(6)?,
                        r.get::<_, i64>(7)?,
                    ))
                },
            )
            .optional()?;
    let Some((id, title, first, last, first_source, first_url, posts, sources)) = row else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT coalesce(s.kind, 'lain') FROM story_sources ss
         LEFT JOIN sources s ON s.id = ss.source_id WHERE ss.story_id = ?1 ORDER BY 1",
    )?;
    let kinds = stmt
        .query_map(params![id], |r| r.get::<_, String>(0))?
        .collect::<Result<_, _>>()?;
    Ok(Some(Story {
        id,
        title,
        first_seen: from_db(&first).unwrap_or(Timestamp::UNIX_EPOCH),
        last_seen: from_db(&last).unwrap_or(Timestamp::UNIX_EPOCH),
        first_source,
        first_url,
        posts: posts as u64,
        sources: sources as u64,
        kinds,
    }))
}

/// The story a stored post belongs to, if it has one.
pub(super) fn story_of_post(conn: &Connection, post_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT story_id FROM posts WHERE id = ?1",
            params![post_id],
            |r| r.get::<_, Option<i64>>(0),
        )
        .optional()?
        .flatten())
}
