//! The `news_sitemap` kind against a real HTTP server on loopback (wiremock) serving sitemaps
//! shaped like the province's outlets publish them (a WordPress/Yoast Google News sitemap, a
//! sitemap index of daily plain sitemaps, one of them gzipped): the first poll, a 304, a resume
//! that stores only new links, the index's newest children, and malformed sitemaps that fail
//! their source only.

mod common;

use std::io::Write;

use common::{Project, fixture, result, round};
use wiremock::matchers::{header, header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn xml(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(
        fixture(&format!("news_sitemap/{name}")),
        "application/xml; charset=UTF-8",
    )
}

fn source(id: &str, url: &str, extra: &str) -> String {
    common::source("news_sitemap", id, url, extra)
}

/// The first poll stores every link of a Google News sitemap: headline, keywords as text,
/// publication as author, language, and each W3C precision of the publication date (with
/// seconds, with a fraction, minutes only, date only in WITA); tracking parameters go from
/// the link; an image's title is never taken for the headline.
#[tokio::test(flavor = "multi_thread")]
async fn a_google_news_sitemap_becomes_posts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sitemap-news.xml"))
        .respond_with(xml("sitemap-news.xml"))
        .expect(1)
        .mount(&server)
        .await;
    let project = Project::new(
        "",
        &source("kk", &format!("{}/sitemap-news.xml", server.uri()), ""),
    );
    let results = round(&project).await;
    let r = result(&results, "kk");
    assert!(!r.failed, "{}", r.status);
    assert_eq!((r.items_found, r.new_posts), (5, 5));
    let got = common::stored_posts(&project);
    let first = &got[0];
    assert_eq!(
        first.0,
        "https://kaltimkini.example/2025/12/05/dprd-kaltim-soroti-jalan-rusak-poros-samarinda-bontang/"
    );
    assert_eq!(
        first.1,
        "DPRD Kaltim Soroti Jalan Rusak Poros Samarinda–Bontang"
    );
    assert_eq!(first.2, "jalan rusak, dprd, bontang");
    assert_eq!((first.3.as_str(), first.4.as_str()), ("Kaltim Kini", "id"));
    assert_eq!(first.5, "2025-12-05T13:30:00Z");
    let by_url = |tail: &str| got.iter().find(|p| p.0.ends_with(tail)).unwrap().clone();
    let ikn = by_url("ikn-siapkan-upacara-hut-ri/");
    assert_eq!(ikn.1, "Otorita IKN Siapkan Lahan Upacara & Parkir Tamu");
    assert_eq!(
        (ikn.2.as_str(), ikn.5.as_str()),
        ("", "2025-12-05T11:05:00Z")
    );
    let english = by_url("mahakam-river-traffic/");
    assert_eq!(
        (english.4.as_str(), english.5.as_str()),
        ("en", "2025-12-04T16:00:00Z")
    );
    let gas = by_url("tembus-rp-45-ribu-di-kutai-barat/");
    assert_eq!(gas.5, "2025-12-06T01:40:12Z");
    let flood = by_url("banjir-rendam-sempaja-warga-mengungsi/");
    assert_eq!(
        flood.1,
        "Banjir Rendam Sempaja, Ratusan Warga Mengungsi ke Masjid"
    );
    assert_eq!(flood.2, "banjir, samarinda, sempaja, bpbd");
    // The classifier saw title and keywords.
    let topics = common::query_i64(
        &project.store(),
        "SELECT count(*) FROM post_topics pt JOIN posts p ON p.id = pt.post_id
         WHERE p.url LIKE '%banjir-rendam-sempaja%'",
    );
    assert!(topics >= 1, "the flood post is tagged");
}

