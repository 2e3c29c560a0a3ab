//! The `html` kind: a news listing page (an outlet's "Berita Terkini", a government office's
//! news index) read with CSS selectors, for the many sites of the province without a working
//! feed or sitemap. Selectors are written as their users know them from RSS-Bridge and
//! changedetection.io ([`pick`]); the page is read by [`page`]; this file pages, picks what is
//! new and maps it.
//!
//! Keys of a `[[sources]] kind = "html"` table:
//! - `url` (required): the listing page (`https://…`, or `file://…`).
//! - `item` (required): the selector of each news item (`"article.post"`, `".list-berita li"`).
//! - `link`: inside an item, the element whose `href` is the article's address, or
//!   `"selector@attribute"`; default: the item's first link (the item itself when it is one).
//! - `title`: inside an item; default: the link's text.
//! - `date`: inside an item; an element's `datetime` attribute, else its text, unless
//!   `@attribute` names another; default: the item's first `<time>`. Indonesian and English
//!   dates, absolute or relative ("2 jam lalu"), are read by [`super::dates`].
//! - `summary`, `author`: inside an item; optional.
//! - `next`: on the page, the link to the next (older) page; or
//! - `page_url`: the address of page N with `{page}` in it (`"https://…/berita?page={page}"`),
//!   N counting from 2 (page 1 is `url`).
//! - `max_pages`: pages read in one poll, 1–20; default 1 (more needs `next` or `page_url`).
//! - `timezone`: the zone of dates written without one; default `WITA`.
//!
//! What is new: the first page is fetched conditionally (ETag, Last-Modified, through the
//! shared fetcher with its per-host limit); the cursor holds those validators and the links
//! handed on before ([`Seen`]). Further pages are read on the first poll up to `max_pages`,
//! and later only while every item of the page just read was new, so a quiet listing costs one
//! request; a later page that fails ends the walk without failing the poll. A post is the item's link (its id too), title, summary as text, author, date (the
//! fetch time when the item shows none, or one that cannot be read, with a warning) and the
//! page's `<html lang>`.

pub mod page;
pub mod pick;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use url::Url;

use self::page::{Item, Page, Selectors};
use self::pick::{Pick, opt_pick, pick};
use super::context::PollCtx;
use super::dates::{self, Zone};
use super::error::SourceError;
use super::http::{Document, Fetched, Validators};
use super::kind;
use super::poller::{Batch, Poll, off_workers};
use super::seen::{Kept, Seen};
use crate::config::{Invalid, value};
use crate::model::{Cursor, Medium, Post, Reach, SourceId};

/// Links remembered between polls: a listing shows tens of items a page.
pub const SEEN_CAPACITY: usize = 1000;

/// Most pages one poll may read.
pub const MAX_PAGES: usize = 20;

/// `[[sources]] kind = "html"` (keys in the module documentation).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    #[serde(deserialize_with = "page_address")]
    pub url: Url,
    #[serde(deserialize_with = "pick")]
    pub item: Pick,
    #[serde(default, deserialize_with = "opt_pick")]
    pub link: Option<Pick>,
    #[serde(default, deserialize_with = "opt_pick")]
    pub title: Option<Pick>,
    #[serde(default, deserialize_with = "opt_pick")]
    pub date: Option<Pick>,
    #[serde(default, deserialize_with = "opt_pick")]
    pub summary: Option<Pick>,
    #[serde(default, deserialize_with = "opt_pick")]
    pub author: Option<Pick>,
    #[serde(default, deserialize_with = "opt_pick")]
    pub next: Option<Pick>,
    #[serde(default, deserialize_with = "value::opt_text")]
    pub page_url: Option<String>,
    #[serde(
        default = "one",
        deserialize_with = "value::uint::<_, _, 1, { MAX_PAGES as u64 }>"
    )]
    pub max_pages: usize,
    #[serde(default, deserialize_with = "dates::zone")]
    pub timezone: Zone,
}

fn one() -> usize {
    1
}

fn page_address<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Url, D::Error> {
    value::url(d, &["http", "https", "file"])
}

