//! The embedded ION double: a schema-driven imitation of ION's GraphQL API and its token
//! endpoint, on a loopback port, with no network and no credentials of yours.
//!
//! It is driven by two files in `suites/`, which the binary also carries: a project's own
//! files win, and the built-in ones stand in where it has none ([`crate::builtin`]):
//!
//! - `schema/ion.graphql`: a subset of ION's real schema (every name in it is checked against
//!   the public dump by `tests/it/schema_reference.rs`). Suites are validated against it, and
//!   the double serves exactly it, introspection included.
//! - `seed/demo.yaml`: the data every trial starts from (its format is described in the crate docs).
//!   Each trial gets its own double with a fresh copy, so trials never see each other's
//!   writes. Which data that is follows ION's three sandbox shapes ([`DataShape`]: `demo`,
//!   the default; `blank`, a fresh tenant; `snapshot`, a file `data pull` wrote).
//!
//! What it does, as ION does:
//!
//! - **Auth.** `POST <auth>/realms/api-keys/protocol/openid-connect/token` (also under the
//!   legacy `/auth/realms/...`) grants `client_credentials` to the demo API key
//!   ([`DEMO_CLIENT_ID`], [`DEMO_CLIENT_SECRET`]; form fields or HTTP Basic); a wrong client
//!   gets 401 `invalid_client`, another grant 400 `unsupported_grant_type`. `/graphql` accepts
//!   the token bare, as `Bearer` or as `Token`, and otherwise answers 401 with ION's messages:
//!   `Please provide proper credentials` (none), `Unable to parse authentication token`
//!   (garbled, or a signature that does not verify), `Unable to find appropriate RSA key`
//!   (a `kid` the environment's JWKS lacks, i.e. another environment's token), `Token is
//!   expired.`. Tokens are RS256 JWTs; as Keycloak does, the realm publishes its public key
//!   as a JWKS at `GET <auth>/realms/api-keys/protocol/openid-connect/certs` and its OpenID
//!   Connect discovery document at `GET <auth>/realms/api-keys/.well-known/openid-configuration`
//!   (both also under `/auth/realms/...`), so a client can verify the tokens it gets
//!   (`keycloak.rs`, `token.rs`).
//! - **Families.** Every root field of the schema served (the built-in one or any other ION
//!   SDL) is classified once, when the schema is loaded, by ION's conventions
//!   ([`families`]): `me`, connections, by-id and composite-key lookups, create / update /
//!   delete and their list forms, relations (`add*`/`remove*`/`attach*`/`detach*`),
//!   transitions (`cancel*`/`archive*`), copies (`copy*`/`clone*`). Every entity type is a
//!   table: a type the seed names has exactly its rows, every other three generated ones
//!   (`generate.rs`). A field of no family (`scanBarcode`,
//!   `generateRunSummary`) gets one error, `the ION double does not serve Mutation.X
//!   (family: other): ...`; `DoubleData::families` counts them.
//! - **Reads.** `me`; `x(id: ID!)` by id (null when absent); `partProcedure(partId,
//!   procedureId)` by its key columns; connections (`parts`,
//!   `partInventories`, ...) with `filters` (`eq`, `neq`, `in`, `like`, `ilike`, `notlike`,
//!   `notilike`, `gt`, `gte`, `lt`, `lte`, `isnull`, `and_`, `or_`, and nested relation
//!   filters), `sort` (`<COLUMN>_ASC|_DESC`, nulls last ascending), and Relay paging with
//!   `first`/`after`/`last`/`before`, `IonPageInfo` counts and `arrayconnection:N` cursors.
//!   Relation fields follow ION's column names (`part` reads `partId`; `Run.steps` are the
//!   run steps whose `runId` is the run's). Every non-null field has a value: the row's, else
//!   a default by type and name (`defaults.rs`), so no non-null field is ever null.
//! - **Writes.** `createX(input)`, `updateX(input: {id, etag, ...})`, `deleteX(etag, id)` for
//!   every entity type, and the other mutation families (`mutate.rs`, `relation.rs`). Every
//!   write gives the row a fresh 32-hex `_etag`; a stale
//!   etag gets HTTP 200 with the error `The _etag mismatch. Your update raced another
//!   writer.` and `extensions.code = CONCURRENCY_CONFLICT`. Foreign keys must exist. The
//!   store fills in `id`, `entityId`, `_created`, `_updated`, and `createdById` /
//!   `updatedById` (the caller, the seed's `me`); nothing else is demanded beyond what the
//!   schema's input types require.
//! - **Errors.** Invalid GraphQL gets HTTP 200 with `errors` worded as ION's graphql-core
//!   3.2 words them, message and locations, one error per problem, no follow-on errors
//!   (`graphql_errors.rs`); so does an operation name the document lacks. A by-id lookup
//!   whose id is not a whole number gets graphql-core's `Int cannot represent non-integer
//!   value: "abc"` (a missing row is `null`, no error). A `createPart` repeating a part
//!   number and revision gets an error containing `not unique` (`unique.rs`). A body that is
//!   not JSON or has no `query` gets 400. A JSON array of requests is answered with an
//!   array of responses. Another method on a known path gets 405 (with `Allow`), an
//!   unknown path 404, both with a JSON body naming the routes.
//! - **Environments.** Each double imitates one environment ([`EnvironmentSpec`]: a name,
//!   the ION realm it imitates, one API key, a token lifetime; [`IonDouble::start`] uses
//!   [`EnvironmentSpec::demo`], a sandbox, [`IonDouble::start_with`] any other). Its tokens
//!   carry the realm's issuer as ION's do (production's is
//!   `https://auth-production-pub.buildwithion.com/realms/api-keys`), so the harness reads a
//!   double's token as it reads ION's. Each environment name has its own 2048-bit RSA
//!   signing key (generated once per process, on first use: every per-trial `demo` double
//!   of a process shares one, `sandbox` and `production` have others), named in the token's
//!   `kid`, so a token from another environment gets `Unable to find appropriate RSA key`,
//!   as a production token does from ION's sandbox.
//!   [`IonDouble::expired_token`] hands out a token of its key that has already expired.
//! - **Permissions.** Each environment has three API keys, `admin` (its own), `editor` and
//!   `reader` (see [`api_keys`] for their credentials and [`Role`]); a mutation the
//!   token's role may not do gets HTTP 200, `null` data and ION's `User does not have
//!   permission to update this resource.` (create/update/delete). A token keeps the role its
//!   key had when it was issued (`POST /__double/keys` regenerates a key with another role).
//! - **Throttling.** ION documents 429 but no limits, no rate-limit headers and no
//!   `Retry-After`, so a double throttles only when asked: [`EnvironmentSpec::throttle`]
//!   ([`ThrottleSpec`]), `serve --rate-limit`, or `POST /__double/throttle` at run time. It
//!   is a token bucket per API key (the verified token's `azp` client id) on `POST /graphql`
//!   only, checked after the token; beyond it the answer is HTTP 429 in ION's error shape
//!   (`errors[0].message` is [`TOO_MANY_REQUESTS`]) and, per [`RetryAfter`], a
//!   `Retry-After` in delta-seconds, an HTTP-date, or none. Storms script 429s for the next
//!   N requests or the next T milliseconds, whatever the bucket says. The default is no
//!   limit.
//! - **Faults.** A slow answer, a 5xx page, a connection reset before or after the headers,
//!   a body cut short, a page that is not JSON, JSON without `data` or `errors`, partial
//!   data ([`fault`]): per environment ([`EnvironmentSpec::faults`], `serve --fault`), per
//!   operation, and at run time (`/__double/faults`, [`IonDouble::set_faults`]). None by
//!   default.
//! - **Limits.** A request's work is bounded in depth, result values and time, and a body's
//!   arrival in time; beyond them the double stops and answers 502 as ION's gateway does
//!   after 30 s, naming the limit ([`limits`], [`Limits`], `serve --max-depth`, ...). A
//!   request whose client disconnects stops, and queries run on a copy of the store, so a
//!   heavy request never holds up another client's.
//! - **Webhooks.** Receivers, their static headers, subscriptions and events are tables
//!   (`createWebhookReceiver`, `createWebhookHeader` + `addHeaderToWebhookReceiver`,
//!   `createWebhookSubscription`, `webhookEvents`, ...). Every committed create, update or
//!   delete of a table that has a `ResourceEnum` value (`PARTS`, `PARTS_INVENTORY`, `RUNS`,
//!   ...; a drift too, as ION fires on any database change) is POSTed to each active
//!   receiver with an active subscription for that resource and action: JSON
//!   `{"event_id", "subscription_id", "resource", "action", "id", "old", "new"}`, the
//!   receiver's static headers, and `x-ion-signature`, the lowercase hex HMAC-SHA256 of
//!   the exact body under the receiver's `sharedSecret`. Deliveries run in the background,
//!   never follow redirects, and are retried with exponential backoff until the receiver
//!   answers its `expectedResponseCode` ([`WebhookRetry`], set with
//!   [`IonDouble::set_webhook_retry`]); each is a `WebhookEvent` row going `SENDING` →
//!   `RETRYING` → `SUCCEEDED` or `FAILED`, with `numberOfRetries`, `responseStatusCode`,
//!   `responseData` and `requestData`. See `webhook/` for the details.
//!
//! Beside ION's paths, every double (embedded or `serve`d) answers these admin endpoints,
//! which are not counted, are never throttled, and which no ION client calls:
//!
//! - `GET /__double/requests`: `{"total": N, "paths": {"/graphql": n, ...}, "throttled": t,
//!   "stopped": {"max_result_values": s, ...}, "early": e}`, the requests received since
//!   start or the last reset, by path (unknown paths included, at most 64 distinct paths, the
//!   rest under `(other paths)`), how many got 429, how many were stopped at a limit of
//!   [`limits`] (or `cancelled`: their client went away), and how many came before their
//!   client's advertised `Retry-After`.
//! - `POST /__double/drift`: `{"delete": {"type": "Part", "id": 14}}` or
//!   `{"set": {"type": "Part", "id": 14, "fields": {"description": "x"}}}` changes the store
//!   behind the API's back, as a reset or another user would ([`IonDouble::drift`] does the
//!   same in process).
//! - `POST /__double/reset`: `{"reset": true}`; the store is a fresh copy of the seed, the
//!   counters are zero, the throttle's buckets are full and a storm is over. Tokens stay
//!   valid and the throttle settings stay as they are.
//! - `POST /__double/expire-tokens`: `{"expired": N}`; every token issued so far is answered
//!   401 `Token is expired.` from now on (a cutoff on the tokens' `jti` sequence, not the
//!   clock), so a client's refetch-on-expiry can be tested without waiting. Tokens issued
//!   afterwards work.
//! - `GET /__double/throttle`: the throttle settings,
//!   `{"per_second": 5, "burst": 5, "retry_after": "seconds", "storm": null}` (`storm`:
//!   `{"next": N}` or `{"for_ms": T}` while one lasts), or `{"throttle": null}` with no limit.
//! - `POST /__double/throttle` with a JSON body of any of `"per_second": n`, `"burst": n`,
//!   `"retry_after": "seconds"|"http-date"|"absent"` (unset fields keep their value; with no
//!   limit yet, one is made with rate 5, burst the rate, seconds), `"off": true` (no limit,
//!   no storm; alone), `"storm": {"next": N}` (the next N `/graphql` requests get 429,
//!   `Retry-After` 1 s), `"storm": {"for_ms": T}` (every one for T ms, `Retry-After` the time
//!   left) or `"storm": null`. Answers the resulting settings, or 400 naming the bad field
//!   and its valid values (and changes nothing).
//! - `POST /__double/schema` with SDL text as the body: from now on the environment serves
//!   that schema (requests are validated and executed against it, introspection shows it),
//!   as after an ION release that changed the schema; answers
//!   `{"schema": "replaced", "types": N}`. Its store stays: rows of types or fields the new
//!   schema lacks are out of reach, not gone. An invalid schema gets 400 with
//!   apollo-compiler's errors (`{"errors": [{"message", "locations"}]}`) and changes nothing.
//!   An empty body, or `DELETE /__double/schema`, restores the original schema
//!   (`{"schema": "original", "types": N}`); a reset leaves the schema as it is.
//!   [`IonDouble::set_schema`] and [`IonDouble::restore_schema`] do the same in process.
//!
//! # Using the double from Rust tests
//!
//! The crate root's docs show it ([`crate`]: `IonDouble::builder`, credentials, the request
//! journal, expectations and the wiremock composition); every item it names is re-exported
//! there.
//!
//! The request handling lives in one transport-independent place (`environment.rs`);
//! [`IonDouble`] serves it on a loopback port and a thread of its own for trials, and
//! [`serve`] for `ion-contract serve`, a long-running local ION for any client; both answer
//! through one hyper transport, faults included ([`fault`]). An [`observe::Observer`] given
//! to `serve` is told of every `/graphql` exchange there (`serve --record`,
//! [`crate::record`]).

