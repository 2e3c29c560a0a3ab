//! The YouTube Data API v3 as this source uses it: the request addresses (`search`, `channels`,
//! `playlistItems`, `commentThreads`, the key as `key=`), the list responses (`kind`, `items`,
//! `nextPageToken`) and their items, and the error envelope
//! (`{"error": {"code", "message", "errors": [{"reason", "domain"}], "details": [{"reason"}]}}`)
//! read into a [`Refusal`] this source can act on.
//!
//! The key travels in the URL, so it must never be shown: requests are logged without it, and
//! every error leaving this source goes through [`SourceError::redacted`] (the HTTP client's
//! own errors name the URL they failed on).

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::state::Found;
use crate::model::{Post, Reach, SourceId};
use crate::sources::context::PollCtx;
use crate::sources::error::SourceError;
use crate::sources::http::{ApiResponse, retry_after};
use crate::sources::secret::SecretName;
use crate::sources::text::{MAX_TEXT_CHARS, html_to_text, truncate_chars};

const JSON: &str = "application/json";

/// What to do about a wrong or missing key: make one, and where to write it.
pub fn key_advice(secret: &SecretName) -> String {
    format!(
        "buat kunci API di Google Cloud Console (APIs & Services → Credentials → Create \
         credentials → API key) pada proyek yang mengaktifkan YouTube Data API v3, atau salin \
         kunci yang masih berlaku dari sana; simpan di [secrets] {} pada config/local.toml atau \
         di variabel {}, lalu mulai ulang Pantau",
        secret.as_str(),
        secret.variable()
    )
}

/// What to do when the key's project does not have the API turned on.
const ENABLE_ADVICE: &str = "buka Google Cloud Console → APIs & Services → Library, cari \
    \"YouTube Data API v3\" dan klik Enable pada proyek pemilik kunci ini; sumber mencoba lagi \
    paling cepat sejam kemudian, atau mulai ulang Pantau agar segera dicoba";

/// What to do about a used-up daily quota.
const QUOTA_ADVICE: &str = "kuota itu milik proyek Google Cloud, mungkin dipakai aplikasi lain \
    juga; bila sering habis, kecilkan daily_quota atau videos_per_poll, perpanjang \
    discover_every, atau ajukan tambahan kuota di Google Cloud Console";

/// `{base}/{method}`, keeping a path prefix of `base` (`/youtube/v3`, a test server's).
pub fn endpoint(base: &Url, method: &str) -> Url {
    let mut url = base.clone();
    url.set_path(&format!("{}/{method}", base.path().trim_end_matches('/')));
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// GETs `url` with the key added, and returns the answer whatever its status. Only the URL
/// without the key is logged.
pub async fn get(cx: &PollCtx, url: &Url, key: &str) -> Result<ApiResponse, SourceError> {
    tracing::debug!(source = %cx.source, %url, "YouTube Data API");
    let mut keyed = url.clone();
    keyed.query_pairs_mut().append_pair("key", key);
    cx.fetcher
        .get_api_answer(&keyed, JSON, Default::default())
        .await
}

/// A list response: its items, raw (one malformed item is skipped, not the page), and the
/// next page's token.
#[derive(Debug, Default)]
pub struct Page {
    pub items: Vec<Value>,
    pub next: Option<String>,
}

/// How an answer reads: a page, or a refusal.
#[derive(Debug)]
pub enum Answer {
    Page(Page),
    Refused(Refusal),
}

#[derive(Deserialize)]
struct List {
    kind: String,
    #[serde(default)]
    items: Vec<Value>,
    #[serde(rename = "nextPageToken", default)]
    next_page_token: Option<String>,
}

/// Reads `response` as a list of `kind` (`youtube#searchListResponse`, …); `what` names the
/// call in errors. A 2xx body of another shape is a parse error: the whole poll fails and its
/// cursor stays.
pub fn read(response: &ApiResponse, kind: &str, what: &str) -> Result<Answer, SourceError> {
    if !(200..300).contains(&response.status) {
        return Ok(Answer::Refused(Refusal::read(response)));
    }
    let list: List = response.json(what)?;
    if list.kind != kind {
        return Err(SourceError::Parse(format!(
            "jawaban {what} bukan {kind} (kind \"{}\")",
            list.kind.chars().take(60).collect::<String>()
        )));
    }
    Ok(Answer::Page(Page {
        items: list.items,
        next: list.next_page_token.filter(|t| !t.is_empty()),
    }))
}

/// Why the API said no, as far as this source acts on it.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// `quotaExceeded`: nothing more until midnight Pacific.
    Quota,
    /// `commentsDisabled`: this video's comments are off.
    CommentsDisabled,
    /// 404 (`videoNotFound`, `playlistNotFound`, …): the thing is gone.
    NotFound(String),
    /// The key is wrong, restricted or refused (`keyInvalid`, `API_KEY_INVALID`, `forbidden`).
    Key(String),
    /// The key's project does not have the API on (`accessNotConfigured`, `SERVICE_DISABLED`).
    NotEnabled(String),
    /// Anything else (`rateLimitExceeded`, `badRequest`, 5xx).
    Other {
        status: u16,
        reasons: String,
        message: String,
        retry_after: Option<std::time::Duration>,
    },
}

