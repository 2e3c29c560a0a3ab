//! One pushed record → one [`Post`]: the field names, and the checks every record passes
//! whatever its format. Messages are what the sender reads next to the line number, so each
//! says what was wrong and how it should look.

use jiff::Timestamp;

use crate::error::suggest;
use crate::model::{FUTURE_SLACK, Platform, Post, Reach, SourceId, primary_language};
use crate::sources::feed::identity::{canonical_url, external_id};
use crate::sources::text::{MAX_TEXT_CHARS, truncate_chars};

/// The fields of a post that messages about an unknown field list: the reach fields after
/// them are optional extras, offered when a name is near one.
pub const POST_FIELDS: &[&str] = &[
    "source",
    "text",
    "id",
    "url",
    "title",
    "author",
    "published",
    "lang",
];

/// The fields of a record, as JSON keys and CSV column names: [`POST_FIELDS`], then where the
/// post was said and how far it reached.
pub const FIELDS: &[&str] = &[
    "source",
    "text",
    "id",
    "url",
    "title",
    "author",
    "published",
    "lang",
    "platform",
    "likes",
    "shares",
    "comments",
    "views",
    "followers",
];

/// The fields that hold a platform's count: JSON may give them as numbers.
pub const COUNT_FIELDS: &[&str] = &["likes", "shares", "comments", "views", "followers"];

/// Longest author name kept, in characters.
const MAX_AUTHOR_CHARS: usize = 256;

/// A record's fields as sent, before any check. Empty strings count as absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawRecord {
    pub source: Option<String>,
    pub text: Option<String>,
    pub id: Option<String>,
    pub url: Option<String>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub published: Option<String>,
    pub lang: Option<String>,
    /// Where the post was said (`tiktok`, `facebook`); absent: it counts under its source.
    pub platform: Option<String>,
    pub likes: Option<String>,
    pub shares: Option<String>,
    pub comments: Option<String>,
    pub views: Option<String>,
    pub followers: Option<String>,
}

impl RawRecord {
    /// Sets the field called `name` (one of [`FIELDS`]); false for an unknown name.
    pub fn set(&mut self, name: &str, value: String) -> bool {
        let slot = match name {
            "source" => &mut self.source,
            "text" => &mut self.text,
            "id" => &mut self.id,
            "url" => &mut self.url,
            "title" => &mut self.title,
            "author" => &mut self.author,
            "published" => &mut self.published,
            "lang" => &mut self.lang,
            "platform" => &mut self.platform,
            "likes" => &mut self.likes,
            "shares" => &mut self.shares,
            "comments" => &mut self.comments,
            "views" => &mut self.views,
            "followers" => &mut self.followers,
            _ => return false,
        };
        *slot = Some(value);
        true
    }

    /// Checks the record and builds its post, fetched (and, undated, published) at `now`.
    pub fn into_post(self, now: Timestamp) -> Result<Post, String> {
        let source = source_id(self.source.as_deref())?;
        let text = present(self.text).map(unix_lines).unwrap_or_default();
        let title = present(self.title).map(unix_lines);
        if text.is_empty() && title.is_none() {
            return Err("text dan title kosong; isi setidaknya salah satu".into());
        }
        let url = match present(self.url) {
            None => None,
            Some(raw) => Some(
                canonical_url(&raw, None)
                    .ok_or_else(|| format!("url \"{}\" bukan alamat http(s)", shorten(&raw)))?,
            ),
        };
        let published = match present(self.published) {
            None => now,
            Some(raw) => timestamp(&raw, now)?,
        };
        let lang = match present(self.lang) {
            None => None,
            Some(raw) => Some(primary_language(&raw).ok_or_else(|| {
                format!(
                    "lang \"{}\" bukan kode bahasa; tulis kode seperti id atau en",
                    shorten(&raw)
                )
            })?),
        };
        let platform = match present(self.platform) {
            None => None,
            Some(raw) => Some(Platform::parse(&raw).ok_or_else(|| {
                format!(
                    "platform \"{}\" tidak valid: pakai huruf kecil, angka, -, _ dan . (paling panjang 32), misalnya tiktok",
                    shorten(&raw)
                )
            })?),
        };
        let reach = Reach {
            likes: reach_count("likes", self.likes)?,
            shares: reach_count("shares", self.shares)?.unwrap_or(0),
            comments: reach_count("comments", self.comments)?,
            views: reach_count("views", self.views)?,
            followers: reach_count("followers", self.followers)?,
        };
        let mut post = Post {
            source,
            external_id: String::new(),
            url,
            // Long values are cut, not refused: the post is still worth keeping.
            title: title.map(|t| truncate_chars(t, MAX_TEXT_CHARS)),
            text: truncate_chars(text, MAX_TEXT_CHARS),
            author: present(self.author).map(|a| truncate_chars(a, MAX_AUTHOR_CHARS)),
            published,
            fetched: now,
            lang,
            platform,
            reach,
        };
        post.external_id = external_id(
            self.id.as_deref().unwrap_or(""),
            post.url.as_deref(),
            || post.text_hash(),
        );
        Ok(post)
    }
}

