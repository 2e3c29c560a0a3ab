//! Several `pantau run` nodes on one PostgreSQL database (`[storage] url`): each source is
//! polled by one node at a time, and the briefing, the alert check with its deliveries, and
//! retention each run on one node at a time, through the store's leases
//! ([`crate::store::Leases`]). The dashboard needs none: every node serves it.
//!
//! A node is named by `[storage] node` (else its host name), the same across restarts, so a
//! restarted node takes its own leases back at once; a node that dies keeps them only until
//! they lapse. Leases are asked for through the writer thread, like every store call of the
//! daemon. A node alone with its SQLite file asks nobody: every lease is its own.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

use crate::config::StorageSettings;
use crate::model::SourceId;
use crate::sources::poll::{Entry, Turnstile};
use crate::store::leases::source_lease;
use crate::store::writer::Writer;
use crate::store::{Leases, Status};

/// The lease of the daily (weekly, monthly) briefing.
pub const BRIEFING: &str = "job:briefing";
/// The lease of the alert check and its deliveries.
pub const ALERTS: &str = "job:alerts";
/// The lease of retention.
pub const RETENTION: &str = "job:retention";

/// This process as one node among those sharing the database.
#[derive(Clone)]
pub struct Node {
    name: Arc<str>,
    writer: Writer,
    /// Whether other nodes may share the database (PostgreSQL); else leases are not asked for.
    shared: bool,
}

impl Node {
    pub fn new(storage: &StorageSettings, writer: Writer) -> Node {
        Node {
            name: storage.node_name().into(),
            writer,
            shared: storage.url.is_some(),
        }
    }

    /// A node on a shared database, whatever the configuration says (tests).
    pub fn shared(name: &str, writer: Writer) -> Node {
        Node {
            name: name.into(),
            writer,
            shared: true,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The lease `name`, as this node keeps it.
    pub fn lease(&self, name: &str) -> Keeper {
        Keeper {
            node: self.clone(),
            name: name.to_string(),
            tenure: None,
            failing: false,
        }
    }

    /// The gate of the poll loop of source `id`.
    pub fn source_gate(&self, id: &SourceId) -> SourceGate {
        SourceGate {
            lease: self.lease(&source_lease(id.as_str())),
            source: id.clone(),
        }
    }
}

/// What [`Keeper::ask`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// This node holds the lease and has since it last asked.
    Held,
    /// This node holds it anew (the first time, or after it lapsed or was another's).
    Taken,
    /// Another node holds it, or the store could not be asked.
    Elsewhere,
}

/// One lease as this node keeps it: asked for, renewed, released.
pub struct Keeper {
    node: Node,
    name: String,
    /// When the tenure this node knows of began ([`crate::store::Lease::acquired_at`]).
    tenure: Option<Timestamp>,
    /// Whether the last ask failed (logged once per spell).
    failing: bool,
}

impl Keeper {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether other nodes may share the lease (a PostgreSQL database).
    pub fn shared(&self) -> bool {
        self.node.shared
    }

    /// Takes or renews the lease until `now + hold`.
    pub async fn ask(&mut self, now: Timestamp, hold: Duration) -> Kept {
        if !self.node.shared {
            return match self.tenure.replace(now) {
                Some(_) => Kept::Held,
                None => Kept::Taken,
            };
        }
        let (name, node) = (self.name.clone(), self.node.name.clone());
        let answer = self
            .node
            .writer
            .call(move |s| s.try_lease(&name, &node, now, hold))
            .await;
        let lease = match answer {
            Ok(Ok(lease)) => {
                self.failing = false;
                lease
            }
            Ok(Err(error)) | Err(error) => {
                if !std::mem::replace(&mut self.failing, true) {
                    tracing::warn!(lease = %self.name, %error, "sewa tidak dapat diminta; dicoba lagi");
                }
                self.tenure = None;
                return Kept::Elsewhere;
            }
        };
        match lease {
            None => {
                self.tenure = None;
                Kept::Elsewhere
            }
            Some(l) if self.tenure == Some(l.acquired_at) => Kept::Held,
            Some(l) => {
                self.tenure = Some(l.acquired_at);
                Kept::Taken
            }
        }
    }

    /// Forgets the tenure: the next ask counts as taking the lease anew.
    pub fn forget(&mut self) {
        self.tenure = None;
    }

