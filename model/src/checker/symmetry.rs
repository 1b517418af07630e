//! Symmetry reduction over server ids: how each part of the model state is renamed under a
//! permutation of the servers, and the order that picks a representative. Used by `--strategy
//! dfs` and `simulation` (stateright's BFS ignores symmetry).

use super::actors::{NoHistory, NoRandom, Saved, ServerState, Wire};
use raft_core::{NodeHistory, NodeId, Persistent};
use stateright::actor::Id;
use stateright::{Rewrite, RewritePlan};
use std::cmp::Ordering;
use std::sync::Arc;

fn rename<S>(plan: &RewritePlan<Id, S>) -> impl Fn(NodeId) -> NodeId + '_ {
    move |id| usize::from(plan.rewrite(&Id::from(id as usize))) as NodeId
}

fn rename_history<S>(h: &NodeHistory, plan: &RewritePlan<Id, S>) -> NodeHistory {
    let r = rename(plan);
    let mut votes: Vec<_> = h.votes.iter().map(|&(t, c)| (t, r(c))).collect();
    votes.sort_unstable();
    let mut violations = h.violations.clone();
    for v in &mut violations {
        v.nodes.iter_mut().for_each(|id| *id = r(*id));
    }
    NodeHistory {
        votes,
        violations,
        ..h.clone()
    }
}

fn rename_persistent<S>(p: &Persistent, plan: &RewritePlan<Id, S>) -> Persistent {
    Persistent {
        voted_for: p.voted_for.map(rename(plan)),
        ..p.clone()
    }
}

impl Rewrite<Id> for ServerState {
    fn rewrite<S>(&self, plan: &RewritePlan<Id, S>) -> Self {
        ServerState::new(
            self.node.renamed(rename(plan)),
            self.durable
                .as_ref()
                .map(|p| Arc::new(rename_persistent(p, plan))),
            Arc::clone(&self.service),
            Arc::new(rename_history(&self.history, plan)),
            self.proposed,
            self.heartbeats,
            self.snapshots,
        )
    }
}

impl Rewrite<Id> for Saved {
    fn rewrite<S>(&self, plan: &RewritePlan<Id, S>) -> Self {
        Saved {
            durable: self
                .durable
                .as_ref()
                .map(|p| Arc::new(rename_persistent(p, plan))),
            history: Arc::new(rename_history(&self.history, plan)),
            proposed: self.proposed,
            heartbeats: self.heartbeats,
            snapshots: self.snapshots,
        }
    }
}

/// Messages carry no server ids (senders and receivers are in the envelope).
impl Rewrite<Id> for Wire {
    fn rewrite<S>(&self, _: &RewritePlan<Id, S>) -> Self {
        self.clone()
    }
}

impl Rewrite<Id> for NoHistory {
    fn rewrite<S>(&self, _: &RewritePlan<Id, S>) -> Self {
        NoHistory
    }
}

impl Rewrite<Id> for NoRandom {
    fn rewrite<S>(&self, _: &RewritePlan<Id, S>) -> Self {
        *self
    }
}

/// Orders servers by what does not depend on their names, so that servers in the same
/// situation sort alike whatever they are called (ties only cost reduction, never soundness).
impl Ord for ServerState {
    fn cmp(&self, other: &Self) -> Ordering {
        let key = |s: &ServerState| {
            (
                s.node.current_term(),
                s.node.role_letter(),
                s.node.commit_index(),
                s.proposed,
                s.heartbeats,
                s.snapshots,
                s.node.log().snapshot_index(),
                s.history.restarts,
                s.durable.is_some(),
            )
        };
        key(self)
            .cmp(&key(other))
            .then_with(|| self.node.log().entries().cmp(other.node.log().entries()))
            .then_with(|| self.history.elected.cmp(&other.history.elected))
            .then_with(|| self.history.applied.len().cmp(&other.history.applied.len()))
    }
}

impl PartialOrd for ServerState {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
