//! [`Store`]: the backend a deployment chose — SQLite (the default, one file) or PostgreSQL
//! (`[storage] url`, for several nodes on one database). Every trait of the seam is implemented
//! here by handing the call to the backend, so callers hold one type whichever it is.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use jiff::Timestamp;

use super::alerts::{Decision, Episode, PendingDelivery};
use super::briefings::{BriefingDelivery, BriefingRecord};
use super::browse::{ExportFilter, ListedPost, Page, PostFilter};
use super::key_sweep;
use super::leases::Lease;
use super::maintenance::{Pruned, Stats};
use super::marks;
use super::pg::PgStore;
use super::reach::{AccountReach, PlatformCount, ReachTotals};
use super::revisions;
use super::rollups::{AuthorCount, SourceCount};
use super::search::Search;
use super::users::{Attempts, Failures, LoginEntry, SessionRow, UserRow};
use super::{
    Accounts, Browse, Checkpointer, HourCount, Leases, Maintenance, Marks, Reports, Revisions,
    SourceHealth, SourceSeen, SqliteStore, Status, StoreError, StoredPost, Story, TaggedRow, Write,
    Writes,
};
use crate::classify::Tags;
use crate::config::StorageSettings;
use crate::model::{Post, SourceId, SourceInfo, SourceState};
use crate::sources::article::ItemKey;

/// An open store, of either backend.
// One per connection, moved rarely: boxing the larger variant would only add a pointer hop to
// every call.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// Runs `$e` with `$s` bound to the backend inside `$store`.
macro_rules! each {
    ($store:expr, $s:ident => $e:expr) => {
        match $store {
            Store::Sqlite($s) => $e,
            Store::Postgres($s) => $e,
        }
    };
}

impl Store {
    /// Opens (creating if needed) the SQLite database at `path`, its schema brought up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        SqliteStore::open(path).map(Store::Sqlite)
    }

    /// Opens an existing SQLite database for reading only.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        SqliteStore::open_read_only(path).map(Store::Sqlite)
    }

    /// Opens the store `[storage]` names for writing: PostgreSQL at `url` when it is set (its
    /// schema brought up to date), else SQLite at `path`.
    pub fn connect(storage: &StorageSettings) -> Result<Store, StoreError> {
        match &storage.url {
            Some(url) => PgStore::connect(url).map(Store::Postgres),
            None => Store::open(&storage.path),
        }
    }

    /// Opens the store `[storage]` names for reading: PostgreSQL at `url`, else the SQLite
    /// file (which must exist). For commands and jobs that must see every commit (the
    /// briefing, `pantau sources`).
    pub fn connect_read_only(storage: &StorageSettings) -> Result<Store, StoreError> {
        match &storage.url {
            Some(url) => PgStore::connect_read_only(url).map(Store::Postgres),
            None => Store::open_read_only(&storage.path),
        }
    }

    /// Opens a store for the dashboard's and the read API's queries: PostgreSQL's replica at
    /// `read_url` when one is set (it may lag the primary by its replication delay), else as
    /// [`Store::connect_read_only`].
    pub fn connect_reader(storage: &StorageSettings) -> Result<Store, StoreError> {
        match (&storage.read_url, &storage.url) {
            (Some(replica), Some(_)) => PgStore::connect_read_only(replica).map(Store::Postgres),
            _ => Store::connect_read_only(storage),
        }
    }

    /// Which database this is, for messages: the SQLite file, or the PostgreSQL URL without
    /// its password.
    pub fn describe(&self) -> String {
        match self {
            Store::Sqlite(s) => s.path().display().to_string(),
            Store::Postgres(p) => p.url().redacted(),
        }
    }

    /// The SQLite file, for what only a file has (its size on disk, its backups).
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Store::Sqlite(s) => Some(s.path()),
            Store::Postgres(_) => None,
        }
    }

    /// Stores posts outside any poll (tests, benches): no cursor or health change.
    pub fn insert_posts(
        &mut self,
        posts: &[(Post, Tags)],
        keywords_version: &str,
    ) -> Result<usize, StoreError> {
        each!(self, s => s.insert_posts(posts, keywords_version))
    }

    /// The story a stored post belongs to, if it has one.
    pub fn story_of_post(&self, post_id: i64) -> Result<Option<i64>, StoreError> {
        each!(self, s => s.story_of_post(post_id))
    }

    /// Every delivery of the alerts created since `since`, newest alert first, then by sink.
    pub fn deliveries_since(
        &self,
        since: Timestamp,
    ) -> Result<Vec<super::alerts::DeliveryRecord>, StoreError> {
        each!(self, s => s.deliveries_since(since))
    }

    /// See [`SqliteStore::defer_pending`]; PostgreSQL indexes and places posts in the commit.
    pub fn defer_pending(&mut self) {
        each!(self, s => s.defer_pending())
    }

    /// See [`SqliteStore::finish_pending`].
    pub fn finish_pending(&mut self) -> Result<usize, StoreError> {
        each!(self, s => s.finish_pending())
    }

    /// See [`SqliteStore::behind_since`].
    pub fn behind_since(&self) -> Option<std::time::Instant> {
        each!(self, s => s.behind_since())
    }

    /// See [`SqliteStore::merge_search_step`].
    pub fn merge_search_step(&mut self) -> Result<bool, StoreError> {
        each!(self, s => s.merge_search_step())
    }

    /// See [`SqliteStore::pending_posts`].
    pub fn pending_posts(&self) -> Result<u64, StoreError> {
        each!(self, s => s.pending_posts())
    }
}

