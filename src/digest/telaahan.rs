//! The body of the telaahan staf (tata naskah dinas), between the head and the signature:
//! I. Persoalan, II. Praanggapan, III. Fakta-fakta yang mempengaruhi, IV. Analisis,
//! V. Kesimpulan, VI. Saran/Tindak.
//!
//! [`build`] writes every sentence from the numbers already in the [`Briefing`] by a named rule
//! (each [`Point`] carries its rule's id), so a sentence appears only when its data does: an
//! assumption only when the data that triggers its rule is there, a conclusion only from what
//! the analysis found. The thresholds are the constants below. On a quiet period each section
//! says plainly that there is nothing, rather than inventing. The templates only print it;
//! post text and names in it are escaped there like everywhere else.

use serde::Serialize;

use super::words::words;
use super::{Briefing, Issue, PeriodKind, change_label};
use crate::format::{count, excerpt, format_decimal};
use crate::model::Priority;
use crate::time::Lang;
use crate::trends::Direction;

/// Most issues the body speaks of, the most urgent first: a telaahan's body is read in a few
/// minutes and prints on about two pages; the attachment carries every issue.
pub const FOCUS_MAX: usize = 3;
/// Day-over-day rises in a row, ending on the period's last day, for the "stays high"
/// assumption: two could be one busy day and its echo; three is a run.
pub const STREAK_DAYS: usize = 3;
/// … and the last day of the run carries at least this many posts: 0 → 1 → 2 → 3 is a
/// trickle, not talk that "stays high".
pub const STREAK_MIN_POSTS: u64 = 5;
/// Fewest posts naming the one kabupaten/kota for the "local" assumption: one or two posts
/// say too little about where an issue lives.
pub const LOCAL_MIN_POSTS: u64 = 3;
/// Fewest posts, and the share of them negative or potentially negative, for the assumption
/// that the negative tone persists: a majority of a handful is not a mood.
pub const NEGATIVE_MIN_POSTS: u64 = 5;
pub const NEGATIVE_SHARE: f64 = 0.5;
/// Posts at least this multiple of the 7-period mean are above the pattern: twice the usual
/// is beyond an ordinary day-to-day swing …
pub const ABOVE_PATTERN: f64 = 2.0;
/// … and at least this many posts, so that 1 → 3 is no alarm (as in the trend rule).
pub const PATTERN_MIN_POSTS: u64 = 3;
/// Posts at most this share of the mean are below the pattern, when the mean is at least
/// [`PATTERN_MIN_POSTS`] (half of 1 is noise).
pub const BELOW_PATTERN: f64 = 0.5;
/// One kabupaten/kota holding at least this share of the posts naming any is where the issue
/// centres, even when others are named.
pub const CONCENTRATED_SHARE: f64 = 0.6;
/// Named in at least this many of the 10 kabupaten/kota, an issue has spread province-wide.
pub const WIDE_REGIONS: usize = 4;
/// News (or social media) carrying at least this share of the posts whose platform is known
/// dominates the issue; below it on both sides, both carry it.
pub const DOMINANT_PLATFORM_SHARE: f64 = 0.7;
/// One source carrying at least this share of an issue's posts dominates what is heard.
pub const DOMINANT_SOURCE_SHARE: f64 = 0.5;
/// Most names listed in one sentence before "and N more".
const NAMES_MAX: usize = 5;

/// The six sections: what the JSON's `telaahan` holds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Telaahan {
    pub persoalan: Vec<Point>,
    pub praanggapan: Vec<Point>,
    pub fakta: Vec<Point>,
    pub analisis: Vec<Point>,
    pub kesimpulan: Vec<Point>,
    pub saran: Vec<Point>,
}

/// One sentence of the body and the rule that wrote it.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    /// The rule's id (`naik_beruntun`, `lokal`, …; `sepi` on a quiet period).
    pub rule: &'static str,
    /// The issue it is about; `null` for a sentence about the whole period.
    pub topic: Option<String>,
    pub text: String,
    /// Saran only: the office (OPD) that owns the follow-up, from the topic's `owner`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

/// An issue talked about in the period before and not at all in this one.
#[derive(Debug, Clone, PartialEq)]
pub struct Faded {
    pub topic: String,
    pub name: String,
    /// Its posts in the period before.
    pub previous: u64,
}

/// What the analysis finds of one issue, from which the conclusions follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pattern {
    /// Nothing in the 7 periods before to compare with.
    NoHistory,
    Above,
    Below,
    Within,
}

#[derive(Debug, Clone)]
struct Assessment<'a> {
    issue: &'a Issue,
    pattern: Pattern,
    streak: usize,
    /// Where it is confined to or centres on, when it does.
    local: Option<&'a str>,
}

impl Assessment<'_> {
    /// Rising [`STREAK_DAYS`] days in a row up to at least [`STREAK_MIN_POSTS`] a day.
    fn streaking(&self) -> bool {
        let last = self.issue.daily.last().map_or(0, |d| d.posts);
        self.streak >= STREAK_DAYS && last >= STREAK_MIN_POSTS
    }

    /// Rising by the trend rule, or above the pattern and not below the period before, or
    /// rising day after day.
    fn escalating(&self) -> bool {
        self.issue.rising
            || matches!(self.issue.trend, Direction::Naik | Direction::Baru)
            || (self.pattern == Pattern::Above && !self.below_previous())
            || self.streaking()
    }

    /// Still above the pattern but fewer than in the period before: high, no longer growing.
    fn elevated(&self) -> bool {
        !self.escalating() && self.pattern == Pattern::Above && self.below_previous()
    }

    fn below_previous(&self) -> bool {
        self.issue.posts < self.issue.previous
    }

    fn subsiding(&self) -> bool {
        !self.escalating()
            && !self.elevated()
            && (self.issue.trend == Direction::Turun || self.pattern == Pattern::Below)
    }

    fn wide(&self) -> bool {
        self.issue.regions.len() >= WIDE_REGIONS
    }
}

/// The shared inputs of every rule.
struct Cx<'a> {
    b: &'a Briefing,
    lang: Lang,
    kind: PeriodKind,
}

impl Cx<'_> {
    /// Picks the sentence in the briefing's language.
    fn say(&self, id: String, en: String) -> String {
        match self.lang {
            Lang::Id => id,
            Lang::En => en,
        }
    }

    fn posts(&self, n: u64) -> String {
        count(n, "posts", self.lang)
    }

    fn dec(&self, x: f64) -> String {
        format_decimal(x, self.lang)
    }

    /// "on Friday, 20 November 2026", "in November 2026".
    fn when(&self) -> String {
        let label = &self.b.date_label;
        match (self.lang, self.kind) {
            (Lang::Id, _) => format!("pada {label}"),
            (Lang::En, PeriodKind::Day) => format!("on {label}"),
            (Lang::En, _) => format!("in {label}"),
        }
    }

    /// The period before, as the comparison names it.
    fn before(&self) -> &'static str {
        match (self.lang, self.kind) {
            (Lang::Id, PeriodKind::Day) => "hari sebelumnya",
            (Lang::Id, PeriodKind::Week) => "minggu sebelumnya",
            (Lang::Id, PeriodKind::Month) => "bulan sebelumnya",
            (Lang::En, PeriodKind::Day) => "the day before",
            (Lang::En, PeriodKind::Week) => "the week before",
            (Lang::En, PeriodKind::Month) => "the month before",
        }
    }

    /// The 7 periods before, whose mean is the pattern.
    fn seven_before(&self) -> &'static str {
        match (self.lang, self.kind) {
            (Lang::Id, PeriodKind::Day) => "7 hari sebelumnya",
            (Lang::Id, PeriodKind::Week) => "7 minggu sebelumnya",
            // A month's 7 periods before are 7 stretches of its own length, not calendar months.
            (Lang::Id, PeriodKind::Month) => "7 periode sepanjang ini sebelumnya",
            (Lang::En, PeriodKind::Day) => "the 7 days before",
            (Lang::En, PeriodKind::Week) => "the 7 weeks before",
            (Lang::En, PeriodKind::Month) => "the 7 periods of this length before",
        }
    }

    fn point(&self, rule: &'static str, issue: Option<&Issue>, text: String) -> Point {
        Point {
            rule,
            topic: issue.map(|i| i.topic.clone()),
            text,
            owner: None,
        }
    }
}

