//! No secret gets out through a server that echoes it: every command that reaches a target
//! runs against a hostile fake ION (`common::hostile`) as the sandbox, and stdout, stderr and
//! every file written are searched for each secret and token, raw, URL-encoded, JSON-escaped
//! and in base64. Three set-ups: a JWT, an opaque token, and a client secret full of the
//! characters encoders change (`/+=%"\`).

use crate::common;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use common::hostile::{ECHO_MARK, HostileIon, REFUSED_CLIENT, TokenKind};
use common::{Scratch, copy_dir, files, manifest_dir, output, stderr, stdout};

/// A suite that snapshots what `me` answered (the fake's echo).
const ECHOED: &str = r#"name: Echoed
description: Records the fake's answer to `me` in a snapshot.
targets: [sandbox]
cases:
  - name: me-snapshot
    steps:
      - query: "query HostileMe { me { id name email organization { name domain } } }"
        snapshot: true
"#;

/// The forms a secret could leak in.
fn forms(secret: &str) -> Vec<(&'static str, String)> {
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let percent: String = secret
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    let json = serde_json::to_string(secret).expect("a string serialises");
    vec![
        ("raw", secret.to_owned()),
        ("form-encoded", form),
        ("percent-encoded", percent),
        ("JSON-escaped", json[1..json.len() - 1].to_owned()),
        ("base64", STANDARD.encode(secret)),
        ("base64 unpadded", STANDARD_NO_PAD.encode(secret)),
        ("base64 url-safe", URL_SAFE.encode(secret)),
        ("base64 url-safe unpadded", URL_SAFE_NO_PAD.encode(secret)),
    ]
}

/// How the sandbox's credentials are given.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Given {
    /// An API key: the token comes from the fake's token endpoint.
    ApiKey,
    /// `ION_SANDBOX_TOKEN`, holding the fake's token (it wins over the API key).
    StaticToken,
}

/// Runs every command that reaches a target against a fake issuing `kind` tokens, with
/// `client_secret` as the sandbox's; returns every output and file, by where it was.
fn every_command(
    label: &str,
    kind: TokenKind,
    client_secret: &str,
    given: Given,
) -> (HostileIon, Vec<(String, String)>) {
    let fake = HostileIon::start(kind);
    let scratch = Scratch::new(label);
    let suites = scratch.0.join("suites");
    copy_dir(&manifest_dir().join("suites"), &suites);
    std::fs::write(suites.join("echoed.yaml"), ECHOED).expect("write the suite");
    let path = |p: &std::path::Path| p.to_string_lossy().into_owned();
    let (suites_arg, snapshots) = (path(&suites), path(&scratch.0.join("snapshots")));
    let report = |name: &str| path(&scratch.0.join("reports").join(label).join(name));
    let (junit, json, summary) = (
        report("junit.xml"),
        report("report.json"),
        report("summary.md"),
    );
    let step_summary = path(&scratch.0.join("step-summary.md"));
    let files_args = ["--suites", suites_arg.as_str()];
    let reports = [
        "--junit",
        junit.as_str(),
        "--json",
        json.as_str(),
        "--summary",
        summary.as_str(),
    ];
    let pulled = path(&scratch.0.join("pulled.graphql"));

    let commands: Vec<(Vec<&str>, &str, &[i32])> = vec![
        (vec!["preflight"], "ok", &[0]),
        (vec!["preflight"], REFUSED_CLIENT, &[3]),
        (vec!["run", "--snapshots", &snapshots], "ok", &[101]),
        (vec!["schema", "pull", "--out", &pulled], "ok", &[0]),
        (vec!["schema", "diff"], "ok", &[0]),
        (vec!["seed"], "ok", &[1]),
        (vec!["seed", "--clean"], "ok", &[1]),
        (
            vec!["drift", "--record", "--snapshots", &snapshots],
            "ok",
            &[2],
        ),
        // Its seed stage fails (the fake answers every lookup with an error).
        (vec!["smoke", "--snapshots", &snapshots], "ok", &[1]),
        (vec!["sweep", "--older-than", "0", "--yes"], "ok", &[0, 1]),
        // Writes suites/seed/snapshot.yaml, searched with every other file.
        (
            vec!["data", "pull", "--types", "Part,WebhookReceiver"],
            "ok",
            &[0],
        ),
    ];
    let mut outputs = Vec::new();
    for (args, client_id, codes) in commands {
        if given == Given::StaticToken && client_id == REFUSED_CLIENT {
            continue; // no token request is sent: nothing to refuse
        }
        let mut all = args.clone();
        all.extend(["--target", "sandbox"]);
        all.extend(files_args);
        if matches!(args[0], "run" | "smoke") {
            all.extend(reports);
        }
        let mut command = common::ion_contract(&all);
        command
            .envs(fake.sandbox_env(client_id, client_secret))
            .env("INSTA_UPDATE", "new")
            .env("GITHUB_STEP_SUMMARY", &step_summary);
        if given == Given::StaticToken {
            command.env("ION_SANDBOX_TOKEN", &fake.token);
        }
        let out = output(&mut command);
        let (o, e) = (stdout(&out), stderr(&out));
        assert!(
            out.status.code().is_some_and(|c| codes.contains(&c)),
            "{label}: {all:?} exited {:?}, expected one of {codes:?}\n{o}{e}",
            out.status.code()
        );
        // A new snapshot is a failed trial, never a panic (not even insta's).
        let panicked = e.lines().any(|l| l.contains("panicked at"));
        assert!(!panicked, "{label}: {all:?} panicked: {e}");
        outputs.push((format!("{label}: {all:?} stdout"), o));
        outputs.push((format!("{label}: {all:?} stderr"), e));
    }
    outputs.extend(files(&scratch.0));
    (fake, outputs)
}

