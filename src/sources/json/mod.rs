//! The `json` kind: any JSON API that returns a list of records, mapped to posts by
//! configuration, for the sources nobody wrote a poller for (a local news site's WordPress
//! REST API, a complaints portal, a search API).
//!
//! Keys of a `[[sources]] kind = "json"` table (every `item_*` key is a JSON Pointer, RFC 6901,
//! read inside one record: `"/id"`, `"/attributes/body"`, `"/title/rendered"`; `""` is the
//! record itself):
//! - `url` (required): the API address, queried with GET.
//! - `items`: JSON Pointer to the array of records in the answer; default `""`, the answer
//!   itself is the array.
//! - `item_text`: the post's text (HTML is turned into plain text); required unless
//!   `item_title` is given.
//! - `item_title`, `item_url` (resolved against `url` when relative), `item_author`: optional.
//! - `item_id`: the record's stable id (text or number); without one, the record's link is the
//!   id, and failing that a hash of its text.
//! - `item_time`: when the record was published; without it, the time of the fetch.
//! - `time_format`: how `item_time` is written: `"rfc3339"` (default; a time without an offset
//!   is read as WITA, Asia/Makassar), `"unix"` (seconds), `"unix_ms"` (milliseconds), or a
//!   strptime pattern such as `"%d/%m/%Y %H:%M"` (read as WITA unless it has `%z`/`%Z`).
//! - `platform`: the platform every record counts under (`"tiktok"`, `"facebook"`); without
//!   it, `"json"`. `item_platform`: a pointer to the platform per record, which wins when it
//!   holds a valid name (letters, digits, `-`, `_`, `.`).
//! - `language`: the language every record is written in, as a BCP 47 code (`"id"`), when
//!   the vendor or the office knows it (a collection filtered to Indonesian); `item_lang`: a
//!   pointer to each record's own code, which wins when it holds a valid one. A record with
//!   neither has its language detected (`classify::language`), which costs more than
//!   classifying it.
//! - `item_likes`, `item_shares`, `item_comments`, `item_views`, `item_followers`: pointers to
//!   the record's counts as the platform states them (a number, or digits in a text); the
//!   author's followers for `item_followers`. A count that is absent, negative or not a number
//!   is left unknown; the record is kept.
//!
//! Credentials (a data vendor's key):
//! - `secret`: the name of a `[secrets]` entry (`config/local.toml`, or the variable
//!   `PANTAU__SECRETS__<NAME>`) sent in the header `auth_header` (default `Authorization`) as
//!   `auth_scheme` (default `Bearer`) then a space then the value; `auth_scheme = ""` sends
//!   the bare value (`auth_header = "X-API-Key"`). An entry that is unset fails the source as
//!   `auth` with where to write it; a 401 or 403 answer to a request that carried it is an
//!   `auth` failure too.
//! - `token`: deprecated in favour of `secret`: a token written in the source table itself,
//!   sent the same way.
//!
//! Paging within a poll (one style at most; without one, a single request):
//! - `next_url`: pointer to the next page's address in the answer (relative addresses resolve
//!   against the page read);
//! - `next_link = true`: the address in the `Link: <…>; rel="next"` header;
//! - `page_param`: a page number in this query parameter, from `first_page` (default 1);
//! - `offset_param`: the count of records read so far in this query parameter;
//! - `cursor_param` with `next_cursor`: the text at the pointer `next_cursor` sent back in this
//!   query parameter;
//! - `page_size` with `size_param`: the page size sent with every request; `page_size` also
//!   tells the page and offset styles that a shorter page is the last;
//! - `max_pages`: pages read at most in one poll, 1 to 1000 (default 10).
//!
//! Paging stops at an empty page, when the answer names no next page, at a next address on
//! another origin (the credential would go with it) and at an address or cursor already read
//! ([`paging`]). A page after the first that fails ends the walk and keeps what was read; a
//! failed first page fails the poll.
//!
//! A record whose text (or title) is missing, or whose time is present but does not parse, is
//! skipped with a warning naming the record's index and the key; the rest are kept. An
//! answer that is not JSON, or whose `items` pointer does not lead to an array, fails the
//! poll with a parse error naming the pointer.
//!
//! There is no cursor between polls: a plain list has no "since" to ask for. Every poll reads
//! the pages from the configured address, the cursor stays [`Cursor::Start`], and the store's
//! unique keys (the record's id per source, its text per source, its link) drop what is
//! already stored, while the counts of a record seen again replace the stored ones. A list
//! whose newest records outrun `max_pages` between two polls therefore needs a shorter
//! interval.

