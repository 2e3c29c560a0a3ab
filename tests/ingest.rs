//! Pushed posts: `pantau import FILE` (the real binary on fixture files) and `POST /api/ingest`
//! (the real server on a loopback socket, and `pantau run` serving it). Bad records are reported
//! by line while good ones are stored, classified, and never stored twice.

mod common;

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Project, query_i64, repo, stderr, stdout};
use pantau::Classifier;
use pantau::server::MAX_INGEST_BYTES;
use pantau::store::writer::Writer;
use pantau::store::{Browse, Maintenance, Store};

const TOKEN: &str = "rahasia-uji-123";

fn fixture_path(name: &str) -> String {
    repo()
        .join("tests/fixtures/ingest")
        .join(name)
        .display()
        .to_string()
}

fn topics_of(store: &Store, external_id: &str) -> Vec<String> {
    common::sql(store)
        .prepare(
            "SELECT t.topic_id FROM post_topics t JOIN posts p ON p.id = t.post_id
             WHERE p.external_id = ?1 ORDER BY t.topic_id",
        )
        .unwrap()
        .query_map(&[&external_id], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn source_kind(store: &Store, id: &str) -> Option<String> {
    common::sql(store)
        .query_row("SELECT kind FROM sources WHERE id = ?1", &[&id], |r| {
            r.get(0)
        })
        .ok()
}

/// Good lines are stored and classified, each bad line is reported with its number and a
/// precise reason, and importing the same file again stores nothing twice.
#[test]
fn import_json_lines_reports_bad_lines_and_stores_the_rest_once() {
    let project = Project::new("", "");
    let out = project.pantau(&["import", &fixture_path("posts.jsonl")]);
    let (out_text, err_text) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{out_text}\n{err_text}");
    let expected = [
        "baris 5: source \"Warga Samarinda\" tidak valid: pakai huruf kecil, angka, - dan _, misalnya \"warga-samarinda\"",
        "baris 6: kunci tidak dikenal: \"txt\" (mungkin maksud Anda \"text\"); kunci yang dikenal: source, text, id, url, title, author, published, lang",
        "baris 7: published \"kemarin\" bukan waktu RFC 3339, misalnya 2026-11-27T08:00:00+08:00",
        "baris 8: url \"javascript:alert(1)\" bukan alamat http(s)",
        "baris 9: text dan title kosong; isi setidaknya salah satu",
        "baris 11: JSON tidak valid di kolom 1",
    ];
    assert_eq!(err_text.lines().collect::<Vec<_>>(), expected, "{err_text}");
    assert!(
        out_text
            .contains("(JSON Lines, UTF-8): 5 rekaman diterima (5 baru, 0 sudah ada), 6 ditolak"),
        "{out_text}"
    );

    let mut store = project.store();
    assert_eq!(
        common::blocking(&mut store, |s| s.count_posts()).unwrap(),
        5
    );
    // Identity follows the feed rules: the id, else the canonical URL, else the text hash.
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM posts WHERE external_id LIKE 'h:%'"
        ),
        3
    );
    let (url, author, lang): (String, String, String) = common::sql(&store)
        .query_row(
            "SELECT p2.url, p1.author, p1.lang FROM posts p1, posts p2
             WHERE p1.external_id = 'wa-1' AND p2.external_id = 'wa-2'",
            &[],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (url.as_str(), author.as_str(), lang.as_str()),
        ("https://lapor.example/wa-2", "Rina", "id")
    );
    // HTML is kept as the text it is; the briefing escapes it.
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM posts WHERE text LIKE '%<script>alert(1)</script>%'"
        ),
        1
    );
    // Classified with the current lists, hourly counts included.
    assert_eq!(topics_of(&store, "wa-1"), ["banjir"]);
    assert_eq!(topics_of(&store, "wa-2"), ["listrik"]);
    assert_eq!(
        query_i64(
            &store,
            "SELECT count(*) FROM post_topics WHERE topic_id = 'banjir'"
        ),
        2
    );
    assert_eq!(
        query_i64(
            &store,
            "SELECT sum(posts) FROM topic_hourly WHERE topic_id = 'banjir' AND region_id = '*'"
        ),
        2
    );
    assert_eq!(
        source_kind(&store, "warga-samarinda").as_deref(),
        Some("import")
    );
    assert_eq!(
        query_i64(
            &store,
            "SELECT items_seen FROM sources WHERE id = 'warga-samarinda'"
        ),
        3
    );
    drop(store);

    let again = project.pantau(&["import", &fixture_path("posts.jsonl")]);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        stdout(&again).contains("5 rekaman diterima (0 baru, 5 sudah ada), 6 ditolak"),
        "{}",
        stdout(&again)
    );
    let mut store = project.store();
    assert_eq!(
        common::blocking(&mut store, |s| s.count_posts()).unwrap(),
        5
    );
    assert_eq!(
        query_i64(
            &store,
            "SELECT sum(posts) FROM topic_hourly WHERE topic_id = 'banjir' AND region_id = '*'"
        ),
        2
    );

    // Pushed sources show in `pantau sources` beside the configured ones.
    let sources = project.pantau(&["sources"]);
    let listing = stdout(&sources);
    assert!(
        listing.lines().any(|l| l.starts_with("warga-samarinda")
            && l.contains("import")
            && l.contains("impor")),
        "{listing}"
    );
}

