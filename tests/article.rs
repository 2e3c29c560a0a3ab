//! Article text (`fetch_article = true`) against real HTTP servers on loopback: a news page
//! with its menus, "Baca juga" links, ads, related stories, comments and footer gives the
//! body and none of the rest; robots.txt is asked once per site and obeyed; the daily cap and
//! the items already stored bound the pages fetched, across restarts; a failed page keeps the
//! feed's summary; the text kept is bounded; and `pantau poll --once` does it all end to end.

mod common;

use common::{Project, feed_source, fixture, query_i64, round, rss};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const HTML: &str = "text/html; charset=utf-8";

/// Mounts `body` at `route` as an HTML page, expected `times` times.
async fn page(server: &MockServer, route: &str, body: Vec<u8>, times: u64) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, HTML))
        .expect(times)
        .mount(server)
        .await;
}

async fn feed(server: &MockServer, items: &[(&str, &str, &str, &str)]) {
    Mock::given(method("GET"))
        .and(path("/rss"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(rss(items), "application/rss+xml"))
        .mount(server)
        .await;
}

async fn robots(server: &MockServer, answer: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/robots.txt"))
        .respond_with(answer)
        .mount(server)
        .await;
}

fn text_of(project: &Project, id: &str) -> String {
    project
        .sql()
        .query_row(
            "SELECT text FROM posts WHERE external_id = ?1",
            &[&id],
            |r| r.get(0),
        )
        .unwrap()
}

/// A small article page whose body is `body`, amid a menu and a footer.
fn small_page(body: &str) -> Vec<u8> {
    format!(
        "<html><head><title>Kabar Kota - Warta</title></head><body><nav><a href=\"/\">Beranda</a> \
         <a href=\"/kanal\">Kanal Olahraga</a></nav><article><h1>Kabar Kota</h1><p>{body}</p>\
         <p>{body}</p></article><footer>© 2026 Redaksi</footer></body></html>"
    )
    .into_bytes()
}

/// The page's article is kept and its boilerplate is not; the region named only in the body
/// is found; the page robots.txt disallows for Pantau is never requested; a page that fails
/// leaves its item with the feed's summary.
#[tokio::test(flavor = "multi_thread")]
async fn an_article_page_gives_its_body_and_none_of_its_boilerplate() {
    let server = MockServer::start().await;
    let uri = server.uri();
    feed(
        &server,
        &[
            (
                "a1",
                "Banjir Rendam Sempaja, Ratusan Rumah Terendam",
                "Hujan deras membuat sungai meluap.",
                &format!("{uri}/berita/banjir-sempaja"),
            ),
            (
                "a2",
                "Pemkot Bahas Anggaran Drainase",
                "Rapat anggaran digelar di balai kota.",
                &format!("{uri}/rahasia/drainase"),
            ),
            (
                "a3",
                "Jembatan Ditutup Sementara",
                "Perbaikan jembatan dimulai pekan ini.",
                &format!("{uri}/berita/rusak"),
            ),
        ],
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/robots.txt"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "User-agent: *\nDisallow: /admin/\n\nUser-agent: Pantau\nDisallow: /rahasia/\n",
        ))
        .expect(1)
        .mount(&server)
        .await;
    page(
        &server,
        "/berita/banjir-sempaja",
        fixture("article/banjir-sempaja.html"),
        1,
    )
    .await;
    page(&server, "/rahasia/drainase", small_page("rahasia"), 0).await;
    Mock::given(method("GET"))
        .and(path("/berita/rusak"))
        .respond_with(ResponseTemplate::new(500))
        .expect(1)
        .mount(&server)
        .await;
    let project = Project::new(
        "",
        &feed_source("warta", &format!("{uri}/rss"), "fetch_article = true"),
    );
    let results = round(&project).await;
    assert!(results.iter().all(|r| !r.failed), "{results:?}");

    let body = text_of(&project, "a1");
    for sentence in [
        "Hujan deras yang mengguyur sejak dini hari membuat Sungai Karang Mumus meluap",
        "Petugas BPBD Kota Samarinda mengevakuasi lansia",
        "Kecamatan Tenggarong Seberang, Kabupaten Kutai Kartanegara",
        "memperbaiki drainase agar banjir tidak terus berulang",
        "menunggu air surut",
    ] {
        assert!(
            body.contains(sentence),
            "{sentence:?} missing from {body:?}"
        );
    }
    for boilerplate in [
        "Beranda",
        "Olahraga Sepak Bola",
        "PilkadaBontang",
        "ADVERTISEMENT",
        "Promo kredit",
        "bonus new member",
        "Baca juga",
        "Harga Cabai Meroket",
        "Berita Terkait",
        "Borneo FC",
        "Komentar",
        "pak wali",
        "Terpopuler",
        "Lowongan Kerja",
        "Bagikan",
        "Hak cipta",
        "Pedoman Media Siber",
        "dataLayer",
    ] {
        assert!(!body.contains(boilerplate), "{boilerplate:?} in {body:?}");
    }
    // The kabupaten named only in the body is found: the article was read. (Named once below
    // a Samarinda title, it is a region the post mentions rather than its subject.)
    assert_eq!(
        query_i64(
            &project.store(),
            "SELECT count(*) FROM (SELECT post_id, region_id FROM post_regions
                                   UNION ALL SELECT post_id, tag_id FROM post_mentions
                                   WHERE kind = 'region') r
             JOIN posts p ON p.id = r.post_id
             WHERE p.external_id = 'a1' AND r.region_id = 'kutai-kartanegara'"
        ),
        1
    );
    assert_eq!(
        text_of(&project, "a2"),
        "Rapat anggaran digelar di balai kota."
    );
    assert_eq!(
        text_of(&project, "a3"),
        "Perbaikan jembatan dimulai pekan ini."
    );
    // Search sees the body too.
    let found = project.pantau(&["search", "Tenggarong", "--json"]);
    assert!(
        common::stdout(&found).contains("Banjir Rendam Sempaja"),
        "{}",
        common::stderr(&found)
    );
}