pub mod paging;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use reqwest::header::{HeaderMap, HeaderName};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::context::PollCtx;
use super::error::SourceError;
use super::feed::identity::{canonical_url, external_id};
use super::http;
use super::kind;
use super::poller::{Batch, Poll, off_workers};
use super::secret::SecretName;
use super::text::html_to_text;
use crate::config::Invalid;
use crate::config::value::{self, Secret};
use crate::model::{
    Cursor, FUTURE_SLACK, Medium, Platform, Post, Reach, SourceId, stated_language,
};
use paging::{PageSignals, Pager, Paging, Stop};

const ACCEPT: &str = "application/json";

/// Pages one poll reads unless `max_pages` says otherwise: the same reach as the other kinds.
pub const DEFAULT_MAX_PAGES: u16 = 10;

/// A JSON Pointer (RFC 6901), checked when the configuration is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointer(String);

impl Pointer {
    /// `""` or `/segment/…`, where `~` only starts the escapes `~0` and `~1`.
    pub fn parse(text: &str) -> Result<Pointer, String> {
        if !text.is_empty() && !text.starts_with('/') {
            return Err(format!(
                "penunjuk JSON \"{text}\" harus diawali \"/\" (atau kosong untuk seluruhnya)"
            ));
        }
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
                return Err(format!(
                    "penunjuk JSON \"{text}\": \"~\" hanya boleh diikuti 0 atau 1"
                ));
            }
        }
        Ok(Pointer(text.to_string()))
    }

    /// `""`: the whole value.
    pub fn whole() -> Pointer {
        Pointer(String::new())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn get<'v>(&self, value: &'v Value) -> Option<&'v Value> {
        value.pointer(&self.0)
    }
}

/// How `item_time` is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeFormat {
    /// RFC 3339 / ISO 8601; without an offset, WITA.
    Rfc3339,
    /// Unix seconds (a number or digits; fractions allowed).
    Unix,
    /// Unix milliseconds.
    UnixMs,
    /// A strptime pattern; WITA unless it reads an offset or a zone.
    Pattern(String),
}

impl TimeFormat {
    fn parse(text: &str) -> Result<TimeFormat, String> {
        match text {
            "rfc3339" => Ok(TimeFormat::Rfc3339),
            "unix" => Ok(TimeFormat::Unix),
            "unix_ms" => Ok(TimeFormat::UnixMs),
            pattern if pattern.contains('%') => {
                // Formatting a sample finds unknown directives now rather than at every record.
                let sample = jiff::civil::date(2026, 1, 2)
                    .at(3, 4, 5, 0)
                    .to_zoned_datetime(wita())
                    .map_err(|e| e.to_string())?;
                jiff::fmt::strtime::format(pattern, &sample)
                    .map(|_| TimeFormat::Pattern(pattern.to_string()))
                    .map_err(|e| format!("pola waktu \"{pattern}\" tidak valid: {e}"))
            }
            other => Err(format!("format waktu \"{other}\" tidak dikenal")),
        }
    }
}

/// `[[sources]] kind = "json"` (keys in the module documentation). Every `item_*` key says
/// where one part of a post is in a record.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    #[serde(deserialize_with = "value::http_url")]
    pub url: Url,
    /// Where the array of records is in the answer.
    #[serde(default = "Pointer::whole")]
    pub items: Pointer,
    pub item_id: Option<Pointer>,
    pub item_text: Option<Pointer>,
    pub item_title: Option<Pointer>,
    pub item_url: Option<Pointer>,
    pub item_author: Option<Pointer>,
    pub item_time: Option<Pointer>,
    /// How `item_time` is written; `None` reads RFC 3339.
    pub time_format: Option<TimeFormat>,
    /// Deprecated: a token in the table itself; `secret` names one in `[secrets]` instead.
    #[serde(default, deserialize_with = "value::opt_token")]
    pub token: Option<Secret>,
    /// The `[secrets]` entry sent as the credential.
    pub secret: Option<SecretName>,
    /// The header that carries the credential.
    #[serde(default = "default_auth_header", deserialize_with = "header_name")]
    pub auth_header: HeaderName,
    /// Written before the credential, with a space; empty for a bare key.
    #[serde(default = "default_auth_scheme")]
    pub auth_scheme: String,
    /// The platform every record counts under.
    #[serde(default, deserialize_with = "platform")]
    pub platform: Option<Platform>,
    pub item_platform: Option<Pointer>,
    /// The language every record is written in (a primary subtag).
    #[serde(default, deserialize_with = "value::opt_language")]
    pub language: Option<String>,
    pub item_lang: Option<Pointer>,
    pub item_likes: Option<Pointer>,
    pub item_shares: Option<Pointer>,
    pub item_comments: Option<Pointer>,
    pub item_views: Option<Pointer>,
    pub item_followers: Option<Pointer>,
    pub next_url: Option<Pointer>,
    #[serde(default)]
    pub next_link: bool,
    #[serde(default, deserialize_with = "param")]
    pub page_param: Option<String>,
    #[serde(default = "one")]
    pub first_page: u64,
    #[serde(default, deserialize_with = "param")]
    pub offset_param: Option<String>,
    #[serde(default, deserialize_with = "param")]
    pub cursor_param: Option<String>,
    pub next_cursor: Option<Pointer>,
    #[serde(default, deserialize_with = "opt_page_size")]
    pub page_size: Option<u32>,
    #[serde(default, deserialize_with = "param")]
    pub size_param: Option<String>,
    #[serde(
        default = "default_max_pages",
        deserialize_with = "value::uint::<_, _, 1, 1000>"
    )]
    pub max_pages: u16,
}

