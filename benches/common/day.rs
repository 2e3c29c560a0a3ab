//! A generated province day for the digest benchmark (benches/digest.rs, scripts/bench-digest.sh)
//! and the digest's equivalence tests (tests/digest_rollups.rs includes this file): one WITA day
//! of `Shape::posts` posts and the `Shape::days_before` days before it (seven for the digest's
//! shape) at `Shape::previous` of that volume each,
//! from `Shape::sources` sources of kinds feed, mastodon and reddit.
//!
//! Everything goes through the library's write path as the daemon uses it: the sources are
//! configured in a real config file and synced, and the posts are committed with
//! [`Store::write`] as one [`Ingest`] per source per 15-minute poll, up to 256 polls per
//! transaction (the writer thread's batch). So the hourly rollups, stories and full-text index
//! are maintained exactly as in production. Tags are made here rather than by the classifier,
//! so that their shape is fixed: half the posts carry one or two of the shipped topics (a few
//! topics take most of them, one rises on the day), most name a place with its parents, every
//! source kind has its own kind of author (a newsroom's few bylines and "Redaksi", many social
//! accounts with a long tail), and a quarter of the tagged posts copy a recent post of another
//! source (a syndicated story: near-duplicates, counted once per story).
//!
//! The same `Shape` gives the same data (a seeded generator), whatever the library version.
#![allow(dead_code)] // each user takes part of it

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use pantau::classify::lists::Level;
use pantau::classify::{Classifier, SentimentClass, Tags};
use pantau::model::Attempt;
use pantau::model::Cursor;
use pantau::model::{Platform, Post, Reach, RegionId, SourceId, TopicId};
use pantau::store::{Ingest, Maintenance, Store, Write, Writes};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Shape {
    /// The WITA day the briefing is for.
    pub day: Date,
    /// Posts published on `day`.
    pub posts: usize,
    /// How many days before `day` hold posts too.
    pub days_before: usize,
    /// Each of the days before holds this share of `posts`.
    pub previous: f64,
    pub sources: usize,
    pub seed: u64,
}

impl Shape {
    /// The benchmark's shape for `posts` posts on the day.
    pub fn bench(posts: usize) -> Shape {
        Shape {
            day: Date::constant(2026, 11, 26),
            posts,
            days_before: 7,
            previous: 0.1,
            sources: 300,
            seed: 10,
        }
    }

    /// A key for caches: the shape's parameters.
    pub fn key(&self) -> String {
        // Seven days before is the digest's shape, whose key predates the field.
        let days = match self.days_before {
            7 => String::new(),
            n => format!("-d{n}"),
        };
        format!(
            "{}-{}{days}-p{}-s{}-r{}",
            self.day, self.posts, self.previous, self.sources, self.seed
        )
    }
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub posts: usize,
    pub new: usize,
    pub day_posts: usize,
    /// Milliseconds spent in `Store::write`.
    pub store_ms: u64,
}

/// The sources' kind, by index: 60 % news feeds, 25 % Mastodon, 15 % Reddit.
fn kind_of(i: usize) -> &'static str {
    match i % 20 {
        0..12 => "feed",
        12..17 => "mastodon",
        _ => "reddit",
    }
}

fn source_id(i: usize) -> String {
    format!("{}-{i:03}", kind_of(i))
}

/// The `[[sources]]` tables of the shape's sources.
pub fn sources_toml(shape: &Shape) -> String {
    let mut out = String::new();
    for i in 0..shape.sources {
        let id = source_id(i);
        let _ = writeln!(out, "[[sources]]\nid = \"{id}\"\ninterval = \"15m\"");
        let _ = match kind_of(i) {
            "feed" => writeln!(
                out,
                "name = \"Portal Berita {i:03}\"\nkind = \"feed\"\nurl = \"https://berita{i}.example/rss\"\n"
            ),
            "mastodon" => writeln!(
                out,
                "name = \"Mastodon #kaltim {i:03}\"\nkind = \"mastodon\"\nurl = \"https://mastodon{i}.example\"\ntag = \"kaltim\"\n"
            ),
            _ => writeln!(
                out,
                "name = \"r/kaltim{i}\"\nkind = \"reddit\"\nsubreddit = \"kaltim{i}\"\n"
            ),
        };
    }
    out
}

