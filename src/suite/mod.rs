//! Suite files: the on-disk format, the loader and the validated model.
//!
//! # The format
//!
//! One YAML file is one suite. Suites are the `*.yaml` files under the suites directory,
//! recursively, except the top-level `targets.yaml` and anything under a directory named
//! `schema` or `seed` or starting with `.` or `_`. A suite's id is its path relative to the
//! suites directory, `/`-separated, without `.yaml` (`parts`, `inventory/by-location`).
//!
//! ```yaml
//! name: Parts                    # required
//! description: Reading parts     # optional
//! tags: [parts, read]            # optional
//! targets: [mock, sandbox]       # optional; default: every target
//! redact:                        # optional: insta selector -> placeholder
//!   ".case.list.data.parts.edges[].node.cost": "[cost]"
//! # double: {throttle: {per_second: 5}, storm: {next: 2}}   # optional (see below)
//! # fixture: chain               # optional: seed suites/seed/chain.yaml first ([`crate::seeding`])
//! # lock: parts-inventory        # optional: cases of suites with one lock never run at once
//! cases:                         # required, non-empty
//!   - name: list-paginates       # required, unique; [A-Za-z0-9][A-Za-z0-9_.-]*
//!     steps:                     # required, non-empty
//!       - name: first-page       # optional; default step-<n>
//!         # as: production       # optional: other credentials (see below)
//!         query: |               # inline, or `document:` (a .graphql file relative to
//!           query FirstPage($n: Int) {   # this file) plus `operation:` when it holds several
//!             parts(first: $n) { pageInfo { endCursor count } }
//!           }
//!         variables: {n: 2}      # strings may hold ${capture}, ${env:NAME}, ${run.id}, ${run.short}
//!         # retry: false         # optional: no retries, to see a raw 429 or 5xx
//!         expect:
//!           status: 200          # default 200 (none with `auth:`)
//!           # retry_after: present  # present | absent | "<= 5s" (the 429's Retry-After)
//!           # auth: expired      # expect ION to refuse the request (see below)
//!           errors: none         # none (default; unchecked with `auth:`) | any |
//!                                # [{message, contains, code, path}]
//!           data:                # JSONPath (RFC 9535) on the response's `data`
//!             - path: $.parts.pageInfo.count
//!               equals: 2        # equals exists absent type matches length min max contains one_of
//!         capture:
//!           cursor: $.parts.pageInfo.endCursor
//!         snapshot: true         # or a key
//!     # cleanup: [...]           # optional: steps run after the case whatever happened
//!                                # (default names cleanup-<n>; see the execute module)
//!     # shared_snapshot: true    # optional: one snapshot (@any) for every target
//!     # keep_in_snapshot: [cursor]  # optional: captures the snapshot shows as they are
//! ```
//!
//! A snapshot never holds what differs between runs and tenants: captured values appear as
//! the template that names them (`"${cursor}"`), ids the case's creates answered as
//! `[created id N]`, values written with `${run.id}` as their template (see
//! [`crate::redact::case_values`]).
//!
//! Templates (`${name}`, `${env:NAME}`, `${run.id}`, `$${` for a literal `${`) are described
//! in [`template`].
//!
//! The format is also a JSON Schema, [`json_schema()`], generated from the types the loader
//! reads and committed as `suites/suite.schema.json` (`ion-contract schema suite-format`
//! prints it; a test checks that the committed file is current). Suite files name it in
//! their first line, relative to the file, so that editors using the YAML language server
//! complete and check keys as you type:
//!
//! ```yaml
//! # yaml-language-server: $schema=./suite.schema.json
//! ```
//!
//! The schema covers the shape of a suite (keys, types, the values a key takes); loading
//! checks the rest.
//!
//! # Credentials and expected refusals
//!
//! A step sends the target's own credentials unless it says `as: <profile>`:
//!
//! | profile | the request carries |
//! | --- | --- |
//! | a target's name (`production`) | that target's credentials |
//! | `anonymous` | no `Authorization` header |
//! | `malformed` | a token ION cannot parse |
//! | `expired` | a token the target's environment issued that has expired |
//! | `unknown-issuer` | a well-formed JWT from an issuer that is no ION environment |
//! | `reader` | an API key of the target's environment that may only read |
//! | `editor` | an API key of the target's environment that may read, create and update, not delete |
//!
//! `reader` and `editor` are the double's own keys of those roles on the double, and on a
//! live target the keys its `reader_client_id`/`reader_client_secret` and
//! `editor_client_id`/`editor_client_secret` variables name (see [`crate::profile`]). A
//! reserved name wins over a target of the same name. `expect.auth:` expects ION to refuse
//! the request, with one [`AuthClass`](crate::auth::AuthClass): `wrong-environment`,
//! `expired`, `missing`, `malformed`, `forbidden` or `unauthorized`. With `auth:`, `status` and
//! `errors` are checked only when written; a status the class never has is refused when the
//! suite loads (`forbidden` is a 403 or a 200 with a permission error, every other class a
//! 401). `data:` assertions still apply.
//!
//! ```yaml
//!   - name: production-key-is-refused-by-the-sandbox
//!     steps:
//!       - as: production
//!         query: "query Me { me { id } }"
//!         expect: {auth: wrong-environment}
//! ```
//!
//! # Throttling
//!
//! The client retries a 429 for every operation (after `Retry-After`, or a jittered
//! backoff) and a 5xx for queries only; `retry: false` on a step turns that off, so the step
//! sees the raw answer and can check its `Retry-After` with `expect.retry_after`.
//!
//! A case may instead be a load check driving its one step (see [`LoadCheck`]):
//!
//! ```yaml
//!   - name: twenty-at-fifty-per-second
//!     throttle: {requests: 20, rate: 50, max_throttled: 40, within: 10s}
//!     steps: [{query: "query Me { me { id } }"}]
//!   - name: find-the-safe-rate
//!     ramp: {from: 10, to: 40, by: 10, requests: 10, max_4xx_share: 0.2, safe_rate_at_least: 10}
//!     steps: [{query: "query Me { me { id } }"}]
//! ```
//!
//! A suite's `double:` says how the ion-contract double it runs on throttles, for every case:
//! `throttle: {per_second, burst, retry_after: seconds | http-date | absent}` and
//! `storm: {next: N}` or `storm: {for_ms: T}`. It applies on the embedded double and on a
//! local `ion-contract serve` (put back after each case); on ION such suites are ignored.
//!
//! # Loading
//!
//! Loading runs in passes, each reporting located [`Diagnostic`](crate::diagnostic::Diagnostic)s
//! (file:line:col, what, how to fix) rather than stopping at the first problem:
//!
//! 1. **discover** ([`discover`], [`suite_id`]): which files are suites, and their ids;
//! 2. **parse** (`parse`, `node`, `shape`, `format`): YAML syntax (an error stops the file),
//!    then every unknown, duplicate or missing key and every wrongly typed value at once, then
//!    the typed serde shape of `format`;
//! 3. **validate** (`validate`, `expect`, `captures`, `graphql`, `variables`, `selection`):
//!    names; credential profiles (`as:`) and `auth` classes; operations validated against the
//!    GraphQL schema with apollo-compiler (errors mapped back into the suite file or the
//!    `.graphql` document); variables; JSONPaths, and whether they reach fields the operation
//!    selects; regexes; templates and captures in step order; redaction selectors.
//!
//! The result is the [`Suite`] model, which the runner consumes and which never holds
//! unchecked input. Nothing here prints, reads the environment or touches the network.

mod captures;
mod case;
mod case_snapshot;
mod expect;
mod fault;
pub(crate) mod format;
mod format_keys;
mod graphql;
mod graphql_hints;
mod json_schema;
mod jsonpath;
mod load;
mod model;
mod parse;
mod selection;
mod selector;
mod shape;
mod step;
pub mod template;
mod throttle;
mod validate;
mod variables;
mod webhook;

pub use webhook::DEFAULT_WITHIN as DEFAULT_WEBHOOK_WITHIN;

pub use apollo_compiler::Schema;
pub use apollo_compiler::validation::Valid;
pub use json_schema::json_schema;
pub use load::{DiscoverError, LoadContext, LoadFailure, discover, load_dir, load_suite, suite_id};
pub use model::*;
