//! The `telegram` sink: the alert's text to a group, channel or chat through a bot
//! (`{api_url}/bot{TOKEN}/sendMessage`), as plain text, cut at Telegram's 4096 characters. The
//! bot token is part of the URL path, so requests report errors without their URL and with the
//! token masked.

use std::borrow::Cow;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use reqwest::header;
use serde::{Deserialize, Deserializer};
use url::Url;

use super::deliver::{
    Attachment, Deliver, HIDDEN, Message, Parcel, SinkError, excerpt, http_client, read_capped, request_error,
    shown_url,
};
use super::sink;
use crate::config::value::{self, Secret};
use crate::error::error_chain;

/// Telegram's Bot API, unless a sink sets `api_url` (a local Bot API server, a test server).
pub const DEFAULT_TELEGRAM_API: &str = "https://api.telegram.org";

/// Telegram refuses a longer message text.
const TELEGRAM_MAX: usize = 4096;

/// `[[alerts.sinks]] kind = "telegram"`.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// From @BotFather: `ANGKA:KODE`.
    #[serde(deserialize_with = "bot_token")]
    pub bot_token: Secret,
    /// A numeric id ("-1001234567890") or a public channel's "@name".
    #[serde(deserialize_with = "chat_id")]
    pub chat_id: String,
    #[serde(default = "default_api", deserialize_with = "value::http_url")]
    pub api_url: Url,
}

/// The bot token is hidden, and the API's address is shown as scheme and host, as every
/// sink's address is.
impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spec")
            .field("bot_token", &self.bot_token)
            .field("chat_id", &self.chat_id)
            .field("api_url", &shown_url(&self.api_url))
            .finish()
    }
}

fn default_api() -> Url {
    value::fixed_url(DEFAULT_TELEGRAM_API)
}

/// The message never repeats the token: error messages end up in logs.
fn bot_token<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    let token = String::deserialize(d)?.trim().to_string();
    if valid_bot_token(&token) {
        Ok(Secret::new(token))
    } else {
        Err(value::rejected(
            "bukan token bot Telegram (bentuknya ANGKA:KODE)",
            "salin token dari @BotFather, misalnya \"123456789:ABCdef-GHI_jkl\"",
        ))
    }
}

fn chat_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let id = String::deserialize(d)?.trim().to_string();
    if valid_chat_id(&id) {
        Ok(id)
    } else {
        Err(value::rejected(
            format!("chat_id \"{id}\" tidak valid"),
            "tulis id angka obrolan (grup dan kanal diawali -100) atau \"@nama_kanal\"",
        ))
    }
}

impl sink::Spec for Spec {
    const KIND: &'static str = "telegram";
    const EXAMPLE: &'static str = "bot_token = \"123456789:ABCdef-GHI_jkl\"  # dari @BotFather\n\
                                   chat_id = \"-1001234567890\"\napi_url = \"https://api.telegram.org\"";

    fn connect(&self, user_agent: &str) -> Result<Box<dyn Deliver>, SinkError> {
        Ok(Box::new(Telegram::new(
            http_client(user_agent)?,
            self.bot_token.expose().to_string(),
            self.chat_id.clone(),
            self.api_url.clone(),
        )?))
    }
}

struct Telegram {
    client: reqwest::Client,
    /// `{api_url}/bot{TOKEN}/sendMessage`: holds the token, so never shown.
    endpoint: Url,
    api_url: Url,
    bot_token: String,
    chat_id: String,
}

/// The part of a Bot API answer that says how it went.
#[derive(Deserialize)]
struct TelegramAnswer {
    ok: bool,
    description: Option<String>,
}

impl Deliver for Telegram {
    fn target(&self) -> String {
        format!("Telegram {}", shown_url(&self.api_url))
    }

    fn send<'a>(&'a self, msg: &'a Message) -> BoxFuture<'a, Result<(), SinkError>> {
        self.deliver(msg).boxed()
    }

    fn briefing_recipients(&self) -> Vec<String> {
        vec![self.chat_id.clone()]
    }

