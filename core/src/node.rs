//! A Raft server as a value: `step(input) -> Output` is the whole protocol. This file holds the
//! state of Figure 2, the inputs and outputs, and the rules for all servers (term adoption,
//! applying committed entries); `election.rs`, `replication.rs` and `snapshot.rs` hold the RPCs.

use crate::config::Config;
use crate::log::Log;
use crate::message::Message;
use crate::types::{Command, Entry, Index, NodeId, Term, VoteSet};
use serde::{Deserialize, Serialize};

/// What happens to a node. Every input is handled to completion in one `step`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Input {
    /// The election timer fired (ignored by leaders).
    ElectionTimeout,
    /// The heartbeat timer fired (ignored by non-leaders).
    HeartbeatTimeout,
    /// A message from a peer.
    Receive { from: NodeId, msg: Message },
    /// A client asks to append a command. Answered in `Output::proposal`.
    Propose(Command),
    /// The service has applied everything up to `index` and hands over its state: compact.
    Snapshot { index: Index, data: Vec<u8> },
}

/// What a node must persist: Figure 2's persistent state plus the snapshot, saved as one unit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Persistent {
    pub current_term: Term,
    pub voted_for: Option<NodeId>,
    pub log: Log,
    pub snapshot: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Follower,
    Candidate { votes: VoteSet },
    Leader { progress: Vec<Progress> },
}

/// The leader's view of one follower (Figure 2's nextIndex and matchIndex).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Progress {
    pub next_index: Index,
    pub match_index: Index,
}

/// Something the service must apply, in order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Apply {
    Entry {
        index: Index,
        term: Term,
        command: Option<Command>,
    },
    /// Replace the state machine by this snapshot (covers every index up to `index`).
    Snapshot {
        index: Index,
        term: Term,
        data: Vec<u8>,
    },
}

/// Timer requests for the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Timer {
    /// Restart the election timer with a fresh (randomised, driver-chosen) timeout.
    ResetElection,
    /// Start firing `HeartbeatTimeout` periodically (became leader).
    StartHeartbeat,
    /// Stop the heartbeat (no longer leader).
    StopHeartbeat,
}

/// Observable facts, for checkers and ghost history. They change nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Event {
    BecameCandidate { term: Term },
    BecameLeader { term: Term },
    SteppedDown { term: Term },
    VoteGranted { candidate: NodeId, term: Term },
    CommitAdvanced { from: Index, to: Index },
    /// A follower removed conflicting entries from `from` on (a leader repaired its log).
    LogTruncated { from: Index },
    /// A leader moved a follower's nextIndex back using ConflictTerm/ConflictIndex.
    BackedUp { peer: NodeId, next_index: Index },
    SnapshotInstalled { index: Index },
    LogCompacted { index: Index },
}

/// The answer to a proposal, returned at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProposeResult {
    Accepted { index: Index, term: Term },
    NotLeader { leader_hint: Option<NodeId> },
}

/// The work a step hands back. A driver must honour it in field order: make `persist` durable
/// before sending any of `messages` (persist-before-reply), then send, apply, set timers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    pub persist: Option<Persistent>,
    pub messages: Vec<(NodeId, Message)>,
    pub apply: Vec<Apply>,
    pub timers: Vec<Timer>,
    pub events: Vec<Event>,
    pub proposal: Option<ProposeResult>,
}

/// One Raft server. Construct with [`Node::new`] or [`Node::restart`]; drive with [`Node::step`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Node {
    pub(crate) id: NodeId,
    pub(crate) config: Config,
    // Persistent state (Figure 2), plus the snapshot.
    pub(crate) current_term: Term,
    pub(crate) voted_for: Option<NodeId>,
    pub(crate) log: Log,
    pub(crate) snapshot: Vec<u8>,
    // Volatile state.
    pub(crate) role: Role,
    pub(crate) commit_index: Index,
    pub(crate) last_applied: Index,
    pub(crate) leader_hint: Option<NodeId>,
    /// Set during a step when persistent state changed; drained into `Output::persist`.
    #[serde(skip)]
    pub(crate) dirty: bool,
}

impl Node {
    /// A server that has never run: term 0, empty log.
    pub fn new(id: NodeId, config: Config) -> Node {
        Node::restart(id, config, Persistent::default())
    }

    /// A server rebuilt from its persisted state alone (everything volatile starts afresh; the
    /// snapshot, if any, counts as committed and applied by the service that loaded it).
    pub fn restart(id: NodeId, config: Config, persisted: Persistent) -> Node {
        let base = persisted.log.snapshot_index();
        Node {
            id,
            config,
            current_term: persisted.current_term,
            voted_for: persisted.voted_for,
            log: persisted.log,
            snapshot: persisted.snapshot,
            role: Role::Follower,
            commit_index: base,
            last_applied: base,
            leader_hint: None,
            dirty: false,
        }
    }

    /// Handle one input to completion.
    pub fn step(&mut self, input: Input) -> Output {
        let mut out = Output::default();
        match input {
            Input::ElectionTimeout => self.on_election_timeout(&mut out),
            Input::HeartbeatTimeout => self.on_heartbeat_timeout(&mut out),
            Input::Receive { from, msg } => self.on_message(from, msg, &mut out),
            Input::Propose(command) => self.on_propose(command, &mut out),
            Input::Snapshot { index, data } => self.on_snapshot(index, data, &mut out),
        }
        self.apply_committed(&mut out);
        if std::mem::take(&mut self.dirty) {
            out.persist = Some(self.persisted());
        }
        out
    }

