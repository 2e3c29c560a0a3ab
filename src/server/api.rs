//! The read-only JSON API over the store, for other systems and scripts:
//!
//! | route | answers |
//! |---|---|
//! | `GET /api/topics` | every topic of the lists in force, with its posts in the last 24 h and 7 days |
//! | `GET /api/posts?topic=&region=&source=&q=&since=&until=&limit=&cursor=` | posts, newest first, one page: `{"posts":[…],"next":"…"}`; pass `next` as `cursor` for the following page |
//! | `GET /api/export?topic=&region=&since=&until=&format=csv\|jsonl&mentioned=` | every matching post as a CSV or JSON Lines download (`super::export`) |
//! | `GET /api/stories/{id}` | a story with its spread and its posts, origin first |
//! | `GET /api/sources` | every source with its health (admin; see `super::auth`) |
//! | `GET /api/briefings` | written briefings, newest first, with links to their files |
//! | `GET /api/briefings/{date}` | that day's briefing JSON, as written to `briefings/DATE.json` |
//! | `GET /briefings/{file}` | the briefing files themselves (`DATE.html`, `.md`, `.json`, `index.html`) |
//!
//! Times are RFC 3339 in UTC; query parameters `since`/`until` also take a local (WITA) date
//! or `YYYY-MM-DDTHH:MM`. Every error is `{"error": "…"}` saying what to change.

use std::path::PathBuf;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::auth::Visitor;
use super::read::with_store;
use super::{ApiError, AppState};
use crate::auth::Role;
use crate::model::Priority;
use crate::store::briefings::BriefingRecord;
use crate::store::browse::{Cursor, ListedPost, MAX_PAGE, PostFilter};
use crate::store::stories::Story;
use crate::store::{Browse, Reports, SourceHealth, Status};

/// Default page size of `/api/posts`.
pub const DEFAULT_PAGE: usize = 50;
/// Posts listed with a story.
const STORY_POSTS: usize = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/topics", get(topics))
        .route("/api/posts", get(posts))
        .route("/api/stories/{id}", get(story))
        .route("/api/sources", get(sources))
        .route("/api/briefings", get(briefings))
        .route("/api/briefings/{date}", get(briefing))
        .route("/briefings/{file}", get(briefing_file))
}

#[derive(Debug, Serialize)]
pub struct TopicSummary {
    pub id: String,
    pub name: String,
    pub category: String,
    pub priority: Priority,
    pub owner: Option<String>,
    pub advice: Option<String>,
    pub posts_24h: u64,
    pub posts_7d: u64,
}

async fn topics(State(state): State<AppState>) -> Result<axum::Json<Vec<TopicSummary>>, ApiError> {
    let now = Timestamp::now();
    let rows = with_store(&state, move |store, classifier| {
        let day = counts(store, now - SignedDuration::from_hours(24), now)?;
        let week = counts(store, now - SignedDuration::from_hours(24 * 7), now)?;
        Ok(classifier
            .topics()
            .iter()
            .map(|t| TopicSummary {
                id: t.id.to_string(),
                name: t.name.clone(),
                category: t.category.clone(),
                priority: t.priority,
                owner: t.owner.clone(),
                advice: t.advice.clone(),
                posts_24h: day.get(t.id.as_str()).copied().unwrap_or(0),
                posts_7d: week.get(t.id.as_str()).copied().unwrap_or(0),
            })
            .collect())
    })
    .await?;
    Ok(axum::Json(rows))
}

fn counts(
    store: &crate::store::Store,
    start: Timestamp,
    end: Timestamp,
) -> Result<std::collections::HashMap<String, u64>, ApiError> {
    Ok(store.topic_counts(start, end)?.into_iter().collect())
}

#[derive(Debug, Default, Deserialize)]
pub struct PostParams {
    pub topic: Option<String>,
    pub region: Option<String>,
    pub source: Option<String>,
    pub q: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PostsPage {
    pub posts: Vec<ListedPost>,
    /// The cursor of the next page; null on the last.
    pub next: Option<String>,
}

/// A parameter's value, trimmed; an empty one (a blank form field) counts as absent.
pub(super) fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The topic of a `topic=` parameter, if it is one of the lists in force; else 400 saying
/// where the list is.
pub(super) fn known_topic(
    classifier: &crate::Classifier,
    topic: Option<&str>,
) -> Result<Option<String>, ApiError> {
    match topic {
        Some(t) if classifier.topic(&t.into()).is_none() => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("topik \"{t}\" tidak dikenal; daftar topik ada di /api/topics"),
        )),
        _ => Ok(topic.map(str::to_owned)),
    }
}

