# Sourced by scripts/bench.sh and scripts/bench-classify.sh (from the repository root): the
# benchmark corpus from ../shared/bench/gen_corpus.py (20 RSS files × 500 items, keyword sets of
# 50 and 1,000 topics × 40 terms) in $corpus, and a virtual environment with the Python
# reference's packages. Sets `shared`, `corpus` and `py`.
shared=../shared/bench
corpus=${PANTAU_BENCH_CORPUS:-target/bench-corpus}
[ -d "$shared" ] || { echo "bench: $shared not found" >&2; exit 1; }
if [ ! -f "$corpus/keywords_K1000_P40.toml" ]; then
  mkdir -p "$corpus"
  python3 "$shared/gen_corpus.py" --out "$corpus" --files 20 --items 500 --topics 50,1000 --terms 40
fi
if [ ! -x target/bench-venv/bin/python ]; then
  python3 -m venv target/bench-venv
  target/bench-venv/bin/pip install -q feedparser pyahocorasick
fi
py=target/bench-venv/bin/python
