//! Credential profiles: whose credentials a step's request carries when it says `as:`.
//!
//! | `as:` | on the double | on a live target |
//! | --- | --- | --- |
//! | the run's own target | the trial's own token | the run's own token |
//! | another target `T` | a token from a second double imitating `T`'s environment (the trial's own token when that is the same environment) | a token for `T`'s credentials, from `T`'s auth server |
//! | `anonymous` | no `Authorization` header | the same |
//! | `malformed` | a token ION cannot parse | the same |
//! | `expired` | a token the trial's double issued, already expired | the token in the target's `expired_token` variable (`ION_SANDBOX_EXPIRED_TOKEN`) |
//! | `unknown-issuer` | a signed JWT from an issuer that is no ION environment | the same |
//! | `reader` | a token of the trial's double's reader key (may only read) | a token for the key in the target's `reader_client_id` / `reader_client_secret` variables (`ION_SANDBOX_READER_CLIENT_ID`, ...) |
//! | `editor` | a token of the trial's double's editor key (may not delete) | the same with `editor_client_id` / `editor_client_secret` |
//!
//! The request still goes to the run's target: only the credentials change. Profiles are
//! resolved once per process; a live profile whose credentials are not set makes the cases
//! that use it ignored, with one line naming the variables. What is known of a profile's
//! token (its environment differs from the target's) is passed on to the 401 classifier.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::auth::{ClientCredentials, TokenKnowledge, TokenSource, forged};
use crate::client::DoubleClients;
use crate::client::GraphqlClient;
use crate::double::{DoubleData, EnvironmentSpec, IonDouble, Role};
use crate::secret::Secret;
use crate::suite::{Case, Profile};
use crate::targets::{Target, Targets, Unavailable};

/// A step's credentials: the client to send with and what is known of its token.
#[derive(Debug, Clone)]
pub struct AsProfile {
    /// Sends to the run's target, with the profile's credentials.
    pub client: GraphqlClient,
    /// What the 401 classifier may assume.
    pub knowledge: TokenKnowledge,
}

/// Every profile the run's cases use, resolved for the run's target.
#[derive(Debug, Default)]
pub struct Profiles {
    resolved: BTreeMap<String, Resolved>,
}

#[derive(Debug)]
enum Resolved {
    /// The run's own credentials.
    Own,
    /// No credentials.
    Anonymous,
    /// Tokens from a source of their own: forged, read from a variable, or another live
    /// target's credentials.
    Tokens(Arc<TokenSource>, TokenKnowledge),
    /// On the double: the trial's double's expired token.
    DoubleExpired,
    /// On the double: tokens of the trial's double's API key of this role.
    DoubleKey(Role),
    /// On the double: a token from a second double imitating this environment.
    DoubleOf(EnvironmentSpec),
    /// Cannot be used in this run; the cases are ignored, for this reason.
    Unavailable(String),
}

impl Profiles {
    /// Resolves every profile `cases` use for `target`, reading credentials through `env`.
    pub fn resolve<'c>(
        target: &Target,
        targets: &Targets,
        cases: impl Iterator<Item = &'c Case>,
        env: &dyn Fn(&str) -> Option<String>,
        http: &reqwest::Client,
    ) -> Profiles {
        let mut resolved = BTreeMap::new();
        let used = cases.flat_map(|case| case.steps.iter().filter_map(|s| s.profile.as_ref()));
        for profile in used {
            resolved
                .entry(profile.name().to_owned())
                .or_insert_with(|| resolve_one(profile, target, targets, env, http));
        }
        Profiles { resolved }
    }

    /// Why `case` cannot run in this process (a profile it uses has no credentials).
    pub fn unavailable(&self, case: &Case) -> Option<String> {
        case.steps
            .iter()
            .filter_map(|s| s.profile.as_ref())
            .find_map(|p| match self.resolved.get(p.name()) {
                Some(Resolved::Unavailable(why)) => Some(why.clone()),
                _ => None,
            })
    }

    /// Each profile that cannot be used, with why; for one line each on stderr.
    pub fn unavailable_profiles(&self) -> impl Iterator<Item = (&str, &str)> {
        self.resolved.iter().filter_map(|(name, r)| match r {
            Resolved::Unavailable(why) => Some((name.as_str(), why.as_str())),
            _ => None,
        })
    }

    /// The clients for the profiles `case` uses, sending where `own` sends. On the double,
    /// `double` is the trial's double; the second doubles started for other environments
    /// are returned too and must live as long as the case.
    pub async fn clients(
        &self,
        case: &Case,
        own: &GraphqlClient,
        double: Option<(&IonDouble, &Arc<DoubleData>)>,
        http: &reqwest::Client,
    ) -> Result<(BTreeMap<String, AsProfile>, Vec<IonDouble>), String> {
        let mut clients = BTreeMap::new();
        let mut started = Vec::new();
        for profile in case.steps.iter().filter_map(|s| s.profile.as_ref()) {
            let name = profile.name();
            if clients.contains_key(name) {
                continue;
            }
            let with = |tokens: Option<Arc<TokenSource>>, knowledge| AsProfile {
                client: own.with_tokens(tokens),
                knowledge,
            };
            let chosen = match (self.resolved.get(name), double) {
                (None | Some(Resolved::Own), _) => with(own.tokens().cloned(), Default::default()),
                (Some(Resolved::Anonymous), _) => with(None, Default::default()),
                (Some(Resolved::Tokens(tokens, k)), _) => with(Some(Arc::clone(tokens)), *k),
                (Some(Resolved::DoubleExpired), Some((trial_double, _))) => with(
                    Some(Arc::new(
                        TokenSource::fixed(trial_double.expired_token()).of_the_double(),
                    )),
                    Default::default(),
                ),
                (Some(Resolved::DoubleKey(role)), Some((trial_double, _))) => with(
                    trial_double.key_client(*role, http).tokens().cloned(),
                    Default::default(),
                ),
                (Some(Resolved::DoubleOf(spec)), Some((_, data))) => {
                    let other = IonDouble::start_for_trial(Arc::clone(data), spec.clone());
                    let tokens = other.demo_client(http).tokens().cloned();
                    started.push(other);
                    with(tokens, foreign())
                }
                (Some(Resolved::Unavailable(why)), _) => return Err(why.clone()),
                (
                    Some(Resolved::DoubleExpired | Resolved::DoubleKey(_) | Resolved::DoubleOf(_)),
                    None,
                ) => {
                    return Err(format!("`as: {name}` needs the embedded double"));
                }
            };
            clients.insert(name.to_owned(), chosen);
        }
        Ok((clients, started))
    }
}

