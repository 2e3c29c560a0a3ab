//! The topic editor (`/topics`): every signed-in reader sees the topics and their fields; an
//! analyst edits them. As the text changes the page posts it to `/topics/{id}/check`, which
//! runs the same checker as `pantau keywords check` on the file a save would write and answers
//! each problem at its field, line and column; `/topics/{id}/preview` tags the stored posts of
//! a period with the lists in force and with the edit and lists the posts gained and lost;
//! a save (`POST /topics/{id}`) validates, refuses a file changed since the form was loaded,
//! writes it keeping comments and layout, swaps the new lists in before it answers (the next
//! post is classified with them) and records the revision, which a revert saves back.
//!
//! Analysts mark the preview's posts (`super::marks`); the marks on a topic are listed under
//! its form as candidate examples (`/topics/{id}/candidates`: "not this topic" → `no_match`,
//! "missing this topic" → `match`), each added to the form with one click and saved as any
//! edit. `/topics/{id}/suggestions` lists the words the topic's posts use more than others
//! ([`workbench::suggest`]), each added to the terms and previewed with one click.

use std::fmt::Write as _;

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::auth::{Analyst, Visitor};
use super::layout::{self, escape};
use super::read::with_store;
use super::{ApiError, AppState};
use crate::classify::Field;
use crate::store::marks::{Candidate, Verdict};
use crate::store::revisions::Revision;
use crate::store::{Marks, Revisions, Writes};
use crate::workbench::{self, TopicForm, WorkbenchError, preview};

/// These pages run one script of this server (`/topics/editor.js`) and fetch only from it.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; \
                   connect-src 'self'; img-src data:; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

const SCRIPT: &str = include_str!("topics.js");

const STYLE: &str = "<style>textarea{width:100%;font:14px/1.4 ui-monospace,monospace;padding:8px;\
border:1px solid var(--line);border-radius:6px}select,input[type=text]{font:inherit;padding:6px}\
mark{background:#ffe58a}.ok{color:#146c2e}.fail{color:var(--up)}ul.posts li{margin:6px 0}\
.row{display:flex;flex-wrap:wrap;gap:8px;align-items:center}.row button{width:auto;margin:0}\
pre{white-space:pre-wrap;font-size:13px;background:#f7f7f7;padding:8px;overflow:auto}form.mark{margin:4px 0}form.mark button,.candidates button,.suggestions button{font:inherit;font-size:13px;padding:2px 8px;border:1px solid var(--line);border-radius:6px;background:#fff;cursor:pointer}ul.suggestions{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:6px}</style>";

/// Candidate examples listed under the form.
const CANDIDATES: usize = 30;
/// Suggested terms listed, and the days of posts they are counted over.
const SUGGESTED: usize = 20;
const SUGGEST_DAYS: u32 = 30;

/// Periods the preview offers, in days; the first is the default.
const PERIODS: &[u32] = &[7, 1, 30, 90];

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/topics", get(list))
        .route("/topics/editor.js", get(script))
        .route("/topics/new", get(new_page).post(create))
        .route("/topics/{id}", get(edit_page).post(save))
        .route("/topics/{id}/check", post(check))
        .route("/topics/{id}/preview", post(preview_fragment))
        .route("/topics/{id}/revert/{rev}", post(revert))
        .route("/topics/{id}/candidates", get(candidates_fragment))
        .route("/topics/{id}/suggestions", get(suggestions_fragment))
}

/// The form as posted: the fields, the version of the file it was loaded from, the period of
/// the preview.
#[derive(Debug, Deserialize)]
struct Posted {
    #[serde(flatten)]
    form: TopicForm,
    #[serde(default)]
    version: String,
    #[serde(default)]
    days: Option<String>,
}

