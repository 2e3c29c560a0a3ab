//! Detected languages through the real binary and a real database: posts imported without a
//! language get one, a post in a language `[keywords] languages` does not count is stored and
//! searchable but counted in no issue, and `lang:` narrows `pantau search`.

mod common;

use common::{Project, query_i64, stderr, stdout};

/// Three posts about flooding that state no language: Indonesian, English (naming the word
/// *banjir*, so the Indonesian lists would tag it), and one too short to tell.
const RECORDS: &str = r#"{"source":"warga","id":"1","text":"Banjir kembali merendam permukiman warga di Sempaja Samarinda setelah hujan deras sejak semalam","published":"2026-11-27T01:00:00Z"}
{"source":"warga","id":"2","text":"Banjir again in Samarinda: the river overflowed overnight and flooded hundreds of homes near Sempaja","published":"2026-11-27T02:00:00Z"}
{"source":"warga","id":"3","text":"banjir Sempaja","published":"2026-11-27T03:00:00Z"}
"#;

fn imported(extra: &str) -> Project {
    let p = Project::new(extra, "");
    let file = p.path().join("posts.jsonl");
    std::fs::write(&file, RECORDS).unwrap();
    let out = p.pantau(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    p
}

fn langs(p: &Project) -> Vec<(String, Option<String>)> {
    p.sql()
        .prepare("SELECT external_id, lang FROM posts ORDER BY external_id")
        .unwrap()
        .query_map(&[], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn tagged(p: &Project, topic: &str) -> Vec<String> {
    p.sql()
        .prepare(
            "SELECT p.external_id FROM post_topics t JOIN posts p ON p.id = t.post_id
             WHERE t.topic_id = ?1 ORDER BY p.external_id",
        )
        .unwrap()
        .query_map(&[&topic], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// With the default `["id"]`, the English post is stored with `lang = en` and its regions but
/// no issue, so the hourly counts hold the Indonesian post and the undetected short one only.
#[test]
fn a_post_in_english_is_stored_but_not_counted_by_default() {
    let p = imported("");
    assert_eq!(
        langs(&p),
        [
            ("1".to_string(), Some("id".to_string())),
            ("2".to_string(), Some("en".to_string())),
            ("3".to_string(), None),
        ]
    );
    assert_eq!(tagged(&p, "banjir"), ["1", "3"]);
    let store = p.store();
    assert_eq!(
        query_i64(
            &store,
            "SELECT coalesce(sum(posts), 0) FROM topic_hourly WHERE topic_id = 'banjir' AND region_id = 'samarinda'"
        ),
        2
    );
    // Its place is still known.
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM post_regions r JOIN posts p ON p.id = r.post_id
             WHERE p.external_id = '2' AND r.region_id = 'samarinda'"
        ),
        1
    );
}

/// Listing English in `[keywords] languages` counts it like the rest.
#[test]
fn a_listed_language_is_counted() {
    let p = imported("[keywords]\nlanguages = [\"id\", \"en\"]\n");
    assert_eq!(tagged(&p, "banjir"), ["1", "2", "3"]);
}

/// `lang:en` keeps the English post, alone or with words; `lang:id` the Indonesian one.
#[test]
fn search_narrows_by_language() {
    let p = imported("");
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["search", "--json"];
        all.extend_from_slice(args);
        let out = p.pantau(&all);
        assert!(out.status.success(), "{}", stderr(&out));
        let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|p| match p["text"].as_str().unwrap_or_default() {
                t if t.starts_with("Banjir kembali") => "1".to_string(),
                t if t.starts_with("Banjir again") => "2".to_string(),
                t => t.to_string(),
            })
            .collect()
    };
    assert_eq!(ids(&["lang:en"]), ["2"]);
    assert_eq!(ids(&["banjir lang:en"]), ["2"]);
    assert_eq!(ids(&["banjir", "lang:id"]), ["1"]);
    assert_eq!(ids(&["banjir"]), ["banjir Sempaja", "2", "1"]);
    let text = stdout(&p.pantau(&["search", "sempaja lang:en"]));
    assert!(
        text.contains("Banjir again") && !text.contains("merendam"),
        "{text}"
    );
}

/// A wrong code in `[keywords] languages` stops the start with the file, the key and a hint.
#[test]
fn a_wrong_language_code_is_reported() {
    let p = Project::new(
        "[keywords]\nlanguages = [\"id\", \"bahasa indonesia\"]\n",
        "",
    );
    let out = p.pantau(&["sources"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("languages") && err.contains("kode bahasa") && err.contains("saran:"),
        "{err}"
    );
}

/// `pantau classify` answers as the pipeline stores: the English flood post gets no issue by
/// default and says why, and gets `banjir` once English is counted.
#[test]
fn classify_applies_the_counting_rule() {
    let english = RECORDS.lines().nth(1).unwrap();
    let text: serde_json::Value = serde_json::from_str(english).unwrap();
    let text = text["text"].as_str().unwrap();
    let p = Project::new("", "");
    let out: serde_json::Value =
        serde_json::from_str(&stdout(&p.pantau(&["classify", "--json", text]))).unwrap();
    assert_eq!(out["lang"], "en");
    assert_eq!(out["counted"], false);
    assert_eq!(out["topics"], serde_json::json!([]));
    let plain = stdout(&p.pantau(&["classify", text]));
    assert!(plain.contains("bahasa en tidak dihitung"), "{plain}");

    let counted = Project::new("[keywords]\nlanguages = [\"id\", \"en\"]\n", "");
    let out: serde_json::Value =
        serde_json::from_str(&stdout(&counted.pantau(&["classify", "--json", text]))).unwrap();
    assert_eq!(out["counted"], true);
    assert_eq!(out["topics"][0]["id"], "banjir", "{out}");
}
