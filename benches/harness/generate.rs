//! Generated read cases: `n` cases of one step each, three JSONPath assertions per step, in
//! suite files of [`CASES_PER_FILE`] cases (one case in [`SNAPSHOT_EVERY`] snapshotted, unless
//! the caller asks for none), and optionally the same cases as `.hurl` files, one per case, for
//! the side-by-side comparison with Hurl.
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
pub const SNAPSHOT_EVERY: usize = 10;

/// A generated suite directory and the requests its cases send.
pub struct Generated {
    /// The suites directory (`<root>/suites`).
    pub suites: PathBuf,
    /// The snapshots directory (`<root>/snapshots`), empty until a recording run.
    pub snapshots: PathBuf,
    /// The body of each case's request, in case order.
    pub requests: Vec<Value>,
}

/// What one assertion expects of the value at its path.
enum Matcher {
    Equals(i64),
    Exists,
    IsString,
    Min(i64),
    Length(usize),
    Matches(&'static str),
}

/// One assertion: a JSONPath under the response's `data`, and what it expects.
struct Assertion {
    path: &'static str,
    matcher: Matcher,
}

impl Assertion {
    /// The assertion as the two YAML lines of a suite's `expect: data:` entry.
    fn yaml(&self) -> String {
        let matcher = match &self.matcher {
            Matcher::Equals(n) => format!("equals: {n}"),
            Matcher::Exists => "exists: true".into(),
            Matcher::IsString => "type: string".into(),
            Matcher::Min(n) => format!("min: {n}"),
            Matcher::Length(n) => format!("length: {n}"),
            Matcher::Matches(pattern) => format!("matches: {pattern:?}"),
        };
        format!(
            "            - path: {}\n              {matcher}\n",
            self.path
        )
    }

