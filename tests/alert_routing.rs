//! Alerts per kabupaten/kota and per-sink subscriptions, end to end: posts committed through
//! the pipeline polls use (tagging, the writer thread, a real store), the daemon's alert
//! check and delivery, and webhook sinks on a real HTTP server on loopback. A sink subscribed
//! to disasters in Berau gets the Berau flood and not the Samarinda one; a sink with no filter
//! gets both; a rise confined to one kabupaten alerts; a sink's own `min_priority` overrides
//! the global one; an id the keyword lists do not know is a clear error at start-up and a
//! rejected reload.

mod common;

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use pantau::alerts::{Route, Sink};
use pantau::daemon::alerting;
use pantau::daemon::reload::{Configured, build_checked};
use pantau::engine::{Pipeline, SharedClassifier};
use pantau::model::{Attempt, Cursor, Post};
use pantau::sources::Batch;
use pantau::store::Writes;
use pantau::store::writer::{Writer, WriterThread};
use pantau::trends::{self, Rule, Window};
use pantau::{Classifier, SourceId};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::Project;

const NOW: &str = "2026-11-20T04:00:00Z"; // 12.00 WITA

const SOURCES: [&str; 5] = ["kaltimpost", "tribun", "antara", "warga-smd", "warga-bpp"];

const BERAU: &str = "Tanjung Redeb, Kabupaten Berau";
const SAMARINDA: &str = "Sempaja, Kota Samarinda";

fn at(offset_hours: f64) -> Timestamp {
    NOW.parse::<Timestamp>().unwrap() + SignedDuration::from_secs_f64(offset_hours * 3600.0)
}

/// A webhook sink on `server` at `/<id>`, with `filters` (subscription keys).
fn webhook(server: &MockServer, id: &str, filters: &str) -> String {
    format!(
        "[[alerts.sinks]]\nid = \"{id}\"\nkind = \"webhook\"\nurl = \"{}/{id}\"\n{filters}\n",
        server.uri()
    )
}

/// A project whose posts go through the polls' pipeline into its store, checked and delivered
/// by the daemon's alert job.
struct World {
    project: Project,
    pipeline: Pipeline,
    classifier: SharedClassifier,
    writer: Writer,
    thread: WriterThread,
    sinks: Arc<Vec<Sink>>,
    next: usize,
}

impl World {
    fn new(alerts_toml: &str) -> World {
        let project = Project::new(alerts_toml, &common::alert_sources());
        let config = project.load();
        let classifier = SharedClassifier::new(Arc::new(
            Classifier::load(&config.settings.keywords.dir).unwrap(),
        ));
        let mut store = project.store();
        let infos = config.source_infos();
        common::blocking(&mut store, |s| s.sync_sources(&infos)).unwrap();
        let (writer, thread) = Writer::spawn(store);
        let pipeline = Pipeline::new(classifier.clone(), writer.clone(), config.regions());
        let sinks = config
            .alerts
            .sinks
            .iter()
            .map(|c| Sink::new(c.clone(), "pantau-uji").unwrap())
            .collect();
        World {
            project,
            pipeline,
            classifier,
            writer,
            thread,
            sinks: Arc::new(sinks),
            next: 0,
        }
    }

    /// A new distinct flood story in `place` from `source`, polled at `when`.
    async fn add(&mut self, source: &str, place: &str, when: Timestamp) {
        self.next += 1;
        let post = Post {
            source: SourceId::new(source),
            external_id: format!("p{}", self.next),
            url: Some(format!("https://{source}.example/{}", self.next)),
            title: None,
            text: common::flood_story_in(self.next, place),
            author: None,
            published: when,
            fetched: when,
            lang: Some("id".into()),
            platform: None,
            reach: Default::default(),
        };
        let attempt = Attempt {
            started: when,
            duration: std::time::Duration::from_secs(1),
            next_attempt: when + SignedDuration::from_mins(15),
        };
        let batch = Batch {
            posts: vec![post],
            cursor: Cursor::Start,
            not_modified: false,
            items_found: 1,
        };
        self.pipeline
            .commit(&SourceId::new(source), attempt, Ok(batch))
            .await
            .expect("the post is stored");
    }

