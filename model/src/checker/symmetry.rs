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
            Arc::new(r.service(&self.service)),
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
        Role::PreCandidate { .. } => 'P',
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
        s.history.elected.iter().map(|e| e.term).collect::<Vec<_>>(),
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
    ahash::RandomState::with_seeds(0x5359_4d4d, 0x4554_5259, 0x4341_4e4f, 0x4e49_4341)
        .hash_one(state)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::actors::build_model;
    use crate::checker::bounds::{Bounds, NetworkKind};
    use crate::sim::rng::Rng;
    use proptest::prelude::*;
    use raft_core::Config;
    use stateright::actor::Network;
    use stateright::Model;

    /// A state reached by a random walk of `steps` steps (seeded) on `servers` servers, with
    /// crashes, snapshots and heartbeats, so that ids and commands sit in every field.
    fn walked(servers: u8, network: NetworkKind, seed: u64, steps: usize) -> RaftState {
        let bounds = Bounds {
            servers,
            max_term: 3,
            proposals: 3,
            heartbeats: 2,
            snapshots: 2,
            network,
            max_in_flight: None,
            ..Bounds::default()
        };
        let model = build_model(&Config::new(servers), &bounds);
        let mut rng = Rng::new(seed);
        let mut state = model.init_states().remove(0);
        let mut actions = Vec::new();
        for _ in 0..steps {
            actions.clear();
            model.actions(&state, &mut actions);
            while !actions.is_empty() {
                let a = actions.swap_remove(rng.below(actions.len() as u64) as usize);
                if let Some(next) = model.next_state(&state, a) {
                    state = next;
                    break;
                }
            }
        }
        state
    }

    /// A permutation of `0..n` drawn from `seed`.
    fn permutation(n: usize, seed: u64) -> Vec<usize> {
        let mut rng = Rng::new(seed);
        let mut to: Vec<usize> = (0..n).collect();
        for k in (1..n).rev() {
            to.swap(k, rng.below(k as u64 + 1) as usize);
        }
        to
    }

    /// Every server sits in the slot of its own (renamed) id, every message goes between
    /// servers of the cluster, and every command's proposer tag names a server of the cluster.
    fn names_are_consistent(state: &RaftState) {
        let n = state.actor_states.len();
        for (i, s) in state.actor_states.iter().enumerate() {
            assert_eq!(usize::from(s.node.id()), i);
            for (_, e) in s.node.log().iter() {
                if let Some(c) = e.command {
                    assert!(usize::from(commands::proposer(c)) < n);
                }
            }
        }
        if let Network::UnorderedNonDuplicating(m) = &state.network {
            for env in m.keys() {
                assert!(usize::from(env.src) < n && usize::from(env.dst) < n);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// A renamed state has the same representative and the same class size as the state,
        /// on 3 to 5 servers and every network.
        #[test]
        fn a_permuted_state_has_the_same_representative(
            servers in 3u8..=5,
            network in prop::sample::select(vec![
                NetworkKind::UnorderedNonDuplicating,
                NetworkKind::UnorderedDuplicating,
                NetworkKind::Ordered,
            ]),
            seed in any::<u64>(),
            steps in 0usize..40,
        ) {
            let state = walked(servers, network, seed, steps);
            let to = permutation(usize::from(servers), seed ^ 0x5eed);
            let renamed = permuted(&state, &to);
            names_are_consistent(&renamed);
            let (a, orbit_a) = canonical_with_orbit(&state);
            let (b, orbit_b) = canonical_with_orbit(&renamed);
            prop_assert!(a == b, "{state:?}\nrenamed by {to:?}:\n{renamed:?}");
            prop_assert_eq!(fingerprint(&a), fingerprint(&b));
            prop_assert_eq!(orbit_a, orbit_b);
            names_are_consistent(&a);
        }
    }

    /// Renaming by a permutation and back gives the state itself: nothing id-bearing is left
    /// out of the renaming (a field left out would keep the first renaming's names).
    #[test]
    fn renaming_there_and_back_is_the_identity() {
        for seed in 0..200 {
            let state = walked(3, NetworkKind::UnorderedNonDuplicating, seed, 30);
            let to = [1, 2, 0];
            let back = [2, 0, 1];
            let there = permuted(&state, &to);
            assert!(permuted(&there, &back) == state, "seed {seed}");
        }
    }

    /// A rotation moves every id: a leader's progress, votes, vote sets and commands all change
    /// names with the servers (a field left out would make the rotated state inconsistent).
    #[test]
    fn every_id_bearing_field_moves_with_its_server() {
        let (mut checked, mut in_flight) = (0, 0);
        for seed in 0..400 {
            let state = walked(3, NetworkKind::UnorderedNonDuplicating, seed, 35);
            let to = [1, 2, 0];
            let r = permuted(&state, &to);
            let rename = |id: NodeId| to[usize::from(id)] as NodeId;
            let (Network::UnorderedNonDuplicating(before), Network::UnorderedNonDuplicating(after)) =
                (&state.network, &r.network)
            else {
                panic!("the walks use the default network")
            };
            for (env, count) in before.iter() {
                let renamed = stateright::actor::Envelope {
                    src: Id::from(to[usize::from(env.src)]),
                    dst: Id::from(to[usize::from(env.dst)]),
                    msg: Wire(Arc::new(match &*env.msg.0 {
                        raft_core::Message::AppendEntries { entries, .. } => {
                            in_flight += entries.iter().filter(|e| e.command.is_some()).count();
                            let mut m = (*env.msg.0).clone();
                            if let raft_core::Message::AppendEntries { entries, .. } = &mut m {
                                for e in entries {
                                    e.command = e.command.map(|c| commands::renamed(c, rename));
                                }
                            }
                            m
                        }
                        raft_core::Message::InstallSnapshot { .. } => {
                            let mut m = (*env.msg.0).clone();
                            if let raft_core::Message::InstallSnapshot { data, .. } = &mut m {
                                let service =
                                    raft_core::service::decode_service(data).expect("a service");
                                let renamed: Vec<_> = service
                                    .iter()
                                    .map(|c| c.map(|c| commands::renamed(c, rename)))
                                    .collect();
                                *data = raft_core::service::encode_service(&renamed);
                            }
                            m
                        }
                        other => other.clone(),
                    })),
                };
                assert_eq!(after.get(&renamed), Some(count), "seed {seed}: {env:?}");
            }
            for (i, s) in state.actor_states.iter().enumerate() {
                let t = &r.actor_states[to[i]];
                assert_eq!(t.node.voted_for(), s.node.voted_for().map(rename));
                assert_eq!(t.node.leader_hint(), s.node.leader_hint().map(rename));
                let votes: Vec<_> = s
                    .history
                    .votes
                    .iter()
                    .map(|&(t, c)| (t, rename(c)))
                    .collect();
                let mut votes = votes;
                votes.sort_unstable();
                assert_eq!(t.history.votes, votes);
                if let (Some(d), Some(e)) = (&s.durable, &t.durable) {
                    assert_eq!(e.voted_for, d.voted_for.map(rename));
                }
                let service: Vec<_> = s
                    .service
                    .iter()
                    .map(|c| c.map(|c| commands::renamed(c, rename)))
                    .collect();
                assert_eq!(*t.service, service);
                for ((i, a), (j, b)) in s.history.snapshots.iter().zip(&t.history.snapshots) {
                    assert_eq!((j, *b), (i, a.map(|c| commands::renamed(c, rename))));
                }
                for (e, f) in s.history.elected.iter().zip(&t.history.elected) {
                    for (a, b) in e.log.entries.iter().zip(&f.log.entries) {
                        assert_eq!(b.command, a.command.map(|c| commands::renamed(c, rename)));
                    }
                }
                for ((_, a), (_, b)) in s.node.log().iter().zip(t.node.log().iter()) {
                    assert_eq!(b.command, a.command.map(|c| commands::renamed(c, rename)));
                    checked += usize::from(a.command.is_some());
                }
                if let (Role::Leader { progress: p }, Role::Leader { progress: q }) =
                    (s.node.role(), t.node.role())
                {
                    for (id, pr) in p.iter().enumerate() {
                        assert_eq!(q[to[id]], *pr);
                    }
                }
            }
        }
        assert!(checked > 0, "the walks reached no command to rename");
        assert!(in_flight > 0, "the walks left no entry in flight to rename");
    }
}
