//! What a weekly or monthly briefing adds to the daily one: each issue's posts against the
//! period before (week over week, month over month), the issues that rose and fell by a stated
//! rule ([`judge`]), and posts per local day over the whole period.
//!
//! The rule, on primary-tag posts (the same counts as the issues' volumes):
//! - rose (`naik`): at least [`MIN_POSTS`] posts and at least [`ROSE_RATIO`]× the period before;
//! - new (`baru`): at least [`MIN_POSTS`] posts and none in the period before (listed with the
//!   issues that rose);
//! - fell (`turun`): at least [`MIN_POSTS`] posts in the period before and at most
//!   [`FELL_RATIO`] of them now (an issue that went silent falls too);
//! - otherwise steady (`stabil`).

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;

use super::{DayCount, PeriodKind, Request, change_label};
use crate::classify::Classifier;
use crate::format::format_decimal;
use crate::store::{Reports, StoreError};
use crate::time::{Lang, day_bounds, local_date};
use crate::trends::Direction;

/// Fewest posts (this period for a rise, the period before for a fall) for an issue to move.
pub const MIN_POSTS: u64 = 5;
/// A rise: this period's posts at least this multiple of the period before.
pub const ROSE_RATIO: f64 = 1.5;
/// A fall: this period's posts at most this share of the period before.
pub const FELL_RATIO: f64 = 2.0 / 3.0;

/// The comparison with the period before, in the briefing's JSON as `comparison`.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The period compared with: [start, end) and its label.
    pub previous: super::Period,
    /// Issues that rose or are new, most posts first.
    pub rose: Vec<Movement>,
    /// Issues that fell, largest fall first.
    pub fell: Vec<Movement>,
    /// The rule in words (also among the method lines).
    pub rule: String,
}

/// One issue's change from the period before.
#[derive(Debug, Clone, Serialize)]
pub struct Movement {
    pub topic: String,
    pub name: String,
    pub posts: u64,
    pub previous: u64,
    /// `posts / previous`, rounded to two decimals; `null` for a new issue.
    pub ratio: Option<f64>,
    pub direction: Direction,
    /// "2× lipat", "−50%", "baru".
    pub change: String,
}

/// The rule's verdict on `posts` against `previous` (see the module's note).
pub fn judge(posts: u64, previous: u64) -> Direction {
    if previous == 0 {
        if posts >= MIN_POSTS {
            Direction::Baru
        } else {
            Direction::Stabil
        }
    } else if posts >= MIN_POSTS && posts as f64 >= ROSE_RATIO * previous as f64 {
        Direction::Naik
    } else if previous >= MIN_POSTS && posts as f64 <= FELL_RATIO * previous as f64 {
        Direction::Turun
    } else {
        Direction::Stabil
    }
}

/// What a weekly or monthly briefing reads beyond the daily one, by topic id.
#[derive(Debug, Clone, Default)]
pub struct Against {
    /// Posts in the period before.
    pub previous: HashMap<String, u64>,
    /// Stories in the period, as the trend rule counts them (per hour, over all regions).
    pub stories: HashMap<String, u64>,
}

impl Against {
    pub fn read(store: &impl Reports, req: &Request) -> Result<Against, StoreError> {
        let previous = store
            .topic_counts(req.previous_start, req.start)?
            .into_iter()
            .collect();
        let mut stories: HashMap<String, u64> = HashMap::new();
        for row in store.hour_counts(req.start, req.end)? {
            if row.region == "*" {
                *stories.entry(row.topic).or_default() += row.stories;
            }
        }
        Ok(Against { previous, stories })
    }

    pub fn previous(&self, topic: &str) -> u64 {
        self.previous.get(topic).copied().unwrap_or(0)
    }

    pub fn stories(&self, topic: &str) -> u64 {
        self.stories.get(topic).copied().unwrap_or(0)
    }
}

/// Every topic's movement from the period before, split into rose (and new) and fell.
pub fn comparison(
    classifier: &Classifier,
    current: impl Fn(&str) -> u64,
    against: &Against,
    req: &Request,
) -> Comparison {
    let (mut rose, mut fell) = (Vec::new(), Vec::new());
    for topic in classifier.topics() {
        let id = topic.id.as_str();
        let (posts, before) = (current(id), against.previous(id));
        let direction = judge(posts, before);
        let movement = Movement {
            topic: id.to_string(),
            name: topic.name.clone(),
            posts,
            previous: before,
            ratio: (before > 0).then(|| (posts as f64 / before as f64 * 100.0).round() / 100.0),
            direction,
            change: change_words(posts, before, req.lang),
        };
        match direction {
            Direction::Naik | Direction::Baru => rose.push(movement),
            Direction::Turun => fell.push(movement),
            Direction::Stabil => {}
        }
    }
    rose.sort_by(|a, b| b.posts.cmp(&a.posts).then(a.topic.cmp(&b.topic)));
    fell.sort_by(|a, b| {
        (b.previous - b.posts.min(b.previous))
            .cmp(&(a.previous - a.posts.min(a.previous)))
            .then(a.topic.cmp(&b.topic))
    });
    Comparison {
        previous: super::Period {
            kind: req.kind,
            start: req.previous_start,
            end: req.start,
            label: range_label(req.previous_start, req.start, &req.tz, req.lang),
        },
        rose,
        fell,
        rule: rule(req.kind, req.lang),
    }
}

