//! Folding text for matching: lower case, accents removed, every run of white space one space,
//! informal spellings replaced by standard words (`keywords/slang.toml`). The folded text keeps
//! a map back to the original's byte offsets, so that a match is reported on the words the user
//! actually wrote (`--explain`, the JSON `start`/`end`).

use std::collections::HashMap;

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Folded text with, for every byte of it, the byte offset in the original where the character
/// it came from starts (plus one entry for the end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folded {
    pub text: String,
    offsets: Vec<u32>,
}

impl Folded {
    /// The original byte range of a folded byte range.
    pub fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        let o = |i: usize| self.offsets[i.min(self.offsets.len() - 1)] as usize;
        let s = o(start);
        // A match may end inside a character that folded into several (rare: 'ǆ' → "dž");
        // the end offset is where the next original character starts, so spans stay on
        // character boundaries of the original.
        (s, o(end).max(s))
    }
}

/// Folds `input`: lower case, no accents, single spaces.
pub fn fold(input: &str) -> Folded {
    let mut text = String::with_capacity(input.len());
    let mut offsets = Vec::with_capacity(input.len() + 1);
    let mut last_space = false;
    for (pos, c) in input.char_indices() {
        let pos = pos as u32;
        if c.is_whitespace() {
            if !last_space {
                text.push(' ');
                offsets.push(pos);
                last_space = true;
            }
            continue;
        }
        last_space = false;
        if c.is_ascii() {
            text.push(c.to_ascii_lowercase());
            offsets.push(pos);
            continue;
        }
        for lower in c.to_lowercase() {
            let mut push = |d: char| {
                if !is_combining_mark(d) {
                    let d = match d {
                        '\u{2019}' | '\u{2018}' | '\u{02bc}' => '\'',
                        '\u{201c}' | '\u{201d}' => '"',
                        '\u{2013}' | '\u{2014}' => '-',
                        other => other,
                    };
                    text.push(d);
                    offsets.extend(std::iter::repeat_n(pos, d.len_utf8()));
                }
            };
            decompose_canonical(lower, &mut push);
        }
    }
    offsets.push(input.len() as u32);
    Folded { text, offsets }
}

/// Folds a keyword term the same way as text, trimmed.
pub fn fold_term(term: &str) -> String {
    fold(term).text.trim().to_string()
}

/// Whether `c` is part of a word for whole-word matching.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Informal spellings → standard words (`keywords/slang.toml`), applied word by word after
/// folding: "bnjir" → "banjir", "gak" → "tidak".
#[derive(Debug, Clone, Default)]
pub struct Slang {
    words: HashMap<String, String>,
}

impl Slang {
    pub fn new(words: HashMap<String, String>) -> Self {
        Slang { words }
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Replaces slang words; the replacement's bytes map to the start of the word it replaced.
    pub fn apply(&self, folded: Folded) -> Folded {
        if self.words.is_empty() {
            return folded;
        }
        let src = &folded.text;
        let mut text = String::with_capacity(src.len());
        let mut offsets = Vec::with_capacity(folded.offsets.len());
        let mut changed = false;
        let mut i = 0;
        while i < src.len() {
            let c = src[i..].chars().next().expect("i is on a char boundary");
            if !is_word_char(c) {
                text.push(c);
                offsets.extend_from_slice(&folded.offsets[i..i + c.len_utf8()]);
                i += c.len_utf8();
                continue;
            }
            let end = src[i..]
                .char_indices()
                .find(|(_, c)| !is_word_char(*c))
                .map_or(src.len(), |(j, _)| i + j);
            let word = &src[i..end];
            match self.words.get(word) {
                Some(standard) => {
                    changed = true;
                    text.push_str(standard);
                    offsets.extend(std::iter::repeat_n(folded.offsets[i], standard.len()));
                }
                None => {
                    text.push_str(word);
                    offsets.extend_from_slice(&folded.offsets[i..end]);
                }
            }
            i = end;
        }
        if !changed {
            return folded;
        }
        offsets.push(*folded.offsets.last().expect("offsets end with the length"));
        Folded { text, offsets }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_and_spaces_with_a_map_back() {
        let input = "Jalan  RUSAK di Sempája\n\tparah";
        let f = fold(input);
        assert_eq!(f.text, "jalan rusak di sempaja parah");
        let start = f.text.find("sempaja").unwrap();
        let (s, e) = f.original_span(start, start + "sempaja".len());
        assert_eq!(&input[s..e], "Sempája");
        let start = f.text.find("parah").unwrap();
        let (s, e) = f.original_span(start, start + 5);
        assert_eq!(&input[s..e], "parah");
    }

    #[test]
    fn slang_is_replaced_and_still_maps_back() {
        let slang = Slang::new(HashMap::from([
            ("bnjir".to_string(), "banjir".to_string()),
            ("gak".to_string(), "tidak".to_string()),
        ]));
        let input = "Smd BNJIR lg, gak surut";
        let f = slang.apply(fold(input));
        assert_eq!(f.text, "smd banjir lg, tidak surut");
        let start = f.text.find("banjir").unwrap();
        let (s, e) = f.original_span(start, start + 6);
        assert_eq!(&input[s..e], "BNJIR");
        let start = f.text.find("surut").unwrap();
        let (s, e) = f.original_span(start, start + 5);
        assert_eq!(&input[s..e], "surut");
    }
}
