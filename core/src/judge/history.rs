//! Ghost history of one server, kept by whoever drives it (cluster driver, model checker) and
//! surviving its crashes: terms it led, votes it granted, everything it ever applied, the
//! highest term it reached, and every transition-property violation seen in its steps.
//! Invariants are stated over node states plus these histories.

use crate::judge::invariants::fast::leader_append_only;
use crate::judge::invariants::{Property, Violation};
use crate::judge::service::decode_service;
use crate::judge::words;
use crate::protocol::message::Message;
use crate::protocol::node::{Apply, Node, Output};
use crate::protocol::types::{Command, Entry, Index, NodeId, Term};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An entry a server applied: its term, its command, and the server's term when it applied it
/// (the term in which the entry was known committed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Applied {
    pub term: Term,
    pub command: Option<Command>,
    pub commit_term: Term,
}

/// One election the server won: the term, and its log as it was when it became leader (a few
/// entries in the checkers' bounded runs; the core shares nothing between threads, so no `Arc`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Election {
    pub term: Term,
    pub log: ElectedLog,
}

/// A leader's log when it was elected: what its snapshot held (the reference service's
/// commands at `1..=snapshot_index`, `None` when the snapshot does not decode to exactly that
/// many) and its entries after the snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ElectedLog {
    pub snapshot_index: Index,
    pub snapshot: Option<Vec<Option<Command>>>,
    pub entries: Vec<Entry>,
}

impl ElectedLog {
    fn of(node: &Node) -> ElectedLog {
        let log = node.log();
        let commands = decode_service(node.snapshot_data()).ok();
        ElectedLog {
            snapshot_index: log.snapshot_index(),
            snapshot: commands.filter(|c| c.len() as Index == log.snapshot_index()),
            entries: log.entries().to_vec(),
        }
    }

    /// Did the leader hold the entry `(term, command)` at `index` (in its snapshot: the command)?
    pub fn holds(&self, index: Index, term: Term, command: Option<Command>) -> bool {
        match self.at(index) {
            Held::Entry(t, c) => (t, c) == (term, command),
            Held::InSnapshot(c) => c == command,
            Held::Nothing | Held::Undecodable => false,
        }
    }

    /// What the leader held at `index`.
    pub fn at(&self, index: Index) -> Held {
        if index == 0 {
            return Held::Nothing;
        }
        if index <= self.snapshot_index {
            let Some(snapshot) = &self.snapshot else {
                return Held::Undecodable;
            };
            return snapshot
                .get(index as usize - 1)
                .map_or(Held::Nothing, |&c| Held::InSnapshot(c));
        }
        let k = (index - self.snapshot_index - 1) as usize;
        self.entries
            .get(k)
            .map_or(Held::Nothing, |e| Held::Entry(e.term, e.command))
    }
}

/// What an elected leader's log held at one index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    /// An entry: its term and command.
    Entry(Term, Option<Command>),
    /// A command its snapshot held.
    InSnapshot(Option<Command>),
    Nothing,
    /// The index is within a snapshot that does not decode.
    Undecodable,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NodeHistory {
    /// How many times the server was restarted from its persisted state.
    pub restarts: u32,
    /// The highest current term the server ever had (across incarnations).
    pub max_term: Term,
    /// The elections the server was seen winning, in order, each with its log then.
    pub elected: Vec<Election>,
    /// Every vote the server was seen granting (its own candidacies included): `(term,
    /// candidate)`, sorted.
    pub votes: Vec<(Term, NodeId)>,
    /// Everything the server ever applied, by index (a snapshot's prefix excluded).
    pub applied: BTreeMap<Index, Applied>,
    /// Every command the server's state machine received through a snapshot (installed from a
    /// leader, or loaded on restart), by index: the snapshot's service state decoded with the
    /// reference encoding (`cluster::decode_service`). Opaque snapshots record nothing.
    pub snapshot_applied: BTreeMap<Index, Option<Command>>,
    /// Every command a snapshot of this server held, by index: those it took (compacting its
    /// log), installed or loaded on restart, decoded with the reference encoding.
    pub snapshots: BTreeMap<Index, Option<Command>>,
    /// The server, as a follower, had conflicting entries removed by a leader.
    pub truncated_conflict: bool,
    /// The server installed a snapshot sent by a leader.
    pub installed_snapshot: bool,
    /// The server was restarted from a persisted snapshot.
    pub restarted_from_snapshot: bool,
    /// Every violation of a transition property seen in the server's steps and restarts, in
    /// order (each once; a run stops at the first, so this stays short).
    pub violations: Vec<Violation>,
}