    /// Gives the lease up (a job done, a clean stop), when this node holds it.
    pub async fn release(&mut self) {
        if self.tenure.take().is_none() || !self.node.shared {
            return;
        }
        let (name, node) = (self.name.clone(), self.node.name.clone());
        if let Ok(Err(error)) = self
            .node
            .writer
            .call(move |s| s.release(&name, &node))
            .await
        {
            tracing::warn!(lease = %self.name, %error, "sewa tidak dapat dilepas; berakhir sendiri");
        }
    }
}

/// A source's poll loop's gate: its lease, and where the source stands when this node takes
/// it anew (another node may have moved its cursor meanwhile).
pub struct SourceGate {
    lease: Keeper,
    source: SourceId,
}

impl Turnstile for SourceGate {
    async fn enter(&mut self, hold: Duration) -> Entry {
        match self.lease.ask(Timestamp::now(), hold).await {
            Kept::Held => Entry::Held,
            Kept::Elsewhere => Entry::Elsewhere,
            Kept::Taken if !self.lease.node.shared => Entry::Held,
            Kept::Taken => {
                let id = self.source.clone();
                match self
                    .lease
                    .node
                    .writer
                    .call(move |s| s.source_state(&id))
                    .await
                {
                    Ok(Ok(state)) => Entry::Regained(state),
                    Ok(Err(error)) | Err(error) => {
                        // Polling from a stale cursor would fetch again what another node
                        // stored: not before the store says where the source stands.
                        tracing::warn!(source = %self.source, %error, "posisi sumber tidak terbaca; polling ditunda");
                        self.lease.forget();
                        Entry::Elsewhere
                    }
                }
            }
        }
    }

