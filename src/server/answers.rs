//! Answers kept in memory between the writer's commits: the dashboard's picture of the last 24
//! hours and `/api/trends` read every topic's rollups, which costs the same whoever asks, and
//! change only when the store does. So each is computed once for the store as it stands and
//! served to every reader until the writer commits again ([`Writer::generation`]).
//!
//! Under steady ingest the writer commits several times a second, more often than a large
//! store can recompute these, so two rules keep readers from queueing behind one another:
//! - one computation at a time per answer: readers who arrive while it runs never start
//!   their own (a second computation would only slow the first down);
//! - while it runs, a reader is served the previous answer if that one's computation started
//!   less than [`LAG`] ago, and otherwise waits for the running one. An answer thus lacks at
//!   most the commits of the last [`LAG`], or of one computation where that takes longer.
//!
//! A reader who finds no computation running starts one and waits for it, so a client that
//! writes and then reads (a script, a test) reads its own write unless other readers are
//! asking for the same answer at that moment.
//!
//! [`Writer::generation`] counts this process's writes only; another process or node writing
//! to the same database is seen within [`KEEP`], after which an answer is computed again.
//!
//! [`Writer::generation`]: crate::store::writer::Writer::generation

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

/// How long an answer is served while this process's writer has not moved.
pub const KEEP: Duration = Duration::from_secs(10);

/// How old (from the start of its computation) a previous answer may be and still be served
/// while the next one is computed: the same bound as a stored post's wait for search.
pub const LAG: Duration = Duration::from_secs(2);

/// Answers kept per key (a `?at=` or window of the trends API); past this the oldest idle one
/// is dropped, so odd requests cannot grow the map without end.
const MAX_KEYS: usize = 64;

/// Kept answers of one kind, by key.
pub struct Answers<K, V> {
    slots: Mutex<HashMap<K, Slot<V>>>,
}

struct Slot<V> {
    /// The newest answer computed.
    done: Option<Done<V>>,
    /// The computation running, if any.
    running: Option<Running<V>>,
}

struct Done<V> {
    generation: u64,
    /// When its computation started: what it knows of the store is as of then.
    at: Instant,
    value: Arc<V>,
}

struct Running<V> {
    generation: u64,
    at: Instant,
    cell: Arc<OnceCell<Arc<V>>>,
}

impl<V> Default for Slot<V> {
    fn default() -> Self {
        Slot {
            done: None,
            running: None,
        }
    }
}

impl<K: Eq + Hash + Clone, V> Default for Answers<K, V> {
    fn default() -> Self {
        Answers {
            slots: Mutex::new(HashMap::new()),
        }
    }
}

/// What a reader does: take an answer, or wait for a computation.
enum Take<V> {
    Answer(Arc<V>),
    /// Wait for this computation, which started at this instant for this generation.
    Wait(Arc<OnceCell<Arc<V>>>, Instant, u64),
}

impl<K: Eq + Hash + Clone, V> Answers<K, V> {
    /// The answer for `key` with the store at `generation`: kept, or computed by `compute` (by
    /// this reader or by the one already computing it).
    pub async fn get<E, F, Fut>(&self, key: K, generation: u64, compute: F) -> Result<Arc<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let (cell, at, generation) = match self.take(&key, generation) {
            Take::Answer(value) => return Ok(value),
            Take::Wait(cell, at, generation) => (cell, at, generation),
        };
        let value = cell
            .get_or_try_init(|| async { compute().await.map(Arc::new) })
            .await?
            .clone();
        self.record(key, generation, at, &cell, &value);
        Ok(value)
    }

    fn take(&self, key: &K, generation: u64) -> Take<V> {
        let mut slots = self
            .slots
            .lock()
            .expect("the answers' lock is never poisoned");
        if !slots.contains_key(key) && slots.len() >= MAX_KEYS {
            evict_oldest(&mut slots);
        }
        let slot = slots.entry(key.clone()).or_default();
        if let Some(done) = &slot.done
            && done.generation == generation
            && done.at.elapsed() < KEEP
        {
            return Take::Answer(done.value.clone());
        }
        if let Some(running) = &slot.running {
            if running.generation == generation
                && let Some(value) = running.cell.get()
            {
                return Take::Answer(value.clone());
            }
            if let Some(done) = slot.done.as_ref().filter(|d| d.at.elapsed() < LAG) {
                return Take::Answer(done.value.clone());
            }
            // One computation at a time, even for an older generation: a second one would
            // only slow the first down.
            return Take::Wait(running.cell.clone(), running.at, running.generation);
        }
        let running = Running {
            generation,
            at: Instant::now(),
            cell: Arc::new(OnceCell::new()),
        };
        let wait = Take::Wait(running.cell.clone(), running.at, generation);
        slot.running = Some(running);
        wait
    }

    /// Keeps a finished computation's answer, unless a newer one is kept already.
    fn record(
        &self,
        key: K,
        generation: u64,
        at: Instant,
        cell: &Arc<OnceCell<Arc<V>>>,
        value: &Arc<V>,
    ) {
        let mut slots = self
            .slots
            .lock()
            .expect("the answers' lock is never poisoned");
        let Some(slot) = slots.get_mut(&key) else {
            return;
        };
        if slot.done.as_ref().is_none_or(|d| d.at < at) {
            slot.done = Some(Done {
                generation,
                at,
                value: value.clone(),
            });
        }
        if slot
            .running
            .as_ref()
            .is_some_and(|r| Arc::ptr_eq(&r.cell, cell))
        {
            slot.running = None;
        }
    }
}

