//! `pantau db migrate-to URL`: the SQLite database of `[storage] path` copied into an empty
//! PostgreSQL database, for a deployment that moves to `[storage] url`.

use std::process::ExitCode;

use crate::config::value::{DbUrl, postgres_url};
use crate::store::SqliteStore;
use crate::store::pg::PgStore;
use crate::store::pg::copy::copy_from_sqlite;

pub fn migrate_to(path: Option<&std::path::Path>, url: &str) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    super::init_logging(Some(&config.settings), "warn");
    let url = parse_url(url)?;
    let source = &config.settings.storage.path;
    if !source.exists() {
        return Err(super::user_error(
            format!("{}: basis data SQLite belum ada", source.display()),
            "periksa [storage] path di konfigurasi; migrate-to menyalin berkas itu",
        ));
    }
    let mut from = SqliteStore::open(source)?;
    let to = PgStore::connect(&url)?;
    eprintln!("menyalin {} ke {} …", source.display(), url.redacted());
    let mut shown = String::new();
    let copied = copy_from_sqlite(&mut from, &to, |table, done, total| {
        show_progress(&mut shown, table, done, total)
    })?;
    use std::io::IsTerminal as _;
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    println!("{:<24} {:>12}", "tabel", "baris");
    for (table, rows) in &copied.tables {
        println!("{table:<24} {rows:>12}");
    }
    println!(
        "selesai: {} baris dari {} tabel disalin. Setel [storage] url = \"{}\" (dengan kata \
         sandinya) untuk memakainya.",
        copied.rows(),
        copied.tables.len(),
        url.redacted()
    );
    Ok(ExitCode::SUCCESS)
}

fn parse_url(text: &str) -> anyhow::Result<DbUrl> {
    postgres_url(text).map_err(|why| {
        super::user_error(
            format!("URL tujuan tidak dapat dipakai: {why}"),
            "tulis misalnya `pantau db migrate-to postgres://pantau:sandi@db.lokal/pantau`",
        )
    })
}

/// A line per table on a terminal, rewritten as rows go by.
fn show_progress(shown: &mut String, table: &str, done: u64, total: u64) {
    use std::io::IsTerminal as _;
    if !std::io::stderr().is_terminal() {
        return;
    }
    if shown != table {
        if !shown.is_empty() {
            eprintln!();
        }
        *shown = table.to_string();
    }
    let percent = (done * 100).checked_div(total).unwrap_or(100);
    eprint!("\r  {table:<24} {done:>10}/{total:<10} {percent:3}%");
}
