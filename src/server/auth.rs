//! Logins, sessions and who may reach which route, over the rules of [`crate::auth`] and the
//! users of the store ([`crate::store::Accounts`]).
//!
//! - **Who is asking** ([`Visitor`]): a user by an API token (`Authorization: Bearer …`,
//!   checked first) or by the session cookie; else nobody. Nobody still reads when
//!   `[http] public_read` is on (as viewer), or while no user exists and the server listens
//!   on loopback and the request came straight, not through a proxy (as before logins
//!   existed; a log line at start says so).
//! - **Reads** ([`reads`], a layer on the read routes): a visitor who may not read gets 401
//!   (JSON) from `/api/…`, and a redirect to the login page from a page.
//! - **`/metrics`** ([`metrics`]): open on a loopback bind (requests not through a proxy) or
//!   with `[http] public_metrics`; else any signed-in user or token.
//! - **State-changing requests** ([`csrf`], a layer on every route): a POST, PUT, PATCH or
//!   DELETE from a browser needs the session's CSRF token (form field `csrf` or header
//!   `X-CSRF-Token`) and must not come from another site (`Sec-Fetch-Site`, `Origin`). The
//!   login form's token is a random cookie of the login page (no session exists yet).
//!   Requests with a bearer token carry no cookie's authority and `POST /api/ingest` keeps its
//!   own token rule: both are left to their routes.
//! - **Roles on a route**: the extractors [`SignedIn`] (any user), [`Analyst`] and [`Admin`]
//!   answer 401 without a user and 403 without the role.
//!
//! Session ids are 256 random bits in the cookie `pantau_session` (HttpOnly, SameSite=Strict,
//! Path=/, Secure over TLS); the store keeps their SHA-256. A session ends after
//! `[http] session_idle` unused or `session_max` after its login, at logout, at a new
//! password, and with its user.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use super::layout::{self, escape};
use super::read::with_store;
use super::{ApiError, AppState};
use crate::auth::{self, ADDRESS_FACTOR, Role, Throttle, Verdict};
use crate::config::HttpSettings;
use crate::config::value::IpRanges;
use crate::store::Accounts;
use crate::store::users::{Attempts, LoginEntry, Outcome};

/// The session cookie.
pub const SESSION_COOKIE: &str = "pantau_session";
/// The login form's CSRF cookie, set by the login page.
const LOGIN_COOKIE: &str = "pantau_login";
pub use super::layout::CSRF_FIELD;
/// The header holding the CSRF token, for `fetch`.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Largest form body the CSRF check reads for its token.
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;
/// A session's last use is written at most this often (not at every request).
const TOUCH_EVERY: SignedDuration = SignedDuration::from_secs(60);

/// How the server decides who may do what: `[http]`'s keys, read once at start.
#[derive(Debug)]
pub(super) struct Access {
    /// `[http] bind` is a loopback address.
    loopback: bool,
    public_read: bool,
    public_metrics: bool,
    secure_cookies: bool,
    trusted_proxies: IpRanges,
    session_idle: Duration,
    session_max: Duration,
    throttle: Throttle,
    /// Login attempts being checked, by `u:NAME` and `a:ADDRESS`: one at a time each, so
    /// parallel guesses cannot all pass the lock-out check before the first failure is
    /// recorded.
    in_flight: Mutex<HashSet<String>>,
}

impl Access {
    pub(super) fn new(http: &HttpSettings) -> Access {
        Access {
            loopback: http.bind.ip().is_loopback(),
            public_read: http.public_read,
            public_metrics: http.public_metrics,
            secure_cookies: http.secure_cookies,
            trusted_proxies: http.trusted_proxies.clone(),
            session_idle: http.session_idle,
            session_max: http.session_max,
            throttle: Throttle::default(),
            in_flight: Mutex::new(HashSet::new()),
        }
    }

    pub(super) fn with_throttle(mut self, throttle: Throttle) -> Access {
        self.throttle = throttle;
        self
    }
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// The session's CSRF token; none for an API token (which needs none).
    csrf: Option<String>,
    /// The hash of the session id, to end it at logout.
    session: Option<String>,
}

