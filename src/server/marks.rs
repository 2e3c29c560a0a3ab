//! Analysts' feedback on posts: `POST /marks` records a verdict on one tag of a stored post
//! (a topic, region or sentiment it carries is wrong or right; a topic or region it lacks is
//! missing), one per post, kind, value and user, changeable and removable; `GET /quality`
//! counts per topic what the marks say so far. The dashboard's post lists and the topic
//! editor's preview carry the forms ([`controls`]); the editor lists the marks on its topic as
//! candidate examples (`super::topics`).

use std::fmt::Write as _;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::auth::{Analyst, Visitor, local_path};
use super::layout::{self, escape};
use super::read::with_store;
use super::{ApiError, AppState};
use crate::classify::{Classifier, SentimentClass};
use crate::store::Marks;
use crate::store::marks::{Candidate, Kind, Mark, PostTags, TopicQuality, Verdict};

/// A topic's precision is shown once at least this many of its posts were reviewed; with
/// fewer, one mark more or less would swing it by more than a tenth.
pub const MIN_REVIEWED: u64 = 10;
/// Missed posts listed per topic on the quality page (all are counted).
const MISSED_LISTED: usize = 20;
/// Longest value a mark may carry (topic and region ids are far shorter).
const MAX_VALUE: usize = 64;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/marks", post(mark))
        .route("/quality", get(quality))
}

/// The mark form as posted: the post, then either `mark` = `KIND:VALUE:VERDICT` (the button
/// pressed) or `mark` = `add` with `add` = `KIND:VALUE` (a missing topic or region picked);
/// `back` is the page to return to (without it the answer is JSON, for the editor's script).
#[derive(Debug, Deserialize)]
struct Posted {
    #[serde(default)]
    post: String,
    #[serde(default)]
    mark: String,
    #[serde(default)]
    add: String,
    back: Option<String>,
}

/// The verdict a form asks for: a stored one, `clear` (remove the mark), or `yes` (the post
/// is this topic's: right when it carries it, missing when it does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asked {
    Set(Verdict),
    Yes,
    Clear,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, message)
}

/// Reads the form into (post, kind, value, asked verdict).
fn parse(p: &Posted) -> Result<(i64, Kind, String, Asked), ApiError> {
    let post: i64 = p
        .post
        .trim()
        .parse()
        .map_err(|_| bad("nomor unggahan tidak sah"))?;
    let (kind, value, verdict) = if p.mark == "add" {
        let (kind, value) = p
            .add
            .split_once(':')
            .ok_or_else(|| bad("pilih topik atau wilayah yang kurang"))?;
        (kind, value, "missing")
    } else {
        let mut parts = p.mark.splitn(3, ':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(k), Some(v), Some(d)) => (k, v, d),
            _ => return Err(bad("tanda tidak sah: KIND:NILAI:PENILAIAN")),
        }
    };
    let kind =
        Kind::parse(kind).ok_or_else(|| bad(format!("jenis tanda \"{kind}\" tidak dikenal")))?;
    let asked = match verdict {
        "clear" => Asked::Clear,
        "yes" => Asked::Yes,
        v => Asked::Set(
            Verdict::parse(v).ok_or_else(|| bad(format!("penilaian \"{v}\" tidak dikenal")))?,
        ),
    };
    if value.is_empty() || value.len() > MAX_VALUE {
        return Err(bad("nilai tanda kosong atau terlalu panjang"));
    }
    Ok((post, kind, value.to_string(), asked))
}

/// Whether `value` names a topic, region or sentiment class of the lists in force.
fn known(classifier: &Classifier, kind: Kind, value: &str) -> bool {
    match kind {
        Kind::Topic => classifier.topic(&value.into()).is_some(),
        Kind::Region => classifier.region(&value.into()).is_some(),
        Kind::Sentiment => SentimentClass::parse(value).is_some(),
    }
}

/// Whether the post's stored tags carry `value`.
fn carries(tags: &PostTags, kind: Kind, value: &str) -> bool {
    match kind {
        Kind::Topic => tags.topics.iter().any(|t| t == value),
        Kind::Region => tags.regions.iter().any(|r| r == value),
        Kind::Sentiment => tags.sentiment.as_deref() == Some(value),
    }
}

