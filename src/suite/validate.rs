//! From the typed file to the validated [`Suite`]: every check that needs more than types.
//!
//! The validator walks suite → cases → steps and collects every problem it finds (names,
//! duplicates, the operation and its variables, expectations, captures, templates, redaction
//! selectors) into one list, so a user fixes a file in one round. A suite is produced only
//! when the list is empty. The checks are split by what they check: the suite's here, a
//! case's in [`super::case`], a step's in [`super::step`], and the topics they share in
//! modules of their own (captures, expectations, variables, webhooks, load checks).
//!
//! Each case's captures (of `steps:`, then of `cleanup:`) are collected before its steps are
//! checked, so that templates can be checked in step order with helpful messages (see
//! [`super::captures`]).

use std::path::Path;

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;

use crate::diagnostic::Diagnostic;
use crate::suite::format::{Spanned, SuiteFile};
use crate::suite::load::Parsed;
use crate::suite::model::{Redaction, Suite};
use crate::suite::template;
use crate::suite::{jsonpath, selector};
use crate::yaml::source::{Pos, SourceFile};
use crate::yaml::suggest;

/// Inputs shared by the whole file.
pub(crate) struct Validator<'a> {
    pub src: &'a SourceFile,
    pub suite_dir: &'a Path,
    pub suite_id: &'a str,
    pub schema: &'a Valid<Schema>,
    /// What the load parsed before, by text ([`super::LoadContext`]).
    pub parsed: &'a Parsed,
    /// The defined targets' names.
    pub targets: &'a [String],
    pub diags: Vec<Diagnostic>,
}

/// The rule for case and lock names (they become parts of file names), as a regex for the
/// suite schema; [`bad_case_name_char`] checks it.
pub(crate) const FILE_NAME_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9_.-]*$";

/// `[A-Za-z0-9][A-Za-z0-9_.-]*`: the offset of the first character that breaks the rule.
fn bad_case_name_char(name: &str) -> Option<(usize, char)> {
    name.chars().enumerate().find(|&(i, c)| {
        let ok = c.is_ascii_alphanumeric() || (i > 0 && matches!(c, '_' | '.' | '-'));
        !ok
    })
}

/// A suggested valid case name.
fn sanitize_case_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out
        .trim_start_matches(['_', '.', '-'])
        .trim_end_matches('-');
    if trimmed.is_empty() {
        "case-1".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// A capture or template name: `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_capture_name(name: &str) -> bool {
    template::is_name(name)
}

/// 0-based line and column of a character offset in a string.
fn line_col(s: &str, offset: usize) -> (usize, usize) {
    let before: Vec<char> = s.chars().take(offset).collect();
    let line = before.iter().filter(|&&c| c == '\n').count();
    let col = before.iter().rev().take_while(|&&c| c != '\n').count();
    (line, col)
}

