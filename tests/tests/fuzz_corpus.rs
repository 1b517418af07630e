//! The fuzzers' checked-in inputs under plain `cargo test` (stable, no libFuzzer): every corpus
//! and regression file decoded exactly as libFuzzer does and run through the same check, so CI
//! guards every past finding. Also pins the seed inputs to the scenarios written out here.
//!
//! `RAFT_BLESS=1 cargo test -p acceptance --test fuzz_corpus` rewrites the seed files.

use raft_core::fuzzing::{check_trace_bytes, FuzzOp, Kind, Reach, Scenario, Target};
use raft_core::{Config, Situation, Trace};
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// Every file of `fuzz/<kind>/<target>/` (none if the directory is absent), sorted.
fn inputs(kind: &str, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = fuzz_dir().join(kind).join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    // In a corpus only the checked-in seeds are the project's: what a local `cargo fuzz run`
    // added there (ignored by git) is not replayed.
    let ours = |p: &Path| {
        kind != "corpus"
            || p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("seed-"))
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && ours(p))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, bytes)
        })
        .collect()
}

const SCENARIO_TARGETS: [Target; 2] = [Target::Election, Target::Replication];

// ---- The seed scenarios ------------------------------------------------------------------

fn op(kind: Kind, arg: u8) -> FuzzOp {
    FuzzOp::new(kind, arg)
}
/// Deliver the oldest message, `n` times (extra deliveries on an empty network do nothing).
fn settle(n: usize) -> Vec<FuzzOp> {
    vec![op(Kind::Deliver, 0); n]
}
fn elect(node: u8) -> Vec<FuzzOp> {
    [vec![op(Kind::ElectionTimeout, node)], settle(8)].concat()
}
/// Propose `k` commands at `node`, replicate them, then a heartbeat carries the commit.
fn commit(node: u8, k: usize) -> Vec<FuzzOp> {
    [
        vec![op(Kind::Propose, node); k],
        settle(12),
        vec![op(Kind::HeartbeatTimeout, node)],
        settle(8),
    ]
    .concat()
}

fn seeds() -> Vec<(&'static str, Scenario)> {
    let scenario = |target, cluster_size, parts: Vec<Vec<FuzzOp>>| Scenario {
        target,
        cluster_size,
        ops: parts.concat(),
    };
    use Kind::*;
    use Target::*;
    vec![
        ("elect", scenario(Election, 3, vec![elect(0)])),
        (
            "crash-restart",
            scenario(
                Election,
                3,
                vec![
                    elect(0),
                    vec![op(Crash, 0)],
                    elect(1),
                    vec![op(Restart, 0)],
                    settle(4),
                ],
            ),
        ),
        (
            "split-vote-5",
            scenario(
                Election,
                5,
                vec![
                    vec![
                        op(ElectionTimeout, 0),
                        op(ElectionTimeout, 1),
                        op(Duplicate, 3),
                    ],
                    settle(20),
                    elect(2),
                    settle(8),
                ],
            ),
        ),
        (
            "partition",
            scenario(
                Election,
                3,
                vec![
                    elect(0),
                    vec![op(Partition, 0b001)],
                    elect(1),
                    vec![op(Heal, 0), op(HeartbeatTimeout, 1), op(Drop, 1)],
                    settle(6),
                ],
            ),
        ),
        (
            "leader-change-after-commit",
            scenario(
                Election,
                3,
                vec![elect(0), commit(0, 1), vec![op(Crash, 0)], elect(1)],
            ),
        ),
        (
            "commit",
            scenario(Replication, 3, vec![elect(0), commit(0, 2)]),
        ),
        (
            "conflict-repair",
            // s0 commits one entry, is cut off and appends two more alone; s1 wins term 2 and
            // commits two others; restarted, s1 wins term 3 and backs s0 up over the conflict.
            scenario(
                Replication,
                3,
                vec![
                    elect(0),
                    commit(0, 1),
                    vec![op(Partition, 0b001), op(Propose, 0), op(Propose, 0)],
                    elect(1),
                    commit(1, 2),
                    vec![op(Restart, 1), op(Heal, 0)],
                    elect(1),
                    vec![op(HeartbeatTimeout, 1)],
                    settle(12),
                ],
            ),
        ),
        (
            "snapshot",
            // s2 is cut off while three entries commit; s0 compacts, then catches s2 up by
            // InstallSnapshot; s2 restarts from it.
            scenario(
                Replication,
                3,
                vec![
                    vec![op(Partition, 0b100)],
                    elect(0),
                    commit(0, 3),
                    vec![op(Snapshot, 0), op(Heal, 0), op(HeartbeatTimeout, 0)],
                    settle(8),
                    vec![op(Crash, 2), op(Restart, 2)],
                ],
            ),
        ),
    ]
}

fn seed_path(name: &str, target: &str) -> PathBuf {
    fuzz_dir()
        .join("corpus")
        .join(target)
        .join(format!("seed-{name}"))
}

