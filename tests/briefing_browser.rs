//! The demo briefing as a leader opens it: in headless Chromium, on a desk (1100 px) and on a
//! phone (390 px), printed to A4, and the folder's index. Screenshots and the PDF are kept in
//! the artefact folder (`target/artefacts/`) for a person to look at.

mod common;

use std::path::{Path, PathBuf};

use common::browser::{self, Browser};
use common::stderr;
use serde_json::Value;

/// Runs `pantau demo` into `dir` and returns the briefing's HTML path and its JSON.
fn demo(dir: &Path) -> (PathBuf, Value) {
    let db = common::test_database();
    let out = common::demo_in(dir, &dir.join("demo"), db.as_ref());
    assert!(out.status.success(), "{}", stderr(&out));
    let briefings = dir.join("demo/briefings");
    let html = std::fs::read_dir(&briefings)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.extension().is_some_and(|e| e == "html")
                && p.file_name().is_some_and(|n| n != "index.html")
        })
        .expect("the demo writes a briefing");
    let json =
        serde_json::from_slice(&std::fs::read(html.with_extension("json")).unwrap()).unwrap();
    (html, json)
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

/// The briefing loads with no console error and no request (everything is inline), reads as
/// a telaahan on a desk and on a phone without sideways scrolling, and prints to a sensible
/// number of A4 pages, one section per issue.
#[tokio::test(flavor = "multi_thread")]
async fn the_demo_briefing_opens_offline_on_desk_and_phone_and_prints_on_a4() {
    let tmp = tempfile::tempdir().unwrap();
    let (html, json) = demo(tmp.path());
    let url = file_url(&html);
    let artefacts = browser::artefact_dir();

    let Some(desk) = browser::open_page(&url, 1100, &artefacts.join("briefing.png")).await else {
        return;
    };
    let phone = browser::open_page(&url, 390, &artefacts.join("briefing-phone.png"))
        .await
        .expect("chromium was there a moment ago");
    let date_label = json["date_label"].as_str().unwrap();
    let office = json["office"].as_str().unwrap();
    let first_issue = json["issues"][0]["name"].as_str().unwrap();
    for (what, report) in [("desk", &desk), ("phone", &phone)] {
        assert!(
            report.console_errors.is_empty(),
            "{what}: console errors {:?}",
            report.console_errors
        );
        assert!(
            report.requests.is_empty(),
            "{what}: the briefing fetched {:?}",
            report.requests
        );
        // Headings may be set in capitals by the style sheet, which innerText follows.
        let text = report.text.to_lowercase();
        for want in [
            office,
            date_label,
            "I. Persoalan",
            "VI. Saran/Tindak",
            "Lampiran",
            "Ringkasan Eksekutif",
            first_issue,
            "Fakta-fakta",
            "Saran Tindak Lanjut",
            "Kondisi Sumber",
            "Metode",
        ] {
            assert!(
                text.contains(&want.to_lowercase()),
                "{what}: {want:?} missing"
            );
        }
    }

    // On a phone nothing is wider than the screen (tables and charts fit or scroll inside
    // their own box).
    let mut chromium = Browser::launch().await.expect("chromium is there");
    let mut page = chromium.page(390).await;
    page.goto(&url).await;
    let overflow = page
        .eval("document.documentElement.scrollWidth - window.innerWidth")
        .await
        .as_f64()
        .unwrap();
    assert!(
        overflow <= 0.0,
        "the page is {overflow} px wider than a phone"
    );
    let charts = page
        .eval("document.querySelectorAll('section.issue figure.daily svg.chart').length")
        .await;
    let summary = json["summary"].as_array().unwrap().len();
    assert_eq!(charts, summary, "one 7-day chart per issue in the summary");
    // The province map draws the 10 kabupaten/kota with the JSON's counts (0 where it has
    // none) and marks the same rising areas; each summary issue has its small map.
    let drawn: Vec<(String, u64, bool)> = serde_json::from_str(
        page.eval(
            "JSON.stringify([...document.querySelectorAll('#ringkasan svg.peta path[data-region]')]
                .map(p => [p.dataset.region, Number(p.dataset.posts), p.dataset.rising === '1']))",
        )
        .await
        .as_str()
        .unwrap(),
    )
    .unwrap();
    assert_eq!(drawn.len(), 10, "{drawn:?}");
    for (region, posts, rising) in &drawn {
        let area = json["areas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == region.as_str());
        assert_eq!(
            *posts,
            area.map_or(0, |a| a["posts"].as_u64().unwrap()),
            "{region}"
        );
        assert_eq!(
            *rising,
            area.is_some_and(|a| a["rising"] == true),
            "{region}"
        );
    }
    let maps = page
        .eval("document.querySelectorAll('section.issue svg.peta.kecil').length")
        .await;
    assert_eq!(maps, summary, "one small map per issue in the summary");
    drop(page);
    drop(chromium);

    // Printed: A4, each summary issue on its own page(s), and not a ream of paper.
    let pdf = artefacts.join("briefing.pdf");
    let pages = browser::print_pdf(&url, &pdf)
        .await
        .expect("chromium is there");
    println!(
        "briefing: {} bytes HTML, {pages} A4 pages, {summary} issues in the summary; artefacts in {}",
        std::fs::metadata(&html).unwrap().len(),
        artefacts.display()
    );
    // The telaahan's body (head, I–VI and the signature) takes at most three pages before
    // the attachment; the summary and each issue's page follow.
    const BODY_PAGES: usize = 3;
    assert!(
        pages > summary && pages <= 2 * summary + 3 + BODY_PAGES,
        "{pages} pages for {summary} issues"
    );

    // The folder's index lists the briefing and links to its three files.
    let index = html.with_file_name("index.html");
    let report = browser::open_page(
        &file_url(&index),
        1100,
        &artefacts.join("briefing-index.png"),
    )
    .await
    .expect("chromium is there");
    assert!(
        report.console_errors.is_empty(),
        "{:?}",
        report.console_errors
    );
    assert!(report.requests.is_empty(), "{:?}", report.requests);
    assert!(report.text.contains(date_label), "{}", report.text);
    let source = std::fs::read_to_string(&index).unwrap();
    let stem = json["date"].as_str().unwrap();
    for ext in ["html", "md", "json"] {
        assert!(
            source.contains(&format!("href=\"{stem}.{ext}\"")),
            "{ext} link"
        );
    }
}