impl Spec {
    /// A spec reading `url` with no optional key set (paging, credentials, reach): the
    /// defaults a table gets, for tests and tools.
    pub fn plain(url: Url, item_text: Pointer) -> Spec {
        Spec {
            url,
            items: Pointer::whole(),
            item_id: None,
            item_text: Some(item_text),
            item_title: None,
            item_url: None,
            item_author: None,
            item_time: None,
            time_format: None,
            token: None,
            secret: None,
            auth_header: default_auth_header(),
            auth_scheme: default_auth_scheme(),
            platform: None,
            item_platform: None,
            language: None,
            item_lang: None,
            item_likes: None,
            item_shares: None,
            item_comments: None,
            item_views: None,
            item_followers: None,
            next_url: None,
            next_link: false,
            page_param: None,
            first_page: 1,
            offset_param: None,
            cursor_param: None,
            next_cursor: None,
            page_size: None,
            size_param: None,
            max_pages: DEFAULT_MAX_PAGES,
        }
    }

    /// The paging style the keys select (after [`kind::Spec::settle`], at most one).
    pub fn paging(&self) -> Paging {
        if let Some(pointer) = &self.next_url {
            Paging::NextUrl(pointer.clone())
        } else if self.next_link {
            Paging::Link
        } else if let Some(param) = &self.page_param {
            Paging::Page {
                param: param.clone(),
                first: self.first_page,
            }
        } else if let Some(param) = &self.offset_param {
            Paging::Offset {
                param: param.clone(),
            }
        } else if let (Some(param), Some(pointer)) = (&self.cursor_param, &self.next_cursor) {
            Paging::Cursor {
                param: param.clone(),
                pointer: pointer.clone(),
            }
        } else {
            Paging::Single
        }
    }

    /// The paging and credential keys agree with each other.
    fn settle_paging(&self) -> Result<(), Invalid> {
        let styles = [
            ("next_url", self.next_url.is_some()),
            ("next_link", self.next_link),
            ("page_param", self.page_param.is_some()),
            ("offset_param", self.offset_param.is_some()),
            ("cursor_param", self.cursor_param.is_some()),
        ];
        let chosen: Vec<&str> = styles.iter().filter(|s| s.1).map(|s| s.0).collect();
        if chosen.len() > 1 {
            return Err(Invalid::new(
                chosen[1],
                format!(
                    "hanya satu cara berpindah halaman: {}",
                    chosen.join(" dan ")
                ),
                Some(
                    "pilih satu: next_url, next_link, page_param, offset_param atau cursor_param"
                        .into(),
                ),
            ));
        }
        if self.cursor_param.is_some() != self.next_cursor.is_some() {
            return Err(Invalid::new(
                if self.cursor_param.is_some() {
                    "next_cursor"
                } else {
                    "cursor_param"
                },
                "cursor_param dan next_cursor harus diisi bersama",
                Some(
                    "misalnya cursor_param = \"cursor\" dan next_cursor = \"/meta/next_cursor\""
                        .into(),
                ),
            ));
        }
        if self.size_param.is_some() && self.page_size.is_none() {
            return Err(Invalid::new(
                "size_param",
                "size_param diisi tanpa page_size",
                Some("tambahkan page_size, misalnya page_size = 100".into()),
            ));
        }
        if self.token.is_some() && self.secret.is_some() {
            return Err(Invalid::new(
                "token",
                "token dan secret tidak boleh diisi bersama",
                Some("hapus token dan simpan nilainya di [secrets] config/local.toml".into()),
            ));
        }
        Ok(())
    }
}

fn default_auth_header() -> HeaderName {
    reqwest::header::AUTHORIZATION
}

fn default_auth_scheme() -> String {
    "Bearer".into()
}

