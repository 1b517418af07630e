//! Fuzz inputs and their interpreter, shared by the cargo-fuzz targets in `fuzz/` and by the
//! corpus replay under `cargo test`: one decoding (`arbitrary_take_rest`, as libFuzzer does), one
//! run through the [`Cluster`] driver, judged by its invariant check after every operation.

use crate::driver::cluster::{Cluster, Op, Outcome};
use crate::driver::trace::Trace;
use crate::judge::invariants::{Situation, Violation};
use crate::protocol::config::Config;
use crate::protocol::types::{Command, NodeId};
use arbitrary::{Arbitrary, Unstructured};
use std::fmt;

/// The most operations one input runs (longer inputs are cut here).
pub const MAX_OPS: usize = 100;

/// Which fuzz target an input is for: it sets the operation mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Elections under faults; proposals rare, no snapshots.
    Election,
    /// The full operation set: proposals, conflicting logs, fast backup, snapshots.
    Replication,
}

/// The kind of a driver operation before it meets a cluster, for the fuzz targets' byte
/// decoding and the proptest generator alike (one table of kinds, each with its weights per
/// user: [`ELECTION_WEIGHTS`], [`REPLICATION_WEIGHTS`], [`PROPTEST_WEIGHTS`]); see [`FuzzOp`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Deliver,
    Drop,
    Duplicate,
    ElectionTimeout,
    HeartbeatTimeout,
    Propose,
    Crash,
    Restart,
    Partition,
    Heal,
    Snapshot,
    /// Deliver everything in flight, oldest first (its driver drives the repetition; one step
    /// resolves as the oldest delivery).
    Settle,
    /// A heartbeat or a proposal at the current leader (of the highest term; at the argument's
    /// server when there is none), so that they do something.
    HeartbeatAtLeader,
    ProposeAtLeader,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Election => "election",
            Target::Replication => "replication",
        }
    }

    /// Each kind's share of the 256 values of an operation's first byte.
    fn weights(self) -> &'static [(Kind, u16)] {
        match self {
            Target::Election => ELECTION_WEIGHTS,
            Target::Replication => REPLICATION_WEIGHTS,
        }
    }

    /// The kind a first byte picks, by the weights (the reference for `kinds`).
    #[cfg(test)]
    fn kind_of(self, tag: u8) -> Kind {
        let mut end = 0;
        for &(kind, weight) in self.weights() {
            end += weight;
            if u16::from(tag) < end {
                return kind;
            }
        }
        Kind::Deliver // unreachable: the weights sum to 256 (pinned by a test)
    }

    /// `kind_of` for every byte, as a table (decoding runs once per exec).
    fn kinds(self) -> &'static [Kind; 256] {
        const ELECTION: [Kind; 256] = kind_table(ELECTION_WEIGHTS);
        const REPLICATION: [Kind; 256] = kind_table(REPLICATION_WEIGHTS);
        match self {
            Target::Election => &ELECTION,
            Target::Replication => &REPLICATION,
        }
    }

    /// The first byte that decodes to `kind`, if this target has it.
    fn tag_of(self, kind: Kind) -> Option<u8> {
        let mut start = 0;
        for &(k, weight) in self.weights() {
            if k == kind {
                return u8::try_from(start).ok();
            }
            start += weight;
        }
        None
    }
}

pub const ELECTION_WEIGHTS: &[(Kind, u16)] = &[
    (Kind::Deliver, 96),
    (Kind::Drop, 16),
    (Kind::Duplicate, 16),
    (Kind::ElectionTimeout, 48),
    (Kind::HeartbeatTimeout, 16),
    (Kind::Crash, 16),
    (Kind::Restart, 16),
    (Kind::Partition, 12),
    (Kind::Heal, 12),
    (Kind::Propose, 8),
];

