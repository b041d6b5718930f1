//! The preflight of a live target: is every URL and credential from the target's own ION
//! environment, and which tenant do they reach?
//!
//! It runs once per process before any trial of a live target (and alone as
//! `ion-contract preflight`), in three stages, each stopping the run when it fails:
//!
//! 1. **Before sending anything**, each piece is placed in an ION environment: the API URL
//!    and the auth server (by ION's host table), the names of the credential variables
//!    (`ION_PROD_*` means production) and, for a static token, its issuer. A piece that points
//!    at another environment than the target's is an *environment mismatch*; so is one value
//!    held by the credential variables of two environments (`ION_SANDBOX_CLIENT_SECRET` and
//!    `ION_PROD_CLIENT_SECRET`). Loopback and non-ION hosts say nothing and pass.
//! 2. **The token**: fetched (client credentials) or taken as given, its issuer read without
//!    verification and placed the same way; then, when the target's auth server publishes
//!    its keys (a JWKS), the token's `kid` must be among them (`signing_key.rs`): else it
//!    comes from another environment and ION's API would refuse it. No JWKS: no check.
//! 3. **`me`**: `me { id email organization { id name domain } }` with that token. A refusal
//!    is classified ([`crate::auth::classify`]); an answer names the tenant the run is in.
//!
//! A mismatch is reported as one diagnosis naming each piece and where it points, with the
//! fix. No value of a credential is ever part of it: only variable names, URLs and issuers.

mod mismatch;
mod signing_key;

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::auth::{AuthClass, AuthError, Claims, HostRealm, Realm, TokenKnowledge, classify};
use crate::client::{ClientError, GraphqlClient, GraphqlRequest};
use crate::targets::{Credentials, Live, Target, Targets};
use mismatch::write_pieces;

/// The query the preflight sends.
pub const ME_QUERY: &str =
    "query IonContractPreflight { me { id email organization { id name domain } } }";

/// One URL or credential, and the environment it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// What it is: `api_url`, `auth_url`, `token issuer`, `variable`.
    pub what: &'static str,
    /// The URL, issuer or variable name (never a credential's value).
    pub shown: String,
    /// Where it was read from: a variable, `targets.yaml`, the auth server; `None` for a
    /// variable's own name.
    pub from: Option<String>,
    /// For a URL, the one the target is configured with (what an override replaced).
    pub configured: Option<String>,
    /// The environment it points at.
    pub realm: HostRealm,
}

/// The tenant the target's credentials reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// The organisation's name.
    pub organization: String,
    /// Its domain.
    pub domain: String,
    /// Its id.
    pub organization_id: String,
    /// The user the key acts as (email, or id when there is none).
    pub user: String,
}

impl std::fmt::Display for Tenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.domain.is_empty() && self.organization_id.is_empty() {
            write!(f, "{}, as {}", self.organization, self.user)
        } else {
            write!(
                f,
                "{} ({}, organization {}), as {}",
                self.organization, self.domain, self.organization_id, self.user
            )
        }
    }
}

/// A preflight that passed.
#[derive(Debug, Clone)]
pub struct Passed {
    /// The target's name.
    pub target: String,
    /// Its environment.
    pub realm: Realm,
    /// Every piece checked.
    pub pieces: Vec<Piece>,
    /// Where the credentials lead.
    pub tenant: Tenant,
}

/// Why a preflight stopped the run.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PreflightError {
    /// A URL or credential belongs to another environment.
    #[error("{0}")]
    Mismatch(Mismatch),
    /// No token could be had.
    #[error("preflight of target {target}: {error}")]
    Token {
        /// The target.
        target: String,
        /// Why.
        error: std::sync::Arc<AuthError>,
    },
    /// `me` did not answer.
    #[error("preflight of target {target}: `me` could not be asked: {error}")]
    Transport {
        /// The target.
        target: String,
        /// Why.
        error: String,
    },
    /// ION refused the token.
    #[error(
        "preflight of target {target}: ION refused the credentials ({class}, HTTP {status}): {}\nhelp: {}",
        class.meaning(),
        class.fix(target, variables)
    )]
    Refused {
        /// The target.
        target: String,
        /// The credential variables, for the fix.
        variables: String,
        /// The class.
        class: AuthClass,
        /// HTTP status.
        status: u16,
    },
    /// A static token whose `exp` has passed: nothing was sent.
    #[error(
        "preflight of target {target}: the token in {variable} has expired; no request was sent\nhelp: paste a fresh token, or unset {variable} and set the client id and secret so the harness fetches and renews tokens itself"
    )]
    ExpiredToken {
        /// The target.
        target: String,
        /// The token's variable.
        variable: String,
    },
    /// The token's `kid` is not among the keys the target's auth server publishes (its
    /// JWKS): ION's API would answer 401 `Unable to find appropriate RSA key`.
    #[error(
        "preflight of target {target}: the token's signing key (kid {kid}) is not among the \
         keys the target's auth server publishes at {jwks_url} ({published}): the token was \
         issued by another ION environment, and ION's API would refuse it with 401 `Unable to \
         find appropriate RSA key`; no GraphQL request was sent\nhelp: {help}"
    )]
    UnknownSigningKey {
        /// The target.
        target: String,
        /// The token's key id (shortened, printable).
        kid: String,
        /// The JWKS that was read.
        jwks_url: String,
        /// The key ids it lists (the first few, printable).
        published: String,
        /// The fix, for the kind of credentials used.
        help: String,
    },
    /// `me` answered, but not with a user.
    #[error(
        "preflight of target {target}: `me` gave no user: {detail}\nhelp: ION answers `me` for the user who created the API key; check the key in ION's settings"
    )]
    NoUser {
        /// The target.
        target: String,
        /// The errors, or what came back.
        detail: String,
    },
}

