//! `pantau run` as an operator runs it: the real binary, polling a loopback feed server on
//! schedule, stopped with SIGTERM.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Project, feed_source, query_i64, rss};
use pantau::store::{Browse, Maintenance, Status};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn start(project: &Project) -> Child {
    Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["--config", project.config().to_str().unwrap(), "run"])
        .current_dir(project.path())
        .env("RUST_LOG", "info")
        // Tests run side by side: each daemon's HTTP server takes a port of its own.
        .env("PANTAU__HTTP__BIND", "127.0.0.1:0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pantau run starts")
}

fn sigterm(child: &Child) {
    // SAFETY: kill(2) with a pid we own and a valid signal number has no memory effects.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(rc, 0);
}

/// Waits for the process to exit, at most `limit`; returns its status and stderr.
async fn wait_exit(mut child: Child, limit: Duration) -> (std::process::ExitStatus, String) {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            use std::io::Read as _;
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            return (status, err);
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("pantau did not stop within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    done()
}

/// Posts stored so far; 0 while the daemon has not created the database or its tables yet.
fn stored(project: &Project) -> i64 {
    project
        .sql()
        .query_row("SELECT count(*) FROM posts", &[], |r| r.get(0))
        .unwrap_or(0)
}

struct Clock(Arc<Mutex<Vec<Instant>>>, String);

impl Respond for Clock {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.0.lock().unwrap().push(Instant::now());
        ResponseTemplate::new(200).set_body_raw(self.1.clone(), "application/rss+xml")
    }
}

/// The daemon polls each source on its interval and stops cleanly on SIGTERM.
#[tokio::test(flavor = "multi_thread")]
async fn polls_on_schedule_and_stops_on_sigterm() {
    let server = MockServer::start().await;
    let times = Arc::new(Mutex::new(Vec::new()));
    let body = rss(&[
        (
            "a-1",
            "Banjir di Sempaja",
            "Air naik.",
            "https://a.example/1",
        ),
        (
            "a-2",
            "Listrik padam di Loktuan",
            "PLN gangguan.",
            "https://a.example/2",
        ),
    ]);
    Mock::given(path("/rss"))
        .respond_with(Clock(times.clone(), body))
        .mount(&server)
        .await;
    let project = Project::new(
        "",
        &feed_source("a", &format!("{}/rss", server.uri()), "interval = \"1s\""),
    );
    let child = start(&project);

    let polled = until(Duration::from_secs(20), || times.lock().unwrap().len() >= 3).await;
    sigterm(&child);
    let (status, log) = wait_exit(child, Duration::from_secs(10)).await;
    assert!(polled, "fewer than 3 polls in 20 s; log:\n{log}");
    assert!(status.success(), "exit {status:?}; log:\n{log}");
    assert!(log.contains("berhenti"), "{log}");

    let times = times.lock().unwrap();
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        // 1 s ± 10 % jitter, never hammering.
        assert!(
            gap >= Duration::from_millis(850),
            "polled after only {gap:?}"
        );
    }
    let (integrity, posts) = project.with_store(|s| (s.integrity_check(), s.count_posts()));
    assert_eq!(integrity.unwrap(), "ok");
    assert_eq!(posts.unwrap(), 2);
    let store = project.store();
    assert!(
        query_i64(
            &store,
            "SELECT count(*) FROM fetch_log WHERE source_id = 'a'"
        ) >= 3
    );
    // The clean stop folded the WAL back into the database file (SQLite's).
    let wal = project.db().with_extension("db-wal");
    assert!(
        !wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0,
        "{log}"
    );
}

