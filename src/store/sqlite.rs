//! [`SqliteStore`], the SQLite backend, implements the store's traits (see `store/mod.rs`): each
//! method hands the connection to the function of the file that holds its table family's SQL
//! (`posts`, `rollups`, `reach`, `browse`, `stories`, `search`, `sources`, `meta`, `briefings`,
//! `alerts`, `maintenance`, `checkpoint`). Nothing here knows SQL; nothing there knows the
//! traits.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use jiff::Timestamp;

use super::alerts::{self, Decision, Episode, PendingDelivery};
use super::briefings::{self, BriefingDelivery, BriefingRecord};
use super::browse::{self, ExportFilter, ListedPost, Page, PostFilter};
use super::maintenance::{self, Pruned, Stats};
use super::reach::{self, AccountReach, PlatformCount, ReachTotals};
use super::rollups::{self, AuthorCount, SourceCount};
use super::search::{self, Search};
use super::{
    Browse, Checkpointer, HourCount, Maintenance, Reports, SourceHealth, SourceSeen, SqliteStore,
    Status, StoreError, StoredPost, Story, TaggedRow, Write, Writes,
};
use super::{checkpoint, key_sweep, meta, pending, posts, sources, stories};
use crate::classify::Tags;
use crate::model::{Post, SourceId, SourceInfo, SourceState};
use crate::sources::article::ItemKey;

impl Writes for SqliteStore {
    fn write(&mut self, writes: &[Write]) -> Result<Vec<usize>, StoreError> {
        let (new, placing) = posts::write(&mut self.conn, writes)?;
        self.committed(new.iter().sum(), placing);
        Ok(new)
    }

    fn insert_pushed(
        &mut self,
        kind: &str,
        origin: &str,
        posts: &[(Post, Tags)],
        keywords_version: &str,
    ) -> Result<usize, StoreError> {
        let (new, placing) =
            posts::insert_pushed(&mut self.conn, kind, origin, posts, keywords_version)?;
        self.committed(new, placing);
        Ok(new)
    }

    fn sync_sources(&mut self, configured: &[SourceInfo]) -> Result<(), StoreError> {
        sources::sync_sources(&mut self.conn, configured)
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        meta::set_meta(&self.conn, key, value)
    }

    fn delete_meta(&mut self, key: &str) -> Result<(), StoreError> {
        meta::delete_meta(&self.conn, key)
    }

    fn record_briefing(&mut self, briefing: &BriefingRecord) -> Result<(), StoreError> {
        briefings::record_briefing(&self.conn, briefing)
    }

    fn record_briefing_delivery(&mut self, delivery: &BriefingDelivery) -> Result<(), StoreError> {
        briefings::record_briefing_delivery(&self.conn, delivery)
    }

    fn record_decisions(
        &mut self,
        decisions: &[Decision],
        now: Timestamp,
    ) -> Result<Vec<i64>, StoreError> {
        alerts::record_decisions(&mut self.conn, decisions, now)
    }

    fn record_delivery(
        &mut self,
        alert_id: i64,
        sink: &str,
        outcome: Result<(), (&str, Option<Timestamp>)>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        alerts::record_delivery(&self.conn, alert_id, sink, outcome, now)
    }
}

impl Reports for SqliteStore {
    fn topic_counts(
        &self,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        rollups::topic_counts(&self.conn, start, end)
    }

