//! The numbers of one period per topic that both the briefing and the dashboard show: posts in
//! the period and in each of the seven periods of the same length before it, and the trend
//! rule's verdict over the period's window.
//!
//! [`PeriodReport::read`] asks the store once per period for every topic's posts (the hourly
//! rollups, so adjacent periods add up to their union) and runs [`trends::compute`] once.
//! [`super::build`] turns the report into the briefing's issues and the dashboard
//! (`server::dashboard`) into its topic lines and cards, so the two show the same numbers.

use std::collections::{HashMap, HashSet};

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

use super::{DayCount, RegionCount};
use crate::classify::Classifier;
use crate::store::{Reports, StoreError};
use crate::time::{Lang, day_bounds, local_date, window_end};
use crate::trends::{self, Direction, Rule, Trend, Window};

/// Periods counted: the report's own and the seven before it.
pub const PERIODS: usize = 8;

/// The period a report covers, and where the trend rule's window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// The period is [start, end).
    pub start: Timestamp,
    pub end: Timestamp,
    /// The end of the trend rule's window: the period's own end once it is over; the end of
    /// the hour in progress while it runs (see [`window_end`]).
    pub trend_end: Timestamp,
}

impl Frame {
    /// A period that is over, such as a briefing's day.
    pub fn closed(start: Timestamp, end: Timestamp) -> Frame {
        Frame {
            start,
            end,
            trend_end: end,
        }
    }

    /// The 24 hours up to `now`, still running.
    pub fn last_day(now: Timestamp) -> Frame {
        Frame {
            start: now - SignedDuration::from_hours(24),
            end: now,
            trend_end: window_end(now),
        }
    }

    /// The length of the period and of each period before it.
    fn length(&self) -> SignedDuration {
        self.end.duration_since(self.start)
    }

    /// The trend rule's window: the period's length in whole hours, so the trend is the rule's
    /// over the period itself, the same numbers `pantau trends` and the alerts use. A day of
    /// 25 hours (a zone with daylight saving; WITA has none) is longer than the rule's longest
    /// window and is measured as 24 hours ending at its end.
    fn window(&self) -> Window {
        Window::from_hours(self.length().as_hours()).unwrap_or_default()
    }

    /// The [`PERIODS`] periods counted, oldest first; the last is the frame's own.
    fn periods(&self) -> [(Timestamp, Timestamp); PERIODS] {
        let length = self.length();
        std::array::from_fn(|i| {
            let end = self.end - length * (PERIODS - 1 - i) as i32;
            (end - length, end)
        })
    }
}

/// One topic's numbers in a report.
#[derive(Debug, Clone, Default)]
pub struct TopicPeriod {
    /// Posts in each period counted, oldest first: the last is the report's own period, the
    /// one before it the previous period.
    pub counts: [u64; PERIODS],
    /// The trend rule's line for the topic over all regions; `None` when the topic had no
    /// story in the window.
    pub trend: Option<Trend>,
}

/// The numbers of a topic with no post in any period counted.
static NOTHING: TopicPeriod = TopicPeriod {
    counts: [0; PERIODS],
    trend: None,
};

impl TopicPeriod {
    /// Posts in the period.
    pub fn posts(&self) -> u64 {
        self.counts[PERIODS - 1]
    }

    /// Posts in the period of the same length just before.
    pub fn previous(&self) -> u64 {
        self.counts[PERIODS - 2]
    }

    /// Posts in the seven periods before the period.
    pub fn before(&self) -> u64 {
        self.counts[..PERIODS - 1].iter().sum()
    }

    /// Posts in the seven periods ending with the period.
    pub fn last_seven(&self) -> u64 {
        self.counts[1..].iter().sum()
    }

    /// The trend rule's direction; steady for a topic the rule did not see.
    pub fn direction(&self) -> Direction {
        self.trend
            .as_ref()
            .map_or(Direction::Stabil, |t| t.direction)
    }

    /// Stories (near-duplicates once) in the trend rule's window.
    pub fn stories(&self) -> u64 {
        self.trend.as_ref().map_or(0, |t| t.count)
    }

    pub fn score(&self) -> f64 {
        self.trend.as_ref().map_or(0.0, |t| t.score)
    }

    pub fn rising(&self) -> bool {
        self.trend.as_ref().is_some_and(|t| t.rising)
    }

