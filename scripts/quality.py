#!/usr/bin/env python3
"""Measures the shipped keyword lists on ../shared/corpus (IndoNLU) and prints Markdown tables.

    scripts/quality.py                      # every table (docs/quality.md is this output)
    scripts/quality.py --show banjir        # the corpus texts that the topic banjir tags
    scripts/quality.py --regions            # every Kaltim region found in the news sentences
    scripts/quality.py --sentiment-errors negative   # misclassified comments of one class
    scripts/quality.py --heldout-errors     # held-out texts where Pantau and the label differ

It runs `pantau classify --json` once per corpus file (the texts go in on stdin), so it measures
exactly what the daemon does. Set PANTAU__KEYWORDS__DIR to measure another keyword folder.

Measures:
- topics: how many texts of each corpus file get each topic. The emotion tweets (emot) and the
  product/service comments (smsa) are mostly not about Kalimantan Timur's public issues, so
  every tag there is a candidate false positive; --show lists them for reading.
- regions: the news sentences (nerp) are mostly about the rest of Indonesia, with places tagged
  by people (B-PLC/I-PLC). A Kaltim region found there is checked against those tags.
- sentiment: Pantau's class against the human label of the held-out fifth of the smsa comments
  (the sentiment model trained on the rest; positif → positive, netral → neutral,
  berpotensi_negatif and negatif → negative), and the lexicon's class alone beside it.
- held-out: tests/fixtures/heldout.jsonl, news and social posts labelled by hand with topics and
  kabupaten/kota by someone who did not see the keyword lists: precision and recall per topic
  and for areas. It is in the project, so this table also runs without ../shared/corpus.
"""