pub const REPLICATION_WEIGHTS: &[(Kind, u16)] = &[
    (Kind::Deliver, 88),
    (Kind::Drop, 12),
    (Kind::Duplicate, 12),
    (Kind::ElectionTimeout, 24),
    (Kind::HeartbeatTimeout, 24),
    (Kind::Propose, 40),
    (Kind::Crash, 12),
    (Kind::Restart, 12),
    (Kind::Partition, 10),
    (Kind::Heal, 10),
    (Kind::Snapshot, 12),
];

/// The proptest generator's mix over a kind drawn from 0..100 (`testkit`): deliveries dominate
/// so that elections finish and entries commit; faults are rarer.
pub const PROPTEST_WEIGHTS: &[(Kind, u16)] = &[
    (Kind::Deliver, 50),
    (Kind::Settle, 4),
    (Kind::Drop, 3),
    (Kind::Duplicate, 3),
    (Kind::ElectionTimeout, 5),
    (Kind::HeartbeatAtLeader, 5),
    (Kind::ProposeAtLeader, 6),
    (Kind::HeartbeatTimeout, 1),
    (Kind::Propose, 2),
    (Kind::Crash, 1),
    (Kind::Restart, 4),
    (Kind::Partition, 1),
    (Kind::Heal, 2),
    (Kind::Snapshot, 2),
    (Kind::Deliver, 11),
];

/// The kind the proptest generator's value `k` stands for, by [`PROPTEST_WEIGHTS`].
pub fn proptest_kind(k: u8) -> Kind {
    const TABLE: [Kind; 256] = kind_table(PROPTEST_WEIGHTS);
    TABLE[usize::from(k)]
}

/// `Target::kind_of` for each byte, at compile time (bytes past the weights: `Deliver`).
const fn kind_table(weights: &[(Kind, u16)]) -> [Kind; 256] {
    let mut table = [Kind::Deliver; 256];
    let (mut w, mut start) = (0, 0);
    while w < weights.len() {
        let (kind, weight) = weights[w];
        let end = start + weight as usize;
        while start < end {
            table[start] = kind;
            start += 1;
        }
        w += 1;
    }
    table
}

/// One operation before it meets a cluster: a kind and one raw byte, which [`FuzzOp::resolve`]
/// maps onto the cluster at hand (a message position modulo the network length, a server id
/// modulo the cluster size, a partition as a bit mask of ids).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FuzzOp {
    pub kind: Kind,
    /// One byte in a fuzz input; up to 16 bits from the proptest generator.
    pub arg: u16,
}

impl FuzzOp {
    pub fn new(kind: Kind, arg: u8) -> FuzzOp {
        FuzzOp {
            kind,
            arg: u16::from(arg),
        }
    }

    /// The driver operation this is on `cluster`, or `None` if it has nothing to act on (a
    /// message operation on an empty network). `command` is the next proposal's command.
    pub fn resolve(self, cluster: &Cluster, command: Command) -> Option<Op> {
        let n = cluster.config().cluster_size;
        let node = (self.arg % u16::from(n)) as NodeId;
        let len = cluster.network().len();
        let msg = usize::from(self.arg) % len.max(1);
        let in_flight = len > 0;
        let leader = || {
            (0..n)
                .filter_map(|id| cluster.node(id).filter(|s| s.is_leader()))
                .max_by_key(|s| s.current_term())
                .map_or(node, |s| s.id())
        };
        Some(match self.kind {
            Kind::Settle if in_flight => Op::Deliver { msg: 0 },
            Kind::Deliver if in_flight => Op::Deliver { msg },
            Kind::Drop if in_flight => Op::Drop { msg },
            Kind::Duplicate if in_flight => Op::Duplicate { msg },
            Kind::Deliver | Kind::Drop | Kind::Duplicate | Kind::Settle => return None,
            Kind::HeartbeatAtLeader => Op::HeartbeatTimeout { node: leader() },
            Kind::ProposeAtLeader => Op::Propose {
                node: leader(),
                command,
            },
            Kind::ElectionTimeout => Op::ElectionTimeout { node },
            Kind::HeartbeatTimeout => Op::HeartbeatTimeout { node },
            Kind::Propose => Op::Propose { node, command },
            Kind::Crash => Op::Crash { node },
            Kind::Restart => Op::Restart { node },
            Kind::Partition => Op::Partition {
                group: (0..n).filter(|id| self.arg >> id & 1 == 1).collect(),
            },
            Kind::Heal => Op::Heal,
            Kind::Snapshot => Op::Snapshot { node },
        })
    }
}

