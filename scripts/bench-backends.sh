#!/usr/bin/env bash
# SQLite and PostgreSQL side by side, in one invocation, whole processes from start to exit, on
# the bench corpus (../shared/bench/gen_corpus.py's 20 RSS files × 500 items and 50 topics × 40
# terms, written into PANTAU_BENCH_CORPUS or target/bench-corpus as scripts/bench-setup.sh does). Each round, in an order
# that alternates from round to round, runs on each backend:
# - ingest: `pantau poll --once` (release build) into a fresh store (a new SQLite file; a new
#   PostgreSQL database, created before and dropped after), the 20 files served by a loopback
#   HTTP server as 20 `kind = "feed"` sources, with the 50 generated topics and the shipped
#   regions, sentiment and slang lists; it must store 10,000 posts;
# - digest: `pantau digest --date DIGEST_DATE` (default 2026-10-31, the one whole local day the
#   corpus's items fall on) on that store.
# - with BIG_POSTS (default 50000; 0 skips it): `pantau import` of BIG_POSTS posts into another
#   fresh store, all published on DIGEST_DATE (the corpus's items again, each text joined with
#   another's, under new ids and 20 new source ids, spread over the day, as JSON Lines), then `pantau digest` of that day on it.
# Prints every run and the medians per backend.
#
# The PostgreSQL server: PANTAU_BENCH_POSTGRES (an admin URL that may create databases), else a
# second throw-away cluster with the server's durability defaults (fsync and synchronous commit
# on), started by scripts/pg-test-cluster.sh in /tmp/pantau-pg-bench and stopped at the end.
# ROUNDS (default 3) sets the rounds; PANTAU_BIN a pantau binary to use instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
rounds=${ROUNDS:-3}
day=${DIGEST_DATE:-2026-10-31}
# The corpus as scripts/bench-setup.sh makes it, without its Python reference's environment.
shared=../shared/bench
corpus=${PANTAU_BENCH_CORPUS:-target/bench-corpus}
if [ ! -f "$corpus/keywords_K50_P40.toml" ]; then
  [ -d "$shared" ] || { echo "bench-backends: $shared not found" >&2; exit 1; }
  mkdir -p "$corpus"
  python3 "$shared/gen_corpus.py" --out "$corpus" --files 20 --items 500 --topics 50,1000 --terms 40
fi
bench_binary bench-backends
command -v psql >/dev/null || { echo "bench-backends: psql not found (apt-get install postgresql-client)" >&2; exit 1; }

tmp=$(mktemp -d)
server=
own_cluster=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "$own_cluster" ]; then PANTAU_PG_STATE=$own_cluster scripts/pg-test-cluster.sh stop || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${PANTAU_BENCH_POSTGRES:-}" ]; then
  admin=$PANTAU_BENCH_POSTGRES
  pg_note="PostgreSQL at PANTAU_BENCH_POSTGRES (its own settings)"
else
  own_cluster=/tmp/pantau-pg-bench
  admin=$(PANTAU_PG_STATE=$own_cluster PANTAU_PG_DURABLE=1 PANTAU_PG_NO_REPLICA=1 scripts/pg-test-cluster.sh start | sed -n 's/^export PANTAU_TEST_POSTGRES=//p')
  pg_note="PostgreSQL: a local cluster on loopback, server defaults (fsync=on, synchronous_commit=on)"
fi
echo "$pg_note; $(psql "$admin" -Atc 'SHOW server_version') fsync=$(psql "$admin" -Atc 'SHOW fsync') synchronous_commit=$(psql "$admin" -Atc 'SHOW synchronous_commit')" >&2

# Pantau's lists: the shipped ones, with the generated topics in place of the shipped topics.
mkdir -p "$tmp/pantau/config" "$tmp/www"
bench_keywords "$corpus" "$tmp/pantau/keywords"
cp "$corpus"/feed_*.xml "$tmp/www/"
bench_serve "$tmp/www" bench-backends
{
  for f in "$tmp"/www/feed_*.xml; do
    name=$(basename "$f" .xml)
    printf '\n[[sources]]\nid = "%s"\nkind = "feed"\nurl = "%s/%s.xml"\n' "${name//_/-}" "$base" "$name"
  done
} >"$tmp/sources.toml"

echo "load before: $(uptime)" >&2
python3 - "$bin" "$tmp" "$rounds" "$day" "$admin" "${BIG_POSTS:-50000}" "$(realpath "$corpus")" <<'EOF'
import glob, json, os, sqlite3, statistics, subprocess, sys, time, urllib.parse
import xml.etree.ElementTree as ET
bin_, tmp, rounds, day, admin, big, corpus = sys.argv[1:]
rounds, POSTS, big = int(rounds), 10_000, int(big)
home = f"{tmp}/pantau"
sources = open(f"{tmp}/sources.toml").read()

def psql(url, sql):
    return subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-Atc", sql],
                          check=True, capture_output=True, text=True).stdout.strip()

def db_url(name):
    # The admin URL with its database replaced.
    u = urllib.parse.urlsplit(admin)
    return urllib.parse.urlunsplit(u._replace(path="/" + name))

