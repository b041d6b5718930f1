//! The bench's figures: medians, the printed table and `target/bench/harness.json`.

use std::path::Path;

use ion_contract::phase_time::Phase;
use serde_json::{Value, json};

use crate::timed::Timing;

/// Every figure the bench reports (medians of several runs, or ratios of medians).
#[derive(Debug, Default)]
pub struct Figures {
    pub cores: usize,
    pub threads: usize,
    pub harness_cases: usize,
    pub harness_cases_per_s: f64,
    /// Of the harness runs: loading and listing, in process.
    pub harness_load_s: f64,
    pub bare_requests_per_s: f64,
    pub harness_vs_bare_ratio: f64,
    pub connections: usize,
    pub load_secs: u64,
    pub double_req_per_s: f64,
    pub double_p50_ms: f64,
    pub double_p99_ms: f64,
    pub serve_req_per_s: f64,
    pub serve_p50_ms: f64,
    pub serve_p99_ms: f64,
    /// `query Me { me { id name email } }` on serve, requests per second.
    pub serve_me_named_req_per_s: f64,
    /// `GET /__double/requests` on serve, requests per second.
    pub serve_admin_req_per_s: f64,
    pub run_1k_s: f64,
    pub run_10k_s: f64,
    pub growth_ratio_10k_vs_1k: f64,
    pub list_1k_s: f64,
    pub list_10k_s: f64,
    pub peak_rss_1k_mb: f64,
    pub peak_rss_10k_mb: f64,
    pub runs: usize,
    pub paired_runs: usize,
    pub bench_s: f64,
    /// The parts that ran (`harness`, `load`, `growth`, `hurl`): the table shows only
    /// their rows.
    pub parts: Vec<&'static str>,
    /// Where a harness case's time goes (the harness-vs-bare runs' median).
    pub per_case: Option<PerCase>,
    /// The comparison with Hurl; `None` when it did not run (not asked for, or no `hurl`).
    pub hurl: Option<HurlFigures>,
}

/// Where a harness case's time goes: each phase of a trial, in microseconds of one test
/// thread per case (medians of the harness-vs-bare runs), beside the bare client's time
/// per request at the same concurrency.
#[derive(Debug)]
pub struct PerCase {
    /// Cases per run.
    pub cases: usize,
    /// Each phase's microseconds per case, in [`Phase::ALL`]'s order.
    pub phases_us: [f64; Phase::ALL.len()],
    /// Loading the suites (the run's setup), microseconds of wall time per case.
    pub load_us: f64,
    /// The bare client: microseconds per request of one of its concurrent tasks.
    pub bare_us: f64,
}

impl PerCase {
    fn table(&self) -> String {
        let us = |phase: Phase| self.phases_us[phase as usize];
        let parts: f64 = Phase::ALL[1..].iter().map(|p| us(*p)).sum();
        let mut out = format!(
            "\nwhere a harness case's time goes ({} cases; microseconds of one test thread per \
             case, medians):\n",
            self.cases
        );
        let mut line = |name: &str, value: f64, note: &str| {
            out += &format!("  {name:<22} {value:>8.1} us  {note}\n");
        };
        line(
            "trial",
            us(Phase::Trial),
            "libtest's call, all of the below",
        );
        for phase in &Phase::ALL[1..] {
            let note = match phase {
                Phase::Double => "the case's own double (seed copy, pooled server) and client",
                Phase::Request => "send and answer: client, HTTP on loopback, the double's work",
                Phase::Checks => "expectations, captures, snapshot entry",
                Phase::Snapshot => "compare with the snapshot file",
                Phase::Trial => "",
            };
            line(phase.name(), us(*phase), note);
        }
        line(
            "other",
            us(Phase::Trial) - parts,
            "locks, fixtures, report records, a thread's first runtime and client",
        );
        line(
            "bare request",
            self.bare_us,
            "the bare client's time per request, same concurrency",
        );
        line(
            "loading, per case",
            self.load_us,
            "wall time, before the first trial",
        );
        out
    }

    fn json(&self) -> Value {
        let mut phases: serde_json::Map<String, Value> = Phase::ALL
            .iter()
            .map(|p| (p.name().to_owned(), json!(self.phases_us[*p as usize])))
            .collect();
        phases.insert("bare_request".into(), json!(self.bare_us));
        phases.insert("loading".into(), json!(self.load_us));
        Value::Object(phases)
    }
}

/// One row of the table: figure, value, target, verdict.
type Row = (String, String, &'static str, &'static str);

