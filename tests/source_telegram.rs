//! The `telegram` kind against a real HTTP server on loopback (wiremock) serving web-preview
//! pages (`/s/NAME`, `/s/NAME?before=ID`) written from Telegram's real markup: the first run,
//! a gap-free resume across two pages, pages that are not a channel preview, and malformed
//! messages.

mod common;

use common::{Project, fixture, query_i64, round};
use pantau::store::{Browse, Status};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PAGE: &str = "/s/humaskaltim";

fn html(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(
        fixture(&format!("telegram/{name}")),
        "text/html; charset=utf-8",
    )
}

fn project(server: &MockServer) -> Project {
    Project::new(
        "",
        &format!(
            "[[sources]]\nid = \"tg\"\nkind = \"telegram\"\nchannel = \"@humaskaltim\"\nurl = \"{}\"\n",
            server.uri()
        ),
    )
}

fn ids(project: &Project) -> Vec<String> {
    project
        .sql()
        .prepare("SELECT external_id FROM posts ORDER BY external_id")
        .unwrap()
        .query_map(&[], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The first run reads the newest page only: text messages (a forward and a reply among them)
/// are stored with their link, author and time; a photo without caption, a service message and
/// a message whose date is malformed are skipped; the cursor is the highest id on the page.
#[tokio::test(flavor = "multi_thread")]
async fn first_run_reads_the_newest_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(PAGE))
        .and(query_param_is_missing("before"))
        .respond_with(html("first.html"))
        .expect(1)
        .mount(&server)
        .await;
    let project = project(&server);
    let results = round(&project).await;
    let r = &results[0];
    assert!(!r.failed, "{}", r.status);
    assert_eq!((r.items_found, r.new_posts), (7, 4));
    assert_eq!(
        ids(&project),
        [
            "humaskaltim/1180",
            "humaskaltim/1182",
            "humaskaltim/1184",
            "humaskaltim/1186"
        ]
    );
    let mut store = project.store();
    let (url, author, text, published, shares): (String, String, String, String, i64) = common::sql(&store)
        .query_row(
            "SELECT url, author, text, published_at, shares FROM posts WHERE external_id = 'humaskaltim/1180'",
            &[],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(url, "https://t.me/humaskaltim/1180");
    assert_eq!(author, "Humas Pemprov Kaltim");
    assert_eq!(
        text,
        "📢 Gubernur tinjau banjir di Sempaja\nGubernur Kaltim meninjau warga terdampak banjir di \
         Kelurahan Sempaja Utara, Samarinda, Selasa pagi.\n#banjir #samarinda"
    );
    assert_eq!(published, "2026-11-25T00:15:03Z");
    assert_eq!(shares, 0);
    // The reply's own words, not the message it quotes; the link preview is not text.
    let reply: String = common::sql(&store)
        .query_row(
            "SELECT text FROM posts WHERE external_id = 'humaskaltim/1186'",
            &[],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        reply,
        "Update: air di Sempaja mulai surut, dapur umum tetap buka sampai Kamis 🙏"
    );
    let linked: String = common::sql(&store)
        .query_row(
            "SELECT text FROM posts WHERE external_id = 'humaskaltim/1184'",
            &[],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        linked.ends_with("Laporan: https://kaltimprov.go.id/lapor-jalan"),
        "{linked}"
    );
    assert_eq!(
        common::blocking(&mut store, |s| s.source_state(&"tg".into()))
            .unwrap()
            .cursor,
        pantau::model::Cursor::Token {
            value: "1186".into()
        }
    );
}

/// A restart whose newest page does not reach back to the cursor reads `?before=` the oldest
/// message of that page, stops once the page holds the message after the cursor, and stores
/// every message in between exactly once (deleted ids are simply absent). A poll with nothing
/// new reads one page.
#[tokio::test(flavor = "multi_thread")]
async fn a_resume_reads_back_to_the_cursor_without_a_gap() {
    let server = MockServer::start().await;
    let project = project(&server);
    Mock::given(path(PAGE))
        .respond_with(html("first.html"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    assert_eq!(round(&project).await[0].new_posts, 4);

    server.reset().await;
    Mock::given(path(PAGE))
        .and(query_param_is_missing("before"))
        .respond_with(html("newest.html"))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(path(PAGE))
        .and(query_param("before", "1196"))
        .respond_with(html("before_1196.html"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(PAGE))
        .and(query_param("before", "1184"))
        .respond_with(html("first.html"))
        .expect(0)
        .mount(&server)
        .await;
    let results = round(&project).await;
    let r = &results[0];
    assert!(!r.failed, "{}", r.status);
    assert_eq!((r.items_found, r.new_posts), (19, 15));
    let all = ids(&project);
    assert_eq!(all.len(), 19);
    for id in [1187, 1188, 1189, 1192, 1194, 1195, 1196, 1205] {
        assert!(all.contains(&format!("humaskaltim/{id}")), "{id} missing");
    }
    let store = project.store();
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM posts WHERE lower(text) LIKE 'pesan lama%'"
        ),
        0,
        "messages at or below the cursor are not taken again"
    );

    let again = round(&project).await;
    assert_eq!(again[0].new_posts, 0);
    server.verify().await;
}

/// A channel whose preview is off redirects to its plain page, and a login wall or any other
/// HTML page is not a preview either: each is a parse error that says so, and nothing is stored.
#[tokio::test(flavor = "multi_thread")]
async fn pages_that_are_not_a_channel_preview_are_parse_errors() {
    let server = MockServer::start().await;
    Mock::given(path(PAGE))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/humaskaltim"))
        .mount(&server)
        .await;
    Mock::given(path("/humaskaltim"))
        .respond_with(html("no_preview.html"))
        .mount(&server)
        .await;
    Mock::given(path("/s/kabarwall"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<!DOCTYPE html><html><head><title>Log in to Telegram</title></head><body><div class=\"login_form\">Masuk</div></body></html>",
            "text/html",
        ))
        .mount(&server)
        .await;
    let uri = server.uri();
    let project = Project::new(
        "",
        &format!(
            "[[sources]]\nid = \"tg\"\nkind = \"telegram\"\nchannel = \"humaskaltim\"\nurl = \"{uri}\"\n\
             [[sources]]\nid = \"wall\"\nkind = \"telegram\"\nchannel = \"kabarwall\"\nurl = \"{uri}\"\n"
        ),
    );
    let results = round(&project).await;
    let health = project.with_store(|s| s.sources_health(&[])).unwrap();
    for (id, page) in [("tg", "/humaskaltim"), ("wall", "/s/kabarwall")] {
        let r = results.iter().find(|r| r.source.as_str() == id).unwrap();
        assert!(r.failed, "{id}");
        assert!(
            r.status.contains(&format!(
                "halaman {uri}{page} bukan pratinjau kanal Telegram"
            )),
            "{id}: {}",
            r.status
        );
        let h = health.iter().find(|h| h.id.as_str() == id).unwrap();
        assert_eq!(h.last_error_class.as_deref(), Some("parse"));
    }
    assert_eq!(project.with_store(|s| s.count_posts()).unwrap(), 0);
}

/// A channel name that cannot be one is refused when the configuration is read.
#[test]
fn a_link_instead_of_a_name_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = pantau::engine::Config::from_str(
        "[[sources]]\nid = \"tg\"\nkind = \"telegram\"\nchannel = \"https://t.me/s/humaskaltim\"\n",
        dir.path(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("nama kanal"), "{err}");
    assert!(err.hint().unwrap().contains("humaskaltim"));
}
