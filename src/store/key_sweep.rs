//! The stories' lookup keys in the large table: new keys merged into it, and the keys of
//! stories that retention deleted removed from it.
//!
//! A new story's keys are written into `story_keys_new` ([`super::stories::StoryBatch::write`]),
//! a small table, and moved into `story_keys` by [`merge_step`]: a few thousand keys at a time,
//! in key order, so keys that share a page of the large table are written with it once. Keys
//! are hashes, so a story's 17 keys land on 17 pages of the large table: written there by the
//! commit's step, they are most of the pages it writes into a large store (73 % of a 10,000-post
//! poll's at 5,000,000 posts, docs/performance.md). Placing a post reads both tables.
//!
//! `story_keys` is read by key only (placing a post), so it has no index by story: that index
//! cost as much disk as the keys themselves (115 bytes a post). Without it, deleting a
//! story's keys with the story would scan the whole table, so retention deletes the stories
//! alone and their keys are swept afterwards: [`SLICES`] slices of the key space in turn, one
//! slice per retention pass (hourly in `pantau run`, so the whole table once a day), a short
//! transaction of up to a few thousand rows at a time. A left-over key does no harm until it
//! goes: placing a post reads the stories of its keys, and a key whose story is gone finds
//! none.
//!
//! Where the sweep stands is kept in `meta` (`story_keys.swept`), so a restart goes on from
//! there.

use rusqlite::{Connection, params};

use super::StoreError;

/// Slices of the key space; a retention pass sweeps one.
pub const SLICES: u32 = 24;

/// The `meta` key of the sweep's position.
pub(super) const SWEPT: &str = "story_keys.swept";

/// What one step of the sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Keys read.
    pub read: usize,
    /// Keys of deleted stories removed.
    pub removed: usize,
    /// The step reached the end of its slice: the next step starts the next one.
    pub slice_done: bool,
}

impl std::ops::AddAssign for Swept {
    fn add_assign(&mut self, step: Swept) {
        self.read += step.read;
        self.removed += step.removed;
        self.slice_done |= step.slice_done;
    }
}

/// Where the sweep stands: a slice, and the last key and story read in it (None at its
/// start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Position {
    pub slice: u32,
    pub after: Option<(i64, i64)>,
}

impl Position {
    pub const START: Position = Position {
        slice: 0,
        after: None,
    };

    /// The position as `meta` keeps it ("slice" or "slice key story"); the start for a value
    /// that does not read as one (a sweep from the start again loses nothing).
    pub fn parse(value: Option<&str>) -> Position {
        let Some(value) = value else {
            return Position::START;
        };
        let parts: Vec<&str> = value.split(' ').collect();
        let slice = parts.first().and_then(|s| s.parse::<u32>().ok());
        let after = match parts[1..] {
            [] => Some(None),
            [k, s] => k.parse().ok().zip(s.parse().ok()).map(Some),
            _ => None,
        };
        match (slice, after) {
            (Some(slice), Some(after)) if slice < SLICES => Position { slice, after },
            _ => Position::START,
        }
    }

    pub fn to_meta(self) -> String {
        match self.after {
            None => self.slice.to_string(),
            Some((key, story)) => format!("{} {key} {story}", self.slice),
        }
    }

    /// The slice's smallest and largest key.
    pub fn bounds(self) -> (i64, i64) {
        let last = match self.slice + 1 {
            SLICES => i64::MAX,
            next => slice_start(next) - 1,
        };
        (slice_start(self.slice), last)
    }

    /// The last key and story read, or a pair before every row of the slice.
    pub fn read_up_to(self) -> (i64, i64) {
        self.after.unwrap_or((i64::MIN, i64::MIN))
    }

    /// Where the sweep goes after a step that read `read` rows of `limit`, the last of them
    /// `last`.
    pub fn next(self, read: usize, limit: usize, last: Option<(i64, i64)>) -> Position {
        if read < limit {
            Position {
                slice: (self.slice + 1) % SLICES,
                after: None,
            }
        } else {
            Position {
                slice: self.slice,
                after: last.or(self.after),
            }
        }
    }
}

/// The smallest key of slice `slice`: keys are 64-bit hashes, spread evenly over all of i64.
fn slice_start(slice: u32) -> i64 {
    let width = (1i128 << 64) / SLICES as i128;
    (i64::MIN as i128 + width * slice as i128) as i64
}

