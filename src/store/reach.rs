//! Reach in reports: per topic and period, where its posts were said (share by platform), the
//! posts with most engagement, and the accounts with most reach; and each topic's reach over a
//! trend window.
//!
//! Migration 10's rollups hold it, so that a day's briefing reads rows per topic × hour ×
//! account rather than the day's posts: `topic_reach_hourly` sums each topic's posts and their
//! counts per hour, platform, source and author (`''` for a post without one; platform `''`
//! for one that names none, which counts under its source's kind, see
//! [`crate::sources::platform_of`]); `topic_engagement` lists each topic's posts with any
//! engagement under their hour and engagement, so the most engaged of a period are a few index
//! seeks per hour.
//!
//! Counts change when a post is seen again (`model::Reach`): [`seen_again`] updates the post and
//! adds the difference to the batch's [`ReachBatch`], which the write batch writes at its end
//! like the other rollups; pruning takes posts out again ([`remove_pruned`]). `followers` in
//! the rollup is the most an account was seen with, kept when a later read says fewer.

use std::borrow::Cow;
use std::collections::HashMap;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use super::StoreError;
use super::rollups::{PRUNED, SourceMeta, Split, period_rows, source_meta};
use super::rows::{POST_COLUMNS, StoredPost, read_post, uncount};
use crate::classify::Tags;
use crate::model::{Platform, Post, Reach};
use crate::time::{from_db, hour_bucket, to_db};

/// The columns a row of `posts p` adds to `topic_reach_hourly`, in its order after the key
/// (posts, reached, likes, shares, comments, views, followers); `{sign}` is `-` to take the
/// post out again.
const SUMS: &str = "{sign}count(*), {sign}sum(p.likes IS NOT NULL OR p.comments IS NOT NULL
        OR p.views IS NOT NULL OR p.followers IS NOT NULL OR p.shares > 0),
    {sign}sum(coalesce(p.likes, 0)), {sign}sum(p.shares), {sign}sum(coalesce(p.comments, 0)),
    {sign}sum(coalesce(p.views, 0)), max(coalesce(p.followers, 0))";

/// A post's engagement in SQL, as [`Reach::engagement`] counts it.
pub(super) const ENGAGEMENT: &str = "(coalesce(p.likes, 0) + p.shares + coalesce(p.comments, 0))";

/// The upsert that adds rows (key, then [`SUMS`]' columns) to `topic_reach_hourly`.
const UPSERT: &str = "INSERT INTO topic_reach_hourly
        (topic_id, hour, platform, source_id, author, posts, reached, likes, shares, comments, views, followers)
    {rows}
    ON CONFLICT (topic_id, hour, platform, source_id, author) DO UPDATE SET
        posts = posts + excluded.posts, reached = reached + excluded.reached,
        likes = likes + excluded.likes, shares = shares + excluded.shares,
        comments = comments + excluded.comments, views = views + excluded.views,
        followers = max(followers, excluded.followers)";

/// The rows of `topic_reach_hourly` for the posts `{filter}` selects.
fn select(sign: &str, filter: &str) -> String {
    format!(
        "SELECT t.topic_id, substr(p.published_at, 1, 13) || ':00:00Z' AS h,
                coalesce(p.platform, '') AS pl, p.source_id, coalesce(trim(p.author), '') AS a, {}
         FROM posts p JOIN post_topics t ON t.post_id = p.id WHERE {filter}
         GROUP BY t.topic_id, h, pl, p.source_id, a",
        SUMS.replace("{sign}", sign)
    )
}

/// Sums of one rollup row, as a batch adds them (a post seen again adds its difference).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Sums {
    pub posts: i64,
    pub reached: i64,
    pub likes: i64,
    pub shares: i64,
    pub comments: i64,
    pub views: i64,
    pub followers: i64,
}

impl Sums {
    /// One post's part.
    fn of(reach: &Reach) -> Sums {
        Sums {
            posts: 1,
            reached: (*reach != Reach::default()) as i64,
            likes: n(reach.likes.unwrap_or(0)),
            shares: n(reach.shares),
            comments: n(reach.comments.unwrap_or(0)),
            views: n(reach.views.unwrap_or(0)),
            followers: n(reach.followers.unwrap_or(0)),
        }
    }

