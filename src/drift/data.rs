//! Data drift: is the seeded chain still what the committed baseline says?
//!
//! An *observation* is every chain entity as the target answers it (or `null` when it is
//! missing) plus each chain type's count, normalised so that it compares across resets:
//! ids, etags and timestamps are dropped, and a field holding the id of another chain
//! entity (`partId`) shows that entity's name (`"${assembly}"`). The baseline is an
//! observation recorded with `ion-contract drift --record` in `snapshots/drift@<target>.snap`.
//!
//! Comparing them gives one line per difference (an entity missing or unexpected, a field
//! changed from old to new, a count changed) and a verdict. Only the chain's own entities
//! (found by their prefixed keys) and the fields the baseline recorded for them decide it:
//! a sandbox is shared, so rows others add, change or remove (seen as a type's count) are
//! [`Comparison::others`], information that never fails a run.
//!
//! | verdict | meaning | `ion-contract drift` exits |
//! | --- | --- | --- |
//! | `clean` | the chain is as recorded (other rows may have changed) | 0 |
//! | `drift` | some of the chain's entities or fields differ | 5 |
//! | `reset` | no chain entity is there: the sandbox was reset; run `ion-contract seed` | 6 |

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value, json};

use crate::seeding::Found;

/// Fields that change with every write or reset, never compared.
const VOLATILE: [&str; 5] = ["id", "_etag", "_created", "_updated", "entityId"];

/// What the comparison found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// As recorded.
    Clean,
    /// Some differences.
    Drift,
    /// Nothing of the chain is there.
    Reset,
}

impl Verdict {
    /// The verdict's name, as reports print it.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Clean => "clean",
            Verdict::Drift => "drift",
            Verdict::Reset => "reset",
        }
    }
}

/// One difference from the baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// In the baseline, not on the target.
    Missing { entity: String, type_name: String },
    /// On the target, not in the baseline.
    Unexpected { entity: String, type_name: String },
    /// A field's value changed.
    Changed {
        entity: String,
        field: String,
        old: Value,
        new: Value,
    },
    /// A type's count changed.
    Count {
        type_name: String,
        old: u64,
        new: u64,
    },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Missing { entity, type_name } => {
                write!(f, "missing     {entity} ({type_name})")
            }
            Difference::Unexpected { entity, type_name } => {
                write!(
                    f,
                    "unexpected  {entity} ({type_name}) is not in the baseline"
                )
            }
            Difference::Changed {
                entity,
                field,
                old,
                new,
            } => write!(f, "changed     {entity}.{field}: {old} -> {new}"),
            Difference::Count {
                type_name,
                old,
                new,
            } => write!(f, "count       {type_name}: {old} -> {new}"),
        }
    }
}

impl Difference {
    /// Whether it is about the chain's own entities (it decides the verdict), rather than
    /// about rows others own (a type's count: information only).
    pub fn is_the_chains(&self) -> bool {
        !matches!(self, Difference::Count { .. })
    }
}

/// What comparing an observation with the baseline found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Decided by [`Comparison::chain`] alone.
    pub verdict: Verdict,
    /// Differences of the chain's own entities: what makes a `drift`.
    pub chain: Vec<Difference>,
    /// Differences of rows outside the chain (a type's count): information, never a failure.
    pub others: Vec<Difference>,
}

