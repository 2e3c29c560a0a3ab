//! `pantau db stats` and `pantau db backup` on PostgreSQL (`[storage] url`): the figures of the
//! server's database, its URL shown without the password; a backup refused cleanly with the
//! advice to use the server's tools. Skipped (with a notice) without `PANTAU_TEST_POSTGRES`.

mod common;

use common::Project;
use pantau::store::testing::TestDb;

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The test database's URL with a password in it (the test server trusts loopback, so the
/// password is not checked: only that it is never shown).
fn with_password(db: &TestDb) -> String {
    let mut url = url::Url::parse(db.url().expose()).unwrap();
    url.set_password(Some("rahasia-sekali")).unwrap();
    url.to_string()
}

#[test]
fn db_stats_and_backup_on_postgresql() {
    if common::sqlite_only("it runs PostgreSQL itself on the SQLite pass") {
        return;
    }
    let Some(db) = TestDb::create() else { return };
    drop(db.store()); // the schema, as `pantau run` would make it
    let storage = format!("[storage]\nurl = \"{}\"\n", with_password(&db));
    let project = Project::new(&storage, "");

    let out = project.pantau(&["db", "stats"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains("rahasia-sekali"), "{text}");
    assert!(text.contains(":***@"), "{text}");
    assert!(text.contains("PostgreSQL"), "{text}");
    assert!(!text.contains("WAL") && !text.contains("halaman"), "{text}");
    assert!(text.contains("posts"), "{text}");

    let out = project.pantau(&["db", "stats", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(json["database_bytes"].as_u64().unwrap() > 0, "{json}");
    assert!(json.get("file_bytes").is_none(), "{json}");
    assert!(!json.to_string().contains("rahasia-sekali"), "{json}");

    for args in [
        &["db", "backup", "cadangan.db"][..],
        &["db", "backup", "--dir", "cadangan"],
    ] {
        let out = project.pantau(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("hanya untuk SQLite"), "{err}");
        assert!(err.contains("pg_dump"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!project.path().join("cadangan.db").exists());
        assert!(!project.path().join("cadangan").exists());
    }
}
