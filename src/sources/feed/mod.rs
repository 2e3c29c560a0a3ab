//! The `feed` kind: RSS 0.9x/1.0/2.0, Atom and JSON Feed over http(s) or file://.
//! Fetching is [`crate::sources::http`]'s, parsing is [`parse`]'s; this file ties them to the
//! cursor (the HTTP validators of the last successful fetch).

pub mod identity;
pub mod parse;
pub mod repair;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use serde::Deserialize;
use url::Url;

use super::context::PollCtx;
use super::error::SourceError;
use super::http::{Fetched, Validators};
use super::kind;
use super::poller::{Batch, Poll, off_workers};
use crate::config::value;
use crate::model::{Cursor, Medium};

/// `[[sources]] kind = "feed"`: `url` is the feed's address (`https://…` or `file:///…`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    #[serde(deserialize_with = "feed_url")]
    pub url: Url,
}

impl kind::Spec for Spec {
    const KIND: &'static str = "feed";
    const PLATFORM: &'static str = "news";
    const MEDIUM: Option<Medium> = Some(Medium::News);
    const EXAMPLE: &'static str = "url = \"https://contoh.id/rss\"";

    fn location(&self) -> String {
        self.url.to_string()
    }

    fn poller(&self) -> Box<dyn Poll> {
        Box::new(FeedPoller::new(self.clone()))
    }
}

/// A feed's address: http(s), or a file (the demo, feeds written by other tools).
fn feed_url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Url, D::Error> {
    value::url(d, &["http", "https", "file"])
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
                let (mut posts, items_found, doc) = off_workers("pengurai feed", move || {
                    parse::parse(&doc, &source, fetched_at).map(|(p, n)| (p, n, doc))
                })
                .await??;
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
