//! Test helpers: a temporary Pantau project (config, the repository's keyword lists, a
//! database), feed bodies, and running the real `pantau` binary.

#![allow(dead_code)]

pub mod browser;
pub mod daemon;
pub mod db;
pub mod web;

use std::path::{Path, PathBuf};
use std::process::Output;

use std::sync::Arc;

use pantau::Classifier;
use pantau::config::Settings;
use pantau::engine::{self, Config, RoundResult, SharedClassifier};
use pantau::store::Store;
use pantau::store::testing::TestDb;

pub use db::Db;

/// The `config/local.toml` of every test project: loopback, where the fixtures are served
/// (some on 127.0.0.2, another host to the per-host limits).
pub const LOOPBACK_ALLOWED: &str = "[fetch]\nallow_private = [\"127.0.0.0/8\", \"::1\"]\n";

/// Which backend this run of the suite stores in: SQLite unless `PANTAU_TEST_BACKEND=postgres`
/// (`scripts/test-postgres.sh`), which runs every test of a [`Project`] on a throw-away
/// PostgreSQL database of the test server (`PANTAU_TEST_POSTGRES`).
pub fn on_postgres() -> bool {
    match std::env::var("PANTAU_TEST_BACKEND") {
        Err(_) => false,
        Ok(v) => match v.trim() {
            "" | "sqlite" => false,
            "postgres" => true,
            other => panic!("PANTAU_TEST_BACKEND={other}: expected sqlite or postgres"),
        },
    }
}

/// True (after a notice) when this run is the PostgreSQL pass, for a test about the SQLite
/// file itself (its WAL, its size, its backups, an old schema): it returns at once there.
pub fn sqlite_only(reason: &str) -> bool {
    if !on_postgres() {
        return false;
    }
    eprintln!("NOTICE: not run on the PostgreSQL pass ({reason})");
    true
}

/// A throw-away PostgreSQL database on the PostgreSQL pass, None on the SQLite one. Without a
/// test server the PostgreSQL pass fails: it must never pass by skipping.
pub fn test_database() -> Option<TestDb> {
    if !on_postgres() {
        return None;
    }
    Some(TestDb::create().unwrap_or_else(|| {
        panic!(
            "PANTAU_TEST_BACKEND=postgres needs a PostgreSQL test server: set \
             PANTAU_TEST_POSTGRES (`eval \"$(scripts/pg-test-cluster.sh start)\"`)"
        )
    }))
}

/// The store `settings` name, and on the PostgreSQL pass a new test database in its place
/// (returned beside it: the database is dropped with it). For tests that build their
/// configuration without a [`Project`].
pub fn store_for(storage: &pantau::config::StorageSettings) -> (Store, Option<TestDb>) {
    match test_database() {
        Some(db) => (db.store(), Some(db)),
        None => (
            Store::open(&storage.path).expect("the test database opens"),
            None,
        ),
    }
}

/// A Pantau installation in a temporary folder.
pub struct Project {
    pub dir: tempfile::TempDir,
    /// The PostgreSQL database of the PostgreSQL pass, named by `config/local.toml`.
    pub pg: Option<TestDb>,
}

impl Project {
    /// A project whose config holds `sources_toml` (and `extra` settings before it), with the
    /// repository's keyword lists.
    pub fn new(extra: &str, sources_toml: &str) -> Project {
        let dir = tempfile::tempdir().expect("a temp dir");
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        copy_dir(&repo().join("keywords"), &dir.path().join("keywords"));
        std::fs::write(
            dir.path().join("config/default.toml"),
            format!("{extra}\n{sources_toml}"),
        )
        .unwrap();
        let project = Project {
            dir,
            pg: test_database(),
        };
        // Fixtures are served on loopback, which Pantau refuses unless allowed. The allowance
        // sits in local.toml, so a test's own [fetch] table in default.toml still works.
        project.write_local(LOOPBACK_ALLOWED);
        project
    }

