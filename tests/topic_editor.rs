//! The topic editor over a real listening socket: the check endpoint places a broken query's
//! error at its field, line and column (the checker of `pantau keywords check`); the preview
//! lists a stored post the edit gains, escaped, with the matched word marked; a save keeps the
//! file's comments, records the revision and is used by the very next pushed post; a stale
//! form is refused as a conflict; a revert restores the earlier text (and is recorded); a
//! viewer sees the page read-only and is refused every POST; a topic id that is a path is
//! refused; a new topic is made from the template. Analysts' marks on posts are stored (one
//! per user, changeable), become the editor's candidate examples and, once saved as examples,
//! are counted by `pantau keywords check`; the quality page computes precision from a known
//! set of marks; viewers and forms without CSRF are refused; the editor suggests words.

mod common;

use common::Project;
use common::web::{client, hidden, serve_project as start, stored_topics};
use jiff::{SignedDuration, Timestamp};
use pantau::auth::Role;
use pantau::store::Revisions;
use pantau::workbench::TopicForm;

const PASSWORD: &str = "kopi susu tanpa gula";
/// The value of the cookie `name` that `headers` set.
fn set_cookie(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    common::web::set_cookie(headers, name).map(|c| common::web::cookie_value(&c))
}

fn add_user(project: &Project, name: &str, role: Role) {
    common::web::add_user(project, name, role, PASSWORD);
}

const TOKEN: &str = "token-uji-penyunting";
/// A word no list knows: it tags a post only once the editor adds it.
const NEW_WORD: &str = "zorblak";

fn encoded(pairs: &[(&str, &str)]) -> String {
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        body.append_pair(k, v);
    }
    body.finish()
}

/// A signed-in browser-like client: its session cookie and CSRF token.
struct Session {
    c: reqwest::Client,
    base: String,
    cookie: String,
    csrf: String,
}

impl Session {
    async fn log_in(base: &str, name: &str) -> Session {
        let c = client();
        let r = c.get(format!("{base}/login")).send().await.unwrap();
        let login = set_cookie(r.headers(), "pantau_login").unwrap();
        let token = hidden(&r.text().await.unwrap(), "csrf");
        let r = c
            .post(format!("{base}/login"))
            .header("cookie", format!("pantau_login={login}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encoded(&[
                ("name", name),
                ("password", PASSWORD),
                ("next", "/topics"),
                ("csrf", &token),
            ]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "login of {name}");
        let cookie = set_cookie(r.headers(), "pantau_session").unwrap();
        let mut s = Session {
            c,
            base: base.to_string(),
            cookie,
            csrf: String::new(),
        };
        let (_, page) = s.get("/topics/banjir").await;
        s.csrf = hidden(&page, "csrf");
        s
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .c
            .get(format!("{}{path}", self.base))
            .header("cookie", format!("pantau_session={}", self.cookie))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// Posts a form with the session's CSRF token in the header, as the page's script does.
    async fn post(&self, path: &str, pairs: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let r = self
            .c
            .post(format!("{}{path}", self.base))
            .header("cookie", format!("pantau_session={}", self.cookie))
            .header("x-csrf-token", &self.csrf)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encoded(pairs))
            .send()
            .await
            .unwrap();
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        (r.status().as_u16(), r.text().await.unwrap(), location)
    }
}

/// The form's fields as posted, with `version`.
fn fields<'a>(form: &'a TopicForm, version: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut pairs: Vec<(&str, &str)> = pantau::workbench::form::FIELDS
        .iter()
        .map(|(k, _)| (*k, form.field(k)))
        .collect();
    pairs.push(("version", version));
    pairs
}

/// Pushes one post through `POST /api/ingest` (stored and tagged before it answers).
async fn push(base: &str, id: &str, text: &str) {
    let record = serde_json::json!({
        "source": "warga-samarinda",
        "id": id,
        "text": text,
        "lang": "id",
        "published": (Timestamp::now() - SignedDuration::from_mins(5)).to_string(),
    });
    let r = client()
        .post(format!("{base}/api/ingest"))
        .bearer_auth(TOKEN)
        .body(format!("{record}\n"))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body = r.text().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"new\":1"), "{body}");
}

