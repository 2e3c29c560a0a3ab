//! The whole path: the bundled demo corpus through poller, classifier, store and digest; and
//! the briefing's safety with hostile post text.

mod common;

use std::collections::{BTreeSet, HashMap};

use common::{Project, pantau_in, query_i64, repo, stderr, stdout};
use pantau::classify::Tags;
use pantau::model::{Post, RegionId, TopicId};
use pantau::store::{Browse, Writes};
use serde_json::Value;

#[derive(Debug)]
struct Expected {
    source: String,
    id: String,
    topics: BTreeSet<String>,
    region: Option<String>,
}

fn expected() -> Vec<Expected> {
    std::fs::read_to_string(repo().join("demo/expected.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            Expected {
                source: v["source"].as_str().unwrap().into(),
                id: v["id"].as_str().unwrap().into(),
                topics: v["topics"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_str().unwrap().into())
                    .collect(),
                region: v["region"].as_str().map(str::to_owned),
            }
        })
        .collect()
}

/// `pantau demo --out DIR`: every demo item stored once and tagged as the corpus says, the
/// briefing of the last day written in three formats with the rising issue first.
#[test]
fn the_demo_runs_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("demo");
    // On the PostgreSQL pass the demo stores in a test database.
    let pg = common::test_database();
    let demo_store = || match &pg {
        Some(db) => db.store(),
        None => pantau::Store::open(&out_dir.join("data/pantau.db")).unwrap(),
    };
    let out = common::demo_in(tmp.path(), &out_dir, pg.as_ref());
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(report.contains("Briefing:"), "{report}");
    assert!(
        report.contains("1. Banjir, banjir rob dan genangan"),
        "{report}"
    );

    let want = expected();
    assert!(want.len() >= 400, "the demo corpus has at least 400 items");
    let store = demo_store();
    assert_eq!(
        store.count_posts().unwrap() as usize,
        want.len(),
        "every item stored once"
    );
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM sources WHERE consecutive_failures > 0"
        ),
        0
    );

    let mut topics: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
    let mut regions: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
    let conn = common::sql(&store);
    // The corpus lists every issue and place an item names; the store keeps those it is about
    // (primary) apart from those it only mentions, so both are read.
    let mut stmt = conn
        .prepare(
            "SELECT p.source_id, p.external_id, t.topic_id, r.region_id FROM posts p
             LEFT JOIN (SELECT post_id, topic_id FROM post_topics
                        UNION ALL SELECT post_id, tag_id FROM post_mentions WHERE kind = 'topic') t
                 ON t.post_id = p.id
             LEFT JOIN (SELECT post_id, region_id FROM post_regions
                        UNION ALL SELECT post_id, tag_id FROM post_mentions WHERE kind = 'region') r
                 ON r.post_id = p.id",
        )
        .unwrap();
    let rows = stmt
        .query_map(&[], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })
        .unwrap();
    for row in rows {
        let (source, id, topic, region) = row.unwrap();
        let key = (source, id);
        let t = topics.entry(key.clone()).or_default();
        t.extend(topic);
        regions.entry(key).or_default().extend(region);
    }
    let mut wrong = Vec::new();
    for e in &want {
        let key = (e.source.clone(), e.id.clone());
        let Some(got) = topics.get(&key) else {
            wrong.push(format!("missing {}", e.id));
            continue;
        };
        if *got != e.topics {
            wrong.push(format!("{}: want {:?}, got {:?}", e.id, e.topics, got));
        }
        if let Some(region) = &e.region
            && !regions[&key].contains(region)
        {
            wrong.push(format!(
                "{}: region {region} missing from {:?}",
                e.id, regions[&key]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} items wrong:\n{}",
        wrong.len(),
        want.len(),
        wrong.join("\n")
    );

    // The briefing: named after today's local date, covering the last 24 hours.
    let today = pantau::time::local_date(
        jiff::Timestamp::now(),
        &jiff::tz::TimeZone::get("Asia/Makassar").unwrap(),
    );
    let briefings = out_dir.join("briefings");
    let json: Value =
        serde_json::from_slice(&std::fs::read(briefings.join(format!("{today}.json"))).unwrap())
            .unwrap();
    assert_eq!(json["summary"][0], "banjir", "the rising issue leads");
    let banjir = &json["issues"][0];
    assert_eq!(banjir["trend"], "naik");
    assert!(banjir["posts"].as_u64().unwrap() >= 50);
    assert_eq!(banjir["regions"][0]["id"], "samarinda");
    assert!(banjir["representative"].as_array().unwrap().len() == 5);
    assert_eq!(json["totals"]["sources_failed"], 0);
    let md = std::fs::read_to_string(briefings.join(format!("{today}.md"))).unwrap();
    for heading in [
        "## Ringkasan Eksekutif",
        "### Persoalan",
        "### Fakta-fakta",
        "### Analisis",
        "### Saran Tindak Lanjut",
        "## Kondisi Sumber",
        "## Metode",
    ] {
        assert!(md.contains(heading), "{heading} missing");
    }
    let html = std::fs::read_to_string(briefings.join(format!("{today}.html"))).unwrap();
    assert!(html.contains("<svg") && !html.contains("<script") && !html.contains("http-equiv"));
    assert_eq!(query_i64(&store, "SELECT count(*) FROM briefings"), 1);

    // Again into the same folder: the previous demo is replaced, not added to.
    let out = common::demo_in(tmp.path(), &out_dir, pg.as_ref());
    assert!(out.status.success(), "{}", stderr(&out));
    let store = demo_store();
    assert_eq!(store.count_posts().unwrap() as usize, want.len());

    // A folder that holds something else is never overwritten.
    let mine = tmp.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("skripsi.docx"), "penting").unwrap();
    let out = pantau_in(tmp.path(), &["demo", "--out", mine.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("sudah berisi berkas lain"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(mine.join("skripsi.docx")).unwrap(),
        "penting"
    );
}

fn hostile_post(id: &str, title: &str, text: &str, url: &str) -> (Post, Tags) {
    let at: jiff::Timestamp = "2026-11-20T03:00:00Z".parse().unwrap();
    (
        Post {
            source: "warga".into(),
            external_id: id.into(),
            url: Some(url.into()),
            title: Some(title.into()),
            text: text.into(),
            author: None,
            published: at,
            fetched: at,
            lang: None,
            platform: None,
            reach: Default::default(),
        },
        Tags {
            topics: vec![TopicId::new("banjir")],
            regions: vec![RegionId::new("samarinda")],
            areas: vec![RegionId::new("samarinda")],
            sentiment: None,
            fingerprint: None,
            text_hash: None,
            mentioned_topics: Vec::new(),
            mentioned_regions: Vec::new(),
        },
    )
}

/// Post text is hostile: in the HTML and Markdown briefings, scripts, HTML, Markdown links and
/// images from posts show as text, and a link cannot be turned into javascript.
#[test]
fn hostile_post_text_is_escaped_in_every_briefing() {
    let project = Project::new(
        "",
        "[[sources]]\nid = \"warga\"\nname = \"Warga <b>X</b>\"\nkind = \"feed\"\nurl = \"https://warga.example/rss\"\n",
    );
    let mut store = project.store();
    store.sync_sources(&project.load().source_infos()).unwrap();
    store
        .insert_posts(
            &[
                hostile_post(
                    "1",
                    "Banjir <script>alert('x')</script>",
                    "<img src=x onerror=alert(1)> air naik",
                    "https://a.example/1",
                ),
                hostile_post(
                    "2",
                    "Banjir [klik di sini](javascript:alert(1))",
                    "![gambar](https://evil.example/x.png) banjir lagi",
                    "https://a.example/2) [x](javascript:alert(2)",
                ),
                hostile_post(
                    "3",
                    "Banjir *tebal* `kode` | tabel",
                    "# Judul palsu\n- butir palsu\n<a href=\"javascript:alert(3)\">tautan</a>",
                    "javascript:alert(4)",
                ),
            ],
            "v",
        )
        .unwrap();
    drop(store);
    let out = project.pantau(&["digest", "--date", "2026-11-20", "--out", "keluar"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = project.path().join("keluar");
    let md = std::fs::read_to_string(dir.join("2026-11-20.md")).unwrap();
    let html = std::fs::read_to_string(dir.join("2026-11-20.html")).unwrap();

    // Parse the Markdown as a Markdown viewer would: no raw HTML and no image at all, links
    // only to the posts' own http(s) addresses, and the hostile text shown as text.
    use pulldown_cmark::{Event, Options, Tag};
    let gfm = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut md_text = String::new();
    let mut md_links = Vec::new();
    for event in pulldown_cmark::Parser::new_ext(&md, gfm) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) => panic!("raw HTML in the Markdown: {h}"),
            Event::Start(Tag::Image { dest_url, .. }) => {
                panic!("an image in the Markdown: {dest_url}")
            }
            Event::Start(Tag::Link { dest_url, .. }) => md_links.push(dest_url.to_string()),
            Event::Text(t) | Event::Code(t) => md_text.push_str(&t),
            _ => {}
        }
    }
    assert!(
        md_links.iter().all(|l| l.starts_with("https://a.example/")),
        "{md_links:?}"
    );
    for shown in [
        "Banjir <script>alert('x')</script>",
        "<img src=x onerror=alert(1)> air naik",
        "![gambar](https://evil.example/x.png) banjir lagi",
        "Banjir [klik di sini](javascript:alert(1))",
        "Warga <b>X</b>",
    ] {
        assert!(
            md_text.contains(shown),
            "{shown:?} is not shown as text in the Markdown"
        );
    }

    // Parse the HTML as a browser would: no script, image, frame or event handler anywhere;
    // the only style is the page's own; links go to http(s) or to the page itself; the
    // hostile text is text.
    let doc = scraper::Html::parse_document(&html);
    let count = |css: &str| doc.select(&scraper::Selector::parse(css).unwrap()).count();
    for css in [
        "script",
        "img",
        "iframe",
        "object",
        "embed",
        "form",
        "meta[http-equiv]",
        "base",
        "link",
    ] {
        assert_eq!(count(css), 0, "<{css}> in the HTML");
    }
    assert_eq!(count("style"), 1, "only the page's own style sheet");
    assert_eq!(count("head style"), 1);
    let all = scraper::Selector::parse("*").unwrap();
    for element in doc.select(&all) {
        for (name, value) in element.value().attrs() {
            assert!(!name.starts_with("on"), "event handler {name}={value:?}");
            if name == "href" {
                assert!(
                    value.starts_with("https://a.example/") || value.starts_with('#'),
                    "link to {value:?}"
                );
            }
        }
    }
    let html_text: String = doc.root_element().text().collect();
    for shown in [
        "Banjir <script>alert('x')</script>",
        "<img src=x onerror=alert(1)> air naik",
        "Banjir [klik di sini](javascript:alert(1))",
        "Warga <b>X</b>",
    ] {
        assert!(
            html_text.contains(shown),
            "{shown:?} is not shown as text in the HTML"
        );
    }

    // Render the Markdown as a chat app or a Markdown viewer would, and look at the result.
    let mut rendered = String::new();
    pulldown_cmark::html::push_html(&mut rendered, pulldown_cmark::Parser::new_ext(&md, gfm));
    for bad in [
        "<script",
        "<img",
        "<a href=\"javascript:",
        "<h1>Judul palsu",
        "<li>butir palsu",
        "<b>X</b>",
        "<em>tebal</em>",
        "<code>",
    ] {
        assert!(
            !rendered.contains(bad),
            "rendered Markdown holds {bad:?}:\n{rendered}"
        );
    }
    // The one table is the telaahan's head; a post's pipes make none.
    assert_eq!(
        rendered.matches("<table").count(),
        1,
        "rendered Markdown holds a table beyond the head:\n{rendered}"
    );
    assert!(
        rendered.contains("&lt;script&gt;alert('x')&lt;/script&gt;"),
        "{rendered}"
    );
    assert!(
        rendered.contains("[klik di sini](javascript:alert(1))"),
        "the link shows as text"
    );
    let links: Vec<&str> = rendered
        .match_indices("<a href=\"")
        .map(|(i, _)| &rendered[i + 9..])
        .map(|r| &r[..r.find('"').unwrap()])
        .collect();
    assert_eq!(
        links,
        [
            "https://a.example/2%29%20%5Bx%5D%28javascript:alert%282%29",
            "https://a.example/1"
        ]
    );
    for bad in [
        "<script",
        "<img",
        "href=\"javascript:",
        "<b>X</b>",
        "<a href=\"javascript",
    ] {
        assert!(!html.contains(bad), "HTML holds {bad:?}");
    }
    assert!(html.contains("&lt;script&gt;"));
    assert!(
        html.contains("Warga &lt;b&gt;X&lt;&#x2f;b&gt;")
            || html.contains("Warga &lt;b&gt;X&lt;/b&gt;"),
        "source names are escaped too"
    );
    // The JSON keeps the text as it was (it is data, escaped by whoever renders it).
    let json: Value =
        serde_json::from_slice(&std::fs::read(dir.join("2026-11-20.json")).unwrap()).unwrap();
    let titles: Vec<&str> = json["issues"][0]["representative"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["title"].as_str())
        .collect();
    assert!(titles.contains(&"Banjir <script>alert('x')</script>"));
    let urls: Vec<&Value> = json["issues"][0]["representative"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["url"])
        .collect();
    assert!(
        urls.contains(&&Value::Null),
        "a javascript: link is dropped"
    );
}

/// Regenerating a past day gives the same files apart from the generation time, written
/// atomically (no temporary files left behind).
#[test]
fn regenerating_a_day_is_idempotent() {
    let project = Project::new(
        "",
        "[[sources]]\nid = \"warga\"\nkind = \"feed\"\nurl = \"https://warga.example/rss\"\n",
    );
    let mut store = project.store();
    store.sync_sources(&project.load().source_infos()).unwrap();
    store
        .insert_posts(
            &[hostile_post(
                "1",
                "Banjir di Sempaja",
                "Air naik",
                "https://a.example/1",
            )],
            "v",
        )
        .unwrap();
    drop(store);
    let read = |name: &str| {
        std::fs::read_to_string(project.path().join("briefings").join(name))
            .unwrap()
            .lines()
            // The generated-at time (to the minute) is in these lines, and in the HTML footer.
            .filter(|l| {
                !l.contains("Dibuat") && !l.contains("generated") && !l.starts_with("<footer>")
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let out = project.pantau(&["digest", "--date", "2026-11-20"]);
        assert!(out.status.success(), "{}", stderr(&out));
        runs.push([
            read("2026-11-20.md"),
            read("2026-11-20.html"),
            read("2026-11-20.json"),
        ]);
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    assert_eq!(runs[0], runs[1]);
    let mut names: Vec<String> = std::fs::read_dir(project.path().join("briefings"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "2026-11-20.html",
            "2026-11-20.json",
            "2026-11-20.md",
            "index.html"
        ],
        "no temporary file is left"
    );
    let store = project.store();
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM briefings WHERE date = '2026-11-20'"
        ),
        1
    );
}
