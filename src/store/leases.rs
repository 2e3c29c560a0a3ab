//! Leases: which node of several sharing one database polls a source or runs a singleton job
//! (see [`super::Leases`]). On SQLite there is nobody to share with — the daemon's writer is
//! the one process that writes the file — so the leases live in the connection's memory: they
//! answer exactly as PostgreSQL's table does for the one node that asks, and cost no write per
//! poll. A table would add a migration and a commit per poll (forcing the writer's indexing
//! step each time) to arbitrate between processes that cannot exist.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::{Leases, SqliteStore, StoreError};

/// The lease of a source's polling.
pub fn source_lease(id: &str) -> String {
    format!("source:{id}")
}

/// The source a lease name is for, if it is a source's.
pub fn leased_source(name: &str) -> Option<&str> {
    name.strip_prefix("source:")
}

/// A lease as stored: `node` holds `name` from `acquired_at` (the start of its current tenure,
/// kept by renewals) until `expires_at`, unless it renews.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Lease {
    pub name: String,
    pub node: String,
    pub acquired_at: Timestamp,
    pub expires_at: Timestamp,
}

impl Lease {
    /// Whether it still binds at `now` (it binds through its `expires_at` second).
    pub fn live(&self, now: Timestamp) -> bool {
        self.expires_at >= now
    }
}

/// Leases are kept at whole seconds, like every time in the store: `now` is truncated and the
/// expiry rounded up, so a lease never lasts less than asked.
pub(super) fn span(now: Timestamp, ttl: Duration) -> (Timestamp, Timestamp) {
    let ttl = SignedDuration::try_from(ttl)
        .unwrap_or(SignedDuration::MAX)
        .min(SignedDuration::from_hours(100 * 365 * 24));
    let end = now.checked_add(ttl).unwrap_or(Timestamp::MAX);
    let up = i64::from(end.subsec_nanosecond() > 0);
    let expires = Timestamp::from_second(end.as_second().saturating_add(up)).unwrap_or(end);
    let start = Timestamp::from_second(now.as_second()).unwrap_or(now);
    (start, expires)
}

/// The leases one SQLite connection has handed out.
#[derive(Debug, Default)]
pub(super) struct Held(BTreeMap<String, Lease>);

impl Leases for SqliteStore {
    fn try_lease(
        &mut self,
        name: &str,
        node: &str,
        now: Timestamp,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let (now, expires_at) = span(now, ttl);
        let leases = &mut self.leases.0;
        let acquired_at = match leases.get(name) {
            Some(l) if l.node == node && l.live(now) => l.acquired_at,
            Some(l) if l.live(now) => return Ok(None),
            _ => now,
        };
        let lease = Lease {
            name: name.to_string(),
            node: node.to_string(),
            acquired_at,
            expires_at,
        };
        leases.insert(name.to_string(), lease.clone());
        Ok(Some(lease))
    }

    fn release(&mut self, name: &str, node: &str) -> Result<bool, StoreError> {
        let leases = &mut self.leases.0;
        if leases.get(name).is_some_and(|l| l.node == node) {
            leases.remove(name);
            return Ok(true);
        }
        Ok(false)
    }

