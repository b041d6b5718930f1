//! One ION environment of the double, independent of any transport: its store, its token
//! issuer, its request counters, and the handling of every request it can receive.
//!
//! Routes (every body is JSON):
//!
//! | method and path | answer |
//! | --- | --- |
//! | `POST /realms/api-keys/protocol/openid-connect/token` | a token (client credentials), or Keycloak's OAuth errors |
//! | `POST /auth/realms/api-keys/protocol/openid-connect/token` | the same (Keycloak's legacy `/auth` context) |
//! | `GET /realms/api-keys/protocol/openid-connect/certs` (also under `/auth`) | the JWKS: the public key the environment's tokens verify with ([`super::keycloak`]) |
//! | `GET /realms/api-keys/.well-known/openid-configuration` (also under `/auth`) | the OpenID Connect discovery document: the environment's `issuer`, `jwks_uri`, `token_endpoint`, ... |
//! | `POST /graphql` | the GraphQL response, or ION's 401 / 400, or 429 when throttled ([`super::throttle`]), or 502 past a limit ([`super::limits`]) |
//! | `GET /__double/requests` | `{"total": N, "paths": {"/graphql": n, ...}, "throttled": t, "stopped": {...}, "early": e}` (see [`super`]) |
//! | `POST /__double/drift` | `{"delete": {"type", "id"}}` or `{"set": {"type", "id", "fields"}}`: a row changed behind the API's back ([`super::backdoor`]) |
//! | `POST /__double/reset` | `{"reset": true}`: the store is a fresh copy of the seed, the counters zero, the buckets full, no storm |
//! | `POST /__double/expire-tokens` | `{"expired": N}`: every token issued so far now gets 401 `Token is expired.` |
//! | `GET /__double/throttle` | the throttle settings: `{"per_second": 5, "burst": 5, "retry_after": "seconds", "storm": null}`, or `{"throttle": null}` |
//! | `POST /__double/throttle` | changes them (JSON body, see below) and answers the result; 400 for a bad body |
//! | `POST /__double/schema` | body: SDL text. Serves that schema from now on (validation, execution, introspection) and answers `{"schema": "replaced", "types": N}`; an invalid schema gets 400 with apollo-compiler's errors (`{"errors": [{"message", "locations"}]}`) and changes nothing. An empty body restores the original: `{"schema": "original", "types": N}` |
//! | `DELETE /__double/schema` | restores the original schema, as an empty `POST` does |
//! | `GET /__double/keys` | the API keys' roles: `{"keys": {"ion-contract-demo": "admin", "ion-contract-demo-editor": "editor", "ion-contract-demo-reader": "reader"}}` ([`super::api_keys`]) |
//! | `POST /__double/keys` | `{"client_id", "role"}`: regenerates that key with the role (tokens issued from now on carry it; earlier ones keep theirs) and answers the roles; 400 for a bad body |
//! | `GET /__double/faults` | the fault rules: `{"faults": [...]}` ([`super::fault`]) |
//! | `POST /__double/faults` | adds one rule or a list and answers the rules; 400 (nothing added) for a bad one |
//! | `DELETE /__double/faults` | removes every rule |
//! | another method on a known path | 405, with `Allow` |
//! | any other path | 404 |
//!
//! The admin endpoints and the request counters are [`admin`]'s.
//!
//! The transport ([`super::http`], for [`super::server`]'s per-trial double and
//! [`super::serve`]) turns a request into a call of [`Environment::handle`] (with the
//! origin the client reached, `<scheme>://<Host>`, for the URLs of the discovery document)
//! and its [`Reply`] into a response, and keeps no copy of the request; the environment of
//! an [`super::IonDouble`] logs what it answers in its journal ([`super::journal`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;
use base64::Engine as _;
use http::HeaderMap;
use serde_json::{Map, Value, json};

use super::DoubleData;
use super::api_keys::{Keys, Role};
use super::documents::Documents;
use super::families::Families;
use super::fault::{self, FaultRule, FaultSwitch, Faults};
use super::journal::Journal;
use super::keycloak;
use super::limits::{Budget, Cancel, LimitExceeded};
use super::mutex::lock;
use super::observe::{Exchange, Observer};
use super::reply::Reply;
use super::resolve::{self, Refused};
use super::served_schema::{SchemaRejected, Served, ServedSchema};
use super::spec::EnvironmentSpec;
use super::store::Store;
use super::throttle::{TOO_MANY_REQUESTS, Throttle, Throttled};
use super::token::Issuer;
use super::webhook::{WebhookRetry, Webhooks};
use crate::ion::paths::{
    DISCOVERY_PATH, JWKS_PATH, LEGACY_DISCOVERY_PATH, LEGACY_JWKS_PATH, LEGACY_TOKEN_PATH,
    TOKEN_PATH,
};