    fn add(&mut self, other: Sums) {
        self.posts += other.posts;
        self.reached += other.reached;
        self.likes += other.likes;
        self.shares += other.shares;
        self.comments += other.comments;
        self.views += other.views;
        self.followers = self.followers.max(other.followers);
    }

    /// What changes when a post's counts go from `old` to `new`.
    fn change(old: &Reach, new: &Reach) -> Sums {
        let (o, n) = (Sums::of(old), Sums::of(new));
        Sums {
            posts: 0,
            reached: n.reached - o.reached,
            likes: n.likes - o.likes,
            shares: n.shares - o.shares,
            comments: n.comments - o.comments,
            views: n.views - o.views,
            followers: n.followers,
        }
    }
}

/// A platform's count as SQLite stores it.
fn n(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// A rollup row's key: topic, hour, platform (`''`: not named), source, author (`''`: none).
pub(super) type Key<'a> = (
    Cow<'a, str>,
    Timestamp,
    Cow<'a, str>,
    Cow<'a, str>,
    Cow<'a, str>,
);

/// A write batch's additions to the reach rollups, summed in memory and written at its end
/// ([`ReachBatch::write`]), one upsert per row, as `rollups::RollupBatch` does (and for the
/// same reason: no statement savepoints on the polls' path).
#[derive(Debug, Default)]
pub(super) struct ReachBatch<'a> {
    rows: HashMap<Key<'a>, Sums>,
    /// (topic, post id) → (hour, engagement) of posts to list in `topic_engagement`: the
    /// batch's new posts and stored posts whose engagement changed (their old entry is gone).
    engaged: HashMap<(Cow<'a, str>, i64), (Timestamp, i64)>,
}

/// SQLite's `trim()`, as the rollup's key has it: spaces only; `''` for no author.
fn author_key(author: Option<&str>) -> &str {
    author.map_or("", |a| a.trim_matches(' '))
}

impl<'a> ReachBatch<'a> {
    /// Counts one new post, stored as `id` with `tags`.
    pub(super) fn add(&mut self, id: i64, post: &'a Post, tags: &'a Tags) {
        let hour = hour_bucket(post.published);
        let platform = post.platform.as_ref().map_or("", Platform::as_str);
        let author = author_key(post.author.as_deref());
        let sums = Sums::of(&post.reach);
        let engagement = n(post.reach.engagement());
        for (i, topic) in tags.topics.iter().enumerate() {
            if tags.topics[..i].contains(topic) {
                continue;
            }
            let key = (
                Cow::Borrowed(topic.as_str()),
                hour,
                Cow::Borrowed(platform),
                Cow::Borrowed(post.source.as_str()),
                Cow::Borrowed(author),
            );
            self.rows.entry(key).or_default().add(sums);
            if engagement > 0 {
                self.engaged
                    .insert((Cow::Borrowed(topic.as_str()), id), (hour, engagement));
            }
        }
    }

    /// Adds the sums to the rollups in key order, and lists the engaged posts.
    pub(super) fn write(self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        let mut upsert = tx.prepare_cached(&UPSERT.replace(
            "{rows}",
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        ))?;
        let (rows, engaged) = self.into_rows();
        for ((topic, hour, platform, source, author), s) in rows {
            upsert.execute(params![
                topic,
                to_db(hour),
                platform,
                source,
                author,
                s.posts,
                s.reached,
                s.likes,
                s.shares,
                s.comments,
                s.views,
                s.followers
            ])?;
        }
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO topic_engagement (topic_id, hour, engagement, post_id)
             VALUES (?1, ?2, ?3, ?4)",
        )?;
        for ((topic, id), (hour, engagement)) in engaged {
            insert.execute(params![topic, to_db(hour), engagement, id])?;
        }
        Ok(())
    }
}

