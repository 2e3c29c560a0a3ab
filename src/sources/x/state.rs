//! What an `x` source remembers between polls, committed as its cursor with the posts it led
//! to: where each stream (the search, each account's timeline) stands, the month's read budget,
//! the ids of the listed accounts, and a pause X asked for.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::model::Cursor;

/// The stream key of the recent search.
pub const SEARCH: &str = "search";

/// The stream key of an account's timeline.
pub fn timeline_key(user_id: &str) -> String {
    format!("user:{user_id}")
}

/// The cursor's content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Posts read this month, against `max_posts_per_month`.
    #[serde(default)]
    pub budget: Spent,
    /// Listed usernames (lower case) → X's numeric user id, resolved once.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub users: BTreeMap<String, String>,
    /// Listed usernames X does not know (or has suspended): not asked for again, so the
    /// lookup and its warning happen once.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub unknown: BTreeSet<String>,
    /// Each stream's position, by [`SEARCH`] or [`timeline_key`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub streams: BTreeMap<String, Stream>,
    /// Unix second before which X said no request is left (`x-rate-limit-reset`, or a usage
    /// cap): until then a poll makes no request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<i64>,
}

/// Posts read in one UTC calendar month (X's own monthly cap runs on its billing day, which
/// the API does not tell a reader: a calendar month is the rule a person can check).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Spent {
    /// `YYYY-MM`, UTC.
    #[serde(default)]
    pub month: String,
    #[serde(default)]
    pub used: u64,
}

/// Where one stream stands.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stream {
    /// The newest post id taken in a finished round: the next round's `since_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_id: Option<String>,
    /// A round cut short (page cap, budget, rate limit): what is still to read below.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<Resume>,
}

/// The unread rest of a round cut short: posts newer than the stream's `since_id` and older
/// than `until_id`. It is read with `until_id` rather than a saved page token, because X says
/// tokens "may expire after some time" while ids do not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resume {
    /// The oldest post id read so far in the round (exclusive bound of the rest).
    pub until_id: String,
    /// The first page's `meta.newest_id`: the `since_id` once the rest is read.
    pub newest_id: String,
}

impl State {
    /// The state a cursor holds (a fresh one before the first poll); an error when the cursor
    /// does not read, so the caller decides what it may still trust.
    pub fn from_cursor(cursor: &Cursor) -> Result<State, String> {
        match cursor {
            Cursor::Token { value } => serde_json::from_str(value).map_err(|e| e.to_string()),
            _ => Ok(State::default()),
        }
    }

    /// A fresh state whose month at `now` is already spent under `limit`: what is left of an
    /// unreadable cursor, since its count might have been anything.
    pub fn spent(now: Timestamp, limit: u64) -> State {
        State {
            budget: Spent {
                month: month_of(now),
                used: limit,
            },
            ..State::default()
        }
    }

    pub fn to_cursor(&self) -> Cursor {
        Cursor::Token {
            value: serde_json::to_string(self).expect("a state always serialises"),
        }
    }

    /// Whether X asked for a pause that has not ended at `now`.
    pub fn paused(&self, now: Timestamp) -> bool {
        self.not_before.is_some_and(|at| now.as_second() < at)
    }

    /// Extends the pause to `until` (a Unix second).
    pub fn pause_until(&mut self, until: i64) {
        self.not_before = Some(self.not_before.unwrap_or(0).max(until));
    }

    /// Starts a new month's count when `now` is in another month than the one counted.
    pub fn roll_month(&mut self, now: Timestamp) {
        let month = month_of(now);
        if self.budget.month != month {
            self.budget = Spent { month, used: 0 };
        }
    }

    /// Posts that may still be read this month under `limit`.
    pub fn remaining(&self, limit: u64) -> u64 {
        limit.saturating_sub(self.budget.used)
    }

    /// Counts `posts` read (a page's `meta.result_count`).
    pub fn spend(&mut self, posts: u64) {
        self.budget.used = self.budget.used.saturating_add(posts);
    }

