//! `pantau classify` and `pantau keywords check` with the shipped keyword lists, as a user runs
//! them: known sentences tagged right, control sentences left alone, the JSON contract of
//! DESIGN.md §2, and errors at file:line:col.

mod common;

use common::{Project, pantau_in, repo, stderr, stdout};
use serde_json::Value;

/// Sentences written the way people write, with the topics they must get (and no others).
const KNOWN: &[(&str, &[&str])] = &[
    (
        "Banjir setinggi lutut rendam perumahan di Bengkuring, Samarinda",
        &["banjir"],
    ),
    (
        "Tolong info, Jl. Pemuda tergenang lg gak? mau lewat",
        &["banjir"],
    ),
    (
        "BPBD Kukar catat 12 desa kebanjiran di Kota Bangun",
        &["banjir"],
    ),
    (
        "Titik panas bertambah, kabut asap mulai terasa di Samboja",
        &["karhutla"],
    ),
    (
        "Bocah 9 tahun tewas tenggelam di lubang bekas tambang di Samarinda",
        &["lubang-tambang"],
    ),
    (
        "Alat berat tambang ilegal disita polisi di Loa Kulu",
        &["tambang"],
    ),
    (
        "Ruas jalan poros Kubar-Mahulu rusak parah, truk sembako tertahan 3 hari",
        &["jalan-rusak"],
    ),
    (
        "Ponton batu bara kembali tabrak pilar Jembatan Mahakam",
        &["jembatan-mahakam"],
    ),
    (
        "Mati lampu 5 jam di Tanjung Redeb, PLN belum kasih penjelasan",
        &["listrik"],
    ),
    (
        "Air PDAM di Balikpapan Utara tidak mengalir sejak Senin",
        &["air-bersih"],
    ),
    (
        "Sopir truk antre solar sampai 2 km di SPBU Sangatta",
        &["bbm"],
    ),
    (
        "Elpiji 3 kg kosong di pangkalan, warga Tanah Grogot kebingungan",
        &["lpg"],
    ),
    (
        "Harga cabai rawit di Pasar Segiri tembus Rp100 ribu sekilo",
        &["sembako"],
    ),
    (
        "Inflasi Samarinda November dipicu beras dan bawang merah",
        &["sembako"],
    ),
    (
        "Warga Pemaluan minta kepastian ganti rugi lahan proyek IKN",
        &["ikn-lahan"],
    ),
    (
        "Harga tiket pesawat Balikpapan-Jakarta turun jelang akhir tahun",
        &["transportasi"],
    ),
    (
        "Sengketa lahan antara warga Muara Wahau dan perusahaan sawit belum selesai",
        &["konflik-lahan"],
    ),
    (
        "Urus akta kelahiran di Disdukcapil dipungut biaya, itu pungli kan?",
        &["pelayanan-publik"],
    ),
    (
        "Diskominfo: video banjir bandang di Tenggarong itu hoaks, kejadian tahun 2019",
        &["banjir", "hoaks"],
    ),
    (
        "Banjir di Sempaja, jalan berlubang makin parah",
        &["banjir", "jalan-rusak"],
    ),
];

/// The same words in another sense, and ordinary news: no topic.
const CONTROLS: &[&str] = &[
    "Banjir diskon 12.12 di semua toko online, buruan checkout",
    "Toko kue di Loa Janan kebanjiran pesanan jelang Lebaran",
    "Libur panjang enaknya jalan-jalan ke Pulau Maratua",
    "Api semangat para atlet dayung tak pernah padam",
    "Antrean penonton konser di GOR Segiri mengular sejak sore",
    "Pesut Mahakam terlihat bermain di perairan Muara Kaman",
    "Borneo FC menang 2-0 atas tamunya di Stadion Segiri",
    "Jalan sehat HUT Kota Bontang diikuti ribuan warga",
    "Resep ikan patin bakar khas Kutai yang gurih",
];