/// An unchanged sitemap costs a 304 (the ETag is sent back) and stores nothing; a changed one
/// stores only the links not seen before, also after a restart (each round loads the project
/// afresh from its files and database), and never the links it stored already.
#[tokio::test(flavor = "multi_thread")]
async fn conditional_get_and_resume_without_repeats() {
    let server = MockServer::start().await;
    Mock::given(path("/news.xml"))
        .and(header("if-none-match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/news.xml"))
        .respond_with(xml("sitemap-news.xml").insert_header("ETag", "\"v1\""))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let project = Project::new("", &source("kk", &format!("{}/news.xml", server.uri()), ""));
    assert_eq!(result(&round(&project).await, "kk").new_posts, 5);
    let second = round(&project).await;
    let r = result(&second, "kk");
    assert!(!r.failed && r.status == "tidak berubah", "{}", r.status);
    assert_eq!(r.new_posts, 0);

    // A changed sitemap from a server that sends no validators: read whole each time.
    Mock::given(path("/news.xml"))
        .respond_with(xml("sitemap-news-2.xml"))
        .mount(&server)
        .await;
    let third = round(&project).await;
    let r = result(&third, "kk");
    assert_eq!((r.items_found, r.new_posts), (6, 2), "{}", r.status);
    // The same document again: every link is known, nothing is handed on.
    let fourth = round(&project).await;
    assert_eq!(result(&fourth, "kk").new_posts, 0);
    assert_eq!(common::stored_posts(&project).len(), 7);
    // Not the store's doing: the poller itself hands nothing on from its cursor.
    let batch = poll_directly(&project).await;
    assert_eq!((batch.items_found, batch.posts.len()), (6, 0));
    let stored: i64 = common::query_i64(
        &project.store(),
        "SELECT count(*) FROM posts WHERE url LIKE '%pln-padamkan-listrik%'",
    );
    assert_eq!(stored, 1);
}

