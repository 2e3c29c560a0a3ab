//! The configuration read whole: the settings ([`crate::config`]), then each plug-in family's
//! entries — the `[[sources]]` and the `[alerts]` section with its sinks — so that one run
//! reports every mistake in the files, whichever part reads it.

use std::path::Path;

use crate::alerts::AlertSettings;
use crate::alerts::sinks::{Sink, SinkConfig, SinkError};
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
        // In the order of the file's sections: `[alerts]`, then the `[[sources]]`.
        let alerts = AlertSettings::read(&settings, &mut errors);
        let sources = read_sources(&settings, &mut errors);
        check_briefing_targets(&settings.briefing.deliver, &alerts.sinks, &mut errors);
        ConfigError::check(errors)?;
        Ok(Config {
            settings,
            sources,
            alerts,
        })
    }

    /// The sinks `[briefing] deliver` names, built, in its order.
    pub fn briefing_sinks(&self) -> Result<Vec<Sink>, SinkError> {
        self.settings
            .briefing
            .deliver
            .iter()
            .filter_map(|id| self.alerts.sinks.iter().find(|s| &s.id == id))
            .map(|c| Sink::new(c.clone(), &self.settings.fetch.user_agent))
            .collect()
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
        classifier: &'a Classifier,
    ) -> impl Iterator<Item = (&'a SourceId, &'a RegionId)> {
        unknown_regions(&self.sources, classifier)
    }
}

/// The sources among `sources` whose `region` the gazetteer of `classifier` does not know.
pub fn unknown_regions<'a>(
    sources: &'a [SourceConfig],
    classifier: &'a Classifier,
) -> impl Iterator<Item = (&'a SourceId, &'a RegionId)> {
    sources.iter().filter_map(|s| {
        let region = s.region.as_ref()?;
        classifier
            .region(region)
            .is_none()
            .then_some((&s.id, region))
    })
}

/// Configured sources' default regions, by source.
pub type Regions = std::collections::HashMap<SourceId, RegionId>;

/// Each id of `[briefing] deliver` names an `[[alerts.sinks]]` entry that can carry a
/// briefing: a webhook has no place for a document, so it is refused rather than skipped.
fn check_briefing_targets(ids: &[String], sinks: &[SinkConfig], errors: &mut Vec<ConfigError>) {
    let known = || {
        let ids: Vec<_> = sinks
            .iter()
            .filter(|s| BRIEFING_KINDS.contains(&s.spec.kind()))
            .map(|s| s.id.as_str())
            .collect();
        if ids.is_empty() {
            "tambahkan [[alerts.sinks]] berjenis email atau telegram, lalu tulis id-nya di sini"
                .to_string()
        } else {
            format!("tujuan yang dapat dipakai: {}", ids.join(", "))
        }
    };
    for id in ids {
        let message = match sinks.iter().find(|s| &s.id == id) {
            None => format!("tujuan \"{id}\" tidak ada di [[alerts.sinks]]"),
            Some(s) if !BRIEFING_KINDS.contains(&s.spec.kind()) => format!(
                "tujuan \"{id}\" berjenis {}; telaahan hanya dikirim lewat email atau telegram",
                s.spec.kind()
            ),
            Some(_) => continue,
        };
        errors.push(ConfigError::Invalid {
            origin: "konfigurasi".into(),
            key: "[briefing] deliver".into(),
            message,
            hint: Some(known()),
        });
    }
}

