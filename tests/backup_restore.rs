//! Backups that restore: a store filled by the real polling pipeline is backed up with
//! `pantau db backup --dir`, the live database is destroyed, the copy is put back, and the
//! service's view of it (`pantau db stats --json`, the briefing of a past day) is what it was.
//! Also the folder's rotation as the CLI runs it: N copies kept, other files untouched.

mod common;

use common::{Project, feed_source, flood_story, round, rss, stderr, stdout};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The local day whose briefing is compared: the feed items' day (common::rss dates them
/// Thu, 26 Nov 2026 10:00 +0800).
const PAST_DAY: &str = "2026-11-26";

async fn filled_project(server: &MockServer) -> Project {
    for (feed, first) in [("warta", 0), ("kabar", 100)] {
        let stories: Vec<(String, String, String, String)> = (first..first + 8)
            .map(|n| {
                (
                    format!("{feed}-{n}"),
                    format!("Banjir di Samarinda, laporan {n}"),
                    flood_story(n),
                    format!("https://{feed}.example/{n}"),
                )
            })
            .collect();
        let items: Vec<(&str, &str, &str, &str)> = stories
            .iter()
            .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
            .collect();
        Mock::given(method("GET"))
            .and(path(format!("/{feed}")))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(rss(&items), "application/rss+xml"),
            )
            .mount(server)
            .await;
    }
    let sources = feed_source("warta", &format!("{}/warta", server.uri()), "")
        + &feed_source("kabar", &format!("{}/kabar", server.uri()), "");
    let project = Project::new("", &sources);
    let results = round(&project).await;
    assert!(results.iter().all(|r| !r.failed), "{results:?}");
    project
}

/// `pantau db stats --json` without what depends on the file's journal rather than its
/// contents: the path, the file and WAL sizes (a live database keeps pages in its WAL, the
/// copy has none).
fn stats(project: &Project) -> serde_json::Value {
    let out = project.pantau(&["db", "stats", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    for key in ["path", "file_bytes", "wal_bytes"] {
        v.as_object_mut().unwrap().remove(key).expect(key);
    }
    v
}

/// The past day's briefing JSON, written into `out`, without the time it was generated.
fn briefing(project: &Project, out: &str) -> serde_json::Value {
    let run = project.pantau(&["digest", "--date", PAST_DAY, "--out", out]);
    assert!(run.status.success(), "{}", stderr(&run));
    let file = project.path().join(out).join(format!("{PAST_DAY}.json"));
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    for key in ["generated_at", "generated_label"] {
        v.as_object_mut().unwrap().remove(key).expect(key);
    }
    v
}

fn backups(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_copied_back_gives_the_same_stats_and_briefing() {
    if common::sqlite_only("`db backup` copies the SQLite file; tests/pg_db.rs covers PostgreSQL's")
    {
        return;
    }
    let server = MockServer::start().await;
    let project = filled_project(&server).await;
    let before_briefing = briefing(&project, "sebelum");
    let before_stats = stats(&project);
    assert!(
        before_briefing["totals"]["posts"].as_u64().unwrap() >= 16,
        "{before_briefing}"
    );

    let out = project.pantau(&["db", "backup", "--dir", "cadangan", "--keep", "3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let copies = backups(&project.path().join("cadangan"));
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert!(stdout(&out).contains(&copies[0]), "{}", stdout(&out));

    // The live database is lost: overwritten with junk, its WAL and index gone.
    let db = project.db();
    std::fs::write(&db, b"bukan basis data SQLite, hanya sampah di disk").unwrap();
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{side}", db.display()));
    }
    let broken = project.pantau(&["db", "stats"]);
    assert_eq!(broken.status.code(), Some(1), "{}", stdout(&broken));

    // Restore as docs/operations.md says: copy the backup back, then start.
    std::fs::copy(project.path().join("cadangan").join(&copies[0]), &db).unwrap();
    drop(project.store()); // what `pantau run` does first: open, migrate, WAL on
    assert_eq!(stats(&project), before_stats);
    assert_eq!(briefing(&project, "sesudah"), before_briefing);
}

#[tokio::test(flavor = "multi_thread")]
async fn rotation_keeps_n_copies_and_leaves_other_files_alone() {
    if common::sqlite_only("`db backup` copies the SQLite file; tests/pg_db.rs covers PostgreSQL's")
    {
        return;
    }
    let server = MockServer::start().await;
    let project = filled_project(&server).await;
    let dir = project.path().join("cadangan");
    std::fs::create_dir_all(&dir).unwrap();
    // Older copies of its own naming, a copy made by hand, and an unrelated file.
    let own_old = [
        "pantau-2026-11-01-070000.db",
        "pantau-2026-11-02-070000.db",
        "pantau-2026-11-03-070000.db",
    ];
    let foreign = ["pantau-2026-11-01.db", "catatan.txt"];
    for name in own_old.iter().chain(&foreign) {
        std::fs::write(dir.join(name), name).unwrap();
    }

    let wita = jiff::tz::TimeZone::get("Asia/Makassar").unwrap();
    let day_before = jiff::Timestamp::now()
        .to_zoned_datetime(wita.clone())
        .date();
    let out = project.pantau(&["db", "backup", "--dir", "cadangan", "--keep", "2"]);
    let day_after = jiff::Timestamp::now().to_zoned_datetime(wita).date();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("pantau-2026-11-01-070000.db, pantau-2026-11-02-070000.db"),
        "{}",
        stdout(&out)
    );
    let left = backups(&dir);
    let new: Vec<&String> = left
        .iter()
        .filter(|n| !own_old.contains(&n.as_str()) && !foreign.contains(&n.as_str()))
        .collect();
    assert_eq!(new.len(), 1, "{left:?}");
    assert!(
        [day_before, day_after]
            .iter()
            .any(|day| new[0].starts_with(&format!("pantau-{day}-")))
            && new[0].ends_with(".db"),
        "{new:?} is not named by today's WITA date"
    );
    let copy = pantau::Store::open_read_only(&dir.join(new[0])).unwrap();
    use pantau::store::Maintenance;
    assert_eq!(copy.integrity_check().unwrap(), "ok");
    let mut expected: Vec<String> = [new[0].as_str(), own_old[2]]
        .iter()
        .chain(&foreign)
        .map(|s| s.to_string())
        .collect();
    expected.sort();
    assert_eq!(left, expected);

    // --keep needs --dir; a zero keeps nothing and is refused.
    let usage = project.pantau(&["db", "backup", "x.db", "--keep", "2"]);
    assert_eq!(usage.status.code(), Some(2), "{}", stderr(&usage));
    let zero = project.pantau(&["db", "backup", "--dir", "cadangan", "--keep", "0"]);
    assert_eq!(zero.status.code(), Some(2), "{}", stderr(&zero));
    assert_eq!(backups(&dir), left);
}
