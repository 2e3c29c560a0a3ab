//! For tests only: a throw-away PostgreSQL database per test, and running one test body
//! against both backends. Public (hidden) so that the integration tests use it too.
//!
//! The server comes from `PANTAU_TEST_POSTGRES` (an administrator's URL, e.g. what
//! `scripts/pg-test-cluster.sh start` prints). Without it a test's PostgreSQL half is skipped
//! with a printed notice — unless `PANTAU_REQUIRE_POSTGRES` is set (CI sets it), which makes
//! a missing server a failure.

use std::sync::atomic::{AtomicU64, Ordering};

use super::pg::PgStore;
use super::{SqliteStore, Store};
use crate::config::value::DbUrl;

/// A database created for one test and dropped (with its connections) when this is dropped.
pub struct TestDb {
    admin: String,
    name: String,
    url: DbUrl,
}

impl TestDb {
    /// A new empty database on the test server; None (after a notice) when there is none.
    pub fn create() -> Option<TestDb> {
        let admin = admin_url()?;
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "pantau_t_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            jiff::Timestamp::now().as_millisecond() % 1_000_000
        );
        // Tests on a tokio runtime create databases too: the blocking client runs off it.
        super::pg::off_runtime(|| {
            let mut client = postgres::Client::connect(&admin, postgres::NoTls)
                .unwrap_or_else(|e| panic!("PANTAU_TEST_POSTGRES tidak tersambung: {e}"));
            client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        });
        let url = DbUrl::new(with_database(&admin, &name));
        Some(TestDb { admin, name, url })
    }

    pub fn url(&self) -> &DbUrl {
        &self.url
    }

    /// A `[storage]` section selecting this database (for a test's configuration file).
    pub fn storage_toml(&self) -> String {
        format!("url = \"{}\"\n", self.url.expose())
    }

    /// A connection to it, schema migrated.
    pub fn store(&self) -> Store {
        Store::Postgres(PgStore::connect(&self.url).expect("PostgreSQL uji"))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        super::pg::off_runtime(|| {
            if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
                let _ = client.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ));
            }
        });
    }
}

/// The test server's administrator URL, or None after a one-time notice.
pub fn admin_url() -> Option<String> {
    match std::env::var("PANTAU_TEST_POSTGRES") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if std::env::var_os("PANTAU_REQUIRE_POSTGRES").is_some() {
                panic!(
                    "PANTAU_REQUIRE_POSTGRES is set but PANTAU_TEST_POSTGRES is not: start a \
                     server with `eval \"$(scripts/pg-test-cluster.sh start)\"`"
                );
            }
            static NOTICE: std::sync::Once = std::sync::Once::new();
            NOTICE.call_once(|| {
                eprintln!(
                    "NOTICE: PostgreSQL half of the store tests skipped (no PANTAU_TEST_POSTGRES; \
                     see scripts/pg-test-cluster.sh)"
                )
            });
            None
        }
    }
}

/// This test database as the test server's streaming replica serves it
/// (`PANTAU_TEST_POSTGRES_REPLICA`, which `scripts/pg-test-cluster.sh start` exports), once
/// the replica has it. None (after a notice) without a replica, unless `PANTAU_REQUIRE_POSTGRES`
/// is set.
pub fn replica_of(db: &TestDb) -> Option<DbUrl> {
    let replica = match std::env::var("PANTAU_TEST_POSTGRES_REPLICA") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            if std::env::var_os("PANTAU_REQUIRE_POSTGRES").is_some() {
                panic!(
                    "PANTAU_REQUIRE_POSTGRES is set but PANTAU_TEST_POSTGRES_REPLICA is not: \
                     start the servers with `eval \"$(scripts/pg-test-cluster.sh start)\"`"
                );
            }
            eprintln!("NOTICE: replica test skipped (no PANTAU_TEST_POSTGRES_REPLICA)");
            return None;
        }
    };
    Some(DbUrl::new(with_database(&replica, &db.name)))
}

/// `admin` with its database replaced by `name`.
fn with_database(admin: &str, name: &str) -> String {
    let mut url = url::Url::parse(admin).expect("PANTAU_TEST_POSTGRES bukan URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// Which backend a test body runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `test` on a new SQLite store, then (when a test server is there) on a new PostgreSQL
/// one. A failure names the backend it happened on.
pub fn each_backend(test: impl Fn(Backend, Store)) {
    let dir = tempfile_dir();
    let sqlite = SqliteStore::open(&dir.join("pantau.db")).expect("SQLite uji");
    test(Backend::Sqlite, Store::Sqlite(sqlite));
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(db) = TestDb::create() {
        test(Backend::Postgres, db.store());
    }
}

fn tempfile_dir() -> std::path::PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "pantau-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("folder uji");
    dir
}

/// A copy of `sqlite` in a fresh PostgreSQL test database (through `pantau db migrate-to`'s
/// copy), to check that the PostgreSQL backend's reads answer as SQLite's do over the same
/// rows. None (after the notice) when there is no test server.
pub fn copied_to_postgres(sqlite: &mut SqliteStore) -> Option<(TestDb, Store)> {
    let db = TestDb::create()?;
    let store = PgStore::connect(db.url()).expect("PostgreSQL uji");
    super::pg::copy::copy_from_sqlite(sqlite, &store, |_, _, _| {}).expect("salinan ke PostgreSQL");
    Some((db, Store::Postgres(store)))
}

/// Merges the new stories' lookup keys, then sweeps every slice of them (and the one the sweep
/// stood in), `limit` keys a step, as a day of `pantau run`'s hourly retention passes does; the
/// keys removed.
pub fn sweep_all_story_keys(store: &mut Store, limit: usize) -> usize {
    use super::Maintenance;
    store.merge_all_story_keys(limit).unwrap();
    let (mut removed, mut slices) = (0, 0);
    while slices <= super::key_sweep::SLICES {
        let step = store.sweep_story_keys(limit).unwrap();
        removed += step.removed;
        slices += u32::from(step.slice_done);
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Status, Writes};

    #[test]
    fn meta_values_are_kept_alike_on_both_backends() {
        each_backend(|backend, mut store| {
            assert_eq!(store.meta("k").unwrap(), None, "{backend:?}");
            store.set_meta("k", "v1").unwrap();
            store.set_meta("k", "v2").unwrap();
            let (value, at) = store.meta("k").unwrap().unwrap();
            assert_eq!(value, "v2", "{backend:?}");
            assert!(at.is_some(), "{backend:?}");
            store.delete_meta("k").unwrap();
            assert_eq!(store.meta("k").unwrap(), None, "{backend:?}");
        });
    }
}
