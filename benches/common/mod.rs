//! What the benches share: the generated corpus of ../shared/bench/gen_corpus.py (RSS files and
//! keyword sets of K topics × P terms) and its keyword files turned into Pantau's lists.
#![allow(dead_code)] // each bench uses part of it

use std::path::{Path, PathBuf};

use pantau::Classifier;

/// The corpus folder: `PANTAU_BENCH_CORPUS`, or `target/bench-corpus` (scripts/bench.sh and
/// scripts/bench-classify.sh write it there).
pub fn corpus_dir() -> PathBuf {
    std::env::var_os("PANTAU_BENCH_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-corpus"),
        PathBuf::from,
    )
}

/// The corpus's RSS files, by name.
pub fn feed_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "xml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// A generated keyword file (`[[topic]] id, name, any, exclude`) as Pantau topic files
/// (`keywords/topics/<id>.toml`), and every term in lower case.
pub fn topic_files(path: &Path) -> (Vec<(PathBuf, String)>, Vec<String>) {
    #[derive(serde::Deserialize)]
    struct File {
        topic: Vec<Topic>,
    }
    #[derive(serde::Deserialize)]
    struct Topic {
        id: i64,
        name: String,
        any: Vec<String>,
        #[serde(default)]
        exclude: Vec<String>,
    }
    #[derive(serde::Serialize)]
    struct Out<'a> {
        name: &'a str,
        any: &'a [String],
        exclude: &'a [String],
    }
    let file: File =
        toml::from_str(&std::fs::read_to_string(path).expect("the keyword file reads"))
            .expect("it parses");
    let mut files = Vec::new();
    let mut terms = Vec::new();
    for t in &file.topic {
        let text = toml::to_string(&Out {
            name: &t.name,
            any: &t.any,
            exclude: &t.exclude,
        })
        .expect("a topic serialises");
        files.push((
            PathBuf::from(format!("keywords/topics/{}.toml", t.id)),
            text,
        ));
        terms.extend(t.any.iter().chain(&t.exclude).map(|s| s.to_lowercase()));
    }
    (files, terms)
}

/// Loads a generated keyword file as a [`Classifier`]; also returns every term.
pub fn generated_lists(path: &Path) -> (Classifier, Vec<String>) {
    let (files, terms) = topic_files(path);
    let lists = pantau::classify::lists::load_files(&files).expect("the generated lists load");
    (
        Classifier::from_lists(lists).expect("the generated lists compile"),
        terms,
    )
}
