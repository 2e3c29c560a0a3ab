//! The `mastodon` kind against a real HTTP server on loopback (wiremock) serving statuses in
//! the API's own shape: the newest page on the first run, `min_id` + `Link: rel="prev"` paging
//! afterwards, boosts as spread of the original, malformed statuses skipped, rate limits,
//! the bearer token, and a restart that fetches nothing old.

mod common;

use common::{Project, fixture, query_i64, round};
use pantau::model::Cursor;
use pantau::store::{Browse, Status};
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TAG_PATH: &str = "/api/v1/timelines/tag/samarinda";

fn source(id: &str, url: &str, keys: &str) -> String {
    format!("[[sources]]\nid = \"{id}\"\nkind = \"mastodon\"\nurl = \"{url}\"\n{keys}\n")
}

fn page(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(
        fixture(&format!("mastodon/{name}.json")),
        "application/json; charset=utf-8",
    )
}

/// A page with Mastodon's Link header: older statuses (`next`), newer ones (`prev`).
fn linked(name: &str, uri: &str, oldest: &str, newest: &str) -> ResponseTemplate {
    page(name).insert_header(
        "Link",
        format!(
            "<{uri}{TAG_PATH}?limit=40&max_id={oldest}>; rel=\"next\", \
             <{uri}{TAG_PATH}?limit=40&min_id={newest}>; rel=\"prev\""
        ),
    )
}

fn empty() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw("[]", "application/json")
}

fn cursor(project: &Project, id: &str) -> Cursor {
    project
        .with_store(|s| s.source_state(&id.into()))
        .unwrap()
        .cursor
}

fn token(value: &str) -> Cursor {
    Cursor::Token {
        value: value.into(),
    }
}

async fn mount_first_page(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(TAG_PATH))
        .and(query_param("limit", "40"))
        .and(query_param_is_missing("min_id"))
        .respond_with(linked(
            "tag_first",
            &server.uri(),
            "113600000000000001",
            "113600000000000003",
        ))
        .mount(server)
        .await;
}

async fn mount_min_id(server: &MockServer, min_id: &str, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(TAG_PATH))
        .and(query_param("min_id", min_id))
        .respond_with(response)
        .mount(server)
        .await;
}

/// The first run reads the newest page only (the Link to older statuses is not followed),
/// maps every field and keeps the highest id as the cursor.
#[tokio::test(flavor = "multi_thread")]
async fn first_run_reads_the_newest_page_only() {
    let server = MockServer::start().await;
    mount_first_page(&server).await;
    let project = Project::new("", &source("toot", &server.uri(), "tag = \"#samarinda\""));

    let results = round(&project).await;
    assert_eq!((results[0].items_found, results[0].new_posts), (3, 3));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert_eq!(cursor(&project, "toot"), token("113600000000000003"));

    let store = project.store();
    type Row = (
        String,
        Option<String>,
        String,
        String,
        String,
        String,
        i64,
        String,
    );
    let row: Row = common::sql(&store)
        .query_row(
            "SELECT url, title, text, author, lang, published_at, shares, external_id
             FROM posts WHERE external_id = '113600000000000002'",
            &[],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(
        row.0,
        "https://kaltim.social/@sopir_truk/113600000000000002"
    );
    // The content warning is the title; the HTML is gone from the text.
    assert_eq!(row.1.as_deref(), Some("Keluhan BBM"));
    assert_eq!(
        row.2,
        "Antrean solar di SPBU Jalan Juanda sudah sampai 1 km, sopir menunggu sejak subuh.\n#samarinda"
    );
    assert_eq!(row.3, "sopir_truk@kaltim.social");
    assert_eq!(row.4, "id");
    assert!(row.5.starts_with("2026-11-27T08:40:12"), "{}", row.5);
    assert_eq!(row.6, 2);
    // A local account is named with its instance's domain.
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM posts WHERE author = 'rina@mastodon.example'"
        ),
        1
    );
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM post_topics WHERE topic_id = 'banjir'"
        ),
        1
    );
}

