//! The `youtube_comments` kind: comments under recent YouTube videos, through the YouTube Data
//! API v3 with an API key. Each top-level comment is a post (its author, like count and reply
//! count, the video's title as its context); the `youtube` kind reads channel feeds instead.
//!
//! Keys of a `[[sources]] kind = "youtube_comments"` table (at least one of `query` and
//! `channels`):
//! - `query`: recent videos matching it, as seen in Indonesia (`search.list` with `type=video`,
//!   `regionCode=ID`, `relevanceLanguage=id`, `order=date`, `publishedAfter` = now − `lookback`).
//! - `channels`: channel ids (`UC…`) whose recent uploads are read. Their uploads playlist is
//!   looked up once (`channels.list`, one call for all) and then listed with
//!   `playlistItems.list`: 1 unit per channel, where `search.list` with `channelId` costs 100
//!   (and, under Google's newer rule, a call of its own 100-a-day bucket).
//! - `videos_per_poll` (1–50, default 10): videos found per search or channel listing, and
//!   videos whose comments one poll reads (the least recently read first, so a longer list is
//!   read in turn).
//! - `max_pages` (1–20, default 5): pages of 100 comments read per video and poll.
//! - `lookback` (default `3d`): how long after its publication a video is read for new comments.
//! - `discover_every` (default `1h`): how often the video list is refreshed (search and
//!   channel uploads); comments of the known videos are read every poll.
//! - `secret` (default `youtube_api_key`): the `[secrets]` entry holding the API key.
//! - `url` (or `base_url`; default `https://www.googleapis.com/youtube/v3`): the API's address.
//! - `daily_quota` (default 10000): units this source may spend per Pacific day; `search_cost`
//!   (100) and `list_cost` (1) are what a call costs, as Google's quota table counts them.
//!
//! What is new: comments come newest first (`order=time`), so a video is paged until a comment
//! older than the newest one seen before, at most `max_pages` pages. The cursor, committed with
//! the posts, holds the videos (with their publication time and newest comment seen), the
//! uploads playlists, the last refresh, and the units spent on the current Pacific day.
//! Quota is described in [`quota`]; how answers and refusals are read in [`api`].

mod api;
mod poller;
mod quota;
mod state;

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::kind;
use super::poller::Poll;
use super::secret::SecretName;
use crate::config::{Invalid, value};
use crate::model::Medium;

/// The API's public address.
const DEFAULT_BASE: &str = "https://www.googleapis.com/youtube/v3";

/// The `[secrets]` entry read when a source names none.
const DEFAULT_SECRET: &str = "youtube_api_key";

/// `channels.list` takes at most this many ids in one call.
const MAX_CHANNELS: usize = 50;

/// `[[sources]] kind = "youtube_comments"` (keys in the module documentation).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    #[serde(default, deserialize_with = "value::opt_text")]
    pub query: Option<String>,
    #[serde(default)]
    pub channels: Vec<String>,
    #[serde(default = "ten", deserialize_with = "value::uint::<_, _, 1, 50>")]
    pub videos_per_poll: u32,
    #[serde(default = "five", deserialize_with = "value::uint::<_, _, 1, 20>")]
    pub max_pages: u32,
    #[serde(default = "three_days", deserialize_with = "value::duration")]
    pub lookback: Duration,
    #[serde(default = "an_hour", deserialize_with = "value::duration")]
    pub discover_every: Duration,
    #[serde(default = "default_secret")]
    pub secret: SecretName,
    #[serde(
        rename = "url",
        alias = "base_url",
        default = "default_base",
        deserialize_with = "value::http_url"
    )]
    pub base_url: Url,
    #[serde(
        default = "ten_thousand",
        deserialize_with = "value::uint::<_, _, 1, 100_000_000>"
    )]
    pub daily_quota: u64,
    #[serde(
        default = "a_hundred",
        deserialize_with = "value::uint::<_, _, 0, 10_000>"
    )]
    pub search_cost: u64,
    #[serde(default = "one", deserialize_with = "value::uint::<_, _, 0, 10_000>")]
    pub list_cost: u64,
}

fn one() -> u64 {
    1
}
fn five() -> u32 {
    5
}
fn ten() -> u32 {
    10
}
fn a_hundred() -> u64 {
    100
}
fn ten_thousand() -> u64 {
    10_000
}
fn three_days() -> Duration {
    Duration::from_secs(3 * 24 * 3600)
}
fn an_hour() -> Duration {
    Duration::from_secs(3600)
}
fn default_secret() -> SecretName {
    SecretName::fixed(DEFAULT_SECRET)
}
fn default_base() -> Url {
    value::fixed_url(DEFAULT_BASE)
}

impl kind::Spec for Spec {
    const KIND: &'static str = "youtube_comments";
    const MEDIUM: Option<Medium> = Some(Medium::Social);
    const PLATFORM: &'static str = "youtube";
    const EXAMPLE: &'static str = "query = \"banjir samarinda\"\n\
                                   channels = [\"UCxxxxxxxxxxxxxxxxxxxxxx\"]\n\
                                   videos_per_poll = 10\nmax_pages = 5\nlookback = \"3d\"\n\
                                   discover_every = \"1h\"\nsecret = \"youtube_api_key\"\n\
                                   url = \"https://www.googleapis.com/youtube/v3\"\n\
                                   daily_quota = 10000\nsearch_cost = 100\nlist_cost = 1";

