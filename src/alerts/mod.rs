//! Alerts: when a topic of high priority rises, one message per episode to the configured
//! sinks (webhook, Telegram, e-mail), with a follow-up only when the rise keeps growing.
//!
//! Every [`Policy::every`] the daemon runs [`check`]: the topic trends of the last
//! [`Policy::window`] (the same numbers as `pantau trends`: primary tags, stories counted
//! once), then per row — a topic province-wide, or a topic in one kabupaten/kota — of priority
//! [`Policy::min_priority`] or above (or a sink's own lower `min_priority`):
//! - rising with no open episode: an episode opens and its first alert is sent;
//! - rising in an open episode: a follow-up only when the count has reached
//!   [`Policy::growth`] × the count of the last alert, and at least [`Policy::min_gap`] after it;
//! - not rising: the episode closes once it has not risen for [`Policy::cooldown`].
//!
//! Episodes are kept per topic × region, so a rise confined to one kabupaten/kota alerts
//! though the province's total does not rise, and the alert names that kabupaten/kota. One
//! rise is told once: when the province-wide row rises and the rising kabupaten/kota rows of
//! the topic hold at least half its stories ([`told_by_regions`]), their alerts tell it, and
//! the province-wide episode opens (or follows up) without an alert of its own. Otherwise
//! the province-wide alert names the top kabupaten/kota. Each alert goes to the sinks whose
//! subscription takes it ([`routing`]).
//!
//! Nothing alerts until Pantau has been collecting for [`Policy::min_history`] (3 days): before
//! that every topic is new and the baseline is a first poll's backlog.
//!
//! Decisions, alerts and one pending delivery per sink are committed together; [`deliver`]
//! then sends what is due, retrying a failing sink with backoff (1 minute doubling to 1 hour,
//! [`MAX_ATTEMPTS`] tries) and recording each failure. A delivery is marked sent only after the
//! sink accepted it, so after a crash at most that one message is sent twice; nothing already
//! recorded as sent is ever sent again. A stop while a send is in flight abandons it (the stop
//! must not wait for a slow sink), which can also repeat that one message after the restart.

pub mod briefing;
pub mod message;
pub mod policy;
pub mod routing;
pub mod sinks;

use jiff::{SignedDuration, Timestamp};
use tokio_util::sync::CancellationToken;

use crate::classify::Classifier;
use crate::store::alerts::{Decision, Episode, FollowUp, NewAlert};
use crate::store::{Reports, Status, StoreError, Writes};
use crate::time::Lang;
use crate::trends::{self, Rule, Trend};

pub use policy::{AlertSettings, Policy};
pub use routing::{Route, Subscription};
pub use sinks::{Message, Sink};

/// Tries per delivery before it is given up.
pub const MAX_ATTEMPTS: u32 = 12;

/// Decides on the trends at `now` and records the decisions; returns the new alerts' ids.
/// `routes` are the sinks, each new alert delivered to those that take it.
pub fn check(
    store: &mut (impl Reports + Status + Writes),
    classifier: &Classifier,
    policy: &Policy,
    routes: &[Route],
    now: Timestamp,
) -> Result<Vec<i64>, StoreError> {
    let history = store
        .collecting_since()?
        .map_or(SignedDuration::ZERO, |since| now.duration_since(since));
    if history < SignedDuration::try_from(policy.min_history).unwrap_or(SignedDuration::MAX) {
        tracing::debug!(%history, "peringatan ditahan: riwayat pengumpulan belum cukup");
        return Ok(Vec::new());
    }
    let end = crate::time::window_end(now);
    let all = trends::compute(
        store,
        classifier,
        end,
        policy.window,
        &Rule::default(),
        Lang::Id,
    )?;
    let decisions = decide(
        store,
        classifier,
        policy,
        routes,
        &all,
        &store.open_episodes()?,
        now,
    )?;
    if decisions.is_empty() {
        return Ok(Vec::new());
    }
    store.record_decisions(&decisions, now)
}

/// The decisions for one check (see the module comment), with the messages of new alerts.
pub fn decide(
    store: &(impl Reports + Status),
    classifier: &Classifier,
    policy: &Policy,
    routes: &[Route],
    all: &[Trend],
    open: &[Episode],
    now: Timestamp,
) -> Result<Vec<Decision>, StoreError> {
    let mut out = Vec::new();
    let gap = SignedDuration::try_from(policy.min_gap).unwrap_or(SignedDuration::ZERO);
    let cooldown = SignedDuration::try_from(policy.cooldown).unwrap_or(SignedDuration::ZERO);
    let floor = routing::lowest_priority(routes, policy.min_priority);
    for trend in all.iter().filter(|t| t.rising && t.priority >= floor) {
        let told = told_by_regions(all, trend);
        let alert = |previous: Option<u64>| -> Result<Option<NewAlert>, StoreError> {
            if told {
                return Ok(None);
            }
            compose(store, classifier, policy, routes, all, trend, previous).map(Some)
        };
        match open
            .iter()
            .find(|e| e.topic == trend.topic && e.region == trend.region)
        {
            None => out.push(Decision::Open {
                topic: trend.topic.clone(),
                region: trend.region.clone(),
                count: trend.count,
                alert: alert(None)?,
            }),
            Some(e) => {
                let grown = trend.count as f64 >= policy.growth * e.alerted_count as f64;
                let follow_up = if grown && now.duration_since(e.last_alert) >= gap {
                    Some(FollowUp {
                        count: trend.count,
                        alert: alert(Some(e.alerted_count))?,
                    })
                } else {
                    None
                };
                out.push(Decision::Continue {
                    episode: e.id,
                    follow_up,
                });
            }
        }
    }
    for e in open {
        let rising = all
            .iter()
            .any(|t| t.rising && t.topic == e.topic && t.region == e.region);
        if !rising && now.duration_since(e.last_rising) >= cooldown {
            out.push(Decision::Close { episode: e.id });
        }
    }
    Ok(out)
}

