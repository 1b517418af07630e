//! The deterministic in-memory cluster every checker drives: N servers, an explicit network (a
//! multiset of envelopes, addressed by position), what each server persisted, its ghost history
//! and its service (the applied commands). Every operation is checked against every invariant.

use crate::judge::history::NodeHistory;
use crate::judge::incremental::{check_after, Before, Durable};
use crate::judge::invariants::{check_all, NodeView, Situation, Violation};
use crate::judge::service::{decode_service, encode_service};
use crate::protocol::config::Config;
use crate::protocol::message::{Envelope, Message};
use crate::protocol::node::{Apply, Input, Node, Output, Persistent, ProposeResult, Role};
use crate::protocol::types::{Command, Index, NodeId, MAX_SERVERS};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// One thing that can happen to the cluster. Positions refer to `Cluster::network()`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Deliver (and remove) the message at this position; lost if its link is down or its
    /// destination crashed.
    Deliver {
        msg: usize,
    },
    /// Lose the message at this position.
    Drop {
        msg: usize,
    },
    /// Put a second copy of the message at this position at the end of the network.
    Duplicate {
        msg: usize,
    },
    ElectionTimeout {
        node: NodeId,
    },
    HeartbeatTimeout {
        node: NodeId,
    },
    Propose {
        node: NodeId,
        command: Command,
    },
    /// Stop a server; only what it persisted survives.
    Crash {
        node: NodeId,
    },
    /// Rebuild a server from what it persisted (crashing it first if it is up).
    Restart {
        node: NodeId,
    },
    /// Cut the cluster in two: these servers on one side, the rest on the other.
    Partition {
        group: Vec<NodeId>,
    },
    /// Reconnect everyone.
    Heal,
    /// The server's service snapshots everything it applied; the server compacts its log.
    Snapshot {
        node: NodeId,
    },
    /// The service snapshots its state as of `index` (its applied commands cut there), as the
    /// lab's applier does from inside the apply path after a step applied beyond `index`.
    SnapshotAt {
        node: NodeId,
        index: Index,
    },
}

impl Op {
    /// The one server the operation acts on (`None` for network operations and delivery,
    /// whose server is the envelope's).
    pub fn server(&self) -> Option<NodeId> {
        match *self {
            Op::ElectionTimeout { node }
            | Op::HeartbeatTimeout { node }
            | Op::Propose { node, .. }
            | Op::Crash { node }
            | Op::Restart { node }
            | Op::Snapshot { node }
            | Op::SnapshotAt { node, .. } => Some(node),
            Op::Deliver { .. }
            | Op::Drop { .. }
            | Op::Duplicate { .. }
            | Op::Partition { .. }
            | Op::Heal => None,
        }
    }
}

/// What an operation did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Done,
    /// A delivery whose link was down or whose destination was crashed: the message is gone.
    Lost,
    /// Not applicable in this state (no such message, server down, ...): nothing changed.
    Skipped,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cluster {
    config: Config,
    nodes: Vec<Option<Node>>,
    durable: Vec<Option<Persistent>>,
    histories: Vec<NodeHistory>,
    services: Vec<Vec<Option<Command>>>,
    network: Vec<Envelope>,
    side: Vec<bool>,
    scratch: Scratch,
}

