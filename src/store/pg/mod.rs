//! [`PgStore`], the PostgreSQL backend (`[storage] url`): the same traits as the SQLite store,
//! for deployments past one machine — several `pantau run` nodes on one database, readers on a
//! replica (`[storage] read_url`).
//!
//! It is synchronous like the SQLite store (the `postgres` crate, the blocking client of
//! `tokio-postgres`), so it runs where the SQLite store runs: on the writer thread and on the
//! blocking pool, never on an async worker. Connections come from one pool per URL and mode
//! (`r2d2`), so a request or a command borrows a connection instead of dialling the server;
//! each connection keeps the statements it prepared ([`session`]), so that fixed SQL is parsed
//! once per connection rather than on every call.
//!
//! Each family of tables keeps its SQL in its own file, as the SQLite backend does:
//! `writes` (posts, stories, rollups and everything stored with them; sources, meta,
//! briefings, alerts), `reports`, `browse` (with full-text search), `status`, `accounts`
//! (with revisions and marks) and `maintenance`. `schema` holds the migrations.

mod accounts;
mod browse;
pub mod copy;
mod leases;
mod maintenance;
mod reports;
pub mod schema;
mod session;
mod status;
mod writes;

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, MutexGuard};
use std::time::Duration;

use r2d2_postgres::PostgresConnectionManager;
use r2d2_postgres::postgres::Client;
use r2d2_postgres::r2d2;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::StoreError;
use crate::config::value::DbUrl;
use session::Prepared;
pub(super) use session::Tx;
use session::{Manager, Session};

type Pool = r2d2::Pool<Manager>;
type Pooled = r2d2::PooledConnection<Manager>;

/// Largest number of connections one process opens to one database, per mode: the writer,
/// the jobs and a dashboard's concurrent requests.
const POOL_SIZE: u32 = 16;

/// How long borrowing a connection may wait (the server down, the pool exhausted).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The advisory lock that serialises migrations between nodes starting together.
const MIGRATION_LOCK: i64 = 0x7061_6e74_6175_0001;

/// An open PostgreSQL store: one pooled connection.
pub struct PgStore {
    client: Mutex<Pooled>,
    url: DbUrl,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("url", &self.url).finish()
    }
}

/// The pools of this process, by URL and mode (read-only or not).
static POOLS: LazyLock<Mutex<HashMap<(String, bool), Pool>>> = LazyLock::new(Default::default);

/// Makes every transaction of a read-only pool's connections read-only: a report cannot write
/// by mistake, and a replica is used as one.
#[derive(Debug)]
struct ReadOnly;

impl r2d2::CustomizeConnection<Session, r2d2_postgres::postgres::Error> for ReadOnly {
    fn on_acquire(&self, conn: &mut Session) -> Result<(), r2d2_postgres::postgres::Error> {
        conn.batch_execute("SET default_transaction_read_only = on")
    }
}

impl PgStore {
    /// Connects to the database at `url` for writing, bringing its schema up to date (once
    /// per process).
    pub fn connect(url: &DbUrl) -> Result<PgStore, StoreError> {
        off_runtime(|| {
            let (pool, new) = pool(url, false)?;
            let mut conn = pool.get().map_err(|e| pool_error(url, e))?;
            if new {
                migrate(&mut conn)?;
            }
            Ok(PgStore {
                client: Mutex::new(conn),
                url: url.clone(),
            })
        })
    }

    /// Connects to the database (or replica) at `url` for reading only. The schema must be
    /// there already: a reader never creates it.
    pub fn connect_read_only(url: &DbUrl) -> Result<PgStore, StoreError> {
        off_runtime(|| {
            let (pool, new) = pool(url, true)?;
            let mut conn = pool.get().map_err(|e| pool_error(url, e))?;
            if new && let Err(e) = check_version(&mut conn, url) {
                // Checked again next time: the database may get its schema meanwhile.
                forget_pool(url, true);
                return Err(e);
            }
            Ok(PgStore {
                client: Mutex::new(conn),
                url: url.clone(),
            })
        })
    }

