//! The README and the user's guide in `docs/` hold together: every `ion-contract ...` and
//! `cargo run ... -- ...` line in their code blocks (the CI workflows among them) parses with
//! the real command line, the nextest profile they name is defined, every relative link
//! reaches an existing file and heading, and every chapter of the book is in its SUMMARY.md.

use crate::common;

use ion_contract::cli;

use std::path::{Path, PathBuf};

use clap::Parser as _;
use common::manifest_dir;

/// README.md and every markdown file under docs/ (the book and the maintainers' notes),
/// relative to the crate root, sorted.
fn markdown_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a readable directory entry").path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "md") {
                found.push(path);
            }
        }
    }
    let root = manifest_dir();
    let mut found = vec![root.join("README.md")];
    walk(&root.join("docs"), &mut found);
    found.sort();
    found
}

/// The text of a file, or a failure naming it.
fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A path relative to the crate root, for messages.
fn shown(path: &Path) -> String {
    path.strip_prefix(manifest_dir())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The lines inside fenced code blocks, with `\` continuations joined.
fn code_lines(markdown: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut inside = false;
    let mut pending = String::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
            continue;
        }
        if !inside {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => pending.push_str(head),
            None => {
                pending.push_str(line);
                lines.push(std::mem::take(&mut pending));
            }
        }
    }
    lines
}

/// The words of a shell command line: `${{ ... }}` expressions become `1`, quotes go, a
/// trailing `# comment` and anything after a pipe, redirection or `&&` are dropped.
fn words(command: &str) -> Vec<String> {
    let mut text = command.to_owned();
    while let Some(start) = text.find("${{") {
        let end = text[start..]
            .find("}}")
            .map_or(text.len(), |e| start + e + 2);
        text.replace_range(start..end, "1");
    }
    let end = [" #", " |", " >", " 2>", " &&", " ;"]
        .iter()
        .filter_map(|cut| text.find(cut))
        .min()
        .unwrap_or(text.len());
    let text = &text[..end];
    text.split_whitespace()
        .map(|w| w.trim_matches(|c| c == '"' || c == '\'').to_owned())
        .collect()
}

/// The `ion-contract` arguments of a line, when it runs ion-contract.
fn ion_contract_args(line: &str) -> Option<Vec<String>> {
    let line = line.trim_start().trim_start_matches("- run: ");
    let after = if let Some(at) = line.find("cargo run") {
        let rest = &line[at..];
        rest.find(" -- ").map(|dashes| &rest[dashes + 4..])?
    } else {
        let at = line.find("ion-contract ")?;
        // A command, not a path or a prose mention: at the start, or after `VAR=value `.
        let before = &line[..at];
        if !before.split_whitespace().all(|w| w.contains('=')) {
            return None;
        }
        &line[at + "ion-contract ".len()..]
    };
    Some(words(after))
}

/// Every `ion-contract` command in the code blocks of one markdown text.
fn commands(markdown: &str) -> Vec<Vec<String>> {
    code_lines(markdown)
        .iter()
        .filter_map(|line| ion_contract_args(line))
        .collect()
}

#[test]
fn every_ion_contract_command_in_the_readme_and_the_guide_parses() {
    let mut all = Vec::new();
    for file in markdown_files() {
        for args in commands(&read(&file)) {
            let argv = std::iter::once("ion-contract".to_owned()).chain(args.iter().cloned());
            if let Err(e) = cli::Cli::try_parse_from(argv) {
                panic!(
                    "{}: `ion-contract {}` does not parse:\n{e}",
                    shown(&file),
                    args.join(" ")
                );
            }
            all.push(args);
        }
    }
    let readme = commands(&read(&manifest_dir().join("README.md")));
    assert!(
        readme.len() >= 5,
        "the README's commands are found: {readme:?}"
    );
    // The README held 32 commands before the guide moved into docs/; none may go unchecked.
    assert!(
        all.len() >= 32,
        "the guide's commands are found ({}): {all:?}",
        all.len()
    );
    let workflows: Vec<&Vec<String>> = all
        .iter()
        .filter(|args| args.iter().any(|a| a == "--junit"))
        .collect();
    assert!(
        workflows.iter().any(|a| a[0] == "run") && workflows.iter().any(|a| a[0] == "smoke"),
        "the pull-request and nightly workflows write JUnit: {workflows:?}"
    );
}

#[test]
fn the_readme_starts_with_the_run_then_the_test_command() {
    // The CI script runs the second; a newcomer copies the first two lines.
    let readme = read(&manifest_dir().join("README.md"));
    let first: Vec<String> = code_lines(&readme).into_iter().take(2).collect();
    assert!(
        first.len() == 2
            && first[0].starts_with("cargo run --release -- run ")
            && first[1].starts_with("cargo test "),
        "the README's first two commands: {first:?}"
    );
}

#[test]
fn the_nextest_profile_the_guide_names_is_defined() {
    let config = read(&manifest_dir().join(".config/nextest.toml"));
    let mut named = 0;
    for file in markdown_files() {
        for line in code_lines(&read(&file)) {
            let words = words(&line);
            if let Some(at) = words.iter().position(|w| w == "--profile") {
                let profile = &words[at + 1];
                assert!(
                    config.contains(&format!("[profile.{profile}]"))
                        && config.contains(&format!("[profile.{profile}.junit]")),
                    "{}: profile {profile} with JUnit is in .config/nextest.toml",
                    shown(&file)
                );
                named += 1;
            }
        }
    }
    assert!(named > 0, "the guide shows a nextest profile");
}

#[test]
fn a_made_up_command_or_flag_does_not_parse() {
    for args in [["run", "--junitt", "x"], ["smok", "--target", "sandbox"]] {
        let argv = std::iter::once("ion-contract").chain(args);
        assert!(cli::Cli::try_parse_from(argv).is_err(), "{args:?}");
    }
}

/// The lines outside fenced code blocks, with inline code spans removed.
fn prose_lines(markdown: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut inside = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
            continue;
        }
        if inside {
            continue;
        }
        // Drop `code` (a link inside a code span is text, not a link).
        let mut prose = String::new();
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 0 {
                prose.push_str(part);
            }
        }
        lines.push(prose);
    }
    lines
}

