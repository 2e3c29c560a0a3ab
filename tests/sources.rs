//! The feed poller against a real HTTP server on loopback (wiremock): conditional GET, 304,
//! Retry-After, failures that stay with their source, compression and charsets, duplicates.

mod common;

use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Project, feed_source, query_i64, result, round, rss};
use pantau::Classifier;
use pantau::store::{Browse, Status};
use wiremock::matchers::{header, header_exists, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn xml(body: impl Into<Vec<u8>>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.into(), "application/rss+xml")
}

const ITEMS: &[(&str, &str, &str, &str)] = &[
    (
        "w-1",
        "Banjir rendam Sempaja",
        "&lt;p&gt;Air setinggi 50 cm di Samarinda.&lt;/p&gt;",
        "https://warta.example/1?utm_source=rss",
    ),
    (
        "w-2",
        "Antrean solar di SPBU Sangatta",
        "Sopir truk menunggu sejak subuh.",
        "https://warta.example/2",
    ),
    (
        "w-3",
        "Borneo FC menang",
        "Laga di Stadion Segiri.",
        "https://warta.example/3",
    ),
];

/// A conditional GET sends the stored validators, and a 304 stores nothing.
#[tokio::test(flavor = "multi_thread")]
async fn conditional_get_sends_validators_and_304_adds_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rss"))
        .and(header("If-None-Match", "\"v1\""))
        .and(header("If-Modified-Since", "Thu, 26 Nov 2026 02:00:00 GMT"))
        .respond_with(ResponseTemplate::new(304))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rss"))
        .respond_with(
            xml(rss(ITEMS))
                .insert_header("ETag", "\"v1\"")
                .insert_header("Last-Modified", "Thu, 26 Nov 2026 02:00:00 GMT"),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let project = Project::new(
        "",
        &feed_source("warta", &format!("{}/rss", server.uri()), ""),
    );

    let first = round(&project).await;
    assert_eq!(result(&first, "warta").new_posts, 3);
    assert_eq!(result(&first, "warta").status, "ok");
    let second = round(&project).await;
    assert_eq!(result(&second, "warta").new_posts, 0);
    assert_eq!(result(&second, "warta").status, "tidak berubah");

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert!(requests[0].headers.get("if-none-match").is_none());
    assert_eq!(requests[1].headers["if-none-match"], "\"v1\"");
    let ua = requests[0].headers["user-agent"].to_str().unwrap();
    assert!(ua.starts_with("Pantau/"), "{ua}");

    let mut store = project.store();
    assert_eq!(
        common::blocking(&mut store, |s| s.count_posts()).unwrap(),
        3
    );
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM fetch_log WHERE status = 'not_modified'"
        ),
        1
    );
    // The tracking parameter is gone from the stored link; the HTML from the description.
    let (url, text): (String, String) = common::sql(&store)
        .query_row(
            "SELECT url, text FROM posts WHERE external_id = 'w-1'",
            &[],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(url, "https://warta.example/1");
    assert_eq!(text, "Air setinggi 50 cm di Samarinda.");
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM post_topics WHERE topic_id = 'banjir'"
        ),
        1
    );
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM post_topics WHERE topic_id = 'bbm'"
        ),
        1
    );
    assert_eq!(query_i64(&store, "SELECT count(*) FROM post_topics"), 2);
}

/// Records when each request arrived, and answers 429 with Retry-After the first time.
struct RateLimited {
    seen: Arc<Mutex<Vec<Instant>>>,
    retry_after: &'static str,
}

impl Respond for RateLimited {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut seen = self.seen.lock().unwrap();
        seen.push(Instant::now());
        if seen.len() == 1 {
            ResponseTemplate::new(429).insert_header("Retry-After", self.retry_after)
        } else {
            xml(rss(ITEMS))
        }
    }
}

