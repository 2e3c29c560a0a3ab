//! Bounded property tests over the input parsers the fuzz targets (fuzz/) cover: feeds, the
//! query language, normalisation, keyword files, config text and JSON Lines/CSV import. Each
//! property runs a fixed number of cases built from a seeded xorshift generator (no proptest:
//! see fuzz/README.md), with structured-ish inputs (feeds from random items with hostile text,
//! queries from random tokens, keyword files with random values), so the whole file is
//! deterministic and quick in a debug build. A failing case prints its seed and input.

use std::path::{Path, PathBuf};

use pantau::classify::lists::load_files;
use pantau::classify::normalize::Normalizer;
use pantau::classify::{Classifier, Document, query};
use pantau::fold::fold;
use pantau::ingest::read::{Parsed, records};
use pantau::ingest::{Charset, Format, PushKind};
use pantau::sources::feed::parse::parse;
use pantau::sources::http::{Document as Fetched, Validators};
use pantau::sources::text::{MAX_TEXT_CHARS, html_to_text};

/// Cases per property: enough to meet the odd corner, few enough for well under 30 s in debug.
const CASES: u64 = 1000;

/// A tiny xorshift64* generator: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }

    /// Text mixing ordinary Indonesian words with what breaks parsers: markup, entities, CDATA
    /// ends, quotes, control characters, combining marks, wide and right-to-left letters.
    fn hostile_text(&mut self, pieces: usize) -> String {
        const PARTS: &[&str] = &[
            "banjir",
            "Samarinda",
            "jalan2",
            "bannnjiiir",
            "#BanjirSamarinda",
            "@pemkot",
            "https://warta.example/a?b=1&c=2",
            " ",
            "  ",
            "\n",
            "\t",
            "<",
            ">",
            "&",
            "&amp;",
            "&#x1F30A;",
            "&nbsp;",
            "&bogus",
            "<b>",
            "</b>",
            "<p>",
            "<script>x</script>",
            "]]>",
            "<![CDATA[",
            "\"",
            "'",
            "\\",
            "/",
            "*",
            "~",
            "(",
            ")",
            ":",
            "\u{0}",
            "\u{1b}[31m",
            "\u{feff}",
            "\u{301}",
            "e\u{301}",
            "İ",
            "ß",
            "ﬁ",
            "Ｓａｍａｒｉｎｄａ",
            "\u{202e}",
            "مرحبا",
            "🌊",
            "\u{fffd}",
            "NEAR/3",
            "AND",
            "OR",
            "NOT",
            "Sempája",
        ];
        (0..pieces).map(|_| self.pick(PARTS)).collect()
    }
}

fn xml_escape(s: &str) -> String {
    s.chars()
        // Characters XML 1.0 forbids even as references: a real feed cannot hold them.
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}')
        })
        .fold(String::new(), |mut out, c| {
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '"' => out.push_str("&quot;"),
                c => out.push(c),
            }
            out
        })
}

fn fetched(body: Vec<u8>) -> Fetched {
    Fetched {
        body,
        content_type: None,
        url: url::Url::parse("https://warta.example/rss").unwrap(),
        validators: Validators::default(),
    }
}

fn now() -> jiff::Timestamp {
    "2026-11-27T02:00:00Z".parse().unwrap()
}

