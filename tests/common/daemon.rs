//! `pantau run` as a child process, as an operator runs it: on a free loopback port, with the
//! address read from its start-up log line, stopped by a signal; and a feed that keeps
//! growing, to poll while the daemon is stopped, killed or starved of disk.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use wiremock::{Request, Respond, ResponseTemplate};

use super::Project;

/// A running `pantau run`.
pub struct Daemon {
    pub child: Child,
    /// `127.0.0.1:PORT` of its HTTP server.
    pub address: String,
}

impl Daemon {
    /// Starts `pantau run` for `project` with `env` added, and waits until it logs that it
    /// runs. Its log is drained (never read), so it cannot block on a full pipe.
    ///
    /// `PANTAU_TEST_BIN` runs another build instead of the test profile's (the soak test's
    /// memory figures for a release build: `PANTAU_TEST_BIN=target/release/pantau`).
    pub async fn start(project: &Project, env: &[(&str, &str)]) -> Daemon {
        let bin = std::env::var_os("PANTAU_TEST_BIN")
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_pantau").into());
        let mut command = Command::new(bin);
        command
            .args(["--config", project.config().to_str().unwrap(), "run"])
            .current_dir(project.path())
            .env("RUST_LOG", "warn,pantau=info")
            .env("PANTAU__HTTP__BIND", "127.0.0.1:0")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        tokio::task::spawn_blocking(move || {
            let mut child = command.spawn().expect("pantau run starts");
            let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
            let address = loop {
                let line = lines
                    .next()
                    .expect("pantau run logs its address before it ends")
                    .unwrap();
                if line.contains("pantau berjalan")
                    && let Some(rest) = line.split(" http=").nth(1)
                {
                    break rest.split_whitespace().next().unwrap().to_string();
                }
            };
            std::thread::spawn(move || lines.for_each(drop));
            Daemon { child, address }
        })
        .await
        .unwrap()
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` and waits for the exit.
    pub async fn stop(mut self, signal: libc::c_int) -> ExitStatus {
        // SAFETY: kill(2) with a pid we own and a valid signal number has no memory effects.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
        assert_eq!(rc, 0);
        tokio::task::spawn_blocking(move || self.child.wait())
            .await
            .unwrap()
            .unwrap()
    }
}

/// An RSS feed that gains one item every 100 ms and shows its newest `window`, counting the
/// requests: a poller that stops for a while and comes back must find every item it missed.
/// Item `n` has the guid `g-n`.
pub struct GrowingFeed {
    started: Instant,
    window: usize,
    pub requests: Arc<AtomicUsize>,
}

impl GrowingFeed {
    pub fn new(window: usize) -> GrowingFeed {
        GrowingFeed {
            started: Instant::now(),
            window,
            requests: Arc::default(),
        }
    }
}

impl Respond for GrowingFeed {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let newest = 5 + self.started.elapsed().as_millis() as u64 / 100;
        let mut body = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Tumbuh</title>",
        );
        for n in (1..=newest).rev().take(self.window) {
            body.push_str(&format!(
                "<item><guid>g-{n}</guid><title>Kabar nomor {n} dari Tenggarong</title>\
                 <description>Laporan warga ke-{n} soal jalan rusak di Kutai Kartanegara.</description>\
                 <link>https://tumbuh.example/{n}</link><pubDate>Thu, 26 Nov 2026 10:00:00 +0800</pubDate></item>"
            ));
        }
        body.push_str("</channel></rss>");
        ResponseTemplate::new(200).set_body_raw(body, "application/rss+xml")
    }
}
