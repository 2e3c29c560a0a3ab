//! Raw → resolved: reads the files (syntax errors with file:line:col), merges them with the
//! environment through the `config` crate, then walks the merged tree key by key so that every
//! error can name its origin, its key and what was expected, and unknown keys get a hint.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use config::{Config, Environment, File, FileFormat, Map, Value, ValueKind};
use jiff::tz::TimeZone;

use super::{
    AlertSettings, BriefingSettings, FetchSettings, HttpSettings, KeywordSettings, LogFormat,
    LogSettings, ScheduleSettings, Settings, StorageSettings,
};
use crate::alerts::sinks::SinkConfig;
use crate::error::{line_col, suggest};
use crate::sources::SourceConfig;
use crate::time::{Lang, parse_duration};

/// A configuration problem, in words a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    // `error` rather than `source`: the message already holds it, and a source would make
    // the error chain print it twice.
    #[error("{}: tidak dapat dibaca: {error}", crate::error::shown(path))]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "{}:{line}:{col}: TOML tidak valid: {message}",
        crate::error::shown(path)
    )]
    Syntax {
        path: PathBuf,
        line: usize,
        col: usize,
        message: String,
    },
    /// A value or key that is wrong; `origin` is the file or environment variable it came from.
    #[error("{origin}: {key}: {message}")]
    Invalid {
        origin: String,
        key: String,
        message: String,
        hint: Option<String>,
    },
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Many(Vec<ConfigError>),
}

impl ConfigError {
    /// Advice for the `saran:` line.
    pub fn hint(&self) -> Option<String> {
        match self {
            ConfigError::Read { .. } => Some(
                "periksa jalur --config, atau jalankan tanpa --config untuk memakai config/default.toml"
                    .into(),
            ),
            ConfigError::Syntax { .. } => {
                Some("perbaiki baris itu; contoh lengkap ada di config/default.toml".into())
            }
            ConfigError::Invalid { hint, .. } => hint.clone(),
            ConfigError::Many(all) => all.iter().find_map(ConfigError::hint),
        }
    }
}

/// Loads `path` (or `config/default.toml` when it exists), `local.toml` beside it and the
/// environment. Without any file the defaults apply, with paths relative to the working folder.
pub fn load(path: Option<&Path>) -> Result<Settings, ConfigError> {
    let main = match path {
        Some(p) => {
            if !p.is_file() {
                return Err(ConfigError::Read {
                    path: p.to_path_buf(),
                    error: std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "berkas tidak ditemukan",
                    ),
                });
            }
            absolute(p)
        }
        None => absolute(Path::new(super::DEFAULT_CONFIG)),
    };
    // The config folder's parent is the project (or installation) root.
    let base_dir = main
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"));
    let local = main.with_file_name("local.toml");
    let files: Vec<PathBuf> = [main, local].into_iter().filter(|p| p.is_file()).collect();

    let mut builder = Config::builder();
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|error| ConfigError::Read {
            path: file.clone(),
            error,
        })?;
        check_syntax(file, &text)?;
        builder = builder.add_source(File::from(file.as_path()).format(FileFormat::Toml));
    }
    builder = builder.add_source(
        Environment::with_prefix("PANTAU")
            .prefix_separator("__")
            .separator("__")
            .try_parsing(true),
    );
    let merged = builder.build().map_err(|e| ConfigError::Invalid {
        origin: files
            .last()
            .map(|f| f.display().to_string())
            .unwrap_or_else(|| "konfigurasi".into()),
        key: "-".into(),
        message: e.to_string(),
        hint: None,
    })?;
    resolve(merged.cache, base_dir, files)
}