/// The driver's working memory, reused from operation to operation so that a step copies into
/// existing buffers instead of allocating: the stepped server's state before its step (for the
/// transition checks and the incremental check), the persisted state a step replaced, a crashed
/// server, and output buffers. Not part of the cluster's state: every two are equal, it hashes
/// to nothing, and a clone starts empty.
#[derive(Default)]
struct Scratch {
    /// The server stepped last, as it was before that step.
    before: Option<Node>,
    /// What it had persisted before, if that step persisted (or a spare buffer).
    old_durable: Option<Persistent>,
    /// The server crashed (or restarted) last, as it was (`None`: it was down).
    crashed: Option<Node>,
    /// What the current operation did to a server.
    touch: Touch,
    /// The output buffers of the operations whose output is not handed back (boxed: taken
    /// and put back every operation, a pointer moves cheaper than the buffers).
    out: Option<Box<Output>>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Touch {
    #[default]
    Nothing,
    Stepped {
        persisted: bool,
    },
    Crashed,
    /// Rebuilt from what it persisted (`Scratch::crashed`: the server it replaced, if up).
    Restarted,
}

impl Clone for Scratch {
    fn clone(&self) -> Scratch {
        Scratch::default()
    }
}
impl PartialEq for Scratch {
    fn eq(&self, _: &Scratch) -> bool {
        true
    }
}
impl Eq for Scratch {}
impl std::hash::Hash for Scratch {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}
impl std::fmt::Debug for Scratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scratch")
    }
}

/// Whether a step hands its output back (so messages and the persisted state are copied into
/// the cluster) or not (so they are moved).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    Output,
    Nothing,
}

impl Cluster {
    pub fn new(config: Config) -> Result<Cluster, String> {
        config.validate()?;
        let n = config.cluster_size as usize;
        Ok(Cluster {
            nodes: config
                .ids()
                .map(|id| Some(Node::new(id, config.clone())))
                .collect(),
            config,
            durable: vec![None; n],
            histories: vec![NodeHistory::default(); n],
            services: vec![Vec::new(); n],
            network: Vec::new(),
            side: vec![false; n],
            scratch: Scratch::default(),
        })
    }

    /// Become `Cluster::new(config)` again, reusing this cluster's buffers (the fuzzers run
    /// one short history after another).
    pub fn reset(&mut self, config: Config) -> Result<(), String> {
        config.validate()?;
        let n = config.cluster_size as usize;
        self.nodes.resize_with(n, || None);
        for (id, slot) in (0..).zip(&mut self.nodes) {
            let fresh = Node::new(id, config.clone());
            match slot {
                Some(node) => node.clone_from(&fresh),
                None => *slot = Some(fresh),
            }
        }
        self.durable.clear();
        self.durable.resize(n, None);
        self.histories.resize_with(n, NodeHistory::default);
        self.histories.iter_mut().for_each(NodeHistory::clear);
        self.services.resize_with(n, Vec::new);
        self.services.iter_mut().for_each(Vec::clear);
        self.network.clear();
        self.side.clear();
        self.side.resize(n, false);
        self.config = config;
        self.scratch = Scratch {
            before: self.scratch.before.take(),
            out: self.scratch.out.take(),
            ..Scratch::default()
        };
        Ok(())
    }

    /// Apply one operation, then check every invariant.
    pub fn apply(&mut self, op: &Op) -> Result<Outcome, Violation> {
        let outcome = self.run_quietly(op);
        if outcome != Outcome::Skipped {
            self.check()?;
        }
        Ok(outcome)
    }

    /// Apply one operation, then check every invariant; also returns what the stepped server
    /// output (empty when no server stepped). Drivers with timers and a service read it.
    pub fn apply_with_output(&mut self, op: &Op) -> Result<(Outcome, Output), Violation> {
        let mut out = Output::default();
        let outcome = self.run(op, &mut out, Keep::Output);
        if outcome != Outcome::Skipped {
            self.check()?;
        }
        Ok((outcome, out))
    }

    /// Exactly `apply_with_output`, faster: checks only what the operation could have changed
    /// (see `incremental`). Precondition: the state before `op` satisfied every invariant (a
    /// fresh cluster, or every earlier operation was applied with a check that passed).
    pub fn apply_incremental(&mut self, op: &Op) -> Result<(Outcome, Output), Violation> {
        let mut out = Output::default();
        let outcome = self.apply_incremental_into(op, &mut out, Keep::Output)?;
        Ok((outcome, out))
    }