    /// Writes `config/local.toml` as `text`, plus on the PostgreSQL pass the `[storage] url`
    /// of the project's database. local.toml overrides default.toml key by key, so a test's
    /// own `[storage]` keys (`retain_days`, `max_size_mb`) still apply.
    pub fn write_local(&self, text: &str) {
        let storage = self
            .pg
            .as_ref()
            .map(|db| format!("\n[storage]\n{}", db.storage_toml()))
            .unwrap_or_default();
        std::fs::write(
            self.path().join("config/local.toml"),
            format!("{text}{storage}"),
        )
        .unwrap();
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config(&self) -> PathBuf {
        self.path().join("config/default.toml")
    }

    pub fn settings(&self) -> Settings {
        self.load().settings
    }

    /// The whole configuration: settings, sources, alerts.
    pub fn load(&self) -> Config {
        Config::load(Some(&self.config())).expect("the test config is valid")
    }

    /// The SQLite file (of the SQLite pass).
    pub fn db(&self) -> PathBuf {
        self.path().join("data/pantau.db")
    }

    /// The project's store: its SQLite file, or on the PostgreSQL pass its test database.
    pub fn store(&self) -> Store {
        match &self.pg {
            Some(db) => db.store(),
            None => Store::open(&self.db()).expect("the test database opens"),
        }
    }

    /// `f` over the project's store opened for reading, as `pantau` commands open it beside a
    /// running daemon; None while it cannot be opened (the daemon has not created it yet).
    /// Runs off the tokio runtime, so an async test may call it.
    pub fn read<T: Send>(&self, f: impl FnOnce(&Store) -> T + Send) -> Option<T> {
        db::off_runtime(|| {
            let store = match &self.pg {
                Some(db) => pantau::store::pg::PgStore::connect_read_only(db.url())
                    .ok()
                    .map(Store::Postgres),
                None => Store::open_read_only(&self.db()).ok(),
            };
            store.map(|s| f(&s))
        })
    }

    /// `f` over the project's store ([`Project::store`]), off the tokio runtime an async test
    /// runs on (the PostgreSQL client blocks, which it may not do there).
    pub fn with_store<T: Send>(&self, f: impl FnOnce(&mut Store) -> T + Send) -> T {
        db::off_runtime(|| f(&mut self.store()))
    }

    /// The project's tables, read directly (on either backend).
    pub fn sql(&self) -> Db {
        match &self.pg {
            Some(db) => Db::postgres(db.url().expose()),
            None => Db::sqlite(&self.db()),
        }
    }

    /// Runs `pantau --config <this project's config> ARGS` and waits.
    pub fn pantau(&self, args: &[&str]) -> Output {
        let config = self.config();
        let mut all = vec!["--config", config.to_str().unwrap()];
        all.extend_from_slice(args);
        pantau_in(self.path(), &all)
    }
}

/// Runs the built `pantau` binary in `dir` with `args`.
pub fn pantau_in(dir: &Path, args: &[&str]) -> Output {
    pantau_with(dir, args, &[])
}

/// [`pantau_in`] with `env` set.
pub fn pantau_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(args)
        .current_dir(dir)
        .env_remove("PANTAU_CONFIG")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("pantau runs")
}

/// `pantau demo --out OUT` run in `cwd`, storing in `db` when given (the PostgreSQL pass:
/// named as an operator would, in the environment, which overrides the demo's own
/// configuration). The demo's `config/local.toml` then names it too, so the commands a test
/// runs next on the demo's configuration use the same database.
pub fn demo_in(cwd: &Path, out: &Path, db: Option<&TestDb>) -> Output {
    let env: Vec<(&str, &str)> = db
        .iter()
        .map(|db| ("PANTAU__STORAGE__URL", db.url().expose()))
        .collect();
    let output = pantau_with(cwd, &["demo", "--out", out.to_str().unwrap()], &env);
    if let Some(db) = db
        && output.status.success()
    {
        std::fs::write(
            out.join("config/local.toml"),
            format!("[storage]\n{}", db.storage_toml()),
        )
        .unwrap();
    }
    output
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("tests/fixtures").join(name)).expect("the fixture exists")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A `[[sources]]` table of `kind` reading `url`, with `extra` keys.
pub fn source(kind: &str, id: &str, url: &str, extra: &str) -> String {
    format!("[[sources]]\nid = \"{id}\"\nkind = \"{kind}\"\nurl = \"{url}\"\n{extra}\n")
}

