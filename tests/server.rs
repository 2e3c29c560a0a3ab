//! The HTTP API, `/metrics` and the dashboard over a real listening socket: posts pushed
//! through `POST /api/ingest` are read back through every read route, page by page; bad
//! parameters answer JSON errors a person can act on; the dashboard is server-rendered,
//! escapes hostile post text and opens in headless Chromium without a console error or a
//! network request.

mod common;

use std::sync::Arc;

use common::Project;
use jiff::{SignedDuration, Timestamp};
use pantau::Classifier;
use pantau::store::writer::Writer;
use pantau::store::{Maintenance, Store, Writes};
use serde_json::Value;

const TOKEN: &str = "token-uji-server";

async fn start(project: &Project) -> common::Served {
    let config = project.load();
    let settings = &config.settings;
    let classifier = Classifier::load(&settings.keywords.dir).unwrap();
    let (writer, thread) = Writer::spawn(Store::connect(&settings.storage).unwrap());
    let state = common::app_state(&config, classifier, writer);
    common::serve(state, thread).await
}

fn project() -> Project {
    Project::new(&format!("[http]\ntoken = \"{TOKEN}\"\n"), "")
}

/// Twelve flood posts (one hostile), three power-cut posts, all within the last hours, from
/// sources named with `prefix` (the metrics are per process, shared by the tests in it).
fn records(prefix: &str) -> String {
    let now = Timestamp::now();
    let mut lines = Vec::new();
    for i in 0..12 {
        let at = now - SignedDuration::from_mins(10 + i as i64 * 7);
        let text = if i == 0 {
            "<script>alert('xss')</script> Banjir di Sempaja <img src=x onerror=alert(1)> [klik](javascript:alert(1))".to_string()
        } else {
            common::flood_story(i)
        };
        lines.push(serde_json::json!({
            "source": if i % 2 == 0 { format!("{prefix}relawan-bpbd") } else { format!("{prefix}warga-samarinda") },
            "id": format!("b-{i}"),
            "url": format!("https://contoh.example/banjir/{i}"),
            "text": text,
            // The stories are word salad: stating the language keeps detection out of it.
            "lang": "id",
            "published": at.to_string(),
        }));
    }
    for i in 0..3 {
        lines.push(serde_json::json!({
            "source": format!("{prefix}warga-bontang"),
            "id": format!("p-{i}"),
            "text": format!("Pemadaman listrik bergilir lagi di Bontang malam ini, sudah {} jam", i + 2),
            "published": (now - SignedDuration::from_mins(30 + i)).to_string(),
        }));
    }
    lines
        .iter()
        .map(|l| format!("{l}\n"))
        .collect::<Vec<_>>()
        .join("")
}