impl NodeHistory {
    /// Back to the empty history, keeping the buffers (drivers reuse clusters).
    pub fn clear(&mut self) {
        let NodeHistory {
            restarts,
            max_term,
            elected,
            votes,
            applied,
            snapshot_applied,
            snapshots,
            truncated_conflict,
            installed_snapshot,
            restarted_from_snapshot,
            violations,
        } = self;
        *restarts = 0;
        *max_term = 0;
        elected.clear();
        votes.clear();
        applied.clear();
        snapshot_applied.clear();
        snapshots.clear();
        *truncated_conflict = false;
        *installed_snapshot = false;
        *restarted_from_snapshot = false;
        violations.clear();
    }

    /// Record one step of `after`'s server (`before` is its state before the step) and check
    /// the transition properties: LeaderAppendOnly, TermMonotonic, CommitMonotonic, and
    /// StateMachineSafety for re-applications by the same server.
    pub fn observe_step(&mut self, before: &Node, after: &Node, out: &Output) {
        let id = after.id();
        if after.current_term() < before.current_term() {
            self.record(Violation::new(
                Property::TermMonotonic,
                vec![id],
                None,
                Some(after.current_term()),
                format!(
                    "current term went from {} down to {} in one step",
                    before.current_term(),
                    after.current_term()
                ),
            ));
        }
        if after.last_applied() < before.last_applied() {
            self.record(Violation::new(
                Property::CommitMonotonic,
                vec![id],
                Some(after.last_applied()),
                None,
                format!(
                    "the state machine went back from index {} to {} within one incarnation",
                    before.last_applied(),
                    after.last_applied()
                ),
            ));
        }
        if after.commit_index() < before.commit_index() {
            self.record(Violation::new(
                Property::CommitMonotonic,
                vec![id],
                Some(after.commit_index()),
                None,
                format!(
                    "commit index went from {} down to {} within one incarnation",
                    before.commit_index(),
                    after.commit_index()
                ),
            ));
        }
        if let Err(v) = leader_append_only(before, after) {
            self.record(v);
        }
        // After a step the state machine holds everything committed, unless the entry it
        // needs next is gone: neither in the log nor covered by the snapshot.
        let next = after.last_applied() + 1;
        if next <= after.commit_index()
            && next > after.log().snapshot_index()
            && after.log().entry(next).is_none()
        {
            self.record(Violation::new(
                Property::CommitMonotonic,
                vec![id],
                Some(next),
                None,
                format!(
                    "server {id} has commit index {} but applied only through index {}: its \
                     log lacks the entry at index {next} (snapshot up to index {})",
                    after.commit_index(),
                    after.last_applied(),
                    after.log().snapshot_index()
                ),
            ));
        }
        self.max_term = self.max_term.max(after.current_term());
        self.observe_roles_and_votes(before, after, out);
        self.observe_compaction(before, after, out);
        self.observe_log_repairs(before, after, out);
        // The apply stream, in order: each entry is the next index, each snapshot lies beyond
        // what the state machine already holds (no rollback, nothing applied twice).
        let mut through = before.last_applied();
        for apply in &out.apply {
            let (index, next) = match apply {
                Apply::Entry { index, .. } => (*index, *index == through + 1),
                Apply::Snapshot { index, .. } => (*index, *index > through),
            };
            if !next {
                self.record(Violation::new(
                    Property::CommitMonotonic,
                    vec![id],
                    Some(index),
                    None,
                    format!(
                        "the state machine, holding index {through}, was handed {} at index \
                         {index} within one incarnation",
                        if matches!(apply, Apply::Entry { .. }) {
                            "an entry"
                        } else {
                            "a snapshot"
                        }
                    ),
                ));
            }
            through = index;
            match apply {
                Apply::Entry {
                    index,
                    term,
                    command,
                } => self.observe_apply(id, *index, *term, *command, after.current_term()),
                Apply::Snapshot { index, data, .. } => self.observe_snapshot(id, *index, data),
            }
        }
    }

