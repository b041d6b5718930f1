//! `sweep`: what earlier runs left on a shared sandbox, found by their run ids and deleted.
//!
//! A run that is killed (a CI job cancelled, a runner lost) never reaches its `cleanup:`
//! steps, and a case without them leaves its rows anyway. Every value a write case makes
//! with `${run.id}` (`PN-${run.id}`), every webhook receiver the harness registers
//! (`ion-contract <run id> <suite>::<case>::<target>`) and its `X-Test-Run` header carry the
//! run id, so `ion-contract sweep --target sandbox` can find them later:
//!
//! - **What is looked at** comes from the schema the project uses (the built-in one or its
//!   `schema:`), by ION's conventions: every object type with a `delete<Type>(etag, id)`
//!   mutation and a Query field returning a connection of it. Each list is read page by
//!   page ([`PAGE_SIZE`] rows, at most [`MAX_ROWS_PER_TYPE`] per type: the listing says when
//!   a type had more), selecting `id`, `_etag` and the type's `String` fields, secret ones
//!   (`sharedSecret`) left out. Types ION cannot delete (runs, which are archived) are not
//!   swept.
//! - **A leftover** is a row one of whose string fields holds a run id ([`run_ids`]): with
//!   the default prefix `ion-contract-`, a generated id; with `--prefix P` (a team that sets
//!   `ION_TEST_RUN`), `P` and what follows it up to a space. The subscriptions of a
//!   receiver found are leftovers too: the double does not delete them with their receiver,
//!   and ION's documentation does not say that it does.
//! - **Age**: a generated id holds the second its run started; only leftovers of runs that
//!   started at least `--older-than` ago (default [`DEFAULT_OLDER_THAN`]; `0` for all) are
//!   swept, so a nightly sweep never deletes the rows of a run still going on another
//!   machine. The others are counted as spared. Ids without a time count as old.
//! - **The seeding chain** is never swept: a `--prefix` that one of the chain's own values
//!   holds is refused ([`chain_conflict`]), so only rows that carry a run id are taken.
//! - **Deleting** (`--yes`): a receiver's subscriptions first, then the rest in the
//!   listing's order; a row ION refuses (one still referenced) is tried again after the
//!   others with its etag read afresh, for up to [`MAX_PASSES`] passes while a pass deletes
//!   something. What could not be deleted is listed with ION's message.
//! - **Reports**: one line per row ([`Leftover::line`]), or one JSON object
//!   (`--format json`, [`Found::json`]).
//!
//! The command (`ion-contract sweep`) reaches a live target only through [`crate::reach`]
//! (its preflight first, exit 3 when it fails, before any GraphQL request), refuses a
//! read-only target (production) before anything is sent, and on the embedded double says
//! there is nothing to sweep: each command starts a fresh one. Exit codes: 0; 1
//! ([`crate::exit::SEED_REFUSED`]) when ION would not delete something; 2 invalid options or
//! target, no credentials; 3 preflight failed.

mod delete;
pub mod run_ids;
mod scan;

use std::time::{Duration, SystemTime};

use apollo_compiler::Schema;
use serde_json::Value;

pub use delete::Deleted;
pub use run_ids::{RunIds, RunMatch};

use crate::client::GraphqlClient;
use crate::seeding::Chain;
use crate::seeding::graph::{Deletable, deletable_types};

/// Rows asked for per page.
pub const PAGE_SIZE: usize = 100;
/// Rows read of one type at most; a sweep with more leftovers than that runs again.
pub const MAX_ROWS_PER_TYPE: usize = 10_000;
/// Delete passes at most.
pub const MAX_PASSES: usize = 5;
/// Leftovers of runs younger than this are spared unless `--older-than` says otherwise.
pub const DEFAULT_OLDER_THAN: &str = "1h";
/// The longest value a listing line shows.
const MAX_SHOWN_CHARS: usize = 80;

/// Rows that belong to another row found, and go with it: (owner type, dependant type, the
/// dependant's column holding the owner's id).
const DEPENDANTS: [(&str, &str, &str); 1] =
    [("WebhookReceiver", "WebhookSubscription", "receiverId")];

