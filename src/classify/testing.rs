//! Test fixtures shared by the classifier's modules: a small gazetteer, slang and sentiment
//! list around the topics a test gives, and helpers that read a classification back as ids.

use std::path::PathBuf;

use super::Classifier;
use super::document::Document;
use super::lists;
use super::tags::Classification;

pub(super) fn classifier(topics: &[(&str, &str)]) -> Classifier {
    let mut files: Vec<(PathBuf, String)> = topics
        .iter()
        .map(|(id, text)| {
            (
                PathBuf::from(format!("keywords/topics/{id}.toml")),
                text.to_string(),
            )
        })
        .collect();
    files.push((
        "keywords/regions.toml".into(),
        r#"
[[region]]
id = "kaltim"
name = "Kalimantan Timur"
level = "provinsi"
aliases = ["Kaltim"]
[[region]]
id = "ppu"
name = "Kabupaten Penajam Paser Utara"
level = "kabupaten"
parent = "kaltim"
aliases = ["Penajam Paser Utara", "PPU"]
other_senses = ["PPU Pajak"]
[[region]]
id = "paser"
name = "Kabupaten Paser"
level = "kabupaten"
parent = "kaltim"
aliases = ["Paser"]
[[region]]
id = "samarinda"
name = "Kota Samarinda"
level = "kota"
parent = "kaltim"
aliases = ["Samarinda"]
[[region]]
id = "sempaja"
name = "Sempaja"
level = "kecamatan"
parent = "samarinda"
[[region]]
id = "kota-bangun"
name = "Kota Bangun"
level = "kecamatan"
parent = "ppu"
ambiguous = ["Kota Bangun"]
"#
        .into(),
    ));
    files.push((
        "keywords/slang.toml".into(),
        "[words]\nbnjir = \"banjir\"\ngak = \"tidak\"\n".into(),
    ));
    files.push((
        "keywords/sentiment.toml".into(),
        "positive = [\"bagus\", \"cepat tanggap\"]\nnegative = [\"rusak\", \"parah\", \"kecewa\", \"gelap gulita\", \"gelap\"]\nnegators = [\"tidak\", \"bukan\"]\nintensifiers = [\"sangat\", \"banget\"]\n".into(),
    ));
    Classifier::from_lists(lists::load_files(&files).unwrap()).unwrap()
}

pub(super) const BANJIR: &str = r#"
name = "Banjir"
category = "bencana"
priority = "tinggi"
any = ["banjir", "kebanjiran", "genangan air"]
exclude = ["banjir diskon"]
patterns = ['ketinggian air \d+\s*(cm|meter)']
[examples]
match = ["Sempaja kebanjiran lagi"]
no_match = ["Banjir diskon akhir tahun"]
"#;

pub(super) fn ids(c: &Classifier, r: &Classification) -> Vec<String> {
    r.topics
        .iter()
        .map(|t| c.topics[t.topic].id.to_string())
        .collect()
}

pub(super) fn topics_of(c: &Classifier, doc: &Document<'_>) -> Vec<String> {
    ids(c, &c.classify(doc, None))
}

pub(super) fn fires(c: &Classifier, text: &str) -> bool {
    !c.classify(&Document::text(text), None).topics.is_empty()
}
