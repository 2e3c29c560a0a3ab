//! Salience: how much a post is *about* each topic and region it names, not only whether it
//! names them. A news article names many places and issues in passing (the dateline's city,
//! both ends of a road, a university's city, a "baca juga" link, a flood story's one mention of
//! a landslide); counting each of them inflates the figures a leader reads as fact.
//!
//! Every occurrence gets a weight from where it stands — the title ([`TITLE`]) above the lead
//! (the first [`LEAD_WORDS`] words, [`LEAD`]) above the rest of the body ([`BODY`]) — and is
//! discounted ([`DISCOUNT`]) in a dateline, a "baca juga"/related line, and, for places, at an
//! end of a route, inside an organisation's name or after a comparison. A tag's weight is the
//! sum of its occurrences (a kabupaten/kota also sums the kecamatan and landmarks inside it).
//! A tag is `primary` when it is the subject: named undiscounted in the title (a headline
//! states what the piece is about), or holding at least a share of the strongest tag's weight
//! ([`TOPIC_SHARE`], [`PLACE_SHARE`]) and named undiscounted in the lead or at least [`BODY_ALONE`] in the body;
//! otherwise it is `mentioned`. A topic's words close together (a query's term and its
//! context) are one mention ([`MENTION_GAP`]). Counts use primary tags only.
//! A post without a title whose text has a short first line reads that line as its title, so
//! `pantau classify "Judul\n\nIsi berita"` weighs an article as the pipeline does.

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use serde::Serialize;

use super::document::{Document, Field};

/// An occurrence in the title.
pub const TITLE: f32 = 3.0;
/// An occurrence in the lead.
pub const LEAD: f32 = 2.0;
/// An occurrence further down the body.
pub const BODY: f32 = 1.0;
/// The factor of an occurrence in a dateline, a related-stories line, a route, an
/// organisation's name or a comparison.
pub const DISCOUNT: f32 = 0.25;
/// How many words of the body make its lead.
pub const LEAD_WORDS: usize = 60;
/// A primary topic holds at least this share of the strongest topic's weight: a story is
/// about one or two issues.
pub const TOPIC_SHARE: f32 = 0.5;
/// A primary kabupaten/kota holds at least this share of the strongest one's: a story about
/// power cuts or a shortage across several cities names each of them less often than the
/// first.
pub const PLACE_SHARE: f32 = 0.3;
/// A tag named only further down the body is primary from this weight on (two mentions).
pub const BODY_ALONE: f32 = 2.0;
/// A topic's matched words less than this many bytes apart are one mention: a query such as
/// `solar NEAR/4 (antre OR langka)` matches several words of one phrase.
pub const MENTION_GAP: usize = 40;
/// Longest first line read as a title, in words.
const TITLE_LINE_WORDS: usize = 25;
/// Longest dateline ("SAMARINDA, KOMPAS.com –"), in bytes and words.
const DATELINE_BYTES: usize = 64;
const DATELINE_WORDS: usize = 6;
/// How far into the body, in lines and bytes, a dateline is looked for.
const DATELINE_LINES: usize = 6;
const DATELINE_WITHIN: usize = 600;
/// Longest related-stories line when the text has no line break to end it.
const RELATED_BYTES: usize = 200;

/// Whether a tag is what the post is about, or only named in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Primary,
    Mentioned,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Primary => "primary",
            Role::Mentioned => "mentioned",
        }
    }
}

/// Why a discounted occurrence counts less.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discount {
    Dateline,
    Related,
    Route,
    Organisation,
    Comparison,
}

impl Discount {
    fn text(self) -> &'static str {
        match self {
            Discount::Dateline => "dateline",
            Discount::Related => "tautan \"baca juga\"/berita terkait",
            Discount::Route => "ujung rute atau ruas jalan",
            Discount::Organisation => "nama lembaga",
            Discount::Comparison => "pembanding",
        }
    }
}

