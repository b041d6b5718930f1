//! "Did you mean ...?" suggestions for misspelt keys, names and values.
//!
//! A candidate is suggested when it is close to what was written by Jaro-Winkler similarity
//! (good at typos and transpositions such as `qurey`) or by a small edit distance relative to
//! the word's length; case differences alone always match. The best candidate wins; ties keep
//! the caller's order, so suggestions are deterministic.

/// The candidate closest to `written`, if any is close enough to be a plausible typo.
pub(crate) fn did_you_mean<'a, I>(written: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lower = written.to_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        if candidate == written {
            continue;
        }
        let c_lower = candidate.to_lowercase();
        let score = if c_lower == lower {
            2.0
        } else {
            let jw = strsim::jaro_winkler(&lower, &c_lower);
            let distance = strsim::damerau_levenshtein(&lower, &c_lower);
            let longest = lower.chars().count().max(c_lower.chars().count());
            let close_edit = distance <= 2 && distance * 3 <= longest;
            if jw >= 0.85 || close_edit {
                jw
            } else {
                continue;
            }
        };
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// `"; did you mean 'x'?"` or an empty string, to append to a message.
pub(crate) fn suffix<'a, I>(written: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    did_you_mean(written, candidates)
        .map(|c| format!("; did you mean '{c}'?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_typos_transpositions_and_case() {
        let keys = ["name", "query", "document", "operation", "variables"];
        assert_eq!(did_you_mean("qurey", keys), Some("query"));
        assert_eq!(did_you_mean("varaibles", keys), Some("variables"));
        assert_eq!(did_you_mean("Query", keys), Some("query"));
        assert_eq!(did_you_mean("documnet", keys), Some("document"));
        assert_eq!(did_you_mean("opration", keys), Some("operation"));
    }

    #[test]
    fn stays_quiet_for_unrelated_words() {
        let keys = ["name", "query", "document"];
        assert_eq!(did_you_mean("timeout", keys), None);
        assert_eq!(did_you_mean("x", keys), None);
        assert_eq!(suffix("retries", keys), "");
    }

    #[test]
    fn prefers_the_closest_candidate() {
        assert_eq!(did_you_mean("cursr", ["count", "cursor"]), Some("cursor"));
        assert_eq!(did_you_mean("strng", ["string", "number"]), Some("string"));
    }
}
