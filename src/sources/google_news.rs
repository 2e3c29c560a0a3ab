//! The `google_news` kind: a Google News search as RSS. The address is built from a query in
//! Indonesian for Indonesia (`hl=id&gl=ID&ceid=ID:id`), polled by the feed poller, and the
//! publisher that Google News appends to every title ("Banjir di Samarinda - Tribunkaltim.co")
//! is moved into the post's author, so the title is the headline and the briefing can say who
//! published it.

use serde::Deserialize;
use url::Url;

use super::feed::{self, FeedPoller};
use super::kind;
use super::poller::Poll;
use crate::config::{Invalid, value};
use crate::model::{Medium, Post};

/// `[[sources]] kind = "google_news"`: `query` in Google's search syntax; optional `language`
/// and `country` (default "id", "ID"); optional `url`, the service's base address (a test
/// server, a mirror).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub query: String,
    #[serde(default = "indonesian")]
    pub language: String,
    #[serde(default = "indonesia")]
    pub country: String,
    #[serde(rename = "url", default = "default_base", deserialize_with = "value::http_url")]
    pub base: Url,
}

fn indonesian() -> String {
    "id".into()
}

fn indonesia() -> String {
    "ID".into()
}

fn default_base() -> Url {
    value::fixed_url("https://news.google.com")
}

impl kind::Spec for Spec {
    const KIND: &'static str = "google_news";
    const PLATFORM: &'static str = "news";
    const MEDIUM: Option<Medium> = Some(Medium::News);
    const EXAMPLE: &'static str = "query = \"banjir (Samarinda OR Balikpapan)\"\n\
                                   language = \"id\"\ncountry = \"ID\"\nurl = \"https://news.google.com\"";

    fn settle(&mut self) -> Result<(), Invalid> {
        self.query = self.query.trim().to_string();
        if self.query.is_empty() {
            return Err(Invalid::new("query", "kueri kosong", None));
        }
        Ok(())
    }

    fn location(&self) -> String {
        self.feed().url.to_string()
    }

    fn poller(&self) -> Box<dyn Poll> {
        Box::new(FeedPoller::refined(self.feed(), split_publisher))
    }
}

impl Spec {
    /// The search, as the RSS feed the feed poller reads.
    pub fn feed(&self) -> feed::Spec {
        feed::Spec {
            url: search_url(&self.base, &self.query, &self.language, &self.country),
        }
    }
}

/// `{base}/rss/search?q=…&hl=id&gl=ID&ceid=ID:id`.
pub fn search_url(base: &Url, query: &str, language: &str, country: &str) -> Url {
    let mut url = base.clone();
    url.set_path(&format!("{}/rss/search", base.path().trim_end_matches('/')));
    url.query_pairs_mut()
        .clear()
        .append_pair("q", query)
        .append_pair("hl", language)
        .append_pair("gl", country)
        .append_pair("ceid", &format!("{country}:{language}"));
    url
}

/// "Headline - Publisher" → title "Headline", author "Publisher" (when the feed named no
/// author). The last " - " splits, so a headline with a dash of its own keeps it.
pub fn split_publisher(post: &mut Post) {
    let Some(title) = post.title.as_deref() else {
        return;
    };
    let Some((headline, publisher)) = title.rsplit_once(" - ") else {
        return;
    };
    let (headline, publisher) = (headline.trim(), publisher.trim());
    if headline.is_empty() || publisher.is_empty() || publisher.chars().count() > 80 {
        return;
    }
    // Google News repeats the title (with the publisher) as the description.
    if post.text.trim() == title.trim() || post.text.trim().starts_with(headline) {
        post.text = headline.to_string();
    }
    if post.author.is_none() {
        post.author = Some(publisher.to_string());
    }
    post.title = Some(headline.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_an_indonesian_search_address() {
        let base = Url::parse("https://news.google.com").unwrap();
        let url = search_url(&base, "banjir (Samarinda OR Balikpapan)", "id", "ID");
        assert_eq!(
            url.as_str(),
            "https://news.google.com/rss/search?q=banjir+%28Samarinda+OR+Balikpapan%29&hl=id&gl=ID&ceid=ID%3Aid"
        );
        let local = Url::parse("http://127.0.0.1:9/gn/").unwrap();
        assert_eq!(
            search_url(&local, "ikn", "id", "ID").path(),
            "/gn/rss/search"
        );
    }

    #[test]
    fn moves_the_publisher_out_of_the_title() {
        let mut post = Post {
            source: "gn".into(),
            external_id: "1".into(),
            url: None,
            title: Some(
                "Jembatan Mahakam Ditabrak Tongkang - Warta Mahakam - Tribunkaltim.co".into(),
            ),
            text: "Jembatan Mahakam Ditabrak Tongkang - Warta Mahakam - Tribunkaltim.co".into(),
            author: None,
            published: jiff::Timestamp::UNIX_EPOCH,
            fetched: jiff::Timestamp::UNIX_EPOCH,
            lang: None,
            platform: None,
            reach: Default::default(),
        };
        split_publisher(&mut post);
        assert_eq!(
            post.title.as_deref(),
            Some("Jembatan Mahakam Ditabrak Tongkang - Warta Mahakam")
        );
        assert_eq!(post.author.as_deref(), Some("Tribunkaltim.co"));
        assert_eq!(
            post.text,
            "Jembatan Mahakam Ditabrak Tongkang - Warta Mahakam"
        );
        let mut plain = post.clone();
        plain.title = Some("Tanpa penerbit".into());
        plain.author = None;
        split_publisher(&mut plain);
        assert_eq!(plain.title.as_deref(), Some("Tanpa penerbit"));
        assert_eq!(plain.author, None);
    }
}