/// Who is asking, resolved once per request.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// The signed-in user, if any.
    pub user: Option<User>,
    /// The role reads are made with: the user's; viewer under `public_read`; admin while no
    /// user exists on loopback (the machine's operator); none when the visitor may not read.
    pub reads: Option<Role>,
}

impl Visitor {
    /// The session's CSRF token, for a form or a `fetch` header.
    pub fn csrf_token(&self) -> Option<&str> {
        self.user.as_ref().and_then(|u| u.csrf.as_deref())
    }

    /// A hidden form field carrying the CSRF token (put it in every form that posts).
    pub fn csrf_field(&self) -> Option<String> {
        self.csrf_token().map(layout::csrf_field)
    }

    /// The signed-in user, for a page's header ([`layout::page`]).
    pub fn account(&self) -> Option<layout::Account<'_>> {
        self.user.as_ref().map(|u| layout::Account {
            name: &u.name,
            role: u.role,
            csrf: u.csrf.as_deref(),
        })
    }

    /// Whether the visitor may read what `role` may.
    pub fn may_read(&self, role: Role) -> bool {
        self.reads.is_some_and(|r| r.allows(role))
    }
}

/// A route that needs a signed-in user of at least `needed`: the user, or 401 / 403.
fn require(visitor: &Visitor, needed: Role) -> Result<User, ApiError> {
    match &visitor.user {
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "perlu masuk dulu: buka /login, atau kirim Authorization: Bearer <token pengguna>",
        )),
        Some(u) if !u.role.allows(needed) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "peran {} tidak boleh melakukan ini; perlu peran {} atau lebih tinggi",
                u.role.label(),
                needed.label()
            ),
        )),
        Some(u) => Ok(u.clone()),
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(v) = parts.extensions.get::<Visitor>() {
            return Ok(v.clone());
        }
        let visitor = resolve(state, &parts.headers).await?;
        parts.extensions.insert(visitor.clone());
        Ok(visitor)
    }
}

/// Any signed-in user (session or API token).
pub struct SignedIn(pub User);
/// A signed-in analyst or admin.
pub struct Analyst(pub User);
/// A signed-in admin.
pub struct Admin(pub User);

macro_rules! role_extractor {
    ($name:ident, $role:expr) => {
        impl FromRequestParts<AppState> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, ApiError> {
                let visitor = Visitor::from_request_parts(parts, state).await?;
                require(&visitor, $role).map($name)
            }
        }
    };
}

role_extractor!(SignedIn, Role::Viewer);
role_extractor!(Analyst, Role::Analyst);
role_extractor!(Admin, Role::Admin);

/// The value of cookie `name` in the request's `Cookie` headers.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// The bearer token of the request, if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Whether the request came through a proxy (which may be serving it to the world even when
/// the server listens on loopback).
fn proxied(headers: &HeaderMap) -> bool {
    ["x-forwarded-for", "forwarded", "x-real-ip"]
        .iter()
        .any(|h| headers.contains_key(*h))
}

/// Works out who is asking: a token, a session, or nobody (see the module doc).
async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Visitor, ApiError> {
    let access = &state.inner.access;
    let token = bearer(headers).map(auth::secret_hash);
    let session_id = cookie(headers, SESSION_COOKIE).map(str::to_owned);
    let session_hash = session_id.as_deref().map(auth::secret_hash);
    let lookup = (token.clone(), session_hash.clone());
    let (found, users) = with_store(state, move |store, _| {
        let users = store.count_users()?;
        let found = match lookup {
            (Some(token), _) => Found::Token(store.token_user(&token)?),
            (None, Some(hash)) => Found::Session(store.session(&hash)?),
            (None, None) => Found::Nobody,
        };
        Ok((found, users))
    })
    .await?;
    let now = Timestamp::now();
    let user = match found {
        Found::Token(None) => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "token tidak dikenal atau sudah dicabut; buat yang baru dengan `pantau user token NAMA`",
            ));
        }
        Found::Token(Some(row)) => row.role.parse().ok().map(|role| User {
            name: row.name,
            role,
            csrf: None,
            session: None,
        }),
        Found::Session(Some(s)) => {
            let hash = session_hash.unwrap_or_default();
            let idle = SignedDuration::try_from(access.session_idle).unwrap_or_default();
            if now >= s.expires_at || now - idle >= s.last_seen_at {
                end_session(state, hash);
                None
            } else {
                if now - TOUCH_EVERY >= s.last_seen_at {
                    touch_session(state, hash.clone(), now);
                }
                s.role.parse().ok().map(|role| User {
                    name: s.user,
                    role,
                    csrf: session_id.as_deref().map(auth::csrf_token),
                    session: Some(hash),
                })
            }
        }
        Found::Session(None) | Found::Nobody => None,
    };
    let reads = match &user {
        Some(u) => Some(u.role),
        None if access.public_read => Some(Role::Viewer),
        None if users == 0 && access.loopback && !proxied(headers) => Some(Role::Admin),
        None => None,
    };
    Ok(Visitor { user, reads })
}

