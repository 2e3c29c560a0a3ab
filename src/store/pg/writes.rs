//! The write path on PostgreSQL: posts with their tags, stories, rollups, reach and full-text
//! entries, committed with their source's cursor and health; sources, meta, briefings, alert
//! decisions and deliveries.
//!
//! It follows the SQLite write path (`store::posts`, `stories`, `rollups`, `reach`) step by
//! step and shares its pure parts: which posts are copies ([`posts::url_keys`], the text
//! hash), what a batch adds to the rollups ([`RollupBatch`], [`ReachBatch`], [`HourlyCounts`])
//! and which story a post joins ([`stories::choose`], [`StoryBatch`]). Two things differ:
//!
//! - a transaction that stores posts takes an advisory lock ([`WRITE_LOCK`]) first, so that
//!   several nodes (or `pantau import` beside the daemon) number posts and stories from the
//!   largest stored id one after the other, as SQLite's IMMEDIATE transaction does;
//! - story placement runs before the commit instead of behind it (SQLite's `store::pending`),
//!   and the GIN full-text index follows the rows by itself: at commit, everything is final.
//!
//! Rows the batch derives are written once at its end with multi-row statements over arrays
//! (`unnest`): a statement per row is a round trip to the server each.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use jiff::Timestamp;
use r2d2_postgres::postgres::Statement;

use crate::classify::Tags;
use crate::model::{Attempt, Post, Reach, SourceId, SourceInfo};
use crate::store::alerts::{Decision, NewAlert};
use crate::store::briefings::{BriefingDelivery, BriefingRecord};
use crate::store::posts::{self, Failure, Ingest};
use crate::store::reach::{self, ReachBatch, StoredReach};
use crate::store::rollups::{HourlyCounts, RollupBatch};
use crate::store::rows::uncount;
use crate::store::stories::{self, Candidate, GOOGLE_LINK, ON_GOOGLE, StoryBatch};
use crate::store::{StoreError, Write, Writes};
use crate::stories::Fingerprint;
use crate::time::{hour_bucket, to_db};

use super::{PgStore, Prepared, Tx};

/// The advisory lock every transaction that stores posts holds until it ends (`pantau` in
/// ASCII, then 2: the migrations hold 1).
const WRITE_LOCK: i64 = 0x7061_6e74_6175_0002;

/// How the region column names the province-wide count.
const ALL: &str = "*";

impl Writes for PgStore {
    fn write(&mut self, writes: &[Write]) -> Result<Vec<usize>, StoreError> {
        let mut client = self.client();
        let mut tx = client.transaction()?;
        let out = store_batch(&mut tx, |tx, batch| {
            let mut out = Vec::with_capacity(writes.len());
            for w in writes {
                out.push(match w {
                    Write::Ingest(i) => ingest(tx, i, batch)?,
                    Write::Failure(f) => {
                        failure(tx, f)?;
                        0
                    }
                });
            }
            Ok(out)
        })?;
        tx.commit()?;
        Ok(out)
    }

    fn insert_pushed(
        &mut self,
        kind: &str,
        origin: &str,
        posts: &[(Post, Tags)],
        keywords_version: &str,
    ) -> Result<usize, StoreError> {
        let by_source = posts::by_source(posts);
        let now = to_db(Timestamp::now());
        let mut client = self.client();
        let mut tx = client.transaction()?;
        let new_by_source = store_batch(&mut tx, |tx, batch| {
            let mut new_by_source = Vec::with_capacity(by_source.len());
            for (source, group) in &by_source {
                let new = insert_all(tx, group, keywords_version, batch)?;
                new_by_source.push((source.as_str(), new));
                pushed_source(tx, source, kind, origin, &now, new)?;
            }
            Ok(new_by_source)
        })?;
        tx.commit()?;
        for (source, new) in &new_by_source {
            crate::metrics::global().ingested(source, *new);
        }
        Ok(new_by_source.iter().map(|(_, n)| n).sum())
    }

