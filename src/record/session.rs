//! Sessions: the `/graphql` exchanges of one access token, in the order sent, and the case
//! each has become so far.

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::RecordOptions;
use super::case::{self, Built};
use super::folder::{Folder, Placement};
use super::sent::Sent;
use crate::double::observe::Exchange;

/// A session's key: the SHA-256 of its token (the token itself is never kept).
type Key = [u8; 32];

/// The exchange's session key and its requests, or `None` when it is not recorded: no
/// bearer token, refused before GraphQL ran (401, 429), a 5xx or a fault, or a body that is
/// not a GraphQL request and answer.
pub(crate) fn read(exchange: &Exchange<'_>) -> Option<(Key, Vec<Sent>)> {
    if exchange.faulted || matches!(exchange.status, 401 | 429) || exchange.status >= 500 {
        return None;
    }
    let token = exchange.authorization?.strip_prefix("Bearer ")?.trim();
    let key: Key = Sha256::digest(token.as_bytes()).into();
    let request: Value = serde_json::from_slice(exchange.request).ok()?;
    let response: Value = serde_json::from_slice(exchange.response).ok()?;
    let pairs: Vec<(Value, Value)> = match (request, response) {
        (Value::Array(requests), Value::Array(responses)) if requests.len() == responses.len() => {
            requests.into_iter().zip(responses).collect()
        }
        (request @ Value::Object(_), response @ Value::Object(_)) => vec![(request, response)],
        _ => return None,
    };
    let sent = pairs
        .into_iter()
        .filter_map(|(request, response)| {
            Some(Sent {
                document: request.get("query")?.as_str()?.trim().to_owned(),
                operation: request
                    .get("operationName")
                    .and_then(Value::as_str)
                    .filter(|name| !name.is_empty())
                    .map(str::to_owned),
                variables: match request.get("variables") {
                    Some(Value::Object(map)) => map.clone(),
                    _ => Map::new(),
                },
                status: exchange.status,
                response,
            })
        })
        .collect::<Vec<_>>();
    (!sent.is_empty()).then_some((key, sent))
}

/// The client id of the exchange's token (its `azp`), read without checking the signature:
/// the double checked it before answering.
pub(crate) fn client_id(exchange: &Exchange<'_>) -> Option<String> {
    let token = exchange.authorization?.strip_prefix("Bearer ")?.trim();
    crate::auth::Claims::decode(token)?.client_id
}

/// One session: what it sent and the case it makes.
#[derive(Debug)]
struct Session {
    key: Key,
    /// The profile its steps run `as:` (`reader`, `editor`), when its key has one.
    profile: Option<&'static str>,
    sent: Vec<Sent>,
    built: Built,
    /// Steps past the limit, not recorded.
    dropped: usize,
}

/// Every session of the run, in the order they began.
#[derive(Debug)]
pub(crate) struct Sessions {
    sessions: Vec<Session>,
    /// Sessions past the limit, not recorded.
    dropped_sessions: usize,
    max_steps: usize,
    max_sessions: usize,
}

impl Sessions {
    /// No session yet, with the limits of `options`.
    pub(crate) fn new(options: RecordOptions) -> Self {
        Sessions {
            sessions: Vec::new(),
            dropped_sessions: 0,
            max_steps: options.max_steps_per_session,
            max_sessions: options.max_sessions,
        }
    }

    /// Adds the requests of one exchange to its session; the session's index, or `None`
    /// when nothing was added (past a limit).
    pub(crate) fn add(
        &mut self,
        key: &Key,
        profile: Option<&'static str>,
        sent: Vec<Sent>,
    ) -> Option<usize> {
        let index = match self.sessions.iter().position(|s| &s.key == key) {
            Some(index) => index,
            None if self.sessions.len() >= self.max_sessions => {
                self.dropped_sessions += 1;
                return None;
            }
            None => {
                self.sessions.push(Session {
                    key: *key,
                    profile,
                    sent: Vec::new(),
                    built: Built::default(),
                    dropped: 0,
                });
                self.sessions.len() - 1
            }
        };
        let session = &mut self.sessions[index];
        let room = self.max_steps.saturating_sub(session.sent.len());
        session.dropped += sent.len().saturating_sub(room);
        let before = session.sent.len();
        session.sent.extend(sent.into_iter().take(room));
        (session.sent.len() > before).then_some(index)
    }

    /// Builds the case of session `index` again from everything it sent.
    pub(crate) fn rebuild(
        &mut self,
        index: usize,
        schema: &Valid<Schema>,
        keep_values: bool,
        folder: &mut Folder,
    ) {
        let session = &mut self.sessions[index];
        let profile = session.profile;
        session.built = case::build(
            &session.sent,
            schema,
            keep_values,
            profile,
            &mut |text, stem| folder.document(text, stem),
        );
    }

    /// The cases of every session, in the order the sessions began.
    pub(crate) fn built(&self) -> Vec<&Built> {
        self.sessions.iter().map(|s| &s.built).collect()
    }