/// The comparison with Hurl: medians of `runs` runs of each tool over `cases` cases.
#[derive(Debug)]
pub struct HurlFigures {
    /// `hurl <version>`, as `hurl --version` says it.
    pub version: String,
    pub cases: usize,
    /// Hurl's `--jobs` and ion-contract's `--test-threads`.
    pub jobs: usize,
    pub runs: usize,
    /// `hurl --test` against serve (`server_cpu_s`: serve's CPU time meanwhile).
    pub hurl: Timing,
    /// `ion-contract run --target sandbox` against the same serve.
    pub serve: Timing,
    /// `ion-contract run` against the embedded double.
    pub embedded: Timing,
    /// ion-contract's cases per second against serve divided by Hurl's (median of the runs'
    /// ratios).
    pub ratio: f64,
}

impl HurlFigures {
    /// The table's rows: figure, value, target, verdict.
    fn rows(&self) -> Vec<Row> {
        let h = self;
        let timing = |t: &Timing| {
            format!(
                "{:.2} s, {:.0} cases/s, CPU {:.2} s",
                t.wall_s,
                h.cases as f64 / t.wall_s,
                t.cpu_s
            )
        };
        let with_serve = |t: &Timing| format!("{} + serve {:.2} s", timing(t), t.server_cpu_s);
        vec![
            (
                format!("{} --test --jobs {}, {} cases", h.version, h.jobs, h.cases),
                with_serve(&h.hurl),
                "",
                "",
            ),
            (
                "ion-contract run, sandbox = that serve".into(),
                with_serve(&h.serve),
                "",
                "",
            ),
            (
                "ion-contract / hurl (cases/s)".into(),
                format!("{:.2}x", h.ratio),
                ">= 3.0x",
                verdict(h.ratio >= 3.0),
            ),
            (
                "ion-contract run, embedded double".into(),
                timing(&h.embedded),
                "",
                "",
            ),
        ]
    }

    /// The figures as JSON.
    fn json(&self) -> Value {
        let h = self;
        let timing = |t: &Timing| {
            json!({
                "wall_s": t.wall_s,
                "cases_per_s": h.cases as f64 / t.wall_s,
                "cpu_s": t.cpu_s,
            })
        };
        let with_serve = |t: &Timing| {
            let mut value = timing(t);
            value["serve_cpu_s"] = json!(t.server_cpu_s);
            value
        };
        json!({
            "hurl_version": h.version,
            "cases": h.cases,
            "jobs": h.jobs,
            "runs": h.runs,
            "hurl": with_serve(&h.hurl),
            "ion_contract_serve": with_serve(&h.serve),
            "ion_contract_embedded": timing(&h.embedded),
            "ion_contract_serve_vs_hurl_ratio": h.ratio,
        })
    }
}

/// The median of `values` (the mean of the middle two for an even count); 0 when empty.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

fn verdict(holds: bool) -> &'static str {
    if holds { "holds" } else { "MISSED" }
}

impl Figures {
    /// GraphQL's `Me` against the admin GET on serve: what GraphQL work costs per request.
    fn me_vs_admin(&self) -> f64 {
        if self.serve_admin_req_per_s > 0.0 {
            self.serve_me_named_req_per_s / self.serve_admin_req_per_s
        } else {
            0.0
        }
    }

    /// The figures as a table, with each target and whether it holds.
    pub fn table(&self) -> String {
        let f = self;
        let mut rows: Vec<(String, String, &str, &str)> = Vec::new();
        if f.ran("harness") {
            rows.extend(f.harness_rows());
        }
        if f.ran("load") {
            rows.extend(f.load_rows());
        }
        if f.ran("growth") {
            rows.extend(f.growth_rows());
        }
        rows.extend(f.hurl.iter().flat_map(HurlFigures::rows));
        let mut out = format!(
            "ion-contract harness bench: {} cores, {} test threads (bare client: same \
             concurrency), medians of {} runs ({} for harness vs bare), double load {} s per run\n\n",
            f.cores, f.threads, f.runs, f.paired_runs, f.load_secs
        );
        out += &format!("{:<40} {:<44} {:<28} {}\n", "figure", "value", "target", "");
        for (name, value, target, holds) in rows {
            out += &format!("{name:<40} {value:<44} {target:<28} {holds}\n");
        }
        if let Some(per_case) = &f.per_case {
            out += &per_case.table();
        }
        out += &format!("\nbench took {:.0} s\n", f.bench_s);
        out
    }

    fn ran(&self, part: &str) -> bool {
        self.parts.contains(&part)
    }

