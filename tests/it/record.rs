//! `serve --record`: a small client's session becomes a suite that `check`, `run` (the
//! embedded double and a fresh `serve`) and `schema diff` all read, with captures where the
//! client carried values forward, no secret in any file, and nothing new when the same
//! session is recorded again.

use crate::common;

use std::path::Path;

use common::serve::Serve;
use common::{Scratch, files, ion_contract, manifest_dir, output, stderr, stdout};
use serde_json::{Value, json};

/// What the client sent and read that must not reach the recorded files as it was.
struct Sent {
    token: String,
    client_secret: String,
}

/// A small integration: list parts, create one, update it with the etag it read, see a
/// stale etag refused, read it back, delete it. Through the real token flow.
fn drive_client(serve: &Serve, part_number: &str) -> Sent {
    let token = serve.token("ION_SANDBOX_");
    let url = format!("{}/graphql", serve.vars["ION_SANDBOX_API_URL"]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let http = reqwest::Client::new();
    let send = |query: &str, variables: Value| -> Value {
        runtime.block_on(async {
            http.post(&url)
                .bearer_auth(&token)
                .json(&json!({ "query": query, "variables": variables }))
                .send()
                .await
                .expect("serve answers")
                .json()
                .await
                .expect("a JSON body")
        })
    };
    let listed = send(
        "query Parts($first: Int) { parts(first: $first) { edges { node { id partNumber _etag } } } }",
        json!({ "first": 2 }),
    );
    assert!(listed["data"]["parts"]["edges"].is_array(), "{listed}");
    let created = send(
        "mutation CreatePart($input: CreatePartInput!) { createPart(input: $input) { part { id partNumber description _etag } } }",
        json!({ "input": { "partNumber": part_number, "description": "Bracket for Ada's rig" } }),
    );
    let part = &created["data"]["createPart"]["part"];
    let (id, etag) = (part["id"].clone(), part["_etag"].clone());
    let update = "mutation UpdatePart($input: UpdatePartInput!) { updatePart(input: $input) { part { id description _etag } } }";
    let updated = send(
        update,
        json!({ "input": { "id": id, "etag": etag, "description": "Anodised bracket" } }),
    );
    let fresh = updated["data"]["updatePart"]["part"]["_etag"].clone();
    assert!(fresh.is_string(), "{updated}");
    let stale = send(
        update,
        json!({ "input": { "id": id, "etag": etag, "description": "lost update" } }),
    );
    assert!(stale["errors"].is_array(), "{stale}");
    send(
        "query PartById($id: ID!) { part(id: $id) { id partNumber description } }",
        json!({ "id": id }),
    );
    let deleted = send(
        "mutation DeletePart($id: ID!, $etag: String!) { deletePart(id: $id, etag: $etag) { id } }",
        json!({ "id": id, "etag": fresh }),
    );
    assert_eq!(deleted["data"]["deletePart"]["id"], id, "{deleted}");
    Sent {
        token,
        client_secret: serve.vars["ION_SANDBOX_CLIENT_SECRET"].clone(),
    }
}

/// Another session, with the sandbox's reader key, that only reads.
fn drive_reader(serve: &Serve) {
    let var = |name: &str| serve.vars[name].clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let form = [
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", var("ION_SANDBOX_READER_CLIENT_ID")),
            ("client_secret", var("ION_SANDBOX_READER_CLIENT_SECRET")),
        ];
        let token_url = format!(
            "{}/realms/api-keys/protocol/openid-connect/token",
            var("ION_SANDBOX_AUTH_URL")
        );
        let token: Value = http
            .post(token_url)
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let me: Value = http
            .post(format!("{}/graphql", var("ION_SANDBOX_API_URL")))
            .bearer_auth(token["access_token"].as_str().expect("a token"))
            .json(&json!({ "query": "query Me { me { id name } }" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            me["data"]["me"]["id"].is_number() || me["data"]["me"]["id"].is_string(),
            "{me}"
        );
    });
}

/// Records one client session into `dir`, the client making a part `part_number`; the
/// summary serve printed when stopped.
fn record(dir: &Path, part_number: &str) -> (Sent, String) {
    let dir = dir.to_string_lossy();
    let serve = Serve::start_capturing(&["--record", &dir]);
    let sent = drive_client(&serve, part_number);
    drive_reader(&serve);
    (sent, serve.stop())
}

fn suite(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("recorded-writes.yaml")).expect("the suite");
    serde_saphyr::from_str(&text).expect("the recorded suite is YAML")
}

