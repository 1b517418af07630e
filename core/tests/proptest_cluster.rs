//! proptest over random driver operation sequences (3 and 5 servers, crashes, restarts, drops,
//! duplicates, partitions, proposals, snapshots): `Cluster::apply` checks every invariant after
//! every operation. A failure is shrunk and written as a `raft_core::Trace` (origin "proptest").
//! The run also asserts it is not vacuous: most cases elect, commit and change leaders. The
//! operation generator is `raft_core::testkit` (shared with the bug zoo).

use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestCaseError, TestError, TestRunner};
use raft_core::testkit::{case, run};
use raft_core::{Config, Situation, Trace, Violation};
use std::cell::RefCell;
use std::path::{Path, PathBuf};

/// Cases per cluster size when `PROPTEST_CASES` is not set: thousands, a few seconds.
const DEFAULT_CASES: u32 = 2500;

/// Where a real finding's trace goes: `<workspace>/counterexamples/`.
fn findings() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../counterexamples")
}

/// Write a counterexample trace in `dir`; its path.
fn write_trace(dir: &Path, trace: &Trace, name: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("create the counterexamples directory");
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, trace.to_json()).expect("write the trace");
    path.canonicalize().unwrap_or(path)
}

fn cases() -> u32 {
    match std::env::var("PROPTEST_CASES") {
        Ok(s) => s
            .parse()
            .unwrap_or_else(|_| panic!("PROPTEST_CASES must be a number, got {s:?}")),
        Err(_) => DEFAULT_CASES,
    }
}

/// How many cases reached each situation (`Situation::ALL` order).
#[derive(Default, Debug)]
struct Shares {
    cases: u32,
    reached: [u32; Situation::ALL.len()],
}

impl Shares {
    fn count(&mut self, reached: &[Situation]) {
        self.cases += 1;
        for (k, s) in Situation::ALL.iter().enumerate() {
            self.reached[k] += reached.contains(s) as u32;
        }
    }
    /// Percentage of cases that reached `situation`.
    fn pct(&self, situation: Situation) -> f64 {
        let k = Situation::ALL
            .iter()
            .position(|&s| s == situation)
            .unwrap_or(0);
        100.0 * self.reached[k] as f64 / self.cases.max(1) as f64
    }
}

/// Run `cases` random cases on `cluster_size` servers (`plant` may alter each configuration).
/// On a violation: the path of the shrunk trace, written in `dir` as `proptest-{label}-...json`,
/// and the violation it replays to.
fn check(
    cluster_size: u8,
    cases: u32,
    label: &str,
    dir: &Path,
    plant: fn(&mut Config),
) -> Result<Shares, (PathBuf, Violation)> {
    let mut runner = TestRunner::new(RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let shares = RefCell::new(Shares::default());
    let cases = case(cluster_size).prop_map(move |mut c| {
        plant(&mut c.config);
        c
    });
    let result = runner.run(&cases, |case| match run(&case) {
        (_, Ok(reached)) => {
            shares.borrow_mut().count(&reached);
            Ok(())
        }
        (_, Err(v)) => Err(TestCaseError::fail(v.to_string())),
    });
    match result {
        Ok(()) => Ok(shares.into_inner()),
        Err(TestError::Fail(_, minimal)) => {
            let (trace, result) = run(&minimal);
            let violation = result.expect_err("the shrunk case fails again (deterministic)");
            let replayed = trace.replay().expect("our own trace parses");
            assert_eq!(
                replayed.violation.as_ref().map(|(_, v)| v),
                Some(&violation),
                "the trace replays to the same violation"
            );
            let mut trace = trace;
            trace.expect = Some(violation.property);
            let name = format!("proptest-{label}-{}", violation.property);
            Err((write_trace(dir, &trace, &name), violation))
        }
        Err(e) => panic!("proptest aborted: {e}"),
    }
}

fn check_and_report(cluster_size: u8) {
    let started = std::time::Instant::now();
    let cases = cases();
    let label = format!("{cluster_size}-servers");
    let shares = match check(cluster_size, cases, &label, &findings(), |_| {}) {
        Ok(s) => s,
        Err((path, v)) => panic!(
            "{cluster_size} servers: {v}\nminimal trace written to {}\nreplay: cargo run -p model -- replay {}",
            path.display(),
            path.display()
        ),
    };
    println!(
        "{cluster_size} servers: {} cases in {:.1?}, no violation; share of cases that reached:",
        shares.cases,
        started.elapsed()
    );
    for s in Situation::ALL {
        println!("  {:5.1}%  {}", shares.pct(s), s.name());
    }
    // Not vacuous: the random sequences really exercise elections, commits and hand-overs.
    // The thresholds sit well below what runs reach (about 95%, 80%, 65%; see the output).
    if shares.cases >= 200 {
        for (situation, at_least) in [
            (Situation::LeaderElected, 90.0),
            (Situation::EntryCommitted, 70.0),
            (Situation::LeaderChangeAfterCommit, 50.0),
        ] {
            let got = shares.pct(situation);
            assert!(
                got >= at_least,
                "only {got:.1}% of cases: {}",
                situation.name()
            );
        }
    }
}

#[test]
fn random_operations_on_three_servers_violate_nothing() {
    check_and_report(3);
}

#[test]
fn random_operations_on_five_servers_violate_nothing() {
    check_and_report(5);
}

/// The harness can fail: with a quorum of half the servers, two leaders share a term; the run
/// must find it, shrink it to a short trace, write it, and the file must replay to it.
#[cfg(feature = "mutants")]
#[test]
fn harness_finds_shrinks_and_writes_a_planted_bug() {
    // A planted bug is no finding: its trace goes to a temporary directory.
    let dir = std::env::temp_dir().join("raft-proptest-planted");
    let planted = check(3, 2000, "planted-quorum-half-inclusive", &dir, |c| {
        c.mutant = Some(raft_core::Mutant::QuorumHalfInclusive)
    });
    let Err((path, violation)) = planted else {
        panic!("the planted bug went unnoticed");
    };
    let text = std::fs::read_to_string(&path).expect("the trace file exists");
    let trace = Trace::from_json(&text).expect("the trace file parses");
    assert_eq!(trace.origin, "proptest");
    assert_eq!(trace.expect, Some(violation.property));
    let replayed = trace.replay().expect("replays");
    assert_eq!(replayed.violation.map(|(_, v)| v), Some(violation));
    println!("planted bug: {} ops in {}", trace.ops.len(), path.display());
    assert!(trace.ops.len() <= 12, "shrunk to {} ops", trace.ops.len());
}