    fn leases(&self) -> Result<Vec<Lease>, StoreError> {
        Ok(self.leases.0.values().cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::each_backend;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn a_lease_is_taken_renewed_refused_to_others_until_it_expires_and_released() {
        each_backend(|backend, mut store| {
            let t0 = at("2026-12-07T01:00:00.700Z");
            // Free: taken, at whole seconds, for at least the ttl.
            let a = store.try_lease("source:x", "a", t0, MINUTE).unwrap();
            let a = a.unwrap_or_else(|| panic!("{backend:?}: a free lease is taken"));
            assert_eq!(a.node, "a");
            assert_eq!(a.acquired_at, at("2026-12-07T01:00:00Z"), "{backend:?}");
            // 01:00:00.7 + 60 s, rounded up.
            assert_eq!(a.expires_at, at("2026-12-07T01:01:01Z"), "{backend:?}");

            // Another node is refused while it binds, through its last second.
            for t in ["2026-12-07T01:00:30Z", "2026-12-07T01:01:01Z"] {
                let refused = store.try_lease("source:x", "b", at(t), MINUTE).unwrap();
                assert_eq!(refused, None, "{backend:?} at {t}");
            }
            // Other names are independent.
            assert!(
                store
                    .try_lease("job:alerts", "b", t0, MINUTE)
                    .unwrap()
                    .is_some()
            );

            // Renewed by its holder: the tenure goes on, the expiry moves.
            let renewed = store
                .try_lease("source:x", "a", at("2026-12-07T01:00:50Z"), MINUTE)
                .unwrap()
                .unwrap();
            assert_eq!(renewed.acquired_at, a.acquired_at, "{backend:?}");
            assert_eq!(
                renewed.expires_at,
                at("2026-12-07T01:01:50Z"),
                "{backend:?}"
            );
            let refused = store
                .try_lease("source:x", "b", at("2026-12-07T01:01:10Z"), MINUTE)
                .unwrap();
            assert_eq!(refused, None, "{backend:?}: the renewal binds");

            // Expired: another node takes it, with a tenure of its own.
            let b = store
                .try_lease("source:x", "b", at("2026-12-07T01:01:51Z"), MINUTE)
                .unwrap()
                .unwrap_or_else(|| panic!("{backend:?}: an expired lease is taken"));
            assert_eq!(b.node, "b");
            assert_eq!(b.acquired_at, at("2026-12-07T01:01:51Z"), "{backend:?}");
            // The old holder is refused now, and on coming back later starts a new tenure:
            // it can tell that someone else held the lease in between.
            let t = at("2026-12-07T01:02:00Z");
            assert_eq!(store.try_lease("source:x", "a", t, MINUTE).unwrap(), None);
            let t = at("2026-12-07T01:05:00Z");
            let back = store
                .try_lease("source:x", "a", t, MINUTE)
                .unwrap()
                .unwrap();
            assert_eq!(back.acquired_at, t, "{backend:?}");

            // Its own expired lease, renewed late, is a new tenure too.
            let t = at("2026-12-07T01:10:00Z");
            let late = store
                .try_lease("source:x", "a", t, MINUTE)
                .unwrap()
                .unwrap();
            assert_eq!(late.acquired_at, t, "{backend:?}");

            // Listed, by name.
            let names: Vec<_> = store
                .leases()
                .unwrap()
                .into_iter()
                .map(|l| (l.name, l.node))
                .collect();
            assert_eq!(
                names,
                [
                    ("job:alerts".to_string(), "b".to_string()),
                    ("source:x".to_string(), "a".to_string())
                ],
                "{backend:?}"
            );

            // Released only by its holder; then free at once.
            assert!(!store.release("source:x", "b").unwrap(), "{backend:?}");
            assert!(store.release("source:x", "a").unwrap(), "{backend:?}");
            assert!(!store.release("source:x", "a").unwrap(), "{backend:?}");
            let t = at("2026-12-07T01:10:01Z");
            let taken = store.try_lease("source:x", "b", t, MINUTE).unwrap();
            assert_eq!(taken.map(|l| l.acquired_at), Some(t), "{backend:?}");
        });
    }

    #[test]
    fn nodes_on_one_postgresql_database_see_each_others_leases() {
        let Some(db) = crate::store::testing::TestDb::create() else {
            return;
        };
        let (mut a, mut b) = (db.store(), db.store());
        let t0 = at("2026-12-07T01:00:00Z");
        assert!(
            a.try_lease("job:briefing", "a", t0, MINUTE)
                .unwrap()
                .is_some()
        );
        assert_eq!(
            b.try_lease("job:briefing", "b", t0, MINUTE).unwrap(),
            None,
            "the other node's connection is refused"
        );
        assert_eq!(b.leases().unwrap()[0].node, "a");
        assert!(a.release("job:briefing", "a").unwrap());
        assert!(
            b.try_lease("job:briefing", "b", t0, MINUTE)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn spans_are_whole_seconds_and_never_shorter_than_asked() {
        let (now, end) = span(at("2026-12-07T01:00:00.9Z"), Duration::from_millis(1500));
        assert_eq!(now, at("2026-12-07T01:00:00Z"));
        assert_eq!(end, at("2026-12-07T01:00:03Z"));
        let (_, end) = span(now, Duration::MAX);
        assert!(end > now);
    }
}
