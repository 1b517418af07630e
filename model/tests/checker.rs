//! The checker on small configurations: an exhaustive run where every property holds and every
//! situation is reached (its state count pinned), and a broken node whose violation is found
//! (breadth-first and by random walks), written as a trace and reproduced by `replay`.

use model::checker::bounds::{Bounds, NetworkKind, RunLimits, Strategy};
use model::checker::check;
use model::checker::report::Summary;
use raft_core::{Config, Mutant, Property, Trace};
use std::process::Command;

fn scratch(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("model-checker-{}-{name}", std::process::id()))
}

/// Small enough to exhaust in seconds, large enough to elect, commit and change leader (terms
/// 1 and 2: election timeouts fire up to `max_term`, so a server may reach one term more).
fn small() -> Bounds {
    Bounds {
        servers: 3,
        max_term: 1,
        proposals: 1,
        heartbeats: 0,
        crashes: 0,
        restarts: 0,
        network: NetworkKind::Ordered,
        max_in_flight: Some(3),
        ..Bounds::default()
    }
}

/// A small two-configuration suite (like `check`'s default one, on an ordered network) that
/// reaches every situation: crashes and restarts in one, a conflict repair in the other.
#[test]
fn small_suite_reaches_every_situation() {
    let crash = Bounds {
        crashes: 1,
        restarts: 1,
        ..small()
    };
    let conflict = Bounds {
        proposals: 2,
        max_in_flight: Some(4),
        ..small()
    };
    let mut reached = Vec::new();
    for (bounds, pinned) in [(crash, 89_596), (conflict, 319_971)] {
        let s = check(
            &Config::new(3),
            &bounds,
            &RunLimits::default(),
            &scratch("suite"),
        );
        assert!(s.exhaustive() && !s.violated(), "{s}");
        assert_eq!(s.unique, pinned, "the state count of {bounds} moved");
        reached.extend(s.situations.iter().filter(|(_, r)| *r).map(|(x, _)| *x));
    }
    for situation in model::checker::properties::goals(&Bounds::default()) {
        assert!(
            reached.contains(&situation),
            "{} not reached",
            situation.name()
        );
    }
}

/// One snapshot, one heartbeat to ship it, one crash and restart: a lagging follower catches up
/// by InstallSnapshot, and a server restarts from its snapshot; every property holds.
#[test]
fn snapshot_configuration_installs_and_restarts_from_snapshots() {
    let bounds = Bounds {
        heartbeats: 1,
        snapshots: 1,
        crashes: 1,
        restarts: 1,
        ..small()
    };
    let s = check(
        &Config::new(3),
        &bounds,
        &RunLimits::default(),
        &scratch("snapshot"),
    );
    assert!(s.exhaustive() && !s.violated(), "{s}");
    use raft_core::Situation::*;
    for situation in [SnapshotInstalled, RestartedFromSnapshot] {
        assert!(s.goals.contains(&situation), "a goal with --snapshots 1");
        assert!(
            s.situations.contains(&(situation, true)),
            "{} not reached",
            situation.name()
        );
    }
    assert_eq!(s.unique, 42_268, "the state count of {bounds} moved");
}

#[test]
fn small_configuration_is_exhaustive_and_holds() {
    let limits = RunLimits {
        threads: 1,
        ..RunLimits::default()
    };
    let s = check(&Config::new(3), &small(), &limits, &scratch("small"));
    assert!(s.exhaustive(), "cut: {:?}", s.cut);
    for (p, held) in &s.properties {
        assert!(held, "{p} violated");
    }
    // Without crashes no voter restarts, and this little room (three messages in flight, one
    // proposal) leaves no conflicting entries to repair: the other three must be reached.
    use raft_core::Situation::*;
    let reached: Vec<_> = s
        .situations
        .iter()
        .filter(|(_, r)| *r)
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(
        reached,
        [LeaderElected, EntryCommitted, LeaderChangeAfterCommit]
    );
    assert_eq!(
        s.unique, PINNED_UNIQUE,
        "the state count moved: a model change?"
    );
}

const PINNED_UNIQUE: usize = 2311;

/// A broken node (a quorum of half the servers) checked with `limits`: the violation is found,
/// its trace written and `replay` reproduces it. The summary, for the strategy's own checks.
fn broken_node_is_caught_written_and_replayed_with(limits: &RunLimits, dir: &str) -> Summary {
    let mut config = Config::new(3);
    config.mutant = Some(Mutant::QuorumHalfInclusive);
    let bounds = Bounds {
        max_term: 1,
        proposals: 0,
        heartbeats: 0,
        crashes: 0,
        restarts: 0,
        ..Bounds::default()
    };
    let s = check(&config, &bounds, limits, &scratch(dir));
    assert!(s.violated(), "{s}");
    assert_eq!(s.exit_code(), 1);
    let c = s.counterexample.as_ref().expect("a counterexample");
    assert_eq!(c.property, Property::ElectionSafety);
    assert!(c.reproduced, "error: {:?}", c.error);
    let file = c.file.clone().expect("a trace file");
    let trace = Trace::from_json(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(trace.origin, "model");
    assert_eq!(trace.expect, Some(Property::ElectionSafety));
    assert_eq!(trace.config.mutant, Some(Mutant::QuorumHalfInclusive));

    let o = Command::new(env!("CARGO_BIN_EXE_model"))
        .args(["replay", file.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("expected ElectionSafety: reproduced"),
        "{stdout}"
    );
    assert!(
        stdout.contains("verdict: VIOLATED ElectionSafety"),
        "{stdout}"
    );
    s
}

#[test]
fn broken_node_is_caught_written_and_replayed() {
    let limits = RunLimits {
        threads: 1,
        ..RunLimits::default()
    };
    let s = broken_node_is_caught_written_and_replayed_with(&limits, "broken");
    assert!(s.counterexample.is_some_and(|c| c.shortest));
}

/// The same through `check --strategy simulation` (our random walks, `checker::walk`).
#[test]
fn broken_node_is_caught_by_random_walks_written_and_replayed() {
    let limits = RunLimits {
        strategy: Strategy::Simulation,
        threads: 1,
        seed: 3,
        symmetry: true,
        max_states: Some(200_000),
        ..RunLimits::default()
    };
    let s = broken_node_is_caught_written_and_replayed_with(&limits, "broken-walks");
    assert!(!s.exhaustive());
}
