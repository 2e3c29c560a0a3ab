//! The `bluesky` kind against a real HTTP server on loopback (wiremock) serving
//! `app.bsky.feed.searchPosts` and `com.atproto.server.createSession` answers in their real
//! shapes: the first run, a resume that pages back to the last post seen, the app-password
//! login, a renewed session, Retry-After, and malformed posts.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::{Project, fixture, query_i64, round};
use pantau::model::Cursor;
use pantau::sources::http::Fetcher;
use pantau::sources::{PollCtx, SourceError};
use pantau::store::{Browse, Status};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const SEARCH: &str = "/xrpc/app.bsky.feed.searchPosts";

fn json(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture(&format!("bluesky/{name}")), "application/json")
}

fn source(extra: &str) -> String {
    format!(
        "[[sources]]\nid = \"bsky\"\nkind = \"bluesky\"\nquery = \"banjir OR jalan OR solar\"\nlang = \"id\"\n{extra}\n"
    )
}

fn text_of(project: &Project, external_id: &str) -> (String, String, String, String, i64) {
    project.sql()
        .query_row(
            "SELECT url, author, published_at, coalesce(lang, ''), shares FROM posts WHERE external_id = ?1",
            &[&external_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap()
}

/// The first run reads the newest page only (no paging into history), maps every field, skips
/// a malformed post and an image without text, and counts all four as offered.
#[tokio::test(flavor = "multi_thread")]
async fn first_run_reads_the_newest_page_only() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SEARCH))
        .and(query_param("q", "banjir OR jalan OR solar"))
        .and(query_param("sort", "latest"))
        .and(query_param("limit", "100"))
        .and(query_param("lang", "id"))
        .and(query_param_is_missing("cursor"))
        .respond_with(json("search_first.json"))
        .expect(1)
        .mount(&server)
        .await;
    let project = Project::new("", &source(&format!("url = \"{}\"", server.uri())));

    let results = round(&project).await;
    let r = &results[0];
    assert!(!r.failed, "{}", r.status);
    assert_eq!((r.items_found, r.new_posts), (4, 2));

    let (url, author, published, lang, shares) = text_of(
        &project,
        "at://did:plc:w4rg4sm7d5empaja2026xyz/app.bsky.feed.post/3lcnb7q2xks2a",
    );
    assert_eq!(
        url,
        "https://bsky.app/profile/did:plc:w4rg4sm7d5empaja2026xyz/post/3lcnb7q2xks2a"
    );
    assert_eq!(author, "wargasempaja.bsky.social");
    assert!(published.starts_with("2026-11-26T02:09:58"), "{published}");
    assert_eq!(lang, "id");
    assert_eq!(shares, 4, "reposts + quotes");

    // An unverified handle links through the DID; a createdAt that is not a date falls back
    // to indexedAt; "id-ID" is stored as "id".
    let (url, author, published, lang, _) = text_of(
        &project,
        "at://did:plc:t3ngg4r0ngk4rt4n3g4r4aa/app.bsky.feed.post/3lcnb3xk7js2v",
    );
    assert_eq!(
        url,
        "https://bsky.app/profile/did:plc:t3ngg4r0ngk4rt4n3g4r4aa/post/3lcnb3xk7js2v"
    );
    assert_eq!(author, "did:plc:t3ngg4r0ngk4rt4n3g4r4aa");
    assert_eq!(published, "2026-11-26T02:00:00Z");
    assert_eq!(lang, "id");
    assert_eq!(
        query_i64(
            &project.store(),
            "SELECT count(*) FROM post_topics WHERE topic_id = 'banjir'"
        ),
        1
    );
}