/// A 429 with Retry-After is recorded and pushes the next attempt back by at least that long.
#[tokio::test(flavor = "multi_thread")]
async fn retry_after_is_recorded_and_honoured() {
    let server = MockServer::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("GET"))
        .respond_with(RateLimited {
            seen: seen.clone(),
            retry_after: "120",
        })
        .mount(&server)
        .await;
    let project = Project::new(
        "",
        &feed_source(
            "warta",
            &format!("{}/rss", server.uri()),
            "interval = \"1m\"",
        ),
    );
    let before = jiff::Timestamp::now().as_second();
    let results = round(&project).await;
    let r = result(&results, "warta");
    assert!(r.failed);
    assert!(r.status.contains("HTTP 429"), "{}", r.status);

    let mut store = project.store();
    let state = common::blocking(&mut store, |s| s.source_state(&"warta".into())).unwrap();
    assert_eq!(state.consecutive_failures, 1);
    let wait = state.next_attempt.unwrap().as_second() - before;
    assert!(wait >= 120, "next attempt only {wait}s later");
    let health = common::blocking(&mut store, |s| s.sources_health(&[])).unwrap();
    assert_eq!(
        health[0].last_error_class.as_deref(),
        Some("http_rate_limited")
    );
    assert!(
        health[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("Retry-After")
    );
}

/// The daemon's loop waits for Retry-After before polling again (interval 1s, Retry-After 3s).
#[tokio::test(flavor = "multi_thread")]
async fn the_daemon_waits_for_retry_after() {
    let server = MockServer::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("GET"))
        .respond_with(RateLimited {
            seen: seen.clone(),
            retry_after: "3",
        })
        .mount(&server)
        .await;
    let project = Project::new(
        "",
        &feed_source(
            "warta",
            &format!("{}/rss", server.uri()),
            "interval = \"1s\"",
        ),
    );
    let config = project.load();
    let classifier = Classifier::load(&config.settings.keywords.dir).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let daemon = tokio::spawn(pantau::daemon::run(config, classifier, async {
        let _ = stopped.await;
    }));
    // Stop only once the second poll's posts are committed: stopping while its response is
    // still being read drops that fetch (by design), which a loaded machine made likely.
    let deadline = Instant::now() + Duration::from_secs(15);
    let stored = || {
        project
            .read(|s| s.count_posts().ok())
            .flatten()
            .unwrap_or(0)
    };
    while (seen.lock().unwrap().len() < 2 || stored() < 3) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(()).unwrap();
    daemon.await.unwrap().unwrap();
    let seen = seen.lock().unwrap();
    assert!(seen.len() >= 2, "the source was not polled again");
    let gap = seen[1] - seen[0];
    assert!(
        gap >= Duration::from_millis(2900),
        "polled again after {gap:?}, before Retry-After"
    );
    assert_eq!(project.with_store(|s| s.count_posts()).unwrap(), 3);
}

