//! The renderer writing into a `Vec<u8>` at explicit times, and when the line is wanted.

use super::*;

fn at(start: Instant, ms: u64) -> Instant {
    start + Duration::from_millis(ms)
}

/// What was written, with each clear shown as `|` and the autowrap switches left out.
fn screen(out: &[u8]) -> String {
    String::from_utf8_lossy(out)
        .replace(CLEAR, "|")
        .replace(WRAP_OFF, "")
        .replace(WRAP_ON, "")
}

fn renderer() -> Renderer<Vec<u8>> {
    Renderer::new(Vec::new())
}

#[test]
fn a_phase_draws_in_place_and_finishing_clears_the_line() {
    let t = Instant::now();
    let mut r = renderer();
    let id = r.start(2, "seed".into(), t);
    assert_eq!(r.out, b"\r\x1b[2K\x1b[?7lseed [0/2]\x1b[?7h");
    assert_eq!(
        r.advance(Some(id), "location (Location)".into(), at(t, 200)),
        None
    );
    assert_eq!(
        r.advance(Some(id), "assembly (Part)".into(), at(t, 400)),
        None
    );
    r.finish(id, at(t, 500));
    assert_eq!(
        screen(&r.out),
        "|seed [0/2]|seed [1/2] location (Location)|seed [2/2] assembly (Part)|"
    );
    assert!(
        r.out.ends_with(b"\r\x1b[2K"),
        "the line is cleared at the end"
    );
}

#[test]
fn redraws_are_rate_limited_but_the_first_and_last_steps_always_show() {
    let t = Instant::now();
    let mut r = renderer();
    let id = r.start(4, "read".into(), t);
    assert_eq!(r.advance(Some(id), "a".into(), at(t, 10)), Some(at(t, 100)));
    assert_eq!(r.advance(Some(id), "b".into(), at(t, 20)), Some(at(t, 100)));
    assert_eq!(screen(&r.out), "|read [0/4]", "too soon: not drawn yet");
    // The timer comes back when the interval ends and draws the latest step.
    r.draw_pending(at(t, 100));
    assert_eq!(
        r.advance(Some(id), "c".into(), at(t, 150)),
        Some(at(t, 200))
    );
    assert_eq!(
        r.advance(Some(id), "d".into(), at(t, 160)),
        None,
        "last step"
    );
    r.draw_pending(at(t, 200));
    r.finish(id, at(t, 210));
    assert_eq!(screen(&r.out), "|read [0/4]|read [2/4] b|read [4/4] d|");
}

#[test]
fn a_phase_inside_another_shows_after_it_and_goes_when_it_finishes() {
    let t = Instant::now();
    let mut r = renderer();
    let smoke = r.start(5, "smoke".into(), t);
    r.advance(Some(smoke), "seed".into(), at(t, 200));
    let seed = r.start(10, "seed".into(), at(t, 210));
    r.advance(None, "assembly (Part)".into(), at(t, 400));
    r.finish(seed, at(t, 410));
    r.finish(smoke, at(t, 420));
    assert_eq!(
        screen(&r.out),
        "|smoke [0/5]|smoke [1/5] seed|smoke [1/5] seed › seed [0/10]\
         |smoke [1/5] seed › seed [1/10] assembly (Part)|smoke [1/5] seed|"
    );
}

#[test]
fn while_suspended_steps_count_but_nothing_is_drawn_until_it_resumes() {
    let t = Instant::now();
    let mut r = renderer();
    let id = r.start(3, "clean".into(), t);
    r.suspend();
    r.write("a line of the command\n");
    assert_eq!(r.advance(Some(id), "run (Run)".into(), at(t, 200)), None);
    r.draw_pending(at(t, 300));
    r.resume(at(t, 400));
    r.finish(id, at(t, 500));
    assert_eq!(
        screen(&r.out),
        "|clean [0/3]|a line of the command\n|clean [1/3] run (Run)|"
    );
}

#[test]
fn nothing_is_cleared_that_was_never_drawn() {
    let t = Instant::now();
    let mut r = renderer();
    r.suspend();
    let id = r.start(1, "count".into(), t);
    r.finish(id, t);
    r.resume(t);
    assert_eq!(r.out, b"");
}

/// A writer the test can read back while a [`Progress`] owns a clone.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        lock(&self.0).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn screen(&self) -> String {
        screen(&lock(&self.0))
    }
}

#[test]
fn threads_share_a_progress_and_a_dropped_phase_clears_the_line() {
    fn sync<T: Sync>(_: &T) {}
    let out = Shared::default();
    let progress = Progress::new(out.clone());
    sync(&progress);
    let phase = progress.start(8, "run");
    std::thread::scope(|s| {
        for n in 0..8 {
            let progress = &progress;
            s.spawn(move || progress.advance(format_args!("trial {n}")));
        }
    });
    drop(phase);
    let text = out.screen();
    assert!(text.starts_with("|run [0/8]|"), "{text}");
    assert!(text.contains("run [8/8] trial "), "{text}");
    assert!(text.ends_with('|'), "{text}");
}

#[test]
fn labels_stay_on_one_line() {
    let out = Shared::default();
    let progress = Progress::new(out.clone());
    let phase = progress.start(1, "seed");
    phase.advance("two\nlines\r\x1b[31m");
    phase.finish();
    assert_eq!(out.screen(), "|seed [0/1]|seed [1/1] two lines  [31m|");
}

#[test]
fn a_hidden_progress_runs_what_it_suspends_and_draws_nothing() {
    let progress = Progress::hidden_ref();
    assert!(!progress.is_enabled());
    let phase = progress.start(2, "seed");
    phase.advance("a");
    progress.advance("b");
    assert_eq!(progress.suspend(|| 7), 7);
}

#[test]
fn the_line_is_wanted_on_a_terminal_outside_ci_unless_forced() {
    type Vars<'a> = &'a [(&'a str, &'a str)];
    let cases: [(Vars<'_>, bool, bool); 11] = [
        (&[], true, true),
        (&[], false, false),
        (&[("CI", "true")], true, false),
        (&[("CI", "1")], true, false),
        (&[("CI", "false")], true, true),
        (&[("CI", "0")], true, true),
        (&[("CI", "")], true, true),
        (&[("TERM", "dumb")], true, false),
        (&[("ION_PROGRESS", "1"), ("CI", "true")], false, true),
        (&[("ION_PROGRESS", "0")], true, false),
        (
            &[("ION_PROGRESS", "perhaps"), ("TERM", "xterm")],
            true,
            true,
        ),
    ];
    for (vars, terminal, expected) in cases {
        let env = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        };
        assert_eq!(
            wanted(&env, terminal),
            expected,
            "{vars:?}, terminal {terminal}"
        );
    }
}
