//! When to alert and where to: the `[alerts]` section, read into a [`Policy`] and the
//! configured sinks ([`AlertSettings`]).

use std::time::Duration;

use jiff::tz::TimeZone;
use serde::{Deserialize, Deserializer};

use super::sinks::{SinkConfig, read_sinks};
use crate::classify::Classifier;
use crate::config::{ConfigError, Settings, value};
use crate::model::Priority;
use crate::trends::Window;

/// When to alert (`[alerts]` in the config).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Topics below this priority do not alert, unless a sink's own `min_priority` is lower
    /// (then they go to that sink only).
    #[serde(deserialize_with = "priority")]
    pub min_priority: Priority,
    /// The trend window alerts look at. 24 hours by default: in the detector benchmark
    /// (docs/trends.md) it finds large spikes about as early as 6 hours does, with a quarter
    /// of the false alarms.
    #[serde(deserialize_with = "window")]
    pub window: Window,
    /// How often trends are checked.
    #[serde(deserialize_with = "value::duration")]
    pub every: Duration,
    /// An episode ends after this long without rising.
    #[serde(deserialize_with = "value::duration")]
    pub cooldown: Duration,
    /// A follow-up needs the count to reach this many times the last alert's count.
    #[serde(deserialize_with = "growth")]
    pub growth: f64,
    /// And at least this long since the last alert.
    #[serde(deserialize_with = "value::duration")]
    pub min_gap: Duration,
    /// No alert before Pantau has collected this long: on a new installation every topic is
    /// "new", and a first poll's backlog is no baseline.
    #[serde(deserialize_with = "value::duration")]
    pub min_history: Duration,
    /// The zone alert texts show times in (`[schedule] timezone`, not a key of `[alerts]`).
    #[serde(skip)]
    pub timezone: TimeZone,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            min_priority: Priority::Tinggi,
            window: Window::DAY,
            every: Duration::from_secs(10 * 60),
            cooldown: Duration::from_secs(12 * 3600),
            growth: 2.0,
            min_gap: Duration::from_secs(3600),
            min_history: Duration::from_secs(3 * 24 * 3600),
            timezone: crate::time::default_zone(),
        }
    }
}

fn priority<'de, D: Deserializer<'de>>(d: D) -> Result<Priority, D::Error> {
    value::from_str(d, "\"rendah\", \"sedang\", \"tinggi\" atau \"kritis\"")
}

fn window<'de, D: Deserializer<'de>>(d: D) -> Result<Window, D::Error> {
    value::from_str(d, "jam bulat 1–24, misalnya \"24h\" atau \"6h\"")
}

fn growth<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    value::parsed(d, "angka ≥ 1, misalnya 2.0", |s| match s.parse::<f64>() {
        Ok(g) if (1.0..=100.0).contains(&g) => Ok(g),
        _ => Err(format!("\"{s}\" bukan kelipatan yang valid")),
    })
}

/// Alerts on rising issues: when, and where they are delivered.
#[derive(Debug, Clone, Default)]
pub struct AlertSettings {
    /// `[[alerts.sinks]]` in file order; ids are unique. None by default.
    pub sinks: Vec<SinkConfig>,
    /// When to alert: `min_priority`, `window`, `every`, `cooldown`, `growth`, `min_gap`,
    /// `min_history`.
    pub policy: Policy,
}

impl AlertSettings {
    /// Reads `[alerts]` and its `[[alerts.sinks]]`; errors go to `errors`, each naming its
    /// key. What is wrong keeps its default.
    pub fn read(settings: &Settings, errors: &mut Vec<ConfigError>) -> AlertSettings {
        let mut table = settings.alerts.clone();
        let sinks = read_sinks(table.take_array("sinks"), errors);
        let mut policy: Policy = table
            .read_as(&["sinks"], None, errors)
            .value
            .unwrap_or_default();
        policy.timezone = settings.schedule.timezone.clone();
        AlertSettings { sinks, policy }
    }

    /// Every topic, category or region id a sink subscribes to that the lists of
    /// `classifier` do not know, each at its key.
    pub fn unknown_ids(&self, classifier: &Classifier) -> Vec<ConfigError> {
        self.sinks
            .iter()
            .flat_map(|s| s.subscription.unknown_ids(classifier))
            .collect()
    }
}
