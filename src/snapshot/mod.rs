//! Snapshots of responses, stored in insta's file format: the only module that knows insta.
//!
//! A case's snapshot is one JSON object: each snapshotted step's key maps to that step's
//! `{status, data, errors}`, already passed through [`crate::redact`], then through the
//! suite's `redact:` selectors (insta's redactions), and scrubbed of every secret of the
//! run ([`crate::scrub`]) before anything is compared or written: `.snap`, `.snap.new` and
//! the differences shown never hold one. It lives in
//! `snapshots/<suite>__<case>@<target>.snap` (a `/` in the suite id becomes `__`), or in
//! `@any.snap` for a case with `shared_snapshot: true`, which every target compares with.
//! What the case owns (captured values, created ids, run values) is already a placeholder
//! ([`crate::redact::case_values`]), so a snapshot does not depend on the order cases ran in
//! or on the tenant.
//!
//! The comparison is done here, not by insta's `assert_json_snapshot!`: that macro prints
//! its own summary on stdout, panics (a `panicked at .../insta-1.49.0/src/runtime.rs` line
//! and a backtrace) and advises `cargo insta review`, none of which a team without a Rust
//! project can use, and none of which can be switched off without setting environment
//! variables inside the process. So [`compare_case`] serializes with insta's serializer
//! (the one the macro calls, under a [`insta::Settings`] holding the redactions), reads the
//! stored `.snap` with [`insta::Snapshot::from_file`], compares contents as insta does
//! (its normalized text), and writes files in insta's format (see [`mod@file`]), so
//! `cargo insta review` still works in a cargo project. A mismatch comes back as a message
//! (suite file:line:col, the difference once, and `ion-contract review`); nothing panics
//! and nothing is printed.
//!
//! What is written follows insta's `INSTA_UPDATE`: unset or `auto`, a new or changed
//! snapshot fails the case and writes a `.snap.new` beside the `.snap` for
//! `ion-contract review` ([`review`]); with `CI` set (insta's rule: not empty, `0` or
//! `false`; or `TF_BUILD`) nothing is written and any difference fails; `always` (or `1`,
//! `force`) writes the `.snap` and passes; `new` writes a `.snap.new` even on CI; `no`
//! writes nothing; `unseen` writes a missing snapshot straight to `.snap`; any other value
//! fails the case with the modes it takes. A passing case
//! removes a stale `.snap.new`.

mod error;
pub mod file;
pub mod review;

pub use error::SnapshotError;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::suite::{Case, Suite};

/// The snapshot name of a case (the file name without `@target.snap`).
pub fn snapshot_name(suite: &Suite, case: &Case) -> String {
    format!("{}__{}", suite.id, case.name)
}

/// How a new or changed snapshot is written (insta's `INSTA_UPDATE`, and `CI`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Update {
    /// Overwrite the `.snap`; the case passes.
    InPlace,
    /// Write a `.snap.new` for review; the case fails.
    Pending,
    /// Write nothing; the case fails.
    Nothing,
}

impl Update {
    /// The behaviour for a snapshot that `exists` or not, as insta decides it; `Err` names
    /// an `INSTA_UPDATE` value insta does not take either.
    fn from_env(env: &dyn Fn(&str) -> Option<String>, exists: bool) -> Result<Update, String> {
        let ci = match env("CI").as_deref() {
            Some("" | "0" | "false") => false,
            Some(_) => true,
            None => env("TF_BUILD").is_some(),
        };
        Ok(match env("INSTA_UPDATE").as_deref() {
            Some("always" | "1" | "force") => Update::InPlace,
            Some("new") => Update::Pending,
            Some("no") => Update::Nothing,
            Some("unseen") if !exists => Update::InPlace,
            Some("unseen") => Update::Pending,
            None | Some("" | "auto") if ci => Update::Nothing,
            None | Some("" | "auto") => Update::Pending,
            Some(other) => {
                return Err(format!(
                    "INSTA_UPDATE={other:?} is not a snapshot update mode\nhelp: set it to \
                     auto (the default), always, new, unseen or no, or unset it"
                ));
            }
        })
    }
}

