//! One poll of a `youtube_comments` source: refresh the video list when due (search, channel
//! uploads), then read the comments of the videos whose turn it is, newest first, back to the
//! newest comment seen before — every call paid for from the day's budget first.
//!
//! Refusals: `quotaExceeded` fails the poll with a wait until midnight Pacific (the poll
//! loop's Retry-After channel); `commentsDisabled` marks that video and the poll goes on; a
//! wrong, refused or missing key, or a project without the API enabled, fails the poll as
//! `auth` (reported once by the pipeline, and retried no sooner than an hour). A malformed
//! answer fails the poll and its cursor stays.

use std::sync::Mutex;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde_json::Value;
use url::Url;

use super::Spec;
use super::api::{self, Answer, Refusal};
use super::quota::Ledger;
use super::state::State;
use crate::model::{Cursor, Post};
use crate::sources::context::PollCtx;
use crate::sources::error::SourceError;
use crate::sources::poller::{Batch, Poll};

/// Comments per `commentThreads.list` page: the API's largest.
const THREADS_PER_PAGE: &str = "100";

/// Polls one `youtube_comments` source.
#[derive(Debug)]
pub struct Poller {
    spec: Spec,
    /// The units spent today as this process counted them: a poll that fails after spending
    /// commits no cursor, and its calls must still count against the budget.
    spent: Mutex<Ledger>,
}

impl Poller {
    pub fn new(spec: Spec) -> Poller {
        Poller {
            spec,
            spent: Mutex::new(Ledger::default()),
        }
    }

    async fn poll_once(
        &self,
        cx: &PollCtx,
        cursor: &Cursor,
        key: &str,
    ) -> Result<Batch, SourceError> {
        let now = Timestamp::now();
        let mut state = State::from_cursor(cursor);
        let remembered = *self
            .spent
            .lock()
            .expect("the ledger lock is never poisoned");
        state.quota = state.quota.at(now).most(remembered.at(now));
        let mut round = Round {
            cx,
            spec: &self.spec,
            key,
            now,
            state,
            memory: &self.spent,
            posts: Vec::new(),
            items_found: 0,
            over_budget: false,
        };
        if !round
            .state
            .quota
            .affords(self.spec.list_cost, self.spec.daily_quota)
        {
            tracing::debug!(source = %cx.source, "anggaran kuota hari ini sudah habis; tidak ada permintaan");
            return Ok(Batch {
                cursor: round.state.to_cursor(),
                not_modified: true,
                ..Batch::default()
            });
        }
        let result = round.run().await;
        if let Err(SourceError::Quota { .. }) = &result {
            // Google says the project's quota is gone: count the day as spent.
            let mut spent = self
                .spent
                .lock()
                .expect("the ledger lock is never poisoned");
            spent.spent = spent.spent.max(self.spec.daily_quota);
        }
        result?;
        Ok(Batch {
            cursor: round.state.to_cursor(),
            not_modified: false,
            items_found: round.items_found,
            posts: round.posts,
        })
    }
}

impl Poll for Poller {
    fn poll<'a>(
        &'a self,
        cx: &'a PollCtx,
        cursor: &'a Cursor,
    ) -> BoxFuture<'a, Result<Batch, SourceError>> {
        async move {
            let secret = &self.spec.secret;
            let key = secret.lookup_advised(cx, &api::key_advice(secret))?;
            let key = key.expose().trim();
            self.poll_once(cx, cursor, key)
                .await
                .map_err(|e| e.redacted(key))
        }
        .boxed()
    }
}

/// One poll in progress.
struct Round<'a> {
    cx: &'a PollCtx,
    spec: &'a Spec,
    key: &'a str,
    now: Timestamp,
    state: State,
    memory: &'a Mutex<Ledger>,
    posts: Vec<Post>,
    items_found: usize,
    /// A call did not fit in the day's budget: nothing more is asked this poll.
    over_budget: bool,
}