async fn get(client: &reqwest::Client, url: &str) -> (u16, String) {
    let r = client.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn get_json(client: &reqwest::Client, url: &str) -> (u16, Value) {
    let (status, body) = get(client, url).await;
    let json =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{url}: not JSON ({e}): {body}"));
    (status, json)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_read_api_pages_filters_and_explains_its_errors() {
    let project = project();
    let api = start(&project).await;
    let client = reqwest::Client::new();
    let base = api.base.clone();

    let pushed = client
        .post(format!("{base}/api/ingest"))
        .bearer_auth(TOKEN)
        .body(records(""))
        .send()
        .await
        .unwrap();
    assert_eq!(pushed.status().as_u16(), 200);
    let report: Value = serde_json::from_str(&pushed.text().await.unwrap()).unwrap();
    assert_eq!(report["new"], 15, "{report}");

    // Topics: every topic of the lists, with the pushed posts counted.
    let (status, topics) = get_json(&client, &format!("{base}/api/topics")).await;
    assert_eq!(status, 200);
    let banjir = topics
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "banjir")
        .expect("banjir is a topic");
    assert_eq!(banjir["posts_24h"], 12, "{banjir}");
    assert_eq!(banjir["posts_7d"], 12);
    assert_eq!(banjir["priority"], "tinggi");

    // Posts of a topic, five at a time, newest first, until the last page.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut url = format!("{base}/api/posts?topic=banjir&limit=5");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let (status, page) = get_json(&client, &url).await;
        assert_eq!(status, 200, "{page}");
        for p in page["posts"].as_array().unwrap() {
            assert!(p["topics"].as_array().unwrap().contains(&"banjir".into()));
            seen.push((
                p["published"].as_str().unwrap().to_string(),
                p["id"].as_i64().unwrap(),
            ));
        }
        pages += 1;
        match page["next"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 12);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first, no repeats across pages");
    sorted.dedup();
    assert_eq!(sorted.len(), 12);

    // Filters combine: region, source, full-text words, period.
    let (_, page) = get_json(
        &client,
        &format!("{base}/api/posts?topic=banjir&source=relawan-bpbd"),
    )
    .await;
    assert_eq!(page["posts"].as_array().unwrap().len(), 6);
    // Search indexes a post within 2 seconds of its commit (store::pending).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    let page = loop {
        let (_, page) = get_json(&client, &format!("{base}/api/posts?q=pemadaman%20bontang")).await;
        if page["posts"].as_array().unwrap().len() == 3 || std::time::Instant::now() > deadline {
            break page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(page["posts"].as_array().unwrap().len(), 3, "{page}");
    let (_, page) = get_json(&client, &format!("{base}/api/posts?region=bontang")).await;
    assert_eq!(page["posts"].as_array().unwrap().len(), 3, "{page}");
    let tomorrow = (Timestamp::now() + SignedDuration::from_hours(24)).to_string();
    let (_, page) = get_json(&client, &format!("{base}/api/posts?since={tomorrow}")).await;
    assert_eq!(page["posts"].as_array().unwrap().len(), 0);

    // Mistakes answer 400 with the fix.
    for (query, says) in [
        ("topic=banjirr", "/api/topics"),
        ("region=atlantis", "regions.toml"),
        ("since=kemarin", "YYYY-MM-DD"),
        ("limit=0", "limit harus 1 sampai 200"),
        ("limit=5000", "limit harus"),
        ("cursor=abc", "nilai \"next\""),
    ] {
        let (status, body) = get_json(&client, &format!("{base}/api/posts?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains(says),
            "{query}: {body}"
        );
    }

    // A story: its spread and its posts; a missing one is 404, a malformed id 400.
    let (_, page) = get_json(&client, &format!("{base}/api/posts?topic=banjir&limit=1")).await;
    let story = page["posts"][0]["story"]
        .as_i64()
        .expect("a tagged post has a story");
    let (status, detail) = get_json(&client, &format!("{base}/api/stories/{story}")).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["id"], story);
    assert!(detail["posts"].as_u64().unwrap() >= 1);
    assert!(!detail["items"].as_array().unwrap().is_empty());
    let (status, body) = get_json(&client, &format!("{base}/api/stories/999999")).await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = get_json(&client, &format!("{base}/api/stories/abc")).await;
    assert_eq!(status, 400);

    // Sources: the pushers, healthy.
    let (status, sources) = get_json(&client, &format!("{base}/api/sources")).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = sources
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    for id in ["relawan-bpbd", "warga-bontang", "warga-samarinda"] {
        assert!(ids.contains(&id), "{ids:?}");
    }
    assert!(sources.as_array().unwrap().iter().all(|s| s["ok"] == true));

    // Briefings: none yet, then today's, written as the daemon writes it.
    let (_, list) = get_json(&client, &format!("{base}/api/briefings")).await;
    assert_eq!(list, serde_json::json!([]));
    let (status, body) = get_json(&client, &format!("{base}/api/briefings/2026-11-27")).await;
    assert_eq!(status, 404);
    assert!(
        body["error"].as_str().unwrap().contains("pantau digest"),
        "{body}"
    );
    let settings = project.settings();
    let today = pantau::time::local_date(Timestamp::now(), &settings.schedule.timezone);
    let written = project.with_store(|store| {
        let classifier = Classifier::load(&settings.keywords.dir).unwrap();
        let req = pantau::digest::Request::day(
            today,
            &settings.schedule.timezone,
            settings.briefing.language,
            settings.briefing.dir.clone(),
        );
        let w = pantau::digest::write(store, &classifier, &req).unwrap();
        store.record_briefing(&w.record).unwrap();
        w
    });
    let (_, list) = get_json(&client, &format!("{base}/api/briefings")).await;
    assert_eq!(list[0]["date"], today.to_string());
    assert_eq!(list[0]["html"], format!("/briefings/{today}.html"));
    let (status, json) = get_json(&client, &format!("{base}/api/briefings/{today}")).await;
    assert_eq!(status, 200);
    let on_disk: Value = serde_json::from_slice(&std::fs::read(&written.json).unwrap()).unwrap();
    assert_eq!(json, on_disk);
    let html = client
        .get(format!("{base}/briefings/{today}.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(html.status().as_u16(), 200);
    assert_eq!(
        html.headers()["content-type"].to_str().unwrap(),
        "text/html; charset=utf-8"
    );
    assert_eq!(
        html.text().await.unwrap(),
        std::fs::read_to_string(&written.html).unwrap()
    );
    // Nothing but briefing files is served from there.
    for path in [
        "/briefings/..%2Fdata%2Fpantau.db",
        "/briefings/pantau.db",
        "/briefings/2026-11-27.toml",
    ] {
        let (status, _) = get_json(&client, &format!("{base}{path}")).await;
        assert_eq!(status, 404, "{path}");
    }

    // Metrics: the pushed posts per source and the briefing just recorded.
    let (status, metrics) = get(&client, &format!("{base}/metrics")).await;
    assert_eq!(status, 200);
    for line in [
        "pantau_posts_ingested_total{source=\"relawan-bpbd\"} 6",
        "pantau_posts_ingested_total{source=\"warga-bontang\"} 3",
        "pantau_sources{state=\"ok\"} 3",
        "# TYPE pantau_store_duration_seconds histogram",
        "# TYPE pantau_classify_duration_seconds histogram",
        "pantau_writer_queue_depth 0",
    ] {
        assert!(metrics.contains(line), "missing {line}:\n{metrics}");
    }
    let last = written.record.generated_at.as_second();
    assert!(
        metrics.contains(&format!("pantau_last_briefing_timestamp_seconds {last}")),
        "{metrics}"
    );

    // Unknown routes are JSON too.
    let (status, body) = get_json(&client, &format!("{base}/api/nope")).await;
    assert_eq!(status, 404);
    assert!(body["error"].as_str().unwrap().contains("/api/nope"));

    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_is_server_rendered_escaped_and_clean_in_chromium() {
    let project = project();
    let api = start(&project).await;
    let client = reqwest::Client::new();
    let base = api.base.clone();
    let pushed = client
        .post(format!("{base}/api/ingest"))
        .bearer_auth(TOKEN)
        .body(records("dasbor-"))
        .send()
        .await
        .unwrap();
    assert_eq!(pushed.status().as_u16(), 200);

    let (status, page) = get(&client, &format!("{base}/")).await;
    assert_eq!(status, 200);
    for part in [
        "Isu naik (24 jam terakhir)",
        "Semua topik",
        "Kesehatan sumber",
        "Briefing terbaru",
        "Banjir, banjir rob dan genangan",
        "<svg class=\"chart\"",
    ] {
        assert!(page.contains(part), "missing {part}");
    }
    assert!(!page.contains("<script"), "no script at all");
    // The map of the kabupaten/kota: 10 areas, the pushed posts' ones counted.
    assert!(page.contains("<svg class=\"peta\""), "the map");
    assert_eq!(page.matches("<path data-region=").count(), 10);
    assert_eq!(page.matches("<tr data-region=").count(), 10);
    assert!(
        !page.contains("data-region=\"samarinda\" data-posts=\"0\""),
        "the pushed flood posts name Samarinda"
    );

    // A topic's posts: the hostile one shows as text.
    let (status, page) = get(&client, &format!("{base}/?topic=banjir")).await;
    assert_eq!(status, 200);
    assert!(page.contains("&lt;script&gt;alert("), "escaped");
    assert!(!page.contains("<script"));
    assert!(!page.contains("<img"));
    assert!(!page.contains("href=\"javascript"));

    // A mistyped topic keeps the page and says what is wrong.
    let (status, page) = get(&client, &format!("{base}/?topic=banjirr")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("topik &quot;banjirr&quot; tidak dikenal"),
        "{page}"
    );

    if let Some(report) = common::browser::open_page(
        &format!("{base}/?topic=banjir"),
        1280,
        &common::browser::artefact_dir().join("dashboard.png"),
    )
    .await
    {
        assert!(
            report.console_errors.is_empty(),
            "{:?}",
            report.console_errors
        );
        assert!(report.requests.is_empty(), "{:?}", report.requests);
        assert!(report.text.contains("Isu naik"), "{}", report.text);
        assert!(report.text.contains("<script>alert('xss')</script>"));
        println!("tangkapan layar: {}", report.screenshot.display());
    }
    if let Some(report) = common::browser::open_page(
        &format!("{base}/"),
        390,
        &common::browser::artefact_dir().join("dashboard-phone.png"),
    )
    .await
    {
        assert!(
            report.console_errors.is_empty(),
            "{:?}",
            report.console_errors
        );
        assert!(report.requests.is_empty(), "{:?}", report.requests);
    }

    api.stop().await;
}

/// SIGTERM while posts stream in through `POST /api/ingest`: `pantau run` exits within 10 s,
/// cleanly, and every post it acknowledged is in the database, once.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_ingest_exits_quickly_and_loses_nothing() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let addr = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap()
    };
    let project = Project::new(
        &format!("[http]\nbind = \"{addr}\"\ntoken = \"{TOKEN}\"\n"),
        "",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["--config", project.config().to_str().unwrap(), "run"])
        .current_dir(project.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "pantau run did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // `pantau health` (the container's HEALTHCHECK) finds it healthy through the config.
    let health = tokio::task::spawn_blocking({
        let config = project.config();
        move || {
            common::pantau_in(
                config.parent().unwrap(),
                &["--config", config.to_str().unwrap(), "health"],
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(health.status.code(), Some(0), "{}", common::stderr(&health));
    assert!(
        common::stdout(&health).starts_with("sehat: http://"),
        "{}",
        common::stdout(&health)
    );

    // Four senders, each posting batches of 200 distinct records back to back.
    let acknowledged = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut senders = Vec::new();
    for sender in 0..4 {
        let client = client.clone();
        let acknowledged = acknowledged.clone();
        senders.push(tokio::spawn(async move {
            for batch in 0.. {
                let ids: Vec<String> = (0..200)
                    .map(|i| format!("s{sender}-b{batch}-{i}"))
                    .collect();
                let body: String = ids
                    .iter()
                    .enumerate()
                    .map(|(i, id)| {
                        format!(
                            "{}\n",
                            serde_json::json!({
                                "source": "relawan",
                                "id": id,
                                "text": common::flood_story(sender * 1_000_000 + batch * 1000 + i),
                            })
                        )
                    })
                    .collect();
                let answer = client
                    .post(format!("http://{addr}/api/ingest"))
                    .bearer_auth(TOKEN)
                    .body(body)
                    .send()
                    .await;
                match answer {
                    Ok(r) if r.status().is_success() => {
                        let report: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
                        assert_eq!(report["accepted"], 200, "{report}");
                        acknowledged.lock().unwrap().extend(ids);
                    }
                    // The server stopped: what it did not answer was not acknowledged.
                    _ => return,
                }
            }
        }));
    }
    // Let the stream run, then stop the daemon in the middle of it.
    while acknowledged.lock().unwrap().len() < 2_000 {
        assert!(Instant::now() < deadline, "ingest too slow");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let signalled = Instant::now();
    // SAFETY: kill(2) with a pid we own and a valid signal number has no memory effects.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if signalled.elapsed() > Duration::from_secs(10) {
            child.kill().unwrap();
            panic!("pantau run did not stop within 10 s of SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let took = signalled.elapsed();
    for s in senders {
        s.await.unwrap();
    }
    assert!(status.success(), "{status:?}");

    let health = project.pantau(&["health"]);
    assert_eq!(health.status.code(), Some(1));
    assert!(
        common::stderr(&health).contains("tidak menjawab"),
        "{}",
        common::stderr(&health)
    );

    let acknowledged = acknowledged.lock().unwrap().clone();
    let store = project.store();
    assert_eq!(project.with_store(|s| s.integrity_check()).unwrap(), "ok");
    let stored: std::collections::HashSet<String> = common::sql(&store)
        .prepare("SELECT external_id FROM posts")
        .unwrap()
        .query_map(&[], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !stored.contains(*id))
        .collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    let total = common::query_i64(&store, "SELECT count(*) FROM posts");
    let distinct = common::query_i64(&store, "SELECT count(DISTINCT external_id) FROM posts");
    assert_eq!(total, distinct, "a post stored twice");
    println!(
        "SIGTERM → keluar dalam {took:?}; {} unggahan diakui, {total} tersimpan",
        acknowledged.len()
    );
}
