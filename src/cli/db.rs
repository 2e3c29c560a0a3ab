//! `pantau db backup FILE | --dir DIR --keep N` and `pantau db stats`: keeping the database.
//! The copy itself is the store's (an online backup, checked before it is moved into place);
//! here are its name, the folder's rotation and what the user reads. On PostgreSQL a backup is
//! the server's business (`pg_dump`, `pg_basebackup`): `db backup` says so and stops.

use std::path::Path;
use std::process::ExitCode;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::config::Settings;
use crate::store::maintenance::{Engine, PgFigures, SqliteFigures, Stats};
use crate::store::{Maintenance, Store};
use crate::time::format_local;

/// How many copies `--dir` keeps when `--keep` is not given: two weeks of daily backups.
pub const DEFAULT_KEEP: u32 = 14;

/// `pantau db backup FILE`.
pub fn backup(path: Option<&Path>, dest: &Path, force: bool) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    super::init_logging(Some(&config.settings), "warn");
    sqlite_only(&config.settings)?;
    let store = Store::connect_read_only(&config.settings.storage)?;
    let clash = "pilih nama berkas lain, atau tambahkan --force untuk menimpanya";
    write_backup(&store, &config.settings, dest, (force, clash))?;
    Ok(ExitCode::SUCCESS)
}