    fn sync_sources(&mut self, sources: &[SourceInfo]) -> Result<(), StoreError> {
        let mut client = self.client();
        let mut tx = client.transaction()?;
        let upsert = tx.prepared(
            "INSERT INTO sources (id, kind, name, url, region_id) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET
                 kind = excluded.kind, name = excluded.name, region_id = excluded.region_id,
                 cursor = CASE WHEN sources.url = excluded.url THEN sources.cursor ELSE NULL END,
                 url = excluded.url",
        )?;
        for s in sources {
            tx.execute(
                &upsert,
                &[
                    &s.id.as_str(),
                    &s.kind,
                    &s.name,
                    &s.location,
                    &s.region.as_ref().map(|r| r.as_str()),
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.client().execute_prepared(
            "INSERT INTO meta (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            &[&key, &value, &to_db(Timestamp::now())],
        )?;
        Ok(())
    }

    fn delete_meta(&mut self, key: &str) -> Result<(), StoreError> {
        self.client()
            .execute_prepared("DELETE FROM meta WHERE key = $1", &[&key])?;
        Ok(())
    }

    fn record_briefing(&mut self, b: &BriefingRecord) -> Result<(), StoreError> {
        self.client().execute_prepared(
            "INSERT INTO briefings (date, generated_at, period_start, period_end, dir, issues, posts, keywords_version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (date) DO UPDATE SET generated_at = excluded.generated_at,
                 period_start = excluded.period_start, period_end = excluded.period_end,
                 dir = excluded.dir, issues = excluded.issues, posts = excluded.posts,
                 keywords_version = excluded.keywords_version",
            &[
                &b.date,
                &to_db(b.generated_at),
                &to_db(b.period_start),
                &to_db(b.period_end),
                &b.dir,
                &(b.issues as i64),
                &(b.posts as i64),
                &b.keywords_version,
            ],
        )?;
        Ok(())
    }

    fn record_briefing_delivery(&mut self, d: &BriefingDelivery) -> Result<(), StoreError> {
        self.client().execute_prepared(
            "INSERT INTO briefing_deliveries (date, sink, recipient, attempt, ok, error, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &d.date,
                &d.sink,
                &d.recipient,
                &i64::from(d.attempt),
                &i64::from(d.error.is_none()),
                &d.error,
                &to_db(d.at),
            ],
        )?;
        Ok(())
    }

    fn record_decisions(
        &mut self,
        decisions: &[Decision],
        now: Timestamp,
    ) -> Result<Vec<i64>, StoreError> {
        let mut client = self.client();
        let mut tx = client.transaction()?;
        let at = to_db(now);
        let mut new = Vec::new();
        for d in decisions {
            match d {
                Decision::Open {
                    topic,
                    region,
                    count,
                    alert,
                } => {
                    let episode: i64 = tx
                        .query_one_prepared(
                            "INSERT INTO alert_episodes (topic_id, region_id, started_at, last_rising_at,
                                 alerted_count, last_alert_at)
                             VALUES ($1, $2, $3, $3, $4, $3) RETURNING id",
                            &[topic, &region.as_deref().unwrap_or(ALL), &at, &(*count as i64)],
                        )?
                        .get(0);
                    if let Some(alert) = alert {
                        new.push(insert_alert(&mut tx, episode, alert, &at)?);
                    }
                }
                Decision::Continue { episode, follow_up } => {
                    tx.execute_prepared(
                        "UPDATE alert_episodes SET last_rising_at = $2 WHERE id = $1",
                        &[episode, &at],
                    )?;
                    if let Some(f) = follow_up {
                        tx.execute_prepared(
                            "UPDATE alert_episodes SET alerted_count = $2, last_alert_at = $3 WHERE id = $1",
                            &[episode, &(f.count as i64), &at],
                        )?;
                        if let Some(alert) = &f.alert {
                            new.push(insert_alert(&mut tx, *episode, alert, &at)?);
                        }
                    }
                }
                Decision::Close { episode } => {
                    tx.execute_prepared(
                        "UPDATE alert_episodes SET closed_at = $2 WHERE id = $1",
                        &[episode, &at],
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(new)
    }

    fn record_delivery(
        &mut self,
        alert_id: i64,
        sink: &str,
        outcome: Result<(), (&str, Option<Timestamp>)>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut client = self.client();
        match outcome {
            Ok(()) => client.execute_prepared(
                "UPDATE alert_deliveries SET status = 'sent', attempts = attempts + 1, sent_at = $3,
                     last_error = NULL
                 WHERE alert_id = $1 AND sink_id = $2",
                &[&alert_id, &sink, &to_db(now)],
            )?,
            Err((error, next)) => client.execute_prepared(
                "UPDATE alert_deliveries SET status = $3, attempts = attempts + 1, last_error = $4,
                     next_attempt_at = coalesce($5, next_attempt_at)
                 WHERE alert_id = $1 AND sink_id = $2",
                &[
                    &alert_id,
                    &sink,
                    &if next.is_some() { "pending" } else { "failed" },
                    &error,
                    &next.map(to_db),
                ],
            )?,
        };
        Ok(())
    }
}

impl PgStore {
    /// Stores posts outside any poll (tests, benches): no cursor or health change.
    pub fn insert_posts(
        &mut self,
        posts: &[(Post, Tags)],
        keywords_version: &str,
    ) -> Result<usize, StoreError> {
        let mut client = self.client();
        let mut tx = client.transaction()?;
        let new = store_batch(&mut tx, |tx, batch| {
            insert_all(tx, posts, keywords_version, batch)
        })?;
        tx.commit()?;
        Ok(new)
    }

    /// The story a stored post belongs to, if it has one.
    pub fn story_of_post(&self, post_id: i64) -> Result<Option<i64>, StoreError> {
        Ok(self
            .client()
            .query_opt_prepared("SELECT story_id FROM posts WHERE id = $1", &[&post_id])?
            .and_then(|r| r.get::<_, Option<i64>>(0)))
    }
}

fn insert_alert(
    tx: &mut Tx<'_>,
    episode: i64,
    alert: &NewAlert,
    at: &str,
) -> Result<i64, StoreError> {
    let id: i64 = tx
        .query_one_prepared(
            "INSERT INTO alerts (episode_id, topic_id, region_id, created_at, follow_up, count, score,
                 reason, subject, text, payload)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            &[
                &episode,
                &alert.topic,
                &alert.region.as_deref().unwrap_or(ALL),
                &at,
                &i64::from(alert.follow_up),
                &(alert.count as i64),
                &alert.score,
                &alert.reason,
                &alert.subject,
                &alert.text,
                &alert.payload.to_string(),
            ],
        )?
        .get(0);
    tx.execute_prepared(
        "INSERT INTO alert_deliveries (alert_id, sink_id, status, next_attempt_at)
         SELECT $1, sink, 'pending', $3 FROM unnest($2::text[]) AS sink",
        &[&id, &alert.sinks, &at],
    )?;
    Ok(id)
}

/// Runs `f` with a [`Batch`] in `tx` under the write lock, and finishes the batch (story
/// placement, rollups) before the caller commits.
fn store_batch<'a, T>(
    tx: &mut Tx<'_>,
    f: impl FnOnce(&mut Tx<'_>, &mut Batch<'a>) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    tx.execute_prepared("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
    let mut batch = Batch::start(tx)?;
    let out = f(tx, &mut batch)?;
    batch.finish(tx)?;
    Ok(out)
}

fn ingest<'a>(tx: &mut Tx<'_>, i: &'a Ingest, batch: &mut Batch<'a>) -> Result<usize, StoreError> {
    let new = insert_all(tx, &i.posts, &i.keywords_version, batch)?;
    let cursor = serde_json::to_string(&i.cursor).expect("a cursor always serialises");
    tx.execute_prepared(
        "UPDATE sources SET cursor = $2, last_attempt_at = $3, last_success_at = $3,
             consecutive_failures = 0, last_error_class = NULL, last_error = NULL,
             next_attempt_at = $4, items_seen = items_seen + $5
         WHERE id = $1",
        &[
            &i.source.as_str(),
            &cursor,
            &to_db(i.attempt.started),
            &to_db(i.attempt.next_attempt),
            &(new as i64),
        ],
    )?;
    let status = if i.not_modified { "not_modified" } else { "ok" };
    log_fetch(
        tx,
        &i.source,
        &i.attempt,
        (status, i.items_found, new),
        None,
    )?;
    Ok(new)
}

fn failure(tx: &mut Tx<'_>, f: &Failure) -> Result<(), StoreError> {
    tx.execute_prepared(
        "UPDATE sources SET last_attempt_at = $2, consecutive_failures = consecutive_failures + 1,
             last_error_class = $3, last_error = $4, next_attempt_at = $5
         WHERE id = $1",
        &[
            &f.source.as_str(),
            &to_db(f.attempt.started),
            &f.class,
            &f.message,
            &to_db(f.attempt.next_attempt),
        ],
    )?;
    log_fetch(
        tx,
        &f.source,
        &f.attempt,
        ("error", 0, 0),
        Some((&f.class, &f.message)),
    )
}

/// A fetch-log row: `outcome` is (status, items found, items new), `error` (class, message).
fn log_fetch(
    tx: &mut Tx<'_>,
    source: &SourceId,
    attempt: &Attempt,
    (status, found, new): (&str, usize, usize),
    error: Option<(&str, &str)>,
) -> Result<(), StoreError> {
    tx.execute_prepared(
        "INSERT INTO fetch_log (source_id, started_at, duration_ms, status, items_found, items_new,
             error_class, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &source.as_str(),
            &to_db(attempt.started),
            &(attempt.duration.as_millis() as i64),
            &status,
            &(found as i64),
            &(new as i64),
            &error.map(|e| e.0),
            &error.map(|e| e.1),
        ],
    )?;
    Ok(())
}

/// Records a push of `new` posts from `source` in `sources` (see [`Writes::insert_pushed`]).
fn pushed_source(
    tx: &mut Tx<'_>,
    source: &SourceId,
    kind: &str,
    origin: &str,
    now: &str,
    new: usize,
) -> Result<(), StoreError> {
    tx.execute_prepared(
        "INSERT INTO sources (id, kind, url, last_attempt_at, last_success_at, items_seen)
         VALUES ($1, $2, $3, $4, $4, $5)
         ON CONFLICT (id) DO UPDATE SET
             kind = excluded.kind, url = excluded.url,
             last_attempt_at = excluded.last_attempt_at,
             last_success_at = excluded.last_success_at,
             items_seen = sources.items_seen + excluded.items_seen
         WHERE sources.kind IN ('import', 'ingest')",
        &[&source.as_str(), &kind, &origin, &now, &(new as i64)],
    )?;
    Ok(())
}

/// Stores `posts` (one poll's, or one source's pushed posts) in `batch`'s transaction; returns
/// how many were new.
///
/// A post is new unless a post stored before the transaction or earlier in it has its source
/// and id, its URL key or its source and text hash: what SQLite's unique indexes decide post
/// by post, decided here for the whole poll with one read, so that the new rows go to the
/// server together ([`PostRows`]). The write lock keeps the answer true until the commit.
fn insert_all<'a>(
    tx: &mut Tx<'_>,
    posts: &'a [(Post, Tags)],
    keywords_version: &str,
    batch: &mut Batch<'a>,
) -> Result<usize, StoreError> {
    let url_keys = posts::url_keys(posts);
    let hashes: Vec<String> = posts
        .iter()
        .map(|(p, t)| posts::text_hash(p, t).into_owned())
        .collect();
    let stored = StoredKeys::read(tx, posts, &url_keys, &hashes)?;
    let mut new = 0;
    for (((post, tags), url_key), hash) in posts.iter().zip(url_keys).zip(hashes) {
        let source = post.source.as_str();
        let copy = stored
            .ids
            .contains(&(source.to_owned(), post.external_id.clone()))
            || url_key.is_some_and(|u| stored.urls.contains(u))
            || stored.hashes.contains(&(source.to_owned(), hash.clone()))
            || !batch.keys.take(post, url_key, &hash);
        if copy {
            if post.reach != Reach::default() {
                // The stored post may be one of this batch, still held.
                batch.write_held(tx)?;
                seen_again(tx, post, &mut batch.reach)?;
            }
            continue;
        }
        let id = batch.next_post_id;
        batch
            .posts
            .push(id, post, tags, url_key, hash, keywords_version);
        new += 1;
        batch.next_post_id += 1;
        batch.rollups.add(post, tags);
        batch.reach.add(id, post, tags);
        // A post with a fingerprint is placed in its story at the batch's end, which counts
        // the story then; one without words is its own story.
        let fp = posts::fingerprint(post, tags);
        let own_story = fp.is_none();
        if let Some(fp) = fp {
            batch.placing.push(Placing { id, post, tags, fp });
        }
        batch.tag(id, post, tags, own_story);
    }
    Ok(new)
}

/// The keys of the posts of one poll that are stored already.
#[derive(Debug, Default)]
struct StoredKeys {
    /// (source, external id)
    ids: HashSet<(String, String)>,
    urls: HashSet<String>,
    /// (source, text hash)
    hashes: HashSet<(String, String)>,
}

impl StoredKeys {
    fn read(
        tx: &mut Tx<'_>,
        posts: &[(Post, Tags)],
        url_keys: &[Option<&str>],
        hashes: &[String],
    ) -> Result<StoredKeys, StoreError> {
        let mut keys = StoredKeys::default();
        if posts.is_empty() {
            return Ok(keys);
        }
        let sources: Vec<&str> = posts.iter().map(|(p, _)| p.source.as_str()).collect();
        let ids: Vec<&str> = posts.iter().map(|(p, _)| p.external_id.as_str()).collect();
        let urls: Vec<&str> = url_keys.iter().flatten().copied().collect();
        for r in tx.query_prepared(
            "SELECT 1, p.source_id, p.external_id FROM posts p
             JOIN unnest($1::text[], $2::text[]) AS k(source_id, external_id)
               ON p.source_id = k.source_id AND p.external_id = k.external_id
             UNION ALL
             SELECT 2, url, '' FROM posts WHERE url = ANY($3::text[]) AND url_is_key = 1
             UNION ALL
             SELECT 3, p.source_id, p.text_hash FROM posts p
             JOIN unnest($1::text[], $4::text[]) AS k(source_id, text_hash)
               ON p.source_id = k.source_id AND p.text_hash = k.text_hash",
            &[&sources, &ids, &urls, &hashes],
        )? {
            let (kind, a, b): (i32, String, String) = (r.get(0), r.get(1), r.get(2));
            match kind {
                1 => keys.ids.insert((a, b)),
                2 => keys.urls.insert(a),
                _ => keys.hashes.insert((a, b)),
            };
        }
        Ok(keys)
    }
}

/// The keys of the posts the transaction stores, so that a copy later in it is not stored.
#[derive(Debug, Default)]
struct BatchKeys {
    ids: HashSet<(String, String)>,
    urls: HashSet<String>,
    hashes: HashSet<(String, String)>,
}

impl BatchKeys {
    /// Takes the post's keys; false (nothing taken) when one is taken already.
    fn take(&mut self, post: &Post, url_key: Option<&str>, hash: &str) -> bool {
        let id = (post.source.to_string(), post.external_id.clone());
        let text = (post.source.to_string(), hash.to_owned());
        if self.ids.contains(&id)
            || url_key.is_some_and(|u| self.urls.contains(u))
            || self.hashes.contains(&text)
        {
            return false;
        }
        self.ids.insert(id);
        if let Some(u) = url_key {
            self.urls.insert(u.to_owned());
        }
        self.hashes.insert(text);
        true
    }
}

/// New posts' rows held as columns, inserted with one statement.
#[derive(Debug, Default)]
struct PostRows {
    source: Vec<String>,
    external_id: Vec<String>,
    url: Vec<Option<String>>,
    /// 1 where the post is de-duplicated by its URL across sources, else 0.
    url_is_key: Vec<i16>,
    title: Vec<Option<String>>,
    text: Vec<String>,
    author: Vec<Option<String>>,
    lang: Vec<Option<String>>,
    published: Vec<String>,
    fetched: Vec<String>,
    text_hash: Vec<String>,
    sentiment: Vec<Option<&'static str>>,
    sentiment_score: Vec<Option<f64>>,
    keywords_version: Vec<String>,
    shares: Vec<i64>,
    id: Vec<i64>,
    platform: Vec<Option<String>>,
    likes: Vec<Option<i64>>,
    comments: Vec<Option<i64>>,
    views: Vec<Option<i64>>,
    followers: Vec<Option<i64>>,
    story_id: Vec<Option<i64>>,
}

impl PostRows {
    fn push(
        &mut self,
        id: i64,
        post: &Post,
        tags: &Tags,
        url_key: Option<&str>,
        text_hash: String,
        keywords_version: &str,
    ) {
        let reach = post.reach;
        self.source.push(post.source.to_string());
        self.external_id.push(post.external_id.clone());
        self.url.push(post.url.clone());
        self.url_is_key.push(i16::from(url_key.is_some()));
        self.title.push(post.title.clone());
        self.text.push(post.text.clone());
        self.author.push(post.author.clone());
        self.lang.push(post.lang.clone());
        self.published.push(to_db(post.published));
        self.fetched.push(to_db(post.fetched));
        self.text_hash.push(text_hash);
        self.sentiment.push(tags.sentiment.map(|(c, _)| c.as_str()));
        self.sentiment_score.push(tags.sentiment.map(|(_, s)| s));
        self.keywords_version.push(keywords_version.to_owned());
        self.shares.push(posts::count(reach.shares));
        self.id.push(id);
        self.platform
            .push(post.platform.as_ref().map(|p| p.as_str().to_owned()));
        self.likes.push(reach.likes.map(posts::count));
        self.comments.push(reach.comments.map(posts::count));
        self.views.push(reach.views.map(posts::count));
        self.followers.push(reach.followers.map(posts::count));
        self.story_id.push(None);
    }

