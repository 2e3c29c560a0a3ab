//! Preparing text for matching. The [`Normalizer`] turns what people write into what the lists
//! match on, keeping a map back to the original's byte offsets so that every match is reported
//! on the words the user actually wrote (`--explain`, the JSON `start`/`end`):
//!
//! 1. links and @mentions are taken out of the text (kept as fields of their own);
//! 2. hashtags become words: `#BanjirSamarinda` and `#banjirsamarinda` → `banjir samarinda`
//!    (camel case, or the lists' own vocabulary for lower-case tags);
//! 3. compatibility folding (NFKD: full-width letters, ligatures), accents removed, lower case,
//!    every run of white space one space — the characters as [`crate::fold`] folds them, into
//!    its [`Folded`] with the offset map;
//! 4. per word: letters repeated for emphasis squeezed (`bannnjiiir` → `banjir`: runs of three
//!    or more become one), reduplication with 2 expanded (`jalan2` → `jalan jalan`), and
//!    informal spellings replaced from `keywords/slang.toml` (`gk` → `tidak`, `jln` → `jalan`).

use std::collections::{HashMap, HashSet};

pub use crate::fold::Folded;
use crate::fold::{Builder, fold_char_parts, is_word_char};

/// The rules of folding, with the analysts' slang and vocabulary.
#[derive(Debug, Clone, Default)]
pub struct Normalizer {
    /// A fast hasher: the map is looked up for every word of every post.
    slang: rustc_hash::FxHashMap<String, String>,
    /// Words the lists know, for splitting lower-case hashtags.
    vocabulary: rustc_hash::FxHashSet<String>,
    longest_word: usize,
}

impl Normalizer {
    pub fn new(slang: HashMap<String, String>, vocabulary: HashSet<String>) -> Normalizer {
        let longest_word = vocabulary.iter().map(|w| w.len()).max().unwrap_or(0);
        Normalizer {
            slang: slang.into_iter().collect(),
            vocabulary: vocabulary.into_iter().collect(),
            longest_word,
        }
    }

    /// Folds a keyword term the way text is folded, trimmed.
    pub fn term(&self, term: &str) -> String {
        // An analyst's term is spelled as meant: a tripled letter in it (PPPK) is not emphasis.
        let mut out = Folded::default();
        self.fold_with(term, &mut out, false);
        out.text.trim().to_string()
    }

    /// Folds `input` for matching, in one pass: structure (links, mentions, hashtags),
    /// characters, and words as they complete.
    pub fn fold(&self, input: &str) -> Folded {
        let mut out = Folded::default();
        self.fold_into(input, &mut out);
        out
    }

    /// [`Normalizer::fold`] into `out`, reusing its buffers (the classifier folds every post
    /// into the same ones).
    pub fn fold_into(&self, input: &str, out: &mut Folded) {
        self.fold_with(input, out, true);
    }

    fn fold_with(&self, input: &str, out: &mut Folded, squeeze: bool) {
        out.clear();
        out.reserve(input.len());
        let mut st = WordState {
            out: Builder::new(out),
            word: String::with_capacity(32),
            word_offs: Vec::with_capacity(32),
            word_ends: Vec::with_capacity(32),
            key: String::new(),
            squeeze,
        };
        let mut iter = input.char_indices().peekable();
        let mut prev_word = false;
        while let Some((pos, c)) = iter.next() {
            if !prev_word {
                let rest = &input[pos..];
                if matches!(c, 'h' | 'H' | 'w' | 'W') && starts_link(rest) {
                    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                    self.flush(&mut st);
                    st.out.folded().urls.push(
                        rest[..end]
                            .trim_end_matches(['.', ',', ')', '!', '?'])
                            .to_string(),
                    );
                    st.out.push(' ', pos as u32, pos as u32);
                    skip_to(&mut iter, pos + end);
                    continue;
                }
                if c == '@' || c == '#' {
                    let body_len = rest[1..]
                        .find(|ch: char| !(is_word_char(ch) || ch == '_'))
                        .unwrap_or(rest.len() - 1);
                    if body_len > 0 {
                        let body = &rest[1..1 + body_len];
                        let body_start = pos + 1;
                        self.flush(&mut st);
                        if c == '@' {
                            st.out.folded().mentions.push(body.to_string());
                            st.out.push(' ', pos as u32, pos as u32);
                        } else {
                            st.out.push(' ', pos as u32, pos as u32);
                            for (k, (from, to)) in self.split_hashtag(body).into_iter().enumerate()
                            {
                                if k > 0 {
                                    self.flush(&mut st);
                                    st.out.push(
                                        ' ',
                                        (body_start + from) as u32,
                                        (body_start + from) as u32,
                                    );
                                }
                                for (j, ch) in body[from..to].char_indices() {
                                    self.fold_char(ch, (body_start + from + j) as u32, &mut st);
                                }
                            }
                            self.flush(&mut st);
                            st.out.push(
                                ' ',
                                (body_start + body_len) as u32,
                                (body_start + body_len) as u32,
                            );
                        }
                        skip_to(&mut iter, body_start + body_len);
                        continue;
                    }
                }
            }
            self.fold_char(c, pos as u32, &mut st);
            prev_word = is_word_char(c);
        }
        self.flush(&mut st);
        st.out.finish(input.len());
    }