def config(storage):
    path = f"{home}/config/default.toml"
    with open(path, "w") as f:
        f.write(f"[storage]\n{storage}\n[keywords]\ndir = \"keywords\"\n"
                "[fetch]\nallow_private = [\"127.0.0.1\"]\n[log]\nlevel = \"warn\"\n"
                "[briefing]\ndir = \"briefings\"\n" + sources)
    return path

def timed(cmd):
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=home,
                          env={**os.environ, "NO_COLOR": "1"})
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"bench-backends: {' '.join(cmd[2:])} failed (exit {done.returncode})\n"
                 f"{done.stdout}\n{done.stderr}")
    return wall, done

def write_big():
    # The corpus's items again, BIG_POSTS of them, under new ids, all on the digest's day (WITA).
    items = [(it.findtext("title") or "", it.findtext("description") or "")
             for f in sorted(glob.glob(f"{corpus}/feed_*.xml")) for it in ET.parse(f).getroot().iter("item")]
    with open(f"{tmp}/big.jsonl", "w", encoding="utf-8") as out:
        for k in range(big):
            # Pantau keeps one post per text, so each copy's text joins two items' texts.
            a, b = k % len(items), k // len(items)
            title, text = items[a][0], items[a][1] + " " + items[(a + 1 + 37 * b) % len(items)][1]
            s = k * 86_400 // big
            out.write(json.dumps({"source": f"impor-{k % 20}", "id": f"p{k}", "title": title, "text": text,
                                  "published": f"{day}T{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}+08:00"},
                                 ensure_ascii=False) + "\n")

def ingest_and_digest(cfg, count, mode):
    subprocess.run(["rm", "-rf", f"{home}/data", f"{home}/briefings"], check=True)
    if mode == "poll":
        wall, done = timed([bin_, "--config", cfg, "poll", "--once"])
        if " 0 gagal" not in done.stdout:
            sys.exit(f"bench-backends: a poll failed\n{done.stdout}\n{done.stderr}")
        want = POSTS
    else:
        wall, done = timed([bin_, "--config", cfg, "import", f"{tmp}/big.jsonl"])
        want = big
    stored = count()
    if stored != want:
        sys.exit(f"bench-backends: stored {stored:,} posts, not {want:,}")
    dwall, _ = timed([bin_, "--config", cfg, "digest", "--date", day])
    if not any(n.startswith(day) for n in os.listdir(f"{home}/briefings")):
        sys.exit(f"bench-backends: digest wrote no briefing for {day}: {os.listdir(f'{home}/briefings')}")
    return wall, dwall

def run_sqlite(mode):
    cfg = config('path = "data/pantau.db"')
    def count():
        db = sqlite3.connect(f"{home}/data/pantau.db")
        n = db.execute("SELECT count(*) FROM posts").fetchone()[0]
        db.close()
        return n
    return ingest_and_digest(cfg, count, mode)

def run_postgres(mode):
    name = f"pantau_bench_{os.getpid()}"
    psql(admin, f"DROP DATABASE IF EXISTS {name}")
    psql(admin, f"CREATE DATABASE {name}")
    url = db_url(name)
    try:
        cfg = config(f'url = "{url}"')
        return ingest_and_digest(cfg, lambda: int(psql(url, "SELECT count(*) FROM posts")), mode)
    finally:
        psql(admin, f"DROP DATABASE IF EXISTS {name}")

backends = {"sqlite": run_sqlite, "postgres": run_postgres}
label = {"sqlite": "SQLite (one file, WAL)", "postgres": "PostgreSQL (loopback)"}
modes = ["poll"] + (["import"] if big else [])
if big:
    write_big()
ingest = {(b, m): [] for b in backends for m in modes}
digest = {(b, m): [] for b in backends for m in modes}
for r in range(rounds):
    order = list(backends) if r % 2 == 0 else list(backends)[::-1]
    for m in modes:
        for b in order:
            w, d = backends[b](m)
            n = POSTS if m == "poll" else big
            ingest[b, m].append(w)
            digest[b, m].append(d)
            print(f"round {r + 1} {b} {m}: {n:,} posts in {w:.3f} s ({n / w:,.0f} posts/s), digest {d:.3f} s",
                  file=sys.stderr, flush=True)

med = lambda xs: statistics.median(xs)
print(f"\nWhole processes, start to exit; digest --date {day}; {rounds} rounds, backend order alternating")
print("| backend | ingest | per round (s) | median | posts/s | digest per round (s) | digest median |")
print("|---|---|---|---:|---:|---|---:|")
for m in modes:
    what = (f"`poll --once`, {POSTS:,} posts (20 feeds × 500 items, 50 topics × 40 terms)" if m == "poll"
            else f"`import`, {big:,} posts on {day}")
    for b in backends:
        i, d = ingest[b, m], digest[b, m]
        n = POSTS if m == "poll" else big
        print(f"| {label[b]} | {what} | {', '.join(f'{x:.3f}' for x in i)} | {med(i):.3f} s | {n / med(i):,.0f} "
              f"| {', '.join(f'{x:.3f}' for x in d)} | {med(d):.3f} s |")
print()
for m in modes:
    print(f"PostgreSQL / SQLite ({m}): ingest {med(ingest['sqlite', m]) / med(ingest['postgres', m]):.2f}× the rate, "
          f"digest {med(digest['postgres', m]) / med(digest['sqlite', m]):.2f}× the time")
EOF
echo "load after: $(uptime)" >&2
