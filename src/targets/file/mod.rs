//! Reading `suites/targets.yaml`: every problem reported at its `file:line:col`, all at once.

use std::fmt;
use std::path::Path;

use super::{DEFAULT_TARGET, Environment, Target, Targets, Variables};

use crate::diagnostic::Diagnostic;
use crate::suite::Profile;
use crate::suite::format::{Entry, Node, NodeValue};
use crate::user_file::{self, Limit, ReadError};
use crate::yaml::node_problems::NodeProblems;
use crate::yaml::source::SourceFile;
use crate::yaml::suggest;

const TOP_KEYS: [&str; 1] = ["targets"];
const TARGET_KEYS: [&str; 12] = [
    "environment",
    "api_url",
    "auth_url",
    "read_only",
    "variables",
    "imitates",
    "max_rps",
    "webhook_uri",
    "request_timeout",
    "step_timeout",
    "require_credentials",
    "data",
];
const VARIABLE_KEYS: [&str; 10] = [
    "client_id",
    "client_secret",
    "token",
    "api_url",
    "auth_url",
    "expired_token",
    "reader_client_id",
    "reader_client_secret",
    "editor_client_id",
    "editor_client_secret",
];

/// Why `targets.yaml` could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TargetsError {
    /// The file has problems (or exists but cannot be read); every one is located.
    #[error("{}", crate::diagnostic::render_all(.0, "the targets file"))]
    Invalid(Vec<Diagnostic>),
}

impl fmt::Display for Variables {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = [
            &self.client_id,
            &self.client_secret,
            &self.token,
            &self.api_url,
            &self.auth_url,
            &self.expired_token,
            &self.reader_client_id,
            &self.reader_client_secret,
            &self.editor_client_id,
            &self.editor_client_secret,
        ]
        .into_iter()
        .filter_map(|n| n.as_deref())
        .collect();
        f.write_str(&names.join(", "))
    }
}

/// The built-in targets, adjusted and extended by the file at `path` when it exists.
pub(super) fn load(path: &Path) -> Result<Targets, TargetsError> {
    let text = match user_file::read_text(path, Limit::File) {
        Ok(text) => text,
        Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Targets::default());
        }
        Err(e) => {
            let (line, col) = e.line_col().unwrap_or((1, 1));
            return Err(TargetsError::Invalid(vec![
                Diagnostic::new(
                    path,
                    line,
                    col,
                    format!("cannot read the targets file: {e}"),
                )
                .with_help(format!(
                    "{}; or remove it to use the built-in targets",
                    e.help()
                )),
            ]));
        }
    };
    parse(path, &text)
}

/// Parses the text of a targets file.
pub(super) fn parse(path: &Path, text: &str) -> Result<Targets, TargetsError> {
    let src = SourceFile::new(path, text);
    let root: Node = serde_saphyr::from_str(text).map_err(|e| {
        let inner = e.without_snippet();
        let (line, col) = inner
            .location()
            .map_or((1, 1), |l| (l.line() as u32, l.column() as u32));
        TargetsError::Invalid(vec![
            Diagnostic::new(path, line, col, format!("invalid YAML: {inner}"))
                .with_help("fix the YAML syntax here (check indentation, quotes and brackets)"),
        ])
    })?;
    let mut reader = Reader {
        src: &src,
        problems: Vec::new(),
        targets: Target::builtins(),
        seen: Vec::new(),
    };
    reader.file(&root);
    if reader.problems.is_empty() {
        Ok(Targets::from_list(reader.targets))
    } else {
        Err(TargetsError::Invalid(reader.problems))
    }
}

struct Reader<'a> {
    src: &'a SourceFile,
    problems: Vec<Diagnostic>,
    targets: Vec<Target>,
    /// The names defined in the file so far.
    seen: Vec<String>,
}