/// The rows a [`ReachBatch`] adds, in key order: sums per rollup row, and the posts to list
/// in `topic_engagement` as ((topic, post id), (hour, engagement)).
pub(super) type ReachRows<'a> = (
    Vec<(Key<'a>, Sums)>,
    Vec<((Cow<'a, str>, i64), (Timestamp, i64))>,
);

impl<'a> ReachBatch<'a> {
    /// What the batch adds, in key order (neighbouring rows share pages).
    pub(super) fn into_rows(self) -> ReachRows<'a> {
        let mut rows: Vec<_> = self.rows.into_iter().collect();
        rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut engaged: Vec<_> = self.engaged.into_iter().collect();
        engaged.sort_unstable();
        (rows, engaged)
    }

    /// Takes the change of a post seen again into the batch: `stored` as it was, `new` its
    /// merged counts ([`merged`]), `topics` its stored topics. Returns the entries of
    /// `topic_engagement` to delete now, as (topic, hour, engagement): a post listed by this
    /// batch is listed anew at its end instead.
    pub(super) fn seen_again(
        &mut self,
        source: &str,
        stored: &StoredReach,
        new: &Reach,
        topics: Vec<String>,
    ) -> Vec<(String, String, i64)> {
        let hour = from_db(&stored.published).map_or(Timestamp::UNIX_EPOCH, hour_bucket);
        let change = Sums::change(&stored.reach, new);
        let (before, after) = (n(stored.reach.engagement()), n(new.engagement()));
        let mut forget = Vec::new();
        for topic in topics {
            let key = (
                Cow::Owned(topic.clone()),
                hour,
                Cow::Owned(stored.platform.clone()),
                Cow::Owned(source.to_owned()),
                Cow::Owned(author_key(Some(&stored.author)).to_owned()),
            );
            self.rows.entry(key).or_default().add(change);
            let listed = (Cow::Owned(topic), stored.id);
            if self.engaged.remove(&listed).is_none() && before > 0 {
                forget.push((listed.0.clone().into_owned(), to_db(hour), before));
            }
            if after > 0 {
                self.engaged.insert(listed, (hour, after));
            }
        }
        forget
    }
}

/// A stored post's counts, as a post seen again finds them.
#[derive(Debug, Clone)]
pub(super) struct StoredReach {
    pub id: i64,
    pub published: String,
    /// `''` when it names none.
    pub platform: String,
    /// `''` when it has none.
    pub author: String,
    pub reach: Reach,
}

/// A post's counts when it is seen again with `seen`: newer counts replace the stored ones
/// where it states them, shares only grow.
pub(super) fn merged(stored: &Reach, seen: &Reach) -> Reach {
    Reach {
        likes: seen.likes.or(stored.likes),
        shares: seen.shares.max(stored.shares),
        comments: seen.comments.or(stored.comments),
        views: seen.views.or(stored.views),
        followers: seen.followers.or(stored.followers),
    }
}

/// A post seen again (same source and id): its counts replace the stored ones where it states
/// them, except shares, which only grow (see [`Reach`]), and every topic's rollups take the
/// difference. Nothing happens for a post not stored under that id (it was a copy of another
/// source's, stored once by URL or text).
pub(super) fn seen_again(
    tx: &Transaction<'_>,
    post: &Post,
    batch: &mut ReachBatch<'_>,
) -> Result<(), StoreError> {
    let stored = tx
        .prepare_cached(
            "SELECT id, published_at, coalesce(platform, ''), coalesce(author, ''),
                    likes, shares, comments, views, followers
             FROM posts WHERE source_id = ?1 AND external_id = ?2",
        )?
        .query_row(params![post.source.as_str(), post.external_id], |r| {
            let opt = |i: usize| -> rusqlite::Result<Option<u64>> {
                Ok(r.get::<_, Option<i64>>(i)?.map(uncount))
            };
            Ok(StoredReach {
                id: r.get(0)?,
                published: r.get(1)?,
                platform: r.get(2)?,
                author: r.get(3)?,
                reach: Reach {
                    likes: opt(4)?,
                    shares: uncount(r.get(5)?),
                    comments: opt(6)?,
                    views: opt(7)?,
                    followers: opt(8)?,
                },
            })
        })
        .optional()?;
    let Some(stored) = stored else {
        return Ok(());
    };
    let new = merged(&stored.reach, &post.reach);
    if new == stored.reach {
        return Ok(());
    }
    tx.prepare_cached(
        "UPDATE posts SET likes = ?2, shares = ?3, comments = ?4, views = ?5, followers = ?6
         WHERE id = ?1",
    )?
    .execute(params![
        stored.id,
        new.likes.map(n),
        n(new.shares),
        new.comments.map(n),
        new.views.map(n),
        new.followers.map(n)
    ])?;
    let topics: Vec<String> = tx
        .prepare_cached("SELECT topic_id FROM post_topics WHERE post_id = ?1")?
        .query_map([stored.id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut forget = tx.prepare_cached(
        "DELETE FROM topic_engagement
         WHERE topic_id = ?1 AND hour = ?2 AND engagement = ?3 AND post_id = ?4",
    )?;
    for (topic, hour, engagement) in batch.seen_again(post.source.as_str(), &stored, &new, topics) {
        forget.execute(params![topic, hour, engagement, stored.id])?;
    }
    Ok(())
}

/// Takes the posts listed in [`PRUNED`] out of the reach rollups (before they are deleted),
/// and drops the rows that fall to zero posts.
pub(super) fn remove_pruned(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let filter = format!("p.id IN (SELECT id FROM {PRUNED})");
    tx.prepare_cached(&UPSERT.replace("{rows}", &select("-", &filter)))?
        .execute([])?;
    tx.prepare_cached(&format!(
        "DELETE FROM topic_reach_hourly WHERE posts <= 0
         AND (topic_id, hour, platform, source_id, author) IN (
             SELECT t.topic_id, substr(p.published_at, 1, 13) || ':00:00Z', coalesce(p.platform, ''),
                    p.source_id, coalesce(trim(p.author), '')
             FROM posts p JOIN post_topics t ON t.post_id = p.id WHERE {filter})"
    ))?
    .execute([])?;
    tx.prepare_cached(&format!(
        "DELETE FROM topic_engagement WHERE (topic_id, hour, engagement, post_id) IN (
             SELECT t.topic_id, substr(p.published_at, 1, 13) || ':00:00Z', {ENGAGEMENT}, p.id
             FROM posts p JOIN post_topics t ON t.post_id = p.id WHERE {filter})"
    ))?
    .execute([])?;
    Ok(())
}

/// Posts of a topic on one platform in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlatformCount {
    pub platform: Platform,
    pub posts: u64,
}

/// An account (an author on a platform) and its reach on a topic in a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountReach {
    pub platform: Platform,
    /// The name as its posts give it (trimmed of spaces).
    pub author: String,
    pub posts: u64,
    /// The most followers the account was seen with (0 when its platform never said).
    pub followers: u64,
    /// Likes, shares and comments of its posts together ([`Reach::engagement`]).
    pub engagement: u64,
    pub likes: u64,
    pub shares: u64,
    pub comments: u64,
    pub views: u64,
}

