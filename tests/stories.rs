//! Story matching measured on real Indonesian text (../shared/corpus; the test prints a notice
//! and passes without checking where it is absent).
//!
//! Near-duplicates are made from real texts the way they arise: a complaint pasted with a
//! hashtag or mention added, retyped with a word changed, a news paragraph syndicated with a
//! dateline and cut shorter, a feed excerpt of an article. Distinct pairs are random pairs and
//! "hard" pairs: for each text, the most similar of 200 others. The figures are in
//! docs/trends.md; the bounds below sit just under them.

mod common;

use common::corpus;

use pantau::stories::{Fingerprint, SAME_STORY};

/// Texts of at least six words: comments (smsa) and paragraphs of four news sentences (nerp).
fn texts() -> Option<(Vec<String>, Vec<String>)> {
    let smsa = corpus("smsa_doc-sentiment-prosa/train_preprocess.tsv")?;
    let nerp = corpus("nerp_ner-prosa/train_preprocess.txt")?;
    let comments = smsa
        .lines()
        .filter_map(|l| l.split_once('\t').map(|(t, _)| t.to_string()))
        .filter(|t| t.split_whitespace().count() >= 6)
        .collect();
    let sentences: Vec<String> = nerp
        .split("\n\n")
        .map(|s| {
            s.lines()
                .filter_map(|l| l.split('\t').next())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|s| !s.trim().is_empty())
        .collect();
    let articles = sentences.chunks(4).map(|c| c.join(" ")).collect();
    Some((comments, articles))
}

fn words(t: &str) -> Vec<&str> {
    t.split_whitespace().collect()
}

/// One word in `every` replaced by another text's word.
fn retype(t: &str, every: usize, rng: &mut fastrand::Rng) -> String {
    let mut w = words(t);
    let fillers = ["yg", "dan", "itu", "sih", "banget", "lagi", "tuh"];
    let n = w.len();
    for _ in 0..n.div_ceil(every) {
        let i = rng.usize(..n);
        w[i] = fillers[rng.usize(..fillers.len())];
    }
    w.join(" ")
}

fn cut(t: &str, share: f64) -> String {
    let w = words(t);
    let keep = ((w.len() as f64 * share).ceil() as usize).max(1);
    w[..keep].join(" ")
}

/// The estimated similarity of two texts when the store would find one from the other (they
/// share a band key), else 0: what a threshold is applied to.
fn candidate_similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (
        Fingerprint::of(None, a).unwrap(),
        Fingerprint::of(None, b).unwrap(),
    );
    let keys = b.keys();
    if a.keys().iter().any(|k| keys.contains(k)) {
        a.similarity(&b.signature)
    } else {
        0.0
    }
}

/// Shares of pairs at or above each threshold.
fn shares(sims: &[f64]) -> [f64; 3] {
    THRESHOLDS.map(|t| sims.iter().filter(|&&s| s >= t).count() as f64 / sims.len().max(1) as f64)
}

const THRESHOLDS: [f64; 3] = [0.4, SAME_STORY, 0.6];

fn jaccard(a: &std::collections::HashSet<&str>, b: &std::collections::HashSet<&str>) -> f64 {
    a.intersection(b).count() as f64 / a.union(b).count().max(1) as f64
}

#[test]
fn near_duplicates_are_one_story_and_distinct_texts_are_not() {
    let Some((comments, articles)) = texts() else {
        return;
    };
    let mut rng = fastrand::Rng::with_seed(7);
    let tags = [
        "#kaltim",
        "cc @pemprovkaltim",
        "mohon ditindak",
        "RT",
        "#samarinda #banjir",
    ];
    let sims = |pairs: Vec<(String, String)>| -> Vec<f64> {
        pairs
            .iter()
            .map(|(a, b)| candidate_similarity(a, b))
            .collect()
    };
    let duplicates: Vec<(&str, Vec<f64>)> = vec![
        (
            "komentar ditempel ulang + tagar/mention",
            sims(
                comments
                    .iter()
                    .take(1000)
                    .map(|t| (t.clone(), format!("{t} {}", tags[rng.usize(..tags.len())])))
                    .collect(),
            ),
        ),
        (
            "komentar diketik ulang (1 dari 12 kata diganti)",
            sims(
                comments
                    .iter()
                    .take(1000)
                    .map(|t| (t.clone(), retype(t, 12, &mut rng)))
                    .collect(),
            ),
        ),
        (
            "berita disindikasi (dateline, 80 % awal, 1 dari 20 kata diganti)",
            sims(
                articles
                    .iter()
                    .take(500)
                    .map(|t| {
                        (
                            t.clone(),
                            format!(
                                "SAMARINDA, Kaltimkita.com - {}",
                                retype(&cut(t, 0.8), 20, &mut rng)
                            ),
                        )
                    })
                    .collect(),
            ),
        ),
        (
            "cuplikan feed (60 % awal artikel)",
            sims(
                articles
                    .iter()
                    .take(500)
                    .map(|t| (t.clone(), cut(t, 0.6)))
                    .collect(),
            ),
        ),
    ];
    let all: Vec<&String> = comments.iter().chain(articles.iter()).collect();
    let random = sims(
        (0..5000)
            .map(|_| {
                (
                    all[rng.usize(..all.len())].clone(),
                    all[rng.usize(..all.len())].clone(),
                )
            })
            .filter(|(a, b)| a != b)
            .collect(),
    );
    // For each of 1,000 texts, the most word-alike of 200 others: same words, different post.
    let sets: Vec<std::collections::HashSet<&str>> =
        all.iter().map(|t| words(t).into_iter().collect()).collect();
    let hard_pairs: Vec<(String, String)> = (0..1000)
        .map(|i| {
            let best = (0..200)
                .map(|_| rng.usize(..all.len()))
                .filter(|&j| all[j] != all[i])
                .max_by(|&x, &y| {
                    jaccard(&sets[i], &sets[x]).total_cmp(&jaccard(&sets[i], &sets[y]))
                })
                .unwrap();
            (all[i].clone(), all[best].clone())
        })
        .collect();
    let hard = sims(hard_pairs);

    println!(
        "{:<66} {:>7} {:>7} {:>7}",
        "pasangan", "≥ 0,4", "≥ 0,5", "≥ 0,6"
    );
    let row = |name: &str, s: &[f64]| {
        let [a, b, c] = shares(s);
        println!(
            "{name:<66} {:>6.1}% {:>6.1}% {:>6.1}%",
            100.0 * a,
            100.0 * b,
            100.0 * c
        );
    };
    for (name, s) in &duplicates {
        row(name, s);
    }
    row("acak, teks berbeda (harus tidak digabung)", &random);
    row(
        "sulit: kata paling mirip dari 200 (harus tidak digabung)",
        &hard,
    );

    for (name, s) in &duplicates {
        assert!(shares(s)[1] >= 0.9, "{name}: {:.3}", shares(s)[1]);
    }
    assert!(
        shares(&random)[1] <= 0.001,
        "acak: {:.4}",
        shares(&random)[1]
    );
    assert!(shares(&hard)[1] <= 0.01, "sulit: {:.4}", shares(&hard)[1]);
}
