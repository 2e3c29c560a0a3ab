//! Sitemap text → [`Sitemap`]: a `<urlset>` of `<url>`s (with `<lastmod>`, and Google News'
//! `<news:news>`: publication name and language, publication date, title, keywords) or a
//! `<sitemapindex>` of child `<sitemap>`s, read with the XML reader feed-rs is built on.
//!
//! Elements are told apart by namespace: Google News' (`http://www.google.com/schemas/
//! sitemap-news/0.9`; any version of it, as some generators write an old one) or the
//! sitemap's own (sitemaps.org, or none at all). An image's `<image:title>` is then never a
//! headline. Text is trimmed; entities a generator escaped twice (`&amp;#8211;`) are decoded
//! by the HTML-to-text step. A document with a bare `&` (a hand-made generator's query
//! strings) is read once more with it escaped, as the `feed` kind does.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

use crate::sources::error::SourceError;
use crate::sources::text::html_to_text;

/// The protocol's limit of entries in one file; anything past it is not read.
pub const MAX_ENTRIES: usize = 50_000;

const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/";

/// One `<url>` of a `<urlset>`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    pub loc: String,
    pub lastmod: Option<String>,
    pub news: Option<News>,
}

/// Its `<news:news>`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct News {
    /// `<news:publication><news:name>`.
    pub publication: Option<String>,
    /// `<news:publication><news:language>`: ISO 639 (`id`, `en`, `zh-cn`).
    pub language: Option<String>,
    /// `<news:publication_date>`, W3C datetime (`2025-12-06`, `2025-12-06T09:15:00+08:00`).
    pub publication_date: Option<String>,
    pub title: Option<String>,
    /// `<news:keywords>`, comma-separated as written.
    pub keywords: Option<String>,
}

/// One `<sitemap>` of a `<sitemapindex>`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Child {
    pub loc: String,
    pub lastmod: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Sitemap {
    Urls(Vec<Entry>),
    Index(Vec<Child>),
}

/// Which vocabulary an element belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    Sitemap,
    News,
    /// Images, videos, xhtml links: nothing read from them.
    Other,
}

/// Parses a sitemap's text (already UTF-8, without its XML declaration).
pub fn parse(text: &str) -> Result<Sitemap, SourceError> {
    match read(text) {
        Ok(sitemap) => Ok(sitemap),
        Err(first) => match crate::sources::feed::parse::escape_bare_ampersands(text) {
            Some(escaped) => read(&escaped).map_err(|_| first),
            None => Err(first),
        },
    }
}

/// What the reader is inside of.
#[derive(Default)]
struct State {
    stack: Vec<(Ns, String)>,
    root: Option<String>,
    entries: Vec<Entry>,
    children: Vec<Child>,
    entry: Option<Entry>,
    child: Option<Child>,
    text: String,
}

fn read(text: &str) -> Result<Sitemap, SourceError> {
    let mut reader = quick_xml::NsReader::from_str(text);
    reader.config_mut().check_end_names = false;
    let mut st = State::default();
    loop {
        let at = reader.buffer_position();
        let (ns, event) = reader.read_resolved_event().map_err(|e| {
            SourceError::Parse(format!("sitemap: XML rusak sekitar bita {at}: {e}"))
        })?;
        let ns = classify(&ns);
        match event {
            Event::Start(tag) => {
                let local = local_name(&tag);
                open(&mut st, ns, local)?;
            }
            Event::Empty(tag) => {
                let local = local_name(&tag);
                open(&mut st, ns, local)?;
                close(&mut st);
            }
            Event::End(_) => close(&mut st),
            Event::Text(t) => st.text.push_str(&t.xml10_content()),
            Event::CData(t) => st.text.push_str(&t),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    _ => quick_xml::escape::resolve_predefined_entity(&r).map(str::to_owned),
                };
                // An HTML entity such as `&nbsp;` is kept for the HTML-to-text step.
                st.text
                    .push_str(&resolved.unwrap_or_else(|| format!("&{};", &*r)));
            }
            Event::Eof => {
                if let Some((_, open)) = st.stack.last() {
                    return Err(SourceError::Parse(format!(
                        "sitemap terpotong: <{open}> tidak ditutup"
                    )));
                }
                break;
            }
            _ => {}
        }
        if st.entries.len() >= MAX_ENTRIES || st.children.len() >= MAX_ENTRIES {
            break;
        }
    }
    match st.root.as_deref() {
        Some("urlset") => Ok(Sitemap::Urls(st.entries)),
        Some("sitemapindex") => Ok(Sitemap::Index(st.children)),
        _ => Err(SourceError::Parse(
            "dokumen kosong, bukan sitemap (<urlset> atau <sitemapindex>)".into(),
        )),
    }
}