/// Writes an installation into `root` (`config/default.toml` naming the shape's sources, with
/// `keywords` as the keyword folder); returns the config file's path. The database and the
/// briefings go to `root/data` and `root/briefings`.
pub fn write_config(root: &Path, keywords: &Path, shape: &Shape) -> PathBuf {
    std::fs::create_dir_all(root.join("config")).expect("the config folder can be made");
    let config = root.join("config/default.toml");
    let text = format!(
        "[storage]\npath = \"data/pantau.db\"\n\n[keywords]\ndir = \"{}\"\n\n[briefing]\ndir = \"briefings\"\n\n{}",
        keywords.display(),
        sources_toml(shape)
    );
    std::fs::write(&config, text).expect("the config file can be written");
    config
}

/// Cumulative weights for drawing an index in proportion to `weights`.
struct Weighted(Vec<f64>);

impl Weighted {
    fn new(weights: impl IntoIterator<Item = f64>) -> Weighted {
        let mut total = 0.0;
        Weighted(
            weights
                .into_iter()
                .map(|w| {
                    total += w;
                    total
                })
                .collect(),
        )
    }

    /// Zipf's law over `n` ranks with exponent `s`: a few large, a long tail.
    fn zipf(n: usize, s: f64) -> Weighted {
        Weighted::new((1..=n).map(|r| 1.0 / (r as f64).powf(s)))
    }

    fn draw(&self, rng: &mut fastrand::Rng) -> usize {
        let x = rng.f64() * self.0.last().copied().unwrap_or(0.0);
        self.0.partition_point(|&c| c <= x).min(self.0.len() - 1)
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "ri", "ma", "ta", "san", "lo", "bu", "ng", "pe", "ra", "da", "in", "tu", "kan", "me",
    "ba", "si", "na", "ha", "ja", "wa", "di", "gu", "pu", "ti", "ru", "la", "se", "mu", "an",
];
const FIRST: &[&str] = &[
    "Budi", "Rina", "Andi", "Siti", "Yusuf", "Dewi", "Agus", "Maya", "Rahmat", "Indah", "Fajar",
    "Nurul",
];
const LAST: &[&str] = &[
    "Santoso", "Wahyuni", "Saputra", "Lestari", "Hidayat", "Pratama", "Rahman", "Kusuma",
];
const PREFIXES: &[&str] = &[
    "SAMARINDA, Tribun -",
    "BALIKPAPAN -",
    "Kaltim Today -",
    "(ANTARA) -",
    "RT",
    "Ramai dibagikan:",
];

/// The region chains a post can name: the region with all its parents, and the
/// kabupaten/kota among them.
struct Places {
    /// (regions, areas, display name) per place; index 0 is the province alone.
    places: Vec<(Vec<RegionId>, Vec<RegionId>, String)>,
    weights: Weighted,
}

impl Places {
    fn new(classifier: &Classifier) -> Places {
        let by_id: HashMap<&RegionId, &pantau::classify::lists::RegionDef> =
            classifier.regions().iter().map(|r| (&r.id, r)).collect();
        let mut places = Vec::new();
        let mut weights = Vec::new();
        for r in classifier.regions() {
            let mut chain = vec![r.id.clone()];
            let mut at = r;
            while let Some(parent) = at.parent.as_ref().and_then(|p| by_id.get(p)) {
                chain.push(parent.id.clone());
                at = parent;
            }
            let areas: Vec<RegionId> = chain
                .iter()
                .filter(|id| {
                    by_id
                        .get(id)
                        .is_some_and(|d| matches!(d.level, Level::Kabupaten | Level::Kota))
                })
                .cloned()
                .collect();
            // Posts name the two big cities most, a kabupaten or kota more often than any one
            // kecamatan or landmark in it.
            let weight = match r.level {
                Level::Provinsi => 8.0,
                Level::Kota | Level::Kabupaten => match r.id.as_str() {
                    "samarinda" => 20.0,
                    "balikpapan" => 14.0,
                    _ => 4.0,
                },
                Level::Kecamatan => 0.15,
                Level::Landmark => 0.08,
            };
            places.push((chain, areas, r.name.clone()));
            weights.push(weight);
        }
        Places {
            places,
            weights: Weighted::new(weights),
        }
    }
}

/// An original post others may copy: published, source, title, body.
type Seed = (Timestamp, usize, Option<String>, String);

/// One poll: its slot's end and source, and its posts.
type Poll = ((Timestamp, SourceId), Vec<(Post, Tags)>);

/// The generator's state across days: sources, pools and recent stories to copy.
struct Generator {
    rng: fastrand::Rng,
    words: Vec<String>,
    word_weights: Weighted,
    topics: Vec<(TopicId, String)>,
    topic_weights: Weighted,
    places: Places,
    source_weights: Weighted,
    mastodon_accounts: Weighted,
    reddit_accounts: Weighted,
    /// Per topic, recent originals that others copy.
    seeds: HashMap<usize, Vec<Seed>>,
    next_id: u64,
}

impl Generator {
    fn new(classifier: &Classifier, shape: &Shape) -> Generator {
        let mut rng = fastrand::Rng::with_seed(shape.seed);
        let words: Vec<String> = (0..4000)
            .map(|_| {
                let n = rng.usize(2..=4);
                (0..n)
                    .map(|_| SYLLABLES[rng.usize(..SYLLABLES.len())])
                    .collect()
            })
            .collect();
        let mut topics: Vec<(TopicId, String)> = classifier
            .topics()
            .iter()
            .map(|t| (t.id.clone(), t.name.clone()))
            .collect();
        rng.shuffle(&mut topics);
        let mut source_order: Vec<usize> = (0..shape.sources).collect();
        rng.shuffle(&mut source_order);
        // Source i's weight is its rank's: a few portals carry most posts.
        let mut source_weight = vec![0.0; shape.sources];
        for (rank, &i) in source_order.iter().enumerate() {
            source_weight[i] = 1.0 / (rank as f64 + 1.0).powf(0.8);
        }
        Generator {
            words,
            word_weights: Weighted::zipf(4000, 0.9),
            topic_weights: Weighted::zipf(topics.len(), 1.0),
            topics,
            places: Places::new(classifier),
            source_weights: Weighted::new(source_weight),
            mastodon_accounts: Weighted::zipf(40_000, 1.05),
            reddit_accounts: Weighted::zipf(15_000, 1.05),
            seeds: HashMap::new(),
            next_id: 0,
            rng,
        }
    }

