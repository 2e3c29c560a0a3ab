//! The `x` kind against a real HTTP server on loopback (wiremock) answering in X API v2's
//! documented shapes: a first poll paging with `next_token`, a restart resuming a cut round
//! with no duplicate and no gap, an account's timeline paging with `pagination_token`, 429 with
//! `x-rate-limit-reset`, a usage cap, a stale `since_id`, 401, a malformed and an empty answer,
//! the monthly budget across polls, and the token kept out of every log line of a real
//! `pantau poll --once` that takes it from `PANTAU__SECRETS__X_BEARER_TOKEN`.

mod common;

use common::{Project, fixture, query_i64, result, round};
use pantau::model::Cursor;
use pantau::store::{SourceHealth, Status};
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

const SEARCH: &str = "/2/tweets/search/recent";
const TOKEN: &str = "AAAAAAAAAAAAAAAAAAAAAUjiTokenUntukUjiSaja0123456789";
const SECRETS: &str =
    "[secrets]\nx_bearer_token = \"AAAAAAAAAAAAAAAAAAAAAUjiTokenUntukUjiSaja0123456789\"\n";

fn source(id: &str, url: &str, keys: &str) -> String {
    format!("[[sources]]\nid = \"{id}\"\nkind = \"x\"\nurl = \"{url}\"\n{keys}\n")
}

/// A good answer with the rate-limit headers X sends on every response.
fn answer(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_raw(
            fixture(&format!("x/{name}.json")),
            "application/json; charset=utf-8",
        )
        .insert_header("x-rate-limit-limit", "450")
        .insert_header("x-rate-limit-remaining", "448")
        .insert_header("x-rate-limit-reset", "1665183229")
}

fn problem(status: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(
        fixture(&format!("x/{name}.json")),
        "application/problem+json",
    )
}

/// The source's stored cursor as JSON.
fn state(project: &Project, id: &str) -> serde_json::Value {
    match project
        .with_store(|s| s.source_state(&id.into()))
        .unwrap()
        .cursor
    {
        Cursor::Token { value } => serde_json::from_str(&value).unwrap(),
        other => panic!("cursor {other:?}"),
    }
}

/// The query parameters of every request the server received, in order.
async fn requests(server: &MockServer) -> Vec<(String, Vec<(String, String)>)> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let pairs = r
                .url
                .query_pairs()
                .map(|(k, v)| (k.into(), v.into()))
                .collect();
            (r.url.path().to_string(), pairs)
        })
        .collect()
}

fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// A GET of the recent search.
fn search() -> MockBuilder {
    Mock::given(method("GET")).and(path(SEARCH))
}

/// Search's two fixture pages: `first` (with the matchers a test adds) answered by the first
/// page, whose `next_token` is answered by `second`.
async fn mount_two_pages(server: &MockServer, first: MockBuilder, second: ResponseTemplate) {
    first
        .and(query_param_is_missing("next_token"))
        .respond_with(answer("search_page1"))
        .mount(server)
        .await;
    search()
        .and(query_param(
            "next_token",
            "b26v89c19zqg8o3fobd8v73egzbdt3qao235oql",
        ))
        .respond_with(second)
        .mount(server)
        .await;
}

/// The source's row as `pantau sources` reads it.
fn health(project: &Project, id: &str) -> SourceHealth {
    project
        .with_store(|s| s.sources_health(&[]))
        .unwrap()
        .into_iter()
        .find(|h| h.id.to_string() == id)
        .unwrap_or_else(|| panic!("no health row for {id}"))
}

fn count(project: &Project, sql: &str) -> i64 {
    query_i64(&project.store(), sql)
}

