//! The SQL of `post_marks` and [`super::Marks`] over it: analysts' verdicts on the topics,
//! regions and sentiment of stored posts, which the topic editor offers as examples and the
//! quality page counts.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

use super::{Marks, SqliteStore, StoreError};
use crate::time::{from_db, to_db};

/// What a mark is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Topic,
    Region,
    Sentiment,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Topic => "topic",
            Kind::Region => "region",
            Kind::Sentiment => "sentiment",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        match text {
            "topic" => Some(Kind::Topic),
            "region" => Some(Kind::Region),
            "sentiment" => Some(Kind::Sentiment),
            _ => None,
        }
    }
}

/// An analyst's verdict on one tag of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The post carries the tag and should not.
    Wrong,
    /// The post carries the tag and rightly so.
    Right,
    /// The post lacks the tag and should carry it.
    Missing,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Wrong => "wrong",
            Verdict::Right => "right",
            Verdict::Missing => "missing",
        }
    }

    pub fn parse(text: &str) -> Option<Verdict> {
        match text {
            "wrong" => Some(Verdict::Wrong),
            "right" => Some(Verdict::Right),
            "missing" => Some(Verdict::Missing),
            _ => None,
        }
    }
}

/// One user's verdict on one tag of one post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub post: i64,
    pub kind: Kind,
    /// The topic id, region id or sentiment class.
    pub value: String,
    pub verdict: Verdict,
    pub user: String,
    pub at: Timestamp,
}

/// The tags stored for a post, which a mark is checked against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostTags {
    pub topics: Vec<String>,
    pub regions: Vec<String>,
    pub sentiment: Option<String>,
}

/// A marked post as the editor and the quality page list it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub post: i64,
    pub verdict: Verdict,
    pub title: Option<String>,
    pub text: String,
    pub url: Option<String>,
    pub published: Timestamp,
    /// How many users gave this verdict, and when the last did.
    pub users: u64,
    pub at: Timestamp,
}

/// What the marks so far say about one topic.
///
/// `reviewed` counts the posts carrying the topic that anybody marked (any kind of mark: a
/// post an analyst looked at); `wrong` those of them whose last mark on this topic says
/// wrong; `missed` the posts marked as missing it that still do not carry it. Precision is
/// `1 − wrong / reviewed`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicQuality {
    pub topic: String,
    pub reviewed: u64,
    pub wrong: u64,
    pub missed: u64,
}

impl TopicQuality {
    /// `1 − wrong / reviewed`; None with nothing reviewed.
    pub fn precision(&self) -> Option<f64> {
        (self.reviewed > 0).then(|| 1.0 - self.wrong as f64 / self.reviewed as f64)
    }
}

fn candidate(r: &rusqlite::Row<'_>) -> rusqlite::Result<Candidate> {
    let verdict: String = r.get(1)?;
    let published: String = r.get(5)?;
    let at: String = r.get(7)?;
    Ok(Candidate {
        post: r.get(0)?,
        verdict: Verdict::parse(&verdict).unwrap_or(Verdict::Wrong),
        title: r.get(2)?,
        text: r.get(3)?,
        url: r.get(4)?,
        published: from_db(&published).unwrap_or(Timestamp::UNIX_EPOCH),
        users: r.get::<_, i64>(6)?.max(0) as u64,
        at: from_db(&at).unwrap_or(Timestamp::UNIX_EPOCH),
    })
}

const CANDIDATE_COLUMNS: &str = "p.id, m.verdict, p.title, p.text, p.url, p.published_at, \
                                 count(*), max(m.at)";

/// Space-separated ids as SQLite's `group_concat` gives them, or NULL.
fn ids(text: Option<String>) -> Vec<String> {
    text.map(|t| t.split(' ').map(str::to_string).collect())
        .unwrap_or_default()
}

