//! Reaching a live target at run time: its URLs (after overrides from the environment) and its
//! credentials, read from the environment variables the target names.

use std::fmt;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use super::{Target, Variables};
use crate::auth::{ClientCredentials, HostRealm, Realm, TokenSource};
use crate::client::{DEFAULT_MAX_RPS, GraphqlClient, MAX_RPS_CEILING};
use crate::secret::Secret;

/// How requests to a live target are authorised.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// A ready access token, sent as is until it is refused.
    Token(Secret),
    /// An API key, exchanged for tokens at the target's auth server.
    ClientCredentials(ClientCredentials),
}

/// Everything needed to send requests to a live target.
#[derive(Debug, Clone)]
pub struct Live {
    /// The API base URL, without a trailing `/` (`<api_url>/graphql` is the endpoint).
    pub api_url: String,
    /// The auth server, without a trailing `/`.
    pub auth_url: String,
    /// How to authorise.
    pub credentials: Credentials,
}

/// Why a live target cannot be used in this run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    /// Its credential variables are not set: its trials are ignored, not failed.
    #[error(transparent)]
    Missing(#[from] MissingCredentials),
    /// A URL override variable holds something that is not a usable URL: a configuration
    /// error, every trial fails.
    #[error(
        "{variable} is not a usable URL for target `{target}`: {reason}\nhelp: set {variable} to the server's base URL, e.g. https://staging-api.buildwithion.com, or unset it to use the default"
    )]
    BadUrl {
        /// The target.
        target: String,
        /// The variable that holds the URL.
        variable: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// A live target whose credentials are not in the environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct MissingCredentials {
    /// The target.
    pub target: String,
    /// The client id and secret variables that are unset (or empty).
    pub unset: Vec<String>,
    /// The token variable, when the target has one.
    pub token: Option<String>,
}

impl fmt::Display for MissingCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "target `{}` has no credentials: set ", self.target)?;
        match (self.unset.is_empty(), &self.token) {
            (false, Some(token)) => write!(f, "{}, or {token}", self.unset.join(" and ")),
            (false, None) => write!(f, "{}", self.unset.join(" and ")),
            (true, Some(token)) => write!(f, "{token}"),
            (true, None) => write!(f, "the variables it names in targets.yaml"),
        }
    }
}

impl Live {
    /// A client for the target's `/graphql` endpoint, authorised by one token source: the
    /// static token, or tokens fetched from the auth server with the API key.
    pub fn client(&self, http: &reqwest::Client) -> GraphqlClient {
        let endpoint = format!("{}/graphql", self.api_url);
        GraphqlClient::new(
            http.clone(),
            endpoint,
            Some(Arc::new(self.token_source(http))),
        )
    }

    /// The target's tokens: the static token, or tokens fetched with the API key.
    pub fn token_source(&self, http: &reqwest::Client) -> TokenSource {
        match &self.credentials {
            Credentials::Token(token) => TokenSource::fixed(token.clone()),
            Credentials::ClientCredentials(key) => {
                TokenSource::client_credentials(http.clone(), self.auth_url.clone(), key.clone())
            }
        }
    }
}

impl Live {
    /// Whether the API is on a loopback host (a local `ion-contract serve`).
    pub fn is_local(&self) -> bool {
        Realm::of_url(&self.api_url) == HostRealm::Loopback
    }

    /// The pace for `target` reached here: its `max_rps`, else [`DEFAULT_MAX_RPS`] on a
    /// remote host and none on a local one. Above [`MAX_RPS_CEILING`] on a remote host, an
    /// error unless `allow_high_rate`.
    pub fn max_rps(
        &self,
        target: &Target,
        allow_high_rate: bool,
    ) -> Result<Option<NonZeroU32>, String> {
        let local = self.is_local();
        match target.max_rps {
            Some(rate) if rate.get() > MAX_RPS_CEILING && !local && !allow_high_rate => {
                Err(format!(
                    "target {} has max_rps {rate}, above the {MAX_RPS_CEILING} requests per second \
                     ion-contract sends to ION without an explicit opt-in\nhelp: ION asks that \
                     load tests be coordinated with its support; once they are, pass \
                     --allow-high-rate (or set ION_ALLOW_HIGH_RATE=1), or lower max_rps in \
                     suites/targets.yaml",
                    target.name
                ))
            }
            Some(rate) => Ok(Some(rate)),
            None if local => Ok(None),
            None => Ok(NonZeroU32::new(DEFAULT_MAX_RPS)),
        }
    }
}

impl Target {
    /// Reads the target's URL overrides and credentials from `env` (the process environment
    /// in a run; a map in tests).
    pub fn live(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Live, Unavailable> {
        let url = |default: &str, variable: &Option<String>| match read_variable(env, variable) {
            None => Ok(default.trim_end_matches('/').to_owned()),
            Some((name, value)) => check_url(value.trim()).map_err(|reason| Unavailable::BadUrl {
                target: self.name.clone(),
                variable: name.to_owned(),
                reason,
            }),
        };
        let Variables {
            client_id,
            client_secret,
            token,
            api_url,
            auth_url,
            ..
        } = &self.variables;
        let api_url = url(&self.api_url, api_url)?;
        let auth_url = url(&self.auth_url, auth_url)?;
        let credentials = if let Some((_, token)) = read_variable(env, token) {
            Credentials::Token(Secret::new(token.trim()))
        } else {
            match (
                read_variable(env, client_id),
                read_variable(env, client_secret),
            ) {
                (Some((_, id)), Some((_, secret))) => {
                    Credentials::ClientCredentials(ClientCredentials {
                        client_id: id.trim().to_owned(),
                        client_secret: Secret::new(secret),
                    })
                }
                (id, secret) => {
                    let unset = [(client_id, id.is_none()), (client_secret, secret.is_none())]
                        .into_iter()
                        .filter_map(|(name, unset)| name.clone().filter(|_| unset))
                        .collect();
                    return Err(MissingCredentials {
                        target: self.name.clone(),
                        unset,
                        token: token.clone(),
                    }
                    .into());
                }
            }
        };
        Ok(Live {
            api_url,
            auth_url,
            credentials,
        })
    }
}

/// The value of the variable `name` (when the target names one), unless unset or blank.
fn read_variable<'n>(
    env: &dyn Fn(&str) -> Option<String>,
    name: &'n Option<String>,
) -> Option<(&'n str, String)> {
    let name = name.as_deref()?;
    env(name)
        .filter(|value| !value.trim().is_empty())
        .map(|value| (name, value))
}