    /// Gives the held posts their stories; returns the placements of posts written already.
    fn set_stories(&mut self, placed: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
        // The held ids ascend one by one from the first.
        let first = self.id.first().copied().unwrap_or(i64::MAX);
        let mut written = Vec::new();
        for (post, story) in placed {
            match usize::try_from(post - first)
                .ok()
                .filter(|i| *i < self.id.len())
            {
                Some(i) => self.story_id[i] = Some(story),
                None => written.push((post, story)),
            }
        }
        written
    }

    /// Inserts the rows held so far.
    fn write(&mut self, tx: &mut Tx<'_>) -> Result<(), StoreError> {
        if self.id.is_empty() {
            return Ok(());
        }
        tx.execute_prepared(
            "INSERT INTO posts (source_id, external_id, url, url_is_key, title, text, author, lang,
                 published_at, fetched_at, text_hash, sentiment, sentiment_score,
                 keywords_version, shares, id, platform, likes, comments, views, followers,
                 story_id)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int2[], $5::text[],
                 $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                 $12::text[], $13::float8[], $14::text[], $15::bigint[], $16::bigint[],
                 $17::text[], $18::bigint[], $19::bigint[], $20::bigint[], $21::bigint[],
                 $22::bigint[])",
            &[
                &self.source,
                &self.external_id,
                &self.url,
                &self.url_is_key,
                &self.title,
                &self.text,
                &self.author,
                &self.lang,
                &self.published,
                &self.fetched,
                &self.text_hash,
                &self.sentiment,
                &self.sentiment_score,
                &self.keywords_version,
                &self.shares,
                &self.id,
                &self.platform,
                &self.likes,
                &self.comments,
                &self.views,
                &self.followers,
                &self.story_id,
            ],
        )?;
        *self = PostRows::default();
        Ok(())
    }
}

/// A post seen again (same source and id): see `store::reach::seen_again`, whose decisions
/// ([`reach::merged`], [`ReachBatch::seen_again`]) this shares.
fn seen_again(tx: &mut Tx<'_>, post: &Post, batch: &mut ReachBatch<'_>) -> Result<(), StoreError> {
    let Some(row) = tx.query_opt_prepared(
        "SELECT id, published_at, coalesce(platform, ''), coalesce(author, ''),
                likes, shares, comments, views, followers
         FROM posts WHERE source_id = $1 AND external_id = $2",
        &[&post.source.as_str(), &post.external_id],
    )?
    else {
        return Ok(());
    };
    let opt = |i: usize| row.get::<_, Option<i64>>(i).map(uncount);
    let stored = StoredReach {
        id: row.get(0),
        published: row.get(1),
        platform: row.get(2),
        author: row.get(3),
        reach: Reach {
            likes: opt(4),
            shares: uncount(row.get(5)),
            comments: opt(6),
            views: opt(7),
            followers: opt(8),
        },
    };
    let new = reach::merged(&stored.reach, &post.reach);
    if new == stored.reach {
        return Ok(());
    }
    tx.execute_prepared(
        "UPDATE posts SET likes = $2, shares = $3, comments = $4, views = $5, followers = $6
         WHERE id = $1",
        &[
            &stored.id,
            &new.likes.map(posts::count),
            &posts::count(new.shares),
            &new.comments.map(posts::count),
            &new.views.map(posts::count),
            &new.followers.map(posts::count),
        ],
    )?;
    let topics: Vec<String> = tx
        .query_prepared(
            "SELECT topic_id FROM post_topics WHERE post_id = $1",
            &[&stored.id],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let forget = batch.seen_again(post.source.as_str(), &stored, &new, topics);
    if !forget.is_empty() {
        let (topics, hours, engagement): (Vec<String>, Vec<String>, Vec<i64>) =
            unzip3(forget.into_iter());
        tx.execute_prepared(
            "DELETE FROM topic_engagement e USING unnest($1::text[], $2::text[], $3::bigint[])
                 AS f(topic_id, hour, engagement)
             WHERE e.topic_id = f.topic_id AND e.hour = f.hour AND e.engagement = f.engagement
               AND e.post_id = $4",
            &[&topics, &hours, &engagement, &stored.id],
        )?;
    }
    Ok(())
}

/// A new post left for story placement at the batch's end.
struct Placing<'a> {
    id: i64,
    post: &'a Post,
    tags: &'a Tags,
    fp: Cow<'a, Fingerprint>,
}