#[derive(Deserialize, Default)]
struct Envelope {
    #[serde(default)]
    error: ErrorBody,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    errors: Vec<Reason>,
    #[serde(default)]
    details: Vec<Reason>,
}

#[derive(Deserialize, Default)]
struct Reason {
    #[serde(default)]
    reason: Option<String>,
}

impl Refusal {
    /// The refusal an error answer states; a body that is not the envelope is judged by its
    /// status alone.
    fn read(response: &ApiResponse) -> Refusal {
        let body: Envelope = serde_json::from_slice(&response.body).unwrap_or_default();
        let reasons: Vec<&str> = body
            .error
            .errors
            .iter()
            .chain(&body.error.details)
            .filter_map(|r| r.reason.as_deref())
            .collect();
        let has = |name: &str| reasons.contains(&name);
        let message = tidy_message(body.error.message.as_deref().unwrap_or(""));
        let status = response.status;
        if has("quotaExceeded") {
            Refusal::Quota
        } else if has("commentsDisabled") {
            Refusal::CommentsDisabled
        } else if has("keyInvalid")
            || reasons.iter().any(|r| r.starts_with("API_KEY_"))
            || status == 401
            || (status == 403 && has("forbidden"))
        {
            Refusal::Key(message)
        } else if has("accessNotConfigured") || has("SERVICE_DISABLED") {
            Refusal::NotEnabled(message)
        } else if status == 404 {
            Refusal::NotFound(reasons.first().copied().unwrap_or("notFound").to_string())
        } else {
            Refusal::Other {
                status,
                reasons: reasons.join(", "),
                message,
                retry_after: retry_after(&response.headers),
            }
        }
    }

    /// The refusal as this poll's error; `what` names the call, `secret` the key's entry. A
    /// refused key is `auth`, so it is retried no sooner than an hour, like every kind's.
    pub fn into_error(self, what: &str, secret: &SecretName) -> SourceError {
        let name = secret.as_str();
        match self {
            Refusal::Quota => quota_error(Timestamp::now()),
            Refusal::Key(message) => SourceError::Auth(format!(
                "YouTube menolak kunci API ([secrets] {name}): {message}; {}",
                key_advice(secret)
            )),
            Refusal::NotEnabled(message) => SourceError::Auth(format!(
                "YouTube Data API v3 belum diaktifkan untuk proyek kunci API ([secrets] {name}): \
                 {message}; {ENABLE_ADVICE}"
            )),
            Refusal::CommentsDisabled => other(403, "commentsDisabled", "", None, what),
            Refusal::NotFound(reason) => other(404, &reason, "", None, what),
            Refusal::Other {
                status,
                reasons,
                message,
                retry_after,
            } => other(status, &reasons, &message, retry_after, what),
        }
    }
}

/// `quotaExceeded`, waiting until the next midnight Pacific (and a minute, for Google's clocks).
pub fn quota_error(now: Timestamp) -> SourceError {
    let reset = super::quota::next_reset(now);
    let wait = std::time::Duration::try_from(reset.duration_since(now))
        .unwrap_or_default()
        .saturating_add(std::time::Duration::from_secs(60));
    SourceError::Quota {
        what: format!(
            "kuota harian YouTube Data API habis (quotaExceeded); sumber menunggu sampai tengah \
             malam waktu Pasifik — {QUOTA_ADVICE}"
        ),
        wait: Some(wait),
    }
}

/// Any other refusal: the API's status, reasons and message, classed by the status as a plain
/// HTTP failure is.
fn other(
    status: u16,
    reasons: &str,
    message: &str,
    retry_after: Option<std::time::Duration>,
    what: &str,
) -> SourceError {
    let mut detail = what.to_string();
    if !reasons.is_empty() {
        detail.push_str(&format!(" ({reasons})"));
    }
    if !message.is_empty() {
        detail.push_str(&format!(": {message}"));
    }
    SourceError::Api {
        status,
        detail,
        retry_after,
    }
}

/// A server message as one short line of text (Google's quota message holds a link).
fn tidy_message(message: &str) -> String {
    let text = html_to_text(message).replace('\n', " ");
    truncate_chars(text.trim().to_string(), 200)
}

