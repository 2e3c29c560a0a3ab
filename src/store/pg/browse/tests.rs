//! The PostgreSQL reads against SQLite's over the same rows: a store written through the
//! SQLite write path, copied (`copied_to_postgres`), then read from both. Without a test
//! server only the SQLite half runs (after a notice).

use jiff::{SignedDuration, Timestamp};

use crate::classify::{SentimentClass, Tags};
use crate::model::{Post, RegionId, SourceId, SourceInfo, TopicId};
use crate::sources::article::ItemKey;
use crate::store::briefings::{BriefingDelivery, BriefingRecord};
use crate::store::browse::{ExportFilter, ListedPost, PostFilter};
use crate::store::search::Search;
use crate::store::testing::{TestDb, copied_to_postgres};
use crate::store::{Browse, SqliteStore, Store, StoreError, Writes};

/// The start of the generated posts' week.
const START: &str = "2026-11-20T00:00:00Z";

fn at(hours: i64, minutes: i64) -> Timestamp {
    START.parse::<Timestamp>().unwrap()
        + SignedDuration::from_hours(hours)
        + SignedDuration::from_mins(minutes)
}

/// Texts with what search has to fold or take apart: case, accents, hyphens, punctuation,
/// quotes, tsquery's and FTS5's own syntax typed as text.
const TEXTS: &[(&str, Option<&str>)] = &[
    (
        "Banjir merendam Samarindá, air setinggi 50 cm",
        Some("BANJIR di Sempaja"),
    ),
    ("Warga Samarinda mengungsi; banjir belum surut.", None),
    (
        "Kota-kota di Kaltim bersiap menghadapi banjir rob",
        Some("Kota-kota waspada"),
    ),
    ("Jalan rusak (lagi) di Balikpapan: warga protes!", None),
    (
        "Harga cabai naik, Rp 3,5 juta per kuintal di pasar Segiri",
        Some("Harga Cabai"),
    ),
    (
        "Tanggul jebol di Loa Janan, it's a'b test & | ! <-> :*",
        None,
    ),
    ("ÉCOLE élève naïve façade Bontang über", Some("Café Crème")),
    (
        "Kebakaran lahan di Kutai Timur, asap menyelimuti Sangatta",
        None,
    ),
    (
        "Pemadaman listrik bergilir di Berau dan Tanjung Redeb",
        Some("PLN: pemadaman"),
    ),
    (
        "Demo mahasiswa menolak tambang ilegal di Samarinda Seberang",
        None,
    ),
    (
        "banjir-bandang di Mahakam Ulu, Samarinda kirim bantuan",
        Some("Bantuan banjir"),
    ),
    ("Diskon banjir harga di mal Balikpapan akhir pekan", None),
];

/// Topic and region ids, with case and punctuation that order differently by locale.
const TOPICS: &[&str] = &["banjir", "Banjir_b", "jalan-rusak", "harga", "kebakaran"];
const REGIONS: &[&str] = &["samarinda", "balikpapan", "Kutai_Timur", "berau", "kaltim"];
const SOURCES: &[(&str, Option<&str>)] = &[
    ("kaltimpost", Some("feed")),
    ("warga", Some("mastodon")),
    ("tribun", Some("feed")),
    ("tanpa-sumber", None),
];

fn tags(i: usize) -> Tags {
    let pick = |ids: &[&str], n: usize| -> Vec<String> {
        (0..n)
            .map(|k| ids[(i * 7 + k * 3) % ids.len()].to_string())
            .collect()
    };
    let mut topics = pick(TOPICS, i % 3);
    topics.dedup();
    let mut regions = pick(REGIONS, (i / 2) % 3);
    regions.dedup();
    let sentiment = match i % 4 {
        0 => None,
        1 => Some((SentimentClass::Negatif, -0.625)),
        2 => Some((SentimentClass::Positif, 0.3)),
        _ => Some((SentimentClass::Netral, 0.0)),
    };
    Tags {
        topics: topics.iter().map(TopicId::new).collect(),
        areas: regions.iter().map(RegionId::new).collect(),
        regions: regions.iter().map(RegionId::new).collect(),
        mentioned_topics: pick(TOPICS, i % 2)
            .iter()
            .filter(|t| !topics.contains(t))
            .map(|t| (TopicId::new(t), 0.25))
            .collect(),
        mentioned_regions: pick(REGIONS, (i + 1) % 2)
            .iter()
            .filter(|r| !regions.contains(r))
            .map(|r| (RegionId::new(r), 0.5))
            .collect(),
        sentiment,
        fingerprint: None,
        text_hash: None,
    }
}

