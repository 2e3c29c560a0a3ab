//! The PostgreSQL schema, as an append-only list of migrations (the version applied is kept in
//! `pantau_schema`). It mirrors the SQLite schema (`store::migrations`) table for table and
//! column for column, so that `pantau db migrate-to` copies rows as they are and the two
//! backends answer the same queries alike:
//!
//! - times stay TEXT in the fixed UTC form `YYYY-MM-DDTHH:MM:SSZ` (`crate::time::to_db`): they
//!   sort as text, compare with the same bounds, and a copied row needs no conversion;
//! - integers are BIGINT (SQLite's are 64-bit), reals DOUBLE PRECISION, blobs BYTEA;
//! - post and story ids are assigned by the writer from the largest stored one, as in SQLite
//!   (the write transaction holds the store's write lock); other ids are identities;
//! - full-text search is a GIN index over `to_tsvector('pantau', title || ' ' || text)` with
//!   punctuation made spaces first, where the `pantau` configuration is `simple` with accents
//!   folded by `unaccent` — what SQLite's FTS5 `unicode61 remove_diacritics 2` tokenizer does
//!   (PostgreSQL's own parser would keep `Samarinda/Balikpapan`, `1.500`, URLs and e-mail
//!   addresses as single tokens, which a word of them would not find);
//! - the column `user` of SQLite's tables keeps its name, quoted (`"user"`), since it is a
//!   reserved word in PostgreSQL.
//!
//! Never edit a migration that has shipped; add one. Each runs in its own transaction under an
//! advisory lock, so several nodes starting together migrate once.

pub const MIGRATIONS: &[&str] = &[
    // 1: the schema of SQLite's version 17, whole.
    r#"
CREATE EXTENSION IF NOT EXISTS unaccent;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'pantau') THEN
        CREATE TEXT SEARCH CONFIGURATION pantau (COPY = simple);
        ALTER TEXT SEARCH CONFIGURATION pantau
            ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part,
                numword, numhword, hword_numpart
            WITH unaccent, simple;
    END IF;
END $$;

