//! What is classified and where in it something matched: a [`Document`] (a post's fields),
//! and a [`Match`], one span of a field with the [`Rule`] that found it. Every later step
//! reports on these spans, so `--explain` and the JSON show the words as the user wrote them.

use serde::Serialize;

use crate::model::Post;

/// Which part of a post a match is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Title,
    Text,
}

/// What is classified: a post's fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct Document<'a> {
    pub title: Option<&'a str>,
    pub text: &'a str,
    /// The source id, for `source:` in queries.
    pub source: Option<&'a str>,
    pub author: Option<&'a str>,
    pub lang: Option<&'a str>,
}

impl<'a> Document<'a> {
    pub fn text(text: &'a str) -> Self {
        Document {
            text,
            ..Document::default()
        }
    }

    pub fn of(post: &'a Post) -> Self {
        Document {
            title: post.title.as_deref(),
            text: &post.text,
            source: Some(post.source.as_str()),
            author: post.author.as_deref(),
            lang: post.lang.as_deref(),
        }
    }

    /// The fields that hold words, title first.
    pub(super) fn fields(&self) -> impl Iterator<Item = (Field, &'a str)> {
        self.title
            .map(|t| (Field::Title, t))
            .into_iter()
            .chain(std::iter::once((Field::Text, self.text)))
    }

    /// The span `orig` (byte offsets into `field` as given) found by `rule`.
    pub(super) fn matched(&self, field: Field, orig: (usize, usize), rule: Rule) -> Match {
        let input = match field {
            Field::Title => self.title.unwrap_or(""),
            Field::Text => self.text,
        };
        Match {
            field,
            start: orig.0,
            end: orig.1,
            text: input[orig.0..orig.1].to_string(),
            rule,
        }
    }
}

/// Why something matched: the rule as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// A term of `any` or of the query.
    Term(String),
    Pattern(String),
    Exclude(String),
    Region(String),
    Sentiment(String),
}

/// One occurrence in the input: byte offsets into the field as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    pub field: Field,
    pub start: usize,
    pub end: usize,
    /// The words as written in the input.
    pub text: String,
    #[serde(skip)]
    pub rule: Rule,
}