/// With a cursor, a round asks for `min_id=<cursor>`, follows `rel="prev"` across two pages
/// until an empty page, and moves the cursor to the highest id; a restart after that asks only
/// for what is newer than it and stores nothing again.
#[tokio::test(flavor = "multi_thread")]
async fn later_runs_page_forward_and_a_restart_fetches_nothing_old() {
    let server = MockServer::start().await;
    let uri = server.uri();
    mount_first_page(&server).await;
    mount_min_id(
        &server,
        "113600000000000003",
        linked(
            "tag_newer_1",
            &uri,
            "113600000000000004",
            "113600000000000005",
        ),
    )
    .await;
    mount_min_id(
        &server,
        "113600000000000005",
        linked(
            "tag_newer_2",
            &uri,
            "113600000000000006",
            "113600000000000007",
        ),
    )
    .await;
    mount_min_id(&server, "113600000000000007", empty()).await;
    let project = Project::new("", &source("toot", &uri, "tag = \"samarinda\""));

    assert_eq!(round(&project).await[0].new_posts, 3);
    let second = round(&project).await;
    assert!(!second[0].failed, "{}", second[0].status);
    assert_eq!((second[0].items_found, second[0].new_posts), (4, 4));
    assert_eq!(cursor(&project, "toot"), token("113600000000000007"));

    let requests = server.received_requests().await.unwrap();
    let min_ids: Vec<Option<String>> = requests
        .iter()
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "min_id")
                .map(|(_, v)| v.into_owned())
        })
        .collect();
    assert_eq!(
        min_ids,
        [
            None,
            Some("113600000000000003".into()),
            Some("113600000000000005".into()),
            Some("113600000000000007".into()),
        ]
    );

    let restart = round(&project).await;
    assert_eq!((restart[0].items_found, restart[0].new_posts), (0, 0));
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 5);
    assert_eq!(
        requests[4].url.query(),
        Some("limit=40&min_id=113600000000000007")
    );
    let mut store = project.store();
    assert_eq!(
        common::blocking(&mut store, |s| s.count_posts()).unwrap(),
        7
    );
    assert_eq!(
        query_i64(&store, "SELECT count(*) FROM posts WHERE lang = 'en'"),
        1
    );
}

/// A boost of a post already stored adds no post: the original's shares rise instead.
#[tokio::test(flavor = "multi_thread")]
async fn a_boost_raises_the_shares_of_the_original() {
    let server = MockServer::start().await;
    let uri = server.uri();
    mount_first_page(&server).await;
    mount_min_id(
        &server,
        "113600000000000003",
        linked("boost", &uri, "113600000000000008", "113600000000000008"),
    )
    .await;
    mount_min_id(&server, "113600000000000008", empty()).await;
    let project = Project::new("", &source("toot", &uri, "tag = \"samarinda\""));
    round(&project).await;
    let shares = |store: &pantau::store::Store| {
        query_i64(
            store,
            "SELECT shares FROM posts WHERE external_id = '113600000000000001'",
        )
    };
    assert_eq!(shares(&project.store()), 2);

    let second = round(&project).await;
    assert_eq!((second[0].items_found, second[0].new_posts), (1, 0));
    let mut store = project.store();
    assert_eq!(
        common::blocking(&mut store, |s| s.count_posts()).unwrap(),
        3
    );
    assert_eq!(shares(&store), 5);
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM posts WHERE external_id = '113600000000000008'"
        ),
        0
    );
    // The timeline position is the boost's own id, so it is not fetched again.
    assert_eq!(cursor(&project, "toot"), token("113600000000000008"));
}

/// A status with a date that is not a date, or without an id, is skipped; the others are kept.
/// A whole answer that is not a list of statuses fails the source with a parse error.
#[tokio::test(flavor = "multi_thread")]
async fn malformed_statuses_are_skipped_and_a_malformed_answer_fails() {
    let server = MockServer::start().await;
    Mock::given(path(TAG_PATH))
        .respond_with(page("malformed"))
        .mount(&server)
        .await;
    Mock::given(path("/rusak/api/v1/timelines/public"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"error":"Record not found"}"#, "application/json"),
        )
        .mount(&server)
        .await;
    let uri = server.uri();
    let project = Project::new(
        "",
        &(source("toot", &uri, "tag = \"samarinda\"")
            + &source("rusak", &format!("{uri}/rusak"), "timeline = \"public\"")),
    );
    let results = round(&project).await;
    let toot = results
        .iter()
        .find(|r| r.source.as_str() == "toot")
        .unwrap();
    assert!(!toot.failed, "{}", toot.status);
    assert_eq!((toot.items_found, toot.new_posts), (4, 2));
    let mut store = project.store();
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM posts WHERE lower(text) LIKE '%tidak boleh tersimpan%'"
        ),
        0
    );
    // The cursor passes the malformed status too: it would be malformed again next time.
    assert_eq!(cursor(&project, "toot"), token("113600000000000013"));

    let health = common::blocking(&mut store, |s| s.sources_health(&[])).unwrap();
    let rusak = health.iter().find(|h| h.id.as_str() == "rusak").unwrap();
    assert_eq!(rusak.last_error_class.as_deref(), Some("parse"));
    let message = rusak.last_error.as_deref().unwrap();
    assert!(
        message.contains("jawaban Mastodon bukan JSON yang diharapkan"),
        "{message}"
    );
}

