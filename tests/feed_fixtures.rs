//! Feeds that a lenient reader (Python's feedparser) reads, served from loopback and polled
//! through the real path: each file of tests/fixtures/feeds/ gives its entries, titles and
//! links. A feed that makes a dependency panic fails its own source — one log line with
//! `class="panic"`, no backtrace, the failure in `pantau sources` — and the others in the
//! round succeed. `scripts/feeds-vs-feedparser.py` compares the same files with feedparser.

mod common;

use std::process::Command;

use common::{Project, feed_source, fixture, round, stderr, stdout};
use pantau::store::Status;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A fixture, and the (title, link) of each entry it must give, in any order.
struct Case {
    file: &'static str,
    entries: Vec<(String, String)>,
}

/// Entries `titles` linked as `https://portal.example/<prefix>/<n>`, as the fixtures write
/// them.
fn portal(prefix: &str, titles: &[&str]) -> Vec<(String, String)> {
    titles
        .iter()
        .enumerate()
        .map(|(i, t)| {
            (
                t.to_string(),
                format!("https://portal.example/{prefix}/{}", i + 1),
            )
        })
        .collect()
}

const LATIN: [&str; 3] = [
    "Prefeitura anuncia obras na região",
    "Café e açúcar sobem de preço",
    "Chuva forte em São Paulo",
];

fn cases() -> Vec<Case> {
    let numbered: Vec<String> = (1..=15)
        .map(|i| format!("Notícia número {i} do portal"))
        .collect();
    let numbered: Vec<&str> = numbered.iter().map(String::as_str).collect();
    let blog = |n: usize, title: &str| (title.to_string(), format!("https://blog.example/{n}"));
    vec![
        // quick-xml panicked on these three before the declaration was dropped: it switched
        // decoders after its 64-byte prefix was drained.
        Case {
            file: "decl-after-comment.xml",
            entries: portal("k", &LATIN),
        },
        Case {
            file: "decl-after-whitespace.xml",
            entries: portal("w", &LATIN),
        },
        Case {
            file: "utf16-declared-utf8.xml",
            entries: portal(
                "u",
                &["Banjir rendam Sempaja", "Harga cabai naik di Pasar Segiri"],
            ),
        },
        // Read before, but as mojibake: the reader switched to Latin-1 on decoded text.
        Case {
            file: "decl-after-newline.xml",
            entries: portal("n", &LATIN),
        },
        Case {
            file: "rss-no-version.xml",
            entries: portal("v", &numbered),
        },
        Case {
            file: "atom-unknown-types.xml",
            entries: vec![
                blog(1, "Jalan rusak di Loa Janan"),
                blog(2, "Air PDAM keruh"),
                blog(3, "Listrik padam"),
            ],
        },
        // Read correctly before; kept so.
        Case {
            file: "latin1-undeclared.xml",
            entries: portal("l", &LATIN),
        },
        Case {
            file: "html-entities.xml",
            entries: portal(
                "e",
                &["Café dan pasar", "Harga “naik” lagi", "Jalan & jembatan"],
            ),
        },
        Case {
            file: "leading-comment.xml",
            entries: portal("c", &["Banjir di Samarinda", "Kebakaran di Balikpapan"]),
        },
        Case {
            file: "utf16-bom.xml",
            entries: portal(
                "b",
                &["Pelabuhan Samarinda ramai", "Café baru di Tenggarong"],
            ),
        },
    ]
}

/// The source id of a fixture: its name without `.xml`.
fn id(file: &str) -> &str {
    file.trim_end_matches(".xml")
}

/// A loopback server answering `/<file>` with each fixture, as a feed with no charset named.
async fn serve(files: &[&str]) -> MockServer {
    let server = MockServer::start().await;
    for file in files {
        Mock::given(method("GET"))
            .and(path(format!("/{file}")))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(fixture(&format!("feeds/{file}")), "application/rss+xml"),
            )
            .mount(&server)
            .await;
    }
    server
}

fn sources(server: &MockServer, files: &[&str]) -> String {
    files
        .iter()
        .map(|f| feed_source(id(f), &format!("{}/{f}", server.uri()), ""))
        .collect()
}