/// The body of the telaahan of `b`; `faded` are the issues of the period before that are gone.
pub fn build(b: &Briefing, faded: &[Faded]) -> Telaahan {
    let cx = Cx {
        b,
        lang: b.language,
        kind: b.period.kind,
    };
    let focus: Vec<&Issue> = b
        .issues
        .iter()
        .filter(|i| i.in_summary)
        .take(FOCUS_MAX)
        .collect();
    let assessed: Vec<Assessment> = focus.iter().map(|i| assess(i)).collect();
    Telaahan {
        persoalan: persoalan(&cx, &focus),
        praanggapan: praanggapan(&cx, &assessed),
        fakta: fakta(&cx, &focus),
        analisis: analisis(&cx, &assessed, faded),
        kesimpulan: kesimpulan(&cx, &assessed),
        saran: saran(&cx, &focus),
    }
}

fn assess(issue: &Issue) -> Assessment<'_> {
    Assessment {
        issue,
        pattern: pattern(issue.posts, issue.average_7d),
        streak: streak(&issue.daily.iter().map(|d| d.posts).collect::<Vec<_>>()),
        local: local_area(issue),
    }
}

/// `posts` against the mean of the 7 periods before (see [`ABOVE_PATTERN`], [`BELOW_PATTERN`]).
fn pattern(posts: u64, average: f64) -> Pattern {
    if average <= 0.0 {
        Pattern::NoHistory
    } else if posts >= PATTERN_MIN_POSTS && posts as f64 >= ABOVE_PATTERN * average {
        Pattern::Above
    } else if average >= PATTERN_MIN_POSTS as f64 && (posts as f64) <= BELOW_PATTERN * average {
        Pattern::Below
    } else {
        Pattern::Within
    }
}

/// Day-over-day rises in a row that end on the last day.
fn streak(daily: &[u64]) -> usize {
    daily
        .windows(2)
        .rev()
        .take_while(|pair| pair[1] > pair[0])
        .count()
}

/// The kabupaten/kota an issue is confined to (the only one named) or centres on (at least
/// [`CONCENTRATED_SHARE`] of the posts naming any), with at least [`LOCAL_MIN_POSTS`] there.
fn local_area(issue: &Issue) -> Option<&str> {
    let top = issue.regions.first()?;
    let named: u64 = issue.regions.iter().map(|r| r.posts).sum();
    let centred = top.posts as f64 >= CONCENTRATED_SHARE * named as f64;
    (top.posts >= LOCAL_MIN_POSTS && centred).then_some(top.name.as_str())
}

/// "A, B dan C" / "A, B and C", at most [`NAMES_MAX`] then "and N more".
fn names<S: AsRef<str>>(items: &[S], lang: Lang) -> String {
    let (and, more) = match lang {
        Lang::Id => ("dan", "lainnya"),
        Lang::En => ("and", "more"),
    };
    let shown: Vec<&str> = items.iter().take(NAMES_MAX).map(AsRef::as_ref).collect();
    let rest = items.len().saturating_sub(NAMES_MAX);
    match (shown.split_last(), rest) {
        (None, _) => String::new(),
        (Some((last, [])), 0) => (*last).to_string(),
        (Some((last, init)), 0) => format!("{} {and} {last}", init.join(", ")),
        (Some(_), rest) => format!("{} {and} {rest} {more}", shown.join(", ")),
    }
}

fn percent(part: u64, whole: u64) -> u64 {
    (part as f64 * 100.0 / whole.max(1) as f64).round() as u64
}

// I. Persoalan ---------------------------------------------------------------------------

/// Whether an issue needs leadership's attention: rising or new, of high or critical
/// priority, or calling for more than monitoring.
fn needs_attention(issue: &Issue) -> bool {
    issue.rising
        || matches!(issue.trend, Direction::Naik | Direction::Baru)
        || issue.priority >= Priority::Tinggi
        || issue.action != "pantau"
}

/// Why an issue needs attention, in a few words: "naik; prioritas tinggi".
fn attention_reasons(cx: &Cx, issue: &Issue) -> String {
    let t = super::labels(cx.lang);
    let mut reasons = Vec::new();
    if issue.rising || matches!(issue.trend, Direction::Naik | Direction::Baru) {
        reasons.push((words(cx.lang).trend)(issue.trend).to_string());
    }
    if issue.priority >= Priority::Tinggi {
        let p = format!("p_{}", priority_id(issue.priority));
        let level = t.get(p.as_str()).copied().unwrap_or_default();
        reasons.push(cx.say(format!("prioritas {level}"), format!("{level} priority")));
    }
    if issue.action != "pantau" {
        let a = format!("short_{}", issue.action);
        reasons.push(t.get(a.as_str()).copied().unwrap_or_default().to_string());
    }
    reasons.join("; ")
}

fn priority_id(p: Priority) -> &'static str {
    match p {
        Priority::Rendah => "rendah",
        Priority::Sedang => "sedang",
        Priority::Tinggi => "tinggi",
        Priority::Kritis => "kritis",
    }
}

fn persoalan(cx: &Cx, focus: &[&Issue]) -> Vec<Point> {
    let b = cx.b;
    let when = cx.when();
    if b.issues.is_empty() {
        return vec![cx.point(
            "sepi",
            None,
            cx.say(
                format!("Tidak ada isu publik yang terpantau {when}; tidak ada persoalan yang perlu diangkat kepada pimpinan."),
                format!("No public issue was detected {when}; there is no problem to put before the leadership."),
            ),
        )];
    }
    let attention: Vec<&&Issue> = focus.iter().filter(|i| needs_attention(i)).collect();
    let scope = cx.point(
        "cakupan",
        None,
        cx.say(
            format!(
                "Telaahan ini bertumpu pada {} dari {} sumber, dengan {} yang terpantau.",
                cx.posts(b.totals.tagged_posts),
                b.totals.sources,
                count(b.issues.len() as u64, "issues", cx.lang)
            ),
            format!(
                "This review rests on {} with an issue from {} sources, with {} detected.",
                cx.posts(b.totals.tagged_posts),
                b.totals.sources,
                count(b.issues.len() as u64, "issues", cx.lang)
            ),
        ),
    );
    if attention.is_empty() {
        let question = cx.point(
            "tanpa_perhatian",
            None,
            cx.say(
                format!("Apakah isu publik {when} memerlukan tindakan pimpinan? Tidak ada isu yang naik, baru muncul, berprioritas tinggi, atau memerlukan klarifikasi."),
                format!("Do the public issues {when} call for action by the leadership? None is rising, new, of high priority or in need of clarification."),
            ),
        );
        return vec![question, scope];
    }
    let listed: Vec<String> = attention
        .iter()
        .map(|i| format!("{} ({})", i.name, attention_reasons(cx, i)))
        .collect();
    let list = names(&listed, cx.lang);
    let n = attention.len() as u64;
    let question = cx.point(
        "perhatian",
        None,
        cx.say(
            format!(
                "Bagaimana pimpinan menyikapi {} yang memerlukan perhatian {when}: {list}?",
                count(n, "issues", cx.lang)
            ),
            format!(
                "How should the leadership respond to the {} needing attention {when}: {list}?",
                count(n, "issues", cx.lang)
            ),
        ),
    );
    vec![question, scope]
}

// II. Praanggapan --------------------------------------------------------------------------

fn praanggapan(cx: &Cx, assessed: &[Assessment]) -> Vec<Point> {
    let mut out = Vec::new();
    for a in assessed {
        out.extend(assume_streak(cx, a));
        out.extend(assume_local(cx, a));
        out.extend(assume_new(cx, a.issue));
        out.extend(assume_negative(cx, a.issue));
        out.extend(assume_falling(cx, a.issue));
        out.extend(assume_single_source(cx, a.issue));
    }
    if out.is_empty() {
        let text = if cx.b.issues.is_empty() {
            cx.say(
                "Tidak ada praanggapan: tidak ada data isu pada periode ini.".into(),
                "No assumptions: there is no issue data in this period.".into(),
            )
        } else {
            cx.say(
                "Tidak ada praanggapan: data periode ini tidak memenuhi aturan mana pun (kenaikan beruntun, isu lokal, isu baru, nada negatif dominan, penurunan, satu sumber).".into(),
                "No assumptions: this period's data meets none of the rules (a run of rises, a local issue, a new issue, a mostly negative tone, a fall, a single source).".into(),
            )
        };
        out.push(cx.point("sepi", None, text));
    }
    out
}