impl From<WorkbenchError> for ApiError {
    fn from(e: WorkbenchError) -> ApiError {
        let status = match e {
            WorkbenchError::BadId(_) | WorkbenchError::Toml(_) => StatusCode::BAD_REQUEST,
            WorkbenchError::NoTopic(_) => StatusCode::NOT_FOUND,
            WorkbenchError::Exists(_) => StatusCode::CONFLICT,
            WorkbenchError::Io { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, e.to_string())
    }
}

fn with_csp(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    response
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

fn may_edit(visitor: &Visitor) -> bool {
    visitor
        .user
        .as_ref()
        .is_some_and(|u| u.role.allows(crate::auth::Role::Analyst))
}

async fn list(State(state): State<AppState>, visitor: Visitor) -> Response {
    let dir = state.inner.keywords.clone();
    let classifier = state.inner.pipeline.classifier().get();
    let mut body = String::from(
        "<h2>Topik</h2><p><a href=\"/quality\">Mutu topik menurut tanda analis</a></p>",
    );
    if may_edit(&visitor) {
        body.push_str("<p><a href=\"/topics/new\">+ Topik baru</a></p>");
    }
    body.push_str("<div class=\"box\"><ul>");
    for id in workbench::topic_ids(&dir) {
        let name = classifier
            .topic(&id.as_str().into())
            .map_or_else(String::new, |t| format!(" — {}", escape(&t.name)));
        let _ = write!(
            body,
            "<li><a href=\"/topics/{id}\">{id}</a>{name}</li>",
            id = escape(&id)
        );
    }
    body.push_str("</ul></div>");
    layout::page(StatusCode::OK, "Topik", visitor.account(), &body, false)
}

/// What the editor page shows besides the form.
#[derive(Default)]
struct Notice {
    status: Option<StatusCode>,
    message: Option<String>,
    problems: Vec<workbench::Problem>,
}

async fn edit_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let text = workbench::read_topic(&state.inner.keywords, &id)?;
    let form = TopicForm::read(&text);
    let version = workbench::version_of(&text);
    editor(&state, &visitor, &id, &form, &version, Notice::default()).await
}

async fn editor(
    state: &AppState,
    visitor: &Visitor,
    id: &str,
    form: &TopicForm,
    version: &str,
    notice: Notice,
) -> Result<Response, ApiError> {
    let topic = id.to_string();
    let (revisions, candidates) = with_store(state, move |store, _| {
        Ok((
            store.revisions(&topic, 50)?,
            store.topic_candidates(&topic, CANDIDATES)?,
        ))
    })
    .await?;
    let edit = may_edit(visitor);
    let mut body = format!("{STYLE}<h2>Topik <code>{}</code></h2>", escape(id));
    if let Some(m) = &notice.message {
        let _ = write!(body, "<div class=\"error\" id=\"notice\">{m}</div>");
    }
    for p in &notice.problems {
        let _ = write!(body, "<p class=\"error\">{}</p>", problem_text(p));
    }
    if !edit {
        body.push_str("<p class=\"muted\">Hanya analis yang dapat mengubah topik ini.</p>");
    }
    body.push_str(&form_html(visitor, id, form, version, edit));
    let (tz, lang) = (&state.inner.timezone, state.inner.lang);
    let _ = write!(
        body,
        "<div id=\"candidates-box\">{}</div>",
        candidates_html(&candidates, form, edit, tz, lang)
    );
    let _ = write!(
        body,
        "<h3>Usulan kata</h3><div id=\"suggestions\" data-days=\"{SUGGEST_DAYS}\">{}</div>",
        if edit {
            "<p class=\"muted\">Memuat usulan kata…</p>"
        } else {
            "<p class=\"muted\">Usulan kata untuk analis.</p>"
        }
    );
    body.push_str(&history(state, visitor, id, version, &revisions, edit));
    // Last, so every element the script looks for is on the page when it runs.
    body.push_str("<script src=\"/topics/editor.js\"></script>");
    let status = notice.status.unwrap_or(StatusCode::OK);
    Ok(with_csp(layout::page(
        status,
        id,
        visitor.account(),
        &body,
        false,
    )))
}

fn problem_text(p: &workbench::Problem) -> String {
    let at = match p.at.field {
        Some(f) => format!("{} baris {}, kolom {}: ", label(f), p.at.line, p.at.col),
        None => String::new(),
    };
    let msg = if p.at.field.is_some() {
        &p.message
    } else {
        &p.shown
    };
    let hint = p
        .hint
        .as_deref()
        .map_or_else(String::new, |h| format!(" — saran: {}", escape(h)));
    format!("{}{}{hint}", escape(&at), escape(msg))
}

fn label(field: &str) -> &'static str {
    workbench::form::FIELDS
        .iter()
        .find(|(k, _)| *k == field)
        .map_or("", |(_, l)| l)
}