impl Writes for Store {
    fn write(&mut self, writes: &[Write]) -> Result<Vec<usize>, StoreError> {
        each!(self, s => s.write(writes))
    }

    fn insert_pushed(
        &mut self,
        kind: &str,
        origin: &str,
        posts: &[(Post, Tags)],
        keywords_version: &str,
    ) -> Result<usize, StoreError> {
        each!(self, s => s.insert_pushed(kind, origin, posts, keywords_version))
    }

    fn sync_sources(&mut self, sources: &[SourceInfo]) -> Result<(), StoreError> {
        each!(self, s => s.sync_sources(sources))
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        each!(self, s => s.set_meta(key, value))
    }

    fn delete_meta(&mut self, key: &str) -> Result<(), StoreError> {
        each!(self, s => s.delete_meta(key))
    }

    fn record_briefing(&mut self, briefing: &BriefingRecord) -> Result<(), StoreError> {
        each!(self, s => s.record_briefing(briefing))
    }

    fn record_briefing_delivery(&mut self, delivery: &BriefingDelivery) -> Result<(), StoreError> {
        each!(self, s => s.record_briefing_delivery(delivery))
    }

    fn record_decisions(
        &mut self,
        decisions: &[Decision],
        now: Timestamp,
    ) -> Result<Vec<i64>, StoreError> {
        each!(self, s => s.record_decisions(decisions, now))
    }

    fn record_delivery(
        &mut self,
        alert_id: i64,
        sink: &str,
        outcome: Result<(), (&str, Option<Timestamp>)>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        each!(self, s => s.record_delivery(alert_id, sink, outcome, now))
    }
}

impl Reports for Store {
    fn topic_counts(
        &self,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        each!(self, s => s.topic_counts(start, end))
    }