/// Whether a province-wide rise is told by the alerts of its kabupaten/kota: their rising rows
/// hold at least half of its stories (a story naming two regions counts in both). Always
/// false for a regional row.
pub fn told_by_regions(all: &[Trend], trend: &Trend) -> bool {
    if trend.region.is_some() {
        return false;
    }
    let regional: u64 = all
        .iter()
        .filter(|t| t.topic == trend.topic && t.region.is_some() && t.rising)
        .map(|t| t.count)
        .sum();
    regional > 0 && regional * 2 >= trend.count
}

/// The alert for `trend` and the sinks that take it: a regional alert is about its
/// kabupaten/kota, a province-wide one about the kabupaten/kota it names (its top
/// [`message::REGIONS`]).
fn compose(
    store: &(impl Reports + Status),
    classifier: &Classifier,
    policy: &Policy,
    routes: &[Route],
    all: &[Trend],
    trend: &Trend,
    previous: Option<u64>,
) -> Result<NewAlert, StoreError> {
    let rows: Vec<&Trend> = all
        .iter()
        .filter(|t| t.topic == trend.topic && t.region != trend.region)
        .collect();
    let named: Vec<&Trend> = match trend.region {
        Some(_) => vec![trend],
        None => rows.iter().take(message::REGIONS).copied().collect(),
    };
    let mut alert = message::compose(
        store,
        classifier,
        trend,
        &rows,
        &named,
        previous,
        &policy.timezone,
    )?;
    let regions: Vec<String> = named.iter().filter_map(|t| t.region.clone()).collect();
    let topic = classifier.topic(&trend.topic.as_str().into());
    let facts = routing::Facts {
        topic: &trend.topic,
        category: topic.map_or("", |t| t.category.as_str()),
        priority: trend.priority,
        regions: &regions,
    };
    alert.sinks = routing::sinks_for(routes, &facts, policy.min_priority);
    Ok(alert)
}

/// The wait before the next try after `attempts` failed ones: 1 minute doubling, at most an
/// hour; `None` after [`MAX_ATTEMPTS`].
pub fn retry_after(attempts: u32) -> Option<SignedDuration> {
    (attempts < MAX_ATTEMPTS).then(|| {
        SignedDuration::from_mins(1 << attempts.saturating_sub(1).min(6))
            .min(SignedDuration::from_hours(1))
    })
}

/// Sends every delivery that is due, through `sinks`, recording each outcome through `record`
/// (the daemon passes its writer). Deliveries to a sink no longer configured fail for good.
/// When `stop` fires, no further send starts and one in flight is abandoned unrecorded, so the
/// daemon stops in time; that one message is sent again after the restart.
pub async fn deliver<F, Fut>(
    due: Vec<crate::store::alerts::PendingDelivery>,
    sinks: &[Sink],
    stop: &CancellationToken,
    mut record: F,
) where
    F: FnMut(i64, String, Result<(), (String, Option<Timestamp>)>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for d in due {
        if stop.is_cancelled() {
            return;
        }
        let now = Timestamp::now();
        let Some(sink) = sinks.iter().find(|s| s.id() == d.sink) else {
            record(
                d.alert_id,
                d.sink.clone(),
                Err((
                    format!("tujuan \"{}\" tidak lagi ada di [alerts] sinks", d.sink),
                    None,
                )),
            )
            .await;
            continue;
        };
        let msg = Message {
            subject: d.subject.clone(),
            text: d.text.clone(),
            payload: d.payload.clone(),
        };
        let sent = tokio::select! {
            sent = sink.send(&msg) => sent,
            _ = stop.cancelled() => return,
        };
        match sent {
            Ok(()) => {
                tracing::info!(alert = d.alert_id, sink = %d.sink, "peringatan terkirim");
                record(d.alert_id, d.sink, Ok(())).await;
            }
            Err(e) => {
                let next = retry_after(d.attempts + 1).map(|wait| now + wait);
                tracing::warn!(
                    alert = d.alert_id,
                    sink = %d.sink,
                    attempt = d.attempts + 1,
                    error = %e,
                    retry = next.is_some(),
                    "peringatan gagal dikirim"
                );
                record(d.alert_id, d.sink, Err((e.to_string(), next))).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour_then_stop() {
        assert_eq!(retry_after(1), Some(SignedDuration::from_mins(1)));
        assert_eq!(retry_after(2), Some(SignedDuration::from_mins(2)));
        assert_eq!(retry_after(4), Some(SignedDuration::from_mins(8)));
        assert_eq!(retry_after(9), Some(SignedDuration::from_hours(1)));
        assert_eq!(retry_after(MAX_ATTEMPTS), None);
    }
}
