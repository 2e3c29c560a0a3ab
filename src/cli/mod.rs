//! The command line: argument definitions (help in Indonesian), logging, and the error edge
//! that prints `pantau: …` and a `saran:` line. One file per command, each only glue over the
//! library.

/// `println!` that hands a broken pipe (`pantau sources | head`) back as an error instead of
/// panicking; the error edge ([`report`]) then exits quietly with 0.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?;
    }};
}

mod classify;
mod db;
mod demo;
mod digest;
mod export;
mod health;
mod import;
mod keywords;
mod migrate;
mod poll;
mod progress;
mod run;
mod search;
mod sources;
mod trends;
mod user;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{ArgAction, Args, Parser, Subcommand};

use crate::classify::{Classifier, ListErrors};
use crate::config::{ConfigError, LogFormat, Settings};
use crate::daemon::DaemonError;
use crate::digest::DigestError;
use crate::engine::{Config, EngineError};
use crate::ingest::IngestError;
use crate::store::StoreError;

const HELP_TEMPLATE: &str = "\
{before-help}{about-with-newline}
Pemakaian: {usage}

{all-args}{after-help}";

#[derive(Debug, Parser)]
#[command(
    name = "pantau",
    version,
    about = "Pantau isu publik Kalimantan Timur: kumpulkan berita dan unggahan publik, tandai isu \
             dan wilayahnya, simpan di SQLite, dan tulis telaahan harian untuk pimpinan.",
    help_template = HELP_TEMPLATE,
    subcommand_help_heading = "Perintah",
    next_help_heading = "Opsi",
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    after_help = "Mulai cepat: `pantau demo` memutar korpus contoh lewat seluruh alur dan menulis briefing.\n\
                  Dokumentasi: README.md. Kode keluar: 0 berhasil, 1 pemeriksaan gagal atau galat pengguna, 2 salah pemakaian."
)]
pub struct Cli {
    /// Berkas konfigurasi [bawaan: config/default.toml bila ada]
    #[arg(long, global = true, env = "PANTAU_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,
    /// Tampilkan bantuan
    #[arg(short = 'h', long, global = true, action = ArgAction::Help, display_order = 10_000)]
    help: Option<bool>,
    /// Tampilkan versi
    #[arg(short = 'V', long, action = ArgAction::Version)]
    version: Option<bool>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Jalankan layanan: polling terjadwal, klasifikasi, penyimpanan, briefing harian
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi")]
    Run,
    /// Satu putaran polling semua sumber (atau satu), cetak ringkasan, lalu keluar
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi")]
    Poll(PollArgs),
    /// Tandai TEKS (atau setiap baris stdin) dengan topik, wilayah dan sentimen
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi")]
    Classify(ClassifyArgs),
    /// Periksa, uji ulang dan kembangkan daftar kata kunci
    #[command(subcommand, help_template = HELP_TEMPLATE, subcommand_help_heading = "Perintah")]
    Keywords(KeywordsCommand),
    /// Daftar sumber beserta kesehatannya
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi")]
    Sources(SourcesArgs),
    /// Impor unggahan dari berkas JSON Lines atau CSV
    #[command(
        help_template = HELP_TEMPLATE,
        next_help_heading = "Opsi",
        long_about = import::LONG_ABOUT,
        after_long_help = import::AFTER_LONG_HELP
    )]
    Import(ImportArgs),
    /// Isu yang sedang naik: cerita dalam jendela terakhir dibanding jam yang sama 7 hari sebelumnya
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi", after_help = TRENDS_AFTER_HELP)]
    Trends(TrendsArgs),
    /// Cari unggahan tersimpan (teks lengkap), terbaru dahulu
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi", after_help = SEARCH_AFTER_HELP)]
    Search(SearchArgs),
    /// Ekspor unggahan tersimpan sebagai CSV atau JSON Lines untuk analis (bawaan: 7 hari
    /// terakhir, semua topik)
    #[command(
        help_template = HELP_TEMPLATE,
        next_help_heading = "Opsi",
        after_long_help = export::AFTER_LONG_HELP,
        after_help = "Daftar kolom: pantau export --help."
    )]
    Export(ExportArgs),
    /// Rawat basis data: cadangan daring dan angka-angkanya
    #[command(subcommand, help_template = HELP_TEMPLATE, subcommand_help_heading = "Perintah")]
    Db(DbCommand),
    /// Tanya /healthz layanan yang berjalan; keluar 0 bila sehat, 1 bila tidak (untuk
    /// HEALTHCHECK Docker dan pemantauan)
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi")]
    Health {
        /// Alamat yang ditanya [bawaan: http://<[http] bind>/healthz]
        #[arg(long, value_name = "URL")]
        url: Option<String>,
    },
    /// Tulis briefing satu hari (Markdown, HTML, JSON)
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi")]
    Digest(DigestArgs),
    /// Kelola pengguna dasbor dan API baca: tambah, ganti kata sandi, hapus, daftar, token API,
    /// catatan masuk
    #[command(subcommand, help_template = HELP_TEMPLATE, subcommand_help_heading = "Perintah",
              after_long_help = user::AFTER_LONG_HELP)]
    User(UserCommand),
    /// Putar korpus contoh bawaan lewat seluruh alur ke folder baru, luring, dalam hitungan detik
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi")]
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
struct PollArgs {
    /// Satu putaran saja (wajib; untuk polling terus-menerus pakai `pantau run`)
    #[arg(long)]
    once: bool,
    /// Hanya sumber dengan id ini
    #[arg(long, value_name = "ID")]
    source: Option<String>,
}