    /// Elections and votes, as seen from outside: a server is elected when it is leader of a
    /// term after a step and was not leader of that term before; it voted for `c` in term `t`
    /// when it sent `c` a granted `RequestVoteReply` of term `t`, persisted `voted_for = c` in
    /// term `t`, or its live `(current_term, voted_for)` changed to `(t, Some(c))` (its own
    /// candidacy is a vote for itself). The events the server emits about itself are not read.
    fn observe_roles_and_votes(&mut self, before: &Node, after: &Node, out: &Output) {
        let term = after.current_term();
        if after.is_leader() && !(before.is_leader() && before.current_term() == term) {
            self.elected.push(Election {
                term,
                log: ElectedLog::of(after),
            });
        }
        for (to, msg) in &out.messages {
            if let Message::RequestVoteReply {
                term,
                granted: true,
            } = *msg
            {
                self.vote(term, *to);
            }
        }
        if let Some(p) = &out.persist {
            if let Some(c) = p.voted_for {
                self.vote(p.current_term, c);
            }
        }
        if (term, after.voted_for()) != (before.current_term(), before.voted_for()) {
            if let Some(c) = after.voted_for() {
                self.vote(term, c);
            }
        }
    }

    /// SnapshotCommitted, as a transition: a server that compacted its log in a step (its
    /// snapshot index rose, and its state machine was handed no snapshot, so it took the
    /// snapshot itself) compacted only what it knew committed before the step, and its new
    /// snapshot holds exactly the commands `1..=index`; they join `snapshots`.
    fn observe_compaction(&mut self, before: &Node, after: &Node, out: &Output) {
        let (id, index) = (after.id(), after.log().snapshot_index());
        if index <= before.log().snapshot_index()
            || out
                .apply
                .iter()
                .any(|a| matches!(a, Apply::Snapshot { .. }))
        {
            return;
        }
        if index > before.commit_index() {
            let detail = format!(
                "server {id} compacted its log up to index {index} with commit index {}",
                before.commit_index()
            );
            self.record(Violation::new(
                Property::SnapshotCommitted,
                vec![id],
                Some(index),
                after.log().term_at(index),
                detail,
            ));
        }
        match decode_service(after.snapshot_data()) {
            Ok(commands) if commands.len() as Index == index => {
                self.snapshots.extend((1..).zip(commands));
            }
            decoded => {
                let held = match decoded {
                    Ok(commands) => format!("{} commands", commands.len()),
                    Err(e) => e,
                };
                let detail = format!("server {id}'s snapshot covering index {index} holds {held}");
                self.record(Violation::new(
                    Property::SnapshotCommitted,
                    vec![id],
                    Some(index),
                    None,
                    detail,
                ));
            }
        }
    }

    fn vote(&mut self, term: Term, candidate: NodeId) {
        if let Err(at) = self.votes.binary_search(&(term, candidate)) {
            self.votes.insert(at, (term, candidate));
        }
    }

    /// The goals, as seen from outside. A conflict was repaired when a server that is not
    /// leader after a step that answered an AppendEntries (it sent an `AppendEntriesReply`)
    /// lost an entry it held beyond its (new) snapshot: that index now holds another entry or
    /// none. A snapshot was installed when the log's snapshot index rose in a step that handed
    /// the state machine a snapshot (a server's own compaction hands it none).
    fn observe_log_repairs(&mut self, before: &Node, after: &Node, out: &Output) {
        let answered_append = || {
            out.messages
                .iter()
                .any(|(_, m)| matches!(m, Message::AppendEntriesReply { .. }))
        };
        if !self.truncated_conflict && !after.is_leader() && answered_append() {
            let (old, new) = (before.log(), after.log());
            let lost = old
                .iter()
                .rev()
                .take_while(|(i, _)| *i > new.snapshot_index())
                .any(|(i, e)| new.entry(i) != Some(e));
            self.truncated_conflict = lost;
        }
        if after.log().snapshot_index() > before.log().snapshot_index()
            && out
                .apply
                .iter()
                .any(|a| matches!(a, Apply::Snapshot { .. }))
        {
            self.installed_snapshot = true;
        }
    }

