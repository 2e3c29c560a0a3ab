//! The dashboard at `GET /`: one server-rendered page for analysts, in Bahasa Indonesia, with
//! no script and no external asset (inline CSS and SVG), so it works in any browser on an
//! office network and behind a strict proxy.
//!
//! It shows the rising issues of the last 24 hours with their 7-day charts, a map of the posts
//! per kabupaten/kota (the briefing's, [`crate::digest::map`]), every topic with
//! its volume and, on each card, where the issue was said (platforms), its most engaged posts
//! and its accounts of widest reach; the recent posts of a topic or a search (`/?topic=banjir&q=…`, paged with a
//! plain link) with a link to download them all (`/api/export`, CSV or JSON Lines), the
//! sources' health and the latest briefings. The topics' numbers are the
//! briefing's period report ([`PeriodReport`]) over the last 24 hours, so the page and the
//! briefing count alike. The sources' table is for admins (everyone sees how many are
//! failing); a signed-in user sees their name and a logout button. An analyst marks each listed
//! post's topics, regions and sentiment right or wrong, or adds a missing topic or region, with
//! a plain form (`POST /marks`, `super::marks`) that comes back to the same list; everyone sees
//! the marks given. Post text is escaped by the template (minijinja's HTML
//! auto-escaping); only our own SVG charts and map are inserted as markup.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use minijinja::value::{Serde, Value};
use serde::Serialize;

use super::api::{PostParams, post_filter};
use super::auth::Visitor;
use super::read::with_store;
use super::{ApiError, AppState};
use crate::auth::Role;
use crate::digest::{
    Frame, PeriodReport, account_label, is_generic_byline, platform_label, reach_label,
};
use crate::format::excerpt;
use crate::store::browse::PostFilter;
use crate::store::{Browse, Marks, Reports, Status};
use crate::time::{Lang, format_local};

/// Recent posts shown for a topic or a search.
const POSTS_SHOWN: usize = 30;
/// Briefings listed.
const BRIEFINGS_SHOWN: usize = 10;
/// Posts and accounts a card lists under reach.
const CARD_REACH_ROWS: usize = 3;

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(page))
}

#[derive(Debug, Clone, Serialize)]
struct TopicLine {
    id: String,
    name: String,
    priority: String,
    posts_24h: u64,
    posts_7d: u64,
    stories: u64,
    direction: String,
    rising: bool,
    reason: String,
}

#[derive(Debug, Serialize)]
struct PostLine {
    id: i64,
    source: String,
    published: String,
    title: Option<String>,
    excerpt: String,
    url: Option<String>,
    topics: Vec<String>,
    regions: Vec<String>,
    sentiment: Option<String>,
    /// The marks analysts gave it (`topik banjir: salah (siti)`).
    marks: Vec<String>,
    story: Option<i64>,
}

/// What a card shows of an issue's reach over the last 24 hours, as the briefing does.
#[derive(Debug, Clone, Default, Serialize)]
struct CardReach {
    /// (platform, percent of the issue's posts, posts).
    platforms: Vec<(String, u64, u64)>,
    engaged: Vec<EngagedLine>,
    accounts: Vec<AccountLine>,
}

