//! Chaining: values a session read in one response and sent back in a later request.
//!
//! Every response's leaves are remembered where they may be a value a client carries
//! forward: anything under an id-like key (`id`, `partId`, `part_id`), an etag (`_etag`,
//! `etag`) or a cursor, and any other string of [`MIN_CARRIED_CHARS`] or more that is not
//! an enum value. When a later variable's value equals one of them (same JSON type), the
//! variable becomes `${name}` and the earlier step gets `capture: {name: <JSONPath>}`. A value
//! already captured keeps its capture (an id read back is still the created one); otherwise
//! the most recent response wins, and in it a path outside lists (a create's
//! `$.createPart.part.id`) wins over one inside (`$.parts.edges[3].node.id`).

use serde_json::Value;

/// Strings this long (or longer) are carried forward whatever their key.
pub(crate) const MIN_CARRIED_CHARS: usize = 8;

/// A response leaf that a later request may carry forward.
#[derive(Debug)]
struct Seen {
    step: usize,
    path: String,
    key: String,
    value: Value,
}

/// A value captured by one step for later steps.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Capture {
    /// The step that captures it.
    pub(crate) step: usize,
    /// Where in its `data`.
    pub(crate) path: String,
    /// `${name}`.
    pub(crate) name: String,
    /// The key it was read under.
    key: String,
    value: Value,
}

/// What a session's responses answered so far, and the captures later steps use.
#[derive(Debug, Default)]
pub(crate) struct Chain {
    seen: Vec<Seen>,
    captures: Vec<Capture>,
}

impl Chain {
    /// Remembers the carried-forward candidates of step `step`'s response `data`.
    pub(crate) fn observe(&mut self, step: usize, data: &Value) {
        let mut found = Vec::new();
        leaves(data, "$", "", &mut |path, key, value| {
            if carried(key, value) {
                found.push(Seen {
                    step,
                    path: path.to_owned(),
                    key: key.to_owned(),
                    value: value.clone(),
                });
            }
        });
        self.seen.extend(found);
    }

    /// The `${name}` template for a variable value an earlier response answered, capturing
    /// it there if no step does yet.
    pub(crate) fn template_for(&mut self, value: &Value) -> Option<String> {
        if !(value.is_string() || value.is_number()) {
            return None;
        }
        if let Some(capture) = self.captures.iter().find(|c| &c.value == value) {
            return Some(format!("${{{}}}", capture.name));
        }
        let latest = self
            .seen
            .iter()
            .filter(|s| &s.value == value)
            .map(|s| s.step)
            .max()?;
        let seen = self
            .seen
            .iter()
            .filter(|s| s.step == latest && &s.value == value)
            .min_by_key(|s| s.path.contains('['))?;
        let base = capture_name(&seen.key);
        let mut name = base.clone();
        let mut n = 1;
        while self.captures.iter().any(|c| c.name == name) {
            n += 1;
            name = format!("{base}_{n}");
        }
        self.captures.push(Capture {
            step: seen.step,
            path: seen.path.clone(),
            name: name.clone(),
            key: seen.key.clone(),
            value: value.clone(),
        });
        Some(format!("${{{name}}}"))
    }

    /// The capture, made by a step before `step`, whose value is `value` read under `key`
    /// again (an id read back as `id`), or a long string read under any key: so a captured
    /// id 12 does not claim a `quantity: 12`.
    pub(crate) fn captured_before(&self, step: usize, key: &str, value: &Value) -> Option<&str> {
        let long = value
            .as_str()
            .is_some_and(|s| s.chars().count() >= MIN_CARRIED_CHARS);
        self.captures
            .iter()
            .find(|c| c.step < step && &c.value == value && (long || c.key == key))
            .map(|c| c.name.as_str())
    }

    /// Every capture, in the order made.
    pub(crate) fn captures(&self) -> &[Capture] {
        &self.captures
    }
}

/// Whether a leaf under `key` may be a value a client carries forward.
fn carried(key: &str, value: &Value) -> bool {
    let id_like = key == "id"
        || key.ends_with("Id")
        || key.ends_with("_id")
        || key.trim_start_matches('_').eq_ignore_ascii_case("etag")
        || key.to_ascii_lowercase().ends_with("cursor");
    match value {
        Value::Number(_) => id_like,
        Value::String(text) => {
            id_like
                || (text.chars().count() >= MIN_CARRIED_CHARS
                    && !text.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        }
        _ => false,
    }
}

/// A capture name from the key it was read under: `[A-Za-z_][A-Za-z0-9_]*`, without
/// leading underscores (`_etag` -> `etag`).
fn capture_name(key: &str) -> String {
    let name: String = key
        .trim_start_matches('_')
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    match name.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => name,
        Some(_) => format!("v_{name}"),
        None => "value".to_owned(),
    }
}

/// Calls `f(path, key, leaf)` for every scalar leaf of `value` (lists included), with its
/// singular JSONPath and the key it is under (empty for list items' own leaves).
fn leaves(value: &Value, path: &str, key: &str, f: &mut dyn FnMut(&str, &str, &Value)) {
    match value {
        Value::Object(map) => {
            for (member, inner) in map {
                leaves(inner, &member_path(path, member), member, f);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                leaves(item, &format!("{path}[{i}]"), key, f);
            }
        }
        leaf => f(path, key, leaf),
    }
}

/// `path.member`, or `path['member']` when the member is not a plain name.
pub(crate) fn member_path(path: &str, member: &str) -> String {
    let plain = member
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && member
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!("{path}.{member}")
    } else {
        let escaped = member.replace('\\', "\\\\").replace('\'', "\\'");
        format!("{path}['{escaped}']")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_created_id_wins_over_the_same_id_in_an_earlier_list() {
        let mut chain = Chain::default();
        chain.observe(0, &json!({"parts": {"edges": [{"node": {"id": "7"}}]}}));
        chain.observe(
            1,
            &json!({"createPart": {"part": {"id": "7", "_etag": "abc"}}}),
        );
        assert_eq!(chain.template_for(&json!("7")).as_deref(), Some("${id}"));
        assert_eq!(
            chain.template_for(&json!("abc")).as_deref(),
            Some("${etag}")
        );
        assert_eq!(chain.captures()[0].path, "$.createPart.part.id");
        assert_eq!(chain.captures()[0].step, 1);
        // The same value again reuses the capture; another value of the key gets a new name.
        assert_eq!(chain.template_for(&json!("7")).as_deref(), Some("${id}"));
        chain.observe(2, &json!({"updatePart": {"part": {"_etag": "def"}}}));
        assert_eq!(
            chain.template_for(&json!("def")).as_deref(),
            Some("${etag_2}")
        );
    }

    #[test]
    fn short_text_enums_and_other_types_are_not_chained() {
        let mut chain = Chain::default();
        chain.observe(
            0,
            &json!({"part": {"revision": "A", "kind": "PURCHASED_PART", "cost": 12, "id": 12}}),
        );
        assert_eq!(chain.template_for(&json!("A")), None);
        assert_eq!(chain.template_for(&json!("PURCHASED_PART")), None);
        assert_eq!(
            chain.template_for(&json!("12")),
            None,
            "a string is not the number 12"
        );
        assert_eq!(chain.template_for(&json!(12)).as_deref(), Some("${id}"));
        assert_eq!(chain.captures()[0].path, "$.part.id");
        assert_eq!(chain.captured_before(1, "id", &json!(12)), Some("id"));
        assert_eq!(chain.captured_before(1, "quantity", &json!(12)), None);
        assert_eq!(
            chain.captured_before(0, "id", &json!(12)),
            None,
            "not its own step"
        );
    }
}
