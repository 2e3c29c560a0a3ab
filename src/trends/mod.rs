//! Rising issues: per topic, and per topic in each kabupaten/kota, the stories of the last
//! window against the same window on the previous days, by the rule in [`rule`].
//!
//! [`compute`] reads the hourly counts (`topic_hourly.stories`, so near-duplicates count once)
//! and which sources carried each topic, and returns [`Trend`]s, most significant first.
//! `pantau trends`, the briefing and the alerts all call it, so they show the same numbers.

pub mod rule;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

pub use rule::{Assessment, Direction, Observation, Rule};

use crate::classify::Classifier;
use crate::model::{Medium, Priority};
use crate::sources::medium_of;
use crate::store::{ReachTotals, Reports, StoreError};
use crate::time::Lang;

const DAY: SignedDuration = SignedDuration::from_hours(24);

/// The length of the window a trend is measured over: whole hours, 1 to 24.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window(u8);

impl Window {
    pub const DAY: Window = Window(24);
    pub const SIX_HOURS: Window = Window(6);

    /// A window of `hours` whole hours, 1 to 24.
    pub fn from_hours(hours: i64) -> Option<Window> {
        (1..=24).contains(&hours).then_some(Window(hours as u8))
    }

    pub fn hours(self) -> i64 {
        self.0 as i64
    }

    pub fn duration(self) -> SignedDuration {
        SignedDuration::from_hours(self.hours())
    }
}

impl Default for Window {
    fn default() -> Window {
        Window::DAY
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}h", self.0)
    }
}

impl FromStr for Window {
    type Err = String;

    /// `6h`, `24h`, `1d`, or a number of hours; 1 to 24 hours, so that the windows of the
    /// previous days do not overlap.
    fn from_str(s: &str) -> Result<Window, String> {
        let t = s.trim().to_ascii_lowercase();
        let hours = if let Some(d) = t.strip_suffix('d') {
            d.trim().parse::<u32>().ok().and_then(|d| d.checked_mul(24))
        } else {
            t.trim_end_matches(['h', 'j']).trim().parse::<u32>().ok()
        };
        match hours.and_then(|h| Window::from_hours(h as i64)) {
            Some(w) => Ok(w),
            None => Err(format!(
                "jendela \"{s}\" tidak valid: pakai jam bulat 1–24, misalnya 6h atau 24h"
            )),
        }
    }
}

/// One line of `pantau trends`: a topic (region `None`) or a topic in one kabupaten/kota.
/// The first eight fields are DESIGN.md's contract; the rest explain them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    pub topic: String,
    pub region: Option<String>,
    /// Stories in the window.
    pub count: u64,
    /// Mean stories in the same window on the previous days.
    pub baseline: f64,
    pub score: f64,
    pub rising: bool,
    pub new: bool,
    pub reason: String,
    pub name: String,
    pub region_name: Option<String>,
    pub priority: Priority,
    pub direction: Direction,
    pub ratio: f64,
    /// Posts in the window (every copy of a story).
    pub posts: u64,
    pub sources: u64,
    pub source_kinds: Vec<String>,
    /// Kabupaten/kota with stories (topic lines only).
    pub areas: u64,
    /// Days of baseline the store had (at most 7).
    pub history_days: usize,
    pub window_hours: i64,
    pub window_start: Timestamp,
    pub window_end: Timestamp,
    /// What the platforms said of the reach of the row's posts in the window; filled by
    /// [`add_reach`] (`pantau trends --json`, `GET /api/trends`), absent elsewhere. It plays no part in the rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reach: Option<ReachTotals>,
}

#[derive(Default)]
struct Tally {
    count: u64,
    posts: u64,
    history: [u64; rule::BASELINE_DAYS],
}

/// A topic (region `"*"`) or a topic in one kabupaten/kota, as the hourly counts key them.
type Key = (String, String);

/// The sources and the source kinds that carried a key in the window.
type Carriers = HashMap<Key, (BTreeSet<String>, BTreeSet<String>)>;

/// What every line of one computation shares.
struct Scope<'a> {
    classifier: &'a Classifier,
    rule: &'a Rule,
    lang: Lang,
    window: Window,
    start: Timestamp,
    end: Timestamp,
    history_days: usize,
}

/// Gives every row its reach over its window (zeros where no platform said any): the
/// platforms' likes, shares, comments and views, and the most followers, of the row's posts
/// (`pantau trends --json`). The rule is not touched.
pub fn add_reach(store: &impl Reports, rows: &mut [Trend]) -> Result<(), StoreError> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let totals = store.reach_totals(first.window_start, first.window_end)?;
    for row in rows.iter_mut() {
        let key = (row.topic.clone(), row.region.clone());
        row.reach = Some(totals.get(&key).cloned().unwrap_or_default());
    }
    Ok(())
}

