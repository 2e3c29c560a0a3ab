//! One configured source: the keys every `[[sources]]` table has (`id`, `kind`, `name`,
//! `interval`, `region`, `adaptive`, `allow_private`, and `fetch_article` with its
//! `article_daily_cap` and `article_max_chars`) and its kind's own keys, read through the kind's
//! [`Spec`](super::kind::Spec). [`read_sources`] reads them all from the settings.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::KINDS;
use super::article::{self, ArticleSettings};
use super::kind::AnySpec;
use super::poller::Poll;
use crate::config::value::{self, IpRanges};
use crate::config::{
    CommonKeys, ConfigError, Invalid, ListNames, Settings, Table, entries, read_entry,
};
use crate::model::{Medium, RegionId, SourceId, SourceInfo};

/// One configured source.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    pub id: SourceId,
    /// A human name for the briefing ("Warta Mahakam"); the id when absent.
    pub name: Option<String>,
    pub interval: Duration,
    /// Region assumed for posts whose text names none (a local news site, a city account).
    pub region: Option<RegionId>,
    /// `adaptive = false` pins the interval; absent, `[fetch] adaptive` decides.
    pub adaptive: Option<bool>,
    /// Private or local addresses this source may reach besides `[fetch] allow_private` (a
    /// feed on the office's own network).
    pub allow_private: IpRanges,
    /// Whether each new item's page is read for its article text (`fetch_article = true`),
    /// and within which bounds; `None` keeps what the source gives.
    pub article: Option<ArticleSettings>,
    /// What to poll: the kind's own keys.
    pub spec: Arc<dyn AnySpec>,
}

impl PartialEq for SourceConfig {
    fn eq(&self, other: &SourceConfig) -> bool {
        self.id == other.id
            && self.name == other.name
            && self.interval == other.interval
            && self.region == other.region
            && self.adaptive == other.adaptive
            && self.allow_private == other.allow_private
            && self.article == other.article
            && self.spec.same_as(other.spec.as_ref())
    }
}

impl SourceConfig {
    pub fn kind(&self) -> &'static str {
        self.spec.kind()
    }

    pub fn medium(&self) -> Option<Medium> {
        self.spec.medium()
    }

    /// Where the source is read from, for people (a URL).
    pub fn location(&self) -> String {
        self.spec.location()
    }

    /// The poller for this source.
    pub fn build(&self) -> Box<dyn Poll> {
        self.spec.poller()
    }

    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(self.id.as_str())
    }

    /// What the store records of this source.
    pub fn info(&self) -> SourceInfo {
        SourceInfo {
            id: self.id.clone(),
            kind: self.kind().to_string(),
            name: self.name.clone(),
            location: self.location(),
            region: self.region.clone(),
        }
    }
}

/// The keys every `[[sources]]` table has; the rest belong to its kind.
#[derive(Debug, Deserialize)]
struct Common {
    #[serde(deserialize_with = "value::id")]
    id: String,
    kind: String,
    name: Option<String>,
    #[serde(default, deserialize_with = "value::opt_duration")]
    interval: Option<Duration>,
    region: Option<RegionId>,
    adaptive: Option<bool>,
    #[serde(default, deserialize_with = "value::ip_ranges")]
    allow_private: IpRanges,
    #[serde(default)]
    fetch_article: bool,
    #[serde(default, deserialize_with = "article::daily_cap")]
    article_daily_cap: Option<u32>,
    #[serde(default, deserialize_with = "article::max_chars")]
    article_max_chars: Option<usize>,
}

impl Common {
    /// An article key written without `fetch_article = true`, where it would do nothing: the
    /// operator meant articles to be fetched, or the key is left over.
    fn unused_article_key(&self) -> Option<Invalid> {
        if self.fetch_article {
            return None;
        }
        let key = [
            ("article_daily_cap", self.article_daily_cap.is_some()),
            ("article_max_chars", self.article_max_chars.is_some()),
        ]
        .into_iter()
        .find_map(|(key, set)| set.then_some(key))?;
        Some(Invalid::new(
            key,
            format!("{key} diisi tanpa fetch_article = true"),
            Some("tambahkan fetch_article = true atau hapus kunci ini".into()),
        ))
    }
}

