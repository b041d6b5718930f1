//! How fast is the harness, and how does it grow? `cargo bench --bench harness` prints a
//! table and writes `target/bench/harness.json`:
//!
//! - **harness vs bare client.** A generated suite of 2,000 read cases (one step each, three
//!   JSONPath assertions, one in ten snapshotted) run in process through the library against
//!   the embedded double, with as many test threads as the machine has cores; and a bare
//!   reqwest loop sending the same 2,000 GraphQL requests, as many at a time, to one embedded
//!   double. Cases per second for both, and their ratio (target: at least 0.8); and where a
//!   case's time goes: each phase of a trial ([`ion_contract::phase_time`]: its double, its
//!   request, its checks, its snapshot) in microseconds per case, beside the bare client's
//!   time per request and the loading's share.
//! - **the double.** `{ me { id } }` from 8 concurrent keep-alive connections for 5 s,
//!   against `ion-contract serve` and against the embedded double: requests per second and
//!   p50/p99 latency (target: 10,000 requests/s and p99 under 5 ms on 2 cores).
//! - **growth.** 1,000 and 10,000 generated cases: the ratio of their run times (target at
//!   most 10.5), the time of `ion-contract run --list` for 10,000 (target 0.25 s), and
//!   each run's peak RSS.
//! - **hurl.** ion-contract side by side with Hurl 8 (`hurl --test --jobs 2`): 6,000
//!   generated read cases (`HARNESS_BENCH_HURL_CASES`) as suites and as `.hurl` files against
//!   one `ion-contract serve`, and the same suites against the embedded double; wall and CPU
//!   time of each, and ion-contract's cases/s over Hurl's (target: 3). See [`hurl`]; skipped
//!   with one line when `hurl` is not on PATH.
//!
//! Every figure is a median of several runs (or a ratio of medians). Generated suites and
//! their snapshots live under `target/bench/`, never in `suites/`; the snapshots are recorded
//! by one run before the measured ones. Harness runs happen in a child process (the bench
//! executable run with `--child`), which keeps libtest's report off this output and gives
//! each run its own peak RSS (`VmHWM`, Linux).
//!
//! ```sh
//! cargo bench --bench harness
//! HARNESS_BENCH_ONLY=load cargo bench --bench harness   # one part (harness, load, growth,
//!                                                       # hurl), e.g. under a profiler; no
//!                                                       # JSON then
//! HARNESS_BENCH_ONLY=hurl HARNESS_BENCH_HURL_CASES=600 cargo bench --bench harness  # quick
//! ```

mod bare;
mod child;
mod generate;
mod hurl;
mod load;
mod report;
mod timed;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ion_contract::double::DoubleData;

use child::{CHILD_FLAG, ChildRun, Measured};
use ion_contract::phase_time::Phase;
use report::{Figures, PerCase, median};

