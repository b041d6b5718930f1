//! The built-in schema's access and label families on the demo data: the relation mutations
//! an integration uses (addUserToTeam, removeUserFromTeam, attachRoleToUser,
//! addLabelToItem, removeLabelFromItem) change what both sides of the link read (lists in id
//! order), starting from the seed's links. (Reads of the seeded links: suites/access.yaml and
//! suites/purchasing.yaml.)

use ion_contract::double::IonDouble;
use serde_json::{Value, json};

use super::{data, graphql, token};

/// The `id`s of a list of `{id}` objects.
fn ids(list: &Value) -> Vec<i64> {
    let items = list.as_array().unwrap_or_else(|| panic!("a list: {list}"));
    items
        .iter()
        .filter_map(|item| item["id"].as_i64())
        .collect()
}

#[tokio::test]
async fn team_and_role_links_are_read_back_from_both_sides() {
    let double = IonDouble::start(data()).await;
    let token = token(&double).await;
    let read = "query($user: ID!, $team: ID!, $role: ID!) { \
        user(id: $user) { teams { id } roles { id } } \
        team(id: $team) { users { id } } role(id: $role) { users { id } } }";
    let of = |user: i64, team: i64, role: i64| json!({"user": user, "team": team, "role": role});

    let before = graphql(&double, &token, read, of(3, 1, 2)).await;
    assert_eq!(ids(&before["data"]["user"]["teams"]), [1, 2], "{before}");
    assert_eq!(ids(&before["data"]["team"]["users"]), [2, 3], "{before}");

    let remove = "mutation { removeUserFromTeam(input: {teamId: 1, userId: 3}) { teamId userId } }";
    let removed = graphql(&double, &token, remove, json!({})).await;
    assert_eq!(
        removed["data"]["removeUserFromTeam"],
        json!({"teamId": 1, "userId": 3}),
        "{removed}"
    );
    let attach = "mutation { attachRoleToUser(input: {userId: \"3\", roleId: 2}) { roleId } }";
    let attached = graphql(&double, &token, attach, json!({})).await;
    assert_eq!(
        attached["data"]["attachRoleToUser"]["roleId"],
        json!(2),
        "{attached}"
    );

    let after = graphql(&double, &token, read, of(3, 1, 2)).await;
    assert_eq!(ids(&after["data"]["user"]["teams"]), [2], "{after}");
    assert_eq!(ids(&after["data"]["team"]["users"]), [2], "{after}");
    assert_eq!(ids(&after["data"]["user"]["roles"]), [2, 3], "{after}");
    assert_eq!(ids(&after["data"]["role"]["users"]), [2, 3], "{after}");

    let add = "mutation { addUserToTeam(input: {teamId: 2, userId: 2}) { teamId } }";
    graphql(&double, &token, add, json!({})).await;
    let added = graphql(&double, &token, read, of(2, 2, 2)).await;
    assert_eq!(ids(&added["data"]["user"]["teams"]), [1, 2], "{added}");
    assert_eq!(ids(&added["data"]["team"]["users"]), [2, 3], "{added}");
}

#[tokio::test]
async fn a_label_is_added_to_and_removed_from_an_item_named_by_its_entity_id() {
    let double = IonDouble::start(data()).await;
    let token = token(&double).await;
    let read = "{ partInventory(id: 1) { entityId labels { id value } } }";
    let before = graphql(&double, &token, read, json!({})).await;
    let item = &before["data"]["partInventory"];
    assert_eq!(ids(&item["labels"]), [1, 3], "{before}");
    let link = json!({"entityId": item["entityId"], "labelId": 2});

    let add = "mutation($entityId: Int!, $labelId: Int!) { \
        addLabelToItem(input: {entityId: $entityId, labelId: $labelId}) { labelId entityId } }";
    let added = graphql(&double, &token, add, link.clone()).await;
    assert_eq!(added["data"]["addLabelToItem"], link, "{added}");
    let read_back = graphql(&double, &token, read, json!({})).await;
    let labels = &read_back["data"]["partInventory"]["labels"];
    assert_eq!(ids(labels), [1, 2, 3], "{read_back}");
    assert_eq!(labels[1]["value"], json!("Customer return"));

    let remove = "mutation($entityId: Int!, $labelId: Int!) { \
        removeLabelFromItem(input: {entityId: $entityId, labelId: $labelId}) { labelId } }";
    graphql(&double, &token, remove, link).await;
    let after = graphql(&double, &token, read, json!({})).await;
    assert_eq!(
        ids(&after["data"]["partInventory"]["labels"]),
        [1, 3],
        "{after}"
    );
}
