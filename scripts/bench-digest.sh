#!/usr/bin/env bash
# `pantau digest` on a generated province day, timed with hyperfine (the target: a day of
# 1,000,000 posts in under 2 s). For each POSTS given (default 1000000), benches/digest.rs
# builds, once, an installation in target/bench-digest/ (one WITA day of POSTS posts and the 7
# days before at a tenth of that, 300 sources, through the library's write path: see
# benches/common/day.rs), then hyperfine times the release binary writing that day's briefing:
#   pantau --config <installation>/config/default.toml digest --date 2026-11-26 --out <tmp>
# Usage: scripts/bench-digest.sh [POSTS ...]; RUNS (default 5) sets hyperfine's runs.
# The figures are hyperfine's; the load (uptime) is printed before and after each.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
target=${CARGO_TARGET_DIR:-target}
command -v hyperfine >/dev/null || { echo "bench-digest: hyperfine is not installed" >&2; exit 1; }
cargo build --release --bin pantau
bin=$(realpath "$target/release/pantau")
mkdir -p target/bench-digest
for n in "${@:-1000000}"; do
  read -r config day < <(PANTAU_DIGEST_POSTS=$n PANTAU_DIGEST_PREPARE=1 cargo bench -q --bench digest)
  out=$(mktemp -d)
  echo "== $n posts on $day: $config" >&2
  echo "load before: $(uptime)" >&2
  hyperfine --warmup 1 --runs "$runs" --export-json "target/bench-digest/hyperfine-$n.json" \
    "$bin --config $config digest --date $day --out $out"
  echo "load after: $(uptime)" >&2
  rm -rf "$out"
done