    fn observe_apply(
        &mut self,
        id: NodeId,
        index: Index,
        term: Term,
        command: Option<Command>,
        commit_term: Term,
    ) {
        match self.applied.get_mut(&index) {
            None => {
                self.applied.insert(
                    index,
                    Applied {
                        term,
                        command,
                        commit_term,
                    },
                );
            }
            Some(old) if old.command != command || old.term != term => {
                let detail = format!(
                    "server {id} applied {} (term {term}) at index {index}, where it had \
                     applied {} (term {}) before",
                    words::command(command),
                    words::command(old.command),
                    old.term
                );
                self.record(Violation::new(
                    Property::StateMachineSafety,
                    vec![id],
                    Some(index),
                    Some(term),
                    detail,
                ));
            }
            Some(_) => {}
        }
    }

    /// The state machine was replaced by a snapshot of every command up to `index`: each must be
    /// what this server applied there before (StateMachineSafety), and it joins the history.
    /// A snapshot that does not decode to exactly `index` commands breaks StateMachineSafety:
    /// the state machine would hold something other than the entries `1..=index`.
    fn observe_snapshot(&mut self, id: NodeId, index: Index, data: &[u8]) {
        let commands = match decode_service(data) {
            Ok(commands) if commands.len() as Index == index => commands,
            Ok(commands) => {
                let detail = format!(
                    "server {id}'s state machine was handed a snapshot covering index {index} \
                     that holds {} commands",
                    commands.len()
                );
                let v = Violation::new(
                    Property::StateMachineSafety,
                    vec![id],
                    Some(index),
                    None,
                    detail,
                );
                return self.record(v);
            }
            Err(e) => {
                let detail = format!(
                    "server {id}'s state machine was handed a snapshot covering index {index}: {e}"
                );
                let v = Violation::new(
                    Property::StateMachineSafety,
                    vec![id],
                    Some(index),
                    None,
                    detail,
                );
                return self.record(v);
            }
        };
        for (k, command) in (1..).zip(commands) {
            let before = self
                .applied
                .get(&k)
                .map(|a| a.command)
                .or_else(|| self.snapshot_applied.get(&k).copied());
            if let Some(old) = before.filter(|old| *old != command) {
                self.record(Violation::new(
                    Property::StateMachineSafety,
                    vec![id],
                    Some(k),
                    None,
                    format!(
                        "server {id} loaded a snapshot holding {} at index {k}, where its \
                         state machine had {}",
                        words::command(command),
                        words::command(old)
                    ),
                ));
            }
            self.snapshot_applied.insert(k, command);
            self.snapshots.insert(k, command);
        }
    }

    /// Record a restart from persisted state; the term must not have gone back.
    pub fn observe_restart(&mut self, node: &Node) {
        self.restarts += 1;
        if node.log().snapshot_index() > 0 {
            self.restarted_from_snapshot = true;
            self.observe_snapshot(node.id(), node.log().snapshot_index(), node.snapshot_data());
        }
        if node.current_term() < self.max_term {
            self.record(Violation::new(
                Property::TermMonotonic,
                vec![node.id()],
                None,
                Some(node.current_term()),
                format!(
                    "restarted with term {} after reaching term {}",
                    node.current_term(),
                    self.max_term
                ),
            ));
        }
        self.max_term = self.max_term.max(node.current_term());
    }

    fn record(&mut self, violation: Violation) {
        if !self.violations.contains(&violation) {
            self.violations.push(violation);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::invariants::{
        election_safety, leader_completeness, one_vote_per_term, snapshot_committed, NodeView,
    };
    use crate::judge::service::encode_service;
    use crate::protocol::config::Config;
    use crate::protocol::log::Log;
    use crate::protocol::node::{Persistent, Role};

    /// A server restarted from a snapshot covering `1..=index` (so `last_applied == index`).
    fn restored(index: Index) -> Node {
        let mut log = Log::default();
        log.install_snapshot(index, 1, false);
        let snapshot = encode_service(&vec![Some(7); index as usize]);
        let persisted = Persistent {
            current_term: 1,
            log,
            snapshot,
            ..Persistent::default()
        };
        Node::restart(0, Config::new(3), persisted)
    }

    /// A server of `cluster` servers in `term`, with `voted_for`, leader or follower, built by
    /// hand (no step, so no event of any kind).
    fn server(id: NodeId, term: Term, voted_for: Option<NodeId>, leader: bool) -> Node {
        let mut node = Node::new(id, Config::new(3));
        node.current_term = term;
        node.voted_for = voted_for;
        if leader {
            node.role = Role::Leader {
                progress: Vec::new(),
            };
        }
        node
    }

    fn views<'a>(histories: &'a [NodeHistory]) -> Vec<NodeView<'a>> {
        (0..)
            .zip(histories)
            .map(|(id, history)| NodeView {
                id,
                node: None,
                durable: None,
                history,
            })
            .collect()
    }