    fn topic_hours(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(Timestamp, u64)>, StoreError> {
        rollups::topic_hours(&self.conn, topic, start, end)
    }

    fn topic_areas(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        rollups::topic_areas(&self.conn, topic, start, end)
    }

    fn topic_sources(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<SourceCount>, StoreError> {
        rollups::topic_sources(&self.conn, topic, start, end)
    }

    fn topic_authors(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<AuthorCount>, StoreError> {
        rollups::topic_authors(&self.conn, topic, start, end, limit)
    }

    fn topic_sentiment(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        rollups::topic_sentiment(&self.conn, topic, start, end)
    }

    fn topic_posts(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredPost>, StoreError> {
        rollups::topic_posts(&self.conn, topic, None, start, end, limit)
    }

    fn topic_region_posts(
        &self,
        topic: &str,
        region: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredPost>, StoreError> {
        rollups::topic_posts(&self.conn, topic, Some(region), start, end, limit)
    }

    fn topic_platforms(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<PlatformCount>, StoreError> {
        reach::topic_platforms(&self.conn, topic, start, end)
    }

    fn topic_engaged(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredPost>, StoreError> {
        reach::topic_engaged(&self.conn, topic, start, end, limit)
    }

    fn topic_accounts(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<AccountReach>, StoreError> {
        reach::topic_accounts(&self.conn, topic, start, end, limit)
    }

    fn reach_totals(
        &self,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<HashMap<(String, Option<String>), ReachTotals>, StoreError> {
        reach::reach_totals(&self.conn, start, end)
    }

    fn post_totals(&self, start: Timestamp, end: Timestamp) -> Result<(u64, u64), StoreError> {
        rollups::post_totals(&self.conn, start, end)
    }

    fn hour_counts(&self, start: Timestamp, end: Timestamp) -> Result<Vec<HourCount>, StoreError> {
        rollups::hour_counts(&self.conn, start, end)
    }

    fn first_hour(&self) -> Result<Option<Timestamp>, StoreError> {
        rollups::first_hour(&self.conn)
    }

    fn collecting_since(&self) -> Result<Option<Timestamp>, StoreError> {
        rollups::collecting_since(&self.conn)
    }

    fn sources_seen(
        &self,
        start: Timestamp,
        end: Timestamp,
        areas: &HashSet<String>,
    ) -> Result<Vec<SourceSeen>, StoreError> {
        rollups::sources_seen(&self.conn, start, end, areas)
    }
}

impl Browse for SqliteStore {
    fn posts_page(&self, filter: &PostFilter) -> Result<Page, StoreError> {
        browse::posts_page(&self.conn, filter)
    }

    fn story_posts(&self, story: i64, limit: usize) -> Result<Vec<StoredPost>, StoreError> {
        browse::story_posts(&self.conn, story, limit)
    }

    fn story(&self, id: i64) -> Result<Option<Story>, StoreError> {
        stories::story(&self.conn, id)
    }

    fn search(&self, query: &Search) -> Result<Vec<ListedPost>, StoreError> {
        search::search(&self.conn, query)
    }

    fn briefings(&self, limit: usize) -> Result<Vec<BriefingRecord>, StoreError> {
        browse::briefings(&self.conn, limit)
    }

    fn briefing(&self, date: &str) -> Result<Option<BriefingRecord>, StoreError> {
        browse::briefing(&self.conn, date)
    }

    fn briefing_deliveries(&self, date: &str) -> Result<Vec<BriefingDelivery>, StoreError> {
        briefings::briefing_deliveries(&self.conn, date)
    }

    fn failed_briefing_deliveries(&self) -> Result<Vec<BriefingDelivery>, StoreError> {
        briefings::failed_briefing_deliveries(&self.conn)
    }

    fn count_posts(&self) -> Result<u64, StoreError> {
        posts::count_posts(&self.conn)
    }

    fn stored_items(&self, source: &SourceId, items: &[ItemKey]) -> Result<Vec<bool>, StoreError> {
        posts::stored_items(&self.conn, source, items)
    }

    fn count_tagged_posts(&self) -> Result<u64, StoreError> {
        posts::count_tagged_posts(&self.conn)
    }

    fn count_posts_since(&self, since: Timestamp) -> Result<u64, StoreError> {
        posts::count_posts_since(&self.conn, since)
    }

    fn scan_posts(&self, since: Timestamp, f: impl FnMut(TaggedRow)) -> Result<(), StoreError> {
        posts::scan_posts(&self.conn, since, f)
    }

    fn count_export(&self, filter: &ExportFilter) -> Result<u64, StoreError> {
        browse::count_export(&self.conn, filter)
    }

    fn export_posts<E: From<StoreError>>(
        &self,
        filter: &ExportFilter,
        f: impl FnMut(ListedPost) -> Result<(), E>,
    ) -> Result<u64, E> {
        browse::export_posts(&self.conn, filter, f)
    }
}

impl Status for SqliteStore {
    fn sources_health(&self, order: &[SourceId]) -> Result<Vec<SourceHealth>, StoreError> {
        sources::sources_health(&self.conn, order)
    }

    fn source_names(&self) -> Result<Vec<(String, String)>, StoreError> {
        sources::source_names(&self.conn)
    }

    fn source_state(&self, id: &SourceId) -> Result<SourceState, StoreError> {
        sources::source_state(&self.conn, id)
    }

    fn meta(&self, key: &str) -> Result<Option<(String, Option<Timestamp>)>, StoreError> {
        meta::meta(&self.conn, key)
    }

    fn open_episodes(&self) -> Result<Vec<Episode>, StoreError> {
        alerts::open_episodes(&self.conn)
    }

    fn due_deliveries(&self, now: Timestamp) -> Result<Vec<PendingDelivery>, StoreError> {
        alerts::due_deliveries(&self.conn, now)
    }

    fn alert_subject(&self, id: i64) -> Result<String, StoreError> {
        alerts::alert_subject(&self.conn, id)
    }
}

impl Maintenance for SqliteStore {
    type Checkpoints = Checkpointer;

    fn backup_to(&self, dest: &Path) -> Result<u64, StoreError> {
        maintenance::backup_to(&self.conn, dest)
    }

    fn stats(&self) -> Result<Stats, StoreError> {
        maintenance::stats(&self.conn, &self.path)
    }

    fn prune_batch(&mut self, before: Timestamp, limit: usize) -> Result<Pruned, StoreError> {
        maintenance::prune_batch(&mut self.conn, before, limit)
    }

    fn prune_history(&mut self, before: Timestamp, limit: usize) -> Result<usize, StoreError> {
        maintenance::prune_history(&self.conn, before, limit)
    }

    fn sweep_story_keys(&mut self, limit: usize) -> Result<key_sweep::Swept, StoreError> {
        key_sweep::sweep_step(&mut self.conn, limit)
    }

    fn merge_story_keys(&mut self, limit: usize) -> Result<usize, StoreError> {
        key_sweep::merge_step(&mut self.conn, limit)
    }

    fn optimize(&self) -> Result<(), StoreError> {
        maintenance::optimize(&self.conn)
    }

    fn vacuum_step(&self, pages: u32) -> Result<u64, StoreError> {
        maintenance::vacuum_step(&self.conn, pages)
    }

    fn limit_size(&self, max_mb: u64) -> Result<(), StoreError> {
        maintenance::limit_size(&self.conn, max_mb)
    }

    fn checkpoint(&self) -> Result<(), StoreError> {
        checkpoint::checkpoint(&self.conn)
    }

    fn checkpoint_in_background(&self) -> Result<Checkpointer, StoreError> {
        checkpoint::checkpoint_in_background(&self.conn, &self.path)
    }

    fn integrity_check(&self) -> Result<String, StoreError> {
        maintenance::integrity_check(&self.conn)
    }
}

/// What only this backend's tests and benches use to set up and inspect a database: not part
/// of the seam.
impl SqliteStore {
    /// Stores posts outside any poll: no cursor or health change. Returns how many were new.
    pub fn insert_posts(
        &mut self,
        posts: &[(Post, Tags)],
        keywords_version: &str,
    ) -> Result<usize, StoreError> {
        let (new, placing) = posts::insert_posts(&mut self.conn, posts, keywords_version)?;
        self.committed(new, placing);
        Ok(new)
    }

    /// The story a stored post belongs to, if it has one.
    pub fn story_of_post(&self, post_id: i64) -> Result<Option<i64>, StoreError> {
        stories::story_of_post(&self.conn, post_id)
    }

    /// Every delivery of the alerts created since `since`, newest alert first, then by sink.
    pub fn deliveries_since(
        &self,
        since: Timestamp,
    ) -> Result<Vec<alerts::DeliveryRecord>, StoreError> {
        alerts::deliveries_since(&self.conn, since)
    }
}

/// The step behind the commit ([`super::pending`]): the full-text index and story placement of
/// stored posts.
impl SqliteStore {
    /// Leaves the full-text index and story placement of the posts this store commits to
    /// [`SqliteStore::finish_pending`], for the daemon's writer thread, which runs it within
    /// [`super::writer::INDEX_WITHIN`] of a commit. Otherwise every transaction that stores
    /// posts is followed by the step at once, so a caller that stores and then reads (a
    /// command, a test) finds its posts everywhere.
    pub fn defer_pending(&mut self) {
        self.defer = true;
    }

    /// Indexes and places every post committed and not yet indexed and placed (by this
    /// process or by one that stopped before it could); returns how many posts it indexed.
    pub fn finish_pending(&mut self) -> Result<usize, StoreError> {
        match pending::finish(&mut self.conn, &mut self.held) {
            Ok(n) => {
                self.behind = None;
                Ok(n)
            }
            Err(e) => {
                // Tried again a full wait later, not at once.
                if self.behind.is_some() {
                    self.behind = Some(std::time::Instant::now());
                }
                Err(e)
            }
        }
    }

    /// When the oldest post committed through this store and not yet finished was committed;
    /// None when nothing waits.
    pub fn behind_since(&self) -> Option<std::time::Instant> {
        self.behind
    }

    /// Merges a few pages of the full-text index's segments, as the writer does when idle
    /// ([`pending::merge_search_step`]); false once there is nothing to merge.
    pub fn merge_search_step(&mut self) -> Result<bool, StoreError> {
        pending::merge_search_step(&self.conn, pending::MERGE_PAGES)
    }

    /// Posts committed and not yet indexed for search or placed in their story.
    pub fn pending_posts(&self) -> Result<u64, StoreError> {
        pending::count(&self.conn)
    }

    /// After a transaction that stored `new` posts: holds its fingerprints for the step, and
    /// runs the step unless it is deferred. A failure of the step leaves the posts pending (the
    /// next step, or the next start, finishes them), so it does not make the stored posts an
    /// error.
    fn committed(&mut self, new: usize, placing: posts::Placing) {
        if new == 0 {
            return;
        }
        self.held.extend(placing);
        self.behind.get_or_insert_with(std::time::Instant::now);
        if !self.defer
            && let Err(e) = self.finish_pending()
        {
            tracing::warn!(error = %e, "indeks pencarian dan cerita tertunda");
        }
    }
}
