//! `pantau sources --check` through the real binary against a loopback server: a good feed,
//! a 404, an HTML page where a feed was expected (failed: the feed reader cannot read it), a
//! server too slow for `[fetch] timeout`, and a private address no `allow_private` lists; the
//! listing kinds judging their own answers; the table, the `--json` form and the exit code.

mod common;

use std::time::Duration;

use common::{Project, feed_source, rss, stderr, stdout};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server() -> MockServer {
    let server = MockServer::start().await;
    let feed = rss(&[
        (
            "1",
            "Banjir di Sempaja",
            "Air naik",
            "https://kaltim.example/1",
        ),
        (
            "2",
            "Jalan rusak",
            "Lubang besar",
            "https://kaltim.example/2",
        ),
        (
            "3",
            "Harga sembako",
            "Naik lagi",
            "https://kaltim.example/3",
        ),
    ]);
    Mock::given(method("GET"))
        .and(path("/rss"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(feed, "application/rss+xml"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/hilang"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/beranda"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<!DOCTYPE html><html><head><title>Portal</title></head><body><a href=\"/a\">Berita</a></body></html>",
            "text/html; charset=utf-8",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/lambat"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(rss(&[]), "application/rss+xml")
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    server
}

fn project(base: &str) -> Project {
    let sources = [
        feed_source("baik", &format!("{base}/rss"), ""),
        feed_source("hilang", &format!("{base}/hilang"), ""),
        feed_source("beranda", &format!("{base}/beranda"), ""),
        feed_source("lambat", &format!("{base}/lambat"), ""),
    ]
    .concat();
    Project::new("[fetch]\ntimeout = \"1s\"\n", &sources)
}

#[tokio::test(flavor = "multi_thread")]
async fn each_source_is_fetched_once_and_reported() {
    let server = server().await;
    let p = project(&server.uri());
    let out = p.pantau(&["sources", "--check"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}\n{}", stderr(&out));
    let line = |id: &str| {
        text.lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("no line for {id}: {text}"))
            .to_string()
    };
    assert!(line("baik").contains("feed, 3 item"), "{text}");
    assert!(line("baik").contains("application/rss+xml"), "{text}");
    assert!(
        line("hilang").contains("404") && line("hilang").contains("GAGAL"),
        "{text}"
    );
    // A feed source answering a web page cannot be read: it fails, saying what came.
    assert!(line("beranda").contains("halaman HTML"), "{text}");
    assert!(line("beranda").contains("GAGAL"), "{text}");
    assert!(line("lambat").contains("batas waktu habis"), "{text}");
    assert!(text.contains("saran untuk hilang:"), "{text}");
    assert!(text.contains("4 sumber: 1 menjawab, 3 gagal"), "{text}");
    // One request per source: a check is not a poll.
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_json_form_has_every_figure() {
    let server = server().await;
    let p = project(&server.uri());
    let out = p.pantau(&["sources", "--check", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let by = |id: &str| {
        v["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap()
            .clone()
    };
    let good = by("baik");
    assert_eq!(
        (&good["ok"], &good["status"], &good["looks"], &good["count"]),
        (
            &serde_json::json!(true),
            &serde_json::json!(200),
            &serde_json::json!("feed"),
            &serde_json::json!(3)
        )
    );
    assert_eq!(by("hilang")["status"], 404);
    assert_eq!(by("hilang")["class"], "http_not_found");
    assert_eq!(by("beranda")["looks"], "html");
    assert_eq!(by("beranda")["class"], "parse");
    assert_eq!(by("lambat")["class"], "timeout");
    assert!(by("lambat")["hint"].as_str().unwrap().contains("koneksi"));
    assert_eq!(v["summary"]["ok"], 1);
    assert_eq!(v["summary"]["failed"], 3);
}

/// Without the test's loopback allowance, the guard refuses the address before connecting,
/// as it does for a poll; with every source answering, the exit code is 0.
#[tokio::test(flavor = "multi_thread")]
async fn the_private_network_guard_holds_and_success_exits_zero() {
    let server = server().await;
    let p = Project::new(
        "",
        &feed_source("baik", &format!("{}/rss", server.uri()), ""),
    );
    let ok = p.pantau(&["sources", "--check"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    p.write_local("");
    let refused = p.pantau(&["sources", "--check", "--json"]);
    assert_eq!(refused.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!(v["sources"][0]["class"], "private_address");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// Each listing kind judges the answer as its poll would: a gzipped sitemap served as a plain
/// file is read through, a listing page counts the items its selectors find, selectors that
/// find nothing fail with the selector named, and a WebSocket source is left unchecked.
#[tokio::test(flavor = "multi_thread")]
async fn listing_kinds_judge_what_they_read() {
    use std::io::Write as _;
    let server = MockServer::start().await;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(
        b"<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
          <url><loc>https://kaltim.example/1</loc></url>\
          <url><loc>https://kaltim.example/2</loc></url></urlset>",
    )
    .unwrap();
    Mock::given(method("GET"))
        .and(path("/peta.xml.gz"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(gz.finish().unwrap(), "application/octet-stream"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/berita"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<!DOCTYPE html><html lang=\"id\"><body>\
             <article><h2><a href=\"/a\">Banjir di Sempaja</a></h2></article>\
             <article><h2><a href=\"/b\">Jalan rusak</a></h2></article></body></html>",
            "text/html; charset=utf-8",
        ))
        .mount(&server)
        .await;
    let base = server.uri();
    let sources = [
        common::source("news_sitemap", "peta", &format!("{base}/peta.xml.gz"), ""),
        common::source(
            "html",
            "daftar",
            &format!("{base}/berita"),
            "item = \"article\"",
        ),
        common::source(
            "html",
            "salah",
            &format!("{base}/berita"),
            "item = \"div.berita\"",
        ),
        common::source(
            "jetstream",
            "langit",
            "wss://jetstream2.us-east.bsky.network/subscribe",
            "",
        ),
    ]
    .concat();
    let p = Project::new("", &sources);
    let out = p.pantau(&["sources", "--check"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}\n{}", stderr(&out));
    let line = |id: &str| {
        text.lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("no line for {id}: {text}"))
            .to_string()
    };
    assert!(line("peta").contains("sitemap, 2 URL"), "{text}");
    assert!(line("daftar").contains("halaman HTML, 2 item"), "{text}");
    assert!(
        line("salah").contains("GAGAL") && line("salah").contains("pemilih item \"div.berita\""),
        "{text}"
    );
    assert!(
        line("langit").contains("tidak diperiksa: bukan alamat http/https/file"),
        "{text}"
    );
    assert!(
        text.contains("4 sumber: 2 menjawab, 1 gagal, 1 tidak diperiksa"),
        "{text}"
    );

    let json = p.pantau(&["sources", "--check", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let by = |id: &str| {
        v["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (&by("daftar")["looks"], &by("daftar")["count"]),
        (&serde_json::json!("listing"), &serde_json::json!(2))
    );
    assert_eq!(by("salah")["class"], "parse");
    assert_eq!(by("langit")["skipped"], "not_web");
    assert_eq!(v["summary"]["skipped"], 1);
}

/// Kinds that read with a token are left unchecked (the check sends none) rather than reported
/// as refusing: X, Instagram, YouTube comments, and a JSON API that names a secret. Nothing is
/// requested from them.
#[tokio::test(flavor = "multi_thread")]
async fn token_kinds_are_left_unchecked() {
    let server = MockServer::start().await;
    let base = server.uri();
    let sources = [
        common::source("x", "x-kaltim", &base, "query = \"banjir samarinda\""),
        common::source(
            "instagram",
            "ig-kaltim",
            &base,
            "account_id = \"17841400000000000\"\nhashtags = [\"banjirsamarinda\"]",
        ),
        common::source("youtube_comments", "yt-kaltim", &base, "query = \"banjir\""),
        common::source(
            "json",
            "vendor",
            &format!("{base}/api"),
            "items = \"/data\"\nitem_id = \"/id\"\nitem_text = \"/text\"\nsecret = \"vendor_key\"",
        ),
    ]
    .concat();
    let p = Project::new("", &sources);
    let out = p.pantau(&["sources", "--check"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}\n{}", stderr(&out));
    for id in ["x-kaltim", "ig-kaltim", "yt-kaltim", "vendor"] {
        let line = text.lines().find(|l| l.starts_with(id)).unwrap_or("");
        assert!(
            line.contains("tidak diperiksa: perlu token"),
            "{id}: {text}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}