    /// Two servers that become leaders of term 1 without a `BecameLeader` event are seen
    /// becoming leaders (their role changed) and break ElectionSafety.
    #[test]
    fn a_silent_election_is_still_an_election() {
        let mut hs = vec![NodeHistory::default(), NodeHistory::default()];
        for (id, h) in (0..).zip(&mut hs) {
            let before = server(id, 1, Some(id), false);
            h.observe_step(&before, &server(id, 1, Some(id), true), &Output::default());
        }
        let terms = |h: &NodeHistory| h.elected.iter().map(|e| e.term).collect::<Vec<_>>();
        assert_eq!((terms(&hs[0]), terms(&hs[1])), (vec![1], vec![1]));
        let v = election_safety(&views(&hs)).expect_err("two leaders of term 1");
        assert_eq!(
            (v.property, v.nodes, v.term),
            (Property::ElectionSafety, vec![0, 1], Some(1))
        );
    }

    /// A leader that adopts a higher term and keeps its role was elected in that term.
    #[test]
    fn a_leader_that_moves_to_a_higher_term_is_elected_there() {
        let mut h = NodeHistory::default();
        let out = Output::default();
        h.observe_step(
            &server(0, 1, Some(0), true),
            &server(0, 2, None, true),
            &out,
        );
        let terms = |h: &NodeHistory| h.elected.iter().map(|e| e.term).collect::<Vec<_>>();
        assert_eq!(terms(&h), vec![2]);
        // Staying leader of the same term is no new election.
        h.observe_step(&server(0, 2, None, true), &server(0, 2, None, true), &out);
        assert_eq!(terms(&h), vec![2]);
    }

    /// A leader of term 2 elected without the entry committed in term 1, which then steps down
    /// (no live leader is left), still breaks LeaderCompleteness: the ghost kept its log.
    #[test]
    fn a_leader_that_lacked_a_committed_entry_is_caught_after_it_stepped_down() {
        let mut hs = vec![NodeHistory::default(), NodeHistory::default()];
        let out = Output::default();
        hs[0].observe_step(
            &server(0, 2, Some(0), false),
            &server(0, 2, Some(0), true),
            &out,
        );
        hs[0].observe_step(
            &server(0, 2, Some(0), true),
            &server(0, 3, None, false),
            &out,
        );
        hs[1].applied.insert(
            1,
            Applied {
                term: 1,
                command: Some(5),
                commit_term: 1,
            },
        );
        let v = leader_completeness(&views(&hs)).expect_err("leader of term 2 lacked index 1");
        assert_eq!(
            (v.property, v.nodes, v.index, v.term),
            (Property::LeaderCompleteness, vec![0, 1], Some(1), Some(2))
        );
        // Committed in term 2 itself: nothing is owed to the leader of term 2.
        hs[1].applied.get_mut(&1).expect("applied").commit_term = 2;
        assert_eq!(leader_completeness(&views(&hs)), Ok(()));
    }

    /// A follower (term 1, commit index `commit`) holding entries of term 1 at `1..=last`.
    fn holding(last: Index, commit: Index) -> Node {
        let mut node = server(0, 1, None, false);
        for k in 1..=last {
            node.log.append(crate::protocol::types::Entry {
                term: 1,
                command: Some(k),
            });
        }
        node.commit_index = commit;
        node.last_applied = commit;
        node
    }