/// `pantau db backup --dir DIR --keep N`: a copy named by the local time, then every older copy
/// of that name's shape beyond the newest `keep` is removed. Other files in DIR stay.
pub fn backup_rotated(
    path: Option<&Path>,
    dir: &Path,
    keep: u32,
    force: bool,
) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    let settings = &config.settings;
    super::init_logging(Some(settings), "warn");
    sqlite_only(settings)?;
    // The database first: a missing one leaves no empty folder behind.
    let store = Store::connect_read_only(&settings.storage)?;
    std::fs::create_dir_all(dir).map_err(|e| {
        super::user_error(
            format!("folder cadangan {} tidak bisa dibuat: {e}", dir.display()),
            "periksa izin folder itu, atau pilih folder lain dengan --dir",
        )
    })?;
    let name = backup_file_name(Timestamp::now(), &settings.schedule.timezone);
    let dest = dir.join(&name);
    // The name is the second it was taken: a clash is a second run within that second.
    let clash = "ulangi sedetik lagi, atau tambahkan --force untuk menimpanya";
    write_backup(&store, settings, &dest, (force, clash))?;
    let removed = rotate(dir, keep, &name).map_err(|e| {
        super::user_error(
            format!(
                "cadangan lama di {} tidak bisa dibereskan: {e}",
                dir.display()
            ),
            "periksa izin folder itu; cadangan baru sudah tertulis",
        )
    })?;
    if !removed.is_empty() {
        outln!(
            "Cadangan lama dihapus ({keep} terbaru disimpan): {}",
            removed.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Refuses a backup of a PostgreSQL database before connecting to it: the server's tools copy
/// it consistently and restore what this program could not (roles, extensions, a point in
/// time).
fn sqlite_only(settings: &Settings) -> anyhow::Result<()> {
    if settings.storage.url.is_some() {
        return Err(super::user_error(
            "pantau db backup hanya untuk SQLite; basis data ini PostgreSQL ([storage] url)",
            "cadangkan PostgreSQL dengan pg_dump atau pg_basebackup (lihat docs/operations.md)",
        ));
    }
    Ok(())
}

/// Copies `store` to `dest`; an existing `dest` is overwritten only with `force` (else the
/// error carries `clash` as its advice).
fn write_backup(
    store: &Store,
    settings: &Settings,
    dest: &Path,
    (force, clash): (bool, &str),
) -> anyhow::Result<()> {
    if dest.exists() && !force {
        return Err(super::user_error(
            format!("{} sudah ada", dest.display()),
            clash,
        ));
    }
    if let Ok(a) = std::path::absolute(dest)
        && let Ok(b) = std::path::absolute(&settings.storage.path)
        && a == b
    {
        return Err(super::user_error(
            "cadangan tidak boleh menimpa basis data itu sendiri",
            "tulis cadangan ke berkas atau folder lain, misalnya cadangan/pantau-2026-11-27.db",
        ));
    }
    let bytes = store.backup_to(dest)?;
    outln!(
        "Cadangan ditulis: {} ({:.1} MB, integrity_check ok).",
        dest.display(),
        bytes as f64 / 1e6
    );
    Ok(())
}

/// `pantau-YYYY-MM-DD-HHMMSS.db` in the local zone: names sort as the times they carry.
fn backup_file_name(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned_datetime(tz.clone())
        .strftime("pantau-%Y-%m-%d-%H%M%S.db")
        .to_string()
}

/// Whether `name` has exactly the shape [`backup_file_name`] writes: only such files are ever
/// removed, so a copy an operator made by hand, or any other file, is safe in the folder.
fn is_backup_name(name: &str) -> bool {
    let Some(stamp) = name
        .strip_prefix("pantau-")
        .and_then(|rest| rest.strip_suffix(".db"))
    else {
        return false;
    };
    let shape = b"dddd-dd-dd-dddddd";
    stamp.len() == shape.len()
        && stamp.bytes().zip(shape).all(|(c, s)| match s {
            b'd' => c.is_ascii_digit(),
            _ => c == *s,
        })
}

/// Removes the backups of [`backup_file_name`]'s shape in `dir` beyond the newest `keep`,
/// counting `written` (never removed, even when a clock set back named others later).
/// Returns the removed names, oldest first.
fn rotate(dir: &Path, keep: u32, written: &str) -> std::io::Result<Vec<String>> {
    let mut older = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != written && is_backup_name(&name) && entry.file_type()?.is_file() {
            older.push(name);
        }
    }
    older.sort_unstable_by(|a, b| b.cmp(a));
    let keep_older = (keep as usize).saturating_sub(1);
    let mut removed: Vec<String> = older.split_off(keep_older.min(older.len()));
    removed.reverse();
    for name in &removed {
        std::fs::remove_file(dir.join(name))?;
    }
    Ok(removed)
}

pub fn stats(path: Option<&Path>, json: bool) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    let settings = &config.settings;
    super::init_logging(Some(settings), "warn");
    let store = Store::connect_read_only(&settings.storage)?;
    let s = store.stats()?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(ExitCode::SUCCESS);
    }
    let tz = &settings.schedule.timezone;
    let lang = settings.briefing.language;
    let when = |t: Option<jiff::Timestamp>| t.map_or("-".into(), |t| format_local(t, tz, lang));
    let mb = |bytes: u64| format!("{:.1}", bytes as f64 / 1e6);
    match &s.engine {
        Engine::Sqlite(f) => print_sqlite(&s, f)?,
        Engine::Postgres(f) => print_postgres(&s, f)?,
    }
    outln!(
        "Unggahan terbit dari {} sampai {}\n",
        when(s.oldest_post),
        when(s.newest_post)
    );
    match &s.engine {
        Engine::Sqlite(_) => {
            let table: Vec<[String; 2]> = s
                .rows
                .iter()
                .map(|(name, n)| [name.clone(), n.to_string()])
                .collect();
            super::print_table(&["TABEL", "BARIS"], &table)?;
        }
        Engine::Postgres(f) => {
            let table: Vec<[String; 3]> = s
                .rows
                .iter()
                .zip(&f.table_bytes)
                .map(|((name, n), (_, bytes))| [name.clone(), n.to_string(), mb(*bytes)])
                .collect();
            super::print_table(&["TABEL", "BARIS", "MB"], &table)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_sqlite(s: &Stats, f: &SqliteFigures) -> anyhow::Result<()> {
    outln!("Basis data: {}", f.path.display());
    outln!(
        "Ukuran: {:.1} MB (+ WAL {:.1} MB); {} halaman × {} bita, {} kosong; skema versi {}; SQLite {}",
        f.file_bytes as f64 / 1e6,
        f.wal_bytes as f64 / 1e6,
        f.pages,
        f.page_size,
        f.free_pages,
        s.schema_version,
        f.sqlite_version
    );
    Ok(())
}

/// PostgreSQL has no file, pages or WAL of the database's own to show: its size on the server
/// (`pg_database_size`) and per table with indexes (`pg_total_relation_size`).
fn print_postgres(s: &Stats, f: &PgFigures) -> anyhow::Result<()> {
    outln!("Basis data: {} (PostgreSQL {})", f.url, f.server_version);
    outln!(
        "Ukuran: {:.1} MB di server (tabel, indeks dan TOAST); skema versi {}",
        f.database_bytes as f64 / 1e6,
        s.schema_version
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_local_time_and_sort_as_it() {
        let tz = TimeZone::get("Asia/Makassar").unwrap();
        let at: Timestamp = "2026-11-26T23:30:05Z".parse().unwrap();
        assert_eq!(backup_file_name(at, &tz), "pantau-2026-11-27-073005.db");
        let later: Timestamp = "2026-11-27T01:00:00Z".parse().unwrap();
        assert!(backup_file_name(later, &tz) > backup_file_name(at, &tz));
        assert!(is_backup_name(&backup_file_name(at, &tz)));
    }

    #[test]
    fn only_its_own_names_are_backups() {
        for name in [
            "pantau-2026-11-27.db",
            "pantau-2026-11-27-0730.db",
            "pantau-2026-11-27-073005.db-wal",
            ".pantau-2026-11-27-073005.db.sebagian",
            "pantau-2026-1a-27-073005.db",
            "pantau.db",
            "catatan.txt",
            "pantau-2026-11-27-073005.sqlite",
        ] {
            assert!(!is_backup_name(name), "{name}");
        }
    }

    #[test]
    fn rotation_keeps_the_newest_and_leaves_other_files_alone() {
        let dir = tempfile::tempdir().unwrap();
        let own = [
            "pantau-2026-11-01-070000.db",
            "pantau-2026-11-02-070000.db",
            "pantau-2026-11-03-070000.db",
            "pantau-2026-11-04-070000.db",
        ];
        let foreign = ["pantau-2026-11-01.db", "catatan.txt", "pantau.db"];
        for name in own.iter().chain(&foreign) {
            std::fs::write(dir.path().join(name), name).unwrap();
        }
        let removed = rotate(dir.path(), 3, "pantau-2026-11-04-070000.db").unwrap();
        assert_eq!(removed, ["pantau-2026-11-01-070000.db"]);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut expected: Vec<&str> = own[1..].iter().chain(&foreign).copied().collect();
        expected.sort();
        assert_eq!(left, expected);
    }

    #[test]
    fn the_copy_just_written_stays_even_when_others_look_newer() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["pantau-2030-01-01-000000.db", "pantau-2026-11-27-070000.db"] {
            std::fs::write(dir.path().join(name), name).unwrap();
        }
        let removed = rotate(dir.path(), 1, "pantau-2026-11-27-070000.db").unwrap();
        assert_eq!(removed, ["pantau-2030-01-01-000000.db"]);
        assert!(dir.path().join("pantau-2026-11-27-070000.db").exists());
    }
}