/// The generated posts: every text from every source at several times, some at the same
/// second (paging must order them by id), with and without titles, URLs and reach.
fn generated() -> Vec<(Post, Tags)> {
    let mut out = Vec::new();
    for (i, (text, title)) in TEXTS.iter().cycle().take(TEXTS.len() * 6).enumerate() {
        // Each round of the texts comes from other sources: copies spread over sources.
        let (source, _) = SOURCES[(i + i / TEXTS.len()) % SOURCES.len()];
        // Two posts to each second: paging orders them by id.
        let published = at(i as i64 / 2, 0);
        let post = Post {
            source: SourceId::new(source),
            external_id: format!("g{i}"),
            url: (i % 5 != 0).then(|| format!("https://{source}.example/berita/{i}")),
            title: title.filter(|_| i % 2 == 0).map(str::to_owned),
            text: format!("{text} #{}", i / TEXTS.len()),
            author: (i % 3 == 0).then(|| format!("penulis{}", i % 4)),
            published,
            fetched: published,
            lang: match i % 4 {
                0 => Some("id".into()),
                1 => Some("en-GB".into()),
                2 => None,
                _ => Some("jv".into()),
            },
            platform: None,
            reach: crate::model::Reach {
                likes: (i % 2 == 0).then_some(i as u64),
                shares: (i % 3) as u64,
                comments: None,
                views: (i % 5 == 1).then_some(1000 + i as u64),
                followers: None,
            },
        };
        out.push((post, tags(i)));
    }
    out
}

