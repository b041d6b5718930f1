//! How a run ends: its counts, its exit code, and the reports it writes.

use std::process::ExitCode;

use libtest_mimic::Conclusion;

use super::{Ran, RunOptions};
use crate::exit;
use crate::report::{self, FailureClass, RunReport};

pub(super) fn ran(conclusion: &Conclusion, exit: ExitCode, report: Option<RunReport>) -> Ran {
    Ran {
        passed: conclusion.num_passed,
        failed: conclusion.num_failed,
        ignored: conclusion.num_ignored,
        exit,
        report,
    }
}

/// 2 when something was invalid, 3 when the preflight failed, else libtest's code.
pub(super) fn exit_code(report: &RunReport, conclusion: &Conclusion) -> ExitCode {
    let failed = |classes: &[FailureClass]| {
        report.failures().any(|t| {
            t.failure
                .as_ref()
                .is_some_and(|f| classes.contains(&f.class))
        })
    };
    if failed(&[FailureClass::Invalid]) {
        ExitCode::from(exit::INVALID)
    } else if failed(&[FailureClass::Preflight, FailureClass::NotRun]) {
        ExitCode::from(exit::PREFLIGHT_FAILED)
    } else {
        conclusion.exit_code()
    }
}

/// Writes the reports the options ask for; under nextest (one trial per process) says why
/// it does not.
pub(super) fn write_reports(
    report: &RunReport,
    options: &RunOptions,
) -> Result<(), report::ReportError> {
    let env = |name: &str| std::env::var(name).ok();
    if !options.reports.any() {
        return Ok(());
    }
    if report::under_nextest(&env) {
        crate::scrubbed_eprintln!(
            "ion-contract: reports are not written under cargo-nextest, where each process \
             runs one trial; use nextest's JUnit (`cargo nextest run --profile ci`)"
        );
        return Ok(());
    }
    report::write_reports(report, &options.reports, &env)
}