impl AccountReach {
    /// How accounts rank by reach: (1 + followers) × (1 + engagement), so ten times the
    /// followers weighs as much as ten times the engagement, and how many posts an account
    /// wrote does not count (an account heard by 300,000 ranks above one that posted ten times
    /// to few). Compared on its logarithm, which stays finite.
    pub fn score(&self) -> f64 {
        (self.followers as f64).ln_1p() + (self.engagement as f64).ln_1p()
    }
}

/// Reach of posts of a topic (and kabupaten/kota) in a trend window: what `pantau trends
/// --json` adds to each row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReachTotals {
    /// Posts whose platform stated any reach (the rest are news and the like).
    pub posts_with_reach: u64,
    pub likes: u64,
    pub shares: u64,
    pub comments: u64,
    pub views: u64,
    /// The most followers of any account among the posts.
    pub top_followers: u64,
}

/// Posts of one topic per platform in the period, most first, then by name.
pub(super) fn topic_platforms(
    conn: &Connection,
    topic: &str,
    start: Timestamp,
    end: Timestamp,
) -> Result<Vec<PlatformCount>, StoreError> {
    let rows = period_rows(
        conn,
        &Split::of(start, end),
        "SELECT platform, source_id, sum(posts) FROM topic_reach_hourly
         WHERE topic_id = ?1 AND hour >= ?2 AND hour < ?3 GROUP BY platform, source_id",
        "SELECT coalesce(p.platform, ''), p.source_id, count(*)
         FROM posts p CROSS JOIN post_topics t ON t.post_id = p.id
         WHERE t.topic_id = ?1 AND p.published_at >= ?2 AND p.published_at < ?3
         GROUP BY 1, 2",
        topic,
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        },
    )?;
    Ok(platform_counts(rows, &source_meta(conn)?))
}