#[derive(Debug, Args)]
struct ClassifyArgs {
    /// Tunjukkan aturan mana yang cocok dengan kata mana
    #[arg(long)]
    explain: bool,
    /// Satu objek JSON per baris masukan
    #[arg(long)]
    json: bool,
    /// Teks yang ditandai; tanpa TEKS, setiap baris stdin
    #[arg(value_name = "TEKS")]
    text: Option<String>,
}

#[derive(Debug, Subcommand)]
enum KeywordsCommand {
    /// Validasi semua berkas kata kunci dan jalankan contoh di dalamnya (keluar 1 bila ada galat)
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi")]
    Check,
    /// Tandai ulang unggahan tersimpan dengan daftar di disk dan tunjukkan yang bertambah dan
    /// hilang per topik; tidak ada yang ditulis
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi")]
    Backtest {
        /// Mulai hari lokal ini [bawaan: 30 hari terakhir]
        #[arg(long, value_name = "YYYY-MM-DD")]
        since: Option<String>,
        /// Hanya topik ini
        #[arg(long, value_name = "ID")]
        topic: Option<String>,
    },
    /// Usulkan kata dan frasa yang sering muncul di unggahan sebuah topik tetapi belum ada di
    /// daftarnya
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi")]
    Suggest {
        /// Id topik
        #[arg(value_name = "TOPIK")]
        topic: String,
        /// Mulai hari lokal ini [bawaan: 90 hari terakhir]
        #[arg(long, value_name = "YYYY-MM-DD")]
        since: Option<String>,
        /// Berapa usulan [bawaan: 20]
        #[arg(long, default_value_t = 20, hide_default_value = true)]
        limit: usize,
    },
}

#[derive(Debug, Args)]
struct SourcesArgs {
    /// Keluaran JSON
    #[arg(long)]
    json: bool,
    /// Ambil alamat setiap sumber sekali dan laporkan jawabannya (status HTTP, tipe isi,
    /// feed/sitemap/JSON/HTML, waktu); keluar 1 bila ada yang gagal
    #[arg(long)]
    check: bool,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// Berkas JSON Lines (.jsonl, .ndjson, .json) atau CSV (.csv)
    #[arg(value_name = "BERKAS")]
    file: PathBuf,
    /// Format berkas bila ekstensinya tidak menunjukkannya
    #[arg(long, value_name = "jsonl|csv", value_parser = import::parse_format)]
    format: Option<crate::ingest::Format>,
    /// Penyandian berkas bila bukan UTF-8, misalnya windows-1252 atau iso-8859-1
    #[arg(long, value_name = "NAMA", value_parser = import::parse_charset)]
    charset: Option<crate::ingest::Charset>,
}

const TRENDS_AFTER_HELP: &str = "Satu cerita = unggahan yang sama atau hampir sama (siaran pers yang dimuat banyak situs), \
dihitung sekali. Isu naik bila ≥ 5 cerita, ≥ 3× rata-rata jam yang sama pada 7 hari sebelumnya, dan skor \
(kejutan Poisson × konfirmasi sumber) ≥ 4. Aturan lengkap: docs/trends.md.";