mod admin;

use admin::{Counters, not_found, only};

/// The prefix of the admin endpoints.
pub(crate) const ADMIN_PREFIX: &str = "/__double/";

/// One environment: its own store (a copy of the seed), token issuer and counters.
#[derive(Debug)]
pub(crate) struct Environment {
    data: Arc<DoubleData>,
    spec: EnvironmentSpec,
    /// The schema requests are validated and executed against (swappable at run time).
    schema: ServedSchema,
    /// Shared with the webhook deliveries, which record their outcome on event rows.
    store: Arc<Mutex<Store>>,
    issuer: Issuer,
    /// The API keys and the role each has now ([`super::api_keys`]).
    keys: Mutex<Keys>,
    throttle: Throttle,
    counters: Mutex<Counters>,
    webhooks: Webhooks,
    /// Injected faults ([`super::fault`]).
    faults: FaultSwitch,
    /// Told of every `/graphql` exchange (`serve --record`, [`super::observe`]).
    observer: Option<Arc<dyn Observer>>,
    /// The log of requests an [`super::IonDouble`] keeps for its test ([`super::journal`]);
    /// `serve` keeps none.
    journal: Option<Arc<Journal>>,
}

impl Environment {
    /// An environment imitating `spec`, its store a fresh copy of the seed.
    pub(crate) fn new(data: Arc<DoubleData>, spec: EnvironmentSpec) -> Self {
        Environment {
            store: Arc::new(Mutex::new(data.seed.clone())),
            schema: ServedSchema::new((
                Arc::clone(&data.schema),
                Arc::clone(&data.families),
                Arc::clone(&data.documents),
            )),
            issuer: Issuer::new(&spec.name, spec.realm.issuer()),
            keys: Mutex::new(Keys::of(&spec)),
            throttle: Throttle::new(spec.throttle),
            counters: Mutex::new(Counters::default()),
            webhooks: Webhooks::default(),
            faults: FaultSwitch::new(Faults::new(spec.faults.clone())),
            observer: None,
            journal: None,
            data,
            spec,
        }
    }

    /// The same environment, telling `observer` of every `/graphql` exchange.
    pub(crate) fn observed_by(mut self, observer: Option<Arc<dyn Observer>>) -> Self {
        self.observer = observer;
        self
    }

    /// The same environment, logging every request on ION's paths in `journal`.
    pub(crate) fn journaled(mut self, journal: Arc<Journal>) -> Self {
        self.journal = Some(journal);
        self
    }

    /// Answers one request (and logs it in the journal, if any). `origin` is where the
    /// client reached the double (`<scheme>://<host>[:port]`); `path` is the URL path, without the query string;
    /// `cancel` is set when the client has gone (the request then stops at its next field).
    pub(crate) fn handle(
        &self,
        method: &str,
        origin: &str,
        path: &str,
        headers: &HeaderMap,
        body: &[u8],
        cancel: &Cancel,
    ) -> Reply {
        if path.starts_with(ADMIN_PREFIX) {
            return self.admin(method, path, body);
        }
        lock(&self.counters).count(path);
        let reply = match path {
            TOKEN_PATH | LEGACY_TOKEN_PATH => only(method, "POST", || self.token(headers, body)),
            JWKS_PATH | LEGACY_JWKS_PATH => only(method, "GET", || {
                Reply::json(200, &keycloak::jwks(self.issuer.key()))
            }),
            DISCOVERY_PATH | LEGACY_DISCOVERY_PATH => only(method, "GET", || {
                Reply::json(
                    200,
                    &keycloak::discovery(self.issuer.issuer(), origin, path),
                )
            }),
            "/graphql" => only(method, "POST", || {
                let (reply, faulted) = self.graphql(headers, body, cancel);
                if let Some(observer) = &self.observer {
                    observer.graphql(&Exchange {
                        authorization: headers.get("authorization").and_then(|h| h.to_str().ok()),
                        request: body,
                        status: reply.status,
                        response: &reply.body,
                        faulted,
                    });
                }
                reply
            }),
            _ => not_found(method, path),
        };
        if let Some(journal) = &self.journal {
            journal.record(method, path, body, reply.status);
        }
        reply
    }

