#!/usr/bin/env python3
"""Measures kabupaten/kota and topic tags on real Kaltim news labelled by hand.

    scripts/tag_quality.py --texts ../devdata/kaltim-news/texts.jsonl              # held-out split
    scripts/tag_quality.py --texts ... --split dev --errors    # per-article differences, dev split
    scripts/tag_quality.py --texts ... --split all --pantau ../devdata/pantau-before

The labels are in tests/fixtures/quality/kaltim-news.jsonl (id, url, short title, regions,
topics, split); the article text is not in the repository. texts.jsonl holds one
{"id", "url", "title", "text"} per line, the text being the title on the first line and then the
page body as stored. Each article goes through `pantau classify --json` in its own process, run
in the repository so it reads this checkout's config/ and keywords/.

What is compared (labelling rules in docs/quality.md, "Real Kaltim news: where and what"):
- kabupaten/kota: the regions Pantau returns with level "kabupaten" or "kota" (a kecamatan's
  kabupaten, inferred, counts too) against the labelled ones; "kaltim" in a label (an article
  about the whole province) stands for no kabupaten/kota. An article labelled with no region at
  all is from another province: any Kaltim kabupaten/kota on it is wrong.
- topics: the topic ids Pantau returns, in its order, against the 1-3 labelled ones.
- first topic right: over articles with a labelled topic and at least one topic from Pantau,
  the share whose first listed topic is among the labelled ones.
When topics and regions carry "role", only role "primary" is counted (what the briefing counts);
the "all" column then counts every tag as well.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import subprocess
import sys

try:
    import tomllib
except ImportError:  # Python < 3.11: the parent links are then not shown
    tomllib = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABELS = os.path.join(ROOT, "tests/fixtures/quality/kaltim-news.jsonl")
DEFAULT_TEXTS = os.path.join(ROOT, "../devdata/kaltim-news/texts.jsonl")
KAB_LEVELS = ("kabupaten", "kota")


def region_parents():
    """id -> parent id from keywords/regions.toml, to say which smaller place a kabupaten/kota was
    inferred from."""
    path = os.path.join(ROOT, "keywords/regions.toml")
    if tomllib is None or not os.path.exists(path):
        return {}
    with open(path, "rb") as f:
        data = tomllib.load(f)
    return {r["id"]: r.get("parent") for r in data.get("region", [])}


def ancestors(rid, parents):
    seen = []
    while rid in parents and parents[rid] and rid not in seen:
        seen.append(rid)
        rid = parents[rid]
    return seen[1:] + ([rid] if rid not in seen else [])


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def post_text(article):
    """What Pantau reads: the title, a blank line, the body. The stored text already starts with
    the title line; it is not added a second time."""
    title, text = article["title"].strip(), article["text"]
    if text.startswith(title):
        return text
    return f"{title}\n\n{text}"


def classify(pantau, text):
    run = subprocess.run([pantau, "classify", "--json", text], cwd=ROOT,
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"pantau classify gagal: {run.stderr.strip()}")
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    if len(lines) != 1:
        sys.exit(f"pantau classify: {len(lines)} baris JSON untuk satu artikel")
    return json.loads(lines[0])


def has_roles(result):
    return any("role" in e for e in result.get("topics", []) + result.get("regions", []))


def tags(result, primary_only):
    """(kabupaten/kota ids, topic ids in Pantau's order) of one result."""
    def keep(e):
        return not primary_only or e.get("role", "primary") == "primary"
    kab = {r["id"] for r in result.get("regions", []) if r.get("level") in KAB_LEVELS and keep(r)}
    topics = [t["id"] for t in result.get("topics", []) if keep(t)]
    return kab, topics


class Score:
    def __init__(self):
        self.kab = collections.Counter()
        self.top = collections.Counter()
        self.other = collections.Counter()
        self.first = collections.Counter()
        self.fp_topic, self.fn_topic = collections.Counter(), collections.Counter()
        self.fp_kab, self.fn_kab = collections.Counter(), collections.Counter()
        self.n_topics = self.n_kab = self.n = 0

    def add(self, label, kab, topics):
        want_kab = {r for r in label["regions"] if r != "kaltim"}
        want_top = set(label["topics"])
        self.n += 1
        self.n_topics += len(topics)
        self.n_kab += len(kab)
        self.kab["tp"] += len(kab & want_kab)
        self.kab["fp"] += len(kab - want_kab)
        self.kab["fn"] += len(want_kab - kab)
        self.fp_kab.update(kab - want_kab)
        self.fn_kab.update(want_kab - kab)
        if not label["regions"]:
            self.other["n"] += 1
            self.other["clean"] += not kab
        got = set(topics)
        self.top["tp"] += len(got & want_top)
        self.top["fp"] += len(got - want_top)
        self.top["fn"] += len(want_top - got)
        self.fp_topic.update(got - want_top)
        self.fn_topic.update(want_top - got)
        if want_top and topics:
            self.first["n"] += 1
            self.first["right"] += topics[0] in want_top


def check_labels(labels):
    """A label naming a topic or region the lists do not have would silently count as missed."""
    folder = os.path.join(ROOT, "keywords/topics")
    topics = {f[:-5] for f in os.listdir(folder) if f.endswith(".toml")}
    parents = region_parents()
    known = {r for r, p in parents.items() if p == "kaltim"} | {"kaltim"} if parents else None
    ids = set()
    for l in labels:
        bad = [t for t in l["topics"] if t not in topics]
        bad += [r for r in l["regions"] if known is not None and r not in known]
        if bad or l["id"] in ids or l.get("split") not in ("dev", "heldout"):
            sys.exit(f"label {l['id']} salah: {bad or l.get('split') or 'id ganda'}")
        ids.add(l["id"])


def ratio(a, b):
    return a / b if b else 1.0


def pr(c):
    return ratio(c["tp"], c["tp"] + c["fp"]), ratio(c["tp"], c["tp"] + c["fn"])


def table(labels, scores, split, binary):
    n_other = sum(1 for l in labels if not l["regions"])
    n_prov = sum(1 for l in labels if l["regions"] == ["kaltim"])
    print(f"Split `{split}`: {len(labels)} articles ({len(labels) - n_other} from Kaltim, "
          f"{n_prov} of them about the whole province; {n_other} from other provinces), "
          f"{sum(len(l['topics']) for l in labels)} labelled topics, "
          f"{sum(len([r for r in l['regions'] if r != 'kaltim']) for l in labels)} labelled "
          f"kabupaten/kota. Pantau: `{binary}`.\n")
    cols = list(scores)
    print("| measure | " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * len(cols))

    def row(name, fn):
        print(f"| {name} | " + " | ".join(fn(scores[c]) for c in cols) + " |")

    row("kabupaten/kota: precision", lambda s: f"{pr(s.kab)[0]:.2f} ({s.kab['fp']} extra)")
    row("kabupaten/kota: recall", lambda s: f"{pr(s.kab)[1]:.2f} ({s.kab['fn']} missed)")
    row("other provinces given no Kaltim kabupaten/kota",
        lambda s: f"{ratio(s.other['clean'], s.other['n']):.2f} "
                  f"({s.other['clean']} of {s.other['n']})")
    row("topics: precision", lambda s: f"{pr(s.top)[0]:.2f} ({s.top['fp']} extra)")
    row("topics: recall", lambda s: f"{pr(s.top)[1]:.2f} ({s.top['fn']} missed)")
    row("first topic listed is right",
        lambda s: f"{ratio(s.first['right'], s.first['n']):.2f} "
                  f"({s.first['right']} of {s.first['n']})")
    row("topics per article", lambda s: f"{ratio(s.n_topics, s.n):.1f}")
    row("kabupaten/kota per article", lambda s: f"{ratio(s.n_kab, s.n):.1f}")
    print()
    s = scores[cols[0]]
    print("Most frequent extra / missed tags (" + cols[0] + "): "
          + ", ".join(f"{k} +{v}" for k, v in s.fp_kab.most_common(10)) + "; "
          + ", ".join(f"{k} +{v}" for k, v in s.fp_topic.most_common(10)) + "; missed "
          + ", ".join(f"{k} {v}" for k, v in (s.fn_kab + s.fn_topic).most_common(8)) + ".\n")


def snippet(text, match, width=50):
    """The words around one match, on one line; offsets may be bytes or characters."""
    start, end = match.get("start", 0), match.get("end", 0)
    raw = text.encode("utf-8")
    if raw[start:end].decode("utf-8", "ignore").lower() == match.get("text", "").lower():
        before = raw[max(0, start - width):start].decode("utf-8", "ignore")
        after = raw[end:end + width].decode("utf-8", "ignore")
    else:
        before, after = text[max(0, start - width):start], text[end:end + width]
    s = f"…{before}[{match.get('text', '')}]{after}…"
    return " ".join(s.split())


def errors(label, article, result, text, parents):
    want_kab = {r for r in label["regions"] if r != "kaltim"}
    want_top = label["topics"]
    roles = has_roles(result)
    kab_p, top_p = tags(result, True)
    kab_a, top_a = tags(result, False)
    if kab_p == want_kab and set(top_p) == set(want_top) and (not top_p or top_p[0] in want_top):
        return
    print(f"## {label['id']} {article['title']}\n{label['url']}")
    print(f"- label: regions {label['regions'] or ['(other province)']}, topics {want_top}")
    print(f"- Pantau{' primary' if roles else ''}: kab/kota {sorted(kab_p)}, topics {top_p}")
    if roles and (kab_a != kab_p or top_a != top_p):
        print(f"- Pantau mentioned too: kab/kota {sorted(kab_a - kab_p)}, "
              f"topics {[t for t in top_a if t not in top_p]}")
    by_id = {r["id"]: r for r in result.get("regions", [])}
    for rid in sorted(kab_p - want_kab):
        r = by_id[rid]
        where = [snippet(text, m) for m in r.get("matches", [])[:3]]
        if not where and r.get("inferred"):
            small = [k for k in result.get("regions", []) if k.get("level") not in KAB_LEVELS
                     and k.get("matches") and rid in ancestors(k["id"], parents)]
            where = ["inferred from " + ", ".join(
                f"{k['id']} ({k['level']}) " + snippet(text, k["matches"][0]) for k in small)
                or "inferred from a smaller place"]
        extra = f" role {r['role']} weight {r.get('weight')}" if "role" in r else ""
        print(f"  - extra kab/kota {rid}{extra}: " + " | ".join(where))
    for rid in sorted(want_kab - kab_p):
        print(f"  - missed kab/kota {rid}")
    topics_by_id = {t["id"]: t for t in result.get("topics", [])}
    for tid in [t for t in top_p if t not in want_top]:
        t = topics_by_id[tid]
        terms = sorted({m.get("text", "").lower() for m in t.get("matches", [])})
        extra = f" role {t['role']} weight {t.get('weight')}" if "role" in t else ""
        print(f"  - extra topic {tid}{extra}: {', '.join(terms[:6])}")
    for tid in [t for t in want_top if t not in top_p]:
        print(f"  - missed topic {tid}")
    if top_p and want_top and top_p[0] not in want_top:
        print(f"  - first topic {top_p[0]} is not labelled")
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--texts", default=DEFAULT_TEXTS, help="texts.jsonl of the labelled articles")
    ap.add_argument("--labels", default=LABELS)
    ap.add_argument("--split", choices=["heldout", "dev", "all"], default="heldout")
    ap.add_argument("--pantau", default=os.path.join(ROOT, "target/release/pantau"),
                    help="the pantau binary (default: target/release/pantau)")
    ap.add_argument("--errors", action="store_true", help="print every article that differs")
    ap.add_argument("--jobs", type=int, default=2, help="pantau processes at once")
    args = ap.parse_args()

    if not os.path.exists(args.texts):
        print(f"Teks artikel tidak ada di {args.texts}: teks tidak disimpan di repositori. "
              "Bangun ulang dengan mengambil setiap url di "
              "tests/fixtures/quality/kaltim-news.jsonl dan menulis satu baris "
              '{"id", "url", "title", "text"} per artikel (text: judul di baris pertama, lalu '
              "isi halaman), lalu jalankan lagi dengan --texts BERKAS.")
        return
    pantau = os.path.abspath(args.pantau)
    if not os.path.exists(pantau):
        sys.exit(f"{pantau} tidak ada: jalankan `cargo build --release` dahulu")

    all_labels = load_jsonl(args.labels)
    check_labels(all_labels)
    labels = [l for l in all_labels if args.split == "all" or l["split"] == args.split]
    texts = {t["id"]: t for t in load_jsonl(args.texts)}
    missing = [l["id"] for l in labels if l["id"] not in texts]
    if missing:
        print(f"{len(missing)} artikel berlabel tidak punya teks (mis. {missing[0]}); "
              "artikel itu dilewati.\n")
    labels = [l for l in labels if l["id"] in texts]
    inputs = [post_text(texts[l["id"]]) for l in labels]
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        results = list(pool.map(lambda t: classify(pantau, t), inputs))

    roles = any(has_roles(r) for r in results)
    scores = {"primary": Score(), "all": Score()} if roles else {"all tags": Score()}
    for label, result in zip(labels, results):
        for name, score in scores.items():
            score.add(label, *tags(result, name == "primary"))
    if args.errors:
        parents = region_parents()
        for label, result, text in zip(labels, results, inputs):
            errors(label, texts[label["id"]], result, text, parents)
    table(labels, scores, args.split, os.path.relpath(pantau, ROOT))


if __name__ == "__main__":
    main()