#[derive(Debug, Args)]
struct TrendsArgs {
    /// Panjang jendela, 1–24 jam, misalnya 6h atau 24h [bawaan: 24h]
    #[arg(long, value_name = "JAM", default_value = "24h", hide_default_value = true, value_parser = |s: &str| s.parse::<crate::trends::Window>())]
    window: crate::trends::Window,
    /// Satu larik JSON, paling signifikan dahulu
    #[arg(long)]
    json: bool,
    /// Hitung seolah-olah pada waktu lokal ini (YYYY-MM-DD atau YYYY-MM-DDTHH:MM) [bawaan: sekarang]
    #[arg(long, value_name = "WAKTU")]
    at: Option<String>,
    /// Baris tabel paling banyak (yang naik selalu tampil) [bawaan: 20]
    #[arg(long, default_value_t = 20, hide_default_value = true)]
    limit: usize,
}

const SEARCH_AFTER_HELP: &str = "Semua kata harus ada; \"frasa persis\"; kata* untuk awalan; a OR b; -kata atau \
NOT kata untuk mengecualikan (kutip seluruh kueri bila memakai -kata). Huruf besar-kecil dan aksen tidak \
dibedakan. Contoh: \
pantau search '\"tanggul jebol\" samarinda -diskon'";

#[derive(Debug, Args)]
struct SearchArgs {
    /// Kata yang dicari
    #[arg(value_name = "KUERI", required = true, num_args = 1..)]
    query: Vec<String>,
    /// Mulai hari lokal ini
    #[arg(long, value_name = "YYYY-MM-DD")]
    since: Option<String>,
    /// Sampai akhir hari lokal ini
    #[arg(long, value_name = "YYYY-MM-DD")]
    until: Option<String>,
    /// Paling banyak sekian unggahan [bawaan: 20]
    #[arg(long, default_value_t = 20, hide_default_value = true)]
    limit: usize,
    /// Satu larik JSON
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// Hanya topik ini (id, misalnya banjir) [bawaan: semua topik]
    #[arg(long, value_name = "ID")]
    topic: Option<String>,
    /// Hanya wilayah ini (id dari keywords/regions.toml, misalnya samarinda)
    #[arg(long, value_name = "ID")]
    region: Option<String>,
    /// Mulai waktu lokal ini: YYYY-MM-DD (awal hari) atau YYYY-MM-DDTHH:MM [bawaan: 7 hari
    /// terakhir]
    #[arg(long, value_name = "WAKTU")]
    since: Option<String>,
    /// Sampai waktu lokal ini: YYYY-MM-DD (termasuk hari itu) atau YYYY-MM-DDTHH:MM [bawaan:
    /// sekarang]
    #[arg(long, value_name = "WAKTU")]
    until: Option<String>,
    /// Format keluaran [bawaan: csv]
    #[arg(long, value_name = "csv|jsonl", default_value = "csv", hide_default_value = true,
          value_parser = export::parse_format)]
    format: crate::export::Format,
    /// Tulis ke BERKAS, utuh atau tidak sama sekali (berkas sementara lalu diganti nama)
    /// [bawaan: stdout]
    #[arg(long, value_name = "BERKAS")]
    out: Option<PathBuf>,
    /// Sertakan juga unggahan yang hanya menyebut topik atau wilayah itu (tidak dihitung di
    /// mana pun); tanpa opsi ini hanya unggahan yang membahasnya, seperti semua hitungan
    #[arg(long)]
    include_mentioned: bool,
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Salin basis data ke BERKAS (atau ke folder --dir) dengan backup daring SQLite (aman selagi
    /// `pantau run` berjalan); salinan diperiksa integrity_check sebelum dipindah ke tempatnya
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi")]
    Backup {
        /// Berkas tujuan
        #[arg(
            value_name = "BERKAS",
            required_unless_present = "dir",
            conflicts_with = "dir"
        )]
        file: Option<PathBuf>,
        /// Tulis ke folder ini sebagai pantau-YYYY-MM-DD-HHMMSS.db (waktu lokal [schedule] timezone)
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Dengan --dir: simpan N cadangan terbaru bernama demikian, hapus yang lebih lama; berkas
        /// lain di folder itu tidak disentuh [bawaan: 14]
        #[arg(long, value_name = "N", requires = "dir", conflicts_with = "file",
              value_parser = clap::value_parser!(u32).range(1..))]
        keep: Option<u32>,
        /// Timpa BERKAS bila sudah ada
        #[arg(long)]
        force: bool,
    },
    /// Ukuran berkas, jumlah baris per tabel, rentang waktu unggahan
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi")]
    Stats {
        /// Keluaran JSON
        #[arg(long)]
        json: bool,
    },
    /// Salin seluruh basis data SQLite ([storage] path) ke basis data PostgreSQL URL yang masih
    /// kosong, dalam satu transaksi; lalu setel [storage] url untuk memakainya
    #[command(name = "migrate-to", help_template = HELP_TEMPLATE, next_help_heading = "Opsi")]
    MigrateTo {
        /// Basis data tujuan, mis. postgres://pantau:sandi@db.lokal/pantau
        #[arg(value_name = "URL")]
        url: String,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Tambah pengguna; kata sandinya diminta di terminal (dua kali, tanpa ditampilkan)
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi", after_long_help = user::AFTER_LONG_HELP)]
    Add {
        /// Nama pengguna: huruf kecil, angka, titik, garis bawah, tanda hubung
        #[arg(value_name = "NAMA")]
        name: String,
        /// Peran: viewer (membaca), analyst (juga menyunting daftar dan menandai unggahan),
        /// admin (juga mengelola pengguna dan melihat kesehatan sumber)
        #[arg(long, value_name = "viewer|analyst|admin")]
        role: String,
        /// Baca kata sandi dari satu baris stdin (untuk skrip), bukan dari terminal
        #[arg(long)]
        password_stdin: bool,
    },
    /// Ganti kata sandi pengguna; semua sesinya diakhiri
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi")]
    Passwd {
        #[arg(value_name = "NAMA")]
        name: String,
        /// Baca kata sandi dari satu baris stdin, bukan dari terminal
        #[arg(long)]
        password_stdin: bool,
    },
    /// Hapus pengguna beserta sesi dan token API-nya
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi")]
    Remove {
        #[arg(value_name = "NAMA")]
        name: String,
    },
    /// Daftar pengguna: nama, peran, dibuat, masuk terakhir, jumlah token, terkunci
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi")]
    List,
    /// Cetak token API baru milik pengguna (sekali saja; disimpan sebagai hash) untuk
    /// Authorization: Bearer, dengan peran pengguna itu
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi")]
    Token {
        #[arg(value_name = "NAMA")]
        name: String,
        /// Cabut semua token pengguna itu, bukan membuat yang baru
        #[arg(long)]
        revoke: bool,
    },
    /// Catatan masuk (berhasil, gagal, ditolak, keluar), terbaru dahulu
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Opsi")]
    Audit {
        /// Hanya pengguna ini
        #[arg(value_name = "NAMA")]
        name: Option<String>,
        /// Paling banyak sekian baris [bawaan: 50]
        #[arg(long, default_value_t = 50, hide_default_value = true)]
        limit: usize,
    },
}

