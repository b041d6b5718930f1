//! A progress line on stderr for long interactive commands (`run`, `seed`, `drift`, `smoke`).
//!
//! One line, redrawn in place: `seed [3/10] assembly (Part)`. A phase counts its steps
//! (`what [step/total] label`); a phase started inside another one shows after it
//! (`smoke [3/5] seed › seed [4/10] assembly (Part)`). The line is cleared when the last phase
//! finishes, so a command prints its results on a clean terminal.
//!
//! # When it shows
//!
//! Only where a command of the binary asks for it with [`Progress::on_stderr`], which draws
//! when stderr is a terminal, `CI` is unset (or empty, `false`, `0`) and `TERM` is not `dumb`.
//! `ION_PROGRESS=0` turns it off, `ION_PROGRESS=1` on (even on a pipe). The library never
//! draws by itself: its functions take a `&Progress` and are given [`Progress::hidden`] unless
//! a command says otherwise, so `cargo test` and the suites' trials stay silent.
//!
//! # Use
//!
//! ```
//! use ion_contract::progress::Progress;
//!
//! let progress = Progress::hidden(); // a command: Progress::on_stderr()
//! let phase = progress.start(3, "seed");
//! for name in ["location", "assembly", "component"] {
//!     phase.advance(name); // as the step starts: the line names what is waited on
//! }
//! phase.finish(); // or drop it: either clears the line
//! progress.suspend(|| eprintln!("a line of its own, with the progress line out of its way"));
//! ```
//!
//! A [`Progress`] is `Sync`: threads (the trials of `run`) share it, e.g. in an `Arc`, and
//! call [`Progress::advance`] on it, which counts a step of the innermost phase.
//!
//! # Implementation notes
//!
//! Each draw is one write: `\r`, clear-line (`ESC [2K`), autowrap off (`ESC [?7l`), the
//! text, autowrap on. With autowrap off a line wider than the terminal is cut at its edge
//! instead of wrapping onto a second line that `\r` could not clear, so no terminal width
//! is needed.
//!
//! Redraws are rate-limited to one per [`INTERVAL`]: the first state of a phase, its last
//! step and every finish or resume are always drawn; a step that comes too soon is drawn
//! when the interval ends, by a short-lived timer thread (at most one at a time), so a slow
//! step that started right after a fast one is still named while it is waited on. A fast
//! double seeding ten entities in a few milliseconds draws two or three lines, not ten.
//! Hand-written rather than indicatif: the whole need is this file, and the rendering is
//! tested byte for byte.

use std::fmt::{self, Write as _};
use std::io::{IsTerminal as _, Write};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The variable that forces the line off (`0`) or on (`1`).
pub const PROGRESS_ENV: &str = "ION_PROGRESS";

/// The shortest time between two redraws.
pub const INTERVAL: Duration = Duration::from_millis(100);

/// Clears the line the cursor is on and returns to its start.
const CLEAR: &str = "\r\x1b[2K";
const WRAP_OFF: &str = "\x1b[?7l";
const WRAP_ON: &str = "\x1b[?7h";

/// The progress line of one command: drawn on a writer (stderr), or hidden (a no-op).
pub struct Progress {
    shared: Option<Arc<Mutex<Screen>>>,
}

/// The renderer of a drawn [`Progress`], on whatever it writes to.
type Screen = Renderer<Box<dyn Write + Send>>;

/// A phase of a [`Progress`]: finishes (and redraws or clears the line) when dropped.
#[must_use = "a phase finishes, and its part of the line goes, when it is dropped"]
pub struct Phase<'p> {
    progress: &'p Progress,
    id: u64,
}

impl Progress {
    /// Draws nothing: what the library uses unless a command passes another.
    pub const fn hidden() -> Progress {
        Progress { shared: None }
    }