/// The shipped binary's allocator, so that the in-process runs (their time and peak memory)
/// are the binary's: with glibc's, one more thread (the runner's key preparation) changed
/// the peak of a 10,000-case run by a third through its arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Runs only the named parts (comma-separated: `harness`, `load`, `growth`, `hurl`).
const ONLY_ENV: &str = "HARNESS_BENCH_ONLY";
/// How many times each measurement is repeated.
const RUNS: usize = 3;
/// The harness-vs-bare comparison is cheap: more runs.
const PAIRED_RUNS: usize = 5;
/// The cases of the harness-vs-bare comparison.
const HARNESS_CASES: usize = 2_000;
/// Concurrent keep-alive connections of the load test.
const CONNECTIONS: usize = 8;
/// How long each load run lasts.
const LOAD_SECS: u64 = 5;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(CHILD_FLAG) {
        child::child_main(&args[1..]);
        return ExitCode::SUCCESS;
    }
    // `cargo bench` passes `--bench`; a filter argument that is not ours means "not me".
    if args.iter().any(|a| !a.starts_with('-') && a != "harness") {
        return ExitCode::SUCCESS;
    }
    let started = Instant::now();
    let out = bench_dir();
    std::fs::create_dir_all(&out)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", out.display()));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("suites");
    let data = Arc::new(
        DoubleData::load(
            &project.join("schema").join("ion.graphql"),
            &project.join("seed").join("demo.yaml"),
        )
        .expect("the double's schema and seed load"),
    );
    let mut figures = Figures {
        cores,
        threads: cores,
        harness_cases: HARNESS_CASES,
        connections: CONNECTIONS,
        load_secs: LOAD_SECS,
        runs: RUNS,
        paired_runs: PAIRED_RUNS,
        ..Figures::default()
    };
    let only = std::env::var(ONLY_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty());
    let runs = |part: &str| {
        only.as_deref()
            .is_none_or(|only| only.split(',').any(|p| p.trim() == part))
    };
    // Checked before any part runs, so a mistyped count costs no time.
    let hurl_cases = match hurl::cases_from_env() {
        Ok(cases) => cases,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    figures.parts = ["harness", "load", "growth", "hurl"]
        .into_iter()
        .filter(|part| runs(part))
        .collect();
    if runs("harness") {
        eprintln!("harness bench: harness vs bare client ...");
        harness_vs_bare(&out, &data, &mut figures);
    }
    if runs("load") {
        eprintln!("harness bench: the double under load ...");
        double_load(&data, &mut figures);
    }
    if runs("growth") {
        eprintln!("harness bench: growth ...");
        growth(&out, &mut figures);
    }
    if runs("hurl") {
        figures.hurl = hurl::compare(&out, hurl_cases, RUNS);
    }
    figures.bench_s = started.elapsed().as_secs_f64();
    print!("{}", figures.table());
    if only.is_some() {
        println!("{ONLY_ENV} is set: a partial run, so harness.json is not written");
        return ExitCode::SUCCESS;
    }
    let json = out.join("harness.json");
    figures.write_json(&json);
    println!("wrote {}", json.display());
    ExitCode::SUCCESS
}

/// `target/bench` of the target directory this bench was built in.
fn bench_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the bench knows its own executable");
    // <target>/<profile>/deps/harness-<hash>
    let target = exe
        .parent()
        .filter(|deps| deps.ends_with("deps"))
        .and_then(Path::parent)
        .and_then(Path::parent)
        .map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
            Path::to_path_buf,
        );
    target.join("bench")
}

/// Generates `cases` cases under `out/cases-<n>`, records their snapshots, and checks that
/// the recording run passed.
fn prepared(out: &Path, cases: usize, threads: usize) -> generate::Generated {
    let generated = generate::generate(
        &out.join(format!("cases-{cases}")),
        cases,
        Some(generate::SNAPSHOT_EVERY),
    );
    let recorded = ChildRun {
        suites: &generated.suites,
        snapshots: &generated.snapshots,
        threads,
        record: true,
    }
    .measure();
    assert_eq!(
        (recorded.passed, recorded.failed),
        (cases as u64, 0),
        "every generated case passes while its snapshots are recorded"
    );
    generated
}

/// Runs the generated suite through the harness (a child run), checking every case passed.
fn harness_run(generated: &generate::Generated, threads: usize) -> Measured {
    let measured = ChildRun {
        suites: &generated.suites,
        snapshots: &generated.snapshots,
        threads,
        record: false,
    }
    .measure();
    assert_eq!(
        measured.failed,
        0,
        "every generated case passes against its recorded snapshot ({})",
        generated.suites.display()
    );
    measured
}

fn harness_vs_bare(out: &Path, data: &Arc<DoubleData>, figures: &mut Figures) {
    let threads = figures.threads;
    let generated = prepared(out, HARNESS_CASES, threads);
    let requests = Arc::new(generated.requests.clone());
    let (mut harness, mut bare, mut ratios, mut loads) = (vec![], vec![], vec![], vec![]);
    let mut phases: Vec<Vec<f64>> = vec![vec![]; Phase::ALL.len()];
    for _ in 0..PAIRED_RUNS {
        let measured = harness_run(&generated, threads);
        let cases_per_s = HARNESS_CASES as f64 / measured.run_s;
        let bare_per_s = bare::requests_per_s(data, &requests, threads, 2);
        harness.push(cases_per_s);
        bare.push(bare_per_s);
        ratios.push(cases_per_s / bare_per_s);
        loads.push(measured.list_s);
        for (runs, spent) in phases.iter_mut().zip(measured.phases_s) {
            runs.push(spent * 1e6 / HARNESS_CASES as f64);
        }
    }
    figures.harness_cases_per_s = median(&harness);
    figures.bare_requests_per_s = median(&bare);
    figures.harness_vs_bare_ratio = median(&ratios);
    figures.harness_load_s = median(&loads);
    figures.per_case = Some(PerCase {
        cases: HARNESS_CASES,
        phases_us: std::array::from_fn(|i| median(&phases[i])),
        load_us: figures.harness_load_s * 1e6 / HARNESS_CASES as f64,
        bare_us: threads as f64 * 1e6 / figures.bare_requests_per_s,
    });
}

