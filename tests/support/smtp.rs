//! A real SMTP server on loopback for the tests: `tests/support/smtp_receiver.py` (aiosmtpd),
//! which prints each message it receives decoded as one JSON line.

#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// `tests/support/smtp_receiver.py`, killed when dropped.
pub struct SmtpReceiver {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    pub port: u16,
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        // kill_on_drop covers this too; killing here says so where it matters.
        let _ = self.child.start_kill();
    }
}

impl SmtpReceiver {
    /// Starts the receiver, or says why it cannot: `None` means skip this test. CI sets
    /// PANTAU_REQUIRE_SMTP=1 so that a missing aiosmtpd fails instead of skipping.
    pub async fn start() -> Option<SmtpReceiver> {
        let available = std::process::Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !available {
            let advice = "python3 with aiosmtpd is needed for the SMTP test: python3 -m pip install aiosmtpd";
            if std::env::var("PANTAU_REQUIRE_SMTP").as_deref() == Ok("1") {
                panic!("{advice} (PANTAU_REQUIRE_SMTP=1 forbids skipping)");
            }
            // Written to the stream itself: the test harness captures eprintln! and shows it
            // only for a failing test, and a skip must be seen.
            let _ = writeln!(std::io::stderr(), "NOTICE: SMTP test skipped. {advice}");
            return None;
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_receiver.py");
        let mut child = Command::new("python3")
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut receiver = SmtpReceiver {
            child,
            lines: BufReader::new(stdout).lines(),
            port: 0,
        };
        let first = receiver.next_line().await;
        receiver.port = first
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("the receiver's first line is its port, not {first:?}"));
        Some(receiver)
    }

    pub async fn next_line(&mut self) -> String {
        tokio::time::timeout(Duration::from_secs(30), self.lines.next_line())
            .await
            .expect("the SMTP receiver answers within 30 s")
            .expect("its stdout is readable")
            .expect("the SMTP receiver is still running")
    }

    /// The next message received, decoded by Python's `email` package.
    pub async fn next_message(&mut self) -> Value {
        let line = self.next_line().await;
        serde_json::from_str(&line).expect("one JSON record per message")
    }
}
