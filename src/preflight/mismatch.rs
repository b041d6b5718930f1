//! How an environment mismatch reads: the headline that names what disagrees and the fix,
//! then every piece and where it points.

use std::fmt::{self, Write as _};

use super::{Mismatch, Piece};
use crate::auth::{HostRealm, Realm};

impl Mismatch {
    /// Whether anything points elsewhere than the target's environment.
    pub(super) fn disagrees(&self) -> bool {
        self.shared_value.is_some() || self.pieces.iter().any(|p| self.is_foreign(p))
    }

    fn is_foreign(&self, piece: &Piece) -> bool {
        matches!(piece.realm, HostRealm::Known(r) if r != self.realm)
    }

    /// The first sentence: what disagrees, and the fix.
    fn headline(&self) -> String {
        let (target, realm) = (&self.target, self.realm);
        if let Some((ours, theirs)) = &self.shared_value {
            return format!(
                "environment mismatch: target {target}, but {ours} holds the same value as \
                 {theirs}. An API key belongs to one ION environment, so one of them is wrong; \
                 register an API key in the {realm} tenant and set {}.",
                self.variables
            );
        }
        let Some(piece) = self.pieces.iter().find(|p| self.is_foreign(p)) else {
            return format!("environment mismatch: target {target}");
        };
        let HostRealm::Known(other) = piece.realm else {
            return format!("environment mismatch: target {target}");
        };
        let credentials = format!(
            "{} credentials do not work in {}; register an API key in the {realm} tenant and set {}.",
            capitalised(other.name()),
            article(realm),
            self.variables
        );
        match piece.what {
            "token" => format!(
                "environment mismatch: target {target}, but the token was issued by {other} \
                 ({}). {credentials}",
                piece.shown
            ),
            "variable" => format!(
                "environment mismatch: target {target}, but its credentials are read from {}, \
                 a {other} variable. Name {realm} variables for this target in \
                 suites/targets.yaml, or select the {other} target.",
                piece.shown
            ),
            what => {
                let from = piece.from.as_deref().unwrap_or("targets.yaml");
                let fix = match &piece.configured {
                    Some(configured) => format!(
                        "unset {from} to use the target's own {configured}, or set it to a \
                         {realm} URL"
                    ),
                    None => format!("fix `{what}` of target {target} in suites/targets.yaml"),
                };
                format!(
                    "environment mismatch: target {target}, but its {what} {} (from {from}) is \
                     {other}'s. {}.",
                    piece.shown,
                    capitalised(&fix)
                )
            }
        }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = self.headline();
        text.push('\n');
        write_pieces(&mut text, self.realm, &self.pieces);
        f.write_str(text.trim_end())
    }
}

/// The table of pieces: what each one is, where it was read from and where it points.
pub(super) fn write_pieces(text: &mut String, realm: Realm, pieces: &[Piece]) {
    let _ = writeln!(text, "  target environment: {realm}");
    for piece in pieces {
        let verdict = match piece.realm {
            HostRealm::Known(r) if r != realm => format!("{r}  <- mismatch"),
            other => other.to_string(),
        };
        let from = piece
            .from
            .as_deref()
            .map_or_else(String::new, |from| format!(" (from {from})"));
        let _ = writeln!(
            text,
            "  {:<11} {}{from}: {verdict}",
            piece.what, piece.shown
        );
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn article(realm: Realm) -> String {
    match realm {
        Realm::Sandbox => "a sandbox".to_owned(),
        other => other.name().to_owned(),
    }
}