/// The posts of `pantau demo`'s corpus (twelve imagined news sites and social accounts, about
/// 430 items): its feeds read by the feed reader and tagged by the starter keyword lists, as
/// the demo does.
fn demo_posts() -> Vec<(Post, Tags)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let classifier = crate::classify::Classifier::load(&root.join("keywords")).unwrap();
    let mut files: Vec<_> = std::fs::read_dir(root.join("demo/feeds"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let fetched: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
    let mut out = Vec::new();
    for path in files {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let doc = crate::sources::http::Document {
            body: std::fs::read(&path).unwrap(),
            content_type: None,
            url: url::Url::parse(&format!("https://{stem}.example/feed")).unwrap(),
            validators: Default::default(),
        };
        let source = SourceId::new(stem.as_str());
        let (posts, _) = crate::sources::feed::parse::parse(&doc, &source, fetched).unwrap();
        for post in posts {
            let tags = classifier.tags(&post, None);
            out.push((post, tags));
        }
    }
    out
}

/// A SQLite store with the demo's corpus (classified, in stories) and the generated posts,
/// briefings and delivery tries.
fn corpus(dir: &std::path::Path) -> SqliteStore {
    let mut store = SqliteStore::open(&dir.join("pantau.db")).unwrap();
    let demo = demo_posts();
    assert!(demo.len() > 400, "{} demo posts", demo.len());
    for chunk in demo.chunks(50) {
        store.insert_posts(chunk, "v-demo").unwrap();
    }
    let sources: Vec<SourceInfo> = SOURCES
        .iter()
        .filter_map(|(id, kind)| {
            Some(SourceInfo {
                id: SourceId::new(*id),
                kind: kind.as_ref()?.to_string(),
                name: None,
                location: format!("https://{id}.example/feed"),
                region: None,
            })
        })
        .collect();
    store.sync_sources(&sources).unwrap();
    for chunk in generated().chunks(17) {
        store.insert_posts(chunk, "v-uji").unwrap();
    }
    store.finish_pending().unwrap();
    for (k, date) in ["2026-11-21", "2026-11-22", "2026-W48", "2026-11"]
        .iter()
        .enumerate()
    {
        let end = at(24 * (k as i64 + 2), 0);
        store
            .record_briefing(&BriefingRecord {
                date: date.to_string(),
                generated_at: end,
                period_start: end - SignedDuration::from_hours(24),
                period_end: end,
                dir: "/tmp/briefing".into(),
                issues: k as u64,
                posts: 10 * k as u64,
                keywords_version: "v-uji".into(),
            })
            .unwrap();
    }
    /// Date, sink, recipient, attempt, error, hours after [`START`].
    type Try<'a> = (&'a str, &'a str, &'a str, u32, Option<&'a str>, i64);
    let tries: &[Try<'_>] = &[
        ("2026-11-21", "email", "a@x.id", 1, Some("SMTP 550"), 30),
        ("2026-11-21", "email", "a@x.id", 2, None, 31),
        ("2026-11-22", "email", "a@x.id", 1, Some("gagal"), 55),
        ("2026-11-22", "telegram", "-100", 1, None, 55),
        ("2026-11-22", "email", "b@x.id", 1, Some("penuh"), 56),
        ("2026-W48", "telegram", "-100", 1, Some("429"), 78),
        ("2026-11-21", "email", "c@x.id", 3, Some("lama"), 53),
    ];
    for &(date, sink, recipient, attempt, error, hours) in tries {
        store
            .record_briefing_delivery(&BriefingDelivery {
                date: date.into(),
                sink: sink.into(),
                recipient: recipient.into(),
                attempt,
                error: error.map(str::to_owned),
                at: at(hours, 0),
            })
            .unwrap();
    }
    store
}

/// The demo and generated corpus on SQLite, and its copy on PostgreSQL when there is a test
/// server.
fn both() -> (tempfile::TempDir, Store, Option<(TestDb, Store)>) {
    let dir = tempfile::tempdir().unwrap();
    let mut sqlite = corpus(dir.path());
    let pg = copied_to_postgres(&mut sqlite);
    (dir, Store::Sqlite(sqlite), pg)
}

/// What a list of posts says, field for field, for comparing backends.
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap()
}

/// Every page of `filter`, following the cursors to the end.
fn all_pages(store: &Store, filter: &PostFilter) -> Result<Vec<Vec<ListedPost>>, StoreError> {
    let mut pages = Vec::new();
    let mut filter = filter.clone();
    loop {
        let page = store.posts_page(&filter)?;
        pages.push(page.posts);
        match page.next {
            Some(next) => filter.after = Some(next),
            None => return Ok(pages),
        }
    }
}

/// Queries typed as people type them, and as they should not.
const QUERIES: &[&str] = &[
    "banjir",
    "BANJIR",
    "samarinda",
    "Samarindá",
    "SAMARINDA banjir",
    "samar*",
    "ban*",
    "\"tanggul jebol\"",
    "\"banjir rob\"",
    "\"kota kota\"",
    "kota-kota",
    "banjir OR kebakaran",
    "banjir -diskon",
    "banjir NOT diskon",
    "banjir OR kebakaran -samarinda",
    "ecole",
    "école ÉLÈVE",
    "naive",
    "uber",
    "cafe creme",
    "a'b",
    ":*",
    "&|!",
    "((",
    "",
    "   ",
    "-- ** \"\"",
    "it's",
    "x:* & y | !z <-> (w)",
    "\\ ' \"",
    "jalan rus*",
    "lang:en banjir",
    "lang:jv",
    "cabai lang:id",
    "tidakadakataini",
    "juta",
];

