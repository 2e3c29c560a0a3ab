//! The one poll loop every polled source runs: wait until due, poll, hand the result over, and
//! choose the next due time — the interval with jitter after a success; after failures an
//! exponential backoff with a ceiling, never sooner than a Retry-After the server sent.
//!
//! The loop never touches the store. It sends a [`Polled`] and waits for the reply saying the
//! batch and its cursor were committed; only then does it move its cursor on. A store that
//! cannot write (full disk) therefore makes the next poll fetch the same items again instead of
//! losing them.

use std::collections::VecDeque;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{Batch, Poll, PollCtx, SourceConfig, SourceError};
use crate::model::{Attempt, PACE_WINDOW, SourceId, SourceState};

/// Less history than this says nothing about a rate: the configured interval is kept.
const PACE_WARMUP: Duration = Duration::from_secs(3600);

/// A source's polling pace, after Miniflux's entry-frequency scheduler: poll about once per
/// new post, so a busy account is read every few minutes and a quiet news site a few times a
/// day. The interval is the last week's time per new post, between a floor and a ceiling; a
/// source that published nothing in a week is polled at the ceiling, never dropped.
#[derive(Debug, Clone)]
pub struct Pace {
    /// `None`: the interval is fixed.
    bounds: Option<(Duration, Duration)>,
    /// Polls that found new posts: when, and how many.
    polls: VecDeque<(Timestamp, u64)>,
    /// Start of the measured span (the first poll counted, or the window's start).
    since: Option<Timestamp>,
}

impl Pace {
    pub fn fixed() -> Pace {
        Pace {
            bounds: None,
            polls: VecDeque::new(),
            since: None,
        }
    }

    pub fn adaptive(floor: Duration, ceiling: Duration) -> Pace {
        Pace {
            bounds: Some((floor, ceiling.max(floor))),
            ..Pace::fixed()
        }
    }

    /// Starts from what the store remembers (see [`SourceState::recent`]).
    pub fn with_history(mut self, recent: Option<(u64, Timestamp)>) -> Pace {
        if let Some((posts, since)) = recent {
            self.since = Some(since);
            if posts > 0 {
                self.polls.push_back((since, posts));
            }
        }
        self
    }

    /// Counts one successful poll. A first poll ever brings the source's backlog, not its
    /// rate, and is left out.
    pub fn record(&mut self, at: Timestamp, new_posts: u64, backlog: bool) {
        if self.bounds.is_none() || backlog {
            return;
        }
        self.since.get_or_insert(at);
        if new_posts > 0 {
            self.polls.push_back((at, new_posts));
        }
    }

    /// The interval to use now, `base` being the source's configured interval.
    pub fn interval(&mut self, base: Duration, now: Timestamp) -> Duration {
        let Some((floor, ceiling)) = self.bounds else {
            return base;
        };
        let window_start = now - PACE_WINDOW;
        while self.polls.front().is_some_and(|&(at, _)| at < window_start) {
            self.polls.pop_front();
        }
        let Some(since) = self.since.map(|s| s.max(window_start)) else {
            return base;
        };
        self.since = Some(since);
        let span = Duration::try_from(now.duration_since(since)).unwrap_or_default();
        if span < PACE_WARMUP {
            return base;
        }
        let posts: u64 = self.polls.iter().map(|&(_, n)| n).sum();
        if posts == 0 {
            return ceiling;
        }
        span.div_f64(posts as f64).clamp(floor, ceiling)
    }
}

/// Retry policy shared by all sources.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Ceiling of the exponential backoff.
    pub max: Duration,
    /// ± this fraction of the delay is added at random, so sources drift apart.
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            max: Duration::from_secs(6 * 3600),
            jitter: 0.1,
        }
    }
}

/// The delay before the next attempt, without jitter. After `failures` consecutive failures the
/// interval doubles each time (interval, 2×, 4×, …) up to `max` (but never below the interval);
/// a Retry-After is a floor.
pub fn next_delay(
    interval: Duration,
    failures: u32,
    retry_after: Option<Duration>,
    backoff: &Backoff,
) -> Duration {
    let base = if failures == 0 {
        interval
    } else {
        let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(20));
        interval
            .saturating_mul(factor)
            .min(backoff.max)
            .max(interval)
    };
    match retry_after {
        Some(wait) => base.max(wait),
        None => base,
    }
}

