#!/usr/bin/env bash
# The ingest path, stage by stage, side by side with the Python reference pipeline on the same
# input: ../shared/bench/gen_corpus.py writes 20 RSS files × 500 items and keyword sets of 50
# and 1,000 topics × 40 terms (into target/bench-corpus); the reference
# (../shared/bench/python_baseline/baseline.py) runs with its `re` engine (its default) and its
# `aho` engine on the K=50 set, and `cargo bench --bench ingest` (report mode) times Pantau's
# stages on the same files and lists. Prints one table with the ratios and the targets.
# Needs ../shared/bench and Python 3; installs feedparser and pyahocorasick into target/bench-venv.
# PANTAU_BENCH_REPEAT (default 5) sets Pantau's runs per stage; PY_REPEAT (default 3) the
# reference's (`re` runs once: at 477 posts/s a run takes half a minute).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${PANTAU_BENCH_OUT:-target/bench-out}
. scripts/bench-setup.sh
mkdir -p "$out"
kw="$corpus/keywords_K50_P40.toml"
echo "== Python reference, engine aho, K=50" >&2
"$py" "$shared/python_baseline/baseline.py" "$corpus" "$kw" --engine aho \
  --repeat "${PY_REPEAT:-3}" --db "$out/py.sqlite" --json "$out/py-aho.json" >&2
echo "== Python reference, engine re (its default), K=50" >&2
"$py" "$shared/python_baseline/baseline.py" "$corpus" "$kw" --engine re \
  --repeat 1 --db "$out/py.sqlite" --json "$out/py-re.json" >&2
echo "== Pantau (cargo bench --bench ingest, report mode)" >&2
PANTAU_BENCH_CORPUS="$(realpath "$corpus")" PANTAU_BENCH_REPORT="$(realpath "$out")/pantau.json" \
  cargo bench --bench ingest >&2
python3 - "$out" <<'EOF'
import json, sys
out = sys.argv[1]
p = json.load(open(f"{out}/pantau.json"))
re_, aho = (json.load(open(f"{out}/py-{e}.json")) for e in ("re", "aho"))
n = p["posts"]
st = {s["name"]: s for s in p["stages"]}
rate = lambda s: n / s
# Pantau's normalisation is the library parser's work beyond feed-rs itself.
norm_s = st["parse_normalise"]["median_s"] - st["parse"]["median_s"]
rows = [
    ("parse (Python: feedparser; Pantau: feed-rs)", "parse", st["parse"]["median_s"]),
    ("parse + normalise (the library's feed parser)", "parse", st["parse_normalise"]["median_s"]),
    ("  normalisation alone (difference)", None, norm_s),
    ("classify, K=50", "classify", st["classify_k50"]["median_s"]),
    ("store, one transaction per feed", "store", st["store"]["median_s"]),
    ("store, one transaction", "store", st["store_one_tx"]["median_s"]),
    ("whole ingest, K=50, serial (one thread)", "total", st["whole_k50"]["median_s"]),
    ("whole ingest, K=50, as `pantau run` (tasks + writer thread)", "total", st["daemon_k50"]["median_s"]),
]
print(f"\n{n:,} posts, {p['feeds']} feeds; medians (Pantau of {p['repeat']} runs; peak RSS of the bench process)")
print(f"| stage | Pantau posts/s | Python re posts/s | Python aho posts/s | × re | × aho | Pantau peak RSS |")
print("|---|---:|---:|---:|---:|---:|---:|")
for label, py_key, secs in rows:
    ours = rate(secs)
    if py_key:
        r, a = rate(re_["median_s"][py_key]), rate(aho["median_s"][py_key])
        py = f"{r:,.0f} | {a:,.0f} | {ours / r:,.1f}× | {ours / a:,.1f}×"
    else:
        py = "— | — | — | —"
    name = {"parse": "parse_normalise", "classify": "classify_k50", "total": "daemon_k50" if "pantau run" in label else "whole_k50"}.get(py_key)
    rss = next((f"{s['peak_rss_mib']:.0f} MiB" for s in p["stages"] if label.startswith("store") and s["name"] == ("store" if "per feed" in label else "store_one_tx")), "")
    if not rss and name and name in st:
        rss = f"{st[name]['peak_rss_mib']:.0f} MiB"
    print(f"| {label} | {ours:,.0f} | {py} | {rss} |")
k1000 = st["whole_k1000"]["median_s"]
print(f"| classify, K=1000 | {rate(st['classify_k1000']['median_s']):,.0f} | | | | | |")
print(f"| whole ingest, K=1000, serial | {rate(k1000):,.0f} | | | | | {st['whole_k1000']['peak_rss_mib']:.0f} MiB |")
print(f"| whole ingest, K=1000, as `pantau run` | {rate(st['daemon_k1000']['median_s']):,.0f} | | | | | {st['daemon_k1000']['peak_rss_mib']:.0f} MiB |")
print(f"\ntags: Pantau K=50 {dict(p['tags'])[50]:,}, reference {re_['tags']:,} (re) / {aho['tags']:,} (aho)")
whole = rate(st["daemon_k50"]["median_s"]) / rate(re_["median_s"]["total"])
serial = rate(st["whole_k50"]["median_s"]) / rate(re_["median_s"]["total"])
store = max(rate(st["store"]["median_s"]), rate(st["store_one_tx"]["median_s"]))
ok = lambda b: "PASS" if b else "FAIL"
print(f"target whole ingest ≥ 50× the reference (re, its default), as `pantau run` runs it: {whole:,.1f}×  {ok(whole >= 50)}")
print(f"  (serial, one thread: {serial:,.1f}×)")
whole_aho = rate(st["daemon_k50"]["median_s"]) / rate(aho["median_s"]["total"])
print(f"  (against its aho engine: {whole_aho:,.1f}×)")
print(f"target storage ≥ 100,000 posts/s in batches: {store:,.0f} posts/s  {ok(store >= 100_000)}")
EOF
