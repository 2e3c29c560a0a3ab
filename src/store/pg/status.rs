//! Sources' health, meta values, alert episodes and deliveries on PostgreSQL.

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
use crate::time::from_db;

impl Status for PgStore {
    fn sources_health(&self, order: &[SourceId]) -> Result<Vec<SourceHealth>, StoreError> {
        Err(StoreError::Unsupported("Status::sources_health"))
    }

    fn source_names(&self) -> Result<Vec<(String, String)>, StoreError> {
        Err(StoreError::Unsupported("Status::source_names"))
    }

    fn source_state(&self, id: &SourceId) -> Result<SourceState, StoreError> {
        Err(StoreError::Unsupported("Status::source_state"))
    }

    fn meta(&self, key: &str) -> Result<Option<(String, Option<Timestamp>)>, StoreError> {
        let row = self
            .client()
            .query_opt("SELECT value, updated_at FROM meta WHERE key = $1", &[&key])?;
        Ok(row.map(|r| (r.get(0), from_db(r.get(1)))))
    }

    fn open_episodes(&self) -> Result<Vec<Episode>, StoreError> {
        Err(StoreError::Unsupported("Status::open_episodes"))
    }

    fn due_deliveries(&self, now: Timestamp) -> Result<Vec<PendingDelivery>, StoreError> {
        Err(StoreError::Unsupported("Status::due_deliveries"))
    }

    fn alert_subject(&self, id: i64) -> Result<String, StoreError> {
        Err(StoreError::Unsupported("Status::alert_subject"))
    }
}

impl PgStore {
    /// Every delivery of the alerts created since `since`, newest alert first, then by sink.
    pub fn deliveries_since(
        &self,
        since: Timestamp,
    ) -> Result<Vec<crate::store::alerts::DeliveryRecord>, StoreError> {
        Err(StoreError::Unsupported("deliveries_since"))
    }
}
