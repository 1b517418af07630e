//! Deterministic discrete-event simulator (virtual milliseconds, one seeded RNG per run) that
//! drives core nodes through the cluster driver, with the lab's network and harness checks.

/// `cargo run -p model -- sim ARGS`: the simulator's command line (ARGS are what follows `sim`).
/// Returns the process exit code. Placeholder until the simulator lands (issue 6).
pub fn cli(args: &[String]) -> i32 {
    let _ = args;
    eprintln!("sim: the simulator is not built yet");
    2
}
