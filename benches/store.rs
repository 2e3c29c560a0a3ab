//! Storage throughput (divan): `cargo bench --bench store`.
//!
//! Batches of 1,000 posts committed in one transaction to a fresh database file, as the
//! writer thread commits a busy round:
//! - `untagged`: posts with no topic (no story matching, no hourly counts);
//! - `tagged_distinct`: every post has a topic and a new story (fingerprint computed beforehand,
//!   as the pipeline does off the writer thread): band-key lookups, a story row and 16 keys each;
//! - `tagged_copies`: every post has a topic, and each story is carried by five sources (the
//!   syndication case): one story row per five posts.

use divan::counter::ItemsCount;
use jiff::Timestamp;
use pantau::classify::Tags;
use pantau::model::{Post, RegionId, SourceId, TopicId};
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
            };
            (post, tags)
        })
        .collect()
}

fn run(bencher: divan::Bencher, tagged: bool, copies: usize) {
    let batch = posts(tagged, copies);
    bencher
        .counter(ItemsCount::new(BATCH))
        .with_inputs(|| {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(&dir.path().join("b.db")).unwrap();
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
