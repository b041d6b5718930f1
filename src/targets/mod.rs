//! Targets: where a suite's operations are sent, and with which credentials.
//!
//! Three targets are built in; `suites/targets.yaml` may adjust them and add more:
//!
//! | target | environment | API / auth URL (defaults) | credentials | read-only |
//! | --- | --- | --- | --- | --- |
//! | `mock` | the embedded double, fresh per trial | – | none | no |
//! | `sandbox` | ION's staging cluster | `https://staging-api.buildwithion.com`, `https://staging-auth.buildwithion.com` (`ION_SANDBOX_API_URL`, `ION_SANDBOX_AUTH_URL`) | `ION_SANDBOX_CLIENT_ID` + `ION_SANDBOX_CLIENT_SECRET`, or `ION_SANDBOX_TOKEN` | no |
//! | `production` | ION's production | `https://api.buildwithion.com`, `https://auth.buildwithion.com` (`ION_PROD_API_URL`, `ION_PROD_AUTH_URL`) | `ION_PROD_CLIENT_ID` + `ION_PROD_CLIENT_SECRET`, or `ION_PROD_TOKEN` | always |
//!
//! The target is chosen with `ION_TARGET` or `--target` (default `mock`). Its name is the last
//! part of every trial name and the suffix of its snapshots.
//!
//! A target file names the *variables* that hold credentials, never their values:
//!
//! ```yaml
//! targets:
//!   sandbox:                      # adjusts the built-in: only the keys given change
//!     api_url: https://acme-sandbox-api.example.com
//!     require_credentials: true   # unset credentials fail the run (exit 2), not ignore it
//!   gov-sandbox:                  # a new target
//!     environment: gov-sandbox    # mock | sandbox | staging | production | gov-sandbox |
//!                                 # gov-production | aus-staging | aus-production
//!     variables:                  # names of environment variables (all optional here)
//!       client_id: ION_GOV_SANDBOX_CLIENT_ID
//!       client_secret: ION_GOV_SANDBOX_CLIENT_SECRET
//!       token: ION_GOV_SANDBOX_TOKEN
//!       api_url: ION_GOV_SANDBOX_API_URL      # overrides api_url when set
//!       auth_url: ION_GOV_SANDBOX_AUTH_URL    # overrides auth_url when set
//!       expired_token: ION_GOV_SANDBOX_EXPIRED_TOKEN  # for steps that run `as: expired`
//!       reader_client_id: ION_GOV_SANDBOX_READER_CLIENT_ID  # a read-only user's key, for
//!       reader_client_secret: ION_GOV_SANDBOX_READER_CLIENT_SECRET  # `as: reader`
//!       editor_client_id: ION_GOV_SANDBOX_EDITOR_CLIENT_ID  # and one that may not delete,
//!       editor_client_secret: ION_GOV_SANDBOX_EDITOR_CLIENT_SECRET  # for `as: editor`
//!   mock-production:              # the embedded double, imitating ION's production
//!     environment: mock
//!     imitates: production        # its tokens carry production's issuer (default: sandbox)
//!     read_only: true             # and it refuses mutations
//!     data: blank                 # its data shape: blank, demo, snapshot (see DataShape)
//! ```
//!
//! `api_url` and `auth_url` default to ION's hosts for the environment. A production
//! environment (`production`, `gov-production`, `aus-production`) is always read-only; the
//! file cannot say otherwise. Plain `http://` is accepted only for loopback hosts (a local
//! `ion-contract serve`): credentials never cross the network unencrypted.
//!
//! Credentials are read from the environment when the run starts ([`Target::live`]): a
//! static token wins over a client id and secret. A live target without them is not an error:
//! its trials are listed as ignored, with one line naming the variables to set. Where they
//! must be there (a nightly CI job whose secrets may be missing or misspelled), require
//! them: `--require-credentials`, `ION_REQUIRE_CREDENTIALS=1`, or the target's
//! `require_credentials: true`; then the run fails with exit 2: the trial
//! `target::credentials` fails with the same line, and every case fails unsent (listing is
//! never refused).

mod file;
mod live;

use std::fmt;

use std::num::NonZeroU32;
use std::time::Duration;

