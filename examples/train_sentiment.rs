//! Trains the sentiment model (`models/sentiment.bin`) on labelled comments and reviews, and
//! measures it on the fifth of them it never sees:
//!
//!     cargo run --release --example train_sentiment -- \
//!         ../shared/corpus/indonlu/smsa_doc-sentiment-prosa/train_preprocess.tsv
//!
//! Options: `--out FILE` (default models/sentiment.bin), `--bits N` (hashing size 2^N, default
//! 18), `--epochs N` (default 12), `--emot FILE` (emotion
//! tweets to cross-tabulate, default beside the smsa folder), `--dry-run` (measure, write
//! nothing), `--time` (how long the shipped model's part of classifying takes beside the
//! whole, on every text; then stop).
//!
//! The texts are folded by the shipped lists' normalizer (`keywords/`, so run it from the
//! project root) and their features come from `pantau::classify::sentiment_model`, the code
//! the classifier runs. The split is `sentiment_model::is_held_out` (a hash of the text, so a
//! text repeated in the file is on one side only). Training is multinomial logistic
//! regression by AdaGrad with L2, over the training part in an order shuffled with a fixed
//! seed: the same file gives the same model, byte for byte. The held-out figures are printed
//! for the lexicon alone, the model without the lexicon's features, and the shipped
//! combination, from the quantised weights through the inference code.

use std::path::{Path, PathBuf};

use pantau::Classifier;
use pantau::classify::sentiment_model::{self as sm, Evidence, LEXICON_FEATURES, Model};
use pantau::classify::{Document, SentimentClass};

struct Opts {
    smsa: PathBuf,
    emot: PathBuf,
    out: PathBuf,
    bits: u32,
    epochs: usize,
    dry_run: bool,
    time: bool,
}

fn opts() -> Opts {
    let mut args = std::env::args().skip(1);
    let mut o = Opts {
        smsa: "../shared/corpus/indonlu/smsa_doc-sentiment-prosa/train_preprocess.tsv".into(),
        emot: PathBuf::new(),
        out: "models/sentiment.bin".into(),
        bits: 18,
        epochs: 12,
        dry_run: false,
        time: false,
    };
    while let Some(a) = args.next() {
        let mut value = || args.next().expect("option needs a value");
        match a.as_str() {
            "--out" => o.out = value().into(),
            "--bits" => o.bits = value().parse().expect("--bits N"),
            "--epochs" => o.epochs = value().parse().expect("--epochs N"),
            "--emot" => o.emot = value().into(),
            "--dry-run" => o.dry_run = true,
            "--time" => o.time = true,
            _ => o.smsa = a.into(),
        }
    }
    if o.emot.as_os_str().is_empty() {
        o.emot = o
            .smsa
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new("."))
            .join("emot_emotion-twitter/train_preprocess.csv");
    }
    o
}

/// One labelled text, prepared.
struct Example {
    label: usize,
    /// Feature rows, repeated as often as they occur.
    rows: Vec<u32>,
    lexicon: [f32; LEXICON_FEATURES],
    lexicon_score: f64,
    text: String,
}

fn main() {
    let o = opts();
    let classifier = Classifier::load(Path::new("keywords")).expect("keywords/ loads");
    let file =
        std::fs::read_to_string(&o.smsa).unwrap_or_else(|e| panic!("{}: {e}", o.smsa.display()));
    if o.time {
        return time(&classifier, &file, &o.emot);
    }
    let (mut train, mut held) = (Vec::new(), Vec::new());
    for line in file.lines() {
        let Some((text, label)) = line.rsplit_once('\t') else {
            continue;
        };
        let Some(label) = sm::CLASSES.iter().position(|c| *c == label) else {
            continue;
        };
        let ex = prepare(&classifier, o.bits, text, label);
        if sm::is_held_out(text) {
            held.push(ex);
        } else {
            train.push(ex);
        }
    }
    println!(
        "{} texts: {} to train on, {} held out",
        train.len() + held.len(),
        train.len(),
        held.len()
    );

    let lexicon_only: Vec<[usize; 2]> = held
        .iter()
        .map(|e| [e.label, three(SentimentClass::from_score(e.lexicon_score))])
        .collect();
    report("lexicon alone", &lexicon_only);

    let plain = train_model(&train, o.bits, o.epochs, false);
    report("model alone", &predictions(&classifier, &plain, &held).0);

    let model = train_model(&train, o.bits, o.epochs, true);
    let (combined, four) = predictions(&classifier, &model, &held);
    report("model with the lexicon (shipped)", &combined);
    println!("\nheld out, the four classes Pantau gives:");
    for (k, name) in sm::CLASSES.iter().enumerate() {
        let n = |c: SentimentClass| four.iter().filter(|(g, p)| *g == k && *p == c).count();
        println!(
            "  {name:8}: positif {}, netral {}, berpotensi_negatif {}, negatif {}",
            n(SentimentClass::Positif),
            n(SentimentClass::Netral),
            n(SentimentClass::BerpotensiNegatif),
            n(SentimentClass::Negatif)
        );
    }
    emotions(&classifier, &model, &o.emot);

    if !o.dry_run {
        let bytes = model.to_bytes();
        std::fs::write(&o.out, &bytes).unwrap_or_else(|e| panic!("{}: {e}", o.out.display()));
        println!("\nwrote {} ({} bytes)", o.out.display(), bytes.len());
    }
}

