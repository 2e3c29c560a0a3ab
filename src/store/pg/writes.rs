//! The write path on PostgreSQL: posts with their tags, stories, rollups, reach and full-text
//! entries, committed with their source's cursor and health; sources, meta, briefings, alert
//! decisions and deliveries.

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
use crate::time::to_db;

impl Writes for PgStore {
    fn write(&mut self, writes: &[Write]) -> Result<Vec<usize>, StoreError> {
        Err(StoreError::Unsupported("Writes::write"))
    }

    fn insert_pushed(
        &mut self,
        kind: &str,
        origin: &str,
        posts: &[(Post, Tags)],
        keywords_version: &str,
    ) -> Result<usize, StoreError> {
        Err(StoreError::Unsupported("Writes::insert_pushed"))
    }

    fn sync_sources(&mut self, sources: &[SourceInfo]) -> Result<(), StoreError> {
        Err(StoreError::Unsupported("Writes::sync_sources"))
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.client().execute(
            "INSERT INTO meta (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            &[&key, &value, &to_db(Timestamp::now())],
        )?;
        Ok(())
    }

    fn delete_meta(&mut self, key: &str) -> Result<(), StoreError> {
        self.client()
            .execute("DELETE FROM meta WHERE key = $1", &[&key])?;
        Ok(())
    }

    fn record_briefing(&mut self, briefing: &BriefingRecord) -> Result<(), StoreError> {
        Err(StoreError::Unsupported("Writes::record_briefing"))
    }

    fn record_briefing_delivery(&mut self, delivery: &BriefingDelivery) -> Result<(), StoreError> {
        Err(StoreError::Unsupported("Writes::record_briefing_delivery"))
    }

    fn record_decisions(
        &mut self,
        decisions: &[Decision],
        now: Timestamp,
    ) -> Result<Vec<i64>, StoreError> {
        Err(StoreError::Unsupported("Writes::record_decisions"))
    }

    fn record_delivery(
        &mut self,
        alert_id: i64,
        sink: &str,
        outcome: Result<(), (&str, Option<Timestamp>)>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        Err(StoreError::Unsupported("Writes::record_delivery"))
    }
}

impl PgStore {
    /// Stores posts outside any poll (tests, benches): no cursor or health change.
    pub fn insert_posts(
        &mut self,
        posts: &[(Post, Tags)],
        keywords_version: &str,
    ) -> Result<usize, StoreError> {
        Err(StoreError::Unsupported("insert_posts"))
    }

    /// The story a stored post belongs to, if it has one.
    pub fn story_of_post(&self, post_id: i64) -> Result<Option<i64>, StoreError> {
        Err(StoreError::Unsupported("story_of_post"))
    }
}
