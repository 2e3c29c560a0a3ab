//! The ingest path end to end, stage by stage (divan): `cargo bench --bench ingest`.
//!
//! Input: the generated corpus of ../shared/bench/gen_corpus.py (RSS files and keyword sets of
//! K topics × 40 terms), the same input the Python reference pipeline
//! (../shared/bench/python_baseline/baseline.py) reads. Stages, one thread, as the daemon runs
//! them for one poll:
//!
//! - `parse`: feed-rs alone on the RSS bytes (XML → its model);
//! - `parse_normalise`: the library's feed parser (`sources::feed::parse`: charset, feed-rs,
//!   HTML → text, canonical URL, identity, dates) — normalisation is the difference;
//! - `classify_k50` / `classify_k1000`: `Classifier::tags` per post (topics, regions,
//!   sentiment, the story fingerprint);
//! - `store`: `Store::write` of one `Ingest` per feed (its 500 posts, tags, stories, hourly
//!   rollups, cursor and fetch log) into a fresh SQLite file, one transaction per feed;
//! - `whole_k50` / `whole_k1000`: bytes → parse → classify → commit, per feed, on one thread;
//! - `daemon_k50` / `daemon_k1000`: the same path shaped as `pantau run` runs it: one task per
//!   feed on a two-worker tokio runtime parses and classifies, and sends its `Ingest` to the
//!   store's writer thread (`store::writer::Writer`), which commits what has queued up in one
//!   transaction (up to 256 writes). Parsing and classifying overlap with committing, on the
//!   machine's two cores.
//!
//! `PANTAU_BENCH_REPORT=FILE cargo bench --bench ingest` instead times each stage itself
//! (median of `PANTAU_BENCH_REPEAT` runs, default 5), reads the process's peak resident memory
//! (VmHWM, reset before each stage through /proc/self/clear_refs) and writes the figures as
//! JSON for scripts/bench.sh, which prints them beside the Python reference's.

mod common;

use std::path::Path;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use divan::counter::ItemsCount;
use jiff::Timestamp;
use pantau::Classifier;
use pantau::classify::Tags;
use pantau::model::Attempt;
use pantau::model::Cursor;
use pantau::model::{Post, SourceId, SourceInfo};
use pantau::sources::http::Document;
use pantau::store::writer::Writer;
use pantau::store::{Checkpointer, Ingest, Maintenance, Store, Write, Writes};

fn main() {
    let Some(c) = &*CORPUS else {
        println!("generated corpus missing: run scripts/bench.sh (the ingest benches are skipped)");
        return divan::main();
    };
    println!(
        "generated corpus: {} feeds, {} posts, {:.1} MB of RSS",
        c.feeds.len(),
        c.posts,
        c.bytes as f64 / 1e6
    );
    match std::env::var_os("PANTAU_BENCH_REPORT") {
        Some(out) => report(c, Path::new(&out)),
        None => divan::main(),
    }
}

/// One feed of the corpus: its source id and fetched document.
struct Feed {
    source: SourceId,
    doc: Document,
}

struct Corpus {
    feeds: Vec<Feed>,
    posts: usize,
    bytes: usize,
    /// Every feed's posts, as the library's parser returns them.
    parsed: Vec<Vec<Post>>,
    k50: Classifier,
    k1000: Classifier,
}

/// The fetch time given to every post: after the generated items' dates, so none is clamped.
fn fetched() -> Timestamp {
    Timestamp::now()
}

static CORPUS: LazyLock<Option<Corpus>> = LazyLock::new(|| {
    let dir = common::corpus_dir();
    if !dir.join("keywords_K1000_P40.toml").exists() {
        return None;
    }
    let feeds: Vec<Feed> = common::feed_files(&dir)
        .iter()
        .map(|f| Feed {
            source: f
                .file_stem()
                .expect("a feed file has a name")
                .to_string_lossy()
                .as_ref()
                .into(),
            doc: Document {
                body: std::fs::read(f).expect("the feed reads"),
                content_type: Some("application/rss+xml".into()),
                url: url::Url::from_file_path(f).expect("an absolute path"),
                validators: Default::default(),
            },
        })
        .collect();
    let parsed = parse_all(&feeds);
    Some(Corpus {
        posts: parsed.iter().map(Vec::len).sum(),
        bytes: feeds.iter().map(|f| f.doc.body.len()).sum(),
        parsed,
        k50: common::generated_lists(&dir.join("keywords_K50_P40.toml")).0,
        k1000: common::generated_lists(&dir.join("keywords_K1000_P40.toml")).0,
        feeds,
    })
});

