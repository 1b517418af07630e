//! The proptest generator of driver operations, shared by the proptest suite
//! (`core/tests/proptest_cluster.rs`) and the bug zoo's proptest column (`model::zoo`): one
//! generator, plain integers decoded against the cluster state, so every shrunk case stays valid.

use crate::driver::cluster::{Cluster, Op, Outcome};
use crate::driver::fuzzing::{proptest_kind, FuzzOp, Kind};
use crate::driver::heal::{heal_and_progress, Patience, Stall};
use crate::driver::trace::Trace;
use crate::judge::invariants::{Situation, Violation};
use crate::protocol::config::Config;
use crate::protocol::types::Command;
use proptest::prelude::*;

/// An operation before it meets a cluster: a kind drawn from 0..100 (weights in
/// [`crate::driver::fuzzing::PROPTEST_WEIGHTS`], the fuzzers' table of kinds) and an argument. Positions are taken modulo the network's length and server numbers modulo the
/// cluster size, so every shrunk sequence stays meaningful; both shrink towards 0, that is,
/// towards delivering the oldest message. (Plain integers keep generation cheap: proptest
/// itself is not optimised in the dev profile.)
#[derive(Clone, Copy, Debug)]
pub struct Act {
    pub kind: u8,
    pub arg: u16,
}

/// One generated case: the cluster's configuration, the acts to decode against it, and the
/// kinds it leaves out (swarm testing: a case without, say, heartbeats or crashes goes where
/// the average mix never does; a left-out kind's acts are deliveries).
#[derive(Clone, Debug)]
pub struct Case {
    pub config: Config,
    pub acts: Vec<Act>,
    pub omit: u16,
}

/// The kinds a case may leave out: never deliveries, elections or proposals at the leader,
/// without which nothing happens.
const OMITTABLE: [Kind; 10] = [
    Kind::Drop,
    Kind::Duplicate,
    Kind::HeartbeatTimeout,
    Kind::Propose,
    Kind::Crash,
    Kind::Restart,
    Kind::Partition,
    Kind::Heal,
    Kind::Snapshot,
    Kind::HeartbeatAtLeader,
];

impl Case {
    /// The kind `act` stands for in this case.
    pub fn kind(&self, act: Act) -> Kind {
        let kind = proptest_kind(act.kind);
        let omitted = OMITTABLE
            .iter()
            .position(|k| *k == kind)
            .is_some_and(|bit| self.omit & (1 << bit) != 0);
        if omitted {
            Kind::Deliver
        } else {
            kind
        }
    }
}

pub fn act() -> impl Strategy<Value = Act> {
    (0u8..100, any::<u16>()).prop_map(|(kind, arg)| Act { kind, arg })
}

/// Cases on `cluster_size` servers: with or without a no-op on election, an entry cap of 1, 3
/// or 64, 30 to 1000 acts (Figure 8 needs long runs), and half the cases leaving out some
/// kinds (each with probability 1/2). Callers may alter each configuration (`prop_map`), e.g.
/// to plant a mutant.
pub fn case(cluster_size: u8) -> impl Strategy<Value = Case> {
    (
        any::<bool>(),
        prop_oneof![Just(1usize), Just(3), Just(64)],
        prop::collection::vec(act(), 30..1000),
        prop_oneof![Just(0u16), any::<u16>()],
        any::<bool>(),
    )
        .prop_map(move |(noop, cap, acts, omit, liveness)| {
            // Half the cases with PreVote and CheckQuorum, half as Figure 2 has it.
            let mut config = Config::new(cluster_size);
            config.pre_vote = liveness;
            config.check_quorum = liveness;
            config.noop_on_election = noop;
            config.max_entries_per_append = cap;
            Case { config, acts, omit }
        })
}

/// The concrete driver operation `act` stands for in the cluster's current state: the fuzzers'
/// resolution ([`FuzzOp::resolve`]); a message operation on an empty network stands for the
/// delivery of message 0, which the cluster skips.
pub fn resolve(cluster: &Cluster, kind: Kind, act: Act, command: u64) -> Op {
    let op = FuzzOp { kind, arg: act.arg };
    op.resolve(cluster, command)
        .unwrap_or(Op::Deliver { msg: 0 })
}

/// Run one case through the driver. Returns the trace of the operations applied (origin
/// "proptest") and either the situations reached or the first violation (the trace then ends
/// with the violating op).
pub fn run(case: &Case) -> (Trace, Result<Vec<Situation>, Violation>) {
    let (_, trace, result) = run_keeping(case);
    (trace, result)
}

/// `run`, then the healing schedule (`heal`) from where the case left the cluster: the trace
/// of both (origin `origin`) and where the schedule stalled; `None` also when the history
/// itself broke a safety property, which the safety checks report.
pub fn run_and_heal(case: &Case, command: Command, origin: &str) -> (Trace, Option<Stall>) {
    let (mut cluster, mut trace, result) = run_keeping(case);
    if result.is_err() {
        return (trace, None);
    }
    let healing = heal_and_progress(&mut cluster, command, Patience::default());
    trace.ops.extend(healing.ops);
    trace.origin = origin.into();
    (trace, healing.stall)
}

/// `run`, also handing back the cluster as the case left it.
fn run_keeping(case: &Case) -> (Cluster, Trace, Result<Vec<Situation>, Violation>) {
    let mut cluster = Cluster::new(case.config.clone()).expect("valid config");
    let mut ops = Vec::with_capacity(case.acts.len());
    let mut result = Ok(());
    'acts: for (k, act) in case.acts.iter().enumerate() {
        // `Settle` is a run of oldest-first deliveries; every other act is one operation.
        let kind = case.kind(*act);
        let settle = kind == Kind::Settle;
        let repeat = if settle {
            cluster.network().len().max(1) * 4
        } else {
            1
        };
        for _ in 0..repeat {
            if settle && cluster.network().is_empty() {
                break;
            }
            let op = resolve(&cluster, kind, *act, 100 + k as u64);
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
    let result = result.map(|()| cluster.reached());
    (cluster, trace, result)
}
