//! Pantau ("pantau isu", monitor the issues): a daemon that reads public posts and news,
//! tags them with the regional issues and regions of Kalimantan Timur from keyword lists that
//! analysts edit, stores them in SQLite, and writes a daily briefing (*telaahan*) for
//! leadership.
//!
//! The crate, in pipeline order:
//! - [`sources`]: pollers that turn feeds (and later social APIs) into [`Post`]s; fetching,
//!   politeness, backoff and the poll loop.
//! - [`ingest`]: pushed posts (`pantau import`, `POST /api/ingest`): JSON Lines or CSV
//!   records, checked one by one, then classified and stored like polled ones.
//! - [`classify`]: keyword lists → topics, regions and sentiment per post.
//! - [`stories`]: near-duplicate posts grouped into stories (MinHash over word pairs).
//! - [`store`]: SQLite — posts, tags, stories, hourly counts, source health, briefings.
//! - [`trends`]: rising issues per topic and kabupaten/kota against a 7-day baseline;
//!   [`alerts`]: one alert per episode to webhook, Telegram and e-mail sinks.
//! - [`digest`]: the briefing in Markdown, HTML and JSON; [`export`]: stored posts as CSV or
//!   JSON Lines for analysts.
//! - [`alerts`]: alerts on rising issues; [`alerts::sinks`] delivers them (webhook, Telegram,
//!   e-mail).
//! - [`daemon`]: `pantau run`, wiring the stages with a clean stop; [`server`]: its HTTP
//!   side (axum); [`demo`]: the bundled sample corpus replayed through everything.
//! - [`config`], [`model`], [`time`], [`error`]: settings, shared types, time and error helpers;
//!   [`fold`]: case and accent folding shared by every stage; [`panics`]: a panic in a
//!   parser held to one line and a value.
//! - [`auth`]: roles, password hashes, session and token secrets, the login lock-out rule.
//! - [`cli`]: one function per command, the binary's glue.

pub mod alerts;
pub mod auth;
pub mod classify;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod digest;
pub mod engine;
pub mod error;
pub mod export;
pub mod fold;
pub mod format;
pub mod ingest;
pub mod metrics;
pub mod model;
pub mod panics;
pub mod server;
pub mod sources;
pub mod store;
pub mod stories;
pub mod time;
pub mod trends;
pub mod workbench;

pub use classify::Classifier;
pub use model::{Post, RegionId, SourceId, TopicId};
pub use store::Store;
