//! One target's access token, shared by every trial of the process.
//!
//! - **Fetched once, on first use.** Concurrent trials wait for the same fetch (the state is
//!   behind an async mutex held across it), so a run makes one token request however many
//!   trials it has. A failed fetch is remembered too: a wrong secret is reported by every
//!   trial without asking the auth server again (and again, which could lock the key out).
//! - **Renewed before it expires.** A token is used until `expires_in` minus a margin (30 s,
//!   or half the lifetime when that is shorter); a token endpoint that gives no `expires_in`
//!   is taken at Keycloak's default, 300 s.
//! - **Renewed once when refused as expired.** When ION answers 401 saying the token expired
//!   (clock skew, a revoked session), the client asks [`TokenSource::renew`] for a new one
//!   and retries that request once: never in a loop. A trial whose token was already replaced
//!   by another trial's renewal gets the new token without a second fetch.
//! - A static token (`ION_SANDBOX_TOKEN`) is used as is and never renewed.
//! - Every token, fetched (JWT or opaque) or static, and the client secret it is fetched
//!   with, are registered with [`crate::scrub`] before they are used, so no output of the
//!   process shows them; except the embedded double's
//!   ([`TokenSource::of_the_double`]): public, one per trial, and JWTs, scrubbed by shape.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use super::{AuthError, ClientCredentials, client_credentials_token};
use crate::secret::Secret;

/// Keycloak's default access-token lifespan, assumed when the endpoint gives no `expires_in`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);
/// Renew this long before the token expires (or at half its lifetime, if sooner).
const RENEW_MARGIN: Duration = Duration::from_secs(30);

type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// Where a target's tokens come from, and the one currently in use.
pub struct TokenSource {
    origin: Origin,
    state: Mutex<State>,
    clock: Clock,
    /// Whether its tokens are registered with [`crate::scrub`] (all but the double's).
    secret: bool,
}

enum Origin {
    Fixed(Secret),
    Fetch {
        http: reqwest::Client,
        auth_url: String,
        credentials: ClientCredentials,
    },
}

enum State {
    Empty,
    /// `renew_at`: `None` for a fixed token, which is renewed only when refused.
    Ready {
        token: Secret,
        renew_at: Option<Instant>,
    },
    Failed(Arc<AuthError>),
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let origin = match &self.origin {
            Origin::Fixed(_) => "a fixed token".to_owned(),
            Origin::Fetch { auth_url, .. } => format!("client credentials at {auth_url}"),
        };
        f.debug_struct("TokenSource")
            .field("origin", &origin)
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    /// A token given ready-made, used until it is refused.
    pub fn fixed(token: Secret) -> Self {
        Self::with_origin(Origin::Fixed(token))
    }

    /// Tokens fetched from the auth server at `auth_url` with an API key.
    pub fn client_credentials(
        http: reqwest::Client,
        auth_url: impl Into<String>,
        credentials: ClientCredentials,
    ) -> Self {
        Self::with_origin(Origin::Fetch {
            http,
            auth_url: auth_url.into(),
            credentials,
        })
    }

    fn with_origin(origin: Origin) -> Self {
        TokenSource {
            origin,
            state: Mutex::new(State::Empty),
            clock: Arc::new(Instant::now),
            secret: true,
        }
    }

    /// Marks the tokens as the embedded double's: not registered with [`crate::scrub`] (a run
    /// on the double would register one per trial; they are JWTs, scrubbed by their shape).
    pub fn of_the_double(self) -> Self {
        TokenSource {
            secret: false,
            ..self
        }
    }

    /// The token to send now: the cached one while it is fresh, else a new one.
    pub async fn token(&self) -> Result<Secret, Arc<AuthError>> {
        let mut state = self.state.lock().await;
        match &*state {
            State::Ready { token, renew_at } if renew_at.is_none_or(|at| (self.clock)() < at) => {
                Ok(token.clone())
            }
            State::Failed(error) => Err(Arc::clone(error)),
            State::Ready { .. } | State::Empty => self.fetch(&mut state).await,
        }
    }

    /// A replacement for `rejected`, which ION refused as expired: the current token when
    /// another trial has already replaced it, else a new one. `None` when the token cannot
    /// be renewed (a fixed token).
    pub async fn renew(&self, rejected: &Secret) -> Option<Result<Secret, Arc<AuthError>>> {
        if let Origin::Fixed(_) = self.origin {
            return None;
        }
        let mut state = self.state.lock().await;
        match &*state {
            State::Ready { token, .. } if token != rejected => Some(Ok(token.clone())),
            State::Failed(error) => Some(Err(Arc::clone(error))),
            State::Ready { .. } | State::Empty => Some(self.fetch(&mut state).await),
        }
    }

