//! `pantau search` (FTS5 over stored posts) and `pantau db backup|stats`, as a user runs them,
//! on a real database file.

mod common;

use common::{Project, query_i64, stderr, stdout};
use jiff::Timestamp;
use pantau::classify::Tags;
use pantau::model::{Post, SourceId};
use pantau::store::Maintenance;

fn post(source: &str, id: &str, title: Option<&str>, text: &str, at: &str) -> (Post, Tags) {
    let at: Timestamp = at.parse().unwrap();
    (
        Post {
            source: SourceId::new(source),
            external_id: id.into(),
            url: Some(format!("https://{source}.example/{id}")),
            title: title.map(str::to_owned),
            text: text.into(),
            author: None,
            published: at,
            fetched: at,
            lang: Some("id".into()),
            platform: None,
            reach: Default::default(),
        },
        Tags::default(),
    )
}

fn project() -> Project {
    let p = Project::new("", "");
    let mut store = p.store();
    store
        .insert_posts(
            &[
                post(
                    "warga",
                    "1",
                    None,
                    "Tanggul jebol di Sempaja, air masuk ke rumah warga",
                    "2026-11-26T01:00:00Z",
                ),
                post(
                    "kp",
                    "2",
                    Some("Banjir Samarinda meluas"),
                    "Genangan merendam Jalan DI Panjaitan.",
                    "2026-11-27T01:00:00Z",
                ),
                post(
                    "kp",
                    "3",
                    None,
                    "Banjir diskon akhir tahun di mal",
                    "2026-11-27T02:00:00Z",
                ),
                post(
                    "evil",
                    "4",
                    None,
                    "banjir \u{1b}[2J\u{1b}[31mPALSU\u{1b}[0m di Bontang",
                    "2026-11-27T03:00:00Z",
                ),
                post(
                    "warga",
                    "5",
                    None,
                    "PERUMAHAN Griya Mukti tergenang",
                    "2026-11-27T04:00:00Z",
                ),
            ],
            "uji",
        )
        .unwrap();
    p
}

#[test]
fn search_finds_words_phrases_and_prefixes_newest_first() {
    let p = project();
    let out = p.pantau(&["search", "banjir -diskon"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Banjir Samarinda meluas") && !text.contains("diskon"),
        "{text}"
    );
    // Hostile text cannot drive the terminal.
    assert!(
        !text.contains('\u{1b}') && text.contains("PALSU"),
        "{text:?}"
    );
    assert!(
        text.find("Bontang").unwrap() < text.find("Samarinda meluas").unwrap(),
        "newest first"
    );

    let json = p.pantau(&["search", "--json", "\"tanggul jebol\""]);
    let found: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["source"], "warga");
    // Case folds, prefixes work, dates bound the period (local days, WITA).
    let json = p.pantau(&["search", "--json", "perumah*", "--since", "2026-11-27"]);
    let found: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(found.as_array().unwrap().len(), 1);
    let json = p.pantau(&["search", "--json", "tanggul", "--since", "2026-11-27"]);
    let found: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(found.as_array().unwrap().len(), 0);
    // Nothing searchable is a user error with a hint, not an FTS5 syntax error.
    let bad = p.pantau(&["search", "\"))"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("saran:"), "{}", stderr(&bad));
}

#[test]
fn an_older_database_gets_its_search_index_built() {
    if common::sqlite_only("it rewrites a SQLite file to an old schema") {
        return;
    }
    let p = project();
    {
        let store = p.store();
        common::sql_writable(store.sqlite_path().expect("SQLite"))
            .execute_batch(
                "DROP TRIGGER posts_fts_delete; DROP TRIGGER posts_fts_update;
                 DROP TABLE posts_fts; DROP TABLE post_hourly; DROP TABLE topic_source_hourly;
                 DROP TABLE topic_sentiment_hourly; DROP TABLE topic_author_hourly;
                 DROP TABLE topic_posts; ALTER TABLE posts DROP COLUMN platform;
                 ALTER TABLE posts DROP COLUMN likes; ALTER TABLE posts DROP COLUMN comments;
                 ALTER TABLE posts DROP COLUMN views; ALTER TABLE posts DROP COLUMN followers;
                 DROP TABLE topic_reach_hourly; DROP TABLE topic_engagement;
                 DROP TABLE post_mentions; DROP TABLE briefing_deliveries;
                 DROP TABLE post_marks; DROP TABLE topic_revisions; DROP TABLE login_audit; DROP TABLE api_tokens; DROP TABLE sessions;
                 DROP TABLE users;
                 DROP INDEX alert_episodes_open;
                 ALTER TABLE alert_episodes DROP COLUMN region_id;
                 ALTER TABLE alerts DROP COLUMN region_id;
                 CREATE INDEX alert_episodes_open ON alert_episodes(topic_id) WHERE closed_at IS NULL;
                 DROP TABLE pending_stories; DELETE FROM meta WHERE key = 'index.through';
                 DROP INDEX posts_by_url; ALTER TABLE posts ADD COLUMN url_key TEXT;
                 UPDATE posts SET url_key = CASE WHEN url_is_key = 1 THEN url END;
                 ALTER TABLE posts DROP COLUMN url_is_key;
                 CREATE UNIQUE INDEX posts_by_url ON posts(url_key) WHERE url_key IS NOT NULL;
                 INSERT OR IGNORE INTO story_keys SELECT * FROM story_keys_new;
                 DROP TABLE story_keys_new;
                 PRAGMA user_version = 4;",
            )
            .unwrap();
    }
    // Opening it again runs migration 5, which indexes the posts already stored (and the
    // later ones).
    let store = p.store();
    assert_eq!(
        query_i64(&store, "PRAGMA user_version"),
        pantau::store::migrations::MIGRATIONS.len() as i64
    );
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'sempaja'"
        ),
        1
    );
}

