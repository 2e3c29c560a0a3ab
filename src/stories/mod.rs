//! Stories: near-duplicate posts grouped into one. A press release syndicated by ten sites, or a
//! complaint pasted by twenty accounts, is one story with a wide spread, not thirty issues.
//!
//! A post's [`Fingerprint`] is a MinHash signature over the word pairs (bigrams) of its text:
//! [`HASHES`] minimum hash values, whose share of equal positions between two posts estimates
//! the Jaccard similarity of their bigram sets. Two posts are the same story when that estimate
//! is at least [`SAME_STORY`], or when their headlines (the outlet's name after " - " removed)
//! are the same words, five or more of them.
//!
//! Finding candidates without comparing against every story: the signature is cut into
//! [`BANDS`] bands of [`ROWS`] values; posts sharing one whole band are candidates (locality
//! sensitive hashing). With 16 bands of 3, a pair at similarity 0.5 shares a band with
//! probability 1 − (1 − 0.5³)¹⁶ ≈ 0.88, at 0.6 ≈ 0.97, at 0.7 ≈ 0.996; pairs below 0.3 rarely
//! do, and every candidate is checked against [`SAME_STORY`]. The store keeps the band keys of
//! each story ([`crate::store`]), so matching is a handful of index lookups per post.
//!
//! The threshold and its measured precision and recall are in docs/trends.md.

use xxhash_rust::xxh3::xxh3_64;

/// Values in a signature.
pub const HASHES: usize = BANDS * ROWS;
/// Bands a signature is cut into for candidate lookup.
pub const BANDS: usize = 16;
/// Values per band.
pub const ROWS: usize = 3;
/// Estimated Jaccard similarity of word pairs at and above which two posts are one story.
pub const SAME_STORY: f64 = 0.5;
/// A post joins only a story seen within this many hours of it: an old release quoted again a
/// month later is news again.
pub const STORY_WINDOW_HOURS: i64 = 72;
/// A headline needs this many words to identify a story on its own.
const TITLE_WORDS: usize = 5;
/// With fewer words than this in its text, a post's headline is read as part of its text.
const SHORT_TEXT_WORDS: usize = 8;
/// The band number that marks a headline key, beside bands 0..BANDS.
const TITLE_BAND: u64 = 0xff;

/// The multipliers and offsets of the hash family, fixed forever: signatures are stored, so
/// changing them would split every story in progress.
const PERMUTATIONS: [(u64, u64); HASHES] = permutations();

const fn permutations() -> [(u64, u64); HASHES] {
    // splitmix64 from a fixed seed.
    let mut state: u64 = 0x5041_4e54_4155_2021; // "PANTAU !"
    let mut out = [(0u64, 0u64); HASHES];
    let mut i = 0;
    while i < HASHES {
        let mut pair = [0u64; 2];
        let mut j = 0;
        while j < 2 {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            pair[j] = z ^ (z >> 31);
            j += 1;
        }
        out[i] = (pair[0] | 1, pair[1]);
        i += 1;
    }
    out
}

/// What a post's text looks like to the story matcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// [`HASHES`] minimum hash values.
    pub signature: Vec<u32>,
    /// The hash of the headline's words, when the headline is long enough to identify a story.
    pub title: Option<u64>,
}

impl Fingerprint {
    /// The fingerprint of a post; `None` for a post without words.
    pub fn of(title: Option<&str>, text: &str) -> Option<Fingerprint> {
        let title_words = title.map(|t| words(strip_outlet(t))).unwrap_or_default();
        let mut body = words(text);
        if body.len() < SHORT_TEXT_WORDS && !starts_with(&body, &title_words) {
            let mut joined = title_words.clone();
            joined.extend(body);
            body = joined;
        }
        if body.is_empty() {
            return None;
        }
        Some(Fingerprint {
            signature: minhash(&body),
            title: (title_words.len() >= TITLE_WORDS)
                .then(|| xxh3_64(title_words.join(" ").as_bytes())),
        })
    }

    /// The signature read back from its stored bytes (little-endian u32s).
    pub fn signature_from_bytes(bytes: &[u8]) -> Option<Vec<u32>> {
        (bytes.len() == HASHES * 4).then(|| {
            bytes
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        })
    }

    /// The signature as stored.
    pub fn signature_bytes(&self) -> Vec<u8> {
        self.signature
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect()
    }

    /// The lookup keys: one per band, and the headline's when there is one. Stored as SQLite
    /// integers, hence `i64`.
    pub fn keys(&self) -> Vec<i64> {
        let mut keys: Vec<i64> = self
            .signature
            .chunks_exact(ROWS)
            .enumerate()
            .map(|(band, rows)| {
                let mut bytes = [0u8; 8 + 4 * ROWS];
                bytes[..8].copy_from_slice(&(band as u64).to_le_bytes());
                for (i, v) in rows.iter().enumerate() {
                    bytes[8 + 4 * i..12 + 4 * i].copy_from_slice(&v.to_le_bytes());
                }
                xxh3_64(&bytes) as i64
            })
            .collect();
        if let Some(t) = self.title {
            keys.push(xxh3_64(&[TITLE_BAND.to_le_bytes(), t.to_le_bytes()].concat()) as i64);
        }
        keys
    }

