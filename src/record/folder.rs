//! The recorded folder: `recorded.yaml` and `documents/*.graphql`, merged into on every
//! recording, written only when something new was recorded.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::RecordError;
use super::case::Built;
use crate::diagnostic::display_path;
use crate::init::from::kebab;

/// The suite file the recorder writes in its folder.
pub const SUITE_FILE: &str = "recorded.yaml";

/// The folder of `.graphql` documents, relative to the suite file.
const DOCUMENTS: &str = "documents";

/// The longest case name made from operation names (cut at a `-`).
const MAX_CASE_NAME: usize = 60;

/// What the header of the suite file says.
const HEADER: &str = "\
# Recorded by `ion-contract serve --record`: one case per client session, steps in the order
# sent. Recording again adds only new sessions. Edit freely: a case you change is kept as it
# is (comments in this file are not kept when new cases are added).
";

/// Where a session's case stands in the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placement {
    /// A case of its own, named so.
    New(String),
    /// Already recorded (its steps are those of, or the start of, this case).
    Existing(String),
}

/// The folder recorded into.
#[derive(Debug)]
pub(crate) struct Folder {
    dir: PathBuf,
    /// The suite as it was on disk (`cases` included), or a new one.
    suite: Map<String, Value>,
    /// Document texts and the `.graphql` file (relative to the suite) holding each.
    documents: HashMap<String, String>,
}

impl Folder {
    /// Opens `dir` (creating it), reading the suite already recorded there, if any.
    pub(crate) fn open(dir: &Path) -> Result<Self, RecordError> {
        let folder_error = |reason| RecordError::Folder {
            path: dir.to_path_buf(),
            reason,
        };
        std::fs::create_dir_all(dir.join(DOCUMENTS)).map_err(folder_error)?;
        let path = dir.join(SUITE_FILE);
        let suite = match std::fs::read_to_string(&path) {
            Ok(text) => existing(&path, &text)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut suite = Map::new();
                suite.insert("name".into(), "Recorded contract".into());
                suite.insert(
                    "description".into(),
                    "The operations an integration sent to `ion-contract serve --record`.".into(),
                );
                suite.insert("cases".into(), Value::Array(Vec::new()));
                suite
            }
            Err(reason) => return Err(RecordError::Folder { path, reason }),
        };
        Ok(Folder {
            dir: dir.to_path_buf(),
            suite,
            documents: HashMap::new(),
        })
    }

    /// The suite file.
    pub(crate) fn suite_path(&self) -> PathBuf {
        self.dir.join(SUITE_FILE)
    }

    /// The file holding the document `text` (relative to the suite): an existing one with
    /// that text, else `documents/<stem>.graphql` (`-2`, ... when taken), written now. A file
    /// that cannot be written is named anyway; the suite's next write reports the folder.
    pub(crate) fn document(&mut self, text: &str, stem: &str) -> String {
        if let Some(file) = self.documents.get(text) {
            return file.clone();
        }
        let stem = kebab(stem);
        let mut n = 1;
        let file = loop {
            let name = match n {
                1 => format!("{DOCUMENTS}/{stem}.graphql"),
                n => format!("{DOCUMENTS}/{stem}-{n}.graphql"),
            };
            let path = self.dir.join(&name);
            match std::fs::read_to_string(&path) {
                Ok(on_disk) if on_disk == crate::scrub::text(text) => break name,
                Ok(_) => n += 1,
                Err(_) => {
                    let _ = std::fs::write(&path, crate::scrub::text(text));
                    break name;
                }
            }
        };
        self.documents.insert(text.to_owned(), file.clone());
        file
    }

    /// The cases of the suite on disk.
    fn cases(&self) -> &[Value] {
        self.suite
            .get("cases")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    /// Where each session's case goes, and the suite's cases with the new ones appended.
    pub(crate) fn plan(&self, sessions: &[&Built]) -> (Vec<Option<Placement>>, Vec<Value>) {
        let mut cases = self.cases().to_vec();
        let mut placements = Vec::new();
        for built in sessions {
            if built.steps.is_empty() {
                placements.push(None);
                continue;
            }
            if let Some(case) = cases.iter().find(|case| covers(case, &built.steps)) {
                let name = case.get("name").and_then(Value::as_str).unwrap_or("?");
                placements.push(Some(Placement::Existing(name.to_owned())));
                continue;
            }
            let name = unique_case_name(&case_name(&built.operations), &cases);
            let mut case = Map::new();
            case.insert("name".into(), name.clone().into());
            case.insert("steps".into(), Value::Array(built.steps.clone()));
            cases.push(Value::Object(case));
            placements.push(Some(Placement::New(name)));
        }
        (placements, cases)
    }

    /// Writes the suite with every new session's case; nothing when there is none.
    pub(crate) fn write(&self, sessions: &[&Built]) -> Result<(), RecordError> {
        let (placements, cases) = self.plan(sessions);
        if !placements
            .iter()
            .any(|p| matches!(p, Some(Placement::New(_))))
        {
            return Ok(());
        }
        let mut suite = self.suite.clone();
        suite.insert("cases".into(), Value::Array(cases));
        let path = self.suite_path();
        let yaml =
            serde_saphyr::to_string(&Value::Object(suite)).map_err(|e| RecordError::Existing {
                at: display_path(&path),
                message: format!("cannot write the recorded suite as YAML: {e}"),
            })?;
        let text = crate::scrub::text(&format!("{HEADER}{yaml}"));
        if std::fs::read_to_string(&path).is_ok_and(|on_disk| on_disk == text) {
            return Ok(());
        }
        let partial = self.dir.join(format!(".{SUITE_FILE}.partial"));
        let folder_error = |reason| RecordError::Folder {
            path: path.clone(),
            reason,
        };
        std::fs::write(&partial, crate::scrub::text(&text)).map_err(folder_error)?;
        std::fs::rename(&partial, &path).map_err(folder_error)
    }
}