#[test]
fn a_backup_is_whole_and_checked_while_another_connection_writes() {
    if common::sqlite_only("`db backup` copies the SQLite file; tests/pg_db.rs covers PostgreSQL's")
    {
        return;
    }
    let p = project();
    let db = p.db();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut store = pantau::Store::open(&db).unwrap();
            let mut n = 100;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                store
                    .insert_posts(
                        &[post(
                            "tulis",
                            &n.to_string(),
                            None,
                            &format!("unggahan nomor {n}"),
                            "2026-11-27T05:00:00Z",
                        )],
                        "uji",
                    )
                    .unwrap();
            }
            n
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(200));
    let dest = p.path().join("cadangan/pantau.db");
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    let out = p.pantau(&["db", "backup", dest.to_str().unwrap()]);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(written > 100, "the writer went on");
    let copy = pantau::Store::open_read_only(&dest).unwrap();
    assert_eq!(copy.integrity_check().unwrap(), "ok");
    assert!(query_i64(&copy, "SELECT count(*) FROM posts") >= 5);
    // No half file is left, and an existing file is not overwritten without --force.
    assert!(!p.path().join("cadangan/.pantau.db.sebagian").exists());
    let again = p.pantau(&["db", "backup", dest.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));

    let stats = p.pantau(&["db", "stats", "--json"]);
    assert!(stats.status.success(), "{}", stderr(&stats));
    let s: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(
        s["schema_version"],
        pantau::store::migrations::MIGRATIONS.len()
    );
    let posts = s["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0] == "posts")
        .unwrap()[1]
        .as_i64()
        .unwrap();
    assert!(posts >= 5);
}

