//! Fuzzing the suite loader (YAML → checked suite, GraphQL validated against the double's
//! schema): whatever bytes a suite file or its `.graphql` document holds, loading returns a
//! suite or located diagnostics (`file:line:col` inside the file, line and column from 1,
//! rendering on its own), never panics and never hangs.
//!
//! Inputs are the real suites in `suites/` and the seed corpus in
//! `tests/fuzz/corpus/suite_loader/`, mutated with YAML, suite-key, GraphQL, JSONPath and
//! template tokens (see `common/fuzz/mutate.rs`), token soups and plain random bytes; a third of
//! the cases also mutate `documents/parts.graphql`. The seed is fixed, so every run tries
//! the same inputs. `ION_FUZZ_CASES` raises the default 500 cases (see docs/dev/fuzzing.md
//! for the long runs).

use crate::common::fuzz::{self, Watchdog, mutate, preview};
use crate::common::manifest_dir;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ion_contract::suite::{self, LoadContext, LoadFailure, Schema, Valid};
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestError};

/// Tokens of the languages a suite file mixes.
const DICTIONARY: &[&str] = &[
    // YAML
    "{",
    "}",
    "[",
    "]",
    ": ",
    "- ",
    ", ",
    "\n",
    "\n  ",
    "\n    - ",
    "&a ",
    "*a",
    "<<: *a\n",
    "!!str ",
    "!!int ",
    "!!binary ",
    "!custom ",
    "|",
    "|-\n",
    ">-\n",
    "'",
    "\"",
    "# ",
    "---\n",
    "...\n",
    "? ",
    "%YAML 1.2\n",
    "~",
    "null",
    "true",
    "1e999",
    "-0",
    ".nan",
    "0x7fffffffffffffff",
    "99999999999999999999999",
    "\t",
    "\r\n",
    "\u{feff}",
    "\0",
    "é",
    "\u{1F600}",
    "\\u0000",
    // suite keys and values
    "name: ",
    "cases: ",
    "steps: ",
    "query: ",
    "document: ",
    "operation: ",
    "variables: ",
    "expect: ",
    "data: ",
    "path: ",
    "equals: ",
    "matches: ",
    "errors: ",
    "status: ",
    "capture: ",
    "snapshot: ",
    "redact: ",
    "as: ",
    "auth: ",
    "targets: [mock]",
    "throttle: ",
    "ramp: ",
    "double: ",
    "storm: ",
    "retry_after: ",
    "retry: false",
    "expect_webhook: ",
    "lock: ",
    "fixture: ",
    "tags: ",
    "within: 10s",
    "one_of: ",
    "length: ",
    "type: ",
    "min: ",
    "max: ",
    "code: CONCURRENCY_CONFLICT",
    "malformed",
    "expired",
    "anonymous",
    "reader",
    "wrong-environment",
    // templates
    "${",
    "${env:",
    "$${",
    "${cursor}",
    "${env:HOME}",
    "}}",
    // JSONPath
    "$",
    "$.",
    "$..*",
    "$.parts.edges[*].node.id",
    "[?@.id > 1]",
    "[-1]",
    "['a']",
    "[0:2:-1]",
    "..",
    // GraphQL
    "(",
    ")",
    "...",
    "... on Part ",
    "fragment F on Part { id }",
    "@skip(if: true)",
    "@include(if: $x)",
    "$n: Int",
    "$n: [Int!]!",
    "query Q",
    "mutation M",
    "subscription S",
    "__typename ",
    "__schema { types { name } }",
    "parts(first: 2) { edges { node { id } } }",
    "\"\"\"",
    "= 1",
    "{ a { a { a { a } } } }",
    "id",
    "partNumber",
    "me { id }",
];

fn context() -> &'static LoadContext<'static> {
    static SCHEMA: std::sync::OnceLock<Valid<Schema>> = std::sync::OnceLock::new();
    static TARGETS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    static CONTEXT: std::sync::OnceLock<LoadContext<'static>> = std::sync::OnceLock::new();
    CONTEXT.get_or_init(|| {
        let sdl_path = manifest_dir().join("suites/schema/ion.graphql");
        let sdl = std::fs::read_to_string(&sdl_path).expect("the double's schema");
        let schema = SCHEMA.get_or_init(|| {
            Schema::parse_and_validate(sdl, &sdl_path).expect("the double's schema validates")
        });
        let targets = TARGETS.get_or_init(|| {
            ion_contract::targets::Targets::load(&manifest_dir().join("suites"))
                .expect("suites/targets.yaml")
                .names()
        });
        LoadContext::new(schema, targets)
    })
}

/// Every suite in `suites/` and every file of the loader's seed corpus.
fn seeds() -> Vec<Vec<u8>> {
    let suites = suite::discover(&manifest_dir().join("suites")).expect("suites/");
    let mut seeds: Vec<Vec<u8>> = suites
        .iter()
        .map(|f| std::fs::read(f).expect("a suite"))
        .collect();
    seeds.extend(fuzz::corpus("suite_loader"));
    seeds
}