/// A windows-1252 CSV: undeclared, its non-ASCII lines are refused with the fix; declared,
/// they are decoded ("–", "é", curly quotes) and the line already stored is not stored again.
#[test]
fn a_windows_1252_csv_is_read_once_its_charset_is_declared() {
    let project = Project::new("", "");
    let file = fixture_path("laporan-warga-1252.csv");

    let undeclared = project.pantau(&["import", &file]);
    assert_eq!(undeclared.status.code(), Some(0), "{}", stderr(&undeclared));
    let err = stderr(&undeclared);
    assert!(
        err.starts_with(
            "baris 2: bukan UTF-8 yang valid (bita 0x96 di text, kolom 19); bila berkas memakai \
             penyandian lama, nyatakan dengan --charset, misalnya --charset windows-1252\n"
        ),
        "{err}"
    );
    assert!(
        err.contains("baris 4: bukan UTF-8 yang valid (bita 0xE9 di title, kolom 4)"),
        "{err}"
    );
    assert!(
        err.contains("baris 5: published \"26/11/2026\" bukan waktu RFC 3339"),
        "{err}"
    );
    assert!(
        stdout(&undeclared).contains("1 rekaman diterima (1 baru, 0 sudah ada), 3 ditolak"),
        "{}",
        stdout(&undeclared)
    );

    let declared = project.pantau(&["import", "--charset", "windows-1252", &file]);
    assert_eq!(declared.status.code(), Some(0), "{}", stderr(&declared));
    assert!(
        stdout(&declared)
            .contains("(CSV, windows-1252): 3 rekaman diterima (2 baru, 1 sudah ada), 1 ditolak"),
        "{}",
        stdout(&declared)
    );
    assert_eq!(
        stderr(&declared).trim(),
        "baris 5: published \"26/11/2026\" bukan waktu RFC 3339, misalnya 2026-11-27T08:00:00+08:00"
    );
    let mut store = project.store();
    assert_eq!(
        common::blocking(&mut store, |s| s.count_posts()).unwrap(),
        3
    );
    let (title, text, author): (String, String, String) = common::sql(&store)
        .query_row(
            "SELECT title, text, author FROM posts WHERE external_id = 'k-3'",
            &[],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(title, "Café tutup");
    assert_eq!(
        text,
        "“Listrik padam” sejak pagi di Loa Janan, kafe tidak bisa buka"
    );
    assert_eq!(author, "André");
    let samboja: String = common::sql(&store)
        .query_row(
            "SELECT text FROM posts WHERE external_id = 'k-1'",
            &[],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        samboja.starts_with("Kecamatan Samboja – banjir"),
        "{samboja}"
    );
    assert_eq!(topics_of(&store, "k-1"), ["banjir"]);
    assert_eq!(topics_of(&store, "k-2"), ["jalan-rusak"]);
    assert_eq!(topics_of(&store, "k-3"), ["listrik"]);
    // The region named in the text (a kecamatan of Kutai Kartanegara) is counted at its kabupaten.
    assert!(
        query_i64(
            &store,
            "SELECT count(*) FROM topic_hourly WHERE topic_id = 'banjir' AND region_id = 'kutai-kartanegara'"
        ) == 1
    );
}

/// Mistakes with the whole file stop the import with what to do; nothing is stored.
#[test]
fn whole_file_mistakes_are_clear_errors() {
    let project = Project::new("", "");
    let dir = project.path();
    std::fs::write(
        dir.join("typo.csv"),
        "source,txt,publshed\nwarga,Banjir,2026-11-26T08:00:00+08:00\n",
    )
    .unwrap();
    let out = project.pantau(&["import", "typo.csv"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "pantau: typo.csv: baris judul CSV: kolom tidak dikenal: \"txt\" (mungkin maksud Anda \"text\"), \"publshed\" (mungkin maksud Anda \"published\")"
        ),
        "{err}"
    );
    assert!(
        err.contains("\nsaran: baris pertama CSV memuat nama kolom"),
        "{err}"
    );

    std::fs::write(dir.join("posts.txt"), "{}\n").unwrap();
    let out = project.pantau(&["import", "posts.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("saran: nyatakan formatnya: --format jsonl atau --format csv"),
        "{}",
        stderr(&out)
    );
    // With the format named, the same file is read; its one record is refused, so exit 1.
    std::fs::write(dir.join("posts.txt"), "{\"text\":\"tanpa sumber\"}\n").unwrap();
    let out = project.pantau(&["import", "--format", "jsonl", "posts.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("baris 1: source wajib diisi"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("pantau: tidak ada rekaman yang diterima"));

    let out = project.pantau(&["import", "--charset", "latin-99", "posts.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("penyandian \"latin-99\" tidak dikenal; contoh: utf-8, windows-1252"),
        "{}",
        stderr(&out)
    );

    let out = project.pantau(&["import", "hilang.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("pantau: hilang.jsonl: berkas tidak dapat dibuka"));

    let help = project.pantau(&["import", "--help"]);
    assert!(stdout(&help).contains("{\"source\":\"warga-samarinda\",\"text\":"));
    assert_eq!(project.with_store(|s| s.count_posts()).unwrap(), 0);
}

/// The server of `pantau run` for `project`, in process, on an ephemeral loopback port.
struct Api;

impl Api {
    async fn start(project: &Project) -> common::Served {
        let config = project.load();
        let settings = &config.settings;
        let classifier = Classifier::load(&settings.keywords.dir).unwrap();
        let (writer, thread) = Writer::spawn(Store::connect(&settings.storage).unwrap());
        let state = common::app_state(&config, classifier, writer);
        common::serve(state, thread).await
    }
}

async fn post(
    client: &reqwest::Client,
    api: &common::Served,
    token: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> (u16, serde_json::Value) {
    let mut request = client
        .post(format!("{}/api/ingest", api.base))
        .header("content-type", "application/x-ndjson")
        .body(body);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)));
    (status, json)
}

const BODY: &str = "{\"source\":\"relawan-bpbd\",\"id\":\"r-1\",\"text\":\"Sungai Karang Mumus meluap, banjir di Sempaja\",\"published\":\"2026-11-26T08:00:00+08:00\"}\n\
{\"source\":\"relawan-bpbd\",\"id\":\"r-2\",\"text\":\"Pemadaman bergilir di Bontang malam ini\"}\n\
{\"source\":\"relawan-bpbd\",\"text\":\"x\",\"published\":\"kemarin\"}\n\
{\"source\":\"relawan-bpbd\",\"id\":\"r-1\",\"text\":\"dikirim ulang\"}\n";

/// Off without a token (403), closed to a wrong one (401), capped (413); with the token, the
/// records are stored and classified, and each refused line comes back with its number.
#[tokio::test(flavor = "multi_thread")]
async fn the_ingest_api_checks_its_token_size_and_records() {
    let client = reqwest::Client::new();

    let closed = Project::new("", "");
    let api = Api::start(&closed).await;
    let (status, json) = post(&client, &api, Some(TOKEN), BODY).await;
    assert_eq!(status, 403);
    assert!(
        json["error"]
            .as_str()
            .unwrap()
            .contains("isi [http] token di konfigurasi"),
        "{json}"
    );
    let health = client
        .get(format!("{}/healthz", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");
    api.stop().await;
    assert_eq!(closed.with_store(|s| s.count_posts()).unwrap(), 0);

    let project = Project::new(&format!("[http]\ntoken = \"{TOKEN}\"\n"), "");
    let api = Api::start(&project).await;
    for token in [None, Some("rahasia-uji-124"), Some("salah")] {
        let (status, json) = post(&client, &api, token, BODY).await;
        assert_eq!(status, 401, "{token:?}");
        assert!(json["error"].as_str().unwrap().contains("token"), "{json}");
    }

    let (status, json) = post(&client, &api, Some(TOKEN), BODY).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(
        json,
        serde_json::json!({
            "accepted": 3,
            "new": 2,
            "rejected": [{"line": 3, "error": "published \"kemarin\" bukan waktu RFC 3339, misalnya 2026-11-27T08:00:00+08:00"}],
            "rejected_total": 1,
        })
    );
    let (status, json) = post(&client, &api, Some(TOKEN), BODY).await;
    assert_eq!((status, &json["new"]), (200, &serde_json::json!(0)));

    let line = "{\"source\":\"relawan-bpbd\",\"text\":\"banjir\"}\n";
    let oversize = line.repeat(MAX_INGEST_BYTES / line.len() + 1);
    // Without the token an oversize body is refused for the token, before it is read: the
    // answer is 401, or the server closes while the client is still sending (a broken pipe).
    let refused = client
        .post(format!("{}/api/ingest", api.base))
        .header("content-type", "application/x-ndjson")
        .body(oversize.clone())
        .send()
        .await;
    match refused {
        Ok(response) => assert_eq!(response.status().as_u16(), 401),
        Err(e) => assert!(e.is_request() || e.is_body(), "{e:?}"),
    }
    let (status, json) = post(&client, &api, Some(TOKEN), oversize).await;
    assert_eq!(status, 413);
    assert!(
        json["error"].as_str().unwrap().contains("lebih dari 10 MB"),
        "{json}"
    );

    let (status, json) = post(&client, &api, Some(TOKEN), "[{\"source\":\"a\"}]\n").await;
    assert_eq!(status, 400);
    assert!(json["error"].as_str().unwrap().contains("jq -c"), "{json}");

    let missing = client
        .get(format!("{}/api/tidak-ada", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    drop(client);
    api.stop().await;

    let mut store = project.store();
    assert_eq!(
        common::blocking(&mut store, |s| s.count_posts()).unwrap(),
        2
    );
    assert!(topics_of(&store, "r-1").contains(&"banjir".to_string()));
    assert_eq!(topics_of(&store, "r-2"), ["listrik"]);
    assert_eq!(
        source_kind(&store, "relawan-bpbd").as_deref(),
        Some("ingest")
    );
}

/// A port that is free now (the OS picks it; it is released at once for the daemon to take).
fn free_port() -> SocketAddr {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    probe.local_addr().unwrap()
}

/// `pantau run` serves the ingest endpoint on `[http] bind` and stops it with itself; a taken
/// port stops the start with the address and the key to change.
#[tokio::test(flavor = "multi_thread")]
async fn pantau_run_serves_ingest_and_refuses_a_taken_port() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let project = Project::new(&format!("[http]\nbind = \"{addr}\"\n"), "");
    let out = project.pantau(&["run"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "pantau: [http] bind {addr}: alamat sudah dipakai program lain"
        )),
        "{err}"
    );
    assert!(
        err.contains("saran: ubah [http] bind di konfigurasi"),
        "{err}"
    );
    drop(taken);

    let addr = free_port();
    let project = Project::new(
        &format!("[http]\nbind = \"{addr}\"\ntoken = \"{TOKEN}\"\n"),
        "",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["--config", project.config().to_str().unwrap(), "run"])
        .current_dir(project.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut answer = None;
    while answer.is_none() && Instant::now() < deadline {
        let sent = client
            .post(format!("http://{addr}/api/ingest"))
            .bearer_auth(TOKEN)
            .body(BODY)
            .send()
            .await;
        match sent {
            Ok(r) => answer = Some((r.status().as_u16(), r.text().await.unwrap())),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    drop(client);
    // SAFETY: kill(2) with a pid we own and a valid signal number has no memory effects.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("pantau run did not stop");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (code, body) = answer.expect("the daemon answered");
    assert_eq!(code, 200, "{body}");
    assert!(body.starts_with("{\"accepted\":3,\"new\":2,"), "{body}");
    assert!(status.success(), "{status:?}");
    let (posts, integrity) = project.with_store(|s| (s.count_posts(), s.integrity_check()));
    assert_eq!(posts.unwrap(), 2);
    assert_eq!(integrity.unwrap(), "ok");
}
