//! How root fields are classified into families.

use super::*;

const SDL: &str = r#"
    type Query {
      me: User
      part(id: ID!): Part
      parts(first: Int): PartsConnection
      partProcedure(partId: ID!, procedureId: ID!): PartProcedure
      scanBarcode(barcode: String!): Scan
      template(filters: String): Part
    }
    type Mutation {
      createPart(input: CreatePartInput!): CreatePart
      createParts(input: [CreatePartInput]): CreateParts
      updatePart(input: UpdatePartInput!): CreatePart
      deletePart(etag: String!, id: ID!): DeletePart
      deletePartProcedure(etag: String!, partId: ID!, procedureId: ID!): DeletePart
      addUserToTeam(input: TeamToUserInput!): TeamToUser
      cancelPart(input: UpdatePartInput!): CreatePart
      clonePart(etag: String!, partId: ID!): CreatePart
      generateSummary(id: ID!): DeletePart
      createOrUpdatePart(input: UpdatePartInput!): CreatePart
    }
    type User { id: ID! }
    type Team { id: ID! users: [User] }
    type Part { id: ID! partNumber: String! }
    type PartProcedure { id: ID! partId: ID! procedureId: ID! }
    type Scan { id: ID! }
    type PartsConnection { edges: [PartsEdge] }
    type PartsEdge { node: Part cursor: String }
    type CreatePart { part: Part }
    type CreateParts { parts: [Part] }
    type DeletePart { id: Int }
    type TeamToUser { userId: Int teamId: Int }
    input CreatePartInput { partNumber: String }
    input UpdatePartInput { id: ID! etag: String! }
    input TeamToUserInput { teamId: Int! userId: Int! }
"#;

fn families() -> Families {
    Families::classify(&Schema::parse(SDL, "families.graphql").unwrap())
}

#[test]
fn query_fields_fall_into_families_by_arguments_and_type() {
    let families = families();
    let name = |field: &str| families.query(field).name();
    assert_eq!(name("me"), "me");
    assert_eq!(name("part"), "by-id");
    assert_eq!(name("parts"), "connection");
    assert_eq!(name("partProcedure"), "composite-key");
    assert_eq!(name("template"), "first");
    assert_eq!(name("scanBarcode"), "other", "a required non-key argument");
    assert_eq!(name("unknown"), "other");
}

#[test]
fn entities_are_nodes_lookups_and_payload_rows() {
    let families = families();
    let entities: Vec<_> = families.entities().collect();
    assert_eq!(entities, ["Part", "PartProcedure", "Scan", "User"]);
    assert!(!families.is_entity("Team"), "only a relation reaches it");
    assert_eq!(families.entity_named("part"), Some("Part"));
}

#[test]
fn mutations_fall_into_families_by_verb_and_payload() {
    let families = families();
    let name = |field: &str| families.mutation(field).name();
    assert_eq!(
        *families.mutation("createPart"),
        MutationFamily::Create {
            entity: "Part".into(),
            field: "part".into(),
            upsert: false
        }
    );
    assert_eq!(name("createParts"), "create-many");
    assert_eq!(name("updatePart"), "update");
    assert_eq!(name("deletePart"), "delete");
    assert_eq!(
        *families.mutation("deletePartProcedure"),
        MutationFamily::Delete {
            entity: "PartProcedure".into()
        }
    );
    assert_eq!(
        *families.mutation("addUserToTeam"),
        MutationFamily::Relation { adding: true }
    );
    assert_eq!(name("cancelPart"), "transition");
    assert_eq!(name("clonePart"), "copy");
    assert_eq!(name("generateSummary"), "other");
    assert!(matches!(
        families.mutation("createOrUpdatePart"),
        MutationFamily::Create { upsert: true, .. }
    ));
}