/// Both pages of the first poll are read with `next_token` under the query as written, the
/// bearer token sent as a header; reposts are skipped; author, link, language, platform and
/// reach map as documented; the cursor is the first page's `newest_id`.
#[tokio::test(flavor = "multi_thread")]
async fn the_first_poll_pages_with_next_token_and_keeps_reach() {
    let server = MockServer::start().await;
    let first = search()
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(query_param(
            "query",
            "(banjir OR solar OR listrik) -is:retweet",
        ))
        .and(query_param("max_results", "100"))
        .and(query_param("expansions", "author_id"));
    mount_two_pages(&server, first, answer("search_page2")).await;
    let project = Project::new(
        SECRETS,
        &source(
            "x-kaltim",
            &server.uri(),
            "query = \"(banjir OR solar OR listrik) -is:retweet\"",
        ),
    );
    let results = round(&project).await;
    let r = result(&results, "x-kaltim");
    assert!(!r.failed, "{}", r.status);
    assert_eq!((r.items_found, r.new_posts), (4, 3));
    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 2);
    assert!(param(&reqs[0].1, "since_id").is_none());
    let fields = param(&reqs[0].1, "tweet.fields").unwrap();
    for f in ["created_at", "author_id", "lang", "public_metrics"] {
        assert!(fields.contains(f), "{fields}");
    }
    assert_eq!(
        param(&reqs[0].1, "user.fields"),
        Some("username,name,public_metrics")
    );
    assert_eq!(
        state(&project, "x-kaltim")["streams"]["search"]["since_id"],
        "1864000000000000205"
    );
    assert_eq!(
        count(
            &project,
            "SELECT count(*) FROM posts WHERE external_id = '1864000000000000203'"
        ),
        0
    );
    let row: (
        String,
        String,
        String,
        String,
        String,
        i64,
        i64,
        i64,
        i64,
        i64,
    ) = project
        .sql()
        .query_row(
            "SELECT url, author, text, lang, platform, likes, shares, comments, views, followers
                 FROM posts WHERE external_id = '1864000000000000205'",
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
                    r.get(8)?,
                    r.get(9)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(
        row.0,
        "https://x.com/infosamarinda/status/1864000000000000205"
    );
    assert_eq!(row.1, "@infosamarinda");
    assert!(row.2.contains("rumah warga & jalan"), "{}", row.2);
    assert_eq!((row.3.as_str(), row.4.as_str()), ("id", "x"));
    // likes, reposts + quotes, replies, impressions, the author's followers.
    assert_eq!(
        (row.5, row.6, row.7, row.8, row.9),
        (892, 168, 23, 15200, 312_000)
    );
    // A post without impression_count has no views (not 0).
    assert_eq!(
        count(
            &project,
            "SELECT count(*) FROM posts WHERE external_id = '1864000000000000204' AND views IS NULL"
        ),
        1
    );
}

/// A round cut short by `max_pages` records how far it read; after a restart the next poll
/// reads the rest with `until_id` under the same `since_id`, and only then moves `since_id`
/// on: every post once, none missed.
#[tokio::test(flavor = "multi_thread")]
async fn a_cut_round_resumes_after_a_restart_with_no_gap_and_no_duplicate() {
    let server = MockServer::start().await;
    let query = "query = \"banjir samarinda\"";
    let mount = |name: &'static str, since: Option<&'static str>, until: Option<&'static str>| {
        let mut mock = Mock::given(method("GET")).and(path(SEARCH));
        mock = match since {
            Some(s) => mock.and(query_param("since_id", s)),
            None => mock.and(query_param_is_missing("since_id")),
        };
        mock = match until {
            Some(u) => mock.and(query_param("until_id", u)),
            None => mock.and(query_param_is_missing("until_id")),
        };
        mock.and(query_param_is_missing("next_token"))
            .respond_with(answer(name))
    };
    let first = search()
        .and(query_param_is_missing("since_id"))
        .and(query_param_is_missing("until_id"));
    mount_two_pages(&server, first, answer("search_page2")).await;
    let url = server.uri();
    let project = Project::new(SECRETS, &source("x-smd", &url, query));
    assert_eq!(result(&round(&project).await, "x-smd").new_posts, 3);

    // Two newer pages exist; one page per poll.
    mount("search_newer1", Some("1864000000000000205"), None)
        .mount(&server)
        .await;
    mount(
        "search_newer2",
        Some("1864000000000000205"),
        Some("1864000000000000207"),
    )
    .mount(&server)
    .await;
    mount("empty", Some("1864000000000000208"), None)
        .mount(&server)
        .await;
    let one_page = Project {
        dir: project.dir,
        pg: project.pg,
    };
    std::fs::write(
        one_page.config(),
        format!(
            "{SECRETS}\n{}",
            source("x-smd", &url, &format!("{query}\nmax_pages = 1"))
        ),
    )
    .unwrap();
    let r = round(&one_page).await;
    assert_eq!(
        (
            result(&r, "x-smd").items_found,
            result(&r, "x-smd").new_posts
        ),
        (2, 2)
    );
    let stream = &state(&one_page, "x-smd")["streams"]["search"];
    assert_eq!(stream["since_id"], "1864000000000000205");
    assert_eq!(stream["resume"]["until_id"], "1864000000000000207");
    assert_eq!(stream["resume"]["newest_id"], "1864000000000000208");

    // Restarted: the rest below 207, then since_id moves to the newest of the whole round.
    let r = round(&one_page).await;
    assert_eq!(result(&r, "x-smd").new_posts, 1);
    let stream = &state(&one_page, "x-smd")["streams"]["search"];
    assert_eq!(stream["since_id"], "1864000000000000208");
    assert!(stream.get("resume").is_none(), "{stream}");
    let r = round(&one_page).await;
    assert_eq!(
        (
            result(&r, "x-smd").items_found,
            result(&r, "x-smd").new_posts
        ),
        (0, 0)
    );

    assert_eq!(count(&one_page, "SELECT count(*) FROM posts"), 6);
    assert_eq!(
        count(
            &one_page,
            "SELECT count(*) FROM posts WHERE external_id BETWEEN '1864000000000000202' AND '1864000000000000208'"
        ),
        6
    );
    assert_eq!(requests(&server).await.len(), 5);
}

