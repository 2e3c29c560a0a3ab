//! The `jetstream` kind against a real WebSocket server on loopback (tokio-tungstenite, in the
//! test) sending Jetstream events in their real shape: filtering of every event kind, one
//! connection kept across polls, reconnection from the cursor after a drop, malformed
//! messages, and connections that fail.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use common::{Project, fixture, query_i64, round};
use futures_util::{SinkExt, StreamExt};
use pantau::model::Cursor;
use pantau::sources::context::Relevance;
use pantau::sources::http::Fetcher;
use pantau::sources::{Batch, Poll, PollCtx, SourceError};
use pantau::store::Status;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

/// What the test server does on one connection, in order.
enum Step {
    Send(String),
    Binary,
    /// Waits until the test says go on.
    Wait(Arc<Notify>),
    /// Keeps the connection open until the client leaves.
    Hold,
    /// Drops the connection without a close frame, as a crashed server or a cut line does.
    Cut,
}

/// A Jetstream stand-in: the n-th connection plays the n-th script; once the scripts are used
/// up the listener is closed, so a further connection is refused.
struct Server {
    addr: SocketAddr,
    /// The request target of every connection, in order.
    targets: Arc<Mutex<Vec<String>>>,
}

impl Server {
    async fn start(scripts: Vec<Vec<Step>>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let targets = Arc::new(Mutex::new(Vec::new()));
        let seen = targets.clone();
        tokio::spawn(async move {
            for script in scripts {
                let (tcp, _) = listener.accept().await.unwrap();
                let seen = seen.clone();
                tokio::spawn(async move {
                    // The error type is tungstenite's callback contract, not ours to shrink.
                    #[allow(clippy::result_large_err)]
                    let record = |request: &Request, response: Response| {
                        seen.lock().unwrap().push(request.uri().to_string());
                        Ok(response)
                    };
                    let mut ws = tokio_tungstenite::accept_hdr_async(tcp, record)
                        .await
                        .unwrap();
                    for step in script {
                        match step {
                            Step::Send(text) => ws.send(Message::text(text)).await.unwrap(),
                            Step::Binary => {
                                ws.send(Message::binary(vec![0x28, 0xb5])).await.unwrap()
                            }
                            Step::Wait(go) => go.notified().await,
                            Step::Hold => {
                                while let Some(Ok(_)) = ws.next().await {}
                                return;
                            }
                            Step::Cut => return,
                        }
                    }
                });
            }
        });
        Server { addr, targets }
    }

    fn url(&self) -> String {
        format!("ws://{}/subscribe", self.addr)
    }

    fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }
}

const T0: u64 = 1_795_658_400_000_000;

/// A post commit as Jetstream sends it.
fn post(n: u64, langs: &[&str], text: &str) -> String {
    serde_json::json!({
        "did": "did:plc:w4rg4sm7d5empaja2026xyz",
        "time_us": T0 + n,
        "kind": "commit",
        "commit": {
            "rev": format!("3lcnd{n:08}"),
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": format!("3lcnr{n:08}"),
            "record": {
                "$type": "app.bsky.feed.post",
                "createdAt": "2026-11-26T02:00:00.000Z",
                "langs": langs,
                "text": text,
            },
            "cid": "bafyreihq3k2b4hmlp7x2q6m4xqz7vj3kv4c2o5t6p7b3rqx2y2w4nfmj4a"
        }
    })
    .to_string()
}

fn sends(events: impl IntoIterator<Item = String>) -> Vec<Step> {
    events.into_iter().map(Step::Send).collect()
}

fn source(url: &str, extra: &str) -> String {
    format!("[[sources]]\nid = \"js\"\nkind = \"jetstream\"\nurl = \"{url}\"\n{extra}\n")
}

/// The source's poller and context, to drive polls one by one as the daemon's loop does.
fn poller(project: &Project) -> (Box<dyn Poll>, PollCtx) {
    let settings = project.load();
    let cx = PollCtx {
        source: settings.sources[0].id.clone(),
        fetcher: Fetcher::new(&settings.settings.fetch).unwrap(),
        secrets: Default::default(),
        relevant: Some(Relevance::new(|text| {
            text.to_lowercase().contains("banjir")
        })),
    };
    (settings.sources[0].build(), cx)
}

fn token(batch: &Batch) -> u64 {
    match &batch.cursor {
        Cursor::Token { value } => value.parse().unwrap(),
        other => panic!("cursor {other:?}"),
    }
}

