//! Alert sinks against real servers on loopback: webhook and Telegram against wiremock, e-mail
//! against a real SMTP server (`tests/support/smtp_receiver.py`, aiosmtpd) that decodes what it
//! receives. Every failure must be an error a person can act on, and none may show a secret.

#[path = "support/smtp.rs"]
mod smtp;

use std::path::Path;

use pantau::alerts::sinks::email::{self, Tls};
use pantau::alerts::sinks::{Message, Sink, SinkConfig, SinkError, Spec, webhook};
use pantau::config::value::Secret;
use serde_json::{Value, json};
use smtp::SmtpReceiver;
use url::Url;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const UA: &str = "Pantau/test";
const BOT_TOKEN: &str = "123456:SECRET-bot_token";

fn message(text: &str) -> Message {
    Message {
        subject: "Banjir — naik 4,2×".into(),
        text: text.into(),
        payload: json!({"topic": "banjir", "region": "samarinda", "ratio": 4.2}),
    }
}

fn sink(id: &str, spec: impl Spec) -> Sink {
    Sink::new(SinkConfig::new(id, spec), UA).expect("the sink builds")
}

/// A loopback port with nothing listening: bound by us, then released.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

fn webhook(url: &str, token: Option<&str>) -> Sink {
    sink(
        "hook",
        webhook::Spec {
            url: Url::parse(url).unwrap(),
            token: token.map(Secret::new),
        },
    )
}

#[tokio::test]
async fn webhook_posts_the_payload_with_the_bearer_token() {
    let server = MockServer::start().await;
    let msg = message("Banjir di Samarinda");
    Mock::given(method("POST"))
        .and(path("/hooks/pantau"))
        .and(header("authorization", "Bearer s3cret"))
        .and(header("content-type", "application/json"))
        .and(header("user-agent", UA))
        .and(body_json(&msg.payload))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let hook = webhook(&format!("{}/hooks/pantau", server.uri()), Some("s3cret"));
    assert_eq!((hook.id(), hook.kind()), ("hook", "webhook"));
    hook.send(&msg).await.expect("delivered");
}

#[tokio::test]
async fn webhook_without_a_token_sends_no_authorization() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    webhook(&server.uri(), None)
        .send(&message("x"))
        .await
        .expect("delivered");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert!(!requests[0].headers.contains_key("authorization"));
}

#[tokio::test]
async fn webhook_error_status_is_an_error_with_the_status_and_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_string(format!("database\n  down {}", "x".repeat(1000))),
        )
        .mount(&server)
        .await;
    // Slack- and Discord-style webhooks keep their secret in the path: it is never shown.
    let hook = webhook(
        &format!("{}/hooks/SECRETPATH", server.uri()),
        Some("s3cret"),
    );
    let error = hook.send(&message("x")).await.unwrap_err();
    assert!(
        matches!(error, SinkError::Status { status: 500, .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.starts_with(&format!(
            "webhook {} menjawab HTTP 500: database down xxx",
            server.uri()
        )),
        "{text}"
    );
    assert!(text.chars().count() < 300, "the body is cut: {text}");
    assert!(
        !text.contains("SECRETPATH") && !text.contains("s3cret"),
        "{text}"
    );
}

/// A redirected POST would arrive as a GET, or nowhere: it is an error, not a delivery.
#[tokio::test]
async fn webhook_redirect_is_not_followed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/elsewhere"))
        .mount(&server)
        .await;
    let error = webhook(&server.uri(), None)
        .send(&message("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, SinkError::Status { status: 302, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn webhook_connection_refused_is_an_error() {
    let port = closed_port();
    let error = webhook(&format!("http://127.0.0.1:{port}/hook"), None)
        .send(&message("x"))
        .await
        .unwrap_err();
    assert!(matches!(error, SinkError::Connection { .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.starts_with(&format!(
            "webhook http://127.0.0.1:{port} tidak dapat dihubungi: koneksi gagal"
        )),
        "{text}"
    );
}

/// A Telegram sink read from the config file, as an operator writes it, with `api_url` on the
/// test server.
fn telegram(server_uri: &str) -> Sink {
    let settings = pantau::engine::Config::from_str(
        &format!(
            "[[alerts.sinks]]\nid = \"tim-humas\"\nkind = \"telegram\"\nbot_token = \"{BOT_TOKEN}\"\nchat_id = \"-100123\"\napi_url = \"{server_uri}\"\n"
        ),
        Path::new("/srv/pantau"),
    )
    .expect("the config is valid");
    let config = settings.alerts.sinks.into_iter().next().expect("one sink");
    Sink::new(config, UA).expect("the sink builds")
}

fn send_message_path() -> String {
    format!("/bot{BOT_TOKEN}/sendMessage")
}

fn telegram_ok() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"ok": true, "result": {"message_id": 7, "chat": {"id": -100123}}}))
}

#[tokio::test]
async fn telegram_sends_plain_text_to_the_chat() {
    let server = MockServer::start().await;
    // Markup from a post stays literal: no parse_mode (body_json matches the whole body).
    let text =
        "Banjir naik 4,2× di Samarinda\n<b>kutipan</b> *unggahan* _warga_ [tautan](http://x)";
    Mock::given(method("POST"))
        .and(path(send_message_path()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "chat_id": "-100123",
            "text": text,
            "disable_web_page_preview": true,
        })))
        .respond_with(telegram_ok())
        .expect(1)
        .mount(&server)
        .await;
    let sink = telegram(&server.uri());
    assert_eq!((sink.id(), sink.kind()), ("tim-humas", "telegram"));
    sink.send(&message(text)).await.expect("delivered");
}

