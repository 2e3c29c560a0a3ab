//! A post as reads hand it back ([`StoredPost`]), and the columns and row reader every query
//! that returns posts shares: reports (`store::rollups`), pages (`store::browse`) and search
//! (`store::search`). It sits below them all, so none of them imports another for it.

use jiff::Timestamp;

use crate::model::SourceId;

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
    /// The story the post belongs to (posts with a topic, stored since stories exist).
    pub story: Option<i64>,
}

/// The columns [`read_post`] reads, of `posts p`, in its order.
pub(super) const POST_COLUMNS: &str =
    "p.id, p.source_id, p.url, p.title, p.text, p.author, p.published_at, p.sentiment, p.story_id";

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
        story: r.get(8)?,
    })
}
