//! [`SourceError`]: why a poll failed, in the classes a person understands (after miniflux's
//! list), with a stable class name for metrics and the `sources` table, and advice for each.

use std::time::Duration;

/// Why a poll failed, in classes a person understands (after miniflux's list). Display is what
/// the `sources` table and logs show; [`SourceError::class`] is stable for metrics.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SourceError {
    #[error("batas waktu habis setelah {}", crate::time::format_duration(*.0))]
    Timeout(Duration),
    #[error("gagal terhubung: {0}")]
    Connect(String),
    #[error("galat jaringan: {0}")]
    Network(String),
    #[error("pengalihan (redirect) ditolak: {0}")]
    Redirect(String),
    #[error("HTTP {status}{}", retry_after.map(|d| format!(" (Retry-After {})", crate::time::format_duration(d))).unwrap_or_default())]
    Http {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// An API refused the request and said why (its error body), optionally with when to
    /// come back (a rate-limit reset header rather than Retry-After).
    #[error("HTTP {status}: {detail}")]
    Api {
        status: u16,
        detail: String,
        retry_after: Option<Duration>,
    },
    #[error("isi lebih besar dari batas {limit} bita")]
    TooLarge { limit: u64 },
    #[error("isi kosong")]
    Empty,
    #[error("bukan feed yang valid: {0}")]
    Parse(String),
    #[error("berkas tidak dapat dibaca: {0}")]
    Io(String),
    #[error("alamat tidak didukung: {0}")]
    Unsupported(String),
    /// An address of this machine or a private network that no `allow_private` lists,
    /// refused before any connection.
    #[error("{0} ditolak")]
    Private(#[from] super::guard::PrivateAddress),
    /// Polling this source panicked (most likely a parser, ours or a dependency's, on its
    /// data); the panic is caught and held to this one value (see [`crate::panics`]).
    #[error("pengambilan berhenti karena galat internal (panic): {0}")]
    Panic(crate::panics::Panicked),
    /// The service refused the token or key (expired, revoked, wrong), or none is set: the
    /// message says which secret and how to renew it. Retried no sooner than [`AUTH_WAIT`],
    /// so a dead token does not hammer the API while nobody has replaced it.
    #[error("akses ditolak: {0}")]
    Auth(String),
    /// The service said its allowance is used up (in its body or usage headers rather than a
    /// 429), and how long to wait when it said so.
    #[error("batas pemakaian API tercapai: {what}{}", wait.map(|d| format!(" (tunggu {})", crate::time::format_duration(d))).unwrap_or_default())]
    RateLimited {
        what: String,
        wait: Option<Duration>,
    },
    /// The platform's allowance for this project is used up (YouTube's daily quota, X's
    /// monthly cap): `what` says which and what to do, `wait` how long until it is renewed.
    #[error("jatah API habis: {what}{}", wait.map(|d| format!(" (tunggu {})", crate::time::format_duration(d))).unwrap_or_default())]
    Quota {
        what: String,
        wait: Option<Duration>,
    },
}

/// The least wait after a refused token: an operator has to act before it can work again.
pub const AUTH_WAIT: Duration = Duration::from_secs(3600);

impl From<crate::panics::Panicked> for SourceError {
    fn from(panicked: crate::panics::Panicked) -> Self {
        SourceError::Panic(panicked)
    }
}

impl SourceError {
    /// A stable snake_case name for the `sources` table and metrics.
    pub fn class(&self) -> &'static str {
        match self {
            SourceError::Timeout(_) => "timeout",
            SourceError::Connect(_) => "connect",
            SourceError::Network(_) => "network",
            SourceError::Redirect(_) => "redirect",
            SourceError::Http { status, .. } | SourceError::Api { status, .. } => {
                http_class(*status)
            }
            SourceError::Auth(_) => "auth",
            SourceError::TooLarge { .. } => "too_large",
            SourceError::Empty => "empty",
            SourceError::Parse(_) => "parse",
            SourceError::Io(_) => "io",
            SourceError::Unsupported(_) => "unsupported",
            SourceError::Private(_) => "private_address",
            SourceError::Panic(_) => "panic",
            SourceError::RateLimited { .. } => "http_rate_limited",
            SourceError::Quota { .. } => "quota",
        }
    }

    /// The wait the server asked for (Retry-After on 429, 503 or 403, a usage limit's own
    /// wait), or [`AUTH_WAIT`] after a refused token.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SourceError::Http {
                status: 429 | 503 | 403,
                retry_after,
            }
            | SourceError::Api {
                status: 429 | 503 | 403,
                retry_after,
                ..
            } => *retry_after,
            SourceError::RateLimited { wait, .. } | SourceError::Quota { wait, .. } => *wait,
            SourceError::Auth(_) => Some(AUTH_WAIT),
            _ => None,
        }
    }

    /// This error with every appearance of `secret` (as written and as a URL query writes it)
    /// replaced by `***`: an error of a request whose URL carries a token (the Graph API's
    /// `access_token`) names that URL, and errors are logged and stored.
    pub fn redacted(self, secret: &str) -> SourceError {
        let scrub = |text: String| scrub(&text, secret);
        match self {
            SourceError::Connect(t) => SourceError::Connect(scrub(t)),
            SourceError::Network(t) => SourceError::Network(scrub(t)),
            SourceError::Redirect(t) => SourceError::Redirect(scrub(t)),
            SourceError::Parse(t) => SourceError::Parse(scrub(t)),
            SourceError::Io(t) => SourceError::Io(scrub(t)),
            SourceError::Unsupported(t) => SourceError::Unsupported(scrub(t)),
            SourceError::Auth(t) => SourceError::Auth(scrub(t)),
            SourceError::Api {
                status,
                detail,
                retry_after,
            } => SourceError::Api {
                status,
                detail: scrub(detail),
                retry_after,
            },
            SourceError::RateLimited { what, wait } => SourceError::RateLimited {
                what: scrub(what),
                wait,
            },
            SourceError::Quota { what, wait } => SourceError::Quota {
                what: scrub(what),
                wait,
            },
            other => other,
        }
    }

    /// Advice in Indonesian for the operator.
    pub fn hint(&self) -> &'static str {
        hint_for_class(self.class())
    }
}

