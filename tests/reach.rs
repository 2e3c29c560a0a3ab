//! Reach used end to end: pushed records carry platform and counts (`pantau import`), posts
//! stored before platforms were kept count under their source's kind, and the briefing
//! (Markdown, HTML, JSON), `pantau trends --json` and the dashboard show per issue the share
//! by platform, the most engaged posts and the accounts of widest reach, with the ranking by
//! followers × engagement, not by posts, and every name escaped.

mod common;

use common::{Project, flood_story, stderr, stdout};
use jiff::{SignedDuration, Timestamp};
use pantau::Classifier;
use pantau::model::{Post, SourceId, SourceInfo};
use pantau::store::writer::Writer;
use pantau::store::{Store, Writes};
use serde_json::{Value, json};

/// The day of the briefing (WITA), and a time inside it.
const DAY: &str = "2026-11-20";
const AT: &str = "2026-11-20T10:00:00+08:00";

const HOSTILE: &str = "<img src=x onerror=alert(1)>*Akun* [x](javascript:alert(1))";

/// The pushed posts about floods on one platform-stating vendor source: the most-followed
/// account posts once, a busy small account ten times, a TikTok account with a hostile name
/// once. The texts are generated word salad, which language detection may take for Malay:
/// they state their language, as a vendor's records do.
fn records(famous_likes: u64) -> String {
    let mut lines = vec![json!({
        "source": "vendor-x", "id": "famous-1", "platform": "X",
        "author": "@kaltim_besar", "text": flood_story(1), "published": AT, "lang": "id",
        "likes": famous_likes, "shares": 10, "comments": 5, "views": 90000, "followers": 300000,
    })];
    for i in 0..10 {
        lines.push(json!({
            "source": "vendor-x", "id": format!("busy-{i}"), "platform": "x",
            "author": "@warga_rajin", "text": flood_story(10 + i), "published": AT, "lang": "id",
            "likes": "20", "shares": 5, "comments": 5, "followers": 2000,
        }));
    }
    lines.push(json!({
        "source": "vendor-tiktok", "id": "tt-1", "platform": "tiktok",
        "author": HOSTILE, "text": flood_story(30), "published": AT, "lang": "id",
        "likes": 100, "followers": 5000,
    }));
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Posts as a database from before platforms were kept holds them: no platform, no counts,
/// from a news feed and from the Bluesky stream.
fn store_old_posts(project: &Project) {
    let settings = project.settings();
    let classifier = Classifier::load(&settings.keywords.dir).unwrap();
    let mut store = Store::connect(&settings.storage).unwrap();
    let source = |id: &str, kind: &str| SourceInfo {
        id: SourceId::new(id),
        kind: kind.into(),
        name: None,
        location: format!("https://{id}.example/"),
        region: None,
    };
    store
        .sync_sources(&[source("warta", "feed"), source("langit", "jetstream")])
        .unwrap();
    let at: Timestamp = AT.parse().unwrap();
    let mut posts = Vec::new();
    for (i, source) in ["warta", "warta", "warta", "langit"]
        .into_iter()
        .enumerate()
    {
        let post = Post {
            source: SourceId::new(source),
            external_id: format!("old-{i}"),
            url: None,
            title: None,
            text: flood_story(40 + i),
            author: Some("Redaksi".into()),
            published: at + SignedDuration::from_mins(i as i64),
            fetched: at,
            lang: None,
            platform: None,
            reach: Default::default(),
        };
        let tags = classifier.tags(&post, None);
        assert!(
            tags.topics.iter().any(|t| t.as_str() == "banjir"),
            "{tags:?}"
        );
        posts.push((post, tags));
    }
    common::blocking(&mut store, |s| s.insert_posts(&posts, classifier.version())).unwrap();
}

fn import(project: &Project, name: &str, body: &str) {
    let file = project.path().join(name);
    std::fs::write(&file, body).unwrap();
    let out = project.pantau(&["import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

fn briefing(project: &Project) -> (String, String, Value) {
    let out = project.pantau(&["digest", "--date", DAY, "--out", "keluar"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let dir = project.path().join("keluar");
    let read = |ext: &str| std::fs::read_to_string(dir.join(format!("{DAY}.{ext}"))).unwrap();
    (
        read("md"),
        read("html"),
        serde_json::from_str(&read("json")).unwrap(),
    )
}

fn banjir(json: &Value) -> &Value {
    json["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["topic"] == "banjir")
        .expect("the flood issue")
}

#[test]
fn the_briefing_ranks_reach_by_followers_and_engagement_and_escapes_names() {
    let project = Project::new("", "");
    store_old_posts(&project);
    import(&project, "vendor.jsonl", &records(50));
    let (md, html, json) = briefing(&project);
    let issue = banjir(&json);

    // Old posts without a platform count under their source's kind: the feed's as news, the
    // stream's as Bluesky.
    let platforms: Vec<(String, u64, u64)> = issue["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["platform"].as_str().unwrap().to_string(),
                p["posts"].as_u64().unwrap(),
                p["percent"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        platforms,
        [
            ("x".to_string(), 11, 69),
            ("news".to_string(), 3, 19),
            ("bluesky".to_string(), 1, 6),
            ("tiktok".to_string(), 1, 6),
        ]
    );

    // The most-followed account posted once and ranks first; the busy account, ten posts,
    // second; "who is talking" (by posts) still names the busy one first.
    let accounts: Vec<(&str, &str, u64, u64, u64)> = issue["reach_accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap(),
                a["platform"].as_str().unwrap(),
                a["followers"].as_u64().unwrap(),
                a["engagement"].as_u64().unwrap(),
                a["posts"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        accounts,
        [
            ("@kaltim_besar", "x", 300_000, 65, 1),
            ("@warga_rajin", "x", 2_000, 300, 10),
            (HOSTILE, "tiktok", 5_000, 100, 1),
        ]
    );
    assert_eq!(issue["accounts"][0]["name"], "@warga_rajin");

    // The most engaged posts: TikTok's 100, then the famous account's 65, then 30 each.
    let engaged: Vec<u64> = issue["engaged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let r = &p["reach"];
            r["likes"].as_u64().unwrap_or(0)
                + r["shares"].as_u64().unwrap()
                + r["comments"].as_u64().unwrap_or(0)
        })
        .collect();
    assert_eq!(engaged, [100, 65, 30, 30, 30]);
    assert_eq!(issue["engaged"][1]["reach"]["views"], 90000);
    assert_eq!(issue["engaged"][0]["reach"]["comments"], Value::Null);
    assert_eq!(issue["engaged"][0]["platform"], "tiktok");

    // The sections, in the briefing's language, with the hostile name as text.
    for part in [
        "Sebaran platform: X 69% (11), Berita 19% (3), Bluesky 6% (1), TikTok 6% (1)",
        "Unggahan dengan keterlibatan tertinggi:",
        "Akun dengan jangkauan terbesar (peringkat menurut pengikut × keterlibatan",
        "1. **@kaltim\\_besar** (X): 300.000 pengikut · keterlibatan 65 · 1 unggahan",
        "50 suka · 10 dibagikan · 5 komentar · 90.000 tayangan",
    ] {
        assert!(md.contains(part), "missing {part:?} in\n{md}");
    }
    // Every `<` of the name is escaped, so no tag reaches a Markdown renderer.
    assert!(!md.replace("\\<img", "").contains("<img"), "{md}");
    assert!(!md.contains("[x](javascript:"), "{md}");
    assert!(md.contains("\\<img src=x onerror=alert(1)\\>"), "{md}");
    for part in [
        "<h4>Unggahan dengan keterlibatan tertinggi</h4>",
        "<h4>Akun dengan jangkauan terbesar</h4>",
        "<td class=\"num\">300.000</td>",
        "&lt;img src=x onerror=alert(1)&gt;",
    ] {
        assert!(html.contains(part), "missing {part:?}");
    }
    assert!(!html.contains("<img"));

    // Seen again with more likes: the stored counts and the report follow.
    import(&project, "again.jsonl", &records(80));
    let (_, _, json) = briefing(&project);
    let issue = banjir(&json);
    assert_eq!(issue["reach_accounts"][0]["engagement"], 95);
    assert_eq!(issue["reach_accounts"][0]["likes"], 80);
    assert_eq!(issue["posts"], 16, "nothing counted twice");
    let engaged: Vec<&str> = issue["engaged"]
        .as_array()
        .unwrap()
        .iter()
        .take(2)
        .map(|p| p["platform"].as_str().unwrap())
        .collect();
    assert_eq!(engaged, ["tiktok", "x"]);
    assert_eq!(issue["engaged"][1]["reach"]["likes"], 80);
}

#[test]
fn the_english_briefing_names_the_sections_in_english() {
    let project = Project::new("[briefing]\nlanguage = \"en\"\n", "");
    import(&project, "vendor.jsonl", &records(50));
    let (md, _, _) = briefing(&project);
    for part in [
        "Share by platform: X 92% (11), TikTok 8% (1)",
        "Posts with the most engagement:",
        "Accounts with the widest reach (ranked by followers × engagement",
        "300,000 followers · engagement 65 · 1 post",
    ] {
        assert!(md.contains(part), "missing {part:?} in\n{md}");
    }
}

#[test]
fn pushed_reach_fields_are_checked_with_clear_messages() {
    let project = Project::new("", "");
    let body = [
        json!({"source": "v", "text": flood_story(1), "likes": -3}),
        json!({"source": "v", "text": flood_story(2), "views": "1.200"}),
        json!({"source": "v", "text": flood_story(3), "platform": "Tik Tok"}),
        json!({"source": "v", "text": flood_story(4), "shares": true}),
        json!({"source": "v", "text": flood_story(5), "likse": 3}),
        json!({"source": "v", "text": flood_story(6), "likes": 7, "platform": "facebook"}),
    ]
    .iter()
    .map(|l| format!("{l}\n"))
    .collect::<String>();
    let file = project.path().join("bad.jsonl");
    std::fs::write(&file, body).unwrap();
    let out = project.pantau(&["import", file.to_str().unwrap()]);
    let err = stderr(&out);
    for part in [
        "baris 1: likes \"-3\" bukan bilangan bulat ≥ 0; tulis angka tanpa pemisah ribuan, misalnya 1200",
        "baris 2: views \"1.200\" bukan bilangan bulat ≥ 0",
        "baris 3: platform \"Tik Tok\" tidak valid: pakai huruf kecil, angka, -, _ dan .",
        "baris 4: shares harus berupa angka, bukan boolean",
        "baris 5: kunci tidak dikenal: \"likse\" (mungkin maksud Anda \"likes\")",
    ] {
        assert!(err.contains(part), "missing {part:?} in\n{err}");
    }
    // The good record is kept, with its platform and count.
    let db = project.sql();
    let row: (String, i64) = db
        .query_row("SELECT platform, likes FROM posts", &[], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(row, ("facebook".into(), 7), "{}", stdout(&out));
}

#[test]
fn trends_json_gives_each_row_its_reach() {
    let project = Project::new("", "");
    store_old_posts(&project);
    import(&project, "vendor.jsonl", &records(50));
    let out = project.pantau(&["trends", "--json", "--at", "2026-11-20T12:00"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let rows = rows.as_array().unwrap();
    assert!(rows.iter().all(|r| r["reach"].is_object()), "{rows:?}");
    let topic = rows
        .iter()
        .find(|r| r["topic"] == "banjir" && r["region"].is_null())
        .unwrap();
    assert_eq!(
        topic["reach"],
        json!({
            "posts_with_reach": 12, "likes": 350, "shares": 60, "comments": 55,
            "views": 90000, "top_followers": 300000
        })
    );
    // Samarinda is named by every post: its row holds the same reach.
    let samarinda = rows
        .iter()
        .find(|r| r["topic"] == "banjir" && r["region"] == "samarinda")
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(samarinda["reach"]["top_followers"], 300000);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_shows_reach_on_each_issue_card() {
    let project = Project::new("", "");
    // Within the dashboard's last 24 hours.
    let now = Timestamp::now() - SignedDuration::from_mins(30);
    let body = records(50).replace(AT, &now.to_string());
    import(&project, "vendor.jsonl", &body);
    let config = project.load();
    let settings = &config.settings;
    let classifier = Classifier::load(&settings.keywords.dir).unwrap();
    let (writer, thread) = Writer::spawn(Store::connect(&settings.storage).unwrap());
    let api = common::serve(common::app_state(&config, classifier, writer), thread).await;
    let page = reqwest::get(format!("{}/", api.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for part in [
        "Sebaran platform:</b> X 92% (11), TikTok 8% (1)",
        "Unggahan dengan keterlibatan tertinggi:",
        "<li>@kaltim_besar (X): 300.000 pengikut · keterlibatan 65 · 1 unggahan</li>",
        "&lt;img src=x onerror=alert(1)&gt;",
    ] {
        assert!(page.contains(part), "missing {part:?}");
    }
    assert!(!page.contains("<img"));
    // The read API's posts carry platform and reach.
    let posts = reqwest::get(format!("{}/api/posts?topic=banjir&limit=50", api.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let posts: Value = serde_json::from_str(&posts).unwrap();
    let famous = posts["posts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["author"] == "@kaltim_besar")
        .unwrap();
    assert_eq!(famous["platform"], "x");
    assert_eq!(famous["reach"]["followers"], 300000);
    api.stop().await;
}
