//! Breadth-first search, level by level, with a visited set of fingerprints only (each mapped to
//! its parent's fingerprint) and one level of states in memory, packed (`compact`): every
//! discovery's path is shortest, and is rebuilt afterwards by re-running the model from the
//! initial state along the fingerprints, in the servers' real names (`rebuild`).

use super::actors::{Action, RaftState};
use super::boundary::{exceeded, BoundedModel};
use super::compact::{Packed, Tables};
use super::judged::Judged;
use super::properties::Judgement;
use super::symmetry;
use super::visited::Visited;
use stateright::actor::Network;
use stateright::{Expectation, Model};
use std::hash::{BuildHasher, Hash, Hasher};
use std::time::{Duration, Instant};

/// What may cut the search short.
pub struct Options {
    /// No state deeper than this is expanded (the initial state is at depth 1).
    pub max_depth: Option<usize>,
    /// The most states generated.
    pub max_states: Option<usize>,
    /// Go on past the first violation, to a shortest one per property.
    pub keep_going: bool,
    /// Stop as soon as this property (by name) is discovered.
    pub only: Option<&'static str>,
}

/// What the search found.
pub struct Outcome {
    /// States generated (successors, leaves included, and initial states).
    pub total: usize,
    /// Distinct states expanded or queued (representatives, with symmetry).
    pub unique: usize,
    pub max_depth: usize,
    /// With symmetry: how many states the representatives stand for (what a search without
    /// symmetry would count as unique).
    pub orbits: u64,
    /// Each property discovered, with the fingerprints of its path from an initial state.
    pub discoveries: Vec<(&'static str, Vec<u64>)>,
}

/// A fixed-key hasher (the same in every run).
fn hasher() -> ahash::AHasher {
    ahash::RandomState::with_seeds(0x4246_5346, 0x494e_4745, 0x5250_5249, 0x4e54_5321)
        .build_hasher()
}

/// The fingerprint of a state as the search sees it (its representative, with symmetry); never
/// 0 (the visited set's empty slot, and the parent of the initial states). It hashes what tells
/// states apart, each part as cheaply as it allows: a server by its digest, the crashed servers,
/// armed timers and stored servers as bits, the unordered networks as a sum of one hash per
/// envelope (the order of a hash map's walk is not the state's), the ordered one flow by flow.
/// Random choices are left out: the model makes none (`compact::Tables::pack` checks it).
pub fn fingerprint(state: &RaftState) -> u64 {
    let mut h = hasher();
    let (mut crashed, mut stored, mut timers) = (0u64, 0u64, 0u64);
    for (i, s) in state.actor_states.iter().enumerate() {
        h.write_u64(s.digest());
        crashed |= u64::from(state.crashed[i]) << i;
        stored |= u64::from(state.actor_storages[i].is_some()) << i;
        for t in state.timers_set[i].iter() {
            timers |= u64::from(super::compact::timer_bit(*t)) << (4 * i);
        }
    }
    h.write_u64(crashed | stored << 8 | timers << 16);
    let envelopes = |h: &mut ahash::AHasher, items: &mut dyn Iterator<Item = (_, usize)>| {
        let mut sum = 0u64;
        for (env, count) in items {
            sum = sum.wrapping_add(hasher_one(&(env, count)));
        }
        h.write_u64(sum);
    };
    match &state.network {
        Network::UnorderedNonDuplicating(multiset) => {
            envelopes(&mut h, &mut multiset.iter().map(|(e, c)| (e, *c)));
        }
        Network::UnorderedDuplicating(set, last) => {
            envelopes(&mut h, &mut set.iter().map(|e| (e, 1)));
            last.hash(&mut h);
        }
        Network::Ordered(flows) => {
            for (flow, queue) in flows.iter() {
                flow.hash(&mut h);
                queue.len().hash(&mut h);
                for msg in queue {
                    msg.hash(&mut h);
                }
            }
        }
    }
    h.finish().max(1)
}

/// One value's hash by the fixed-key hasher.
fn hasher_one(value: &impl Hash) -> u64 {
    let mut h = hasher();
    value.hash(&mut h);
    h.finish()
}

/// One level of the search: each state's fingerprint (two words) and its packed words, in
/// chunks of a fixed size, so that the level grows without copying and gives its memory back
/// chunk by chunk while it is expanded.
#[derive(Default)]
struct Level {
    chunks: std::collections::VecDeque<Vec<u32>>,
    /// Where the next state to expand starts in the first chunk.
    at: usize,
}

/// The words of a chunk (a state never straddles two: it takes at most a few dozen).
const CHUNK: usize = 1 << 14;

impl Level {
    fn push(&mut self, fp: u64, state: &Packed, n: usize) {
        if self
            .chunks
            .back()
            .is_none_or(|c| c.len() + state.words(n) + 2 > c.capacity())
        {
            self.chunks.push_back(Vec::with_capacity(CHUNK));
        }
        if let Some(words) = self.chunks.back_mut() {
            words.push(fp as u32);
            words.push((fp >> 32) as u32);
            state.write(n, words);
        }
    }

