//! A trace as TLA+ for `specs/TraceRaft.tla`: each operation that changed something becomes one
//! step naming the spec action that must explain it, with its arguments (the message delivered,
//! the command proposed) and the state of the server it touched afterwards, in the spec's
//! variables (`server[s]` of `specs/raft.tla`).

use raft_core::log::Log;
use raft_core::node::{Node, Persistent, Role};
use raft_core::service::decode_service;
use raft_core::{Cluster, Command, Entry, Envelope, Message, NodeId, Op, Outcome, Trace};
use std::collections::HashMap;
use std::fmt::Write as _;

/// One trace in TLA+: one step record per operation the driver did not skip (partitions and
/// heals left out), and the (0-based) trace operation each came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    pub steps: Vec<String>,
    pub op_of_step: Vec<usize>,
}

impl Exported {
    /// The trace as a TLA+ tuple: `<<[op |-> ...], ...>>`.
    pub fn tla(&self) -> String {
        format!("<<{}>>", self.steps.join(",\n"))
    }
}

/// Commands are `u64`s, TLC's integers 32-bit: each command is renamed to the order in which the
/// trace first shows it (1, 2, ...); the no-op (`None`) is 0, the spec's `NoopCommand`.
#[derive(Default)]
struct Commands(HashMap<Command, u64>);

impl Commands {
    fn of(&mut self, c: Option<Command>) -> u64 {
        match c {
            None => 0,
            Some(c) => {
                let next = self.0.len() as u64 + 1;
                *self.0.entry(c).or_insert(next)
            }
        }
    }
}

/// What was last shown of each server's log and snapshot contents: a step leaves them out when
/// unchanged (the spec then requires them unchanged), which keeps batches small.
struct Shown {
    log: Option<String>,
    data: Option<String>,
}

/// Replay `trace` through the cluster driver (no invariant checks: a counterexample is exported
/// whole, up to and including its violating operation) and write each step.
pub fn export(trace: &Trace) -> Result<Exported, String> {
    let mut cluster = Cluster::new(trace.config.clone())?;
    let mut cmds = Commands::default();
    let n = trace.config.cluster_size as usize;
    let mut shown: Vec<Shown> = (0..n)
        .map(|_| Shown {
            log: Some("<<>>".into()),
            data: Some("<<>>".into()),
        })
        .collect();
    let mut steps = Vec::new();
    let mut op_of_step = Vec::new();
    for (k, op) in trace.ops.iter().enumerate() {
        let envelope = match *op {
            Op::Deliver { msg } | Op::Drop { msg } | Op::Duplicate { msg } => {
                cluster.network().get(msg).cloned()
            }
            _ => None,
        };
        let snapshot_index = match *op {
            Op::Snapshot { node } => cluster.node(node).map(|n| n.last_applied()),
            Op::SnapshotAt { index, .. } => Some(index),
            _ => None,
        };
        let outcome = cluster.apply_unchecked(op);
        if outcome == Outcome::Skipped {
            continue;
        }
        let mut step = String::new();
        let touched = match (op, &envelope, outcome) {
            (Op::Deliver { .. }, Some(env), Outcome::Lost) => {
                write!(step, "[op |-> \"lost\", m |-> {}]", message(env, &mut cmds)).ok();
                None
            }
            (Op::Deliver { .. }, Some(env), _) => {
                let m = message(env, &mut cmds);
                write!(step, "[op |-> \"deliver\", s |-> {}, m |-> {m}", env.to).ok();
                Some(env.to)
            }
            (Op::Drop { .. }, Some(env), _) => {
                write!(step, "[op |-> \"drop\", m |-> {}]", message(env, &mut cmds)).ok();
                None
            }
            (Op::Duplicate { .. }, Some(env), _) => {
                write!(step, "[op |-> \"dup\", m |-> {}]", message(env, &mut cmds)).ok();
                None
            }
            (Op::ElectionTimeout { node }, ..) => server_op(&mut step, "timeout", *node),
            (Op::HeartbeatTimeout { node }, ..) => server_op(&mut step, "heartbeat", *node),
            (Op::Propose { node, command }, ..) => {
                let v = cmds.of(Some(*command));
                write!(step, "[op |-> \"propose\", s |-> {node}, v |-> {v}").ok();
                Some(*node)
            }
            (Op::Crash { node }, ..) => server_op(&mut step, "crash", *node),
            (Op::Restart { node }, ..) => server_op(&mut step, "restart", *node),
            (Op::Snapshot { node } | Op::SnapshotAt { node, .. }, ..) => {
                let i = snapshot_index.unwrap_or(0);
                write!(step, "[op |-> \"snapshot\", s |-> {node}, i |-> {i}").ok();
                Some(*node)
            }
            // The partition is the network's, not a server's: no spec step. Its effect shows
            // as deliveries that are lost.
            (Op::Partition { .. } | Op::Heal, ..) => continue,
            (Op::Deliver { .. } | Op::Drop { .. } | Op::Duplicate { .. }, None, _) => continue,
        };
        if let Some(id) = touched {
            let obs = observe(&cluster, id, &mut cmds, &mut shown[id as usize]);
            write!(step, ", o |-> {obs}]").ok();
        }
        steps.push(step);
        op_of_step.push(k);
    }
    Ok(Exported { steps, op_of_step })
}

