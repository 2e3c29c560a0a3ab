//! Bytes → the JSON Lines and CSV record readers of `pantau import` and `POST /api/ingest`,
//! with charset handling. The first byte picks the format and the declared charset (UTF-8,
//! windows-1252 or UTF-16LE). Invariants: no panic, records come out in line order, and never
//! more records than lines (for the byte-oriented charsets, where lines can be counted here).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pantau::ingest::read::{Parsed, records};
use pantau::ingest::{Charset, Format, PushKind};

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let format = if which & 1 == 0 {
        Format::JsonLines
    } else {
        Format::Csv
    };
    let label = match (which >> 1) % 3 {
        0 => "utf-8",
        1 => "windows-1252",
        _ => "utf-16le",
    };
    let charset = Charset::from_label(label).unwrap();
    let kind = if which & 8 == 0 {
        PushKind::Import
    } else {
        PushKind::Ingest
    };
    let now: jiff::Timestamp = "2026-11-27T02:00:00Z".parse().unwrap();
    let Ok(iter) = records(body, format, charset, kind, now) else {
        return;
    };
    // Line ends: `\n`, and a `\r` without a `\n` after it (the CSV reader ends records there).
    let bare_cr = body
        .windows(2)
        .filter(|w| w[0] == b'\r' && w[1] != b'\n')
        .count()
        + usize::from(body.last() == Some(&b'\r'));
    let lines = (body.iter().filter(|&&b| b == b'\n').count() + bare_cr) as u64 + 1;
    let byte_oriented =
        label != "utf-16le" && !body.starts_with(&[0xFF, 0xFE]) && !body.starts_with(&[0xFE, 0xFF]);
    let (mut count, mut last) = (0u64, 0u64);
    for item in iter {
        let Ok(parsed) = item else {
            // A whole-input error ends the reading.
            break;
        };
        let line = match parsed {
            Parsed::Post { line, .. } => line,
            Parsed::Rejected(r) => r.line,
        };
        count += 1;
        assert!(line >= 1 && line > last, "line {line} after {last}");
        last = line;
        if byte_oriented {
            assert!(
                line <= lines && count <= lines,
                "record {count} at line {line} of {lines}"
            );
        }
    }
});
