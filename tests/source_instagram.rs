//! The `instagram` kind against a loopback server answering as the Graph API documents:
//! hashtag search and recent media over two pages, business discovery with its follower count,
//! resuming an account without duplicates, the 30-hashtags-in-7-days limit across polls, a
//! throttling error and usage headers near the limit, an expired token, a malformed body, an
//! empty result, and the token kept out of logs and stored errors.

mod common;

use common::{Project, fixture, query_i64, result, round};
use pantau::store::Status;
use serde_json::Value;
use wiremock::matchers::{method, path, query_param, query_param_contains, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "EAAGm0PX4ZCpsBAtokenRahasia123";
const ACCOUNT: &str = "17841400000000000";
const TAG_ID: &str = "17843857450040591";
const AFTER: &str = "UVZAGRFMzQlZAPSFpUZAEcxalYyMUtRME5rTjJSdlVtbG1iREZAqTUZAndGVIbG5TekJzUld0cFJuVm5RVUZAqTjJoNldEUnNXSEl3UjJWM2JHRnFZAMWxDYlhSSFFsZAFBZAMjFxUjJsd1VuazRSMlJDYTBKdU5WUm5NZAz09";

fn secrets() -> String {
    format!("[secrets]\ninstagram_access_token = \"{TOKEN}\"\n")
}

fn source(id: &str, base: &str, keys: &str) -> String {
    format!(
        "[[sources]]\nid = \"{id}\"\nkind = \"instagram\"\nurl = \"{base}/v25.0\"\n\
         account_id = \"{ACCOUNT}\"\n{keys}\n"
    )
}

fn json(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(
        fixture(&format!("instagram/{name}.json")),
        "application/json",
    )
}

fn fixture_json(name: &str) -> Value {
    serde_json::from_slice(&fixture(&format!("instagram/{name}.json"))).unwrap()
}

/// The hashtag's two pages and its id, with the token checked on every request.
async fn mount_hashtag(server: &MockServer) {
    Mock::given(path("/v25.0/ig_hashtag_search"))
        .and(query_param("q", "banjirsamarinda"))
        .and(query_param("user_id", ACCOUNT))
        .and(query_param("access_token", TOKEN))
        .respond_with(json("hashtag_search"))
        .mount(server)
        .await;
    let media = format!("/v25.0/{TAG_ID}/recent_media");
    Mock::given(path(media.clone()))
        .and(query_param("user_id", ACCOUNT))
        .and(query_param(
            "fields",
            "id,caption,media_type,comments_count,like_count,permalink,timestamp",
        ))
        .and(query_param("access_token", TOKEN))
        .and(query_param_is_missing("after"))
        .respond_with(json("recent_media_p1"))
        .mount(server)
        .await;
    Mock::given(path(media))
        .and(query_param("after", AFTER))
        .and(query_param("access_token", TOKEN))
        .respond_with(json("recent_media_p2"))
        .mount(server)
        .await;
}

/// Business discovery of `username`: `first` for the first page, `later` for `media.after(…)`.
async fn mount_account(server: &MockServer, first: Value, later: Option<Value>) {
    Mock::given(path(format!("/v25.0/{ACCOUNT}")))
        .and(query_param_contains(
            "fields",
            "business_discovery.username(samarindaterkini){followers_count,media{id,caption,like_count,comments_count,permalink,timestamp,username}}",
        ))
        .and(query_param("access_token", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(first))
        .mount(server)
        .await;
    if let Some(later) = later {
        Mock::given(path(format!("/v25.0/{ACCOUNT}")))
            .and(query_param_contains(
                "fields",
                "media.after(QVFIUmx1WTBpMGpRN2RNbV9)",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(later))
            .mount(server)
            .await;
    }
}

/// A discovery answer holding `media` (newest first), with an `after` cursor when `after`.
fn discovery(media: &[(&str, &str)], after: Option<&str>) -> Value {
    let mut page = fixture_json("discovery_p1");
    let template = page["business_discovery"]["media"]["data"][0].clone();
    let data: Vec<Value> = media
        .iter()
        .map(|(id, time)| {
            let mut m = template.clone();
            m["id"] = (*id).into();
            m["timestamp"] = (*time).into();
            m["caption"] = format!("Kabar warga Samarinda nomor {id}").into();
            m["permalink"] = format!("https://www.instagram.com/p/{id}/").into();
            m
        })
        .collect();
    page["business_discovery"]["media"]["data"] = data.into();
    page["business_discovery"]["media"]["paging"] = match after {
        Some(a) => serde_json::json!({"cursors": {"after": a}}),
        None => serde_json::json!({}),
    };
    page
}

/// First poll: the hashtag's two pages (a media without caption skipped), the account's first
/// page only, each media with its counts, the account's followers and the platform; then a
/// second poll pages the account back to what it saw and stores nothing twice.
#[tokio::test(flavor = "multi_thread")]
async fn first_poll_paging_and_resume() {
    let server = MockServer::start().await;
    mount_hashtag(&server).await;
    mount_account(&server, fixture_json("discovery_p1"), None).await;
    let keys = "hashtags = [\"#BanjirSamarinda\"]\naccounts = [\"@SamarindaTerkini\"]";
    let project = Project::new(&secrets(), &source("ig", &server.uri(), keys));

    let first = round(&project).await;
    let r = result(&first, "ig");
    assert!(!r.failed, "{}", r.status);
    assert_eq!((r.items_found, r.new_posts), (6, 5));
    let mut store = project.store();
    let row: (
        String,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<String>,
        String,
    ) = common::sql(&store)
        .query_row(
            "SELECT platform, likes, comments, followers, author, url FROM posts \
                 WHERE external_id = '17885103395504675'",
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
    assert_eq!(
        row,
        (
            "instagram".into(),
            Some(4120),
            Some(87),
            Some(312840),
            Some("samarindaterkini".into()),
            "https://www.instagram.com/p/DCb2Info01/".into()
        )
    );
    // Hidden like count stays unknown; a hashtag's media has no author or followers.
    let (likes, followers, published): (Option<i64>, Option<i64>, String) = common::sql(&store)
    .query_row(
        "SELECT likes, followers, published_at FROM posts WHERE external_id = '18091636405131559'",
        &[],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .unwrap();
    assert_eq!((likes, followers), (None, None));
    assert!(published.starts_with("2026-11-27T00:40:05"), "{published}");
    let cursor = format!(
        "{:?}",
        common::blocking(&mut store, |s| s.source_state(&"ig".into()))
            .unwrap()
            .cursor
    );
    assert!(
        cursor.contains(TAG_ID) && cursor.contains("banjirsamarinda"),
        "{cursor}"
    );
    assert!(!cursor.contains(TOKEN));

    // Three new media on the account: two on the first page, one on the next, then the
    // newest one seen before; the hashtag is read again and adds nothing.
    server.reset().await;
    mount_hashtag(&server).await;
    let newer = discovery(
        &[
            ("900003", "2026-11-27T05:00:00+0000"),
            ("900002", "2026-11-27T04:00:00+0000"),
        ],
        Some("QVFIUmx1WTBpMGpRN2RNbV9"),
    );
    let back = discovery(
        &[
            ("900001", "2026-11-27T03:00:00+0000"),
            ("17885103395504675", "2026-11-27T02:30:00+0000"),
        ],
        Some("QVFIUmx1WTBpMGpRN2RNbV9x"),
    );
    mount_account(&server, newer, Some(back)).await;
    let second = round(&project).await;
    let r = result(&second, "ig");
    assert!(!r.failed, "{}", r.status);
    assert_eq!(r.new_posts, 3);
    assert_eq!(
        query_i64(&store, "SELECT count(*) FROM posts WHERE source_id = 'ig'"),
        8
    );
    // The hashtag's id came from the cursor: no second search.
    let searches = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("ig_hashtag_search"))
        .count();
    assert_eq!(searches, 0);
}

/// Thirty hashtags counted in the last 7 days (kept in the cursor across polls): a new one is
/// refused and never asked, the counted ones are still read.
#[tokio::test(flavor = "multi_thread")]
async fn the_thirty_hashtag_limit_holds_across_polls() {
    let server = MockServer::start().await;
    Mock::given(path("/v25.0/ig_hashtag_search"))
        .respond_with(json("hashtag_search"))
        .mount(&server)
        .await;
    Mock::given(path(format!("/v25.0/{TAG_ID}/recent_media")))
        .respond_with(json("recent_media_p2"))
        .mount(&server)
        .await;
    let thirty: Vec<String> = (0..30).map(|i| format!("\"tagar{i}\"")).collect();
    let keys = format!("hashtags = [{}]", thirty.join(", "));
    let project = Project::new(&secrets(), &source("ig", &server.uri(), &keys));
    let r = round(&project).await;
    assert!(!result(&r, "ig").failed, "{}", result(&r, "ig").status);

    // The analysts swap the list the same week: `tagar0` still counts, `baru` would be 31st.
    let keys = "hashtags = [\"baru\", \"tagar0\"]";
    std::fs::write(
        project.config(),
        format!("{}\n{}", secrets(), source("ig", &server.uri(), keys)),
    )
    .unwrap();
    server.reset().await;
    Mock::given(path(format!("/v25.0/{TAG_ID}/recent_media")))
        .respond_with(json("recent_media_p2"))
        .mount(&server)
        .await;
    Mock::given(path("/v25.0/ig_hashtag_search"))
        .respond_with(json("hashtag_search"))
        .expect(0)
        .mount(&server)
        .await;
    let r = round(&project).await;
    let r = result(&r, "ig");
    assert!(!r.failed, "{}", r.status);
    assert_eq!(r.items_found, 1);

    // Only `baru`: nothing can be asked, and the source says when a place frees up.
    std::fs::write(
        project.config(),
        format!(
            "{}\n{}",
            secrets(),
            source("ig", &server.uri(), "hashtags = [\"baru\"]")
        ),
    )
    .unwrap();
    let r = round(&project).await;
    let r = result(&r, "ig");
    assert!(r.failed);
    assert!(
        r.status.contains("30 tagar unik per 7 hari"),
        "{}",
        r.status
    );
    assert!(r.status.contains("kurangi tagar"), "{}", r.status);
    // A used-up allowance that waits for its own renewal, not a rate to slow down.
    let health = project.with_store(|s| s.sources_health(&[])).unwrap();
    assert_eq!(health[0].last_error_class.as_deref(), Some("quota"));
    assert!(r.hint.unwrap().contains("jatah"));
}

/// Error code 4 on the first request fails the poll as rate limited and plans the next
/// attempt an hour away; usage headers at 100 % after a page keep its posts and pause the
/// source, so the next poll asks nothing.
#[tokio::test(flavor = "multi_thread")]
async fn throttling_errors_and_usage_headers_pause_the_source() {
    let server = MockServer::start().await;
    let usage = r#"{"17841400000000000":[{"type":"instagram","call_count":100,"total_cputime":12,"total_time":9,"estimated_time_to_regain_access":0}]}"#;
    Mock::given(path("/v25.0/ig_hashtag_search"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            fixture("instagram/error_rate_limit.json"),
            "application/json",
        ))
        .mount(&server)
        .await;
    Mock::given(path(format!("/v25.0/{ACCOUNT}")))
        .respond_with(json("discovery_p1").insert_header("x-business-use-case-usage", usage))
        .mount(&server)
        .await;
    let uri = server.uri();
    let project = Project::new(
        &secrets(),
        &[
            source("tagar", &uri, "hashtags = [\"banjirsamarinda\"]"),
            source("akun", &uri, "accounts = [\"samarindaterkini\"]"),
        ]
        .concat(),
    );
    let before = jiff::Timestamp::now();
    let first = round(&project).await;
    let tagar = result(&first, "tagar");
    assert!(tagar.failed);
    assert!(tagar.status.contains("kode 4"), "{}", tagar.status);
    let health = project.with_store(|s| s.sources_health(&[])).unwrap();
    let h = health.iter().find(|h| h.id.as_str() == "tagar").unwrap();
    assert_eq!(h.last_error_class.as_deref(), Some("http_rate_limited"));
    let wait = h.next_attempt.unwrap().duration_since(before).as_secs();
    assert!(wait >= 3590, "{wait}");

    let akun = result(&first, "akun");
    assert!(!akun.failed, "{}", akun.status);
    assert_eq!(akun.new_posts, 2);
    let second = round(&project).await;
    assert_eq!(result(&second, "akun").status, "tidak berubah");
    // The paused account asked nothing more.
    let account_requests = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == format!("/v25.0/{ACCOUNT}"))
        .count();
    assert_eq!(account_requests, 1);
}

/// An expired token (code 190, subcode 463) fails the source as `auth`, saying how to renew it
/// and where to put it; a missing secret names the key and the variable. Neither shows the
/// token.
#[tokio::test(flavor = "multi_thread")]
async fn an_expired_or_missing_token_is_an_auth_failure() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_raw(fixture("instagram/error_expired.json"), "application/json")
                .insert_header(
                    "www-authenticate",
                    "OAuth \"Facebook Platform\" \"invalid_token\" \"Error validating access token\"",
                ),
        )
        .mount(&server)
        .await;
    let uri = server.uri();
    let project = Project::new(
        &secrets(),
        &[
            source("kedaluwarsa", &uri, "hashtags = [\"kaltim\"]"),
            source(
                "tanpa",
                &uri,
                "accounts = [\"humaskaltim\"]\nsecret = \"ig_kantor_kedua\"",
            ),
        ]
        .concat(),
    );
    round(&project).await;
    let health = project.with_store(|s| s.sources_health(&[])).unwrap();
    let get = |id: &str| health.iter().find(|h| h.id.as_str() == id).unwrap();
    let expired = get("kedaluwarsa");
    assert_eq!(expired.last_error_class.as_deref(), Some("auth"));
    let message = expired.last_error.clone().unwrap();
    assert!(
        message.contains("kedaluwarsa (kode 190, subkode 463)"),
        "{message}"
    );
    assert!(
        message.contains("PANTAU__SECRETS__INSTAGRAM_ACCESS_TOKEN"),
        "{message}"
    );
    assert!(!message.contains(TOKEN), "{message}");
    // The advice is a sentence of the message; `saran:` is the hint's own line.
    assert!(message.contains("buat token akses"), "{message}");
    assert!(!message.contains("saran"), "{message}");
    let missing = get("tanpa");
    assert_eq!(missing.last_error_class.as_deref(), Some("auth"));
    assert!(
        missing
            .last_error
            .as_deref()
            .unwrap()
            .contains("rahasia \"ig_kantor_kedua\" belum diisi"),
        "{:?}",
        missing.last_error
    );
    // The missing secret asked nothing of the server; the expired token asked once.
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// A body that is not the Graph API's JSON fails that source alone; an empty result is a
/// success with nothing to store.
#[tokio::test(flavor = "multi_thread")]
async fn malformed_and_empty_answers() {
    let broken = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<html><body>Sorry, something went wrong.</body></html>",
            "text/html",
        ))
        .mount(&broken)
        .await;
    let quiet = MockServer::start().await;
    Mock::given(path("/v25.0/ig_hashtag_search"))
        .respond_with(json("hashtag_search"))
        .mount(&quiet)
        .await;
    Mock::given(path(format!("/v25.0/{TAG_ID}/recent_media")))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"data": []})))
        .mount(&quiet)
        .await;
    mount_account(&quiet, discovery(&[], None), None).await;
    let project = Project::new(
        &secrets(),
        &[
            source("rusak", &broken.uri(), "hashtags = [\"kaltim\"]"),
            source(
                "sepi",
                &quiet.uri(),
                "hashtags = [\"kaltim\"]\naccounts = [\"samarindaterkini\"]",
            ),
        ]
        .concat(),
    );
    let results = round(&project).await;
    let rusak = result(&results, "rusak");
    assert!(rusak.failed);
    assert!(rusak.status.contains("bukan JSON"), "{}", rusak.status);
    let sepi = result(&results, "sepi");
    assert!(!sepi.failed, "{}", sepi.status);
    assert_eq!((sepi.items_found, sepi.new_posts), (0, 0));
}

