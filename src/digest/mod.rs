//! The briefing (*telaahan*): what happened in a period, per issue, for leadership.
//!
//! [`build`] reads the store into a [`Briefing`]: the [`report::PeriodReport`] gives each
//! topic's counts and trend (the dashboard reads the same report); `issue.rs` reads each issue's
//! regions, sources, accounts, sentiment and representative posts and judges it. One renderer
//! per format turns the briefing into text ([`markdown`], [`html`], [`json`]); [`write`] writes
//! the three files atomically, and the folder's [`index`]. Post text is attacker-controlled:
//! both text renderers escape every piece of it.
//!
//! Order of the briefing (DESIGN.md §4): header (the letterhead and the telaahan staf's head,
//! [`letter`]); the body I. Persoalan … VI. Saran/Tindak, written by named rules from the
//! briefing's numbers ([`telaahan`]); the signature block; then the attachment (Lampiran):
//! Ringkasan Eksekutif (the few issues that need attention, most urgent first); per issue
//! Persoalan, Fakta, Analisis, Saran Tindak Lanjut; Isu Lainnya; Kondisi Sumber; Metode.

pub mod html;
pub mod index;
mod issue;
pub mod json;
pub mod letter;
pub mod map;
pub mod markdown;
pub mod period;
pub mod report;
pub mod svg;
pub mod telaahan;
mod words;
pub mod write;

use std::path::PathBuf;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;

use crate::classify::Classifier;
use crate::format::{count, format_decimal};
use crate::model::{Priority, Reach};
use crate::store::meta::KeywordsState;
use crate::store::{Browse, Reports, SourceHealth, Status, StoreError};
use crate::time::{Lang, day_bounds, format_date_long, format_local, zone_label};
use crate::trends::Direction;

pub use issue::is_generic_byline;
pub use letter::{Head, Letter, Signature};
pub use report::{Frame, PeriodReport, TopicPeriod, merge_areas};
pub(crate) use words::{account_label, labels, platform_label, reach_label, words};
pub use write::{Written, write};

/// Most representative posts per issue.
pub const POSTS_PER_ISSUE: usize = 5;
/// Most issues in the executive summary.
pub const SUMMARY_MAX: usize = 7;
/// Most accounts named per issue under "who is talking".
pub const ACCOUNTS_PER_ISSUE: usize = 5;
/// Most posts per issue under "most engagement".
pub const ENGAGED_PER_ISSUE: usize = 5;
/// Most accounts per issue under "widest reach".
pub const REACH_ACCOUNTS_PER_ISSUE: usize = 5;

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
    #[error("{}: briefing tidak dapat dibaca: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl DigestError {
    /// What the operator can do about it, when the store knows.
    pub fn hint(&self) -> Option<String> {
        match self {
            DigestError::Store(e) => e.hint(),
            DigestError::Write { .. } | DigestError::Template(_) | DigestError::Read { .. } => None,
        }
    }
}

/// How long a briefing's period is: a local day, an ISO week (Monday–Sunday) or a calendar
/// month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PeriodKind {
    #[default]
    Day,
    Week,
    Month,
}

impl PeriodKind {
    /// `day`, `week` or `month` (also accepted in Indonesian: `hari`, `minggu`/`pekan`, `bulan`).
    pub fn parse(text: &str) -> Option<PeriodKind> {
        match text.trim().to_lowercase().as_str() {
            "day" | "hari" => Some(PeriodKind::Day),
            "week" | "minggu" | "pekan" => Some(PeriodKind::Week),
            "month" | "bulan" => Some(PeriodKind::Month),
            _ => None,
        }
    }

    /// The first local day of the period of this kind that contains `date`.
    pub fn first_day(self, date: Date) -> Date {
        match self {
            PeriodKind::Day => date,
            PeriodKind::Week => date
                .checked_sub((date.weekday().to_monday_zero_offset() as i64).days())
                .unwrap_or(date),
            PeriodKind::Month => date.first_of_month(),
        }
    }