/// A 429 with Retry-After is recorded as `http_rate_limited` and the next attempt waits.
#[tokio::test(flavor = "multi_thread")]
async fn rate_limit_is_recorded_with_its_wait() {
    let server = MockServer::start().await;
    Mock::given(path(TAG_PATH))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "300")
                .set_body_raw(r#"{"error":"Too many requests"}"#, "application/json"),
        )
        .mount(&server)
        .await;
    let project = Project::new(
        "",
        &source(
            "toot",
            &server.uri(),
            "tag = \"samarinda\"\ninterval = \"1m\"",
        ),
    );
    let before = jiff::Timestamp::now().as_second();
    let results = round(&project).await;
    assert!(results[0].failed);
    let mut store = project.store();
    let state = common::blocking(&mut store, |s| s.source_state(&"toot".into())).unwrap();
    assert_eq!(state.cursor, Cursor::Start);
    assert!(state.next_attempt.unwrap().as_second() - before >= 300);
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
            .contains("Retry-After"),
        "{:?}",
        health[0].last_error
    );
}

/// A configured token goes out as a bearer token; `timeline = "local"` asks for `local=true`.
#[tokio::test(flavor = "multi_thread")]
async fn bearer_token_is_sent_for_the_local_timeline() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/timelines/public"))
        .and(query_param("local", "true"))
        .and(header("authorization", "Bearer rahasia-123"))
        .respond_with(page("local"))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/timelines/public"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(
            r#"{"error":"This method requires an authenticated user"}"#,
            "application/json",
        ))
        .with_priority(2)
        .mount(&server)
        .await;
    let uri = server.uri();
    let project = Project::new(
        "",
        &(source(
            "lokal",
            &uri,
            "timeline = \"local\"\ntoken = \"rahasia-123\"\nlimit = 20",
        ) + &source("anonim", &uri, "timeline = \"local\"")),
    );
    let results = round(&project).await;
    let lokal = results
        .iter()
        .find(|r| r.source.as_str() == "lokal")
        .unwrap();
    assert_eq!(lokal.new_posts, 1, "{}", lokal.status);
    let anonim = results
        .iter()
        .find(|r| r.source.as_str() == "anonim")
        .unwrap();
    assert!(anonim.failed);
    assert!(anonim.status.contains("HTTP 401"), "{}", anonim.status);
    let requests = server.received_requests().await.unwrap();
    let with_token = requests
        .iter()
        .find(|r| r.headers.get("authorization").is_some())
        .unwrap();
    assert_eq!(with_token.url.query(), Some("local=true&limit=20"));
}

/// Config errors name the key and say what to write.
#[test]
fn config_errors_are_clear() {
    let cases = [
        ("", "kunci \"tag\" atau \"timeline\" wajib diisi"),
        (
            "tag = \"a\"\ntimeline = \"public\"",
            "tag dan timeline diisi bersamaan",
        ),
        ("timeline = \"home\"", "linimasa \"home\" tidak dikenal"),
        (
            "tag = \"banjir samarinda\"",
            "tagar \"banjir samarinda\" tidak valid",
        ),
        (
            "tag = \"x\"\nlimit = 80",
            "harus bilangan bulat antara 1 dan 40",
        ),
    ];
    for (keys, expected) in cases {
        let project = Project::new("", &source("toot", "https://mastodon.example", keys));
        let error = pantau::engine::Config::load(Some(&project.config()))
            .unwrap_err()
            .to_string();
        assert!(error.contains(expected), "{keys}: {error}");
    }
}
