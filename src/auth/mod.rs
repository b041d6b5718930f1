//! Getting a token: OAuth client credentials against ION's Keycloak realm `api-keys`.
//!
//! `POST <auth url>/realms/api-keys/protocol/openid-connect/token` with
//! `grant_type=client_credentials`, `client_id` and `client_secret` as a form; when that path
//! answers 404 the legacy `<auth url>/auth/realms/...` path is tried once. The request follows
//! a redirect only within its origin and only a 307 or 308; any other redirect fails it,
//! naming the endpoint and the `Location`, and the secret is not sent there
//! ([`AuthError::Redirected`], rules in `crate::client`).
//!
//! [`TokenSource`] holds one target's token for the whole process: fetched on first use,
//! shared by every trial, renewed shortly before `expires_in` runs out or once when ION
//! answers 401 because it expired.
//!
//! Beside getting tokens, this module knows what they say: [`Claims`] reads a token's issuer
//! and key id without verifying it, [`jwks`] reads which key ids an auth server publishes,
//! [`Realm`] maps ION's hosts, issuers and variable names to the environment they belong
//! to, and [`classify`] names why ION refused a request.

mod claims;
pub mod forged;
pub mod jwks;
mod tokens;

use std::time::Duration;

use serde::Deserialize;

pub use crate::ion::paths::{
    DISCOVERY_PATH, JWKS_PATH, LEGACY_DISCOVERY_PATH, LEGACY_JWKS_PATH, LEGACY_PREFIX,
    LEGACY_TOKEN_PATH, TOKEN_PATH,
};
pub use crate::ion::realm::{HostRealm, Realm};
pub use crate::ion::refusal::{AuthClass, TokenKnowledge, classify};
pub use claims::Claims;
pub use tokens::TokenSource;

use crate::secret::Secret;
use crate::transport::{TransportError, transport_error};

/// An API key: a client id and its secret.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    /// The client id (not secret).
    pub client_id: String,
    /// The client secret.
    pub client_secret: Secret,
}

/// Why no token could be had.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The token endpoint could not be reached.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The token endpoint refused the credentials.
    #[error(
        "the token endpoint {url} refused client `{client_id}` with HTTP {status}: {error}; check the client id and secret"
    )]
    Refused {
        /// Token endpoint.
        url: String,
        /// The client id used.
        client_id: String,
        /// HTTP status.
        status: u16,
        /// Keycloak's `error` / `error_description`, or the body's first characters.
        error: String,
    },
    /// The endpoint answered with a redirect the token request does not follow (see
    /// [`crate::client`]): to another origin, to plain `http`, or one that would drop the form.
    #[error(
        "the token endpoint {url} answered HTTP {status} redirecting {at}to {location}: {why}; \
         the client secret was not sent there\nhelp: set the target's auth URL (its \
         ION_*_AUTH_URL variable, or `auth_url` in suites/targets.yaml) to the server that \
         issues the tokens, with https; ion-contract sends a client secret only to the origin \
         it is configured with",
        at = redirected_at.as_ref().map_or_else(String::new, |at| format!("at {at} "))
    )]
    Redirected {
        /// Token endpoint.
        url: String,
        /// The URL that answered with the redirect, when a same-origin redirect came first.
        redirected_at: Option<String>,
        /// HTTP status.
        status: u16,
        /// Where it pointed (`Location`, resolved against the URL that answered).
        location: String,
        /// Why it was not followed.
        why: &'static str,
    },
    /// The endpoint answered 200 without a usable `access_token`.
    #[error("the token endpoint {url} answered without an access_token")]
    Malformed {
        /// Token endpoint.
        url: String,
    },
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    expires_in: Option<u64>,
}

/// A token from the token endpoint.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The access token.
    pub access_token: Secret,
    /// How long it is valid from issue (`expires_in`), when the endpoint said.
    pub expires_in: Option<Duration>,
}

#[derive(Deserialize)]
struct KeycloakError {
    error: Option<String>,
    error_description: Option<String>,
}

