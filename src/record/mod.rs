//! `serve --record <dir>`: an integration's contract, recorded from the operations it sends.
//!
//! While `ion-contract serve` answers a client (a Python script, a Node service, its test
//! suite), the recorder watches every `/graphql` exchange of both environments
//! ([`crate::double::observe`]) and keeps `<dir>` up to date with a suite of exactly the
//! operations the client relies on:
//!
//! - `<dir>/recorded.yaml`: one case per client **session** that only read, its steps in the
//!   order sent (it runs on every target, production's read-only check included);
//! - `<dir>/recorded-writes.yaml`: one case per session with a mutation, limited to
//!   `targets: [mock, sandbox]` (`suite_file`);
//! - `<dir>/documents/<operation>.graphql`: each distinct document once, referenced by the
//!   steps with `document:` and `operation:`.
//!
//! A session is one access token: every request carrying the same bearer token belongs to
//! one case. Two tokens of one API key (a client that fetched a second token, or two test
//! processes) are two sessions, as nothing in a request ties them together; a client that
//! renews its token mid-run therefore records two cases. A session whose token one of the
//! served `reader` or `editor` keys got runs its steps `as: reader` / `as: editor`
//! ([`crate::profile`]), so a replay sends what the integration's own key may do.
//!
//! What a step holds (`case`):
//!
//! - **chaining**: a variable value that an earlier response of the session answered (an id
//!   read from a list or a create, an `_etag`, a cursor) becomes a `capture:` of that
//!   earlier step and a `${name}` template, so the case replays against any data
//!   (`chain`);
//! - **values**: strings the schema types `String` (names, emails, free text) are replaced
//!   by per-run templates (`partNumber-1-3f2a-${run.short}`: the variable's name, which
//!   value of it, a mark of the case, the run's short id) unless `--record-values` keeps
//!   them; values under secret-like names (`password`, `token`, `secret`, ...) and
//!   token-shaped strings are replaced even then. Ids, numbers, booleans, enums and other
//!   scalars are kept (`values`);
//! - **expectations**: the status when it is not 200; an expected error as an `errors:`
//!   matcher (its `code`; else its message, or `contains:` the part of it before the first
//!   value the step sent, or `errors: any` when too little is left); the shape of what was selected (`type:` per
//!   selected leaf; `exists: true` for a null or an id, as ION's ids are strings or numbers
//!   depending on the server; `type: array` for a list, whose items vary with the data; at
//!   most 40 per step); `equals:` where a value the case wrote or captured is read back;
//!   and `snapshot: true`, which the default redactions keep stable ([`crate::redact`])
//!   (`expect`).
//!
//! Steps are named after their operation (an anonymous one after its first root field),
//! `-2`, `-3`, ... when one repeats; a case after its distinct operations, in order.
//!
//! What is not recorded: requests refused before GraphQL ran (401, 429), 5xx answers and
//! answers an injected fault shaped (the client retries those), bodies that are not GraphQL
//! requests, subscriptions, and documents that do not validate against the served schema
//! (`check` would refuse them); the summary counts the last. A session records at most
//! [`RecordOptions::max_steps_per_session`] steps (default [`MAX_STEPS_PER_SESSION`],
//! `--record-max-steps`) and the recorder at most [`RecordOptions::max_sessions`] sessions
//! (default [`MAX_SESSIONS`], `--record-max-sessions`); what is beyond is counted in the
//! summary, not recorded.
//!
//! Recording again merges into the same folder (`folder`): a session whose steps equal an
//! existing case's of its suite (or are the start of one) adds nothing, so recording the
//! same client run twice leaves every file byte for byte as it was; a new case whose name is
//! taken gets `-2`, `-3`, .... The files are rewritten after every exchange (so a killed
//! `serve` loses nothing; a session that has only read so far sits in `recorded.yaml` until
//! its first mutation moves it), each through [`crate::scrub`] as a last guard: a token, a
//! client secret or an `Authorization` header never reaches them. On stop, `serve` prints
//! [`Recorder::summary`] on stderr.
//!
//! Memory: the recorder keeps the requests and answers of the sessions it records (within
//! the limits above), so with `--record` a long-running `serve` grows with the traffic it
//! records, unlike a plain `serve`.
//!
//! Limits: values written literally inside a document (`part(id: 12)`) stay as they are,
//! only variables are templated; a loop that pages through a list records every page as a
//! step.

mod case;
mod chain;
mod expect;
mod folder;
mod sent;
mod session;
mod suite_file;
mod values;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;

use crate::diagnostic::display_path;
use crate::double::observe::{Exchange, Observer};

/// The most steps one session records by default; later ones are counted, not recorded.
pub const MAX_STEPS_PER_SESSION: usize = 200;

