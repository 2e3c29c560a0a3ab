//! Presenting a [`Classification`] to people and tools: the one-line summary, the `--explain`
//! listing (which rule matched which words), and the JSON object of DESIGN.md §2.

use serde_json::{Value, json};

use super::salience::fmt_weight;
use super::{Classification, Classifier, Clause, Field, Match, Role, Rule, Salience, Sentiment};

fn rule_text(rule: &Rule) -> String {
    match rule {
        Rule::Term(t) => format!("istilah \"{t}\""),
        Rule::Pattern(p) => format!("pola '{p}'"),
        Rule::Exclude(t) => format!("pengecualian \"{t}\""),
        Rule::Region(t) => format!("nama \"{t}\""),
        Rule::Sentiment(t) => format!("kata \"{t}\""),
    }
}

fn rule_json(rule: &Rule) -> Value {
    let (kind, text) = match rule {
        Rule::Term(t) => ("term", t),
        Rule::Pattern(p) => ("pattern", p),
        Rule::Exclude(t) => ("exclude", t),
        Rule::Region(t) => ("region", t),
        Rule::Sentiment(t) => ("sentiment", t),
    };
    json!({"kind": kind, "text": text})
}

fn match_json(m: &Match) -> Value {
    json!({
        "text": m.text,
        "start": m.start,
        "end": m.end,
        "field": m.field,
        "rule": rule_json(&m.rule),
    })
}

/// The JSON object `pantau classify --json` prints for one input.
pub fn to_json(c: &Classifier, r: &Classification) -> Value {
    let topics: Vec<Value> = r
        .topics
        .iter()
        .map(|hit| {
            let t = &c.topics[hit.topic];
            json!({
                "id": t.id,
                "name": t.name,
                "category": t.category,
                "priority": t.priority,
                "matches": hit.matches.iter().map(match_json).collect::<Vec<_>>(),
                "clauses": hit.clauses,
                "role": role(hit.salience.as_ref()).as_str(),
                "weight": weight_json(hit.salience.as_ref()),
                "reason": hit.salience.as_ref().map(|s| s.reason.text()),
            })
        })
        .collect();
    let regions: Vec<Value> = r
        .regions
        .iter()
        .map(|hit| {
            let g = &c.regions[hit.region];
            json!({
                "id": g.id,
                "name": g.name,
                "level": g.level.as_str(),
                "inferred": hit.inferred,
                "matches": hit.matches.iter().map(match_json).collect::<Vec<_>>(),
                "role": role(hit.salience.as_ref()).as_str(),
                "weight": weight_json(hit.salience.as_ref()),
                "reason": hit.salience.as_ref().map(|s| s.reason.text()),
            })
        })
        .collect();
    let models: Vec<Value> = r
        .models
        .iter()
        .map(|m| {
            json!({
                "topic": c.topics[m.topic].id,
                "probability": (m.probability * 1e4).round() / 1e4,
                "threshold": (m.threshold * 1e4).round() / 1e4,
                "decided": m.decided,
            })
        })
        .collect();
    json!({
        "topics": topics,
        "regions": regions,
        "sentiment": sentiment_json(&r.sentiment),
        "models": models,
    })
}

/// The class with the lexicon's score (as before), then what each half says: the lexicon's
/// class and words, the model's probabilities.
fn sentiment_json(s: &Sentiment) -> Value {
    // Four decimals say all a reader needs and keep the JSON lines short.
    let [positive, neutral, negative] = s.probabilities.map(|p| (p * 1e4).round() / 1e4);
    json!({
        "class": s.class.as_str(),
        "score": s.score,
        "lexicon": {
            "class": s.lexicon.as_str(),
            "score": s.score,
            "words": s.words.iter().map(|(m, w)| json!({
                "text": m.text,
                "weight": w,
                "rule": rule_json(&m.rule),
            })).collect::<Vec<_>>(),
        },
        "model": {"positive": positive, "neutral": neutral, "negative": negative},
    })
}

/// A tag's role; one classified without salience (never, in practice) counts as primary.
fn role(s: Option<&Salience>) -> Role {
    s.map_or(Role::Primary, |s| s.role)
}

/// A weight as a JSON number rounded to hundredths (f32 sums print as 2.2500000953…).
fn weight_json(s: Option<&Salience>) -> Value {
    let w = s.map_or(0.0, |s| f64::from(s.weight));
    json!((w * 100.0).round() / 100.0)
}

/// `[utama, bobot 5: disebut di judul atau paragraf awal]`, as `--explain` shows a tag.
fn salience_text(s: Option<&Salience>) -> String {
    match s {
        None => String::new(),
        Some(s) => format!(
            " [{}, bobot {}: {}]",
            match s.role {
                Role::Primary => "utama",
                Role::Mentioned => "hanya disebut",
            },
            fmt_weight(s.weight),
            s.reason.text()
        ),
    }
}

/// `banjir, jalan-rusak | samarinda | negatif (-2)`: one line per input; topics and regions
/// only named are added in brackets (`(disebut: longsor)`).
pub fn summary(c: &Classifier, r: &Classification) -> String {
    let primary = |s: Option<&Salience>| role(s) == Role::Primary;
    let topic_ids = |want: bool| -> Vec<&str> {
        r.topics
            .iter()
            .filter(|t| primary(t.salience.as_ref()) == want)
            .map(|t| c.topics[t.topic].id.as_str())
            .collect()
    };
    let region_ids = |want: bool| -> Vec<&str> {
        r.regions
            .iter()
            .filter(|h| !h.inferred && primary(h.salience.as_ref()) == want)
            .map(|h| c.regions[h.region].id.as_str())
            .collect()
    };
    let list = |main: Vec<&str>, named: Vec<&str>| {
        let mut out = if main.is_empty() {
            "-".to_string()
        } else {
            main.join(", ")
        };
        if !named.is_empty() {
            out.push_str(&format!(" (disebut: {})", named.join(", ")));
        }
        out
    };
    format!(
        "topik: {} | wilayah: {} | sentimen: {} ({})",
        list(topic_ids(true), topic_ids(false)),
        list(region_ids(true), region_ids(false)),
        r.sentiment.class.as_str(),
        r.sentiment.score
    )
}