fn form_html(visitor: &Visitor, id: &str, form: &TopicForm, version: &str, edit: bool) -> String {
    let ro = if edit { "" } else { " readonly" };
    let mut html = format!(
        "<form id=\"topic-form\" class=\"box\" method=\"post\" action=\"/topics/{id}\" data-topic=\"{id}\">\
         {csrf}<input type=\"hidden\" name=\"version\" value=\"{version}\">",
        id = escape(id),
        csrf = visitor.csrf_field().unwrap_or_default(),
        version = escape(version),
    );
    for (key, name) in workbench::form::FIELDS {
        let value = form.field(key);
        let _ = write!(html, "<label for=\"f-{key}\">{name}</label>");
        if *key == "priority" {
            let _ = write!(
                html,
                "<select id=\"f-{key}\" name=\"{key}\"{}>",
                if edit { "" } else { " disabled" }
            );
            for p in ["rendah", "sedang", "tinggi", "kritis"] {
                let sel = if p == value { " selected" } else { "" };
                let _ = write!(html, "<option{sel}>{p}</option>");
            }
            html.push_str("</select>");
        } else if matches!(*key, "name" | "category" | "owner") {
            let _ = write!(
                html,
                "<input type=\"text\" id=\"f-{key}\" name=\"{key}\" value=\"{}\"{ro}>",
                escape(value)
            );
        } else {
            let rows = value.lines().count().clamp(2, 16) + 1;
            let _ = write!(
                html,
                "<textarea id=\"f-{key}\" name=\"{key}\" rows=\"{rows}\" spellcheck=\"false\"{ro}>{}</textarea>",
                escape(value)
            );
        }
        let _ = write!(html, "<div class=\"problems\" data-for=\"{key}\"></div>");
    }
    html.push_str(
        "<div class=\"problems\" id=\"problems-other\"></div><p id=\"status\" class=\"muted\"></p>",
    );
    if edit {
        html.push_str("<div class=\"row\"><label for=\"f-days\">Pratinjau</label><select id=\"f-days\" name=\"days\">");
        for d in PERIODS {
            let _ = write!(html, "<option value=\"{d}\">{d} hari terakhir</option>");
        }
        html.push_str(
            "</select><button type=\"button\" id=\"preview-btn\">Pratinjau</button></div>\
             <button type=\"submit\" class=\"primary\" id=\"save-btn\">Simpan</button>",
        );
    }
    html.push_str("</form><div id=\"preview\"></div>");
    html
}

fn history(
    state: &AppState,
    visitor: &Visitor,
    id: &str,
    version: &str,
    revisions: &[Revision],
    edit: bool,
) -> String {
    let mut html = String::from("<h3>Riwayat perubahan</h3>");
    if revisions.is_empty() {
        html.push_str("<p class=\"muted\">Belum ada perubahan lewat halaman ini.</p>");
        return html;
    }
    html.push_str("<ul class=\"revisions\">");
    for r in revisions {
        let when = crate::time::format_local(r.at, &state.inner.timezone, state.inner.lang);
        let _ = write!(
            html,
            "<li id=\"rev-{}\"><b>{}</b> · {}<pre>{}</pre>",
            r.id,
            escape(&r.user),
            escape(&when),
            escape(&r.diff)
        );
        if edit {
            let _ = write!(
                html,
                "<form method=\"post\" action=\"/topics/{id}/revert/{rev}\">{csrf}\
                 <input type=\"hidden\" name=\"version\" value=\"{version}\">\
                 <button type=\"submit\">Kembalikan ke sebelum perubahan ini</button></form>",
                id = escape(id),
                rev = r.id,
                csrf = visitor.csrf_field().unwrap_or_default(),
                version = escape(version),
            );
        }
        html.push_str("</li>");
    }
    html.push_str("</ul>");
    html
}

