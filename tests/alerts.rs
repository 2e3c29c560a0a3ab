//! Rising issues end to end on a real store (SQLite; PostgreSQL on its pass) with the shipped keyword lists: stories
//! counted once, `pantau trends --json` (the DESIGN contract), and alerts delivered to a real
//! HTTP receiver on loopback: one per episode under a long spike, follow-ups only on growth,
//! a failing sink retried with its error recorded, and nothing resent after a restart.

mod common;

use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};
use pantau::alerts::{self, Policy, Route, Sink};
use pantau::model::Post;
use pantau::store::{Status, Store, Writes};
use pantau::{Classifier, SourceId};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::{Project, query_i64};

const NOW: &str = "2026-11-20T04:00:00Z"; // 12.00 WITA

fn project(sinks: &str) -> Project {
    Project::new(
        &format!("[alerts]\nmin_gap = \"1h\"\n{sinks}"),
        &common::alert_sources(),
    )
}

fn at(offset_hours: f64) -> Timestamp {
    NOW.parse::<Timestamp>().unwrap() + SignedDuration::from_secs_f64(offset_hours * 3600.0)
}

fn post(source: &str, id: &str, text: &str, when: Timestamp) -> Post {
    Post {
        source: SourceId::new(source),
        external_id: id.into(),
        url: Some(format!("https://{source}.example/{id}")),
        title: None,
        text: text.into(),
        author: None,
        published: when,
        fetched: when,
        lang: Some("id".into()),
        platform: None,
        reach: Default::default(),
    }
}

struct World {
    project: Project,
    classifier: Classifier,
    store: Store,
    next: usize,
}

impl World {
    fn new(sinks: &str) -> World {
        let project = project(sinks);
        let config = project.load();
        let classifier = Classifier::load(&config.settings.keywords.dir).unwrap();
        let mut store = project.store();
        let infos = config.source_infos();
        common::blocking(&mut store, |s| s.sync_sources(&infos)).unwrap();
        let mut w = World {
            project,
            classifier,
            store,
            next: 0,
        };
        // A quiet week: one flood story a day around noon.
        for day in 1..=8 {
            w.add("antara", at(-24.0 * day as f64 - 1.0));
        }
        w
    }

    /// Stores a new distinct flood story from `source` at `when`.
    fn add(&mut self, source: &str, when: Timestamp) {
        self.next += 1;
        let p = post(
            source,
            &format!("p{}", self.next),
            &common::flood_story(self.next),
            when,
        );
        let tags = self.classifier.tags(&p, None);
        assert!(
            tags.topics.iter().any(|t| t.as_str() == "banjir"),
            "{}",
            p.text
        );
        common::blocking(&mut self.store, |s| s.insert_posts(&[(p, tags)], "uji")).unwrap();
    }

    fn check(&mut self, now: Timestamp, routes: &[Route]) -> Vec<i64> {
        let policy = self.project.load().alerts.policy;
        let classifier = &self.classifier;
        common::blocking(&mut self.store, |s| {
            alerts::check(s, classifier, &policy, routes, now)
        })
        .unwrap()
    }
}

const SOURCES: [&str; 5] = ["kaltimpost", "tribun", "antara", "warga-smd", "warga-bpp"];

