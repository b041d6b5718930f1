//! The crate's layers are one-way: every top-level module of the library imports only modules
//! of its own layer or below, and no two top-level modules import each other, directly or
//! round a circle; nor do the modules inside one top-level module's folder (`src/double/*`).
//!
//! The layers, lowest first, are DESIGN.md's: located YAML, diagnostics, the outcome vocabulary
//! and secrets at the bottom; ION's facts; the double; transport, auth and the client; suites
//! and targets; plan and checks; execution; reports and snapshots; the runner and commands.
//! A module the table does not name fails the test, so a new module takes its place on purpose.
//!
//! The test reads the `crate::` paths of every library file (doc and line comments left out,
//! and `#[cfg(test)] mod tests` blocks and `tests.rs` files too: a module's own tests may drive
//! it through any layer).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first: each module may import only modules of its layer or a lower one.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "bottom: located YAML, diagnostics, outcomes, secrets, files, the binary's data",
        &[
            "yaml",
            "diagnostic",
            "user_file",
            "outcome",
            "secret",
            "redact",
            "scrub",
            "run_id",
            "exit",
            "closed_stdout",
            "lock",
            "progress",
            "builtin",
            "text_cache",
            "phase_time",
            "testing",
        ],
    ),
    ("ION's facts", &["ion"]),
    ("the double", &["double"]),
    ("transport", &["transport"]),
    ("auth", &["auth"]),
    ("client", &["client"]),
    (
        "suites and targets",
        &["suite", "targets", "profile", "project"],
    ),
    (
        "plan and checks",
        &["check", "webhook", "preflight", "reach"],
    ),
    (
        "execution",
        &[
            "execute",
            "load_check",
            "seeding",
            "sweep",
            "data_pull",
            "drift",
            "record",
            "init",
        ],
    ),
    ("reports and snapshots", &["report", "snapshot"]),
    ("runner and commands", &["runner", "smoke", "cli"]),
];

/// How many circles a failure lists: one broken import can close very many.
const MAX_CIRCLES: usize = 12;

/// One `crate::<module>` reference: who, where, and which module it names.
#[derive(Debug, Clone)]
struct Import {
    from: String,
    to: String,
    at: String,
}

/// The top-level modules `lib.rs` declares.
fn library_modules(src: &Path) -> BTreeSet<String> {
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs is readable");
    lib.lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line
                .strip_prefix("pub mod ")
                .or_else(|| line.strip_prefix("mod "))
                .or_else(|| line.strip_prefix("pub(crate) mod "))?;
            Some(rest.trim_end_matches(';').trim().to_owned())
        })
        .collect()
}

/// The text of a file without comments and without its `#[cfg(test)] mod ... { }` blocks,
/// line for line (what is left out becomes empty lines).
fn product_code(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    let mut test_depth: Option<i32> = None;
    while let Some(line) = lines.next() {
        let code = line.split("//").next().unwrap_or_default();
        if let Some(depth) = test_depth.as_mut() {
            *depth += braces(code);
            if *depth <= 0 && code.contains('}') {
                test_depth = None;
            }
            out.push('\n');
            continue;
        }
        let next_is_mod = lines
            .peek()
            .is_some_and(|next| next.trim_start().starts_with("mod "));
        if line.trim() == "#[cfg(test)]" && next_is_mod {
            test_depth = Some(0);
            out.push('\n');
            continue;
        }
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// How much deeper in braces a line ends than it starts.
fn braces(code: &str) -> i32 {
    code.chars().fold(0, |depth, c| match c {
        '{' => depth + 1,
        '}' => depth - 1,
        _ => depth,
    })
}

/// The top-level modules a piece of code names through `crate::`, with their lines.
fn crate_paths(code: &str) -> Vec<(usize, String)> {
    paths_after(code, "crate::")
}

/// The names a piece of code reaches through `prefix` (`crate::`, `super::super::`), with
/// their lines: the first name after it, or each first name of a use group.
fn paths_after(code: &str, prefix: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find(prefix) {
        let begin = from + at;
        let start = begin + prefix.len();
        from = start;
        if code[..begin].ends_with(':') {
            continue; // the tail of a longer path (`super::super::` holds `super::`)
        }
        let line = code[..start].matches('\n').count() + 1;
        let rest = &code[start..];
        match rest.strip_prefix('{') {
            // `crate::{a, b::c}` and its nested groups; it may span lines.
            Some(group) => found.extend(group_heads(group).into_iter().map(|name| (line, name))),
            None => found.extend(head(rest).map(|name| (line, name))),
        }
    }
    found
}

/// The first names of a use group's items: `a, b::{c, d}, e}` gives a, b, e.
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut item = String::new();
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                heads.extend(head(&item));
                item.clear();
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            item.push(c);
        }
    }
    heads.extend(head(&item));
    heads
}

