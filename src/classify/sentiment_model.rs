//! The trained half of sentiment: a linear model (multinomial logistic regression) over hashed
//! word unigrams, word bigrams and character 3–5-grams of the text as the classifier folds it
//! (slang expanded, emphasis squeezed: [`super::normalize`]), plus four features of the
//! lexicon's score ([`super::sentiment`]), so the model learns how far to trust the lexicon.
//!
//! The lexicon stays the explainable part (`--explain` lists its words); the model reads what
//! the lexicon misses: complaints without a listed word ("sudah tiga hari belum datang juga"),
//! praise with a negator, sarcasm the n-grams have seen. Its weights are `models/sentiment.bin`,
//! compiled into the binary and written by `cargo run --release --example train_sentiment`
//! (docs/quality.md), which uses the functions here, so training and inference compute the
//! same features from the same code.
//!
//! Inference is deterministic and allocation-free: every n-gram is hashed (a fixed FNV-1a
//! variant, no per-process seed) into a table of `2^bits` rows of three quantised weights, and
//! the rows are summed as the folded field is read. A document's features are counts scaled
//! by `1/sqrt(n)` (n: the number of n-grams in all its fields), so a long article does not get
//! more extreme probabilities than a comment for saying the same thing.
//!
//! File format (little endian): `PANTAUSM`, then u32 version (1), u32 bits, u32 classes (3:
//! positive, neutral, negative), u32 lexicon features (4), f32 weight scale, f32 bias ×3,
//! f32 lexicon weights ×4×3, then i16 weights ×3 for each of the `2^bits` rows.

use std::cell::RefCell;
use std::sync::LazyLock;

use crate::fold::Folded;

/// The classes in the model's order: the labels of the training corpus.
pub const CLASSES: [&str; 3] = ["positive", "neutral", "negative"];
pub const POSITIVE: usize = 0;
pub const NEUTRAL: usize = 1;
pub const NEGATIVE: usize = 2;
/// How many features describe the lexicon's score ([`lexicon_features`]).
pub const LEXICON_FEATURES: usize = 4;
/// Character n-grams are taken from at most this many bytes of a word: a longer "word" is a
/// code or a run of glued words and would only add noise and time.
const MAX_WORD: usize = 24;
const MAGIC: &[u8; 8] = b"PANTAUSM";
const VERSION: u32 = 1;
const HEADER: usize = 8 + 4 * 4 + 4 + 4 * 3 + 4 * LEXICON_FEATURES * 3;

/// The shipped weights.
static SHIPPED: LazyLock<Model> = LazyLock::new(|| {
    Model::parse(include_bytes!("../../models/sentiment.bin"))
        .expect("models/sentiment.bin is a sentiment model of this version")
});

/// The model compiled into the binary.
pub fn shipped() -> &'static Model {
    &SHIPPED
}

/// Trained weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub bits: u32,
    /// What one unit of a quantised weight is worth.
    pub scale: f32,
    pub bias: [f32; 3],
    pub lexicon: [[f32; 3]; LEXICON_FEATURES],
    pub rows: Vec<[i16; 3]>,
}

/// The n-gram evidence of a document so far, summed over its fields.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Evidence {
    sums: [i64; 3],
    n: u32,
}

impl Evidence {
    fn add_all(&mut self, other: Evidence) {
        for (total, s) in self.sums.iter_mut().zip(other.sums) {
            *total += s;
        }
        self.n += other.n;
    }
}

