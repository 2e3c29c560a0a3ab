//! Trains the SARA provocation model (`models/sara.bin`), chooses its threshold by
//! cross-validation, and reports what the keyword rule, the model and the two together do on
//! the rows it was trained on (out of fold):
//!
//!     cargo run --release --example train_sara -- ../devdata/hate/re_dataset.csv
//!
//! Options: `--out FILE` (default models/sara.bin), `--bits N` (hashing size 2^N, default
//! 18), `--epochs N` (default 10), `--precision P` (the cross-validated precision the
//! threshold must reach, default 0.83: at 0.8 the model alone tags 1 % of
//! the SmSA reviews `cargo test --test corpus` holds under 1 %), `--news FILE` (news sentences as ordinary negatives,
//! default ../shared/corpus/indonlu/nerp_ner-prosa/train_preprocess.txt), `--dry-run`
//! (measure, write nothing).
//!
//! Data: the labelled tweets of Ibrohim & Budi (2019), `re_dataset.csv` (CC BY-NC-SA 4.0; a
//! copy of part of it, outside the project). A tweet is positive when HS_Religion or HS_Race is
//! 1, except one that names PKI or komunis and no religion, ethnic or racial word (an
//! ideology, which konten-sara leaves out: scripts/sara_quality.py's rule); those are left
//! out of training. Every other tweet is negative, and so is every news sentence of IndoNLU's
//! NER-P set. The emotion tweets and SmSA reviews are NOT used: `cargo test --test corpus`
//! measures konten-sara on them.
//!
//! Features are `pantau::classify::sentiment_model::features` of the text as the classifier
//! folds it, the code inference runs. Training is logistic regression by AdaGrad with L2 over
//! an order shuffled with a fixed seed: the same files give the same model, byte for byte.
//! Cross-validation: five folds by a hash of the text; each fold's probabilities come from
//! a model trained on the other four, through the quantised inference code. The threshold is
//! the lowest at which the model's own tags (probability at least the threshold, a
//! `model_requires` word present) are right at least `--precision` of the time on the
//! tweets, out of fold; the final model is trained on everything and stores it.

use std::path::{Path, PathBuf};

use pantau::Classifier;
use pantau::classify::sara_model::{self as sara, Model};
use pantau::classify::sentiment_model as sm;
use pantau::classify::{Clause, Document};

struct Opts {
    data: PathBuf,
    news: PathBuf,
    out: PathBuf,
    bits: u32,
    epochs: usize,
    precision: f64,
    dry_run: bool,
}

fn opts() -> Opts {
    let mut args = std::env::args().skip(1);
    let mut o = Opts {
        data: "../devdata/hate/re_dataset.csv".into(),
        news: "../shared/corpus/indonlu/nerp_ner-prosa/train_preprocess.txt".into(),
        out: "models/sara.bin".into(),
        bits: 18,
        epochs: 10,
        precision: 0.83,
        dry_run: false,
    };
    while let Some(a) = args.next() {
        let mut value = || args.next().expect("option needs a value");
        match a.as_str() {
            "--out" => o.out = value().into(),
            "--news" => o.news = value().into(),
            "--bits" => o.bits = value().parse().expect("--bits N"),
            "--epochs" => o.epochs = value().parse().expect("--epochs N"),
            "--precision" => o.precision = value().parse().expect("--precision P"),
            "--dry-run" => o.dry_run = true,
            _ => o.data = a.into(),
        }
    }
    o
}

/// One text, prepared.
struct Example {
    /// Labelled SARA (religion or race) in the data set; false for news sentences.
    sara: bool,
    /// A tweet (true) or a news sentence.
    tweet: bool,
    /// Names PKI/komunis and no religion, ethnic or racial word.
    ideology_only: bool,
    /// konten-sara's keyword rule tags it.
    list: bool,
    /// It holds one of konten-sara's `model_requires` words.
    gate: bool,
    fold: u64,
    rows: Vec<u32>,
}

impl Example {
    /// What training learns: SARA, the ideology-only tweets left out.
    fn trained(&self) -> bool {
        !self.ideology_only
    }
}

