//! The simulated world: a virtual millisecond clock and an event queue driving core servers
//! through `raft_core::Cluster`, with the lab's network (section 3 of the suite reference),
//! per-node connectivity, crash/restart, timers and the tester's appliers. Every operation
//! applied to the cluster is recorded, so a run can be written out as a `raft_core::Trace`.

use super::rng::Rng;
use raft_core::service::decode_service;
use raft_core::{
    Apply, Cluster, Command, Config, Envelope, Index, Message, NodeId, Op, Output, Term, Timer,
    Violation,
};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt;

/// Timing of the servers. Heartbeats every 100 ms keep TestCount3B's idle budget (at most 60
/// delivered RPCs per second over 3 servers); elections time out after 300-600 ms, so a leader
/// appears well within the lab's ~5 s and heartbeats (3 per timeout) keep it in place.
pub const HEARTBEAT_MS: u64 = 100;
pub const ELECTION_MS: (u64, u64) = (300, 600);
/// The lab's per-test limit (120 s of real time there, of virtual time here).
pub const SCENARIO_LIMIT_MS: u64 = 120_000;
/// The lab's `SnapShotInterval`: the snapshot applier snapshots after applying k with
/// (k + 1) % 10 == 0.
pub const SNAPSHOT_INTERVAL: Index = 10;

/// Why a run failed: a core invariant, or a harness check (as the lab's tester would fail).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    Invariant(Violation),
    Harness(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Invariant(v) => write!(f, "invariant: {v}"),
            Failure::Harness(m) => write!(f, "harness: {m}"),
        }
    }
}

pub type SimResult<T> = Result<T, Failure>;

/// A message in flight, with the incarnations of both ends when its RPC started: a request
/// reaches only the incarnation it was sent to, a reply only the incarnation that asked.
#[derive(Clone, Debug)]
pub(super) struct InFlight {
    env: Envelope,
    /// Incarnation of the RPC's caller (the requester) and of its callee.
    caller_inc: u32,
    callee_inc: u32,
}

#[derive(Clone, Debug)]
pub(super) enum Ev {
    Message(InFlight),
    Election {
        node: NodeId,
        gen: u64,
    },
    Heartbeat {
        node: NodeId,
        gen: u64,
    },
    /// A harness task (concurrent client) wakes up.
    Wake {
        task: usize,
    },
}

struct Scheduled {
    key: (u64, u64, u64),
    ev: Ev,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

pub struct Sim {
    pub rng: Rng,
    /// Virtual time in milliseconds since the cluster was built.
    pub now: u64,
    pub(super) cluster: Cluster,
    queue: BinaryHeap<Reverse<Scheduled>>,
    seq: u64,
    ops: Vec<Op>,
    connected: Vec<bool>,
    incarnation: Vec<u32>,
    election_gen: Vec<u64>,
    heartbeat_gen: Vec<u64>,
    /// Unreliable network: request delay 0-26 ms, 10% request loss, 10% reply loss.
    pub unreliable: bool,
    /// Long reordering: 2/3 of replies held back 200 + U[0, U[0, 1999]] ms.
    pub long_reordering: bool,
    /// The tester's record of what each server applied, by index - 1 (kept across restarts).
    applied: Vec<Vec<Option<Command>>>,
    /// The lab's snapshot applier (3D): strict in-order apply from `last_applied`, and a
    /// snapshot of the server after each index k with (k + 1) % `SNAPSHOT_INTERVAL` == 0.
    pub snapshot_applier: bool,
    /// The snapshot applier's last applied index per server (reset by a restart).
    last_applied: Vec<Index>,
    /// RPCs started (all calls) and delivered to each server's handler.
    pub rpc_total: u64,
    pub rpc_in: Vec<u64>,
    /// Request bytes at send plus reply bytes at delivery, in our encoding (see `wire_size`).
    pub bytes: u64,
    /// Payload sizes of commands that stand for large values (TestRPCBytes3B).
    payload: HashMap<Command, u64>,
    pub(super) failure: Option<Failure>,
    pub(super) tasks: Vec<super::harness::Task>,
    /// Operations applied to the cluster (the run's trace).
    pub events: u64,
}

impl Sim {
    /// A cluster of `n` servers, all started and connected, on a reliable network.
    pub fn new(n: u8, seed: u64) -> Sim {
        let cluster = Cluster::new(Config::new(n)).expect("2..=7 servers is a valid config");
        let count = n as usize;
        let mut sim = Sim {
            rng: Rng::new(seed),
            now: 0,
            cluster,
            queue: BinaryHeap::new(),
            seq: 0,
            ops: Vec::new(),
            connected: vec![true; count],
            incarnation: vec![0; count],
            election_gen: vec![0; count],
            heartbeat_gen: vec![0; count],
            unreliable: false,
            long_reordering: false,
            applied: vec![Vec::new(); count],
            snapshot_applier: false,
            last_applied: vec![0; count],
            rpc_total: 0,
            rpc_in: vec![0; count],
            bytes: 0,
            payload: HashMap::new(),
            failure: None,
            tasks: Vec::new(),
            events: 0,
        };
        for id in 0..n {
            sim.arm_election(id);
        }
        sim
    }