    fn sentence(&mut self, words: usize) -> String {
        let mut out = String::new();
        for i in 0..words {
            if i > 0 {
                out.push(' ');
            }
            let w = self.word_weights.draw(&mut self.rng);
            out.push_str(&self.words[w]);
        }
        out
    }

    fn author(&mut self, source: usize) -> Option<String> {
        let rng = &mut self.rng;
        match kind_of(source) {
            "feed" => match rng.u32(..100) {
                0..15 => None,
                15..35 => Some("Redaksi".into()),
                35..40 => Some("Tim Liputan".into()),
                _ => {
                    let j = rng.usize(..6);
                    Some(format!(
                        "{} {}",
                        FIRST[(source + j) % FIRST.len()],
                        LAST[(source * 7 + j) % LAST.len()]
                    ))
                }
            },
            "mastodon" => {
                let a = self.mastodon_accounts.draw(rng);
                // A few clients send the handle with spaces around it.
                Some(if rng.u32(..100) == 0 {
                    format!(" @warga{a} ")
                } else {
                    format!("@warga{a}")
                })
            }
            _ => {
                let a = self.reddit_accounts.draw(rng);
                Some(format!("u/pengguna{a}"))
            }
        }
    }

    /// One post published at `published` and the tags it was given. `rising` is the topic
    /// that rises today, drawn four times as often.
    fn post(&mut self, published: Timestamp, day: &str, rising: Option<usize>) -> (Post, Tags) {
        let source = self.source_weights.draw(&mut self.rng);
        let n = self.next_id;
        self.next_id += 1;
        let mut topics: Vec<usize> = Vec::new();
        if self.rng.bool() {
            let count = if self.rng.u32(..4) == 0 { 2 } else { 1 };
            while topics.len() < count {
                let t = match rising {
                    Some(r) if self.rng.u32(..12) == 0 => r,
                    _ => self.topic_weights.draw(&mut self.rng),
                };
                if !topics.contains(&t) {
                    topics.push(t);
                }
            }
        }
        let (regions, areas, place) = match self.rng.u32(..10) {
            0..2 => (Vec::new(), Vec::new(), String::new()),
            _ => {
                let p = self.places.weights.draw(&mut self.rng);
                self.places.places[p].clone()
            }
        };
        let sentiment = match self.rng.u32(..100) {
            0..3 => None,
            3..18 => Some((SentimentClass::Positif, 1.0 + self.rng.u32(..3) as f64)),
            18..63 => Some((SentimentClass::Netral, 0.0)),
            63..83 => Some((SentimentClass::BerpotensiNegatif, -1.0)),
            _ => Some((SentimentClass::Negatif, -2.0 - self.rng.u32(..3) as f64)),
        };
        let feed = kind_of(source) == "feed";
        // A quarter of the tagged posts copy a story of another source from the last 12 hours.
        let copy = match topics.first() {
            Some(&t) if self.rng.u32(..4) == 0 => {
                let recent = self.seeds.get(&t).map(|s| {
                    s.iter()
                        .filter(|(at, from, _, _)| {
                            *from != source && published.duration_since(*at).as_hours() < 12
                        })
                        .cloned()
                        .collect::<Vec<_>>()
                });
                recent.and_then(|r| (!r.is_empty()).then(|| r[self.rng.usize(..r.len())].clone()))
            }
            _ => None,
        };
        let (title, text) = match copy {
            Some((_, _, title, body)) => {
                let prefix = PREFIXES[self.rng.usize(..PREFIXES.len())];
                let text = if self.rng.bool() {
                    format!("{prefix} {body}")
                } else {
                    format!("{body} {}", self.sentence(4))
                };
                (if feed { title } else { None }, text)
            }
            None => {
                let topic_words = topics
                    .iter()
                    .map(|&t| self.topics[t].1.to_lowercase())
                    .collect::<Vec<_>>()
                    .join(" dan ");
                let len = self.rng.usize(18..40);
                let lead = self.sentence(len / 2);
                let rest = self.sentence(len - len / 2);
                let text = format!("{lead} {topic_words} {place} {rest}.");
                let title = feed.then(|| {
                    let len = self.rng.usize(6..10);
                    self.sentence(len)
                });
                if let Some(&t) = topics.first() {
                    let seeds = self.seeds.entry(t).or_default();
                    seeds.push((published, source, title.clone(), text.clone()));
                    if seeds.len() > 64 {
                        seeds.remove(0);
                    }
                }
                (title, text)
            }
        };
        let id = source_id(source);
        let url = match kind_of(source) {
            "feed" => format!("https://berita{source}.example/{day}/{n}"),
            "mastodon" => format!("https://mastodon{source}.example/@warga/{n}"),
            _ => format!("https://www.reddit.com/r/kaltim{source}/comments/{n}/"),
        };
        let author = self.author(source);
        // Social posts state their counts; an account's followers are its own (from its name),
        // long-tailed: most accounts have a few hundred, a few hundreds of thousands.
        let reach = if feed {
            Reach::default()
        } else {
            let seed = author.as_deref().map_or(0, |a| {
                a.bytes()
                    .fold(17u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))
            });
            Reach {
                likes: Some(self.rng.u64(..60)),
                shares: self.rng.u64(..4),
                comments: Some(self.rng.u64(..12)),
                views: None,
                followers: Some(100 + (seed % 1000).pow(3) / 3_000),
            }
        };
        let post = Post {
            source: SourceId::new(id),
            external_id: format!("{day}-{n}"),
            url: Some(url),
            title,
            text,
            author,
            published,
            fetched: published,
            lang: Some("id".into()),
            platform: Some(Platform::new(if feed { "news" } else { kind_of(source) })),
            reach,
        };
        let tags = Tags {
            topics: topics.iter().map(|&t| self.topics[t].0.clone()).collect(),
            regions,
            areas,
            sentiment,
            fingerprint: None,
            text_hash: None,
            mentioned_topics: Vec::new(),
            mentioned_regions: Vec::new(),
        };
        (post, tags)
    }
}

