//! Retention bounds the database: 120 days at a fixed daily volume, pruned every day as
//! `pantau run` prunes (batches, then incremental vacuum), with `retain_days = 30` and
//! `history_days = 60`. The posts and everything only they use (tags, search entries,
//! per-post rollups, stories and their lookup keys) stop growing once 30 days are stored; the
//! hourly history per topic once 60 are; the file stops growing with them.
//!
//! `PANTAU_RETENTION_PER_DAY` sets the daily volume (default 100, under a minute in a debug
//! build); with `-- --nocapture` the test prints the table that `docs/operations.md` quotes:
//! `PANTAU_RETENTION_PER_DAY=400 cargo test --test retention -- --nocapture`.

mod common;

use common::{Project, query_i64};
use jiff::{SignedDuration, Timestamp};
use pantau::Classifier;
use pantau::store::{Maintenance, Store};
use pantau::{Post, SourceId};

const DAYS: i64 = 120;
const RETAIN_DAYS: i64 = 30;
const HISTORY_DAYS: i64 = 60;

const WORDS: &[&str] = &[
    "banjir",
    "jalan",
    "rusak",
    "berlubang",
    "listrik",
    "padam",
    "air",
    "bersih",
    "PDAM",
    "sampah",
    "menumpuk",
    "Samarinda",
    "Balikpapan",
    "Bontang",
    "Tenggarong",
    "Sangatta",
    "Penajam",
    "Berau",
    "Kutai",
    "warga",
    "mengeluhkan",
    "pemerintah",
    "harga",
    "beras",
    "naik",
    "macet",
    "IKN",
    "tambang",
    "lubang",
    "stunting",
    "sekolah",
    "guru",
    "honorer",
    "kebakaran",
    "hutan",
    "asap",
    "longsor",
    "jembatan",
    "sungai",
    "Mahakam",
    "pasar",
    "pedagang",
    "antre",
    "BBM",
    "solar",
    "nelayan",
    "petani",
    "sawit",
    "lahan",
    "konflik",
    "desa",
    "kecamatan",
    "hujan",
    "deras",
    "malam",
    "pagi",
    "petugas",
    "posko",
    "relawan",
    "bantuan",
];

/// Day `day`'s posts: `per_day` of them, spread over the day, half of them a copy of another
/// source's post (a story of two), so that stories and their keys grow with the posts.
fn day_posts(day: i64, per_day: usize, start: Timestamp) -> Vec<Post> {
    let mut rng = fastrand::Rng::with_seed(day as u64);
    let mut out = Vec::with_capacity(per_day);
    let mut text = String::new();
    for i in 0..per_day {
        if i % 2 == 0 {
            text = (0..28)
                .map(|_| WORDS[rng.usize(..WORDS.len())])
                .collect::<Vec<_>>()
                .join(" ");
        }
        let at = start
            + SignedDuration::from_hours(24 * day)
            + SignedDuration::from_secs((86_400 * i / per_day) as i64);
        out.push(Post {
            source: SourceId::new(format!("sumber-{}", i % 7)),
            external_id: format!("{day}-{i}"),
            url: Some(format!("https://contoh.id/{day}/{i}")),
            title: None,
            text: format!("{text} {}", ["", "#kaltim", "mohon", "cc"][i % 4]),
            author: Some(format!("akun{}", rng.usize(..500))),
            published: at,
            fetched: at,
            lang: Some("id".into()),
            platform: None,
            reach: Default::default(),
        });
    }
    out
}

/// A day of the daemon's retention passes (`daemon::retention`) at `now`: prune in batches,
/// sweep the stories' keys, then hand the freed pages back.
fn retention_pass(store: &mut Store, now: Timestamp) {
    let days_ago = |days: i64| now - SignedDuration::from_hours(24 * days);
    while !store
        .prune_batch(days_ago(RETAIN_DAYS), 500)
        .unwrap()
        .done(500)
    {}
    while store.prune_history(days_ago(HISTORY_DAYS), 500).unwrap() == 500 {}
    pantau::store::testing::sweep_all_story_keys(store, 5000);
    while store.vacuum_step(2000).unwrap() > 0 {}
}

