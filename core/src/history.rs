//! Ghost history of one server, kept by whoever drives it (cluster driver, model checker) and
//! surviving its crashes: terms it led, votes it granted, everything it ever applied, the
//! highest term it reached, and the first transition-property violation seen in one of its steps.
//! Invariants are stated over node states plus these histories.

use crate::invariants::{leader_append_only, Property, Violation};
use crate::node::{Apply, Event, Node, Output};
use crate::types::{Command, Index, NodeId, Term};
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

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NodeHistory {
    /// How many times the server was restarted from its persisted state.
    pub restarts: u32,
    /// The highest current term the server ever had (across incarnations).
    pub max_term: Term,
    /// Terms in which the server became leader, in order.
    pub elected: Vec<Term>,
    /// Every vote the server granted (its own candidacies included): `(term, candidate)`, sorted.
    pub votes: Vec<(Term, NodeId)>,
    /// Everything the server ever applied, by index (a snapshot's prefix excluded).
    pub applied: BTreeMap<Index, Applied>,
    /// The highest snapshot index the server's state machine was ever replaced with.
    pub snapshot_applied: Index,
    /// The server, as a follower, had conflicting entries removed by a leader.
    pub truncated_conflict: bool,
    /// The server installed a snapshot sent by a leader.
    pub installed_snapshot: bool,
    /// The server was restarted from a persisted snapshot.
    pub restarted_from_snapshot: bool,
    /// The first violation of a transition property seen in one of the server's steps.
    pub violation: Option<Violation>,
}

impl NodeHistory {
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
        self.max_term = self.max_term.max(after.current_term());
        for event in &out.events {
            match *event {
                Event::BecameLeader { term } => self.elected.push(term),
                Event::VoteGranted { candidate, term } => {
                    if let Err(at) = self.votes.binary_search(&(term, candidate)) {
                        self.votes.insert(at, (term, candidate));
                    }
                }
                Event::LogTruncated { .. } => self.truncated_conflict = true,
                Event::SnapshotInstalled { .. } => self.installed_snapshot = true,
                _ => {}
            }
        }
        for apply in &out.apply {
            match apply {
                Apply::Entry {
                    index,
                    term,
                    command,
                } => self.observe_apply(id, *index, *term, *command, after.current_term()),
                Apply::Snapshot { index, .. } => {
                    self.snapshot_applied = self.snapshot_applied.max(*index)
                }
            }
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
                    "server {id} applied {command:?} (term {term}) at index {index}, \
                     where it had applied {:?} (term {}) before",
                    old.command, old.term
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

    /// Record a restart from persisted state; the term must not have gone back.
    pub fn observe_restart(&mut self, node: &Node) {
        self.restarts += 1;
        if node.log().snapshot_index() > 0 {
            self.restarted_from_snapshot = true;
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
        if self.violation.is_none() {
            self.violation = Some(violation);
        }
    }
}
