#!/usr/bin/env bash
# Disk per stored post of a SQLite database, by table family: the bytes of every table and index
# (whole pages, SQLite's `dbstat`), divided by the rows of `posts`. Reads only; needs the
# `sqlite3` CLI (Debian's has `dbstat`). The WAL is not in the figures: its size is printed
# apart (0 after a clean stop, which folds it back into the file).
# Usage: scripts/disk-per-post.sh DATABASE
# A generated installation to run it on: `PANTAU_DIGEST_POSTS=200000 PANTAU_DIGEST_PREPARE=1
# cargo bench -q --bench digest` (its database is target/bench-digest/<shape>/data/pantau.db).
set -euo pipefail
db=${1:?usage: scripts/disk-per-post.sh DATABASE}
[ -f "$db" ] || { echo "disk-per-post: no database at $db" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "disk-per-post: the sqlite3 CLI is not installed" >&2; exit 1; }
echo "file: $(stat -c %s "$db") bytes; WAL: $(stat -c %s "$db-wal" 2>/dev/null || echo 0) bytes"
sqlite3 -readonly -column -header "file:$db?mode=ro" <<'SQL'
WITH n AS (SELECT max(count(*), 1) AS posts FROM posts),
s AS (SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name),
f AS (SELECT CASE
    WHEN name = 'posts' THEN '1 posts: rows'
    WHEN name LIKE 'posts\_by\_%' ESCAPE '\' THEN '2 posts: index ' || name
    WHEN name LIKE 'posts\_fts%' ESCAPE '\' THEN '3 full-text: posts_fts_*'
    WHEN name IN ('stories', 'stories_by_first_seen') THEN '4 stories: stories and its index'
    WHEN name LIKE 'story\_%' ESCAPE '\' THEN '4 stories: ' || name
    WHEN name LIKE 'post\_topics%' ESCAPE '\' OR name LIKE 'post\_regions%' ESCAPE '\'
      OR name LIKE 'post\_mentions%' ESCAPE '\' OR name LIKE 'post\_marks%' ESCAPE '\'
      OR name = 'pending_stories' THEN '5 tags: ' || name
    WHEN (name LIKE 'topic\_%' ESCAPE '\' AND name NOT LIKE 'topic\_revisions%' ESCAPE '\')
      OR name = 'post_hourly' THEN '6 rollups: ' || name
    WHEN name LIKE 'fetch\_log%' ESCAPE '\' THEN '7 fetch log'
    ELSE '8 rest' END AS family, bytes FROM s)
SELECT family, sum(bytes) AS bytes, round(sum(bytes) * 1.0 / (SELECT posts FROM n), 1) AS per_post
FROM f GROUP BY family
UNION ALL
SELECT 'total (' || (SELECT posts FROM n) || ' posts)', sum(bytes),
       round(sum(bytes) * 1.0 / (SELECT posts FROM n), 1) FROM s
ORDER BY family;
SQL