fn prepare(c: &Classifier, bits: u32, text: &str, label: usize) -> Example {
    let folded = c.normalizer().fold(text);
    let mut rows = Vec::new();
    sm::features(&folded.text, &folded.words, bits, |r| rows.push(r));
    let lexicon_score = c.classify(&Document::text(text), None).sentiment.score;
    Example {
        label,
        rows,
        lexicon: sm::lexicon_features(lexicon_score),
        lexicon_score,
        text: text.to_string(),
    }
}

/// Pantau's class as one of the corpus's three.
fn three(c: SentimentClass) -> usize {
    match c {
        SentimentClass::Positif => sm::POSITIVE,
        SentimentClass::Netral => sm::NEUTRAL,
        SentimentClass::BerpotensiNegatif | SentimentClass::Negatif => sm::NEGATIVE,
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

/// Multinomial logistic regression by AdaGrad; L2 applied to the rows an example touches.
fn train_model(train: &[Example], bits: u32, epochs: usize, use_lexicon: bool) -> Model {
    const RATE: f64 = 0.2;
    const L2: f64 = 1e-5;
    let n_rows = 1usize << bits;
    let mut w = vec![[0.0f64; 3]; n_rows];
    let mut gw = vec![[1e-8f64; 3]; n_rows];
    let mut bias = [0.0f64; 3];
    let mut gb = [1e-8f64; 3];
    let mut lex = [[0.0f64; 3]; LEXICON_FEATURES];
    let mut gl = [[1e-8f64; 3]; LEXICON_FEATURES];
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut rng = Rng(0x5eed_5e47_1e47_u64);
    for _ in 0..epochs {
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for &i in &order {
            let ex = &train[i];
            let v = if ex.rows.is_empty() {
                0.0
            } else {
                1.0 / (ex.rows.len() as f64).sqrt()
            };
            let mut logits = bias;
            for &r in &ex.rows {
                for k in 0..3 {
                    logits[k] += w[r as usize][k] * v;
                }
            }
            if use_lexicon {
                for (j, x) in ex.lexicon.iter().enumerate() {
                    for k in 0..3 {
                        logits[k] += lex[j][k] * f64::from(*x);
                    }
                }
            }
            let p = sm::softmax(logits);
            let g: [f64; 3] = std::array::from_fn(|k| p[k] - f64::from(u8::from(k == ex.label)));
            for &r in &ex.rows {
                let (wr, gr) = (&mut w[r as usize], &mut gw[r as usize]);
                for k in 0..3 {
                    let d = g[k] * v + L2 * wr[k];
                    gr[k] += d * d;
                    wr[k] -= RATE * d / gr[k].sqrt();
                }
            }
            for k in 0..3 {
                gb[k] += g[k] * g[k];
                bias[k] -= RATE * g[k] / gb[k].sqrt();
            }
            if use_lexicon {
                for (j, x) in ex.lexicon.iter().enumerate() {
                    for k in 0..3 {
                        let d = g[k] * f64::from(*x);
                        gl[j][k] += d * d;
                        lex[j][k] -= RATE * d / gl[j][k].sqrt();
                    }
                }
            }
        }
    }
    quantise(bits, &w, bias, lex)
}

/// Weights to i16 with one scale for the table; bias and lexicon weights stay f32.
fn quantise(bits: u32, w: &[[f64; 3]], bias: [f64; 3], lex: [[f64; 3]; LEXICON_FEATURES]) -> Model {
    let max = w.iter().flatten().fold(0.0f64, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / 32767.0 } else { 1.0 };
    Model {
        bits,
        scale: scale as f32,
        bias: bias.map(|b| b as f32),
        lexicon: lex.map(|r| r.map(|x| x as f32)),
        rows: w
            .iter()
            .map(|r| r.map(|x| (x / scale).round() as i16))
            .collect(),
    }
}

/// (gold, predicted) per held-out text through the inference code, and the four-class
/// prediction.
fn predictions(
    c: &Classifier,
    m: &Model,
    held: &[Example],
) -> (Vec<[usize; 2]>, Vec<(usize, SentimentClass)>) {
    let mut three_way = Vec::new();
    let mut four = Vec::new();
    for ex in held {
        let p = predict(c, m, &ex.text, ex.lexicon_score);
        let class = SentimentClass::from_probabilities(p);
        three_way.push([ex.label, three(class)]);
        four.push((ex.label, class));
    }
    (three_way, four)
}

fn predict(c: &Classifier, m: &Model, text: &str, lexicon_score: f64) -> [f64; 3] {
    let mut ev = Evidence::default();
    m.read(&c.normalizer().fold(text), &mut ev);
    m.predict(&ev, lexicon_score)
}

/// Accuracy and per-class precision and recall.
fn report(name: &str, pairs: &[[usize; 2]]) {
    let right = pairs.iter().filter(|[g, p]| g == p).count();
    println!(
        "\n{name}: accuracy {:.2} % of {}",
        100.0 * right as f64 / pairs.len() as f64,
        pairs.len()
    );
    for (k, class) in sm::CLASSES.iter().enumerate() {
        let gold = pairs.iter().filter(|[g, _]| *g == k).count();
        let said = pairs.iter().filter(|[_, p]| *p == k).count();
        let ok = pairs.iter().filter(|[g, p]| *g == k && *p == k).count();
        println!(
            "  {class:8}: {gold:5} texts, precision {:.2} %, recall {:.2} %",
            100.0 * ok as f64 / said.max(1) as f64,
            100.0 * ok as f64 / gold.max(1) as f64
        );
    }
}

/// How the model's classes line up with the emotion tweets' labels (none of them trained on).
fn emotions(c: &Classifier, m: &Model, path: &Path) {
    let Ok(file) = std::fs::read_to_string(path) else {
        println!("\n{} missing: no emotion cross-tabulation", path.display());
        return;
    };
    let mut table: std::collections::BTreeMap<String, [usize; 3]> = Default::default();
    for line in file.lines().skip(1) {
        let Some((label, tweet)) = line.split_once(',') else {
            continue;
        };
        let score = c.classify(&Document::text(tweet), None).sentiment.score;
        let class = three(SentimentClass::from_probabilities(predict(
            c, m, tweet, score,
        )));
        table.entry(label.to_string()).or_default()[class] += 1;
    }
    println!(
        "\nemotion tweets (not trained on), share the model calls positive / neutral / negative:"
    );
    for (label, n) in &table {
        let all = n.iter().sum::<usize>().max(1) as f64;
        println!(
            "  {label:8} {:5}: {:.1} % / {:.1} % / {:.1} %",
            n.iter().sum::<usize>(),
            100.0 * n[0] as f64 / all,
            100.0 * n[1] as f64 / all,
            100.0 * n[2] as f64 / all
        );
    }
}

/// The model's share of classifying: its features and look-ups over every text, already
/// folded, against `Classifier::tags_for` (which folds, matches and runs the model), best of
/// five rounds each.
fn time(c: &Classifier, smsa: &str, emot: &Path) {
    use std::time::Instant;
    let tweets = std::fs::read_to_string(emot).unwrap_or_default();
    let texts: Vec<&str> = smsa
        .lines()
        .filter_map(|l| l.rsplit_once('\t').map(|(t, _)| t))
        .chain(
            tweets
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once(',').map(|(_, t)| t)),
        )
        .collect();
    let folded: Vec<_> = texts.iter().map(|t| c.normalizer().fold(t)).collect();
    let m = sm::shipped();
    let best = |f: &mut dyn FnMut() -> f64| {
        (0..5)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(f());
                start.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let model = best(&mut || {
        folded
            .iter()
            .map(|f| {
                let mut ev = Evidence::default();
                m.read(f, &mut ev);
                m.predict(&ev, 0.0)[0]
            })
            .sum()
    });
    let whole = best(&mut || {
        texts
            .iter()
            .map(|t| c.tags_for(&Document::text(t), None).topics.len() as f64)
            .sum()
    });
    let n = texts.len() as f64;
    println!(
        "{} texts: the model alone {:.2} µs a text, classifying (Classifier::tags_for) {:.2} µs a text ({:.0} posts/s); the model is {:.0} % of it",
        texts.len(),
        model / n * 1e6,
        whole / n * 1e6,
        n / whole,
        100.0 * model / whole
    );
}
