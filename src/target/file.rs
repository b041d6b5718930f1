//! Reading `suites/targets.yaml`: every problem reported at its `file:line:col`, all at once.

use std::fmt;
use std::path::{Path, PathBuf};

use super::live::check_url;
use super::{DEFAULT_TARGET, Environment, Target, Targets, Variables};
use crate::diagnostic::{Diagnostic, display_path};
use crate::suite::format::{Entry, Node, NodeValue};
use crate::suite::source::SourceFile;
use crate::suite::suggest;

const TOP_KEYS: [&str; 1] = ["targets"];
const TARGET_KEYS: [&str; 5] = [
    "environment",
    "api_url",
    "auth_url",
    "read_only",
    "variables",
];
const VARIABLE_KEYS: [&str; 5] = ["client_id", "client_secret", "token", "api_url", "auth_url"];

/// Why `targets.yaml` could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TargetsError {
    /// The file exists but cannot be read.
    #[error("cannot read {}: {source}\nhelp: make the file readable, or remove it to use the built-in targets", display_path(.path))]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file has problems; every one is located.
    #[error("{}", render(.0))]
    Invalid(Vec<Diagnostic>),
}

fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out: Vec<String> = diagnostics.iter().map(|d| format!("{d}\n")).collect();
    out.push(format!(
        "error: the targets file has {} problem(s)",
        diagnostics.len()
    ));
    out.join("\n")
}

impl fmt::Display for Variables {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = [
            &self.client_id,
            &self.client_secret,
            &self.token,
            &self.api_url,
            &self.auth_url,
        ]
        .into_iter()
        .filter_map(|n| n.as_deref())
        .collect();
        f.write_str(&names.join(", "))
    }
}

