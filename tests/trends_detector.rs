//! The detector benchmark: the trend rule (`pantau::trends::Rule`, the same function the
//! daemon runs) over generated hourly story streams with daily and weekly cycles, day-to-day
//! swings and Poisson noise, with spikes of known size and start injected. It reports the
//! detection rate, the median delay and the false alarms per topic-week, and holds them to
//! bounds. docs/trends.md quotes its output (`cargo test --test trends_detector -- --nocapture`).

use pantau::trends::{Observation, Rule};

const HOURS_PER_DAY: usize = 24;
const WEEKS: usize = 9;
/// The first week only builds the baseline.
const WARMUP: usize = 7 * HOURS_PER_DAY;
/// After an alert, rising hours within this many hours are the same episode (the daemon's
/// cooldown).
const COOLDOWN: usize = 12;
/// A spike counts as found when flagged within this many hours of its start.
const DETECT_WITHIN: usize = 24;
const SOURCES: usize = 12;

/// Mean stories per hour at the busiest hour of a weekday, per kind of topic: from a topic
/// that shows up a few times a week to a busy one.
const BASE_RATES: [f64; 6] = [0.02, 0.08, 0.25, 0.6, 1.5, 4.0];
const STREAMS_PER_RATE: usize = 12;
/// Extra stories a spike brings over its 12 hours.
const SPIKE_SIZES: [u64; 5] = [5, 10, 20, 40, 80];

fn poisson(rng: &mut fastrand::Rng, lambda: f64) -> u64 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda > 30.0 {
        // Normal approximation for large means.
        let u1 = rng.f64().max(1e-12);
        let u2 = rng.f64();
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        return (lambda + z * lambda.sqrt()).round().max(0.0) as u64;
    }
    let l = (-lambda).exp();
    let (mut k, mut p) = (0, 1.0);
    loop {
        p *= rng.f64();
        if p <= l {
            return k;
        }
        k += 1;
    }
}

/// The hourly mean: a daytime bump (quiet at night, WITA), weekends at 60 %, and each day's
/// own swing (log-normal, σ = 0.35) so that days differ as real ones do.
fn background(rng: &mut fastrand::Rng, base: f64, hours: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(hours);
    let mut day_factor = 1.0;
    for h in 0..hours {
        let hour = h % HOURS_PER_DAY;
        let day = h / HOURS_PER_DAY;
        if hour == 0 {
            let u1 = rng.f64().max(1e-12);
            let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * rng.f64()).cos();
            day_factor = (0.35 * z - 0.35 * 0.35 / 2.0).exp();
        }
        let daytime = if (6..22).contains(&hour) {
            0.35 + 0.65 * ((hour - 6) as f64 / 16.0 * std::f64::consts::PI).sin()
        } else {
            0.15
        };
        let weekend = if day % 7 >= 5 { 0.6 } else { 1.0 };
        out.push(base * daytime * weekend * day_factor);
    }
    out
}

struct Stream {
    stories: Vec<u64>,
    /// Distinct sources per hour (for the corroboration of a window).
    sources: Vec<Vec<u8>>,
    spike: Option<(usize, u64)>,
}

fn stream(rng: &mut fastrand::Rng, base: f64, spike: Option<(usize, u64)>) -> Stream {
    let hours = WEEKS * 7 * HOURS_PER_DAY;
    let mean = background(rng, base, hours);
    let mut stories = Vec::with_capacity(hours);
    let mut sources = Vec::with_capacity(hours);
    for (h, m) in mean.iter().enumerate() {
        let mut n = poisson(rng, *m);
        // A spike ramps up over 12 hours: its stories spread over the hours as 1..=12.
        if let Some((start, size)) = spike
            && (start..start + 12).contains(&h)
        {
            let step = (h - start + 1) as f64;
            n += poisson(rng, size as f64 * step / 78.0);
        }
        stories.push(n);
        sources.push((0..n.min(40)).map(|_| rng.u8(..SOURCES as u8)).collect());
    }
    Stream {
        stories,
        sources,
        spike,
    }
}

/// The observation at the end of hour `end` (exclusive) for a window of `w` hours.
fn observe(s: &Stream, end: usize, w: usize) -> Observation {
    let count: u64 = s.stories[end - w..end].iter().sum();
    let history = (1..=7)
        .map(|d| s.stories[end - w - d * 24..end - d * 24].iter().sum())
        .collect();
    let mut seen = [false; SOURCES];
    for h in end - w..end {
        for &src in &s.sources[h] {
            seen[src as usize] = true;
        }
    }
    let sources = seen.iter().filter(|&&x| x).count() as u64;
    Observation {
        count,
        history,
        sources,
        // Half the pool is news, half social.
        news: seen[..SOURCES / 2].iter().any(|&x| x),
        social: seen[SOURCES / 2..].iter().any(|&x| x),
        areas: 1,
    }
}

