//! Checks `redact:` selectors against insta's selector grammar, without panicking.
//!
//! insta does not export its selector parser, and `Settings::add_redaction` *panics* on a
//! selector it cannot parse, including some its grammar accepts (`[-1]`, an index too large
//! for `u64`, digits separated by spaces). Running it under `catch_unwind` would still print
//! the panic through the global hook, so instead this module re-implements the grammar of
//! insta 1.49's `select_grammar.pest`, slightly stricter where insta would panic or where the
//! grammar is loose:
//!
//! ```text
//! selectors := selector ("," selector)* ","?          (spaces allowed around commas)
//! selector  := "." | segment+
//! segment   := ".**" | ".*" | "." ident | "[" "]" | "[" index "]" | "[" "\"" text "\"" "]"
//!            | "[" index ":" index "]" | "[:" index "]" | "[" index ":]"
//! ident     := [A-Za-z_$] [A-Za-z0-9_]*             (insta allows any XID identifier; quote
//!                                                      other keys: ["created-at"], ["café"])
//! index     := [0-9]+ fitting in an i64              (no sign: negative indices panic in insta)
//! ```
//!
//! A deep wildcard (`.**`) may appear once per selector, as in insta.

/// Why a selector is invalid, and the character offset of the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SelectorError {
    pub message: String,
    pub offset: usize,
}

struct Cursor<'a> {
    chars: Vec<char>,
    pos: usize,
    text: &'a str,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, k: usize) -> Option<char> {
        self.chars.get(self.pos + k).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn fail<T>(&self, message: impl Into<String>) -> Result<T, SelectorError> {
        Err(SelectorError {
            message: message.into(),
            offset: self.pos,
        })
    }

    fn unexpected<T>(&self, expected: &str) -> Result<T, SelectorError> {
        match self.peek() {
            Some(c) => self.fail(format!(
                "unexpected '{c}' in selector `{}`; expected {expected}",
                self.text
            )),
            None => self.fail(format!(
                "selector `{}` ends too early; expected {expected}",
                self.text
            )),
        }
    }

    /// An unsigned index; a `-` gets its own message.
    fn index(&mut self) -> Result<(), SelectorError> {
        if self.peek() == Some('-') {
            return self.fail(format!(
                "negative index in selector `{}`: insta selectors cannot count from the end",
                self.text
            ));
        }
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if start == self.pos {
            return self.unexpected("an index (digits)");
        }
        let digits: String = self.chars[start..self.pos].iter().collect();
        if digits.parse::<i64>().is_err() {
            self.pos = start;
            return self.fail(format!(
                "index {digits} in selector `{}` is too large",
                self.text
            ));
        }
        Ok(())
    }

    /// Everything after `[`.
    fn bracket(&mut self) -> Result<(), SelectorError> {
        match self.peek() {
            Some(']') => {
                self.pos += 1;
                Ok(())
            }
            Some('"') => {
                let start = self.pos;
                self.pos += 1;
                while self.peek().is_some_and(|c| c != '"') {
                    self.pos += 1;
                }
                if !self.eat('"') {
                    self.pos = start;
                    return self.fail(format!("unclosed quoted key in selector `{}`", self.text));
                }
                if self.eat(']') {
                    Ok(())
                } else {
                    self.unexpected("`]`")
                }
            }
            Some(':') => {
                self.pos += 1;
                self.index()?;
                if self.eat(']') {
                    Ok(())
                } else {
                    self.unexpected("`]`")
                }
            }
            _ => {
                self.index()?;
                if self.eat(']') {
                    return Ok(());
                }
                if !self.eat(':') {
                    return self.unexpected("`]` or `:`");
                }
                if self.eat(']') {
                    return Ok(());
                }
                self.index()?;
                if self.eat(']') {
                    Ok(())
                } else {
                    self.unexpected("`]`")
                }
            }
        }
    }

    /// One selector: `.` or a run of segments, up to a comma or the end.
    fn selector(&mut self) -> Result<(), SelectorError> {
        let at_end = |c: Option<char>| c.is_none_or(|c| c == ',' || c.is_whitespace());
        if self.peek() == Some('.') && at_end(self.peek_at(1)) {
            self.pos += 1;
            return Ok(());
        }
        let mut deep = false;
        let mut segments = 0;
        while !at_end(self.peek()) {
            if self.eat('[') {
                self.bracket()?;
            } else if self.eat('.') {
                if self.peek() == Some('*') && self.peek_at(1) == Some('*') {
                    if deep {
                        return self.fail(format!(
                            "deep wildcard `.**` used twice in selector `{}`",
                            self.text
                        ));
                    }
                    deep = true;
                    self.pos += 2;
                } else if self.eat('*') {
                } else if self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
                {
                    self.pos += 1;
                    while self
                        .peek()
                        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                    {
                        self.pos += 1;
                    }
                } else {
                    return self.unexpected("a key, `*` or `**` after `.`");
                }
            } else {
                return self.unexpected(if segments == 0 {
                    "`.` or `[`"
                } else {
                    "`.`, `[` or `,`"
                });
            }
            segments += 1;
        }
        if segments == 0 {
            return self.unexpected("`.` or `[`");
        }
        Ok(())
    }
}

/// Checks one `redact:` selector (possibly several, comma-separated).
pub(crate) fn check(selector: &str) -> Result<(), SelectorError> {
    let mut cursor = Cursor {
        chars: selector.chars().collect(),
        pos: 0,
        text: selector,
    };
    cursor.skip_spaces();
    loop {
        cursor.selector()?;
        cursor.skip_spaces();
        if cursor.peek().is_none() {
            return Ok(());
        }
        if !cursor.eat(',') {
            return cursor.unexpected("`,` or the end");
        }
        cursor.skip_spaces();
        if cursor.peek().is_none() {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &[&str] = &[
        ".",
        ".data",
        ".case.list.data.parts.edges[].node.cost",
        ".**.id",
        ".**",
        ".*.id",
        ".items[0]",
        ".items[1:3]",
        ".items[:2]",
        ".items[2:]",
        ".items[0:]",
        "[\"created-at\"]",
        ".a[\"created at\"].b",
        ".a, .b",
        ".a,.b,",
        "._x.$y",
        ".steps[].headers.date",
    ];

    const INVALID: &[(&str, usize)] = &[
        ("", 0),
        ("data", 0),
        (".created-at", 8),
        (".items[-1]", 7),
        (".items[99999999999999999999]", 7),
        (".items[1 2]", 8),
        (".**.a.**", 6),
        (".a[\"x]", 3),
        (".a[", 3),
        (".a b", 3),
        ("..", 1),
        (".é", 1),
        (".a,,.b", 3),
    ];

    #[test]
    fn accepts_insta_selectors() {
        for s in VALID {
            assert_eq!(check(s), Ok(()), "{s}");
        }
    }

    #[test]
    fn rejects_bad_selectors_at_the_right_place() {
        for (s, offset) in INVALID {
            let err = check(s).expect_err(s);
            assert_eq!(err.offset, *offset, "{s}: {}", err.message);
        }
    }

    #[test]
    fn everything_accepted_here_is_accepted_by_insta() {
        for s in VALID {
            let outcome = std::panic::catch_unwind(|| {
                let mut settings = insta::Settings::new();
                settings.add_redaction(s, "[x]");
            });
            assert!(outcome.is_ok(), "insta rejected {s}");
        }
    }
}