pub mod api_keys;
mod backdoor;
mod builder;
pub mod control;
mod defaults;
mod documents;
mod environment;
mod expect;
pub mod families;
pub mod fault;
mod generate;
mod graphql_errors;
mod http;
pub mod journal;
mod keycloak;
pub mod limits;
mod model;
mod mutate;
mod mutex;
pub mod observe;
mod operation;
mod pool;
mod query;
mod reply;
mod resolve;
mod seed;
pub mod serve;
mod served_schema;
mod server;
mod shape;
mod signing;
mod spec;
mod store;
mod throttle;
mod tls;
mod token;
mod unique;
mod webhook;
#[cfg(feature = "wiremock")]
mod wiremock;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;

use crate::builtin::{self, Source};
use crate::diagnostic::{Diagnostic, display_path};
use crate::user_file::{self, Limit, ReadError};
pub use api_keys::{Credentials, Role, key_for};
pub use builder::IonDoubleBuilder;
pub(crate) use documents::Documents;
pub use expect::VerificationFailed;
pub use fault::{FaultKind, FaultRule};
pub use journal::{GraphqlCall, MAX_RECEIVED, ReceivedRequest};
pub use limits::Limits;
pub(crate) use model::as_id;
pub use operation::{Operation, Times};
pub use served_schema::SchemaRejected;
pub use server::IonDouble;
pub use shape::{DataShape, SNAPSHOT_SEED, UnknownDataShape};
pub use spec::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, EnvironmentSpec, TOKEN_LIFETIME_SECS};
pub(crate) use store::GENERATED_COLUMNS;
pub use throttle::{
    RetryAfter, StormChange, TOO_MANY_REQUESTS, ThrottleChange, ThrottleSpec, UnknownRetryAfter,
};
pub use webhook::WebhookRetry;
#[cfg(feature = "wiremock")]
pub use wiremock::{DOUBLE_PRIORITY, DoubleResponder};

