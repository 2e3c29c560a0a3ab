//! What an edit of one topic changes on stored posts: every post since a time is tagged with
//! the lists in force and with the edited lists, in memory (nothing is written), and the posts
//! the topic gains or loses are listed with the words that matched; the topic's examples are
//! run on the edited lists. `pantau keywords backtest` tags posts the same way
//! ([`topics_of`]).

use jiff::Timestamp;

use crate::classify::{Classifier, Document, Field, Rule};
use crate::model::{Languages, RegionId, SourceId};

/// The region of each source that names one (`engine::config::Regions`).
pub type Regions = std::collections::HashMap<SourceId, RegionId>;
use crate::store::{Browse, Store, StoreError, TaggedRow};

/// At most this many gained and lost posts are listed (all are counted).
pub const LISTED: usize = 50;

/// A stored post the edit changes, with the spots to highlight.
#[derive(Debug, Clone)]
pub struct Changed {
    pub id: i64,
    pub source: String,
    pub title: Option<String>,
    pub text: String,
    pub published: Timestamp,
    /// Byte ranges of matched words in the title and the text (by the lists that tag it).
    pub marks: Vec<(Field, usize, usize)>,
}

/// One example of the topic run on the edited lists.
#[derive(Debug, Clone)]
pub struct ExampleRun {
    /// `match` or `no_match`.
    pub kind: &'static str,
    pub text: String,
    pub passed: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Preview {
    pub posts: u64,
    /// Posts of the topic with the lists in force, and with the edit.
    pub before: u64,
    pub after: u64,
    pub gained_n: u64,
    pub lost_n: u64,
    pub gained: Vec<Changed>,
    pub lost: Vec<Changed>,
    pub examples: Vec<ExampleRun>,
}

/// A matched spot: the field, its byte range, and the index of the topic it tagged.
pub type Mark = (Field, usize, usize, usize);

/// The topic ids `classifier` gives `row`, as the pipeline tags it: a post in a language not
/// counted gets none.
pub fn topics_of<'c>(
    classifier: &'c Classifier,
    row: &TaggedRow,
    regions: &Regions,
    languages: &Languages,
) -> (Vec<&'c str>, Vec<Mark>) {
    if !languages.counts(row.lang.as_deref()) {
        return (Vec::new(), Vec::new());
    }
    let doc = Document {
        title: row.title.as_deref(),
        text: &row.text,
        source: Some(row.source.as_str()),
        author: row.author.as_deref(),
        lang: row.lang.as_deref(),
    };
    let result = classifier.classify(&doc, regions.get(&row.source));
    // Stored tags are the topics a post is about; a topic only mentioned is no gain.
    let marks = result
        .topics
        .iter()
        .filter(|h| h.primary())
        .flat_map(|h| {
            h.matches
                .iter()
                .filter(|m| !matches!(m.rule, Rule::Exclude(_)))
                .map(move |m| (m.field, m.start, m.end, h.topic))
        })
        .collect();
    let ids = result
        .topics
        .iter()
        .filter(|h| h.primary())
        .map(|h| classifier.topics()[h.topic].id.as_str())
        .collect();
    (ids, marks)
}

/// Tags every post published since `since` with `before` and `after` and lists what topic
/// `id` gains and loses.
pub fn preview(
    store: &Store,
    before: &Classifier,
    after: &Classifier,
    id: &str,
    since: Timestamp,
    regions: &Regions,
    languages: &Languages,
) -> Result<Preview, StoreError> {
    let mut p = Preview::default();
    let index = after.topics().iter().position(|t| t.id.as_str() == id);
    store.scan_posts(since, |row| {
        p.posts += 1;
        let (was, old_marks) = topics_of(before, &row, regions, languages);
        let (now, new_marks) = topics_of(after, &row, regions, languages);
        let was = was.contains(&id);
        let now = now.contains(&id);
        p.before += u64::from(was);
        p.after += u64::from(now);
        if was == now {
            return;
        }
        let (count, list, marks, topic) = if now {
            (&mut p.gained_n, &mut p.gained, new_marks, index)
        } else {
            let old = before.topics().iter().position(|t| t.id.as_str() == id);
            (&mut p.lost_n, &mut p.lost, old_marks, old)
        };
        *count += 1;
        if list.len() < LISTED {
            list.push(Changed {
                id: row.id,
                source: row.source.to_string(),
                marks: marks
                    .into_iter()
                    .filter(|m| Some(m.3) == topic)
                    .map(|(f, s, e, _)| (f, s, e))
                    .collect(),
                title: row.title,
                text: row.text,
                published: row.published,
            });
        }
    })?;
    if let Some(i) = index {
        p.examples = examples(after, i);
    }
    Ok(p)
}

/// Runs topic `i`'s examples: a `match` example passes when the topic is its subject, a
/// `no_match` one when it is not (as `pantau keywords check` judges them).
fn examples(classifier: &Classifier, i: usize) -> Vec<ExampleRun> {
    let topic = &classifier.topics()[i];
    let run = |kind, e: &crate::classify::lists::Example, want: bool| {
        let p = &e.post;
        let doc = Document {
            title: p.title.as_deref(),
            text: &p.text,
            source: p.source.as_deref(),
            author: p.author.as_deref(),
            lang: p.lang.as_deref(),
        };
        let c = classifier.classify(&doc, None);
        let tagged = c.topics.iter().any(|h| h.topic == i && h.primary());
        ExampleRun {
            kind,
            text: e.shown(),
            passed: tagged == want,
        }
    };
    topic
        .examples_match
        .iter()
        .map(|e| run("match", e, true))
        .chain(
            topic
                .examples_no_match
                .iter()
                .map(|e| run("no_match", e, false)),
        )
        .collect()
}
