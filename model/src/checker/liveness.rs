//! The suite's liveness check, "progress after heal" (`raft_core::heal`): seeded random histories
//! on 3, 4 and 5 servers, each followed by the fair healing schedule, which must elect a leader
//! and commit a new command. Sampled (never called exhaustive); a stall is shrunk and written as
//! one trace, the history then the schedule.

use super::suite::SuiteSize;
use proptest::test_runner::{
    Config as RunnerConfig, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner,
};
use raft_core::heal::Stall;
use raft_core::testkit::{case, run_and_heal, Case};
use raft_core::{Config, Trace};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The cluster sizes the histories run on (4: even sizes change quorum arithmetic).
const SIZES: [u8; 3] = [3, 4, 5];

/// The command the schedule proposes (histories propose below it).
const NEW: u64 = 1_000_000;

/// What the check found.
pub struct LivenessRun {
    pub histories: u32,
    pub seed: u64,
    pub elapsed: Duration,
    /// The first stall: cluster size, what stalled, and the trace written (or why not).
    pub stall: Option<(u8, Stall, Result<PathBuf, String>)>,
}

impl std::fmt::Display for LivenessRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.stall {
            None => write!(
                f,
                "progress after heal: held over {} random histories on 3, 4 and 5 servers \
                 (sampled, seed {}, {:.1}s)",
                self.histories,
                self.seed,
                self.elapsed.as_secs_f64()
            ),
            Some((n, stall, written)) => {
                write!(f, "progress after heal: VIOLATED on {n} servers: {stall}; ")?;
                match written {
                    Ok(path) => write!(
                        f,
                        "trace (the history, then the healing schedule): {}",
                        path.display()
                    ),
                    Err(e) => write!(f, "the trace could not be written: {e}"),
                }
            }
        }
    }
}

/// Histories per cluster size for a suite of this size.
fn histories(size: SuiteSize) -> u32 {
    match size {
        SuiteSize::Quick => 100,
        SuiteSize::Default => 300,
        SuiteSize::Deep => 3_000,
    }
}

/// The history of `case`, then the healing schedule, and where it stalled.
fn history_and_healing(case: &Case) -> (Trace, Option<Stall>) {
    run_and_heal(case, NEW, "model/progress-after-heal")
}

/// Run the check with `config`'s options (and mutant, if any), writing a stall's trace in `out`.
pub fn progress_after_heal(config: &Config, size: SuiteSize, seed: u64, out: &Path) -> LivenessRun {
    let started = Instant::now();
    let cases = histories(size);
    let mut run = LivenessRun {
        histories: 0,
        seed,
        elapsed: Duration::ZERO,
        stall: None,
    };
    for n in SIZES {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        key[8] = n;
        let mut runner = TestRunner::new_with_rng(
            RunnerConfig {
                cases,
                failure_persistence: None,
                ..RunnerConfig::default()
            },
            TestRng::from_seed(RngAlgorithm::ChaCha, &key),
        );
        let template = config.clone();
        let strategy = proptest::strategy::Strategy::prop_map(case(n), move |mut c| {
            let size = c.config.cluster_size;
            c.config = Config {
                cluster_size: size,
                max_entries_per_append: c.config.max_entries_per_append,
                noop_on_election: c.config.noop_on_election,
                ..template.clone()
            };
            c
        });
        let result = runner.run(&strategy, |case| match history_and_healing(&case).1 {
            None => Ok(()),
            Some(stall) => Err(TestCaseError::fail(stall.to_string())),
        });
        run.histories += cases;
        match result {
            Ok(()) => {}
            Err(TestError::Fail(_, minimal)) => {
                let (trace, stall) = history_and_healing(&minimal);
                // Deterministic: the shrunk case stalls again; say so if it somehow does not.
                let stall = stall.unwrap_or(Stall::NoLeader);
                let path = out.join(format!("progress-after-heal-{n}-servers.json"));
                let written = std::fs::create_dir_all(out)
                    .and_then(|()| std::fs::write(&path, trace.to_json()))
                    .map(|()| path)
                    .map_err(|e| e.to_string());
                run.stall = Some((n, stall, written));
                break;
            }
            Err(e) => {
                run.stall = Some((n, Stall::NoLeader, Err(format!("proptest aborted: {e}"))));
                break;
            }
        }
    }
    run.elapsed = started.elapsed();
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_correct_core_makes_progress_after_every_sampled_history() {
        let dir = std::env::temp_dir().join("raft-liveness-correct");
        let run = progress_after_heal(&Config::new(3), SuiteSize::Quick, 7, &dir);
        assert!(run.stall.is_none(), "{run}");
        assert_eq!(run.histories, 300);
    }

    #[test]
    fn a_retry_storm_stalls_and_its_trace_is_written() {
        let dir = std::env::temp_dir().join("raft-liveness-storm");
        let mut config = Config::new(3);
        config.mutant = Some(raft_core::Mutant::ElectionTimerStorm);
        let run = progress_after_heal(&config, SuiteSize::Quick, 7, &dir);
        let Some((3, Stall::Storm, Ok(path))) = &run.stall else {
            panic!("expected a storm on 3 servers, got: {run}");
        };
        let trace =
            Trace::from_json(&std::fs::read_to_string(path).expect("written")).expect("parses");
        assert_eq!(trace.config.mutant, config.mutant);
        assert!(trace.replay().is_ok());
    }
}