impl Round<'_> {
    async fn run(&mut self) -> Result<(), SourceError> {
        if self.state.discovery_due(self.now, self.spec.discover_every) {
            self.discover().await?;
        }
        self.state.forget_old(self.now, self.spec.lookback);
        for index in self.state.pick(self.spec.videos_per_poll as usize) {
            if self.over_budget {
                break;
            }
            self.read_video(index).await?;
        }
        Ok(())
    }

    /// Pays for a call of `cost` units, when the budget still holds them.
    fn charge(&mut self, cost: u64) -> bool {
        if self.state.quota.charge(cost, self.spec.daily_quota) {
            *self
                .memory
                .lock()
                .expect("the ledger lock is never poisoned") = self.state.quota;
            return true;
        }
        if !self.over_budget {
            tracing::warn!(
                source = %self.cx.source,
                spent = self.state.quota.spent,
                daily_quota = self.spec.daily_quota,
                "anggaran kuota YouTube hari ini habis; dilanjutkan setelah tengah malam waktu Pasifik"
            );
        }
        self.over_budget = true;
        false
    }

    /// One call: `None` when the budget does not hold its `cost`.
    async fn call(
        &mut self,
        cost: u64,
        url: &Url,
        (kind, what): (&str, &str),
    ) -> Result<Option<Answer>, SourceError> {
        if !self.charge(cost) {
            return Ok(None);
        }
        let response = api::get(self.cx, url, self.key).await?;
        api::read(&response, kind, what).map(Some)
    }

    /// Refreshes the video list; it counts as refreshed only when no call was left out.
    async fn discover(&mut self) -> Result<(), SourceError> {
        let mut complete = true;
        if let Some(query) = self.spec.query.clone() {
            complete &= self.search(&query).await?;
        }
        if !self.spec.channels.is_empty() {
            complete &= self.channel_uploads().await?;
        }
        if complete {
            self.state.discovered = Some(self.now);
        }
        Ok(())
    }

    /// `search.list`: the newest videos matching `query` published within `lookback`.
    async fn search(&mut self, query: &str) -> Result<bool, SourceError> {
        const WHAT: &str = "YouTube search.list";
        let lookback = jiff::SignedDuration::try_from(self.spec.lookback).unwrap_or_default();
        let after = Timestamp::from_second((self.now - lookback).as_second()).unwrap_or(self.now);
        let mut url = api::endpoint(&self.spec.base_url, "search");
        url.query_pairs_mut()
            .append_pair("part", "snippet")
            .append_pair("type", "video")
            .append_pair("q", query)
            .append_pair("regionCode", "ID")
            .append_pair("relevanceLanguage", "id")
            .append_pair("publishedAfter", &after.to_string())
            .append_pair("order", "date")
            .append_pair("maxResults", &self.spec.videos_per_poll.to_string());
        let page = match self
            .call(
                self.spec.search_cost,
                &url,
                ("youtube#searchListResponse", WHAT),
            )
            .await?
        {
            None => return Ok(false),
            Some(Answer::Refused(r)) => return Err(r.into_error(WHAT, &self.spec.secret)),
            Some(Answer::Page(page)) => page,
        };
        let found = self.mapped(page.items, "hasil pencarian YouTube", api::search_result);
        self.state.merge(found);
        Ok(true)
    }

    /// The listed channels' recent uploads: their uploads playlists looked up once
    /// (`channels.list`, one call for all), then `playlistItems.list` for each.
    async fn channel_uploads(&mut self) -> Result<bool, SourceError> {
        if !self.resolve_uploads().await? {
            return Ok(false);
        }
        const WHAT: &str = "YouTube playlistItems.list";
        for channel in self.spec.channels.clone() {
            let Some(playlist) = self.state.uploads.get(&channel).cloned() else {
                continue;
            };
            let mut url = api::endpoint(&self.spec.base_url, "playlistItems");
            url.query_pairs_mut()
                .append_pair("part", "snippet,contentDetails")
                .append_pair("playlistId", &playlist)
                .append_pair("maxResults", &self.spec.videos_per_poll.to_string());
            let kind = ("youtube#playlistItemListResponse", WHAT);
            match self.call(self.spec.list_cost, &url, kind).await? {
                None => return Ok(false),
                Some(Answer::Refused(Refusal::NotFound(reason))) => {
                    // Looked up again at the next refresh.
                    tracing::warn!(source = %self.cx.source, %channel, %playlist, %reason, "daftar unggahan kanal YouTube tidak ditemukan");
                    self.state.uploads.remove(&channel);
                }
                Some(Answer::Refused(r)) => return Err(r.into_error(WHAT, &self.spec.secret)),
                Some(Answer::Page(page)) => {
                    let found =
                        self.mapped(page.items, "unggahan kanal YouTube", api::playlist_item);
                    self.state.merge(found);
                }
            }
        }
        Ok(true)
    }

    /// Looks up the uploads playlist of the channels that have none yet; false when the
    /// budget left the call out.
    async fn resolve_uploads(&mut self) -> Result<bool, SourceError> {
        const WHAT: &str = "YouTube channels.list";
        let missing: Vec<String> = (self.spec.channels.iter())
            .filter(|c| !self.state.uploads.contains_key(*c))
            .cloned()
            .collect();
        if missing.is_empty() {
            return Ok(true);
        }
        let mut url = api::endpoint(&self.spec.base_url, "channels");
        url.query_pairs_mut()
            .append_pair("part", "contentDetails")
            .append_pair("id", &missing.join(","))
            .append_pair("maxResults", "50");
        let page = match self
            .call(
                self.spec.list_cost,
                &url,
                ("youtube#channelListResponse", WHAT),
            )
            .await?
        {
            None => return Ok(false),
            Some(Answer::Refused(r)) => return Err(r.into_error(WHAT, &self.spec.secret)),
            Some(Answer::Page(page)) => page,
        };
        for (channel, uploads) in self.mapped(page.items, "kanal YouTube", |v| {
            api::uploads_of(v).map(Some)
        }) {
            if missing.contains(&channel) && !uploads.is_empty() {
                self.state.uploads.insert(channel, uploads);
            }
        }
        for channel in missing
            .iter()
            .filter(|c| !self.state.uploads.contains_key(*c))
        {
            tracing::warn!(source = %self.cx.source, %channel, "kanal YouTube tidak ditemukan; periksa id di channels");
        }
        Ok(true)
    }

    /// Maps raw items with `map`; an item that does not map is logged (`what` names it) and
    /// skipped.
    fn mapped<T>(
        &self,
        items: Vec<Value>,
        what: &str,
        map: impl Fn(Value) -> Result<Option<T>, String>,
    ) -> Vec<T> {
        let mut out = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            match map(item) {
                Ok(Some(t)) => out.push(t),
                Ok(None) => {}
                Err(error) => tracing::warn!(
                    source = %self.cx.source, index, %error,
                    "{what} dilewati karena isinya tidak sesuai"
                ),
            }
        }
        out
    }

    /// Reads the new comments of video `index`: pages newest first until a comment older than
    /// the newest seen before, the last page, or `max_pages`.
    async fn read_video(&mut self, index: usize) -> Result<(), SourceError> {
        const WHAT: &str = "YouTube commentThreads.list";
        let video = self.state.videos[index].clone();
        let mut newest = video.seen;
        let mut token: Option<String> = None;
        // Whether paging ended where it should (the last seen comment, or the last page): only
        // then may the newest seen move on without leaving comments behind.
        let mut whole = false;
        for page_no in 1..=self.spec.max_pages {
            let url = self.threads_url(&video.id, token.as_deref());
            let page = match self
                .call(
                    self.spec.list_cost,
                    &url,
                    ("youtube#commentThreadListResponse", WHAT),
                )
                .await?
            {
                None => break,
                Some(Answer::Page(page)) => page,
                Some(Answer::Refused(Refusal::CommentsDisabled)) => {
                    tracing::info!(source = %self.cx.source, video = %video.id, "komentar video YouTube dinonaktifkan; video ini dilewati");
                    self.state.videos[index].disabled = true;
                    return Ok(());
                }
                Some(Answer::Refused(Refusal::NotFound(reason))) => {
                    tracing::info!(source = %self.cx.source, video = %video.id, %reason, "video YouTube tidak ditemukan lagi; video ini dilewati");
                    self.state.videos[index].disabled = true;
                    return Ok(());
                }
                Some(Answer::Refused(r)) => return Err(r.into_error(WHAT, &self.spec.secret)),
            };
            self.items_found += page.items.len();
            let comments = self.mapped(page.items, "komentar YouTube", |v| {
                api::comment_thread(v).map(Some)
            });
            let mut reached = false;
            for comment in comments {
                if video.seen.is_some_and(|seen| comment.published < seen) {
                    reached = true;
                    continue;
                }
                newest = newest.max(Some(comment.published));
                let context = (video.id.as_str(), video.title.as_str());
                self.posts
                    .push(api::into_post(comment, &self.cx.source, context, self.now));
            }
            match page.next {
                Some(next) if !reached => token = Some(next),
                _ => {
                    whole = true;
                    break;
                }
            }
            if page_no == self.spec.max_pages && video.seen.is_some() {
                tracing::warn!(
                    source = %self.cx.source, video = %video.id, pages = page_no,
                    "komentar baru video YouTube lebih dari max_pages halaman; yang lebih lama dilewati (perpendek interval atau naikkan max_pages)"
                );
                whole = true;
            }
        }
        let v = &mut self.state.videos[index];
        if whole || v.seen.is_none() {
            v.seen = newest;
        }
        v.checked = Some(self.now);
        Ok(())
    }

    /// `commentThreads.list` of `video`, newest first, as plain text.
    fn threads_url(&self, video: &str, token: Option<&str>) -> Url {
        let mut url = api::endpoint(&self.spec.base_url, "commentThreads");
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("part", "snippet")
                .append_pair("videoId", video)
                .append_pair("order", "time")
                .append_pair("maxResults", THREADS_PER_PAGE)
                .append_pair("textFormat", "plainText");
            if let Some(token) = token {
                q.append_pair("pageToken", token);
            }
        }
        url
    }
}