    async fn leave(&mut self) {
        self.lease.release().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::TestDb;

    const HOLD: Duration = Duration::from_secs(60);

    fn at(t0: Timestamp, secs: i64) -> Timestamp {
        t0 + jiff::SignedDuration::from_secs(secs)
    }

    /// Asks for every keeper's lease at `now`; what each found, in order.
    async fn ask_all(keepers: &mut [Keeper], now: Timestamp) -> Vec<Kept> {
        let mut found = Vec::new();
        for k in keepers.iter_mut() {
            found.push(k.ask(now, HOLD).await);
        }
        found
    }

    fn count(found: &[Kept], kind: Kept) -> usize {
        found.iter().filter(|k| **k == kind).count()
    }

    /// Two nodes on one database split the sources, each renewing its own; when one stops
    /// renewing (it died), the other takes its sources once their leases lapse, and knows it
    /// took them anew (so it re-reads their cursors); a clean stop hands them over at once.
    #[test]
    fn two_nodes_split_sources_and_take_over_a_silent_ones() {
        // The PostgreSQL client blocks: connected outside the runtime, used on writer threads.
        let Some(db) = TestDb::create() else { return };
        let stores = (db.store(), db.store());
        runtime().block_on(split_and_take_over(stores));
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    async fn split_and_take_over((store_a, store_b): (crate::store::Store, crate::store::Store)) {
        let (writer_a, thread_a) = Writer::spawn(store_a);
        let (writer_b, thread_b) = Writer::spawn(store_b);
        let (a, b) = (
            Node::shared("a", writer_a.clone()),
            Node::shared("b", writer_b.clone()),
        );
        let ids: Vec<SourceId> = (0..20).map(|i| SourceId::new(format!("s{i}"))).collect();
        let keepers = |node: &Node| -> Vec<Keeper> {
            ids.iter()
                .map(|id| node.lease(&source_lease(id.as_str())))
                .collect()
        };
        let (mut ka, mut kb) = (keepers(&a), keepers(&b));
        let t0: Timestamp = "2026-12-07T01:00:00Z".parse().unwrap();

        // Both start at once; each reaches half of the sources first (as each loop's first
        // turn falls at a random moment) and takes them, then asks for all: every source stays
        // with exactly one of them.
        let (first_a, first_b) = tokio::join!(
            async {
                for k in ka.iter_mut().step_by(2) {
                    assert_eq!(k.ask(t0, HOLD).await, Kept::Taken, "{}", k.name());
                }
            },
            async {
                for k in kb.iter_mut().skip(1).step_by(2) {
                    assert_eq!(k.ask(t0, HOLD).await, Kept::Taken, "{}", k.name());
                }
            }
        );
        let _ = (first_a, first_b);
        let (found_a, found_b) = tokio::join!(ask_all(&mut ka, t0), ask_all(&mut kb, t0));
        for i in 0..ids.len() {
            let (mine, theirs) = if i % 2 == 0 {
                (found_a[i], found_b[i])
            } else {
                (found_b[i], found_a[i])
            };
            assert_eq!((mine, theirs), (Kept::Held, Kept::Elsewhere), "source {i}");
        }
        let found_a: Vec<Kept> = (0..ids.len())
            .map(|i| {
                if i % 2 == 0 {
                    Kept::Taken
                } else {
                    Kept::Elsewhere
                }
            })
            .collect();
        let found_b: Vec<Kept> = (0..ids.len())
            .map(|i| {
                if i % 2 == 1 {
                    Kept::Taken
                } else {
                    Kept::Elsewhere
                }
            })
            .collect();
        let held_a = count(&found_a, Kept::Taken);

        // Renewals keep each node's own: held all along, the others' refused.
        let again_a = ask_all(&mut ka, at(t0, 30)).await;
        let again_b = ask_all(&mut kb, at(t0, 30)).await;
        for i in 0..ids.len() {
            let expect_a = if found_a[i] == Kept::Taken {
                Kept::Held
            } else {
                Kept::Elsewhere
            };
            assert_eq!(again_a[i], expect_a, "source {i}");
            let expect_b = if found_b[i] == Kept::Taken {
                Kept::Held
            } else {
                Kept::Elsewhere
            };
            assert_eq!(again_b[i], expect_b, "source {i}");
        }
        let listed = writer_a.call(|s| s.leases()).await.unwrap().unwrap();
        assert_eq!(listed.len(), ids.len());
        assert_eq!(listed.iter().filter(|l| l.node == "a").count(), held_a);

        // b stops renewing (renewed last at +30 for 60 s). Until +90 its sources stay its own.
        let before = ask_all(&mut ka, at(t0, 90)).await;
        assert_eq!(count(&before, Kept::Held), held_a, "{before:?}");
        assert_eq!(count(&before, Kept::Elsewhere), ids.len() - held_a);
        // Past it, a takes them, as new tenures; its own stay held.
        let after = ask_all(&mut ka, at(t0, 91)).await;
        for i in 0..ids.len() {
            let expect = if found_a[i] == Kept::Taken {
                Kept::Held
            } else {
                Kept::Taken
            };
            assert_eq!(after[i], expect, "source {i}");
        }

        // b restarts under its name: everything is a's now.
        drop(kb);
        let mut kb = keepers(&b);
        let back = ask_all(&mut kb, at(t0, 100)).await;
        assert_eq!(count(&back, Kept::Elsewhere), ids.len(), "{back:?}");

        // a stops cleanly: b takes every source at once.
        for k in ka.iter_mut() {
            k.release().await;
        }
        let taken = ask_all(&mut kb, at(t0, 101)).await;
        assert_eq!(count(&taken, Kept::Taken), ids.len(), "{taken:?}");
        let listed = writer_b.call(|s| s.leases()).await.unwrap().unwrap();
        assert!(listed.iter().all(|l| l.node == "b"), "{listed:?}");

        drop((a, b, ka, kb, writer_a, writer_b));
        tokio::task::spawn_blocking(move || {
            thread_a.join();
            thread_b.join();
        })
        .await
        .unwrap();
    }

    /// A singleton job runs on one node; the other takes it when the first goes silent.
    #[test]
    fn a_job_lease_has_one_holder() {
        let Some(db) = TestDb::create() else { return };
        let stores = (db.store(), db.store());
        runtime().block_on(one_holder(stores));
    }

    async fn one_holder((store_a, store_b): (crate::store::Store, crate::store::Store)) {
        let (writer_a, thread_a) = Writer::spawn(store_a);
        let (writer_b, thread_b) = Writer::spawn(store_b);
        let mut a = Node::shared("a", writer_a.clone()).lease(ALERTS);
        let mut b = Node::shared("b", writer_b.clone()).lease(ALERTS);
        let t0: Timestamp = "2026-12-07T01:00:00Z".parse().unwrap();
        assert_eq!(a.ask(t0, HOLD).await, Kept::Taken);
        assert_eq!(b.ask(t0, HOLD).await, Kept::Elsewhere);
        assert_eq!(a.ask(at(t0, 30), HOLD).await, Kept::Held);
        assert_eq!(b.ask(at(t0, 90), HOLD).await, Kept::Elsewhere);
        assert_eq!(b.ask(at(t0, 91), HOLD).await, Kept::Taken);
        // a, back from a long pause, sees it lost the job.
        assert_eq!(a.ask(at(t0, 100), HOLD).await, Kept::Elsewhere);
        drop((a, b, writer_a, writer_b));
        tokio::task::spawn_blocking(move || {
            thread_a.join();
            thread_b.join();
        })
        .await
        .unwrap();
    }

    /// Alone with its SQLite file a node asks nobody: every lease is its own.
    #[tokio::test]
    async fn a_node_alone_holds_every_lease() {
        let storage = StorageSettings::default();
        let dir = std::env::temp_dir().join(format!("pantau-nodes-{}", std::process::id()));
        let (writer, thread) =
            Writer::spawn(crate::store::Store::open(&dir.join("pantau.db")).unwrap());
        let node = Node::new(&storage, writer.clone());
        assert!(!node.name().is_empty());
        let mut k = node.lease(RETENTION);
        let now = Timestamp::now();
        assert_eq!(k.ask(now, HOLD).await, Kept::Taken);
        assert_eq!(k.ask(now, HOLD).await, Kept::Held);
        // Nothing asked of the store, so nothing listed there.
        assert!(
            writer
                .call(|s| s.leases())
                .await
                .unwrap()
                .unwrap()
                .is_empty()
        );
        drop((node, k, writer));
        tokio::task::spawn_blocking(move || thread.join())
            .await
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A turnstile that answers from a script (then `Held`), recording what it was asked.
    struct Scripted {
        answers: std::collections::VecDeque<Entry>,
        asked: Arc<std::sync::Mutex<Vec<String>>>,
    }

    impl Turnstile for Scripted {
        async fn enter(&mut self, hold: Duration) -> Entry {
            self.asked
                .lock()
                .unwrap()
                .push(format!("enter {}", hold.as_secs()));
            self.answers.pop_front().unwrap_or(Entry::Held)
        }
        async fn leave(&mut self) {
            self.asked.lock().unwrap().push("leave".into());
        }
    }

    /// The poll loop polls only when its gate lets it in, resumes from the store's word when
    /// it takes the source anew, holds the source ahead of each turn, and leaves on a stop.
    #[tokio::test]
    async fn the_poll_loop_polls_only_through_its_gate() {
        use crate::model::{Cursor, SourceState};
        use crate::sources::poll::{SourceRun, hold_for, run_loop};
        let dir = std::env::temp_dir().join(format!("pantau-gate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let feed = dir.join("feed.xml");
        std::fs::write(
            &feed,
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
             <item><guid>a-1</guid><title>Banjir</title><description>Banjir di Samarinda</description>\
             <link>https://a.example/1</link></item></channel></rss>",
        )
        .unwrap();
        let toml = format!(
            "[fetch]\nadaptive = false\n[[sources]]\nid = \"a\"\nkind = \"feed\"\nurl = \"file://{}\"\ninterval = \"1s\"\n",
            feed.display()
        );
        let config = crate::engine::Config::from_str(&toml, &dir).unwrap();
        let source = config.sources[0].clone();
        let cx = crate::sources::PollCtx {
            source: source.id.clone(),
            fetcher: crate::sources::http::Fetcher::new(&config.settings.fetch).unwrap(),
            relevant: None,
            secrets: config.settings.secrets.clone(),
        };
        let run = SourceRun::new(source, cx, SourceState::default(), &config.settings.fetch);
        let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
        // Elsewhere first: no poll; then taken anew with a stored failure count.
        let resumed = SourceState {
            cursor: Cursor::default(),
            consecutive_failures: 3,
            ..SourceState::default()
        };
        let gate = Scripted {
            answers: [Entry::Elsewhere, Entry::Regained(resumed)].into(),
            asked: asked.clone(),
        };
        let (tx, mut rx) = tokio::sync::mpsc::channel(4);
        let stop = tokio_util::sync::CancellationToken::new();
        let started = tokio::time::Instant::now();
        let task = tokio::spawn(run_loop(run, tx, gate, stop.clone()));
        let polled: crate::sources::poll::Polled = rx.recv().await.unwrap();
        // The first due time (under 1 s) and a retry after being refused (1 s) went first.
        assert!(started.elapsed() >= Duration::from_secs(1));
        assert_eq!(polled.source.as_str(), "a");
        assert!(polled.outcome.is_ok(), "{:?}", polled.outcome.err());
        let _ = polled
            .reply
            .send(Ok(crate::sources::poll::Committed { new_posts: 1 }));
        // After the commit the source is held until past the next turn.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while asked.lock().unwrap().len() < 3 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        stop.cancel();
        task.await.unwrap();
        let asked = asked.lock().unwrap().clone();
        let hold = format!("enter {}", hold_for(Duration::from_secs(1)).as_secs());
        assert_eq!(asked[..3], [hold.clone(), hold.clone(), hold], "{asked:?}");
        assert_eq!(asked.last().map(String::as_str), Some("leave"), "{asked:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
