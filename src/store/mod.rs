//! The store: one SQLite file in WAL mode, behind a narrow interface so that another backend
//! (PostgreSQL, for a national deployment) could replace it without touching pollers or the
//! classifier.
//!
//! The interface is this module's traits, grouped by use; they are the seam a second backend
//! implements, and every caller outside `store/` reaches the data through them:
//!
//! - [`Writes`]: the write path — the writer thread's batches of polls, imports and pushes,
//!   the sources table, the keyword lists in force, briefings, alert decisions and deliveries;
//! - [`Reports`]: the counts and representative posts of periods that trends, the digest,
//!   alerts and the dashboard read (from the hourly rollups);
//! - [`Browse`]: posts, stories, briefings and full-text search, page by page, for the server
//!   and the CLI;
//! - [`Status`]: what the service records about its own work — sources' cursors and health,
//!   `meta` values, alert episodes and pending deliveries;
//! - [`Maintenance`]: backup, figures, retention and keeping the file in shape;
//! - [`Accounts`]: who may sign in to the dashboard and the read API — users, sessions, API
//!   tokens and the login audit (`crate::auth` decides what they mean);
//! - [`Leases`]: which of several nodes sharing one database polls a source or runs a
//!   singleton job (the briefing, the alert check, retention).
//!
//! [`Store`] is the SQLite backend and implements them all (`store::sqlite`, delegating to the
//! SQL of one table family per file). It is synchronous. Commands open it directly; the daemon
//! gives it to one writer thread ([`writer::Writer`]) that batches the pollers' results into
//! transactions. Every batch of posts is committed in one transaction together with its
//! source's cursor and health, so a crash (even `kill -9`) loses nothing committed and repeats
//! nothing. The tables themselves are a contract too: users open them with sqlite3.
//!
//! Periods are half-open, [start, end), everywhere. Times are stored and compared at whole
//! seconds in UTC.

pub mod alerts;
mod backend;
pub mod briefings;
pub mod browse;
pub mod checkpoint;
pub mod key_sweep;
pub mod leases;
pub mod maintenance;
pub mod marks;
pub mod meta;
pub mod migrations;
mod pending;
pub mod pg;
pub mod posts;
pub mod reach;
pub mod revisions;
pub mod rollups;
pub mod rows;
pub mod search;
pub mod sources;
mod sqlite;
pub mod stories;
#[doc(hidden)]
pub mod testing;
pub mod users;
pub mod writer;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::{Connection, OpenFlags};

pub use leases::Lease;

use crate::classify::Tags;
use crate::model::{Post, SourceId, SourceInfo, SourceState};

pub use backend::Store;
pub use checkpoint::Checkpointer;
pub use pg::off_runtime;
pub use posts::{Failure, Ingest, TaggedRow, Write};
pub use reach::{AccountReach, PlatformCount, ReachTotals};
pub use rollups::{HourCount, SourceSeen};
pub use rows::StoredPost;
pub use sources::SourceHealth;
pub use stories::Story;