#[derive(Debug, Args)]
struct DigestArgs {
    /// Periode: day (hari), week (minggu ISO Senin–Minggu) atau month (bulan kalender)
    #[arg(long, value_name = "day|week|month", default_value = "day")]
    period: String,
    /// Hari lokal YYYY-MM-DD di dalam periode [bawaan: kemarin, minggu lalu, bulan lalu]
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
    /// Folder keluaran [bawaan: [briefing] dir]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Bahasa briefing: id atau en [bawaan: [briefing] language]
    #[arg(long, value_name = "id|en")]
    lang: Option<String>,
    /// Kirim (ulang) telaahan periode itu ke tujuan [briefing] deliver; ditulis dulu bila belum ada
    #[arg(long)]
    send: bool,
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Folder tujuan: dibuat bila belum ada; folder demo sebelumnya ditimpa, folder lain yang
    /// berisi berkas ditolak. Demo memakai konfigurasinya sendiri (--config diabaikan) [bawaan: pantau-demo]
    #[arg(
        long,
        value_name = "DIR",
        default_value = "pantau-demo",
        hide_default_value = true
    )]
    out: PathBuf,
}

/// The binary's entry point.
pub fn main() -> ExitCode {
    // First of all: a panic prints one line, never the default hook's backtrace.
    crate::panics::install_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(2),
            };
        }
    };
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => report(&e),
    }
}

