//! Where alerts are delivered: a webhook (JSON POST), a Telegram chat through a bot, or e-mail
//! over SMTP. A [`Sink`] sends one [`Message`] and says whether it arrived; deciding when to
//! alert, composing the text, recording deliveries and retrying belong to the alert engine.
//!
//! Secrets (a webhook's token, a bot token, an SMTP password) never appear in `Debug` output or
//! in a [`SinkError`]. The bot token is part of Telegram's URL path, so requests to Telegram
//! report errors without their URL and with the token masked; webhook addresses are shown as
//! scheme and host only, because services such as Slack and Discord put their secret in the
//! path.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use reqwest::header;
use serde::Deserialize;
use url::Url;

use crate::config::{ConfigError, Table};
use crate::error::suggest;
use crate::model::SourceId;
use crate::sources::http::error_chain;

/// Sink kinds this version can deliver to.
pub const KINDS: &[&str] = &["webhook", "telegram", "email"];

/// Telegram's Bot API, unless a sink sets `api_url` (a local Bot API server, a test server).
pub const DEFAULT_TELEGRAM_API: &str = "https://api.telegram.org";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Whole request (HTTP) or each SMTP step: an alert that cannot go out in this time is better
/// retried later by the engine than left hanging.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Telegram refuses a longer message text.
const TELEGRAM_MAX: usize = 4096;
/// Enough of an error body to say what went wrong without flooding a log line.
const EXCERPT_CHARS: usize = 200;
/// Answers are read up to this size: Telegram's JSON is small, and a broken or hostile endpoint
/// must not fill memory.
const MAX_BODY: usize = 64 * 1024;
/// Shown in place of a secret.
const HIDDEN: &str = "***";

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

/// One `[[alerts.sinks]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct SinkConfig {
    /// Unique: lower case, digits, `-` and `_` ("tim-humas").
    pub id: String,
    pub spec: SinkSpec,
}

/// Where and how to deliver, per kind.
#[derive(Clone, PartialEq)]
pub enum SinkSpec {
    /// POSTs [`Message::payload`] as JSON; any 2xx answer is success.
    Webhook {
        url: Url,
        /// Sent as `Authorization: Bearer TOKEN`.
        token: Option<String>,
    },
    /// `{api_url}/bot{TOKEN}/sendMessage` with the text as plain text.
    Telegram {
        bot_token: String,
        /// A numeric id ("-1001234567890") or a public channel's "@name".
        chat_id: String,
        api_url: Url,
    },
    /// A plain-text UTF-8 e-mail over SMTP.
    Email {
        host: String,
        port: u16,
        tls: Tls,
        username: Option<String>,
        password: Option<String>,
        /// Checked addresses ("Pantau <pantau@example.id>" or "pantau@example.id").
        from: String,
        to: Vec<String>,
    },
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Tls {
    /// Plain text: only for a relay on the same machine or network.
    None,
    /// Upgraded with STARTTLS, which the server must offer (port 587).
    #[default]
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl Tls {
    fn default_port(self) -> u16 {
        match self {
            Tls::None => 25,
            Tls::StartTls => 587,
            Tls::Tls => 465,
        }
    }
}

impl fmt::Debug for SinkSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SinkSpec::Webhook { url, token } => f
                .debug_struct("Webhook")
                .field("url", &shown_url(url))
                .field("token", &token.as_ref().map(|_| HIDDEN))
                .finish(),
            SinkSpec::Telegram {
                chat_id, api_url, ..
            } => f
                .debug_struct("Telegram")
                .field("bot_token", &HIDDEN)
                .field("chat_id", chat_id)
                .field("api_url", &shown_url(api_url))
                .finish(),
            SinkSpec::Email {
                host,
                port,
                tls,
                username,
                password,
                from,
                to,
            } => f
                .debug_struct("Email")
                .field("host", host)
                .field("port", port)
                .field("tls", tls)
                .field("username", username)
                .field("password", &password.as_ref().map(|_| HIDDEN))
                .field("from", from)
                .field("to", to)
                .finish(),
        }
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

/// A configured destination, ready to send; cheap to share behind an `Arc`.
pub struct Sink {
    id: String,
    transport: Transport,
}

enum Transport {
    Webhook(Webhook),
    Telegram(Telegram),
    Email(Email),
}

impl fmt::Debug for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = match &self.transport {
            Transport::Webhook(w) => w.target(),
            Transport::Telegram(t) => t.target(),
            Transport::Email(e) => format!("SMTP {}", e.server),
        };
        f.debug_struct("Sink")
            .field("id", &self.id)
            .field("kind", &self.kind())
            .field("target", &target)
            .finish()
    }
}