    /// `n` flood stories in `place` from the sources in turn, `step` hours apart from `from`.
    async fn burst(&mut self, place: &str, n: usize, from: f64, step: f64) {
        for i in 0..n {
            self.add(
                SOURCES[i % SOURCES.len()],
                place,
                at(from + i as f64 * step),
            )
            .await;
        }
    }

    /// A week and a day of floods in Samarinda (`smd` a day) and Berau (one every other day),
    /// polled in order, so that Pantau has been collecting since the first.
    async fn history(&mut self, smd: usize) {
        for day in (1..=8).rev() {
            let noon = -24.0 * day as f64;
            self.burst(SAMARINDA, smd, noon - 10.0, 10.0 / smd as f64)
                .await;
            if day % 2 == 0 {
                self.add("antara", BERAU, at(noon - 2.0)).await;
            }
        }
    }

    /// The daemon's alert check at `now`, with the configured policy and sinks.
    async fn check(&self, now: Timestamp) {
        let policy = Arc::new(self.project.load().alerts.policy);
        let routes: Arc<Vec<Route>> = Arc::new(self.sinks.iter().map(Sink::route).collect());
        alerting::check_once(&policy, &routes, &self.classifier, &self.writer, now).await;
    }

    /// The daemon's delivery of every due alert.
    async fn deliver(&self) {
        alerting::deliver_due(&self.sinks, &self.writer, &CancellationToken::new()).await;
    }

    /// The trend rows of `topic` at `now`, as `pantau trends` computes them.
    async fn trends(&self, topic: &'static str, now: Timestamp) -> Vec<trends::Trend> {
        let classifier = self.classifier.get();
        self.writer
            .call(move |store| {
                let end = pantau::time::window_end(now);
                trends::compute(
                    store,
                    &classifier,
                    end,
                    Window::DAY,
                    &Rule::default(),
                    pantau::time::Lang::Id,
                )
            })
            .await
            .unwrap()
            .unwrap()
            .into_iter()
            .filter(|t| t.topic == topic)
            .collect()
    }

