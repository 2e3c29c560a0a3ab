//! Test helpers: a temporary Pantau project (config, the repository's keyword lists, a
//! database), feed bodies, and running the real `pantau` binary.

#![allow(dead_code)]

pub mod browser;
pub mod daemon;
pub mod web;

use std::path::{Path, PathBuf};
use std::process::Output;

use std::sync::Arc;

use pantau::Classifier;
use pantau::config::Settings;
use pantau::engine::{self, Config, RoundResult, SharedClassifier};
use pantau::store::Store;

/// The `config/local.toml` of every test project: loopback, where the fixtures are served
/// (some on 127.0.0.2, another host to the per-host limits).
pub const LOOPBACK_ALLOWED: &str = "[fetch]\nallow_private = [\"127.0.0.0/8\", \"::1\"]\n";

/// A Pantau installation in a temporary folder.
pub struct Project {
    pub dir: tempfile::TempDir,
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
        // Fixtures are served on loopback, which Pantau refuses unless allowed. The allowance
        // sits in local.toml, so a test's own [fetch] table in default.toml still works.
        std::fs::write(dir.path().join("config/local.toml"), LOOPBACK_ALLOWED).unwrap();
        Project { dir }
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

    pub fn db(&self) -> PathBuf {
        self.path().join("data/pantau.db")
    }

    pub fn store(&self) -> Store {
        Store::open(&self.db()).expect("the test database opens")
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
    std::process::Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(args)
        .current_dir(dir)
        .env_remove("PANTAU_CONFIG")
        .env("NO_COLOR", "1")
        .output()
        .expect("pantau runs")
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
    sql(&project.db())
        .prepare(
            "SELECT url, coalesce(title, ''), text, coalesce(author, ''), coalesce(lang, ''),
                    published_at FROM posts ORDER BY url",
        )
        .unwrap()
        .query_map([], |r| {
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

/// Scalar query on the project's database.
pub fn query_i64(store: &Store, query: &str) -> i64 {
    sql(store.sqlite_path().expect("SQLite"))
        .query_row(query, [], |r| r.get(0))
        .unwrap()
}

/// A read-only connection of its own to the SQLite file at `path`. Its tables are a contract
/// with users (who open them with sqlite3), so tests check them directly, beside the store.
pub fn sql(path: &Path) -> rusqlite::Connection {
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