/// The topics, regions and mentions of the batch's new posts, held as columns and written
/// with one statement per table.
#[derive(Debug, Default)]
struct TagRows {
    topic_posts: Vec<i64>,
    topics: Vec<String>,
    region_posts: Vec<i64>,
    regions: Vec<String>,
    mention_posts: Vec<i64>,
    mention_kinds: Vec<&'static str>,
    mention_tags: Vec<String>,
    mention_weights: Vec<f64>,
}

impl TagRows {
    /// Writes the rows held so far (a repeated tag is stored once, as by its primary key).
    fn write(&mut self, tx: &mut Tx<'_>) -> Result<(), StoreError> {
        if !self.topic_posts.is_empty() {
            tx.execute_prepared(
                "INSERT INTO post_topics (post_id, topic_id)
                 SELECT * FROM unnest($1::bigint[], $2::text[]) ON CONFLICT DO NOTHING",
                &[&self.topic_posts, &self.topics],
            )?;
        }
        if !self.region_posts.is_empty() {
            tx.execute_prepared(
                "INSERT INTO post_regions (post_id, region_id)
                 SELECT * FROM unnest($1::bigint[], $2::text[]) ON CONFLICT DO NOTHING",
                &[&self.region_posts, &self.regions],
            )?;
        }
        if !self.mention_posts.is_empty() {
            tx.execute_prepared(
                "INSERT INTO post_mentions (post_id, kind, tag_id, weight)
                 SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::float8[])
                 ON CONFLICT DO NOTHING",
                &[
                    &self.mention_posts,
                    &self.mention_kinds,
                    &self.mention_tags,
                    &self.mention_weights,
                ],
            )?;
        }
        *self = TagRows::default();
        Ok(())
    }
}

/// What one transaction derives from the posts it stores, held in memory and written when it
/// ends ([`Batch::finish`]), as `store::posts`' batch on SQLite.
struct Batch<'a> {
    /// The largest post id before the transaction: its new posts are those above.
    before: i64,
    /// The id the next new post takes (the transaction holds [`WRITE_LOCK`]).
    next_post_id: i64,
    /// The new posts' rows and tags, held until [`Batch::write_held`].
    posts: PostRows,
    tags: TagRows,
    /// The keys of the new posts.
    keys: BatchKeys,
    placing: Vec<Placing<'a>>,
    hourly: HourlyCounts<'a>,
    rollups: RollupBatch<'a>,
    reach: ReachBatch<'a>,
}

impl<'a> Batch<'a> {
    fn start(tx: &mut Tx<'_>) -> Result<Batch<'a>, StoreError> {
        let before: i64 = tx
            .query_one_prepared("SELECT coalesce(max(id), 0) FROM posts", &[])?
            .get(0);
        Ok(Batch {
            before,
            next_post_id: before + 1,
            posts: PostRows::default(),
            tags: TagRows::default(),
            keys: BatchKeys::default(),
            placing: Vec::new(),
            hourly: HourlyCounts::default(),
            rollups: RollupBatch::default(),
            reach: ReachBatch::default(),
        })
    }

    /// Inserts the new posts and tags held so far.
    fn write_held(&mut self, tx: &mut Tx<'_>) -> Result<(), StoreError> {
        self.posts.write(tx)?;
        self.tags.write(tx)
    }

    /// Holds the topics, regions and mentions of the new post `id`, and counts the primary
    /// ones in the hourly counts per topic and area; `own_story` counts a story with it (a
    /// post without a fingerprint).
    fn tag(&mut self, id: i64, post: &Post, tags: &'a Tags, own_story: bool) {
        let hour = hour_bucket(post.published);
        for t in &tags.topics {
            self.tags.topic_posts.push(id);
            self.tags.topics.push(t.to_string());
            for area in std::iter::once(ALL).chain(tags.areas.iter().map(|a| a.as_str())) {
                self.hourly
                    .add(t.as_str(), area, hour, 1, i64::from(own_story));
            }
        }
        for r in &tags.regions {
            self.tags.region_posts.push(id);
            self.tags.regions.push(r.to_string());
        }
        let mentions = (tags.mentioned_topics.iter())
            .map(|(t, w)| ("topic", t.as_str(), w))
            .chain((tags.mentioned_regions.iter()).map(|(r, w)| ("region", r.as_str(), w)));
        for (kind, tag, weight) in mentions {
            self.tags.mention_posts.push(id);
            self.tags.mention_kinds.push(kind);
            self.tags.mention_tags.push(tag.to_owned());
            self.tags.mention_weights.push(f64::from(*weight));
        }
    }

    /// Writes the held tags, places the new posts in their stories, and writes the counts
    /// and rollups.
    fn finish(mut self, tx: &mut Tx<'_>) -> Result<(), StoreError> {
        // Placed before the posts are written, so that each row is written once with its
        // story: updating `story_id` afterwards wrote every row again, with its full-text
        // entries (placement took two thirds of a batch's time).
        let placed = place(tx, &self.placing, &mut self.hourly)?;
        let written = self.posts.set_stories(placed);
        self.write_held(tx)?;
        if !written.is_empty() {
            let (posts, stories): (Vec<i64>, Vec<i64>) = written.into_iter().unzip();
            tx.execute_prepared(
                "UPDATE posts SET story_id = u.story_id
                 FROM unnest($1::bigint[], $2::bigint[]) AS u(id, story_id) WHERE posts.id = u.id",
                &[&posts, &stories],
            )?;
        }
        write_hourly(tx, self.hourly)?;
        write_reach(tx, self.reach)?;
        if self.next_post_id > self.before + 1 {
            write_rollups(tx, self.rollups, self.before)?;
        }
        Ok(())
    }
}

/// Places the batch's new posts in their stories, in the order they were stored, as SQLite's
/// step behind the commit does (`store::pending::place`): the stored stories of all their keys
/// are read at once, and each post then counts its story once per topic and area. Returns
/// (post, story) of each placed post.
fn place<'a>(
    tx: &mut Tx<'_>,
    placing: &[Placing<'a>],
    hourly: &mut HourlyCounts<'a>,
) -> Result<Vec<(i64, i64)>, StoreError> {
    if placing.is_empty() {
        return Ok(Vec::new());
    }
    let max: i64 = tx
        .query_one_prepared("SELECT coalesce(max(id), 0) FROM stories", &[])?
        .get(0);
    let mut batch = StoryBatch::above(max);
    let keys: Vec<Vec<i64>> = placing.iter().map(|p| p.fp.keys()).collect();
    let unread = batch.unread(keys.iter().flatten().copied().collect());
    for r in tx.query_prepared(
        "SELECT key, story_id FROM story_keys WHERE key = ANY($1)",
        &[&unread],
    )? {
        batch.found(r.get(0), r.get(1));
    }
    let statements = StoryStatements::prepare(tx)?;
    let mut started = NewStories::default();
    let (mut post_ids, mut story_ids) = (Vec::new(), Vec::new());
    // (story, topic, area) in the order posts bring them, with the hour of the first.
    let mut counted: Vec<(i64, &'a str, &'a str, Timestamp)> = Vec::new();
    let mut seen: HashSet<(i64, &'a str, &'a str)> = HashSet::new();
    for (p, keys) in placing.iter().zip(keys) {
        let ids = batch.stories(&keys);
        // A story started here is read and joined as stored: its row goes first.
        if ids.iter().any(|id| started.holds(*id)) {
            started.write(tx)?;
        }
        let candidates = candidates(tx, &statements, &ids)?;
        let placement = stories::choose(p.post, &p.fp, keys, candidates);
        let settled = batch.settle(&placement);
        if settled.starts {
            started.push(settled.story, p);
        } else {
            join(tx, &statements, settled.story, p)?;
        }
        post_ids.push(p.id);
        story_ids.push(settled.story);
        let hour = hour_bucket(p.post.published);
        for topic in &p.tags.topics {
            for area in std::iter::once(ALL).chain(p.tags.areas.iter().map(|a| a.as_str())) {
                if seen.insert((settled.story, topic.as_str(), area)) {
                    counted.push((settled.story, topic.as_str(), area, hour));
                }
            }
        }
    }
    started.write(tx)?;
    let (keys, key_stories): (Vec<i64>, Vec<i64>) = batch.into_new_keys().into_iter().unzip();
    tx.execute_prepared(
        "INSERT INTO story_keys (key, story_id) SELECT * FROM unnest($1::bigint[], $2::bigint[])
         ON CONFLICT DO NOTHING",
        &[&keys, &key_stories],
    )?;
    count_stories(tx, counted, hourly)?;
    Ok(post_ids.into_iter().zip(story_ids).collect())
}

/// Marks each (story, topic, area) as counted in `story_topics`; the ones new there count a
/// story in that topic, area and hour.
fn count_stories<'a>(
    tx: &mut Tx<'_>,
    counted: Vec<(i64, &'a str, &'a str, Timestamp)>,
    hourly: &mut HourlyCounts<'a>,
) -> Result<(), StoreError> {
    let (mut ids, mut topics, mut areas) = (Vec::new(), Vec::new(), Vec::new());
    for (story, topic, area, _) in &counted {
        ids.push(*story);
        topics.push(*topic);
        areas.push(*area);
    }
    let new: HashSet<(i64, String, String)> = tx
        .query_prepared(
            "INSERT INTO story_topics (story_id, topic_id, region_id)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])
             ON CONFLICT DO NOTHING RETURNING story_id, topic_id, region_id",
            &[&ids, &topics, &areas],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    for (story, topic, area, hour) in counted {
        if new.contains(&(story, topic.to_owned(), area.to_owned())) {
            hourly.add(topic, area, hour, 0, 1);
        }
    }
    Ok(())
}

/// A post that only links to Google News joins story $1, published at $2 (id $3, source $4,
/// URL $5). As `store::stories::join`: such an item never takes the place of the outlet's own
/// post.
static JOIN_AGGREGATED: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE stories SET first_seen_at = $2,
             first_post_id = CASE WHEN {ON_GOOGLE} THEN $3 ELSE first_post_id END,
             first_source_id = CASE WHEN {ON_GOOGLE} THEN $4 ELSE first_source_id END,
             first_url = CASE WHEN {ON_GOOGLE} THEN $5::text ELSE first_url END
         WHERE id = $1 AND first_seen_at > $2"
    )
});