    /// The trend rule's plain reason; empty for a topic the rule did not see.
    pub fn reason(&self) -> &str {
        self.trend.as_ref().map_or("", |t| t.reason.as_str())
    }
}

/// Every topic's numbers for one frame.
#[derive(Debug, Clone)]
pub struct PeriodReport {
    pub frame: Frame,
    topics: HashMap<String, TopicPeriod>,
    /// (topic, kabupaten/kota) pairs the trend rule finds rising over the period's window.
    rising_areas: HashSet<(String, String)>,
}

impl PeriodReport {
    /// Reads the counts of the [`PERIODS`] periods and the trend rule's lines; the reasons
    /// are written in `lang`.
    pub fn read(
        store: &impl Reports,
        classifier: &Classifier,
        frame: Frame,
        lang: Lang,
    ) -> Result<PeriodReport, StoreError> {
        let mut topics: HashMap<String, TopicPeriod> = HashMap::new();
        for (i, (start, end)) in frame.periods().into_iter().enumerate() {
            for (topic, n) in store.topic_counts(start, end)? {
                topics.entry(topic).or_default().counts[i] = n;
            }
        }
        let lines = trends::compute(
            store,
            classifier,
            frame.trend_end,
            frame.window(),
            &Rule::default(),
            lang,
        )?;
        let mut rising_areas = HashSet::new();
        for line in lines {
            match &line.region {
                Some(region) => {
                    if line.rising {
                        rising_areas.insert((line.topic.clone(), region.clone()));
                    }
                }
                None => {
                    let numbers = topics.entry(line.topic.clone()).or_default();
                    numbers.trend = Some(line);
                }
            }
        }
        Ok(PeriodReport {
            frame,
            topics,
            rising_areas,
        })
    }

    /// Whether the trend rule finds `topic` rising in the kabupaten/kota `region` (the same
    /// rule as for the topic over all regions, on that area's own counts).
    pub fn rising_in(&self, topic: &str, region: &str) -> bool {
        self.rising_areas
            .contains(&(topic.to_string(), region.to_string()))
    }

    /// Posts of `topic` per kabupaten/kota in the period (primary tags, from the hourly
    /// counts), most first, each named from the lists in force and marked where the topic is
    /// rising in it.
    pub fn topic_areas(
        &self,
        store: &impl Reports,
        classifier: &Classifier,
        topic: &str,
    ) -> Result<Vec<RegionCount>, StoreError> {
        Ok(store
            .topic_areas(topic, self.frame.start, self.frame.end)?
            .into_iter()
            .map(|(id, posts)| RegionCount {
                name: region_name(classifier, &id),
                rising: self.rising_in(topic, &id),
                id,
                posts,
            })
            .collect())
    }

    /// Issue posts per kabupaten/kota over every topic with posts in the period (a post about
    /// two issues counts for each, as in the issues' own tables), most first; an area is
    /// marked rising when any topic is rising in it. The dashboard's map; the briefing sums
    /// its issues' areas with [`merge_areas`] to the same numbers.
    pub fn areas(
        &self,
        store: &impl Reports,
        classifier: &Classifier,
    ) -> Result<Vec<RegionCount>, StoreError> {
        let mut per_topic = Vec::new();
        for topic in classifier.topics() {
            if self.topic(topic.id.as_str()).posts() > 0 {
                per_topic.push(self.topic_areas(store, classifier, topic.id.as_str())?);
            }
        }
        Ok(merge_areas(per_topic.iter().flatten()))
    }

    /// The numbers of `topic` (all zero for a topic with no post).
    pub fn topic(&self, topic: &str) -> &TopicPeriod {
        self.topics.get(topic).unwrap_or(&NOTHING)
    }

    /// Posts of `topic` in the seven periods ending with the report's own, each named by the
    /// local date it ends on: the briefing's chart, whose last bar is the period's volume and
    /// the one before it the previous period's. For a daily briefing these are the 7 local
    /// days up to its date; for the demo's last 24 hours they are the 24-hour stretches ending
    /// at the same hour.
    pub fn series(&self, topic: &str, tz: &TimeZone) -> Vec<DayCount> {
        let counts = &self.topic(topic).counts;
        self.frame
            .periods()
            .iter()
            .zip(counts)
            .skip(1)
            .map(|(&(_, end), &posts)| {
                let d = local_date(end - SignedDuration::from_secs(1), tz);
                DayCount {
                    date: d.to_string(),
                    label: format!("{}/{}", d.day(), d.month()),
                    posts,
                }
            })
            .collect()
    }

