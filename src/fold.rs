//! Case and accent folding shared by every stage: lower case, accents and compatibility forms
//! removed, every run of white space one space, with a map from each folded byte back to the
//! original text.
//!
//! It sits below everything that compares text: the model's text hash
//! ([`crate::model::Post::text_hash`]), the store's duplicate-text key for representative posts, and the classifier, whose
//! normalizer (`classify::normalize`) adds links, hashtags, slang and emphasis on top of the
//! `Builder` here. What this module folds never depends on the keyword lists, so
//! stored hashes stay comparable across versions of the lists.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Text prepared for matching.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Folded {
    pub text: String,
    /// For every byte of `text`, the byte offset in the original where the character (or the
    /// rewritten word) it came from starts; one more entry for the end.
    offsets: Vec<u32>,
    /// For every byte of `text`, the byte offset in the original where that character (or
    /// rewritten word) ends, so a match ending inside a rewritten word ends with the word.
    ends: Vec<u32>,
    /// Byte spans of the words in `text`, in order: positions for NEAR and for stemming.
    pub words: Vec<(u32, u32)>,
    /// @mentions, without the @, as written.
    pub mentions: Vec<String>,
    pub urls: Vec<String>,
}

impl Folded {
    /// The original byte range of a folded byte range.
    pub fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        let last = self.offsets.len() - 1;
        let s = self.offsets[start.min(last)] as usize;
        let e = if end > start {
            self.ends[(end - 1).min(self.ends.len() - 1)] as usize
        } else {
            s
        };
        (s, e.max(s))
    }

    /// Empties the folded text, keeping the buffers' capacity.
    pub fn clear(&mut self) {
        self.text.clear();
        self.offsets.clear();
        self.ends.clear();
        self.words.clear();
        self.mentions.clear();
        self.urls.clear();
    }

    /// Index in `words` of the word holding byte `at` of `text` (or the next word).
    pub fn word_at(&self, at: usize) -> usize {
        self.words.partition_point(|&(_, end)| (end as usize) <= at)
    }

    /// Makes room for folding an input of `len` bytes without growing on the way.
    pub(crate) fn reserve(&mut self, len: usize) {
        self.text.reserve(len);
        self.offsets.reserve(len + 1);
        self.ends.reserve(len + 1);
    }
}

/// Whether `c` is part of a word for whole-word matching.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Folds text for hashing and de-duplication only: lower case, no accents, single spaces. It
/// never changes, so stored text hashes stay comparable across versions of the lists.
pub fn fold(input: &str) -> Folded {
    let mut folded = Folded::default();
    let mut out = Builder::new(&mut folded);
    for (pos, c) in input.char_indices() {
        out.push_folded(c, pos as u32);
    }
    out.finish(input.len());
    folded
}

/// Calls `emit` with each character of `input` folded as [`fold`] folds it (white space as
/// `' '`), without building offsets or words: for hashing, where only the characters count.
pub fn fold_chars(input: &str, mut emit: impl FnMut(char)) {
    for c in input.chars() {
        if c.is_whitespace() {
            emit(' ');
        } else if c.is_ascii() {
            emit(c.to_ascii_lowercase());
        } else {
            fold_char_parts(c, &mut emit);
        }
    }
}

/// The folded characters of a non-ASCII character: compatibility decomposition, combining
/// marks dropped, lower case, typographic quotes and dashes made plain, white space a space.
pub(crate) fn fold_char_parts(c: char, mut emit: impl FnMut(char)) {
    let mut parts: [char; 8] = ['\0'; 8];
    let mut n = 0;
    decompose_compatible(c, |d| {
        if !is_combining_mark(d) && n < parts.len() {
            parts[n] = d;
            n += 1;
        }
    });
    for &d in &parts[..n] {
        for lower in d.to_lowercase() {
            emit(match lower {
                '\u{2019}' | '\u{2018}' | '\u{02bc}' => '\'',
                '\u{201c}' | '\u{201d}' => '"',
                '\u{2013}' | '\u{2014}' => '-',
                ws if ws.is_whitespace() => ' ',
                other => other,
            });
        }
    }
}

/// Appends folded text to a [`Folded`], with its offset map and word spans.
pub(crate) struct Builder<'a> {
    f: &'a mut Folded,
    word_start: Option<u32>,
    last_space: bool,
}

impl<'a> Builder<'a> {
    pub(crate) fn new(f: &'a mut Folded) -> Builder<'a> {
        Builder {
            f,
            word_start: None,
            last_space: false,
        }
    }

    /// The text being built, for what is kept beside it (mentions, links).
    pub(crate) fn folded(&mut self) -> &mut Folded {
        self.f
    }

    /// Appends `c` as it is (already folded), mapping it to the original range `orig..end`.
    pub(crate) fn push(&mut self, c: char, orig: u32, end: u32) {
        if c == ' ' {
            if self.last_space {
                return;
            }
            self.last_space = true;
        } else {
            self.last_space = false;
        }
        let at = self.f.text.len() as u32;
        if is_word_char(c) {
            self.word_start.get_or_insert(at);
        } else if let Some(start) = self.word_start.take() {
            self.f.words.push((start, at));
        }
        self.f.text.push(c);
        self.f
            .offsets
            .extend(std::iter::repeat_n(orig, c.len_utf8()));
        self.f.ends.extend(std::iter::repeat_n(end, c.len_utf8()));
    }

    /// Appends a whole folded word with the original offset of each of its bytes.
    pub(crate) fn push_word(&mut self, word: &str, offs: &[u32], ends: &[u32]) {
        let at = self.f.text.len() as u32;
        let start = self.word_start.take().unwrap_or(at);
        self.last_space = false;
        self.f.text.push_str(word);
        self.f.offsets.extend_from_slice(offs);
        self.f.ends.extend_from_slice(ends);
        self.word_start = Some(start);
    }

    /// Appends the folded form of original character `c`.
    fn push_folded(&mut self, c: char, orig: u32) {
        let end = orig + c.len_utf8() as u32;
        if c.is_whitespace() {
            self.push(' ', orig, end);
        } else if c.is_ascii() {
            self.push(c.to_ascii_lowercase(), orig, end);
        } else {
            fold_char_parts(c, |lower| self.push(lower, orig, end));
        }
    }

    /// Closes the last word and the offset map.
    pub(crate) fn finish(mut self, input_len: usize) {
        if let Some(start) = self.word_start.take() {
            self.f.words.push((start, self.f.text.len() as u32));
        }
        self.f.offsets.push(input_len as u32);
        self.f.ends.push(input_len as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_maps_every_word_back_to_the_original() {
        let input = "Jalan  RUSAK di Sempája\n\tＢＡＮＪＩＲ";
        let f = fold(input);
        assert_eq!(f.text, "jalan rusak di sempaja banjir");
        let at = f.text.find("sempaja").unwrap();
        let (s, e) = f.original_span(at, at + "sempaja".len());
        assert_eq!(&input[s..e], "Sempája");
        assert_eq!(f.words.len(), 5);
        assert_eq!(f.word_at(at), 3);
    }

    #[test]
    fn fold_chars_emits_what_fold_folds() {
        for input in [
            "Sempája ﬁnal ＡＢＣ ⑴",
            "‘kutip’ “dua” – — ẞ İstanbul ǅ",
            "a\u{00a0}b",
        ] {
            let mut chars = String::new();
            fold_chars(input, |c| chars.push(c));
            let spaced: Vec<&str> = chars.split_whitespace().collect();
            let folded = fold(input);
            assert_eq!(spaced, folded.text.split_whitespace().collect::<Vec<_>>());
        }
    }
}
