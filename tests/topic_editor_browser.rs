//! The topic editor as an analyst uses it, in headless Chromium on a phone's width: log in,
//! open a topic, type a broken query (the error appears under the query at its line and
//! column), fix it and add a word, preview (the stored post it gains is listed with the word
//! marked), save, and the next pushed post is tagged with the new list; then mark that post
//! "topic wrong" on the dashboard, add it from the editor's candidates as a `no_match`
//! example, and save again; a suggested word is added to the terms and previewed with one
//! click. The pages ask for nothing from elsewhere and log no console error.

mod common;

use std::time::Duration;

use common::Project;
use common::browser::{self, Browser, Page};
use common::web::stored_topics;
use jiff::{SignedDuration, Timestamp};
use pantau::auth::Role;
use serde_json::{Value, json};

const PASSWORD: &str = "kopi susu tanpa gula";
const TOKEN: &str = "token-uji-peramban";
const NEW_WORD: &str = "zorblak";

async fn push(base: &str, id: &str, text: &str) {
    let record = json!({
        "source": "warga-samarinda",
        "id": id,
        "text": text,
        "lang": "id",
        "published": (Timestamp::now() - SignedDuration::from_mins(5)).to_string(),
    });
    let r = reqwest::Client::new()
        .post(format!("{base}/api/ingest"))
        .bearer_auth(TOKEN)
        .body(format!("{record}\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// Waits until `expression` is true in the page (the page's fetches answer on their own time).
async fn until(page: &mut Page<'_>, expression: &str) {
    for _ in 0..100 {
        if page.eval(expression).await == Value::Bool(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never true: {expression}\n{}", page.text().await);
}

/// Puts the caret at the end of field `id` and types `text` there, as a keyboard does.
async fn type_at_end(page: &mut Page<'_>, id: &str, text: &str) {
    page.eval(&format!(
        "(() => {{ const f = document.getElementById({id:?}); f.focus();
                   f.setSelectionRange(f.value.length, f.value.length); }})()"
    ))
    .await;
    page.call("Input.insertText", json!({ "text": text })).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_analyst_fixes_a_query_previews_and_saves_in_the_browser() {
    let project = Project::new(&format!("[http]\ntoken = \"{TOKEN}\"\n"), "");
    common::web::add_user(&project, "siti", Role::Analyst, PASSWORD);
    let served = common::web::serve_project(&project).await;
    let base = served.base.clone();
    push(
        &base,
        "x-1",
        &format!("<img src=x onerror=alert(1)> Warga resah, {NEW_WORD} merusak kampung kami"),
    )
    .await;
    assert!(stored_topics(&project, "x-1").is_empty());
    // Flood posts sharing a word no list has: the editor suggests it.
    for i in 0..3 {
        push(
            &base,
            &format!("k-{i}"),
            &format!("Banjir di gang kelimutu nomor {i} merendam rumah warga"),
        )
        .await;
    }

    let Some(mut chromium) = Browser::launch().await else {
        served.stop().await;
        return;
    };
    let mut page = chromium.page(390).await;
    page.goto(&format!("{base}/topics/banjir")).await;
    assert_eq!(page.eval("location.pathname").await, "/login");
    page.navigate_by(&format!(
        "document.getElementById('name').value = 'siti';
         document.getElementById('password').value = {PASSWORD:?};
         document.querySelector('button[type=submit]').click();"
    ))
    .await;
    assert_eq!(page.eval("location.pathname").await, "/topics/banjir");
    let query_lines = page
        .eval("document.getElementById('f-query').value.split('\\n').length")
        .await
        .as_u64()
        .unwrap();

    // A broken query: the error appears under the query, at the new line and the column of
    // the mistake.
    let broken = format!("\nOR ({NEW_WORD} NEAR/x rumah)");
    type_at_end(&mut page, "f-query", &broken).await;
    until(
        &mut page,
        "document.querySelector('.problems[data-for=query]').textContent !== ''",
    )
    .await;
    let shown = page
        .eval("document.querySelector('.problems[data-for=query]').textContent")
        .await;
    let col = broken.trim_start().find("NEAR/x").unwrap() + 1;
    let at = format!("baris {}, kolom {col}:", query_lines + 1);
    assert!(
        shown.as_str().unwrap().starts_with(&at),
        "{shown} (expected {at})"
    );

    // Fixed, and the new word added to the terms: no error left.
    page.eval(&format!(
        "(() => {{ const q = document.getElementById('f-query');
                   q.value = q.value.slice(0, q.value.length - {});
                   q.dispatchEvent(new Event('input', {{ bubbles: true }})); }})()",
        broken.chars().count()
    ))
    .await;
    type_at_end(&mut page, "f-any", &format!("\n{NEW_WORD}")).await;
    until(
        &mut page,
        "document.getElementById('status').textContent === 'Tidak ada galat.'",
    )
    .await;
    assert_eq!(
        page.eval("document.querySelector('.problems[data-for=query]').textContent")
            .await,
        ""
    );

    // Preview: the stored post is gained, the word marked, its markup shown as text.
    page.eval("document.getElementById('preview-btn').click()")
        .await;
    until(
        &mut page,
        "document.getElementById('preview-result') !== null",
    )
    .await;
    assert_eq!(
        page.eval("document.querySelector('#preview .gained mark').textContent")
            .await,
        NEW_WORD
    );
    assert_eq!(
        page.eval("document.querySelectorAll('#preview img').length")
            .await,
        0
    );
    let preview = page
        .eval("document.getElementById('preview').innerText")
        .await;
    assert!(
        preview.as_str().unwrap().contains("<img src=x"),
        "{preview}"
    );
    let shot = browser::artefact_dir().join("topic-editor-preview-390.png");
    page.screenshot(&shot).await;

    // Save: back on the page with the save listed; the next post is tagged with the new list.
    page.navigate_by("document.getElementById('save-btn').click();")
        .await;
    assert_eq!(page.eval("location.hash").await, "#disimpan");
    let text = page.text().await;
    assert!(text.contains(&format!("+  \"{NEW_WORD}\",")), "{text}");
    push(
        &base,
        "x-2",
        &format!("Sore ini {NEW_WORD} lagi di kampung kami"),
    )
    .await;
    assert_eq!(stored_topics(&project, "x-2"), ["banjir"]);

    // The new post is not a flood after all: marked wrong on the dashboard, it becomes a
    // candidate no_match example in the editor; one click adds it to the form, an exclusion
    // keeps it out, and the save writes it to the file.
    // `navigate_by`, not `goto`: it forgets the load events of the pages before.
    page.navigate_by("location.href = '/?topic=banjir'").await;
    page.navigate_by(
        "(() => { const b = document.querySelector('form.mark button[value=\"topic:banjir:wrong\"]');
                  b.closest('details').open = true; b.click(); })()",
    )
    .await;
    assert_eq!(page.eval("location.hash").await, "#unggahan");
    let text = page.text().await;
    assert!(text.contains("topik banjir: salah (siti)"), "{text}");
    page.navigate_by("location.href = '/topics/banjir'").await;
    page.eval("document.querySelector('.add-example[data-into=no_match]').click()")
        .await;
    let no_match = page
        .eval("document.getElementById('f-no_match').value")
        .await;
    let example = format!("Sore ini {NEW_WORD} lagi di kampung kami");
    assert!(no_match.as_str().unwrap().ends_with(&example), "{no_match}");
    type_at_end(&mut page, "f-exclude", &format!("\n{NEW_WORD} lagi")).await;
    until(
        &mut page,
        "document.getElementById('status').textContent === 'Tidak ada galat.'",
    )
    .await;
    page.navigate_by("document.getElementById('save-btn').click();")
        .await;
    assert_eq!(page.eval("location.hash").await, "#disimpan");
    let saved =
        std::fs::read_to_string(project.path().join("keywords/topics/banjir.toml")).unwrap();
    let examples = &saved[saved.find("no_match").unwrap()..];
    assert!(examples.contains(&format!("\"{example}\"")), "{saved}");
    // The suggested words load on their own (the page's script, under its CSP).
    until(
        &mut page,
        "document.getElementById('suggestions-result') !== null",
    )
    .await;
    // One click on a suggested word adds it to the terms and previews the edit.
    page.eval("document.querySelector('.add-term[data-term=kelimutu]').click()")
        .await;
    until(
        &mut page,
        "document.getElementById('f-any').value.trim().endsWith('kelimutu') \
         && document.getElementById('preview-result') !== null",
    )
    .await;
    let shot = browser::artefact_dir().join("topic-editor-marked-390.png");
    page.screenshot(&shot).await;

    let wide = page
        .eval("document.documentElement.scrollWidth <= window.innerWidth + 1")
        .await;
    assert_eq!(wide, true, "nothing overflows a phone's width");

    let (errors, requests) = page.report(&base);
    assert!(errors.is_empty(), "console errors: {errors:?}");
    let elsewhere: Vec<&String> = requests
        .iter()
        .filter(|r| !r.starts_with(&format!("{base}/")))
        .collect();
    assert!(elsewhere.is_empty(), "requests elsewhere: {elsewhere:?}");
    drop(chromium);
    served.stop().await;
}
