//! The `youtube_comments` kind against a real HTTP server on loopback (wiremock) serving the
//! YouTube Data API v3's own shapes: a search then the comment threads of its videos with
//! `nextPageToken` paging, a resume after a restart, a channel's uploads, the daily budget,
//! `quotaExceeded`, `commentsDisabled`, wrong and missing keys, a malformed body, an empty
//! result, and a key that never shows in a log or an error.
//!
//! The fixtures' times are those of a day in December 2026; each body is shifted so that
//! `FIXTURE_NOW` is now, since the source reads only videos of its `lookback`.

mod common;

use common::{Project, fixture, query_i64, result, round};
use jiff::{SignedDuration, Timestamp};
use pantau::model::Cursor;
use pantau::store::Status;
use serde_json::Value;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "AIzaSyUJI-kunci_rahasia_0123456789abcd";
const FIXTURE_NOW: &str = "2026-12-06T12:30:00Z";
const SEARCH: &str = "/youtube/v3/search";
const THREADS: &str = "/youtube/v3/commentThreads";
const VIDEO_A: &str = "kT3mBnJr5aQ";
const VIDEO_B: &str = "Wq9xLp2Hs7c";
const VIDEO_C: &str = "Mn5bV8cX1zQ";

/// A fixture with its times moved so that `FIXTURE_NOW` is now.
fn shifted(name: &str) -> Vec<u8> {
    let shift = Timestamp::now().duration_since(FIXTURE_NOW.parse().unwrap());
    let mut json: Value = serde_json::from_slice(&fixture(&format!("youtube/{name}"))).unwrap();
    shift_times(&mut json, shift);
    serde_json::to_vec_pretty(&json).unwrap()
}

fn shift_times(v: &mut Value, by: SignedDuration) {
    match v {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                let time = [
                    "publishedAt",
                    "updatedAt",
                    "videoPublishedAt",
                    "publishTime",
                ];
                match v.as_str().and_then(|s| s.parse::<Timestamp>().ok()) {
                    Some(t) if time.contains(&k.as_str()) => {
                        *v = Value::String((t + by).round(jiff::Unit::Second).unwrap().to_string())
                    }
                    _ => shift_times(v, by),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| shift_times(v, by)),
        _ => {}
    }
}

fn ok(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(shifted(name), "application/json; charset=UTF-8")
}

fn refused(status: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(
        fixture(&format!("youtube/{name}")),
        "application/json; charset=UTF-8",
    )
}

/// A project with the key in `[secrets]` and one source reading `base`.
fn project(base: &str, keys: &str) -> Project {
    Project::new(
        &format!("[secrets]\nyoutube_api_key = \"{KEY}\"\n"),
        &source("yt-kaltim", base, keys),
    )
}

fn source(id: &str, base: &str, keys: &str) -> String {
    format!(
        "[[sources]]\nid = \"{id}\"\nkind = \"youtube_comments\"\nbase_url = \"{base}/youtube/v3\"\n{keys}\n"
    )
}

const QUERY: &str = "query = \"banjir samarinda\"\nvideos_per_poll = 3";

/// The search, with every parameter as documented and the key.
async fn mount_search(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(SEARCH))
        .and(query_param("part", "snippet"))
        .and(query_param("type", "video"))
        .and(query_param("q", "banjir samarinda"))
        .and(query_param("regionCode", "ID"))
        .and(query_param("relevanceLanguage", "id"))
        .and(query_param("order", "date"))
        .and(query_param("maxResults", "3"))
        .and(query_param("key", KEY))
        .and(PublishedAfter)
        .respond_with(response)
        .mount(server)
        .await;
}

/// `publishedAfter` is an RFC 3339 instant about `lookback` (3 days) ago.
struct PublishedAfter;

impl wiremock::Match for PublishedAfter {
    fn matches(&self, request: &Request) -> bool {
        let Some((_, after)) = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "publishedAfter")
        else {
            return false;
        };
        let Ok(after) = after.parse::<Timestamp>() else {
            return false;
        };
        let ago = Timestamp::now().duration_since(after);
        ago >= SignedDuration::from_hours(72)
            && ago < SignedDuration::from_hours(72) + SignedDuration::from_mins(1)
    }
}