    /// Splits a hashtag body into byte ranges of words: at `_`, at lower→upper and
    /// letter↔digit changes (`BanjirSamarinda2024`), and an all-lower-case tag into words of
    /// the vocabulary when it splits into them entirely (`banjirsamarinda`).
    fn split_hashtag(&self, body: &str) -> Vec<(usize, usize)> {
        let mut parts = Vec::new();
        let mut start = 0;
        let mut prev: Option<char> = None;
        for (i, c) in body.char_indices() {
            let boundary = match prev {
                None => false,
                Some(p) => {
                    c == '_'
                        || p == '_'
                        || (p.is_lowercase() && c.is_uppercase())
                        || (p.is_alphabetic() && c.is_numeric())
                        || (p.is_numeric() && c.is_alphabetic())
                }
            };
            if boundary {
                if start < i && &body[start..i] != "_" {
                    parts.push((start, i));
                }
                start = if c == '_' { i + 1 } else { i };
            }
            prev = Some(c);
        }
        if start < body.len() {
            parts.push((start, body.len()));
        }
        // One lower-case chunk: try the vocabulary.
        if parts.len() == 1
            && body.chars().all(|c| c.is_lowercase())
            && let Some(words) = self.segment(body)
        {
            return words;
        }
        parts
    }

    /// Splits `text` entirely into vocabulary words, fewest words first; None when it cannot.
    fn segment(&self, text: &str) -> Option<Vec<(usize, usize)>> {
        if self.vocabulary.is_empty() || !text.is_ascii() || text.len() > 60 {
            return None;
        }
        let n = text.len();
        // best[i]: fewest words covering text[..i], and where the last word starts.
        let mut best: Vec<Option<(usize, usize)>> = vec![None; n + 1];
        best[0] = Some((0, 0));
        for end in 1..=n {
            for start in end.saturating_sub(self.longest_word)..end {
                if let Some((count, _)) = best[start]
                    && self.vocabulary.contains(&text[start..end])
                    && best[end].is_none_or(|(c, _)| count + 1 < c)
                {
                    best[end] = Some((count + 1, start));
                }
            }
        }
        let (count, _) = best[n]?;
        if count < 2 {
            return None;
        }
        let mut words = Vec::with_capacity(count);
        let mut end = n;
        while end > 0 {
            let (_, start) = best[end].expect("a covered prefix has a last word");
            words.push((start, end));
            end = start;
        }
        words.reverse();
        Some(words)
    }