/// `POST /topics/{id}/check`: `{"ok": …, "problems": [{field, line, col, message, hint, shown}]}`.
async fn check(
    State(state): State<AppState>,
    Analyst(_): Analyst,
    Path(id): Path<String>,
    Form(posted): Form<Posted>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let dir = state.inner.keywords.clone();
    let checked = tokio::task::spawn_blocking(move || {
        let original = workbench::read_topic(&dir, &id)?;
        let checked = workbench::check(&dir, &id, &original, &posted.form)?;
        Ok::<_, WorkbenchError>(checked.result.err().unwrap_or_default())
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))??;
    Ok(Json(serde_json::json!({
        "ok": checked.is_empty(),
        "problems": checked,
    })))
}

/// `POST /topics/{id}/preview`: an HTML fragment (everything from posts escaped).
async fn preview_fragment(
    State(state): State<AppState>,
    visitor: Visitor,
    Analyst(_): Analyst,
    Path(id): Path<String>,
    Form(posted): Form<Posted>,
) -> Result<Response, ApiError> {
    let days: u32 = posted
        .days
        .as_deref()
        .and_then(|d| d.parse().ok())
        .filter(|d| PERIODS.contains(d))
        .unwrap_or(PERIODS[0]);
    let dir = state.inner.keywords.clone();
    let regions = state.inner.regions.clone();
    let languages = state.inner.languages.clone();
    let (tz, lang) = (state.inner.timezone.clone(), state.inner.lang);
    let html = with_store(&state, move |store, before| {
        let original = workbench::read_topic(&dir, &id)?;
        let checked = workbench::check(&dir, &id, &original, &posted.form)?;
        let after = match checked.result {
            Ok(c) => c,
            Err(problems) => {
                let mut html = String::from(
                    "<div class=\"box\"><p class=\"error\">Perbaiki dulu galatnya; pratinjau memakai daftar yang sah.</p>",
                );
                for p in &problems {
                    let _ = write!(html, "<p class=\"error\">{}</p>", problem_text(p));
                }
                return Ok(html + "</div>");
            }
        };
        let since = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * i64::from(days));
        let p = preview::preview(store, before, &after, &id, since, &regions, &languages)?;
        Ok(preview_html(&p, days, &tz, lang, |post| {
            super::marks::controls(&visitor, post, &id)
        }))
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

fn preview_html(
    p: &preview::Preview,
    days: u32,
    tz: &jiff::tz::TimeZone,
    lang: crate::time::Lang,
    controls: impl Fn(i64) -> String,
) -> String {
    let mut html = format!(
        "<div class=\"box\" id=\"preview-result\"><p>{} unggahan dalam {days} hari terakhir: \
         {} bertopik ini dengan daftar yang berlaku, {} dengan perubahan ini \
         (<b class=\"ok\">+{}</b>, <b class=\"fail\">−{}</b>).</p>",
        p.posts, p.before, p.after, p.gained_n, p.lost_n
    );
    for (title, list, class) in [
        ("Bertambah", &p.gained, "gained"),
        ("Hilang", &p.lost, "lost"),
    ] {
        let _ = write!(html, "<h4>{title}</h4><ul class=\"posts {class}\">");
        if list.is_empty() {
            html.push_str("<li class=\"muted\">tidak ada</li>");
        }
        for c in list.iter() {
            let when = crate::time::format_local(c.published, tz, lang);
            let title = c
                .title
                .as_deref()
                .map(|t| format!("<b>{}</b><br>", highlight(t, &c.marks, Field::Title)))
                .unwrap_or_default();
            let _ = write!(
                html,
                "<li data-post=\"{}\">{title}{}<br><span class=\"muted\">{} · {}</span>{}</li>",
                c.id,
                highlight(&c.text, &c.marks, Field::Text),
                escape(&c.source),
                escape(&when),
                controls(c.id)
            );
        }
        html.push_str("</ul>");
    }
    html.push_str("<h4>Contoh</h4><ul class=\"examples\">");
    for e in &p.examples {
        let (class, verdict) = if e.passed {
            ("ok", "lulus")
        } else {
            ("fail", "gagal")
        };
        let _ = write!(
            html,
            "<li class=\"{class}\">{verdict} ({}): {}</li>",
            e.kind,
            escape(&e.text)
        );
    }
    html.push_str("</ul></div>");
    html
}

/// `text` escaped, with the matched spans of `field` wrapped in `<mark>`.
fn highlight(text: &str, marks: &[(Field, usize, usize)], field: Field) -> String {
    let mut spans: Vec<(usize, usize)> = marks
        .iter()
        .filter(|(f, s, e)| {
            *f == field && s < e && text.is_char_boundary(*s) && text.is_char_boundary(*e)
        })
        .map(|(_, s, e)| (*s, *e))
        .collect();
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for (s, e) in spans {
        let s = s.max(at);
        if s >= e {
            continue;
        }
        out.push_str(&escape(&text[at..s]));
        let _ = write!(out, "<mark>{}</mark>", escape(&text[s..e]));
        at = e;
    }
    out.push_str(&escape(&text[at..]));
    out
}

/// The candidate examples from the marks on the topic: each post's text as an example line,
/// with a button that adds it to the form (for analysts); examples the form already has are
/// left out.
fn candidates_html(
    candidates: &[Candidate],
    form: &TopicForm,
    edit: bool,
    tz: &jiff::tz::TimeZone,
    lang: crate::time::Lang,
) -> String {
    let mut html = String::from(
        "<h3>Calon contoh dari tanda analis</h3><ul class=\"candidates\" id=\"candidates\">",
    );
    let mut shown = 0;
    for c in candidates {
        let example = workbench::candidate_example(c.title.as_deref(), &c.text);
        let (into, present, what) = match c.verdict {
            Verdict::Missing => (
                "match",
                &form.matches,
                "ditandai kurang topik ini → contoh yang harus cocok",
            ),
            _ => (
                "no_match",
                &form.no_match,
                "ditandai bukan topik ini → contoh yang tidak boleh cocok",
            ),
        };
        if present.lines().any(|l| l.trim() == example) {
            continue;
        }
        shown += 1;
        let item = super::marks::candidate_item(c, tz, lang);
        let button = if edit {
            format!(
                "<button type=\"button\" class=\"add-example\" data-into=\"{into}\" data-text=\"{}\">\
                 Tambahkan sebagai contoh {into}</button>",
                escape(&example)
            )
        } else {
            String::new()
        };
        // The item's closing tag goes after the verdict and the button.
        let item = item.strip_suffix("</li>").unwrap_or(&item);
        let _ = write!(
            html,
            "{item}<br><span class=\"candidate {into}\">{what}</span> {button}</li>"
        );
    }
    if shown == 0 {
        html.push_str(
            "<li class=\"muted\">Belum ada: tandai unggahan di dasbor atau di pratinjau \
             (\"bukan topik ini\" / \"memang topik ini\").</li>",
        );
    }
    html.push_str("</ul>");
    html
}

/// `GET /topics/{id}/candidates`: the candidate list alone, for the script after a mark.
async fn candidates_fragment(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let text = workbench::read_topic(&state.inner.keywords, &id)?;
    let form = TopicForm::read(&text);
    let candidates = with_store(&state, move |store, _| {
        Ok(store.topic_candidates(&id, CANDIDATES)?)
    })
    .await?;
    let html = candidates_html(
        &candidates,
        &form,
        may_edit(&visitor),
        &state.inner.timezone,
        state.inner.lang,
    );
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

#[derive(Debug, Deserialize)]
struct DaysParam {
    days: Option<u32>,
}

/// `GET /topics/{id}/suggestions`: words and two-word phrases the topic's stored posts use
/// more than the others, not yet in its lists, as buttons that add them to the terms.
async fn suggestions_fragment(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(q): Query<DaysParam>,
) -> Result<Response, ApiError> {
    workbench::topic_path(&state.inner.keywords, &id)?;
    let days = q.days.unwrap_or(SUGGEST_DAYS).clamp(1, 365);
    let since = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * i64::from(days));
    let topic = id.clone();
    let found = with_store(&state, move |store, classifier| {
        Ok(workbench::suggest::suggest(
            store,
            classifier,
            &topic,
            since,
            SUGGESTED,
            || {},
        )?)
    })
    .await?
    .ok_or_else(|| WorkbenchError::NoTopic(id.clone()))?;
    let edit = may_edit(&visitor);
    let mut html = format!(
        "<div id=\"suggestions-result\"><p class=\"muted\">Dari {} unggahan bertopik ini dan {} \
         unggahan lain dalam {days} hari terakhir: kata dan frasa yang jauh lebih sering di unggahan \
         bertopik ini dan belum ada di daftarnya{}.</p>",
        found.inside,
        found.outside,
        if edit {
            "; klik untuk menambahkannya ke kata/frasa dan melihat pratinjaunya"
        } else {
            ""
        }
    );
    if found.terms.is_empty() {
        html.push_str("<p>Belum ada usulan: unggahan bertopik ini masih terlalu sedikit atau kata-katanya sudah tercakup.</p>");
    } else {
        html.push_str("<ul class=\"suggestions\">");
        for s in &found.terms {
            let counts = format!("di topik {} · di luar {}", s.inside, s.outside);
            if edit {
                let _ = write!(
                    html,
                    "<li><button type=\"button\" class=\"add-term\" data-term=\"{t}\" title=\"{counts}\">+ {t}</button></li>",
                    t = escape(&s.term)
                );
            } else {
                let _ = write!(html, "<li title=\"{counts}\">{}</li>", escape(&s.term));
            }
        }
        html.push_str("</ul>");
    }
    html.push_str("</div>");
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// `POST /topics/{id}`: the save.
async fn save(
    State(state): State<AppState>,
    visitor: Visitor,
    Analyst(user): Analyst,
    Path(id): Path<String>,
    Form(posted): Form<Posted>,
) -> Result<Response, ApiError> {
    let _one_at_a_time = state.inner.saves.lock().await;
    let dir = state.inner.keywords.clone();
    let current = workbench::read_topic(&dir, &id)?;
    if workbench::version_of(&current) != posted.version {
        let mine = posted.form.write(&current).unwrap_or_default();
        let message = format!(
            "Tidak disimpan: berkas topik ini sudah diubah (oleh orang lain atau di server) sejak \
             halaman ini dibuka. Isian Anda masih di bawah; perbedaannya dengan berkas sekarang:\
             <pre>{}</pre>Periksa, lalu simpan lagi bila memang ingin menimpanya.",
            escape(&workbench::diff(&id, &current, &mine))
        );
        let notice = Notice {
            status: Some(StatusCode::CONFLICT),
            message: Some(message),
            problems: Vec::new(),
        };
        let version = workbench::version_of(&current);
        return editor(&state, &visitor, &id, &posted.form, &version, notice).await;
    }
    let checked = {
        let (dir, id, current, form) = (
            dir.clone(),
            id.clone(),
            current.clone(),
            posted.form.clone(),
        );
        tokio::task::spawn_blocking(move || workbench::check(&dir, &id, &current, &form))
            .await
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))??
    };
    match checked.result {
        Ok(classifier) => {
            commit(&state, &user.name, &id, &current, &checked.text, classifier).await?;
            Ok(Redirect::to(&format!("/topics/{id}#disimpan")).into_response())
        }
        Err(problems) => {
            let notice = Notice {
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                message: Some("Tidak disimpan: perbaiki dulu galat berikut.".into()),
                problems,
            };
            editor(&state, &visitor, &id, &posted.form, &posted.version, notice).await
        }
    }
}

/// Writes a checked topic file, swaps its lists in and records the revision. Nothing is
/// written when the text is unchanged.
async fn commit(
    state: &AppState,
    user: &str,
    id: &str,
    before: &str,
    after: &str,
    classifier: crate::classify::Classifier,
) -> Result<(), ApiError> {
    if before == after {
        return Ok(());
    }
    let path = workbench::topic_path(&state.inner.keywords, id)?;
    workbench::write_file(&path, after)?;
    // The daemon's watcher would reload too, after its settling delay; swapping the lists
    // built from this very text in now means the next post is classified with them. The
    // watcher then finds the files at the version in force and changes nothing.
    let version = classifier.version().to_string();
    state
        .inner
        .pipeline
        .classifier()
        .set(std::sync::Arc::new(classifier));
    crate::metrics::global().keywords_reloaded("applied");
    tracing::info!(topic = id, user, keywords = %version, "topik disimpan dari penyunting");
    let rev = Revision {
        id: 0,
        topic: id.to_string(),
        user: user.to_string(),
        at: jiff::Timestamp::now(),
        diff: workbench::diff(id, before, after),
        before: before.to_string(),
        after: after.to_string(),
    };
    state
        .inner
        .pipeline
        .writer()
        .call(move |s| {
            s.keywords_loaded(&version)?;
            s.record_revision(&rev)
        })
        .await??;
    Ok(())
}

#[derive(Debug, Deserialize)]
struct RevertForm {
    #[serde(default)]
    version: String,
}

/// `POST /topics/{id}/revert/{rev}`: saves the text from before revision `rev`.
async fn revert(
    State(state): State<AppState>,
    Analyst(user): Analyst,
    Path((id, rev)): Path<(String, i64)>,
    Form(form): Form<RevertForm>,
) -> Result<Response, ApiError> {
    let _one_at_a_time = state.inner.saves.lock().await;
    let dir = state.inner.keywords.clone();
    let current = workbench::read_topic(&dir, &id)?;
    if workbench::version_of(&current) != form.version {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "tidak dikembalikan: berkas topik ini sudah diubah sejak halaman dibuka; muat ulang halamannya",
        ));
    }
    let revision = with_store(&state, move |store, _| Ok(store.revision(rev)?))
        .await?
        .filter(|r| r.topic == id)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!("perubahan {rev} tidak ada untuk topik ini"),
            )
        })?;
    let path = workbench::topic_path(&dir, &id)?;
    let text = revision.before.clone();
    let built = tokio::task::spawn_blocking(move || workbench::build_with(&dir, &path, &text))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let classifier = built.map_err(|errors| {
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "teks lama itu tidak lagi sah dengan daftar sekarang: {}",
                shown.join("; ")
            ),
        )
    })?;
    commit(
        &state,
        &user.name,
        &id,
        &current,
        &revision.before,
        classifier,
    )
    .await?;
    Ok(Redirect::to(&format!("/topics/{id}#dikembalikan")).into_response())
}

