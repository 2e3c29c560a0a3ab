//! What a poller is: one round of "what is new since this cursor" ([`Poll`]), what it finds
//! ([`Batch`]), and why it can fail ([`SourceError`], in classes a person understands). Every
//! kind's poller implements this; [`super::poll`] runs it on a schedule.

use futures_util::future::BoxFuture;

use super::context::PollCtx;
use super::error::SourceError;
use crate::model::{Cursor, Post, SourceId};

/// Runs `work` — parsing untrusted bytes, CPU work — on the blocking pool, under the panic
/// guard: a panic in it (ours or a dependency's) becomes this poll's [`SourceError::Panic`]
/// instead of a backtrace. `what` names the work for the rare error of a stopped runtime.
pub(crate) async fn off_workers<T, F>(what: &'static str, work: F) -> Result<T, SourceError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    tokio::task::spawn_blocking(move || crate::panics::guarded(work))
        .await
        .map_err(|e| SourceError::Parse(format!("{what} berhenti: {e}")))?
        .map_err(SourceError::from)
}

/// Maps raw records to posts off the async workers: turning HTML into text is CPU work on
/// untrusted input, as parsing a feed is. A record that does not map is logged (`what` names
/// it, e.g. "status Mastodon") and skipped; the others are kept.
pub(crate) async fn map_records<T, F>(
    source: &SourceId,
    records: Vec<T>,
    what: &'static str,
    map: F,
) -> Result<Vec<Post>, SourceError>
where
    T: Send + 'static,
    F: Fn(T) -> Result<Option<Post>, String> + Send + 'static,
{
    let source = source.clone();
    off_workers("pemetaan rekaman", move || {
        let mut posts = Vec::with_capacity(records.len());
        for (index, record) in records.into_iter().enumerate() {
            match map(record) {
                Ok(Some(post)) => posts.push(post),
                Ok(None) => {}
                Err(error) => tracing::warn!(
                    source = %source, index, %error,
                    "{what} dilewati karena isinya tidak sesuai"
                ),
            }
        }
        posts
    })
    .await
}

/// What one poll found.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub posts: Vec<Post>,
    /// The cursor to commit with these posts.
    pub cursor: Cursor,
    /// The server said nothing changed (HTTP 304, or the same ETag): nothing to store.
    pub not_modified: bool,
    /// Items the source offered, before de-duplication.
    pub items_found: usize,
}

/// One round of "what is new since `cursor`" for one source.
pub trait Poll: Send + Sync + 'static {
    fn poll<'a>(
        &'a self,
        cx: &'a PollCtx,
        cursor: &'a Cursor,
    ) -> BoxFuture<'a, Result<Batch, SourceError>>;
}