/// Rising [`STREAK_DAYS`] days in a row: expected to stay high for 2–3 days.
fn assume_streak(cx: &Cx, a: &Assessment) -> Option<Point> {
    if !a.streaking() {
        return None;
    }
    let days = &a.issue.daily[a.issue.daily.len() - a.streak - 1..];
    let run = days
        .iter()
        .map(|d| d.posts.to_string())
        .collect::<Vec<_>>()
        .join(" → ");
    let (name, n) = (&a.issue.name, a.streak);
    Some(cx.point(
        "naik_beruntun",
        Some(a.issue),
        cx.say(
            format!("Bila tren berlanjut, perbincangan {name} diperkirakan tetap tinggi dalam 2–3 hari ke depan (naik {n} hari berturut-turut: {run} unggahan per hari)."),
            format!("If the trend continues, talk of {name} is expected to stay high over the next 2–3 days (up {n} days in a row: {run} posts a day)."),
        ),
    ))
}

/// Confined to (or centred on) one kabupaten/kota: assumed local there.
fn assume_local(cx: &Cx, a: &Assessment) -> Option<Point> {
    let area = a.local?;
    let issue = a.issue;
    let top = issue.regions.first()?.posts;
    let named: u64 = issue.regions.iter().map(|r| r.posts).sum();
    let name = &issue.name;
    let text = if issue.regions.len() == 1 {
        cx.say(
            format!("{name} diasumsikan bersifat lokal di {area}: semua {} yang menyebut kabupaten/kota menyebut wilayah itu.", cx.posts(top)),
            format!("{name} is assumed to be local to {area}: all {} naming a regency/city name it.", cx.posts(top)),
        )
    } else {
        let p = percent(top, named);
        cx.say(
            format!("{name} diasumsikan berpusat di {area}: {p}% unggahan yang menyebut kabupaten/kota ({top} dari {named}) menyebut wilayah itu."),
            format!("{name} is assumed to centre on {area}: {p}% of the posts naming a regency/city ({top} of {named}) name it."),
        )
    };
    Some(cx.point("lokal", Some(issue), text))
}

/// New (nothing before): expected to develop, its direction not yet known.
fn assume_new(cx: &Cx, issue: &Issue) -> Option<Point> {
    if issue.trend != Direction::Baru {
        return None;
    }
    let name = &issue.name;
    let before = match cx.kind {
        PeriodKind::Day => cx.seven_before(),
        _ => cx.before(),
    };
    Some(cx.point(
        "baru",
        Some(issue),
        cx.say(
            format!("{name} baru muncul (tidak ada pada {before}); diperkirakan masih berkembang, dan arahnya belum dapat dipastikan dari data satu periode."),
            format!("{name} is new (absent in {before}); it is expected to develop further, and one period of data cannot yet tell its direction."),
        ),
    ))
}

/// Mostly negative over enough posts: the tone is expected to persist without an answer.
fn assume_negative(cx: &Cx, issue: &Issue) -> Option<Point> {
    let negative = issue.sentiment.negatif + issue.sentiment.berpotensi_negatif;
    if issue.posts < NEGATIVE_MIN_POSTS || (negative as f64) < NEGATIVE_SHARE * issue.posts as f64 {
        return None;
    }
    let (name, p) = (&issue.name, percent(negative, issue.posts));
    Some(cx.point(
        "sentimen_negatif",
        Some(issue),
        cx.say(
            format!("Bila belum ada informasi resmi, nada negatif perbincangan {name} diperkirakan bertahan ({p}% dari {} bernada negatif atau berpotensi negatif).", cx.posts(issue.posts)),
            format!("Without an official statement, the negative tone of talk of {name} is expected to persist ({p}% of {} negative or potentially negative).", cx.posts(issue.posts)),
        ),
    ))
}

/// Falling by the trend (or period) rule: expected to subside if the fall continues.
fn assume_falling(cx: &Cx, issue: &Issue) -> Option<Point> {
    if issue.trend != Direction::Turun {
        return None;
    }
    let name = &issue.name;
    let label = &issue.trend_label;
    Some(cx.point(
        "turun",
        Some(issue),
        cx.say(
            format!("Bila penurunan berlanjut, perbincangan {name} diperkirakan mereda pada periode berikutnya ({label})."),
            format!("If the fall continues, talk of {name} is expected to subside in the next period ({label})."),
        ),
    ))
}

/// Carried by one source only: assumed unconfirmed.
fn assume_single_source(cx: &Cx, issue: &Issue) -> Option<Point> {
    let [source] = issue.sources.as_slice() else {
        return None;
    };
    let (name, s) = (&issue.name, &source.name);
    Some(cx.point(
        "satu_sumber",
        Some(issue),
        cx.say(
            format!("{name} baru dimuat satu sumber ({s}); diasumsikan belum terkonfirmasi, dan besarnya dapat berubah bila sumber lain memuatnya."),
            format!("{name} is carried by one source only ({s}); it is assumed unconfirmed, and its size may change once other sources carry it."),
        ),
    ))
}

// III. Fakta-fakta yang mempengaruhi ---------------------------------------------------------

fn fakta(cx: &Cx, focus: &[&Issue]) -> Vec<Point> {
    if focus.is_empty() {
        let t = &cx.b.totals;
        let ok = t.sources - t.sources_failed;
        return vec![cx.point(
            "sepi",
            None,
            cx.say(
                format!("Tidak ada unggahan bertopik pada periode ini ({} terkumpul; {ok} dari {} sumber terjangkau).", cx.posts(t.posts), t.sources),
                format!("No post with an issue in this period ({} collected; {ok} of {} sources reached).", cx.posts(t.posts), t.sources),
            ),
        )];
    }
    let mut out = Vec::new();
    for issue in focus {
        out.push(fact_volume(cx, issue));
        out.push(fact_regions(cx, issue));
        out.push(fact_platforms(cx, issue));
        out.extend(fact_sentiment(cx, issue));
        out.extend(fact_post(cx, issue));
    }
    out
}

fn fact_volume(cx: &Cx, issue: &Issue) -> Point {
    let (name, before) = (&issue.name, cx.before());
    let stories = count(issue.stories, "stories", cx.lang);
    let change = match change_label(issue.posts, issue.previous, cx.lang) {
        c if c.is_empty() => String::new(),
        c => format!(", {c}"),
    };
    let (prev, avg, seven) = (issue.previous, cx.dec(issue.average_7d), cx.seven_before());
    cx.point(
        "volume",
        Some(issue),
        cx.say(
            format!(
                "{name}: {} ({stories}); {before} {prev}{change}; rata-rata {seven} {avg}.",
                cx.posts(issue.posts)
            ),
            format!(
                "{name}: {} ({stories}); {before} {prev}{change}; mean over {seven} {avg}.",
                cx.posts(issue.posts)
            ),
        ),
    )
}

fn fact_regions(cx: &Cx, issue: &Issue) -> Point {
    let name = &issue.name;
    let top: Vec<String> = issue
        .regions
        .iter()
        .take(3)
        .map(|r| format!("{} ({})", r.name, r.posts))
        .collect();
    let text = if top.is_empty() {
        cx.say(
            format!("{name} — tidak ada unggahan yang menyebut kabupaten/kota."),
            format!("{name} — no post names a regency/city."),
        )
    } else {
        let (list, n) = (
            top.join(", "),
            count(issue.regions.len() as u64, "regions", cx.lang),
        );
        cx.say(
            format!("{name} — kabupaten/kota paling terdampak: {list}; seluruhnya {n}."),
            format!("{name} — regencies/cities most affected: {list}; {n} in all."),
        )
    };
    cx.point("wilayah", Some(issue), text)
}

fn fact_platforms(cx: &Cx, issue: &Issue) -> Point {
    let name = &issue.name;
    let platforms = issue
        .platforms
        .iter()
        .map(|p| format!("{} {}% ({})", p.label, p.percent, p.posts))
        .collect::<Vec<_>>()
        .join(", ");
    let sources = issue
        .sources
        .iter()
        .take(3)
        .map(|s| format!("{} ({})", s.name, s.posts))
        .collect::<Vec<_>>()
        .join(", ");
    let n = count(issue.sources.len() as u64, "sources", cx.lang);
    // A briefing read from a store that records no platform names none: only the sources.
    let platforms = match (platforms.is_empty(), cx.lang) {
        (true, _) => String::new(),
        (false, Lang::Id) => format!("platform: {platforms}; "),
        (false, Lang::En) => format!("platforms: {platforms}; "),
    };
    cx.point(
        "platform",
        Some(issue),
        cx.say(
            format!("{name} — {platforms}{n}, terbanyak {sources}."),
            format!("{name} — {platforms}{n}, most {sources}."),
        ),
    )
}

