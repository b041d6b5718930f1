//! The double on the wire: a wiremock server answering ION's token endpoint and `/graphql`.
//! The only module that knows wiremock.

use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::token::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, Issuer, TOKEN_LIFETIME_SECS};
use super::{DoubleData, resolve};
use crate::auth::{LEGACY_TOKEN_PATH, TOKEN_PATH};

/// A running double: one HTTP server on loopback with its own copy of the seed data.
/// Stops when dropped.
pub struct IonDouble {
    server: MockServer,
}

impl IonDouble {
    /// Starts a double on a free loopback port, its store a fresh copy of the seed.
    pub async fn start(data: Arc<DoubleData>) -> Self {
        let server = MockServer::start().await;
        let issuer = Issuer::new(&server.uri());
        for token_path in [TOKEN_PATH, LEGACY_TOKEN_PATH] {
            Mock::given(method("POST"))
                .and(path(token_path))
                .respond_with(TokenEndpoint {
                    issuer: issuer.clone(),
                })
                .mount(&server)
                .await;
        }
        let store = Mutex::new(data.seed.clone());
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .respond_with(GraphqlEndpoint {
                data,
                store,
                issuer,
            })
            .mount(&server)
            .await;
        IonDouble { server }
    }

    /// The API base URL (`<api url>/graphql` is the endpoint).
    pub fn api_url(&self) -> String {
        self.server.uri()
    }

    /// The auth server's base URL (the token endpoint is under `/realms/api-keys/...`).
    pub fn auth_url(&self) -> String {
        self.server.uri()
    }
}

/// `POST .../protocol/openid-connect/token`: Keycloak's client-credentials grant, with the
/// client in the form or in HTTP Basic auth.
struct TokenEndpoint {
    issuer: Issuer,
}

impl Respond for TokenEndpoint {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let form: Map<String, Value> = url::form_urlencoded::parse(&request.body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        let field = |name: &str| form.get(name).and_then(Value::as_str).map(str::to_owned);
        if field("grant_type").as_deref() != Some("client_credentials") {
            return oauth_error(400, "unsupported_grant_type", "Unsupported grant_type");
        }
        let (client_id, client_secret) = match basic_auth(request) {
            Some(pair) => (Some(pair.0), Some(pair.1)),
            None => (field("client_id"), field("client_secret")),
        };
        let known = client_id.as_deref() == Some(DEMO_CLIENT_ID)
            && client_secret.as_deref() == Some(DEMO_CLIENT_SECRET);
        if !known {
            return oauth_error(
                401,
                "invalid_client",
                "Invalid client or Invalid client credentials",
            );
        }
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": self.issuer.issue(DEMO_CLIENT_ID, TOKEN_LIFETIME_SECS),
            "expires_in": TOKEN_LIFETIME_SECS,
            "refresh_expires_in": 0,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": "profile email",
        }))
    }
}

fn basic_auth(request: &Request) -> Option<(String, String)> {
    use base64::Engine as _;
    let header = request.headers.get("authorization")?.to_str().ok()?;
    let encoded = header.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let (id, secret) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn oauth_error(status: u16, error: &str, description: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({ "error": error, "error_description": description }))
}

/// `POST /graphql`: checks the token, then runs one operation or a JSON array of them.
struct GraphqlEndpoint {
    data: Arc<DoubleData>,
    store: Mutex<super::store::Store>,
    issuer: Issuer,
}

impl Respond for GraphqlEndpoint {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let authorization = request
            .headers
            .get("authorization")
            .and_then(|h| h.to_str().ok());
        if let Err(rejection) = self.issuer.verify(authorization) {
            return graphql_error(401, rejection.message());
        }
        let body: Value = match serde_json::from_slice(&request.body) {
            Ok(body) => body,
            Err(e) => {
                return graphql_error(
                    400,
                    &format!("Could not parse the request body as JSON: {e}"),
                );
            }
        };
        let mut store = match self.store.lock() {
            Ok(store) => store,
            Err(poisoned) => poisoned.into_inner(),
        };
        let result = match &body {
            Value::Array(batch) => batch
                .iter()
                .map(|one| self.run_one(&mut store, one))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            one => self.run_one(&mut store, one),
        };
        match result {
            Ok(response) => ResponseTemplate::new(200).set_body_json(response),
            Err(message) => graphql_error(400, message),
        }
    }
}

impl GraphqlEndpoint {
    fn run_one(
        &self,
        store: &mut super::store::Store,
        request: &Value,
    ) -> Result<Value, &'static str> {
        let Some(query) = request.get("query").and_then(Value::as_str) else {
            return Err("Must provide query string.");
        };
        let operation_name = request
            .get("operationName")
            .and_then(Value::as_str)
            .filter(|name| !name.is_empty());
        let variables = match request.get("variables") {
            Some(Value::Object(map)) => map.clone(),
            None | Some(Value::Null) => Map::new(),
            Some(_) => return Err("Variables are invalid JSON: expected an object."),
        };
        Ok(resolve::execute(
            &self.data.schema,
            store,
            query,
            operation_name,
            &variables,
        ))
    }
}

fn graphql_error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "errors": [{ "message": message }] }))
}