CREATE TABLE sources (
    id                   TEXT PRIMARY KEY,
    kind                 TEXT NOT NULL,
    name                 TEXT,
    url                  TEXT NOT NULL,
    region_id            TEXT,
    cursor               TEXT,
    last_attempt_at      TEXT,
    last_success_at      TEXT,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    last_error_class     TEXT,
    last_error           TEXT,
    next_attempt_at      TEXT,
    items_seen           BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE posts (
    id               BIGINT PRIMARY KEY,
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
    sentiment_score  DOUBLE PRECISION,
    keywords_version TEXT,
    shares           BIGINT NOT NULL DEFAULT 0,
    story_id         BIGINT,
    platform         TEXT,
    likes            BIGINT,
    comments         BIGINT,
    views            BIGINT,
    followers        BIGINT
);
CREATE UNIQUE INDEX posts_by_external_id ON posts(source_id, external_id);
CREATE UNIQUE INDEX posts_by_text ON posts(source_id, text_hash);
CREATE UNIQUE INDEX posts_by_url ON posts(url_key) WHERE url_key IS NOT NULL;
CREATE INDEX posts_by_published ON posts(published_at);
CREATE INDEX posts_by_story ON posts(story_id) WHERE story_id IS NOT NULL;
CREATE INDEX posts_search ON posts
    USING gin (to_tsvector('pantau'::regconfig,
        regexp_replace(coalesce(title, '') || ' ' || text, '[[:punct:]]+', ' ', 'g')));

CREATE TABLE post_topics (
    post_id  BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    topic_id TEXT NOT NULL,
    PRIMARY KEY (post_id, topic_id)
);
CREATE INDEX post_topics_by_topic ON post_topics(topic_id, post_id);

CREATE TABLE post_regions (
    post_id   BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    region_id TEXT NOT NULL,
    PRIMARY KEY (post_id, region_id)
);
CREATE INDEX post_regions_by_region ON post_regions(region_id, post_id);

CREATE TABLE post_mentions (
    post_id BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL CHECK (kind IN ('topic', 'region')),
    tag_id  TEXT NOT NULL,
    weight  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (post_id, kind, tag_id)
);

CREATE TABLE topic_hourly (
    topic_id  TEXT NOT NULL,
    region_id TEXT NOT NULL,
    hour      TEXT NOT NULL,
    posts     BIGINT NOT NULL,
    stories   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (topic_id, region_id, hour)
);
CREATE INDEX topic_hourly_by_hour ON topic_hourly(hour);

CREATE TABLE post_hourly (
    hour   TEXT PRIMARY KEY,
    posts  BIGINT NOT NULL,
    tagged BIGINT NOT NULL
);

CREATE TABLE topic_source_hourly (
    topic_id  TEXT NOT NULL,
    region_id TEXT NOT NULL,
    hour      TEXT NOT NULL,
    source_id TEXT NOT NULL,
    posts     BIGINT NOT NULL,
    PRIMARY KEY (topic_id, region_id, hour, source_id)
);

CREATE TABLE topic_sentiment_hourly (
    topic_id  TEXT NOT NULL,
    hour      TEXT NOT NULL,
    sentiment TEXT NOT NULL,
    posts     BIGINT NOT NULL,
    PRIMARY KEY (topic_id, hour, sentiment)
);

CREATE TABLE topic_author_hourly (
    topic_id  TEXT NOT NULL,
    hour      TEXT NOT NULL,
    author    TEXT NOT NULL,
    source_id TEXT NOT NULL,
    posts     BIGINT NOT NULL,
    PRIMARY KEY (topic_id, hour, author, source_id)
);

CREATE TABLE topic_posts (
    topic_id     TEXT NOT NULL,
    source_id    TEXT NOT NULL,
    published_at TEXT NOT NULL,
    post_id      BIGINT NOT NULL,
    PRIMARY KEY (topic_id, source_id, published_at, post_id)
);

CREATE TABLE topic_reach_hourly (
    topic_id  TEXT NOT NULL,
    hour      TEXT NOT NULL,
    platform  TEXT NOT NULL,
    source_id TEXT NOT NULL,
    author    TEXT NOT NULL,
    posts     BIGINT NOT NULL,
    reached   BIGINT NOT NULL,
    likes     BIGINT NOT NULL,
    shares    BIGINT NOT NULL,
    comments  BIGINT NOT NULL,
    views     BIGINT NOT NULL,
    followers BIGINT NOT NULL,
    PRIMARY KEY (topic_id, hour, platform, source_id, author)
);

CREATE TABLE topic_engagement (
    topic_id   TEXT NOT NULL,
    hour       TEXT NOT NULL,
    engagement BIGINT NOT NULL,
    post_id    BIGINT NOT NULL,
    PRIMARY KEY (topic_id, hour, engagement, post_id)
);

CREATE TABLE fetch_log (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    source_id   TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    duration_ms BIGINT NOT NULL,
    status      TEXT NOT NULL,
    items_found BIGINT NOT NULL DEFAULT 0,
    items_new   BIGINT NOT NULL DEFAULT 0,
    error_class TEXT,
    error       TEXT
);
CREATE INDEX fetch_log_by_source ON fetch_log(source_id, started_at);

CREATE TABLE briefings (
    date             TEXT PRIMARY KEY,
    generated_at     TEXT NOT NULL,
    period_start     TEXT NOT NULL,
    period_end       TEXT NOT NULL,
    dir              TEXT NOT NULL,
    issues           BIGINT NOT NULL,
    posts            BIGINT NOT NULL,
    keywords_version TEXT
);

CREATE TABLE briefing_deliveries (
    id        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    date      TEXT NOT NULL,
    sink      TEXT NOT NULL,
    recipient TEXT NOT NULL,
    attempt   BIGINT NOT NULL,
    ok        BIGINT NOT NULL,
    error     TEXT,
    at        TEXT NOT NULL
);
CREATE INDEX briefing_deliveries_by_date ON briefing_deliveries(date, sink, recipient);

CREATE TABLE meta (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE stories (
    id              BIGINT PRIMARY KEY,
    first_post_id   BIGINT NOT NULL,
    first_source_id TEXT NOT NULL,
    first_url       TEXT,
    first_seen_at   TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    title           TEXT NOT NULL,
    posts           BIGINT NOT NULL DEFAULT 1,
    sources         BIGINT NOT NULL DEFAULT 1,
    signature       BYTEA NOT NULL,
    title_key       BIGINT
);
CREATE INDEX stories_by_first_seen ON stories(first_seen_at);

CREATE TABLE story_keys (
    key      BIGINT NOT NULL,
    story_id BIGINT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    PRIMARY KEY (key, story_id)
);
CREATE INDEX story_keys_by_story ON story_keys(story_id);

CREATE TABLE story_sources (
    story_id      BIGINT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    source_id     TEXT NOT NULL,
    posts         BIGINT NOT NULL,
    first_seen_at TEXT NOT NULL,
    PRIMARY KEY (story_id, source_id)
);

CREATE TABLE story_topics (
    story_id  BIGINT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    topic_id  TEXT NOT NULL,
    region_id TEXT NOT NULL,
    PRIMARY KEY (story_id, topic_id, region_id)
);

CREATE TABLE alert_episodes (
    id             BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    topic_id       TEXT NOT NULL,
    started_at     TEXT NOT NULL,
    last_rising_at TEXT NOT NULL,
    alerted_count  BIGINT NOT NULL,
    last_alert_at  TEXT NOT NULL,
    closed_at      TEXT,
    region_id      TEXT NOT NULL DEFAULT '*'
);
CREATE INDEX alert_episodes_open ON alert_episodes(topic_id, region_id) WHERE closed_at IS NULL;

CREATE TABLE alerts (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    episode_id  BIGINT NOT NULL REFERENCES alert_episodes(id),
    topic_id    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    follow_up   BIGINT NOT NULL,
    count       BIGINT NOT NULL,
    score       DOUBLE PRECISION NOT NULL,
    reason      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    text        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    region_id   TEXT NOT NULL DEFAULT '*'
);

CREATE TABLE alert_deliveries (
    alert_id        BIGINT NOT NULL REFERENCES alerts(id),
    sink_id         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    sent_at         TEXT,
    last_error      TEXT,
    PRIMARY KEY (alert_id, sink_id)
);
CREATE INDEX alert_deliveries_pending ON alert_deliveries(next_attempt_at) WHERE status = 'pending';

CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_login_at TEXT
);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_name    TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions(user_name);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);