async fn new_page(visitor: Visitor, Analyst(_): Analyst) -> Response {
    let body = format!(
        "<h2>Topik baru</h2><form class=\"box\" method=\"post\" action=\"/topics/new\">{}\
         <label for=\"n-id\">Id (nama berkas: huruf kecil, angka, tanda minus)</label>\
         <input type=\"text\" id=\"n-id\" name=\"id\" required pattern=\"[a-z0-9-]+\">\
         <label for=\"n-name\">Nama</label><input type=\"text\" id=\"n-name\" name=\"name\" required>\
         <label for=\"n-category\">Kategori</label><input type=\"text\" id=\"n-category\" name=\"category\" required>\
         <label for=\"n-any\">Kata kunci pertama (pisahkan dengan koma)</label><input type=\"text\" id=\"n-any\" name=\"any\" required>\
         <button type=\"submit\" class=\"primary\">Buat</button></form>",
        visitor.csrf_field().unwrap_or_default()
    );
    layout::page(StatusCode::OK, "Topik baru", visitor.account(), &body, true)
}

#[derive(Debug, Deserialize)]
struct NewTopic {
    id: String,
    name: String,
    category: String,
    #[serde(default)]
    any: String,
}

/// `POST /topics/new`: a file from the template, checked like a save, then its editor.
async fn create(
    State(state): State<AppState>,
    Analyst(user): Analyst,
    Form(new): Form<NewTopic>,
) -> Result<Response, ApiError> {
    let _one_at_a_time = state.inner.saves.lock().await;
    let dir = state.inner.keywords.clone();
    let path = workbench::topic_path(&dir, new.id.trim())?;
    let id = new.id.trim().to_string();
    if path.exists() {
        return Err(WorkbenchError::Exists(id).into());
    }
    let text = workbench::template(&new.name, &new.category, &new.any);
    let built = {
        let (dir, path, text) = (dir.clone(), path.clone(), text.clone());
        tokio::task::spawn_blocking(move || workbench::build_with(&dir, &path, &text))
            .await
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
    };
    let classifier = built.map_err(|errors| {
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, shown.join("; "))
    })?;
    commit(&state, &user.name, &id, "", &text, classifier).await?;
    Ok(Redirect::to(&format!("/topics/{id}")).into_response())
}