fn main() {
    let o = opts();
    let classifier = Classifier::load(Path::new("keywords")).expect("keywords/ loads");
    let topic = classifier
        .topics()
        .iter()
        .position(|t| t.id.as_str() == "konten-sara")
        .expect("konten-sara is a shipped topic");
    let mut all = Vec::new();
    for (text, sara) in tweets(&o.data) {
        all.push(prepare(&classifier, topic, o.bits, &text, sara, true));
    }
    let tweets_n = all.len();
    for text in news(&o.news) {
        all.push(prepare(&classifier, topic, o.bits, &text, false, false));
    }
    let sara_n = all.iter().filter(|e| e.sara).count();
    let ideo = all.iter().filter(|e| e.sara && e.ideology_only).count();
    println!(
        "{tweets_n} tweets ({sara_n} religion or race, {ideo} of them PKI/komunis only, left out of training), {} news sentences",
        all.len() - tweets_n
    );

    let mut oof = vec![0.0f64; all.len()];
    for fold in 0..5 {
        let train: Vec<&Example> = all
            .iter()
            .filter(|e| e.fold != fold && e.trained())
            .collect();
        let m = train_model(&train, o.bits, o.epochs);
        for (i, e) in all.iter().enumerate() {
            if e.fold == fold {
                oof[i] = probability(&m, &e.rows);
            }
        }
    }
    let threshold = choose_threshold(&all, &oof, o.precision);
    println!(
        "\nthreshold (cross-validated model precision ≥ {}): {threshold:.2}",
        o.precision
    );
    for t in [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, threshold] {
        report_at(&all, &oof, t);
    }

    let train: Vec<&Example> = all.iter().filter(|e| e.trained()).collect();
    let mut model = train_model(&train, o.bits, o.epochs);
    model.threshold = threshold as f32;
    if !o.dry_run {
        let bytes = model.to_bytes();
        std::fs::write(&o.out, &bytes).unwrap_or_else(|e| panic!("{}: {e}", o.out.display()));
        println!("\nwrote {} ({} bytes)", o.out.display(), bytes.len());
    }
}

/// The tweets of re_dataset.csv and whether each is SARA. The tweet field is quoted
/// inconsistently, so a row is split from the right: the last 12 fields are the labels
/// (scripts/sara_quality.py reads it the same way).
fn tweets(path: &Path) -> Vec<(String, bool)> {
    let file = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = file.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect("column");
    let (rel, race) = (col("HS_Religion"), col("HS_Race"));
    let mut out = Vec::new();
    for line in lines {
        let parts: Vec<&str> = line.rsplitn(13, ',').collect::<Vec<_>>();
        if parts.len() != 13 || !parts[..12].iter().all(|p| *p == "0" || *p == "1") {
            continue;
        }
        // rsplitn gives the fields from the right: field i is parts[12 - i].
        let field = |i: usize| parts[12 - i];
        out.push((
            tweet_text(field(0)),
            field(rel) == "1" || field(race) == "1",
        ));
    }
    out
}

/// The tweet as written: the file's quoting, trailing quote marks and literal `\n` removed.
fn tweet_text(raw: &str) -> String {
    let mut t = raw.trim().to_string();
    if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
        t = t[1..t.len() - 1].replace("\"\"", "\"");
    }
    t.trim_end_matches(['\'', '"'])
        .replace("\\n", " ")
        .replace("\\t", " ")
}

/// The sentences of a CoNLL file, tokens joined by spaces.
fn news(path: &Path) -> Vec<String> {
    let Ok(file) = std::fs::read_to_string(path) else {
        println!("{} missing: no news negatives", path.display());
        return Vec::new();
    };
    file.split("\n\n")
        .map(|b| {
            b.lines()
                .filter_map(|l| l.split('\t').next())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|s| !s.trim().is_empty())
        .collect()
}

fn ideology_only(text: &str) -> bool {
    const IDEOLOGY: [&str; 2] = ["pki", "komunis"];
    const SARA_WORDS: [&str; 28] = [
        "cina", "china", "tionghoa", "aseng", "sipit", "kafir", "kapir", "islam", "muslim",
        "kristen", "katolik", "nasrani", "budha", "buddha", "hindu", "yahudi", "arab", "onta",
        "agama", "allah", "quran", "alquran", "ulama", "umat", "etnis", "suku", "ras", "pribumi",
    ];
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .collect();
    words
        .iter()
        .any(|w| IDEOLOGY.contains(w) || w.starts_with("komunis"))
        && !words.iter().any(|w| SARA_WORDS.contains(w))
}

fn prepare(
    c: &Classifier,
    topic: usize,
    bits: u32,
    text: &str,
    sara: bool,
    tweet: bool,
) -> Example {
    let folded = c.normalizer().fold(text);
    let mut rows = Vec::new();
    sm::features(&folded.text, &folded.words, bits, |r| rows.push(r));
    let r = c.classify(&Document::text(text), None);
    let list = r
        .topics
        .iter()
        .any(|h| h.topic == topic && h.clauses.iter().any(|c| *c != Clause::Model));
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    Example {
        sara,
        tweet,
        ideology_only: sara && ideology_only(text),
        list,
        gate: r.models.iter().any(|m| m.topic == topic),
        fold: h % 5,
        rows,
    }
}

/// A small fixed generator for the order of examples (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// Logistic regression by AdaGrad; L2 applied to the rows an example touches.
fn train_model(train: &[&Example], bits: u32, epochs: usize) -> Model {
    const RATE: f64 = 0.2;
    const L2: f64 = 1e-5;
    let mut w = vec![0.0f64; 1 << bits];
    let mut gw = vec![1e-8f64; 1 << bits];
    let (mut bias, mut gb) = (0.0f64, 1e-8f64);
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut rng = Rng(0x5a4a_5eed_0001_u64);
    for _ in 0..epochs {
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for &i in &order {
            let ex = train[i];
            let v = if ex.rows.is_empty() {
                0.0
            } else {
                1.0 / (ex.rows.len() as f64).sqrt()
            };
            let logit = bias + ex.rows.iter().map(|&r| w[r as usize]).sum::<f64>() * v;
            let g = sara::sigmoid(logit) - f64::from(u8::from(ex.sara && !ex.ideology_only));
            for &r in &ex.rows {
                let d = g * v + L2 * w[r as usize];
                gw[r as usize] += d * d;
                w[r as usize] -= RATE * d / gw[r as usize].sqrt();
            }
            gb += g * g;
            bias -= RATE * g / gb.sqrt();
        }
    }
    let max = w.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / 32767.0 } else { 1.0 };
    Model {
        bits,
        scale: scale as f32,
        bias: bias as f32,
        threshold: 0.5,
        rows: w.iter().map(|x| (x / scale).round() as i16).collect(),
    }
}