/// The `--explain` listing.
pub fn explain(c: &Classifier, r: &Classification) -> String {
    let mut out = String::new();
    explain_topics(&mut out, c, r);
    explain_regions(&mut out, c, r);
    explain_models(&mut out, c, r);
    let s = &r.sentiment;
    let [positive, neutral, negative] = s.probabilities;
    out.push_str(&format!(
        "Sentimen: {} (skor {})\n",
        s.class.as_str(),
        s.score
    ));
    out.push_str(&format!(
        "  model: positif {positive:.2}, netral {neutral:.2}, negatif {negative:.2}\n  \
         leksikon: {} (skor {})\n",
        s.lexicon.as_str(),
        s.score
    ));
    for (m, w) in &s.words {
        out.push_str(&format!(
            "    {} {w:+} pada {}\n",
            rule_text(&m.rule),
            loc(m)
        ));
    }
    out
}

/// Each topic model's probability, where the post holds the topic's group words, and
/// whether the model decided (it does only where the keyword rule did not match).
fn explain_models(out: &mut String, c: &Classifier, r: &Classification) {
    for m in &r.models {
        let what = if m.decided {
            "memutuskan: topik ditandai oleh model"
        } else if m.probability >= m.threshold {
            "tidak memutuskan: aturan kata kunci sudah cocok"
        } else {
            "tidak memutuskan: di bawah ambang"
        };
        out.push_str(&format!(
            "Model {}: peluang {:.2} (ambang {:.2}); {what}\n",
            c.topics[m.topic].id, m.probability, m.threshold
        ));
    }
}

/// A match as `"words" [start..end field]`.
fn loc(m: &Match) -> String {
    format!("\"{}\" [{}..{} {}]", m.text, m.start, m.end, field_name(m))
}

/// The topics that matched with their clauses and matches, then the vetoed and yielded ones.
fn explain_topics(out: &mut String, c: &Classifier, r: &Classification) {
    if r.topics.is_empty() {
        out.push_str("Topik: tidak ada\n");
    } else {
        out.push_str("Topik:\n");
    }
    for hit in &r.topics {
        let t = &c.topics[hit.topic];
        out.push_str(&format!(
            "  {} ({}; {}, prioritas {}){}\n",
            t.id,
            t.name,
            t.category,
            t.priority,
            salience_text(hit.salience.as_ref())
        ));
        for clause in &hit.clauses {
            match clause {
                Clause::Query => {
                    let q = t.query.as_ref().map_or("", |q| q.written.as_str());
                    out.push_str(&format!("    klausa query terpenuhi: {q}\n"));
                }
                Clause::Model => out.push_str(
                    "    model terlatih memutuskan (aturan kata kunci tidak cocok; kata kelompok ada)\n",
                ),
                other => out.push_str(&format!("    klausa {} terpenuhi\n", other.as_str())),
            }
        }
        push_matches(out, &hit.matches);
    }
    for hit in &r.vetoed {
        let t = &c.topics[hit.topic];
        out.push_str(&format!("  {} dikecualikan:\n", t.id));
        push_matches(out, &hit.matches);
    }
    for (hit, narrower) in &r.yielded {
        out.push_str(&format!(
            "  {} cocok, tetapi memberi tempat kepada topik yang lebih khusus {}\n",
            c.topics[hit.topic].id, c.topics[*narrower].id
        ));
    }
}

fn push_matches(out: &mut String, matches: &[Match]) {
    for m in matches {
        out.push_str(&format!(
            "    {} cocok dengan {}\n",
            rule_text(&m.rule),
            loc(m)
        ));
    }
}

/// The regions with the names that named them (or how they were inferred), then the
/// ambiguous names ignored.
fn explain_regions(out: &mut String, c: &Classifier, r: &Classification) {
    if r.regions.is_empty() {
        out.push_str("Wilayah: tidak ada\n");
    } else {
        out.push_str("Wilayah:\n");
    }
    for hit in &r.regions {
        let g = &c.regions[hit.region];
        let how = if hit.matches.is_empty() {
            "disimpulkan (induk wilayah atau wilayah bawaan sumber)".to_string()
        } else {
            hit.matches
                .iter()
                .map(|m| format!("{} cocok dengan {}", rule_text(&m.rule), loc(m)))
                .collect::<Vec<_>>()
                .join("; ")
        };
        out.push_str(&format!(
            "  {} ({}, {}): {how}{}\n",
            g.id,
            g.name,
            g.level.as_str(),
            salience_text(hit.salience.as_ref())
        ));
    }
    for hit in &r.ignored_regions {
        let g = &c.regions[hit.region];
        let words: Vec<String> = hit
            .matches
            .iter()
            .map(|m| format!("\"{}\"", m.text))
            .collect();
        out.push_str(&format!(
            "  diabaikan: {} ({}) dari {}: nama ambigu tanpa konteks Kalimantan Timur\n",
            g.id,
            g.name,
            words.join(", ")
        ));
    }
}

fn field_name(m: &Match) -> &'static str {
    match m.field {
        Field::Title => "judul",
        Field::Text => "teks",
    }
}
