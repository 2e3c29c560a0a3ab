//! One article, one post: a Google News search and the outlet's own feed, both on loopback,
//! polled one after the other with `pantau poll --once --source …` in both orders. An item
//! whose Google News id carries the outlet's address becomes the outlet's post (one row); an
//! item whose id does not (the newer form) joins the outlet's item as one story by its
//! headline, counted once, and the outlet's link is the one shown.

mod common;

use base64::Engine;
use common::{Project, fixture, query_i64, rss};
use jiff::Timestamp;
use pantau::store::Reports;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The Google News id of the older form for `url`: protobuf field 1 = 19, field 4 = the URL.
fn older_id(url: &str) -> String {
    let mut bytes = vec![0x08, 0x13, 0x22, url.len() as u8];
    bytes.extend_from_slice(url.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

struct Setup {
    project: Project,
    /// The outlet's links: the article Google News links to in the older form, and the one
    /// it links to in the newer form.
    decodable: String,
    headline_only: String,
    _google: MockServer,
    _outlet: MockServer,
}

async fn setup() -> Setup {
    let outlet = MockServer::start().await;
    let google = MockServer::start().await;
    let base = outlet.uri();
    let decodable = format!("{base}/2026/11/26/banjir-sempaja");
    let headline_only = format!("{base}/2026/11/26/warga-sempaja-mengungsi");
    let search = String::from_utf8(fixture("google_news/outlet.xml"))
        .unwrap()
        .replace("{OLDER_ID}", &older_id(&decodable))
        .replace("{OUTLET}", &base);
    Mock::given(method("GET"))
        .and(path("/rss/search"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(search, "application/rss+xml"))
        .mount(&google)
        .await;
    let own = rss(&[
        (
            "w1",
            "Banjir Rendam Sempaja, Ratusan Rumah Warga Samarinda Terendam",
            "Hujan deras membuat Sungai Karang Mumus meluap dan merendam ratusan rumah di Sempaja.",
            &decodable,
        ),
        (
            "w2",
            "Warga Sempaja Mengungsi ke Masjid Akibat Banjir Setinggi Satu Meter",
            "Puluhan keluarga di Sempaja Utara bermalam di masjid setelah banjir setinggi satu meter masuk ke rumah.",
            &headline_only,
        ),
    ]);
    Mock::given(method("GET"))
        .and(path("/rss"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(own, "application/rss+xml"))
        .mount(&outlet)
        .await;
    let project = Project::new(
        "",
        &format!(
            "[[sources]]\nid = \"gn\"\nkind = \"google_news\"\nquery = \"banjir sempaja\"\nurl = \"{}\"\n\n\
             [[sources]]\nid = \"warta\"\nkind = \"feed\"\nname = \"Warta Mahakam\"\nurl = \"{base}/rss\"\n",
            google.uri()
        ),
    );
    Setup {
        project,
        decodable,
        headline_only,
        _google: google,
        _outlet: outlet,
    }
}

async fn poll(project: &Project, source: &'static str) {
    let dir = project.path().to_path_buf();
    let config = project.config();
    let out = tokio::task::spawn_blocking(move || {
        common::pantau_in(
            &dir,
            &[
                "--config",
                config.to_str().unwrap(),
                "poll",
                "--once",
                "--source",
                source,
            ],
        )
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
}

/// What both orders must give.
fn assert_one_article_one_post(s: &Setup) {
    let store = s.project.store();
    // The decodable item and the outlet's own are one post, with the outlet's link.
    assert_eq!(
        query_i64(
            &store,
            &format!("SELECT count(*) FROM posts WHERE url = '{}'", s.decodable)
        ),
        1
    );
    assert_eq!(query_i64(&store, "SELECT count(*) FROM posts"), 3);
    // The headline-only item and the outlet's item are one story, which shows the outlet.
    let conn = common::sql(&store);
    let (stories, first_url): (i64, String) = conn
        .query_row(
            "SELECT count(DISTINCT p.story_id), max(s.first_url) FROM posts p
             JOIN stories s ON s.id = p.story_id
             WHERE p.external_id IN ('w2', 'CBMiekFVX3lxTE1hN0x4dTFfQ2VzUmZHc3l4')",
            &[],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((stories, first_url.as_str()), (1, s.headline_only.as_str()));
    // Trends count stories: two articles, two stories.
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(DISTINCT story_id) FROM story_topics WHERE topic_id = 'banjir'"
        ),
        2
    );
    // The briefing's representative posts: one per article, each with the outlet's link.
    let start: Timestamp = "2026-11-25T16:00:00Z".parse().unwrap();
    let end: Timestamp = "2026-11-26T16:00:00Z".parse().unwrap();
    let shown = store.topic_posts("banjir", start, end, 10).unwrap();
    let mut urls: Vec<&str> = shown.iter().filter_map(|p| p.url.as_deref()).collect();
    urls.sort();
    assert_eq!(urls, [s.decodable.as_str(), s.headline_only.as_str()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn google_news_first_then_the_outlet() {
    let s = setup().await;
    poll(&s.project, "gn").await;
    poll(&s.project, "warta").await;
    common::db::off_runtime(|| assert_one_article_one_post(&s));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_outlet_first_then_google_news() {
    let s = setup().await;
    poll(&s.project, "warta").await;
    poll(&s.project, "gn").await;
    common::db::off_runtime(|| assert_one_article_one_post(&s));
    // The outlet's item was first: it keeps the row of the decodable article.
    let source: String = common::sql(&s.project.store())
        .query_row(
            "SELECT source_id FROM posts WHERE url = ?1",
            &[&s.decodable],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(source, "warta");
}
