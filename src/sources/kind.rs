//! What a source kind declares, in one place: its name, its keys (a strict serde [`Spec`]
//! with their defaults), its [`Medium`], an example table, the rules between its keys, and the
//! poller it builds. [`Kind::of`] turns a `Spec` into an entry of the family's list
//! ([`super::KINDS`]); nothing else needs to know the kind exists.

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::poller::Poll;
use crate::config::{self, ConfigError, DynEq, Invalid, Table};
use crate::model::{Cursor, Medium};

/// The keys of one source kind, as a `[[sources]]` table writes them (beside the common keys
/// of [`super::SourceConfig`]). Derive `Deserialize` with `deny_unknown_fields`, so a
/// misspelt key is refused with the nearest known one as a hint; defaults are serde's.
pub trait Spec: DeserializeOwned + fmt::Debug + Clone + PartialEq + Send + Sync + 'static {
    /// The `kind = "…"` that selects it.
    const KIND: &'static str;
    /// What its posts are; `None` when that is not known (a generic JSON API).
    const MEDIUM: Option<Medium>;
    /// The platform its posts count under when a post names none ([`Post::platform`]): the
    /// kind's name unless the kind reads a platform by another name (`jetstream` is Bluesky).
    ///
    /// [`Post::platform`]: crate::model::Post::platform
    const PLATFORM: &'static str = Self::KIND;
    /// A table of its keys as a user writes them (TOML, without `id` and `kind`): a missing
    /// key's hint quotes its line, and a test checks that it reads.
    const EXAMPLE: &'static str;

    /// Rules between keys that serde cannot state (one of `tag` and `timeline`), and values
    /// tidied once every key is read (a `#` taken off a hashtag).
    fn settle(&mut self) -> Result<(), Invalid> {
        Ok(())
    }

    /// Where the source is read from, for people (a URL). When it changes, the stored cursor
    /// is dropped: a cursor means something only to the place it came from.
    fn location(&self) -> String;

    /// The poller for this source.
    fn poller(&self) -> Box<dyn Poll>;

    /// The quota the source spends, as its cursor counts it, for `pantau sources`; `None` for
    /// kinds that spend none.
    fn budget(&self, _cursor: &Cursor) -> Option<Budget> {
        None
    }

    /// Whether reading it takes a secret (a token, a key): `pantau sources --check` sends
    /// none, so such a source is left unchecked rather than reported as refusing.
    fn needs_secret(&self) -> bool {
        false
    }
}

/// A quota a source must not exceed (X's posts read per month), as counted in its cursor.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Budget {
    pub used: u64,
    pub limit: u64,
    /// What is counted, as a person says it (`pos`).
    pub unit: &'static str,
    /// The period counted, as a person reads it (`2026-12 (UTC)`).
    pub period: String,
    /// When the count starts again.
    pub renews: jiff::Timestamp,
}

/// A [`Spec`] of any kind, behind one type.
pub trait AnySpec: DynEq + fmt::Debug {
    fn kind(&self) -> &'static str;
    fn medium(&self) -> Option<Medium>;
    fn platform(&self) -> &'static str;
    fn location(&self) -> String;
    fn poller(&self) -> Box<dyn Poll>;
    fn budget(&self, cursor: &Cursor) -> Option<Budget>;
    fn needs_secret(&self) -> bool;
}

impl<S: Spec> AnySpec for S {
    fn kind(&self) -> &'static str {
        S::KIND
    }
    fn medium(&self) -> Option<Medium> {
        S::MEDIUM
    }
    fn platform(&self) -> &'static str {
        S::PLATFORM
    }
    fn location(&self) -> String {
        Spec::location(self)
    }
    fn poller(&self) -> Box<dyn Poll> {
        Spec::poller(self)
    }
    fn budget(&self, cursor: &Cursor) -> Option<Budget> {
        Spec::budget(self, cursor)
    }
    fn needs_secret(&self) -> bool {
        Spec::needs_secret(self)
    }
}

/// One entry of the family's list: a kind's name, its example, its medium and platform
/// (`extra`), and how its table becomes its spec.
pub type Kind = config::Kind<Arc<dyn AnySpec>, Facts>;

/// What the family's list keeps of a kind besides its name: what readers of stored posts
/// need without a configured source (a post of a source no longer configured still counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// [`Spec::MEDIUM`].
    pub medium: Option<Medium>,
    /// [`Spec::PLATFORM`].
    pub platform: &'static str,
}

/// The entry of the kind whose keys are `S`.
pub const fn kind<S: Spec>() -> Kind {
    Kind {
        name: S::KIND,
        example: S::EXAMPLE,
        extra: Facts {
            medium: S::MEDIUM,
            platform: S::PLATFORM,
        },
        read: read::<S>,
    }
}

fn read<S: Spec>(
    table: &Table,
    common: &[&str],
    errors: &mut Vec<ConfigError>,
) -> Option<Arc<dyn AnySpec>> {
    let spec: S = table.read_plugin(common, S::EXAMPLE, S::settle, errors)?;
    Some(Arc::new(spec))
}