    /// The summary as a message, then the HTML file as a document: the chat shows what
    /// matters at once, and the file opens in any browser.
    fn send_briefing<'a>(
        &'a self,
        parcel: &'a Parcel,
        _recipient: &'a str,
    ) -> BoxFuture<'a, Result<(), SinkError>> {
        async move {
            let summary = Message {
                subject: parcel.subject.clone(),
                text: parcel.summary.clone(),
                payload: serde_json::Value::Null,
            };
            self.deliver(&summary).await?;
            self.send_document(&parcel.html, &parcel.subject).await
        }
        .boxed()
    }
}

impl Telegram {
    fn new(
        client: reqwest::Client,
        bot_token: String,
        chat_id: String,
        api_url: Url,
    ) -> Result<Telegram, SinkError> {
        if !valid_bot_token(&bot_token) {
            return Err(SinkError::Setup(
                "bot_token Telegram tidak berbentuk ANGKA:KODE dari @BotFather".into(),
            ));
        }
        let mut endpoint = api_url.clone();
        endpoint.set_path(&format!(
            "{}/bot{bot_token}/sendMessage",
            api_url.path().trim_end_matches('/')
        ));
        endpoint.set_query(None);
        endpoint.set_fragment(None);
        Ok(Telegram {
            client,
            endpoint,
            api_url,
            bot_token,
            chat_id,
        })
    }

    /// Any text about a request to Telegram, with the bot token masked.
    fn redact(&self, text: &str) -> String {
        text.replace(&self.bot_token, HIDDEN)
    }

    async fn deliver(&self, msg: &Message) -> Result<(), SinkError> {
        // Telegram refuses an empty text; the subject says at least what the alert is about.
        let text = if msg.text.trim().is_empty() {
            &msg.subject
        } else {
            &msg.text
        };
        // No parse_mode: post text is written by strangers, and as plain text Telegram shows
        // it literally instead of failing on (or rendering) stray markup.
        let body = serde_json::json!({
            "chat_id": self.chat_id,
            "text": telegram_text(text),
            "disable_web_page_preview": true,
        });
        self.call(
            self.endpoint.clone(),
            "application/json".into(),
            body.to_string().into_bytes(),
        )
        .await
    }

    /// `sendDocument` as a multipart/form-data upload (`chat_id`, `caption`, `document`).
    async fn send_document(&self, file: &Attachment, caption: &str) -> Result<(), SinkError> {
        let mut endpoint = self.endpoint.clone();
        let path = endpoint.path().replace("/sendMessage", "/sendDocument");
        endpoint.set_path(&path);
        let (boundary, body) = form_data(
            &[("chat_id", &self.chat_id), ("caption", &telegram_caption(caption))],
            file,
        );
        let content_type = format!("multipart/form-data; boundary={boundary}");
        self.call(endpoint, content_type, body).await
    }

    /// One POST to the Bot API and Telegram's verdict on it; errors never show the token.
    async fn call(
        &self,
        endpoint: Url,
        content_type: String,
        body: Vec<u8>,
    ) -> Result<(), SinkError> {
        let response = self
            .client
            .post(endpoint)
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .map_err(|e| self.redacted(request_error(self.target(), e)))?;
        let status = response.status();
        let body = read_capped(response).await.map_err(|e| {
            self.redacted(SinkError::Response {
                target: self.target(),
                detail: error_chain(&e.without_url()),
            })
        })?;
        self.verdict(status, &body)
    }

    /// Success is a 2xx with `"ok": true`; `"ok": false` carries Telegram's reason.
    fn verdict(&self, status: reqwest::StatusCode, body: &[u8]) -> Result<(), SinkError> {
        match serde_json::from_slice::<TelegramAnswer>(body) {
            Ok(answer) if answer.ok && status.is_success() => Ok(()),
            Ok(answer) if !answer.ok => Err(SinkError::Telegram {
                status: status.as_u16(),
                description: self
                    .redact(answer.description.as_deref().unwrap_or("tanpa keterangan")),
            }),
            _ if status.is_success() => Err(SinkError::Response {
                target: self.target(),
                detail: format!("bukan jawaban Bot API: {}", self.redact(&excerpt(body))),
            }),
            _ => Err(SinkError::Status {
                target: self.target(),
                status: status.as_u16(),
                excerpt: self.redact(&excerpt(body)),
            }),
        }
    }

