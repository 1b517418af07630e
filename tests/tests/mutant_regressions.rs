//! Bug-zoo regressions: for every safety mutant, the model checker's shortest counterexample
//! (`tests/regressions/<mutant>.json`) must replay to its recorded violation under that mutant,
//! and to no violation at all under the correct core. Written by
//! `cargo run --release -p model --features mutants -- mutants --skip-fuzz --regressions tests/regressions`.

use raft_core::{Cluster, Config, Mutant, Op, Trace};
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("regressions")
}

/// Every mutant that breaks a property (`next_index_underflow` panics instead: see below).
fn safety_mutants() -> impl Iterator<Item = Mutant> {
    Mutant::ALL
        .into_iter()
        .filter(|m| !m.is_control() && !m.panics())
}

fn load(m: Mutant) -> Trace {
    let path = dir().join(format!("{}.json", m.name()));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (every safety mutant needs a trace)",
            path.display()
        )
    });
    Trace::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn one_trace_per_safety_mutant_and_nothing_else() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("tests/regressions exists")
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    let mut expected: Vec<String> = safety_mutants()
        .map(|m| format!("{}.json", m.name()))
        .collect();
    expected.sort();
    assert_eq!(names, expected);
}

#[test]
fn each_trace_reproduces_its_violation_under_its_mutant() {
    for m in safety_mutants() {
        let trace = load(m);
        assert_eq!(
            trace.config.mutant,
            Some(m),
            "{}: the trace runs its mutant",
            m.name()
        );
        assert!(
            trace.origin.starts_with("model"),
            "{}: from the model checker",
            m.name()
        );
        let expect = trace
            .expect
            .unwrap_or_else(|| panic!("{}: no expected property", m.name()));
        let replay = trace.replay().expect("replays");
        let Some((at, violation)) = replay.violation else {
            panic!("{}: no violation on replay, expected {expect}", m.name());
        };
        assert_eq!(violation.property, expect, "{}: {violation}", m.name());
        assert_eq!(
            at + 1,
            trace.ops.len(),
            "{}: the violation ends the trace",
            m.name()
        );
    }
}

#[test]
fn each_trace_violates_nothing_on_the_correct_core() {
    for m in safety_mutants() {
        let mut trace = load(m);
        trace.config.mutant = None;
        let replay = trace.replay().expect("replays");
        if let Some((at, v)) = &replay.violation {
            panic!(
                "{}: the correct core violates {v} at operation {}:\n{}",
                m.name(),
                at + 1,
                replay.story()
            );
        }
    }
}

/// The term-1 leader keeps its entry 1 to itself, wins term 3, and both its election append
/// (prevLogIndex 1) and a heartbeat reach an empty follower before either rejection returns.
fn underflow_scenario(mutant: Option<Mutant>) -> Result<(), String> {
    let mut config = Config::new(3);
    config.mutant = mutant;
    let mut c = Cluster::new(config)?;
    let mut apply = |c: &mut Cluster, op: Op| c.apply(&op).map(|_| ()).map_err(|v| v.to_string());
    let settle = |c: &mut Cluster,
                  apply: &mut dyn FnMut(&mut Cluster, Op) -> Result<(), String>| {
        while !c.network().is_empty() {
            apply(c, Op::Deliver { msg: 0 })?;
        }
        Ok::<(), String>(())
    };
    apply(&mut c, Op::ElectionTimeout { node: 0 })?;
    settle(&mut c, &mut apply)?;
    apply(
        &mut c,
        Op::Propose {
            node: 0,
            command: 1,
        },
    )?;
    apply(&mut c, Op::Drop { msg: 0 })?;
    apply(&mut c, Op::Drop { msg: 0 })?;
    apply(&mut c, Op::ElectionTimeout { node: 1 })?; // term 2: s1 wins with s2, empty logs
    settle(&mut c, &mut apply)?;
    apply(&mut c, Op::ElectionTimeout { node: 0 })?; // term 3: s0 wins, nextIndex 2 for all
    for _ in 0..4 {
        apply(&mut c, Op::Deliver { msg: 0 })?; // the requests for votes and their replies
    }
    apply(&mut c, Op::HeartbeatTimeout { node: 0 })?;
    settle(&mut c, &mut apply)
}

/// `next_index_underflow` decrements nextIndex past 1 on the second rejection: `0 - 1` must
/// panic in every build the checkers run (overflow checks are on in release too), not wrap to
/// 2^64 - 1 and explore a meaningless state. The correct core handles the same run.
#[test]
fn next_index_underflow_panics_instead_of_wrapping() {
    assert_eq!(underflow_scenario(None), Ok(()));
    let caught = std::panic::catch_unwind(|| underflow_scenario(Some(Mutant::NextIndexUnderflow)));
    let payload = caught.expect_err("the underflow panics");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(message.contains("overflow"), "{message}");
}

/// The fuzzers' operation for a driver operation of these traces (a message by its position,
/// a server by its number; proposals carry the fuzzers' own commands).
fn fuzz_op(op: &Op) -> raft_core::fuzzing::FuzzOp {
    use raft_core::fuzzing::{FuzzOp, Kind};
    let byte = |n: usize| u8::try_from(n).expect("a small trace");
    match op {
        Op::Deliver { msg } => FuzzOp::new(Kind::Deliver, byte(*msg)),
        Op::ElectionTimeout { node } => FuzzOp::new(Kind::ElectionTimeout, byte(*node as usize)),
        Op::Propose { node, .. } => FuzzOp::new(Kind::Propose, byte(*node as usize)),
        other => panic!("no fuzz operation for {other:?} in these traces"),
    }
}

/// LeaderAppendOnly and LogTermsValid, which the fuzzers' own runs meet after another property
/// breaks first, are seen to fail through the fuzzer's input path too: the model's
/// counterexample, encoded as the bytes of a `replication` input, decoded and run as
/// `cargo fuzz run replication` runs it, under its mutant.
#[test]
fn the_fuzzers_input_path_breaks_leader_append_only_and_log_terms_valid() {
    use raft_core::fuzzing::{Scenario, Target};
    use raft_core::Property;
    for (m, property) in [
        (
            Mutant::StaleAppendTruncatesLeader,
            Property::LeaderAppendOnly,
        ),
        (Mutant::AppendWithoutAdoptingTerm, Property::LogTermsValid),
    ] {
        let trace = load(m);
        let planted = Scenario {
            target: Target::Replication,
            cluster_size: trace.config.cluster_size,
            ops: trace.ops.iter().map(fuzz_op).collect(),
        };
        let bytes = planted.to_bytes().expect("encodable");
        let input = Scenario::from_bytes(Target::Replication, &bytes).expect("decodable");
        let mut config = Config::new(trace.config.cluster_size);
        config.mutant = Some(m);
        let finding = input
            .run(&config)
            .expect_err("the planted input breaks a property");
        assert_eq!(finding.violation.property, property, "{}", m.name());
        assert!(
            input.run(&Config::new(trace.config.cluster_size)).is_ok(),
            "{}: the correct core holds on the same input",
            m.name()
        );
    }
}