fn local_name(tag: &quick_xml::events::BytesStart<'_>) -> String {
    let name = tag.local_name();
    let name: &str = name.as_ref();
    name.to_owned()
}

fn classify(ns: &ResolveResult<'_>) -> Ns {
    match ns {
        ResolveResult::Bound(ns) => {
            let uri = ns.0;
            if uri.starts_with(NEWS_NS) {
                Ns::News
            } else if uri.contains("sitemaps.org") || uri.contains("sitemap/0.9") {
                Ns::Sitemap
            } else {
                Ns::Other
            }
        }
        // A prefix nobody declared (`news:` without xmlns:news) is taken at its word.
        ResolveResult::Unknown(prefix) if prefix == "news" => Ns::News,
        ResolveResult::Unknown(_) => Ns::Other,
        ResolveResult::Unbound => Ns::Sitemap,
    }
}

fn open(st: &mut State, ns: Ns, local: String) -> Result<(), SourceError> {
    if st.root.is_none() {
        if ns != Ns::Sitemap || !matches!(local.as_str(), "urlset" | "sitemapindex") {
            return Err(SourceError::Parse(format!(
                "bukan sitemap: elemen akarnya <{local}>, bukan <urlset> atau <sitemapindex>"
            )));
        }
        st.root = Some(local.clone());
    }
    if ns == Ns::Sitemap && st.stack.len() == 1 {
        match local.as_str() {
            "url" => st.entry = Some(Entry::default()),
            "sitemap" => st.child = Some(Child::default()),
            _ => {}
        }
    }
    if ns == Ns::News
        && local == "news"
        && let Some(entry) = &mut st.entry
    {
        entry.news.get_or_insert_with(News::default);
    }
    st.text.clear();
    st.stack.push((ns, local));
    Ok(())
}

/// Ends the innermost element: its text goes where the element says.
fn close(st: &mut State) {
    let Some((ns, local)) = st.stack.pop() else {
        return;
    };
    let text = std::mem::take(&mut st.text);
    let parent = st.stack.last().map(|(ns, l)| (*ns, l.clone()));
    let parent = parent.as_ref().map(|(ns, l)| (*ns, l.as_str()));
    match (ns, local.as_str(), parent) {
        (Ns::Sitemap, "url", _) if st.stack.len() == 1 => {
            if let Some(entry) = st.entry.take().filter(|e| !e.loc.is_empty()) {
                st.entries.push(entry);
            }
        }
        (Ns::Sitemap, "sitemap", _) if st.stack.len() == 1 => {
            if let Some(child) = st.child.take().filter(|c| !c.loc.is_empty()) {
                st.children.push(child);
            }
        }
        (Ns::Sitemap, "loc", Some((Ns::Sitemap, "url"))) => {
            if let Some(e) = &mut st.entry {
                e.loc = text.trim().to_string();
            }
        }
        (Ns::Sitemap, "lastmod", Some((Ns::Sitemap, "url"))) => {
            if let Some(e) = &mut st.entry {
                e.lastmod = nonempty(&text);
            }
        }
        (Ns::Sitemap, "loc", Some((Ns::Sitemap, "sitemap"))) => {
            if let Some(c) = &mut st.child {
                c.loc = text.trim().to_string();
            }
        }
        (Ns::Sitemap, "lastmod", Some((Ns::Sitemap, "sitemap"))) => {
            if let Some(c) = &mut st.child {
                c.lastmod = nonempty(&text);
            }
        }
        (Ns::News, field, Some((Ns::News, parent))) => news_field(st, parent, field, &text),
        _ => {}
    }
}