/// A search result (`items[].id.videoId`, `snippet.title` HTML-escaped, `snippet.publishedAt`).
pub fn search_result(item: Value) -> Result<Option<Found>, String> {
    #[derive(Deserialize)]
    struct Item {
        id: Id,
        snippet: Snippet,
    }
    #[derive(Deserialize)]
    struct Id {
        #[serde(rename = "videoId")]
        video_id: Option<String>,
    }
    #[derive(Deserialize)]
    struct Snippet {
        title: String,
        #[serde(rename = "publishedAt")]
        published_at: Timestamp,
    }
    let item: Item = serde_json::from_value(item).map_err(|e| e.to_string())?;
    Ok(item.id.video_id.filter(|v| !v.is_empty()).map(|id| Found {
        id,
        title: html_to_text(&item.snippet.title),
        published: item.snippet.published_at,
    }))
}

/// An uploads playlist item (`contentDetails.videoId`, `contentDetails.videoPublishedAt`,
/// `snippet.title`); a private or deleted video has no `videoPublishedAt` and is left out.
pub fn playlist_item(item: Value) -> Result<Option<Found>, String> {
    #[derive(Deserialize)]
    struct Item {
        snippet: Snippet,
        #[serde(rename = "contentDetails")]
        content_details: Details,
    }
    #[derive(Deserialize)]
    struct Snippet {
        title: String,
    }
    #[derive(Deserialize)]
    struct Details {
        #[serde(rename = "videoId")]
        video_id: String,
        #[serde(rename = "videoPublishedAt")]
        video_published_at: Option<Timestamp>,
    }
    let item: Item = serde_json::from_value(item).map_err(|e| e.to_string())?;
    let details = item.content_details;
    Ok(details.video_published_at.map(|published| Found {
        id: details.video_id,
        title: item.snippet.title,
        published,
    }))
}

/// A channel's uploads playlist (`id`, `contentDetails.relatedPlaylists.uploads`).
pub fn uploads_of(item: Value) -> Result<(String, String), String> {
    #[derive(Deserialize)]
    struct Item {
        id: String,
        #[serde(rename = "contentDetails")]
        content_details: Details,
    }
    #[derive(Deserialize)]
    struct Details {
        #[serde(rename = "relatedPlaylists")]
        related_playlists: Related,
    }
    #[derive(Deserialize)]
    struct Related {
        uploads: String,
    }
    let item: Item = serde_json::from_value(item).map_err(|e| e.to_string())?;
    Ok((item.id, item.content_details.related_playlists.uploads))
}

/// A comment thread's top-level comment, with the thread's reply count.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub id: String,
    pub author: Option<String>,
    pub text: String,
    pub likes: Option<u64>,
    pub replies: Option<u64>,
    pub published: Timestamp,
}

/// Reads a `youtube#commentThread` (`snippet.topLevelComment.snippet.{authorDisplayName,
/// textOriginal, textDisplay, likeCount, publishedAt}`, `snippet.totalReplyCount`).
pub fn comment_thread(item: Value) -> Result<Comment, String> {
    #[derive(Deserialize)]
    struct Thread {
        snippet: ThreadSnippet,
    }
    #[derive(Deserialize)]
    struct ThreadSnippet {
        #[serde(rename = "topLevelComment")]
        top_level_comment: TopLevel,
        #[serde(rename = "totalReplyCount", default)]
        total_reply_count: Option<u64>,
    }
    #[derive(Deserialize)]
    struct TopLevel {
        id: String,
        snippet: CommentSnippet,
    }
    #[derive(Deserialize)]
    struct CommentSnippet {
        #[serde(rename = "authorDisplayName", default)]
        author_display_name: Option<String>,
        #[serde(rename = "textOriginal", default)]
        text_original: Option<String>,
        #[serde(rename = "textDisplay", default)]
        text_display: Option<String>,
        #[serde(rename = "likeCount", default)]
        like_count: Option<u64>,
        #[serde(rename = "publishedAt")]
        published_at: Timestamp,
    }
    let thread: Thread = serde_json::from_value(item).map_err(|e| e.to_string())?;
    let top = thread.snippet.top_level_comment;
    let s = top.snippet;
    // textOriginal is what the author wrote; textDisplay (asked for as plain text) stands in
    // when a response leaves it out, as it may for a comment not the caller's own.
    let text = match (s.text_original, s.text_display) {
        (Some(t), _) if !t.trim().is_empty() => t,
        (_, Some(d)) => html_to_text(&d),
        _ => String::new(),
    };
    if top.id.is_empty() {
        return Err("komentar tanpa id".into());
    }
    Ok(Comment {
        id: top.id,
        author: s.author_display_name.filter(|a| !a.trim().is_empty()),
        text: truncate_chars(text.trim().to_string(), MAX_TEXT_CHARS),
        likes: s.like_count,
        replies: thread.snippet.total_reply_count,
        published: s.published_at,
    })
}