    /// The first local day of the next period after the one starting on `first`.
    pub(crate) fn next_first(self, first: Date) -> Date {
        let step = match self {
            PeriodKind::Day => 1.day(),
            PeriodKind::Week => 7.days(),
            PeriodKind::Month => 1.month(),
        };
        first.checked_add(step).unwrap_or(first)
    }

    /// The first local day of the period before the one starting on `first`.
    fn previous_first(self, first: Date) -> Date {
        let step = match self {
            PeriodKind::Day => 1.day(),
            PeriodKind::Week => 7.days(),
            PeriodKind::Month => 1.month(),
        };
        first.checked_sub(step).unwrap_or(first)
    }

    /// The last whole period before the one holding `today`: yesterday, last week, last month.
    pub fn last_full(self, today: Date) -> Date {
        let first = self.first_day(today);
        self.previous_first(first)
    }

    /// The name of the period starting on `first`, also the stem of its files and its key in
    /// the `briefings` table: `2026-12-06`, `2026-W49` (ISO week) or `2026-11`.
    pub fn stem(self, first: Date) -> String {
        match self {
            PeriodKind::Day => first.to_string(),
            PeriodKind::Week => {
                let week = first.iso_week_date();
                format!("{:04}-W{:02}", week.year(), week.week())
            }
            PeriodKind::Month => format!("{:04}-{:02}", first.year(), first.month()),
        }
    }
}

/// Reads a briefing file's stem back: its kind and first local day, for the three spellings
/// [`PeriodKind::stem`] writes (and only those, so that a link is the file's own name).
pub fn parse_stem(stem: &str) -> Option<(PeriodKind, Date)> {
    let parsed = if let Some((year, week)) = stem.split_once("-W") {
        let (year, week) = (year.parse::<i16>().ok()?, week.parse::<i8>().ok()?);
        let date = jiff::civil::ISOWeekDate::new(year, week, Weekday::Monday)
            .ok()?
            .date();
        (PeriodKind::Week, date)
    } else if stem.len() == 7 {
        let date: Date = format!("{stem}-01").parse().ok()?;
        (PeriodKind::Month, date)
    } else {
        (PeriodKind::Day, stem.parse::<Date>().ok()?)
    };
    (parsed.0.stem(parsed.1) == stem).then_some(parsed)
}

/// Which briefing to write.
#[derive(Debug, Clone)]
pub struct Request {
    /// The first local day of the period; a daily briefing is named after it.
    pub date: Date,
    pub kind: PeriodKind,
    pub start: Timestamp,
    pub end: Timestamp,
    /// The start of the period before (which ends at `start`), compared with in a weekly or
    /// monthly briefing: the week before, the calendar month before.
    pub previous_start: Timestamp,
    pub tz: TimeZone,
    pub lang: Lang,
    pub out_dir: PathBuf,
    /// "Generated at", shown in the header (the only part that differs on regeneration).
    pub now: Timestamp,
    /// The office named on the letterhead (`[briefing] office`).
    pub office: String,
    /// The head's and the signature's values (`[briefing] kepada`, `dari`, `sifat`, `logo`,
    /// `penandatangan_*`).
    pub letter: Letter,
}

impl Request {
    /// The briefing of one whole local day.
    pub fn day(date: Date, tz: &TimeZone, lang: Lang, out_dir: PathBuf) -> Request {
        Request::period(PeriodKind::Day, date, tz, lang, out_dir)
    }

    /// The briefing of the whole local period of `kind` that contains `date`: that day, the
    /// ISO week (Monday to Sunday) or the calendar month.
    pub fn period(
        kind: PeriodKind,
        date: Date,
        tz: &TimeZone,
        lang: Lang,
        out_dir: PathBuf,
    ) -> Request {
        let first = kind.first_day(date);
        let start = day_bounds(first, tz).0;
        let end = day_bounds(kind.next_first(first), tz).0;
        let previous_start = day_bounds(kind.previous_first(first), tz).0;
        Request {
            date: first,
            kind,
            start,
            end,
            previous_start,
            tz: tz.clone(),
            lang,
            out_dir,
            now: Timestamp::from_second(Timestamp::now().as_second())
                .unwrap_or(Timestamp::UNIX_EPOCH),
            office: crate::config::DEFAULT_OFFICE.to_string(),
            letter: Letter::default(),
        }
    }