/// A field of `<news:news>` or of its `<news:publication>`.
fn news_field(st: &mut State, parent: &str, field: &str, text: &str) {
    let Some(news) = st.entry.as_mut().and_then(|e| e.news.as_mut()) else {
        return;
    };
    let slot = match (parent, field) {
        ("publication", "name") => &mut news.publication,
        ("publication", "language") => &mut news.language,
        ("news", "publication_date") => &mut news.publication_date,
        ("news", "title") => &mut news.title,
        ("news", "keywords") => &mut news.keywords,
        _ => return,
    };
    *slot = nonempty(&html_to_text(text));
}

fn nonempty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_news_urlset_with_images_beside_it() {
        let xml = r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
            xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
            xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
          <url>
            <loc> https://kaltim.example/berita/1?a=1&amp;b=2 </loc>
            <news:news>
              <news:publication><news:name>Kaltim Kini</news:name><news:language>id</news:language></news:publication>
              <news:publication_date>2025-12-06T09:15:00+08:00</news:publication_date>
              <news:title><![CDATA[Banjir & longsor]]> di Samarinda &amp;#8211; warga</news:title>
              <news:keywords>banjir, samarinda</news:keywords>
            </news:news>
            <image:image><image:loc>https://kaltim.example/a.jpg</image:loc><image:title>Foto</image:title></image:image>
          </url>
          <url><loc>https://kaltim.example/berita/2</loc><lastmod>2025-12-06</lastmod></url>
          <url><lastmod>2025-12-06</lastmod></url>
        </urlset>"#;
        let Sitemap::Urls(entries) = parse(xml).unwrap() else {
            panic!("a urlset")
        };
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].loc, "https://kaltim.example/berita/1?a=1&b=2");
        let news = entries[0].news.as_ref().unwrap();
        assert_eq!(news.publication.as_deref(), Some("Kaltim Kini"));
        assert_eq!(news.language.as_deref(), Some("id"));
        assert_eq!(
            news.title.as_deref(),
            Some("Banjir & longsor di Samarinda – warga")
        );
        assert_eq!(news.keywords.as_deref(), Some("banjir, samarinda"));
        assert_eq!(entries[1].lastmod.as_deref(), Some("2025-12-06"));
        assert_eq!(entries[1].news, None);
    }

    #[test]
    fn an_index_and_what_is_not_a_sitemap() {
        let xml = r#"<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
          <sitemap><loc>https://a.example/s1.xml</loc><lastmod>2025-12-01</lastmod></sitemap>
          <sitemap><loc>https://a.example/s2.xml</loc></sitemap></sitemapindex>"#;
        assert_eq!(
            parse(xml).unwrap(),
            Sitemap::Index(vec![
                Child {
                    loc: "https://a.example/s1.xml".into(),
                    lastmod: Some("2025-12-01".into())
                },
                Child {
                    loc: "https://a.example/s2.xml".into(),
                    lastmod: None
                },
            ])
        );
        // A bare `&` is forgiven.
        let bare = "<urlset><url><loc>https://a.example/?p=1&page=2</loc></url></urlset>";
        let Sitemap::Urls(entries) = parse(bare).unwrap() else {
            panic!("a urlset")
        };
        assert_eq!(entries[0].loc, "https://a.example/?p=1&page=2");
        for bad in [
            "<html><body>Not found</body></html>",
            "<rss version=\"2.0\"><channel/></rss>",
            "",
            "<urlset><url><loc>https://a.example/</loc></url",
            "<urlset><url><loc>x</loc></url></urlset><<<",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