/// A row an earlier run left.
#[derive(Debug, Clone, PartialEq)]
pub struct Leftover {
    /// Its type.
    pub type_name: String,
    /// Its id.
    pub id: Value,
    /// Its etag when it was read.
    pub etag: Option<String>,
    /// The field that holds the run id (for a receiver's subscription, `receiverId`).
    pub field: String,
    /// That field's value.
    pub value: String,
    /// The run id in it.
    pub run: RunMatch,
}

impl Leftover {
    /// One line: type, id, the field and value that matched, the run id and its age.
    pub fn line(&self, now: SystemTime) -> String {
        let mut value: String = self.value.chars().take(MAX_SHOWN_CHARS).collect();
        if value.len() < self.value.len() {
            value.push_str("...");
        }
        let age = match self.run.age(now) {
            Some(age) => format!(
                "started {} ago",
                humantime::format_duration(Duration::from_secs(age.as_secs()))
            ),
            None => "no start time".to_owned(),
        };
        format!(
            "{:<20} {:<8} {} {:?}  run {} ({age})",
            self.type_name,
            crate::webhook::id_text(&self.id),
            self.field,
            value,
            self.run.id
        )
    }

    /// As `--format json` gives it: `type`, `id`, `field`, `value`, `run`, and `started`
    /// (unix seconds, `null` for ids without a time).
    pub fn json(&self) -> Value {
        let started = self
            .run
            .started
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map(|d| d.as_secs());
        serde_json::json!({
            "type": self.type_name, "id": self.id, "field": self.field, "value": self.value,
            "run": self.run.id, "started": started,
        })
    }
}

/// What a sweep found.
#[derive(Debug, Default)]
pub struct Found {
    /// Leftovers of runs old enough to sweep, by type.
    pub leftovers: Vec<Leftover>,
    /// Leftovers of runs that started less than `--older-than` ago: spared.
    pub recent: Vec<Leftover>,
    /// Types whose list could not be read, with ION's message.
    pub unreadable: Vec<(String, String)>,
    /// Types with more rows than [`MAX_ROWS_PER_TYPE`]: only the first were looked at.
    pub truncated: Vec<String>,
}

impl Found {
    fn add(&mut self, leftover: Leftover, now: SystemTime, older_than: Duration) {
        let into = if leftover.run.is_old(now, older_than) {
            &mut self.leftovers
        } else {
            &mut self.recent
        };
        into.push(leftover);
    }

    /// As `--format json` gives it, with what `--yes` did when it ran: `leftovers`,
    /// `spared`, `unreadable` (`type`, `message`), `truncated` (types), and `deleted` and
    /// `failed` (each leftover with ION's `message`), empty without `--yes`.
    pub fn json(&self, deleted: Option<&Deleted>) -> Value {
        let all = |rows: &[Leftover]| rows.iter().map(Leftover::json).collect::<Vec<_>>();
        let failed: Vec<Value> = deleted.map_or(Vec::new(), |d| {
            d.failed
                .iter()
                .map(|(leftover, why)| {
                    let mut row = leftover.json();
                    row["message"] = why.as_str().into();
                    row
                })
                .collect()
        });
        let unreadable: Vec<Value> = self
            .unreadable
            .iter()
            .map(|(t, why)| serde_json::json!({"type": t, "message": why}))
            .collect();
        serde_json::json!({
            "leftovers": all(&self.leftovers),
            "spared": all(&self.recent),
            "unreadable": unreadable,
            "truncated": self.truncated,
            "deleted": deleted.map_or(Vec::new(), |d| all(&d.deleted)),
            "failed": failed,
        })
    }
}

/// Finds and deletes leftovers on one target.
pub struct Sweeper<'a> {
    schema: &'a Schema,
    client: &'a GraphqlClient,
    run_ids: RunIds,
    older_than: Duration,
    now: SystemTime,
    types: Vec<Deletable>,
}

