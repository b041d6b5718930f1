//! Clients of an embedded double ([`IonDouble`]): the double sits below the client layer and
//! knows nothing of it, so the ways to talk to one live here.

use std::sync::Arc;

use super::GraphqlClient;
use crate::auth::{ClientCredentials, TokenSource};
use crate::double::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, IonDouble, Role};
use crate::secret::Secret;

/// The demo API key every per-trial double accepts ([`DEMO_CLIENT_ID`], [`DEMO_CLIENT_SECRET`]).
pub fn demo_credentials() -> ClientCredentials {
    ClientCredentials {
        client_id: DEMO_CLIENT_ID.into(),
        client_secret: Secret::new(DEMO_CLIENT_SECRET),
    }
}

/// GraphQL clients of a running double.
pub trait DoubleClients {
    /// A client for this double's `/graphql` with a token of its own API key issued in
    /// process: no token request is sent (one round trip less per trial), and the token is
    /// verified like any other. It does not renew: for tests of expiry, use
    /// [`DoubleClients::demo_client`].
    fn trial_client(&self, http: &reqwest::Client) -> GraphqlClient;

    /// A client for this double's `/graphql`, with tokens for the demo key
    /// ([`demo_credentials`]).
    fn demo_client(&self, http: &reqwest::Client) -> GraphqlClient;

    /// A client for this double's `/graphql`, with tokens for its API key of `role` (see
    /// [`Role`]).
    fn key_client(&self, role: Role, http: &reqwest::Client) -> GraphqlClient;
}

impl DoubleClients for IonDouble {
    fn trial_client(&self, http: &reqwest::Client) -> GraphqlClient {
        let tokens = TokenSource::fixed(self.own_token()).of_the_double();
        graphql_client(self, http, tokens)
    }

    fn demo_client(&self, http: &reqwest::Client) -> GraphqlClient {
        client_with(self, http, demo_credentials())
    }

    fn key_client(&self, role: Role, http: &reqwest::Client) -> GraphqlClient {
        let key = self.credentials(role);
        let credentials = ClientCredentials {
            client_id: key.client_id,
            client_secret: key.client_secret,
        };
        client_with(self, http, credentials)
    }
}

fn client_with(
    double: &IonDouble,
    http: &reqwest::Client,
    credentials: ClientCredentials,
) -> GraphqlClient {
    let tokens = TokenSource::client_credentials(http.clone(), double.auth_url(), credentials)
        .of_the_double();
    graphql_client(double, http, tokens)
}

fn graphql_client(
    double: &IonDouble,
    http: &reqwest::Client,
    tokens: TokenSource,
) -> GraphqlClient {
    let endpoint = format!("{}/graphql", double.api_url());
    GraphqlClient::new(http.clone(), endpoint, Some(Arc::new(tokens)))
}
