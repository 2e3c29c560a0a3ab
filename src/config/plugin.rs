//! What the plug-in families (source kinds, alert sinks) share: a family's list of kinds
//! ([`Kind`], declared one line per kind with `kinds!`), an entry of an array of tables read as
//! its common keys plus the keys of the kind it names ([`read_entry`]), and specs that compare
//! behind `dyn` ([`DynEq`]). A family defines its own spec trait; this module knows none of
//! them.

use std::any::Any;

use serde::de::DeserializeOwned;

use super::ConfigError;
use super::de::fields_of;
use super::table::{Table, pick_kind};

/// How one kind reads an entry's own keys (the common ones taken out) into `T`. The second
/// argument are the keys read apart, offered as hints for a misspelt key.
pub type ReadKind<T> = fn(&Table, &[&str], &mut Vec<ConfigError>) -> Option<T>;

/// One kind of a family, as its list holds it.
pub struct Kind<T: 'static, X: 'static = ()> {
    /// The name in `kind = "…"`.
    pub name: &'static str,
    /// A table of its keys as a user writes them.
    pub example: &'static str,
    /// What else the family keeps of each kind (a source kind's medium).
    pub extra: X,
    pub read: ReadKind<T>,
}

impl<T, X> std::fmt::Debug for Kind<T, X> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kind").field("name", &self.name).finish()
    }
}

/// The keys every entry of a family has, `kind` among them.
pub trait CommonKeys: DeserializeOwned {
    /// A table of them as a user writes them: a missing key's hint quotes its line.
    const EXAMPLE: &'static str;

    fn kind(&self) -> &str;
}

/// One entry of a family: its common keys `C`, then the rest of its table read by the kind
/// it names, picked from `kinds` (`what` names the family in messages: "sumber"). Both are
/// read even when the first fails, so that one run reports every mistake.
pub fn read_entry<C: CommonKeys, T, X>(
    table: &Table,
    kinds: &'static [Kind<T, X>],
    what: &str,
    errors: &mut Vec<ConfigError>,
) -> Option<(C, T)> {
    let common_keys = fields_of::<C>();
    let common = table.read_as::<C>(&[], Some(C::EXAMPLE), errors).clean();
    // The kind as written: a stand-in for a missing one would read the rest as another kind.
    let name = common
        .as_ref()
        .map(|c| c.kind().to_string())
        .or_else(|| table.text("kind"))?;
    let kind = pick_kind(table, &name, kinds, |k| k.name, what, errors)?;
    let spec = (kind.read)(&table.without(common_keys), common_keys, errors)?;
    Some((common?, spec))
}

/// Equality behind `dyn`: a reload compares the configured specs of any kind.
pub trait DynEq: Any + Send + Sync {
    fn as_any(&self) -> &dyn Any;

    /// The same kind with the same keys.
    fn same_as(&self, other: &dyn DynEq) -> bool;
}

impl<T: Any + PartialEq + Send + Sync> DynEq for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn same_as(&self, other: &dyn DynEq) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }
}

/// Declares a family's kinds: each kind's module (which defines its `Spec`) and the family's
/// list of them, `static KINDS: &[Kind]`, each entry made by the family's `kind::<Spec>()`.
/// Adding a kind is one line here.
macro_rules! kinds {
    ($($kind:ident),* $(,)?) => {
        $(pub mod $kind;)*

        /// Every kind of this family, in the order messages list them.
        pub static KINDS: &[Kind] = &[$(kind::<$kind::Spec>()),*];
    };
}

pub(crate) use kinds;
