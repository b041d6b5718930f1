//! graphql-core's "Did you mean ...?" suggestions: its `suggestion_list` (a case-insensitive
//! optimal-string-alignment distance, a case change counting as one edit, a threshold of
//! 40% of the input's length plus one, sorted by distance then in natural order) and its
//! `did_you_mean` (at most five, `'a', 'b', or 'c'`).

use std::cmp::Ordering;

/// At most this many suggestions are named, as graphql-core's `did_you_mean` does.
const MAX_SUGGESTIONS: usize = 5;

/// The options close enough to `input`, best first.
pub(super) fn suggestion_list<'o>(
    input: &str,
    options: impl IntoIterator<Item = &'o str>,
) -> Vec<&'o str> {
    let threshold = input.chars().count() * 2 / 5 + 1;
    let mut close: Vec<(usize, &str)> = options
        .into_iter()
        .filter_map(|option| distance(input, option, threshold).map(|d| (d, option)))
        .collect();
    close.sort_by(|(da, a), (db, b)| da.cmp(db).then_with(|| natural_order(a, b)));
    close.into_iter().map(|(_, option)| option).collect()
}

/// ` Did you mean 'a', 'b', or 'c'?` (with `sub_message` after "mean"), or nothing.
pub(super) fn did_you_mean(suggestions: &[&str], sub_message: Option<&str>) -> String {
    let named: Vec<String> = suggestions
        .iter()
        .take(MAX_SUGGESTIONS)
        .map(|s| format!("'{s}'"))
        .collect();
    let list = match named.as_slice() {
        [] => return String::new(),
        [one] => one.clone(),
        [first, second] => format!("{first} or {second}"),
        [init @ .., last] => format!("{}, or {last}", init.join(", ")),
    };
    match sub_message {
        Some(sub) => format!(" Did you mean {sub} {list}?"),
        None => format!(" Did you mean {list}?"),
    }
}

/// graphql-core's `LexicalDistance.measure`: `None` beyond `threshold`.
fn distance(input: &str, option: &str, threshold: usize) -> Option<usize> {
    if input == option {
        return Some(0);
    }
    let (input_lower, option_lower) = (input.to_lowercase(), option.to_lowercase());
    if input_lower == option_lower {
        return Some(1);
    }
    let mut a: Vec<char> = option_lower.chars().collect();
    let mut b: Vec<char> = input_lower.chars().collect();
    if a.len() < b.len() {
        std::mem::swap(&mut a, &mut b);
    }
    if a.len() - b.len() > threshold {
        return None;
    }
    let mut rows = vec![vec![0usize; b.len() + 1]; 3];
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        let mut smallest = i;
        rows[i % 3][0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut cell = (rows[(i - 1) % 3][j] + 1)
                .min(rows[i % 3][j - 1] + 1)
                .min(rows[(i - 1) % 3][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cell = cell.min(rows[(i - 2) % 3][j - 2] + 1);
            }
            smallest = smallest.min(cell);
            rows[i % 3][j] = cell;
        }
        if smallest > threshold {
            return None;
        }
    }
    let distance = rows[a.len() % 3][b.len()];
    (distance <= threshold).then_some(distance)
}

/// graphql-core's `natural_comparison_key`: runs of digits compare as numbers.
fn natural_order(a: &str, b: &str) -> Ordering {
    let (a, b) = (chunks(a), chunks(b));
    for (x, y) in a.iter().zip(&b) {
        let order = match (x.parse::<u128>(), y.parse::<u128>()) {
            (Ok(m), Ok(n)) => m.cmp(&n).then_with(|| x.cmp(y)),
            _ => x.cmp(y),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

/// `"Step10a"` → `["Step", "10", "a"]`: alternating non-digit and digit runs, starting with a
/// (possibly empty) non-digit run, as Python's `re.split(r"(\d+)")` gives them.
fn chunks(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_digits = false;
    for (i, c) in s.char_indices() {
        if c.is_ascii_digit() != in_digits {
            out.push(&s[start..i]);
            start = i;
            in_digits = !in_digits;
        }
    }
    out.push(&s[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_follow_graphql_core_s_threshold_and_order() {
        let fields = ["partNumber", "partType", "id", "revision"];
        assert_eq!(suggestion_list("partNumbr", fields), ["partNumber"]);
        assert_eq!(suggestion_list("ID", fields), ["id"]);
        assert!(suggestion_list("zzz", fields).is_empty());
        assert_eq!(
            suggestion_list("step", ["Step10", "Step9", "Steps"]),
            ["Step9", "Steps", "Step10"]
        );
    }

    #[test]
    fn did_you_mean_lists_at_most_five_with_an_oxford_or() {
        assert_eq!(did_you_mean(&[], None), "");
        assert_eq!(did_you_mean(&["a", "b"], None), " Did you mean 'a' or 'b'?");
        assert_eq!(
            did_you_mean(&["a", "b", "c", "d", "e", "f"], Some("the enum value")),
            " Did you mean the enum value 'a', 'b', 'c', 'd', or 'e'?"
        );
    }
}