    /// One line per session (its case, new or already recorded), and what was left out.
    pub(crate) fn summary(&self, folder: &Folder) -> String {
        let dir = crate::diagnostic::display_path(folder.dir());
        if self.sessions.is_empty() {
            return format!(
                "ion-contract serve --record: no GraphQL session to record; {dir} unchanged\n\
                 help: point the client at the printed ION_SANDBOX_API_URL and \
                 ION_SANDBOX_AUTH_URL, and let it fetch a token from the served key"
            );
        }
        let mut lines = vec![format!(
            "ion-contract serve --record: {} session(s) recorded into {dir}:",
            self.sessions.len()
        )];
        let (placements, _) = folder.plan(&self.built());
        for (session, placement) in self.sessions.iter().zip(placements) {
            let built = &session.built;
            let state = match placement {
                Some(Placement::New(name, file)) => format!("new case `{name}` in {file}"),
                Some(Placement::Existing(name, file)) => {
                    format!("already recorded as `{name}` in {file} (unchanged)")
                }
                None => "nothing recordable".to_owned(),
            };
            let mut line = format!("  {state}: {} step(s)", built.steps.len());
            if built.invalid > 0 {
                line.push_str(&format!(
                    ", {} operation(s) left out that do not validate against the schema (the \
                     client got GraphQL errors for them)",
                    built.invalid
                ));
            }
            if session.dropped > 0 {
                line.push_str(&format!(
                    ", {} step(s) past the limit of {} left out (raise it with \
                     --record-max-steps)",
                    session.dropped, self.max_steps
                ));
            }
            lines.push(line);
        }
        if self.dropped_sessions > 0 {
            lines.push(format!(
                "  {} session(s) past the limit of {} left out (raise it with \
                 --record-max-sessions, or restart serve --record to record them)",
                self.dropped_sessions, self.max_sessions
            ));
        }
        lines.push(format!(
            "  next: `ion-contract check --suites {dir}` (or the suites folder holding it), then \
             `INSTA_UPDATE=unseen ion-contract run --suites {dir}` to write the snapshots"
        ));
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange<'a>(status: u16, request: &'a [u8], response: &'a [u8]) -> Exchange<'a> {
        Exchange {
            authorization: Some("Bearer abc.def.ghi"),
            request,
            status,
            response,
            faulted: false,
        }
    }

    #[test]
    fn only_answered_graphql_requests_with_a_token_are_recorded() {
        let one = br#"{"query": "{ me { id } }", "operationName": ""}"#;
        let answer = br#"{"data": {"me": {"id": 1}}}"#;
        let (key, sent) = read(&exchange(200, one, answer)).expect("recorded");
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].operation, None, "an empty operationName is none");
        assert_eq!(key, <[u8; 32]>::from(Sha256::digest(b"abc.def.ghi")));

        let batch = br#"[{"query": "{ a }"}, {"query": "{ b }"}]"#;
        let answers = br#"[{"data": {"a": 1}}, {"data": {"b": 2}}]"#;
        assert_eq!(
            read(&exchange(200, batch, answers)).map(|(_, s)| s.len()),
            Some(2)
        );

        for status in [401, 429, 500, 502] {
            assert!(read(&exchange(status, one, answer)).is_none(), "{status}");
        }
        let faulted = Exchange {
            faulted: true,
            ..exchange(200, one, answer)
        };
        assert!(read(&faulted).is_none());
        let anonymous = Exchange {
            authorization: None,
            ..exchange(200, one, answer)
        };
        assert!(read(&anonymous).is_none());
        assert!(read(&exchange(200, b"not json", answer)).is_none());
    }

    #[test]
    fn steps_and_sessions_past_the_limits_are_counted_not_recorded() {
        let mut sessions = Sessions::new(RecordOptions {
            max_steps_per_session: 2,
            max_sessions: 1,
            ..RecordOptions::default()
        });
        let one = br#"{"query": "{ me { id } }"}"#;
        let answer = br#"{"data": {"me": {"id": 1}}}"#;
        let (key, sent) = read(&exchange(200, one, answer)).unwrap();
        for _ in 0..3 {
            sessions.add(&key, None, sent.clone());
        }
        assert_eq!(sessions.sessions[0].sent.len(), 2);
        assert_eq!(sessions.sessions[0].dropped, 1);
        assert_eq!(sessions.add(&[7; 32], None, sent), None);
        assert_eq!(sessions.dropped_sessions, 1);
        let folder = Folder::open(&crate::testing::scratch_dir("record-limits")).unwrap();
        let summary = sessions.summary(&folder);
        assert!(
            summary.contains("1 step(s) past the limit of 2"),
            "{summary}"
        );
        assert!(
            summary.contains("1 session(s) past the limit of 1"),
            "{summary}"
        );
        let _ = std::fs::remove_dir_all(folder.dir());
    }
}