/// The first page of `video`'s threads, with the documented parameters.
async fn mount_threads(server: &MockServer, video: &str, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(THREADS))
        .and(query_param("part", "snippet"))
        .and(query_param("videoId", video))
        .and(query_param("order", "time"))
        .and(query_param("maxResults", "100"))
        .and(query_param("textFormat", "plainText"))
        .and(query_param("key", KEY))
        .and(query_param_is_missing("pageToken"))
        .respond_with(response)
        .mount(server)
        .await;
}

async fn mount_threads_page2(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(THREADS))
        .and(query_param("videoId", VIDEO_A))
        .and(query_param(
            "pageToken",
            "QURTSl9pMnVDX0pQbGlwZGZ1RHhMSmVpX2V5S1FwS2VfZ2Jja1B3",
        ))
        .respond_with(ok("threads_video_a_p2.json"))
        .mount(server)
        .await;
}

/// Requests to `path` so far, optionally only those for `video`.
async fn requests(server: &MockServer, to: &str, video: Option<&str>) -> usize {
    let all = server.received_requests().await.unwrap();
    all.iter()
        .filter(|r| r.url.path() == to)
        .filter(|r| {
            video.is_none_or(|v| r.url.query_pairs().any(|(k, x)| k == "videoId" && x == v))
        })
        .count()
}

/// The source's cursor as JSON.
fn cursor(project: &Project, id: &str) -> Value {
    match project
        .with_store(|s| s.source_state(&id.into()))
        .unwrap()
        .cursor
    {
        Cursor::Token { value } => serde_json::from_str(&value).unwrap(),
        other => panic!("no cursor yet: {other:?}"),
    }
}

/// The source's last error class and message, as `pantau sources` reads them.
fn health(project: &Project, id: &str) -> (Option<String>, Option<String>) {
    let row = project
        .with_store(|s| s.sources_health(&[]))
        .unwrap()
        .into_iter()
        .find(|h| h.id.to_string() == id)
        .unwrap_or_else(|| panic!("no health row for {id}"));
    (row.last_error_class, row.last_error)
}

/// A search, then each video's comment threads newest first, following `nextPageToken`; each
/// top-level comment a post with its author, likes, replies, link and the video as its title.
#[tokio::test(flavor = "multi_thread")]
async fn first_poll_reads_the_search_then_the_comment_threads_page_by_page() {
    let server = MockServer::start().await;
    mount_search(&server, ok("search_kaltim.json")).await;
    mount_threads(&server, VIDEO_A, ok("threads_video_a_p1.json")).await;
    mount_threads_page2(&server).await;
    mount_threads(&server, VIDEO_B, ok("threads_video_b.json")).await;
    mount_threads(&server, VIDEO_C, ok("threads_empty.json")).await;
    let project = project(&server.uri(), QUERY);

    let results = round(&project).await;
    let r = result(&results, "yt-kaltim");
    assert!(!r.failed, "{}", r.status);
    // 5 threads of video A over two pages, 3 of B (one malformed, skipped), none of C.
    assert_eq!((r.items_found, r.new_posts), (8, 7));
    assert_eq!(server.received_requests().await.unwrap().len(), 5);

    let (url, title, text, author, likes, comments, platform, published): (
        String,
        String,
        String,
        String,
        i64,
        i64,
        String,
        String,
    ) = project
        .sql()
        .query_row(
            "SELECT url, title, text, author, likes, comments, platform, published_at FROM posts
             WHERE external_id = 'UgzA1aRt7yQ2nX9kB4d4AaABAg'",
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
        url,
        "https://www.youtube.com/watch?v=kT3mBnJr5aQ&lc=UgzA1aRt7yQ2nX9kB4d4AaABAg"
    );
    // The search's HTML-escaped title, as text.
    assert_eq!(
        title,
        "Banjir Rendam Sempaja, Warga & Relawan Evakuasi Lansia"
    );
    assert!(
        text.starts_with("Air sudah masuk rumah sejak subuh"),
        "{text}"
    );
    assert_eq!(author, "@wargasempaja");
    assert_eq!((likes, comments), (41, 6));
    assert_eq!(platform, "youtube");
    let published: Timestamp = published.parse().unwrap();
    let age = Timestamp::now().duration_since(published);
    assert!(
        age > SignedDuration::from_mins(49) && age < SignedDuration::from_mins(52),
        "{age:?}"
    );
    // The flood comments are tagged like any post.
    let store = project.store();
    assert!(
        query_i64(
            &store,
            "SELECT count(*) FROM post_topics WHERE topic_id = 'banjir'"
        ) >= 2
    );

    // Spent: one search (100) and four list calls (1 each), on today's Pacific date.
    let state = cursor(&project, "yt-kaltim");
    assert_eq!(state["quota"]["spent"], 104);
    let pacific = Timestamp::now()
        .in_tz("America/Los_Angeles")
        .unwrap()
        .date();
    assert_eq!(state["quota"]["day"], pacific.to_string());
    assert_eq!(state["videos"].as_array().unwrap().len(), 3);
}

