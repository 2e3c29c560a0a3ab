#!/usr/bin/env bash
# Classification speed, side by side with the Python reference pipeline, on the same input:
# ../shared/bench/gen_corpus.py writes 20 RSS files × 500 items and keyword sets of 50 and 1,000
# topics × 40 terms; the Python reference (../shared/bench/python_baseline/baseline.py) then
# classifies them with its `re` engine (its default) and its `aho` engine, and
# `cargo bench --bench classify` measures Pantau on the same files and lists.
# Needs ../shared/bench and Python 3; installs feedparser and pyahocorasick into target/bench-venv.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-setup.sh
echo "== Python reference, engine aho (one automaton), K=1000, 10,000 posts"
"$py" "$shared/python_baseline/baseline.py" "$corpus" "$corpus/keywords_K1000_P40.toml" --engine aho --repeat 3 | tail -7
echo "== Python reference, engine re (its default), K=1000, first file only (500 posts: it is slow)"
"$py" "$shared/python_baseline/baseline.py" "$corpus" "$corpus/keywords_K1000_P40.toml" --engine re --repeat 1 --max-files 1 | tail -7
echo "== Pantau (cargo bench --bench classify)"
PANTAU_BENCH_CORPUS="$(realpath "$corpus")" cargo bench --bench classify -- --sample-count 30
