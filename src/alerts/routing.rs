//! Which sink gets which alert: each `[[alerts.sinks]]` entry may subscribe to `topics`,
//! `categories`, `regions` (kabupaten/kota) and a `min_priority` of its own ([`Subscription`]).
//! A key left out takes everything; keys written together must all match. An alert's regions
//! are the kabupaten/kota it is about (a regional alert) or names (a province-wide alert's
//! top regions), so a sink subscribed to `berau` gets the Berau flood and a province-wide
//! alert that names Berau among its top regions, and not the Samarinda flood.
//!
//! The ids are those of the keyword lists, checked against the lists in force when Pantau
//! starts and on every reload of them ([`Subscription::unknown_ids`]).

use serde::Deserializer;

use crate::classify::Classifier;
use crate::config::{ConfigError, Invalid, Table, value};
use crate::model::Priority;

/// The keys of an `[[alerts.sinks]]` entry that choose its alerts.
pub const KEYS: [&str; 4] = ["topics", "categories", "regions", "min_priority"];

/// The alerts one sink takes. `None`: the key is not written, everything passes.
#[derive(Debug, Clone, Default)]
pub struct Subscription {
    /// Topic ids (`keywords/topics/*.toml`).
    pub topics: Option<Vec<String>>,
    /// Topic categories (`category = "bencana"` in the topic files).
    pub categories: Option<Vec<String>>,
    /// Kabupaten/kota ids (`keywords/regions.toml`).
    pub regions: Option<Vec<String>>,
    /// Instead of `[alerts] min_priority`, for this sink.
    pub min_priority: Option<Priority>,
    /// The keys as written, so that an id the keyword lists do not know is reported at its
    /// file and line.
    written: Option<Table>,
}

impl PartialEq for Subscription {
    fn eq(&self, other: &Subscription) -> bool {
        (
            &self.topics,
            &self.categories,
            &self.regions,
            self.min_priority,
        ) == (
            &other.topics,
            &other.categories,
            &other.regions,
            other.min_priority,
        )
    }
}

/// What routing looks at in an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts<'a> {
    pub topic: &'a str,
    pub category: &'a str,
    pub priority: Priority,
    /// The kabupaten/kota the alert is about or names.
    pub regions: &'a [String],
}

/// A sink's id and what it subscribes to: what the alert check needs of a sink.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub id: String,
    pub subscription: Subscription,
}

/// The subscription keys as read beside a sink's `id` and `kind`.
#[derive(Debug, Default)]
pub struct Keys {
    pub topics: Option<Vec<String>>,
    pub categories: Option<Vec<String>>,
    pub regions: Option<Vec<String>>,
    pub min_priority: Option<Priority>,
}

/// `min_priority` of a sink.
pub fn priority<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Priority>, D::Error> {
    value::from_str(d, "\"rendah\", \"sedang\", \"tinggi\" atau \"kritis\"").map(Some)
}

impl Subscription {
    /// The subscription `keys` of the sink table `table`; an empty list is an error (it would
    /// take nothing: leave the key out to take everything).
    pub fn read(keys: Keys, table: &Table) -> Result<Subscription, Invalid> {
        let lists = [
            ("topics", &keys.topics),
            ("categories", &keys.categories),
            ("regions", &keys.regions),
        ];
        let mut problems: Option<Invalid> = None;
        for (key, list) in lists {
            if list.as_ref().is_some_and(Vec::is_empty) {
                let p = Invalid::new(
                    key,
                    "daftar kosong: tujuan ini tidak akan menerima peringatan apa pun",
                    Some(format!(
                        "hapus kunci {key} agar semua diterima, atau tulis id-nya"
                    )),
                );
                problems = Some(match problems {
                    Some(first) => first.and(p),
                    None => p,
                });
            }
        }
        if let Some(p) = problems {
            return Err(p);
        }
        Ok(Subscription {
            topics: keys.topics,
            categories: keys.categories,
            regions: keys.regions,
            min_priority: keys.min_priority,
            written: Some(table.only(&KEYS)),
        })
    }

    /// Whether the sink takes an alert with these `facts`; `min_priority` is `[alerts]
    /// min_priority`, for a sink that sets none.
    pub fn accepts(&self, facts: &Facts, min_priority: Priority) -> bool {
        let listed = |list: &Option<Vec<String>>, id: &str| {
            list.as_ref().is_none_or(|l| l.iter().any(|x| x == id))
        };
        facts.priority >= self.min_priority.unwrap_or(min_priority)
            && listed(&self.topics, facts.topic)
            && listed(&self.categories, facts.category)
            && self
                .regions
                .as_ref()
                .is_none_or(|l| l.iter().any(|r| facts.regions.contains(r)))
    }