/// A restart pages back from the newest results until the last post seen, keeps a post
/// indexed in the same millisecond as it, and asks for no page beyond.
#[tokio::test(flavor = "multi_thread")]
async fn a_resume_pages_until_the_post_already_seen() {
    let server = MockServer::start().await;
    let project = Project::new("", &source(&format!("url = \"{}\"", server.uri())));
    Mock::given(path(SEARCH))
        .respond_with(json("search_first.json"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    assert_eq!(round(&project).await[0].new_posts, 2);

    server.reset().await;
    Mock::given(path(SEARCH))
        .and(query_param_is_missing("cursor"))
        .respond_with(json("search_new.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(SEARCH))
        .and(query_param("cursor", "25"))
        .respond_with(json("search_older.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(SEARCH))
        .and(query_param("cursor", "50"))
        .respond_with(json("search_older.json"))
        .expect(0)
        .mount(&server)
        .await;
    let results = round(&project).await;
    let r = &results[0];
    assert!(!r.failed, "{}", r.status);
    assert_eq!((r.items_found, r.new_posts), (6, 4));
    let mut store = project.store();
    assert_eq!(
        common::blocking(&mut store, |s| s.count_posts()).unwrap(),
        6
    );
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM posts WHERE external_id LIKE '%/3lcnb7q2xkt4b'"
        ),
        1,
        "the post of the same millisecond is kept"
    );
    server.verify().await;

    // Nothing new: one request, nothing stored.
    server.reset().await;
    Mock::given(path(SEARCH))
        .respond_with(json("search_new.json"))
        .expect(1)
        .mount(&server)
        .await;
    let results = round(&project).await;
    assert_eq!(results[0].new_posts, 0);
}

/// Answers createSession with a new token each time: "jwt-1", "jwt-2", …
struct Sessions(Arc<AtomicUsize>);

impl Respond for Sessions {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        let body = String::from_utf8(fixture("bluesky/session.json"))
            .unwrap()
            .replace("ACCESS_JWT_PLACEHOLDER", &format!("jwt-{n}"));
        ResponseTemplate::new(200).set_body_raw(body, "application/json")
    }
}

fn login_source(server: &MockServer) -> String {
    source(&format!(
        "url = \"{uri}/appview\"\npds = \"{uri}/pds\"\nhandle = \"@humas.kaltimprov.go.id\"\napp_password = \"abcd-efgh-ijkl-mnop\"",
        uri = server.uri()
    ))
}

async fn mount_login(server: &MockServer, logins: Arc<AtomicUsize>) {
    Mock::given(method("POST"))
        .and(path("/pds/xrpc/com.atproto.server.createSession"))
        .and(header("content-type", "application/json"))
        .and(body_json(serde_json::json!({
            "identifier": "humas.kaltimprov.go.id",
            "password": "abcd-efgh-ijkl-mnop"
        })))
        .respond_with(Sessions(logins))
        .mount(server)
        .await;
}

/// With an app password the poller logs in once, then searches through the PDS with the
/// session's token as bearer; the AppView is not asked.
#[tokio::test(flavor = "multi_thread")]
async fn an_app_password_logs_in_and_searches_with_the_token() {
    let server = MockServer::start().await;
    let logins = Arc::new(AtomicUsize::new(0));
    mount_login(&server, logins.clone()).await;
    Mock::given(method("GET"))
        .and(path(format!("/pds{SEARCH}")))
        .and(header("authorization", "Bearer jwt-1"))
        .respond_with(json("search_first.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(format!("/appview{SEARCH}")))
        .respond_with(ResponseTemplate::new(403))
        .expect(0)
        .mount(&server)
        .await;
    let project = Project::new("", &login_source(&server));
    let results = round(&project).await;
    assert!(!results[0].failed, "{}", results[0].status);
    assert_eq!(results[0].new_posts, 2);
    assert_eq!(logins.load(Ordering::SeqCst), 1);
    // The password stays out of the stored source address.
    let url: String = project
        .sql()
        .query_row("SELECT url FROM sources", &[], |r| r.get(0))
        .unwrap();
    assert!(
        url.starts_with(&format!("{}/pds/xrpc/", server.uri())),
        "{url}"
    );
    assert!(!url.contains("abcd-efgh"), "{url}");
}

/// Searches answering per token: jwt-1 and jwt-2 each work once and are refused after (they
/// expired); later tokens are refused at once (the app password was revoked).
struct Search {
    calls: Arc<Mutex<Vec<String>>>,
}

impl Respond for Search {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let token = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let mut calls = self.calls.lock().unwrap();
        calls.push(token.clone());
        let uses = calls.iter().filter(|t| **t == token).count();
        match (token.as_str(), uses) {
            ("Bearer jwt-1" | "Bearer jwt-2", 1) => json("search_first.json"),
            _ => ResponseTemplate::new(401).set_body_raw(
                r#"{"error":"ExpiredToken","message":"Token has expired"}"#,
                "application/json",
            ),
        }
    }
}

/// The session is kept between polls; a 401 makes the poller log in again once and retry, and
/// a second refusal is the poll's error (no login loop).
#[tokio::test(flavor = "multi_thread")]
async fn an_expired_session_is_renewed_once() {
    let server = MockServer::start().await;
    let logins = Arc::new(AtomicUsize::new(0));
    mount_login(&server, logins.clone()).await;
    let calls = Arc::new(Mutex::new(Vec::new()));
    Mock::given(path(format!("/pds{SEARCH}")))
        .respond_with(Search {
            calls: calls.clone(),
        })
        .mount(&server)
        .await;
    let project = Project::new("", &login_source(&server));
    let settings = project.load();
    let cx = PollCtx {
        source: settings.sources[0].id.clone(),
        fetcher: Fetcher::new(&settings.settings.fetch).unwrap(),
        secrets: Default::default(),
        relevant: None,
    };
    let poller = settings.sources[0].build();

    let first = poller.poll(&cx, &Cursor::Start).await.unwrap();
    assert_eq!(first.posts.len(), 2);
    let second = poller.poll(&cx, &Cursor::Start).await.unwrap();
    assert_eq!(second.posts.len(), 2);
    assert_eq!(logins.load(Ordering::SeqCst), 2);
    let third = poller.poll(&cx, &Cursor::Start).await;
    assert!(
        matches!(third, Err(SourceError::Http { status: 401, .. })),
        "{third:?}"
    );
    assert_eq!(logins.load(Ordering::SeqCst), 3, "one new login per poll");
    assert_eq!(
        *calls.lock().unwrap(),
        [
            "Bearer jwt-1",
            "Bearer jwt-1",
            "Bearer jwt-2",
            "Bearer jwt-2",
            "Bearer jwt-3"
        ]
        .map(String::from)
    );
}

/// A 429 with Retry-After fails the poll with that class and pushes the next attempt back.
#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_are_honoured() {
    let server = MockServer::start().await;
    Mock::given(path(SEARCH))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "300"))
        .mount(&server)
        .await;
    let project = Project::new("", &source(&format!("url = \"{}\"", server.uri())));
    let before = jiff::Timestamp::now().as_second();
    let results = round(&project).await;
    assert!(results[0].failed);
    assert!(
        results[0].status.contains("HTTP 429"),
        "{}",
        results[0].status
    );
    let mut store = project.store();
    let state = common::blocking(&mut store, |s| s.source_state(&"bsky".into())).unwrap();
    assert_eq!(state.consecutive_failures, 1);
    assert!(state.next_attempt.unwrap().as_second() - before >= 300);
    let health = common::blocking(&mut store, |s| s.sources_health(&[])).unwrap();
    assert_eq!(
        health[0].last_error_class.as_deref(),
        Some("http_rate_limited")
    );
}

/// A body that is not a search answer is a parse error naming the API; malformed single posts
/// were covered above (skipped, the page kept).
#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_answer_is_a_parse_error() {
    let server = MockServer::start().await;
    Mock::given(path(SEARCH))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"feed": []}"#, "application/json"),
        )
        .mount(&server)
        .await;
    let project = Project::new("", &source(&format!("url = \"{}\"", server.uri())));
    let results = round(&project).await;
    assert!(results[0].failed);
    assert!(
        results[0]
            .status
            .contains("jawaban Bluesky searchPosts bukan JSON yang diharapkan"),
        "{}",
        results[0].status
    );
    assert!(results[0].status.contains("posts"), "{}", results[0].status);
}

/// A handle without its app password is a configuration error that says what to do.
#[test]
fn a_half_login_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let err =
        pantau::engine::Config::from_str(&source("handle = \"humas.bsky.social\""), dir.path())
            .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("handle dan app_password harus diisi bersamaan"),
        "{text}"
    );
}