/// The real binary with the token from the environment and debug logging: neither the
/// output, the logs nor the stored errors show it, also when the request fails before an
/// answer (the error then names the URL, which carries the token).
#[tokio::test(flavor = "multi_thread")]
async fn the_token_never_reaches_logs_or_the_sources_table() {
    let server = MockServer::start().await;
    mount_hashtag(&server).await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let project = Project::new(
        "[log]\nlevel = \"debug\"\n",
        &[
            source("baik", &server.uri(), "hashtags = [\"banjirsamarinda\"]"),
            source(
                "putus",
                &format!("http://127.0.0.1:{closed}"),
                "hashtags = [\"kaltim\"]",
            ),
        ]
        .concat(),
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args([
            "--config",
            project.config().to_str().unwrap(),
            "poll",
            "--once",
        ])
        .current_dir(project.path())
        .env_remove("PANTAU_CONFIG")
        .env("PANTAU__SECRETS__INSTAGRAM_ACCESS_TOKEN", TOKEN)
        .env("RUST_LOG", "trace")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let shown = format!("{}{}", common::stdout(&out), common::stderr(&out));
    assert!(shown.contains("putus"), "{shown}");
    assert!(!shown.contains(TOKEN), "the token was shown:\n{shown}");
    let mut store = project.store();
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM posts WHERE source_id = 'baik'"
        ),
        3
    );
    let health = common::blocking(&mut store, |s| s.sources_health(&[])).unwrap();
    let putus = health.iter().find(|h| h.id.as_str() == "putus").unwrap();
    let error = putus.last_error.clone().unwrap();
    assert_eq!(
        putus.last_error_class.as_deref(),
        Some("connect"),
        "{error}"
    );
    assert!(!error.contains(TOKEN), "{error}");
}

/// The commented Instagram and vendor examples of config/default.toml, uncommented, are
/// sources as they stand.
#[test]
fn the_shipped_examples_read() {
    let shipped = std::fs::read_to_string(common::repo().join("config/default.toml")).unwrap();
    let block = common::uncommented(&shipped, "# --- Instagram and data vendors");
    let project = Project::new("", &block);
    let config = project.load();
    let kinds: Vec<(&str, &str)> = config
        .sources
        .iter()
        .map(|s| (s.id.as_str(), s.kind()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("ig-kaltim", "instagram"),
            ("vendor-tiktok", "json"),
            ("vendor-facebook", "json")
        ]
    );
}