/// The sentiment classes with posts, most negative first; none when no post was classed.
fn fact_sentiment(cx: &Cx, issue: &Issue) -> Option<Point> {
    let t = super::labels(cx.lang);
    let s = &issue.sentiment;
    let parts: Vec<String> = [
        ("negatif", s.negatif),
        ("berpotensi_negatif", s.berpotensi_negatif),
        ("netral", s.netral),
        ("positif", s.positif),
    ]
    .iter()
    .filter(|(_, n)| *n > 0)
    .map(|(key, n)| format!("{} {n} ({}%)", t[key], percent(*n, issue.posts)))
    .collect();
    if parts.is_empty() {
        return None;
    }
    let name = &issue.name;
    let list = parts.join(", ");
    Some(cx.point(
        "sentimen",
        Some(issue),
        cx.say(
            format!("{name} — sentimen: {list}."),
            format!("{name} — sentiment: {list}."),
        ),
    ))
}

/// The issue's first representative post (the store's pick: most spread, then newest).
fn fact_post(cx: &Cx, issue: &Issue) -> Option<Point> {
    let p = issue.representative.first()?;
    let text = excerpt(p.title.as_deref().unwrap_or(&p.excerpt), 160);
    let by = match &p.author {
        Some(a) => format!("{}, {a}", p.source_name),
        None => p.source_name.clone(),
    };
    let spread = if p.story_sources > 1 {
        cx.say(
            format!("; dimuat {}", count(p.story_sources, "sources", cx.lang)),
            format!(
                "; carried by {}",
                count(p.story_sources, "sources", cx.lang)
            ),
        )
    } else {
        String::new()
    };
    let (name, at) = (&issue.name, &p.published_label);
    Some(cx.point(
        "unggahan",
        Some(issue),
        cx.say(
            format!("{name} — unggahan menonjol: “{text}” ({by}, {at}{spread})."),
            format!("{name} — notable post: “{text}” ({by}, {at}{spread})."),
        ),
    ))
}

// IV. Analisis --------------------------------------------------------------------------------

fn analisis(cx: &Cx, assessed: &[Assessment], faded: &[Faded]) -> Vec<Point> {
    let mut out = Vec::new();
    for a in assessed {
        out.push(analyse_pattern(cx, a));
        out.push(analyse_spread(cx, a));
        out.extend(analyse_news_social(cx, a.issue));
        out.push(analyse_voices(cx, a.issue));
    }
    if cx.b.issues.is_empty() && faded.is_empty() {
        out.push(cx.point(
            "sepi",
            None,
            cx.say(
                "Tidak ada yang dapat dianalisis: tidak ada isu pada periode ini maupun periode sebelumnya.".into(),
                "Nothing to analyse: no issue in this period or the one before.".into(),
            ),
        ));
        return out;
    }
    out.push(analyse_since(cx, faded));
    out
}

/// The period against the period before (for a daily briefing, the same day a week earlier)
/// and against the 7-period mean.
fn analyse_pattern(cx: &Cx, a: &Assessment) -> Point {
    let issue = a.issue;
    let (name, posts) = (&issue.name, cx.posts(issue.posts));
    let against = against_last_week(cx, issue);
    let (avg, seven) = (cx.dec(issue.average_7d), cx.seven_before());
    let ratio = cx.dec(issue.posts as f64 / issue.average_7d.max(f64::MIN_POSITIVE));
    let verdict = match a.pattern {
        Pattern::NoHistory => cx.say(
            format!("tidak ada unggahan pada {seven}, jadi belum ada pola untuk dibandingkan"),
            format!("there were no posts in {seven}, so there is no pattern to compare with"),
        ),
        Pattern::Above => cx.say(
            format!("{ratio}× rata-rata {seven} ({avg}): di atas pola biasa"),
            format!("{ratio}× the mean of {seven} ({avg}): above the usual pattern"),
        ),
        Pattern::Below => cx.say(
            format!("{ratio}× rata-rata {seven} ({avg}): di bawah pola biasa"),
            format!("{ratio}× the mean of {seven} ({avg}): below the usual pattern"),
        ),
        Pattern::Within => cx.say(
            format!("sejalan dengan rata-rata {seven} ({avg})"),
            format!("in line with the mean of {seven} ({avg})"),
        ),
    };
    cx.point(
        "pola",
        Some(issue),
        format!("{name}: {posts}; {against}; {verdict}."),
    )
}

/// "dibanding hari yang sama minggu lalu (4): +50%" (daily), "dibanding minggu sebelumnya …".
fn against_last_week(cx: &Cx, issue: &Issue) -> String {
    let (what, then) = match (cx.kind, issue.week_ago) {
        (PeriodKind::Day, Some(w)) => (
            cx.say(
                "hari yang sama minggu lalu".into(),
                "the same day last week".into(),
            ),
            w,
        ),
        _ => (cx.before().to_string(), issue.previous),
    };
    let change = if then == 0 {
        cx.say("sebelumnya tidak ada".into(), "none then".into())
    } else {
        change_label(issue.posts, then, cx.lang)
    };
    cx.say(
        format!("dibanding {what} ({then}): {change}"),
        format!("against {what} ({then}): {change}"),
    )
}

/// Across kabupaten/kota (one area, centred, many) and platforms.
fn analyse_spread(cx: &Cx, a: &Assessment) -> Point {
    let issue = a.issue;
    let n = issue.regions.len();
    let areas = match (n, a.local) {
        (0, _) => cx.say(
            "tidak menyebut kabupaten/kota, sehingga sebarannya tidak dapat dinilai".into(),
            "names no regency/city, so its spread cannot be judged".into(),
        ),
        (1, _) => cx.say(
            format!(
                "terbatas pada satu kabupaten/kota ({})",
                issue.regions[0].name
            ),
            format!("confined to one regency/city ({})", issue.regions[0].name),
        ),
        (_, Some(area)) => cx.say(
            format!("berpusat di {area} walau disebut di {n} kabupaten/kota"),
            format!("centred on {area} though named in {n} regencies/cities"),
        ),
        _ if a.wide() => cx.say(
            format!("meluas ke {n} dari 10 kabupaten/kota"),
            format!("spread to {n} of the 10 regencies/cities"),
        ),
        _ => cx.say(
            format!("tersebar di {n} kabupaten/kota"),
            format!("spread over {n} regencies/cities"),
        ),
    };
    let platforms = match issue.platforms.as_slice() {
        [] => String::new(),
        [only] => cx.say(
            format!("; hanya di satu platform ({})", only.label),
            format!("; on one platform only ({})", only.label),
        ),
        [top, ..] => cx.say(
            format!(
                "; di {} platform, terbanyak {} ({}%)",
                issue.platforms.len(),
                top.label,
                top.percent
            ),
            format!(
                "; on {} platforms, most on {} ({}%)",
                issue.platforms.len(),
                top.label,
                top.percent
            ),
        ),
    };
    let name = &issue.name;
    cx.point(
        "sebaran",
        Some(issue),
        cx.say(
            format!("Sebaran {name}: {areas}{platforms}."),
            format!("Spread of {name}: {areas}{platforms}."),
        ),
    )
}

