//! Settings: `config/default.toml`, then `config/local.toml` beside it, then
//! `PANTAU__SECTION__KEY` environment variables, merged by the `config` crate ([`load`]) and
//! read into typed [`Settings`].
//!
//! Config only reads. Each section is a serde struct here, with its defaults beside it; the
//! plug-in families — `[[sources]]` and the alert sinks of `[alerts]` — are handed over as the
//! tables they are written as ([`Table`], [`TableArray`]), and each family reads its own
//! entries with the same machinery ([`Table::read_as`], [`entries`], [`pick_kind`]). Every
//! error names where the bad value came from (file and line, or the environment variable), the
//! table and key, and what is expected; a misspelt key gets the nearest known one as a hint.
//! Relative paths are resolved against the config folder's parent, so
//! `--config /etc/pantau/config/default.toml` works from any working directory.

mod de;
mod error;
pub mod letter;
mod load;
pub mod plugin;
mod table;
pub mod value;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use config::{Map, Value, ValueKind};
use jiff::civil::Time;
use jiff::tz::TimeZone;
use serde::{Deserialize, Deserializer};

use crate::error::suggest;
use crate::time::Lang;

pub use error::ConfigError;
pub use load::{load, load_lenient, load_str, load_str_lenient};
pub(crate) use plugin::kinds;
pub use plugin::{CommonKeys, DynEq, Kind, ReadKind, read_entry};
pub use table::{Invalid, ListNames, Read, Table, TableArray, entries, pick_kind};

/// Where the default config file is looked for when `--config` is not given.
pub const DEFAULT_CONFIG: &str = "config/default.toml";

/// The letterhead of the briefing when `[briefing] office` is not set.
pub const DEFAULT_OFFICE: &str = "Dinas Komunikasi dan Informatika Provinsi Kalimantan Timur";

/// The sections a config file may have. `alerts` and `sources` belong to their families.
const SECTIONS: &[&str] = &[
    "storage", "keywords", "schedule", "http", "fetch", "briefing", "log", "alerts", "sources",
    "secrets",
];

/// The resolved settings: every value typed and checked, every path absolute.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The config files that were read, in the order they were merged.
    pub files: Vec<PathBuf>,
    /// Relative paths in the config are resolved against this folder.
    pub base_dir: PathBuf,
    pub storage: StorageSettings,
    pub keywords: KeywordSettings,
    pub schedule: ScheduleSettings,
    pub http: HttpSettings,
    pub fetch: FetchSettings,
    pub briefing: BriefingSettings,
    pub log: LogSettings,
    /// `[alerts]` as written: the alerts family reads its policy and `[[alerts.sinks]]`.
    pub alerts: Table,
    /// `[[sources]]` as written, in file order: the sources family reads them.
    pub sources: Option<TableArray>,
    /// `[secrets]`: the tokens and keys sources name.
    pub secrets: Secrets,
}

/// `[secrets]`: tokens and API keys, by name (`x_bearer_token = "…"`). A source names the one
/// it uses (each kind has a default name, e.g. `x_bearer_token`), so `[[sources]]` tables hold
/// no secret and a shipped or shared config file holds none: the values live in
/// `config/local.toml` or in `PANTAU__SECRETS__<NAME>` variables
/// (`PANTAU__SECRETS__X_BEARER_TOKEN`). An empty value counts as unset.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Secrets(std::sync::Arc<std::collections::BTreeMap<String, value::Secret>>);

impl Secrets {
    /// The secrets of `pairs`, for tests and tools.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Secrets {
        Secrets(std::sync::Arc::new(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), value::Secret::new(v)))
                .collect(),
        ))
    }

    /// The secret called `name` (names are case-insensitive, as environment variables are
    /// read in lower case); `None` when unset or empty.
    pub fn get(&self, name: &str) -> Option<&value::Secret> {
        self.0
            .get(&name.to_ascii_lowercase())
            .filter(|s| !s.expose().trim().is_empty())
    }
}

