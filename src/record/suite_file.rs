//! One recorded suite file: read when recording starts, written again whenever its cases
//! change, left byte for byte as it was when they do not.
//!
//! Sessions that only read go to `recorded.yaml`, which runs on every target (production's
//! read-only promotion check included); sessions that write go to `recorded-writes.yaml`,
//! limited to `targets: [mock, sandbox]` as a new suite, since a mutation never runs on
//! production.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::RecordError;
use crate::diagnostic::display_path;

/// What the header of a recorded suite file says.
const HEADER: &str = "\
# Recorded by `ion-contract serve --record`: one case per client session, steps in the order
# sent. Recording again adds only new sessions. Edit freely: a case you change is kept as it
# is (comments in this file are not kept when new cases are added).
";

/// Which of the two suites a session's case belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Sessions that only read.
    Reads,
    /// Sessions with a mutation.
    Writes,
}

impl Kind {
    /// Both, in the order the folder keeps them.
    pub(crate) const ALL: [Kind; 2] = [Kind::Reads, Kind::Writes];

    /// The suite's file name.
    pub(crate) fn file(self) -> &'static str {
        match self {
            Kind::Reads => "recorded.yaml",
            Kind::Writes => "recorded-writes.yaml",
        }
    }

    /// A new suite of this kind, without cases yet.
    fn new_suite(self) -> Map<String, Value> {
        let suite = match self {
            Kind::Reads => json!({
                "name": "Recorded reads",
                "description": "The read-only sessions an integration sent to `ion-contract serve --record`.",
                "cases": [],
            }),
            Kind::Writes => json!({
                "name": "Recorded writes",
                "description": "The sessions with mutations an integration sent to `ion-contract serve --record`; never run on production.",
                "targets": ["mock", "sandbox"],
                "cases": [],
            }),
        };
        match suite {
            Value::Object(suite) => suite,
            _ => Map::new(),
        }
    }
}

/// One suite file of the folder.
#[derive(Debug)]
pub(crate) struct SuiteFile {
    path: PathBuf,
    /// The suite as it was on disk (`cases` included), or a new one.
    suite: Map<String, Value>,
    /// Whether the file was there when recording started.
    existed: bool,
    /// Whether this run wrote it.
    written: bool,
}

impl SuiteFile {
    /// The suite of `kind` in `dir`, as it is on disk, or a new one.
    pub(crate) fn open(dir: &Path, kind: Kind) -> Result<Self, RecordError> {
        let path = dir.join(kind.file());
        let (suite, existed) = match std::fs::read_to_string(&path) {
            Ok(text) => (existing(&path, &text)?, true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (kind.new_suite(), false),
            Err(reason) => return Err(RecordError::Folder { path, reason }),
        };
        Ok(SuiteFile {
            path,
            suite,
            existed,
            written: false,
        })
    }

    /// The cases on disk when recording started.
    pub(crate) fn cases(&self) -> &[Value] {
        self.suite
            .get("cases")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    /// Writes the suite with `cases` when they are more than it had, or when this run wrote
    /// it before (a session it held has moved on); removes a file this run made and no
    /// case is left in.
    pub(crate) fn write(&mut self, cases: Vec<Value>) -> Result<(), RecordError> {
        let grew = cases.len() > self.cases().len();
        if !grew && !self.written {
            return Ok(());
        }
        let folder_error = |reason| RecordError::Folder {
            path: self.path.clone(),
            reason,
        };
        if cases.is_empty() && !self.existed {
            self.written = false;
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(folder_error(e)),
                _ => Ok(()),
            };
        }
        let mut suite = self.suite.clone();
        suite.insert("cases".into(), Value::Array(cases));
        let yaml =
            serde_saphyr::to_string(&Value::Object(suite)).map_err(|e| RecordError::Suite {
                at: display_path(&self.path),
                message: format!("cannot write the recorded suite as YAML: {e}"),
            })?;
        let text = crate::scrub::text(&format!("{HEADER}{yaml}"));
        self.written = true;
        if std::fs::read_to_string(&self.path).is_ok_and(|on_disk| on_disk == text) {
            return Ok(());
        }
        let partial = self.path.with_extension("yaml.partial");
        std::fs::write(&partial, crate::scrub::text(&text)).map_err(folder_error)?;
        std::fs::rename(&partial, &self.path).map_err(folder_error)
    }
}

/// The suite already recorded in `path`, checked enough to merge into.
fn existing(path: &Path, text: &str) -> Result<Map<String, Value>, RecordError> {
    let problem = |at: String, message: &str| RecordError::Suite {
        at,
        message: message.to_owned(),
    };
    let value: Value = serde_saphyr::from_str(text).map_err(|e| {
        let inner = e.without_snippet();
        let at = match inner.location() {
            Some(l) => format!("{}:{}:{}", display_path(path), l.line(), l.column()),
            None => display_path(path),
        };
        problem(at, &format!("invalid YAML: {inner}"))
    })?;
    match value {
        Value::Object(suite)
            if suite
                .get("cases")
                .and_then(Value::as_array)
                .is_some_and(|cases| cases.iter().all(Value::is_object)) =>
        {
            Ok(suite)
        }
        _ => Err(problem(
            display_path(path),
            "is not a suite with a `cases:` list the recorder can add to",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suite_that_cannot_be_merged_into_is_refused_with_its_place() {
        let path = Path::new("suites/recorded.yaml");
        let error = existing(path, "name: x\ncases: [\n  {name: a\n").unwrap_err();
        let shown = error.to_string();
        assert!(
            shown.starts_with("suites/recorded.yaml:3:3: invalid YAML"),
            "{shown}"
        );
        assert!(shown.contains("\nhelp: "), "{shown}");
        let error = existing(path, "name: x\n").unwrap_err().to_string();
        assert!(error.contains("`cases:` list"), "{error}");
    }

    #[test]
    fn a_file_this_run_made_goes_when_its_last_case_moves_on() {
        let dir = crate::testing::scratch_dir("record-suite-file");
        let mut file = SuiteFile::open(&dir, Kind::Reads).unwrap();
        let case = serde_json::json!({"name": "parts", "steps": [{"query": "{ me { id } }"}]});
        file.write(vec![case]).unwrap();
        assert!(dir.join("recorded.yaml").exists());
        file.write(Vec::new()).unwrap();
        assert!(!dir.join("recorded.yaml").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