/// An outlet's own post joins story $1 (parameters as [`JOIN_AGGREGATED`]'s), taking the place
/// of an earlier post or of an item that only links to Google News.
static JOIN_OUTLET: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE stories SET first_seen_at = least(first_seen_at, $2), first_post_id = $3,
             first_source_id = $4, first_url = $5::text
         WHERE id = $1 AND (first_seen_at > $2 OR ({GOOGLE_LINK} AND $5::text IS NOT NULL))"
    )
});

/// The statements story placement runs per post, taken from the connection's prepared ones
/// once per batch.
struct StoryStatements {
    story: Statement,
    join_source: Statement,
    join_counts: Statement,
    join_aggregated: Statement,
    join_outlet: Statement,
}

impl StoryStatements {
    fn prepare(tx: &mut Tx<'_>) -> Result<StoryStatements, StoreError> {
        Ok(StoryStatements {
            story: tx.prepared(
                "SELECT id, signature, title_key, first_seen_at, last_seen_at FROM stories
                 WHERE id = ANY($1) ORDER BY id",
            )?,
            join_source: tx.prepared(
                "INSERT INTO story_sources (story_id, source_id, posts, first_seen_at)
                 VALUES ($1, $2, 1, $3)
                 ON CONFLICT (story_id, source_id) DO UPDATE SET
                     posts = story_sources.posts + 1,
                     first_seen_at = least(story_sources.first_seen_at, excluded.first_seen_at)
                 RETURNING posts",
            )?,
            join_counts: tx.prepared(
                "UPDATE stories SET posts = posts + 1, sources = sources + $2,
                     last_seen_at = greatest(last_seen_at, $3)
                 WHERE id = $1",
            )?,
            join_aggregated: tx.prepared(&JOIN_AGGREGATED)?,
            join_outlet: tx.prepared(&JOIN_OUTLET)?,
        })
    }
}

/// The stories `ids` as they are now (a story joined earlier in the batch has moved its
/// times), by id.
fn candidates(
    tx: &mut Tx<'_>,
    statements: &StoryStatements,
    ids: &[i64],
) -> Result<Vec<Candidate>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(tx
        .query(&statements.story, &[&ids])?
        .iter()
        .filter_map(|r| {
            Candidate::of_row(r.get(0), r.get::<_, &[u8]>(1), r.get(2), r.get(3), r.get(4))
        })
        .collect())
}

/// Stories started by the batch and not written yet, as columns: each becomes a row of
/// `stories` and one of `story_sources`, inserted together.
#[derive(Debug, Default)]
struct NewStories {
    id: Vec<i64>,
    first_post: Vec<i64>,
    source: Vec<String>,
    url: Vec<Option<String>>,
    at: Vec<String>,
    title: Vec<String>,
    signature: Vec<Vec<u8>>,
    title_key: Vec<Option<i64>>,
}

impl NewStories {
    /// Starts story `story` with the post `p`.
    fn push(&mut self, story: i64, p: &Placing<'_>) {
        self.id.push(story);
        self.first_post.push(p.id);
        self.source.push(p.post.source.to_string());
        self.url.push(p.post.url.clone());
        self.at.push(to_db(p.post.published));
        self.title.push(stories::story_title(p.post));
        self.signature.push(p.fp.signature_bytes());
        self.title_key.push(p.fp.title.map(|k| k as i64));
    }

    /// Whether story `id` is held here, not written yet.
    fn holds(&self, id: i64) -> bool {
        self.id.first().is_some_and(|first| id >= *first)
    }

    fn write(&mut self, tx: &mut Tx<'_>) -> Result<(), StoreError> {
        if self.id.is_empty() {
            return Ok(());
        }
        tx.execute_prepared(
            "INSERT INTO stories (id, first_post_id, first_source_id, first_url, first_seen_at,
                 last_seen_at, title, posts, sources, signature, title_key)
             SELECT id, first_post_id, first_source_id, first_url, at, at, title, 1, 1,
                 signature, title_key
             FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[],
                 $6::text[], $7::bytea[], $8::bigint[])
                 AS s(id, first_post_id, first_source_id, first_url, at, title, signature, title_key)",
            &[
                &self.id,
                &self.first_post,
                &self.source,
                &self.url,
                &self.at,
                &self.title,
                &self.signature,
                &self.title_key,
            ],
        )?;
        tx.execute_prepared(
            "INSERT INTO story_sources (story_id, source_id, posts, first_seen_at)
             SELECT id, source_id, 1, at FROM unnest($1::bigint[], $2::text[], $3::text[])
                 AS s(id, source_id, at)",
            &[&self.id, &self.source, &self.at],
        )?;
        *self = NewStories::default();
        Ok(())
    }
}

fn join(
    tx: &mut Tx<'_>,
    statements: &StoryStatements,
    story: i64,
    p: &Placing<'_>,
) -> Result<(), StoreError> {
    let (post, source) = (p.post, p.post.source.as_str());
    let at = to_db(post.published);
    let posts: i64 = tx
        .query_one(&statements.join_source, &[&story, &source, &at])?
        .get(0);
    let new_source = i64::from(posts == 1);
    tx.execute(&statements.join_counts, &[&story, &new_source, &at])?;
    let aggregated = post
        .url
        .as_deref()
        .is_some_and(crate::sources::google_news::is_google_news);
    let update = if aggregated {
        &statements.join_aggregated
    } else {
        &statements.join_outlet
    };
    tx.execute(update, &[&story, &at, &p.id, &source, &post.url])?;
    Ok(())
}

/// Adds the batch's hourly counts to `topic_hourly`.
fn write_hourly(tx: &mut Tx<'_>, hourly: HourlyCounts<'_>) -> Result<(), StoreError> {
    let rows = hourly.into_rows();
    if rows.is_empty() {
        return Ok(());
    }
    let (mut topics, mut regions, mut hours, mut posts, mut stories) =
        (vec![], vec![], vec![], vec![], vec![]);
    for ((topic, region, hour), (p, s)) in rows {
        topics.push(topic);
        regions.push(region);
        hours.push(to_db(hour));
        posts.push(p);
        stories.push(s);
    }
    tx.execute_prepared(
        "INSERT INTO topic_hourly (topic_id, region_id, hour, posts, stories)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
         ON CONFLICT (topic_id, region_id, hour) DO UPDATE SET
             posts = topic_hourly.posts + excluded.posts,
             stories = topic_hourly.stories + excluded.stories",
        &[&topics, &regions, &hours, &posts, &stories],
    )?;
    Ok(())
}

