//! The daily briefing over a generated province day (divan): `cargo bench --bench digest`.
//!
//! Input: one WITA day of `PANTAU_DIGEST_POSTS` posts (default 100,000) and the
//! `PANTAU_DIGEST_DAYS` days before (default 7) at `PANTAU_DIGEST_PREVIOUS` of that each
//! (default a tenth), from 300 sources, made by benches/common/day.rs through the
//! library's write path (so the rollups are the daemon's). The database is built once per
//! shape and schema version and kept in `target/bench-digest/` (or `PANTAU_BENCH_DIGEST_DIR`);
//! a 1,000,000-post day takes a few minutes to build and about 2 GB.
//!
//! Benches, one thread: `briefing` is `digest::build` (every query of `pantau digest`, without
//! writing files); `trends` is the trend rule's part of it alone; `reach` is the reach part of
//! it alone (per topic: platforms, most engaged posts, accounts of widest reach).
//!
//! `PANTAU_DIGEST_PREPARE=1 cargo bench --bench digest` only builds (or finds) the database and
//! prints its config file's path and the day: scripts/bench-digest.sh then times the real
//! `pantau digest` on it with hyperfine.

#[path = "common/day.rs"]
mod day;

use std::path::{Path, PathBuf};

use day::Shape;
use pantau::Classifier;
use pantau::digest::Request;
use pantau::store::Store;
use pantau::time::Lang;

fn main() {
    let config = prepared();
    if std::env::var_os("PANTAU_DIGEST_PREPARE").is_some() {
        println!("{} {}", config.display(), shape().day);
        return;
    }
    divan::main();
}

fn shape() -> Shape {
    let posts = env_or("PANTAU_DIGEST_POSTS", 100_000);
    Shape {
        days_before: env_or("PANTAU_DIGEST_DAYS", 7),
        previous: env_or("PANTAU_DIGEST_PREVIOUS", 0.1),
        ..Shape::bench(posts)
    }
}

/// The number in the environment variable `name` (`_` allowed between digits), else `default`.
fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|n| n.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// The installation for the shape, built on first use: its config file.
fn prepared() -> PathBuf {
    let shape = shape();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = std::env::var_os("PANTAU_BENCH_DIGEST_DIR")
        .map_or_else(|| repo.join("target/bench-digest"), PathBuf::from);
    let version = pantau::store::migrations::MIGRATIONS.len();
    let root = base.join(format!("{}-v{version}", shape.key()));
    let ready = root.join("ready");
    let config = root.join("config/default.toml");
    if ready.exists() {
        return config;
    }
    // A folder without the marker is a build that did not finish.
    let _ = std::fs::remove_dir_all(&root);
    eprintln!(
        "building {} ({} posts on {}, {} days before at {} each)",
        root.display(),
        shape.posts,
        shape.day,
        shape.days_before,
        (shape.posts as f64 * shape.previous).round()
    );
    let started = std::time::Instant::now();
    let (config, written) = day::build(&root, &repo.join("keywords"), &shape);
    eprintln!(
        "built in {:.0} s: {} posts generated, {} stored",
        started.elapsed().as_secs_f64(),
        written.posts,
        written.new
    );
    std::fs::write(&ready, format!("{written:?}\n")).expect("the marker is written");
    config
}

fn setup() -> (Store, Classifier, Request) {
    let settings = pantau::config::load(Some(&prepared())).expect("the config loads");
    let classifier = Classifier::load(&settings.keywords.dir).expect("the lists load");
    let store = Store::open_read_only(&settings.storage.path).expect("the database opens");
    let req = Request::day(
        shape().day,
        &settings.schedule.timezone,
        Lang::Id,
        std::env::temp_dir(),
    );
    (store, classifier, req)
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn briefing(bencher: divan::Bencher) {
    let (store, classifier, req) = setup();
    bencher.bench_local(|| pantau::digest::build(&store, &classifier, &req).expect("it builds"));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn trends(bencher: divan::Bencher) {
    let (store, classifier, req) = setup();
    bencher.bench_local(|| {
        pantau::trends::compute(
            &store,
            &classifier,
            req.end,
            pantau::trends::Window::DAY,
            &pantau::trends::Rule::default(),
            Lang::Id,
        )
        .expect("it computes")
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn reach(bencher: divan::Bencher) {
    use pantau::store::Reports;
    let (store, classifier, req) = setup();
    bencher.bench_local(|| {
        for topic in classifier.topics() {
            let id = topic.id.as_str();
            store
                .topic_platforms(id, req.start, req.end)
                .expect("it reads");
            store
                .topic_engaged(id, req.start, req.end, 5)
                .expect("it reads");
            store
                .topic_accounts(id, req.start, req.end, 10)
                .expect("it reads");
        }
    });
}