impl<'de> Deserialize<'de> for Secrets {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Secrets, D::Error> {
        let map = std::collections::BTreeMap::<String, String>::deserialize(d)?;
        Ok(Secrets(std::sync::Arc::new(
            map.into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), value::Secret::new(v.trim())))
                .collect(),
        )))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageSettings {
    /// The SQLite database file (`data/pantau.db`).
    pub path: PathBuf,
    /// Raw posts older than this are pruned, with what only they use (hourly counts and
    /// briefings stay).
    #[serde(deserialize_with = "value::uint::<_, _, 1, 36_500>")]
    pub retain_days: u32,
    /// Hourly counts per topic (the history reports over past periods read) older than this
    /// are pruned; 0 keeps them for ever. At least `retain_days`.
    #[serde(deserialize_with = "value::uint::<_, _, 0, 36_500>")]
    pub history_days: u32,
    /// Largest the database may grow, in MiB (0: as large as the disk allows). Past it,
    /// writes fail as on a full disk, so Pantau never fills a disk it shares.
    #[serde(deserialize_with = "value::uint::<_, _, 0, { 16 << 20 }>")]
    pub max_size_mb: u64,
    /// A PostgreSQL database (`postgres://user:password@host/db`) in place of the SQLite
    /// file: for several nodes sharing one database. Unset: SQLite at `path`.
    #[serde(deserialize_with = "value::opt_postgres_url")]
    pub url: Option<value::DbUrl>,
    /// A read replica of `url`, for the dashboard's and the read API's queries.
    #[serde(deserialize_with = "value::opt_postgres_url")]
    pub read_url: Option<value::DbUrl>,
    /// This node's name among the `pantau run` processes sharing `url` (who holds which
    /// source's lease). Empty: the machine's host name. It must differ between nodes and stay
    /// the same across restarts, so a restarted node takes back its own leases at once.
    #[serde(deserialize_with = "value::node_name")]
    pub node: String,
}

impl Default for StorageSettings {
    fn default() -> Self {
        StorageSettings {
            path: "data/pantau.db".into(),
            retain_days: 90,
            history_days: 400,
            max_size_mb: 0,
            url: None,
            read_url: None,
            node: String::new(),
        }
    }
}

impl StorageSettings {
    /// The node's name: `node`, else the host name (else `pantau`, on a system that gives none).
    pub fn node_name(&self) -> String {
        if !self.node.is_empty() {
            return self.node.clone();
        }
        host_name().unwrap_or_else(|| "pantau".to_string())
    }
}