/// With a cap of two pages a day, a feed of four new items costs two pages; the next round
/// (and a restart, which is what a new round of `poll_round` is) fetches no page again: every
/// item is stored, with its article or its summary.
#[tokio::test(flavor = "multi_thread")]
async fn the_daily_cap_and_the_stored_items_bound_the_pages() {
    let server = MockServer::start().await;
    let uri = server.uri();
    let links: Vec<String> = (1..=4).map(|i| format!("{uri}/p/{i}")).collect();
    let items: Vec<(String, String, String, String)> = (1..=4)
        .map(|i| {
            (
                format!("c{i}"),
                format!("Kabar {i}"),
                format!("Ringkasan {i}."),
                links[i - 1].clone(),
            )
        })
        .collect();
    let items: Vec<(&str, &str, &str, &str)> = items
        .iter()
        .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
        .collect();
    feed(&server, &items).await;
    robots(&server, ResponseTemplate::new(404)).await;
    for i in 1..=4 {
        let body = small_page(&format!(
            "Isi lengkap kabar nomor {i} tentang pelayanan air bersih di Balikpapan yang \
             terganggu selama tiga hari, menurut keterangan petugas PDAM setempat."
        ));
        Mock::given(method("GET"))
            .and(path(format!("/p/{i}")))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, HTML))
            .mount(&server)
            .await;
    }
    let project = Project::new(
        "",
        &feed_source(
            "warta",
            &format!("{uri}/rss"),
            "fetch_article = true\narticle_daily_cap = 2",
        ),
    );
    let pages = |server_requests: &[wiremock::Request]| {
        server_requests
            .iter()
            .filter(|r| r.url.path().starts_with("/p/"))
            .count()
    };
    round(&project).await;
    assert_eq!(pages(&server.received_requests().await.unwrap()), 2);
    let with_body = query_i64(
        &project.store(),
        "SELECT count(*) FROM posts WHERE text LIKE 'Isi lengkap kabar%'",
    );
    let with_summary = query_i64(
        &project.store(),
        "SELECT count(*) FROM posts WHERE text LIKE 'Ringkasan %'",
    );
    assert_eq!((with_body, with_summary), (2, 2));

    round(&project).await;
    assert_eq!(pages(&server.received_requests().await.unwrap()), 2);
    assert_eq!(query_i64(&project.store(), "SELECT count(*) FROM posts"), 4);
}