/// Listed accounts are resolved once with `/2/users/by` (an unknown name is skipped and not
/// asked again), and a timeline pages with `pagination_token`, never `next_token`.
#[tokio::test(flavor = "multi_thread")]
async fn account_timelines_page_with_pagination_token() {
    let server = MockServer::start().await;
    let timeline = "/2/users/1460000000000000009/tweets";
    Mock::given(method("GET"))
        .and(path("/2/users/by"))
        .and(query_param("usernames", "humasprovkaltim,akuntidakada"))
        .respond_with(answer("users_by"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(timeline))
        .and(query_param_is_missing("pagination_token"))
        .and(query_param_is_missing("since_id"))
        .respond_with(answer("timeline_page1"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(timeline))
        .and(query_param(
            "pagination_token",
            "7140dibdnow9c7btw3w3itbygz8uu5pbs45oy6erjc2ls",
        ))
        .and(query_param_is_missing("next_token"))
        .respond_with(answer("timeline_page2"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(timeline))
        .and(query_param("since_id", "1864000000000000302"))
        .respond_with(answer("empty"))
        .expect(1)
        .mount(&server)
        .await;
    let project = Project::new(
        SECRETS,
        &source(
            "x-humas",
            &server.uri(),
            "accounts = [\"@HumasProvKaltim\", \"akuntidakada\"]",
        ),
    );
    let r = round(&project).await;
    let r = result(&r, "x-humas");
    assert!(!r.failed, "{}", r.status);
    assert_eq!(r.new_posts, 2);
    let s = state(&project, "x-humas");
    assert_eq!(s["users"]["humasprovkaltim"], "1460000000000000009");
    assert_eq!(s["unknown"][0], "akuntidakada");
    assert_eq!(
        s["streams"]["user:1460000000000000009"]["since_id"],
        "1864000000000000302"
    );
    let r = round(&project).await;
    assert!(!result(&r, "x-humas").failed);
    assert_eq!(
        count(
            &project,
            "SELECT count(*) FROM posts WHERE author = '@HumasProvKaltim' AND followers = 98000"
        ),
        2
    );
    // `expect` counts are checked when the server drops.
}

/// A 429 on the first request fails the poll with the wait `x-rate-limit-reset` names; a 429
/// after a good page keeps that page and pauses the source without another request.
#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_wait_for_the_reset() {
    let reset = jiff::Timestamp::now().as_second() + 600;
    let limited = problem(429, "too_many_requests")
        .insert_header("x-rate-limit-limit", "450")
        .insert_header("x-rate-limit-remaining", "0")
        .insert_header("x-rate-limit-reset", reset.to_string().as_str());
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SEARCH))
        .respond_with(limited.clone())
        .mount(&server)
        .await;
    let project = Project::new(SECRETS, &source("x-a", &server.uri(), "query = \"banjir\""));
    let r = round(&project).await;
    let r = result(&r, "x-a");
    assert!(r.failed);
    let row = health(&project, "x-a");
    assert_eq!(row.last_error_class.as_deref(), Some("http_rate_limited"));
    let next = row.next_attempt.unwrap();
    assert!(next.as_second() >= reset - 1, "{next} vs {reset}");

    // Page one good, page two limited.
    let server = MockServer::start().await;
    mount_two_pages(&server, search(), limited).await;
    let project = Project::new(SECRETS, &source("x-b", &server.uri(), "query = \"banjir\""));
    let r = round(&project).await;
    assert!(!result(&r, "x-b").failed);
    assert_eq!(result(&r, "x-b").new_posts, 2);
    assert_eq!(state(&project, "x-b")["not_before"], reset);
    let r = round(&project).await;
    assert!(!result(&r, "x-b").failed);
    assert_eq!(requests(&server).await.len(), 2, "no request while paused");
}