/// A malformed feed, an HTML page, a 20 MB body and a gzip bomb each fail their own source
/// with a clear error while the good source in the same round still ingests.
#[tokio::test(flavor = "multi_thread")]
async fn bad_sources_fail_alone() {
    let server = MockServer::start().await;
    Mock::given(path("/good"))
        .respond_with(xml(rss(ITEMS)))
        .mount(&server)
        .await;
    Mock::given(path("/broken"))
        .respond_with(xml("<rss version=\"2.0\"><channel><item><title>Banjir</ti"))
        .mount(&server)
        .await;
    Mock::given(path("/page"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<!DOCTYPE html><html><body>Beranda</body></html>",
            "text/html",
        ))
        .mount(&server)
        .await;
    Mock::given(path("/huge"))
        .respond_with(xml(vec![b' '; 20 << 20]))
        .mount(&server)
        .await;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b'<'; 30 << 20]).unwrap();
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 100_000);
    Mock::given(path("/bomb"))
        .respond_with(xml(bomb).insert_header("Content-Encoding", "gzip"))
        .mount(&server)
        .await;
    Mock::given(path("/gone"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let uri = server.uri();
    let sources: String = ["good", "broken", "page", "huge", "bomb", "gone"]
        .iter()
        .map(|id| feed_source(id, &format!("{uri}/{id}"), ""))
        .collect();
    let project = Project::new("", &sources);
    let results = round(&project).await;

    assert_eq!(result(&results, "good").new_posts, 3);
    let expect = [
        ("broken", "parse", "bukan feed yang valid"),
        ("page", "parse", "halaman HTML, bukan feed"),
        ("huge", "too_large", "lebih besar dari batas 10485760 bita"),
        ("bomb", "too_large", "lebih besar dari batas"),
        ("gone", "http_not_found", "HTTP 404"),
    ];
    let health = project.with_store(|s| s.sources_health(&[])).unwrap();
    for (id, class, message) in expect {
        assert!(result(&results, id).failed, "{id} should fail");
        let h = health.iter().find(|h| h.id.as_str() == id).unwrap();
        assert_eq!(h.last_error_class.as_deref(), Some(class), "{id}");
        assert!(
            h.last_error.as_deref().unwrap().contains(message),
            "{id}: {:?}",
            h.last_error
        );
        assert_eq!(h.consecutive_failures, 1);
        assert!(h.last_success.is_none());
    }
    let good = health.iter().find(|h| h.id.as_str() == "good").unwrap();
    assert_eq!((good.consecutive_failures, good.items_seen), (0, 3));

    // `pantau sources` shows the same health to the operator.
    let out = project.pantau(&["sources"]);
    let text = common::stdout(&out);
    assert!(out.status.success());
    assert!(text.contains("gagal (too_large)"), "{text}");
    assert!(
        text.contains("saran untuk huge: naikkan [fetch] max_body_bytes"),
        "the operator is told what to do: {text}"
    );
    assert!(text.contains("sehat"), "{text}");
}

/// gzip and brotli bodies are decoded, and a legacy charset declared in the header is honoured.
#[tokio::test(flavor = "multi_thread")]
async fn compression_and_charsets() {
    let server = MockServer::start().await;
    let body = rss(&[(
        "c-1",
        "Caf\u{e9} di Samarinda kebanjiran",
        "Pengunjung mengungsi",
        "https://c.example/1",
    )]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(body.as_bytes()).unwrap();
    Mock::given(path("/gzip"))
        .and(header_exists("accept-encoding"))
        .respond_with(xml(gz.finish().unwrap()).insert_header("Content-Encoding", "gzip"))
        .mount(&server)
        .await;
    let mut br = Vec::new();
    brotli::CompressorWriter::new(&mut br, 4096, 5, 22)
        .write_all(
            rss(&[(
                "b-1",
                "Listrik padam di Bontang",
                "PLN minta maaf",
                "https://b.example/1",
            )])
            .as_bytes(),
        )
        .unwrap();
    Mock::given(path("/br"))
        .respond_with(xml(br).insert_header("Content-Encoding", "br"))
        .mount(&server)
        .await;
    let latin1: Vec<u8> = rss(&[(
        "l-1",
        "Caf\u{e9} tutup, air PDAM mati",
        "Warga Loktuan mengeluh",
        "https://l.example/1",
    )])
    .replace("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"")
    .chars()
    .map(|c| c as u32 as u8)
    .collect();
    Mock::given(path("/latin1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(latin1, "application/rss+xml; charset=ISO-8859-1"),
        )
        .mount(&server)
        .await;
    let uri = server.uri();
    let sources: String = ["gzip", "br", "latin1"]
        .iter()
        .map(|id| feed_source(id, &format!("{uri}/{id}"), ""))
        .collect();
    let project = Project::new("", &sources);
    let results = round(&project).await;
    for r in &results {
        assert!(!r.failed, "{}: {}", r.source, r.status);
    }
    let store = project.store();
    let titles: Vec<String> = common::sql(&store)
        .prepare("SELECT title FROM posts ORDER BY source_id")
        .unwrap()
        .query_map(&[], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        titles,
        [
            "Listrik padam di Bontang",
            "Caf\u{e9} di Samarinda kebanjiran",
            "Caf\u{e9} tutup, air PDAM mati"
        ]
    );
    assert_eq!(
        query_i64(&store, "SELECT count(DISTINCT topic_id) FROM post_topics"),
        3
    );
}

/// The same item seen again — in a later poll, or from another source under the same link —
/// is stored once; a changed feed adds only its new item.
#[tokio::test(flavor = "multi_thread")]
async fn duplicates_across_polls_and_sources_are_stored_once() {
    let server = MockServer::start().await;
    let polls = Arc::new(Mutex::new(0));
    struct Growing(Arc<Mutex<u32>>);
    impl Respond for Growing {
        fn respond(&self, _: &Request) -> ResponseTemplate {
            let mut n = self.0.lock().unwrap();
            *n += 1;
            let mut items = ITEMS.to_vec();
            if *n > 1 {
                items.push((
                    "w-4",
                    "Harga cabai naik",
                    "Di pasar Segiri.",
                    "https://warta.example/4",
                ));
            }
            xml(rss(&items)).insert_header("ETag", format!("\"v{n}\""))
        }
    }
    Mock::given(path("/warta"))
        .respond_with(Growing(polls.clone()))
        .mount(&server)
        .await;
    // Another site republishes item 1 with its own id and tracking parameters on the link
    // (written with a bare `&`, as careless feeds do).
    Mock::given(path("/other"))
        .respond_with(xml(rss(&[
            (
                "o-1",
                "Banjir rendam Sempaja (ulang)",
                "Dari Warta.",
                "https://warta.example/1?utm_campaign=x&fbclid=y",
            ),
            (
                "o-2",
                "Jalan rusak di Melak",
                "Truk terperosok.",
                "https://other.example/2",
            ),
        ])))
        .mount(&server)
        .await;
    let uri = server.uri();
    let project = Project::new(
        "",
        &(feed_source("warta", &format!("{uri}/warta"), "")
            + &feed_source("other", &format!("{uri}/other"), "")),
    );
    let first = round(&project).await;
    // Both sources carry item 1's link; whichever commits first keeps it.
    assert_eq!(
        result(&first, "other").new_posts + result(&first, "warta").new_posts,
        4
    );
    let second = round(&project).await;
    assert_eq!(result(&second, "warta").new_posts, 1);
    assert_eq!(result(&second, "other").new_posts, 0);
    let mut store = project.store();
    assert_eq!(
        common::blocking(&mut store, |s| s.count_posts()).unwrap(),
        5
    );
    // Hourly counts follow the stored posts, not the items fetched.
    assert_eq!(
        query_i64(
            &store,
            "SELECT sum(posts) FROM topic_hourly WHERE region_id = '*'"
        ),
        query_i64(&store, "SELECT count(*) FROM post_topics")
    );
}

/// `[fetch] per_host` limits requests in flight to one host, whatever the number of sources
/// pointing at it: with a limit of 1, three slow feeds on one host are fetched one after another.
#[tokio::test(flavor = "multi_thread")]
async fn requests_per_host_are_limited() {
    struct Slow(Arc<Mutex<Vec<Instant>>>);
    impl Respond for Slow {
        fn respond(&self, _: &Request) -> ResponseTemplate {
            self.0.lock().unwrap().push(Instant::now());
            xml(rss(ITEMS)).set_delay(Duration::from_millis(400))
        }
    }
    let server = MockServer::start().await;
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("GET"))
        .respond_with(Slow(arrivals.clone()))
        .mount(&server)
        .await;
    let uri = server.uri();
    let sources: String = ["a", "b", "c"]
        .iter()
        .map(|id| feed_source(id, &format!("{uri}/{id}"), ""))
        .collect();
    let project = Project::new("[fetch]\nper_host = 1\n", &sources);
    round(&project).await;
    let mut arrivals = arrivals.lock().unwrap().clone();
    arrivals.sort();
    assert_eq!(arrivals.len(), 3);
    for pair in arrivals.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap >= Duration::from_millis(380),
            "two requests to one host overlapped ({gap:?} apart)"
        );
    }
}

/// `pantau sources --json | head -1`: a reader that goes away is no error; the command exits
/// 0 without a panic message.
#[test]
fn a_closed_pipe_ends_the_listing_quietly() {
    let project = Project::new("", &feed_source("warta", "https://warta.example/rss", ""));
    for args in [&["sources", "--json"][..], &["sources"][..]] {
        let config = project.config();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pantau"))
            .args(["--config", config.to_str().unwrap()])
            .args(args)
            .current_dir(project.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("pantau starts");
        // Closed before pantau has loaded its config, so its first line meets a closed pipe.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("pantau ends");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

/// The commented block of the province's outlets and government pages in config/default.toml,
/// uncommented as its text tells an operator to, is 16 sources of the kinds it names, each with
/// its kabupaten/kota or the province as region.
#[test]
fn the_shipped_local_sources_read_once_uncommented() {
    let shipped = std::fs::read_to_string(common::repo().join("config/default.toml")).unwrap();
    let block = common::uncommented(&shipped, "# --- More outlets and the government news pages");
    let config = Project::new("", &block).load();
    let kinds: Vec<&str> = config.sources.iter().map(|s| s.kind()).collect();
    assert_eq!(kinds.len(), 16, "{kinds:?}");
    assert!(
        kinds
            .iter()
            .all(|k| ["feed", "news_sitemap", "html"].contains(k))
    );
    assert!(config.sources.iter().all(|s| s.region.is_some()));
}