    /// A `&'static` hidden progress, for structs that hold a `&Progress`.
    pub fn hidden_ref() -> &'static Progress {
        static HIDDEN: Progress = Progress::hidden();
        &HIDDEN
    }

    /// Draws on `out`, whatever it is (tests; a caller that has decided itself).
    pub fn new(out: impl Write + Send + 'static) -> Progress {
        Progress {
            shared: Some(Arc::new(Mutex::new(Renderer::new(Box::new(out))))),
        }
    }

    /// Draws on stderr when [`wanted`] says so for this process's environment; else hidden.
    /// For the binary's commands only.
    pub fn on_stderr() -> Progress {
        let env = |name: &str| std::env::var(name).ok();
        if wanted(&env, std::io::stderr().is_terminal()) {
            Progress::new(std::io::stderr())
        } else {
            Progress::hidden()
        }
    }

    /// Whether anything is drawn at all.
    pub fn is_enabled(&self) -> bool {
        self.shared.is_some()
    }

    /// Starts a phase of `total` steps, shown as `what [0/total]` (after any phase already
    /// shown) until its first step.
    pub fn start(&self, total: usize, what: impl fmt::Display) -> Phase<'_> {
        let id = self.with(|r| r.start(total, printable(what), Instant::now()));
        Phase {
            progress: self,
            id: id.unwrap_or_default(),
        }
    }

    /// Counts one step of the innermost phase and shows `label` beside it.
    pub fn advance(&self, label: impl fmt::Display) {
        self.step(None, label);
    }

    /// Runs `f` with the line cleared and not redrawn (steps still count), then draws it
    /// again: for anything else a command writes to the terminal meanwhile.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        struct Resume<'a>(&'a Progress);
        impl Drop for Resume<'_> {
            fn drop(&mut self) {
                self.0.with(|r| r.resume(Instant::now()));
            }
        }
        self.with(Renderer::suspend);
        let _resume = Resume(self);
        f()
    }

    fn step(&self, id: Option<u64>, label: impl fmt::Display) {
        let Some(shared) = &self.shared else { return };
        let mut renderer = lock(shared);
        let Some(due) = renderer.advance(id, printable(label), Instant::now()) else {
            return;
        };
        if renderer.timer {
            return;
        }
        // Draw the deferred step when the interval ends, unless another draw comes first.
        let timer = Arc::clone(shared);
        let spawned = std::thread::Builder::new()
            .name("ion-contract-progress".into())
            .spawn(move || {
                std::thread::sleep(due.saturating_duration_since(Instant::now()));
                let mut renderer = lock(&timer);
                renderer.timer = false;
                renderer.draw_pending(Instant::now());
            });
        renderer.timer = spawned.is_ok();
    }

    fn with<R>(&self, f: impl FnOnce(&mut Screen) -> R) -> Option<R> {
        self.shared.as_ref().map(|shared| f(&mut lock(shared)))
    }
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Progress")
            .field("enabled", &self.is_enabled())
            .finish()
    }
}

impl Phase<'_> {
    /// Counts one step of this phase and shows `label` beside it.
    pub fn advance(&self, label: impl fmt::Display) {
        self.progress.step(Some(self.id), label);
    }

    /// Ends the phase: the line shows the phases around it, or is cleared.
    pub fn finish(self) {}
}

impl Drop for Phase<'_> {
    fn drop(&mut self) {
        self.progress.with(|r| r.finish(self.id, Instant::now()));
    }
}

/// Whether to draw, given the environment and whether stderr is a terminal: `ION_PROGRESS`
/// (`1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off`) decides if set; otherwise only on a
/// terminal, outside CI (`CI` unset, empty, `false` or `0`) and with a `TERM` other than
/// `dumb`.
pub fn wanted(env: &dyn Fn(&str) -> Option<String>, stderr_is_terminal: bool) -> bool {
    let is = |value: &str, words: &[&str]| {
        let value = value.trim();
        words.iter().any(|w| value.eq_ignore_ascii_case(w))
    };
    match env(PROGRESS_ENV) {
        Some(v) if is(&v, &["1", "true", "yes", "on"]) => return true,
        Some(v) if is(&v, &["0", "false", "no", "off"]) => return false,
        _ => {}
    }
    let ci = env("CI").is_some_and(|v| !is(&v, &["", "false", "0"]));
    stderr_is_terminal && !ci && env("TERM").as_deref() != Some("dumb")
}

