//! One listing page → its items (link, title, date, summary, author), the link to the next
//! page and the page's language, by the source's selectors ([`Selectors`]). Runs off the async
//! workers under the panic guard: it is CPU work on untrusted bytes.

use std::sync::LazyLock;

use jiff::Timestamp;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::pick::{Pick, text_of};
use crate::model::primary_language;
use crate::sources::dates::{self, Zone};
use crate::sources::error::SourceError;
use crate::sources::feed::identity::canonical_url;
use crate::sources::text::{MAX_NESTING, MAX_TEXT_CHARS, nesting_exceeds, truncate_chars};

/// Longest title kept, in characters.
const MAX_TITLE_CHARS: usize = 500;

/// The source's selector keys.
#[derive(Debug, Clone)]
pub struct Selectors {
    pub item: Pick,
    pub link: Option<Pick>,
    pub title: Option<Pick>,
    pub date: Option<Pick>,
    pub summary: Option<Pick>,
    pub author: Option<Pick>,
    pub next: Option<Pick>,
}

/// One item of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Canonical, absolute.
    pub url: String,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub author: Option<String>,
    /// Read from the page; `None` when the item shows no date or one that cannot be read.
    pub date: Option<Timestamp>,
    /// The date as written, when it could not be read.
    pub unread_date: Option<String>,
}

/// What one page held.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub items: Vec<Item>,
    /// Item elements found, those without a usable link included.
    pub offered: usize,
    pub next: Option<Url>,
    /// `<html lang>`'s primary language.
    pub lang: Option<String>,
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("a static selector parses")
}

static BASE: LazyLock<Selector> = LazyLock::new(|| selector("base[href]"));
static ANCHOR: LazyLock<Selector> = LazyLock::new(|| selector("a[href]"));
static TIME: LazyLock<Selector> = LazyLock::new(|| selector("time"));

/// Reads one page fetched from `url`. The first page must hold at least one item: a page
/// where the `item` selector finds nothing is a changed layout (or the wrong address), which
/// the operator has to hear about.
pub fn read(
    html: &str,
    url: &Url,
    sel: &Selectors,
    first: bool,
    fetched: Timestamp,
    zone: &Zone,
) -> Result<Page, SourceError> {
    if nesting_exceeds(html, MAX_NESTING) {
        return Err(SourceError::Parse(format!(
            "halaman {url} bersarang lebih dari {MAX_NESTING} tingkat"
        )));
    }
    let doc = Html::parse_document(html);
    let root = doc.root_element();
    // `<base href>` moves where relative links point.
    let base = root
        .select(&BASE)
        .next()
        .and_then(|b| b.attr("href"))
        .and_then(|h| url.join(h.trim()).ok())
        .unwrap_or_else(|| url.clone());
    let elements = sel.item.elements(root);
    if first && elements.is_empty() {
        return Err(SourceError::Parse(format!(
            "halaman web, bukan feed: pemilih item \"{}\" tidak menemukan apa pun di {url}; \
             buka halamannya di peramban (Inspect) dan sesuaikan pemilih item",
            sel.item
        )));
    }
    let mut page = Page {
        offered: elements.len(),
        lang: root.attr("lang").and_then(primary_language),
        ..Page::default()
    };
    for el in elements {
        if let Some(item) = read_item(el, &base, sel, fetched, zone)
            && !page.items.iter().any(|i| i.url == item.url)
        {
            page.items.push(item);
        }
    }
    page.next = sel.next.as_ref().and_then(|next| {
        let el = next.element(root)?;
        let href = href(el, next.attr())?;
        let next = base.join(href.trim()).ok()?;
        matches!(next.scheme(), "http" | "https" | "file").then_some(next)
    });
    Ok(page)
}

/// One item element → an [`Item`]; `None` when it has no http(s) link.
fn read_item(
    el: ElementRef<'_>,
    base: &Url,
    sel: &Selectors,
    fetched: Timestamp,
    zone: &Zone,
) -> Option<Item> {
    let link_el = match &sel.link {
        Some(link) => link.element(el)?,
        None if el.value().name() == "a" => el,
        None => el.select(&ANCHOR).next()?,
    };
    let href = href(link_el, sel.link.as_ref().and_then(Pick::attr))?;
    let url = canonical_url(href, Some(base))?;
    let title = match &sel.title {
        Some(title) => title.value(el),
        None => Some(text_of(link_el))
            .filter(|t| !t.is_empty())
            .or_else(|| link_el.attr("title").map(str::to_owned)),
    }
    .map(|t| truncate_chars(t, MAX_TITLE_CHARS));
    let summary = sel
        .summary
        .as_ref()
        .and_then(|s| s.value(el))
        .map(|s| truncate_chars(s, MAX_TEXT_CHARS));
    let author = sel.author.as_ref().and_then(|a| a.value(el));
    let written = date_text(el, sel.date.as_ref());
    let date = written
        .as_deref()
        .and_then(|d| dates::parse(d, fetched, zone));
    Some(Item {
        url,
        title,
        summary,
        author,
        unread_date: written.filter(|_| date.is_none()),
        date,
    })
}

/// The address an element links to: its `attr` when the pick names one, else its own `href`
/// or that of the first link inside it.
fn href<'a>(el: ElementRef<'a>, attr: Option<&str>) -> Option<&'a str> {
    match attr {
        Some(attr) => el.attr(attr),
        None => el
            .attr("href")
            .or_else(|| el.select(&ANCHOR).next().and_then(|a| a.attr("href"))),
    }
}

/// The item's date as written: the `date` pick (an element's `datetime` attribute before its
/// text, unless an attribute is named), else the item's first `<time>`.
fn date_text(el: ElementRef<'_>, pick: Option<&Pick>) -> Option<String> {
    let (time_el, attr) = match pick {
        Some(pick) => (pick.element(el)?, pick.attr()),
        None => (el.select(&TIME).next()?, None),
    };
    match attr {
        Some(attr) => time_el.attr(attr).map(str::to_owned),
        None => time_el
            .attr("datetime")
            .map(str::to_owned)
            .or_else(|| Some(text_of(time_el))),
    }
    .filter(|d| !d.trim().is_empty())
}
