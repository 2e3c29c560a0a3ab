//! The `reddit` kind against a real HTTP server on loopback (wiremock) serving listings in
//! Reddit's own shape: the first page on the first run, `before` paging afterwards, a deleted
//! anchor, removed and malformed posts, 429/403 with Retry-After, an exhausted allowance on a
//! 200 answer, and the search addresses.

mod common;

use common::{Project, fixture, query_i64, result, round};
use pantau::model::Cursor;
use pantau::store::{Browse, Status};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const NEW: &str = "/r/indonesia/new.json";

fn source(id: &str, url: &str, keys: &str) -> String {
    format!("[[sources]]\nid = \"{id}\"\nkind = \"reddit\"\nurl = \"{url}\"\n{keys}\n")
}

fn listing(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_raw(
            fixture(&format!("reddit/{name}.json")),
            "application/json; charset=UTF-8",
        )
        // What Reddit sends on a healthy answer.
        .insert_header("x-ratelimit-used", "4")
        .insert_header("x-ratelimit-remaining", "96.0")
        .insert_header("x-ratelimit-reset", "412")
}

/// The `name` (fullname) the stored cursor anchors on.
fn anchor(project: &Project, id: &str) -> Option<String> {
    match project
        .with_store(|s| s.source_state(&id.into()))
        .unwrap()
        .cursor
    {
        Cursor::Token { value } => {
            let v: serde_json::Value = serde_json::from_str(&value).unwrap();
            v["name"].as_str().map(str::to_owned)
        }
        _ => None,
    }
}

/// The first page only, with its address as documented; removed and deleted posts are counted
/// but not stored; the fields map as documented.
#[tokio::test(flavor = "multi_thread")]
async fn first_run_reads_the_first_page_and_skips_removed_posts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(NEW))
        .and(query_param("limit", "100"))
        .and(query_param("raw_json", "1"))
        .and(query_param_is_missing("before"))
        .respond_with(listing("new_first"))
        .mount(&server)
        .await;
    let project = Project::new(
        "",
        &source("reddit-id", &server.uri(), "subreddit = \"r/indonesia\""),
    );
    let results = round(&project).await;
    let r = result(&results, "reddit-id");
    assert!(!r.failed, "{}", r.status);
    assert_eq!((r.items_found, r.new_posts), (5, 3));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert_eq!(anchor(&project, "reddit-id").as_deref(), Some("t3_1h10005"));

    let store = project.store();
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM posts WHERE external_id IN ('t3_1h10003', 't3_1h10002')"
        ),
        0
    );
    let (url, title, text, author, shares, published): (
        String,
        String,
        String,
        String,
        i64,
        String,
    ) = common::sql(&store)
        .query_row(
            "SELECT url, title, text, author, shares, published_at FROM posts
                 WHERE external_id = 't3_1h10004'",
            &[],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .unwrap();
    // The public permalink, not the polled host; the shared link (without tracking) as text.
    assert_eq!(
        url,
        "https://www.reddit.com/r/indonesia/comments/1h10004/antrean_solar_di_spbu_samarinda_mengular/"
    );
    assert_eq!(
        title,
        "Antrean solar di SPBU Samarinda mengular sampai 1 km"
    );
    assert_eq!(text, "https://kaltim.example/berita/antrean-solar");
    assert_eq!(author, "kaltim_news");
    assert_eq!(shares, 2);
    assert!(published.starts_with("2026-11-27T09:10:00"), "{published}");
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM post_topics WHERE topic_id IN ('banjir', 'bbm', 'listrik')"
        ),
        3
    );
}

/// With a cursor: `before=<newest seen>`, then `before=<newest of that page>`, until an empty
/// page. A restart afterwards finds nothing after the anchor, confirms with the plain first
/// page that the anchor is still the newest, and stores nothing again.
#[tokio::test(flavor = "multi_thread")]
async fn before_paging_and_a_restart_that_fetches_nothing_old() {
    let server = MockServer::start().await;
    Mock::given(path(NEW))
        .and(query_param_is_missing("before"))
        .respond_with(listing("new_first"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(NEW))
        .and(query_param_is_missing("before"))
        .respond_with(listing("new_latest"))
        .with_priority(2)
        .mount(&server)
        .await;
    for (before, page) in [
        ("t3_1h10005", "before_1"),
        ("t3_1h10007", "before_2"),
        ("t3_1h10008", "empty"),
    ] {
        Mock::given(path(NEW))
            .and(query_param("before", before))
            .respond_with(listing(page))
            .mount(&server)
            .await;
    }
    let project = Project::new(
        "",
        &source("reddit-id", &server.uri(), "subreddit = \"indonesia\""),
    );
    round(&project).await;
    let second = round(&project).await;
    assert_eq!((second[0].items_found, second[0].new_posts), (3, 3));
    assert_eq!(anchor(&project, "reddit-id").as_deref(), Some("t3_1h10008"));
    let befores = |requests: &[wiremock::Request]| -> Vec<Option<String>> {
        requests
            .iter()
            .map(|r| {
                r.url
                    .query_pairs()
                    .find(|(k, _)| k == "before")
                    .map(|(_, v)| v.into_owned())
            })
            .collect()
    };
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        befores(&requests),
        [
            None,
            Some("t3_1h10005".into()),
            Some("t3_1h10007".into()),
            Some("t3_1h10008".into())
        ]
    );

    // Restart: nothing after the anchor, and the first page's newest post is the anchor itself.
    let restart = round(&project).await;
    assert_eq!((restart[0].items_found, restart[0].new_posts), (0, 0));
    let requests = server.received_requests().await.unwrap();
    assert_eq!(befores(&requests[4..]), [Some("t3_1h10008".into()), None]);
    assert_eq!(anchor(&project, "reddit-id").as_deref(), Some("t3_1h10008"));
    assert_eq!(project.with_store(|s| s.count_posts()).unwrap(), 6);
}

