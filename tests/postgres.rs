//! One installation, two backends: the same posts imported into a SQLite project and into a
//! PostgreSQL one (`[storage] url`) give the same answers to every command a user runs, and a
//! poll of the same feeds stores the same posts. The PostgreSQL halves need a test server
//! (`PANTAU_TEST_POSTGRES`, see scripts/pg-test-cluster.sh); without one they are skipped with
//! a notice, and CI (PANTAU_REQUIRE_POSTGRES) never skips them.

mod common;

use std::path::{Path, PathBuf};

use common::daemon::Daemon;
use common::{Project, pantau_in, stderr, stdout};
use pantau::store::testing::TestDb;

/// A project reading the demo's feeds and keyword lists, storing in SQLite or in `db`.
struct Side {
    dir: tempfile::TempDir,
}

impl Side {
    fn new(demo: &Path, db: Option<&TestDb>) -> Side {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        let config = std::fs::read_to_string(demo.join("config/default.toml")).unwrap();
        std::fs::write(dir.path().join("config/default.toml"), config).unwrap();
        copy_dir(&demo.join("keywords"), &dir.path().join("keywords"));
        if let Some(db) = db {
            std::fs::write(
                dir.path().join("config/local.toml"),
                format!("[storage]\n{}", db.storage_toml()),
            )
            .unwrap();
        }
        Side { dir }
    }

    fn run(&self, args: &[&str]) -> String {
        let config = self.dir.path().join("config/default.toml");
        let mut all = vec!["--config", config.to_str().unwrap()];
        all.extend_from_slice(args);
        let out = pantau_in(self.dir.path(), &all);
        assert!(
            out.status.success(),
            "pantau {args:?}: {}\n{}",
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    }

    fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The demo installation (its feeds shifted to now), and its posts exported as JSON Lines.
fn demo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let out = pantau_in(dir.path(), &["demo", "--out", demo.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let posts = dir.path().join("posts.jsonl");
    let config = demo.join("config/default.toml");
    let out = pantau_in(
        &demo,
        &[
            "--config",
            config.to_str().unwrap(),
            "export",
            "--format",
            "jsonl",
            "--since",
            "2000-01-01",
            "--include-mentioned",
            "--out",
            posts.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // Export's records carry more than import takes (tags, reach, the stored id): keep what a
    // source would send.
    let records: String = std::fs::read_to_string(&posts)
        .unwrap()
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let record = serde_json::json!({
                "source": v["source"],
                "id": v["id"].to_string(),
                "url": v["url"],
                "title": v["title"],
                "text": v["text"],
                "author": v["author"],
                "published": v["published"],
            });
            format!("{record}\n")
        })
        .collect();
    std::fs::write(&posts, records).unwrap();
    (dir, demo)
}

/// `json` without the fields that name when or where it was written.
fn steady(mut json: serde_json::Value) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                for key in [
                    "generated_at",
                    "dir",
                    "files",
                    "last_attempt_at",
                    "last_success_at",
                    "last_success_label",
                    "next_attempt_at",
                    "last_push_at",
                ] {
                    map.remove(key);
                }
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut json);
    json
}

#[test]
fn imported_posts_answer_every_command_alike_on_both_backends() {
    if common::sqlite_only("it runs PostgreSQL itself on the SQLite pass") {
        return;
    }
    let Some(db) = TestDb::create() else { return };
    let (root, demo) = demo();
    let posts = root.path().join("posts.jsonl");
    let sqlite = Side::new(&demo, None);
    let pg = Side::new(&demo, Some(&db));
    for side in [&sqlite, &pg] {
        let said = side.run(&["import", posts.to_str().unwrap()]);
        assert!(!said.is_empty());
    }
    // A moment both ask about, on a whole minute.
    let now =
        jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Makassar").unwrap());
    let at = now.strftime("%Y-%m-%dT%H:%M").to_string();
    let today = now.strftime("%Y-%m-%d").to_string();
    let commands: Vec<Vec<&str>> = vec![
        vec!["search", "banjir", "--json", "--limit", "100"],
        vec!["search", "\"jalan rusak\"", "--json"],
        vec!["search", "samarinda* -banjir", "--json", "--limit", "100"],
        vec!["search", "Samarindá OR bontang", "--json", "--limit", "100"],
        vec!["trends", "--json", "--at", &at],
        vec!["trends", "--json", "--at", &at, "--window", "6h"],
        vec!["export", "--format", "jsonl", "--since", "2000-01-01"],
        vec![
            "export",
            "--format",
            "csv",
            "--since",
            "2000-01-01",
            "--topic",
            "banjir",
        ],
    ];
    for args in &commands {
        let (a, b) = (sqlite.run(args), pg.run(args));
        assert!(
            !a.trim().is_empty() || args[0] == "trends",
            "{args:?} gave nothing"
        );
        assert_eq!(
            a, b,
            "pantau {args:?} differs between SQLite and PostgreSQL"
        );
    }
    // The briefing of today, as JSON, alike but for when and where it was written.
    let mut written = Vec::new();
    for side in [&sqlite, &pg] {
        let out = side.path().join("out");
        side.run(&["digest", "--date", &today, "--out", out.to_str().unwrap()]);
        let json = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "json") && !p.ends_with("index.json"))
            .expect("a JSON briefing");
        written.push(steady(
            serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap(),
        ));
    }
    assert!(
        written[0]["issues"]
            .as_array()
            .is_some_and(|i| !i.is_empty())
    );
    assert_eq!(
        written[0], written[1],
        "the briefing differs between SQLite and PostgreSQL"
    );
    // What the database holds, counted per table by `pantau db stats --json`.
    let stats = pg.run(&["db", "stats", "--json"]);
    assert!(stats.contains("posts"), "{stats}");
}

