#!/usr/bin/env bash
# The store at scale, whole processes: the writer's commits and reads under load on a generated
# installation of POSTS_PER_DAY × (DAYS + 1) posts (default 100,000 × 50 = 5,000,000; `2 0`
# style arguments give other sizes), against a fresh store.
#
# 1. The installation: benches/digest.rs builds it once in target/bench-digest/ (through the
#    library's write path, 300 sources, the shipped topics; its busy day is 2026-11-26), with
#    PANTAU_DIGEST_POSTS, PANTAU_DIGEST_DAYS and PANTAU_DIGEST_PREVIOUS=1. A copy of its
#    database is what this script writes into, so the installation stays as built.
# 2. Writes: ROUNDS rounds (default 3), in alternating order, of `pantau poll --once` of the
#    bench corpus (20 feeds × 500 items on loopback, new item ids and texts each round, the
#    shipped lists) into a fresh store and into the copy; the copy's first round comes right
#    after the bulk load. DATED=after (default) dates the posts after the store's last day, as
#    a running service's new posts are; DATED=inside keeps the corpus's dates, inside its days.
#    Prints wall times, and every commit's time as the writer logs it
#    (`batch committed`, and the step behind the commit, `indexed and placed`): p50/p99/max.
#    PAGES=1 also prints which tables and indexes that first round wrote, in pages
#    (scripts/pages-written.py; about 40 s more at 5,000,000 posts).
# 3. Reads under load: `pantau run` on the copy with its clock set to the busy day's last
#    minutes (faketime, wall clock only), INGEST_RATE pushed posts a second (default 500, by
#    POST /api/ingest in 10 requests a second) while `ab` runs READERS concurrent readers
#    (default 20) for READ_SECS (default 20) on each of: the dashboard, a topic's page, the
#    trends API and a full-text search. Prints p50/p95/p99, errors, and the writer's commit
#    times during the run; then `pantau digest` of the busy day on the copy.
#
# Needs: ab (apache2-utils), faketime, python3. Disk: the copy needs as much again as
# the installation (about 9 GB at 5,000,000 posts). PANTAU_BIN uses a given binary.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
per_day=${1:-100000}
days=${2:-49}
for tool in ab faketime python3; do
  command -v "$tool" >/dev/null || { echo "bench-scale: $tool is not installed (apt-get install apache2-utils faketime)" >&2; exit 1; }
done
bench_binary bench-scale
corpus=${PANTAU_BENCH_CORPUS:-target/bench-corpus}
if [ ! -f "$corpus/feed_0000.xml" ]; then
  [ -d ../shared/bench ] || { echo "bench-scale: ../shared/bench not found" >&2; exit 1; }
  mkdir -p "$corpus"
  python3 ../shared/bench/gen_corpus.py --out "$corpus" --files 20 --items 500 --topics 50,1000 --terms 40
fi
read -r config day < <(PANTAU_DIGEST_POSTS=$per_day PANTAU_DIGEST_DAYS=$days PANTAU_DIGEST_PREVIOUS=1 \
  PANTAU_DIGEST_PREPARE=1 cargo bench -q --bench digest)
work=${PANTAU_BENCH_SCALE_DIR:-target/bench-scale}
mkdir -p "$work"
exec python3 scripts/bench_scale.py --bin "$bin" --installation "$(dirname "$(dirname "$config")")" \
  --day "$day" --corpus "$(realpath "$corpus")" --keywords "$(realpath keywords)" --work "$(realpath "$work")"
