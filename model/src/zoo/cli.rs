//! `mutants [--only ID] [--fuzz-seconds N] [--skip-fuzz] ...`: the catalogue's options. Always
//! compiled, so that a build without the `mutants` feature answers with a one-line error.

use crate::flags::whole;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ZooArgs {
    /// Run only this mutant (an id such as `vote_ignores_voted_for`).
    #[arg(long)]
    pub only: Option<String>,
    /// The model checker's time limit per mutant, in seconds (a cap; the target is 60 s each,
    /// measured in the table).
    #[arg(long, default_value_t = 120, value_parser = whole::<u64>(1, u64::MAX))]
    pub timeout: u64,
    /// The model checker's state limit per mutant (bounds memory as the time limit bounds
    /// time).
    #[arg(long, default_value_t = 10_000_000, value_parser = whole::<usize>(1, usize::MAX as u64))]
    pub max_states: usize,
    /// Threads of breadth-first runs (1: its counterexamples are shortest by construction).
    #[arg(long, default_value_t = 1, value_parser = whole::<usize>(1, 1024))]
    pub threads: usize,
    /// Threads of depth-first runs (the deep mutants; their counterexamples are shrunk). One
    /// thread keeps the search order, so the counterexample and the time, reproducible.
    #[arg(long, default_value_t = 1, value_parser = whole::<usize>(1, 1024))]
    pub dfs_threads: usize,
    /// Fuzzing budget per mutant, in seconds (`cargo fuzz run ... -max_total_time=N`).
    #[arg(long, default_value_t = 120, value_parser = whole::<u64>(1, u64::MAX))]
    pub fuzz_seconds: u64,
    /// Leave out the fuzzer column.
    #[arg(long)]
    pub skip_fuzz: bool,
    /// Proptest budget per mutant, in cases.
    #[arg(long, default_value_t = 10_000, value_parser = whole::<u32>(1, u32::MAX.into()))]
    pub proptest_cases: u32,
    /// Leave out the proptest column.
    #[arg(long)]
    pub skip_proptest: bool,
    /// Leave out the default-check column (each mutant through the plain default suite: up to
    /// the suite's whole time per mutant, about 3 minutes for a control).
    #[arg(long)]
    pub skip_default_check: bool,
    /// Run only the default-check column (no bespoke model run, fuzzer or proptest).
    #[arg(long)]
    pub only_default_check: bool,
    /// The suite of the default-check column: quick, default (what `check` runs) or deep.
    #[arg(long, value_enum, default_value = "default")]
    pub suite: crate::checker::suite::SuiteSize,
    /// Checker threads of the default-check column (1: breadth-first counterexamples are
    /// shortest at once, with no minimising re-run; `check` itself uses 2).
    #[arg(long, default_value_t = 1, value_parser = whole::<usize>(1, 1024))]
    pub suite_threads: usize,
    /// Directory for counterexample traces and fuzz scratch files (one sub-directory per mutant).
    #[arg(long, default_value = "counterexamples/zoo")]
    pub out: PathBuf,
    /// Also write each safety mutant's (shortest) counterexample as DIR/<mutant>.json: the
    /// regression traces (`tests/regressions`).
    #[arg(long)]
    pub regressions: Option<PathBuf>,
}

/// Run the catalogue; the exit code (0: every safety mutant caught by the model checker and no
/// false alarm on a control; 1 otherwise; 2: bad usage).
#[cfg(feature = "mutants")]
pub fn run(args: &ZooArgs) -> i32 {
    super::runner::run(args)
}

/// Without the feature there are no mutants to run.
#[cfg(not(feature = "mutants"))]
pub fn run(_args: &ZooArgs) -> i32 {
    eprintln!(
        "error: this build has no mutants; run: cargo run --release -p model --features mutants -- mutants"
    );
    2
}
