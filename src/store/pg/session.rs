//! A pooled connection that keeps the statements it prepared ([`Session`]).
//!
//! `client.query("SQL", …)` asks the server to parse and plan the text (one round trip) and
//! then runs it (another); a statement prepared once and run again needs only the second. Each
//! connection of the pool therefore keeps its prepared statements by their SQL text for as long
//! as it lives, so a statement is parsed once per connection, not once per call, whether the
//! store that borrowed the connection lives for a process (the writer) or for one request (the
//! dashboard).
//!
//! Only SQL fixed at compile time is kept (`&'static str`, or a `LazyLock<String>` built from
//! constants): the cache holds a statement per distinct text, so text built from values would
//! grow it without end. Statements built per call (the dashboard's filters) are run as before.
//!
//! A cached statement is valid as long as its connection and the schema under it: the
//! connection's statements go with it when the pool drops it as broken, and the migrations run
//! when a process first connects, before any statement is cached.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};

use r2d2_postgres::PostgresConnectionManager;
use r2d2_postgres::postgres::types::ToSql;
use r2d2_postgres::postgres::{Client, Error, GenericClient, Row, Statement, Transaction};
use r2d2_postgres::r2d2::ManageConnection;
use tokio_postgres_rustls::MakeRustlsConnect;

/// The statements one connection has prepared, by their SQL.
#[derive(Default)]
pub struct Statements(HashMap<&'static str, Statement>);

impl Statements {
    /// The statement of `sql`, prepared on `conn` the first time (a clone of a statement is a
    /// handle to the same server-side statement).
    fn get(
        &mut self,
        conn: &mut impl GenericClient,
        sql: &'static str,
    ) -> Result<Statement, Error> {
        if let Some(statement) = self.0.get(sql) {
            return Ok(statement.clone());
        }
        let statement = conn.prepare(sql)?;
        self.0.insert(sql, statement.clone());
        Ok(statement)
    }
}

/// A pooled connection: the client, and the statements prepared on it. It dereferences to the
/// client, so a statement built per call runs on it as on a bare client.
pub struct Session {
    client: Client,
    statements: Statements,
}

impl Deref for Session {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl DerefMut for Session {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

impl Session {
    /// Opens a transaction that can run this connection's prepared statements and prepare
    /// more. (It takes the place of [`Client::transaction`], which would borrow the client and
    /// leave the statements out of reach.)
    pub fn transaction(&mut self) -> Result<Tx<'_>, Error> {
        Ok(Tx {
            tx: self.client.transaction()?,
            statements: &mut self.statements,
        })
    }

    /// How many statements this connection keeps.
    #[cfg(test)]
    pub(super) fn prepared_count(&self) -> usize {
        self.statements.0.len()
    }
}

/// A transaction on a [`Session`], beside its statements. It dereferences to the
/// [`Transaction`]; a statement prepared inside it stays prepared after it ends, committed or
/// not (a prepared statement belongs to the session, not to a transaction).
pub struct Tx<'a> {
    tx: Transaction<'a>,
    statements: &'a mut Statements,
}

impl<'a> Deref for Tx<'a> {
    type Target = Transaction<'a>;

    fn deref(&self) -> &Transaction<'a> {
        &self.tx
    }
}

impl<'a> DerefMut for Tx<'a> {
    fn deref_mut(&mut self) -> &mut Transaction<'a> {
        &mut self.tx
    }
}

impl Tx<'_> {
    pub fn commit(self) -> Result<(), Error> {
        self.tx.commit()
    }
}

/// Running fixed SQL through the connection's prepared statements: the same calls as the
/// client's (`query`, `query_one`, `query_opt`, `execute`), each parsing its SQL only the
/// first time the connection runs it.
pub trait Prepared {
    type Conn: GenericClient;

    /// The connection (or transaction) and the statements of its connection.
    fn parts(&mut self) -> (&mut Self::Conn, &mut Statements);

    /// The statement of `sql`, prepared once per connection.
    fn prepared(&mut self, sql: &'static str) -> Result<Statement, Error> {
        let (conn, statements) = self.parts();
        statements.get(conn, sql)
    }

