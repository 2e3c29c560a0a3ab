//! No fetch into private networks unless allowed: a name that resolves to loopback, an
//! IPv4-mapped loopback address and a redirect into a loopback address that is not allowed are
//! each refused before any connection — a listener on the refused address sees none — and
//! count as the source's failure (class `private_address`, or `redirect` when a server
//! redirected there); `allow_private`, in `[fetch]` or a
//! source's own, as an address or a CIDR range, lets a fetch through. Only loopback addresses
//! are used (127.0.0.0/8).

mod common;

use std::net::TcpListener;

use common::{Project, feed_source, result, round, rss, stderr};
use pantau::store::Status;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ITEM: &[(&str, &str, &str, &str)] = &[(
    "p-1",
    "Banjir rendam Sempaja",
    "Air setinggi 50 cm di Samarinda.",
    "https://warta.example/1",
)];

/// A project whose only allowance is `local_toml` (none when empty): the helper's loopback
/// allowance is replaced.
fn project(local_toml: &str, sources: &str) -> Project {
    let project = Project::new("", sources);
    project.write_local(local_toml);
    project
}

/// A listener on `ip`, port chosen by the system, that must never see a connection.
fn untouched(ip: &str) -> TcpListener {
    let listener = TcpListener::bind((ip, 0)).unwrap();
    listener.set_nonblocking(true).unwrap();
    listener
}

/// Fails when anything connected to `listener`.
fn assert_no_connection(listener: &TcpListener) {
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok((_, peer)) => panic!("a connection from {peer} reached the refused address"),
        Err(e) => panic!("{e}"),
    }
}

async fn feed_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rss"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(rss(ITEM), "application/rss+xml"))
        .mount(&server)
        .await;
    server
}

/// The stored health of source `id`: its last error class and message.
fn last_error(project: &Project, id: &str) -> (Option<String>, Option<String>) {
    let health = project.with_store(|s| s.sources_health(&[])).unwrap();
    let h = health.into_iter().find(|h| h.id.as_str() == id).unwrap();
    (h.last_error_class, h.last_error)
}

/// `localhost` resolves (through the system's resolver, /etc/hosts) to loopback: refused by
/// the address it resolves to, with nothing allowed, and no connection is made.
#[tokio::test]
async fn a_name_resolving_to_loopback_is_refused_before_connecting() {
    let listener = untouched("127.0.0.1");
    let port = listener.local_addr().unwrap().port();
    let url = format!("http://localhost:{port}/rss");
    let project = project("", &feed_source("lokal", &url, ""));
    let results = round(&project).await;
    let r = result(&results, "lokal");
    assert!(r.failed);
    assert!(
        r.status.contains("localhost (alamat privat/lokal ")
            && r.status.contains(", loopback) ditolak"),
        "{}",
        r.status
    );
    assert!(r.hint.unwrap().contains("allow_private"));
    assert_eq!(
        last_error(&project, "lokal").0.as_deref(),
        Some("private_address")
    );
    assert_no_connection(&listener);
}

/// `[::ffff:127.0.0.1]` is judged as 127.0.0.1; an IPv6 socket would reach the IPv4 listener.
#[tokio::test]
async fn an_ipv4_mapped_loopback_address_is_refused_before_connecting() {
    let listener = untouched("127.0.0.1");
    let port = listener.local_addr().unwrap().port();
    let url = format!("http://[::ffff:127.0.0.1]:{port}/rss");
    let project = project("", &feed_source("mapped", &url, ""));
    let results = round(&project).await;
    let r = result(&results, "mapped");
    assert!(r.failed);
    assert!(
        r.status
            .contains("alamat privat/lokal 127.0.0.1 (loopback) ditolak"),
        "{}",
        r.status
    );
    let (class, error) = last_error(&project, "mapped");
    assert_eq!(class.as_deref(), Some("private_address"));
    assert!(error.unwrap().contains("127.0.0.1"));
    assert_no_connection(&listener);
}

/// An allowed server on 127.0.0.1 (exactly `127.0.0.1/32`) redirects to 127.0.0.2, which is
/// not allowed: the redirect is not followed and 127.0.0.2 sees no connection. The class is
/// `redirect`: the configured address was fine, the server's redirect was not.
#[tokio::test]
async fn a_redirect_to_a_loopback_address_not_allowed_is_refused() {
    let refused = untouched("127.0.0.2");
    let target = format!("http://{}/rss", refused.local_addr().unwrap());
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/pindah"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", target.as_str()))
        .expect(1)
        .mount(&server)
        .await;
    let url = format!("{}/pindah", server.uri());
    let project = project(
        "[fetch]\nallow_private = [\"127.0.0.1/32\"]\n",
        &feed_source("alih", &url, ""),
    );
    let results = round(&project).await;
    let r = result(&results, "alih");
    assert!(r.failed);
    assert!(
        r.status
            .contains("pengalihan (redirect) ditolak: ke alamat privat/lokal 127.0.0.2 (loopback)"),
        "{}",
        r.status
    );
    assert!(r.hint.unwrap().contains("allow_private"));
    assert_eq!(last_error(&project, "alih").0.as_deref(), Some("redirect"));
    assert_no_connection(&refused);
    server.verify().await;
}

