//! Which links a listing source (`news_sitemap`, `html`) has already handed on, kept in its
//! cursor so that "only links not seen before" holds across restarts, in bounded size.
//!
//! A listing has no since-id: a sitemap or a page shows the newest few hundred links each time,
//! most of them read before. [`Seen`] remembers a 64-bit hash of each link with its date (the
//! date the listing gave, else the time it was first seen), newest first, at most a set number.
//! When it is full the oldest go, and the newest date that went becomes the floor: a link dated
//! at or before the floor counts as read, so a listing far longer than the memory (a sitemap of
//! 50,000 links) is not offered again as it rotates. Undated links past the memory can come
//! back; the store keeps each post once whatever the cursor says.

use std::collections::HashSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::http::Validators;

/// The remembered links, newest first, and the floor below which everything counts as read.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(from = "Stored")]
pub struct Seen {
    /// `(hash, unix seconds)` pairs, newest first.
    links: Vec<(u64, i64)>,
    /// Unix seconds: a dated link at or before it counts as read.
    #[serde(skip_serializing_if = "Option::is_none")]
    floor: Option<i64>,
    /// The hashes of `links`, built once when the cursor is read.
    #[serde(skip)]
    index: HashSet<u64>,
}

/// [`Seen`] as its cursor stores it.
#[derive(Deserialize)]
struct Stored {
    #[serde(default)]
    links: Vec<(u64, i64)>,
    #[serde(default)]
    floor: Option<i64>,
}

impl From<Stored> for Seen {
    fn from(stored: Stored) -> Seen {
        Seen {
            index: stored.links.iter().map(|(h, _)| *h).collect(),
            links: stored.links,
            floor: stored.floor,
        }
    }
}

/// The HTTP validators a listing keeps in its cursor beside [`Seen`], flattened into it (the
/// keys `etag` and `last_modified`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kept {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

impl From<Validators> for Kept {
    fn from(v: Validators) -> Kept {
        Kept {
            etag: v.etag,
            last_modified: v.last_modified,
        }
    }
}

impl From<&Kept> for Validators {
    fn from(kept: &Kept) -> Validators {
        Validators {
            etag: kept.etag.clone(),
            last_modified: kept.last_modified.clone(),
        }
    }
}

/// The hash a link is remembered by.
pub fn key(url: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(url.as_bytes())
}

impl Seen {
    /// Whether nothing was ever remembered: the first poll of a source.
    pub fn is_empty(&self) -> bool {
        self.links.is_empty() && self.floor.is_none()
    }

    /// Whether `url`, dated `date` by its listing, was handed on before.
    pub fn contains(&self, url: &str, date: Option<Timestamp>) -> bool {
        let below_floor = matches!((self.floor, date), (Some(f), Some(d)) if d.as_second() <= f);
        below_floor || self.index.contains(&key(url))
    }

    /// What is new in a listing: the `items` whose link (and date), as `link` gives them, were
    /// not handed on before, each link once, in the listing's order.
    pub fn take_new<T>(
        &self,
        items: impl IntoIterator<Item = T>,
        link: impl Fn(&T) -> (&str, Option<Timestamp>),
    ) -> Vec<T> {
        let mut taken = HashSet::new();
        items
            .into_iter()
            .filter(|item| {
                let (url, date) = link(item);
                !self.contains(url, date) && taken.insert(key(url))
            })
            .collect()
    }

    /// Remembers `url` with `date` (its listing's, else when it was first seen).
    pub fn insert(&mut self, url: &str, date: Timestamp) {
        let hash = key(url);
        if self.index.insert(hash) {
            self.links.push((hash, date.as_second()));
        }
    }

    /// Orders the memory newest first and forgets the oldest beyond `capacity`, raising the
    /// floor to the newest date forgotten. Called once per poll, after every insert.
    pub fn trim(&mut self, capacity: usize) {
        self.links.sort_by_key(|l| std::cmp::Reverse(l.1));
        if self.links.len() > capacity {
            let newest_gone = self.links[capacity].1;
            self.floor = Some(self.floor.map_or(newest_gone, |f| f.max(newest_gone)));
            self.links.truncate(capacity);
            self.index = self.links.iter().map(|(h, _)| *h).collect();
        }
    }

