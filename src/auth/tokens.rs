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

/// Whether a 401 body says the token expired (ION: `Token is expired.`).
pub(crate) fn says_expired(body: &[u8]) -> bool {
    String::from_utf8_lossy(body)
        .to_ascii_lowercase()
        .contains("expired")
}
