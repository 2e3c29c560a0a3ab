//! The `telegram` kind: a public channel read through Telegram's web preview,
//! `https://t.me/s/NAME` (the newest messages, about twenty) and `?before=ID` (the page before
//! message ID), parsed with an HTML parser. Many regional offices, newsrooms and community
//! groups in Kalimantan Timur post on Telegram first. No account or API key is needed; a
//! channel whose owner turned the preview off cannot be read this way (a clear parse error).
//!
//! Keys of a `[[sources]] kind = "telegram"` table:
//! - `channel` (required): the channel's public name, as in `t.me/NAME` (a leading `@` is
//!   accepted).
//! - `url`: Telegram's web address, default `https://t.me` (a mirror, a test server).
//!
//! Each message (`div.tgme_widget_message`, `data-post="NAME/ID"`) becomes a post: id
//! `NAME/ID`, link `https://t.me/NAME/ID`, the channel's title as author, the text of
//! `.tgme_widget_message_text` as plain text (a quoted message of a reply is not part of it),
//! the time of `.tgme_widget_message_date time[datetime]`. Forwarded messages are kept: the
//! channel chose to spread them to its readers. Messages without text (a photo without caption,
//! a sticker) and service messages (photo changed, pinned) are skipped. The preview shows no
//! count of forwards, so `shares` stays 0; the view counter is not a share and is not stored.
//!
//! Resuming: the cursor is the highest message id stored. The newest page is read; while its
//! oldest message is still newer than the one after the cursor, the page before it is read
//! too, at most [`MAX_PAGES`] pages, so a restart leaves no gap. Deleted messages leave holes
//! in the ids, which is fine. The first run ever reads the newest page only.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use jiff::Timestamp;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use serde::Deserialize;

use super::context::PollCtx;
use super::error::SourceError;
use super::kind;
use super::poller::{Batch, Poll, off_workers};
use super::text;
use crate::config::{Invalid, value};
use crate::model::{Cursor, Medium, Post, SourceId};

const DEFAULT_BASE: &str = "https://t.me";
const HTML: &str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5";

/// Pages read in one poll to close the gap since the last one (about twenty messages each).
pub const MAX_PAGES: usize = 10;

/// `[[sources]] kind = "telegram"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub channel: String,
    /// Telegram's web address; pages are `{url}/s/{channel}`.
    #[serde(default = "default_base", deserialize_with = "value::http_url")]
    pub url: Url,
}

fn default_base() -> Url {
    value::fixed_url(DEFAULT_BASE)
}

impl kind::Spec for Spec {
    const KIND: &'static str = "telegram";
    const MEDIUM: Option<Medium> = Some(Medium::Social);
    const EXAMPLE: &'static str = "channel = \"humaskaltim\"\nurl = \"https://t.me\"";

    /// The channel's name as `t.me` writes it, without `@`.
    fn settle(&mut self) -> Result<(), Invalid> {
        self.channel = self.channel.trim().trim_start_matches('@').to_string();
        if !valid_channel(&self.channel) {
            return Err(Invalid::new(
                "channel",
                format!("nama kanal \"{}\" tidak valid", self.channel),
                Some(
                    "tulis nama kanal publik saja (huruf, angka, _), misalnya channel = \"humaskaltim\" untuk t.me/humaskaltim"
                        .into(),
                ),
            ));
        }
        Ok(())
    }

    /// Where the source is read from, for people.
    fn location(&self) -> String {
        self.page_url(None).to_string()
    }

    fn poller(&self) -> Box<dyn Poll> {
        Box::new(Poller::new(self.clone()))
    }
}

impl Spec {
    /// `{url}/s/{channel}`, or the page before message `before`.
    fn page_url(&self, before: Option<u64>) -> Url {
        let mut url = self.url.clone();
        url.set_path(&format!(
            "{}/s/{}",
            self.url.path().trim_end_matches('/'),
            self.channel
        ));
        url.set_query(None);
        if let Some(id) = before {
            url.query_pairs_mut().append_pair("before", &id.to_string());
        }
        url
    }
}

