//! The installed binary in a team's own repository: a folder holding only its suites. The
//! binary carries the schema, demo seed and demo chain; the project's own files override
//! them.

use crate::common;

use std::path::Path;

use common::serve::Serve;
use common::{Scratch, ion_contract, manifest_dir, output, stderr, stdout};

/// A suite that reads part 1 and expects `part_number`, with no snapshot.
fn suite(part_number: &str) -> String {
    format!(
        "name: Our part\ncases:\n  - name: part-one\n    steps:\n      - query: |\n          \
         query PartOne {{ part(id: 1) {{ id partNumber }} }}\n        expect:\n          data:\n            \
         - path: $.part.partNumber\n              equals: {part_number}\n"
    )
}

/// A project folder holding `suites/our-parts.yaml` and nothing else.
fn project(label: &str, part_number: &str) -> Scratch {
    let project = Scratch::new(label);
    std::fs::create_dir_all(project.0.join("suites")).expect("suites dir");
    project.write("suites/our-parts.yaml", &suite(part_number));
    project
}

/// `ion-contract <args>` run in `dir`, as a user runs it in their repository.
fn in_dir(dir: &Path, args: &[&str]) -> std::process::Output {
    output(ion_contract(args).current_dir(dir))
}

#[test]
fn check_list_run_and_serve_work_in_a_folder_holding_only_suites() {
    let project = project("own-suites-only", "PN-1001");
    let dir = &project.0;

    let check = in_dir(dir, &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    assert_eq!(stdout(&check), "ok: 1 suites, 1 cases valid\n");

    let list = in_dir(dir, &["list"]);
    assert_eq!(list.status.code(), Some(0), "{}", stderr(&list));
    assert_eq!(stdout(&list), "our-parts::part-one::mock: test\n");

    let run = in_dir(dir, &["run"]);
    assert_eq!(run.status.code(), Some(0), "{}", stdout(&run));
    assert!(
        stdout(&run).contains("1 passed; 0 failed"),
        "{}",
        stdout(&run)
    );

    // `serve` starts on the built-in schema and seed, and the suite passes against it.
    let serve = Serve::start_in(dir, &[]);
    let against = output(
        ion_contract(&["run", "--target", "sandbox"])
            .current_dir(dir)
            .envs(serve.env("ION_SANDBOX_")),
    );
    drop(serve);
    assert_eq!(against.status.code(), Some(0), "{}", stdout(&against));
    assert!(
        stdout(&against).contains("our-parts::part-one::sandbox ... ok"),
        "{}",
        stdout(&against)
    );
    assert!(
        !dir.join("suites/schema").exists() && !dir.join("suites/seed").exists(),
        "nothing is copied into the project"
    );
}

#[test]
fn the_chain_and_schema_commands_work_there_too() {
    let project = project("own-chain", "PN-1001");
    let dir = &project.0;
    let tagged = suite("PN-1001").replace("name: Our part\n", "name: Our part\ntags: [smoke]\n");
    project.write("suites/our-parts.yaml", &tagged);
    for args in [
        &["preflight"][..],
        &["seed"],
        &["drift", "--record"],
        &["drift"],
        &["smoke"],
        &["schema", "diff"],
        &["schema", "pull"],
    ] {
        let out = in_dir(dir, args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}:\n{}\n{}",
            stdout(&out),
            stderr(&out)
        );
    }
    let diff = stdout(&in_dir(dir, &["schema", "diff"]));
    assert!(
        diff.contains("against <built-in>/schema/ion.graphql"),
        "{diff}"
    );
    assert!(
        dir.join("suites/schema/mock.graphql").is_file(),
        "pull made its folder"
    );
}

#[test]
fn the_projects_own_seed_overrides_the_built_in_one() {
    let project = project("own-seed", "OWN-1001");
    let dir = &project.0;
    let built_in = in_dir(dir, &["run"]);
    assert_eq!(
        built_in.status.code(),
        Some(101),
        "the built-in seed has PN-1001"
    );

    let demo = std::fs::read_to_string(manifest_dir().join("suites/seed/demo.yaml"))
        .expect("the repository's demo seed");
    std::fs::create_dir_all(dir.join("suites/seed")).expect("seed dir");
    project.write(
        "suites/seed/demo.yaml",
        &demo.replace("PN-1001", "OWN-1001"),
    );
    let own = in_dir(dir, &["run"]);
    assert_eq!(own.status.code(), Some(0), "{}", stdout(&own));
}