/// Prints an error the way STYLE.md §5.5 shows: the cause chain, then what to do.
fn report(e: &anyhow::Error) -> ExitCode {
    if e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    }) {
        return ExitCode::SUCCESS;
    }
    eprintln!("pantau: {e:#}");
    if let Some(hint) = hint(e) {
        eprintln!("\nsaran: {hint}");
    }
    ExitCode::from(1)
}

fn hint(e: &anyhow::Error) -> Option<String> {
    e.chain().find_map(|c| {
        if let Some(x) = c.downcast_ref::<ConfigError>() {
            x.hint()
        } else if let Some(x) = c.downcast_ref::<ListErrors>() {
            x.hint()
        } else if let Some(x) = c.downcast_ref::<StoreError>() {
            x.hint()
        } else if let Some(x) = c.downcast_ref::<DigestError>() {
            x.hint()
        } else if let Some(x) = c.downcast_ref::<DaemonError>() {
            x.hint()
        } else if let Some(x) = c.downcast_ref::<EngineError>() {
            x.hint()
        } else if let Some(x) = c.downcast_ref::<IngestError>() {
            x.hint()
        } else if let Some(x) = c.downcast_ref::<crate::export::ExportError>() {
            x.hint()
        } else if let Some(x) = c.downcast_ref::<crate::auth::AuthError>() {
            x.hint()
        } else {
            c.downcast_ref::<UserError>().and_then(|u| u.hint.clone())
        }
    })
}

/// A mistake the user can fix, with the fix.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UserError {
    pub message: String,
    pub hint: Option<String>,
}