/// The sink kinds that carry a briefing.
const BRIEFING_KINDS: [&str; 2] = ["email", "telegram"];

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

    /// `[briefing] deliver` names sinks that can carry a briefing; the error lists those.
    #[test]
    fn briefing_targets_are_checked_at_start_up() {
        let sinks = "[[alerts.sinks]]\nid = \"hook\"\nkind = \"webhook\"\nurl = \"https://x.id/\"\n\
            [[alerts.sinks]]\nid = \"surel\"\nkind = \"email\"\nhost = \"smtp.contoh.id\"\n\
            from = \"a@b.id\"\nto = [\"c@d.id\", \"e@f.id\"]\n";
        let config = Config::from_str(
            &format!("[briefing]\ndeliver = [\"surel\"]\n{sinks}"),
            Path::new("/srv/pantau"),
        )
        .unwrap();
        let built = config.briefing_sinks().unwrap();
        assert_eq!(built.len(), 1);
        assert_eq!(built[0].briefing_recipients(), ["c@d.id", "e@f.id"]);
        let e = Config::from_str(
            &format!("[briefing]\ndeliver = [\"hook\", \"pimpinan\"]\n{sinks}"),
            Path::new("/srv/pantau"),
        )
        .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains(
                "tujuan \"hook\" berjenis webhook; telaahan hanya dikirim lewat email atau telegram"
            ),
            "{text}"
        );
        assert!(
            text.contains("tujuan \"pimpinan\" tidak ada di [[alerts.sinks]]"),
            "{text}"
        );
        let e = Config::from_str(
            &format!("[briefing]\ndeliver = [\"hook\"]\n{sinks}"),
            Path::new("/srv/pantau"),
        )
        .unwrap_err();
        assert_eq!(
            e.hint().as_deref(),
            Some("tujuan yang dapat dipakai: surel")
        );
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

    /// Every error of a configuration that does not read.
    fn all(text: &str) -> Vec<String> {
        Config::from_str(text, Path::new("/srv/pantau"))
            .unwrap_err()
            .into_all()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// A required key after a wrong or missing one is reported in the same run.
    #[test]
    fn every_missing_key_shows_in_one_run() {
        let sinks = "[[alerts.sinks]]\nid = \"t\"\nkind = \"telegram\"\n";
        let found = all(sinks);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].contains("kunci \"bot_token\" wajib diisi"),
            "{found:?}"
        );
        assert!(
            found[1].contains("kunci \"chat_id\" wajib diisi"),
            "{found:?}"
        );
        let found = all(&format!("{sinks}bot_token = \"salah\"\n"));
        assert!(
            found[0].contains("bot_token: bukan token bot Telegram"),
            "{found:?}"
        );
        assert!(
            found[1].contains("kunci \"chat_id\" wajib diisi"),
            "{found:?}"
        );
        let found = all("[[alerts.sinks]]\nid = \"s\"\nkind = \"email\"\n");
        for key in ["host", "from", "to"] {
            let want = format!("kunci \"{key}\" wajib diisi");
            assert!(found.iter().any(|e| e.contains(&want)), "{key}: {found:?}");
        }
        let found = all("[[sources]]\nurl = \"https://x.example/\"\n");
        assert!(
            found.iter().any(|e| e.contains("kunci \"id\" wajib diisi")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|e| e.contains("kunci \"kind\" wajib diisi")),
            "{found:?}"
        );
    }

    /// The rules between a table's keys run after a wrong value too, and report every problem;
    /// a section keeps its right keys beside a wrong one, so they are still compared.
    #[test]
    fn rules_between_keys_run_after_wrong_values() {
        let found = all(
            "[[alerts.sinks]]\nid = \"s\"\nkind = \"email\"\nhost = \"h\"\n\
             from = \"pantau\"\nto = \"bukan alamat\"\n",
        );
        assert!(
            found.iter().any(|e| e.contains("from: alamat e-mail")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|e| e.contains("to: alamat e-mail")),
            "{found:?}"
        );
        let found = all("[[sources]]\nid = \"r\"\nkind = \"reddit\"\nlimit = 0\n");
        assert!(
            found
                .iter()
                .any(|e| e.contains("limit: harus bilangan bulat")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|e| e.contains("\"subreddit\" atau \"search\"")),
            "{found:?}"
        );
        let found = all(
            "[[sources]]\nid = \"g\"\nkind = \"google_news\"\nquery = \" \"\nurl = \"ftp://x\"\n",
        );
        assert!(
            found.iter().any(|e| e.contains("skema \"ftp\"")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|e| e.contains("kueri kosong")),
            "{found:?}"
        );
        // A wrong key leaves the section's others as written: the bounds are still compared.
        let found = all("[fetch]\nmin_interval = \"7h\"\nper_host = 0\n");
        assert!(found.iter().any(|e| e.contains("per_host")), "{found:?}");
        assert!(
            found
                .iter()
                .any(|e| e.contains("lebih besar dari max_interval")),
            "{found:?}"
        );
    }

    /// A hint shows the key's own example, as written for its kind.
    #[test]
    fn hints_carry_the_kinds_example() {
        let e = Config::from_str(
            "[[sources]]\nid = \"m\"\nkind = \"mastodon\"\ntag = \"kaltim\"\nurl = \"ftp://m.example\"\n",
            Path::new("/srv/pantau"),
        )
        .unwrap_err();
        assert_eq!(
            e.hint().as_deref(),
            Some("pakai alamat http/https, misalnya \"https://mastodon.social\"")
        );
        let e = Config::from_str(
            "[[alerts.sinks]]\nid = \"t\"\nkind = \"telegram\"\nchat_id = \"-100\"\n",
            Path::new("/srv/pantau"),
        )
        .unwrap_err();
        assert!(
            e.hint().unwrap().contains("dari @BotFather"),
            "{:?}",
            e.hint()
        );
    }

    /// Tokens and passwords of sources and sinks never show in the configuration's `Debug`.
    #[test]
    fn debug_output_holds_no_secret() {
        let config = Config::from_str(
            "[http]\ntoken = \"RAHASIA-HTTP\"\n\
             [[sources]]\nid = \"m\"\nkind = \"mastodon\"\ntag = \"kaltim\"\ntoken = \"RAHASIA-M\"\n\
             [[sources]]\nid = \"b\"\nkind = \"bluesky\"\nquery = \"banjir\"\n\
             handle = \"h.bsky.social\"\napp_password = \"RAHASIA-B\"\n\
             [[alerts.sinks]]\nid = \"t\"\nkind = \"telegram\"\nbot_token = \"123:RAHASIA\"\nchat_id = \"-100\"\n",
            Path::new("/srv/pantau"),
        )
        .unwrap();
        let shown = format!("{config:?} {:?}", config.settings);
        assert!(!shown.contains("RAHASIA"), "{shown}");
    }
}