impl kind::Spec for Spec {
    const KIND: &'static str = "html";
    const PLATFORM: &'static str = "news";
    const MEDIUM: Option<Medium> = Some(Medium::News);
    const EXAMPLE: &'static str = "url = \"https://contoh.id/berita\"\nitem = \"article.post\"\n\
                                   link = \"h2 a@href\"\ntitle = \"h2\"\ndate = \"time@datetime\"\n\
                                   summary = \"p.ringkasan\"\nnext = \"a.next@href\"\nmax_pages = 3\n\
                                   timezone = \"WITA\"";

    /// Paging needs a way to the next page, and a page pattern needs its `{page}`.
    fn settle(&mut self) -> Result<(), Invalid> {
        if let Some(pattern) = &self.page_url {
            if self.next.is_some() {
                return Err(Invalid::new(
                    "page_url",
                    "isi salah satu saja: next atau page_url",
                    Some("next untuk tautan \"berikutnya\" di halaman, page_url untuk alamat bernomor".into()),
                ));
            }
            let sample = pattern.replace("{page}", "2");
            let parsed = Url::parse(&sample)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https" | "file"));
            if !pattern.contains("{page}") || parsed.is_none() {
                return Err(Invalid::new(
                    "page_url",
                    format!("pola alamat halaman \"{pattern}\" tidak valid"),
                    Some("tulis alamat lengkap dengan {page} di tempat nomor halaman, misalnya page_url = \"https://contoh.id/berita?page={page}\"".into()),
                ));
            }
        }
        if self.max_pages > 1 && self.next.is_none() && self.page_url.is_none() {
            return Err(Invalid::new(
                "max_pages",
                format!(
                    "max_pages = {} membutuhkan next atau page_url",
                    self.max_pages
                ),
                Some("misalnya next = \"a.next@href\", atau hapus max_pages".into()),
            ));
        }
        Ok(())
    }

    fn location(&self) -> String {
        self.url.to_string()
    }

    fn poller(&self) -> Box<dyn Poll> {
        Box::new(Poller {
            spec: self.clone(),
            selectors: self.selectors(),
        })
    }
}

impl Spec {
    fn selectors(&self) -> Selectors {
        Selectors {
            item: self.item.clone(),
            link: self.link.clone(),
            title: self.title.clone(),
            date: self.date.clone(),
            summary: self.summary.clone(),
            author: self.author.clone(),
            next: self.next.clone(),
        }
    }

    /// Reads `doc` as this listing's first page (CPU work, for the blocking pool): its items,
    /// or the error of selectors that find none.
    pub fn read_first_page(&self, doc: &Document, fetched: Timestamp) -> Result<Page, SourceError> {
        let html = crate::sources::text::decode(&doc.body, doc.content_type.as_deref());
        page::read(
            &html,
            &doc.url,
            &self.selectors(),
            true,
            fetched,
            &self.timezone,
        )
    }
}

/// The cursor's content.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Position {
    /// The first page's validators.
    #[serde(flatten)]
    page: Kept,
    #[serde(default)]
    seen: Seen,
}

