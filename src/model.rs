//! Types that cross pipeline stages: identifiers, the one [`Post`] type every source produces,
//! and what the store keeps of a source between polls ([`Cursor`], [`SourceState`],
//! [`Attempt`], [`SourceInfo`]). All instants are UTC [`Timestamp`]s; only what a user reads is
//! shown in the local time zone, see [`crate::time`].

use std::fmt;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

id_type!(
    /// A configured source (`[[sources]] id`), e.g. `warta-mahakam`.
    SourceId
);
impl SourceId {
    /// Whether `id` may name a source: lower-case ASCII letters, digits, `-` and `_`, at most 64
    /// bytes, not starting with `-`. Config files and imported records follow the same rule, so
    /// an id is safe in a URL, a file name and a log line.
    pub fn is_valid(id: &str) -> bool {
        !id.is_empty()
            && id.len() <= 64
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
            && !id.starts_with('-')
    }
}

id_type!(
    /// A topic (issue) id, by default its keyword file's name, e.g. `banjir`.
    TopicId
);
id_type!(
    /// A gazetteer entry id, e.g. `samarinda`.
    RegionId
);

/// One item from any source, normalised: plain text (HTML already removed), a canonical URL,
/// UTC times. Sources build it; classify tags it; the store keeps it once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Post {
    pub source: SourceId,
    /// The source's own id for the item (RSS guid, Atom id, status id); when the source gives
    /// none, the canonical URL, and failing that a hash of the text (see `sources::feed::identity`).
    pub external_id: String,
    /// Canonical link: tracking parameters (utm_*, fbclid, …) and the fragment removed.
    pub url: Option<String>,
    pub title: Option<String>,
    pub text: String,
    pub author: Option<String>,
    pub published: Timestamp,
    pub fetched: Timestamp,
    /// BCP 47 language tag when the source states one (`id`, `en`, …).
    pub lang: Option<String>,
    /// Where the post was said (`x`, `youtube`, `instagram`, `tiktok`, `news`, …): the poller's
    /// own kind when it leaves this empty (see `sources::Spec::PLATFORM`), so a vendor's JSON
    /// of TikTok posts counts as TikTok, not as "json".
    #[serde(default)]
    pub platform: Option<Platform>,
    /// What the platform says about who saw and answered the post, when it was read.
    #[serde(default)]
    pub reach: Reach,
}

id_type!(
    /// A platform's name as posts carry it: lower-case ASCII (`x`, `youtube`, `tiktok`).
    Platform
);
impl Platform {
    /// The platform named `name` (trimmed, lower-cased); `None` for an empty or odd name (over
    /// 32 bytes, or other than letters, digits, `-`, `_` and `.`), which then counts as the
    /// source's own kind.
    pub fn parse(name: &str) -> Option<Platform> {
        let name = name.trim().to_ascii_lowercase();
        let fits = !name.is_empty()
            && name.len() <= 32
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        fits.then_some(Platform(name))
    }
}

/// How far a post reached, as its platform counts it when the post is read. `None` where the
/// platform says nothing (a news feed), which is not the same as 0. A post seen again (the next
/// poll, a reshare of it) carries newer counts and they replace the stored ones; `shares` only
/// ever grows, because a reshare seen is spread that happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reach {
    pub likes: Option<u64>,
    /// Reshares (reblogs, reposts, quotes, forwards); 0 when the platform says nothing.
    /// Reshares are this post's spread, never posts of their own.
    pub shares: u64,
    /// Comments or replies.
    pub comments: Option<u64>,
    /// Views or impressions.
    pub views: Option<u64>,
    /// The author's followers (subscribers) when the post was read.
    pub followers: Option<u64>,
}

impl Reach {
    /// The engagement the briefing ranks posts by: likes, shares and comments together
    /// (views are not engagement: a platform counts them its own way).
    pub fn engagement(&self) -> u64 {
        self.likes
            .unwrap_or(0)
            .saturating_add(self.shares)
            .saturating_add(self.comments.unwrap_or(0))
    }
}

/// The primary subtag of a BCP 47 language tag, lower case (`pt-BR` → `pt`, `ID` → `id`);
/// `None` for an empty or malformed tag. Feeds, APIs and imported records all state languages
/// this way and are read through this one rule.
pub fn primary_language(tag: &str) -> Option<String> {
    let primary = tag
        .trim()
        .split(['-', '_'])
        .next()?
        .trim()
        .to_ascii_lowercase();
    ((2..=8).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic()))
        .then_some(primary)
}

