//! What an alert sink declares, in one place — its kind name, its keys (a strict serde
//! [`Spec`] with their defaults), an example table, the rules between its keys, and how it is
//! built into something that delivers — and the configured [`Sink`]s read from
//! `[[alerts.sinks]]`.

use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::KINDS;
use super::deliver::{Deliver, Message, Parcel, SinkError};
use crate::alerts::routing::{self, Route, Subscription};
use crate::config::{self, CommonKeys, ConfigError, DynEq, Invalid, ListNames};
use crate::config::{Table, TableArray, entries, read_entry, value};

/// The keys of one sink kind, as an `[[alerts.sinks]]` table writes them beside `id` and
/// `kind`. Derive `Deserialize` with `deny_unknown_fields`; a secret is a
/// [`value::Secret`], so the derived `Debug` never shows it.
pub trait Spec: DeserializeOwned + fmt::Debug + Clone + PartialEq + Send + Sync + 'static {
    /// The `kind = "…"` that selects it.
    const KIND: &'static str;
    /// A table of its keys as a user writes them (TOML, without `id` and `kind`).
    const EXAMPLE: &'static str;

    /// Rules between keys that serde cannot state, and values tidied once every key is read.
    fn settle(&mut self) -> Result<(), Invalid> {
        Ok(())
    }

    /// Builds what delivers: its client, its connection settings. Checks again what the
    /// config file's reading checks, for a spec written in code.
    fn connect(&self, user_agent: &str) -> Result<Box<dyn Deliver>, SinkError>;
}

/// A [`Spec`] of any kind, behind one type.
pub trait AnySpec: DynEq + fmt::Debug {
    fn kind(&self) -> &'static str;
    fn connect(&self, user_agent: &str) -> Result<Box<dyn Deliver>, SinkError>;
}

impl<S: Spec> AnySpec for S {
    fn kind(&self) -> &'static str {
        S::KIND
    }
    fn connect(&self, user_agent: &str) -> Result<Box<dyn Deliver>, SinkError> {
        Spec::connect(self, user_agent)
    }
}

/// One entry of the family's list: a sink kind's name, its example, and how its table
/// becomes its spec.
pub type Kind = config::Kind<Arc<dyn AnySpec>>;

/// The entry of the sink kind whose keys are `S`.
pub const fn kind<S: Spec>() -> Kind {
    Kind {
        name: S::KIND,
        example: S::EXAMPLE,
        extra: (),
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

/// One `[[alerts.sinks]]` entry.
#[derive(Debug, Clone)]
pub struct SinkConfig {
    /// Unique: lower case, digits, `-` and `_` ("tim-humas").
    pub id: String,
    pub spec: Arc<dyn AnySpec>,
    /// The alerts it takes (every one by default).
    pub subscription: Subscription,
}

impl SinkConfig {
    /// A sink that takes every alert.
    pub fn new(id: impl Into<String>, spec: impl Spec) -> SinkConfig {
        SinkConfig {
            id: id.into(),
            spec: Arc::new(spec),
            subscription: Subscription::default(),
        }
    }

    /// Its id and subscription, as the alert check routes alerts.
    pub fn route(&self) -> Route {
        Route {
            id: self.id.clone(),
            subscription: self.subscription.clone(),
        }
    }

    /// The spec, when it is of kind `S`.
    pub fn spec_as<S: Spec>(&self) -> Option<&S> {
        (self.spec.as_ref() as &dyn DynEq).as_any().downcast_ref()
    }
}

impl PartialEq for SinkConfig {
    fn eq(&self, other: &SinkConfig) -> bool {
        self.id == other.id
            && self.spec.same_as(other.spec.as_ref())
            && self.subscription == other.subscription
    }
}

/// A configured destination, ready to send; cheap to share behind an `Arc`.
pub struct Sink {
    id: String,
    kind: &'static str,
    transport: Box<dyn Deliver>,
    subscription: Subscription,
}

impl fmt::Debug for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sink")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("target", &self.transport.target())
            .finish()
    }
}

impl Sink {
    /// Builds the client a sink needs.
    pub fn new(config: SinkConfig, user_agent: &str) -> Result<Sink, SinkError> {
        Ok(Sink {
            kind: config.spec.kind(),
            transport: config.spec.connect(user_agent)?,
            id: config.id,
            subscription: config.subscription,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its id and subscription, as the alert check routes alerts.
    pub fn route(&self) -> Route {
        Route {
            id: self.id.clone(),
            subscription: self.subscription.clone(),
        }
    }

    /// The sink's kind name ("webhook", "telegram", "email").
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// Delivers `msg` once; retrying is the caller's decision.
    pub async fn send(&self, msg: &Message) -> Result<(), SinkError> {
        self.transport.send(msg).await
    }

    /// Who gets a briefing through it, one delivery each; none when it carries no briefing.
    pub fn briefing_recipients(&self) -> Vec<String> {
        self.transport.briefing_recipients()
    }

    /// Delivers a briefing to `recipient` once; retrying is the caller's decision.
    pub async fn send_briefing(&self, parcel: &Parcel, recipient: &str) -> Result<(), SinkError> {
        self.transport.send_briefing(parcel, recipient).await
    }
}

/// The keys every `[[alerts.sinks]]` table has; the rest belong to its kind.
#[derive(Debug, Deserialize)]
struct Common {
    /// The same rule as source ids: it shows up in logs and delivery records.
    #[serde(deserialize_with = "value::id")]
    id: String,
    kind: String,
    // Which alerts it takes (see [`routing`]).
    #[serde(default)]
    topics: Option<Vec<String>>,
    #[serde(default)]
    categories: Option<Vec<String>>,
    #[serde(default)]
    regions: Option<Vec<String>>,
    #[serde(default, deserialize_with = "routing::priority")]
    min_priority: Option<crate::model::Priority>,
}

impl CommonKeys for Common {
    const EXAMPLE: &'static str = "id = \"tim-humas\"\nkind = \"telegram\"\n\
        topics = [\"banjir\"]\ncategories = [\"bencana\"]\nregions = [\"berau\"]\n\
        min_priority = \"sedang\"";

    fn kind(&self) -> &str {
        &self.kind
    }
}

const NAMES: ListNames = ListNames {
    key: "[alerts] sinks",
    label: "[[alerts.sinks]]",
    hint: "tulis setiap tujuan sebagai tabel [[alerts.sinks]] dengan id dan kind",
    duplicate: ("tujuan", "setiap tujuan peringatan perlu id yang unik"),
};

/// Every `[[alerts.sinks]]` entry, in file order; a sink with an error is reported and left
/// out.
pub fn read_sinks(array: Option<TableArray>, errors: &mut Vec<ConfigError>) -> Vec<SinkConfig> {
    let Some(array) = array else {
        return Vec::new();
    };
    entries(array, NAMES, errors, |table, errors| {
        let (common, spec): (Common, _) = read_entry(table, KINDS, "tujuan", errors)?;
        let subscription = match Subscription::read(
            routing::Keys {
                topics: common.topics,
                categories: common.categories,
                regions: common.regions,
                min_priority: common.min_priority,
            },
            table,
        ) {
            Ok(s) => s,
            Err(invalid) => {
                errors.extend(invalid.all().into_iter().map(|i| table.invalid(i)));
                return None;
            }
        };
        Some((
            common.id.clone(),
            SinkConfig {
                id: common.id,
                spec,
                subscription,
            },
        ))
    })
}
