//! Three `pantau run` nodes on one PostgreSQL database, as a national deployment runs them:
//! 200 feeds served on loopback, each growing an item every [`STEP`]; one node killed with
//! SIGKILL while polling. Every item must be stored exactly once, none missing; each source
//! fetched by one node at a time (the killed node's sources handed over once, within the
//! lease's time); the day's briefing written by one node; each alert decided once and sent
//! once to a webhook on loopback, by the node holding the alert job.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Project, feed_source, rss};
use pantau::store::testing::TestDb;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const NODES: usize = 3;
const FEEDS: usize = 200;
/// Items each feed ends with.
const ITEMS: usize = 8;
/// A feed grows by an item this often.
const STEP: Duration = Duration::from_millis(1500);
/// Each source's polling interval.
const INTERVAL: &str = "2s";
/// When the victim is killed, after the nodes started.
const KILL_AFTER: Duration = Duration::from_secs(6);
/// The longest the whole run may take: the posts, then the alert job's next wake (it checks
/// every [`pantau::daemon::alerting::DELIVERY_TICK`] at most) and its delivery.
const LIMIT: Duration = Duration::from_secs(75);

/// Who fetched which feed, and when.
#[derive(Default)]
struct Log(Mutex<Vec<(usize, String, Instant)>>);

/// The feeds: `/f/N` lists the items published so far, oldest first, up to [`ITEMS`].
struct Feeds {
    start: Instant,
    /// Every item's `pubDate`: the test's start, so that the flood is today's news and rises.
    published: String,
    log: Arc<Log>,
}

impl Respond for Feeds {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let feed: usize = request.url.path()[3..].parse().unwrap();
        // The node's name, from its configured user agent.
        let node = request
            .headers
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .and_then(|ua| ua.split_whitespace().find(|w| w.starts_with("node-")))
            .unwrap_or_default()
            .to_string();
        self.log
            .0
            .lock()
            .unwrap()
            .push((feed, node, Instant::now()));
        let out = (self.start.elapsed().as_millis() / STEP.as_millis()) as usize + 1;
        let items: Vec<(String, String, String, String)> = (0..out.min(ITEMS))
            .map(|k| {
                (
                    format!("f{feed}-{k}"),
                    format!("Kabar {feed} nomor {k}"),
                    common::flood_story(feed * ITEMS + k),
                    format!("https://warta{feed}.example/{k}"),
                )
            })
            .collect();
        let items: Vec<(&str, &str, &str, &str)> = items
            .iter()
            .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
            .collect();
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/rss+xml")
            .set_body_string(rss(&items).replace(common::RSS_PUBLISHED, &self.published))
    }
}

/// A node's project: its own configuration (name, briefing folder, user agent) on the shared
/// database and the shared feeds.
/// Alerts are checked as often as the job wakes, with a second of history asked for, and sent to the
/// webhook at `hook`.
fn node_project(db: &TestDb, n: usize, feeds: &str, hook: &str) -> Project {
    let settings = format!(
        "[storage]\n{}node = \"node-{n}\"\n\n[schedule]\ntimezone = \"UTC\"\nbriefing_at = \"00:00\"\n\n\
         [fetch]\nper_host = 16\nadaptive = false\nuser_agent = \"node-{n}\"\n\n\
         [alerts]\nevery = \"1s\"\nmin_history = \"1s\"\n\n\
         [[alerts.sinks]]\nid = \"humas\"\nkind = \"webhook\"\nurl = \"{hook}\"\n",
        db.storage_toml()
    );
    Project::new(&settings, feeds)
}

fn start(project: &Project, n: usize) -> (Child, PathBuf) {
    let log = project.path().join(format!("node-{n}.log"));
    let child = Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["--config", project.config().to_str().unwrap(), "run"])
        .current_dir(project.path())
        .env("RUST_LOG", "warn,pantau=info")
        .env("PANTAU__HTTP__BIND", "127.0.0.1:0")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("pantau run starts");
    (child, log)
}

/// Runs `query` on the test database, off the async workers.
async fn rows(db: &TestDb, query: impl Into<String>) -> Vec<postgres::Row> {
    let (url, query) = (db.url().expose().to_string(), query.into());
    tokio::task::spawn_blocking(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client.query(query.as_str(), &[]).unwrap()
    })
    .await
    .unwrap()
}