/// The targets of a text's links: inline `[text](target)` and reference definitions
/// `[label]: target`.
fn link_targets(markdown: &str) -> Vec<String> {
    let mut targets = Vec::new();
    for line in prose_lines(markdown) {
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            let inner = &after[..end];
            // `<a path with spaces>`, else the first word (a title may follow).
            let target = match inner.strip_prefix('<') {
                Some(quoted) => quoted.split('>').next().unwrap_or_default(),
                None => inner.split_whitespace().next().unwrap_or_default(),
            };
            targets.push(target.to_owned());
            rest = &after[end..];
        }
        let trimmed = line.trim_start();
        if let Some(label_end) = trimmed.strip_prefix('[').and_then(|t| t.find("]: ")) {
            let target = trimmed[label_end + 4..].split_whitespace().next();
            targets.extend(target.map(str::to_owned));
        }
    }
    targets
}

/// A heading's anchor as GitHub and mdBook make it: the text without inline markup,
/// lowercased, spaces as `-`, and every character other than letters, digits, `-` and `_`
/// dropped.
fn slug(heading: &str) -> String {
    let mut text = String::new();
    let mut rest = heading;
    // `[text](url)` reads as `text`.
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|c| open + c) else {
            break;
        };
        let end = rest[close..]
            .find(')')
            .map_or(rest.len(), |e| close + e + 1);
        text.push_str(&rest[..open]);
        text.push_str(&rest[open + 1..close]);
        rest = &rest[end..];
    }
    text.push_str(rest);
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a markdown text's headings, a repeated one numbered `-1`, `-2`, ... as
/// GitHub does.
fn anchors(markdown: &str) -> Vec<String> {
    let mut anchors: Vec<String> = Vec::new();
    let mut inside = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
            continue;
        }
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if inside || !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let heading = line[hashes..].replace('`', "");
        let base = slug(&heading);
        let seen = anchors
            .iter()
            .filter(|a| {
                **a == base
                    || a.strip_prefix(&format!("{base}-"))
                        .is_some_and(|n| n.parse::<u32>().is_ok())
            })
            .count();
        anchors.push(if seen == 0 {
            base
        } else {
            format!("{base}-{seen}")
        });
    }
    anchors
}