fn classify_json(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["classify", "--json"];
    all.extend_from_slice(args);
    let out = pantau_in(&repo(), &all);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn topic_ids(v: &Value) -> Vec<String> {
    let mut ids: Vec<String> = v["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn shipped_lists_are_valid_and_their_examples_pass() {
    let out = pantau_in(&repo(), &["keywords", "check"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("45 topik"), "{}", stdout(&out));
}

#[test]
fn known_sentences_are_tagged_and_controls_are_not() {
    let input: Vec<&str> = KNOWN
        .iter()
        .map(|(s, _)| *s)
        .chain(CONTROLS.iter().copied())
        .collect();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["classify", "--json"])
        .current_dir(repo())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.join("\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), input.len(), "one JSON object per input line");
    let mut wrong = Vec::new();
    for (i, (sentence, want)) in KNOWN.iter().enumerate() {
        let got = topic_ids(&lines[i]);
        if got != *want {
            wrong.push(format!("{sentence:?}: want {want:?}, got {got:?}"));
        }
    }
    for (j, sentence) in CONTROLS.iter().enumerate() {
        let got = topic_ids(&lines[KNOWN.len() + j]);
        if !got.is_empty() {
            wrong.push(format!("control {sentence:?} tagged {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The JSON object of DESIGN.md §2, with byte offsets into the input.
#[test]
fn json_shape_is_the_contract() {
    let text = "Jalan Pemuda di Samarinda kebanjiran lagi, warga kecewa dan marah";
    let v = &classify_json(&[text])[0];
    let topic = &v["topics"][0];
    assert_eq!(topic["id"], "banjir");
    assert_eq!(topic["name"], "Banjir, banjir rob dan genangan");
    assert_eq!(topic["category"], "bencana");
    assert_eq!(topic["priority"], "tinggi");
    let m = &topic["matches"][0];
    let (start, end) = (
        m["start"].as_u64().unwrap() as usize,
        m["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[start..end], m["text"].as_str().unwrap());
    assert_eq!(m["text"], "kebanjiran");
    let region = v["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "samarinda")
        .unwrap();
    assert_eq!(region["name"], "Kota Samarinda");
    assert_eq!(region["level"], "kota");
    assert_eq!(v["sentiment"]["class"], "negatif");
    assert_eq!(v["sentiment"]["score"], -2.0);

    // Offsets stay right after accents and slang, which change the text's length when folded.
    let text = "Sempája bnjir lg, jln rusak";
    let v = &classify_json(&[text])[0];
    for t in v["topics"].as_array().unwrap() {
        for m in t["matches"].as_array().unwrap() {
            let (s, e) = (
                m["start"].as_u64().unwrap() as usize,
                m["end"].as_u64().unwrap() as usize,
            );
            assert_eq!(&text[s..e], m["text"].as_str().unwrap());
        }
    }
    assert_eq!(topic_ids(v), ["banjir", "jalan-rusak"]);
}

#[test]
fn explain_shows_rules_and_words() {
    let out = pantau_in(
        &repo(),
        &[
            "classify",
            "--explain",
            "Banjir diskon di Balikpapan, tapi Sempaja kebanjiran",
        ],
    );
    let text = stdout(&out);
    assert!(out.status.success());
    // The exclusion vetoes the whole topic, and the listing says so.
    assert!(text.contains("banjir dikecualikan"), "{text}");
    assert!(
        text.contains("pengecualian \"banjir diskon\" cocok dengan \"Banjir diskon\""),
        "{text}"
    );
    assert!(text.contains("sempaja (Sempaja, landmark)"), "{text}");
}

#[test]
fn broken_lists_are_reported_at_file_line_col() {
    let project = Project::new("", "");
    std::fs::write(
        project.path().join("keywords/topics/listrik.toml"),
        "name = \"Listrik\"\nany = [\"listrik padam\"]\npatterns = ['(?<=a)b']\n[examples]\nmatch = [\"Air naik\"]\n",
    )
    .unwrap();
    std::fs::write(
        project.path().join("keywords/topics/banjir.toml"),
        "name = \"Banjir\"\nany = [\"banjir\"\n",
    )
    .unwrap();
    let out = project.pantau(&["keywords", "check"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("keywords/topics/listrik.toml:3:13: pola regex tidak valid: look-around, including look-ahead and look-behind, is not supported\n"),
        "{err}"
    );
    assert!(
        err.contains("keywords/topics/banjir.toml:2:16: TOML tidak valid"),
        "{err}"
    );
    assert!(err.contains("saran: "), "{err}");
    assert!(err.contains("2 galat di 2 berkas"), "{err}");

    // With the syntax fixed, a failing example is a check failure too.
    std::fs::write(
        project.path().join("keywords/topics/listrik.toml"),
        "name = \"Listrik\"\nany = [\"listrik padam\"]\n[examples]\nmatch = [\"Air naik\"]\n",
    )
    .unwrap();
    std::fs::write(
        project.path().join("keywords/topics/banjir.toml"),
        "name = \"Banjir\"\nany = [\"banjir\"]\n",
    )
    .unwrap();
    let out = project.pantau(&["keywords", "check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("keywords/topics/listrik.toml:4:10: contoh match \"Air naik\" tidak cocok"),
        "{}",
        stderr(&out)
    );

    // The daemon refuses to start on broken lists, listing the errors.
    std::fs::write(
        project.path().join("keywords/topics/banjir.toml"),
        "name = \"Banjir\"\nany = [\"banjir\"\n",
    )
    .unwrap();
    let out = project.pantau(&["run"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("pantau: memuat kata kunci"),
        "{}",
        stderr(&out)
    );
}

/// The shipped config file parses, with its documented defaults.
#[test]
fn the_shipped_config_parses() {
    let config = pantau::engine::Config::load(Some(&repo().join("config/default.toml"))).unwrap();
    let settings = &config.settings;
    assert_eq!(
        settings.schedule.timezone.iana_name(),
        Some("Asia/Makassar")
    );
    assert_eq!(settings.storage.path, repo().join("data/pantau.db"));
    // A starting set: outlets' feeds, Google News for each kabupaten/kota, public accounts.
    let kinds: std::collections::BTreeSet<&str> = config.sources.iter().map(|s| s.kind()).collect();
    assert!(kinds.is_superset(&["feed", "google_news", "mastodon", "reddit", "bluesky"].into()));
    let regions: std::collections::BTreeSet<&str> = config
        .sources
        .iter()
        .filter(|s| s.kind() == "google_news")
        .filter_map(|s| s.region.as_ref().map(|r| r.as_str()))
        .collect();
    assert!(
        regions.len() >= 10,
        "a Google News search per kabupaten/kota: {regions:?}"
    );
    // Every default region is in the gazetteer.
    let c = pantau::Classifier::load(&settings.keywords.dir).unwrap();
    for s in &config.sources {
        if let Some(r) = &s.region {
            assert!(c.regions().iter().any(|g| &g.id == r), "{}: {r}", s.id);
        }
    }
}

/// A query's clause and words show in `--explain`.
#[test]
fn explain_shows_the_query_clause() {
    let project = Project::new("", "");
    std::fs::write(
        project.path().join("keywords/topics/meluap.toml"),
        "name = \"Air meluap\"\nquery = '\"air meluap\" NEAR/3 (sungai OR parit)'\n",
    )
    .unwrap();
    let out = project.pantau(&["classify", "--explain", "Air meluap dari parit di Sempaja"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        text.contains("klausa query terpenuhi: \"air meluap\" NEAR/3 (sungai OR parit)"),
        "{text}"
    );
    assert!(
        text.contains("istilah \"air meluap\" cocok dengan \"Air meluap\" [0..10 teks]"),
        "{text}"
    );
    assert!(
        text.contains("istilah \"parit\" cocok dengan \"parit\""),
        "{text}"
    );
}

/// `keywords backtest` re-tags stored posts with the lists on disk and reports gains and
/// losses per topic without writing; `keywords suggest` proposes words of a topic's posts.
#[test]
fn backtest_and_suggest_on_the_demo() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let pg = common::test_database();
    let out = common::demo_in(tmp.path(), &dir, pg.as_ref());
    assert!(out.status.success(), "{}", stderr(&out));
    let config = dir.join("config/default.toml");
    let config = config.to_str().unwrap();
    // What "writes nothing" compares: the SQLite file byte for byte; on PostgreSQL every
    // table a backtest could touch, row for row.
    let db = dir.join("data/pantau.db");
    let snapshot = || -> Vec<Vec<u8>> {
        match &pg {
            None => vec![std::fs::read(&db).unwrap()],
            Some(pg) => {
                let sql = common::Db::postgres(pg.url().expose());
                [
                    "posts",
                    "post_topics",
                    "post_regions",
                    "post_mentions",
                    "stories",
                    "meta",
                ]
                .iter()
                .map(|t| {
                    let rows = sql.values(&format!("SELECT * FROM {t} ORDER BY 1, 2"), &[]);
                    format!("{t}: {rows:?}").into_bytes()
                })
                .collect()
            }
        }
    };
    let before = snapshot();

    // Drop a term from banjir and add a careless one to sembako.
    let banjir = dir.join("keywords/topics/banjir.toml");
    let text = std::fs::read_to_string(&banjir).unwrap();
    std::fs::write(
        &banjir,
        text.replace("\"kebanjiran\", ", "")
            .replace("\"Sempaja kebanjiran lagi\",", ""),
    )
    .unwrap();
    let sembako = dir.join("keywords/topics/sembako.toml");
    let text = std::fs::read_to_string(&sembako).unwrap();
    std::fs::write(
        &sembako,
        text.replacen("any = [", "any = [\"rumah warga\", ", 1),
    )
    .unwrap();

    let out = pantau_in(
        tmp.path(),
        &[
            "--config",
            config,
            "keywords",
            "backtest",
            "--since",
            "2020-01-01",
        ],
    );
    let report = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    let line = |topic: &str| {
        report
            .lines()
            .find(|l| l.starts_with(&format!("{topic} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line("banjir").contains("+0") && !line("banjir").contains("-0"),
        "{report}"
    );
    assert!(
        line("sembako").contains("-0") && !line("sembako").contains("+0"),
        "{report}"
    );
    assert!(report.contains("  - ["), "samples of lost posts: {report}");
    assert!(
        report.contains("  + ["),
        "samples of gained posts: {report}"
    );
    assert!(snapshot() == before, "backtest writes nothing");

    let out = pantau_in(
        tmp.path(),
        &[
            "--config",
            config,
            "keywords",
            "suggest",
            "banjir",
            "--since",
            "2020-01-01",
        ],
    );
    let report = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(report.lines().any(|l| l.starts_with("bpbd ")), "{report}");
    assert!(
        !report.lines().any(|l| l.starts_with("banjir ")),
        "terms already listed are not suggested: {report}"
    );

    let out = pantau_in(
        tmp.path(),
        &["--config", config, "keywords", "suggest", "tidak-ada"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("topik \"tidak-ada\" tidak ada"),
        "{}",
        stderr(&out)
    );
}

/// konten-sara's trained model tags an attack on a group that has no slur next to the group
/// word, through the same output as the keyword rule, and never a post that names no group.
#[test]
fn the_sara_model_decides_only_with_a_group_word() {
    let results: Vec<Value> = [
        "orang cina semua penipu licik harus dilawan",
        "mereka semua penipu licik harus dilawan",
        "dasar cina babi",
    ]
    .iter()
    .map(|t| classify_json(&[t]).remove(0))
    .collect();
    let sara = |v: &Value| -> Option<Value> {
        v["topics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == "konten-sara")
            .cloned()
    };
    let models = |v: &Value| v["models"].as_array().unwrap().clone();

    // The model decided: its clause, and its verdict above the threshold.
    let hit = sara(&results[0]).expect("the model tags an attack on a group");
    assert_eq!(hit["clauses"], serde_json::json!(["model"]));
    assert_eq!(hit["role"], "primary");
    let m = &models(&results[0])[0];
    assert_eq!(m["topic"], "konten-sara");
    assert_eq!(m["decided"], true);
    assert!(m["probability"].as_f64().unwrap() >= m["threshold"].as_f64().unwrap());

    // The same attack without a group word: the model is not even run.
    assert!(sara(&results[1]).is_none(), "{}", results[1]);
    assert!(models(&results[1]).is_empty());

    // The keyword rule matched: the model gives its probability but does not decide.
    let hit = sara(&results[2]).expect("the list tags a slur next to a group");
    assert!(!hit["clauses"].as_array().unwrap().contains(&"model".into()));
    assert_eq!(models(&results[2])[0]["decided"], false);

    let out = pantau_in(
        &repo(),
        &[
            "classify",
            "--explain",
            "orang cina semua penipu licik harus dilawan",
        ],
    );
    let text = stdout(&out);
    assert!(text.contains("Model konten-sara: peluang 0."), "{text}");
    assert!(
        text.contains("memutuskan: topik ditandai oleh model"),
        "{text}"
    );
    assert!(text.contains("model terlatih memutuskan"), "{text}");
}

/// `model` needs a known model and its `model_requires`.
#[test]
fn a_topic_model_must_be_known_and_gated() {
    let project = Project::new("", "");
    std::fs::write(
        project.path().join("keywords/topics/x.toml"),
        "name = \"X\"\nany = [\"x\"]\nmodel = \"sentimen\"\nmodel_requires = 'cina'\n",
    )
    .unwrap();
    std::fs::write(
        project.path().join("keywords/topics/y.toml"),
        "name = \"Y\"\nany = [\"y\"]\nmodel = \"sara\"\n",
    )
    .unwrap();
    let out = project.pantau(&["keywords", "check"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("keywords/topics/x.toml:3:9: model: \"sentimen\" tidak dikenal"),
        "{err}"
    );
    assert!(
        err.contains("keywords/topics/y.toml:3:9: model tanpa model_requires"),
        "{err}"
    );
}
