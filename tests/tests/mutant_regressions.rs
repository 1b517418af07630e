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
        .filter(|m| !m.is_control() && *m != Mutant::NextIndexUnderflow)
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