    /// Exactly `apply` (same precondition as `apply_incremental`), the fastest way: the check
    /// of `apply_incremental`, and the output is not handed back, so the step's messages and
    /// persisted state are moved into the cluster rather than copied. The fuzzers' path.
    pub fn apply_fast(&mut self, op: &Op) -> Result<Outcome, Violation> {
        let mut out = self.scratch.out.take().unwrap_or_default();
        let result = self.apply_incremental_into(op, &mut out, Keep::Nothing);
        self.scratch.out = Some(out);
        result
    }

    fn apply_incremental_into(
        &mut self,
        op: &Op,
        out: &mut Output,
        keep: Keep,
    ) -> Result<Outcome, Violation> {
        let touched = match *op {
            Op::Deliver { msg } => self.network.get(msg).map(|e| e.to),
            _ => op.server().filter(|&id| id < self.config.cluster_size),
        };
        let Some(id) = touched else {
            // Only the network or the partition changed: no invariant reads them.
            return Ok(self.run(op, out, keep));
        };
        let i = id as usize;
        let history = &self.histories[i];
        let (elected, votes) = (history.elected.len(), history.votes.len());
        let outcome = self.run(op, out, keep);
        if outcome != Outcome::Done {
            // Skipped, or a message lost on its way: no server, persisted state or history
            // changed, so every invariant still holds.
            return Ok(outcome);
        }
        let views = self.view_array();
        let views = &views[..self.nodes.len()];
        // Snapshots are rare and touch the snapshot-aware parts of the invariants (so does a
        // restart from a snapshot, which joins its contents to the history): check everything.
        let snapshot = matches!(op, Op::Snapshot { .. } | Op::SnapshotAt { .. })
            || out
                .apply
                .iter()
                .any(|a| matches!(a, Apply::Snapshot { .. }));
        let (node, durable) = match self.scratch.touch {
            Touch::Stepped { persisted } => (
                self.scratch.before.as_ref(),
                if persisted {
                    Durable::Replaced(self.scratch.old_durable.as_ref())
                } else {
                    Durable::Unchanged
                },
            ),
            Touch::Crashed => (self.scratch.crashed.as_ref(), Durable::Unchanged),
            Touch::Restarted
                if self.durable[i]
                    .as_ref()
                    .is_none_or(|p| p.log.snapshot_index() == 0) =>
            {
                (self.scratch.crashed.as_ref(), Durable::Unchanged)
            }
            Touch::Restarted | Touch::Nothing => return check_all(views).map(|()| outcome),
        };
        if snapshot {
            return check_all(views).map(|()| outcome);
        }
        let before = Before {
            // A server that was down showed what it had persisted.
            log: node.map_or(self.durable[i].as_ref().map(|p| &p.log), |n| Some(n.log())),
            term: node.map(|n| n.current_term()),
            durable,
            leader_term: node.filter(|n| n.is_leader()).map(|n| n.current_term()),
            was_up: node.is_some(),
            elected,
            votes,
        };
        check_after(views, i, &before, &out.apply).map(|()| outcome)
    }

    /// Apply one operation without checking the invariants (callers check when they choose).
    pub fn apply_unchecked(&mut self, op: &Op) -> Outcome {
        self.run_quietly(op)
    }

    /// `run` into the reused output buffers, moving what the step output.
    fn run_quietly(&mut self, op: &Op) -> Outcome {
        let mut out = self.scratch.out.take().unwrap_or_default();
        let outcome = self.run(op, &mut out, Keep::Nothing);
        self.scratch.out = Some(out);
        outcome
    }

