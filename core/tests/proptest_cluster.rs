//! proptest over random driver operation sequences (3 and 5 servers, crashes, restarts, drops,
//! duplicates, partitions, proposals, snapshots): `Cluster::apply` checks every invariant after
//! every operation. A failure is shrunk and written as a `raft_core::Trace` (origin "proptest").
//! The run also asserts it is not vacuous: most cases elect, commit and change leaders.

use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestCaseError, TestError, TestRunner};
use raft_core::{Cluster, Config, NodeId, Op, Outcome, Situation, Trace, Violation};
use std::cell::RefCell;
use std::path::PathBuf;

/// Cases per cluster size when `PROPTEST_CASES` is not set: thousands, a few seconds.
const DEFAULT_CASES: u32 = 2500;

/// An operation before it meets a cluster: a kind drawn from 0..100 (weights below) and an
/// argument. Positions are taken modulo the network's length and server numbers modulo the
/// cluster size, so every shrunk sequence stays meaningful; both shrink towards 0, that is,
/// towards delivering the oldest message. (Plain integers keep generation cheap: proptest
/// itself is not optimised in the dev profile.)
#[derive(Clone, Copy, Debug)]
struct Act {
    kind: u8,
    arg: u16,
}

/// What an act's kind stands for. Deliveries dominate so that elections finish and entries
/// commit; faults are rarer.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Deliver,
    /// Deliver everything in flight, oldest first, until the network is quiet (bounded).
    Settle,
    Drop,
    Duplicate,
    ElectionTimeout,
    /// Heartbeat or proposal at a current leader (the one of the highest term; at server
    /// `arg` when there is none), so that they do something.
    HeartbeatAtLeader,
    ProposeAtLeader,
    Heartbeat,
    Propose,
    Crash,
    Restart,
    /// `arg` is a bit mask of the servers on one side.
    Partition,
    Heal,
    Snapshot,
}

fn kind(k: u8) -> Kind {
    match k {
        0..=49 => Kind::Deliver,
        50..=53 => Kind::Settle,
        54..=56 => Kind::Drop,
        57..=59 => Kind::Duplicate,
        60..=64 => Kind::ElectionTimeout,
        65..=69 => Kind::HeartbeatAtLeader,
        70..=75 => Kind::ProposeAtLeader,
        76 => Kind::Heartbeat,
        77..=78 => Kind::Propose,
        79 => Kind::Crash,
        80..=83 => Kind::Restart,
        84 => Kind::Partition,
        85..=86 => Kind::Heal,
        87..=88 => Kind::Snapshot,
        _ => Kind::Deliver,
    }
}

#[derive(Clone, Debug)]
struct Case {
    config: Config,
    acts: Vec<Act>,
}

fn act() -> impl Strategy<Value = Act> {
    (0u8..100, any::<u16>()).prop_map(|(kind, arg)| Act { kind, arg })
}

fn case(cluster_size: u8) -> impl Strategy<Value = Case> {
    (
        any::<bool>(),
        prop_oneof![Just(1usize), Just(3), Just(64)],
        prop::collection::vec(act(), 30..400),
    )
        .prop_map(move |(noop, cap, acts)| {
            let mut config = Config::new(cluster_size);
            config.noop_on_election = noop;
            config.max_entries_per_append = cap;
            Case { config, acts }
        })
}

/// The concrete driver operation `act` stands for in the cluster's current state.
fn resolve(cluster: &Cluster, act: Act, command: u64) -> Op {
    let n = cluster.config().cluster_size;
    let msg = act.arg as usize % cluster.network().len().max(1);
    let node = (act.arg % n as u16) as NodeId;
    let leader = (0..n)
        .filter_map(|id| cluster.node(id).filter(|s| s.is_leader()))
        .max_by_key(|s| s.current_term())
        .map_or(node, |s| s.id());
    match kind(act.kind) {
        Kind::Deliver => Op::Deliver { msg },
        Kind::Settle => Op::Deliver { msg: 0 },
        Kind::Drop => Op::Drop { msg },
        Kind::Duplicate => Op::Duplicate { msg },
        Kind::ElectionTimeout => Op::ElectionTimeout { node },
        Kind::HeartbeatAtLeader => Op::HeartbeatTimeout { node: leader },
        Kind::ProposeAtLeader => Op::Propose {
            node: leader,
            command,
        },
        Kind::Heartbeat => Op::HeartbeatTimeout { node },
        Kind::Propose => Op::Propose { node, command },
        Kind::Crash => Op::Crash { node },
        Kind::Restart => Op::Restart { node },
        Kind::Partition => Op::Partition {
            group: (0..n).filter(|&id| act.arg & (1 << id) != 0).collect(),
        },
        Kind::Heal => Op::Heal,
        Kind::Snapshot => Op::Snapshot { node },
    }
}

/// Run one case through the driver. Returns the trace of the operations applied and either the
/// situations reached or the first violation (the trace then ends with the violating op).
fn run(case: &Case) -> (Trace, Result<Vec<Situation>, Violation>) {
    let mut cluster = Cluster::new(case.config.clone()).expect("valid config");
    let mut ops = Vec::with_capacity(case.acts.len());
    let mut result = Ok(());
    'acts: for (k, act) in case.acts.iter().enumerate() {
        // `Settle` is a run of oldest-first deliveries; every other act is one operation.
        let settle = kind(act.kind) == Kind::Settle;
        let repeat = if settle {
            cluster.network().len().max(1) * 4
        } else {
            1
        };
        for _ in 0..repeat {
            if settle && cluster.network().is_empty() {
                break;
            }
            let op = resolve(&cluster, *act, 100 + k as u64);
            match cluster.apply(&op) {
                Ok(Outcome::Skipped) => {} // changed nothing: left out of the trace
                Ok(_) => ops.push(op),
                Err(v) => {
                    ops.push(op);
                    result = Err(v);
                    break 'acts;
                }
            }
        }
    }
    let trace = Trace::new("proptest", case.config.clone(), ops);
    (trace, result.map(|()| cluster.reached()))
}

/// Write a counterexample trace under `<workspace>/counterexamples/`; its path.
fn write_trace(trace: &Trace, name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../counterexamples");
    std::fs::create_dir_all(&dir).expect("create counterexamples/");
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
/// On a violation: the path of the shrunk trace, written as `proptest-{label}-...json`, and the
/// violation it replays to.
fn check(
    cluster_size: u8,
    cases: u32,
    label: &str,
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
            Err((write_trace(&trace, &name), violation))
        }
        Err(e) => panic!("proptest aborted: {e}"),
    }
}

fn check_and_report(cluster_size: u8) {
    let started = std::time::Instant::now();
    let cases = cases();
    let label = format!("{cluster_size}-servers");
    let shares = match check(cluster_size, cases, &label, |_| {}) {
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
    let planted = check(3, 2000, "planted-quorum-half-inclusive", |c| {
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
