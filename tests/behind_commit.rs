//! The full-text index and story placement run behind the commit (`store::pending`), under two
//! promises, held here against the real daemon on loopback:
//! - a post is searchable (`GET /api/posts?q=…`) and placed in its story within 2 seconds of
//!   its commit while posts keep coming in;
//! - after `kill -9` with committed posts still pending, the restarted service answers
//!   `/healthz` only once they are indexed and placed.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::Project;
use common::daemon::Daemon;

const TOKEN: &str = "uji-token-indeks";
/// The promise.
const WITHIN: Duration = Duration::from_secs(2);

/// JSON Lines of `n` posts from `first` on, each naming a flood (a topic, so a story) and a
/// word of its own, so that search finds exactly it. The rest is word salad: stating the
/// language keeps detection out of it.
fn lines(first: u64, n: u64) -> String {
    (first..first + n)
        .map(|i| {
            format!(
                "{{\"source\":\"laporan\",\"id\":\"p-{i}\",\"lang\":\"id\",\"text\":\"{} penanda{i}x\"}}\n",
                common::flood_story_in(i as usize, "Samarinda Ulu")
            )
        })
        .collect()
}

/// Pushes `body`; true when the server acknowledged it (its 200 comes after the commit).
async fn push(client: &reqwest::Client, base: &str, body: String) -> bool {
    client
        .post(format!("{base}/api/ingest"))
        .bearer_auth(TOKEN)
        .body(body)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

/// The posts `/api/posts?q=WORD` finds, as JSON.
async fn found(client: &reqwest::Client, base: &str, word: &str) -> Vec<serde_json::Value> {
    let body = client
        .get(format!("{base}/api/posts?q={word}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    body["posts"].as_array().cloned().unwrap_or_default()
}

/// Keeps pushing batches of 200 posts, from id `next` on, until `stop`.
async fn load(base: String, next: Arc<AtomicU64>, stop: Arc<AtomicBool>) -> u64 {
    let client = reqwest::Client::new();
    let mut pushed = 0;
    while !stop.load(Ordering::Relaxed) {
        let first = next.fetch_add(200, Ordering::Relaxed);
        if push(&client, &base, lines(first, 200)).await {
            pushed += 200;
        }
    }
    pushed
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_is_searchable_and_placed_within_two_seconds_of_its_commit_under_load() {
    let project = Project::new("", "");
    let daemon = Daemon::start(&project, &[("PANTAU__HTTP__TOKEN", TOKEN)]).await;
    let base = daemon.base();
    let next = Arc::new(AtomicU64::new(1_000_000));
    let stop = Arc::new(AtomicBool::new(false));
    let loader = tokio::spawn(load(base.clone(), next.clone(), stop.clone()));
    let client = reqwest::Client::new();
    let mut waits = Vec::new();
    for probe in 0..20u64 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(
            push(&client, &base, lines(probe, 1)).await,
            "probe {probe} refused"
        );
        let committed = Instant::now();
        let word = format!("penanda{probe}x");
        loop {
            let posts = found(&client, &base, &word).await;
            if let Some(post) = posts.first() {
                assert!(
                    post["story"].as_i64().is_some(),
                    "probe {probe} searchable but in no story: {post}"
                );
                waits.push(committed.elapsed());
                break;
            }
            assert!(
                committed.elapsed() < WITHIN,
                "probe {probe} not searchable {WITHIN:?} after its commit"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let pushed = loader.await.unwrap();
    let status = daemon.stop(libc::SIGTERM).await;
    assert!(status.success(), "{status:?}");
    waits.sort();
    println!(
        "20 probes while {pushed} other posts came in: searchable and placed after {:?} (median), {:?} (slowest)",
        waits[waits.len() / 2],
        waits[waits.len() - 1]
    );
    assert!(
        pushed >= 1_000,
        "too little load to prove anything: {pushed}"
    );
    // Everything committed is indexed and placed by a clean stop.
    let conn = project.sql();
    let unplaced: i64 = conn
        .query_row(
            "SELECT count(*) FROM posts p JOIN post_topics t ON t.post_id = p.id
             WHERE p.story_id IS NULL",
            &[],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unplaced, 0);
}

/// Posts above the pending mark, and posts still waiting for their story.
fn pending(project: &Project) -> (i64, i64) {
    let conn = project.sql();
    conn.query_row(
        "SELECT (SELECT count(*) FROM posts WHERE id >
                 (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'index.through')),
                (SELECT count(*) FROM pending_stories)",
        &[],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

/// The search index's segments (FTS5 lists each leaf page's first term by segment).
fn segments(project: &Project) -> i64 {
    project
        .sql()
        .query_row(
            "SELECT count(DISTINCT segid) FROM posts_fts_idx",
            &[],
            |r| r.get(0),
        )
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_service_merges_the_segments_each_step_adds_to_the_search_index() {
    if common::sqlite_only("SQLite's full-text index; PostgreSQL's GIN index merges its own") {
        return;
    }
    let project = Project::new("", "");
    let daemon = Daemon::start(&project, &[("PANTAU__HTTP__TOKEN", TOKEN)]).await;
    let client = reqwest::Client::new();
    // Ten pushes, each indexed by a step of its own: ten segments, which FTS5 itself leaves
    // alone (it would merge them only at 16). The idle writer merges four or more of a level
    // into one on the level above, which leaves at most four: three on the first level and
    // one above, or two and two.
    for i in 0..10 {
        assert!(push(&client, &daemon.base(), lines(i * 50, 50)).await);
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    let automerge: i64 = project
        .sql()
        .query_row(
            "SELECT v FROM posts_fts_config WHERE k = 'automerge'",
            &[],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(automerge, 0, "FTS5 merges inside the step");
    let started = Instant::now();
    while segments(&project) > 4 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the idle writer left {} segments unmerged",
            segments(&project)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for i in (0..500).step_by(37) {
        let posts = found(&client, &daemon.base(), &format!("penanda{i}x")).await;
        assert_eq!(posts.len(), 1, "post {i} not found after the merges");
    }
    let status = daemon.stop(libc::SIGTERM).await;
    assert!(status.success(), "{status:?}");
}

/// A free loopback port, so the restarted daemon's address is known before it logs it.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread")]
async fn after_sigkill_the_service_is_healthy_only_once_pending_posts_are_finished() {
    if common::sqlite_only(
        "deferred indexing is SQLite's; PostgreSQL indexes and places in the commit",
    ) {
        return;
    }
    let project = Project::new("", "");
    let client = reqwest::Client::new();
    // Kill right after an acknowledged push, until a kill lands while posts are pending (the
    // writer finishes them a quarter second after their commit, so nearly every time).
    let mut acknowledged = 0u64;
    let mut landed = false;
    for _ in 0..10 {
        let daemon = Daemon::start(&project, &[("PANTAU__HTTP__TOKEN", TOKEN)]).await;
        for _ in 0..5 {
            assert!(push(&client, &daemon.base(), lines(acknowledged, 400)).await);
            acknowledged += 400;
        }
        daemon.stop(libc::SIGKILL).await;
        if pending(&project).0 > 0 {
            landed = true;
            break;
        }
    }
    assert!(landed, "no kill landed while posts were pending");
    let (above, waiting) = pending(&project);
    println!("killed with {above} posts pending ({waiting} waiting for their story)");

    let port = free_port();
    let bin = env!("CARGO_BIN_EXE_pantau");
    let mut child = std::process::Command::new(bin)
        .args(["--config", project.config().to_str().unwrap(), "run"])
        .current_dir(project.path())
        .env("RUST_LOG", "warn")
        .env("PANTAU__HTTP__BIND", format!("127.0.0.1:{port}"))
        .env("PANTAU__HTTP__TOKEN", TOKEN)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        let healthy = client
            .get(format!("{base}/healthz"))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if healthy {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never healthy after restart"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The first healthy answer: nothing is pending any more, and every acknowledged post is
    // searchable and placed.
    assert_eq!(pending(&project), (0, 0), "healthy with posts pending");
    for i in (0..acknowledged).step_by(97) {
        let posts = found(&client, &base, &format!("penanda{i}x")).await;
        assert_eq!(posts.len(), 1, "post {i} not searchable after the restart");
        assert!(posts[0]["story"].as_i64().is_some(), "post {i} in no story");
    }
    let conn = project.sql();
    let (stored, unplaced): (i64, i64) = conn
        .query_row(
            "SELECT count(*), count(*) FILTER (WHERE story_id IS NULL) FROM posts",
            &[],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(stored as u64, acknowledged);
    assert_eq!(unplaced, 0);
    let indexed: i64 = conn
        .query_row(
            "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'banjir'",
            &[],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(indexed, stored, "a post indexed twice or not at all");
    // SAFETY: kill(2) with a pid we own and a valid signal number has no memory effects.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert!(child.wait().unwrap().success());
}