/// Counts per (platform as stored, `''` for none; source) merged per platform (a post naming
/// none counts under its source's kind's), most first, then by name.
pub(super) fn platform_counts(
    rows: Vec<(String, String, i64)>,
    meta: &HashMap<String, SourceMeta>,
) -> Vec<PlatformCount> {
    let mut by_platform: HashMap<Platform, u64> = HashMap::new();
    for (platform, source, posts) in rows {
        let kind = meta.get(&source).and_then(|(_, kind)| kind.clone());
        let platform = super::rows::platform(Some(platform).filter(|p| !p.is_empty()), kind);
        *by_platform.entry(platform).or_default() += uncount(posts);
    }
    let mut out: Vec<PlatformCount> = by_platform
        .into_iter()
        .map(|(platform, posts)| PlatformCount { platform, posts })
        .collect();
    out.sort_by(|a, b| {
        b.posts
            .cmp(&a.posts)
            .then_with(|| a.platform.cmp(&b.platform))
    });
    out
}

/// The accounts of a topic in the period whose platform stated any reach, ranked by
/// [`AccountReach::score`] (then engagement, then name), at most `limit`. One name on one
/// platform is one account, whichever sources carried it.
pub(super) fn topic_accounts(
    conn: &Connection,
    topic: &str,
    start: Timestamp,
    end: Timestamp,
    limit: usize,
) -> Result<Vec<AccountReach>, StoreError> {
    let rows = period_rows(
        conn,
        &Split::of(start, end),
        "SELECT platform, source_id, author, sum(posts), sum(reached), sum(likes), sum(shares),
                sum(comments), sum(views), max(followers)
         FROM topic_reach_hourly
         WHERE topic_id = ?1 AND hour >= ?2 AND hour < ?3 AND author <> ''
         GROUP BY platform, source_id, author",
        &format!(
            "SELECT coalesce(p.platform, '') AS pl, p.source_id, coalesce(trim(p.author), '') AS a, {}
             FROM posts p CROSS JOIN post_topics t ON t.post_id = p.id
             WHERE t.topic_id = ?1 AND p.published_at >= ?2 AND p.published_at < ?3 AND a <> ''
             GROUP BY pl, p.source_id, a",
            SUMS.replace("{sign}", "")
        ),
        topic,
        |r| {
            let c = |i: usize| -> rusqlite::Result<u64> { Ok(uncount(r.get(i)?)) };
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                [c(3)?, c(4)?, c(5)?, c(6)?, c(7)?, c(8)?, c(9)?],
            ))
        },
    )?;
    Ok(ranked_accounts(rows, &source_meta(conn)?, limit))
}

/// One row of [`topic_accounts`]' reads: platform as stored (`''`: none), source, author, and
/// posts, posts with reach, likes, shares, comments, views, most followers.
pub(super) type AccountRow = (String, String, String, [u64; 7]);

