//! The `json` kind against a real HTTP server on loopback (wiremock) serving the shapes of real
//! APIs (WordPress REST, the Hacker News search API, a JSON:API complaints portal): nested
//! pointers and every time format, malformed records skipped, an `items` pointer that is not an
//! array, the bearer token, and a second poll that stores nothing twice.

mod common;

use common::{Project, fixture, query_i64, result, round};
use pantau::model::Cursor;
use pantau::store::{Browse, Status};
use wiremock::matchers::{header, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn source(id: &str, url: &str, keys: &str) -> String {
    format!("[[sources]]\nid = \"{id}\"\nkind = \"json\"\nurl = \"{url}\"\n{keys}\n")
}

fn body(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_raw(fixture(&format!("json/{name}.json")), "application/json")
}

const WORDPRESS: &str = r#"items = ""
item_id = "/id"
item_title = "/title/rendered"
item_text = "/excerpt/rendered"
item_url = "/link"
item_author = "/_embedded/author/0/name"
item_time = "/date""#;

const HN: &str = r#"items = "/hits"
item_id = "/objectID"
item_title = "/title"
item_url = "/url"
item_author = "/author"
item_time = "/created_at_i"
time_format = "unix""#;

const PORTAL: &str = r#"items = "/data"
item_id = "/id"
item_title = "/attributes/judul"
item_text = "/attributes/isi"
item_url = "/links/self"
item_author = "/attributes/pelapor/nama"
item_time = "/attributes/dibuat"
time_format = "%d/%m/%Y %H:%M"
token = "kunci-portal""#;

const MESSAGES: &str = r#"items = "/result/items"
item_id = "/guid"
item_text = "/message"
item_author = "/user"
item_time = "/timestamp"
time_format = "unix_ms""#;

struct Row {
    title: Option<String>,
    text: String,
    url: Option<String>,
    author: Option<String>,
    published: String,
}

fn row(project: &Project, external_id: &str) -> Row {
    project
        .sql()
        .query_row(
            "SELECT title, text, url, author, published_at FROM posts WHERE external_id = ?1",
            &[&external_id],
            |r| {
                Ok(Row {
                    title: r.get(0)?,
                    text: r.get(1)?,
                    url: r.get(2)?,
                    author: r.get(3)?,
                    published: r.get(4)?,
                })
            },
        )
        .unwrap()
}

/// Four APIs, four shapes, four time formats: every field lands where the mapping says, times
/// without an offset are WITA, relative links resolve against the API address, and the token
/// is sent as a bearer token.
#[tokio::test(flavor = "multi_thread")]
async fn nested_mappings_and_time_formats() {
    let server = MockServer::start().await;
    Mock::given(path("/wp-json/wp/v2/posts"))
        .and(query_param("_embed", "1"))
        .respond_with(body("wordpress_posts"))
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/search_by_date"))
        .respond_with(body("hn_search"))
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/laporan"))
        .and(header("authorization", "Bearer kunci-portal"))
        .respond_with(body("portal_laporan"))
        .mount(&server)
        .await;
    Mock::given(path("/pesan"))
        .respond_with(body("pesan"))
        .mount(&server)
        .await;
    let uri = server.uri();
    let project = Project::new(
        "",
        &[
            source(
                "warta",
                &format!("{uri}/wp-json/wp/v2/posts?per_page=20&_embed=1"),
                WORDPRESS,
            ),
            source(
                "hn",
                &format!("{uri}/api/v1/search_by_date?query=nusantara&tags=story"),
                HN,
            ),
            source("portal", &format!("{uri}/api/v1/laporan?halaman=1"), PORTAL),
            source("pesan", &format!("{uri}/pesan"), MESSAGES),
        ]
        .concat(),
    );
    let results = round(&project).await;
    for (id, found) in [("warta", 2), ("hn", 2), ("portal", 2), ("pesan", 1)] {
        let r = result(&results, id);
        assert!(!r.failed, "{id}: {}", r.status);
        assert_eq!((r.items_found, r.new_posts), (found, found), "{id}");
    }

    // WordPress: `date` is the site's local time, without an offset: read as WITA.
    let wp = row(&project, "48209");
    assert_eq!(
        wp.title.as_deref(),
        Some("Antrean Solar di SPBU Juanda \u{201c}Mengular\u{201d} Lagi")
    );
    assert_eq!(
        wp.text,
        "Sopir truk mengaku menunggu sejak subuh & belum juga kebagian solar."
    );
    assert_eq!(
        wp.url.as_deref(),
        Some("https://wartamahakam.example/2026/11/27/antrean-solar-spbu-juanda/")
    );
    assert_eq!(wp.author.as_deref(), Some("Dewi Lestari"));
    assert!(
        wp.published.starts_with("2026-11-26T23:40:00"),
        "{}",
        wp.published
    );

    // Hacker News search: title only; Unix seconds as a number and as digits in a text.
    let hn = row(&project, "42110001");
    assert_eq!(hn.text, "");
    assert_eq!(hn.author.as_deref(), Some("kaltimdev"));
    assert!(
        hn.published.starts_with("2026-11-27T09:10:00"),
        "{}",
        hn.published
    );
    assert!(
        row(&project, "42109876")
            .published
            .starts_with("2026-11-27T05:00:10")
    );

    // The portal: a strptime pattern read as WITA, a relative link, a nested author.
    let laporan = row(&project, "L-2026-1101");
    assert!(
        laporan.published.starts_with("2026-11-27T06:30:00"),
        "{}",
        laporan.published
    );
    assert_eq!(laporan.url, Some(format!("{uri}/laporan/L-2026-1101")));
    assert_eq!(laporan.author.as_deref(), Some("Warga RT 12"));
    assert_eq!(
        laporan.title.as_deref(),
        Some("Lampu PJU mati di Jl. Pangeran Antasari")
    );

    // Unix milliseconds.
    let pesan = row(&project, "msg-9001");
    assert!(
        pesan.published.starts_with("2026-11-27T10:40:00"),
        "{}",
        pesan.published
    );
    assert_eq!(pesan.author.as_deref(), Some("dishub_kaltim"));

    let mut store = project.store();
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM post_topics WHERE topic_id = 'banjir'"
        ),
        1
    );
    // A plain list has no cursor.
    assert_eq!(
        common::blocking(&mut store, |s| s.source_state(&"portal".into()))
            .unwrap()
            .cursor,
        Cursor::Start
    );
}

