//! Sensitive fields of pulled rows, replaced by deterministic fakes, decided by the field's
//! name alone (case and `_` ignored), for `String` fields:
//!
//! | field name | fake | examples |
//! | --- | --- | --- |
//! | holds `email` | `user<N>@example.com` | `email`, `contactEmail` |
//! | ends in `url` or `uri` (a webhook URL may carry a token in its path) | `https://example.com/<N>` | `webhookUri`, `imageUrl` |
//! | is or ends in `name` (not `fileName`-like technical names below) | `Name <N>` | `name`, `firstName`, `lastName`, `displayName`, `username` |
//! | holds `description`, `domain`, `note`, `comment`, `title`, `phone`, `address`, `text`, `body`, `content`, `message`, `reason`, `schema` | `text <N>` | `description`, `notes`, `title`, `phoneNumber`, `orgSchema` (the tenant's name) |
//!
//! `N` is the row's id, so a fake is the same on every pull and unique in its table. Names
//! that are identifiers rather than people or prose keep their value:
//! `fileName`, `*Number` (part, serial and lot numbers), `revision`, enums and numbers.
//! Fields named as secrets ([`crate::redact::is_secret_key`]) are never read at all.

use serde_json::Value;

/// What a sensitive field's value becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fake {
    /// `user<N>@example.com`.
    Email,
    /// `https://example.com/<N>`.
    Url,
    /// `Name <N>`.
    Name,
    /// `text <N>`.
    Text,
}

/// Prose-like words: a field holding one is free text.
const TEXT_WORDS: [&str; 13] = [
    "description",
    "domain",
    "note",
    "comment",
    "title",
    "phone",
    "address",
    "text",
    "body",
    "content",
    "message",
    "reason",
    "schema",
];

/// Names ending in `name` that identify a thing, not a person: kept.
const TECHNICAL_NAMES: [&str; 3] = ["filename", "hostname", "typename"];

impl Fake {
    /// The fake for a `String` field called `field`, when it is sensitive.
    pub fn for_field(field: &str) -> Option<Fake> {
        let name: String = field
            .chars()
            .filter(|c| *c != '_')
            .flat_map(char::to_lowercase)
            .collect();
        if name.contains("email") {
            Some(Fake::Email)
        } else if ["url", "uri", "urls", "uris"]
            .iter()
            .any(|end| name.ends_with(end))
        {
            Some(Fake::Url)
        } else if TEXT_WORDS.iter().any(|word| name.contains(word)) {
            Some(Fake::Text)
        } else if name.ends_with("name") && !TECHNICAL_NAMES.contains(&name.as_str()) {
            Some(Fake::Name)
        } else {
            None
        }
    }

    /// The fake value for the row with id `id`.
    pub fn value(self, id: i64) -> Value {
        Value::from(match self {
            Fake::Email => format!("user{id}@example.com"),
            Fake::Url => format!("https://example.com/{id}"),
            Fake::Name => format!("Name {id}"),
            Fake::Text => format!("text {id}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_and_prose_are_faked_and_identifiers_kept() {
        let fake = |field: &str| Fake::for_field(field);
        assert_eq!(fake("email"), Some(Fake::Email));
        assert_eq!(fake("contact_email"), Some(Fake::Email));
        assert_eq!(fake("webhookUri"), Some(Fake::Url));
        assert_eq!(fake("securityLevel"), None);
        assert_eq!(fake("name"), Some(Fake::Name));
        assert_eq!(fake("lastName"), Some(Fake::Name));
        assert_eq!(fake("description"), Some(Fake::Text));
        assert_eq!(fake("notes"), Some(Fake::Text));
        assert_eq!(fake("title"), Some(Fake::Text));
        assert_eq!(fake("orgSchema"), Some(Fake::Text));
        for kept in ["partNumber", "serialNumber", "revision", "fileName"] {
            assert_eq!(fake(kept), None, "{kept}");
        }
        assert_eq!(Fake::Email.value(7), Value::from("user7@example.com"));
        assert_eq!(Fake::Text.value(3), Value::from("text 3"));
    }
}