impl<'a> Sweeper<'a> {
    /// A sweeper of leftovers with `run_ids` of runs that started at least `older_than`
    /// before `now`, on the target `client` sends to, whose schema is `schema`.
    pub fn new(
        schema: &'a Schema,
        client: &'a GraphqlClient,
        run_ids: RunIds,
        older_than: Duration,
        now: SystemTime,
    ) -> Self {
        Sweeper {
            schema,
            client,
            run_ids,
            older_than,
            now,
            types: deletable_types(schema),
        }
    }

    /// The prefix of the run ids it looks for.
    pub fn prefix(&self) -> &str {
        self.run_ids.prefix()
    }

    /// The types it looks at.
    pub fn type_names(&self) -> Vec<&str> {
        self.types.iter().map(|k| k.type_name.as_str()).collect()
    }
}

/// The first of the chain's own values (a key or field, with its prefix filled in) that
/// holds a run id of `run_ids`: a sweep with them would delete the seeded chain.
pub fn chain_conflict(chain: &Chain, run_ids: &RunIds) -> Option<String> {
    chain
        .links
        .iter()
        .flat_map(|link| link.key.values().chain(link.fields.values()))
        .filter_map(Value::as_str)
        .map(|value| value.replace("${prefix}", &chain.prefix))
        .chain([chain.prefix.clone()])
        .find(|value| run_ids.find(value).is_some())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::builtin::Source;
    use crate::double::DoubleData;

    /// A folder that holds no project: every file is the built-in one.
    const NO_PROJECT: &str = "/nonexistent/ion-contract-sweep";

    fn built_in_data() -> DoubleData {
        let dir = Path::new(NO_PROJECT);
        DoubleData::load_from(
            &Source::project(dir, &crate::builtin::SCHEMA),
            &Source::project(dir, &crate::builtin::SEED),
        )
        .expect("the built-in data loads")
    }

    #[test]
    fn the_built_in_schema_offers_its_deletable_types_and_no_secret_field() {
        let data = built_in_data();
        let types = deletable_types(data.schema());
        let names: Vec<&str> = types.iter().map(|k| k.type_name.as_str()).collect();
        for expected in [
            "Part",
            "WebhookReceiver",
            "WebhookSubscription",
            "WebhookHeader",
        ] {
            assert!(names.contains(&expected), "{expected} in {names:?}");
        }
        assert!(!names.contains(&"Run"), "ION cannot delete runs: {names:?}");
        let receiver = types
            .iter()
            .find(|k| k.type_name == "WebhookReceiver")
            .expect("receivers");
        assert!(receiver.strings.contains(&"name".to_owned()));
        assert!(!receiver.strings.contains(&"sharedSecret".to_owned()));
    }

    #[test]
    fn a_prefix_the_chain_holds_is_a_conflict_and_the_default_is_not() {
        let data = built_in_data();
        let chain = Chain::load(
            &Source::project(Path::new(NO_PROJECT), &crate::builtin::CHAIN),
            data.schema(),
            None,
        )
        .expect("the built-in chain loads");
        assert_eq!(chain_conflict(&chain, &RunIds::new(None)), None);
        let conflict = chain_conflict(&chain, &RunIds::new(Some(&chain.prefix)));
        assert!(conflict.is_some_and(|v| v.starts_with(&chain.prefix)));
    }

    #[test]
    fn a_line_names_type_id_field_value_and_run() {
        let started = SystemTime::UNIX_EPOCH + Duration::from_secs(1_765_000_000);
        let leftover = Leftover {
            type_name: "Part".into(),
            id: Value::from(12),
            etag: None,
            field: "partNumber".into(),
            value: "PN-ion-contract-1765000000-1-abcd".into(),
            run: RunMatch {
                id: "ion-contract-1765000000-1-abcd".into(),
                started: Some(started),
            },
        };
        let line = leftover.line(started + Duration::from_secs(7260));
        assert!(line.starts_with("Part "), "{line}");
        assert!(
            line.contains(" 12 ")
                && line.contains("partNumber \"PN-ion-contract-1765000000-1-abcd\"")
                && line.contains("run ion-contract-1765000000-1-abcd (started 2h 1m ago)"),
            "{line}"
        );
    }
}
