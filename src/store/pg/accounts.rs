//! Users, sessions, tokens and the login audit; topic revisions; marks on posts — on PostgreSQL.

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

impl Accounts for PgStore {
    fn add_user(&mut self, user: &UserRow) -> Result<bool, StoreError> {
        Err(StoreError::Unsupported("Accounts::add_user"))
    }

    fn set_password(&mut self, name: &str, password_hash: &str) -> Result<bool, StoreError> {
        Err(StoreError::Unsupported("Accounts::set_password"))
    }

    fn remove_user(&mut self, name: &str) -> Result<bool, StoreError> {
        Err(StoreError::Unsupported("Accounts::remove_user"))
    }

    fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        Err(StoreError::Unsupported("Accounts::users"))
    }

    fn user(&self, name: &str) -> Result<Option<UserRow>, StoreError> {
        Err(StoreError::Unsupported("Accounts::user"))
    }

    fn count_users(&self) -> Result<u64, StoreError> {
        Err(StoreError::Unsupported("Accounts::count_users"))
    }

    fn create_session(
        &mut self,
        id_hash: &str,
        user: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        Err(StoreError::Unsupported("Accounts::create_session"))
    }

    fn session(&self, id_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        Err(StoreError::Unsupported("Accounts::session"))
    }

    fn touch_session(&mut self, id_hash: &str, now: Timestamp) -> Result<(), StoreError> {
        Err(StoreError::Unsupported("Accounts::touch_session"))
    }

    fn end_session(&mut self, id_hash: &str) -> Result<(), StoreError> {
        Err(StoreError::Unsupported("Accounts::end_session"))
    }

    fn prune_sessions(
        &mut self,
        idle_before: Timestamp,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        Err(StoreError::Unsupported("Accounts::prune_sessions"))
    }

    fn add_token(
        &mut self,
        token_hash: &str,
        user: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        Err(StoreError::Unsupported("Accounts::add_token"))
    }

    fn token_user(&self, token_hash: &str) -> Result<Option<UserRow>, StoreError> {
        Err(StoreError::Unsupported("Accounts::token_user"))
    }

    fn count_tokens(&self, user: &str) -> Result<u64, StoreError> {
        Err(StoreError::Unsupported("Accounts::count_tokens"))
    }

    fn revoke_tokens(&mut self, user: &str) -> Result<usize, StoreError> {
        Err(StoreError::Unsupported("Accounts::revoke_tokens"))
    }

    fn record_login(&mut self, entry: &LoginEntry) -> Result<(), StoreError> {
        Err(StoreError::Unsupported("Accounts::record_login"))
    }

    fn login_failures(&self, who: Attempts<'_>, since: Timestamp) -> Result<Failures, StoreError> {
        Err(StoreError::Unsupported("Accounts::login_failures"))
    }

    fn login_audit(&self, user: Option<&str>, limit: usize) -> Result<Vec<LoginEntry>, StoreError> {
        Err(StoreError::Unsupported("Accounts::login_audit"))
    }
}

impl Revisions for PgStore {
    fn record_revision(&mut self, rev: &revisions::Revision) -> Result<i64, StoreError> {
        Err(StoreError::Unsupported("Revisions::record_revision"))
    }

    fn revisions(&self, topic: &str, limit: usize) -> Result<Vec<revisions::Revision>, StoreError> {
        Err(StoreError::Unsupported("Revisions::revisions"))
    }

    fn revision(&self, id: i64) -> Result<Option<revisions::Revision>, StoreError> {
        Err(StoreError::Unsupported("Revisions::revision"))
    }
}

impl Marks for PgStore {
    fn set_mark(&mut self, mark: &marks::Mark) -> Result<(), StoreError> {
        Err(StoreError::Unsupported("Marks::set_mark"))
    }

    fn clear_mark(
        &mut self,
        post: i64,
        kind: marks::Kind,
        value: &str,
        user: &str,
    ) -> Result<bool, StoreError> {
        Err(StoreError::Unsupported("Marks::clear_mark"))
    }

    fn post_tags(&self, id: i64) -> Result<Option<marks::PostTags>, StoreError> {
        Err(StoreError::Unsupported("Marks::post_tags"))
    }

    fn marks_on(&self, ids: &[i64]) -> Result<Vec<marks::Mark>, StoreError> {
        Err(StoreError::Unsupported("Marks::marks_on"))
    }

    fn topic_candidates(
        &self,
        topic: &str,
        limit: usize,
    ) -> Result<Vec<marks::Candidate>, StoreError> {
        Err(StoreError::Unsupported("Marks::topic_candidates"))
    }

    fn topic_quality(&self) -> Result<Vec<marks::TopicQuality>, StoreError> {
        Err(StoreError::Unsupported("Marks::topic_quality"))
    }

    fn missed_posts(&self, topic: &str, limit: usize) -> Result<Vec<marks::Candidate>, StoreError> {
        Err(StoreError::Unsupported("Marks::missed_posts"))
    }
}
