//! API keys and their permissions, as ION models them: a key keeps the permissions its
//! creator had when it was generated, and every mutation needs a permission.
//!
//! Each environment of the double has three API keys, one per role:
//!
//! | role | client id | client secret | may |
//! | --- | --- | --- | --- |
//! | `admin` | the environment's (`ion-contract-demo`) | its secret | read, create, update, delete |
//! | `editor` | `<client id>-editor` | `<secret>-editor` | read, create, update |
//! | `reader` | `<client id>-reader` | `<secret>-reader` | read |
//!
//! A token carries the role its key had when the token was issued (claim `role`), and the
//! API checks that role, never the key's current one: `POST /__double/keys
//! {"client_id": "...", "role": "reader"}` regenerates a key as if a user with that role
//! created it, so tokens issued from then on carry the new role and tokens issued before
//! keep theirs, as an already generated ION key keeps its creator's old permissions.
//!
//! A mutation the role does not allow gets HTTP 200, `null` for the field and ION's
//! permission error (`User does not have permission to update this resource.`), which the
//! harness classifies as `forbidden`.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value, json};

use super::spec::EnvironmentSpec;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Queries only.
    Reader,
    /// Queries, creates and updates.
    Editor,
    /// Everything.
    Admin,
}

/// What a mutation does to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Create,
    Update,
    Delete,
}

impl Role {
    /// Every role, weakest first.
    pub const ALL: [Role; 3] = [Role::Reader, Role::Editor, Role::Admin];

    /// The role's name (`reader`, `editor`, `admin`).
    pub fn name(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// Whether the role may do `action`.
    pub(crate) fn allows(self, action: Action) -> bool {
        match action {
            Action::Create | Action::Update => self >= Role::Editor,
            Action::Delete => self == Role::Admin,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.name() == name)
            .ok_or_else(|| format!("unknown role '{name}': use reader, editor or admin"))
    }
}

impl Action {
    /// What the mutation `name` does (`createPart`, `updatePart`, `deletePart`, `archiveRun`).
    pub(crate) fn of(mutation: &str) -> Action {
        if mutation.starts_with("delete") || mutation.starts_with("remove") {
            Action::Delete
        } else if mutation.starts_with("create") || mutation.starts_with("add") {
            Action::Create
        } else {
            Action::Update
        }
    }

    /// ION's permission error for this action.
    pub(crate) fn refusal(self) -> String {
        let verb = match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        };
        format!("User does not have permission to {verb} this resource.")
    }
}

/// The keys of one environment, with the role each has now.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    /// By client id: the secret and the current role.
    keys: BTreeMap<String, (String, Role)>,
}

impl Keys {
    /// The three keys of `spec`'s environment.
    pub(crate) fn of(spec: &EnvironmentSpec) -> Keys {
        let keys = Role::ALL
            .into_iter()
            .map(|role| {
                let (id, secret) = key_for(spec, role);
                (id, (secret, role))
            })
            .collect();
        Keys { keys }
    }

    /// The role of the key `client_id` when `client_secret` is its secret.
    pub(crate) fn authenticate(&self, client_id: &str, client_secret: &str) -> Option<Role> {
        self.keys
            .get(client_id)
            .filter(|(secret, _)| secret == client_secret)
            .map(|(_, role)| *role)
    }

    /// Regenerates the key `client_id` with `role`: tokens issued from now on carry it.
    pub(crate) fn set_role(&mut self, client_id: &str, role: Role) -> Result<(), String> {
        if let Some((_, current)) = self.keys.get_mut(client_id) {
            *current = role;
            return Ok(());
        }
        let known: Vec<&str> = self.keys.keys().map(String::as_str).collect();
        Err(format!(
            "no API key '{client_id}' in this environment; its keys are {}",
            known.join(", ")
        ))
    }

    /// `GET /__double/keys`: `{"keys": {"<client id>": "<role>", ...}}` (no secrets).
    pub(crate) fn to_json(&self) -> Value {
        let roles: Map<String, Value> = self
            .keys
            .iter()
            .map(|(id, (_, role))| (id.clone(), role.name().into()))
            .collect();
        json!({ "keys": roles })
    }

    /// `POST /__double/keys` with `{"client_id": "...", "role": "reader"}`: regenerates that
    /// key with the role and answers every key's role, or says what is wrong with the body.
    pub(crate) fn regenerate(&mut self, body: &[u8]) -> Result<Value, String> {
        let usage = "send {\"client_id\": \"<a key of this environment>\", \"role\": \"reader\" | \"editor\" | \"admin\"}";
        let body: Value = serde_json::from_slice(body)
            .map_err(|e| format!("the body is not JSON ({e}); {usage}"))?;
        let field = |name: &str| {
            body.get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("`{name}` is missing or not a string; {usage}"))
        };
        let role: Role = field("role")?.parse()?;
        self.set_role(field("client_id")?, role)?;
        Ok(self.to_json())
    }
}

/// The client id and secret of one of a double's API keys ([`super::IonDouble::credentials`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The client id (`ion-contract-demo`).
    pub client_id: String,
    /// The client secret; printed as `[redacted]`.
    pub client_secret: crate::secret::Secret,
}

/// The client id and secret of `spec`'s key of `role` (public constants of the double).
pub fn key_for(spec: &EnvironmentSpec, role: Role) -> (String, String) {
    match role {
        Role::Admin => (spec.client_id.clone(), spec.client_secret.clone()),
        other => (
            format!("{}-{other}", spec.client_id),
            format!("{}-{other}", spec.client_secret),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_may_do_what_its_table_row_says() {
        use Action::{Create, Delete, Update};
        let may = |role: Role| [Create, Update, Delete].map(|a| role.allows(a));
        assert_eq!(may(Role::Reader), [false, false, false]);
        assert_eq!(may(Role::Editor), [true, true, false]);
        assert_eq!(may(Role::Admin), [true, true, true]);
        assert_eq!(Action::of("archiveRun"), Update);
        assert_eq!(Action::of("createPart"), Create);
        assert_eq!(Action::of("deleteAbomItem"), Delete);
        assert_eq!(
            Update.refusal(),
            "User does not have permission to update this resource."
        );
    }

    #[test]
    fn keys_authenticate_by_secret_and_take_a_new_role() {
        let spec = EnvironmentSpec::demo();
        let mut keys = Keys::of(&spec);
        let (reader, secret) = key_for(&spec, Role::Reader);
        assert_eq!(reader, "ion-contract-demo-reader");
        assert_eq!(keys.authenticate(&reader, &secret), Some(Role::Reader));
        assert_eq!(keys.authenticate(&reader, "wrong"), None);
        keys.set_role(&reader, Role::Editor).expect("a known key");
        assert_eq!(keys.authenticate(&reader, &secret), Some(Role::Editor));
        let unknown = keys.set_role("nobody", Role::Admin).expect_err("unknown");
        assert!(unknown.contains("ion-contract-demo-editor"), "{unknown}");
        assert_eq!("admin".parse(), Ok(Role::Admin));
        assert!("root".parse::<Role>().is_err());
    }
}
