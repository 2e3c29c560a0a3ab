#!/usr/bin/env bash
# The whole path of a social source with reach, as `pantau poll --once` runs it, beside the
# pipeline's per-post cost on the feed corpus. One loopback HTTP server (Python's http.server)
# serves all three:
# - a data vendor's JSON API: 100 pages × 100 posts (texts from ../shared/corpus/indonlu, the
#   SmSA reviews and the emotion tweets, so classification does real work), each with an id,
#   author, time, link and reach (likes, shares, comments, views, the author's followers),
#   paged by `next_url`; read by one `kind = "json"` source with `platform = "tiktok"`,
#   `max_pages = 100` and the reach pointers; and the same source with `language = "id"`, as
#   a vendor's Indonesian collection is configured, so no post's language is detected;
# - the 20 RSS files × 500 items of the benchmark corpus (../shared/bench/gen_corpus.py, the
#   same files scripts/bench.sh uses), read by 20 `kind = "feed"` sources: the baseline;
# - the same files without their `<language>id</language>`, so that every post's language is
#   detected, as it is for the vendor's records, which state none: the feed path doing the
#   same detection work.
# Each round runs the release binary as a whole process (start to exit) into a fresh database,
# once per installation, rotating which goes first; all use the shipped keyword lists. After
# each run the database must hold exactly 10,000 posts (the json ones with their platform and
# reach), or the script fails. Prints per-round wall and CPU times, medians, µs per post and
# the ratios. ROUNDS (default 3) sets the rounds; PANTAU_BIN a binary to use instead of building
# one (`cargo build --release`, into CARGO_TARGET_DIR or target).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
rounds=${ROUNDS:-3}
shared=../shared
corpus=${PANTAU_BENCH_CORPUS:-target/bench-corpus}
command -v python3 >/dev/null || { echo "bench-reach: python3 is not installed" >&2; exit 1; }
[ -d "$shared/bench" ] || { echo "bench-reach: $shared/bench not found" >&2; exit 1; }
[ -d "$shared/corpus/indonlu" ] || { echo "bench-reach: $shared/corpus/indonlu not found" >&2; exit 1; }
bench_binary bench-reach
# The same corpus, generated the same way, as scripts/bench-setup.sh.
if [ ! -f "$corpus/keywords_K1000_P40.toml" ]; then
  mkdir -p "$corpus"
  python3 "$shared/bench/gen_corpus.py" --out "$corpus" --files 20 --items 500 --topics 50,1000 --terms 40 >&2
fi

tmp=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$tmp/www/feeds" "$tmp/www/feeds-undeclared"
cp "$corpus"/feed_*.xml "$tmp/www/feeds/"
for f in "$tmp"/www/feeds/feed_*.xml; do
  sed 's|<language>id</language>||' "$f" >"$tmp/www/feeds-undeclared/$(basename "$f")"
done
if grep -q '<language>' "$tmp"/www/feeds-undeclared/feed_*.xml; then
  echo "bench-reach: the corpus states its language in another form; cannot remove it" >&2; exit 1
fi
python3 - "$shared/corpus/indonlu" "$tmp/www/vendor" <<'EOF'
# 100 pages of 100 records, shaped like a TikTok data vendor's answer; page N names page N+1.
import csv, json, os, random, re, sys
from datetime import datetime, timedelta, timezone
src, out = sys.argv[1:]
texts, seen = [], set()
def take(text):
    # The store keeps one post per text and source (case, accents and spacing folded): skip
    # texts that fold to one already taken, so that all 10,000 are new.
    key = re.sub(r"\W+", "", text.lower())
    if key and key not in seen:
        seen.add(key)
        texts.append(text.strip())
with open(f"{src}/emot_emotion-twitter/train_preprocess.csv", encoding="utf-8") as f:
    tweets = [row["tweet"] for row in csv.DictReader(f)]
with open(f"{src}/smsa_doc-sentiment-prosa/train_preprocess.tsv", encoding="utf-8") as f:
    reviews = [line.split("\t")[0] for line in f]
for text in tweets + reviews:
    take(text)
if len(texts) < 10_000:
    sys.exit(f"only {len(texts)} distinct texts in {src}")