use crate::auth::Realm;
use crate::secret::Secret;
pub use file::TargetsError;
pub use live::{Credentials, Live, MissingCredentials, Unavailable};

/// The environment variable that selects the target.
pub const TARGET_ENV: &str = "ION_TARGET";
/// The target used when none is selected.
pub const DEFAULT_TARGET: &str = "mock";
/// The file in the suites directory that defines targets.
pub const TARGETS_FILE: &str = "targets.yaml";

/// Which ION environment a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Environment {
    /// The embedded double.
    Mock,
    /// A sandbox tenant on ION's commercial staging cluster.
    Sandbox,
    /// ION's commercial staging cluster.
    Staging,
    /// ION's commercial production.
    Production,
    /// The government cloud's sandbox.
    GovSandbox,
    /// The government cloud's production.
    GovProduction,
    /// The Australian region's staging.
    AusStaging,
    /// The Australian region's production.
    AusProduction,
}

impl Environment {
    /// Every environment, in the order the docs list them.
    pub const ALL: [Environment; 8] = [
        Environment::Mock,
        Environment::Sandbox,
        Environment::Staging,
        Environment::Production,
        Environment::GovSandbox,
        Environment::GovProduction,
        Environment::AusStaging,
        Environment::AusProduction,
    ];

    /// The name used in `targets.yaml`.
    pub fn name(self) -> &'static str {
        match self {
            Environment::Mock => "mock",
            Environment::Sandbox => "sandbox",
            Environment::Staging => "staging",
            Environment::Production => "production",
            Environment::GovSandbox => "gov-sandbox",
            Environment::GovProduction => "gov-production",
            Environment::AusStaging => "aus-staging",
            Environment::AusProduction => "aus-production",
        }
    }

    /// The environment called `name`.
    pub fn named(name: &str) -> Option<Environment> {
        Environment::ALL.into_iter().find(|e| e.name() == name)
    }

    /// Production environments are always read-only.
    pub fn is_production(self) -> bool {
        matches!(
            self,
            Environment::Production | Environment::GovProduction | Environment::AusProduction
        )
    }

    /// The auth realm whose credentials this environment accepts (`None` for the double,
    /// which imitates whichever realm its target says).
    pub fn realm(self) -> Option<Realm> {
        Some(match self {
            Environment::Mock => return None,
            Environment::Sandbox | Environment::Staging => Realm::Sandbox,
            Environment::Production => Realm::Production,
            Environment::GovSandbox => Realm::GovSandbox,
            Environment::GovProduction => Realm::GovProduction,
            Environment::AusStaging => Realm::AusStaging,
            Environment::AusProduction => Realm::AusProduction,
        })
    }

    /// ION's API and auth server for this environment (`None` for the double).
    pub fn default_urls(self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            Environment::Mock => return None,
            Environment::Sandbox | Environment::Staging => (
                "https://staging-api.buildwithion.com",
                "https://staging-auth.buildwithion.com",
            ),
            Environment::Production => (
                "https://api.buildwithion.com",
                "https://auth.buildwithion.com",
            ),
            Environment::GovSandbox => (
                "https://api-staging-gov.buildwithion.com",
                "https://auth-staging-gov.buildwithion.com",
            ),
            Environment::GovProduction => (
                "https://api-production-gov.buildwithion.com",
                "https://auth-production-gov.buildwithion.com",
            ),
            Environment::AusStaging => (
                "https://api-staging-aus.buildwithion.com",
                "https://auth-staging-aus.buildwithion.com",
            ),
            Environment::AusProduction => (
                "https://api-production-aus.buildwithion.com",
                "https://auth-production-aus.buildwithion.com",
            ),
        })
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The names of the environment variables a target reads. Values are never stored here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variables {
    /// Holds the client id of an API key.
    pub client_id: Option<String>,
    /// Holds the client secret of an API key.
    pub client_secret: Option<String>,
    /// Holds a ready access token (wins over the client id and secret).
    pub token: Option<String>,
    /// Overrides the API URL when set.
    pub api_url: Option<String>,
    /// Overrides the auth server URL when set.
    pub auth_url: Option<String>,
    /// Holds a token this environment issued that has since expired, for steps that run
    /// `as: expired`.
    pub expired_token: Option<String>,
    /// Hold the client id and secret of an API key that may only read, for steps that run
    /// `as: reader`.
    pub reader_client_id: Option<String>,
    /// See [`Variables::reader_client_id`].
    pub reader_client_secret: Option<String>,
    /// Hold the client id and secret of an API key that may read, create and update but not
    /// delete, for steps that run `as: editor`.
    pub editor_client_id: Option<String>,
    /// See [`Variables::editor_client_id`].
    pub editor_client_secret: Option<String>,
}