    /// A query, channels or both; channel ids as YouTube writes them.
    fn settle(&mut self) -> Result<(), Invalid> {
        if self.query.is_none() && self.channels.is_empty() {
            return Err(Invalid::new(
                "query",
                "kunci \"query\" atau \"channels\" wajib diisi",
                Some(
                    "misalnya query = \"banjir samarinda\" atau \
                     channels = [\"UCxxxxxxxxxxxxxxxxxxxxxx\"]"
                        .into(),
                ),
            ));
        }
        if let Some(q) = &self.query
            && q.chars().count() > 500
        {
            return Err(Invalid::new("query", "kueri lebih dari 500 karakter", None));
        }
        let mut channels: Vec<String> = Vec::with_capacity(self.channels.len());
        for raw in &self.channels {
            let id = parse_channel(raw)?;
            if !channels.contains(&id) {
                channels.push(id);
            }
        }
        if channels.len() > MAX_CHANNELS {
            return Err(Invalid::new(
                "channels",
                format!("lebih dari {MAX_CHANNELS} kanal"),
                Some("bagi kanal-kanalnya ke beberapa sumber".into()),
            ));
        }
        self.channels = channels;
        Ok(())
    }

    /// The search (or the channels) on the API's address; never the key.
    fn location(&self) -> String {
        let mut url = api::endpoint(&self.base_url, "commentThreads");
        {
            let mut q = url.query_pairs_mut();
            if let Some(query) = &self.query {
                q.append_pair("q", query);
            }
            if !self.channels.is_empty() {
                q.append_pair("channels", &self.channels.join(","));
            }
        }
        url.to_string()
    }

    fn poller(&self) -> Box<dyn Poll> {
        Box::new(poller::Poller::new(self.clone()))
    }

    fn needs_secret(&self) -> bool {
        true
    }
}

/// A channel id: `UC` and 22 letters, digits, `-` or `_`, as the channel's address shows it.
fn parse_channel(raw: &str) -> Result<String, Invalid> {
    let id = raw.trim();
    let valid = id.len() == 24
        && id.starts_with("UC")
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(id.to_string())
    } else {
        Err(Invalid::new(
            "channels",
            format!("id kanal \"{id}\" tidak valid"),
            Some(
                "salin id kanal (UC… , 24 karakter) dari alamat youtube.com/channel/UC…; \
                 @nama bukan id kanal"
                    .into(),
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::kind::Spec as _;

    fn spec(toml: &str) -> Result<Spec, String> {
        let mut spec: Spec = toml::from_str(toml).map_err(|e| e.to_string())?;
        spec.settle()
            .map_err(|e| format!("{}: {}", e.key, e.message))?;
        Ok(spec)
    }

    #[test]
    fn keys_default_as_documented() {
        let s = spec("query = \" banjir samarinda \"").unwrap();
        assert_eq!(s.query.as_deref(), Some("banjir samarinda"));
        assert_eq!((s.videos_per_poll, s.max_pages), (10, 5));
        assert_eq!(s.lookback, Duration::from_secs(3 * 86_400));
        assert_eq!(s.discover_every, Duration::from_secs(3600));
        assert_eq!(s.secret.as_str(), "youtube_api_key");
        assert_eq!(s.base_url.as_str(), "https://www.googleapis.com/youtube/v3");
        assert_eq!(
            (s.daily_quota, s.search_cost, s.list_cost),
            (10_000, 100, 1)
        );
        assert!(!s.location().contains("key="));
    }

    #[test]
    fn a_query_or_channels_is_required_and_channel_ids_are_checked() {
        assert!(
            spec("videos_per_poll = 5")
                .unwrap_err()
                .starts_with("query")
        );
        assert!(spec("query = \"  \"").unwrap_err().starts_with("query"));
        let s = spec("channels = [\" UC_x5XG1OV2P6uZZ5FSM9Ttw\", \"UC_x5XG1OV2P6uZZ5FSM9Ttw\"]")
            .unwrap();
        assert_eq!(s.channels, ["UC_x5XG1OV2P6uZZ5FSM9Ttw"]);
        for bad in [
            "@tribunkaltim",
            "UCshort",
            "PL_x5XG1OV2P6uZZ5FSM9Ttw",
            "UC_x5XG1OV2P6uZZ5FSM9T w",
        ] {
            let e = spec(&format!("channels = [\"{bad}\"]")).unwrap_err();
            assert!(e.starts_with("channels"), "{bad}: {e}");
        }
        assert!(spec("query = \"x\"\nvideos_per_poll = 51").is_err());
        assert!(spec("query = \"x\"\nsecret = \"Bukan Nama\"").is_err());
        assert!(spec("query = \"x\"\nsecret = \"youtube-kantor\"").is_err());
    }

    #[test]
    fn the_address_is_url_as_for_every_kind_or_base_url_as_before() {
        for key in ["url", "base_url"] {
            let s = spec(&format!(
                "query = \"x\"\n{key} = \"http://127.0.0.1:9/yt/v3\""
            ))
            .unwrap();
            assert_eq!(s.base_url.as_str(), "http://127.0.0.1:9/yt/v3", "{key}");
        }
    }
}
