//! Storage throughput (divan): `cargo bench --bench store`.
//!
//! Batches of 1,000 posts committed in one transaction to a fresh database file, as the
//! writer thread commits a busy round:
//! - `untagged`: posts with no topic (no story matching, no hourly counts);
//! - `tagged_distinct`: every post has a topic and a new story (fingerprint computed beforehand,
//!   as the pipeline does off the writer thread): band-key lookups, a story row and 16 keys each;
//! - `tagged_copies`: every post has a topic, and each story is carried by five sources (the
//!   syndication case): one story row per five posts;
//! - `tagged_distinct_commit_only`, `tagged_copies_commit_only`: the same commits as the
//!   daemon's writer makes them, with the full-text index and story placement left for the
//!   step behind the commit (`store::pending`), which the others include.
//!
//! And a poll of 100 pages of 100 posts (10,000 posts of one X search, half of them with a
//! topic, 500 accounts) committed in one transaction, as the writer commits a poll with its
//! cursor:
//! - `poll_without_reach`: the platform named, no counts (as a news feed's posts);
//! - `poll_with_reach`: likes, shares, comments, views and followers on every post (the reach
//!   rollups and the engaged-posts list are written);
//! - `poll_seen_again`: the same 10,000 posts read again with newer counts, into a database
//!   that holds them: every post's counts and its topics' rollups are updated.

use divan::counter::ItemsCount;
use jiff::Timestamp;
use pantau::classify::Tags;
use pantau::model::{Platform, Post, Reach, RegionId, SourceId, TopicId};
use pantau::store::Store;
use pantau::stories::Fingerprint;

const BATCH: usize = 1000;

fn main() {
    divan::main();
}

const WORDS: [&str; 32] = [
    "warga", "rumah", "jalan", "banjir", "air", "sungai", "hujan", "deras", "malam", "pagi",
    "petugas", "posko", "lurah", "camat", "sekolah", "pasar", "motor", "mobil", "anak", "ibu",
    "bapak", "perahu", "relawan", "listrik", "gang", "parit", "pintu", "dapur", "kursi", "meja",
    "sawah", "kebun",
];