/// Telegram's rule for public names: 4 to 32 of letters, digits and `_`, starting with a letter
/// (a few old channels have 4).
fn valid_channel(name: &str) -> bool {
    (4..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Polls one channel.
#[derive(Debug)]
pub struct Poller {
    spec: Spec,
}

impl Poller {
    pub fn new(spec: Spec) -> Self {
        Poller { spec }
    }

    async fn poll_once(&self, cx: &PollCtx, cursor: &Cursor) -> Result<Batch, SourceError> {
        let since = last_id(cursor, &cx.source);
        let fetched = Timestamp::now();
        let mut page = self.page(cx, None, fetched).await?;
        let mut items_found = page.offered;
        let mut seen_ids: Vec<u64> = page.ids.clone();
        let mut posts: BTreeMap<u64, Post> = page.posts.drain(..).collect();
        if let Some(since) = since {
            let mut oldest = page.ids.iter().min().copied();
            let mut pages = 1;
            // Read back until the page reaches the message after the cursor.
            while let Some(min) = oldest.filter(|&m| m > since.saturating_add(1)) {
                if pages == MAX_PAGES {
                    tracing::warn!(
                        source = %cx.source,
                        pages = MAX_PAGES,
                        from = since + 1,
                        to = min - 1,
                        "kanal Telegram belum terbaca sampai pesan terakhir yang tersimpan; pesan di antaranya dilewati (perpendek interval)"
                    );
                    break;
                }
                let mut older = self.page(cx, Some(min), fetched).await?;
                pages += 1;
                items_found += older.offered;
                let older_min = older.ids.iter().min().copied();
                seen_ids.extend(&older.ids);
                posts.extend(older.posts.drain(..));
                // An empty page, or one that does not go further back, ends the walk.
                oldest = older_min.filter(|&m| m < min);
            }
        }
        let newest = seen_ids.iter().copied().chain(since).max();
        let posts = posts
            .into_iter()
            .filter(|(id, _)| since.is_none_or(|s| *id > s))
            .map(|(_, post)| post)
            .collect();
        Ok(Batch {
            posts,
            cursor: newest.map_or(Cursor::Start, |id| Cursor::Token {
                value: id.to_string(),
            }),
            not_modified: false,
            items_found,
        })
    }

    /// Fetches and parses one page (parsing off the async workers: it is CPU work on
    /// untrusted bytes).
    async fn page(
        &self,
        cx: &PollCtx,
        before: Option<u64>,
        fetched: Timestamp,
    ) -> Result<Page, SourceError> {
        let url = self.spec.page_url(before);
        let response = cx.fetcher.get_api(&url, HTML, None).await?;
        let content_type = response.header("content-type").map(str::to_owned);
        let channel = self.spec.channel.clone();
        let source = cx.source.clone();
        off_workers("pengurai", move || {
            let html = text::decode(&response.body, content_type.as_deref());
            parse_page(&html, &channel, &response.url, &source, fetched)
        })
        .await?
    }
}

impl Poll for Poller {
    fn poll<'a>(
        &'a self,
        cx: &'a PollCtx,
        cursor: &'a Cursor,
    ) -> BoxFuture<'a, Result<Batch, SourceError>> {
        self.poll_once(cx, cursor).boxed()
    }
}

/// The highest message id stored, from the cursor; anything else is a first run.
fn last_id(cursor: &Cursor, source: &SourceId) -> Option<u64> {
    match cursor {
        Cursor::Start => None,
        Cursor::Token { value } => match value.parse() {
            Ok(id) => Some(id),
            Err(_) => {
                tracing::warn!(%source, cursor = %value, "kursor Telegram tidak dikenali; mulai dari halaman terbaru");
                None
            }
        },
        Cursor::Http { .. } => None,
    }
}