/// A 429 of type `usage-capped` is not retried at the window's reset but a day later.
#[tokio::test(flavor = "multi_thread")]
async fn a_usage_cap_waits_a_day() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SEARCH))
        .respond_with(problem(429, "usage_capped").insert_header("x-rate-limit-reset", "1"))
        .mount(&server)
        .await;
    let project = Project::new(
        SECRETS,
        &source("x-cap", &server.uri(), "query = \"banjir\""),
    );
    let r = round(&project).await;
    assert!(r[0].failed);
    assert!(
        r[0].status.contains("Monthly product cap"),
        "{}",
        r[0].status
    );
    let row = health(&project, "x-cap");
    // A used-up allowance, not a rate: class `quota`, with what to change in the message.
    assert_eq!(row.last_error_class.as_deref(), Some("quota"));
    assert!(
        r[0].status.contains("max_posts_per_month"),
        "{}",
        r[0].status
    );
    let next = row.next_attempt.unwrap();
    assert!(
        next.as_second() >= jiff::Timestamp::now().as_second() + 23 * 3600,
        "{next}"
    );
}

/// 401 and a missing token are `auth` failures naming the secret and how to renew it, never
/// its value; a missing token makes no request.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_or_missing_token_is_an_auth_failure() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SEARCH))
        .respond_with(problem(401, "unauthorized"))
        .mount(&server)
        .await;
    let project = Project::new(
        SECRETS,
        &source("x-401", &server.uri(), "query = \"banjir\""),
    );
    let r = round(&project).await;
    let r = result(&r, "x-401");
    assert!(r.failed);
    assert!(r.status.contains("HTTP 401: Unauthorized"), "{}", r.status);
    assert!(r.status.contains("x_bearer_token"), "{}", r.status);
    assert!(
        r.status.contains("PANTAU__SECRETS__X_BEARER_TOKEN"),
        "{}",
        r.status
    );
    assert!(r.status.contains("developer.x.com"), "{}", r.status);
    assert!(!r.status.contains(TOKEN));
    assert!(r.hint.unwrap().contains("[secrets]"));
    let row = health(&project, "x-401");
    assert_eq!(row.last_error_class.as_deref(), Some("auth"));

    let empty = MockServer::start().await;
    let project = Project::new(
        "",
        &source(
            "x-none",
            &empty.uri(),
            "query = \"banjir\"\nsecret = \"x_token_kantor\"",
        ),
    );
    let r = round(&project).await;
    assert!(r[0].failed);
    assert!(
        r[0].status.contains("[secrets] x_token_kantor"),
        "{}",
        r[0].status
    );
    assert!(
        r[0].status.contains("PANTAU__SECRETS__X_TOKEN_KANTOR"),
        "{}",
        r[0].status
    );
    assert!(empty.received_requests().await.unwrap().is_empty());
}

/// A body that is not X's answer fails the source with a parse error and keeps its cursor; an
/// answer with no `data` is an empty, healthy poll.
#[tokio::test(flavor = "multi_thread")]
async fn malformed_and_empty_answers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SEARCH))
        .and(query_param("query", "rusak"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            &br#"{"data":[{"id":"1","text":"potongan"#[..],
            "application/json",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SEARCH))
        .and(query_param("query", "kosong"))
        .respond_with(answer("empty"))
        .mount(&server)
        .await;
    let project = Project::new(
        SECRETS,
        &format!(
            "{}{}",
            source("x-rusak", &server.uri(), "query = \"rusak\""),
            source("x-kosong", &server.uri(), "query = \"kosong\"")
        ),
    );
    let r = round(&project).await;
    let bad = result(&r, "x-rusak");
    assert!(bad.failed);
    assert!(
        bad.status.contains("jawaban X bukan JSON"),
        "{}",
        bad.status
    );
    let fine = result(&r, "x-kosong");
    assert!(!fine.failed, "{}", fine.status);
    assert_eq!((fine.items_found, fine.new_posts), (0, 0));
    assert_eq!(
        project
            .with_store(|s| s.source_state(&"x-rusak".into()))
            .unwrap()
            .cursor,
        Cursor::Start
    );
    assert_eq!(count(&project, "SELECT count(*) FROM posts"), 0);
}