/// The target part of the snapshot file names of a case that shares one snapshot.
pub const SHARED_TARGET: &str = "any";

/// The stored snapshot file of a case on `target` (`@any` when the case shares one).
pub fn case_path(snapshots_dir: &Path, suite: &Suite, case: &Case, target: &str) -> PathBuf {
    let target = if case.snapshot.shared {
        SHARED_TARGET
    } else {
        target
    };
    snapshots_dir.join(format!(
        "{}@{target}.snap",
        snapshot_name(suite, case).replace('/', "__")
    ))
}

/// Compares `recorded` with the case's stored snapshot. `Err` holds the trial's failure
/// message when it is missing or differs (see the module docs for what is written).
pub fn compare_case(
    snapshots_dir: &Path,
    suite: &Suite,
    case: &Case,
    target: &str,
    recorded: &Value,
) -> Result<(), String> {
    let env = |name: &str| std::env::var(name).ok();
    compare_case_with(snapshots_dir, suite, case, target, recorded, &env)
}

fn compare_case_with(
    snapshots_dir: &Path,
    suite: &Suite,
    case: &Case,
    target: &str,
    recorded: &Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), String> {
    let trial = format!("{}::{}::{target}", suite.id, case.name);
    let at = format!(
        "{}:{}:{}",
        crate::diagnostic::display_path(&suite.file),
        case.at.line,
        case.at.col
    );
    let path = case_path(snapshots_dir, suite, case, target);
    let fail = |what: String| format!("{at}: {trial}: {what}");
    let mut settings = insta::Settings::new();
    for redaction in &suite.redactions {
        settings.add_redaction(redaction.selector.as_str(), redaction.replacement.as_str());
    }
    // Scrubbed first: insta's serializer, and every file written, only ever see this.
    let recorded = crate::scrub::value(recorded);
    let body = settings.bind(|| {
        insta::_macro_support::serialize_value(
            &recorded,
            insta::_macro_support::SerializationFormat::Json,
        )
    });
    let new = insta::internals::TextSnapshotContents::new(body, insta::TextSnapshotKind::File);
    let stored = file::read(&path).map_err(|e| fail(e.to_string()))?;
    let old = stored.as_ref().and_then(insta::Snapshot::as_text);
    let pending = file::pending_path(&path);
    if old == Some(&new) {
        let _ = std::fs::remove_file(&pending);
        return Ok(());
    }
    let new_text = new.to_string();
    let shared = format!("{}::{}::@{SHARED_TARGET}", suite.id, case.name);
    let header = file::Header {
        source: crate::diagnostic::display_path(&suite.file),
        description: if case.snapshot.shared {
            shared
        } else {
            trial.clone()
        },
    };
    let written = match Update::from_env(env, old.is_some()).map_err(fail)? {
        Update::InPlace => {
            file::write(&path, &header, &new_text).map_err(|e| fail(e.to_string()))?;
            let _ = std::fs::remove_file(&pending);
            return Ok(());
        }
        Update::Pending => {
            file::write(&pending, &header, &new_text).map_err(|e| fail(e.to_string()))?;
            true
        }
        Update::Nothing => false,
    };
    let shown = crate::diagnostic::display_path(&path);
    let what = match old {
        Some(_) => format!("the response does not match its snapshot {shown}"),
        None => format!("no snapshot recorded yet at {shown}"),
    };
    let old_text = old.map(ToString::to_string).unwrap_or_default();
    let diff = file::diff(&old_text, &new_text);
    let cargo = if cargo_project_above(&suite.file) {
        " (or `cargo insta review`)"
    } else {
        ""
    };
    let help = if written {
        format!(
            "help: the new response is pending in {}: run `ion-contract review`{cargo} to \
             accept or reject it, then commit the snapshot when the change is expected",
            crate::diagnostic::display_path(&pending)
        )
    } else {
        "help: nothing was written (CI is set, or INSTA_UPDATE=no): run the suites where \
         files may be written, then `ion-contract review` to accept the change, and commit \
         the snapshot"
            .to_owned()
    };
    Err(format!("{}\n{diff}{help}", fail(what)))
}

