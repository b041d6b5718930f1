//! ion-contract side by side with Hurl (`HARNESS_BENCH_ONLY=hurl`): the same generated read
//! cases (one step, three JSONPath assertions, no snapshots: Hurl has none) as suites and as
//! one `.hurl` file per case, against ONE `ion-contract serve` started here on a free loopback
//! port and stopped after. Each run times, one after the other:
//!
//! - `hurl --test --jobs 2` over the `.hurl` files (each POSTs the case's GraphQL body with
//!   `Authorization: Bearer <token>`, a token fetched once per run with the sandbox's key,
//!   expects `HTTP 200` and checks three `jsonpath` asserts);
//! - `ion-contract run --target sandbox --test-threads 2` over the suites, the sandbox pointed
//!   at the serve through the `ION_SANDBOX_...` variables it printed;
//! - `ion-contract run --test-threads 2` over the same suites against the embedded double
//!   (target `mock`), for comparison.
//!
//! Both tools run as a user runs them (a process each, loading included); every run must pass
//! every case, or the bench fails. The ratio is ion-contract's cases per second against the
//! serve divided by Hurl's (target: 3). Without `hurl` on PATH the part is skipped with one
//! line saying how to install it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ion_contract::auth::client_credentials_token;

use crate::generate;
use crate::load;
use crate::report::{HurlFigures, median};
use crate::timed::{self, Timing};

/// The number of generated cases (default [`DEFAULT_CASES`]), e.g. fewer for a quick run.
pub const CASES_ENV: &str = "HARNESS_BENCH_HURL_CASES";
/// The setup: 6,000 read cases.
pub const DEFAULT_CASES: usize = 6_000;
/// Hurl's `--jobs` and ion-contract's `--test-threads`.
const JOBS: usize = 2;
/// Variables of the bench's own environment that would change what `ion-contract run` does.
const RUN_VARIABLES: &[&str] = &[
    "CI",
    "INSTA_UPDATE",
    "ION_TARGET",
    "ION_TAGS",
    "ION_SKIP_TAGS",
    "ION_SHARD",
    "ION_REPORT_JUNIT",
    "ION_REPORT_JSON",
    "ION_REPORT_SUMMARY",
    "ION_SANDBOX_TOKEN",
    "RUST_TEST_THREADS",
];

/// The case count [`CASES_ENV`] asks for, or why it cannot be used.
pub fn cases_from_env() -> Result<usize, String> {
    match std::env::var(CASES_ENV) {
        Err(_) => Ok(DEFAULT_CASES),
        Ok(value) => match value.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!(
                "{CASES_ENV}={value:?} is not a number of cases\nhelp: set it to a whole number \
                 above 0 (default {DEFAULT_CASES}), or unset it"
            )),
        },
    }
}

/// `hurl <version>` as `hurl --version` says it, or `None` (after one line saying how to install Hurl) when
/// `hurl` is not on PATH.
fn hurl_version() -> Option<String> {
    match Command::new("hurl").arg("--version").output() {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            // `hurl 8.0.1 (x86_64-pc-linux-gnu) libcurl/...`: the name and version.
            let words: Vec<&str> = text.split_whitespace().take(2).collect();
            Some(words.join(" "))
        }
        Ok(out) => panic!(
            "`hurl --version` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!(
                "harness bench: the Hurl comparison is skipped: `hurl` is not on PATH (install \
                 Hurl 8: see https://hurl.dev/docs/installation.html, or docs/dev/benchmarks.md)"
            );
            None
        }
        Err(e) => panic!("cannot run `hurl --version`: {e}"),
    }
}

/// Runs the comparison `runs` times with `cases` cases generated under `out`; `None` when
/// Hurl is not installed.
pub fn compare(out: &Path, cases: usize, runs: usize) -> Option<HurlFigures> {
    let version = hurl_version()?;
    eprintln!("harness bench: side by side with {version}, {cases} cases ...");
    let root = out.join(format!("hurl-{cases}"));
    let generated = generate::generate(&root, cases, None);
    let hurl_files = generate::generate_hurl(&root.join("hurl"), cases);
    let (serve, endpoint) = load::serve();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime for the token requests");
    let token = || {
        runtime.block_on(async {
            let http = reqwest::Client::new();
            client_credentials_token(&http, &endpoint.url, &endpoint.credentials)
                .await
                .expect("serve grants the sandbox's key a token")
                .access_token
                .expose()
                .to_owned()
        })
    };
    let hurl = Hurl {
        api_url: &endpoint.url,
        root: &root,
        serve_pid: serve.pid(),
    };
    hurl.assert_checks(&token());
    let files: Vec<&Path> = hurl_files.iter().map(PathBuf::as_path).collect();
    let (mut hurl_runs, mut serve_runs, mut embedded_runs, mut ratios) =
        (vec![], vec![], vec![], vec![]);
    for run in 1..=runs {
        eprintln!("harness bench: hurl comparison, run {run} of {runs} ...");
        let token = token();
        let (hurl_timing, output) = hurl.run(&files, &token);
        check_hurl_passed(&output, cases, &token);
        hurl_runs.push(hurl_timing);
        let mut sandbox = ion_contract_run(&root, &generated.suites, "sandbox");
        sandbox.envs(serve.sandbox_env.iter().cloned());
        let (timing, output) = timed::run(&mut sandbox, Some(serve.pid()));
        // A live target's run has one more trial: `preflight::sandbox`.
        check_run_passed(&output, cases + 1, "sandbox");
        serve_runs.push(timing);
        ratios.push(hurl_timing.wall_s / timing.wall_s);
        let (timing, output) = timed::run(
            &mut ion_contract_run(&root, &generated.suites, "mock"),
            None,
        );
        check_run_passed(&output, cases, "mock");
        embedded_runs.push(timing);
    }
    drop(serve);
    Some(HurlFigures {
        version,
        cases,
        jobs: JOBS,
        runs,
        hurl: medians(&hurl_runs),
        serve: medians(&serve_runs),
        embedded: medians(&embedded_runs),
        ratio: median(&ratios),
    })
}

