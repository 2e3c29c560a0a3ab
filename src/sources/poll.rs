//! The one poll loop every polled source runs: wait until due, poll, hand the result over, and
//! choose the next due time — the interval with jitter after a success; after failures an
//! exponential backoff with a ceiling, never sooner than a Retry-After the server sent.
//!
//! The loop never touches the store. It sends a [`Polled`] and waits for the reply saying the
//! batch and its cursor were committed; only then does it move its cursor on. A store that
//! cannot write (full disk) therefore makes the next poll fetch the same items again instead of
//! losing them.

use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{Batch, Cursor, Poll, PollCtx, SourceConfig, SourceError};
use crate::model::SourceId;

/// Where a source stood when the process (re)started, read from the store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceState {
    pub cursor: Cursor,
    pub consecutive_failures: u32,
    /// When the last run planned the next attempt (kept across restarts so a Retry-After or a
    /// backoff is honoured after a restart too).
    pub next_attempt: Option<Timestamp>,
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

/// How a poll ended, for the store's health record and `fetch_log`.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub started: Timestamp,
    pub duration: Duration,
    pub next_attempt: Timestamp,
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
    backoff: Backoff,
    out: mpsc::Sender<Polled>,
    stop: CancellationToken,
) {
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
            source.interval,
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
            Ok(Ok(_)) => {
                if let Some(cursor) = next_cursor {
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