    pub fn n(&self) -> u8 {
        self.cluster.config().cluster_size
    }
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }
    pub fn config(&self) -> &Config {
        self.cluster.config()
    }
    pub fn is_up(&self, id: NodeId) -> bool {
        self.cluster.is_up(id)
    }
    pub fn is_connected(&self, id: NodeId) -> bool {
        self.connected[id as usize]
    }
    /// `(current term, believes it is leader)`, like the lab's `GetState()`; crashed: `(0, false)`.
    pub fn state(&self, id: NodeId) -> (Term, bool) {
        self.cluster.node(id).map_or((0, false), |n| n.state())
    }
    /// The tester's record of server `id`'s applied command at `index`.
    pub fn applied_at(&self, id: NodeId, index: Index) -> Option<Command> {
        let k = index.checked_sub(1)? as usize;
        self.applied[id as usize].get(k).copied().flatten()
    }
    /// This command stands for a value of `bytes` bytes held by the simulated service.
    pub fn set_payload(&mut self, command: Command, bytes: u64) {
        self.payload.insert(command, bytes);
    }

    pub(super) fn fail(&mut self, failure: Failure) {
        if self.failure.is_none() {
            self.failure = Some(failure);
        }
    }

    pub(super) fn check(&self) -> SimResult<()> {
        match &self.failure {
            Some(f) => Err(f.clone()),
            None => Ok(()),
        }
    }

    // ---- Faults (instantaneous, like the lab's) ---------------------------------------------

    pub fn connect(&mut self, id: NodeId) {
        self.connected[id as usize] = true;
    }
    pub fn disconnect(&mut self, id: NodeId) {
        self.connected[id as usize] = false;
    }

    /// The lab's `crash1`: disconnect, stop; only what was persisted survives.
    pub fn crash(&mut self, id: NodeId) {
        let i = id as usize;
        self.connected[i] = false;
        if !self.cluster.is_up(id) {
            return;
        }
        self.incarnation[i] += 1;
        self.election_gen[i] += 1;
        self.heartbeat_gen[i] += 1;
        self.apply(Op::Crash { node: id });
    }

    /// The lab's `start1`: crash if up, then rebuild from persisted state, disconnected. The
    /// tester keeps its record of what the server applied, replaced by a persisted snapshot.
    pub fn restart(&mut self, id: NodeId) {
        self.crash(id);
        let i = id as usize;
        self.incarnation[i] += 1;
        self.apply(Op::Restart { node: id });
        self.last_applied[i] = 0;
        if let Some(p) = self.cluster.durable(id) {
            if !p.snapshot.is_empty() {
                let index = p.log.snapshot_index();
                let data = p.snapshot.clone();
                self.ingest_snapshot(id, index, &data);
            }
        }
        self.arm_election(id);
    }

    // ---- Harness actions on servers -------------------------------------------------------

    /// The lab's `Start(cmd)` on a live server: `(index, term, is_leader)` at once.
    pub fn start(&mut self, id: NodeId, command: Command) -> Option<(Index, Term, bool)> {
        if !self.cluster.is_up(id) {
            return None;
        }
        let out = self.apply(Op::Propose { node: id, command })?;
        let term = self.state(id).0;
        let result = match out.proposal {
            Some(raft_core::ProposeResult::Accepted { index, term }) => (index, term, true),
            _ => (0, term, false),
        };
        self.honour(id, out, None);
        Some(result)
    }

    // ---- The event loop -------------------------------------------------------------------

