//! Bytes → the feed parser (charset decoding, RSS/Atom/JSON Feed, HTML to text) → every item
//! folded by the normaliser and classified with the shipped keyword lists, explanation and all.
//! Invariants: no panic, each post's text within its cap, every reported span a valid slice
//! of the text it points into (`classify` slices it).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pantau::classify::{Classifier, Document, Field};
use pantau::sources::feed::parse::parse;
use pantau::sources::http::{Document as Fetched, Validators};
use pantau::sources::text::MAX_TEXT_CHARS;

fn classifier() -> &'static Classifier {
    static C: OnceLock<Classifier> = OnceLock::new();
    C.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../keywords");
        Classifier::load(std::path::Path::new(dir)).expect("the shipped keyword lists load")
    })
}

fuzz_target!(|data: &[u8]| {
    let classifier = classifier();
    let doc = Fetched {
        body: data.to_vec(),
        content_type: None,
        url: url::Url::parse("https://warta.example/rss").unwrap(),
        validators: Validators::default(),
    };
    let fetched: jiff::Timestamp = "2026-11-27T02:00:00Z".parse().unwrap();
    let Ok((posts, found)) = parse(&doc, &"fuzz".into(), fetched) else {
        return;
    };
    assert!(posts.len() <= found);
    for post in &posts {
        assert!(post.text.chars().count() <= MAX_TEXT_CHARS + 1);
        let folded = classifier.normalizer().fold(&post.text);
        let (start, end) = folded.original_span(0, folded.text.len());
        assert!(start <= end && end <= post.text.len());
        let c = classifier.classify(&Document::of(post), None);
        for m in c.topics.iter().flat_map(|t| &t.matches) {
            let field = match m.field {
                Field::Title => post.title.as_deref().unwrap_or(""),
                Field::Text => &post.text,
            };
            assert!(field.get(m.start..m.end).is_some());
        }
    }
});