pub(crate) fn user_error(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    UserError {
        message: message.into(),
        hint: Some(hint.into()),
    }
    .into()
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = cli.config.as_deref(); // the config file's path
    match cli.command {
        Command::Run => run::run(config),
        Command::Poll(a) => {
            if !a.once {
                return Err(user_error(
                    "`pantau poll` membutuhkan --once",
                    "pakai `pantau poll --once` untuk satu putaran, atau `pantau run` untuk polling terus-menerus",
                ));
            }
            poll::poll_once(config, a.source.as_deref())
        }
        Command::Classify(a) => classify::classify(config, a.explain, a.json, a.text.as_deref()),
        Command::Keywords(KeywordsCommand::Check) => keywords::check(config),
        Command::Keywords(KeywordsCommand::Backtest { since, topic }) => {
            keywords::backtest(config, since.as_deref(), topic.as_deref())
        }
        Command::Keywords(KeywordsCommand::Suggest {
            topic,
            since,
            limit,
        }) => keywords::suggest(config, &topic, since.as_deref(), limit),
        Command::Sources(a) if a.check => sources::check(config, a.json),
        Command::Sources(a) => sources::sources(config, a.json),
        Command::Import(a) => import::import(config, &a.file, a.format, a.charset),
        Command::Trends(a) => trends::trends(config, a.window, a.json, a.at.as_deref(), a.limit),
        Command::Search(a) => search::search(
            config,
            &a.query.join(" "),
            a.since.as_deref(),
            a.until.as_deref(),
            a.limit,
            a.json,
        ),
        Command::Export(a) => export::export(
            config,
            &export::Request {
                topic: a.topic.as_deref(),
                region: a.region.as_deref(),
                since: a.since.as_deref(),
                until: a.until.as_deref(),
                format: a.format,
                out: a.out.as_deref(),
                mentioned: a.include_mentioned,
            },
        ),
        Command::Db(DbCommand::Backup {
            file,
            dir,
            keep,
            force,
        }) => match (file, dir) {
            (Some(file), _) => db::backup(config, &file, force),
            (None, Some(dir)) => {
                db::backup_rotated(config, &dir, keep.unwrap_or(db::DEFAULT_KEEP), force)
            }
            (None, None) => Err(user_error(
                "tujuan cadangan tidak disebut",
                "tulis `pantau db backup BERKAS`, atau `pantau db backup --dir FOLDER --keep N`",
            )),
        },
        Command::Db(DbCommand::Stats { json }) => db::stats(config, json),
        Command::Db(DbCommand::MigrateTo { url }) => migrate::migrate_to(config, &url),
        Command::Health { url } => health::health(config, url.as_deref()),
        Command::Digest(a) => digest::digest(
            config,
            &a.period,
            a.date.as_deref(),
            a.out,
            a.lang.as_deref(),
            a.send,
        ),
        Command::User(c) => {
            let from = |stdin: bool| {
                if stdin {
                    user::PasswordFrom::Stdin
                } else {
                    user::PasswordFrom::Terminal
                }
            };
            match c {
                UserCommand::Add {
                    name,
                    role,
                    password_stdin,
                } => user::add(config, &name, &role, from(password_stdin)),
                UserCommand::Passwd {
                    name,
                    password_stdin,
                } => user::passwd(config, &name, from(password_stdin)),
                UserCommand::Remove { name } => user::remove(config, &name),
                UserCommand::List => user::list(config),
                UserCommand::Token { name, revoke } => user::token(config, &name, revoke),
                UserCommand::Audit { name, limit } => user::audit(config, name.as_deref(), limit),
            }
        }
        Command::Demo(a) => {
            init_logging(None, "warn");
            let report = demo::run(&a.out)?;
            outln!("{report}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Loads the configuration (or the defaults when no config file exists).
pub(crate) fn load(path: Option<&Path>) -> anyhow::Result<Config> {
    Ok(Config::load(path)?)
}

/// Loads the keyword lists named by the settings, and checks that the sources' regions and
/// the topics, categories and regions alert sinks subscribe to exist.
pub(crate) fn classifier(config: &Config) -> anyhow::Result<Classifier> {
    let dir = &config.settings.keywords.dir;
    let classifier = Classifier::load(dir)
        .with_context(|| format!("memuat kata kunci dari {}", dir.display()))?;
    if let Some((source, region)) = config.unknown_regions(&classifier).next() {
        return Err(user_error(
            format!("sumber \"{source}\": wilayah \"{region}\" tidak ada di keywords/regions.toml"),
            format!(
                "pakai salah satu id wilayah: {}",
                classifier
                    .regions()
                    .iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    ConfigError::check(config.alerts.unknown_ids(&classifier))?;
    Ok(classifier)
}

/// Logs to stderr: `RUST_LOG` wins, else the configured level, else `default`.
pub(crate) fn init_logging(settings: Option<&Settings>, default: &str) {
    use tracing_subscriber::EnvFilter;
    let level = settings.map_or(default, |s| {
        if default == "info" {
            s.log.level.as_str()
        } else {
            default
        }
    });
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    use std::io::IsTerminal as _;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let json = settings.is_some_and(|s| s.log.format == LogFormat::Json);
    // Under systemd, stderr goes to journald, which stamps every line itself (and systemd
    // sets JOURNAL_STREAM for the service): a second timestamp would only clutter
    // `journalctl`.
    let journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let _ = if json {
        builder.json().try_init()
    } else if journald {
        builder.with_target(false).without_time().try_init()
    } else {
        builder.with_target(false).try_init()
    };
}

/// A plain text table with columns padded to their widest cell.
pub(crate) fn print_table<const N: usize>(
    header: &[&str; N],
    rows: &[[String; N]],
) -> std::io::Result<()> {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> std::io::Result<()> {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == N {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  "));
            }
        }
        outln!("{}", out.trim_end());
        Ok(())
    };
    line(header.to_vec())?;
    for row in rows {
        line(row.iter().map(String::as_str).collect())?;
    }
    Ok(())
}

/// A local date given on the command line (`--date`, `--since`), or a user error naming the flag.
/// A local time `YYYY-MM-DDTHH:MM` (or a date, meaning its midnight) in `tz`, or an RFC 3339
/// instant, for a `flag` of a command.
pub(crate) fn parse_local_time(
    text: &str,
    tz: &jiff::tz::TimeZone,
    flag: &str,
) -> anyhow::Result<jiff::Timestamp> {
    crate::time::parse_local(text, tz).ok_or_else(|| {
        user_error(
            format!("waktu \"{text}\" tidak valid"),
            format!("tulis waktu lokal sebagai YYYY-MM-DDTHH:MM, misalnya {flag} 2026-11-27T07:00"),
        )
    })
}

pub(crate) fn parse_date(text: &str, flag: &str) -> anyhow::Result<jiff::civil::Date> {
    text.parse().map_err(|_| {
        user_error(
            format!("tanggal \"{text}\" tidak valid"),
            format!("tulis tanggal sebagai YYYY-MM-DD, misalnya {flag} 2026-11-27"),
        )
    })
}