    pub fn url(&self) -> &DbUrl {
        &self.url
    }

    /// The connection, for one method's statements.
    pub(super) fn client(&self) -> MutexGuard<'_, Pooled> {
        // A panic while holding it cannot leave the connection half-used in a way the next
        // statement would not notice (an open transaction is rolled back when dropped).
        self.client.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// PostgreSQL indexes and places posts in the commit that stores them: nothing waits.
    pub fn defer_pending(&mut self) {}

    /// Nothing is pending on PostgreSQL (see [`PgStore::defer_pending`]).
    pub fn finish_pending(&mut self) -> Result<usize, StoreError> {
        Ok(0)
    }

    pub fn behind_since(&self) -> Option<std::time::Instant> {
        None
    }

    /// PostgreSQL's search index (GIN) merges its own pending entries.
    pub fn merge_search_step(&mut self) -> Result<bool, StoreError> {
        Ok(false)
    }

    pub fn pending_posts(&self) -> Result<u64, StoreError> {
        Ok(0)
    }
}

/// Runs `f` where a store may block. The `postgres` client drives a runtime of its own, which
/// tokio refuses to start on a thread that runs async tasks: on such a thread `f` moves to a
/// scoped thread of its own (a thread start, microseconds), elsewhere it runs in place. The
/// daemon opens its store from such a thread (once, at start); everything after connecting
/// runs where the store lives, the writer thread or the blocking pool, except what a command
/// does inside a runtime of its own (`pantau digest --send` recording its attempts).
pub fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|scope| {
        scope
            .spawn(f)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// The pool for `url` in that mode, made on first use; true when it was just made.
fn pool(url: &DbUrl, read_only: bool) -> Result<(Pool, bool), StoreError> {
    let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    let key = (url.expose().to_string(), read_only);
    if let Some(pool) = pools.get(&key) {
        return Ok((pool.clone(), false));
    }
    let config: r2d2_postgres::postgres::Config = url
        .expose()
        .parse()
        .map_err(|_| StoreError::Postgres(format!("{url}: URL PostgreSQL tidak sah")))?;
    let manager = Manager(PostgresConnectionManager::new(config, tls()?));
    let mut builder = r2d2::Pool::builder()
        .max_size(POOL_SIZE)
        .min_idle(Some(0))
        .connection_timeout(CONNECT_TIMEOUT);
    if read_only {
        builder = builder.connection_customizer(Box::new(ReadOnly));
    }
    let pool = builder.build_unchecked(manager);
    pools.insert(key, pool.clone());
    Ok((pool, true))
}

/// Drops the pool for `url` in that mode, so the next connection makes it (and checks) anew.
fn forget_pool(url: &DbUrl, read_only: bool) {
    let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    pools.remove(&(url.expose().to_string(), read_only));
}

/// TLS to the server as the URL's `sslmode` asks (`prefer` by default: TLS when the server
/// offers it; `require`: TLS or no connection; `disable`), through rustls with the operating
/// system's trusted certificates — an office's own CA is added to the system's store
/// (`update-ca-certificates`), as for every other program on the machine. A certificate that
/// does not verify is refused, never accepted silently.
fn tls() -> Result<MakeRustlsConnect, StoreError> {
    use rustls_platform_verifier::ConfigVerifierExt as _;
    let config = rustls::ClientConfig::with_platform_verifier()
        .map_err(|e| StoreError::Postgres(format!("TLS tidak dapat disiapkan: {e}")))?;
    Ok(MakeRustlsConnect::new(config))
}

fn pool_error(url: &DbUrl, e: r2d2::Error) -> StoreError {
    // r2d2 reports the driver's last error; the driver never quotes the password.
    StoreError::PostgresConnect {
        url: url.redacted(),
        error: e.to_string(),
    }
}

/// Applies the migrations not applied yet, each in its own transaction, under an advisory
/// lock so that nodes starting together migrate once.
fn migrate(conn: &mut Client) -> Result<(), StoreError> {
    conn.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let result = (|| {
        conn.batch_execute(
            "CREATE TABLE IF NOT EXISTS pantau_schema (version BIGINT NOT NULL);
             INSERT INTO pantau_schema SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM pantau_schema);",
        )?;
        let applied = version(conn)?;
        for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(applied) {
            let mut tx = conn.transaction()?;
            tx.batch_execute(sql)?;
            tx.execute("UPDATE pantau_schema SET version = $1", &[&(i as i64 + 1)])?;
            tx.commit()?;
        }
        Ok(())
    })();
    conn.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])?;
    result
}