impl Sink {
    /// Builds the client a sink needs; checks e-mail addresses again (a config written by hand
    /// in code skips the file's checks).
    pub fn new(config: SinkConfig, user_agent: &str) -> Result<Sink, SinkError> {
        let transport = match config.spec {
            SinkSpec::Webhook { url, token } => Transport::Webhook(Webhook {
                client: http_client(user_agent)?,
                url,
                token,
            }),
            SinkSpec::Telegram {
                bot_token,
                chat_id,
                api_url,
            } => Transport::Telegram(Telegram::new(
                http_client(user_agent)?,
                bot_token,
                chat_id,
                api_url,
            )?),
            SinkSpec::Email {
                host,
                port,
                tls,
                username,
                password,
                from,
                to,
            } => Transport::Email(Email::new(
                host,
                port,
                tls,
                login(username, password)?,
                &from,
                &to,
            )?),
        };
        Ok(Sink {
            id: config.id,
            transport,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// "webhook", "telegram" or "email".
    pub fn kind(&self) -> &'static str {
        match self.transport {
            Transport::Webhook(_) => "webhook",
            Transport::Telegram(_) => "telegram",
            Transport::Email(_) => "email",
        }
    }

    /// Delivers `msg` once; retrying is the caller's decision.
    pub async fn send(&self, msg: &Message) -> Result<(), SinkError> {
        match &self.transport {
            Transport::Webhook(w) => w.send(&msg.payload).await,
            Transport::Telegram(t) => t.send(msg).await,
            Transport::Email(e) => e.send(msg).await,
        }
    }
}

/// A client like the pollers' (`sources::http`), but without redirects: a POST that is
/// redirected would arrive as a GET, or not at all, and the alert would look delivered.
fn http_client(user_agent: &str) -> Result<reqwest::Client, SinkError> {
    reqwest::Client::builder()
        .user_agent(user_agent)
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| SinkError::Setup(format!("klien HTTP: {}", error_chain(&e))))
}

struct Webhook {
    client: reqwest::Client,
    url: Url,
    token: Option<String>,
}

impl Webhook {
    fn target(&self) -> String {
        format!("webhook {}", shown_url(&self.url))
    }

