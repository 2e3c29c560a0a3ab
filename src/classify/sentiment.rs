//! Sentiment: how a post speaks of its issue, from the words of `keywords/sentiment.toml`.
//!
//! The automaton's pass over a field ([`super::evaluate`]) finds the sentiment words, negators
//! and intensifiers as [`Event`]s; [`weigh`] turns them into signed weights here. Positive
//! words count +1 and negative ones −1; a negator up to two words before a word flips it
//! (never across punctuation), an intensifier right before or after it doubles it, and a word
//! inside a longer sentiment phrase does not count on its own. The sum is the lexicon's score,
//! and alone would give the [`SentimentClass`]: ≥ 1 positif, between netral, −1 to −2
//! berpotensi negatif, ≤ −2 negatif ([`SentimentClass::from_score`]).
//!
//! The class a post gets comes from the trained model ([`super::sentiment_model`]), which reads
//! the lexicon's score as four of its features beside the n-grams: the lexicon's words explain,
//! the model decides ([`SentimentClass::from_probabilities`]).

use serde::Serialize;

use super::document::{Field, Match};
use super::matcher::Owner;
use crate::fold::Folded;

/// Punctuation that ends a clause: a negator before it does not reach the words after it.
const CLAUSE_BREAKS: &[char] = &[',', '.', ';', ':', '!', '?', '(', ')', '"', '\n'];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SentimentClass {
    Positif,
    Netral,
    BerpotensiNegatif,
    Negatif,
}

impl SentimentClass {
    pub fn from_score(score: f64) -> Self {
        if score >= 1.0 {
            SentimentClass::Positif
        } else if score > -1.0 {
            SentimentClass::Netral
        } else if score > -2.0 {
            SentimentClass::BerpotensiNegatif
        } else {
            SentimentClass::Negatif
        }
    }