/// The double's schema and seed data, loaded once and shared by every double started.
#[derive(Debug)]
pub struct DoubleData {
    schema: Arc<Valid<Schema>>,
    /// The schema's root fields by family, classified once ([`families`]).
    families: Arc<families::Families>,
    /// The documents that validated against the schema, shared by every double started
    /// (`documents.rs`).
    documents: Arc<documents::Documents>,
    seed: store::Store,
}

impl DoubleData {
    /// Reads and checks the schema and the seed data in these files.
    pub fn load(schema_path: &Path, seed_path: &Path) -> Result<Self, DoubleError> {
        Self::load_from(
            &Source::File(schema_path.to_path_buf()),
            &Source::File(seed_path.to_path_buf()),
        )
    }

    /// Reads and checks the schema and the seed data: the project's files, or the built-in
    /// ones where the project has none (see [`crate::builtin`]).
    pub fn load_from(schema: &Source, seed: &Source) -> Result<Self, DoubleError> {
        Self::load_shaped(schema, seed, DataShape::Demo)
    }

    /// Reads and checks the schema and the seed data, and shapes the tables as `shape` says
    /// ([`DataShape`]: blank, demo, snapshot).
    pub fn load_shaped(
        schema: &Source,
        seed: &Source,
        shape: DataShape,
    ) -> Result<Self, DoubleError> {
        let schema = schema.text_with(|path| read(path, Limit::Schema))?;
        Self::from_schema_text(
            schema,
            || seed.text_with(|path| read(path, Limit::File)),
            shape,
        )
    }

