//! What a `youtube_comments` source keeps between polls, as its cursor (JSON in
//! [`Cursor::Token`], committed with the posts it led to): the videos being read, each with its
//! publication time and the newest comment seen; the uploads playlist of each listed channel;
//! when the video list was last refreshed; and the quota spent today.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::quota::Ledger;
use crate::model::Cursor;

/// Most videos remembered: past it the oldest are dropped, which keeps the cursor small even
/// for a broad query with a long `lookback`.
pub const MAX_VIDEOS: usize = 200;

/// A video whose comments are read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Video {
    pub id: String,
    /// Its title, which each of its comments carries as context.
    pub title: String,
    pub published: Timestamp,
    /// The newest comment seen: paging stops at anything older.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<Timestamp>,
    /// When its comments were last read, so that videos beyond one poll's share take turns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked: Option<Timestamp>,
    /// Comments are turned off (`commentsDisabled`): skipped from then on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
}

/// A video as a search or an uploads listing names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub id: String,
    pub title: String,
    pub published: Timestamp,
}

/// The cursor's content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    #[serde(default)]
    pub quota: Ledger,
    /// When the video list was last refreshed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovered: Option<Timestamp>,
    /// Each listed channel's uploads playlist, looked up once.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub uploads: BTreeMap<String, String>,
    #[serde(default)]
    pub videos: Vec<Video>,
}

impl State {
    /// The state a cursor holds; a cursor of another shape (none yet, or unreadable) starts
    /// afresh.
    pub fn from_cursor(cursor: &Cursor) -> State {
        match cursor {
            Cursor::Token { value } => serde_json::from_str(value).unwrap_or_default(),
            _ => State::default(),
        }
    }

    pub fn to_cursor(&self) -> Cursor {
        Cursor::Token {
            value: serde_json::to_string(self).expect("the state always serialises"),
        }
    }

    /// Whether the video list is due for a refresh at `now`.
    pub fn discovery_due(&self, now: Timestamp, every: Duration) -> bool {
        self.discovered.is_none_or(|at| {
            Duration::try_from(now.duration_since(at)).is_ok_and(|since| since >= every) || at > now
        })
    }

    /// Adds the videos not known yet and renews the titles of known ones.
    pub fn merge(&mut self, found: Vec<Found>) {
        for f in found {
            match self.videos.iter_mut().find(|v| v.id == f.id) {
                Some(known) => known.title = f.title,
                None => self.videos.push(Video {
                    id: f.id,
                    title: f.title,
                    published: f.published,
                    seen: None,
                    checked: None,
                    disabled: false,
                }),
            }
        }
    }

    /// Drops the videos published before `now − lookback`, then the oldest beyond
    /// [`MAX_VIDEOS`].
    pub fn forget_old(&mut self, now: Timestamp, lookback: Duration) {
        let lookback =
            jiff::SignedDuration::try_from(lookback).unwrap_or(jiff::SignedDuration::MAX);
        let since = now.checked_sub(lookback).unwrap_or(Timestamp::MIN);
        self.videos.retain(|v| v.published >= since);
        if self.videos.len() > MAX_VIDEOS {
            self.videos.sort_by_key(|v| std::cmp::Reverse(v.published));
            self.videos.truncate(MAX_VIDEOS);
        }
    }

    /// The indices of up to `n` videos to read now: those with comments on, the never read
    /// first, then the least recently read.
    pub fn pick(&self, n: usize) -> Vec<usize> {
        let mut open: Vec<usize> = (0..self.videos.len())
            .filter(|&i| !self.videos[i].disabled)
            .collect();
        open.sort_by_key(|&i| {
            (
                self.videos[i].checked,
                std::cmp::Reverse(self.videos[i].published),
            )
        });
        open.truncate(n);
        open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn found(id: &str, published: &str) -> Found {
        Found {
            id: id.into(),
            title: format!("Video {id}"),
            published: ts(published),
        }
    }

    #[test]
    fn videos_take_turns_and_age_out() {
        let now = ts("2026-12-06T10:00:00Z");
        let mut state = State::default();
        state.merge(vec![
            found("a", "2026-12-06T09:00:00Z"),
            found("b", "2026-12-05T09:00:00Z"),
            found("c", "2026-12-02T09:00:00Z"),
        ]);
        state.merge(vec![Found {
            title: "Baru".into(),
            ..found("a", "2026-12-06T09:00:00Z")
        }]);
        assert_eq!(state.videos.len(), 3);
        assert_eq!(state.videos[0].title, "Baru");
        state.forget_old(now, Duration::from_secs(3 * 86_400));
        let ids: Vec<&str> = state.videos.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        // Never read first, newest first; then the least recently read.
        assert_eq!(state.pick(1), [0]);
        state.videos[0].checked = Some(now);
        assert_eq!(state.pick(1), [1]);
        state.videos[1].checked = Some(now + jiff::SignedDuration::from_secs(60));
        assert_eq!(state.pick(2), [0, 1]);
        state.videos[0].disabled = true;
        assert_eq!(state.pick(2), [1]);
    }

    #[test]
    fn the_cursor_round_trips_and_anything_else_starts_afresh() {
        let mut state = State::default();
        state.merge(vec![found("a", "2026-12-06T09:00:00Z")]);
        state.uploads.insert("UCa".into(), "UUa".into());
        assert_eq!(State::from_cursor(&state.to_cursor()), state);
        let junk = Cursor::Token {
            value: "{\"videos\": 7}".into(),
        };
        assert_eq!(State::from_cursor(&junk), State::default());
        assert!(
            State::default().discovery_due(ts("2026-12-06T09:00:00Z"), Duration::from_secs(3600))
        );
    }
}
