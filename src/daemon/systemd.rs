//! systemd integration (`Type=notify` in deploy/pantau.service): READY=1 once every task runs,
//! STOPPING=1 when a stop begins, and WATCHDOG=1 while the store's writer still answers, so a
//! hung writer gets the service restarted. Without `NOTIFY_SOCKET` (not under systemd) every
//! call is a no-op.

use sd_notify::NotifyState;
use tokio_util::sync::CancellationToken;

use crate::store::writer::Writer;

pub fn ready() {
    notify(&[NotifyState::Ready]);
}

pub fn stopping() {
    notify(&[NotifyState::Stopping]);
}

fn notify(state: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(state) {
        tracing::warn!(error = %e, "pemberitahuan ke systemd gagal");
    }
}

/// Pings systemd's watchdog at half its interval while the writer answers within a quarter
/// of it. Returns at once when the unit has no `WatchdogSec`.
pub async fn watchdog(writer: Writer, stop: CancellationToken) {
    let Some(interval) = sd_notify::watchdog_enabled().filter(|d| !d.is_zero()) else {
        return;
    };
    loop {
        let answered = tokio::time::timeout(interval / 4, writer.call(|_| ())).await;
        if matches!(answered, Ok(Ok(()))) {
            notify(&[NotifyState::Watchdog]);
        } else {
            tracing::error!(
                "penulis basis data tidak menjawab; watchdog systemd tidak diberi tanda"
            );
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(interval / 2) => {}
        }
    }
}