fn parse_raw(feeds: &[Feed]) -> usize {
    feeds
        .iter()
        .map(|f| {
            feed_rs::parser::parse(f.doc.body.as_slice())
                .expect("a generated feed parses")
                .entries
                .len()
        })
        .sum()
}

fn parse_all(feeds: &[Feed]) -> Vec<Vec<Post>> {
    let now = fetched();
    feeds
        .iter()
        .map(|f| {
            pantau::sources::feed::parse::parse(&f.doc, &f.source, now)
                .expect("a generated feed parses")
                .0
        })
        .collect()
}

fn classify(c: &Classifier, posts: Vec<Post>) -> Vec<(Post, Tags)> {
    posts
        .into_iter()
        .map(|mut p| {
            p.clamp_published();
            let tags = c.tags(&p, None);
            (p, tags)
        })
        .collect()
}

/// One feed's poll as the pipeline hands it to the writer.
fn ingest(c: &Classifier, source: &SourceId, posts: Vec<(Post, Tags)>) -> Write {
    let now = fetched();
    Write::Ingest(Ingest {
        source: source.clone(),
        items_found: posts.len(),
        posts,
        cursor: Cursor::Start,
        attempt: Attempt {
            started: now,
            duration: Duration::from_millis(120),
            next_attempt: now,
        },
        not_modified: false,
        keywords_version: c.version().to_string(),
    })
}

/// A database as the daemon's writer has it: its WAL checkpoints on a thread of their own.
/// Fields drop in order: the checkpointer's last checkpoint, the connection, the files.
struct Db {
    _checkpoints: Option<Checkpointer>,
    store: Store,
    _dir: tempfile::TempDir,
}

/// A fresh database in a temp dir, with a `sources` row per feed (as `pantau run` registers
/// its configured sources before polling).
fn fresh_store(feeds: &[Feed]) -> Db {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut store = Store::open(&dir.path().join("bench.db")).expect("the store opens");
    let sources: Vec<SourceInfo> = feeds
        .iter()
        .map(|f| SourceInfo {
            id: f.source.clone(),
            kind: "feed".into(),
            name: None,
            location: f.doc.url.to_string(),
            region: None,
        })
        .collect();
    store.sync_sources(&sources).expect("a source row per feed");
    Db {
        _checkpoints: store
            .checkpoint_in_background()
            .expect("the checkpoint thread starts"),
        store,
        _dir: dir,
    }
}

/// Commits `writes` `per_tx` at a time; returns the new posts.
fn commit(store: &mut Store, writes: &[Write], per_tx: usize) -> usize {
    writes
        .chunks(per_tx)
        .map(|w| {
            store
                .write(w)
                .expect("the batch commits")
                .iter()
                .sum::<usize>()
        })
        .sum()
}

/// The whole path: bytes → posts → tags → committed, one feed at a time.
fn whole(c: &Classifier, feeds: &[Feed], store: &mut Store) -> usize {
    let now = fetched();
    let mut new = 0;
    for f in feeds {
        let (posts, _) =
            pantau::sources::feed::parse::parse(&f.doc, &f.source, now).expect("it parses");
        let write = ingest(c, &f.source, classify(c, posts));
        new += store
            .write(std::slice::from_ref(&write))
            .expect("it commits")[0];
    }
    new
}

/// A fresh database handed to the writer thread, and the runtime the feeds' tasks run on: what
/// `pantau run` starts with (the writer checkpoints the WAL on a thread of its own).
fn fresh_daemon(feeds: &[Feed]) -> (tokio::runtime::Runtime, Store, tempfile::TempDir) {
    let Db { store, _dir, .. } = fresh_store(feeds);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a tokio runtime");
    (runtime, store, _dir)
}

