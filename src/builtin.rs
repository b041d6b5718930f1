//! The files compiled into the binary, and which one a command reads: the project's own, or
//! the built-in one.
//!
//! A team's repository holds only its suites: the double's schema (`suites/schema/ion.graphql`),
//! its demo seed (`suites/seed/demo.yaml`) and the demo seeding chain (`suites/seed/chain.yaml`)
//! are carried by the binary ([`SCHEMA`], [`SEED`], [`CHAIN`]), copied from this repository's
//! own `suites/` when it is built. For each of the three:
//!
//! - a file given on the command line (`--schema`, `--seed`, `--chain`) is read, and must
//!   exist ([`Source::File`]);
//! - otherwise the project's file at the default path is read when it exists, and the
//!   built-in one only when there is nothing at that path ([`Source::Project`]): a file that
//!   exists but cannot be read (a directory, no permission) is an error, never a silent
//!   fallback.
//!
//! Diagnostics that point into a built-in file name it `<built-in>/schema/ion.graphql`,
//! `<built-in>/seed/demo.yaml` or `<built-in>/seed/chain.yaml`, with the line and column of
//! the text the binary carries (the same as this repository's files of the release).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// A file compiled into the binary.
#[derive(Debug, PartialEq, Eq)]
pub struct BuiltIn {
    /// How diagnostics name it (`<built-in>/schema/ion.graphql`).
    pub name: &'static str,
    /// Where a project keeps its own, inside the suites directory (`schema/ion.graphql`).
    pub project_path: &'static str,
    /// Its text.
    pub text: &'static str,
}

/// The double's schema: a subset of ION's real schema.
pub const SCHEMA: BuiltIn = BuiltIn {
    name: "<built-in>/schema/ion.graphql",
    project_path: "schema/ion.graphql",
    text: include_str!("../suites/schema/ion.graphql"),
};

/// The double's demo seed, the data every trial starts from.
pub const SEED: BuiltIn = BuiltIn {
    name: "<built-in>/seed/demo.yaml",
    project_path: "seed/demo.yaml",
    text: include_str!("../suites/seed/demo.yaml"),
};

/// The demo seeding chain (`seed`, `drift`, `smoke`, `fixture: chain`).
pub const CHAIN: BuiltIn = BuiltIn {
    name: "<built-in>/seed/chain.yaml",
    project_path: "seed/chain.yaml",
    text: include_str!("../suites/seed/chain.yaml"),
};

/// Where a command reads one of the files the binary also carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file named on the command line: it is read, and must exist.
    File(PathBuf),
    /// The project's file at this path when there is one, else the built-in file.
    Project(PathBuf, &'static BuiltIn),
}

/// The text a [`Source`] resolved to.
#[derive(Debug, Clone)]
pub struct Text {
    /// Where it came from, as diagnostics name it: the file, or `<built-in>/...`.
    pub path: PathBuf,
    /// The text.
    pub text: Cow<'static, str>,
    /// Whether it is the built-in file.
    pub built_in: bool,
}

impl Source {
    /// The project's file for `builtin` in `suites_dir`, with the built-in one behind it.
    pub fn project(suites_dir: &Path, builtin: &'static BuiltIn) -> Source {
        Source::Project(suites_dir.join(builtin.project_path), builtin)
    }

    /// The text: the file's, read with `read`, or the built-in one.
    pub fn text_with<E>(&self, read: impl FnOnce(&Path) -> Result<String, E>) -> Result<Text, E> {
        match self {
            Source::Project(path, builtin) if is_absent(path) => Ok(Text {
                path: PathBuf::from(builtin.name),
                text: Cow::Borrowed(builtin.text),
                built_in: true,
            }),
            Source::File(path) | Source::Project(path, _) => Ok(Text {
                path: path.clone(),
                text: Cow::Owned(read(path)?),
                built_in: false,
            }),
        }
    }
}

/// Nothing at `path`, not even a broken link (which is read, and fails, located).
fn is_absent(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(label: &str) -> PathBuf {
        let dir = crate::testing::scratch_dir(&format!("builtin-{label}"));
        std::fs::create_dir_all(dir.join("schema")).unwrap();
        dir
    }

    fn read(path: &Path) -> Result<String, std::io::Error> {
        std::fs::read_to_string(path)
    }

    #[test]
    fn without_a_project_file_the_built_in_text_is_read_under_its_own_name() {
        let dir = scratch("absent");
        let text = Source::project(&dir, &SCHEMA).text_with(read).unwrap();
        assert!(text.built_in);
        assert_eq!(text.path, Path::new("<built-in>/schema/ion.graphql"));
        assert_eq!(text.text, SCHEMA.text);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_project_file_wins_over_the_built_in_one() {
        let dir = scratch("present");
        std::fs::write(dir.join("schema/ion.graphql"), "type Query { a: Int }").unwrap();
        let text = Source::project(&dir, &SCHEMA).text_with(read).unwrap();
        assert!(!text.built_in);
        assert_eq!(text.path, dir.join("schema/ion.graphql"));
        assert_eq!(text.text, "type Query { a: Int }");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_project_path_that_exists_but_is_unreadable_is_an_error_not_the_built_in() {
        let dir = scratch("directory");
        std::fs::create_dir_all(dir.join("seed/demo.yaml")).unwrap();
        let result = Source::project(&dir, &SEED).text_with(read);
        assert!(
            result.is_err(),
            "a directory at the seed's path must not fall back"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_named_file_that_is_missing_is_an_error() {
        let dir = scratch("named");
        let result = Source::File(dir.join("nowhere.graphql")).text_with(read);
        assert_eq!(result.unwrap_err().kind(), std::io::ErrorKind::NotFound);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