enum Found {
    Token(Option<crate::store::users::UserRow>),
    Session(Option<crate::store::users::SessionRow>),
    Nobody,
}

/// Records a session's use, without making the request wait for the writer.
fn touch_session(state: &AppState, hash: String, now: Timestamp) {
    let writer = state.inner.pipeline.writer().clone();
    tokio::spawn(async move {
        if let Ok(Err(e)) = writer.call(move |s| s.touch_session(&hash, now)).await {
            tracing::warn!(error = %e, "sesi tidak dapat diperbarui");
        }
    });
}

fn end_session(state: &AppState, hash: String) {
    let writer = state.inner.pipeline.writer().clone();
    tokio::spawn(async move {
        if let Ok(Err(e)) = writer.call(move |s| s.end_session(&hash)).await {
            tracing::warn!(error = %e, "sesi tidak dapat diakhiri");
        }
    });
}

/// The layer of the read routes: lets a visitor who may read through (with the [`Visitor`]
/// in the request's extensions), and sends anyone else to the login page or a 401.
pub(super) async fn reads(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let visitor = match resolve(&state, request.headers()).await {
        Ok(v) => v,
        Err(e) => return unauthorized(e),
    };
    if visitor.reads.is_none() {
        let uri = request.uri();
        if uri.path().starts_with("/api/") {
            return unauthorized(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "perlu masuk: kirim Authorization: Bearer <token> (buat dengan `pantau user token NAMA`) \
                 atau masuk lewat /login",
            ));
        }
        let back = uri
            .path_and_query()
            .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
        return Redirect::to(&login_url(&back)).into_response();
    }
    request.extensions_mut().insert(visitor);
    next.run(request).await
}

/// The layer of `/metrics` (see the module doc).
pub(super) async fn metrics(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let access = &state.inner.access;
    let open = access.public_metrics || (access.loopback && !proxied(request.headers()));
    if !open {
        match resolve(&state, request.headers()).await {
            Ok(Visitor { user: Some(_), .. }) => {}
            Ok(_) => {
                return unauthorized(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "/metrics di alamat ini perlu token pengguna (Authorization: Bearer …), \
                     atau [http] public_metrics = true",
                ));
            }
            Err(e) => return unauthorized(e),
        }
    }
    next.run(request).await
}

fn unauthorized(e: ApiError) -> Response {
    let is_401 = e.status == StatusCode::UNAUTHORIZED;
    let mut response = e.into_response();
    if is_401 {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// `/login?next=PATH`.
fn login_url(next: &str) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("next", next);
    format!("/login?{}", q.finish())
}

/// A path on this site to go back to after login; anything else (another site, `//host`,
/// `/\host`) goes to the dashboard.
pub(super) fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.starts_with("/\\")
                && !p.chars().any(char::is_control) =>
        {
            p.to_string()
        }
        _ => "/".to_string(),
    }
}