/// The whole path as the daemon runs it: a task per feed (bytes → posts → tags → `Ingest`),
/// the writer thread committing. Returns once every write has committed and the writer has
/// finished (its last WAL checkpoint included).
fn daemon(
    c: &'static Classifier,
    feeds: &'static [Feed],
    store: Store,
    rt: &tokio::runtime::Runtime,
) -> usize {
    let (writer, thread) = Writer::spawn(store);
    let new = rt.block_on(async {
        let tasks: Vec<_> = feeds
            .iter()
            .map(|f| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    let (posts, _) =
                        pantau::sources::feed::parse::parse(&f.doc, &f.source, fetched())
                            .expect("it parses");
                    let write = ingest(c, &f.source, classify(c, posts));
                    writer.write(write).await.expect("it commits")
                })
            })
            .collect();
        let mut new = 0;
        for t in tasks {
            new += t.await.expect("the task finishes");
        }
        new
    });
    drop(writer);
    thread.join();
    new
}

fn tagged_writes(c: &Classifier, corpus: &Corpus) -> Vec<Write> {
    corpus
        .feeds
        .iter()
        .zip(&corpus.parsed)
        .map(|(f, posts)| ingest(c, &f.source, classify(c, posts.clone())))
        .collect()
}

#[divan::bench(sample_count = 10)]
fn parse(bencher: divan::Bencher) {
    let Some(c) = &*CORPUS else { return };
    bencher
        .counter(ItemsCount::new(c.posts))
        .bench(|| parse_raw(&c.feeds));
}

#[divan::bench(sample_count = 10)]
fn parse_normalise(bencher: divan::Bencher) {
    let Some(c) = &*CORPUS else { return };
    bencher
        .counter(ItemsCount::new(c.posts))
        .bench(|| parse_all(&c.feeds));
}

#[divan::bench(sample_count = 10, args = [50, 1000])]
fn classify_k(bencher: divan::Bencher, k: usize) {
    let Some(c) = &*CORPUS else { return };
    let classifier = if k == 50 { &c.k50 } else { &c.k1000 };
    bencher
        .counter(ItemsCount::new(c.posts))
        .with_inputs(|| c.parsed.concat())
        .bench_local_values(|posts| classify(classifier, posts));
}

#[divan::bench(sample_count = 10)]
fn store(bencher: divan::Bencher) {
    let Some(c) = &*CORPUS else { return };
    let writes = tagged_writes(&c.k50, c);
    bencher
        .counter(ItemsCount::new(c.posts))
        .with_inputs(|| fresh_store(&c.feeds))
        .bench_local_values(|mut db| {
            commit(&mut db.store, &writes, 1);
            db
        });
}

/// Every feed in one transaction: the writer's batch when polls queue up.
#[divan::bench(sample_count = 10)]
fn store_batched(bencher: divan::Bencher) {
    let Some(c) = &*CORPUS else { return };
    let writes = tagged_writes(&c.k50, c);
    bencher
        .counter(ItemsCount::new(c.posts))
        .with_inputs(|| fresh_store(&c.feeds))
        .bench_local_values(|mut db| {
            commit(&mut db.store, &writes, writes.len());
            db
        });
}

#[divan::bench(sample_count = 10, args = [50, 1000])]
fn whole_k(bencher: divan::Bencher, k: usize) {
    let Some(c) = &*CORPUS else { return };
    let classifier = if k == 50 { &c.k50 } else { &c.k1000 };
    bencher
        .counter(ItemsCount::new(c.posts))
        .with_inputs(|| fresh_store(&c.feeds))
        .bench_local_values(|mut db| {
            whole(classifier, &c.feeds, &mut db.store);
            db
        });
}

#[divan::bench(sample_count = 10, args = [50, 1000])]
fn daemon_k(bencher: divan::Bencher, k: usize) {
    let Some(c) = &*CORPUS else { return };
    let classifier = if k == 50 { &c.k50 } else { &c.k1000 };
    bencher
        .counter(ItemsCount::new(c.posts))
        .with_inputs(|| fresh_daemon(&c.feeds))
        .bench_local_values(|(rt, store, dir)| (daemon(classifier, &c.feeds, store, &rt), rt, dir));
}

// ---- report mode -------------------------------------------------------------------------

