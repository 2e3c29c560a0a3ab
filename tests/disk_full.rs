//! A full disk, made real with `[storage] max_size_mb` (SQLite's max_page_count: past it a
//! write fails with SQLITE_FULL, the very error a full file system gives). `pantau run` keeps
//! polling, refuses pushed posts with a clear 503, shows the condition in `/healthz` and
//! `pantau sources`, and once space is freed its retried writes store everything, with nothing
//! committed lost and nothing twice.

mod common;

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::daemon::{Daemon, GrowingFeed};
use common::{Project, feed_source, query_i64};
use pantau::store::{Maintenance, Store};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer};

const TOKEN: &str = "uji-token-penuh";

fn pushed_batch(first: u64) -> String {
    (first..first + 50)
        .map(|n| {
            format!(
                "{{\"source\":\"laporan\",\"id\":\"p-{n}\",\"text\":\"Laporan {n}: {} banjir di Sangatta, warga minta perahu karet\"}}\n",
                "air naik sepinggang di jalan poros ".repeat(8)
            )
        })
        .collect()
}

/// Pushes batches of 50 posts (ids from `next` on) until one is refused; returns the refusal.
async fn push_until_refused(
    client: &reqwest::Client,
    base: &str,
    next: &mut u64,
    acknowledged: &mut BTreeSet<u64>,
) -> (u16, String) {
    loop {
        let response = client
            .post(format!("{base}/api/ingest"))
            .bearer_auth(TOKEN)
            .body(pushed_batch(*next))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        if status != 200 {
            return (status, body);
        }
        acknowledged.extend(*next..*next + 50);
        *next += 50;
        assert!(*next < 20_000, "2 MiB never filled up");
    }
}

fn ids(store: &Store, source: &str, prefix: &str) -> (BTreeSet<u64>, i64) {
    let conn = common::sqlite_file(store.sqlite_path().expect("SQLite"));
    let mut stmt = conn
        .prepare("SELECT external_id FROM posts WHERE source_id = ?1")
        .unwrap();
    let all: Vec<String> = stmt
        .query_map([source], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let set: BTreeSet<u64> = all
        .iter()
        .map(|id| id.trim_start_matches(prefix).parse().unwrap())
        .collect();
    let duplicates = all.len() as i64 - set.len() as i64;
    (set, duplicates)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_fails_writes_clearly_and_loses_nothing() {
    if common::sqlite_only("max_size_mb is SQLite's page limit; the ballast is a SQLite table") {
        return;
    }
    let server = MockServer::start().await;
    let feed = GrowingFeed::new(300);
    let requests = feed.requests.clone();
    Mock::given(path("/rss"))
        .respond_with(feed)
        .mount(&server)
        .await;
    let project = Project::new(
        "[storage]\nmax_size_mb = 2\n",
        &feed_source(
            "tumbuh",
            &format!("{}/rss", server.uri()),
            "interval = \"1s\"\nadaptive = false",
        ),
    );
    // The database with 1 MiB of ballast the "operator" can delete later, as one deletes old
    // files to free a disk.
    {
        let store = Store::open(&project.db()).unwrap();
        common::sql_writable(store.sqlite_path().expect("SQLite"))
            .execute_batch(
                "CREATE TABLE ballast(b BLOB);
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 256)
                 INSERT INTO ballast SELECT zeroblob(4000) FROM n;",
            )
            .unwrap();
    }

    let daemon = Daemon::start(&project, &[("PANTAU__HTTP__TOKEN", TOKEN)]).await;
    let base = daemon.base();
    let client = reqwest::Client::new();

    // Push until the database is full: every acknowledged batch was committed.
    let mut acknowledged = BTreeSet::new();
    let mut next = 0u64;
    let refusal = push_until_refused(&client, &base, &mut next, &mut acknowledged).await;
    println!(
        "full after {} pushed posts: {refusal:?}",
        acknowledged.len()
    );
    assert_eq!(refusal.0, 503, "{refusal:?}");
    assert!(refusal.1.contains("disk penuh"), "{}", refusal.1);
    assert!(refusal.1.contains("kirim ulang"), "{}", refusal.1);

    // /healthz and `pantau sources` say so.
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 503);
    let reason = health.text().await.unwrap();
    assert!(reason.contains("disk penuh"), "{reason}");
    // `pantau sources` asks /healthz too. A poll can squeeze a few new posts into the last
    // free bytes of a page and count as recovery in between, so a refused push comes right
    // before each try.
    let mut text = String::new();
    for _ in 0..5 {
        let refused = push_until_refused(&client, &base, &mut next, &mut acknowledged).await;
        assert_eq!(refused.0, 503, "{refused:?}");
        let out = Command::new(env!("CARGO_BIN_EXE_pantau"))
            .args(["--config", project.config().to_str().unwrap(), "sources"])
            .current_dir(project.path())
            .env("PANTAU__HTTP__BIND", &daemon.address)
            .output()
            .unwrap();
        text = String::from_utf8_lossy(&out.stdout).into_owned();
        if text.contains("TIDAK SEHAT") {
            break;
        }
    }
    assert!(
        text.contains("TIDAK SEHAT") && text.contains("disk penuh"),
        "{text}"
    );

    // Polling goes on while nothing can be written.
    let polled_before = requests.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let polled_while_full = requests.load(Ordering::Relaxed) - polled_before;
    assert!(
        polled_while_full >= 2,
        "{polled_while_full} polls in 3 s while full"
    );

    // The operator frees space; the retried writes go through.
    {
        let store = Store::open(&project.db()).unwrap();
        common::sql_writable(store.sqlite_path().expect("SQLite"))
            .execute_batch("DROP TABLE ballast")
            .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let health = client.get(format!("{base}/healthz")).send().await.unwrap();
        if health.status().is_success() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still unhealthy after space was freed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The refused batch, sent again, is taken.
    let response = client
        .post(format!("{base}/api/ingest"))
        .bearer_auth(TOKEN)
        .body(pushed_batch(next))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    acknowledged.extend(next..next + 50);
    // Wait for a poll after the freeing, then stop.
    let store = Store::open(&project.db()).unwrap();
    let newest = |store: &Store| {
        query_i64(
            store,
            "SELECT coalesce(max(CAST(substr(external_id, 3) AS INTEGER)), 0) FROM posts WHERE source_id = 'tumbuh'",
        )
    };
    let stored_before = newest(&store);
    while newest(&store) <= stored_before + 5 {
        assert!(Instant::now() < deadline, "polling did not store again");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let status = daemon.stop(libc::SIGTERM).await;
    assert!(status.success(), "{status:?}");

    let store = Store::open(&project.db()).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let (pushed, twice) = ids(&store, "laporan", "p-");
    assert_eq!(twice, 0);
    let lost: Vec<&u64> = acknowledged.difference(&pushed).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    let (items, twice) = ids(&store, "tumbuh", "g-");
    assert_eq!(twice, 0);
    let newest = *items.last().unwrap();
    let gaps: Vec<u64> = (1..=newest).filter(|n| !items.contains(n)).collect();
    assert!(gaps.is_empty(), "feed items never stored: {gaps:?}");
    println!(
        "{polled_while_full} polls while full; after freeing: {} pushed posts and feed items 1..={newest} stored once",
        pushed.len()
    );
}
