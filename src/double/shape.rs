//! ION's three data shapes: what the double's tables hold when it starts.
//!
//! - **`demo`** (the default): the seed file's rows (the project's `suites/seed/demo.yaml`,
//!   `--seed`, `seed =`, else the built-in one), and three generated rows for every entity
//!   type the seed does not name (`generate.rs`).
//! - **`blank`**: a fresh ION tenant: the API key's own user (the seed's `me`, so `me`
//!   answers) and its organization, and nothing else; every other table is empty. The seed's
//!   `defaults:` still apply to creates. Without a `me` User row in the seed, a bare one is
//!   made (its non-null fields get the double's read-time defaults).
//! - **`snapshot`**: a seed file written by `ion-contract data pull` (default
//!   `suites/seed/snapshot.yaml`, or `--seed FILE`), loaded as it is: no generated rows,
//!   every type it does not name is empty.
//!
//! The shape is chosen with `--data <shape>` (`serve`, `run`, `list`, `check`) or `data =`
//! in `ion-contract.toml` (the command line wins), else by a double target's `data:` in
//! `targets.yaml` ([`crate::targets`]), else it is `demo`.

use std::fmt;
use std::str::FromStr;

use apollo_compiler::Schema;
use serde_json::Value;

use super::families::Families;
use super::generate;
use super::store::{Row, Store};

/// Where `data pull` writes, and `snapshot` reads without `--seed`, inside the suites folder.
pub const SNAPSHOT_SEED: &str = "seed/snapshot.yaml";

/// Which data the double starts from (see the module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataShape {
    /// Only the API key's user and its organization.
    Blank,
    /// The seed plus generated rows for every type it does not name.
    #[default]
    Demo,
    /// A pulled seed file, as it is.
    Snapshot,
}

impl DataShape {
    /// Every shape's name, as `--data` and `data =` take them.
    pub const NAMES: [&'static str; 3] = ["blank", "demo", "snapshot"];

    /// The shape's name.
    pub fn name(self) -> &'static str {
        match self {
            DataShape::Blank => "blank",
            DataShape::Demo => "demo",
            DataShape::Snapshot => "snapshot",
        }
    }

    /// The store the double starts from, given the seed file's.
    pub(crate) fn apply(self, schema: &Schema, families: &Families, seed: Store) -> Store {
        match self {
            DataShape::Demo => {
                let mut store = seed;
                generate::fill(schema, families, &mut store);
                store
            }
            DataShape::Snapshot => {
                let mut store = seed;
                for entity in families.entities() {
                    store.add_table(entity);
                }
                store
            }
            DataShape::Blank => blank(families, &seed),
        }
    }
}

/// The seed's `me` User and its organization in otherwise empty tables.
fn blank(families: &Families, seed: &Store) -> Store {
    let mut store = seed.emptied();
    for entity in families.entities() {
        store.add_table(entity);
    }
    if !families.is_entity("User") {
        return store;
    }
    let me = seed.me();
    let user = seed.get("User", me).cloned().unwrap_or_else(|| {
        let mut bare = Row::new();
        bare.insert("id".into(), Value::from(me));
        bare
    });
    let organization = user
        .get("organizationId")
        .and_then(Value::as_i64)
        .and_then(|id| seed.get("Organization", id));
    if let Some(organization) = organization {
        store.seed("Organization", organization.clone());
    }
    store.seed("User", user);
    store
}

impl fmt::Display for DataShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `--data` value that names no shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown data shape `{0}`; the shapes are blank, demo and snapshot")]
pub struct UnknownDataShape(pub String);

impl FromStr for DataShape {
    type Err = UnknownDataShape;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.trim() {
            "blank" => Ok(DataShape::Blank),
            "demo" => Ok(DataShape::Demo),
            "snapshot" => Ok(DataShape::Snapshot),
            other => Err(UnknownDataShape(other.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    const SDL: &str = "type Query { me: User parts: [Part] part(id: ID!): Part \
        organization(id: ID!): Organization } \
        type Organization { id: ID! name: String } \
        type User { id: ID! organizationId: Int! organization: Organization } \
        type Part { id: ID! partNumber: String }";

    fn seed() -> Store {
        let mut store = Store::new(2, BTreeMap::new());
        let row = |value: serde_json::Value| value.as_object().cloned().unwrap();
        store.seed("Organization", row(json!({"id": 4, "name": "Acme"})));
        store.seed("Organization", row(json!({"id": 5, "name": "Other"})));
        store.seed("User", row(json!({"id": 1, "organizationId": 5})));
        store.seed("User", row(json!({"id": 2, "organizationId": 4})));
        store.seed("Part", row(json!({"id": 1, "partNumber": "PN-1"})));
        store
    }

    #[test]
    fn blank_keeps_only_me_and_its_organization() {
        let schema = Schema::parse(SDL, "shape.graphql").unwrap();
        let families = Families::classify(&schema);
        let store = DataShape::Blank.apply(&schema, &families, seed());
        let ids =
            |t: &str| -> Vec<i64> { store.rows(t).filter_map(|r| r["id"].as_i64()).collect() };
        assert_eq!(ids("User"), [2]);
        assert_eq!(ids("Organization"), [4]);
        assert_eq!(ids("Part"), Vec::<i64>::new());
        assert!(
            store.is_table("Part"),
            "an empty table, not a generated one"
        );
    }

    #[test]
    fn snapshot_adds_no_rows_and_demo_generates_them() {
        let schema = Schema::parse(SDL, "shape.graphql").unwrap();
        let families = Families::classify(&schema);
        let mut seed = seed();
        seed.add_table("User");
        let snapshot = DataShape::Snapshot.apply(&schema, &families, seed.clone());
        assert_eq!(snapshot.rows("Part").count(), 1);
        let mut no_parts = Store::new(2, BTreeMap::new());
        no_parts.add_table("User");
        let snapshot = DataShape::Snapshot.apply(&schema, &families, no_parts.clone());
        assert_eq!(snapshot.rows("Part").count(), 0);
        let demo = DataShape::Demo.apply(&schema, &families, no_parts);
        assert_eq!(demo.rows("Part").count(), 3);
    }

    #[test]
    fn names_parse_back() {
        for name in DataShape::NAMES {
            assert_eq!(name.parse::<DataShape>().unwrap().name(), name);
        }
        assert!("full".parse::<DataShape>().is_err());
    }
}