/// The anchor post was deleted: every `before` query is empty, so the plain first page is read,
/// its posts newer than the anchor are kept and the cursor moves to its newest post.
#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_anchor_falls_back_to_the_first_page() {
    let server = MockServer::start().await;
    Mock::given(path(NEW))
        .and(query_param_is_missing("before"))
        .respond_with(listing("new_first"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(NEW))
        .and(query_param_is_missing("before"))
        .respond_with(listing("after_delete"))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(path(NEW))
        .and(query_param("before", "t3_1h10005"))
        .respond_with(listing("empty"))
        .mount(&server)
        .await;
    let project = Project::new(
        "",
        &source("reddit-id", &server.uri(), "subreddit = \"indonesia\""),
    );
    assert_eq!(round(&project).await[0].new_posts, 3);
    let second = round(&project).await;
    assert_eq!((second[0].items_found, second[0].new_posts), (2, 2));
    assert_eq!(anchor(&project, "reddit-id").as_deref(), Some("t3_1h10010"));
    let mut store = project.store();
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM posts WHERE external_id IN ('t3_1h10009', 't3_1h10010')"
        ),
        2
    );
    assert_eq!(
        common::blocking(&mut store, |s| s.count_posts()).unwrap(),
        5
    );
}

/// A post without its name or with a time that is not a number is skipped, the rest kept; an
/// answer that is not a listing fails the source with a precise parse error.
#[tokio::test(flavor = "multi_thread")]
async fn malformed_children_are_skipped_and_a_malformed_answer_fails() {
    let server = MockServer::start().await;
    Mock::given(path(NEW))
        .respond_with(listing("malformed"))
        .mount(&server)
        .await;
    Mock::given(path("/r/kalimantan/new.json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"kind": "t5", "data": {"display_name": "kalimantan", "children": []}}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    Mock::given(path("/r/balikpapan/new.json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<!doctype html><html><body>whoa there, pardner!</body></html>",
            "text/html",
        ))
        .mount(&server)
        .await;
    let uri = server.uri();
    let project = Project::new(
        "",
        &(source("reddit-id", &uri, "subreddit = \"indonesia\"")
            + &source("kaltim", &uri, "subreddit = \"kalimantan\"")
            + &source("bpn", &uri, "subreddit = \"balikpapan\"")),
    );
    let results = round(&project).await;
    let ok = result(&results, "reddit-id");
    assert!(!ok.failed, "{}", ok.status);
    assert_eq!((ok.items_found, ok.new_posts), (4, 2));
    let mut store = project.store();
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM posts WHERE lower(title) LIKE '%tidak boleh tersimpan%'"
        ),
        0
    );
    // The newest well-formed post anchors the next round.
    assert_eq!(anchor(&project, "reddit-id").as_deref(), Some("t3_1h10010"));

    let health = common::blocking(&mut store, |s| s.sources_health(&[])).unwrap();
    for (id, message) in [
        ("kaltim", "jawaban Reddit bukan Listing (kind \"t5\")"),
        ("bpn", "jawaban Reddit bukan JSON yang diharapkan"),
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

/// 429 and 403 (Reddit's answers to polling too fast) are recorded with their class, and the
/// next attempt waits at least as long as Retry-After said.
#[tokio::test(flavor = "multi_thread")]
async fn rate_limited_and_forbidden_wait_for_retry_after() {
    let server = MockServer::start().await;
    Mock::given(path("/r/indonesia/new.json"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "240")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", "240")
                .set_body_raw(
                    r#"{"message": "Too Many Requests", "error": 429}"#,
                    "application/json",
                ),
        )
        .mount(&server)
        .await;
    Mock::given(path("/r/kalimantan/new.json"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("Retry-After", "900")
                .set_body_raw("<html><body>Blocked</body></html>", "text/html"),
        )
        .mount(&server)
        .await;
    let uri = server.uri();
    let project = Project::new(
        "",
        &(source("a", &uri, "subreddit = \"indonesia\"\ninterval = \"1m\"")
            + &source("b", &uri, "subreddit = \"kalimantan\"\ninterval = \"1m\"")),
    );
    let before = jiff::Timestamp::now().as_second();
    let results = round(&project).await;
    assert!(results.iter().all(|r| r.failed));
    let mut store = project.store();
    let health = common::blocking(&mut store, |s| s.sources_health(&[])).unwrap();
    for (id, class, wait) in [
        ("a", "http_rate_limited", 240),
        ("b", "http_forbidden", 900),
    ] {
        let h = health.iter().find(|h| h.id.as_str() == id).unwrap();
        assert_eq!(h.last_error_class.as_deref(), Some(class), "{id}");
        let state = common::blocking(&mut store, |s| s.source_state(&id.into())).unwrap();
        assert_eq!(state.cursor, Cursor::Start);
        let waited = state.next_attempt.unwrap().as_second() - before;
        assert!(waited >= wait, "{id}: next attempt only {waited}s later");
    }
}

/// A 200 answer that says the allowance is used up keeps its posts; until x-ratelimit-reset
/// has passed, the source makes no request (also after a restart: the pause is in the cursor).
#[tokio::test(flavor = "multi_thread")]
async fn an_exhausted_allowance_pauses_the_source_until_reset() {
    let server = MockServer::start().await;
    Mock::given(path(NEW))
        .respond_with(
            listing("new_first")
                .insert_header("x-ratelimit-remaining", "0.0")
                .insert_header("x-ratelimit-reset", "300"),
        )
        .mount(&server)
        .await;
    let project = Project::new(
        "",
        &source("reddit-id", &server.uri(), "subreddit = \"indonesia\""),
    );
    let now = jiff::Timestamp::now().as_second();
    let first = round(&project).await;
    assert_eq!(first[0].new_posts, 3);
    let Cursor::Token { value } = project
        .with_store(|s| s.source_state(&"reddit-id".into()))
        .unwrap()
        .cursor
    else {
        panic!("a cursor was stored");
    };
    let position: serde_json::Value = serde_json::from_str(&value).unwrap();
    let not_before = position["not_before"].as_i64().unwrap();
    assert!((now + 300..=now + 302).contains(&not_before), "{value}");

    let second = round(&project).await;
    assert!(!second[0].failed);
    assert_eq!(second[0].status, "tidak berubah");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// A search alone, and a search within a subreddit, use Reddit's search addresses.
#[tokio::test(flavor = "multi_thread")]
async fn search_addresses() {
    let server = MockServer::start().await;
    Mock::given(path("/search.json"))
        .and(query_param("q", "banjir samarinda"))
        .and(query_param("sort", "new"))
        .and(query_param_is_missing("restrict_sr"))
        .respond_with(listing("search"))
        .mount(&server)
        .await;
    Mock::given(path("/r/indonesia/search.json"))
        .and(query_param("q", "ikn OR \"ibu kota nusantara\""))
        .and(query_param("restrict_sr", "1"))
        .and(query_param("sort", "new"))
        .and(query_param("limit", "25"))
        .respond_with(listing("after_delete"))
        .mount(&server)
        .await;
    let uri = server.uri();
    let project = Project::new(
        "",
        &(source("cari", &uri, "search = \"banjir samarinda\"")
            + &source(
                "cari-id",
                &uri,
                "subreddit = \"indonesia\"\nsearch = 'ikn OR \"ibu kota nusantara\"'\nlimit = 25",
            )),
    );
    let results = round(&project).await;
    assert_eq!(
        result(&results, "cari").new_posts,
        1,
        "{}",
        result(&results, "cari").status
    );
    assert_eq!(
        result(&results, "cari-id").new_posts,
        4,
        "{}",
        result(&results, "cari-id").status
    );
}

/// Config errors name the key and say what to write.
#[test]
fn config_errors_are_clear() {
    let cases = [
        ("", "kunci \"subreddit\" atau \"search\" wajib diisi"),
        (
            "subreddit = \"r/ada spasi\"",
            "nama subreddit \"r/ada spasi\" tidak valid",
        ),
        ("search = \"  \"", "kueri pencarian kosong"),
        (
            "subreddit = \"indonesia\"\nlimit = 500",
            "harus bilangan bulat antara 1 dan 100",
        ),
        (
            "subreddit = \"indonesia\"\nsort = \"new\"",
            "kunci tidak dikenal \"sort\"",
        ),
    ];
    for (keys, expected) in cases {
        let project = Project::new("", &source("r", "https://www.reddit.com", keys));
        let error = pantau::engine::Config::load(Some(&project.config()))
            .unwrap_err()
            .to_string();
        assert!(error.contains(expected), "{keys}: {error}");
    }
}