/// Through the inference code, from the quantised weights.
fn probability(m: &Model, rows: &[u32]) -> f64 {
    // Model::read sums the same rows from a folded text; these are already hashed.
    let sum: i64 = rows.iter().map(|&r| i64::from(m.rows[r as usize])).sum();
    let norm = if rows.is_empty() {
        0.0
    } else {
        f64::from(m.scale) / (rows.len() as f64).sqrt()
    };
    sara::sigmoid(f64::from(m.bias) + sum as f64 * norm)
}

/// The model's own tags at `t` on the tweets: (right, all).
fn model_tags(all: &[Example], oof: &[f64], t: f64) -> (usize, usize) {
    let tagged = all
        .iter()
        .zip(oof)
        .filter(|(e, p)| e.tweet && e.gate && **p >= t);
    let (mut right, mut n) = (0, 0);
    for (e, _) in tagged {
        n += 1;
        right += usize::from(e.sara);
    }
    (right, n)
}

/// The lowest threshold from which the model's own tags reach `precision` at every higher
/// step (a few tags at the top do not decide it).
fn choose_threshold(all: &[Example], oof: &[f64], precision: f64) -> f64 {
    let mut chosen = 0.99;
    for step in (5..100).rev() {
        let t = f64::from(step) / 100.0;
        let (right, n) = model_tags(all, oof, t);
        if n > 0 && (right as f64) < precision * n as f64 {
            break;
        }
        chosen = t;
    }
    chosen
}

/// Precision and recall on the tweets, out of fold, at threshold `t`: the list, the model's
/// own tags (gated), and the two together; and the share of news sentences tagged.
fn report_at(all: &[Example], oof: &[f64], t: f64) {
    let tweets: Vec<(&Example, f64)> = all
        .iter()
        .zip(oof.iter().copied())
        .filter(|(e, _)| e.tweet)
        .collect();
    let sara = tweets.iter().filter(|(e, _)| e.sara).count();
    let sara_rest = tweets
        .iter()
        .filter(|(e, _)| e.sara && !e.ideology_only)
        .count();
    let line = |name: &str, tag: &dyn Fn(&Example, f64) -> bool| {
        let tagged: Vec<&(&Example, f64)> = tweets.iter().filter(|(e, p)| tag(e, *p)).collect();
        let right = tagged.iter().filter(|(e, _)| e.sara).count();
        let rest = tagged
            .iter()
            .filter(|(e, _)| e.sara && !e.ideology_only)
            .count();
        println!(
            "  {name:14} tagged {:4}, right {right:4}: precision {:.3}, recall {:.3} ({right}/{sara}), without PKI-only {:.3} ({rest}/{sara_rest})",
            tagged.len(),
            right as f64 / tagged.len().max(1) as f64,
            right as f64 / sara.max(1) as f64,
            rest as f64 / sara_rest.max(1) as f64,
        );
    };
    let news: Vec<(&Example, f64)> = all
        .iter()
        .zip(oof.iter().copied())
        .filter(|(e, _)| !e.tweet)
        .collect();
    let news_hit = news
        .iter()
        .filter(|(e, p)| e.list || (e.gate && *p >= t))
        .count();
    println!(
        "at {t:.2} (tweets, out of fold; news sentences tagged {news_hit} of {}):",
        news.len()
    );
    line("list", &|e, _| e.list);
    line("model (gated)", &|e, p| e.gate && p >= t);
    line("list + model", &|e, p| e.list || (e.gate && p >= t));
}