/// The language a platform or vendor states for a post, as [`primary_language`] reads it,
/// without the codes that name no language (`und` undetermined, `zxx` no linguistic content,
/// `mul` several, `mis` uncoded) or a private one (the reserved `qaa`–`qtz`, which X uses for
/// posts of only media, hashtags or links). The withdrawn ISO 639 code `in` (X, old Java
/// locales) is `id`.
pub fn stated_language(tag: &str) -> Option<String> {
    let lang = primary_language(tag)?;
    if lang == "in" {
        return Some("id".into());
    }
    let private = lang.len() == 3 && lang.starts_with('q') && lang.as_bytes()[1] <= b't';
    (!private && !matches!(lang.as_str(), "und" | "zxx" | "mul" | "mis")).then_some(lang)
}

/// The languages whose posts are counted in trends, the briefing and alerts (`[keywords]
/// languages`, default `["id"]`). A post in another language is stored, shown and searchable,
/// but tagged with no issue; a post whose language is unknown is counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Languages(Vec<String>);

impl Default for Languages {
    fn default() -> Self {
        Languages(vec!["id".into()])
    }
}

impl Languages {
    /// The languages of `tags` (BCP 47 tags; their primary subtags are kept), or `Err` with
    /// the tag that is not one.
    pub fn new<S: AsRef<str>>(tags: &[S]) -> Result<Languages, String> {
        tags.iter()
            .map(|t| primary_language(t.as_ref()).ok_or_else(|| t.as_ref().to_string()))
            .collect::<Result<Vec<_>, _>>()
            .map(Languages)
    }

    /// The primary subtags, as configured.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Whether a post in `lang` counts: unknown languages do, so do those listed.
    pub fn counts(&self, lang: Option<&str>) -> bool {
        match lang.and_then(primary_language) {
            None => true,
            Some(primary) => self.0.contains(&primary),
        }
    }
}

/// How far in the future a post's time may lie before it is taken for a wrong clock (a feed's,
/// or a client app's, as Bluesky's `createdAt`): such a post counts as published when fetched,
/// so it cannot sit in every "since" window of the trends and briefings.
pub const FUTURE_SLACK: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

impl Post {
    /// Brings a published time that lies too far ahead back to the fetch time.
    pub fn clamp_published(&mut self) {
        if self.published > self.fetched + FUTURE_SLACK {
            self.published = self.fetched;
        }
    }

    /// Title and text as one string, the unit that is classified and de-duplicated.
    pub fn full_text(&self) -> String {
        match &self.title {
            Some(t) if !t.is_empty() && !self.text.is_empty() => format!("{t}\n{}", self.text),
            Some(t) if !t.is_empty() => t.clone(),
            _ => self.text.clone(),
        }
    }

    /// A stable hash of the normalised text (case, accents and spacing folded), so that the same
    /// words posted again by the same source are recognised as the same post.
    ///
    /// The hashed text is the full text ([`Post::full_text`]) folded, its words joined by one
    /// space. It is built here in one pass (this runs for every stored post; the general
    /// [`crate::fold::fold`] with its offsets cost a fifth of storing a post).
    pub fn text_hash(&self) -> String {
        let title = self.title.as_deref().unwrap_or("");
        let mut squeezed = String::with_capacity(title.len() + 1 + self.text.len());
        let mut space = false;
        let mut push = |c: char| {
            if c.is_whitespace() {
                space = true;
            } else {
                if space && !squeezed.is_empty() {
                    squeezed.push(' ');
                }
                space = false;
                squeezed.push(c);
            }
        };
        crate::fold::fold_chars(title, &mut push);
        push(' ');
        crate::fold::fold_chars(&self.text, &mut push);
        format!("{:032x}", xxhash_rust::xxh3::xxh3_128(squeezed.as_bytes()))
    }
}

/// What a source's posts are: news reporting or people talking. An issue heard in both is
/// better corroborated, so trends and the briefing weigh them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Medium {
    News,
    Social,
}

/// A configured source as the store records it (a row of the `sources` table).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceInfo {
    pub id: SourceId,
    /// The `kind` of its `[[sources]]` table (`feed`, `mastodon`, …).
    pub kind: String,
    /// The name people see; the id when absent.
    pub name: Option<String>,
    /// Where it is read from (a URL). When it changes, the stored cursor is dropped: a cursor
    /// only means something to the place it came from.
    pub location: String,
    pub region: Option<RegionId>,
}

/// Where a source is in its stream: committed in the same transaction as the posts it led to,
/// so a restart resumes exactly there.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Cursor {
    #[default]
    Start,
    /// HTTP validators for a conditional GET.
    Http {
        etag: Option<String>,
        last_modified: Option<String>,
    },
    /// An opaque resume token (since-id, cursor string) for API sources.
    Token { value: String },
}