/// What is wrong with one link of `file`, if anything: a missing file, a missing heading, a
/// rustdoc page (the guide is self-contained; the crate docs are for Rust users of the API).
fn broken(file: &Path, target: &str) -> Option<String> {
    let rustdoc = Some("links to a rustdoc page; write the text here or link a chapter".into());
    if target.contains("docs.rs") || target.contains("target/doc") {
        return rustdoc;
    }
    if target.contains("://") || target.starts_with("mailto:") {
        return None;
    }
    if target
        .split('#')
        .next()
        .is_some_and(|path| path.ends_with(".html"))
    {
        // No page of the repository is HTML: a relative .html is generated API docs.
        return rustdoc;
    }
    let (path, anchor) = match target.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (target, None),
    };
    let linked = if path.is_empty() {
        file.to_path_buf()
    } else {
        file.parent().expect("a file has a folder").join(path)
    };
    if !linked.is_file() {
        return Some(format!("no file {}", shown(&linked)));
    }
    let anchor = anchor?;
    let known = anchors(&read(&linked));
    (!known.iter().any(|a| a == anchor)).then(|| {
        format!(
            "no heading #{anchor} in {}; its headings: {}",
            shown(&linked),
            known.join(", ")
        )
    })
}

/// Every broken link of the README and the guide, as `file: target: what is wrong`.
fn broken_links() -> Vec<String> {
    let mut found = Vec::new();
    for file in markdown_files() {
        for target in link_targets(&read(&file)) {
            if let Some(why) = broken(&file, &target) {
                found.push(format!("{}: ({target}): {why}", shown(&file)));
            }
        }
    }
    found
}

#[test]
fn every_relative_link_of_the_readme_and_the_guide_resolves() {
    let broken = broken_links();
    assert!(
        broken.is_empty(),
        "links that lead nowhere; fix the path or the anchor (a heading's text, lowercased, \
         spaces as -, punctuation dropped):\n{}",
        broken.join("\n")
    );
    let links: usize = markdown_files()
        .iter()
        .map(|f| link_targets(&read(f)).len())
        .sum();
    assert!(links >= 50, "the guide's links are found: {links}");
}

#[test]
fn a_missing_file_a_missing_heading_and_a_rustdoc_page_are_broken_links() {
    let readme = manifest_dir().join("README.md");
    assert!(broken(&readme, "docs/src/no-such-chapter.md").is_some());
    assert!(broken(&readme, "docs/src/SUMMARY.md#no-such-heading").is_some());
    assert!(broken(&readme, "#no-such-heading").is_some());
    assert!(broken(&readme, "https://docs.rs/ion-contract").is_some());
    assert!(broken(&readme, "target/doc/ion_contract/index.html#the-manual").is_some());
    assert!(broken(&readme, "docs/src/SUMMARY.md").is_none());
    assert!(broken(&readme, "https://github.com/ion-contract/ion-contract").is_none());
}

#[test]
fn links_and_anchors_are_read_as_github_and_mdbook_read_them() {
    let text = "# The double's data: blank, demo, snapshot\n\
                ## `serve` (for any language)\n\
                ```sh\n# not a heading [nor](a-link.md)\n```\n\
                ## Limits\n## Limits\n\
                See [one](a.md#x), `[code](not-a-link.md)` and [two](<b c.md>).\n\
                [ref]: c.md#y\n";
    assert_eq!(
        anchors(text),
        [
            "the-doubles-data-blank-demo-snapshot",
            "serve-for-any-language",
            "limits",
            "limits-1"
        ]
    );
    assert_eq!(link_targets(text), ["a.md#x", "b c.md", "c.md#y"]);
    assert_eq!(
        slug("Run against a [live](x.md) sandbox"),
        "run-against-a-live-sandbox"
    );
}

#[test]
fn every_chapter_of_the_book_is_in_its_summary() {
    let src = manifest_dir().join("docs/src");
    let summary = read(&src.join("SUMMARY.md"));
    let listed: Vec<String> = link_targets(&summary);
    let chapters: Vec<PathBuf> = markdown_files()
        .into_iter()
        .filter(|f| f.starts_with(&src) && !f.ends_with("SUMMARY.md"))
        .collect();
    assert!(chapters.len() >= 10, "the book's chapters: {chapters:?}");
    for chapter in &chapters {
        let relative = chapter.strip_prefix(&src).expect("under docs/src");
        let relative = relative.to_string_lossy().replace('\\', "/");
        assert!(
            listed.contains(&relative),
            "docs/src/{relative} is not in docs/src/SUMMARY.md; add `- [Title]({relative})`"
        );
    }
    for target in &listed {
        assert!(
            !target.contains('#') && src.join(target).is_file(),
            "docs/src/SUMMARY.md lists `{target}`, which is not a chapter file under docs/src"
        );
    }
    let book = read(&manifest_dir().join("docs/book.toml"));
    assert!(
        book.contains("[book]") && book.contains("src = \"src\""),
        "docs/book.toml names the book's source folder: {book}"
    );
}