/// Adds ± `jitter` at random, never going below `floor`.
pub fn jittered(delay: Duration, jitter: f64, floor: Duration) -> Duration {
    let factor = 1.0 + jitter * (fastrand::f64() * 2.0 - 1.0);
    delay.mul_f64(factor.max(0.0)).max(floor)
}

/// After a poll: the consecutive failures it leaves and the delay before the next attempt
/// (backoff, Retry-After and jitter applied). The daemon's loop and `poll --once` both plan
/// with it, so a source's recorded next attempt means the same whichever ran.
pub fn plan_next(
    interval: Duration,
    failures_before: u32,
    error: Option<&SourceError>,
    backoff: &Backoff,
) -> (u32, Duration) {
    let failures = match error {
        None => 0,
        Some(_) => failures_before.saturating_add(1),
    };
    let retry_after = error.and_then(SourceError::retry_after);
    let delay = next_delay(interval, failures, retry_after, backoff);
    (
        failures,
        jittered(delay, backoff.jitter, retry_after.unwrap_or_default()),
    )
}

/// One poll's result on its way to classification and storage.
#[derive(Debug)]
pub struct Polled {
    pub source: SourceId,
    pub attempt: Attempt,
    pub outcome: Result<Batch, SourceError>,
    /// Answered once the batch (or the failure) is committed.
    pub reply: oneshot::Sender<Result<Committed, String>>,
}

/// What the store did with a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Committed {
    pub new_posts: usize,
}

/// Polls `source` until `stop` fires. The current poll is abandoned when stopping (safe: the
/// cursor only moves with a commit); a poll already handed over is waited for, so its batch
/// is committed before the loop ends.
pub async fn run_loop(
    source: SourceConfig,
    poller: Box<dyn Poll>,
    cx: PollCtx,
    mut state: SourceState,
    (pace, backoff): (Pace, Backoff),
    out: mpsc::Sender<Polled>,
    stop: CancellationToken,
) {
    // A source's very first successful poll brings its backlog, not its rate: it is not counted
    // (nor is it in the fetch log's history, see `Store::source_state`).
    let mut backlog = state.recent.is_none();
    let mut pace = pace.with_history(state.recent.take());
    let mut due = first_due(&state, source.interval);
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep_until(due) => {}
        }
        let started = Timestamp::now();
        let clock = Instant::now();
        let outcome = tokio::select! {
            _ = stop.cancelled() => break,
            outcome = poller.poll(&cx, &state.cursor) => outcome,
        };
        let (failures, delay) = plan_next(
            pace.interval(source.interval, started),
            state.consecutive_failures,
            outcome.as_ref().err(),
            &backoff,
        );
        let next_cursor = outcome.as_ref().ok().map(|b| b.cursor.clone());
        let (reply, committed) = oneshot::channel();
        let polled = Polled {
            source: source.id.clone(),
            attempt: Attempt {
                started,
                duration: clock.elapsed(),
                next_attempt: started + delay,
            },
            outcome,
            reply,
        };
        if out.send(polled).await.is_err() {
            break;
        }
        match committed.await {
            Ok(Ok(committed)) => {
                if let Some(cursor) = next_cursor {
                    pace.record(started, committed.new_posts as u64, backlog);
                    backlog = false;
                    state.cursor = cursor;
                }
                state.consecutive_failures = failures;
            }
            Ok(Err(error)) => {
                // Not committed: keep the old cursor so the same items are fetched again.
                tracing::warn!(source = %source.id, %error, "hasil polling belum tersimpan; dicoba lagi pada putaran berikut");
            }
            Err(_) => break,
        }
        due = clock + delay;
    }
    tracing::debug!(source = %source.id, "poll loop stopped");
}