/// The region of a `region=` parameter, if keywords/regions.toml has it; else 400.
pub(super) fn known_region(
    classifier: &crate::Classifier,
    region: Option<&str>,
) -> Result<Option<String>, ApiError> {
    match region {
        Some(r) if classifier.region(&r.into()).is_none() => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "wilayah \"{r}\" tidak dikenal; pakai id dari keywords/regions.toml, misalnya samarinda"
            ),
        )),
        _ => Ok(region.map(str::to_owned)),
    }
}

/// Turns the query parameters into a filter, checking each against the lists in force, so
/// that a typo answers 400 with the fix rather than an empty page.
pub fn post_filter(
    p: &PostParams,
    classifier: &crate::Classifier,
    tz: &jiff::tz::TimeZone,
) -> Result<PostFilter, ApiError> {
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, m);
    let topic = known_topic(classifier, nonempty(&p.topic))?;
    let region = known_region(classifier, nonempty(&p.region))?;
    let time = |name: &str, v: &Option<String>| -> Result<Option<Timestamp>, ApiError> {
        nonempty(v)
            .map(|text| {
                crate::time::parse_local(text, tz).ok_or_else(|| {
                    bad(format!(
                        "{name}=\"{text}\" tidak valid: pakai YYYY-MM-DD, YYYY-MM-DDTHH:MM (WITA) atau RFC 3339"
                    ))
                })
            })
            .transpose()
    };
    let limit = p.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(bad(format!("limit harus 1 sampai {MAX_PAGE}")));
    }
    let after = nonempty(&p.cursor)
        .map(|c| {
            Cursor::decode(c).ok_or_else(|| {
                bad("cursor tidak valid: pakai nilai \"next\" dari halaman sebelumnya".into())
            })
        })
        .transpose()?;
    Ok(PostFilter {
        topic,
        region,
        source: nonempty(&p.source).map(str::to_owned),
        query: nonempty(&p.q).map(str::to_owned),
        since: time("since", &p.since)?,
        until: time("until", &p.until)?,
        after,
        limit,
    })
}

async fn posts(
    State(state): State<AppState>,
    Query(p): Query<PostParams>,
) -> Result<axum::Json<PostsPage>, ApiError> {
    let tz = state.inner.timezone.clone();
    let page = with_store(&state, move |store, classifier| {
        let filter = post_filter(&p, classifier, &tz)?;
        Ok(store.posts_page(&filter)?)
    })
    .await?;
    Ok(axum::Json(PostsPage {
        posts: page.posts,
        next: page.next.map(|c| c.encode()),
    }))
}

#[derive(Debug, Serialize)]
pub struct StoryDetail {
    #[serde(flatten)]
    pub story: Story,
    /// Its posts, origin first (at most 100).
    pub items: Vec<crate::store::StoredPost>,
}

async fn story(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<StoryDetail>, ApiError> {
    let id: i64 = id.parse().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("id cerita \"{id}\" harus berupa angka, misalnya /api/stories/12"),
        )
    })?;
    let detail = with_store(&state, move |store, _| {
        let story = store.story(id)?.ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!("cerita {id} tidak ada (mungkin sudah dihapus oleh retensi)"),
            )
        })?;
        Ok(StoryDetail {
            story,
            items: store.story_posts(id, STORY_POSTS)?,
        })
    })
    .await?;
    Ok(axum::Json(detail))
}

#[derive(Debug, Serialize)]
pub struct SourceRow {
    #[serde(flatten)]
    pub health: SourceHealth,
    /// False while the last poll failed.
    pub ok: bool,
}

async fn sources(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<axum::Json<Vec<SourceRow>>, ApiError> {
    if !visitor.may_read(Role::Admin) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "kesehatan sumber hanya untuk peran admin",
        ));
    }
    let rows = with_store(&state, |store, _| {
        Ok(store
            .sources_health(&[])?
            .into_iter()
            .map(|h| SourceRow {
                ok: h.consecutive_failures == 0,
                health: h,
            })
            .collect())
    })
    .await?;
    Ok(axum::Json(rows))
}