use alerts::{Decision, Episode, PendingDelivery};
use briefings::{BriefingDelivery, BriefingRecord};
use browse::{ExportFilter, ListedPost, Page, PostFilter};
use maintenance::{Pruned, Stats};
use meta::KeywordsState;
use rollups::{AuthorCount, SourceCount};
use search::Search;
use users::{Attempts, Failures, LoginEntry, SessionRow, UserRow};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("basis data: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}: folder basis data tidak dapat dibuat: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("basis data bervesi skema {found}, lebih baru dari versi ini ({known})")]
    TooNew { found: usize, known: usize },
    #[error("penulis basis data sudah berhenti")]
    WriterGone,
    #[error("{}: basis data belum ada", .0.display())]
    Missing(PathBuf),
    /// The PostgreSQL database is there but Pantau has not written to it yet (SQLite's
    /// [`StoreError::Missing`]); the URL shown without its password.
    #[error("PostgreSQL: {url}: basis data belum berskema Pantau")]
    NoSchema { url: String },
    #[error("salinan cadangan rusak (integrity_check: {0}); tidak disimpan")]
    BackupCorrupt(String),
    #[error("PostgreSQL: {0}")]
    Postgres(String),
    /// The PostgreSQL server could not be reached (the URL shown without its password).
    #[error("PostgreSQL: {url}: tidak dapat tersambung: {error}")]
    PostgresConnect { url: String, error: String },
    /// What only SQLite does here; on PostgreSQL the server's own tools do it.
    #[error("{what} hanya untuk SQLite; {instead}")]
    SqliteOnly {
        what: &'static str,
        instead: &'static str,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl StoreError {
    /// Whether the store is not there yet (no SQLite file, or a PostgreSQL database without
    /// Pantau's schema): a reader then has nothing to show rather than a failure.
    pub fn is_missing(&self) -> bool {
        matches!(self, StoreError::Missing(_) | StoreError::NoSchema { .. })
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DiskFull =>
            {
                Some("disk penuh, atau batas [storage] max_size_mb tercapai: kosongkan ruang, naikkan max_size_mb, atau kurangi retain_days".into())
            }
            StoreError::TooNew { .. } => Some(
                "jalankan Pantau versi yang lebih baru, atau pulihkan cadangan basis data".into(),
            ),
            StoreError::Missing(_) | StoreError::NoSchema { .. } => Some(
                "jalankan `pantau poll --once` atau `pantau run` dulu untuk mengisi basis data"
                    .into(),
            ),
            StoreError::PostgresConnect { .. } => Some(
                "periksa [storage] url (host, port, pengguna, nama basis data), jaringan ke server \
                 PostgreSQL, kata sandinya, dan sslmode (require butuh TLS di server)"
                    .into(),
            ),
            StoreError::CreateDir { .. } => {
                Some("periksa [storage] path dan izin tulis foldernya".into())
            }
            _ => None,
        }
    }
}

/// The write path: everything the daemon's writer thread, `pantau import`, `POST /api/ingest`,
/// the scheduler, reloads and the alert job record.
///
/// What a backend guarantees:
/// - each method a backend implements is one transaction: it commits whole or not at all, and
///   an error leaves the data as it was (the provided `keywords_*` methods are two writes);
/// - a post is identified by (source, external id), by its canonical URL across sources
///   (unless the URL is a site's front page, or several different items of one call share
///   it), and by (source, normalised text hash); a post seen again is neither stored nor
///   counted again, only its reach changes (newer counts replace older, shares only grow; the
///   reach reports follow) — so re-delivering a write after a crash or a
///   retry is harmless;
/// - a stored post is committed together with everything derived from it: its topics and
///   regions, its story (joined or started, see [`crate::stories`]), the hourly counts and
///   rollups that [`Reports`] reads, and the full-text index that [`Browse::search`] reads;
/// - a transaction that stores posts holds the write lock from its start: post ids and story
///   ids ascend in the order they are stored, numbered from the largest stored one, and no
///   other writer (`pantau import` beside the daemon) commits in between.
pub trait Writes {
    /// Commits `writes` in one transaction: each [`Ingest`]'s new posts together with its
    /// source's cursor and health (last attempt and success, failures reset, the planned next
    /// attempt, `items_seen` grown by the new posts) and a fetch-log row; each [`Failure`]'s
    /// failure count, error class and message, next attempt and fetch-log row. The source's row
    /// comes from [`Writes::sync_sources`]; for a source without one the posts and the
    /// fetch-log row are stored all the same. Returns the number of new posts of each write,
    /// in order.
    fn write(&mut self, writes: &[Write]) -> Result<Vec<usize>, StoreError>;

    /// Stores posts pushed in by `pantau import` or `POST /api/ingest` in one transaction.
    /// `kind` ("import" or "ingest") and `origin` (the file, the endpoint) describe where they
    /// came from. Each source the posts name gets a row in `sources` (so it shows in
    /// `pantau sources` and the briefing) with its last push and posts seen; a configured
    /// source's row is left alone, since its cursor and health belong to its poller. Counts
    /// the new posts per source in the metrics ([`crate::metrics`]); returns how many were new.
    fn insert_pushed(
        &mut self,
        kind: &str,
        origin: &str,
        posts: &[(Post, Tags)],
        keywords_version: &str,
    ) -> Result<usize, StoreError>;

    /// Makes the `sources` table hold every configured source. A source whose URL changed
    /// starts again from an empty cursor (the old validators belong to the old URL). Rows of
    /// sources no longer configured stay, so their posts keep a name.
    fn sync_sources(&mut self, sources: &[SourceInfo]) -> Result<(), StoreError>;

    /// Sets a `meta` value, with the time it was set.
    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError>;