    /// The same request under another office's letterhead.
    pub fn with_office(mut self, office: &str) -> Request {
        self.office = office.to_string();
        self
    }

    /// The same request with another head and signature.
    pub fn with_letter(mut self, letter: Letter) -> Request {
        self.letter = letter;
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
    /// The telaahan staf's head: Kepada, Dari, Tanggal, Nomor, Sifat, Lampiran, Hal.
    pub head: Head,
    /// The body between the head and the signature: I. Persoalan … VI. Saran/Tindak, each
    /// sentence with the rule that wrote it (see [`telaahan`]).
    pub telaahan: telaahan::Telaahan,
    /// The signature block after the body; the executive summary and the issue pages follow
    /// it as the attachment (Lampiran).
    pub signature: Signature,
    /// The letterhead's logo as a `data:` URI (HTML only).
    #[serde(skip)]
    pub logo: Option<String>,
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
    /// Weekly and monthly briefings only: the comparison with the period before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<period::Comparison>,
    /// Inline SVG of `areas` (HTML only).
    #[serde(skip)]
    pub areas_svg: String,
    /// The choropleth of `areas` over the 10 kabupaten/kota with its table of names and
    /// counts (HTML only; see [`map`]).
    #[serde(skip)]
    pub map_html: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Period {
    /// `day`, `week` or `month`.
    pub kind: PeriodKind,
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
    /// Daily briefings: posts on the same weekday a week before (the first of the 7 periods
    /// before); `null` in a weekly or monthly one, whose `previous` is the week or month before.
    pub week_ago: Option<u64>,
    /// Stories (near-duplicates once) in the period, as the trend rule counts them.
    pub stories: u64,
    /// The trend rule's score and verdict for the period (see `crate::trends`).
    pub score: f64,
    pub rising: bool,
    pub trend: Direction,
    /// The trend rule's reason, e.g. "naik 4,2× dari rata-rata 7 hari (5 cerita); 9 sumber".
    pub trend_label: String,
    /// `pantau`, `klarifikasi` or `koordinasi`.
    pub action: String,
    /// The executive-summary sentence.
    pub sentence: String,
    pub in_summary: bool,
    /// Posts per local day: for a daily briefing the 7 days ending with its date; for a
    /// weekly or monthly one every day of the period.
    pub daily: Vec<DayCount>,
    pub regions: Vec<RegionCount>,
    pub sources: Vec<SourceShare>,
    pub source_kinds: Vec<String>,
    /// The accounts and bylines of people posting most about the issue (a newsroom's
    /// generic byline such as "Redaksi" is not an account and is left out).
    pub accounts: Vec<AccountCount>,
    pub sentiment: SentimentCounts,
    pub representative: Vec<PostRef>,
    /// The issue's posts per platform (where they were said), most first.
    pub platforms: Vec<PlatformShare>,
    /// The posts with most engagement (likes + shares + comments), most first; empty when no
    /// platform stated any.
    pub engaged: Vec<PostRef>,
    /// The accounts with the widest reach, by followers × engagement (not by posts); only
    /// accounts whose platform stated any reach.
    pub reach_accounts: Vec<AccountReachRef>,
    #[serde(skip)]
    pub urgency: f64,
    /// Inline SVG of `daily` (HTML only).
    #[serde(skip)]
    pub chart_svg: String,
    /// Inline SVG of `sentiment` as one stacked bar (HTML only).
    #[serde(skip)]
    pub sentiment_svg: String,
    /// A small choropleth of `regions` (HTML only; the regions table is its text).
    #[serde(skip)]
    pub map_svg: String,
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
    /// Whether the trend rule finds the issue (for `areas`: any issue) rising in this
    /// kabupaten/kota over the period.
    pub rising: bool,
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

#[derive(Debug, Clone, Serialize)]
pub struct PlatformShare {
    /// The platform's id (`x`, `news`, `tiktok`; `lain` when nobody said).
    pub platform: String,
    pub label: String,
    pub posts: u64,
    /// Percent of the issue's posts, rounded (the shares may not add up to exactly 100).
    pub percent: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountReachRef {
    pub platform: String,
    pub platform_label: String,
    /// The account as its posts name it.
    pub name: String,
    pub posts: u64,
    /// The most followers it was seen with (0 when its platform did not say).
    pub followers: u64,
    /// Likes, shares and comments of its posts on the issue.
    pub engagement: u64,
    pub likes: u64,
    pub shares: u64,
    pub comments: u64,
    pub views: u64,
    /// "300.000 pengikut · keterlibatan 150 · 1 unggahan".
    pub label: String,
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
    /// Where it was said (`x`, `news`, …; `lain` when nobody said).
    pub platform: String,
    pub platform_label: String,
    /// What its platform said of its reach (absent counts are null, not 0).
    pub reach: Reach,
    /// That reach for people: "1.200 suka · 35 dibagikan"; empty when nothing was said.
    pub reach_label: String,
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

/// Reads the store into a briefing.
pub fn build(
    store: &(impl Reports + Browse + Status),
    classifier: &Classifier,
    req: &Request,
) -> Result<Briefing, DigestError> {
    let report = PeriodReport::read(
        store,
        classifier,
        Frame::closed(req.start, req.end),
        req.lang,
    )?;
    let (posts_total, tagged_total) = store.post_totals(req.start, req.end)?;
    let health = store.sources_health(&[])?;
    let keywords = store.keywords_state()?;
    let previous = match req.kind {
        PeriodKind::Day => None,
        PeriodKind::Week | PeriodKind::Month => Some(period::Against::read(store, req)?),
    };
    let cx = issue::Context {
        store,
        classifier,
        req,
        report: &report,
        previous: previous.as_ref(),
        names: health
            .iter()
            .map(|h| (h.id.as_str(), h.name.as_deref().unwrap_or(h.id.as_str())))
            .collect(),
    };
    let mut issues = Vec::new();
    for topic in classifier.topics() {
        issues.extend(issue::issue(&cx, topic)?);
    }
    let summary = rank(&mut issues);
    let sources = source_statuses(&health, req);
    let failed = sources.iter().filter(|s| !s.ok).count();
    let areas = merge_areas(issues.iter().flat_map(|i| &i.regions));
    // The chart splits each region's bar by the summary's issues (the page's legend names them).
    let series: Vec<Vec<(String, u64)>> = issues
        .iter()
        .filter(|i| i.in_summary)
        .map(|i| i.regions.iter().map(|r| (r.id.clone(), r.posts)).collect())
        .collect();
    let areas_svg = svg::region_bars(&areas, &series);
    let map_html = map::figure(&areas, req.lang);
    let mut method = method_lines(req.lang, classifier);
    let comparison = previous
        .as_ref()
        .map(|previous| period::comparison(classifier, |t| report.topic(t).posts(), previous, req));
    method.extend(comparison.as_ref().map(|c| c.rule.clone()));
    method.extend(rejected_lists(&keywords, req));
    let stem = req.kind.stem(req.date);
    let number = format!("PANTAU/TELAAH/{}", stem.replace('-', ""));
    let label = date_label(req);
    let head = letter::head(
        &req.letter,
        req.kind,
        &label,
        &number,
        req.now,
        &req.tz,
        req.lang,
    );
    let signature = letter::signature(&req.letter, &head.tanggal);
    let faded = faded(classifier, &report, previous.as_ref());
    let mut briefing = Briefing {
        office: req.office.clone(),
        title: words(req.lang).title(req.kind).to_string(),
        number,
        date: stem,
        date_label: label,
        head,
        signature,
        logo: req.letter.logo.clone(),
        language: req.lang,
        timezone: req.tz.iana_name().unwrap_or("UTC").to_string(),
        timezone_label: zone_label(&req.tz, req.start),
        period: Period {
            kind: req.kind,
            start: req.start,
            end: req.end,
            label: format!(
                "{} – {}",
                format_local(req.start, &req.tz, req.lang),
                format_local(req.end, &req.tz, req.lang)
            ),
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
        method,
        comparison,
        areas_svg,
        map_html,
        telaahan: telaahan::Telaahan::default(),
    };
    briefing.telaahan = telaahan::build(&briefing, &faded);
    Ok(briefing)
}

/// The issues with posts in the period before and none in this one (the day before; for a
/// weekly or monthly briefing the week or month before), in the lists' order.
fn faded(
    classifier: &Classifier,
    report: &PeriodReport,
    against: Option<&period::Against>,
) -> Vec<telaahan::Faded> {
    classifier
        .topics()
        .iter()
        .filter_map(|topic| {
            let id = topic.id.as_str();
            let numbers = report.topic(id);
            let previous = against.map_or(numbers.previous(), |a| a.previous(id));
            (numbers.posts() == 0 && previous > 0).then(|| telaahan::Faded {
                topic: id.to_string(),
                name: topic.name.clone(),
                previous,
            })
        })
        .collect()
}

/// The period as a letter names it: "Jumat, 4 Desember 2026"; "Minggu ke-49 2026 (Senin,
/// 30 November 2026 – Minggu, 6 Desember 2026)"; "November 2026".
fn date_label(req: &Request) -> String {
    period_label(req.kind, req.date, req.lang)
}

/// [`date_label`] of the period of `kind` starting on `first`.
pub(crate) fn period_label(kind: PeriodKind, first: Date, lang: Lang) -> String {
    match kind {
        PeriodKind::Day => format_date_long(first, lang),
        PeriodKind::Week => {
            let week = first.iso_week_date();
            let last = first.checked_add(6.days()).unwrap_or(first);
            let (first, last) = (format_date_long(first, lang), format_date_long(last, lang));
            match lang {
                Lang::Id => format!(
                    "Minggu ke-{} {} ({first} – {last})",
                    week.week(),
                    week.year()
                ),
                Lang::En => format!("Week {}, {} ({first} – {last})", week.week(), week.year()),
            }
        }
        PeriodKind::Month => {
            // "1 November 2026" without its day.
            let long = crate::time::format_date(first, lang);
            long.split_once(' ')
                .map_or(long.clone(), |(_, rest)| rest.to_string())
        }
    }
}

/// Orders the issues most urgent first and marks the executive summary's: issues with at
/// least two posts, most urgent first; at least three when there are three at all, at most
/// [`SUMMARY_MAX`]. Returns the summary's topic ids.
fn rank(issues: &mut [Issue]) -> Vec<String> {
    issues.sort_by(|a, b| {
        b.urgency
            .total_cmp(&a.urgency)
            .then(b.posts.cmp(&a.posts))
            .then(a.topic.cmp(&b.topic))
    });
    let mut summary = Vec::new();
    for issue in issues.iter_mut() {
        if summary.len() < SUMMARY_MAX && (issue.posts >= 2 || summary.len() < 3) {
            issue.in_summary = true;
            summary.push(issue.topic.clone());
        }
    }
    summary
}

fn source_statuses(health: &[SourceHealth], req: &Request) -> Vec<SourceStatus> {
    health
        .iter()
        .map(|h| SourceStatus {
            id: h.id.to_string(),
            name: h.name.clone().unwrap_or_else(|| h.id.to_string()),
            ok: h.consecutive_failures == 0,
            consecutive_failures: h.consecutive_failures,
            last_success_label: h.last_success.map(|t| format_local(t, &req.tz, req.lang)),
            last_error: h.last_error.clone(),
        })
        .collect()
}

/// The method's note on an edit of the keyword lists that was rejected, when there is one.
fn rejected_lists(keywords: &KeywordsState, req: &Request) -> Option<String> {
    let rejected = keywords.rejected.as_ref()?;
    let first = rejected.lines().next().unwrap_or("");
    let at = keywords
        .rejected_at
        .map(|t| format_local(t, &req.tz, req.lang))
        .unwrap_or_default();
    Some(match req.lang {
        Lang::Id => format!(
            "Perhatian: perubahan daftar kata kunci pada {at} ditolak ({first}); daftar sebelumnya tetap berlaku."
        ),
        Lang::En => format!(
            "Note: an edit of the keyword lists at {at} was rejected ({first}); the previous lists stay in force."
        ),
    })
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
    env.add_filter("num", |n: u64, lang: String| {
        crate::format::thousands(n, Lang::from_code(&lang))
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

    fn wita() -> TimeZone {
        TimeZone::get("Asia/Makassar").unwrap()
    }

    #[test]
    fn weeks_and_months_are_whole_local_periods() {
        use jiff::civil::date;
        let req = |kind, d| Request::period(kind, d, &wita(), Lang::Id, PathBuf::new());
        // Any day of ISO week 49 gives Monday 30 November – Sunday 6 December, WITA.
        for d in [date(2026, 11, 30), date(2026, 12, 3), date(2026, 12, 6)] {
            let w = req(PeriodKind::Week, d);
            assert_eq!(w.date, date(2026, 11, 30));
            assert_eq!(w.start.to_string(), "2026-11-29T16:00:00Z");
            assert_eq!(w.end.to_string(), "2026-12-06T16:00:00Z");
            assert_eq!(w.previous_start.to_string(), "2026-11-22T16:00:00Z");
            assert_eq!(PeriodKind::Week.stem(w.date), "2026-W49");
        }
        // November: 1 November 00:00 WITA up to 1 December 00:00 WITA; before it, October (31 days).
        let m = req(PeriodKind::Month, date(2026, 11, 17));
        assert_eq!(m.start.to_string(), "2026-10-31T16:00:00Z");
        assert_eq!(m.end.to_string(), "2026-11-30T16:00:00Z");
        assert_eq!(m.previous_start.to_string(), "2026-09-30T16:00:00Z");
        assert_eq!(PeriodKind::Month.stem(m.date), "2026-11");
        // The day is as it always was.
        let d = req(PeriodKind::Day, date(2026, 12, 4));
        assert_eq!(
            (d.start, d.end),
            crate::time::day_bounds(date(2026, 12, 4), &wita())
        );
    }

    #[test]
    fn the_last_whole_period_is_before_today() {
        use jiff::civil::date;
        let today = date(2026, 12, 7); // a Monday
        assert_eq!(PeriodKind::Day.last_full(today), date(2026, 12, 6));
        assert_eq!(PeriodKind::Week.last_full(today), date(2026, 11, 30));
        assert_eq!(
            PeriodKind::Week.last_full(date(2026, 12, 6)),
            date(2026, 11, 23)
        );
        assert_eq!(PeriodKind::Month.last_full(today), date(2026, 11, 1));
        assert_eq!(
            PeriodKind::Month.last_full(date(2027, 1, 1)),
            date(2026, 12, 1)
        );
    }

    #[test]
    fn stems_read_back_only_as_written() {
        use jiff::civil::date;
        assert_eq!(
            parse_stem("2026-W49"),
            Some((PeriodKind::Week, date(2026, 11, 30)))
        );
        assert_eq!(
            parse_stem("2026-11"),
            Some((PeriodKind::Month, date(2026, 11, 1)))
        );
        assert_eq!(
            parse_stem("2026-12-04"),
            Some((PeriodKind::Day, date(2026, 12, 4)))
        );
        for bad in [
            "2026-W9",
            "2026-W54",
            "2026-13",
            "2026-1",
            "2026-12-4",
            "../x",
            "2026-W49x",
            "",
        ] {
            assert_eq!(parse_stem(bad), None, "{bad}");
        }
    }
}
