//! The `feed` kind: RSS 0.9x/1.0/2.0, Atom and JSON Feed over http(s) or file://.
//! Fetching is [`crate::sources::http`]'s, parsing is [`parse`]'s; this file ties them to the
//! cursor (the HTTP validators of the last successful fetch).

pub mod identity;
pub mod parse;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use url::Url;

use super::http::{Fetched, Validators};
use super::{Batch, Poll, PollCtx, SourceError};
use crate::config::{ConfigError, Table};
use crate::model::Cursor;

/// `[[sources]] kind = "feed"`: `url` is the feed's address (`https://…` or `file:///…`).
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub url: Url,
}

impl Spec {
    pub(crate) fn from_table(t: &mut Table, errors: &mut Vec<ConfigError>) -> Option<Spec> {
        let url = t.required_url(
            "url",
            &["http", "https", "file"],
            "\"https://contoh.id/rss\"",
            errors,
        )?;
        Some(Spec { url })
    }
}

/// Polls one feed.
#[derive(Debug)]
pub struct FeedPoller {
    spec: Spec,
    /// Adjusts each post after parsing (Google News puts the publisher in the title).
    refine: Option<fn(&mut crate::model::Post)>,
}

impl FeedPoller {
    pub fn new(spec: Spec) -> Self {
        FeedPoller { spec, refine: None }
    }

    /// A poller that passes every parsed post through `refine`.
    pub fn refined(spec: Spec, refine: fn(&mut crate::model::Post)) -> Self {
        FeedPoller {
            spec,
            refine: Some(refine),
        }
    }

    async fn poll_once(&self, cx: &PollCtx, cursor: &Cursor) -> Result<Batch, SourceError> {
        let validators = match cursor {
            Cursor::Http {
                etag,
                last_modified,
            } => Validators {
                etag: etag.clone(),
                last_modified: last_modified.clone(),
            },
            _ => Validators::default(),
        };
        let fetched_at = jiff::Timestamp::now();
        match cx.fetcher.get(&self.spec.url, &validators).await? {
            Fetched::NotModified => Ok(Batch {
                cursor: cursor.clone(),
                not_modified: true,
                ..Batch::default()
            }),
            Fetched::Changed(doc) => {
                // Parsing is CPU work on untrusted bytes: keep it off the async workers.
                let source = cx.source.clone();
                let (mut posts, items_found, doc) = tokio::task::spawn_blocking(move || {
                    parse::parse(&doc, &source, fetched_at).map(|(p, n)| (p, n, doc))
                })
                .await
                .map_err(|e| SourceError::Parse(format!("pengurai berhenti: {e}")))??;
                if let Some(refine) = self.refine {
                    posts.iter_mut().for_each(refine);
                }
                Ok(Batch {
                    posts,
                    items_found,
                    not_modified: false,
                    cursor: Cursor::Http {
                        etag: doc.validators.etag,
                        last_modified: doc.validators.last_modified,
                    },
                })
            }
        }
    }
}

impl Poll for FeedPoller {
    fn poll<'a>(
        &'a self,
        cx: &'a PollCtx,
        cursor: &'a Cursor,
    ) -> BoxFuture<'a, Result<Batch, SourceError>> {
        self.poll_once(cx, cursor).boxed()
    }
}