/// The day of the map's briefing (WITA), and a time inside it.
const MAP_DAY: &str = "2026-11-20";
const MAP_AT: &str = "2026-11-20T10:00:00+08:00";

/// Flood reports pushed with `pantau import`, each naming one kabupaten/kota: 5 in Samarinda,
/// 3 in Balikpapan, 2 in Bontang, 1 in Berau, none elsewhere.
const MAP_POSTS: [(&str, usize); 4] = [
    ("Kota Samarinda", 5),
    ("Kota Balikpapan", 3),
    ("Kota Bontang", 2),
    ("Kabupaten Berau", 1),
];

fn map_records() -> String {
    let mut out = String::new();
    for (place, n) in MAP_POSTS {
        for i in 0..n {
            let text = format!(
                "Banjir merendam permukiman warga di {place} setelah hujan deras semalam; \
                 air setinggi lutut masuk ke rumah warga, laporan nomor {i} dari posko."
            );
            let record = serde_json::json!({
                "source": "posko-banjir", "id": format!("{place}-{i}"), "text": text,
                "published": MAP_AT, "lang": "id",
            });
            out.push_str(&format!("{record}\n"));
        }
    }
    out
}

/// The map of a briefing whose counts are known: headless Chromium draws 10 areas, each with
/// the count the fixture put there (0 where it put none) in its data, its title and the table
/// beside it, the areas with posts in blue and the others in grey; the issue's own small map
/// counts the same.
#[tokio::test(flavor = "multi_thread")]
async fn the_map_draws_the_ten_kabupaten_kota_with_their_counts() {
    let project = common::Project::new("", "");
    let file = project.path().join("banjir.jsonl");
    std::fs::write(&file, map_records()).unwrap();
    let out = project.pantau(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = project.pantau(&["digest", "--date", MAP_DAY, "--out", "keluar"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let html = project.path().join(format!("keluar/{MAP_DAY}.html"));

    let want = |name: &str| {
        MAP_POSTS
            .iter()
            .find(|(place, _)| *place == name)
            .map_or(0, |(_, n)| *n as u64)
    };
    // The JSON, the map's source, counts the same (a precondition: the lists tag each post
    // with its place).
    let json: Value =
        serde_json::from_slice(&std::fs::read(html.with_extension("json")).unwrap()).unwrap();
    let areas: Vec<(String, u64)> = json["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().into(),
                a["posts"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, u64)> = MAP_POSTS
        .iter()
        .map(|(p, n)| (p.to_string(), *n as u64))
        .collect();
    assert_eq!(areas, expected);

    let Some(mut chromium) = Browser::launch().await else {
        return;
    };
    let mut page = chromium.page(1100).await;
    page.goto(&file_url(&html)).await;
    let read = |selector: &str| {
        format!(
            "JSON.stringify([...document.querySelectorAll('{selector} path[data-region]')].map(p => {{
                const box = p.getBBox();
                return [p.querySelector('title').textContent, Number(p.dataset.posts),
                        getComputedStyle(p).fill, box.width * box.height];
            }}))"
        )
    };
    for (what, selector) in [
        ("province map", "#ringkasan svg.peta"),
        ("issue map", "section.issue svg.peta.kecil"),
    ] {
        let drawn: Vec<(String, u64, String, f64)> =
            serde_json::from_str(page.eval(&read(selector)).await.as_str().unwrap()).unwrap();
        assert_eq!(drawn.len(), 10, "{what}: {drawn:?}");
        let mut fills = std::collections::HashSet::new();
        for (title, posts, fill, area) in &drawn {
            let (name, rest) = title.split_once(": ").unwrap();
            assert_eq!(*posts, want(name), "{what}: {title}");
            assert!(rest.starts_with(&format!("{posts} unggahan")), "{title}");
            assert!(*area > 0.0, "{what}: {name} is not drawn");
            let grey = fill == "rgb(236, 239, 243)";
            assert_eq!(grey, *posts == 0, "{what}: {name} has {fill}");
            fills.insert(fill.clone());
        }
        // Grey for none and a blue per count class: 1, 2, 3 and 5 posts fall in 4 classes.
        assert_eq!(fills.len(), 5, "{what}: {fills:?}");
    }
    // The table beside the province map: the same 10 names and counts, as text.
    let rows: Vec<(String, u64)> = serde_json::from_str(
        page.eval(
            "JSON.stringify([...document.querySelectorAll('table.peta-data tbody tr')].map(r =>
                [r.cells[0].innerText, Number(r.cells[1].innerText)]))",
        )
        .await
        .as_str()
        .unwrap(),
    )
    .unwrap();
    assert_eq!(rows.len(), 10, "{rows:?}");
    for (name, posts) in &rows {
        assert_eq!(*posts, want(name), "{name}");
    }
    assert_eq!(rows[0], ("Kota Samarinda".to_string(), 5));
    let label = page
        .eval("document.querySelector('#ringkasan svg.peta').getAttribute('aria-label')")
        .await;
    assert!(
        label.as_str().unwrap().contains("Kota Balikpapan 3"),
        "{label}"
    );

    // Printed (A4 less the page margins is 182 mm, about 688 CSS px wide): the map keeps to
    // its print size and nothing is wider than the paper.
    let mut print = chromium.page(688).await;
    print
        .call(
            "Emulation.setEmulatedMedia",
            serde_json::json!({"media": "print"}),
        )
        .await;
    print.goto(&file_url(&html)).await;
    let size = print
        .eval(
            "(() => { const r = document.querySelector('#ringkasan svg.peta').getBoundingClientRect();
                      return [r.width, r.height, document.documentElement.scrollWidth - window.innerWidth]; })()",
        )
        .await;
    let mm = |px: &Value| px.as_f64().unwrap() * 25.4 / 96.0;
    assert!(mm(&size[0]) <= 95.5 && mm(&size[1]) <= 92.5, "map {size}");
    assert!(size[2].as_f64().unwrap() <= 0.0, "wider than A4: {size}");
}