    fn query_prepared(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, Error> {
        let statement = self.prepared(sql)?;
        self.parts().0.query(&statement, params)
    }

    fn query_one_prepared(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, Error> {
        let statement = self.prepared(sql)?;
        self.parts().0.query_one(&statement, params)
    }

    fn query_opt_prepared(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, Error> {
        let statement = self.prepared(sql)?;
        self.parts().0.query_opt(&statement, params)
    }

    fn execute_prepared(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, Error> {
        let statement = self.prepared(sql)?;
        self.parts().0.execute(&statement, params)
    }
}

impl Prepared for Session {
    type Conn = Client;

    fn parts(&mut self) -> (&mut Client, &mut Statements) {
        (&mut self.client, &mut self.statements)
    }
}

impl<'a> Prepared for Tx<'a> {
    type Conn = Transaction<'a>;

    fn parts(&mut self) -> (&mut Transaction<'a>, &mut Statements) {
        (&mut self.tx, self.statements)
    }
}

/// The pool's connection manager: `r2d2_postgres`'s, with each connection a [`Session`].
pub struct Manager(pub(super) PostgresConnectionManager<MakeRustlsConnect>);

impl ManageConnection for Manager {
    type Connection = Session;
    type Error = Error;

    fn connect(&self) -> Result<Session, Error> {
        Ok(Session {
            client: self.0.connect()?,
            statements: Statements::default(),
        })
    }

    fn is_valid(&self, session: &mut Session) -> Result<(), Error> {
        self.0.is_valid(&mut session.client)
    }

    fn has_broken(&self, session: &mut Session) -> bool {
        self.0.has_broken(&mut session.client)
    }
}

#[cfg(test)]
mod tests {
    use super::Prepared;
    use crate::store::pg::PgStore;
    use crate::store::testing::TestDb;
    use crate::store::{Browse, Reports};

    const NAMED: &str = "SELECT count(*) FROM pg_prepared_statements";

    /// The statements the server holds for the store's connection (their number; this query
    /// is one of them).
    fn on_server(store: &PgStore) -> i64 {
        store
            .client()
            .query_one_prepared(NAMED, &[])
            .unwrap()
            .get(0)
    }

    fn backend(store: &PgStore) -> i32 {
        store
            .client()
            .query_one("SELECT pg_backend_pid()", &[])
            .unwrap()
            .get(0)
    }

    #[test]
    fn a_statement_is_parsed_once_per_connection_and_outlives_the_store() {
        let Some(db) = TestDb::create() else { return };
        let at: jiff::Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
        // Migrated by a writer; the dashboard's stores are readers.
        drop(db.store());
        let store = PgStore::connect_read_only(db.url()).unwrap();
        store.topic_counts(at, at).unwrap();
        store.count_posts().unwrap();
        let held = on_server(&store);
        let kept = store.client().prepared_count();
        let pid = backend(&store);
        // The same reads again prepare nothing new, on the client or on the server.
        store.topic_counts(at, at).unwrap();
        store.count_posts().unwrap();
        assert_eq!(store.client().prepared_count(), kept);
        assert_eq!(on_server(&store), held);
        assert!(kept >= 3, "{kept}");
        assert_eq!(held as usize, kept);
        // A store made for one request takes the connection back with its statements.
        drop(store);
        let next = PgStore::connect_read_only(db.url()).unwrap();
        assert_eq!(backend(&next), pid);
        assert_eq!(next.client().prepared_count(), kept);
        next.topic_counts(at, at).unwrap();
        assert_eq!(on_server(&next), held);
    }

    #[test]
    fn a_statement_prepared_in_a_transaction_that_fails_stays_usable() {
        let Some(db) = TestDb::create() else { return };
        let store = PgStore::connect(db.url()).unwrap();
        let mut c = store.client();
        let sql = "SELECT count(*) FROM meta WHERE key = $1";
        {
            let mut tx = c.transaction().unwrap();
            tx.query_one_prepared(sql, &[&"a"]).unwrap();
            // The transaction fails, and is rolled back as it is dropped.
            assert!(tx.execute("SELECT 1/0", &[]).is_err());
            assert!(tx.query_one_prepared(sql, &[&"a"]).is_err());
        }
        let n: i64 = c.query_one_prepared(sql, &[&"a"]).unwrap().get(0);
        assert_eq!(n, 0);
        let mut tx = c.transaction().unwrap();
        let n: i64 = tx.query_one_prepared(sql, &[&"a"]).unwrap().get(0);
        assert_eq!(n, 0);
        tx.commit().unwrap();
    }

    #[test]
    fn a_broken_connection_leaves_the_pool_with_its_statements() {
        let Some(db) = TestDb::create() else { return };
        let store = PgStore::connect(db.url()).unwrap();
        store.count_posts().unwrap();
        let pid = backend(&store);
        let mut admin = postgres::Client::connect(db.url().expose(), postgres::NoTls).unwrap();
        admin
            .execute("SELECT pg_terminate_backend($1)", &[&pid])
            .unwrap();
        assert!(store.count_posts().is_err());
        drop(store);
        // The next store has a new connection, which prepares the statement again.
        let next = PgStore::connect(db.url()).unwrap();
        assert_ne!(backend(&next), pid);
        assert_eq!(next.count_posts().unwrap(), 0);
    }
}