/// Share of a local day's posts in each local hour: quiet at night, busy from morning to late
/// evening.
const HOURLY: [f64; 24] = [
    0.4, 0.25, 0.2, 0.2, 0.3, 0.6, 1.0, 1.4, 1.6, 1.6, 1.5, 1.5, 1.6, 1.5, 1.4, 1.4, 1.4, 1.5, 1.6,
    1.7, 1.7, 1.4, 1.0, 0.7,
];

/// Minutes between polls of one source.
const POLL_MINUTES: i64 = 15;
/// Polls committed per transaction, as the daemon's writer does at most.
const WRITES_PER_COMMIT: usize = 256;

/// Generates the shape's days (`days_before` and the day) into `store` (whose sources are synced from the config
/// [`write_config`] wrote) through [`Store::write`].
pub fn fill(store: &mut Store, classifier: &Classifier, shape: &Shape) -> Written {
    let tz = TimeZone::get("Asia/Makassar").expect("the bundled tzdb has Asia/Makassar");
    let mut generator = Generator::new(classifier, shape);
    let rising = (!generator.topics.is_empty()).then_some(3.min(generator.topics.len() - 1));
    let hours = Weighted::new(HOURLY);
    let mut written = Written::default();
    for back in (0..=shape.days_before).rev() {
        let date = shape.day - (back as i64).days();
        let n = if back == 0 {
            shape.posts
        } else {
            (shape.posts as f64 * shape.previous).round() as usize
        };
        let start = pantau::time::day_bounds(date, &tz).0;
        let mut times: Vec<Timestamp> = (0..n)
            .map(|_| {
                let h = hours.draw(&mut generator.rng) as i64;
                start + SignedDuration::from_secs(h * 3600 + generator.rng.i64(0..3600))
            })
            .collect();
        times.sort();
        let day = date.to_string();
        // Polls: each source's posts of each 15-minute slot arrive together at the slot's end.
        let mut polls: Vec<Poll> = Vec::new();
        let mut slot_of: HashMap<(Timestamp, SourceId), usize> = HashMap::new();
        for at in times {
            let (mut post, tags) =
                generator.post(at, &day, (back == 0).then_some(rising).flatten());
            let slot_secs = POLL_MINUTES * 60;
            let s = at.as_second();
            let fetched = Timestamp::from_second(s - s.rem_euclid(slot_secs) + slot_secs)
                .expect("a slot end is a valid time");
            post.fetched = fetched;
            let key = (fetched, post.source.clone());
            let i = *slot_of.entry(key.clone()).or_insert_with(|| {
                polls.push((key, Vec::new()));
                polls.len() - 1
            });
            polls[i].1.push((post, tags));
        }
        let version = classifier.version().to_string();
        let writes: Vec<Write> = polls
            .into_iter()
            .map(|((fetched, source), posts)| {
                let started = fetched - SignedDuration::from_secs(1);
                Write::Ingest(Ingest {
                    source,
                    items_found: posts.len(),
                    posts,
                    cursor: Cursor::Http {
                        etag: Some(format!("\"{}\"", fetched.as_second())),
                        last_modified: None,
                    },
                    attempt: Attempt {
                        started,
                        duration: Duration::from_millis(800),
                        next_attempt: started + SignedDuration::from_mins(POLL_MINUTES),
                    },
                    not_modified: false,
                    keywords_version: version.clone(),
                })
            })
            .collect();
        for chunk in writes.chunks(WRITES_PER_COMMIT) {
            let t = std::time::Instant::now();
            let new: usize = store
                .write(chunk)
                .expect("the generated posts are stored")
                .iter()
                .sum();
            written.new += new;
            written.store_ms += t.elapsed().as_millis() as u64;
        }
        // The day's retention passes in a running service move its new stories' keys into
        // `story_keys`, and its writer merges the search index's segments when idle.
        store
            .merge_all_story_keys(pantau::daemon::retention::MERGE_ROWS)
            .expect("the new story keys merge");
        while store.merge_search_step().expect("the search index merges") {}
        written.posts += n;
        if back == 0 {
            written.day_posts = n;
        }
    }
    written
}

/// Builds the whole installation in `root`: config, synced sources, the shape's posts. Returns
/// the config path.
pub fn build(root: &Path, keywords: &Path, shape: &Shape) -> (PathBuf, Written) {
    let config = write_config(root, keywords, shape);
    let loaded =
        pantau::engine::Config::load(Some(&config)).expect("the generated config is valid");
    let settings = &loaded.settings;
    let classifier =
        Classifier::load(&settings.keywords.dir).expect("the shipped keyword lists load");
    let mut store = Store::open(&settings.storage.path).expect("the database opens");
    store
        .sync_sources(&loaded.source_infos())
        .expect("the sources sync");
    let written = fill(&mut store, &classifier, shape);
    store.optimize().expect("the planner statistics refresh");
    store.checkpoint().expect("the WAL folds back");
    (config, written)
}
