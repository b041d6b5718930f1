//! A closed stdout (`ion-contract list | head -1`) ends the command quietly: exit 0 for
//! output a reader may cut short (list, check, schema diff), [`crate::exit::STDOUT_CLOSED`]
//! for a run whose report was cut short (its outcome is unknown, so it is not a success).
//!
//! Rust ignores SIGPIPE, so writing to a pipe whose reader has gone fails with `BrokenPipe`,
//! and `println!` (and libtest-mimic, which unwraps its writes) turn that into a panic: exit
//! 101 and a backtrace hint, for output a pager or `head` simply did not want. Like cargo
//! and ripgrep, the binary and the `suites` test runner instead stop at once, printing
//! nothing more, with exit 0: [`end_quietly_when_closed`] installs a panic hook that does
//! so for exactly that panic and leaves every other panic to the default hook. (`#![forbid(
//! unsafe_code)]` rules out restoring SIGPIPE's default action, which would exit 141.)

/// Installs the hook: a panic caused by writing to a closed stdout (or stderr) exits with
/// `code` (0 for listings, [`crate::exit::STDOUT_CLOSED`] for runs).
pub fn end_quietly_when_closed(code: u8) {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        let file = info.location().map(|l| l.file()).unwrap_or_default();
        if is_closed_pipe(message, file) {
            std::process::exit(i32::from(code));
        }
        default(info);
    }));
}

/// True for the panics of a write to a closed stdout or stderr: `println!`'s ("failed
/// printing to stdout: Broken pipe (os error 32)"), and libtest-mimic's report printer's
/// unwrapped `io::Error` ("... kind: BrokenPipe ..."), raised in `file`. A broken pipe
/// elsewhere (a trial's socket) is a real failure and is left to the default hook.
fn is_closed_pipe(message: &str, file: &str) -> bool {
    (message.contains("kind: BrokenPipe") && file.contains("libtest-mimic"))
        || (message.starts_with("failed printing to std")
            && (message.contains("Broken pipe") || message.contains("os error 232")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_closed_pipe_panics_are_recognised() {
        let unwrapped = "called `Result::unwrap()` on an `Err` value: Os { code: 32, kind: BrokenPipe, message: \"Broken pipe\" }";
        let printer = "/cargo/registry/src/x/libtest-mimic-0.8.2/src/printer.rs";
        assert!(is_closed_pipe(
            "failed printing to stdout: Broken pipe (os error 32)",
            "src/main.rs"
        ));
        assert!(is_closed_pipe(unwrapped, printer));
        assert!(
            !is_closed_pipe(unwrapped, "src/double/http.rs"),
            "a trial's socket"
        );
        assert!(!is_closed_pipe("index out of bounds", printer));
        assert!(!is_closed_pipe(
            "failed printing to stdout: formatter error",
            "src/main.rs"
        ));
    }
}
