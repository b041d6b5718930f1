//! Finding suite files and loading them: the loader's public entry points.
//!
//! [`discover`] lists the suites of a directory, [`load_suite`] reads, checks and validates one
//! file into a [`Suite`] (or a [`LoadFailure`] holding every diagnostic found), and
//! [`load_dir`] does both for a whole directory. Loading is pure apart from reading the suite
//! and its `.graphql` documents: no network, no environment variables, no printing.
//!
//! The rules for which files are suites (kept in one place, [`is_suite_dir`] and
//! [`is_suite_file`]): every `*.yaml` file below the suites directory, recursively, except
//! the top-level `targets.yaml`, hidden files (`.x.yaml`) and anything under a directory named
//! `schema` or `seed` or starting with `.` or `_`. A suite's id is its path relative to the suites directory,
//! `/`-separated, without `.yaml`. Symlinks are followed, but each real directory is walked
//! once and never one holding the suites directory, so a symlink loop ends (see [`discover`]).
//! Files are read through [`crate::user_file`]: regular files only, at most `ION_MAX_FILE_MB`.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;

use crate::diagnostic::{Diagnostic, display_path};
use crate::double::Documents;
use crate::suite::model::DataPath;
use crate::suite::model::Suite;
use crate::suite::parse;
use crate::suite::validate::Validator;
use crate::text_cache::TextCache;
use crate::user_file::{self, Limit, io_reason};
use crate::yaml::source::SourceFile;

/// How deep [`discover`] descends.
const MAX_DEPTH: usize = 32;

/// The suites directory (or one of its subdirectories) could not be listed.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the suites directory '{}': {}{}", display_path(.dir), io_reason(.reason), hint(.reason))]
pub struct DiscoverError {
    /// The directory that could not be read.
    pub dir: PathBuf,
    /// Why (in the message already, so not a `source` an error chain would print again).
    pub reason: std::io::Error,
}

fn hint(e: &std::io::Error) -> &'static str {
    if e.kind() == std::io::ErrorKind::NotFound {
        "\nhelp: suites live in `suites/` of the directory ion-contract runs in (the crate root \
         under cargo): run it in your project's root, create suites/ with a suite file, or pass \
         --suites DIR"
    } else {
        ""
    }
}

/// One suite file that did not load, with everything wrong with it.
#[derive(Debug, thiserror::Error)]
pub struct LoadFailure {
    /// The suite's id (`parts`, `inventory/by-location`).
    pub suite_id: String,
    /// The suite file, as found.
    pub file: PathBuf,
    /// Every problem found, in file order (a YAML syntax error stops at the first).
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for LoadFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.diagnostics {
            writeln!(f, "{diagnostic}\n")?;
        }
        let count = self.diagnostics.len();
        write!(
            f,
            "error: could not load suite '{}' ({}) due to {count} error{}",
            self.suite_id,
            display_path(&self.file),
            if count == 1 { "" } else { "s" }
        )
    }
}

/// True for directories whose contents are not suites.
fn is_suite_dir(name: &str) -> bool {
    !(name == "schema" || name == "seed" || name.starts_with('.') || name.starts_with('_'))
}

/// True for suite files; `top` is true directly in the suites directory.
fn is_suite_file(name: &str, top: bool) -> bool {
    name.ends_with(".yaml") && !name.starts_with('.') && !(top && name == "targets.yaml")
}

/// The suite files under `dir`, sorted by suite id. A missing or unreadable directory (or
/// subdirectory) is an error.
///
/// Symlinks are followed, but each real directory is walked once: a symlinked directory
/// that resolves to one already walked, or to the suites directory or one of its ancestors
/// (`self -> .`, `up -> ..`), is skipped, so a symlink loop cannot make the walk endless.
pub fn discover(dir: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
    let mut walk = Walk {
        root: std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()),
        walked: HashSet::new(),
        files: Vec::new(),
    };
    walk.walked.insert(walk.root.clone());
    walk.dir(dir, 0)?;
    let mut keyed: Vec<(String, PathBuf)> = walk
        .files
        .into_iter()
        .map(|f| (suite_id(dir, &f), f))
        .collect();
    keyed.sort();
    Ok(keyed.into_iter().map(|(_, f)| f).collect())
}

/// The state of [`discover`]'s walk.
struct Walk {
    /// The suites directory's real path.
    root: PathBuf,
    /// The real paths of the directories walked so far.
    walked: HashSet<PathBuf>,
    /// The suite files found.
    files: Vec<PathBuf>,
}

impl Walk {
    fn dir(&mut self, dir: &Path, depth: usize) -> Result<(), DiscoverError> {
        let error = |reason| DiscoverError {
            dir: dir.to_path_buf(),
            reason,
        };
        let entries = std::fs::read_dir(dir).map_err(error)?;
        for entry in entries {
            let entry = entry.map_err(error)?;
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            // Follow symlinks; a broken one is treated as a file (and fails to load, located).
            let is_dir = std::fs::metadata(&path)
                .map(|m| m.is_dir())
                .unwrap_or(false);
            if is_dir {
                if is_suite_dir(&name) && depth < MAX_DEPTH && self.first_visit(&path) {
                    self.dir(&path, depth + 1)?;
                }
            } else if is_suite_file(&name, depth == 0) {
                self.files.push(path);
            }
        }
        Ok(())
    }

    /// True the first time the real directory behind `path` is met, unless it holds the
    /// suites directory (a symlink to `.` or `..`).
    fn first_visit(&mut self, path: &Path) -> bool {
        match std::fs::canonicalize(path) {
            Ok(real) => !self.root.starts_with(&real) && self.walked.insert(real),
            Err(_) => false,
        }
    }
}

