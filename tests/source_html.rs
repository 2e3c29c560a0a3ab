//! The `html` kind against a real HTTP server on loopback (wiremock) serving listing pages
//! written like the province's sites: a government news index read with explicit selectors
//! (`h3.judul a@href`, `span.tanggal`, a "Selanjutnya" link) and an outlet's "Berita Terkini"
//! read with defaults and a numbered page address (`?page={page}`), relative dates among its
//! items. Paging, a 304, a resume that reads one page and stores only what is new, and layouts
//! the selectors do not fit.

mod common;

use common::{Project, fixture, result, round};
use jiff::Timestamp;
use wiremock::matchers::{header, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn page(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_raw(fixture(&format!("html/{name}")), "text/html; charset=utf-8")
}

fn pemprov(uri: &str) -> String {
    format!(
        "[[sources]]\nid = \"pemprov\"\nkind = \"html\"\nurl = \"{uri}/berita\"\n\
         item = \".berita-list .item-berita\"\nlink = \"h3.judul a@href\"\ntitle = \"h3.judul\"\n\
         date = \"span.tanggal\"\nsummary = \"p.ringkasan\"\nauthor = \"span.penulis\"\n\
         next = \"ul.pagination a.next@href\"\nmax_pages = 3\n"
    )
}

/// The first poll reads the listing and follows "Selanjutnya" to page 2 (page 3 has no items
/// and ends the walk): links are resolved against the page (absolute, root-relative and
/// relative; tracking parameters dropped), the advert without a link is skipped, Indonesian
/// dates are read as WITA, the summary is the text and `<html lang="id-ID">` the language.
#[tokio::test(flavor = "multi_thread")]
async fn a_listing_with_explicit_selectors_is_paged() {
    let server = MockServer::start().await;
    Mock::given(path("/berita"))
        .and(query_param_is_missing("page"))
        .respond_with(page("pemprov-1.html").insert_header("ETag", "\"p1\""))
        .mount(&server)
        .await;
    Mock::given(path("/berita"))
        .and(query_param("page", "2"))
        .respond_with(page("pemprov-2.html"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/berita"))
        .and(query_param("page", "3"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<html><body><p>Tidak ada berita lagi.</p></body></html>",
            "text/html",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let uri = server.uri();
    let project = Project::new("", &pemprov(&uri));
    let results = round(&project).await;
    let r = result(&results, "pemprov");
    assert!(!r.failed, "{}", r.status);
    assert_eq!((r.items_found, r.new_posts), (6, 5));
    let got = common::stored_posts(&project);
    let urls: Vec<&str> = got.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(
        urls,
        [
            format!("{uri}/berita/gubernur-tinjau-banjir-sempaja"),
            format!("{uri}/berita/operasi-pasar-elpiji-kubar"),
            format!("{uri}/berita/rapat-koordinasi-karhutla-ppu"),
            format!("{uri}/berita/vaksinasi-anak-berau"),
            "https://diskominfo.kaltimprov.example/berita/jalan-poros-sangatta-diperbaiki".into(),
        ]
    );
    let flood = &got[0];
    assert_eq!(
        flood.1,
        "Gubernur Tinjau Banjir di Sempaja, Minta BPBD Siagakan Perahu Karet"
    );
    assert!(
        flood
            .2
            .starts_with("SAMARINDA – Gubernur Kalimantan Timur meninjau"),
        "{}",
        flood.2
    );
    assert_eq!(
        (flood.3.as_str(), flood.4.as_str()),
        ("Humas Diskominfo", "id")
    );
    assert_eq!(flood.5, "2025-12-06T01:15:00Z");
    assert_eq!(got[1].5, "2025-12-06T00:00:00Z"); // 06/12/2025 08:00
    assert_eq!(got[2].5, "2025-12-04T06:30:00Z");
    assert_eq!(got[4].5, "2025-12-04T16:00:00Z"); // Jumat, 5 Des 2025
}

/// A 304 for the listing stores nothing and reads no further page; a changed listing whose
/// first page holds items seen before is read alone (page 2 is not asked for), and only its
/// new item is stored.
#[tokio::test(flavor = "multi_thread")]
async fn conditional_get_and_a_resume_that_reads_one_page() {
    let server = MockServer::start().await;
    let uri = server.uri();
    let project = Project::new("", &pemprov(&uri));
    Mock::given(path("/berita"))
        .and(query_param_is_missing("page"))
        .respond_with(page("pemprov-1.html").insert_header("ETag", "\"p1\""))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/berita"))
        .and(query_param("page", "2"))
        .respond_with(page("pemprov-2.html"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    assert_eq!(result(&round(&project).await, "pemprov").new_posts, 5);

    server.reset().await;
    Mock::given(path("/berita"))
        .and(header("if-none-match", "\"p1\""))
        .respond_with(ResponseTemplate::new(304))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    let newer = String::from_utf8(fixture("html/pemprov-1.html")).unwrap().replacen(
        "<div class=\"col-md-12 item-berita\">",
        "<div class=\"col-md-12 item-berita\"><div class=\"caption\"><h3 class=\"judul\">\
         <a href=\"/berita/sungai-karang-mumus-meluap\">Sungai Karang Mumus Meluap, Warga Diminta Waspada</a></h3>\
         <span class=\"tanggal\">Sabtu, 6 Desember 2025 11:30 WITA</span></div></div>\
         <div class=\"col-md-12 item-berita\">",
        1,
    );
    Mock::given(path("/berita"))
        .and(query_param_is_missing("page"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(newer.into_bytes(), "text/html")
                .insert_header("ETag", "\"p2\""),
        )
        .mount(&server)
        .await;
    Mock::given(path("/berita"))
        .and(query_param("page", "2"))
        .respond_with(page("pemprov-2.html"))
        .expect(0)
        .mount(&server)
        .await;
    let second = round(&project).await;
    let r = result(&second, "pemprov");
    assert!(!r.failed && r.status == "tidak berubah", "{}", r.status);
    let third = round(&project).await;
    let r = result(&third, "pemprov");
    assert!(!r.failed, "{}", r.status);
    assert_eq!((r.items_found, r.new_posts), (5, 1));
    let river: String = project
        .sql()
        .query_row(
            "SELECT published_at FROM posts WHERE url LIKE '%sungai-karang-mumus%'",
            &[],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(river, "2025-12-06T03:30:00Z");
}

/// An outlet's "Berita Terkini" read with defaults (the item's first link, its text as title
/// unless `title` says otherwise) and a numbered page address: relative dates count back from
/// the fetch ("2 jam lalu", "45 menit yang lalu", "Kemarin, 19.45", "Baru saja"), a date that
/// cannot be read ("sebentar lagi") is the fetch time, and the sidebar's links are no items.
#[tokio::test(flavor = "multi_thread")]
async fn relative_dates_and_a_numbered_page_address() {
    let server = MockServer::start().await;
    Mock::given(path("/terkini"))
        .and(query_param_is_missing("page"))
        .respond_with(page("terkini-1.html"))
        .mount(&server)
        .await;
    Mock::given(path("/terkini"))
        .and(query_param("page", "2"))
        .respond_with(page("terkini-2.html"))
        .expect(1)
        .mount(&server)
        .await;
    let uri = server.uri();
    let project = Project::new(
        "",
        &format!(
            "[[sources]]\nid = \"etam\"\nkind = \"html\"\nurl = \"{uri}/terkini\"\n\
             item = \"section.latest article\"\ntitle = \"h2.latest__title\"\n\
             date = \"date.latest__date\"\npage_url = \"{uri}/terkini?page={{page}}\"\n\
             max_pages = 2\n"
        ),
    );
    let before = Timestamp::now();
    let results = round(&project).await;
    let after = Timestamp::now();
    let r = result(&results, "etam");
    assert!(!r.failed, "{}", r.status);
    assert_eq!((r.items_found, r.new_posts), (6, 6));
    let got = common::stored_posts(&project);
    let at = |tail: &str| -> Timestamp {
        got.iter()
            .find(|p| p.0.ends_with(tail))
            .unwrap_or_else(|| panic!("{tail}"))
            .5
            .parse()
            .unwrap()
    };
    let within = |ts: Timestamp, back_secs: i64| {
        let lo = before - jiff::SignedDuration::from_secs(back_secs + 1);
        let hi =
            after - jiff::SignedDuration::from_secs(back_secs) + jiff::SignedDuration::from_secs(1);
        assert!(
            lo <= ts && ts <= hi,
            "{ts} not {back_secs}s before the poll"
        );
    };
    within(at("longsor-tutup-jalan-di-sungai-kunjang"), 2 * 3600);
    within(at("antrean-solar-mengular-di-spbu-km-5"), 45 * 60);
    within(at("pasar-pagi-direlokasi"), 0);
    within(at("harga-sawit-turun"), 0);
    // "Kemarin, 19.45": yesterday's date in WITA at 19:45.
    let yesterday = before
        .to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Makassar").unwrap())
        .date()
        .yesterday()
        .unwrap();
    assert_eq!(
        at("otorita-ikn-buka-lowongan").to_string(),
        yesterday
            .to_datetime(jiff::civil::Time::new(19, 45, 0, 0).unwrap())
            .in_tz("Asia/Makassar")
            .unwrap()
            .timestamp()
            .to_string()
    );
    assert_eq!(
        at("nelayan-derawan-keluhkan-cuaca").to_string(),
        "2025-12-04T16:00:00Z"
    );
    let titles: Vec<&str> = got.iter().map(|p| p.1.as_str()).collect();
    assert!(
        titles.contains(&"Antrean Solar Mengular di SPBU Km 5 Balikpapan"),
        "{titles:?}"
    );
    assert!(!titles.iter().any(|t| t.contains("populer")), "{titles:?}");
}

/// A layout the `item` selector no longer fits fails that source with a parse error naming
/// the selector (the other source of the round stores its posts), and a mistyped selector is
/// refused when the configuration is read, with its file and line.
#[tokio::test(flavor = "multi_thread")]
async fn layouts_the_selectors_do_not_fit() {
    let server = MockServer::start().await;
    Mock::given(path("/berita"))
        .respond_with(page("pemprov-1.html"))
        .mount(&server)
        .await;
    Mock::given(path("/terkini"))
        .respond_with(page("terkini-1.html"))
        .mount(&server)
        .await;
    let uri = server.uri();
    let sources = format!(
        "{}[[sources]]\nid = \"salah\"\nkind = \"html\"\nurl = \"{uri}/terkini\"\nitem = \"div.berita-list .item\"\n",
        pemprov(&uri).replace("max_pages = 3", "max_pages = 1")
    );
    let project = Project::new("", &sources);
    let results = round(&project).await;
    let wrong = result(&results, "salah");
    assert!(wrong.failed);
    assert!(
        wrong
            .status
            .contains("pemilih item \"div.berita-list .item\" tidak menemukan apa pun"),
        "{}",
        wrong.status
    );
    let good = result(&results, "pemprov");
    assert!(!good.failed, "{}", good.status);
    assert_eq!(good.new_posts, 3);

    let bad = Project::new(
        "",
        &format!(
            "[[sources]]\nid = \"x\"\nkind = \"html\"\nurl = \"{uri}/berita\"\nitem = \"div.berita >\"\nmax_pages = 2\n"
        ),
    );
    let out = bad.pantau(&["sources"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("default.toml:6"), "{err}");
    assert!(
        err.contains("pemilih CSS \"div.berita >\" tidak valid"),
        "{err}"
    );
}

/// The rules between the paging keys, each refused at its key's line with what to do: `next`
/// and `page_url` together, a `page_url` without `{page}`, and `max_pages` above 1 with no
/// way to a next page.
#[test]
fn paging_keys_that_do_not_fit_are_refused() {
    let cases = [
        (
            "next = \"a.next@href\"\npage_url = \"https://warta.example/berita?page={page}\"",
            "default.toml:7",
            "isi salah satu saja: next atau page_url",
        ),
        (
            "page_url = \"https://warta.example/berita?page=2\"",
            "default.toml:6",
            "pola alamat halaman \"https://warta.example/berita?page=2\" tidak valid",
        ),
        (
            "max_pages = 2",
            "default.toml:6",
            "max_pages = 2 membutuhkan next atau page_url",
        ),
    ];
    for (keys, line, message) in cases {
        let project = Project::new(
            "",
            &format!(
                "[[sources]]\nid = \"x\"\nkind = \"html\"\nurl = \"https://warta.example/berita\"\n\
                 {keys}\nitem = \"article\"\n"
            ),
        );
        let out = project.pantau(&["sources"]);
        let err = common::stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{keys}: {err}");
        assert!(err.contains(line), "{keys}: {err}");
        assert!(err.contains(message), "{keys}: {err}");
    }
}
