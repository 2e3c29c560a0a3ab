//! Keeping a PostgreSQL store: figures, retention, integrity.

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

impl Maintenance for PgStore {
    type Checkpoints = ();

    fn backup_to(&self, dest: &Path) -> Result<u64, StoreError> {
        Err(StoreError::Unsupported("Maintenance::backup_to"))
    }

    fn stats(&self) -> Result<Stats, StoreError> {
        Err(StoreError::Unsupported("Maintenance::stats"))
    }

    fn prune_batch(&mut self, before: Timestamp, limit: usize) -> Result<Pruned, StoreError> {
        Err(StoreError::Unsupported("Maintenance::prune_batch"))
    }

    fn prune_history(&mut self, before: Timestamp, limit: usize) -> Result<usize, StoreError> {
        Err(StoreError::Unsupported("Maintenance::prune_history"))
    }

    fn optimize(&self) -> Result<(), StoreError> {
        Err(StoreError::Unsupported("Maintenance::optimize"))
    }

    fn vacuum_step(&self, pages: u32) -> Result<u64, StoreError> {
        Err(StoreError::Unsupported("Maintenance::vacuum_step"))
    }

    fn limit_size(&self, max_mb: u64) -> Result<(), StoreError> {
        Err(StoreError::Unsupported("Maintenance::limit_size"))
    }

    fn checkpoint(&self) -> Result<(), StoreError> {
        Err(StoreError::Unsupported("Maintenance::checkpoint"))
    }

    fn checkpoint_in_background(&self) -> Result<(), StoreError> {
        Ok(())
    }

    fn integrity_check(&self) -> Result<String, StoreError> {
        Err(StoreError::Unsupported("Maintenance::integrity_check"))
    }
}
