//! The configuration read whole: the settings ([`crate::config`]), then each plug-in family's
//! entries — the `[[sources]]` and the `[alerts]` section with its sinks — so that one run
//! reports every mistake in the files, whichever part reads it.

use std::path::Path;

use crate::alerts::AlertSettings;
use crate::classify::Classifier;
use crate::config::{ConfigError, Settings};
use crate::model::{RegionId, SourceId, SourceInfo};
use crate::sources::{SourceConfig, read_sources};

/// Everything the config files say, typed and checked.
#[derive(Debug, Clone)]
pub struct Config {
    pub settings: Settings,
    /// `[[sources]]`, in file order; ids are unique.
    pub sources: Vec<SourceConfig>,
    /// `[alerts]`: when to alert, and the sinks.
    pub alerts: AlertSettings,
}

impl Config {
    /// Loads `path` (or `config/default.toml`), `local.toml` beside it and the environment
    /// (see [`crate::config::load`]), then every family's entries.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        Config::read(crate::config::load_lenient(path)?)
    }

    /// The configuration in `text` alone (no files, no environment): for tests and tools.
    pub fn from_str(text: &str, base_dir: &Path) -> Result<Config, ConfigError> {
        Config::read(crate::config::load_str_lenient(text, base_dir)?)
    }

    /// Reads the families even when the settings have errors, so that all are reported.
    fn read((settings, mut errors): (Settings, Vec<ConfigError>)) -> Result<Config, ConfigError> {
        let sources = read_sources(&settings, &mut errors);
        let alerts = AlertSettings::read(&settings, &mut errors);
        ConfigError::check(errors)?;
        Ok(Config {
            settings,
            sources,
            alerts,
        })
    }

    /// What the store records of each configured source.
    pub fn source_infos(&self) -> Vec<SourceInfo> {
        self.sources.iter().map(SourceConfig::info).collect()
    }

    /// Each configured source's default region, for posts whose text names none.
    pub fn regions(&self) -> Regions {
        self.sources
            .iter()
            .filter_map(|s| Some((s.id.clone(), s.region.clone()?)))
            .collect()
    }

    /// The sources whose `region` the gazetteer of `classifier` does not know.
    pub fn unknown_regions<'a>(
        &'a self,
        classifier: &Classifier,
    ) -> impl Iterator<Item = (&'a SourceId, &'a RegionId)> {
        unknown_regions(&self.sources, classifier)
    }
}

/// The sources among `sources` whose `region` the gazetteer of `classifier` does not know.
pub fn unknown_regions<'a>(
    sources: &'a [SourceConfig],
    classifier: &Classifier,
) -> impl Iterator<Item = (&'a SourceId, &'a RegionId)> {
    let known: Vec<bool> = sources
        .iter()
        .map(|s| {
            s.region
                .as_ref()
                .is_none_or(|r| classifier.region(r).is_some())
        })
        .collect();
    sources
        .iter()
        .zip(known)
        .filter(|(_, known)| !known)
        .filter_map(|(s, _)| Some((&s.id, s.region.as_ref()?)))
}

/// Configured sources' default regions, by source.
pub type Regions = std::collections::HashMap<SourceId, RegionId>;

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use super::*;

    fn err(text: &str) -> String {
        Config::from_str(text, Path::new("/srv/pantau"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_file_with_only_sources_works_and_defaults_apply() {
        let config = Config::from_str(
            "[[sources]]\nid = \"warta\"\nkind = \"feed\"\nurl = \"https://warta.example/rss\"\n",
            Path::new("/srv/pantau"),
        )
        .unwrap();
        let s = &config.settings;
        assert_eq!(s.storage.path, Path::new("/srv/pantau/data/pantau.db"));
        assert_eq!(s.keywords.dir, Path::new("/srv/pantau/keywords"));
        assert_eq!(s.http.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.schedule.timezone.iana_name(), Some("Asia/Makassar"));
        assert_eq!(s.schedule.briefing_at, jiff::civil::time(7, 0, 0, 0));
        assert_eq!(config.sources.len(), 1);
        assert_eq!(config.sources[0].interval, Duration::from_secs(900));
        assert_eq!(config.sources[0].location(), "https://warta.example/rss");
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
        let e = Config::from_str("[[sources]]\nid = \"a\"\nkind = \"feed\"\nurl = \"https://x.example/\"\nintreval = \"15m\"\n", Path::new("/"))
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
        let e = Config::load(Some(&file)).unwrap_err().to_string();
        for (line, what) in [
            (2, "[storage] retain_days"),
            (6, "[fetch] timeout"),
            (16, "[[sources]] ke-2 (id \"b\") url"),
        ] {
            assert!(e.contains(&format!("default.toml:{line}: {what}")), "{e}");
        }
    }
}