fn server_op(step: &mut String, name: &str, node: NodeId) -> Option<NodeId> {
    write!(step, "[op |-> \"{name}\", s |-> {node}").ok();
    Some(node)
}

fn entries(entries: &[Entry], cmds: &mut Commands) -> String {
    let items: Vec<String> = entries
        .iter()
        .map(|e| format!("<<{}, {}>>", e.term, cmds.of(e.command)))
        .collect();
    format!("<<{}>>", items.join(", "))
}

/// A snapshot's contents as the spec holds them: the commands of indices 1.. (a snapshot that
/// does not decode as a service state becomes `<<-1>>`, which no spec state holds).
fn snapshot_data(data: &[u8], cmds: &mut Commands) -> String {
    match decode_service(data) {
        Ok(service) => {
            let items: Vec<String> = service.iter().map(|c| cmds.of(*c).to_string()).collect();
            format!("<<{}>>", items.join(", "))
        }
        Err(_) => "<<-1>>".into(),
    }
}

/// A message as a tuple (`TraceRaft!Msg` makes it the spec's record): its kind, its fields in
/// the order of `message.rs`, then source and destination.
fn message(env: &Envelope, cmds: &mut Commands) -> String {
    let body = match &env.msg {
        Message::RequestVote {
            term,
            last_log_index,
            last_log_term,
        } => format!("\"RV\", {term}, {last_log_index}, {last_log_term}"),
        Message::RequestVoteReply { term, granted } => {
            format!("\"RVR\", {term}, {}", tla_bool(*granted))
        }
        Message::AppendEntries {
            term,
            prev_log_index,
            prev_log_term,
            entries: es,
            leader_commit,
        } => format!(
            "\"AE\", {term}, {prev_log_index}, {prev_log_term}, {}, {leader_commit}",
            entries(es, cmds)
        ),
        Message::AppendEntriesReply {
            term,
            success,
            match_index,
            conflict_index,
            conflict_term,
        } => format!(
            "\"AER\", {term}, {}, {match_index}, {conflict_index}, {}",
            tla_bool(*success),
            conflict_term.unwrap_or(0)
        ),
        Message::InstallSnapshot {
            term,
            last_included_index,
            last_included_term,
            data,
        } => format!(
            "\"IS\", {term}, {last_included_index}, {last_included_term}, {}",
            snapshot_data(data, cmds)
        ),
        Message::InstallSnapshotReply { term, match_index } => {
            format!("\"ISR\", {term}, {match_index}")
        }
        // Not in the spec yet (it states Figure 2 without PreVote): kinds no spec action
        // sends, so validation names the first step that sends one.
        Message::PreVote {
            term,
            last_log_index,
            last_log_term,
        } => format!("\"PV\", {term}, {last_log_index}, {last_log_term}"),
        Message::PreVoteReply { term, granted } => {
            format!("\"PVR\", {term}, {}", tla_bool(*granted))
        }
    };
    format!("<<{body}, {}, {}>>", env.from, env.to)
}