/// The accounts of `rows` (one name on one platform, whichever sources carried it) whose
/// platform stated any reach, ranked as [`topic_accounts`] ranks them, at most `limit`.
pub(super) fn ranked_accounts(
    rows: Vec<AccountRow>,
    meta: &HashMap<String, SourceMeta>,
    limit: usize,
) -> Vec<AccountReach> {
    let mut accounts: HashMap<(Platform, String), AccountReach> = HashMap::new();
    let mut reached: HashMap<(Platform, String), u64> = HashMap::new();
    for (
        platform,
        source,
        author,
        [posts, with_reach, likes, shares, comments, views, followers],
    ) in rows
    {
        let kind = meta.get(&source).and_then(|(_, kind)| kind.clone());
        let platform = super::rows::platform(Some(platform).filter(|p| !p.is_empty()), kind);
        let a = accounts
            .entry((platform.clone(), author.clone()))
            .or_insert_with(|| AccountReach {
                platform,
                author,
                posts: 0,
                followers: 0,
                engagement: 0,
                likes: 0,
                shares: 0,
                comments: 0,
                views: 0,
            });
        *reached
            .entry((a.platform.clone(), a.author.clone()))
            .or_default() += with_reach;
        a.posts += posts;
        a.likes += likes;
        a.shares += shares;
        a.comments += comments;
        a.views += views;
        a.followers = a.followers.max(followers);
        a.engagement = a.likes.saturating_add(a.shares).saturating_add(a.comments);
    }
    // Accounts whose platform never stated any reach (a newsroom's bylines) are left out.
    let mut out: Vec<AccountReach> = accounts
        .into_iter()
        .filter(|(key, _)| reached.get(key).is_some_and(|&n| n > 0))
        .map(|(_, a)| a)
        .collect();
    out.sort_by(|a, b| {
        b.score()
            .total_cmp(&a.score())
            .then(b.engagement.cmp(&a.engagement))
            .then_with(|| a.author.cmp(&b.author))
            .then_with(|| a.platform.cmp(&b.platform))
    });
    out.truncate(limit);
    out
}

