//! Timing a child process to the end: its wall time, its CPU time (user + system, its own
//! threads and any children it waited for) and the CPU time a server it talks to (another
//! process, e.g. `ion-contract serve`) spent meanwhile. CPU times come from `/proc` (Linux);
//! elsewhere they read 0.

use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

/// What one timed run took.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timing {
    /// Wall-clock seconds from start to exit.
    pub wall_s: f64,
    /// CPU seconds (user + system) of the child.
    pub cpu_s: f64,
    /// CPU seconds (user + system) the server spent meanwhile.
    pub server_cpu_s: f64,
}

/// Runs `command` to the end, capturing its output, and times it; `server` is the process id
/// of the server it talks to, if any.
pub fn run(command: &mut Command, server: Option<u32>) -> (Timing, Output) {
    clock_ticks_per_s(); // asked (a child of its own) before the measurement, not during it
    let server_before = server.map_or(0, process_cpu_ticks);
    let children_before = children_cpu_ticks();
    let started = Instant::now();
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let wall_s = started.elapsed().as_secs_f64();
    let timing = Timing {
        wall_s,
        cpu_s: seconds(children_cpu_ticks().saturating_sub(children_before)),
        server_cpu_s: seconds(
            server
                .map_or(0, process_cpu_ticks)
                .saturating_sub(server_before),
        ),
    };
    (timing, output)
}

/// The CPU time of this process's children that it has waited for (`cutime + cstime`), in
/// clock ticks.
fn children_cpu_ticks() -> u64 {
    stat_ticks("self", 13, 14)
}

/// The CPU time process `pid` has spent so far (`utime + stime`), in clock ticks.
fn process_cpu_ticks(pid: u32) -> u64 {
    stat_ticks(&pid.to_string(), 11, 12)
}

/// Clock ticks in seconds.
fn seconds(ticks: u64) -> f64 {
    ticks as f64 / clock_ticks_per_s()
}

/// The sum of two clock-tick fields of `/proc/<process>/stat`; the indexes count the fields
/// after the command name (the third field, the state, is index 0).
fn stat_ticks(process: &str, first: usize, second: usize) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{process}/stat")) else {
        return 0;
    };
    // The command name is in parentheses and may hold spaces: the fields follow its last `)`.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    ticks(first) + ticks(second)
}

/// `getconf CLK_TCK` (100 on Linux, where it cannot be asked).
fn clock_ticks_per_s() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(100.0)
    })
}