#[tokio::test]
async fn telegram_refusal_names_the_reason_and_hides_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(send_message_path()))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "ok": false,
            "error_code": 400,
            "description": "Bad Request: chat not found",
        })))
        .mount(&server)
        .await;
    let error = telegram(&server.uri())
        .send(&message("x"))
        .await
        .unwrap_err();
    let text = error.to_string();
    assert_eq!(
        text,
        "Telegram menolak pesan (HTTP 400): Bad Request: chat not found"
    );
    assert!(!format!("{error:?}").contains("SECRET"));
}

#[tokio::test]
async fn telegram_errors_never_show_the_token() {
    // Nothing listening: reqwest's own message would name the URL, token included.
    let error = telegram(&format!("http://127.0.0.1:{}", closed_port()))
        .send(&message("x"))
        .await
        .unwrap_err();
    assert!(matches!(error, SinkError::Connection { .. }), "{error:?}");
    assert!(!error.to_string().contains("SECRET"), "{error}");
    assert!(!format!("{error:?}").contains("SECRET"), "{error:?}");

    // An answer that is not the Bot API's (a proxy's error page) quotes the body, masked.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(502).set_body_string(format!("bad gateway for /bot{BOT_TOKEN}/")),
        )
        .mount(&server)
        .await;
    let error = telegram(&server.uri())
        .send(&message("x"))
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("HTTP 502: bad gateway for /bot***/"),
        "{text}"
    );
    assert!(!text.contains("SECRET"), "{text}");
}

#[tokio::test]
async fn telegram_text_longer_than_4096_is_cut() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(send_message_path()))
        .respond_with(telegram_ok())
        .mount(&server)
        .await;
    let long = "Banjir rob di Bontang. ".repeat(300);
    telegram(&server.uri())
        .send(&message(&long))
        .await
        .expect("delivered");
    let requests = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    let sent = body["text"].as_str().unwrap();
    assert_eq!(sent.chars().count(), 4096);
    assert!(sent.ends_with('…'));
    assert!(long.starts_with(sent.trim_end_matches('…')));
}

// ---------------------------------------------------------------------------------------------
// E-mail, through a real SMTP server

fn email(port: u16) -> Sink {
    sink(
        "surel",
        email::Spec {
            host: "127.0.0.1".into(),
            port,
            tls: Tls::None,
            username: None,
            password: None,
            from: "Pantau Kaltim <pantau@contoh.id>".into(),
            to: vec![
                "humas@contoh.id".into(),
                "Kepala Dinas <kadis@contoh.id>".into(),
            ],
        },
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn email_arrives_with_subject_recipients_and_body() {
    let Some(mut receiver) = SmtpReceiver::start().await else {
        return;
    };
    let sink = email(receiver.port);
    assert_eq!((sink.id(), sink.kind()), ("surel", "email"));
    let text = "Banjir — naik 4,2× dalam 24 jam terakhir.\nWilayah: Samarinda, Bontang.\n\nContoh: \"Air setinggi lutut di Jl. Pahlawan\"";
    sink.send(&message(text)).await.expect("delivered");

    let got = receiver.next_message().await;
    assert_eq!(got["mail_from"], "pantau@contoh.id");
    assert_eq!(
        got["rcpt_tos"],
        json!(["humas@contoh.id", "kadis@contoh.id"])
    );
    assert_eq!(got["subject"], "Banjir — naik 4,2×");
    assert_eq!(got["from"], "Pantau Kaltim <pantau@contoh.id>");
    assert_eq!(got["to"], "humas@contoh.id, Kepala Dinas <kadis@contoh.id>");
    assert_eq!(got["content_type"], "text/plain");
    assert_eq!(got["charset"], "utf-8");
    let body = got["body"]
        .as_str()
        .expect("a text body")
        .replace("\r\n", "\n");
    assert_eq!(body.trim_end(), text);
}

#[tokio::test(flavor = "multi_thread")]
async fn email_refused_by_the_server_says_so() {
    let Some(receiver) = SmtpReceiver::start().await else {
        return;
    };
    let sink = sink(
        "surel",
        email::Spec {
            host: "127.0.0.1".into(),
            port: receiver.port,
            tls: Tls::None,
            username: None,
            password: None,
            from: "pantau@contoh.id".into(),
            to: vec!["ditolak@contoh.id".into()],
        },
    );
    let error = sink.send(&message("x")).await.unwrap_err();
    let text = error.to_string();
    assert!(
        text.starts_with(&format!(
            "e-mail tidak terkirim lewat 127.0.0.1:{}: ditolak server: permanent error (550)",
            receiver.port
        )),
        "{text}"
    );
    assert!(text.contains("mailbox unavailable"), "{text}");
}

#[tokio::test]
async fn email_to_a_closed_port_is_an_smtp_error() {
    let port = closed_port();
    let error = email(port).send(&message("x")).await.unwrap_err();
    assert!(matches!(error, SinkError::Smtp { .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.starts_with(&format!("e-mail tidak terkirim lewat 127.0.0.1:{port}: ")),
        "{text}"
    );
}

#[test]
fn an_invalid_address_is_refused_when_the_sink_is_built() {
    let error = Sink::new(
        SinkConfig::new(
            "surel",
            email::Spec {
                host: "127.0.0.1".into(),
                port: 25,
                tls: Tls::None,
                username: None,
                password: None,
                from: "pantau@contoh.id".into(),
                to: vec!["humas di contoh.id".into()],
            },
        ),
        UA,
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("alamat e-mail \"humas di contoh.id\" tidak valid"),
        "{error}"
    );
}
