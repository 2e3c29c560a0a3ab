//! The trained half of `konten-sara`: a binary logistic regression over the same hashed
//! features as the sentiment model (word unigrams and bigrams, character 3–5-grams of the
//! folded text: [`super::sentiment_model::features`]), saying how likely a post is SARA
//! provocation. It reads posts that attack a group without a slur next to the group word,
//! which the keyword rule misses.
//!
//! It never decides alone: a topic that names it (`model = "sara"` in its file) is tagged when
//! its keyword rule matches, or when the probability reaches the model's threshold AND the
//! topic's `model_requires` query (its religion, ethnic, race and group words) holds, so a
//! post that names no group is never tagged by the model ([`super::evaluate`]).
//!
//! Its weights are `models/sara.bin`, compiled into the binary and written by
//! `cargo run --release --example train_sara` (docs/quality.md), which also chooses the
//! threshold by cross-validation and stores it in the file. The model is trained on the
//! labelled tweets of Ibrohim & Budi (2019), CC BY-NC-SA 4.0, so the file is shared under that
//! licence (models/SARA-LICENSE.md).
//!
//! File format (little endian): `PANTAUSR`, then u32 version (1), u32 bits, f32 weight scale,
//! f32 bias, f32 threshold, then one i16 weight for each of the `2^bits` rows.

use std::sync::LazyLock;

use crate::fold::Folded;

use super::sentiment_model::features;

const MAGIC: &[u8; 8] = b"PANTAUSR";
const VERSION: u32 = 1;
const HEADER: usize = 8 + 4 + 4 + 4 * 3;

/// The shipped weights.
static SHIPPED: LazyLock<Model> = LazyLock::new(|| {
    Model::parse(include_bytes!("../../models/sara.bin"))
        .expect("models/sara.bin is a SARA model of this version")
});

/// The model compiled into the binary.
pub fn shipped() -> &'static Model {
    &SHIPPED
}

/// The names a topic file may give in `model = "..."`.
pub const NAMES: [&str; 1] = ["sara"];

/// Trained weights and the threshold chosen for them.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub bits: u32,
    /// What one unit of a quantised weight is worth.
    pub scale: f32,
    pub bias: f32,
    /// The probability from which the model counts (with a group word present).
    pub threshold: f32,
    pub rows: Vec<i16>,
}

/// The n-gram evidence of a document so far, summed over its fields.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Evidence {
    sum: i64,
    n: u32,
}

impl Model {
    /// Reads a model file, checking its header.
    pub fn parse(bytes: &[u8]) -> Result<Model, String> {
        if bytes.len() < HEADER || &bytes[..8] != MAGIC {
            return Err("not a Pantau SARA model".into());
        }
        let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
        let f32_at = |i: usize| f32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
        let (version, bits) = (u32_at(8), u32_at(12));
        if version != VERSION {
            return Err(format!(
                "model version {version}; this build reads version {VERSION}"
            ));
        }
        if !(10..=24).contains(&bits) {
            return Err(format!("hashing size 2^{bits} out of range"));
        }
        let (scale, bias, threshold) = (f32_at(16), f32_at(20), f32_at(24));
        let n = 1usize << bits;
        if bytes.len() != HEADER + n * 2 {
            return Err(format!(
                "{} bytes of weights, expected {}",
                bytes.len() - HEADER,
                n * 2
            ));
        }
        let rows = bytes[HEADER..]
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        Ok(Model {
            bits,
            scale,
            bias,
            threshold,
            rows,
        })
    }

    /// The file [`Model::parse`] reads.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER + self.rows.len() * 2);
        out.extend_from_slice(MAGIC);
        for v in [VERSION, self.bits] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [self.scale, self.bias, self.threshold] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for w in &self.rows {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// Adds the n-grams of one folded field to `ev`.
    pub fn read(&self, folded: &Folded, ev: &mut Evidence) {
        features(&folded.text, &folded.words, self.bits, |i| {
            ev.sum += i64::from(self.rows[i as usize]);
            ev.n += 1;
        });
    }

    /// The probability that the text is SARA provocation.
    pub fn probability(&self, ev: &Evidence) -> f64 {
        let norm = if ev.n == 0 {
            0.0
        } else {
            f64::from(self.scale) / f64::from(ev.n).sqrt()
        };
        sigmoid(f64::from(self.bias) + ev.sum as f64 * norm)
    }
}

pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_model_round_trips() {
        let m = shipped();
        assert_eq!(Model::parse(&m.to_bytes()).as_ref(), Ok(m));
        assert!(Model::parse(b"PANTAUSR").is_err());
        assert!((0.0..1.0).contains(&m.threshold));
    }

    #[test]
    fn no_text_is_the_bias() {
        let m = shipped();
        let p = m.probability(&Evidence::default());
        assert!((p - sigmoid(f64::from(m.bias))).abs() < 1e-12);
    }
}
