//! The `google_news` and `youtube` kinds against a real HTTP server on loopback (wiremock),
//! serving a Google News search RSS and a YouTube uploads feed in their real shapes: the
//! address built from the configuration, the publisher moved out of the title.

mod common;

use common::{Project, fixture, query_i64, round};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A round in which every source succeeded.
async fn round_ok(project: &Project) {
    let results = round(project).await;
    assert!(results.iter().all(|r| !r.failed), "{results:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn google_news_searches_in_indonesian_and_splits_the_publisher() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rss/search"))
        .and(query_param("q", "banjir samarinda"))
        .and(query_param("hl", "id"))
        .and(query_param("gl", "ID"))
        .and(query_param("ceid", "ID:id"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            fixture("google_news/search.xml"),
            "application/rss+xml; charset=utf-8",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let project = Project::new(
        "",
        &format!(
            "[[sources]]\nid = \"gn\"\nkind = \"google_news\"\nquery = \"banjir samarinda\"\nurl = \"{}\"\n",
            server.uri()
        ),
    );
    round_ok(&project).await;
    let store = project.store();
    assert_eq!(query_i64(&store, "SELECT count(*) FROM posts"), 2);
    let (title, author): (String, String) = common::sql(&store)
        .query_row(
            "SELECT title, author FROM posts WHERE external_id = 'CBMifkFVX3lxTFBRd2VqT2JQ'",
            &[],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    // The last " - " splits: a dash inside the headline stays.
    assert_eq!(
        title,
        "BPBD Samarinda - Kaltim Catat 12 Titik Banjir Usai Hujan Lebat"
    );
    assert_eq!(author, "Kaltim Post");
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM post_topics WHERE topic_id = 'banjir'"
        ),
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn youtube_reads_a_channels_uploads() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/feeds/videos.xml"))
        .and(query_param("channel_id", "UCaaaaaaaaaaaaaaaaaaaaaa"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            fixture("youtube/videos.xml"),
            "application/atom+xml; charset=utf-8",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let project = Project::new(
        "",
        &format!(
            "[[sources]]\nid = \"yt\"\nkind = \"youtube\"\nchannel = \"UCaaaaaaaaaaaaaaaaaaaaaa\"\nurl = \"{}\"\n",
            server.uri()
        ),
    );
    round_ok(&project).await;
    let store = project.store();
    let (url, title): (String, String) = common::sql(&store)
        .query_row("SELECT url, title FROM posts", &[], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(url, "https://www.youtube.com/watch?v=abcDEF12345");
    assert!(title.starts_with("Kapal Tongkang Tabrak Pilar"));
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM post_topics WHERE topic_id = 'jembatan-mahakam'"
        ),
        1
    );
}

#[test]
fn a_youtube_source_needs_one_id() {
    for (keys, want) in [
        ("", "channel"),
        ("channel = \"UCa\"\nplaylist = \"PLb\"\n", "bersamaan"),
        ("channel = \"@humaskaltim\"\n", "tidak valid"),
    ] {
        let project = Project::new(
            "",
            &format!("[[sources]]\nid = \"yt\"\nkind = \"youtube\"\n{keys}"),
        );
        let err = pantau::engine::Config::load(Some(&project.config()))
            .unwrap_err()
            .to_string();
        assert!(err.contains(want), "{keys:?}: {err}");
    }
}
