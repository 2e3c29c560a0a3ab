//! `pantau run`: the daemon, stopped by SIGTERM or SIGINT; a second signal exits at once.

use std::path::Path;
use std::process::ExitCode;

use crate::daemon;

/// glibc's malloc gives threads arenas of their own, up to eight per core, and returns little
/// of them: a long-running daemon with many threads holds memory it no longer uses (80 MiB
/// against 145 MiB over the same soak, tests/soak.rs). Two arenas cost nothing measurable
/// here: the threads spend their time in SQLite, parsing and matching, not in malloc.
///
/// The thresholds are fixed too: by default glibc raises them after a large block (a feed's
/// body) is freed, up to 32 MiB for what it maps and 64 MiB it keeps unreturned, so a burst of
/// polls leaves the daemon holding its peak (tests/soak.rs with 1,000 topics swung between 105
/// and 145 MiB).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    // SAFETY: mallopt only sets a malloc tunable; it is called before any thread is started.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1024 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}

/// Most threads for blocking work (see below).
const BLOCKING_THREADS: usize = 16;

pub fn run(path: Option<&Path>) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    let settings = &config.settings;
    super::init_logging(Some(settings), "info");
    // At start there is no last good state to fall back on: bad lists stop the daemon here,
    // with every error listed.
    let classifier = super::classifier(&config)?;
    limit_malloc_arenas();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Classification, reads and briefings run on blocking threads. Tokio's default of
        // 512 lets a burst of 500 sources start hundreds, and glibc gives busy threads
        // arenas of their own that are seldom returned: resident memory crept from 115 to
        // 195 MiB in 45 s of tests/soak.rs. Sixteen keep both cores busy.
        .max_blocking_threads(BLOCKING_THREADS)
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
        daemon::run(config, classifier, shutdown).await?;
        anyhow::Ok(())
    })?;
    // Blocking work abandoned at the deadline (a parse, a briefing) must not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    Ok(ExitCode::SUCCESS)
}
