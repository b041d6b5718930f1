//! The markdown summary, for `$GITHUB_STEP_SUMMARY` (or any markdown viewer): a headline
//! with the verdict, the totals, then the failures with the first lines of their messages,
//! the refusals ION answered (environment mismatches), responses that no longer match their
//! snapshot (drift), throttling and load-check highlights, and why trials were ignored.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use super::{FailureClass, Outcome, RunReport, TrialRecord};

/// How many failures are shown with their message; the rest are counted.
const SHOWN_FAILURES: usize = 20;
/// How many lines of each failure message are shown.
const MESSAGE_LINES: usize = 12;

/// The summary as markdown, ending in a newline.
pub fn render(report: &RunReport) -> String {
    let mut out = String::new();
    let totals = report.totals;
    let verdict = match (totals.failed, totals.passed + totals.failed) {
        (0, 0) => "nothing ran".to_owned(),
        (0, ran) => format!("all {ran} passed"),
        (failed, ran) => format!("{failed} of {ran} failed"),
    };
    let _ = writeln!(out, "## ion-contract on `{}`: {verdict}\n", report.target);
    let requests: u32 = report.trials.iter().map(|t| t.requests).sum();
    let throttled: u32 = report.trials.iter().map(|t| t.throttled).sum();
    let _ = writeln!(
        out,
        "| passed | failed | ignored | requests | answered 429 | time |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: |\n\
         | {} | {} | {} | {requests} | {throttled} | {} |",
        totals.passed,
        totals.failed,
        totals.ignored,
        seconds(report.duration_ms)
    );
    failures(&mut out, report);
    refusals(&mut out, report);
    let drifted: Vec<&TrialRecord> = report
        .failures()
        .filter(|t| t.failure.as_ref().map(|f| f.class) == Some(FailureClass::Snapshot))
        .collect();
    if !drifted.is_empty() {
        let _ = writeln!(out, "\n### Responses that no longer match their snapshot\n");
        for trial in drifted {
            let _ = writeln!(out, "- `{}`", trial.name);
        }
        let _ = writeln!(
            out,
            "\nReview with `ion-contract review` (accept or reject each new response), or \
             re-record on purpose with `INSTA_UPDATE=always`."
        );
    }
    if !report.highlights.is_empty() {
        let _ = writeln!(out, "\n### Throttling and load\n");
        for line in &report.highlights {
            let _ = writeln!(out, "- {line}");
        }
    }
    ignored(&mut out, report);
    out
}

fn failures(out: &mut String, report: &RunReport) {
    let failed: Vec<&TrialRecord> = report.failures().collect();
    if failed.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n### Failures\n");
    for trial in failed.iter().take(SHOWN_FAILURES) {
        let class = trial.failure.as_ref().map_or("failed", |f| f.class.name());
        let head = trial.message_head(MESSAGE_LINES).unwrap_or_default();
        let fence = fence_for(&head);
        let _ = writeln!(
            out,
            "**`{}`** ({class})\n\n{fence}text\n{head}\n{fence}\n",
            trial.name
        );
    }
    if failed.len() > SHOWN_FAILURES {
        let _ = writeln!(
            out,
            "... and {} more failures; the JUnit and JSON reports hold every one.",
            failed.len() - SHOWN_FAILURES
        );
    }
}

fn refusals(out: &mut String, report: &RunReport) {
    let refused: Vec<&TrialRecord> = report
        .trials
        .iter()
        .filter(|t| !t.mismatch_classes.is_empty())
        .collect();
    if refused.is_empty() && report.refusal_verdict().is_none() {
        return;
    }
    let _ = writeln!(
        out,
        "\n### Refused by ION (401/403) where no step expected it\n"
    );
    for trial in refused {
        let classes: Vec<&str> = trial.mismatch_classes.iter().map(|c| c.name()).collect();
        let _ = writeln!(out, "- `{}`: {}", trial.name, classes.join(", "));
    }
    if let Some(verdict) = report.refusal_verdict() {
        let _ = writeln!(out, "\n{verdict}.");
    }
}

fn ignored(out: &mut String, report: &RunReport) {
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for trial in report
        .trials
        .iter()
        .filter(|t| t.outcome == Outcome::Ignored)
    {
        let why = trial.ignored_because.as_deref().unwrap_or("ignored");
        *reasons.entry(why).or_default() += 1;
    }
    if reasons.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n### Not run\n");
    for (why, count) in reasons {
        let _ = writeln!(out, "- {count} trial(s): {why}");
    }
}

/// `1234` ms as `1.2s`.
fn seconds(ms: u64) -> String {
    format!("{:.1}s", Duration::from_millis(ms).as_secs_f64())
}

/// A code fence longer than any run of backticks in `text`.
fn fence_for(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat((longest + 1).max(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fence_outgrows_the_backticks_inside() {
        assert_eq!(fence_for("plain"), "```");
        assert_eq!(fence_for("a ```` b"), "`````");
    }
}