/// Asserts that the fake's echo reached the outputs (so the search below means something)
/// and that no form of any secret did.
fn assert_nothing_leaks(fake: &HostileIon, secrets: &[&str], outputs: &[(String, String)]) {
    let echoed = |place: &str| {
        outputs
            .iter()
            .any(|(p, text)| p.contains(place) && text.contains(ECHO_MARK))
    };
    for place in [
        "[\"preflight\", \"--target\"", // the tenant line
        "stderr",                       // refusals and errors
        "pulled.graphql",               // descriptions
        "junit.xml",
        "report.json",
        "summary.md",
        "step-summary.md",
        ".snap",
    ] {
        assert!(
            echoed(place),
            "the fake's echo never reached {place}: {outputs:#?}"
        );
    }
    let jwt = regex::Regex::new(r"eyJ[A-Za-z0-9_-]+\.eyJ").expect("regex");
    // The shared secret of a webhook receiver the harness registers (sent in a mutation the
    // fake answers with a 502 echoing the body).
    let webhook_secret = regex::Regex::new(r"ion-contract-[0-9a-f]{32}").expect("regex");
    for (place, text) in outputs {
        for secret in secrets.iter().copied().chain([fake.token.as_str()]) {
            for (form, leaked) in forms(secret) {
                assert!(
                    !text.contains(&leaked),
                    "{form} form of {secret:?} in {place}:\n{text}"
                );
            }
        }
        assert!(!jwt.is_match(text), "a JWT in {place}:\n{text}");
        assert!(
            !webhook_secret.is_match(text),
            "a webhook secret in {place}:\n{text}"
        );
    }
}

#[test]
fn a_jwt_echoed_everywhere_reaches_no_output() {
    let secret = "hostile-jwt-setup-secret-5150";
    let (fake, outputs) = every_command("hostile-jwt", TokenKind::Jwt, secret, Given::ApiKey);
    assert_nothing_leaks(&fake, &[secret], &outputs);
}

#[test]
fn an_opaque_token_echoed_everywhere_reaches_no_output() {
    let secret = "hostile-opaque-setup-secret-8086";
    let (fake, outputs) = every_command("hostile-opaque", TokenKind::Opaque, secret, Given::ApiKey);
    assert_nothing_leaks(&fake, &[secret], &outputs);
}

#[test]
fn a_secret_that_encoders_change_reaches_no_output_in_any_encoding() {
    let secret = r#"s3/cr+t=v%l"ue\x-hostile"#;
    let (fake, outputs) =
        every_command("hostile-awkward", TokenKind::Opaque, secret, Given::ApiKey);
    assert_nothing_leaks(&fake, &[secret], &outputs);
}

#[test]
fn a_static_token_echoed_everywhere_reaches_no_output() {
    let secret = "hostile-static-setup-secret-6502";
    let (fake, outputs) = every_command(
        "hostile-static",
        TokenKind::Opaque,
        secret,
        Given::StaticToken,
    );
    assert_nothing_leaks(&fake, &[secret], &outputs);
}
