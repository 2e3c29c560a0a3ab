//! Logins and roles over a real listening socket: reads stay open on loopback until the first
//! user exists, then need a session or an API token; the login form sets a strict session
//! cookie (Secure behind a trusted TLS proxy) and refuses a post without its CSRF token or from
//! another site; logout and idle expiry end the session; repeated failures slow down and then
//! lock the login; a viewer is refused what needs an analyst or an admin; `public_read` opens
//! reads; `/metrics` off loopback needs a token; `pantau run` refuses to serve a non-loopback
//! address with no user.

mod common;

use std::time::Duration;

use axum::routing::post;
use common::Project;
use common::web::{client, cookie_value, hidden, set_cookie};
use pantau::Classifier;
use pantau::auth::{self, Role, Throttle};
use pantau::server::auth::{Analyst, Visitor};
use pantau::store::writer::Writer;
use pantau::store::{Accounts, Store};

const PASSWORD: &str = "kopi susu tanpa gula";

/// A URL-encoded form body, as a browser posts it.
trait FormOf {
    fn form_of<K: AsRef<str>, V: AsRef<str>>(self, pairs: &[(K, V)]) -> Self;
}

impl FormOf for reqwest::RequestBuilder {
    fn form_of<K: AsRef<str>, V: AsRef<str>>(self, pairs: &[(K, V)]) -> Self {
        let mut body = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            body.append_pair(k.as_ref(), v.as_ref());
        }
        self.header("content-type", "application/x-www-form-urlencoded")
            .body(body.finish())
    }
}

fn state(
    project: &Project,
    throttle: Option<Throttle>,
) -> (
    pantau::server::AppState,
    pantau::store::writer::WriterThread,
) {
    let config = project.load();
    let settings = &config.settings;
    let classifier = Classifier::load(&settings.keywords.dir).unwrap();
    let (writer, thread) = Writer::spawn(Store::connect(&settings.storage).unwrap());
    let state = common::app_state(&config, classifier, writer);
    let state = match throttle {
        Some(t) => state.with_throttle(t),
        None => state,
    };
    (state, thread)
}

/// The value of the hidden `csrf` field of a page.
fn csrf_field(html: &str) -> String {
    hidden(html, "csrf")
}

fn add_user(project: &Project, name: &str, role: Role) {
    assert!(common::web::add_user(project, name, role, PASSWORD));
}

async fn start(project: &Project) -> common::Served {
    let (state, thread) = state(project, None);
    common::serve(state, thread).await
}

