//! The morning send of the daily briefing against real servers on loopback: e-mail to a real
//! SMTP server (`tests/support/smtp_receiver.py`, aiosmtpd) that decodes each message, Telegram
//! to a Bot API fake (wiremock). Every try lands in the store's `briefing_deliveries`, and a
//! recipient the last try missed shows in `pantau sources`.

mod common;
#[path = "support/smtp.rs"]
mod smtp;

use std::time::Duration;

use common::{Project, stderr, stdout};
use pantau::alerts::briefing::{self as deliver, Retry};
use pantau::alerts::sinks::Parcel;
use pantau::store::briefings::BriefingDelivery;
use pantau::store::{Browse, Writes};
use pantau::time::Lang;
use serde_json::Value;
use smtp::SmtpReceiver;

/// The province's time zone, which the test projects keep as their default.
static WITA: std::sync::LazyLock<jiff::tz::TimeZone> =
    std::sync::LazyLock::new(|| jiff::tz::TimeZone::get("Asia/Makassar").unwrap());
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const DAY: &str = "2026-12-06";
const BOT_TOKEN: &str = "123456:SECRET-bot_token";
/// Fast retries: the waits are the policy's business, the tries and the records are the test's.
const QUICK: Retry = Retry {
    attempts: 3,
    first_wait: Duration::from_millis(20),
};

/// Posts of the day, with a hostile one, imported through the real binary.
fn records() -> String {
    let mut out = String::new();
    for (i, text) in [
        "Banjir merendam permukiman warga di Samarinda setelah hujan deras semalam, air masuk rumah.",
        "Banjir kembali melanda Samarinda; warga <script>alert(1)</script> mengungsi ke posko.",
        "Jalan rusak berlubang di Balikpapan membahayakan pengendara motor tiap malam.",
    ]
    .iter()
    .enumerate()
    {
        let record = serde_json::json!({
            "source": "warga", "id": format!("p{i}"), "text": text,
            "published": format!("{DAY}T03:00:00Z"), "lang": "id",
        });
        out.push_str(&format!("{record}\n"));
    }
    out
}

/// A project whose config is `extra`, with the day's posts stored and its briefing written.
fn project(extra: &str) -> Project {
    let project = Project::new(extra, "");
    let file = project.path().join("posts.jsonl");
    std::fs::write(&file, records()).unwrap();
    let out = project.pantau(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    project
}

fn write_briefing(project: &Project) -> Parcel {
    let out = project.pantau(&["digest", "--date", DAY]);
    assert!(out.status.success(), "{}", stderr(&out));
    deliver::parcel(&project.settings().briefing.dir, DAY, Lang::Id).expect("the files read")
}

fn email_sink(port: u16) -> String {
    format!(
        "[[alerts.sinks]]\nid = \"surel-pimpinan\"\nkind = \"email\"\nhost = \"127.0.0.1\"\nport = {port}\n\
         tls = \"none\"\nfrom = \"Pantau <pantau@contoh.id>\"\nto = [\"gubernur@contoh.id\", \"Sekda <sekda@contoh.id>\"]\n"
    )
}

fn telegram_sink(uri: &str) -> String {
    format!(
        "[[alerts.sinks]]\nid = \"tim-pimpinan\"\nkind = \"telegram\"\nbot_token = \"{BOT_TOKEN}\"\n\
         chat_id = \"-100123\"\napi_url = \"{uri}\"\n"
    )
}

fn ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true, "result": {}}))
}

