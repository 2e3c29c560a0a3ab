//! A long run, accelerated: `pantau run` polls 500 loopback feeds every second (a 15-minute
//! interval compressed 900×: a minute of this test is 15 hours of a real deployment, and
//! `PANTAU_SOAK_SECS=672` is a whole week of polls). Items are dated along a simulated week.
//! The daemon's resident memory and its open file descriptors and sockets are sampled from
//! /proc as it runs: both must stay flat after warm-up, no source may starve, and the daemon
//! must still be healthy and stop cleanly at the end.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Project;
use common::daemon::Daemon;
use jiff::{SignedDuration, Timestamp};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const SOURCES: usize = 500;

const PLACES: [&str; 10] = [
    "Samarinda",
    "Balikpapan",
    "Bontang",
    "Tenggarong",
    "Sangatta",
    "Penajam",
    "Tanjung Redeb",
    "Sendawar",
    "Tana Paser",
    "Ujoh Bilang",
];
const ISSUES: [&str; 6] = [
    "banjir merendam permukiman warga",
    "antrean solar mengular di SPBU",
    "listrik padam bergilir sejak pagi",
    "jalan poros rusak berlubang",
    "harga cabai naik di pasar",
    "kebakaran lahan dekat jalan tol",
];

/// 500 feeds: each request adds one item (the feed shows its newest 20), dated along a week
/// that ends now, 15 simulated minutes per request; every 20th feed answers 500, every 20th
/// (another) answers 304 to a matching ETag for nine requests out of ten.
struct Feeds {
    polls: Arc<Vec<AtomicU64>>,
    week_start: Timestamp,
}

impl Respond for Feeds {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let Some(n) = request
            .url
            .path()
            .strip_prefix("/feed/")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n < SOURCES)
        else {
            return ResponseTemplate::new(404);
        };
        let k = self.polls[n].fetch_add(1, Ordering::Relaxed) + 1;
        if n % 20 == 7 {
            return ResponseTemplate::new(500);
        }
        let etag = format!("\"{n}-{}\"", k / 10);
        if n % 20 == 3
            && request
                .headers
                .get("if-none-match")
                .is_some_and(|v| v.as_bytes() == etag.as_bytes())
        {
            return ResponseTemplate::new(304);
        }
        let mut body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Feed {n}</title>"
        );
        for i in (k.saturating_sub(19)..=k).rev() {
            let at = self.week_start + SignedDuration::from_mins(15 * i as i64);
            let at = at.min(Timestamp::now());
            let place = PLACES[(n + i as usize) % PLACES.len()];
            let issue = ISSUES[(n * 7 + i as usize) % ISSUES.len()];
            body.push_str(&format!(
                "<item><guid>f{n}-{i}</guid><title>{place}: {issue} (laporan {n}-{i})</title>\
                 <description>Warga {place} melaporkan {issue}; kejadian ke-{i} di sumber {n}.</description>\
                 <link>https://feed{n}.example/{i}</link><pubDate>{}</pubDate></item>",
                at.strftime("%a, %d %b %Y %H:%M:%S +0000")
            ));
        }
        body.push_str("</channel></rss>");
        ResponseTemplate::new(200)
            .insert_header("ETag", etag.as_str())
            .set_body_raw(body, "application/rss+xml")
    }
}

/// One reading of the daemon's /proc entries.
#[derive(Debug, Clone, Copy)]
struct Sample {
    at: Duration,
    rss_kib: u64,
    fds: usize,
    sockets: usize,
    posts: u64,
}

fn sample(pid: u32, at: Duration, posts: u64) -> Sample {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let rss_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    let mut fds = 0;
    let mut sockets = 0;
    for entry in std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .flatten()
    {
        fds += 1;
        if std::fs::read_link(entry.path())
            .is_ok_and(|t| t.to_string_lossy().starts_with("socket:"))
        {
            sockets += 1;
        }
    }
    Sample {
        at,
        rss_kib,
        fds,
        sockets,
        posts,
    }
}

