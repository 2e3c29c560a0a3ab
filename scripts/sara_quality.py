#!/usr/bin/env python3
"""Measures the konten-sara topic: posts that insult, dehumanise or call for action against a
religion, ethnicity, race or group.

    scripts/sara_quality.py --data ../devdata/hate/re_dataset.csv            # dev half
    scripts/sara_quality.py --data ../devdata/hate/re_dataset.csv --split heldout
    scripts/sara_quality.py --data ../devdata/hate/re_dataset.csv --errors   # misses, false hits
    scripts/sara_quality.py --show-corpus       # the ordinary posts konten-sara tags

It runs `pantau classify --json` (texts on stdin, one process per collection), so it measures
exactly what the daemon does, with the keyword lists of this repository (or
PANTAU__KEYWORDS__DIR).

Data, none of it in the project:
- --data: re_dataset.csv of Ibrohim & Budi (2019), "Multi-label Hate Speech and Abusive Language
  Detection in Indonesian Twitter" (GitHub okkyibrohim/id-multi-label-hate-speech-and-abusive-
  language-detection; CC BY-NC-SA 4.0). Columns Tweet, HS, Abusive, HS_Individual, HS_Group,
  HS_Religion, HS_Race, ... A tweet counts as SARA when HS_Religion or HS_Race is 1; a hit on any
  other tweet (hate speech aimed elsewhere included) counts as a false hit. Rows are split in two
  by a hash of the tweet text (dev: even first byte of SHA-1, heldout: odd), so the split is the
  same for the full file and for any part of it. Absent: a notice, and that part is skipped.
- --data defaults to ../devdata/hate/re_dataset.csv beside the repository: a copy of the file's
  characters 336,000-800,000 (3,314 tweets; its README says how it was made). Literal "\\x.."
  byte escapes in the tweet field are kept as the file has them (a word written right after
  one, "\\x82khas", is not seen as that word; the figures include that); its "\\n" escapes
  become spaces.
- --data ../devdata/hate/test_fresh.csv --split all: the file's characters 800,000-896,000
  (679 tweets), and ../devdata/hate/test_fresh2.csv, characters 896,000-960,000 (470 tweets),
  which neither the list nor the model was tuned or trained on (the model is trained on all of
  re_dataset.csv): the held-out tests.
- konten-sara is reported twice: its keyword list alone (konten-sara/list: the tags a clause
  other than the trained model's made) and as shipped (list OR model with a group word).
- Besides precision and recall it reports the share of labelled tweets that name only PKI or
  komunis (an ideology, which konten-sara leaves out) and the recall on the others.
- --corpus (default ../shared/corpus/indonlu, IndoNLU, MIT): the emotion tweets and the SmSA reviews,
  ordinary posts; the share that konten-sara tags should stay under 1 %.
"""

import argparse
import csv
import hashlib
import os
import re
import sys

import quality  # scripts/quality.py: one `pantau classify --json` run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOPIC = "konten-sara"
NEWS_TOPIC = "ujaran-kebencian"
# konten-sara by its keyword rule alone (without the tags only the trained model decided).
LIST = TOPIC + "/list"

# The dataset labels many tweets about PKI and communists as race (or religion): an ideology,
# which konten-sara does not count. A labelled tweet that names PKI/komunis and no religion,
# ethnic or racial word is reported apart, so its share of the misses is visible.
IDEOLOGY = re.compile(r"\b(pki|komunis\w*)\b")
SARA_WORDS = re.compile(
    r"\b(cina|china|tionghoa|aseng|sipit|kafir|kapir|islam|muslim|kristen|katolik|nasrani|budha|"
    r"buddha|hindu|yahudi|arab|onta|agama|allah|quran|alquran|ulama|umat|etnis|suku|ras|pribumi)\b")


def ideology_only(text):
    t = text.lower()
    return bool(IDEOLOGY.search(t)) and not SARA_WORDS.search(t)


def default_pantau():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "pantau")


def classify(pantau, texts):
    """Topic ids per text, from one `pantau classify --json` process. konten-sara counts as
    "konten-sara/list" too when its keyword rule matched (a clause other than the model's)."""
    out = []
    for r in quality.classify(pantau, texts):
        ids = {t["id"] for t in r["topics"]}
        if any(t["id"] == TOPIC and set(t["clauses"]) - {"model"} for t in r["topics"]):
            ids.add(LIST)
        out.append(ids)
    return out


def tweet_text(raw):
    """The tweet as a person wrote it: the file's quoting, trailing quote marks and literal
    "\\n" escapes removed."""
    t = raw.strip()
    if len(t) >= 2 and t[0] == '"' and t[-1] == '"':
        t = t[1:-1].replace('""', '"')
    t = t.rstrip("'\"")
    return t.replace("\\n", " ").replace("\\t", " ")


def load_hate(path):
    """(text, split, is_sara, is_hate) per row. The tweet field is quoted inconsistently in the
    original file (apostrophes, unbalanced quotes), so a row is split from the right: the last 12
    fields are the labels."""
    rows = []
    with open(path, encoding="utf-8", errors="replace") as f:
        header = f.readline().rstrip("\n").split(",")
        if header[:1] != ["Tweet"] or len(header) != 13:
            sys.exit(f"{path}: kolom tidak dikenal: {header}")
        col = {name: i for i, name in enumerate(header)}
        for line in f:
            parts = line.rstrip("\n").rsplit(",", 12)
            if len(parts) != 13 or not all(p in ("0", "1") for p in parts[1:]):
                continue
            raw = parts[0]
            split = "dev" if hashlib.sha1(raw.encode()).digest()[0] % 2 == 0 else "heldout"
            sara = parts[col["HS_Religion"]] == "1" or parts[col["HS_Race"]] == "1"
            rows.append((tweet_text(raw), split, sara, parts[col["HS"]] == "1"))
    return rows