/// Every fixture's entries, by title and link, through one polling round.
#[tokio::test(flavor = "multi_thread")]
async fn every_fixture_gives_its_entries() {
    let cases = cases();
    let files: Vec<&str> = cases.iter().map(|c| c.file).collect();
    let server = serve(&files).await;
    let project = Project::new("", &sources(&server, &files));
    let results = round(&project).await;

    let db = project.sql();
    for case in &cases {
        let result = common::result(&results, id(case.file));
        assert!(!result.failed, "{}: {result:?}", case.file);
        let mut stored: Vec<(String, String)> = db
            .prepare("SELECT title, url FROM posts WHERE source_id = ?1")
            .unwrap()
            .query_map(&[&id(case.file)], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        stored.sort();
        let mut expected = case.entries.clone();
        expected.sort();
        assert_eq!(stored, expected, "{}", case.file);
    }
}

/// A field of an unknown type loses that field only: the xhtml content is read as HTML, a
/// base64 body is not taken for words (the summary stands in), a `text/plain` summary stays.
#[tokio::test(flavor = "multi_thread")]
async fn unknown_content_types_lose_only_their_field() {
    let files = ["atom-unknown-types.xml"];
    let server = serve(&files).await;
    let project = Project::new("", &sources(&server, &files));
    round(&project).await;

    let db = project.sql();
    let text = |url: &str| -> String {
        db.query_row("SELECT text FROM posts WHERE url = ?1", &[&url], |r| {
            r.get(0)
        })
        .unwrap()
    };
    assert_eq!(text("https://blog.example/1"), "Lubang sedalam 30 cm.");
    assert_eq!(text("https://blog.example/2"), "Warga mengeluh sejak pagi.");
    assert_eq!(
        text("https://blog.example/3"),
        "Padam tiga jam di Sangatta."
    );
}

/// feed-rs panics on a Media RSS time past u64 (it unwraps the number). Polled by the real
/// binary — with `RUST_BACKTRACE=1`, which must not bring a backtrace for a caught panic —
/// beside a good feed: stderr has one line about it, the good feed is stored, and
/// `pantau sources` shows the failure with its advice.
#[tokio::test(flavor = "multi_thread")]
async fn a_panicking_feed_is_one_log_line_and_its_sources_failure() {
    let files = ["media-time-overflow.xml", "rss-no-version.xml"];
    let server = serve(&files).await;
    let project = Project::new("", &sources(&server, &files));
    let config = project.config();
    let dir = project.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_pantau"))
            .args(["--config", config.to_str().unwrap(), "poll", "--once"])
            .current_dir(dir)
            .env("RUST_BACKTRACE", "1")
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    })
    .await
    .unwrap();

    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "one source of two failed: {err}"
    );
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("panic")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    for expected in [
        "source=media-time-overflow",
        "class=\"panic\"",
        "ParseIntError",
        "feed-rs-3.0.0/src/parser/util/mod.rs",
    ] {
        assert!(lines[0].contains(expected), "{expected}: {}", lines[0]);
    }
    for never in [
        "panicked at",
        "stack backtrace",
        "tokio-rt-worker",
        "RUST_BACKTRACE",
    ] {
        assert!(!err.contains(never), "{never}: {err}");
    }

    let mut store = project.store();
    let health = common::blocking(&mut store, |s| s.sources_health(&[])).unwrap();
    let bad = health
        .iter()
        .find(|h| h.id.as_str() == "media-time-overflow")
        .unwrap();
    assert_eq!(bad.last_error_class.as_deref(), Some("panic"));
    assert_eq!(bad.consecutive_failures, 1);
    let good = health
        .iter()
        .find(|h| h.id.as_str() == "rss-no-version")
        .unwrap();
    assert_eq!((good.consecutive_failures, good.items_seen), (0, 15));

    let listed = project.pantau(&["sources"]);
    let text = stdout(&listed);
    assert!(text.contains("gagal (panic)"), "{text}");
    assert!(text.contains("galat internal (panic): called"), "{text}");
    assert!(
        text.contains("saran untuk media-time-overflow: isi sumber ini membuat pengurai gagal"),
        "{text}"
    );
}