/// The layer of every route: state-changing browser requests need their CSRF token and must
/// come from this site (see the module doc).
pub(super) async fn csrf(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe || request.uri().path() == "/api/ingest" || bearer(request.headers()).is_some() {
        return next.run(request).await;
    }
    match checked(request).await {
        Ok(request) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

async fn checked(request: Request) -> Result<Request, ApiError> {
    let forbidden = |m: &str| ApiError::new(StatusCode::FORBIDDEN, m);
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err(forbidden("permintaan dari situs lain ditolak"));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let origin_host = origin
            .to_str()
            .ok()
            .and_then(|o| url::Url::parse(o).ok())
            .and_then(|u| {
                let host = u.host_str()?.to_string();
                Some(match u.port() {
                    Some(p) => format!("{host}:{p}"),
                    None => host,
                })
            });
        if host.is_none() || origin_host.as_deref() != host {
            return Err(forbidden("permintaan dari situs lain ditolak (Origin)"));
        }
    }
    let mut expected: Vec<String> = Vec::new();
    if let Some(sid) = cookie(headers, SESSION_COOKIE) {
        expected.push(auth::csrf_token(sid));
    }
    if request.uri().path() == "/login"
        && let Some(token) = cookie(headers, LOGIN_COOKIE)
    {
        expected.push(token.to_string());
    }
    let from_header = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (request, presented) = match from_header {
        Some(t) => (request, Some(t)),
        None => form_token(request).await?,
    };
    let ok = presented.is_some_and(|p| {
        expected
            .iter()
            .any(|e| auth::same_secret(p.as_bytes(), e.as_bytes()))
    });
    if ok {
        Ok(request)
    } else {
        Err(forbidden(
            "token CSRF tidak ada atau salah; muat ulang halamannya lalu kirim lagi",
        ))
    }
}

/// The `csrf` field of a form body, with the request rebuilt around the body read.
async fn form_token(request: Request) -> Result<(Request, Option<String>), ApiError> {
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((request, None));
    }
    let (parts, body) = request.into_parts();
    let bytes: Bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("isian formulir lebih dari {} MB", MAX_FORM_BYTES >> 20),
            )
        })?;
    let token = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.into_owned());
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
}

/// The connection's peer address, when the server was started with it (`super::serve`).
struct Peer(Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

#[derive(Debug, Deserialize)]
struct NextParam {
    next: Option<String>,
}

/// The client's address: the peer, or what a trusted proxy says it forwarded for.
fn client(state: &AppState, peer: Option<SocketAddr>, headers: &HeaderMap) -> (String, bool) {
    let access = &state.inner.access;
    let Some(peer) = peer else {
        return ("tidak diketahui".into(), access.secure_cookies);
    };
    if !access.trusted_proxies.contains(peer.ip()) {
        return (peer.ip().to_string(), access.secure_cookies);
    }
    let forwarded = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|a| a.trim().parse::<IpAddr>().ok());
    let tls = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
    (
        forwarded.unwrap_or(peer.ip()).to_string(),
        access.secure_cookies || tls,
    )
}

fn set_cookie(
    name: &str,
    value: &str,
    path: &str,
    max_age: Option<u64>,
    secure: bool,
) -> HeaderValue {
    let mut c = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).expect("cookie names and hex values are valid header text")
}

async fn login_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<NextParam>,
    Peer(peer): Peer,
    headers: HeaderMap,
) -> Response {
    let next = local_path(q.next.as_deref());
    if visitor.user.is_some() {
        return Redirect::to(&next).into_response();
    }
    let (_, secure) = client(&state, peer, &headers);
    login_form(StatusCode::OK, &next, None, "", secure)
}

/// The login form with a fresh CSRF cookie, and an error above it.
fn login_form(
    status: StatusCode,
    next: &str,
    error: Option<&str>,
    name: &str,
    secure: bool,
) -> Response {
    let token = match auth::new_secret() {
        Ok(t) => t,
        Err(e) => {
            return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response();
        }
    };
    let error = error.map_or_else(String::new, |e| {
        format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e))
    });
    let body = format!(
        "<h2>Masuk</h2>\n<div class=\"box\">\n{error}\
         <form method=\"post\" action=\"/login\">\n\
         <input type=\"hidden\" name=\"{CSRF_FIELD}\" value=\"{token}\">\n\
         <input type=\"hidden\" name=\"next\" value=\"{next}\">\n\
         <label for=\"name\">Nama pengguna</label>\n\
         <input type=\"text\" id=\"name\" name=\"name\" value=\"{name}\" autocomplete=\"username\" \
         autocapitalize=\"none\" spellcheck=\"false\" required autofocus>\n\
         <label for=\"password\">Kata sandi</label>\n\
         <input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required>\n\
         <button class=\"primary\" type=\"submit\">Masuk</button>\n</form>\n</div>\n\
         <p class=\"muted\">Akun dibuat oleh admin dengan <code>pantau user add</code>.</p>",
        next = escape(next),
        name = escape(name),
    );
    let mut response = layout::page(status, "Masuk", None, &body, true);
    response.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(LOGIN_COOKIE, &token, "/login", Some(3600), secure),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// Releases a login's in-flight marks when the attempt ends, however it ends.
