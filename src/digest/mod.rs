//! The briefing (*telaahan*): what happened in a period, per issue, for leadership.
//!
//! [`build`] reads the store into a [`Briefing`] (counts from the hourly rollups; regions,
//! sources, sentiment and representative posts per issue); one renderer per format turns it
//! into text ([`markdown`], [`html`], [`json`]); [`write`] writes the three files atomically.
//! Post text is attacker-controlled: both text renderers escape every piece of it.
//!
//! Order of the briefing (DESIGN.md §4): header; Ringkasan Eksekutif (the few issues that need
//! attention, most urgent first); per issue Persoalan, Fakta, Analisis, Saran Tindak Lanjut;
//! Isu Lainnya; Kondisi Sumber; Metode.

pub mod html;
pub mod index;
pub mod json;
pub mod markdown;
pub mod svg;
pub mod write;

use std::collections::HashMap;
use std::path::PathBuf;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::classify::{Classifier, SentimentClass};
use crate::format::{count, excerpt, format_decimal};
use crate::model::Priority;
use crate::store::{Browse, Reports, Status, Store, StoreError};
use crate::time::{Lang, day_bounds, format_date_long, format_local, local_date, zone_label};
use crate::trends::Direction;

pub use write::{Written, write};

/// Most representative posts per issue.
pub const POSTS_PER_ISSUE: usize = 5;
/// Most issues in the executive summary.
pub const SUMMARY_MAX: usize = 7;
/// Most accounts named per issue under "who is talking".
pub const ACCOUNTS_PER_ISSUE: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{}: briefing tidak dapat ditulis: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("templat briefing gagal: {0}")]
    Template(#[from] minijinja::Error),
}

/// Which briefing to write.
#[derive(Debug, Clone)]
pub struct Request {
    /// The local date the briefing is named after.
    pub date: Date,
    pub start: Timestamp,
    pub end: Timestamp,
    pub tz: TimeZone,
    pub lang: Lang,
    pub out_dir: PathBuf,
    /// "Generated at", shown in the header (the only part that differs on regeneration).
    pub now: Timestamp,
    /// The office named on the letterhead (`[briefing] office`).
    pub office: String,
}

impl Request {
    /// The briefing of one whole local day.
    pub fn day(date: Date, tz: &TimeZone, lang: Lang, out_dir: PathBuf) -> Request {
        let (start, end) = day_bounds(date, tz);
        Request {
            date,
            start,
            end,
            tz: tz.clone(),
            lang,
            out_dir,
            now: Timestamp::from_second(Timestamp::now().as_second())
                .unwrap_or(Timestamp::UNIX_EPOCH),
            office: crate::config::DEFAULT_OFFICE.to_string(),
        }
    }

    /// The same request under another office's letterhead.
    pub fn with_office(mut self, office: &str) -> Request {
        self.office = office.to_string();
        self
    }
}