def pct(n, total, digits=1):
    return f"{100.0 * n / total:.{digits}f} %" if total else "-"


def measure_hate(pantau, path, split, errors):
    rows = [r for r in load_hate(path) if split == "all" or r[1] == split]
    topics = classify(pantau, [r[0] for r in rows])
    sara = sum(1 for r in rows if r[2])
    hate_other = sum(1 for r in rows if r[3] and not r[2])
    print(f"### {os.path.basename(path)}, {split}: {len(rows)} tweets, {sara} aimed at religion "
          f"or race, {hate_other} hate speech aimed elsewhere\n")
    print("| topic | tagged | right | wrong (of them: hate aimed elsewhere) | precision | recall |")
    print("|---|---:|---:|---:|---:|---:|")
    for tid in (LIST, TOPIC, NEWS_TOPIC):
        hit = [(r, tid in t) for r, t in zip(rows, topics)]
        tp = sum(1 for r, h in hit if h and r[2])
        fp = sum(1 for r, h in hit if h and not r[2])
        fp_hate = sum(1 for r, h in hit if h and not r[2] and r[3])
        prec = f"{100.0 * tp / (tp + fp):.1f} %" if tp + fp else "-"
        print(f"| {tid} | {tp + fp} | {tp} | {fp} ({fp_hate}) | {prec} | {pct(tp, sara)} |")
    either = sum(1 for r, t in zip(rows, topics) if r[2] and (TOPIC in t or NEWS_TOPIC in t))
    print(f"| either of the two | | {either} | | | {pct(either, sara)} |")
    print()
    ideo = [(r, t) for r, t in zip(rows, topics) if r[2] and ideology_only(r[0])]
    rest = sara - len(ideo)
    found = sum(1 for r, t in zip(rows, topics) if r[2] and TOPIC in t and not ideology_only(r[0]))
    listed = sum(1 for r, t in zip(rows, topics) if r[2] and LIST in t and not ideology_only(r[0]))
    print(f"{len(ideo)} of the {sara} name PKI/komunis and no religion, ethnic or racial word; "
          f"recall on the other {rest}: {TOPIC} {pct(found, rest)} ({found}), "
          f"the keyword list alone {pct(listed, rest)} ({listed}).\n")
    if errors:
        print("Missed (SARA, not tagged):")
        for r, t in zip(rows, topics):
            if r[2] and TOPIC not in t:
                print(f"  - {r[0]}")
        print("\nWrongly tagged (H = hate speech aimed elsewhere):")
        for r, t in zip(rows, topics):
            if TOPIC in t and not r[2]:
                print(f"  {'H' if r[3] else '-'} {r[0]}")
        print()


def load_emot(corpus):
    with open(os.path.join(corpus, "emot_emotion-twitter/train_preprocess.csv"), newline="") as f:
        return [row["tweet"] for row in csv.DictReader(f)]


def load_smsa(corpus):
    texts = []
    with open(os.path.join(corpus, "smsa_doc-sentiment-prosa/train_preprocess.tsv")) as f:
        for line in f:
            text, _, _ = line.rstrip("\n").rpartition("\t")
            if text:
                texts.append(text)
    return texts


def measure_corpus(pantau, corpus, show):
    print("### Ordinary posts tagged (IndoNLU)\n")
    print(f"| texts | n | {TOPIC} | {NEWS_TOPIC} |")
    print("|---|---:|---:|---:|")
    for label, texts in (("emotion tweets (emot)", load_emot(corpus)),
                         ("reviews and comments (smsa)", load_smsa(corpus))):
        topics = classify(pantau, texts)
        n = sum(1 for t in topics if TOPIC in t)
        k = sum(1 for t in topics if LIST in t)
        m = sum(1 for t in topics if NEWS_TOPIC in t)
        print(f"| {label} | {len(texts):,} | {n} ({pct(n, len(texts), 2)}; list alone {k}) "
              f"| {m} ({pct(m, len(texts), 2)}) |")
        if show:
            for text, t in zip(texts, topics):
                if TOPIC in t:
                    print(f"  [{label.split()[0]}] {text}")
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "devdata", "hate", "re_dataset.csv"),
                    help="re_dataset.csv (Ibrohim & Budi 2019); absent: skipped with a notice")
    ap.add_argument("--split", choices=("dev", "heldout", "all"), default="dev")
    ap.add_argument("--errors", action="store_true", help="list misses and false hits")
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus", "indonlu"))
    ap.add_argument("--show-corpus", action="store_true", help="list the corpus texts tagged")
    ap.add_argument("--pantau", default=default_pantau(),
                    help="the pantau binary (default: $CARGO_TARGET_DIR or target/release/pantau)")
    args = ap.parse_args()
    if not os.path.exists(args.pantau):
        sys.exit(f"{args.pantau} tidak ada: jalankan `cargo build --release` dahulu")
    if os.path.exists(args.data):
        measure_hate(args.pantau, args.data, args.split, args.errors)
    else:
        print(f"{args.data} tidak ada: data ujaran kebencian dilewati.\n")
    if os.path.isdir(args.corpus):
        measure_corpus(args.pantau, args.corpus, args.show_corpus)
    else:
        print(f"{args.corpus} tidak ada: korpus IndoNLU dilewati.\n")


if __name__ == "__main__":
    main()
