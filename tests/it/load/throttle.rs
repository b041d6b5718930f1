//! `double:`, `throttle:`, `ramp:`, `retry:` and `expect.retry_after` load into the model; the
//! broken ones are snapshotted with the other broken fixtures.

use std::time::Duration;

use ion_contract::suite::{LoadCheck, RampCheck, RetryAfterExpectation, ThrottleCheck};
use serde_json::json;

use super::load_valid;

#[test]
fn throttling_loads_into_the_model() {
    let suite = load_valid("throttle");
    assert_eq!(
        suite.double.map(|change| change.to_json()),
        Some(
            json!({"per_second": 20, "burst": 5, "retry_after": "http-date", "storm": {"for_ms": 1500}})
        )
    );
    let load: Vec<Option<LoadCheck>> = suite.cases.iter().map(|c| c.load.clone()).collect();
    let Some(LoadCheck::Throttle(ThrottleCheck {
        requests: 20,
        rate: 50,
        max_throttled: Some(8),
        within: Some(within),
        ..
    })) = &load[0]
    else {
        panic!("{:?}", load[0]);
    };
    assert_eq!(*within, Duration::from_secs(10));
    let Some(LoadCheck::Ramp(RampCheck {
        from: 2,
        to: 10,
        by: 2,
        requests: 6,
        max_4xx_share,
        safe_rate_at_least: Some(4),
        ..
    })) = &load[1]
    else {
        panic!("{:?}", load[1]);
    };
    assert!((max_4xx_share - 0.1).abs() < f64::EPSILON);
    let raw = &suite.cases[2].steps[0];
    assert!(!raw.retry && suite.cases[0].steps[0].retry);
    assert_eq!(
        raw.expect.retry_after,
        Some(RetryAfterExpectation::AtMost(Duration::from_secs(5)))
    );
    assert_eq!(load[2], None);
}