/// Resolves settings from TOML text alone (no files, no environment): for tests and defaults.
pub fn load_str(text: &str, base_dir: &Path) -> Result<Settings, ConfigError> {
    check_syntax(Path::new("<konfigurasi>"), text)?;
    let merged = Config::builder()
        .add_source(File::from_str(text, FileFormat::Toml))
        .build()
        .map_err(|e| ConfigError::Invalid {
            origin: "<konfigurasi>".into(),
            key: "-".into(),
            message: e.to_string(),
            hint: None,
        })?;
    resolve(merged.cache, base_dir.to_path_buf(), Vec::new())
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

fn check_syntax(path: &Path, text: &str) -> Result<(), ConfigError> {
    match text.parse::<toml::Table>() {
        Ok(_) => Ok(()),
        Err(e) => {
            let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            Err(ConfigError::Syntax {
                path: path.to_path_buf(),
                line,
                col,
                message: e.message().trim().to_string(),
            })
        }
    }
}

/// The 1-based line of `key` in the table a [`Table`] label names, in a TOML file's text:
/// `[fetch]` for a section, `[[sources]] ke-3 …` for the third entry of an array of tables.
/// Best effort (a key in an inline table or a dotted key is not found): `None` then, and the
/// message names the file alone.
fn key_line(text: &str, label: &str, key: &str) -> Option<usize> {
    let (name, nth) = match label.strip_prefix("[[") {
        Some(rest) => {
            let (name, rest) = rest.split_once("]]")?;
            let nth: usize = rest
                .trim_start()
                .strip_prefix("ke-")?
                .split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()?;
            (name, Some(nth))
        }
        None => (label.strip_prefix('[')?.strip_suffix(']')?, None),
    };
    let mut inside = false;
    let mut seen = 0;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(header) = t.strip_prefix("[[") {
            let header = header.split("]]").next().unwrap_or("").trim();
            if nth.is_some() && header == name {
                seen += 1;
                inside = Some(seen) == nth;
            } else {
                inside = false;
            }
        } else if let Some(header) = t.strip_prefix('[') {
            let header = header.split(']').next().unwrap_or("").trim();
            inside = nth.is_none() && header == name;
        } else if inside {
            let lhs = t.split('=').next().unwrap_or("").trim().trim_matches('"');
            if t.contains('=') && lhs == key {
                return Some(i + 1);
            }
        }
    }
    None
}

/// Longest duration a setting may have: beyond it, schedule arithmetic stops making sense.
const MAX_DURATION: Duration = Duration::from_secs(30 * 24 * 3600);

const SECTIONS: &[(&str, &[&str])] = &[
    ("storage", &["path", "retain_days", "max_size_mb"]),
    ("keywords", &["dir"]),
    ("schedule", &["timezone", "briefing_at"]),
    ("http", &["bind", "token"]),
    (
        "fetch",
        &[
            "user_agent",
            "interval",
            "connect_timeout",
            "timeout",
            "max_body_bytes",
            "per_host",
            "max_backoff",
            "adaptive",
            "min_interval",
            "max_interval",
        ],
    ),
    ("briefing", &["dir", "language", "office"]),
    ("log", &["format", "level"]),
    (
        "alerts",
        &[
            "sinks",
            "min_priority",
            "window",
            "every",
            "cooldown",
            "growth",
            "min_gap",
            "min_history",
        ],
    ),
];