/// A decoded fuzz input: a cluster of 3 to 5 servers and up to [`MAX_OPS`] operations.
///
/// Bytes: the first picks the size (`3 + b % 3`); then each operation is a byte picking its
/// kind (by the target's weights) followed, except for `Heal`, by its argument byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    pub target: Target,
    pub cluster_size: u8,
    pub ops: Vec<FuzzOp>,
}

/// A run that held: the final cluster and the driver operations that took effect.
#[derive(Clone, Debug)]
pub struct Run {
    pub cluster: Cluster,
    pub ops: Vec<Op>,
}

/// Why an input failed: the first violated property and the trace that reproduces it.
#[derive(Clone, Debug)]
pub struct Finding {
    pub violation: Violation,
    pub trace: Trace,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.violation.property, self.violation)
    }
}

impl Scenario {
    /// Decode bytes exactly as libFuzzer hands them to the target of `target`.
    pub fn from_bytes(target: Target, bytes: &[u8]) -> arbitrary::Result<Scenario> {
        let u = Unstructured::new(bytes);
        match target {
            Target::Election => ElectionInput::arbitrary_take_rest(u).map(|i| i.0),
            Target::Replication => ReplicationInput::arbitrary_take_rest(u).map(|i| i.0),
        }
    }

    /// Reads the bytes as a sequence of `u8::arbitrary` calls would (each takes the next byte,
    /// or 0 once the data is exhausted), on the slice directly: this runs once per exec.
    fn decode(target: Target, u: &mut Unstructured) -> arbitrary::Result<Scenario> {
        let data = u.peek_bytes(u.len()).unwrap_or_default();
        let byte = |at: usize| data.get(at).copied().unwrap_or(0);
        let kinds = target.kinds();
        let cluster_size = 3 + byte(0) % 3;
        let mut at = 1;
        let mut ops = Vec::with_capacity(MAX_OPS.min(data.len()));
        while ops.len() < MAX_OPS && at < data.len() {
            let kind = kinds[usize::from(data[at])];
            let arg = if kind == Kind::Heal { 0 } else { byte(at + 1) };
            at += if kind == Kind::Heal { 1 } else { 2 };
            ops.push(FuzzOp::new(kind, arg));
        }
        u.bytes(at.min(data.len()))?;
        Ok(Scenario {
            target,
            cluster_size,
            ops,
        })
    }

    /// The bytes that decode to this scenario (for seeds); `None` if it has more than
    /// [`MAX_OPS`] operations, a size outside 3..=5 or a kind its target lacks.
    pub fn to_bytes(&self) -> Option<Vec<u8>> {
        if !(3..=5).contains(&self.cluster_size) || self.ops.len() > MAX_OPS {
            return None;
        }
        let mut bytes = vec![self.cluster_size - 3];
        for op in &self.ops {
            bytes.push(self.target.tag_of(op.kind)?);
            if op.kind != Kind::Heal {
                bytes.push(u8::try_from(op.arg).ok()?);
            }
        }
        Some(bytes)
    }

    /// Run every operation through the cluster driver on `base` with this scenario's size,
    /// checking every invariant after each one (`Cluster::apply_fast`: the verdict of
    /// `Cluster::apply`, faster). Proposals carry commands 1, 2, 3, ... Returns the final
    /// cluster and the operations that took effect, or the first violation with the trace of
    /// those operations (origin `fuzz/<target>`, `expect` = the violated property).
    pub fn run(&self, base: &Config) -> Result<Run, Box<Finding>> {
        let mut ops = Vec::with_capacity(self.ops.len());
        let mut cluster = None;
        match self.drive(base, &mut cluster, Some(&mut ops), Cluster::apply_fast) {
            Ok(()) => Ok(Run {
                cluster: cluster.expect("drive leaves the final cluster"),
                ops,
            }),
            Err((config, violation)) => {
                let mut trace = Trace::new(format!("fuzz/{}", self.target.name()), config, ops);
                trace.expect = Some(violation.property);
                Err(Box::new(Finding { violation, trace }))
            }
        }
    }

