//! The commands that write a project's own files: `init` (a new project, starter suites
//! from a team's operations) and `review` (pending snapshots). With `main.rs`, the binary's
//! edge: it uses anyhow.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use anyhow::Context as _;
use ion_contract::diagnostic::display_path;
use ion_contract::double::DoubleData;
use ion_contract::targets::DEFAULT_TARGET;
use ion_contract::{runner, scrubbed_eprintln, scrubbed_println};

use ion_contract::cli::{InitArgs, ReviewArgs};

/// `review`: lists, accepts or rejects the pending snapshots, or asks about each on a
/// terminal (see `ion_contract::snapshot::review`).
pub(crate) fn review(args: &ReviewArgs) -> anyhow::Result<ExitCode> {
    use ion_contract::snapshot::review;
    let dir = args.place.options(DEFAULT_TARGET).snapshots_dir;
    let pending = review::pending(&dir, args.filter.as_deref())?;
    let which = args
        .filter
        .as_deref()
        .map_or(String::new(), |f| format!(" matching '{f}'"));
    if pending.is_empty() {
        scrubbed_println!("no pending snapshots{which} in {}", display_path(&dir));
        return Ok(ExitCode::SUCCESS);
    }
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if args.accept || args.reject {
        // Each one is named as it is done: a later failure leaves an exact record.
        for snapshot in &pending {
            if args.accept {
                snapshot.accept()?;
                scrubbed_println!("accepted {}", snapshot.trial);
            } else {
                snapshot.reject()?;
                scrubbed_println!("rejected {}", snapshot.trial);
            }
        }
    } else if args.list || !interactive {
        for snapshot in &pending {
            scrubbed_println!("{}  {}", snapshot.trial, display_path(&snapshot.new_file));
        }
        if !args.list {
            let filter = args
                .filter
                .as_deref()
                .map_or(String::new(), |f| format!(" {f}"));
            scrubbed_eprintln!(
                "ion-contract: {} pending snapshot(s){which}; not a terminal, so nothing was \
                 changed\nhelp: accept them with `ion-contract review --accept{filter}`, reject \
                 them with `--reject`, or run `ion-contract review` on a terminal to decide \
                 one by one",
                pending.len()
            );
        }
    } else {
        let tally = review::interactive(&pending, review::key_from_terminal)?;
        scrubbed_println!(
            "\n{} accepted, {} rejected, {} skipped",
            tally.accepted,
            tally.rejected,
            tally.skipped
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `init`: the project's files, then (with --from) the starter suites; what was written and
/// what was left alone to stdout, operations left out to stderr, then what to do next.
pub(crate) fn init(args: &InitArgs) -> anyhow::Result<ExitCode> {
    use ion_contract::init::{self, Written};
    // Inputs first: a bad --from pattern or an unreadable schema writes nothing.
    let suites_dir = args.dir.join("suites");
    let from = if args.from.is_empty() {
        None
    } else {
        let sources = init_sources(&args.from)?;
        let options = runner::RunOptions::new(&suites_dir);
        Some((
            sources,
            DoubleData::load_from(&options.schema, &options.seed)?,
        ))
    };
    let mut written = init::write_new(&args.dir, &init::scaffold())?;
    written.push(init::add_gitignore_lines(&args.dir)?);
    let mut placeholders = 0;
    if let Some((sources, double)) = from {
        let mut drafter = init::from::Drafter::default();
        let mut drafts = Vec::new();
        for source in sources {
            let shown = display_path(&source);
            let Some(kind) = init::extract::SourceKind::of(&source) else {
                continue;
            };
            let text =
                ion_contract::user_file::read_text(&source, ion_contract::user_file::Limit::File)
                    .with_context(|| format!("cannot read {shown}"))?;
            let (found, skipped) = drafter.source(kind, &shown, &text, double.schema());
            for problem in skipped {
                scrubbed_eprintln!("{problem}");
            }
            drafts.extend(found);
        }
        placeholders = drafts.iter().map(|d| d.placeholders).sum();
        for draft in drafts.iter().filter(|d| d.writes) {
            scrubbed_println!(
                "suites/{}: mutations, limited to `targets: [mock]` (they write; on the double every case has a fresh store): widen `targets:` once they are safe on a sandbox",
                draft.file
            );
        }
        let files: Vec<_> = drafts
            .into_iter()
            .map(|d| (std::path::PathBuf::from(d.file), d.text))
            .collect();
        if files.is_empty() {
            scrubbed_println!("no GraphQL operations found in the --from files");
        }
        written.extend(init::write_new(&suites_dir, &files)?);
    }
    for outcome in &written {
        match outcome {
            Written::Wrote(path) => scrubbed_println!("wrote {}", display_path(path)),
            Written::LeftAlone(path) => {
                scrubbed_println!("left alone {} (it exists)", display_path(path));
            }
            Written::Appended(path, lines) => {
                scrubbed_println!("added to {}: {}", display_path(path), lines.join(" "));
            }
            Written::AlreadyThere(path) => {
                scrubbed_println!("left alone {} (it has the lines)", display_path(path));
            }
        }
    }
    scrubbed_println!("\nnext:");
    if placeholders > 0 {
        scrubbed_println!(
            "  replace the {placeholders} ${{fill:NAME}} placeholders in suites/from/ (`ion-contract check` lists them)"
        );
    }
    scrubbed_println!("  ion-contract check    # validates every suite against the schema");
    scrubbed_println!("  ion-contract run      # runs them on the embedded ION double");
    scrubbed_println!(
        "  set the repository secrets ION_SANDBOX_CLIENT_ID and ION_SANDBOX_CLIENT_SECRET for the nightly smoke run"
    );
    Ok(ExitCode::SUCCESS)
}

/// The files `--from` names: each pattern a path or a glob, each must match a file.
fn init_sources(patterns: &[String]) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let mut sources = Vec::new();
    for pattern in patterns {
        let matched: Vec<_> = glob::glob(pattern)
            .map_err(|e| anyhow::anyhow!("error: --from {pattern}: invalid pattern at character {}: {}\n  = help: quote patterns ('src/**/*.py'); `*`, `?`, `**` and `[...]` are special", e.pos + 1, e.msg))?
            .filter_map(Result::ok)
            .filter(|path| path.is_file() && ion_contract::init::extract::SourceKind::of(path).is_some())
            .collect();
        if matched.is_empty() {
            anyhow::bail!(
                "error: --from {pattern}: matches no .graphql, .gql, .py, .js or .ts file\n  = help: patterns are relative to the current folder; check the path, or quote a glob ('src/**/*.py')"
            );
        }
        for path in matched {
            if !sources.contains(&path) {
                sources.push(path);
            }
        }
    }
    Ok(sources)
}
