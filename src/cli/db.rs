//! `pantau db backup FILE` and `pantau db stats`: keeping the database.

use std::path::Path;
use std::process::ExitCode;

use crate::store::{Maintenance, Store};
use crate::time::format_local;

pub fn backup(path: Option<&Path>, dest: &Path, force: bool) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    let settings = &config.settings;
    super::init_logging(Some(settings), "warn");
    if dest.exists() && !force {
        return Err(super::user_error(
            format!("{} sudah ada", dest.display()),
            "pilih nama berkas lain, atau tambahkan --force untuk menimpanya",
        ));
    }
    if let Ok(a) = std::path::absolute(dest)
        && let Ok(b) = std::path::absolute(&settings.storage.path)
        && a == b
    {
        return Err(super::user_error(
            "cadangan tidak boleh menimpa basis data itu sendiri",
            "tulis cadangan ke berkas lain, misalnya cadangan/pantau-2026-11-27.db",
        ));
    }
    let store = Store::open_read_only(&settings.storage.path)?;
    let bytes = store.backup_to(dest)?;
    outln!(
        "Cadangan ditulis: {} ({:.1} MB, integrity_check ok).",
        dest.display(),
        bytes as f64 / 1e6
    );
    Ok(ExitCode::SUCCESS)
}

pub fn stats(path: Option<&Path>, json: bool) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    let settings = &config.settings;
    super::init_logging(Some(settings), "warn");
    let store = Store::open_read_only(&settings.storage.path)?;
    let s = store.stats()?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(ExitCode::SUCCESS);
    }
    let tz = &settings.schedule.timezone;
    let lang = settings.briefing.language;
    let when = |t: Option<jiff::Timestamp>| t.map_or("-".into(), |t| format_local(t, tz, lang));
    outln!("Basis data: {}", s.path.display());
    outln!(
        "Ukuran: {:.1} MB (+ WAL {:.1} MB); {} halaman × {} bita, {} kosong; skema versi {}; SQLite {}",
        s.file_bytes as f64 / 1e6,
        s.wal_bytes as f64 / 1e6,
        s.pages,
        s.page_size,
        s.free_pages,
        s.schema_version,
        s.sqlite_version
    );
    outln!(
        "Unggahan terbit dari {} sampai {}\n",
        when(s.oldest_post),
        when(s.newest_post)
    );
    let table: Vec<[String; 2]> = s
        .rows
        .iter()
        .map(|(name, n)| [name.clone(), n.to_string()])
        .collect();
    super::print_table(&["TABEL", "BARIS"], &table)?;
    Ok(ExitCode::SUCCESS)
}