    /// Apply `op`; `out` receives what the stepped server output (emptied if none stepped).
    fn run(&mut self, op: &Op, out: &mut Output, keep: Keep) -> Outcome {
        let n = self.config.cluster_size;
        self.scratch.touch = Touch::Nothing;
        // (A step empties `out` itself.)
        fn nothing(out: &mut Output, outcome: Outcome) -> Outcome {
            out.clear();
            outcome
        }
        match *op {
            Op::Deliver { msg } => {
                if msg >= self.network.len() {
                    return nothing(out, Outcome::Skipped);
                }
                let env = self.network.remove(msg);
                if !self.link_up(env.from, env.to) || self.nodes[env.to as usize].is_none() {
                    return nothing(out, Outcome::Lost);
                }
                let input = Input::Receive {
                    from: env.from,
                    msg: env.msg,
                };
                self.step_into(env.to, input, out, keep);
                Outcome::Done
            }
            Op::Drop { msg } if msg < self.network.len() => {
                self.network.remove(msg);
                nothing(out, Outcome::Done)
            }
            Op::Duplicate { msg } if msg < self.network.len() => {
                self.network.push(self.network[msg].clone());
                nothing(out, Outcome::Done)
            }
            Op::ElectionTimeout { node } if self.is_up(node) => {
                self.step_into(node, Input::ElectionTimeout, out, keep);
                Outcome::Done
            }
            Op::HeartbeatTimeout { node } if self.is_up(node) => {
                self.step_into(node, Input::HeartbeatTimeout, out, keep);
                Outcome::Done
            }
            Op::Propose { node, command } if self.is_up(node) => {
                self.step_into(node, Input::Propose(command), out, keep);
                Outcome::Done
            }
            Op::Crash { node } if self.is_up(node) => {
                self.scratch.crashed = self.nodes[node as usize].take();
                self.scratch.touch = Touch::Crashed;
                nothing(out, Outcome::Done)
            }
            Op::Restart { node } if node < n => {
                self.restart(node);
                nothing(out, Outcome::Done)
            }
            Op::Partition { ref group } if group.iter().all(|&id| id < n) => {
                for (id, side) in self.side.iter_mut().enumerate() {
                    *side = group.contains(&(id as NodeId));
                }
                nothing(out, Outcome::Done)
            }
            Op::Heal => {
                self.side.iter_mut().for_each(|s| *s = false);
                nothing(out, Outcome::Done)
            }
            Op::Snapshot { node } if self.is_up(node) => {
                let index = self.nodes[node as usize]
                    .as_ref()
                    .map_or(0, |n| n.last_applied());
                let data = encode_service(&self.services[node as usize]);
                self.step_into(node, Input::Snapshot { index, data }, out, keep);
                Outcome::Done
            }
            Op::SnapshotAt { node, index } if self.is_up(node) => {
                let service = &self.services[node as usize];
                let data = encode_service(&service[..service.len().min(index as usize)]);
                self.step_into(node, Input::Snapshot { index, data }, out, keep);
                Outcome::Done
            }
            _ => nothing(out, Outcome::Skipped),
        }
    }

    /// Step one live server and honour its output: persist first, then send, then apply.
    /// Returns the output (drivers with timers, like the simulator, read `timers` from it).
    pub fn step(&mut self, id: NodeId, input: Input) -> Output {
        let mut out = Output::default();
        self.step_into(id, input, &mut out, Keep::Output);
        out
    }

    /// `step` into `out`. With `Keep::Nothing` the messages and the persisted state are moved
    /// out of `out` into the cluster; with `Keep::Output` they are copied and stay in `out`.
    fn step_into(&mut self, id: NodeId, input: Input, out: &mut Output, keep: Keep) {
        let i = id as usize;
        let Some(node) = self.nodes[i].as_mut() else {
            out.clear();
            return;
        };
        let before = self.scratch.before.get_or_insert_with(|| node.clone());
        before.clone_from(node);
        if keep == Keep::Nothing {
            out.persist = self.scratch.old_durable.take(); // recycled by the step
        }
        node.step_into(input, out);
        self.histories[i].observe_step(before, node, out);
        let persisted = out.persist.is_some();
        let persist = match keep {
            Keep::Output => out.persist.clone(),
            Keep::Nothing => out.persist.take(),
        };
        if persisted {
            self.scratch.old_durable = std::mem::replace(&mut self.durable[i], persist);
        }
        self.scratch.touch = Touch::Stepped { persisted };
        let mut send = |to: NodeId, msg: Message| {
            if self.side[i] == self.side[to as usize] {
                self.network.push(Envelope { from: id, to, msg });
            }
        };
        match keep {
            Keep::Output => out
                .messages
                .iter()
                .for_each(|(to, msg)| send(*to, msg.clone())),
            Keep::Nothing => out.messages.drain(..).for_each(|(to, msg)| send(to, msg)),
        }
        let service = &mut self.services[i];
        for apply in &out.apply {
            match apply {
                Apply::Entry { index, command, .. } => {
                    service.truncate((*index as usize).saturating_sub(1));
                    service.push(*command);
                }
                // One that does not decode is a violation the history records: the run fails.
                Apply::Snapshot { data, .. } => *service = decode_service(data).unwrap_or_default(),
            }
        }
    }