/// What one preview page held.
#[derive(Debug, Default)]
struct Page {
    /// Ids of every message on the page, kept or skipped: they drive paging and the cursor.
    ids: Vec<u64>,
    posts: Vec<(u64, Post)>,
    /// Message blocks on the page, malformed ones included.
    offered: usize,
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("a static selector parses")
}

static PREVIEW: LazyLock<Selector> =
    LazyLock::new(|| selector("section.tgme_channel_history, div.tgme_channel_info"));
static TITLE: LazyLock<Selector> = LazyLock::new(|| selector(".tgme_channel_info_header_title"));
static OG_TITLE: LazyLock<Selector> = LazyLock::new(|| selector("meta[property=\"og:title\"]"));
static MESSAGE: LazyLock<Selector> =
    LazyLock::new(|| selector("div.tgme_widget_message[data-post]"));
static TEXT: LazyLock<Selector> = LazyLock::new(|| selector(".tgme_widget_message_text"));
static DATE: LazyLock<Selector> =
    LazyLock::new(|| selector(".tgme_widget_message_date time[datetime]"));

/// Parses a preview page. A page that is not a channel preview (the channel's plain page when
/// the preview is off, a login wall, an error page) is a parse error.
fn parse_page(
    html: &str,
    channel: &str,
    url: &Url,
    source: &SourceId,
    fetched: Timestamp,
) -> Result<Page, SourceError> {
    // Real pages nest a few dozen levels; the HTML parser slows down badly on hostile nesting.
    if text::nesting_exceeds(html, 512) {
        return Err(SourceError::Parse(format!(
            "halaman {url} bersarang terlalu dalam untuk halaman Telegram"
        )));
    }
    let doc = Html::parse_document(html);
    if doc.select(&PREVIEW).next().is_none() {
        return Err(SourceError::Parse(format!(
            "halaman {url} bukan pratinjau kanal Telegram (t.me/s/{channel}); pratinjau web kanal \
             mungkin dimatikan, kanalnya privat, atau namanya salah"
        )));
    }
    let author = channel_title(&doc).unwrap_or_else(|| channel.to_string());
    let mut page = Page::default();
    for message in doc.select(&MESSAGE) {
        page.offered += 1;
        let data_post = message.value().attr("data-post").unwrap_or("");
        let Some((name, id)) = post_id(data_post, channel) else {
            tracing::warn!(%source, data_post, "pesan Telegram tanpa id yang valid dilewati");
            continue;
        };
        page.ids.push(id);
        match read_message(message, name, id, &author, source, fetched) {
            Ok(Some(post)) => page.posts.push((id, post)),
            Ok(None) => {}
            Err(why) => {
                tracing::warn!(%source, post = data_post, error = %why, "pesan Telegram cacat dilewati");
            }
        }
    }
    Ok(page)
}

/// The channel's title: the preview's header, else the page's og:title.
fn channel_title(doc: &Html) -> Option<String> {
    let header = doc
        .select(&TITLE)
        .next()
        .map(|el| el.text().collect::<String>());
    let og = || {
        doc.select(&OG_TITLE)
            .next()
            .and_then(|m| m.value().attr("content"))
            .map(str::to_owned)
    };
    header
        .filter(|t| !t.trim().is_empty())
        .or_else(og)
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|t| !t.is_empty())
}

/// `data-post="name/123"` → ("name", 123), for this channel only.
fn post_id<'a>(data_post: &'a str, channel: &str) -> Option<(&'a str, u64)> {
    let (name, id) = data_post.split_once('/')?;
    if !name.eq_ignore_ascii_case(channel) {
        return None;
    }
    let id = id.parse::<u64>().ok().filter(|&id| id > 0)?;
    Some((name, id))
}