#[test]
fn copies_of_one_story_count_once_and_trends_keep_the_contract() {
    let mut w = World::new("");
    let release = "Pemerintah Kota Samarinda menetapkan status tanggap darurat banjir setelah hujan deras merendam ribuan rumah di Sempaja dan Bengkuring";
    for (i, source) in SOURCES.iter().enumerate() {
        let p = post(
            source,
            "rilis",
            &format!("{release}. {}", ["", "#kaltim", "", "cc @pemkot", ""][i]),
            at(-2.0),
        );
        let tags = w.classifier.tags(&p, None);
        w.store.insert_posts(&[(p, tags)], "uji").unwrap();
    }
    for i in 0..6 {
        w.add(SOURCES[i % 5], at(-3.0 + i as f64 * 0.4));
    }
    let stories = query_i64(
        &w.store,
        "SELECT sum(stories) FROM topic_hourly WHERE topic_id = 'banjir' AND region_id = '*' AND hour >= '2026-11-19T05:00:00Z'",
    );
    let posts = query_i64(
        &w.store,
        "SELECT sum(posts) FROM topic_hourly WHERE topic_id = 'banjir' AND region_id = '*' AND hour >= '2026-11-19T05:00:00Z'",
    );
    assert_eq!(
        (posts, stories),
        (11, 7),
        "five copies of the release are one story"
    );
    drop(w.store);

    // The contract of `pantau trends --json` (DESIGN.md §2), as a user runs it.
    let out = w
        .project
        .pantau(&["trends", "--json", "--at", "2026-11-20T12:00"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &rows[0];
    assert_eq!(first["topic"], "banjir");
    assert!(first["region"].is_null());
    assert_eq!(first["count"], 7);
    assert_eq!(first["rising"], true);
    assert_eq!(first["new"], false);
    assert_eq!(first["baseline"], 1.0);
    assert!(first["score"].as_f64().unwrap() >= 4.0);
    let reason = first["reason"].as_str().unwrap();
    assert!(reason.starts_with("naik 7× dari rata-rata 7 hari (1 cerita); 5 sumber; berita dan media sosial; 1 kab/kota"), "{reason}");
    // A region line for Samarinda follows.
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r["topic"] == "banjir" && r["region"] == "samarinda")
    );

    let table = w
        .project
        .pantau(&["trends", "--at", "2026-11-20T12:00", "--window", "6h"]);
    let text = common::stdout(&table);
    assert!(text.contains("NAIK") && text.contains("Banjir"), "{text}");
    let bad = w.project.pantau(&["trends", "--window", "48h"]);
    assert_eq!(bad.status.code(), Some(2), "{}", common::stderr(&bad));
}

