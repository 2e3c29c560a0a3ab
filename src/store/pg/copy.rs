//! Copying a SQLite database into an empty PostgreSQL one (`pantau db migrate-to`): every
//! table, row for row, in one PostgreSQL transaction, so that a failure leaves the target as
//! it was. The two schemas have the same tables and columns (`schema.rs`), so rows go across
//! as they are, through `COPY … FROM STDIN`.

use std::io::Write as _;

use rusqlite::types::ValueRef;

use super::PgStore;
use crate::store::{Maintenance, SqliteStore, StoreError};

/// The tables copied, parents before the tables that refer to them. The SQLite store's own
/// bookkeeping (`pending_stories`, the full-text tables) is not copied: PostgreSQL indexes
/// and places posts as it stores them, and the source's pending posts are finished first.
pub const TABLES: &[&str] = &[
    "sources",
    "posts",
    "post_topics",
    "post_regions",
    "post_mentions",
    "topic_hourly",
    "post_hourly",
    "topic_source_hourly",
    "topic_sentiment_hourly",
    "topic_author_hourly",
    "topic_posts",
    "topic_reach_hourly",
    "topic_engagement",
    "fetch_log",
    "briefings",
    "briefing_deliveries",
    "meta",
    "stories",
    "story_keys",
    "story_sources",
    "story_topics",
    "alert_episodes",
    "alerts",
    "alert_deliveries",
    "users",
    "sessions",
    "api_tokens",
    "login_audit",
    "topic_revisions",
    "post_marks",
];

/// Tables whose `id` is an identity on PostgreSQL: after the copy their sequences continue
/// from the largest copied id.
const IDENTITIES: &[&str] = &[
    "fetch_log",
    "briefing_deliveries",
    "alert_episodes",
    "alerts",
    "login_audit",
    "topic_revisions",
];

/// Story keys moved per transaction before the copy.
const MERGE_ROWS: usize = 50_000;

/// Rows copied per table, in [`TABLES`]' order.
#[derive(Debug, Default)]
pub struct Copied {
    pub tables: Vec<(&'static str, u64)>,
}

impl Copied {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.1).sum()
    }
}

/// Copies every table of `from` into `to`, which must hold no posts, users or sources yet.
/// `progress` hears each table's name and rows as they go (table, rows so far, rows in all).
/// `from`'s pending posts are indexed and placed in their stories first, and its new stories'
/// lookup keys merged into `story_keys` (PostgreSQL has no `story_keys_new`).
pub fn copy_from_sqlite(
    from: &mut SqliteStore,
    to: &PgStore,
    mut progress: impl FnMut(&str, u64, u64),
) -> Result<Copied, StoreError> {
    from.finish_pending()?;
    from.merge_all_story_keys(MERGE_ROWS)?;
    let mut client = to.client();
    refuse_non_empty(&mut client)?;
    // One read transaction on SQLite: a consistent snapshot even if a daemon still writes.
    let src = from.connection();
    src.execute_batch("BEGIN")?;
    let result = (|| {
        let mut tx = client.transaction()?;
        let mut copied = Copied::default();
        for &table in TABLES {
            let total: i64 =
                src.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
            let rows = copy_table(src, &mut tx, table, total as u64, &mut progress)?;
            copied.tables.push((table, rows));
        }
        for table in IDENTITIES {
            tx.execute(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table} \
                     HAVING max(id) IS NOT NULL"
                ),
                &[],
            )?;
        }
        tx.commit()?;
        Ok(copied)
    })();
    let _ = src.execute_batch("COMMIT");
    result
}

/// A target that already holds data is refused: a copy over it would mix two histories.
fn refuse_non_empty(client: &mut postgres::Client) -> Result<(), StoreError> {
    for table in ["posts", "sources", "users", "briefings"] {
        let n: i64 = client
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])?
            .get(0);
        if n > 0 {
            return Err(StoreError::Postgres(format!(
                "basis data tujuan tidak kosong ({n} baris di tabel {table}); salin ke basis data \
                 PostgreSQL yang baru dibuat"
            )));
        }
    }
    Ok(())
}

/// Rows between two progress reports.
const PROGRESS_EVERY: u64 = 10_000;