    /// What this environment imitates.
    pub(crate) fn spec(&self) -> &EnvironmentSpec {
        &self.spec
    }

    /// Applies a scripted drift (see [`super::backdoor`]) to the store.
    pub(crate) fn drift(&self, change: &Value) -> Result<Value, String> {
        self.drift_body(change.to_string().as_bytes())
    }

    /// A drift is a committed change like any other: it fires webhooks, as ION's do.
    fn drift_body(&self, body: &[u8]) -> Result<Value, String> {
        let mut store = lock(&self.store);
        let answer = super::backdoor::apply(&mut store, body);
        self.webhooks.after_writes(&self.store, &mut store);
        answer
    }

    /// Sets how webhook deliveries are retried from now on.
    pub(crate) fn set_webhook_retry(&self, retry: WebhookRetry) {
        self.webhooks.set_retry(retry);
    }

    /// A token of this environment's own API key, as the token endpoint would issue, signed
    /// once for every double of this environment in the process ([`Issuer::issue_shared`]).
    pub(crate) fn own_token(&self) -> String {
        let (client_id, _) = super::api_keys::key_for(&self.spec, Role::Admin);
        self.issuer
            .issue_shared(&client_id, Role::Admin, self.spec.token_lifetime_secs)
    }

    /// A fresh token of this environment's API key of `role` ([`super::api_keys`]), with the
    /// role that key has now.
    pub(crate) fn token_of(&self, role: Role) -> String {
        let (client_id, secret) = super::api_keys::key_for(&self.spec, role);
        let role = lock(&self.keys)
            .authenticate(&client_id, &secret)
            .unwrap_or(role);
        self.issuer
            .issue(&client_id, role, self.spec.token_lifetime_secs)
    }