impl Comparison {
    /// One line on the rows outside the chain that changed, when any (information, not
    /// drift): `information: rows outside the chain changed (count Part: 14 -> 15); not drift`.
    pub fn others_line(&self) -> Option<String> {
        let each: Vec<String> = self
            .others
            .iter()
            .map(|d| {
                d.to_string()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        (!each.is_empty()).then(|| {
            format!(
                "information: rows outside the chain changed ({}); not drift",
                each.join("; ")
            )
        })
    }
}

/// The normalised observation of the chain: `{"entities": {...}, "counts": {...}}`.
pub fn observe(found: &[(String, Option<Found>)], counts: &BTreeMap<String, u64>) -> Value {
    let names: BTreeMap<String, &str> = found
        .iter()
        .filter_map(|(name, f)| f.as_ref().map(|f| (f.id.to_string(), name.as_str())))
        .collect();
    let mut entities = Map::new();
    for (name, entity) in found {
        let value = match entity {
            None => Value::Null,
            Some(entity) => {
                let fields: Map<String, Value> = entity
                    .fields
                    .iter()
                    .filter(|(field, _)| !VOLATILE.contains(&field.as_str()))
                    .map(|(field, value)| {
                        let by_name = field
                            .ends_with("Id")
                            .then(|| names.get(&value.to_string()))
                            .flatten();
                        let value = by_name.map_or_else(
                            || value.clone(),
                            |name| Value::String(format!("${{{name}}}")),
                        );
                        (field.clone(), value)
                    })
                    .collect();
                json!({ "type": entity.type_name, "fields": fields })
            }
        };
        entities.insert(name.clone(), value);
    }
    json!({ "entities": entities, "counts": counts })
}

/// The differences between `baseline` and `now`, split into the chain's and the others',
/// and the verdict.
pub fn compare(baseline: &Value, now: &Value) -> Comparison {
    let empty = Map::new();
    let entities = |v: &Value| {
        v.get("entities")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (before, after) = (entities(baseline), entities(now));
    let type_of = |v: &Value| {
        v.get("type")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned()
    };
    let mut differences = Vec::new();
    for (name, old) in &before {
        let new = after.get(name).unwrap_or(&Value::Null);
        match (old.is_null(), new.is_null()) {
            (false, true) => differences.push(Difference::Missing {
                entity: name.clone(),
                type_name: type_of(old),
            }),
            (true, false) => differences.push(Difference::Unexpected {
                entity: name.clone(),
                type_name: type_of(new),
            }),
            (false, false) => {
                let fields = |v: &Value| {
                    v.get("fields")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_else(|| empty.clone())
                };
                let (old_fields, new_fields) = (fields(old), fields(new));
                let mut keys: Vec<&String> = old_fields.keys().chain(new_fields.keys()).collect();
                keys.sort();
                keys.dedup();
                for field in keys {
                    let (o, n) = (
                        old_fields.get(field).unwrap_or(&Value::Null),
                        new_fields.get(field).unwrap_or(&Value::Null),
                    );
                    if o != n {
                        differences.push(Difference::Changed {
                            entity: name.clone(),
                            field: field.clone(),
                            old: o.clone(),
                            new: n.clone(),
                        });
                    }
                }
            }
            (true, true) => {}
        }
    }
    for (name, new) in &after {
        if !before.contains_key(name) && !new.is_null() {
            differences.push(Difference::Unexpected {
                entity: name.clone(),
                type_name: type_of(new),
            });
        }
    }
    let counts = |v: &Value| {
        v.get("counts")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (old_counts, new_counts) = (counts(baseline), counts(now));
    for (type_name, old) in &old_counts {
        let (old, new) = (
            old.as_u64().unwrap_or(0),
            new_counts
                .get(type_name)
                .and_then(Value::as_u64)
                .unwrap_or(0),
        );
        if old != new {
            differences.push(Difference::Count {
                type_name: type_name.clone(),
                old,
                new,
            });
        }
    }
    let (chain, others): (Vec<Difference>, Vec<Difference>) =
        differences.into_iter().partition(Difference::is_the_chains);
    let nothing_there = !after.is_empty() && after.values().all(Value::is_null);
    let verdict = if nothing_there {
        Verdict::Reset
    } else if chain.is_empty() {
        Verdict::Clean
    } else {
        Verdict::Drift
    };
    Comparison {
        verdict,
        chain,
        others,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(name: &str, type_name: &str, id: i64, fields: Value) -> (String, Option<Found>) {
        let mut fields = fields.as_object().cloned().unwrap_or_default();
        fields.insert("id".into(), json!(id));
        fields.insert("_etag".into(), json!("abc"));
        let entity = Found {
            name: name.into(),
            type_name: type_name.into(),
            id: json!(id),
            etag: None,
            created: false,
            fields,
        };
        (name.into(), Some(entity))
    }

    fn baseline() -> Value {
        let chain = [
            found("assembly", "Part", 13, json!({"partNumber": "ICT-ASSY-1"})),
            found(
                "unit",
                "PartInventory",
                19,
                json!({"partId": 13, "serialNumber": "ICT-A"}),
            ),
        ];
        observe(&chain, &BTreeMap::from([("Part".into(), 12)]))
    }

    #[test]
    fn ids_become_names_and_volatile_fields_go() {
        let b = baseline();
        assert_eq!(
            b["entities"]["unit"]["fields"],
            json!({"partId": "${assembly}", "serialNumber": "ICT-A"})
        );
        let same = compare(&b, &b);
        assert_eq!(same.verdict, Verdict::Clean);
        assert_eq!((same.chain, same.others), (vec![], vec![]));
    }

    #[test]
    fn a_changed_field_and_a_missing_entity_are_drift_and_a_count_is_information() {
        let chain = [
            found("assembly", "Part", 40, json!({"partNumber": "ICT-ASSY-2"})),
            ("unit".to_owned(), None),
        ];
        let now = observe(&chain, &BTreeMap::from([("Part".into(), 13)]));
        let compared = compare(&baseline(), &now);
        assert_eq!(compared.verdict, Verdict::Drift);
        let lines = |d: &[Difference]| d.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(
            lines(&compared.chain),
            [
                "changed     assembly.partNumber: \"ICT-ASSY-1\" -> \"ICT-ASSY-2\"",
                "missing     unit (PartInventory)",
            ]
        );
        assert_eq!(lines(&compared.others), ["count       Part: 12 -> 13"]);
    }

    #[test]
    fn rows_others_add_or_remove_leave_the_chain_clean() {
        let b = baseline();
        let mut now = b.clone();
        now["counts"]["Part"] = json!(15);
        let compared = compare(&b, &now);
        assert_eq!(compared.verdict, Verdict::Clean);
        assert!(compared.chain.is_empty());
        assert_eq!(
            compared.others,
            [Difference::Count {
                type_name: "Part".into(),
                old: 12,
                new: 15
            }]
        );
        assert_eq!(
            compared.others_line().as_deref(),
            Some("information: rows outside the chain changed (count Part: 12 -> 15); not drift")
        );
        assert_eq!(compare(&b, &b).others_line(), None);
    }

    #[test]
    fn nothing_there_is_a_reset() {
        let chain = [("assembly".to_owned(), None), ("unit".to_owned(), None)];
        let now = observe(&chain, &BTreeMap::new());
        assert_eq!(compare(&baseline(), &now).verdict, Verdict::Reset);
    }
}
