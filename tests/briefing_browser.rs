//! The demo briefing as a leader opens it: in headless Chromium, on a desk (1100 px) and on a
//! phone (390 px), printed to A4, and the folder's index. Screenshots and the PDF are kept in
//! the artefact folder (`target/artefacts/`) for a person to look at.

mod common;

use std::path::{Path, PathBuf};

use common::browser::{self, Browser};
use common::{pantau_in, stderr};
use serde_json::Value;

/// Runs `pantau demo` into `dir` and returns the briefing's HTML path and its JSON.
fn demo(dir: &Path) -> (PathBuf, Value) {
    let out = pantau_in(dir, &["demo", "--out", dir.join("demo").to_str().unwrap()]);
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
    assert!(
        pages > summary && pages <= 2 * summary + 3,
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