fn one() -> u64 {
    1
}

fn default_max_pages() -> u16 {
    DEFAULT_MAX_PAGES
}

fn header_name<'de, D: serde::Deserializer<'de>>(d: D) -> Result<HeaderName, D::Error> {
    value::parsed(d, "nama header HTTP, misalnya \"X-API-Key\"", |text| {
        HeaderName::from_bytes(text.as_bytes())
            .map_err(|_| format!("\"{text}\" bukan nama header HTTP"))
    })
}

fn platform<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Platform>, D::Error> {
    value::parsed(
        d,
        "nama platform, misalnya \"tiktok\" atau \"facebook\"",
        |text| {
            Platform::parse(text)
                .map(Some)
                .ok_or_else(|| format!("\"{text}\" bukan nama platform"))
        },
    )
}

/// A query parameter's name: printable, without spaces, `=` or `&`.
fn param<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    value::parsed(d, "nama parameter kueri, misalnya \"page\"", |text| {
        let fits = !text.is_empty()
            && text.len() <= 64
            && text
                .chars()
                .all(|c| c.is_ascii_graphic() && !matches!(c, '=' | '&' | '#'));
        fits.then(|| Some(text.to_string()))
            .ok_or_else(|| format!("\"{text}\" bukan nama parameter kueri"))
    })
}

fn opt_page_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    value::uint::<_, u32, 1, 10_000>(d).map(Some)
}

impl kind::Spec for Spec {
    const KIND: &'static str = "json";
    const MEDIUM: Option<Medium> = None;
    const EXAMPLE: &'static str = "url = \"https://contoh.id/api/laporan\"\nitems = \"/data\"\n\
        item_id = \"/id\"\nitem_text = \"/body\"\nitem_title = \"/title\"\nitem_url = \"/link\"\n\
        item_author = \"/author\"\nitem_time = \"/created_at\"\ntime_format = \"rfc3339\"\n\
        platform = \"tiktok\"\nitem_likes = \"/stats/likes\"\nitem_shares = \"/stats/shares\"\n\
        item_comments = \"/stats/comments\"\nitem_views = \"/stats/views\"\n\
        item_followers = \"/author_stats/followers\"\nnext_url = \"/paging/next\"\nmax_pages = 10\n\
        secret = \"vendor_tiktok\"";

    /// A record needs a text (or a title); a time format needs a time to read.
    fn settle(&mut self) -> Result<(), Invalid> {
        if self.item_text.is_none() && self.item_title.is_none() {
            return Err(Invalid::new(
                "item_text",
                "kunci \"item_text\" (atau \"item_title\") wajib diisi",
                Some("tunjuk teks dalam satu rekaman, misalnya item_text = \"/body\"".into()),
            ));
        }
        if self.time_format.is_some() && self.item_time.is_none() {
            return Err(Invalid::new(
                "time_format",
                "time_format diisi tanpa item_time",
                Some("tambahkan item_time, misalnya item_time = \"/created_at\"".into()),
            ));
        }
        self.settle_paging()
    }

    fn location(&self) -> String {
        self.url.to_string()
    }

    fn poller(&self) -> Box<dyn Poll> {
        Box::new(Poller::new(self.clone()))
    }

    fn needs_secret(&self) -> bool {
        self.secret.is_some() || self.token.is_some()
    }
}

impl<'de> Deserialize<'de> for Pointer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Pointer, D::Error> {
        let raw = String::deserialize(d)?;
        Pointer::parse(raw.trim()).map_err(|why| {
            value::rejected(
                why,
                "tulis penunjuk JSON, misalnya \"/data/0/judul\" (\"\" = seluruh rekaman)",
            )
        })
    }
}

impl<'de> Deserialize<'de> for TimeFormat {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<TimeFormat, D::Error> {
        value::parsed(
            d,
            "\"rfc3339\", \"unix\", \"unix_ms\" atau pola seperti \"%d/%m/%Y %H:%M\"",
            TimeFormat::parse,
        )
    }
}

/// Polls one JSON API.
#[derive(Debug)]
pub struct Poller {
    spec: Spec,
}

impl Poller {
    pub fn new(spec: Spec) -> Self {
        Poller { spec }
    }

