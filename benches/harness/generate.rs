//! Generated read suites: `n` cases of one step each, three JSONPath assertions per step,
//! every tenth case snapshotted, in files of [`CASES_PER_FILE`] cases.
//!
//! The cases cycle through three small reads of the demo seed (a part by id, the first page
//! of parts, `me`), so every case passes against the double. [`Generated::requests`] holds the
//! same GraphQL requests as JSON bodies, for the bare client that sends them without the
//! harness.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// How many cases one generated suite file holds.
pub const CASES_PER_FILE: usize = 100;

/// One case in ten records a snapshot.
const SNAPSHOT_EVERY: usize = 10;

/// A generated suite directory and the requests its cases send.
pub struct Generated {
    /// The suites directory (`<root>/suites`).
    pub suites: PathBuf,
    /// The snapshots directory (`<root>/snapshots`), empty until a recording run.
    pub snapshots: PathBuf,
    /// The body of each case's request, in case order.
    pub requests: Vec<Value>,
}

/// One generated case: its query, variables and assertions (YAML lines).
struct Read {
    query: &'static str,
    variables: Value,
    assertions: Vec<(String, String)>,
}

/// The read of case `i`.
fn read(i: usize) -> Read {
    match i % 3 {
        0 => {
            let id = i % 12 + 1;
            Read {
                query: "query Part($id: ID!) { part(id: $id) { id partNumber revision } }",
                variables: json!({ "id": id }),
                assertions: vec![
                    ("$.part.id".into(), format!("equals: {id}")),
                    ("$.part.partNumber".into(), "exists: true".into()),
                    ("$.part.revision".into(), "type: string".into()),
                ],
            }
        }
        1 => Read {
            query: "query FirstParts { parts(first: 3, sort: [ID_ASC]) { pageInfo { count \
                    totalCount } edges { node { id partNumber } } } }",
            variables: json!({}),
            assertions: vec![
                ("$.parts.pageInfo.count".into(), "equals: 3".into()),
                ("$.parts.pageInfo.totalCount".into(), "min: 1".into()),
                ("$.parts.edges[*].node.id".into(), "length: 3".into()),
            ],
        },
        _ => Read {
            query: "query Me { me { id name email } }",
            variables: json!({}),
            assertions: vec![
                ("$.me.id".into(), "equals: 1".into()),
                ("$.me.name".into(), "type: string".into()),
                ("$.me.email".into(), "matches: \"@\"".into()),
            ],
        },
    }
}

/// Writes `n` cases under `root` (removed first), returning where they are and the requests.
pub fn generate(root: &Path, n: usize) -> Generated {
    if root.exists() {
        std::fs::remove_dir_all(root)
            .unwrap_or_else(|e| panic!("cannot clear {}: {e}", root.display()));
    }
    let suites = root.join("suites");
    let snapshots = root.join("snapshots");
    for dir in [&suites, &snapshots] {
        std::fs::create_dir_all(dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    }
    let mut requests = Vec::with_capacity(n);
    for (file_index, start) in (0..n).step_by(CASES_PER_FILE).enumerate() {
        let mut text = format!("name: Bench {file_index}\ntags: [bench]\ncases:\n");
        for i in start..n.min(start + CASES_PER_FILE) {
            let read = read(i);
            write_case(&mut text, i, &read);
            requests.push(json!({ "query": read.query, "variables": read.variables }));
        }
        let file = suites.join(format!("bench-{file_index:03}.yaml"));
        std::fs::write(&file, text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
    }
    Generated {
        suites,
        snapshots,
        requests,
    }
}

/// Appends case `i` as YAML.
fn write_case(text: &mut String, i: usize, read: &Read) {
    let _ = writeln!(text, "  - name: read-{i:05}");
    let _ = writeln!(text, "    steps:");
    let _ = writeln!(text, "      - name: read");
    let _ = writeln!(text, "        query: '{}'", read.query);
    let _ = writeln!(text, "        variables: {}", read.variables);
    let _ = writeln!(text, "        expect:");
    let _ = writeln!(text, "          data:");
    for (path, matcher) in &read.assertions {
        let _ = writeln!(text, "            - path: {path}");
        let _ = writeln!(text, "              {matcher}");
    }
    if i.is_multiple_of(SNAPSHOT_EVERY) {
        let _ = writeln!(text, "        snapshot: true");
    }
}