/// A `since_id` older than the search's 7 days is refused with 400: it is dropped and the
/// search read again without a lower bound, in the same poll.
#[tokio::test(flavor = "multi_thread")]
async fn a_stale_since_id_is_dropped() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SEARCH))
        .and(query_param_is_missing("since_id"))
        .and(query_param_is_missing("next_token"))
        .respond_with(answer("search_newer2"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SEARCH))
        .and(query_param("since_id", "1864000000000000100"))
        .respond_with(problem(400, "stale_since_id"))
        .mount(&server)
        .await;
    let project = Project::new(
        SECRETS,
        &source("x-lama", &server.uri(), "query = \"banjir\""),
    );
    assert!(!round(&project).await[0].failed);
    // As if the last poll were more than 7 days ago.
    seed_cursor(
        &project,
        "x-lama",
        r#"{"streams":{"search":{"since_id":"1864000000000000100"}}}"#,
    );
    let r = round(&project).await;
    let r = result(&r, "x-lama");
    assert!(!r.failed, "{}", r.status);
    assert_eq!(
        state(&project, "x-lama")["streams"]["search"]["since_id"],
        "1864000000000000206"
    );
    let reqs = requests(&server).await;
    let last_two: Vec<Option<&str>> = reqs[reqs.len() - 2..]
        .iter()
        .map(|(_, q)| param(q, "since_id"))
        .collect();
    assert_eq!(last_two, [Some("1864000000000000100"), None]);
}

/// Writes a source's cursor as the store keeps it.
fn seed_cursor(project: &Project, id: &str, value: &str) {
    let cursor = serde_json::to_string(&Cursor::Token {
        value: value.to_string(),
    })
    .unwrap();
    let changed = project
        .sql()
        .execute(
            "UPDATE sources SET cursor = ?1 WHERE id = ?2",
            &[&cursor, &id],
        )
        .unwrap();
    assert_eq!(changed, 1);
}