/// Polls one listing.
#[derive(Debug)]
pub struct Poller {
    spec: Spec,
    selectors: Selectors,
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

impl Poller {
    async fn poll_once(&self, cx: &PollCtx, cursor: &Cursor) -> Result<Batch, SourceError> {
        let mut pos: Position = cursor.state(&cx.source, "halaman");
        let first_poll = pos.seen.is_empty();
        let fetched = Timestamp::now();
        let Some((page, validators)) = self
            .page(cx, &self.spec.url, &(&pos.page).into(), 1, fetched)
            .await?
        else {
            return Ok(Batch {
                cursor: cursor.clone(),
                not_modified: true,
                ..Batch::default()
            });
        };
        pos.page = validators.into();
        let lang = page.lang.clone();
        let mut offered = page.offered;
        let mut items = Vec::new();
        let mut visited = vec![self.spec.url.clone()];
        let mut current = page;
        for number in 2..=self.spec.max_pages {
            let all_new = current
                .items
                .iter()
                .all(|i| !pos.seen.contains(&i.url, i.date));
            let next = self.next_page(&current, number);
            items.append(&mut current.items);
            let Some(next) = next.filter(|n| !visited.contains(n)) else {
                break;
            };
            if !first_poll && !all_new {
                break;
            }
            visited.push(next.clone());
            // A later page that fails (a "next" link to nowhere) ends the walk; what the
            // pages before it held is kept.
            match self
                .page(cx, &next, &Validators::default(), number, fetched)
                .await
            {
                Ok(Some((page, _))) if !page.items.is_empty() => {
                    offered += page.offered;
                    current = page;
                }
                Ok(_) => break,
                Err(error) => {
                    tracing::warn!(source = %cx.source, page = %next, %error, "halaman berikutnya gagal dibaca; berhenti di halaman sebelumnya");
                    break;
                }
            }
        }
        items.append(&mut current.items);
        let posts = self.select(&cx.source, items, lang, &mut pos.seen, fetched);
        Ok(Batch {
            posts,
            cursor: Cursor::from_state(&pos),
            not_modified: false,
            items_found: offered,
        })
    }

    /// The address of page `number`: the page's `next` link, or the `page_url` pattern.
    fn next_page(&self, current: &Page, number: usize) -> Option<Url> {
        match &self.spec.page_url {
            Some(pattern) => Url::parse(&pattern.replace("{page}", &number.to_string())).ok(),
            None => current.next.clone(),
        }
    }

    /// Fetches and reads one page; `None` when it did not change since `validators`.
    async fn page(
        &self,
        cx: &PollCtx,
        url: &Url,
        validators: &Validators,
        number: usize,
        fetched: Timestamp,
    ) -> Result<Option<(Page, Validators)>, SourceError> {
        let doc = match cx.fetcher.get(url, validators).await? {
            Fetched::NotModified => return Ok(None),
            Fetched::Changed(doc) => doc,
        };
        let selectors = self.selectors.clone();
        let zone = self.spec.timezone.clone();
        let page = off_workers("pengurai halaman", move || {
            let html = crate::sources::text::decode(&doc.body, doc.content_type.as_deref());
            page::read(&html, &doc.url, &selectors, number == 1, fetched, &zone)
                .map(|page| (page, doc.validators))
        })
        .await??;
        Ok(Some(page))
    }

    /// The items not seen before, newest first, as posts; `seen` learns them.
    fn select(
        &self,
        source: &SourceId,
        items: Vec<Item>,
        lang: Option<String>,
        seen: &mut Seen,
        fetched: Timestamp,
    ) -> Vec<Post> {
        let unread: Vec<&str> = items
            .iter()
            .filter_map(|i| i.unread_date.as_deref())
            .collect();
        if let Some(example) = unread.first() {
            tracing::warn!(%source, items = unread.len(), example = %example, "tanggal di halaman tidak terbaca; dipakai waktu pengambilan");
        }
        let mut fresh = seen.take_new(items, |i| (i.url.as_str(), i.date));
        // Stable: undated items count as just published, in the page's order.
        fresh.sort_by_key(|i| std::cmp::Reverse(i.date.unwrap_or(fetched)));
        let posts = fresh
            .into_iter()
            .filter_map(|item| {
                seen.insert(&item.url, item.date.unwrap_or(fetched));
                to_post(source, item, lang.clone(), fetched)
            })
            .collect();
        seen.trim(SEEN_CAPACITY);
        posts
    }
}

/// One item as a post; `None` when it has neither a title nor a summary.
fn to_post(
    source: &SourceId,
    item: Item,
    lang: Option<String>,
    fetched: Timestamp,
) -> Option<Post> {
    if item.title.is_none() && item.summary.is_none() {
        return None;
    }
    Some(Post {
        source: source.clone(),
        external_id: item.url.clone(),
        url: Some(item.url),
        title: item.title,
        text: item.summary.unwrap_or_default(),
        author: item.author,
        published: item.date.unwrap_or(fetched),
        fetched,
        lang,
        platform: None,
        reach: Reach::default(),
    })
}