fn resolve(root: Value, base_dir: PathBuf, files: Vec<PathBuf>) -> Result<Settings, ConfigError> {
    let mut errors = Vec::new();
    let root_origin = files
        .first()
        .map(|f| crate::error::shown(f))
        .unwrap_or_else(|| "konfigurasi".into());
    let mut root = match root.kind {
        ValueKind::Table(t) => t,
        _ => Map::new(),
    };

    let sources_value = root.remove("sources");
    let mut sections: Map<String, Table> = Map::new();
    for (name, value) in root {
        if let Some((_, keys)) = SECTIONS.iter().find(|(s, _)| *s == name) {
            let origin = origin_of(&value, &format!("[{name}]"));
            match value.kind {
                ValueKind::Table(map) => {
                    let mut table = Table::new(format!("[{name}]"), map, keys);
                    table.origin_fallback = origin;
                    sections.insert(name.clone(), table);
                }
                _ => errors.push(ConfigError::Invalid {
                    origin,
                    key: name.clone(),
                    message: format!("harus berupa bagian [{name}]"),
                    hint: None,
                }),
            }
        } else {
            let known: Vec<&str> = SECTIONS
                .iter()
                .map(|(s, _)| *s)
                .chain(["sources"])
                .collect();
            errors.push(ConfigError::Invalid {
                origin: origin_of(&value, &name),
                key: name.clone(),
                message: format!("bagian tidak dikenal \"{name}\""),
                hint: Some(suggest(&name, &known).map_or_else(
                    || format!("bagian yang dikenal: {}", known.join(", ")),
                    |k| format!("mungkin maksud Anda [{k}]"),
                )),
            });
        }
    }
    let mut section = |name: &str| {
        let keys = SECTIONS
            .iter()
            .find(|(s, _)| *s == name)
            .map_or(&[][..], |s| s.1);
        sections
            .remove(name)
            .unwrap_or_else(|| Table::new(format!("[{name}]"), Map::new(), keys))
    };

    let path_in = |p: String| -> PathBuf {
        let p = PathBuf::from(p);
        if p.is_absolute() { p } else { base_dir.join(p) }
    };

    let mut t = section("storage");
    let storage = StorageSettings {
        path: path_in(
            t.string("path", &mut errors)
                .unwrap_or_else(|| "data/pantau.db".into()),
        ),
        retain_days: t
            .uint("retain_days", 1, 36_500, &mut errors)
            .map_or(90, |n| n as u32),
        max_size_mb: t.uint("max_size_mb", 0, 16 << 20, &mut errors).unwrap_or(0),
    };
    t.finish(&mut errors);

    let mut t = section("keywords");
    let keywords = KeywordSettings {
        dir: path_in(
            t.string("dir", &mut errors)
                .unwrap_or_else(|| "keywords".into()),
        ),
    };
    t.finish(&mut errors);

    let mut t = section("schedule");
    let timezone = t
        .parse(
            "timezone",
            &mut errors,
            "nama zona IANA, misalnya \"Asia/Makassar\"",
            |s| TimeZone::get(s).map_err(|_| format!("zona waktu \"{s}\" tidak dikenal")),
        )
        .unwrap_or_else(|| {
            TimeZone::get("Asia/Makassar").expect("the bundled tzdb has Asia/Makassar")
        });
    let briefing_at = t
        .parse(
            "briefing_at",
            &mut errors,
            "jam lokal \"HH:MM\", misalnya \"07:00\"",
            |s| {
                jiff::civil::Time::strptime("%H:%M", s)
                    .map_err(|_| format!("jam \"{s}\" tidak valid"))
            },
        )
        .unwrap_or(jiff::civil::time(7, 0, 0, 0));
    t.finish(&mut errors);
    let schedule = ScheduleSettings {
        timezone,
        briefing_at,
    };

    let mut t = section("http");
    let http = HttpSettings {
        bind: t
            .parse(
                "bind",
                &mut errors,
                "alamat:port, misalnya \"127.0.0.1:8080\"",
                |s| {
                    s.parse::<SocketAddr>()
                        .map_err(|_| format!("alamat \"{s}\" tidak valid"))
                },
            )
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
        token: t.string("token", &mut errors).filter(|s| !s.is_empty()),
    };
    t.finish(&mut errors);

    let mut t = section("fetch");
    let fetch = FetchSettings {
        user_agent: t.string("user_agent", &mut errors).unwrap_or_else(|| {
            format!(
                "Pantau/{} (pemantauan isu publik; +https://github.com/pantau-kaltim/pantau)",
                env!("CARGO_PKG_VERSION")
            )
        }),
        interval: t
            .duration("interval", &mut errors)
            .unwrap_or(Duration::from_secs(15 * 60)),
        connect_timeout: t
            .duration("connect_timeout", &mut errors)
            .unwrap_or(Duration::from_secs(10)),
        timeout: t
            .duration("timeout", &mut errors)
            .unwrap_or(Duration::from_secs(30)),
        max_body_bytes: t
            .uint("max_body_bytes", 1024, 1 << 34, &mut errors)
            .unwrap_or(10 * 1024 * 1024),
        per_host: t
            .uint("per_host", 1, 64, &mut errors)
            .map_or(2, |n| n as usize),
        max_backoff: t
            .duration("max_backoff", &mut errors)
            .unwrap_or(Duration::from_secs(6 * 3600)),
        adaptive: t.boolean("adaptive", &mut errors).unwrap_or(true),
        min_interval: t
            .duration("min_interval", &mut errors)
            .unwrap_or(Duration::from_secs(5 * 60)),
        max_interval: t
            .duration("max_interval", &mut errors)
            .unwrap_or(Duration::from_secs(6 * 3600)),
    };
    if fetch.min_interval > fetch.max_interval {
        errors.push(ConfigError::Invalid {
            origin: "konfigurasi".into(),
            key: "[fetch] min_interval".into(),
            message: "min_interval lebih besar dari max_interval".into(),
            hint: Some("min_interval adalah batas bawah, max_interval batas atas".into()),
        });
    }
    t.finish(&mut errors);

    let mut t = section("briefing");
    let briefing = BriefingSettings {
        dir: path_in(
            t.string("dir", &mut errors)
                .unwrap_or_else(|| "briefings".into()),
        ),
        language: t
            .parse("language", &mut errors, "\"id\" atau \"en\"", |s| match s {
                "id" => Ok(Lang::Id),
                "en" => Ok(Lang::En),
                _ => Err(format!("bahasa \"{s}\" tidak didukung")),
            })
            .unwrap_or_default(),
        office: t
            .string("office", &mut errors)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| super::DEFAULT_OFFICE.to_string()),
    };
    t.finish(&mut errors);

    let mut t = section("log");
    let log = LogSettings {
        format: t
            .parse(
                "format",
                &mut errors,
                "\"text\" atau \"json\"",
                |s| match s {
                    "text" => Ok(LogFormat::Text),
                    "json" => Ok(LogFormat::Json),
                    _ => Err(format!("format log \"{s}\" tidak dikenal")),
                },
            )
            .unwrap_or(LogFormat::Text),
        level: t
            .string("level", &mut errors)
            .unwrap_or_else(|| "info".into()),
    };
    t.finish(&mut errors);

    let mut t = section("alerts");
    let defaults = crate::alerts::Policy::default();
    let alerts = AlertSettings {
        sinks: alert_sinks(&mut t, &mut errors),
        policy: crate::alerts::Policy {
            min_priority: t
                .parse(
                    "min_priority",
                    &mut errors,
                    "\"rendah\", \"sedang\", \"tinggi\" atau \"kritis\"",
                    |s| s.parse::<crate::model::Priority>(),
                )
                .unwrap_or(defaults.min_priority),
            window: t
                .parse(
                    "window",
                    &mut errors,
                    "jam bulat 1–24, misalnya \"24h\" atau \"6h\"",
                    |s| s.parse::<crate::trends::Window>(),
                )
                .unwrap_or(defaults.window),
            every: t.duration("every", &mut errors).unwrap_or(defaults.every),
            cooldown: t
                .duration("cooldown", &mut errors)
                .unwrap_or(defaults.cooldown),
            growth: t
                .parse(
                    "growth",
                    &mut errors,
                    "angka ≥ 1, misalnya 2.0",
                    |s| match s.parse::<f64>() {
                        Ok(g) if (1.0..=100.0).contains(&g) => Ok(g),
                        _ => Err(format!("\"{s}\" bukan kelipatan yang valid")),
                    },
                )
                .unwrap_or(defaults.growth),
            min_gap: t
                .duration("min_gap", &mut errors)
                .unwrap_or(defaults.min_gap),
            min_history: t
                .duration("min_history", &mut errors)
                .unwrap_or(defaults.min_history),
            timezone: schedule.timezone.clone(),
        },
    };
    t.finish(&mut errors);

    let sources = match sources_value {
        None => Vec::new(),
        Some(v) => resolve_sources(v, &root_origin, fetch.interval, &mut errors),
    };

    match errors.len() {
        0 => Ok(Settings {
            files,
            base_dir,
            storage,
            keywords,
            schedule,
            http,
            fetch,
            briefing,
            log,
            alerts,
            sources,
        }),
        1 => Err(errors.pop().expect("one error")),
        _ => Err(ConfigError::Many(errors)),
    }
}