/// A restart reads only what is new: the first page stops at the newest comment seen before
/// (whose grown like count is kept), no page is read twice, the search waits for
/// `discover_every`, and nothing is stored twice.
#[tokio::test(flavor = "multi_thread")]
async fn a_restart_resumes_at_the_newest_comment_seen_without_duplicates_or_gaps() {
    let server = MockServer::start().await;
    mount_search(&server, ok("search_kaltim.json")).await;
    Mock::given(path(THREADS))
        .and(query_param("videoId", VIDEO_A))
        .and(query_param_is_missing("pageToken"))
        .respond_with(ok("threads_video_a_p1.json"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_threads(&server, VIDEO_A, ok("threads_video_a_new.json")).await;
    mount_threads_page2(&server).await;
    mount_threads(&server, VIDEO_B, ok("threads_video_b.json")).await;
    mount_threads(&server, VIDEO_C, ok("threads_empty.json")).await;
    let project = project(&server.uri(), QUERY);

    let first = round(&project).await;
    assert_eq!(result(&first, "yt-kaltim").new_posts, 7);
    // Each round opens the store afresh: a restart.
    let second = round(&project).await;
    let r = result(&second, "yt-kaltim");
    assert!(!r.failed, "{}", r.status);
    assert_eq!(r.new_posts, 2, "{}", r.status);

    let store = project.store();
    assert_eq!(query_i64(&store, "SELECT count(*) FROM posts"), 9);
    assert_eq!(
        query_i64(
            &store,
            "SELECT likes FROM posts WHERE external_id = 'UgzA1aRt7yQ2nX9kB4d4AaABAg'"
        ),
        58
    );
    assert_eq!(requests(&server, SEARCH, None).await, 1);
    // Page 2 of video A only in the first round: the second stopped on its first page.
    let paged = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.query_pairs().any(|(k, _)| k == "pageToken"))
        .count();
    assert_eq!(paged, 1);
    assert_eq!(requests(&server, THREADS, Some(VIDEO_A)).await, 3);
    assert_eq!(cursor(&project, "yt-kaltim")["quota"]["spent"], 107);
}

/// A listed channel: its uploads playlist looked up once with channels.list, its recent
/// uploads with playlistItems.list (a private video left out), and their comments; no search.
#[tokio::test(flavor = "multi_thread")]
async fn a_channel_is_read_through_its_uploads_playlist_for_one_unit_a_call() {
    let server = MockServer::start().await;
    Mock::given(path("/youtube/v3/channels"))
        .and(query_param("part", "contentDetails"))
        .and(query_param("id", "UCq8vR2tYb5nM3kL7wX1pZ4e"))
        .and(query_param("key", KEY))
        .respond_with(ok("channels_uploads.json"))
        .mount(&server)
        .await;
    Mock::given(path("/youtube/v3/playlistItems"))
        .and(query_param("part", "snippet,contentDetails"))
        .and(query_param("playlistId", "UUq8vR2tYb5nM3kL7wX1pZ4e"))
        .and(query_param("maxResults", "10"))
        .and(query_param("key", KEY))
        .respond_with(ok("playlist_items_uploads.json"))
        .mount(&server)
        .await;
    mount_threads(&server, VIDEO_A, ok("threads_video_a_p1.json")).await;
    mount_threads_page2(&server).await;
    let project = project(&server.uri(), "channels = [\"UCq8vR2tYb5nM3kL7wX1pZ4e\"]");

    let results = round(&project).await;
    let r = result(&results, "yt-kaltim");
    assert!(!r.failed, "{}", r.status);
    assert_eq!(r.new_posts, 5);
    assert_eq!(requests(&server, SEARCH, None).await, 0);
    assert_eq!(requests(&server, THREADS, Some("Pr1vat3Vid0")).await, 0);
    let state = cursor(&project, "yt-kaltim");
    assert_eq!(
        state["uploads"]["UCq8vR2tYb5nM3kL7wX1pZ4e"],
        "UUq8vR2tYb5nM3kL7wX1pZ4e"
    );
    assert_eq!(state["quota"]["spent"], 4);
    // The playlist's title is not escaped, and is kept as written.
    let title: String = project
        .sql()
        .query_row("SELECT title FROM posts LIMIT 1", &[], |r| r.get(0))
        .unwrap();
    assert_eq!(
        title,
        "Banjir Rendam Sempaja, Warga & Relawan Evakuasi Lansia"
    );
}

/// With 102 units a day, the search (100) and two thread pages fit; nothing more is asked that
/// day, and the next poll makes no request at all.
#[tokio::test(flavor = "multi_thread")]
async fn the_daily_budget_is_never_overspent() {
    let server = MockServer::start().await;
    mount_search(&server, ok("search_kaltim.json")).await;
    mount_threads(&server, VIDEO_A, ok("threads_video_a_p1.json")).await;
    mount_threads_page2(&server).await;
    mount_threads(&server, VIDEO_B, ok("threads_video_b.json")).await;
    let project = project(&server.uri(), &format!("{QUERY}\ndaily_quota = 102"));

    let first = round(&project).await;
    let r = result(&first, "yt-kaltim");
    assert!(!r.failed, "{}", r.status);
    assert_eq!(r.new_posts, 5);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    assert_eq!(requests(&server, THREADS, Some(VIDEO_B)).await, 0);

    let second = round(&project).await;
    let r = result(&second, "yt-kaltim");
    assert!(!r.failed, "{}", r.status);
    assert_eq!(r.status, "tidak berubah");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    assert_eq!(cursor(&project, "yt-kaltim")["quota"]["spent"], 102);
}

/// `quotaExceeded` fails the poll as `quota` and the next attempt waits for midnight Pacific.
#[tokio::test(flavor = "multi_thread")]
async fn quota_exceeded_waits_until_midnight_pacific() {
    let server = MockServer::start().await;
    mount_search(&server, refused(403, "error_quota_exceeded.json")).await;
    let project = project(&server.uri(), QUERY);

    let before = Timestamp::now();
    let results = round(&project).await;
    let after = Timestamp::now();
    let r = result(&results, "yt-kaltim");
    assert!(r.failed);
    assert!(
        r.status.contains("quotaExceeded") && r.status.contains("Pasifik"),
        "{}",
        r.status
    );
    // The concrete advice is the message's, so `pantau sources` shows it too; the hint is
    // the class's, the same one `pantau sources` gives.
    assert!(
        r.status.contains("tengah malam waktu Pasifik"),
        "{}",
        r.status
    );
    assert!(r.status.contains("daily_quota"), "{}", r.status);
    assert!(r.hint.unwrap().contains("jatah"));
    assert_eq!(health(&project, "yt-kaltim").0.as_deref(), Some("quota"));

    let next_midnight = |at: Timestamp| {
        let tz = jiff::tz::TimeZone::get("America/Los_Angeles").unwrap();
        at.to_zoned_datetime(tz.clone())
            .date()
            .tomorrow()
            .unwrap()
            .to_zoned_datetime(tz)
            .unwrap()
            .timestamp()
    };
    let next = project
        .with_store(|s| s.source_state(&"yt-kaltim".into()))
        .unwrap()
        .next_attempt
        .unwrap();
    let midnight = next_midnight(before);
    assert!(next >= midnight, "{next} before {midnight}");
    // A failed poll waits at least the source's interval (15 minutes by default), so within
    // that much of midnight Pacific the interval is the wait; the loop adds up to 10 % of
    // jitter on top, never below the wait.
    let wait = (next_midnight(after).duration_since(after) + SignedDuration::from_mins(1))
        .max(SignedDuration::from_mins(15));
    assert!(
        next <= after + wait.mul_f64(1.1) + SignedDuration::from_mins(1),
        "{next}"
    );
}

/// A video whose comments are off is skipped (and remembered); the others are read.
#[tokio::test(flavor = "multi_thread")]
async fn comments_disabled_skips_that_video_only() {
    let server = MockServer::start().await;
    mount_search(&server, ok("search_kaltim.json")).await;
    mount_threads(
        &server,
        VIDEO_A,
        refused(403, "error_comments_disabled.json"),
    )
    .await;
    mount_threads(&server, VIDEO_B, ok("threads_video_b.json")).await;
    mount_threads(&server, VIDEO_C, ok("threads_empty.json")).await;
    let project = project(&server.uri(), QUERY);

    let r = round(&project).await;
    let r = result(&r, "yt-kaltim");
    assert!(!r.failed, "{}", r.status);
    assert_eq!(r.new_posts, 2);
    let r = round(&project).await;
    assert!(!result(&r, "yt-kaltim").failed);
    assert_eq!(requests(&server, THREADS, Some(VIDEO_A)).await, 1);
    assert_eq!(requests(&server, THREADS, Some(VIDEO_B)).await, 2);
    let state = cursor(&project, "yt-kaltim");
    let a = state["videos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == VIDEO_A)
        .unwrap();
    assert_eq!(a["disabled"], true);
}

/// A wrong key (both shapes Google answers with) or a refused one is `auth`, with a `saran:`
/// on renewing it; a missing one too, before any request.
#[tokio::test(flavor = "multi_thread")]
async fn wrong_refused_and_missing_keys_are_auth_failures_with_advice() {
    for (status, body, says) in [
        (400, "error_key_invalid.json", "API key not valid"),
        (400, "error_key_invalid_legacy.json", "Bad Request"),
    ] {
        let server = MockServer::start().await;
        mount_search(&server, refused(status, body)).await;
        let project = project(&server.uri(), QUERY);
        let results = round(&project).await;
        let r = result(&results, "yt-kaltim");
        assert!(r.failed && r.status.contains(says), "{body}: {}", r.status);
        assert!(
            r.status.contains("[secrets] youtube_api_key"),
            "{}",
            r.status
        );
        // The advice is the message's (stored, so `pantau sources` shows it); the hint is
        // the `auth` class's, which also says how often the source is tried.
        assert!(r.status.contains("Google Cloud Console"), "{}", r.status);
        assert!(r.hint.unwrap().contains("sekali sejam"));
        assert_eq!(
            health(&project, "yt-kaltim").0.as_deref(),
            Some("auth"),
            "{body}"
        );
    }

    let server = MockServer::start().await;
    mount_search(
        &server,
        ResponseTemplate::new(403).set_body_string(
            r#"{"error":{"code":403,"message":"The request is not properly authorized.","errors":[{"message":"The request is not properly authorized.","domain":"youtube.common","reason":"forbidden"}]}}"#,
        ),
    )
    .await;
    let refused_key = project(&server.uri(), QUERY);
    let r = round(&refused_key).await;
    assert_eq!(
        health(&refused_key, "yt-kaltim").0.as_deref(),
        Some("auth"),
        "{}",
        result(&r, "yt-kaltim").status
    );
    // Nothing changes until someone renews the key: tried again no sooner than an hour.
    let next = refused_key
        .with_store(|s| s.source_state(&"yt-kaltim".into()))
        .unwrap()
        .next_attempt
        .unwrap();
    assert!(
        next >= Timestamp::now() + SignedDuration::from_mins(59),
        "{next}"
    );

    let server = MockServer::start().await;
    let missing = Project::new(
        "",
        &source(
            "yt-kaltim",
            &server.uri(),
            &format!("{QUERY}\nsecret = \"kunci_kanal\""),
        ),
    );
    let results = round(&missing).await;
    let r = result(&results, "yt-kaltim");
    assert!(r.failed);
    assert!(
        r.status.contains("[secrets] kunci_kanal")
            && r.status.contains("PANTAU__SECRETS__KUNCI_KANAL"),
        "{}",
        r.status
    );
    assert!(r.status.contains("Google Cloud Console"), "{}", r.status);
    assert!(r.hint.unwrap().contains("sekali sejam"));
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
}

/// A body that is not the API's JSON fails that source alone; its cursor does not move.
#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_body_fails_that_source_alone() {
    let server = MockServer::start().await;
    Mock::given(path(SEARCH))
        .and(query_param("q", "rusak"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("<html><body>Server Error</body></html>"),
        )
        .mount(&server)
        .await;
    Mock::given(path(SEARCH))
        .and(query_param("q", "bukan daftar"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(r#"{"kind":"youtube#videoListResponse","items":[]}"#),
        )
        .mount(&server)
        .await;
    mount_search(&server, ok("search_empty.json")).await;
    let sources = [
        source("yt-rusak", &server.uri(), "query = \"rusak\""),
        source("yt-lain", &server.uri(), "query = \"bukan daftar\""),
        source("yt-sehat", &server.uri(), QUERY),
    ]
    .concat();
    let project = Project::new(
        &format!("[secrets]\nyoutube_api_key = \"{KEY}\"\n"),
        &sources,
    );

    let results = round(&project).await;
    for id in ["yt-rusak", "yt-lain"] {
        let r = result(&results, id);
        assert!(r.failed, "{id}");
        assert_eq!(
            health(&project, id).0.as_deref(),
            Some("parse"),
            "{}",
            r.status
        );
        assert_eq!(
            project
                .with_store(|s| s.source_state(&id.into()))
                .unwrap()
                .cursor,
            Cursor::Start
        );
    }
    assert!(
        result(&results, "yt-lain")
            .status
            .contains("youtube#searchListResponse")
    );
    let r = result(&results, "yt-sehat");
    assert!(!r.failed, "{}", r.status);
}

/// No video matches: one search, nothing stored, and the refresh counted as done.
#[tokio::test(flavor = "multi_thread")]
async fn an_empty_search_stores_nothing_and_waits_for_the_next_refresh() {
    let server = MockServer::start().await;
    mount_search(&server, ok("search_empty.json")).await;
    let project = project(&server.uri(), QUERY);
    let results = round(&project).await;
    let r = result(&results, "yt-kaltim");
    assert!(!r.failed, "{}", r.status);
    assert_eq!((r.items_found, r.new_posts), (0, 0));
    let results = round(&project).await;
    assert!(!result(&results, "yt-kaltim").failed);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    let state = cursor(&project, "yt-kaltim");
    assert!(state["discovered"].is_string());
    assert_eq!(state["quota"]["spent"], 100);
}

/// The key, which travels in the URL, shows nowhere: not in the output or the debug log of
/// `pantau poll --once` when the connection fails (the HTTP client's error names the URL), nor
/// in the health the database keeps.
#[test]
fn the_key_never_shows_in_logs_output_or_the_database() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let project = Project::new(
        &format!("[log]\nlevel = \"debug\"\n\n[secrets]\nyoutube_api_key = \"{KEY}\"\n"),
        &source("yt-kaltim", &base, QUERY),
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
        .env("RUST_LOG", "debug")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let shown = format!("{}{}", common::stdout(&out), common::stderr(&out));
    assert!(shown.contains("gagal"), "{shown}");
    assert!(
        shown.contains("/youtube/v3/search"),
        "the request is logged: {shown}"
    );
    assert!(!shown.contains(KEY), "{shown}");
    let (class, error) = health(&project, "yt-kaltim");
    assert_eq!(class.as_deref(), Some("connect"));
    let error = error.unwrap();
    assert!(!error.contains(KEY), "{error}");
    let logged: String = project
        .sql()
        .query_row("SELECT string_agg(error, ' ') FROM fetch_log", &[], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(!logged.contains(KEY), "{logged}");
}
