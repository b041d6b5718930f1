//! A hostile fake ION on a loopback port: it answers like a sandbox (its JWTs carry the
//! sandbox's issuer, `me` names a tenant, introspection gives the starter schema), but every
//! text it can put in an answer echoes what it was sent: the `Authorization` header, the
//! request body, the client secret it received and the token it issued, raw and in base64.
//!
//! Where the echo goes:
//! - the token endpoint's answer (an extra member) and its refusal (`error_description`,
//!   for the client id [`REFUSED_CLIENT`]);
//! - `me` (the preflight's tenant, and any suite asking `me`): the organization's name and
//!   domain, the user's name and email;
//! - introspection: every description of the schema (so `schema pull` writes them);
//! - a mutation: an HTTP 502 whose plain-text body is the echo;
//! - any other query, and a webhook mutation (whose body holds the receiver's shared
//!   secret): HTTP 200 with a GraphQL error whose message and extensions echo.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ion_contract::client::DoubleClients;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The client id whose token request the fake refuses (echoing it in the refusal).
pub const REFUSED_CLIENT: &str = "hostile-refused-client";

/// What every echo starts with: an output holding it carries the fake's text.
pub const ECHO_MARK: &str = "ECHO[";

/// The kind of access token the fake issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A JWT whose issuer is the sandbox's (unsigned as far as anyone can verify).
    Jwt,
    /// An opaque string, nothing like a JWT.
    Opaque,
}

/// A running hostile fake ION (stopped when dropped).
pub struct HostileIon {
    server: MockServer,
    /// The access token it issues.
    pub token: String,
    // Keeps the runtime the server was started on alive.
    _runtime: tokio::runtime::Runtime,
}

impl HostileIon {
    /// Starts the fake on a free loopback port, issuing a token of `kind`.
    pub fn start(kind: TokenKind) -> HostileIon {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let token = match kind {
            TokenKind::Jwt => jwt(),
            TokenKind::Opaque => format!("hostile-opaque-{:016x}", fastrand::u64(..)),
        };
        let schema = runtime.block_on(introspection());
        let responder = Echo {
            token: token.clone(),
            schema,
            secret: Arc::new(Mutex::new(String::new())),
        };
        let server = runtime.block_on(async {
            let server = MockServer::start().await;
            Mock::given(any())
                .respond_with(responder)
                .mount(&server)
                .await;
            server
        });
        HostileIon {
            server,
            token,
            _runtime: runtime,
        }
    }

    /// The fake's base URL (`http://127.0.0.1:<port>`), for both the API and the auth server.
    pub fn url(&self) -> String {
        self.server.uri()
    }

    /// The variables that make the fake the `sandbox` target's API and auth server, with
    /// `client_id` and `client_secret` as the API key.
    pub fn sandbox_env(&self, client_id: &str, client_secret: &str) -> Vec<(String, String)> {
        [
            ("ION_SANDBOX_API_URL", self.url()),
            ("ION_SANDBOX_AUTH_URL", self.url()),
            ("ION_SANDBOX_CLIENT_ID", client_id.to_owned()),
            ("ION_SANDBOX_CLIENT_SECRET", client_secret.to_owned()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
    }
}

/// A JWT with the sandbox's issuer, valid for an hour.
fn jwt() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": "hostile"});
    let claims = json!({
        "iss": ion_contract::auth::Realm::Sandbox.issuer(),
        "iat": now,
        "exp": now + 3600,
        "sub": "hostile",
    });
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let signature = URL_SAFE_NO_PAD.encode(fastrand::u64(..).to_be_bytes());
    format!("{}.{}.{signature}", part(&header), part(&claims))
}

/// The starter schema's full introspection answer, read from an embedded double.
async fn introspection() -> Value {
    let double = ion_contract::double::IonDouble::start(super::double_data()).await;
    let http = ion_contract::client::http_client().expect("an HTTP client");
    let client = double.demo_client(&http);
    let query = ion_contract::drift::introspect::introspection_query(true);
    let variables = serde_json::Map::new();
    let request = ion_contract::client::GraphqlRequest {
        query: &query,
        operation_name: None,
        variables: &variables,
        idempotent: true,
        retry: true,
    };
    let response = client.send(request).await.expect("the double answers");
    response.json().expect("introspection answers JSON")
}

/// The responder: answers every path as described in the module docs.
struct Echo {
    token: String,
    schema: Value,
    /// The last client secret a token request carried.
    secret: Arc<Mutex<String>>,
}

impl Echo {
    /// Everything the request carried, and the secrets the fake knows, in one text (the
    /// token only when it was `issued` to the asker: a refused client never had it).
    fn echo(&self, request: &Request, issued: bool) -> String {
        let authorization = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = String::from_utf8_lossy(&request.body);
        let secret = self.secret.lock().expect("not poisoned").clone();
        let token = if issued { self.token.as_str() } else { "none" };
        format!(
            "{ECHO_MARK}authorization={authorization} body={body} secret={secret} \
             token={token} token64={token64} auth64={auth64} secret64={secret64}]",
            token64 = STANDARD.encode(token),
            auth64 = URL_SAFE_NO_PAD.encode(&authorization),
            secret64 = STANDARD.encode(&secret),
        )
    }

    fn token_answer(&self, request: &Request) -> ResponseTemplate {
        let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
            .into_owned()
            .collect();
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        *self.secret.lock().expect("not poisoned") = field("client_secret");
        let refused = field("client_id") == REFUSED_CLIENT;
        let echo = self.echo(request, !refused);
        if refused {
            return ResponseTemplate::new(401).set_body_json(json!({
                "error": "invalid_client",
                "error_description": echo,
            }));
        }
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": self.token,
            "token_type": "Bearer",
            "expires_in": 300,
            "echo": echo,
        }))
    }

    fn graphql_answer(&self, request: &Request) -> ResponseTemplate {
        let echo = self.echo(request, true);
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let query = body["query"].as_str().unwrap_or_default();
        if query.contains("__schema") {
            let mut schema = self.schema.clone();
            describe(&mut schema, &echo);
            return ResponseTemplate::new(200).set_body_json(schema);
        }
        if query.trim_start().starts_with("mutation") && !query.contains("Webhook") {
            return ResponseTemplate::new(502).set_body_string(echo);
        }
        if query.contains("me {") || query.contains("me{") {
            return ResponseTemplate::new(200).set_body_json(json!({"data": {"me": {
                "id": 1, "name": echo, "email": echo, "ionBot": true, "deactivated": false,
                "organizationId": 1,
                "organization": {"id": 1, "name": echo, "domain": echo},
            }}}));
        }
        ResponseTemplate::new(200).set_body_json(json!({
            "data": null,
            "errors": [{"message": echo, "extensions": {"echo": echo}}],
        }))
    }
}

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.url.path().ends_with("/openid-connect/token") {
            self.token_answer(request)
        } else {
            self.graphql_answer(request)
        }
    }
}

/// Sets every `description` in an introspection answer to `echo`.
fn describe(value: &mut Value, echo: &str) {
    match value {
        Value::Object(map) => {
            for (key, member) in map.iter_mut() {
                if key == "description" {
                    *member = Value::String(echo.to_owned());
                } else {
                    describe(member, echo);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| describe(item, echo)),
        _ => {}
    }
}