    /// How many links are remembered.
    pub fn len(&self) -> usize {
        self.links.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_760_000_000 + s).unwrap()
    }

    #[test]
    fn remembers_and_forgets_the_oldest_behind_a_floor() {
        let mut seen = Seen::default();
        assert!(seen.is_empty());
        for i in 0..10 {
            seen.insert(&format!("https://warta.example/{i}"), at(i));
        }
        seen.insert("https://warta.example/3", at(3));
        assert_eq!(seen.len(), 10);
        seen.trim(4);
        assert_eq!(seen.len(), 4);
        // 6..=9 kept; 5 and older are under the floor when dated, forgotten when not.
        assert!(seen.contains("https://warta.example/9", Some(at(9))));
        assert!(seen.contains("https://warta.example/2", Some(at(2))));
        assert!(!seen.contains("https://warta.example/2", None));
        assert!(!seen.contains("https://warta.example/new", Some(at(6))));
        assert!(seen.contains("https://warta.example/new-but-old", Some(at(5))));

        // Through the cursor's JSON and back, the index is rebuilt.
        let json = serde_json::to_string(&seen).unwrap();
        let back: Seen = serde_json::from_str(&json).unwrap();
        assert!(back.contains("https://warta.example/8", None));
        assert!(!back.contains("https://warta.example/1", None));
    }

    #[test]
    fn what_is_new_is_taken_once_in_order() {
        let mut seen = Seen::default();
        seen.insert("https://warta.example/lama", at(1));
        let listing = [
            ("https://warta.example/baru", Some(at(5))),
            ("https://warta.example/lama", Some(at(1))),
            ("https://warta.example/tanpa-tanggal", None),
            ("https://warta.example/baru", Some(at(5))),
        ];
        let new = seen.take_new(listing, |&(url, date)| (url, date));
        assert_eq!(
            new.iter().map(|(url, _)| *url).collect::<Vec<_>>(),
            [
                "https://warta.example/baru",
                "https://warta.example/tanpa-tanggal"
            ]
        );
    }

    /// The cursor stays small enough to commit with every poll: a full sitemap memory (2,000
    /// links) is about 67 KB of JSON.
    #[test]
    fn a_full_memory_is_a_small_cursor() {
        let mut seen = Seen::default();
        for i in 0..5000 {
            seen.insert(&format!("https://warta.example/berita/{i}"), at(i * 60));
        }
        seen.trim(2000);
        let json = serde_json::to_string(&seen).unwrap();
        eprintln!("cursor bytes for 2000 links: {}", json.len());
        assert!(json.len() < 80_000, "{}", json.len());
    }

    /// A listing's state as its cursor holds it: validators flattened beside the links (the
    /// keys earlier versions wrote), read back whole; a cursor that is not such a state, or
    /// is no token, starts from nothing.
    #[test]
    fn a_listing_state_goes_through_its_cursor() {
        use crate::model::{Cursor, SourceId};

        #[derive(Debug, Default, Serialize, Deserialize)]
        struct State {
            #[serde(flatten)]
            page: Kept,
            #[serde(default)]
            seen: Seen,
        }

        let source = SourceId::new("warta");
        let older = Cursor::Token {
            value: r#"{"etag":"\"v1\"","seen":{"links":[[1,5]]}}"#.into(),
        };
        let state: State = older.state(&source, "halaman");
        let validators = Validators::from(&state.page);
        assert_eq!(validators.etag.as_deref(), Some("\"v1\""));
        assert_eq!(validators.last_modified, None);
        assert_eq!(state.seen.len(), 1);

        let mut state = state;
        state.page = Validators {
            etag: None,
            last_modified: Some("Sun, 06 Dec 2026 10:00:00 GMT".into()),
        }
        .into();
        state.seen.insert("https://warta.example/1", at(1));
        let Cursor::Token { value } = Cursor::from_state(&state) else {
            panic!("a state is a token cursor");
        };
        assert!(
            value.contains(r#""last_modified":"Sun, 06 Dec 2026 10:00:00 GMT""#),
            "{value}"
        );
        assert!(!value.contains("etag"), "{value}");
        let back: State = Cursor::Token { value }.state(&source, "halaman");
        assert!(back.seen.contains("https://warta.example/1", None));

        for other in [
            Cursor::Token {
                value: "bukan json".into(),
            },
            Cursor::Start,
        ] {
            let fresh: State = other.state(&source, "halaman");
            assert!(fresh.seen.is_empty() && fresh.page == Kept::default());
        }
    }
}