/// A target as defined: built in, or from `targets.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The name used in trial names and snapshot suffixes.
    pub name: String,
    /// Which ION environment it is.
    pub environment: Environment,
    /// Mutations are refused before anything is sent.
    pub read_only: bool,
    /// The API base URL (`<api_url>/graphql` is the endpoint); empty for the double.
    pub api_url: String,
    /// The auth server (`<auth_url>/realms/api-keys/...`); empty for the double.
    pub auth_url: String,
    /// Where credentials and URL overrides are read from.
    pub variables: Variables,
    /// For the double (`environment: mock`): the ION realm it imitates, whose issuer its
    /// tokens carry (`sandbox` unless `imitates:` says otherwise).
    pub imitates: Realm,
    /// At most this many requests per second, shared by every trial (`max_rps:`). Unset:
    /// [`crate::client::DEFAULT_MAX_RPS`] for a live target on a remote host, unpaced for the double and a
    /// local server (`ion-contract serve`), which no one else shares.
    pub max_rps: Option<NonZeroU32>,
    /// Where receivers the harness registers for `expect_webhook:` point (`webhook_uri:`).
    /// Set: events are read through `webhookEvents`, as on an ION the harness's machine is
    /// not reachable from. Unset: a local sink on the double and on a local server, and
    /// [`crate::webhook::UNREACHABLE_URI`] on ION's hosts.
    pub webhook_uri: Option<String>,
    /// How long one request may take (`request_timeout:`, default
    /// [`DEFAULT_REQUEST_TIMEOUT`]).
    pub request_timeout: Duration,
    /// How long a step may take, retries and waits included (`step_timeout:`, default
    /// [`DEFAULT_STEP_TIMEOUT`]); a step's own `timeout:` wins.
    pub step_timeout: Duration,
    /// Without credentials the run fails (exit 2) instead of ignoring this target's trials
    /// (`require_credentials: true`; a live target's setting, false by default).
    pub require_credentials: bool,
    /// For the double: its data shape (`data:`), where `--data` and `data =` say nothing.
    pub data: Option<crate::double::DataShape>,
}

/// How long one request may take unless the target says otherwise: longer than ION's
/// gateway, which gives up after 30 s, so its 502 is seen.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a step may take unless it or its target says otherwise: room for the client's
/// retries and their waits.
pub const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(300);

impl Target {
    /// The embedded double.
    pub fn mock() -> Target {
        Target::new(DEFAULT_TARGET, Environment::Mock)
    }

    /// A target of `environment` called `name`, with the environment's default hosts and no
    /// variables.
    pub fn new(name: &str, environment: Environment) -> Target {
        let (api, auth) = environment.default_urls().unwrap_or(("", ""));
        Target {
            name: name.into(),
            environment,
            read_only: environment.is_production(),
            api_url: api.into(),
            auth_url: auth.into(),
            variables: Variables::default(),
            imitates: Realm::Sandbox,
            max_rps: None,
            webhook_uri: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            step_timeout: DEFAULT_STEP_TIMEOUT,
            require_credentials: false,
            data: None,
        }
    }

    /// The built-in targets: `mock`, `sandbox`, `production`.
    pub fn builtins() -> Vec<Target> {
        let live = |name: &str, environment, prefix: &str| {
            let var = |suffix: &str| Some(format!("{prefix}_{suffix}"));
            Target {
                variables: Variables {
                    client_id: var("CLIENT_ID"),
                    client_secret: var("CLIENT_SECRET"),
                    token: var("TOKEN"),
                    api_url: var("API_URL"),
                    auth_url: var("AUTH_URL"),
                    expired_token: var("EXPIRED_TOKEN"),
                    reader_client_id: var("READER_CLIENT_ID"),
                    reader_client_secret: var("READER_CLIENT_SECRET"),
                    editor_client_id: var("EDITOR_CLIENT_ID"),
                    editor_client_secret: var("EDITOR_CLIENT_SECRET"),
                },
                ..Target::new(name, environment)
            }
        };
        vec![
            Target::mock(),
            live("sandbox", Environment::Sandbox, "ION_SANDBOX"),
            live("production", Environment::Production, "ION_PROD"),
        ]
    }

