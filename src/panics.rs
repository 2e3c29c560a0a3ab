//! Panics held to one line. Parsers of untrusted input (feed-rs, quick-xml, the HTML parser)
//! can panic on bytes nobody foresaw; [`guarded`] and [`Guarded`] run such work under
//! `catch_unwind` and hand the panic back as a [`Panicked`] value, which the caller reports as
//! that work's failure. [`install_hook`] replaces the default hook (which prints "thread …
//! panicked" and a backtrace to stderr, and reads like a crash): a guarded panic prints
//! nothing there, and any other panic — a real bug — is one `tracing::error!` line with its
//! location, with a backtrace only when `RUST_BACKTRACE` asks for one.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{AssertUnwindSafe, PanicHookInfo};
use std::pin::Pin;
use std::task::{Context, Poll};

thread_local! {
    /// How many guards are active on this thread: the hook stays quiet while any is.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// Where the last guarded panic on this thread happened, left by the hook for the guard.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A panic caught by a guard: its message and, when the hook saw it, where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panicked {
    pub message: String,
    pub location: Option<String>,
}

impl std::fmt::Display for Panicked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // One line, whatever the panic's message held.
        let message = self
            .message
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        match &self.location {
            Some(location) => write!(f, "{message} (di {location})"),
            None => f.write_str(&message),
        }
    }
}

/// Runs `work`, catching a panic inside it. The hook stays silent for it: the caller reports
/// the [`Panicked`] it gets back.
pub fn guarded<T>(work: impl FnOnce() -> T) -> Result<T, Panicked> {
    DEPTH.with(|d| d.set(d.get() + 1));
    let result = std::panic::catch_unwind(AssertUnwindSafe(work));
    DEPTH.with(|d| d.set(d.get() - 1));
    result.map_err(|payload| Panicked {
        message: payload_message(payload.as_ref()),
        location: LOCATION.with(|l| l.borrow_mut().take()),
    })
}

/// A future whose every poll runs [`guarded`]: a panic inside it ends it with
/// `Err(Panicked)` instead of unwinding into the runtime. The future is not polled again
/// after a panic.
pub struct Guarded<F> {
    inner: Option<F>,
}

impl<F: Future + Unpin> Guarded<F> {
    /// `inner` is `Unpin` (a boxed future, as pollers return), so it is polled in place.
    pub fn new(inner: F) -> Self {
        Guarded { inner: Some(inner) }
    }
}

impl<F: Future + Unpin> Future for Guarded<F> {
    type Output = Result<F::Output, Panicked>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Pending;
        };
        match guarded(|| Pin::new(inner).poll(cx)) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panicked) => {
                self.inner = None;
                Poll::Ready(Err(panicked))
            }
        }
    }
}

/// Replaces the default panic hook for the whole process (the binary calls it first thing).
pub fn install_hook() {
    std::panic::set_hook(Box::new(hook));
}

fn hook(info: &PanicHookInfo<'_>) {
    let location = info
        .location()
        .map(|l| format!("{}:{}", short_path(l.file()), l.line()));
    if DEPTH.with(Cell::get) > 0 {
        LOCATION.with(|l| *l.borrow_mut() = location);
        return;
    }
    let message = payload_message(info.payload());
    let location = location.unwrap_or_else(|| "?".into());
    let thread = std::thread::current().name().unwrap_or("?").to_owned();
    // `capture` honours RUST_BACKTRACE and RUST_LIB_BACKTRACE: no backtrace unless asked.
    let backtrace = std::backtrace::Backtrace::capture();
    let backtrace = match backtrace.status() {
        std::backtrace::BacktraceStatus::Captured => format!("\n{backtrace}"),
        _ => String::new(),
    };
    if tracing::dispatcher::has_been_set() {
        tracing::error!(%location, thread, message, "galat internal (panic){backtrace}");
    } else {
        // Before logging is set up (or in a command without it) the line must still show.
        eprintln!(
            "pantau: galat internal (panic) di {location} (thread {thread}): {message}{backtrace}"
        );
    }
}

/// A dependency's source path from the crate's folder on (`feed-rs-3.0.0/src/…`): the
/// registry's own folders say nothing to an operator.
fn short_path(file: &str) -> &str {
    match file.find("/registry/src/") {
        Some(at) => {
            let rest = &file[at + "/registry/src/".len()..];
            rest.split_once('/')
                .map_or(rest, |(_, crate_path)| crate_path)
        }
        None => file,
    }
}

/// The text a panic carries: `panic!("…")` gives a `&str` or a `String`.
fn payload_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(panic tanpa pesan)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_the_guard_is_a_value_with_its_message() {
        // The process's hook is left alone here (the binary's tests check it); the location
        // then stays unknown.
        let caught = guarded(|| -> u32 { panic!("rusak di baris\n{}", 7) }).unwrap_err();
        assert_eq!(caught.message, "rusak di baris\n7");
        let shown = Panicked {
            location: Some("src/x.rs:3".into()),
            ..caught
        };
        assert_eq!(shown.to_string(), "rusak di baris 7 (di src/x.rs:3)");
        // The guard is released: work after it runs normally, and a nested guard unwinds
        // only to itself.
        assert_eq!(guarded(|| 2 + 2), Ok(4));
        let outer = guarded(|| guarded(|| panic!("dalam")).unwrap_err().message);
        assert_eq!(outer, Ok("dalam".to_owned()));
        assert_eq!(DEPTH.with(Cell::get), 0);
    }

    #[test]
    fn dependency_paths_start_at_the_crate() {
        assert_eq!(
            short_path(
                "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/feed-rs-3.0.0/src/lib.rs"
            ),
            "feed-rs-3.0.0/src/lib.rs"
        );
        assert_eq!(short_path("src/sources/poll.rs"), "src/sources/poll.rs");
    }

    #[test]
    fn a_panicking_future_ends_with_the_panic() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let caught = runtime
            .block_on(Guarded::new(Box::pin(async {
                tokio::task::yield_now().await;
                let v: Vec<u8> = Vec::new();
                v[3]
            })))
            .unwrap_err();
        assert!(caught.message.contains("index out of bounds"), "{caught:?}");
        assert_eq!(runtime.block_on(Guarded::new(Box::pin(async { 5 }))), Ok(5));
    }
}