/// One mail per leader, each multipart/mixed: the briefing as plain text and HTML, then the
/// Markdown and JSON files; the HTML asks nothing of the network.
#[tokio::test(flavor = "multi_thread")]
async fn each_leader_gets_one_mail_with_the_html_body_and_two_attachments() {
    let Some(mut receiver) = SmtpReceiver::start().await else {
        return;
    };
    let config = format!(
        "[briefing]\ndeliver = [\"surel-pimpinan\"]\n{}",
        email_sink(receiver.port)
    );
    let project = project(&config);
    let parcel = write_briefing(&project);
    let sinks = project.load().briefing_sinks().unwrap();
    let mut store = project.store();
    // The receiver prints each whole message: it is read while sending, or its pipe fills.
    let sending = deliver::deliver(DAY, &parcel, &sinks, QUICK, |d| {
        common::blocking(&mut store, |s| s.record_briefing_delivery(&d)).unwrap();
        std::future::ready(())
    });
    let receiving = async { vec![receiver.next_message().await, receiver.next_message().await] };
    let (outcomes, mut got) = tokio::join!(sending, receiving);
    assert_eq!(outcomes.len(), 2, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| o.error.is_none() && o.attempts == 1),
        "{outcomes:?}"
    );

    got.sort_by_key(|m| m["rcpt_tos"][0].as_str().unwrap_or_default().to_string());
    let rcpts: Vec<_> = got.iter().map(|m| m["rcpt_tos"].clone()).collect();
    assert_eq!(
        rcpts,
        [
            serde_json::json!(["gubernur@contoh.id"]),
            serde_json::json!(["sekda@contoh.id"])
        ]
    );
    for mail in &got {
        assert_eq!(
            mail["subject"],
            "Telaahan harian Pantau — Minggu, 6 Desember 2026"
        );
        assert_eq!(mail["content_type"], "multipart/mixed");
        let parts = mail["parts"].as_array().unwrap();
        let shape: Vec<(&str, Option<&str>)> = parts
            .iter()
            .map(|p| (p["content_type"].as_str().unwrap(), p["filename"].as_str()))
            .collect();
        assert_eq!(
            shape,
            [
                ("text/plain", None),
                ("text/html", None),
                ("text/markdown", Some("2026-12-06.md")),
                ("application/json", Some("2026-12-06.json")),
            ]
        );
        let html = parts[1]["content"].as_str().unwrap();
        assert!(html.contains("Banjir") && html.contains("Minggu, 6 Desember 2026"));
        // Post text stays escaped, and nothing is fetched from elsewhere.
        assert!(!html.contains("<script>alert(1)"), "post text is escaped");
        for remote in ["<link", "src=\"http", "url(http", "@import"] {
            assert!(!html.contains(remote), "{remote} in the mail's HTML");
        }
        let json: Value = serde_json::from_str(parts[3]["content"].as_str().unwrap()).unwrap();
        assert_eq!(json["date"], DAY);
        assert!(parts[0]["content"].as_str().unwrap().contains("Banjir"));
    }
    let rows = common::blocking(&mut store, |s| s.briefing_deliveries(DAY)).unwrap();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r.error.is_none() && r.sink == "surel-pimpinan")
    );
}

/// Telegram gets the summary with `sendMessage`, then the HTML file with `sendDocument` as a
/// multipart upload; a first try that fails (HTTP 500) is tried again, and both tries are
/// recorded.
#[tokio::test(flavor = "multi_thread")]
async fn telegram_gets_the_summary_and_the_file_and_a_failed_try_is_retried() {
    let server = MockServer::start().await;
    let send_message = format!("/bot{BOT_TOKEN}/sendMessage");
    let send_document = format!("/bot{BOT_TOKEN}/sendDocument");
    Mock::given(method("POST"))
        .and(path(send_message.as_str()))
        .respond_with(ResponseTemplate::new(500).set_body_string("sedang gangguan"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(send_message.as_str()))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(send_document.as_str()))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;
    let config = format!(
        "[briefing]\ndeliver = [\"tim-pimpinan\"]\n{}",
        telegram_sink(&server.uri())
    );
    let project = project(&config);
    let parcel = write_briefing(&project);
    let sinks = project.load().briefing_sinks().unwrap();
    let mut store = project.store();
    let outcomes = deliver::deliver(DAY, &parcel, &sinks, QUICK, |d| {
        common::blocking(&mut store, |s| s.record_briefing_delivery(&d)).unwrap();
        std::future::ready(())
    })
    .await;
    assert_eq!(outcomes.len(), 1);
    assert_eq!(
        (outcomes[0].attempts, outcomes[0].error.as_deref()),
        (2, None)
    );

    let requests: Vec<Request> = server.received_requests().await.unwrap();
    let message: Value = serde_json::from_slice(&requests[1].body).unwrap();
    assert_eq!(message["chat_id"], "-100123");
    let text = message["text"].as_str().unwrap();
    assert!(
        text.starts_with("Telaahan harian Pantau — Minggu, 6 Desember 2026\n"),
        "{text}"
    );
    assert!(text.contains("Banjir"), "{text}");

    let document = &requests[2];
    let kind = document.headers["content-type"].to_str().unwrap();
    let boundary = kind
        .strip_prefix("multipart/form-data; boundary=")
        .expect(kind);
    let body = String::from_utf8_lossy(&document.body);
    assert!(body.starts_with(&format!("--{boundary}\r\n")));
    assert!(body.trim_end().ends_with(&format!("--{boundary}--")));
    assert!(
        body.contains("name=\"chat_id\"\r\n\r\n-100123\r\n"),
        "{body:.400}"
    );
    assert!(body.contains("name=\"caption\"\r\n\r\nTelaahan harian Pantau"));
    assert!(body.contains(
        "name=\"document\"; filename=\"2026-12-06.html\"\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<!doctype html>"
    ) || body.contains(
        "name=\"document\"; filename=\"2026-12-06.html\"\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<!DOCTYPE html>"
    ), "{body:.600}");
    // The whole file, byte for byte.
    let file = &parcel.html.bytes;
    assert!(
        document.body.windows(file.len()).any(|w| w == &file[..]),
        "the HTML file is uploaded whole"
    );

    let rows = common::blocking(&mut store, |s| s.briefing_deliveries(DAY)).unwrap();
    let tries: Vec<_> = rows
        .iter()
        .map(|r| (r.attempt, r.error.is_some()))
        .collect();
    assert_eq!(tries, [(1, true), (2, false)]);
    let first = rows[0].error.as_deref().unwrap();
    assert!(
        first.contains("HTTP 500") && !first.contains("SECRET"),
        "{first}"
    );
    assert!(
        common::blocking(&mut store, |s| s.failed_briefing_deliveries())
            .unwrap()
            .is_empty()
    );
}