    /// The next state to expand, with its fingerprint (`None`: the level is done).
    fn pop(&mut self, n: usize) -> Option<(u64, Packed)> {
        while self.chunks.front().is_some_and(|c| self.at >= c.len()) {
            self.chunks.pop_front();
            self.at = 0;
        }
        let words = &self.chunks.front()?[self.at..];
        let fp = u64::from(words[0]) | u64::from(words[1]) << 32;
        let (state, used) = Packed::read(&words[2..], n);
        self.at += 2 + used;
        Some((fp, state))
    }

    fn is_empty(&self) -> bool {
        self.chunks.iter().all(Vec::is_empty)
    }
}

struct Search<'a> {
    model: &'a BoundedModel,
    options: &'a Options,
    properties: Vec<stateright::Property<BoundedModel>>,
    judged: Judged,
    visited: Visited,
    found: Vec<Option<Vec<u64>>>,
    outcome: Outcome,
}

impl Search<'_> {
    /// The fingerprints from an initial state to `fp` (visited).
    fn chain(&self, mut fp: u64) -> Vec<u64> {
        let mut chain = vec![fp];
        while let Some(parent) = self.visited.get(fp) {
            if parent == 0 {
                break;
            }
            chain.push(parent);
            fp = parent;
        }
        chain.reverse();
        chain
    }

    /// Judge `state` (fingerprint `fp`; `parent`: where it was reached from if it is a leaf, not
    /// in the visited set). `true` when the search must stop.
    fn judge(&mut self, state: &RaftState, fp: u64, leaf_parent: Option<u64>) -> bool {
        if !self.judged.first(state) {
            // Its servers were judged already: whatever they show was found then.
            return false;
        }
        let judgement = Judgement::of(state);
        let mut violated = false;
        for k in 0..self.properties.len() {
            if self.found[k].is_some() {
                continue;
            }
            let p = &self.properties[k];
            let holds = judgement.condition(self.model, k);
            let discovered = match p.expectation {
                Expectation::Always => !holds,
                Expectation::Sometimes => holds,
                Expectation::Eventually => false,
            };
            if discovered {
                let chain = match leaf_parent {
                    Some(parent) => {
                        let mut c = self.chain(parent);
                        c.push(fp);
                        c
                    }
                    None => self.chain(fp),
                };
                violated |= p.expectation == Expectation::Always;
                if self.options.only == Some(p.name) {
                    self.found[k] = Some(chain);
                    return true;
                }
                self.found[k] = Some(chain);
            }
        }
        (violated && !self.options.keep_going) || self.found.iter().all(Option::is_some)
    }
}

