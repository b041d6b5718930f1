//! The tests' own layout: every test file is built and run. Cargo.toml sets
//! `autotests = false` and names two test targets, `suites` (the suites' trials) and `it`
//! (this binary), because each target links the whole crate; so a new `tests/foo.rs`, or a
//! file under `tests/it/` that no `mod` names, would compile nowhere and never run.

use std::path::{Path, PathBuf};

use crate::common::manifest_dir;

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir)
        .expect("the tests folder is readable")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            all.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            all.push(path);
        }
    }
    all
}

/// `tests/it/<path>`, as the crate-relative text a failure names.
fn shown(path: &Path) -> String {
    path.strip_prefix(manifest_dir())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Whether `parent`'s text declares `mod <name>;` (or `pub mod <name>;`).
fn declares(parent: &Path, name: &str) -> bool {
    let text = std::fs::read_to_string(parent).unwrap_or_default();
    text.lines().any(|line| {
        let line = line.trim();
        let line = line.strip_prefix("pub ").unwrap_or(line);
        line == format!("mod {name};")
    })
}

#[test]
fn test_code_lives_only_in_the_two_test_targets() {
    let tests = manifest_dir().join("tests");
    let mut stray = Vec::new();
    for entry in std::fs::read_dir(&tests)
        .expect("tests/ is readable")
        .flatten()
    {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // Data folders (fixtures, the fuzz corpus) hold no Rust.
        if path.is_dir() && name != "it" {
            stray.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") && name != "suites.rs" {
            stray.push(path);
        }
    }
    let stray: Vec<String> = stray.iter().map(|p| shown(p)).collect();
    assert!(
        stray.is_empty(),
        "test code outside tests/suites.rs and tests/it/ is never built: {stray:?}; move each \
         file to tests/it/<concern>.rs and add `mod <concern>;` to tests/it/main.rs"
    );
}

#[test]
fn every_file_under_tests_it_is_a_declared_module() {
    let it = manifest_dir().join("tests/it");
    let mut undeclared = Vec::new();
    for path in rust_files(&it) {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let dir = path.parent().expect("a file has a folder");
        // `<dir>/mod.rs` is the module `<dir>`, declared one folder up; `<dir>/<stem>.rs` is
        // declared by `<dir>/mod.rs` (by main.rs at the top).
        let (name, folder) = match stem {
            "main" if dir == it => continue,
            "mod" => (
                dir.file_name().and_then(|n| n.to_str()).unwrap_or(""),
                dir.parent().expect("tests/it/<dir>"),
            ),
            _ => (stem, dir),
        };
        let parent = if folder == it {
            it.join("main.rs")
        } else {
            folder.join("mod.rs")
        };
        if !declares(&parent, name) {
            undeclared.push(format!(
                "{} (add `mod {name};` to {})",
                shown(&path),
                shown(&parent)
            ));
        }
    }
    assert!(
        undeclared.is_empty(),
        "files no module declares, so they never compile or run: {undeclared:?}"
    );
}

#[test]
fn cargo_builds_the_suites_harness_and_this_binary_only() {
    let text = std::fs::read_to_string(manifest_dir().join("Cargo.toml")).expect("Cargo.toml");
    let manifest: toml::Table = toml::from_str(&text).expect("Cargo.toml parses");
    let text_of =
        |t: &toml::Value, key: &str| t.get(key).and_then(toml::Value::as_str).map(str::to_owned);
    let targets: Vec<(Option<String>, Option<String>)> = manifest["test"]
        .as_array()
        .expect("[[test]] targets")
        .iter()
        .map(|t| (text_of(t, "name"), text_of(t, "path")))
        .collect();
    let expected = [("suites", "tests/suites.rs"), ("it", "tests/it/main.rs")]
        .map(|(name, path)| (Some(name.to_owned()), Some(path.to_owned())));
    assert_eq!(
        targets, expected,
        "each [[test]] target links the whole crate: add a module to tests/it/ instead"
    );
    assert_eq!(
        manifest["package"]["autotests"].as_bool(),
        Some(false),
        "with autotests, cargo would build every tests/*.rs file as a target of its own"
    );
    let bin = &manifest["bin"].as_array().expect("[[bin]]")[0];
    assert_eq!(
        bin.get("test").and_then(toml::Value::as_bool),
        Some(false),
        "src/main.rs holds no unit tests (they belong in the library): `test = false` keeps cargo \
         test from building and linking it as a test binary"
    );
}
