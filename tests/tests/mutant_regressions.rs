//! Bug-zoo regressions: for every safety mutant, the model checker's shortest counterexample
//! (`tests/regressions/<mutant>.json`) must replay to its recorded violation under that mutant,
//! and to no violation at all under the correct core. Written by
//! `cargo run --release -p model --features mutants -- mutants --skip-fuzz --regressions tests/regressions`.

use raft_core::{Mutant, Trace};
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("regressions")
}

fn safety_mutants() -> impl Iterator<Item = Mutant> {
    Mutant::ALL.into_iter().filter(|m| !m.is_control())
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