    /// The class from the model's probabilities (positive, neutral, negative): the likeliest
    /// class, and a negative one is `negatif` only when the model is sure of it
    /// ([`NEGATIF_FROM`]), `berpotensi_negatif` when negative is merely the likeliest.
    pub fn from_probabilities(p: [f64; 3]) -> Self {
        use super::sentiment_model::{NEGATIVE, NEUTRAL, POSITIVE};
        if p[POSITIVE] >= p[NEUTRAL] && p[POSITIVE] >= p[NEGATIVE] {
            SentimentClass::Positif
        } else if p[NEUTRAL] >= p[NEGATIVE] {
            SentimentClass::Netral
        } else if p[NEGATIVE] >= NEGATIF_FROM {
            SentimentClass::Negatif
        } else {
            SentimentClass::BerpotensiNegatif
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SentimentClass::Positif => "positif",
            SentimentClass::Netral => "netral",
            SentimentClass::BerpotensiNegatif => "berpotensi_negatif",
            SentimentClass::Negatif => "negatif",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            SentimentClass::Positif,
            SentimentClass::Netral,
            SentimentClass::BerpotensiNegatif,
            SentimentClass::Negatif,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// The model's probability of the negative class from which a post is `negatif` rather than
/// `berpotensi_negatif`.
pub const NEGATIF_FROM: f64 = 0.8;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sentiment {
    /// The final class, from the model with the lexicon's score among its features.
    pub class: SentimentClass,
    /// The lexicon's score (what the store keeps beside the class).
    pub score: f64,
    /// Each sentiment word with its signed weight after negation and intensifiers.
    #[serde(skip)]
    pub words: Vec<(Match, f64)>,
    /// The class the lexicon's score alone gives.
    pub lexicon: SentimentClass,
    /// The model's probabilities of positive, neutral and negative.
    pub probabilities: [f64; 3],
}

/// A sentiment word, negator or intensifier found in a field.
pub(super) struct Event {
    /// Word index range in the folded field.
    pub(super) words: (usize, usize),
    pub(super) owner: Owner,
    /// Byte range in the folded field.
    pub(super) start: usize,
    pub(super) end: usize,
    /// The Aho-Corasick term that matched.
    pub(super) term: usize,
}

/// A sentiment word that counts, with its signed weight.
#[derive(Debug, Clone)]
pub(super) struct Weighed {
    pub(super) field: Field,
    /// Byte range in the original field.
    pub(super) orig: (usize, usize),
    /// The Aho-Corasick term that matched (its folded text names the rule).
    pub(super) term: usize,
    pub(super) weight: f64,
}

/// Weighs the sentiment words of one field, with negators before them and intensifiers next
/// to them, into `out`.
pub(super) fn weigh(field: Field, folded: &Folded, events: &[Event], out: &mut Vec<Weighed>) {
    for ev in events {
        let base = match ev.owner {
            Owner::Positive => 1.0,
            Owner::Negative => -1.0,
            _ => continue,
        };
        if inside_longer(ev, events) {
            continue;
        }
        let factor = if intensified(ev, events) { 2.0 } else { 1.0 };
        let sign = if negated(ev, events, folded) {
            -1.0
        } else {
            1.0
        };
        out.push(Weighed {
            field,
            orig: folded.original_span(ev.start, ev.end),
            term: ev.term,
            weight: base * factor * sign,
        });
    }
}

/// The post's score: the sum of its weights, in the order they were found.
pub(super) fn score(words: &[Weighed]) -> f64 {
    words.iter().fold(0.0, |acc, w| acc + w.weight)
}

/// Whether a longer sentiment phrase holds the word ("gelap" in "gelap gulita").
fn inside_longer(ev: &Event, events: &[Event]) -> bool {
    let (start, end) = (ev.start, ev.end);
    events.iter().any(|o| {
        matches!(o.owner, Owner::Positive | Owner::Negative)
            && o.start <= start
            && end <= o.end
            && (o.end - o.start) > (end - start)
    })
}

/// A negator reaches over at most one word, and never across punctuation: in "air gak ngalir,
/// kapan diperbaiki" the "gak" says nothing about "diperbaiki".
fn negated(ev: &Event, events: &[Event], folded: &Folded) -> bool {
    let w0 = ev.words.0;
    events.iter().any(|n| {
        n.owner == Owner::Negator
            && n.words.1 <= w0
            && w0 - n.words.1 <= 1
            && !folded.text[n.end..ev.start].contains(CLAUSE_BREAKS)
    })
}

/// An intensifier right before or right after the word.
fn intensified(ev: &Event, events: &[Event]) -> bool {
    let (w0, w1) = ev.words;
    events
        .iter()
        .any(|i| i.owner == Owner::Intensifier && (i.words.1 == w0 || i.words.0 == w1))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{BANJIR, classifier};
    use super::*;
    use crate::classify::Document;

    #[test]
    fn sentiment_with_negation() {
        let c = classifier(&[("banjir", BANJIR)]);
        let s = |t: &str| c.classify(&Document::text(t), None).sentiment;
        assert_eq!(
            s("Jalan rusak parah, warga kecewa").class,
            SentimentClass::Negatif
        );
        assert_eq!(s("Jalan rusak").class, SentimentClass::BerpotensiNegatif);
        assert_eq!(s("Pelayanan bagus").class, SentimentClass::Positif);
        assert_eq!(s("Pelayanan tidak bagus").score, -1.0);
        assert_eq!(s("Jalannya gak rusak kok").score, 1.0);
        assert_eq!(s("Rapat koordinasi hari ini").class, SentimentClass::Netral);
    }

    #[test]
    fn intensifiers_double_and_longer_words_win() {
        let c = classifier(&[("b", BANJIR)]);
        let s = |t: &str| c.classify(&Document::text(t), None).sentiment.score;
        assert_eq!(s("pelayanan sangat bagus"), 2.0);
        assert_eq!(s("jalannya rusak banget"), -2.0);
        assert_eq!(s("tidak sangat bagus"), -2.0);
        // An intensifier doubles only the word next to it.
        assert_eq!(s("sangat rusak parah"), -3.0);
        // Negation stops at punctuation.
        assert_eq!(s("tidak bagus"), -1.0);
        assert_eq!(s("tidak, bagus"), 1.0);
        assert_eq!(s("kampung gelap gulita"), -1.0);
    }
}
