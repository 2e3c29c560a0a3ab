//! The shipped keyword lists on real Indonesian text that Pantau did not write:
//! ../shared/corpus (IndoNLU; present in CI and on development machines, absent on a user's
//! clone — then these tests print a notice and pass without checking anything).
//!
//! Measured with the shipped lists (45 topics; docs/quality.md has the full
//! tables, made by scripts/quality.py):
//! - 3,521 general tweets (emot): 157 (4.5 %) get a topic, nearly all truly about an issue,
//!   though outside Kalimantan Timur: the tweets are full of national politics (korupsi 41,
//!   pilkada 29) and crime talk (kriminalitas 22); no topic tags more than 1.2 % of them;
//! - 11,000 comments and reviews (smsa): pilkada 1.8 % (election comments), korupsi 0.9 %,
//!   internet 0.45 % (operator complaints), every other topic under 0.3 %;
//! - 6,720 news sentences (nerp), mostly about the rest of Indonesia: 22 (0.33 %) get a
//!   Kalimantan Timur region, all real mentions (Mitra Kukar, Kaltim Prima Coal, Samarinda).
//!
//! The bounds below are well above those figures: they catch a list change that floods
//! ordinary text with tags (a common word as an alias, a metaphor as a term).

mod common;

use common::corpus;
use std::path::PathBuf;

use pantau::Classifier;
use pantau::classify::Document;

fn classifier() -> Classifier {
    Classifier::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("keywords")).unwrap()
}

#[test]
fn ordinary_tweets_are_rarely_tagged() {
    let Some(text) = corpus("emot_emotion-twitter/train_preprocess.csv") else {
        return;
    };
    let c = classifier();
    let tweets: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(',').map(|(_, t)| t))
        .collect();
    assert!(tweets.len() > 3000);
    let per_topic = topic_shares(&c, &tweets);
    let tagged = tweets
        .iter()
        .filter(|t| !c.classify(&Document::text(t), None).topics.is_empty())
        .count();
    let share = tagged as f64 / tweets.len() as f64;
    println!(
        "emot: {tagged} of {} tweets tagged ({:.2} %)",
        tweets.len(),
        share * 100.0
    );
    assert!(
        share < 0.08,
        "{:.2} % of ordinary tweets tagged",
        share * 100.0
    );
    for (topic, share) in per_topic {
        assert!(
            share < 0.025,
            "{topic} tags {:.2} % of ordinary tweets",
            share * 100.0
        );
    }
}

/// The share of `texts` each topic tags, largest first.
fn topic_shares(c: &Classifier, texts: &[&str]) -> Vec<(String, f64)> {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for t in texts {
        for hit in c.classify(&Document::text(t), None).topics {
            *counts
                .entry(c.topics()[hit.topic].id.to_string())
                .or_default() += 1;
        }
    }
    let mut shares: Vec<(String, f64)> = counts
        .into_iter()
        .map(|(t, n)| (t, n as f64 / texts.len() as f64))
        .collect();
    shares.sort_by(|a, b| b.1.total_cmp(&a.1));
    shares
}

/// Product and service reviews: no topic may take a large share of them (the trap of
/// "pelayanan lambat" at a restaurant, "shabu-shabu", "harganya murah").
#[test]
fn reviews_are_rarely_taken_for_issues() {
    let Some(text) = corpus("smsa_doc-sentiment-prosa/train_preprocess.tsv") else {
        return;
    };
    let c = classifier();
    let reviews: Vec<&str> = text
        .lines()
        .filter_map(|l| l.rsplit_once('\t').map(|(t, _)| t))
        .collect();
    for (topic, share) in topic_shares(&c, &reviews).into_iter().take(5) {
        println!("smsa: {topic} {:.2} %", share * 100.0);
        assert!(
            share < 0.025,
            "{topic} tags {:.2} % of reviews",
            share * 100.0
        );
    }
}

/// konten-sara flags posts for takedown, so it must stay rare on ordinary posts: under 1 % of
/// the tweets and of the reviews (measured with the keyword rule and the trained model: 0.09 %
/// and 0.91 %, nearly all of them real SARA insults, which the SmSA comments contain;
/// scripts/sara_quality.py --show-corpus lists them).
#[test]
fn sara_provocation_is_rare_in_ordinary_posts() {
    let (Some(emot), Some(smsa)) = (
        corpus("emot_emotion-twitter/train_preprocess.csv"),
        corpus("smsa_doc-sentiment-prosa/train_preprocess.tsv"),
    ) else {
        return;
    };
    let c = classifier();
    let tweets: Vec<&str> = emot
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(',').map(|(_, t)| t))
        .collect();
    let reviews: Vec<&str> = smsa
        .lines()
        .filter_map(|l| l.rsplit_once('\t').map(|(t, _)| t))
        .collect();
    for (name, texts) in [("emot", tweets), ("smsa", reviews)] {
        let share = topic_shares(&c, &texts)
            .into_iter()
            .find(|(t, _)| t == "konten-sara")
            .map_or(0.0, |(_, s)| s);
        println!("{name}: konten-sara {:.2} %", share * 100.0);
        assert!(
            share < 0.01,
            "konten-sara tags {:.2} % of {name}",
            share * 100.0
        );
    }
}