async fn count(db: &TestDb, query: impl Into<String>) -> i64 {
    rows(db, query).await[0].get(0)
}

#[test]
fn three_nodes_share_the_sources_and_survive_a_killed_one() {
    if common::sqlite_only("it runs PostgreSQL itself on the SQLite pass") {
        return;
    }
    let Some(db) = TestDb::create() else { return };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run(&db));
}

async fn run(db: &TestDb) {
    let server = MockServer::start().await;
    let log = Arc::new(Log::default());
    Mock::given(path_regex(r"^/f/\d+$"))
        .respond_with(Feeds {
            start: Instant::now(),
            published: jiff::fmt::rfc2822::DateTimePrinter::new()
                .timestamp_to_string(&jiff::Timestamp::now())
                .unwrap(),
            log: log.clone(),
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let hook = format!("{}/hook", server.uri());
    let feeds: String = (0..FEEDS)
        .map(|i| {
            let extra = format!("interval = \"{INTERVAL}\"");
            feed_source(&format!("f{i}"), &format!("{}/f/{i}", server.uri()), &extra)
        })
        .collect();
    let projects: Vec<Project> = (0..NODES)
        .map(|n| node_project(db, n, &feeds, &hook))
        .collect();
    for p in &projects {
        p.load();
    }
    let started = Instant::now();
    let mut nodes: Vec<(Child, PathBuf)> = projects
        .iter()
        .enumerate()
        .map(|(n, p)| start(p, n))
        .collect();

    // Mid-poll, kill a node that polls sources but runs neither the alert job (whose lease
    // outlasts this test) nor the briefing.
    tokio::time::sleep(KILL_AFTER).await;
    let held = rows(
        db,
        "SELECT node, count(*) FROM leases WHERE name LIKE 'source:%' GROUP BY node",
    )
    .await;
    let jobs: Vec<String> = rows(db, "SELECT node FROM leases WHERE name LIKE 'job:%'")
        .await
        .iter()
        .map(|r| r.get(0))
        .collect();
    let holders: BTreeMap<String, i64> = held.iter().map(|r| (r.get(0), r.get(1))).collect();
    let victim = (0..NODES)
        .find(|n| {
            let name = format!("node-{n}");
            holders.contains_key(&name) && !jobs.contains(&name)
        })
        .unwrap_or_else(|| panic!("a node polls sources without a job: {holders:?} {jobs:?}"));
    nodes[victim].0.kill().unwrap();
    nodes[victim].0.wait().unwrap();
    let killed_at = Instant::now();

    let expected = (FEEDS * ITEMS) as i64;
    while started.elapsed() < LIMIT && count(db, "SELECT count(*) FROM posts").await < expected {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // The flood rises in Samarinda from nothing: the alert job's next check alerts it.
    while started.elapsed() < LIMIT
        && count(
            db,
            "SELECT count(*) FROM alert_deliveries WHERE status = 'sent'",
        )
        .await
            == 0
    {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // From here the nodes stop one after another, each giving its sources up as it goes, and
    // a node still running may take them: fetches from then on are not the handover under test.
    let stopping_at = Instant::now();
    for (n, (child, _)) in nodes.iter_mut().enumerate() {
        if n != victim {
            // SAFETY: kill(2) with a pid we own and a valid signal number.
            unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
            let status = child.wait().unwrap();
            assert!(status.success(), "node-{n} stopped cleanly");
        }
    }
    let logs: Vec<String> = nodes
        .iter()
        .map(|(_, l)| std::fs::read_to_string(l).unwrap())
        .collect();

    // Every item stored exactly once, none missing.
    let total = count(db, "SELECT count(*) FROM posts").await;
    let distinct = count(
        db,
        "SELECT count(*) FROM (SELECT DISTINCT source_id, external_id FROM posts) p",
    )
    .await;
    assert_eq!(
        (total, distinct),
        (expected, expected),
        "logs:\n{}",
        logs.join("\n---\n")
    );
    let short = rows(
        db,
        format!("SELECT source_id FROM posts GROUP BY source_id HAVING count(*) <> {ITEMS}"),
    )
    .await;
    assert!(short.is_empty(), "{} sources with a gap", short.len());

    // One node at a time per source: the fetching node changes at most once, and only from
    // the killed one, within the lease's hold and a retry of its lapse.
    let victim_name = format!("node-{victim}");
    let log = log.0.lock().unwrap().clone();
    let mut by_feed: HashMap<usize, Vec<(&str, Instant)>> = HashMap::new();
    for (feed, node, at) in log.iter().filter(|(_, _, at)| *at < stopping_at) {
        by_feed.entry(*feed).or_default().push((node.as_str(), *at));
    }
    let mut longest_gap = Duration::ZERO;
    for (feed, fetches) in &by_feed {
        let changes: Vec<_> = fetches.windows(2).filter(|w| w[0].0 != w[1].0).collect();
        assert!(changes.len() <= 1, "feed {feed}: {fetches:?}");
        if let Some(w) = changes.first() {
            assert_eq!(
                w[0].0, victim_name,
                "feed {feed}: only the killed node's move"
            );
            longest_gap = longest_gap.max(w[1].1.saturating_duration_since(killed_at));
        }
    }
    assert_eq!(by_feed.len(), FEEDS, "every feed was fetched");
    // The lease lapses at most a hold after the last renewal before the kill; then a retry, a
    // poll and a loaded machine (three debug builds and PostgreSQL on two cores).
    let bound = pantau::sources::poll::hold_for(Duration::from_secs(2)) + Duration::from_secs(8);
    assert!(
        longest_gap <= bound,
        "sources taken over {longest_gap:?} after the kill (bound {bound:?})"
    );
    eprintln!(
        "multinode: {total} posts, victim {victim_name} held {:?} sources, taken over within {longest_gap:?}",
        holders.get(&victim_name)
    );

    // Each briefing written once, by one node, its files in that node's folder only. The
    // briefing job's lease is taken per briefing, so on a Monday (or the 1st) the day's and the
    // week's (or month's) briefings may fall to different nodes.
    let briefings = count(db, "SELECT count(*) FROM briefings").await;
    let written: usize = logs
        .iter()
        .map(|l| l.matches("briefing ditulis").count())
        .sum();
    assert_eq!(written as i64, briefings, "each briefing written once");
    let mut writers: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for (n, p) in projects.iter().enumerate() {
        let files = std::fs::read_dir(p.path().join("briefings"))
            .into_iter()
            .flatten();
        for name in files
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
        {
            if let Some(stem) = name.strip_suffix(".json") {
                writers.entry(stem.to_string()).or_default().insert(n);
            }
        }
    }
    assert!(briefings >= 1, "the day's briefing was written");
    assert_eq!(writers.len() as i64, briefings, "{writers:?}");
    assert!(writers.values().all(|w| w.len() == 1), "{writers:?}");
    eprintln!("multinode: briefings and the node that wrote each: {writers:?}");

    // Each alert decided once and sent once, by one node.
    let open_twice = count(
        db,
        "SELECT count(*) FROM (SELECT topic_id, region_id FROM alert_episodes
           WHERE closed_at IS NULL GROUP BY topic_id, region_id HAVING count(*) > 1) t",
    )
    .await;
    let alerts_twice = count(
        db,
        "SELECT count(*) FROM (SELECT episode_id, follow_up FROM alerts
           GROUP BY episode_id, follow_up HAVING count(*) > 1) t",
    )
    .await;
    assert_eq!((open_twice, alerts_twice), (0, 0));
    let alerts = count(db, "SELECT count(*) FROM alerts").await;
    let sent = count(
        db,
        "SELECT count(*) FROM alert_deliveries WHERE status = 'sent' AND attempts = 1",
    )
    .await;
    let received: Vec<serde_json::Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/hook")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let told: BTreeSet<String> = received
        .iter()
        .map(|p| format!("{} {} {}", p["topic"], p["region"], p["previous_count"]))
        .collect();
    assert!(
        alerts >= 1,
        "the flood alerted; logs:\n{}",
        logs.join("\n---\n")
    );
    assert_eq!(
        (received.len(), told.len(), sent),
        (alerts as usize, alerts as usize, alerts),
        "each alert sent once: {told:?}"
    );
    assert!(told.iter().any(|t| t.starts_with("\"banjir\"")), "{told:?}");
    let senders: BTreeSet<usize> = (0..NODES)
        .filter(|n| logs[*n].contains("peringatan terkirim"))
        .collect();
    assert_eq!(senders.len(), 1, "alert senders: {senders:?}");
    assert!(!senders.contains(&victim));
    let sender = senders.first().unwrap();
    eprintln!("multinode: {alerts} alert(s), each sent once, by node-{sender}: {told:?}");
}
