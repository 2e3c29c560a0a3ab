//! `POST /api/ingest`: posts pushed by other systems, as JSON Lines (see [`crate::ingest`] for
//! the record format). Off until `[http] token` is set (403); otherwise the request needs
//! `Authorization: Bearer <token>` (401). The body is capped at [`MAX_INGEST_BYTES`] (413).
//! The answer lists what was stored and every refused line:
//! `{"accepted":2,"new":1,"rejected":[{"line":3,"error":"…"}],"rejected_total":1}`.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};

use super::{ApiError, AppState};
use crate::ingest::{Charset, Format, IngestError, Job, PushKind, Report};
use crate::store::Writes;

/// Largest request body accepted: about 20 000 posts, a few seconds of work.
pub const MAX_INGEST_BYTES: usize = 10 * 1024 * 1024;

/// Shown in the `sources` table as where pushed posts came from.
const ORIGIN: &str = "POST /api/ingest";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/ingest",
            post(ingest).fallback(|| async {
                ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "pakai POST untuk /api/ingest, dengan JSON Lines di badan permintaan",
                )
            }),
        )
        .layer(DefaultBodyLimit::max(MAX_INGEST_BYTES))
}

async fn ingest(State(state): State<AppState>, request: Request) -> Response {
    match handle(&state, request).await {
        Ok(report) => Json(report).into_response(),
        Err(e) => {
            let unauthorized = e.status == StatusCode::UNAUTHORIZED;
            let mut response = e.into_response();
            if unauthorized {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            response
        }
    }
}

async fn handle(state: &AppState, request: Request) -> Result<Report, ApiError> {
    authorize(state.inner.token.as_deref(), request.headers())?;
    // Read only after the token checks out: a stranger cannot make us buffer 10 MB.
    let body = Bytes::from_request(request, &())
        .await
        .map_err(|rejection| {
            let status = rejection.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    status,
                    format!(
                        "badan permintaan lebih dari {} MB; kirim dalam beberapa bagian",
                        MAX_INGEST_BYTES >> 20
                    ),
                )
            } else {
                ApiError::new(
                    status,
                    format!(
                        "badan permintaan tidak dapat dibaca: {}",
                        rejection.body_text()
                    ),
                )
            }
        })?;
    if body.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "badan permintaan kosong; kirim JSON Lines: satu objek per baris, misalnya \
             {\"source\":\"warga-samarinda\",\"text\":\"Banjir di Sempaja\"}",
        ));
    }
    let classifier = state.inner.classifier.get();
    let writer = state.inner.writer.clone();
    let shared = state.inner.clone();
    let runtime = tokio::runtime::Handle::current();
    // Parsing and classifying are CPU work; the writer thread does the storing, one batch
    // (one transaction) at a time, between the pollers' commits.
    let result = tokio::task::spawn_blocking(move || {
        let job = Job {
            kind: PushKind::Ingest,
            classifier: &classifier,
            regions: &shared.regions,
            now: jiff::Timestamp::now(),
        };
        crate::ingest::ingest(
            &body[..],
            Format::JsonLines,
            Charset::UTF8,
            &job,
            |batch, version| {
                let version = version.to_owned();
                runtime.block_on(writer.call(move |store| {
                    store.insert_pushed(PushKind::Ingest.as_str(), ORIGIN, &batch, &version)
                }))?
            },
        )
    })
    .await
    .map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("ingest gagal: {e}"),
        )
    })?;
    let writer = &state.inner.writer;
    match &result {
        Ok(report) => writer.note_outcome(Ok(report.new)),
        Err(IngestError::Store { source, .. }) => writer.note_outcome(Err(match source.hint() {
            Some(hint) => format!("{source} ({hint})"),
            None => source.to_string(),
        })),
        Err(_) => {}
    }
    match result {
        Ok(report) => {
            tracing::info!(
                accepted = report.accepted,
                new = report.new,
                rejected = report.rejected_total,
                "ingest"
            );
            Ok(report)
        }
        Err(e) => {
            let status = match e {
                // The store cannot take writes now (a full disk, a locked file): the client
                // should send the same records again later, which is safe.
                IngestError::Store { .. } => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::BAD_REQUEST,
            };
            tracing::warn!(error = %e, "ingest ditolak");
            let message = match e.hint() {
                Some(hint) => format!("{e}; {hint}"),
                None => e.to_string(),
            };
            Err(ApiError::new(status, message))
        }
    }
}

/// 403 while no token is configured; 401 without the right bearer token.
fn authorize(token: Option<&str>, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(token) = token else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "ingest mati karena token belum diatur; isi [http] token di konfigurasi \
             (atau PANTAU__HTTP__TOKEN) lalu mulai ulang pantau run",
        ));
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, value) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| value.trim())
        });
    let message = match presented {
        None => "butuh header Authorization: Bearer <token> (token dari [http] token)",
        Some(p) if same_token(p.as_bytes(), token.as_bytes()) => return Ok(()),
        Some(_) => "token salah; pakai nilai [http] token dari konfigurasi",
    };
    Err(ApiError::new(StatusCode::UNAUTHORIZED, message))
}

/// Compares in time that depends only on the length, so the token cannot be guessed byte by
/// byte from response times.
fn same_token(presented: &[u8], expected: &[u8]) -> bool {
    if presented.len() != expected.len() {
        return false;
    }
    let diff = presented
        .iter()
        .zip(expected)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token(b"rahasia", b"rahasia"));
        assert!(!same_token(b"rahasib", b"rahasia"));
        assert!(!same_token(b"rahasi", b"rahasia"));
        assert!(!same_token(b"", b"rahasia"));
    }

    #[test]
    fn authorization_needs_a_configured_token_and_the_bearer_scheme() {
        let headers = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
            h
        };
        let status =
            |token: Option<&str>, h: &HeaderMap| authorize(token, h).err().map(|e| e.status);
        assert_eq!(
            status(None, &headers("Bearer x")),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            status(Some("x"), &HeaderMap::new()),
            Some(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            status(Some("x"), &headers("Basic eA==")),
            Some(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            status(Some("x"), &headers("Bearer y")),
            Some(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(status(Some("x"), &headers("bearer  x ")), None);
    }
}
