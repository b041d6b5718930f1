//! Lists the way ION serves them: `filters` operator objects, `sort` enums and Relay
//! connections with `IonPageInfo` and `arrayconnection:N` cursors.
//!
//! Paging follows graphene's `connection_from_array`, which ION is built on: a cursor is the
//! base64 of `arrayconnection:<index>`, an empty or unreadable cursor is ignored, and
//! `hasPreviousPage` is only true when paging backwards with `last`.

use std::cmp::Ordering;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use regex::RegexBuilder;
use serde_json::{Map, Value, json};

use super::model::{Related, field_definition, related, sort_column};
use super::store::{Row, Store};
use apollo_compiler::Schema;

/// Operators of ION's filter inputs (`StringFilter`, `IDFilter`, ...).
const OPERATORS: [&str; 12] = [
    "eq", "neq", "like", "ilike", "notlike", "notilike", "in", "gt", "gte", "lt", "lte", "isnull",
];

/// The rows of `type_name` that pass `filter` (an `XInputFilters` value, or null).
pub(crate) struct Filter<'a> {
    pub schema: &'a Schema,
    pub store: &'a Store,
}

impl Filter<'_> {
    pub(crate) fn matches(
        &self,
        type_name: &str,
        row: &Row,
        filter: &Value,
    ) -> Result<bool, String> {
        let Value::Object(conditions) = filter else {
            return Ok(true);
        };
        for (key, condition) in conditions {
            if condition.is_null() {
                continue;
            }
            let pass = match key.as_str() {
                "and_" => self.all(type_name, row, condition)?,
                "or_" => self.any(type_name, row, condition)?,
                _ if is_operator_object(condition) => {
                    column_matches(row.get(key).unwrap_or(&Value::Null), condition)?
                }
                _ => self.relation_matches(type_name, row, key, condition)?,
            };
            if !pass {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn all(&self, type_name: &str, row: &Row, filters: &Value) -> Result<bool, String> {
        for filter in list(filters) {
            if !self.matches(type_name, row, filter)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn any(&self, type_name: &str, row: &Row, filters: &Value) -> Result<bool, String> {
        for filter in list(filters) {
            if self.matches(type_name, row, filter)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// A nested filter on a relation (`part: {partNumber: {eq: ...}}` on inventories).
    fn relation_matches(
        &self,
        type_name: &str,
        row: &Row,
        key: &str,
        filter: &Value,
    ) -> Result<bool, String> {
        let Some(field) = field_definition(self.schema, type_name, key) else {
            return Err(format!(
                "the ION double cannot filter {type_name} on '{key}': no such field in its schema"
            ));
        };
        let target = field.ty.inner_named_type().as_str();
        match related(
            self.schema,
            self.store,
            type_name,
            row,
            key,
            target,
            field.ty.is_list(),
        ) {
            Related::One(Some(other)) => self.matches(target, &other, filter),
            Related::One(None) => Ok(false),
            Related::Many(rows) => {
                for other in &rows {
                    if self.matches(target, other, filter)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        }
    }
}

fn list(value: &Value) -> impl Iterator<Item = &Value> {
    match value {
        Value::Array(items) => items.iter().collect::<Vec<_>>(),
        other => vec![other],
    }
    .into_iter()
}

fn is_operator_object(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|map| map.keys().all(|k| OPERATORS.contains(&k.as_str())))
}

/// SQL semantics: a null column passes only `isnull: true`.
fn column_matches(value: &Value, operators: &Value) -> Result<bool, String> {
    let Some(operators) = operators.as_object() else {
        return Ok(true);
    };
    for (op, operand) in operators {
        if operand.is_null() {
            continue;
        }
        let pass = match op.as_str() {
            "isnull" => value.is_null() == operand.as_bool().unwrap_or(false),
            _ if value.is_null() => false,
            "eq" => compare(value, operand) == Some(Ordering::Equal),
            "neq" => compare(value, operand) != Some(Ordering::Equal),
            "in" => list(operand).any(|o| compare(value, o) == Some(Ordering::Equal)),
            "gt" => compare(value, operand) == Some(Ordering::Greater),
            "gte" => matches!(
                compare(value, operand),
                Some(Ordering::Greater | Ordering::Equal)
            ),
            "lt" => compare(value, operand) == Some(Ordering::Less),
            "lte" => matches!(
                compare(value, operand),
                Some(Ordering::Less | Ordering::Equal)
            ),
            "like" => like(value, operand, false)?,
            "ilike" => like(value, operand, true)?,
            "notlike" => !like(value, operand, false)?,
            "notilike" => !like(value, operand, true)?,
            other => return Err(format!("the ION double has no filter operator '{other}'")),
        };
        if !pass {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Orders two values: numbers numerically (a digit string counts as a number, as `ID`
/// filters send them), everything else by its text.
fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    fn number(v: &Value) -> Option<f64> {
        match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }
    fn text(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
            _ => None,
        }
    }
    match (a, b) {
        (Value::Number(_), _) | (_, Value::Number(_)) => number(a)?.partial_cmp(&number(b)?),
        _ => Some(text(a)?.cmp(&text(b)?)),
    }
}

/// SQL `LIKE`: `%` is any run of characters, `_` any one character.
fn like(value: &Value, pattern: &Value, case_insensitive: bool) -> Result<bool, String> {
    let (Some(value), Some(pattern)) = (value.as_str(), pattern.as_str()) else {
        return Ok(false);
    };
    let mut regex = String::from("^");
    for c in pattern.chars() {
        match c {
            '%' => regex.push_str(".*"),
            '_' => regex.push('.'),
            c => regex.push_str(&regex::escape(&c.to_string())),
        }
    }
    regex.push('$');
    let compiled = RegexBuilder::new(&regex)
        .case_insensitive(case_insensitive)
        .dot_matches_new_line(true)
        .build()
        .map_err(|e| format!("cannot use the pattern '{pattern}': {e}"))?;
    Ok(compiled.is_match(value))
}

/// Sorts rows by `sort` enum values (`PART_NUMBER_ASC`, ...), then by id; nulls last
/// ascending and first descending, as PostgreSQL does.
pub(crate) fn sort(rows: &mut [Row], sort: &Value) {
    let keys: Vec<(String, bool)> = list(sort)
        .filter_map(Value::as_str)
        .filter_map(sort_column)
        .collect();
    rows.sort_by(|a, b| {
        for (column, descending) in &keys {
            let (x, y) = (a.get(column), b.get(column));
            let order = match (x.filter(|v| !v.is_null()), y.filter(|v| !v.is_null())) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(x), Some(y)) => compare(x, y).unwrap_or(Ordering::Equal),
            };
            let order = if *descending { order.reverse() } else { order };
            if order != Ordering::Equal {
                return order;
            }
        }
        compare(&a["id"], &b["id"]).unwrap_or(Ordering::Equal)
    });
}

/// A page of `rows` as a connection value: `{pageInfo, edges: [{cursor, node}]}`.
pub(crate) fn connection(rows: Vec<Row>, args: &Map<String, Value>) -> Result<Value, String> {
    let count = |name: &str| -> Result<Option<usize>, String> {
        match args.get(name).and_then(Value::as_i64) {
            Some(n) if n < 0 => Err(format!("Argument '{name}' must be a non-negative integer.")),
            Some(n) => Ok(Some(n as usize)),
            None => Ok(None),
        }
    };
    let (first, last) = (count("first")?, count("last")?);
    let total = rows.len();
    let after = args.get("after").and_then(offset_of);
    let before = args.get("before").and_then(offset_of);
    let lower = after.map_or(0, |a| (a + 1).min(total));
    let upper = before.map_or(total, |b| b.min(total)).max(lower);
    let mut start = lower;
    let mut end = upper;
    if let Some(first) = first {
        end = end.min(start + first);
    }
    if let Some(last) = last {
        start = start.max(end.saturating_sub(last));
    }
    let edges: Vec<Value> = rows
        .into_iter()
        .enumerate()
        .skip(start)
        .take(end - start)
        .map(|(i, row)| json!({"cursor": cursor(i), "node": row}))
        .collect();
    let page_info = json!({
        "hasNextPage": first.is_some() && end < upper,
        "hasPreviousPage": last.is_some() && start > lower,
        "startCursor": (start < end).then(|| cursor(start)),
        "endCursor": (start < end).then(|| cursor(end - 1)),
        "count": edges.len(),
        "totalCount": total,
    });
    Ok(json!({"pageInfo": page_info, "edges": edges}))
}

fn cursor(index: usize) -> String {
    STANDARD.encode(format!("arrayconnection:{index}"))
}

fn offset_of(cursor: &Value) -> Option<usize> {
    let decoded = STANDARD.decode(cursor.as_str()?).ok()?;
    String::from_utf8(decoded)
        .ok()?
        .strip_prefix("arrayconnection:")?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: i64) -> Vec<Row> {
        (1..=n)
            .map(|id| json!({"id": id}).as_object().cloned().unwrap_or_default())
            .collect()
    }

    fn args(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn cursors_are_graphene_array_connection_offsets() {
        assert_eq!(cursor(19), "YXJyYXljb25uZWN0aW9uOjE5");
        assert_eq!(offset_of(&json!("YXJyYXljb25uZWN0aW9uOjE5")), Some(19));
        assert_eq!(offset_of(&json!("")), None);
    }

    #[test]
    fn first_and_after_walk_forward() {
        let page = connection(rows(5), &args(json!({"first": 2, "after": cursor(1)}))).unwrap();
        assert_eq!(page["edges"][0]["node"]["id"], json!(3));
        assert_eq!(page["pageInfo"]["count"], json!(2));
        assert_eq!(page["pageInfo"]["totalCount"], json!(5));
        assert_eq!(page["pageInfo"]["hasNextPage"], json!(true));
        assert_eq!(page["pageInfo"]["endCursor"], json!(cursor(3)));
        let tail = connection(rows(5), &args(json!({"first": 2, "after": cursor(3)}))).unwrap();
        assert_eq!(tail["pageInfo"]["hasNextPage"], json!(false));
    }

    #[test]
    fn last_and_before_walk_backward() {
        let page = connection(rows(5), &args(json!({"last": 2, "before": cursor(4)}))).unwrap();
        let ids: Vec<_> = page["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].clone())
            .collect();
        assert_eq!(ids, vec![json!(3), json!(4)]);
        assert_eq!(page["pageInfo"]["hasPreviousPage"], json!(true));
    }

    #[test]
    fn negative_first_is_an_error() {
        let error = connection(rows(1), &args(json!({"first": -1}))).unwrap_err();
        assert!(error.contains("non-negative"), "{error}");
    }

    #[test]
    fn operators_follow_sql() {
        let value = json!("Bracket, machined");
        assert!(column_matches(&value, &json!({"ilike": "%MACHINED"})).unwrap());
        assert!(!column_matches(&value, &json!({"like": "%MACHINED"})).unwrap());
        assert!(column_matches(&value, &json!({"notilike": "bolt%"})).unwrap());
        assert!(column_matches(&json!(5), &json!({"gt": 4, "lte": 5})).unwrap());
        assert!(column_matches(&json!(5), &json!({"in": ["4", "5"]})).unwrap());
        assert!(!column_matches(&Value::Null, &json!({"neq": 1})).unwrap());
        assert!(column_matches(&Value::Null, &json!({"isnull": true})).unwrap());
    }

    #[test]
    fn sorting_puts_nulls_last_ascending() {
        let mut list: Vec<Row> = [
            json!({"id": 1, "n": 2}),
            json!({"id": 2}),
            json!({"id": 3, "n": 1}),
        ]
        .into_iter()
        .map(|v| v.as_object().cloned().unwrap_or_default())
        .collect();
        sort(&mut list, &json!(["N_ASC"]));
        let ids: Vec<_> = list.iter().map(|r| r["id"].clone()).collect();
        assert_eq!(ids, vec![json!(3), json!(1), json!(2)]);
        sort(&mut list, &json!(["N_DESC"]));
        let ids: Vec<_> = list.iter().map(|r| r["id"].clone()).collect();
        assert_eq!(ids, vec![json!(2), json!(1), json!(3)]);
    }
}
