//! The `mastodon` kind. PLACEHOLDER: being written on a branch; a config naming it gets a clear
//! "not supported yet" error from the poller until then.

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use url::Url;

use super::{Batch, Cursor, Poll, PollCtx, SourceError};
use crate::config::{ConfigError, Table};

/// `[[sources]] kind = "mastodon"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub url: Url,
}

impl Spec {
    pub(crate) fn from_table(t: &mut Table, errors: &mut Vec<ConfigError>) -> Option<Spec> {
        let url = t.url("url", &["http", "https"], "\"https://contoh.id\"", errors)?;
        Some(Spec { url })
    }

    /// Where the source is read from, for people.
    pub fn location(&self) -> String {
        self.url.to_string()
    }
}

#[derive(Debug)]
pub struct Poller {
    #[allow(dead_code)]
    spec: Spec,
}

impl Poller {
    pub fn new(spec: Spec) -> Self {
        Poller { spec }
    }
}

impl Poll for Poller {
    fn poll<'a>(
        &'a self,
        _cx: &'a PollCtx,
        _cursor: &'a Cursor,
    ) -> BoxFuture<'a, Result<Batch, SourceError>> {
        async {
            Err(SourceError::Unsupported(
                "jenis sumber mastodon belum selesai".into(),
            ))
        }
        .boxed()
    }
}