/// Every read of `Browse`, on SQLite and on its PostgreSQL copy: the same answers in the
/// same order, over the demo's corpus and the generated posts.
#[test]
fn postgres_reads_answer_as_sqlite_over_the_same_rows() {
    let (_dir, sqlite, pg) = both();
    let Some((_db, pg)) = pg else { return };
    let stores = [("SQLite", &sqlite), ("PostgreSQL", &pg)];
    let same = |what: &str, read: &dyn Fn(&Store) -> String| {
        let [(_, a), (_, b)] = stores;
        let (a, b) = (read(a), read(b));
        assert!(
            a == b,
            "{what}: PostgreSQL differs from SQLite\n--- SQLite\n{a}\n--- PostgreSQL\n{b}"
        );
    };

    let n = sqlite.count_posts().unwrap();
    assert!(n > 400, "the corpus has {n} posts");
    same("count_posts", &|s| s.count_posts().unwrap().to_string());
    same("count_tagged_posts", &|s| {
        s.count_tagged_posts().unwrap().to_string()
    });
    for hours in [0, 30, 100, 10_000] {
        let since = at(hours, 0);
        same(&format!("count_posts_since {since}"), &|s| {
            s.count_posts_since(since).unwrap().to_string()
        });
        same(&format!("scan_posts {since}"), &|s| {
            let mut rows = Vec::new();
            s.scan_posts(since, |r| rows.push(format!("{r:?}")))
                .unwrap();
            rows.join("\n")
        });
    }
    let periods = [
        (None, None),
        (Some(at(10, 0)), None),
        (None, Some(at(25, 0))),
        (Some(at(5, 0)), Some(at(30, 0))),
        (Some("2026-11-25T00:00:00Z".parse().unwrap()), None),
    ];

    compare_pages(&same, &periods);
    compare_search(&same, &periods);
    compare_export(&same, &periods);
    compare_stories_and_briefings(&sqlite, &same);

    let items = [
        ItemKey {
            external_id: "g1".into(),
            url: None,
        },
        ItemKey {
            external_id: "nope".into(),
            url: Some("https://tribun.example/berita/2".into()),
        },
        ItemKey {
            external_id: "nope".into(),
            url: Some("https://nowhere.example/x".into()),
        },
        ItemKey {
            external_id: "g2".into(),
            url: None,
        },
    ];
    same("stored_items", &|s| {
        format!(
            "{:?}",
            s.stored_items(&SourceId::new("warga"), &items).unwrap()
        )
    });
    same("stored_items of nothing", &|s| {
        format!(
            "{:?}",
            s.stored_items(&SourceId::new("warga"), &[]).unwrap()
        )
    });
    let answers = pg.stored_items(&SourceId::new("warga"), &items).unwrap();
    assert_eq!(answers, [true, true, false, false], "PostgreSQL");
}

type Same<'a> = dyn Fn(&str, &dyn Fn(&Store) -> String) + 'a;

fn compare_pages(same: &Same<'_>, periods: &[(Option<Timestamp>, Option<Timestamp>)]) {
    let mut compared = 0;
    for topic in [None, Some("banjir"), Some("Banjir_b"), Some("tidak-ada")] {
        for region in [None, Some("samarinda"), Some("Kutai_Timur")] {
            for source in [None, Some("warga")] {
                for query in [None, Some("banjir"), Some("samar* OR kota"), Some("&|!")] {
                    for &(since, until) in periods {
                        let filter = PostFilter {
                            topic: topic.map(str::to_owned),
                            region: region.map(str::to_owned),
                            source: source.map(str::to_owned),
                            query: query.map(str::to_owned),
                            since,
                            until,
                            after: None,
                            limit: if query.is_some() { 3 } else { 40 },
                        };
                        same(&format!("posts_page {filter:?}"), &|s| {
                            json(&all_pages(s, &filter).unwrap())
                        });
                        compared += 1;
                    }
                }
            }
        }
    }
    // Every page size, over everything.
    for limit in [0, 1, 200, 1000] {
        let filter = PostFilter {
            limit,
            ..PostFilter::default()
        };
        same(&format!("posts_page limit {limit}"), &|s| {
            json(&s.posts_page(&filter).unwrap().posts)
        });
    }
    assert!(compared > 400);
}