/// A record without its text, or with a time that does not parse, is skipped; a record
/// without an id is stored under its link, or a hash of its text; one without a time gets the
/// fetch time.
#[tokio::test(flavor = "multi_thread")]
async fn malformed_records_are_skipped() {
    let server = MockServer::start().await;
    Mock::given(path("/laporan"))
        .respond_with(body("malformed"))
        .mount(&server)
        .await;
    let project = Project::new(
        "",
        &source(
            "portal",
            &format!("{}/laporan", server.uri()),
            r#"items = "/data"
item_id = "/id"
item_text = "/attributes/isi"
item_url = "/links/self"
item_time = "/attributes/dibuat"
time_format = "%d/%m/%Y %H:%M""#,
        ),
    );
    let before = jiff::Timestamp::now();
    let results = round(&project).await;
    assert_eq!((results[0].items_found, results[0].new_posts), (5, 3));
    let store = project.store();
    let ids: Vec<String> = common::sql(&store)
        .prepare("SELECT external_id FROM posts ORDER BY published_at")
        .unwrap()
        .query_map(&[], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids[0], "L-1");
    assert_eq!(ids[1], format!("{}/laporan/tanpa-id", server.uri()));
    assert!(ids[2].starts_with("h:"), "{ids:?}");
    let fetched_time: jiff::Timestamp = row(&project, &ids[2]).published.parse().unwrap();
    assert!(fetched_time.as_second() >= before.as_second() - 1);
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM posts WHERE external_id IN ('L-2', 'L-3')"
        ),
        0
    );
}

