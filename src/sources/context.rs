//! What every poller gets for one source: its id and the shared [`Fetcher`] (one HTTP client,
//! one set of per-host limits for the whole process).

use super::http::Fetcher;
use crate::model::SourceId;

#[derive(Debug, Clone)]
pub struct PollCtx {
    pub source: SourceId,
    pub fetcher: Fetcher,
}