fn compare_search(same: &Same<'_>, periods: &[(Option<Timestamp>, Option<Timestamp>)]) {
    for query in QUERIES {
        for &(since, until) in periods.iter().take(3) {
            for limit in [0, 5, usize::MAX] {
                let search = Search {
                    query: query.to_string(),
                    since,
                    until,
                    limit,
                };
                same(&format!("search {search:?}"), &|s| {
                    json(&s.search(&search).unwrap())
                });
            }
        }
    }
}

fn compare_export(same: &Same<'_>, periods: &[(Option<Timestamp>, Option<Timestamp>)]) {
    for topic in [None, Some("banjir"), Some("harga")] {
        for region in [None, Some("samarinda"), Some("berau")] {
            for mentioned in [false, true] {
                for &(since, until) in periods {
                    let filter = ExportFilter {
                        topic: topic.map(str::to_owned),
                        region: region.map(str::to_owned),
                        since,
                        until,
                        mentioned,
                    };
                    same(&format!("export {filter:?}"), &|s| {
                        let mut posts = Vec::new();
                        let n = s
                            .export_posts(&filter, |p| {
                                posts.push(p);
                                Ok::<_, StoreError>(())
                            })
                            .unwrap();
                        let counted = s.count_export(&filter).unwrap();
                        format!("{n} {counted}\n{}", json(&posts))
                    });
                }
            }
        }
    }
}

fn compare_stories_and_briefings(sqlite: &Store, same: &Same<'_>) {
    let Store::Sqlite(s) = sqlite else {
        unreachable!()
    };
    let ids: Vec<i64> = s
        .connection()
        .prepare("SELECT id FROM stories ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(ids.len() > 20, "{} stories", ids.len());
    // Some spread over several sources of different kinds (and one with no source row).
    let spread = ids
        .iter()
        .filter(|&&id| sqlite.story(id).unwrap().is_some_and(|s| s.kinds.len() > 1))
        .count();
    assert!(spread > 0, "no story spans kinds");
    for &id in ids.iter().chain(&[0, 999_999]) {
        same(&format!("story {id}"), &|s| {
            format!("{:?}", s.story(id).unwrap())
        });
        for limit in [1, 1000] {
            same(&format!("story_posts {id} {limit}"), &|s| {
                json(&s.story_posts(id, limit).unwrap())
            });
        }
    }
    for limit in [0, 1, 3, 100] {
        same(&format!("briefings {limit}"), &|s| {
            format!("{:?}", s.briefings(limit).unwrap())
        });
    }
    let dates = [
        "2026-11-21",
        "2026-11-22",
        "2026-W48",
        "2026-11",
        "2025-01-01",
    ];
    for date in dates {
        same(&format!("briefing {date}"), &|s| {
            format!("{:?}", s.briefing(date).unwrap())
        });
        same(&format!("briefing_deliveries {date}"), &|s| {
            format!("{:?}", s.briefing_deliveries(date).unwrap())
        });
    }
    same("failed_briefing_deliveries", &|s| {
        format!("{:?}", s.failed_briefing_deliveries().unwrap())
    });
}

/// What search should find, said outright, on both backends: accents and case fold, prefixes,
/// phrases, OR and NOT, periods, languages, and hostile input finds nothing without failing.
#[test]
fn search_folds_accents_and_case_and_keeps_operators_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut sqlite = SqliteStore::open(&dir.path().join("p.db")).unwrap();
    let posts: Vec<(Post, Tags)> = generated().into_iter().take(TEXTS.len()).collect();
    sqlite.insert_posts(&posts, "v").unwrap();
    sqlite.finish_pending().unwrap();
    let pg = copied_to_postgres(&mut sqlite);
    let mut stores = vec![("SQLite", Store::Sqlite(sqlite), None)];
    if let Some((db, store)) = pg {
        stores.push(("PostgreSQL", store, Some(db)));
    }
    let search = |store: &Store, query: &str| -> Vec<String> {
        store
            .search(&Search {
                query: query.into(),
                since: None,
                until: None,
                limit: 100,
            })
            .unwrap()
            .into_iter()
            .map(|p| gid(&p.post))
            .collect()
    };
    for (backend, store, _) in &stores {
        let found = |q: &str| search(store, q);
        // Newest first.
        assert_eq!(found("samarinda"), ["g10", "g9", "g1", "g0"], "{backend}");
        assert_eq!(found("SAMARINDÁ"), found("samarinda"), "{backend}");
        assert_eq!(found("ecole eleve"), ["g6"], "{backend}");
        assert_eq!(found("café"), ["g6"], "{backend}");
        assert_eq!(found("samar*"), found("samarinda"), "{backend}");
        assert_eq!(found("\"tanggul jebol\""), ["g5"], "{backend}");
        assert_eq!(
            found("\"jebol tanggul\""),
            Vec::<String>::new(),
            "{backend}"
        );
        assert_eq!(found("\"kota kota\""), ["g2"], "{backend}");
        assert_eq!(found("banjir -samarinda"), ["g11", "g2"], "{backend}");
        assert_eq!(found("cabai OR kebakaran"), ["g7", "g4"], "{backend}");
        assert_eq!(found("a'b"), ["g5"], "{backend}");
        assert_eq!(found("lang:en samarinda"), ["g9", "g1"], "{backend}");
        for hostile in [":*", "&|!", "((", "'", "\\", "", "-- ** \"\""] {
            assert!(found(hostile).is_empty(), "{backend}: {hostile}");
        }
        let period = store
            .search(&Search {
                query: "samarinda".into(),
                since: Some(at(0, 30)),
                until: Some(at(5, 0)),
                limit: 1,
            })
            .unwrap();
        let ids: Vec<String> = period.iter().map(|p| gid(&p.post)).collect();
        assert_eq!(ids, ["g9"], "{backend}");
    }
}

