//! Small pieces of planning: the verification order of a live target's trials, the
//! preflight's trial, and paths made absolute.

use std::path::{Path, PathBuf};

use libtest_mimic::{Failed, Trial};

use crate::preflight::Passed;
use crate::suite::{Case, OperationKind};

/// The trial `preflight::<target>`: passes when the preflight did (or when only listing),
/// fails with its diagnosis otherwise.
pub(super) fn preflight_trial(target: &str, outcome: Option<Result<Passed, String>>) -> Trial {
    Trial::test(format!("preflight::{target}"), move || match outcome {
        Some(Err(diagnosis)) => Err(Failed::from(diagnosis)),
        None | Some(Ok(_)) => Ok(()),
    })
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
