//! How many trials run at once: `--test-threads N` or `RUST_TEST_THREADS`, checked.
//!
//! libtest-mimic takes any number: with 0 it waits forever for a worker that never starts,
//! and with 99,999,999 it spends minutes creating threads. So both sources are checked
//! before any trial is planned: a count from 1 to [`MAX_TEST_THREADS`] is accepted; anything
//! else (0, too many, not a number) is refused, naming where it came from, and the command
//! exits 2 (see [`crate::exit::INVALID`]).

use libtest_mimic::Arguments;

/// The most trials that may run at once: far more than cores, or than a live ION allows.
pub const MAX_TEST_THREADS: usize = 1024;

/// The variable libtest reads when `--test-threads` is not given.
pub const TEST_THREADS_ENV: &str = "RUST_TEST_THREADS";

/// A thread count that cannot be used, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{source_name}{value} is not a usable number of test threads\n\
     help: give a whole number from 1 to {MAX_TEST_THREADS} (1 runs one trial at a time)"
)]
pub struct BadThreads {
    /// `--test-threads ` or `RUST_TEST_THREADS=`, followed by the value.
    pub source_name: &'static str,
    /// What was given.
    pub value: String,
}

/// Fills `args.test_threads` from `RUST_TEST_THREADS` when the option is not given, and
/// checks the count either way.
pub fn resolve(args: &mut Arguments) -> Result<(), BadThreads> {
    resolve_with(args, std::env::var(TEST_THREADS_ENV).ok())
}

/// [`resolve`] with the variable's value passed in.
fn resolve_with(args: &mut Arguments, from_env: Option<String>) -> Result<(), BadThreads> {
    if let Some(n) = args.test_threads {
        return usable(n).then_some(()).ok_or(BadThreads {
            source_name: "--test-threads ",
            value: n.to_string(),
        });
    }
    let Some(value) = from_env else {
        return Ok(());
    };
    match value.trim().parse::<usize>() {
        Ok(n) if usable(n) => {
            args.test_threads = Some(n);
            Ok(())
        }
        _ => Err(BadThreads {
            source_name: "RUST_TEST_THREADS=",
            value: format!("{value:?}"),
        }),
    }
}

fn usable(n: usize) -> bool {
    (1..=MAX_TEST_THREADS).contains(&n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(threads: Option<usize>) -> Arguments {
        Arguments {
            test_threads: threads,
            ..Arguments::default()
        }
    }

    #[test]
    fn zero_and_absurd_counts_are_refused_from_either_source() {
        for n in [0, MAX_TEST_THREADS + 1, 99_999_999] {
            let e = resolve_with(&mut with(Some(n)), None).unwrap_err();
            assert_eq!(e.source_name, "--test-threads ");
        }
        for value in ["0", "2000", "many", ""] {
            let e = resolve_with(&mut with(None), Some(value.to_owned())).unwrap_err();
            assert_eq!(e.source_name, "RUST_TEST_THREADS=", "{value}");
        }
    }

    #[test]
    fn usable_counts_pass_and_the_option_wins_over_the_variable() {
        let mut args = with(None);
        resolve_with(&mut args, Some(" 4 ".to_owned())).expect("4 is usable");
        assert_eq!(args.test_threads, Some(4));
        let mut args = with(Some(MAX_TEST_THREADS));
        resolve_with(&mut args, Some("0".to_owned())).expect("the option is used");
        assert_eq!(args.test_threads, Some(MAX_TEST_THREADS));
        let mut args = with(None);
        resolve_with(&mut args, None).expect("nothing given");
        assert_eq!(args.test_threads, None);
    }
}