/// News against social media, over the posts whose platform is known.
fn analyse_news_social(cx: &Cx, issue: &Issue) -> Option<Point> {
    let news: u64 = issue
        .platforms
        .iter()
        .filter(|p| p.platform == "news")
        .map(|p| p.posts)
        .sum();
    let social: u64 = issue
        .platforms
        .iter()
        .filter(|p| p.platform != "news" && p.platform != "lain")
        .map(|p| p.posts)
        .sum();
    let known = news + social;
    if known == 0 {
        return None;
    }
    let (pn, ps) = (percent(news, known), percent(social, known));
    let name = &issue.name;
    let text = if news as f64 >= DOMINANT_PLATFORM_SHARE * known as f64 {
        cx.say(
            format!("{name} terutama diberitakan media ({pn}% berita, {ps}% media sosial); di sumber yang dipantau, perbincangan warga di media sosial belum banyak."),
            format!("{name} is mostly carried by the news ({pn}% news, {ps}% social media); in the sources monitored there is little talk among the public on social media yet."),
        )
    } else if social as f64 >= DOMINANT_PLATFORM_SHARE * known as f64 {
        cx.say(
            format!("{name} terutama dibicarakan di media sosial ({ps}% media sosial, {pn}% berita); di sumber yang dipantau, media berita belum banyak memuatnya."),
            format!("{name} is mostly talked about on social media ({ps}% social media, {pn}% news); in the sources monitored the news has carried little of it yet."),
        )
    } else {
        cx.say(
            format!("{name} dimuat berita ({pn}%) dan dibicarakan di media sosial ({ps}%): sudah menjadi perhatian di kedua ranah."),
            format!("{name} is carried by the news ({pn}%) and talked about on social media ({ps}%): both spheres are paying attention."),
        )
    };
    Some(cx.point("berita_medsos", Some(issue), text))
}

/// Who is heard: the source carrying most, whether it dominates, and the most active account.
fn analyse_voices(cx: &Cx, issue: &Issue) -> Point {
    let name = &issue.name;
    let sources = match issue.sources.as_slice() {
        [] => String::new(),
        [only] => cx.say(
            format!("hanya {} yang memuatnya", only.name),
            format!("only {} carries it", only.name),
        ),
        [top, ..] => {
            let p = percent(top.posts, issue.posts);
            if p as f64 >= DOMINANT_SOURCE_SHARE * 100.0 {
                cx.say(
                    format!("{} mendominasi ({p}% unggahan)", top.name),
                    format!("{} dominates ({p}% of posts)", top.name),
                )
            } else {
                cx.say(
                    format!(
                        "tidak ada sumber yang dominan (terbanyak {}, {p}%)",
                        top.name
                    ),
                    format!("no source dominates (most: {}, {p}%)", top.name),
                )
            }
        }
    };
    let accounts = match issue.accounts.first() {
        Some(a) => cx.say(
            format!("akun paling aktif {} ({})", a.name, cx.posts(a.posts)),
            format!("most active account {} ({})", a.name, cx.posts(a.posts)),
        ),
        None => cx.say(
            "tidak ada akun perorangan yang menonjol".into(),
            "no individual account stands out".into(),
        ),
    };
    cx.point(
        "suara",
        Some(issue),
        cx.say(
            format!("Yang terdengar pada {name}: {sources}; {accounts}."),
            format!("Who is heard on {name}: {sources}; {accounts}."),
        ),
    )
}

/// What is new since the telaahan of the period before: issues absent then, issues gone now.
fn analyse_since(cx: &Cx, faded: &[Faded]) -> Point {
    let appeared: Vec<&str> =
        cx.b.issues
            .iter()
            .filter(|i| i.previous == 0)
            .map(|i| i.name.as_str())
            .collect();
    let gone: Vec<String> = faded
        .iter()
        .map(|f| {
            let then = cx.posts(f.previous);
            cx.say(
                format!("{} ({then} sebelumnya)", f.name),
                format!("{} ({then} before)", f.name),
            )
        })
        .collect();
    let before = cx.before();
    let mut parts = Vec::new();
    if !appeared.is_empty() {
        parts.push(cx.say(
            format!(
                "muncul {} yang tidak ada pada {before}: {}",
                count(appeared.len() as u64, "issues", cx.lang),
                names(&appeared, cx.lang)
            ),
            format!(
                "new, absent {before} ({}): {}",
                appeared.len(),
                names(&appeared, cx.lang)
            ),
        ));
    }
    if !gone.is_empty() {
        parts.push(cx.say(
            format!(
                "{} pada {before} tidak lagi dibicarakan: {}",
                count(gone.len() as u64, "issues", cx.lang),
                names(&gone, cx.lang)
            ),
            format!(
                "no longer talked about since {before} ({}): {}",
                gone.len(),
                names(&gone, cx.lang)
            ),
        ));
    }
    let text = if parts.is_empty() {
        cx.say(
            format!("Dibanding telaahan {before}: tidak ada isu yang baru muncul atau hilang."),
            format!("Against the review of {before}: no issue appeared or went away."),
        )
    } else {
        cx.say(
            format!("Dibanding telaahan {before}: {}.", parts.join("; ")),
            format!("Against the review of {before}: {}.", parts.join("; ")),
        )
    };
    cx.point("sejak_sebelumnya", None, text)
}

// V. Kesimpulan -------------------------------------------------------------------------------

fn kesimpulan(cx: &Cx, assessed: &[Assessment]) -> Vec<Point> {
    if assessed.is_empty() {
        return vec![cx.point(
            "sepi",
            None,
            cx.say(
                "Tidak ada isu yang meningkat, meluas, bersifat lokal, atau mereda, karena tidak ada isu yang terpantau.".into(),
                "No issue is escalating, spreading, local or subsiding, as none was detected.".into(),
            ),
        )];
    }
    let pick = |f: &dyn Fn(&Assessment) -> bool| -> Vec<&str> {
        assessed
            .iter()
            .filter(|a| f(a))
            .map(|a| a.issue.name.as_str())
            .collect()
    };
    let mut out = Vec::new();
    let escalating: Vec<String> = assessed
        .iter()
        .filter(|a| a.escalating())
        .map(|a| format!("{} ({})", a.issue.name, escalation_reason(cx, a)))
        .collect();
    if !escalating.is_empty() {
        let list = names(&escalating, cx.lang);
        out.push(cx.point(
            "eskalasi",
            None,
            cx.say(
                format!("Meningkat: {list}; perlu ditangani lebih dulu."),
                format!("Escalating: {list}; to be handled first."),
            ),
        ));
    }
    let wide = pick(&|a| a.wide());
    if !wide.is_empty() {
        let list = names(&wide, cx.lang);
        out.push(cx.point(
            "meluas",
            None,
            cx.say(
                format!("Lintas wilayah (disebut di {WIDE_REGIONS} kabupaten/kota atau lebih): {list}; penanganannya melibatkan lebih dari satu pemerintah kabupaten/kota."),
                format!("Across areas (named in {WIDE_REGIONS} or more regencies/cities): {list}; handling involves more than one local government."),
            ),
        ));
    }
    let local: Vec<String> = assessed
        .iter()
        .filter_map(|a| a.local.map(|area| format!("{} ({area})", a.issue.name)))
        .collect();
    if !local.is_empty() {
        let list = names(&local, cx.lang);
        out.push(cx.point("lokal", None, cx.say(
            format!("Bersifat lokal: {list}; penanganannya dapat bertumpu pada kabupaten/kota tersebut."),
            format!("Local: {list}; handling can rest with that regency/city."),
        )));
    }
    let elevated = pick(&|a| a.elevated());
    if !elevated.is_empty() {
        let (list, before) = (names(&elevated, cx.lang), cx.before());
        out.push(cx.point(
            "tinggi",
            None,
            cx.say(
                format!("Masih tinggi tetapi tidak lagi bertambah: {list} — di atas pola 7 periode, namun lebih sedikit daripada {before}."),
                format!("Still high but no longer growing: {list} — above the 7-period pattern, yet fewer than {before}."),
            ),
        ));
    }
    let subsiding = pick(&|a| a.subsiding());
    if !subsiding.is_empty() {
        let list = names(&subsiding, cx.lang);
        out.push(cx.point(
            "mereda",
            None,
            cx.say(
                format!("Mereda: {list} — turun atau di bawah pola 7 periode."),
                format!("Subsiding: {list} — falling or below the 7-period pattern."),
            ),
        ));
    }
    let steady = pick(&|a| !a.escalating() && !a.elevated() && !a.subsiding());
    if !steady.is_empty() {
        let list = names(&steady, cx.lang);
        out.push(cx.point(
            "stabil",
            None,
            cx.say(
                format!("Stabil: {list} — sejalan dengan pola sebelumnya; cukup dipantau."),
                format!("Steady: {list} — in line with the pattern before; monitoring is enough."),
            ),
        ));
    }
    out
}

