//! The `email` sink: the alert as a plain-text UTF-8 e-mail over SMTP (lettre), with
//! STARTTLS, TLS or — for a relay on the same machine — none, which refuses a login.

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Deserializer};

use super::deliver::{Deliver, Message, Parcel, SinkError, TIMEOUT};
use super::sink;
use crate::config::value::{self, Secret};
use crate::config::Invalid;
use crate::error::error_chain;

/// `[[alerts.sinks]] kind = "email"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub host: String,
    /// 0 until settled: then the port `tls` implies, when none is written.
    #[serde(default, deserialize_with = "value::uint::<_, _, 1, 65535>")]
    pub port: u16,
    #[serde(default, deserialize_with = "tls")]
    pub tls: Tls,
    #[serde(default, deserialize_with = "value::opt_nonempty")]
    pub username: Option<String>,
    #[serde(default, deserialize_with = "value::opt_secret")]
    pub password: Option<Secret>,
    /// Checked addresses ("Pantau <pantau@example.id>" or "pantau@example.id").
    pub from: String,
    /// One address or a list.
    pub to: Vec<String>,
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

fn tls<'de, D: Deserializer<'de>>(d: D) -> Result<Tls, D::Error> {
    value::parsed(d, "\"starttls\", \"tls\" atau \"none\"", |s| match s {
        "none" => Ok(Tls::None),
        "starttls" => Ok(Tls::StartTls),
        "tls" => Ok(Tls::Tls),
        _ => Err(format!("mode TLS \"{s}\" tidak dikenal")),
    })
}

impl sink::Spec for Spec {
    const KIND: &'static str = "email";
    const EXAMPLE: &'static str = "host = \"smtp.contoh.id\"\ntls = \"starttls\"\nport = 587\n\
        username = \"pantau\"\npassword = \"…\"\nfrom = \"Pantau <pantau@contoh.id>\"\n\
        to = [\"humas@contoh.id\"]";

    /// Addresses that parse, at least one recipient, a whole login that never travels
    /// unencrypted, and the port `tls` implies when none is written.
    fn settle(&mut self) -> Result<(), Invalid> {
        self.host = self.host.trim().to_string();
        let from = checked_address("from", &self.from).map(|from| self.from = from);
        let to = self.checked_recipients();
        let login = check_credentials(self.tls, &self.username, &self.password);
        if self.port == 0 {
            self.port = self.tls.default_port();
        }
        // Every problem at once, as the keys are read.
        [from, to, login]
            .into_iter()
            .filter_map(Result::err)
            .reduce(Invalid::and)
            .map_or(Ok(()), Err)
    }

    fn connect(&self, _user_agent: &str) -> Result<Box<dyn Deliver>, SinkError> {
        let credentials = login(
            self.username.clone(),
            self.password.as_ref().map(|p| p.expose().to_string()),
        )?;
        let port = if self.port == 0 {
            self.tls.default_port()
        } else {
            self.port
        };
        Ok(Box::new(Email::new(
            self.host.clone(),
            port,
            self.tls,
            credentials,
            &self.from,
            &self.to,
        )?))
    }
}

impl Spec {
    /// At least one recipient, each an address that parses (trimmed).
    fn checked_recipients(&mut self) -> Result<(), Invalid> {
        if self.to.is_empty() {
            return Err(Invalid::new(
                "to",
                "daftar penerima kosong",
                Some("tulis setidaknya satu alamat, misalnya to = [\"humas@contoh.id\"]".into()),
            ));
        }
        let mut checked = Vec::with_capacity(self.to.len());
        let mut wrong: Option<Invalid> = None;
        for address in &self.to {
            match checked_address("to", address) {
                Ok(a) => checked.push(a),
                Err(e) => wrong = Some(wrong.map_or(e.clone(), |w| w.and(e))),
            }
        }
        self.to = checked;
        wrong.map_or(Ok(()), Err)
    }
}

/// `address`, trimmed, when it parses as a mailbox; an error naming `key` otherwise.
fn checked_address(key: &str, address: &str) -> Result<String, Invalid> {
    let address = address.trim().to_string();
    match address.parse::<Mailbox>() {
        Ok(_) => Ok(address),
        Err(e) => Err(Invalid::new(
            key,
            format!("alamat e-mail \"{address}\" tidak valid ({e})"),
            Some(
                "tulis \"nama@domain\" atau \"Nama <nama@domain>\", misalnya \"humas@contoh.id\""
                    .into(),
            ),
        )),
    }
}

/// A login needs both halves, and never travels unencrypted.
fn check_credentials(
    tls: Tls,
    username: &Option<String>,
    password: &Option<Secret>,
) -> Result<(), Invalid> {
    match (username, password) {
        (Some(_), None) | (None, Some(_)) => {
            let missing = if username.is_none() {
                "username"
            } else {
                "password"
            };
            Err(Invalid::new(
                missing,
                format!("username dan password harus diisi bersama; \"{missing}\" kosong"),
                Some("isi keduanya, atau hapus keduanya untuk server tanpa login".into()),
            ))
        }
        (Some(_), Some(_)) if tls == Tls::None => Err(Invalid::new(
            "tls",
            "tls = \"none\" akan mengirim password tanpa enkripsi",
            Some(
                "pakai tls = \"starttls\" (port 587) atau \"tls\" (port 465), atau relay lokal tanpa login"
                    .into(),
            ),
        )),
        _ => Ok(()),
    }
}

struct Email {
    mailer: AsyncSmtpTransport<Tokio1Executor>,
    /// "host:port", for messages.
    server: String,
    from: Mailbox,
    to: Vec<Mailbox>,
}

impl Deliver for Email {
    fn target(&self) -> String {
        format!("SMTP {}", self.server)
    }

    fn send<'a>(&'a self, msg: &'a Message) -> BoxFuture<'a, Result<(), SinkError>> {
        self.deliver(msg).boxed()
    }

    /// One mail per address: a leader sees only their own name in `To`, and one refused
    /// address does not keep the briefing from the others.
    fn briefing_recipients(&self) -> Vec<String> {
        self.to.iter().map(ToString::to_string).collect()
    }

    fn send_briefing<'a>(
        &'a self,
        parcel: &'a Parcel,
        recipient: &'a str,
    ) -> BoxFuture<'a, Result<(), SinkError>> {
        self.deliver_briefing(parcel, recipient).boxed()
    }
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

    async fn deliver(&self, msg: &Message) -> Result<(), SinkError> {
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

impl Email {
    /// multipart/mixed: the briefing as multipart/alternative (its Markdown as plain text, its
    /// HTML, which needs nothing from the network), then the Markdown and JSON files.
    async fn deliver_briefing(&self, parcel: &Parcel, recipient: &str) -> Result<(), SinkError> {
        let compose = |detail: String| SinkError::Smtp {
            server: self.server.clone(),
            detail: format!("pesan tidak dapat disusun: {detail}"),
        };
        let html = String::from_utf8_lossy(&parcel.html.bytes).into_owned();
        let mut mixed =
            MultiPart::mixed().multipart(MultiPart::alternative_plain_html(parcel.text.clone(), html));
        for file in &parcel.attachments {
            let kind = ContentType::parse(&file.content_type).map_err(|e| compose(e.to_string()))?;
            mixed = mixed.singlepart(Attachment::new(file.filename.clone()).body(file.bytes.clone(), kind));
        }
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(mailbox(recipient)?)
            .subject(parcel.subject.clone())
            .multipart(mixed)
            .map_err(|e| compose(e.to_string()))?;
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