/// The median of each figure of `runs`.
fn medians(runs: &[Timing]) -> Timing {
    let of = |f: fn(&Timing) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    Timing {
        wall_s: of(|t| t.wall_s),
        cpu_s: of(|t| t.cpu_s),
        server_cpu_s: of(|t| t.server_cpu_s),
    }
}

/// Runs `hurl --test --jobs 2` against the serve at `api_url`.
struct Hurl<'a> {
    /// The serve's sandbox URL, the files' `{{api_url}}`.
    api_url: &'a str,
    /// Where the generated files are (Hurl runs there).
    root: &'a Path,
    /// The serve's process id, for its CPU time.
    serve_pid: u32,
}

impl Hurl<'_> {
    /// Runs `files` with `token` as the secret `{{token}}`; times it.
    fn run(&self, files: &[&Path], token: &str) -> (Timing, Output) {
        let mut command = Command::new("hurl");
        command
            .args(["--test", "--jobs", &JOBS.to_string(), "--no-color"])
            .arg("--variable")
            .arg(format!("api_url={}", self.api_url))
            .args(files)
            .env("HURL_SECRET_token", token)
            .current_dir(self.root)
            .stdin(Stdio::null());
        timed::run(&mut command, Some(self.serve_pid))
    }

    /// Before anything is measured: one generated case passes and the same case with a wrong
    /// expected value fails, so Hurl does check the generated asserts against this serve.
    fn assert_checks(&self, token: &str) {
        let failing = self.root.join("failing.hurl");
        generate::generate_failing_hurl(&failing);
        let (_, output) = self.run(&[&failing], token);
        let shown = redacted(&String::from_utf8_lossy(&output.stderr), token);
        assert!(
            // Hurl exits 4 when an assert fails.
            output.status.code() == Some(4) && shown.contains("Assert failure"),
            "a generated .hurl case with a wrong expected value fails an assert ({}): {shown}",
            output.status
        );
        let (_, output) = self.run(&[&self.root.join("hurl").join("read-00000.hurl")], token);
        check_hurl_passed(&output, 1, token);
    }
}

/// `ion-contract run --target <target> --test-threads 2 --quiet` over `suites`, run in `root`
/// (so nothing is written into the project), with the project's schema and seed.
fn ion_contract_run(root: &Path, suites: &Path, target: &str) -> Command {
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("suites");
    let mut command = Command::new(env!("CARGO_BIN_EXE_ion-contract"));
    command
        .args(["run", "--target", target, "--suites"])
        .arg(suites)
        .arg("--schema")
        .arg(project.join("schema").join("ion.graphql"))
        .arg("--seed")
        .arg(project.join("seed").join("demo.yaml"))
        .args(["--test-threads", &JOBS.to_string(), "--quiet"])
        .current_dir(root)
        .stdin(Stdio::null());
    for variable in RUN_VARIABLES {
        command.env_remove(variable);
    }
    command
}

/// Checks that Hurl ran and passed `cases` files.
fn check_hurl_passed(output: &Output, cases: usize, token: &str) {
    let stderr = redacted(&String::from_utf8_lossy(&output.stderr), token);
    let succeeded = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Succeeded files:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<usize>().ok());
    assert!(
        output.status.success() && succeeded == Some(cases),
        "hurl passes all {cases} generated cases ({}, succeeded: {succeeded:?}); the end of \
         its output:\n{}",
        output.status,
        tail(&stderr)
    );
}

/// Checks that `ion-contract run` passed `trials` trials, none failed or ignored.
fn check_run_passed(output: &Output, trials: usize, target: &str) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let counts = stdout
        .lines()
        .find_map(|l| l.strip_prefix("test result: "))
        .map(|summary| {
            let count = |word: &str| {
                summary
                    .split(';')
                    .find_map(|part| part.trim().strip_suffix(word))
                    .and_then(|n| n.rsplit(' ').next()?.trim().parse::<usize>().ok())
            };
            (count(" passed"), count(" failed"), count(" ignored"))
        });
    assert!(
        output.status.success() && counts == Some((Some(trials), Some(0), Some(0))),
        "ion-contract run --target {target} passes all {trials} trials ({}, passed, \
         failed, ignored: {counts:?}); the end of its output:\n{}{}",
        output.status,
        tail(&stdout),
        tail(&String::from_utf8_lossy(&output.stderr))
    );
}

/// `text` without `token`.
fn redacted(text: &str, token: &str) -> String {
    text.replace(token, "<redacted>")
}

/// The last 20 lines of `text`.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n") + "\n"
}