impl Cursor {
    /// The state a source keeps as JSON in a token cursor ([`Cursor::from_state`]): the
    /// default for any other cursor, and for a token that does not read as `T` (a cursor of an
    /// older version), with a warning naming `source` and `what` the state is about.
    pub fn state<T: serde::de::DeserializeOwned + Default>(
        &self,
        source: &SourceId,
        what: &str,
    ) -> T {
        match self {
            Cursor::Token { value } => serde_json::from_str(value).unwrap_or_else(|e| {
                tracing::warn!(%source, error = %e, "kursor {what} tidak dikenali; mulai dari awal");
                T::default()
            }),
            _ => T::default(),
        }
    }

    /// A token cursor holding `state` as JSON.
    pub fn from_state(state: &impl Serialize) -> Cursor {
        Cursor::Token {
            value: serde_json::to_string(state).expect("a source's state always serialises"),
        }
    }
}

/// Where a source stood when the process (re)started, read from the store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceState {
    pub cursor: Cursor,
    pub consecutive_failures: u32,
    /// When the last run planned the next attempt (kept across restarts so a Retry-After or a
    /// backoff is honoured after a restart too).
    pub next_attempt: Option<Timestamp>,
    /// New posts found over the last week and since when that count runs, from the fetch log:
    /// the adaptive interval starts from it after a restart.
    pub recent: Option<(u64, Timestamp)>,
}

/// How long the posting rate is measured over.
pub const PACE_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);
/// How a poll ended, for the store's health record and `fetch_log`.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub started: Timestamp,
    pub duration: Duration,
    pub next_attempt: Timestamp,
}

/// Priority an analyst gives a topic; it orders the briefing and decides what may alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Rendah,
    Sedang,
    Tinggi,
    Kritis,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Rendah => "rendah",
            Priority::Sedang => "sedang",
            Priority::Tinggi => "tinggi",
            Priority::Kritis => "kritis",
        }
    }
}

impl std::str::FromStr for Priority {
    type Err = String;

    fn from_str(s: &str) -> Result<Priority, String> {
        match s {
            "rendah" => Ok(Priority::Rendah),
            "sedang" => Ok(Priority::Sedang),
            "tinggi" => Ok(Priority::Tinggi),
            "kritis" => Ok(Priority::Kritis),
            _ => Err(format!("prioritas \"{s}\" tidak dikenal")),
        }
    }
}

impl Priority {
    pub const NAMES: [&'static str; 4] = ["rendah", "sedang", "tinggi", "kritis"];
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(title: Option<&str>, text: &str) -> Post {
        Post {
            source: "s".into(),
            external_id: "1".into(),
            url: None,
            title: title.map(str::to_owned),
            text: text.into(),
            author: None,
            published: Timestamp::UNIX_EPOCH,
            fetched: Timestamp::UNIX_EPOCH,
            lang: None,
            platform: None,
            reach: Reach::default(),
        }
    }

    /// The hash as first defined: stored hashes must keep matching it.
    fn text_hash_as_defined(p: &Post) -> String {
        let folded = crate::fold::fold(&p.full_text());
        let squeezed = folded.text.split_whitespace().collect::<Vec<_>>().join(" ");
        format!("{:032x}", xxhash_rust::xxh3::xxh3_128(squeezed.as_bytes()))
    }

    #[test]
    fn text_hash_is_unchanged_by_the_one_pass_fold() {
        let texts = [
            "",
            " ",
            "Banjir  di\tSempaja\n",
            "  Air naik ",
            "Sempája ﬁnal ＡＢＣ ⑴ ¨x\u{00a0}y\u{3000}z\u{2002}",
            "‘kutip’ “dua” – — ẞ İstanbul ǅ",
            "#BanjirSamarinda @warga https://a.example/x?y=1 jalan2 bannnjiiir",
            "\u{0301}\u{0301} é\u{0301}",
        ];
        for title in [None, Some(""), Some(" Judul  Berita "), Some("¨")] {
            for text in texts {
                let p = post(title, text);
                assert_eq!(
                    p.text_hash(),
                    text_hash_as_defined(&p),
                    "{title:?} {text:?}"
                );
            }
        }
    }

    #[test]
    fn text_hash_ignores_case_accents_and_spacing() {
        let a = post(Some("Banjir  di Sempaja"), "Air   naik.");
        let b = post(Some("BANJIR di Sempája"), "air naik.");
        let c = post(Some("Banjir di Sempaja"), "Air surut.");
        assert_eq!(a.text_hash(), b.text_hash());
        assert_ne!(a.text_hash(), c.text_hash());
    }
    #[test]
    fn stated_languages_without_meaning_are_dropped() {
        assert_eq!(stated_language("id").as_deref(), Some("id"));
        assert_eq!(stated_language("in").as_deref(), Some("id"));
        assert_eq!(stated_language("en-US").as_deref(), Some("en"));
        for none in [
            "und", "zxx", "mul", "mis", "qme", "qht", "qam", "qst", "", "1x",
        ] {
            assert_eq!(stated_language(none), None, "{none}");
        }
    }
}
