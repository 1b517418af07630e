//! Differential tests: the fast versions (`fast`) give exactly the verdicts (property, servers,
//! index, term, detail) of the plain definitions. Random logs exercise every shape (snapshots,
//! gaps, divergence); random clusters, under every bug-zoo mutant too, give the states the
//! checkers actually meet, violations included.

use super::*;
use crate::judge::history::NodeHistory;
use crate::protocol::config::Config;
use crate::protocol::log::Log;
use crate::protocol::node::{Node, Persistent, Role};
use crate::protocol::types::{Entry, Term};
use proptest::prelude::*;

/// A leader of term 9 holding `log` (built by hand: only its log and role matter here).
fn leading(log: &Log) -> Node {
    let mut node = Node::new(0, Config::new(3));
    node.current_term = 9;
    node.log = log.clone();
    node.role = Role::Leader {
        progress: Vec::new(),
    };
    node
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
    fn log_matching_agrees_on_random_logs(
        logs in prop_oneof![family(), prop::collection::vec(log(), 2..5)],
    ) {
        let durable: Vec<Persistent> = logs.into_iter().map(persisted).collect();
        let history = NodeHistory::default();
        let views: Vec<NodeView> = durable
            .iter()
            .zip(0..)
            .map(|(p, id)| NodeView { id, node: None, durable: Some(p), history: &history })
            .collect();
        prop_assert_eq!(fast::log_matching(&views), log_matching(&views));
    }

    #[test]
    fn leader_append_only_agrees_on_related_logs(logs in family()) {
        for old in &logs {
            for new in &logs {
                let (old, new) = (leading(old), leading(new));
                prop_assert_eq!(
                    fast::leader_append_only(&old, &new),
                    leader_append_only(&old, &new)
                );
            }
        }
    }

    #[test]
    fn leader_append_only_agrees_on_random_logs(old in log(), new in log(), prefix in any::<bool>()) {
        // Half the cases: `new` extends `old`, the leader's usual step.
        let new = if prefix {
            let mut grown = old.clone();
            new.entries().iter().for_each(|&e| { grown.append(e); });
            grown
        } else {
            new
        };
        let (old, new) = (leading(&old), leading(&new));
        prop_assert_eq!(fast::leader_append_only(&old, &new), leader_append_only(&old, &new));
    }

    #[test]
    fn log_terms_valid_agrees_on_random_logs(
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
        prop_assert_eq!(fast::log_terms_valid(&views), log_terms_valid(&views));
    }
}

/// How many states (steps, for LeaderAppendOnly) broke each property.
type Broken = BTreeMap<Property, u32>;

/// Drive a random case without stopping at violations, comparing the fast checks with the
/// definitions on every state and every step (and the committed entries they gather); adds to
/// `broken` the states that broke each property.
fn differential(
    case: &crate::driver::testkit::Case,
    broken: &mut Broken,
) -> Result<(), TestCaseError> {
    let mut cluster =
        crate::driver::cluster::Cluster::new(case.config.clone()).expect("valid config");
    for (k, act) in case.acts.iter().enumerate() {
        let op = crate::driver::testkit::resolve(&cluster, case.kind(*act), *act, 100 + k as u64);
        let before: Vec<Option<Node>> = (0..cluster.config().cluster_size)
            .map(|id| cluster.node(id).cloned())
            .collect();
        cluster.apply_unchecked(&op);
        for (id, old) in before.iter().enumerate() {
            if let (Some(old), Some(new)) = (old, cluster.node(id as NodeId)) {
                let verdict = fast::leader_append_only(old, new);
                prop_assert_eq!(&verdict, &leader_append_only(old, new));
                *broken.entry(Property::LeaderAppendOnly).or_default() += verdict.is_err() as u32;
            }
        }
        let views = cluster.views();
        let gathered: Vec<_> = committed(&views).into_iter().collect();
        prop_assert_eq!(fast::committed(&views), gathered);
        prop_assert_eq!(fast::check_all(&views), check_definitions(&views));
        for ((property, check), (_, definition)) in fast::PROPERTIES.iter().zip(&DEFINITIONS) {
            let verdict = check(&views);
            prop_assert_eq!(&verdict, &definition(&views), "{} after {:?}", property, op);
            *broken.entry(*property).or_default() += verdict.is_err() as u32;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_fast_checks_agree_on_random_clusters(case in crate::driver::testkit::case(5)) {
        differential(&case, &mut Broken::new())?;
    }
}

/// Under every mutant the fast checks meet broken states, and still agree with the
/// definitions. The broken states are counted so that this cannot pass vacuously: the mutants
/// break LogMatching, LeaderCompleteness, StateMachineSafety and CommittedOnMajority; LogTermsValid
/// and LeaderAppendOnly they break rarely or never in these runs, so the random-log tests above
/// (mostly broken logs) carry those two.
#[cfg(feature = "mutants")]
#[test]
fn the_fast_checks_agree_under_every_mutant() {
    use crate::protocol::mutants::Mutant;
    use proptest::test_runner::{Config as RunnerConfig, TestRunner};
    let broken = std::cell::RefCell::new(Broken::new());
    for mutant in Mutant::ALL.into_iter().filter(|m| !m.panics()) {
        let mut runner = TestRunner::new(RunnerConfig {
            cases: 100,
            failure_persistence: None,
            ..RunnerConfig::default()
        });
        let strategy = (3u8..=5).prop_flat_map(crate::driver::testkit::case);
        runner
            .run(&strategy, |mut case| {
                case.config.mutant = Some(mutant);
                differential(&case, &mut broken.borrow_mut())
            })
            .unwrap_or_else(|e| panic!("{mutant:?}: {e}"));
    }
    let broken = broken.into_inner();
    for property in [
        Property::LogMatching,
        Property::LeaderCompleteness,
        Property::StateMachineSafety,
        Property::CommittedOnMajority,
    ] {
        assert!(
            broken.get(&property) > Some(&0),
            "no mutant broke {property}: {broken:?}"
        );
    }
}