fn step<'a>(suite: &'a Value, name: &str) -> &'a Value {
    suite["cases"][0]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("a step {name} in {suite}"))
}

#[test]
fn a_recorded_session_is_a_suite_that_replays_with_captures_and_no_secrets() {
    let scratch = Scratch::new("record");
    let (sent, summary) = record(&scratch.0, "PN-RECORDED-7");
    assert!(
        summary.contains("new case `parts-create-part-update-part-part-by-id-delete-part` in recorded-writes.yaml"),
        "{summary}"
    );

    assert!(
        summary.contains("new case `me` in recorded.yaml"),
        "{summary}"
    );
    let reads = read_yaml(&scratch, "recorded.yaml");
    assert_eq!(
        reads["targets"],
        Value::Null,
        "reads run on every target: {reads}"
    );
    assert_eq!(reads["cases"][0]["steps"][0]["operation"], "Me", "{reads}");
    assert_eq!(
        reads["cases"][0]["steps"][0]["as"], "reader",
        "the reader key's session"
    );

    let recorded = suite(&scratch.0);
    assert_eq!(
        recorded["targets"],
        json!(["mock", "sandbox"]),
        "{recorded}"
    );
    assert_eq!(
        recorded["cases"].as_array().map(Vec::len),
        Some(1),
        "{recorded}"
    );
    let create = step(&recorded, "create-part");
    assert_eq!(create["capture"]["id"], "$.createPart.part.id", "{create}");
    assert_eq!(
        create["capture"]["etag"], "$.createPart.part._etag",
        "{create}"
    );
    let update = step(&recorded, "update-part");
    assert_eq!(update["variables"]["input"]["id"], "${id}", "{update}");
    assert_eq!(update["variables"]["input"]["etag"], "${etag}", "{update}");
    let stale = step(&recorded, "update-part-2");
    assert_eq!(
        stale["expect"]["errors"],
        json!([{"code": "CONCURRENCY_CONFLICT"}]),
        "{stale}"
    );
    let delete = step(&recorded, "delete-part");
    assert_eq!(
        delete["variables"],
        json!({"id": "${id}", "etag": "${etag_2}"}),
        "{delete}"
    );
    // What the case wrote is asserted where it is read back, as the template it sends.
    let written = &create["variables"]["input"]["partNumber"];
    assert!(
        written
            .as_str()
            .is_some_and(|w| w.ends_with("-${run.short}")),
        "{create}"
    );
    let read_back = step(&recorded, "part-by-id");
    assert!(
        read_back["expect"]["data"]
            .as_array()
            .expect("data assertions")
            .contains(&json!({"path": "$.part.partNumber", "equals": written})),
        "{read_back}"
    );

    let all = files(&scratch.0);
    assert_eq!(
        all.iter().filter(|(f, _)| f.ends_with(".graphql")).count(),
        6,
        "{all:?}"
    );
    for (file, text) in &all {
        for secret in [&sent.token, &sent.client_secret] {
            assert!(
                !text.contains(secret.as_str()),
                "{file} holds a secret:\n{text}"
            );
        }
        for private in ["Ada", "PN-RECORDED-7", "Bearer"] {
            assert!(!text.contains(private), "{file} holds {private:?}:\n{text}");
        }
    }

    // Both files are suites as the format's JSON Schema describes them (editors check it).
    for file in ["recorded.yaml", "recorded-writes.yaml"] {
        let text = std::fs::read_to_string(scratch.0.join(file)).expect("a suite file");
        let errors = against_suite_schema(&serde_saphyr::from_str(&text).expect("YAML"));
        assert!(errors.is_empty(), "{file}: {errors}");
    }

    let check = output(&mut scratch.command(&["check"]));
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}{}",
        stdout(&check),
        stderr(&check)
    );

    // The embedded double: the first run writes the snapshots, the second compares.
    let first = output(scratch.command(&["run"]).env("INSTA_UPDATE", "unseen"));
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}{}",
        stdout(&first),
        stderr(&first)
    );
    let again = output(&mut scratch.command(&["run"]));
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}{}",
        stdout(&again),
        stderr(&again)
    );

    // A fresh serve as the sandbox, twice: the second run replays on data the first changed.
    let fresh = Serve::start();
    for update in ["unseen", "no"] {
        let run = output(
            scratch
                .command(&["run", "--target", "sandbox"])
                .envs(fresh.env("ION_SANDBOX_"))
                .env("INSTA_UPDATE", update),
        );
        let shown = format!("{}{}", stdout(&run), stderr(&run));
        assert_eq!(run.status.code(), Some(0), "{shown}");
        for trial in [
            "recorded-writes::parts-create-part-update-part-part-by-id-delete-part::sandbox",
            "recorded::me::sandbox",
        ] {
            assert!(
                shown
                    .lines()
                    .any(|l| l.starts_with(&format!("test {trial} ")) && l.ends_with(" ok")),
                "{trial} passes: {shown}"
            );
        }
    }

    // Production, read-only: the reads run, the writes suite is not planned there.
    let run = output(
        scratch
            .command(&["run", "--target", "production"])
            .envs(fresh.env("ION_PROD_"))
            .env("INSTA_UPDATE", "unseen"),
    );
    let shown = format!("{}{}", stdout(&run), stderr(&run));
    assert_eq!(run.status.code(), Some(0), "{shown}");
    assert!(shown.contains("recorded::me::production"), "{shown}");
    assert!(!shown.contains("recorded-writes::"), "{shown}");

    // `schema diff` knows the recorded operations: a live schema without
    // Part.description breaks them.
    let committed = std::fs::read_to_string(manifest_dir().join("suites/schema/ion.graphql"))
        .expect("the starter schema");
    let live = without_part_description(&committed);
    scratch.write("live.graphql", &live);
    let live_path = scratch
        .0
        .join("live.graphql")
        .to_string_lossy()
        .into_owned();
    let dir = scratch.0.to_string_lossy();
    let diff = output(&mut ion_contract(&[
        "schema", "diff", "--live", &live_path, "--suites", &dir,
    ]));
    let report = stdout(&diff);
    assert_eq!(diff.status.code(), Some(4), "{report}{}", stderr(&diff));
    assert!(report.contains("Part.description"), "{report}");
    assert!(
        report.contains("recorded-writes::parts-create-part"),
        "{report}"
    );

    // Recording the same session again changes no byte of the folder, even when the client
    // makes a fresh part number every run.
    let before = files(&scratch.0);
    let (_, summary) = record(&scratch.0, "PN-RECORDED-8");
    assert!(
        summary.contains("already recorded as `parts-create-part"),
        "{summary}"
    );
    assert_eq!(files(&scratch.0), before);
}