/// `POST /marks` (analysts): records, changes or removes a mark.
async fn mark(
    State(state): State<AppState>,
    Analyst(user): Analyst,
    Form(posted): Form<Posted>,
) -> Result<Response, ApiError> {
    let (post, kind, value, asked) = parse(&posted)?;
    let (v, k) = (value.clone(), kind);
    let tags = with_store(&state, move |store, classifier| {
        if !known(classifier, k, &v) {
            return Err(bad(format!(
                "\"{v}\" bukan {} di daftar yang berlaku",
                match k {
                    Kind::Topic => "topik",
                    Kind::Region => "wilayah",
                    Kind::Sentiment => "kelas sentimen",
                }
            )));
        }
        store.post_tags(post)?.ok_or_else(|| {
            ApiError::new(StatusCode::NOT_FOUND, format!("unggahan {post} tidak ada"))
        })
    })
    .await?;
    let verdict = match asked {
        Asked::Yes if carries(&tags, kind, &value) => Some(Verdict::Right),
        Asked::Yes => Some(Verdict::Missing),
        Asked::Set(v) => Some(v),
        Asked::Clear => None,
    };
    if kind == Kind::Sentiment && verdict == Some(Verdict::Missing) {
        return Err(bad(
            "sentimen hanya dapat ditandai salah atau benar, tidak \"kurang\"",
        ));
    }
    let name = user.name.clone();
    let v = value.clone();
    state
        .inner
        .pipeline
        .writer()
        .call(move |s| match verdict {
            Some(verdict) => s.set_mark(&Mark {
                post,
                kind,
                value: v,
                verdict,
                user: name,
                at: jiff::Timestamp::now(),
            }),
            None => s.clear_mark(post, kind, &v, &name).map(|_| ()),
        })
        .await??;
    tracing::info!(user = %user.name, post, kind = kind.as_str(), value = %value,
        verdict = verdict.map_or("clear", Verdict::as_str), "tanda unggahan");
    match posted.back.as_deref().filter(|b| !b.is_empty()) {
        Some(back) => Ok(Redirect::to(&local_path(Some(back))).into_response()),
        None => Ok(Json(serde_json::json!({
            "ok": true,
            "post": post,
            "kind": kind.as_str(),
            "value": value,
            "verdict": verdict.map_or("clear", Verdict::as_str),
        }))
        .into_response()),
    }
}

/// Indonesian label of a mark, as the lists show it: `banjir: salah`.
pub(super) fn mark_label(m: &Mark) -> String {
    let verdict = match m.verdict {
        Verdict::Wrong => "salah",
        Verdict::Right => "benar",
        Verdict::Missing => "kurang",
    };
    format!("{} {}: {verdict} ({})", kind_label(m.kind), m.value, m.user)
}

fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Topic => "topik",
        Kind::Region => "wilayah",
        Kind::Sentiment => "sentimen",
    }
}

/// The editor preview's mark form for one post and topic `topic`: "not this topic" (a
/// candidate `no_match`) and "this topic" (right when stored with it, else a candidate
/// `match`). The editor's script sends it without leaving the page.
pub(super) fn controls(visitor: &Visitor, post: i64, topic: &str) -> String {
    format!(
        "<form class=\"mark row\" method=\"post\" action=\"/marks\">{csrf}\
         <input type=\"hidden\" name=\"post\" value=\"{post}\">\
         <button type=\"submit\" name=\"mark\" value=\"topic:{t}:wrong\">✗ bukan topik ini</button>\
         <button type=\"submit\" name=\"mark\" value=\"topic:{t}:yes\">✓ memang topik ini</button>\
         <span class=\"muted marked\"></span></form>",
        csrf = visitor.csrf_field().unwrap_or_default(),
        t = escape(topic),
    )
}

/// `GET /quality`: per topic, precision and missed posts from the marks so far.
async fn quality(State(state): State<AppState>, visitor: Visitor) -> Result<Response, ApiError> {
    let (tz, lang) = (state.inner.timezone.clone(), state.inner.lang);
    let body = with_store(&state, move |store, classifier| {
        let rows = store.topic_quality()?;
        let mut missed = Vec::new();
        for q in rows.iter().filter(|q| q.missed > 0) {
            missed.push((
                q.topic.clone(),
                store.missed_posts(&q.topic, MISSED_LISTED)?,
            ));
        }
        Ok(quality_html(classifier, &rows, &missed, &tz, lang))
    })
    .await?;
    Ok(layout::page(
        StatusCode::OK,
        "Mutu topik",
        visitor.account(),
        &body,
        false,
    ))
}