/// Keyset paging on both backends: pages follow each other without a gap or a repeat, posts
/// of the same second by id, and every filter applies.
#[test]
fn pages_follow_each_other_by_cursor_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let mut sqlite = SqliteStore::open(&dir.path().join("p.db")).unwrap();
    sqlite.insert_posts(&generated(), "v").unwrap();
    sqlite.finish_pending().unwrap();
    let pg = copied_to_postgres(&mut sqlite);
    let mut stores = vec![("SQLite", Store::Sqlite(sqlite), None)];
    if let Some((db, store)) = pg {
        stores.push(("PostgreSQL", store, Some(db)));
    }
    for (backend, store, _) in &stores {
        let filter = PostFilter {
            limit: 7,
            ..PostFilter::default()
        };
        let pages = all_pages(store, &filter).unwrap();
        assert_eq!(pages.len(), 11, "{backend}");
        let ids: Vec<i64> = pages.iter().flatten().map(|p| p.post.id).collect();
        assert_eq!(ids.len(), 72, "{backend}");
        let mut sorted: Vec<(Timestamp, i64)> = pages
            .iter()
            .flatten()
            .map(|p| (p.post.published, p.post.id))
            .collect();
        sorted.sort_by(|a, b| b.cmp(a));
        let got: Vec<(Timestamp, i64)> = pages
            .iter()
            .flatten()
            .map(|p| (p.post.published, p.post.id))
            .collect();
        assert_eq!(got, sorted, "{backend}: newest first, then highest id");
        let filter = PostFilter {
            topic: Some("banjir".into()),
            region: Some("samarinda".into()),
            source: Some("kaltimpost".into()),
            query: Some("banjir".into()),
            limit: 200,
            ..PostFilter::default()
        };
        for p in store.posts_page(&filter).unwrap().posts {
            assert!(p.topics.contains(&"banjir".to_string()), "{backend}");
            assert!(p.regions.contains(&"samarinda".to_string()), "{backend}");
            assert_eq!(p.post.source.as_str(), "kaltimpost", "{backend}");
        }
        let nothing = PostFilter {
            query: Some("&|!".into()),
            ..PostFilter::default()
        };
        let page = store.posts_page(&nothing).unwrap();
        assert!(page.posts.is_empty() && page.next.is_none(), "{backend}");
    }
}