struct Outcome {
    detected: bool,
    delay: Option<usize>,
    false_alarms: usize,
}

/// Runs the rule hourly over a stream; alerts collapse into episodes as the daemon's do.
fn run(rule: &Rule, s: &Stream, window: usize) -> Outcome {
    let hours = s.stories.len();
    let mut last_rising: Option<usize> = None;
    let mut false_alarms = 0;
    let mut delay = None;
    for end in WARMUP + window..=hours {
        if !rule.assess(&observe(s, end, window)).rising {
            continue;
        }
        let hour = end - 1;
        let new_episode = last_rising.is_none_or(|l| hour - l > COOLDOWN);
        last_rising = Some(hour);
        if !new_episode {
            continue;
        }
        match s.spike {
            Some((start, _)) if (start..start + DETECT_WITHIN).contains(&hour) => {
                delay.get_or_insert(hour - start);
            }
            // Rising while a spike is still in the window is the spike, not a false alarm.
            Some((start, _)) if (start..start + 12 + window).contains(&hour) => {}
            _ => false_alarms += 1,
        }
    }
    Outcome {
        detected: delay.is_some(),
        delay,
        false_alarms,
    }
}

fn median(mut v: Vec<usize>) -> Option<usize> {
    v.sort_unstable();
    (!v.is_empty()).then(|| v[v.len() / 2])
}

#[test]
fn the_rule_finds_spikes_early_and_rarely_cries_wolf() {
    let rule = Rule::default();
    let mut rng = fastrand::Rng::with_seed(2026);
    let mut failures = Vec::new();
    let weeks_watched = (WEEKS * 7 * HOURS_PER_DAY - WARMUP) as f64 / (7.0 * 24.0);
    // Bounds per window: (most false alarms a topic-week at any rate, on average over rates).
    // The 24-hour window is the default of `[alerts] window`; the 6-hour one hears sooner at
    // about four times the false alarms.
    for (window, worst, mean_bound) in [(24usize, 0.12, 0.06), (6, 0.35, 0.2)] {
        println!("\njendela {window} jam; aturan {rule:?}");
        // False alarms: streams without spikes.
        println!("{:>12} {:>22}", "laju/jam", "alarm palsu/topik/minggu");
        let mut total_false = 0.0;
        for &base in &BASE_RATES {
            let alarms: usize = (0..STREAMS_PER_RATE)
                .map(|_| run(&rule, &stream(&mut rng, base, None), window).false_alarms)
                .sum();
            let per_week = alarms as f64 / (STREAMS_PER_RATE as f64 * weeks_watched);
            total_false += per_week;
            println!("{base:>12} {per_week:>22.3}");
            if per_week > worst {
                failures.push(format!(
                    "window {window}h, rate {base}: {per_week:.3} false alarms a week"
                ));
            }
        }
        let mean_false = total_false / BASE_RATES.len() as f64;
        println!("rata-rata alarm palsu per topik per minggu: {mean_false:.3}");
        if mean_false > mean_bound {
            failures.push(format!(
                "window {window}h: {mean_false:.3} false alarms a week on average"
            ));
        }

        // Spikes: each size on each base rate, at random hours of the last weeks.
        println!(
            "{:>10} {:>10} {:>12} {:>16}",
            "laju/jam", "lonjakan", "terdeteksi", "median tunda (j)"
        );
        for &base in &BASE_RATES {
            for &size in &SPIKE_SIZES {
                let mut found = 0;
                let mut delays = Vec::new();
                for _ in 0..STREAMS_PER_RATE {
                    let start = WARMUP + 7 * 24 + rng.usize(..(WEEKS - 3) * 7 * 24);
                    let o = run(&rule, &stream(&mut rng, base, Some((start, size))), window);
                    found += o.detected as usize;
                    delays.extend(o.delay);
                }
                let rate = found as f64 / STREAMS_PER_RATE as f64;
                println!(
                    "{base:>10} {size:>10} {:>11.0}% {:>16}",
                    100.0 * rate,
                    median(delays.clone()).map_or("-".into(), |d| d.to_string())
                );
                // A spike several times the topic's whole day is found, and early.
                let daily = base * 24.0 * 0.5;
                let large = size as f64 >= 20.0_f64.max(3.0 * daily);
                if large && (rate < 0.9 || median(delays).is_none_or(|d| d > 10)) {
                    failures.push(format!(
                        "window {window}h, base {base}, spike {size}: found {rate}"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
