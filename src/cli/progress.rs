//! The progress line of long commands (`keywords backtest`, `keywords suggest`, `export`).

/// A progress line on stderr for long runs, only when stderr is a terminal.
pub(super) struct Progress {
    total: u64,
    done: u64,
    shown_percent: u64,
    on: bool,
}

impl Progress {
    pub(super) fn new(total: u64) -> Progress {
        use std::io::IsTerminal as _;
        Progress {
            total,
            done: 0,
            shown_percent: 0,
            on: std::io::stderr().is_terminal() && total >= 2000,
        }
    }

    pub(super) fn tick(&mut self) {
        self.done += 1;
        if !self.on {
            return;
        }
        let percent = self.done * 100 / self.total.max(1);
        if percent != self.shown_percent {
            self.shown_percent = percent;
            let filled = (percent / 4) as usize;
            eprint!(
                "\r  [{}{}] {percent:3}% ({}/{})",
                "#".repeat(filled),
                " ".repeat(25 - filled),
                self.done,
                self.total
            );
        }
    }

    pub(super) fn finish(&self) {
        if self.on {
            eprintln!();
        }
    }
}
