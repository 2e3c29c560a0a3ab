//! The HTTP side of `pantau run` (axum), one route module per concern, merged by [`router`]
//! over the same [`AppState`]: the dashboard at `/` ([`dashboard`]), `GET /healthz`,
//! `GET /metrics`, the read-only JSON API ([`api`], [`trends`]), the analysts' download
//! (`GET /api/export`, [`export`]) and the one write endpoint,
//! `POST /api/ingest` (bearer token), and logins ([`auth`]: `/login`, `/logout`; who may
//! read, CSRF on every state-changing request, role extractors for routes that change things;
//! [`layout`] frames the server's own pages), and the analysts' topic editor at `/topics`
//! ([`topics`], over [`crate::workbench`]), with analysts' marks on posts and the topics'
//! quality measured on them (`POST /marks`, `/quality`, [`marks`]).
//!
//! [`bind`] happens before the daemon starts anything else, so a taken port stops `pantau run`
//! at once with the address and the config key to change; [`serve`] stops gracefully on the
//! daemon's stop signal (in-flight requests finish, idle connections close). Every error is
//! JSON `{"error": "…"}` in Indonesian ([`ApiError`]).

mod answers;
mod api;
pub mod auth;
mod dashboard;
mod export;
mod health;
mod ingest;
pub mod layout;
mod marks;
mod metrics;
mod read;
mod topics;
mod trends;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;

use crate::engine::{Config, Pipeline};

pub use ingest::MAX_INGEST_BYTES;

/// What every handler may use. Cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

struct Shared {
    /// `[http] token`: write endpoints answer 403 while it is unset.
    token: Option<String>,
    /// The engine's pipeline: pushed posts are classified and stored as polled ones are, by
    /// the same writer thread (which `/healthz` asks whether writes still succeed), with the
    /// keyword lists in force (which reads use too; a reload swaps them between requests).
    pipeline: Pipeline,
    /// The database, opened read-only by report routes (writes go through the pipeline).
    db: crate::config::StorageSettings,
    /// `[briefing] dir`, where the briefing files are served from.
    briefings: std::path::PathBuf,
    timezone: jiff::tz::TimeZone,
    lang: crate::time::Lang,
    /// The daemon scheduler's last beat (Unix seconds); unset when no scheduler runs (tests).
    heartbeat: std::sync::OnceLock<Arc<std::sync::atomic::AtomicI64>>,
    /// Slots of `GET /api/export`, which holds a reader while the client downloads.
    exports: Arc<tokio::sync::Semaphore>,
    /// Who may do what (`[http]`'s login keys) and the logins being checked.
    access: auth::Access,
    /// `[keywords] dir`, whose topic files the editor reads and writes.
    keywords: std::path::PathBuf,
    /// Sources' regions and the counted languages, to tag posts as the pipeline does.
    regions: crate::workbench::preview::Regions,
    languages: crate::model::Languages,
    /// Saves of topic files, one at a time (the version check and the write are one step).
    saves: tokio::sync::Mutex<()>,
    /// `/api/trends` answers and the dashboard's last 24 hours, kept between commits.
    trends: answers::Answers<trends::Key, axum::body::Bytes>,
    day: answers::Answers<String, dashboard::Day>,
    /// Read connections kept between requests.
    readers: read::Readers,
}

impl AppState {
    /// The server of `config`, reading with the lists of `pipeline` and storing pushed posts
    /// through it.
    pub fn new(config: &Config, pipeline: Pipeline) -> AppState {
        let settings = &config.settings;
        AppState {
            inner: Arc::new(Shared {
                token: settings.http.token.as_ref().map(|t| t.expose().to_string()),
                pipeline,
                db: settings.storage.clone(),
                briefings: settings.briefing.dir.clone(),
                timezone: settings.schedule.timezone.clone(),
                lang: settings.briefing.language,
                heartbeat: std::sync::OnceLock::new(),
                exports: export::slots(),
                access: auth::Access::new(&settings.http),
                keywords: settings.keywords.dir.clone(),
                regions: config.regions(),
                languages: settings.keywords.languages.clone(),
                saves: tokio::sync::Mutex::new(()),
                trends: Default::default(),
                day: Default::default(),
                readers: Default::default(),
            }),
        }
    }