    async fn fetch(&self, state: &mut State) -> Result<Secret, Arc<AuthError>> {
        if let (Origin::Fetch { credentials, .. }, true) = (&self.origin, self.secret) {
            // Before it is sent: a refusal may echo it.
            crate::scrub::register_secret(&credentials.client_secret);
        }
        let (token, lifetime) = match &self.origin {
            Origin::Fixed(token) => (token.clone(), None),
            Origin::Fetch {
                http,
                auth_url,
                credentials,
            } => match client_credentials_token(http, auth_url, credentials).await {
                Ok(issued) => (issued.access_token, Some(issued.expires_in)),
                Err(error) => {
                    let error = Arc::new(error);
                    *state = State::Failed(Arc::clone(&error));
                    return Err(error);
                }
            },
        };
        if self.secret {
            // JWT or opaque, fetched or fixed: from now on no output of the process shows it.
            crate::scrub::register_secret(&token);
        }
        let renew_at = lifetime.map(|lifetime| {
            let lifetime = lifetime.unwrap_or(DEFAULT_LIFETIME);
            (self.clock)() + lifetime - RENEW_MARGIN.min(lifetime / 2)
        });
        *state = State::Ready {
            token: token.clone(),
            renew_at,
        };
        Ok(token)
    }

    /// Replaces the clock (tests move time without sleeping).
    #[cfg(test)]
    pub(crate) fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }
}

#[cfg(test)]
mod tests {
    //! Against the embedded double, counting what reached it with its admin endpoint.

    use std::sync::Mutex as StdMutex;

    use serde_json::{Map, Value};

    use super::*;
    use crate::auth::TOKEN_PATH;
    use crate::client::{GraphqlClient, GraphqlRequest, http_client};
    use crate::double::{DoubleData, EnvironmentSpec, IonDouble};