fn head(item: &str) -> Option<String> {
    let name: String = item
        .trim()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty() && name != "self").then_some(name)
}

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{} is readable: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            into.push(path);
        }
    }
}

/// Every `crate::` import between two top-level modules of the library under `src`.
fn imports(src: &Path) -> Vec<Import> {
    let modules = library_modules(src);
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut found = Vec::new();
    for file in files {
        let relative = file.strip_prefix(src).expect("under src");
        let first = relative.components().next().expect("a component");
        let module = first.as_os_str().to_string_lossy();
        let module = module.trim_end_matches(".rs").to_owned();
        if !modules.contains(&module) {
            continue; // lib.rs itself, and the binary's own modules
        }
        let text = std::fs::read_to_string(&file).expect("a source file is readable");
        for (line, to) in crate_paths(&product_code(&text)) {
            if to != module && modules.contains(&to) {
                found.push(Import {
                    from: module.clone(),
                    to,
                    at: format!("src/{}:{line}", relative.display()),
                });
            }
        }
    }
    found
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, members)| members.contains(&module))
}

/// What is wrong with the library under `src`: modules without a layer, imports upward, and
/// circles of top-level modules.
fn problems(src: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for module in library_modules(src) {
        if layer_of(&module).is_none() {
            problems.push(format!(
                "src/{module}: a top-level module with no layer; add it to LAYERS in tests/it/layers.rs"
            ));
        }
    }
    let found = imports(src);
    for import in &found {
        if let (Some(from), Some(to)) = (layer_of(&import.from), layer_of(&import.to))
            && to > from
        {
            problems.push(format!(
                "{}: `{}` ({}) imports `{}` ({}), a higher layer; move what it needs down, or \
                 the importer up",
                import.at, import.from, LAYERS[from].0, import.to, LAYERS[to].0
            ));
        }
    }
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for import in &found {
        edges.entry(&import.from).or_default().insert(&import.to);
    }
    for circle in circles(&edges) {
        problems.push(format!("an import circle: {}", circle.join(" -> ")));
    }
    problems.extend(inner_circles(src));
    problems
}

/// The one folder whose modules still import each other round circles: the suite loader's
/// validator is written as `impl Validator` blocks split by topic (captures, expect,
/// webhook, throttle), which `validate.rs` calls, and the serde format imports their closed
/// value sets. Untangling it means a validator module of its own and a vocabulary module
/// for the value sets; until then its folder is not checked (its imports of other top-level
/// modules are).
const FOLDERS_WITH_CIRCLES: &[&str] = &["suite"];

/// Circles among the modules inside each top-level module's folder (`src/double/*.rs` and
/// `src/double/*/`), found through `super::` and `crate::<module>::` paths.
fn inner_circles(src: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for module in library_modules(src) {
        let dir = src.join(&module);
        if !dir.is_dir() || FOLDERS_WITH_CIRCLES.contains(&module.as_str()) {
            continue;
        }
        let mut files = Vec::new();
        rust_files(&dir, &mut files);
        let member = |path: &Path| {
            let first = path.components().next()?.as_os_str().to_string_lossy();
            let name = first.trim_end_matches(".rs").to_owned();
            (name != "mod").then_some(name)
        };
        let members: BTreeSet<String> = files
            .iter()
            .filter_map(|file| member(file.strip_prefix(&dir).ok()?))
            .collect();
        let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for file in &files {
            let relative = file.strip_prefix(&dir).expect("under its folder");
            let Some(from) = member(relative) else {
                continue;
            };
            let from = members.get(&from).expect("a member");
            let in_mod_rs = relative.file_name().is_some_and(|n| n == "mod.rs");
            let depth = relative.components().count() - usize::from(in_mod_rs);
            let text = std::fs::read_to_string(file).expect("a source file is readable");
            let code = product_code(&text);
            let named = paths_after(&code, &"super::".repeat(depth))
                .into_iter()
                .chain(paths_after(&code, &format!("crate::{module}::")));
            for (_, name) in named {
                if let Some(to) = members.get(&name)
                    && to != from
                {
                    edges.entry(from).or_default().insert(to);
                }
            }
        }
        for circle in circles(&edges) {
            problems.push(format!(
                "src/{module}/: an import circle among its modules: {}; move what both need \
                 into a module of its own",
                circle.join(" -> ")
            ));
        }
    }
    problems
}