/// Which finding of the analysis makes an issue escalate, the strongest first: the trend
/// rule's verdict, the multiple of the 7-period mean, the run of daily rises.
fn escalation_reason(cx: &Cx, a: &Assessment) -> String {
    let issue = a.issue;
    if issue.rising || matches!(issue.trend, Direction::Naik | Direction::Baru) {
        (words(cx.lang).trend)(issue.trend).to_string()
    } else if a.pattern == Pattern::Above {
        let ratio = cx.dec(issue.posts as f64 / issue.average_7d);
        cx.say(
            format!("{ratio}× rata-rata {}", cx.seven_before()),
            format!("{ratio}× the mean of {}", cx.seven_before()),
        )
    } else {
        cx.say(
            format!("naik {} hari berturut-turut", a.streak),
            format!("up {} days in a row", a.streak),
        )
    }
}

// VI. Saran/Tindak ----------------------------------------------------------------------------

fn saran(cx: &Cx, focus: &[&Issue]) -> Vec<Point> {
    let t = super::labels(cx.lang);
    if focus.is_empty() {
        return vec![cx.point(
            "sepi",
            None,
            cx.say(
                "Tidak ada tindakan khusus; pemantauan rutin dilanjutkan.".into(),
                "No particular action; routine monitoring continues.".into(),
            ),
        )];
    }
    let mut out: Vec<Point> = focus
        .iter()
        .map(|issue| {
            let act = format!("act_{}", issue.action);
            let act = t.get(act.as_str()).copied().unwrap_or_default();
            let advice = issue
                .advice
                .as_deref()
                .map(|a| format!(" {}", a.trim()))
                .unwrap_or_default();
            let owner = match &issue.owner {
                Some(o) => cx.say(
                    format!(" Penanggung jawab: {o}."),
                    format!(" Responsible office: {o}."),
                ),
                None => cx.say(
                    " Penanggung jawab belum ditetapkan dalam daftar kata kunci.".into(),
                    " No responsible office is set in the keyword lists.".into(),
                ),
            };
            let text = format!("{}: {}.{advice}{owner}", issue.name, capitalised(act));
            Point {
                rule: action_rule(&issue.action),
                topic: Some(issue.topic.clone()),
                text,
                owner: issue.owner.clone(),
            }
        })
        .collect();
    let rest = cx.b.issues.len().saturating_sub(focus.len());
    if rest > 0 {
        let n = count(rest as u64, "issues", cx.lang);
        out.push(cx.point(
            "lainnya",
            None,
            cx.say(
                format!("{n} lainnya dalam Lampiran dipantau sesuai saran masing-masing."),
                format!("The other {n} in the Attachment are followed as each one's advice says."),
            ),
        ));
    }
    out
}