/// `pantau digest --send` through the real binary: it sends the day, says so per recipient,
/// and exits 0; when Telegram refuses every try it exits 1 and `pantau sources` shows the
/// failure. A `deliver` naming no usable sink stops at start-up.
#[tokio::test(flavor = "multi_thread")]
async fn digest_send_reports_each_recipient_and_failures_show_in_sources() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok())
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            serde_json::json!({"ok": false, "description": "Bad Request: chat not found"}),
        ))
        .mount(&server)
        .await;
    let config = format!(
        "[briefing]\ndeliver = [\"tim-pimpinan\"]\n{}",
        telegram_sink(&server.uri())
    );
    let project = project(&config);
    let p = std::sync::Arc::new(project);
    let run = |args: &'static [&'static str]| {
        let p = p.clone();
        tokio::task::spawn_blocking(move || p.pantau(args))
    };
    // Not written yet: --send writes it first, then sends it.
    let out = run(&["digest", "--send", "--date", DAY]).await.unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let said = stdout(&out);
    assert!(said.contains("Briefing 2026-12-06 ditulis"), "{said}");
    assert!(
        said.contains(
            "Telaahan 2026-12-06 terkirim lewat tim-pimpinan ke -100123 (percobaan ke-1)."
        ),
        "{said}"
    );
    assert!(p.path().join("briefings/2026-12-06.html").is_file());

    // The fake now refuses for good ("chat not found"): no use trying again.
    let out = run(&["digest", "--send", "--date", DAY]).await.unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let said = stdout(&out);
    assert!(
        !said.contains("ditulis"),
        "an existing briefing is sent as it is: {said}"
    );
    assert!(
        said.contains("GAGAL dikirim lewat tim-pimpinan ke -100123 setelah 1 percobaan"),
        "{said}"
    );
    assert!(
        said.contains("chat not found") && !said.contains("SECRET"),
        "{said}"
    );

    let out = run(&["sources", "--json"]).await.unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let failed = &json["briefing_deliveries_failed"];
    assert_eq!(failed.as_array().map(Vec::len), Some(1), "{json}");
    assert_eq!(
        (failed[0]["sink"].as_str(), failed[0]["attempts"].as_u64()),
        (Some("tim-pimpinan"), Some(1))
    );
    let out = run(&["sources"]).await.unwrap();
    let said = stdout(&out);
    assert!(
        said.contains(
            "Pengiriman telaahan 2026-12-06: gagal ke tim-pimpinan (-100123) setelah 1 percobaan"
        ),
        "{said}"
    );

    let bad = Project::new(
        "[briefing]\ndeliver = [\"surel\"]\n[[alerts.sinks]]\nid = \"hook\"\nkind = \"webhook\"\nurl = \"https://x.id/\"\n",
        "",
    );
    let out = bad.pantau(&["digest", "--send"]);
    assert!(!out.status.success());
    let said = stderr(&out);
    assert!(
        said.contains("[briefing] deliver") && said.contains("tujuan \"surel\" tidak ada"),
        "{said}"
    );
}

