//! The rising-issue rule itself, on plain numbers: no store, no clock. The detector benchmark
//! (tests/trends_detector.rs) runs this same function over generated streams.
//!
//! For one topic (or one topic in one kabupaten/kota) and a window of the last W hours:
//! - **count** `c`: stories (near-duplicates once) in the window;
//! - **baseline** `λ`: the mean count in the same clock hours on each of the previous 7 days
//!   (fewer when the store is younger). The same hours of the day take the daily cycle into
//!   account; seven days hold every weekday once, so a quiet weekend neither inflates a Monday
//!   nor hides one;
//! - **expected**: the baseline as if the history held one story more (a mean of a few small
//!   counts is too low more often than too high), and never less than 0.5: a topic never seen
//!   before is measured against half a story, so new is reported as new, not as infinitely
//!   significant;
//! - **swing** `φ`: how much more the history varies from day to day than chance would have
//!   it (variance over mean, 1 to 10; a news cycle);
//! - **surprise**: −log₁₀ of the Poisson probability of seeing `c/φ` or more when `expected/φ`
//!   is expected (quasi-Poisson: counts in units of the usual swing);
//! - **corroboration**: one source alone halves the surprise; stories in both news and social
//!   media raise it by a quarter;
//! - **score** = surprise × corroboration;
//! - **rising** when `c ≥ 5` (the noise floor: 1 → 3 is no alarm), `c ≥ 3 × max(λ, 0.5)`, and
//!   `score ≥ 4` (under one in ten thousand by chance, for two sources or more: the rule is
//!   checked every hour, so a rarer event than one in a thousand is needed to keep false
//!   alarms to a few a year per topic; docs/trends.md has the measured figures).

use serde::Serialize;

use crate::format::{count, format_decimal};
use crate::time::Lang;

/// Thresholds of the rule. [`Rule::default`] holds the values that docs/trends.md measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// Fewest stories in the window for a rise.
    pub min_count: u64,
    /// Fewest times the baseline for a rise.
    pub min_ratio: f64,
    /// Lowest score for a rise.
    pub min_score: f64,
    /// The baseline never counts as less than this (stories per window).
    pub baseline_floor: f64,
}

impl Default for Rule {
    fn default() -> Rule {
        Rule {
            min_count: 5,
            min_ratio: 3.0,
            min_score: 4.0,
            baseline_floor: 0.5,
        }
    }
}

/// Days of baseline the rule looks back at most.
pub const BASELINE_DAYS: usize = 7;

/// What is known about one topic (or topic × region) in one window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observation {
    /// Stories in the window.
    pub count: u64,
    /// Stories in the same window on each previous day with data, most recent first
    /// (at most [`BASELINE_DAYS`]; empty when the store has no earlier day).
    pub history: Vec<u64>,
    /// Distinct sources with posts in the window.
    pub sources: u64,
    /// Whether news sources (feeds, Google News) carried it.
    pub news: bool,
    /// Whether social media (Mastodon, Reddit, Bluesky, Telegram, YouTube) carried it.
    pub social: bool,
    /// Kabupaten/kota it was seen in (0 for a region's own entry).
    pub areas: u64,
}

/// The rule's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// Mean stories per window over the history (unfloored), one decimal.
    pub baseline: f64,
    /// `count / max(baseline, 0.5)`, one decimal: what the reason shows.
    pub ratio: f64,
    pub score: f64,
    pub rising: bool,
    /// No story in any day of the history (or no history at all).
    pub new: bool,
    pub direction: Direction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Baru,
    Naik,
    Stabil,
    Turun,
}

impl Direction {
    /// The word stored and shown: `baru`, `naik`, `stabil`, `turun`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Baru => "baru",
            Direction::Naik => "naik",
            Direction::Stabil => "stabil",
            Direction::Turun => "turun",
        }
    }
}

impl Rule {
    pub fn assess(&self, o: &Observation) -> Assessment {
        let baseline = if o.history.is_empty() {
            0.0
        } else {
            o.history.iter().sum::<u64>() as f64 / o.history.len() as f64
        };
        // A mean of a few small counts is uncertain and more often too low than too high
        // (the days that happened to be quiet): the history counts as if it held one story
        // more than it did.
        let smoothed = if o.history.is_empty() {
            0.0
        } else {
            (o.history.iter().sum::<u64>() + 1) as f64 / o.history.len() as f64
        };
        let expected = smoothed.max(self.baseline_floor);
        // The ratio shown is against the plain mean, as people compute it.
        let ratio = o.count as f64 / baseline.max(self.baseline_floor);
        // Quasi-Poisson: counts that swing from day to day more than chance would have them
        // (a news cycle) are measured in units of that swing, so a usual busy day is no alarm.
        let phi = dispersion(&o.history, expected);
        let score =
            surprise((o.count as f64 / phi).floor() as u64, expected / phi) * corroboration(o);
        let new = o.count > 0 && o.history.iter().all(|&n| n == 0);
        let rising =
            o.count >= self.min_count && ratio >= self.min_ratio && score >= self.min_score;
        let direction = if new {
            Direction::Baru
        } else if rising {
            Direction::Naik
        } else if baseline >= 3.0 && ratio <= 2.0 / 3.0 {
            Direction::Turun
        } else {
            Direction::Stabil
        };
        Assessment {
            baseline: round1(baseline),
            ratio: round1(ratio),
            score: round1(score),
            rising,
            new,
            direction,
        }
    }

