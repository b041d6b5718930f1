//! The suite format's throttling vocabulary: `expect.retry_after`.
//!
//! `retry_after: present` (the header is there), `absent` (it is not), or `"<= 5s"` (there,
//! asking for at most that long; any duration `humantime` reads: `500ms`, `5s`, `1m`).

use serde_saphyr::Spanned;

use crate::suite::model::RetryAfterExpectation;
use crate::suite::source::Pos;
use crate::suite::validate::Validator;

/// Reads `expect.retry_after`.
pub(crate) fn retry_after(
    v: &mut Validator<'_>,
    spec: &Spanned<String>,
) -> Option<RetryAfterExpectation> {
    let written = spec.value.trim();
    let parsed = match written {
        "present" => Ok(RetryAfterExpectation::Present),
        "absent" => Ok(RetryAfterExpectation::Absent),
        _ => match written.strip_prefix("<=") {
            Some(limit) => humantime::parse_duration(limit.trim())
                .map(RetryAfterExpectation::AtMost)
                .map_err(|e| format!("`{}` is not a duration: {e}", limit.trim())),
            None => Err(format!("unknown `retry_after` value '{written}'")),
        },
    };
    match parsed {
        Ok(expectation) => Some(expectation),
        Err(message) => {
            v.diags.push(
                v.src
                    .diag(Pos::from(spec.referenced), message)
                    .with_label("not a `retry_after` expectation")
                    .with_help(
                        "write `retry_after: present`, `retry_after: absent` or \
                         `retry_after: \"<= 5s\"`",
                    ),
            );
            None
        }
    }
}