/// What the login page hands a browser: its CSRF cookie and the token in its form.
async fn login_page(c: &reqwest::Client, base: &str) -> (String, String) {
    let r = c
        .get(format!("{base}/login?next=/%3Ftopic%3Dbanjir"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = set_cookie(r.headers(), "pantau_login").expect("the login page sets its cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("Kata sandi"), "{html}");
    (cookie_value(&cookie), csrf_field(&html))
}

/// Posts the login form; returns the response.
async fn post_login(
    c: &reqwest::Client,
    base: &str,
    (cookie, token): (&str, Option<&str>),
    name: &str,
    password: &str,
) -> reqwest::Response {
    let mut form = vec![
        ("name", name),
        ("password", password),
        ("next", "/?topic=banjir"),
    ];
    if let Some(t) = token {
        form.push(("csrf", t));
    }
    c.post(format!("{base}/login"))
        .header("cookie", format!("pantau_login={cookie}"))
        .form_of(&form)
        .send()
        .await
        .unwrap()
}

/// Logs in through the form; returns the session cookie's value.
async fn log_in(c: &reqwest::Client, base: &str, name: &str) -> String {
    let (cookie, token) = login_page(c, base).await;
    let r = post_login(c, base, (&cookie, Some(&token)), name, PASSWORD).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    cookie_value(&set_cookie(r.headers(), "pantau_session").unwrap())
}

async fn status_of(c: &reqwest::Client, url: &str, session: Option<&str>) -> u16 {
    let mut req = c.get(url);
    if let Some(s) = session {
        req = req.header("cookie", format!("pantau_session={s}"));
    }
    req.send().await.unwrap().status().as_u16()
}

fn audit(project: &Project) -> Vec<String> {
    project
        .with_store(|s| s.login_audit(None, 100))
        .unwrap()
        .into_iter()
        .rev()
        .map(|e| format!("{} {}", e.user, e.outcome.as_str()))
        .collect()
}

/// With no user on loopback everything reads as before; the first user closes reads, and the
/// open routes stay open.
#[tokio::test]
async fn reads_need_a_login_once_a_user_exists() {
    let project = Project::new("", "");
    let served = start(&project).await;
    let (c, base) = (client(), served.base.clone());
    for path in [
        "/",
        "/api/topics",
        "/api/sources",
        "/api/briefings",
        "/metrics",
        "/healthz",
    ] {
        assert_eq!(
            status_of(&c, &format!("{base}{path}"), None).await,
            200,
            "{path}"
        );
    }
    // A request through a proxy is not local, even on a loopback bind.
    let proxied = c
        .get(format!("{base}/api/topics"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(proxied.status(), 401);

    add_user(&project, "siti", Role::Analyst);
    let r = c.get(format!("{base}/api/topics")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    assert!(r.text().await.unwrap().contains("pantau user token"));
    let r = c.get(format!("{base}/?topic=banjir")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2F%3Ftopic%3Dbanjir");
    for (path, status) in [
        ("/api/posts", 401),
        ("/api/export", 401),
        ("/api/trends", 401),
        ("/api/stories/1", 401),
        ("/briefings/index.html", 303),
    ] {
        assert_eq!(
            status_of(&c, &format!("{base}{path}"), None).await,
            status,
            "{path}"
        );
    }
    assert_eq!(status_of(&c, &format!("{base}/healthz"), None).await, 200);
    // On a loopback bind /metrics stays open for the local scraper.
    assert_eq!(status_of(&c, &format!("{base}/metrics"), None).await, 200);
    served.stop().await;
}

/// The form logs in with a strict cookie and sends the user back where they were going; a
/// wrong password or a missing CSRF token is refused and audited; logout ends the session.
#[tokio::test]
async fn login_and_logout_through_the_form() {
    let project = Project::new("", "");
    add_user(&project, "siti", Role::Analyst);
    let served = start(&project).await;
    let (c, base) = (client(), served.base.clone());

    let (cookie, token) = login_page(&c, &base).await;
    // Without the token, or with another page's, the form is refused before the password is
    // looked at.
    let r = post_login(&c, &base, (&cookie, None), "siti", PASSWORD).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("CSRF"));
    let r = post_login(&c, &base, (&cookie, Some("0000")), "siti", PASSWORD).await;
    assert_eq!(r.status(), 403);

    let r = post_login(
        &c,
        &base,
        (&cookie, Some(&token)),
        "siti",
        "salah sekali kok",
    )
    .await;
    assert_eq!(r.status(), 401);
    assert!(set_cookie(r.headers(), "pantau_session").is_none());
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Nama pengguna atau kata sandi salah"),
        "{html}"
    );
    // An unknown name gets the very same answer.
    let r = post_login(&c, &base, (&cookie, Some(&token)), "tidakada", PASSWORD).await;
    assert_eq!(r.status(), 401);

    let r = post_login(&c, &base, (&cookie, Some(&token)), "Siti", PASSWORD).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/?topic=banjir");
    let set = set_cookie(r.headers(), "pantau_session").unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=604800"] {
        assert!(set.contains(flag), "{flag} missing: {set}");
    }
    assert!(!set.contains("Secure"), "plain HTTP on loopback: {set}");
    let session = cookie_value(&set);
    assert_eq!(session.len(), 64);
    // The store keeps only the session id's hash.
    let stored: String = project
        .sql()
        .query_row("SELECT id_hash FROM sessions", &[], |r| r.get(0))
        .unwrap();
    assert_ne!(stored, session);
    assert_eq!(stored, auth::secret_hash(&session));

    let page = c
        .get(format!("{base}/"))
        .header("cookie", format!("pantau_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("siti · analis"), "the header names the user");
    // An analyst reads, but the sources' health is for admins.
    assert!(html.contains("Rinciannya untuk peran admin"));
    assert_eq!(
        status_of(&c, &format!("{base}/api/topics"), Some(&session)).await,
        200
    );
    assert_eq!(
        status_of(&c, &format!("{base}/api/sources"), Some(&session)).await,
        403
    );
    let csrf = csrf_field(&html);

    // Logout is a state change: without the token, or from another site, it is refused.
    let logout = |form: Vec<(&'static str, String)>,
                  extra: Option<(&'static str, &'static str)>| {
        let mut req = c
            .post(format!("{base}/logout"))
            .header("cookie", format!("pantau_session={session}"))
            .form_of(&form);
        if let Some((k, v)) = extra {
            req = req.header(k, v);
        }
        req.send()
    };
    assert_eq!(logout(vec![], None).await.unwrap().status(), 403);
    let with_token = vec![("csrf", csrf.clone())];
    let evil = logout(with_token.clone(), Some(("origin", "http://evil.example")))
        .await
        .unwrap();
    assert_eq!(evil.status(), 403);
    let cross = logout(with_token.clone(), Some(("sec-fetch-site", "cross-site")))
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);

    let r = logout(with_token, None).await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
    assert!(
        set_cookie(r.headers(), "pantau_session")
            .unwrap()
            .contains("Max-Age=0")
    );
    // The old cookie no longer opens anything.
    assert_eq!(
        status_of(&c, &format!("{base}/"), Some(&session)).await,
        303
    );
    assert_eq!(
        status_of(&c, &format!("{base}/api/topics"), Some(&session)).await,
        401
    );

    assert_eq!(
        audit(&project),
        ["siti failed", "tidakada failed", "siti ok", "siti logout"]
    );
    let last_login = project
        .with_store(|s| s.user("siti"))
        .unwrap()
        .unwrap()
        .last_login_at;
    assert!(last_login.is_some());
    served.stop().await;
}

/// A fetch with the token in `X-CSRF-Token` passes the check; the same without it does not.
#[tokio::test]
async fn the_csrf_token_also_goes_in_a_header() {
    let project = Project::new("", "");
    add_user(&project, "siti", Role::Viewer);
    let served = start(&project).await;
    let (c, base) = (client(), served.base.clone());
    let session = log_in(&c, &base, "siti").await;
    let post = |token: Option<String>| {
        let mut req = c
            .post(format!("{base}/logout"))
            .header("cookie", format!("pantau_session={session}"))
            .header("sec-fetch-site", "same-origin");
        if let Some(t) = token {
            req = req.header("x-csrf-token", t);
        }
        req.send()
    };
    assert_eq!(post(None).await.unwrap().status(), 403);
    assert_eq!(
        post(Some(auth::csrf_token("another session")))
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        post(Some(auth::csrf_token(&session)))
            .await
            .unwrap()
            .status(),
        303
    );
    served.stop().await;
}

/// Behind a trusted proxy that terminated TLS, the cookie is `Secure`; the same header from
/// anyone else changes nothing, and the audit records the address the proxy forwarded for.
#[tokio::test]
async fn the_cookie_is_secure_behind_a_trusted_tls_proxy() {
    for (trusted, secure, address) in [(true, true, "198.51.100.7"), (false, false, "127.0.0.1")] {
        let extra = if trusted {
            "[http]\ntrusted_proxies = [\"127.0.0.1\"]\n"
        } else {
            ""
        };
        let project = Project::new(extra, "");
        add_user(&project, "siti", Role::Viewer);
        let served = start(&project).await;
        let (c, base) = (client(), served.base.clone());
        let (cookie, token) = login_page(&c, &base).await;
        let r = c
            .post(format!("{base}/login"))
            .header("cookie", format!("pantau_login={cookie}"))
            .header("x-forwarded-proto", "https")
            .header("x-forwarded-for", "198.51.100.7")
            .form_of(&[("name", "siti"), ("password", PASSWORD), ("csrf", &token)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let set = set_cookie(r.headers(), "pantau_session").unwrap();
        assert_eq!(set.contains("; Secure"), secure, "trusted {trusted}: {set}");
        let entry = &project.with_store(|s| s.login_audit(None, 1)).unwrap()[0];
        assert_eq!(entry.address, address);
        served.stop().await;
    }
    let project = Project::new("[http]\nsecure_cookies = true\n", "");
    add_user(&project, "siti", Role::Viewer);
    let served = start(&project).await;
    let (c, base) = (client(), served.base.clone());
    let (cookie, token) = login_page(&c, &base).await;
    let r = post_login(&c, &base, (&cookie, Some(&token)), "siti", PASSWORD).await;
    assert!(
        set_cookie(r.headers(), "pantau_session")
            .unwrap()
            .contains("; Secure")
    );
    served.stop().await;
}

/// After three failures the next try must wait; after the lock-out limit even the right
/// password is refused until the lock ends, and every refusal is audited.
#[tokio::test]
async fn repeated_failures_slow_down_then_lock_the_login() {
    let project = Project::new("", "");
    add_user(&project, "siti", Role::Viewer);
    let served = start(&project).await;
    let (c, base) = (client(), served.base.clone());
    let (cookie, token) = login_page(&c, &base).await;
    let creds = (cookie.as_str(), Some(token.as_str()));
    for _ in 0..3 {
        let r = post_login(&c, &base, creds, "siti", "tebakan yang salah").await;
        assert_eq!(r.status(), 401);
    }
    let r = post_login(&c, &base, creds, "siti", PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("tunggu"));
    // After the wait (1 s after the third failure) the right password goes through.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = post_login(&c, &base, creds, "siti", PASSWORD).await;
    assert_eq!(r.status(), 303);
    served.stop().await;

    // The lock: five failures (no slowing down here, to keep the test quick).
    let project = Project::new("", "");
    add_user(&project, "budi", Role::Viewer);
    let throttle = Throttle {
        slow_after: 100,
        lock_after: 5,
        ..Throttle::default()
    };
    let (state, thread) = state(&project, Some(throttle));
    let served = common::serve(state, thread).await;
    let (c, base) = (client(), served.base.clone());
    let (cookie, token) = login_page(&c, &base).await;
    let creds = (cookie.as_str(), Some(token.as_str()));
    for _ in 0..5 {
        let r = post_login(&c, &base, creds, "budi", "tebakan yang salah").await;
        assert_eq!(r.status(), 401);
    }
    let r = post_login(&c, &base, creds, "budi", PASSWORD).await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((890..=900).contains(&wait), "{wait}");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("dikunci sampai") && html.contains("WITA"),
        "{html}"
    );
    let outcomes = audit(&project);
    assert_eq!(outcomes.iter().filter(|o| *o == "budi failed").count(), 5);
    assert_eq!(outcomes.last().unwrap(), "budi refused");
    served.stop().await;
}

/// An API token acts with its user's role; a wrong one is refused; `public_read` opens reads
/// to anonymous viewers; off loopback, `/metrics` needs a token.
#[tokio::test]
async fn api_tokens_public_read_and_metrics() {
    // The server listens on loopback here, but the rules follow `[http] bind` as configured.
    let project = Project::new("[http]\nbind = \"0.0.0.0:8080\"\n", "");
    add_user(&project, "siti", Role::Viewer);
    add_user(&project, "admin", Role::Admin);
    let token = |name: &str| {
        let out = project.pantau(&["user", "token", name]);
        assert!(out.status.success(), "{}", common::stderr(&out));
        let token = common::stdout(&out).trim().to_string();
        assert!(token.starts_with("pantau_") && token.len() == 71, "{token}");
        assert!(common::stderr(&out).contains("tidak dapat ditampilkan lagi"));
        token
    };
    let (viewer, admin) = (token("siti"), token("admin"));
    let served = start(&project).await;
    let (c, base) = (client(), served.base.clone());
    let get = |path: &str, bearer: Option<&str>| {
        let mut req = c.get(format!("{base}{path}"));
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(get("/api/topics", None).await, 401);
    assert_eq!(get("/api/topics", Some(&viewer)).await, 200);
    assert_eq!(get("/api/topics", Some("pantau_bukan-token")).await, 401);
    assert_eq!(get("/api/sources", Some(&viewer)).await, 403);
    assert_eq!(get("/api/sources", Some(&admin)).await, 200);
    assert_eq!(get("/metrics", None).await, 401);
    assert_eq!(get("/metrics", Some(&viewer)).await, 200);
    assert_eq!(get("/healthz", None).await, 200);
    served.stop().await;
    // `pantau user token --revoke` ends them.
    assert!(
        project
            .pantau(&["user", "token", "siti", "--revoke"])
            .status
            .success()
    );
    let served = start(&project).await;
    let r = c
        .get(format!("{}/api/topics", served.base))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    served.stop().await;

    let project = Project::new(
        "[http]\nbind = \"0.0.0.0:8080\"\npublic_read = true\npublic_metrics = true\n",
        "",
    );
    add_user(&project, "admin", Role::Admin);
    let served = start(&project).await;
    let base = served.base.clone();
    for (path, status) in [
        ("/", 200),
        ("/api/topics", 200),
        ("/api/sources", 403),
        ("/metrics", 200),
    ] {
        assert_eq!(
            status_of(&c, &format!("{base}{path}"), None).await,
            status,
            "{path}"
        );
    }
    served.stop().await;
}

/// A session unused for `session_idle` ends.
#[tokio::test]
async fn an_idle_session_expires() {
    // Times are stored to the second, so a session may count as idle up to a second early:
    // three seconds leave the first request two, however slow the machine.
    let project = Project::new("[http]\nsession_idle = \"3s\"\n", "");
    add_user(&project, "siti", Role::Viewer);
    let served = start(&project).await;
    let (c, base) = (client(), served.base.clone());
    let session = log_in(&c, &base, "siti").await;
    assert_eq!(
        status_of(&c, &format!("{base}/api/topics"), Some(&session)).await,
        200
    );
    tokio::time::sleep(Duration::from_millis(4100)).await;
    assert_eq!(
        status_of(&c, &format!("{base}/api/topics"), Some(&session)).await,
        401
    );
    served.stop().await;
}

/// The role extractors on a route of their own: no user 401, a viewer 403, an analyst
/// through; with a session as with a token.
#[tokio::test]
async fn a_viewer_cannot_reach_an_analyst_route() {
    let project = Project::new("", "");
    add_user(&project, "budi", Role::Viewer);
    add_user(&project, "siti", Role::Analyst);
    let (state, thread) = state(&project, None);
    let extra = axum::Router::new()
        .route(
            "/uji/analis",
            post(|Analyst(user): Analyst, visitor: Visitor| async move {
                format!("{} {}", user.name, visitor.may_read(Role::Viewer))
            }),
        )
        .with_state(state.clone());
    let app = pantau::server::router(state).merge(extra);
    let listener = pantau::server::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(pantau::server::serve(listener, app, async {
        let _ = stopped.await;
    }));
    let c = client();
    let budi = log_in(&c, &base, "budi").await;
    let siti = log_in(&c, &base, "siti").await;
    let call = |session: Option<&str>| {
        let mut req = c.post(format!("{base}/uji/analis"));
        if let Some(s) = session {
            req = req
                .header("cookie", format!("pantau_session={s}"))
                .header("x-csrf-token", auth::csrf_token(s));
        }
        req.send()
    };
    assert_eq!(call(None).await.unwrap().status(), 401);
    let r = call(Some(&budi)).await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("perlu peran analis"));
    let r = call(Some(&siti)).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "siti true");
    let _ = stop.send(());
    task.await.unwrap().unwrap();
    tokio::task::spawn_blocking(move || thread.join())
        .await
        .unwrap();
}

/// `pantau user add` reads the password from stdin when asked, and that password signs in.
#[tokio::test]
async fn a_user_added_on_the_command_line_signs_in() {
    use std::io::Write as _;
    let project = Project::new("", "");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["--config", project.config().to_str().unwrap()])
        .args([
            "user",
            "add",
            "Siti.Rahma",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(common::stdout(&out).contains("\"siti.rahma\" dibuat dengan peran admin"));
    // Without a terminal and without --password-stdin, nothing is asked or created.
    let out = project.pantau(&["user", "add", "budi", "--role", "viewer"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(common::stderr(&out).contains("--password-stdin"));
    let served = start(&project).await;
    let (c, base) = (client(), served.base.clone());
    let session = log_in(&c, &base, "siti.rahma").await;
    assert_eq!(
        status_of(&c, &format!("{base}/api/sources"), Some(&session)).await,
        200
    );
    served.stop().await;
    let list = common::stdout(&project.pantau(&["user", "list"]));
    assert!(list.contains("siti.rahma  admin"), "{list}");
    assert!(
        !list.contains("belum pernah"),
        "the login is listed: {list}"
    );
    let audit = common::stdout(&project.pantau(&["user", "audit"]));
    assert!(
        audit.contains("siti.rahma") && audit.contains("berhasil masuk"),
        "{audit}"
    );
}

/// `pantau run` on an address other than loopback with no user and no `public_read` stops at
/// once, saying what to do.
#[test]
fn run_refuses_an_open_address_without_users() {
    let project = Project::new("[http]\nbind = \"0.0.0.0:0\"\n", "");
    let out = project.pantau(&["run"]);
    assert_eq!(out.status.code(), Some(1));
    let err = common::stderr(&out);
    assert!(err.contains("bukan alamat loopback"), "{err}");
    assert!(
        err.contains("saran: buat pengguna dulu: `pantau user add NAMA --role admin`"),
        "{err}"
    );
}