    /// The plain-language reason, e.g. "naik 4,2× dari rata-rata 7 hari (2,1 cerita);
    /// 9 sumber; 3 kab/kota".
    pub fn reason(&self, o: &Observation, a: &Assessment, lang: Lang) -> String {
        let dec = |x: f64| format_decimal(x, lang);
        let mut parts = vec![headline(o, a, lang)];
        if !a.rising && o.count < self.min_count {
            parts.push(match lang {
                Lang::Id => format!("di bawah ambang {} cerita", self.min_count),
                Lang::En => format!("below the {}-story floor", self.min_count),
            });
        } else if !a.rising && a.ratio >= self.min_ratio && a.score < self.min_score {
            parts.push(match lang {
                Lang::Id => format!(
                    "belum bermakna (skor {} < {})",
                    dec(a.score),
                    dec(self.min_score)
                ),
                Lang::En => format!(
                    "not yet significant (score {} < {})",
                    dec(a.score),
                    dec(self.min_score)
                ),
            });
        }
        parts.push(match (lang, o.sources) {
            (Lang::Id, 1) => "1 sumber (belum terkonfirmasi)".to_string(),
            (Lang::En, 1) => "1 source (unconfirmed)".to_string(),
            (Lang::Id, n) => format!("{n} sumber"),
            (Lang::En, n) => format!("{n} sources"),
        });
        if o.news && o.social {
            parts.push(match lang {
                Lang::Id => "berita dan media sosial".into(),
                Lang::En => "news and social media".into(),
            });
        }
        if o.areas > 0 {
            parts.push(match lang {
                Lang::Id => format!("{} kab/kota", o.areas),
                Lang::En => count(o.areas, "regions", lang),
            });
        }
        parts.join("; ")
    }
}

/// The reason's first part: the direction with the count and the baseline behind it.
fn headline(o: &Observation, a: &Assessment, lang: Lang) -> String {
    let days = o.history.len();
    let dec = |x: f64| format_decimal(x, lang);
    match (lang, a.direction) {
        (Lang::Id, Direction::Baru) if days == 0 => {
            format!("baru muncul: {} cerita (belum ada riwayat)", o.count)
        }
        (Lang::En, Direction::Baru) if days == 0 => {
            format!("new: {} (no history yet)", count(o.count, "stories", lang))
        }
        (Lang::Id, Direction::Baru) => {
            format!(
                "baru muncul: {} cerita, tidak ada dalam {days} hari sebelumnya",
                o.count
            )
        }
        (Lang::En, Direction::Baru) => {
            format!(
                "new: {}, none in the {days} days before",
                count(o.count, "stories", lang)
            )
        }
        (Lang::Id, Direction::Naik) if a.baseline < 1.0 => format!(
            "naik menjadi {} cerita dari rata-rata {} pada {days} hari sebelumnya",
            o.count,
            dec(a.baseline)
        ),
        (Lang::En, Direction::Naik) if a.baseline < 1.0 => format!(
            "up to {} from an average of {} over the {days} days before",
            count(o.count, "stories", lang),
            dec(a.baseline)
        ),
        (Lang::Id, Direction::Naik) => format!(
            "naik {}× dari rata-rata {days} hari ({} cerita)",
            dec(a.ratio),
            dec(a.baseline)
        ),
        (Lang::En, Direction::Naik) => format!(
            "up {}× on the {days}-day average ({} stories)",
            dec(a.ratio),
            dec(a.baseline)
        ),
        (Lang::Id, Direction::Turun) => format!(
            "turun: {} cerita, rata-rata {days} hari {}",
            o.count,
            dec(a.baseline)
        ),
        (Lang::En, Direction::Turun) => format!(
            "down: {}, {days}-day average {}",
            count(o.count, "stories", lang),
            dec(a.baseline)
        ),
        (Lang::Id, Direction::Stabil) => format!(
            "{} cerita, rata-rata {days} hari {}",
            o.count,
            dec(a.baseline)
        ),
        (Lang::En, Direction::Stabil) => format!(
            "{}, {days}-day average {}",
            count(o.count, "stories", lang),
            dec(a.baseline)
        ),
    }
}

/// How much more the history varies than a Poisson count would: the sample variance over the
/// mean, 1 to [`MAX_DISPERSION`]; 1 with fewer than three days of history.
pub fn dispersion(history: &[u64], expected: f64) -> f64 {
    if history.len() < 3 {
        return 1.0;
    }
    let n = history.len() as f64;
    let mean = history.iter().sum::<u64>() as f64 / n;
    let var = history
        .iter()
        .map(|&x| (x as f64 - mean).powi(2))
        .sum::<f64>()
        / (n - 1.0);
    (var / expected).clamp(1.0, MAX_DISPERSION)
}

