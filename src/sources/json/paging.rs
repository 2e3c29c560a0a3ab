//! How a `json` source walks the pages of one answer within a poll: a next address in the
//! body (`next_url`) or in the `Link` header (`next_link`), a page number or an offset in a
//! query parameter (`page_param`, `offset_param`), or an opaque cursor read from the body and
//! sent back (`next_cursor` + `cursor_param`). [`Pager`] says which address comes next and
//! when to stop; the poller ([`super::Poller`]) fetches and maps.
//!
//! Every style stops at an empty page, and the page and offset styles also at a page shorter
//! than `page_size`. A next address is followed only on the configured address's own origin
//! (scheme, host and port): the request carries the source's credential, which must not reach
//! another host a body or header names. An address or cursor seen before stops the walk too,
//! so a server that repeats itself cannot keep a poll going.

use std::collections::HashSet;

use reqwest::header::{HeaderMap, LINK};
use url::Url;

use super::Pointer;

/// The paging style a source's keys select (one at most; [`super::Spec::settle`] checks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    /// One request per poll.
    Single,
    /// The next page's address at this pointer of the body.
    NextUrl(Pointer),
    /// The `Link: <…>; rel="next"` header (RFC 8288).
    Link,
    /// A page number in this parameter, starting at `first`.
    Page { param: String, first: u64 },
    /// The number of records already read in this parameter.
    Offset { param: String },
    /// The value at `pointer` of the body, sent back in `param`.
    Cursor { param: String, pointer: Pointer },
}

/// What a page said about the next one.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PageSignals {
    /// Records on the page (well-formed or not).
    pub records: usize,
    /// The text at `next_url` or `next_cursor`, when the style reads one.
    pub next: Option<String>,
}

/// The walk through one answer's pages.
#[derive(Debug)]
pub struct Pager {
    paging: Paging,
    /// The configured address with the page size set: the base of page and cursor requests.
    start: Url,
    page_size: Option<u32>,
    page: u64,
    offset: u64,
    seen: HashSet<String>,
}

/// Why a walk stopped before the server said it was over; `None` when it said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The last page: an empty or short page, no next address or cursor.
    End,
    /// A next address on another origin, not followed.
    Foreign(String),
    /// A next address or cursor already read.
    Repeated,
}

impl Pager {
    /// A walk from `url`, with `size_param=page_size` on every request when both are set.
    pub fn new(
        url: &Url,
        paging: Paging,
        page_size: Option<u32>,
        size_param: Option<&str>,
    ) -> Pager {
        let start = match (size_param, page_size) {
            (Some(param), Some(size)) => with_param(url, param, &size.to_string()),
            _ => url.clone(),
        };
        let page = match &paging {
            Paging::Page { first, .. } => *first,
            _ => 0,
        };
        Pager {
            paging,
            start,
            page_size,
            page,
            offset: 0,
            seen: HashSet::new(),
        }
    }

    /// The first page's address.
    pub fn first(&mut self) -> Url {
        let url = match &self.paging {
            Paging::Page { param, .. } => with_param(&self.start, param, &self.page.to_string()),
            Paging::Offset { param } => with_param(&self.start, param, "0"),
            _ => self.start.clone(),
        };
        self.seen.insert(url.to_string());
        url
    }

    /// The address after the page read from `current`, which said `signals` and carried
    /// `headers`; `Err` says why the walk ends.
    pub fn next(
        &mut self,
        current: &Url,
        signals: &PageSignals,
        headers: &HeaderMap,
    ) -> Result<Url, Stop> {
        if signals.records == 0 {
            return Err(Stop::End);
        }
        let next = match &self.paging {
            Paging::Single => return Err(Stop::End),
            Paging::NextUrl(_) => self.follow(current, signals.next.as_deref())?,
            Paging::Link => self.follow(current, link_next(headers).as_deref())?,
            Paging::Page { param, .. } => {
                self.short(signals)?;
                self.page += 1;
                with_param(&self.start, param, &self.page.to_string())
            }
            Paging::Offset { param } => {
                self.short(signals)?;
                self.offset += signals.records as u64;
                with_param(&self.start, param, &self.offset.to_string())
            }
            Paging::Cursor { param, .. } => {
                let cursor = signals.next.as_deref().unwrap_or("").trim();
                if cursor.is_empty() {
                    return Err(Stop::End);
                }
                with_param(&self.start, param, cursor)
            }
        };
        if !self.seen.insert(next.to_string()) {
            return Err(Stop::Repeated);
        }
        Ok(next)
    }

    /// A page shorter than the page size is the last.
    fn short(&self, signals: &PageSignals) -> Result<(), Stop> {
        match self.page_size {
            Some(size) if signals.records < size as usize => Err(Stop::End),
            _ => Ok(()),
        }
    }

    /// `target` resolved against `current`, when it is on the configured origin.
    fn follow(&self, current: &Url, target: Option<&str>) -> Result<Url, Stop> {
        let target = target.map(str::trim).filter(|t| !t.is_empty());
        let Some(target) = target else {
            return Err(Stop::End);
        };
        let url = current
            .join(target)
            .map_err(|_| Stop::Foreign(target.to_string()))?;
        if url.origin() != self.start.origin() {
            let mut shown = url.clone();
            shown.set_query(None);
            return Err(Stop::Foreign(shown.to_string()));
        }
        Ok(url)
    }
}

