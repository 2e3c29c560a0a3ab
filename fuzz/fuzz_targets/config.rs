//! Config TOML text → settings resolution and validation (`engine::Config::from_str`: the same walk as
//! `pantau run --config FILE`, without the file and environment). Invariants: no panic, and a
//! syntax error points at a line and column inside the text.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use pantau::config::ConfigError;
use pantau::engine::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::from_str(text, Path::new("/srv/pantau")) {
        Ok(_) => {}
        Err(ConfigError::Syntax { line, col, .. }) => {
            assert!(line >= 1 && col >= 1);
            assert!(line <= text.lines().count() + 1, "line {line}");
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
