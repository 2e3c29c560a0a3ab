//! Reads for reports: counts per topic from the hourly rollups, and per topic the regions,
//! sources, sentiment and representative posts of a period. Periods are half-open [start, end).

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

use super::posts::{POST_COLUMNS, StoredPost, read_post};
use super::{Store, StoreError};
use crate::time::{from_db, to_db};

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

impl Store {
    /// Runs a query whose rows are (text, count) with `params`.
    fn counts(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt
            .query_map(params, |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Posts per topic (all regions) in the period, from `topic_hourly`.
    pub fn topic_counts(
        &self,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        self.counts(
            "SELECT topic_id, sum(posts) FROM topic_hourly
             WHERE region_id = '*' AND hour >= ?1 AND hour < ?2
             GROUP BY topic_id ORDER BY topic_id",
            params![to_db(start), to_db(end)],
        )
    }

    /// Hourly counts of one topic (all regions) in the period.
    pub fn topic_hours(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(Timestamp, u64)>, StoreError> {
        let rows = self.counts(
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
    pub fn topic_areas(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        self.counts(
            "SELECT region_id, sum(posts) AS n FROM topic_hourly
             WHERE topic_id = ?1 AND region_id != '*' AND hour >= ?2 AND hour < ?3
             GROUP BY region_id ORDER BY n DESC, region_id",
            params![topic, to_db(start), to_db(end)],
        )
    }

    /// Posts of one topic per source in the period, most first.
    pub fn topic_sources(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<SourceCount>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.source_id, s.name, s.kind, count(*) AS n
             FROM post_topics t JOIN posts p ON p.id = t.post_id
             LEFT JOIN sources s ON s.id = p.source_id
             WHERE t.topic_id = ?1 AND p.published_at >= ?2 AND p.published_at < ?3
             GROUP BY p.source_id ORDER BY n DESC, p.source_id",
        )?;
        let rows = stmt
            .query_map(params![topic, to_db(start), to_db(end)], |r| {
                Ok(SourceCount {
                    source: r.get(0)?,
                    name: r.get(1)?,
                    kind: r.get(2)?,
                    posts: r.get::<_, i64>(3)? as u64,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Posts of one topic per author (byline or account) and source in the period, most first,
    /// at most `limit` rows. Posts without an author are left out; telling a person's account
    /// from a newsroom's generic byline ("Redaksi") is the caller's business.
    pub fn topic_authors(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<AuthorCount>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT trim(p.author) AS a, p.source_id, s.name, count(*) AS n
             FROM post_topics t JOIN posts p ON p.id = t.post_id
             LEFT JOIN sources s ON s.id = p.source_id
             WHERE t.topic_id = ?1 AND p.published_at >= ?2 AND p.published_at < ?3
               AND p.author IS NOT NULL AND trim(p.author) <> ''
             GROUP BY a, p.source_id ORDER BY n DESC, a, p.source_id LIMIT ?4",
        )?;
        let rows = stmt
            .query_map(
                params![topic, to_db(start), to_db(end), limit as i64],
                |r| {
                    Ok(AuthorCount {
                        author: r.get(0)?,
                        source: r.get(1)?,
                        source_name: r.get(2)?,
                        posts: r.get::<_, i64>(3)? as u64,
                    })
                },
            )?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Posts of one topic per sentiment class in the period.
    pub fn topic_sentiment(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        self.counts(
            "SELECT coalesce(p.sentiment, 'netral'), count(*)
             FROM post_topics t JOIN posts p ON p.id = t.post_id
             WHERE t.topic_id = ?1 AND p.published_at >= ?2 AND p.published_at < ?3
             GROUP BY 1",
            params![topic, to_db(start), to_db(end)],
        )
    }

    /// Up to `limit` representative posts of a topic in the period: the newest post of each
    /// source first (so one loud source cannot fill the list), then the next newest of each,
    /// one post per story (a syndicated story shows once), and for posts without a story,
    /// skipping copies of a text already chosen.
    pub fn topic_posts(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredPost>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {POST_COLUMNS} FROM (
                 SELECT p.*, row_number() OVER (PARTITION BY p.source_id ORDER BY p.published_at DESC, p.id DESC) AS rank
                 FROM post_topics t JOIN posts p ON p.id = t.post_id
                 WHERE t.topic_id = ?1 AND p.published_at >= ?2 AND p.published_at < ?3
             ) AS p
             ORDER BY p.rank, p.published_at DESC, p.id DESC LIMIT ?4"
        ))?;
        let rows = stmt.query_map(
            params![topic, to_db(start), to_db(end), (limit * 6) as i64],
            read_post,
        )?;
        let mut seen_text = std::collections::HashSet::new();
        let mut seen_story = std::collections::HashSet::new();
        let mut out = Vec::new();
        for row in rows {
            let post = row?;
            // Copies of one story carry the same body under different headlines; compare on
            // a folded prefix of the body, or of the title for posts that have no body.
            let basis = if post.text.trim().is_empty() {
                post.title.as_deref().unwrap_or("")
            } else {
                &post.text
            };
            let key: String = crate::classify::normalize::fold(basis)
                .text
                .chars()
                .take(200)
                .collect();
            let fresh = match post.story {
                Some(story) => seen_story.insert(story),
                None => true,
            };
            if seen_text.insert(key) && fresh {
                out.push(post);
            }
            if out.len() == limit {
                break;
            }
        }
        Ok(out)
    }

    /// Posts stored with a publication time in the period, and how many of them have a topic.
    pub fn post_totals(&self, start: Timestamp, end: Timestamp) -> Result<(u64, u64), StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM post_topics t WHERE t.post_id = p.id))
             FROM posts p WHERE p.published_at >= ?1 AND p.published_at < ?2",
            params![to_db(start), to_db(end)],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
        )?)
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

impl Store {
    /// Every hourly count in [start, end).
    pub fn hour_counts(
        &self,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<HourCount>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
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
    pub fn first_hour(&self) -> Result<Option<Timestamp>, StoreError> {
        let first: Option<String> =
            self.conn
                .query_row("SELECT min(hour) FROM topic_hourly", [], |r| r.get(0))?;
        Ok(first.as_deref().and_then(from_db))
    }

    /// Since when Pantau has been collecting: its first poll, or (for a store filled only by
    /// imports and tests) the earliest hourly count. A feed's backlog can reach days back, but
    /// those days hold only what the feed still lists, so they are no baseline to alert on.
    pub fn collecting_since(&self) -> Result<Option<Timestamp>, StoreError> {
        let first_poll: Option<String> = self
            .conn
            .query_row(
                "SELECT started_at FROM fetch_log ORDER BY id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        match first_poll.as_deref().and_then(from_db) {
            Some(t) => Ok(Some(t)),
            None => self.first_hour(),
        }
    }

    /// The sources that carried each topic in [start, end), over all regions (`*`) and per
    /// region named in `areas`.
    pub fn sources_seen(
        &self,
        start: Timestamp,
        end: Timestamp,
        areas: &std::collections::HashSet<String>,
    ) -> Result<Vec<SourceSeen>, StoreError> {
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.topic_id, p.source_id, coalesce(s.kind, 'lain'), r.region_id
             FROM posts p JOIN post_topics t ON t.post_id = p.id
             LEFT JOIN post_regions r ON r.post_id = p.id
             LEFT JOIN sources s ON s.id = p.source_id
             WHERE p.published_at >= ?1 AND p.published_at < ?2
             GROUP BY 1, 2, 4",
        )?;
        let rows = stmt.query_map(params![to_db(start), to_db(end)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        let mut all = std::collections::HashSet::new();
        for row in rows {
            let (topic, source, kind, region) = row?;
            if all.insert((topic.clone(), source.clone())) {
                out.push(SourceSeen {
                    topic: topic.clone(),
                    region: "*".into(),
                    source: source.clone(),
                    kind: kind.clone(),
                });
            }
            if let Some(region) = region.filter(|r| areas.contains(r)) {
                out.push(SourceSeen {
                    topic,
                    region,
                    source,
                    kind,
                });
            }
        }
        Ok(out)
    }
}