    /// Compacting the log beyond the commit index breaks SnapshotCommitted, even when the
    /// snapshot's contents are well formed.
    #[test]
    fn compacting_beyond_the_commit_index_violates_snapshot_committed() {
        let before = holding(3, 1);
        let mut after = before.clone();
        after.log.compact(3);
        after.snapshot = encode_service(&[Some(1), Some(2), Some(3)]);
        let mut h = NodeHistory::default();
        h.observe_step(&before, &after, &Output::default());
        let v = h.violations.first().cloned().expect("recorded");
        assert_eq!(
            (v.property, v.nodes, v.index, v.term),
            (Property::SnapshotCommitted, vec![0], Some(3), Some(1))
        );
        // Up to the commit index it holds.
        let mut after = before.clone();
        after.log.compact(1);
        after.snapshot = encode_service(&[Some(1)]);
        let mut h = NodeHistory::default();
        h.observe_step(&before, &after, &Output::default());
        assert_eq!(h.violations, vec![]);
        assert_eq!(h.snapshots.get(&1), Some(&Some(1)));
    }

    /// A compaction whose snapshot does not hold exactly `1..=index` breaks SnapshotCommitted.
    #[test]
    fn a_compaction_that_does_not_hold_its_prefix_violates_snapshot_committed() {
        let before = holding(3, 3);
        let mut after = before.clone();
        after.log.compact(3);
        after.snapshot = encode_service(&[Some(1)]);
        let mut h = NodeHistory::default();
        h.observe_step(&before, &after, &Output::default());
        let v = h.violations.first().cloned().expect("recorded");
        assert_eq!(
            (v.property, v.nodes, v.index, v.term),
            (Property::SnapshotCommitted, vec![0], Some(3), None)
        );
    }

    /// A snapshot holding a command nobody applied at its index breaks SnapshotCommitted.
    #[test]
    fn a_snapshot_holding_what_was_never_committed_violates_snapshot_committed() {
        let mut hs = vec![NodeHistory::default(), NodeHistory::default()];
        let applied = Applied {
            term: 1,
            command: Some(5),
            commit_term: 1,
        };
        hs[0].applied.insert(1, applied);
        hs[1].snapshots.insert(1, Some(5));
        assert_eq!(snapshot_committed(&views(&hs)), Ok(()));
        hs[1].snapshots.insert(2, Some(6));
        let v = snapshot_committed(&views(&hs)).expect_err("index 2 was never applied");
        assert_eq!(
            (v.property, v.nodes, v.index, v.term),
            (Property::SnapshotCommitted, vec![1], Some(2), None)
        );
    }

    /// A server that grants votes to two candidates of term 1 on the wire, without a
    /// `VoteGranted` event and without changing its `voted_for`, breaks OneVotePerTerm.
    #[test]
    fn a_silent_vote_on_the_wire_is_still_a_vote() {
        let mut h = NodeHistory::default();
        let node = server(0, 1, Some(1), false);
        let reply = |to| Output {
            messages: vec![(
                to,
                Message::RequestVoteReply {
                    term: 1,
                    granted: true,
                },
            )],
            ..Output::default()
        };
        h.observe_step(&server(0, 1, None, false), &node, &reply(1));
        h.observe_step(&node, &node, &reply(2));
        assert_eq!(h.votes, vec![(1, 1), (1, 2)]);
        let v = one_vote_per_term(&views(&[h])).expect_err("two votes in term 1");
        assert_eq!(
            (v.property, v.nodes, v.term),
            (Property::OneVotePerTerm, vec![0, 1, 2], Some(1))
        );
    }

    /// A vote seen only in what the server persisted, or only in its live state, counts.
    #[test]
    fn a_persisted_or_live_vote_is_a_vote() {
        let mut h = NodeHistory::default();
        let node = server(0, 1, Some(1), false);
        let out = Output {
            persist: Some(Persistent {
                current_term: 1,
                voted_for: Some(2),
                ..Persistent::default()
            }),
            ..Output::default()
        };
        h.observe_step(&server(0, 1, None, false), &node, &out);
        assert_eq!(h.votes, vec![(1, 1), (1, 2)]);
        // A candidacy is a vote for itself.
        let mut h = NodeHistory::default();
        let out = Output::default();
        h.observe_step(
            &server(0, 1, None, false),
            &server(0, 2, Some(0), false),
            &out,
        );
        assert_eq!(h.votes, vec![(2, 0)]);
    }