/// `PANTAU_SOAK_TOPICS=N` adds topics beside the shipped ones up to N in all (the memory
/// target is for 1,000), each of 40 terms: phrases of one of the feeds' issue words and
/// a made-up word, and made-up words, so the added lists are as large as real ones; every
/// tenth also has an issue word alone, so that it tags posts. Returns the number of topics the daemon runs with.
fn add_generated_topics(project: &Project) -> usize {
    let dir = project.path().join("keywords/topics");
    let shipped = std::fs::read_dir(&dir).unwrap().count();
    let wanted: usize = std::env::var("PANTAU_SOAK_TOPICS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let syllables = ["ba", "ka", "ri", "lu", "tan", "mo", "se", "ung", "da", "wi"];
    let word = |n: usize| -> String {
        let mut n = n;
        let mut w = String::new();
        for _ in 0..4 {
            w.push_str(syllables[n % syllables.len()]);
            n /= syllables.len();
        }
        w
    };
    let issue_words = ["banjir", "solar", "listrik", "jalan", "cabai", "kebakaran"];
    for t in shipped..wanted {
        let terms: Vec<String> = (0..40)
            .map(|i| match i % 4 {
                // Every tenth topic also takes an issue word alone, so it tags posts.
                0 if i == 0 && t % 10 == 0 => issue_words[t % issue_words.len()].to_string(),
                0 => format!(
                    "{} {}",
                    issue_words[(t + i) % issue_words.len()],
                    word(t * 40 + i)
                ),
                _ => word(t * 40 + i + 7919),
            })
            .collect();
        let list = terms
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(", ");
        std::fs::write(
            dir.join(format!("uji-{t:04}.toml")),
            format!("name = \"Topik uji {t}\"\nany = [{list}]\nexclude = []\n"),
        )
        .unwrap();
    }
    shipped.max(wanted)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_compressed_week_against_500_sources_keeps_memory_and_descriptors_flat() {
    let seconds: u64 = std::env::var("PANTAU_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(45);
    let server = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    let polls = Arc::new((0..SOURCES).map(|_| AtomicU64::new(0)).collect::<Vec<_>>());
    let week_start = Timestamp::now() - SignedDuration::from_hours(24 * 7);
    Mock::given(wiremock::matchers::method("GET"))
        .respond_with(Feeds {
            polls: polls.clone(),
            week_start,
        })
        .mount(&server)
        .await;
    let sources: String = (0..SOURCES)
        .map(|n| {
            format!(
                "[[sources]]\nid = \"feed{n}\"\nkind = \"feed\"\nurl = \"{}/feed/{n}\"\ninterval = \"1s\"\nadaptive = false\n",
                server.uri()
            )
        })
        .collect();
    let project = Project::new("[fetch]\nper_host = 64\nmax_backoff = \"2s\"\n", &sources);
    let topics = add_generated_topics(&project);
    let daemon = Daemon::start(&project, &[]).await;
    let pid = daemon.pid();
    let db = project.sql();
    let count_posts = move || -> u64 {
        db.query_row("SELECT count(*) FROM posts", &[], |r| r.get(0))
            .unwrap_or(0)
    };

    let started = Instant::now();
    let samples = Arc::new(Mutex::new(Vec::new()));
    let every = Duration::from_secs((seconds / 15).max(2));
    while started.elapsed() < Duration::from_secs(seconds) {
        tokio::time::sleep(every).await;
        let posts = tokio::task::spawn_blocking(count_posts.clone())
            .await
            .unwrap();
        samples
            .lock()
            .unwrap()
            .push(sample(pid, started.elapsed(), posts));
    }

    let health = reqwest::get(format!("{}/healthz", daemon.base()))
        .await
        .unwrap();
    let healthy = health.status().is_success();
    let reason = health.text().await.unwrap();
    let stopping = Instant::now();
    let status = daemon.stop(libc::SIGTERM).await;
    let stop_took = stopping.elapsed();

    let samples = samples.lock().unwrap().clone();
    println!(
        "{SOURCES} sources, {topics} topics, 1 s interval, {seconds} s (= {:.1} simulated days at 15 min):",
        seconds as f64 * 900.0 / 86_400.0
    );
    println!("  t (s)   RSS (MiB)   fds   sockets   posts");
    for s in &samples {
        println!(
            "  {:>5}   {:>9.1}   {:>3}   {:>7}   {:>5}",
            s.at.as_secs(),
            s.rss_kib as f64 / 1024.0,
            s.fds,
            s.sockets,
            s.posts
        );
    }
    let polled: Vec<u64> = polls.iter().map(|p| p.load(Ordering::Relaxed)).collect();
    let fewest = *polled.iter().min().unwrap();
    let total: u64 = polled.iter().sum();
    println!(
        "  {total} requests; the least polled source {fewest} times; stopped in {stop_took:?}"
    );

    assert!(healthy, "unhealthy at the end: {reason}");
    assert!(status.success(), "{status:?}");
    assert!(
        stop_took < Duration::from_secs(10),
        "stop took {stop_took:?}"
    );
    // No source starves: a saturated daemon (500 polls a second is more than a debug build
    // on a busy 2-core machine does) slows every source alike, and keeps making progress.
    let mean = total as f64 / SOURCES as f64;
    assert!(
        fewest as f64 >= mean / 2.0,
        "a source was polled {fewest} times against a mean of {mean:.1}"
    );
    assert!(
        mean >= seconds as f64 / 8.0,
        "only {mean:.1} polls per source in {seconds} s"
    );
    // Flat after warm-up: from the end of the first third on, memory grows by at most a
    // quarter plus 16 MiB while posts keep arriving.
    let warm = samples[samples.len() / 3];
    let last = *samples.last().unwrap();
    assert!(
        last.posts > warm.posts,
        "posts stopped arriving: {samples:?}"
    );
    let peak_rss = samples[samples.len() / 3..]
        .iter()
        .map(|s| s.rss_kib)
        .max()
        .unwrap();
    assert!(
        peak_rss <= warm.rss_kib + warm.rss_kib / 4 + 16 * 1024,
        "memory grew from {} KiB to {peak_rss} KiB",
        warm.rss_kib
    );
    // Descriptors: the database, the listener and the like, plus connections to the one feed
    // host: at most `per_host` (64) requests in flight and as many idle in the pool (a
    // connection raced open while the machine stalled is kept idle). A leak of one per
    // request would show thousands of sockets; the other descriptors stay flat. (The sockets
    // in the pool rise and fall with how many polls overlap, by tens late in a run too, so
    // they are held to the pool's bound rather than to the middle of the run.)
    let peak_sockets = samples.iter().map(|s| s.sockets).max().unwrap();
    assert!(peak_sockets <= 2 * 64 + 8, "{peak_sockets} sockets open");
    let third = samples.len() / 3;
    let others = |s: &[Sample]| {
        s.iter()
            .map(|s| s.fds.saturating_sub(s.sockets))
            .max()
            .unwrap()
    };
    let middle = others(&samples[third..2 * third]);
    let end = others(&samples[2 * third..]);
    assert!(
        end <= middle + 8,
        "descriptors other than sockets still growing: {middle} then {end}"
    );
}
