//! ion-contract: contract tests for integrations built on First Resonance's ION GraphQL API.
//!
//! You describe the GraphQL operations your integration relies on (the exact queries and
//! mutations, the fields it reads, the values it expects) as YAML suites in `suites/`.
//! ion-contract validates every operation against ION's schema when the suite loads and runs
//! each case as a `cargo test` trial against an embedded double of ION (the default), a live
//! ION sandbox, or production read-only, recording responses as insta snapshots in
//! `snapshots/`.
//!
//! ```sh
//! cargo run --release -- run     # every suite against the embedded double; exit 0 or 101
//! cargo test                     # the same trials, plus the harness's own tests
//! cargo run -- check             # validate the suites only; exit 0, or 2 with located errors
//! cargo run -- preflight --target sandbox  # URLs and credentials all the sandbox's? exit 0 or 3
//! cargo run -- serve             # a local ION (sandbox :4010, production :4011) for any client
//! cargo run -- serve --record suites/recorded  # ... recording its clients' operations as suites
//! cargo run -- schema pull --target sandbox  # the live schema as SDL, by introspection
//! cargo run -- schema diff --target sandbox  # which live changes break our operations? 0 or 4
//! cargo run -- data pull --target sandbox    # the sandbox's rows, faked, as the double's data
//! ```
//!
//! # The manual
//!
//! | topic | where |
//! | --- | --- |
//! | the suite format, templates and how loading reports problems | [`suite`], [`suite::template`] |
//! | trials, their names, filters and libtest flags | [`runner`] |
//! | what an expectation checks and how a failure reads | [`check`], [`execute`] |
//! | the closed set of step failure classes, `expect: {failure}`, time limits | [`report::FailureClass`], [`execute`] |
//! | faults the double injects (`fault:`, `/__double/faults`, `serve --fault`) | [`double::fault`] |
//! | the embedded ION double: auth, reads, writes, errors, admin endpoints | [`double`] |
//! | the double's data shapes (`--data blank\|demo\|snapshot`, `data =`) | [`double::DataShape`] |
//! | `data pull`: a live tenant's rows into a seed file, sensitive values faked | [`data_pull`], [`data_pull::fake`] |
//! | `serve`: the double as a long-running local ION, sandbox and production | [`double::serve`] |
//! | `serve --record`: an integration's contract recorded from its traffic (sessions, captures, expectations, merging) | [`record`] |
//! | snapshots and their redactions | [`snapshot`], [`redact`] |
//! | `review`: accepting or rejecting pending snapshots, with or without a terminal | [`snapshot::review`] |
//! | secrets kept out of every output, in every encoding | [`scrub`] |
//! | targets (`suites/targets.yaml`), their URLs and credentials, `require_credentials` | [`target`] |
//! | the schema, seed and chain the binary carries, and which file a command reads | [`builtin`] |
//! | where the project is (from any folder of it), `ion-contract.toml` | [`project`] |
//! | tokens (fetched once, renewed before expiry) and HTTP | [`auth`], [`client`] |
//! | environment mismatch: the preflight of a live target, and `ion-contract preflight` | [`preflight`] |
//! | reaching a target: a live one only after its preflight, for every command | [`reach`] |
//! | which environment a host, issuer or variable belongs to; the 401/403 classes | [`auth::Realm`], [`auth::classify`] |
//! | steps that run `as:` other credentials | [`profile`] |
//! | pacing (`max_rps`), Retry-After and retries | [`client`] |
//! | throttle checks and ramps, a suite's `double:` | [`suite`] (Throttling), [`double`] (Throttling) |
//! | the seeding chain (`seed`, `seed --clean`) | [`seeding`] |
//! | data drift against the baseline (`drift`) | [`drift::data`] |
//! | the nightly smoke run (`smoke`) | [`smoke`] |
//! | reports for CI: JUnit, JSON, markdown summary | [`report`] |
//! | exit codes of every command | [`exit`] |
//! | `init`: a new project's files, and starter suites from a team's operations (`--from`) | [`init`], [`init::from`], [`init::extract`] |
//! | the loader's limits: user files (regular, bounded), symlinks, YAML nodes, JSONPath, `--test-threads`, a closed stdout | [`user_file`], [`suite`] (`load`, `parse`, `jsonpath`), [`runner`], [`closed_stdout`] |
//! | shards (`--shard i/n`) and suite locks (`lock:`) | [`runner::Shard`], [`lock`] |
//! | the progress line of `seed`, `drift` and `smoke` (`ION_PROGRESS`) | [`progress`] |
//! | schema drift: `schema pull`, `schema diff`, breaking/dangerous/safe, usage-awareness, exit codes | [`drift`] |
//! | the classification rules (graphql-inspector's) | [`drift::schema`] |
//! | what an operation uses, and which changes touch it | [`drift::usage`] |
//! | introspection and its JSON read back as SDL | [`drift::introspect`], [`drift::sdl`] |
//! | `sweep`: what earlier runs left on a sandbox, found by run id and deleted | [`sweep`] |
//! | the run id (`ION_TEST_RUN`, `${run.id}`, `${run.short}`, `X-Test-Run`) | [`run_id`] |
//! | `expect_webhook:`: receivers per case, the loopback sink, `webhookEvents`, `X-Test-Run` | [`webhook`] |
//! | the double's webhooks (receivers, subscriptions, signed deliveries, retries) and API-key roles | [`double`] (Webhooks), [`double::keys`] |
//! | giving a double another schema (`POST /__double/schema`, [`double::IonDouble::set_schema`]) | [`double`] |
//!
//! # Project layout
//!
//! ```text
//! suites/*.yaml              one suite per file; its id is the path without .yaml
//! suites/documents/*.graphql operations shared by several steps (`document:` + `operation:`)
//! suites/schema/ion.graphql  the double's schema: a subset of ION's real schema (optional)
//! suites/schema/<target>.graphql  a target's schema as `schema pull` wrote it (not a suite)
//! suites/seed/demo.yaml      the double's data, fresh for every trial (optional)
//! suites/seed/snapshot.yaml  the `snapshot` data shape's file, as `data pull` writes it
//! suites/seed/chain.yaml     the seeding chain of `seed`, `drift`, `smoke` (optional)
//! suites/targets.yaml        where suites may run (optional: mock, sandbox, production built in)
//! suites/suite.schema.json   the suite format as a JSON Schema, for editors (`schema suite-format`)
//! snapshots/*.snap           <suite>__<case>@<target>.snap
//! ```
//!
//! Only the suite files are needed: the binary carries this repository's schema, demo seed
//! and demo chain, and reads a project's own file instead wherever it has one ([`builtin`]).
//!
//! # Trials
//!
//! Every case becomes one trial per target, named `<suite>::<case>::<target>`
//! (`parts::list-paginates::mock`). The default target is `mock`, the embedded double
//! (`ION_TARGET` or `--target` choose another). A suite with `targets: [mock, sandbox]` is
//! planned only for those targets.
//!
//! On a live target every trial shares one HTTP client and one token, trials run one at a
//! time unless `--test-threads` says otherwise, and they come in verification order: cases
//! that only ask `me` first (are the credentials and tenant right?), then cases that only
//! read, then cases that write. A live target whose credentials are not set lists its
//! trials as ignored, with one line on stderr naming the variables to set; where they are
//! required (`--require-credentials`, `ION_REQUIRE_CREDENTIALS=1`, a target's
//! `require_credentials: true`) the run fails instead, exit 2 (see [`target`]). On a read-only
//! target (production) a case with a mutation fails before it sends anything.
//!
//! A suite file that does not load becomes one
//! failing trial `<suite>::load` holding every diagnostic (`file:line:col`, what is wrong and
//! how to fix it); the other suites still run. A failing step names
//! `suite::case::target`, the step and its `file:line:col`, each unmet expectation, and the
//! response with secrets redacted.
//!
//! # The double's seed file
//!
//! ```yaml
//! me: 1                      # the User that `me` returns (default: the lowest User id)
//! defaults:                  # columns a create fills in when its input leaves them out
//!   Part: {revision: "A", partType: PART}
//! Part:                      # one table per entity type, named as in the schema
//!   - {id: 1, partNumber: PN-1001, description: Bracket}
//! PartInventory:
//!   - {id: 1, partId: 1, quantity: 4}   # `partId` is the column `PartInventory.part` follows
//! ```
//!
//! Row keys are fields of their type; `xId` columns must point at existing rows; the double
//! fills in `_etag`, `_created`, `_updated` and `entityId`. Problems are reported at
//! `file:line:col`, all at once, by `check` and `run` alike. Every entity type of the schema
//! the file does not name gets three generated rows (deterministic, with foreign keys to
//! existing rows); write `Type: []` to keep a type empty. That is the `demo` data shape; the
//! `blank` shape keeps only `me` and its organization, the `snapshot` shape a file as it is
//! ([`double::DataShape`]).
//!
//! # Secrets
//!
//! No output (terminal, snapshot, report, pulled SDL, error message) carries a secret:
//! tokens, client secrets and `Authorization` headers are redacted wherever a response or
//! request is shown ([`redact`]), and every text that leaves the process goes through one
//! scrubbing path ([`scrub`]) that knows every credential variable's value, every token
//! fetched and every webhook secret, and finds them raw, URL-encoded, JSON-escaped or in
//! base64 (values of 4 characters or more). `tests/it/leak.rs` runs every suite, passing and
//! failing, with known credentials; `tests/it/hostile.rs` runs every command against a fake ION
//! that echoes them into every answer; both look for them in every output.

#![forbid(unsafe_code)]

pub mod auth;
pub mod builtin;
pub mod check;
pub mod client;
pub mod closed_stdout;
pub mod data_pull;
pub mod diagnostic;
pub mod double;
pub mod drift;
pub mod execute;
pub mod exit;
pub mod init;
mod load_check;
pub mod lock;
pub mod preflight;
pub mod profile;
pub mod progress;
pub mod project;
pub mod reach;
pub mod record;
pub mod redact;
pub mod report;
pub mod run_id;
pub mod runner;
pub mod scrub;
pub mod secret;
pub mod seeding;
pub mod smoke;
pub mod snapshot;
pub mod suite;
pub mod sweep;
pub mod target;
#[cfg(test)]
mod testing;
pub mod user_file;
pub mod webhook;