/// The checked-in seeds: each scenario's bytes for its target, and its trace for trace_decode
/// (plus one trace of an unsupported version, for the error path).
fn seed_files() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for (name, scenario) in seeds() {
        let bytes = scenario.to_bytes().expect("seeds are encodable");
        files.push((seed_path(name, scenario.target.name()), bytes));
        let run = scenario
            .run(&Config::new(3))
            .expect("seeds hold on the correct core");
        let config = Config::new(scenario.cluster_size);
        let trace = Trace::new(format!("fuzz/{}", scenario.target.name()), config, run.ops);
        files.push((
            seed_path(name, "trace_decode"),
            trace.to_json().into_bytes(),
        ));
    }
    let old = Trace::new("fuzz/trace_decode", Config::new(3), Vec::new())
        .to_json()
        .replace("\"version\": 1", "\"version\": 0");
    files.push((seed_path("old-version", "trace_decode"), old.into_bytes()));
    files
}

#[test]
fn seeds_are_current() {
    let bless = std::env::var_os("RAFT_BLESS").is_some();
    for (path, bytes) in seed_files() {
        if bless {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).expect("create the corpus directory");
            }
            std::fs::write(&path, &bytes).expect("write the seed");
        }
        let on_disk = std::fs::read(&path).unwrap_or_default();
        assert!(
            on_disk == bytes,
            "{} is not the encoding of its scenario; rerun with RAFT_BLESS=1",
            path.display()
        );
    }
}

#[test]
fn seeds_reach_every_situation() {
    for target in SCENARIO_TARGETS {
        let mut reach = Reach::default();
        for (_, scenario) in seeds().into_iter().filter(|s| s.1.target == target) {
            let run = scenario
                .run(&Config::new(3))
                .expect("seeds hold on the correct core");
            reach.record(&run.cluster);
        }
        print!("{} seeds: {reach}", target.name());
        let wanted: &[Situation] = match target {
            Target::Election => &[
                Situation::LeaderElected,
                Situation::EntryCommitted,
                Situation::LeaderChangeAfterCommit,
                Situation::VoterRestarted,
            ],
            Target::Replication => &Situation::ALL,
        };
        for &s in wanted {
            assert!(
                reach.count(s) > 0,
                "no {} seed reaches: {}",
                target.name(),
                s.name()
            );
        }
    }
}

/// The heart of it: every checked-in input of every target holds on the correct core.
#[test]
fn corpus_and_regressions_hold() {
    let mut failures = Vec::new();
    for target in SCENARIO_TARGETS {
        let mut reach = Reach::default();
        let mut files = inputs("corpus", target.name());
        assert!(
            !files.is_empty(),
            "fuzz/corpus/{} has no inputs",
            target.name()
        );
        files.extend(inputs("regressions", target.name()));
        for (path, bytes) in files {
            match Scenario::from_bytes(target, &bytes) {
                Err(e) => failures.push(format!("{}: does not decode: {e}", path.display())),
                // As the fuzzers run them (PreVote and CheckQuorum on), and as Figure 2 has it.
                Ok(scenario) => {
                    for config in [Config::with_liveness(3), Config::new(3)] {
                        match scenario.run(&config) {
                            Ok(run) => reach.record(&run.cluster),
                            Err(finding) => failures.push(format!("{}: {finding}", path.display())),
                        }
                    }
                }
            }
        }
        print!("fuzz/corpus + regressions, {}: {reach}", target.name());
    }
    let mut traces = inputs("corpus", "trace_decode");
    assert!(!traces.is_empty(), "fuzz/corpus/trace_decode has no inputs");
    traces.extend(inputs("regressions", "trace_decode"));
    for (path, bytes) in traces {
        if let Err(e) = check_trace_bytes(&bytes) {
            failures.push(format!("{}: {e}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "failing fuzz inputs:\n{}",
        failures.join("\n")
    );
}

/// A regression named `<mutant>-<hash>` is a minimized past finding against that mutant: it must
/// still find it, or the decoding changed and the file guards nothing.
/// `cargo test -p acceptance --features mutants --test fuzz_corpus`
#[cfg(feature = "mutants")]
#[test]
fn regressions_still_find_their_mutants() {
    let mut checked = 0;
    for target in SCENARIO_TARGETS {
        for (path, bytes) in inputs("regressions", target.name()) {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let Some(mutant) = name
                .rsplit_once('-')
                .and_then(|(m, _)| raft_core::Mutant::from_name(m))
            else {
                continue;
            };
            let mut config = Config::new(3);
            config.mutant = Some(mutant);
            let scenario = Scenario::from_bytes(target, &bytes).expect("decodes");
            let finding = scenario.run(&config).expect_err(&format!(
                "{} no longer finds {}",
                path.display(),
                mutant.name()
            ));
            let replay = finding.trace.replay().expect("its trace replays");
            assert_eq!(replay.violation.map(|v| v.1), Some(finding.violation));
            checked += 1;
        }
    }
    assert!(checked > 0, "no mutant regressions in fuzz/regressions");
}