/// Why a tag got its role.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// Named undiscounted in the title: a headline states what the piece is about.
    InTitle,
    /// Named undiscounted in the title or lead.
    InHead,
    /// Named at least [`BODY_ALONE`] further down the body.
    Repeated,
    /// Named in the dateline only, and nothing else is the subject.
    Dateline,
    /// The strongest named early (discounted), and nothing else is the subject.
    FirstNamed,
    /// Not named: a parent of a named region, or the source's region.
    Inferred,
    /// A kecamatan or landmark takes its kabupaten/kota's role.
    FollowsArea,
    /// Named only further down the body, less than [`BODY_ALONE`].
    OnlyInBody,
    /// Only where occurrences are discounted.
    OnlyDiscounted(Discount),
    /// Less than a share (the second) of the strongest tag's weight (the first).
    Overshadowed(f32, f32),
    /// The topic's `subject` rule (as written) does not hold.
    NotSubject(String),
}

impl Reason {
    /// The reason as `--explain` shows it.
    pub fn text(&self) -> String {
        match self {
            Reason::InTitle => "disebut di judul".into(),
            Reason::InHead => "disebut di paragraf awal".into(),
            Reason::Repeated => "disebut berulang di badan berita".into(),
            Reason::Dateline => "hanya di dateline, dan tidak ada yang lain yang utama".into(),
            Reason::FirstNamed => {
                "terkuat di judul atau paragraf awal, dan tidak ada yang lain yang utama".into()
            }
            Reason::Inferred => "disimpulkan".into(),
            Reason::FollowsArea => "mengikuti kabupaten/kota-nya".into(),
            Reason::OnlyInBody => "hanya disebut sekali di badan berita".into(),
            Reason::OnlyDiscounted(d) => format!("hanya disebut sebagai {}", d.text()),
            Reason::Overshadowed(top, share) => format!(
                "bobotnya kurang dari {:.0} % bobot terkuat ({})",
                share * 100.0,
                fmt_weight(*top)
            ),
            Reason::NotSubject(rule) => format!("syarat subjek \"{rule}\" tidak terpenuhi"),
        }
    }
}

/// A weight as people read it: `2.25`, `3`.
pub fn fmt_weight(w: f32) -> String {
    let s = format!("{w:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A tag's role, weight and the reason for the role.
#[derive(Debug, Clone, PartialEq)]
pub struct Salience {
    pub role: Role,
    pub weight: f32,
    pub reason: Reason,
}

impl Salience {
    pub fn primary(&self) -> bool {
        self.role == Role::Primary
    }

    /// A tag that is not named but follows from others (parents, the source's region).
    pub(super) fn inferred(role: Role) -> Salience {
        Salience {
            role,
            weight: 0.0,
            reason: Reason::Inferred,
        }
    }
}

/// What a topic may require to be the subject of a post (`subject` in its file): any one of
/// the alternatives holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A term in the title or the lead (not discounted).
    Lead,
    /// A term in the title.
    Title,
    /// At least this many distinct terms.
    Terms(usize),
}

impl Subject {
    /// Parses `lead`, `title` or `N terms` (also `N istilah`).
    pub fn parse(word: &str) -> Option<Subject> {
        let word = word.trim().to_lowercase();
        match word.as_str() {
            "lead" | "paragraf awal" => return Some(Subject::Lead),
            "title" | "judul" => return Some(Subject::Title),
            _ => {}
        }
        let (n, unit) = word.split_once(char::is_whitespace)?;
        let n: usize = n.parse().ok().filter(|&n| n >= 1)?;
        matches!(unit.trim(), "terms" | "term" | "istilah").then_some(Subject::Terms(n))
    }
}

/// Where a word stands in a post: its field and its byte range in that field as given.
pub type Span = (Field, (usize, usize));

/// Where an occurrence stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Title,
    Lead,
    Body,
}

/// One occurrence, weighed.
#[derive(Debug, Clone, Copy)]
struct Weighed {
    weight: f32,
    head: bool,
    /// In the title or lead, discounted or not.
    early: bool,
    title: bool,
    discount: Option<Discount>,
}

