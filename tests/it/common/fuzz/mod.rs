//! What the fuzz tests share: how many cases to run (`ION_FUZZ_CASES`), a proptest runner
//! with a fixed seed, a watchdog that turns a hang into a failure naming the input, and the
//! committed seed corpus.
//!
//! cargo-fuzz targets would need a nightly toolchain and libFuzzer wherever they run, and
//! CI and the developers' machines build with stable only, so these fuzz tests are proptest
//! properties on stable instead: structure-aware mutations of real inputs, deterministic (a
//! fixed seed), shrunk to a small input when one fails, and run by plain `cargo test`.

pub mod mutate;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use super::manifest_dir;

/// The variable that raises the number of cases (executions) of every fuzz test.
pub const CASES_VAR: &str = "ION_FUZZ_CASES";

/// The cases to run: `ION_FUZZ_CASES` when set, else `default` (small, so `cargo test` stays
/// fast).
pub fn cases(default: u32) -> u32 {
    match std::env::var(CASES_VAR) {
        Ok(value) => value
            .trim()
            .replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{CASES_VAR}={value:?} is not a number of cases")),
        Err(_) => default,
    }
}

/// A runner for `cases` cases whose inputs depend only on `seed`: the same run every time.
pub fn runner(cases: u32, seed: u64) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..Config::default()
    };
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&(seed.rotate_left(16 * i as u32) ^ i as u64).to_le_bytes());
    }
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// The input being run and since when, if any.
type Running = Arc<Mutex<Option<(Instant, Vec<u8>)>>>;

/// Counts executions and fails the process, naming the input, when one runs longer than its
/// limit: a hang is a finding, not a stuck test.
pub struct Watchdog {
    current: Running,
    executions: AtomicU64,
}

impl Watchdog {
    /// Starts watching; `name` says which test hung, `limit` how long one input may take.
    pub fn start(name: &'static str, limit: Duration) -> Self {
        let current: Running = Arc::default();
        let watched = Arc::clone(&current);
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(200));
                let guard = watched.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((started, input)) = guard.as_ref()
                    && started.elapsed() > limit
                {
                    let file = hang_file(name);
                    let _ = std::fs::write(&file, input);
                    eprintln!(
                        "{name}: one input ran longer than {limit:?}; it is saved in {}:\n{}",
                        file.display(),
                        preview(input)
                    );
                    std::process::exit(101);
                }
            }
        });
        Watchdog {
            current,
            executions: AtomicU64::new(0),
        }
    }

    /// Runs `body` on `input` under the watchdog.
    pub fn watch<T>(&self, input: &[u8], body: impl FnOnce() -> T) -> T {
        let done = self.executions.fetch_add(1, Ordering::Relaxed);
        if done > 0 && done.is_multiple_of(100_000) {
            eprintln!("{} executions so far", done);
        }
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), input.to_vec()));
        let result = body();
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = None;
        result
    }

    /// How many inputs ran, shrinking included.
    pub fn executions(&self) -> u64 {
        self.executions.load(Ordering::Relaxed)
    }
}

fn hang_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-hang-{}.bin", std::process::id()))
}

/// Saves a failing input where a regression test can be made of it; returns the path.
pub fn save_failure(name: &str, input: &[u8]) -> PathBuf {
    let file = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-failure-{}.bin", std::process::id()));
    let _ = std::fs::write(&file, input);
    file
}

/// The first 2,000 bytes of an input, escaped, for a failure message.
pub fn preview(input: &[u8]) -> String {
    let shown = &input[..input.len().min(2000)];
    let mut text = String::from_utf8_lossy(shown).escape_debug().to_string();
    if input.len() > shown.len() {
        text.push_str(&format!("... ({} bytes in all)", input.len()));
    }
    text
}

/// The committed seed corpus `tests/fuzz/corpus/<name>/`, each file's bytes, sorted by name.
pub fn corpus(name: &str) -> Vec<Vec<u8>> {
    files_under(
        &manifest_dir().join("tests/fuzz/corpus").join(name),
        &|_| true,
    )
}

/// The bytes of every file under `dir` (recursively) that `keep` accepts, sorted by path.
pub fn files_under(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<Vec<u8>> {
    let mut paths = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)
            .expect("a corpus directory")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if keep(&path) {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read(p).expect("a corpus file"))
        .collect()
}
