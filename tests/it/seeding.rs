//! Seeding and data drift end to end against `ion-contract serve`: the chain is created once
//! however often `seed` runs, a change behind the API's back is reported with its entity and
//! field, a reset is told apart from drift, and `seed --clean` leaves the counts as before.

use crate::common;

use common::serve::Serve;
use common::{Scratch, assert_exit, ion_contract, output, stderr, stdout};
use serde_json::{Value, json};

const SANDBOX_API: &str = "ION_SANDBOX_API_URL";

/// `ion-contract <args> --target sandbox` against serve, with baselines in `snapshots` and a
/// copy of the suites there too (so the seeding manifest is this test's own).
fn run(serve: &Serve, snapshots: &Scratch, args: &[&str]) -> (i32, String) {
    let dir = snapshots.0.to_string_lossy().into_owned();
    let suites = snapshots.suites_copy();
    let mut all = args.to_vec();
    all.extend(["--target", "sandbox", "--suites", &suites]);
    if args[0] == "drift" {
        all.extend(["--snapshots", dir.as_str()]);
    }
    let out = output(ion_contract(&all).envs(serve.env("ION_SANDBOX_")));
    let text = format!("{}{}", stdout(&out), stderr(&out));
    (out.status.code().unwrap_or(-1), text)
}

fn post(serve: &Serve, path: &str, body: &Value) -> Value {
    let url = format!("{}/__double/{path}", serve.vars[SANDBOX_API]);
    block_on(async {
        let response = reqwest::Client::new()
            .post(url)
            .json(body)
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    })
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// The id of the chain entity `name` as `seed` printed it.
fn id_of(seeded: &str, name: &str) -> i64 {
    seeded
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(name))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("{name} in:\n{seeded}"))
}