/// A scratch suites directory with the real `documents/`, where inputs are written.
struct Workspace {
    dir: PathBuf,
    suite: PathBuf,
    document: PathBuf,
    original_document: Vec<u8>,
    document_is_original: bool,
}

impl Workspace {
    fn new(name: &str) -> Self {
        // One directory per process: a debug and a release run at once must not share it.
        let dir =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("documents")).expect("a scratch dir");
        let original_document =
            std::fs::read(manifest_dir().join("suites/documents/parts.graphql"))
                .expect("the document");
        let document = dir.join("documents/parts.graphql");
        std::fs::write(&document, &original_document).expect("write the document");
        Workspace {
            suite: dir.join("fuzzed.yaml"),
            dir,
            document,
            original_document,
            document_is_original: true,
        }
    }

    /// Loads `input` as a suite, beside `document` (the real one when `None`).
    fn load(&mut self, input: &[u8], document: Option<&[u8]>) -> Result<suite::Suite, LoadFailure> {
        overwrite(&self.suite, input);
        if document.is_some() || !self.document_is_original {
            let text = document.unwrap_or(&self.original_document);
            overwrite(&self.document, text);
            self.document_is_original = document.is_none();
        }
        suite::load_suite(&self.dir, &self.suite, context())
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes `bytes` over `file` in place: truncating to zero first would make the file
/// system flush each write to disk, which was most of a case's time.
fn overwrite(file: &Path, bytes: &[u8]) {
    use std::io::Write as _;
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(file)
        .expect("open a scratch file");
    out.write_all(bytes).expect("write a scratch file");
    out.set_len(bytes.len() as u64)
        .expect("trim a scratch file");
}

/// Loading answers a suite or located diagnostics that render.
fn check(
    workspace: &mut Workspace,
    input: &[u8],
    document: Option<&[u8]>,
) -> Result<(), TestCaseError> {
    let Err(failure) = workspace.load(input, document) else {
        return Ok(());
    };
    prop_assert!(
        !failure.diagnostics.is_empty(),
        "a failure with no diagnostics"
    );
    // YAML and GraphQL both end a line at `\n`, `\r\n` or a lone `\r`.
    let lines = |bytes: &[u8]| {
        let breaks = bytes
            .iter()
            .enumerate()
            .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
            .count();
        breaks as u32 + 1
    };
    for d in &failure.diagnostics {
        prop_assert!(d.line >= 1 && d.col >= 1, "unlocated: {d:?}");
        let limit = if d.file == workspace.suite {
            lines(input)
        } else if d.file == workspace.document {
            lines(document.unwrap_or(&workspace.original_document))
        } else {
            return Err(TestCaseError::fail(format!(
                "a diagnostic in another file: {d:?}"
            )));
        };
        prop_assert!(
            d.line <= limit,
            "line {} of a {limit}-line file: {d:?}",
            d.line
        );
        let location = d.location();
        prop_assert!(
            location.ends_with(&format!(":{}:{}", d.line, d.col)),
            "{location}"
        );
        prop_assert!(
            d.to_string().contains(&location),
            "rendering lacks {location}"
        );
    }
    let _ = failure.to_string();
    Ok(())
}

/// A suite file's bytes: mutated seeds mostly, some token soup and random bytes.
fn suite_input(seeds: Arc<Vec<Vec<u8>>>) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => mutate::mutated(seeds, DICTIONARY, 8),
        1 => mutate::token_soup(DICTIONARY),
        1 => mutate::random_bytes(512),
    ]
}

#[test]
fn the_loader_never_panics_and_always_locates_its_diagnostics() {
    let cases = fuzz::cases(500);
    let seeds = Arc::new(seeds());
    let document = Arc::new(vec![
        std::fs::read(manifest_dir().join("suites/documents/parts.graphql")).expect("the document"),
    ]);
    let strategy = (
        suite_input(Arc::clone(&seeds)),
        prop_oneof![
            2 => Just(None),
            1 => mutate::mutated(document, DICTIONARY, 6).prop_map(Some),
        ],
    );
    let workspace = RefCell::new(Workspace::new("fuzz-suite-loader"));
    let watchdog = Watchdog::start("fuzz_suite_loader", Duration::from_secs(30));
    // Every seed first, unmutated: they must load or fail located like any input.
    for seed in seeds.iter() {
        watchdog
            .watch(seed, || check(&mut workspace.borrow_mut(), seed, None))
            .unwrap_or_else(|e| panic!("seed {}: {e}", preview(seed)));
    }
    let result = fuzz::runner(cases, 0x5EED_10AD).run(&strategy, |(input, document)| {
        watchdog.watch(&input, || {
            check(&mut workspace.borrow_mut(), &input, document.as_deref())
        })
    });
    eprintln!(
        "fuzz_suite_loader: {} executions ({cases} cases, {} seeds)",
        watchdog.executions(),
        seeds.len()
    );
    if let Err(TestError::Fail(reason, (input, document))) = result {
        let saved = fuzz::save_failure("fuzz_suite_loader", &input);
        panic!(
            "{reason}\nthe smallest failing suite (saved in {}):\n{}\nits document: {}",
            saved.display(),
            preview(&input),
            document.as_deref().map_or("the real one".into(), preview),
        );
    }
}