impl Model {
    /// Reads a model file, checking its header.
    pub fn parse(bytes: &[u8]) -> Result<Model, String> {
        if bytes.len() < HEADER || &bytes[..8] != MAGIC {
            return Err("not a Pantau sentiment model".into());
        }
        let mut at = 8;
        let mut u32_at = || {
            let v = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
            at += 4;
            v
        };
        let (version, bits, classes, lexicon) = (u32_at(), u32_at(), u32_at(), u32_at());
        if version != VERSION || classes != 3 || lexicon as usize != LEXICON_FEATURES {
            return Err(format!(
                "model version {version} with {classes} classes and {lexicon} lexicon \
                 features; this build reads version {VERSION}, 3 and {LEXICON_FEATURES}"
            ));
        }
        if !(10..=24).contains(&bits) {
            return Err(format!("hashing size 2^{bits} out of range"));
        }
        let f32_at = |i: usize| f32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
        let scale = f32_at(at);
        at += 4;
        let mut bias = [0.0; 3];
        for b in &mut bias {
            *b = f32_at(at);
            at += 4;
        }
        let mut lex = [[0.0; 3]; LEXICON_FEATURES];
        for row in &mut lex {
            for w in row.iter_mut() {
                *w = f32_at(at);
                at += 4;
            }
        }
        let n = 1usize << bits;
        if bytes.len() != at + n * 6 {
            return Err(format!(
                "{} bytes of weights, expected {}",
                bytes.len() - at,
                n * 6
            ));
        }
        let rows = bytes[at..]
            .chunks_exact(6)
            .map(|c| {
                [
                    i16::from_le_bytes([c[0], c[1]]),
                    i16::from_le_bytes([c[2], c[3]]),
                    i16::from_le_bytes([c[4], c[5]]),
                ]
            })
            .collect();
        Ok(Model {
            bits,
            scale,
            bias,
            lexicon: lex,
            rows,
        })
    }