    /// The conflict-repair goal is reached when a follower answering an AppendEntries lost an
    /// entry, not when it merely appended.
    #[test]
    fn a_conflict_is_repaired_only_when_an_entry_is_lost() {
        let entry = |term| crate::protocol::types::Entry {
            term,
            command: Some(term),
        };
        let with = |terms: &[Term]| {
            let mut node = server(0, 2, None, false);
            terms.iter().for_each(|&t| {
                node.log.append(entry(t));
            });
            node
        };
        let ack = Output {
            messages: vec![(
                1,
                Message::AppendEntriesReply {
                    term: 2,
                    success: true,
                    match_index: 2,
                    conflict_term: None,
                    conflict_index: 0,
                },
            )],
            ..Output::default()
        };
        let mut h = NodeHistory::default();
        h.observe_step(&with(&[1]), &with(&[1, 2]), &ack);
        assert!(!h.truncated_conflict, "an append repairs nothing");
        h.observe_step(&with(&[1, 1]), &with(&[1, 2]), &Output::default());
        assert!(!h.truncated_conflict, "no AppendEntries answered");
        h.observe_step(&with(&[1, 1]), &with(&[1, 2]), &ack);
        assert!(h.truncated_conflict);
    }

    #[test]
    fn a_snapshot_that_contradicts_what_was_applied_violates_state_machine_safety() {
        let mut h = NodeHistory::default();
        h.applied.insert(
            1,
            Applied {
                term: 1,
                command: Some(5),
                commit_term: 1,
            },
        );
        h.observe_snapshot(0, 1, &encode_service(&[Some(6)]));
        let v = h.violations.first().cloned().expect("recorded");
        assert_eq!(
            (v.property, v.index),
            (Property::StateMachineSafety, Some(1))
        );
        assert_eq!(h.snapshot_applied.get(&1), Some(&Some(6)));
    }

    /// A snapshot that does not decode, or decodes to the wrong number of commands, is a
    /// StateMachineSafety violation, never an empty service.
    #[test]
    fn a_snapshot_that_does_not_decode_violates_state_machine_safety() {
        for data in [b"garbage".to_vec(), encode_service(&[Some(1)])] {
            let mut h = NodeHistory::default();
            h.observe_snapshot(0, 2, &data);
            let v = h.violations.first().cloned().expect("recorded");
            assert_eq!(
                (v.property, v.nodes, v.index),
                (Property::StateMachineSafety, vec![0], Some(2))
            );
            assert!(h.snapshot_applied.is_empty());
        }
    }

    #[test]
    fn restart_from_a_snapshot_joins_its_commands_to_the_history() {
        let mut h = NodeHistory::default();
        h.observe_restart(&restored(2));
        assert!(h.restarted_from_snapshot);
        assert_eq!(h.snapshot_applied.len(), 2);
        assert_eq!(h.violations, vec![]);
    }

    #[test]
    fn the_state_machine_going_back_violates_commit_monotonic() {
        let mut h = NodeHistory::default();
        h.observe_step(&restored(3), &restored(1), &Output::default());
        let v = h.violations.first().cloned().expect("recorded");
        assert_eq!((v.property, v.index), (Property::CommitMonotonic, Some(1)));
        assert!(v.detail.contains("state machine went back"), "{}", v.detail);
    }

    /// A step that hands the state machine a snapshot below what it holds and then re-applies
    /// the lost entry ends where it began, but rolled the service back on the way.
    #[test]
    fn a_rollback_within_one_step_violates_commit_monotonic() {
        let node = restored(2);
        let mut out = Output::default();
        out.apply.push(Apply::Snapshot {
            index: 1,
            term: 1,
            data: encode_service(&[Some(7)]),
        });
        out.apply.push(Apply::Entry {
            index: 2,
            term: 1,
            command: Some(7),
        });
        let mut h = NodeHistory::default();
        h.observe_step(&node, &node, &out);
        let v = h.violations.first().cloned().expect("recorded");
        assert_eq!((v.property, v.index), (Property::CommitMonotonic, Some(1)));

        // The same stream from a state machine at 0 is in order.
        let mut h = NodeHistory::default();
        h.observe_step(&restored(0), &node, &out);
        assert_eq!(h.violations, vec![]);

        // An entry applied twice is out of order too.
        let mut twice = Output::default();
        for _ in 0..2 {
            twice.apply.push(Apply::Entry {
                index: 3,
                term: 1,
                command: Some(7),
            });
        }
        let mut h = NodeHistory::default();
        h.observe_step(&node, &node, &twice);
        assert_eq!(h.violations.first().map(|v| v.index), Some(Some(3)));
    }
}