    async fn poll_once(&self, cx: &PollCtx) -> Result<Batch, SourceError> {
        let headers = self.credential(cx)?;
        let fetched = Timestamp::now();
        let spec = &self.spec;
        let mut pager = Pager::new(
            &spec.url,
            spec.paging(),
            spec.page_size,
            spec.size_param.as_deref(),
        );
        let mut url = pager.first();
        let mut batch = Batch {
            cursor: Cursor::Start,
            ..Batch::default()
        };
        for page in 1..=spec.max_pages {
            let read = self.read(cx, &url, &headers, fetched).await;
            let (posts, signals, response_headers) = match read {
                Ok(read) => read,
                Err(error) if page == 1 => return Err(error),
                Err(error) => {
                    tracing::warn!(
                        source = %cx.source, page, %error,
                        "halaman berikut gagal dibaca; halaman sebelumnya tetap disimpan"
                    );
                    break;
                }
            };
            batch.items_found += signals.records;
            batch.posts.extend(posts);
            match pager.next(&url, &signals, &response_headers) {
                Ok(next) if page == spec.max_pages => {
                    tracing::info!(
                        source = %cx.source, max_pages = spec.max_pages, next = %next.path(),
                        "batas max_pages tercapai; halaman berikutnya tidak dibaca putaran ini"
                    );
                }
                Ok(next) => url = next,
                Err(stop) => {
                    note_stop(&cx.source, &stop);
                    break;
                }
            }
        }
        Ok(batch)
    }

    /// One page: its posts, what it says about the next, and its headers.
    async fn read(
        &self,
        cx: &PollCtx,
        url: &Url,
        headers: &HeaderMap,
        fetched: Timestamp,
    ) -> Result<(Vec<Post>, PageSignals, HeaderMap), SourceError> {
        let response = cx
            .fetcher
            .get_api_answer(url, ACCEPT, headers.clone())
            .await?;
        if matches!(response.status, 401 | 403) && !headers.is_empty() {
            return Err(SourceError::Auth(format!(
                "HTTP {}: {} ditolak oleh {}",
                response.status,
                self.credential_name(),
                url.host_str().unwrap_or("server")
            )));
        }
        let response = response.success()?;
        let spec = self.spec.clone();
        let source = cx.source.clone();
        let page_url = response.url.clone();
        let body = response.body;
        // Mapping thousands of records (with HTML to text) is CPU work: off the async workers.
        let (posts, signals) = off_workers("pengurai", move || {
            parse_page(&body, &spec, &page_url, &source, fetched)
        })
        .await??;
        Ok((posts, signals, response.headers))
    }

    /// The header that carries the credential, when the source has one.
    fn credential(&self, cx: &PollCtx) -> Result<HeaderMap, SourceError> {
        let secret = match (&self.spec.secret, &self.spec.token) {
            (Some(name), _) => name.lookup(cx)?,
            (None, Some(token)) => token,
            (None, None) => return Ok(HeaderMap::new()),
        };
        let scheme = self.spec.auth_scheme.trim();
        let text = if scheme.is_empty() {
            secret.expose().trim().to_string()
        } else {
            format!("{scheme} {}", secret.expose().trim())
        };
        http::secret_header(self.spec.auth_header.clone(), &text).ok_or_else(|| {
            SourceError::Auth(format!(
                "{} memuat karakter yang tidak boleh ada di header HTTP",
                self.credential_name()
            ))
        })
    }

    /// The credential as a person finds it in the configuration.
    fn credential_name(&self) -> String {
        match &self.spec.secret {
            Some(name) => format!("rahasia \"{}\" ([secrets])", name.as_str()),
            None => "token sumber ini".into(),
        }
    }
}

/// Logs why paging stopped early; the normal end says nothing.
fn note_stop(source: &SourceId, stop: &Stop) {
    match stop {
        Stop::End => {}
        Stop::Foreign(target) => tracing::warn!(
            source = %source, %target,
            "halaman berikut berada di host lain; tidak diikuti agar kredensial tidak terkirim ke sana"
        ),
        Stop::Repeated => tracing::warn!(
            source = %source,
            "server menunjuk halaman yang sudah dibaca; paging berhenti"
        ),
    }
}

impl Poll for Poller {
    fn poll<'a>(
        &'a self,
        cx: &'a PollCtx,
        _cursor: &'a Cursor,
    ) -> BoxFuture<'a, Result<Batch, SourceError>> {
        self.poll_once(cx).boxed()
    }
}