/// The most the day-to-day swing may discount a count.
pub const MAX_DISPERSION: f64 = 10.0;

/// The corroboration factor: 0.5 for one source, 1 for more, 1.25 for news and social both.
pub fn corroboration(o: &Observation) -> f64 {
    let sources = if o.sources <= 1 { 0.5 } else { 1.0 };
    let kinds = if o.news && o.social { 1.25 } else { 1.0 };
    sources * kinds
}

/// −log₁₀ P(X ≥ count) for X ~ Poisson(expected), capped at 99; 0 when count is 0.
pub fn surprise(count: u64, expected: f64) -> f64 {
    if count == 0 || expected <= 0.0 {
        return 0.0;
    }
    let c = count as f64;
    if c <= expected {
        // The upper tail is large here: 1 − P(X < c), summed directly.
        let mut term = (-expected).exp();
        let mut below = 0.0;
        for k in 0..count {
            below += term;
            term *= expected / (k + 1) as f64;
        }
        return -(1.0 - below).max(f64::MIN_POSITIVE).log10();
    }
    // Sum the tail from c upwards in log space: terms fall off quickly past the mean.
    let log_first = -expected + c * expected.ln() - ln_factorial(count);
    let mut sum = 1.0;
    let mut term = 1.0;
    let mut k = count;
    while term > 1e-17 * sum && k < count + 10_000 {
        k += 1;
        term *= expected / k as f64;
        sum += term;
    }
    let log10_p = (log_first + sum.ln()) / std::f64::consts::LN_10;
    (-log10_p).clamp(0.0, 99.0)
}

fn ln_factorial(n: u64) -> f64 {
    if n < 64 {
        (2..=n).map(|k| (k as f64).ln()).sum()
    } else {
        // Stirling's series; exact to ~1e-10 at these sizes.
        let n = n as f64;
        n * n.ln() - n + 0.5 * (2.0 * std::f64::consts::PI * n).ln() + 1.0 / (12.0 * n)
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(count: u64, history: &[u64], sources: u64) -> Observation {
        Observation {
            count,
            history: history.to_vec(),
            sources,
            news: true,
            social: false,
            areas: 1,
        }
    }

    #[test]
    fn poisson_tails_are_right() {
        // P(X ≥ 1 | 1) = 1 − e⁻¹ = 0.632
        assert!((surprise(1, 1.0) - 0.1992).abs() < 1e-3);
        // P(X ≥ 5 | 0.5) = 1.72e-4
        assert!((surprise(5, 0.5) - 3.764).abs() < 1e-2);
        // P(X ≥ 10 | 2) = 4.65e-5
        assert!((surprise(10, 2.0) - 4.333).abs() < 1e-2);
        assert!(surprise(100_000, 1.0) <= 99.0);
        assert!(surprise(70, 64.0) > 0.0 && surprise(70, 64.0) < 1.0);
    }

    #[test]
    fn small_numbers_do_not_alarm() {
        let rule = Rule::default();
        // 1 → 3 is no alarm, however steep.
        assert!(!rule.assess(&obs(3, &[1, 0, 1, 0, 1, 0, 1], 3)).rising);
        // A real rise is.
        let a = rule.assess(&obs(12, &[2, 1, 2, 3, 1, 2, 2], 6));
        assert!(a.rising, "{a:?}");
        assert_eq!(a.direction, Direction::Naik);
        // A busy topic up by a fifth is steady, though Poisson calls it unlikely.
        let a = rule.assess(&obs(130, &[100; 7], 20));
        assert!(!a.rising);
        assert_eq!(a.direction, Direction::Stabil);
        assert_eq!(
            rule.assess(&obs(20, &[100; 7], 5)).direction,
            Direction::Turun
        );
    }

    #[test]
    fn a_first_appearance_is_new_and_finite() {
        let rule = Rule::default();
        let a = rule.assess(&obs(6, &[0; 7], 4));
        assert!(a.new && a.rising, "{a:?}");
        assert!(a.score.is_finite() && a.score < 10.0);
        assert_eq!(a.direction, Direction::Baru);
        let o = obs(6, &[0; 7], 4);
        assert_eq!(
            rule.reason(&o, &a, Lang::Id),
            "baru muncul: 6 cerita, tidak ada dalam 7 hari sebelumnya; 4 sumber; 1 kab/kota"
        );
    }

    #[test]
    fn one_source_alone_is_not_enough_for_a_modest_rise() {
        let rule = Rule::default();
        let lone = rule.assess(&obs(8, &[1, 1, 0, 1, 1, 0, 1], 1));
        let many = rule.assess(&obs(8, &[1, 1, 0, 1, 1, 0, 1], 4));
        assert!(!lone.rising && many.rising, "{lone:?} {many:?}");
        let o = Observation {
            news: true,
            social: true,
            areas: 3,
            ..obs(21, &[5, 4, 6, 5, 5, 5, 5], 9)
        };
        let a = rule.assess(&o);
        assert_eq!(
            rule.reason(&o, &a, Lang::Id),
            "naik 4,2× dari rata-rata 7 hari (5 cerita); 9 sumber; berita dan media sosial; 3 kab/kota"
        );
    }
}
