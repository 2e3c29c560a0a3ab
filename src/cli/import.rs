//! `pantau import FILE`: posts from a JSON Lines or CSV file, read by [`crate::ingest`] and
//! classified and stored by the engine's pipeline, as `POST /api/ingest` does. Safe while
//! `pantau run` is running: each batch is one short write transaction, and the store waits
//! its turn (busy timeout) rather than failing.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;

use super::user_error;
use crate::engine::{Engine, SharedClassifier};
use crate::error::shown;
use crate::ingest::{Charset, Format, PushKind};
use crate::store::writer::Idle;

/// Rejected lines printed; the rest are counted.
const MAX_LISTED: usize = 50;

pub const LONG_ABOUT: &str = "Impor unggahan dari berkas JSON Lines atau CSV. Setiap rekaman \
diperiksa, ditandai dengan daftar kata kunci yang berlaku, dan disimpan seperti hasil polling. \
Rekaman yang ditolak dilaporkan dengan nomor barisnya dan impor berjalan terus; mengimpor ulang \
berkas yang sama tidak menyimpan apa pun dua kali. Aman dijalankan selagi `pantau run` berjalan.";

pub const AFTER_LONG_HELP: &str = "\
Rekaman (satu unggahan per baris JSON Lines, atau per baris CSV di bawah baris judul):
  source     wajib: id sumber (huruf kecil, angka, - dan _), misalnya warga-samarinda
  text       isi unggahan, wajib bila title kosong (HTML disimpan apa adanya, sebagai teks)
  title      judul
  id         id unggahan di sumbernya (bila kosong: url, lalu isi teks yang dinormalkan)
  url        tautan http(s)
  author     penulis
  published  waktu RFC 3339, misalnya 2026-11-27T08:00:00+08:00 (bawaan: sekarang)
  lang       kode bahasa, misalnya id

Contoh JSON Lines:
  {\"source\":\"warga-samarinda\",\"text\":\"Banjir lagi di Sempaja\"}
  {\"source\":\"warga\",\"text\":\"Air naik\",\"published\":\"2026-11-27T08:00:00+08:00\"}
Contoh CSV (pemisah koma, titik koma atau tab):
  source,text,published
  warga-samarinda,Banjir lagi di Sempaja,2026-11-27T08:00:00+08:00

Kode keluar: 0 berkas terbaca (juga bila ada baris yang ditolak); 1 berkas tidak dapat dibaca \
atau tidak ada rekaman yang diterima; 2 salah pemakaian.";

/// `--format`.
pub fn parse_format(name: &str) -> Result<Format, String> {
    Format::from_name(&name.to_ascii_lowercase())
        .ok_or_else(|| format!("format \"{name}\" tidak dikenal; pakai jsonl atau csv"))
}

/// `--charset`.
pub fn parse_charset(label: &str) -> Result<Charset, String> {
    Charset::from_label(label).map_err(|e| e.to_string())
}

pub fn import(
    path: Option<&Path>,
    file: &Path,
    format: Option<Format>,
    charset: Option<Charset>,
) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    let settings = &config.settings;
    super::init_logging(Some(settings), "warn");
    let name = shown(file);
    let Some(format) = format.or_else(|| Format::from_path(file)) else {
        return Err(user_error(
            format!("{name}: format berkas tidak dapat ditentukan dari namanya"),
            "nyatakan formatnya: --format jsonl atau --format csv",
        ));
    };
    let charset = charset.unwrap_or(Charset::UTF8);
    let input =
        std::fs::File::open(file).with_context(|| format!("{name}: berkas tidak dapat dibuka"))?;
    let classifier = SharedClassifier::new(Arc::new(super::classifier(&config)?));
    let origin = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let origin = origin.display().to_string();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime
        .block_on(async {
            let engine = Engine::start(&config, classifier, Idle::Wait)?;
            let pipeline = engine.pipeline().clone();
            let handle = tokio::runtime::Handle::current();
            let report = tokio::task::spawn_blocking(move || {
                pipeline.push(
                    input,
                    (format, charset),
                    (PushKind::Import, &origin),
                    &handle,
                )
            })
            .await;
            engine.stop().await;
            anyhow::Ok(report?)
        })?
        .with_context(|| name.clone())?;

    for rejected in report.rejected.iter().take(MAX_LISTED) {
        eprintln!("{rejected}");
    }
    if report.rejected_total > MAX_LISTED {
        eprintln!("… dan {} baris lain", report.rejected_total - MAX_LISTED);
    }
    outln!(
        "{name} ({}, {}): {} rekaman diterima ({} baru, {} sudah ada), {} ditolak",
        format.as_str(),
        charset.name(),
        report.accepted,
        report.new,
        report.accepted - report.new,
        report.rejected_total
    );
    if report.accepted == 0 {
        let hint = if report.rejected_total > 0 {
            "perbaiki baris yang ditolak di atas lalu impor ulang; `pantau import --help` menjelaskan formatnya"
        } else {
            "berkas tidak berisi rekaman; `pantau import --help` menjelaskan formatnya"
        };
        return Err(user_error("tidak ada rekaman yang diterima", hint));
    }
    Ok(ExitCode::SUCCESS)
}