/// A `[[sources]]` table for a feed.
pub fn feed_source(id: &str, url: &str, extra: &str) -> String {
    source("feed", id, url, extra)
}

/// `(url, title, text, author, lang, published)` of every stored post, by url.
pub fn stored_posts(project: &Project) -> Vec<(String, String, String, String, String, String)> {
    project
        .sql()
        .prepare(
            "SELECT url, coalesce(title, ''), text, coalesce(author, ''), coalesce(lang, ''),
                    published_at FROM posts ORDER BY url",
        )
        .unwrap()
        .query_map(&[], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The commented block of `[[sources]]` tables that follows `marker` in `text` (a shipped
/// config), uncommented as its text tells an operator to: from its first `# [[sources]]` to
/// the first line that is not a comment.
pub fn uncommented(text: &str, marker: &str) -> String {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("no \"{marker}\""));
    text[start..]
        .lines()
        .skip(1)
        .skip_while(|l| !l.starts_with("# [[sources]]"))
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.strip_prefix("# ").unwrap_or(l.trim_start_matches('#')))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `pubDate` of every item of [`rss`].
pub const RSS_PUBLISHED: &str = "Thu, 26 Nov 2026 10:00:00 +0800";

/// An RSS 2.0 document with `items` as (guid, title, description, link), each published at
/// [`RSS_PUBLISHED`].
pub fn rss(items: &[(&str, &str, &str, &str)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Uji</title><language>id</language>",
    );
    for (guid, title, description, link) in items {
        out.push_str(&format!(
            "<item><guid>{guid}</guid><title>{title}</title><description>{description}</description><link>{link}</link>\
             <pubDate>{RSS_PUBLISHED}</pubDate></item>"
        ));
    }
    out.push_str("</channel></rss>");
    out
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Scalar query on the store's database (either backend).
pub fn query_i64(store: &Store, query: &str) -> i64 {
    sql(store)
        .query_row(query, &[], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{query}: {e}"))
}

/// The store's tables, read directly (either backend). Its tables are a contract with users
/// (who query them with sqlite3 or psql), so tests check them directly, beside the store.
pub fn sql(store: &Store) -> Db {
    Db::of(store)
}

/// `f` on `store` where a PostgreSQL store may block: off the tokio runtime an async test runs
/// on (the blocking client refuses to run on it, as the daemon never calls it there).
pub fn blocking<T: Send>(store: &mut Store, f: impl FnOnce(&mut Store) -> T + Send) -> T {
    match store {
        Store::Sqlite(_) => f(store),
        Store::Postgres(_) => db::off_runtime(|| f(store)),
    }
}

/// A read-only rusqlite connection to the SQLite file at `path`, for the SQLite-only tests.
pub fn sqlite_file(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("the test database opens read-only")
}

/// A connection that may write to the SQLite file at `path`, for tests that make a database
/// of an older schema or fill the disk.
pub fn sql_writable(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).expect("the test database opens")
}

/// One polling round of every source of `project`, committed to its store.
pub async fn round(project: &Project) -> Vec<RoundResult> {
    let config = project.load();
    let classifier = Arc::new(Classifier::load(&config.settings.keywords.dir).unwrap());
    engine::poll_round(&config, &config.sources, SharedClassifier::new(classifier))
        .await
        .unwrap()
}

/// The result of source `id` in a round.
pub fn result<'a>(results: &'a [RoundResult], id: &str) -> &'a RoundResult {
    results.iter().find(|r| r.source.as_str() == id).unwrap()
}

const PLACES: [&str; 8] = [
    "Sempaja",
    "Bengkuring",
    "Griya Mukti",
    "Lempake",
    "Sungai Pinang",
    "Air Putih",
    "Karang Asam",
    "Loa Bakung",
];

const WORDS: [&str; 40] = [
    "warga", "rumah", "teras", "halaman", "motor", "mobil", "anak", "pagi", "malam", "sore",
    "hujan", "deras", "parit", "lurah", "camat", "petugas", "relawan", "posko", "perahu", "kasur",
    "gang", "lorong", "tetangga", "ibu", "bapak", "kakek", "nenek", "sepeda", "lemari", "buku",
    "kucing", "ayam", "pintu", "jendela", "dapur", "kursi", "meja", "tikar", "ember", "sandal",
];

/// The five sources the alert tests post through: three newsrooms (feeds) and two Mastodon
/// accounts, so that corroboration across sources and kinds has something to count.
pub fn alert_sources() -> String {
    let mut s = String::new();
    for id in ["kaltimpost", "tribun", "antara"] {
        s.push_str(&feed_source(id, &format!("file:///dev/null/{id}"), ""));
    }
    for id in ["warga-smd", "warga-bpp"] {
        s.push_str(&format!(
            "[[sources]]\nid = \"{id}\"\nkind = \"mastodon\"\nurl = \"https://mastodon.example\"\ntag = \"kaltim\"\n"
        ));
    }
    s
}

/// A distinct flood story: a short flood sentence and a dozen words drawn at random, so that
/// no two stories share enough word pairs to be taken for copies.
pub fn flood_story(n: usize) -> String {
    flood_story_in(n, &format!("{} Samarinda", PLACES[n % PLACES.len()]))
}

/// [`flood_story`] in `place` ("Tanjung Redeb, Kabupaten Berau").
pub fn flood_story_in(n: usize, place: &str) -> String {
    let mut rng = fastrand::Rng::with_seed(n as u64);
    let tail: Vec<&str> = (0..12).map(|_| WORDS[rng.usize(..WORDS.len())]).collect();
    format!("Banjir lagi di {place}. {}", tail.join(" "))
}

/// A file of ../shared/corpus/indonlu (present in CI and on development machines); `None`
/// with a printed notice where it is absent, so the test passes without checking anything.
pub fn corpus(file: &str) -> Option<String> {
    let path = repo().join("../shared/corpus/indonlu").join(file);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(_) => {
            println!(
                "CATATAN: {} tidak ada; uji korpus ini dilewati",
                path.display()
            );
            None
        }
    }
}

/// The server of `pantau run`, in process, on an ephemeral loopback port, over `state` (whose
/// writer thread is `writer`).
pub struct Served {
    pub base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    writer: pantau::store::writer::WriterThread,
}

pub async fn serve(
    state: pantau::server::AppState,
    writer: pantau::store::writer::WriterThread,
) -> Served {
    use pantau::server;
    let listener = server::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server::serve(listener, server::router(state), async {
        let _ = stopped.await;
    }));
    Served {
        base,
        stop,
        task,
        writer,
    }
}

impl Served {
    /// Stops the server and waits until the writer has committed everything.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
        tokio::task::spawn_blocking(move || self.writer.join())
            .await
            .unwrap();
    }
}

/// The HTTP server's state over `writer`, classifying with `classifier`, as the daemon builds
/// it from its engine.
pub fn app_state(
    config: &Config,
    classifier: Classifier,
    writer: pantau::store::writer::Writer,
) -> pantau::server::AppState {
    let pipeline = pantau::engine::Pipeline::new(
        SharedClassifier::new(Arc::new(classifier)),
        writer,
        config.regions(),
    );
    pantau::server::AppState::new(config, pipeline)
}