/// An RSS feed of escaped random items parses, finds every item, and keeps every post's text
/// within its cap; the same items unescaped (hostile markup as the feed's own) never panic.
#[test]
fn feeds_of_random_items() {
    for seed in 0..CASES {
        let mut rng = Rng::new(seed);
        let items: Vec<(String, String)> = (0..1 + rng.below(5))
            .map(|_| {
                let n = 1 + rng.below(12);
                let m = rng.below(30);
                (rng.hostile_text(n), rng.hostile_text(m))
            })
            .collect();
        let escaped: String = items
            .iter()
            .enumerate()
            .map(|(i, (title, text))| {
                format!(
                    "<item><title>{}</title><description>{}</description><guid>g{i}</guid></item>",
                    xml_escape(title),
                    xml_escape(text)
                )
            })
            .collect();
        let rss = format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>W</title>{escaped}</channel></rss>"
        );
        let (posts, found) = parse(&fetched(rss.clone().into_bytes()), &"w".into(), now())
            .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{rss}"));
        assert_eq!(found, items.len(), "seed {seed}: {rss}");
        assert!(posts.len() <= found);
        for post in &posts {
            assert!(post.text.chars().count() <= MAX_TEXT_CHARS + 1);
            assert!(!post.external_id.is_empty(), "seed {seed}");
        }

        let raw: String = items
            .iter()
            .map(|(title, text)| format!("<entry><title type=\"html\">{title}</title><content type=\"html\">{text}</content></entry>"))
            .collect();
        let atom = format!("<feed xmlns=\"http://www.w3.org/2005/Atom\">{raw}</feed>");
        let _ = parse(&fetched(atom.into_bytes()), &"w".into(), now());
        let json = serde_json::json!({
            "version": "https://jsonfeed.org/version/1.1",
            "title": "J",
            "items": items.iter().enumerate().map(|(i, (t, x))| serde_json::json!({
                "id": format!("j{i}"), "title": t, "content_html": x,
            })).collect::<Vec<_>>(),
        });
        if let Ok((posts, _)) = parse(&fetched(json.to_string().into_bytes()), &"j".into(), now()) {
            assert!(posts.len() <= items.len());
        }
    }
}

/// HTML to text is total on hostile markup, capped, and trimmed.
#[test]
fn html_to_text_is_capped_and_total() {
    for seed in 0..CASES {
        let mut rng = Rng::new(seed);
        let n = rng.below(60);
        let input = rng.hostile_text(n);
        let text = html_to_text(&input);
        assert!(text.chars().count() <= MAX_TEXT_CHARS + 1);
        assert!(
            !text.starts_with(' ') && !text.ends_with(' '),
            "seed {seed}: {text:?}"
        );
    }
}