fn double_load(data: &Arc<DoubleData>, figures: &mut Figures) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime for the load clients");
    let duration = Duration::from_secs(LOAD_SECS);
    let (mut embedded, mut served, mut named, mut admin) = (vec![], vec![], vec![], vec![]);
    for _ in 0..RUNS {
        // A fresh double per run, so no run sees another's store.
        let (_double, endpoint) = load::embedded(&runtime, data);
        let drive = |request| load::drive(&runtime, &endpoint, request, CONNECTIONS, duration);
        embedded.push(drive(load::Request::MeId));
        let (_serve, endpoint) = load::serve();
        let drive = |request| load::drive(&runtime, &endpoint, request, CONNECTIONS, duration);
        served.push(drive(load::Request::MeId));
        named.push(drive(load::Request::MeNamed));
        admin.push(drive(load::Request::AdminCounters));
    }
    let pick = |runs: &[load::Load], f: fn(&load::Load) -> f64| {
        median(&runs.iter().map(f).collect::<Vec<_>>())
    };
    figures.double_req_per_s = pick(&embedded, |l| l.req_per_s);
    figures.double_p50_ms = pick(&embedded, |l| l.p50_ms);
    figures.double_p99_ms = pick(&embedded, |l| l.p99_ms);
    figures.serve_req_per_s = pick(&served, |l| l.req_per_s);
    figures.serve_p50_ms = pick(&served, |l| l.p50_ms);
    figures.serve_p99_ms = pick(&served, |l| l.p99_ms);
    figures.serve_me_named_req_per_s = pick(&named, |l| l.req_per_s);
    figures.serve_admin_req_per_s = pick(&admin, |l| l.req_per_s);
}

fn growth(out: &Path, figures: &mut Figures) {
    let threads = figures.threads;
    let small = prepared(out, 1_000, threads);
    let large = prepared(out, 10_000, threads);
    let (mut run_1k, mut run_10k, mut rss_1k, mut rss_10k) = (vec![], vec![], vec![], vec![]);
    let (mut list_1k, mut list_10k) = (vec![], vec![]);
    for _ in 0..RUNS {
        let measured = harness_run(&small, threads);
        run_1k.push(measured.run_s);
        rss_1k.push(measured.peak_rss_kb as f64 / 1024.0);
        let measured = harness_run(&large, threads);
        run_10k.push(measured.run_s);
        rss_10k.push(measured.peak_rss_kb as f64 / 1024.0);
        list_1k.push(list_seconds(&small));
        list_10k.push(list_seconds(&large));
    }
    figures.run_1k_s = median(&run_1k);
    figures.run_10k_s = median(&run_10k);
    figures.growth_ratio_10k_vs_1k = figures.run_10k_s / figures.run_1k_s;
    figures.list_1k_s = median(&list_1k);
    figures.list_10k_s = median(&list_10k);
    figures.peak_rss_1k_mb = median(&rss_1k);
    figures.peak_rss_10k_mb = median(&rss_10k);
}

/// The wall time of `ion-contract run --list` over the generated suites (the binary, as a
/// user or cargo-nextest runs it).
fn list_seconds(generated: &generate::Generated) -> f64 {
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("suites");
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_ion-contract"))
        .arg("run")
        .arg("--suites")
        .arg(&generated.suites)
        .arg("--schema")
        .arg(project.join("schema").join("ion.graphql"))
        .arg("--seed")
        .arg(project.join("seed").join("demo.yaml"))
        .arg("--snapshots")
        .arg(&generated.snapshots)
        .arg("--list")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .expect("ion-contract run --list starts");
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        status.success(),
        "ion-contract run --list exits 0: {status}"
    );
    seconds
}
