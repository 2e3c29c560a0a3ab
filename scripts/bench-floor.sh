#!/usr/bin/env bash
# The whole ingest path against its floor and the Python reference, in one invocation, whole
# processes from start to exit, on the same corpus: ../shared/bench/gen_corpus.py's 20 RSS files
# × 500 items and its 50 topics × 40 terms (scripts/bench-setup.sh writes them into
# target/bench-corpus). Each round runs, in an order that rotates from round to round:
# - the Rust floor (../shared/bench/rust_floor: feed-rs, one Aho-Corasick scan, posts and tags
#   in one SQLite transaction), reading the files;
# - `pantau poll --once` (release build) into a fresh database, the 20 files served by a
#   loopback HTTP server (Python's http.server) as 20 `kind = "feed"` sources, with the 50
#   generated topics as its topic lists and the shipped regions, sentiment and slang lists; it
#   must store 10,000 posts, every one indexed for search and every tagged one in a story;
# - the Python reference (../shared/bench/python_baseline/baseline.py, one run per process)
#   with its `aho` engine (pyahocorasick) and, unless PY_ENGINES says otherwise, its `re`
#   engine (its default; about half a minute a run).
# Prints every run, the medians and the ratios (Pantau's rate over the floor's and over each
# Python engine's). ROUNDS (default 3) sets the rounds; PANTAU_BIN a pantau binary to use instead
# of building one (into CARGO_TARGET_DIR or target); PY_ENGINES (default "aho re") the Python
# engines; PANTAU_BIN_BASE a second pantau binary run the same way in the same rounds (a
# before/after comparison; "pantau-base" in the table). Needs Python 3 and ../shared/bench; installs feedparser and pyahocorasick into
# target/bench-venv (scripts/bench-setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
rounds=${ROUNDS:-3}
engines=${PY_ENGINES:-aho re}
. scripts/bench-setup.sh
target=${CARGO_TARGET_DIR:-target}
bench_binary bench-floor
base_bin=${PANTAU_BIN_BASE:+$(realpath "$PANTAU_BIN_BASE")}
cargo build --release --manifest-path "$shared/rust_floor/Cargo.toml" --target-dir "$target/rust-floor" >&2
floor=$(realpath "$target/rust-floor/release/rust_floor")

tmp=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Pantau's lists: the shipped ones, with the generated topics in place of the shipped topics.
mkdir -p "$tmp/pantau/config" "$tmp/www"
bench_keywords "$corpus" "$tmp/pantau/keywords"
cp "$corpus"/feed_*.xml "$tmp/www/"
bench_serve "$tmp/www" bench-floor
{
  cat <<TOML
[storage]
path = "data/pantau.db"
[keywords]
dir = "keywords"
[fetch]
allow_private = ["127.0.0.1"]
[log]
level = "warn"
TOML
  for f in "$tmp"/www/feed_*.xml; do
    name=$(basename "$f" .xml)
    printf '\n[[sources]]\nid = "%s"\nkind = "feed"\nurl = "%s/%s.xml"\n' "${name//_/-}" "$base" "$name"
  done
} >"$tmp/pantau/config/default.toml"

echo "load before: $(uptime)" >&2
python3 - "$bin" "${base_bin:-}" "$floor" "$py" "$shared" "$(realpath "$corpus")" "$tmp" "$rounds" $engines <<'EOF'
import os, sqlite3, statistics, subprocess, sys, time
bin_, base_bin, floor, py, shared, corpus, tmp, rounds, *engines = sys.argv[1:]
rounds, POSTS = int(rounds), 10_000
kw = f"{corpus}/keywords_K50_P40.toml"

def timed(cmd, **kw_):
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, **kw_)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"bench-floor: {cmd[0]} failed (exit {done.returncode})\n{done.stdout}\n{done.stderr}")
    return wall, done

def run_floor():
    wall, _ = timed([floor, corpus, kw])
    return wall

def run_pantau(binary):
    home = f"{tmp}/pantau"
    subprocess.run(["rm", "-rf", f"{home}/data"], check=True)
    wall, done = timed([binary, "--config", f"{home}/config/default.toml", "poll", "--once"],
                       cwd=home, env={**os.environ, "NO_COLOR": "1"})
    if " 0 gagal" not in done.stdout:
        sys.exit(f"bench-floor: a poll failed\n{done.stdout}\n{done.stderr}")
    db = sqlite3.connect(f"{home}/data/pantau.db")
    stored = db.execute("SELECT count(*) FROM posts").fetchone()[0]
    indexed = db.execute("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'kaltim OR samarinda OR berita OR warga'").fetchone()[0]
    unplaced = db.execute("SELECT count(*) FROM posts p WHERE story_id IS NULL AND EXISTS"
                          " (SELECT 1 FROM post_topics t WHERE t.post_id = p.id)").fetchone()[0]
    db.close()
    if stored != POSTS or unplaced:
        sys.exit(f"bench-floor: pantau stored {stored:,} posts ({unplaced:,} tagged without a story)")
    if indexed == 0:
        sys.exit("bench-floor: pantau's search index is empty after the run")
    return wall

def run_python(engine):
    db = f"{tmp}/py-{engine}.sqlite"
    if os.path.exists(db):
        os.remove(db)
    wall, _ = timed([py, f"{shared}/python_baseline/baseline.py", corpus, kw, "--engine", engine,
                     "--repeat", "1", "--db", db])
    return wall

runs = {"floor": run_floor, "pantau": lambda: run_pantau(bin_)}
if base_bin:
    runs["pantau-base"] = lambda: run_pantau(base_bin)
runs.update({f"python-{e}": (lambda e=e: run_python(e)) for e in engines})
names = list(runs)
times = {n: [] for n in names}
for r in range(rounds):
    order = names[r % len(names):] + names[:r % len(names)]
    for name in order:
        wall = runs[name]()
        times[name].append(wall)
        print(f"round {r + 1} {name}: {wall:.3f} s", file=sys.stderr, flush=True)

label = {"floor": "Rust floor (feed-rs, Aho-Corasick, posts + tags)",
         "pantau": "`pantau poll --once`, fresh database",
         "pantau-base": "`pantau poll --once`, PANTAU_BIN_BASE",
         "python-aho": "Python reference, pyahocorasick (`aho`)",
         "python-re": "Python reference, `re` (its default)"}
med = {n: statistics.median(times[n]) for n in names}
print(f"\n{POSTS:,} posts (20 feeds × 500 items), 50 topics × 40 terms; whole process, start to exit; "
      f"{rounds} rounds, order rotating")
print("| run | wall per round (s) | median | posts/s |")
print("|---|---|---:|---:|")
for n in names:
    print(f"| {label[n]} | {', '.join(f'{x:.3f}' for x in times[n])} | {med[n]:.3f} s | {POSTS / med[n]:,.0f} |")
print()
print(f"Pantau / floor: {med['floor'] / med['pantau']:.2f}× the floor's rate (target ≥ 0.5×)")
if base_bin:
    print(f"PANTAU_BIN_BASE / floor: {med['floor'] / med['pantau-base']:.2f}× the floor's rate")
    print(f"Pantau / PANTAU_BIN_BASE: {med['pantau-base'] / med['pantau']:.2f}× its rate")
for e in engines:
    print(f"Pantau / Python {e}: {med[f'python-{e}'] / med['pantau']:.1f}× its rate"
          + (" (target ≥ 10×)" if e == "aho" else ""))
EOF
echo "load after: $(uptime)" >&2
