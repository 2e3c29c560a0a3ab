//! Words and two-word phrases over-represented in a topic's stored posts compared with all
//! other posts and not yet in its lists: what `pantau keywords suggest` prints and the topic
//! editor offers to add with one click.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;

use crate::classify::Classifier;
use crate::store::{Browse, Store, StoreError};

/// Indonesian function words, never suggested.
const STOPWORDS: &[&str] = &[
    "yang", "dan", "di", "ke", "dari", "ini", "itu", "dengan", "untuk", "pada", "adalah", "dalam",
    "tidak", "akan", "juga", "sudah", "oleh", "karena", "bisa", "ada", "mereka", "kami", "kita",
    "saya", "aku", "kamu", "dia", "ia", "ya", "atau", "tapi", "tetapi", "namun", "jika", "kalau",
    "agar", "supaya", "sehingga", "bahwa", "sebagai", "seperti", "lebih", "sangat", "telah",
    "masih", "sedang", "harus", "dapat", "bagi", "para", "pun", "lagi", "hanya", "saja", "sama",
    "antara", "setelah", "sebelum", "ketika", "saat", "hingga", "sampai", "sejak", "secara",
    "serta", "tersebut", "yaitu", "yakni", "pula", "nya", "dong", "deh", "sih", "kok", "nih",
    "tuh", "belum", "bukan", "jangan", "mau", "kata", "ujar", "sebut", "jelas", "kepada", "tak",
    "banyak", "satu", "dua", "tiga", "hari", "kini", "pun", "baru", "lalu", "akan", "the", "of",
];

/// One suggested term: in how many of the topic's posts and of the other posts it occurs, and
/// its score (smoothed log-odds, higher is more typical of the topic).
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub term: String,
    pub inside: u64,
    pub outside: u64,
    pub score: f64,
}

/// The suggestions for a topic and the posts they were counted over.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Suggestions {
    /// Posts carrying the topic, and the other posts, since the start.
    pub inside: u64,
    pub outside: u64,
    pub terms: Vec<Suggestion>,
}

/// The terms of the stored posts published since `start` over-represented in topic `topic`'s
/// posts and not in its lists (`classifier`'s), best first, at most `limit`; `tick` is called
/// once per post read (a progress line). None when the lists have no such topic.
pub fn suggest(
    store: &Store,
    classifier: &Classifier,
    topic: &str,
    start: Timestamp,
    limit: usize,
    tick: impl FnMut(),
) -> Result<Option<Suggestions>, StoreError> {
    let Some(def) = classifier.topic(&topic.into()) else {
        return Ok(None);
    };
    let known: HashSet<String> = def
        .any
        .iter()
        .chain(&def.exclude)
        .map(|t| t.folded.join(" "))
        .chain(def.any.iter().flat_map(|t| t.folded.iter().cloned()))
        .collect();
    let terms = count_terms(store, classifier, topic, start, tick)?;
    let (inside, outside) = (terms.inside, terms.outside);
    let terms = if inside == 0 {
        Vec::new()
    } else {
        terms.over_represented(&known, limit)
    };
    Ok(Some(Suggestions {
        inside,
        outside,
        terms,
    }))
}

/// Words and two-word phrases counted over the stored posts: in how many of the topic's posts
/// and of the other posts each occurs.
struct TermCounts {
    inside: u64,
    outside: u64,
    /// Per term: posts in the topic, posts outside it.
    counts: HashMap<String, (u64, u64)>,
}

/// Counts the terms of every post published since `start`, calling `tick` for each.
fn count_terms(
    store: &Store,
    classifier: &Classifier,
    topic: &str,
    start: Timestamp,
    mut tick: impl FnMut(),
) -> Result<TermCounts, StoreError> {
    let mut terms = TermCounts {
        inside: 0,
        outside: 0,
        counts: HashMap::new(),
    };
    store.scan_posts(start, |row| {
        tick();
        let in_topic = row.topics.iter().any(|t| t == topic);
        if in_topic {
            terms.inside += 1;
        } else {
            terms.outside += 1;
        }
        let text = format!("{}\n{}", row.title.as_deref().unwrap_or(""), row.text);
        for term in terms_of(classifier, &text) {
            let c = terms.counts.entry(term).or_default();
            if in_topic {
                c.0 += 1;
            } else {
                c.1 += 1;
            }
        }
    })?;
    Ok(terms)
}

/// The distinct useful words of `text` (folded) and the two-word phrases of useful words.
fn terms_of(classifier: &Classifier, text: &str) -> HashSet<String> {
    let folded = classifier.normalizer().fold(text);
    let words: Vec<&str> = folded
        .words
        .iter()
        .map(|&(s, e)| &folded.text[s as usize..e as usize])
        .collect();
    let useful =
        |w: &str| w.len() >= 3 && !STOPWORDS.contains(&w) && !w.chars().all(|c| c.is_ascii_digit());
    let mut seen: HashSet<String> = HashSet::new();
    for (i, w) in words.iter().enumerate() {
        if useful(w) {
            seen.insert((*w).to_string());
        }
        if let Some(next) = words.get(i + 1)
            && useful(w)
            && useful(next)
        {
            seen.insert(format!("{w} {next}"));
        }
    }
    seen
}

impl TermCounts {
    /// The terms not in `known` seen in at least three of the topic's posts and clearly more
    /// often there than elsewhere, best first, at most `limit`: (term, inside, outside, score).
    fn over_represented(self, known: &HashSet<String>, limit: usize) -> Vec<Suggestion> {
        let (inside, outside) = (self.inside, self.outside);
        // Smoothed log-odds of a term in the topic's posts against the other posts.
        let odds = |k: u64, n: u64| ((k as f64 + 0.5) / ((n - k.min(n)) as f64 + 0.5)).ln();
        let mut scored: Vec<(String, u64, u64, f64)> = self
            .counts
            .into_iter()
            .filter(|(t, (a, _))| *a >= 3 && !known.contains(t))
            .map(|(t, (a, b))| {
                let score = odds(a, inside) - odds(b, outside);
                (t, a, b, score)
            })
            .filter(|(_, _, _, s)| *s > 1.0)
            .collect();
        scored.sort_by(|x, y| y.3.total_cmp(&x.3).then(y.1.cmp(&x.1)).then(x.0.cmp(&y.0)));
        scored.truncate(limit);
        scored
            .into_iter()
            .map(|(term, inside, outside, score)| Suggestion {
                term,
                inside,
                outside,
                score,
            })
            .collect()
    }
}