fn text(n: usize) -> String {
    let mut rng = fastrand::Rng::with_seed(n as u64);
    (0..30)
        .map(|_| WORDS[rng.usize(..WORDS.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

fn posts(tagged: bool, copies: usize) -> Vec<(Post, Tags)> {
    let at: Timestamp = "2026-11-27T02:00:00Z".parse().unwrap();
    (0..BATCH)
        .map(|i| {
            let story = i / copies;
            let body = text(story);
            let post = Post {
                source: SourceId::new(format!("s{}", i % copies)),
                external_id: format!("p{i}"),
                url: Some(format!("https://s{}.example/{i}", i % copies)),
                title: None,
                text: format!("{body} {}", ["", "#kaltim", "cc", "mohon", "rt"][i % 5]),
                author: None,
                published: at,
                fetched: at,
                lang: None,
                platform: None,
                reach: Default::default(),
            };
            let tags = Tags {
                topics: if tagged {
                    vec![TopicId::new("banjir")]
                } else {
                    vec![]
                },
                regions: vec![RegionId::new("samarinda")],
                areas: vec![RegionId::new("samarinda")],
                sentiment: None,
                fingerprint: if tagged {
                    Fingerprint::of(None, &post.text)
                } else {
                    None
                },
                text_hash: None,
                mentioned_topics: Vec::new(),
                mentioned_regions: Vec::new(),
            };
            (post, tags)
        })
        .collect()
}

fn run(bencher: divan::Bencher, tagged: bool, copies: usize) {
    run_with(bencher, tagged, copies, false);
}

/// `deferred`: the commit alone, as the daemon's writer makes it, its full-text index and
/// story placement left for the step behind the commit (which the other benches include).
fn run_with(bencher: divan::Bencher, tagged: bool, copies: usize, deferred: bool) {
    let batch = posts(tagged, copies);
    bencher
        .counter(ItemsCount::new(BATCH))
        .with_inputs(|| {
            let dir = tempfile::tempdir().unwrap();
            let mut store = Store::open(&dir.path().join("b.db")).unwrap();
            if deferred {
                store.defer_pending();
            }
            (dir, store)
        })
        .bench_local_values(|(dir, mut store)| {
            store.insert_posts(&batch, "bench").unwrap();
            (dir, store)
        });
}

#[divan::bench(sample_count = 20)]
fn untagged(bencher: divan::Bencher) {
    run(bencher, false, 1);
}

#[divan::bench(sample_count = 20)]
fn tagged_distinct(bencher: divan::Bencher) {
    run(bencher, true, 1);
}

#[divan::bench(sample_count = 20)]
fn tagged_copies(bencher: divan::Bencher) {
    run(bencher, true, 5);
}

#[divan::bench(sample_count = 20)]
fn tagged_distinct_commit_only(bencher: divan::Bencher) {
    run_with(bencher, true, 1, true);
}

#[divan::bench(sample_count = 20)]
fn tagged_copies_commit_only(bencher: divan::Bencher) {
    run_with(bencher, true, 5, true);
}

/// Posts of one poll of 100 pages of 100 posts, with or without their counts; `bump` raises
/// every count, as a later read of the same posts would.
fn poll(reach: bool, bump: u64) -> Vec<(Post, Tags)> {
    let at: Timestamp = "2026-11-27T02:00:00Z".parse().unwrap();
    (0..100 * 100)
        .map(|i| {
            let mut rng = fastrand::Rng::with_seed(i as u64);
            let post = Post {
                source: SourceId::new("x-kaltim"),
                external_id: format!("t{i}"),
                url: Some(format!("https://x.com/i/web/status/{i}")),
                title: None,
                text: format!("{} #kaltim {i}", text(i)),
                author: Some(format!("@akun_{}", i % 500)),
                published: at + jiff::SignedDuration::from_secs(i as i64),
                fetched: at,
                lang: None,
                platform: Some(Platform::new("x")),
                reach: if reach {
                    Reach {
                        likes: Some(rng.u64(..500) + bump),
                        shares: rng.u64(..50) + bump,
                        comments: Some(rng.u64(..40) + bump),
                        views: Some(rng.u64(..20_000) + bump),
                        followers: Some(rng.u64(..300_000)),
                    }
                } else {
                    Reach::default()
                },
            };
            let tagged = i % 2 == 0;
            let tags = Tags {
                topics: if tagged {
                    vec![TopicId::new(["banjir", "jalan", "listrik"][i % 3])]
                } else {
                    vec![]
                },
                regions: vec![RegionId::new("samarinda")],
                areas: vec![RegionId::new("samarinda")],
                sentiment: None,
                fingerprint: if tagged {
                    Fingerprint::of(None, &post.text)
                } else {
                    None
                },
                text_hash: None,
                mentioned_topics: Vec::new(),
                mentioned_regions: Vec::new(),
            };
            (post, tags)
        })
        .collect()
}

fn run_poll(bencher: divan::Bencher, batch: Vec<(Post, Tags)>, before: Option<Vec<(Post, Tags)>>) {
    bencher
        .counter(ItemsCount::new(batch.len()))
        .with_inputs(|| {
            let dir = tempfile::tempdir().unwrap();
            let mut store = Store::open(&dir.path().join("b.db")).unwrap();
            if let Some(before) = &before {
                store.insert_posts(before, "bench").unwrap();
            }
            (dir, store)
        })
        .bench_local_values(|(dir, mut store)| {
            store.insert_posts(&batch, "bench").unwrap();
            (dir, store)
        });
}

#[divan::bench(sample_count = 10)]
fn poll_without_reach(bencher: divan::Bencher) {
    run_poll(bencher, poll(false, 0), None);
}

#[divan::bench(sample_count = 10)]
fn poll_with_reach(bencher: divan::Bencher) {
    run_poll(bencher, poll(true, 0), None);
}

#[divan::bench(sample_count = 10)]
fn poll_seen_again(bencher: divan::Bencher) {
    run_poll(bencher, poll(true, 7), Some(poll(true, 0)));
}