/// The change for people: the daily briefing's label, or "baru" / "new" when there was none.
fn change_words(posts: u64, previous: u64, lang: Lang) -> String {
    if previous == 0 {
        return match lang {
            Lang::Id => "baru".into(),
            Lang::En => "new".into(),
        };
    }
    change_label(posts, previous, lang)
}

/// The trend line of an issue in a weekly or monthly briefing: "naik 2× lipat dari minggu
/// sebelumnya (4 → 8 unggahan)".
pub fn trend_label(direction: Direction, posts: u64, previous: u64, req: &Request) -> String {
    let (unit, verb) = match (req.kind, req.lang) {
        (PeriodKind::Month, Lang::Id) => ("bulan sebelumnya", "dari"),
        (_, Lang::Id) => ("minggu sebelumnya", "dari"),
        (PeriodKind::Month, Lang::En) => ("the month before", "on"),
        (_, Lang::En) => ("the week before", "on"),
    };
    let word = (super::words(req.lang).trend)(direction);
    match direction {
        Direction::Baru => match req.lang {
            Lang::Id => format!("{word}; tidak ada pada {unit}"),
            Lang::En => format!("{word}; none in {unit}"),
        },
        _ => format!(
            "{word} {} {verb} {unit} ({previous} → {posts})",
            change_label(posts, previous, req.lang)
        ),
    }
}

/// The rule in words, for the method note.
pub fn rule(kind: PeriodKind, lang: Lang) -> String {
    let ratio = format_decimal(ROSE_RATIO, lang);
    match lang {
        Lang::Id => format!(
            "Perbandingan {}: naik = sedikitnya {MIN_POSTS} unggahan dan ≥ {ratio}× periode sebelumnya; baru = sedikitnya {MIN_POSTS} unggahan dan tidak ada pada periode sebelumnya; turun = sedikitnya {MIN_POSTS} unggahan pada periode sebelumnya dan kini ≤ 2/3-nya; selain itu stabil. Periode sebelumnya: {}.",
            if kind == PeriodKind::Month {
                "bulan ke bulan"
            } else {
                "minggu ke minggu"
            },
            if kind == PeriodKind::Month {
                "bulan kalender sebelumnya"
            } else {
                "minggu ISO (Senin–Minggu) sebelumnya"
            }
        ),
        Lang::En => format!(
            "{} comparison: rose = at least {MIN_POSTS} posts and ≥ {ratio}× the period before; new = at least {MIN_POSTS} posts and none in the period before; fell = at least {MIN_POSTS} posts in the period before and now ≤ 2/3 of them; otherwise steady. The period before: {}.",
            if kind == PeriodKind::Month {
                "Month-over-month"
            } else {
                "Week-over-week"
            },
            if kind == PeriodKind::Month {
                "the calendar month before"
            } else {
                "the ISO week (Monday–Sunday) before"
            }
        ),
    }
}

/// "30 November 2026 00.00 WITA – 7 Desember 2026 00.00 WITA".
pub fn range_label(start: Timestamp, end: Timestamp, tz: &TimeZone, lang: Lang) -> String {
    format!(
        "{} – {}",
        crate::time::format_local(start, tz, lang),
        crate::time::format_local(end, tz, lang)
    )
}

/// Posts of `topic` per local day over [start, end), every day listed (0 when none).
pub fn per_day(
    store: &impl Reports,
    topic: &str,
    start: Timestamp,
    end: Timestamp,
    tz: &TimeZone,
) -> Result<Vec<DayCount>, StoreError> {
    let mut days: Vec<DayCount> = Vec::new();
    let mut day: Date = local_date(start, tz);
    while day_bounds(day, tz).0 < end {
        days.push(DayCount {
            date: day.to_string(),
            label: format!("{}/{}", day.day(), day.month()),
            posts: 0,
        });
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    for (hour, n) in store.topic_hours(topic, start, end)? {
        let d = local_date(hour, tz).to_string();
        if let Some(day) = days.iter_mut().find(|x| x.date == d) {
            day.posts += n;
        }
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_reads_as_stated() {
        assert_eq!(judge(8, 4), Direction::Naik);
        assert_eq!(judge(6, 4), Direction::Naik);
        assert_eq!(judge(5, 4), Direction::Stabil, "1.25× is no rise");
        assert_eq!(judge(4, 2), Direction::Stabil, "too few posts to rise");
        assert_eq!(judge(5, 0), Direction::Baru);
        assert_eq!(judge(4, 0), Direction::Stabil);
        assert_eq!(judge(4, 8), Direction::Turun);
        assert_eq!(judge(0, 6), Direction::Turun);
        assert_eq!(judge(5, 7), Direction::Stabil, "5/7 is above 2/3");
        assert_eq!(judge(2, 4), Direction::Stabil, "too few before to fall");
        assert_eq!(judge(0, 0), Direction::Stabil);
    }
}