    fn on_message(&mut self, from: NodeId, msg: Message, out: &mut Output) {
        if from >= self.config.cluster_size || from == self.id {
            return; // not a peer: ignore rather than trust it
        }
        // Rules for all servers: a higher term is adopted at once, and we step down.
        if msg.term() > self.current_term {
            self.adopt_term(msg.term(), out);
        }
        match msg {
            Message::RequestVote {
                term,
                last_log_index,
                last_log_term,
            } => self.on_request_vote(from, term, last_log_index, last_log_term, out),
            Message::RequestVoteReply { term, granted } => {
                self.on_request_vote_reply(from, term, granted, out)
            }
            Message::AppendEntries {
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            } => self.on_append_entries(
                from,
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
                out,
            ),
            Message::AppendEntriesReply {
                term,
                success,
                match_index,
                conflict_index,
                conflict_term,
            } => self.on_append_entries_reply(
                from,
                term,
                success,
                match_index,
                conflict_index,
                conflict_term,
                out,
            ),
            Message::InstallSnapshot {
                term,
                last_included_index,
                last_included_term,
                data,
            } => self.on_install_snapshot(
                from,
                term,
                last_included_index,
                last_included_term,
                data,
                out,
            ),
            Message::InstallSnapshotReply { term, match_index } => {
                self.on_install_snapshot_reply(from, term, match_index, out)
            }
        }
    }

    /// Figure 2, rules for all servers: "If RPC request or response contains term T >
    /// currentTerm: set currentTerm = T, convert to follower" (and the vote is for the old term).
    pub(crate) fn adopt_term(&mut self, term: Term, out: &mut Output) {
        self.current_term = term;
        if !crate::mutant!(self.config, KeepVotedForOnNewTerm) {
            self.voted_for = None;
        }
        self.leader_hint = None;
        self.dirty = true;
        self.become_follower(out);
    }

    pub(crate) fn become_follower(&mut self, out: &mut Output) {
        match self.role {
            Role::Follower => return,
            Role::Leader { .. } => out.timers.push(Timer::StopHeartbeat),
            Role::Candidate { .. } => {}
        }
        self.role = Role::Follower;
        out.events.push(Event::SteppedDown {
            term: self.current_term,
        });
    }

    fn on_propose(&mut self, command: Command, out: &mut Output) {
        if !self.is_leader() {
            out.proposal = Some(ProposeResult::NotLeader {
                leader_hint: self.leader_hint,
            });
            return;
        }
        let index = self.log.append(Entry {
            term: self.current_term,
            command: Some(command),
        });
        self.dirty = true;
        out.proposal = Some(ProposeResult::Accepted {
            index,
            term: self.current_term,
        });
        self.advance_leader_commit(out); // a single-server cluster commits at once
        self.broadcast_append(out);
    }

    /// Rules for all servers: "If commitIndex > lastApplied: increment lastApplied, apply
    /// log[lastApplied] to state machine". Each index is handed out once per incarnation.
    fn apply_committed(&mut self, out: &mut Output) {
        while self.last_applied < self.commit_index {
            let index = self.last_applied + 1;
            let Some(entry) = self.log.entry(index).copied() else {
                break; // compacted away: the snapshot already carried it
            };
            out.apply.push(Apply::Entry {
                index,
                term: entry.term,
                command: entry.command,
            });
            self.last_applied = index;
        }
    }

    pub(crate) fn set_commit_index(&mut self, to: Index, out: &mut Output) {
        if to > self.commit_index {
            out.events.push(Event::CommitAdvanced {
                from: self.commit_index,
                to,
            });
            self.commit_index = to;
        }
    }

    /// The state that a persist written now would hold (what survives a crash).
    pub fn persisted(&self) -> Persistent {
        let mut p = Persistent {
            current_term: self.current_term,
            voted_for: self.voted_for,
            log: self.log.clone(),
            snapshot: self.snapshot.clone(),
        };
        if crate::mutant!(self.config, VoteNotPersisted) {
            p.voted_for = None;
        }
        if crate::mutant!(self.config, TermNotPersisted) {
            p.current_term = self.log.last_term();
        }
        p
    }

    // ---- Read-only accessors -------------------------------------------------------------

    pub fn id(&self) -> NodeId {
        self.id
    }
    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn current_term(&self) -> Term {
        self.current_term
    }
    pub fn voted_for(&self) -> Option<NodeId> {
        self.voted_for
    }
    pub fn log(&self) -> &Log {
        &self.log
    }
    pub fn snapshot_data(&self) -> &[u8] {
        &self.snapshot
    }
    pub fn role(&self) -> &Role {
        &self.role
    }
    pub fn commit_index(&self) -> Index {
        self.commit_index
    }
    pub fn last_applied(&self) -> Index {
        self.last_applied
    }
    pub fn leader_hint(&self) -> Option<NodeId> {
        self.leader_hint
    }
    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader { .. })
    }
    /// `(current_term, is_leader)`, like the lab's `GetState()`.
    pub fn state(&self) -> (Term, bool) {
        (self.current_term, self.is_leader())
    }
    /// One letter for stories: F, C or L.
    pub fn role_letter(&self) -> char {
        match self.role {
            Role::Follower => 'F',
            Role::Candidate { .. } => 'C',
            Role::Leader { .. } => 'L',
        }
    }

    pub(crate) fn peers(&self) -> impl Iterator<Item = NodeId> {
        let me = self.id;
        self.config.ids().filter(move |&p| p != me)
    }
}
