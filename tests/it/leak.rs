//! No secret reaches any output: every suite (the starter ones and a deliberately failing
//! one that echoes credentials into requests, expectations and snapshots) runs on the double,
//! on serve's sandbox and on serve's production with known credential values, and neither
//! stdout, stderr nor any file written holds one of them, or any JWT.

use crate::common;

use common::serve::Serve;
use common::{Scratch, copy_dir, files, manifest_dir, output, stderr, stdout};

/// A suite that fails in every way that could show a credential.
const LEAKY: &str = r#"name: Leaky
description: Puts credential values where outputs could show them.
targets: [mock, sandbox]
cases:
  - name: secret-in-a-failing-expectation
    steps:
      - query: |
          mutation Echo($description: String) {
            createPart(input: {partNumber: "LEAK-1", description: $description}) {
              part { description }
            }
          }
        variables: {description: "${env:ION_SANDBOX_CLIENT_SECRET}"}
        expect:
          data:
            - path: $.createPart.part.description
              equals: "${env:ION_PROD_TOKEN}"

  - name: token-in-a-snapshot
    steps:
      - query: |
          mutation Echo($description: String) {
            createPart(input: {partNumber: "LEAK-2", description: $description}) {
              part { description }
            }
          }
        variables: {description: "token ${env:ION_PROD_TOKEN} and ${env:ION_PROD_CLIENT_SECRET}"}
        snapshot: true

  - name: expired-token-refused-unexpectedly
    steps:
      - as: expired
        query: "query Me { me { id } }"

  - name: production-token-in-the-wrong-class
    steps:
      - as: production
        query: "query Me { me { id } }"
        expect: {auth: expired}
"#;

#[test]
fn no_credential_value_reaches_stdout_stderr_or_a_file() {
    let serve = Serve::start();
    let sandbox_expired = serve.expired_token("ION_SANDBOX_");
    let production_token = serve.token("ION_PROD_");
    let secrets = [
        serve.vars["ION_SANDBOX_CLIENT_SECRET"].clone(),
        serve.vars["ION_PROD_CLIENT_SECRET"].clone(),
        production_token.clone(),
        sandbox_expired.clone(),
    ];
    let scratch = Scratch::new("leak");
    copy_dir(&manifest_dir().join("suites"), &scratch.0);
    scratch.write("leaky.yaml", LEAKY);
    let credentials = |command: &mut std::process::Command| {
        command
            .envs(serve.env("ION_SANDBOX_"))
            .envs(serve.env("ION_PROD_"))
            .env("ION_PROD_TOKEN", &production_token)
            .env("ION_SANDBOX_EXPIRED_TOKEN", &sandbox_expired)
            .env("INSTA_UPDATE", "always");
    };
    let mut outputs = Vec::new();
    for (args, code) in [
        (vec!["run"], 101),
        (vec!["run", "--target", "sandbox"], 101),
        (vec!["run", "--target", "production"], 0),
        (vec!["list", "--target", "sandbox"], 0),
        (vec!["preflight", "--target", "production"], 0),
    ] {
        let mut args = args;
        let reports = scratch.0.join("reports").join(outputs.len().to_string());
        let report_args: Vec<String> = [
            ("--junit", "junit.xml"),
            ("--json", "report.json"),
            ("--summary", "summary.md"),
        ]
        .iter()
        .flat_map(|(flag, file)| {
            [
                (*flag).to_owned(),
                reports.join(file).to_string_lossy().into_owned(),
            ]
        })
        .collect();
        if args[0] == "run" {
            args.extend(report_args.iter().map(String::as_str));
        }
        let mut command = match args[0] {
            // preflight reads only targets.yaml: the starter one is the scratch one's.
            "preflight" => common::ion_contract(&args),
            _ => scratch.command(&args),
        };
        credentials(&mut command);
        let out = output(&mut command);
        let (report, errors) = (stdout(&out), stderr(&out));
        assert_eq!(out.status.code(), Some(code), "{args:?}: {report}{errors}");
        outputs.push((format!("{args:?} stdout"), report));
        outputs.push((format!("{args:?} stderr"), errors));
    }
    // A sandbox target fed the production token: the preflight's diagnosis.
    let mut crossed = common::ion_contract(&["preflight", "--target", "sandbox"]);
    crossed
        .env("ION_SANDBOX_API_URL", &serve.vars["ION_SANDBOX_API_URL"])
        .env("ION_SANDBOX_TOKEN", &production_token);
    let out = output(&mut crossed);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    outputs.push(("crossed preflight stderr".into(), stderr(&out)));

    // The failing run did fail where credentials were echoed, and wrote its snapshot.
    let mock_report = &outputs[0].1;
    for case in [
        "leaky::secret-in-a-failing-expectation::mock",
        "leaky::expired-token-refused-unexpectedly::mock",
        "leaky::production-token-in-the-wrong-class::mock",
    ] {
        assert!(
            mock_report.contains(&format!("---- {case} ----")),
            "{case}: {mock_report}"
        );
    }
    let written = files(&scratch.0.join("snapshots"));
    assert!(
        written.iter().any(
            |(path, text)| path.contains("leaky__token-in-a-snapshot@mock")
                && text.contains("token [redacted] and [redacted]")
        ),
        "{written:?}"
    );
    outputs.extend(written);
    // The reports of the three runs, failing cases and all.
    let reports = files(&scratch.0.join("reports"));
    assert_eq!(reports.len(), 9, "{reports:?}");
    assert!(
        reports
            .iter()
            .any(|(path, text)| path.ends_with("junit.xml")
                && text.contains("leaky::secret-in-a-failing-expectation::mock")),
        "{reports:?}"
    );
    outputs.extend(reports);

    let jwt = regex::Regex::new(r"eyJ[A-Za-z0-9_-]+\.eyJ").expect("regex");
    for (place, text) in &outputs {
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "a credential value in {place}:\n{text}"
            );
        }
        assert!(!jwt.is_match(text), "a JWT in {place}:\n{text}");
    }
}
