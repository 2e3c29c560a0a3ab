//! The `youtube` kind: a channel's or a playlist's uploads through YouTube's public Atom feed
//! (`/feeds/videos.xml?channel_id=…` or `?playlist_id=…`), polled by the feed poller. Regional
//! government channels and local TV post there first.

use url::Url;

use super::feed;
use crate::config::{ConfigError, Table};

const DEFAULT_BASE: &str = "https://www.youtube.com";

/// `[[sources]] kind = "youtube"`: `channel` (an id starting with "UC") or `playlist`; optional
/// `url`, the service's base address.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub feed: feed::Spec,
}

impl Spec {
    pub(crate) fn from_table(t: &mut Table, errors: &mut Vec<ConfigError>) -> Option<Spec> {
        let channel = t.string("channel", errors);
        let playlist = t.string("playlist", errors);
        let base = match t.url(
            "url",
            &["http", "https"],
            "\"https://www.youtube.com\"",
            errors,
        ) {
            Some(url) => url,
            None => Url::parse(DEFAULT_BASE).expect("the default base parses"),
        };
        let (key, id) = match (channel, playlist) {
            (Some(c), None) => ("channel_id", c),
            (None, Some(p)) => ("playlist_id", p),
            (Some(_), Some(_)) => {
                errors.push(t.invalid(
                    "channel",
                    "channel dan playlist diisi bersamaan".into(),
                    Some("pilih salah satu; buat sumber kedua untuk yang lain".into()),
                ));
                return None;
            }
            (None, None) => {
                errors.push(t.invalid(
                    "channel",
                    "kunci \"channel\" atau \"playlist\" wajib diisi".into(),
                    Some("misalnya channel = \"UCxxxxxxxxxxxxxxxxxxxxxx\" (id kanal, bukan @nama)".into()),
                ));
                return None;
            }
        };
        let id = id.trim().to_string();
        let valid = !id.is_empty()
            && id.len() <= 64
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            errors.push(t.invalid(
                if key == "channel_id" {
                    "channel"
                } else {
                    "playlist"
                },
                format!("id \"{id}\" tidak valid"),
                Some("salin id dari alamat kanal (UC…) atau daftar putar (PL…)".into()),
            ));
            return None;
        }
        let mut url = base;
        url.set_path(&format!(
            "{}/feeds/videos.xml",
            url.path().trim_end_matches('/')
        ));
        url.query_pairs_mut().clear().append_pair(key, &id);
        Some(Spec {
            feed: feed::Spec { url },
        })
    }

    pub fn location(&self) -> String {
        self.feed.url.to_string()
    }

    pub fn poller(&self) -> feed::FeedPoller {
        feed::FeedPoller::new(self.feed.clone())
    }
}
