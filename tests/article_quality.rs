//! What article text buys, measured on pages assembled from real Indonesian news sentences
//! (../shared/corpus/indonlu/nerp: 6,720 sentences; absent on a user's clone, where this test
//! prints a notice and checks nothing). Every six consecutive sentences make one page: the
//! first sentence is the feed's summary, its first eight words the headline, and all six the
//! article, wrapped in the boilerplate of a real news site (menu, "Baca juga" link, ads,
//! related stories, comments, footer). Each page goes through the article extractor, and the
//! shipped keyword lists tag three texts: headline + summary (what a feed gives), headline +
//! extracted article (`fetch_article = true`), and headline + the whole page as text (what
//! reading the page without an extractor would give).
//!
//! Run: `cargo test --release --test article_quality -- --nocapture`; the figures are in
//! docs/quality.md ("What article text buys").

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use pantau::Classifier;
use pantau::classify::Document;
use pantau::model::RegionId;
use pantau::sources::article::extract;
use pantau::sources::text::html_to_text;

const SENTENCES_PER_PAGE: usize = 6;

/// Boilerplate around the article, with words the keyword lists know (pilkada, banjir,
/// korupsi), as real related links and comments have them.
const BOILERPLATE: [&str; 6] = [
    "Pilkada Bontang Memanas",
    "Banjir Diskon Akhir Tahun",
    "Kasus Korupsi Dana Desa",
    "Promo kredit motor",
    "mana janji normalisasi sungai",
    "Hak cipta dilindungi",
];

fn page(headline: &str, sentences: &[String]) -> String {
    let body: String = sentences
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let baca = if i == 2 {
                "<p><strong>Baca juga:</strong> <a href=\"/b\">Kasus Korupsi Dana Desa Diusut</a></p>"
            } else {
                ""
            };
            format!("<p>{}</p>{baca}", escape(s))
        })
        .collect();
    format!(
        "<html><head><title>{headline} - Warta</title></head><body>\
         <header><nav><ul><li><a href=\"/\">Beranda</a></li><li><a href=\"/politik\">Politik</a></li>\
         <li><a href=\"/olahraga\">Olahraga</a></li></ul></nav></header>\
         <div class=\"ads\">ADVERTISEMENT <a href=\"https://iklan.example\">Promo kredit motor tanpa DP</a></div>\
         <main><article><h1>{headline}</h1><div class=\"meta\">Penulis: Redaksi</div>\
         <div class=\"content\">{body}</div></article>\
         <section class=\"related\"><h3>Berita Terkait</h3><ul>\
         <li><a href=\"/1\">Pilkada Bontang Memanas, Kedua Paslon Saling Sindir</a></li>\
         <li><a href=\"/2\">Banjir Diskon Akhir Tahun di Mal Samarinda</a></li></ul></section>\
         <section class=\"comments\"><h3>Komentar</h3><div class=\"comment\"><p>Tiap tahun begini, \
         mana janji normalisasi sungai itu pak wali?</p></div></section></main>\
         <footer><p>© 2026 Warta. Hak cipta dilindungi undang-undang.</p></footer></body></html>"
    )
}

/// Text as HTML text: the corpus holds `&`, `<` and `>` of its own.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Sentences of the CoNLL file, words joined by spaces.
fn sentences(conll: &str) -> Vec<String> {
    conll
        .split("\n\n")
        .map(|block| {
            block
                .lines()
                .filter_map(|l| l.split('\t').next())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|s| !s.trim().is_empty())
        .collect()
}

#[derive(Default, Debug)]
struct Count {
    pages_with_topic: usize,
    topic_tags: usize,
    pages_with_region: usize,
    region_tags: usize,
    topics: BTreeMap<String, usize>,
}

impl Count {
    fn add(&mut self, c: &Classifier, title: &str, text: &str) {
        let tags = c.tags_for(
            &Document {
                title: Some(title),
                text,
                ..Document::default()
            },
            None,
        );
        // What the lists find in the text, whether the page is about it or only names it: the
        // question here is what reaches the classifier, not which tags count.
        let topics: Vec<String> = tags
            .topics
            .iter()
            .map(ToString::to_string)
            .chain(tags.mentioned_topics.iter().map(|(t, _)| t.to_string()))
            .collect();
        let is_area = |r: &str| {
            c.region(&RegionId::new(r))
                .is_some_and(|d| d.level.is_area())
        };
        let areas = tags.areas.len()
            + tags
                .mentioned_regions
                .iter()
                .filter(|(r, _)| is_area(r.as_str()))
                .count();
        self.pages_with_topic += usize::from(!topics.is_empty());
        self.topic_tags += topics.len();
        self.pages_with_region += usize::from(areas > 0);
        self.region_tags += areas;
        for t in topics {
            *self.topics.entry(t).or_default() += 1;
        }
    }
}

#[test]
fn article_text_finds_more_tags_than_the_summary_and_none_of_the_boilerplate() {
    let Some(conll) = common::corpus("nerp_ner-prosa/train_preprocess.txt") else {
        return;
    };
    let classifier =
        Classifier::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("keywords")).unwrap();
    let all = sentences(&conll);
    let (mut summary, mut article, mut whole) =
        (Count::default(), Count::default(), Count::default());
    let (mut pages, mut complete, mut leaked, mut failed) = (0, 0, 0, 0);
    for group in all.chunks_exact(SENTENCES_PER_PAGE) {
        pages += 1;
        let headline: String = group[0].split(' ').take(8).collect::<Vec<_>>().join(" ");
        let html = page(&escape(&headline), group);
        let Ok(text) = extract(&html, "https://warta.example/berita/1", 10_000) else {
            failed += 1;
            summary.add(&classifier, &headline, &group[0]);
            continue;
        };
        complete += usize::from(group.iter().all(|s| text.contains(s.trim())));
        leaked += usize::from(BOILERPLATE.iter().any(|b| text.contains(b)));
        summary.add(&classifier, &headline, &group[0]);
        article.add(&classifier, &headline, &text);
        whole.add(&classifier, &headline, &html_to_text(&html));
    }
    println!(
        "pages {pages}: extracted {} (failed {failed}), all six sentences kept in {complete}, boilerplate leaked in {leaked}",
        pages - failed
    );
    for (name, c) in [
        ("headline + summary", &summary),
        ("headline + article", &article),
        ("headline + whole page", &whole),
    ] {
        println!(
            "{name}: pages with a topic {}, topic tags {}, pages with a Kaltim kab/kota {}, kab/kota tags {}; {:?}",
            c.pages_with_topic, c.topic_tags, c.pages_with_region, c.region_tags, c.topics
        );
    }
    assert!(pages > 1000, "{pages}");
    assert_eq!(failed, 0);
    assert_eq!(leaked, 0);
    assert!(complete * 100 >= pages * 95, "{complete} of {pages}");
    assert!(article.topic_tags > summary.topic_tags);
    assert!(article.region_tags >= summary.region_tags);
    // Reading the page whole tags its boilerplate on every page.
    assert!(whole.pages_with_topic >= pages * 9 / 10, "{whole:?}");
}