#[test]
fn a_built_in_seed_that_does_not_fit_the_projects_schema_names_both_and_the_fix() {
    let project = project("own-schema", "PN-1001");
    std::fs::create_dir_all(project.0.join("suites/schema")).expect("schema dir");
    project.write(
        "suites/schema/ion.graphql",
        "type Query { me: User }\ntype User { id: ID! }\n",
    );
    let check = in_dir(&project.0, &["check"]);
    assert_eq!(check.status.code(), Some(2));
    let text = stderr(&check);
    assert!(text.contains("<built-in>/seed/demo.yaml:"), "{text}");
    assert!(
        text.contains("help: the built-in demo seed is written for the built-in schema"),
        "{text}"
    );
    assert!(text.contains("suites/schema/ion.graphql"), "{text}");
}

#[test]
fn a_folder_without_suites_says_the_suites_are_missing_not_the_schema() {
    let empty = Scratch::new("own-empty");
    let check = in_dir(&empty.0, &["check"]);
    assert_eq!(check.status.code(), Some(2));
    let text = stderr(&check);
    assert!(
        text.contains("cannot read the suites directory 'suites'"),
        "{text}"
    );
    assert!(text.contains("\nhelp: "), "{text}");
    assert!(!text.contains("ion.graphql"), "{text}");
}

#[test]
fn commands_find_the_project_from_any_folder_inside_it() {
    let project = project("own-subfolder", "PN-1001");
    let deep = project.0.join("src/erp_sync");
    std::fs::create_dir_all(&deep).expect("a subfolder");
    let check = in_dir(&deep, &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    assert_eq!(stdout(&check), "ok: 1 suites, 1 cases valid\n");
    let run = in_dir(&deep, &["run"]);
    assert_eq!(run.status.code(), Some(0), "{}", stdout(&run));
}

#[test]
fn ion_contract_toml_sets_the_folders_target_and_required_credentials() {
    let project = Scratch::new("own-config");
    std::fs::create_dir_all(project.0.join("contract/suites")).expect("suites dir");
    std::fs::create_dir_all(project.0.join("scripts")).expect("a subfolder");
    project.write("contract/suites/our-parts.yaml", &suite("PN-1001"));
    project.write(
        "ion-contract.toml",
        "suites = \"contract/suites\"\nsnapshots = \"contract/snapshots\"\n\
         target = \"sandbox\"\nrequire_credentials = true\n",
    );
    let scripts = project.0.join("scripts");
    // The configured target, whose credentials are required and missing: exit 2, named.
    let required = output(
        ion_contract(&["run"])
            .current_dir(&scripts)
            .env_remove("ION_TARGET"),
    );
    assert_eq!(required.status.code(), Some(2), "{}", stdout(&required));
    assert!(
        stdout(&required).contains("ION_SANDBOX_CLIENT_ID"),
        "{}",
        stdout(&required)
    );
    // The command line and ION_TARGET win over the file.
    let flag = in_dir(&scripts, &["run", "--target", "mock"]);
    assert_eq!(flag.status.code(), Some(0), "{}", stdout(&flag));
    assert!(stdout(&flag).contains("our-parts::part-one::mock ... ok"));
    let variable = output(
        ion_contract(&["run"])
            .current_dir(&scripts)
            .env("ION_TARGET", "mock"),
    );
    assert_eq!(variable.status.code(), Some(0), "{}", stdout(&variable));

    // A key the file does not take is located, with the keys it takes.
    project.write(
        "ion-contract.toml",
        "suites = \"contract/suites\"\nsuits = \"x\"\n",
    );
    let invalid = in_dir(&scripts, &["check"]);
    assert_eq!(invalid.status.code(), Some(2), "{}", stderr(&invalid));
    let err = stderr(&invalid);
    assert!(err.contains("ion-contract.toml:2:1"), "{err}");
    assert!(
        err.contains("help: ion-contract.toml takes these keys"),
        "{err}"
    );
}