    pub(super) fn schedule(&mut self, at: u64, ev: Ev) {
        self.seq += 1;
        let tie = self.rng.next_u64();
        self.queue.push(Reverse(Scheduled {
            key: (at, tie, self.seq),
            ev,
        }));
    }

    /// Run every event due up to `until` (inclusive), then set the clock there. Stops early at
    /// the first failure.
    pub fn run_until(&mut self, until: u64) -> SimResult<()> {
        while let Some(Reverse(next)) = self.queue.peek() {
            if next.key.0 > until || self.failure.is_some() {
                break;
            }
            let Some(Reverse(Scheduled { key, ev })) = self.queue.pop() else {
                break;
            };
            self.now = key.0;
            self.dispatch(ev);
        }
        self.check()?;
        self.now = self.now.max(until);
        if self.now > SCENARIO_LIMIT_MS {
            self.fail(Failure::Harness(format!(
                "test took longer than {} s of virtual time",
                SCENARIO_LIMIT_MS / 1000
            )));
        }
        self.check()
    }

    /// Advance the clock by `ms`, running everything due meanwhile.
    pub fn sleep(&mut self, ms: u64) -> SimResult<()> {
        self.run_until(self.now + ms)
    }

    /// Run events one at a time until `done` holds (checked after each event).
    pub(super) fn run_while(&mut self, mut busy: impl FnMut(&Sim) -> bool) -> SimResult<()> {
        while busy(self) {
            self.check()?;
            let Some(Reverse(Scheduled { key, ev })) = self.queue.pop() else {
                return Err(Failure::Harness("simulation ran out of events".into()));
            };
            self.now = key.0;
            if self.now > SCENARIO_LIMIT_MS {
                self.fail(Failure::Harness(format!(
                    "test took longer than {} s of virtual time",
                    SCENARIO_LIMIT_MS / 1000
                )));
            }
            self.dispatch(ev);
        }
        self.check()
    }

    fn dispatch(&mut self, ev: Ev) {
        match ev {
            Ev::Message(m) => self.on_message(m),
            Ev::Election { node, gen } => {
                if gen != self.election_gen[node as usize] || !self.cluster.is_up(node) {
                    return;
                }
                // The timer always runs; a leader ignores it (so it is not applied).
                self.arm_election(node);
                if !self.state(node).1 {
                    if let Some(out) = self.apply(Op::ElectionTimeout { node }) {
                        self.honour(node, out, None);
                    }
                }
            }
            Ev::Heartbeat { node, gen } => {
                if gen != self.heartbeat_gen[node as usize] || !self.cluster.is_up(node) {
                    return;
                }
                self.schedule(self.now + HEARTBEAT_MS, Ev::Heartbeat { node, gen });
                if let Some(out) = self.apply(Op::HeartbeatTimeout { node }) {
                    self.honour(node, out, None);
                }
            }
            Ev::Wake { task } => self.wake(task),
        }
    }

    /// Apply and record one operation, checking every invariant (incrementally: the run stops at
    /// the first violation, which is `apply_incremental`'s precondition); `None` on a violation.
    fn apply(&mut self, op: Op) -> Option<Output> {
        if self.failure.is_some() {
            return None; // the run is over: the trace ends at the failure
        }
        self.events += 1;
        let result = self.cluster.apply_incremental(&op);
        self.ops.push(op);
        match result {
            Ok((_, out)) => Some(out),
            Err(v) => {
                self.fail(Failure::Invariant(v));
                None
            }
        }
    }

    fn arm_election(&mut self, id: NodeId) {
        let i = id as usize;
        self.election_gen[i] += 1;
        let gen = self.election_gen[i];
        let timeout = self.rng.range(ELECTION_MS.0, ELECTION_MS.1);
        self.schedule(self.now + timeout, Ev::Election { node: id, gen });
    }

