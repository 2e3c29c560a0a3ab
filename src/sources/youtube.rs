//! The `youtube` kind: a channel's or a playlist's uploads through YouTube's public Atom feed
//! (`/feeds/videos.xml?channel_id=…` or `?playlist_id=…`), polled by the feed poller. Regional
//! government channels and local TV post there first.

use serde::Deserialize;
use url::Url;

use super::feed::{self, FeedPoller};
use super::kind;
use super::poller::Poll;
use crate::config::{Invalid, value};
use crate::model::Medium;

/// `[[sources]] kind = "youtube"`: `channel` (an id starting with "UC") or `playlist`; optional
/// `url`, the service's base address.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub channel: Option<String>,
    pub playlist: Option<String>,
    #[serde(
        rename = "url",
        default = "default_base",
        deserialize_with = "value::http_url"
    )]
    pub base: Url,
}

fn default_base() -> Url {
    value::fixed_url("https://www.youtube.com")
}

impl kind::Spec for Spec {
    const KIND: &'static str = "youtube";
    const MEDIUM: Option<Medium> = Some(Medium::Social);
    const EXAMPLE: &'static str = "channel = \"UCxxxxxxxxxxxxxxxxxxxxxx\"\n\
                                   # playlist = \"PLxxxxxxxxxxxxxxxx\"\nurl = \"https://www.youtube.com\"";

    /// Exactly one of `channel` and `playlist`, an id as YouTube writes them.
    fn settle(&mut self) -> Result<(), Invalid> {
        let (key, id) = match (&mut self.channel, &mut self.playlist) {
            (Some(c), None) => ("channel", c),
            (None, Some(p)) => ("playlist", p),
            (Some(_), Some(_)) => {
                return Err(Invalid::new(
                    "channel",
                    "channel dan playlist diisi bersamaan",
                    Some("pilih salah satu; buat sumber kedua untuk yang lain".into()),
                ));
            }
            (None, None) => {
                return Err(Invalid::new(
                    "channel",
                    "kunci \"channel\" atau \"playlist\" wajib diisi",
                    Some(
                        "misalnya channel = \"UCxxxxxxxxxxxxxxxxxxxxxx\" (id kanal, bukan @nama)"
                            .into(),
                    ),
                ));
            }
        };
        *id = id.trim().to_string();
        let valid = !id.is_empty()
            && id.len() <= 64
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(Invalid::new(
                key,
                format!("id \"{id}\" tidak valid"),
                Some("salin id dari alamat kanal (UC…) atau daftar putar (PL…)".into()),
            ));
        }
        Ok(())
    }

    fn location(&self) -> String {
        self.feed().url.to_string()
    }

    fn poller(&self) -> Box<dyn Poll> {
        Box::new(FeedPoller::new(self.feed()))
    }
}

impl Spec {
    /// The uploads feed: `{base}/feeds/videos.xml?channel_id=…` (or `playlist_id`).
    pub fn feed(&self) -> feed::Spec {
        let (key, id) = match (&self.channel, &self.playlist) {
            (Some(channel), _) => ("channel_id", channel.as_str()),
            (None, Some(playlist)) => ("playlist_id", playlist.as_str()),
            // Not after `settle`, which requires one of them.
            (None, None) => ("channel_id", ""),
        };
        let mut url = self.base.clone();
        url.set_path(&format!(
            "{}/feeds/videos.xml",
            url.path().trim_end_matches('/')
        ));
        url.query_pairs_mut().clear().append_pair(key, id);
        feed::Spec { url }
    }
}
