//! The daemon's single writer: a dedicated thread owns the [`Store`] and commits what the
//! pollers send. SQLite allows one writer at a time, and its calls block; a thread of its own
//! keeps both facts away from the async workers. Writes that queue up while a transaction runs
//! are committed together in the next one, which is what makes storage fast under load.
//!
//! The full-text index and story placement of the posts it commits come behind the commit
//! ([`Store::finish_pending`]): the thread runs that step for everything pending when no job
//! has come for [`IDLE_BEFORE_STEP`] or the oldest pending commit is [`INDEX_WITHIN`] old,
//! before it runs any other job ([`Writer::call`]: alert checks, retention, the health check,
//! a briefing's record), and before it exits. A poll's commit, and the poller's next turn, do
//! not wait for it; under load one step indexes and places many commits' posts.
//!
//! A service's writer ([`Idle::Merge`]), when nothing is queued or pending for
//! [`IDLE_BEFORE_STEP`], merges the full-text index's segments a few pages at a time
//! ([`Store::merge_search_step`]) until a job comes or nothing is left to merge: the merging
//! each step's new segment calls for, which would otherwise land on the next steps in
//! proportion to the index's size.
//!
//! Dropping every [`Writer`] handle (or calling [`Writer::close`]) lets the thread finish what is
//! queued, checkpoint the WAL and exit.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::{Maintenance, Store, StoreError, Write, Writes};
use crate::metrics;

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 256;

/// How long a committed post may wait for the full-text index and its story while commits keep
/// coming. A post is searchable and placed within this, plus the step itself, of its commit
/// (the promise is 2 seconds under load; the step for a quarter second of a busy writer's
/// posts takes a fraction of that).
pub const INDEX_WITHIN: Duration = Duration::from_millis(250);

/// How long the writer, with posts pending and nothing to commit, waits for more before it
/// runs the step: it uses a pause between polls (while the pollers parse on the other core)
/// instead of leaving all of the step to the end, and still gathers the commits of a burst.
const IDLE_BEFORE_STEP: Duration = Duration::from_millis(20);

/// What the writer thread does when it has nothing to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idle {
    /// Merges the search index: a service's writer, idle most of the time.
    Merge,
    /// Waits: a one-shot command's writer is idle only while the command's own pollers parse
    /// on both cores, and the command ends with its work, so it leaves the merging to the
    /// service (and, should none run, to FTS5's own merge of 16 segments of a level).
    Wait,
}

type Reply = oneshot::Sender<Result<usize, String>>;

/// Work on the writer's connection, with its result sent back by the closure itself.
type Work = Box<dyn FnOnce(&mut Store) + Send>;

enum Job {
    Write(Box<Write>, Reply),
    /// Anything else that needs the writer's connection (recording a briefing, …), after the
    /// step behind the commit.
    Call(Work),
    /// A write of posts that needs no step first (pushed posts).
    Store(Work),
}

/// A handle to the writer thread; clone it freely.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
    /// The error of the last write transaction, while no later one has succeeded: a full
    /// disk can refuse a batch of posts yet still take a one-row write such as the health
    /// check's, so `/healthz` asks this too.
    failing: Arc<Mutex<Failing>>,
    /// Counts what may have changed the store (commits, calls, the step behind the commit),
    /// each counted before its reply is sent: readers that keep an answer in memory compare
    /// it ([`Writer::generation`]).
    generation: Arc<AtomicU64>,
}

/// A write error shown by `/healthz` until data is seen going in again.
#[derive(Default)]
struct Failing(Option<(String, Instant)>);

/// After this long, any successful write clears an old error, even one that stored no post
/// (a quiet day must not keep the service "unhealthy" for ever).
const FAILURE_SHOWN: std::time::Duration = std::time::Duration::from_secs(600);

impl Failing {
    fn failed(&mut self, message: String) {
        self.0 = Some((message, Instant::now()));
    }

    /// A write went through. A full disk still takes a small write (a fetch-log row fits in
    /// a page's free space), so only one that stored posts, or any after [`FAILURE_SHOWN`],
    /// counts as recovery.
    fn succeeded(&mut self, new_posts: usize) {
        if new_posts > 0
            || self
                .0
                .as_ref()
                .is_some_and(|(_, at)| at.elapsed() > FAILURE_SHOWN)
        {
            self.0 = None;
        }
    }
}