/// One message → a post; `Ok(None)` for messages with nothing to read (no text, a service
/// message); `Err` says what was malformed.
fn read_message(
    message: ElementRef<'_>,
    name: &str,
    id: u64,
    author: &str,
    source: &SourceId,
    fetched: Timestamp,
) -> Result<Option<Post>, String> {
    if message.value().classes().any(|c| c == "service_message") {
        return Ok(None);
    }
    let Some(body) = own_text(message) else {
        return Ok(None);
    };
    let text = text::html_to_text(&body.inner_html());
    if text.is_empty() {
        return Ok(None);
    }
    let datetime = message
        .select(&DATE)
        .next()
        .and_then(|t| t.value().attr("datetime"))
        .ok_or("tanpa waktu (.tgme_widget_message_date time[datetime])")?;
    let published = datetime
        .trim()
        .parse::<Timestamp>()
        .map_err(|e| format!("waktu \"{datetime}\" tidak valid: {e}"))?;
    Ok(Some(Post {
        source: source.clone(),
        external_id: format!("{name}/{id}"),
        url: Some(format!("https://t.me/{name}/{id}")),
        title: None,
        text,
        author: Some(author.to_string()),
        published,
        fetched,
        lang: None,
        platform: None,
        reach: Default::default(),
    }))
}

/// The message's own text block: a reply quotes the message it answers (with the same class)
/// inside `.tgme_widget_message_reply`, and that quote is not this message's text.
fn own_text(message: ElementRef<'_>) -> Option<ElementRef<'_>> {
    message.select(&TEXT).find(|el| {
        !el.ancestors()
            .take_while(|a| a.id() != message.id())
            .filter_map(ElementRef::wrap)
            .any(|a| {
                a.value()
                    .classes()
                    .any(|c| c == "tgme_widget_message_reply")
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(html: &str) -> Result<Page, SourceError> {
        parse_page(
            html,
            "humaskaltim",
            &Url::parse("https://t.me/s/humaskaltim").unwrap(),
            &SourceId::new("tg"),
            Timestamp::UNIX_EPOCH,
        )
    }

    #[test]
    fn channel_names_follow_telegram_rules() {
        assert!(valid_channel("humaskaltim"));
        assert!(valid_channel("Info_BPP_24"));
        assert!(!valid_channel("t.me/humaskaltim"));
        assert!(!valid_channel("1abc5"));
        assert!(!valid_channel("abc"));
    }

    #[test]
    fn page_addresses_keep_a_base_path() {
        let spec = Spec {
            channel: "humaskaltim".into(),
            url: Url::parse("http://127.0.0.1:9/tg/").unwrap(),
        };
        assert_eq!(
            spec.page_url(Some(1201)).as_str(),
            "http://127.0.0.1:9/tg/s/humaskaltim?before=1201"
        );
    }

    #[test]
    fn a_reply_keeps_its_own_text_only() {
        let page = parse(
            r#"<section class="tgme_channel_history"><div class="tgme_widget_message" data-post="humaskaltim/7">
            <a class="tgme_widget_message_reply" href="https://t.me/humaskaltim/6"><div class="tgme_widget_message_text">kutipan lama</div></a>
            <div class="tgme_widget_message_text">Jawaban <b>baru</b><br>baris dua <i class="emoji"><b>📢</b></i></div>
            <a class="tgme_widget_message_date" href="https://t.me/humaskaltim/7"><time datetime="2026-11-26T01:00:00+00:00">01:00</time></a>
            </div></section>"#,
        )
        .unwrap();
        assert_eq!(page.posts.len(), 1);
        assert_eq!(page.posts[0].1.text, "Jawaban baru\nbaris dua 📢");
        assert_eq!(page.posts[0].1.author.as_deref(), Some("humaskaltim"));
    }

    #[test]
    fn ids_of_other_channels_or_garbage_are_refused() {
        assert_eq!(
            post_id("HumasKaltim/12", "humaskaltim"),
            Some(("HumasKaltim", 12))
        );
        assert_eq!(post_id("lain/12", "humaskaltim"), None);
        assert_eq!(post_id("humaskaltim/x", "humaskaltim"), None);
        assert_eq!(post_id("humaskaltim/0", "humaskaltim"), None);
        assert_eq!(post_id("", "humaskaltim"), None);
    }
}