    /// Whether operations go to the embedded double.
    pub fn is_double(&self) -> bool {
        self.environment == Environment::Mock
    }

    /// The realm whose credentials the target accepts: its environment's, or for the double
    /// the one it imitates.
    pub fn realm(&self) -> Realm {
        self.environment.realm().unwrap_or(self.imitates)
    }

    /// The variables holding the target's credentials, as a fix names them
    /// (`ION_SANDBOX_CLIENT_ID/ION_SANDBOX_CLIENT_SECRET`).
    pub fn credential_variables(&self) -> String {
        let v = &self.variables;
        match (&v.client_id, &v.client_secret, &v.token) {
            _ if self.is_double() => "the double's built-in demo key".to_owned(),
            (Some(id), Some(secret), _) => format!("{id}/{secret}"),
            (_, _, Some(token)) => token.clone(),
            _ => "the credential variables in targets.yaml".to_owned(),
        }
    }

    /// Whether a suite with this `targets:` list runs on this target.
    pub fn admits(&self, suite_targets: Option<&[String]>) -> bool {
        suite_targets.is_none_or(|names| names.contains(&self.name))
    }
}

/// The targets a project defines: the built-ins, adjusted and extended by `targets.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    targets: Vec<Target>,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            targets: Target::builtins(),
        }
    }
}

impl Targets {
    /// The built-ins plus `<suites_dir>/targets.yaml` when it exists. The values of every
    /// target's secret variables in the process environment are registered with
    /// [`crate::scrub`] on the way: no output of the process shows them.
    pub fn load(suites_dir: &std::path::Path) -> Result<Targets, TargetsError> {
        let targets = file::load(&suites_dir.join(TARGETS_FILE))?;
        targets.register_secrets(&|name| std::env::var(name).ok());
        Ok(targets)
    }

    /// Registers [`Targets::secret_values`] with [`crate::scrub`].
    pub fn register_secrets(&self, env: &dyn Fn(&str) -> Option<String>) {
        for secret in self.secret_values(env) {
            crate::scrub::register_secret(&secret);
        }
    }

    /// Every target's name, in definition order (built-ins first).
    pub fn names(&self) -> Vec<String> {
        self.targets.iter().map(|t| t.name.clone()).collect()
    }

    /// The target called `name`.
    pub fn get(&self, name: &str) -> Result<&Target, UnknownTarget> {
        self.targets
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| UnknownTarget {
                name: name.into(),
                known: self.names(),
            })
    }

    /// The values of every target's secret variables (client secrets, tokens) that are set:
    /// what no output may show.
    pub fn secret_values(&self, env: &dyn Fn(&str) -> Option<String>) -> Vec<Secret> {
        self.targets
            .iter()
            .flat_map(|t| {
                let v = &t.variables;
                [
                    &v.client_secret,
                    &v.token,
                    &v.expired_token,
                    &v.reader_client_secret,
                    &v.editor_client_secret,
                ]
            })
            .filter_map(|name| env(name.as_deref()?))
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
            .map(Secret::new)
            .collect()
    }

    /// Every target, in definition order.
    pub fn iter(&self) -> impl Iterator<Item = &Target> {
        self.targets.iter()
    }

    pub(crate) fn from_list(targets: Vec<Target>) -> Targets {
        Targets { targets }
    }
}

/// A target name that is not defined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownTarget {
    /// The name asked for.
    pub name: String,
    /// The names defined.
    pub known: Vec<String>,
}

impl fmt::Display for UnknownTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let suggestion =
            crate::yaml::suggest::suffix(&self.name, self.known.iter().map(String::as_str));
        write!(
            f,
            "unknown target `{}`{suggestion}\nhelp: the targets are {}; choose one with \
             {TARGET_ENV} or --target, or define it in suites/{TARGETS_FILE}",
            self.name,
            self.known.join(", ")
        )
    }
}

#[cfg(test)]
mod tests;
