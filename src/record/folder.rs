//! The recorded folder: its two suites ([`super::suite_file`]) and `documents/*.graphql`,
//! merged into on every recording.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::RecordError;
use super::case::Built;
use super::suite_file::{Kind, SuiteFile};
use crate::init::from::kebab;

/// The folder of `.graphql` documents, relative to the suite files.
const DOCUMENTS: &str = "documents";

/// The longest case name made from operation names (cut at a `-`).
const MAX_CASE_NAME: usize = 60;

/// Where a session's case stands in the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placement {
    /// A case of its own, named so, in that file.
    New(String, &'static str),
    /// Already recorded (its steps are those of, or the start of, this case of that file).
    Existing(String, &'static str),
}

/// The cases each suite file gets: what it had, then the new ones.
type Planned = Vec<Vec<Value>>;

/// The folder recorded into.
#[derive(Debug)]
pub(crate) struct Folder {
    dir: PathBuf,
    /// The suites, in [`Kind::ALL`]'s order.
    suites: Vec<SuiteFile>,
    /// Document texts and the `.graphql` file (relative to the suites) holding each.
    documents: HashMap<String, String>,
}

impl Folder {
    /// Opens `dir` (creating it), reading the suites already recorded there, if any.
    pub(crate) fn open(dir: &Path) -> Result<Self, RecordError> {
        std::fs::create_dir_all(dir.join(DOCUMENTS)).map_err(|reason| RecordError::Folder {
            path: dir.to_path_buf(),
            reason,
        })?;
        let suites = Kind::ALL
            .iter()
            .map(|kind| SuiteFile::open(dir, *kind))
            .collect::<Result<_, _>>()?;
        Ok(Folder {
            dir: dir.to_path_buf(),
            suites,
            documents: HashMap::new(),
        })
    }

    /// The folder.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file holding the document `text` (relative to the suite): an existing one with
    /// that text, else `documents/<stem>.graphql` (`-2`, ... when taken), written now. A file
    /// that cannot be written is named anyway (the suite's write then reports the folder),
    /// and written with the next exchange that sends the document.
    pub(crate) fn document(&mut self, text: &str, stem: &str) -> String {
        if let Some(file) = self.documents.get(text) {
            return file.clone();
        }
        let stem = kebab(stem);
        let mut n = 1;
        let (file, saved) = loop {
            let name = match n {
                1 => format!("{DOCUMENTS}/{stem}.graphql"),
                n => format!("{DOCUMENTS}/{stem}-{n}.graphql"),
            };
            let path = self.dir.join(&name);
            match std::fs::read_to_string(&path) {
                Ok(on_disk) if on_disk == crate::scrub::text(text) => break (name, true),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let saved = std::fs::write(&path, crate::scrub::text(text)).is_ok();
                    break (name, saved);
                }
                // Another document, or a file that is not one (a folder, not text).
                _ => n += 1,
            }
        };
        // A file that could not be written is tried again with the next exchange.
        if saved {
            self.documents.insert(text.to_owned(), file.clone());
        }
        file
    }

    /// Where each session's case goes, and the cases of each suite file.
    pub(crate) fn plan(&self, sessions: &[&Built]) -> (Vec<Option<Placement>>, Planned) {
        let mut planned: Planned = self.suites.iter().map(|s| s.cases().to_vec()).collect();
        let mut placements = Vec::new();
        for built in sessions {
            if built.steps.is_empty() {
                placements.push(None);
                continue;
            }
            let kind = if built.writes {
                Kind::Writes
            } else {
                Kind::Reads
            };
            let index = Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
            let cases = &mut planned[index];
            if let Some(case) = cases.iter().find(|case| covers(case, &built.steps)) {
                let name = case.get("name").and_then(Value::as_str).unwrap_or("?");
                placements.push(Some(Placement::Existing(name.to_owned(), kind.file())));
                continue;
            }
            let taken: Vec<&str> = planned
                .iter()
                .flatten()
                .filter_map(|c| c.get("name").and_then(Value::as_str))
                .collect();
            let name = unique_case_name(&case_name(&built.operations), &taken);
            let mut case = Map::new();
            case.insert("name".into(), name.clone().into());
            case.insert("steps".into(), Value::Array(built.steps.clone()));
            planned[index].push(Value::Object(case));
            placements.push(Some(Placement::New(name, kind.file())));
        }
        (placements, planned)
    }

    /// Writes each suite file whose cases changed.
    pub(crate) fn write(&mut self, sessions: &[&Built]) -> Result<(), RecordError> {
        let (_, planned) = self.plan(sessions);
        for (suite, cases) in self.suites.iter_mut().zip(planned) {
            suite.write(cases)?;
        }
        Ok(())
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
fn unique_case_name(name: &str, taken: &[&str]) -> String {
    let mut candidate = name.to_owned();
    let mut n = 1;
    while taken.contains(&candidate.as_str()) {
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
            writes: false,
        }
    }

    #[test]
    fn a_session_already_recorded_or_the_start_of_a_case_adds_nothing() {
        let dir = crate::testing::scratch_dir("record-folder-merge");
        let mut folder = Folder::open(&dir).unwrap();
        let full = built(&["Parts", "CreatePart", "DeletePart"]);
        folder.write(&[&full]).unwrap();
        let written = std::fs::read_to_string(dir.join("recorded.yaml")).unwrap();

        let mut again = Folder::open(&dir).unwrap();
        let start = built(&["Parts", "CreatePart"]);
        let (placements, _) = again.plan(&[&full, &start]);
        let existing = Some(Placement::Existing(
            "parts-create-part-delete-part".into(),
            "recorded.yaml",
        ));
        assert_eq!(placements, vec![existing.clone(), existing]);
        again.write(&[&full, &start]).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("recorded.yaml")).unwrap(),
            written
        );

        // Another session with the same operations but other steps is a new case, renamed.
        let mut other = built(&["Parts", "CreatePart", "DeletePart"]);
        other.steps[0]["variables"] = json!({"first": 5});
        let (placements, cases) = again.plan(&[&other]);
        assert_eq!(
            placements,
            vec![Some(Placement::New(
                "parts-create-part-delete-part-2".into(),
                "recorded.yaml"
            ))]
        );
        assert_eq!(cases[0].len(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_session_moves_to_the_writes_suite_when_it_writes() {
        let dir = crate::testing::scratch_dir("record-folder-kinds");
        let mut folder = Folder::open(&dir).unwrap();
        let reading = built(&["Parts"]);
        folder.write(&[&reading]).unwrap();
        assert!(dir.join("recorded.yaml").exists());

        let mut writing = built(&["Parts", "CreatePart"]);
        writing.writes = true;
        folder.write(&[&writing]).unwrap();
        assert!(!dir.join("recorded.yaml").exists(), "no reads case is left");
        let writes = std::fs::read_to_string(dir.join("recorded-writes.yaml")).unwrap();
        assert!(writes.contains("name: parts-create-part\n"), "{writes}");
        assert!(writes.contains("targets:\n- mock\n- sandbox\n"), "{writes}");

        // A session that only reads is a case of the reads suite, even when a writes case
        // starts with its steps.
        let (placements, _) = folder.plan(&[&writing, &reading]);
        assert_eq!(
            placements[1],
            Some(Placement::New("parts".into(), "recorded.yaml"))
        );
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