    /// Every id the lists of `classifier` do not know, as a configuration error at its key
    /// (file and line when it came from a file), with the nearest known id as a hint.
    pub fn unknown_ids(&self, classifier: &Classifier) -> Vec<ConfigError> {
        let topics: Vec<&str> = classifier.topics().iter().map(|t| t.id.as_str()).collect();
        let mut categories: Vec<&str> = classifier
            .topics()
            .iter()
            .map(|t| t.category.as_str())
            .collect();
        categories.sort_unstable();
        categories.dedup();
        let areas: Vec<&str> = classifier
            .regions()
            .iter()
            .filter(|r| r.level.is_area())
            .map(|r| r.id.as_str())
            .collect();
        let checks = [
            Check {
                key: "topics",
                list: &self.topics,
                known: &topics,
                what: "topik",
                why: "tidak ada di keywords/topics",
            },
            Check {
                key: "categories",
                list: &self.categories,
                known: &categories,
                what: "kategori",
                why: "tidak dipakai topik mana pun di keywords/topics",
            },
            Check {
                key: "regions",
                list: &self.regions,
                known: &areas,
                what: "kabupaten/kota",
                why: "bukan id kabupaten/kota di keywords/regions.toml",
            },
        ];
        let mut out = Vec::new();
        for c in checks {
            for id in c.list.iter().flatten() {
                if c.known.contains(&id.as_str()) {
                    continue;
                }
                let hint = match crate::error::suggest(id, c.known) {
                    Some(near) => format!("mungkin maksud Anda \"{near}\""),
                    None => format!("{} yang dikenal: {}", c.what, c.known.join(", ")),
                };
                let problem =
                    Invalid::new(c.key, format!("{} \"{id}\" {}", c.what, c.why), Some(hint));
                out.push(self.placed(problem));
            }
        }
        out
    }

    /// A problem with one of the keys, at its file and line when it came from a file.
    fn placed(&self, problem: Invalid) -> ConfigError {
        match &self.written {
            Some(table) => table.invalid(problem),
            None => ConfigError::Invalid {
                origin: "konfigurasi".into(),
                key: format!("[[alerts.sinks]] {}", problem.key),
                message: problem.message,
                hint: problem.hint,
            },
        }
    }
}

/// One subscription key checked against the ids the lists know.
struct Check<'a> {
    key: &'a str,
    list: &'a Option<Vec<String>>,
    known: &'a [&'a str],
    /// What an id of the key is, and why an unknown one is wrong, in the message.
    what: &'a str,
    why: &'a str,
}

/// The ids of the sinks among `routes` that take an alert with `facts`.
pub fn sinks_for(routes: &[Route], facts: &Facts, min_priority: Priority) -> Vec<String> {
    routes
        .iter()
        .filter(|r| r.subscription.accepts(facts, min_priority))
        .map(|r| r.id.clone())
        .collect()
}

/// The lowest priority any sink takes: topics of it or above are decided on, so that a sink
/// with a lower `min_priority` than `[alerts]` gets its alerts.
pub fn lowest_priority(routes: &[Route], min_priority: Priority) -> Priority {
    routes
        .iter()
        .map(|r| r.subscription.min_priority.unwrap_or(min_priority))
        .fold(min_priority, Priority::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(
        topics: Option<&[&str]>,
        regions: Option<&[&str]>,
        min: Option<Priority>,
    ) -> Subscription {
        let list = |l: Option<&[&str]>| l.map(|l| l.iter().map(|s| s.to_string()).collect());
        Subscription {
            topics: list(topics),
            categories: None,
            regions: list(regions),
            min_priority: min,
            written: None,
        }
    }

    #[test]
    fn every_key_written_must_match() {
        let berau = ["berau".to_string()];
        let facts = Facts {
            topic: "banjir",
            category: "bencana",
            priority: Priority::Tinggi,
            regions: &berau,
        };
        assert!(Subscription::default().accepts(&facts, Priority::Tinggi));
        assert!(!Subscription::default().accepts(&facts, Priority::Kritis));
        assert!(sub(None, Some(&["berau"]), None).accepts(&facts, Priority::Tinggi));
        assert!(!sub(None, Some(&["samarinda"]), None).accepts(&facts, Priority::Tinggi));
        assert!(
            !sub(Some(&["karhutla"]), Some(&["berau"]), None).accepts(&facts, Priority::Tinggi)
        );
        assert!(sub(None, None, Some(Priority::Sedang)).accepts(&facts, Priority::Kritis));
        assert!(!sub(None, None, Some(Priority::Kritis)).accepts(&facts, Priority::Rendah));
        let province = Facts {
            regions: &[],
            ..facts
        };
        assert!(!sub(None, Some(&["berau"]), None).accepts(&province, Priority::Tinggi));
    }

    #[test]
    fn the_lowest_priority_any_sink_takes_is_decided_on() {
        let routes = [
            Route {
                id: "a".into(),
                subscription: sub(None, None, Some(Priority::Sedang)),
            },
            Route {
                id: "b".into(),
                subscription: sub(None, None, Some(Priority::Kritis)),
            },
        ];
        assert_eq!(lowest_priority(&routes, Priority::Tinggi), Priority::Sedang);
        assert_eq!(lowest_priority(&[], Priority::Tinggi), Priority::Tinggi);
    }
}