/// Exchanges client credentials for an access token.
pub async fn client_credentials_token(
    http: &reqwest::Client,
    auth_url: &str,
    credentials: &ClientCredentials,
) -> Result<IssuedToken, AuthError> {
    let base = auth_url.trim_end_matches('/');
    let url = format!("{base}{TOKEN_PATH}");
    let mut response = post_form(http, &url, credentials).await?;
    let mut used = url;
    if response.status == 404 {
        used = format!("{base}{LEGACY_TOKEN_PATH}");
        response = post_form(http, &used, credentials).await?;
    }
    let Answer {
        status,
        body,
        location,
        answered_at,
    } = response;
    if let Some(location) = location {
        crate::scrub::register_secret(&credentials.client_secret);
        let location = crate::scrub::text(&location);
        return Err(redirected(used, answered_at, status, location));
    }
    if status != 200 {
        let error = match serde_json::from_slice::<KeycloakError>(&body) {
            Ok(KeycloakError {
                error: Some(e),
                error_description,
            }) => match error_description {
                Some(d) => format!("{e} ({d})"),
                None => e,
            },
            // Scrubbed before the cut: a cut secret no longer looks like itself.
            _ => crate::scrub::text(&String::from_utf8_lossy(&body))
                .chars()
                .take(120)
                .collect(),
        };
        return Err(AuthError::Refused {
            url: used,
            client_id: credentials.client_id.clone(),
            status,
            error: crate::scrub::text(&error),
        });
    }
    match serde_json::from_slice::<TokenResponse>(&body) {
        Ok(TokenResponse {
            access_token: Some(token),
            expires_in,
        }) if !token.is_empty() => Ok(IssuedToken {
            access_token: Secret::new(token),
            expires_in: expires_in.map(Duration::from_secs),
        }),
        _ => Err(AuthError::Malformed { url: used }),
    }
}

/// A token endpoint's answer.
struct Answer {
    status: u16,
    body: Vec<u8>,
    /// On a redirect (3xx, not followed), its `Location` resolved against `answered_at`.
    location: Option<String>,
    /// The URL that answered (the one posted to, or where a followed redirect led).
    answered_at: String,
}

async fn post_form(
    http: &reqwest::Client,
    url: &str,
    credentials: &ClientCredentials,
) -> Result<Answer, TransportError> {
    let response = http
        .post(url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", credentials.client_id.as_str()),
            ("client_secret", credentials.client_secret.expose()),
        ])
        .send()
        .await
        .map_err(|e| transport_error(url, e))?;
    let status = response.status();
    let answered_at = response.url().clone();
    let location = status.is_redirection().then(|| {
        let header = response.headers().get(reqwest::header::LOCATION);
        let raw = header.map_or_else(String::new, |v| {
            String::from_utf8_lossy(v.as_bytes()).into_owned()
        });
        match answered_at.join(&raw) {
            Ok(resolved) if !raw.is_empty() => resolved.to_string(),
            _ => format!("{raw:?} (no usable Location)"),
        }
    });
    let body = response
        .bytes()
        .await
        .map_err(|e| transport_error(url, e))?;
    Ok(Answer {
        status: status.as_u16(),
        body: body.to_vec(),
        location,
        answered_at: answered_at.to_string(),
    })
}

/// The error for a token request answered with a redirect it did not follow.
fn redirected(url: String, answered_at: String, status: u16, location: String) -> AuthError {
    let (origin, target) = (
        reqwest::Url::parse(&answered_at),
        reqwest::Url::parse(&location),
    );
    let why = match (&origin, &target) {
        (Ok(from), Ok(to)) if from.scheme() == "https" && to.scheme() == "http" => {
            "a downgrade from https to plain http"
        }
        (Ok(from), Ok(to)) if from.origin() != to.origin() => "another origin",
        (Ok(_), Ok(_)) => {
            "a redirect that would resend the token request as a GET without its form"
        }
        _ => "not a URL to follow",
    };
    AuthError::Redirected {
        redirected_at: (answered_at != url).then_some(answered_at),
        url,
        status,
        location,
        why,
    }
}
