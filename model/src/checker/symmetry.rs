//! Symmetry reduction over server ids: a state is replaced by one representative of the states
//! that differ from it only in the servers' names (`canonical`). Renaming covers every
//! id-bearing part (servers, what they persisted, ghost histories, messages, and commands, which
//! carry their proposer's id) through `raft_core::judge::rename`.

use super::actors::{NoHistory, NoRandom, RaftState, Saved, ServerState, Wire};
use super::commands;
use raft_core::judge::rename::Renaming;
use raft_core::{Command, Node, NodeId, Role, MAX_SERVERS};
use stateright::actor::Id;
use stateright::{Rewrite, RewritePlan};
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

/// The renaming `plan` stands for: server ids, and commands' proposer tags with them.
fn renaming<S>(
    plan: &RewritePlan<Id, S>,
) -> Renaming<impl Fn(NodeId) -> NodeId + '_, impl Fn(Command) -> Command + '_> {
    let id = move |id: NodeId| usize::from(plan.rewrite(&Id::from(id as usize))) as NodeId;
    Renaming {
        id,
        command: move |c| commands::renamed(c, id),
    }
}

impl Rewrite<Id> for ServerState {
    fn rewrite<S>(&self, plan: &RewritePlan<Id, S>) -> Self {
        let r = renaming(plan);
        ServerState::new(
            r.node(&self.node),
            self.durable.as_ref().map(|p| Arc::new(r.persistent(p))),
            Arc::new(r.history(&self.history)),
            self.proposed,
            self.heartbeats,
            self.snapshots,
        )
    }
}

impl Rewrite<Id> for Saved {
    fn rewrite<S>(&self, plan: &RewritePlan<Id, S>) -> Self {
        let r = renaming(plan);
        Saved {
            durable: self.durable.as_ref().map(|p| Arc::new(r.persistent(p))),
            history: Arc::new(r.history(&self.history)),
            proposed: self.proposed,
            heartbeats: self.heartbeats,
            snapshots: self.snapshots,
        }
    }
}