#[derive(Debug, Clone, Serialize)]
struct EngagedLine {
    platform: String,
    author: Option<String>,
    reach: String,
    text: String,
    url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct AccountLine {
    name: String,
    platform: String,
    label: String,
}

#[derive(Debug, Serialize)]
struct SourceLine {
    id: String,
    name: String,
    kind: String,
    ok: bool,
    last_success: Option<String>,
    failures: u32,
    error: Option<String>,
    items_seen: u64,
}

#[derive(Debug, Serialize)]
struct BriefingLine {
    date: String,
    issues: u64,
    posts: u64,
    generated: String,
}

/// Our own markup the page inserts as-is (it escapes its text): the cards' charts, by topic
/// id, and the map.
struct Markup {
    charts: HashMap<String, Value>,
    map: Value,
}

/// Everything the page shows.
#[derive(Debug, Serialize)]
struct View {
    now: String,
    keywords_version: String,
    posts_24h: u64,
    sources_ok: usize,
    sources_failing: usize,
    rising: Vec<TopicLine>,
    /// Each card's reach, by topic id.
    reach: HashMap<String, CardReach>,
    topics: Vec<TopicLine>,
    /// The topic picked in the form, if any, with its name.
    topic: Option<String>,
    topic_name: Option<String>,
    q: Option<String>,
    /// Why the requested posts could not be listed (a bad parameter).
    error: Option<String>,
    posts: Vec<PostLine>,
    /// Query string of the next page of posts.
    next: Option<String>,
    /// Query string of `/api/export` for the topic (and region) shown, without `format`.
    export: Option<String>,
    sources: Vec<SourceLine>,
    /// The sources' table is shown (admins only; the counts are shown to all).
    show_sources: bool,
    /// The visitor may mark posts (analysts and admins), and the page a mark comes back to.
    can_mark: bool,
    back: String,
    /// Every region of the lists (id, name), to add a missing one.
    regions: Vec<(String, String)>,
    briefings: Vec<BriefingLine>,
}

/// Who is signed in, for the header's name and logout button.
#[derive(Debug, Serialize)]
struct Who {
    name: String,
    role: &'static str,
    csrf: String,
}

async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    uri: axum::http::Uri,
    Query(params): Query<PostParams>,
) -> Response {
    let show_sources = visitor.may_read(Role::Admin);
    let can_mark = visitor
        .user
        .as_ref()
        .is_some_and(|u| u.role.allows(Role::Analyst) && visitor.csrf_token().is_some());
    let back = format!(
        "{}#unggahan",
        uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let who = visitor.user.as_ref().map(|u| Who {
        name: u.name.clone(),
        role: u.role.label(),
        csrf: visitor.csrf_token().unwrap_or_default().to_string(),
    });
    let tz = state.inner.timezone.clone();
    let lang = state.inner.lang;
    let (generation, version) = state.answer_stamp();
    let day_tz = tz.clone();
    let result = async {
        // The last 24 hours as kept between commits; the posts asked for, read now.
        let day = state
            .inner
            .day
            .get(version, generation, || {
                with_store(&state, move |store, classifier| {
                    last_day(store, classifier, Timestamp::now(), &day_tz, lang)
                })
            })
            .await?;
        with_store(&state, move |store, classifier| {
            let filter = post_filter(
                &PostParams {
                    limit: Some(POSTS_SHOWN),
                    ..params
                },
                classifier,
                &tz,
            );
            build(store, classifier, filter, &day, &tz, lang)
        })
        .await
    }
    .await;
    let result = result.map(|(mut view, markup)| {
        view.show_sources = show_sources;
        view.can_mark = can_mark;
        view.back = back;
        (view, markup)
    });
    match result.and_then(|(view, markup)| render(&view, who.as_ref(), markup)) {
        Ok(html) => (
            [(
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; \
                 frame-ancestors 'none'",
            )],
            Html(html),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// What the page shows of the last 24 hours: the same for every visitor and every list of
/// posts asked for, so it is kept between the writer's commits ([`super::answers`]).
pub(super) struct Day {
    now: Timestamp,
    posts_24h: u64,
    topics: Vec<TopicLine>,
    rising: Vec<TopicLine>,
    /// Each card's reach and its 7-day chart (SVG), by topic id.
    reach: HashMap<String, CardReach>,
    charts: HashMap<String, String>,
    /// The map of posts per kabupaten/kota (SVG).
    map: String,
}

fn last_day(
    store: &impl Reports,
    classifier: &crate::Classifier,
    now: Timestamp,
    tz: &TimeZone,
    lang: Lang,
) -> Result<Day, ApiError> {
    let report = PeriodReport::read(store, classifier, Frame::last_day(now), lang)?;
    // The briefing's map over the same report: posts per kabupaten/kota, rising ones marked.
    let map = crate::digest::map::figure(&report.areas(store, classifier)?, lang);
    let topics = topic_lines(&report, classifier);
    let rising = cards(&topics, &report);
    let mut charts = HashMap::new();
    let mut reach = HashMap::new();
    for t in &rising {
        reach.insert(
            t.id.clone(),
            card_reach(store, &t.id, t.posts_24h, report.frame, lang)?,
        );
        let days = report.local_days(store, &t.id, tz)?;
        charts.insert(t.id.clone(), crate::digest::svg::daily_bars(&days, lang));
    }
    Ok(Day {
        now,
        posts_24h: store.post_totals(report.frame.start, now)?.0,
        topics,
        rising,
        reach,
        charts,
        map,
    })
}

fn build(
    store: &(impl Reports + Browse + Status + Marks),
    classifier: &crate::Classifier,
    filter: Result<PostFilter, ApiError>,
    day: &Day,
    tz: &TimeZone,
    lang: Lang,
) -> Result<(View, Markup), ApiError> {
    // A bad parameter (a mistyped topic in a bookmarked link) shows on the page, which stays
    // usable, rather than replacing it with a JSON error.
    let (filter, error) = match filter {
        Ok(f) => (f, None),
        Err(e) => (Default::default(), Some(e.message)),
    };
    let (posts, next) = post_lines(store, &filter, tz, lang)?;
    let sources = source_lines(store, tz, lang)?;
    let failing = sources.iter().filter(|s| !s.ok).count();
    let briefings = store
        .briefings(BRIEFINGS_SHOWN)?
        .into_iter()
        .map(|b| BriefingLine {
            generated: format_local(b.generated_at, tz, lang),
            date: b.date,
            issues: b.issues,
            posts: b.posts,
        })
        .collect();
    let topic_name = filter
        .topic
        .as_ref()
        .and_then(|t| classifier.topic(&t.as_str().into()))
        .map(|t| t.name.clone());
    let export = filter.topic.as_ref().map(|topic| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("topic", topic);
        if let Some(region) = &filter.region {
            q.append_pair("region", region);
        }
        q.finish()
    });
    let charts = day
        .charts
        .iter()
        .map(|(id, svg)| (id.clone(), Value::from_safe_string(svg.clone())))
        .collect();
    Ok((
        View {
            now: format_local(day.now, tz, lang),
            keywords_version: classifier.version().to_string(),
            posts_24h: day.posts_24h,
            sources_ok: sources.len() - failing,
            sources_failing: failing,
            rising: day.rising.clone(),
            reach: day.reach.clone(),
            topics: day.topics.clone(),
            topic: filter.topic,
            topic_name,
            q: filter.query,
            error,
            posts,
            next,
            export,
            sources,
            show_sources: false,
            can_mark: false,
            back: String::new(),
            regions: classifier
                .regions()
                .iter()
                .map(|r| (r.id.to_string(), r.name.clone()))
                .collect(),
            briefings,
        },
        Markup {
            charts,
            map: Value::from_safe_string(day.map.clone()),
        },
    ))
}

/// Every topic of the lists in force with its numbers: rising ones first, then by posts.
fn topic_lines(report: &PeriodReport, classifier: &crate::Classifier) -> Vec<TopicLine> {
    let mut topics: Vec<TopicLine> = classifier
        .topics()
        .iter()
        .map(|t| {
            let id = t.id.as_str();
            let numbers = report.topic(id);
            TopicLine {
                id: id.to_string(),
                name: t.name.clone(),
                priority: t.priority.as_str().to_string(),
                posts_24h: numbers.posts(),
                posts_7d: numbers.last_seven(),
                stories: numbers.stories(),
                direction: numbers.direction().as_str().to_string(),
                rising: numbers.rising(),
                reason: numbers.reason().to_string(),
            }
        })
        .collect();
    topics.sort_by(|a, b| {
        b.rising
            .cmp(&a.rising)
            .then(b.posts_24h.cmp(&a.posts_24h))
            .then(a.name.cmp(&b.name))
    });
    topics
}

/// The cards: every rising issue, most significant first; with none rising, the busiest
/// three, so the page is never blank on a quiet day.
fn cards(topics: &[TopicLine], report: &PeriodReport) -> Vec<TopicLine> {
    let mut rising: Vec<&TopicLine> = topics.iter().filter(|t| t.rising).collect();
    rising.sort_by(|a, b| {
        let score = |t: &TopicLine| report.topic(&t.id).score();
        score(b).total_cmp(&score(a))
    });
    if rising.is_empty() {
        rising = topics.iter().filter(|t| t.posts_24h > 0).take(3).collect();
    }
    rising.into_iter().cloned().collect()
}

/// Where the card's issue was said, its most engaged posts and its accounts of widest reach,
/// over the report's period (the briefing's sections, shorter).
fn card_reach(
    store: &impl Reports,
    topic: &str,
    posts: u64,
    frame: Frame,
    lang: Lang,
) -> Result<CardReach, ApiError> {
    let (start, end) = (frame.start, frame.end);
    let platforms = store
        .topic_platforms(topic, start, end)?
        .into_iter()
        .map(|p| {
            let percent = (p.posts as f64 * 100.0 / posts.max(1) as f64).round() as u64;
            (platform_label(p.platform.as_str(), lang), percent, p.posts)
        })
        .collect();
    let engaged = store
        .topic_engaged(topic, start, end, CARD_REACH_ROWS)?
        .into_iter()
        .map(|p| EngagedLine {
            platform: platform_label(p.platform.as_str(), lang),
            author: p
                .author
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty()),
            reach: reach_label(&p.reach, lang),
            text: excerpt(p.title.as_deref().unwrap_or(&p.text), 140),
            url: p
                .url
                .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        })
        .collect();
    let accounts = store
        .topic_accounts(topic, start, end, CARD_REACH_ROWS * 2)?
        .into_iter()
        .filter(|a| !is_generic_byline(&a.author))
        .take(CARD_REACH_ROWS)
        .map(|a| AccountLine {
            platform: platform_label(a.platform.as_str(), lang),
            label: account_label(a.followers, a.engagement, a.posts, lang),
            name: a.author,
        })
        .collect();
    Ok(CardReach {
        platforms,
        engaged,
        accounts,
    })
}

/// The posts of the topic, region or search asked for, one page, with the query string of
/// the next; none when nothing was asked for.
fn post_lines(
    store: &(impl Reports + Browse + Status + Marks),
    filter: &PostFilter,
    tz: &TimeZone,
    lang: Lang,
) -> Result<(Vec<PostLine>, Option<String>), ApiError> {
    if filter.topic.is_none() && filter.query.is_none() && filter.region.is_none() {
        return Ok((Vec::new(), None));
    }
    let page = store.posts_page(filter)?;
    let next = page.next.map(|c| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("topic", &filter.topic),
            ("region", &filter.region),
            ("q", &filter.query),
        ] {
            if let Some(v) = value {
                q.append_pair(key, v);
            }
        }
        q.append_pair("cursor", &c.encode());
        q.finish()
    });
    let ids: Vec<i64> = page.posts.iter().map(|p| p.post.id).collect();
    let mut marks: HashMap<i64, Vec<String>> = HashMap::new();
    for m in store.marks_on(&ids)? {
        marks
            .entry(m.post)
            .or_default()
            .push(super::marks::mark_label(&m));
    }
    let posts = page
        .posts
        .into_iter()
        .map(|p| PostLine {
            id: p.post.id,
            marks: marks.remove(&p.post.id).unwrap_or_default(),
            regions: p.regions,
            sentiment: p.post.sentiment.clone(),
            source: p.post.source.to_string(),
            published: format_local(p.post.published, tz, lang),
            title: p.post.title.clone(),
            excerpt: excerpt(&p.post.text, 320),
            url: p
                .post
                .url
                .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
            topics: p.topics,
            story: p.post.story,
        })
        .collect();
    Ok((posts, next))
}

