//! What a post is *about* against what it only names: an article's title and lead weigh more
//! than its body, a dateline, a "baca juga" line, a route and a university's city count less;
//! `classify --json` shows each tag's role and weight; the store counts primary tags and keeps
//! the mentioned ones apart, which search shows; a topic's `subject` rule is checked and used.

mod common;

use common::{Project, query_i64, stdout};
use serde_json::Value;

/// A flood in Sepaku (Penajam Paser Utara), reported from Samarinda, with a related link to a
/// Bontang road story and a Samarinda university's researcher. Written for this test.
const ARTICLE: &str = "Banjir Rendam Ratusan Rumah di Sepaku
SAMARINDA – Banjir merendam ratusan rumah warga di Kecamatan Sepaku, Penajam Paser Utara, sejak \
Senin malam. Ketinggian air mencapai satu meter dan warga mulai mengungsi ke masjid dan balai desa. \
BPBD Penajam Paser Utara mengerahkan perahu karet untuk mengevakuasi lansia dan anak-anak dari \
rumah yang terendam banjir paling parah di tepi sungai.
Baca juga: Jalan Poros Bontang Rusak Parah, Warga Tanam Pisang
Kepala BPBD mengatakan air mulai surut pada Selasa pagi, tetapi hujan diperkirakan turun lagi. \
Seorang peneliti Universitas Mulawarman Samarinda menilai pembukaan lahan di hulu sungai \
memperparah banjir di kawasan itu.";

fn classify(project: &Project, text: &str) -> Value {
    let out = project.pantau(&["classify", "--json", text]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn tag<'a>(list: &'a Value, id: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("{id} missing from {list}"))
}

#[test]
fn an_article_is_about_where_its_events_happen() {
    let p = Project::new("", "");
    let v = classify(&p, ARTICLE);
    let regions = &v["regions"];
    assert_eq!(
        tag(regions, "penajam-paser-utara")["role"],
        "primary",
        "{v}"
    );
    assert_eq!(tag(regions, "sepaku")["role"], "primary", "{v}");
    // The dateline and the university's city, and the related link's city.
    assert_eq!(tag(regions, "samarinda")["role"], "mentioned", "{v}");
    assert_eq!(tag(regions, "bontang")["role"], "mentioned", "{v}");
    let ppu = tag(regions, "penajam-paser-utara")["weight"]
        .as_f64()
        .unwrap();
    let smd = tag(regions, "samarinda")["weight"].as_f64().unwrap();
    assert!(ppu > 3.0 * smd, "{v}");
    // The flood is the subject and listed first; the road story is only linked.
    let topics = &v["topics"];
    assert_eq!(topics[0]["id"], "banjir", "{v}");
    assert_eq!(topics[0]["role"], "primary");
    assert_eq!(tag(topics, "jalan-rusak")["role"], "mentioned", "{v}");
    // In the lead, but in a related-stories line: a quarter of a lead mention.
    assert_eq!(tag(topics, "jalan-rusak")["weight"], 0.5, "{v}");
    // The one-line summary says the same.
    let line = stdout(&p.pantau(&["classify", ARTICLE]));
    assert!(line.starts_with("topik: banjir"), "{line}");
    assert!(line.contains("(disebut: "), "{line}");
}

/// A short post has no lead to speak of: everything it names is what it is about.
#[test]
fn a_short_post_is_about_everything_it_names() {
    let p = Project::new("", "");
    let v = classify(
        &p,
        "Banjir di Samarinda dan longsor di Bontang, warga mengungsi",
    );
    for t in v["topics"].as_array().unwrap() {
        assert_eq!(t["role"], "primary", "{v}");
    }
    assert_eq!(tag(&v["regions"], "samarinda")["role"], "primary", "{v}");
    assert_eq!(tag(&v["regions"], "bontang")["role"], "primary", "{v}");
}

#[test]
fn the_store_counts_primary_tags_and_search_shows_the_mentioned() {
    let p = Project::new("", "");
    let record = serde_json::json!({
        "source": "warga", "id": "1", "title": ARTICLE.lines().next().unwrap(),
        "text": ARTICLE.split_once('\n').unwrap().1, "published": "2026-12-01T08:00:00+08:00"
    });
    let file = p.path().join("posts.jsonl");
    std::fs::write(&file, format!("{record}\n")).unwrap();
    let out = p.pantau(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let store = p.store();
    let count = |sql: &str| query_i64(&store, sql);
    assert_eq!(
        count("SELECT count(*) FROM post_regions WHERE region_id = 'penajam-paser-utara'"),
        1
    );
    assert_eq!(
        count("SELECT count(*) FROM post_regions WHERE region_id = 'samarinda'"),
        0
    );
    assert_eq!(
        count(
            "SELECT count(*) FROM post_mentions WHERE kind = 'region' AND tag_id = 'samarinda'
             AND weight > 0"
        ),
        1
    );
    assert_eq!(
        count("SELECT count(*) FROM topic_hourly WHERE topic_id = 'jalan-rusak'"),
        0
    );
    let found = p.pantau(&["search", "--json", "banjir", "--since", "2026-11-30"]);
    let found: Value = serde_json::from_slice(&found.stdout).unwrap();
    let post = &found[0];
    assert!(
        post["regions"]
            .as_array()
            .unwrap()
            .contains(&"penajam-paser-utara".into())
    );
    assert!(
        post["mentioned_regions"]
            .as_array()
            .unwrap()
            .contains(&"samarinda".into())
    );
    assert!(
        post["mentioned_topics"]
            .as_array()
            .unwrap()
            .contains(&"jalan-rusak".into())
    );
    let plain = stdout(&p.pantau(&["search", "banjir", "--since", "2026-11-30"]));
    assert!(plain.contains("hanya disebut: "), "{plain}");
}

/// `subject` in a topic file: one word of the topic in the body is not enough, two are; a
/// misspelt rule is an error at its line.
#[test]
fn a_topic_states_what_makes_it_the_subject() {
    let p = Project::new("", "");
    let file = p.path().join("keywords/topics/parkir.toml");
    std::fs::write(
        &file,
        "name = \"Parkir liar\"\nsubject = \"title OR 2 terms\"\n\
         any = [\"parkir liar\", \"juru parkir\"]\n",
    )
    .unwrap();
    let one = classify(
        &p,
        "Warga mengeluhkan jalan berlubang, juru parkir ikut mengatur arus",
    );
    let parkir = tag(&v_topics(&one), "parkir").clone();
    assert_eq!(parkir["role"], "mentioned", "{one}");
    assert!(
        parkir["reason"]
            .as_str()
            .unwrap()
            .contains("title OR 2 terms")
    );
    let two = classify(
        &p,
        "Parkir liar menjamur, juru parkir minta tarif dua kali lipat",
    );
    assert_eq!(tag(&v_topics(&two), "parkir")["role"], "primary", "{two}");

    std::fs::write(
        &file,
        "name = \"Parkir liar\"\nsubject = \"body\"\nany = [\"parkir liar\"]\n",
    )
    .unwrap();
    let out = p.pantau(&["keywords", "check"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("keywords/topics/parkir.toml:2:"), "{err}");
    assert!(err.contains("subject: \"body\" tidak dikenal"), "{err}");
    assert!(err.contains("saran:"), "{err}");
}

fn v_topics(v: &Value) -> Value {
    v["topics"].clone()
}