/// Checks a base URL: `https://`, or `http://` on a loopback host only; no credentials, query
/// or fragment in it. Returns it without a trailing `/`.
pub(crate) fn check_url(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text).map_err(|e| format!("{e}"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => return Err("it has no host".into()),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(
                "plain http is accepted only for loopback hosts (127.0.0.1, localhost); use https"
                    .into(),
            );
        }
        other => return Err(format!("the scheme `{other}` is not http or https")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("it holds a user name or password; credentials belong in variables".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("it has a query or fragment; give the base URL only".into());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::targets::Targets;

    fn live(vars: &[(&str, &str)]) -> Result<Live, Unavailable> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let targets = Targets::default();
        targets
            .get("sandbox")
            .unwrap()
            .live(&|name| vars.get(name).cloned())
    }

    #[test]
    fn client_credentials_and_defaults() {
        let live = live(&[
            ("ION_SANDBOX_CLIENT_ID", "etl-bot"),
            ("ION_SANDBOX_CLIENT_SECRET", "s3cret-value"),
        ])
        .unwrap();
        assert_eq!(live.api_url, "https://staging-api.buildwithion.com");
        let Credentials::ClientCredentials(key) = &live.credentials else {
            panic!("expected client credentials, got {:?}", live.credentials);
        };
        assert_eq!(key.client_id, "etl-bot");
        assert_eq!(key.client_secret.expose(), "s3cret-value");
        assert!(!format!("{live:?}").contains("s3cret-value"));
    }

    #[test]
    fn a_token_wins_and_overrides_apply() {
        let live = live(&[
            ("ION_SANDBOX_TOKEN", "eyJ.token.x"),
            ("ION_SANDBOX_CLIENT_ID", "etl-bot"),
            ("ION_SANDBOX_API_URL", "http://127.0.0.1:4010/"),
            ("ION_SANDBOX_AUTH_URL", "https://auth.example.test/base"),
        ])
        .unwrap();
        assert!(
            matches!(live.credentials, Credentials::Token(ref t) if t.expose() == "eyJ.token.x")
        );
        assert_eq!(live.api_url, "http://127.0.0.1:4010");
        assert_eq!(live.auth_url, "https://auth.example.test/base");
    }

    #[test]
    fn missing_credentials_name_the_variables() {
        let error = live(&[]).unwrap_err().to_string();
        assert_eq!(
            error,
            "target `sandbox` has no credentials: set ION_SANDBOX_CLIENT_ID and \
             ION_SANDBOX_CLIENT_SECRET, or ION_SANDBOX_TOKEN"
        );
        let error = live(&[
            ("ION_SANDBOX_CLIENT_ID", "etl-bot"),
            ("ION_SANDBOX_TOKEN", " "),
        ])
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("set ION_SANDBOX_CLIENT_SECRET, or"),
            "{error}"
        );
    }

    #[test]
    fn bad_url_overrides_are_errors_naming_the_variable() {
        let error = live(&[
            ("ION_SANDBOX_TOKEN", "t"),
            ("ION_SANDBOX_API_URL", "http://staging-api.buildwithion.com"),
        ])
        .unwrap_err();
        assert!(
            matches!(&error, Unavailable::BadUrl { variable, .. } if variable == "ION_SANDBOX_API_URL")
        );
        assert!(error.to_string().contains("loopback"), "{error}");
        for bad in ["ftp://x", "not a url", "https://u:p@h", "https://h/?a=1"] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_url("http://localhost:4010").unwrap(),
            "http://localhost:4010"
        );
        assert_eq!(check_url("http://[::1]:1/").unwrap(), "http://[::1]:1");
    }

    #[test]
    fn the_pace_defaults_by_host_and_a_high_rate_needs_the_opt_in() {
        let remote = live(&[("ION_SANDBOX_TOKEN", "t")]).unwrap();
        let local = live(&[
            ("ION_SANDBOX_TOKEN", "t"),
            ("ION_SANDBOX_API_URL", "http://127.0.0.1:4010"),
        ])
        .unwrap();
        let mut target = Targets::default().get("sandbox").unwrap().clone();
        assert_eq!(remote.max_rps(&target, false).unwrap(), NonZeroU32::new(5));
        assert_eq!(local.max_rps(&target, false).unwrap(), None);
        target.max_rps = NonZeroU32::new(50);
        let refused = remote.max_rps(&target, false).unwrap_err();
        assert!(refused.contains("--allow-high-rate"), "{refused}");
        assert_eq!(remote.max_rps(&target, true).unwrap(), NonZeroU32::new(50));
        assert_eq!(local.max_rps(&target, false).unwrap(), NonZeroU32::new(50));
    }
}