    /// The file [`Model::parse`] reads.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER + self.rows.len() * 6);
        out.extend_from_slice(MAGIC);
        for v in [VERSION, self.bits, 3, LEXICON_FEATURES as u32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&self.scale.to_le_bytes());
        for b in self.bias {
            out.extend_from_slice(&b.to_le_bytes());
        }
        for row in &self.lexicon {
            for w in row {
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
        for row in &self.rows {
            for w in row {
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
        out
    }

    /// Adds the n-grams of one folded field to `ev`: the same sums as adding every row
    /// [`features`] names. A word's own rows (its unigram and character n-grams) depend on the
    /// word alone, so the shipped model's reading keeps their sums per thread for the words it
    /// has met ([`WordSums`]): the common words of a language are most of its text, and their
    /// rows are random reads in a table larger than a core's cache.
    pub fn read(&self, folded: &Folded, ev: &mut Evidence) {
        if !std::ptr::eq(self, shipped()) {
            return features(&folded.text, &folded.words, self.bits, |i| self.add(i, ev));
        }
        WORD_SUMS.with(|cache| {
            let mut cache = cache.borrow_mut();
            let bytes = folded.text.as_bytes();
            let mut prev: Option<u64> = None;
            for &(s, e) in &folded.words {
                let word = &bytes[s as usize..e as usize];
                let h = word_hash(word);
                if let Some(p) = prev {
                    self.add(bigram_row(p, h, self.bits), ev);
                }
                prev = Some(h);
                ev.add_all(cache.get(word, h, self));
            }
        });
    }

    fn add(&self, i: u32, ev: &mut Evidence) {
        let row = &self.rows[i as usize];
        ev.sums[0] += i64::from(row[0]);
        ev.sums[1] += i64::from(row[1]);
        ev.sums[2] += i64::from(row[2]);
        ev.n += 1;
    }

    /// The probability of each class ([`CLASSES`]) given the evidence and the lexicon's score.
    pub fn predict(&self, ev: &Evidence, lexicon_score: f64) -> [f64; 3] {
        let norm = if ev.n == 0 {
            0.0
        } else {
            f64::from(self.scale) / f64::from(ev.n).sqrt()
        };
        let lex = lexicon_features(lexicon_score);
        let mut logits = [0.0f64; 3];
        for (k, logit) in logits.iter_mut().enumerate() {
            *logit = f64::from(self.bias[k]) + ev.sums[k] as f64 * norm;
            for (j, x) in lex.iter().enumerate() {
                *logit += f64::from(self.lexicon[j][k]) * f64::from(*x);
            }
        }
        softmax(logits)
    }
}

/// Turns logits into probabilities.
pub fn softmax(logits: [f64; 3]) -> [f64; 3] {
    let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e = logits.map(|l| (l - max).exp());
    let sum: f64 = e.iter().sum();
    e.map(|x| x / sum)
}

/// The lexicon's score as the model sees it: scaled and clipped, and whether it says positive,
/// negative, or strongly negative.
pub fn lexicon_features(score: f64) -> [f32; LEXICON_FEATURES] {
    let b = |c: bool| if c { 1.0 } else { 0.0 };
    [
        (score.clamp(-4.0, 4.0) / 4.0) as f32,
        b(score >= 1.0),
        b(score <= -1.0),
        b(score <= -2.0),
    ]
}

/// Whether a labelled text belongs to the held-out fifth that training never sees: FNV-1a
/// (64 bit) of its UTF-8 bytes, modulo 5, is 0. `scripts/quality.py` splits the same way.
pub fn is_held_out(text: &str) -> bool {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h.is_multiple_of(5)
}

const PRIME: u64 = 0x0000_0100_0000_01b3;
const SEED_WORD: u64 = 0xcbf2_9ce4_8422_2325;
const SEED_BIGRAM: u64 = 0x9e37_79b9_7f4a_7c15;
const SEED_CHAR: u64 = 0x6a09_e667_f3bc_c908;

#[inline]
fn step(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(PRIME)
}

/// The row of a hash: its top bits after a final mix (FNV's low bits are weak).
#[inline]
fn row(h: u64, bits: u32) -> u32 {
    let h = (h ^ (h >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    (h >> (64 - bits)) as u32
}

/// Calls `emit` with the row of every feature of a folded field, in order: per word its
/// unigram, its bigram with the word before, and the character 3-, 4- and 5-grams of the word
/// with `<` and `>` marking its start and end. `words` are the byte spans of the words in
/// `text` ([`Folded::words`]).
pub fn features(text: &str, words: &[(u32, u32)], bits: u32, mut emit: impl FnMut(u32)) {
    let bytes = text.as_bytes();
    let mut prev: Option<u64> = None;
    for &(s, e) in words {
        let word = &bytes[s as usize..e as usize];
        let h = word_hash(word);
        emit(row(h, bits));
        if let Some(p) = prev {
            emit(bigram_row(p, h, bits));
        }
        prev = Some(h);
        char_grams(word, bits, &mut emit);
    }
}

fn word_hash(word: &[u8]) -> u64 {
    word.iter().fold(SEED_WORD, |h, &b| step(h, b))
}

fn bigram_row(prev: u64, h: u64, bits: u32) -> u32 {
    row(
        (prev.rotate_left(23) ^ h ^ SEED_BIGRAM).wrapping_mul(PRIME),
        bits,
    )
}

/// The rows that depend on one word alone: its unigram (`h` is its [`word_hash`]) and its
/// character n-grams.
fn word_rows(word: &[u8], h: u64, bits: u32, emit: &mut impl FnMut(u32)) {
    emit(row(h, bits));
    char_grams(word, bits, emit);
}

/// The character 3-, 4- and 5-grams of the word's first [`MAX_WORD`] bytes with `<` and `>`
/// marking its start and end.
fn char_grams(word: &[u8], bits: u32, emit: &mut impl FnMut(u32)) {
    let word = &word[..word.len().min(MAX_WORD)];
    // The word with its boundary marks, without building it.
    let len = word.len() + 2;
    let at = |i: usize| {
        if i == 0 {
            b'<'
        } else if i == len - 1 {
            b'>'
        } else {
            word[i - 1]
        }
    };
    for start in 0..len.saturating_sub(2) {
        let mut h = SEED_CHAR;
        for k in 0..5.min(len - start) {
            h = step(h, at(start + k));
            if k >= 2 {
                emit(row(h, bits));
            }
        }
    }
}

/// Words this long or shorter have their rows' sums kept ([`WordSums`]); longer ones are rare
/// and read each time.
const KEPT_WORD: usize = 30;
/// How many words one thread keeps: a direct-mapped table of 64-byte slots (256 KiB).
const KEPT_WORDS: usize = 4096;

thread_local! {
    static WORD_SUMS: RefCell<WordSums> = RefCell::new(WordSums::default());
}

/// The shipped model's sums of each word's own rows, by word, for the words a thread met
/// last: a slot per word hash, overwritten by the next word that falls on it. A slot holds
/// the word itself, so a hit is that word, never another with the same hash.
struct WordSums {
    slots: Vec<Slot>,
}

#[derive(Clone, Copy)]
#[repr(align(64))]
struct Slot {
    len: u8,
    word: [u8; KEPT_WORD],
    /// The word's own rows summed (`n` 0: an empty slot; a word has at least two rows).
    rows: Evidence,
}

const _: () = assert!(
    std::mem::size_of::<Slot>() == 64,
    "a slot is one cache line"
);

impl Default for WordSums {
    fn default() -> WordSums {
        let empty = Slot {
            len: 0,
            word: [0; KEPT_WORD],
            rows: Evidence::default(),
        };
        WordSums {
            slots: vec![empty; KEPT_WORDS],
        }
    }
}

impl WordSums {
    /// `word`'s own rows in `model`, summed (`h`: its [`word_hash`]).
    fn get(&mut self, word: &[u8], h: u64, model: &Model) -> Evidence {
        let read = || {
            let mut ev = Evidence::default();
            word_rows(word, h, model.bits, &mut |i| model.add(i, &mut ev));
            ev
        };
        if word.len() > KEPT_WORD {
            return read();
        }
        let slot = &mut self.slots[(h >> 52) as usize % KEPT_WORDS];
        if slot.rows.n == 0 || &slot.word[..usize::from(slot.len)] != word {
            slot.rows = read();
            slot.len = word.len() as u8;
            slot.word[..word.len()].copy_from_slice(word);
        }
        slot.rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_fixed() {
        let folded = crate::fold::fold("jalan rusak");
        let mut got = Vec::new();
        features(&folded.text, &folded.words, 18, |i| got.push(i));
        // "jalan": unigram, 5 + 4 + 3 char grams of "<jalan>"; "rusak": the same and a bigram.
        assert_eq!(got.len(), 2 * (1 + 12) + 1);
        let mut again = Vec::new();
        features(&folded.text, &folded.words, 18, |i| again.push(i));
        assert_eq!(got, again);
        assert!(got.iter().all(|&i| i < 1 << 18));
    }

    /// Every row [`features`] names, summed without the kept words' sums.
    fn read_plainly(m: &Model, folded: &Folded) -> Evidence {
        let mut ev = Evidence::default();
        features(&folded.text, &folded.words, m.bits, |i| m.add(i, &mut ev));
        ev
    }

    #[test]
    fn the_kept_word_sums_read_the_same_evidence() {
        let m = shipped();
        let long = "a".repeat(KEPT_WORD) + "b";
        let mut texts = vec![
            "jalan rusak di sempaja, jalan rusak lagi!".to_string(),
            "Warga mengeluh banjir tiga hari belum surut juga".to_string(),
            format!("{long} {} {long}", &long[..KEPT_WORD]),
            "é ü 漢字 #banjir @warga".to_string(),
        ];
        // More words than the table has slots, so slots are overwritten by other words.
        texts.push((0..3 * KEPT_WORDS).map(|i| format!("kata{i} ")).collect());
        for round in 0..2 {
            for text in &texts {
                let folded = crate::fold::fold(text);
                let mut ev = Evidence::default();
                m.read(&folded, &mut ev);
                assert_eq!(ev, read_plainly(m, &folded), "round {round}: {text:.40}");
            }
        }
    }

    #[test]
    fn shipped_model_round_trips() {
        let m = shipped();
        assert_eq!(Model::parse(&m.to_bytes()).as_ref(), Ok(m));
        assert!(Model::parse(b"PANTAUSM").is_err());
    }
}
