//! Weekly and monthly briefings as leaders get them: generated posts over three ISO weeks go in
//! through the real ingest path (`pantau import`, classified with the repository's keyword
//! lists) into a real store, and the real binary writes `pantau digest --period week` and
//! `--period month`. Floods double week over week and power cuts halve: the week's briefing must
//! list the one under "Isu yang naik" and the other under "Isu yang turun" with their counts and
//! ratios. Month boundaries are local (WITA): 23:59 on the 30th of November is November's,
//! 00:00 on the 1st of December is December's.

mod common;

use common::{Project, stderr, stdout};
use serde_json::{Value, json};

/// ISO weeks 47, 48 and 49 of 2026 (Mondays 16, 23 and 30 November).
const WEEKS: [&str; 3] = ["2026-11-16", "2026-11-23", "2026-11-30"];
/// Flood posts per week: 3, 5, then 10 (doubling week over week).
const FLOODS: [usize; 3] = [3, 5, 10];
/// Power-cut posts per week: 4, 12, then 6 (halving week over week).
const POWER: [usize; 3] = [4, 12, 6];

/// `n` posts spread over the week starting on `monday` (WITA), from Tuesday on so that the
/// boundary posts below are the only ones on the month's edge.
fn week_posts(topic: &str, monday: &str, n: usize, text: impl Fn(usize) -> String) -> Vec<Value> {
    let monday: jiff::civil::Date = monday.parse().unwrap();
    (0..n)
        .map(|i| {
            let day = monday
                .checked_add(jiff::Span::new().days(1 + (i % 6) as i64))
                .unwrap();
            json!({
                "source": format!("{topic}-{}", i % 3),
                "id": format!("{topic}-{monday}-{i}"),
                "text": text(i),
                "published": format!("{day}T{:02}:15:00+08:00", 6 + i % 12),
                "lang": "id",
            })
        })
        .collect()
}

fn records() -> Vec<Value> {
    let mut all = Vec::new();
    for (w, monday) in WEEKS.iter().enumerate() {
        all.extend(week_posts("banjir", monday, FLOODS[w], |i| {
            format!("Banjir setinggi {} cm merendam rumah warga di Sempaja Samarinda, laporan warga ke-{i} pekan {w}", 20 + i)
        }));
        all.extend(week_posts("listrik", monday, POWER[w], |i| {
            format!(
                "Pemadaman listrik bergilir di Bontang, gardu {i} padam {} jam pekan {w}",
                2 + i
            )
        }));
    }
    // The month's edge, local time: the last minute of November and the first of December.
    for (id, at) in [
        ("akhir-november", "2026-11-30T23:59:00+08:00"),
        ("awal-desember", "2026-12-01T00:00:00+08:00"),
    ] {
        all.push(json!({
            "source": "warga-balikpapan", "id": id,
            "text": format!("Jalan rusak berlubang di Balikpapan Utara dikeluhkan warga ({id})"),
            "published": at, "lang": "id",
        }));
    }
    all
}

fn project() -> Project {
    let p = Project::new("", "");
    let file = p.path().join("posts.jsonl");
    let records = records();
    let lines: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(&file, lines).unwrap();
    let out = p.pantau(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("{} rekaman diterima", records.len())),
        "{}",
        stdout(&out)
    );
    p
}

fn digest(p: &Project, args: &[&str]) -> (String, Value, String) {
    let out_dir = p.path().join("briefings");
    let mut all = vec!["digest", "--out", out_dir.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = p.pantau(&all);
    assert!(out.status.success(), "{}", stderr(&out));
    let first = stdout(&out);
    let stem = first
        .split_whitespace()
        .nth(1)
        .expect("the briefing's name")
        .to_string();
    let json: Value =
        serde_json::from_slice(&std::fs::read(out_dir.join(format!("{stem}.json"))).unwrap())
            .unwrap();
    let md = std::fs::read_to_string(out_dir.join(format!("{stem}.md"))).unwrap();
    (stem, json, md)
}

fn movement<'a>(list: &'a Value, topic: &str) -> Option<&'a Value> {
    list.as_array()?.iter().find(|m| m["topic"] == topic)
}

fn issue<'a>(b: &'a Value, topic: &str) -> Option<&'a Value> {
    b["issues"].as_array()?.iter().find(|i| i["topic"] == topic)
}

