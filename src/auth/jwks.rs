//! The keys an auth server publishes: its realm's JWKS, whose key ids (`kid`) say which
//! tokens the environment's API accepts. ION's API refuses a token whose `kid` is not among
//! them with `401 Unable to find appropriate RSA key`, so the preflight reads them to name
//! that mismatch before sending anything to the API.
//!
//! `GET <auth url>/realms/api-keys/protocol/openid-connect/certs`, and when that answers 404
//! the legacy `<auth url>/auth/realms/...` once, as for the token. Anything but a JWKS with at
//! least one `kid` (no answer within [`JWKS_TIME_LIMIT`], another status, a body over
//! [`MAX_JWKS_BYTES`], not JSON) means the keys cannot be known: the caller then checks
//! nothing. ION's API hosts publish no well-known documents at all, so this is normal.

use std::time::Duration;

use serde_json::Value;

use super::{JWKS_PATH, LEGACY_JWKS_PATH};

/// How long fetching the JWKS may take, per path tried.
pub const JWKS_TIME_LIMIT: Duration = Duration::from_secs(10);

/// The largest JWKS body read; a larger one is not a Keycloak realm's.
pub const MAX_JWKS_BYTES: usize = 1024 * 1024;

/// The key ids an auth server publishes, and where they were read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedKeys {
    /// The JWKS URL that answered.
    pub url: String,
    /// The `kid` of every key in it.
    pub key_ids: Vec<String>,
}

impl PublishedKeys {
    /// Whether `kid` is one of them.
    pub fn lists(&self, kid: &str) -> bool {
        self.key_ids.iter().any(|k| k == kid)
    }
}

/// The keys the auth server at `auth_url` publishes, or `None` when they cannot be had.
pub async fn published_keys(http: &reqwest::Client, auth_url: &str) -> Option<PublishedKeys> {
    let base = auth_url.trim_end_matches('/');
    let url = format!("{base}{JWKS_PATH}");
    let (status, body) = get(http, &url).await?;
    let (url, body) = match status {
        200 => (url, body),
        404 => {
            let legacy = format!("{base}{LEGACY_JWKS_PATH}");
            match get(http, &legacy).await? {
                (200, body) => (legacy, body),
                _ => return None,
            }
        }
        _ => return None,
    };
    let jwks: Value = serde_json::from_slice(&body).ok()?;
    let key_ids: Vec<String> = jwks
        .get("keys")?
        .as_array()?
        .iter()
        .filter_map(|key| key.get("kid")?.as_str().map(str::to_owned))
        .collect();
    (!key_ids.is_empty()).then_some(PublishedKeys { url, key_ids })
}

/// `GET url`: its status and body (at most [`MAX_JWKS_BYTES`]), or `None` when no whole
/// answer came in time.
async fn get(http: &reqwest::Client, url: &str) -> Option<(u16, Vec<u8>)> {
    let reading = async {
        let mut response = http.get(url).send().await.ok()?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.ok()? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return None;
            }
            body.extend_from_slice(&chunk);
        }
        Some((status, body))
    };
    tokio::time::timeout(JWKS_TIME_LIMIT, reading)
        .await
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    async fn serving(at: &str, answer: ResponseTemplate) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(at))
            .respond_with(answer)
            .mount(&server)
            .await;
        server
    }

    fn jwks() -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "keys": [{"kid": "a", "kty": "RSA"}, {"kty": "RSA"}, {"kid": "b", "kty": "RSA"}]
        }))
    }

    #[tokio::test]
    async fn the_current_path_then_the_legacy_one_on_404() {
        let http = reqwest::Client::new();
        for at in [JWKS_PATH, LEGACY_JWKS_PATH] {
            let server = serving(at, jwks()).await;
            let keys = published_keys(&http, &format!("{}/", server.uri()))
                .await
                .expect("a JWKS");
            assert_eq!(keys.url, format!("{}{at}", server.uri()));
            assert_eq!(keys.key_ids, ["a", "b"]);
            assert!(keys.lists("b") && !keys.lists("c"));
        }
    }

    #[tokio::test]
    async fn anything_but_a_jwks_with_key_ids_is_none() {
        let http = reqwest::Client::new();
        let answers = [
            ResponseTemplate::new(500).set_body_json(serde_json::json!({"keys": [{"kid": "a"}]})),
            ResponseTemplate::new(200).set_body_string("<html>sign in</html>"),
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"keys": []})),
            ResponseTemplate::new(200).set_body_string("x".repeat(MAX_JWKS_BYTES + 1)),
        ];
        for answer in answers {
            let server = serving(JWKS_PATH, answer).await;
            assert_eq!(published_keys(&http, &server.uri()).await, None);
        }
        // Neither path served (ION's API host): none, quietly.
        let server = MockServer::start().await;
        assert_eq!(published_keys(&http, &server.uri()).await, None);
    }
}
