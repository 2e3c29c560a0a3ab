//! Crash safety: `pantau run` killed with SIGKILL at pseudo-random moments, again and again,
//! while it polls a growing feed and takes pushed posts through `POST /api/ingest`, then
//! restarted. After every kill the database passes `PRAGMA integrity_check`, every post the
//! API acknowledged is stored exactly once, and at the end polling has resumed with every
//! feed item stored once and none missing.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::daemon::{Daemon, GrowingFeed};
use common::{Project, feed_source, query_i64};
use pantau::store::{Maintenance, Store};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer};

const TOKEN: &str = "uji-token-crash";
/// Kills and restarts.
const KILLS: usize = 15;

/// A small deterministic generator (xorshift64*), so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// Pushes batches of 20 posts with fresh ids until told to stop; returns the ids of every
/// batch the server acknowledged (a 200 comes after the commit), and whether the kill cut a
/// request short.
async fn push_until(
    base: String,
    next_id: Arc<Mutex<u64>>,
    stop: Arc<AtomicBool>,
) -> (Vec<u64>, bool) {
    let client = reqwest::Client::new();
    let mut acknowledged = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let ids: Vec<u64> = {
            let mut next = next_id.lock().unwrap();
            let ids = (*next..*next + 20).collect();
            *next += 20;
            ids
        };
        let body: String = ids
            .iter()
            .map(|n| {
                format!(
                    "{{\"source\":\"laporan\",\"id\":\"p-{n}\",\"text\":\"Laporan {n}: banjir di Samarinda Ulu, warga minta perahu\"}}\n"
                )
            })
            .collect();
        let response = client
            .post(format!("{base}/api/ingest"))
            .bearer_auth(TOKEN)
            .body(body)
            .timeout(Duration::from_secs(5))
            .send()
            .await;
        match response {
            Ok(r) if r.status().is_success() => acknowledged.extend(ids),
            // Killed mid-request: that batch was not acknowledged, nothing is promised.
            _ => return (acknowledged, true),
        }
    }
    (acknowledged, false)
}

/// The external ids stored for `source`, each with how often it is there.
fn stored(store: &Store, source: &str) -> Vec<(String, i64)> {
    let conn = common::sql(store);
    let mut stmt = conn
        .prepare(
            "SELECT external_id, count(*) FROM posts WHERE source_id = ?1 GROUP BY external_id",
        )
        .unwrap();
    stmt.query_map(&[&source], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_at_random_moments_loses_nothing_acknowledged() {
    let server = MockServer::start().await;
    Mock::given(path("/rss"))
        .respond_with(GrowingFeed::new(200))
        .mount(&server)
        .await;
    let project = Project::new(
        "",
        &feed_source(
            "tumbuh",
            &format!("{}/rss", server.uri()),
            "interval = \"1s\"\nadaptive = false",
        ),
    );

    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let next_id = Arc::new(Mutex::new(0u64));
    let mut acknowledged: BTreeSet<u64> = BTreeSet::new();
    let mut killed_while_ingesting = 0;
    for round in 0..KILLS {
        let daemon = Daemon::start(&project, &[("PANTAU__HTTP__TOKEN", TOKEN)]).await;
        let stop = Arc::new(AtomicBool::new(false));
        let pusher = tokio::spawn(push_until(daemon.base(), next_id.clone(), stop.clone()));
        // Anywhere from right after start-up to two polls in.
        let wait = 50 + rng.below(2000);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        let status = daemon.stop(libc::SIGKILL).await;
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9)
        );
        stop.store(true, Ordering::Relaxed);
        let (acked, cut_short) = pusher.await.unwrap();
        killed_while_ingesting += usize::from(cut_short);
        acknowledged.extend(acked);

        let mut store = project.store();
        assert_eq!(
            common::blocking(&mut store, |s| s.integrity_check()).unwrap(),
            "ok",
            "after kill {round}"
        );
        let pushed = stored(&store, "laporan");
        assert!(
            pushed.iter().all(|(_, n)| *n == 1),
            "a pushed post stored twice"
        );
        let present: BTreeSet<u64> = pushed
            .iter()
            .map(|(id, _)| id.trim_start_matches("p-").parse().unwrap())
            .collect();
        let lost: Vec<&u64> = acknowledged.difference(&present).collect();
        assert!(
            lost.is_empty(),
            "after kill {round} (at {wait} ms): acknowledged but lost {lost:?}"
        );
    }

    // A last, clean run: polling resumes where it was.
    let daemon = Daemon::start(&project, &[]).await;
    let store = project.store();
    let newest_item = |store: &Store| {
        query_i64(
            store,
            "SELECT coalesce(max(CAST(substr(external_id, 3) AS INTEGER)), 0) FROM posts WHERE source_id = 'tumbuh'",
        )
    };
    let newest_before = newest_item(&store);
    let deadline = Instant::now() + Duration::from_secs(20);
    while newest_item(&store) <= newest_before {
        assert!(Instant::now() < deadline, "polling did not resume");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = daemon.stop(libc::SIGTERM).await;
    assert!(status.success(), "{status:?}");

    let mut store = project.store();
    assert_eq!(
        common::blocking(&mut store, |s| s.integrity_check()).unwrap(),
        "ok"
    );
    let items = stored(&store, "tumbuh");
    assert!(
        items.iter().all(|(_, n)| *n == 1),
        "a feed item stored twice"
    );
    let numbers: BTreeSet<u64> = items
        .iter()
        .map(|(id, _)| id.trim_start_matches("g-").parse().unwrap())
        .collect();
    let newest = *numbers.last().unwrap();
    let gaps: Vec<u64> = (1..=newest).filter(|n| !numbers.contains(n)).collect();
    assert!(gaps.is_empty(), "feed items never stored: {gaps:?}");
    println!(
        "{KILLS} SIGKILLs ({killed_while_ingesting} with a push in flight): {} pushed posts acknowledged, all stored once; feed items 1..={newest} stored once, no gap",
        acknowledged.len()
    );
    assert!(
        acknowledged.len() > 100,
        "too little was pushed to prove anything"
    );
}