#[derive(Debug, Serialize)]
pub struct BriefingEntry {
    pub date: String,
    pub generated_at: Timestamp,
    pub period_start: Timestamp,
    pub period_end: Timestamp,
    pub issues: u64,
    pub posts: u64,
    pub keywords_version: String,
    pub html: String,
    pub markdown: String,
    pub json: String,
}

impl From<BriefingRecord> for BriefingEntry {
    fn from(b: BriefingRecord) -> BriefingEntry {
        BriefingEntry {
            html: format!("/briefings/{}.html", b.date),
            markdown: format!("/briefings/{}.md", b.date),
            json: format!("/api/briefings/{}", b.date),
            date: b.date,
            generated_at: b.generated_at,
            period_start: b.period_start,
            period_end: b.period_end,
            issues: b.issues,
            posts: b.posts,
            keywords_version: b.keywords_version,
        }
    }
}

async fn briefings(
    State(state): State<AppState>,
) -> Result<axum::Json<Vec<BriefingEntry>>, ApiError> {
    let rows = with_store(&state, |store, _| {
        Ok(store.briefings(366)?.into_iter().map(Into::into).collect())
    })
    .await?;
    Ok(axum::Json(rows))
}

async fn briefing(State(state): State<AppState>, Path(date): Path<String>) -> Response {
    let date = date.trim_end_matches(".json").to_string();
    serve_file(&state, format!("{date}.json")).await
}

async fn briefing_file(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    serve_file(&state, file).await
}

/// What a briefing file name may be: a day, ISO week or month (`2026-12-06`, `2026-W49`,
/// `2026-11`) with one of the three extensions, or the index.
fn briefing_file_type(name: &str) -> Option<(&str, &'static str)> {
    if name == "index.html" {
        return Some(("", "text/html; charset=utf-8"));
    }
    let (stem, ext) = name.rsplit_once('.')?;
    let mime = match ext {
        "html" => "text/html; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "json" => "application/json",
        _ => return None,
    };
    crate::digest::parse_stem(stem).map(|_| (stem, mime))
}

/// Serves one briefing file from where it was written (the `briefings` table records the
/// folder), or from `[briefing] dir`. Only the names [`briefing_file_type`] allows are served,
/// so no request reaches another file.
async fn serve_file(state: &AppState, name: String) -> Response {
    let Some((date, mime)) = briefing_file_type(&name) else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            format!(
                "berkas \"{name}\" tidak ada: briefing bernama YYYY-MM-DD, YYYY-Www atau YYYY-MM dengan .html, .md atau .json"
            ),
        )
        .into_response();
    };
    let configured = state.inner.briefings.clone();
    let date = date.to_string();
    let dir = if date.is_empty() {
        Ok(configured)
    } else {
        with_store(state, move |store, _| {
            Ok(store
                .briefing(&date)?
                .map_or(configured, |b| PathBuf::from(b.dir)))
        })
        .await
    };
    let dir = match dir {
        Ok(dir) => dir,
        Err(e) => return e.into_response(),
    };
    match tokio::fs::read(dir.join(&name)).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, mime),
                // Briefings hold no script; forbid any, should a file be tampered with.
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => ApiError::new(
            StatusCode::NOT_FOUND,
            format!(
                "briefing {name} belum ada; buat dengan `pantau digest --date TANGGAL`, lihat daftar di /api/briefings"
            ),
        )
        .into_response(),
        Err(e) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{}: tidak terbaca: {e}", dir.join(&name).display()),
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_briefing_names_are_files() {
        assert_eq!(
            briefing_file_type("2026-11-27.html").map(|x| x.0),
            Some("2026-11-27")
        );
        assert!(briefing_file_type("index.html").is_some());
        // Weekly and monthly briefings are served too.
        assert_eq!(
            briefing_file_type("2026-W49.md").map(|x| x.0),
            Some("2026-W49")
        );
        assert_eq!(
            briefing_file_type("2026-11.json").map(|x| x.0),
            Some("2026-11")
        );
        for bad in [
            "2026-W60.html",
            "2026-w49.html",
            "../2026-11.html",
            "../pantau.db",
            "2026-11-27.db",
            "2026-13-01.html",
            "..%2F2026-11-27.html",
            "2026-11-27",
            "x.html",
            "2026-1-2.md",
        ] {
            assert!(briefing_file_type(bad).is_none(), "{bad}");
        }
    }
}
