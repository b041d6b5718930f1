//! Small pieces of planning: the verification order of a live target's trials, the
//! preflight's trial, and paths made absolute.

use std::path::{Path, PathBuf};

use super::finished::{Finished, Planned, Recorder, recorded};
use super::{Connection, Shared};
use crate::preflight::Passed;
use crate::report::{FailureClass, TrialKind, TrialRecord};
use crate::suite::{Case, OperationKind};

/// The trial `preflight::<target>`, in every shard: passes when the preflight did (or when
/// only listing), fails with its diagnosis otherwise.
pub(super) fn preflight_trial(
    recorder: &Recorder,
    target: &str,
    outcome: Option<Result<Passed, String>>,
) -> Planned {
    let record = TrialRecord::new(
        &format!("preflight::{target}"),
        TrialKind::Preflight,
        target,
    );
    let trial = recorded(recorder, record.clone(), move || match outcome {
        Some(Err(diagnosis)) => Finished::failed(FailureClass::Preflight, diagnosis),
        None | Some(Ok(_)) => Finished::default(),
    });
    Planned {
        trial,
        rank: 0,
        record,
        ignored_because: None,
        unit: None,
    }
}

/// Where a case comes in the verification order of a live target: 0 when it only asks
/// `me` (are the credentials and the tenant right?), 1 when it only reads, 2 when it writes.
pub(super) fn verification_rank(case: &Case) -> u8 {
    let operations = || case.steps.iter().map(|step| &step.operation);
    if operations().any(|op| op.kind == OperationKind::Mutation) {
        2
    } else if operations().all(|op| op.root_fields.iter().all(|field| field == "me")) {
        0
    } else {
        1
    }
}

pub(super) fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// The lines on stderr before the report: why trials are ignored, the preflight's outcome.
pub(super) fn announce(shared: &Shared, trials: usize, ignored: bool) {
    match &shared.connection {
        Connection::Missing(missing) => crate::scrubbed_eprintln!(
            "ion-contract: {missing}; its {} trial(s) are ignored",
            trials
        ),
        Connection::Live { passed, .. } => {
            crate::scrubbed_eprintln!("ion-contract: preflight: {}", passed.summary());
        }
        Connection::Required(message) => crate::scrubbed_eprintln!(
            "ion-contract: {}; they are required, so none of its cases is run",
            message.lines().next().unwrap_or_default()
        ),
        Connection::Refused(diagnosis) => crate::scrubbed_eprintln!(
            "ion-contract: target {} failed its preflight; none of its cases is run\n{diagnosis}",
            shared.target.name
        ),
        _ => {}
    }
    if !ignored {
        let configures: Vec<&str> = shared
            .suites
            .iter()
            .flatten()
            .filter(|s| s.double.is_some() && shared.target.admits(s.targets.as_deref()))
            .map(|s| s.id.as_str())
            .collect();
        if !configures.is_empty() && !shared.reaches_a_double() {
            crate::scrubbed_eprintln!(
                "ion-contract: suites that set the double's throttle (`double:`) are ignored on \
                     target {}, which is not an ion-contract double: {}",
                shared.target.name,
                configures.join(", ")
            );
        }
        let faulty = shared
            .suites
            .iter()
            .flatten()
            .filter(|s| shared.target.admits(s.targets.as_deref()))
            .flat_map(|s| s.cases.iter().map(move |c| (s, c)))
            .filter(|(_, c)| c.steps.iter().any(|step| step.fault.is_some()))
            .map(|(s, c)| format!("{}::{}", s.id, c.name))
            .collect::<Vec<_>>();
        if !faulty.is_empty() && !shared.reaches_a_double() {
            crate::scrubbed_eprintln!(
                "ion-contract: cases that inject faults (`fault:`) are ignored on target {}, \
                 which is not an ion-contract double: {}",
                shared.target.name,
                faulty.join(", ")
            );
        }
        for (profile, why) in shared.profiles.unavailable_profiles() {
            crate::scrubbed_eprintln!(
                "ion-contract: cases that run `as: {profile}` are ignored: {why}"
            );
        }
    }
}
