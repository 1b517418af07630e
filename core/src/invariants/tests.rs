//! Differential tests for the rewritten log scans in `invariants`: LogMatching, LeaderAppendOnly
//! and LogTermsValid must give exactly the verdicts (property, servers, index, term, detail) of
//! their straightforward per-index versions, kept here as the reference. Random logs exercise
//! every shape (snapshots, gaps, divergence); random clusters under every bug-zoo mutant give
//! the states the checkers actually meet, violations included.

use super::*;
use crate::config::Config;
use crate::types::Entry;
use proptest::prelude::*;

/// The per-index LogMatching the scan replaced.
fn reference_log_matching(views: &[NodeView]) -> Result<(), Violation> {
    let logs: Vec<(NodeId, &Log)> = views
        .iter()
        .filter_map(|v| v.log().map(|l| (v.id, l)))
        .collect();
    for (a, (ia, la)) in logs.iter().enumerate() {
        for (ib, lb) in &logs[a + 1..] {
            let from = la.first_index().max(lb.first_index());
            let to = la.last_index().min(lb.last_index());
            let Some(top) = (from..=to).rev().find(|&i| la.term_at(i) == lb.term_at(i)) else {
                continue;
            };
            for i in from..=top {
                let (ea, eb) = (la.entry(i), lb.entry(i));
                if ea != eb {
                    return Err(Violation::new(
                        Property::LogMatching,
                        vec![*ia, *ib],
                        Some(i),
                        la.term_at(top),
                        format!(
                            "logs agree on (index {top}, term {:?}) but differ at index {i}: \
                             {ea:?} vs {eb:?}",
                            la.term_at(top)
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The per-index LeaderAppendOnly the scan replaced.
fn reference_leader_append_only(before: &Node, after: &Node) -> Result<(), Violation> {
    if !(before.is_leader() && after.is_leader() && before.current_term() == after.current_term()) {
        return Ok(());
    }
    let (old, new) = (before.log(), after.log());
    for (index, entry) in old.iter() {
        if index <= new.snapshot_index() {
            continue;
        }
        if new.entry(index) != Some(entry) {
            return Err(Violation::new(
                Property::LeaderAppendOnly,
                vec![after.id()],
                Some(index),
                Some(after.current_term()),
                format!(
                    "leader {} of term {} replaced {entry:?} at index {index} by {:?}",
                    after.id(),
                    after.current_term(),
                    new.entry(index)
                ),
            ));
        }
    }
    Ok(())
}

/// The reference's log comparison alone (what `first_lost` computes), for logs that no node
/// holds.
fn reference_first_lost(old: &Log, new: &Log) -> Option<(Index, Entry)> {
    old.iter()
        .filter(|&(index, _)| index > new.snapshot_index())
        .find(|&(index, entry)| new.entry(index) != Some(entry))
        .map(|(index, &entry)| (index, entry))
}

/// The per-index LogTermsValid the scan replaced.
fn reference_log_terms_valid(views: &[NodeView]) -> Result<(), Violation> {
    for v in views {
        let Some(node) = v.node else { continue };
        let log = node.log();
        let mut prev = log.snapshot_term();
        for (index, entry) in log.iter() {
            if entry.term < prev || entry.term > node.current_term() {
                return Err(Violation::new(
                    Property::LogTermsValid,
                    vec![v.id],
                    Some(index),
                    Some(entry.term),
                    format!(
                        "entry of term {} at index {index} follows term {prev}, current term {}",
                        entry.term,
                        node.current_term()
                    ),
                ));
            }
            prev = entry.term;
        }
    }
    Ok(())
}

fn entries(max: usize) -> impl Strategy<Value = Vec<Entry>> {
    let entry = (0u64..4, prop::option::weighted(0.8, 0u64..3))
        .prop_map(|(term, command)| Entry { term, command });
    prop::collection::vec(entry, 0..max)
}

/// A log from a few small terms and commands, compacted up to `cut` (when it holds that index)
/// or given a snapshot of its own there.
fn log() -> impl Strategy<Value = Log> {
    (entries(150), 0u64..8, 0u64..4, any::<bool>())
        .prop_map(|(entries, cut, term, install)| shaped(entries, cut, term, install))
}

fn shaped(entries: Vec<Entry>, cut: u64, term: Term, install: bool) -> Log {
    let mut log = Log::from_entries(entries);
    if install {
        log.install_snapshot(cut, term, true);
    } else {
        log.compact(cut);
    }
    log
}

/// Logs that mostly agree: copies of one base log, each cut at some point and given its own
/// suffix, perhaps with one entry changed somewhere before (so that they agree at the end and
/// differ deep inside), then compacted or given a snapshot.
fn family() -> impl Strategy<Value = Vec<Log>> {
    let variant = (
        0usize..200,
        entries(20),
        prop::option::weighted(0.3, (0usize..200, 0u64..3)),
        0u64..8,
        0u64..4,
        any::<bool>(),
    );
    (entries(150), prop::collection::vec(variant, 2..5)).prop_map(|(base, variants)| {
        variants
            .into_iter()
            .map(|(keep, suffix, change, cut, term, install)| {
                let mut e: Vec<Entry> = base[..keep.min(base.len())].to_vec();
                e.extend(suffix);
                if let Some((at, command)) = change.filter(|&(at, _)| at < e.len()) {
                    e[at].command = Some(command);
                }
                shaped(e, cut, term, install)
            })
            .collect()
    })
}

/// A crashed server whose persisted state is `log` (LogMatching reads it).
fn persisted(log: Log) -> Persistent {
    Persistent {
        current_term: 0,
        voted_for: None,
        log,
        snapshot: Vec::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn log_matching_agrees_with_the_reference(
        logs in prop_oneof![family(), prop::collection::vec(log(), 2..5)],
    ) {
        let durable: Vec<Persistent> = logs.into_iter().map(persisted).collect();
        let history = NodeHistory::default();
        let views: Vec<NodeView> = durable
            .iter()
            .zip(0..)
            .map(|(p, id)| NodeView { id, node: None, durable: Some(p), history: &history })
            .collect();
        prop_assert_eq!(log_matching(&views), reference_log_matching(&views));
    }

    #[test]
    fn first_lost_agrees_with_the_reference_on_related_logs(logs in family()) {
        for old in &logs {
            for new in &logs {
                prop_assert_eq!(first_lost(old, new), reference_first_lost(old, new));
            }
        }
    }

    #[test]
    fn first_lost_agrees_with_the_reference(old in log(), new in log(), prefix in any::<bool>()) {
        // Half the cases: `new` extends `old`, the leader's usual step.
        let new = if prefix {
            let mut grown = old.clone();
            new.entries().iter().for_each(|&e| { grown.append(e); });
            grown
        } else {
            new
        };
        prop_assert_eq!(first_lost(&old, &new), reference_first_lost(&old, &new));
    }

    #[test]
    fn log_terms_valid_agrees_with_the_reference(
        (mut entries, cut, snapshot_term, install) in (entries(150), 0u64..8, 0u64..4, any::<bool>()),
        sorted in any::<bool>(),
        change in prop::option::of((0usize..150, 0u64..5)),
        current in 0u64..5,
    ) {
        // Sorted logs, perhaps with one term changed anywhere, put the first bad term deep
        // inside (past the scan's first chunks); unsorted ones put it early.
        if sorted {
            entries.sort_by_key(|e| e.term);
        }
        if let Some((at, term)) = change.filter(|&(at, _)| at < entries.len()) {
            entries[at].term = term;
        }
        let log = shaped(entries, cut, snapshot_term, install);
        let node = Node::restart(0, Config::new(3), Persistent { current_term: current, ..persisted(log) });
        let history = NodeHistory::default();
        let views = [NodeView { id: 0, node: Some(&node), durable: None, history: &history }];
        prop_assert_eq!(log_terms_valid(&views), reference_log_terms_valid(&views));
    }
}

/// Drive a random case without stopping at violations, comparing the rewritten checks with the
/// references on every state and every step; how many states broke LogMatching, LogTermsValid
/// and LeaderAppendOnly.
fn differential(config: Config, acts: &[crate::testkit::Act]) -> Result<[u32; 3], TestCaseError> {
    let mut cluster = crate::cluster::Cluster::new(config).expect("valid config");
    let mut broken = [0; 3];
    for (k, act) in acts.iter().enumerate() {
        let op = crate::testkit::resolve(&cluster, *act, 100 + k as u64);
        let before: Vec<Option<Node>> = (0..cluster.config().cluster_size)
            .map(|id| cluster.node(id).cloned())
            .collect();
        cluster.apply_unchecked(&op);
        for (id, old) in before.iter().enumerate() {
            if let (Some(old), Some(new)) = (old, cluster.node(id as NodeId)) {
                let verdict = leader_append_only(old, new);
                prop_assert_eq!(&verdict, &reference_leader_append_only(old, new));
                broken[2] += verdict.is_err() as u32;
            }
        }
        let views = cluster.views();
        let verdict = log_matching(&views);
        prop_assert_eq!(&verdict, &reference_log_matching(&views));
        broken[0] += verdict.is_err() as u32;
        let verdict = log_terms_valid(&views);
        prop_assert_eq!(&verdict, &reference_log_terms_valid(&views));
        broken[1] += verdict.is_err() as u32;
    }
    Ok(broken)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_scans_agree_on_random_clusters(case in crate::testkit::case(5)) {
        differential(case.config, &case.acts)?;
    }
}

/// Under every mutant the scans meet broken states, and still agree with the references. The
/// broken states are counted so that this cannot pass vacuously: the mutants break LogMatching
/// often; LogTermsValid and LeaderAppendOnly they break rarely or never in these runs, so the
/// random-log tests above (mostly broken logs) carry those two.
#[cfg(feature = "mutants")]
#[test]
fn the_scans_agree_under_every_mutant() {
    use crate::mutants::Mutant;
    use proptest::test_runner::{Config as RunnerConfig, TestRunner};
    let mut broken = [0u32; 3];
    for mutant in Mutant::ALL {
        let mut runner = TestRunner::new(RunnerConfig {
            cases: 150,
            failure_persistence: None,
            ..RunnerConfig::default()
        });
        let strategy = (3u8..=5).prop_flat_map(crate::testkit::case);
        let seen = std::cell::Cell::new([0u32; 3]);
        runner
            .run(&strategy, |mut case| {
                case.config.mutant = Some(mutant);
                let counts = differential(case.config, &case.acts)?;
                let mut sum = seen.get();
                (0..3).for_each(|k| sum[k] += counts[k]);
                seen.set(sum);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{mutant:?}: {e}"));
        (0..3).for_each(|k| broken[k] += seen.get()[k]);
    }
    println!("states breaking LogMatching, LogTermsValid, LeaderAppendOnly: {broken:?}");
    assert!(broken[0] > 0, "no mutant broke LogMatching: {broken:?}");
}
