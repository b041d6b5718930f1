//! `ion-contract review`: the pending snapshots (`.snap.new` files a failing case left beside
//! its `.snap`, see [`super`]) and what to do with each: accept (the `.snap.new` replaces the
//! `.snap`), reject (the `.snap.new` is deleted) or skip. Needs no Cargo project: the
//! snapshots directory is the one `run` uses.
//!
//! A pending snapshot is named by its trial (`suite::case::target`, the `description` in its
//! header); a filter keeps those whose trial name or file name contains it
//! (`review --accept parts::`). [`interactive`] asks one key per snapshot on a terminal.

use std::path::{Path, PathBuf};

/// One pending snapshot.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The trial that recorded it (`suite::case::target`), or its file name.
    pub trial: String,
    /// The `.snap.new` file.
    pub new_file: PathBuf,
    /// The `.snap` it would replace (which may not exist yet).
    pub snap_file: PathBuf,
}

/// Why the pending snapshots cannot be listed, accepted or rejected.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The snapshots directory cannot be read.
    #[error(
        "error: cannot read the snapshots directory {dir}: {cause}\nhelp: pass --snapshots \
         with the directory `run` writes to (default: `snapshots` beside the suites)"
    )]
    Directory { dir: String, cause: std::io::Error },
    /// A pending file cannot be read, moved or deleted.
    #[error("error: {0}")]
    File(String),
    /// The terminal could not be read.
    #[error(
        "error: cannot read a key from the terminal: {0}\nhelp: use `ion-contract review \
         --accept` or `--reject` (with a filter) instead"
    )]
    Terminal(std::io::Error),
}

/// The pending snapshots in `dir` whose trial or file name contains `filter`, sorted by
/// trial name. A missing directory has none.
pub fn pending(dir: &Path, filter: Option<&str>) -> Result<Vec<Pending>, ReviewError> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let directory = |cause| ReviewError::Directory {
        dir: crate::diagnostic::display_path(dir),
        cause,
    };
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(directory)? {
        let new_file = entry.map_err(directory)?.path();
        let Some(name) = new_file.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(snap_name) = name.strip_suffix(".new").filter(|n| n.ends_with(".snap")) else {
            continue;
        };
        let snapshot = super::file::read(&new_file).map_err(ReviewError::File)?;
        let trial = snapshot
            .as_ref()
            .and_then(|s| s.metadata().description())
            .unwrap_or(snap_name)
            .to_owned();
        if filter.is_some_and(|f| !trial.contains(f) && !name.contains(f)) {
            continue;
        }
        found.push(Pending {
            trial,
            snap_file: dir.join(snap_name),
            new_file,
        });
    }
    found.sort_by(|a, b| a.trial.cmp(&b.trial));
    Ok(found)
}

impl Pending {
    /// The new snapshot replaces the stored one.
    pub fn accept(&self) -> Result<(), ReviewError> {
        std::fs::rename(&self.new_file, &self.snap_file).map_err(|e| {
            ReviewError::File(format!(
                "cannot move {} over {}: {e}\nhelp: check the permissions of the snapshots \
                 directory",
                crate::diagnostic::display_path(&self.new_file),
                crate::diagnostic::display_path(&self.snap_file)
            ))
        })
    }

    /// The new snapshot is deleted; the stored one stays.
    pub fn reject(&self) -> Result<(), ReviewError> {
        std::fs::remove_file(&self.new_file).map_err(|e| {
            ReviewError::File(format!(
                "cannot delete {}: {e}\nhelp: check the permissions of the snapshots directory",
                crate::diagnostic::display_path(&self.new_file)
            ))
        })
    }

    /// The difference from the stored snapshot (none yet: every line is new).
    pub fn diff(&self) -> Result<String, ReviewError> {
        let text = |path: &Path| -> Result<String, ReviewError> {
            Ok(super::file::read(path)
                .map_err(ReviewError::File)?
                .as_ref()
                .and_then(insta::Snapshot::as_text)
                .map(ToString::to_string)
                .unwrap_or_default())
        };
        Ok(super::file::diff(
            &text(&self.snap_file)?,
            &text(&self.new_file)?,
        ))
    }
}

/// What the reviewer chose for one snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Accept,
    Reject,
    Skip,
    Quit,
}