    fn restart(&mut self, id: NodeId) {
        let i = id as usize;
        let persisted = self.durable[i].clone().unwrap_or_default();
        // One that does not decode is a violation the history records: the run fails.
        self.services[i] = decode_service(&persisted.snapshot).unwrap_or_default();
        let node = Node::restart(id, self.config.clone(), persisted);
        self.histories[i].observe_restart(&node);
        self.scratch.crashed = self.nodes[i].replace(node);
        self.scratch.touch = Touch::Restarted;
    }

    /// Check every invariant on the current state and history.
    pub fn check(&self) -> Result<(), Violation> {
        check_all(&self.view_array()[..self.nodes.len()])
    }

    pub fn views(&self) -> Vec<NodeView<'_>> {
        (0..self.nodes.len()).map(|i| self.view(i)).collect()
    }

    fn view(&self, i: usize) -> NodeView<'_> {
        NodeView {
            id: i as NodeId,
            node: self.nodes[i].as_ref(),
            durable: self.durable[i].as_ref(),
            history: &self.histories[i],
        }
    }

    /// `views()` without allocating: its first `cluster_size` elements are the views. (One
    /// zipped pass, no per-element bounds checks: under the fuzzers' comparison tracing every
    /// comparison is a call.)
    fn view_array(&self) -> [NodeView<'_>; MAX_SERVERS as usize] {
        let mut views = [self.view(0); MAX_SERVERS as usize];
        let servers = self.nodes.iter().zip(&self.durable).zip(&self.histories);
        for (id, (view, ((node, durable), history))) in (0..).zip(views.iter_mut().zip(servers)) {
            *view = NodeView {
                id,
                node: node.as_ref(),
                durable: durable.as_ref(),
                history,
            };
        }
        views
    }

    /// The interesting situations this run has reached so far.
    pub fn reached(&self) -> Vec<Situation> {
        let views = self.view_array();
        let views = &views[..self.nodes.len()];
        Situation::ALL
            .into_iter()
            .filter(|s| s.reached(views))
            .collect()
    }

    pub fn link_up(&self, a: NodeId, b: NodeId) -> bool {
        self.side[a as usize] == self.side[b as usize]
    }
    pub fn is_up(&self, id: NodeId) -> bool {
        self.nodes.get(id as usize).is_some_and(|n| n.is_some())
    }
    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id as usize).and_then(|n| n.as_ref())
    }
    pub fn durable(&self, id: NodeId) -> Option<&Persistent> {
        self.durable.get(id as usize).and_then(|p| p.as_ref())
    }
    pub fn history(&self, id: NodeId) -> &NodeHistory {
        &self.histories[id as usize]
    }
    /// The commands server `id`'s service has applied, in index order from 1.
    pub fn service(&self, id: NodeId) -> &[Option<Command>] {
        &self.services[id as usize]
    }
    pub fn network(&self) -> &[Envelope] {
        &self.network
    }
    /// Position of a message in the network, if it is in flight.
    pub fn find(&self, env: &Envelope) -> Option<usize> {
        self.network.iter().position(|e| e == env)
    }

    /// A few lines describing every server: role, term, vote, commit index and log.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        for id in self.config.ids() {
            let _ = match self.node(id) {
                Some(n) => writeln!(
                    s,
                    "  s{id} {} term={} vote={} commit={} log={}",
                    match n.role() {
                        Role::Follower => 'F',
                        Role::PreCandidate { .. } => 'P',
                        Role::Candidate { .. } => 'C',
                        Role::Leader { .. } => 'L',
                    },
                    n.current_term(),
                    n.voted_for().map_or("-".into(), |v| format!("s{v}")),
                    n.commit_index(),
                    describe_log(n.log()),
                ),
                None => writeln!(s, "  s{id} crashed"),
            };
        }
        let _ = writeln!(s, "  network: {} in flight", self.network.len());
        s
    }
}

