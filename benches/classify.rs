//! Classification throughput (divan): `cargo bench --bench classify`.
//!
//! Each bench classifies the way the service does (`Classifier::tags`: topics, regions,
//! sentiment; no explanation built), one post at a time, on one thread.
//!
//! - `shipped_lists_real_text`: the shipped keyword lists over real Indonesian text
//!   (../shared/corpus: 3,521 tweets and 11,000 comments);
//! - `generated_k1000` / `generated_k50`: the lists of ../shared/bench/gen_corpus.py (K topics ×
//!   40 terms) over its generated news items — the same input as the Python reference
//!   (../shared/bench/python_baseline/baseline.py), so the rates compare;
//! - `detect_language_real_text`: language detection alone over the real text;
//! - `bare_aho_corasick_k1000`: the floor — one Aho-Corasick automaton (ASCII case-insensitive)
//!   over the same terms, counting overlapping matches in the same text, nothing else.
//!
//! The generated corpus is read from `target/bench-corpus` (or `PANTAU_BENCH_CORPUS`);
//! `scripts/bench-classify.sh` writes it and runs the Python reference in the same go. Before
//! the benches, the tags of the K=1000 run are hashed exactly as the Python reference hashes
//! its own (`tags_sha256`), which shows both applied the same rules to the same posts.

mod common;

use std::path::PathBuf;
use std::sync::LazyLock;

use common::generated_lists;

use divan::counter::{BytesCount, ItemsCount};
use pantau::Classifier;
use pantau::classify::Document;
use pantau::model::Post;

fn main() {
    match &*GENERATED {
        Some(g) => {
            let digest = tags_digest(&g.k1000, &g.posts);
            println!(
                "generated corpus: {} posts, {:.1} MB of text; K=1000 tags_sha256 {}",
                g.posts.len(),
                g.bytes as f64 / 1e6,
                &digest[..16]
            );
        }
        None => println!(
            "generated corpus missing: run scripts/bench-classify.sh (benches on it are skipped)"
        ),
    }
    if REAL.is_none() {
        println!("../shared/corpus missing: the real-text bench is skipped");
    }
    divan::main();
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Real text with the shipped lists.
struct Real {
    classifier: Classifier,
    texts: Vec<String>,
    bytes: usize,
}

static REAL: LazyLock<Option<Real>> = LazyLock::new(|| {
    let dir = repo().join("../shared/corpus/indonlu");
    let tweets =
        std::fs::read_to_string(dir.join("emot_emotion-twitter/train_preprocess.csv")).ok()?;
    let comments =
        std::fs::read_to_string(dir.join("smsa_doc-sentiment-prosa/train_preprocess.tsv")).ok()?;
    let texts: Vec<String> = tweets
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(',').map(|(_, t)| t.to_string()))
        .chain(
            comments
                .lines()
                .filter_map(|l| l.rsplit_once('\t').map(|(t, _)| t.to_string())),
        )
        .collect();
    let bytes = texts.iter().map(String::len).sum();
    Some(Real {
        classifier: Classifier::load(&repo().join("keywords")).expect("the shipped lists load"),
        texts,
        bytes,
    })
});

/// The generated news items and keyword sets of ../shared/bench/gen_corpus.py.
struct Generated {
    posts: Vec<Post>,
    bytes: usize,
    k1000: Classifier,
    k50: Classifier,
    /// Every term of the K=1000 lists, lower case, for the bare scan.
    terms: Vec<String>,
}

static GENERATED: LazyLock<Option<Generated>> = LazyLock::new(|| {
    let dir = common::corpus_dir();
    let k1000 = dir.join("keywords_K1000_P40.toml");
    if !k1000.exists() {
        return None;
    }
    let files = common::feed_files(&dir);
    let mut posts = Vec::new();
    for f in &files {
        let doc = pantau::sources::http::Document {
            body: std::fs::read(f).ok()?,
            content_type: None,
            url: url::Url::from_file_path(f).ok()?,
            validators: Default::default(),
        };
        let source = f.file_name()?.to_string_lossy().to_string();
        let (mut p, _) = pantau::sources::feed::parse::parse(
            &doc,
            &source.as_str().into(),
            jiff::Timestamp::now(),
        )
        .ok()?;
        posts.append(&mut p);
    }
    let bytes = posts
        .iter()
        .map(|p| p.title.as_deref().map_or(0, str::len) + p.text.len())
        .sum();
    let (k1000, terms) = generated_lists(&k1000);
    let (k50, _) = generated_lists(&dir.join("keywords_K50_P40.toml"));
    Some(Generated {
        posts,
        bytes,
        k1000,
        k50,
        terms,
    })
});

