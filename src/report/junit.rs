//! The JUnit XML report: the only module that knows quick-junit.
//!
//! One `<testsuite>` per suite (and one each for `preflight`, `targets`, ...), one
//! `<testcase>` per trial, named like the trial (`parts::list::mock`) with the suite's id as
//! its `classname`. A failed case is one `<failure>` whose `message` is the first line of its
//! failure, `type` its [`FailureClass`](super::FailureClass) and text the whole message plus
//! its requests, 429s and refusal classes. Those counts are also `<properties>` of the
//! testcase (`requests`, `throttled`, `refused`), and a case that passed only after
//! throttling, or a load check, says what it measured in `<system-out>`. Ignored trials are
//! `<skipped>` with why.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::{Outcome, RunReport, TrialRecord};

/// The report as JUnit XML.
pub fn render(report: &RunReport) -> String {
    let mut junit = Report::new(format!("ion-contract@{}", report.target));
    junit.set_time(Duration::from_millis(report.duration_ms));
    let mut suites: BTreeMap<&str, TestSuite> = BTreeMap::new();
    for trial in &report.trials {
        let suite = suites
            .entry(trial.suite.as_str())
            .or_insert_with(|| TestSuite::new(trial.suite.as_str()));
        suite.add_test_case(test_case(trial));
    }
    for (_, mut suite) in suites {
        let time: u64 = suite
            .test_cases
            .iter()
            .filter_map(|case| case.time)
            .map(|time| u64::try_from(time.as_millis()).unwrap_or(u64::MAX))
            .sum();
        suite.set_time(Duration::from_millis(time));
        junit.add_test_suite(suite);
    }
    junit
        .to_string()
        .unwrap_or_else(|e| format!("<!-- the JUnit report could not be rendered: {e} -->\n"))
}

fn test_case(trial: &TrialRecord) -> TestCase {
    let status = match (trial.outcome, &trial.failure) {
        (Outcome::Failed, Some(failure)) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let headline = failure.message.lines().next().unwrap_or_default();
            status
                .set_message(headline)
                .set_type(failure.class.name())
                .set_description(format!("{}\n{}", failure.message.trim_end(), counts(trial)));
            status
        }
        (Outcome::Failed, None) => TestCaseStatus::non_success(NonSuccessKind::Failure),
        (Outcome::Ignored, _) => {
            let mut status = TestCaseStatus::skipped();
            if let Some(why) = &trial.ignored_because {
                status.set_message(why.as_str());
            }
            status
        }
        (Outcome::Passed, _) => TestCaseStatus::success(),
    };
    let mut case = TestCase::new(trial.name.as_str(), status);
    case.set_classname(trial.suite.as_str());
    case.set_time(Duration::from_millis(trial.duration_ms));
    if !trial.steps.is_empty() {
        case.add_property(Property::new("requests", trial.requests.to_string()));
        case.add_property(Property::new("throttled", trial.throttled.to_string()));
    }
    if !trial.mismatch_classes.is_empty() {
        case.add_property(Property::new("refused", refused(trial)));
    }
    let highlights = trial.highlights();
    if !highlights.is_empty() {
        case.set_system_out(highlights.join("\n"));
    }
    case
}

/// `requests: 4, answered 429: 3, refused: wrong-environment`.
fn counts(trial: &TrialRecord) -> String {
    let mut text = format!(
        "requests: {}, answered 429: {}",
        trial.requests, trial.throttled
    );
    if !trial.mismatch_classes.is_empty() {
        let _ = write!(text, ", refused: {}", refused(trial));
    }
    text
}

fn refused(trial: &TrialRecord) -> String {
    let names: Vec<&str> = trial.mismatch_classes.iter().map(|c| c.name()).collect();
    names.join(", ")
}
