#!/usr/bin/env python3
"""Language detection accuracy, as docs/quality.md reports it.

Runs `pantau classify --json` (which detects a text's language exactly as the pipeline does
for a post whose source states none) over every text of the IndoNLU tweets and reviews in
../shared/corpus (Indonesian) and the samples in tests/fixtures/lang/ (Malay, Javanese and
English, self-written), and prints per collection how many texts got each language.

    cargo build --release && scripts/lang_quality.py
"""

import argparse
import collections
import csv
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def detect(pantau, texts):
    clean = [" ".join(t.split()) or "-" for t in texts]
    run = subprocess.run([pantau, "classify", "--json"], input="\n".join(clean) + "\n",
                         capture_output=True, text=True, cwd=ROOT)
    if run.returncode != 0:
        sys.exit(f"pantau classify gagal: {run.stderr.strip()}")
    return [json.loads(line).get("lang") for line in run.stdout.splitlines() if line.strip()]


def samples(name):
    with open(os.path.join(ROOT, "tests/fixtures/lang", name)) as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pantau", default=os.path.join(ROOT, "target/release/pantau"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "../shared/corpus/indonlu"))
    args = ap.parse_args()
    sets = []
    if os.path.isdir(args.corpus):
        with open(os.path.join(args.corpus, "emot_emotion-twitter/train_preprocess.csv"),
                  newline="") as f:
            sets.append(("IndoNLU tweets", "id", [r["tweet"] for r in csv.DictReader(f)]))
        with open(os.path.join(args.corpus, "smsa_doc-sentiment-prosa/train_preprocess.tsv")) as f:
            sets.append(("IndoNLU reviews", "id", [l.split("\t")[0] for l in f if l.strip()]))
    else:
        print(f"(korpus tidak ada di {args.corpus}: hanya sampel)", file=sys.stderr)
    sets += [("Malay samples", "ms", samples("ms.txt")),
             ("Javanese samples", "jv", samples("jv.txt")),
             ("English samples", "en", samples("en.txt"))]
    print("| texts | n | right | undetected | detected as |")
    print("|---|---:|---:|---:|---|")
    for name, want, texts in sets:
        got = detect(args.pantau, texts)
        counts = collections.Counter(g or "-" for g in got)
        detected = len(got) - counts["-"]
        right = counts[want]
        share = f"{right} ({100 * right / detected:.1f} % of detected)" if detected else "0"
        spread = ", ".join(f"{k} {v}" for k, v in counts.most_common() if k != "-")
        print(f"| {name} | {len(got)} | {share} | {counts['-']} | {spread} |")


if __name__ == "__main__":
    main()