    /// Forgets the streams no longer configured, so the cursor does not grow with old ones.
    pub fn keep_streams(&mut self, keys: &BTreeSet<String>) {
        self.streams.retain(|k, _| keys.contains(k));
    }
}

/// `YYYY-MM` of `at` in UTC.
pub fn month_of(at: Timestamp) -> String {
    at.to_zoned_datetime(TimeZone::UTC)
        .strftime("%Y-%m")
        .to_string()
}

/// The first instant of the UTC month after `at`'s: when the budget is renewed.
pub fn next_month(at: Timestamp) -> Timestamp {
    let date = at.to_zoned_datetime(TimeZone::UTC).date().first_of_month();
    date.checked_add(jiff::Span::new().months(1))
        .ok()
        .and_then(|d| d.to_zoned_datetime(TimeZone::UTC).ok())
        .map_or(at, |z| z.timestamp())
}

/// `a` is a newer post id than `b`: X's ids are decimal snowflakes, newer ones larger.
pub fn newer(a: &str, b: &str) -> bool {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(a), Ok(b)) => a > b,
        _ => (a.len(), a) > (b.len(), b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_round_trips_and_a_damaged_one_starts_afresh_with_its_month_spent() {
        let mut state = State::default();
        state.roll_month("2026-12-06T18:00:00Z".parse().unwrap());
        state.spend(130);
        state
            .users
            .insert("diskominfokaltim".into(), "1460000000000000001".into());
        state.streams.insert(
            SEARCH.into(),
            Stream {
                since_id: Some("1864000000000000100".into()),
                resume: Some(Resume {
                    until_id: "1864000000000000150".into(),
                    newest_id: "1864000000000000200".into(),
                }),
            },
        );
        state.pause_until(1_796_000_000);
        assert_eq!(State::from_cursor(&state.to_cursor()), Ok(state));
        let junk = Cursor::Token {
            value: "{not json".into(),
        };
        // A damaged cursor starts its streams afresh, but its month counts as spent.
        let now: Timestamp = "2026-12-06T18:00:00Z".parse().unwrap();
        assert!(State::from_cursor(&junk).is_err());
        let afresh = State::spent(now, 10_000);
        assert_eq!(
            State {
                budget: Spent::default(),
                ..afresh.clone()
            },
            State::default()
        );
        assert_eq!(afresh.remaining(10_000), 0);
        assert_eq!(afresh.budget.month, "2026-12");
        assert_eq!(State::from_cursor(&Cursor::Start), Ok(State::default()));
    }

    #[test]
    fn the_budget_counts_per_utc_month() {
        let mut state = State::default();
        // 07:30 WITA on 1 January is still December in UTC.
        state.roll_month("2026-12-31T23:30:00Z".parse().unwrap());
        state.spend(9_990);
        assert_eq!(state.remaining(10_000), 10);
        state.spend(20);
        assert_eq!(state.remaining(10_000), 0);
        state.roll_month("2026-12-31T23:59:59Z".parse().unwrap());
        assert_eq!(state.budget.used, 10_010);
        state.roll_month("2027-01-01T00:00:00Z".parse().unwrap());
        assert_eq!(
            (state.budget.month.as_str(), state.budget.used),
            ("2027-01", 0)
        );
        assert_eq!(
            next_month("2026-12-31T23:30:00Z".parse().unwrap()),
            "2027-01-01T00:00:00Z".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn ids_compare_as_numbers() {
        assert!(newer("1864000000000000200", "999999999999999999"));
        assert!(!newer("20", "100"));
        assert!(!newer("5", "5"));
    }

    #[test]
    fn pauses_end_at_their_second() {
        let mut state = State::default();
        state.pause_until(100);
        state.pause_until(50);
        assert_eq!(state.not_before, Some(100));
        assert!(state.paused(Timestamp::from_second(99).unwrap()));
        assert!(!state.paused(Timestamp::from_second(100).unwrap()));
    }
}