impl CommonKeys for Common {
    const EXAMPLE: &'static str = "id = \"warta-mahakam\"\nkind = \"feed\"\n\
        name = \"Warta Mahakam\"\ninterval = \"15m\"\nregion = \"samarinda\"\nadaptive = false";

    fn kind(&self) -> &str {
        &self.kind
    }
}

const NAMES: ListNames = ListNames {
    key: "sources",
    label: "[[sources]]",
    hint: "tulis setiap sumber sebagai tabel [[sources]] dengan id, kind dan url",
    duplicate: ("sumber", "setiap sumber perlu id yang unik"),
};

/// Every `[[sources]]` table of the settings, in file order; errors go to `errors`, each
/// naming the source and key. A source with an error is left out.
pub fn read_sources(settings: &Settings, errors: &mut Vec<ConfigError>) -> Vec<SourceConfig> {
    let Some(array) = settings.sources.clone() else {
        return Vec::new();
    };
    entries(array, NAMES, errors, |table, errors| {
        let source = read_source(table, settings.fetch.interval, errors)?;
        Some((source.id.to_string(), source))
    })
}

/// One `[[sources]]` table: the common keys, then the kind's own.
fn read_source(
    table: &Table,
    default_interval: Duration,
    errors: &mut Vec<ConfigError>,
) -> Option<SourceConfig> {
    let (common, spec): (Common, _) = read_entry(table, KINDS, "sumber", errors)?;
    if let Some(unused) = common.unused_article_key() {
        errors.push(table.invalid(unused));
        return None;
    }
    Some(SourceConfig {
        id: SourceId::new(common.id),
        name: common.name,
        interval: common.interval.unwrap_or(default_interval),
        region: common.region,
        adaptive: common.adaptive,
        allow_private: common.allow_private,
        article: ArticleSettings::of(
            common.fetch_article,
            common.article_daily_cap,
            common.article_max_chars,
        ),
        spec,
    })
}

/// The medium of the sources of `kind` (as the `sources` table names kinds): `None` for a
/// kind whose posts may be anything (a JSON API) and for pushed posts (`import`, `ingest`).
pub fn medium_of(kind: &str) -> Option<Medium> {
    KINDS
        .iter()
        .find(|k| k.name == kind)
        .and_then(|k| k.extra.medium)
}

/// The platform that posts of a source of `kind` count under when they name none
/// (`Spec::PLATFORM`: `feed` → `news`, `jetstream` → `bluesky`). Posts pushed by `pantau
/// import` or `POST /api/ingest` without a platform, and posts of a kind this version does not
/// know, count as [`UNKNOWN_PLATFORM`]: where they were said was not stated.
pub fn platform_of(kind: Option<&str>) -> &'static str {
    kind.and_then(|kind| KINDS.iter().find(|k| k.name == kind))
        .map_or(UNKNOWN_PLATFORM, |k| k.extra.platform)
}

/// The platform of posts whose platform nobody stated (see [`platform_of`]).
pub const UNKNOWN_PLATFORM: &str = "lain";

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// Each kind's example table, with an id, is a source as it stands: the hints that quote
    /// it show something that works.
    #[test]
    fn every_kinds_example_reads() {
        for kind in KINDS {
            let text = format!(
                "[[sources]]\nid = \"contoh\"\nkind = \"{}\"\n{}\n",
                kind.name, kind.example
            );
            let settings = crate::config::load_str(&text, Path::new("/srv/pantau")).unwrap();
            let mut errors = Vec::new();
            let sources = read_sources(&settings, &mut errors);
            assert!(errors.is_empty(), "{}: {errors:?}", kind.name);
            assert_eq!(sources[0].kind(), kind.name);
            assert_eq!(sources[0].medium(), medium_of(kind.name));
        }
    }

    #[test]
    fn posts_without_a_platform_count_under_their_kinds() {
        assert_eq!(platform_of(Some("feed")), "news");
        assert_eq!(platform_of(Some("google_news")), "news");
        assert_eq!(platform_of(Some("jetstream")), "bluesky");
        assert_eq!(platform_of(Some("mastodon")), "mastodon");
        assert_eq!(platform_of(Some("import")), UNKNOWN_PLATFORM);
        assert_eq!(platform_of(None), UNKNOWN_PLATFORM);
    }

    #[test]
    fn every_kind_has_its_own_name() {
        let mut names: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), KINDS.len());
    }
}