/// Adds the batch's reach sums to `topic_reach_hourly` and lists its engaged posts.
fn write_reach(tx: &mut Tx<'_>, reach: ReachBatch<'_>) -> Result<(), StoreError> {
    let (rows, engaged) = reach.into_rows();
    if !rows.is_empty() {
        let mut key: [Vec<String>; 5] = Default::default();
        let mut sums: [Vec<i64>; 7] = Default::default();
        for ((topic, hour, platform, source, author), s) in rows {
            let k = [topic.into_owned(), to_db(hour), platform.into_owned()];
            for (col, v) in key.iter_mut().zip(k) {
                col.push(v);
            }
            key[3].push(source.into_owned());
            key[4].push(author.into_owned());
            let values = [
                s.posts,
                s.reached,
                s.likes,
                s.shares,
                s.comments,
                s.views,
                s.followers,
            ];
            for (col, v) in sums.iter_mut().zip(values) {
                col.push(v);
            }
        }
        tx.execute_prepared(
            "INSERT INTO topic_reach_hourly (topic_id, hour, platform, source_id, author, posts,
                 reached, likes, shares, comments, views, followers)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                 $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[],
                 $11::bigint[], $12::bigint[])
             ON CONFLICT (topic_id, hour, platform, source_id, author) DO UPDATE SET
                 posts = topic_reach_hourly.posts + excluded.posts,
                 reached = topic_reach_hourly.reached + excluded.reached,
                 likes = topic_reach_hourly.likes + excluded.likes,
                 shares = topic_reach_hourly.shares + excluded.shares,
                 comments = topic_reach_hourly.comments + excluded.comments,
                 views = topic_reach_hourly.views + excluded.views,
                 followers = greatest(topic_reach_hourly.followers, excluded.followers)",
            &[
                &key[0], &key[1], &key[2], &key[3], &key[4], &sums[0], &sums[1], &sums[2],
                &sums[3], &sums[4], &sums[5], &sums[6],
            ],
        )?;
    }
    if !engaged.is_empty() {
        let (mut topics, mut hours, mut engagement, mut ids) = (vec![], vec![], vec![], vec![]);
        for ((topic, id), (hour, e)) in engaged {
            topics.push(topic.into_owned());
            hours.push(to_db(hour));
            engagement.push(e);
            ids.push(id);
        }
        tx.execute_prepared(
            "INSERT INTO topic_engagement (topic_id, hour, engagement, post_id)
             SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])
             ON CONFLICT DO NOTHING",
            &[&topics, &hours, &engagement, &ids],
        )?;
    }
    Ok(())
}

/// Adds the batch's sums to the counting rollups, and lists its new posts (ids above
/// `before`) in `topic_posts`.
fn write_rollups(tx: &mut Tx<'_>, rollups: RollupBatch<'_>, before: i64) -> Result<(), StoreError> {
    let rows = rollups.into_rows();
    if !rows.posts.is_empty() {
        let (hours, counts): (Vec<String>, Vec<(i64, i64)>) =
            rows.posts.into_iter().map(|(h, c)| (to_db(h), c)).unzip();
        let (posts, tagged): (Vec<i64>, Vec<i64>) = counts.into_iter().unzip();
        tx.execute_prepared(
            "INSERT INTO post_hourly (hour, posts, tagged)
             SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
             ON CONFLICT (hour) DO UPDATE SET posts = post_hourly.posts + excluded.posts,
                 tagged = post_hourly.tagged + excluded.tagged",
            &[&hours, &posts, &tagged],
        )?;
    }
    if !rows.sources.is_empty() {
        let (mut t, mut r, mut h, mut s, mut n) = (vec![], vec![], vec![], vec![], vec![]);
        for ((topic, region, hour, source), count) in rows.sources {
            t.push(topic);
            r.push(region);
            h.push(to_db(hour));
            s.push(source);
            n.push(count);
        }
        tx.execute_prepared(
            "INSERT INTO topic_source_hourly (topic_id, region_id, hour, source_id, posts)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
             ON CONFLICT (topic_id, region_id, hour, source_id) DO UPDATE SET
                 posts = topic_source_hourly.posts + excluded.posts",
            &[&t, &r, &h, &s, &n],
        )?;
    }
    if !rows.sentiment.is_empty() {
        let (mut t, mut h, mut c, mut n) = (vec![], vec![], vec![], vec![]);
        for ((topic, hour, class), count) in rows.sentiment {
            t.push(topic);
            h.push(to_db(hour));
            c.push(class);
            n.push(count);
        }
        tx.execute_prepared(
            "INSERT INTO topic_sentiment_hourly (topic_id, hour, sentiment, posts)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
             ON CONFLICT (topic_id, hour, sentiment) DO UPDATE SET
                 posts = topic_sentiment_hourly.posts + excluded.posts",
            &[&t, &h, &c, &n],
        )?;
    }
    if !rows.authors.is_empty() {
        let (mut t, mut h, mut a, mut s, mut n) = (vec![], vec![], vec![], vec![], vec![]);
        for ((topic, hour, author, source), count) in rows.authors {
            t.push(topic);
            h.push(to_db(hour));
            a.push(author);
            s.push(source);
            n.push(count);
        }
        tx.execute_prepared(
            "INSERT INTO topic_author_hourly (topic_id, hour, author, source_id, posts)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
             ON CONFLICT (topic_id, hour, author, source_id) DO UPDATE SET
                 posts = topic_author_hourly.posts + excluded.posts",
            &[&t, &h, &a, &s, &n],
        )?;
    }
    tx.execute_prepared(
        "INSERT INTO topic_posts (topic_id, source_id, published_at, post_id)
         SELECT t.topic_id, p.source_id, p.published_at, p.id
         FROM posts p JOIN post_topics t ON t.post_id = p.id WHERE p.id > $1
         ON CONFLICT DO NOTHING",
        &[&before],
    )?;
    Ok(())
}