/// The section of the Markdown between `## heading` and the next `## `.
fn section<'a>(md: &'a str, heading: &str) -> &'a str {
    let start = md
        .find(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("no section {heading}:\n{md}"));
    let rest = &md[start + heading.len() + 5..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

#[test]
fn a_week_lists_what_doubled_as_rose_and_what_halved_as_fell() {
    let p = project();
    let (stem, b, md) = digest(&p, &["--period", "week", "--date", "2026-12-03"]);
    assert_eq!(stem, "2026-W49");
    assert_eq!(b["date"], "2026-W49");
    assert_eq!(b["number"], "PANTAU/TELAAH/2026W49");
    assert_eq!(b["period"]["kind"], "week");
    assert_eq!(b["period"]["start"], "2026-11-29T16:00:00Z");
    assert_eq!(b["period"]["end"], "2026-12-06T16:00:00Z");
    let c = &b["comparison"];
    assert_eq!(c["previous"]["start"], "2026-11-22T16:00:00Z");
    assert_eq!(c["previous"]["end"], "2026-11-29T16:00:00Z");

    let flood = movement(&c["rose"], "banjir").expect("floods rose");
    assert_eq!(
        (
            &flood["posts"],
            &flood["previous"],
            &flood["ratio"],
            &flood["direction"]
        ),
        (&json!(10), &json!(5), &json!(2.0), &json!("naik"))
    );
    assert_eq!(flood["change"], "2× lipat");
    let power = movement(&c["fell"], "listrik").expect("power cuts fell");
    assert_eq!(
        (
            &power["posts"],
            &power["previous"],
            &power["ratio"],
            &power["direction"]
        ),
        (&json!(6), &json!(12), &json!(0.5), &json!("turun"))
    );
    assert_eq!(power["change"], "\u{2212}50%");
    assert!(movement(&c["fell"], "banjir").is_none());
    assert!(movement(&c["rose"], "listrik").is_none());
    // The week's two boundary posts are one post each way: too few to move.
    assert!(movement(&c["rose"], "jalan-rusak").is_none());

    // The issues carry the same comparison, and a chart of the week's seven days.
    let flood = issue(&b, "banjir").unwrap();
    assert_eq!(
        (&flood["posts"], &flood["previous"]),
        (&json!(10), &json!(5))
    );
    assert_eq!(flood["trend"], "naik");
    let days = flood["daily"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    assert_eq!(days[0]["date"], "2026-11-30");
    let total: u64 = days.iter().map(|d| d["posts"].as_u64().unwrap()).sum();
    assert_eq!(total, 10);
    assert_eq!(issue(&b, "listrik").unwrap()["trend"], "turun");
    // Its map marks an area by the same rule on the area's own counts: Samarinda's floods
    // doubled, Bontang's power cuts halved; and so does the province map.
    let area = |issue: &Value, id: &str| -> Value {
        issue["regions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} in {issue}"))
    };
    let samarinda = area(flood, "samarinda");
    assert_eq!(
        (&samarinda["posts"], &samarinda["rising"]),
        (&json!(10), &json!(true))
    );
    let bontang = area(issue(&b, "listrik").unwrap(), "bontang");
    assert_eq!(
        (&bontang["posts"], &bontang["rising"]),
        (&json!(6), &json!(false))
    );
    let province = |id: &str| {
        b["areas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["rising"].clone())
    };
    assert_eq!(province("samarinda"), Some(json!(true)));
    assert_eq!(province("bontang"), Some(json!(false)));

    // What the leader reads.
    let rose = section(&md, "Isu yang naik");
    assert!(
        rose.contains("**Banjir, banjir rob dan genangan**"),
        "{rose}"
    );
    assert!(
        rose.contains("10 unggahan") && rose.contains("2× lipat"),
        "{rose}"
    );
    assert!(!rose.contains("Listrik"), "{rose}");
    let fell = section(&md, "Isu yang turun");
    assert!(fell.contains("**Listrik padam dan layanan PLN**"), "{fell}");
    assert!(
        fell.contains("6 unggahan") && fell.contains("12 (\u{2212}50%)"),
        "{fell}"
    );
    assert!(md.contains("Telaahan Mingguan"), "{md}");
    assert!(
        md.contains("naik = sedikitnya 5 unggahan dan ≥ 1,5× periode sebelumnya"),
        "the rule is stated in the method"
    );

    // The HTML names both sections and draws the period's map; the index lists the week.
    let html = std::fs::read_to_string(p.path().join("briefings/2026-W49.html")).unwrap();
    assert!(html.contains("Isu yang naik") && html.contains("Isu yang turun"));
    assert!(html.contains("peta-fig"));
    let index = std::fs::read_to_string(p.path().join("briefings/index.html")).unwrap();
    assert!(index.contains("href=\"2026-W49.html\""), "{index}");
    assert!(index.contains("Mingguan: Minggu ke-49 2026"), "{index}");

    // The week before: floods 3 → 5 rose (≥ 1.5×), power cuts 4 → 12 rose.
    let (stem, b, _) = digest(&p, &["--period", "week", "--date", "2026-11-23"]);
    assert_eq!(stem, "2026-W48");
    let rose = &b["comparison"]["rose"];
    assert_eq!(movement(rose, "banjir").unwrap()["posts"], 5);
    assert_eq!(movement(rose, "listrik").unwrap()["ratio"], 3.0);

    // Both are recorded, apart from the daily rows.
    let (_, day, _) = digest(&p, &["--date", "2026-12-01"]);
    assert_eq!(day["period"]["kind"], "day");
    assert!(day.get("comparison").is_none(), "a day has no comparison");
    let conn = p.sql();
    let mut keys: Vec<String> = conn
        .prepare("SELECT date FROM briefings ORDER BY date")
        .unwrap()
        .query_map(&[], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    keys.sort();
    assert_eq!(keys, ["2026-12-01", "2026-W48", "2026-W49"]);
    // Listed (dashboard, API, metrics) newest first by the period's end, not by name.
    use pantau::store::Browse;
    let listed: Vec<String> = p
        .with_store(|s| s.briefings(10))
        .unwrap()
        .into_iter()
        .map(|b| b.date)
        .collect();
    assert_eq!(listed, ["2026-W49", "2026-12-01", "2026-W48"]);
}

#[test]
fn a_month_ends_at_local_midnight() {
    let p = project();
    let (stem, nov, md) = digest(&p, &["--period", "month", "--date", "2026-11-10"]);
    assert_eq!(stem, "2026-11");
    assert_eq!(nov["period"]["kind"], "month");
    assert_eq!(nov["period"]["start"], "2026-10-31T16:00:00Z");
    assert_eq!(nov["period"]["end"], "2026-11-30T16:00:00Z");
    assert_eq!(nov["date_label"], "November 2026");
    assert!(md.contains("Telaahan Bulanan"));
    // 23:59 WITA on 30 November is November's; 00:00 WITA on 1 December is December's.
    let road = issue(&nov, "jalan-rusak").expect("the last minute of November");
    assert_eq!(road["posts"], 1);
    let days = road["daily"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days[29]["date"], "2026-11-30");
    assert_eq!(days[29]["posts"], 1);
    // November holds weeks 47 and 48 and the Monday of week 49 (no post on that Monday).
    assert_eq!(issue(&nov, "banjir").unwrap()["posts"], 8);
    // Against an empty October, both issues are new.
    let rose = &nov["comparison"]["rose"];
    assert_eq!(movement(rose, "banjir").unwrap()["direction"], "baru");
    assert_eq!(movement(rose, "banjir").unwrap()["ratio"], Value::Null);
    assert_eq!(movement(rose, "listrik").unwrap()["posts"], 16);

    let (stem, dec, _) = digest(&p, &["--period", "month", "--date", "2026-12-31"]);
    assert_eq!(stem, "2026-12");
    let road = issue(&dec, "jalan-rusak").expect("the first minute of December");
    assert_eq!(road["posts"], 1);
    assert_eq!(road["previous"], 1);
    assert_eq!(road["daily"].as_array().unwrap().len(), 31);
    assert_eq!(road["daily"][0]["posts"], 1);
    // December against November: floods 8 → 10 steady, power cuts 16 → 6 fell.
    assert!(movement(&dec["comparison"]["rose"], "banjir").is_none());
    let power = movement(&dec["comparison"]["fell"], "listrik").unwrap();
    assert_eq!(
        (&power["posts"], &power["previous"]),
        (&json!(6), &json!(16))
    );
}

#[test]
fn an_unknown_period_is_refused_in_indonesian() {
    let p = Project::new("", "");
    let out = p.pantau(&["digest", "--period", "tahun"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("periode \"tahun\" tidak dikenal"),
        "{}",
        stderr(&out)
    );
}