    fn topic_hours(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(Timestamp, u64)>, StoreError> {
        each!(self, s => s.topic_hours(topic, start, end))
    }

    fn topic_areas(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        each!(self, s => s.topic_areas(topic, start, end))
    }

    fn topic_sources(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<SourceCount>, StoreError> {
        each!(self, s => s.topic_sources(topic, start, end))
    }

    fn topic_authors(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<AuthorCount>, StoreError> {
        each!(self, s => s.topic_authors(topic, start, end, limit))
    }

    fn topic_sentiment(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        each!(self, s => s.topic_sentiment(topic, start, end))
    }

    fn topic_posts(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredPost>, StoreError> {
        each!(self, s => s.topic_posts(topic, start, end, limit))
    }

    fn topic_region_posts(
        &self,
        topic: &str,
        region: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredPost>, StoreError> {
        each!(self, s => s.topic_region_posts(topic, region, start, end, limit))
    }

    fn topic_platforms(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<PlatformCount>, StoreError> {
        each!(self, s => s.topic_platforms(topic, start, end))
    }

    fn topic_engaged(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredPost>, StoreError> {
        each!(self, s => s.topic_engaged(topic, start, end, limit))
    }

    fn topic_accounts(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<AccountReach>, StoreError> {
        each!(self, s => s.topic_accounts(topic, start, end, limit))
    }

    fn reach_totals(
        &self,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<HashMap<(String, Option<String>), ReachTotals>, StoreError> {
        each!(self, s => s.reach_totals(start, end))
    }

    fn post_totals(&self, start: Timestamp, end: Timestamp) -> Result<(u64, u64), StoreError> {
        each!(self, s => s.post_totals(start, end))
    }

    fn hour_counts(&self, start: Timestamp, end: Timestamp) -> Result<Vec<HourCount>, StoreError> {
        each!(self, s => s.hour_counts(start, end))
    }

    fn first_hour(&self) -> Result<Option<Timestamp>, StoreError> {
        each!(self, s => s.first_hour())
    }

    fn collecting_since(&self) -> Result<Option<Timestamp>, StoreError> {
        each!(self, s => s.collecting_since())
    }

    fn sources_seen(
        &self,
        start: Timestamp,
        end: Timestamp,
        areas: &HashSet<String>,
    ) -> Result<Vec<SourceSeen>, StoreError> {
        each!(self, s => s.sources_seen(start, end, areas))
    }
}

impl Browse for Store {
    fn posts_page(&self, filter: &PostFilter) -> Result<Page, StoreError> {
        each!(self, s => s.posts_page(filter))
    }

    fn story_posts(&self, story: i64, limit: usize) -> Result<Vec<StoredPost>, StoreError> {
        each!(self, s => s.story_posts(story, limit))
    }

    fn story(&self, id: i64) -> Result<Option<Story>, StoreError> {
        each!(self, s => s.story(id))
    }

    fn search(&self, search: &Search) -> Result<Vec<ListedPost>, StoreError> {
        each!(self, s => s.search(search))
    }

    fn briefings(&self, limit: usize) -> Result<Vec<BriefingRecord>, StoreError> {
        each!(self, s => s.briefings(limit))
    }

    fn briefing(&self, date: &str) -> Result<Option<BriefingRecord>, StoreError> {
        each!(self, s => s.briefing(date))
    }

    fn briefing_deliveries(&self, date: &str) -> Result<Vec<BriefingDelivery>, StoreError> {
        each!(self, s => s.briefing_deliveries(date))
    }

    fn failed_briefing_deliveries(&self) -> Result<Vec<BriefingDelivery>, StoreError> {
        each!(self, s => s.failed_briefing_deliveries())
    }

    fn count_posts(&self) -> Result<u64, StoreError> {
        each!(self, s => s.count_posts())
    }

    fn stored_items(&self, source: &SourceId, items: &[ItemKey]) -> Result<Vec<bool>, StoreError> {
        each!(self, s => s.stored_items(source, items))
    }

    fn count_tagged_posts(&self) -> Result<u64, StoreError> {
        each!(self, s => s.count_tagged_posts())
    }

    fn count_posts_since(&self, since: Timestamp) -> Result<u64, StoreError> {
        each!(self, s => s.count_posts_since(since))
    }

    fn scan_posts(&self, since: Timestamp, f: impl FnMut(TaggedRow)) -> Result<(), StoreError> {
        each!(self, s => s.scan_posts(since, f))
    }

    fn count_export(&self, filter: &ExportFilter) -> Result<u64, StoreError> {
        each!(self, s => s.count_export(filter))
    }

    fn export_posts<E: From<StoreError>>(
        &self,
        filter: &ExportFilter,
        f: impl FnMut(ListedPost) -> Result<(), E>,
    ) -> Result<u64, E> {
        each!(self, s => s.export_posts(filter, f))
    }
}

impl Status for Store {
    fn sources_health(&self, order: &[SourceId]) -> Result<Vec<SourceHealth>, StoreError> {
        each!(self, s => s.sources_health(order))
    }

    fn source_names(&self) -> Result<Vec<(String, String)>, StoreError> {
        each!(self, s => s.source_names())
    }

    fn source_state(&self, id: &SourceId) -> Result<SourceState, StoreError> {
        each!(self, s => s.source_state(id))
    }

    fn meta(&self, key: &str) -> Result<Option<(String, Option<Timestamp>)>, StoreError> {
        each!(self, s => s.meta(key))
    }

    fn open_episodes(&self) -> Result<Vec<Episode>, StoreError> {
        each!(self, s => s.open_episodes())
    }

    fn due_deliveries(&self, now: Timestamp) -> Result<Vec<PendingDelivery>, StoreError> {
        each!(self, s => s.due_deliveries(now))
    }

    fn alert_subject(&self, id: i64) -> Result<String, StoreError> {
        each!(self, s => s.alert_subject(id))
    }
}

impl Accounts for Store {
    fn add_user(&mut self, user: &UserRow) -> Result<bool, StoreError> {
        each!(self, s => s.add_user(user))
    }
    fn set_password(&mut self, name: &str, password_hash: &str) -> Result<bool, StoreError> {
        each!(self, s => s.set_password(name, password_hash))
    }
    fn remove_user(&mut self, name: &str) -> Result<bool, StoreError> {
        each!(self, s => s.remove_user(name))
    }
    fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        each!(self, s => s.users())
    }
    fn user(&self, name: &str) -> Result<Option<UserRow>, StoreError> {
        each!(self, s => s.user(name))
    }
    fn count_users(&self) -> Result<u64, StoreError> {
        each!(self, s => s.count_users())
    }
    fn create_session(
        &mut self,
        id_hash: &str,
        user: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        each!(self, s => s.create_session(id_hash, user, now, expires_at))
    }
    fn session(&self, id_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        each!(self, s => s.session(id_hash))
    }
    fn touch_session(&mut self, id_hash: &str, now: Timestamp) -> Result<(), StoreError> {
        each!(self, s => s.touch_session(id_hash, now))
    }
    fn end_session(&mut self, id_hash: &str) -> Result<(), StoreError> {
        each!(self, s => s.end_session(id_hash))
    }
    fn prune_sessions(
        &mut self,
        idle_before: Timestamp,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        each!(self, s => s.prune_sessions(idle_before, now))
    }
    fn add_token(
        &mut self,
        token_hash: &str,
        user: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        each!(self, s => s.add_token(token_hash, user, now))
    }
    fn token_user(&self, token_hash: &str) -> Result<Option<UserRow>, StoreError> {
        each!(self, s => s.token_user(token_hash))
    }
    fn count_tokens(&self, user: &str) -> Result<u64, StoreError> {
        each!(self, s => s.count_tokens(user))
    }
    fn revoke_tokens(&mut self, user: &str) -> Result<usize, StoreError> {
        each!(self, s => s.revoke_tokens(user))
    }
    fn record_login(&mut self, entry: &LoginEntry) -> Result<(), StoreError> {
        each!(self, s => s.record_login(entry))
    }
    fn login_failures(&self, who: Attempts<'_>, since: Timestamp) -> Result<Failures, StoreError> {
        each!(self, s => s.login_failures(who, since))
    }
    fn login_audit(&self, user: Option<&str>, limit: usize) -> Result<Vec<LoginEntry>, StoreError> {
        each!(self, s => s.login_audit(user, limit))
    }
}

impl Revisions for Store {
    fn record_revision(&mut self, rev: &revisions::Revision) -> Result<i64, StoreError> {
        each!(self, s => s.record_revision(rev))
    }
    fn revisions(&self, topic: &str, limit: usize) -> Result<Vec<revisions::Revision>, StoreError> {
        each!(self, s => s.revisions(topic, limit))
    }
    fn revision(&self, id: i64) -> Result<Option<revisions::Revision>, StoreError> {
        each!(self, s => s.revision(id))
    }
}

impl Marks for Store {
    fn set_mark(&mut self, mark: &marks::Mark) -> Result<(), StoreError> {
        each!(self, s => s.set_mark(mark))
    }
    fn clear_mark(
        &mut self,
        post: i64,
        kind: marks::Kind,
        value: &str,
        user: &str,
    ) -> Result<bool, StoreError> {
        each!(self, s => s.clear_mark(post, kind, value, user))
    }
    fn post_tags(&self, id: i64) -> Result<Option<marks::PostTags>, StoreError> {
        each!(self, s => s.post_tags(id))
    }
    fn marks_on(&self, ids: &[i64]) -> Result<Vec<marks::Mark>, StoreError> {
        each!(self, s => s.marks_on(ids))
    }
    fn topic_candidates(
        &self,
        topic: &str,
        limit: usize,
    ) -> Result<Vec<marks::Candidate>, StoreError> {
        each!(self, s => s.topic_candidates(topic, limit))
    }
    fn topic_quality(&self) -> Result<Vec<marks::TopicQuality>, StoreError> {
        each!(self, s => s.topic_quality())
    }
    fn missed_posts(&self, topic: &str, limit: usize) -> Result<Vec<marks::Candidate>, StoreError> {
        each!(self, s => s.missed_posts(topic, limit))
    }
}

impl Leases for Store {
    fn try_lease(
        &mut self,
        name: &str,
        node: &str,
        now: Timestamp,
        ttl: std::time::Duration,
    ) -> Result<Option<Lease>, StoreError> {
        each!(self, s => s.try_lease(name, node, now, ttl))
    }

    fn release(&mut self, name: &str, node: &str) -> Result<bool, StoreError> {
        each!(self, s => s.release(name, node))
    }

    fn leases(&self) -> Result<Vec<Lease>, StoreError> {
        each!(self, s => s.leases())
    }
}

impl Maintenance for Store {
    /// SQLite's background checkpoints; PostgreSQL checkpoints itself.
    type Checkpoints = Option<Checkpointer>;

    fn backup_to(&self, dest: &Path) -> Result<u64, StoreError> {
        each!(self, s => s.backup_to(dest))
    }
    fn stats(&self) -> Result<Stats, StoreError> {
        each!(self, s => s.stats())
    }
    fn prune_batch(&mut self, before: Timestamp, limit: usize) -> Result<Pruned, StoreError> {
        each!(self, s => s.prune_batch(before, limit))
    }
    fn prune_history(&mut self, before: Timestamp, limit: usize) -> Result<usize, StoreError> {
        each!(self, s => s.prune_history(before, limit))
    }
    fn sweep_story_keys(&mut self, limit: usize) -> Result<key_sweep::Swept, StoreError> {
        each!(self, s => s.sweep_story_keys(limit))
    }
    fn merge_story_keys(&mut self, limit: usize) -> Result<usize, StoreError> {
        each!(self, s => s.merge_story_keys(limit))
    }
    fn optimize(&self) -> Result<(), StoreError> {
        each!(self, s => s.optimize())
    }
    fn vacuum_step(&self, pages: u32) -> Result<u64, StoreError> {
        each!(self, s => s.vacuum_step(pages))
    }
    fn limit_size(&self, max_mb: u64) -> Result<(), StoreError> {
        each!(self, s => s.limit_size(max_mb))
    }
    fn checkpoint(&self) -> Result<(), StoreError> {
        each!(self, s => s.checkpoint())
    }
    fn checkpoint_in_background(&self) -> Result<Option<Checkpointer>, StoreError> {
        match self {
            Store::Sqlite(s) => s.checkpoint_in_background().map(Some),
            Store::Postgres(_) => Ok(None),
        }
    }
    fn integrity_check(&self) -> Result<String, StoreError> {
        each!(self, s => s.integrity_check())
    }
}
