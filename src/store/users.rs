//! The SQL of the login tables (`users`, `sessions`, `api_tokens`, `login_audit`) and
//! [`super::Accounts`] over it. Secrets never reach this file: it keeps the Argon2id hash of a
//! password and the SHA-256 of a session id or API token, as `crate::auth` makes them; what a
//! login means (lock-out, expiry) is `auth`'s business.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use super::{Accounts, SqliteStore, StoreError};
use crate::time::{from_db, to_db};

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub name: String,
    /// `viewer`, `analyst` or `admin` (the table refuses anything else).
    pub role: String,
    /// The PHC string of the Argon2id hash.
    pub password_hash: String,
    pub created_at: Timestamp,
    pub last_login_at: Option<Timestamp>,
}

/// A browser session as stored, with its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub user: String,
    pub role: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
}

/// What happened at one login attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Signed in.
    Ok,
    /// Wrong name or password.
    Failed,
    /// Not tried: the user or the address was locked out or had to wait.
    Refused,
    /// Signed out.
    Logout,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Refused => "refused",
            Outcome::Logout => "logout",
        }
    }

    pub(crate) fn parse(text: &str) -> Outcome {
        match text {
            "ok" => Outcome::Ok,
            "failed" => Outcome::Failed,
            "refused" => Outcome::Refused,
            _ => Outcome::Logout,
        }
    }
}

/// One row of the login audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginEntry {
    pub at: Timestamp,
    /// The name as typed (lower-cased), also when no such user exists.
    pub user: String,
    /// The client's address.
    pub address: String,
    pub outcome: Outcome,
}

/// Whose failed logins are counted.
#[derive(Debug, Clone, Copy)]
pub enum Attempts<'a> {
    User(&'a str),
    Address(&'a str),
}

/// Failed logins since a time, and the last of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    pub count: u32,
    pub last: Option<Timestamp>,
}

fn user_row(r: &rusqlite::Row) -> rusqlite::Result<UserRow> {
    let created: String = r.get(3)?;
    let last: Option<String> = r.get(4)?;
    Ok(UserRow {
        name: r.get(0)?,
        role: r.get(1)?,
        password_hash: r.get(2)?,
        created_at: from_db(&created).unwrap_or_default(),
        last_login_at: last.as_deref().and_then(from_db),
    })
}

const USER_COLUMNS: &str = "name, role, password_hash, created_at, last_login_at";