import argparse
import collections
import csv
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def classify(pantau, texts):
    """One JSON result per text, from one `pantau classify --json` process."""
    clean = [" ".join(t.split()) or "-" for t in texts]
    run = subprocess.run(
        [pantau, "classify", "--json"],
        input="\n".join(clean) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if run.returncode != 0:
        sys.exit(f"pantau classify gagal: {run.stderr.strip()}")
    out = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    if len(out) != len(clean):
        sys.exit(f"pantau classify: {len(out)} hasil untuk {len(clean)} teks")
    return out


def load_emot(corpus):
    with open(os.path.join(corpus, "emot_emotion-twitter/train_preprocess.csv"), newline="") as f:
        return [row["tweet"] for row in csv.DictReader(f)]


def load_smsa(corpus):
    rows = []
    with open(os.path.join(corpus, "smsa_doc-sentiment-prosa/train_preprocess.tsv")) as f:
        for line in f:
            text, _, label = line.rstrip("\n").rpartition("\t")
            if text:
                rows.append((text, label))
    return rows


def load_nerp(corpus):
    """Sentences as (text, [(start, end, tag)]) with byte offsets of each token."""
    sentences = []
    with open(os.path.join(corpus, "nerp_ner-prosa/train_preprocess.txt")) as f:
        blocks = f.read().split("\n\n")
    for block in blocks:
        tokens = [line.split("\t") for line in block.splitlines() if "\t" in line]
        if not tokens:
            continue
        text, spans = "", []
        for token, tag in tokens:
            if text:
                text += " "
            start = len(text.encode())
            text += token
            spans.append((start, len(text.encode()), tag))
        sentences.append((text, spans))
    return sentences


def pct(n, total):
    return f"{100.0 * n / total:.2f} %" if total else "-"


def topic_table(pantau, corpus, show):
    emot = load_emot(corpus)
    smsa = [t for t, _ in load_smsa(corpus)]
    per_file = {}
    names = {}
    for label, texts in (("emot", emot), ("smsa", smsa)):
        counts = collections.Counter()
        tagged_any = 0
        for text, result in zip(texts, classify(pantau, texts)):
            ids = [t["id"] for t in result["topics"]]
            for t in result["topics"]:
                names[t["id"]] = (t["name"], t["category"])
            tagged_any += bool(ids)
            for i in ids:
                counts[i] += 1
                if show and i == show:
                    hits = [m["text"] for t in result["topics"] if t["id"] == i for m in t["matches"]]
                    print(f"[{label}] {text}\n    ↳ {', '.join(hits)}")
        per_file[label] = (counts, tagged_any, len(texts))
    if show:
        return
    topics = sorted(all_topic_ids())
    print("### Topics on text that is mostly not about Kaltim issues\n")
    e_total, s_total = per_file["emot"][2], per_file["smsa"][2]
    print(f"| topic | category | emot tweets ({e_total:,}) | smsa comments ({s_total:,}) |")
    print("|---|---|---:|---:|")
    for tid in topics:
        category = names.get(tid, ("", topic_category(tid)))[1]
        e = per_file["emot"][0][tid]
        s = per_file["smsa"][0][tid]
        print(f"| {tid} | {category} | {e} ({pct(e, e_total)}) | {s} ({pct(s, s_total)}) |")
    e_any, s_any = per_file["emot"][1], per_file["smsa"][1]
    print(f"| **any topic** | | **{e_any} ({pct(e_any, e_total)})** | **{s_any} ({pct(s_any, s_total)})** |")
    print()


def keywords_dir():
    return os.environ.get("PANTAU__KEYWORDS__DIR", os.path.join(ROOT, "keywords"))


def all_topic_ids():
    folder = os.path.join(keywords_dir(), "topics")
    return [f[:-5] for f in os.listdir(folder) if f.endswith(".toml")]


def topic_category(tid):
    path = os.path.join(keywords_dir(), "topics", tid + ".toml")
    with open(path) as f:
        for line in f:
            if line.startswith("category"):
                return line.split("=", 1)[1].strip().strip('"')
    return ""


def region_table(pantau, corpus, list_all):
    sentences = load_nerp(corpus)
    results = classify(pantau, [s for s, _ in sentences])
    firings = []  # (region id, matched text, tag class, sentence)
    plc_sentences = sum(1 for _, spans in sentences if any(t.endswith("PLC") for *_, t in spans))
    for (text, spans), result in zip(sentences, results):
        for region in result["regions"]:
            for m in region["matches"]:
                tags = {t for s, e, t in spans if s < m["end"] and e > m["start"]}
                kinds = {t.split("-", 1)[1] for t in tags if "-" in t}
                kind = "PLC" if "PLC" in kinds else (sorted(kinds)[0] if kinds else "O")
                firings.append((region["id"], m["text"], kind, text))
    with_region = sum(1 for r in results if any(not g["inferred"] for g in r["regions"]))
    by_kind = collections.Counter(k for _, _, k, _ in firings)
    print("### Kaltim regions in news sentences from all over Indonesia\n")
    print(f"{len(sentences):,} sentences (nerp), {plc_sentences:,} of them with a place tag; "
          f"{with_region} ({pct(with_region, len(sentences))}) get a Kaltim region from their text.\n")
    print("| the words a region matched were tagged as | matches |")
    print("|---|---:|")
    labels = {"PLC": "a place (PLC)", "ORG": "an organisation (ORG)", "PPL": "a person (PPL)",
              "EVT": "an event (EVT)", "IND": "an institution (IND)", "FNB": "food (FNB)",
              "O": "not a name (O)"}
    for kind, n in by_kind.most_common():
        print(f"| {labels.get(kind, kind)} | {n} |")
    print()
    if list_all:
        for rid, hit, kind, text in firings:
            print(f"- {rid} ← \"{hit}\" [{kind}]: {text}")
        print()
    return firings


def held_out(text):
    """The fifth of smsa the sentiment model never trained on: FNV-1a (64 bit) of the text's
    UTF-8 bytes modulo 5 is 0, as `sentiment_model::is_held_out` splits it."""
    h = 0xCBF29CE484222325
    for b in text.encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h % 5 == 0


def sentiment_table(pantau, corpus, errors_of):
    rows = [(t, label) for t, label in load_smsa(corpus) if held_out(t)]
    results = classify(pantau, [t for t, _ in rows])
    to_label = {"positif": "positive", "netral": "neutral",
                "berpotensi_negatif": "negative", "negatif": "negative"}
    confusion = collections.Counter()
    lexicon = collections.Counter()
    four = collections.Counter()
    for (text, gold), result in zip(rows, results):
        s = result["sentiment"]
        cls = s["class"]
        got = to_label[cls]
        confusion[(gold, got)] += 1
        lexicon[(gold, to_label[s["lexicon"]["class"]])] += 1
        four[(gold, cls)] += 1
        if errors_of and gold == errors_of and got != gold:
            m = s["model"]
            print(f"[{cls} {s['score']:+.0f} +{m['positive']:.2f} ={m['neutral']:.2f} "
                  f"-{m['negative']:.2f}] {text}")
    if errors_of:
        return
    labels = ["positive", "neutral", "negative"]
    right = sum(confusion[(l, l)] for l in labels)
    lex_right = sum(lexicon[(l, l)] for l in labels)
    print("### Sentiment against human labels\n")
    print(f"{len(rows):,} comments and reviews: the held-out fifth of smsa, which the sentiment "
          f"model did not train on (it saw the other four fifths); accuracy {pct(right, len(rows))} "
          f"(the lexicon alone: {pct(lex_right, len(rows))}).\n")
    print("| human label | texts | recall | precision | lexicon alone: recall | precision "
          "| Pantau: positif | netral | berpotensi negatif | negatif |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for gold in labels:
        n = sum(confusion[(gold, g)] for g in labels)
        predicted = sum(confusion[(g, gold)] for g in labels)
        lex_predicted = sum(lexicon[(g, gold)] for g in labels)
        cells = " | ".join(str(four[(gold, c)]) for c in
                           ("positif", "netral", "berpotensi_negatif", "negatif"))
        print(f"| {gold} | {n:,} | {pct(confusion[(gold, gold)], n)} | "
              f"{pct(confusion[(gold, gold)], predicted)} | {pct(lexicon[(gold, gold)], n)} | "
              f"{pct(lexicon[(gold, gold)], lex_predicted)} | {cells} |")
    print()


def heldout_table(pantau, show_errors):
    path = os.path.join(ROOT, "tests/fixtures/heldout.jsonl")
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    results = classify(pantau, [r["text"] for r in rows])
    tp, fp, fn = collections.Counter(), collections.Counter(), collections.Counter()
    area = collections.Counter()
    for row, result in zip(rows, results):
        want, got = set(row["topics"]), {t["id"] for t in result["topics"]}
        for t in want & got:
            tp[t] += 1
        for t in got - want:
            fp[t] += 1
        for t in want - got:
            fn[t] += 1
        levels = ("kabupaten", "kota")
        want_a = set(row["areas"])
        got_a = {g["id"] for g in result["regions"] if g["level"] in levels}
        area["tp"] += len(want_a & got_a)
        area["fp"] += len(got_a - want_a)
        area["fn"] += len(want_a - got_a)
        if show_errors and (want != got or want_a != got_a):
            print(f"- {row['text']}\n    label {sorted(want)} {sorted(want_a)}; "
                  f"Pantau {sorted(got)} {sorted(got_a)}")
    if show_errors:
        return

    def pr(t, f, n):
        p = t / (t + f) if t + f else 1.0
        r = t / (t + n) if t + n else 1.0
        return p, r

    topics = sorted(set(tp) | set(fp) | set(fn))
    kinds = collections.Counter(r.get("kind", "?") for r in rows)
    print("### Held-out labelled posts\n")
    print(f"{len(rows)} texts ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}), "
          f"{sum(1 for r in rows if not r['topics'])} of them about none of the topics.\n")
    print("| topic | labelled | found | wrongly found | precision | recall |")
    print("|---|---:|---:|---:|---:|---:|")
    for t in topics:
        p, r = pr(tp[t], fp[t], fn[t])
        print(f"| {t} | {tp[t] + fn[t]} | {tp[t]} | {fp[t]} | {100 * p:.0f} % | {100 * r:.0f} % |")
    p, r = pr(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    print(f"| **all topics** | {sum(tp.values()) + sum(fn.values())} | {sum(tp.values())} | "
          f"{sum(fp.values())} | **{100 * p:.1f} %** | **{100 * r:.1f} %** |")
    p, r = pr(area["tp"], area["fp"], area["fn"])
    print(f"| **kabupaten/kota** | {area['tp'] + area['fn']} | {area['tp']} | {area['fp']} | "
          f"**{100 * p:.1f} %** | **{100 * r:.1f} %** |")
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pantau", default=os.path.join(ROOT, "target/release/pantau"),
                    help="the pantau binary (default: target/release/pantau)")
    ap.add_argument("--corpus", default=os.path.join(ROOT, "../shared/corpus/indonlu"))
    ap.add_argument("--show", metavar="TOPIC", help="print the corpus texts that TOPIC tags")
    ap.add_argument("--regions", action="store_true", help="list every region match in nerp")
    ap.add_argument("--heldout-errors", action="store_true",
                    help="print the held-out texts where Pantau and the label differ")
    ap.add_argument("--sentiment-errors", metavar="CLASS",
                    choices=["positive", "neutral", "negative"],
                    help="print the smsa comments of CLASS that Pantau got wrong")
    args = ap.parse_args()
    if not os.path.exists(args.pantau):
        sys.exit(f"{args.pantau} tidak ada: jalankan `cargo build --release` dahulu")
    if args.heldout_errors:
        return heldout_table(args.pantau, True)
    if not os.path.isdir(args.corpus):
        sys.exit(f"{args.corpus} tidak ada: korpus IndoNLU ada di ../shared/corpus")
    if args.show:
        topic_table(args.pantau, args.corpus, args.show)
    elif args.regions:
        region_table(args.pantau, args.corpus, True)
    elif args.sentiment_errors:
        sentiment_table(args.pantau, args.corpus, args.sentiment_errors)
    else:
        topic_table(args.pantau, args.corpus, None)
        region_table(args.pantau, args.corpus, False)
        sentiment_table(args.pantau, args.corpus, None)
        heldout_table(args.pantau, False)


if __name__ == "__main__":
    main()