/// On PostgreSQL, what a day gives autovacuum time for: the pruned rows' space made reusable
/// (its `vacuum_step` leaves that to autovacuum). Here 120 days pass in about a minute, within
/// one autovacuum nap, so the test runs it as each day ends. SQLite's is `vacuum_step` above.
fn a_day_of_autovacuum(db: &common::Db) {
    if db.is_postgres() {
        db.batch("VACUUM");
    }
}

/// What is measured at the end of a day.
#[derive(Debug, Clone, Copy)]
struct Day {
    file_bytes: u64,
    posts: i64,
    stories: i64,
    story_keys: i64,
    history_rows: i64,
}

fn measure(store: &Store) -> Day {
    store.checkpoint().unwrap();
    Day {
        file_bytes: store.stats().unwrap().size_bytes(),
        posts: query_i64(store, "SELECT count(*) FROM posts"),
        stories: query_i64(store, "SELECT count(*) FROM stories"),
        // The day's retention merged new stories' keys into `story_keys` before sweeping.
        story_keys: query_i64(store, "SELECT count(*) FROM story_keys"),
        history_rows: query_i64(store, "SELECT count(*) FROM topic_hourly"),
    }
}

#[test]
fn retention_bounds_the_database_after_its_days() {
    let per_day: usize = std::env::var("PANTAU_RETENTION_PER_DAY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let p = Project::new("", "");
    let classifier = Classifier::load(&p.settings().keywords.dir).unwrap();
    let mut store = p.store();
    let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let mut days = Vec::new();
    println!("hari  berkas_MB  posts  stories  story_keys  topic_hourly");
    for day in 0..DAYS {
        let rows: Vec<_> = day_posts(day, per_day, start)
            .into_iter()
            .map(|post| {
                let tags = classifier.tags(&post, None);
                (post, tags)
            })
            .collect();
        store.insert_posts(&rows, "uji").unwrap();
        let end_of_day = start + SignedDuration::from_hours(24 * (day + 1));
        retention_pass(&mut store, end_of_day);
        a_day_of_autovacuum(&p.sql());
        let d = measure(&store);
        if (day + 1) % 10 == 0 {
            println!(
                "{:>4}  {:>9.2}  {:>5}  {:>7}  {:>10}  {:>12}",
                day + 1,
                d.file_bytes as f64 / 1e6,
                d.posts,
                d.stories,
                d.story_keys,
                d.history_rows
            );
        }
        days.push(d);
    }

    let (at60, at120) = (days[59], days[119]);
    let near = |a: i64, b: i64| (a - b).abs() * 20 <= b;
    // Posts: exactly the last 30 days.
    assert_eq!(at120.posts, (RETAIN_DAYS as usize * per_day) as i64);
    // Stories and their lookup keys: those of the posts kept (and of the joining window before
    // them), the same from day 60 to day 120 within the day-to-day spread of the generator.
    assert!(near(at120.stories, at60.stories), "{at60:?} → {at120:?}");
    assert!(
        near(at120.story_keys, at60.story_keys),
        "{at60:?} → {at120:?}"
    );
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM stories
             WHERE NOT EXISTS (SELECT 1 FROM posts WHERE posts.story_id = stories.id)
               AND last_seen_at < '2026-03-27'"
        ),
        0,
        "no story left of posts pruned more than a joining window ago"
    );
    // The hourly history: its last 60 days.
    assert!(
        near(at120.history_rows, at60.history_rows),
        "{at60:?} → {at120:?}"
    );
    // The file: once both are full it stops growing (freed pages are reused or handed back;
    // the B-trees' slack varies by a few per cent), where in the first 30 days it grew by a
    // day's posts every day.
    let full = days[59].file_bytes;
    let largest = days[60..].iter().map(|d| d.file_bytes).max().unwrap();
    assert!(
        largest * 100 <= full * 110,
        "{largest} bytes after day 60, {full} on day 60"
    );
    assert!(
        at120.file_bytes * 100 <= days[89].file_bytes * 102,
        "{at60:?} → {:?} → {at120:?}",
        days[89]
    );
    assert!(days[29].file_bytes > 2 * days[9].file_bytes);
    assert_eq!(store.integrity_check().unwrap(), "ok");
}