/// Drops the slot whose answer is oldest among those with no computation running.
fn evict_oldest<K: Eq + Hash + Clone, V>(slots: &mut HashMap<K, Slot<V>>) {
    let oldest = slots
        .iter()
        .filter(|(_, s)| s.running.is_none())
        .min_by_key(|(_, s)| s.done.as_ref().map(|d| d.at))
        .map(|(k, _)| k.clone());
    if let Some(k) = oldest {
        slots.remove(&k);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Counts computations; each takes `ms` and answers the number of computations so far.
    async fn compute(count: &AtomicUsize, ms: u64) -> Result<usize, String> {
        let n = count.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(Duration::from_millis(ms)).await;
        Ok(n)
    }

    #[tokio::test]
    async fn one_computation_per_generation_for_every_reader() {
        let answers: Arc<Answers<&str, usize>> = Arc::default();
        let count = Arc::new(AtomicUsize::new(0));
        let readers: Vec<_> = (0..20)
            .map(|_| {
                let (answers, count) = (answers.clone(), count.clone());
                tokio::spawn(
                    async move { *answers.get("k", 1, || compute(&count, 50)).await.unwrap() },
                )
            })
            .collect();
        for r in readers {
            assert_eq!(r.await.unwrap(), 1);
        }
        assert_eq!(count.load(Ordering::SeqCst), 1);
        // Still generation 1: kept.
        assert_eq!(
            *answers.get("k", 1, || compute(&count, 0)).await.unwrap(),
            1
        );
        // The writer moved: the next reader computes and reads the new answer.
        assert_eq!(
            *answers.get("k", 2, || compute(&count, 0)).await.unwrap(),
            2
        );
        // Another key is its own answer.
        assert_eq!(
            *answers
                .get("other", 2, || compute(&count, 0))
                .await
                .unwrap(),
            3
        );
    }

    #[tokio::test]
    async fn readers_during_a_computation_get_the_recent_answer() {
        let answers: Arc<Answers<&str, usize>> = Arc::default();
        let count = Arc::new(AtomicUsize::new(0));
        assert_eq!(
            *answers.get("k", 1, || compute(&count, 0)).await.unwrap(),
            1
        );
        // A commit; one reader starts the slow computation...
        let first = {
            let (answers, count) = (answers.clone(), count.clone());
            tokio::spawn(
                async move { *answers.get("k", 2, || compute(&count, 300)).await.unwrap() },
            )
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        // ...and another, meanwhile, is served the answer of a moment ago without waiting.
        let started = Instant::now();
        assert_eq!(
            *answers.get("k", 2, || compute(&count, 0)).await.unwrap(),
            1
        );
        assert!(started.elapsed() < Duration::from_millis(200));
        // The one who started it reads its own write.
        assert_eq!(first.await.unwrap(), 2);
        assert_eq!(
            *answers.get("k", 2, || compute(&count, 0)).await.unwrap(),
            2
        );
        assert_eq!(count.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_old_answer_is_not_served_while_a_new_one_is_computed() {
        let answers: Arc<Answers<&str, usize>> = Arc::default();
        let count = Arc::new(AtomicUsize::new(0));
        answers.get("k", 1, || compute(&count, 0)).await.unwrap();
        // Make the kept answer older than the lag allows.
        {
            let mut slots = answers.slots.lock().unwrap();
            let done = slots.get_mut("k").unwrap().done.as_mut().unwrap();
            done.at -= LAG + Duration::from_millis(100);
        }
        let first = {
            let (answers, count) = (answers.clone(), count.clone());
            tokio::spawn(
                async move { *answers.get("k", 2, || compute(&count, 200)).await.unwrap() },
            )
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        // This reader waits for the running computation rather than take the stale answer
        // or start a second one.
        assert_eq!(
            *answers.get("k", 2, || compute(&count, 0)).await.unwrap(),
            2
        );
        assert_eq!(first.await.unwrap(), 2);
        assert_eq!(count.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_commit_during_a_computation_does_not_start_a_second_one() {
        let answers: Arc<Answers<&str, usize>> = Arc::default();
        let count = Arc::new(AtomicUsize::new(0));
        let first = {
            let (answers, count) = (answers.clone(), count.clone());
            tokio::spawn(
                async move { *answers.get("k", 1, || compute(&count, 200)).await.unwrap() },
            )
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Generation 2 while generation 1's answer is computed: this reader gets that one.
        assert_eq!(
            *answers.get("k", 2, || compute(&count, 0)).await.unwrap(),
            1
        );
        assert_eq!(first.await.unwrap(), 1);
        assert_eq!(count.load(Ordering::SeqCst), 1);
        // Nothing runs now: the next reader computes generation 2's answer.
        assert_eq!(
            *answers.get("k", 2, || compute(&count, 0)).await.unwrap(),
            2
        );
    }

    #[tokio::test]
    async fn a_failed_computation_is_not_kept() {
        let answers: Answers<&str, usize> = Answers::default();
        let failed: Result<Arc<usize>, String> = answers
            .get("k", 1, || async { Err("disk".to_string()) })
            .await;
        assert_eq!(failed.unwrap_err(), "disk");
        assert_eq!(
            *answers
                .get("k", 1, || async { Ok::<_, String>(7) })
                .await
                .unwrap(),
            7
        );
    }

    #[tokio::test]
    async fn keys_are_bounded() {
        let answers: Answers<usize, usize> = Answers::default();
        for k in 0..MAX_KEYS + 10 {
            answers
                .get(k, 1, || async { Ok::<_, String>(k) })
                .await
                .unwrap();
        }
        assert_eq!(answers.slots.lock().unwrap().len(), MAX_KEYS);
    }
}