rng = random.Random(7)
rng.shuffle(texts)
now = datetime.now(timezone.utc).replace(microsecond=0)
os.makedirs(out)
for page in range(100):
    records = []
    for i in range(100):
        n = page * 100 + i
        followers = int(rng.paretovariate(1.2) * 200)
        views = int(rng.paretovariate(1.1) * 300)
        records.append({
            "id": f"7301{n:011d}",
            "desc": texts[n],
            "create_time": (now - timedelta(seconds=30 * n + 60)).isoformat().replace("+00:00", "Z"),
            "author": {"unique_id": f"akun_{rng.randrange(4000):04d}", "follower_count": followers},
            "share_url": f"https://www.tiktok.com/@akun/video/7301{n:011d}",
            "stats": {"digg_count": views // rng.randint(5, 40), "share_count": views // rng.randint(50, 400),
                      "comment_count": views // rng.randint(20, 200), "play_count": views},
        })
    following = f"/vendor/page-{page + 2:03d}.json" if page < 99 else None
    with open(f"{out}/page-{page + 1:03d}.json", "w", encoding="utf-8") as f:
        json.dump({"data": records, "paging": {"next": following}}, f, ensure_ascii=False)
EOF

bench_serve "$tmp/www" bench-reach

# One installation per path, differing only in its sources.
install() {
  mkdir -p "$tmp/$1/config"
  cat >"$tmp/$1/config/default.toml" <<TOML
[storage]
path = "data/pantau.db"
[keywords]
dir = "$(realpath keywords)"
[fetch]
allow_private = ["127.0.0.1"]
[log]
level = "warn"
TOML
  cat >>"$tmp/$1/config/default.toml"
}
vendor() {
  cat <<TOML
[[sources]]
id = "vendor-tiktok"
kind = "json"
url = "$base/vendor/page-001.json"
items = "/data"
item_id = "/id"
item_text = "/desc"
item_author = "/author/unique_id"
item_url = "/share_url"
item_time = "/create_time"
platform = "tiktok"
item_likes = "/stats/digg_count"
item_shares = "/stats/share_count"
item_comments = "/stats/comment_count"
item_views = "/stats/play_count"
item_followers = "/author/follower_count"
next_url = "/paging/next"
max_pages = 100
TOML
}
vendor | install json
{ vendor; echo 'language = "id"'; } | install json-declared
feeds() {
  for f in "$tmp/www/$1"/feed_*.xml; do
    name=$(basename "$f" .xml)
    printf '[[sources]]\nid = "%s"\nkind = "feed"\nurl = "%s/%s/%s.xml"\n\n' "${name//_/-}" "$base" "$1" "$name"
  done
}
feeds feeds | install feed
feeds feeds-undeclared | install feed-undeclared

echo "load before: $(uptime)" >&2
python3 - "$bin" "$tmp" "$rounds" <<'EOF'
import os, resource, sqlite3, statistics, subprocess, sys, time
bin_, tmp, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
POSTS = 10_000

def run(name):
    """One `pantau poll --once` into a fresh database: wall and CPU seconds, posts checked."""
    home = f"{tmp}/{name}"
    subprocess.run(["rm", "-rf", f"{home}/data"], check=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([bin_, "--config", f"{home}/config/default.toml", "poll", "--once"],
                          cwd=home, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0 or " 0 gagal" not in done.stdout:
        sys.exit(f"bench-reach: {name}: pantau poll --once failed (exit {done.returncode})\n"
                 f"{done.stdout}\n{done.stderr}")
    db = sqlite3.connect(f"{home}/data/pantau.db")
    stored = db.execute("SELECT count(*) FROM posts").fetchone()[0]
    if stored != POSTS:
        sys.exit(f"bench-reach: {name}: {stored:,} posts stored, expected {POSTS:,}\n{done.stdout}\n{done.stderr}")
    if name.startswith("json"):
        reach = db.execute("SELECT count(*) FROM posts WHERE platform = 'tiktok' AND likes IS NOT NULL"
                           " AND shares IS NOT NULL AND comments IS NOT NULL AND views IS NOT NULL"
                           " AND followers IS NOT NULL").fetchone()[0]
        if reach != POSTS:
            sys.exit(f"bench-reach: json: {reach:,} of {POSTS:,} posts carry the platform and all five counts")
    tagged = db.execute("SELECT count(DISTINCT post_id) FROM post_topics").fetchone()[0]
    db.close()
    return wall, cpu, tagged

paths = ["json", "json-declared", "feed", "feed-undeclared"]
times = {name: [] for name in paths}
tagged = {}
for r in range(rounds):
    order = paths[r % len(paths):] + paths[:r % len(paths)]
    for name in order:
        wall, cpu, tagged[name] = run(name)
        times[name].append((wall, cpu))
        print(f"round {r + 1} {name}: {wall:.3f} s wall, {cpu:.3f} s CPU", file=sys.stderr)

label = {"json": "json source, 100 pages × 100 posts, platform + reach",
         "json-declared": "the same with `language = \"id\"` (no detection)",
         "feed": "20 feeds × 500 items (the bench corpus)",
         "feed-undeclared": "the same feeds without `<language>` (every post detected)"}
print(f"\n`pantau poll --once`, whole process, fresh database, {rounds} rounds, order rotating; "
      f"{POSTS:,} posts stored each run")
print("| path | wall per round (s) | median wall | µs/post wall | median CPU | µs/post CPU | posts with a topic |")
print("|---|---|---:|---:|---:|---:|---:|")
med = {}
for name in paths:
    walls = [w for w, _ in times[name]]
    cpus = [c for _, c in times[name]]
    med[name] = (statistics.median(walls), statistics.median(cpus))
    w, c = med[name]
    print(f"| {label[name]} | {', '.join(f'{x:.3f}' for x in walls)} | {w:.3f} s | "
          f"{w / POSTS * 1e6:,.1f} | {c:.3f} s | {c / POSTS * 1e6:,.1f} | {tagged[name]:,} |")
print()
for json, base in (("json-declared", "feed"), ("json", "feed-undeclared"), ("json", "feed")):
    ratio_wall = med[json][0] / med[base][0]
    ratio_cpu = med[json][1] / med[base][1]
    verdict = "within" if ratio_wall <= 1.0 else "above"
    print(f"{json} / {base} per post: {ratio_wall:.2f}× wall, {ratio_cpu:.2f}× CPU: {verdict} its cost")
EOF
echo "load after: $(uptime)" >&2