#[test]
fn a_poll_stores_the_same_posts_on_both_backends() {
    if common::sqlite_only("it runs PostgreSQL itself on the SQLite pass") {
        return;
    }
    let Some(db) = TestDb::create() else { return };
    let (_root, demo) = demo();
    let sqlite = Side::new(&demo, None);
    let pg = Side::new(&demo, Some(&db));
    let mut exported = Vec::new();
    for side in [&sqlite, &pg] {
        side.run(&["poll", "--once"]);
        // A second round stores nothing new: duplicates are found on PostgreSQL too.
        side.run(&["poll", "--once"]);
        let out = side.run(&[
            "export",
            "--format",
            "jsonl",
            "--since",
            "2000-01-01",
            "--include-mentioned",
        ]);
        // Posts are numbered in the order their polls finished, which may differ: compare
        // them by what they are.
        let mut lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                v.as_object_mut().unwrap().remove("id");
                v.as_object_mut().unwrap().remove("story");
                v.as_object_mut().unwrap().remove("fetched_at");
                v
            })
            .collect();
        lines.sort_by_key(|v| v.to_string());
        exported.push(lines);
    }
    assert!(exported[0].len() > 100, "{}", exported[0].len());
    assert_eq!(exported[0].len(), exported[1].len());
    assert_eq!(exported[0], exported[1]);
    let sources = pg.run(&["sources", "--json"]);
    assert!(sources.contains("warta-mahakam"), "{sources}");
}

/// The dashboard's read API of `pantau run` on each backend, over the same imported posts,
/// answers alike: the server reads PostgreSQL from its blocking pool as it reads SQLite.
#[tokio::test(flavor = "multi_thread")]
async fn the_read_api_answers_alike_on_both_backends() {
    if common::sqlite_only("it runs PostgreSQL itself on the SQLite pass") {
        return;
    }
    let Some(db) = TestDb::create() else { return };
    let (root, demo) = tokio::task::spawn_blocking(demo).await.unwrap();
    let posts = root.path().join("posts.jsonl");
    // The demo's configuration without its sources: nothing is polled while the two servers
    // answer, so both hold exactly the imported posts.
    let config = std::fs::read_to_string(demo.join("config/default.toml")).unwrap();
    let config = config.split("[[sources]]").next().unwrap().to_string();
    let mut daemons = Vec::new();
    let mut projects = Vec::new();
    for pg in [None, Some(&db)] {
        let project = Project {
            dir: tempfile::tempdir().unwrap(),
            pg: None,
        };
        std::fs::create_dir_all(project.path().join("config")).unwrap();
        std::fs::write(project.config(), &config).unwrap();
        copy_dir(&demo.join("keywords"), &project.path().join("keywords"));
        if let Some(db) = pg {
            std::fs::write(
                project.path().join("config/local.toml"),
                format!("[storage]\n{}", db.storage_toml()),
            )
            .unwrap();
        }
        let out = project.pantau(&["import", posts.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        daemons.push(Daemon::start(&project, &[]).await);
        projects.push(project);
    }
    let at = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Makassar").unwrap())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    let client = reqwest::Client::new();
    let get = async |daemon: &Daemon, path: &str| -> serde_json::Value {
        let response = client
            .get(format!("{}{path}", daemon.base()))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
    };
    let paths = [
        "/api/posts?limit=50".to_string(),
        "/api/posts?q=banjir&limit=50".to_string(),
        "/api/posts?topic=banjir&region=samarinda".to_string(),
        "/api/posts?topic=air-bersih&limit=5".to_string(),
        format!("/api/trends?window=24h&at={at}"),
        format!("/api/trends?window=6h&at={at}"),
        "/api/topics".to_string(),
    ];
    for path in &paths {
        let (a, b) = (get(&daemons[0], path).await, get(&daemons[1], path).await);
        assert_eq!(
            steady(a),
            steady(b),
            "GET {path} differs between SQLite and PostgreSQL"
        );
    }
    // A page and the one after it, by the cursor the first gave.
    let first = get(&daemons[1], "/api/posts?limit=7").await;
    let next = first["next"].as_str().expect("a next cursor").to_string();
    let path = format!("/api/posts?limit=7&cursor={next}");
    assert_eq!(get(&daemons[0], &path).await, get(&daemons[1], &path).await);
    // A story with its posts.
    let story = first["posts"][0]["story"].as_i64().expect("a story");
    let path = format!("/api/stories/{story}");
    assert_eq!(get(&daemons[0], &path).await, get(&daemons[1], &path).await);
    for daemon in daemons {
        assert!(daemon.stop(libc::SIGTERM).await.success());
    }
}