/// The built-in targets, adjusted and extended by the file at `path` when it exists.
pub(super) fn load(path: &Path) -> Result<Targets, TargetsError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Targets::default()),
        Err(source) => {
            return Err(TargetsError::Read {
                path: path.to_path_buf(),
                source,
            });
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
                "variables" => self.variables(&mut target, f),
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

    fn url(&mut self, target: &mut Target, field: &Entry) {
        if target.is_double() {
            let help = "remove it, or give the target a live environment";
            self.problem(
                &field.value,
                format!("`{}` means nothing for the embedded double", field.key),
                help,
            );
            return;
        }
        let NodeValue::String(text) = &field.value.value else {
            self.problem(
                &field.value,
                format!(
                    "`{}` must be a URL, found {}",
                    field.key,
                    field.value.kind()
                ),
                "write e.g. `https://staging-api.buildwithion.com`",
            );
            return;
        };
        match check_url(text) {
            Ok(url) if field.key == "api_url" => target.api_url = url,
            Ok(url) => target.auth_url = url,
            Err(reason) => self.problem(
                &field.value,
                format!("`{}` is not a usable URL: {reason}", field.key),
                "write the server's base URL, e.g. `https://staging-api.buildwithion.com`",
            ),
        }
    }

    fn read_only(&mut self, target: &mut Target, field: &Entry) {
        match field.value.value {
            NodeValue::Bool(false) if target.environment.is_production() => self.problem(
                &field.value,
                format!(
                    "target `{}` is a production environment, which is always read-only",
                    target.name
                ),
                "remove `read_only: false`: ion-contract never sends mutations to production",
            ),
            NodeValue::Bool(value) => target.read_only = value,
            _ => self.problem(
                &field.value,
                format!(
                    "`read_only` must be true or false, found {}",
                    field.value.kind()
                ),
                "write `read_only: true`",
            ),
        }
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
                _ => &mut v.auth_url,
            };
            *slot = Some(name);
        }
    }

    fn known_key(&mut self, entry: &Entry, keys: &[&str], where_: &str) -> bool {
        if keys.contains(&entry.key.as_str()) {
            return true;
        }
        let message = format!(
            "unknown key `{}` {where_}{}",
            entry.key,
            suggest::suffix(&entry.key, keys.iter().copied())
        );
        let diag = self
            .src
            .diag(entry.key_at, message)
            .with_label("unknown key")
            .with_help(format!("valid keys {where_}: {}", keys.join(", ")));
        self.problems.push(diag);
        false
    }

    fn mapping<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Entry]> {
        if let NodeValue::Map(entries) = &node.value {
            return Some(entries);
        }
        self.problem(
            node,
            format!("{what} must be a mapping, found {}", node.kind()),
            "write `key: value` pairs",
        );
        None
    }

    fn problem(&mut self, node: &Node, message: impl Into<String>, help: impl Into<String>) {
        let diag = self.src.diag(node.at, message).with_help(help);
        self.problems.push(diag);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Targets, TargetsError> {
        parse(Path::new("suites/targets.yaml"), text)
    }

    fn problems(text: &str) -> Vec<String> {
        match parse_text(text) {
            Err(TargetsError::Invalid(list)) => list
                .iter()
                .map(|d| format!("{}: {}", d.location(), d.message))
                .collect(),
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn adjusts_builtins_and_adds_targets() {
        let targets = parse_text(
            "targets:\n  sandbox:\n    api_url: http://127.0.0.1:4010\n  gov-sandbox:\n    environment: gov-sandbox\n    variables:\n      token: ION_GOV_TOKEN\n  mock-ro:\n    environment: mock\n    read_only: true\n",
        )
        .unwrap();
        assert_eq!(
            targets.names(),
            ["mock", "sandbox", "production", "gov-sandbox", "mock-ro"]
        );
        let sandbox = targets.get("sandbox").unwrap();
        assert_eq!(sandbox.api_url, "http://127.0.0.1:4010");
        assert_eq!(sandbox.auth_url, "https://staging-auth.buildwithion.com");
        assert_eq!(
            sandbox.variables.client_id.as_deref(),
            Some("ION_SANDBOX_CLIENT_ID")
        );
        let gov = targets.get("gov-sandbox").unwrap();
        assert_eq!(gov.api_url, "https://api-staging-gov.buildwithion.com");
        assert_eq!(gov.variables.to_string(), "ION_GOV_TOKEN");
        let ro = targets.get("mock-ro").unwrap();
        assert!(ro.is_double() && ro.read_only);
        assert_eq!(parse_text("# nothing yet\n").unwrap(), Targets::default());
    }

    #[test]
    fn every_problem_is_located() {
        let got = problems(concat!(
            "targets:\n",
            "  mock: {}\n",
            "  Prod: {environment: production}\n",
            "  staging2:\n",
            "    environment: stagin\n",
            "  production:\n",
            "    read_only: false\n",
            "    api_url: http://api.buildwithion.com\n",
            "  gov:\n",
            "    environment: gov-sandbox\n",
            "    varaibles: {}\n",
            "  aus:\n",
            "    environment: aus-staging\n",
            "    variables: {client_secret: 'hunter2 value', token: ION_AUS_TOKEN}\n",
            "retries: 3\n",
        ));
        assert_eq!(
            got,
            [
                "suites/targets.yaml:2:3: `mock` is the built-in embedded double and cannot be redefined",
                "suites/targets.yaml:3:3: target name `Prod` has `P` at position 1",
                "suites/targets.yaml:5:18: unknown environment `stagin`; did you mean 'staging'?",
                "suites/targets.yaml:7:16: target `production` is a production environment, which is always read-only",
                "suites/targets.yaml:8:14: `api_url` is not a usable URL: plain http is accepted only for loopback hosts (127.0.0.1, localhost); use https",
                "suites/targets.yaml:11:5: unknown key `varaibles` in target `gov`; did you mean 'variables'?",
                "suites/targets.yaml:9:3: target `gov` names no credential variables",
                "suites/targets.yaml:14:32: `variables.client_secret` must name an environment variable",
                "suites/targets.yaml:15:1: unknown key `retries` at the top of the targets file",
            ]
        );
    }

    #[test]
    fn a_value_pasted_as_a_variable_name_is_never_echoed() {
        let Err(error) = parse_text(
            "targets:\n  sandbox:\n    variables:\n      client_secret: 'xK9-secret-value'\n",
        ) else {
            panic!("expected an error");
        };
        let text = error.to_string();
        assert!(text.contains("targets.yaml:4:22"), "{text}");
        assert!(!text.contains("xK9-secret-value"), "{text}");
    }
}
