//! A smoke run as a report: one trial per stage (`smoke::<stage>::<target>`), then the
//! trials of the suites stage, so CI shows a run that stopped at `drift` as that stage's
//! failing testcase and the stages after it as skipped.

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
            Some(_) => record,
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
        exit::RESET => FailureClass::Reset,
        exit::CASE_FAILED => FailureClass::Expectation,
        _ => FailureClass::Invalid,
    }
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
        assert_eq!(
            outcome("smoke::drift::sandbox"),
            (Outcome::Failed, Some(FailureClass::DataDrift))
        );
        assert_eq!(outcome("smoke::suites::sandbox"), (Outcome::Ignored, None));
        assert_eq!((report.totals.failed, report.totals.ignored), (1, 1));
    }
}