impl Validator<'_> {
    /// A diagnostic at a character offset inside a string value starting at `at`; falls back
    /// to the start of the value when the offset cannot be mapped.
    pub(crate) fn in_string(
        &self,
        at: Pos,
        s: &str,
        offset: usize,
        len: usize,
        message: impl Into<String>,
    ) -> Diagnostic {
        let (line, col) = line_col(s, offset);
        let pos = self
            .src
            .pos_in_scalar(at, s, line, col)
            .map_or(at, |p| p.with_len(u32::try_from(len.max(1)).unwrap_or(1)));
        self.src.diag(pos, message)
    }

    /// Builds the suite, or returns every problem.
    pub(crate) fn suite(mut self, spec: SuiteFile, file: &Path) -> Result<Suite, Vec<Diagnostic>> {
        let name = self.non_empty(&spec.name, "the suite's `name`");
        let tags = spec
            .tags
            .as_ref()
            .map_or_else(Vec::new, |t| self.names(t, "tag"));
        let targets = spec.targets.as_ref().map(|t| {
            if t.value.is_empty() {
                self.diags.push(
                    self.src
                        .diag(Pos::from(t.referenced), "`targets` is empty, so this suite would never run")
                        .with_help("list the targets to run on (`targets: [mock, sandbox]`), or remove `targets:` to run on every target"),
                );
            }
            for name in &t.value {
                self.known_target(name);
            }
            self.names(t, "target")
        });
        let redactions = spec.redact.as_ref().map_or_else(Vec::new, |r| {
            r.value
                .0
                .iter()
                .filter_map(|(selector, replacement)| self.redaction(selector, replacement))
                .collect()
        });
        let double = spec
            .double
            .as_ref()
            .and_then(|d| super::throttle::double(&mut self, d));
        let seeds_chain = match &spec.fixture {
            None => false,
            Some(f) if f.value == "chain" => true,
            Some(f) => {
                self.diags.push(
                    self.src
                        .diag(Pos::from(f.referenced), format!("unknown fixture '{}'{}", f.value, suggest::suffix(&f.value, ["chain"])))
                        .with_label("not a fixture")
                        .with_help("`fixture: chain` seeds suites/seed/chain.yaml before the suite's cases run"),
                );
                false
            }
        };
        let lock = spec.lock.as_ref().map(|lock| {
            self.file_name_rule(
                lock,
                "lock",
                "a lock names a lock file",
                "lock: parts-inventory",
            );
            lock.value.clone()
        });
        if spec.cases.value.is_empty() {
            self.diags.push(
                self.src
                    .diag(Pos::from(spec.cases.referenced), "`cases` is empty")
                    .with_label("no cases")
                    .with_help("add at least one case: `- name: list-parts` with a `steps:` list"),
            );
        }
        let mut cases = Vec::new();
        for (i, case) in spec.cases.value.iter().enumerate() {
            if let Some(first) = spec.cases.value[..i]
                .iter()
                .find(|c| c.value.name.value == case.value.name.value)
            {
                self.diags.push(
                    self.src
                        .diag(Pos::from(case.value.name.referenced), format!("duplicate case name '{}'", case.value.name.value))
                        .with_label("used again here")
                        .with_help(format!(
                            "case names must be unique in a suite: each names a test (`{}::{}::<target>`) and its snapshot; the first one is at line {}",
                            self.suite_id,
                            case.value.name.value,
                            first.value.name.referenced.line()
                        )),
                );
            }
            if let Some(case) = self.case(case) {
                cases.push(case);
            }
        }
        if !self.diags.is_empty() {
            return Err(self.diags);
        }
        Ok(Suite {
            id: self.suite_id.to_owned(),
            file: file.to_path_buf(),
            name,
            description: spec.description.map(|d| d.value),
            tags,
            targets,
            redactions,
            double,
            seeds_chain,
            lock,
            cases,
        })
    }

    fn non_empty(&mut self, value: &Spanned<String>, what: &str) -> String {
        if value.value.trim().is_empty() {
            self.diags.push(
                self.src
                    .diag(Pos::from(value.referenced), format!("{what} is empty"))
                    .with_help("write some text here"),
            );
        }
        value.value.clone()
    }

    fn known_target(&mut self, name: &Spanned<String>) {
        if name.value.trim().is_empty() || self.targets.contains(&name.value) {
            return;
        }
        let known = self.targets.iter().map(String::as_str);
        let message = format!(
            "unknown target '{}'{}",
            name.value,
            suggest::suffix(&name.value, known)
        );
        let help = format!(
            "the targets are {}; define more in targets.yaml beside the suites",
            self.targets.join(", ")
        );
        self.diags.push(
            self.src
                .diag(Pos::from(name.referenced), message)
                .with_label("not a defined target")
                .with_help(help),
        );
    }

    fn names(&mut self, list: &Spanned<Vec<Spanned<String>>>, what: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for item in &list.value {
            if item.value.trim().is_empty() {
                self.diags.push(
                    self.src
                        .diag(Pos::from(item.referenced), format!("empty {what} name"))
                        .with_help(format!("write the {what}'s name, or remove this entry")),
                );
            } else if out.contains(&item.value) {
                self.diags.push(
                    self.src
                        .diag(
                            Pos::from(item.referenced),
                            format!("{what} '{}' is listed twice", item.value),
                        )
                        .with_help("remove the second entry"),
                );
            }
            out.push(item.value.clone());
        }
        out
    }

    /// `name` is not empty and follows `[A-Za-z0-9][A-Za-z0-9_.-]*`, the rule of names that
    /// become part of file names (`why` says which), or gets a diagnostic: `example` shows a
    /// good one.
    pub(super) fn file_name_rule(
        &mut self,
        name: &Spanned<String>,
        what: &str,
        why: &str,
        example: &str,
    ) {
        if name.value.is_empty() {
            self.diags.push(
                self.src
                    .diag(
                        Pos::from(name.referenced),
                        format!("the {what} name is empty"),
                    )
                    .with_help(format!("name the {what}, e.g. `{example}`")),
            );
        } else if let Some((offset, c)) = bad_case_name_char(&name.value) {
            let d = self
                .in_string(Pos::from(name.referenced), &name.value, offset, 1, format!("invalid {what} name '{}': {c:?} is not allowed here", name.value))
                .with_label("not allowed")
                .with_help(format!(
                    "{why}: use letters, digits, `_`, `.` and `-`, starting with a letter or digit, e.g. '{}'",
                    sanitize_case_name(&name.value)
                ));
            self.diags.push(d);
        }
    }

    fn redaction(
        &mut self,
        selector: &Spanned<String>,
        replacement: &Spanned<String>,
    ) -> Option<Redaction> {
        let at = Pos::from(selector.referenced);
        if let Err(e) = selector::check(&selector.value) {
            let d = self
                .in_string(at, &selector.value, e.offset, 1, format!("invalid redaction selector: {}", e.message))
                .with_label("here")
                .with_help("insta selectors look like `.data.parts.edges[].node.cost`, `.**.id` or `.items[0]`; quote keys with other characters as `[\"created-at\"]`");
            self.diags.push(d);
            return None;
        }
        Some(Redaction {
            selector: selector.value.clone(),
            replacement: replacement.value.clone(),
            at: at.location(),
        })
    }

    /// Whether a JSONPath parses, from the load's cache when it was parsed before (as
    /// [`Validator::path`] does); reports nothing.
    pub(crate) fn path_parses(&self, raw: &str) -> bool {
        let paths = &self.parsed.paths;
        paths.contains(raw) || paths.get_or_try(raw, || jsonpath::parse(raw)).is_ok()
    }

    /// Parses a JSONPath, reporting a located error.
    pub(crate) fn path(&mut self, raw: &Spanned<String>) -> Option<crate::suite::model::DataPath> {
        match (self.parsed.paths).get_or_try(&raw.value, || jsonpath::parse(&raw.value)) {
            Ok(path) => Some(path),
            Err(e) => {
                let d = self
                    .in_string(
                        Pos::from(raw.referenced),
                        &raw.value,
                        e.offset,
                        1,
                        e.message,
                    )
                    .with_label("here")
                    .with_help(e.help);
                self.diags.push(d);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_names_follow_the_test_name_rule() {
        assert_eq!(bad_case_name_char("list-paginates"), None);
        assert_eq!(bad_case_name_char("v1.2_x"), None);
        assert_eq!(bad_case_name_char("list parts"), Some((4, ' ')));
        assert_eq!(bad_case_name_char("-x"), Some((0, '-')));
        assert_eq!(sanitize_case_name("List parts / by id"), "List-parts-by-id");
    }

    #[test]
    fn capture_names_are_template_names() {
        assert!(is_capture_name("cursor"));
        assert!(is_capture_name("_id2"));
        assert!(!is_capture_name("end-cursor"));
        assert!(!is_capture_name("2nd"));
        assert!(!is_capture_name("a}b"));
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncé${x}", 4), (1, 1));
        assert_eq!(line_col("é${x}", 1), (0, 1));
    }
}