impl Reader<'_> {
    fn file(&mut self, root: &Node) {
        if let NodeValue::Null = root.value {
            return; // only comments
        }
        let Some(entries) = self.mapping(root, "the targets file") else {
            return;
        };
        for entry in entries {
            if !self.known_key(entry, &TOP_KEYS, "at the top of the targets file") {
                continue;
            }
            let Some(targets) = self.mapping(&entry.value, "`targets`") else {
                continue;
            };
            for target in targets {
                self.target(target);
            }
        }
    }

    fn target(&mut self, entry: &Entry) {
        let name = entry.key.as_str();
        if let Some((index, c)) = bad_name_char(name) {
            let diag = self
                .src
                .diag(entry.key_at, format!("target name `{name}` has `{c}` at position {}", index + 1))
                .with_help("use lowercase letters, digits, `-` and `_`, starting with a letter or digit: the name appears in trial names and snapshot file names");
            self.problems.push(diag);
            return;
        }
        if name == DEFAULT_TARGET {
            let diag = self
                .src
                .diag(entry.key_at, "`mock` is the built-in embedded double and cannot be redefined")
                .with_help("define a target of another name with `environment: mock` (e.g. `mock-read-only`)");
            self.problems.push(diag);
            return;
        }
        if Profile::reserved(name).is_some() {
            let diag = self
                .src
                .diag(entry.key_at, format!("`{name}` is a reserved credential profile, not a target name"))
                .with_help(format!("steps say `as: {name}` for ION-refused credentials; name this target otherwise (reserved: {})", Profile::RESERVED.join(", ")));
            self.problems.push(diag);
            return;
        }
        if self.seen.iter().any(|seen| seen == name) {
            let diag = self
                .src
                .diag(entry.key_at, format!("target `{name}` is defined twice"));
            self.problems.push(diag.with_help("keep one definition"));
            return;
        }
        self.seen.push(name.to_owned());
        let Some(fields) = self.mapping(&entry.value, &format!("target `{name}`")) else {
            return;
        };
        let field = |key: &str| fields.iter().find(|f| f.key == key);
        let builtin = self.targets.iter().position(|t| t.name == name);
        let environment = match field("environment") {
            Some(f) => match self.environment(&f.value) {
                Some(environment) => environment,
                None => return,
            },
            None => match builtin {
                Some(index) => self.targets[index].environment,
                None => {
                    let diag = self
                        .src
                        .diag(
                            entry.key_at,
                            format!("target `{name}` has no `environment`"),
                        )
                        .with_help(format!(
                            "add `environment: <one of {}>`",
                            environment_names()
                        ));
                    self.problems.push(diag);
                    return;
                }
            },
        };
        let mut target = match builtin {
            Some(index) if self.targets[index].environment == environment => {
                self.targets[index].clone()
            }
            Some(index) => Target {
                variables: self.targets[index].variables.clone(),
                ..Target::new(name, environment)
            },
            None => Target::new(name, environment),
        };
        for f in fields {
            if !self.known_key(f, &TARGET_KEYS, &format!("in target `{name}`")) {
                continue;
            }
            match f.key.as_str() {
                "api_url" | "auth_url" => self.url(&mut target, f),
                "read_only" => self.read_only(&mut target, f),
                "require_credentials" => self.require_credentials(&mut target, f),
                "variables" => self.variables(&mut target, f),
                "imitates" => self.imitates(&mut target, f),
                "data" => self.data(&mut target, f),
                "max_rps" => self.max_rps(&mut target, f),
                "webhook_uri" => self.webhook_uri(&mut target, f),
                "request_timeout" | "step_timeout" => self.timeout(&mut target, f),
                _ => {}
            }
        }
        let v = &target.variables;
        let has_key = v.client_id.is_some() && v.client_secret.is_some();
        if !target.is_double() && !has_key && v.token.is_none() {
            let diag = self
                .src
                .diag(entry.key_at, format!("target `{name}` names no credential variables"))
                .with_help("add `variables:` with `client_id` and `client_secret` (an API key), or `token`");
            self.problems.push(diag);
        }
        match builtin {
            Some(index) => self.targets[index] = target,
            None => self.targets.push(target),
        }
    }

    fn environment(&mut self, node: &Node) -> Option<Environment> {
        let NodeValue::String(written) = &node.value else {
            self.problem(
                node,
                format!("`environment` must be a name, found {}", node.kind()),
                format!("write one of {}", environment_names()),
            );
            return None;
        };
        let found = Environment::named(written);
        if found.is_none() {
            let names = Environment::ALL.map(Environment::name);
            let message = format!(
                "unknown environment `{written}`{}",
                suggest::suffix(written, names)
            );
            self.problem(
                node,
                message,
                format!("the environments are {}", environment_names()),
            );
        }
        found
    }

    fn variables(&mut self, target: &mut Target, field: &Entry) {
        if target.is_double() {
            self.problem(
                &field.value,
                "the embedded double needs no credentials",
                "remove `variables:` from this target",
            );
            return;
        }
        let Some(entries) = self.mapping(&field.value, "`variables`") else {
            return;
        };
        for entry in entries {
            if !self.known_key(entry, &VARIABLE_KEYS, "in `variables`") {
                continue;
            }
            let name = match &entry.value.value {
                NodeValue::String(name) if is_variable_name(name) => name.clone(),
                _ => {
                    // Never echo the line: a secret pasted here must not reach a log.
                    let at = entry.value.at;
                    let diag = Diagnostic::new(&self.src.path, at.line, at.col, format!("`variables.{}` must name an environment variable", entry.key))
                        .with_help("write the variable's NAME (e.g. ION_SANDBOX_CLIENT_SECRET), never its value: targets.yaml is committed");
                    self.problems.push(diag);
                    continue;
                }
            };
            let v = &mut target.variables;
            let slot = match entry.key.as_str() {
                "client_id" => &mut v.client_id,
                "client_secret" => &mut v.client_secret,
                "token" => &mut v.token,
                "api_url" => &mut v.api_url,
                "auth_url" => &mut v.auth_url,
                "reader_client_id" => &mut v.reader_client_id,
                "reader_client_secret" => &mut v.reader_client_secret,
                "editor_client_id" => &mut v.editor_client_id,
                "editor_client_secret" => &mut v.editor_client_secret,
                _ => &mut v.expired_token,
            };
            *slot = Some(name);
        }
    }
}

fn environment_names() -> String {
    Environment::ALL.map(Environment::name).join(", ")
}

/// `[a-z0-9][a-z0-9_-]*`: the first character that breaks the rule.
fn bad_name_char(name: &str) -> Option<(usize, char)> {
    if name.is_empty() {
        return Some((0, ' '));
    }
    name.chars().enumerate().find(|&(i, c)| {
        let ok = c.is_ascii_lowercase() || c.is_ascii_digit() || (i > 0 && matches!(c, '-' | '_'));
        !ok
    })
}

/// An environment variable's name: `[A-Za-z_][A-Za-z0-9_]*`.
fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

mod fields;
#[cfg(test)]
mod tests;

impl NodeProblems for Reader<'_> {
    fn source(&self) -> &SourceFile {
        self.src
    }

    fn problems(&mut self) -> &mut Vec<Diagnostic> {
        &mut self.problems
    }
}
