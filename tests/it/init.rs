//! `ion-contract init` and `init --from`, run as a user runs them: in a new folder outside
//! the repository, then `check` and `run` there.

use crate::common;

use std::path::Path;
use std::process::Output;

use common::{Scratch, manifest_dir, output, stderr, stdout};

/// `ion-contract <args>` run inside `dir`.
fn in_dir(dir: &Path, args: &[&str]) -> Output {
    output(common::ion_contract(args).current_dir(dir))
}

/// `check` in `dir` passes saying `verdict`, then `run` with `run_args` passes two cases.
fn check_then_run(dir: &Path, verdict: &str, run_args: &[&str]) {
    let check = in_dir(dir, &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    assert!(stdout(&check).contains(verdict), "{}", stdout(&check));
    let run = in_dir(dir, run_args);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}{}",
        stdout(&run),
        stderr(&run)
    );
    assert!(stdout(&run).contains("2 passed"), "{}", stdout(&run));
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

const SCAFFOLD: [&str; 5] = [
    "suites/example.yaml",
    "suites/suite.schema.json",
    "suites/targets.yaml",
    ".github/workflows/ion-contract.yml",
    ".github/workflows/ion-contract-nightly.yml",
];

#[test]
fn init_writes_a_project_that_checks_and_runs() {
    let scratch = Scratch::new("init-fresh");
    let dir = &scratch.0;
    let init = in_dir(dir, &["init"]);
    assert_eq!(init.status.code(), Some(0), "{}", stderr(&init));
    for file in SCAFFOLD {
        assert!(
            stdout(&init).contains(&format!("wrote ./{file}")),
            "{file}: {}",
            stdout(&init)
        );
    }
    assert!(
        stdout(&init).contains("ion-contract check"),
        "{}",
        stdout(&init)
    );
    assert!(
        read(dir, "suites/example.yaml")
            .starts_with("# yaml-language-server: $schema=./suite.schema.json\n")
    );
    assert_eq!(
        read(dir, "suites/suite.schema.json"),
        ion_contract::suite::json_schema()
    );
    let ci = read(dir, ".github/workflows/ion-contract.yml");
    assert!(
        ci.contains("actions/cache@v4") && ci.contains("cargo install --locked --git"),
        "{ci}"
    );
    assert!(
        !ci.contains("{version}") && ci.contains(env!("CARGO_PKG_VERSION")),
        "{ci}"
    );
    assert_eq!(
        read(dir, ".gitignore")
            .lines()
            .filter(|l| l.ends_with("snap.new") || l.ends_with("pending-snap"))
            .count(),
        2
    );

    check_then_run(dir, "ok: 1 suites, 2 cases valid", &["run"]);
}

#[test]
fn the_written_workflows_install_and_cache_as_the_guide_shows() {
    let guide = std::fs::read_to_string(manifest_dir().join("docs/src/ci.md")).unwrap();
    for (file, text) in ion_contract::init::scaffold() {
        if !file.starts_with(".github") {
            continue;
        }
        let steps: Vec<&str> = text
            .lines()
            .filter(|l| {
                [
                    "ION_CONTRACT_VERSION:",
                    "actions/cache",
                    "key:",
                    "cargo install",
                ]
                .iter()
                .any(|k| l.contains(k))
            })
            .collect();
        // The nightly also restores and saves the data baseline between nights (two more
        // cache steps, each with its key).
        let expected = if text.contains("drift@sandbox.snap") {
            8
        } else {
            4
        };
        assert_eq!(steps.len(), expected, "{}: {text}", file.display());
        for line in steps {
            assert!(
                guide.contains(&format!("{line}\n")),
                "the workflows of docs/src/ci.md lack `{line}` of {}",
                file.display()
            );
        }
    }
}

