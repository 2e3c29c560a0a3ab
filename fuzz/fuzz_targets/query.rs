//! Text → the query-language parser; a query that parses must print (Display) as a query that
//! parses back to the same query, and compiles into a topic (through the keyword loader, as an
//! analyst's `query = '…'` would) that classifies the text after the first line without panic.
//! Input: the query on the first line, the text to match on the rest.
#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use pantau::classify::lists::load_files;
use pantau::classify::{Classifier, Document, query};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let (q, text) = input
        .split_once('\n')
        .unwrap_or((input, "banjir di Samarinda"));
    let Ok(expr) = query::parse(q) else {
        return;
    };
    let printed = expr.to_string();
    match query::parse(&printed) {
        Ok(again) => assert_eq!(
            again.without_positions(),
            expr.without_positions(),
            "query {q:?} printed as {printed:?}"
        ),
        Err(e) => panic!("query {q:?} printed as {printed:?}, which does not parse: {e:?}"),
    }
    let mut topic = toml::Table::new();
    topic.insert("name".into(), "Fuzz".into());
    topic.insert("query".into(), q.into());
    let files = vec![(
        PathBuf::from("keywords/topics/fuzz.toml"),
        toml::to_string(&topic).unwrap(),
    )];
    let Ok(lists) = load_files(&files) else {
        return;
    };
    let Ok(classifier) = Classifier::from_lists(lists) else {
        return;
    };
    let doc = Document {
        title: Some("Judul: banjir"),
        text,
        source: Some("fuzz"),
        author: Some("warga"),
        lang: Some("id"),
    };
    classifier.classify(&doc, None);
});