/// One poll of the project's first source with its stored cursor, outside the pipeline.
async fn poll_directly(project: &Project) -> pantau::sources::Batch {
    use pantau::store::Status;
    let config = project.load();
    let source = &config.sources[0];
    let cx = pantau::sources::PollCtx {
        source: source.id.clone(),
        fetcher: pantau::sources::http::Fetcher::new(&config.settings.fetch).unwrap(),
        relevant: None,
        secrets: config.settings.secrets.clone(),
    };
    let cursor = project
        .with_store(|s| s.source_state(&source.id))
        .unwrap()
        .cursor;
    source.spec.poller().poll(&cx, &cursor).await.unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// A sitemap index: the newest `max_sitemaps` children by `<lastmod>` are read (a relative
/// child resolved against the index, a `.xml.gz` served as a gzip file opened), older and
/// undated children are not fetched, and a child on `file://` is never followed from the web.
/// Plain sitemaps give no headline: the words of the link stand in, and a link without words
/// is skipped. When the index has not changed, the children are asked again conditionally.
#[tokio::test(flavor = "multi_thread")]
async fn an_index_is_followed_to_its_newest_children() {
    let server = MockServer::start().await;
    let index = String::from_utf8(fixture("news_sitemap/sitemap-index.xml"))
        .unwrap()
        .replace("{base}", &server.uri());
    Mock::given(path("/sitemap.xml"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(index.into_bytes(), "text/xml")
                .insert_header("Last-Modified", "Sat, 06 Dec 2025 05:10:00 GMT"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/sitemap.xml"))
        // wiremock splits header values at commas, which an HTTP date holds: the value is
        // checked below from the requests received.
        .and(header_exists("if-modified-since"))
        .respond_with(ResponseTemplate::new(304))
        .mount(&server)
        .await;
    Mock::given(path("/sitemap/2025-12-06.xml"))
        .respond_with(xml("2025-12-06.xml").insert_header("ETag", "\"d6\""))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/sitemap/2025-12-06.xml"))
        .and(header("if-none-match", "\"d6\""))
        .respond_with(ResponseTemplate::new(304))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/sitemap/2025-12-05.xml.gz"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            gzip(&fixture("news_sitemap/2025-12-05.xml")),
            "application/x-gzip",
        ))
        .mount(&server)
        .await;
    for never in ["/sitemap/2025-12-04.xml", "/sitemap/pages.xml"] {
        Mock::given(path(never))
            .respond_with(xml("2025-12-04.xml"))
            .expect(0)
            .mount(&server)
            .await;
    }
    let project = Project::new(
        "",
        &source(
            "bb",
            &format!("{}/sitemap.xml", server.uri()),
            "max_sitemaps = 2",
        ),
    );
    let results = round(&project).await;
    let r = result(&results, "bb");
    assert!(!r.failed, "{}", r.status);
    assert_eq!((r.items_found, r.new_posts), (5, 4));
    let got = common::stored_posts(&project);
    let titles: Vec<&str> = got.iter().map(|p| p.1.as_str()).collect();
    assert_eq!(
        titles,
        [
            "sekolah di berau kekurangan guru",
            "karhutla di penajam paser utara meluas",
            "tambang ilegal di tenggarong seberang ditertibkan",
            "warga loa janan keluhkan air pdam keruh",
        ]
    );
    let pdam = got.iter().find(|p| p.1.contains("pdam")).unwrap();
    assert_eq!(pdam.5, "2025-12-06T04:48:00Z");
    let school = got.iter().find(|p| p.1.contains("guru")).unwrap();
    assert_eq!(school.5, "2025-12-04T16:00:00Z");

    // The index answers 304; the daily child is asked with its ETag, the gzip one again.
    let again = round(&project).await;
    let r = result(&again, "bb");
    assert!(!r.failed, "{}", r.status);
    assert_eq!(r.new_posts, 0);
    let asked: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|q| q.url.path() == "/sitemap.xml")
        .filter_map(|q| q.headers.get("if-modified-since"))
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert_eq!(asked, ["Sat, 06 Dec 2025 05:10:00 GMT"]);
}

/// The first poll of a long sitemap takes the newest `max_items` links and counts the rest as
/// read: the next poll of the same sitemap stores nothing.
#[tokio::test(flavor = "multi_thread")]
async fn the_first_poll_takes_the_newest_links_only() {
    let server = MockServer::start().await;
    Mock::given(path("/news.xml"))
        .respond_with(xml("sitemap-news-2.xml"))
        .mount(&server)
        .await;
    let project = Project::new(
        "",
        &source("kk", &format!("{}/news.xml", server.uri()), "max_items = 2"),
    );
    assert_eq!(result(&round(&project).await, "kk").new_posts, 2);
    let titles: Vec<String> = common::stored_posts(&project)
        .into_iter()
        .map(|p| p.1)
        .collect();
    assert_eq!(
        titles,
        [
            "Jembatan Penghubung Dua Kampung di Mahulu Putus Diterjang Arus",
            "PLN Padamkan Listrik Bergilir di Balikpapan Selama Tiga Hari",
        ]
    );
    assert_eq!(result(&round(&project).await, "kk").new_posts, 0);
}

/// A truncated sitemap, an HTML error page and a gzip that is not one each fail their own
/// source with a parse error naming what is wrong; the healthy source in the same round
/// stores its posts.
#[tokio::test(flavor = "multi_thread")]
async fn malformed_sitemaps_fail_their_source_only() {
    let server = MockServer::start().await;
    Mock::given(path("/broken.xml"))
        .respond_with(xml("broken.xml"))
        .mount(&server)
        .await;
    Mock::given(path("/html.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<!DOCTYPE html><html><body><h1>404 Halaman tidak ditemukan</h1></body></html>",
            "text/html",
        ))
        .mount(&server)
        .await;
    Mock::given(path("/bad.xml.gz"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(vec![0x1f, 0x8b, 8, 0, 1, 2, 3], "application/gzip"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/good.xml"))
        .respond_with(xml("sitemap-news.xml"))
        .mount(&server)
        .await;
    let uri = server.uri();
    let project = Project::new(
        "",
        &[
            source("rusak", &format!("{uri}/broken.xml"), ""),
            source("halaman", &format!("{uri}/html.xml"), ""),
            source("gz", &format!("{uri}/bad.xml.gz"), ""),
            source("baik", &format!("{uri}/good.xml"), ""),
        ]
        .concat(),
    );
    let results = round(&project).await;
    for (id, says) in [
        ("rusak", "sitemap terpotong"),
        ("halaman", "bukan sitemap: elemen akarnya <html>"),
        ("gz", "gzip rusak"),
    ] {
        let r = result(&results, id);
        assert!(r.failed, "{id}");
        assert!(r.status.contains(says), "{id}: {}", r.status);
    }
    let good = result(&results, "baik");
    assert!(!good.failed, "{}", good.status);
    assert_eq!(good.new_posts, 5);
}