    /// [`Scenario::run`] as the fuzz targets need it, once per exec: the same verdict and final
    /// cluster, without recording the operations. On a violation the input runs again through
    /// `run` for its trace (the driver is deterministic).
    pub fn check(&self, base: &Config) -> Result<Cluster, Box<Finding>> {
        let mut cluster = None;
        self.check_in(base, &mut cluster)?;
        Ok(cluster.expect("check_in leaves the final cluster"))
    }

    /// [`Scenario::check`] in a cluster kept from a previous input (`Cluster::reset`: its
    /// buffers are reused), or a new one if `cluster` is `None`; leaves the final cluster there.
    pub fn check_in<'c>(
        &self,
        base: &Config,
        cluster: &'c mut Option<Cluster>,
    ) -> Result<&'c Cluster, Box<Finding>> {
        match self.drive(base, cluster, None, Cluster::apply_fast) {
            Ok(()) => Ok(cluster.as_ref().expect("drive leaves the final cluster")),
            Err(_) => match self.run(base) {
                Err(finding) => Err(finding),
                Ok(_) => panic!("the cluster driver gave two verdicts on one input"),
            },
        }
    }

    /// The operations alone, as [`Scenario::check_in`] resolves them, with no invariant checked
    /// (`Cluster::apply_unchecked`): what stepping costs before any check (benchmarks).
    pub fn step_in(&self, base: &Config, cluster: &mut Option<Cluster>) {
        let unchecked = |c: &mut Cluster, op: &Op| Ok(c.apply_unchecked(op));
        let _ = self.drive(base, cluster, None, unchecked);
    }

    /// Run the operations in `slot` (reset, or new) through `apply`; `record` receives those
    /// that took effect (the violating one too).
    fn drive(
        &self,
        base: &Config,
        slot: &mut Option<Cluster>,
        mut record: Option<&mut Vec<Op>>,
        mut apply: impl FnMut(&mut Cluster, &Op) -> Result<Outcome, Violation>,
    ) -> Result<(), (Config, Violation)> {
        let config = Config {
            cluster_size: self.cluster_size,
            ..base.clone()
        };
        let built = match slot {
            Some(cluster) => cluster.reset(config.clone()),
            None => Cluster::new(config.clone()).map(|c| *slot = Some(c)),
        };
        let (Ok(()), Some(cluster)) = (built.as_ref(), slot.as_mut()) else {
            panic!("the fuzz harness built an invalid config: {built:?}");
        };
        let mut command = 1;
        for fuzz_op in &self.ops {
            let Some(op) = fuzz_op.resolve(cluster, command) else {
                continue;
            };
            let verdict = apply(cluster, &op);
            if verdict == Ok(Outcome::Skipped) {
                continue;
            }
            if matches!(op, Op::Propose { .. }) {
                command += 1;
            }
            if let Some(ops) = record.as_deref_mut() {
                ops.push(op);
            }
            if let Err(violation) = verdict {
                return Err((config, violation));
            }
        }
        Ok(())
    }
}

/// The `election` target's input (libFuzzer decodes it with `arbitrary_take_rest`).
#[derive(Clone, Debug)]
pub struct ElectionInput(pub Scenario);

/// The `replication` target's input.
#[derive(Clone, Debug)]
pub struct ReplicationInput(pub Scenario);

impl<'a> Arbitrary<'a> for ElectionInput {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Scenario::decode(Target::Election, u).map(ElectionInput)
    }
}

impl<'a> Arbitrary<'a> for ReplicationInput {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Scenario::decode(Target::Replication, u).map(ReplicationInput)
    }
}

