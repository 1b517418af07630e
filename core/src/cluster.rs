//! The deterministic in-memory cluster every checker drives: N servers, an explicit network (a
//! multiset of envelopes, addressed by position), what each server persisted, its ghost history
//! and its service (the applied commands). Every operation is checked against every invariant.

use crate::config::Config;
use crate::history::NodeHistory;
use crate::invariants::{check_all, NodeView, Situation, Violation};
use crate::message::Envelope;
use crate::node::{Apply, Input, Node, Output, Persistent, ProposeResult};
use crate::types::{Command, Index, NodeId};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// One thing that can happen to the cluster. Positions refer to `Cluster::network()`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
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
        })
    }

    /// Apply one operation, then check every invariant.
    pub fn apply(&mut self, op: &Op) -> Result<Outcome, Violation> {
        self.apply_with_output(op).map(|(outcome, _)| outcome)
    }

    /// Apply one operation, then check every invariant; also returns what the stepped server
    /// output (empty when no server stepped). Drivers with timers and a service read it.
    pub fn apply_with_output(&mut self, op: &Op) -> Result<(Outcome, Output), Violation> {
        let (outcome, out) = self.run(op);
        if outcome != Outcome::Skipped {
            self.check()?;
        }
        Ok((outcome, out))
    }

    /// Exactly `apply_with_output`, faster: checks only what the operation could have changed
    /// (see `incremental`). Precondition: the state before `op` satisfied every invariant (a
    /// fresh cluster, or every earlier operation was applied with a check that passed).
    pub fn apply_incremental(&mut self, op: &Op) -> Result<(Outcome, Output), Violation> {
        let touched = match *op {
            Op::Deliver { msg } => self.network.get(msg).map(|e| e.to),
            Op::ElectionTimeout { node }
            | Op::HeartbeatTimeout { node }
            | Op::Propose { node, .. }
            | Op::Crash { node }
            | Op::Restart { node }
            | Op::Snapshot { node }
            | Op::SnapshotAt { node, .. } => Some(node).filter(|&id| id < self.config.cluster_size),
            Op::Drop { .. } | Op::Duplicate { .. } | Op::Partition { .. } | Op::Heal => None,
        };
        let Some(id) = touched else {
            // Only the network or the partition changed: no invariant reads them.
            return Ok(self.run(op));
        };
        let before = crate::incremental::Before::capture(&self.views()[id as usize]);
        let (outcome, out) = self.run(op);
        if outcome == Outcome::Skipped {
            return Ok((outcome, out));
        }
        // Snapshots and restarts are rare and touch the snapshot-aware parts of the invariants:
        // check everything.
        let snapshot = out
            .apply
            .iter()
            .any(|a| matches!(a, Apply::Snapshot { .. }));
        if snapshot
            || matches!(
                op,
                Op::Restart { .. } | Op::Snapshot { .. } | Op::SnapshotAt { .. }
            )
        {
            check_all(&self.views())?;
            return Ok((outcome, out));
        }
        let new_applies: Vec<_> = out
            .apply
            .iter()
            .filter_map(|a| match a {
                Apply::Entry { index, .. } => Some(*index),
                Apply::Snapshot { .. } => None,
            })
            .collect();
        crate::incremental::check_after(&self.views(), id as usize, &before, &new_applies)?;
        Ok((outcome, out))
    }

    /// Apply one operation without checking the invariants (callers check when they choose).
    pub fn apply_unchecked(&mut self, op: &Op) -> Outcome {
        self.run(op).0
    }

    fn run(&mut self, op: &Op) -> (Outcome, Output) {
        let n = self.config.cluster_size;
        let done = |out| (Outcome::Done, out);
        let nothing = |outcome| (outcome, Output::default());
        match *op {
            Op::Deliver { msg } => {
                if msg >= self.network.len() {
                    return nothing(Outcome::Skipped);
                }
                let env = self.network.remove(msg);
                if !self.link_up(env.from, env.to) || self.nodes[env.to as usize].is_none() {
                    return nothing(Outcome::Lost);
                }
                done(self.step(
                    env.to,
                    Input::Receive {
                        from: env.from,
                        msg: env.msg,
                    },
                ))
            }
            Op::Drop { msg } if msg < self.network.len() => {
                self.network.remove(msg);
                nothing(Outcome::Done)
            }
            Op::Duplicate { msg } if msg < self.network.len() => {
                self.network.push(self.network[msg].clone());
                nothing(Outcome::Done)
            }
            Op::ElectionTimeout { node } if self.is_up(node) => {
                done(self.step(node, Input::ElectionTimeout))
            }
            Op::HeartbeatTimeout { node } if self.is_up(node) => {
                done(self.step(node, Input::HeartbeatTimeout))
            }
            Op::Propose { node, command } if self.is_up(node) => {
                done(self.step(node, Input::Propose(command)))
            }
            Op::Crash { node } if self.is_up(node) => {
                self.nodes[node as usize] = None;
                nothing(Outcome::Done)
            }
            Op::Restart { node } if node < n => {
                self.restart(node);
                nothing(Outcome::Done)
            }
            Op::Partition { ref group } if group.iter().all(|&id| id < n) => {
                for (id, side) in self.side.iter_mut().enumerate() {
                    *side = group.contains(&(id as NodeId));
                }
                nothing(Outcome::Done)
            }
            Op::Heal => {
                self.side.iter_mut().for_each(|s| *s = false);
                nothing(Outcome::Done)
            }
            Op::Snapshot { node } if self.is_up(node) => {
                let index = self.nodes[node as usize]
                    .as_ref()
                    .map_or(0, |n| n.last_applied());
                let data = encode_service(&self.services[node as usize]);
                done(self.step(node, Input::Snapshot { index, data }))
            }
            Op::SnapshotAt { node, index } if self.is_up(node) => {
                let service = &self.services[node as usize];
                let data = encode_service(&service[..service.len().min(index as usize)]);
                done(self.step(node, Input::Snapshot { index, data }))
            }
            _ => nothing(Outcome::Skipped),
        }
    }

    /// Step one live server and honour its output: persist first, then send, then apply.
    /// Returns the output (drivers with timers, like the simulator, read `timers` from it).
    pub fn step(&mut self, id: NodeId, input: Input) -> Output {
        let i = id as usize;
        let Some(node) = self.nodes[i].as_mut() else {
            return Output::default();
        };
        let before = node.clone();
        let out = node.step(input);
        self.histories[i].observe_step(&before, node, &out);
        if let Some(p) = &out.persist {
            self.durable[i] = Some(p.clone());
        }
        for (to, msg) in &out.messages {
            if self.link_up(id, *to) {
                self.network.push(Envelope {
                    from: id,
                    to: *to,
                    msg: msg.clone(),
                });
            }
        }
        for apply in &out.apply {
            let service = &mut self.services[i];
            match apply {
                Apply::Entry { index, command, .. } => {
                    service.truncate((*index as usize).saturating_sub(1));
                    service.push(*command);
                }
                Apply::Snapshot { data, .. } => *service = decode_service(data),
            }
        }
        out
    }

    fn restart(&mut self, id: NodeId) {
        let i = id as usize;
        let persisted = self.durable[i].clone().unwrap_or_default();
        self.services[i] = decode_service(&persisted.snapshot);
        let node = Node::restart(id, self.config.clone(), persisted);
        self.histories[i].observe_restart(&node);
        self.nodes[i] = Some(node);
    }

    /// Check every invariant on the current state and history.
    pub fn check(&self) -> Result<(), Violation> {
        check_all(&self.views())
    }

    pub fn views(&self) -> Vec<NodeView<'_>> {
        self.config
            .ids()
            .map(|id| {
                let i = id as usize;
                NodeView {
                    id,
                    node: self.nodes[i].as_ref(),
                    durable: self.durable[i].as_ref(),
                    history: &self.histories[i],
                }
            })
            .collect()
    }

    /// The interesting situations this run has reached so far.
    pub fn reached(&self) -> Vec<Situation> {
        let views = self.views();
        Situation::ALL
            .into_iter()
            .filter(|s| s.reached(&views))
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
                    n.role_letter(),
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
pub fn describe_log(log: &crate::log::Log) -> String {
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

/// The driver's service state machine is the list of applied commands; its snapshot is that
/// list as JSON. A snapshot that fails to decode yields an empty service (never a panic).
pub fn encode_service(applied: &[Option<Command>]) -> Vec<u8> {
    serde_json::to_vec(applied).unwrap_or_default()
}

pub fn decode_service(data: &[u8]) -> Vec<Option<Command>> {
    if data.is_empty() {
        return Vec::new();
    }
    serde_json::from_slice(data).unwrap_or_default()
}

impl ProposeResult {
    pub fn accepted(&self) -> bool {
        matches!(self, ProposeResult::Accepted { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invariants::Situation;

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