    /// The path of the token endpoint.
    pub(crate) fn token_path() -> &'static str {
        TOKEN_PATH
    }

    /// A token of this environment's API key that has already expired, as a token saved
    /// from an earlier run would be.
    pub(crate) fn expired_token(&self) -> String {
        self.issuer.issue(&self.spec.client_id, Role::Admin, 0)
    }

    /// `POST .../protocol/openid-connect/token`: Keycloak's client-credentials grant, with
    /// the client in the form or in HTTP Basic auth.
    fn token(&self, headers: &HeaderMap, body: &[u8]) -> Reply {
        let form: BTreeMap<String, String> = url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
            return oauth_error(400, "unsupported_grant_type", "Unsupported grant_type");
        }
        let (client_id, client_secret) = match basic_auth(headers) {
            Some((id, secret)) => (Some(id), Some(secret)),
            None => (
                form.get("client_id").cloned(),
                form.get("client_secret").cloned(),
            ),
        };
        let (client_id, client_secret) = (
            client_id.unwrap_or_default(),
            client_secret.unwrap_or_default(),
        );
        let Some(role) = lock(&self.keys).authenticate(&client_id, &client_secret) else {
            return oauth_error(
                401,
                "invalid_client",
                "Invalid client or Invalid client credentials",
            );
        };
        let lifetime = self.spec.token_lifetime_secs;
        Reply::json(
            200,
            &json!({
                "access_token": self.issuer.issue(&client_id, role, lifetime),
                "expires_in": lifetime,
                "refresh_expires_in": 0,
                "token_type": "Bearer",
                "not-before-policy": 0,
                "scope": "profile email",
            }),
        )
    }

    /// `POST /graphql`, with the fault a rule injects into it, if any (then `true`).
    fn graphql(&self, headers: &HeaderMap, body: &[u8], cancel: &Cancel) -> (Reply, bool) {
        match self.faults.take(body) {
            None => (self.answer(headers, body, cancel), false),
            Some(rule) => (
                fault::apply(&rule, || self.answer(headers, body, cancel)),
                true,
            ),
        }
    }

    /// Sets the fault rules of this environment (see [`super::fault`]), replacing any.
    pub(crate) fn set_faults(&self, rules: Vec<FaultRule>) {
        self.faults.change(|faults| {
            faults.clear();
            for rule in rules {
                faults.push(rule);
            }
        });
    }

    /// Checks the token and the throttle, then runs one operation or a JSON array of them.
    fn answer(&self, headers: &HeaderMap, body: &[u8], cancel: &Cancel) -> Reply {
        let authorization = headers.get("authorization").and_then(|h| h.to_str().ok());
        let verified = match self.issuer.verify(authorization) {
            Ok(verified) => verified,
            Err(rejection) => return graphql_error(401, rejection.message()),
        };
        if let Err(throttled) = self.throttle.check(&verified.client_id) {
            lock(&self.counters).throttled += 1;
            return too_many_requests(throttled);
        }
        let body: Value = match serde_json::from_slice(body) {
            Ok(body) => body,
            Err(e) => {
                return graphql_error(
                    400,
                    &format!("Could not parse the request body as JSON: {e}"),
                );
            }
        };
        let (schema, families, documents) = self.schema.current();
        let budget = Budget::new(self.spec.limits, cancel.clone());
        let run = |one: &Value| {
            budget.next_request();
            self.run_one(
                (&schema, &families, &documents),
                verified.role,
                one,
                &budget,
            )
        };
        let result = match &body {
            Value::Array(batch) => batch
                .iter()
                .map(run)
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            one => run(one),
        };
        match result {
            Ok(response) => Reply::json(200, &response),
            Err(NotRun::BadRequest(message)) => graphql_error(400, message),
            Err(NotRun::Limit(exceeded)) => {
                lock(&self.counters).stopped(exceeded.name());
                Reply::json(BAD_GATEWAY, &exceeded.body())
            }
        }
    }

    /// Runs one request of a body (a single request, or one of a batch): a query on a copy
    /// of the store as committed, a mutation under the store's lock (its webhooks fired
    /// before the lock is let go).
    fn run_one(
        &self,
        (schema, families, documents): (&Valid<Schema>, &Families, &Documents),
        role: Role,
        request: &Value,
        budget: &Budget,
    ) -> Result<Value, NotRun> {
        budget.check().map_err(NotRun::Limit)?;
        let Some(query) = request.get("query").and_then(Value::as_str) else {
            return Err(NotRun::BadRequest("Must provide query string."));
        };
        let operation_name = request
            .get("operationName")
            .and_then(Value::as_str)
            .filter(|name| !name.is_empty());
        let empty = Map::new();
        let variables = match request.get("variables") {
            Some(Value::Object(map)) => map,
            None | Some(Value::Null) => &empty,
            Some(_) => {
                return Err(NotRun::BadRequest(
                    "Variables are invalid JSON: expected an object.",
                ));
            }
        };
        let prepared = resolve::prepare(schema, documents, query, operation_name, budget.limits());
        let prepared = match prepared {
            Ok(prepared) => prepared,
            Err(Refused::Errors(body)) => return Ok(body),
            Err(Refused::Limit(exceeded)) => return Err(NotRun::Limit(exceeded)),
        };
        let outcome = if prepared.is_mutation {
            let mut store = lock(&self.store);
            let outcome = resolve::run(
                schema, families, &mut store, role, &prepared, variables, budget,
            );
            self.webhooks.after_writes(&self.store, &mut store);
            outcome
        } else {
            let mut committed = lock(&self.store).clone();
            resolve::run(
                schema,
                families,
                &mut committed,
                role,
                &prepared,
                variables,
                budget,
            )
        };
        outcome.map_err(NotRun::Limit)
    }

    /// Serves the schema `sdl` from now on (see [`super::served_schema`]).
    pub(crate) fn set_schema(&self, sdl: &str) -> Result<Served, SchemaRejected> {
        self.schema.replace(sdl)
    }

    /// Serves the double's own schema again.
    pub(crate) fn restore_schema(&self) -> Served {
        self.schema.restore()
    }
}

/// Why a request of a body was not answered with a GraphQL response.
enum NotRun {
    /// HTTP 400: the body is not a GraphQL request.
    BadRequest(&'static str),
    /// HTTP 502: a limit of [`super::limits`] was met.
    Limit(LimitExceeded),
}

/// ION's gateway's answer to a request that runs too long.
const BAD_GATEWAY: u16 = 502;

/// 429 with ION's error shape and, as configured, `Retry-After`.
fn too_many_requests(throttled: Throttled) -> Reply {
    let reply = graphql_error(429, TOO_MANY_REQUESTS);
    match throttled.header() {
        Some(value) => reply.with_header("retry-after", value),
        None => reply,
    }
}

fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let header = headers.get("authorization")?.to_str().ok()?;
    let encoded = header.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let (id, secret) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn oauth_error(status: u16, error: &str, description: &str) -> Reply {
    Reply::json(
        status,
        &json!({ "error": error, "error_description": description }),
    )
}

fn graphql_error(status: u16, message: &str) -> Reply {
    Reply::json(status, &json!({ "errors": [{ "message": message }] }))
}
