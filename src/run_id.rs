//! The run id: one value per process, naming this run wherever ION or a suite sees it.
//!
//! It is sent as `X-Test-Run` by the webhook receivers the harness registers, is part of
//! their names, and is what `${run.id}` expands to in a suite (`${run.short}` for its
//! 8-character form), so write cases can make values (part numbers, serials) that never
//! collide with an earlier run's rows or another machine's run.
//!
//! - `ION_TEST_RUN` when set (e.g. the CI run's id): its visible ASCII characters, at most
//!   100, so it is a valid header value;
//! - else `ion-contract-<unix seconds>-<process id>-<4 random hex digits>`: two machines
//!   starting in the same second with the same process id still differ.
//!
//! `${run.short}` is the first 8 hex digits of the SHA-256 of the run id: the same for the
//! whole process, different between runs, for fields with a length limit.
//!
//! Both are computed once, on first use, and never change for the process.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// The variable that sets the run id.
pub const RUN_ID_VARIABLE: &str = "ION_TEST_RUN";

/// Characters in [`run_short`].
pub const SHORT_LEN: usize = 8;

/// This process's run id (see the module docs).
pub fn run_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| from_variable(std::env::var(RUN_ID_VARIABLE).ok()).unwrap_or_else(generated))
}

/// This process's short run id: 8 lowercase hex digits derived from [`run_id`].
pub fn run_short() -> &'static str {
    static SHORT: OnceLock<String> = OnceLock::new();
    SHORT.get_or_init(|| short_of(run_id()))
}

/// `ION_TEST_RUN`'s visible ASCII characters (at most 100), unless none are left.
fn from_variable(given: Option<String>) -> Option<String> {
    let id: String = given?
        .chars()
        .filter(char::is_ascii_graphic)
        .take(100)
        .collect();
    (!id.is_empty()).then_some(id)
}

fn generated() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!(
        "ion-contract-{seconds}-{}-{:04x}",
        std::process::id(),
        fastrand::u16(..)
    )
}

fn short_of(id: &str) -> String {
    let digest = Sha256::digest(id.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    hex[..SHORT_LEN].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variable_is_kept_to_visible_ascii_and_100_characters() {
        assert_eq!(
            from_variable(Some("ci 42\n".into())).as_deref(),
            Some("ci42")
        );
        assert_eq!(from_variable(Some(" \t".into())), None);
        assert_eq!(from_variable(None), None);
        assert_eq!(
            from_variable(Some("x".repeat(150))).map(|s| s.len()),
            Some(100)
        );
    }

    #[test]
    fn the_short_form_is_8_hex_digits_that_depend_on_the_id() {
        let a = short_of("ci-1");
        assert_eq!(a.len(), SHORT_LEN);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a, short_of("ci-1"));
        assert_ne!(a, short_of("ci-2"));
    }

    #[test]
    fn one_id_per_process() {
        assert_eq!(run_id(), run_id());
        assert_eq!(run_short(), short_of(run_id()));
    }
}