#[test]
fn init_twice_overwrites_nothing_and_adds_no_line_twice() {
    let scratch = Scratch::new("init-twice");
    let dir = &scratch.0;
    scratch.write(".gitignore", "target/\n*.snap.new");
    assert_eq!(in_dir(dir, &["init"]).status.code(), Some(0));
    for file in SCAFFOLD {
        std::fs::write(dir.join(file), "edited by the team\n").unwrap();
    }
    let again = in_dir(dir, &["init"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    for file in SCAFFOLD {
        assert_eq!(
            read(dir, file),
            "edited by the team\n",
            "{file} was replaced"
        );
        assert!(
            stdout(&again).contains(&format!("left alone ./{file} (it exists)")),
            "{}",
            stdout(&again)
        );
    }
    assert_eq!(
        read(dir, ".gitignore"),
        "target/\n*.snap.new\n# ion-contract: snapshots waiting for review\n*.pending-snap\n"
    );
}

#[test]
fn init_says_where_it_cannot_write_and_exits_2() {
    let scratch = Scratch::new("init-unwritable");
    scratch.write("a-file", "");
    let init = in_dir(&scratch.0, &["init", "--dir", "a-file"]);
    assert_eq!(init.status.code(), Some(2), "{}", stdout(&init));
    assert!(
        stderr(&init).contains("error: cannot write a-file"),
        "{}",
        stderr(&init)
    );
    assert!(stderr(&init).contains("help: "), "{}", stderr(&init));
    let none = in_dir(&scratch.0, &["init", "--from", "src/*.py"]);
    assert_eq!(none.status.code(), Some(2), "{}", stdout(&none));
    assert!(
        stderr(&none).contains("--from src/*.py: matches no"),
        "{}",
        stderr(&none)
    );
}

const OPS_GRAPHQL: &str = "\
query PartById($id: ID!) {
  part(id: $id) { id partNumber ...PartBits }
}
fragment PartBits on Part { revision }
query Parts($first: Int) { parts(first: $first) { edges { node { id } } } }
query Broken { part(id: 1) { nope } }
";

const SYNC_PY: &str = r#"import requests

# query Commented { me { id } }
LABEL = "{name}"
INVENTORY = """
query InventoryOf($partId: ID!) {
  partInventories(filters: { partId: { eq: $partId } }) { edges { node { id quantity } } }
}
"""
RENAME = '''mutation Rename($input: UpdatePartInput!) { updatePart(input: $input) { part { id } } }'''
"#;

#[test]
fn init_from_writes_cases_that_check_refuses_until_the_placeholders_are_filled() {
    let scratch = Scratch::new("init-from");
    let dir = &scratch.0;
    std::fs::create_dir_all(dir.join("src")).unwrap();
    scratch
        .write("src/ops.graphql", OPS_GRAPHQL)
        .write("src/sync.py", SYNC_PY);

    let init = in_dir(dir, &["init", "--from", "src/*.graphql", "src/sync.py"]);
    assert_eq!(init.status.code(), Some(0), "{}", stderr(&init));
    for file in [
        "from/ops.yaml",
        "from/sync.yaml",
        "from/sync-mutations.yaml",
    ] {
        assert!(
            stdout(&init).contains(&format!("wrote ./suites/{file}")),
            "{}",
            stdout(&init)
        );
    }
    assert!(
        stdout(&init)
            .contains("suites/from/sync-mutations.yaml: mutations, limited to `targets: [mock]`"),
        "{}",
        stdout(&init)
    );
    // The invalid operation is reported where it is in the source, and left out.
    assert!(
        stderr(&init).contains("operation Broken left out")
            && stderr(&init).contains("--> src/ops.graphql:6:"),
        "{}",
        stderr(&init)
    );
    let ops = read(dir, "suites/from/ops.yaml");
    assert!(
        !ops.contains("Broken") && ops.contains("fragment PartBits"),
        "{ops}"
    );
    let mutations = read(dir, "suites/from/sync-mutations.yaml");
    assert!(
        mutations.contains("targets: [mock]") && mutations.contains("# writes:"),
        "{mutations}"
    );
    assert!(!read(dir, "suites/from/sync.yaml").contains("Commented"));

    let check = in_dir(dir, &["check"]);
    assert_eq!(check.status.code(), Some(2), "{}", stdout(&check));
    let refused = stderr(&check);
    for (placeholder, file) in [
        ("id", "suites/from/ops.yaml:"),
        ("partId", "suites/from/sync.yaml:"),
        ("input", "suites/from/sync-mutations.yaml:"),
    ] {
        let message =
            format!("error: placeholder left to fill in: `${{fill:{placeholder}}}`\n  --> {file}");
        assert!(refused.contains(&message), "{message}\n{refused}");
    }
    assert_eq!(
        refused.matches("placeholder left to fill in").count(),
        3,
        "{refused}"
    );

    for (file, placeholder, value) in [
        ("suites/from/ops.yaml", "\"${fill:id}\"", "1"),
        ("suites/from/sync.yaml", "\"${fill:partId}\"", "1"),
        (
            "suites/from/sync-mutations.yaml",
            "\"${fill:input}\"",
            "{id: 1, etag: \"x\", revision: B}",
        ),
    ] {
        let text = read(dir, file);
        assert!(text.contains(placeholder), "{file}: {text}");
        std::fs::write(dir.join(file), text.replace(placeholder, value)).unwrap();
    }
    check_then_run(dir, "ok: 4 suites, 6 cases valid", &["run", "from/ops::"]);
}