    /// Checks the schema `schema`, then reads the seed with `seed` and checks it.
    pub(super) fn from_schema_text(
        schema: builtin::Text,
        seed: impl FnOnce() -> Result<builtin::Text, DoubleError>,
        shape: DataShape,
    ) -> Result<Self, DoubleError> {
        let schema_path = &schema.path;
        let schema = Schema::parse_and_validate(schema.text, schema_path).map_err(|invalid| {
            DoubleError::Schema {
                path: schema_path.clone(),
                errors: invalid.errors.to_string(),
            }
        })?;
        let seed = seed()?;
        let seed = seed::load(&seed.path, &seed.text, &schema).map_err(|diagnostics| match seed
            .built_in
        {
            true => DoubleError::BuiltInSeed {
                diagnostics,
                schema: schema_path.clone(),
            },
            false => DoubleError::Seed(diagnostics),
        })?;
        let families = families::Families::classify(&schema);
        let seed = shape.apply(&schema, &families, seed);
        Ok(DoubleData {
            families: Arc::new(families),
            documents: Arc::default(),
            schema: Arc::new(schema),
            seed,
        })
    }

    /// The schema the double serves; suites are validated against it.
    pub fn schema(&self) -> &Valid<Schema> {
        &self.schema
    }

    /// The schema's root query fields and mutations by family, and what the double serves
    /// of them ([`families`]).
    pub fn families(&self) -> &families::Families {
        &self.families
    }
}