    /// Posts of `topic` per local day for the 7 days ending with the day the period ends in,
    /// that day counted up to the period's end: the dashboard's chart, which reads as calendar
    /// days while the period still runs.
    pub fn local_days(
        &self,
        store: &impl Reports,
        topic: &str,
        tz: &TimeZone,
    ) -> Result<Vec<DayCount>, StoreError> {
        let now = self.frame.end;
        let today = local_date(now, tz);
        let first = today.checked_sub(6.days()).unwrap_or(today);
        let mut days: Vec<DayCount> = (0..7)
            .filter_map(|i| first.checked_add(i.days()).ok())
            .map(|d| DayCount {
                date: d.to_string(),
                label: format!("{}/{}", d.day(), d.month()),
                posts: 0,
            })
            .collect();
        for (hour, n) in store.topic_hours(topic, day_bounds(first, tz).0, now)? {
            let d = local_date(hour, tz).to_string();
            if let Some(day) = days.iter_mut().find(|x| x.date == d) {
                day.posts += n;
            }
        }
        Ok(days)
    }
}

/// A region's name in the lists in force; its id when the lists no longer know it.
fn region_name(classifier: &Classifier, id: &str) -> String {
    classifier
        .region(&id.into())
        .map_or_else(|| id.to_string(), |r| r.name.clone())
}

/// Adds up per-topic counts per kabupaten/kota (rising when any is), most first, then by name.
pub fn merge_areas<'a>(counts: impl IntoIterator<Item = &'a RegionCount>) -> Vec<RegionCount> {
    let mut areas: Vec<RegionCount> = Vec::new();
    for r in counts {
        match areas.iter_mut().find(|a| a.id == r.id) {
            Some(a) => {
                a.posts += r.posts;
                a.rising |= r.rising;
            }
            None => areas.push(r.clone()),
        }
    }
    areas.sort_by(|a, b| b.posts.cmp(&a.posts).then(a.name.cmp(&b.name)));
    areas
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_periods_tile_the_eight_before_the_end() {
        let end: Timestamp = "2026-11-26T16:00:00Z".parse().unwrap();
        let frame = Frame::closed(end - SignedDuration::from_hours(24), end);
        let periods = frame.periods();
        assert_eq!(periods[PERIODS - 1], (frame.start, frame.end));
        assert_eq!(periods[0].0, end - SignedDuration::from_hours(24 * 8));
        for pair in periods.windows(2) {
            assert_eq!(pair[0].1, pair[1].0);
        }
        assert_eq!(frame.window(), Window::DAY);
    }

    #[test]
    fn a_running_day_ends_its_trend_window_with_the_hour() {
        let now: Timestamp = "2026-11-26T07:20:00Z".parse().unwrap();
        let frame = Frame::last_day(now);
        assert_eq!(frame.end, now);
        assert_eq!(frame.trend_end, "2026-11-26T08:00:00Z".parse().unwrap());
    }

    #[test]
    fn the_week_is_counted_before_and_up_to_the_period() {
        let numbers = TopicPeriod {
            counts: [1, 2, 3, 4, 5, 6, 7, 8],
            trend: None,
        };
        assert_eq!(numbers.posts(), 8);
        assert_eq!(numbers.previous(), 7);
        assert_eq!(numbers.before(), 28);
        assert_eq!(numbers.last_seven(), 35);
        assert_eq!(numbers.direction(), Direction::Stabil);
        assert_eq!(
            (numbers.stories(), numbers.rising(), numbers.reason()),
            (0, false, "")
        );
    }

    #[test]
    fn areas_add_up_across_topics_and_stay_rising() {
        let area = |id: &str, posts, rising| RegionCount {
            id: id.into(),
            name: id.into(),
            posts,
            rising,
        };
        let merged = merge_areas(&[
            area("samarinda", 3, false),
            area("berau", 4, false),
            area("samarinda", 2, true),
        ]);
        assert_eq!(
            merged
                .iter()
                .map(|a| (a.id.as_str(), a.posts, a.rising))
                .collect::<Vec<_>>(),
            [("samarinda", 5, true), ("berau", 4, false)]
        );
    }
}
