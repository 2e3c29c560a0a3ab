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

use super::article::Articles;
use super::context::PollCtx;
use super::error::SourceError;
use super::poller::{Batch, Poll};
use super::source::SourceConfig;
use crate::config::FetchSettings;
use crate::model::{Attempt, PACE_WINDOW, Platform, Post, SourceId, SourceState};
use crate::panics::Guarded;

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

    /// How `source`'s interval moves: pinned, or between the configured bounds (which always
    /// include the source's own interval).
    pub fn of(source: &SourceConfig, fetch: &FetchSettings) -> Pace {
        if source.adaptive.unwrap_or(fetch.adaptive) {
            Pace::adaptive(
                fetch.min_interval.min(source.interval),
                fetch.max_interval.max(source.interval),
            )
        } else {
            Pace::fixed()
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

impl Backoff {
    /// The policy of `[fetch]`: its ceiling, the default jitter.
    pub fn of(fetch: &FetchSettings) -> Backoff {
        Backoff {
            max: fetch.max_backoff,
            ..Backoff::default()
        }
    }
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

/// One source as its loop runs it: the poller, where the source stands, and its pace. Both
/// the daemon's loop ([`run_loop`]) and a single round (`pantau poll --once`) take its
/// [`SourceRun::turn`]s, so a source's cursor, failures, pace and next attempt move the same
/// way whichever runs it.
pub struct SourceRun {
    source: SourceConfig,
    poller: Box<dyn Poll>,
    cx: PollCtx,
    state: SourceState,
    pace: Pace,
    backoff: Backoff,
    /// A source's very first successful poll brings its backlog, not its rate: it is not
    /// counted (nor is it in the fetch log's history, see the store's `source_state`).
    backlog: bool,
    /// Reads each new item's article page, for a source with `fetch_article = true`.
    articles: Option<Articles>,
}

/// How one turn went.
#[derive(Debug)]
pub struct Turn {
    pub started: Timestamp,
    pub duration: Duration,
    /// Items the source offered; `None` when the poll failed, `Some(0)` when nothing changed.
    pub items_found: Option<usize>,
    pub not_modified: bool,
    /// The poll's error, if it failed.
    pub error: Option<SourceError>,
    /// What the commit did, or why it did not happen (the cursor then stays).
    pub committed: Result<Committed, String>,
    /// Until the next turn is due.
    pub delay: Duration,
}

impl SourceRun {
    /// The source as it stood (`state`, from the store), paced and retried by `fetch`.
    pub fn new(
        source: SourceConfig,
        cx: PollCtx,
        mut state: SourceState,
        fetch: &FetchSettings,
    ) -> SourceRun {
        let backlog = state.recent.is_none();
        let pace = Pace::of(&source, fetch).with_history(state.recent.take());
        let backoff = Backoff::of(fetch);
        SourceRun {
            poller: source.build(),
            source,
            cx,
            state,
            pace,
            backoff,
            backlog,
            articles: None,
        }
    }

    /// The source, reading each new item's article page through `articles` after a poll.
    pub fn with_articles(mut self, articles: Articles) -> SourceRun {
        self.articles = Some(articles);
        self
    }

    pub fn source(&self) -> &SourceConfig {
        &self.source
    }

    /// Continues from `state` as the store has it, after another node may have polled the
    /// source (its cursor, failures and planned attempt; the pace keeps this node's history).
    /// Returns how long until the attempt planned there, when it is still ahead.
    pub fn resume(&mut self, state: SourceState) -> Option<Duration> {
        let wait = state
            .next_attempt
            .map(|at| at.duration_since(Timestamp::now()))
            .filter(|w| w.is_positive())
            .and_then(|w| Duration::try_from(w).ok());
        self.state.cursor = state.cursor;
        self.state.consecutive_failures = state.consecutive_failures;
        self.state.next_attempt = state.next_attempt;
        if state.recent.is_some() {
            self.backlog = false;
        }
        wait
    }

    /// Posts whose poller named no platform count under the kind's own.
    fn name_platform(&self, posts: &mut [Post]) {
        let platform = Platform::new(self.source.spec.platform());
        for post in posts.iter_mut().filter(|p| p.platform.is_none()) {
            post.platform = Some(platform.clone());
        }
    }

    /// Polls once, hands the outcome to the pipeline over `out`, waits until it is committed,
    /// and plans the next turn. `None` when `stop` fired during the poll (an unfinished fetch
    /// is dropped, which is safe: the cursor only moves with a commit) or the pipeline is
    /// gone. A poll already handed over is waited for, so it is committed before a stop.
    pub async fn turn(
        &mut self,
        out: &mpsc::Sender<Polled>,
        stop: &CancellationToken,
    ) -> Option<Turn> {
        let started = Timestamp::now();
        let clock = Instant::now();
        let mut outcome = tokio::select! {
            _ = stop.cancelled() => return None,
            // A panic anywhere in the poll (a parser on untrusted bytes) is this source's
            // failure, not a backtrace and a lost task.
            outcome = Guarded::new(self.poller.poll(&self.cx, &self.state.cursor)) => {
                outcome.unwrap_or_else(|panicked| Err(SourceError::from(panicked)))
            }
        };
        if let (Ok(batch), Some(articles)) = (&mut outcome, &mut self.articles) {
            tokio::select! {
                _ = stop.cancelled() => return None,
                _ = articles.enrich(&self.cx, &mut batch.posts) => {}
            }
        }
        let duration = clock.elapsed();
        if let Ok(batch) = &mut outcome {
            self.name_platform(&mut batch.posts);
        }
        let (failures, delay) = plan_next(
            self.pace.interval(self.source.interval, started),
            self.state.consecutive_failures,
            outcome.as_ref().err(),
            &self.backoff,
        );
        let (items_found, not_modified, error, next_cursor) = match &outcome {
            Ok(batch) => (
                Some(if batch.not_modified {
                    0
                } else {
                    batch.items_found
                }),
                batch.not_modified,
                None,
                Some(batch.cursor.clone()),
            ),
            Err(e) => (None, false, Some(e.clone()), None),
        };
        let (reply, committed) = oneshot::channel();
        let polled = Polled {
            source: self.source.id.clone(),
            attempt: Attempt {
                started,
                duration,
                next_attempt: started + delay,
            },
            outcome,
            reply,
        };
        // A stop while the pipeline is busy drops the result rather than waiting its turn: the
        // cursor only moves with a commit, so the same items are fetched after a restart, and the
        // stop only waits for what was already handed over.
        tokio::select! {
            biased;
            _ = stop.cancelled() => return None,
            sent = out.send(polled) => sent.ok()?,
        }
        let committed = committed.await.ok()?;
        match &committed {
            Ok(done) => {
                if let Some(cursor) = next_cursor {
                    self.pace
                        .record(started, done.new_posts as u64, self.backlog);
                    self.backlog = false;
                    self.state.cursor = cursor;
                }
                self.state.consecutive_failures = failures;
            }
            Err(error) => {
                // Not committed: keep the old cursor so the same items are fetched again.
                tracing::warn!(source = %self.source.id, %error, "hasil polling belum tersimpan; dicoba lagi pada putaran berikut");
            }
        }
        Some(Turn {
            started,
            duration,
            items_found,
            not_modified,
            error,
            committed,
            delay,
        })
    }
}

/// Whether this node may poll a source now. Several `pantau run` nodes sharing one database
/// take turns through leases (the daemon's gate asks the store); a node alone is always let in
/// ([`Alone`]). The loop never touches the store itself.
pub trait Turnstile: Send {
    /// Asks to poll, holding the source for at least `hold` from now (a renewal when it holds
    /// it already).
    fn enter(&mut self, hold: Duration) -> impl Future<Output = Entry> + Send;
    /// Gives the source up (a clean stop), so another node takes it at once.
    fn leave(&mut self) -> impl Future<Output = ()> + Send;
}

/// What [`Turnstile::enter`] answers.
#[derive(Debug)]
pub enum Entry {
    /// This node holds the source, and has all along.
    Held,
    /// This node holds the source anew: another node may have polled it meanwhile, so the loop
    /// resumes from where the store says it stands.
    Regained(SourceState),
    /// Another node polls it (or the store could not say): not now.
    Elsewhere,
}

/// The turnstile of a node alone with its database: always in.
#[derive(Debug, Clone, Copy, Default)]
pub struct Alone;

impl Turnstile for Alone {
    async fn enter(&mut self, _: Duration) -> Entry {
        Entry::Held
    }
    async fn leave(&mut self) {}
}

/// The shortest lease a source is held for: longer than a slow commit, and than the clocks of
/// nodes are expected to differ.
pub const MIN_HOLD: Duration = Duration::from_secs(15);

/// How long a source is held ahead of a turn due in `delay`: twice that (a late turn does not
/// lose it), at least [`MIN_HOLD`]. A node that dies thus gives its sources up within two
/// delays.
pub fn hold_for(delay: Duration) -> Duration {
    delay.saturating_mul(2).max(MIN_HOLD)
}

/// How soon a node that found the source held elsewhere asks again: half its interval (at
/// least a second), so it takes over soon after the holder's lease lapses.
pub fn retry_elsewhere(interval: Duration) -> Duration {
    (interval / 2).max(Duration::from_secs(1))
}

/// Runs `run`'s turns until `stop` fires, each when it is due and `gate` lets it in (else it
/// asks again after [`retry_elsewhere`]). The source is held through each turn (renewed while
/// a slow one lasts) and, after it, until the next is due; on a stop it is given up.
pub async fn run_loop(
    mut run: SourceRun,
    out: mpsc::Sender<Polled>,
    mut gate: impl Turnstile,
    stop: CancellationToken,
) {
    let interval = run.source.interval;
    let mut due = first_due(&run.state, interval);
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep_until(due) => {}
        }
        let clock = Instant::now();
        match gate.enter(hold_for(interval)).await {
            Entry::Held => {}
            Entry::Elsewhere => {
                due = clock + retry_elsewhere(interval);
                continue;
            }
            Entry::Regained(state) => {
                if let Some(wait) = run.resume(state) {
                    // The previous holder planned the next attempt (a backoff, a Retry-After):
                    // kept, as after a restart, and the source held until then.
                    due = clock + wait;
                    let _ = gate.enter(hold_for(wait)).await;
                    continue;
                }
            }
        }
        let Some(turn) = held_turn(&mut run, &out, &mut gate, &stop, interval).await else {
            break;
        };
        due = clock + turn.delay;
        if let Entry::Regained(state) = gate.enter(hold_for(turn.delay)).await {
            // Lost during a slow turn and taken back: the store's word stands.
            run.resume(state);
        }
    }
    gate.leave().await;
    tracing::debug!(source = %run.source.id, "poll loop stopped");
}

/// One turn, with the source's lease renewed every half of `hold_for(interval)` while it runs.
async fn held_turn(
    run: &mut SourceRun,
    out: &mpsc::Sender<Polled>,
    gate: &mut impl Turnstile,
    stop: &CancellationToken,
    interval: Duration,
) -> Option<Turn> {
    let hold = hold_for(interval);
    let turn = run.turn(out, stop);
    tokio::pin!(turn);
    loop {
        tokio::select! {
            done = &mut turn => return done,
            _ = tokio::time::sleep(hold / 2) => {
                // The outcome does not change this turn: its commit is safe either way (a
                // post is stored once), and the next turn asks again.
                let _ = gate.enter(hold).await;
            }
        }
    }
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