fn copy_table(
    src: &rusqlite::Connection,
    tx: &mut postgres::Transaction<'_>,
    table: &'static str,
    total: u64,
    progress: &mut impl FnMut(&str, u64, u64),
) -> Result<u64, StoreError> {
    let columns = columns(src, table)?;
    let list = columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = src
        .prepare(&format!("SELECT {list} FROM {table} ORDER BY rowid"))
        .or_else(|_| src.prepare(&format!("SELECT {list} FROM {table}")))?;
    let mut writer = tx.copy_in(&format!("COPY {table} ({list}) FROM STDIN"))?;
    let mut rows = stmt.query([])?;
    let mut n = 0u64;
    let mut line = String::new();
    progress(table, 0, total);
    while let Some(row) = rows.next()? {
        line.clear();
        for i in 0..columns.len() {
            if i > 0 {
                line.push('\t');
            }
            push_value(&mut line, row.get_ref(i)?);
        }
        line.push('\n');
        writer
            .write_all(line.as_bytes())
            .map_err(|e| StoreError::Postgres(format!("COPY {table}: {e}")))?;
        n += 1;
        if n.is_multiple_of(PROGRESS_EVERY) {
            progress(table, n, total);
        }
    }
    writer.finish()?;
    progress(table, n, total);
    Ok(n)
}

/// The table's columns, in order, as SQLite lists them.
fn columns(src: &rusqlite::Connection, table: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = src.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(names)
}

/// One value in `COPY`'s text format: `\N` for NULL; backslash, tab, newline and carriage
/// return escaped; a blob as bytea's hex form.
fn push_value(line: &mut String, value: ValueRef<'_>) {
    use std::fmt::Write as _;
    match value {
        ValueRef::Null => line.push_str("\\N"),
        ValueRef::Integer(i) => {
            let _ = write!(line, "{i}");
        }
        ValueRef::Real(f) => {
            let _ = write!(line, "{f:?}");
        }
        ValueRef::Text(bytes) => escape(line, &String::from_utf8_lossy(bytes)),
        ValueRef::Blob(bytes) => {
            line.push_str("\\\\x");
            for b in bytes {
                let _ = write!(line, "{b:02x}");
            }
        }
    }
}

fn escape(line: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => line.push_str("\\\\"),
            '\t' => line.push_str("\\t"),
            '\n' => line.push_str("\\n"),
            '\r' => line.push_str("\\r"),
            // PostgreSQL's text cannot hold NUL; SQLite's can. Dropped rather than refused:
            // no post text means anything by it.
            '\0' => {}
            c => line.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::classify::Tags;
    use crate::model::{Post, RegionId, TopicId};
    use crate::store::SqliteStore;
    use crate::store::testing::copied_to_postgres;

    fn post(id: &str, text: &str) -> (Post, Tags) {
        let at: jiff::Timestamp = "2026-11-20T01:00:00Z".parse().unwrap();
        let post = Post {
            source: "uji".into(),
            external_id: id.into(),
            url: Some(format!("https://contoh.id/{id}")),
            title: Some("Judul\twith tab".into()),
            text: text.into(),
            author: Some("Redaksi \\ Kaltim".into()),
            published: at,
            fetched: at,
            lang: Some("id".into()),
            platform: None,
            reach: Default::default(),
        };
        let tags = Tags {
            topics: vec![TopicId::new("banjir")],
            regions: vec![RegionId::new("samarinda")],
            areas: vec![RegionId::new("samarinda")],
            ..Default::default()
        };
        (post, tags)
    }

    #[test]
    fn every_row_and_awkward_text_goes_across_and_a_second_copy_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut sqlite = SqliteStore::open(&dir.path().join("p.db")).unwrap();
        let posts = vec![
            post("1", "Banjir di Samarinda\nbaris dua\r\\n bukan baris"),
            post("2", "Jalan rusak di Sempaja, air setinggi 50 cm"),
        ];
        sqlite.insert_posts(&posts, "v1").unwrap();
        let Some((db, pg)) = copied_to_postgres(&mut sqlite) else {
            return;
        };
        let mut client = postgres::Client::connect(db.url().expose(), postgres::NoTls).unwrap();
        let posts: i64 = client
            .query_one("SELECT count(*) FROM posts", &[])
            .unwrap()
            .get(0);
        assert_eq!(posts, 2);
        let text: String = client
            .query_one("SELECT text FROM posts WHERE external_id = '1'", &[])
            .unwrap()
            .get(0);
        assert_eq!(text, "Banjir di Samarinda\nbaris dua\r\\n bukan baris");
        let author: String = client
            .query_one("SELECT author FROM posts WHERE external_id = '1'", &[])
            .unwrap()
            .get(0);
        assert_eq!(author, "Redaksi \\ Kaltim");
        // Every table holds as many rows as SQLite's.
        for table in super::TABLES {
            let want: i64 = sqlite
                .connection()
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .unwrap();
            let got: i64 = client
                .query_one(&format!("SELECT count(*) FROM {table}"), &[])
                .unwrap()
                .get(0);
            assert_eq!(got, want, "{table}");
        }
        let crate::store::Store::Postgres(pg) = pg else {
            unreachable!()
        };
        let again = super::copy_from_sqlite(&mut sqlite, &pg, |_, _, _| {}).unwrap_err();
        assert!(again.to_string().contains("tidak kosong"), "{again}");
    }
}