    /// Removes a `meta` value (nothing happens when there is none).
    fn delete_meta(&mut self, key: &str) -> Result<(), StoreError>;

    /// Records that lists of `version` are in force (clearing a previous rejection).
    fn keywords_loaded(&mut self, version: &str) -> Result<(), StoreError> {
        self.set_meta(meta::KEYWORDS_VERSION, version)?;
        self.delete_meta(meta::KEYWORDS_REJECTED)
    }

    /// Records that an edit of the lists was rejected, and why.
    fn keywords_rejected(&mut self, errors: &str) -> Result<(), StoreError> {
        self.set_meta(meta::KEYWORDS_REJECTED, errors)
    }

    /// Records (or re-records, when regenerated) a briefing, by its date.
    fn record_briefing(&mut self, briefing: &BriefingRecord) -> Result<(), StoreError>;

    /// Records one try to deliver a briefing.
    fn record_briefing_delivery(&mut self, delivery: &BriefingDelivery) -> Result<(), StoreError>;

    /// Commits one alert check's decisions in one transaction: episodes opened, continued
    /// (followed up) or closed at `now`, and every new alert with a pending delivery per sink
    /// it names, due at `now`. Returns the ids of the new alerts, in order.
    fn record_decisions(
        &mut self,
        decisions: &[Decision],
        now: Timestamp,
    ) -> Result<Vec<i64>, StoreError>;

    /// Records a delivery's outcome at `now` (one more attempt either way): sent; or failed
    /// with the error and the next attempt (`None` gives up: the delivery is marked failed for
    /// good).
    fn record_delivery(
        &mut self,
        alert_id: i64,
        sink: &str,
        outcome: Result<(), (&str, Option<Timestamp>)>,
        now: Timestamp,
    ) -> Result<(), StoreError>;
}