/// The `trace_decode` property on arbitrary bytes: the trace reader returns a value or a clean
/// error (a panic escapes to the caller); a decoded trace re-encodes to the same value; and a
/// decoded trace of at most [`MAX_OPS`] operations on the correct protocol replays without a
/// violation (any op sequence is a legal history). `Err` says which part failed.
pub fn check_trace_bytes(bytes: &[u8]) -> Result<(), String> {
    let Ok(trace) = Trace::from_json(&String::from_utf8_lossy(bytes)) else {
        return Ok(());
    };
    match Trace::from_json(&trace.to_json()) {
        Ok(again) if again == trace => {}
        Ok(again) => {
            return Err(format!(
                "re-encoding changed the trace: {trace:?} became {again:?}"
            ))
        }
        Err(e) => return Err(format!("a decoded trace does not re-read: {e}")),
    }
    #[cfg(feature = "mutants")]
    if trace.config.mutant.is_some() {
        return Ok(());
    }
    if trace.ops.len() <= MAX_OPS {
        match trace.replay() {
            Ok(replay) => {
                if let Some((k, v)) = replay.violation {
                    return Err(format!(
                        "{}: replay violated it at step {}: {v}",
                        v.property,
                        k + 1
                    ));
                }
            }
            Err(e) => return Err(format!("a decoded trace does not replay: {e}")),
        }
    }
    Ok(())
}

/// How many inputs reached each interesting situation: the fuzzers' coverage, in Raft terms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reach {
    pub inputs: u64,
    pub counts: [u64; Situation::ALL.len()],
}

impl Reach {
    pub fn record(&mut self, cluster: &Cluster) {
        self.inputs += 1;
        for s in cluster.reached() {
            if let Some(k) = Situation::ALL.iter().position(|&a| a == s) {
                self.counts[k] += 1;
            }
        }
    }

    pub fn count(&self, situation: Situation) -> u64 {
        Situation::ALL
            .iter()
            .position(|&a| a == situation)
            .map_or(0, |k| self.counts[k])
    }
}