    fn harness_rows(&self) -> Vec<Row> {
        let f = self;
        vec![
            (
                format!("harness, {} read cases (in process)", f.harness_cases),
                format!("{:.0} cases/s", f.harness_cases_per_s),
                "",
                "",
            ),
            (
                "  of which loading the suites".into(),
                format!("{:.2} s", f.harness_load_s),
                "",
                "",
            ),
            (
                format!("bare reqwest, same {} requests", f.harness_cases),
                format!("{:.0} req/s", f.bare_requests_per_s),
                "",
                "",
            ),
            (
                "harness / bare".into(),
                format!("{:.2}", f.harness_vs_bare_ratio),
                ">= 0.80",
                verdict(f.harness_vs_bare_ratio >= 0.8),
            ),
        ]
    }

    fn load_rows(&self) -> Vec<Row> {
        let f = self;
        vec![
            (
                format!("embedded double, {} conns", f.connections),
                format!(
                    "{:.0} req/s, p50 {:.2} ms, p99 {:.2} ms",
                    f.double_req_per_s, f.double_p50_ms, f.double_p99_ms
                ),
                ">= 10000 req/s, p99 < 5 ms",
                verdict(f.double_req_per_s >= 10_000.0 && f.double_p99_ms < 5.0),
            ),
            (
                format!("serve, {} conns", f.connections),
                format!(
                    "{:.0} req/s, p50 {:.2} ms, p99 {:.2} ms",
                    f.serve_req_per_s, f.serve_p50_ms, f.serve_p99_ms
                ),
                ">= 10000 req/s, p99 < 5 ms",
                verdict(f.serve_req_per_s >= 10_000.0 && f.serve_p99_ms < 5.0),
            ),
            (
                "serve: Me { id name email } / GET /__double/requests".into(),
                format!(
                    "{:.2} ({:.0} / {:.0} req/s)",
                    f.me_vs_admin(),
                    f.serve_me_named_req_per_s,
                    f.serve_admin_req_per_s
                ),
                ">= 0.5",
                verdict(f.me_vs_admin() >= 0.5),
            ),
        ]
    }

    fn growth_rows(&self) -> Vec<Row> {
        let f = self;
        vec![
            (
                "run 1,000 / 10,000 cases".into(),
                format!("{:.2} s / {:.2} s", f.run_1k_s, f.run_10k_s),
                "",
                "",
            ),
            (
                "growth 10k / 1k".into(),
                format!("{:.2}x", f.growth_ratio_10k_vs_1k),
                "<= 10.5x",
                verdict(f.growth_ratio_10k_vs_1k <= 10.5),
            ),
            (
                "run --list, 1,000 / 10,000 cases".into(),
                format!("{:.2} s / {:.2} s", f.list_1k_s, f.list_10k_s),
                "10k <= 0.25 s",
                verdict(f.list_10k_s <= 0.25),
            ),
            (
                "peak RSS 1,000 / 10,000 cases".into(),
                format!("{:.1} MB / {:.1} MB", f.peak_rss_1k_mb, f.peak_rss_10k_mb),
                "",
                "",
            ),
        ]
    }

    /// Writes the figures as JSON to `path` (its directory must exist).
    pub fn write_json(&self, path: &Path) {
        let f = self;
        let value = json!({
            "cores": f.cores,
            "test_threads": f.threads,
            "runs": f.runs,
            "paired_runs": f.paired_runs,
            "harness_cases": f.harness_cases,
            "harness_cases_per_s": f.harness_cases_per_s,
            "harness_load_s": f.harness_load_s,
            "bare_requests_per_s": f.bare_requests_per_s,
            "harness_vs_bare_ratio": f.harness_vs_bare_ratio,
            "load_connections": f.connections,
            "load_secs": f.load_secs,
            "double_req_per_s": f.double_req_per_s,
            "double_p50_ms": f.double_p50_ms,
            "double_p99_ms": f.double_p99_ms,
            "serve_req_per_s": f.serve_req_per_s,
            "serve_p50_ms": f.serve_p50_ms,
            "serve_p99_ms": f.serve_p99_ms,
            "serve_me_named_req_per_s": f.serve_me_named_req_per_s,
            "serve_admin_req_per_s": f.serve_admin_req_per_s,
            "me_vs_admin_ratio": f.me_vs_admin(),
            "run_1k_s": f.run_1k_s,
            "run_10k_s": f.run_10k_s,
            "growth_ratio_10k_vs_1k": f.growth_ratio_10k_vs_1k,
            "list_1k_s": f.list_1k_s,
            "list_10k_s": f.list_10k_s,
            "peak_rss_1k_mb": f.peak_rss_1k_mb,
            "peak_rss_10k_mb": f.peak_rss_10k_mb,
            "bench_s": f.bench_s,
            "hurl_comparison": f.hurl.as_ref().map(HurlFigures::json),
            "per_case_us": f.per_case.as_ref().map(PerCase::json),
        });
        let text = serde_json::to_string_pretty(&value).expect("figures are JSON") + "\n";
        std::fs::write(path, text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}