/// One page to posts, with what it says about the next page (its records, and the text at
/// `next_url` or `next_cursor`).
pub fn parse_page(
    body: &[u8],
    spec: &Spec,
    base: &Url,
    source: &SourceId,
    fetched: Timestamp,
) -> Result<(Vec<Post>, PageSignals), SourceError> {
    let root: Value = serde_json::from_slice(body)
        .map_err(|e| SourceError::Parse(format!("jawaban bukan JSON: {e}")))?;
    let pointer = spec.items.as_str();
    let records = match spec.items.get(&root) {
        Some(Value::Array(records)) => records,
        Some(other) => {
            return Err(SourceError::Parse(format!(
                "penunjuk items \"{pointer}\" menunjuk ke {}, bukan larik (array) rekaman",
                kind_name(other)
            )));
        }
        None => {
            return Err(SourceError::Parse(format!(
                "penunjuk items \"{pointer}\" tidak ditemukan dalam jawaban"
            )));
        }
    };
    let posts = records
        .iter()
        .enumerate()
        .filter_map(
            |(index, record)| match to_post(record, spec, base, source, fetched) {
                Ok(post) => Some(post),
                Err(skip) => {
                    tracing::warn!(
                        source = %source, index, field = skip.key, error = %skip.reason,
                        "rekaman JSON dilewati"
                    );
                    None
                }
            },
        )
        .collect();
    let next = spec
        .next_url
        .as_ref()
        .or(spec.next_cursor.as_ref())
        .and_then(|p| scalar(p.get(&root)?));
    let signals = PageSignals {
        records: records.len(),
        next,
    };
    Ok((posts, signals))
}

/// Why a record was skipped: the configuration key whose value was wrong, and how.
#[derive(Debug, PartialEq)]
struct Skip {
    key: &'static str,
    reason: String,
}

fn to_post(
    record: &Value,
    spec: &Spec,
    base: &Url,
    source: &SourceId,
    fetched: Timestamp,
) -> Result<Post, Skip> {
    let read = |p: &Option<Pointer>| p.as_ref().and_then(|p| scalar(p.get(record)?));
    let text = read(&spec.item_text)
        .map(|t| html_to_text(&t))
        .unwrap_or_default();
    let title = read(&spec.item_title)
        .map(|t| html_to_text(&t))
        .filter(|t| !t.is_empty());
    if text.is_empty() && title.is_none() {
        let (key, pointer) = match &spec.item_text {
            Some(p) => ("item_text", p.as_str()),
            None => (
                "item_title",
                spec.item_title.as_ref().map_or("", Pointer::as_str),
            ),
        };
        return Err(Skip {
            key,
            reason: format!("\"{pointer}\" kosong atau tidak ada"),
        });
    }
    let published = match spec.item_time.as_ref() {
        None => fetched,
        Some(pointer) => match pointer.get(record) {
            None | Some(Value::Null) => fetched,
            Some(value) => parse_time(
                value,
                spec.time_format.as_ref().unwrap_or(&TimeFormat::Rfc3339),
            )
            .map_err(|reason| Skip {
                key: "item_time",
                reason: format!("\"{}\": {reason}", pointer.as_str()),
            })?,
        },
    };
    let published = if published > fetched + FUTURE_SLACK {
        fetched
    } else {
        published
    };
    let url = read(&spec.item_url).and_then(|u| canonical_url(&u, Some(base)));
    let author = read(&spec.item_author)
        .map(|a| html_to_text(&a))
        .filter(|a| !a.is_empty());
    let mut post = Post {
        source: source.clone(),
        external_id: String::new(),
        url,
        title,
        text,
        author,
        published,
        fetched,
        lang: None,
        platform: None,
        reach: Default::default(),
    };
    let id = read(&spec.item_id).unwrap_or_default();
    post.external_id = external_id(&id, post.url.as_deref(), || post.text_hash());
    post.platform = read(&spec.item_platform)
        .and_then(|p| Platform::parse(&p))
        .or_else(|| spec.platform.clone());
    post.lang = read(&spec.item_lang)
        .and_then(|l| stated_language(&l))
        .or_else(|| spec.language.clone());
    post.reach = reach(record, spec);
    Ok(post)
}

/// The counts the record states; what it does not state stays unknown (shares: 0).
fn reach(record: &Value, spec: &Spec) -> Reach {
    let count = |p: &Option<Pointer>| p.as_ref().and_then(|p| count(p.get(record)?));
    Reach {
        likes: count(&spec.item_likes),
        shares: count(&spec.item_shares).unwrap_or(0),
        comments: count(&spec.item_comments),
        views: count(&spec.item_views),
        followers: count(&spec.item_followers),
    }
}

/// A count: a whole number, or digits in a text (`"1024"`); negative, fractional, or other
/// text is not one.
fn count(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0 && *f < 1e18)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A text or a number as text; other kinds are not a value for a post's field.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "nilai benar/salah",
        Value::Number(_) => "angka",
        Value::String(_) => "teks",
        Value::Array(_) => "larik",
        Value::Object(_) => "objek",
    }
}

/// Central Indonesian Time, the office's zone: the reading of a time written without an offset.
fn wita() -> TimeZone {
    TimeZone::get("Asia/Makassar").unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(8)))
}