impl fmt::Display for Reach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "situations reached, out of {} inputs:", self.inputs)?;
        for (s, count) in Situation::ALL.iter().zip(self.counts) {
            writeln!(f, "  {count:>10}  {}", s.name())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_cover_every_byte() {
        for target in [Target::Election, Target::Replication] {
            let total: u16 = target.weights().iter().map(|w| w.1).sum();
            assert_eq!(total, 256, "{target:?}");
        }
        assert_eq!(Target::Election.tag_of(Kind::Snapshot), None);
    }

    /// The proptest mix is the generator's old one, value for value (kinds 0..100; shrinking
    /// goes towards 0, a delivery of the oldest message).
    #[test]
    fn the_proptest_mix_is_a_hundred_values() {
        let total: u16 = PROPTEST_WEIGHTS.iter().map(|w| w.1).sum();
        assert_eq!(total, 100);
        let at = |k| proptest_kind(k);
        let expected = [
            (0, Kind::Deliver),
            (49, Kind::Deliver),
            (50, Kind::Settle),
            (54, Kind::Drop),
            (57, Kind::Duplicate),
            (60, Kind::ElectionTimeout),
            (65, Kind::HeartbeatAtLeader),
            (70, Kind::ProposeAtLeader),
            (76, Kind::HeartbeatTimeout),
            (77, Kind::Propose),
            (79, Kind::Crash),
            (80, Kind::Restart),
            (84, Kind::Partition),
            (85, Kind::Heal),
            (87, Kind::Snapshot),
            (88, Kind::Snapshot),
            (89, Kind::Deliver),
            (99, Kind::Deliver),
        ];
        for (k, kind) in expected {
            assert_eq!(at(k), kind, "value {k}");
        }
    }

    #[test]
    fn the_kind_table_is_the_weights() {
        for target in [Target::Election, Target::Replication] {
            for b in 0..=255 {
                assert_eq!(target.kinds()[usize::from(b)], target.kind_of(b), "{b}");
            }
        }
    }

    #[test]
    fn bytes_round_trip() {
        let scenario = Scenario {
            target: Target::Replication,
            cluster_size: 5,
            ops: vec![
                FuzzOp::new(Kind::ElectionTimeout, 2),
                FuzzOp::new(Kind::Heal, 0),
                FuzzOp::new(Kind::Snapshot, 7),
                FuzzOp::new(Kind::Deliver, 200),
            ],
        };
        let bytes = scenario.to_bytes().expect("encodable");
        assert_eq!(
            Scenario::from_bytes(Target::Replication, &bytes).ok(),
            Some(scenario)
        );
    }

    /// The decoding as first written, one `u8::arbitrary` call per byte: the reference.
    fn decode_by_calls(target: Target, u: &mut Unstructured) -> arbitrary::Result<Scenario> {
        let cluster_size = 3 + u8::arbitrary(u)? % 3;
        let mut ops = Vec::new();
        while ops.len() < MAX_OPS && !u.is_empty() {
            let kind = target.kind_of(u8::arbitrary(u)?);
            let arg = if kind == Kind::Heal {
                0
            } else {
                u8::arbitrary(u)?
            };
            ops.push(FuzzOp::new(kind, arg));
        }
        Ok(Scenario {
            target,
            cluster_size,
            ops,
        })
    }

    proptest::proptest! {
        /// The slice decoder reads and consumes exactly what the per-byte calls do, so every
        /// corpus file keeps its meaning.
        #[test]
        fn decoding_matches_per_byte_calls(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..260),
            heal_heavy in proptest::prelude::any::<bool>(),
        ) {
            let mut bytes = bytes;
            if heal_heavy {
                // Many single-byte Heal operations, so odd lengths and cut inputs occur.
                let heal = Target::Replication.tag_of(Kind::Heal).unwrap_or(0);
                bytes.iter_mut().step_by(3).for_each(|b| *b = heal);
            }
            for target in [Target::Election, Target::Replication] {
                let (mut a, mut b) = (Unstructured::new(&bytes), Unstructured::new(&bytes));
                let fast = Scenario::decode(target, &mut a).ok();
                let reference = decode_by_calls(target, &mut b).ok();
                proptest::prop_assert_eq!(&fast, &reference);
                proptest::prop_assert_eq!(a.len(), b.len(), "bytes left over");
            }
        }
    }

    /// `check_in` on a cluster reused from input to input (the targets' path) gives `run`'s
    /// verdict and final cluster; with a mutant planted, findings occur and must agree too.
    fn check_in_agrees_with_run(
        inputs: &[Vec<u8>],
        mutant: Option<usize>,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        #[allow(unused_mut)]
        let mut base = Config::new(3);
        #[cfg(feature = "mutants")]
        {
            base.mutant = mutant.map(|m| crate::protocol::mutants::Mutant::ALL[m]);
        }
        let _ = mutant;
        let mut kept = None;
        for bytes in inputs {
            for target in [Target::Election, Target::Replication] {
                let scenario = Scenario::from_bytes(target, bytes).expect("decodes");
                let reference = scenario.run(&base);
                match (scenario.check_in(&base, &mut kept), reference) {
                    (Ok(cluster), Ok(run)) => proptest::prop_assert_eq!(cluster, &run.cluster),
                    (Err(a), Err(b)) => {
                        proptest::prop_assert_eq!(&a.violation, &b.violation);
                        proptest::prop_assert_eq!(&a.trace, &b.trace);
                    }
                    (a, b) => proptest::prop_assert!(false, "{:?} vs {:?}", a.is_ok(), b.is_ok()),
                }
            }
        }
        Ok(())
    }

    fn inputs() -> impl proptest::strategy::Strategy<Value = Vec<Vec<u8>>> {
        let input = proptest::collection::vec(proptest::prelude::any::<u8>(), 0..201);
        proptest::collection::vec(input, 1..6)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        #[test]
        fn checking_in_a_reused_cluster_is_running(inputs in inputs()) {
            check_in_agrees_with_run(&inputs, None)?;
        }
    }

    #[cfg(feature = "mutants")]
    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        #[test]
        fn checking_in_a_reused_cluster_is_running_under_mutants(
            inputs in inputs(),
            m in 0..crate::protocol::mutants::Mutant::ALL.len(),
        ) {
            proptest::prop_assume!(!crate::protocol::mutants::Mutant::ALL[m].panics());
            check_in_agrees_with_run(&inputs, Some(m))?;
        }
    }

    #[test]
    fn long_inputs_are_cut_and_empty_ones_run() {
        let bytes = vec![1u8; 10 * MAX_OPS];
        let s = Scenario::from_bytes(Target::Election, &bytes).expect("decodes");
        assert_eq!((s.cluster_size, s.ops.len()), (4, MAX_OPS));
        let empty = Scenario::from_bytes(Target::Election, &[]).expect("decodes");
        assert!(empty.ops.is_empty());
        assert!(empty.run(&Config::new(3)).is_ok());
    }

    #[test]
    fn message_ops_on_an_empty_network_do_nothing() {
        let cluster = Cluster::new(Config::new(3)).expect("valid");
        assert_eq!(FuzzOp::new(Kind::Deliver, 9).resolve(&cluster, 1), None);
        assert_eq!(
            FuzzOp::new(Kind::Partition, 0b1010).resolve(&cluster, 1),
            Some(Op::Partition { group: vec![1] })
        );
    }

    #[test]
    fn an_election_is_reached() {
        let ops = [FuzzOp::new(Kind::ElectionTimeout, 0)]
            .into_iter()
            .chain([FuzzOp::new(Kind::Deliver, 0); 4])
            .collect();
        let s = Scenario {
            target: Target::Election,
            cluster_size: 3,
            ops,
        };
        let run = s.run(&Config::new(3)).expect("no violation");
        assert_eq!(run.ops.len(), 5, "a timeout and four deliveries");
        let mut reach = Reach::default();
        reach.record(&run.cluster);
        assert_eq!(reach.count(Situation::LeaderElected), 1);
        assert_eq!(reach.count(Situation::EntryCommitted), 0);
    }

    #[test]
    fn trace_bytes_that_are_not_a_trace_are_a_clean_no() {
        assert_eq!(check_trace_bytes(b"\xff{not json"), Ok(()));
        let trace = Trace::new(
            "test",
            Config::new(3),
            vec![Op::ElectionTimeout { node: 1 }],
        );
        assert_eq!(check_trace_bytes(trace.to_json().as_bytes()), Ok(()));
    }

    #[cfg(feature = "mutants")]
    #[test]
    fn a_mutant_violation_comes_with_a_replayable_trace() {
        use crate::judge::invariants::Property;
        use crate::protocol::mutants::Mutant;
        // s0 and s1 both time out in term 1; s2 votes for each (the mutant forgets its vote).
        let mut ops = vec![
            FuzzOp::new(Kind::ElectionTimeout, 0),
            FuzzOp::new(Kind::ElectionTimeout, 1),
        ];
        ops.extend([FuzzOp::new(Kind::Deliver, 0); 12]);
        let s = Scenario {
            target: Target::Election,
            cluster_size: 3,
            ops,
        };
        let mut base = Config::new(3);
        base.mutant = Some(Mutant::VoteIgnoresVotedFor);
        let finding = s.run(&base).expect_err("the mutant double-votes");
        assert_eq!(finding.trace.origin, "fuzz/election");
        assert_eq!(finding.trace.expect, Some(finding.violation.property));
        let text = finding.trace.to_json();
        let replay = Trace::from_json(&text)
            .expect("reads")
            .replay()
            .expect("replays");
        let (_, v) = replay.violation.expect("the replay violates too");
        assert_eq!(v, finding.violation);
        assert!(matches!(
            v.property,
            Property::OneVotePerTerm | Property::ElectionSafety
        ));
        assert!(s.run(&Config::new(3)).is_ok(), "the correct protocol holds");
    }
}
