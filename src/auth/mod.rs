//! Who may use the dashboard and the read API, as rules without I/O beyond the OS's random
//! numbers: [`Role`]s, user names, Argon2id password hashes, the random secrets of sessions
//! and API tokens and the SHA-256 under which the store keeps them, the CSRF token of a
//! session, and the lock-out rule after failed logins ([`Throttle`]).
//!
//! The store keeps users, sessions, tokens and the login audit (`store::users`); the server
//! applies these rules to requests (`server::auth`); `pantau user` manages users.

use std::fmt;
use std::time::Duration;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

/// What a user may do. Each role may do what the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads the dashboard, the read API and the briefings.
    Viewer,
    /// Also edits the keyword lists and marks posts.
    Analyst,
    /// Also manages users and sees the sources' health.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Analyst, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    /// The role's name for people, in Indonesian.
    pub fn label(self) -> &'static str {
        match self {
            Role::Viewer => "pembaca",
            Role::Analyst => "analis",
            Role::Admin => "admin",
        }
    }

    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = AuthError;
    fn from_str(s: &str) -> Result<Role, AuthError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| AuthError::UnknownRole(s.to_string()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("peran \"{0}\" tidak dikenal")]
    UnknownRole(String),
    #[error("nama pengguna \"{0}\" tidak valid")]
    BadName(String),
    #[error("kata sandi terlalu pendek ({0} karakter)")]
    ShortPassword(usize),
    #[error("kata sandi terlalu panjang (lebih dari {MAX_PASSWORD} bita)")]
    LongPassword,
    #[error("hash kata sandi tidak dapat dibuat: {0}")]
    Hash(String),
    #[error("bilangan acak sistem operasi tidak tersedia: {0}")]
    Random(String),
}

impl AuthError {
    pub fn hint(&self) -> Option<String> {
        match self {
            AuthError::UnknownRole(_) => Some("pakai --role viewer, analyst atau admin".into()),
            AuthError::BadName(_) => Some(format!(
                "pakai 1–{MAX_NAME} huruf kecil, angka, titik, garis bawah atau tanda hubung, \
                 diawali huruf atau angka, misalnya siti.rahma"
            )),
            AuthError::ShortPassword(_) => Some(format!(
                "pakai kata sandi paling sedikit {MIN_PASSWORD} karakter; frasa beberapa kata \
                 mudah diingat dan sulit ditebak"
            )),
            _ => None,
        }
    }
}

/// Longest user name.
pub const MAX_NAME: usize = 64;
/// Shortest password, in characters.
pub const MIN_PASSWORD: usize = 10;
/// Longest password, in bytes: hashing is costly, and a megabyte "password" is an attack.
pub const MAX_PASSWORD: usize = 1024;

/// A user name as stored: trimmed and lower-cased; 1–64 of `a-z 0-9 . _ -`, starting with a
/// letter or digit.
pub fn user_name(text: &str) -> Result<String, AuthError> {
    let name = text.trim().to_lowercase();
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(name)
    } else {
        Err(AuthError::BadName(text.trim().chars().take(80).collect()))
    }
}

/// Checks a new password's length.
pub fn check_password(password: &str) -> Result<(), AuthError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD {
        return Err(AuthError::ShortPassword(chars));
    }
    if password.len() > MAX_PASSWORD {
        return Err(AuthError::LongPassword);
    }
    Ok(())
}

/// The Argon2id hash of `password` in PHC form (`$argon2id$v=19$m=19456,t=2,p=1$…`), with a
/// random salt. The parameters are the crate's defaults, OWASP's recommendation: about 19 MiB
/// and a few tens of milliseconds per hash, so run it off the async workers.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Whether `password` matches the PHC `hash` (a malformed hash matches nothing).
pub fn verify_password(password: &str, hash: &str) -> bool {
    password.len() <= MAX_PASSWORD
        && Argon2::default()
            .verify_password(password.as_bytes(), hash)
            .is_ok()
}

/// A hash no password matches, verified against when a login names no user, so that an
/// unknown name costs as long as a wrong password (names cannot be told by timing).
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        hash_password("decoy password that is never accepted")
            .unwrap_or_else(|_| "$argon2id$v=19$m=19456,t=2,p=1$invalid$invalid".into())
    })
}

/// A new random secret of 256 bits, as 64 hex digits: a session id or (prefixed) an API token.
pub fn new_secret() -> Result<String, AuthError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AuthError::Random(e.to_string()))?;
    Ok(hex(&bytes))
}

/// The prefix of API tokens, so that one found in a log or a repository is recognisable.
pub const TOKEN_PREFIX: &str = "pantau_";

/// A new API token: [`TOKEN_PREFIX`] and 256 random bits.
pub fn new_token() -> Result<String, AuthError> {
    Ok(format!("{TOKEN_PREFIX}{}", new_secret()?))
}

/// What the store keeps of a session id or token: its SHA-256, in hex. A copy of the database
/// gives no way in.
pub fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// The CSRF token of the session whose id is `session_id`: derived from the id under its own
/// label, so it needs no storage, differs from what the store keeps (the id's plain hash), and
/// gives nothing of the id away.
pub fn csrf_token(session_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"pantau csrf\0");
    h.update(session_id.as_bytes());
    hex(&h.finalize())
}

