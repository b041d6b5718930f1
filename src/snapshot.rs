//! Snapshots of responses, recorded with insta: the only module that knows insta.
//!
//! A case's snapshot is one JSON object: each snapshotted step's key maps to that step's
//! `{status, data, errors}`, already passed through [`crate::redact`]. It lives in
//! `snapshots/<suite>__<case>@<target>.snap` (a `/` in the suite id becomes `__`).
//!
//! Settings are bound inside each trial, on the trial's own thread (insta's settings are
//! thread-local), and every snapshot is named explicitly: insta's automatic names depend on
//! the order in which parallel trials run. `glob!` is never used (its failure collector is
//! process-global and mixes up parallel trials).
//!
//! insta's usual workflow applies: a new or changed snapshot fails the trial and writes a
//! `.snap.new` next to it for `cargo insta review`; `INSTA_UPDATE=always` accepts on the spot;
//! with `CI` set nothing is written and any difference fails.

use std::path::Path;

use serde_json::Value;

use crate::suite::{Case, Suite};

/// The snapshot name of a case (the file name without `@target.snap`).
pub fn snapshot_name(suite: &Suite, case: &Case) -> String {
    format!("{}__{}", suite.id, case.name)
}

/// Compares `recorded` with the case's stored snapshot, failing (panicking, as insta does;
/// the runner turns it into a failed trial) when it is missing or differs.
pub fn assert_case_snapshot(
    snapshots_dir: &Path,
    suite: &Suite,
    case: &Case,
    target: &str,
    recorded: &Value,
) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshots_dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_suffix(target);
    settings.set_input_file(&suite.file);
    settings.set_omit_expression(true);
    settings.set_description(format!("{}::{}::{}", suite.id, case.name, target));
    for redaction in &suite.redactions {
        settings.add_redaction(redaction.selector.as_str(), redaction.replacement.as_str());
    }
    let name = snapshot_name(suite, case);
    settings.bind(|| insta::assert_json_snapshot!(name, recorded));
}
