//! Helpers shared by the tests that run `ion-contract` as a user does: the binary with a
//! clean environment, and scratch suites directories.
pub mod fuzz;
pub mod hostile;
pub mod serve;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};

/// The starter schema and seed, loaded once per test binary, for tests that start doubles.
pub fn double_data() -> std::sync::Arc<ion_contract::double::DoubleData> {
    static DATA: std::sync::OnceLock<std::sync::Arc<ion_contract::double::DoubleData>> =
        std::sync::OnceLock::new();
    DATA.get_or_init(|| {
        let root = manifest_dir();
        let data = ion_contract::double::DoubleData::load(
            &root.join("suites/schema/ion.graphql"),
            &root.join("suites/seed/demo.yaml"),
        );
        std::sync::Arc::new(
            data.unwrap_or_else(|e| panic!("the starter schema and seed load: {e}")),
        )
    })
    .clone()
}

/// The crate root (cargo runs integration tests there).
pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `ion-contract` with `args`, run in the crate root with `CI=true` and none of the
/// developer's `ION_*` variables, so a credential set in the shell never leaks in.
pub fn ion_contract(args: &[&str]) -> Command {
    in_clean_env(Path::new(env!("CARGO_BIN_EXE_ion-contract")), args)
}

/// `program` with `args`, run as [`ion_contract`] is.
pub fn in_clean_env(program: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(manifest_dir())
        .env("CI", "true");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ION_") {
            command.env_remove(name);
        }
    }
    command
}

/// The `suites` test binary cargo built beside this one (the newest, if several exist).
pub fn suites_binary() -> PathBuf {
    let me = std::env::current_exe().expect("the test knows its own path");
    let deps = me.parent().expect("test binaries live in a directory");
    let mut candidates: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(deps)
        .expect("the deps directory is readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("suites-") && p.extension().is_none_or(|e| e == "exe")
        })
        .filter_map(|p| Some((p.metadata().ok()?.modified().ok()?, p)))
        .collect();
    candidates.sort();
    candidates
        .pop()
        .map(|(_, p)| p)
        .expect("cargo builds the suites test binary before running tests (run `cargo test`)")
}

/// The `suites` test binary with `args`, in the crate root, without the developer's `ION_*`
/// variables.
pub fn run_suites(args: &[&str]) -> Output {
    output(&mut in_clean_env(&suites_binary(), args))
}

/// Runs a command to completion.
pub fn output(command: &mut Command) -> Output {
    command.output().expect("the program starts")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that the program exited with `code`, showing its stdout and stderr (after
/// `context`, e.g. which run it was) when it did not.
pub fn assert_exit(out: &Output, code: i32, context: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{context}{}{}",
        stdout(out),
        stderr(out)
    );
}

/// A scratch suites directory under the system temp dir; removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// An empty directory named after `label`, this process and a number of its own: every
    /// module's tests share one process, and two of them may pick the same label.
    pub fn new(label: &str) -> Self {
        static CREATED: AtomicU64 = AtomicU64::new(0);
        let n = CREATED.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "ion-contract-test-{label}-{}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir is writable");
        Scratch(dir)
    }

    /// Writes `text` to `name` inside the directory.
    pub fn write(&self, name: &str, text: &str) -> &Self {
        std::fs::write(self.0.join(name), text).expect("scratch file is writable");
        self
    }

    /// `args` followed by `--suites`, `--snapshots`, `--schema` and `--seed` pointing at this
    /// directory and the starter schema and seed.
    pub fn args(&self, args: &[&str]) -> Vec<String> {
        let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let path = |p: &Path| p.to_string_lossy().into_owned();
        all.extend([
            "--suites".into(),
            path(&self.0),
            "--snapshots".into(),
            path(&self.0.join("snapshots")),
            "--schema".into(),
            path(&manifest_dir().join("suites/schema/ion.graphql")),
            "--seed".into(),
            path(&manifest_dir().join("suites/seed/demo.yaml")),
        ]);
        all
    }

    /// A copy of the crate's `suites/` in this directory (made on the first call), for
    /// commands that write beside their suites directory: `seed` keeps its manifest in
    /// `<suites>/../.ion-contract/`, which tests seeding with the crate's own suites would
    /// share (and write into the working tree).
    pub fn suites_copy(&self) -> String {
        let suites = self.0.join("suites");
        if !suites.exists() {
            copy_dir(&manifest_dir().join("suites"), &suites);
        }
        suites.to_string_lossy().into_owned()
    }

    /// `ion-contract <args>` on this directory.
    pub fn command(&self, args: &[&str]) -> Command {
        let args = self.args(args);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ion_contract(&args)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Copies the directory `from` (recursively) to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Every file under `dir`, with its text.
pub fn files(dir: &Path) -> Vec<(String, String)> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            all.extend(files(&path));
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&path).expect("read")).into_owned();
            all.push((path.display().to_string(), text));
        }
    }
    all
}