struct InFlight<'a> {
    set: &'a Mutex<HashSet<String>>,
    keys: [String; 2],
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Ok(mut set) = self.set.lock() {
            for k in &self.keys {
                set.remove(k);
            }
        }
    }
}

async fn login(
    State(state): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let (address, secure) = client(&state, peer, &headers);
    let next = local_path(form.next.as_deref());
    let typed: String = form
        .name
        .trim()
        .to_lowercase()
        .chars()
        .take(auth::MAX_NAME)
        .collect();
    let access = &state.inner.access;
    let keys = [format!("u:{typed}"), format!("a:{address}")];
    let _guard = {
        let mut set = access.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        if keys.iter().any(|k| set.contains(k)) {
            return login_form(
                StatusCode::TOO_MANY_REQUESTS,
                &next,
                Some("Percobaan masuk lain untuk akun ini sedang diperiksa; coba lagi sebentar."),
                &typed,
                secure,
            );
        }
        set.extend(keys.iter().cloned());
        InFlight {
            set: &access.in_flight,
            keys,
        }
    };
    match attempt(&state, &typed, &form.password, &address).await {
        Ok(Attempt::Refused(verdict)) => refused(&state, verdict, &next, &typed, secure),
        Ok(Attempt::Failed) => login_form(
            StatusCode::UNAUTHORIZED,
            &next,
            Some("Nama pengguna atau kata sandi salah."),
            &typed,
            secure,
        ),
        Ok(Attempt::Ok(session_id)) => {
            tracing::info!(user = %typed, address = %address, "masuk");
            let max_age = access.session_max.as_secs();
            let mut response = Redirect::to(&next).into_response();
            let headers = response.headers_mut();
            headers.append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &session_id, "/", Some(max_age), secure),
            );
            headers.append(
                header::SET_COOKIE,
                set_cookie(LOGIN_COOKIE, "", "/login", Some(0), secure),
            );
            response
        }
        Err(e) => e.into_response(),
    }
}

enum Attempt {
    Refused(Verdict),
    Failed,
    /// The new session's id.
    Ok(String),
}

/// One login attempt: the lock-out check, the password, the audit row and the session.
async fn attempt(
    state: &AppState,
    name: &str,
    password: &str,
    address: &str,
) -> Result<Attempt, ApiError> {
    let access = &state.inner.access;
    let now = Timestamp::now();
    let since = access.throttle.window_start(now);
    let (n, a) = (name.to_string(), address.to_string());
    let (user, by_user, by_address) = with_store(state, move |store, _| {
        Ok((
            store.user(&n)?,
            store.login_failures(Attempts::User(&n), since)?,
            store.login_failures(Attempts::Address(&a), since)?,
        ))
    })
    .await?;
    let t = access.throttle;
    let verdict = Throttle::stricter(
        t.verdict(by_user.count, by_user.last, 1, now),
        t.verdict(by_address.count, by_address.last, ADDRESS_FACTOR, now),
    );
    if verdict != Verdict::Go {
        audit(state, name, address, Outcome::Refused, now).await?;
        return Ok(Attempt::Refused(verdict));
    }
    let hash = user.as_ref().map_or_else(
        || auth::decoy_hash().to_string(),
        |u| u.password_hash.clone(),
    );
    let password = password.to_string();
    let matches = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let Some(user) = user.filter(|_| matches) else {
        tracing::warn!(user = %name, address = %address, "gagal masuk");
        // The wait runs from the answer, not from the start of a check that may take a second
        // on a busy machine (the hash is slow on purpose): else it could be over before the
        // client has heard of the failure.
        audit(state, name, address, Outcome::Failed, Timestamp::now()).await?;
        return Ok(Attempt::Failed);
    };
    let session_id = auth::new_secret()
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let hash = auth::secret_hash(&session_id);
    let expires = now + SignedDuration::try_from(access.session_max).unwrap_or_default();
    let idle_before = now - SignedDuration::try_from(access.session_idle).unwrap_or_default();
    let entry = LoginEntry {
        at: now,
        user: user.name.clone(),
        address: address.to_string(),
        outcome: Outcome::Ok,
    };
    state
        .inner
        .pipeline
        .writer()
        .call(move |s| {
            s.prune_sessions(idle_before, now)?;
            s.create_session(&hash, &user.name, now, expires)?;
            s.record_login(&entry)
        })
        .await??;
    Ok(Attempt::Ok(session_id))
}

