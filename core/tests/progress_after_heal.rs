//! Bounded liveness over random histories: whatever a random history (crashes, partitions,
//! loss, duplicates, snapshots) leaves the cluster in, once the network heals and every server
//! is up, a fair schedule elects a leader and commits a new command (`raft_core::heal`). A stall
//! is shrunk by proptest and written as one trace: the history, then the schedule.

use proptest::test_runner::{Config as RunnerConfig, TestCaseError, TestError, TestRunner};
use raft_core::heal::Stall;
use raft_core::testkit::{case, run_and_heal, Case};
use raft_core::{Config, Trace};
use std::path::PathBuf;

/// Cases per cluster size when `PROPTEST_CASES` is not set.
const DEFAULT_CASES: u32 = 500;

/// The command the schedule proposes (histories propose 100 and up, one per act, below 1,100).
const NEW: u64 = 1_000_000;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// The history of `case`, then the healing schedule, and where it stalled.
fn history_and_healing(case: &Case) -> (Trace, Option<Stall>) {
    run_and_heal(case, NEW, "proptest/progress-after-heal")
}

/// Run `cases` random histories on `n` servers; on a stall, the shrunk trace's path and the stall.
fn check(n: u8, cases: u32, plant: fn(&mut Config)) -> Result<(), (PathBuf, Stall)> {
    let mut runner = TestRunner::new(RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let strategy = proptest::strategy::Strategy::prop_map(case(n), move |mut c| {
        plant(&mut c.config);
        c
    });
    let result = runner.run(&strategy, |case| match history_and_healing(&case).1 {
        None => Ok(()),
        Some(stall) => Err(TestCaseError::fail(stall.to_string())),
    });
    match result {
        Ok(()) => Ok(()),
        Err(TestError::Fail(_, minimal)) => {
            let (trace, stall) = history_and_healing(&minimal);
            let stall = stall.expect("the shrunk case stalls again (deterministic)");
            let dir = std::env::temp_dir().join("raft-progress-after-heal");
            std::fs::create_dir_all(&dir).expect("a temporary directory");
            let path = dir.join(format!("{n}-servers.json"));
            std::fs::write(&path, trace.to_json()).expect("write the trace");
            Err((path, stall))
        }
        Err(e) => panic!("proptest aborted: {e}"),
    }
}

fn progress_on(n: u8) {
    if let Err((path, stall)) = check(n, cases(), |_| {}) {
        panic!(
            "{n} servers: {stall}\ntrace (history, then the healing schedule): {}\nreplay: cargo run -p model -- replay {}",
            path.display(),
            path.display()
        );
    }
}

#[test]
fn three_servers_make_progress_after_any_history_heals() {
    progress_on(3);
}

#[test]
fn five_servers_make_progress_after_any_history_heals() {
    progress_on(5);
}

/// The check can fail: a core that answers every AppendEntries with a rejection asking for the
/// same request again never lets the network go quiet.
#[cfg(feature = "mutants")]
#[test]
fn a_retry_storm_is_reported_as_a_stall() {
    let planted = check(3, 50, |c| {
        c.mutant = Some(raft_core::Mutant::ElectionTimerStorm)
    });
    let Err((path, stall)) = planted else {
        panic!("the storm went unnoticed");
    };
    assert_eq!(stall, Stall::Storm, "{}", path.display());
}
