//! The values a case owns, redacted from its snapshot so that it does not depend on the order
//! cases ran in, on the tenant, or on the run.
//!
//! A case's snapshot is recorded on one sandbox and compared on another, after other suites
//! (or other people) created rows first: the ids its own writes get, and the per-run values
//! it writes, differ every time. By default they become stable placeholders:
//!
//! | in the response | becomes |
//! | --- | --- |
//! | a value the case captured (`capture: {id: $.createPart.part.id}`) | `"${id}"`, the template that names it |
//! | an id the case's create mutations answered with, not captured | `"[created id 1]"`, numbered in the order created |
//! | a string the case wrote from a `${run.*}` template (`"PN-${run.id}"`) | that template |
//! | the run id (`${run.id}`) or its short form inside any other string | `${run.id}` / `${run.short}` |
//!
//! Where a value is replaced:
//!
//! - a string that is not a number is replaced wherever it is the whole value;
//! - a number, or a string that reads as one (`13`, `"13"`), only as the value of an id-like
//!   key (`id`, `ids`, `...Id`, `...Ids`, `..._id`), so a captured id 12 does not turn a
//!   `cost: 12` into a placeholder;
//! - booleans and `null` never are;
//! - captures listed in the case's `keep_in_snapshot:` are shown as they are.
//!
//! "Created" means the value of `id` on the object a mutation's root field starting with
//! `create` answered, or on an object directly inside it (`createPart { part { id } }`):
//! ION's create payloads.

use serde_json::{Map, Value};

/// What a case wrote and created, gathered while its steps run.
#[derive(Debug, Clone, Default)]
pub struct CaseValues {
    /// Strings the case sent that a `${run.*}` template made, with that template.
    written: Vec<(String, String)>,
    /// Ids its create mutations answered with, as text, in order.
    created: Vec<String>,
}

impl CaseValues {
    /// Notes the string leaves of `sent` (a step's resolved variables) that `template` (the
    /// same variables as written in the suite) made from a `${run.*}` template.
    pub fn note_written(&mut self, template: &Value, sent: &Value) {
        match (template, sent) {
            (Value::String(template), Value::String(sent))
                if template.contains("${run.")
                    && sent != template
                    && !self.written.iter().any(|(s, _)| s == sent) =>
            {
                self.written.push((sent.clone(), template.clone()));
            }
            (Value::Object(template), Value::Object(sent)) => {
                for (key, template) in template {
                    if let Some(sent) = sent.get(key) {
                        self.note_written(template, sent);
                    }
                }
            }
            (Value::Array(template), Value::Array(sent)) => {
                for (template, sent) in template.iter().zip(sent) {
                    self.note_written(template, sent);
                }
            }
            _ => {}
        }
    }

    /// Notes the ids a mutation's `data` answered for its `create...` root fields.
    pub fn note_created(&mut self, data: &Value) {
        let Some(roots) = data.as_object() else {
            return;
        };
        for (_, payload) in roots
            .iter()
            .filter(|(field, _)| field.starts_with("create"))
        {
            let Some(payload) = payload.as_object() else {
                continue;
            };
            let inner = payload.values().filter_map(Value::as_object);
            for object in std::iter::once(payload).chain(inner) {
                if let Some(id) = object.get("id").and_then(scalar_text)
                    && !self.created.contains(&id)
                {
                    self.created.push(id);
                }
            }
        }
    }

    /// Adds what another part of the case (a cleanup step) gathered.
    pub fn extend(&mut self, other: CaseValues) {
        for (sent, template) in other.written {
            if !self.written.iter().any(|(s, _)| *s == sent) {
                self.written.push((sent, template));
            }
        }
        for id in other.created {
            if !self.created.contains(&id) {
                self.created.push(id);
            }
        }
    }

    /// `recorded` with the case's values replaced by placeholders (see the module docs):
    /// `captures` are the case's, `keep` the captures shown as they are, and `run` the run
    /// id and its short form.
    pub fn redact(
        &self,
        recorded: &Value,
        captures: &Map<String, Value>,
        keep: &[String],
        run: [&str; 2],
    ) -> Value {
        let mut known: Vec<(String, String)> = Vec::new();
        let mut add = |text: String, placeholder: String| {
            if !text.is_empty() && !known.iter().any(|(t, _)| *t == text) {
                known.push((text, placeholder));
            }
        };
        for (name, value) in captures.iter().filter(|(name, _)| !keep.contains(name)) {
            if let Some(text) = scalar_text(value) {
                add(text, format!("${{{name}}}"));
            }
        }
        let mut created = 0;
        for id in &self.created {
            if !captures
                .values()
                .any(|v| scalar_text(v).as_ref() == Some(id))
            {
                created += 1;
                add(id.clone(), format!("[created id {created}]"));
            }
        }
        for (sent, template) in &self.written {
            add(sent.clone(), template.clone());
        }
        let [run_id, run_short] = run;
        let mut inside = vec![(run_id, "${run.id}"), (run_short, "${run.short}")];
        // A short id set by ION_TEST_RUN (`42`) would match inside unrelated text.
        inside.retain(|(text, _)| text.len() >= 8);
        Placeholders { known, inside }.apply(recorded, false)
    }
}