/// The telaahan staf as a Kepala Dinas signs it: the letterhead with the configured logo
/// (inlined, nothing fetched), "TELAAHAN STAF", the seven fields of the head with their values
/// (a hostile value shown as text), and the signature block at the end, right-aligned.
#[tokio::test(flavor = "multi_thread")]
async fn the_telaahan_staf_has_its_head_and_signature_block() {
    let project = common::Project::new(
        "[briefing]\n\
         logo = \"logo-kaltim.svg\"\n\
         kepada = \"Kepala Dinas <script>alert(1)</script>\"\n\
         sifat = \"Segera\"\n\
         penandatangan_jabatan = \"Kepala Bidang Informasi Publik\"\n\
         penandatangan_nama = \"Dr. Siti Rahmah, S.Kom.\"\n\
         penandatangan_nip = \"19700101 199001 1 001\"\n",
        "",
    );
    std::fs::write(
        project.path().join("logo-kaltim.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"60\" height=\"60\"><circle cx=\"30\" cy=\"30\" r=\"28\" fill=\"#0a4f96\"/></svg>",
    )
    .unwrap();
    let file = project.path().join("banjir.jsonl");
    std::fs::write(&file, map_records()).unwrap();
    let out = project.pantau(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = project.pantau(&["digest", "--date", MAP_DAY, "--out", "keluar"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let html = project.path().join(format!("keluar/{MAP_DAY}.html"));
    let json: Value =
        serde_json::from_slice(&std::fs::read(html.with_extension("json")).unwrap()).unwrap();

    let artefacts = browser::artefact_dir();
    let Some(report) =
        browser::open_page(&file_url(&html), 1100, &artefacts.join("telaahan-staf.png")).await
    else {
        return;
    };
    assert!(
        report.console_errors.is_empty(),
        "{:?}",
        report.console_errors
    );
    assert!(report.requests.is_empty(), "fetched {:?}", report.requests);
    assert!(report.text.contains("TELAAHAN STAF"), "{}", report.text);

    let mut chromium = Browser::launch().await.expect("chromium is there");
    let mut page = chromium.page(1100).await;
    page.goto(&file_url(&html)).await;
    let rows: Vec<(String, String)> = serde_json::from_str(
        page.eval(
            "JSON.stringify([...document.querySelectorAll('table#kepala tr')].map(r =>
                [r.cells[0].innerText, r.cells[1].innerText]))",
        )
        .await
        .as_str()
        .unwrap(),
    )
    .unwrap();
    let labels: Vec<&str> = rows.iter().map(|(l, _)| l.trim_end_matches(':')).collect();
    assert_eq!(
        labels,
        [
            "Kepada", "Dari", "Tanggal", "Nomor", "Sifat", "Lampiran", "Hal"
        ]
    );
    let value = |label: &str| {
        rows.iter()
            .find(|(l, _)| l.starts_with(label))
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(value("Kepada"), "Kepala Dinas <script>alert(1)</script>");
    assert_eq!(value("Dari"), "Analis Pemantauan Isu");
    assert_eq!(value("Nomor"), "PANTAU/TELAAH/20261120");
    assert_eq!(value("Sifat"), "Segera");
    assert!(value("Lampiran").starts_with("1 (satu) berkas"));
    assert_eq!(
        value("Hal"),
        "Telaahan isu publik harian Jumat, 20 November 2026"
    );
    assert_eq!(value("Tanggal"), json["head"]["tanggal"].as_str().unwrap());
    for (label, _) in &rows {
        let key = label.trim_end_matches(':').to_lowercase();
        assert_eq!(value(label), json["head"][&key].as_str().unwrap(), "{key}");
    }
    // No script ran from the config: the only <script> is text.
    assert_eq!(page.eval("document.scripts.length").await, 0);
    // The logo is drawn from its data: URI.
    let logo = page
        .eval("(() => { const i = document.querySelector('.kop img.logo'); return [i.complete && i.naturalWidth, i.src.slice(0, 26)]; })()")
        .await;
    assert_eq!(logo[0], 60, "{logo}");
    assert_eq!(logo[1], "data:image/svg+xml;base64,");

    // The signature block: last before the footer, on the right, in order.
    let block = page
        .eval(
            "(() => { const s = document.querySelector('#tanda-tangan'); const r = s.getBoundingClientRect();
                      const doc = document.querySelector('main.doc').getBoundingClientRect();
                      return [s.innerText, r.left - doc.left > doc.width / 2 - 40,
                              s.nextElementSibling.id]; })()",
        )
        .await;
    let text = block[0].as_str().unwrap();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let tanggal = json["head"]["tanggal"].as_str().unwrap();
    assert_eq!(
        lines,
        [
            format!("Samarinda, {tanggal}").as_str(),
            "Kepala Bidang Informasi Publik",
            "Dr. Siti Rahmah, S.Kom.",
            "NIP. 197001011990011001"
        ]
    );
    assert_eq!(block[1], true, "the block sits on the right: {block}");
    assert_eq!(block[2], "lampiran", "the attachment follows the signature");

    // The body between the head and the signature: I–VI, visible, in order, each with what
    // the JSON's `telaahan` holds; then the signature, then the attachment's heading.
    let layout = page
        .eval(
            "JSON.stringify((() => {
                const top = e => e.getBoundingClientRect().top;
                const seen = e => e.checkVisibility() && e.getBoundingClientRect().height > 0;
                const head = document.querySelector('table#kepala').getBoundingClientRect().bottom;
                const sections = [...document.querySelectorAll('#telaahan > section.bagian')].map(s => {
                    const h = s.querySelector('h2');
                    return [h.innerText, seen(h), top(h),
                            [...s.querySelectorAll('ol.butir > li')].map(li => li.innerText)];
                });
                const lampiran = document.querySelector('#lampiran h1');
                return {head, sections, signature: top(document.querySelector('#tanda-tangan')),
                        lampiran: [lampiran.innerText, seen(lampiran), top(lampiran)],
                        summary: top(document.querySelector('#ringkasan'))};
            })())",
        )
        .await;
    let layout: Value = serde_json::from_str(layout.as_str().unwrap()).unwrap();
    let sections = layout["sections"].as_array().unwrap();
    let headings: Vec<&str> = sections.iter().map(|s| s[0].as_str().unwrap()).collect();
    // Headings are set in the style sheet's capitals, which innerText follows.
    assert_eq!(
        headings
            .iter()
            .map(|h| h.to_lowercase())
            .collect::<Vec<_>>(),
        [
            "i. persoalan",
            "ii. praanggapan",
            "iii. fakta-fakta yang mempengaruhi",
            "iv. analisis",
            "v. kesimpulan",
            "vi. saran/tindak"
        ]
    );
    let mut last = layout["head"].as_f64().unwrap();
    for (section, key) in sections.iter().zip([
        "persoalan",
        "praanggapan",
        "fakta",
        "analisis",
        "kesimpulan",
        "saran",
    ]) {
        assert_eq!(section[1], true, "{key} is visible");
        let at = section[2].as_f64().unwrap();
        assert!(at > last, "{key} comes after what precedes it");
        last = at;
        let want: Vec<&str> = json["telaahan"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["text"].as_str().unwrap())
            .collect();
        assert_eq!(section[3].as_array().unwrap().len(), want.len(), "{key}");
        assert!(!want.is_empty(), "{key}");
        for (shown, text) in section[3].as_array().unwrap().iter().zip(&want) {
            assert_eq!(shown.as_str().unwrap().trim(), *text, "{key}");
        }
    }
    assert!(layout["signature"].as_f64().unwrap() > last);
    let lampiran = &layout["lampiran"];
    assert_eq!(lampiran[0].as_str().unwrap().to_lowercase(), "lampiran");
    assert_eq!(lampiran[1], true);
    assert!(lampiran[2].as_f64().unwrap() > layout["signature"].as_f64().unwrap());
    assert!(layout["summary"].as_f64().unwrap() > lampiran[2].as_f64().unwrap());
    // The flood in four areas is the one issue: its facts and its owner are in the body.
    let body = json["telaahan"].to_string();
    assert!(body.contains("Kota Samarinda (5)"), "{body}");
    assert_eq!(json["telaahan"]["saran"][0]["topic"], "banjir");
    assert!(json["telaahan"]["saran"][0]["owner"].is_string());
}

