//! The language of a post whose source states none, and which languages are counted.
//!
//! The pipeline ([`crate::engine::pipeline::tag`]) calls [`detect`] before classifying, so the
//! stored `lang`, the `lang:` filters of topic queries and of `pantau search`, and the counting
//! rule of [`Languages`] all read the same value. The rule, in order:
//!
//! 1. Links, `@mentions` and `#hashtags` are left out, and a text of fewer than
//!    [`MIN_WORDS`] words stays undetected (`None`): a few words give no reliable answer, and
//!    an undetected post is counted like an Indonesian one. Only the first [`MAX_WORDS`]
//!    words are read.
//! 2. `whatlang` (69 languages, every script) names a language other than Indonesian,
//!    Javanese, Tagalog and English when it is sure of it (`is_reliable`): Arabic, Korean,
//!    Chinese and the like.
//! 3. Javanese when `whatlang` says so reliably with a confidence of at least
//!    [`JAVANESE_CONFIDENCE`]; informal Jakarta Indonesian (*gue*, *kalo*, *ngerjain*) often
//!    looks Javanese to it, so a weaker answer is not taken.
//! 4. Otherwise `lingua`, among Indonesian, Malay and English only: English when it leads,
//!    Malay only when its confidence is at least [`MALAY_CONFIDENCE`] (the two languages share
//!    most words, and a Malay guess takes an Indonesian post out of the counts), else
//!    Indonesian.
//!
//! docs/quality.md gives the accuracy of this rule and the command that measures it.

use std::sync::LazyLock;

use lingua::{Language, LanguageDetector, LanguageDetectorBuilder};

pub use crate::model::Languages;

/// Texts with fewer words than this stay undetected.
pub const MIN_WORDS: usize = 5;

/// The words read at most: a language shows in its first sentences, and both detectors cost
/// time in proportion to the text (a 10,000-character article took about 5 ms whole).
pub const MAX_WORDS: usize = 64;

/// The least `lingua` confidence (0–1) for Malay over Indonesian.
pub const MALAY_CONFIDENCE: f64 = 0.9;

/// The least `whatlang` confidence (0–1) for Javanese.
pub const JAVANESE_CONFIDENCE: f64 = 0.8;

/// The detector for the three close languages, built on first use (its models load lazily too).
static CLOSE: LazyLock<LanguageDetector> = LazyLock::new(|| {
    LanguageDetectorBuilder::from_languages(&[
        Language::Indonesian,
        Language::Malay,
        Language::English,
    ])
    .build()
});

/// The language of `text` as a BCP 47 primary subtag (`id`, `ms`, `en`, `jv`, `ar`, …), or
/// `None` when the text is too short to tell (see the module doc for the rule).
pub fn detect(text: &str) -> Option<String> {
    detect_words(content_words(text))
}

/// The language of a post's title and text together (the title first, unless the text
/// already begins with it), as [`detect`] reads one text.
pub fn detect_post(title: Option<&str>, text: &str) -> Option<String> {
    let title = title.filter(|t| !text.starts_with(t));
    detect_words(
        title
            .into_iter()
            .flat_map(content_words)
            .chain(content_words(text)),
    )
}

fn detect_words<'a>(words: impl Iterator<Item = &'a str>) -> Option<String> {
    let words: Vec<&str> = words.take(MAX_WORDS).collect();
    if words.len() < MIN_WORDS {
        return None;
    }
    let text = words.join(" ");
    if let Some(info) = whatlang::detect(&text) {
        let lang = info.lang();
        let close = matches!(
            lang,
            whatlang::Lang::Ind | whatlang::Lang::Jav | whatlang::Lang::Tgl | whatlang::Lang::Eng
        );
        if !close && info.is_reliable() {
            return Some(bcp47(lang));
        }
        if lang == whatlang::Lang::Jav
            && info.is_reliable()
            && info.confidence() >= JAVANESE_CONFIDENCE
        {
            return Some("jv".into());
        }
    }
    Some(closest_of_three(&text).into())
}

/// Indonesian, Malay or English by `lingua`, leaning to Indonesian.
fn closest_of_three(text: &str) -> &'static str {
    let values = CLOSE.compute_language_confidence_values(text);
    let confidence = |l: Language| {
        values
            .iter()
            .find(|(language, _)| *language == l)
            .map_or(0.0, |(_, c)| *c)
    };
    let (en, ms, id) = (
        confidence(Language::English),
        confidence(Language::Malay),
        confidence(Language::Indonesian),
    );
    if en > ms && en > id {
        "en"
    } else if ms >= MALAY_CONFIDENCE {
        "ms"
    } else {
        "id"
    }
}

/// The words of `text` that carry its language: no links, mentions or hashtags, and no token
/// that is not a word once its edge punctuation is off (markup such as `<img src=x>`, code,
/// numbers, emoji); a word has two letters at least.
fn content_words(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace()
        .filter(|w| {
            !(w.starts_with('@')
                || w.starts_with('#')
                || w.contains("://")
                || w.starts_with("www."))
        })
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| {
            w.chars().filter(|c| c.is_alphabetic()).count() >= 2
                && w.chars()
                    .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '\u{2019}'))
        })
}

