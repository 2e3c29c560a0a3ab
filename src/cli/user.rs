//! `pantau user`: the people who may sign in to the dashboard and the read API — add, new
//! password, remove, list, API tokens, and the login audit. Passwords are read from the
//! terminal without echo (twice), or from stdin with `--password-stdin`; never from the
//! command line (where `ps` and the shell's history would show them) and never logged.

use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::process::ExitCode;

use jiff::Timestamp;

use super::user_error;
use crate::auth::{self, Role, Throttle, Verdict};
use crate::store::users::{Attempts, Outcome, UserRow};
use crate::store::{Accounts, Store};
use crate::time::format_local;

pub const AFTER_LONG_HELP: &str = "\
Peran:
  viewer   membaca dasbor, API baca dan briefing
  analyst  juga menyunting daftar kata kunci dan menandai unggahan
  admin    juga mengelola pengguna dan melihat kesehatan sumber

Kata sandi diminta di terminal tanpa ditampilkan (dua kali), atau dibaca dari stdin dengan
--password-stdin (satu baris), misalnya: printf '%s\\n' \"$SANDI\" | pantau user add siti --role analyst --password-stdin
Kata sandi tidak pernah ditulis sebagai argumen dan tidak pernah dicatat di log.

Sesi browser berakhir setelah [http] session_idle tidak dipakai (bawaan 12 jam) atau
session_max sejak masuk (bawaan 7 hari), saat keluar, saat kata sandi diganti, dan saat
pengguna dihapus. Setelah 3 kali gagal masuk, percobaan berikutnya harus menunggu makin lama;
setelah 10 kali, nama itu dikunci 15 menit. Rinciannya: docs/operations.md.";

/// Where the password comes from.
#[derive(Debug, Clone, Copy)]
pub enum PasswordFrom {
    Terminal,
    Stdin,
}

fn open(path: Option<&Path>) -> anyhow::Result<(crate::engine::Config, Store)> {
    let config = super::load(path)?;
    super::init_logging(Some(&config.settings), "warn");
    let store = Store::connect(&config.settings.storage)?;
    Ok((config, store))
}

fn name_of(text: &str) -> anyhow::Result<String> {
    Ok(auth::user_name(text)?)
}

fn no_such_user(name: &str) -> anyhow::Error {
    user_error(
        format!("pengguna \"{name}\" tidak ada"),
        "lihat daftarnya dengan `pantau user list`",
    )
}

/// Reads a new password, checks its length and hashes it.
fn new_password_hash(from: PasswordFrom) -> anyhow::Result<String> {
    let password = match from {
        PasswordFrom::Stdin => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\n', '\r']).to_string()
        }
        PasswordFrom::Terminal => {
            if !std::io::stdin().is_terminal() {
                return Err(user_error(
                    "stdin bukan terminal, jadi kata sandi tidak dapat diminta",
                    "kirim kata sandi lewat stdin dengan --password-stdin",
                ));
            }
            let first = rpassword::prompt_password("Kata sandi baru: ")?;
            let second = rpassword::prompt_password("Ulangi kata sandi: ")?;
            if first != second {
                return Err(user_error(
                    "kedua kata sandi tidak sama",
                    "jalankan perintahnya lagi dan ketik kata sandi yang sama dua kali",
                ));
            }
            first
        }
    };
    auth::check_password(&password)?;
    Ok(auth::hash_password(&password)?)
}