fn project() -> Project {
    let p = Project::new(&format!("[http]\ntoken = \"{TOKEN}\"\n"), "");
    add_user(&p, "siti", Role::Analyst);
    add_user(&p, "rina", Role::Analyst);
    add_user(&p, "budi", Role::Viewer);
    p
}

#[tokio::test(flavor = "multi_thread")]
async fn an_analyst_checks_previews_saves_and_reverts_a_topic() {
    let project = project();
    let served = start(&project).await;
    let base = served.base.clone();
    let file = project.path().join("keywords/topics/banjir.toml");
    let original = std::fs::read_to_string(&file).unwrap();

    // A stored post the lists in force do not tag as banjir, with markup in its text.
    let hostile =
        format!("<script>alert(1)</script> Warga resah, {NEW_WORD} merusak kampung <b>kami</b>");
    push(&base, "x-1", &hostile).await;
    assert!(!stored_topics(&project, "x-1").contains(&"banjir".to_string()));

    let siti = Session::log_in(&base, "siti").await;
    let (status, list) = siti.get("/topics").await;
    assert_eq!(status, 200);
    assert!(list.contains("href=\"/topics/banjir\""), "{list}");
    let (status, page) = siti.get("/topics/banjir").await;
    assert_eq!(status, 200);
    let version = hidden(&page, "version");
    assert!(page.contains("<script src=\"/topics/editor.js\">"));

    // Check: a query broken on its last line is placed there, at the column of the mistake.
    let mut form = TopicForm::read(&original);
    let good_query = form.query.clone();
    let query_lines = good_query.lines().count();
    form.query = format!("{good_query}\nOR ({NEW_WORD} NEAR/x rumah)");
    let (status, body, _) = siti
        .post("/topics/banjir/check", &fields(&form, &version))
        .await;
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["ok"], false, "{answer}");
    let p = &answer["problems"][0];
    assert_eq!(p["field"], "query", "{answer}");
    assert_eq!(p["line"], query_lines + 1, "{answer}");
    let col = p["col"].as_u64().unwrap() as usize;
    let broken_line = format!("OR ({NEW_WORD} NEAR/x rumah)");
    assert_eq!(
        col,
        broken_line.find("NEAR/x").unwrap() + 1,
        "the column points at NEAR/x: {answer}"
    );
    // The file the save would write, through `pantau keywords check`: the same error, at the
    // same spot counted in the file.
    let written = form.write(&original).unwrap();
    let file_line = written.lines().position(|l| l == broken_line).unwrap() + 1;
    let other = Project::new("", "");
    std::fs::write(other.path().join("keywords/topics/banjir.toml"), &written).unwrap();
    let cli = other.pantau(&["keywords", "check"]);
    let said = common::stderr(&cli);
    assert!(
        said.contains(&format!("banjir.toml:{file_line}:{col}: ")),
        "{said}"
    );
    assert!(said.contains(p["message"].as_str().unwrap()), "{said}");
    // Fixed: no problem.
    form.query = good_query.clone();
    form.any = format!("{}\n{NEW_WORD}", form.any);
    let (status, body, _) = siti
        .post("/topics/banjir/check", &fields(&form, &version))
        .await;
    assert_eq!(status, 200);
    assert!(body.contains("\"ok\":true"), "{body}");

    // Preview: the stored post is gained, escaped, with the new word marked.
    let mut pairs = fields(&form, &version);
    pairs.push(("days", "7"));
    let (status, html, _) = siti.post("/topics/banjir/preview", &pairs).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("+1</b>"), "{html}");
    let gained = &html
        [html.find("class=\"posts gained\"").unwrap()..html.find("class=\"posts lost\"").unwrap()];
    assert!(
        gained.contains(&format!("<mark>{NEW_WORD}</mark>")),
        "{gained}"
    );
    assert!(
        gained.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{gained}"
    );
    assert!(
        !html.contains("<script>") && !html.contains("<b>kami"),
        "{html}"
    );
    assert!(html.contains("lulus (match)"), "{html}");

    // Save: the file keeps its comments, the revision is recorded, the next post uses it.
    let (status, body, location) = siti.post("/topics/banjir", &fields(&form, &version)).await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(location.as_deref(), Some("/topics/banjir#disimpan"));
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.contains(&format!("\"{NEW_WORD}\"")));
    let comments = |t: &str| {
        t.lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .count()
    };
    assert_eq!(comments(&saved), comments(&original), "comments kept");
    assert!(
        saved.contains(&original[..original.find("any = [").unwrap()]),
        "the head is untouched"
    );
    let revisions = project.with_store(|s| s.revisions("banjir", 10)).unwrap();
    assert_eq!(revisions.len(), 1);
    assert_eq!(revisions[0].user, "siti");
    assert!(
        revisions[0].diff.contains(&format!("+  \"{NEW_WORD}\",")),
        "{}",
        revisions[0].diff
    );
    assert_eq!(revisions[0].before, original);
    push(
        &base,
        "x-2",
        &format!("Sore ini {NEW_WORD} lagi di kampung kami"),
    )
    .await;
    assert_eq!(stored_topics(&project, "x-2"), ["banjir"]);
    // The page lists the save with its diff and a revert button.
    let (_, page) = siti.get("/topics/banjir").await;
    assert!(
        page.contains(&format!("/topics/banjir/revert/{}", revisions[0].id)),
        "{page}"
    );
    let new_version = hidden(&page, "version");
    assert_ne!(new_version, version);

    // Conflict: a form loaded before the save is refused, the file unchanged.
    let mut stale = TopicForm::read(&original);
    stale.name = "Banjir (versi lama)".into();
    let (status, body, _) = siti.post("/topics/banjir", &fields(&stale, &version)).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("sudah diubah"), "{body}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), saved);

    // Two analysts save the same loaded version at once: one is saved, the other refused.
    let rina = Session::log_in(&base, "rina").await;
    let mut one = TopicForm::read(&saved);
    one.owner = "BPBD Kaltim".into();
    let mut two = TopicForm::read(&saved);
    two.advice = "Saran dari analis kedua.".into();
    let (one, two) = (fields(&one, &new_version), fields(&two, &new_version));
    let (a, b) = tokio::join!(
        siti.post("/topics/banjir", &one),
        rina.post("/topics/banjir", &two),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 409], "{} / {}", a.1, b.1);
    let after_race = std::fs::read_to_string(&file).unwrap();
    let winner = TopicForm::read(&after_race);
    assert!(
        (winner.owner == "BPBD Kaltim") != (winner.advice == "Saran dari analis kedua."),
        "exactly one edit is in the file"
    );
    let (_, page) = siti.get("/topics/banjir").await;
    let new_version = hidden(&page, "version");
    let saved = after_race;

    // A form with errors is not saved.
    let mut broken = TopicForm::read(&saved);
    broken.query = "(banjir AND".into();
    let (status, body, _) = siti
        .post("/topics/banjir", &fields(&broken, &new_version))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), saved);

    // Revert: the text before the save is back, itself a recorded revision, and in force.
    let (status, body, _) = siti
        .post(
            &format!("/topics/banjir/revert/{}", revisions[0].id),
            &[("version", &new_version)],
        )
        .await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
    assert_eq!(
        project
            .with_store(|s| s.revisions("banjir", 10))
            .unwrap()
            .len(),
        3
    );
    push(
        &base,
        "x-3",
        &format!("Pagi ini {NEW_WORD} lagi di kampung kami"),
    )
    .await;
    assert!(stored_topics(&project, "x-3").is_empty());

    served.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_viewer_reads_but_cannot_change_and_paths_are_refused() {
    let project = project();
    let served = start(&project).await;
    let base = served.base.clone();
    let file = project.path().join("keywords/topics/banjir.toml");
    let original = std::fs::read_to_string(&file).unwrap();

    let budi = Session::log_in(&base, "budi").await;
    let (status, page) = budi.get("/topics/banjir").await;
    assert_eq!(status, 200);
    assert!(page.contains("readonly"), "{page}");
    assert!(!page.contains("id=\"save-btn\""), "{page}");
    let version = hidden(&page, "version");
    let mut form = TopicForm::read(&original);
    form.any.push_str("\nzorblak");
    for path in [
        "/topics/banjir",
        "/topics/banjir/check",
        "/topics/banjir/preview",
    ] {
        let (status, body, _) = budi.post(path, &fields(&form, &version)).await;
        assert_eq!(status, 403, "{path}: {body}");
    }
    let (status, _, _) = budi
        .post(
            "/topics/new",
            &[("id", "baru"), ("name", "Baru"), ("category", "lain")],
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);

    // Without the CSRF token an analyst's save is refused too.
    let mut siti = Session::log_in(&base, "siti").await;
    let csrf = std::mem::take(&mut siti.csrf);
    let (status, _, _) = siti.post("/topics/banjir", &fields(&form, &version)).await;
    assert_eq!(status, 403);
    siti.csrf = csrf;
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);

    // A topic id that is a path never reaches the file system.
    for id in ["..%2F..%2Fetc%2Fpasswd", "..%2Fbanjir", "Banjir", "a.b"] {
        let (status, _) = siti.get(&format!("/topics/{id}")).await;
        assert!(status == 400 || status == 404, "{id}: {status}");
    }
    let (status, body, _) = siti
        .post(
            "/topics/new",
            &[("id", "../../etc/passwd"), ("name", "x"), ("category", "y")],
        )
        .await;
    assert_eq!(status, 400, "{body}");

    // A new topic from the template: a valid file with its guidance, then its editor.
    let (status, body, location) = siti
        .post(
            "/topics/new",
            &[
                ("id", "kabut-asap"),
                ("name", "Kabut asap"),
                ("category", "lingkungan"),
                ("any", "kabut asap, asap tebal"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(location.as_deref(), Some("/topics/kabut-asap"));
    let made =
        std::fs::read_to_string(project.path().join("keywords/topics/kabut-asap.toml")).unwrap();
    assert!(
        made.contains("name = \"Kabut asap\"")
            && made.contains("any = [\"kabut asap\", \"asap tebal\"]")
            && made.contains("# Words and phrases"),
        "{made}"
    );
    let check = project.pantau(&["keywords", "check"]);
    assert!(check.status.success(), "{}", common::stderr(&check));
    let (status, page) = siti.get("/topics/kabut-asap").await;
    assert_eq!(status, 200);
    assert!(page.contains("Kabut asap"));
    let (status, _, _) = siti
        .post(
            "/topics/new",
            &[
                ("id", "kabut-asap"),
                ("name", "Lagi"),
                ("category", "lingkungan"),
            ],
        )
        .await;
    assert_eq!(status, 409);
    served.stop().await;
}

/// The id of the stored post of `native_id`.
fn post_id(project: &Project, native_id: &str) -> i64 {
    project
        .sql()
        .query_row(
            "SELECT id FROM posts WHERE external_id = ?1",
            &[&native_id],
            |r| r.get(0),
        )
        .unwrap()
}

/// The marks stored: (post, kind, value, verdict, user), in a fixed order.
fn stored_marks(project: &Project) -> Vec<(i64, String, String, String, String)> {
    let conn = project.sql();
    let mut stmt = conn
        .prepare(
            "SELECT post_id, kind, value, verdict, \"user\" FROM post_marks ORDER BY 1, 2, 3, 5",
        )
        .unwrap();
    stmt.query_map(&[], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// Marks post `id`'s banjir topic with `verdict` as `s`.
async fn mark_topic(s: &Session, id: i64, verdict: &str) {
    let (post, mark) = (id.to_string(), format!("topic:banjir:{verdict}"));
    let (status, body, _) = s.post("/marks", &[("post", &post), ("mark", &mark)]).await;
    assert_eq!(status, 200, "{body}");
}

/// `pantau keywords check`'s count of examples (`… N contoh — semua valid`).
fn examples_counted(project: &Project) -> usize {
    let out = project.pantau(&["keywords", "check"]);
    let said = common::stdout(&out);
    assert!(out.status.success(), "{said}{}", common::stderr(&out));
    let before = &said[..said.find(" contoh").expect("a count of examples")];
    before
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{said}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn marks_on_posts_become_examples_and_measure_the_topics() {
    let project = project();
    let served = start(&project).await;
    let base = served.base.clone();
    let file = project.path().join("keywords/topics/banjir.toml");

    // A post tagged banjir that is not about a flood (with markup in it), and one about a
    // flood the lists miss.
    let wrong_text = format!(
        "Banjir {NEW_WORD} setinggi lutut merendam rumah warga Sempaja <script>alert(1)</script>"
    );
    push(&base, "w-1", &wrong_text).await;
    assert_eq!(stored_topics(&project, "w-1"), ["banjir"]);
    let missed_text = format!("Air {NEW_WORD} masuk ke rumah warga di Loa Bakung sejak subuh");
    push(&base, "m-1", &missed_text).await;
    assert!(!stored_topics(&project, "m-1").contains(&"banjir".to_string()));
    let (wrong, missed) = (post_id(&project, "w-1"), post_id(&project, "m-1"));

    // An analyst marks the first wrong (changing her mind once: still one mark), and the
    // second as missing the topic, from the dashboard's form (which comes back to its list).
    let siti = Session::log_in(&base, "siti").await;
    for verdict in ["wrong", "right", "wrong"] {
        let (status, body, _) = siti
            .post(
                "/marks",
                &[
                    ("post", &wrong.to_string()),
                    ("mark", &format!("topic:banjir:{verdict}")),
                ],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert!(
            body.contains(&format!("\"verdict\":\"{verdict}\"")),
            "{body}"
        );
    }
    let (status, body, location) = siti
        .post(
            "/marks",
            &[
                ("post", &missed.to_string()),
                ("mark", "add"),
                ("add", "topic:banjir"),
                ("back", "/?topic=banjir#unggahan"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(location.as_deref(), Some("/?topic=banjir#unggahan"));
    let expected = vec![
        (
            wrong,
            "topic".to_string(),
            "banjir".to_string(),
            "wrong".to_string(),
            "siti".to_string(),
        ),
        (
            missed,
            "topic".into(),
            "banjir".into(),
            "missing".into(),
            "siti".into(),
        ),
    ];
    assert_eq!(stored_marks(&project), expected);
    // The dashboard shows the mark and, to the analyst, the controls.
    let (status, dash) = siti.get("/?topic=banjir").await;
    assert_eq!(status, 200);
    assert!(dash.contains("topik banjir: salah (siti)"), "{dash}");
    assert!(dash.contains("value=\"topic:banjir:wrong\""), "{dash}");
    assert!(!dash.contains("<script>alert(1)"), "post text is escaped");

    // Refused: a viewer (403), no CSRF token (403), an unknown topic (400), no such post (404).
    let budi = Session::log_in(&base, "budi").await;
    let (status, body, _) = budi
        .post(
            "/marks",
            &[("post", &wrong.to_string()), ("mark", "topic:banjir:right")],
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let (_, dash) = budi.get("/?topic=banjir").await;
    assert!(
        !dash.contains("action=\"/marks\""),
        "a viewer sees no controls"
    );
    let mut bare = Session::log_in(&base, "rina").await;
    bare.csrf.clear();
    let (status, _, _) = bare
        .post(
            "/marks",
            &[("post", &wrong.to_string()), ("mark", "topic:banjir:right")],
        )
        .await;
    assert_eq!(status, 403);
    let (status, _, _) = siti
        .post(
            "/marks",
            &[
                ("post", &wrong.to_string()),
                ("mark", "topic:tidak-ada:wrong"),
            ],
        )
        .await;
    assert_eq!(status, 400);
    let (status, _, _) = siti
        .post(
            "/marks",
            &[("post", "999999"), ("mark", "topic:banjir:wrong")],
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(stored_marks(&project), expected);

    // The editor lists both as candidate examples, escaped, each with its button.
    let (_, page) = siti.get("/topics/banjir").await;
    let example = pantau::workbench::candidate_example(None, &wrong_text);
    let escaped = example
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    assert!(
        page.contains(&format!(
            "data-into=\"no_match\" data-text=\"{}\"",
            escaped.replace('"', "&quot;")
        )),
        "{page}"
    );
    assert!(page.contains("data-into=\"match\""), "{page}");
    assert!(!page.contains("<script>alert(1)"), "{page}");

    // "Add as example" puts the text in the form; with an exclusion that keeps the post out,
    // the save passes and `pantau keywords check` counts one example more.
    let counted = examples_counted(&project);
    let version = hidden(&page, "version");
    let mut form = TopicForm::read(&std::fs::read_to_string(&file).unwrap());
    form.no_match = format!("{}\n{example}", form.no_match);
    form.exclude = format!("{}\nbanjir {NEW_WORD}", form.exclude);
    let (status, body, _) = siti.post("/topics/banjir", &fields(&form, &version)).await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(examples_counted(&project), counted + 1);
    let (_, page) = siti.get("/topics/banjir").await;
    assert!(
        !page.contains("data-into=\"no_match\" data-text"),
        "an example the form has is no candidate any more"
    );

    // Suggestions: the topic's stored posts share a word no list has, listed with its button.
    for i in 0..4 {
        push(
            &base,
            &format!("b-{i}"),
            &format!("Banjir di gang kelimutu nomor {i} merendam rumah warga Samarinda"),
        )
        .await;
    }
    let (status, html) = siti.get("/topics/banjir/suggestions").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("class=\"add-term\" data-term=\"kelimutu\""),
        "{html}"
    );

    // Quality: too few reviewed posts to judge, said plainly.
    let (status, q) = siti.get("/quality").await;
    assert_eq!(status, 200);
    assert!(q.contains("Presisi = 1 − ("), "{q}");
    assert!(
        q.contains("terlalu sedikit tanda untuk menilai (1 dari 10"),
        "{q}"
    );
    // Ten more banjir posts reviewed: eight right, one right then wrong by another analyst
    // (the last verdict counts), one wrong. Wrong: 3 of 11 reviewed → precision 73%.
    let rina = Session::log_in(&base, "rina").await;
    for i in 4..14 {
        push(
            &base,
            &format!("b-{i}"),
            &format!("Banjir merendam rumah warga di RT {i} Samarinda sejak pagi"),
        )
        .await;
    }
    let ids: Vec<i64> = (4..14)
        .map(|i| post_id(&project, &format!("b-{i}")))
        .collect();
    for i in 4..14 {
        assert_eq!(stored_topics(&project, &format!("b-{i}")), ["banjir"]);
    }
    for id in &ids[..8] {
        mark_topic(&siti, *id, "right").await;
    }
    mark_topic(&rina, ids[8], "right").await;
    mark_topic(&siti, ids[8], "wrong").await;
    mark_topic(&rina, ids[9], "wrong").await;
    let (_, q) = siti.get("/quality").await;
    let row = &q[q.find("data-topic=\"banjir\"").expect("a row for banjir")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("<td>11</td><td>3</td><td class=\"precision\">73%</td>"),
        "{row}"
    );
    assert!(row.contains("href=\"#terlewat-banjir\">1</a>"), "{row}");
    let missed_list = &q[q.find("id=\"terlewat-banjir\"").unwrap()..];
    assert!(missed_list.contains("Loa Bakung"), "{missed_list}");
    served.stop().await;
}