    /// The same assertion as one line of a Hurl `[Asserts]` section (Hurl's JSONPath starts
    /// at the whole body, so `$.part.id` becomes `$.data.part.id`).
    fn hurl(&self) -> String {
        let path = format!("$.data{}", &self.path[1..]);
        let predicate = match &self.matcher {
            Matcher::Equals(n) => format!("== {n}"),
            Matcher::Exists => "exists".into(),
            Matcher::IsString => "isString".into(),
            Matcher::Min(n) => format!(">= {n}"),
            Matcher::Length(n) => return format!("jsonpath \"{path}\" count == {n}\n"),
            Matcher::Matches(pattern) => format!("matches {pattern:?}"),
        };
        format!("jsonpath \"{path}\" {predicate}\n")
    }
}

/// One generated case: its query, variables and assertions.
struct Read {
    query: &'static str,
    variables: Value,
    assertions: [Assertion; 3],
}

impl Read {
    /// The GraphQL request's JSON body.
    fn body(&self) -> Value {
        json!({ "query": self.query, "variables": self.variables })
    }
}

/// The read of case `i`.
fn read(i: usize) -> Read {
    let assert = |path, matcher| Assertion { path, matcher };
    match i % 3 {
        0 => {
            let id = i % 12 + 1;
            Read {
                query: "query Part($id: ID!) { part(id: $id) { id partNumber revision } }",
                variables: json!({ "id": id }),
                assertions: [
                    assert("$.part.id", Matcher::Equals(id as i64)),
                    assert("$.part.partNumber", Matcher::Exists),
                    assert("$.part.revision", Matcher::IsString),
                ],
            }
        }
        1 => Read {
            query: "query FirstParts { parts(first: 3, sort: [ID_ASC]) { pageInfo { count \
                    totalCount } edges { node { id partNumber } } } }",
            variables: json!({}),
            assertions: [
                assert("$.parts.pageInfo.count", Matcher::Equals(3)),
                assert("$.parts.pageInfo.totalCount", Matcher::Min(1)),
                assert("$.parts.edges[*].node.id", Matcher::Length(3)),
            ],
        },
        _ => Read {
            query: "query Me { me { id name email } }",
            variables: json!({}),
            assertions: [
                assert("$.me.id", Matcher::Equals(1)),
                assert("$.me.name", Matcher::IsString),
                assert("$.me.email", Matcher::Matches("@")),
            ],
        },
    }
}

/// Removes `root` if it exists and creates `dirs` (under it).
fn fresh(root: &Path, dirs: &[&Path]) {
    if root.exists() {
        std::fs::remove_dir_all(root)
            .unwrap_or_else(|e| panic!("cannot clear {}: {e}", root.display()));
    }
    for dir in dirs {
        std::fs::create_dir_all(dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    }
}

fn write(file: &Path, text: &str) {
    std::fs::write(file, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
}

/// Writes `n` cases under `root` (removed first), returning where they are and the requests.
/// Every `snapshot_every`-th case records a snapshot; `None`: no case does.
pub fn generate(root: &Path, n: usize, snapshot_every: Option<usize>) -> Generated {
    let suites = root.join("suites");
    let snapshots = root.join("snapshots");
    fresh(root, &[&suites, &snapshots]);
    let mut requests = Vec::with_capacity(n);
    for (file_index, start) in (0..n).step_by(CASES_PER_FILE).enumerate() {
        let mut text = format!("name: Bench {file_index}\ntags: [bench]\ncases:\n");
        for i in start..n.min(start + CASES_PER_FILE) {
            let read = read(i);
            let snapshot = snapshot_every.is_some_and(|every| i.is_multiple_of(every));
            write_case(&mut text, i, &read, snapshot);
            requests.push(read.body());
        }
        write(&suites.join(format!("bench-{file_index:03}.yaml")), &text);
    }
    Generated {
        suites,
        snapshots,
        requests,
    }
}

/// Appends case `i` as YAML.
fn write_case(text: &mut String, i: usize, read: &Read, snapshot: bool) {
    let _ = writeln!(text, "  - name: read-{i:05}");
    let _ = writeln!(text, "    steps:");
    let _ = writeln!(text, "      - name: read");
    let _ = writeln!(text, "        query: '{}'", read.query);
    let _ = writeln!(text, "        variables: {}", read.variables);
    let _ = writeln!(text, "        expect:");
    let _ = writeln!(text, "          data:");
    for assertion in &read.assertions {
        text.push_str(&assertion.yaml());
    }
    if snapshot {
        let _ = writeln!(text, "        snapshot: true");
    }
}

/// Writes the first `n` cases as `.hurl` files under `dir` (removed first), one file per case
/// (`read-00000.hurl`, ...), and returns their paths in case order.
///
/// Each file POSTs the case's body to `{{api_url}}/graphql` with `Authorization: Bearer
/// {{token}}` (Hurl variables: pass `--variable api_url=...` and the token as the secret
/// `HURL_SECRET_token`), expects `HTTP 200` and checks the case's three assertions with
/// `jsonpath` asserts.
pub fn generate_hurl(dir: &Path, n: usize) -> Vec<PathBuf> {
    fresh(dir, &[dir]);
    (0..n)
        .map(|i| {
            let file = dir.join(format!("read-{i:05}.hurl"));
            write(&file, &hurl_case(&read(i), false));
            file
        })
        .collect()
}

/// Writes case 0 as a `.hurl` file whose first assertion expects a value no id has (`-1`),
/// so that Hurl must fail it: the proof that the generated asserts are checked at all.
pub fn generate_failing_hurl(file: &Path) {
    write(file, &hurl_case(&read(0), true));
}

/// The Hurl file of one case; `wrong_first`: its first assertion expects `-1` instead.
fn hurl_case(read: &Read, wrong_first: bool) -> String {
    let body = read.body().to_string();
    assert!(
        !body.contains("{{"),
        "a generated body holds no Hurl template: {body}"
    );
    let mut text = format!(
        "POST {{{{api_url}}}}/graphql\nAuthorization: Bearer {{{{token}}}}\n{body}\nHTTP 200\n\
         [Asserts]\n"
    );
    for (index, assertion) in read.assertions.iter().enumerate() {
        if wrong_first && index == 0 {
            let wrong = Assertion {
                path: assertion.path,
                matcher: Matcher::Equals(-1),
            };
            text.push_str(&wrong.hurl());
        } else {
            text.push_str(&assertion.hurl());
        }
    }
    text
}