fn read(path: &Path, limit: Limit) -> Result<String, DoubleError> {
    user_file::read_text(path, limit).map_err(|why| DoubleError::Read {
        path: path.to_path_buf(),
        why,
    })
}

/// Why the double's files could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DoubleError {
    #[error(
        "cannot read {}: {why}\nhelp: {}",
        why.location(path),
        why.help_or("the double needs a schema and seed: pass --schema/--seed with readable \
            files, or leave them out to use the project's (suites/schema/ion.graphql, \
            suites/seed/demo.yaml) or, where it has none, the built-in ones; for --data snapshot, \
            write suites/seed/snapshot.yaml with `ion-contract data pull --target sandbox`")
    )]
    Read { path: PathBuf, why: ReadError },
    /// A file given to [`IonDoubleBuilder`] cannot be read.
    #[error(
        "cannot read {}: {why}\nhelp: {}",
        why.location(path),
        why.help_or("pass IonDoubleBuilder::schema_file/seed_file an existing file; a relative \
            path is read from the current directory (in a test, the package's root: build it \
            from env!(\"CARGO_MANIFEST_DIR\"))")
    )]
    ReadGiven { path: PathBuf, why: ReadError },
    #[error(
        "the double's schema {} is not valid GraphQL:\n{errors}",
        display_path(path)
    )]
    Schema { path: PathBuf, errors: String },
    #[error("{}", render(.0))]
    Seed(Vec<Diagnostic>),
    /// The built-in demo seed does not fit the project's own schema.
    #[error(
        "{}\nhelp: the built-in demo seed is written for the built-in schema; with your own schema \
         ({}), write your own seed in suites/seed/demo.yaml or pass --seed",
        render(.diagnostics),
        display_path(.schema)
    )]
    BuiltInSeed {
        diagnostics: Vec<Diagnostic>,
        schema: PathBuf,
    },
}

fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    out.push(format!(
        "the double's seed data has {} problem(s)",
        diagnostics.len()
    ));
    out.join("\n")
}