    /// Folds one original character: word characters gather into the current word, anything
    /// else ends it.
    fn fold_char(&self, c: char, orig: u32, st: &mut WordState) {
        let orig_end = orig + c.len_utf8() as u32;
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                st.word.push(c.to_ascii_lowercase());
                st.word_offs.push(orig);
                st.word_ends.push(orig_end);
            } else {
                self.flush(st);
                // A hyphen joins the parts of one expression ("jalan-jalan", "Sanga-Sanga",
                // "rumah-rumah warga"): as a space, phrases match across it either way.
                st.out.push(
                    if c.is_ascii_whitespace() || c == '-' {
                        ' '
                    } else {
                        c
                    },
                    orig,
                    orig_end,
                );
            }
            return;
        }
        if c.is_whitespace() {
            self.flush(st);
            st.out.push(' ', orig, orig_end);
            return;
        }
        fold_char_parts(c, |lower| {
            if is_word_char(lower) {
                st.word.push(lower);
                st.word_offs
                    .extend(std::iter::repeat_n(orig, lower.len_utf8()));
                st.word_ends
                    .extend(std::iter::repeat_n(orig_end, lower.len_utf8()));
            } else {
                self.flush(st);
                let c = if lower == '-' { ' ' } else { lower };
                st.out.push(c, orig, orig_end);
            }
        });
    }

    /// Ends the current word: squeezing, reduplication, slang, then into the output.
    fn flush(&self, st: &mut WordState) {
        if st.word.is_empty() {
            return;
        }
        let bytes = st.word.as_bytes();
        // A word the lists spell with a tripled letter (PPPK, the government contract staff) is
        // an acronym, not emphasis.
        let triple = st.squeeze
            && (bytes
                .windows(3)
                .any(|w| w[0] == w[1] && w[1] == w[2] && w[0].is_ascii_alphabetic())
                || (!st.word.is_ascii() && has_triple(&st.word)))
            && !self.vocabulary.contains(st.word.as_str());
        // jalan2 → jalan jalan: a word of at least two letters followed by the digit 2.
        let twice = bytes.len() >= 3
            && bytes[bytes.len() - 1] == b'2'
            && st.word[..st.word.len() - 1]
                .chars()
                .all(char::is_alphabetic);
        if !triple && !twice && !self.slang.contains_key(st.word.as_str()) {
            st.out.push_word(&st.word, &st.word_offs, &st.word_ends);
        } else {
            if triple {
                squeeze(&st.word, &mut st.key);
            } else {
                st.key.clear();
                st.key.push_str(&st.word);
            }
            let base = if twice {
                &st.key[..st.key.len() - 1]
            } else {
                st.key.as_str()
            };
            let word = self.slang.get(base).map_or(base, String::as_str);
            // The rewritten word maps to the start of the word it replaced.
            let start = st.word_offs[0];
            let end = *st.word_ends.last().expect("a word has bytes");
            for k in 0..(1 + twice as usize) {
                if k > 0 {
                    st.out.push(' ', start, end);
                }
                for c in word.chars() {
                    st.out.push(c, start, end);
                }
            }
        }
        st.word.clear();
        st.word_offs.clear();
        st.word_ends.clear();
    }
}

/// Scratch space of one fold.
struct WordState<'a> {
    out: Builder<'a>,
    /// The current word, folded, and the original start and end of each of its bytes.
    word: String,
    word_offs: Vec<u32>,
    word_ends: Vec<u32>,
    key: String,
    /// Whether letters repeated for emphasis are squeezed (in posts, not in terms).
    squeeze: bool,
}

/// Whether a letter repeats three times in a row.
fn has_triple(word: &str) -> bool {
    let mut run = 0;
    let mut last = '\0';
    for c in word.chars() {
        run = if c == last { run + 1 } else { 1 };
        last = c;
        if run >= 3 && c.is_alphabetic() {
            return true;
        }
    }
    false
}

/// Letters repeated three or more times become one (`bannnjiiir` → `banjir`); digits stay.
fn squeeze(word: &str, out: &mut String) {
    out.clear();
    let chars: Vec<char> = word.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut j = i;
        while j < chars.len() && chars[j] == c {
            j += 1;
        }
        let run = j - i;
        if run >= 3 && c.is_alphabetic() {
            out.push(c);
        } else {
            out.extend(std::iter::repeat_n(c, run));
        }
        i = j;
    }
}

fn starts_link(rest: &str) -> bool {
    let head = rest.get(..8).unwrap_or(rest).to_ascii_lowercase();
    head.starts_with("http://") || head.starts_with("https://") || head.starts_with("www.")
}