/// Joins the writer thread when the last handle is gone.
pub struct WriterThread {
    handle: JoinHandle<()>,
}

impl Writer {
    /// Starts the writer thread over `store`, one that waits when idle ([`Idle::Wait`]).
    pub fn spawn(store: Store) -> (Writer, WriterThread) {
        Writer::spawn_with(store, Idle::Wait)
    }

    /// Starts the writer thread over `store`, doing `idle` when it has nothing to do.
    pub fn spawn_with(mut store: Store, idle: Idle) -> (Writer, WriterThread) {
        store.defer_pending();
        let (tx, rx) = mpsc::channel::<Job>();
        let failing = Arc::new(Mutex::new(Failing::default()));
        let generation = Arc::new(AtomicU64::new(0));
        let state = failing.clone();
        let turns = generation.clone();
        let handle = std::thread::Builder::new()
            .name("pantau-store".into())
            .spawn(move || run(store, idle, rx, &state, &turns))
            .expect("the OS can start a thread");
        (
            Writer {
                tx,
                failing,
                generation,
            },
            WriterThread { handle },
        )
    }

    /// A number that grows whenever this writer may have changed the store: an answer read
    /// under one value is still the store's answer while the value is the same (as far as
    /// this process's writes go; another process or node writing to the same database does
    /// not move it).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Records the outcome of a write made through [`Writer::call`] (pushed posts), as the
    /// thread does for its own batches: the new posts stored, or the error.
    pub fn note_outcome(&self, outcome: Result<usize, String>) {
        let mut failing = self
            .failing
            .lock()
            .expect("the writer's state lock is never poisoned");
        match outcome {
            Ok(new_posts) => failing.succeeded(new_posts),
            Err(message) => failing.failed(message),
        }
    }

    /// Why the last write transaction failed, until one succeeds again.
    pub fn failing(&self) -> Option<String> {
        self.failing
            .lock()
            .expect("the writer's state lock is never poisoned")
            .0
            .as_ref()
            .map(|(message, _)| message.clone())
    }

    /// Commits one write; returns the number of new posts. The error is a message (the
    /// transaction's failure is shared by every write that was in it).
    pub async fn write(&self, write: Write) -> Result<usize, String> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job::Write(Box::new(write), reply))
            .map_err(|_| StoreError::WriterGone.to_string())?;
        metrics::global().writer_queue.inc();
        rx.await.map_err(|_| StoreError::WriterGone.to_string())?
    }

    /// Returns once every post committed before is indexed for search and placed in its story
    /// (readers that count stories, such as the briefing's, wait for this first).
    pub async fn settle(&self) -> Result<(), StoreError> {
        self.call(|_| ()).await
    }

    /// Runs `f` on the writer's connection and returns its result. Every post committed
    /// before is indexed and placed first.
    pub async fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> R + Send + 'static,
    ) -> Result<R, StoreError> {
        self.send(f, Job::Call).await
    }

    /// Runs `f`, which stores posts (a push), on the writer's connection: like a poll's
    /// commit, it does not wait for the posts committed before to be indexed and placed.
    pub async fn store<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> R + Send + 'static,
    ) -> Result<R, StoreError> {
        self.send(f, Job::Store).await
    }

    async fn send<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> R + Send + 'static,
        job: fn(Work) -> Job,
    ) -> Result<R, StoreError> {
        let (reply, rx) = oneshot::channel();
        let generation = self.generation.clone();
        self.tx
            .send(job(Box::new(move |store| {
                let result = f(store);
                // Before the reply: whoever reads after it sees the store moved.
                generation.fetch_add(1, Ordering::Release);
                let _ = reply.send(result);
            })))
            .map_err(|_| StoreError::WriterGone)?;
        metrics::global().writer_queue.inc();
        rx.await.map_err(|_| StoreError::WriterGone)
    }
}

impl WriterThread {
    /// Waits until the thread has committed everything queued and exited. Every [`Writer`]
    /// handle must be dropped first.
    pub fn join(self) {
        if self.handle.join().is_err() {
            tracing::error!("the store writer thread panicked");
        }
    }
}

