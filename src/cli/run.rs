//! `pantau run`: the daemon, stopped by SIGTERM or SIGINT; a second signal exits at once.

use std::path::Path;
use std::process::ExitCode;

use crate::daemon;

pub fn run(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let settings = super::settings(config)?;
    super::init_logging(Some(&settings), "info");
    // At start there is no last good state to fall back on: bad lists stop the daemon here,
    // with every error listed.
    let classifier = super::classifier(&settings)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut signals = daemon::StopSignals::install()?;
        let shutdown = async move {
            signals.next().await;
            // A second signal means "now": exit without waiting for the clean stop.
            tokio::spawn(async move {
                signals.next().await;
                eprintln!("pantau: sinyal kedua, keluar sekarang");
                std::process::exit(130);
            });
        };
        daemon::run(settings, classifier, shutdown).await?;
        anyhow::Ok(())
    })?;
    // Blocking work abandoned at the deadline (a parse, a briefing) must not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    Ok(ExitCode::SUCCESS)
}