/// Where a post's title, lead, dateline and related-stories lines are.
#[derive(Debug, Clone, Default)]
pub(super) struct Layout {
    /// Bytes of the text field that are its title (a short first line, when the post has no
    /// title of its own).
    title_end: usize,
    /// Bytes of the text field before this are the title or the lead.
    lead_end: usize,
    dateline: Option<(usize, usize)>,
    related: Vec<(usize, usize)>,
}

/// The phrases that open a related-stories line.
const RELATED: &[&str] = &[
    "baca juga",
    "baca pula",
    "simak juga",
    "lihat juga",
    "tonton juga",
    "berita terkait",
    "artikel terkait",
    "berita lainnya",
    "baca selengkapnya",
    "read also",
];

fn related_finder() -> &'static AhoCorasick {
    static FINDER: OnceLock<AhoCorasick> = OnceLock::new();
    FINDER.get_or_init(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(RELATED)
            .expect("fixed phrases build")
    })
}

impl Layout {
    pub(super) fn of(doc: &Document<'_>) -> Layout {
        let text = doc.text;
        let title_end = if doc.title.is_none() {
            title_line(text)
        } else {
            0
        };
        let body = &text[title_end..];
        let skip = body.len() - body.trim_start().len();
        let body_start = title_end + skip;
        Layout {
            title_end,
            lead_end: body_start + nth_word_end(&text[body_start..], LEAD_WORDS),
            dateline: first_dateline(&text[body_start..])
                .map(|(s, e)| (s + body_start, e + body_start)),
            related: related_lines(text),
        }
    }

    fn place(&self, field: Field, start: usize) -> Place {
        match field {
            Field::Title => Place::Title,
            Field::Text if start < self.title_end => Place::Title,
            Field::Text if start < self.lead_end => Place::Lead,
            Field::Text => Place::Body,
        }
    }

    /// The discount of the text field's span from where it stands.
    fn zone_discount(&self, field: Field, start: usize) -> Option<Discount> {
        if field != Field::Text {
            return None;
        }
        let inside = |&(s, e): &(usize, usize)| s <= start && start < e;
        if self.dateline.as_ref().is_some_and(inside) {
            Some(Discount::Dateline)
        } else if self.related.iter().any(inside) {
            Some(Discount::Related)
        } else {
            None
        }
    }

    /// Weighs one occurrence at `span` of `field`; `place_name` adds the discounts of place
    /// names (routes, organisations, comparisons).
    fn weigh(
        &self,
        doc: &Document<'_>,
        field: Field,
        span: (usize, usize),
        place_name: bool,
    ) -> Weighed {
        let place = self.place(field, span.0);
        let base = match place {
            Place::Title => TITLE,
            Place::Lead => LEAD,
            Place::Body => BODY,
        };
        let input = match field {
            Field::Title => doc.title.unwrap_or(""),
            Field::Text => doc.text,
        };
        let discount = self
            .zone_discount(field, span.0)
            .or_else(|| place_name.then(|| context_discount(input, span)).flatten());
        Weighed {
            weight: if discount.is_some() {
                base * DISCOUNT
            } else {
                base
            },
            head: discount.is_none() && place != Place::Body,
            early: place != Place::Body,
            title: discount.is_none() && place == Place::Title,
            discount,
        }
    }
}

/// The end of a short first line that reads as a title, or 0.
fn title_line(text: &str) -> usize {
    let Some(nl) = text.find('\n') else {
        return 0;
    };
    let line = text[..nl].trim();
    let words = line.split_whitespace().count();
    let rest = text[nl..].trim();
    if (1..=TITLE_LINE_WORDS).contains(&words) && !rest.is_empty() {
        nl
    } else {
        0
    }
}

