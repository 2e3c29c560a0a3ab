//! Stories in the store: each new post with a topic joins the story it is a near-duplicate of
//! (see [`crate::stories`]), or starts one. Runs inside the poll's transaction, so a post and
//! its story membership are committed together.

use jiff::{SignedDuration, Timestamp};
use rusqlite::{OptionalExtension, Transaction, params, params_from_iter};
use serde::Serialize;

use super::{Store, StoreError};
use crate::model::Post;
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

struct Candidate {
    id: i64,
    signature: Vec<u32>,
    title_key: Option<u64>,
    first_seen: Timestamp,
    last_seen: Timestamp,
}

/// Puts the just-inserted post `post_id` into its story; returns the story's id.
pub(super) fn assign(
    tx: &Transaction<'_>,
    post_id: i64,
    post: &Post,
    fp: &Fingerprint,
) -> Result<i64, StoreError> {
    let keys = fp.keys();
    let window = SignedDuration::from_hours(STORY_WINDOW_HOURS);
    let best = candidates(tx, &keys)?
        .into_iter()
        .filter(|c| {
            post.published >= c.first_seen - window && post.published <= c.last_seen + window
        })
        .filter(|c| fp.same_story(&c.signature, c.title_key))
        .map(|c| (fp.similarity(&c.signature), c))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let story = match best {
        Some((similarity, c)) => {
            join(tx, c.id, post_id, post)?;
            if similarity < NEW_VARIANT_BELOW {
                insert_keys(tx, c.id, &keys)?;
            }
            c.id
        }
        None => start(tx, post_id, post, fp, &keys)?,
    };
    tx.prepare_cached("UPDATE posts SET story_id = ?2 WHERE id = ?1")?
        .execute(params![post_id, story])?;
    Ok(story)
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

fn candidates(tx: &Transaction<'_>, keys: &[i64]) -> Result<Vec<Candidate>, StoreError> {
    let placeholders = vec!["?"; keys.len()].join(",");
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT s.id, s.signature, s.title_key, s.first_seen_at, s.last_seen_at FROM stories s
         WHERE s.id IN (SELECT story_id FROM story_keys WHERE key IN ({placeholders}))"
    ))?;
    let rows = stmt.query_map(params_from_iter(keys), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, Option<i64>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, signature, title_key, first, last) = row?;
        let (Some(signature), Some(first_seen), Some(last_seen)) = (
            Fingerprint::signature_from_bytes(&signature),
            from_db(&first),
            from_db(&last),
        ) else {
            continue;
        };
        out.push(Candidate {
            id,
            signature,
            title_key: title_key.map(|k| k as u64),
            first_seen,
            last_seen,
        });
    }
    Ok(out)
}

fn start(
    tx: &Transaction<'_>,
    post_id: i64,
    post: &Post,
    fp: &Fingerprint,
    keys: &[i64],
) -> Result<i64, StoreError> {
    let title = match post.title.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => t.to_string(),
        _ => crate::format::excerpt(&post.text, 120),
    };
    let at = to_db(post.published);
    tx.prepare_cached(
        "INSERT INTO stories (first_post_id, first_source_id, first_url, first_seen_at, last_seen_at,
             title, posts, sources, signature, title_key)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, 1, 1, ?6, ?7)",
    )?
    .execute(params![
        post_id,
        post.source.as_str(),
        post.url,
        at,
        title,
        fp.signature_bytes(),
        fp.title.map(|k| k as i64),
    ])?;
    let story = tx.last_insert_rowid();
    tx.prepare_cached(
        "INSERT INTO story_sources (story_id, source_id, posts, first_seen_at) VALUES (?1, ?2, 1, ?3)",
    )?
    .execute(params![story, post.source.as_str(), at])?;
    insert_keys(tx, story, keys)?;
    Ok(story)
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
    // A copy published earlier than the story's first post (polled later) is its origin.
    tx.prepare_cached(
        "UPDATE stories SET first_seen_at = ?2, first_post_id = ?3, first_source_id = ?4, first_url = ?5
         WHERE id = ?1 AND first_seen_at > ?2",
    )?
    .execute(params![story, at, post_id, post.source.as_str(), post.url])?;
    Ok(())
}

/// All of a story's keys in one statement (one statement per key cost a third more).
fn insert_keys(tx: &Transaction<'_>, story: i64, keys: &[i64]) -> Result<(), StoreError> {
    let rows = vec!["(?, ?)"; keys.len()].join(", ");
    let mut stmt = tx.prepare_cached(&format!(
        "INSERT OR IGNORE INTO story_keys (key, story_id) VALUES {rows}"
    ))?;
    let values: Vec<i64> = keys.iter().flat_map(|&k| [k, story]).collect();
    stmt.execute(params_from_iter(values))?;
    Ok(())
}

impl Store {
    /// One story, with its spread.
    pub fn story(&self, id: i64) -> Result<Option<Story>, StoreError> {
        let row = self
            .conn
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
        let mut stmt = self.conn.prepare_cached(
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
    pub fn story_of_post(&self, post_id: i64) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT story_id FROM posts WHERE id = ?1",
                params![post_id],
                |r| r.get::<_, Option<i64>>(0),
            )
            .optional()?
            .flatten())
    }
}
