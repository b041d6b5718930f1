//! The README's commands exist: every `ion-contract ...` and `cargo run ... -- ...` line in
//! its code blocks (the CI workflows among them) parses with the real command line, and the
//! nextest profile it names is defined.

use crate::common;

#[allow(dead_code)] // the binary's command line, parsed here as the binary parses it
#[path = "../../src/cli/mod.rs"]
mod cli;

use clap::Parser as _;
use common::manifest_dir;

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

#[test]
fn every_ion_contract_command_in_the_readme_parses() {
    let readme = std::fs::read_to_string(manifest_dir().join("README.md")).expect("a README");
    let commands: Vec<Vec<String>> = code_lines(&readme)
        .iter()
        .filter_map(|line| ion_contract_args(line))
        .collect();
    assert!(
        commands.len() >= 10,
        "the README's commands are found: {commands:?}"
    );
    for args in &commands {
        let argv = std::iter::once("ion-contract".to_owned()).chain(args.iter().cloned());
        if let Err(e) = cli::Cli::try_parse_from(argv) {
            panic!("`ion-contract {}` does not parse:\n{e}", args.join(" "));
        }
    }
    let workflows: Vec<&Vec<String>> = commands
        .iter()
        .filter(|args| args.iter().any(|a| a == "--junit"))
        .collect();
    assert!(
        workflows.iter().any(|a| a[0] == "run") && workflows.iter().any(|a| a[0] == "smoke"),
        "the pull-request and nightly workflows write JUnit: {workflows:?}"
    );
}

#[test]
fn the_nextest_profile_the_readme_names_is_defined() {
    let readme = std::fs::read_to_string(manifest_dir().join("README.md")).expect("a README");
    let config = std::fs::read_to_string(manifest_dir().join(".config/nextest.toml"))
        .expect(".config/nextest.toml exists");
    for line in code_lines(&readme) {
        let words = words(&line);
        if let Some(at) = words.iter().position(|w| w == "--profile") {
            let profile = &words[at + 1];
            assert!(
                config.contains(&format!("[profile.{profile}]"))
                    && config.contains(&format!("[profile.{profile}.junit]")),
                "profile {profile} with JUnit is in .config/nextest.toml"
            );
        }
    }
}

#[test]
fn a_made_up_command_or_flag_does_not_parse() {
    for args in [["run", "--junitt", "x"], ["smok", "--target", "sandbox"]] {
        let argv = std::iter::once("ion-contract").chain(args);
        assert!(cli::Cli::try_parse_from(argv).is_err(), "{args:?}");
    }
}