/// The byte offset after the `n`th word of `text` (its length when shorter).
fn nth_word_end(text: &str, n: usize) -> usize {
    let mut words = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if in_word {
                words += 1;
                if words == n {
                    return i;
                }
            }
            in_word = false;
        } else {
            in_word = true;
        }
    }
    text.len()
}

/// The first line of the body's first few that opens with a dateline: pages put the title
/// again, a caption or a subscription notice above it.
fn first_dateline(body: &str) -> Option<(usize, usize)> {
    let mut at = 0;
    for line in body.split_inclusive('\n').take(DATELINE_LINES) {
        if at > DATELINE_WITHIN {
            break;
        }
        let skip = line.len() - line.trim_start().len();
        if let Some((s, e)) = dateline(&line[skip..]) {
            return Some((at + skip + s, at + skip + e));
        }
        at += line.len();
    }
    None
}

/// A dateline at the start of a line: a few words ended by a spaced dash ("SAMARINDA –",
/// "Samarinda, IDN Times -", "REPUBLIKA.CO.ID, SAMARINDA --").
fn dateline(body: &str) -> Option<(usize, usize)> {
    let head = &body[..floor_char_boundary(body, DATELINE_BYTES)];
    let dash = [" - ", " – ", " — ", " -- ", " —", " –"]
        .iter()
        .filter_map(|d| head.find(d).map(|i| (i, d.len())))
        .min_by_key(|&(i, _)| i)?;
    let before = &body[..dash.0];
    let words = before.split_whitespace().count();
    ((1..=DATELINE_WORDS).contains(&words)).then_some((0, dash.0 + dash.1))
}

