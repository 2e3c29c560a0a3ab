//! What every sink shares: the [`Message`] it delivers, the [`Deliver`] side of a built sink,
//! [`SinkError`] (never holding a secret), and the HTTP plumbing of the webhook and Telegram
//! sinks — a client that follows no redirect, capped answers, errors without URLs.

use std::fmt;
use std::time::Duration;

use futures_util::future::BoxFuture;
use url::Url;

use crate::error::error_chain;

pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Whole request (HTTP) or each SMTP step: an alert that cannot go out in this time is better
/// retried later by the engine than left hanging.
pub(super) const TIMEOUT: Duration = Duration::from_secs(30);
/// Enough of an error body to say what went wrong without flooding a log line.
pub(super) const EXCERPT_CHARS: usize = 200;
/// Answers are read up to this size: Telegram's JSON is small, and a broken or hostile endpoint
/// must not fill memory.
pub(super) const MAX_BODY: usize = 64 * 1024;
/// Shown in place of a secret.
pub(super) const HIDDEN: &str = "***";

/// One alert, ready to deliver.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The e-mail subject.
    pub subject: String,
    /// Plain text in Bahasa Indonesia: the Telegram message and the e-mail body.
    pub text: String,
    /// What a webhook posts.
    pub payload: serde_json::Value,
}

/// A daily briefing, ready to deliver: an e-mail carries `html` as its body, `text` as the
/// plain alternative and `attachments`; Telegram sends `summary` and then `html` as a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Parcel {
    /// The e-mail subject ("Telaahan harian Pantau — Senin, 7 Desember 2026").
    pub subject: String,
    /// A few lines: the date, the totals and the top issues (the Telegram message).
    pub summary: String,
    /// The whole briefing as plain text (its Markdown): the e-mail's text alternative.
    pub text: String,
    /// The briefing's HTML file, self-contained.
    pub html: Attachment,
    /// Attached to an e-mail (the Markdown and the JSON).
    pub attachments: Vec<Attachment>,
}

/// A file carried by a [`Parcel`].
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub filename: String,
    /// With its charset where it is text ("text/markdown; charset=utf-8").
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A sink ready to send: its client, its connection settings.
pub trait Deliver: Send + Sync + 'static {
    /// Where it delivers, for people and logs, without a secret ("Telegram https://api.telegram.org").
    fn target(&self) -> String;

    /// Delivers `msg` once; retrying is the caller's decision.
    fn send<'a>(&'a self, msg: &'a Message) -> BoxFuture<'a, Result<(), SinkError>>;

    /// Who gets a briefing sent through it, one delivery each (an e-mail sink's addresses,
    /// a Telegram sink's chat); none for a sink that does not carry briefings.
    fn briefing_recipients(&self) -> Vec<String> {
        Vec::new()
    }

    /// Delivers a briefing to one of [`Deliver::briefing_recipients`] once.
    fn send_briefing<'a>(
        &'a self,
        parcel: &'a Parcel,
        recipient: &'a str,
    ) -> BoxFuture<'a, Result<(), SinkError>> {
        let _ = (parcel, recipient);
        Box::pin(async move {
            Err(SinkError::Setup(format!(
                "{} tidak dapat mengirim telaahan",
                self.target()
            )))
        })
    }
}

impl fmt::Debug for dyn Deliver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.target())
    }
}

/// A delivery that failed, in words a person can act on; never holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// The endpoint answered, but not with 2xx.
    #[error("{target} menjawab HTTP {status}: {excerpt}")]
    Status {
        target: String,
        status: u16,
        /// The start of the answer's body, on one line.
        excerpt: String,
    },
    /// Telegram answered `"ok": false`.
    #[error("Telegram menolak pesan (HTTP {status}): {description}")]
    Telegram { status: u16, description: String },
    /// No answer: refused, unreachable, timed out.
    #[error("{target} tidak dapat dihubungi: {detail}")]
    Connection { target: String, detail: String },
    /// An answer that cannot be read or understood.
    #[error("jawaban {target} tidak dapat dibaca: {detail}")]
    Response { target: String, detail: String },
    /// The SMTP server refused, or the conversation with it failed (lettre's message).
    #[error("e-mail tidak terkirim lewat {server}: {detail}")]
    Smtp { server: String, detail: String },
    #[error("alamat e-mail \"{address}\" tidak valid: {detail}")]
    Address { address: String, detail: String },
    /// The sink could not be built (HTTP client, TLS setup, incomplete settings).
    #[error("tujuan peringatan tidak dapat disiapkan: {0}")]
    Setup(String),
}

impl SinkError {
    /// A refusal that trying again will not change: a chat or address that does not exist,
    /// a request the endpoint will never accept, a sink that cannot be built. Rate limits
    /// (429) and timeouts (408) pass, so they are not.
    pub fn is_permanent(&self) -> bool {
        let client_error =
            |status: u16| (400..500).contains(&status) && ![408, 429].contains(&status);
        match self {
            SinkError::Status { status, .. } | SinkError::Telegram { status, .. } => {
                client_error(*status)
            }
            SinkError::Address { .. } | SinkError::Setup(_) => true,
            SinkError::Connection { .. } | SinkError::Response { .. } | SinkError::Smtp { .. } => {
                false
            }
        }
    }
}

/// A client like the pollers' (`sources::http`), but without redirects: a POST that is
/// redirected would arrive as a GET, or not at all, and the alert would look delivered.
pub(super) fn http_client(user_agent: &str) -> Result<reqwest::Client, SinkError> {
    reqwest::Client::builder()
        .user_agent(user_agent)
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| SinkError::Setup(format!("klien HTTP: {}", error_chain(&e))))
}

/// A request that got no answer. reqwest's message names the URL, which for Telegram holds the
/// bot token: it is dropped, and `target` says where the request went.
pub(super) fn request_error(target: String, e: reqwest::Error) -> SinkError {
    let e = e.without_url();
    let what = if e.is_timeout() {
        "waktu habis"
    } else if e.is_connect() {
        "koneksi gagal"
    } else {
        "permintaan gagal"
    };
    SinkError::Connection {
        target,
        detail: format!("{what}: {}", error_chain(&e)),
    }
}

/// The body, up to [`MAX_BODY`] bytes.
pub(super) async fn read_capped(
    mut response: reqwest::Response,
) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = MAX_BODY - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= MAX_BODY {
            break;
        }
    }
    Ok(body)
}

/// The start of a body on one line, for an error message. Cut at a character, not a word as
/// [`crate::format::excerpt`] cuts prose: a server's answer may be one long token worth seeing.
pub(super) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        return "(jawaban kosong)".into();
    }
    match line.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// Scheme, host and port only: enough to tell sinks apart, no secret from the path or query.
pub(super) fn shown_url(url: &Url) -> String {
    url.origin().ascii_serialization()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_one_short_line() {
        assert_eq!(excerpt(b"  internal\n\n error  "), "internal error");
        assert_eq!(excerpt(b""), "(jawaban kosong)");
        let long = excerpt("ü".repeat(500).as_bytes());
        assert_eq!(long.chars().count(), EXCERPT_CHARS + 1);
        assert!(long.ends_with('…'));
    }
}