    async fn send(&self, payload: &serde_json::Value) -> Result<(), SinkError> {
        let mut request = self
            .client
            .post(self.url.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .body(payload.to_string());
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|e| request_error(self.target(), e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body = read_capped(response).await.unwrap_or_default();
        Err(SinkError::Status {
            target: self.target(),
            status: status.as_u16(),
            excerpt: excerpt(&body),
        })
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

    fn target(&self) -> String {
        format!("Telegram {}", shown_url(&self.api_url))
    }

    /// Any text about a request to Telegram, with the bot token masked.
    fn redact(&self, text: &str) -> String {
        text.replace(&self.bot_token, HIDDEN)
    }

    async fn send(&self, msg: &Message) -> Result<(), SinkError> {
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
        let response = self
            .client
            .post(self.endpoint.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
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

struct Email {
    mailer: AsyncSmtpTransport<Tokio1Executor>,
    /// "host:port", for messages.
    server: String,
    from: Mailbox,
    to: Vec<Mailbox>,
}

impl Email {
    fn new(
        host: String,
        port: u16,
        tls: Tls,
        credentials: Option<(String, String)>,
        from: &str,
        to: &[String],
    ) -> Result<Email, SinkError> {
        let from = mailbox(from)?;
        let to = to
            .iter()
            .map(|a| mailbox(a))
            .collect::<Result<Vec<_>, _>>()?;
        if to.is_empty() {
            return Err(SinkError::Setup("e-mail tanpa penerima (to)".into()));
        }
        let server = format!("{host}:{port}");
        let builder = match tls {
            Tls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            Tls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&host)
                .map_err(|e| smtp_error(&server, &e))?,
            Tls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&host)
                .map_err(|e| smtp_error(&server, &e))?,
        };
        let mut builder = builder.port(port).timeout(Some(TIMEOUT));
        if let Some((username, password)) = credentials {
            builder = builder.credentials(Credentials::new(username, password));
        }
        Ok(Email {
            mailer: builder.build(),
            server,
            from,
            to,
        })
    }

    async fn send(&self, msg: &Message) -> Result<(), SinkError> {
        let mut builder = lettre::Message::builder()
            .from(self.from.clone())
            .subject(msg.subject.clone())
            .header(ContentType::TEXT_PLAIN);
        for to in &self.to {
            builder = builder.to(to.clone());
        }
        let email = builder
            .body(msg.text.clone())
            .map_err(|e| SinkError::Smtp {
                server: self.server.clone(),
                detail: format!("pesan tidak dapat disusun: {e}"),
            })?;
        self.mailer
            .send(email)
            .await
            .map_err(|e| smtp_error(&self.server, &e))?;
        Ok(())
    }
}

/// Both halves of a login, or neither: half a login would silently send without one.
fn login(
    username: Option<String>,
    password: Option<String>,
) -> Result<Option<(String, String)>, SinkError> {
    match (username, password) {
        (Some(u), Some(p)) => Ok(Some((u, p))),
        (None, None) => Ok(None),
        _ => Err(SinkError::Setup(
            "username dan password SMTP harus diisi bersama".into(),
        )),
    }
}

fn mailbox(address: &str) -> Result<Mailbox, SinkError> {
    address.trim().parse().map_err(|e| SinkError::Address {
        address: address.to_string(),
        detail: format!("{e}"),
    })
}

/// lettre's message, after a word on what it means when lettre tells: a permanent refusal
/// needs a person, a transient one passes.
fn smtp_error(server: &str, e: &lettre::transport::smtp::Error) -> SinkError {
    let class = if e.is_timeout() {
        "waktu habis: "
    } else if e.is_permanent() {
        "ditolak server: "
    } else if e.is_transient() {
        "ditolak sementara oleh server, coba lagi nanti: "
    } else if e.is_tls() {
        "TLS gagal: "
    } else {
        ""
    };
    SinkError::Smtp {
        server: server.to_string(),
        detail: format!("{class}{}", error_chain(e)),
    }
}

/// A request that got no answer. reqwest's message names the URL, which for Telegram holds the
/// bot token: it is dropped, and `target` says where the request went.
fn request_error(target: String, e: reqwest::Error) -> SinkError {
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
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
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
fn excerpt(body: &[u8]) -> String {
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
fn shown_url(url: &Url) -> String {
    url.origin().ascii_serialization()
}

// ---------------------------------------------------------------------------------------------
// Configuration

impl SinkConfig {
    /// Reads one `[[alerts.sinks]]` table; errors go to `errors`, naming the sink and key.
    pub(crate) fn from_table(t: &mut Table, errors: &mut Vec<ConfigError>) -> Option<SinkConfig> {
        let id = t.required("id", "\"tim-humas\"", errors);
        let id = id.and_then(|id| {
            // The same rule as source ids: it shows up in logs and delivery records.
            if SourceId::is_valid(&id) {
                Some(id)
            } else {
                errors.push(t.invalid(
                    "id",
                    format!("id \"{id}\" tidak valid"),
                    Some("pakai huruf kecil, angka, - dan _, misalnya \"tim-humas\"".into()),
                ));
                None
            }
        });
        let kind = t.required("kind", "\"telegram\"", errors);
        let spec = match kind.as_deref() {
            Some("webhook") => webhook_from_table(t, errors),
            Some("telegram") => telegram_from_table(t, errors),
            Some("email") => email_from_table(t, errors),
            Some(other) => {
                let hint = match suggest(other, KINDS) {
                    Some(k) => format!("mungkin maksud Anda kind = \"{k}\""),
                    None => format!("jenis yang tersedia: {}", KINDS.join(", ")),
                };
                errors.push(t.invalid(
                    "kind",
                    format!("jenis tujuan \"{other}\" tidak dikenal"),
                    Some(hint),
                ));
                return None;
            }
            None => return None,
        };
        // Every key of this kind has been read: what is left is unknown.
        t.finish(errors);
        Some(SinkConfig {
            id: id?,
            spec: spec?,
        })
    }
}

fn webhook_from_table(t: &mut Table, errors: &mut Vec<ConfigError>) -> Option<SinkSpec> {
    let url = t.required_url(
        "url",
        &["http", "https"],
        "\"https://hooks.contoh.id/pantau\"",
        errors,
    );
    let token = t.string("token", errors).filter(|s| !s.trim().is_empty());
    let url = url?;
    // A bearer token over plain HTTP travels readable, as a password would over SMTP without
    // TLS (refused there too); only a receiver on this machine is exempt.
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    if token.is_some() && url.scheme() == "http" && !loopback {
        errors.push(t.invalid(
            "token",
            "token akan terkirim tanpa enkripsi lewat http://".into(),
            Some("pakai alamat https://, atau hapus token".into()),
        ));
        return None;
    }
    Some(SinkSpec::Webhook { url, token })
}

fn telegram_from_table(t: &mut Table, errors: &mut Vec<ConfigError>) -> Option<SinkSpec> {
    let bot_token = t.required("bot_token", "\"123456789:ABCdef…\" dari @BotFather", errors);
    let chat_id = t.required("chat_id", "\"-1001234567890\"", errors);
    let api_url = t.url(
        "api_url",
        &["http", "https"],
        "\"https://api.telegram.org\"",
        errors,
    );
    // The message never repeats the token: error messages end up in logs.
    let bot_token = bot_token.map(|s| s.trim().to_string()).filter(|token| {
        let valid = valid_bot_token(token);
        if !valid {
            errors.push(t.invalid(
                "bot_token",
                "bukan token bot Telegram (bentuknya ANGKA:KODE)".into(),
                Some("salin token dari @BotFather, misalnya \"123456789:ABCdef-GHI_jkl\"".into()),
            ));
        }
        valid
    });
    let chat_id =
        chat_id.map(|s| s.trim().to_string()).filter(|id| {
            let valid = valid_chat_id(id);
            if !valid {
                errors.push(t.invalid(
                "chat_id",
                format!("chat_id \"{id}\" tidak valid"),
                Some(
                    "tulis id angka obrolan (grup dan kanal diawali -100) atau \"@nama_kanal\""
                        .into(),
                ),
            ));
            }
            valid
        });
    Some(SinkSpec::Telegram {
        bot_token: bot_token?,
        chat_id: chat_id?,
        api_url: api_url.or_else(|| Url::parse(DEFAULT_TELEGRAM_API).ok())?,
    })
}

fn email_from_table(t: &mut Table, errors: &mut Vec<ConfigError>) -> Option<SinkSpec> {
    let host = t.required("host", "\"smtp.contoh.id\"", errors);
    let tls = t
        .parse(
            "tls",
            errors,
            "\"starttls\", \"tls\" atau \"none\"",
            parse_tls,
        )
        .unwrap_or_default();
    let port = t
        .uint("port", 1, u64::from(u16::MAX), errors)
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(tls.default_port());
    let username = t.string("username", errors).filter(|s| !s.is_empty());
    let password = t.string("password", errors).filter(|s| !s.is_empty());
    let from = t
        .required("from", "\"Pantau <pantau@contoh.id>\"", errors)
        .and_then(|a| checked_address(t, "from", a, errors));
    let to = recipients(t, errors);
    let credentials_ok = check_credentials(t, tls, &username, &password, errors);
    if !credentials_ok {
        return None;
    }
    Some(SinkSpec::Email {
        host: host?.trim().to_string(),
        port,
        tls,
        username,
        password,
        from: from?,
        to: to?,
    })
}

fn parse_tls(s: &str) -> Result<Tls, String> {
    match s {
        "none" => Ok(Tls::None),
        "starttls" => Ok(Tls::StartTls),
        "tls" => Ok(Tls::Tls),
        _ => Err(format!("mode TLS \"{s}\" tidak dikenal")),
    }
}

/// `to`: one address or a list, at least one, each valid.
fn recipients(t: &mut Table, errors: &mut Vec<ConfigError>) -> Option<Vec<String>> {
    let before = errors.len();
    let Some(to) = t.strings("to", errors) else {
        if errors.len() == before {
            errors.push(t.invalid(
                "to",
                "kunci \"to\" wajib diisi".into(),
                Some("tambahkan, misalnya to = [\"humas@contoh.id\"]".into()),
            ));
        }
        return None;
    };
    if to.is_empty() {
        errors.push(t.invalid(
            "to",
            "daftar penerima kosong".into(),
            Some("tulis setidaknya satu alamat, misalnya to = [\"humas@contoh.id\"]".into()),
        ));
        return None;
    }
    let checked: Vec<String> = to
        .into_iter()
        .filter_map(|a| checked_address(t, "to", a, errors))
        .collect();
    (errors.len() == before).then_some(checked)
}

/// `address`, trimmed, when it parses as a mailbox; an error naming `key` otherwise.
fn checked_address(
    t: &Table,
    key: &str,
    address: String,
    errors: &mut Vec<ConfigError>,
) -> Option<String> {
    let address = address.trim().to_string();
    match address.parse::<Mailbox>() {
        Ok(_) => Some(address),
        Err(e) => {
            errors.push(t.invalid(
                key,
                format!("alamat e-mail \"{address}\" tidak valid ({e})"),
                Some(
                    "tulis \"nama@domain\" atau \"Nama <nama@domain>\", misalnya \"humas@contoh.id\""
                        .into(),
                ),
            ));
            None
        }
    }
}

/// A login needs both halves, and never travels unencrypted.
fn check_credentials(
    t: &Table,
    tls: Tls,
    username: &Option<String>,
    password: &Option<String>,
    errors: &mut Vec<ConfigError>,
) -> bool {
    match (username, password) {
        (Some(_), None) | (None, Some(_)) => {
            let missing = if username.is_none() {
                "username"
            } else {
                "password"
            };
            errors.push(t.invalid(
                missing,
                format!("username dan password harus diisi bersama; \"{missing}\" kosong"),
                Some("isi keduanya, atau hapus keduanya untuk server tanpa login".into()),
            ));
            false
        }
        (Some(_), Some(_)) if tls == Tls::None => {
            errors.push(t.invalid(
                "tls",
                "tls = \"none\" akan mengirim password tanpa enkripsi".into(),
                Some(
                    "pakai tls = \"starttls\" (port 587) atau \"tls\" (port 465), atau relay lokal tanpa login"
                        .into(),
                ),
            ));
            false
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load_str;
    use std::path::Path;

    fn sinks(text: &str) -> Vec<SinkConfig> {
        load_str(text, Path::new("/srv/pantau"))
            .unwrap()
            .alerts
            .sinks
    }

    fn err(text: &str) -> ConfigError {
        load_str(text, Path::new("/srv/pantau")).unwrap_err()
    }

    const TELEGRAM: &str = "[[alerts.sinks]]\nid = \"tim-humas\"\nkind = \"telegram\"\nbot_token = \"123:ABC-def_9\"\nchat_id = -100123\n";

    #[test]
    fn no_sinks_by_default() {
        assert!(sinks("").is_empty());
        assert!(sinks("[alerts]\n").is_empty());
    }

    #[test]
    fn every_kind_reads_with_its_defaults() {
        let text = format!(
            "{TELEGRAM}\n[[alerts.sinks]]\nid = \"hook\"\nkind = \"webhook\"\nurl = \"https://hooks.contoh.id/x\"\ntoken = \"rahasia\"\n\
             [[alerts.sinks]]\nid = \"surel\"\nkind = \"email\"\nhost = \"smtp.contoh.id\"\nfrom = \"Pantau <pantau@contoh.id>\"\nto = \"humas@contoh.id\"\n"
        );
        let all = sinks(&text);
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].id, "tim-humas");
        assert_eq!(
            all[0].spec,
            SinkSpec::Telegram {
                bot_token: "123:ABC-def_9".into(),
                chat_id: "-100123".into(),
                api_url: Url::parse(DEFAULT_TELEGRAM_API).unwrap(),
            }
        );
        assert!(
            matches!(&all[1].spec, SinkSpec::Webhook { url, token: Some(t) } if url.as_str() == "https://hooks.contoh.id/x" && t == "rahasia")
        );
        assert_eq!(
            all[2].spec,
            SinkSpec::Email {
                host: "smtp.contoh.id".into(),
                port: 587,
                tls: Tls::StartTls,
                username: None,
                password: None,
                from: "Pantau <pantau@contoh.id>".into(),
                to: vec!["humas@contoh.id".into()],
            }
        );
        let tls = sinks(
            "[[alerts.sinks]]\nid = \"s\"\nkind = \"email\"\nhost = \"h\"\ntls = \"tls\"\nfrom = \"a@b.id\"\nto = [\"c@d.id\", \"e@f.id\"]\n",
        );
        assert!(
            matches!(&tls[0].spec, SinkSpec::Email { port: 465, tls: Tls::Tls, to, .. } if to.len() == 2)
        );
    }

    /// A webhook's secret lives in its path: a malformed address is not echoed past the host,
    /// and a bearer token is refused over plain HTTP (except to this machine).
    #[test]
    fn webhook_secrets_stay_out_of_errors_and_off_plain_http() {
        let e = err(
            "[[alerts.sinks]]\nid = \"a\"\nkind = \"webhook\"\nurl = \"hooks.slack.com/services/T0/B0/RAHASIA\"\n",
        )
        .to_string();
        assert!(
            !e.contains("RAHASIA") && e.contains("hooks.slack.com/…"),
            "{e}"
        );
        let e = err(
            "[[alerts.sinks]]\nid = \"a\"\nkind = \"webhook\"\nurl = \"http://hooks.contoh.id/x\"\ntoken = \"t\"\n",
        )
        .to_string();
        assert!(e.contains("tanpa enkripsi"), "{e}");
        assert_eq!(
            sinks("[[alerts.sinks]]\nid = \"a\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/x\"\ntoken = \"t\"\n").len(),
            1
        );
    }

    /// The commented example in config/default.toml, uncommented, is a valid configuration.
    #[test]
    fn the_shipped_example_is_valid() {
        let shipped = include_str!("../../config/default.toml");
        let start = shipped
            .find("# [[alerts.sinks]]")
            .expect("an [[alerts.sinks]] example");
        let end = start + shipped[start..].find("\n\n").expect("the example ends");
        let example: String = shipped[start..end]
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l.trim_start_matches('#')))
            .collect::<Vec<_>>()
            .join("\n");
        let all = sinks(&example);
        let kinds: Vec<_> = all
            .into_iter()
            .map(|s| Sink::new(s, "Pantau/test").unwrap().kind())
            .collect();
        assert_eq!(kinds, ["webhook", "telegram", "email"]);
        // And shipped as it is, no sink is active.
        assert!(sinks(shipped).is_empty());
    }

    /// Secrets live in local.toml: its sinks replace the shipped file's, they do not add up.
    #[test]
    fn local_toml_replaces_the_sinks() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("config")).unwrap();
        std::fs::write(
            dir.path().join("config/default.toml"),
            "[[alerts.sinks]]\nid = \"contoh\"\nkind = \"webhook\"\nurl = \"https://x.id/\"\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("config/local.toml"), TELEGRAM).unwrap();
        let settings = crate::config::load(Some(&dir.path().join("config/default.toml"))).unwrap();
        let ids: Vec<_> = settings
            .alerts
            .sinks
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(ids, ["tim-humas"]);
    }

    #[test]
    fn mistakes_name_the_sink_and_key() {
        let e = err("[[alerts.sinks]]\nid = \"a\"\nkind = \"telegarm\"\n");
        assert!(
            e.to_string().contains(
                "[[alerts.sinks]] ke-1 (id \"a\") kind: jenis tujuan \"telegarm\" tidak dikenal"
            ),
            "{e}"
        );
        assert_eq!(
            e.hint().as_deref(),
            Some("mungkin maksud Anda kind = \"telegram\"")
        );
        let e = err("[[alerts.sinks]]\nid = \"a\"\nkind = \"pigeon\"\n");
        assert_eq!(
            e.hint().as_deref(),
            Some("jenis yang tersedia: webhook, telegram, email")
        );

        let e = err(&TELEGRAM.replace("chat_id", "chatid"));
        let text = e.to_string();
        assert!(text.contains("kunci tidak dikenal \"chatid\""), "{text}");
        assert!(text.contains("kunci \"chat_id\" wajib diisi"), "{text}");
        let ConfigError::Many(all) = e else {
            panic!("two errors expected")
        };
        assert!(
            all.iter()
                .any(|e| e.hint().as_deref() == Some("mungkin maksud Anda `chat_id`"))
        );

        let e = err(&format!("{TELEGRAM}{TELEGRAM}")).to_string();
        assert!(
            e.contains("[[alerts.sinks]] ke-2 (id \"tim-humas\") id: id \"tim-humas\" dipakai oleh lebih dari satu tujuan"),
            "{e}"
        );
        let e = err(
            "[[alerts.sinks]]\nid = \"Tim Humas\"\nkind = \"webhook\"\nurl = \"https://x.id/\"\n",
        );
        assert!(
            e.to_string().contains("id \"Tim Humas\" tidak valid"),
            "{e}"
        );
        let e = err("[[alerts.sinks]]\nid = \"w\"\nkind = \"webhook\"\n");
        assert!(e.to_string().contains("kunci \"url\" wajib diisi"), "{e}");
        let e = err("[[alerts.sinks]]\nid = \"w\"\nkind = \"webhook\"\nurl = \"ftp://x.id/\"\n");
        assert!(
            e.to_string().contains("skema \"ftp\" tidak didukung"),
            "{e}"
        );
    }

    #[test]
    fn the_alerts_section_is_checked_too() {
        let e = err("[alerts]\nsink = []\n");
        assert!(
            e.to_string()
                .contains("[alerts]: kunci tidak dikenal \"sink\""),
            "{e}"
        );
        assert_eq!(e.hint().as_deref(), Some("mungkin maksud Anda `sinks`"));
        let e = err("[alerts]\nsinks = \"telegram\"\n");
        assert!(
            e.to_string()
                .contains("harus berupa daftar [[alerts.sinks]]"),
            "{e}"
        );
        let e = err("[alert]\n");
        assert_eq!(e.hint().as_deref(), Some("mungkin maksud Anda [alerts]"));
    }

    #[test]
    fn a_bad_bot_token_is_refused_without_repeating_it() {
        let e = err(&TELEGRAM.replace("123:ABC-def_9", "rahasia/sekali"));
        let text = e.to_string();
        assert!(
            text.contains("bot_token: bukan token bot Telegram"),
            "{text}"
        );
        assert!(!text.contains("rahasia"), "{text}");
        let e = err(&TELEGRAM.replace("-100123", "\"humas kaltim\""));
        assert!(
            e.to_string()
                .contains("chat_id \"humas kaltim\" tidak valid"),
            "{e}"
        );
        assert_eq!(
            sinks(&TELEGRAM.replace("-100123", "\"@humaskaltim\""))[0].id,
            "tim-humas"
        );
    }

    #[test]
    fn email_addresses_and_logins_are_checked() {
        let base = "[[alerts.sinks]]\nid = \"s\"\nkind = \"email\"\nhost = \"smtp.contoh.id\"\n";
        let e = err(&format!(
            "{base}from = \"pantau\"\nto = \"humas@contoh.id\"\n"
        ))
        .to_string();
        assert!(
            e.contains(
                "[[alerts.sinks]] ke-1 (id \"s\") from: alamat e-mail \"pantau\" tidak valid"
            ),
            "{e}"
        );
        let e = err(&format!(
            "{base}from = \"a@b.id\"\nto = [\"humas@contoh.id\", \"bukan alamat\"]\n"
        ));
        assert!(
            e.to_string()
                .contains("to: alamat e-mail \"bukan alamat\" tidak valid"),
            "{e}"
        );
        let e = err(&format!("{base}from = \"a@b.id\"\n"));
        assert!(e.to_string().contains("kunci \"to\" wajib diisi"), "{e}");
        let e = err(&format!("{base}from = \"a@b.id\"\nto = []\n"));
        assert!(e.to_string().contains("daftar penerima kosong"), "{e}");
        let e = err(&format!(
            "{base}from = \"a@b.id\"\nto = \"c@d.id\"\nusername = \"u\"\n"
        ));
        assert!(e.to_string().contains("\"password\" kosong"), "{e}");
        let e = err(&format!(
            "{base}from = \"a@b.id\"\nto = \"c@d.id\"\nusername = \"u\"\npassword = \"p\"\ntls = \"none\"\n"
        ));
        assert!(e.to_string().contains("tanpa enkripsi"), "{e}");
        let e = err(&format!(
            "{base}from = \"a@b.id\"\nto = \"c@d.id\"\ntls = \"ssl\"\n"
        ));
        assert!(
            e.to_string().contains("mode TLS \"ssl\" tidak dikenal"),
            "{e}"
        );
        let e = err(&format!(
            "{base}from = \"a@b.id\"\nto = \"c@d.id\"\nport = 70000\n"
        ));
        assert!(
            e.to_string()
                .contains("port: harus bilangan bulat antara 1 dan 65535"),
            "{e}"
        );
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let specs = [
            SinkSpec::Webhook {
                url: Url::parse("https://discord.example/api/webhooks/1/SECRETPATH?k=SECRETQ")
                    .unwrap(),
                token: Some("SECRETTOKEN".into()),
            },
            SinkSpec::Telegram {
                bot_token: "123:SECRETBOT".into(),
                chat_id: "-100".into(),
                api_url: Url::parse(DEFAULT_TELEGRAM_API).unwrap(),
            },
            SinkSpec::Email {
                host: "smtp.contoh.id".into(),
                port: 587,
                tls: Tls::StartTls,
                username: Some("pantau".into()),
                password: Some("SECRETPASS".into()),
                from: "a@b.id".into(),
                to: vec!["c@d.id".into()],
            },
        ];
        for spec in specs {
            let config = SinkConfig {
                id: "x".into(),
                spec,
            };
            let shown = format!("{config:?}");
            assert!(!shown.contains("SECRET"), "{shown}");
            let sink = Sink::new(config, "Pantau/test").unwrap();
            let shown = format!("{sink:?}");
            assert!(!shown.contains("SECRET"), "{shown}");
        }
    }

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
    fn excerpts_are_one_short_line() {
        assert_eq!(excerpt(b"  internal\n\n error  "), "internal error");
        assert_eq!(excerpt(b""), "(jawaban kosong)");
        let long = excerpt("ü".repeat(500).as_bytes());
        assert_eq!(long.chars().count(), EXCERPT_CHARS + 1);
        assert!(long.ends_with('…'));
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