#[tokio::test]
async fn a_long_spike_alerts_once_per_episode_and_nothing_is_resent_after_a_restart() {
    let hook = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&hook)
        .await;
    let broken = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("sedang perawatan"))
        .mount(&broken)
        .await;
    let sinks_toml = format!(
        "[[alerts.sinks]]\nid = \"humas\"\nkind = \"webhook\"\nurl = \"{}/hook\"\n\
         [[alerts.sinks]]\nid = \"rusak\"\nkind = \"webhook\"\nurl = \"{}/x\"\n",
        hook.uri(),
        broken.uri()
    );
    let mut w = World::new(&sinks_toml);
    let settings = w.project.load();
    let ids: Vec<Route> = settings.alerts.sinks.iter().map(|s| s.route()).collect();
    let sinks: Vec<Sink> = settings
        .alerts
        .sinks
        .iter()
        .map(|c| Sink::new(c.clone(), "pantau-uji").unwrap())
        .collect();

    // A spike that goes on for 30 hours: two new stories an hour from varied sources.
    let mut alerts_sent = Vec::new();
    for hour in 0..30 {
        for k in 0..2 {
            let t = at(hour as f64 + k as f64 * 0.3);
            w.add(SOURCES[(hour * 2 + k) % 5], t);
        }
        // The daemon checks every 10 minutes: three checks in each hour.
        for minute in [10.0, 30.0, 50.0] {
            alerts_sent.extend(w.check(at(hour as f64 + minute / 60.0), &ids));
        }
    }
    // One first alert, then follow-ups only when the count doubled: 1 + a few, never a storm.
    let follow_ups = query_i64(&w.store, "SELECT count(*) FROM alerts WHERE follow_up = 1");
    assert_eq!(
        query_i64(&w.store, "SELECT count(*) FROM alerts WHERE follow_up = 0"),
        1
    );
    assert!((1..=3).contains(&follow_ups), "{follow_ups} follow-ups");
    assert_eq!(alerts_sent.len() as i64, 1 + follow_ups);
    // The flood is Samarinda's: its episode alerts, and the province-wide one it carries opens
    // without an alert of its own.
    assert_eq!(
        query_i64(
            &w.store,
            "SELECT count(*) FROM alert_episodes WHERE region_id = 'samarinda'"
        ),
        1
    );
    assert_eq!(
        query_i64(
            &w.store,
            "SELECT count(*) FROM alerts WHERE region_id <> 'samarinda'"
        ),
        0
    );

    // What the first alert says.
    let (subject, text): (String, String) = common::sql(&w.store)
        .query_row(
            "SELECT subject, text FROM alerts ORDER BY id LIMIT 1",
            &[],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(
        subject.contains("genangan naik di Kota Samarinda"),
        "{subject}"
    );
    assert!(
        text.contains("prioritas") || text.contains("Prioritas"),
        "{text}"
    );
    assert!(text.contains("Se-provinsi: "), "{text}");
    assert_eq!(
        text.matches("https://").count(),
        3,
        "three posts with links:\n{text}"
    );
    assert!(text.contains("Penanggung jawab:"), "{text}");

    // Deliver: the good sink gets each alert once, the broken one fails and is rescheduled.
    let store = Mutex::new(w.store);
    let stop = tokio_util::sync::CancellationToken::new();
    let deliver = |now: Timestamp| {
        let due = common::blocking(&mut store.lock().unwrap(), |s| s.due_deliveries(now)).unwrap();
        let store = &store;
        alerts::deliver(due, &sinks, &stop, move |alert, sink, outcome| {
            let outcome = outcome
                .as_ref()
                .map_err(|(e, next)| (e.as_str(), *next))
                .copied();
            common::blocking(&mut store.lock().unwrap(), |s| {
                s.record_delivery(alert, &sink, outcome, Timestamp::now())
            })
            .unwrap();
            std::future::ready(())
        })
    };
    deliver(Timestamp::now()).await;
    let received = hook.received_requests().await.unwrap();
    assert_eq!(received.len() as i64, 1 + follow_ups);
    let payload: serde_json::Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(payload["topic"], "banjir");
    assert_eq!(payload["follow_up"], false);
    assert_eq!(payload["posts"].as_array().unwrap().len(), 3);
    {
        let mut s = store.lock().unwrap();
        let records = common::blocking(&mut s, |s| s.deliveries_since(at(-1.0))).unwrap();
        let failed: Vec<_> = records.iter().filter(|r| r.sink == "rusak").collect();
        assert!(
            failed
                .iter()
                .all(|r| r.status == "pending" && r.attempts == 1)
        );
        assert!(
            failed[0].last_error.as_deref().unwrap().contains("503"),
            "{:?}",
            failed[0]
        );
        // Not due again until its backoff has passed.
        let due = |s: &mut Store, at: Timestamp| common::blocking(s, |s| s.due_deliveries(at));
        assert!(due(&mut s, Timestamp::now()).unwrap().is_empty());
        assert_eq!(
            due(&mut s, Timestamp::now() + SignedDuration::from_mins(2))
                .unwrap()
                .len() as i64,
            1 + follow_ups
        );
    }

    // Restart: a new Store on the same file; the same checks and deliveries send nothing new.
    drop(store);
    let mut w2 = World {
        store: w.project.store(),
        classifier: w.classifier,
        project: w.project,
        next: 1000,
    };
    for minute in [0.0, 10.0, 20.0] {
        assert!(w2.check(at(29.0 + minute / 60.0), &ids).is_empty());
    }
    let store = Mutex::new(w2.store);
    let due = common::blocking(&mut store.lock().unwrap(), |s| {
        s.due_deliveries(Timestamp::now())
    })
    .unwrap();
    assert!(due.is_empty(), "{due:?}");
    assert_eq!(
        hook.received_requests().await.unwrap().len() as i64,
        1 + follow_ups
    );

    // The spike ends: after the cooldown the episode closes, and a new rise is a new episode.
    let mut w3 = World {
        store: store.into_inner().unwrap(),
        classifier: w2.classifier,
        project: w2.project,
        next: 2000,
    };
    assert!(w3.check(at(60.0), &ids).is_empty());
    assert_eq!(
        query_i64(
            &w3.store,
            "SELECT count(*) FROM alert_episodes WHERE closed_at IS NULL"
        ),
        0
    );
}