/// `text` on one line, without control characters that would move the cursor.
fn printable(text: impl fmt::Display) -> String {
    let text = text.to_string();
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere while drawing leaves a state that is still fine to draw from.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The line's state and its writer; the methods that may draw take the time they are called
/// at, so tests drive the rate limit with explicit instants.
struct Renderer<W> {
    out: W,
    phases: Vec<PhaseState>,
    next_id: u64,
    /// A line is on the screen.
    shown: bool,
    last_drawn: Option<Instant>,
    /// The state changed since it was last drawn.
    pending: bool,
    /// How many [`Progress::suspend`]s are running.
    suspended: usize,
    /// A timer thread will call `draw_pending`.
    timer: bool,
}

struct PhaseState {
    id: u64,
    what: String,
    total: usize,
    step: usize,
    label: String,
}

impl<W: Write> Renderer<W> {
    fn new(out: W) -> Self {
        Renderer {
            out,
            phases: Vec::new(),
            next_id: 0,
            shown: false,
            last_drawn: None,
            pending: false,
            suspended: 0,
            timer: false,
        }
    }

    fn start(&mut self, total: usize, what: String, now: Instant) -> u64 {
        self.next_id += 1;
        self.phases.push(PhaseState {
            id: self.next_id,
            what,
            total,
            step: 0,
            label: String::new(),
        });
        self.draw(now);
        self.next_id
    }

    /// Counts a step of phase `id` (the innermost one when `None`); draws it when due, else
    /// returns when it will be.
    fn advance(&mut self, id: Option<u64>, label: String, now: Instant) -> Option<Instant> {
        let phase = match id {
            Some(id) => self.phases.iter_mut().find(|p| p.id == id),
            None => self.phases.last_mut(),
        }?;
        phase.step += 1;
        phase.label = label;
        let last_step = phase.step >= phase.total;
        self.pending = true;
        match self.last_drawn.map(|at| at + INTERVAL) {
            Some(due) if now < due && !last_step => Some(due),
            _ => {
                self.draw(now);
                None
            }
        }
    }

    fn finish(&mut self, id: u64, now: Instant) {
        self.phases.retain(|p| p.id != id);
        if self.phases.is_empty() {
            self.clear();
        } else {
            self.draw(now);
        }
    }

    fn suspend(&mut self) {
        self.clear();
        self.suspended += 1;
    }

    fn resume(&mut self, now: Instant) {
        self.suspended = self.suspended.saturating_sub(1);
        self.draw(now);
    }

    fn draw_pending(&mut self, now: Instant) {
        if self.pending {
            self.draw(now);
        }
    }

    /// Redraws the whole line, unless suspended or there is nothing to show.
    fn draw(&mut self, now: Instant) {
        if self.suspended > 0 || self.phases.is_empty() {
            return;
        }
        let mut line = format!("{CLEAR}{WRAP_OFF}");
        for (n, phase) in self.phases.iter().enumerate() {
            let separator = if n == 0 { "" } else { " › " };
            let _ = write!(
                line,
                "{separator}{} [{}/{}]",
                phase.what, phase.step, phase.total
            );
            if !phase.label.is_empty() {
                let _ = write!(line, " {}", phase.label);
            }
        }
        line.push_str(WRAP_ON);
        self.write(&line);
        self.shown = true;
        self.last_drawn = Some(now);
        self.pending = false;
    }

    fn clear(&mut self) {
        if self.shown {
            self.write(CLEAR);
            self.shown = false;
        }
    }

    /// One write per draw, scrubbed of secrets (labels may hold server text); a closed
    /// stderr is no reason to stop the command.
    fn write(&mut self, text: &str) {
        let _ = self
            .out
            .write_all(crate::scrub::text(text).as_bytes())
            .and_then(|()| self.out.flush());
    }
}

#[cfg(test)]
mod tests;
