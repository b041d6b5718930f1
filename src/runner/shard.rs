//! `--shard i/n`: one of n machines runs its share of the cases, and the n shares together
//! run every case exactly once.
//!
//! Cases are dealt round-robin in the order they are listed (by name on the double, in
//! verification order on a live target), so the shares stay even and the same suites give
//! the same split on every machine. Every case of suites with the same `lock:`
//! is dealt as one, so they land in one shard and never run at once on two machines. A
//! suite file that does not load is dealt like a case (one shard reports it); the trials that
//! stand for the whole run (`preflight::<target>`, `targets::load`, ...) are in every shard.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// One share of n.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which share, from 1.
    pub index: u32,
    /// Of how many.
    pub count: u32,
}

/// The variable that selects a shard (`ION_SHARD=1/4`), for `cargo test --test suites`.
pub const SHARD_ENV: &str = "ION_SHARD";

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let usage = || {
            format!(
                "'{text}' is not a shard: write i/n, the i-th of n shares counting from 1 \
                 (e.g. 1/4, ..., 4/4)"
            )
        };
        let (index, count) = text.trim().split_once('/').ok_or_else(usage)?;
        let index: u32 = index.trim().parse().map_err(|_| usage())?;
        let count: u32 = count.trim().parse().map_err(|_| usage())?;
        if count == 0 || index == 0 || index > count {
            return Err(format!(
                "'{text}' is not a shard: i must be from 1 to n and n at least 1 (e.g. 1/{n} \
                 to {n}/{n})",
                n = count.max(2)
            ));
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Which of `units` (in listing order; `None` for a trial in every shard) this shard
    /// keeps.
    pub fn keeps<'a>(&self, units: impl IntoIterator<Item = Option<&'a str>>) -> Vec<bool> {
        let mut dealt: HashMap<&str, usize> = HashMap::new();
        units
            .into_iter()
            .map(|unit| match unit {
                None => true,
                Some(unit) => {
                    let next = dealt.len();
                    let position = *dealt.entry(unit).or_insert(next);
                    position % self.count as usize == (self.index - 1) as usize
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_explain_what_is_wrong() {
        assert_eq!("2/3".parse(), Ok(Shard { index: 2, count: 3 }));
        assert_eq!(
            " 1 / 1 ".parse::<Shard>().map(|s| s.to_string()),
            Ok("1/1".into())
        );
        for bad in ["0/2", "3/2", "1/0", "1", "a/b", "-1/2"] {
            let error = bad.parse::<Shard>().expect_err(bad);
            assert!(
                error.contains(&format!("'{bad}' is not a shard")),
                "{error}"
            );
        }
    }

    #[test]
    fn the_shares_together_keep_every_unit_once_and_a_lock_together() {
        let units = [
            None,
            Some("a::x"),
            Some("lock:parts"),
            Some("b::y"),
            Some("lock:parts"),
            Some("c::z"),
        ];
        let first = Shard { index: 1, count: 2 }.keeps(units);
        let second = Shard { index: 2, count: 2 }.keeps(units);
        assert_eq!(first, [true, true, false, true, false, false]);
        assert_eq!(second, [true, false, true, false, true, true]);
    }
}