/// The suite id of `file`: its path relative to `dir`, `/`-separated, without `.yaml`.
pub fn suite_id(dir: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(dir).unwrap_or(file);
    let parts: Vec<String> = relative
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let id = parts.join("/");
    id.strip_suffix(".yaml").map(str::to_owned).unwrap_or(id)
}

/// What suites are checked against besides their own text.
#[derive(Debug)]
pub struct LoadContext<'a> {
    /// The schema operations are validated against (the double's).
    pub schema: &'a Valid<Schema>,
    /// The names of the defined targets, which `targets:` may list.
    pub targets: &'a [String],
    /// What was parsed before, by text: generated and copied suites repeat a few operations
    /// and paths many times, and each is parsed (and validated) once.
    parsed: Parsed,
}

/// What one load parses once per text ([`crate::text_cache`]): operations that validated
/// against the context's schema, GraphQL syntax trees, and JSONPaths.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub documents: Documents,
    pub syntax: TextCache<apollo_compiler::ast::Document>,
    pub paths: TextCache<DataPath>,
}

impl<'a> LoadContext<'a> {
    /// Suites checked against `schema`, with `targets` defined.
    pub fn new(schema: &'a Valid<Schema>, targets: &'a [String]) -> Self {
        LoadContext {
            schema,
            targets,
            parsed: Parsed::default(),
        }
    }
}

/// Reads, checks and validates one suite file.
pub fn load_suite(
    dir: &Path,
    file: &Path,
    context: &LoadContext<'_>,
) -> Result<Suite, LoadFailure> {
    let id = suite_id(dir, file);
    let failure = |diagnostics| LoadFailure {
        suite_id: id.clone(),
        file: file.to_path_buf(),
        diagnostics,
    };
    let text = user_file::read_text(file, Limit::File).map_err(|e| {
        let (line, col) = e.line_col().unwrap_or((1, 1));
        failure(vec![
            Diagnostic::new(file, line, col, format!("cannot read suite file: {e}"))
                .with_help(e.help()),
        ])
    })?;
    let src = SourceFile::new(file, &text);
    let spec = parse::parse(&src, &text).map_err(failure)?;
    let validator = Validator {
        src: &src,
        suite_dir: file.parent().unwrap_or(Path::new("")),
        suite_id: &id,
        schema: context.schema,
        parsed: &context.parsed,
        targets: context.targets,
        diags: Vec::new(),
    };
    validator
        .suite(spec, file)
        .map_err(|diagnostics| failure(in_file_order(file, diagnostics)))
}

/// Sorts diagnostics by place (the suite file first, then its documents) and merges repeats:
/// an error in a `.graphql` document used by several steps is reported once, with a note
/// for each step.
fn in_file_order(file: &Path, mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diagnostics.sort_by(|a, b| {
        (a.file != file, &a.file, a.line, a.col).cmp(&(b.file != file, &b.file, b.line, b.col))
    });
    let mut merged: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len());
    for d in diagnostics {
        match merged.last_mut() {
            Some(last)
                if (&last.file, last.line, last.col, &last.message)
                    == (&d.file, d.line, d.col, &d.message) =>
            {
                for note in d.notes {
                    if !last.notes.contains(&note) {
                        last.notes.push(note);
                    }
                }
            }
            _ => merged.push(d),
        }
    }
    merged
}

/// Discovers and loads every suite under `dir`, in suite id order. Each suite loads (or
/// fails) on its own, so the files are loaded on as many threads as the machine has cores.
pub fn load_dir(
    dir: &Path,
    context: &LoadContext<'_>,
) -> Result<Vec<Result<Suite, LoadFailure>>, DiscoverError> {
    let files = discover(dir)?;
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(files.len());
    if threads <= 1 {
        return Ok(files
            .iter()
            .map(|file| load_suite(dir, file, context))
            .collect());
    }
    // Each thread takes the next file not yet taken; results are put back in file order.
    let next = AtomicUsize::new(0);
    let take = || {
        let mut loaded = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(file) = files.get(i) else {
                return loaded;
            };
            loaded.push((i, load_suite(dir, file, context)));
        }
    };
    let mut loaded: Vec<_> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads).map(|_| scope.spawn(take)).collect();
        workers
            .into_iter()
            .flat_map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    loaded.sort_by_key(|(i, _)| *i);
    Ok(loaded.into_iter().map(|(_, suite)| suite).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_ids_are_relative_slash_paths_without_extension() {
        assert_eq!(
            suite_id(Path::new("suites"), Path::new("suites/parts.yaml")),
            "parts"
        );
        assert_eq!(
            suite_id(
                Path::new("suites"),
                Path::new("suites/inventory/by-location.yaml")
            ),
            "inventory/by-location"
        );
        assert_eq!(
            suite_id(Path::new("./suites/"), Path::new("./suites/a/b.yaml")),
            "a/b"
        );
    }

    #[test]
    fn which_files_are_suites() {
        assert!(is_suite_file("parts.yaml", true));
        assert!(!is_suite_file("targets.yaml", true));
        assert!(is_suite_file("targets.yaml", false));
        assert!(!is_suite_file("parts.yml", true));
        assert!(!is_suite_file(".parts.yaml", false));
        assert!(
            !is_suite_dir("schema")
                && !is_suite_dir("seed")
                && !is_suite_dir(".git")
                && !is_suite_dir("_drafts")
        );
        assert!(is_suite_dir("inventory"));
    }
}