/// The replacements of one snapshot.
struct Placeholders<'a> {
    /// Whole values and their placeholders, first match wins.
    known: Vec<(String, String)>,
    /// Text replaced inside any string.
    inside: Vec<(&'a str, &'a str)>,
}

impl Placeholders<'_> {
    fn apply(&self, value: &Value, id_like: bool) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.apply(v, is_id_key(k))))
                    .collect(),
            ),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.apply(v, id_like)).collect())
            }
            Value::String(s) => {
                let numeric = s.parse::<f64>().is_ok();
                if (id_like || !numeric)
                    && let Some(placeholder) = self.lookup(s)
                {
                    return Value::String(placeholder.to_owned());
                }
                let mut text = s.clone();
                for (from, to) in &self.inside {
                    text = text.replace(from, to);
                }
                Value::String(text)
            }
            Value::Number(n) if id_like => self
                .lookup(&n.to_string())
                .map_or_else(|| value.clone(), |p| Value::String(p.to_owned())),
            other => other.clone(),
        }
    }

    fn lookup(&self, text: &str) -> Option<&str> {
        (self.known.iter())
            .find(|(t, _)| t == text)
            .map(|(_, p)| p.as_str())
    }
}

/// The text of a string or a number; `None` for anything else (and for an empty string).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `id`, `ids`, `partId`, `partIds`, `part_id`: keys whose values are ids.
fn is_id_key(key: &str) -> bool {
    key == "id"
        || key == "ids"
        || key.ends_with("Id")
        || key.ends_with("Ids")
        || key.ends_with("_id")
        || key.ends_with("_ids")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RUN: [&str; 2] = ["ion-contract-1765000000-4242-beef", "0a1b2c3d"];

    fn captures(value: Value) -> Map<String, Value> {
        value.as_object().cloned().expect("an object")
    }

    #[test]
    fn captured_values_become_their_templates_and_numbers_only_at_id_keys() {
        let recorded = json!({"create": {"data": {"createPart": {"part": {
            "id": 13, "cost": 13, "partNumber": "PN-X", "partId": "13", "note": "13",
            "tracked": true, "ids": [13, 14]}}}}});
        let redacted = CaseValues::default().redact(
            &recorded,
            &captures(json!({"id": 13, "pn": "PN-X", "flag": true})),
            &[],
            RUN,
        );
        assert_eq!(
            redacted,
            json!({"create": {"data": {"createPart": {"part": {
                "id": "${id}", "cost": 13, "partNumber": "${pn}", "partId": "${id}",
                "note": "13", "tracked": true, "ids": ["${id}", 14]}}}}})
        );
    }

    #[test]
    fn created_ids_not_captured_are_numbered_in_the_order_created() {
        let mut values = CaseValues::default();
        values.note_created(&json!({"createPart": {"part": {"id": 21, "location": {"id": 1}}}}));
        values.note_created(&json!({"createLocation": {"location": {"id": "7"}}}));
        values.note_created(&json!({"updatePart": {"part": {"id": 3}}}));
        let recorded = json!({"read": {"data": {"parts": [{"id": 21, "locationId": 7,
            "location": {"id": 1}}, {"id": 3}]}}});
        let redacted = values.redact(&recorded, &captures(json!({"loc": "7"})), &[], RUN);
        assert_eq!(
            redacted,
            json!({"read": {"data": {"parts": [{"id": "[created id 1]", "locationId": "${loc}",
                "location": {"id": 1}}, {"id": 3}]}}}),
            "only the created part's id; the location inside it was not created by this case, \
             and an update creates nothing"
        );
    }

    #[test]
    fn run_values_show_their_template_and_kept_captures_stay() {
        let mut values = CaseValues::default();
        let sent = json!({"input": {"partNumber": format!("PN-{}", RUN[0]),
            "serial": format!("S-{}", RUN[1]), "plain": "x"}});
        let template = json!({"input": {"partNumber": "PN-${run.id}",
            "serial": "S-${run.short}", "plain": "x"}});
        values.note_written(&template, &sent);
        let recorded = json!({"a": {"data": {
            "partNumber": format!("PN-{}", RUN[0]),
            "description": format!("made by {} for S-{}", RUN[0], RUN[1]),
            "serial": format!("S-{}", RUN[1]), "revision": "B"}}});
        let redacted = values.redact(
            &recorded,
            &captures(json!({"rev": "B"})),
            &["rev".to_owned()],
            RUN,
        );
        assert_eq!(
            redacted,
            json!({"a": {"data": {"partNumber": "PN-${run.id}",
                "description": "made by ${run.id} for S-${run.short}",
                "serial": "S-${run.short}", "revision": "B"}}})
        );
    }

    #[test]
    fn a_short_run_id_is_not_replaced_inside_other_text() {
        let recorded = json!({"a": {"data": {"note": "step 42 of 420"}}});
        let redacted =
            CaseValues::default().redact(&recorded, &Map::new(), &[], ["42", "0a1b2c3d"]);
        assert_eq!(redacted, recorded);
    }
}
