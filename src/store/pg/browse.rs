//! Browsing on PostgreSQL: posts page by page, stories, briefings, full-text search, export.

#![allow(unused_imports, unused_variables)] // TODO(pg): remove once ported

use std::collections::{HashMap, HashSet};
use std::path::Path;

use jiff::Timestamp;

use crate::classify::Tags;
use crate::config::StorageSettings;
use crate::model::{Post, SourceId, SourceInfo, SourceState};
use crate::sources::article::ItemKey;
use crate::store::alerts::{Decision, Episode, PendingDelivery};
use crate::store::briefings::{BriefingDelivery, BriefingRecord};
use crate::store::browse::{ExportFilter, ListedPost, Page, PostFilter};
use crate::store::maintenance::{Pruned, Stats};
use crate::store::marks;
use crate::store::reach::{AccountReach, PlatformCount, ReachTotals};
use crate::store::revisions;
use crate::store::rollups::{AuthorCount, SourceCount};
use crate::store::search::Search;
use crate::store::users::{Attempts, Failures, LoginEntry, SessionRow, UserRow};
use crate::store::{
    Accounts, Browse, Checkpointer, HourCount, Maintenance, Marks, Reports, Revisions,
    SourceHealth, SourceSeen, SqliteStore, Status, StoreError, StoredPost, Story, TaggedRow, Write,
    Writes,
};

use super::PgStore;

impl Browse for PgStore {
    fn posts_page(&self, filter: &PostFilter) -> Result<Page, StoreError> {
        Err(StoreError::Unsupported("Browse::posts_page"))
    }

    fn story_posts(&self, story: i64, limit: usize) -> Result<Vec<StoredPost>, StoreError> {
        Err(StoreError::Unsupported("Browse::story_posts"))
    }

    fn story(&self, id: i64) -> Result<Option<Story>, StoreError> {
        Err(StoreError::Unsupported("Browse::story"))
    }

    fn search(&self, search: &Search) -> Result<Vec<ListedPost>, StoreError> {
        Err(StoreError::Unsupported("Browse::search"))
    }

    fn briefings(&self, limit: usize) -> Result<Vec<BriefingRecord>, StoreError> {
        Err(StoreError::Unsupported("Browse::briefings"))
    }

    fn briefing(&self, date: &str) -> Result<Option<BriefingRecord>, StoreError> {
        Err(StoreError::Unsupported("Browse::briefing"))
    }

    fn briefing_deliveries(&self, date: &str) -> Result<Vec<BriefingDelivery>, StoreError> {
        Err(StoreError::Unsupported("Browse::briefing_deliveries"))
    }

    fn failed_briefing_deliveries(&self) -> Result<Vec<BriefingDelivery>, StoreError> {
        Err(StoreError::Unsupported(
            "Browse::failed_briefing_deliveries",
        ))
    }

    fn count_posts(&self) -> Result<u64, StoreError> {
        Err(StoreError::Unsupported("Browse::count_posts"))
    }

    fn stored_items(&self, source: &SourceId, items: &[ItemKey]) -> Result<Vec<bool>, StoreError> {
        Err(StoreError::Unsupported("Browse::stored_items"))
    }

    fn count_tagged_posts(&self) -> Result<u64, StoreError> {
        Err(StoreError::Unsupported("Browse::count_tagged_posts"))
    }

    fn count_posts_since(&self, since: Timestamp) -> Result<u64, StoreError> {
        Err(StoreError::Unsupported("Browse::count_posts_since"))
    }

    fn scan_posts(&self, since: Timestamp, f: impl FnMut(TaggedRow)) -> Result<(), StoreError> {
        Err(StoreError::Unsupported("Browse::scan_posts"))
    }

    fn count_export(&self, filter: &ExportFilter) -> Result<u64, StoreError> {
        Err(StoreError::Unsupported("Browse::count_export"))
    }

    fn export_posts<E: From<StoreError>>(
        &self,
        filter: &ExportFilter,
        f: impl FnMut(ListedPost) -> Result<(), E>,
    ) -> Result<u64, E> {
        Err(E::from(StoreError::Unsupported("Browse::export_posts")))
    }
}