/// The whole briefing as data: what the JSON file holds and the templates render.
#[derive(Debug, Clone, Serialize)]
pub struct Briefing {
    /// The office whose letterhead the briefing carries.
    pub office: String,
    pub title: String,
    /// A reference number: `PANTAU/TELAAH/YYYYMMDD`.
    pub number: String,
    pub date: String,
    /// The date as a letter carries it: "Jumat, 4 Desember 2026".
    pub date_label: String,
    pub language: Lang,
    pub timezone: String,
    pub timezone_label: String,
    pub period: Period,
    pub generated_at: Timestamp,
    pub generated_label: String,
    pub keywords_version: String,
    pub totals: Totals,
    /// Topic ids of the executive summary, most urgent first.
    pub summary: Vec<String>,
    /// Every issue with posts in the period, most urgent first.
    pub issues: Vec<Issue>,
    /// Issue posts per kabupaten/kota over all issues, most first.
    pub areas: Vec<RegionCount>,
    pub sources: Vec<SourceStatus>,
    pub method: Vec<String>,
    /// Inline SVG of `areas` (HTML only).
    #[serde(skip)]
    pub areas_svg: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Period {
    pub start: Timestamp,
    pub end: Timestamp,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub posts: u64,
    pub tagged_posts: u64,
    pub issues: usize,
    pub sources: usize,
    pub sources_failed: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Issue {
    pub topic: String,
    pub name: String,
    pub category: String,
    pub priority: Priority,
    pub owner: Option<String>,
    pub advice: Option<String>,
    pub posts: u64,
    /// Posts in the period of the same length just before.
    pub previous: u64,
    /// Mean posts per period over the 7 periods before.
    pub average_7d: f64,
    /// Stories (near-duplicates once) in the period, as the trend rule counts them.
    pub stories: u64,
    /// The trend rule's score and verdict for the period (see `crate::trends`).
    pub score: f64,
    pub rising: bool,
    pub trend: Trend,
    /// The trend rule's reason, e.g. "naik 4,2× dari rata-rata 7 hari (5 cerita); 9 sumber".
    pub trend_label: String,
    /// `pantau`, `klarifikasi` or `koordinasi`.
    pub action: String,
    /// The executive-summary sentence.
    pub sentence: String,
    pub in_summary: bool,
    /// Posts per local day for the 7 days ending with the briefing's date.
    pub daily: Vec<DayCount>,
    pub regions: Vec<RegionCount>,
    pub sources: Vec<SourceShare>,
    pub source_kinds: Vec<String>,
    /// The accounts and bylines of people posting most about the issue (a newsroom's
    /// generic byline such as "Redaksi" is not an account and is left out).
    pub accounts: Vec<AccountCount>,
    pub sentiment: SentimentCounts,
    pub representative: Vec<PostRef>,
    #[serde(skip)]
    pub urgency: f64,
    /// Inline SVG of `daily` (HTML only).
    #[serde(skip)]
    pub chart_svg: String,
    /// Inline SVG of `sentiment` as one stacked bar (HTML only).
    #[serde(skip)]
    pub sentiment_svg: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trend {
    Baru,
    Naik,
    Stabil,
    Turun,
}

#[derive(Debug, Clone, Serialize)]
pub struct DayCount {
    /// The local date on which the period ends (a whole local day for a daily briefing).
    pub date: String,
    pub label: String,
    pub posts: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegionCount {
    pub id: String,
    pub name: String,
    pub posts: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceShare {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub posts: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountCount {
    pub name: String,
    pub posts: u64,
    /// Names of the sources it posted on, most posts first.
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SentimentCounts {
    pub positif: u64,
    pub netral: u64,
    pub berpotensi_negatif: u64,
    pub negatif: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PostRef {
    pub source: String,
    pub source_name: String,
    /// The account or person who wrote it (never a generic byline such as "Redaksi").
    pub author: Option<String>,
    pub published: Timestamp,
    pub published_label: String,
    pub title: Option<String>,
    pub excerpt: String,
    /// Always http(s) (links of other schemes are dropped when posts are stored).
    pub url: Option<String>,
    /// How far the post's story spread: its posts and distinct sources (0 and 0 for a post
    /// in no story).
    pub story_posts: u64,
    pub story_sources: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceStatus {
    pub id: String,
    pub name: String,
    pub ok: bool,
    pub consecutive_failures: u32,
    pub last_success_label: Option<String>,
    pub last_error: Option<String>,
}

/// Words in the two languages the briefing speaks.
pub(crate) struct Words {
    pub title: &'static str,
    pub trend: fn(Trend) -> &'static str,
}

pub(crate) fn words(lang: Lang) -> Words {
    match lang {
        Lang::Id => Words {
            title: "Telaahan Harian Pemantauan Isu Publik",
            trend: |t| match t {
                Trend::Baru => "baru muncul",
                Trend::Naik => "naik",
                Trend::Stabil => "stabil",
                Trend::Turun => "turun",
            },
        },
        Lang::En => Words {
            title: "Daily Public Issue Monitoring Brief",
            trend: |t| match t {
                Trend::Baru => "newly appeared",
                Trend::Naik => "rising",
                Trend::Stabil => "steady",
                Trend::Turun => "falling",
            },
        },
    }
}

fn priority_weight(p: Priority) -> f64 {
    match p {
        Priority::Rendah => 1.0,
        Priority::Sedang => 2.0,
        Priority::Tinggi => 3.0,
        Priority::Kritis => 4.0,
    }
}

fn action(
    priority: Priority,
    trend: Trend,
    posts: u64,
    sentiment: &SentimentCounts,
) -> &'static str {
    let negative = sentiment.negatif + sentiment.berpotensi_negatif;
    if priority >= Priority::Tinggi && matches!(trend, Trend::Naik | Trend::Baru) && posts >= 5 {
        "koordinasi"
    } else if posts >= 3 && negative * 2 >= posts {
        "klarifikasi"
    } else {
        "pantau"
    }
}

/// Reads the store into a briefing.
pub fn build(
    store: &Store,
    classifier: &Classifier,
    req: &Request,
) -> Result<Briefing, DigestError> {
    let w = words(req.lang);
    let length = req.end.duration_since(req.start);
    let prev_start = req.start - length;
    let week_start = req.start - length * 7;
    let counts: HashMap<String, u64> = store
        .topic_counts(req.start, req.end)?
        .into_iter()
        .collect();
    let previous: HashMap<String, u64> = store
        .topic_counts(prev_start, req.start)?
        .into_iter()
        .collect();
    let week: HashMap<String, u64> = store
        .topic_counts(week_start, req.start)?
        .into_iter()
        .collect();
    let (posts_total, tagged_total) = store.post_totals(req.start, req.end)?;
    let health = store.sources_health(&[])?;
    let keywords = store.keywords_state()?;

    // The trend of each issue is the trend rule's over the briefing's period (a day), the same
    // numbers `pantau trends` and the alerts use. A day of 23 or 25 hours (a zone with daylight
    // saving; WITA has none) is measured as 24 hours ending at the day's end.
    let hours = length.as_hours();
    let window = crate::trends::Window::from_hours(hours).unwrap_or_default();
    let trends: HashMap<String, crate::trends::Trend> = crate::trends::compute(
        store,
        classifier,
        req.end,
        window,
        &crate::trends::Rule::default(),
        req.lang,
    )?
    .into_iter()
    .filter(|t| t.region.is_none())
    .map(|t| (t.topic.clone(), t))
    .collect();
    let names: HashMap<&str, &str> = health
        .iter()
        .map(|h| (h.id.as_str(), h.name.as_deref().unwrap_or(h.id.as_str())))
        .collect();
    let mut issues = Vec::new();
    for topic in classifier.topics() {
        let id = topic.id.as_str();
        let posts = counts.get(id).copied().unwrap_or(0);
        if posts == 0 {
            continue;
        }
        let prev = previous.get(id).copied().unwrap_or(0);
        let average = week.get(id).copied().unwrap_or(0) as f64 / 7.0;
        let assessed = trends.get(id);
        let trend = match assessed.map(|t| t.direction) {
            Some(Direction::Baru) => Trend::Baru,
            Some(Direction::Naik) => Trend::Naik,
            Some(Direction::Turun) => Trend::Turun,
            _ => Trend::Stabil,
        };
        let regions = store
            .topic_areas(id, req.start, req.end)?
            .into_iter()
            .map(|(rid, n)| RegionCount {
                name: classifier
                    .region(&rid.as_str().into())
                    .map_or_else(|| rid.clone(), |r| r.name.clone()),
                id: rid,
                posts: n,
            })
            .collect::<Vec<_>>();
        let sources: Vec<SourceShare> = store
            .topic_sources(id, req.start, req.end)?
            .into_iter()
            .map(|s| SourceShare {
                name: s.name.clone().unwrap_or_else(|| s.source.clone()),
                id: s.source,
                kind: s.kind.unwrap_or_else(|| "lain".into()),
                posts: s.posts,
            })
            .collect();
        let mut source_kinds: Vec<String> = sources.iter().map(|s| s.kind.clone()).collect();
        source_kinds.sort();
        source_kinds.dedup();
        // One account seen on several sources (an aggregator re-posting it) counts once.
        let mut accounts: Vec<AccountCount> = Vec::new();
        for a in store.topic_authors(id, req.start, req.end, 200)? {
            if is_generic_byline(&a.author) {
                continue;
            }
            let source = a.source_name.unwrap_or(a.source);
            match accounts
                .iter_mut()
                .find(|x| x.name.to_lowercase() == a.author.to_lowercase())
            {
                Some(x) => {
                    x.posts += a.posts;
                    x.sources.push(source);
                }
                None => accounts.push(AccountCount {
                    name: a.author,
                    posts: a.posts,
                    sources: vec![source],
                }),
            }
        }
        accounts.sort_by(|a, b| b.posts.cmp(&a.posts).then(a.name.cmp(&b.name)));
        accounts.truncate(ACCOUNTS_PER_ISSUE);
        let mut sentiment = SentimentCounts::default();
        for (class, n) in store.topic_sentiment(id, req.start, req.end)? {
            match SentimentClass::parse(&class) {
                Some(SentimentClass::Positif) => sentiment.positif += n,
                Some(SentimentClass::BerpotensiNegatif) => sentiment.berpotensi_negatif += n,
                Some(SentimentClass::Negatif) => sentiment.negatif += n,
                _ => sentiment.netral += n,
            }
        }
        let representative = store
            .topic_posts(id, req.start, req.end, POSTS_PER_ISSUE)?
            .into_iter()
            .map(|p| {
                let spread = p.story.map(|s| store.story(s)).transpose()?.flatten();
                Ok::<_, StoreError>((p, spread))
            })
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(|(p, spread)| PostRef {
                story_posts: spread.as_ref().map_or(0, |s| s.posts),
                story_sources: spread.as_ref().map_or(0, |s| s.sources),
                source_name: names
                    .get(p.source.as_str())
                    .copied()
                    .unwrap_or(p.source.as_str())
                    .to_string(),
                source: p.source.to_string(),
                author: p
                    .author
                    .map(|a| a.trim().to_string())
                    .filter(|a| !a.is_empty() && !is_generic_byline(a)),
                published: p.published,
                published_label: format_local(p.published, &req.tz, req.lang),
                // Social feeds often repeat the start of the text as a title: show it once.
                title: p
                    .title
                    .filter(|t| !p.text.starts_with(t.trim_end_matches(['…', '.']))),
                excerpt: excerpt(&p.text, 280),
                url: p
                    .url
                    .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
            })
            .collect();
        let daily = daily_counts(store, id, req)?;
        let act = action(topic.priority, trend, posts, &sentiment);
        let urgency = priority_weight(topic.priority)
            * (1.0 + assessed.map_or(posts, |t| t.count) as f64).log2()
            * match trend {
                Trend::Naik => 2.0,
                Trend::Baru => 1.5,
                Trend::Stabil => 1.0,
                Trend::Turun => 0.7,
            };
        let trend_label =
            assessed.map_or_else(|| (w.trend)(trend).to_string(), |t| t.reason.clone());
        let headline = trend_label.split(';').next().unwrap_or_default();
        let sentence = summary_sentence(req.lang, posts, headline, &regions);
        let chart_svg = svg::daily_bars_with_average(&daily, Some(average), req.lang);
        let sentiment_svg = svg::sentiment_bar(&sentiment);
        issues.push(Issue {
            topic: id.to_string(),
            name: topic.name.clone(),
            category: topic.category.clone(),
            priority: topic.priority,
            owner: topic.owner.clone(),
            advice: topic.advice.clone(),
            posts,
            previous: prev,
            average_7d: (average * 10.0).round() / 10.0,
            stories: assessed.map_or(0, |t| t.count),
            score: assessed.map_or(0.0, |t| t.score),
            rising: assessed.is_some_and(|t| t.rising),
            trend,
            trend_label,
            action: act.to_string(),
            sentence,
            in_summary: false,
            daily,
            regions,
            sources,
            source_kinds,
            accounts,
            sentiment,
            representative,
            urgency,
            chart_svg,
            sentiment_svg,
        });
    }
    issues.sort_by(|a, b| {
        b.urgency
            .total_cmp(&a.urgency)
            .then(b.posts.cmp(&a.posts))
            .then(a.topic.cmp(&b.topic))
    });
    // The summary: issues with at least two posts, most urgent first; at least three when
    // there are three at all, at most seven.
    let mut summary = Vec::new();
    for issue in issues.iter_mut() {
        if summary.len() < SUMMARY_MAX && (issue.posts >= 2 || summary.len() < 3) {
            issue.in_summary = true;
            summary.push(issue.topic.clone());
        }
    }

    let sources: Vec<SourceStatus> = health
        .iter()
        .map(|h| SourceStatus {
            id: h.id.to_string(),
            name: h.name.clone().unwrap_or_else(|| h.id.to_string()),
            ok: h.consecutive_failures == 0,
            consecutive_failures: h.consecutive_failures,
            last_success_label: h.last_success.map(|t| format_local(t, &req.tz, req.lang)),
            last_error: h.last_error.clone(),
        })
        .collect();
    let failed = sources.iter().filter(|s| !s.ok).count();
    let mut areas: Vec<RegionCount> = Vec::new();
    for issue in &issues {
        for r in &issue.regions {
            match areas.iter_mut().find(|a| a.id == r.id) {
                Some(a) => a.posts += r.posts,
                None => areas.push(r.clone()),
            }
        }
    }
    areas.sort_by(|a, b| b.posts.cmp(&a.posts).then(a.name.cmp(&b.name)));
    // The chart splits each region's bar by the summary's issues (the page's legend names them).
    let series: Vec<Vec<(String, u64)>> = issues
        .iter()
        .filter(|i| i.in_summary)
        .map(|i| i.regions.iter().map(|r| (r.id.clone(), r.posts)).collect())
        .collect();
    let areas_svg = svg::region_bars(&areas, &series);
    let period_label = format!(
        "{} – {}",
        format_local(req.start, &req.tz, req.lang),
        format_local(req.end, &req.tz, req.lang)
    );
    Ok(Briefing {
        office: req.office.clone(),
        title: w.title.to_string(),
        number: format!("PANTAU/TELAAH/{}", req.date.strftime("%Y%m%d")),
        date: req.date.to_string(),
        date_label: format_date_long(req.date, req.lang),
        language: req.lang,
        timezone: req.tz.iana_name().unwrap_or("UTC").to_string(),
        timezone_label: zone_label(&req.tz, req.start),
        period: Period {
            start: req.start,
            end: req.end,
            label: period_label,
        },
        generated_at: req.now,
        generated_label: format_local(req.now, &req.tz, req.lang),
        keywords_version: classifier.version().to_string(),
        totals: Totals {
            posts: posts_total,
            tagged_posts: tagged_total,
            issues: issues.len(),
            sources: sources.len(),
            sources_failed: failed,
        },
        summary,
        issues,
        areas,
        sources,
        method: {
            let mut lines = method_lines(req.lang, classifier);
            if let Some(rejected) = &keywords.rejected {
                let first = rejected.lines().next().unwrap_or("");
                let at = keywords
                    .rejected_at
                    .map(|t| format_local(t, &req.tz, req.lang))
                    .unwrap_or_default();
                lines.push(match req.lang {
                    Lang::Id => format!("Perhatian: perubahan daftar kata kunci pada {at} ditolak ({first}); daftar sebelumnya tetap berlaku."),
                    Lang::En => format!("Note: an edit of the keyword lists at {at} was rejected ({first}); the previous lists stay in force."),
                });
            }
            lines
        },
        areas_svg,
    })
}

/// Posts per period for the 7 periods of the briefing's length ending with the briefing's own,
/// so that the last bar is the issue's volume and the one before it the previous period's.
/// For a daily briefing these are the 7 local days up to its date; for the demo's last 24 hours
/// they are the 24-hour stretches ending at the same hour, each named by the local date it ends on.
fn daily_counts(store: &Store, topic: &str, req: &Request) -> Result<Vec<DayCount>, DigestError> {
    let length = req.end.duration_since(req.start);
    let periods: Vec<(Timestamp, Timestamp)> = (0..7)
        .rev()
        .map(|i| {
            let end = req.end - length * i;
            (end - length, end)
        })
        .collect();
    let hours = store.topic_hours(topic, periods[0].0, req.end)?;
    Ok(periods
        .iter()
        .map(|&(start, end)| {
            let d = local_date(end - SignedDuration::from_secs(1), &req.tz);
            DayCount {
                date: d.to_string(),
                label: format!("{}/{}", d.day(), d.month()),
                posts: hours
                    .iter()
                    .filter(|(h, _)| *h >= start && *h < end)
                    .map(|(_, n)| n)
                    .sum(),
            }
        })
        .collect())
}

/// Whether an author name is a newsroom's generic byline rather than a person or an account:
/// "Redaksi", "Admin", "Tim Redaksi", "Tim Liputan", "Kontributor Daerah", "Humas" and the like.
pub fn is_generic_byline(name: &str) -> bool {
    const GENERIC: &[&str] = &[
        "redaksi",
        "admin",
        "administrator",
        "humas",
        "kontributor",
        "reporter",
        "wartawan",
        "editor",
        "penulis",
        "staf",
        "staff",
        "tim",
        "team",
        "desk",
        "newsroom",
        "webmaster",
        "web",
        "anonim",
        "anonymous",
        "unknown",
        "liputan",
        "pewarta",
    ];
    let name = name.trim();
    if name.starts_with('@') {
        return false;
    }
    let folded = name.to_lowercase();
    // Judged by the first word: "Tim Redaksi", "Kontributor Daerah", "Admin Kaltim".
    match folded
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
    {
        None => true,
        Some(first) => GENERIC.contains(&first),
    }
}

/// The executive-summary sentence of an issue (its name is printed before it).
fn summary_sentence(lang: Lang, posts: u64, trend: &str, regions: &[RegionCount]) -> String {
    let posts = count(posts, "posts", lang);
    let top: Vec<&str> = regions.iter().take(3).map(|r| r.name.as_str()).collect();
    match lang {
        Lang::Id => {
            let where_ = if top.is_empty() {
                String::new()
            } else {
                format!(", terutama di {}", top.join(", "))
            };
            format!("{posts}, {trend}{where_}.")
        }
        Lang::En => {
            let where_ = if top.is_empty() {
                String::new()
            } else {
                format!(", mostly in {}", top.join(", "))
            };
            format!("{posts}, {trend}{where_}.")
        }
    }
}

fn method_lines(lang: Lang, classifier: &Classifier) -> Vec<String> {
    match lang {
        Lang::Id => vec![
            format!(
                "Daftar kata kunci versi {} ({} topik, {} wilayah).",
                classifier.version(),
                classifier.topics().len(),
                classifier.regions().len()
            ),
            "Penghitungan: setiap unggahan dihitung sekali per topik, menurut waktu terbitnya (WITA); unggahan yang sama (id, tautan, atau teks yang sama dari sumber yang sama) disimpan sekali.".into(),
            "Cerita: unggahan yang sama atau hampir sama (siaran pers yang dimuat banyak situs, keluhan yang disalin banyak akun) dihitung sebagai satu cerita.".into(),
            "Tren: jumlah cerita dalam periode dibanding rata-rata jam yang sama pada 7 hari sebelumnya. Naik = sedikitnya 5 cerita, ≥ 3× rata-rata, dan skor ≥ 4 (skor = kejutan Poisson −log₁₀ p dengan memperhitungkan naik-turun harian, dikali 0,5 bila hanya satu sumber dan 1,25 bila muncul di berita dan media sosial); baru = tidak ada dalam 7 hari sebelumnya; turun = ≤ 2/3 rata-rata (bila rata-rata ≥ 3); selain itu stabil.".into(),
            "Sentimen: leksikon kata positif/negatif dengan kata ingkar; kelas positif, netral, berpotensi negatif, negatif.".into(),
        ],
        Lang::En => vec![
            format!(
                "Keyword lists version {} ({} topics, {} regions).",
                classifier.version(),
                classifier.topics().len(),
                classifier.regions().len()
            ),
            "Counting: each post counts once per topic, by its publication time; the same post (same id, link, or the same text from the same source) is stored once.".into(),
            "Stories: the same or nearly the same post (a press release carried by many sites, a complaint copied by many accounts) counts as one story.".into(),
            "Trend: stories in the period against the average of the same hours on the 7 days before. Rising = at least 5 stories, ≥ 3× the average, and a score ≥ 4 (score = Poisson surprise −log₁₀ p allowing for the day-to-day swing, times 0.5 for a single source and 1.25 when both news and social media carry it); new = none in the 7 days before; falling = ≤ 2/3 of the average (when it is ≥ 3); otherwise steady.".into(),
            "Sentiment: a lexicon of positive/negative words with negators; classes positive, neutral, potentially negative, negative.".into(),
        ],
    }
}

/// The change from `previous` to `posts` for people: "+40%", "−20%", "tetap" / "unchanged",
/// and as a multiple from double on ("4,5× lipat" / "4.5×").
pub fn change_label(posts: u64, previous: u64, lang: Lang) -> String {
    if previous == 0 {
        return String::new();
    }
    let ratio = posts as f64 / previous as f64;
    if ratio >= 2.0 {
        return match lang {
            Lang::Id => format!("{}× lipat", format_decimal(ratio, lang)),
            Lang::En => format!("{}×", format_decimal(ratio, lang)),
        };
    }
    let rounded = ((ratio - 1.0) * 100.0).round() as i64;
    match rounded {
        0 => match lang {
            Lang::Id => "tetap".into(),
            Lang::En => "unchanged".into(),
        },
        r if r > 0 => format!("+{r}%"),
        r => format!("−{}%", -r),
    }
}

/// The template environment shared by the Markdown and HTML renderers. Auto-escaping is on
/// for both: HTML rules for `.html` templates and Markdown rules (see [`markdown::escape`])
/// for `.md` templates, so every value a template prints is escaped unless it is marked
/// `|safe` (only our own SVG and labels are).
pub(crate) fn templates() -> minijinja::Environment<'static> {
    use minijinja::{AutoEscape, Environment};
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else if name.ends_with(".md") {
            AutoEscape::Custom("markdown".into())
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(|out, state, value| {
        let markdown =
            matches!(state.auto_escape(), AutoEscape::Custom(name) if name == "markdown");
        if markdown && !value.is_safe() {
            let text = if value.is_none() || value.is_undefined() {
                String::new()
            } else {
                value.to_string()
            };
            out.write_str(&markdown::escape(&text))?;
            Ok(())
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .expect("the default delimiters are valid"),
    );
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_filter("mdurl", markdown::url);
    env.add_filter("counted", |n: u64, noun: String, lang: String| {
        count(n, &noun, Lang::from_code(&lang))
    });
    env.add_filter("change", |posts: u64, previous: u64, lang: String| {
        change_label(posts, previous, Lang::from_code(&lang))
    });
    env.add_filter("dec", |x: f64, lang: String| {
        format_decimal(x, Lang::from_code(&lang))
    });
    env.add_template("briefing.md", include_str!("templates/briefing.md"))
        .expect("the Markdown template parses");
    env.add_template("briefing.html", include_str!("templates/briefing.html"))
        .expect("the HTML template parses");
    env.add_template("index.html", include_str!("templates/index.html"))
        .expect("the index template parses");
    env
}

/// Labels in the briefing's language, handed to the templates as `t`.
pub(crate) fn labels(lang: Lang) -> HashMap<&'static str, &'static str> {
    let pairs: &[(&str, &str, &str)] = &[
        ("number", "Nomor", "Number"),
        ("date", "Hari, tanggal", "Date"),
        (
            "system",
            "Pantau · Pemantauan Isu Publik",
            "Pantau · Public Issue Monitoring",
        ),
        ("fig_posts", "unggahan terkumpul", "posts collected"),
        ("fig_issues", "isu terpantau", "issues detected"),
        (
            "fig_rising",
            "isu naik signifikan",
            "issues rising significantly",
        ),
        ("fig_sources", "sumber terjangkau", "sources reached"),
        ("tr_naik", "naik", "rising"),
        ("tr_baru", "baru", "new"),
        ("tr_stabil", "stabil", "steady"),
        ("tr_turun", "turun", "falling"),
        ("p_rendah", "rendah", "low"),
        ("p_sedang", "sedang", "medium"),
        ("p_tinggi", "tinggi", "high"),
        ("p_kritis", "kritis", "critical"),
        ("short_pantau", "pantau", "monitor"),
        ("short_klarifikasi", "klarifikasi", "clarify"),
        ("short_koordinasi", "koordinasi", "coordinate"),
        ("from", "dari", "from"),
        ("in_period", "pada periode ini", "in this period"),
        (
            "stories",
            "Cerita (tanpa duplikat)",
            "Stories (copies once)",
        ),
        (
            "chart_daily_note",
            "Unggahan per hari, 7 hari; batang gelap = periode telaahan, garis putus-putus = rata-rata 7 hari sebelumnya.",
            "Posts per day over 7 days; dark bar = this briefing's period, dashed line = the average of the 7 days before.",
        ),
        (
            "chart_regions_note",
            "Jumlah unggahan bertopik yang menyebut tiap kabupaten/kota (satu unggahan dapat menyebut beberapa wilayah).",
            "Posts with an issue naming each regency/city (one post may name several).",
        ),
        ("region_col", "Kabupaten/kota", "Regency/city"),
        ("stories_short", "Cerita", "Stories"),
        ("more", "lainnya", "more"),
        ("archive", "Arsip Telaahan Harian", "Daily Brief Archive"),
        ("archive_empty", "Belum ada telaahan.", "No briefings yet."),
        ("top_issues", "Isu utama", "Leading issues"),
        ("files", "Berkas", "Files"),
        ("other_issues_short", "isu lainnya", "other issues"),
        ("posts_col", "Unggahan", "Posts"),
        ("source_col", "Sumber", "Source"),
        ("kind_col", "Jenis", "Kind"),
        ("issue_col", "Isu", "Issue"),
        ("note_col", "Keterangan", "Summary"),
        ("of", "dari", "of"),
        ("last_error", "Galat terakhir", "Last error"),
        ("failures_col", "Gagal beruntun", "Failures in a row"),
        (
            "unconfirmed",
            "belum terkonfirmasi sumber lain",
            "not yet confirmed by another source",
        ),
        ("accounts", "Akun paling aktif", "Most active accounts"),
        (
            "no_accounts",
            "tidak ada akun perorangan yang menonjol",
            "no individual account stands out",
        ),
        ("period", "Periode", "Period"),
        ("generated", "Dibuat", "Generated"),
        ("sources", "Sumber", "Sources"),
        ("reached", "terjangkau", "reached"),
        ("failed", "gagal", "failed"),
        ("posts_collected", "Unggahan terkumpul", "Posts collected"),
        ("tagged", "bertopik", "with a topic"),
        ("summary", "Ringkasan Eksekutif", "Executive Summary"),
        (
            "no_issues",
            "Tidak ada isu yang terpantau pada periode ini.",
            "No issues were detected in this period.",
        ),
        ("problem", "Persoalan", "Issue"),
        ("facts", "Fakta-fakta", "Facts"),
        ("analysis", "Analisis", "Analysis"),
        ("advice", "Saran Tindak Lanjut", "Recommended Follow-up"),
        ("volume", "Volume", "Volume"),
        ("posts", "unggahan", "posts"),
        ("previous", "periode sebelumnya", "previous period"),
        (
            "average",
            "rata-rata 7 hari sebelumnya",
            "average of the 7 days before",
        ),
        ("last7", "7 hari terakhir", "Last 7 days"),
        ("regions", "Wilayah", "Regions"),
        (
            "no_region",
            "tidak menyebut kabupaten/kota",
            "no kabupaten/kota named",
        ),
        ("sentiment", "Sentimen", "Sentiment"),
        ("positif", "positif", "positive"),
        ("netral", "netral", "neutral"),
        (
            "berpotensi_negatif",
            "berpotensi negatif",
            "potentially negative",
        ),
        ("negatif", "negatif", "negative"),
        (
            "representative",
            "Unggahan representatif",
            "Representative posts",
        ),
        ("category", "Kategori", "Category"),
        ("priority", "prioritas", "priority"),
        ("owner", "Penanggung jawab", "Responsible office"),
        ("trend", "Tren", "Trend"),
        ("spread", "Sebaran", "Spread"),
        ("corroboration", "Konfirmasi lintas sumber", "Corroboration"),
        (
            "who",
            "Yang paling banyak memberitakan",
            "Most active sources",
        ),
        ("kinds", "jenis sumber", "source kinds"),
        ("action", "Rekomendasi", "Recommendation"),
        (
            "act_pantau",
            "terus ikuti perkembangan isu ini",
            "keep following this issue",
        ),
        (
            "act_klarifikasi",
            "siapkan informasi resmi untuk meluruskan pemberitaan",
            "prepare an official statement to set the record straight",
        ),
        (
            "act_koordinasi",
            "koordinasikan segera dengan OPD penanggung jawab",
            "coordinate promptly with the responsible office",
        ),
        ("other_issues", "Isu Lainnya", "Other Issues"),
        ("source_status", "Kondisi Sumber", "Source Status"),
        (
            "all_ok",
            "Semua sumber terjangkau.",
            "All sources were reached.",
        ),
        ("last_success", "terakhir berhasil", "last success"),
        ("never", "belum pernah", "never"),
        ("failures", "kegagalan beruntun", "consecutive failures"),
        ("method", "Metode", "Method"),
        ("regions_count", "kab/kota", "regencies/cities"),
        ("sources_count", "sumber", "sources"),
        ("discussed", "dibicarakan dalam", "was discussed in"),
        ("mentions", "disebut", "mentioned"),
        ("carried", "dimuat", "carried by"),
        (
            "chart_regions",
            "Isu per kabupaten/kota",
            "Issues by regency/city",
        ),
        (
            "footer",
            "Dihasilkan otomatis oleh Pantau dari sumber publik; periksa tautan sebelum dikutip.",
            "Generated automatically by Pantau from public sources; check the links before quoting.",
        ),
    ];
    pairs
        .iter()
        .map(|(k, id, en)| (*k, if lang == Lang::En { *en } else { *id }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_as_people_say_them() {
        assert_eq!(change_label(7, 5, Lang::Id), "+40%");
        assert_eq!(change_label(4, 5, Lang::Id), "\u{2212}20%");
        assert_eq!(change_label(5, 5, Lang::En), "unchanged");
        assert_eq!(change_label(69, 2, Lang::Id), "34,5× lipat");
        assert_eq!(change_label(69, 2, Lang::En), "34.5×");
        assert_eq!(change_label(3, 0, Lang::Id), "");
    }

    #[test]
    fn generic_bylines_are_not_accounts() {
        for generic in [
            "Redaksi",
            "admin",
            "Tim Redaksi",
            "Tim Liputan",
            "Kontributor Daerah",
            " ",
            "Humas",
        ] {
            assert!(is_generic_byline(generic), "{generic}");
        }
        for account in [
            "@anakmahakam",
            "@admin_warga",
            "Budi Santoso",
            "Rina (warga Sempaja)",
        ] {
            assert!(!is_generic_byline(account), "{account}");
        }
    }
}
