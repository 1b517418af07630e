//! Breadth-first search, level by level, with a visited set of fingerprints only (each mapped to
//! its parent's fingerprint) and one level of states in memory, packed (`compact`): every
//! discovery's path is shortest, and is rebuilt afterwards by re-running the model from the
//! initial state along the fingerprints, in the servers' real names (`rebuild`).

use super::actors::{Action, RaftState};
use super::boundary::{exceeded, BoundedModel};
use super::compact::{Packed, Tables};
use super::symmetry;
use super::visited::Visited;
use stateright::{Expectation, Model};
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

/// The fingerprint of a state as the search sees it (its representative, with symmetry); never
/// 0 (the visited set's empty slot, and the parent of the initial states).
pub fn fingerprint(state: &RaftState) -> u64 {
    symmetry::fingerprint(state).max(1)
}

/// One level of the search: each state's fingerprint (two words) and its packed words.
#[derive(Default)]
struct Level {
    words: Vec<u32>,
}

impl Level {
    fn push(&mut self, fp: u64, state: &Packed, n: usize) {
        self.words.push(fp as u32);
        self.words.push((fp >> 32) as u32);
        state.write(n, &mut self.words);
    }

    /// The state whose words start at `at`, its fingerprint, and where the next one starts.
    fn read(&self, at: usize, n: usize) -> (u64, Packed, usize) {
        let fp = u64::from(self.words[at]) | u64::from(self.words[at + 1]) << 32;
        let (state, used) = Packed::read(&self.words[at + 2..], n);
        (fp, state, at + 2 + used)
    }
}

struct Search<'a> {
    model: &'a BoundedModel,
    options: &'a Options,
    properties: Vec<stateright::Property<BoundedModel>>,
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
        let mut violated = false;
        for k in 0..self.properties.len() {
            if self.found[k].is_some() {
                continue;
            }
            let p = &self.properties[k];
            let holds = (p.condition)(self.model, state);
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
    while !level.words.is_empty() && !stop {
        if options.max_depth.is_some_and(|d| depth >= d) {
            break;
        }
        let mut next_level = Level::default();
        let mut at = 0;
        'level: while at < level.words.len() {
            let (parent, packed, next_at) = level.read(at, n);
            at = next_at;
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