/// Compares in time that depends only on the lengths, so a secret cannot be guessed byte by
/// byte from response times.
pub fn same_secret(presented: &[u8], expected: &[u8]) -> bool {
    if presented.len() != expected.len() {
        return false;
    }
    let diff = presented
        .iter()
        .zip(expected)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    std::hint::black_box(diff) == 0
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The rule against guessing passwords: after [`Throttle::slow_after`] failed logins of one
/// user name (or from one address) each further try must wait longer (1 s, 2 s, 4 s… up to
/// [`Throttle::max_wait`]); after [`Throttle::lock_after`] the name (or address) is locked
/// for [`Throttle::lock`] after its last failure. Failures count over the last
/// [`Throttle::lock`] and since the last successful login; an address, which an office's
/// users may share behind one NAT, may fail [`ADDRESS_FACTOR`] times as often.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    pub slow_after: u32,
    pub lock_after: u32,
    pub lock: Duration,
    pub max_wait: Duration,
}

/// How many more failures an address may have than a user name.
pub const ADDRESS_FACTOR: u32 = 3;

impl Default for Throttle {
    fn default() -> Throttle {
        Throttle {
            slow_after: 3,
            lock_after: 10,
            lock: Duration::from_secs(15 * 60),
            max_wait: Duration::from_secs(60),
        }
    }
}

/// Whether a login may be tried now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Go,
    /// Too soon after the last failure: try again at this time.
    Wait(Timestamp),
    /// Locked out until this time.
    Locked(Timestamp),
}

impl Throttle {
    /// The start of the period whose failures count at `now`.
    pub fn window_start(&self, now: Timestamp) -> Timestamp {
        now - SignedDuration::try_from(self.lock).unwrap_or(SignedDuration::ZERO)
    }

    /// The verdict for `failures` failed logins, the last at `last`, with limits × `factor`.
    pub fn verdict(
        &self,
        failures: u32,
        last: Option<Timestamp>,
        factor: u32,
        now: Timestamp,
    ) -> Verdict {
        let Some(last) = last else {
            return Verdict::Go;
        };
        let (slow, lock) = (self.slow_after * factor, self.lock_after * factor);
        let after = |d: Duration| last + SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX);
        if failures >= lock {
            let until = after(self.lock);
            return if now < until {
                Verdict::Locked(until)
            } else {
                Verdict::Go
            };
        }
        if failures >= slow {
            let doublings = (failures - slow).min(16);
            let wait = Duration::from_secs(1u64 << doublings).min(self.max_wait);
            let until = after(wait);
            if now < until {
                return Verdict::Wait(until);
            }
        }
        Verdict::Go
    }

    /// The stricter of two verdicts (the user name's and the address's).
    pub fn stricter(a: Verdict, b: Verdict) -> Verdict {
        match (a, b) {
            (Verdict::Locked(x), Verdict::Locked(y)) => Verdict::Locked(x.max(y)),
            (Verdict::Locked(x), _) | (_, Verdict::Locked(x)) => Verdict::Locked(x),
            (Verdict::Wait(x), Verdict::Wait(y)) => Verdict::Wait(x.max(y)),
            (Verdict::Wait(x), _) | (_, Verdict::Wait(x)) => Verdict::Wait(x),
            _ => Verdict::Go,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_order_and_parse() {
        assert!(Role::Admin.allows(Role::Analyst));
        assert!(Role::Analyst.allows(Role::Viewer));
        assert!(!Role::Viewer.allows(Role::Analyst));
        assert_eq!(" Analyst ".parse::<Role>().unwrap(), Role::Analyst);
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn names_are_plain_and_lower_case() {
        assert_eq!(user_name(" Siti.Rahma ").unwrap(), "siti.rahma");
        for bad in ["", "-x", "a b", "../etc", "ü", &"a".repeat(65)] {
            assert!(user_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("kopi susu tanpa gula").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
        assert!(verify_password("kopi susu tanpa gula", &hash));
        assert!(!verify_password("kopi susu tanpa gulA", &hash));
        assert!(!verify_password("x", "not a hash"));
        assert!(!verify_password("decoy", decoy_hash()));
        assert_ne!(hash, hash_password("kopi susu tanpa gula").unwrap());
        assert!(check_password("pendek").is_err());
        assert!(check_password(&"x".repeat(MAX_PASSWORD + 1)).is_err());
    }

    #[test]
    fn secrets_are_random_and_kept_hashed() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(secret_hash(&a), csrf_token(&a));
        assert_eq!(secret_hash("abc").len(), 64);
        assert!(new_token().unwrap().starts_with("pantau_"));
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abd", b"abc"));
        assert!(!same_secret(b"ab", b"abc"));
    }

    #[test]
    fn failures_slow_then_lock() {
        let t = Throttle::default();
        let last = Timestamp::from_second(1_800_000_000).unwrap();
        let s = |n: i64| last + SignedDuration::from_secs(n);
        assert_eq!(t.verdict(2, Some(last), 1, s(0)), Verdict::Go);
        assert_eq!(t.verdict(3, Some(last), 1, s(0)), Verdict::Wait(s(1)));
        assert_eq!(t.verdict(5, Some(last), 1, s(2)), Verdict::Wait(s(4)));
        assert_eq!(t.verdict(5, Some(last), 1, s(4)), Verdict::Go);
        assert_eq!(t.verdict(9, Some(last), 1, s(0)), Verdict::Wait(s(60)));
        assert_eq!(
            t.verdict(10, Some(last), 1, s(899)),
            Verdict::Locked(s(900))
        );
        assert_eq!(t.verdict(10, Some(last), 1, s(900)), Verdict::Go);
        // An address may fail three times as often.
        assert_eq!(
            t.verdict(10, Some(last), ADDRESS_FACTOR, s(100)),
            Verdict::Go
        );
        assert_eq!(
            Throttle::stricter(Verdict::Wait(s(5)), Verdict::Locked(s(9))),
            Verdict::Locked(s(9))
        );
    }
}
