//! The JSON report: the [`RunReport`] as one pretty-printed object.
//!
//! ```json
//! {"format": 1, "tool": "ion-contract 0.1.0", "target": "mock", "duration_ms": 812,
//!  "totals": {"passed": 30, "failed": 1, "ignored": 0},
//!  "trials": [{"name": "parts::list::mock", "kind": "case", "suite": "parts",
//!              "case": "list", "target": "mock", "outcome": "failed", "duration_ms": 12,
//!              "failure": {"class": "expectation", "message": "..."},
//!              "ignored_because": null,
//!              "steps": [{"name": "first-page", "status": 200, "duration_ms": 3,
//!                         "attempts": 1, "throttled": 0, "waited_ms": 0,
//!                         "auth": null, "auth_expected": false, "cleanup": false}],
//!              "requests": 1, "throttled": 0, "mismatch_classes": [], "notes": []}],
//!  "highlights": []}
//! ```
//!
//! `format` changes only when a field changes meaning or goes away; new fields may appear.

use super::RunReport;

/// The report as pretty-printed JSON, ending in a newline.
pub fn render(report: &RunReport) -> String {
    let mut text = serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\": \"the report could not be rendered: {e}\"}}"));
    text.push('\n');
    text
}