/// The circles of the graph (each once, as a path that starts and ends at its least
/// module), at most [`MAX_CIRCLES`] of them.
fn circles(edges: &BTreeMap<&str, BTreeSet<&str>>) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for &start in edges.keys() {
        // A path back to `start` through modules greater than it finds each circle once.
        let mut stack = vec![(start, vec![start])];
        let mut seen = BTreeSet::new();
        while let Some((at, path)) = stack.pop() {
            for &next in edges.get(at).into_iter().flatten() {
                if next == start {
                    let mut circle: Vec<String> = path.iter().map(|m| m.to_string()).collect();
                    circle.push(start.to_owned());
                    found.push(circle);
                    if found.len() == MAX_CIRCLES {
                        return found;
                    }
                } else if next > start && seen.insert(next) {
                    let mut longer = path.clone();
                    longer.push(next);
                    stack.push((next, longer));
                }
            }
        }
    }
    found
}

#[test]
fn every_top_level_module_imports_only_its_layer_and_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = problems(&src);
    assert!(
        problems.is_empty(),
        "the layers are not one-way:\n{}",
        problems.join("\n")
    );
}

/// A scratch copy of a tiny library, to show the check fails where it must.
fn scratch_library(label: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ion-contract-layers-{label}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("a scratch folder");
        std::fs::write(path, text).expect("a scratch file");
    }
    dir
}

#[test]
fn a_lower_layer_importing_a_higher_one_fails_with_the_file_and_line() {
    let src = scratch_library(
        "upward",
        &[
            ("lib.rs", "pub mod client;\npub mod double;\n"),
            ("client/mod.rs", "use crate::double::IonDouble;\n"),
            (
                "double/mod.rs",
                "//! Uses crate::client in a comment only.\n\nuse crate::{\n    client::GraphqlClient,\n};\n",
            ),
        ],
    );
    let problems = problems(&src);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("src/double/mod.rs:3: `double` (the double) imports `client`")),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p == "an import circle: client -> double -> client"),
        "{problems:#?}"
    );
    assert_eq!(problems.len(), 2, "{problems:#?}");
    let _ = std::fs::remove_dir_all(src);
}

#[test]
fn a_module_without_a_layer_and_test_code_are_told_apart() {
    let src = scratch_library(
        "unlisted",
        &[
            ("lib.rs", "pub mod double;\nmod newcomer;\n"),
            ("newcomer.rs", "use crate::double::IonDouble;\n"),
            (
                "double/mod.rs",
                "pub fn f() {}\n\n#[cfg(test)]\nmod tests {\n    use crate::newcomer;\n}\n",
            ),
            ("double/tests.rs", "use crate::newcomer;\n"),
        ],
    );
    let problems = problems(&src);
    assert_eq!(
        problems,
        vec![
            "src/newcomer: a top-level module with no layer; add it to LAYERS in tests/it/layers.rs"
                .to_owned()
        ]
    );
    let _ = std::fs::remove_dir_all(src);
}

#[test]
fn a_circle_inside_a_module_folder_fails_too() {
    let src = scratch_library(
        "inner",
        &[
            ("lib.rs", "pub mod double;\n"),
            ("double/mod.rs", "mod pool;\nmod http;\nmod reply;\n"),
            (
                "double/pool.rs",
                "use super::reply::Reply;\nfn f() { super::http::serve(); }\n",
            ),
            ("double/http/mod.rs", "mod wire;\n"),
            (
                "double/http/wire.rs",
                "use super::super::{pool::vacant, reply};\nuse super::super::super::crate_root;\n",
            ),
            ("double/reply.rs", "use crate::double::http::Cut;\n"),
        ],
    );
    let problems = problems(&src);
    let circle = |path: &str| {
        format!(
            "src/double/: an import circle among its modules: {path}; move what both need into \
             a module of its own"
        )
    };
    assert_eq!(
        problems,
        vec![
            circle("http -> reply -> http"),
            circle("http -> pool -> http")
        ]
    );
    let _ = std::fs::remove_dir_all(src);
}