async fn audit(
    state: &AppState,
    name: &str,
    address: &str,
    outcome: Outcome,
    at: Timestamp,
) -> Result<(), ApiError> {
    let entry = LoginEntry {
        at,
        user: name.to_string(),
        address: address.to_string(),
        outcome,
    };
    state
        .inner
        .pipeline
        .writer()
        .call(move |s| s.record_login(&entry))
        .await??;
    Ok(())
}

/// 429 with when to try again.
fn refused(state: &AppState, verdict: Verdict, next: &str, name: &str, secure: bool) -> Response {
    let now = Timestamp::now();
    let (until, message) = match verdict {
        Verdict::Locked(until) => (
            until,
            format!(
                "Terlalu banyak percobaan gagal: akun atau alamat ini dikunci sampai {}.",
                crate::time::format_local(until, &state.inner.timezone, state.inner.lang)
            ),
        ),
        Verdict::Wait(until) => {
            let secs = (until - now).as_secs().max(1);
            (
                until,
                format!("Terlalu banyak percobaan gagal: tunggu {secs} detik lalu coba lagi."),
            )
        }
        Verdict::Go => (now, "Coba lagi.".to_string()),
    };
    let mut response = login_form(
        StatusCode::TOO_MANY_REQUESTS,
        next,
        Some(&message),
        name,
        secure,
    );
    let secs = (until - now).as_secs().max(1);
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

async fn logout(
    State(state): State<AppState>,
    visitor: Visitor,
    Peer(peer): Peer,
    headers: HeaderMap,
) -> Response {
    let (address, secure) = client(&state, peer, &headers);
    if let Some(User {
        name,
        session: Some(hash),
        ..
    }) = visitor.user
    {
        let now = Timestamp::now();
        let entry = LoginEntry {
            at: now,
            user: name,
            address,
            outcome: Outcome::Logout,
        };
        let done = state
            .inner
            .pipeline
            .writer()
            .call(move |s| {
                s.end_session(&hash)?;
                s.record_login(&entry)
            })
            .await;
        if let Err(e) = done
            .map_err(ApiError::from)
            .and_then(|r| r.map_err(ApiError::from))
        {
            return e.into_response();
        }
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", "/", Some(0), secure),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(local_path(Some("/?topic=banjir")), "/?topic=banjir");
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "",
            "/\nx",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn cookies_and_bearers_are_read_whole() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; pantau_session=abc ; b=2"),
        );
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  tok "),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "pantau"), None);
        assert_eq!(bearer(&h), Some("tok"));
    }

    #[test]
    fn a_role_is_needed_and_checked() {
        let user = |role| Visitor {
            user: Some(User {
                name: "u".into(),
                role,
                csrf: Some("t".into()),
                session: None,
            }),
            reads: Some(role),
        };
        let anonymous = Visitor {
            user: None,
            reads: Some(Role::Admin),
        };
        let status = |v: &Visitor, r| require(v, r).err().map(|e| e.status);
        assert_eq!(
            status(&anonymous, Role::Viewer),
            Some(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            status(&user(Role::Viewer), Role::Analyst),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(status(&user(Role::Analyst), Role::Analyst), None);
        assert_eq!(status(&user(Role::Admin), Role::Analyst), None);
        assert_eq!(
            status(&user(Role::Analyst), Role::Admin),
            Some(StatusCode::FORBIDDEN)
        );
        assert!(
            user(Role::Viewer)
                .csrf_field()
                .unwrap()
                .contains("value=\"t\"")
        );
        assert!(anonymous.csrf_field().is_none());
    }
}