#[test]
fn news_from_elsewhere_rarely_gets_a_kaltim_region() {
    let Some(text) = corpus("nerp_ner-prosa/train_preprocess.txt") else {
        return;
    };
    let c = classifier();
    let sentences: Vec<String> = text
        .split("\n\n")
        .map(|block| {
            block
                .lines()
                .filter_map(|l| l.split('\t').next())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|s| !s.is_empty())
        .collect();
    assert!(sentences.len() > 6000);
    let with_region = sentences
        .iter()
        .filter(|s| {
            c.classify(&Document::text(s), None)
                .regions
                .iter()
                .any(|r| !r.inferred)
        })
        .count();
    let share = with_region as f64 / sentences.len() as f64;
    println!(
        "nerp: {with_region} of {} sentences get a Kaltim region ({:.2} %)",
        sentences.len(),
        share * 100.0
    );
    assert!(
        share < 0.015,
        "{:.2} % of sentences from elsewhere tagged with a Kaltim region",
        share * 100.0
    );
}

/// Sentiment accuracy per class on 11,000 labelled comments and reviews (smsa). Pantau's four
/// classes map to the corpus's three: berpotensi_negatif and negatif are "negative".
#[test]
fn sentiment_accuracy_per_class() {
    let Some(text) = corpus("smsa_doc-sentiment-prosa/train_preprocess.tsv") else {
        return;
    };
    let c = classifier();
    let mut confusion: std::collections::BTreeMap<(&str, &str), u32> = Default::default();
    let mut total = 0;
    for line in text.lines() {
        let Some((doc, gold)) = line.rsplit_once('\t') else {
            continue;
        };
        let got = match c
            .classify(&Document::text(doc), None)
            .sentiment
            .class
            .as_str()
        {
            "positif" => "positive",
            "netral" => "neutral",
            _ => "negative",
        };
        *confusion.entry((gold, got)).or_default() += 1;
        total += 1;
    }
    let right: u32 = confusion
        .iter()
        .filter(|((g, p), _)| g == p)
        .map(|(_, n)| n)
        .sum();
    let accuracy = right as f64 / total as f64;
    for gold in ["positive", "neutral", "negative"] {
        let all: u32 = confusion
            .iter()
            .filter(|((g, _), _)| *g == gold)
            .map(|(_, n)| n)
            .sum();
        let ok = confusion.get(&(gold, gold)).copied().unwrap_or(0);
        println!(
            "smsa {gold}: {ok} of {all} ({:.1} %)",
            100.0 * ok as f64 / all as f64
        );
    }
    println!("smsa accuracy: {:.1} % of {total}", accuracy * 100.0);
    assert!(
        accuracy > 0.72,
        "sentiment accuracy fell to {:.1} %",
        accuracy * 100.0
    );
    let recall = |gold: &str| {
        let all: u32 = confusion
            .iter()
            .filter(|((g, _), _)| *g == gold)
            .map(|(_, n)| n)
            .sum();
        confusion.get(&(gold, gold)).copied().unwrap_or(0) as f64 / all as f64
    };
    // Measured 98.5 / 94.4 / 96.2 %, but the sentiment model trained on four fifths of these
    // texts: tests/sentiment_model.rs measures the fifth it did not see. Each class well above
    // chance, none sacrificed.
    for (gold, floor) in [("positive", 0.75), ("neutral", 0.75), ("negative", 0.55)] {
        assert!(
            recall(gold) > floor,
            "{gold} recall {:.1} %",
            recall(gold) * 100.0
        );
    }
}

/// How stemming changes matches: every shipped topic as written, and again with `stem = true`.
#[test]
fn stemming_changes_matches_measurably() {
    let (Some(tweets), Some(news)) = (
        corpus("emot_emotion-twitter/train_preprocess.csv"),
        corpus("nerp_ner-prosa/train_preprocess.txt"),
    ) else {
        return;
    };
    let texts: Vec<String> = tweets
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(',').map(|(_, t)| t.to_string()))
        .chain(news.split("\n\n").map(|b| {
            b.lines()
                .filter_map(|l| l.split('\t').next())
                .collect::<Vec<_>>()
                .join(" ")
        }))
        .collect();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("keywords");
    let plain = Classifier::load(&dir).unwrap();
    let mut lists = pantau::classify::lists::load_dir(&dir).unwrap();
    for topic in &mut lists.topics {
        topic.stem = true;
        for t in topic.any.iter_mut().chain(topic.exclude.iter_mut()) {
            t.term.stem = !t.term.prefix;
        }
    }
    let stemmed = Classifier::from_lists(lists).unwrap();
    let tagged = |c: &Classifier| -> Vec<Vec<String>> {
        texts
            .iter()
            .map(|t| {
                c.classify(&Document::text(t), None)
                    .topics
                    .iter()
                    .map(|h| c.topics()[h.topic].id.to_string())
                    .collect()
            })
            .collect()
    };
    let (a, b) = (tagged(&plain), tagged(&stemmed));
    let (mut gained, mut lost) = (0, 0);
    for (x, y) in a.iter().zip(&b) {
        gained += y.iter().filter(|t| !x.contains(t)).count();
        lost += x.iter().filter(|t| !y.contains(t)).count();
    }
    let before: usize = a.iter().map(Vec::len).sum();
    println!(
        "stemming on {} texts: {before} tags as written; with stem = true {gained} gained, {lost} lost",
        texts.len()
    );
    for (i, (x, y)) in a
        .iter()
        .zip(&b)
        .enumerate()
        .filter(|(_, (x, y))| x != y)
        .take(12)
    {
        println!(
            "  {x:?} → {y:?}: {}",
            texts[i].chars().take(110).collect::<String>()
        );
    }
    assert!(
        gained + lost > 0,
        "stemming should change something on 10,000 texts"
    );
}