/// The precision cell: the percentage, or plainly that the marks are too few.
fn precision_text(q: &TopicQuality) -> String {
    match q.precision() {
        Some(p) if q.reviewed >= MIN_REVIEWED => format!("{:.0}%", p * 100.0),
        _ => format!(
            "terlalu sedikit tanda untuk menilai ({} dari {MIN_REVIEWED} unggahan ditinjau)",
            q.reviewed
        ),
    }
}

fn quality_html(
    classifier: &Classifier,
    rows: &[TopicQuality],
    missed: &[(String, Vec<Candidate>)],
    tz: &jiff::tz::TimeZone,
    lang: crate::time::Lang,
) -> String {
    let name = |id: &str| {
        classifier
            .topic(&id.into())
            .map_or_else(|| id.to_string(), |t| t.name.clone())
    };
    let mut html = format!(
        "<h2>Mutu topik menurut tanda analis</h2><div class=\"box\">\
         <p><b>Presisi = 1 − (unggahan bertopik ini yang ditandai salah ÷ unggahan bertopik ini \
         yang ditinjau)</b>. Unggahan ditinjau bila seorang analis memberi tanda apa pun padanya \
         (topik, wilayah atau sentimen; benar atau salah); yang dihitung salah adalah yang tanda \
         terakhirnya untuk topik ini berbunyi salah. Presisi baru ditampilkan setelah sedikitnya \
         {MIN_REVIEWED} unggahan bertopik ini ditinjau. <b>Terlewat</b>: unggahan yang ditandai \
         kurang topik ini dan masih belum bertopik ini.</p>"
    );
    if rows.is_empty() {
        html.push_str(
            "<p id=\"no-marks\">Belum ada tanda sama sekali: terlalu sedikit untuk menilai topik \
             mana pun. Tandai unggahan di dasbor atau di pratinjau penyunting topik.</p></div>",
        );
        return html;
    }
    html.push_str(
        "<table id=\"quality\"><thead><tr><th>Topik</th><th>Ditinjau</th><th>Salah</th>\
         <th>Presisi</th><th>Terlewat</th></tr></thead><tbody>",
    );
    for q in rows {
        let missed_cell = if q.missed > 0 {
            format!(
                "<a href=\"#terlewat-{id}\">{}</a>",
                q.missed,
                id = escape(&q.topic)
            )
        } else {
            "0".to_string()
        };
        let _ = write!(
            html,
            "<tr data-topic=\"{id}\"><td><a href=\"/topics/{id}\">{name}</a></td>\
             <td>{}</td><td>{}</td><td class=\"precision\">{}</td><td>{missed_cell}</td></tr>",
            q.reviewed,
            q.wrong,
            escape(&precision_text(q)),
            id = escape(&q.topic),
            name = escape(&name(&q.topic)),
        );
    }
    html.push_str("</tbody></table></div>");
    for (topic, posts) in missed {
        let _ = write!(
            html,
            "<h3 id=\"terlewat-{id}\">Terlewat: {name}</h3><ul class=\"missed\">",
            id = escape(topic),
            name = escape(&name(topic)),
        );
        for c in posts {
            html.push_str(&candidate_item(c, tz, lang));
        }
        let _ = write!(
            html,
            "</ul><p><a href=\"/topics/{}\">Buka penyunting topik ini</a> untuk menjadikannya contoh.</p>",
            escape(topic)
        );
    }
    html
}

/// A marked post in a list: its text (escaped), source link, when, and how many marked it.
pub(super) fn candidate_item(
    c: &Candidate,
    tz: &jiff::tz::TimeZone,
    lang: crate::time::Lang,
) -> String {
    let when = crate::time::format_local(c.published, tz, lang);
    let link = c
        .url
        .as_deref()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .map_or_else(String::new, |u| {
            format!(
                " · <a href=\"{}\" rel=\"noopener noreferrer nofollow\">tautan</a>",
                escape(u)
            )
        });
    let title = c
        .title
        .as_deref()
        .map_or_else(String::new, |t| format!("<b>{}</b><br>", escape(t)));
    format!(
        "<li data-post=\"{}\">{title}{}<br><span class=\"muted\">unggahan {} · {} · {} penanda{link}</span></li>",
        c.post,
        escape(&crate::format::excerpt(&c.text, 400)),
        c.post,
        escape(&when),
        c.users,
    )
}