/// The schema version applied, refusing a database newer than this program.
fn version(conn: &mut Client) -> Result<usize, StoreError> {
    let v: i64 = conn
        .query_one("SELECT version FROM pantau_schema", &[])?
        .get(0);
    let v = v as usize;
    if v > schema::MIGRATIONS.len() {
        return Err(StoreError::TooNew {
            found: v,
            known: schema::MIGRATIONS.len(),
        });
    }
    Ok(v)
}

/// For a reader: the schema must be there (a replica of a migrated primary) and not newer.
fn check_version(conn: &mut Client, url: &DbUrl) -> Result<(), StoreError> {
    let exists: bool = conn
        .query_one("SELECT to_regclass('pantau_schema') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        return Err(StoreError::NoSchema {
            url: url.redacted(),
        });
    }
    version(conn).map(|_| ())
}

impl From<r2d2_postgres::postgres::Error> for StoreError {
    fn from(e: r2d2_postgres::postgres::Error) -> StoreError {
        // The driver's Display of a server error is only "db error"; the detail is in the
        // source's message.
        match e.as_db_error() {
            Some(db) => StoreError::Postgres(format!(
                "{}: {}{}",
                db.code().code(),
                db.message(),
                db.detail().map(|d| format!(" ({d})")).unwrap_or_default()
            )),
            None => StoreError::Postgres(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::store::testing::TestDb;

    #[test]
    fn a_new_database_is_migrated_once_and_refuses_a_newer_schema() {
        let Some(db) = TestDb::create() else { return };
        drop(db.store());
        // A second process (a new pool) finds the schema there and applies nothing.
        super::POOLS.lock().unwrap().clear();
        drop(db.store());
        let mut client = postgres::Client::connect(db.url().expose(), postgres::NoTls).unwrap();
        let v: i64 = client
            .query_one("SELECT version FROM pantau_schema", &[])
            .unwrap()
            .get(0);
        assert_eq!(v as usize, super::schema::MIGRATIONS.len());
        client
            .execute("UPDATE pantau_schema SET version = 999", &[])
            .unwrap();
        super::POOLS.lock().unwrap().clear();
        let err = super::PgStore::connect(db.url()).unwrap_err();
        assert!(
            matches!(err, crate::store::StoreError::TooNew { found: 999, .. }),
            "{err}"
        );
    }

    /// Version 1's posts and story keys, upgraded: the hash cut to 16 digits, `url_key` become
    /// `url_is_key`, and a deleted story's keys left for the sweep.
    #[test]
    fn an_upgraded_database_narrows_its_posts_and_keys() {
        let Some(db) = TestDb::create() else { return };
        let mut client = postgres::Client::connect(db.url().expose(), postgres::NoTls).unwrap();
        client
            .batch_execute(&format!(
                "{}
                 CREATE TABLE pantau_schema (version BIGINT NOT NULL);
                 INSERT INTO pantau_schema VALUES (1);
                 INSERT INTO posts (id, source_id, external_id, url, url_key, text, published_at,
                                    fetched_at, text_hash)
                 VALUES (1, 'a', '1', 'https://k.example/a', 'https://k.example/a', 'x',
                         '2026-11-27T02:10:00Z', '2026-11-27T02:10:00Z', repeat('ab', 16)),
                        (2, 'a', '2', 'https://k.example/', NULL, 'y',
                         '2026-11-27T02:10:00Z', '2026-11-27T02:10:00Z', repeat('cd', 16));
                 INSERT INTO stories (id, first_post_id, first_source_id, first_seen_at,
                                      last_seen_at, title, signature)
                 VALUES (1, 1, 'a', '2026-11-27T02:10:00Z', '2026-11-27T02:10:00Z', 't', '\\x00');
                 INSERT INTO story_keys VALUES (10, 1), (11, 1);",
                super::schema::MIGRATIONS[0]
            ))
            .unwrap();
        drop(db.store());
        let rows: Vec<(String, i16)> = client
            .query("SELECT text_hash, url_is_key FROM posts ORDER BY id", &[])
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        assert_eq!(
            rows,
            [
                ("abababababababab".into(), 1),
                ("cdcdcdcdcdcdcdcd".into(), 0)
            ]
        );
        client
            .execute("DELETE FROM stories WHERE id = 1", &[])
            .unwrap();
        let keys: i64 = client
            .query_one("SELECT count(*) FROM story_keys", &[])
            .unwrap()
            .get(0);
        assert_eq!(keys, 2, "no cascade: the sweep takes them");
    }

    #[test]
    fn tls_is_required_when_the_url_says_so_and_errors_never_show_the_password() {
        let Some(db) = TestDb::create() else { return };
        // The test server speaks no TLS: `sslmode=require` must refuse it, not fall back.
        let url =
            crate::config::value::DbUrl::new(format!("{}?sslmode=require", db.url().expose()));
        let err = super::PgStore::connect(&url).unwrap_err().to_string();
        assert!(err.contains("tidak dapat tersambung"), "{err}");
        // A server that is not there: the message names the URL without its password.
        let url = crate::config::value::DbUrl::new("postgres://pantau:rahasia@127.0.0.1:9/pantau");
        let err = super::PgStore::connect(&url).unwrap_err().to_string();
        assert!(
            err.contains("postgres://pantau:***@127.0.0.1:9/pantau"),
            "{err}"
        );
        assert!(!err.contains("rahasia"), "{err}");
    }

    /// `[storage] read_url`: the dashboard's reader is the replica, the commands' and jobs'
    /// the primary, and what the primary commits reaches readers once replayed.
    #[test]
    fn readers_of_the_dashboard_use_the_replica_and_the_rest_the_primary() {
        use crate::store::{Browse, Store};
        let Some(db) = TestDb::create() else { return };
        let Some(replica) = crate::store::testing::replica_of(&db) else {
            return;
        };
        let mut primary = db.store();
        let at: jiff::Timestamp = "2026-12-01T01:00:00Z".parse().unwrap();
        let post = crate::model::Post {
            source: "uji".into(),
            external_id: "1".into(),
            url: None,
            title: None,
            text: "Banjir di Sempaja".into(),
            author: None,
            published: at,
            fetched: at,
            lang: Some("id".into()),
            platform: None,
            reach: Default::default(),
        };
        primary
            .insert_posts(&[(post, Default::default())], "v")
            .unwrap();
        let storage = crate::config::StorageSettings {
            url: Some(db.url().clone()),
            read_url: Some(replica),
            ..Default::default()
        };
        let in_recovery = |store: &Store| -> bool {
            let Store::Postgres(pg) = store else {
                unreachable!()
            };
            pg.client()
                .query_one("SELECT pg_is_in_recovery()", &[])
                .unwrap()
                .get(0)
        };
        // Replication is asynchronous: the replica shows the post within seconds.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let reader = loop {
            if let Ok(reader) = Store::connect_reader(&storage)
                && reader.count_posts().unwrap_or(0) == 1
            {
                break reader;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the replica never caught up"
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        };
        assert!(in_recovery(&reader), "the dashboard reads the replica");
        let commands = Store::connect_read_only(&storage).unwrap();
        assert!(
            !in_recovery(&commands),
            "commands and jobs read the primary"
        );
        assert_eq!(commands.count_posts().unwrap(), 1);
    }
}
