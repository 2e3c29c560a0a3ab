//! Hostile servers on loopback: each misbehaviour a feed host on the open internet can show
//! (a slow drip, a body that never ends, a gzip bomb, 50 MB, bad bytes, an HTML page, redirect
//! loops and redirects to other schemes or into private networks, a reset mid-body, error
//! statuses with and without Retry-After) must fail its own source quickly, with a clear
//! recorded error and bounded memory, while the other sources keep their schedule.
//!
//! The server is a few lines of raw HTTP/1.1 over a tokio listener rather than wiremock: a
//! drip, an endless body and a TCP reset need control of the socket itself.

mod common;

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::daemon::Daemon;
use common::{Project, feed_source, result, round, rss};
use pantau::store::{Browse, Status};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const ITEMS: &[(&str, &str, &str, &str)] = &[
    (
        "h-1",
        "Banjir rendam Sempaja",
        "Air setinggi 50 cm di Samarinda.",
        "https://warta.example/h1",
    ),
    (
        "h-2",
        "Antrean solar di SPBU Sangatta",
        "Sopir truk menunggu sejak subuh.",
        "https://warta.example/h2",
    ),
];

/// A feed whose titles hold bytes that are not UTF-8 although the document says it is.
fn bad_utf8_feed() -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Uji</title>\
          <item><guid>u-1</guid><title>Banjir di Loa Janan \xff\xfe rumah terendam</title>\
          <description>Lone \x80 continuation, overlong \xc0\xaf slash, cut \xe2\x82</description>\
          <link>https://warta.example/u1</link><pubDate>Thu, 26 Nov 2026 10:00:00 +0800</pubDate></item>\
          </channel></rss>",
    );
    body
}

/// Windows-1252 bytes ("café", "Rp 5.000 – harga") served as UTF-8 by a misconfigured server.
fn wrong_charset_feed() -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(
        b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Uji</title>\
          <item><guid>c-1</guid><title>Harga BBM naik di Balikpapan \x96 warga antre di caf\xe9</title>\
          <description>Rp 5.000 \x93per liter\x94</description>\
          <link>https://warta.example/c1</link><pubDate>Thu, 26 Nov 2026 10:00:00 +0800</pubDate></item>\
          </channel></rss>",
    );
    body
}

/// A loopback HTTP server whose every path misbehaves in its own way (see [`respond`]).
struct Hostile {
    addr: SocketAddr,
    /// When `/good` was asked for.
    good_hits: Arc<Mutex<Vec<Instant>>>,
}

impl Hostile {
    async fn start(ip: &str) -> Hostile {
        let listener = TcpListener::bind(format!("{ip}:0")).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let good_hits = Arc::new(Mutex::new(Vec::new()));
        let bomb = Arc::new(gzip_bomb());
        let hits = good_hits.clone();
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let (hits, bomb) = (hits.clone(), bomb.clone());
                tokio::spawn(async move {
                    let _ = respond(sock, hits, bomb).await;
                });
            }
        });
        Hostile { addr, good_hits }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// 64 MiB of `<` compressed to about 64 KB.
fn gzip_bomb() -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![b'<'; 1 << 20];
    for _ in 0..64 {
        gz.write_all(&block).unwrap();
    }
    gz.finish().unwrap()
}