    /// `(region_id, subject, text)` of every alert, oldest first.
    fn alerts(&self) -> Vec<(String, String, String)> {
        self.project
            .sql()
            .prepare("SELECT region_id, subject, text FROM alerts ORDER BY id")
            .unwrap()
            .query_map(&[], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn query(&self, sql: &str) -> i64 {
        self.project
            .sql()
            .query_row(sql, &[], |r| r.get(0))
            .unwrap()
    }

    fn stop(self) {
        drop(self.pipeline);
        drop(self.writer);
        self.thread.join();
    }
}

/// The payloads the webhook at `/<id>` received, in order.
async fn received(server: &MockServer, id: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == format!("/{id}"))
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

async fn receiver() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_sink_subscribed_to_disasters_in_berau_gets_the_berau_flood_and_not_samarindas() {
    let server = receiver().await;
    let sinks = [
        webhook(&server, "humas", ""),
        webhook(
            &server,
            "bpbd-berau",
            "categories = [\"bencana\"]\nregions = [\"berau\"]",
        ),
        webhook(&server, "pimpinan", "min_priority = \"kritis\""),
        webhook(&server, "karhutla", "topics = [\"karhutla\"]"),
    ];
    let mut w = World::new(&sinks.concat());
    w.history(1).await;

    // A flood in Berau: eight stories in three hours.
    w.burst(BERAU, 8, -3.0, 0.35).await;
    let rows = w.trends("banjir", at(0.0)).await;
    let rising = |region: Option<&str>| {
        rows.iter()
            .any(|t| t.region.as_deref() == region && t.rising)
    };
    assert!(rising(Some("berau")) && rising(None), "{rows:#?}");
    w.check(at(0.0)).await;

    // A day and a half later, a flood in Samarinda.
    w.burst(SAMARINDA, 8, 27.0, 0.35).await;
    w.check(at(30.0)).await;

    // One alert per regional rise; the province-wide rise at the Berau flood was Berau's
    // (all its stories), so its episode opened without an alert of its own.
    let alerts = w.alerts();
    let regions: Vec<&str> = alerts.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(regions, ["berau", "samarinda"], "{alerts:#?}");
    assert_eq!(
        w.query("SELECT count(*) FROM alert_episodes WHERE region_id = '*'"),
        1
    );
    assert_eq!(
        w.query("SELECT count(*) FROM alerts WHERE region_id = '*'"),
        0
    );
    let (_, subject, text) = &alerts[0];
    assert!(
        subject.starts_with("[Pantau] Banjir, banjir rob dan genangan naik di Kabupaten Berau"),
        "{subject}"
    );
    assert!(
        text.starts_with(
            "PERINGATAN ISU — Banjir, banjir rob dan genangan naik di Kabupaten Berau\n"
        ),
        "{text}"
    );
    // Its posts are Berau's; Samarinda is not named.
    assert_eq!(text.matches("Kabupaten Berau.").count(), 3, "{text}");
    assert!(!text.contains("Samarinda"), "{text}");
    assert!(text.contains("Se-provinsi: "), "{text}");
    assert!(
        alerts[1].1.contains("genangan naik di Kota Samarinda"),
        "{alerts:#?}"
    );

    w.deliver().await;
    let place = |p: &Vec<Value>| -> Vec<String> {
        p.iter()
            .map(|v| v["region"].as_str().unwrap_or("-").to_string())
            .collect()
    };
    assert_eq!(
        place(&received(&server, "bpbd-berau").await),
        ["berau"],
        "the BPBD of Berau gets the Berau flood only"
    );
    let humas = received(&server, "humas").await;
    assert_eq!(place(&humas), ["berau", "samarinda"], "no filter: both");
    assert_eq!(humas[0]["place"], "Kabupaten Berau");
    assert_eq!(humas[0]["regions"][0]["id"], "berau");
    assert!(received(&server, "pimpinan").await.is_empty());
    assert!(received(&server, "karhutla").await.is_empty());
    // A delivery is recorded for each sink that takes an alert, and only for those.
    assert_eq!(
        w.query("SELECT count(*) FROM alert_deliveries WHERE status = 'sent'"),
        3
    );
    assert_eq!(w.query("SELECT count(*) FROM alert_deliveries"), 3);
    w.stop();
}

#[tokio::test]
async fn a_rise_in_one_kabupaten_alerts_though_the_province_does_not_rise() {
    let server = receiver().await;
    let mut w = World::new(&webhook(&server, "humas", ""));
    // Samarinda has ten flood stories a day: the province's count is busy.
    w.history(10).await;
    w.burst(SAMARINDA, 10, -12.0, 1.0).await;
    w.burst(BERAU, 7, -3.0, 0.4).await;
    let rows = w.trends("banjir", at(0.0)).await;
    let row = |region: Option<&str>| {
        rows.iter()
            .find(|t| t.region.as_deref() == region)
            .unwrap_or_else(|| panic!("{region:?}: {rows:#?}"))
    };
    assert!(!row(None).rising, "{:#?}", row(None));
    assert!(row(Some("berau")).rising, "{:#?}", row(Some("berau")));
    assert!(!row(Some("samarinda")).rising);

    w.check(at(0.0)).await;
    let alerts = w.alerts();
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0].0, "berau");
    assert!(
        alerts[0].2.contains(&format!(
            "Se-provinsi: {} cerita dalam periode yang sama (tidak naik)",
            row(None).count
        )),
        "{}",
        alerts[0].2
    );
    // Checked again ten minutes later: the episode is open, nothing new is sent.
    w.check(at(10.0 / 60.0)).await;
    assert_eq!(w.alerts().len(), 1);
    w.deliver().await;
    let humas = received(&server, "humas").await;
    assert_eq!(humas.len(), 1);
    assert_eq!(humas[0]["region"], "berau");
    assert_eq!(humas[0]["follow_up"], false);
    w.stop();
}

