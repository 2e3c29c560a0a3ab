//! A post as reads hand it back ([`StoredPost`]), and the columns and row reader every query
//! that returns posts shares: reports (`store::rollups`), pages (`store::browse`) and search
//! (`store::search`). It sits below them all, so none of them imports another for it.

use jiff::Timestamp;

use crate::model::{Platform, Reach, SourceId};

/// A post as read back for reports.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredPost {
    pub id: i64,
    pub source: SourceId,
    pub url: Option<String>,
    pub title: Option<String>,
    pub text: String,
    pub author: Option<String>,
    pub published: Timestamp,
    pub sentiment: Option<String>,
    /// The sentiment's score as the classifier gave it (negative below zero); None when no
    /// class was given.
    pub sentiment_score: Option<f64>,
    /// The story the post belongs to (posts with a topic, stored since stories exist).
    pub story: Option<i64>,
    /// Where it was said: as the post names it, else its source's kind's platform
    /// (`sources::platform_of`; `lain` when nobody said).
    pub platform: Platform,
    /// How far it reached, as last read.
    pub reach: Reach,
}

/// The columns [`read_post`] reads, of `posts p`, in its order.
pub(super) const POST_COLUMNS: &str =
    "p.id, p.source_id, p.url, p.title, p.text, p.author, p.published_at, p.sentiment, p.story_id,
     p.platform, (SELECT s.kind FROM sources s WHERE s.id = p.source_id),
     p.likes, p.shares, p.comments, p.views, p.followers, p.sentiment_score";

/// How many columns [`POST_COLUMNS`] holds: a query's own columns follow them.
pub(super) const POST_COLUMN_COUNT: usize = 17;

/// A [`StoredPost`] from a row that starts with [`POST_COLUMNS`].
pub(super) fn read_post(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredPost> {
    let published: String = r.get(6)?;
    Ok(StoredPost {
        id: r.get(0)?,
        source: SourceId::new(r.get::<_, String>(1)?),
        url: r.get(2)?,
        title: r.get(3)?,
        text: r.get(4)?,
        author: r.get(5)?,
        published: crate::time::from_db(&published).unwrap_or(Timestamp::UNIX_EPOCH),
        sentiment: r.get(7)?,
        sentiment_score: r.get(16)?,
        story: r.get(8)?,
        platform: platform(r.get(9)?, r.get(10)?),
        reach: Reach {
            likes: r.get::<_, Option<i64>>(11)?.map(uncount),
            shares: uncount(r.get(12)?),
            comments: r.get::<_, Option<i64>>(13)?.map(uncount),
            views: r.get::<_, Option<i64>>(14)?.map(uncount),
            followers: r.get::<_, Option<i64>>(15)?.map(uncount),
        },
    })
}

/// A post's platform as stored, or (NULL: stored before platforms were kept, or pushed
/// without one) its source's kind's (`kind` as `sources` has it).
pub(super) fn platform(stored: Option<String>, kind: Option<String>) -> Platform {
    stored
        .and_then(|p| Platform::parse(&p))
        .unwrap_or_else(|| Platform::new(crate::sources::platform_of(kind.as_deref())))
}

/// A count as SQLite holds it, back as a platform's count (never negative).
pub(super) fn uncount(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// A post with its tags, as the API lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ListedPost {
    #[serde(flatten)]
    pub post: StoredPost,
    /// The topics and regions the post is about: what every count reads.
    pub topics: Vec<String>,
    pub regions: Vec<String>,
    /// Topics and regions it only names (`classify::salience`), not counted.
    pub mentioned_topics: Vec<String>,
    pub mentioned_regions: Vec<String>,
}

/// The columns after [`POST_COLUMNS`] that [`read_listed`] reads: a post's topics, regions,
/// and the topics and regions it only mentions, each a space-separated list or NULL.
pub(super) const TAG_COLUMNS: &str =
    "(SELECT group_concat(topic_id, ' ') FROM post_topics t WHERE t.post_id = p.id),
     (SELECT group_concat(region_id, ' ') FROM post_regions r WHERE r.post_id = p.id),
     (SELECT group_concat(tag_id, ' ') FROM post_mentions m WHERE m.post_id = p.id AND m.kind = 'topic'),
     (SELECT group_concat(tag_id, ' ') FROM post_mentions m WHERE m.post_id = p.id AND m.kind = 'region')";

/// A [`ListedPost`] from a row of [`POST_COLUMNS`] and then [`TAG_COLUMNS`].
pub(super) fn read_listed(r: &rusqlite::Row<'_>) -> rusqlite::Result<ListedPost> {
    let words = |i: usize| -> rusqlite::Result<Vec<String>> {
        Ok(r.get::<_, Option<String>>(i)?
            .map(|s| s.split(' ').map(str::to_owned).collect())
            .unwrap_or_default())
    };
    Ok(ListedPost {
        post: read_post(r)?,
        topics: words(POST_COLUMN_COUNT)?,
        regions: words(POST_COLUMN_COUNT + 1)?,
        mentioned_topics: words(POST_COLUMN_COUNT + 2)?,
        mentioned_regions: words(POST_COLUMN_COUNT + 3)?,
    })
}
