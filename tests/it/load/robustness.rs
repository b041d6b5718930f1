//! Nothing panics on user input, and line endings do not move diagnostics.

use std::path::Path;

use ion_contract::suite::{self, LoadFailure};

use super::{BROKEN, VALID, context, load_broken};

/// Copies `documents/` next to `file` in `dir`, so mutated suites still find their documents.
fn copy_documents(from: &Path, to: &Path) {
    let target = to.join("documents");
    std::fs::create_dir_all(&target).expect("tmp dir");
    for entry in std::fs::read_dir(from.join("documents"))
        .expect("documents")
        .flatten()
    {
        std::fs::copy(entry.path(), target.join(entry.file_name())).expect("copy");
    }
}

/// Nothing panics on user input: every fixture, cut short at many places and with characters
/// swapped for YAML/GraphQL/template punctuation, loads or fails with located diagnostics.
#[test]
fn truncated_and_mutated_suites_never_panic() {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("loader-mutations");
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let punctuation: Vec<char> = "{}[]()\":'$#-|>\n \t!&*,.?@`\\é".chars().collect();
    let mut loads = 0;
    for dir in [VALID, BROKEN] {
        let work = tmp.join(Path::new(dir).file_name().expect("name"));
        copy_documents(Path::new(dir), &work);
        for file in suite::discover(Path::new(dir)).expect("fixtures") {
            let text = std::fs::read_to_string(&file).expect("fixture");
            let chars: Vec<char> = text.chars().collect();
            let mut variants: Vec<String> = (0..chars.len())
                .step_by(9)
                .map(|n| chars[..n].iter().collect())
                .collect();
            for _ in 0..25 {
                let mut mutated = chars.clone();
                let at = (next() as usize) % mutated.len().max(1);
                let with = punctuation[(next() as usize) % punctuation.len()];
                if let Some(c) = mutated.get_mut(at) {
                    *c = with;
                }
                variants.push(mutated.into_iter().collect());
            }
            for variant in variants {
                let path = work.join("mutated.yaml");
                std::fs::write(&path, &variant).expect("write");
                loads += 1;
                if let Err(failure) = suite::load_suite(&work, &path, &context()) {
                    assert!(
                        !failure.diagnostics.is_empty(),
                        "no diagnostics for:\n{variant}"
                    );
                    for d in &failure.diagnostics {
                        assert!(
                            d.line >= 1 && d.col >= 1,
                            "unlocated diagnostic {d:?} for:\n{variant}"
                        );
                        let _ = d.to_string();
                    }
                }
            }
        }
    }
    assert!(loads > 1000, "only {loads} variants");
}

/// Windows line endings change nothing: same diagnostics at the same places.
#[test]
fn crlf_files_report_the_same_places() {
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("loader-crlf");
    copy_documents(Path::new(BROKEN), &work);
    for id in [
        "unknown-graphql-field",
        "bad-template",
        "several-problems",
        "quoted-query-error",
    ] {
        let text =
            std::fs::read_to_string(Path::new(BROKEN).join(format!("{id}.yaml"))).expect("fixture");
        let crlf = work.join(format!("{id}.yaml"));
        std::fs::write(&crlf, text.replace('\n', "\r\n")).expect("write");
        let places = |f: &LoadFailure| -> Vec<(u32, u32, u32, String)> {
            f.diagnostics
                .iter()
                .map(|d| (d.line, d.col, d.len, d.message.clone()))
                .collect()
        };
        let with_crlf = suite::load_suite(&work, &crlf, &context()).expect_err("still broken");
        assert_eq!(places(&with_crlf), places(&load_broken(id)), "{id}");
    }
}
