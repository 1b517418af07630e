//! Differential tests for the rewritten checks in `invariants`: the log scans (LogMatching,
//! LeaderAppendOnly, LogTermsValid) and the index tables (LeaderCompleteness, StateMachineSafety,
//! CommittedOnMajority) must give exactly the verdicts (property, servers, index, term, detail)
//! of their earlier versions, kept here as the reference. Random logs exercise every shape
//! (snapshots, gaps, divergence); random clusters under every bug-zoo mutant give the states the
//! checkers actually meet, violations included.

use super::*;
use crate::protocol::config::Config;
use crate::protocol::types::Entry;
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

// The B-tree versions of the checks that gather applied histories by index.

/// Every entry ever committed (applied by some server), with the earliest term it was known
/// committed in.
fn reference_committed(
    views: &[NodeView],
) -> BTreeMap<Index, (Term, Option<Command>, Term, NodeId)> {
    let mut all: BTreeMap<Index, (Term, Option<Command>, Term, NodeId)> = BTreeMap::new();
    for v in views {
        for (&index, a) in &v.history.applied {
            let slot = all
                .entry(index)
                .or_insert((a.term, a.command, a.commit_term, v.id));
            if a.commit_term < slot.2 {
                *slot = (a.term, a.command, a.commit_term, v.id);
            }
        }
    }
    all
}