#[test]
fn pruning_removes_old_posts_and_their_stories_but_keeps_counts_and_search_in_step() {
    let p = Project::new("", "");
    let classifier = pantau::Classifier::load(&p.settings().keywords.dir).unwrap();
    let mut store = p.store();
    let mut rows = Vec::new();
    for (i, at) in [
        "2026-08-01T01:00:00Z",
        "2026-08-02T01:00:00Z",
        "2026-08-03T01:00:00Z",
        "2026-11-27T01:00:00Z",
    ]
    .iter()
    .enumerate()
    {
        let (mut post, _) = post("warga", &i.to_string(), None, "", at);
        post.text = common::flood_story(i);
        let tags = classifier.tags(&post, None);
        rows.push((post, tags));
    }
    store.insert_posts(&rows, "uji").unwrap();
    let hourly = |s: &pantau::Store| query_i64(s, "SELECT sum(posts) FROM topic_hourly");
    let (counts, stories) = (
        hourly(&store),
        query_i64(&store, "SELECT count(*) FROM stories"),
    );
    assert_eq!(counts, 8, "banjir for all and for Samarinda, four posts");

    let before: Timestamp = "2026-09-01T00:00:00Z".parse().unwrap();
    let first = store.prune_batch(before, 2).unwrap();
    let second = store.prune_batch(before, 2).unwrap();
    let third = store.prune_batch(before, 2).unwrap();
    assert_eq!((first.posts, second.posts, third.posts), (2, 1, 0));
    assert_eq!(query_i64(&store, "SELECT count(*) FROM posts"), 1);
    assert_eq!(query_i64(&store, "SELECT count(*) FROM post_topics"), 1);
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM post_regions WHERE post_id NOT IN (SELECT id FROM posts)"
        ),
        0
    );
    // Reports over old periods keep their numbers.
    assert_eq!(hourly(&store), counts);
    // A story none of whose posts is left goes, and the sweep takes its lookup keys after it:
    // retention bounds the file. The kept story keeps every key.
    assert_eq!(stories, 4, "four distinct stories before the prune");
    assert_eq!(query_i64(&store, "SELECT count(*) FROM stories"), 1);
    // SQLite keeps new stories' keys in a table of their own until they are merged.
    let keys = match store.sqlite_path() {
        Some(_) => "(SELECT * FROM story_keys UNION ALL SELECT * FROM story_keys_new)",
        None => "story_keys",
    };
    let keys_of = |s: &pantau::Store, which: &str| {
        query_i64(
            s,
            &format!(
                "SELECT count(*) FROM {keys} k WHERE story_id {which} (SELECT id FROM stories)"
            ),
        )
    };
    let (kept, gone) = (keys_of(&store, "IN"), keys_of(&store, "NOT IN"));
    assert!(kept > 0 && gone > kept, "{kept} kept, {gone} gone");
    let removed = pantau::store::testing::sweep_all_story_keys(&mut store, 3);
    assert_eq!(removed as i64, gone);
    assert_eq!(
        (keys_of(&store, "IN"), keys_of(&store, "NOT IN")),
        (kept, 0)
    );
    // The search index forgets the pruned posts with them. PostgreSQL's is an expression
    // index over posts: the same question through it.
    let matching = match store.sqlite_path() {
        Some(_) => "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'banjir'",
        None => {
            "SELECT count(*) FROM posts WHERE to_tsvector('pantau'::regconfig, \
             coalesce(title, '') || ' ' || text) @@ to_tsquery('pantau'::regconfig, 'banjir')"
        }
    };
    assert_eq!(query_i64(&store, matching), 1);
    assert_eq!(store.integrity_check().unwrap(), "ok");
    store.optimize().unwrap();
}

/// A new database vacuums incrementally: after a prune, `vacuum_step` hands the freed pages
/// back a few at a time and the file shrinks, without a full VACUUM.
#[test]
fn freed_pages_go_back_to_the_file_system_in_steps() {
    if common::sqlite_only("it measures the SQLite file's free pages") {
        return;
    }
    let p = Project::new("", "");
    let mut store = p.store();
    let auto_vacuum = query_i64(&store, "PRAGMA auto_vacuum");
    assert_eq!(auto_vacuum, 2, "a new database is INCREMENTAL");
    let rows: Vec<_> = (0..3000)
        .map(|i| {
            let (mut post, tags) = post("warga", &i.to_string(), None, "", "2026-08-01T01:00:00Z");
            post.text = format!("{} {}", common::flood_story(i), "isi panjang ".repeat(40));
            (post, tags)
        })
        .collect();
    store.insert_posts(&rows, "uji").unwrap();
    store.checkpoint().unwrap();
    let full = std::fs::metadata(p.db()).unwrap().len();
    let before: Timestamp = "2026-09-01T00:00:00Z".parse().unwrap();
    while store.prune_batch(before, 500).unwrap().posts > 0 {}
    let free = query_i64(&store, "PRAGMA freelist_count");
    assert!(free > 100, "{free} free pages after the prune");
    let mut steps = 0;
    while store.vacuum_step(50).unwrap() > 0 {
        steps += 1;
        assert!(steps < 10_000);
    }
    assert!(steps >= 2, "in steps of 50 pages, not at once ({steps})");
    assert_eq!(query_i64(&store, "PRAGMA freelist_count"), 0);
    store.checkpoint().unwrap();
    let after = std::fs::metadata(p.db()).unwrap().len();
    assert!(after * 2 < full, "{full} → {after} bytes");
    assert_eq!(store.integrity_check().unwrap(), "ok");
}