/// Moves up to `limit` keys from `story_keys_new` into `story_keys`, the smallest first, in one
/// transaction; how many it moved (fewer than `limit`: none are left).
pub(super) fn merge_step(conn: &mut Connection, limit: usize) -> Result<usize, StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    // `OR IGNORE`: placement never writes a stored (key, story) again, but should one be in both
    // tables the large one keeps it once.
    tx.prepare_cached(
        "INSERT OR IGNORE INTO story_keys (key, story_id)
         SELECT key, story_id FROM story_keys_new ORDER BY key, story_id LIMIT ?1",
    )?
    .execute([limit])?;
    let moved = tx
        .prepare_cached(
            "DELETE FROM story_keys_new WHERE (key, story_id) IN
             (SELECT key, story_id FROM story_keys_new ORDER BY key, story_id LIMIT ?1)",
        )?
        .execute([limit])?;
    tx.commit()?;
    Ok(moved)
}

/// One step of the sweep on SQLite: up to `limit` keys from where it stands, those whose
/// story is gone removed, and the new position kept, in one transaction.
pub(super) fn sweep_step(conn: &mut Connection, limit: usize) -> Result<Swept, StoreError> {
    let tx = conn.transaction()?;
    let value: Option<String> = super::meta::meta(&tx, SWEPT)?.map(|(v, _)| v);
    let at = Position::parse(value.as_deref());
    let (lowest, highest) = at.bounds();
    let (after_key, after_story) = at.read_up_to();
    let rows: Vec<(i64, i64, bool)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT key, story_id, EXISTS (SELECT 1 FROM stories WHERE id = story_id)
             FROM story_keys
             WHERE key >= ?1 AND key <= ?2 AND (key, story_id) > (?3, ?4)
             ORDER BY key, story_id LIMIT ?5",
        )?;
        stmt.query_map(
            params![lowest, highest, after_key, after_story, limit as i64],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?
        .collect::<Result<_, _>>()?
    };
    let mut removed = 0;
    {
        let mut delete =
            tx.prepare_cached("DELETE FROM story_keys WHERE key = ?1 AND story_id = ?2")?;
        for &(key, story, _) in rows.iter().filter(|r| !r.2) {
            removed += delete.execute(params![key, story])?;
        }
    }
    let last = rows.last().map(|&(k, s, _)| (k, s));
    let next = at.next(rows.len(), limit, last);
    super::meta::set_meta(&tx, SWEPT, &next.to_meta())?;
    tx.commit()?;
    Ok(Swept {
        read: rows.len(),
        removed,
        slice_done: next.slice != at.slice,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::migrations::{MIGRATIONS, migrate};

    /// A database of schema version 17 (keys with an index by story and a cascade from
    /// `stories`) with three stories and their keys, spread over the key space.
    fn version_17() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..17] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 17).unwrap();
        for story in 1..=3i64 {
            conn.execute(
                "INSERT INTO stories (id, first_post_id, first_source_id, first_seen_at,
                                      last_seen_at, title, signature)
                 VALUES (?1, ?1, 's', '2026-08-01T00:00:00Z', '2026-08-01T00:00:00Z', 't', x'00')",
                [story],
            )
            .unwrap();
            for i in 0..40i64 {
                // Keys in every slice, and one key shared by all three stories.
                let key =
                    (i64::MIN as i128 + (i * 3 + story) as i128 * ((1i128 << 64) / 125)) as i64;
                conn.execute("INSERT INTO story_keys VALUES (?1, ?2)", [key, story])
                    .unwrap();
            }
            conn.execute("INSERT INTO story_keys VALUES (42, ?1)", [story])
                .unwrap();
        }
        conn
    }

    fn keys(conn: &Connection) -> Vec<(i64, i64)> {
        let mut stmt = conn
            .prepare("SELECT key, story_id FROM story_keys ORDER BY key, story_id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn merging_moves_every_new_key_once_in_steps() {
        let mut conn = version_17();
        migrate(&mut conn).unwrap();
        let before = keys(&conn);
        // Two new stories' keys, one of them already in the large table.
        for (key, story) in [(7, 4), (-7, 4), (42, 5), (i64::MAX, 5), (42, 1)] {
            conn.execute("INSERT INTO story_keys_new VALUES (?1, ?2)", [key, story])
                .unwrap();
        }
        // `pantau db stats` counts the waiting keys with the others.
        let stats = crate::store::maintenance::stats(&conn, std::path::Path::new("x.db")).unwrap();
        let counted = stats
            .rows
            .iter()
            .find(|(t, _)| t == "story_keys")
            .unwrap()
            .1;
        assert_eq!(counted as usize, before.len() + 5);
        assert_eq!(merge_step(&mut conn, 2).unwrap(), 2);
        assert_eq!(merge_step(&mut conn, 2).unwrap(), 2);
        assert_eq!(
            merge_step(&mut conn, 2).unwrap(),
            1,
            "the last step comes back short"
        );
        assert_eq!(merge_step(&mut conn, 2).unwrap(), 0);
        let mut expected = before;
        expected.extend([(7, 4), (-7, 4), (42, 5), (i64::MAX, 5)]);
        expected.sort_unstable();
        assert_eq!(keys(&conn), expected);
        let left: i64 = conn
            .query_row("SELECT count(*) FROM story_keys_new", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
    }

    #[test]
    fn an_upgraded_store_keeps_its_keys_and_sweeps_those_of_deleted_stories() {
        let mut conn = version_17();
        let before = keys(&conn);
        migrate(&mut conn).unwrap();
        assert_eq!(keys(&conn), before);
        let indexes: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'story_keys'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexes, 0, "no index by story");

        // Deleting a story leaves its keys (no cascade, which would scan them all) ...
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        conn.execute("DELETE FROM stories WHERE id = 2", [])
            .unwrap();
        assert_eq!(keys(&conn), before);
        // ... until the sweep has been through every slice, in steps smaller than a slice.
        let (mut removed, mut done) = (0, 0);
        while done < SLICES {
            let step = sweep_step(&mut conn, 2).unwrap();
            assert!(step.read <= 2);
            removed += step.removed;
            done += u32::from(step.slice_done);
        }
        let kept: Vec<(i64, i64)> = before.into_iter().filter(|k| k.1 != 2).collect();
        assert_eq!(keys(&conn), kept);
        assert_eq!(removed, 41);
        // The next day's sweep finds nothing more, and starts where the last one ended.
        let value = crate::store::meta::meta(&conn, SWEPT).unwrap().unwrap().0;
        assert_eq!(Position::parse(Some(&value)), Position::START);
        assert_eq!(sweep_step(&mut conn, 1000).unwrap().removed, 0);
    }

    #[test]
    fn slices_cover_every_key_once() {
        assert_eq!(slice_start(0), i64::MIN);
        let mut previous = i64::MIN;
        for slice in 1..SLICES {
            let start = slice_start(slice);
            assert!(start > previous);
            previous = start;
        }
        let last = Position {
            slice: SLICES - 1,
            after: None,
        };
        assert_eq!(last.bounds(), (previous, i64::MAX));
        assert_eq!(Position::START.bounds(), (i64::MIN, slice_start(1) - 1));
        // The slices are even: the last is no wider than the others plus the rounding.
        let width = slice_start(1) as i128 - slice_start(0) as i128;
        assert!((i64::MAX as i128 - previous as i128 + 1 - width).abs() < SLICES as i128);
    }

    #[test]
    fn the_position_reads_back_and_moves_on() {
        for p in [
            Position::START,
            Position {
                slice: 7,
                after: Some((-5, 12)),
            },
        ] {
            assert_eq!(Position::parse(Some(&p.to_meta())), p);
        }
        for bad in ["", "x", "24", "3 1", "3 a b", "3 1 2 3"] {
            assert_eq!(Position::parse(Some(bad)), Position::START, "{bad:?}");
        }
        let p = Position {
            slice: 3,
            after: Some((1, 1)),
        };
        assert_eq!(p.next(10, 10, Some((9, 2))).after, Some((9, 2)));
        assert_eq!(p.next(4, 10, Some((9, 2))).slice, 4);
        let last = Position {
            slice: SLICES - 1,
            after: None,
        };
        assert_eq!(last.next(0, 10, None), Position::START);
    }
}