    /// Logins follow `throttle` instead of the default lock-out rule (tests use a quick one).
    pub fn with_throttle(self, throttle: crate::auth::Throttle) -> AppState {
        let shared = Arc::try_unwrap(self.inner).unwrap_or_else(|_| {
            panic!("with_throttle is called on a new state, before it is shared")
        });
        AppState {
            inner: Arc::new(Shared {
                access: shared.access.with_throttle(throttle),
                ..shared
            }),
        }
    }

    /// What a kept answer ([`answers`]) is labelled with: the writer's generation, read before
    /// the store so that an answer is never newer than its label, and the lists' version.
    fn answer_stamp(&self) -> (u64, String) {
        let generation = self.inner.pipeline.writer().generation();
        let version = self.inner.pipeline.classifier().get().version().to_string();
        (generation, version)
    }

    /// `/healthz` then also requires this heartbeat (Unix seconds) to be recent.
    pub fn with_heartbeat(self, heartbeat: Arc<std::sync::atomic::AtomicI64>) -> AppState {
        let _ = self.inner.heartbeat.set(heartbeat);
        self
    }
}

/// Every route, over `state`.
///
/// The read routes sit behind [`auth::reads`], `/metrics` behind [`auth::metrics`], and every
/// route behind [`auth::csrf`]; `/healthz`, the login page and `POST /api/ingest` (its own
/// token) are open.
pub fn router(state: AppState) -> Router {
    use axum::middleware::{from_fn, from_fn_with_state};
    let reads = Router::new()
        .merge(dashboard::routes())
        .merge(trends::routes())
        .merge(api::routes())
        .merge(export::routes())
        .merge(topics::routes())
        .merge(marks::routes())
        .route_layer(from_fn_with_state(state.clone(), auth::reads));
    let metrics = metrics::routes().route_layer(from_fn_with_state(state.clone(), auth::metrics));
    Router::new()
        .merge(reads)
        .merge(metrics)
        .merge(health::routes())
        .merge(ingest::routes())
        .merge(auth::routes())
        .fallback(not_found)
        .layer(from_fn(auth::csrf))
        .with_state(state)
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("[http] bind {addr}: {reason}")]
    Bind { addr: SocketAddr, reason: String },
    #[error(
        "[http] bind {addr} bukan alamat loopback, tetapi belum ada pengguna dan [http] public_read \
         mati: dasbor dan API baca tidak akan terbuka untuk siapa pun"
    )]
    Unprotected { addr: SocketAddr },
}

impl ServerError {
    pub fn hint(&self) -> Option<String> {
        match self {
            ServerError::Bind { .. } => Some(
                "ubah [http] bind di konfigurasi (atau PANTAU__HTTP__BIND), misalnya \
                 bind = \"127.0.0.1:8081\", atau hentikan program yang memakai alamat itu"
                    .into(),
            ),
            ServerError::Unprotected { .. } => Some(
                "buat pengguna dulu: `pantau user add NAMA --role admin`; atau, bila dasbor \
                 memang untuk umum, isi [http] public_read = true; atau pakai \
                 bind = \"127.0.0.1:8080\""
                    .into(),
            ),
        }
    }
}

/// Whether serving on `addr` is allowed with `users` users: an address other than loopback
/// needs a user or `[http] public_read` (else nobody could read, or everybody, by mistake).
pub fn check_exposure(
    http: &crate::config::HttpSettings,
    addr: SocketAddr,
    users: u64,
) -> Result<(), ServerError> {
    if addr.ip().is_loopback() || users > 0 || http.public_read {
        return Ok(());
    }
    Err(ServerError::Unprotected { addr })
}

/// Opens the listening socket on `addr` (`[http] bind`).
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, ServerError> {
    TcpListener::bind(addr).await.map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::AddrInUse => "alamat sudah dipakai program lain".to_string(),
            std::io::ErrorKind::PermissionDenied => {
                "tidak diizinkan (port di bawah 1024 butuh hak khusus)".to_string()
            }
            std::io::ErrorKind::AddrNotAvailable => "alamat itu bukan milik mesin ini".to_string(),
            _ => format!("alamat tidak dapat dipakai: {e}"),
        };
        ServerError::Bind { addr, reason }
    })
}

/// Serves `router` on `listener` until `stop` completes, then lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer's address is the client's for the login lock-out (unless a trusted proxy
    // names another).
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop)
    .await
}

/// An error answer: the status and a message a person can act on, as `{"error": "…"}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("alamat {method} {} tidak ada", uri.path()),
    )
}