fn action_rule(action: &str) -> &'static str {
    match action {
        "koordinasi" => "koordinasi",
        "klarifikasi" => "klarifikasi",
        _ => "pantau",
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::{
        AccountCount, DayCount, Period, PlatformShare, PostRef, RegionCount, SentimentCounts,
        SourceShare, Totals,
    };
    use crate::model::Reach;

    /// A steady issue of `posts` posts: as many the day before and on average, one source,
    /// no region, neutral, in the summary.
    fn issue(topic: &str, posts: u64) -> Issue {
        Issue {
            topic: topic.into(),
            name: format!("Isu {topic}"),
            category: "umum".into(),
            priority: Priority::Sedang,
            owner: Some("Dinas PUPR".into()),
            advice: Some("Pantau titik rawan.".into()),
            posts,
            previous: posts,
            average_7d: posts as f64,
            week_ago: Some(posts),
            stories: posts,
            score: 0.0,
            rising: false,
            trend: Direction::Stabil,
            trend_label: "stabil".into(),
            action: "pantau".into(),
            sentence: String::new(),
            in_summary: true,
            daily: days(&[posts; 7]),
            regions: vec![],
            sources: vec![source("a", posts), source("b", 0)],
            source_kinds: vec!["feed".into()],
            accounts: vec![],
            sentiment: SentimentCounts {
                netral: posts,
                ..SentimentCounts::default()
            },
            representative: vec![],
            platforms: vec![],
            engaged: vec![],
            reach_accounts: vec![],
            urgency: 1.0,
            chart_svg: String::new(),
            sentiment_svg: String::new(),
            map_svg: String::new(),
        }
    }

    fn days(counts: &[u64]) -> Vec<DayCount> {
        counts
            .iter()
            .enumerate()
            .map(|(i, &posts)| DayCount {
                date: format!("2026-11-{:02}", 14 + i),
                label: format!("{}/11", 14 + i),
                posts,
            })
            .collect()
    }

    fn source(id: &str, posts: u64) -> SourceShare {
        SourceShare {
            id: id.into(),
            name: format!("Sumber {id}"),
            kind: "feed".into(),
            posts,
        }
    }

    fn region(name: &str, posts: u64) -> RegionCount {
        RegionCount {
            id: name.to_lowercase(),
            name: name.into(),
            posts,
            rising: false,
        }
    }

    fn platform(platform: &str, posts: u64, of: u64) -> PlatformShare {
        PlatformShare {
            platform: platform.into(),
            label: platform.into(),
            posts,
            percent: percent(posts, of),
        }
    }

    fn briefing(issues: Vec<Issue>, lang: Lang) -> Briefing {
        let now: jiff::Timestamp = "2026-11-20T16:00:00Z".parse().unwrap();
        let letter = super::super::Letter::default();
        let head = super::super::letter::head(
            &letter,
            PeriodKind::Day,
            "Jumat, 20 November 2026",
            "N/1",
            now,
            &jiff::tz::TimeZone::UTC,
            lang,
        );
        Briefing {
            office: "Diskominfo".into(),
            title: "Telaahan".into(),
            number: "N/1".into(),
            date: "2026-11-20".into(),
            date_label: "Jumat, 20 November 2026".into(),
            signature: super::super::letter::signature(&letter, &head.tanggal),
            head,
            telaahan: Telaahan::default(),
            logo: None,
            language: lang,
            timezone: "Asia/Makassar".into(),
            timezone_label: "WITA".into(),
            period: Period {
                kind: PeriodKind::Day,
                start: now,
                end: now,
                label: String::new(),
            },
            generated_at: now,
            generated_label: String::new(),
            keywords_version: "1".into(),
            totals: Totals {
                posts: issues.iter().map(|i| i.posts).sum::<u64>() + 7,
                tagged_posts: issues.iter().map(|i| i.posts).sum(),
                issues: issues.len(),
                sources: 4,
                sources_failed: 1,
            },
            summary: issues.iter().map(|i| i.topic.clone()).collect(),
            issues,
            areas: vec![],
            sources: vec![],
            method: vec![],
            comparison: None,
            areas_svg: String::new(),
            map_html: String::new(),
        }
    }

    fn telaahan(issues: Vec<Issue>) -> Telaahan {
        build(&briefing(issues, Lang::Id), &[])
    }

    /// The points of `section` written by `rule`.
    fn by<'a>(section: &'a [Point], rule: &str) -> Vec<&'a Point> {
        section.iter().filter(|p| p.rule == rule).collect()
    }

    #[test]
    fn a_quiet_period_says_so_in_every_section() {
        for lang in [Lang::Id, Lang::En] {
            let t = build(&briefing(vec![], lang), &[]);
            for (name, section) in [
                ("persoalan", &t.persoalan),
                ("praanggapan", &t.praanggapan),
                ("fakta", &t.fakta),
                ("analisis", &t.analisis),
                ("kesimpulan", &t.kesimpulan),
                ("saran", &t.saran),
            ] {
                assert_eq!(section.len(), 1, "{name}: {section:?}");
                assert_eq!(section[0].rule, "sepi", "{name}");
                assert!(section[0].topic.is_none());
            }
            let fakta = &t.fakta[0].text;
            match lang {
                Lang::Id => assert!(
                    fakta.contains("7 unggahan terkumpul; 3 dari 4 sumber"),
                    "{fakta}"
                ),
                Lang::En => assert!(
                    fakta.contains("7 posts collected; 3 of 4 sources"),
                    "{fakta}"
                ),
            }
        }
    }

    #[test]
    fn a_run_of_rises_is_assumed_to_stay_high_and_nothing_less() {
        let mut rising = issue("banjir", 9);
        rising.daily = days(&[2, 2, 1, 3, 5, 7, 9]);
        let t = telaahan(vec![rising]);
        let [p] = by(&t.praanggapan, "naik_beruntun")[..] else {
            panic!("{:?}", t.praanggapan)
        };
        assert_eq!(
            p.text,
            "Bila tren berlanjut, perbincangan Isu banjir diperkirakan tetap tinggi dalam 2–3 hari ke depan (naik 4 hari berturut-turut: 1 → 3 → 5 → 7 → 9 unggahan per hari)."
        );
        assert_eq!(
            by(&t.kesimpulan, "eskalasi")[0].text,
            "Meningkat: Isu banjir (naik 4 hari berturut-turut); perlu ditangani lebih dulu."
        );
        // Two rises in a row, a run of a trickle, a run broken on the last day: no assumption.
        for daily in [
            [4, 4, 4, 4, 3, 5, 9],
            [0, 0, 0, 0, 1, 2, 3],
            [1, 2, 3, 4, 5, 9, 8],
        ] {
            let mut i = issue("banjir", daily[6]);
            i.daily = days(&daily);
            let t = telaahan(vec![i]);
            assert!(by(&t.praanggapan, "naik_beruntun").is_empty(), "{daily:?}");
        }
    }

    #[test]
    fn an_issue_in_one_area_is_assumed_local_and_a_spread_one_is_not() {
        let mut one = issue("banjir", 5);
        one.regions = vec![region("Kota Bontang", 4)];
        let mut centred = issue("jalan", 9);
        centred.regions = vec![region("Kabupaten Berau", 7), region("Kota Samarinda", 1)];
        let t = telaahan(vec![one, centred]);
        let local = by(&t.praanggapan, "lokal");
        assert_eq!(local.len(), 2, "{local:?}");
        assert!(
            local[0]
                .text
                .contains("diasumsikan bersifat lokal di Kota Bontang: semua 4 unggahan")
        );
        assert!(
            local[1]
                .text
                .contains("diasumsikan berpusat di Kabupaten Berau: 88% unggahan")
        );
        let concl = &by(&t.kesimpulan, "lokal")[0].text;
        assert!(
            concl.contains("Isu banjir (Kota Bontang) dan Isu jalan (Kabupaten Berau)"),
            "{concl}"
        );
        // Too few posts in the one area; two areas, neither holding 60%: not local.
        let mut few = issue("banjir", 5);
        few.regions = vec![region("Kota Bontang", 2)];
        let mut split = issue("jalan", 9);
        split.regions = vec![region("Kabupaten Berau", 4), region("Kota Samarinda", 3)];
        let t = telaahan(vec![few, split]);
        assert!(
            by(&t.praanggapan, "lokal").is_empty(),
            "{:?}",
            t.praanggapan
        );
        assert!(by(&t.kesimpulan, "lokal").is_empty());
    }

    #[test]
    fn new_negative_falling_and_single_source_assumptions_need_their_data() {
        let mut new = issue("a", 6);
        new.trend = Direction::Baru;
        let mut negative = issue("b", 6);
        negative.sentiment = SentimentCounts {
            negatif: 2,
            berpotensi_negatif: 1,
            netral: 3,
            positif: 0,
        };
        let mut falling = issue("c", 2);
        falling.trend = Direction::Turun;
        falling.trend_label = "turun dari rata-rata 6".into();
        let t = telaahan(vec![new, negative, falling]);
        let rules: Vec<(&str, Option<&str>)> = t
            .praanggapan
            .iter()
            .map(|p| (p.rule, p.topic.as_deref()))
            .collect();
        assert_eq!(
            rules,
            [
                ("baru", Some("a")),
                ("sentimen_negatif", Some("b")),
                ("turun", Some("c")),
            ]
        );
        assert!(t.praanggapan[1].text.contains("50% dari 6 unggahan"));
        let mut single = issue("d", 3);
        single.sources = vec![source("x", 3)];
        let t1 = telaahan(vec![single]);
        assert_eq!(t1.praanggapan[0].rule, "satu_sumber");
        assert!(
            t1.praanggapan[0]
                .text
                .contains("baru dimuat satu sumber (Sumber x)")
        );
        assert!(t.praanggapan.iter().all(|p| {
            ["diperkirakan", "diasumsikan"]
                .iter()
                .any(|w| p.text.contains(w))
        }));
        // Below the thresholds: 2 of 6 negative, 4 of 4 (too few posts), two sources.
        let mut mild = issue("b", 6);
        mild.sentiment.negatif = 2;
        let mut small = issue("e", 4);
        small.sentiment.negatif = 4;
        let t = telaahan(vec![mild, small]);
        assert_eq!(t.praanggapan.len(), 1, "{:?}", t.praanggapan);
        assert_eq!(t.praanggapan[0].rule, "sepi");
        assert!(t.praanggapan[0].text.contains("tidak memenuhi aturan"));
    }

    #[test]
    fn the_pattern_rule_tolerates_small_numbers() {
        assert_eq!(pattern(10, 4.0), Pattern::Above);
        assert_eq!(pattern(2, 0.5), Pattern::Within, "1 → 2 is no alarm");
        assert_eq!(pattern(3, 1.0), Pattern::Above);
        assert_eq!(pattern(1, 4.0), Pattern::Below);
        assert_eq!(pattern(0, 2.0), Pattern::Within, "half of 2 is noise");
        assert_eq!(pattern(5, 0.0), Pattern::NoHistory);
        assert_eq!(pattern(6, 4.0), Pattern::Within);
        assert_eq!(streak(&[1, 2, 3, 4]), 3);
        assert_eq!(streak(&[4, 3]), 0);
        assert_eq!(streak(&[]), 0);
    }

    #[test]
    fn the_analysis_weighs_week_pattern_spread_media_and_voices() {
        let mut i = issue("banjir", 12);
        i.week_ago = Some(4);
        i.previous = 6;
        i.average_7d = 4.0;
        i.regions = [
            "Kota Samarinda",
            "Kota Balikpapan",
            "Kota Bontang",
            "Kabupaten Berau",
        ]
        .iter()
        .map(|n| region(n, 3))
        .collect();
        i.platforms = vec![platform("news", 9, 12), platform("x", 3, 12)];
        i.sources = vec![source("a", 7), source("b", 5)];
        i.accounts = vec![AccountCount {
            name: "@warga".into(),
            posts: 3,
            sources: vec!["X".into()],
        }];
        let t = telaahan(vec![i]);
        let text = |rule| by(&t.analisis, rule)[0].text.clone();
        assert_eq!(
            text("pola"),
            "Isu banjir: 12 unggahan; dibanding hari yang sama minggu lalu (4): 3× lipat; 3× rata-rata 7 hari sebelumnya (4): di atas pola biasa."
        );
        assert_eq!(
            text("sebaran"),
            "Sebaran Isu banjir: meluas ke 4 dari 10 kabupaten/kota; di 2 platform, terbanyak news (75%)."
        );
        assert!(
            text("berita_medsos")
                .contains("terutama diberitakan media (75% berita, 25% media sosial)")
        );
        assert!(text("suara").contains(
            "Sumber a mendominasi (58% unggahan); akun paling aktif @warga (3 unggahan)"
        ));
        // The conclusions follow: escalating (above the pattern) and province-wide.
        assert_eq!(
            by(&t.kesimpulan, "eskalasi")[0].text,
            "Meningkat: Isu banjir (3× rata-rata 7 hari sebelumnya); perlu ditangani lebih dulu."
        );
        assert!(by(&t.kesimpulan, "meluas")[0].text.contains("Isu banjir"));
        assert!(by(&t.kesimpulan, "stabil").is_empty());

        // The other side of each rule.
        let mut j = issue("jalan", 1);
        j.average_7d = 4.0;
        j.week_ago = Some(0);
        j.platforms = vec![platform("news", 1, 2), platform("x", 1, 2)];
        j.sources = vec![source("a", 1)];
        let t = telaahan(vec![j]);
        let text = |rule| by(&t.analisis, rule)[0].text.clone();
        assert!(text("pola").contains("(0): sebelumnya tidak ada; 0,2× rata-rata 7 hari sebelumnya (4): di bawah pola biasa"), "{}", text("pola"));
        assert!(text("sebaran").contains("tidak menyebut kabupaten/kota"));
        assert!(text("berita_medsos").contains("sudah menjadi perhatian di kedua ranah"));
        assert!(
            text("suara")
                .contains("hanya Sumber a yang memuatnya; tidak ada akun perorangan yang menonjol")
        );
        assert!(by(&t.kesimpulan, "mereda")[0].text.contains("Isu jalan"));
        // No platform stated: no sentence on news against social media.
        // Above the pattern but fewer than the day before: high, not escalating.
        let mut ebbing = issue("e", 12);
        ebbing.previous = 20;
        ebbing.average_7d = 4.0;
        let t = telaahan(vec![ebbing]);
        assert!(
            by(&t.kesimpulan, "eskalasi").is_empty(),
            "{:?}",
            t.kesimpulan
        );
        assert!(by(&t.kesimpulan, "tinggi")[0].text.contains(
            "Isu e — di atas pola 7 periode, namun lebih sedikit daripada hari sebelumnya"
        ));
        assert!(by(&t.kesimpulan, "stabil").is_empty() && by(&t.kesimpulan, "mereda").is_empty());
        let mut social = issue("s", 9);
        social.platforms = vec![
            platform("x", 7, 9),
            platform("news", 1, 9),
            platform("lain", 1, 9),
        ];
        let t = telaahan(vec![social]);
        assert!(
            by(&t.analisis, "berita_medsos")[0]
                .text
                .contains("terutama dibicarakan di media sosial (88% media sosial, 13% berita)"),
            "{:?}",
            t.analisis
        );
        let mut k = issue("k", 3);
        k.platforms = vec![platform("lain", 3, 3)];
        k.sources = vec![source("a", 1), source("b", 1), source("c", 1)];
        let t = telaahan(vec![k]);
        assert!(by(&t.analisis, "berita_medsos").is_empty());
        assert!(
            by(&t.analisis, "suara")[0]
                .text
                .contains("tidak ada sumber yang dominan (terbanyak Sumber a, 33%)")
        );
    }

    #[test]
    fn what_is_new_since_the_last_telaahan_is_named() {
        let mut new = issue("banjir", 4);
        new.previous = 0;
        let steady = issue("jalan", 4);
        let faded = [Faded {
            topic: "listrik".into(),
            name: "Pemadaman listrik".into(),
            previous: 6,
        }];
        let t = build(&briefing(vec![new, steady.clone()], Lang::Id), &faded);
        assert_eq!(
            by(&t.analisis, "sejak_sebelumnya")[0].text,
            "Dibanding telaahan hari sebelumnya: muncul 1 isu yang tidak ada pada hari sebelumnya: Isu banjir; 1 isu pada hari sebelumnya tidak lagi dibicarakan: Pemadaman listrik (6 unggahan sebelumnya)."
        );
        let en = build(&briefing(vec![issue("jalan", 4)], Lang::En), &faded);
        assert!(
            by(&en.analisis, "sejak_sebelumnya")[0]
                .text
                .ends_with("no longer talked about since the day before (1): Pemadaman listrik (6 posts before)."),
            "{:?}",
            en.analisis
        );
        let t = telaahan(vec![steady]);
        assert!(
            by(&t.analisis, "sejak_sebelumnya")[0]
                .text
                .contains("tidak ada isu yang baru muncul atau hilang")
        );
    }

    #[test]
    fn the_problem_names_the_issues_needing_attention() {
        let mut hot = issue("banjir", 9);
        hot.trend = Direction::Naik;
        hot.rising = true;
        hot.priority = Priority::Tinggi;
        hot.action = "koordinasi".into();
        let calm = issue("jalan", 3);
        let t = telaahan(vec![hot, calm.clone()]);
        assert_eq!(
            t.persoalan[0].text,
            "Bagaimana pimpinan menyikapi 1 isu yang memerlukan perhatian pada Jumat, 20 November 2026: Isu banjir (naik; prioritas tinggi; koordinasi)?"
        );
        assert_eq!(t.persoalan[1].rule, "cakupan");
        let t = telaahan(vec![calm]);
        assert_eq!(t.persoalan[0].rule, "tanpa_perhatian");
        let en = build(&briefing(vec![issue("x", 2)], Lang::En), &[]);
        assert!(
            en.persoalan[0]
                .text
                .starts_with("Do the public issues on Jumat"),
            "{}",
            en.persoalan[0].text
        );
    }

    #[test]
    fn facts_give_the_figures_and_the_notable_post() {
        let mut i = issue("banjir", 10);
        i.previous = 5;
        i.regions = vec![region("Kota Samarinda", 6), region("Kota Bontang", 2)];
        i.platforms = vec![platform("news", 10, 10)];
        i.sentiment = SentimentCounts {
            negatif: 4,
            netral: 6,
            ..SentimentCounts::default()
        };
        i.representative = vec![PostRef {
            source: "a".into(),
            source_name: "Kaltim Post".into(),
            author: Some("Rina".into()),
            published: jiff::Timestamp::UNIX_EPOCH,
            published_label: "20 November 2026 10.00 WITA".into(),
            title: None,
            excerpt: "Air setinggi 50 cm di Jalan Pemuda".into(),
            url: None,
            story_posts: 3,
            story_sources: 3,
            platform: "news".into(),
            platform_label: "Berita".into(),
            reach: Reach::default(),
            reach_label: String::new(),
        }];
        let t = telaahan(vec![i]);
        let texts: Vec<&str> = t.fakta.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Isu banjir: 10 unggahan (10 cerita); hari sebelumnya 5, 2× lipat; rata-rata 7 hari sebelumnya 10.",
                "Isu banjir — kabupaten/kota paling terdampak: Kota Samarinda (6), Kota Bontang (2); seluruhnya 2 kab/kota.",
                "Isu banjir — platform: news 100% (10); 2 sumber, terbanyak Sumber a (10), Sumber b (0).",
                "Isu banjir — sentimen: negatif 4 (40%), netral 6 (60%).",
                "Isu banjir — unggahan menonjol: “Air setinggi 50 cm di Jalan Pemuda” (Kaltim Post, Rina, 20 November 2026 10.00 WITA; dimuat 3 sumber).",
            ]
        );
    }

    #[test]
    fn facts_that_were_not_recorded_are_left_out() {
        let mut i = issue("banjir", 2);
        i.sentiment = SentimentCounts::default();
        let t = telaahan(vec![i]);
        let rules: Vec<&str> = t.fakta.iter().map(|p| p.rule).collect();
        assert_eq!(rules, ["volume", "wilayah", "platform"]);
        assert_eq!(
            t.fakta[2].text,
            "Isu banjir — 2 sumber, terbanyak Sumber a (2), Sumber b (0)."
        );
    }

    #[test]
    fn each_action_names_its_owner_and_the_body_keeps_to_the_focus() {
        let mut issues: Vec<Issue> = (0..7).map(|n| issue(&format!("t{n}"), 3)).collect();
        issues[0].action = "klarifikasi".into();
        issues[1].owner = None;
        issues[6].in_summary = false;
        let t = telaahan(issues);
        assert_eq!(t.saran.len(), FOCUS_MAX + 1);
        assert_eq!(t.saran[0].rule, "klarifikasi");
        assert_eq!(t.saran[0].owner.as_deref(), Some("Dinas PUPR"));
        assert_eq!(
            t.saran[0].text,
            "Isu t0: Siapkan informasi resmi untuk meluruskan pemberitaan. Pantau titik rawan. Penanggung jawab: Dinas PUPR."
        );
        assert!(
            t.saran[1]
                .text
                .ends_with("Penanggung jawab belum ditetapkan dalam daftar kata kunci.")
        );
        assert!(t.saran[1].owner.is_none());
        assert_eq!(t.saran[FOCUS_MAX].rule, "lainnya");
        let rest = format!("{} isu lainnya dalam Lampiran", 7 - FOCUS_MAX);
        assert!(t.saran[FOCUS_MAX].text.starts_with(&rest), "{rest}");
        let outside = format!("t{FOCUS_MAX}");
        assert!(t.fakta.iter().all(|p| p.topic.as_deref() != Some(&outside)));
        assert!(t.fakta.iter().any(|p| p.topic.as_deref() == Some("t0")));
    }

    #[test]
    fn names_are_listed_as_people_write_them() {
        assert_eq!(names(&["A"], Lang::Id), "A");
        assert_eq!(names(&["A", "B", "C"], Lang::Id), "A, B dan C");
        assert_eq!(names(&["A", "B"], Lang::En), "A and B");
        let many: Vec<String> = (1..=7).map(|n| n.to_string()).collect();
        assert_eq!(names(&many, Lang::Id), "1, 2, 3, 4, 5 dan 2 lainnya");
    }
}