fn head(status: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

fn whole(status: &str, content_type: &str, body: &[u8], extra: &[(&str, &str)]) -> Vec<u8> {
    let len = body.len().to_string();
    let mut headers = vec![("Content-Type", content_type), ("Content-Length", &len)];
    headers.extend_from_slice(extra);
    let mut out = head(status, &headers);
    out.extend_from_slice(body);
    out
}

fn redirect(to: &str) -> Vec<u8> {
    whole("302 Found", "text/plain", b"", &[("Location", to)])
}

fn status(code: &str, retry_after: Option<&str>) -> Vec<u8> {
    let extra: Vec<(&str, &str)> = retry_after
        .map(|r| ("Retry-After", r))
        .into_iter()
        .collect();
    whole(code, "text/html", b"<html><body>nope</body></html>", &extra)
}

async fn respond(
    mut sock: TcpStream,
    hits: Arc<Mutex<Vec<Instant>>>,
    bomb: Arc<Vec<u8>>,
) -> std::io::Result<()> {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 64 * 1024 {
        let n = sock.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        request.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&request);
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let xml = "application/rss+xml; charset=utf-8";
    let reply = match path.as_str() {
        "/good" => {
            hits.lock().unwrap().push(Instant::now());
            whole("200 OK", xml, rss(ITEMS).as_bytes(), &[])
        }
        // One byte a second, of a body said to be 100 kB long.
        "/drip" => {
            sock.write_all(&head(
                "200 OK",
                &[("Content-Type", xml), ("Content-Length", "100000")],
            ))
            .await?;
            loop {
                sock.write_all(b"<").await?;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        // Chunked, fast, never finished.
        "/endless" => {
            sock.write_all(&head(
                "200 OK",
                &[("Content-Type", xml), ("Transfer-Encoding", "chunked")],
            ))
            .await?;
            let chunk = vec![b'<'; 64 * 1024];
            loop {
                sock.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                    .await?;
                sock.write_all(&chunk).await?;
                sock.write_all(b"\r\n").await?;
            }
        }
        // 50 MB, announced honestly and then sent.
        "/fifty" => {
            let len = (50u64 << 20).to_string();
            sock.write_all(&head(
                "200 OK",
                &[("Content-Type", xml), ("Content-Length", &len)],
            ))
            .await?;
            let chunk = vec![b' '; 1 << 20];
            for _ in 0..50 {
                sock.write_all(&chunk).await?;
            }
            return Ok(());
        }
        "/bomb" => whole("200 OK", xml, &bomb, &[("Content-Encoding", "gzip")]),
        "/bad-utf8" => whole("200 OK", xml, &bad_utf8_feed(), &[]),
        "/wrong-charset" => whole("200 OK", xml, &wrong_charset_feed(), &[]),
        "/html" => whole(
            "200 OK",
            xml,
            b"<!DOCTYPE html><html><head><title>Beranda</title></head><body>Berita</body></html>",
            &[],
        ),
        "/loop" => redirect("/loop-b"),
        "/loop-b" => redirect("/loop"),
        "/to-file" => redirect("file:///etc/passwd"),
        "/to-gopher" => redirect("gopher://warta.example/rss"),
        "/to-metadata" => redirect("http://169.254.169.254/latest/meta-data/"),
        "/to-lan" => redirect("http://10.255.255.1/rss"),
        // Its target serves `good`'s items, and posts dedup by link across sources: answered
        // late, so that `good` has stored them first and counts them as its own new posts.
        "/same-host" => {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            redirect("/good")
        }
        // Half a body, then a TCP reset (SO_LINGER 0 makes close send RST).
        "/reset" => {
            let mut part = head(
                "200 OK",
                &[("Content-Type", xml), ("Content-Length", "5000")],
            );
            part.extend_from_slice(&rss(ITEMS).as_bytes()[..200]);
            sock.write_all(&part).await?;
            sock.flush().await?;
            tokio::time::sleep(Duration::from_millis(50)).await;
            // SO_LINGER 0 by hand (tokio's set_linger is deprecated because a linger may
            // block on drop; a zero one does not).
            use std::os::fd::AsRawFd as _;
            let linger = libc::linger {
                l_onoff: 1,
                l_linger: 0,
            };
            // SAFETY: a valid open socket and a pointer to a live linger of the given size.
            let rc = unsafe {
                libc::setsockopt(
                    sock.as_raw_fd(),
                    libc::SOL_SOCKET,
                    libc::SO_LINGER,
                    (&linger as *const libc::linger).cast(),
                    std::mem::size_of::<libc::linger>() as libc::socklen_t,
                )
            };
            assert_eq!(rc, 0);
            drop(sock);
            return Ok(());
        }
        "/s500" => status("500 Internal Server Error", None),
        "/s503" => status("503 Service Unavailable", Some("120")),
        "/s429" => status("429 Too Many Requests", None),
        "/s429-ra" => status("429 Too Many Requests", Some("600")),
        "/s403" => status("403 Forbidden", None),
        "/s403-ra" => status("403 Forbidden", Some("3600")),
        _ => status("404 Not Found", None),
    };
    sock.write_all(&reply).await?;
    sock.shutdown().await
}

/// Every hostile source: id (= path), expected error class, words the recorded error holds,
/// and the Retry-After (seconds) the next attempt must respect.
const HOSTILE: &[(&str, &str, &str, Option<i64>)] = &[
    ("drip", "timeout", "batas waktu habis", None),
    ("endless", "too_large", "lebih besar dari batas", None),
    ("fifty", "too_large", "lebih besar dari batas", None),
    ("bomb", "too_large", "lebih besar dari batas", None),
    ("html", "parse", "halaman HTML, bukan feed", None),
    ("loop", "redirect", "berputar kembali", None),
    ("to-file", "redirect", "skema \"file\"", None),
    ("to-gopher", "redirect", "skema \"gopher\"", None),
    (
        "to-metadata",
        "redirect",
        "alamat privat/lokal 169.254.169.254",
        None,
    ),
    (
        "to-lan",
        "redirect",
        "alamat privat/lokal 10.255.255.1",
        None,
    ),
    ("reset", "network", "galat jaringan", None),
    ("s500", "http_server", "HTTP 500", None),
    (
        "s503",
        "http_server",
        "HTTP 503 (Retry-After 2m)",
        Some(120),
    ),
    ("s429", "http_rate_limited", "HTTP 429", None),
    (
        "s429-ra",
        "http_rate_limited",
        "HTTP 429 (Retry-After 10m)",
        Some(600),
    ),
    ("s403", "http_forbidden", "HTTP 403", None),
    (
        "s403-ra",
        "http_forbidden",
        "HTTP 403 (Retry-After 1h)",
        Some(3600),
    ),
];

/// Sources whose server misbehaves but whose feed can still be read: they must not fail.
const SURVIVABLE: &[&str] = &["bad-utf8", "wrong-charset", "same-host"];

/// The good source lives on another loopback address (another host to the per-host limit),
/// as it would on the internet.
fn sources(bad: &Hostile, good: &Hostile, extra: &str) -> String {
    let mut out = feed_source("good", &good.url("/good"), extra);
    for (id, ..) in HOSTILE {
        out.push_str(&feed_source(id, &bad.url(&format!("/{id}")), extra));
    }
    for id in SURVIVABLE {
        out.push_str(&feed_source(id, &bad.url(&format!("/{id}")), extra));
    }
    out
}

const FETCH: &str = "[fetch]\ntimeout = \"2s\"\nconnect_timeout = \"2s\"\n";

/// One round over every hostile source: each fails alone, fast, with its own clear error; the
/// feeds that can be read despite bad bytes are read; the good source ingests.
#[tokio::test(flavor = "multi_thread")]
async fn every_hostile_server_fails_its_own_source_quickly_and_clearly() {
    let bad = Hostile::start("127.0.0.1").await;
    let good = Hostile::start("127.0.0.2").await;
    let project = Project::new(
        &format!("{FETCH}per_host = 32\n"),
        &sources(&bad, &good, ""),
    );

    let started = Instant::now();
    let before = jiff::Timestamp::now().as_second();
    let results = round(&project).await;
    let took = started.elapsed();
    println!("one round over {} hostile sources: {took:?}", HOSTILE.len());
    // The slowest failure is the drip, cut at the 2 s timeout.
    assert!(took < Duration::from_secs(10), "the round took {took:?}");

    assert!(!result(&results, "good").failed);
    assert_eq!(result(&results, "good").new_posts, 2);
    project.with_store(|store| {
        let health = store.sources_health(&[]).unwrap();
        for (id, class, words, retry_after) in HOSTILE {
            let r = result(&results, id);
            assert!(r.failed, "{id} should fail: {}", r.status);
            let h = health.iter().find(|h| h.id.as_str() == *id).unwrap();
            assert_eq!(
                h.last_error_class.as_deref(),
                Some(*class),
                "{id}: {:?}",
                h.last_error
            );
            let error = h.last_error.as_deref().unwrap();
            assert!(error.contains(words), "{id}: {error}");
            assert_eq!(h.items_seen, 0, "{id}");
            let state = store.source_state(&(*id).into()).unwrap();
            assert_eq!(state.consecutive_failures, 1, "{id}");
            if let Some(seconds) = retry_after {
                let wait = state.next_attempt.unwrap().as_second() - before;
                assert!(wait >= *seconds, "{id}: next attempt only {wait}s later");
            }
        }
        for id in SURVIVABLE {
            let r = result(&results, id);
            assert!(!r.failed, "{id}: {}", r.status);
        }
        // Bytes that are not the UTF-8 they claim to be are decoded by the encoding they reveal
        // (chardetng), so the readable words around them are kept and tagged.
        let title = |id: &str| -> String {
            common::sql(store)
                .query_row(
                    "SELECT title FROM posts WHERE external_id = ?1",
                    &[&id],
                    |r| r.get(0),
                )
                .unwrap()
        };
        let broken = title("u-1");
        assert!(
            broken.starts_with("Banjir di Loa Janan ") && broken.ends_with(" rumah terendam"),
            "{broken}"
        );
        let misdeclared = title("c-1");
        assert_eq!(
            misdeclared,
            "Harga BBM naik di Balikpapan \u{2013} warga antre di caf\u{e9}"
        );
    });
}

/// Peak memory of `pantau poll --once` over the same hostile servers: the 50 MB body, the
/// endless one and the bomb are cut at the 10 MB cap, so memory stays bounded.
#[tokio::test(flavor = "multi_thread")]
async fn memory_stays_bounded_against_hostile_servers() {
    let bad = Hostile::start("127.0.0.1").await;
    let good = Hostile::start("127.0.0.2").await;
    let project = Project::new(
        &format!("{FETCH}per_host = 32\n"),
        &sources(&bad, &good, ""),
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args([
            "--config",
            project.config().to_str().unwrap(),
            "poll",
            "--once",
        ])
        .current_dir(project.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The child's own high-water mark, VmHWM, sampled until it exits (it only grows). Not
    // wait4's ru_maxrss: Linux carries the spawning process's peak across exec into it, and
    // this test process holds other tests' bodies.
    let status_file = format!("/proc/{}/status", child.id());
    let mut max_rss_kib = 0u64;
    let status = loop {
        if let Some(kib) = std::fs::read_to_string(&status_file).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        }) {
            max_rss_kib = max_rss_kib.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let mib = max_rss_kib as f64 / 1024.0;
    println!(
        "pantau poll --once over {} hostile sources: peak RSS {mib:.1} MiB",
        HOSTILE.len()
    );
    // `poll --once` exits 1 only when every source failed; it must not crash.
    assert_eq!(status.code(), Some(0), "{status:?}");
    // About 32 MiB with one good source; three bodies cut at 10 MiB may be in memory at once.
    assert!(mib < 96.0, "peak RSS {mib:.1} MiB");
    assert_eq!(
        project.with_store(|s| s.count_posts()).unwrap(),
        4,
        "good, bad-utf8, wrong-charset and same-host"
    );
}

/// `pantau run` with a good source polled every second beside the hostile ones: the good
/// source keeps its one-second rhythm while the drip, the endless body and the rest fail.
#[tokio::test(flavor = "multi_thread")]
async fn hostile_sources_leave_the_others_schedule_untouched() {
    let bad = Hostile::start("127.0.0.1").await;
    let good = Hostile::start("127.0.0.2").await;
    let extra = "interval = \"1s\"\nadaptive = false";
    let project = Project::new(FETCH, &sources(&bad, &good, extra));
    let daemon = Daemon::start(&project, &[]).await;
    tokio::time::sleep(Duration::from_secs(8)).await;
    let status = daemon.stop(libc::SIGTERM).await;
    assert!(status.success(), "{status:?}");

    let hits = good.good_hits.lock().unwrap().clone();
    let gaps: Vec<Duration> = hits.windows(2).map(|w| w[1] - w[0]).collect();
    println!("good source polled {} times; gaps {gaps:?}", hits.len());
    assert!(
        hits.len() >= 5,
        "only {} polls of the good source in 8 s",
        hits.len()
    );
    for gap in &gaps {
        assert!(
            *gap < Duration::from_millis(2000),
            "a gap of {gap:?}: {gaps:?}"
        );
    }
}