    /// Honour a server's output: the applier sees its applies, requests and replies enter the
    /// network, timers are set. `answering` is the RPC a delivered request belongs to.
    fn honour(&mut self, id: NodeId, out: Output, answering: Option<&InFlight>) {
        let mut snapshot_at = Vec::new();
        for apply in &out.apply {
            snapshot_at.extend(self.on_apply(id, apply));
        }
        // The applier snapshots synchronously after applying k; the step may have applied
        // past k, so the snapshot names its index (the service state is cut there).
        for index in snapshot_at {
            self.apply(Op::SnapshotAt { node: id, index });
        }
        for (to, msg) in out.messages {
            let env = Envelope { from: id, to, msg };
            if env.msg.is_request() {
                self.send_request(env);
            } else if let Some(rpc) = answering.filter(|r| r.env.from == to) {
                self.send_reply(env, rpc.caller_inc, rpc.callee_inc);
            } else {
                // A reply outside an RPC (the core answered no request of `to` in this step):
                // the lab's RPC layer has nowhere to deliver it. A correct core never does
                // this, so the run fails rather than losing the message quietly.
                self.drop_now(&env);
                self.fail(Failure::Harness(format!(
                    "s{id} sent a reply with no matching call: {:?} to s{to}",
                    env.msg
                )));
            }
        }
        for timer in out.timers {
            let i = id as usize;
            match timer {
                Timer::ResetElection => self.arm_election(id),
                Timer::StartHeartbeat => {
                    self.heartbeat_gen[i] += 1;
                    let gen = self.heartbeat_gen[i];
                    self.schedule(self.now + HEARTBEAT_MS, Ev::Heartbeat { node: id, gen });
                }
                Timer::StopHeartbeat => {
                    self.heartbeat_gen[i] += 1;
                    self.arm_election(id);
                }
            }
        }
    }

    fn drop_now(&mut self, env: &Envelope) {
        match self.cluster.find(env) {
            Some(msg) => {
                self.apply(Op::Drop { msg });
            }
            None => self.fail(Failure::Harness(format!("internal: {env:?} not in flight"))),
        }
    }

    /// A call: counted and its argument bytes added at once; it reaches the callee's handler
    /// iff both ends are connected and the callee is up now (then, unreliable: after 0-26 ms,
    /// unless lost with probability 0.1). A failed call is silence for the core.
    fn send_request(&mut self, env: Envelope) {
        self.rpc_total += 1;
        self.bytes += self.wire_size(&env.msg);
        let (a, b) = (env.from as usize, env.to as usize);
        let reachable = self.connected[a] && self.connected[b] && self.cluster.is_up(env.to);
        if !reachable || (self.unreliable && self.rng.chance(1, 10)) {
            self.drop_now(&env);
            return;
        }
        let delay = if self.unreliable {
            self.rng.range(0, 26)
        } else {
            0
        };
        let rpc = InFlight {
            env,
            caller_inc: self.incarnation[a],
            callee_inc: self.incarnation[b],
        };
        self.schedule(self.now + delay, Ev::Message(rpc));
    }

    /// A reply leaves the handler: it reaches the caller iff its end is still enabled (both
    /// connected, same incarnations); unreliable: lost with probability 0.1; long reordering:
    /// 2/3 held back 200 + U[0, U[0, 1999]] ms.
    fn send_reply(&mut self, env: Envelope, caller_inc: u32, callee_inc: u32) {
        let (caller, callee) = (env.to as usize, env.from as usize);
        let enabled = self.connected[caller]
            && self.connected[callee]
            && self.cluster.is_up(env.to)
            && self.incarnation[caller] == caller_inc
            && self.incarnation[callee] == callee_inc;
        if !enabled || (self.unreliable && self.rng.chance(1, 10)) {
            self.drop_now(&env);
            return;
        }
        let delay = if self.long_reordering && self.rng.chance(600, 900) {
            let upper = self.rng.range(0, 1999);
            200 + self.rng.range(0, upper)
        } else {
            0
        };
        let reply = InFlight {
            env,
            caller_inc,
            callee_inc,
        };
        self.schedule(self.now + delay, Ev::Message(reply));
    }

    fn on_message(&mut self, m: InFlight) {
        let to = m.env.to;
        let (expected_inc, request) = if m.env.msg.is_request() {
            (m.callee_inc, true)
        } else {
            (m.caller_inc, false)
        };
        let Some(pos) = self.cluster.find(&m.env) else {
            self.fail(Failure::Harness(format!(
                "internal: {:?} not in flight",
                m.env
            )));
            return;
        };
        if !self.cluster.is_up(to) || self.incarnation[to as usize] != expected_inc {
            self.apply(Op::Drop { msg: pos });
            return;
        }
        if request {
            self.rpc_in[to as usize] += 1;
        } else {
            self.bytes += self.wire_size(&m.env.msg);
        }
        if let Some(out) = self.apply(Op::Deliver { msg: pos }) {
            self.honour(to, out, request.then_some(&m));
        }
    }