/// `text` with every appearance of `secret`, as written and as a URL query writes it, replaced
/// by `***` (see [`SourceError::redacted`]); for text that is not yet an error (a warning).
pub(crate) fn scrub(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_string();
    }
    let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    text.replace(secret, "***").replace(&encoded, "***")
}

/// The class of an HTTP status.
fn http_class(status: u16) -> &'static str {
    match status {
        401 => "http_unauthorized",
        403 => "http_forbidden",
        404 | 410 => "http_not_found",
        429 => "http_rate_limited",
        500..=599 => "http_server",
        _ => "http_other",
    }
}

/// Advice for an error class as stored in the `sources` table (see [`SourceError::class`]).
pub fn hint_for_class(class: &str) -> &'static str {
    match class {
        "timeout" | "connect" | "network" => {
            "periksa koneksi server dan apakah situs sumber sedang aktif"
        }
        "http_forbidden" => {
            "situs menolak akses (mungkin Cloudflare); perpanjang interval atau hubungi pengelola situs"
        }
        "http_rate_limited" => "terlalu sering diminta; perpanjang interval sumber ini",
        "http_not_found" => "alamat feed sudah tidak ada; cari alamat feed yang baru",
        "too_large" => "naikkan [fetch] max_body_bytes bila sumber ini memang besar",
        "parse" => "pastikan url menunjuk ke feed RSS/Atom/JSON, bukan halaman web",
        "redirect" => {
            "buka alamatnya di peramban dan pakai alamat tujuan akhirnya sebagai url; pengalihan \
             ke alamat privat/lokal hanya diikuti bila alamat itu tertulis di allow_private"
        }
        "private_address" => {
            "Pantau tidak mengambil dari jaringan privat/lokal; bila sumber ini memang sah di \
             jaringan kantor, tulis alamatnya di allow_private sumber ini atau di [fetch] \
             allow_private, misalnya allow_private = [\"10.20.0.5\"]"
        }
        "auth" => {
            "token atau kunci API sumber ini ditolak, kedaluwarsa atau belum diisi; buat yang \
             baru di konsol pengembang layanannya dan simpan di [secrets] pada \
             config/local.toml (atau variabel PANTAU__SECRETS__<NAMA>), lalu mulai ulang \
             Pantau; sampai itu sumber ini dicoba paling sering sekali sejam"
        }
        "quota" => {
            "jatah pemakaian API platform ini (harian atau bulanan) habis; sumber menunggu \
             sampai jatah pulih, lalu mencoba lagi sendiri — bila ini sering terjadi, kurangi \
             pengambilan per putaran atau perpanjang interval (pesan galat menyebut jatah mana)"
        }
        "panic" => {
            "isi sumber ini membuat pengurai gagal; sumber lain tetap berjalan — simpan \
             jawaban sumber ini (feed atau API) dan laporkan ke pengembang Pantau"
        }
        _ => "lihat pesan galat dan periksa konfigurasi sumber",
    }
}