/// The message for a field name that is not one of [`FIELDS`].
pub fn unknown_field(name: &str) -> String {
    match suggest(name, FIELDS) {
        Some(known) => format!("\"{name}\" (mungkin maksud Anda \"{known}\")"),
        None => format!("\"{name}\""),
    }
}

/// The value trimmed, or None when nothing is left.
fn present(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Windows line ends (from a spreadsheet's multi-line cell) as `\n`, like every other text.
fn unix_lines(text: String) -> String {
    if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text
    }
}

/// A platform's count: a whole number, 0 or more, without separators (`1200`, not `1.200`).
fn reach_count(field: &str, raw: Option<String>) -> Result<Option<u64>, String> {
    let Some(raw) = present(raw) else {
        return Ok(None);
    };
    raw.parse::<u64>().map(Some).map_err(|_| {
        format!(
            "{field} \"{}\" bukan bilangan bulat ≥ 0; tulis angka tanpa pemisah ribuan, misalnya 1200",
            shorten(&raw)
        )
    })
}

fn source_id(raw: Option<&str>) -> Result<SourceId, String> {
    let id = raw.map(str::trim).unwrap_or("");
    if id.is_empty() {
        return Err("source wajib diisi: id sumber, misalnya warga-samarinda".into());
    }
    if !SourceId::is_valid(id) {
        return Err(format!(
            "source \"{}\" tidak valid: pakai huruf kecil, angka, - dan _, misalnya \"warga-samarinda\"",
            shorten(id)
        ));
    }
    Ok(SourceId::new(id))
}

fn timestamp(raw: &str, now: Timestamp) -> Result<Timestamp, String> {
    let at: Timestamp = raw.parse().map_err(|_| {
        format!(
            "published \"{}\" bukan waktu RFC 3339, misalnya 2026-11-27T08:00:00+08:00",
            shorten(raw)
        )
    })?;
    if at > now + FUTURE_SLACK {
        return Err(format!(
            "published \"{}\" ada di masa depan; periksa zona waktunya (WITA = +08:00)",
            shorten(raw)
        ));
    }
    Ok(at)
}

/// A value quoted in a message, cut so that one bad record cannot flood the report.
fn shorten(value: &str) -> String {
    truncate_chars(value.to_owned(), 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-27T00:00:00Z".parse().unwrap()
    }

    fn record(fields: &[(&str, &str)]) -> RawRecord {
        let mut r = RawRecord::default();
        for (k, v) in fields {
            assert!(r.set(k, (*v).to_owned()));
        }
        r
    }

    fn error(fields: &[(&str, &str)]) -> String {
        record(fields).into_post(now()).unwrap_err()
    }

    #[test]
    fn a_full_record_becomes_a_post() {
        let p = record(&[
            ("source", "warga-samarinda"),
            ("text", " Banjir <b>lagi</b> di Sempaja "),
            ("id", "42"),
            ("url", "https://warga.example/p/42?utm_source=wa#x"),
            ("title", "Banjir"),
            ("author", "Rina"),
            ("published", "2026-11-26T08:00:00+08:00"),
            ("lang", "id-ID"),
        ])
        .into_post(now())
        .unwrap();
        assert_eq!(p.source.as_str(), "warga-samarinda");
        // HTML stays as text: posts are plain text and the renderers escape.
        assert_eq!(p.text, "Banjir <b>lagi</b> di Sempaja");
        assert_eq!(p.external_id, "42");
        assert_eq!(p.url.as_deref(), Some("https://warga.example/p/42"));
        assert_eq!(p.published.to_string(), "2026-11-26T00:00:00Z");
        assert_eq!(p.fetched, now());
        assert_eq!(p.lang.as_deref(), Some("id"));
    }

    #[test]
    fn identity_falls_back_to_the_url_then_the_text() {
        let by_url = record(&[
            ("source", "a"),
            ("text", "x"),
            ("url", "https://a.example/1"),
        ])
        .into_post(now())
        .unwrap();
        assert_eq!(by_url.external_id, "https://a.example/1");
        let by_text = record(&[("source", "a"), ("title", "Jalan rusak")])
            .into_post(now())
            .unwrap();
        assert!(by_text.external_id.starts_with("h:"), "{by_text:?}");
        assert_eq!(by_text.published, now());
        assert_eq!(by_text.text, "");
    }

    #[test]
    fn each_bad_field_gets_a_precise_message() {
        assert_eq!(
            error(&[("text", "x")]),
            "source wajib diisi: id sumber, misalnya warga-samarinda"
        );
        assert!(
            error(&[("source", "Warga Kita"), ("text", "x")]).starts_with(
                "source \"Warga Kita\" tidak valid: pakai huruf kecil, angka, - dan _"
            )
        );
        assert_eq!(
            error(&[("source", "a"), ("text", "  "), ("title", "")]),
            "text dan title kosong; isi setidaknya salah satu"
        );
        assert_eq!(
            error(&[("source", "a"), ("text", "x"), ("url", "ftp://a.example/x")]),
            "url \"ftp://a.example/x\" bukan alamat http(s)"
        );
        assert_eq!(
            error(&[("source", "a"), ("text", "x"), ("published", "kemarin")]),
            "published \"kemarin\" bukan waktu RFC 3339, misalnya 2026-11-27T08:00:00+08:00"
        );
        // A local time without its offset is ambiguous, so it is refused too.
        assert!(
            error(&[
                ("source", "a"),
                ("text", "x"),
                ("published", "2026-11-26T08:00:00")
            ])
            .contains("bukan waktu RFC 3339")
        );
        assert!(
            error(&[
                ("source", "a"),
                ("text", "x"),
                ("published", "2026-11-28T08:00:00Z")
            ])
            .contains("ada di masa depan")
        );
        assert!(
            error(&[("source", "a"), ("text", "x"), ("lang", "Indonesia")])
                .starts_with("lang \"Indonesia\" bukan kode bahasa")
        );
    }

    #[test]
    fn platform_and_reach_are_read_and_checked() {
        let p = record(&[
            ("source", "vendor-tiktok"),
            ("text", "Banjir lagi di Sempaja"),
            ("platform", " TikTok "),
            ("likes", "1200"),
            ("shares", "35"),
            ("comments", "0"),
            ("followers", "300000"),
        ])
        .into_post(now())
        .unwrap();
        assert_eq!(p.platform.as_ref().map(|p| p.as_str()), Some("tiktok"));
        assert_eq!(
            p.reach,
            Reach {
                likes: Some(1200),
                shares: 35,
                comments: Some(0),
                views: None,
                followers: Some(300_000),
            }
        );
        // Without them the post says nothing of its reach, and counts under its source.
        let bare = record(&[("source", "a"), ("text", "x")])
            .into_post(now())
            .unwrap();
        assert_eq!((bare.platform, bare.reach), (None, Reach::default()));
        assert_eq!(
            error(&[("source", "a"), ("text", "x"), ("likes", "1.200")]),
            "likes \"1.200\" bukan bilangan bulat ≥ 0; tulis angka tanpa pemisah ribuan, misalnya 1200"
        );
        assert!(
            error(&[("source", "a"), ("text", "x"), ("followers", "-5")])
                .starts_with("followers \"-5\" bukan bilangan bulat")
        );
        assert!(
            error(&[("source", "a"), ("text", "x"), ("platform", "Tik Tok")])
                .starts_with("platform \"Tik Tok\" tidak valid")
        );
    }

    #[test]
    fn long_text_is_cut_not_refused() {
        let long = "banjir ".repeat(MAX_TEXT_CHARS);
        let p = record(&[("source", "a"), ("text", &long)])
            .into_post(now())
            .unwrap();
        assert_eq!(p.text.chars().count(), MAX_TEXT_CHARS + 1);
        assert!(p.text.ends_with('…'));
    }

    #[test]
    fn unknown_fields_get_a_suggestion() {
        assert!(!RawRecord::default().set("txt", String::new()));
        assert_eq!(
            unknown_field("txt"),
            "\"txt\" (mungkin maksud Anda \"text\")"
        );
        assert_eq!(unknown_field("zzzzzz"), "\"zzzzzz\"");
    }
}