/// A range allows every address in it: the same redirect is followed when `127.0.0.0/8` is
/// allowed, so the refusal above is the allowance's doing.
#[tokio::test]
async fn a_cidr_allowance_lets_a_redirect_through() {
    let target = feed_server_on("127.0.0.2").await;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/pindah"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("Location", format!("{}/rss", target.uri())),
        )
        .mount(&server)
        .await;
    let url = format!("{}/pindah", server.uri());
    let project = project(
        "[fetch]\nallow_private = [\"127.0.0.0/8\"]\n",
        &feed_source("alih", &url, ""),
    );
    let results = round(&project).await;
    let r = result(&results, "alih");
    assert!(!r.failed, "{}", r.status);
    assert_eq!(r.new_posts, 1);
    assert_eq!(target.received_requests().await.unwrap().len(), 1);
}

async fn feed_server_on(ip: &str) -> MockServer {
    let listener = TcpListener::bind((ip, 0)).unwrap();
    let server = MockServer::builder().listener(listener).start().await;
    Mock::given(method("GET"))
        .and(path("/rss"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(rss(ITEM), "application/rss+xml"))
        .mount(&server)
        .await;
    server
}

/// A source's own `allow_private` lets that source through and no other: with nothing in
/// `[fetch]`, two sources read the same server by name; only the one that allows it reaches
/// the server, even though the other runs in the same round.
#[tokio::test]
async fn a_sources_own_allowance_is_its_own() {
    let server = feed_server().await;
    let url = format!("http://localhost:{}/rss", server.address().port());
    let sources = format!(
        "{}{}",
        feed_source("kantor", &url, "allow_private = [\"127.0.0.1\"]"),
        feed_source("lain", &url, "")
    );
    let project = project("", &sources);
    let results = round(&project).await;
    let kantor = result(&results, "kantor");
    assert!(!kantor.failed, "{}", kantor.status);
    assert_eq!(kantor.new_posts, 1);
    let lain = result(&results, "lain");
    assert!(lain.failed);
    assert!(lain.status.contains("ditolak"), "{}", lain.status);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// The Jetstream WebSocket is not opened by the HTTP client; it is refused the same way.
#[tokio::test]
async fn a_websocket_to_loopback_is_refused_before_connecting() {
    let listener = untouched("127.0.0.1");
    let url = format!("ws://{}/subscribe", listener.local_addr().unwrap());
    let project = project(
        "",
        &format!(
            "[[sources]]\nid = \"js\"\nkind = \"jetstream\"\nurl = \"{url}\"\nwindow = \"1s\"\n"
        ),
    );
    let results = round(&project).await;
    let r = result(&results, "js");
    assert!(r.failed);
    assert!(
        r.status.contains("127.0.0.1 (loopback) ditolak"),
        "{}",
        r.status
    );
    assert_no_connection(&listener);
}

/// A wrong entry is a configuration error at its file and line, with what to write.
#[test]
fn a_wrong_entry_is_a_config_error_at_its_line() {
    let project = project(
        "[fetch]\nallow_private = [\"127.0.0.1\", \"10.0.0.0/33\"]\n",
        &feed_source(
            "kantor",
            "https://warta.example/rss",
            "allow_private = [\"intranet.kantor\"]",
        ),
    );
    let out = project.pantau(&["sources"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("local.toml:2"), "{err}");
    assert!(err.contains("rentang \"10.0.0.0/33\" tidak valid"), "{err}");
    assert!(err.contains("default.toml:6"), "{err}");
    assert!(err.contains("\"intranet.kantor\" bukan alamat IP"), "{err}");
    assert!(
        err.contains("saran: tulis alamat IP atau rentang CIDR"),
        "{err}"
    );
}

/// The same fetch that is refused goes through with the address allowed in `[fetch]`, also
/// written as its IPv4-mapped form.
#[tokio::test]
async fn an_allowed_address_is_fetched() {
    let server = feed_server().await;
    let port = server.address().port();
    let sources = format!(
        "{}{}",
        feed_source("biasa", &format!("http://127.0.0.1:{port}/rss"), ""),
        feed_source(
            "mapped",
            &format!("http://[::ffff:127.0.0.1]:{port}/rss"),
            ""
        )
    );
    let project = project(
        "[fetch]\nallow_private = [\"::ffff:127.0.0.1\"]\n",
        &sources,
    );
    let results = round(&project).await;
    for id in ["biasa", "mapped"] {
        let r = result(&results, id);
        assert!(!r.failed, "{id}: {}", r.status);
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