impl Marks for SqliteStore {
    fn set_mark(&mut self, mark: &Mark) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO post_marks (post_id, kind, value, verdict, user, at, seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT coalesce(max(seq), 0) + 1 FROM post_marks))
             ON CONFLICT (post_id, kind, value, user)
             DO UPDATE SET verdict = excluded.verdict, at = excluded.at, seq = excluded.seq",
            params![
                mark.post,
                mark.kind.as_str(),
                mark.value,
                mark.verdict.as_str(),
                mark.user,
                to_db(mark.at)
            ],
        )?;
        Ok(())
    }

    fn clear_mark(
        &mut self,
        post: i64,
        kind: Kind,
        value: &str,
        user: &str,
    ) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "DELETE FROM post_marks WHERE post_id = ?1 AND kind = ?2 AND value = ?3 AND user = ?4",
            params![post, kind.as_str(), value, user],
        )?;
        Ok(n > 0)
    }

    fn post_tags(&self, id: i64) -> Result<Option<PostTags>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT (SELECT group_concat(topic_id, ' ') FROM post_topics WHERE post_id = p.id),
                        (SELECT group_concat(region_id, ' ') FROM post_regions WHERE post_id = p.id),
                        p.sentiment
                 FROM posts p WHERE p.id = ?1",
                [id],
                |r| {
                    Ok(PostTags {
                        topics: ids(r.get(0)?),
                        regions: ids(r.get(1)?),
                        sentiment: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    fn marks_on(&self, posts: &[i64]) -> Result<Vec<Mark>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT post_id, kind, value, verdict, user, at FROM post_marks
             WHERE post_id = ?1 ORDER BY seq",
        )?;
        let mut out = Vec::new();
        for &post in posts {
            let rows = stmt.query_map([post], |r| {
                let (kind, verdict, at): (String, String, String) =
                    (r.get(1)?, r.get(3)?, r.get(5)?);
                // The table's CHECKs keep kinds and verdicts known; a row that is not is skipped.
                let (Some(kind), Some(verdict)) = (Kind::parse(&kind), Verdict::parse(&verdict))
                else {
                    return Ok(None);
                };
                Ok(Some(Mark {
                    post: r.get(0)?,
                    kind,
                    value: r.get(2)?,
                    verdict,
                    user: r.get(4)?,
                    at: from_db(&at).unwrap_or(Timestamp::UNIX_EPOCH),
                }))
            })?;
            for row in rows {
                out.extend(row?);
            }
        }
        Ok(out)
    }

    fn topic_candidates(&self, topic: &str, limit: usize) -> Result<Vec<Candidate>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {CANDIDATE_COLUMNS} FROM post_marks m JOIN posts p ON p.id = m.post_id
             WHERE m.kind = 'topic' AND m.value = ?1 AND m.verdict IN ('wrong', 'missing')
             GROUP BY p.id, m.verdict ORDER BY max(m.seq) DESC LIMIT ?2"
        ))?;
        let rows = stmt
            .query_map(params![topic, limit as i64], candidate)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn topic_quality(&self) -> Result<Vec<TopicQuality>, StoreError> {
        // A post's verdict on a topic is its last topic mark there (by anyone, by `seq`): a
        // later "right" overrules an earlier "wrong", as a second look would. Reviewed posts
        // are looked up from the marks (few), not the other way round (post_topics is big).
        let mut stmt = self.conn.prepare_cached(
            "WITH last AS (
                 SELECT post_id, value AS topic_id, verdict,
                        row_number() OVER (PARTITION BY post_id, value ORDER BY seq DESC) AS n
                 FROM post_marks WHERE kind = 'topic'
             ),
             reviewed AS (
                 SELECT t.topic_id,
                        count(*) AS reviewed,
                        sum(EXISTS (SELECT 1 FROM last l WHERE l.n = 1 AND l.post_id = t.post_id
                                    AND l.topic_id = t.topic_id AND l.verdict = 'wrong')) AS wrong
                 FROM post_topics t
                 WHERE t.post_id IN (SELECT post_id FROM post_marks)
                 GROUP BY t.topic_id
             ),
             missed AS (
                 SELECT l.topic_id, count(*) AS missed FROM last l
                 WHERE l.n = 1 AND l.verdict = 'missing'
                   AND NOT EXISTS (SELECT 1 FROM post_topics t
                                   WHERE t.post_id = l.post_id AND t.topic_id = l.topic_id)
                 GROUP BY l.topic_id
             ),
             topics AS (SELECT topic_id FROM reviewed UNION SELECT topic_id FROM missed)
             SELECT k.topic_id, coalesce(r.reviewed, 0), coalesce(r.wrong, 0), coalesce(s.missed, 0)
             FROM topics k
             LEFT JOIN reviewed r ON r.topic_id = k.topic_id
             LEFT JOIN missed s ON s.topic_id = k.topic_id
             ORDER BY k.topic_id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(TopicQuality {
                    topic: r.get(0)?,
                    reviewed: r.get::<_, i64>(1)?.max(0) as u64,
                    wrong: r.get::<_, i64>(2)?.max(0) as u64,
                    missed: r.get::<_, i64>(3)?.max(0) as u64,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn missed_posts(&self, topic: &str, limit: usize) -> Result<Vec<Candidate>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {CANDIDATE_COLUMNS} FROM post_marks m JOIN posts p ON p.id = m.post_id
             WHERE m.kind = 'topic' AND m.value = ?1 AND m.verdict = 'missing'
               AND NOT EXISTS (SELECT 1 FROM post_topics t WHERE t.post_id = p.id AND t.topic_id = ?1)
               AND (SELECT l.verdict FROM post_marks l WHERE l.post_id = p.id AND l.kind = 'topic'
                    AND l.value = ?1 ORDER BY l.seq DESC LIMIT 1) = 'missing'
             GROUP BY p.id, m.verdict ORDER BY max(m.seq) DESC LIMIT ?2"
        ))?;
        let rows = stmt
            .query_map(params![topic, limit as i64], candidate)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::testing::each_backend;

    fn mark(post: i64, value: &str, verdict: Verdict, user: &str, secs: i64) -> Mark {
        Mark {
            post,
            kind: Kind::Topic,
            value: value.into(),
            verdict,
            user: user.into(),
            at: Timestamp::from_second(1_800_000_000 + secs).unwrap(),
        }
    }

    /// Posts 1–4 of source `s`, the first three tagged `banjir` (post 1 also `abrasi`, and the
    /// regions `samarinda` and `kaltim`), in plain SQL both backends read alike: the marks are
    /// the subject here, not how posts are written.
    fn seed(store: &Store) {
        let sql = "INSERT INTO posts (id, source_id, external_id, title, text, published_at,
                                      fetched_at, text_hash, sentiment)
                   VALUES (1, 's', 'p1', 'Judul 1', 'teks 1', '2026-12-01T01:00:00Z',
                           '2026-12-01T01:00:00Z', 'h1', 'negatif'),
                          (2, 's', 'p2', NULL, 'teks 2', '2026-12-01T02:00:00Z',
                           '2026-12-01T02:00:00Z', 'h2', NULL),
                          (3, 's', 'p3', NULL, 'teks 3', '2026-12-01T03:00:00Z',
                           '2026-12-01T03:00:00Z', 'h3', NULL),
                          (4, 's', 'p4', NULL, 'teks 4', '2026-12-01T04:00:00Z',
                           '2026-12-01T04:00:00Z', 'h4', NULL);
                   INSERT INTO post_topics (post_id, topic_id)
                   VALUES (1, 'banjir'), (1, 'abrasi'), (2, 'banjir'), (3, 'banjir');
                   INSERT INTO post_regions (post_id, region_id)
                   VALUES (1, 'samarinda'), (1, 'kaltim');";
        match store {
            Store::Sqlite(s) => s.conn.execute_batch(sql).expect(sql),
            Store::Postgres(p) => postgres::Client::connect(p.url().expose(), postgres::NoTls)
                .expect("PostgreSQL uji")
                .batch_execute(sql)
                .expect(sql),
        }
    }

    #[test]
    fn marks_are_one_per_user_and_counted_by_their_last_verdict() {
        each_backend(|backend, mut store| {
            seed(&store);
            store
                .set_mark(&mark(1, "banjir", Verdict::Wrong, "siti", 1))
                .unwrap();
            // The same user changes her mind: still one mark.
            store
                .set_mark(&mark(1, "banjir", Verdict::Right, "siti", 2))
                .unwrap();
            store
                .set_mark(&mark(2, "banjir", Verdict::Wrong, "rina", 3))
                .unwrap();
            let mut region = mark(3, "samarinda", Verdict::Wrong, "rina", 4);
            region.kind = Kind::Region;
            store.set_mark(&region).unwrap();
            store
                .set_mark(&mark(4, "banjir", Verdict::Missing, "siti", 5))
                .unwrap();
            let on_1 = store.marks_on(&[1]).unwrap();
            assert_eq!(
                on_1,
                [mark(1, "banjir", Verdict::Right, "siti", 2)],
                "{backend:?}"
            );
            // The posts in the order asked, each one's marks oldest first.
            let posts: Vec<i64> = store
                .marks_on(&[4, 1, 99, 2])
                .unwrap()
                .iter()
                .map(|m| m.post)
                .collect();
            assert_eq!(posts, [4, 1, 2], "{backend:?}");
            let q = store.topic_quality().unwrap();
            assert_eq!(
                q,
                [
                    TopicQuality {
                        topic: "abrasi".into(),
                        reviewed: 1,
                        wrong: 0,
                        missed: 0,
                    },
                    TopicQuality {
                        topic: "banjir".into(),
                        reviewed: 3,
                        wrong: 1,
                        missed: 1,
                    }
                ],
                "{backend:?}"
            );
            assert!((q[1].precision().unwrap() - 2.0 / 3.0).abs() < 1e-9);
            // A second look by someone else overrules the first "wrong".
            store
                .set_mark(&mark(2, "banjir", Verdict::Right, "siti", 6))
                .unwrap();
            assert_eq!(store.topic_quality().unwrap()[1].wrong, 0, "{backend:?}");
            store
                .set_mark(&mark(2, "banjir", Verdict::Wrong, "budi", 7))
                .unwrap();
            let c = store.topic_candidates("banjir", 10).unwrap();
            let got: Vec<(i64, Verdict, u64)> =
                c.iter().map(|c| (c.post, c.verdict, c.users)).collect();
            assert_eq!(
                got,
                [(2, Verdict::Wrong, 2), (4, Verdict::Missing, 1)],
                "{backend:?}"
            );
            assert_eq!(
                c[0].at,
                Timestamp::from_second(1_800_000_007).unwrap(),
                "{backend:?}"
            );
            assert_eq!(c[1].text, "teks 4", "{backend:?}");
            assert_eq!(store.topic_candidates("banjir", 1).unwrap().len(), 1);
            assert_eq!(store.missed_posts("banjir", 10).unwrap()[0].post, 4);
            // A later "right" on the missing post: it is no longer missed.
            store
                .set_mark(&mark(4, "banjir", Verdict::Right, "rina", 8))
                .unwrap();
            assert!(store.missed_posts("banjir", 10).unwrap().is_empty());
            assert!(store.clear_mark(4, Kind::Topic, "banjir", "rina").unwrap());
            assert_eq!(store.missed_posts("banjir", 10).unwrap().len(), 1);
            assert!(store.clear_mark(4, Kind::Topic, "banjir", "siti").unwrap());
            assert!(!store.clear_mark(4, Kind::Topic, "banjir", "siti").unwrap());
            assert!(store.missed_posts("banjir", 10).unwrap().is_empty());
            let tags = store.post_tags(1).unwrap().unwrap();
            assert_eq!(tags.topics, ["abrasi", "banjir"], "{backend:?}");
            assert_eq!(tags.regions, ["kaltim", "samarinda"], "{backend:?}");
            assert_eq!(tags.sentiment.as_deref(), Some("negatif"), "{backend:?}");
            assert_eq!(store.post_tags(4).unwrap().unwrap(), PostTags::default());
            assert!(store.post_tags(99).unwrap().is_none(), "{backend:?}");
        });
    }
}