/// The machine's host name, when the system gives a usable one.
fn host_name() -> Option<String> {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is valid for its length; gethostname writes at most that many
        // bytes and the result is cut at the first NUL below (it may lack one when truncated).
        let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
        if rc != 0 {
            return None;
        }
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        let name = String::from_utf8_lossy(&buf[..end]).trim().to_string();
        (!name.is_empty()).then_some(name)
    }
    #[cfg(not(unix))]
    {
        std::env::var("COMPUTERNAME")
            .ok()
            .filter(|n| !n.trim().is_empty())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeywordSettings {
    /// Folder holding `topics/*.toml`, `regions.toml`, `slang.toml`, `sentiment.toml`.
    pub dir: PathBuf,
    /// The languages (primary subtags) whose posts the lists tag with issues, and so the ones
    /// counted in trends, the briefing and alerts. The lists are written in Indonesian; a post
    /// in another language is stored and searchable, tagged with no issue. It sits here, not
    /// in `[briefing]`, because it acts where posts are tagged and so on every count alike.
    #[serde(deserialize_with = "value::languages")]
    pub languages: crate::model::Languages,
}

impl Default for KeywordSettings {
    fn default() -> Self {
        KeywordSettings {
            dir: "keywords".into(),
            languages: crate::model::Languages::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleSettings {
    /// The zone every date a user sees is in (`Asia/Makassar`, WITA).
    #[serde(deserialize_with = "timezone")]
    pub timezone: TimeZone,
    /// Local time of day at which yesterday's briefing is written.
    #[serde(deserialize_with = "time_of_day")]
    pub briefing_at: Time,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        ScheduleSettings {
            timezone: crate::time::default_zone(),
            briefing_at: jiff::civil::time(7, 0, 0, 0),
        }
    }
}

fn timezone<'de, D: Deserializer<'de>>(d: D) -> Result<TimeZone, D::Error> {
    value::parsed(d, "nama zona IANA, misalnya \"Asia/Makassar\"", |s| {
        TimeZone::get(s).map_err(|_| format!("zona waktu \"{s}\" tidak dikenal"))
    })
}

fn time_of_day<'de, D: Deserializer<'de>>(d: D) -> Result<Time, D::Error> {
    value::parsed(d, "jam lokal \"HH:MM\", misalnya \"07:00\"", |s| {
        Time::strptime("%H:%M", s).map_err(|_| format!("jam \"{s}\" tidak valid"))
    })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    #[serde(deserialize_with = "bind_address")]
    pub bind: SocketAddr,
    /// Bearer token for write endpoints; none means they are off.
    #[serde(deserialize_with = "value::opt_secret")]
    pub token: Option<value::Secret>,
    /// The dashboard and the read API without login (as viewer).
    pub public_read: bool,
    /// `/metrics` without login on an address that is not loopback.
    pub public_metrics: bool,
    /// Session cookies always carry `Secure` (the site is served over HTTPS by a proxy that
    /// does not say so), not only when the request came over TLS.
    pub secure_cookies: bool,
    /// Proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed (addresses or
    /// CIDR ranges); from anyone else those headers are ignored.
    #[serde(deserialize_with = "value::ip_ranges")]
    pub trusted_proxies: value::IpRanges,
    /// A session unused this long ends.
    #[serde(deserialize_with = "value::duration")]
    pub session_idle: Duration,
    /// A session ends this long after its login, however much it is used.
    #[serde(deserialize_with = "value::duration")]
    pub session_max: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            token: None,
            public_read: false,
            public_metrics: false,
            secure_cookies: false,
            trusted_proxies: value::IpRanges::default(),
            session_idle: Duration::from_secs(12 * 3600),
            session_max: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

fn bind_address<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    value::parsed(d, "alamat:port, misalnya \"127.0.0.1:8080\"", |s| {
        s.parse().map_err(|_| format!("alamat \"{s}\" tidak valid"))
    })
}

/// How sources are fetched: politeness, limits and retry policy shared by every poller.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FetchSettings {
    pub user_agent: String,
    /// Polling interval of a source that does not set its own.
    #[serde(deserialize_with = "value::duration")]
    pub interval: Duration,
    #[serde(deserialize_with = "value::duration")]
    pub connect_timeout: Duration,
    /// Whole request, headers and body.
    #[serde(deserialize_with = "value::duration")]
    pub timeout: Duration,
    /// A body larger than this (after decompression) fails the fetch.
    #[serde(deserialize_with = "value::uint::<_, _, 1024, { 1 << 34 }>")]
    pub max_body_bytes: u64,
    /// Requests in flight to one host at a time.
    #[serde(deserialize_with = "value::uint::<_, _, 1, 64>")]
    pub per_host: usize,
    /// Ceiling of the exponential backoff after failures.
    #[serde(deserialize_with = "value::duration")]
    pub max_backoff: Duration,
    /// Whether a source's interval follows how often it publishes (see `sources::poll::Pace`).
    pub adaptive: bool,
    /// Bounds of the adaptive interval; a source's own `interval` always lies within them.
    #[serde(deserialize_with = "value::duration")]
    pub min_interval: Duration,
    #[serde(deserialize_with = "value::duration")]
    pub max_interval: Duration,
    /// Private and local addresses (or CIDR ranges) sources may be fetched from; every other
    /// address that is not on the public internet is refused (see `sources::guard`).
    #[serde(deserialize_with = "value::ip_ranges")]
    pub allow_private: value::IpRanges,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            user_agent: format!(
                "Pantau/{} (pemantauan isu publik; +https://github.com/pantau-kaltim/pantau)",
                env!("CARGO_PKG_VERSION")
            ),
            interval: Duration::from_secs(15 * 60),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body_bytes: 10 * 1024 * 1024,
            per_host: 2,
            max_backoff: Duration::from_secs(6 * 3600),
            adaptive: true,
            min_interval: Duration::from_secs(5 * 60),
            max_interval: Duration::from_secs(6 * 3600),
            allow_private: value::IpRanges::default(),
        }
    }
}