/// Resets the process's peak resident memory (VmHWM) to its current size.
fn reset_peak() {
    // Linux ≥ 4.0; elsewhere the peak is simply the process's whole-life peak.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A line of /proc/self/status in MiB (VmHWM, VmRSS).
fn status_mib(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[derive(serde::Serialize)]
struct Stage {
    name: String,
    median_s: f64,
    runs_s: Vec<f64>,
    posts_per_s: f64,
    /// Resident memory when the stage started, and its peak during the stage (MiB).
    rss_before_mib: f64,
    peak_rss_mib: f64,
}

/// Times `f` `repeat` times (each after an untimed `setup`), with the peak memory.
fn stage<S, R>(
    name: &str,
    posts: usize,
    repeat: usize,
    mut setup: impl FnMut() -> S,
    mut f: impl FnMut(S) -> R,
) -> Stage {
    let rss_before_mib = status_mib("VmRSS:");
    reset_peak();
    let mut runs = Vec::with_capacity(repeat);
    for _ in 0..repeat {
        let input = setup();
        let t = Instant::now();
        let out = f(input);
        runs.push(t.elapsed().as_secs_f64());
        drop(std::hint::black_box(out));
    }
    let mut sorted = runs.clone();
    sorted.sort_by(f64::total_cmp);
    let median_s = sorted[sorted.len() / 2];
    let s = Stage {
        name: name.into(),
        median_s,
        runs_s: runs,
        posts_per_s: posts as f64 / median_s,
        rss_before_mib,
        peak_rss_mib: status_mib("VmHWM:"),
    };
    eprintln!(
        "{:<22} median {:>8.4} s  {:>12.0} posts/s  peak RSS {:>6.1} MiB",
        s.name, s.median_s, s.posts_per_s, s.peak_rss_mib
    );
    s
}

fn report(c: &'static Corpus, out: &Path) {
    let repeat: usize = std::env::var("PANTAU_BENCH_REPEAT")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5)
        .max(1);
    let n = c.posts;
    let mut stages = vec![
        stage("parse", n, repeat, || (), |()| parse_raw(&c.feeds)),
        stage(
            "parse_normalise",
            n,
            repeat,
            || (),
            |()| parse_all(&c.feeds),
        ),
    ];
    let mut tags = Vec::new();
    for (k, classifier) in [(50, &c.k50), (1000, &c.k1000)] {
        stages.push(stage(
            &format!("classify_k{k}"),
            n,
            repeat,
            || c.parsed.concat(),
            |posts| classify(classifier, posts),
        ));
        tags.push((
            k,
            c.parsed
                .concat()
                .into_iter()
                .map(|p| classifier.tags(&p, None).topics.len())
                .sum::<usize>(),
        ));
    }
    // Storage of the K=50 tags: one transaction per feed (each poll's commit when the writer
    // is idle), then every feed in one (the writer's batch when polls queue up, and what the
    // Python reference does).
    let writes = tagged_writes(&c.k50, c);
    stages.push(stage(
        "store",
        n,
        repeat,
        || fresh_store(&c.feeds),
        |mut db| (commit(&mut db.store, &writes, 1), db),
    ));
    stages.push(stage(
        "store_one_tx",
        n,
        repeat,
        || fresh_store(&c.feeds),
        |mut db| (commit(&mut db.store, &writes, writes.len()), db),
    ));
    drop(writes);
    for (k, classifier) in [(50, &c.k50), (1000, &c.k1000)] {
        stages.push(stage(
            &format!("whole_k{k}"),
            n,
            repeat,
            || fresh_store(&c.feeds),
            |mut db| (whole(classifier, &c.feeds, &mut db.store), db),
        ));
    }
    for (k, classifier) in [(50, &c.k50), (1000, &c.k1000)] {
        stages.push(stage(
            &format!("daemon_k{k}"),
            n,
            repeat,
            || fresh_daemon(&c.feeds),
            |(rt, store, dir)| (daemon(classifier, &c.feeds, store, &rt), rt, dir),
        ));
    }
    #[derive(serde::Serialize)]
    struct Report {
        feeds: usize,
        posts: usize,
        rss_bytes: usize,
        repeat: usize,
        /// (K, topic tags given) — the reference's `tags` for the same corpus and lists.
        tags: Vec<(usize, usize)>,
        stages: Vec<Stage>,
    }
    let report = Report {
        feeds: c.feeds.len(),
        posts: n,
        rss_bytes: c.bytes,
        repeat,
        tags,
        stages,
    };
    let json = serde_json::to_string_pretty(&report).expect("the report serialises");
    std::fs::write(out, json).expect("the report file is writable");
    eprintln!("report written to {}", out.display());
}