    fn data() -> Arc<DoubleData> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let data = DoubleData::load(
            &root.join("suites/schema/ion.graphql"),
            &root.join("suites/seed/demo.yaml"),
        );
        Arc::new(data.unwrap_or_else(|e| panic!("the starter schema and seed load: {e}")))
    }

    fn key(spec: &EnvironmentSpec) -> ClientCredentials {
        ClientCredentials {
            client_id: spec.client_id.clone(),
            client_secret: Secret::new(spec.client_secret.clone()),
        }
    }

    /// A clock the test moves by hand.
    fn manual_clock() -> (Clock, Arc<StdMutex<Instant>>) {
        let now = Arc::new(StdMutex::new(Instant::now()));
        let read = Arc::clone(&now);
        (Arc::new(move || *read.lock().unwrap()), now)
    }

    /// How many requests reached `path` of the double.
    async fn hits(double: &IonDouble, path: &str) -> u64 {
        let url = format!("{}/__double/requests", double.api_url());
        let counts: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
        counts["paths"][path].as_u64().unwrap_or(0)
    }

    async fn me(client: &GraphqlClient) -> u16 {
        let variables = Map::new();
        let request = GraphqlRequest {
            query: "{ me { id } }",
            operation_name: None,
            variables: &variables,
            idempotent: true,
            retry: true,
        };
        client.send(request).await.expect("a response").status
    }

    fn client(double: &IonDouble, tokens: TokenSource) -> GraphqlClient {
        let endpoint = format!("{}/graphql", double.api_url());
        GraphqlClient::new(http_client().unwrap(), endpoint, Some(Arc::new(tokens)))
    }

    #[tokio::test]
    async fn one_fetch_serves_every_caller_until_renewal_is_due() {
        let spec = EnvironmentSpec::demo();
        let double = IonDouble::start_with(data(), spec.clone()).await;
        let mut tokens =
            TokenSource::client_credentials(http_client().unwrap(), double.auth_url(), key(&spec));
        let (clock, now) = manual_clock();
        tokens.set_clock(clock);
        let (a, b, c) = tokio::join!(tokens.token(), tokens.token(), tokens.token());
        assert!(a.is_ok() && b.is_ok() && c.is_ok());
        assert_eq!(
            hits(&double, TOKEN_PATH).await,
            1,
            "concurrent callers share one fetch"
        );

        // 300 s tokens are renewed 30 s early: still cached at 269 s, renewed at 271 s.
        *now.lock().unwrap() += Duration::from_secs(269);
        tokens.token().await.unwrap();
        assert_eq!(hits(&double, TOKEN_PATH).await, 1);
        *now.lock().unwrap() += Duration::from_secs(2);
        tokens.token().await.unwrap();
        assert_eq!(hits(&double, TOKEN_PATH).await, 2);
    }

    #[tokio::test]
    async fn a_401_saying_expired_renews_the_token_and_retries_once() {
        let spec = EnvironmentSpec::demo();
        let double = IonDouble::start_with(data(), spec.clone()).await;
        let http = http_client().unwrap();
        let client = client(
            &double,
            TokenSource::client_credentials(http.clone(), double.auth_url(), key(&spec)),
        );
        assert_eq!(me(&client).await, 200);
        let expire = format!("{}/__double/expire-tokens", double.api_url());
        assert!(
            http.post(expire)
                .send()
                .await
                .unwrap()
                .status()
                .is_success()
        );
        assert_eq!(me(&client).await, 200, "renewed and retried");
        assert_eq!(hits(&double, TOKEN_PATH).await, 2);
        assert_eq!(hits(&double, "/graphql").await, 3, "ok, refused, retried");
    }

    #[tokio::test]
    async fn a_token_refused_again_after_renewal_is_not_renewed_in_a_loop() {
        let spec = EnvironmentSpec {
            token_lifetime_secs: 0, // every token is expired on arrival
            ..EnvironmentSpec::demo()
        };
        let double = IonDouble::start_with(data(), spec.clone()).await;
        let client = client(
            &double,
            TokenSource::client_credentials(http_client().unwrap(), double.auth_url(), key(&spec)),
        );
        assert_eq!(me(&client).await, 401);
        assert_eq!(hits(&double, TOKEN_PATH).await, 2, "one renewal");
        assert_eq!(hits(&double, "/graphql").await, 2, "one retry");
    }

    #[tokio::test]
    async fn a_targets_token_is_registered_for_scrubbing_and_the_doubles_is_not() {
        let opaque = "tokens-test-opaque-token-4e1f";
        let tokens = TokenSource::fixed(Secret::new(opaque));
        assert_eq!(crate::scrub::text(opaque), opaque, "not before it is used");
        tokens.token().await.unwrap();
        assert_eq!(crate::scrub::text(opaque), "[redacted]");

        let public = "tokens-test-double-token-9a2c";
        let tokens = TokenSource::fixed(Secret::new(public)).of_the_double();
        tokens.token().await.unwrap();
        assert_eq!(crate::scrub::text(public), public);
    }

    #[tokio::test]
    async fn a_fixed_token_is_never_renewed() {
        let spec = EnvironmentSpec::demo();
        let double = IonDouble::start_with(data(), spec.clone()).await;
        let http = http_client().unwrap();
        let issued = client_credentials_token(&http, &double.auth_url(), &key(&spec))
            .await
            .unwrap();
        let client = client(&double, TokenSource::fixed(issued.access_token));
        assert_eq!(me(&client).await, 200);
        let expire = format!("{}/__double/expire-tokens", double.api_url());
        http.post(expire).send().await.unwrap();
        assert_eq!(me(&client).await, 401, "the refusal comes back as it is");
        assert_eq!(hits(&double, TOKEN_PATH).await, 1);
        assert_eq!(hits(&double, "/graphql").await, 2);
    }

    #[tokio::test]
    async fn a_refused_key_is_asked_once_and_its_secret_never_shown() {
        let spec = EnvironmentSpec::demo();
        let double = IonDouble::start_with(data(), spec.clone()).await;
        let wrong = ClientCredentials {
            client_id: spec.client_id.clone(),
            client_secret: Secret::new("wrong-secret-value"),
        };
        let tokens =
            TokenSource::client_credentials(http_client().unwrap(), double.auth_url(), wrong);
        let first = tokens.token().await.unwrap_err().to_string();
        let second = tokens.token().await.unwrap_err().to_string();
        assert_eq!(first, second);
        assert!(
            first.contains("HTTP 401") && first.contains("invalid_client"),
            "{first}"
        );
        assert!(!first.contains("wrong-secret-value"), "{first}");
        assert_eq!(hits(&double, TOKEN_PATH).await, 1);
    }
}
