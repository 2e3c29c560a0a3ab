//! One pass over a folded text finds every term of every list: topic terms and query terms,
//! exclusions, region names, sentiment words. All terms go into one Aho-Corasick automaton, so
//! the cost per post grows with the text and the number of hits, not with the number of topics.
//! A hit must start at a word boundary; whether it must also end at one (a whole word) or may
//! end inside a word (a prefix term, `genang*`) is for the owner to say, so the hit reports it.
//! The topics' regexes are built here too ([`compile_pattern`]): they run beside the automaton,
//! one `RegexSet` pass per field.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;

use crate::fold::is_word_char;

/// Who asked for a term. One folded term may belong to several lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Leaf n of the compiled topic rules (an `any`, `exclude` or query term).
    Leaf(usize),
    /// A name or alias of region n; `true` when it is ambiguous (needs context).
    Region(usize, bool),
    /// A phrase in which a region name means something else ("Kanwil BPN"): the name inside
    /// it does not count, as if a longer region name had won.
    OtherSense,
    Positive,
    Negative,
    Negator,
    Intensifier,
}

/// An occurrence of a term in folded text, starting at a word boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub term: usize,
    pub start: usize,
    pub end: usize,
    /// The hit also ends at a word boundary (a whole-word match).
    pub whole: bool,
}

/// The terms and the automaton over them.
#[derive(Debug, Clone)]
pub struct TermSet {
    ac: Option<AhoCorasick>,
    terms: Vec<String>,
    owners: Vec<Vec<Owner>>,
}

/// Collects terms before the automaton is built.
#[derive(Debug, Default)]
pub struct TermSetBuilder {
    index: HashMap<String, usize>,
    terms: Vec<String>,
    owners: Vec<Vec<Owner>>,
}

impl TermSetBuilder {
    /// Adds an already folded term for `owner`.
    pub fn add(&mut self, folded_term: &str, owner: Owner) {
        let id = *self
            .index
            .entry(folded_term.to_string())
            .or_insert_with(|| {
                self.terms.push(folded_term.to_string());
                self.owners.push(Vec::new());
                self.terms.len() - 1
            });
        if !self.owners[id].contains(&owner) {
            self.owners[id].push(owner);
        }
    }

    pub fn build(mut self) -> Result<TermSet, aho_corasick::BuildError> {
        // The set lives as long as the classifier: drop the slack of growing it (most terms
        // have one owner in a vector grown for four).
        self.terms.shrink_to_fit();
        self.owners.shrink_to_fit();
        self.owners.iter_mut().for_each(Vec::shrink_to_fit);
        let ac = if self.terms.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(&self.terms)?,
            )
        };
        Ok(TermSet {
            ac,
            terms: self.terms,
            owners: self.owners,
        })
    }
}

impl TermSet {
    pub fn term(&self, id: usize) -> &str {
        &self.terms[id]
    }

    pub fn owners(&self, id: usize) -> &[Owner] {
        &self.owners[id]
    }

    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Every occurrence of every term that starts at a word boundary, overlapping ones
    /// included, in text order, into `hits` (cleared first, so its buffer is reused).
    pub fn find_into(&self, folded: &str, hits: &mut Vec<Hit>) {
        hits.clear();
        let Some(ac) = &self.ac else { return };
        hits.extend(
            ac.find_overlapping_iter(folded)
                .filter(|m| boundary_before(folded, m.start()))
                .map(|m| Hit {
                    term: m.pattern().as_usize(),
                    start: m.start(),
                    end: m.end(),
                    whole: boundary_after(folded, m.end()),
                }),
        );
        hits.sort_unstable_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
    }
}

/// Builds one of the topics' regexes. Patterns run on folded text (lower case, no accents)
/// and ignore case anyway, so that an analyst's `Ketinggian Air` works too; loading checks
/// them with this and compiling builds them with it, so a pattern that loads also compiles.
pub(crate) fn compile_pattern(p: &str) -> Result<Regex, regex::Error> {
    regex::RegexBuilder::new(p)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
}

fn boundary_before(text: &str, start: usize) -> bool {
    text[..start]
        .chars()
        .next_back()
        .is_none_or(|c| !is_word_char(c))
}

fn boundary_after(text: &str, end: usize) -> bool {
    text[end..].chars().next().is_none_or(|c| !is_word_char(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_start_on_word_boundaries_and_say_whether_they_end_on_one() {
        let mut b = TermSetBuilder::default();
        b.add("banjir", Owner::Leaf(0));
        b.add("banjir rob", Owner::Leaf(1));
        b.add("rob", Owner::Leaf(2));
        b.add("banjir diskon", Owner::Leaf(3));
        let set = b.build().unwrap();
        let mut hits = Vec::new();
        set.find_into(
            "kebanjiran dan banjir rob, banjirnya; banjir diskon",
            &mut hits,
        );
        let found: Vec<(&str, bool)> = hits.iter().map(|h| (set.term(h.term), h.whole)).collect();
        assert_eq!(
            found,
            vec![
                ("banjir rob", true),
                ("banjir", true),
                ("rob", true),
                ("banjir", false),
                ("banjir diskon", true),
                ("banjir", true)
            ]
        );
    }

    #[test]
    fn a_term_shared_by_lists_has_every_owner() {
        let mut b = TermSetBuilder::default();
        b.add("solar", Owner::Leaf(0));
        b.add("solar", Owner::Leaf(3));
        b.add("solar", Owner::Leaf(3));
        let set = b.build().unwrap();
        assert_eq!(set.len(), 1);
        assert_eq!(set.owners(0), &[Owner::Leaf(0), Owner::Leaf(3)]);
        // An empty set finds nothing, and the buffer is cleared first.
        let mut hits = vec![Hit {
            term: 0,
            start: 0,
            end: 1,
            whole: true,
        }];
        TermSetBuilder::default()
            .build()
            .unwrap()
            .find_into("x", &mut hits);
        assert!(hits.is_empty());
    }
}