/// An `items` pointer that leads to an object, or to nothing, and an answer that is not JSON,
/// fail the source with a parse error that names the pointer.
#[tokio::test(flavor = "multi_thread")]
async fn an_items_pointer_that_is_not_an_array_is_a_clear_error() {
    let server = MockServer::start().await;
    Mock::given(path("/laporan"))
        .respond_with(body("portal_laporan"))
        .mount(&server)
        .await;
    Mock::given(path("/halaman"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<!DOCTYPE html><html><body>Masuk dulu</body></html>",
            "text/html",
        ))
        .mount(&server)
        .await;
    let uri = server.uri();
    let keys = |items: &str| format!("items = \"{items}\"\nitem_text = \"/attributes/isi\"");
    let project = Project::new(
        "",
        &[
            source("objek", &format!("{uri}/laporan"), &keys("/meta")),
            source("hilang", &format!("{uri}/laporan"), &keys("/hasil")),
            source("html", &format!("{uri}/halaman"), &keys("/data")),
        ]
        .concat(),
    );
    round(&project).await;
    let health = project.with_store(|s| s.sources_health(&[])).unwrap();
    for (id, message) in [
        (
            "objek",
            "penunjuk items \"/meta\" menunjuk ke objek, bukan larik (array) rekaman",
        ),
        (
            "hilang",
            "penunjuk items \"/hasil\" tidak ditemukan dalam jawaban",
        ),
        ("html", "jawaban bukan JSON"),
    ] {
        let h = health.iter().find(|h| h.id.as_str() == id).unwrap();
        assert_eq!(h.last_error_class.as_deref(), Some("parse"), "{id}");
        assert!(
            h.last_error.as_deref().unwrap().contains(message),
            "{id}: {:?}",
            h.last_error
        );
    }
}