/// The media boxes of a PDF's pages, in points (Chromium writes them uncompressed).
fn media_boxes(pdf: &[u8]) -> Vec<(f64, f64)> {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/MediaBox [")
        .filter_map(|(at, m)| {
            let rest = &text[at + m.len()..];
            let numbers: Vec<f64> = rest[..rest.find(']')?]
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect();
            match numbers[..] {
                [x0, y0, x1, y1] => Some((x1 - x0, y1 - y0)),
                _ => None,
            }
        })
        .collect()
}

/// Printed, the whole telaahan (the body and its attachment) is A4 pages, and no table is
/// wider than the printable width (A4 less the page margins, 182 mm): nothing is clipped.
#[tokio::test(flavor = "multi_thread")]
async fn the_telaahan_prints_on_a4_with_no_table_clipped() {
    let tmp = tempfile::tempdir().unwrap();
    let (html, json) = demo(tmp.path());
    let url = file_url(&html);
    let artefacts = browser::artefact_dir();
    let pdf = artefacts.join("telaahan.pdf");
    let Some(pages) = browser::print_pdf(&url, &pdf).await else {
        return;
    };
    let boxes = media_boxes(&std::fs::read(&pdf).unwrap());
    assert_eq!(boxes.len(), pages, "one media box per page: {boxes:?}");
    for (w, h) in &boxes {
        // A4 is 210 × 297 mm = 595.3 × 841.9 pt; Chromium rounds to whole device pixels.
        assert!(
            (w - 595.3).abs() < 2.0 && (h - 841.9).abs() < 2.0,
            "{w} × {h} pt"
        );
    }

    let mut chromium = Browser::launch().await.expect("chromium is there");
    let mut print = chromium.page(688).await;
    print
        .call(
            "Emulation.setEmulatedMedia",
            serde_json::json!({"media": "print"}),
        )
        .await;
    print.goto(&url).await;
    let tables: Vec<(String, f64, f64, f64)> = serde_json::from_str(
        print
            .eval(
                "JSON.stringify([...document.querySelectorAll('table')].map(t => {
                    const r = t.getBoundingClientRect();
                    const doc = document.querySelector('main.doc').getBoundingClientRect();
                    return [(t.closest('[id]') || {}).id || t.className, r.right - doc.left,
                            t.scrollWidth - t.clientWidth, doc.width];
                }))",
            )
            .await
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let issues = json["summary"].as_array().unwrap().len();
    assert!(tables.len() > issues, "{tables:?}");
    for (which, right, overflow, width) in &tables {
        assert!(
            *right <= width + 0.5 && *overflow <= 0.5,
            "a table in {which} is clipped: right edge {right} of {width} px, {overflow} px overflow"
        );
    }
    let page_overflow = print
        .eval("document.documentElement.scrollWidth - window.innerWidth")
        .await;
    assert!(page_overflow.as_f64().unwrap() <= 0.0, "{page_overflow}");
    println!(
        "telaahan: {pages} A4 pages, {} tables within {} px",
        tables.len(),
        tables[0].3
    );
}