fn run(
    mut store: Store,
    idle: Idle,
    rx: mpsc::Receiver<Job>,
    failing: &Mutex<Failing>,
    generation: &AtomicU64,
) {
    let checkpointer = match store.checkpoint_in_background() {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::warn!(error = %e, "WAL checkpoints stay with the writer");
            None
        }
    };
    let failing = || {
        failing
            .lock()
            .expect("the writer's state lock is never poisoned")
    };
    let mut merges = Merges::new(idle);
    while let Some(first) = next_job(&mut store, &rx, generation, &mut merges) {
        let mut writes: Vec<(Box<Write>, Reply)> = Vec::new();
        let mut calls = Vec::new();
        let mut next = Some(first);
        while let Some(job) = next.take() {
            metrics::global().writer_queue.dec();
            match job {
                Job::Write(w, r) => writes.push((w, r)),
                Job::Call(f) => calls.push((f, true)),
                Job::Store(f) => calls.push((f, false)),
            }
            if writes.len() + calls.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        if !writes.is_empty() {
            let (batch, replies): (Vec<Write>, Vec<Reply>) =
                writes.into_iter().map(|(w, r)| (*w, r)).unzip();
            let started = Instant::now();
            let result = store.write(&batch);
            let took = started.elapsed();
            metrics::global().observe_store(took);
            // Before the replies: a poller's next read sees the store moved.
            generation.fetch_add(1, Ordering::Release);
            match result {
                Ok(counts) => {
                    // One line per commit (at debug), so a bench can read the commit times'
                    // distribution rather than the histogram's buckets.
                    tracing::debug!(
                        writes = batch.len(),
                        new_posts = counts.iter().sum::<usize>(),
                        took_us = took.as_micros() as u64,
                        "batch committed"
                    );
                    failing().succeeded(counts.iter().sum());
                    count(&batch, &counts);
                    for (reply, n) in replies.into_iter().zip(counts) {
                        let _ = reply.send(Ok(n));
                    }
                }
                Err(e) => {
                    metrics::global().store_errors.inc();
                    tracing::error!(error = %e, writes = batch.len(), "gagal menyimpan ke basis data");
                    let message = match e.hint() {
                        Some(h) => format!("{e} ({h})"),
                        None => e.to_string(),
                    };
                    failing().failed(message.clone());
                    for reply in replies {
                        let _ = reply.send(Err(message.clone()));
                    }
                }
            }
        }
        for (call, settle) in calls {
            if settle {
                merges.after_step(finish_pending(&mut store, generation));
            }
            let started = Instant::now();
            call(&mut store);
            // Pushed posts, briefings and alert decisions commit in calls.
            tracing::debug!(took_us = started.elapsed().as_micros() as u64, "call ran");
        }
        if store
            .behind_since()
            .is_some_and(|since| since.elapsed() >= INDEX_WITHIN)
        {
            merges.after_step(finish_pending(&mut store, generation));
        }
    }
    finish_pending(&mut store, generation);
    drop(checkpointer);
    if let Err(e) = store.checkpoint() {
        tracing::warn!(error = %e, "WAL checkpoint on close failed");
    }
}

/// Whether the search index waits to be merged by a writer that merges when idle.
struct Merges {
    idle: Idle,
    owed: bool,
}

impl Merges {
    /// At a service's start merging is owed for whatever an earlier process left (a look
    /// that finds nothing takes a fraction of a millisecond).
    fn new(idle: Idle) -> Merges {
        Merges {
            idle,
            owed: idle == Idle::Merge,
        }
    }

    /// After a step behind the commit: one that indexed posts added a segment.
    fn after_step(&mut self, indexed: bool) {
        self.owed |= indexed && self.idle == Idle::Merge;
    }
}