/// A record's time in `format`; the error says what was expected.
pub fn parse_time(value: &Value, format: &TimeFormat) -> Result<Timestamp, String> {
    match format {
        TimeFormat::Rfc3339 => {
            let text = value.as_str().ok_or("bukan teks waktu")?.trim();
            if let Ok(ts) = text.parse::<Timestamp>() {
                return Ok(ts);
            }
            text.parse::<jiff::civil::DateTime>()
                .ok()
                .and_then(|dt| dt.to_zoned_datetime(wita()).ok())
                .map(|z| z.timestamp())
                .ok_or_else(|| format!("\"{}\" bukan waktu RFC 3339", clip(text)))
        }
        TimeFormat::Unix => {
            let seconds = number(value).ok_or("bukan detik Unix")?;
            Timestamp::from_millisecond((seconds * 1000.0).round() as i64)
                .map_err(|_| format!("{seconds} di luar rentang waktu"))
        }
        TimeFormat::UnixMs => {
            let millis = number(value).ok_or("bukan milidetik Unix")?;
            Timestamp::from_millisecond(millis.round() as i64)
                .map_err(|_| format!("{millis} di luar rentang waktu"))
        }
        TimeFormat::Pattern(pattern) => {
            let text = value.as_str().ok_or("bukan teks waktu")?.trim();
            pattern_time(pattern, text)
                .ok_or_else(|| format!("\"{}\" tidak cocok dengan pola \"{pattern}\"", clip(text)))
        }
    }
}

fn pattern_time(pattern: &str, text: &str) -> Option<Timestamp> {
    let parsed = jiff::fmt::strtime::parse(pattern, text).ok()?;
    if parsed.timestamp().is_some() || parsed.offset().is_some() {
        return parsed.to_timestamp().ok();
    }
    if parsed.iana_time_zone().is_some() {
        return parsed.to_zoned_datetime().ok().map(|z| z.timestamp());
    }
    let civil = parsed
        .to_datetime()
        .ok()
        .or_else(|| parsed.to_date().ok().map(|d| d.at(0, 0, 0, 0)))?;
    civil.to_zoned_datetime(wita()).ok().map(|z| z.timestamp())
}

/// A number, or digits in a text (APIs write Unix times both ways).
fn number(value: &Value) -> Option<f64> {
    let n = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    n.is_finite().then_some(n)
}