/// Trends for the window ending at `end` (an hour boundary), most significant first: rising
/// ones by score, then the rest by score and count.
pub fn compute(
    store: &impl Reports,
    classifier: &Classifier,
    end: Timestamp,
    window: Window,
    rule: &Rule,
    lang: Lang,
) -> Result<Vec<Trend>, StoreError> {
    let start = end - window.duration();
    let history_days = history_days(store, start)?;
    let scope = Scope {
        classifier,
        rule,
        lang,
        window,
        start,
        end,
        history_days,
    };
    let tallies = tally(store, &scope)?;
    let areas: HashSet<String> = tallies
        .iter()
        .filter(|((_, r), t)| r != "*" && t.count > 0)
        .map(|((_, r), _)| r.clone())
        .collect();
    let mut seen: Carriers = HashMap::new();
    for s in store.sources_seen(start, end, &areas)? {
        let e = seen.entry((s.topic, s.region)).or_default();
        e.0.insert(s.source);
        e.1.insert(s.kind);
    }
    let mut areas_per_topic: HashMap<&str, u64> = HashMap::new();
    for ((topic, region), t) in &tallies {
        if region != "*" && t.count > 0 {
            *areas_per_topic.entry(topic.as_str()).or_default() += 1;
        }
    }
    let mut out: Vec<Trend> = tallies
        .iter()
        .filter(|(_, t)| t.count > 0)
        .map(|(key, t)| {
            let areas = areas_per_topic.get(key.0.as_str()).copied().unwrap_or(0);
            line(&scope, key, t, seen.get(key), areas)
        })
        .collect();
    out.sort_by(|a, b| {
        b.rising
            .cmp(&a.rising)
            .then(b.score.total_cmp(&a.score))
            .then(b.count.cmp(&a.count))
            .then(a.region.is_some().cmp(&b.region.is_some()))
            .then(a.topic.cmp(&b.topic))
            .then(a.region.cmp(&b.region))
    });
    Ok(out)
}

/// Days of baseline the store holds before the window starting at `start`, at most
/// [`rule::BASELINE_DAYS`].
fn history_days(store: &impl Reports, start: Timestamp) -> Result<usize, StoreError> {
    Ok(match store.first_hour()? {
        Some(first) => (1..=rule::BASELINE_DAYS as i64)
            .take_while(|&d| start - DAY * d as i32 >= first)
            .count(),
        None => 0,
    })
}

/// Stories and posts per key in the window, and stories in the same hours of each day of
/// the history.
fn tally(store: &impl Reports, scope: &Scope) -> Result<HashMap<Key, Tally>, StoreError> {
    let (end, w, history_days) = (scope.end, scope.window.duration(), scope.history_days);
    let from = scope.start - DAY * history_days as i32;
    let mut tallies: HashMap<Key, Tally> = HashMap::new();
    for row in store.hour_counts(from, end)? {
        // Day 0 is the window itself; day d the same hours d days earlier.
        let since_end = end.duration_since(row.hour);
        let day = ((since_end - SignedDuration::from_secs(1)).as_secs() / DAY.as_secs()) as usize;
        let offset = since_end - DAY * day as i32;
        if offset > w || day > history_days {
            continue;
        }
        let t = tallies.entry((row.topic, row.region)).or_default();
        if day == 0 {
            t.count += row.stories;
            t.posts += row.posts;
        } else {
            t.history[day - 1] += row.stories;
        }
    }
    Ok(tallies)
}

/// The line of one key: what is known about it, the rule's verdict and its reason.
fn line(
    scope: &Scope,
    (topic, region): &Key,
    t: &Tally,
    carriers: Option<&(BTreeSet<String>, BTreeSet<String>)>,
    areas: u64,
) -> Trend {
    let empty = Default::default();
    let (sources, kinds) = carriers.unwrap_or(&empty);
    let all_regions = region == "*";
    let o = Observation {
        count: t.count,
        history: t.history[..scope.history_days].to_vec(),
        // A story counted here always has a post somewhere; a post outside the window
        // (a story's first copy) leaves its sources unknown: count one.
        sources: (sources.len() as u64).max(1),
        // Each kind says what its posts are; imports and the generic JSON kind are
        // neither, their origin is not known.
        news: kinds.iter().any(|k| medium_of(k) == Some(Medium::News)),
        social: kinds.iter().any(|k| medium_of(k) == Some(Medium::Social)),
        areas: if all_regions { areas } else { 0 },
    };
    let a = scope.rule.assess(&o);
    let meta = scope.classifier.topic(&topic.as_str().into());
    Trend {
        topic: topic.clone(),
        region: (!all_regions).then(|| region.clone()),
        count: o.count,
        baseline: a.baseline,
        score: a.score,
        rising: a.rising,
        new: a.new,
        reason: scope.rule.reason(&o, &a, scope.lang),
        name: meta.map_or_else(|| topic.clone(), |m| m.name.clone()),
        region_name: (!all_regions).then(|| {
            scope
                .classifier
                .region(&region.as_str().into())
                .map_or_else(|| region.clone(), |r| r.name.clone())
        }),
        priority: meta.map_or(Priority::Rendah, |m| m.priority),
        direction: a.direction,
        ratio: a.ratio,
        posts: t.posts,
        sources: o.sources,
        source_kinds: kinds.iter().cloned().collect(),
        areas: o.areas,
        history_days: scope.history_days,
        window_hours: scope.window.hours(),
        window_start: scope.start,
        window_end: scope.end,
        reach: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_parse_in_whole_hours() {
        assert_eq!("6h".parse::<Window>().unwrap(), Window::SIX_HOURS);
        assert_eq!("24h".parse::<Window>().unwrap(), Window::DAY);
        assert_eq!("1d".parse::<Window>().unwrap(), Window::DAY);
        assert_eq!("12".parse::<Window>().unwrap().hours(), 12);
        assert!("48h".parse::<Window>().is_err());
        assert!("0h".parse::<Window>().is_err());
        assert!("x".parse::<Window>().is_err());
        assert!("178956971d".parse::<Window>().is_err());
    }
}