fn foreign() -> TokenKnowledge {
    TokenKnowledge {
        foreign_issuer: true,
    }
}

fn resolve_one(
    profile: &Profile,
    target: &Target,
    targets: &Targets,
    env: &dyn Fn(&str) -> Option<String>,
    http: &reqwest::Client,
) -> Resolved {
    let fixed = |token, knowledge| Resolved::Tokens(Arc::new(TokenSource::fixed(token)), knowledge);
    match profile {
        Profile::Anonymous => Resolved::Anonymous,
        Profile::Malformed => fixed(forged::malformed_token(), TokenKnowledge::default()),
        Profile::UnknownIssuer => fixed(forged::unknown_issuer_token(), foreign()),
        Profile::Expired if target.is_double() => Resolved::DoubleExpired,
        Profile::Expired => {
            let variable = target.variables.expired_token.as_deref();
            match variable.and_then(env).filter(|v| !v.trim().is_empty()) {
                Some(token) => fixed(
                    crate::secret::Secret::new(token.trim()),
                    TokenKnowledge::default(),
                ),
                None => Resolved::Unavailable(format!(
                    "`as: expired` on target `{}` needs {}: a token its environment issued \
                     that has since expired (any token older than its lifetime, 5 minutes by \
                     default)",
                    target.name,
                    variable.unwrap_or("an `expired_token` variable in targets.yaml")
                )),
            }
        }
        Profile::Reader | Profile::Editor => key_of_role(profile, target, env, http),
        Profile::Target(name) if *name == target.name => Resolved::Own,
        Profile::Target(name) => {
            let Ok(other) = targets.get(name) else {
                return Resolved::Unavailable(format!("`as: {name}`: no such target"));
            };
            let knowledge = if other.realm() == target.realm() {
                TokenKnowledge::default()
            } else {
                foreign()
            };
            if target.is_double() {
                if other.realm() == target.realm() {
                    Resolved::Own
                } else {
                    Resolved::DoubleOf(EnvironmentSpec::demo_in(other.realm()))
                }
            } else if other.is_double() {
                Resolved::Unavailable(format!(
                    "`as: {name}` names the embedded double, which a live target cannot use"
                ))
            } else {
                match other.live(env) {
                    Ok(live) => Resolved::Tokens(Arc::new(live.token_source(http)), knowledge),
                    Err(Unavailable::Missing(missing)) => {
                        Resolved::Unavailable(missing.to_string())
                    }
                    Err(bad) => Resolved::Unavailable(bad.to_string()),
                }
            }
        }
    }
}

/// `as: reader` / `as: editor`: the double's key of that role, or on a live target the key
/// its variables name, from the target's own auth server.
fn key_of_role(
    profile: &Profile,
    target: &Target,
    env: &dyn Fn(&str) -> Option<String>,
    http: &reqwest::Client,
) -> Resolved {
    let (role, id_variable, secret_variable) = match profile {
        Profile::Editor => (
            Role::Editor,
            &target.variables.editor_client_id,
            &target.variables.editor_client_secret,
        ),
        _ => (
            Role::Reader,
            &target.variables.reader_client_id,
            &target.variables.reader_client_secret,
        ),
    };
    if target.is_double() {
        return Resolved::DoubleKey(role);
    }
    let value = |variable: &Option<String>| {
        variable
            .as_deref()
            .and_then(env)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let (Some(client_id), Some(secret)) = (value(id_variable), value(secret_variable)) else {
        let names = |v: &Option<String>, key: &str| {
            v.clone()
                .unwrap_or_else(|| format!("a `{role}_{key}` variable in targets.yaml"))
        };
        return Resolved::Unavailable(format!(
            "`as: {role}` on target `{}` needs {} and {}: an API key of the target's \
             environment generated by a user with only {role} permissions",
            target.name,
            names(id_variable, "client_id"),
            names(secret_variable, "client_secret"),
        ));
    };
    match target.live(env) {
        Ok(live) => {
            let credentials = ClientCredentials {
                client_id,
                client_secret: Secret::new(secret),
            };
            let tokens = TokenSource::client_credentials(http.clone(), live.auth_url, credentials);
            Resolved::Tokens(Arc::new(tokens), TokenKnowledge::default())
        }
        Err(Unavailable::Missing(missing)) => Resolved::Unavailable(missing.to_string()),
        Err(bad) => Resolved::Unavailable(bad.to_string()),
    }
}