/// A value quoted in a message, short enough for a log line.
fn clip(text: &str) -> String {
    super::text::truncate_chars(text.to_string(), 40)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn pointers_are_checked() {
        assert!(Pointer::parse("").is_ok());
        assert!(Pointer::parse("/data/0/attributes/body").is_ok());
        assert!(Pointer::parse("/a~1b/c~0d").is_ok());
        assert!(
            Pointer::parse("data/items")
                .unwrap_err()
                .contains("diawali \"/\"")
        );
        assert!(Pointer::parse("/a~2").unwrap_err().contains("~"));
        assert!(Pointer::parse("/a~").is_err());
    }

    #[test]
    fn time_formats() {
        let rfc = TimeFormat::Rfc3339;
        assert_eq!(
            parse_time(&json!("2026-11-27T09:30:00+07:00"), &rfc),
            Ok(at("2026-11-27T02:30:00Z"))
        );
        // No offset: WITA.
        assert_eq!(
            parse_time(&json!("2026-11-27T09:30:00"), &rfc),
            Ok(at("2026-11-27T01:30:00Z"))
        );
        assert!(
            parse_time(&json!("kemarin"), &rfc)
                .unwrap_err()
                .contains("RFC 3339")
        );
        assert_eq!(
            parse_time(&json!(1795770600), &TimeFormat::Unix),
            Ok(at("2026-11-27T09:10:00Z"))
        );
        assert_eq!(
            parse_time(&json!("1795770600.5"), &TimeFormat::Unix),
            Ok(at("2026-11-27T09:10:00.5Z"))
        );
        assert_eq!(
            parse_time(&json!(1795770600000_i64), &TimeFormat::UnixMs),
            Ok(at("2026-11-27T09:10:00Z"))
        );
        assert!(parse_time(&json!(true), &TimeFormat::Unix).is_err());
        let pattern = TimeFormat::parse("%d/%m/%Y %H:%M").unwrap();
        assert_eq!(
            parse_time(&json!("27/11/2026 14:30"), &pattern),
            Ok(at("2026-11-27T06:30:00Z"))
        );
        let with_offset = TimeFormat::parse("%d/%m/%Y %H:%M %z").unwrap();
        assert_eq!(
            parse_time(&json!("27/11/2026 14:30 +0700"), &with_offset),
            Ok(at("2026-11-27T07:30:00Z"))
        );
        let date_only = TimeFormat::parse("%Y%m%d").unwrap();
        assert_eq!(
            parse_time(&json!("20261127"), &date_only),
            Ok(at("2026-11-26T16:00:00Z"))
        );
        assert!(
            parse_time(&json!("31/02/2026 10:00"), &pattern)
                .unwrap_err()
                .contains("tidak cocok dengan pola")
        );
        assert!(TimeFormat::parse("%d/%m %!").is_err());
        assert!(TimeFormat::parse("tanggal").is_err());
    }

    #[test]
    fn records_map_and_fall_back() {
        let spec = Spec {
            items: Pointer::parse("/data").unwrap(),
            item_id: Some(Pointer::parse("/id").unwrap()),
            item_url: Some(Pointer::parse("/links/self").unwrap()),
            item_time: Some(Pointer::parse("/attributes/waktu").unwrap()),
            time_format: Some(TimeFormat::Rfc3339),
            ..Spec::plain(
                Url::parse("https://portal.example/api/laporan").unwrap(),
                Pointer::parse("/attributes/isi").unwrap(),
            )
        };
        let body = json!({"data": [
            {"id": 7, "attributes": {"isi": "<p>Jalan rusak</p>", "waktu": "2026-11-27T08:00:00+08:00"}, "links": {"self": "/laporan/7"}},
            {"attributes": {"isi": "Tanpa id", "waktu": null}, "links": {"self": "/laporan/8"}},
            {"attributes": {"isi": "Tanpa id dan tautan"}},
            {"id": 9, "attributes": {"isi": ""}},
            {"id": 10, "attributes": {"isi": "Waktu rusak", "waktu": "besok"}}
        ]})
        .to_string();
        let now = at("2026-11-27T10:00:00Z");
        let (posts, signals) =
            parse_page(body.as_bytes(), &spec, &spec.url, &"j".into(), now).unwrap();
        assert_eq!(signals.records, 5);
        assert_eq!(posts.len(), 3);
        assert_eq!(posts[0].external_id, "7");
        assert_eq!(posts[0].text, "Jalan rusak");
        assert_eq!(
            posts[0].url.as_deref(),
            Some("https://portal.example/laporan/7")
        );
        assert_eq!(posts[1].external_id, "https://portal.example/laporan/8");
        assert_eq!(posts[1].published, now);
        assert!(
            posts[2].external_id.starts_with("h:"),
            "{}",
            posts[2].external_id
        );

        let record = json!({"id": 10, "attributes": {"isi": "x", "waktu": "besok"}});
        let skip = to_post(&record, &spec, &spec.url, &"j".into(), now).unwrap_err();
        assert_eq!(skip.key, "item_time");
        assert!(skip.reason.contains("/attributes/waktu"), "{}", skip.reason);

        let mut object = spec.clone();
        object.items = Pointer::parse("/data/0").unwrap();
        let error = parse_page(body.as_bytes(), &object, &spec.url, &"j".into(), now).unwrap_err();
        assert_eq!(
            error.to_string(),
            "bukan feed yang valid: penunjuk items \"/data/0\" menunjuk ke objek, bukan larik (array) rekaman"
        );
    }

    #[test]
    fn languages_are_read_per_record_or_for_the_source() {
        let spec = Spec {
            items: Pointer::parse("/data").unwrap(),
            item_lang: Some(Pointer::parse("/lang").unwrap()),
            language: Some("id".into()),
            ..Spec::plain(
                Url::parse("https://vendor.example/api").unwrap(),
                Pointer::parse("/text").unwrap(),
            )
        };
        let body = json!({"data": [
            {"text": "Banjir lagi di Samarinda Ulu", "lang": "en-US"},
            {"text": "Jalan rusak di Tenggarong", "lang": "und"},
            {"text": "Listrik padam di Bontang", "lang": "in"},
            {"text": "Air PDAM keruh"}
        ]})
        .to_string();
        let now = Timestamp::now();
        let (posts, _) = parse_page(body.as_bytes(), &spec, &spec.url, &"j".into(), now).unwrap();
        let langs: Vec<_> = posts.iter().map(|p| p.lang.as_deref()).collect();
        assert_eq!(langs, [Some("en"), Some("id"), Some("id"), Some("id")]);

        let unstated = Spec {
            language: None,
            ..spec
        };
        let (posts, _) =
            parse_page(body.as_bytes(), &unstated, &unstated.url, &"j".into(), now).unwrap();
        let langs: Vec<_> = posts.iter().map(|p| p.lang.as_deref()).collect();
        assert_eq!(langs, [Some("en"), None, Some("id"), None]);
    }
}