/// `[1:t1=101 2:t2=noop]`, with `snap<=k@tT` for a compacted prefix.
pub fn describe_log(log: &crate::protocol::log::Log) -> String {
    let mut parts = Vec::new();
    if log.snapshot_index() > 0 {
        parts.push(format!(
            "snap<={}@t{}",
            log.snapshot_index(),
            log.snapshot_term()
        ));
    }
    for (i, e) in log.iter() {
        parts.push(match e.command {
            Some(c) => format!("{i}:t{}={c}", e.term),
            None => format!("{i}:t{}=noop", e.term),
        });
    }
    format!("[{}]", parts.join(" "))
}

impl ProposeResult {
    pub fn accepted(&self) -> bool {
        matches!(self, ProposeResult::Accepted { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::invariants::Situation;

    /// Deliver everything in flight, oldest first, until the network is empty.
    fn settle(c: &mut Cluster) {
        while !c.network().is_empty() {
            c.apply(&Op::Deliver { msg: 0 }).expect("no violation");
        }
    }

    #[test]
    fn elects_commits_and_survives_restart() {
        let mut c = Cluster::new(Config::new(3)).unwrap();
        c.apply(&Op::ElectionTimeout { node: 0 }).unwrap();
        settle(&mut c);
        assert!(c.node(0).unwrap().is_leader());
        c.apply(&Op::Propose {
            node: 0,
            command: 7,
        })
        .unwrap();
        settle(&mut c);
        c.apply(&Op::HeartbeatTimeout { node: 0 }).unwrap();
        settle(&mut c);
        for id in 0..3 {
            assert_eq!(c.service(id), &[Some(7)], "server {id} applied the command");
        }
        c.apply(&Op::Crash { node: 0 }).unwrap();
        c.apply(&Op::ElectionTimeout { node: 1 }).unwrap();
        settle(&mut c);
        c.apply(&Op::Restart { node: 0 }).unwrap();
        assert_eq!(c.node(0).unwrap().log().last_index(), 1);
        let reached = c.reached();
        assert!(reached.contains(&Situation::LeaderChangeAfterCommit));
        assert!(reached.contains(&Situation::VoterRestarted));
    }

    #[test]
    fn inapplicable_ops_are_skipped() {
        let mut c = Cluster::new(Config::new(3)).unwrap();
        assert_eq!(c.apply(&Op::Deliver { msg: 5 }), Ok(Outcome::Skipped));
        assert_eq!(
            c.apply(&Op::Propose {
                node: 9,
                command: 1
            }),
            Ok(Outcome::Skipped)
        );
        assert_eq!(
            c.apply(&Op::Partition { group: vec![8] }),
            Ok(Outcome::Skipped)
        );
    }
}

#[cfg(test)]
mod scratch_tests {
    //! The transition checks see the stepped server's state before its step through
    //! `Scratch::before`, a copy into reused buffers instead of a fresh clone: it must equal the
    //! clone, on random runs with and without mutants (which reach states the protocol never
    //! does).
    use super::*;
    use crate::driver::testkit::{self, Case};
    use proptest::prelude::*;

    fn copies_equal_clones(case: &Case) -> Result<(), TestCaseError> {
        let mut cluster = Cluster::new(case.config.clone()).expect("valid");
        for (k, act) in case.acts.iter().enumerate() {
            let op = testkit::resolve(&cluster, case.kind(*act), *act, k as u64);
            let clones: Vec<Option<Node>> = cluster.nodes.clone();
            let durable = cluster.durable.clone();
            let verdict = cluster.apply_fast(&op);
            match cluster.scratch.touch {
                Touch::Stepped { persisted } => {
                    let before = cluster.scratch.before.as_ref().expect("copied");
                    let i = before.id() as usize;
                    prop_assert_eq!(Some(before), clones[i].as_ref(), "{:?}", op);
                    if persisted {
                        prop_assert_eq!(&cluster.scratch.old_durable, &durable[i]);
                    } else {
                        prop_assert_eq!(&cluster.durable[i], &durable[i]);
                    }
                }
                Touch::Crashed => {
                    let crashed = cluster.scratch.crashed.as_ref().expect("kept");
                    prop_assert_eq!(Some(crashed), clones[crashed.id() as usize].as_ref());
                }
                Touch::Restarted => {
                    let Op::Restart { node } = op else {
                        return Err(TestCaseError::fail(format!("{op:?} restarted")));
                    };
                    prop_assert_eq!(&cluster.scratch.crashed, &clones[node as usize]);
                }
                Touch::Nothing => {}
            }
            if verdict.is_err() {
                break;
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn the_before_copy_is_the_clone(case in (1u8..=5).prop_flat_map(testkit::case)) {
            copies_equal_clones(&case)?;
        }
    }

    #[cfg(feature = "mutants")]
    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn the_before_copy_is_the_clone_under_mutants(
            m in 0..crate::protocol::mutants::Mutant::ALL.len(),
            case in (2u8..=5).prop_flat_map(testkit::case),
        ) {
            let mut case = case;
            let mutant = crate::protocol::mutants::Mutant::ALL[m];
            prop_assume!(!mutant.panics());
            case.config.mutant = Some(mutant);
            copies_equal_clones(&case)?;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(100))]
        /// A reset cluster is a new one, whatever it went through and whatever its size.
        #[test]
        fn reset_is_new(
            case in (1u8..=5).prop_flat_map(testkit::case),
            size in 1u8..=5,
        ) {
            let mut cluster = Cluster::new(case.config.clone()).expect("valid");
            for (k, act) in case.acts.iter().enumerate() {
                let op = testkit::resolve(&cluster, case.kind(*act), *act, k as u64);
                if cluster.apply_fast(&op).is_err() {
                    break;
                }
            }
            let config = Config { cluster_size: size, ..case.config.clone() };
            cluster.reset(config.clone()).expect("valid");
            prop_assert_eq!(&cluster, &Cluster::new(config).expect("valid"));
            prop_assert!(cluster.reset(Config::new(0)).is_err());
        }
    }

    #[test]
    fn clone_from_equals_clone_across_roles() {
        let mut c = Cluster::new(Config::new(3)).expect("valid");
        let mut copy = Node::new(2, Config::new(5));
        for op in [
            Op::ElectionTimeout { node: 0 },
            Op::Deliver { msg: 0 },
            Op::Deliver { msg: 1 },
            Op::Deliver { msg: 0 },
            Op::Propose {
                node: 0,
                command: 3,
            },
            Op::Snapshot { node: 0 },
            Op::ElectionTimeout { node: 1 },
            Op::Deliver { msg: 0 },
        ] {
            c.apply(&op).expect("no violation");
            for id in 0..3 {
                let node = c.node(id).expect("up");
                copy.clone_from(node);
                assert_eq!(&copy, node);
                assert_eq!(&node.clone(), node);
            }
        }
        assert!(
            c.node(0).is_some_and(|n| n.is_leader()),
            "a leader was copied"
        );
    }
}