/// The comment as a post of `source`, under the video `video_id` titled `title`.
pub fn into_post(
    comment: Comment,
    source: &SourceId,
    (video_id, title): (&str, &str),
    fetched: Timestamp,
) -> Post {
    let mut url = Url::parse("https://www.youtube.com/watch").expect("a fixed address parses");
    url.query_pairs_mut()
        .append_pair("v", video_id)
        .append_pair("lc", &comment.id);
    let mut post = Post {
        source: source.clone(),
        external_id: comment.id,
        url: Some(url.to_string()),
        title: (!title.is_empty()).then(|| title.to_string()),
        text: comment.text,
        author: comment.author,
        published: comment.published,
        fetched,
        lang: None,
        platform: None,
        reach: Reach {
            likes: comment.likes,
            comments: comment.replies,
            ..Reach::default()
        },
    };
    post.clamp_published();
    post
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;

    fn answer(status: u16, body: &str) -> ApiResponse {
        ApiResponse {
            status,
            body: body.as_bytes().to_vec(),
            headers: HeaderMap::new(),
            url: Url::parse("https://www.googleapis.com/youtube/v3/search").unwrap(),
        }
    }

    #[test]
    fn refusals_are_told_apart_by_their_reasons() {
        let r = |status, body: &str| Refusal::read(&answer(status, body));
        assert_eq!(
            r(
                403,
                r#"{"error":{"code":403,"message":"The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.","errors":[{"message":"x","domain":"youtube.quota","reason":"quotaExceeded"}]}}"#
            ),
            Refusal::Quota
        );
        assert_eq!(
            r(
                403,
                r#"{"error":{"errors":[{"reason":"commentsDisabled"}]}}"#
            ),
            Refusal::CommentsDisabled
        );
        let legacy = r(
            400,
            r#"{"error":{"errors":[{"domain":"usageLimits","reason":"keyInvalid","message":"Bad Request"}],"code":400,"message":"Bad Request"}}"#,
        );
        assert_eq!(legacy, Refusal::Key("Bad Request".into()));
        let current = r(
            400,
            r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","errors":[{"message":"API key not valid. Please pass a valid API key.","domain":"global","reason":"badRequest"}],"status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}"#,
        );
        assert_eq!(
            current,
            Refusal::Key("API key not valid. Please pass a valid API key.".into())
        );
        assert!(matches!(
            r(403, r#"{"error":{"errors":[{"reason":"forbidden"}]}}"#),
            Refusal::Key(_)
        ));
        assert!(matches!(
            r(
                403,
                r#"{"error":{"errors":[{"reason":"accessNotConfigured"}],"details":[{"reason":"SERVICE_DISABLED"}]}}"#
            ),
            Refusal::NotEnabled(_)
        ));
        assert_eq!(
            r(404, r#"{"error":{"errors":[{"reason":"videoNotFound"}]}}"#),
            Refusal::NotFound("videoNotFound".into())
        );
        // Not the envelope: judged by the status.
        assert!(matches!(
            r(503, "<html>busy</html>"),
            Refusal::Other { status: 503, .. }
        ));
        assert!(matches!(r(403, "{}"), Refusal::Other { status: 403, .. }));
    }

    #[test]
    fn the_quota_message_is_one_line_without_markup() {
        let text =
            tidy_message("exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.");
        assert_eq!(text, "exceeded your quota.");
        let e = quota_error("2026-12-06T07:00:00Z".parse().unwrap());
        assert_eq!(e.class(), "quota");
        assert_eq!(
            e.retry_after(),
            Some(std::time::Duration::from_secs(3600 + 60))
        );
    }

    #[test]
    fn a_key_is_redacted_from_every_error_text() {
        let key = "AIzaSyRAHASIA-kunci_123";
        let e = SourceError::Connect(format!(
            "error sending request for url (https://www.googleapis.com/youtube/v3/search?q=a&key={key})"
        ));
        let shown = e.redacted(key).to_string();
        assert!(!shown.contains(key) && shown.contains("key=***"), "{shown}");
        let e = SourceError::Auth(format!("kunci {key}"));
        assert!(!e.redacted(key).to_string().contains(key));
        let e = SourceError::Api {
            status: 400,
            detail: format!("kunci {key}"),
            retry_after: None,
        };
        assert!(!e.redacted(key).to_string().contains(key));
        let odd = "a b+c/d";
        let e = SourceError::Network("key=a+b%2Bc%2Fd".into());
        assert_eq!(e.redacted(odd).to_string(), "galat jaringan: key=***");
    }
}
