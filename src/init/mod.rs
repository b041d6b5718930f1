//! `ion-contract init`: a working start in a team's own repository.
//!
//! [`scaffold`] lists the files of a new project, relative to its folder:
//!
//! | file | what |
//! |---|---|
//! | `suites/example.yaml` | a suite that passes on the embedded double (`me`, a page of parts) |
//! | `suites/suite.schema.json` | the suite format's JSON Schema, for editors ([`crate::suite::json_schema`]) |
//! | `suites/targets.yaml` | the built-in targets, explained and commented out |
//! | `.github/workflows/ion-contract.yml` | the pull-request gate: `check` and `run` on the double |
//! | `.github/workflows/ion-contract-nightly.yml` | the nightly `smoke` run on the sandbox |
//!
//! The workflows install this version of ion-contract with `cargo install` and cache the
//! binary, keyed by the version. [`write_new`] never replaces a file: one that exists is left
//! alone and reported. [`add_gitignore_lines`] appends the pending-snapshot patterns to
//! `.gitignore`, leaving out lines it already has.
//!
//! `init --from` adds starter suites from the team's own operations: [`from`] and
//! [`extract`].

pub mod extract;
pub mod from;

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Where the project's repository is; the workflows install ion-contract from it.
pub const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// The lines `.gitignore` gets: snapshots waiting for review are not committed.
pub const GITIGNORE_LINES: [&str; 2] = ["*.snap.new", "*.pending-snap"];

/// A file `init` cannot write.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot write {}: {source}\n  = help: check that the folder exists and is writable, or pass --dir with another folder",
    crate::diagnostic::display_path(path)
)]
pub struct InitError {
    /// The file or folder.
    pub path: PathBuf,
    /// Why.
    pub source: std::io::Error,
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// Created.
    Wrote(PathBuf),
    /// It existed: left as it was.
    LeftAlone(PathBuf),
    /// `.gitignore`: these lines were added.
    Appended(PathBuf, Vec<String>),
    /// `.gitignore` already had every line.
    AlreadyThere(PathBuf),
}

/// The files of a new project: path relative to its folder, and contents.
pub fn scaffold() -> Vec<(PathBuf, String)> {
    let workflow = |text: &str| {
        text.replace("{version}", env!("CARGO_PKG_VERSION"))
            .replace("{repository}", REPOSITORY)
    };
    vec![
        (
            PathBuf::from("suites/example.yaml"),
            include_str!("templates/example.yaml").to_owned(),
        ),
        (
            PathBuf::from("suites/suite.schema.json"),
            crate::suite::json_schema(),
        ),
        (
            PathBuf::from("suites/targets.yaml"),
            include_str!("templates/targets.yaml").to_owned(),
        ),
        (
            PathBuf::from(".github/workflows/ion-contract.yml"),
            workflow(include_str!("templates/ci.yml")),
        ),
        (
            PathBuf::from(".github/workflows/ion-contract-nightly.yml"),
            workflow(include_str!("templates/nightly.yml")),
        ),
    ]
}

/// Writes each file under `dir` unless it exists (creating folders as needed), through the
/// scrubbing path: a source's operation never carries a registered secret into a suite.
pub fn write_new(dir: &Path, files: &[(PathBuf, String)]) -> Result<Vec<Written>, InitError> {
    let mut written = Vec::new();
    for (relative, text) in files {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| InitError {
                path: parent.to_owned(),
                source,
            })?;
        }
        // `create_new` refuses an existing file, so nothing is ever replaced.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                file.write_all(crate::scrub::text(text).as_bytes())
                    .map_err(|source| InitError {
                        path: path.clone(),
                        source,
                    })?;
                written.push(Written::Wrote(path));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                written.push(Written::LeftAlone(path));
            }
            Err(source) => return Err(InitError { path, source }),
        }
    }
    Ok(written)
}

/// Appends [`GITIGNORE_LINES`] that `dir/.gitignore` lacks (creating it when absent).
pub fn add_gitignore_lines(dir: &Path) -> Result<Written, InitError> {
    let path = dir.join(".gitignore");
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => return Err(InitError { path, source }),
    };
    let missing: Vec<String> = GITIGNORE_LINES
        .iter()
        .filter(|line| !existing.lines().any(|l| l.trim() == **line))
        .map(|line| (*line).to_owned())
        .collect();
    if missing.is_empty() {
        return Ok(Written::AlreadyThere(path));
    }
    let mut text = String::new();
    if !existing.is_empty() && !existing.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("# ion-contract: snapshots waiting for review\n");
    for line in &missing {
        text.push_str(line);
        text.push('\n');
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(crate::scrub::text(&text).as_bytes()))
        .map_err(|source| InitError {
            path: path.clone(),
            source,
        })?;
    Ok(Written::Appended(path, missing))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitignore_gets_only_the_lines_it_lacks() {
        let dir = std::env::temp_dir().join(format!("ion-contract-init-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(".gitignore"), "target/\n*.snap.new").unwrap();
        let first = add_gitignore_lines(&dir).unwrap();
        assert_eq!(
            first,
            Written::Appended(dir.join(".gitignore"), vec!["*.pending-snap".to_owned()])
        );
        assert_eq!(
            add_gitignore_lines(&dir).unwrap(),
            Written::AlreadyThere(dir.join(".gitignore"))
        );
        let text = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
        assert_eq!(text.matches("*.snap.new").count(), 1);
        assert!(text.starts_with("target/\n*.snap.new\n"), "{text}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
