//! The reports of periods on PostgreSQL, from the hourly rollups (see [`crate::store::Reports`]).

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

impl Reports for PgStore {
    fn topic_counts(
        &self,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        Err(StoreError::Unsupported("Reports::topic_counts"))
    }

    fn topic_hours(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(Timestamp, u64)>, StoreError> {
        Err(StoreError::Unsupported("Reports::topic_hours"))
    }

    fn topic_areas(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        Err(StoreError::Unsupported("Reports::topic_areas"))
    }

    fn topic_sources(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<SourceCount>, StoreError> {
        Err(StoreError::Unsupported("Reports::topic_sources"))
    }

    fn topic_authors(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<AuthorCount>, StoreError> {
        Err(StoreError::Unsupported("Reports::topic_authors"))
    }

    fn topic_sentiment(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        Err(StoreError::Unsupported("Reports::topic_sentiment"))
    }

    fn topic_posts(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredPost>, StoreError> {
        Err(StoreError::Unsupported("Reports::topic_posts"))
    }

    fn topic_region_posts(
        &self,
        topic: &str,
        region: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredPost>, StoreError> {
        Err(StoreError::Unsupported("Reports::topic_region_posts"))
    }

    fn topic_platforms(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<PlatformCount>, StoreError> {
        Err(StoreError::Unsupported("Reports::topic_platforms"))
    }

    fn topic_engaged(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredPost>, StoreError> {
        Err(StoreError::Unsupported("Reports::topic_engaged"))
    }

    fn topic_accounts(
        &self,
        topic: &str,
        start: Timestamp,
        end: Timestamp,
        limit: usize,
    ) -> Result<Vec<AccountReach>, StoreError> {
        Err(StoreError::Unsupported("Reports::topic_accounts"))
    }

    fn reach_totals(
        &self,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<HashMap<(String, Option<String>), ReachTotals>, StoreError> {
        Err(StoreError::Unsupported("Reports::reach_totals"))
    }

    fn post_totals(&self, start: Timestamp, end: Timestamp) -> Result<(u64, u64), StoreError> {
        Err(StoreError::Unsupported("Reports::post_totals"))
    }

    fn hour_counts(&self, start: Timestamp, end: Timestamp) -> Result<Vec<HourCount>, StoreError> {
        Err(StoreError::Unsupported("Reports::hour_counts"))
    }

    fn first_hour(&self) -> Result<Option<Timestamp>, StoreError> {
        Err(StoreError::Unsupported("Reports::first_hour"))
    }

    fn collecting_since(&self) -> Result<Option<Timestamp>, StoreError> {
        Err(StoreError::Unsupported("Reports::collecting_since"))
    }

    fn sources_seen(
        &self,
        start: Timestamp,
        end: Timestamp,
        areas: &HashSet<String>,
    ) -> Result<Vec<SourceSeen>, StoreError> {
        Err(StoreError::Unsupported("Reports::sources_seen"))
    }
}