impl Choice {
    /// The choice a key stands for (`a`, `r`, `s`, `q`, and Esc for quit).
    pub fn from_key(key: char) -> Option<Choice> {
        match key.to_ascii_lowercase() {
            'a' => Some(Choice::Accept),
            'r' => Some(Choice::Reject),
            's' => Some(Choice::Skip),
            'q' | '\u{1b}' => Some(Choice::Quit),
            _ => None,
        }
    }
}

/// How many snapshots a review accepted, rejected and skipped.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub accepted: usize,
    pub rejected: usize,
    pub skipped: usize,
}

/// Shows each pending snapshot's difference and acts on the key `ask` returns for it; stops
/// at `Quit` (the rest count as skipped).
pub fn interactive(
    pending: &[Pending],
    mut ask: impl FnMut() -> Result<Choice, ReviewError>,
) -> Result<Tally, ReviewError> {
    let mut tally = Tally::default();
    for (i, snapshot) in pending.iter().enumerate() {
        crate::scrubbed_println!(
            "\n[{}/{}] {} ({})\n{}",
            i + 1,
            pending.len(),
            snapshot.trial,
            crate::diagnostic::display_path(&snapshot.new_file),
            snapshot.diff()?
        );
        crate::scrubbed_println!("a accept  r reject  s skip  q quit");
        match ask()? {
            Choice::Accept => {
                snapshot.accept()?;
                tally.accepted += 1;
            }
            Choice::Reject => {
                snapshot.reject()?;
                tally.rejected += 1;
            }
            Choice::Skip => tally.skipped += 1,
            Choice::Quit => {
                tally.skipped += pending.len() - i;
                break;
            }
        }
    }
    Ok(tally)
}

/// Reads one review key from the terminal, ignoring keys that choose nothing.
pub fn key_from_terminal() -> Result<Choice, ReviewError> {
    let term = console::Term::stdout();
    loop {
        let key = term.read_char().map_err(ReviewError::Terminal)?;
        if let Some(choice) = Choice::from_key(key) {
            return Ok(choice);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A snapshots directory with a stored and a pending snapshot for each trial.
    fn dir_with(label: &str, trials: &[&str]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "ion-contract-review-{label}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        for trial in trials {
            let snap = dir.join(format!("{}.snap", trial.replace("::", "__")));
            let header = || super::super::file::Header {
                source: "t.yaml".into(),
                description: (*trial).to_owned(),
            };
            super::super::file::write(&snap, &header(), "{\"a\": 1}").expect("writable");
            let new = super::super::file::pending_path(&snap);
            super::super::file::write(&new, &header(), "{\"a\": 2}").expect("writable");
        }
        dir
    }

    #[test]
    fn interactive_acts_on_each_key_and_quit_skips_the_rest() {
        let dir = dir_with("keys", &["a::x::mock", "b::x::mock", "c::x::mock"]);
        let found = pending(&dir, None).expect("readable");
        let mut keys = [Choice::Accept, Choice::Reject, Choice::Quit].into_iter();
        let tally =
            interactive(&found, || Ok(keys.next().expect("asked three times"))).expect("reviewed");
        assert_eq!((tally.accepted, tally.rejected, tally.skipped), (1, 1, 1));
        let text = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
        assert!(text(&found[0].snap_file).contains("\"a\": 2") && !found[0].new_file.exists());
        assert!(text(&found[1].snap_file).contains("\"a\": 1") && !found[1].new_file.exists());
        assert!(found[2].new_file.exists(), "quit leaves the rest pending");
        std::fs::remove_dir_all(&dir).expect("removable");
    }

    #[test]
    fn keys_choose_and_a_filter_matches_the_trial_name() {
        assert_eq!(Choice::from_key('A'), Some(Choice::Accept));
        assert_eq!(Choice::from_key('r'), Some(Choice::Reject));
        assert_eq!(Choice::from_key('s'), Some(Choice::Skip));
        assert_eq!(Choice::from_key('q'), Some(Choice::Quit));
        assert_eq!(Choice::from_key('x'), None);
        let dir = dir_with("filter", &["parts::x::mock", "runs::x::mock"]);
        let found = pending(&dir, Some("parts::")).expect("readable");
        let names: Vec<&str> = found.iter().map(|p| p.trial.as_str()).collect();
        assert_eq!(names, ["parts::x::mock"]);
        std::fs::remove_dir_all(&dir).expect("removable");
    }
}