/// An export stops at the first error of its callback and hands it back, on both backends,
/// and reads past one batch of rows.
#[test]
fn an_export_streams_every_row_and_stops_at_the_first_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut sqlite = SqliteStore::open(&dir.path().join("p.db")).unwrap();
    // More than one batch of the PostgreSQL reader, every post with a topic.
    let many: Vec<(Post, Tags)> = (0..1234)
        .map(|i| {
            let mut post = generated().swap_remove(i % 24).0;
            post.external_id = format!("m{i}");
            post.url = None;
            post.text = format!("{} nomor {i}", post.text);
            post.published = at(i as i64 / 10, (i % 10) as i64);
            let mut t = tags(1);
            t.topics = vec![TopicId::new("banjir")];
            (post, t)
        })
        .collect();
    sqlite.insert_posts(&many, "v").unwrap();
    sqlite.finish_pending().unwrap();
    let pg = copied_to_postgres(&mut sqlite);
    let mut stores = vec![("SQLite", Store::Sqlite(sqlite), None)];
    if let Some((db, store)) = pg {
        stores.push(("PostgreSQL", store, Some(db)));
    }
    for (backend, store, _) in &stores {
        let filter = ExportFilter::default();
        assert_eq!(store.count_export(&filter).unwrap(), 1234, "{backend}");
        let mut last = None;
        let n = store
            .export_posts(&filter, |p| {
                assert!(last <= Some((p.post.published, p.post.id)), "{backend}");
                last = Some((p.post.published, p.post.id));
                Ok::<_, StoreError>(())
            })
            .unwrap();
        assert_eq!(n, 1234, "{backend}");
        let mut seen = 0;
        let err = store
            .export_posts(&filter, |_| {
                seen += 1;
                if seen == 700 {
                    Err(StoreError::WriterGone)
                } else {
                    Ok(())
                }
            })
            .unwrap_err();
        assert!(matches!(err, StoreError::WriterGone), "{backend}");
        assert_eq!(seen, 700, "{backend}");
        // The connection is usable after the stopped export.
        assert_eq!(store.count_posts().unwrap(), 1234, "{backend}");
        let mut scanned = 0;
        store.scan_posts(at(0, 0), |_| scanned += 1).unwrap();
        assert_eq!(scanned, 1234, "{backend}");
    }
}

/// The failed tries of the most recent sending: the last try per recipient, within a day of
/// the newest try, only when it failed.
#[test]
fn failed_deliveries_are_the_last_tries_of_the_latest_sending() {
    let dir = tempfile::tempdir().unwrap();
    let mut sqlite = SqliteStore::open(&dir.path().join("p.db")).unwrap();
    let tries: &[(&str, &str, u32, Option<&str>, i64)] = &[
        ("2026-11-20", "a", 1, Some("lama"), 0),
        ("2026-11-21", "a", 1, Some("x"), 24),
        ("2026-11-21", "a", 2, None, 25),
        ("2026-11-21", "b", 1, Some("y"), 25),
        ("2026-11-22", "c", 1, Some("z"), 48),
    ];
    for &(date, recipient, attempt, error, hours) in tries {
        sqlite
            .record_briefing_delivery(&BriefingDelivery {
                date: date.into(),
                sink: "email".into(),
                recipient: recipient.into(),
                attempt,
                error: error.map(str::to_owned),
                at: at(hours, 0),
            })
            .unwrap();
    }
    let pg = copied_to_postgres(&mut sqlite);
    let mut stores = vec![("SQLite", Store::Sqlite(sqlite), None)];
    if let Some((db, store)) = pg {
        stores.push(("PostgreSQL", store, Some(db)));
    }
    for (backend, store, _) in &stores {
        let failed: Vec<(String, String)> = store
            .failed_briefing_deliveries()
            .unwrap()
            .into_iter()
            .map(|d| (d.date, d.recipient))
            .collect();
        // b tried at 25h is within 24 hours of the newest (48h); a's last try succeeded.
        assert_eq!(
            failed,
            [
                ("2026-11-21".to_string(), "b".to_string()),
                ("2026-11-22".into(), "c".into())
            ],
            "{backend}"
        );
        let day = store.briefing_deliveries("2026-11-21").unwrap();
        let attempts: Vec<u32> = day.iter().map(|d| d.attempt).collect();
        assert_eq!(attempts, [1, 2, 1], "{backend}");
    }
}