fn resolve_sources(
    value: Value,
    root_origin: &str,
    default_interval: Duration,
    errors: &mut Vec<ConfigError>,
) -> Vec<SourceConfig> {
    let origin = origin_of(&value, root_origin);
    let list = TableList {
        key: "sources",
        label: "[[sources]]",
        hint: "tulis setiap sumber sebagai tabel [[sources]] dengan id, kind dan url",
        duplicate: ("sumber", "setiap sumber perlu id yang unik"),
    };
    list.read(value, origin, errors, |t, errors| {
        SourceConfig::from_table(t, default_interval, errors).map(|s| (s.id.to_string(), s))
    })
}

/// `[alerts] sinks`: the `[[alerts.sinks]]` tables, read like `[[sources]]`, ids unique.
fn alert_sinks(t: &mut Table, errors: &mut Vec<ConfigError>) -> Vec<SinkConfig> {
    let Some(value) = t.take("sinks") else {
        return Vec::new();
    };
    t.done("sinks");
    let origin = t.origin(&value);
    let list = TableList {
        key: "[alerts] sinks",
        label: "[[alerts.sinks]]",
        hint: "tulis setiap tujuan sebagai tabel [[alerts.sinks]] dengan id dan kind",
        duplicate: ("tujuan", "setiap tujuan peringatan perlu id yang unik"),
    };
    list.read(value, origin, errors, |t, errors| {
        SinkConfig::from_table(t, errors).map(|s| (s.id.clone(), s))
    })
}