#[tokio::test]
async fn a_sinks_own_min_priority_overrides_the_global_one() {
    let server = receiver().await;
    let config = format!(
        "[alerts]\nmin_priority = \"kritis\"\n{}{}",
        webhook(&server, "semua", ""),
        webhook(&server, "bencana", "min_priority = \"tinggi\"")
    );
    let mut w = World::new(&config);
    w.history(1).await;
    w.burst(BERAU, 8, -3.0, 0.35).await;
    w.check(at(0.0)).await;
    w.deliver().await;
    // Banjir is of priority tinggi: under the global kritis, only the sink that asks for
    // tinggi gets it.
    assert_eq!(received(&server, "bencana").await.len(), 1);
    assert!(received(&server, "semua").await.is_empty());
    assert_eq!(w.query("SELECT count(*) FROM alert_deliveries"), 1);
    w.stop();
}

/// A subscription to an id the keyword lists do not know stops the start, at its file and
/// line, with the nearest id; a kecamatan is not a kabupaten/kota.
#[test]
fn an_unknown_id_in_a_subscription_is_a_clear_error() {
    let project = Project::new(
        "[[alerts.sinks]]\nid = \"bpbd\"\nkind = \"webhook\"\nurl = \"https://hooks.contoh.id/x\"\n\
         categories = [\"bencana\"]\nregions = [\"beraw\", \"gunung-tabur\"]\ntopics = [\"banjirr\"]\n",
        "",
    );
    let out = project.pantau(&["classify", "Banjir di Tanjung Redeb"]);
    assert!(!out.status.success());
    let err = common::stderr(&out);
    assert!(
        err.contains(
            "default.toml:6: [[alerts.sinks]] ke-1 (id \"bpbd\") regions: kabupaten/kota \"beraw\" bukan id kabupaten/kota di keywords/regions.toml"
        ),
        "{err}"
    );
    assert!(err.contains("mungkin maksud Anda \"berau\""), "{err}");
    assert!(
        err.contains("\"gunung-tabur\" bukan id kabupaten/kota"),
        "{err}"
    );
    assert!(
        err.contains(
            "default.toml:7: [[alerts.sinks]] ke-1 (id \"bpbd\") topics: topik \"banjirr\""
        ),
        "{err}"
    );
    assert!(err.contains("mungkin maksud Anda \"banjir\""), "{err}");
    // The same ids, right, are accepted.
    let good = Project::new(
        "[[alerts.sinks]]\nid = \"bpbd\"\nkind = \"webhook\"\nurl = \"https://hooks.contoh.id/x\"\n\
         categories = [\"bencana\"]\nregions = [\"berau\"]\ntopics = [\"banjir\"]\n",
        "",
    );
    let out = good.pantau(&["classify", "Banjir di Tanjung Redeb"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
}

/// A keyword edit that removes a topic a sink subscribes to is rejected, as one that removes
/// a source's region is.
#[test]
fn a_reload_that_drops_a_subscribed_topic_is_rejected() {
    let project = Project::new(
        "[[alerts.sinks]]\nid = \"pesisir\"\nkind = \"webhook\"\nurl = \"https://hooks.contoh.id/x\"\ntopics = [\"abrasi\"]\n",
        "",
    );
    let config = project.load();
    let configured = Configured {
        sources: config.sources.clone(),
        sinks: config.alerts.sinks.clone(),
    };
    let dir = &config.settings.keywords.dir;
    assert!(build_checked(dir, &configured).is_ok());
    std::fs::remove_file(dir.join("topics/abrasi.toml")).unwrap();
    let errors = build_checked(dir, &configured).unwrap_err().to_string();
    assert!(
        errors.contains("topics: topik \"abrasi\" tidak ada di keywords/topics"),
        "{errors}"
    );
}