/// Folding for hashes is idempotent (folded text folds to itself), and the matcher's folding
/// maps every span back into the original text on character boundaries.
#[test]
fn folding_is_idempotent_and_maps_back() {
    let normalizer = Normalizer::new(
        [("gk", "tidak"), ("jln", "jalan"), ("bnjir", "banjir")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        ["banjir", "samarinda", "jalan"]
            .into_iter()
            .map(String::from)
            .collect(),
    );
    for seed in 0..CASES {
        let mut rng = Rng::new(seed);
        let n = rng.below(40);
        let input = rng.hostile_text(n);
        let once = fold(&input).text;
        assert_eq!(fold(&once).text, once, "seed {seed}: {input:?}");

        let folded = normalizer.fold(&input);
        for (start, end) in folded.words.iter().map(|&(s, e)| (s as usize, e as usize)) {
            assert!(folded.text.is_char_boundary(start) && folded.text.is_char_boundary(end));
            let (s, e) = folded.original_span(start, end);
            assert!(
                input.get(s..e).is_some(),
                "seed {seed}: {input:?} word {start}..{end} maps to {s}..{e}"
            );
        }
    }
}

/// A query of random tokens never panics the parser; one that parses prints as a query that
/// parses back to the same query, and an error points inside the query.
#[test]
fn queries_of_random_tokens() {
    const TOKENS: &[&str] = &[
        "banjir",
        "Samarinda",
        "jalan",
        "rusak*",
        "banjir~",
        "\"air meluap\"",
        "\"loa bakung\"*",
        "AND",
        "OR",
        "NOT",
        "NEAR/3",
        "ONEAR/0",
        "NEAR/101",
        "NEAR",
        "(",
        ")",
        "title:",
        "text:",
        "source:warga*",
        "lang:id",
        "mention:pemkot",
        "link:kaltim",
        "bogus:",
        "/air \\d+ ?cm/",
        "/a\\/b/",
        "/[/",
        "\"",
        "*",
        "~",
        "and",
        "or",
        "Sempája",
        "🌊",
        "x:y",
        ":",
    ];
    for seed in 0..CASES * 4 {
        let mut rng = Rng::new(seed);
        let q: Vec<&str> = (0..1 + rng.below(10)).map(|_| rng.pick(TOKENS)).collect();
        let q = q.join(if rng.below(4) == 0 { "" } else { " " });
        match query::parse(&q) {
            Ok(expr) => {
                let printed = expr.to_string();
                let again = query::parse(&printed)
                    .unwrap_or_else(|e| panic!("seed {seed}: {q:?} printed as {printed:?}: {e:?}"));
                assert_eq!(
                    again.without_positions(),
                    expr.without_positions(),
                    "seed {seed}: {q:?} printed as {printed:?}"
                );
            }
            Err(e) => assert!(
                e.at <= q.len() && !e.message.is_empty(),
                "seed {seed}: {q:?} {e:?}"
            ),
        }
    }
}

/// A topic file with random values loads, or fails with errors at a line of that file; one
/// that loads compiles and classifies hostile text without panic.
#[test]
fn keyword_files_with_random_values() {
    const WORDS: &[&str] = &[
        "banjir",
        "air meluap",
        "",
        " ",
        "jalan2",
        "#banjir",
        "@x",
        "a\"b",
        "a'b",
        "\\",
        "NOT",
        "banjir*",
        "x~",
        "(",
        "Sempája",
        "🌊",
        "\u{0}",
        "é",
        "ﬁ",
    ];
    const QUERIES: &[&str] = &[
        "banjir AND samarinda",
        "(banjir",
        "NOT banjir",
        "banjir NEAR/2 air",
        "/[a-z/",
        "/(a+)+$/",
        "title:banjir OR source:warga",
        "\"\"",
        "banjir OR",
        "lang:id",
    ];
    const PRIORITIES: &[&str] = &["tinggi", "sedang", "rendah", "urgent", ""];
    for seed in 0..CASES {
        let mut rng = Rng::new(seed);
        let mut topic = toml::Table::new();
        topic.insert("name".into(), rng.pick(WORDS).into());
        if rng.below(4) > 0 {
            topic.insert("priority".into(), rng.pick(PRIORITIES).into());
        }
        let list = |rng: &mut Rng| -> toml::Value {
            (0..rng.below(5))
                .map(|_| toml::Value::from(rng.pick(WORDS)))
                .collect::<Vec<_>>()
                .into()
        };
        match rng.below(3) {
            0 => {
                topic.insert("any".into(), list(&mut rng));
            }
            1 => {
                topic.insert("query".into(), rng.pick(QUERIES).into());
            }
            _ => {
                topic.insert(
                    "patterns".into(),
                    vec![rng.pick(QUERIES).trim_matches('/')].into(),
                );
            }
        }
        if rng.below(2) == 0 {
            topic.insert("exclude".into(), list(&mut rng));
        }
        if rng.below(3) == 0 {
            topic.insert("match".into(), list(&mut rng));
        }
        if rng.below(5) == 0 {
            topic.insert("unknown_key".into(), 3.into());
        }
        let text = toml::to_string(&topic).unwrap();
        let path = PathBuf::from("keywords/topics/acak.toml");
        let lines = text.lines().count().max(1);
        let check = |errors: &[pantau::classify::ListError]| {
            for e in errors {
                assert_eq!(e.path, path, "seed {seed}: {e}");
                assert!(
                    e.line >= 1 && e.line <= lines + 1 && e.col >= 1,
                    "seed {seed}: {e}\n{text}"
                );
                assert!(e.to_string().contains("acak.toml:"), "seed {seed}: {e}");
            }
        };
        match load_files(&[(path.clone(), text.clone())]) {
            Err(errors) => check(&errors.0),
            Ok(lists) => match Classifier::from_lists(lists) {
                Err(errors) => check(&errors.0),
                Ok(classifier) => {
                    check(&classifier.check_examples());
                    let n = rng.below(30);
                    let body = rng.hostile_text(n);
                    classifier.classify(&Document::text(&body), None);
                }
            },
        }
    }
}

/// Config text with random values for real keys is resolved or refused with a message; a
/// syntax error points at a line of the text.
#[test]
fn config_with_random_values() {
    const KEYS: &[(&str, &str)] = &[
        ("storage", "retain_days"),
        ("storage", "path"),
        ("schedule", "timezone"),
        ("schedule", "briefing_at"),
        ("http", "bind"),
        ("fetch", "interval"),
        ("fetch", "timeout"),
        ("fetch", "max_body_bytes"),
        ("fetch", "per_host"),
        ("briefing", "language"),
        ("log", "level"),
        ("alerts", "growth"),
        ("alerts", "window"),
    ];
    const VALUES: &[&str] = &[
        "0",
        "-1",
        "18446744073709551616",
        "1e308",
        "nan",
        "\"\"",
        "\"15m\"",
        "\"0s\"",
        "\"999999999h\"",
        "\"25:61\"",
        "\"Asia/Makassar\"",
        "\"Mars/Olympus\"",
        "\"127.0.0.1:0\"",
        "\"[::1]:99999\"",
        "true",
        "[]",
        "{}",
        "\"id\"",
        "\"\\u0000\"",
        "\"🌊\"",
        "1.5",
    ];
    for seed in 0..CASES {
        let mut rng = Rng::new(seed);
        let mut text = String::new();
        for _ in 0..1 + rng.below(4) {
            let (section, key) = KEYS[rng.below(KEYS.len())];
            text.push_str(&format!("[{section}]\n{key} = {}\n", rng.pick(VALUES)));
        }
        if rng.below(3) == 0 {
            text.push_str(&format!(
                "[[sources]]\nid = \"s{seed}\"\nkind = \"{}\"\nurl = {}\ninterval = {}\n",
                rng.pick(&["feed", "reddit", "json", "bogus"]),
                rng.pick(&["\"https://a.example/rss\"", "\"ftp://x\"", "\"\"", "3"]),
                rng.pick(VALUES)
            ));
        }
        match pantau::engine::Config::from_str(&text, Path::new("/srv/pantau")) {
            Ok(_) => {}
            Err(pantau::config::ConfigError::Syntax { line, col, .. }) => {
                assert!(
                    line >= 1 && col >= 1 && line <= text.lines().count() + 1,
                    "seed {seed}: {text}"
                );
            }
            Err(e) => assert!(!e.to_string().is_empty(), "seed {seed}"),
        }
    }
}

/// An import never yields more records than the input has lines, numbers them in order, and
/// accepts every well-formed record.
#[test]
fn imports_never_accept_more_records_than_lines() {
    for seed in 0..CASES {
        let mut rng = Rng::new(seed);
        let csv = rng.below(2) == 0;
        let mut body = String::new();
        if csv {
            body.push_str(rng.pick(&["source,text,published\n", "source;text\n", "text\n", ""]));
        }
        let mut good = 0;
        for i in 0..rng.below(8) {
            let n = rng.below(10);
            let text = rng.hostile_text(n).replace('\u{0}', "") + rng.pick(&["", "\r"]);
            match (csv, rng.below(4)) {
                (false, 0) => {
                    body.push_str(&format!("{{\"source\":\"warga\",\"text\":{:?}\n", text))
                }
                (false, 1) => body.push('\n'),
                (false, _) if !text.trim().is_empty() => {
                    good += 1;
                    body.push_str(
                        &serde_json::json!({"source": "warga", "text": text, "id": i}).to_string(),
                    );
                    body.push('\n');
                }
                (true, _) => {
                    body.push_str(&format!(
                        "warga,\"{}\",2026-11-27T08:00:00+08:00{}",
                        text.replace('"', "\"\""),
                        // Unix, Windows and old Mac line ends.
                        rng.pick(&["\n", "\r\n", "\r"])
                    ));
                }
                _ => {}
            }
        }
        // Line ends: `\n`, and a `\r` without a `\n` after it (the CSV reader ends records there).
        let bare_cr = body.matches('\r').count() - body.matches("\r\n").count();
        let lines = (body.matches('\n').count() + bare_cr) as u64 + 1;
        let format = if csv { Format::Csv } else { Format::JsonLines };
        let Ok(iter) = records(
            body.as_bytes(),
            format,
            Charset::UTF8,
            PushKind::Import,
            now(),
        ) else {
            assert!(csv, "seed {seed}: JSON Lines input refused whole:\n{body}");
            continue;
        };
        let (mut count, mut accepted, mut last) = (0u64, 0, 0u64);
        for item in iter {
            let Ok(parsed) = item else { break };
            let line = match parsed {
                Parsed::Post { line, .. } => {
                    accepted += 1;
                    line
                }
                Parsed::Rejected(r) => r.line,
            };
            count += 1;
            assert!(
                line > last && line <= lines,
                "seed {seed}: line {line} after {last}\n{body}"
            );
            last = line;
        }
        assert!(
            count <= lines,
            "seed {seed}: {count} records from {lines} lines\n{body}"
        );
        if !csv {
            assert_eq!(accepted, good, "seed {seed}:\n{body}");
        }
    }
}