/// An array of tables (`[[sources]]`, `[[alerts.sinks]]`) whose entries have unique ids.
struct TableList {
    /// The key the array sits under, for the error when it is not an array.
    key: &'static str,
    /// How an entry is named in messages: `[[sources]] ke-2 (id "x")`.
    label: &'static str,
    hint: &'static str,
    /// What an entry is called, and the hint, when two share an id.
    duplicate: (&'static str, &'static str),
}

impl TableList {
    /// Reads every entry with `parse` (which returns the entry's id beside it); an entry with
    /// an error or a repeated id is reported and left out.
    fn read<T>(
        &self,
        value: Value,
        origin: String,
        errors: &mut Vec<ConfigError>,
        mut parse: impl FnMut(&mut Table, &mut Vec<ConfigError>) -> Option<(String, T)>,
    ) -> Vec<T> {
        let ValueKind::Array(items) = value.kind else {
            errors.push(ConfigError::Invalid {
                origin,
                key: self.key.into(),
                message: format!("harus berupa daftar {}", self.label),
                hint: Some(self.hint.into()),
            });
            return Vec::new();
        };
        let mut ids: Vec<String> = Vec::new();
        let mut out = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            let item_origin = origin_of(&item, &origin);
            let ValueKind::Table(map) = item.kind else {
                errors.push(ConfigError::Invalid {
                    origin: item_origin,
                    key: format!("{} ke-{}", self.label, i + 1),
                    message: "harus berupa tabel".into(),
                    hint: None,
                });
                continue;
            };
            let id_hint = map
                .get("id")
                .and_then(|v| v.clone().into_string().ok())
                .map(|id| format!(" (id \"{id}\")"))
                .unwrap_or_default();
            let mut t = Table::new(format!("{} ke-{}{id_hint}", self.label, i + 1), map, &[]);
            t.origin_fallback = item_origin;
            let before = errors.len();
            match parse(&mut t, errors) {
                Some((id, entry)) if errors.len() == before => {
                    if ids.contains(&id) {
                        errors.push(t.invalid(
                            "id",
                            format!(
                                "id \"{id}\" dipakai oleh lebih dari satu {}",
                                self.duplicate.0
                            ),
                            Some(self.duplicate.1.into()),
                        ));
                    } else {
                        ids.push(id);
                        out.push(entry);
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// An address as far as its host, for messages: a webhook's path can hold its secret.
fn without_path(raw: &str) -> String {
    let after_scheme = raw.find("://").map_or(0, |i| i + 3);
    match raw[after_scheme..].find('/') {
        Some(i) => format!("{}/…", &raw[..after_scheme + i]),
        None => raw.to_string(),
    }
}

fn origin_of(value: &Value, fallback: &str) -> String {
    match value.origin() {
        Some("the environment") => "variabel lingkungan".into(),
        Some(o) => crate::error::shown(Path::new(o)),
        None => fallback.to_string(),
    }
}

/// One table of the merged config, read key by key. Keys are removed as they are read, so
/// what remains at [`Table::finish`] is unknown and reported with a suggestion.
pub(crate) struct Table {
    label: String,
    map: Map<String, Value>,
    /// Values already read, kept for where they came from: a check made after reading
    /// (a URL's scheme, say) still points at the file and line.
    read: Map<String, Value>,
    known: Vec<&'static str>,
    origin_fallback: String,
}

impl fmt::Debug for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Table").field("label", &self.label).finish()
    }
}

impl Table {
    fn new(label: String, map: Map<String, Value>, known: &[&'static str]) -> Self {
        Table {
            label,
            map,
            read: Map::new(),
            known: known.to_vec(),
            origin_fallback: "konfigurasi".into(),
        }
    }

    /// The environment variable that would set `key`, for messages about values from it.
    fn env_name(&self, key: &str) -> String {
        let section = self.label.trim_matches(|c| c == '[' || c == ']');
        format!("PANTAU__{}__{}", section.to_uppercase(), key.to_uppercase())
    }

    fn origin(&self, value: &Value) -> String {
        match value.origin() {
            Some("the environment") => "variabel lingkungan".into(),
            Some(o) => crate::error::shown(Path::new(o)),
            None => self.origin_fallback.clone(),
        }
    }

    pub(crate) fn invalid(&self, key: &str, message: String, hint: Option<String>) -> ConfigError {
        let (origin, key) = self.locate(key);
        ConfigError::Invalid {
            origin,
            key,
            message,
            hint,
        }
    }

    fn take(&mut self, key: &'static str) -> Option<Value> {
        if !self.known.contains(&key) {
            self.known.push(key);
        }
        self.map.get(key).cloned()
    }

    fn done(&mut self, key: &str) {
        if let Some(value) = self.map.remove(key) {
            self.read.insert(key.to_string(), value);
        }
    }

    /// A string value (numbers and booleans are accepted as their text).
    pub(crate) fn string(
        &mut self,
        key: &'static str,
        errors: &mut Vec<ConfigError>,
    ) -> Option<String> {
        let value = self.take(key)?;
        let out = match value.kind {
            ValueKind::String(s) => Some(s),
            ValueKind::I64(_) | ValueKind::U64(_) | ValueKind::Float(_) | ValueKind::Boolean(_) => {
                value.into_string().ok()
            }
            _ => {
                errors.push(self.invalid(key, "harus berupa teks".into(), None));
                None
            }
        };
        self.done(key);
        out
    }

    /// A string that must be present.
    pub(crate) fn required(
        &mut self,
        key: &'static str,
        example: &str,
        errors: &mut Vec<ConfigError>,
    ) -> Option<String> {
        if !self.map.contains_key(key) {
            errors.push(self.invalid(
                key,
                format!("kunci \"{key}\" wajib diisi"),
                Some(format!("tambahkan, misalnya {key} = {example}")),
            ));
            self.take(key);
            return None;
        }
        self.string(key, errors)
    }

    /// A string turned into a typed value by `parse`; `expected` describes a valid value.
    pub(crate) fn parse<T>(
        &mut self,
        key: &'static str,
        errors: &mut Vec<ConfigError>,
        expected: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let (origin, label) = self.locate(key);
        let text = self.string(key, errors)?;
        match parse(text.trim()) {
            Ok(v) => Some(v),
            Err(message) => {
                errors.push(ConfigError::Invalid {
                    origin,
                    key: label,
                    message,
                    hint: Some(format!("yang diharapkan: {expected}")),
                });
                None
            }
        }
    }

    pub(crate) fn duration(
        &mut self,
        key: &'static str,
        errors: &mut Vec<ConfigError>,
    ) -> Option<Duration> {
        self.parse(
            key,
            errors,
            "durasi seperti \"90s\", \"15m\", \"1h30m\", \"1d\"",
            |s| match parse_duration(s) {
                Ok(d) if d.is_zero() => Err("durasi tidak boleh nol".into()),
                Ok(d) if d > MAX_DURATION => Err(format!("durasi \"{s}\" lebih dari 30 hari")),
                other => other,
            },
        )
    }

    pub(crate) fn uint(
        &mut self,
        key: &'static str,
        min: u64,
        max: u64,
        errors: &mut Vec<ConfigError>,
    ) -> Option<u64> {
        let (origin, label) = self.locate(key);
        let value = self.take(key)?;
        self.done(key);
        let n = match &value.kind {
            ValueKind::I64(n) if *n >= 0 => Some(*n as u64),
            ValueKind::U64(n) => Some(*n),
            ValueKind::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        match n {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                errors.push(ConfigError::Invalid {
                    origin,
                    key: label,
                    message: format!("harus bilangan bulat antara {min} dan {max}"),
                    hint: None,
                });
                None
            }
        }
    }

    /// A boolean (`true`/`false`, or the text "true"/"false").
    pub(crate) fn boolean(
        &mut self,
        key: &'static str,
        errors: &mut Vec<ConfigError>,
    ) -> Option<bool> {
        let value = self.take(key)?;
        self.done(key);
        match value.kind {
            ValueKind::Boolean(b) => Some(b),
            ValueKind::String(s) if s.trim() == "true" => Some(true),
            ValueKind::String(s) if s.trim() == "false" => Some(false),
            _ => {
                errors.push(self.invalid(key, "harus true atau false".into(), None));
                None
            }
        }
    }

    /// A URL with one of `schemes`; `example` shows a valid one in the hint.
    pub(crate) fn url(
        &mut self,
        key: &'static str,
        schemes: &[&str],
        example: &str,
        errors: &mut Vec<ConfigError>,
    ) -> Option<url::Url> {
        let raw = self.string(key, errors)?;
        match url::Url::parse(raw.trim()) {
            Ok(url) if schemes.contains(&url.scheme()) => Some(url),
            Ok(url) => {
                errors.push(self.invalid(
                    key,
                    format!("skema \"{}\" tidak didukung", url.scheme()),
                    Some(format!(
                        "pakai alamat {}, misalnya {example}",
                        schemes.join("/")
                    )),
                ));
                None
            }
            Err(e) => {
                errors.push(self.invalid(
                    key,
                    format!("alamat \"{}\" tidak valid: {e}", without_path(raw.trim())),
                    Some(format!("tulis alamat lengkap, misalnya {example}")),
                ));
                None
            }
        }
    }

    /// A URL that must be present.
    pub(crate) fn required_url(
        &mut self,
        key: &'static str,
        schemes: &[&str],
        example: &str,
        errors: &mut Vec<ConfigError>,
    ) -> Option<url::Url> {
        if !self.map.contains_key(key) {
            errors.push(self.invalid(
                key,
                format!("kunci \"{key}\" wajib diisi"),
                Some(format!("tambahkan, misalnya {key} = {example}")),
            ));
            self.take(key);
            return None;
        }
        self.url(key, schemes, example, errors)
    }

    /// A list of strings (a TOML array, or one string).
    pub(crate) fn strings(
        &mut self,
        key: &'static str,
        errors: &mut Vec<ConfigError>,
    ) -> Option<Vec<String>> {
        let value = self.take(key)?;
        self.done(key);
        let out = match value.kind {
            ValueKind::String(s) => Some(vec![s]),
            ValueKind::Array(items) => items.into_iter().map(|v| v.into_string().ok()).collect(),
            _ => None,
        };
        if out.is_none() {
            errors.push(self.invalid(key, "harus berupa daftar teks".into(), None));
        }
        out
    }

    /// Where `key`'s value came from, and how to name the key there (an environment variable's
    /// name, or `[section] key` in a file).
    fn locate(&self, key: &str) -> (String, String) {
        let value = self.map.get(key).or_else(|| self.read.get(key));
        let origin = value.map_or_else(|| self.origin_fallback.clone(), |v| self.origin(v));
        match value.and_then(Value::origin) {
            Some("the environment") => (origin, self.env_name(key)),
            Some(file) => {
                // file:line, so an editor jumps to it; the text is read again only on error.
                let line = std::fs::read_to_string(file)
                    .ok()
                    .and_then(|text| key_line(&text, &self.label, key));
                let origin = line.map_or(origin.clone(), |l| format!("{origin}:{l}"));
                (origin, format!("{} {key}", self.label))
            }
            None => (origin, format!("{} {key}", self.label)),
        }
    }

    /// Reports every key that no reader asked for, with the nearest known key as a hint.
    pub(crate) fn finish(&mut self, errors: &mut Vec<ConfigError>) {
        let rest = std::mem::take(&mut self.map);
        for (key, value) in &rest {
            let hint = match suggest(key, &self.known) {
                Some(k) => format!("mungkin maksud Anda `{k}`"),
                None => format!("kunci yang dikenal di sini: {}", self.known.join(", ")),
            };
            errors.push(ConfigError::Invalid {
                origin: self.origin(value),
                key: self.label.clone(),
                message: format!("kunci tidak dikenal \"{key}\""),
                hint: Some(hint),
            });
        }
    }
}