impl FetchSettings {
    fn check(&self) -> Result<(), ConfigError> {
        if self.min_interval > self.max_interval {
            return Err(ConfigError::Invalid {
                origin: "konfigurasi".into(),
                key: "[fetch] min_interval".into(),
                message: "min_interval lebih besar dari max_interval".into(),
                hint: Some("min_interval adalah batas bawah, max_interval batas atas".into()),
            });
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BriefingSettings {
    pub dir: PathBuf,
    #[serde(deserialize_with = "language")]
    pub language: Lang,
    /// The office whose letterhead the briefing carries.
    #[serde(deserialize_with = "office")]
    pub office: String,
    /// Ids of `[[alerts.sinks]]` (kind email or telegram) the day's briefing is sent through
    /// once written; none by default.
    pub deliver: Vec<String>,
    /// The telaahan staf's head: the addressee, the sender and the nature of the letter.
    #[serde(deserialize_with = "kepada")]
    pub kepada: String,
    #[serde(deserialize_with = "dari")]
    pub dari: String,
    #[serde(deserialize_with = "sifat")]
    pub sifat: String,
    /// A PNG, JPEG or SVG file for the letterhead, at most [`LOGO_MAX_BYTES`]; read at
    /// start-up into `logo_uri`.
    #[serde(deserialize_with = "logo")]
    pub logo: Option<PathBuf>,
    #[serde(skip)]
    pub logo_uri: Option<String>,
    /// The signature block; an empty name leaves a line to sign and write on by hand.
    pub penandatangan_jabatan: String,
    pub penandatangan_nama: String,
    /// 18 digits (spaces dropped), or empty.
    #[serde(deserialize_with = "nip")]
    pub penandatangan_nip: String,
    /// Where the telaahan is signed; empty = Samarinda.
    #[serde(deserialize_with = "tempat")]
    pub tempat: String,
}

/// The largest logo file `[briefing] logo` may name: it is inlined in every HTML briefing.
pub const LOGO_MAX_BYTES: u64 = 200 * 1024;

impl BriefingSettings {
    /// The head's and signature's values, as the briefing takes them.
    pub fn letter(&self) -> letter::Letter {
        let defaults = letter::Letter::default();
        let or = |text: &str, default: String| {
            let text = text.trim();
            if text.is_empty() {
                default
            } else {
                text.to_string()
            }
        };
        letter::Letter {
            kepada: self.kepada.clone(),
            dari: self.dari.clone(),
            sifat: self.sifat.clone(),
            logo: self.logo_uri.clone(),
            jabatan: or(&self.penandatangan_jabatan, defaults.jabatan),
            nama: self.penandatangan_nama.trim().to_string(),
            nip: self.penandatangan_nip.clone(),
            tempat: self.tempat.clone(),
        }
    }

    /// Reads the logo file into a `data:` URI, so a briefing fetches nothing. A logo that is
    /// missing, unreadable, too large or of another type is an error at start-up: a briefing
    /// written later without it would go out under the wrong letterhead.
    fn load_logo(&mut self) -> Result<(), ConfigError> {
        use base64::Engine as _;
        let Some(path) = &self.logo else {
            return Ok(());
        };
        let invalid = |message: String, hint: &str| ConfigError::Invalid {
            origin: "konfigurasi".into(),
            key: "[briefing] logo".into(),
            message,
            hint: Some(hint.into()),
        };
        let shown = crate::error::shown(path);
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let mime = match ext.as_deref() {
            Some("png") => "image/png",
            Some("jpg" | "jpeg") => "image/jpeg",
            Some("svg") => "image/svg+xml",
            _ => {
                return Err(invalid(
                    format!("{shown}: bukan berkas PNG, JPEG atau SVG"),
                    "beri nama berkas berakhiran .png, .jpg, .jpeg atau .svg",
                ));
            }
        };
        let hint =
            "periksa jalurnya (relatif terhadap folder induk folder config), atau kosongkan logo";
        let size = std::fs::metadata(path)
            .map_err(|e| invalid(format!("{shown}: tidak dapat dibaca: {e}"), hint))?
            .len();
        if size > LOGO_MAX_BYTES {
            return Err(invalid(
                format!("{shown}: {size} bita, lebih dari batas {LOGO_MAX_BYTES} bita"),
                "perkecil gambarnya (logo dimuat di setiap briefing HTML)",
            ));
        }
        let bytes = std::fs::read(path)
            .map_err(|e| invalid(format!("{shown}: tidak dapat dibaca: {e}"), hint))?;
        let data = base64::engine::general_purpose::STANDARD.encode(bytes);
        self.logo_uri = Some(format!("data:{mime};base64,{data}"));
        Ok(())
    }
}

impl Default for BriefingSettings {
    fn default() -> Self {
        BriefingSettings {
            dir: "briefings".into(),
            language: Lang::default(),
            office: DEFAULT_OFFICE.into(),
            deliver: Vec::new(),
            kepada: letter::DEFAULT_KEPADA.into(),
            dari: letter::DEFAULT_DARI.into(),
            sifat: letter::DEFAULT_SIFAT.into(),
            logo: None,
            logo_uri: None,
            penandatangan_jabatan: String::new(),
            penandatangan_nama: String::new(),
            penandatangan_nip: String::new(),
            tempat: letter::DEFAULT_TEMPAT.into(),
        }
    }
}

fn language<'de, D: Deserializer<'de>>(d: D) -> Result<Lang, D::Error> {
    value::parsed(d, "\"id\" atau \"en\"", |s| match s {
        "id" => Ok(Lang::Id),
        "en" => Ok(Lang::En),
        _ => Err(format!("bahasa \"{s}\" tidak didukung")),
    })
}

/// An empty `kepada` means the default addressee.
fn kepada<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(value::opt_text(d)?.unwrap_or_else(|| letter::DEFAULT_KEPADA.to_string()))
}

/// An empty `dari` means the default sender.
fn dari<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(value::opt_text(d)?.unwrap_or_else(|| letter::DEFAULT_DARI.to_string()))
}

/// An empty `sifat` means "Biasa".
fn sifat<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(value::opt_text(d)?.unwrap_or_else(|| letter::DEFAULT_SIFAT.to_string()))
}

