//! The built-in targets and the lookup of a target by name.

use super::*;

#[test]
fn builtins_follow_ions_hosts_and_variable_names() {
    let targets = Targets::default();
    assert_eq!(targets.names(), ["mock", "sandbox", "production"]);
    let sandbox = targets.get("sandbox").unwrap();
    assert_eq!(sandbox.api_url, "https://staging-api.buildwithion.com");
    assert_eq!(sandbox.auth_url, "https://staging-auth.buildwithion.com");
    assert_eq!(
        sandbox.variables.client_secret.as_deref(),
        Some("ION_SANDBOX_CLIENT_SECRET")
    );
    assert!(!sandbox.read_only);
    let production = targets.get("production").unwrap();
    assert!(production.read_only);
    assert_eq!(
        production.variables.token.as_deref(),
        Some("ION_PROD_TOKEN")
    );
    assert!(targets.get("mock").unwrap().is_double());
}

#[test]
fn an_unknown_name_suggests_the_closest() {
    let error = Targets::default().get("sandbx").unwrap_err().to_string();
    assert!(error.contains("did you mean 'sandbox'"), "{error}");
    assert!(error.contains("mock, sandbox, production"), "{error}");
}

#[test]
fn every_production_environment_is_read_only() {
    for environment in Environment::ALL {
        let target = Target::new("t", environment);
        assert_eq!(target.read_only, environment.is_production());
        assert_eq!(Environment::named(environment.name()), Some(environment));
    }
}
