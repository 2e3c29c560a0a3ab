//! Settings: `config/default.toml`, then `config/local.toml` beside it, then `PANTAU__SECTION__KEY`
//! environment variables, merged by the `config` crate and resolved into typed [`Settings`].
//!
//! Every error names where the bad value came from (file and line, or the environment variable),
//! the key, and what is expected; a misspelt key gets the nearest known one as a hint. Relative
//! paths are resolved against the config folder's parent, so `--config /etc/pantau/config/default.toml`
//! works from any working directory.

mod resolve;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use jiff::civil::Time;
use jiff::tz::TimeZone;

use crate::alerts::sinks::SinkConfig;
use crate::sources::SourceConfig;
use crate::time::Lang;

pub(crate) use resolve::Table;
pub use resolve::{ConfigError, load, load_str};

/// Where the default config file is looked for when `--config` is not given.
pub const DEFAULT_CONFIG: &str = "config/default.toml";

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
    pub alerts: AlertSettings,
    pub sources: Vec<SourceConfig>,
}

#[derive(Debug, Clone)]
pub struct StorageSettings {
    /// The SQLite database file (`data/pantau.db`).
    pub path: PathBuf,
    /// Raw posts older than this are pruned (hourly counts and briefings stay).
    pub retain_days: u32,
    /// Largest the database may grow, in MiB (0: as large as the disk allows). Past it,
    /// writes fail as on a full disk, so Pantau never fills a disk it shares.
    pub max_size_mb: u64,
}

#[derive(Debug, Clone)]
pub struct KeywordSettings {
    /// Folder holding `topics/*.toml`, `regions.toml`, `slang.toml`, `sentiment.toml`.
    pub dir: PathBuf,
}

#[derive(Debug, Clone)]
pub struct ScheduleSettings {
    /// The zone every date a user sees is in (`Asia/Makassar`, WITA).
    pub timezone: TimeZone,
    /// Local time of day at which yesterday's briefing is written.
    pub briefing_at: Time,
}

#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub bind: SocketAddr,
    /// Bearer token for write endpoints; none means they are off.
    pub token: Option<String>,
}

/// How sources are fetched: politeness, limits and retry policy shared by every poller.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    pub user_agent: String,
    /// Polling interval of a source that does not set its own.
    pub interval: Duration,
    pub connect_timeout: Duration,
    /// Whole request, headers and body.
    pub timeout: Duration,
    /// A body larger than this (after decompression) fails the fetch.
    pub max_body_bytes: u64,
    /// Requests in flight to one host at a time.
    pub per_host: usize,
    /// Ceiling of the exponential backoff after failures.
    pub max_backoff: Duration,
    /// Whether a source's interval follows how often it publishes (see `sources::poll::Pace`).
    pub adaptive: bool,
    /// Bounds of the adaptive interval; a source's own `interval` always lies within them.
    pub min_interval: Duration,
    pub max_interval: Duration,
}

#[derive(Debug, Clone)]
pub struct BriefingSettings {
    pub dir: PathBuf,
    pub language: Lang,
    /// The office whose letterhead the briefing carries.
    pub office: String,
}

/// The letterhead of the briefing when `[briefing] office` is not set.
pub const DEFAULT_OFFICE: &str = "Dinas Komunikasi dan Informatika Provinsi Kalimantan Timur";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A tracing filter (`info`, `pantau=debug`); `RUST_LOG` overrides it.
    pub level: String,
}

