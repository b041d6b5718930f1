//! Finding run ids in a row's text, and how old their runs are.
//!
//! With the default prefix (`ion-contract-`, the generated ids' own), only generated ids
//! count: `ion-contract-<unix seconds>-<process id>-<4 hex digits>`, whose seconds say when
//! the run started. With another prefix (a team that sets `ION_TEST_RUN`), the run id is the
//! prefix and the visible characters that follow it, up to a space; it carries no time, so
//! its run counts as old.

use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use regex::Regex;

/// The prefix of every generated run id ([`crate::run_id`]).
pub const DEFAULT_PREFIX: &str = "ion-contract-";

/// The part of a generated run id after [`DEFAULT_PREFIX`]: seconds, process id, 4 hex.
static GENERATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([0-9]{1,19})-[0-9]{1,10}-[0-9a-f]{4}").expect("a valid pattern")
});

/// A run id found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunMatch {
    /// The run id.
    pub id: String,
    /// When its run started, for generated ids.
    pub started: Option<SystemTime>,
}

impl RunMatch {
    /// How long ago its run started (`None` when the id carries no time); a start in the
    /// future (another machine's clock) is no age at all.
    pub fn age(&self, now: SystemTime) -> Option<Duration> {
        self.started
            .map(|started| now.duration_since(started).unwrap_or_default())
    }

    /// Whether a sweep that spares runs younger than `older_than` takes it: ids without a
    /// time always count as old.
    pub fn is_old(&self, now: SystemTime, older_than: Duration) -> bool {
        self.age(now).is_none_or(|age| age >= older_than)
    }
}

/// What a sweep looks for: run ids with one prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunIds {
    prefix: String,
}

impl RunIds {
    /// Run ids starting with `prefix` ([`DEFAULT_PREFIX`] when `None` or blank).
    pub fn new(prefix: Option<&str>) -> RunIds {
        let prefix = prefix
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .unwrap_or(DEFAULT_PREFIX);
        RunIds {
            prefix: prefix.to_owned(),
        }
    }

    /// The prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The first run id in `text`, if it holds one.
    pub fn find(&self, text: &str) -> Option<RunMatch> {
        for (at, _) in text.match_indices(&self.prefix) {
            let rest = &text[at + self.prefix.len()..];
            if let Some(found) = GENERATED.captures(rest) {
                let id = format!("{}{}", self.prefix, &found[0]);
                let started = found[1]
                    .parse::<u64>()
                    .ok()
                    .and_then(|secs| UNIX_EPOCH.checked_add(Duration::from_secs(secs)));
                return Some(RunMatch { id, started });
            }
            if self.prefix != DEFAULT_PREFIX {
                let end = rest
                    .find(|c: char| !c.is_ascii_graphic())
                    .unwrap_or(rest.len());
                let id = format!("{}{}", self.prefix, &rest[..end]);
                return Some(RunMatch { id, started: None });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_id_is_found_inside_a_value_with_its_start_time() {
        let ids = RunIds::new(None);
        let found = ids
            .find("PN-ion-contract-1765000000-4242-0a1f-2")
            .expect("a run id");
        assert_eq!(found.id, "ion-contract-1765000000-4242-0a1f");
        assert_eq!(
            found.started,
            Some(UNIX_EPOCH + Duration::from_secs(1_765_000_000))
        );
        let name = "ion-contract ion-contract-1765000000-7-beef webhooks::case::sandbox";
        assert_eq!(
            ids.find(name).map(|m| m.id).as_deref(),
            Some("ion-contract-1765000000-7-beef")
        );
    }

    #[test]
    fn the_default_prefix_takes_only_generated_ids() {
        let ids = RunIds::new(Some("  "));
        assert_eq!(ids.prefix(), DEFAULT_PREFIX);
        for text in [
            "ion-contract-demo",
            "ion-contract-0123456789abcdef0123456789abcdef",
            "ion-contract 1765000000-1-abcd",
            "PN-1001",
        ] {
            assert_eq!(ids.find(text), None, "{text}");
        }
    }

    #[test]
    fn another_prefix_takes_what_follows_up_to_a_space_and_has_no_time() {
        let ids = RunIds::new(Some("nightly-"));
        let found = ids.find("PN-nightly-812 (left over)").expect("a run id");
        assert_eq!(found.id, "nightly-812");
        assert_eq!(found.started, None);
        let now = SystemTime::now();
        assert!(found.is_old(now, Duration::from_secs(3600)));
        let generated = ids.find("x nightly-1765000000-1-abcd").expect("a run id");
        assert!(generated.started.is_some());
    }

    #[test]
    fn a_run_is_old_once_it_started_longer_ago_than_the_limit() {
        let started = UNIX_EPOCH + Duration::from_secs(1_000);
        let found = RunMatch {
            id: "ion-contract-1000-1-abcd".into(),
            started: Some(started),
        };
        let hour = Duration::from_secs(3600);
        assert!(!found.is_old(started + Duration::from_secs(60), hour));
        assert!(found.is_old(started + hour, hour));
        assert!(found.is_old(started, Duration::ZERO));
        assert_eq!(found.age(started - hour), Some(Duration::ZERO));
    }
}