/// Identity and account events, likes and deletes store nothing; posts in Indonesian are kept
/// whatever they say, posts in other languages only when they match the keyword lists; an
/// update is a post too; a malformed message and a record with a bad key are skipped; the
/// cursor is the last event's time, whatever its kind.
#[tokio::test(flavor = "multi_thread")]
async fn events_of_every_kind_are_filtered() {
    let lines = String::from_utf8(fixture("jetstream/events.jsonl")).unwrap();
    let mut script = sends(lines.lines().map(str::to_owned));
    script.push(Step::Cut);
    let server = Server::start(vec![script]).await;
    // English counts here too, so the English post about a flood is tagged.
    let project = Project::new(
        "[keywords]\nlanguages = [\"id\", \"en\"]\n",
        &source(&server.url(), "window = \"5s\""),
    );
    let results = round(&project).await;
    let r = &results[0];
    assert!(!r.failed, "{}", r.status);
    // Kept: 4 posts; offered: those 4, the bad key and the image without text.
    assert_eq!((r.items_found, r.new_posts), (6, 4));

    let mut store = project.store();
    let rows: Vec<(String, String, String, String)> = common::sql(&store)
        .prepare(
            "SELECT external_id, url, author, coalesce(lang, '') FROM posts ORDER BY external_id",
        )
        .unwrap()
        .query_map(&[], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        ids,
        [
            "at://did:plc:3xp4tf00dbl0gg3r000000aa/app.bsky.feed.post/3lcnc2a5e2s2d",
            "at://did:plc:humaskaltim00000000000a/app.bsky.feed.post/3lcmyq2b3cs2z",
            "at://did:plc:s4ng4tt4kut1m000000000aa/app.bsky.feed.post/3lcnc2a8h2s2g",
            "at://did:plc:w4rg4sm7d5empaja2026xyz/app.bsky.feed.post/3lcnc2a3c2s2b",
        ]
    );
    let english = &rows[0];
    assert_eq!(
        english.1,
        "https://bsky.app/profile/did:plc:3xp4tf00dbl0gg3r000000aa/post/3lcnc2a5e2s2d"
    );
    assert_eq!(english.2, "did:plc:3xp4tf00dbl0gg3r000000aa");
    assert_eq!(english.3, "en");
    assert_eq!(rows[2].3, "id", "id-ID is stored as id");
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM post_topics WHERE topic_id = 'banjir'"
        ),
        2
    );
    assert_eq!(
        common::blocking(&mut store, |s| s.source_state(&"js".into()))
            .unwrap()
            .cursor,
        Cursor::Token {
            value: "1795658400001313".into()
        }
    );
    assert_eq!(
        server.targets(),
        ["/subscribe?wantedCollections=app.bsky.feed.post"]
    );
}

/// One connection serves successive polls; when the server cuts it, the poll returns what it
/// read and the next poll reconnects with `cursor=` just before the last event; and a poll
/// asked to resume from an older cursor than the one it returned (its batch was not committed)
/// reconnects from there instead of skipping ahead.
#[tokio::test(flavor = "multi_thread")]
async fn the_stream_resumes_from_the_cursor_after_a_cut() {
    let go = Arc::new(Notify::new());
    let mut first = sends([
        post(1, &["id"], "Satu"),
        post(2, &["id"], "Dua"),
        post(3, &["id"], "Tiga"),
    ]);
    first.push(Step::Cut);
    let mut second = sends([post(2, &["id"], "Dua"), post(4, &["id"], "Empat")]);
    second.extend([
        Step::Wait(go.clone()),
        Step::Send(post(5, &["id"], "Lima")),
        Step::Hold,
    ]);
    let server = Server::start(vec![first, second, vec![Step::Hold]]).await;
    let project = Project::new("", &source(&server.url(), "window = \"300ms\""));
    let (poller, cx) = poller(&project);

    let one = poller.poll(&cx, &Cursor::Start).await.unwrap();
    assert_eq!(one.posts.len(), 3);
    assert_eq!(token(&one), T0 + 3);

    let two = poller.poll(&cx, &one.cursor).await.unwrap();
    let texts: Vec<&str> = two.posts.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(
        texts,
        ["Dua", "Empat"],
        "the replay overlaps; the store absorbs it"
    );
    assert_eq!(token(&two), T0 + 4);

    go.notify_one();
    let three = poller.poll(&cx, &two.cursor).await.unwrap();
    assert_eq!(three.posts.len(), 1);
    assert_eq!(token(&three), T0 + 5);

    // As if batch three was not committed: the loop asks again from cursor two.
    let again = poller.poll(&cx, &two.cursor).await.unwrap();
    assert!(again.posts.is_empty());
    assert_eq!(token(&again), T0 + 4, "nothing read: the cursor stays");

    let replay_from = |t: u64| {
        format!(
            "/subscribe?wantedCollections=app.bsky.feed.post&cursor={}",
            t - 5_000_000
        )
    };
    assert_eq!(
        server.targets(),
        [
            "/subscribe?wantedCollections=app.bsky.feed.post".to_string(),
            replay_from(T0 + 3),
            replay_from(T0 + 4),
        ]
    );
}