/// Alerts on rising issues: where they are delivered.
#[derive(Debug, Clone, Default)]
pub struct AlertSettings {
    /// `[[alerts.sinks]]` in file order; ids are unique. None by default.
    pub sinks: Vec<SinkConfig>,
    /// When to alert: `min_priority`, `window`, `every`, `cooldown`, `growth`, `min_gap`.
    pub policy: crate::alerts::Policy,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn err(text: &str) -> String {
        load_str(text, Path::new("/srv/pantau"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_file_with_only_sources_works_and_defaults_apply() {
        let s = load_str(
            "[[sources]]\nid = \"warta\"\nkind = \"feed\"\nurl = \"https://warta.example/rss\"\n",
            Path::new("/srv/pantau"),
        )
        .unwrap();
        assert_eq!(s.storage.path, Path::new("/srv/pantau/data/pantau.db"));
        assert_eq!(s.keywords.dir, Path::new("/srv/pantau/keywords"));
        assert_eq!(s.http.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.schedule.timezone.iana_name(), Some("Asia/Makassar"));
        assert_eq!(s.schedule.briefing_at, jiff::civil::time(7, 0, 0, 0));
        assert_eq!(s.sources.len(), 1);
        assert_eq!(s.sources[0].interval, Duration::from_secs(900));
        assert_eq!(s.sources[0].location(), "https://warta.example/rss");
    }

    #[test]
    fn errors_name_the_key_and_what_is_expected() {
        let e = err(
            "[[sources]]\nid = \"samarinda-reddit\"\nkind = \"feed\"\nurl = \"https://x.example/\"\nintreval = \"15m\"\n",
        );
        assert!(
            e.contains(
                "[[sources]] ke-1 (id \"samarinda-reddit\"): kunci tidak dikenal \"intreval\""
            ),
            "{e}"
        );
        let e = load_str("[[sources]]\nid = \"a\"\nkind = \"feed\"\nurl = \"https://x.example/\"\nintreval = \"15m\"\n", Path::new("/"))
            .unwrap_err();
        assert_eq!(e.hint().as_deref(), Some("mungkin maksud Anda `interval`"));
        assert!(
            err("[schedule]\nbriefing_at = \"7 pagi\"\n")
                .contains("[schedule] briefing_at: jam \"7 pagi\" tidak valid")
        );
        assert!(err("[fetch]\ntimeout = \"0s\"\n").contains("durasi tidak boleh nol"));
        assert!(err("[fetch]\ninterval = \"3000000d\"\n").contains("lebih dari 30 hari"));
        assert!(
            err("[storage]\nretain_days = -3\n")
                .contains("[storage] retain_days: harus bilangan bulat")
        );
        assert!(err("[storag]\npath = \"x\"\n").contains("bagian tidak dikenal \"storag\""));
        assert!(
            err("[[sources]]\nid = \"Bad Id\"\nkind = \"feed\"\nurl = \"https://x.example/\"\n")
                .contains("id \"Bad Id\" tidak valid")
        );
        assert!(
            err("[[sources]]\nid = \"a\"\nkind = \"feed\"\n").contains("kunci \"url\" wajib diisi")
        );
        assert!(
            err("[[sources]]\nid = \"a\"\nkind = \"fed\"\nurl = \"x\"\n")
                .contains("jenis sumber \"fed\" tidak dikenal")
        );
        assert!(
            err("[[sources]]\nid = \"a\"\nkind = \"feed\"\nurl = \"ftp://x.example/\"\n")
                .contains("skema \"ftp\" tidak didukung")
        );
        let e = err(
            "[[sources]]\nid = \"a\"\nkind = \"feed\"\nurl = \"https://x.example/\"\n[[sources]]\nid = \"a\"\nkind = \"feed\"\nurl = \"https://y.example/\"\n",
        );
        assert!(e.contains("dipakai oleh lebih dari satu sumber"), "{e}");
        let e = err("[storage\n");
        assert!(e.starts_with("<konfigurasi>:1:9: TOML tidak valid"), "{e}");
    }

    #[test]
    fn a_wrong_value_in_a_file_is_reported_at_its_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("config")).unwrap();
        let file = dir.path().join("config/default.toml");
        std::fs::write(
            &file,
            "[storage]\nretain_days = 0\n\n[fetch]\n# a comment\ntimeout = \"abc\"\n\n\
             [[sources]]\nid = \"a\"\nkind = \"feed\"\nurl = \"https://a.example/\"\n\n\
             [[sources]]\nid = \"b\"\nkind = \"feed\"\nurl = \"ftp://b.example/\"\n",
        )
        .unwrap();
        let e = load(Some(&file)).unwrap_err().to_string();
        for (line, what) in [
            (2, "[storage] retain_days"),
            (6, "[fetch] timeout"),
            (16, "[[sources]] ke-2 (id \"b\") url"),
        ] {
            assert!(e.contains(&format!("default.toml:{line}: {what}")), "{e}");
        }
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
}