CREATE TABLE login_audit (
    id      BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at      TEXT NOT NULL,
    "user"  TEXT NOT NULL,
    address TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'failed', 'refused', 'logout'))
);
CREATE INDEX login_audit_by_user ON login_audit("user", at);
CREATE INDEX login_audit_by_address ON login_audit(address, at);

CREATE TABLE topic_revisions (
    id       BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    topic_id TEXT NOT NULL,
    "user"   TEXT NOT NULL,
    at       TEXT NOT NULL,
    before   TEXT NOT NULL,
    after    TEXT NOT NULL,
    diff     TEXT NOT NULL
);
CREATE INDEX topic_revisions_by_topic ON topic_revisions(topic_id, id);

CREATE TABLE post_marks (
    post_id BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL CHECK (kind IN ('topic', 'region', 'sentiment')),
    value   TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('wrong', 'right', 'missing')),
    "user"  TEXT NOT NULL,
    at      TEXT NOT NULL,
    seq     BIGINT NOT NULL,
    PRIMARY KEY (post_id, kind, value, "user")
);
CREATE INDEX post_marks_by_value ON post_marks(kind, value, verdict);

-- Several nodes on one database: who polls which source, who runs the singleton jobs (the
-- daily briefing, the alert check, retention). A lease expires unless its node renews it.
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    node        TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
"#,
    // 2: as SQLite's 18: `story_keys` without its index by story and without the cascade from
    // `stories` (retention sweeps the keys of deleted stories, `store::key_sweep`); 16 hex
    // digits of the text hash; `url_is_key` (1 or 0) instead of `url_key`, the post's `url`
    // or NULL.
    r#"
ALTER TABLE story_keys DROP CONSTRAINT IF EXISTS story_keys_story_id_fkey;
DROP INDEX IF EXISTS story_keys_by_story;
DROP INDEX posts_by_text;
DROP INDEX posts_by_url;
ALTER TABLE posts ADD COLUMN url_is_key SMALLINT NOT NULL DEFAULT 0;
UPDATE posts SET url_is_key = CASE WHEN url_key IS NULL THEN 0 ELSE 1 END,
                 text_hash = left(text_hash, 16);
ALTER TABLE posts DROP COLUMN url_key;
CREATE UNIQUE INDEX posts_by_text ON posts(source_id, text_hash);
CREATE UNIQUE INDEX posts_by_url ON posts(url) WHERE url_is_key = 1;
"#,
];
