//! `as:` (credential profiles) and `expect.auth:` (expected refusals) load into the model;
//! the broken cases are snapshotted with the other broken fixtures.

use std::path::Path;

use ion_contract::auth::AuthClass;
use ion_contract::suite::{self, ErrorsExpectation, LoadContext, Profile, Step, Suite};

use super::{SCHEMA, VALID, load_broken, load_valid};

/// A step's name, profile, expected auth class and expected status.
type StepSummary<'a> = (&'a str, Option<Profile>, Option<AuthClass>, Option<u16>);

fn steps(suite: &Suite) -> Vec<&Step> {
    suite.cases.iter().flat_map(|c| &c.steps).collect()
}

#[test]
fn profiles_and_auth_classes_load_into_the_model() {
    let suite = load_valid("auth");
    let summary: Vec<StepSummary<'_>> = steps(&suite)
        .into_iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.profile.clone(),
                s.expect.auth,
                s.expect.status,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "step-1",
                Some(Profile::Target("production".into())),
                Some(AuthClass::WrongEnvironment),
                None
            ),
            (
                "anonymous",
                Some(Profile::Anonymous),
                Some(AuthClass::Missing),
                Some(401)
            ),
            (
                "malformed",
                Some(Profile::Malformed),
                Some(AuthClass::Malformed),
                None
            ),
            (
                "expired",
                Some(Profile::Expired),
                Some(AuthClass::Expired),
                None
            ),
            (
                "unknown-issuer",
                Some(Profile::UnknownIssuer),
                Some(AuthClass::WrongEnvironment),
                None
            ),
            ("own-credentials", None, None, Some(200)),
            (
                "refused-with-data",
                Some(Profile::Target("sandbox".into())),
                Some(AuthClass::Forbidden),
                Some(200)
            ),
        ]
    );
}

#[test]
fn auth_leaves_errors_unchecked_unless_written() {
    let suite = load_valid("auth");
    let errors: Vec<(&str, &ErrorsExpectation)> = steps(&suite)
        .into_iter()
        .map(|s| (s.name.as_str(), &s.expect.errors))
        .collect();
    assert!(matches!(
        errors[0],
        ("step-1", ErrorsExpectation::Unchecked)
    ));
    assert!(matches!(errors[2], ("malformed", ErrorsExpectation::Any)));
    assert!(matches!(
        errors[5],
        ("own-credentials", ErrorsExpectation::None)
    ));
    let with_data = steps(&suite)[6];
    assert_eq!(with_data.expect.data.len(), 1, "auth and data go together");
}

#[test]
fn a_reserved_name_wins_over_a_target_of_the_same_name() {
    let targets: Vec<String> = ["mock", "sandbox", "production", "expired"]
        .map(String::from)
        .to_vec();
    let context = LoadContext::new(&SCHEMA, &targets);
    let suite = suite::load_suite(
        Path::new(VALID),
        &Path::new(VALID).join("auth.yaml"),
        &context,
    )
    .expect("loads");
    let expired = steps(&suite)
        .into_iter()
        .find(|s| s.name == "expired")
        .expect("the expired step");
    assert_eq!(expired.profile, Some(Profile::Expired));
}

#[test]
fn unknown_names_are_located_at_the_value_with_a_suggestion() {
    let failure = load_broken("unknown-profile");
    let found: Vec<(u32, u32, &str)> = failure
        .diagnostics
        .iter()
        .map(|d| (d.line, d.col, d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                5,
                13,
                "unknown credential profile 'prodution'; did you mean 'production'?"
            ),
            (
                8,
                13,
                "unknown credential profile 'anonymus'; did you mean 'anonymous'?"
            ),
        ]
    );
    let help = failure.diagnostics[0].help.as_deref().unwrap_or_default();
    assert!(
        help.contains("mock, sandbox, production")
            && help.contains("anonymous, malformed, expired, unknown-issuer"),
        "{help}"
    );

    let failure = load_broken("unknown-auth-class");
    let d = &failure.diagnostics[0];
    assert_eq!((d.line, d.col), (8, 17));
    assert!(
        d.message.ends_with("did you mean 'wrong-environment'?"),
        "{}",
        d.message
    );
}