fn floor_char_boundary(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The spans of related-stories lines: from the opening phrase (at the start of a line or
/// after sentence punctuation) to the end of its line.
fn related_lines(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for m in related_finder().find_iter(text) {
        let before = text[..m.start()].trim_end_matches([' ', '\t']);
        let opens = before.is_empty() || before.ends_with(['\n', '.', '!', '?', '|', '"', ')']);
        if !opens {
            continue;
        }
        let rest = &text[m.end()..];
        let end = match rest.find('\n') {
            Some(nl) => m.end() + nl,
            None => m.end() + floor_char_boundary(rest, RELATED_BYTES),
        };
        out.push((m.start(), end));
    }
    out
}

/// Words that, just before a place name, make it part of an organisation's name.
const ORGANISATION: &[&str] = &[
    "polres",
    "polresta",
    "polsek",
    "kapolres",
    "kapolresta",
    "kapolsek",
    "satpolairud",
    "polairud",
    "kodim",
    "dandim",
    "kejari",
    "kajari",
    "kejaksaan",
    "pengadilan",
    "lapas",
    "rutan",
    "unmul",
    "universitas",
    "univ",
    "politeknik",
    "poltek",
    "institut",
    "uin",
    "iain",
    "bank",
    "pt",
    "persiba",
    "persisam",
    "fc",
    "hotel",
];

/// Words that, just before a place name (or before its "di"/"dengan"), make it a comparison.
const COMPARISON: &[&str] = &[
    "seperti",
    "layaknya",
    "dibanding",
    "dibandingkan",
    "ketimbang",
    "daripada",
    "sebagaimana",
    "mirip",
];

/// The discount of a place name from the words around it.
fn context_discount(input: &str, (start, end): (usize, usize)) -> Option<Discount> {
    let mut before = input[..start].split_whitespace().rev();
    if in_organisation(before.clone()) {
        return Some(Discount::Organisation);
    }
    if let Some(p) = before.next() {
        // Where something comes from or goes to ("BBM dari Samarinda", "menuju Berau").
        if word_in(p, &["dari", "menuju"]) {
            return Some(Discount::Route);
        }
        let compared = word_in(p, COMPARISON)
            || (word_in(p, &["di", "dengan", "kota"])
                && before.next().is_some_and(|q| word_in(q, COMPARISON)));
        if compared {
            return Some(Discount::Comparison);
        }
    }
    is_route_end(input, start, end).then_some(Discount::Route)
}

/// Whether the words before a place name (nearest first) end an organisation's name: an
/// organisation word, then only capitalised words up to the place ("Universitas Mulawarman
/// Samarinda", "Bank Kaltimtara Balikpapan").
fn in_organisation<'a>(before: impl Iterator<Item = &'a str>) -> bool {
    for w in before.take(4) {
        if word_in(w, ORGANISATION) {
            return true;
        }
        let capitalised = w.chars().next().is_some_and(char::is_uppercase);
        if !capitalised || w.ends_with([',', '.', ';', ':']) {
            return false;
        }
    }
    false
}

/// Whether `word`, without the punctuation around it, is one of `list` (lower case, ASCII).
fn word_in(word: &str, list: &[&str]) -> bool {
    let w = word.trim_matches(|c: char| !c.is_alphanumeric());
    list.iter().any(|l| l.eq_ignore_ascii_case(w))
}

/// Whether the name at `start..end` is an end of a route or a road's section: joined by a dash
/// or slash to another capitalised name, without spaces ("Kutai Barat–Samarinda") or with
/// them after a road word ("jalan poros Samarinda - Bontang"; a spaced dash alone is also how
/// titles append the site's name).
fn is_route_end(input: &str, start: usize, end: usize) -> bool {
    const JOINS: [char; 4] = ['-', '–', '—', '/'];
    const ROAD: &[&str] = &[
        "jalan",
        "jalur",
        "poros",
        "ruas",
        "rute",
        "trayek",
        "lintas",
        "tol",
        "penerbangan",
        "jembatan",
        "km",
    ];
    let road_before = |at: usize| {
        input[..at]
            .split_whitespace()
            .rev()
            .take(6)
            .any(|w| word_in(w, ROAD))
    };
    let after = &input[end..];
    if let Some(rest) = after.trim_start_matches(' ').strip_prefix(JOINS) {
        let spaced = after.starts_with(' ') || rest.starts_with(' ');
        let next = rest.trim_start_matches(' ');
        if next.chars().next().is_some_and(char::is_uppercase) && (!spaced || road_before(start)) {
            return true;
        }
    }
    let before = &input[..start];
    if let Some(rest) = before.trim_end_matches(' ').strip_suffix(JOINS) {
        let spaced = before.ends_with(' ') || rest.ends_with(' ');
        let prev = rest.trim_end_matches(' ');
        let word = prev.rsplit(char::is_whitespace).next().unwrap_or("");
        return word.chars().next().is_some_and(char::is_uppercase)
            && (!spaced || road_before(prev.len()));
    }
    false
}

/// The occurrences of one tag, weighed and summed.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Sum {
    pub(super) weight: f32,
    head: bool,
    early: bool,
    title: bool,
    dateline: bool,
    /// A discount all its occurrences share, when none is undiscounted.
    only: Option<Discount>,
    undiscounted: bool,
}

impl Sum {
    /// A topic that holds by a field condition alone (`source:`, `lang:`) has no words to
    /// weigh: it counts as named in the lead.
    pub(super) fn neutral() -> Sum {
        Sum {
            weight: LEAD,
            head: true,
            early: true,
            undiscounted: true,
            ..Sum::default()
        }
    }

    fn add(&mut self, w: Weighed) {
        self.weight += w.weight;
        self.head |= w.head;
        self.early |= w.early;
        self.title |= w.title;
        self.dateline |= w.discount == Some(Discount::Dateline);
        match w.discount {
            None => self.undiscounted = true,
            Some(d) if self.only.is_none() => self.only = Some(d),
            Some(_) => {}
        }
    }

    /// Adds another tag's occurrences (a kecamatan's to its kabupaten/kota).
    pub(super) fn merge(&mut self, other: &Sum) {
        self.weight += other.weight;
        self.head |= other.head;
        self.early |= other.early;
        self.title |= other.title;
        self.dateline |= other.dateline;
        self.undiscounted |= other.undiscounted;
        self.only = self.only.or(other.only);
    }
}