    /// Bytes of a message in our encoding: a one-byte tag, 8 bytes per number, per entry 8
    /// (term) + 1 (tag) + 8 (command), snapshot data as is. A command registered with
    /// `set_payload` stands for a value held by the simulated service: each time its entry
    /// crosses the network its payload bytes count too, so TestRPCBytes3B's budget keeps its
    /// meaning (each 5000-byte entry sent to each follower about once).
    fn wire_size(&self, msg: &Message) -> u64 {
        match msg {
            Message::RequestVote { .. } => 1 + 3 * 8,
            Message::RequestVoteReply { .. } => 1 + 8 + 1,
            Message::AppendEntries { entries, .. } => {
                let payload: u64 = entries
                    .iter()
                    .filter_map(|e| e.command.and_then(|c| self.payload.get(&c)))
                    .sum();
                1 + 4 * 8 + 8 + 17 * entries.len() as u64 + payload
            }
            Message::AppendEntriesReply { .. } => 1 + 8 + 1 + 8 + 8 + 9,
            Message::InstallSnapshot { data, .. } => 1 + 3 * 8 + 8 + data.len() as u64,
            Message::InstallSnapshotReply { .. } => 1 + 2 * 8,
        }
    }

    /// The lab's appliers. At every apply the value must agree with every server's record at
    /// that index. The plain applier wants no gaps (k - 1 applied before k); the snapshot
    /// applier wants exactly `last_applied + 1`, and returns k when the server must snapshot
    /// at k. A snapshot replaces the record (its content must match its index).
    fn on_apply(&mut self, id: NodeId, apply: &Apply) -> Option<Index> {
        let i = id as usize;
        let (index, command) = match apply {
            Apply::Entry { index, command, .. } => (*index, *command),
            Apply::Snapshot { index, data, .. } => {
                self.ingest_snapshot(id, *index, data);
                return None;
            }
        };
        if self.snapshot_applier {
            let expected = self.last_applied[i] + 1;
            if index != expected {
                self.fail(Failure::Harness(format!(
                    "server {id} apply out of order, expected index {expected}, got {index}"
                )));
                return None;
            }
            self.last_applied[i] = index;
        }
        let due = (self.snapshot_applier && (index + 1) % SNAPSHOT_INTERVAL == 0).then_some(index);
        let Some(command) = command else {
            return due; // a no-op entry: nothing for the service
        };
        let k = index as usize - 1;
        for (j, record) in self.applied.iter().enumerate() {
            if let Some(Some(other)) = record.get(k) {
                if *other != command {
                    self.fail(Failure::Harness(format!(
                        "commit index={index} server={id} {command} != server={j} {other}"
                    )));
                    return None;
                }
            }
        }
        if !self.snapshot_applier
            && k > 0
            && self.applied[i].get(k - 1).copied().flatten().is_none()
        {
            self.fail(Failure::Harness(format!(
                "server {id} apply out of order {index}"
            )));
            return None;
        }
        let record = &mut self.applied[i];
        if record.len() <= k {
            record.resize(k + 1, None);
        }
        record[k] = Some(command);
        due
    }

    /// The tester's `ingestSnap`: a snapshot (delivered, or persisted and read at restart)
    /// replaces the server's record; it must hold exactly the values 1..=index.
    fn ingest_snapshot(&mut self, id: NodeId, index: Index, data: &[u8]) {
        let values = match decode_service(data) {
            Ok(values) => values,
            Err(e) => {
                self.fail(Failure::Harness(format!(
                    "server {id} snapshot at index {index}: {e}"
                )));
                return;
            }
        };
        if self.snapshot_applier && values.len() as u64 != index {
            self.fail(Failure::Harness(format!(
                "server {id} snapshot at index {index} holds {} values",
                values.len()
            )));
            return;
        }
        self.applied[id as usize] = values;
        self.last_applied[id as usize] = index;
    }

    /// The lab's `LogSize()` in our terms: the most log entries any server keeps in its
    /// persisted state (entries after its snapshot; crashed servers count what they saved).
    pub fn max_retained_log(&self) -> u64 {
        (0..self.n())
            .filter_map(|id| self.cluster.durable(id))
            .map(|p| p.log.last_index() - p.log.snapshot_index())
            .max()
            .unwrap_or(0)
    }

