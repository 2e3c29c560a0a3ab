//! Sources: pollers that turn the outside world into [`Post`](crate::model::Post)s.
//!
//! A source is a `[[sources]]` table: the common keys (`id`, `kind`, `name`, `interval`,
//! `region`, `adaptive`, `allow_private`, read by [`source`]) plus the keys of its kind, read
//! strictly into that kind's [`Spec`]. A kind is one file that declares everything about it
//! in its `Spec` ([`kind`]); the list below is the only place that names them all, so a new
//! kind is one new file and one line there.
//!
//! A poller does one round of "what is new since this cursor" ([`poller`]) and never sleeps,
//! retries or stores: [`poll`] owns the schedule, backoff and politeness, [`http`] the fetching
//! (with [`guard`] deciding which addresses it may reach), and the pipeline (outside this
//! module) classification and storage.

pub mod article;
pub mod check;
pub mod context;
pub mod dates;
pub mod error;
pub mod guard;
pub mod http;
pub mod kind;
pub mod poll;
pub mod poller;
pub mod secret;
pub mod seen;
pub mod source;
pub mod text;

pub use context::PollCtx;
pub use error::{SourceError, hint_for_class};
pub use kind::{Budget, Kind, Spec, kind};
pub use poller::{Batch, Poll};
pub use source::{SourceConfig, UNKNOWN_PLATFORM, medium_of, platform_of, read_sources};

// Each kind's module, and the family's list of them (`KINDS`): a new kind is one line here.
crate::config::kinds! {
    feed,
    google_news,
    youtube,
    mastodon,
    reddit,
    bluesky,
    jetstream,
    telegram,
    json,
    instagram,
    x,
    youtube_comments,
    news_sitemap,
    html,
}