/// The topic's posts with most engagement in the period (at least 1), most first (ties:
/// newest id first), at most `limit`. The most engaged of a period are among the most engaged
/// of each of its hours, so each whole hour gives its first `limit` from `topic_engagement`
/// and only the partial hours at its ends are read from the posts.
pub(super) fn topic_engaged(
    conn: &Connection,
    topic: &str,
    start: Timestamp,
    end: Timestamp,
    limit: usize,
) -> Result<Vec<StoredPost>, StoreError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let split = Split::of(start, end);
    let mut candidates: Vec<(i64, i64)> = Vec::new();
    if let Some((from, to)) = &split.hours {
        let mut hour_top = conn.prepare_cached(
            "SELECT engagement, post_id FROM topic_engagement
             WHERE topic_id = ?1 AND hour = ?2 ORDER BY engagement DESC, post_id DESC LIMIT ?3",
        )?;
        let (Some(mut hour), Some(to)) = (from_db(from), from_db(to)) else {
            return Ok(Vec::new());
        };
        while hour < to {
            let rows = hour_top.query_map(params![topic, to_db(hour), limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
            for row in rows {
                candidates.push(row?);
            }
            hour += jiff::SignedDuration::from_hours(1);
        }
    }
    let mut edge_top = conn.prepare_cached(&format!(
        "SELECT {ENGAGEMENT} AS e, p.id FROM posts p CROSS JOIN post_topics t ON t.post_id = p.id
         WHERE t.topic_id = ?1 AND p.published_at >= ?2 AND p.published_at < ?3 AND e > 0
         ORDER BY e DESC, p.id DESC LIMIT ?4"
    ))?;
    for (from, to) in &split.edges {
        let rows = edge_top.query_map(params![topic, from, to, limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        for row in rows {
            candidates.push(row?);
        }
    }
    let mut by_id = conn.prepare_cached(&format!(
        "SELECT {POST_COLUMNS} FROM posts p WHERE p.id = ?1"
    ))?;
    let chosen = most_engaged(candidates, limit);
    let mut out = Vec::with_capacity(chosen.len());
    for id in chosen {
        if let Some(post) = by_id.query_row([id], read_post).optional()? {
            out.push(post);
        }
    }
    Ok(out)
}

/// The ids of the `limit` most engaged among (engagement, post id) candidates, most first
/// (ties: newest id first), each post once.
pub(super) fn most_engaged(mut candidates: Vec<(i64, i64)>, limit: usize) -> Vec<i64> {
    candidates.sort_unstable_by(|a, b| b.cmp(a));
    candidates.dedup_by_key(|c| c.1);
    candidates.truncate(limit);
    candidates.into_iter().map(|(_, id)| id).collect()
}

/// Reach per topic (region `None`) and per topic × region (`Some`, the regions the posts
/// name) over [start, end), whole hours: for the topics from the rollup, for the regions from
/// the posts with reach in the window (`pantau trends` asks once; the briefing never does).
pub(super) fn reach_totals(
    conn: &Connection,
    start: Timestamp,
    end: Timestamp,
) -> Result<HashMap<(String, Option<String>), ReachTotals>, StoreError> {
    let read = |r: &rusqlite::Row<'_>| -> rusqlite::Result<ReachTotals> {
        let c = |i: usize| -> rusqlite::Result<u64> {
            Ok(uncount(r.get::<_, Option<i64>>(i)?.unwrap_or(0)))
        };
        Ok(ReachTotals {
            posts_with_reach: c(2)?,
            likes: c(3)?,
            shares: c(4)?,
            comments: c(5)?,
            views: c(6)?,
            top_followers: c(7)?,
        })
    };
    let mut out = HashMap::new();
    let (from, to) = (to_db(start), to_db(end));
    let mut topics = conn.prepare_cached(
        "SELECT topic_id, NULL, sum(reached), sum(likes), sum(shares), sum(comments), sum(views),
                max(followers)
         FROM topic_reach_hourly WHERE hour >= ?1 AND hour < ?2 AND reached > 0 GROUP BY topic_id",
    )?;
    let mut regions = conn.prepare_cached(
        "SELECT t.topic_id, r.region_id, count(*), sum(coalesce(p.likes, 0)), sum(p.shares),
                sum(coalesce(p.comments, 0)), sum(coalesce(p.views, 0)), max(coalesce(p.followers, 0))
         FROM posts p JOIN post_topics t ON t.post_id = p.id JOIN post_regions r ON r.post_id = p.id
         WHERE p.published_at >= ?1 AND p.published_at < ?2
           AND (p.likes IS NOT NULL OR p.comments IS NOT NULL OR p.views IS NOT NULL
                OR p.followers IS NOT NULL OR p.shares > 0)
         GROUP BY t.topic_id, r.region_id",
    )?;
    for stmt in [&mut topics, &mut regions] {
        let rows = stmt.query_map(params![from, to], |r| {
            Ok((
                (r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?),
                read(r)?,
            ))
        })?;
        for row in rows {
            let (key, totals) = row?;
            out.insert(key, totals);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;

    use super::*;
    use crate::model::{SourceId, TopicId};
    use crate::store::{Maintenance, Reports, SqliteStore as Store};

    fn post(i: u64, author: &str, platform: Option<&str>, reach: Reach) -> (Post, Tags) {
        let at: Timestamp = "2026-11-27T02:10:00Z".parse().unwrap();
        let post = Post {
            source: SourceId::new(if i.is_multiple_of(3) {
                "feed-a"
            } else {
                "vendor"
            }),
            external_id: format!("p{i}"),
            url: None,
            title: None,
            text: format!("banjir nomor {i} di jalan {}", i * 7),
            author: Some(author.into()),
            published: at + SignedDuration::from_mins(i as i64 * 25),
            fetched: at,
            lang: None,
            platform: platform.map(Platform::new),
            reach,
        };
        let tags = Tags {
            topics: vec![TopicId::new("banjir")],
            ..Tags::default()
        };
        (post, tags)
    }

    fn counted(likes: u64, followers: u64) -> Reach {
        Reach {
            likes: Some(likes),
            shares: likes / 10,
            comments: Some(likes / 5),
            views: None,
            followers: Some(followers),
        }
    }

    type Reads = (Vec<PlatformCount>, Vec<i64>, Vec<AccountReach>);

    fn reads(store: &dyn Reports, start: Timestamp, end: Timestamp) -> Reads {
        (
            store.topic_platforms("banjir", start, end).unwrap(),
            store
                .topic_engaged("banjir", start, end, 50)
                .unwrap()
                .iter()
                .map(|p| p.id)
                .collect(),
            store.topic_accounts("banjir", start, end, 50).unwrap(),
        )
    }

    /// Each hour read from the rollups (whole hours) equals the same hour read from the posts
    /// (a period one second short is all partial hour).
    fn assert_rollups_equal_posts(backend: &str, store: &dyn Reports) {
        let first: Timestamp = "2026-11-27T02:00:00Z".parse().unwrap();
        for h in 0..8 {
            let start = first + SignedDuration::from_hours(h);
            let end = start + SignedDuration::from_hours(1);
            assert_eq!(
                reads(store, start, end),
                reads(store, start, end - SignedDuration::from_secs(1)),
                "{backend}: hour {start}"
            );
        }
    }

    /// Runs `check` on the SQLite store, then on a copy of it in PostgreSQL (when there is a
    /// test server), whose reports must also answer as SQLite's.
    fn on_both(store: &mut Store, check: impl Fn(&str, &dyn Reports)) {
        check("sqlite", store);
        if let Some((_db, pg)) = crate::store::testing::copied_to_postgres(store) {
            check("postgres", &pg);
            let day: (Timestamp, Timestamp) = (
                "2026-11-27T00:00:00Z".parse().unwrap(),
                "2026-11-28T00:00:00Z".parse().unwrap(),
            );
            assert_eq!(reads(&pg, day.0, day.1), reads(store, day.0, day.1));
            assert_eq!(
                pg.reach_totals(day.0, day.1).unwrap(),
                store.reach_totals(day.0, day.1).unwrap()
            );
        }
    }

    #[test]
    fn reach_rollups_equal_the_posts_after_updates_and_pruning() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("r.db")).unwrap();
        let mut posts = Vec::new();
        for i in 0..18 {
            let author = ["@a", "@b", "@c", "Redaksi"][i as usize % 4];
            let (platform, reach) = match i % 3 {
                0 => (None, Reach::default()),
                1 => (Some("x"), counted(i * 3, 1000 * i)),
                _ => (Some("tiktok"), counted(i, 50)),
            };
            posts.push(post(i, author, platform, reach));
        }
        store.insert_posts(&posts, "v").unwrap();
        on_both(&mut store, assert_rollups_equal_posts);
        // Seen again: newer counts for some (followers grew: the rollup keeps the most seen, so
        // a fall would differ from the posts by design), one post with no counts before gets
        // some.
        let again: Vec<_> = [1, 4, 5, 9]
            .into_iter()
            .map(|i| {
                let (mut p, t) = posts[i].clone();
                p.reach = counted(100 + i as u64, 100_000 + i as u64);
                (p, t)
            })
            .collect();
        assert_eq!(store.insert_posts(&again, "v").unwrap(), 0);
        let day: (Timestamp, Timestamp) = (
            "2026-11-27T00:00:00Z".parse().unwrap(),
            "2026-11-28T00:00:00Z".parse().unwrap(),
        );
        on_both(&mut store, |backend, store| {
            assert_rollups_equal_posts(backend, store);
            let (_, engaged, accounts) = reads(store, day.0, day.1);
            assert_eq!(engaged[0], 10, "{backend}: post 9 (id 10) now has the most");
            assert_eq!(
                accounts.iter().map(|a| a.followers).max(),
                Some(100_009),
                "{backend}"
            );
            assert!(
                accounts.windows(2).all(|w| w[0].score() >= w[1].score()),
                "{backend}"
            );
        });
        // Pruning takes posts out of the rollups again.
        store
            .prune_batch("2026-11-27T04:00:00Z".parse().unwrap(), 1000)
            .unwrap();
        on_both(&mut store, |backend, store| {
            assert_rollups_equal_posts(backend, store);
            let remaining: u64 = store
                .topic_platforms("banjir", day.0, day.1)
                .unwrap()
                .iter()
                .map(|p| p.posts)
                .sum();
            assert_eq!(remaining, 18 - 5, "{backend}");
        });
    }
}
