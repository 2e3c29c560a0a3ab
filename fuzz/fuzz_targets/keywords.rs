//! TOML text → the keyword loader (parse, validate, compile, run the examples). The first byte
//! picks the file: a topic file, `regions.toml`, `slang.toml` or `sentiment.toml`. Invariants:
//! no panic, and every error names the file and a line and column inside it (1-based).
#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use pantau::classify::Classifier;
use pantau::classify::lists::load_files;

const TOPIC: &str = "name = \"Banjir\"\nany = [\"banjir\"]\n";

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let name = match which % 4 {
        0 => "topics/fuzz.toml",
        1 => "regions.toml",
        2 => "slang.toml",
        _ => "sentiment.toml",
    };
    let path = PathBuf::from("keywords").join(name);
    let mut files = vec![(path.clone(), text.to_owned())];
    if which % 4 != 0 {
        files.push((PathBuf::from("keywords/topics/banjir.toml"), TOPIC.into()));
    }
    let lines = text.lines().count().max(1);
    let check = |errors: &[pantau::classify::ListError]| {
        for e in errors {
            assert!(e.line >= 1 && e.col >= 1, "{e}");
            if e.path == path {
                // One past the last line: an error at the very end of a file ending in '\n'.
                assert!(e.line <= lines + 1, "{e} (file has {lines} lines)");
            }
            assert!(!e.message.is_empty());
        }
    };
    match load_files(&files) {
        Err(errors) => check(&errors.0),
        Ok(lists) => match Classifier::from_lists(lists) {
            Err(errors) => check(&errors.0),
            Ok(classifier) => check(&classifier.check_examples()),
        },
    }
});