    /// The lab's `nCommitted(index)`: how many servers applied `index`, and the value.
    pub fn n_committed(&self, index: Index) -> SimResult<(usize, Option<Command>)> {
        self.check()?;
        let mut count = 0;
        let mut value = None;
        for id in 0..self.n() {
            if let Some(c) = self.applied_at(id, index) {
                if value.is_some_and(|v| v != c) {
                    return Err(Failure::Harness(format!(
                        "committed values do not match: index {index}, {value:?}, {c}"
                    )));
                }
                count += 1;
                value = Some(c);
            }
        }
        Ok((count, value))
    }

    /// The highest index any server applied (for the "agreements" figure).
    pub fn max_applied(&self) -> usize {
        self.applied.iter().map(Vec::len).max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_core::service::encode_service;

    fn entry(index: Index) -> Apply {
        Apply::Entry {
            index,
            term: 1,
            command: Some(100 + index),
        }
    }

    fn strict() -> Sim {
        let mut sim = Sim::new(3, 1);
        sim.snapshot_applier = true;
        sim
    }

    /// A reply the core sends outside any RPC (here: server 1's answer to a RequestVote, handed
    /// over as if no call were pending) fails the run with a message; it used to vanish.
    #[test]
    fn a_reply_with_no_matching_call_fails_the_run() {
        let mut sim = Sim::new(3, 1);
        sim.apply(Op::ElectionTimeout { node: 0 })
            .expect("an election breaks nothing");
        let request = Envelope {
            from: 0,
            to: 1,
            msg: Message::RequestVote {
                term: 1,
                last_log_index: 0,
                last_log_term: 0,
            },
        };
        let msg = sim
            .cluster
            .find(&request)
            .expect("the request is in flight");
        let out = sim
            .apply(Op::Deliver { msg })
            .expect("a vote breaks nothing");
        assert!(matches!(
            out.messages.as_slice(),
            [(0, Message::RequestVoteReply { .. })]
        ));
        sim.honour(1, out, None);
        let failure = sim
            .check()
            .expect_err("a reply outside an RPC fails the run");
        assert!(
            failure
                .to_string()
                .contains("s1 sent a reply with no matching call"),
            "{failure}"
        );
        assert_eq!(
            sim.cluster.find(&Envelope {
                from: 1,
                to: 0,
                msg: Message::RequestVoteReply {
                    term: 1,
                    granted: true
                },
            }),
            None,
            "the reply left the network"
        );
    }

    #[test]
    fn the_snapshot_applier_wants_exactly_last_applied_plus_one() {
        let mut sim = strict();
        assert_eq!(sim.on_apply(0, &entry(1)), None);
        sim.on_apply(0, &entry(3));
        let failure = sim.check().expect_err("index 2 was skipped");
        assert!(
            failure.to_string().contains("expected index 2, got 3"),
            "{failure}"
        );
        let mut sim = strict();
        sim.on_apply(0, &entry(1));
        sim.on_apply(0, &entry(1));
        assert!(
            sim.check().is_err(),
            "re-applying an index is out of order too"
        );
    }

    #[test]
    fn the_snapshot_applier_asks_for_a_snapshot_after_9_19_29() {
        let mut sim = strict();
        let due: Vec<Index> = (1..=30)
            .filter_map(|k| sim.on_apply(1, &entry(k)))
            .collect();
        assert_eq!(due, vec![9, 19, 29]);
        sim.check().unwrap();
    }

    #[test]
    fn a_snapshot_replaces_the_record_and_apply_resumes_after_it() {
        let mut sim = strict();
        let values: Vec<Option<Command>> = (1..=5).map(|k| Some(100 + k)).collect();
        let snapshot = |index, data| Apply::Snapshot {
            index,
            term: 1,
            data,
        };
        sim.on_apply(2, &snapshot(5, encode_service(&values)));
        assert_eq!(sim.applied_at(2, 5), Some(105));
        sim.on_apply(2, &entry(6));
        sim.check().unwrap();
        sim.on_apply(2, &snapshot(7, encode_service(&values)));
        let failure = sim.check().expect_err("5 values for a snapshot at 7");
        assert!(failure.to_string().contains("holds 5 values"), "{failure}");
    }
}
