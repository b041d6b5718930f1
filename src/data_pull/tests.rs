use std::path::Path;

use serde_json::json;

use super::*;
use crate::builtin::{self, Source};
use crate::double::DoubleData;

fn built_in() -> DoubleData {
    let dir = Path::new("/nonexistent/ion-contract-data-pull");
    DoubleData::load_from(
        &Source::project(dir, &builtin::SCHEMA),
        &Source::project(dir, &builtin::SEED),
    )
    .expect("the built-in data loads")
}

#[test]
fn the_plan_follows_foreign_keys_reads_by_id_where_no_list_and_never_asks_for_secrets() {
    let data = built_in();
    let wanted = BTreeSet::from(["PartInventory".to_owned(), "WebhookReceiver".to_owned()]);
    let plan = Plan::new(data.schema(), data.families(), &wanted).expect("a plan");
    let kind = |name: &str| plan.types.iter().find(|t| t.type_name == name);
    let stock = kind("PartInventory").expect("asked for");
    assert!(stock.references.contains(&("partId".into(), "Part".into())));
    assert!(
        kind("Part").is_some() && kind("Location").is_some(),
        "{plan:?}"
    );
    assert!(plan.me && kind("User").is_some());
    let organization = kind("Organization").expect("the user's organization");
    assert!(organization.by_id, "no connection lists organizations");
    let receiver = kind("WebhookReceiver").expect("asked for");
    assert!(!receiver.columns.contains(&"sharedSecret".to_owned()));
    assert!(
        !stock
            .columns
            .iter()
            .any(|c| GENERATED_COLUMNS.contains(&c.as_str()))
    );
    let unknown = Plan::new(
        data.schema(),
        data.families(),
        &BTreeSet::from(["Prt".into()]),
    );
    assert!(
        unknown
            .unwrap_err()
            .to_string()
            .contains("did you mean 'Part'")
    );
}

#[test]
fn rows_are_faked_by_id_and_keys_to_unread_rows_are_left_out() {
    let mut pulled = Pulled::default();
    let row = |value: Value| value.as_object().cloned().expect("an object");
    let part = pulled.faked(row(json!({"id": "7", "description": "call bob@x.example"})));
    let stock = pulled.faked(row(json!({"id": 2, "partId": 7, "locationId": 99})));
    assert_eq!(pulled.faked(row(json!({"id": 0}))), None, "no usable id");
    pulled
        .tables
        .insert("Part".into(), part.into_iter().collect());
    pulled
        .tables
        .insert("PartInventory".into(), stock.into_iter().collect());
    let types = [PulledType {
        type_name: "PartInventory".into(),
        list: "partInventories".into(),
        by_id: false,
        columns: Vec::new(),
        references: vec![
            ("partId".into(), "Part".into()),
            ("locationId".into(), "Location".into()),
        ],
    }];
    pulled.drop_dangling(&types);
    assert_eq!(pulled.dangling, 1);
    assert_eq!(pulled.faked, 1);
    let text = pulled.seed_text("pulled");
    assert!(text.starts_with("# pulled\n"), "{text}");
    assert!(
        text.contains(r#"  - {"id": 7, "description": "text 7"}"#),
        "{text}"
    );
    assert!(text.contains(r#"  - {"id": 2, "partId": 7}"#), "{text}");
}
