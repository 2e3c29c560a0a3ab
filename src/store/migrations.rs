//! The schema, as an append-only list of migrations: the schema version is the number applied
//! (kept in `PRAGMA user_version`). Never edit a migration that has shipped; add one. An old
//! database is upgraded in place, each step in its own transaction.
//!
//! Times are TEXT in the fixed UTC form `YYYY-MM-DDTHH:MM:SSZ` (see `crate::time::to_db`), so
//! they sort as text and SQLite's date functions read them. In `topic_hourly`, region `*`
//! is the topic's total over all regions (a post naming two kabupaten counts once there).

use rusqlite::Connection;

pub const MIGRATIONS: &[&str] = &[
    // 1: the walking skeleton's tables (DESIGN.md §3).
    r#"
CREATE TABLE sources (
    id                   TEXT PRIMARY KEY,
    kind                 TEXT NOT NULL,
    name                 TEXT,
    url                  TEXT NOT NULL,
    region_id            TEXT,
    cursor               TEXT,
    last_attempt_at      TEXT,
    last_success_at      TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_error_class     TEXT,
    last_error           TEXT,
    next_attempt_at      TEXT,
    items_seen           INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE posts (
    id               INTEGER PRIMARY KEY,
    source_id        TEXT NOT NULL,
    external_id      TEXT NOT NULL,
    url              TEXT,
    url_key          TEXT,
    title            TEXT,
    text             TEXT NOT NULL,
    author           TEXT,
    lang             TEXT,
    published_at     TEXT NOT NULL,
    fetched_at       TEXT NOT NULL,
    text_hash        TEXT NOT NULL,
    sentiment        TEXT,
    sentiment_score  REAL,
    keywords_version TEXT
) STRICT;
CREATE UNIQUE INDEX posts_by_external_id ON posts(source_id, external_id);
CREATE UNIQUE INDEX posts_by_text ON posts(source_id, text_hash);
CREATE UNIQUE INDEX posts_by_url ON posts(url_key) WHERE url_key IS NOT NULL;
CREATE INDEX posts_by_published ON posts(published_at);

CREATE TABLE post_topics (
    post_id  INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    topic_id TEXT NOT NULL,
    PRIMARY KEY (post_id, topic_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX post_topics_by_topic ON post_topics(topic_id, post_id);

CREATE TABLE post_regions (
    post_id   INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    region_id TEXT NOT NULL,
    PRIMARY KEY (post_id, region_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX post_regions_by_region ON post_regions(region_id, post_id);

CREATE TABLE topic_hourly (
    topic_id  TEXT NOT NULL,
    region_id TEXT NOT NULL,
    hour      TEXT NOT NULL,
    posts     INTEGER NOT NULL,
    PRIMARY KEY (topic_id, region_id, hour)
) STRICT, WITHOUT ROWID;
CREATE INDEX topic_hourly_by_hour ON topic_hourly(hour);

CREATE TABLE fetch_log (
    id          INTEGER PRIMARY KEY,
    source_id   TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    status      TEXT NOT NULL,
    items_found INTEGER NOT NULL DEFAULT 0,
    items_new   INTEGER NOT NULL DEFAULT 0,
    error_class TEXT,
    error       TEXT
) STRICT;
CREATE INDEX fetch_log_by_source ON fetch_log(source_id, started_at);

CREATE TABLE briefings (
    date             TEXT PRIMARY KEY,
    generated_at     TEXT NOT NULL,
    period_start     TEXT NOT NULL,
    period_end       TEXT NOT NULL,
    dir              TEXT NOT NULL,
    issues           INTEGER NOT NULL,
    posts            INTEGER NOT NULL,
    keywords_version TEXT
) STRICT;
"#,
    // 2: settings the service keeps about itself (the keyword lists in force, the last
    // rejected reload), readable by commands and reports.
    r#"
CREATE TABLE meta (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
"#,
    // 3: how far a post spread on its platform (reblogs, reposts, forwards), raised whenever
    // the post is seen again: a reshare is the original's spread, not a new post.
    r#"
ALTER TABLE posts ADD COLUMN shares INTEGER NOT NULL DEFAULT 0;
"#,
    // 4: stories (near-duplicate posts grouped, see `crate::stories`) and alerts.
    // `stories.sources` counts distinct sources; `story_keys` holds the lookup keys of each
    // story's distinct variants; `story_topics` records which topic × region (region `*` = all)
    // a story has been counted for in `topic_hourly.stories`, so it is counted once.
    // Posts stored before this migration were never grouped: each counts as its own story.
    // Retention removes a story once none of its posts is left (no cascade from posts).
    r#"
CREATE TABLE stories (
    id              INTEGER PRIMARY KEY,
    first_post_id   INTEGER NOT NULL,
    first_source_id TEXT NOT NULL,
    first_url       TEXT,
    first_seen_at   TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    title           TEXT NOT NULL,
    posts           INTEGER NOT NULL DEFAULT 1,
    sources         INTEGER NOT NULL DEFAULT 1,
    signature       BLOB NOT NULL,
    title_key       INTEGER
) STRICT;
CREATE INDEX stories_by_first_seen ON stories(first_seen_at);

CREATE TABLE story_keys (
    key      INTEGER NOT NULL,
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    PRIMARY KEY (key, story_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE story_sources (
    story_id      INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    source_id     TEXT NOT NULL,
    posts         INTEGER NOT NULL,
    first_seen_at TEXT NOT NULL,
    PRIMARY KEY (story_id, source_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE story_topics (
    story_id  INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    topic_id  TEXT NOT NULL,
    region_id TEXT NOT NULL,
    PRIMARY KEY (story_id, topic_id, region_id)
) STRICT, WITHOUT ROWID;

ALTER TABLE posts ADD COLUMN story_id INTEGER;
CREATE INDEX posts_by_story ON posts(story_id) WHERE story_id IS NOT NULL;

ALTER TABLE topic_hourly ADD COLUMN stories INTEGER NOT NULL DEFAULT 0;
UPDATE topic_hourly SET stories = posts;

-- Alerts: an episode is one rise of one topic, from its first alert until it has not been
-- rising for the cooldown; an alert is one message (the first of an episode, or a follow-up
-- when the rise keeps growing); a delivery is one alert to one sink, retried until sent.
CREATE TABLE alert_episodes (
    id             INTEGER PRIMARY KEY,
    topic_id       TEXT NOT NULL,
    started_at     TEXT NOT NULL,
    last_rising_at TEXT NOT NULL,
    alerted_count  INTEGER NOT NULL,
    last_alert_at  TEXT NOT NULL,
    closed_at      TEXT
) STRICT;
CREATE INDEX alert_episodes_open ON alert_episodes(topic_id) WHERE closed_at IS NULL;

CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    episode_id  INTEGER NOT NULL REFERENCES alert_episodes(id),
    topic_id    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    follow_up   INTEGER NOT NULL,
    count       INTEGER NOT NULL,
    score       REAL NOT NULL,
    reason      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    text        TEXT NOT NULL,
    payload     TEXT NOT NULL
) STRICT;

CREATE TABLE alert_deliveries (
    alert_id        INTEGER NOT NULL REFERENCES alerts(id),
    sink_id         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    sent_at         TEXT,
    last_error      TEXT,
    PRIMARY KEY (alert_id, sink_id)
) STRICT;
CREATE INDEX alert_deliveries_pending ON alert_deliveries(next_attempt_at) WHERE status = 'pending';
"#,
    // 5: full-text search over posts (SQLite FTS5), kept in step with `posts` by triggers.
    // Accents fold (`unicode61 remove_diacritics 2`), so "perumahan" finds "perumahan" and
    // "PERUMAHAN" and an accented spelling alike. External content: the text is stored once, in
    // `posts`; the index holds only the terms.
    r#"
CREATE VIRTUAL TABLE posts_fts USING fts5(
    title, text,
    content = 'posts', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
    INSERT INTO posts_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
    INSERT INTO posts_fts (posts_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER posts_fts_update AFTER UPDATE OF title, text ON posts BEGIN
    INSERT INTO posts_fts (posts_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO posts_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;
INSERT INTO posts_fts (posts_fts) VALUES ('rebuild');
"#,
    // 6: new posts enter the full-text index once per batch (`store::posts::insert_all`), not
    // by a trigger per row: FTS5 flushes its pending terms to disk at every statement
    // savepoint, so the trigger wrote (and then merged) one tiny index segment per post, which
    // was most of the cost of storing a post. Deletes and edits keep their triggers.
    r#"
DROP TRIGGER posts_fts_insert;
"#,
    // 7: rollups of the briefing's per-issue facts, so that a report over a day of
    // a million posts reads rows per topic × source × hour, not per post. Each is kept per write
    // batch by `store::rollups::RollupBatch` and, unlike `topic_hourly` (history, kept when
    // retention prunes posts), describes the posts stored: `Maintenance::prune_batch` takes pruned
    // posts out again, so each equals the same count over `posts` at any time.
    // - `post_hourly`: posts per hour, and how many of them have a topic;
    // - `topic_source_hourly`: posts per topic × source × hour, over all regions (`*`) and per
    //   kabupaten/kota the post names (a region of `post_regions` kept at the level of
    //   `topic_hourly`'s regions);
    // - `topic_sentiment_hourly`: posts per topic × sentiment class (none = `netral`) × hour;
    // - `topic_author_hourly`: posts per topic × author (trimmed; posts without one left out)
    //   × source × hour;
    // - `topic_posts`: each post with a topic under each of its topics, ordered by source and
    //   time: a topic's newest posts per source are one index seek each.
    // The statements below fill them for the posts already stored: one row at a time rather
    // than by GROUP BY, so a large database needs no sort of all its posts in memory.
    r#"
CREATE TABLE post_hourly (
    hour   TEXT PRIMARY KEY,
    posts  INTEGER NOT NULL,
    tagged INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE topic_source_hourly (
    topic_id  TEXT NOT NULL,
    region_id TEXT NOT NULL,
    hour      TEXT NOT NULL,
    source_id TEXT NOT NULL,
    posts     INTEGER NOT NULL,
    PRIMARY KEY (topic_id, region_id, hour, source_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE topic_sentiment_hourly (
    topic_id  TEXT NOT NULL,
    hour      TEXT NOT NULL,
    sentiment TEXT NOT NULL,
    posts     INTEGER NOT NULL,
    PRIMARY KEY (topic_id, hour, sentiment)
) STRICT, WITHOUT ROWID;

CREATE TABLE topic_author_hourly (
    topic_id  TEXT NOT NULL,
    hour      TEXT NOT NULL,
    author    TEXT NOT NULL,
    source_id TEXT NOT NULL,
    posts     INTEGER NOT NULL,
    PRIMARY KEY (topic_id, hour, author, source_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE topic_posts (
    topic_id     TEXT NOT NULL,
    source_id    TEXT NOT NULL,
    published_at TEXT NOT NULL,
    post_id      INTEGER NOT NULL,
    PRIMARY KEY (topic_id, source_id, published_at, post_id)
) STRICT, WITHOUT ROWID;

INSERT INTO post_hourly (hour, posts, tagged)
SELECT substr(p.published_at, 1, 13) || ':00:00Z', 1,
       EXISTS (SELECT 1 FROM post_topics t WHERE t.post_id = p.id)
FROM posts p WHERE true
ON CONFLICT (hour) DO UPDATE SET posts = posts + 1, tagged = tagged + excluded.tagged;

INSERT INTO topic_source_hourly (topic_id, region_id, hour, source_id, posts)
SELECT t.topic_id, '*', substr(p.published_at, 1, 13) || ':00:00Z', p.source_id, 1
FROM post_topics t JOIN posts p ON p.id = t.post_id WHERE true
ON CONFLICT (topic_id, region_id, hour, source_id) DO UPDATE SET posts = posts + 1;

INSERT INTO topic_source_hourly (topic_id, region_id, hour, source_id, posts)
SELECT t.topic_id, r.region_id, substr(p.published_at, 1, 13) || ':00:00Z', p.source_id, 1
FROM post_topics t JOIN posts p ON p.id = t.post_id JOIN post_regions r ON r.post_id = p.id
WHERE EXISTS (SELECT 1 FROM topic_hourly h WHERE h.topic_id = t.topic_id
                  AND h.region_id = r.region_id
                  AND h.hour = substr(p.published_at, 1, 13) || ':00:00Z')
ON CONFLICT (topic_id, region_id, hour, source_id) DO UPDATE SET posts = posts + 1;

INSERT INTO topic_sentiment_hourly (topic_id, hour, sentiment, posts)
SELECT t.topic_id, substr(p.published_at, 1, 13) || ':00:00Z', coalesce(p.sentiment, 'netral'), 1
FROM post_topics t JOIN posts p ON p.id = t.post_id WHERE true
ON CONFLICT (topic_id, hour, sentiment) DO UPDATE SET posts = posts + 1;

INSERT INTO topic_author_hourly (topic_id, hour, author, source_id, posts)
SELECT t.topic_id, substr(p.published_at, 1, 13) || ':00:00Z', trim(p.author), p.source_id, 1
FROM post_topics t JOIN posts p ON p.id = t.post_id
WHERE p.author IS NOT NULL AND trim(p.author) <> ''
ON CONFLICT (topic_id, hour, author, source_id) DO UPDATE SET posts = posts + 1;

INSERT INTO topic_posts (topic_id, source_id, published_at, post_id)
SELECT t.topic_id, p.source_id, p.published_at, p.id
FROM post_topics t JOIN posts p ON p.id = t.post_id WHERE true;
"#,
    // 8: the search index forgets a pruned post's terms at once (FTS5 `secure-delete`, SQLite
    // 3.44+) instead of writing delete markers that stay until their segments merge: with
    // retention deleting every day, the markers made the index grow without bound (half a
    // per cent of the file a day at 400 posts a day, measured by tests/retention.rs).
    // Retention also deletes stories, and the cascade to `story_keys` looks its rows up by
    // story: without an index of their own every deleted story scanned the whole table (a
    // batch of 500 took 5 s at 20,000 posts).
    r#"
INSERT INTO posts_fts (posts_fts, rank) VALUES ('secure-delete', 1);
CREATE INDEX IF NOT EXISTS story_keys_by_story ON story_keys(story_id);
"#,
    // 9: where a post was said and how far it reached (`model::Reach`); NULL where the
    // platform says nothing. Posts stored before have no platform: readers count them under
    // their source's kind, as the poller would have named them (rewriting every row of a
    // large store here would take minutes).
    r#"
ALTER TABLE posts ADD COLUMN platform TEXT;
ALTER TABLE posts ADD COLUMN likes INTEGER;
ALTER TABLE posts ADD COLUMN comments INTEGER;
ALTER TABLE posts ADD COLUMN views INTEGER;
ALTER TABLE posts ADD COLUMN followers INTEGER;
"#,
    // 10: reach in reports (`store::reach`), so a briefing reads rows per topic × hour ×
    // account, not posts: `topic_reach_hourly` sums each topic's posts and their counts per
    // hour, platform (`''`: the post names none, and counts under its source's kind), source
    // and author (`''`: none); `followers` is the most seen. `topic_engagement` lists each
    // topic's posts with any engagement (likes + shares + comments) under their hour. Both are
    // filled here from the posts stored (row by row, as migration 7, so no sort of all posts),
    // and kept per write batch and by pruning after.
    r#"
CREATE TABLE topic_reach_hourly (
    topic_id  TEXT NOT NULL,
    hour      TEXT NOT NULL,
    platform  TEXT NOT NULL,
    source_id TEXT NOT NULL,
    author    TEXT NOT NULL,
    posts     INTEGER NOT NULL,
    reached   INTEGER NOT NULL,
    likes     INTEGER NOT NULL,
    shares    INTEGER NOT NULL,
    comments  INTEGER NOT NULL,
    views     INTEGER NOT NULL,
    followers INTEGER NOT NULL,
    PRIMARY KEY (topic_id, hour, platform, source_id, author)
) STRICT, WITHOUT ROWID;

CREATE TABLE topic_engagement (
    topic_id   TEXT NOT NULL,
    hour       TEXT NOT NULL,
    engagement INTEGER NOT NULL,
    post_id    INTEGER NOT NULL,
    PRIMARY KEY (topic_id, hour, engagement, post_id)
) STRICT, WITHOUT ROWID;

INSERT INTO topic_reach_hourly
    (topic_id, hour, platform, source_id, author, posts, reached, likes, shares, comments, views, followers)
SELECT t.topic_id, substr(p.published_at, 1, 13) || ':00:00Z', coalesce(p.platform, ''),
       p.source_id, coalesce(trim(p.author), ''), 1,
       p.likes IS NOT NULL OR p.comments IS NOT NULL OR p.views IS NOT NULL
           OR p.followers IS NOT NULL OR p.shares > 0,
       coalesce(p.likes, 0), p.shares, coalesce(p.comments, 0), coalesce(p.views, 0),
       coalesce(p.followers, 0)
FROM posts p JOIN post_topics t ON t.post_id = p.id WHERE true
ON CONFLICT (topic_id, hour, platform, source_id, author) DO UPDATE SET
    posts = posts + 1, reached = reached + excluded.reached, likes = likes + excluded.likes,
    shares = shares + excluded.shares, comments = comments + excluded.comments,
    views = views + excluded.views, followers = max(followers, excluded.followers);

INSERT INTO topic_engagement (topic_id, hour, engagement, post_id)
SELECT t.topic_id, substr(p.published_at, 1, 13) || ':00:00Z',
       coalesce(p.likes, 0) + p.shares + coalesce(p.comments, 0), p.id
FROM posts p JOIN post_topics t ON t.post_id = p.id
WHERE coalesce(p.likes, 0) + p.shares + coalesce(p.comments, 0) > 0;
"#,
    // 11: tags a post names without being about them (`classify::salience`: role
    // `mentioned`), for search and the read API; `post_topics`/`post_regions` keep the
    // primary tags every count reads. Posts stored before have none (every tag was primary).
    r#"
CREATE TABLE post_mentions (
    post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL CHECK (kind IN ('topic', 'region')),
    tag_id  TEXT NOT NULL,
    weight  REAL NOT NULL,
    PRIMARY KEY (post_id, kind, tag_id)
) STRICT, WITHOUT ROWID;
"#,
    // 12: alerts per kabupaten/kota: an episode is one rise of one topic in one region
    // (`*` = the province-wide count, as in `topic_hourly`), and each alert records the region
    // it is about. Episodes and alerts from before were all province-wide.
    r#"
ALTER TABLE alert_episodes ADD COLUMN region_id TEXT NOT NULL DEFAULT '*';
DROP INDEX alert_episodes_open;
CREATE INDEX alert_episodes_open ON alert_episodes(topic_id, region_id) WHERE closed_at IS NULL;
ALTER TABLE alerts ADD COLUMN region_id TEXT NOT NULL DEFAULT '*';
"#,
    // 13: every attempt to deliver a daily briefing (`alerts::briefing`): one row per try, per
    // sink and recipient (an e-mail address, a Telegram chat), so the last try tells whether
    // a leader got the day's briefing.
    r#"
CREATE TABLE briefing_deliveries (
    id        INTEGER PRIMARY KEY,
    date      TEXT NOT NULL,
    sink      TEXT NOT NULL,
    recipient TEXT NOT NULL,
    attempt   INTEGER NOT NULL,
    ok        INTEGER NOT NULL,
    error     TEXT,
    at        TEXT NOT NULL
) STRICT;
CREATE INDEX briefing_deliveries_by_date ON briefing_deliveries(date, sink, recipient);
"#,
    // 14: who may use the dashboard and the read API (`auth`, `store::users`): users with an
    // Argon2id password hash and a role; browser sessions and API tokens, each stored as the
    // SHA-256 of the secret the client holds (a copy of the file gives no way in); and every
    // login attempt, which the lock-out after repeated failures counts.
    r#"
CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_login_at TEXT
) STRICT;

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_name    TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_by_user ON sessions(user_name);

CREATE TABLE api_tokens (
    token_hash   TEXT PRIMARY KEY,
    user_name    TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created_at   TEXT NOT NULL
) STRICT;

CREATE TABLE login_audit (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    user    TEXT NOT NULL,
    address TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'failed', 'refused', 'logout'))
) STRICT;
CREATE INDEX login_audit_by_user ON login_audit(user, at);
CREATE INDEX login_audit_by_address ON login_audit(address, at);
"#,
    // 15: the full-text index and story placement run behind the commit (`store::pending`).
    // `meta` 'index.through' is the largest post id indexed and placed: every post above it is
    // pending. `pending_stories` holds the posts with a fingerprint still to be placed, with
    // the kabupaten/kota their story is counted in (the classifier's areas, which the store
    // cannot derive again). Both change in the transactions that store posts and that finish
    // them, so a `kill -9` leaves nothing half done. Every post stored before was indexed and
    // placed in its own transaction. The full-text triggers touch the index only for a post it
    // holds: deleting an external-content entry that was never inserted corrupts FTS5's index.
    r#"
CREATE TABLE pending_stories (
    post_id INTEGER PRIMARY KEY,
    areas   TEXT NOT NULL
) STRICT;
INSERT INTO meta (key, value, updated_at)
SELECT 'index.through', CAST(coalesce(max(id), 0) AS TEXT), strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM posts WHERE true
ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at;
DROP TRIGGER IF EXISTS posts_fts_delete;
DROP TRIGGER IF EXISTS posts_fts_update;
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts
WHEN old.id <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'index.through') BEGIN
    INSERT INTO posts_fts (posts_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER posts_fts_update AFTER UPDATE OF title, text ON posts
WHEN old.id <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'index.through') BEGIN
    INSERT INTO posts_fts (posts_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO posts_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;
"#,
    // 16: every save of a topic file from the editor (`workbench`, `/topics`): who, when, the
    // text before and after (a revert saves the text before) and the unified diff shown.
    r#"
CREATE TABLE topic_revisions (
    id       INTEGER PRIMARY KEY,
    topic_id TEXT NOT NULL,
    user     TEXT NOT NULL,
    at       TEXT NOT NULL,
    before   TEXT NOT NULL,
    after    TEXT NOT NULL,
    diff     TEXT NOT NULL
) STRICT;
CREATE INDEX topic_revisions_by_topic ON topic_revisions(topic_id, id);
"#,
    // 17: analysts' marks on posts (`/marks`): a topic, region or sentiment a post carries
    // marked wrong or right, or a topic or region it lacks marked missing; one mark per post,
    // kind, value and user (a new verdict replaces the old). `seq` orders the verdicts (a
    // later one overrules another user's earlier one; `at` has whole seconds). They go with
    // their post.
    r#"
CREATE TABLE post_marks (
    post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL CHECK (kind IN ('topic', 'region', 'sentiment')),
    value   TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('wrong', 'right', 'missing')),
    user    TEXT NOT NULL,
    at      TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (post_id, kind, value, user)
) STRICT, WITHOUT ROWID;
CREATE INDEX post_marks_by_value ON post_marks(kind, value, verdict);
"#,
    // 18: narrower posts and story keys (disk per post, docs/performance.md):
    // - `story_keys` without its index by story (115 bytes a post, as much as the keys
    //   themselves) and without the cascade from `stories`, which without that index would
    //   scan the whole table for every deleted story: retention deletes the stories and sweeps
    //   their keys afterwards (`store::key_sweep`). SQLite drops a foreign key only by building
    //   the table again; the keys are copied in their order.
    // - `posts.text_hash` keeps 16 hex digits of the hash (64 bits, `posts::STORED_HASH_DIGITS`).
    // - `posts.url_key`, the post's `url` or NULL, becomes `url_is_key` (1 or 0, no bytes in
    //   the row), and the unique index is on `url` where it is 1.
    // The indexes on the changed columns are built again after the rows change, in key order.
    r#"
DROP INDEX posts_by_text;
DROP INDEX posts_by_url;
ALTER TABLE posts ADD COLUMN url_is_key INTEGER NOT NULL DEFAULT 0;
UPDATE posts SET url_is_key = (url_key IS NOT NULL), text_hash = substr(text_hash, 1, 16);
ALTER TABLE posts DROP COLUMN url_key;
CREATE UNIQUE INDEX posts_by_text ON posts(source_id, text_hash);
CREATE UNIQUE INDEX posts_by_url ON posts(url) WHERE url_is_key = 1;

CREATE TABLE story_keys_swept (
    key      INTEGER NOT NULL,
    story_id INTEGER NOT NULL,
    PRIMARY KEY (key, story_id)
) STRICT, WITHOUT ROWID;
INSERT INTO story_keys_swept (key, story_id) SELECT key, story_id FROM story_keys ORDER BY key, story_id;
DROP TABLE story_keys;
ALTER TABLE story_keys_swept RENAME TO story_keys;
"#,
    // 19: the lookup keys of new stories are written into `story_keys_new`, which stays small,
    // and moved into `story_keys` in key order by the hourly retention pass
    // (`store::key_sweep::merge_step`). Written straight into the large table, each key of a new
    // story takes a page of its own: 45,000 of the 62,000 pages 10,000 posts write into a store
    // of 5,000,000 right after a bulk load (docs/performance.md).
    r#"
CREATE TABLE story_keys_new (
    key      INTEGER NOT NULL,
    story_id INTEGER NOT NULL,
    PRIMARY KEY (key, story_id)
) STRICT, WITHOUT ROWID;
"#,
    // 20: the full-text index's segments are merged when the writer is idle
    // (`store::pending::merge_search_step`), not by FTS5 inside the step that indexes new posts:
    // at 1,550,000 posts FTS5's merges take 29 % of the writer's time for a 10,000-post poll
    // (docs/performance.md). FTS5 still merges 16 segments of one level at once should they
    // pile up (its `crisismerge`), so a store that is never idle keeps a bounded index.
    r#"
INSERT INTO posts_fts (posts_fts, rank) VALUES ('automerge', 0);
"#,
];

/// Applies the migrations this database has not had yet. A database from a newer Pantau is
/// refused rather than misread.
pub fn migrate(conn: &mut Connection) -> Result<(), super::StoreError> {
    let version: usize =
        conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    if version > MIGRATIONS.len() {
        return Err(super::StoreError::TooNew {
            found: version,
            known: MIGRATIONS.len(),
        });
    }
    if version == MIGRATIONS.len() {
        return Ok(());
    }
    // Rebuilding an index or a table sorts its rows, and the bundled SQLite sorts in memory
    // unless told otherwise: 2.9 GB resident to upgrade a store of 5 million posts. Temporary
    // files keep that to a few MB.
    conn.pragma_update(None, "temp_store", "FILE")?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        // Upgrading a store may rewrite every post: minutes on a store of millions.
        if version > 0 {
            tracing::info!(version = i + 1, "migrating the database");
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "database migrated");
    }
    conn.pragma_update(None, "temp_store", "DEFAULT")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use rusqlite::params;

    use super::*;
    use crate::classify::Tags;
    use crate::model::Post;
    use crate::store::posts::tests::post;
    use crate::store::{Maintenance, SqliteStore};

    const AT: &str = "2026-11-27T02:10:00Z";

    /// A post's row as schema version 17 stored it: the whole text hash, and `url_key` the
    /// post's URL (or NULL for a URL it is not de-duplicated by).
    fn insert_v17(conn: &Connection, p: &Post, url_key: Option<&str>) {
        conn.execute(
            "INSERT INTO posts (source_id, external_id, url, url_key, text, published_at,
                                fetched_at, text_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
            params![
                p.source.as_str(),
                p.external_id,
                p.url,
                url_key,
                p.text,
                AT,
                p.text_hash()
            ],
        )
        .unwrap();
    }

    #[test]
    fn an_upgraded_store_narrows_its_posts_and_still_knows_them_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        let news = post(
            "a",
            "1",
            Some("https://kaltim.example/banjir-sempaja"),
            "Banjir di Sempaja",
            AT,
        );
        let front = post(
            "a",
            "2",
            Some("https://kaltim.example/"),
            "Jalan rusak di Loa Janan",
            AT,
        );
        {
            let conn = Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..17] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 17).unwrap();
            insert_v17(&conn, &news, news.url.as_deref());
            insert_v17(&conn, &front, None);
        }
        let mut store = SqliteStore::open(&path).unwrap();
        let rows: Vec<(String, i64)> = {
            let mut stmt = store
                .connection()
                .prepare("SELECT text_hash, url_is_key FROM posts ORDER BY id")
                .unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        let digits = crate::store::posts::STORED_HASH_DIGITS;
        assert_eq!(
            rows,
            [
                (news.text_hash()[..digits].to_string(), 1),
                (front.text_hash()[..digits].to_string(), 0)
            ]
        );
        let columns: i64 = store
            .connection()
            .query_row(
                "SELECT count(*) FROM pragma_table_info('posts') WHERE name = 'url_key'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(columns, 0);
        // The same words again from the same source, and the same article from another
        // source, are the posts stored before the upgrade; another item linking to the front
        // page is not.
        let tagged = |p: Post| (p, Tags::default());
        let same_words = post("a", "3", None, "BANJIR  di sempaja", AT);
        let same_url = post("b", "1", news.url.as_deref(), "Kata lain", AT);
        let same_front = post("b", "2", front.url.as_deref(), "Berita lain", AT);
        assert_eq!(
            store
                .insert_posts(&[tagged(same_words), tagged(same_url)], "v")
                .unwrap(),
            0
        );
        assert_eq!(store.insert_posts(&[tagged(same_front)], "v").unwrap(), 1);
        assert_eq!(store.integrity_check().unwrap(), "ok");
    }
}