#[test]
fn topics_below_the_priority_and_quiet_topics_do_not_alert() {
    let mut w = World::new("");
    // Three stories are a rise from one a day, but under the noise floor.
    for (i, source) in SOURCES.iter().take(3).enumerate() {
        w.add(source, at(-1.0 + i as f64 * 0.2));
    }
    assert!(w.check(at(0.2), &[]).is_empty());
    // With `min_priority = "kritis"`, banjir (tinggi) never alerts, however high it rises.
    let mut strict = World::new("min_priority = \"kritis\"");
    for i in 0..20 {
        strict.add(SOURCES[i % 5], at(-3.0 + i as f64 * 0.1));
    }
    assert!(strict.check(at(0.0), &[]).is_empty());
    let p = Policy::default();
    assert_eq!(p.min_priority, pantau::model::Priority::Tinggi);
    // A store younger than `min_history` (here eight days of data, ten asked) alerts nothing:
    // on a new installation every topic is new.
    let mut young = World::new("min_history = \"10d\"");
    for i in 0..20 {
        young.add(SOURCES[i % 5], at(-3.0 + i as f64 * 0.1));
    }
    assert!(young.check(at(0.0), &[]).is_empty());
    let mut grown = World::new("");
    for i in 0..20 {
        grown.add(SOURCES[i % 5], at(-3.0 + i as f64 * 0.1));
    }
    assert_eq!(grown.check(at(0.0), &[]).len(), 1);
}

#[tokio::test]
async fn the_api_returns_what_the_command_prints() {
    use pantau::store::writer::Writer;

    let mut w = World::new("");
    for i in 0..8 {
        w.add(SOURCES[i % 5], at(-4.0 + i as f64 * 0.4));
    }
    let World {
        project,
        classifier,
        store,
        ..
    } = w;
    let cli = project.pantau(&["trends", "--json", "--at", "2026-11-20T12:00"]);
    assert!(cli.status.success(), "{}", common::stderr(&cli));
    let printed: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();

    let (writer, thread) = Writer::spawn(store);
    let state = common::app_state(&project.load(), classifier, writer);
    let served = common::serve(state, thread).await;
    let base = served.base.clone();
    let client = reqwest::Client::new();
    let answer = client
        .get(format!("{base}/api/trends?at=2026-11-20T12:00"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let answered: serde_json::Value =
        serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
    assert_eq!(answered, printed);
    assert_eq!(answered[0]["topic"], "banjir");
    let bad = client
        .get(format!("{base}/api/trends?window=3d"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let message: serde_json::Value = serde_json::from_slice(&bad.bytes().await.unwrap()).unwrap();
    assert!(
        message["error"].as_str().unwrap().contains("1–24"),
        "{message}"
    );
    served.stop().await;
}

/// `/healthz` is healthy only while the store takes a write and the scheduler beats.
#[tokio::test]
async fn healthz_reports_a_stalled_scheduler() {
    use pantau::store::writer::Writer;
    use std::sync::atomic::{AtomicI64, Ordering};

    let project = Project::new("", "");
    let config = project.load();
    let classifier = Classifier::load(&config.settings.keywords.dir).unwrap();
    let (writer, thread) = Writer::spawn(project.store());
    let beat = std::sync::Arc::new(AtomicI64::new(Timestamp::now().as_second()));
    let state = common::app_state(&config, classifier, writer).with_heartbeat(beat.clone());
    let served = common::serve(state, thread).await;
    let base = served.base.clone();
    let client = reqwest::Client::new();
    let ok = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    beat.store(Timestamp::now().as_second() - 600, Ordering::Relaxed);
    let stalled = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(stalled.status(), 503);
    let body: serde_json::Value = serde_json::from_slice(&stalled.bytes().await.unwrap()).unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("penjadwal"),
        "{body}"
    );
    served.stop().await;
    assert!(
        project
            .with_store(|s| s.meta("health_check"))
            .unwrap()
            .is_some()
    );
}