/// The list is read whole every time; the store keeps each record once, so a second poll adds
/// only the record that is new.
#[tokio::test(flavor = "multi_thread")]
async fn a_second_poll_stores_nothing_twice() {
    let server = MockServer::start().await;
    Mock::given(path("/wp-json/wp/v2/posts"))
        .respond_with(body("wordpress_posts"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let mut grown: serde_json::Value =
        serde_json::from_slice(&fixture("json/wordpress_posts.json")).unwrap();
    let mut newer = grown[0].clone();
    newer["id"] = 48220.into();
    newer["date"] = "2026-11-27T11:00:00".into();
    newer["link"] = "https://wartamahakam.example/2026/11/27/listrik-padam-bontang/".into();
    newer["title"]["rendered"] = "Listrik Padam Sejak Pagi di Bontang".into();
    newer["excerpt"]["rendered"] = "<p>PLN menyebut gangguan pada gardu induk.</p>".into();
    grown.as_array_mut().unwrap().insert(0, newer);
    Mock::given(path("/wp-json/wp/v2/posts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(grown))
        .with_priority(2)
        .mount(&server)
        .await;
    let project = Project::new(
        "",
        &source(
            "warta",
            &format!("{}/wp-json/wp/v2/posts", server.uri()),
            WORDPRESS,
        ),
    );
    assert_eq!(round(&project).await[0].new_posts, 2);
    let second = round(&project).await;
    assert_eq!((second[0].items_found, second[0].new_posts), (3, 1));
    let third = round(&project).await;
    assert_eq!((third[0].items_found, third[0].new_posts), (3, 0));
    assert_eq!(project.with_store(|s| s.count_posts()).unwrap(), 3);
}

/// Config errors name the key and say what to write.
#[test]
fn config_errors_are_clear() {
    let cases = [
        (
            "item_id = \"/id\"",
            "kunci \"item_text\" (atau \"item_title\") wajib diisi",
        ),
        (
            "item_text = \"body\"",
            "penunjuk JSON \"body\" harus diawali \"/\"",
        ),
        (
            "items = \"data\"\nitem_text = \"/body\"",
            "penunjuk JSON \"data\" harus diawali \"/\"",
        ),
        ("item_text = \"/a~2\"", "\"~\" hanya boleh diikuti 0 atau 1"),
        (
            "item_text = \"/body\"\nitem_time = \"/t\"\ntime_format = \"tanggal\"",
            "format waktu \"tanggal\" tidak dikenal",
        ),
        (
            "item_text = \"/body\"\nitem_time = \"/t\"\ntime_format = \"%d/%m %!\"",
            "pola waktu \"%d/%m %!\" tidak valid",
        ),
        (
            "item_text = \"/body\"\ntime_format = \"unix\"",
            "time_format diisi tanpa item_time",
        ),
        (
            "item_text = \"/body\"\nnext_link = true\npage_param = \"page\"",
            "hanya satu cara berpindah halaman: next_link dan page_param",
        ),
        (
            "item_text = \"/body\"\ncursor_param = \"cursor\"",
            "cursor_param dan next_cursor harus diisi bersama",
        ),
        (
            "item_text = \"/body\"\ntoken = \"a\"\nsecret = \"b\"",
            "token dan secret tidak boleh diisi bersama",
        ),
        (
            "item_text = \"/body\"\nsecret = \"vendor-tiktok\"",
            "nama rahasia \"vendor-tiktok\" hanya boleh huruf kecil",
        ),
        (
            "item_text = \"/body\"\nauth_header = \"X API\"",
            "\"X API\" bukan nama header HTTP",
        ),
        (
            "item_text = \"/body\"\nplatform = \"tik tok\"",
            "\"tik tok\" bukan nama platform",
        ),
        ("item_text = \"/body\"\nmax_pages = 0", "antara 1 dan 1000"),
    ];
    for (keys, expected) in cases {
        let project = Project::new("", &source("j", "https://api.example/laporan", keys));
        let error = pantau::engine::Config::load(Some(&project.config()))
            .unwrap_err()
            .to_string();
        assert!(error.contains(expected), "{keys}: {error}");
    }
    let project = Project::new(
        "",
        "[[sources]]\nid = \"j\"\nkind = \"json\"\nitem_text = \"/x\"\n",
    );
    let error = pantau::engine::Config::load(Some(&project.config()))
        .unwrap_err()
        .to_string();
    assert!(error.contains("kunci \"url\" wajib diisi"), "{error}");
}

/// A vendor's TikTok-like record `n`: its text, time, author with followers, and counts.
fn vendor_record(n: u64) -> serde_json::Value {
    serde_json::json!({
        "id": format!("73012345678901{n:05}"),
        "desc": format!("Antrean solar di SPBU Loa Janan makin panjang, video ke-{n}"),
        "create_time": 1795770600 + n,
        "author": {"unique_id": format!("warga_{n}"), "follower_count": 1000 * n},
        "stats": {"digg_count": 10 * n, "share_count": n, "comment_count": 2 * n, "play_count": format!("{}", 100 * n)},
        "platform": if n.is_multiple_of(2) { "Facebook" } else { "" }
    })
}

fn records(range: std::ops::Range<u64>) -> Vec<serde_json::Value> {
    range.map(vendor_record).collect()
}

const VENDOR: &str = r#"item_id = "/id"
item_text = "/desc"
item_author = "/author/unique_id"
item_time = "/create_time"
time_format = "unix""#;

fn ok(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// Five vendors, five ways to page, each over several pages on loopback: a next address in
/// the body, the Link header, page numbers ending at a short page, offsets ending at an empty
/// page, and a cursor sent back until the answer holds none.
#[tokio::test(flavor = "multi_thread")]
async fn every_paging_style_reads_every_page() {
    let server = MockServer::start().await;
    let uri = server.uri();
    // next_url: relative, then absolute, then none.
    Mock::given(path("/next/items"))
        .and(query_param_is_missing("after"))
        .respond_with(ok(
            serde_json::json!({"data": records(0..3), "paging": {"next": "/next/items?after=p2"}}),
        ))
        .mount(&server)
        .await;
    Mock::given(path("/next/items"))
        .and(query_param("after", "p2"))
        .respond_with(ok(serde_json::json!({"data": records(3..6), "paging": {"next": format!("{uri}/next/items?after=p3")}})))
        .mount(&server)
        .await;
    Mock::given(path("/next/items"))
        .and(query_param("after", "p3"))
        .respond_with(ok(
            serde_json::json!({"data": records(6..7), "paging": {"next": null}}),
        ))
        .mount(&server)
        .await;
    // Link header, in two header lines on the second page.
    Mock::given(path("/link/items"))
        .and(query_param_is_missing("page"))
        .respond_with(
            ok(serde_json::json!({"data": records(10..12)}))
                .insert_header("link", "</link/items?page=2>; rel=\"next\""),
        )
        .mount(&server)
        .await;
    Mock::given(path("/link/items"))
        .and(query_param("page", "2"))
        .respond_with(
            ok(serde_json::json!({"data": records(12..14)}))
                .append_header("link", "</link/items?page=1>; rel=\"prev\"")
                .append_header("link", "</link/items?page=3>; rel=\"next\""),
        )
        .mount(&server)
        .await;
    Mock::given(path("/link/items"))
        .and(query_param("page", "3"))
        .respond_with(ok(serde_json::json!({"data": records(14..15)})))
        .mount(&server)
        .await;
    // Page numbers with a page size: 2, 2, then 1 (short: the last).
    for (page, range) in [("1", 20..22), ("2", 22..24), ("3", 24..25)] {
        Mock::given(path("/page/items"))
            .and(query_param("halaman", page))
            .and(query_param("per_page", "2"))
            .respond_with(ok(serde_json::json!({"data": records(range)})))
            .expect(1)
            .mount(&server)
            .await;
    }
    // Offsets without a page size: the empty page ends it (Apify-style bare array).
    for (offset, range) in [("0", 30..33), ("3", 33..35), ("5", 35..35)] {
        Mock::given(path("/offset/items"))
            .and(query_param("offset", offset))
            .respond_with(ok(serde_json::json!(records(range))))
            .expect(1)
            .mount(&server)
            .await;
    }
    // A cursor in the body, sent back until it is absent.
    Mock::given(path("/cursor/items"))
        .and(query_param_is_missing("cursor"))
        .respond_with(ok(serde_json::json!({"data": {"videos": records(40..42), "cursor": 1795770642, "has_more": true}})))
        .mount(&server)
        .await;
    Mock::given(path("/cursor/items"))
        .and(query_param("cursor", "1795770642"))
        .respond_with(ok(serde_json::json!({"data": {"videos": records(42..44), "cursor": null, "has_more": false}})))
        .mount(&server)
        .await;
    let keys = |items: &str, paging: &str| format!("items = \"{items}\"\n{VENDOR}\n{paging}");
    let project = Project::new(
        "",
        &[
            source(
                "next",
                &format!("{uri}/next/items"),
                &keys("/data", "next_url = \"/paging/next\""),
            ),
            source(
                "link",
                &format!("{uri}/link/items"),
                &keys("/data", "next_link = true"),
            ),
            source(
                "page",
                &format!("{uri}/page/items"),
                &keys(
                    "/data",
                    "page_param = \"halaman\"\npage_size = 2\nsize_param = \"per_page\"",
                ),
            ),
            source(
                "offset",
                &format!("{uri}/offset/items"),
                &keys("", "offset_param = \"offset\""),
            ),
            source(
                "cursor",
                &format!("{uri}/cursor/items"),
                &keys(
                    "/data/videos",
                    "cursor_param = \"cursor\"\nnext_cursor = \"/data/cursor\"",
                ),
            ),
        ]
        .concat(),
    );
    let results = round(&project).await;
    for (id, found) in [
        ("next", 7),
        ("link", 5),
        ("page", 5),
        ("offset", 5),
        ("cursor", 4),
    ] {
        let r = result(&results, id);
        assert!(!r.failed, "{id}: {}", r.status);
        assert_eq!((r.items_found, r.new_posts), (found, found), "{id}");
    }
    server.verify().await;
}

/// `max_pages` stops a walk that would go on: two pages read of three.
#[tokio::test(flavor = "multi_thread")]
async fn the_page_limit_stops_the_walk() {
    let server = MockServer::start().await;
    for page in 1..=3u64 {
        Mock::given(path("/items"))
            .and(query_param("page", page.to_string()))
            .respond_with(ok(
                serde_json::json!({"data": records(page * 10..page * 10 + 4)}),
            ))
            .expect(if page <= 2 { 1 } else { 0 })
            .mount(&server)
            .await;
    }
    let project = Project::new(
        "",
        &source(
            "vendor",
            &format!("{}/items", server.uri()),
            &format!("items = \"/data\"\n{VENDOR}\npage_param = \"page\"\nmax_pages = 2"),
        ),
    );
    let r = round(&project).await;
    assert_eq!((r[0].items_found, r[0].new_posts), (8, 8));
    server.verify().await;
}

/// The credential from `[secrets]`: in `Authorization` as a bearer token by default, or bare
/// in a header the vendor names; a missing entry or a refused key is an `auth` failure.
#[tokio::test(flavor = "multi_thread")]
async fn header_auth_from_secrets() {
    let server = MockServer::start().await;
    Mock::given(path("/bearer"))
        .and(header("authorization", "Bearer kunci-vendor-1"))
        .respond_with(ok(serde_json::json!({"data": records(0..2)})))
        .mount(&server)
        .await;
    Mock::given(path("/apikey"))
        .and(header("x-api-key", "kunci-vendor-2"))
        .respond_with(ok(serde_json::json!({"data": records(2..3)})))
        .mount(&server)
        .await;
    Mock::given(path("/ditolak"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(serde_json::json!({"error": "invalid api key"})),
        )
        .mount(&server)
        .await;
    let uri = server.uri();
    let keys = |more: &str| format!("items = \"/data\"\n{VENDOR}\n{more}");
    let project = Project::new(
        "[secrets]\nvendor_satu = \"kunci-vendor-1\"\nvendor_dua = \"kunci-vendor-2\"\n",
        &[
            source(
                "bearer",
                &format!("{uri}/bearer"),
                &keys("secret = \"vendor_satu\""),
            ),
            source(
                "apikey",
                &format!("{uri}/apikey"),
                &keys("secret = \"vendor_dua\"\nauth_header = \"X-API-Key\"\nauth_scheme = \"\""),
            ),
            source(
                "ditolak",
                &format!("{uri}/ditolak"),
                &keys("secret = \"vendor_satu\""),
            ),
            source(
                "kosong",
                &format!("{uri}/bearer"),
                &keys("secret = \"vendor_tiga\""),
            ),
        ]
        .concat(),
    );
    let results = round(&project).await;
    assert_eq!(result(&results, "bearer").new_posts, 2);
    assert_eq!(result(&results, "apikey").new_posts, 1);
    let health = project.with_store(|s| s.sources_health(&[])).unwrap();
    let get = |id: &str| health.iter().find(|h| h.id.as_str() == id).unwrap();
    for (id, message) in [
        (
            "ditolak",
            "HTTP 401: rahasia \"vendor_satu\" ([secrets]) ditolak",
        ),
        ("kosong", "PANTAU__SECRETS__VENDOR_TIGA"),
    ] {
        assert_eq!(get(id).last_error_class.as_deref(), Some("auth"), "{id}");
        let error = get(id).last_error.clone().unwrap();
        assert!(error.contains(message), "{id}: {error}");
        assert!(!error.contains("kunci-vendor"), "{id}: {error}");
    }
}

/// `platform` names what every record counts under, `item_platform` each record's own (a
/// valid name wins, an empty one falls back); the reach pointers fill the counts, digits in
/// a text included, and what a record does not state stays unknown.
#[tokio::test(flavor = "multi_thread")]
async fn platform_and_reach_from_the_records() {
    let server = MockServer::start().await;
    let mut sparse = vendor_record(5);
    sparse["stats"] = serde_json::json!({"digg_count": -3});
    sparse["author"] = serde_json::json!({"unique_id": "warga_5"});
    Mock::given(path("/tiktok"))
        .respond_with(ok(
            serde_json::json!({"data": [vendor_record(1), vendor_record(2), sparse]}),
        ))
        .mount(&server)
        .await;
    Mock::given(path("/polos"))
        .respond_with(ok(serde_json::json!({"data": records(7..8)})))
        .mount(&server)
        .await;
    let reach = "item_likes = \"/stats/digg_count\"\nitem_shares = \"/stats/share_count\"\n\
                 item_comments = \"/stats/comment_count\"\nitem_views = \"/stats/play_count\"\n\
                 item_followers = \"/author/follower_count\"";
    let uri = server.uri();
    let project = Project::new(
        "",
        &[
            source(
                "vendor",
                &format!("{uri}/tiktok"),
                &format!("items = \"/data\"\n{VENDOR}\nplatform = \"TikTok\"\nitem_platform = \"/platform\"\n{reach}"),
            ),
            source("polos", &format!("{uri}/polos"), &format!("items = \"/data\"\n{VENDOR}")),
        ]
        .concat(),
    );
    round(&project).await;
    type Row = (
        String,
        Option<i64>,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let row = |id: &str| -> Row {
        project.sql()
            .query_row(
                "SELECT platform, likes, shares, comments, views, followers FROM posts WHERE external_id = ?1",
                &[&id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .unwrap()
    };
    assert_eq!(
        row("7301234567890100001"),
        ("tiktok".into(), Some(10), 1, Some(2), Some(100), Some(1000))
    );
    assert_eq!(
        row("7301234567890100002"),
        (
            "facebook".into(),
            Some(20),
            2,
            Some(4),
            Some(200),
            Some(2000)
        )
    );
    assert_eq!(
        row("7301234567890100005"),
        ("tiktok".into(), None, 0, None, None, None)
    );
    // Without `platform`, the kind's own name.
    assert_eq!(row("7301234567890100007").0, "json");
}