/// The shortest code of a `whatlang` language, as BCP 47 wants it: the ISO 639-1 code where
/// one exists, else the ISO 639-3 one.
fn bcp47(lang: whatlang::Lang) -> String {
    use whatlang::Lang as L;
    let two = match lang {
        L::Eng => "en",
        L::Ind => "id",
        L::Jav => "jv",
        L::Tgl => "tl",
        L::Ara => "ar",
        L::Cmn => "zh",
        L::Jpn => "ja",
        L::Kor => "ko",
        L::Tha => "th",
        L::Vie => "vi",
        L::Hin => "hi",
        L::Ben => "bn",
        L::Tam => "ta",
        L::Rus => "ru",
        L::Ukr => "uk",
        L::Fra => "fr",
        L::Deu => "de",
        L::Spa => "es",
        L::Por => "pt",
        L::Ita => "it",
        L::Nld => "nl",
        L::Tur => "tr",
        L::Pol => "pl",
        L::Pes => "fa",
        L::Urd => "ur",
        L::Heb => "he",
        L::Ell => "el",
        L::Swe => "sv",
        L::Dan => "da",
        L::Fin => "fi",
        L::Hun => "hu",
        L::Ces => "cs",
        L::Ron => "ro",
        L::Epo => "eo",
        L::Lat => "la",
        other => return other.code().to_string(),
    };
    two.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indonesian_english_malay_and_javanese_are_told_apart() {
        let cases = [
            (
                "Banjir kembali merendam permukiman warga di Samarinda setelah hujan deras sejak semalam",
                "id",
            ),
            (
                "Heavy rain overnight flooded several neighbourhoods in Samarinda, forcing residents to move",
                "en",
            ),
            (
                "Kerajaan negeri Sabah akan menambah bilangan pusat pemindahan sementara selepas banjir kilat melanda Tawau semalam.",
                "ms",
            ),
            (
                "Warga kampung padha gotong royong ngresiki kali sing kebak sampah supaya ora banjir maneh.",
                "jv",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(detect(text).as_deref(), Some(want), "{text}");
        }
    }

    /// The samples of tests/fixtures/lang (docs/quality.md gives the figures): English is
    /// always found; Malay and Javanese often, and when missed they fall to Indonesian, which
    /// is counted, never to a third language.
    #[test]
    fn the_fixture_samples_are_detected_as_measured() {
        let share = |file: &str, want: &str| {
            let lines: Vec<&str> = file
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .collect();
            let got: Vec<Option<String>> = lines.iter().map(|l| detect(l)).collect();
            assert!(
                got.iter()
                    .all(|g| matches!(g.as_deref(), Some(l) if l == want || l == "id")),
                "{want}: {got:?}"
            );
            got.iter().filter(|g| g.as_deref() == Some(want)).count() * 100 / lines.len()
        };
        assert_eq!(
            share(include_str!("../../tests/fixtures/lang/en.txt"), "en"),
            100
        );
        assert!(share(include_str!("../../tests/fixtures/lang/ms.txt"), "ms") >= 50);
        assert!(share(include_str!("../../tests/fixtures/lang/jv.txt"), "jv") >= 35);
    }

    #[test]
    fn short_texts_and_bare_links_stay_undetected() {
        assert_eq!(detect("banjir lagi"), None);
        assert_eq!(detect("Flood in Samarinda today"), None);
        assert_eq!(detect(""), None);
        assert_eq!(
            detect("@warga #banjir https://contoh.example/a/b/c 12 34 😡😡"),
            None
        );
        // Links, mentions and markup do not make up the words a text needs.
        assert_eq!(
            detect("lihat ini @a @b @c https://x.example/1 https://x.example/2"),
            None
        );
        assert_eq!(
            detect("<script>alert('xss')</script> Banjir <img src=x onerror=alert(1)>"),
            None
        );
    }

    #[test]
    fn other_scripts_get_their_own_code() {
        assert_eq!(
            detect("오늘 사마린다에 비가 많이 와서 도로가 물에 잠겼습니다 정말 큰일이에요")
                .as_deref(),
            Some("ko")
        );
    }

    #[test]
    fn unknown_and_listed_languages_count() {
        let langs = Languages::default();
        assert!(langs.counts(None));
        assert!(langs.counts(Some("id")));
        assert!(langs.counts(Some("id-ID")));
        assert!(!langs.counts(Some("en")));
        assert!(!langs.counts(Some("ms")));
        let both = Languages::new(&["id", "jv-ID"]).unwrap();
        assert_eq!(both.as_slice(), ["id", "jv"]);
        assert!(both.counts(Some("jv")));
        assert_eq!(Languages::new(&["id", "??"]).unwrap_err(), "??");
    }
}