/// On a few thousand posts, PostgreSQL answers a search through the `posts_search` index.
#[test]
fn search_uses_the_gin_index() {
    let Some(db) = TestDb::create() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut sqlite = SqliteStore::open(&dir.path().join("p.db")).unwrap();
    let many: Vec<(Post, Tags)> = (0..3000)
        .map(|i| {
            let mut post = generated().swap_remove(i % 24).0;
            post.external_id = format!("m{i}");
            post.url = None;
            post.text = format!("{} kata{i} nomor {}", post.text, i % 97);
            post.published = at(i as i64 / 10, (i % 10) as i64);
            (post, tags(0))
        })
        .collect();
    sqlite.insert_posts(&many, "v").unwrap();
    sqlite.finish_pending().unwrap();
    let store = super::PgStore::connect(db.url()).unwrap();
    crate::store::pg::copy::copy_from_sqlite(&mut sqlite, &store, |_, _, _| {}).unwrap();
    let mut c = postgres::Client::connect(db.url().expose(), postgres::NoTls).unwrap();
    c.batch_execute("ANALYZE posts").unwrap();
    let sql = format!(
        "EXPLAIN SELECT p.id FROM posts p WHERE {} ORDER BY p.published_at DESC, p.id DESC LIMIT 50",
        super::MATCHES.replace("{}", "$1")
    );
    let query = crate::store::search::ts_query("kata1234 OR kata2345").unwrap();
    let plan: Vec<String> = c
        .query(&sql, &[&query])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let plan = plan.join("\n");
    assert!(plan.contains("posts_search"), "{plan}");
    let found = Store::Postgres(store)
        .search(&Search {
            query: "kata1234".into(),
            limit: 10,
            ..Search::default()
        })
        .unwrap();
    assert_eq!(found.len(), 1);
}

/// A generated post's name (`g3`) from its id: they were stored in order, from id 1.
fn gid(p: &crate::store::StoredPost) -> String {
    format!("g{}", p.id - 1)
}

/// PostgreSQL's parser keeps URLs, hosts, e-mail addresses, paths and dotted numbers as one
/// token; SQLite's tokenizer splits them at punctuation. The index splits them too, so a word
/// of them finds the post on both backends.
#[test]
fn words_inside_urls_paths_and_numbers_are_found_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let mut sqlite = SqliteStore::open(&dir.path().join("p.db")).unwrap();
    let texts = [
        "Jalur Samarinda/Balikpapan macet total",
        "Harga beras Rp 1.500 per ons naik",
        "Berita lengkap di https://x.id/banjir-rob hari ini",
        "Aduan ke warga@pemkot.id belum dibalas",
        "Aplikasi v2.3 gagal dipasang, kode é1",
    ];
    let posts: Vec<(Post, Tags)> = generated()
        .into_iter()
        .zip(texts)
        .map(|((mut post, tags), text)| {
            post.text = text.into();
            post.title = None;
            (post, tags)
        })
        .collect();
    sqlite.insert_posts(&posts, "v").unwrap();
    sqlite.finish_pending().unwrap();
    let pg = copied_to_postgres(&mut sqlite);
    let mut stores = vec![("SQLite", Store::Sqlite(sqlite))];
    let mut held = None;
    if let Some((db, store)) = pg {
        held = Some(db);
        stores.push(("PostgreSQL", store));
    }
    for (backend, store) in &stores {
        for (query, want) in [
            ("balikpapan", 1),
            ("500", 1),
            ("rob", 1),
            ("pemkot", 1),
            ("v2", 1),
            ("e1", 1),
            ("https", 1),
        ] {
            let found = store
                .search(&Search {
                    query: query.into(),
                    since: None,
                    until: None,
                    limit: 10,
                })
                .unwrap();
            assert_eq!(found.len(), want, "{backend}: {query}");
        }
    }
    drop(held);
}
