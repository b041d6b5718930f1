//! Finding leftovers: every deletable type's list, page by page, and the rows whose text
//! carries a run id; then the subscriptions of the receivers found.

use serde_json::{Map, Value};

use super::{DEPENDANTS, Found, Leftover, MAX_ROWS_PER_TYPE, PAGE_SIZE, Sweeper};
use crate::client::pages::{ListRead, read_list};
use crate::seeding::graph::Deletable;

impl Sweeper<'_> {
    /// Pages through every deletable type's list; the rows that carry a run id.
    pub async fn find(&self) -> Found {
        let mut found = Found::default();
        for kind in &self.types {
            match self.rows(kind, &selection(kind, &kind.strings)).await {
                Ok((rows, complete)) => {
                    if !complete {
                        found.truncated.push(kind.type_name.clone());
                    }
                    for row in rows {
                        if let Some(leftover) = self.leftover(kind, &row) {
                            found.add(leftover, self.now, self.older_than);
                        }
                    }
                }
                Err(why) => found.unreadable.push((kind.type_name.clone(), why)),
            }
        }
        self.find_dependants(&mut found).await;
        // Grouped by type in the listing (a stable sort: each type's rows in list order).
        found
            .leftovers
            .sort_by(|a, b| a.type_name.cmp(&b.type_name));
        found.recent.sort_by(|a, b| a.type_name.cmp(&b.type_name));
        found
    }

    /// The first run id among `row`'s string fields (secret ones are never read).
    fn leftover(&self, kind: &Deletable, row: &Map<String, Value>) -> Option<Leftover> {
        kind.strings.iter().find_map(|field| {
            let value = row.get(field)?.as_str()?;
            let run = self.run_ids.find(value)?;
            Some(Leftover {
                type_name: kind.type_name.clone(),
                id: row.get("id").cloned().unwrap_or(Value::Null),
                etag: row.get("_etag").and_then(Value::as_str).map(str::to_owned),
                field: field.clone(),
                value: value.to_owned(),
                run,
            })
        })
    }

    /// The rows of each dependant type (a receiver's subscriptions) that point at a row
    /// found: ION may not remove them with it, and they carry no text of their own.
    async fn find_dependants(&self, found: &mut Found) {
        for (owner, dependant, column) in DEPENDANTS {
            let Some(kind) = self.types.iter().find(|k| k.type_name == dependant) else {
                continue;
            };
            let has_column = self
                .schema
                .get_object(dependant)
                .is_some_and(|object| object.fields.contains_key(column));
            if !has_column {
                continue;
            }
            let owners: Vec<&Leftover> = found
                .leftovers
                .iter()
                .chain(&found.recent)
                .filter(|l| l.type_name == owner)
                .collect();
            if owners.is_empty() {
                continue;
            }
            let rows = match self
                .rows(kind, &selection(kind, &[column.to_string()]))
                .await
            {
                Ok((rows, _)) => rows,
                Err(why) => {
                    found.unreadable.push((kind.type_name.clone(), why));
                    continue;
                }
            };
            let mut more = Vec::new();
            for row in rows {
                let points_at = row.get(column).map(crate::webhook::id_text);
                let Some(owner) = owners
                    .iter()
                    .find(|o| Some(crate::webhook::id_text(&o.id)) == points_at)
                else {
                    continue;
                };
                more.push(Leftover {
                    type_name: kind.type_name.clone(),
                    id: row.get("id").cloned().unwrap_or(Value::Null),
                    etag: row.get("_etag").and_then(Value::as_str).map(str::to_owned),
                    field: column.to_string(),
                    value: crate::webhook::id_text(&owner.id),
                    run: owner.run.clone(),
                });
            }
            for leftover in more {
                found.add(leftover, self.now, self.older_than);
            }
        }
    }

    /// Every row of `kind` (at most [`MAX_ROWS_PER_TYPE`]), selecting `selection`; and
    /// whether that was all of them.
    async fn rows(
        &self,
        kind: &Deletable,
        selection: &str,
    ) -> Result<(Vec<Map<String, Value>>, bool), String> {
        let read = ListRead {
            operation: "IonContractSweep",
            list: &kind.list,
            selection,
            page_size: PAGE_SIZE,
            max_rows: MAX_ROWS_PER_TYPE,
        };
        let read = read_list(self.client, read).await?;
        Ok((read.rows, read.complete))
    }
}

/// `id`, `_etag` and `fields`: what a sweep reads of each row.
fn selection(kind: &Deletable, fields: &[String]) -> String {
    let mut selected = vec!["id".to_owned()];
    if kind.has_etag {
        selected.push("_etag".to_owned());
    }
    selected.extend(
        fields
            .iter()
            .filter(|f| *f != "id" && *f != "_etag")
            .cloned(),
    );
    selected.join(" ")
}

/// The variables of a request written as a JSON object.
pub(super) fn object(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}