/// The text kept from a long page is cut at `article_max_chars`.
#[tokio::test(flavor = "multi_thread")]
async fn the_article_text_kept_is_bounded() {
    let server = MockServer::start().await;
    let uri = server.uri();
    feed(
        &server,
        &[(
            "long",
            "Laporan Panjang",
            "Ringkas.",
            &format!("{uri}/panjang"),
        )],
    )
    .await;
    robots(&server, ResponseTemplate::new(404)).await;
    let paragraph = "<p>Pemerintah Provinsi Kalimantan Timur memaparkan rencana pembangunan \
                     jalan, jembatan dan sekolah di seluruh kabupaten dan kota.</p>";
    let long = format!(
        "<html><head><title>Laporan Panjang</title></head><body><article><h1>Laporan Panjang</h1>{}</article></body></html>",
        paragraph.repeat(400)
    );
    page(&server, "/panjang", long.into_bytes(), 1).await;
    let project = Project::new(
        "",
        &feed_source(
            "warta",
            &format!("{uri}/rss"),
            "fetch_article = true\narticle_max_chars = 300",
        ),
    );
    round(&project).await;
    let text = text_of(&project, "long");
    assert!(
        text.starts_with("Pemerintah Provinsi Kalimantan Timur"),
        "{text}"
    );
    assert_eq!(text.chars().count(), 301, "{text}");
    assert!(text.ends_with('…'));
}

/// A site whose robots.txt answers 503 is unreachable, not permissive: no page is fetched.
#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_robots_txt_means_no_page() {
    let server = MockServer::start().await;
    let uri = server.uri();
    feed(
        &server,
        &[(
            "r1",
            "Kabar",
            "Ringkasan kabar.",
            &format!("{uri}/berita/1"),
        )],
    )
    .await;
    robots(&server, ResponseTemplate::new(503)).await;
    page(&server, "/berita/1", small_page("isi"), 0).await;
    let project = Project::new(
        "",
        &feed_source("warta", &format!("{uri}/rss"), "fetch_article = true"),
    );
    round(&project).await;
    assert_eq!(text_of(&project, "r1"), "Ringkasan kabar.");
}

/// Wrong article keys are refused with the source and key named.
#[test]
fn wrong_article_keys_are_refused() {
    let project = Project::new(
        "",
        &feed_source(
            "warta",
            "https://warta.example/rss",
            "fetch_article = true\narticle_daily_cap = 0\narticle_max_chars = 50",
        ),
    );
    let out = project.pantau(&["sources"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("article_daily_cap"), "{err}");
    assert!(err.contains("article_max_chars"), "{err}");
}

/// An article key without `fetch_article = true` would do nothing: it is refused at its
/// line, with what to do.
#[test]
fn article_keys_without_fetch_article_are_refused() {
    for key in ["article_daily_cap = 50", "article_max_chars = 3000"] {
        let project = Project::new("", &feed_source("warta", "https://warta.example/rss", key));
        let out = project.pantau(&["sources"]);
        let err = common::stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        let name = key.split(' ').next().unwrap();
        assert!(
            err.contains(&format!("{name} diisi tanpa fetch_article = true")),
            "{err}"
        );
        assert!(
            err.contains("tambahkan fetch_article = true atau hapus kunci ini"),
            "{err}"
        );
        assert!(err.contains("default.toml:"), "{err}");
    }
}

/// `pantau poll --once` end to end: the feed's item is stored with its article's text.
#[tokio::test(flavor = "multi_thread")]
async fn poll_once_stores_the_article_text() {
    let server = MockServer::start().await;
    let uri = server.uri();
    feed(
        &server,
        &[(
            "e1",
            "Banjir Rendam Sempaja, Ratusan Rumah Terendam",
            "Hujan deras membuat sungai meluap.",
            &format!("{uri}/berita/banjir-sempaja"),
        )],
    )
    .await;
    robots(&server, ResponseTemplate::new(404)).await;
    page(
        &server,
        "/berita/banjir-sempaja",
        fixture("article/banjir-sempaja.html"),
        1,
    )
    .await;
    let project = Project::new(
        "",
        &feed_source("warta", &format!("{uri}/rss"), "fetch_article = true"),
    );
    let dir = project.path().to_path_buf();
    let config = project.config();
    let out = tokio::task::spawn_blocking(move || {
        common::pantau_in(
            &dir,
            &["--config", config.to_str().unwrap(), "poll", "--once"],
        )
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let text = text_of(&project, "e1");
    assert!(text.contains("Tenggarong Seberang"), "{text}");
    assert!(!text.contains("Baca juga"), "{text}");
}