    fn redacted(&self, error: SinkError) -> SinkError {
        match error {
            SinkError::Connection { target, detail } => SinkError::Connection {
                target,
                detail: self.redact(&detail),
            },
            SinkError::Response { target, detail } => SinkError::Response {
                target,
                detail: self.redact(&detail),
            },
            other => other,
        }
    }
}

/// Telegram's limit is 4096 characters, counted in UTF-16 code units as its entity offsets are:
/// the same as characters for Indonesian text, and still under the limit for emoji, which take
/// two. A longer text is cut at a character boundary and ends with "…".
fn telegram_text(text: &str) -> Cow<'_, str> {
    if text.encode_utf16().count() <= TELEGRAM_MAX {
        return Cow::Borrowed(text);
    }
    let mut used = '…'.len_utf16();
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if used + c.len_utf16() > TELEGRAM_MAX {
            break;
        }
        used += c.len_utf16();
        end = i + c.len_utf8();
    }
    Cow::Owned(format!("{}…", &text[..end]))
}

/// Telegram's limit on a document's caption.
const CAPTION_MAX: usize = 1024;

fn telegram_caption(text: &str) -> String {
    text.chars().take(CAPTION_MAX).collect()
}

/// A multipart/form-data body of `fields` and one file field `document` (RFC 7578), and its
/// boundary: one that occurs nowhere in the parts, so no part can end the body early.
fn form_data(fields: &[(&str, &str)], file: &Attachment) -> (String, Vec<u8>) {
    let mut n = 0u32;
    let boundary = loop {
        let candidate = format!("pantau-briefing-{n:08x}");
        let needle = candidate.as_bytes();
        let clashes = file.bytes.windows(needle.len()).any(|w| w == needle)
            || fields.iter().any(|(_, v)| v.contains(&candidate));
        if !clashes {
            break candidate;
        }
        n += 1;
    };
    let mut body = Vec::with_capacity(file.bytes.len() + 512);
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    // The file name is ours (a date and an extension): nothing to quote.
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
            file.filename.replace(['"', '\r', '\n'], "_"),
            file.content_type
        )
        .as_bytes(),
    );
    body.extend_from_slice(&file.bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (boundary, body)
}

/// Digits, a colon, then letters, digits, `-` and `_`, as @BotFather issues them. Also keeps the
/// token from changing the shape of the URL path it is put in.
fn valid_bot_token(token: &str) -> bool {
    token.split_once(':').is_some_and(|(bot, secret)| {
        !bot.is_empty()
            && bot.chars().all(|c| c.is_ascii_digit())
            && !secret.is_empty()
            && secret
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    })
}

/// A numeric chat id (groups and channels are negative) or a public channel's "@name".
fn valid_chat_id(chat_id: &str) -> bool {
    if let Some(name) = chat_id.strip_prefix('@') {
        return !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    }
    let digits = chat_id.strip_prefix('-').unwrap_or(chat_id);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegram_text_is_cut_at_a_character_boundary() {
        assert_eq!(telegram_text("Banjir"), "Banjir");
        let exact = "a".repeat(TELEGRAM_MAX);
        assert_eq!(telegram_text(&exact), exact.as_str());
        let long = "é".repeat(TELEGRAM_MAX + 1);
        let cut = telegram_text(&long);
        assert_eq!(cut.chars().count(), TELEGRAM_MAX);
        assert!(cut.ends_with("é…"));
        // Emoji take two UTF-16 units each: the cut keeps the text within Telegram's count.
        let emoji = "🌊".repeat(TELEGRAM_MAX);
        let cut = telegram_text(&emoji);
        assert!(cut.encode_utf16().count() <= TELEGRAM_MAX);
        assert!(cut.ends_with("🌊…"));
    }

    #[test]
    fn tokens_and_chat_ids_have_their_shapes() {
        assert!(valid_bot_token("123456789:AAE-x_Y9"));
        for bad in [
            "",
            ":abc",
            "123:",
            "abc:def",
            "123:ab/cd",
            "123:ab cd",
            "123",
        ] {
            assert!(!valid_bot_token(bad), "{bad}");
        }
        assert!(
            valid_chat_id("-1001234567890")
                && valid_chat_id("42")
                && valid_chat_id("@humas_kaltim")
        );
        for bad in ["", "-", "@", "humas", "@humas kaltim", "12a"] {
            assert!(!valid_chat_id(bad), "{bad}");
        }
    }
}
