//! Process metrics for `GET /metrics` (Prometheus text format, `prometheus-client`).
//!
//! One registry per process, reached through [`global`]: the writer thread, the pipeline and
//! the HTTP handlers all add to it without threading a handle through every constructor, the
//! way a process-wide logger works. Counters count since the process started (Prometheus
//! handles restarts); figures that must survive a restart, such as when the last briefing was
//! written, are read from the database when scraped ([`Snapshot`]).

use std::sync::LazyLock;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabel {
    pub source: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FetchErrorLabels {
    pub source: String,
    /// The stable error class (`SourceError::class`): timeout, http_status, parse, …
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabel {
    pub state: String,
}

/// Every metric the process exports.
pub struct Metrics {
    registry: Registry,
    /// New posts committed, per source (polled, pushed or imported).
    pub posts_ingested: Family<SourceLabel, Counter>,
    /// Failed polls, per source and error class.
    pub fetch_errors: Family<FetchErrorLabels, Counter>,
    /// Time to classify one polled batch.
    pub classify_seconds: Histogram,
    /// Time to commit one writer transaction.
    pub store_seconds: Histogram,
    /// Writes and calls waiting for the writer thread.
    pub writer_queue: Gauge,
    /// Failed writer transactions (a full disk, a locked or broken database).
    pub store_errors: Counter,
    /// Keyword list reloads after an edit or SIGHUP, by result: `applied`, `unchanged` (the
    /// files hold the lists in force) or `rejected`.
    keyword_reloads: Family<ResultLabel, Counter>,
    /// Read from the database at scrape time.
    last_briefing: Gauge<f64, AtomicU64>,
    sources: Family<StateLabel, Gauge>,
}

/// What a scrape reads from the database, so that it is true across restarts.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// When the newest briefing was generated (Unix seconds), if any was.
    pub last_briefing: Option<i64>,
    pub sources_ok: i64,
    pub sources_failing: i64,
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("pantau");
        let posts_ingested = Family::<SourceLabel, Counter>::default();
        registry.register(
            "posts_ingested",
            "New posts committed to the store, per source",
            posts_ingested.clone(),
        );
        let fetch_errors = Family::<FetchErrorLabels, Counter>::default();
        registry.register(
            "fetch_errors",
            "Failed polls, per source and error kind",
            fetch_errors.clone(),
        );
        // 100 µs to ~6.5 s: a small batch classifies in well under a millisecond, a huge one
        // or a starved machine takes seconds.
        let classify_seconds = Histogram::new(exponential_buckets(0.0001, 4.0, 9));
        registry.register_with_unit(
            "classify_duration",
            "Time to classify one polled batch",
            prometheus_client::registry::Unit::Seconds,
            classify_seconds.clone(),
        );
        let store_seconds = Histogram::new(exponential_buckets(0.0001, 4.0, 9));
        registry.register_with_unit(
            "store_duration",
            "Time to commit one writer transaction",
            prometheus_client::registry::Unit::Seconds,
            store_seconds.clone(),
        );
        let writer_queue = Gauge::default();
        registry.register(
            "writer_queue_depth",
            "Writes waiting for the store's writer thread",
            writer_queue.clone(),
        );
        let store_errors = Counter::default();
        registry.register(
            "store_errors",
            "Writer transactions that failed (full disk, locked or damaged database)",
            store_errors.clone(),
        );
        let keyword_reloads = Family::<ResultLabel, Counter>::default();
        registry.register(
            "keyword_reloads",
            "Keyword list reloads after an edit or SIGHUP, by result (applied, unchanged, rejected)",
            keyword_reloads.clone(),
        );
        let last_briefing = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "last_briefing_timestamp_seconds",
            "When the newest briefing was generated (Unix time; 0 = never)",
            last_briefing.clone(),
        );
        let sources = Family::<StateLabel, Gauge>::default();
        registry.register(
            "sources",
            "Sources by health: ok, or failing (their last poll failed)",
            sources.clone(),
        );
        Metrics {
            registry,
            posts_ingested,
            fetch_errors,
            classify_seconds,
            store_seconds,
            writer_queue,
            store_errors,
            keyword_reloads,
            last_briefing,
            sources,
        }
    }

    /// Counts `n` new posts of `source`.
    pub fn ingested(&self, source: &str, n: usize) {
        if n > 0 {
            self.posts_ingested
                .get_or_create(&SourceLabel {
                    source: source.to_string(),
                })
                .inc_by(n as u64);
        }
    }

    /// Counts a failed poll.
    pub fn fetch_failed(&self, source: &str, kind: &str) {
        self.fetch_errors
            .get_or_create(&FetchErrorLabels {
                source: source.to_string(),
                kind: kind.to_string(),
            })
            .inc();
    }

    /// Counts a reload of the keyword lists; `result` is `applied`, `unchanged` or `rejected`.
    pub fn keywords_reloaded(&self, result: &str) {
        self.keyword_reloads
            .get_or_create(&ResultLabel {
                result: result.to_string(),
            })
            .inc();
    }

    pub fn observe_classify(&self, took: Duration) {
        self.classify_seconds.observe(took.as_secs_f64());
    }

    pub fn observe_store(&self, took: Duration) {
        self.store_seconds.observe(took.as_secs_f64());
    }

    /// The whole registry in the Prometheus text format, with `snapshot`'s figures.
    pub fn render(&self, snapshot: &Snapshot) -> String {
        self.last_briefing
            .set(snapshot.last_briefing.unwrap_or(0) as f64);
        for (state, n) in [
            ("ok", snapshot.sources_ok),
            ("failing", snapshot.sources_failing),
        ] {
            self.sources
                .get_or_create(&StateLabel {
                    state: state.into(),
                })
                .set(n);
        }
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// The process's metrics.
pub fn global() -> &'static Metrics {
    &METRICS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_prometheus_text_format() {
        let m = Metrics::new();
        m.ingested("kaltimpost", 3);
        m.ingested("kaltimpost", 2);
        m.ingested("kosong", 0);
        m.fetch_failed("tribun", "timeout");
        m.observe_classify(Duration::from_micros(300));
        m.observe_store(Duration::from_millis(3));
        m.keywords_reloaded("applied");
        let text = m.render(&Snapshot {
            last_briefing: Some(1_764_000_000),
            sources_ok: 4,
            sources_failing: 1,
        });
        assert!(
            text.contains("pantau_posts_ingested_total{source=\"kaltimpost\"} 5"),
            "{text}"
        );
        assert!(!text.contains("kosong"), "{text}");
        assert!(text.contains("pantau_fetch_errors_total{source=\"tribun\",kind=\"timeout\"} 1"));
        assert!(text.contains("pantau_classify_duration_seconds_count 1"));
        assert!(text.contains("pantau_keyword_reloads_total{result=\"applied\"} 1"));
        assert!(text.contains("pantau_store_duration_seconds_bucket{le=\"0.0064\"} 1"));
        assert!(text.contains("pantau_last_briefing_timestamp_seconds 1764000000"));
        assert!(text.contains("pantau_sources{state=\"failing\"} 1"));
        assert!(text.ends_with("# EOF\n"));
    }
}