/// A message names no server (the envelope does), but its entries and snapshot carry commands.
impl Rewrite<Id> for Wire {
    fn rewrite<S>(&self, plan: &RewritePlan<Id, S>) -> Self {
        match renaming(plan).message(&self.0) {
            Some(m) => Wire(Arc::new(m)),
            None => self.clone(),
        }
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

/// One letter for a role: F, C or L.
pub fn role_letter(node: &Node) -> char {
    match node.role() {
        Role::Follower => 'F',
        Role::Candidate { .. } => 'C',
        Role::Leader { .. } => 'L',
    }
}

/// What orders servers before their names are chosen: only what no renaming changes (no id, no
/// command, whose tag is an id), so that a server sorts alike under every name.
fn blind_key(state: &RaftState, i: usize) -> impl Ord {
    let s = &state.actor_states[i];
    let n = &s.node;
    let log: Vec<_> = n
        .log()
        .entries()
        .iter()
        .map(|e| (e.term, e.command.is_some()))
        .collect();
    let mut timers: Vec<_> = state.timers_set[i].iter().copied().collect();
    timers.sort_unstable();
    (
        (
            state.crashed[i],
            n.current_term(),
            role_letter(n),
            n.commit_index(),
            n.last_applied(),
            n.voted_for().is_some(),
            n.log().snapshot_index(),
        ),
        (
            s.proposed,
            s.heartbeats,
            s.snapshots,
            s.history.restarts,
            s.durable.is_some(),
            s.history.votes.len(),
            s.history.applied.len(),
        ),
        log,
        s.history.elected.clone(),
        timers,
    )
}

/// `state` with server `i` renamed `to[i]`.
pub fn permuted(state: &RaftState, to: &[usize]) -> RaftState {
    let mut map = [0usize; MAX_SERVERS as usize];
    map[..to.len()].copy_from_slice(to);
    let plan = RewritePlan::new(map, |id: &Id, map: &[usize; MAX_SERVERS as usize]| {
        Id::from(map[usize::from(*id)])
    });
    let n = to.len();
    let mut from = vec![0; n];
    for (i, &t) in to.iter().enumerate() {
        from[t] = i;
    }
    RaftState {
        actor_states: from
            .iter()
            .map(|&i| state.actor_states[i].rewrite(&plan))
            .collect(),
        network: state.network.rewrite(&plan),
        timers_set: from.iter().map(|&i| state.timers_set[i].clone()).collect(),
        random_choices: from
            .iter()
            .map(|&i| state.random_choices[i].clone())
            .collect(),
        crashed: from.iter().map(|&i| state.crashed[i]).collect(),
        history: NoHistory,
        actor_storages: from
            .iter()
            .map(|&i| state.actor_storages[i].as_ref().map(|s| s.rewrite(&plan)))
            .collect(),
    }
}

/// A fixed-key hash of a state (the same in every thread and every run).
pub fn fingerprint(state: &RaftState) -> u64 {
    let mut h = ahash::RandomState::with_seeds(0x5359_4d4d, 0x4554_5259, 0x4341_4e4f, 0x4e49_4341)
        .build_hasher();
    state.hash(&mut h);
    h.finish()
}

/// The representative of `state`'s class: servers sorted by what their names do not change;
/// among servers that tie, the naming whose state has the smallest fingerprint. Any renaming of
/// `state` has the same representative (up to fingerprint collisions, which the search accepts
/// already).
pub fn canonical(state: &RaftState) -> RaftState {
    canonical_with_orbit(state).0
}

/// The representative of `state`'s class and the size of the class: of the n! renamings, those
/// that move a server to another's sort key all differ, so the class holds n! / |G| times the
/// distinct states among the arrangements `G` of tied servers.
pub fn canonical_with_orbit(state: &RaftState) -> (RaftState, u64) {
    let n = state.actor_states.len();
    let keys: Vec<_> = (0..n).map(|i| blind_key(state, i)).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
    // Groups of tied servers, as ranges of `order`.
    let mut groups = Vec::new();
    let mut start = 0;
    for k in 1..=n {
        if k == n || keys[order[k]] != keys[order[start]] {
            groups.push(start..k);
            start = k;
        }
    }
    let mut best: Option<(u64, RaftState)> = None;
    let mut distinct: Vec<u64> = Vec::new();
    let mut candidate = order.clone();
    each_arrangement(&mut candidate, &groups, 0, &mut |arranged| {
        // `arranged[k]` is the server that gets name `k`.
        let mut to = vec![0; n];
        for (name, &server) in arranged.iter().enumerate() {
            to[server] = name;
        }
        let renamed = if to.iter().enumerate().all(|(i, &t)| i == t) {
            state.clone()
        } else {
            permuted(state, &to)
        };
        let fp = fingerprint(&renamed);
        if !distinct.contains(&fp) {
            distinct.push(fp);
        }
        if best.as_ref().is_none_or(|(b, _)| fp < *b) {
            best = Some((fp, renamed));
        }
    });
    let factorial = |k: usize| (1..=k as u64).product::<u64>();
    let arrangements: u64 = groups.iter().map(|g| factorial(g.len())).product();
    let orbit = factorial(n) / arrangements * distinct.len() as u64;
    (best.map(|(_, s)| s).unwrap_or_else(|| state.clone()), orbit)
}

/// Call `f` with every arrangement of `order` that permutes servers only within their group.
fn each_arrangement(
    order: &mut [usize],
    groups: &[std::ops::Range<usize>],
    g: usize,
    f: &mut impl FnMut(&[usize]),
) {
    let Some(group) = groups.get(g) else {
        f(order);
        return;
    };
    permute(order, group.start, group.end, &mut |order| {
        each_arrangement(order, groups, g + 1, f)
    });
}

/// Heap-free recursive permutation of `order[k..end]`, calling `f` once per arrangement.
fn permute(order: &mut [usize], k: usize, end: usize, f: &mut impl FnMut(&mut [usize])) {
    if end - k <= 1 {
        f(order);
        return;
    }
    for j in k..end {
        order.swap(k, j);
        permute(order, k + 1, end, f);
        order.swap(k, j);
    }
}