/// The next job. While posts wait for the step behind the commit, runs it when no job has come
/// for [`IDLE_BEFORE_STEP`], or they have waited [`INDEX_WITHIN`]; with nothing pending and
/// merging owed, merges the search index when no job has come for [`IDLE_BEFORE_STEP`], step
/// after step while none comes. None once every handle is gone.
fn next_job(
    store: &mut Store,
    rx: &mpsc::Receiver<Job>,
    generation: &AtomicU64,
    merges: &mut Merges,
) -> Option<Job> {
    loop {
        let wait = match store.behind_since() {
            Some(since) => INDEX_WITHIN
                .saturating_sub(since.elapsed())
                .min(IDLE_BEFORE_STEP),
            None if merges.owed => IDLE_BEFORE_STEP,
            None => return rx.recv().ok(),
        };
        match rx.recv_timeout(wait) {
            Ok(job) => return Some(job),
            Err(mpsc::RecvTimeoutError::Disconnected) => return None,
            Err(mpsc::RecvTimeoutError::Timeout) if store.behind_since().is_some() => {
                merges.after_step(finish_pending(store, generation));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let (owed, next) = merge_while_idle(store, rx);
                merges.owed = owed;
                if next.is_some() {
                    return next;
                }
            }
        }
    }
}

/// Merges the search index step by step until a job comes (returned, with merging still owed)
/// or nothing is left to merge. Merging changes no answer, so it does not move the generation.
fn merge_while_idle(store: &mut Store, rx: &mpsc::Receiver<Job>) -> (bool, Option<Job>) {
    let started = Instant::now();
    let mut steps = 0;
    let owed = loop {
        steps += 1;
        match store.merge_search_step() {
            Ok(true) => {}
            Ok(false) => break false,
            Err(e) => {
                // Tried again after the next step behind the commit.
                tracing::warn!(error = %e, "penggabungan indeks pencarian gagal");
                break false;
            }
        }
        match rx.try_recv() {
            Ok(job) => return (true, Some(job)),
            Err(mpsc::TryRecvError::Empty) => {}
            Err(mpsc::TryRecvError::Disconnected) => break true,
        }
    };
    tracing::debug!(
        steps,
        took_us = started.elapsed().as_micros() as u64,
        "search index merged"
    );
    (owed, None)
}

/// Runs the step behind the commit; a failure leaves the posts pending for the next try.
/// Whether it indexed any post (and so added a segment to the search index).
fn finish_pending(store: &mut Store, generation: &AtomicU64) -> bool {
    let started = Instant::now();
    match store.finish_pending() {
        Ok(0) => false,
        Ok(n) => {
            generation.fetch_add(1, Ordering::Release);
            tracing::debug!(
                posts = n,
                took_us = started.elapsed().as_micros() as u64,
                "indexed and placed"
            );
            true
        }
        Err(e) => {
            metrics::global().store_errors.inc();
            tracing::error!(error = %e, "indeks pencarian dan penempatan cerita gagal; dicoba lagi");
            false
        }
    }
}

/// Counts what a committed transaction stored (new posts) and recorded (failed polls).
fn count(batch: &[Write], new_posts: &[usize]) {
    let m = metrics::global();
    for (write, &n) in batch.iter().zip(new_posts) {
        match write {
            Write::Ingest(i) => m.ingested(i.source.as_str(), n),
            Write::Failure(f) => m.fetch_failed(f.source.as_str(), &f.class),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Tags;
    use crate::store::posts::tests::post;

    /// Six posts, each stored and indexed by a step of its own, then a pause: the segments of
    /// the search index.
    async fn segments_after_a_pause(idle: Idle) -> i64 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        let (writer, thread) = Writer::spawn_with(Store::open(&path).unwrap(), idle);
        for i in 0..6 {
            let text = format!("Banjir di Sempaja, hari ke-{i}");
            let p = post("a", &i.to_string(), None, &text, "2026-11-27T02:10:00Z");
            let stored = writer
                .store(move |s| s.insert_posts(&[(p, Tags::default())], "v"))
                .await
                .unwrap();
            assert_eq!(stored.unwrap(), 1);
            writer.settle().await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let segments =
            crate::store::pending::tests::segments(&rusqlite::Connection::open(&path).unwrap());
        drop(writer);
        thread.join();
        segments
    }

    #[tokio::test]
    async fn a_service_writer_merges_the_search_index_when_idle_and_a_one_shot_one_waits() {
        assert_eq!(segments_after_a_pause(Idle::Wait).await, 6);
        // Four or more segments of a level are merged into one on the level above: 1 when the
        // merging came after the sixth step, 3 when it came after the fourth.
        let merged = segments_after_a_pause(Idle::Merge).await;
        assert!((1..=3).contains(&merged), "{merged} segments");
    }
}