/// The Python reference's digest: sha256 over sorted "guid\ttopic\n" lines.
fn tags_digest(c: &Classifier, posts: &[Post]) -> String {
    use sha2::Digest as _;
    // The reference's topic ids are integers and sort as numbers.
    let mut lines: Vec<(String, i64)> = Vec::new();
    for p in posts {
        for h in c.classify(&Document::of(p), None).topics {
            let id = c.topics()[h.topic]
                .id
                .as_str()
                .parse()
                .expect("generated topic ids are numbers");
            lines.push((p.external_id.clone(), id));
        }
    }
    lines.sort();
    // PANTAU_BENCH_TAGS=FILE writes the pairs, to compare with the reference line by line.
    if let Some(path) = std::env::var_os("PANTAU_BENCH_TAGS") {
        let text: String = lines.iter().map(|(g, t)| format!("{g}\t{t}\n")).collect();
        std::fs::write(path, text).expect("the tags file is writable");
    }
    let mut hasher = sha2::Sha256::new();
    for (g, t) in lines {
        hasher.update(format!("{g}\t{t}\n").as_bytes());
    }
    format!("{:x}", hasher.finalize())
}

#[divan::bench(sample_count = 10)]
fn shipped_lists_real_text(bencher: divan::Bencher) {
    let Some(r) = &*REAL else { return };
    bencher
        .counter(ItemsCount::new(r.texts.len()))
        .counter(BytesCount::new(r.bytes))
        .bench(|| {
            let mut tagged = 0;
            for t in &r.texts {
                tagged += r.classifier.tags_for(&Document::text(t), None).topics.len();
            }
            tagged
        });
}

/// Language detection (`classify::language::detect`, what the pipeline runs on every post
/// whose source states no language) over the same real text, for comparison with its tagging.
#[divan::bench(sample_count = 10)]
fn detect_language_real_text(bencher: divan::Bencher) {
    let Some(r) = &*REAL else { return };
    bencher
        .counter(ItemsCount::new(r.texts.len()))
        .counter(BytesCount::new(r.bytes))
        .bench(|| {
            r.texts
                .iter()
                .filter(|t| pantau::classify::language::detect(t).is_some())
                .count()
        });
}

fn generated(bencher: divan::Bencher, pick: fn(&Generated) -> &Classifier) {
    let Some(g) = &*GENERATED else { return };
    let c = pick(g);
    bencher
        .counter(ItemsCount::new(g.posts.len()))
        .counter(BytesCount::new(g.bytes))
        .bench(|| {
            let mut tagged = 0;
            for p in &g.posts {
                tagged += c.tags(p, None).topics.len();
            }
            tagged
        });
}

#[divan::bench(sample_count = 10)]
fn generated_k1000(bencher: divan::Bencher) {
    generated(bencher, |g| &g.k1000);
}

#[divan::bench(sample_count = 10)]
fn generated_k50(bencher: divan::Bencher) {
    generated(bencher, |g| &g.k50);
}

#[divan::bench(sample_count = 10)]
fn bare_aho_corasick_k1000(bencher: divan::Bencher) {
    let Some(g) = &*GENERATED else { return };
    let ac = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(&g.terms)
        .expect("the terms build");
    bencher
        .counter(ItemsCount::new(g.posts.len()))
        .counter(BytesCount::new(g.bytes))
        .bench(|| {
            let mut n = 0;
            for p in &g.posts {
                n += ac
                    .find_overlapping_iter(p.title.as_deref().unwrap_or(""))
                    .count();
                n += ac.find_overlapping_iter(&p.text).count();
            }
            n
        });
}
