//! Snapshots of responses, recorded with insta: the only module that knows insta.
//!
//! A case's snapshot is one JSON object: each snapshotted step's key maps to that step's
//! `{status, data, errors}`, already passed through [`crate::redact`], and scrubbed of every
//! secret of the run ([`crate::scrub`]) before insta sees it: `.snap`, `.snap.new` and the
//! differences insta prints never hold one. It lives in
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
    // insta writes `.snap`/`.snap.new` and prints differences: it only ever sees this.
    let recorded = crate::scrub::value(recorded);
    settings.bind(|| insta::assert_json_snapshot!(name, &recorded));
}

/// Checks, before any trial runs, that `dir` is a directory or can become one: insta
/// panics deep inside a trial when the snapshots path is a file (`--snapshots /dev/null`).
pub fn check_dir(dir: &Path) -> Result<(), String> {
    // The nearest part of the path that exists must be a directory; insta creates the rest.
    let Some(existing) = dir
        .ancestors()
        .find(|p| !p.as_os_str().is_empty() && p.exists())
    else {
        return Ok(());
    };
    if existing.is_dir() {
        return Ok(());
    }
    let shown = crate::diagnostic::display_path;
    let what = if existing == dir {
        format!("the snapshots directory {} is not a directory", shown(dir))
    } else {
        format!(
            "the snapshots directory {} cannot be created: {} is not a directory",
            shown(dir),
            shown(existing)
        )
    };
    Err(format!(
        "error: {what}\nhelp: pass --snapshots with a directory (it is created when missing), \
         or leave it out to use `snapshots` beside the suites directory"
    ))
}

/// The failure message of a case whose response does not match its snapshot, or has none
/// yet (insta has printed the difference, or the new snapshot, on stderr).
pub fn mismatch_message(snapshots_dir: &Path, suite: &Suite, case: &Case, target: &str) -> String {
    let file = snapshots_dir.join(format!(
        "{}@{target}.snap",
        snapshot_name(suite, case).replace('/', "__")
    ));
    let trial = format!("{}::{}::{target}", suite.id, case.name);
    if file.exists() {
        format!(
            "{trial}: the response does not match its snapshot {}\n  insta printed the \
             difference on stderr; review it with `cargo insta review` (or accept every change \
             with INSTA_UPDATE=always), and commit the snapshot when the change is expected",
            file.display()
        )
    } else {
        format!(
            "{trial}: no snapshot recorded yet at {}\n  record it where it may be written \
             (not with CI set): `INSTA_UPDATE=always`, or `cargo insta review`; then commit it",
            file.display()
        )
    }
}

/// The data baseline of `target` (see [`crate::drift::data`]): `snapshots/drift@<target>.snap`.
pub fn baseline_path(snapshots_dir: &Path, target: &str) -> std::path::PathBuf {
    snapshots_dir.join(format!("drift@{target}.snap"))
}

/// Reads a baseline snapshot; `Ok(None)` when there is none yet.
pub fn read_baseline(path: &Path) -> Result<Option<Value>, String> {
    if !path.exists() {
        return Ok(None);
    }
    // insta reads whatever the path names: refuse a pipe, a device or a huge file first.
    crate::user_file::read_bytes(path, crate::user_file::Limit::File).map_err(|e| {
        format!(
            "cannot read the baseline {}: {e}\nhelp: {}",
            crate::diagnostic::display_path(path),
            e.help()
        )
    })?;
    let snapshot = insta::Snapshot::from_file(path)
        .map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
    let text = snapshot
        .as_text()
        .map(ToString::to_string)
        .ok_or_else(|| format!("the baseline {} holds no text", path.display()))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| format!("the baseline {} is not JSON: {e}", path.display()))
}

/// Writes a baseline snapshot in insta's file format (so `cargo insta` can show it).
pub fn write_baseline(path: &Path, target: &str, baseline: &Value) -> Result<(), String> {
    let body = serde_json::to_string_pretty(baseline).map_err(|e| e.to_string())?;
    let text = format!(
        "---\nsource: ion-contract drift --record\ndescription: \"data baseline of target {target}\"\n---\n{body}\n"
    );
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, crate::scrub::text(&text))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