fn unzip3<A, B, C>(rows: impl Iterator<Item = (A, B, C)>) -> (Vec<A>, Vec<B>, Vec<C>) {
    let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
    for (x, y, z) in rows {
        a.push(x);
        b.push(y);
        c.push(z);
    }
    (a, b, c)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::classify::SentimentClass;
    use crate::model::{Cursor, Platform, RegionId, TopicId};
    use crate::store::alerts::FollowUp;
    use crate::store::testing::TestDb;
    use crate::store::{Maintenance, Store, Writes};

    const RELEASE: &str = "Pemerintah Kota Samarinda menetapkan status tanggap darurat banjir \
                           setelah hujan deras merendam ribuan rumah di Sempaja, Bengkuring dan \
                           Griya Mukti";

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn post(source: &str, id: &str, url: Option<&str>, text: &str, when: &str) -> Post {
        Post {
            source: source.into(),
            external_id: id.into(),
            url: url.map(str::to_owned),
            title: None,
            text: text.into(),
            author: None,
            published: at(when),
            fetched: at(when),
            lang: Some("id".into()),
            platform: None,
            reach: Reach::default(),
        }
    }

    fn tags(topics: &[&str], areas: &[&str]) -> Tags {
        Tags {
            topics: topics.iter().map(|t| TopicId::new(*t)).collect(),
            regions: areas.iter().map(|r| RegionId::new(*r)).collect(),
            areas: areas.iter().map(|r| RegionId::new(*r)).collect(),
            ..Tags::default()
        }
    }

    fn ingest(source: &str, when: &str, posts: Vec<(Post, Tags)>) -> Write {
        Write::Ingest(Ingest {
            source: source.into(),
            items_found: posts.len() + 1,
            posts,
            cursor: Cursor::default(),
            attempt: Attempt {
                started: at(when),
                duration: Duration::from_millis(42),
                next_attempt: at(when) + jiff::SignedDuration::from_mins(10),
            },
            not_modified: false,
            keywords_version: "v1".into(),
        })
    }

    fn social(source: &str, id: &str, text: &str, when: &str, reach: Reach) -> Post {
        Post {
            author: Some(" @warga ".into()),
            platform: Platform::parse("X"),
            reach,
            ..post(source, id, None, text, when)
        }
    }

    fn alert(topic: &str, region: Option<&str>, sinks: &[&str]) -> NewAlert {
        NewAlert {
            topic: topic.into(),
            region: region.map(str::to_owned),
            follow_up: false,
            count: 7,
            score: 3.25,
            reason: "naik".into(),
            subject: format!("Isu {topic}"),
            text: "teks".into(),
            payload: serde_json::json!({"topic": topic}),
            sinks: sinks.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Several polls with copies, URL collisions, reach updates, stories across sources,
    /// multi-region tags, failures, pushes, alert decisions and briefings, one re-delivered.
    fn sequence(store: &mut Store) {
        let configured: Vec<SourceInfo> = ["kaltimpost", "tribun", "warga", "gn", "mati"]
            .iter()
            .map(|id| SourceInfo {
                id: (*id).into(),
                kind: "feed".into(),
                name: Some(id.to_uppercase()),
                location: format!("https://{id}.example/rss"),
                region: Some(RegionId::new("samarinda")),
            })
            .collect();
        store.sync_sources(&configured).unwrap();
        let mut opinion = tags(&["banjir", "pemerintahan"], &["samarinda", "balikpapan"]);
        opinion.sentiment = Some((SentimentClass::Negatif, -0.75));
        opinion.mentioned_topics = vec![(TopicId::new("jalan"), 0.5)];
        opinion.mentioned_regions = vec![(RegionId::new("bontang"), 0.25)];
        let first = vec![
            ingest(
                "kaltimpost",
                "2026-11-27T02:15:00Z",
                vec![
                    (
                        post(
                            "kaltimpost",
                            "1",
                            Some("https://kp.example/1"),
                            RELEASE,
                            "2026-11-27T02:10:00Z",
                        ),
                        tags(&["banjir"], &["samarinda"]),
                    ),
                    (
                        post(
                            "kaltimpost",
                            "2",
                            Some("https://kp.example/"),
                            "Jalan Juanda macet total pagi ini",
                            "2026-11-27T02:11:00Z",
                        ),
                        tags(&["lalu-lintas"], &[]),
                    ),
                    // The same id again within the poll.
                    (
                        post("kaltimpost", "1", None, "lain", "2026-11-27T02:10:00Z"),
                        tags(&[], &[]),
                    ),
                ],
            ),
            ingest(
                "warga",
                "2026-11-27T02:40:00Z",
                vec![
                    (
                        social(
                            "warga",
                            "w1",
                            "Air masuk rumah di Sempaja, warga mengungsi ke masjid",
                            "2026-11-27T02:30:00Z",
                            Reach {
                                likes: Some(10),
                                shares: 2,
                                comments: None,
                                views: Some(500),
                                followers: Some(1000),
                            },
                        ),
                        opinion.clone(),
                    ),
                    // A copy of a story started earlier in the same transaction.
                    (
                        post(
                            "warga",
                            "w9",
                            None,
                            &format!("Info: {RELEASE}!"),
                            "2026-11-27T02:35:00Z",
                        ),
                        tags(&["banjir"], &["samarinda", "kukar"]),
                    ),
                    (
                        social(
                            "warga",
                            "w2",
                            "Tidak ada topik di sini",
                            "2026-11-27T03:01:00Z",
                            Reach::default(),
                        ),
                        tags(&[], &[]),
                    ),
                ],
            ),
            Write::Failure(Failure {
                source: "mati".into(),
                attempt: Attempt {
                    started: at("2026-11-27T02:50:00Z"),
                    duration: Duration::from_millis(1500),
                    next_attempt: at("2026-11-27T03:20:00Z"),
                },
                class: "timeout".into(),
                message: "waktu habis".into(),
            }),
        ];
        assert_eq!(store.write(&first).unwrap(), [2, 3, 0]);
        let second = vec![
            ingest(
                "tribun",
                "2026-11-27T03:10:00Z",
                vec![
                    (
                        post(
                            "tribun",
                            "7",
                            Some("https://tr.example/7"),
                            &format!("SAMARINDA, Tribun - {RELEASE}."),
                            "2026-11-27T01:55:00Z",
                        ),
                        tags(&["banjir", "pemerintahan"], &["samarinda"]),
                    ),
                    // kaltimpost's URL from another source: a copy.
                    (
                        post(
                            "tribun",
                            "8",
                            Some("https://kp.example/1"),
                            "Berita lain dengan tautan sama",
                            "2026-11-27T03:00:00Z",
                        ),
                        tags(&["banjir"], &[]),
                    ),
                ],
            ),
            ingest(
                "warga",
                "2026-11-27T03:15:00Z",
                vec![
                    // Seen again with newer counts.
                    (
                        social(
                            "warga",
                            "w1",
                            "Air masuk rumah di Sempaja, warga mengungsi ke masjid",
                            "2026-11-27T02:30:00Z",
                            Reach {
                                likes: Some(40),
                                shares: 1,
                                comments: Some(6),
                                views: None,
                                followers: Some(1200),
                            },
                        ),
                        opinion.clone(),
                    ),
                    (
                        social(
                            "warga",
                            "w3",
                            "Banjir lagi di Loa Janan, jalan putus",
                            "2026-11-27T03:05:00Z",
                            Reach {
                                likes: Some(3),
                                ..Reach::default()
                            },
                        ),
                        tags(&["banjir"], &["kukar"]),
                    ),
                ],
            ),
            ingest(
                "gn",
                "2026-11-27T03:20:00Z",
                vec![(
                    post(
                        "gn",
                        "g1",
                        Some("https://news.google.com/rss/articles/CBMi?oc=5"),
                        RELEASE,
                        "2026-11-27T01:00:00Z",
                    ),
                    tags(&["banjir"], &["samarinda"]),
                )],
            ),
        ];
        assert_eq!(store.write(&second).unwrap(), [1, 1, 1]);
        // Re-delivered after a crash: nothing twice.
        assert_eq!(store.write(&second).unwrap(), [0, 0, 0]);
        let pushed = vec![
            (
                post(
                    "impor",
                    "i1",
                    Some("https://impor.example/1"),
                    "Tanggul jebol di Sempaja",
                    "2026-11-27T04:00:00Z",
                ),
                tags(&["banjir"], &["samarinda"]),
            ),
            (
                post(
                    "kaltimpost",
                    "k9",
                    None,
                    "Jalan rusak di Bontang",
                    "2026-11-27T04:05:00Z",
                ),
                tags(&["jalan"], &["bontang"]),
            ),
        ];
        assert_eq!(
            store
                .insert_pushed("import", "f.jsonl", &pushed, "v1")
                .unwrap(),
            2
        );
        assert_eq!(
            store
                .insert_pushed("import", "f.jsonl", &pushed, "v1")
                .unwrap(),
            0
        );
        let plain = vec![(
            post("lain", "x", None, RELEASE, "2026-11-27T05:00:00Z"),
            tags(&["banjir"], &["samarinda"]),
        )];
        assert_eq!(store.insert_posts(&plain, "v1").unwrap(), 1);
        let now = at("2026-11-27T06:00:00Z");
        let ids = store
            .record_decisions(
                &[
                    Decision::Open {
                        topic: "banjir".into(),
                        region: None,
                        count: 5,
                        alert: Some(alert("banjir", None, &["surel", "telegram"])),
                    },
                    Decision::Open {
                        topic: "banjir".into(),
                        region: Some("samarinda".into()),
                        count: 3,
                        alert: None,
                    },
                ],
                now,
            )
            .unwrap();
        assert_eq!(ids, [1]);
        let later = at("2026-11-27T07:00:00Z");
        let ids = store
            .record_decisions(
                &[
                    Decision::Continue {
                        episode: 1,
                        follow_up: Some(FollowUp {
                            count: 9,
                            alert: Some(alert("banjir", Some("samarinda"), &["surel"])),
                        }),
                    },
                    Decision::Close { episode: 2 },
                ],
                later,
            )
            .unwrap();
        assert_eq!(ids, [2]);
        store.record_delivery(1, "surel", Ok(()), later).unwrap();
        store
            .record_delivery(1, "telegram", Err(("gagal", Some(later))), later)
            .unwrap();
        store
            .record_delivery(2, "surel", Err(("gagal", None)), later)
            .unwrap();
        let mut briefing = BriefingRecord {
            date: "2026-11-27".into(),
            generated_at: now,
            period_start: at("2026-11-26T16:00:00Z"),
            period_end: at("2026-11-27T16:00:00Z"),
            dir: "/tmp/b".into(),
            issues: 2,
            posts: 9,
            keywords_version: "v1".into(),
        };
        store.record_briefing(&briefing).unwrap();
        briefing.issues = 3;
        store.record_briefing(&briefing).unwrap();
        for error in [Some("ditolak".to_string()), None] {
            store
                .record_briefing_delivery(&BriefingDelivery {
                    date: briefing.date.clone(),
                    sink: "surel".into(),
                    recipient: "a@b.example".into(),
                    attempt: 1 + u32::from(error.is_none()),
                    error,
                    at: later,
                })
                .unwrap();
        }
        // A configured source's URL changed: its cursor starts again.
        let mut moved = configured.clone();
        moved[0].location = "https://kaltimpost.example/baru".into();
        store.sync_sources(&moved).unwrap();
    }

    /// Columns whose values the sequence does not control (the time of a push), the same
    /// expression on both backends.
    fn column(table: &str, name: &str) -> String {
        match (table, name) {
            ("sources", "last_attempt_at" | "last_success_at") => {
                format!("CASE WHEN kind IN ('import', 'ingest') THEN 'sekarang' ELSE {name} END")
            }
            _ => format!("\"{name}\""),
        }
    }

    /// Every table's rows as sorted strings, read from PostgreSQL; the tables and columns
    /// compared are PostgreSQL's (SQLite has its own extra tables: the full-text index, the
    /// step behind the commit), but for `meta` (the times values were set; SQLite's pending
    /// mark) and `leases` (PostgreSQL's only).
    fn pg_tables(url: &str) -> Vec<(String, Vec<String>)> {
        let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
        schema(&mut client)
            .into_iter()
            .map(|(table, columns)| {
                let select: Vec<String> = columns
                    .iter()
                    .map(|c| format!("({})::text", column(&table, c)))
                    .collect();
                let sql = format!("SELECT {} FROM {table}", select.join(", "));
                let mut rows: Vec<String> = client
                    .query(&sql, &[])
                    .unwrap()
                    .iter()
                    .map(|r| {
                        (0..columns.len())
                            .map(|i| {
                                r.get::<_, Option<String>>(i)
                                    .unwrap_or_else(|| "NULL".into())
                            })
                            .collect::<Vec<_>>()
                            .join("|")
                    })
                    .collect();
                rows.sort();
                (table, rows)
            })
            .collect()
    }

    fn schema(client: &mut postgres::Client) -> Vec<(String, Vec<String>)> {
        let tables: Vec<String> = client
            .query(
                "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = 'public' AND table_name NOT IN ('pantau_schema', 'meta', 'leases')
                 ORDER BY 1",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        tables
            .into_iter()
            .map(|t| {
                let columns = client
                    .query(
                        "SELECT column_name::text FROM information_schema.columns
                         WHERE table_schema = 'public' AND table_name = $1
                         ORDER BY ordinal_position",
                        &[&t],
                    )
                    .unwrap()
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                (t, columns)
            })
            .collect()
    }

    /// The same tables and columns read from the SQLite file, formatted as PostgreSQL's
    /// `::text` gives them.
    fn sqlite_tables(
        path: &std::path::Path,
        schema: &[(String, Vec<String>)],
    ) -> Vec<(String, Vec<String>)> {
        use rusqlite::types::ValueRef;
        let conn = rusqlite::Connection::open(path).unwrap();
        schema
            .iter()
            .map(|(table, columns)| {
                let select: Vec<String> = columns.iter().map(|c| column(table, c)).collect();
                let sql = format!("SELECT {} FROM {table}", select.join(", "));
                let mut stmt = conn.prepare(&sql).unwrap();
                let mut rows: Vec<String> = stmt
                    .query_map([], |r| {
                        Ok((0..columns.len())
                            .map(|i| match r.get_ref(i).unwrap() {
                                ValueRef::Null => "NULL".to_string(),
                                ValueRef::Integer(n) => n.to_string(),
                                ValueRef::Real(f) => f.to_string(),
                                ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                                ValueRef::Blob(b) => format!(
                                    "\\x{}",
                                    b.iter().map(|x| format!("{x:02x}")).collect::<String>()
                                ),
                            })
                            .collect::<Vec<_>>()
                            .join("|"))
                    })
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                rows.sort();
                (table.clone(), rows)
            })
            .collect()
    }

    /// The same writes into SQLite and into PostgreSQL leave the same rows in every table:
    /// post and story ids, tags, stories and their keys, every rollup, reach, sources' health,
    /// the fetch log, alerts and briefings.
    #[test]
    fn the_same_writes_leave_the_same_rows_on_both_backends() {
        let Some(db) = TestDb::create() else { return };
        let dir = tempfile::tempdir().unwrap();
        let mut sqlite = Store::open(&dir.path().join("p.db")).unwrap();
        sequence(&mut sqlite);
        // SQLite's new stories' keys wait in `story_keys_new`; merged, they are PostgreSQL's
        // `story_keys`.
        sqlite.merge_all_story_keys(1000).unwrap();
        let mut pg = db.store();
        sequence(&mut pg);
        let pg_rows = pg_tables(db.url().expose());
        let schema: Vec<(String, Vec<String>)> = {
            let mut client = postgres::Client::connect(db.url().expose(), postgres::NoTls).unwrap();
            schema(&mut client)
        };
        let sqlite_rows = sqlite_tables(sqlite.sqlite_path().unwrap(), &schema);
        for ((table, pg), (_, lite)) in pg_rows.iter().zip(&sqlite_rows) {
            assert_eq!(
                pg, lite,
                "table {table}: PostgreSQL (left) and SQLite (right)"
            );
        }
        // The sequence reached every table it should (a comparison of empty tables proves
        // nothing).
        let empty: Vec<&str> = pg_rows
            .iter()
            .filter(|(_, rows)| rows.is_empty())
            .map(|(t, _)| t.as_str())
            .collect();
        assert_eq!(
            empty,
            [
                "api_tokens",
                "login_audit",
                "post_marks",
                "sessions",
                "topic_revisions",
                "users"
            ]
        );
    }

    /// A batch numbers its posts from the largest stored id, so it holds the write lock from
    /// its start to its commit: another writer (another node, `pantau import`) waits instead
    /// of committing posts in between, and ids ascend in commit order.
    #[test]
    fn a_batch_holds_the_write_lock_until_it_commits() {
        let Some(db) = TestDb::create() else { return };
        let ours_posts = vec![(
            post("a", "1", None, "Tanggul jebol", "2026-11-27T02:10:00Z"),
            tags(&["banjir"], &[]),
        )];
        let theirs = vec![(
            post("b", "1", None, "Tanggul retak", "2026-11-27T02:10:00Z"),
            tags(&["banjir"], &[]),
        )];
        let ours = PgStore::connect(db.url()).unwrap();
        let url = db.url().clone();
        let other = {
            let mut client = ours.client();
            let mut tx = client.transaction().unwrap();
            let other = store_batch(&mut tx, |tx, batch| {
                let other = std::thread::spawn(move || {
                    PgStore::connect(&url)
                        .unwrap()
                        .insert_posts(&theirs, "v")
                        .unwrap()
                });
                std::thread::sleep(Duration::from_millis(300));
                assert!(
                    !other.is_finished(),
                    "another writer committed inside the batch"
                );
                assert_eq!(insert_all(tx, &ours_posts, "v", batch)?, 1);
                Ok(other)
            })
            .unwrap();
            tx.commit().unwrap();
            other
        };
        assert_eq!(other.join().unwrap(), 1);
        let sources: Vec<String> = ours
            .client()
            .query("SELECT source_id FROM posts ORDER BY id", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(sources, ["a", "b"]);
    }

    /// 10,000 generated posts (topics, regions, a copy in every tenth), as [`Ingest`]s of
    /// 500 posts, one poll per transaction as the bench's `store` stage commits them.
    fn generated_polls() -> Vec<Write> {
        // Words of two or three syllables: a vocabulary of thousands, so that only the
        // copies are near-duplicates, as in real polls.
        const SYLLABLES: &[&str] = &[
            "ba", "ka", "ma", "sa", "ta", "ri", "lu", "ngi", "pe", "do", "ja", "wa", "ra", "gu",
            "so", "ne", "bi", "ha", "ku", "ti",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as usize
        };
        let word = |next: &mut dyn FnMut() -> usize| -> String {
            (0..2 + next() % 2)
                .map(|_| SYLLABLES[next() % SYLLABLES.len()])
                .collect()
        };
        let start = at("2026-11-20T00:00:00Z");
        let mut posts = Vec::new();
        for i in 0..10_000 {
            let text = if i % 10 == 9 {
                format!(
                    "SAMARINDA - {}",
                    posts.last().map_or("", |(p, _): &(Post, Tags)| &p.text)
                )
            } else {
                (0..30)
                    .map(|_| word(&mut next))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let when = start + jiff::SignedDuration::from_secs(i * 61);
            let source = format!("sumber-{}", i % 20);
            let mut p = post(
                &source,
                &format!("{i}"),
                None,
                &text,
                "2026-11-20T00:00:00Z",
            );
            p.url = Some(format!("https://{source}.example/berita/{i}"));
            p.published = when;
            p.fetched = when;
            let topic = ["banjir", "jalan", "listrik", "tambang"][next() % 4];
            let area = ["samarinda", "balikpapan", "kukar"][next() % 3];
            let t = tags(&[topic], &[area]);
            posts.push((p, t));
        }
        posts
            .chunks(500)
            .enumerate()
            .map(|(n, chunk)| {
                let when = format!("2026-11-27T0{}:00:00Z", n % 10);
                ingest(&format!("sumber-{}", n % 20), &when, chunk.to_vec())
            })
            .collect()
    }

    /// Posts per second storing [`generated_polls`] into a new store, median of 3 runs.
    fn rate(mut open: impl FnMut() -> (Store, Box<dyn std::any::Any>)) -> f64 {
        let polls = generated_polls();
        let mut rates: Vec<f64> = (0..3)
            .map(|_| {
                let (mut store, _keep) = open();
                let started = std::time::Instant::now();
                let mut stored = 0;
                for poll in &polls {
                    stored += store.write(std::slice::from_ref(poll)).unwrap()[0];
                }
                let secs = started.elapsed().as_secs_f64();
                assert!(stored >= 9_000, "{stored} posts stored");
                stored as f64 / secs
            })
            .collect();
        rates.sort_by(f64::total_cmp);
        rates[1]
    }

    /// The write path's speed on both backends: `cargo test --release --lib
    /// store::pg::writes::tests::store_rate -- --ignored --nocapture` (with a test server).
    #[test]
    #[ignore = "a measurement, not a check"]
    fn store_rate() {
        let sqlite = rate(|| {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(&dir.path().join("r.db")).unwrap();
            (store, Box::new(dir))
        });
        println!("SQLite: {sqlite:.0} posts/s");
        if TestDb::create().is_some() {
            let pg = rate(|| {
                let db = TestDb::create().unwrap();
                (db.store(), Box::new(db))
            });
            println!("PostgreSQL: {pg:.0} posts/s");
        }
    }
}