impl Layout {
    /// Sums the occurrences at `spans` (field, span) of a topic's terms.
    pub(super) fn sum_topic(&self, doc: &Document<'_>, spans: impl Iterator<Item = Span>) -> Sum {
        let mut sum = Sum::default();
        for (field, span) in spans {
            sum.add(self.weigh(doc, field, span, false));
        }
        sum
    }

    /// Sums the occurrences at `spans` of a place's names.
    pub(super) fn sum_place(&self, doc: &Document<'_>, spans: impl Iterator<Item = Span>) -> Sum {
        let mut sum = Sum::default();
        for (field, span) in spans {
            sum.add(self.weigh(doc, field, span, true));
        }
        sum
    }
}

/// Whether a topic's `subject` alternatives hold for its occurrences (`distinct` terms).
pub(super) fn subject_holds(subject: &[Subject], sum: &Sum, distinct: usize) -> bool {
    subject.is_empty()
        || subject.iter().any(|s| match s {
            Subject::Lead => sum.head,
            Subject::Title => sum.title,
            Subject::Terms(n) => distinct >= *n,
        })
}

/// Decides the role of each candidate from its sum; `eligible[i]` is false for a topic whose
/// subject rule failed (it is `mentioned` whatever its weight, and is not the strongest).
pub(super) fn decide(sums: &[Sum], eligible: &[bool], share: f32) -> Vec<Salience> {
    let top = sums
        .iter()
        .zip(eligible)
        .filter(|&(_, &e)| e)
        .map(|(s, _)| s.weight)
        .fold(0.0f32, f32::max);
    let mut out: Vec<Salience> = sums
        .iter()
        .zip(eligible)
        .map(|(s, &e)| {
            let (role, reason) = if !e {
                (Role::Mentioned, Reason::NotSubject(String::new()))
            } else if s.title {
                (Role::Primary, Reason::InTitle)
            } else if s.weight + f32::EPSILON < share * top {
                (Role::Mentioned, Reason::Overshadowed(top, share))
            } else if s.head {
                (Role::Primary, Reason::InHead)
            } else if s.undiscounted && s.weight + f32::EPSILON >= BODY_ALONE {
                (Role::Primary, Reason::Repeated)
            } else if !s.undiscounted {
                (
                    Role::Mentioned,
                    Reason::OnlyDiscounted(s.only.unwrap_or(Discount::Related)),
                )
            } else {
                (Role::Mentioned, Reason::OnlyInBody)
            };
            Salience {
                role,
                weight: s.weight,
                reason,
            }
        })
        .collect();
    // When nothing is the subject by these rules, the strongest tag named early (if only in
    // the dateline, or as "Polres Bontang") is: a dateline names where the reporter is, which
    // is mostly where the story is, and a story's first place is rarely only a passing one.
    if !out.iter().any(Salience::primary)
        && let Some(i) = (0..sums.len())
            .filter(|&i| eligible[i] && sums[i].early)
            .max_by(|&a, &b| sums[a].weight.total_cmp(&sums[b].weight).then(b.cmp(&a)))
    {
        out[i].role = Role::Primary;
        out[i].reason = if sums[i].dateline && !sums[i].undiscounted {
            Reason::Dateline
        } else {
            Reason::FirstNamed
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(text: &str) -> Layout {
        Layout::of(&Document::text(text))
    }

    #[test]
    fn a_short_first_line_is_the_title_and_a_dateline_is_found() {
        let text = "Banjir rendam Sepaku\n\nSAMARINDA – Banjir merendam ratusan rumah di Sepaku.";
        let l = layout(text);
        assert_eq!(&text[..l.title_end], "Banjir rendam Sepaku");
        let (s, e) = l.dateline.unwrap();
        assert_eq!(&text[s..e], "SAMARINDA – ");
        assert_eq!(layout("Banjir di Samarinda hari ini").title_end, 0);
    }

    #[test]
    fn related_lines_are_found_at_line_starts_only() {
        let text = "Warga mengungsi.\nBaca Juga: Jalan Rusak di Bontang\nBPBD turun. Kami baca juga koran.";
        let l = layout(text);
        assert_eq!(l.related.len(), 1);
        let (s, e) = l.related[0];
        assert_eq!(&text[s..e], "Baca Juga: Jalan Rusak di Bontang");
    }

    #[test]
    fn places_in_routes_organisations_and_comparisons_are_discounted() {
        let at = |text: &str, name: &str| {
            let s = text.find(name).unwrap();
            context_discount(text, (s, s + name.len()))
        };
        let route = "Jalan nasional Kutai Barat–Samarinda rusak";
        assert_eq!(at(route, "Samarinda"), Some(Discount::Route));
        assert_eq!(at(route, "Kutai Barat"), Some(Discount::Route));
        let road = "jalan poros Samarinda - Bontang amblas";
        assert_eq!(at(road, "Samarinda"), Some(Discount::Route));
        assert_eq!(at(road, "Bontang"), Some(Discount::Route));
        assert_eq!(
            at("Banjir Rendam Samarinda - Tribunkaltim", "Samarinda"),
            None
        );
        assert_eq!(
            at("peneliti Universitas Balikpapan menilai", "Balikpapan"),
            Some(Discount::Organisation)
        );
        assert_eq!(
            at(
                "kata peneliti Universitas Mulawarman Samarinda",
                "Samarinda"
            ),
            Some(Discount::Organisation)
        );
        assert_eq!(at("Warga Kota Samarinda mengungsi", "Samarinda"), None);
        assert_eq!(
            at("tidak separah seperti di Samarinda", "Samarinda"),
            Some(Discount::Comparison)
        );
        assert_eq!(at("banjir di Samarinda - warga", "Samarinda"), None);
        assert_eq!(at("banjir di Samarinda kemarin", "Samarinda"), None);
    }

    #[test]
    fn roles_weigh_the_head_repetition_and_the_strongest() {
        let sum = |weight, head, undiscounted| Sum {
            weight,
            head,
            undiscounted,
            ..Sum::default()
        };
        let got = decide(
            &[
                sum(5.0, true, true),
                sum(2.0, false, true),
                sum(1.0, false, true),
                sum(2.0, true, true),
            ],
            &[true; 4],
            0.5,
        );
        let roles: Vec<Role> = got.iter().map(|s| s.role).collect();
        assert_eq!(
            roles,
            [
                Role::Primary,
                Role::Mentioned,
                Role::Mentioned,
                Role::Mentioned
            ]
        );
        let mut title = sum(3.0, true, true);
        title.title = true;
        let got = decide(&[sum(20.0, true, true), title], &[true; 2], 0.5);
        assert_eq!(got[1].reason, Reason::InTitle);
        let got = decide(
            &[sum(3.0, true, true), sum(2.0, false, true)],
            &[true; 2],
            0.5,
        );
        assert_eq!(got[1].reason, Reason::Repeated);
        let mut dateline = sum(0.5, false, false);
        dateline.dateline = true;
        dateline.early = true;
        dateline.only = Some(Discount::Dateline);
        let got = decide(&[dateline, sum(1.0, false, true)], &[true; 2], 0.5);
        assert_eq!(got[0].reason, Reason::Dateline);
        assert_eq!(got[1].role, Role::Mentioned);
    }

    #[test]
    fn subject_rules_parse() {
        assert_eq!(Subject::parse("lead"), Some(Subject::Lead));
        assert_eq!(Subject::parse(" Title "), Some(Subject::Title));
        assert_eq!(Subject::parse("2 terms"), Some(Subject::Terms(2)));
        assert_eq!(Subject::parse("3 istilah"), Some(Subject::Terms(3)));
        assert_eq!(Subject::parse("0 terms"), None);
        assert_eq!(Subject::parse("body"), None);
    }
}