/// The reports of periods: counts per topic, region, source, author and sentiment, and a
/// topic's representative posts, for trends, the daily briefing, alerts and the dashboard.
///
/// What a backend guarantees: every answer is exact over the period, whatever hours it cuts
/// (a dashboard's "last 24 hours" from now), and costs time that grows with topics × sources ×
/// hours rather than with posts (a day's briefing must not read a day's posts). Counts per
/// topic and region ([`Reports::topic_counts`], [`Reports::topic_hours`],
/// [`Reports::topic_areas`], [`Reports::hour_counts`], [`Reports::first_hour`]) are history:
/// they stay when retention prunes the posts. The others count the posts still stored.
/// Region `*` is a topic over all regions, where a post naming two kabupaten counts once.
pub trait Reports {
    /// Posts per topic (all regions) in the period, by topic id.
    fn topic_counts(
        &self,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(String, u64)>, StoreError>;

    /// Hourly counts of one topic (all regions) in the period, by hour; hours without a count
    /// are left out.
    fn topic_hours(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(Timestamp, u64)>, StoreError>;

    /// Posts of one topic per kabupaten/kota in the period, most first, then by region id.
    fn topic_areas(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(String, u64)>, StoreError>;

    /// Posts of one topic per source in the period (with the source's name and kind), most
    /// first, then by source id.
    fn topic_sources(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<SourceCount>, StoreError>;

    /// Posts of one topic per author (byline or account, trimmed of spaces) and source in the
    /// period, most first, then by author and source, at most `limit` rows. Posts without an
    /// author are left out; telling a person's account from a newsroom's generic byline
    /// ("Redaksi") is the caller's business.
    fn topic_authors(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<AuthorCount>, StoreError>;

    /// Posts of one topic per sentiment class in the period (posts without one are
    /// `netral`), by class.
    fn topic_sentiment(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(String, u64)>, StoreError>;

    /// Up to `limit` representative posts of a topic in the period: the newest post of each
    /// source first (so one loud source cannot fill the list), then the next newest of each
    /// (ties: newest, then highest id), one post per story (a syndicated story shows once),
    /// and for posts without a story, skipping copies of a text already chosen (the first 200
    /// characters of the folded body, or title when there is no body), from the first
    /// `6 × limit` posts in that order.
    fn topic_posts(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredPost>, StoreError>;

    /// [`Reports::topic_posts`] among the posts that name the kabupaten/kota `region` (or a
    /// place in it): a regional alert shows that region's posts.
    fn topic_region_posts(
        &self,
        topic: &str,
        region: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredPost>, StoreError>;

    /// Posts of one topic per platform in the period (a post naming none counts under its
    /// source's kind's platform, see [`crate::sources::platform_of`]), most first, then by name.
    fn topic_platforms(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<PlatformCount>, StoreError>;

    /// Up to `limit` posts of a topic in the period with the most engagement
    /// ([`crate::model::Reach::engagement`], at least 1), most first, then newest id first.
    fn topic_engaged(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredPost>, StoreError>;

    /// Up to `limit` accounts (an author on a platform) of a topic in the period whose
    /// platform stated any reach, ranked by [`AccountReach::score`] (followers and engagement,
    /// not posts), then engagement, then name.
    fn topic_accounts(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<AccountReach>, StoreError>;

    /// Reach in [start, end) (whole hours) per topic (region `None`) and per topic and region
    /// its posts name; topics and regions without reach are left out. It reads the window's
    /// posts for the regions: for `pantau trends`, not for the briefing.
    fn reach_totals(
        &self,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<HashMap<(String, Option<String>), ReachTotals>, StoreError>;

    /// Posts stored with a publication time in the period, and how many of them have a topic.
    fn post_totals(&self, start: Timestamp, end: Timestamp) -> Result<(u64, u64), StoreError>;

    /// Every hourly count (topic, region, posts, stories) in [start, end), in no set order.
    fn hour_counts(&self, start: Timestamp, end: Timestamp) -> Result<Vec<HourCount>, StoreError>;

    /// The start of the earliest hour with any count: how much history there is.
    fn first_hour(&self) -> Result<Option<Timestamp>, StoreError>;

    /// Since when Pantau has been collecting: its first poll (the fetch log's first row), or
    /// (for a store filled only by imports and tests) [`Reports::first_hour`]. A feed's
    /// backlog can reach days back, but those days hold only what the feed still lists, so
    /// they are no baseline to alert on.
    fn collecting_since(&self) -> Result<Option<Timestamp>, StoreError>;

    /// The sources (with their kind, `lain` when unknown) that carried each topic in the
    /// period, over all regions (`*`) and per region named in `areas` (kabupaten/kota: the
    /// level of the hourly counts' regions); each (topic, region, source) once, in no set
    /// order.
    fn sources_seen(
        &self,
        start: Timestamp,
        end: Timestamp,
        areas: &HashSet<String>,
    ) -> Result<Vec<SourceSeen>, StoreError>;
}

/// Browsing what is stored: posts page by page, stories, briefings, full-text search, and
/// the counts and scan that commands run over posts. For the server, the CLI and the digest.
///
/// What a backend guarantees: lists of posts are newest first (publication time, then id,
/// highest first) unless a method says otherwise, and a page costs the same however deep it
/// is ([`browse`] says why paging is by keyset).
pub trait Browse {
    /// Posts matching `filter` (all of its filters together), newest first: one page of at
    /// most `filter.limit` posts (between 1 and [`browse::MAX_PAGE`]), and the cursor of the
    /// next page when there is one. A query with nothing searchable gives an empty page.
    fn posts_page(&self, filter: &PostFilter) -> Result<Page, StoreError>;

    /// The posts of a story, earliest first (the origin first), at most `limit`.
    fn story_posts(&self, story: i64, limit: usize) -> Result<Vec<StoredPost>, StoreError>;

    /// One story, with its spread.
    fn story(&self, id: i64) -> Result<Option<Story>, StoreError>;

    /// Posts matching `search` (the query language of [`search::fts_query`]: case and
    /// accents fold) published in its period, newest first, at most `search.limit` (0 counts
    /// as 1); nothing when the query has nothing searchable.
    fn search(&self, search: &Search) -> Result<Vec<ListedPost>, StoreError>;

    /// Written briefings, newest first, at most `limit`.
    fn briefings(&self, limit: usize) -> Result<Vec<BriefingRecord>, StoreError>;

    /// The briefing of one local date (`YYYY-MM-DD`), if it was written.
    fn briefing(&self, date: &str) -> Result<Option<BriefingRecord>, StoreError>;

    /// Every try to deliver the briefing of `date`, in order.
    fn briefing_deliveries(&self, date: &str) -> Result<Vec<BriefingDelivery>, StoreError>;

    /// The recipients whose last try failed, for the briefings of the most recent sending.
    fn failed_briefing_deliveries(&self) -> Result<Vec<BriefingDelivery>, StoreError>;

    /// Number of stored posts.
    fn count_posts(&self) -> Result<u64, StoreError>;

    /// Whether each of `items` of `source` is stored already, in order: the same id from
    /// that source, or the same canonical URL from any source (what the write path would
    /// ignore as a duplicate). Article pages are fetched only for items that are not.
    fn stored_items(
        &self,
        source: &SourceId,
        items: &[crate::sources::article::ItemKey],
    ) -> Result<Vec<bool>, StoreError>;

    /// Number of stored posts with at least one topic.
    fn count_tagged_posts(&self) -> Result<u64, StoreError>;

    /// Number of posts published since `since`.
    fn count_posts_since(&self, since: Timestamp) -> Result<u64, StoreError>;

    /// Calls `f` for every post published since `since`, oldest first (then by id), with its
    /// stored topics, without holding them all in memory.
    fn scan_posts(&self, since: Timestamp, f: impl FnMut(TaggedRow)) -> Result<(), StoreError>;

    /// Number of posts [`Browse::export_posts`] would hand over for `filter`.
    fn count_export(&self, filter: &ExportFilter) -> Result<u64, StoreError>;

    /// Calls `f` for every post matching `filter`, with its tags, oldest first (then by id),
    /// without holding them all in memory; stops at `f`'s first error and returns it. Else
    /// the number of posts handed over.
    fn export_posts<E: From<StoreError>>(
        &self,
        filter: &ExportFilter,
        f: impl FnMut(ListedPost) -> Result<(), E>,
    ) -> Result<u64, E>;
}

/// What the service records about its own work, as the scheduler, `pantau sources`,
/// `/healthz`, the briefing's footer and the alert job read it: sources' cursors and health,
/// `meta` values, alert episodes and deliveries.
pub trait Status {
    /// Every source row, configured ones first in the order of `order`, then others by id.
    fn sources_health(&self, order: &[SourceId]) -> Result<Vec<SourceHealth>, StoreError>;

    /// Every known source's id and display name (its id when it has none), by id.
    fn source_names(&self) -> Result<Vec<(String, String)>, StoreError>;

    /// Where a source stood: its cursor, failures and planned next attempt, and the new posts
    /// of its successful polls over the last [`crate::model::PACE_WINDOW`] (its first
    /// successful poll left out: that brought its backlog, not its rate). The default state
    /// for a source without a row.
    fn source_state(&self, id: &SourceId) -> Result<SourceState, StoreError>;

    /// A `meta` value and when it was set (None also for a database older than the table,
    /// opened read-only by a report).
    fn meta(&self, key: &str) -> Result<Option<(String, Option<Timestamp>)>, StoreError>;

    /// The keyword lists in force and the last rejected edit, as [`Writes::keywords_loaded`]
    /// and [`Writes::keywords_rejected`] recorded them.
    fn keywords_state(&self) -> Result<KeywordsState, StoreError> {
        let version = self.meta(meta::KEYWORDS_VERSION)?;
        let rejected = self.meta(meta::KEYWORDS_REJECTED)?;
        Ok(KeywordsState {
            loaded_at: version.as_ref().and_then(|v| v.1),
            version: version.map(|v| v.0),
            rejected_at: rejected.as_ref().and_then(|r| r.1),
            rejected: rejected.map(|r| r.0),
        })
    }

    /// The alert episodes not closed yet, oldest first.
    fn open_episodes(&self) -> Result<Vec<Episode>, StoreError>;

    /// Deliveries pending and due at `now`, by alert (oldest first), then sink.
    fn due_deliveries(&self, now: Timestamp) -> Result<Vec<PendingDelivery>, StoreError>;

    /// An alert's subject line.
    fn alert_subject(&self, id: i64) -> Result<String, StoreError>;
}

/// Users, their sessions and API tokens, and the login audit, for `crate::auth`, the server
/// and `pantau user`.
///
/// What a backend guarantees: each method is one transaction; secrets are never given to it
/// (only the Argon2id hash of a password and the SHA-256 of a session id or token); a user's
/// sessions and tokens go with the user, and a new password ends the user's sessions; a
/// database older than the login tables reads as one with no users.
pub trait Accounts {
    /// Adds `user`; false when the name is taken (nothing changes).
    fn add_user(&mut self, user: &UserRow) -> Result<bool, StoreError>;
    /// Sets a user's password hash and ends the user's sessions; false when there is no such
    /// user.
    fn set_password(&mut self, name: &str, password_hash: &str) -> Result<bool, StoreError>;
    /// Removes a user with its sessions and tokens; false when there is no such user.
    fn remove_user(&mut self, name: &str) -> Result<bool, StoreError>;
    /// Every user, by name.
    fn users(&self) -> Result<Vec<UserRow>, StoreError>;
    fn user(&self, name: &str) -> Result<Option<UserRow>, StoreError>;
    fn count_users(&self) -> Result<u64, StoreError>;
    /// Records a session (by the hash of its id) of `user`, ending at `expires_at` at the latest.
    fn create_session(
        &mut self,
        id_hash: &str,
        user: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;
    /// The session of that hash with its user's role, expired or not.
    fn session(&self, id_hash: &str) -> Result<Option<SessionRow>, StoreError>;
    /// Marks a session used at `now` (its idle time starts again).
    fn touch_session(&mut self, id_hash: &str, now: Timestamp) -> Result<(), StoreError>;
    fn end_session(&mut self, id_hash: &str) -> Result<(), StoreError>;
    /// Removes sessions last used before `idle_before` or past their end; returns how many.
    fn prune_sessions(
        &mut self,
        idle_before: Timestamp,
        now: Timestamp,
    ) -> Result<usize, StoreError>;
    /// Records an API token (by its hash) of `user`.
    fn add_token(&mut self, token_hash: &str, user: &str, now: Timestamp)
    -> Result<(), StoreError>;
    /// The user of the token of that hash.
    fn token_user(&self, token_hash: &str) -> Result<Option<UserRow>, StoreError>;
    fn count_tokens(&self, user: &str) -> Result<u64, StoreError>;
    /// Removes every token of `user`; returns how many.
    fn revoke_tokens(&mut self, user: &str) -> Result<usize, StoreError>;
    /// Adds a row to the login audit; a successful login is also the user's last login.
    fn record_login(&mut self, entry: &LoginEntry) -> Result<(), StoreError>;
    /// Failed logins of a user name or from an address since the later of `since` and their
    /// last successful login, with the time of the last failure.
    fn login_failures(&self, who: Attempts<'_>, since: Timestamp) -> Result<Failures, StoreError>;
    /// The login audit, newest first, at most `limit` rows, of one user name or all.
    fn login_audit(&self, user: Option<&str>, limit: usize) -> Result<Vec<LoginEntry>, StoreError>;
}

/// Saves of topic files from the editor (`workbench`): each one transaction.
pub trait Revisions {
    /// Records a save; returns its id.
    fn record_revision(&mut self, rev: &revisions::Revision) -> Result<i64, StoreError>;
    /// A topic's saves, newest first, at most `limit`.
    fn revisions(&self, topic: &str, limit: usize) -> Result<Vec<revisions::Revision>, StoreError>;
    fn revision(&self, id: i64) -> Result<Option<revisions::Revision>, StoreError>;
}

/// Analysts' marks on posts (`marks`): each change one statement.
pub trait Marks {
    /// Records `mark`, replacing the same user's earlier verdict on the same post, kind and
    /// value.
    fn set_mark(&mut self, mark: &marks::Mark) -> Result<(), StoreError>;
    /// Removes a user's mark; returns whether there was one.
    fn clear_mark(
        &mut self,
        post: i64,
        kind: marks::Kind,
        value: &str,
        user: &str,
    ) -> Result<bool, StoreError>;
    /// The topics, regions and sentiment stored for post `id`; None when no such post.
    fn post_tags(&self, id: i64) -> Result<Option<marks::PostTags>, StoreError>;
    /// The marks on the posts `ids`, by anyone, oldest first.
    fn marks_on(&self, ids: &[i64]) -> Result<Vec<marks::Mark>, StoreError>;
    /// Posts marked "topic wrong" or "topic missing" for `topic`, newest mark first, at most
    /// `limit`: the editor's candidate examples.
    fn topic_candidates(
        &self,
        topic: &str,
        limit: usize,
    ) -> Result<Vec<marks::Candidate>, StoreError>;
    /// Per topic, what the marks so far say of its precision (see [`marks::TopicQuality`]).
    fn topic_quality(&self) -> Result<Vec<marks::TopicQuality>, StoreError>;
    /// Posts marked as missing `topic` that still do not carry it, newest mark first.
    fn missed_posts(&self, topic: &str, limit: usize) -> Result<Vec<marks::Candidate>, StoreError>;
}

/// Keeping the database: backup, figures, retention, and the file's upkeep.
pub trait Maintenance {
    /// What [`Maintenance::checkpoint_in_background`] hands out: background work that lasts
    /// while it is held and ends (after a last round) when it is dropped.
    type Checkpoints;

    /// Copies the whole database to `dest` while readers and the writer go on (one consistent
    /// snapshot), checks the copy, and only then moves it into place: `dest` is never a
    /// half-written file. Returns the copy's size in bytes.
    fn backup_to(&self, dest: &Path) -> Result<u64, StoreError>;

    /// Figures about the database and its tables, for `pantau db stats`.
    fn stats(&self) -> Result<Stats, StoreError>;

    /// Removes up to `limit` posts published before `before`, oldest first (their tags,
    /// search entries and their share of the per-post rollups go with them), as many
    /// fetch-log rows from before it, and as many stories none of whose posts is left (their
    /// lookup keys stay for [`Maintenance::sweep_story_keys`]), in one short transaction. The
    /// hourly counts per topic, alerts and briefings stay: reports over old periods keep their
    /// numbers.
    fn prune_batch(&mut self, before: Timestamp, limit: usize) -> Result<Pruned, StoreError>;

    /// Removes up to `limit` hourly counts per topic of hours before `before`, oldest first,
    /// in one short transaction; returns how many went. Reports over those hours then count
    /// nothing: `[storage] history_days` says how far back they may look.
    fn prune_history(&mut self, before: Timestamp, limit: usize) -> Result<usize, StoreError>;

    /// Reads up to `limit` lookup keys of stories from where the sweep stands and removes
    /// those whose story retention deleted, in one short transaction (see
    /// [`key_sweep`]: a pass sweeps one of its slices).
    fn sweep_story_keys(&mut self, limit: usize) -> Result<key_sweep::Swept, StoreError>;

    /// Moves up to `limit` lookup keys of new stories into the large key table, in key order,
    /// in one short transaction; returns how many it moved (fewer than `limit`: none are left).
    /// SQLite writes new keys into a small table first ([`key_sweep`]); PostgreSQL writes them
    /// into `story_keys` at once and has none to move.
    fn merge_story_keys(&mut self, limit: usize) -> Result<usize, StoreError>;

    /// Merges every waiting key, `step` keys a transaction ([`Maintenance::merge_story_keys`]
    /// until a step comes back short); how many it moved.
    fn merge_all_story_keys(&mut self, step: usize) -> Result<usize, StoreError> {
        let mut moved = 0;
        loop {
            let n = self.merge_story_keys(step)?;
            moved += n;
            if n < step {
                return Ok(moved);
            }
        }
    }

    /// Refreshes the query planner's statistics where they have gone stale; cheap when none
    /// did.
    fn optimize(&self) -> Result<(), StoreError>;

    /// Returns up to `pages` free pages to the file system and says how many free pages are
    /// left; 0 when the database cannot give pages back, so callers stop.
    fn vacuum_step(&self, pages: u32) -> Result<u64, StoreError>;

    /// Caps the database at `max_mb` MiB (`[storage] max_size_mb`; 0 leaves it uncapped): past
    /// the cap a write fails as on a full disk, while space freed by pruning is reused.
    fn limit_size(&self, max_mb: u64) -> Result<(), StoreError>;

    /// Makes what is committed durable in the database itself (on a clean stop), so the
    /// database is one file.
    fn checkpoint(&self) -> Result<(), StoreError>;

    /// Moves this connection's periodic checkpoints off the writer, for a connection that
    /// writes a lot (the daemon's writer, the benches).
    fn checkpoint_in_background(&self) -> Result<Self::Checkpoints, StoreError>;

    /// Checks the database's integrity: "ok" when it is sound, else what is wrong.
    fn integrity_check(&self) -> Result<String, StoreError>;
}

/// Leases: several `pantau run` nodes on one database take turns through them. A source is
/// polled by the node holding `source:<id>` (see [`leases::source_lease`]); the singleton jobs
/// run on the node holding `job:briefing`, `job:alerts` or `job:retention`. A lease lapses at
/// its expiry unless its node renews it, so a node that dies (`kill -9`) loses its leases
/// without anyone releasing them.
///
/// What a backend guarantees:
/// - taking is atomic: of nodes asking for one lease at once, at most one holds it at any
///   time as the store's clock of `now` goes (nodes pass their own `now`: their clocks are
///   assumed to agree to well within a ttl);
/// - times are whole seconds: `now` is truncated and the expiry rounded up, so a lease never
///   lasts less than asked; a lease binds through its expiry's second;
/// - a lease's `acquired_at` is the start of its holder's current tenure: kept by a renewal of
///   a lease still binding, set to `now` when the lease was free, expired or another node's —
///   so a node can tell "I held it all along" from "someone may have held it in between";
/// - where one process owns the database (SQLite: the daemon's writer), leases live in that
///   connection's memory, answer the same, and are not seen by other connections.
pub trait Leases {
    /// Takes the lease `name` for `node` until `now + ttl` when it is free, expired or already
    /// `node`'s (a renewal); the lease as it now stands. None when another node holds it
    /// still (nothing changes).
    fn try_lease(
        &mut self,
        name: &str,
        node: &str,
        now: Timestamp,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError>;

    /// Gives up `node`'s lease `name` (a clean stop, a job done), so another node may take it
    /// at once; false when `node` did not hold it (nothing changes).
    fn release(&mut self, name: &str, node: &str) -> Result<bool, StoreError>;

    /// Every lease recorded, expired ones too, by name (for `pantau sources`).
    fn leases(&self) -> Result<Vec<Lease>, StoreError>;
}

/// An open SQLite database: the backend that implements the traits above (`store::sqlite`).
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    /// Whether the step behind the commit waits for [`SqliteStore::finish_pending`].
    defer: bool,
    /// The fingerprints of posts waiting for story placement ([`pending::Held`]).
    held: pending::Held,
    /// When the oldest commit whose posts wait was made.
    behind: Option<std::time::Instant>,
    /// The leases this connection handed out ([`Leases`]).
    leases: leases::Held,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let mut conn = Connection::open(path)?;
        configure(&conn)?;
        migrations::migrate(&mut conn)?;
        Ok(SqliteStore {
            conn,
            path: path.to_path_buf(),
            defer: false,
            held: Default::default(),
            behind: None,
            leases: Default::default(),
        })
    }

    /// Opens an existing database for reading only (reports, `pantau sources`), so that a
    /// command never creates an empty database by accident nor blocks the daemon's writer.
    pub fn open_read_only(path: &Path) -> Result<SqliteStore, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(5))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version as usize > migrations::MIGRATIONS.len() {
            return Err(StoreError::TooNew {
                found: version as usize,
                known: migrations::MIGRATIONS.len(),
            });
        }
        Ok(SqliteStore {
            conn,
            path: path.to_path_buf(),
            defer: false,
            held: Default::default(),
            behind: None,
            leases: Default::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for what reads a SQLite database as such (the copy to PostgreSQL).
    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// Prepared statements kept per connection: more than one write batch or one report uses.
const STATEMENT_CACHE: usize = 64;

/// The page cache of a connection that writes, in KiB (negative: SQLite's unit for KiB).
const WRITER_CACHE_KIB: i64 = -8192;

/// WAL for concurrent readers with one writer; `synchronous = NORMAL` keeps every committed
/// transaction across a process crash (only an OS crash or power loss may drop the last ones);
/// a busy timeout so that readers and the writer wait for each other instead of failing.
fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(Duration::from_secs(10))?;
    // One batch of posts runs about two dozen distinct statements (posts, tags, stories,
    // search, rollups, health) in turn; with rusqlite's default cache of 16 each round evicted
    // the statements the next needed, and preparing them again was an eighth of storing a post.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // Only for a new database (before its first table): freed pages can then be returned to
    // the file system a few at a time (`Store::vacuum_step`) instead of by a full VACUUM that
    // locks everything. Set on an existing file it would do nothing for an old database and,
    // worse, write to every opened one (the WAL would never be empty after a clean stop).
    let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    if pages == 0 {
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    }
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // 8 MiB of page cache (SQLite's default is 2): a write batch touches pages all over the
    // story-key, tag and rollup indexes, and with 2 MiB it read them back from the file
    // several times per batch (store_batched 260 → 230 ms). Read-only connections (reports,
    // the dashboard) keep the default.
    conn.pragma_update(None, "cache_size", WRITER_CACHE_KIB)?;
    Ok(())
}