/// The suite format's JSON Schema's errors for `doc`, or nothing.
fn against_suite_schema(doc: &Value) -> String {
    let schema: Value =
        serde_json::from_str(&ion_contract::suite::json_schema()).expect("the schema is JSON");
    let (mut schemas, mut compiler) = (boon::Schemas::new(), boon::Compiler::new());
    let id = "urn:ion-contract:suite.schema.json";
    compiler
        .add_resource(id, schema)
        .expect("the schema is added");
    let index = compiler
        .compile(id, &mut schemas)
        .expect("the schema compiles");
    schemas
        .validate(doc, index)
        .map_or_else(|e| e.to_string(), |()| String::new())
}

/// `schema` without the `description: String` line of `type Part`.
fn without_part_description(schema: &str) -> String {
    let mut inside = false;
    let mut out = String::new();
    for line in schema.lines() {
        if line.starts_with("type Part ") {
            inside = true;
        } else if line == "}" {
            inside = false;
        }
        if !(inside && line.trim() == "description: String") {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert_ne!(
        out.len(),
        schema.len() + 1,
        "the schema has Part.description"
    );
    out
}

#[test]
fn an_injected_faults_answer_is_not_recorded_and_the_retry_is() {
    let scratch = Scratch::new("record-fault");
    let dir = scratch.0.to_string_lossy();
    let fault = r#"{"kind": "partial-data", "operation": "Me", "times": 1}"#;
    let serve = Serve::start_capturing(&["--record", &dir, "--fault", fault]);
    let first = serve.sandbox_query("query Me { me { id name } }");
    assert!(first["errors"].is_array(), "the fault answered: {first}");
    let retried = serve.sandbox_query("query Me { me { id name } }");
    assert!(retried["errors"].is_null(), "{retried}");
    let summary = serve.stop();
    assert!(
        summary.contains("new case `me` in recorded.yaml: 1 step(s)"),
        "{summary}"
    );
    let reads = read_yaml(&scratch, "recorded.yaml");
    let steps = &reads["cases"][0]["steps"];
    assert_eq!(steps.as_array().map(Vec::len), Some(1), "{reads}");
    assert_eq!(steps[0]["expect"].get("errors"), None, "{reads}");
}

/// A recorded YAML file of `scratch`, as JSON.
fn read_yaml(scratch: &Scratch, name: &str) -> Value {
    let text = std::fs::read_to_string(scratch.0.join(name)).expect(name);
    serde_saphyr::from_str(&text).expect("YAML")
}