/// The budget is counted from `meta.result_count` across polls: pages ask for no more than is
/// left, and once less than the smallest page (10) is left no request is made; `pantau
/// sources` shows it.
#[tokio::test(flavor = "multi_thread")]
async fn the_monthly_budget_is_never_exceeded() {
    let server = MockServer::start().await;
    mount_two_pages(&server, search(), answer("search_page2")).await;
    let project = Project::new(
        SECRETS,
        &source(
            "x-hemat",
            &server.uri(),
            "query = \"banjir\"\nmax_posts_per_month = 13",
        ),
    );
    let r = round(&project).await;
    assert!(!result(&r, "x-hemat").failed);
    let reqs = requests(&server).await;
    let sizes: Vec<&str> = reqs
        .iter()
        .map(|(_, q)| param(q, "max_results").unwrap())
        .collect();
    // 13 left, then 11 left: each page asks for what is left.
    assert_eq!(sizes, ["13", "11"]);
    assert_eq!(state(&project, "x-hemat")["budget"]["used"], 4);

    // 9 left: less than search's smallest page, so nothing more is asked this month.
    seed_cursor(&project, "x-hemat", &{
        let mut s = state(&project, "x-hemat");
        s["budget"]["used"] = 4.into();
        s["streams"]["search"]["since_id"] = "1864000000000000100".into();
        s.to_string()
    });
    let r = round(&project).await;
    let r = result(&r, "x-hemat");
    assert!(!r.failed);
    assert_eq!(requests(&server).await.len(), 2);

    let out = project.pantau(&["sources", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let budget = &json["sources"][0]["budget"];
    assert_eq!(
        (budget["used"].as_u64(), budget["limit"].as_u64()),
        (Some(4), Some(13))
    );
    assert_eq!(budget["unit"], "pos");
    let text = common::stdout(&project.pantau(&["sources"]));
    assert!(text.contains("x-hemat: 4 dari 13 pos terpakai"), "{text}");
}

/// A budget too small for a search page (10) ends the search only: the account's timeline,
/// whose page may be 5, still reads what is left.
#[tokio::test(flavor = "multi_thread")]
async fn a_budget_too_small_for_the_search_still_reads_the_timelines() {
    let server = MockServer::start().await;
    let timeline = "/2/users/1460000000000000009/tweets";
    search()
        .and(query_param_is_missing("next_token"))
        .respond_with(answer("search_page1"))
        .expect(1)
        .mount(&server)
        .await;
    search()
        .and(query_param(
            "next_token",
            "b26v89c19zqg8o3fobd8v73egzbdt3qao235oql",
        ))
        .respond_with(answer("search_page2"))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/users/by"))
        .respond_with(answer("users_by"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(timeline))
        .and(query_param_is_missing("pagination_token"))
        .respond_with(answer("timeline_page1"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(timeline))
        .and(query_param(
            "pagination_token",
            "7140dibdnow9c7btw3w3itbygz8uu5pbs45oy6erjc2ls",
        ))
        .respond_with(answer("timeline_page2"))
        .mount(&server)
        .await;
    let project = Project::new(
        SECRETS,
        &source(
            "x-campur",
            &server.uri(),
            "query = \"banjir\"\naccounts = [\"HumasProvKaltim\"]\nmax_posts_per_month = 10",
        ),
    );
    let r = round(&project).await;
    let r = result(&r, "x-campur");
    assert!(!r.failed, "{}", r.status);
    let sizes: Vec<(String, String)> = requests(&server)
        .await
        .into_iter()
        .filter(|(p, _)| p != "/2/users/by")
        .map(|(p, q)| (p, param(&q, "max_results").unwrap().to_string()))
        .collect();
    // The search's first page leaves 8, short of its smallest page: the timeline reads 8 then 7.
    let expected: Vec<(String, String)> = [(SEARCH, "10"), (timeline, "8"), (timeline, "7")]
        .iter()
        .map(|(p, n)| (p.to_string(), n.to_string()))
        .collect();
    assert_eq!(sizes, expected);
    assert_eq!(state(&project, "x-campur")["budget"]["used"], 4);
    // The `expect` counts (no second search page) are checked when the server drops.
}

/// A real `pantau poll --once` takes the token from `PANTAU__SECRETS__X_BEARER_TOKEN`, sends it
/// as the bearer header, and no line of its output — at trace level, with a refused token —
/// shows it.
#[test]
fn the_token_comes_from_the_environment_and_never_reaches_a_log() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let secret = "AAAAAAAAAAAAAAAAAAAAAdariVariabelLingkungan%2Fxyz";
    let server = runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(SEARCH))
            .and(header("authorization", format!("Bearer {secret}").as_str()))
            .and(query_param("query", "banjir"))
            .respond_with(answer("search_newer2"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(SEARCH))
            .respond_with(problem(401, "unauthorized"))
            .mount(&server)
            .await;
        server
    });
    let project = Project::new(
        "",
        &format!(
            "{}{}",
            source("x-env", &server.uri(), "query = \"banjir\""),
            source("x-salah", &server.uri(), "query = \"longsor\"")
        ),
    );
    let config = project.config();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["--config", config.to_str().unwrap(), "poll", "--once"])
        .current_dir(project.path())
        .env_remove("PANTAU_CONFIG")
        .env("PANTAU__SECRETS__X_BEARER_TOKEN", secret)
        .env("RUST_LOG", "trace")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let (stdout, stderr) = (common::stdout(&out), common::stderr(&out));
    assert!(stdout.contains("x-env"), "{stdout}");
    assert!(stderr.len() > 1000, "trace logging ran: {stderr}");
    assert_eq!(
        count(
            &project,
            "SELECT count(*) FROM posts WHERE source_id = 'x-env'"
        ),
        1
    );
    assert!(stdout.contains("x_bearer_token"), "{stdout}");
    for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        assert!(!text.contains(secret), "{name} holds the token");
        assert!(
            !text.contains("dariVariabelLingkungan"),
            "{name} holds part of the token"
        );
    }
}