/// A message that is not JSON, one that is JSON but not an event, and a binary frame are
/// skipped; the events around them are kept and the cursor is the last good event's.
#[tokio::test(flavor = "multi_thread")]
async fn malformed_messages_are_skipped() {
    let mut script = sends([
        post(1, &["id"], "Sebelum"),
        "{\"did\":\"did:plc:x\",\"time_us\":".to_string(),
        "[1, 2, 3]".to_string(),
    ]);
    script.push(Step::Binary);
    script.extend(sends([
        post(2, &["en"], "Banjir after"),
        post(3, &["en"], "Not kept"),
    ]));
    script.push(Step::Cut);
    let server = Server::start(vec![script]).await;
    let project = Project::new("", &source(&server.url(), "langs = [\"id\"]"));
    let (poller, cx) = poller(&project);
    let batch = poller.poll(&cx, &Cursor::Start).await.unwrap();
    let texts: Vec<&str> = batch.posts.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(texts, ["Sebelum", "Banjir after"]);
    assert_eq!(token(&batch), T0 + 3);
}

/// A post that states no language is kept by the language its text is detected in: an
/// Indonesian one whatever it says, an English one only when it matches the lists; a post too
/// short to tell stays out unless it matches.
#[tokio::test(flavor = "multi_thread")]
async fn posts_without_langs_are_kept_by_their_detected_language() {
    let mut script = sends([
        post(
            1,
            &[],
            "Antrean panjang di SPBU Jalan Juanda sejak subuh tadi, warga mengeluh solar kosong",
        ),
        post(
            2,
            &[],
            "Long queues at the petrol station on Juanda street since dawn, people are angry",
        ),
        post(
            3,
            &[],
            "Flooding again near the river in Samarinda this morning",
        ),
        post(4, &[], "antre lagi"),
    ]);
    script.push(Step::Cut);
    let server = Server::start(vec![script]).await;
    let project = Project::new("", &source(&server.url(), "langs = [\"id\"]"));
    let (poller, cx) = poller(&project);
    let batch = poller.poll(&cx, &Cursor::Start).await.unwrap();
    let kept: Vec<(u64, Option<&str>)> = batch
        .posts
        .iter()
        .map(|p| (p.published.as_second() as u64, p.lang.as_deref()))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(batch.posts[0].lang.as_deref(), Some("id"));
    assert!(batch.posts[0].text.starts_with("Antrean"));
    assert_eq!(token(&batch), T0 + 4);
}

/// A refused connection, a server that hangs up before any event and an HTTP refusal of the
/// upgrade each fail the poll with a clear error and the right class (so the loop backs off).
#[tokio::test(flavor = "multi_thread")]
async fn failed_connections_fail_the_poll_clearly() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let refused = format!("ws://{}/subscribe", closed.local_addr().unwrap());
    drop(closed);
    let hangup = Server::start(vec![vec![Step::Cut]]).await;
    let busy = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path("/subscribe"))
        .respond_with(wiremock::ResponseTemplate::new(503).insert_header("Retry-After", "90"))
        .mount(&busy)
        .await;
    let busy_url = format!("{}/subscribe", busy.uri().replace("http://", "ws://"));
    let project = Project::new(
        "",
        &format!(
            "{}{}{}",
            source(&refused, ""),
            source(&hangup.url(), "").replace("\"js\"", "\"hangup\""),
            source(&busy_url, "").replace("\"js\"", "\"busy\"")
        ),
    );
    let results = round(&project).await;
    let health = project.with_store(|s| s.sources_health(&[])).unwrap();
    let expect = [
        (
            "js",
            "connect",
            format!("gagal terhubung: Jetstream {refused}: koneksi ditolak"),
        ),
        (
            "hangup",
            "network",
            format!(
                "koneksi Jetstream {} terputus sebelum ada kejadian",
                hangup.url()
            ),
        ),
        (
            "busy",
            "http_server",
            "HTTP 503 (Retry-After 1m 30s)".into(),
        ),
    ];
    for (id, class, message) in expect {
        let r = results.iter().find(|r| r.source.as_str() == id).unwrap();
        assert!(r.failed, "{id}");
        assert!(r.status.contains(&message), "{id}: {}", r.status);
        let h = health.iter().find(|h| h.id.as_str() == id).unwrap();
        assert_eq!(h.last_error_class.as_deref(), Some(class), "{id}");
    }
}

/// `wss://` goes through rustls: building its TLS client must not panic over the choice of
/// crypto provider, and a peer that is not TLS is a connection error.
#[tokio::test(flavor = "multi_thread")]
async fn a_tls_connection_is_attempted_without_panicking() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            drop(tcp);
        }
    });
    let project = Project::new("", &source(&format!("wss://{addr}/subscribe"), ""));
    let (poller, cx) = poller(&project);
    let result = poller.poll(&cx, &Cursor::Start).await;
    assert!(
        matches!(&result, Err(SourceError::Connect(m)) if m.contains("Jetstream wss://")),
        "{result:?}"
    );
}