/// StateMachineSafety: no two servers ever applied different commands at the same index, as
/// entries or through snapshots.
fn reference_state_machine_safety(views: &[NodeView]) -> Result<(), Violation> {
    recorded(views, Property::StateMachineSafety)?;
    reference_snapshots_agree(views)?;
    let mut first: BTreeMap<Index, (Term, Option<Command>, NodeId)> = BTreeMap::new();
    for v in views {
        for (&index, a) in &v.history.applied {
            match first.get(&index) {
                Some(&(term, command, by)) if (term, command) != (a.term, a.command) => {
                    return Err(Violation::new(
                        Property::StateMachineSafety,
                        vec![by, v.id],
                        Some(index),
                        Some(a.term),
                        format!(
                            "server {by} applied {command:?} (term {term}) at index {index}, \
                             server {} applied {:?} (term {})",
                            v.id, a.command, a.term
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    first.insert(index, (a.term, a.command, v.id));
                }
            }
        }
    }
    Ok(())
}

/// The commands servers received through snapshots agree with every command applied (as an
/// entry or through another snapshot) at the same index.
fn reference_snapshots_agree(views: &[NodeView]) -> Result<(), Violation> {
    if views.iter().all(|v| v.history.snapshot_applied.is_empty()) {
        return Ok(());
    }
    let mut first: BTreeMap<Index, (Option<Command>, NodeId)> = BTreeMap::new();
    for v in views {
        let entries = v.history.applied.iter().map(|(&i, a)| (i, a.command));
        let snapshot = v.history.snapshot_applied.iter().map(|(&i, &c)| (i, c));
        for (index, command) in entries.chain(snapshot) {
            match first.get(&index) {
                Some(&(other, by)) if other != command => {
                    return Err(Violation::new(
                        Property::StateMachineSafety,
                        vec![by, v.id],
                        Some(index),
                        None,
                        format!(
                            "at index {index} server {by}'s state machine has {other:?}, server {}'s \
                             has {command:?} (snapshots included)",
                            v.id
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    first.insert(index, (command, v.id));
                }
            }
        }
    }
    Ok(())
}

/// CommittedOnMajority: every committed entry is in a majority of persisted logs (or below
/// their snapshots), so no minority of crashes can lose it.
fn reference_committed_on_majority(views: &[NodeView]) -> Result<(), Violation> {
    let n = views.len();
    for (index, (term, _, _, by)) in reference_committed(views) {
        let holders = views
            .iter()
            .filter(|v| {
                v.durable.is_some_and(|p| {
                    index <= p.log.snapshot_index() || p.log.term_at(index) == Some(term)
                })
            })
            .count();
        if holders * 2 <= n {
            return Err(Violation::new(
                Property::CommittedOnMajority,
                vec![by],
                Some(index),
                Some(term),
                format!(
                    "entry at index {index} (term {term}) was applied by server {by} but only \
                     {holders} of {n} persisted logs hold it"
                ),
            ));
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

/// The state checks rewritten, each with its reference.
const STATE_CHECKS: [(Property, Check, Check); 4] = [
    (Property::LogMatching, log_matching, reference_log_matching),
    (
        Property::StateMachineSafety,
        state_machine_safety,
        reference_state_machine_safety,
    ),
    (
        Property::LogTermsValid,
        log_terms_valid,
        reference_log_terms_valid,
    ),
    (
        Property::CommittedOnMajority,
        committed_on_majority,
        reference_committed_on_majority,
    ),
];

/// How many states (steps, for LeaderAppendOnly) broke each property.
type Broken = BTreeMap<Property, u32>;

/// Drive a random case without stopping at violations, comparing the rewritten checks with the
/// references on every state and every step (and the committed entries they gather); adds to
/// `broken` the states that broke each property.
fn differential(
    config: Config,
    acts: &[crate::driver::testkit::Act],
    broken: &mut Broken,
) -> Result<(), TestCaseError> {
    let mut cluster = crate::driver::cluster::Cluster::new(config).expect("valid config");
    for (k, act) in acts.iter().enumerate() {
        let op = crate::driver::testkit::resolve(&cluster, *act, 100 + k as u64);
        let before: Vec<Option<Node>> = (0..cluster.config().cluster_size)
            .map(|id| cluster.node(id).cloned())
            .collect();
        cluster.apply_unchecked(&op);
        for (id, old) in before.iter().enumerate() {
            if let (Some(old), Some(new)) = (old, cluster.node(id as NodeId)) {
                let verdict = leader_append_only(old, new);
                prop_assert_eq!(&verdict, &reference_leader_append_only(old, new));
                *broken.entry(Property::LeaderAppendOnly).or_default() += verdict.is_err() as u32;
            }
        }
        let views = cluster.views();
        let gathered: Vec<_> = reference_committed(&views).into_iter().collect();
        prop_assert_eq!(committed(&views), gathered);
        for (property, check, reference) in STATE_CHECKS {
            let verdict = check(&views);
            prop_assert_eq!(&verdict, &reference(&views), "{} after {:?}", property, op);
            *broken.entry(property).or_default() += verdict.is_err() as u32;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_rewrites_agree_on_random_clusters(case in crate::driver::testkit::case(5)) {
        differential(case.config, &case.acts, &mut Broken::new())?;
    }
}

/// Under every mutant the rewritten checks meet broken states, and still agree with the
/// references. The broken states are counted so that this cannot pass vacuously: the mutants
/// break LogMatching, LeaderCompleteness, StateMachineSafety and CommittedOnMajority; LogTermsValid
/// and LeaderAppendOnly they break rarely or never in these runs, so the random-log tests above
/// (mostly broken logs) carry those two.
#[cfg(feature = "mutants")]
#[test]
fn the_rewrites_agree_under_every_mutant() {
    use crate::protocol::mutants::Mutant;
    use proptest::test_runner::{Config as RunnerConfig, TestRunner};
    let broken = std::cell::RefCell::new(Broken::new());
    for mutant in Mutant::ALL {
        let mut runner = TestRunner::new(RunnerConfig {
            cases: 100,
            failure_persistence: None,
            ..RunnerConfig::default()
        });
        let strategy = (3u8..=5).prop_flat_map(crate::driver::testkit::case);
        runner
            .run(&strategy, |mut case| {
                case.config.mutant = Some(mutant);
                differential(case.config, &case.acts, &mut broken.borrow_mut())
            })
            .unwrap_or_else(|e| panic!("{mutant:?}: {e}"));
    }
    let broken = broken.into_inner();
    for property in [
        Property::LogMatching,
        Property::StateMachineSafety,
        Property::CommittedOnMajority,
    ] {
        assert!(
            broken.get(&property) > Some(&0),
            "no mutant broke {property}: {broken:?}"
        );
    }
}