/// Search `model` breadth first; `tick(total, unique, depth)` every 50 ms or so.
pub fn run(
    model: &BoundedModel,
    options: &Options,
    mut tick: impl FnMut(usize, usize, usize),
) -> Outcome {
    let properties = model.properties();
    let mut search = Search {
        model,
        options,
        found: vec![None; properties.len()],
        properties,
        judged: Judged::default(),
        visited: Visited::default(),
        outcome: Outcome {
            total: 0,
            unique: 0,
            max_depth: 0,
            orbits: 0,
            discoveries: Vec::new(),
        },
    };
    let n = model.inner.actors.len();
    let network = &model.inner.init_network;
    let mut tables = Tables::default();
    let mut level = Level::default();
    let mut stop = false;
    for raw in model.inner.init_states() {
        let (state, orbit) = seen(model, raw);
        let fp = fingerprint(&state);
        search.outcome.total += 1;
        if search.visited.insert(fp, 0) {
            search.outcome.unique += 1;
            search.outcome.orbits += orbit;
            stop |= search.judge(&state, fp, None);
            level.push(fp, &tables.pack(&state), n);
        }
    }
    let mut depth = 1;
    search.outcome.max_depth = 1;
    let mut last_tick = Instant::now();
    let mut actions = Vec::new();
    while !level.is_empty() && !stop {
        if options.max_depth.is_some_and(|d| depth >= d) {
            break;
        }
        let mut next_level = Level::default();
        'level: while let Some((parent, packed)) = level.pop(n) {
            let state = &tables.unpack(&packed, n, network);
            if last_tick.elapsed() >= Duration::from_millis(50) {
                tick(search.outcome.total, search.outcome.unique, depth);
                last_tick = Instant::now();
            }
            if !model.within_boundary(state) {
                stop = true;
                break;
            }
            actions.clear();
            model.actions(state, &mut actions);
            for action in actions.drain(..) {
                let Some(raw) = model.inner.next_state(state, action) else {
                    continue;
                };
                search.outcome.total += 1;
                if let Some(bound) = exceeded(&model.inner.cfg.bounds, &raw) {
                    model.refuse(bound);
                    let (leaf, _) = seen(model, raw);
                    let fp = fingerprint(&leaf);
                    if search.judge(&leaf, fp, Some(parent)) {
                        stop = true;
                        break 'level;
                    }
                    continue;
                }
                let (next, orbit) = seen(model, raw);
                let fp = fingerprint(&next);
                if search.visited.insert(fp, parent) {
                    search.outcome.unique += 1;
                    search.outcome.orbits += orbit;
                    search.outcome.max_depth = depth + 1;
                    if search.judge(&next, fp, None) {
                        stop = true;
                        break 'level;
                    }
                    next_level.push(fp, &tables.pack(&next), n);
                }
                if options
                    .max_states
                    .is_some_and(|m| search.outcome.total >= m)
                {
                    stop = true;
                    break 'level;
                }
            }
        }
        level = next_level;
        depth += 1;
    }
    let Search {
        properties,
        found,
        mut outcome,
        ..
    } = search;
    outcome.discoveries = properties
        .iter()
        .zip(found)
        .filter_map(|(p, f)| Some((p.name, f?)))
        .collect();
    outcome
}

/// `raw` as the search keeps it, and how many states it stands for (1 without symmetry).
fn seen(model: &BoundedModel, raw: RaftState) -> (RaftState, u64) {
    if model.symmetry {
        symmetry::canonical_with_orbit(&raw)
    } else {
        (raw, 1)
    }
}

/// The path through the states with fingerprints `fps`, in the servers' real names: from the
/// model's initial state, each step takes the first action whose successor's representative has
/// the next fingerprint. `None` if some step has none (the model is not a function of its
/// inputs).
pub fn rebuild(model: &BoundedModel, fps: &[u64]) -> Option<Vec<(RaftState, Option<Action>)>> {
    let (first, rest) = fps.split_first()?;
    let mut state = model
        .inner
        .init_states()
        .into_iter()
        .find(|s| fingerprint(&model.seen(s.clone())) == *first)?;
    let mut path = Vec::new();
    let mut actions = Vec::new();
    for fp in rest {
        actions.clear();
        model.inner.actions(&state, &mut actions);
        let (action, next) = actions.drain(..).find_map(|a| {
            let next = model.inner.next_state(&state, a.clone())?;
            (fingerprint(&model.seen(next.clone())) == *fp).then_some((a, next))
        })?;
        path.push((state, Some(action)));
        state = next;
    }
    path.push((state, None));
    Some(path)
}

/// A path of the model as stateright gives it (states as the search saw them) in the servers'
/// real names.
pub fn real_names(
    model: &BoundedModel,
    path: &[(RaftState, Option<Action>)],
) -> Option<Vec<(RaftState, Option<Action>)>> {
    let fps: Vec<u64> = path.iter().map(|(s, _)| fingerprint(s)).collect();
    rebuild(model, &fps)
}