/// A source that planned its next attempt before a restart keeps that plan; others start soon,
/// spread over a few seconds so a restart does not hit every server at once.
fn first_due(state: &SourceState, interval: Duration) -> Instant {
    let now = Instant::now();
    if let Some(at) = state.next_attempt {
        let wait = at.duration_since(Timestamp::now());
        if wait.is_positive() {
            return now + Duration::try_from(wait).unwrap_or_default();
        }
    }
    let spread = interval.min(Duration::from_secs(5));
    now + spread.mul_f64(fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: Duration = Duration::from_secs(60);

    #[test]
    fn backoff_doubles_up_to_the_ceiling() {
        let b = Backoff {
            max: 60 * M,
            jitter: 0.1,
        };
        let i = 15 * M;
        assert_eq!(next_delay(i, 0, None, &b), i);
        assert_eq!(next_delay(i, 1, None, &b), i);
        assert_eq!(next_delay(i, 2, None, &b), 30 * M);
        assert_eq!(next_delay(i, 3, None, &b), 60 * M);
        assert_eq!(next_delay(i, 9, None, &b), 60 * M);
        assert_eq!(next_delay(i, u32::MAX, None, &b), 60 * M);
        // An interval above the ceiling is never shortened by a failure.
        assert_eq!(next_delay(24 * 60 * M, 3, None, &b), 24 * 60 * M);
    }

    #[test]
    fn retry_after_is_a_floor() {
        let b = Backoff::default();
        assert_eq!(next_delay(M, 1, Some(10 * M), &b), 10 * M);
        assert_eq!(next_delay(20 * M, 1, Some(M), &b), 20 * M);
        for _ in 0..100 {
            let d = jittered(10 * M, 0.1, 10 * M);
            assert!(d >= 10 * M && d <= 11 * M);
            let d = jittered(10 * M, 0.1, Duration::ZERO);
            assert!(d >= 9 * M && d <= 11 * M);
        }
    }

    #[test]
    fn the_pace_follows_the_posting_rate_between_its_bounds() {
        let t0: Timestamp = "2026-11-20T00:00:00Z".parse().unwrap();
        let hours = |h: i64| t0 + jiff::SignedDuration::from_hours(h);
        let base = 15 * M;
        let mut pace = Pace::adaptive(5 * M, 360 * M);
        // The first poll's backlog says nothing about the rate.
        pace.record(t0, 50, true);
        assert_eq!(pace.interval(base, hours(1)), base);
        // 24 new posts in 12 hours: one every 30 minutes.
        for h in 0..12 {
            pace.record(hours(h), 2, false);
        }
        assert_eq!(pace.interval(base, hours(12)), 30 * M);
        // A burst: 600 posts in the next hour → the floor.
        pace.record(hours(13), 600, false);
        assert_eq!(pace.interval(base, hours(13)), 5 * M);
        // A week later the burst has left the window and nothing new came: the ceiling.
        assert_eq!(pace.interval(base, hours(13 + 24 * 8)), 360 * M);
        // A pinned source keeps its interval whatever happens.
        let mut fixed = Pace::fixed();
        fixed.record(hours(1), 1000, false);
        assert_eq!(fixed.interval(base, hours(2)), base);
    }

    #[test]
    fn the_pace_resumes_from_the_stored_history() {
        let now = Timestamp::now();
        let since = now - jiff::SignedDuration::from_hours(48);
        let mut pace = Pace::adaptive(5 * M, 360 * M).with_history(Some((96, since)));
        assert_eq!(pace.interval(15 * M, now), 30 * M);
        let mut quiet = Pace::adaptive(5 * M, 360 * M).with_history(Some((0, since)));
        assert_eq!(quiet.interval(15 * M, now), 360 * M);
    }

    #[test]
    fn a_planned_attempt_survives_a_restart() {
        let state = SourceState {
            next_attempt: Some(Timestamp::now() + jiff::SignedDuration::from_secs(600)),
            ..SourceState::default()
        };
        let due = first_due(&state, M);
        let wait = due - Instant::now();
        assert!(wait > Duration::from_secs(590) && wait <= Duration::from_secs(600));
        let due = first_due(&SourceState::default(), M);
        assert!(due - Instant::now() <= Duration::from_secs(5));
    }
}
