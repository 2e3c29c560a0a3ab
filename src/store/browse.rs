//! Reading posts, stories and briefings page by page, for the HTTP API and the dashboard.
//!
//! Paging is by keyset, not offset: a page ends at a post (its publication time and id) and
//! the next page starts after it, so a page costs the same however deep it is and posts
//! arriving meanwhile do not shift what the reader sees.

use jiff::Timestamp;
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params_from_iter};

use super::briefings::BriefingRecord;
use super::posts::{POST_COLUMNS, StoredPost, read_post};
use super::search::fts_query;
use super::{Store, StoreError};
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

/// A post with its tags, as the API lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ListedPost {
    #[serde(flatten)]
    pub post: StoredPost,
    pub topics: Vec<String>,
    pub regions: Vec<String>,
}

/// One page of posts and the cursor of the next (None on the last page).
#[derive(Debug, Clone)]
pub struct Page {
    pub posts: Vec<ListedPost>,
    pub next: Option<Cursor>,
}

impl Store {
    /// Posts matching `filter`, newest first, one page.
    pub fn posts_page(&self, filter: &PostFilter) -> Result<Page, StoreError> {
        let limit = filter.limit.clamp(1, MAX_PAGE);
        let mut from = String::from("posts p");
        let mut conditions: Vec<&str> = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        if let Some(q) = &filter.query {
            let Some(fts) = fts_query(q) else {
                return Ok(Page {
                    posts: Vec::new(),
                    next: None,
                });
            };
            from.push_str(" JOIN posts_fts f ON f.rowid = p.id");
            conditions.push("posts_fts MATCH ?");
            values.push(Value::Text(fts));
        }
        if let Some(topic) = &filter.topic {
            conditions.push("p.id IN (SELECT post_id FROM post_topics WHERE topic_id = ?)");
            values.push(Value::Text(topic.clone()));
        }
        if let Some(region) = &filter.region {
            conditions.push("p.id IN (SELECT post_id FROM post_regions WHERE region_id = ?)");
            values.push(Value::Text(region.clone()));
        }
        if let Some(source) = &filter.source {
            conditions.push("p.source_id = ?");
            values.push(Value::Text(source.clone()));
        }
        if let Some(since) = filter.since {
            conditions.push("p.published_at >= ?");
            values.push(Value::Text(to_db(since)));
        }
        if let Some(until) = filter.until {
            conditions.push("p.published_at < ?");
            values.push(Value::Text(to_db(until)));
        }
        if let Some(after) = filter.after {
            conditions.push("(p.published_at < ? OR (p.published_at = ? AND p.id < ?))");
            let at = to_db(after.published);
            values.push(Value::Text(at.clone()));
            values.push(Value::Text(at));
            values.push(Value::Integer(after.id));
        }
        let where_ = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        // One more than the page, to know whether another page follows.
        values.push(Value::Integer(limit as i64 + 1));
        let sql = format!(
            "SELECT {POST_COLUMNS},
                    (SELECT group_concat(topic_id, ' ') FROM post_topics t WHERE t.post_id = p.id),
                    (SELECT group_concat(region_id, ' ') FROM post_regions r WHERE r.post_id = p.id)
             FROM {from} {where_} ORDER BY p.published_at DESC, p.id DESC LIMIT ?"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut posts = stmt
            .query_map(params_from_iter(values), |r| {
                let words = |i: usize| -> rusqlite::Result<Vec<String>> {
                    Ok(r.get::<_, Option<String>>(i)?
                        .map(|s| s.split(' ').map(str::to_owned).collect())
                        .unwrap_or_default())
                };
                Ok(ListedPost {
                    post: read_post(r)?,
                    topics: words(9)?,
                    regions: words(10)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let next = if posts.len() > limit {
            posts.truncate(limit);
            posts.last().map(|p| Cursor {
                published: p.post.published,
                id: p.post.id,
            })
        } else {
            None
        };
        Ok(Page { posts, next })
    }

    /// The posts of a story, earliest first (the origin first), at most `limit`.
    pub fn story_posts(&self, story: i64, limit: usize) -> Result<Vec<StoredPost>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {POST_COLUMNS} FROM posts p WHERE p.story_id = ?1
             ORDER BY p.published_at, p.id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(rusqlite::params![story, limit as i64], read_post)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Written briefings, newest first, at most `limit`.
    pub fn briefings(&self, limit: usize) -> Result<Vec<BriefingRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {BRIEFING_COLUMNS} FROM briefings ORDER BY date DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit as i64], read_briefing)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The briefing of one local date (`YYYY-MM-DD`), if it was written.
    pub fn briefing(&self, date: &str) -> Result<Option<BriefingRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {BRIEFING_COLUMNS} FROM briefings WHERE date = ?1"
        ))?;
        Ok(stmt.query_row([date], read_briefing).optional()?)
    }
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
}