/// An environment mismatch: every piece, and the ones that disagree with the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The target's name.
    pub target: String,
    /// The target's environment.
    pub realm: Realm,
    /// Every piece placed so far.
    pub pieces: Vec<Piece>,
    /// The credential variables the target reads, for the fix.
    pub variables: String,
    /// Two variables of different environments holding one value, when that is the problem.
    pub shared_value: Option<(String, String)>,
}

impl Passed {
    /// One line naming the tenant, for stderr before a run.
    pub fn summary(&self) -> String {
        format!(
            "target {} ({}): tenant {}",
            self.target, self.realm, self.tenant
        )
    }

    /// The full report of `ion-contract preflight`.
    pub fn report(&self) -> String {
        let mut text = format!("preflight of target {}: passed\n", self.target);
        write_pieces(&mut text, self.realm, &self.pieces);
        let _ = writeln!(text, "  tenant      {}", self.tenant);
        text
    }
}

/// Runs the preflight of `target`, reached as `live`, with `client` (whose token source is
/// the run's own, so the token fetched here is the one the trials use).
pub async fn run(
    target: &Target,
    targets: &Targets,
    live: &Live,
    env: &dyn Fn(&str) -> Option<String>,
    client: &GraphqlClient,
) -> Result<Passed, PreflightError> {
    let realm = target.realm();
    let mut mismatch = Mismatch {
        target: target.name.clone(),
        realm,
        pieces: static_pieces(target, live, env),
        variables: target.credential_variables(),
        shared_value: shared_value(target, targets, env),
    };
    if mismatch.disagrees() {
        return Err(PreflightError::Mismatch(mismatch));
    }
    if let Some(tokens) = client.tokens() {
        let token = tokens
            .token()
            .await
            .map_err(|error| PreflightError::Token {
                target: target.name.clone(),
                error,
            })?;
        let from = match &live.credentials {
            Credentials::Token(_) => target.variables.token.clone().unwrap_or_default(),
            Credentials::ClientCredentials(_) => format!("fetched from {}", live.auth_url),
        };
        let from = Some(from);
        let claims = Claims::decode(token.expose());
        let piece = match &claims {
            Some(Claims {
                issuer: Some(issuer),
                ..
            }) => Piece {
                what: "token",
                shown: format!("iss {issuer}"),
                from,
                configured: None,
                realm: Realm::of_url(issuer),
            },
            _ => Piece {
                what: "token",
                shown: "not a JWT (issuer unknown)".into(),
                from,
                configured: None,
                realm: HostRealm::Unknown,
            },
        };
        mismatch.pieces.push(piece);
        if mismatch.disagrees() {
            return Err(PreflightError::Mismatch(mismatch));
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if matches!(live.credentials, Credentials::Token(_))
            && claims.as_ref().is_some_and(|c| c.expired_at(now))
        {
            return Err(PreflightError::ExpiredToken {
                target: target.name.clone(),
                variable: target.variables.token.clone().unwrap_or_default(),
            });
        }
        signing_key::check(target, live, client.http(), claims.as_ref()).await?;
    }
    let tenant = ask_me(target, client, &mismatch.variables).await?;
    Ok(Passed {
        target: target.name.clone(),
        realm,
        pieces: mismatch.pieces,
        tenant,
    })
}

/// Asks `me` and reads the tenant from the answer. When the tenant query itself no longer
/// validates (the schema changed), `me { id }` tells whether the credentials work, and the
/// tenant is reported as unknown rather than the credentials as wrong.
async fn ask_me(
    target: &Target,
    client: &GraphqlClient,
    variables: &str,
) -> Result<Tenant, PreflightError> {
    let body = ask(target, client, variables, ME_QUERY).await?;
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let errors = || match body.get("errors").and_then(Value::as_array) {
        Some(errors) => errors
            .iter()
            .map(|e| text(&e["message"]))
            .collect::<Vec<_>>()
            .join("; "),
        None => "no data.me in the answer".to_owned(),
    };
    if let Some(me) = body.pointer("/data/me").filter(|me| me.is_object()) {
        let org = &me["organization"];
        let email = text(&me["email"]);
        return Ok(Tenant {
            organization: text(&org["name"]),
            domain: text(&org["domain"]),
            organization_id: text(&org["id"]),
            user: if email.is_empty() {
                format!("user {}", text(&me["id"]))
            } else {
                email
            },
        });
    }
    let detail = errors();
    let plain = ask(target, client, variables, ME_ID_QUERY).await?;
    match plain.pointer("/data/me/id").filter(|id| !id.is_null()) {
        Some(id) => Ok(Tenant {
            organization: format!(
                "unknown (the tenant query failed: {detail}; `ion-contract schema diff` shows what changed)"
            ),
            domain: String::new(),
            organization_id: String::new(),
            user: format!("user {}", text(id)),
        }),
        None => Err(PreflightError::NoUser {
            target: target.name.clone(),
            detail,
        }),
    }
}

/// `me { id }`: whether the credentials work whatever else the schema says.
const ME_ID_QUERY: &str = "query IonContractPreflightId { me { id } }";

/// Sends one preflight query; its body, or the refusal classified.
async fn ask(
    target: &Target,
    client: &GraphqlClient,
    variables: &str,
    query: &str,
) -> Result<Value, PreflightError> {
    let empty = Map::new();
    let request = GraphqlRequest {
        query,
        operation_name: None,
        variables: &empty,
        idempotent: true,
        retry: true,
    };
    let response =
        client
            .send(request)
            .await
            .map_err(|error: ClientError| PreflightError::Transport {
                target: target.name.clone(),
                error: error.to_string(),
            })?;
    let body = response.json().unwrap_or(Value::Null);
    let knowledge = TokenKnowledge::default();
    if let Some(class) = classify(response.status, &body, &response.text(), knowledge) {
        return Err(PreflightError::Refused {
            target: target.name.clone(),
            variables: variables.to_owned(),
            class,
            status: response.status,
        });
    }
    Ok(body)
}

/// The URLs and variable names, placed before anything is sent.
fn static_pieces(target: &Target, live: &Live, env: &dyn Fn(&str) -> Option<String>) -> Vec<Piece> {
    let origin = |variable: &Option<String>| match variable {
        Some(name) if env(name).is_some_and(|v| !v.trim().is_empty()) => name.clone(),
        _ => "targets.yaml".to_owned(),
    };
    let url = |what, shown: &str, configured: &str, variable| Piece {
        what,
        shown: shown.to_owned(),
        from: Some(origin(variable)),
        configured: (shown != configured).then(|| configured.to_owned()),
        realm: Realm::of_url(shown),
    };
    let v = &target.variables;
    let mut pieces = vec![url("api_url", &live.api_url, &target.api_url, &v.api_url)];
    let used: Vec<&Option<String>> = match live.credentials {
        Credentials::Token(_) => vec![&v.token],
        Credentials::ClientCredentials(_) => {
            pieces.push(url(
                "auth_url",
                &live.auth_url,
                &target.auth_url,
                &v.auth_url,
            ));
            vec![&v.client_id, &v.client_secret]
        }
    };
    for name in used.into_iter().flatten() {
        pieces.push(Piece {
            what: "variable",
            shown: name.clone(),
            from: None,
            configured: None,
            realm: Realm::of_variable(name).map_or(HostRealm::Unknown, HostRealm::Known),
        });
    }
    pieces
}

/// Two credential variables, of this target and of a target of another environment, that
/// hold one value.
fn shared_value(
    target: &Target,
    targets: &Targets,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<(String, String)> {
    let slots = |t: &Target| {
        let v = &t.variables;
        [
            v.client_id.clone(),
            v.client_secret.clone(),
            v.token.clone(),
        ]
    };
    let value = |name: &Option<String>| {
        name.as_deref()
            .and_then(env)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let ours = slots(target);
    for other in targets.iter() {
        if other.is_double() || other.realm() == target.realm() {
            continue;
        }
        for (mine, theirs) in ours.iter().zip(slots(other)) {
            if let (Some(a), Some(b)) = (value(mine), value(&theirs))
                && a == b
                && mine != &theirs
            {
                return Some((mine.clone()?, theirs?));
            }
        }
    }
    None
}