/// An empty `tempat` means Samarinda.
fn tempat<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(value::opt_text(d)?.unwrap_or_else(|| letter::DEFAULT_TEMPAT.to_string()))
}

/// An empty logo path means no logo (Pantau's seal).
fn logo<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    Ok(value::opt_text(d)?.map(PathBuf::from))
}

fn nip<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    value::parsed(
        d,
        "18 angka NIP, mis. \"19700101 199001 1 001\"",
        letter::parse_nip,
    )
}

/// An empty office name means the default letterhead.
fn office<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(value::opt_text(d)?.unwrap_or_else(|| DEFAULT_OFFICE.to_string()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    #[serde(deserialize_with = "log_format")]
    pub format: LogFormat,
    /// A tracing filter (`info`, `pantau=debug`); `RUST_LOG` overrides it.
    pub level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}

fn log_format<'de, D: Deserializer<'de>>(d: D) -> Result<LogFormat, D::Error> {
    value::parsed(d, "\"text\" atau \"json\"", |s| match s {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        _ => Err(format!("format log \"{s}\" tidak dikenal")),
    })
}

impl Settings {
    /// Reads the merged tree `root`. Every error of every section is collected, so one run
    /// shows them all; a section with an error keeps its defaults.
    fn read(root: Value, base_dir: PathBuf, files: Vec<PathBuf>) -> (Settings, Vec<ConfigError>) {
        let mut errors = Vec::new();
        let root_origin = files
            .first()
            .map(|f| crate::error::shown(f))
            .unwrap_or_else(|| "konfigurasi".into());
        let mut sections = Sections::split(root, &root_origin, &mut errors);
        let mut settings = Settings {
            storage: sections.read_storage(&mut errors),
            keywords: sections.read("keywords", &mut errors),
            schedule: sections.read("schedule", &mut errors),
            http: sections.read("http", &mut errors),
            fetch: sections.read_fetch(&mut errors),
            briefing: sections.read("briefing", &mut errors),
            log: sections.read("log", &mut errors),
            alerts: sections.table("alerts"),
            sources: sections.sources.take(),
            secrets: sections.read("secrets", &mut errors),
            files,
            base_dir,
        };
        settings.resolve_paths();
        if let Err(e) = settings.briefing.load_logo() {
            errors.push(e);
        }
        (settings, errors)
    }

    /// Relative paths are relative to the installation folder.
    fn resolve_paths(&mut self) {
        let base = &self.base_dir;
        for path in [
            &mut self.storage.path,
            &mut self.keywords.dir,
            &mut self.briefing.dir,
        ] {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        }
        if let Some(logo) = &mut self.briefing.logo
            && logo.is_relative()
        {
            *logo = base.join(&*logo);
        }
    }
}

/// The top-level tables of the tree, by name.
struct Sections {
    tables: Map<String, Table>,
    sources: Option<TableArray>,
}

impl Sections {
    /// Sorts the tree's top level into sections; an unknown name or a value that is no table
    /// is an error.
    fn split(root: Value, root_origin: &str, errors: &mut Vec<ConfigError>) -> Sections {
        let root = match root.kind {
            ValueKind::Table(t) => t,
            _ => Map::new(),
        };
        let mut sections = Sections {
            tables: Map::new(),
            sources: None,
        };
        for (name, value) in root {
            if name == "sources" {
                let origin = table::origin_of(&value, root_origin);
                sections.sources = Some(TableArray::new(value, origin));
                continue;
            }
            let origin = table::origin_of(&value, &format!("[{name}]"));
            if !SECTIONS.contains(&name.as_str()) {
                errors.push(ConfigError::Invalid {
                    origin,
                    key: name.clone(),
                    message: format!("bagian tidak dikenal \"{name}\""),
                    hint: Some(suggest(&name, SECTIONS).map_or_else(
                        || format!("bagian yang dikenal: {}", SECTIONS.join(", ")),
                        |k| format!("mungkin maksud Anda [{k}]"),
                    )),
                });
                continue;
            }
            match value.kind {
                ValueKind::Table(map) => {
                    let table = Table::new(format!("[{name}]"), map, origin);
                    sections.tables.insert(name, table);
                }
                _ => errors.push(ConfigError::Invalid {
                    origin,
                    key: name.clone(),
                    message: format!("harus berupa bagian [{name}]"),
                    hint: None,
                }),
            }
        }
        sections
    }

    /// Section `name` as written (empty when the files have none).
    fn table(&mut self, name: &str) -> Table {
        self.tables
            .remove(name)
            .unwrap_or_else(|| Table::empty(&format!("[{name}]")))
    }

    /// `[fetch]`, whose bounds are checked against each other right after its keys.
    fn read_fetch(&mut self, errors: &mut Vec<ConfigError>) -> FetchSettings {
        let fetch: FetchSettings = self.read("fetch", errors);
        if let Err(e) = fetch.check() {
            errors.push(e);
        }
        fetch
    }

    /// `[storage]`, whose history may not be shorter than the posts it counts.
    fn read_storage(&mut self, errors: &mut Vec<ConfigError>) -> StorageSettings {
        let table = self.table("storage");
        let storage: StorageSettings = table.read(errors).value.unwrap_or_default();
        if storage.history_days != 0 && storage.history_days < storage.retain_days {
            errors.push(table.invalid(table::Invalid::new(
                "history_days",
                format!(
                    "history_days ({}) lebih pendek dari retain_days ({})",
                    storage.history_days, storage.retain_days
                ),
                Some(format!(
                    "jumlah per jam harus tersimpan selama unggahannya: history_days = {} atau lebih, \
                     atau 0 untuk menyimpannya selamanya",
                    storage.retain_days
                )),
            )));
        }
        if storage.read_url.is_some() && storage.url.is_none() {
            errors.push(table.invalid(table::Invalid::new(
                "read_url",
                "read_url tanpa url".to_string(),
                Some(
                    "read_url adalah replika baca dari basis data PostgreSQL di url: setel url juga, \
                     atau hapus read_url untuk SQLite"
                        .to_string(),
                ),
            )));
        }
        storage
    }

    /// Section `name` read into its settings; its defaults where it is wrong or absent.
    fn read<T: serde::de::DeserializeOwned + Default>(
        &mut self,
        name: &str,
        errors: &mut Vec<ConfigError>,
    ) -> T {
        self.table(name).read(errors).value.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn secrets_are_read_by_name_and_never_shown() {
        let dir = tempfile::tempdir().unwrap();
        let text = "[secrets]\nX_Bearer_Token = \" AAAA-rahasia \"\nyoutube_api_key = \"\"\n";
        let (s, errors) = load_str_lenient(text, dir.path()).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            s.secrets.get("x_bearer_token").map(|t| t.expose()),
            Some("AAAA-rahasia")
        );
        // Empty is unset; an unknown name is unset.
        assert!(s.secrets.get("youtube_api_key").is_none());
        assert!(s.secrets.get("instagram_access_token").is_none());
        assert!(!format!("{s:?}").contains("rahasia"));
        // A secret is text: a table or a number is refused with where it was.
        let (_, errors) = load_str_lenient("[secrets]\nx = [1]\n", dir.path()).unwrap();
        assert_eq!(errors.len(), 1, "{errors:?}");
    }

    #[test]
    fn files_and_paths_resolve_from_the_config_folder_parent() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("config")).unwrap();
        std::fs::write(
            dir.path().join("config/default.toml"),
            "[storage]\npath = \"data/a.db\"\nretain_days = 30\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("config/local.toml"),
            "[storage]\npath = \"/var/lib/pantau/b.db\"\n",
        )
        .unwrap();
        let s = load(Some(&dir.path().join("config/default.toml"))).unwrap();
        assert_eq!(s.storage.path, Path::new("/var/lib/pantau/b.db"));
        assert_eq!(s.storage.retain_days, 30);
        assert_eq!(s.files.len(), 2);
        assert_eq!(s.base_dir, std::path::absolute(dir.path()).unwrap());
        let missing = load(Some(&dir.path().join("config/nope.toml"))).unwrap_err();
        assert!(missing.to_string().contains("berkas tidak ditemukan"));
    }

    #[test]
    fn a_postgres_url_is_checked_and_never_shown_with_its_password() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("default.toml");
        let write = |text: &str| std::fs::write(&path, text).unwrap();
        write("[storage]\nurl = \"postgres://pantau:rahasia@db.lokal:5432/pantau\"\n");
        let s = load(Some(&path)).unwrap();
        let url = s.storage.url.unwrap();
        assert_eq!(
            url.expose(),
            "postgres://pantau:rahasia@db.lokal:5432/pantau"
        );
        assert_eq!(url.redacted(), "postgres://pantau:***@db.lokal:5432/pantau");
        assert!(!format!("{url:?} {url}").contains("rahasia"));
        write("[storage]\nurl = \"mysql://pantau:rahasia@db.lokal/pantau\"\n");
        let e = load(Some(&path)).unwrap_err();
        assert!(e.to_string().contains("default.toml:2:"), "{e}");
        assert!(e.to_string().contains("bukan URL postgres://"), "{e}");
        assert!(!e.to_string().contains("rahasia"), "{e}");
        write("[storage]\nread_url = \"postgres://pantau@replika/pantau\"\n");
        let e = load(Some(&path)).unwrap_err();
        assert!(e.to_string().contains("read_url tanpa url"), "{e}");
    }

    #[test]
    fn history_may_not_be_shorter_than_the_posts_it_counts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("default.toml");
        let write = |text: &str| std::fs::write(&path, text).unwrap();
        write("[storage]\nretain_days = 30\nhistory_days = 0\n");
        assert_eq!(load(Some(&path)).unwrap().storage.history_days, 0);
        write("[storage]\nretain_days = 30\n");
        assert_eq!(load(Some(&path)).unwrap().storage.history_days, 400);
        write("[storage]\nretain_days = 30\nhistory_days = 20\n");
        let e = load(Some(&path)).unwrap_err();
        assert!(e.to_string().contains("default.toml:3:"), "{e}");
        assert!(
            e.to_string().contains("history_days (20) lebih pendek"),
            "{e}"
        );
        assert!(e.hint().unwrap().contains("history_days = 30"), "{e:?}");
    }

    #[test]
    fn the_head_and_signature_keys_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let text = "[briefing]\nkepada = \"\"\nsifat = \"Segera\"\npenandatangan_nama = \" Siti \"\n\
                    penandatangan_nip = \"19700101 199001 1 001\"\n";
        let (s, errors) = load_str_lenient(text, dir.path()).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        let letter = s.briefing.letter();
        assert_eq!(letter.kepada, letter::DEFAULT_KEPADA);
        assert_eq!(letter.sifat, "Segera");
        assert_eq!(letter.nama, "Siti");
        assert_eq!(letter.nip, "197001011990011001");
        assert_eq!(letter.jabatan, "Analis Pemantauan Isu");
        assert_eq!(letter.tempat, letter::DEFAULT_TEMPAT);
        assert!(letter.logo.is_none());
        let (s, errors) =
            load_str_lenient("[briefing]\ntempat = \" Tenggarong \"\n", dir.path()).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(s.briefing.letter().tempat, "Tenggarong");
        let (_, errors) =
            load_str_lenient("[briefing]\npenandatangan_nip = \"1970-01\"\n", dir.path()).unwrap();
        let shown = format!("{errors:?}");
        assert!(
            shown.contains("penandatangan_nip") && shown.contains("18 angka"),
            "{shown}"
        );
        // The shipped config's commented signer, uncommented, reads.
        let shipped: String = include_str!("../../config/default.toml")
            .lines()
            .filter_map(|l| l.strip_prefix("# penandatangan_"))
            .map(|l| format!("penandatangan_{l}\n"))
            .collect();
        let (s, errors) = load_str_lenient(&format!("[briefing]\n{shipped}"), dir.path()).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(s.briefing.letter().nip, "197001011990011001");
        assert!(!s.briefing.penandatangan_nama.is_empty());
    }

    #[test]
    fn the_shipped_login_keys_read_uncommented() {
        let dir = tempfile::tempdir().unwrap();
        let keys = [
            "public_read",
            "public_metrics",
            "secure_cookies",
            "trusted_proxies",
            "session_idle",
            "session_max",
        ];
        let shipped: String = include_str!("../../config/default.toml")
            .lines()
            .filter_map(|l| l.strip_prefix("# "))
            .filter(|l| keys.iter().any(|k| l.starts_with(&format!("{k} ="))))
            .map(|l| format!("{}\n", l.split("   #").next().unwrap_or(l).trim()))
            .collect();
        assert_eq!(shipped.lines().count(), keys.len(), "{shipped}");
        let (s, errors) = load_str_lenient(&format!("[http]\n{shipped}"), dir.path()).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(s.http.session_idle, Duration::from_secs(12 * 3600));
        assert_eq!(s.http.session_max, Duration::from_secs(7 * 24 * 3600));
        assert!(s.http.trusted_proxies.contains([127, 0, 0, 1].into()));
        assert!(!s.http.public_read && !s.http.secure_cookies);
        let (_, errors) =
            load_str_lenient("[http]\nsession_idle = \"sebentar\"\n", dir.path()).unwrap();
        assert_eq!(errors.len(), 1, "{errors:?}");
    }

    #[test]
    fn the_logo_is_inlined_or_refused_at_start_up() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("logo.svg"),
            "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("big.png"),
            vec![0u8; LOGO_MAX_BYTES as usize + 1],
        )
        .unwrap();
        std::fs::write(dir.path().join("logo.gif"), b"GIF89a").unwrap();
        let (s, errors) =
            load_str_lenient("[briefing]\nlogo = \"logo.svg\"\n", dir.path()).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        let uri = s.briefing.letter().logo.unwrap();
        assert!(uri.starts_with("data:image/svg+xml;base64,PHN2Zy"), "{uri}");
        for (file, why) in [
            ("nope.png", "tidak dapat dibaca"),
            ("big.png", "lebih dari batas"),
            ("logo.gif", "bukan berkas PNG"),
        ] {
            let (_, errors) =
                load_str_lenient(&format!("[briefing]\nlogo = \"{file}\"\n"), dir.path()).unwrap();
            let shown = errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n");
            assert!(
                shown.contains("[briefing] logo") && shown.contains(why),
                "{file}: {shown}"
            );
        }
    }
}