fn skip_to(iter: &mut std::iter::Peekable<std::str::CharIndices<'_>>, to: usize) {
    while iter.peek().is_some_and(|(p, _)| *p < to) {
        iter.next();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fold::fold;

    fn normalizer() -> Normalizer {
        Normalizer::new(
            HashMap::from([
                ("bnjir".to_string(), "banjir".to_string()),
                ("gak".to_string(), "tidak".to_string()),
                ("smd".to_string(), "samarinda".to_string()),
            ]),
            ["banjir", "samarinda", "jalan", "rusak"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        )
    }

    fn spans_back(f: &Folded, input: &str, word: &str) -> String {
        let start = f
            .text
            .find(word)
            .unwrap_or_else(|| panic!("{word} in {:?}", f.text));
        let (s, e) = f.original_span(start, start + word.len());
        input[s..e].to_string()
    }

    #[test]
    fn folds_case_accents_and_spaces_with_a_map_back() {
        let input = "Jalan  RUSAK di Sempája\n\tparah";
        let f = normalizer().fold(input);
        assert_eq!(f.text, "jalan rusak di sempaja parah");
        assert_eq!(spans_back(&f, input, "sempaja"), "Sempája");
        assert_eq!(spans_back(&f, input, "parah"), "parah");
        assert_eq!(f.words.len(), 5);
        assert_eq!(fold(input).text, "jalan rusak di sempaja parah");
    }

    #[test]
    fn compatibility_forms_fold() {
        let input = "ＢＡＮＪＩＲ ﬁlm ①";
        let f = normalizer().fold(input);
        assert_eq!(f.text, "banjir film 1");
        assert_eq!(spans_back(&f, input, "banjir"), "ＢＡＮＪＩＲ");
    }

    #[test]
    fn slang_squeezing_and_reduplication() {
        let n = normalizer();
        let input = "Smd BNJIR lg, gak surut. Bannnjiiir!! jalan2 rusak, maaf";
        let f = n.fold(input);
        assert_eq!(
            f.text,
            "samarinda banjir lg, tidak surut. banjir!! jalan jalan rusak, maaf"
        );
        assert_eq!(spans_back(&f, input, "banjir lg"), "BNJIR lg");
        assert_eq!(spans_back(&f, input, "banjir!!"), "Bannnjiiir!!");
        assert_eq!(spans_back(&f, input, "jalan jalan"), "jalan2");
        assert_eq!(spans_back(&f, input, "surut"), "surut");
    }

    #[test]
    fn hashtags_mentions_and_links() {
        let n = normalizer();
        let input = "Air naik #BanjirSamarinda #banjirsamarinda #kaltim2024 cc @BPBD_Smd lihat https://x.example/a?b=1.";
        let f = n.fold(input);
        assert_eq!(
            f.text,
            "air naik banjir samarinda banjir samarinda kaltim 2024 cc lihat "
        );
        assert_eq!(f.mentions, ["BPBD_Smd"]);
        assert_eq!(f.urls, ["https://x.example/a?b=1"]);
        assert_eq!(spans_back(&f, input, "banjir samarinda"), "BanjirSamarinda");
        // An unknown lower-case tag stays one word.
        assert_eq!(n.fold("#infokalteng").text, " infokalteng ");
        // Inside a word, # and @ are not tags.
        assert_eq!(n.fold("C# a@b").text, "c# a@b");
    }

    #[test]
    fn a_match_ending_inside_a_rewritten_word_ends_with_it() {
        let n = normalizer();
        let input = "jalan2 rusak, smd";
        let f = n.fold(input);
        assert_eq!(f.text, "jalan jalan rusak, samarinda");
        // "jalan" (the first of the two) covers the whole "jalan2".
        assert_eq!(f.original_span(0, 5), (0, 6));
        assert_eq!(spans_back(&f, input, "samarinda"), "smd");
        let f = n.fold("ﬁlm");
        assert_eq!(f.original_span(0, 1), (0, 3));
    }

    #[test]
    fn word_positions() {
        let f = normalizer().fold("satu dua, tiga");
        assert_eq!(f.words, [(0, 4), (5, 8), (10, 14)]);
        assert_eq!(f.word_at(0), 0);
        assert_eq!(f.word_at(6), 1);
        assert_eq!(f.word_at(10), 2);
    }
}
