//! The alert job of `pantau run`: checks the trends every `[alerts] every` and delivers what
//! is due every [`DELIVERY_TICK`], both through the writer (see [`crate::alerts`]). Of nodes
//! sharing a database, the one holding the `job:alerts` lease does both, so an alert is
//! decided and sent once; the others only keep asking for the lease.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio_util::sync::CancellationToken;

use super::nodes::{Keeper, Kept};
use crate::alerts::{self, Policy, Route, Sink};
use crate::engine::SharedClassifier;
use crate::store::writer::Writer;
use crate::store::{Status, Writes};

/// How often due deliveries (first tries and retries) are looked for.
pub const DELIVERY_TICK: Duration = Duration::from_secs(30);

/// How long the alert lease is held ahead: several ticks, so that a slow round of deliveries
/// does not lose it midway; a node that dies gives the job up within this.
const HOLD: Duration = Duration::from_secs(DELIVERY_TICK.as_secs() * 6);

/// Runs until `stop`: a check at start (episodes are stored, so a restart does not alert
/// again), then every `policy.every` — on the node holding `lease`; a node that takes it over
/// checks at once.
pub async fn run(
    policy: Policy,
    sinks: Vec<Sink>,
    classifier: SharedClassifier,
    writer: Writer,
    heartbeat: Arc<std::sync::atomic::AtomicI64>,
    mut lease: Keeper,
    stop: CancellationToken,
) {
    let sinks = Arc::new(sinks);
    let routes: Arc<Vec<Route>> = Arc::new(sinks.iter().map(Sink::route).collect());
    let every = SignedDuration::try_from(policy.every).unwrap_or(SignedDuration::from_mins(10));
    let policy = Arc::new(policy);
    let mut next_check = Timestamp::now();
    loop {
        let now = Timestamp::now();
        // The scheduler's heartbeat for /healthz: this loop wakes every DELIVERY_TICK.
        heartbeat.store(now.as_second(), std::sync::atomic::Ordering::Relaxed);
        let held = match lease.ask(now, HOLD).await {
            Kept::Held => true,
            Kept::Taken => {
                next_check = now;
                true
            }
            Kept::Elsewhere => false,
        };
        if held {
            if now >= next_check {
                check_once(&policy, &routes, &classifier, &writer, now).await;
                next_check = now + every;
            }
            deliver_due(&sinks, &writer, &stop).await;
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(DELIVERY_TICK) => {}
        }
    }
    lease.release().await;
}

/// One trend check; new alerts are logged (so they are seen even with no sink configured).
pub async fn check_once(
    policy: &Arc<Policy>,
    routes: &Arc<Vec<Route>>,
    classifier: &SharedClassifier,
    writer: &Writer,
    now: Timestamp,
) {
    let (policy, routes, classifier) = (policy.clone(), routes.clone(), classifier.get());
    let result = writer
        .call(
            move |store| -> Result<Vec<(i64, String)>, crate::store::StoreError> {
                let ids = alerts::check(store, &classifier, &policy, &routes, now)?;
                ids.into_iter()
                    .map(|id| Ok((id, store.alert_subject(id)?)))
                    .collect()
            },
        )
        .await;
    match result {
        Ok(Ok(new)) => {
            for (id, subject) in new {
                tracing::warn!(alert = id, "{subject}");
            }
        }
        Ok(Err(e)) => tracing::error!(error = %e, "pemeriksaan peringatan gagal"),
        Err(e) => tracing::error!(error = %e, "pemeriksaan peringatan gagal"),
    }
}

/// Sends every delivery that is due and records the outcomes.
pub async fn deliver_due(sinks: &Arc<Vec<Sink>>, writer: &Writer, stop: &CancellationToken) {
    let now = Timestamp::now();
    let due = match writer.call(move |store| store.due_deliveries(now)).await {
        Ok(Ok(due)) => due,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "antrean peringatan tidak terbaca");
            return;
        }
        Err(_) => return,
    };
    alerts::deliver(due, sinks, stop, |alert, sink, outcome| {
        let writer = writer.clone();
        async move {
            let recorded = writer
                .call(move |store| {
                    let outcome = match &outcome {
                        Ok(()) => Ok(()),
                        Err((e, next)) => Err((e.as_str(), *next)),
                    };
                    store.record_delivery(alert, &sink, outcome, Timestamp::now())
                })
                .await;
            if let Ok(Err(e)) = recorded {
                tracing::error!(error = %e, alert, "hasil pengiriman peringatan tidak tersimpan");
            }
        }
    })
    .await;
}
