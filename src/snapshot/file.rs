//! insta's snapshot files: reading a `.snap` or a pending `.snap.new` (with insta's own
//! [`insta::Snapshot::from_file`]), writing one in insta's format (a YAML header between
//! `---` lines, then the contents), and the line difference between two contents (with
//! `similar`, the diff library insta uses).
//!
//! insta keeps a pending snapshot beside its `.snap` as `<name>.snap.new`, in the same
//! format; `cargo insta review` and `ion-contract review` both read it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::SnapshotError;

/// How many lines of a difference a failure message shows; the rest are counted (the
/// pending file holds everything).
const SHOWN_DIFF_LINES: usize = 200;

/// The header fields ion-contract writes.
pub struct Header {
    /// What produced the snapshot: the suite file (or the command).
    pub source: String,
    /// What it records: a case's trial name, or a baseline's description.
    pub description: String,
}

/// The pending file insta reviews for `snap`: `<name>.snap.new` beside it.
pub fn pending_path(snap: &Path) -> PathBuf {
    let mut name = snap.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

/// Reads a snapshot file; `Ok(None)` when there is none. Refuses a pipe, a device or a file
/// over the size limit before insta opens it.
pub fn read(path: &Path) -> Result<Option<insta::Snapshot>, String> {
    if !path.exists() {
        return Ok(None);
    }
    let shown = crate::diagnostic::display_path(path);
    crate::user_file::read_bytes(path, crate::user_file::Limit::File)
        .map_err(|e| format!("cannot read the snapshot {shown}: {e}\nhelp: {}", e.help()))?;
    insta::Snapshot::from_file(path).map(Some).map_err(|e| {
        format!(
            "cannot read the snapshot {shown}: {e}\nhelp: it is not in insta's snapshot format; \
             delete it and run the case again to record it"
        )
    })
}

/// Writes `contents` under `header` in insta's format, creating the directory; scrubbed of
/// every secret of the run.
pub fn write(path: &Path, header: &Header, contents: &str) -> Result<(), SnapshotError> {
    // JSON strings are YAML double-quoted scalars: any text stays one header value.
    let quote = |s: &str| serde_json::Value::from(s).to_string();
    let text = format!(
        "---\nsource: {}\ndescription: {}\n---\n{contents}\n",
        quote(&header.source),
        quote(&header.description)
    );
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|cause| SnapshotError::CreateDir {
            dir: dir.to_path_buf(),
            cause,
        })?;
    }
    std::fs::write(path, crate::scrub::text(&text)).map_err(|cause| SnapshotError::Write {
        path: path.to_path_buf(),
        cause,
    })
}

/// The unified line difference from `old` to `new` (`-` stored, `+` new), at most
/// `SHOWN_DIFF_LINES` (200) lines, ending in a newline.
pub fn diff(old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let unified = diff
        .unified_diff()
        .context_radius(3)
        .missing_newline_hint(false)
        .header("stored snapshot", "new response")
        .to_string();
    let lines: Vec<&str> = unified.lines().collect();
    let mut out = String::new();
    for line in lines.iter().take(SHOWN_DIFF_LINES) {
        let _ = writeln!(out, "  {line}");
    }
    if lines.len() > SHOWN_DIFF_LINES {
        let _ = writeln!(
            out,
            "  ... {} more lines of difference",
            lines.len() - SHOWN_DIFF_LINES
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_file_sits_beside_the_snapshot() {
        assert_eq!(
            pending_path(Path::new("snapshots/parts__list@mock.snap")),
            Path::new("snapshots/parts__list@mock.snap.new")
        );
    }

    #[test]
    fn diff_marks_removed_and_added_lines() {
        let shown = diff("{\n  \"a\": 1\n}\n", "{\n  \"a\": 2\n}\n");
        assert!(shown.contains("-  \"a\": 1"), "{shown}");
        assert!(shown.contains("+  \"a\": 2"), "{shown}");
    }
}
