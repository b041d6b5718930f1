//! The loader's limits: nothing a suite directory holds can hang it, exhaust its memory or
//! overflow its stack, and every refusal is located and says how to fix it.

use std::path::{Path, PathBuf};

use ion_contract::suite::{self, LoadFailure};

use super::context;

/// An empty scratch directory under cargo's temp dir.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("limits-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("tmp dir");
    dir
}

/// A one-case suite whose step asserts on `path`, written as a single-quoted YAML scalar.
fn suite_with_path(path: &str) -> String {
    format!(
        "name: Limits\ncases:\n  - name: c\n    steps:\n      - query: 'query Q {{ parts(first: 1) {{ edges {{ node {{ id }} }} }} }}'\n        expect:\n          data:\n            - path: '{path}'\n              exists: true\n"
    )
}

fn load_failure(dir: &Path, name: &str, text: &str) -> LoadFailure {
    let file = dir.join(name);
    std::fs::write(&file, text).expect("write");
    match suite::load_suite(dir, &file, &context()) {
        Ok(_) => panic!("{name} should not load"),
        Err(failure) => failure,
    }
}

#[test]
fn jsonpaths_nested_past_the_limit_fail_located_without_overflowing_the_stack() {
    let dir = scratch("jsonpath");
    let parens = format!("$[?{}@.a{}]", "(".repeat(4_000), ")".repeat(4_000));
    let mut filters = "@".to_owned();
    for _ in 0..2_000 {
        filters = format!("@[?{filters}]");
    }
    for (name, path) in [
        ("parens.yaml", parens),
        ("filters.yaml", format!("$[?{filters}]")),
    ] {
        let failure = load_failure(&dir, name, &suite_with_path(&path));
        let d = &failure.diagnostics[0];
        assert_eq!(failure.diagnostics.len(), 1, "{failure}");
        assert!(d.message.contains("JSONPath too complex"), "{failure}");
        // The `path:` value starts on line 8, column 21 (after the quote).
        assert_eq!(d.line, 8, "{failure}");
        assert!(d.col > 21, "{failure}");
        assert!(
            d.help.as_deref().is_some_and(|h| h.contains("simplify")),
            "{failure}"
        );
    }
}

#[cfg(unix)]
#[test]
fn symlink_loops_in_the_suites_directory_are_walked_once() {
    let dir = scratch("symlinks");
    std::fs::write(dir.join("a.yaml"), "name: A\ncases: []\n").expect("write");
    std::fs::create_dir_all(dir.join("sub")).expect("sub");
    std::os::unix::fs::symlink(".", dir.join("self")).expect("symlink");
    std::os::unix::fs::symlink("..", dir.join("sub/up")).expect("symlink");
    let ids: Vec<String> = suite::discover(&dir)
        .expect("walks")
        .iter()
        .map(|f| suite::suite_id(&dir, f))
        .collect();
    assert_eq!(ids, ["a"]);
}

#[cfg(unix)]
#[test]
fn pipes_devices_and_binary_files_are_refused_located() {
    let dir = scratch("special");
    let status = std::process::Command::new("mkfifo")
        .arg(dir.join("fifo.yaml"))
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.yaml")).expect("symlink");
    std::fs::write(dir.join("binary.yaml"), b"name: B\ncases: [\x00\xff\xfe]\n").expect("write");
    let loaded = suite::load_dir(&dir, &context()).expect("walks");
    let failures: Vec<String> = loaded
        .into_iter()
        .map(|l| l.expect_err("none of them loads").to_string())
        .collect();
    assert_eq!(failures.len(), 3, "{failures:?}");
    let [binary, fifo, zero] = &failures[..] else {
        unreachable!()
    };
    assert!(binary.contains("binary.yaml:2:10"), "{binary}");
    assert!(binary.contains("not UTF-8"), "{binary}");
    assert!(
        fifo.contains("fifo.yaml:1:1") && fifo.contains("a FIFO"),
        "{fifo}"
    );
    assert!(zero.contains("a character device"), "{zero}");
    for failure in &failures {
        assert!(failure.contains("help:"), "{failure}");
    }
}
