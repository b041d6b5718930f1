//! A smoke run told: its markdown summary, its exit code, and its report, with one trial per
//! stage (`smoke::<stage>::<target>`) and then the trials of the suites stage, so CI shows a
//! run that stopped at `drift` as that stage's failing testcase and the stages after it as
//! skipped.

use std::fmt::Write as _;

use super::{Smoked, Stage, StageOutcome};
use crate::exit;
use crate::report::{FailureClass, RunReport, TrialKind, TrialRecord};

impl Smoked {
    /// The run as a report on `target`.
    pub fn report(&self, target: &str) -> RunReport {
        let mut trials: Vec<TrialRecord> = Stage::ALL
            .iter()
            .map(|stage| self.stage_record(*stage, target))
            .collect();
        if let Some(suites) = &self.suites {
            trials.extend(suites.trials.iter().cloned());
        }
        RunReport::new(target, self.duration, trials)
    }

    fn stage_record(&self, stage: Stage, target: &str) -> TrialRecord {
        let name = format!("smoke::{}::{target}", stage.name());
        let record = TrialRecord::new(&name, TrialKind::Stage, target);
        match self.outcomes.iter().find(|o| o.stage == stage) {
            None => {
                let failed = self.outcomes.iter().find(|o| o.failed.is_some());
                let why = failed.map_or_else(
                    || "not run".to_owned(),
                    |o| format!("not run: the {} stage failed", o.stage.name()),
                );
                record.ignored(Some(why))
            }
            Some(StageOutcome {
                failed: Some(code),
                line,
                detail,
                ..
            }) => {
                let message = if detail.is_empty() {
                    line.clone()
                } else {
                    format!("{line}\n{detail}")
                };
                record.failed(class_of(*code), message)
            }
            // What a passed stage found (a baseline recorded, rows others changed) is its
            // note: JUnit's system-out, the JSON report's `notes`.
            Some(StageOutcome { line, .. }) => record.with_steps(&[], vec![line.clone()]),
        }
    }
}

/// The failure class of a stage that ended with `code`.
fn class_of(code: u8) -> FailureClass {
    match code {
        exit::PREFLIGHT_FAILED => FailureClass::Preflight,
        exit::SCHEMA_DRIFT => FailureClass::SchemaDrift,
        exit::SEED_REFUSED => FailureClass::SeedRefused,
        exit::DATA_DRIFT => FailureClass::DataDrift,
        exit::RESET => FailureClass::SandboxReset,
        exit::CASE_FAILED => FailureClass::Assertion,
        _ => FailureClass::Invalid,
    }
}

/// The markdown summary of a smoke run of `target` whose stages went as `outcomes`.
pub fn summary(target: &str, outcomes: &[StageOutcome]) -> String {
    let failed = outcomes.iter().find(|o| o.failed.is_some());
    let mut text = match failed {
        None => format!("**ion-contract smoke, target {target}: passed**\n\n"),
        Some(o) => format!(
            "**ion-contract smoke, target {target}: failed at {}**: {}\n\n",
            o.stage.name(),
            o.line
        ),
    };
    for stage in Stage::ALL {
        let line = match outcomes.iter().find(|o| o.stage == stage) {
            Some(o) if o.failed.is_some() => format!("- ✗ {}: {}", stage.name(), o.line),
            Some(o) => format!("- ✓ {}: {}", stage.name(), o.line),
            None => format!("- · {}: not run", stage.name()),
        };
        let _ = writeln!(text, "{line}");
    }
    if let Some(o) = failed
        && !o.detail.is_empty()
    {
        let _ = write!(text, "\n```text\n{}\n```\n", o.detail.trim_end());
    }
    text
}

/// The exit code of the run: the failing stage's, else 0.
pub fn exit_code(outcomes: &[StageOutcome]) -> u8 {
    outcomes.iter().find_map(|o| o.failed).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::report::Outcome;

    #[test]
    fn a_run_stopped_by_drift_fails_that_stage_and_skips_the_rest() {
        let smoked = Smoked {
            outcomes: vec![
                StageOutcome::passed(Stage::Preflight, "tenant Acme"),
                StageOutcome::passed(Stage::Schema, "no breaking change"),
                StageOutcome::passed(Stage::Seed, "10 entities"),
                StageOutcome::failed(Stage::Drift, exit::DATA_DRIFT, "drift", "changed x"),
            ],
            suites: None,
            duration: Duration::from_millis(5),
        };
        let report = smoked.report("sandbox");
        let outcome = |name: &str| {
            let trial = report.trials.iter().find(|t| t.name == name).expect(name);
            (trial.outcome, trial.failure.as_ref().map(|f| f.class))
        };
        assert_eq!(outcome("smoke::seed::sandbox"), (Outcome::Passed, None));
        let seed = report
            .trials
            .iter()
            .find(|t| t.name == "smoke::seed::sandbox");
        assert_eq!(
            seed.map(|t| t.notes.clone()),
            Some(vec!["10 entities".to_owned()])
        );
        assert_eq!(
            outcome("smoke::drift::sandbox"),
            (Outcome::Failed, Some(FailureClass::DataDrift))
        );
        assert_eq!(outcome("smoke::suites::sandbox"), (Outcome::Ignored, None));
        assert_eq!((report.totals.failed, report.totals.ignored), (1, 1));
    }

    #[test]
    fn the_summary_names_the_failing_stage_and_what_was_not_run() {
        let outcomes = [
            StageOutcome::passed(Stage::Preflight, "tenant Acme"),
            StageOutcome::passed(Stage::Schema, "no breaking change"),
            StageOutcome::passed(Stage::Seed, "10 entities (0 created)"),
            StageOutcome::failed(
                Stage::Drift,
                exit::DATA_DRIFT,
                "drift: 1 difference",
                "changed  component.description",
            ),
        ];
        let text = summary("sandbox", &outcomes);
        assert!(
            text.starts_with(
                "**ion-contract smoke, target sandbox: failed at drift**: drift: 1 difference"
            ),
            "{text}"
        );
        assert!(text.contains("- ✓ seed: 10 entities (0 created)\n- ✗ drift: drift: 1 difference\n- · suites: not run"), "{text}");
        assert!(
            text.contains("```text\nchanged  component.description\n```"),
            "{text}"
        );
        assert_eq!(exit_code(&outcomes), 5);
        assert_eq!(exit_code(&outcomes[..3]), 0);
    }
}