fn tla_bool(b: bool) -> &'static str {
    if b {
        "TRUE"
    } else {
        "FALSE"
    }
}

/// Server `id` after the step, in the spec's terms. A crashed server shows what it persisted
/// (its durable state, never written: a fresh one) with the volatile state a restart gives it.
fn observe(cluster: &Cluster, id: NodeId, cmds: &mut Commands, shown: &mut Shown) -> String {
    let n = cluster.config().cluster_size as usize;
    let fresh = Persistent::default();
    let (term, vote, log, data, up) = match cluster.node(id) {
        Some(node) => (
            node.current_term(),
            node.voted_for(),
            node.log(),
            node.snapshot_data(),
            true,
        ),
        None => {
            let p = cluster.durable(id).unwrap_or(&fresh);
            (p.current_term, p.voted_for, &p.log, &p.snapshot[..], false)
        }
    };
    let node: Option<&Node> = cluster.node(id);
    let base = log.snapshot_index();
    let (role, votes, next, matched) = match node.map(Node::role) {
        Some(Role::Candidate { votes }) => (
            "Candidate",
            votes.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
            vec![0; n],
            vec![0; n],
        ),
        Some(Role::Leader { progress }) => (
            "Leader",
            Vec::new(),
            progress.iter().map(|p| p.next_index).collect(),
            progress.iter().map(|p| p.match_index).collect(),
        ),
        _ => ("Follower", Vec::new(), vec![0; n], vec![0; n]),
    };
    let (commit, applied) = node.map_or((base, base), |n| (n.commit_index(), n.last_applied()));
    // <<term, vote, snapshot index, snapshot term, role, votes, nextIndex, matchIndex,
    //   commitIndex, lastApplied, up, <<log>> or <<>> if unchanged, <<data>> or <<>>>>
    let log_text = log_entries(log, cmds);
    let log_shown = if shown.log.as_deref() == Some(&log_text) {
        "<<>>".to_string()
    } else {
        shown.log = Some(log_text.clone());
        format!("<<{log_text}>>")
    };
    let data_text = snapshot_data(data, cmds);
    let data_shown = if shown.data.as_deref() == Some(&data_text) {
        "<<>>".to_string()
    } else {
        shown.data = Some(data_text.clone());
        format!("<<{data_text}>>")
    };
    format!(
        "<<{term}, {}, {base}, {}, \"{role}\", {{{}}}, {}, {}, {commit}, {applied}, {}, {log_shown}, \
         {data_shown}>>",
        vote.map_or(-1, i64::from),
        log.snapshot_term(),
        votes.join(", "),
        tuple(&next),
        tuple(&matched),
        tla_bool(up)
    )
}

fn log_entries(log: &Log, cmds: &mut Commands) -> String {
    entries(log.entries(), cmds)
}

fn tuple(xs: &[u64]) -> String {
    let items: Vec<String> = xs.iter().map(|x| x.to_string()).collect();
    format!("<<{}>>", items.join(", "))
}

/// The first trace operation after which two exports of the same operations differ (a step
/// skipped in one, another message, another state): where a mutant's run parts from the
/// correct core's.
pub fn first_divergence(a: &Exported, b: &Exported) -> Option<usize> {
    let by_op = |e: &Exported| -> std::collections::BTreeMap<usize, String> {
        e.op_of_step
            .iter()
            .copied()
            .zip(e.steps.iter().cloned())
            .collect()
    };
    let (a, b) = (by_op(a), by_op(b));
    a.keys()
        .chain(b.keys())
        .copied()
        .filter(|op| a.get(op) != b.get(op))
        .min()
}