fn source_lines(
    store: &(impl Reports + Status),
    tz: &TimeZone,
    lang: Lang,
) -> Result<Vec<SourceLine>, ApiError> {
    Ok(store
        .sources_health(&[])?
        .into_iter()
        .map(|h| SourceLine {
            name: h.name.clone().unwrap_or_else(|| h.id.to_string()),
            id: h.id.to_string(),
            kind: h.kind,
            ok: h.consecutive_failures == 0,
            last_success: h.last_success.map(|t| format_local(t, tz, lang)),
            failures: h.consecutive_failures,
            error: h.last_error.map(|e| excerpt(&e, 160)),
            items_seen: h.items_seen,
        })
        .collect())
}

fn render(view: &View, who: Option<&Who>, markup: Markup) -> Result<String, ApiError> {
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .expect("the default delimiters are valid"),
    );
    env.add_template("dashboard.html", include_str!("templates/dashboard.html"))
        .map_err(template_error)?;
    env.get_template("dashboard.html")
        .and_then(|t| t.render(minijinja::context! { v => Serde(view), who => who.map(Serde), charts => markup.charts, map => markup.map }))
        .map_err(template_error)
}

fn template_error(e: minijinja::Error) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        format!("halaman dasbor gagal dibuat: {e}"),
    )
}
