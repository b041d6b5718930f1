//! Templates and captures inside a case: `${name}` must name a capture set by an earlier
//! step of the same case (a `cleanup:` step sees every capture of the case's steps and of
//! the cleanup steps before it), `${run.NAME}` is `run.id` or `run.short`, and no
//! `${fill:NAME}` placeholder may be left.
//!
//! Every capture of the case is collected before its steps are checked, so an unknown name
//! can be explained: set by this same step, set by a later step (which one), or not set at
//! all (with a did-you-mean over the case's captures and the list of those available).

use crate::suite::format::{Node, NodeValue};
use crate::suite::template::{self, Segment, TemplateError, TemplateRef};
use crate::suite::validate::Validator;
use crate::yaml::suggest;

/// A capture some step of the case sets.
pub(crate) struct CaptureDef {
    pub name: String,
    pub step_index: usize,
    pub step_name: String,
}

/// What templates in one step may refer to.
pub(crate) struct TemplateScope<'c> {
    pub all: &'c [CaptureDef],
    pub step_index: usize,
    pub step_name: &'c str,
    pub context: &'c str,
}

impl Validator<'_> {
    /// Checks every template in a value: syntax, and that captures are set by earlier steps.
    pub(crate) fn templates(&mut self, node: &Node, scope: &TemplateScope<'_>) {
        match &node.value {
            NodeValue::String(s) => match template::parse(s) {
                Err(e) => {
                    let offset = e.offset().unwrap_or(0);
                    // Underline the whole template when it is closed, else its `${`.
                    let len = s
                        .chars()
                        .skip(offset)
                        .position(|c| c == '}')
                        .map_or(2, |close| close + 1);
                    let (label, help) = match &e {
                        TemplateError::Unclosed { .. } => (
                            "template starts here",
                            "close the template with `}`, or write `$${` for a literal `${`"
                                .to_owned(),
                        ),
                        TemplateError::Empty { .. } => (
                            "empty template",
                            "write `${capture_name}` or `${env:VARIABLE}`".to_owned(),
                        ),
                        TemplateError::InvalidEnvName { name, .. } => (
                            "invalid name",
                            format!(
                                "environment variable names are letters, digits and `_`, e.g. `${{env:{}}}`",
                                fixed_name(name)
                            ),
                        ),
                        TemplateError::UnknownRunValue { .. } => (
                            "unknown run value",
                            format!(
                                "the run's values are {}; a capture name has no `.`",
                                template::RunValue::NAMES
                            ),
                        ),
                        TemplateError::InvalidName { name, .. } => (
                            "invalid name",
                            format!(
                                "capture names are letters, digits and `_`, e.g. `${{{}}}`; for an environment variable write `${{env:NAME}}`",
                                fixed_name(name)
                            ),
                        ),
                        _ => ("here", "check the template syntax".to_owned()),
                    };
                    let message = match &e {
                        TemplateError::InvalidEnvName { name, .. } => {
                            format!("invalid environment variable name '{name}' in template")
                        }
                        TemplateError::InvalidName { name, .. } => {
                            format!("invalid capture name '{name}' in template")
                        }
                        other => other.to_string(),
                    };
                    let d = self
                        .in_string(node.at, s, offset, len, message)
                        .with_label(label)
                        .with_help(help)
                        .with_note(format!("in {}", scope.context));
                    self.diags.push(d);
                }
                Ok(segments) => {
                    for segment in segments {
                        let Segment::Template {
                            reference,
                            offset,
                            len,
                        } = segment
                        else {
                            continue;
                        };
                        match reference {
                            TemplateRef::Capture(name) => {
                                self.capture_use(node, s, &name, offset, len, scope);
                            }
                            TemplateRef::Fill(name) => {
                                self.placeholder(node, s, &name, offset, len, scope);
                            }
                            TemplateRef::Env(_) | TemplateRef::Run(_) => {}
                        }
                    }
                }
            },
            NodeValue::Seq(items) => items.iter().for_each(|item| self.templates(item, scope)),
            NodeValue::Map(entries) => entries.iter().for_each(|e| self.templates(&e.value, scope)),
            NodeValue::Null | NodeValue::Bool(_) | NodeValue::Number(_) => {}
        }
    }

    /// `${fill:NAME}`: a value `init --from` left for the user to write.
    fn placeholder(
        &mut self,
        node: &Node,
        s: &str,
        name: &str,
        offset: usize,
        len: usize,
        scope: &TemplateScope<'_>,
    ) {
        let d = self
            .in_string(node.at, s, offset, len, format!("placeholder left to fill in: `${{fill:{name}}}`"))
            .with_label("fill this in")
            .with_help(format!("replace `\"${{fill:{name}}}\"` with a value for the operation's variable `${name}`: a literal (`42`, `\"PN-1\"`), `${{capture}}` or `${{env:NAME}}`"));
        self.diags
            .push(d.with_note(format!("in {}", scope.context)));
    }

    fn capture_use(
        &mut self,
        node: &Node,
        s: &str,
        name: &str,
        offset: usize,
        len: usize,
        scope: &TemplateScope<'_>,
    ) {
        let available: Vec<&CaptureDef> = scope
            .all
            .iter()
            .filter(|c| c.step_index < scope.step_index)
            .collect();
        if available.iter().any(|c| c.name == name) {
            return;
        }
        let here = format!("step '{}' (step {})", scope.step_name, scope.step_index + 1);
        let d = match scope.all.iter().find(|c| c.name == name) {
            Some(def) => {
                let when = if def.step_index == scope.step_index {
                    "by this same step"
                } else {
                    "by a later step"
                };
                self.in_string(node.at, s, offset, len, format!("capture '{name}' is used before it is set"))
                    .with_label(format!("set {when}: '{}' (step {})", def.step_name, def.step_index + 1))
                    .with_help(format!("a capture can be used by the steps after the one that sets it; this is {here}; reorder the steps or capture the value earlier"))
            }
            None => {
                let message = format!(
                    "unknown capture '{name}'{}",
                    suggest::suffix(name, scope.all.iter().map(|c| c.name.as_str()))
                );
                let help = if available.is_empty() {
                    format!(
                        "no earlier step captures anything; set it with `capture: {{{name}: $.path.to.value}}` in an earlier step, or write `${{env:{name}}}` for an environment variable"
                    )
                } else {
                    let names: Vec<&str> = available.iter().map(|c| c.name.as_str()).collect();
                    format!("captures available in {here}: {}", names.join(", "))
                };
                self.in_string(node.at, s, offset, len, message)
                    .with_label("no step of this case captures it")
                    .with_help(help)
            }
        };
        self.diags
            .push(d.with_note(format!("in {}", scope.context)));
    }
}

/// A name with every character that may not appear in it replaced by `_`.
pub(crate) fn fixed_name(name: &str) -> String {
    let mut fixed: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if fixed.is_empty() || fixed.starts_with(|c: char| c.is_ascii_digit()) {
        fixed.insert(0, '_');
    }
    fixed
}