#[test]
fn seeding_is_idempotent_and_drift_names_the_entity_and_field() {
    let serve = Serve::start();
    let snapshots = Scratch::new("drift-baseline");
    let (code, seeded) = run(&serve, &snapshots, &["seed"]);
    assert_eq!(code, 0, "{seeded}");
    assert!(seeded.contains("(10 created)"), "{seeded}");
    let (code, again) = run(&serve, &snapshots, &["seed"]);
    assert_eq!(code, 0, "{again}");
    assert!(again.contains("(0 created)"), "{again}");
    let manifest = snapshots.0.join(".ion-contract/seed-sandbox.json");
    let manifest: Value = serde_json::from_slice(&std::fs::read(manifest).unwrap()).unwrap();
    assert_eq!(
        manifest["entities"].as_array().map(Vec::len),
        Some(10),
        "{manifest}"
    );
    assert_eq!(manifest["entities"][1]["name"], "assembly");

    let (code, text) = run(&serve, &snapshots, &["drift"]);
    assert_eq!(code, 2, "no baseline yet: {text}");
    assert!(text.contains("drift --record"), "{text}");
    let (code, text) = run(&serve, &snapshots, &["drift", "--record"]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = run(&serve, &snapshots, &["drift"]);
    assert_eq!(
        (code, text.lines().next()),
        (0, Some("data drift of target sandbox: clean")),
        "{text}"
    );

    let component = id_of(&seeded, "component");
    let changed = json!({"set": {"type": "Part", "id": component, "fields": {"description": "Changed by hand"}}});
    post(&serve, "drift", &changed);
    let (code, text) = run(&serve, &snapshots, &["drift"]);
    assert_eq!(code, 5, "{text}");
    assert!(
        text.contains(
            "changed     component.description: \"Integration-test component\" -> \"Changed by hand\""
        ),
        "{text}"
    );

    let unit = id_of(&seeded, "component-unit");
    post(
        &serve,
        "drift",
        &json!({"delete": {"type": "PartInventory", "id": unit}}),
    );
    let (code, text) = run(&serve, &snapshots, &["drift"]);
    assert_eq!(code, 5, "{text}");
    assert!(
        text.contains("missing     component-unit (PartInventory)"),
        "{text}"
    );

    // A reset sandbox is not drift: nothing of the chain is there.
    post(&serve, "reset", &json!({}));
    let (code, text) = run(&serve, &snapshots, &["drift"]);
    assert_eq!(code, 6, "{text}");
    assert!(
        text.contains("run `ion-contract seed --target sandbox`"),
        "{text}"
    );
    // Seeded again (new ids), the chain matches the baseline.
    run(&serve, &snapshots, &["seed"]);
    let (code, text) = run(&serve, &snapshots, &["drift"]);
    assert_eq!(code, 0, "{text}");
}

#[test]
fn seed_clean_leaves_the_counts_as_before_seeding() {
    let serve = Serve::start();
    let snapshots = Scratch::new("clean-baseline");
    // The baseline of an unseeded sandbox: no chain, and the counts before seeding.
    let (code, text) = run(&serve, &snapshots, &["drift", "--record"]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = run(&serve, &snapshots, &["seed"]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = run(&serve, &snapshots, &["drift"]);
    assert_eq!(code, 5, "seeding added the chain's own entities: {text}");
    assert!(text.contains("unexpected  assembly (Part)"), "{text}");
    // The counts changed too: information, as others' rows would be.
    assert!(text.contains("(count ABomItem: 5 -> 7; "), "{text}");
    assert!(text.contains("; count Part: 12 -> 14; "), "{text}");
    let (code, text) = run(&serve, &snapshots, &["seed", "--clean"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("cleaned: 10 entities"), "{text}");
    // Nothing of the chain, and not one count different from before seeding.
    let (code, text) = run(&serve, &snapshots, &["drift"]);
    assert_eq!(code, 6, "{text}");
    assert!(!text.contains("count "), "{text}");
    assert!(!text.contains("missing "), "{text}");
}

#[test]
fn production_is_never_seeded() {
    let serve = Serve::start();
    let out =
        output(ion_contract(&["seed", "--target", "production"]).envs(serve.env("ION_PROD_")));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("read-only"), "{}", stderr(&out));
    let counts = serve.admin("ION_PROD_API_URL", "GET", "requests");
    assert_eq!(counts["total"], 0, "{counts}");
}

#[test]
fn a_broken_chain_is_reported_at_each_problem_without_sending_anything() {
    let out = output(&mut ion_contract(&[
        "seed",
        "--chain",
        "tests/fixtures/broken-chain.yaml",
    ]));
    assert_eq!(out.status.code(), Some(2));
    let errors = stderr(&out);
    for expected in [
        "broken-chain.yaml:4:11",
        "`Locaton` is not an object type of the schema; did you mean 'Location'?",
        "broken-chain.yaml:8:11",
        "`partNumbr` cannot look up a Part",
        "did you mean 'partNumber'?",
        "`${benchh}` names no earlier entity; did you mean 'bench'?",
        "the schema has no mutation `createAbomForInventory`",
        "the seeding chain has 4 problem(s)",
    ] {
        assert!(errors.contains(expected), "{expected}:\n{errors}");
    }
}

/// A scratch copy of the committed snapshots, where `drift --record` may write.
fn snapshots_copy(label: &str) -> Scratch {
    let scratch = Scratch::new(label);
    for entry in std::fs::read_dir(common::manifest_dir().join("snapshots"))
        .unwrap()
        .flatten()
    {
        std::fs::copy(entry.path(), scratch.0.join(entry.file_name())).unwrap();
    }
    scratch
}

fn smoke(serve: &Serve, snapshots: &Scratch) -> (i32, String) {
    let dir = snapshots.0.to_string_lossy().into_owned();
    let suites = snapshots.suites_copy();
    let out = output(
        ion_contract(&[
            "smoke",
            "--target",
            "sandbox",
            "--snapshots",
            &dir,
            "--suites",
            &suites,
        ])
        .envs(serve.env("ION_SANDBOX_"))
        .env_remove("GITHUB_STEP_SUMMARY"),
    );
    (out.status.code().unwrap_or(-1), stdout(&out))
}

#[test]
fn after_a_reset_smoke_reseeds_and_passes_and_an_injected_drift_stops_it() {
    let serve = Serve::start();
    let snapshots = snapshots_copy("smoke");
    let (_, seeded) = run(&serve, &snapshots, &["seed"]);
    let (code, text) = run(&serve, &snapshots, &["drift", "--record"]);
    assert_eq!(code, 0, "{text}");

    post(&serve, "reset", &json!({}));
    let (code, report) = smoke(&serve, &snapshots);
    assert_eq!(code, 0, "{report}");
    assert!(
        report.contains("**ion-contract smoke, target sandbox: passed**"),
        "{report}"
    );
    assert!(
        report.contains("- ✓ seed: 10 entities of prefix ICT- (10 created)"),
        "{report}"
    );
    assert!(report.contains("- ✓ drift: clean"), "{report}");
    assert!(
        report.contains("- ✓ suites: 5 passed, 0 failed"),
        "{report}"
    );

    assert!(seeded.contains("(10 created)"), "{seeded}");
    // Change the reseeded bench's description behind the API's back: drift, and the suites
    // never run.
    let (_, reseeded) = run(&serve, &snapshots, &["seed"]);
    let bench = id_of(&reseeded, "bench");
    post(
        &serve,
        "drift",
        &json!({"set": {"type": "Location", "id": bench, "fields": {"description": "moved"}}}),
    );
    let (code, report) = smoke(&serve, &snapshots);
    assert_eq!(code, 5, "{report}");
    assert!(report.contains("failed at drift**"), "{report}");
    assert!(
        report.contains("changed     bench.description: \"Integration-test bench\" -> \"moved\""),
        "{report}"
    );
    assert!(report.contains("- · suites: not run"), "{report}");
}

#[test]
fn smoke_stops_at_schema_when_a_field_a_suite_uses_is_gone() {
    let serve = Serve::start();
    let snapshots = snapshots_copy("smoke-schema");
    let committed =
        std::fs::read_to_string(common::manifest_dir().join("suites/schema/ion.graphql")).unwrap();
    // `User.email` is what the starter suite `me` asks for.
    let mut in_user = false;
    let changed: String = committed
        .lines()
        .filter(|line| {
            in_user = (in_user || line.starts_with("type User ")) && *line != "}";
            !(in_user && line.trim() == "email: String")
        })
        .map(|line| format!("{line}\n"))
        .collect();
    assert_ne!(changed, committed);
    let (status, _) = serve.admin_text(SANDBOX_API, reqwest::Method::POST, "schema", &changed);
    assert_eq!(status, 200);
    let (code, report) = smoke(&serve, &snapshots);
    assert_eq!(code, 4, "{report}");
    assert!(report.contains("failed at schema**"), "{report}");
    assert!(report.contains("User.email"), "{report}");
    assert!(report.contains("- · seed: not run"), "{report}");
}

#[test]
fn a_suite_can_ask_for_the_chain_as_a_fixture_and_a_typo_is_located() {
    let scratch = Scratch::new("fixture");
    std::fs::create_dir_all(scratch.0.join("seed")).unwrap();
    std::fs::copy(
        common::manifest_dir().join("suites/seed/chain.yaml"),
        scratch.0.join("seed/chain.yaml"),
    )
    .unwrap();
    let suite = "name: Uses the chain\nfixture: chain\ncases:\n  - name: bench\n    steps:\n      - query: 'query { locations(filters: {name: {eq: \"ICT-Bench\"}}) { pageInfo { totalCount } } }'\n        expect:\n          data:\n            - path: $.locations.pageInfo.totalCount\n              equals: 1\n";
    scratch.write("uses.yaml", suite);
    let out = output(&mut scratch.command(&["run"]));
    assert_exit(&out, 0, "");
    scratch.write(
        "uses.yaml",
        &suite.replace("fixture: chain", "fixture: chian"),
    );
    let out = output(&mut scratch.command(&["check"]));
    assert_eq!(out.status.code(), Some(2));
    let errors = stderr(&out);
    assert!(errors.contains("uses.yaml:2:10"), "{errors}");
    assert!(
        errors.contains("unknown fixture 'chian'; did you mean 'chain'?"),
        "{errors}"
    );
}

#[test]
fn nightly_smoke_on_a_shared_sandbox_records_the_first_baseline_and_ignores_others_rows() {
    let serve = Serve::start();
    let snapshots = snapshots_copy("nights");
    let baseline = snapshots.0.join("drift@sandbox.snap");
    assert!(
        !baseline.exists(),
        "the first night starts without a baseline"
    );
    let theirs = serve.create_foreign_part("THEIRS-1");

    // Night 1: no baseline yet: smoke records one after seeding, says so, and passes.
    let (code, report) = smoke(&serve, &snapshots);
    assert_eq!(code, 0, "{report}");
    assert!(
        report.contains("- ✓ drift: recorded: no data baseline yet"),
        "{report}"
    );
    assert!(report.contains("- ✓ suites: "), "{report}");
    assert!(baseline.exists(), "{report}");

    // Night 2: others created a part and changed one of theirs: information, not drift.
    serve.create_foreign_part("THEIRS-2");
    let changed = json!({"set": {"type": "Part", "id": theirs, "fields": {"description": "x"}}});
    post(&serve, "drift", &changed);
    let (code, report) = smoke(&serve, &snapshots);
    assert_eq!(code, 0, "{report}");
    assert!(report.contains("- ✓ drift: clean: the chain matches the baseline; information: rows outside the chain changed (count Part: "), "{report}");
    assert!(report.contains("- ✓ suites: "), "{report}");

    // Night 3: others deleted a part of theirs and created another.
    post(
        &serve,
        "drift",
        &json!({"delete": {"type": "Part", "id": theirs}}),
    );
    serve.create_foreign_part("THEIRS-3");
    let (code, report) = smoke(&serve, &snapshots);
    assert_eq!(code, 0, "{report}");
    assert!(report.contains("- ✓ drift: clean"), "{report}");
    let (code, text) = run(&serve, &snapshots, &["drift"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("data drift of target sandbox: clean\ninformation: rows outside the chain changed (count Part: "), "{text}");

    // A field of the chain's own entity changed: drift, in `smoke` and in `drift`.
    let (_, seeded) = run(&serve, &snapshots, &["seed"]);
    let component = id_of(&seeded, "component");
    let ours =
        json!({"set": {"type": "Part", "id": component, "fields": {"description": "moved"}}});
    post(&serve, "drift", &ours);
    let (code, report) = smoke(&serve, &snapshots);
    assert_eq!(code, 5, "{report}");
    assert!(
        report.contains(
            "changed     component.description: \"Integration-test component\" -> \"moved\""
        ),
        "{report}"
    );
    assert!(
        report.contains("help: if the change is expected, record the baseline again"),
        "{report}"
    );
    assert!(
        report.contains("\ninformation: rows outside the chain changed (count Part: "),
        "{report}"
    );
    assert!(report.contains("- · suites: not run"), "{report}");
    let (code, text) = run(&serve, &snapshots, &["drift"]);
    assert_eq!(code, 5, "{text}");
    assert!(
        text.contains("  changed     component.description: "),
        "{text}"
    );

    // A reset: the chain is gone.
    post(&serve, "reset", &json!({}));
    let (code, text) = run(&serve, &snapshots, &["drift"]);
    assert_eq!(code, 6, "{text}");
    assert!(
        text.contains("data drift of target sandbox: reset"),
        "{text}"
    );
    assert!(
        text.contains("help: the sandbox was reset: run `ion-contract seed --target sandbox`"),
        "{text}"
    );
}