pub fn add(
    path: Option<&Path>,
    name: &str,
    role: &str,
    from: PasswordFrom,
) -> anyhow::Result<ExitCode> {
    let name = name_of(name)?;
    let role: Role = role.parse()?;
    let (_, mut store) = open(path)?;
    if store.user(&name)?.is_some() {
        return Err(user_error(
            format!("pengguna \"{name}\" sudah ada"),
            format!("ganti kata sandinya dengan `pantau user passwd {name}`, atau pilih nama lain"),
        ));
    }
    let password_hash = new_password_hash(from)?;
    let added = store.add_user(&UserRow {
        name: name.clone(),
        role: role.as_str().to_string(),
        password_hash,
        created_at: Timestamp::now(),
        last_login_at: None,
    })?;
    if !added {
        return Err(user_error(
            format!("pengguna \"{name}\" sudah ada"),
            "pilih nama lain",
        ));
    }
    outln!(
        "Pengguna \"{name}\" dibuat dengan peran {role} ({}).",
        role.label()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn passwd(path: Option<&Path>, name: &str, from: PasswordFrom) -> anyhow::Result<ExitCode> {
    let name = name_of(name)?;
    let (_, mut store) = open(path)?;
    if store.user(&name)?.is_none() {
        return Err(no_such_user(&name));
    }
    let hash = new_password_hash(from)?;
    if !store.set_password(&name, &hash)? {
        return Err(no_such_user(&name));
    }
    outln!("Kata sandi \"{name}\" diganti; semua sesinya diakhiri.");
    Ok(ExitCode::SUCCESS)
}

pub fn remove(path: Option<&Path>, name: &str) -> anyhow::Result<ExitCode> {
    let name = name_of(name)?;
    let (_, mut store) = open(path)?;
    if !store.remove_user(&name)? {
        return Err(no_such_user(&name));
    }
    outln!("Pengguna \"{name}\" dihapus, bersama sesi dan tokennya.");
    Ok(ExitCode::SUCCESS)
}

pub fn token(path: Option<&Path>, name: &str, revoke: bool) -> anyhow::Result<ExitCode> {
    let name = name_of(name)?;
    let (_, mut store) = open(path)?;
    if store.user(&name)?.is_none() {
        return Err(no_such_user(&name));
    }
    if revoke {
        let n = store.revoke_tokens(&name)?;
        outln!("{n} token milik \"{name}\" dicabut.");
        return Ok(ExitCode::SUCCESS);
    }
    let token = auth::new_token()?;
    store.add_token(&auth::secret_hash(&token), &name, Timestamp::now())?;
    outln!("{token}");
    eprintln!(
        "Token API baru untuk \"{name}\" (perannya sama dengan pengguna itu). Simpan sekarang: \
         token ini tidak dapat ditampilkan lagi. Pakai sebagai header Authorization: Bearer <token>."
    );
    Ok(ExitCode::SUCCESS)
}

pub fn list(path: Option<&Path>) -> anyhow::Result<ExitCode> {
    let (config, store) = open(path)?;
    let (tz, lang) = (
        &config.settings.schedule.timezone,
        config.settings.briefing.language,
    );
    let users = store.users()?;
    if users.is_empty() {
        outln!("Belum ada pengguna. Buat dengan `pantau user add NAMA --role admin`.");
        return Ok(ExitCode::SUCCESS);
    }
    let now = Timestamp::now();
    let throttle = Throttle::default();
    let mut rows = Vec::new();
    for u in &users {
        let failures = store.login_failures(Attempts::User(&u.name), throttle.window_start(now))?;
        let locked = match throttle.verdict(failures.count, failures.last, 1, now) {
            Verdict::Locked(until) => format!("sampai {}", format_local(until, tz, lang)),
            _ => "-".to_string(),
        };
        rows.push([
            u.name.clone(),
            u.role.clone(),
            format_local(u.created_at, tz, lang),
            u.last_login_at
                .map_or_else(|| "belum pernah".to_string(), |t| format_local(t, tz, lang)),
            store.count_tokens(&u.name)?.to_string(),
            locked,
        ]);
    }
    super::print_table(
        &[
            "NAMA",
            "PERAN",
            "DIBUAT",
            "MASUK TERAKHIR",
            "TOKEN",
            "TERKUNCI",
        ],
        &rows,
    )?;
    Ok(ExitCode::SUCCESS)
}

pub fn audit(path: Option<&Path>, name: Option<&str>, limit: usize) -> anyhow::Result<ExitCode> {
    let name = name.map(name_of).transpose()?;
    let (config, store) = open(path)?;
    let (tz, lang) = (
        &config.settings.schedule.timezone,
        config.settings.briefing.language,
    );
    let rows: Vec<[String; 4]> = store
        .login_audit(name.as_deref(), limit.max(1))?
        .into_iter()
        .map(|e| {
            let outcome = match e.outcome {
                Outcome::Ok => "berhasil masuk",
                Outcome::Failed => "gagal",
                Outcome::Refused => "ditolak (terkunci/tunggu)",
                Outcome::Logout => "keluar",
            };
            [
                format_local(e.at, tz, lang),
                e.user,
                e.address,
                outcome.to_string(),
            ]
        })
        .collect();
    if rows.is_empty() {
        outln!("Belum ada catatan masuk.");
        return Ok(ExitCode::SUCCESS);
    }
    super::print_table(&["WAKTU", "NAMA", "ALAMAT", "HASIL"], &rows)?;
    Ok(ExitCode::SUCCESS)
}