/// The suite already recorded in `path`, checked enough to merge into.
fn existing(path: &Path, text: &str) -> Result<Map<String, Value>, RecordError> {
    let problem = |at: String, message: &str| RecordError::Existing {
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

/// Whether `case`'s steps are `steps`, or start with them (captures aside: a session still
/// running has not yet made the later steps that use them).
fn covers(case: &Value, steps: &[Value]) -> bool {
    let Some(theirs) = case.get("steps").and_then(Value::as_array) else {
        return false;
    };
    theirs.len() >= steps.len()
        && theirs
            .iter()
            .zip(steps)
            .all(|(theirs, ours)| without_capture(theirs) == without_capture(ours))
}

fn without_capture(step: &Value) -> Value {
    let mut step = step.clone();
    if let Value::Object(map) = &mut step {
        map.remove("capture");
    }
    step
}

/// The distinct operation names, kebab-case, joined by `-` (at most [`MAX_CASE_NAME`]).
fn case_name(operations: &[String]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for operation in operations {
        let part = kebab(operation);
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    let mut name = String::new();
    for part in parts {
        let longer = if name.is_empty() {
            part
        } else {
            format!("{name}-{part}")
        };
        if longer.len() > MAX_CASE_NAME && !name.is_empty() {
            break;
        }
        name = longer;
    }
    name.truncate(MAX_CASE_NAME);
    if name.is_empty() {
        "session".into()
    } else {
        name
    }
}

/// `name`, or `name-2`, ... when a case already has it.
fn unique_case_name(name: &str, cases: &[Value]) -> String {
    let taken = |n: &str| {
        cases
            .iter()
            .any(|c| c.get("name").and_then(Value::as_str) == Some(n))
    };
    let mut candidate = name.to_owned();
    let mut n = 1;
    while taken(&candidate) {
        n += 1;
        candidate = format!("{name}-{n}");
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn built(operations: &[&str]) -> Built {
        Built {
            operations: operations.iter().map(|o| (*o).to_owned()).collect(),
            steps: operations
                .iter()
                .map(|o| json!({"name": kebab(o), "document": format!("documents/{}.graphql", kebab(o))}))
                .collect(),
            invalid: 0,
        }
    }

    #[test]
    fn a_session_already_recorded_or_the_start_of_a_case_adds_nothing() {
        let dir = crate::testing::scratch_dir("record-folder-merge");
        let folder = Folder::open(&dir).unwrap();
        let full = built(&["Parts", "CreatePart", "DeletePart"]);
        folder.write(&[&full]).unwrap();
        let written = std::fs::read_to_string(dir.join(SUITE_FILE)).unwrap();

        let again = Folder::open(&dir).unwrap();
        let start = built(&["Parts", "CreatePart"]);
        let (placements, _) = again.plan(&[&full, &start]);
        let existing = Some(Placement::Existing("parts-create-part-delete-part".into()));
        assert_eq!(placements, vec![existing.clone(), existing]);
        again.write(&[&full, &start]).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join(SUITE_FILE)).unwrap(),
            written
        );

        // Another session with the same operations but other steps is a new case, renamed.
        let mut other = built(&["Parts", "CreatePart", "DeletePart"]);
        other.steps[0]["variables"] = json!({"first": 5});
        let (placements, cases) = again.plan(&[&other]);
        assert_eq!(
            placements,
            vec![Some(Placement::New(
                "parts-create-part-delete-part-2".into()
            ))]
        );
        assert_eq!(cases.len(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_document_is_written_once_and_a_taken_name_gets_a_number() {
        let dir = crate::testing::scratch_dir("record-folder-documents");
        let mut folder = Folder::open(&dir).unwrap();
        let parts = "query Parts { parts { edges { node { id } } } }\n";
        let other = "query Parts { parts { pageInfo { count } } }\n";
        assert_eq!(folder.document(parts, "parts"), "documents/parts.graphql");
        assert_eq!(folder.document(other, "parts"), "documents/parts-2.graphql");
        // A new recorder finds the files already there by their text.
        let mut reopened = Folder::open(&dir).unwrap();
        assert_eq!(
            reopened.document(other, "parts"),
            "documents/parts-2.graphql"
        );
        let text = std::fs::read_to_string(dir.join("documents/parts.graphql")).unwrap();
        assert_eq!(text, parts);
        let _ = std::fs::remove_dir_all(&dir);
    }

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
    fn case_names_come_from_the_distinct_operations_within_the_limit() {
        let names =
            |ops: &[&str]| case_name(&ops.iter().map(|o| (*o).to_owned()).collect::<Vec<_>>());
        assert_eq!(
            names(&["Parts", "UpdatePart", "UpdatePart"]),
            "parts-update-part"
        );
        assert_eq!(names(&[]), "session");
        let long = names(&[
            "CreatePartInventoryWithEverything",
            "AnotherVeryLongOperation",
        ]);
        assert_eq!(
            long, "create-part-inventory-with-everything",
            "cut at a whole name"
        );
    }
}