/// SIGTERM while a slow source is mid-poll: the daemon exits within the deadline, what was
/// committed stays (once), the interrupted poll leaves its cursor untouched, and a restart
/// adds no duplicate.
#[tokio::test(flavor = "multi_thread")]
async fn a_stop_mid_poll_loses_no_committed_post() {
    let server = MockServer::start().await;
    Mock::given(path("/fast"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            rss(&[
                (
                    "f-1",
                    "Antrean solar di Sangatta",
                    "Sejak subuh.",
                    "https://f.example/1",
                ),
                (
                    "f-2",
                    "Harga cabai naik",
                    "Di pasar.",
                    "https://f.example/2",
                ),
                (
                    "f-3",
                    "Jalan rusak di Melak",
                    "Truk terperosok.",
                    "https://f.example/3",
                ),
            ]),
            "application/rss+xml",
        ))
        .mount(&server)
        .await;
    Mock::given(path("/slow"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(
                    rss(&[("s-1", "Banjir", "x", "https://s.example/1")]),
                    "application/rss+xml",
                )
                .set_delay(Duration::from_secs(120)),
        )
        .mount(&server)
        .await;
    let uri = server.uri();
    let project = Project::new(
        "[fetch]\ntimeout = \"5m\"\n",
        &(feed_source("fast", &format!("{uri}/fast"), "interval = \"1s\"")
            + &feed_source("slow", &format!("{uri}/slow"), "")),
    );
    let child = start(&project);
    let ready = until(Duration::from_secs(20), || stored(&project) == 3).await;
    let mut slow_in_flight = false;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !slow_in_flight && Instant::now() < deadline {
        let requests = server.received_requests().await.unwrap_or_default();
        slow_in_flight = requests.iter().any(|q| q.url.path() == "/slow");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stop_at = Instant::now();
    sigterm(&child);
    let (status, log) = wait_exit(child, Duration::from_secs(10)).await;
    assert!(ready && slow_in_flight, "setup did not happen; log:\n{log}");
    assert!(status.success(), "exit {status:?}; log:\n{log}");
    assert!(stop_at.elapsed() < Duration::from_secs(10));

    let (integrity, posts, slow) = project.with_store(|s| {
        (
            s.integrity_check(),
            s.count_posts(),
            s.source_state(&"slow".into()),
        )
    });
    assert_eq!(integrity.unwrap(), "ok");
    assert_eq!(posts.unwrap(), 3);
    assert_eq!(slow.unwrap().cursor, pantau::model::Cursor::Start);

    let out = project.pantau(&["poll", "--once", "--source", "fast"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(
        common::stdout(&out).contains("0 pos baru"),
        "{}",
        common::stdout(&out)
    );
    assert_eq!(stored(&project), 3);
}

fn meta(project: &Project, key: &str) -> Option<String> {
    project
        .read(|s| s.meta(key).ok().flatten())
        .flatten()
        .map(|(v, _)| v)
}

/// A saved edit of the keyword lists is applied while the daemon runs; a broken edit is
/// rejected whole, the last good lists stay, and `pantau sources` says so.
#[tokio::test(flavor = "multi_thread")]
async fn keyword_edits_reload_and_broken_edits_are_rejected() {
    let server = MockServer::start().await;
    Mock::given(path("/rss"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            rss(&[(
                "a-1",
                "Air bah di Sempaja",
                "Warga mengungsi.",
                "https://a.example/1",
            )]),
            "application/rss+xml",
        ))
        .mount(&server)
        .await;
    let project = Project::new(
        "",
        &feed_source("a", &format!("{}/rss", server.uri()), "interval = \"1h\""),
    );
    let child = start(&project);
    let started = until(Duration::from_secs(20), || {
        meta(&project, "keywords.version").is_some()
    })
    .await;
    let first = meta(&project, "keywords.version");

    // An analyst adds a term: the running service picks it up within seconds.
    let topic = project.path().join("keywords/topics/banjir.toml");
    let text = std::fs::read_to_string(&topic).unwrap();
    std::fs::write(&topic, text.replacen("any = [", "any = [\"air bah\", ", 1)).unwrap();
    let reloaded = until(Duration::from_secs(15), || {
        meta(&project, "keywords.version") != first
    })
    .await;
    let second = meta(&project, "keywords.version");

    // A broken edit: rejected, the second version stays in force.
    std::fs::write(&topic, "name = \"Banjir\"\nany = [\"banjir\"\n").unwrap();
    let rejected = until(Duration::from_secs(15), || {
        meta(&project, "keywords.rejected").is_some()
    })
    .await;
    let out = project.pantau(&["sources"]);

    // The edit undone: the same lists as before, and the rejection no longer stands.
    std::fs::write(&topic, text.replacen("any = [", "any = [\"air bah\", ", 1)).unwrap();
    let cleared = until(Duration::from_secs(15), || {
        meta(&project, "keywords.rejected").is_none()
    })
    .await;
    sigterm(&child);
    let (status, log) = wait_exit(child, Duration::from_secs(10)).await;
    assert!(
        started && reloaded && rejected && cleared,
        "started {started}, reloaded {reloaded}, rejected {rejected}, cleared {cleared}; log:\n{log}"
    );
    assert!(status.success(), "{log}");
    assert_eq!(meta(&project, "keywords.version"), second);
    assert!(log.contains("daftar kata kunci dimuat ulang"), "{log}");
    assert!(log.contains("perubahan kata kunci ditolak"), "{log}");
    let shown = common::stdout(&out);
    assert!(shown.contains("Perubahan kata kunci ditolak"), "{shown}");
    assert!(shown.contains("keywords/topics/banjir.toml:2:"), "{shown}");
}

/// The daemon's keyword reloads by result, from `GET /metrics`.
async fn reloads(daemon: &common::daemon::Daemon) -> Vec<String> {
    let text = reqwest::get(format!("{}/metrics", daemon.base()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with("pantau_keyword_reloads_total"))
        .map(str::to_string)
        .collect()
}

/// Reading the keyword lists is not editing them. Linux reports every open of a watched file,
/// and a reload reads every list: the daemon took its own reads (and an analyst's `pantau
/// check`, an editor opening a file, a backup) for edits, and rebuilt its classifier without
/// pause. Now an edit reloads once and the lists are then left alone.
#[tokio::test(flavor = "multi_thread")]
async fn reading_the_keyword_lists_does_not_reload_them() {
    let project = Project::new("", "");
    let daemon = common::daemon::Daemon::start(&project, &[]).await;
    let dir = project.path().join("keywords");
    let read_all = || {
        for entry in walk(&dir) {
            std::fs::read(entry).unwrap();
        }
    };
    read_all();
    let out = project.pantau(&["keywords", "check"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after_reads = reloads(&daemon).await;

    let topic = dir.join("topics/banjir.toml");
    let text = std::fs::read_to_string(&topic).unwrap();
    std::fs::write(&topic, text.replacen("any = [", "any = [\"air bah\", ", 1)).unwrap();
    let mut after_edit = Vec::new();
    for _ in 0..60 {
        after_edit = reloads(&daemon).await;
        if !after_edit.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Long enough for several rounds of the old loop (700 ms settling + a rebuild each).
    tokio::time::sleep(Duration::from_secs(4)).await;
    read_all();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let later = reloads(&daemon).await;
    let status = daemon.stop(libc::SIGTERM).await;
    assert!(status.success());
    assert_eq!(
        after_reads,
        Vec::<String>::new(),
        "reads reloaded the lists"
    );
    assert_eq!(
        after_edit,
        ["pantau_keyword_reloads_total{result=\"applied\"} 1"],
        "one edit, one reload"
    );
    assert_eq!(later, after_edit, "the reload's own reads reloaded again");
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// A rising topic in the store: `pantau run` alerts the webhook once, and a restart sends
/// nothing again.
#[tokio::test]
async fn the_daemon_alerts_a_rising_topic_once_across_a_restart() {
    let hook = MockServer::start().await;
    Mock::given(path("/hook"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&hook)
        .await;
    let project = Project::new(
        &format!(
            "[alerts]\n[[alerts.sinks]]\nid = \"humas\"\nkind = \"webhook\"\nurl = \"{}/hook\"\n",
            hook.uri()
        ),
        "",
    );
    let classifier = pantau::Classifier::load(&project.settings().keywords.dir).unwrap();
    let now = jiff::Timestamp::now();
    let hours = |h: f64| now - jiff::SignedDuration::from_secs_f64(h * 3600.0);
    let mut posts = Vec::new();
    // One story a day for a week, then nine in the last four hours from four sources.
    let times: Vec<jiff::Timestamp> = (1..=8)
        .map(|d| hours(24.0 * d as f64 + 1.0))
        .chain((0..9).map(|i| hours(4.0 - i as f64 * 0.4)))
        .collect();
    for (n, t) in times.into_iter().enumerate() {
        let post = pantau::Post {
            source: pantau::SourceId::new(["a", "b", "c", "d"][n % 4]),
            external_id: format!("p{n}"),
            url: Some(format!("https://warga.example/{n}")),
            title: None,
            text: common::flood_story(n),
            author: None,
            published: t,
            fetched: t,
            lang: None,
            platform: None,
            reach: Default::default(),
        };
        let tags = classifier.tags(&post, None);
        posts.push((post, tags));
    }
    project
        .with_store(|s| s.insert_posts(&posts, "uji"))
        .unwrap();

    let child = start(&project);
    let mut alerted = false;
    for _ in 0..200 {
        if hook.received_requests().await.unwrap().len() == 1 {
            alerted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sigterm(&child);
    let (status, log) = wait_exit(child, Duration::from_secs(10)).await;
    assert!(alerted && status.success(), "log:\n{log}");
    assert!(
        log.contains("Banjir, banjir rob dan genangan naik di Kota Samarinda"),
        "{log}"
    );
    let body: serde_json::Value =
        serde_json::from_slice(&hook.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(body["topic"], "banjir");

    // Restarted, the daemon checks again at once: the episode is stored, nothing is resent.
    let child = start(&project);
    let store_ready = until(Duration::from_secs(10), || stored(&project) > 0).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    sigterm(&child);
    let (status, log) = wait_exit(child, Duration::from_secs(10)).await;
    assert!(store_ready && status.success(), "log:\n{log}");
    assert_eq!(hook.received_requests().await.unwrap().len(), 1);
    let store = project.store();
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM alert_deliveries WHERE status = 'sent'"
        ),
        1
    );
}

/// Under systemd (`Type=notify`): READY=1 once running, WATCHDOG=1 while the writer answers,
/// STOPPING=1 on SIGTERM, all on the socket systemd names in NOTIFY_SOCKET.
#[tokio::test]
async fn the_daemon_speaks_sd_notify() {
    let project = Project::new("", "");
    let socket_path = project.path().join("notify.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["--config", project.config().to_str().unwrap(), "run"])
        .current_dir(project.path())
        .env("PANTAU__HTTP__BIND", "127.0.0.1:0")
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "1000000")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut messages = Vec::new();
    let mut buf = [0u8; 512];
    while !(messages.iter().any(|m: &String| m.contains("READY=1"))
        && messages.iter().any(|m| m.contains("WATCHDOG=1")))
    {
        let n = socket.recv(&mut buf).expect("a notification within 20 s");
        messages.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    sigterm(&child);
    loop {
        let n = socket.recv(&mut buf).expect("STOPPING=1 within 20 s");
        let m = String::from_utf8_lossy(&buf[..n]).into_owned();
        if m.contains("STOPPING=1") {
            break;
        }
    }
    let (status, log) = wait_exit(child, Duration::from_secs(10)).await;
    assert!(status.success(), "{log}");
}

/// A daily briefing missed while the daemon was down (its time today has passed and
/// yesterday's is not recorded) is written when it starts, under the configured office's
/// letterhead, recorded in the store and listed in the folder's index.
#[tokio::test(flavor = "multi_thread")]
async fn a_missed_briefing_is_written_when_the_daemon_starts() {
    let project = Project::new(
        "[schedule]\nbriefing_at = \"00:00\"\n\n[briefing]\noffice = \"Diskominfo Kota Uji\"\n",
        "",
    );
    let tz = jiff::tz::TimeZone::get("Asia/Makassar").unwrap();
    let yesterday = pantau::time::local_date(jiff::Timestamp::now(), &tz)
        .yesterday()
        .unwrap();
    let dir = project.path().join("briefings");
    let html = dir.join(format!("{yesterday}.html"));
    let index = dir.join("index.html");
    let child = start(&project);
    let written = until(Duration::from_secs(30), || {
        html.is_file() && dir.join(format!("{yesterday}.json")).is_file() && index.is_file()
    })
    .await;
    // The row is recorded right after the files are written.
    let recorded = until(Duration::from_secs(10), || {
        project
            .read(|s| s.briefing(&yesterday.to_string()).ok().flatten().is_some())
            .unwrap_or(false)
    })
    .await;
    sigterm(&child);
    let (status, log) = wait_exit(child, Duration::from_secs(10)).await;
    assert!(written, "no briefing for {yesterday}; log:\n{log}");
    assert!(recorded, "the briefing is not recorded; log:\n{log}");
    assert!(status.success(), "{log}");
    assert!(log.contains("briefing yang terlewat"), "{log}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("Diskominfo Kota Uji"));
    let listed = std::fs::read_to_string(&index).unwrap();
    assert!(listed.contains(&format!("href=\"{yesterday}.html\"")));
}