/// `pantau run` sends the briefings it writes: started after `briefing_at`, it writes the
/// missed briefing of yesterday (and on a Monday last week's, on the 1st last month's) and
/// sends each to Telegram, and records the deliveries.
#[tokio::test(flavor = "multi_thread")]
async fn the_daemon_sends_the_briefing_it_writes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok())
        .mount(&server)
        .await;
    let config = format!(
        "[schedule]\nbriefing_at = \"00:00\"\n[briefing]\ndeliver = [\"tim-pimpinan\"]\n{}",
        telegram_sink(&server.uri())
    );
    let project = Project::new(&config, "");
    let today = pantau::time::local_date(jiff::Timestamp::now(), &WITA);
    let due = pantau::daemon::schedule::due(today);
    let daemon = common::daemon::Daemon::start(&project, &[]).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let sent = loop {
        let requests = server.received_requests().await.unwrap();
        let paths: Vec<String> = requests.iter().map(|r| r.url.path().to_string()).collect();
        if paths
            .iter()
            .filter(|p| p.ends_with("/sendDocument"))
            .count()
            >= due.len()
            || std::time::Instant::now() > deadline
        {
            break paths;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    daemon.stop(libc::SIGTERM).await;
    let pair = [
        format!("/bot{BOT_TOKEN}/sendMessage"),
        format!("/bot{BOT_TOKEN}/sendDocument"),
    ];
    assert_eq!(
        sent,
        pair.iter()
            .cycle()
            .take(2 * due.len())
            .cloned()
            .collect::<Vec<_>>()
    );
    let mut store = project.store();
    for (kind, date) in due {
        let name = kind.stem(kind.first_day(date));
        let rows = common::blocking(&mut store, |s| s.briefing_deliveries(&name)).unwrap();
        assert_eq!(rows.len(), 1, "{name}: {rows:?}");
        assert_eq!(
            (rows[0].sink.as_str(), rows[0].recipient.as_str()),
            ("tim-pimpinan", "-100123")
        );
        assert!(rows[0].error.is_none(), "{rows:?}");
    }
}

/// `pantau sources` warns about every briefing of the latest sending: on a Monday the day's
/// briefing failing is shown even though the week's was sent after it; a failure from days
/// before, since followed by other sendings, is not.
#[test]
fn failures_of_the_latest_sending_cover_the_day_and_the_week_sent_with_it() {
    let project = Project::new("", "");
    let mut store = project.store();
    let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
    let try_ = |date: &str, ok: bool, when: &str| BriefingDelivery {
        date: date.into(),
        sink: "surel-pimpinan".into(),
        recipient: "gubernur@contoh.id".into(),
        attempt: 3,
        error: (!ok).then(|| "SMTP: koneksi ditolak".into()),
        at: at(when),
    };
    for d in [
        try_("2026-12-04", false, "2026-12-04T23:00:00Z"),
        try_("2026-12-05", true, "2026-12-05T23:00:00Z"),
        try_("2026-12-06", false, "2026-12-06T23:00:10Z"),
        try_("2026-W49", true, "2026-12-06T23:00:40Z"),
    ] {
        common::blocking(&mut store, |s| s.record_briefing_delivery(&d)).unwrap();
    }
    let failed: Vec<_> = store
        .failed_briefing_deliveries()
        .unwrap()
        .into_iter()
        .map(|d| d.date)
        .collect();
    assert_eq!(failed, ["2026-12-06"]);
}

/// A stop does not wait for a delivery's retries: with Telegram failing (HTTP 502) and the next
/// try due in 30 s, SIGTERM ends the daemon within seconds, and the failed try is on record.
#[tokio::test(flavor = "multi_thread")]
async fn a_stop_does_not_wait_for_a_delivery_retry() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .mount(&server)
        .await;
    let config = format!(
        "[schedule]\nbriefing_at = \"00:00\"\n[briefing]\ndeliver = [\"tim-pimpinan\"]\n{}",
        telegram_sink(&server.uri())
    );
    let project = Project::new(&config, "");
    let daemon = common::daemon::Daemon::start(&project, &[]).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while server.received_requests().await.unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no delivery was tried"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The failed try is recorded just after the response; then the retry waits.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stopping = std::time::Instant::now();
    let status = daemon.stop(libc::SIGTERM).await;
    let took = stopping.elapsed();
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_secs(5), "stop took {took:?}");
    let yesterday = pantau::time::local_date(jiff::Timestamp::now(), &WITA)
        .yesterday()
        .unwrap();
    let rows = project
        .with_store(|s| s.briefing_deliveries(&yesterday.to_string()))
        .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].error.is_some(), "{rows:?}");
}
