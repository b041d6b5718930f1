//! Deleting leftovers: dependants first, and the rows ION refused tried again after the
//! others, pass after pass while a pass deletes something.

use serde_json::{Value, json};

use super::scan::object;
use super::{DEPENDANTS, Leftover, MAX_PASSES, Sweeper};
use crate::seeding::graph::Deletable;

/// What `--yes` did.
#[derive(Debug, Default)]
pub struct Deleted {
    /// The rows deleted (or found gone already).
    pub deleted: Vec<Leftover>,
    /// The rows ION would not delete, with its last message.
    pub failed: Vec<(Leftover, String)>,
}

impl Sweeper<'_> {
    /// Deletes `leftovers`: a receiver's subscriptions before it, then the rest; a row
    /// that fails (a part whose inventory is still there) is tried again after the others,
    /// with its etag read afresh, for up to [`MAX_PASSES`] passes while a pass deletes
    /// something.
    pub async fn delete(&self, leftovers: Vec<Leftover>) -> Deleted {
        let mut pending: Vec<(Leftover, String)> = leftovers
            .into_iter()
            .map(|leftover| (leftover, String::new()))
            .collect();
        // Dependants first (a stable sort keeps the listing's order otherwise).
        pending.sort_by_key(|(l, _)| !DEPENDANTS.iter().any(|(_, d, _)| l.type_name == *d));
        let mut outcome = Deleted::default();
        for pass in 0..MAX_PASSES {
            let mut failed = Vec::new();
            let before = outcome.deleted.len();
            for (mut leftover, _) in pending {
                let Some(kind) = self.kind(&leftover.type_name) else {
                    let why = format!("the schema has no delete{}", leftover.type_name);
                    failed.push((leftover, why));
                    continue;
                };
                if pass > 0 {
                    match self.current_etag(kind, &leftover.id).await {
                        Ok(Now::Etag(etag)) => leftover.etag = Some(etag),
                        Ok(Now::Unknown) => {}
                        Ok(Now::Gone) => {
                            outcome.deleted.push(leftover);
                            continue;
                        }
                        Err(why) => {
                            failed.push((leftover, why));
                            continue;
                        }
                    }
                }
                match self.delete_one(kind, &leftover).await {
                    Ok(()) => outcome.deleted.push(leftover),
                    Err(why) => failed.push((leftover, why)),
                }
            }
            pending = failed;
            if pending.is_empty() || outcome.deleted.len() == before {
                break;
            }
        }
        outcome.failed = pending;
        outcome
    }

    fn kind(&self, type_name: &str) -> Option<&Deletable> {
        self.types.iter().find(|k| k.type_name == type_name)
    }

    async fn delete_one(&self, kind: &Deletable, leftover: &Leftover) -> Result<(), String> {
        let declared: Vec<String> = kind
            .delete
            .args
            .iter()
            .filter(|(name, _)| name == "etag" || name == "id")
            .map(|(name, ty)| format!("${name}: {ty}"))
            .collect();
        let query = format!(
            "mutation IonContractSweepDelete({}) {{ {}(etag: $etag, id: $id) {{ __typename }} }}",
            declared.join(", "),
            kind.delete.name
        );
        let variables = object(json!({
            "etag": leftover.etag.clone().unwrap_or_default(),
            "id": leftover.id,
        }));
        self.client
            .data(&query, &variables, false)
            .await
            .map(|_| ())
    }

    /// The row's etag now, or that it is gone (someone else deleted it, or ION did with
    /// what it belonged to).
    async fn current_etag(&self, kind: &Deletable, id: &Value) -> Result<Now, String> {
        let (Some(filters), true, true) = (&kind.filters, kind.filters_by_id, kind.has_etag) else {
            return Ok(Now::Unknown);
        };
        let query = format!(
            "query IonContractSweepEtag($filters: {filters}) {{ {}(filters: $filters, first: 1) {{ edges {{ node {{ _etag }} }} }} }}",
            kind.list
        );
        let variables = object(json!({ "filters": { "id": { "eq": id } } }));
        let data = self.client.data(&query, &variables, true).await?;
        let node = data.pointer(&format!("/{}/edges/0/node", kind.list));
        Ok(match node {
            None | Some(Value::Null) => Now::Gone,
            Some(node) => node["_etag"]
                .as_str()
                .map_or(Now::Unknown, |etag| Now::Etag(etag.to_owned())),
        })
    }
}

/// A row as it is now, read before it is tried again.
enum Now {
    /// It is there, with this etag.
    Etag(String),
    /// It is gone.
    Gone,
    /// Its list cannot look it up by id: the etag read first is used.
    Unknown,
}