/// The most sessions one `serve --record` records by default; later ones are counted, not
/// recorded.
pub const MAX_SESSIONS: usize = 100;

/// How a [`Recorder`] records.
#[derive(Debug, Clone, Copy)]
pub struct RecordOptions {
    /// Keep the strings clients send (`--record-values`) instead of per-run templates.
    pub keep_values: bool,
    /// The most steps one session records (`--record-max-steps`).
    pub max_steps_per_session: usize,
    /// The most sessions recorded (`--record-max-sessions`).
    pub max_sessions: usize,
}

impl Default for RecordOptions {
    fn default() -> Self {
        RecordOptions {
            keep_values: false,
            max_steps_per_session: MAX_STEPS_PER_SESSION,
            max_sessions: MAX_SESSIONS,
        }
    }
}

/// Why recording cannot start, or a write of the folder failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The folder cannot be made, read or written.
    #[error(
        "cannot record into {}: {reason}\n\
         help: pass --record a folder you can write to (it is created if missing)",
        display_path(path)
    )]
    Folder {
        /// The folder or file concerned.
        path: PathBuf,
        /// What the OS said.
        reason: std::io::Error,
    },
    /// A recorded suite file the recorder cannot merge into (it is not a suite with
    /// `cases:`, or not YAML), or cannot write as YAML.
    #[error(
        "{at}: {message}\n\
         help: fix the file, or move it away to record into a fresh one"
    )]
    Suite {
        /// The suite file, with `:line:col` when the problem has a place.
        at: String,
        /// What is wrong with it.
        message: String,
    },
}

/// Records the sessions of a `serve` into a folder; see the module docs.
#[derive(Debug)]
pub struct Recorder {
    schema: Valid<Schema>,
    keep_values: bool,
    /// Client ids of served keys whose sessions replay `as:` a profile, with that profile.
    profiles: Vec<(String, &'static str)>,
    state: Mutex<State>,
}

/// An API key `serve` serves.
#[derive(Debug, Clone)]
pub struct ServedKey {
    /// Its client id.
    pub client_id: String,
    /// Its client secret (never written).
    pub client_secret: String,
    /// The credential profile a step names to use it (`reader`, `editor`), if not the
    /// target's own key.
    pub profile: Option<&'static str>,
}

#[derive(Debug)]
struct State {
    folder: folder::Folder,
    sessions: session::Sessions,
    /// Whether an error writing the folder was printed (only the first one is).
    write_failed: bool,
}

impl Recorder {
    /// Starts recording into `dir` (created if missing; an existing suite there is merged
    /// into). `schema` types the variables; `keys` are the API keys `serve` serves: their
    /// secrets are scrubbed from every written file, and a session whose token one of them
    /// got runs its steps `as:` that key's profile.
    pub fn open(
        dir: &Path,
        schema: Valid<Schema>,
        options: RecordOptions,
        keys: &[ServedKey],
    ) -> Result<Self, RecordError> {
        for key in keys {
            crate::scrub::register(&key.client_secret);
        }
        Ok(Recorder {
            schema,
            keep_values: options.keep_values,
            profiles: keys
                .iter()
                .filter_map(|k| Some((k.client_id.clone(), k.profile?)))
                .collect(),
            state: Mutex::new(State {
                folder: folder::Folder::open(dir)?,
                sessions: session::Sessions::new(options),
                write_failed: false,
            }),
        })
    }

    /// The folder recorded into.
    pub fn folder(&self) -> PathBuf {
        lock(&self.state).folder.dir().to_path_buf()
    }

    /// What was recorded, for stderr: one line per session, and what was left out.
    pub fn summary(&self) -> String {
        let state = lock(&self.state);
        state.sessions.summary(&state.folder)
    }
}

impl Observer for Recorder {
    fn graphql(&self, exchange: &Exchange<'_>) {
        let Some((token, sent)) = session::read(exchange) else {
            return;
        };
        let client_id = session::client_id(exchange);
        let profile = self
            .profiles
            .iter()
            .find(|(id, _)| Some(id) == client_id.as_ref())
            .map(|(_, profile)| *profile);
        let mut state = lock(&self.state);
        let State {
            folder,
            sessions,
            write_failed,
        } = &mut *state;
        let Some(index) = sessions.add(&token, profile, sent) else {
            return;
        };
        sessions.rebuild(index, &self.schema, self.keep_values, folder);
        if let Err(error) = folder.write(&sessions.built())
            && !*write_failed
        {
            *write_failed = true;
            crate::scrubbed_eprintln!(
                "error: ion-contract serve --record: {error}\n\
                 (recording goes on: the next exchange writes every file again)"
            );
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
