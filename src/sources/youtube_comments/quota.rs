//! The YouTube Data API's quota as this source keeps it: units spent on the current Pacific
//! day (Google's quotas reset at midnight Pacific Time, America/Los_Angeles, so 07:00 or 08:00
//! UTC by daylight saving), against the source's `daily_quota`. A call is made only when its
//! cost still fits ([`Ledger::charge`]), so the source never spends past its budget; the
//! spent units travel in the cursor (a restart remembers them) and in the poller (a poll that
//! failed after spending still counts).
//!
//! Google's table counts `search.list` at 100 units and list calls at 1 (the figures the
//! issue and most copies of the reference give); its newer text gives `search.list` a bucket
//! of its own, 100 calls a day. The costs are keys of the source (`search_cost`, `list_cost`),
//! so either reading can be configured.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};
use serde::{Deserialize, Serialize};

/// The zone whose midnight renews the quota.
fn pacific() -> TimeZone {
    // The bundled tz database always has it; the fixed offset is PST, never used in practice.
    TimeZone::get("America/Los_Angeles").unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(-8)))
}

/// The Pacific date of `at`: the quota day it counts against.
pub fn quota_day(at: Timestamp) -> Date {
    at.to_zoned_datetime(pacific()).date()
}

/// The next midnight Pacific after `at`, when a used-up quota is renewed.
pub fn next_reset(at: Timestamp) -> Timestamp {
    let tz = pacific();
    let day = at.to_zoned_datetime(tz.clone()).date();
    day.tomorrow()
        .and_then(|d| d.to_zoned_datetime(tz))
        .map(|z: ZonedDateTime| z.timestamp())
        // Only at the end of jiff's calendar: a day later is as good.
        .unwrap_or_else(|_| at + jiff::SignedDuration::from_hours(24))
}

/// Units spent on one Pacific day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    /// The Pacific date the units were spent on; `None` before the first call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<Date>,
    #[serde(default)]
    pub spent: u64,
}

impl Ledger {
    /// The ledger as it stands at `now`: a new Pacific day starts from nothing.
    pub fn at(self, now: Timestamp) -> Ledger {
        let today = quota_day(now);
        match self.day {
            Some(day) if day == today => self,
            _ => Ledger {
                day: Some(today),
                spent: 0,
            },
        }
    }

    /// Of two ledgers of the same day, the one that spent more (the cursor's and the poller's:
    /// a failed poll spends without committing).
    pub fn most(self, other: Ledger) -> Ledger {
        if self.day == other.day && other.spent > self.spent {
            other
        } else {
            self
        }
    }

    /// Whether `cost` more units fit in `budget`.
    pub fn affords(&self, cost: u64, budget: u64) -> bool {
        self.spent.saturating_add(cost) <= budget
    }

    /// Counts `cost` units when they fit in `budget`; false (and nothing counted) otherwise.
    pub fn charge(&mut self, cost: u64, budget: u64) -> bool {
        if !self.affords(cost, budget) {
            return false;
        }
        self.spent += cost;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn the_quota_day_turns_at_midnight_pacific_with_daylight_saving() {
        // Summer (PDT, UTC−7): midnight is 07:00 UTC.
        assert_eq!(
            quota_day(ts("2026-07-01T06:59:59Z")).to_string(),
            "2026-06-30"
        );
        assert_eq!(
            quota_day(ts("2026-07-01T07:00:00Z")).to_string(),
            "2026-07-01"
        );
        assert_eq!(
            next_reset(ts("2026-07-01T06:00:00Z")),
            ts("2026-07-01T07:00:00Z")
        );
        // Winter (PST, UTC−8): 08:00 UTC; 15:00 WITA is still the same Pacific day.
        assert_eq!(
            next_reset(ts("2026-12-06T07:59:00Z")),
            ts("2026-12-06T08:00:00Z")
        );
        assert_eq!(
            next_reset(ts("2026-12-06T08:00:00Z")),
            ts("2026-12-07T08:00:00Z")
        );
        // The night DST ends (1 Nov 2026) the Pacific day is 25 hours long.
        assert_eq!(
            next_reset(ts("2026-11-01T12:00:00Z")),
            ts("2026-11-02T08:00:00Z")
        );
    }

    #[test]
    fn the_ledger_never_spends_past_the_budget_and_starts_again_each_day() {
        let now = ts("2026-12-06T10:00:00Z");
        let mut ledger = Ledger::default().at(now);
        assert!(ledger.charge(100, 102));
        assert!(ledger.charge(1, 102));
        assert!(ledger.charge(1, 102));
        assert!(!ledger.charge(1, 102));
        assert_eq!(ledger.spent, 102);
        // The same day later: kept; the next Pacific day: renewed.
        assert_eq!(ledger.at(ts("2026-12-07T07:59:00Z")).spent, 102);
        assert_eq!(ledger.at(ts("2026-12-07T08:00:00Z")).spent, 0);
        // The larger of the same day's counts wins; another day's does not.
        let less = Ledger { spent: 5, ..ledger };
        assert_eq!(less.most(ledger).spent, 102);
        let old = Ledger {
            day: quota_day(ts("2026-12-01T10:00:00Z")).into(),
            spent: 900,
        };
        assert_eq!(less.most(old).spent, 5);
    }
}