impl Accounts for SqliteStore {
    fn add_user(&mut self, user: &UserRow) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO NOTHING",
            params![
                user.name,
                user.role,
                user.password_hash,
                to_db(user.created_at)
            ],
        )?;
        Ok(n == 1)
    }

    fn set_password(&mut self, name: &str, password_hash: &str) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE users SET password_hash = ?2 WHERE name = ?1",
            params![name, password_hash],
        )?;
        // A new password ends every session signed in with the old one.
        tx.execute("DELETE FROM sessions WHERE user_name = ?1", [name])?;
        tx.commit()?;
        Ok(n == 1)
    }

    fn remove_user(&mut self, name: &str) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM sessions WHERE user_name = ?1", [name])?;
        tx.execute("DELETE FROM api_tokens WHERE user_name = ?1", [name])?;
        let n = tx.execute("DELETE FROM users WHERE name = ?1", [name])?;
        tx.commit()?;
        Ok(n == 1)
    }

    fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY name"))?;
        let rows = stmt.query_map([], user_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn user(&self, name: &str) -> Result<Option<UserRow>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE name = ?1"),
                [name],
                user_row,
            )
            .optional()?)
    }

    fn count_users(&self) -> Result<u64, StoreError> {
        if !has_users_table(&self.conn)? {
            return Ok(0);
        }
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM users", [], |r| r.get::<_, i64>(0))? as u64)
    }

    fn create_session(
        &mut self,
        id_hash: &str,
        user: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO sessions (id_hash, user_name, created_at, last_seen_at, expires_at)
             VALUES (?1, ?2, ?3, ?3, ?4)",
            params![id_hash, user, to_db(now), to_db(expires_at)],
        )?;
        Ok(())
    }

    fn session(&self, id_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        if !has_users_table(&self.conn)? {
            return Ok(None);
        }
        let row: Option<(String, String, String, String, String)> = self
            .conn
            .query_row(
                "SELECT s.user_name, u.role, s.created_at, s.last_seen_at, s.expires_at
                 FROM sessions s JOIN users u ON u.name = s.user_name WHERE s.id_hash = ?1",
                [id_hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        Ok(row.map(|(user, role, created, seen, expires)| SessionRow {
            user,
            role,
            created_at: from_db(&created).unwrap_or_default(),
            last_seen_at: from_db(&seen).unwrap_or_default(),
            expires_at: from_db(&expires).unwrap_or_default(),
        }))
    }

    fn touch_session(&mut self, id_hash: &str, now: Timestamp) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sessions SET last_seen_at = ?2 WHERE id_hash = ?1",
            params![id_hash, to_db(now)],
        )?;
        Ok(())
    }

    fn end_session(&mut self, id_hash: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM sessions WHERE id_hash = ?1", [id_hash])?;
        Ok(())
    }

    fn prune_sessions(
        &mut self,
        idle_before: Timestamp,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM sessions WHERE last_seen_at < ?1 OR expires_at <= ?2",
            params![to_db(idle_before), to_db(now)],
        )?)
    }

    fn add_token(
        &mut self,
        token_hash: &str,
        user: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO api_tokens (token_hash, user_name, created_at) VALUES (?1, ?2, ?3)",
            params![token_hash, user, to_db(now)],
        )?;
        Ok(())
    }

    fn token_user(&self, token_hash: &str) -> Result<Option<UserRow>, StoreError> {
        if !has_users_table(&self.conn)? {
            return Ok(None);
        }
        Ok(self
            .conn
            .query_row(
                "SELECT u.name, u.role, u.password_hash, u.created_at, u.last_login_at
                 FROM api_tokens t JOIN users u ON u.name = t.user_name WHERE t.token_hash = ?1",
                [token_hash],
                user_row,
            )
            .optional()?)
    }

    fn count_tokens(&self, user: &str) -> Result<u64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM api_tokens WHERE user_name = ?1",
            [user],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    fn revoke_tokens(&mut self, user: &str) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM api_tokens WHERE user_name = ?1", [user])?)
    }

    fn record_login(&mut self, entry: &LoginEntry) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO login_audit (at, user, address, outcome) VALUES (?1, ?2, ?3, ?4)",
            params![
                to_db(entry.at),
                entry.user,
                entry.address,
                entry.outcome.as_str()
            ],
        )?;
        if entry.outcome == Outcome::Ok {
            tx.execute(
                "UPDATE users SET last_login_at = ?2 WHERE name = ?1",
                params![entry.user, to_db(entry.at)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn login_failures(&self, who: Attempts<'_>, since: Timestamp) -> Result<Failures, StoreError> {
        let (column, value) = match who {
            Attempts::User(u) => ("user", u),
            Attempts::Address(a) => ("address", a),
        };
        // Failures count from the later of `since` and the last successful login.
        let sql = format!(
            "SELECT count(*), max(at) FROM login_audit
             WHERE {column} = ?1 AND outcome = 'failed' AND at >= max(?2, coalesce(
                 (SELECT max(at) FROM login_audit WHERE {column} = ?1 AND outcome = 'ok'), ''))"
        );
        let (count, last): (i64, Option<String>) =
            self.conn
                .query_row(&sql, params![value, to_db(since)], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
        Ok(Failures {
            count: count as u32,
            last: last.as_deref().and_then(from_db),
        })
    }

    fn login_audit(&self, user: Option<&str>, limit: usize) -> Result<Vec<LoginEntry>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT at, user, address, outcome FROM login_audit
             WHERE ?1 IS NULL OR user = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![user, limit as i64], |r| {
            let at: String = r.get(0)?;
            let outcome: String = r.get(3)?;
            Ok(LoginEntry {
                at: from_db(&at).unwrap_or_default(),
                user: r.get(1)?,
                address: r.get(2)?,
                outcome: Outcome::parse(&outcome),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Whether the login tables exist: a read-only connection may see a database older than them.
fn has_users_table(conn: &Connection) -> Result<bool, StoreError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'users'",
        [],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::each_backend;
    use jiff::SignedDuration;

    fn user(name: &str, role: &str) -> UserRow {
        UserRow {
            name: name.into(),
            role: role.into(),
            password_hash: "$argon2id$…".into(),
            created_at: Timestamp::now(),
            last_login_at: None,
        }
    }

    #[test]
    fn failures_count_from_the_last_success_and_the_window() {
        each_backend(|backend, mut store| {
            assert!(store.add_user(&user("siti", "analyst")).unwrap());
            assert!(!store.add_user(&user("siti", "admin")).unwrap());
            assert_eq!(store.user("siti").unwrap().unwrap().role, "analyst");
            let t0 = Timestamp::from_second(1_800_000_000).unwrap();
            let at = |m: i64| t0 + SignedDuration::from_mins(m);
            let log = |store: &mut crate::store::Store, m: i64, outcome: Outcome| {
                store
                    .record_login(&LoginEntry {
                        at: at(m),
                        user: "siti".into(),
                        address: "10.0.0.9".into(),
                        outcome,
                    })
                    .unwrap()
            };
            for m in 0..4 {
                log(&mut store, m, Outcome::Failed);
            }
            let f = store
                .login_failures(Attempts::User("siti"), at(-30))
                .unwrap();
            assert_eq!((f.count, f.last), (4, Some(at(3))), "{backend:?}");
            // The window leaves the first two out.
            let f = store
                .login_failures(Attempts::Address("10.0.0.9"), at(2))
                .unwrap();
            assert_eq!(f.count, 2, "{backend:?}");
            // A success starts the count again, and is the last login.
            log(&mut store, 5, Outcome::Ok);
            log(&mut store, 6, Outcome::Failed);
            let f = store
                .login_failures(Attempts::User("siti"), at(-30))
                .unwrap();
            assert_eq!(f.count, 1, "{backend:?}");
            let f = store
                .login_failures(Attempts::Address("10.0.0.9"), at(-30))
                .unwrap();
            assert_eq!((f.count, f.last), (1, Some(at(6))), "{backend:?}");
            // Nobody's failures: none, and no last one.
            let f = store
                .login_failures(Attempts::User("budi"), at(-30))
                .unwrap();
            assert_eq!(f, Failures::default(), "{backend:?}");
            assert_eq!(
                store.user("siti").unwrap().unwrap().last_login_at,
                Some(at(5)),
                "{backend:?}"
            );
            let audit = store.login_audit(Some("siti"), 3).unwrap();
            let outcomes: Vec<Outcome> = audit.iter().map(|e| e.outcome).collect();
            assert_eq!(
                outcomes,
                [Outcome::Failed, Outcome::Ok, Outcome::Failed],
                "{backend:?}"
            );
            assert_eq!(audit[0].at, at(6), "{backend:?}");
            assert_eq!(
                store.login_audit(None, 100).unwrap().len(),
                6,
                "{backend:?}"
            );
            assert!(store.login_audit(Some("budi"), 100).unwrap().is_empty());
        });
    }

    #[test]
    fn removing_a_user_or_changing_the_password_ends_its_sessions() {
        each_backend(|backend, mut store| {
            store.add_user(&user("budi", "viewer")).unwrap();
            store.add_user(&user("ani", "admin")).unwrap();
            let now = Timestamp::from_second(1_800_000_000).unwrap();
            let later = now + SignedDuration::from_hours(1);
            store.create_session("h1", "budi", now, later).unwrap();
            store.create_session("h2", "ani", now, later).unwrap();
            store.add_token("t1", "budi", now).unwrap();
            store.add_token("t2", "budi", now).unwrap();
            assert_eq!(store.count_tokens("budi").unwrap(), 2, "{backend:?}");
            assert_eq!(store.session("h1").unwrap().unwrap().role, "viewer");
            assert!(store.set_password("budi", "$argon2id$baru").unwrap());
            assert!(!store.set_password("nobody", "$argon2id$baru").unwrap());
            assert_eq!(
                store.user("budi").unwrap().unwrap().password_hash,
                "$argon2id$baru",
                "{backend:?}"
            );
            assert!(store.session("h1").unwrap().is_none(), "{backend:?}");
            // Another user's session is not touched.
            assert_eq!(store.session("h2").unwrap().unwrap().user, "ani");
            assert_eq!(store.token_user("t1").unwrap().unwrap().name, "budi");
            assert!(store.remove_user("budi").unwrap());
            assert!(store.token_user("t1").unwrap().is_none(), "{backend:?}");
            assert_eq!(store.count_tokens("budi").unwrap(), 0, "{backend:?}");
            assert!(!store.remove_user("budi").unwrap());
            assert_eq!(store.count_users().unwrap(), 1, "{backend:?}");
            let names: Vec<String> = store.users().unwrap().into_iter().map(|u| u.name).collect();
            assert_eq!(names, ["ani"], "{backend:?}");
        });
    }

    #[test]
    fn sessions_are_touched_pruned_and_tokens_revoked() {
        each_backend(|backend, mut store| {
            for name in ["Zaid", "ani", "budi"] {
                store.add_user(&user(name, "viewer")).unwrap();
            }
            let names: Vec<String> = store.users().unwrap().into_iter().map(|u| u.name).collect();
            // By name, bytewise as SQLite compares text.
            assert_eq!(names, ["Zaid", "ani", "budi"], "{backend:?}");
            let t = |m: i64| Timestamp::from_second(1_800_000_000 + m * 60).unwrap();
            store.create_session("idle", "ani", t(0), t(600)).unwrap();
            store.create_session("ended", "ani", t(0), t(20)).unwrap();
            store.create_session("fresh", "ani", t(0), t(600)).unwrap();
            store.touch_session("fresh", t(15)).unwrap();
            store.touch_session("ended", t(15)).unwrap();
            let fresh = store.session("fresh").unwrap().unwrap();
            assert_eq!(
                (fresh.created_at, fresh.last_seen_at, fresh.expires_at),
                (t(0), t(15), t(600)),
                "{backend:?}"
            );
            // Idle since before minute 10, or ended by minute 20 (its end counts as past).
            assert_eq!(
                store.prune_sessions(t(10), t(20)).unwrap(),
                2,
                "{backend:?}"
            );
            assert!(store.session("fresh").unwrap().is_some(), "{backend:?}");
            assert!(store.session("idle").unwrap().is_none(), "{backend:?}");
            store.end_session("fresh").unwrap();
            assert!(store.session("fresh").unwrap().is_none(), "{backend:?}");
            store.add_token("a1", "ani", t(0)).unwrap();
            store.add_token("b1", "budi", t(0)).unwrap();
            assert_eq!(store.revoke_tokens("ani").unwrap(), 1, "{backend:?}");
            assert_eq!(store.revoke_tokens("ani").unwrap(), 0, "{backend:?}");
            assert_eq!(store.token_user("b1").unwrap().unwrap().name, "budi");
            // A session of no user is refused by the table.
            assert!(store.create_session("x", "nobody", t(0), t(1)).is_err());
        });
    }
}