/// `url` with parameter `name` set to `value` (replacing any it had).
pub fn with_param(url: &Url, name: &str, value: &str) -> Url {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut out = url.clone();
    out.set_query(None);
    out.query_pairs_mut()
        .extend_pairs(kept)
        .append_pair(name, value);
    out
}

/// The `rel="next"` target of the `Link` headers (one header with several links, or several
/// headers).
fn link_next(headers: &HeaderMap) -> Option<String> {
    let joined = headers
        .get_all(LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ");
    crate::sources::mastodon::link_rel(&joined, "next")
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn u(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    fn signals(records: usize, next: Option<&str>) -> PageSignals {
        PageSignals {
            records,
            next: next.map(str::to_owned),
        }
    }

    #[test]
    fn page_numbers_and_offsets_stop_at_a_short_page() {
        let none = HeaderMap::new();
        let start = u("https://v.example/api?q=banjir&page=9");
        let paging = Paging::Page {
            param: "page".into(),
            first: 1,
        };
        let mut pager = Pager::new(&start, paging, Some(50), Some("per_page"));
        let first = pager.first();
        assert_eq!(
            first.as_str(),
            "https://v.example/api?q=banjir&per_page=50&page=1"
        );
        let second = pager.next(&first, &signals(50, None), &none).unwrap();
        assert_eq!(second.query(), Some("q=banjir&per_page=50&page=2"));
        assert_eq!(
            pager.next(&second, &signals(49, None), &none),
            Err(Stop::End)
        );

        let paging = Paging::Offset {
            param: "offset".into(),
        };
        let mut pager = Pager::new(&start, paging, None, None);
        let first = pager.first();
        let next = pager.next(&first, &signals(100, None), &none).unwrap();
        assert!(next.as_str().ends_with("offset=100"), "{next}");
        let next = pager.next(&next, &signals(7, None), &none).unwrap();
        assert!(next.as_str().ends_with("offset=107"), "{next}");
        assert_eq!(pager.next(&next, &signals(0, None), &none), Err(Stop::End));
    }

    #[test]
    fn next_addresses_stay_on_the_origin_and_never_repeat() {
        let none = HeaderMap::new();
        let start = u("https://v.example/api/posts");
        let mut pager = Pager::new(&start, Paging::NextUrl(Pointer::whole()), None, None);
        let first = pager.first();
        let next = pager
            .next(&first, &signals(10, Some("/api/posts?after=abc")), &none)
            .unwrap();
        assert_eq!(next.as_str(), "https://v.example/api/posts?after=abc");
        assert_eq!(
            pager.next(
                &next,
                &signals(10, Some("https://v.example/api/posts?after=abc")),
                &none
            ),
            Err(Stop::Repeated)
        );
        assert_eq!(
            pager.next(
                &next,
                &signals(10, Some("https://lain.example/p?token=rahasia")),
                &none
            ),
            Err(Stop::Foreign("https://lain.example/p".into()))
        );
        assert_eq!(pager.next(&next, &signals(10, None), &none), Err(Stop::End));
        assert_eq!(
            pager.next(&next, &signals(10, Some(" ")), &none),
            Err(Stop::End)
        );
    }

    #[test]
    fn link_headers_one_or_several() {
        let start = u("https://v.example/items?page=1");
        let mut pager = Pager::new(&start, Paging::Link, None, None);
        let first = pager.first();
        let mut headers = HeaderMap::new();
        headers.append(
            LINK,
            HeaderValue::from_static("</items?page=1>; rel=\"prev\""),
        );
        headers.append(
            LINK,
            HeaderValue::from_static("</items?page=3>; rel=\"last\", </items?page=2>; rel=next"),
        );
        let next = pager.next(&first, &signals(5, None), &headers).unwrap();
        assert_eq!(next.as_str(), "https://v.example/items?page=2");
        assert_eq!(
            pager.next(&next, &signals(5, None), &HeaderMap::new()),
            Err(Stop::End)
        );
    }

    #[test]
    fn cursors_are_sent_back_until_absent() {
        let none = HeaderMap::new();
        let start = u("https://v.example/v2/video/query?fields=id");
        let paging = Paging::Cursor {
            param: "cursor".into(),
            pointer: Pointer::whole(),
        };
        let mut pager = Pager::new(&start, paging, Some(20), Some("max_count"));
        let first = pager.first();
        assert_eq!(first.query(), Some("fields=id&max_count=20"));
        let next = pager
            .next(&first, &signals(20, Some("1700000000")), &none)
            .unwrap();
        assert_eq!(
            next.query(),
            Some("fields=id&max_count=20&cursor=1700000000")
        );
        assert_eq!(
            pager.next(&next, &signals(20, Some("1700000000")), &none),
            Err(Stop::Repeated)
        );
        assert_eq!(pager.next(&next, &signals(3, None), &none), Err(Stop::End));
    }
}