    /// Estimated Jaccard similarity of the two posts' word pairs, 0 to 1.
    pub fn similarity(&self, other: &[u32]) -> f64 {
        if other.len() != self.signature.len() || other.is_empty() {
            return 0.0;
        }
        let same = self
            .signature
            .iter()
            .zip(other)
            .filter(|(a, b)| a == b)
            .count();
        same as f64 / other.len() as f64
    }

    /// Whether a story with `signature` and headline hash `title` is this post's story.
    pub fn same_story(&self, signature: &[u32], title: Option<u64>) -> bool {
        (self.title.is_some() && self.title == title) || self.similarity(signature) >= SAME_STORY
    }
}

/// Lower-case words of letters and digits; links are dropped (the same text shared with a
/// different link is the same story).
fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| !w.contains("://") && !w.starts_with("www."))
        .flat_map(|w| w.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn starts_with(body: &[String], head: &[String]) -> bool {
    !head.is_empty() && body.len() >= head.len() && body[..head.len()] == *head
}

/// A headline without the outlet's name that aggregators append ("… - Kaltim Post",
/// "… | Tribun Kaltim"): at most four words after the last separator.
fn strip_outlet(title: &str) -> &str {
    for sep in [" - ", " | ", " — ", " – "] {
        if let Some((head, tail)) = title.rsplit_once(sep)
            && tail.split_whitespace().count() <= 4
            && !head.trim().is_empty()
        {
            return head;
        }
    }
    title
}

/// MinHash over word bigrams (the single word of a one-word text).
fn minhash(words: &[String]) -> Vec<u32> {
    let hashes: Vec<u64> = words.iter().map(|w| xxh3_64(w.as_bytes())).collect();
    let shingles: Vec<u64> = if hashes.len() == 1 {
        hashes
    } else {
        hashes
            .windows(2)
            .map(|pair| xxh3_64(&[pair[0].to_le_bytes(), pair[1].to_le_bytes()].concat()))
            .collect()
    };
    PERMUTATIONS
        .iter()
        .map(|&(a, b)| {
            shingles
                .iter()
                .map(|&h| (a.wrapping_mul(h).wrapping_add(b) >> 32) as u32)
                .min()
                .unwrap_or(u32::MAX)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(text: &str) -> Fingerprint {
        Fingerprint::of(None, text).expect("has words")
    }

    #[test]
    fn copies_are_one_story_and_different_posts_are_not() {
        let a = fp(
            "Banjir kembali merendam Jalan DI Panjaitan Samarinda sejak pagi, warga minta drainase diperbaiki",
        );
        let copy = fp(
            "Banjir kembali merendam Jalan DI Panjaitan Samarinda sejak pagi, warga minta drainase diperbaiki #kaltim @pemkotsmd",
        );
        let other = fp("Harga cabai di Pasar Segiri Samarinda naik dua kali lipat sejak pagi");
        assert!(
            a.same_story(&copy.signature, copy.title),
            "{}",
            a.similarity(&copy.signature)
        );
        assert!(
            !a.same_story(&other.signature, other.title),
            "{}",
            a.similarity(&other.signature)
        );
        assert_eq!(a.similarity(&a.signature), 1.0);
    }

    #[test]
    fn headlines_identify_stories_without_the_outlet_name() {
        let a = Fingerprint::of(
            Some("Pemprov Kaltim salurkan bantuan untuk korban banjir Kutai Barat - Kaltim Post"),
            "Bantuan berupa sembako dan selimut diserahkan langsung oleh kepala BPBD.",
        )
        .unwrap();
        let b = Fingerprint::of(
            Some("Pemprov Kaltim Salurkan Bantuan untuk Korban Banjir Kutai Barat | Tribun Kaltim"),
            "SENDAWAR - Pemerintah provinsi menyalurkan bantuan kepada warga terdampak.",
        )
        .unwrap();
        assert!(a.same_story(&b.signature, b.title));
        assert_eq!(
            strip_outlet("Banjir - Samarinda - Kaltim Post"),
            "Banjir - Samarinda"
        );
    }

    #[test]
    fn keys_and_bytes_round_trip() {
        let a = fp("satu dua tiga empat lima enam tujuh delapan");
        assert_eq!(a.keys().len(), BANDS);
        assert_eq!(
            Fingerprint::signature_from_bytes(&a.signature_bytes()).as_deref(),
            Some(a.signature.as_slice())
        );
        assert!(Fingerprint::of(None, " ... ").is_none());
        // Fixed forever: a change here splits the stories stored by earlier versions.
        assert_eq!(
            fp("banjir samarinda").signature[0],
            fp("banjir samarinda").signature[0]
        );
        assert_eq!(PERMUTATIONS[0].0 & 1, 1);
    }
}
