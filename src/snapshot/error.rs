//! Why a snapshot or baseline file could not be read or written, or the snapshots folder
//! cannot be used: each names the file and says how to fix it. The cause is part of the
//! message (not an error `source`), so a report that prints sources shows it once.

use std::path::PathBuf;

use crate::diagnostic::display_path;
use crate::user_file::ReadError;

/// A snapshot file, a baseline or the snapshots folder that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The snapshots path is not a directory, or one of its parents is a file.
    #[error(
        "error: {}\nhelp: pass --snapshots with a directory (it is created when missing), or \
         leave it out to use `snapshots` beside the suites directory",
        not_a_directory(.dir, .existing)
    )]
    NotADirectory {
        /// The snapshots directory asked for.
        dir: PathBuf,
        /// The nearest part of it that exists, and is not a directory.
        existing: PathBuf,
    },
    /// A folder for snapshots could not be created.
    #[error(
        "cannot create {}: {cause}\nhelp: check the permissions of the snapshots directory",
        display_path(.dir)
    )]
    CreateDir {
        /// The folder.
        dir: PathBuf,
        /// Why.
        cause: std::io::Error,
    },
    /// A snapshot or baseline could not be written.
    #[error(
        "cannot write {}: {cause}\nhelp: check the permissions of the snapshots directory",
        display_path(.path)
    )]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: std::io::Error,
    },
    /// A baseline could not be read as a user file (a pipe, a device, too big, unreadable).
    #[error("cannot read the baseline {}: {cause}\nhelp: {}", display_path(.path), .cause.help())]
    ReadBaseline {
        /// The baseline.
        path: PathBuf,
        /// Why.
        cause: ReadError,
    },
    /// A baseline that is not a snapshot holding JSON.
    #[error("{0}")]
    BadBaseline(String),
    /// A value that could not be written as JSON.
    #[error("cannot write the baseline as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

fn not_a_directory(dir: &PathBuf, existing: &PathBuf) -> String {
    if existing == dir {
        format!(
            "the snapshots directory {} is not a directory",
            display_path(dir)
        )
    } else {
        format!(
            "the snapshots directory {} cannot be created: {} is not a directory",
            display_path(dir),
            display_path(existing)
        )
    }
}