/// Whether a `Cargo.toml` is found in a directory above `file` (where `cargo insta` works).
fn cargo_project_above(file: &Path) -> bool {
    std::path::absolute(file)
        .unwrap_or_else(|_| file.to_path_buf())
        .ancestors()
        .skip(1)
        .any(|dir| dir.join("Cargo.toml").is_file())
}

/// Checks, before any trial runs, that `dir` is a directory or can become one: insta
/// panics deep inside a trial when the snapshots path is a file (`--snapshots /dev/null`).
pub fn check_dir(dir: &Path) -> Result<(), SnapshotError> {
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
    Err(SnapshotError::NotADirectory {
        dir: dir.to_path_buf(),
        existing: existing.to_path_buf(),
    })
}

/// The data baseline of `target` (see [`crate::drift::data`]): `snapshots/drift@<target>.snap`.
pub fn baseline_path(snapshots_dir: &Path, target: &str) -> std::path::PathBuf {
    snapshots_dir.join(format!("drift@{target}.snap"))
}

/// Reads a baseline snapshot; `Ok(None)` when there is none yet.
pub fn read_baseline(path: &Path) -> Result<Option<Value>, SnapshotError> {
    if !path.exists() {
        return Ok(None);
    }
    // insta reads whatever the path names: refuse a pipe, a device or a huge file first.
    crate::user_file::read_bytes(path, crate::user_file::Limit::File).map_err(|cause| {
        SnapshotError::ReadBaseline {
            path: path.to_path_buf(),
            cause,
        }
    })?;
    let bad = SnapshotError::BadBaseline;
    let snapshot = file::read(path)
        .map_err(|e| bad(format!("cannot read the baseline: {e}")))?
        .ok_or_else(|| bad(format!("the baseline {} is gone", path.display())))?;
    let text = snapshot
        .as_text()
        .map(ToString::to_string)
        .ok_or_else(|| bad(format!("the baseline {} holds no text", path.display())))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| bad(format!("the baseline {} is not JSON: {e}", path.display())))
}

/// Writes a baseline snapshot in insta's file format (so `cargo insta` can show it).
pub fn write_baseline(path: &Path, target: &str, baseline: &Value) -> Result<(), SnapshotError> {
    let body = serde_json::to_string_pretty(baseline)?;
    let header = file::Header {
        source: "ion-contract drift --record".to_owned(),
        description: format!("data baseline of target {target}"),
    };
    file::write(path, &header, &body)
}

#[cfg(test)]
mod tests {
    use super::Update;

    fn update(vars: &[(&str, &str)], exists: bool) -> Update {
        let env = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        };
        Update::from_env(&env, exists).expect("a known mode")
    }

    #[test]
    fn ci_writes_nothing_unless_insta_update_says_so() {
        assert_eq!(update(&[("CI", "true")], true), Update::Nothing);
        assert_eq!(update(&[("TF_BUILD", "x")], false), Update::Nothing);
        assert_eq!(update(&[("CI", "false")], true), Update::Pending);
        assert_eq!(update(&[], true), Update::Pending);
        assert_eq!(
            update(&[("CI", "1"), ("INSTA_UPDATE", "always")], true),
            Update::InPlace
        );
        assert_eq!(update(&[("INSTA_UPDATE", "no")], true), Update::Nothing);
        assert_eq!(
            update(&[("INSTA_UPDATE", "unseen")], false),
            Update::InPlace
        );
        assert_eq!(update(&[("INSTA_UPDATE", "unseen")], true), Update::Pending);
        assert_eq!(update(&[("INSTA_UPDATE", "auto")], true), Update::Pending);
    }

    #[test]
    fn an_unknown_insta_update_mode_is_refused_with_the_modes() {
        let env = |name: &str| (name == "INSTA_UPDATE").then(|| "yes".to_owned());
        let refused = Update::from_env(&env, true).expect_err("not a mode");
        assert!(
            refused.contains("INSTA_UPDATE=\"yes\"") && refused.contains("help: set it to auto")
        );
    }
}
