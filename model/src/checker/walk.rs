//! Random walks over a stateright `Model` (`check --strategy simulation`), in place of stateright
//! 0.31's `SimulationChecker`, which panics rebuilding a discovery's path once `next_state` has
//! returned `None` for a chosen action, and ends a walk at its first successor outside the boundary.

use crate::sim::rng::Rng;
use stateright::{Expectation, Model, Path, Property};
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How the walks are run and bounded.
pub struct Options {
    /// Worker threads, each with its own walks.
    pub threads: usize,
    /// Seeds every thread's generator (with the thread's index): one thread and one seed always
    /// take the same walks.
    pub seed: u64,
    /// The deepest state a walk visits (its initial state is at depth 1).
    pub max_depth: Option<usize>,
    /// The most states visited, over all walks.
    pub max_states: Option<usize>,
    /// No walk goes on past this instant.
    pub deadline: Option<Instant>,
    /// Go on past the first violation (to the shortest walk found per property).
    pub keep_going: bool,
}

/// What the walks found.
pub struct Outcome<S, A> {
    /// States visited (a state visited by several walks counts every time).
    pub total: usize,
    /// Distinct fingerprints visited (of representatives, with symmetry).
    pub unique: usize,
    /// Walks begun.
    pub walks: usize,
    /// The deepest state visited (the initial state is at depth 1).
    pub max_depth: usize,
    /// The shortest path found to each discovery (an `Always` violated, a `Sometimes` reached, an
    /// `Eventually` missed by a walk that ended in a cycle or with no successor), in the order of
    /// the model's properties.
    pub discoveries: Vec<(&'static str, Path<S, A>)>,
}

/// Walk `model` until a property fails, every property is discovered, or a limit is reached;
/// `tick(total, unique, depth)` is called every 50 ms meanwhile.
pub fn run<M>(
    model: &M,
    options: &Options,
    mut tick: impl FnMut(usize, usize, usize),
) -> Outcome<M::State, M::Action>
where
    M: Model + Sync,
    M::State: Clone + Hash + PartialEq + Send,
    M::Action: Clone + PartialEq + Send,
{
    let properties = model.properties();
    let shared = Shared {
        model,
        options,
        stop: AtomicBool::new(properties.is_empty()),
        total: AtomicUsize::new(0),
        unique: AtomicUsize::new(0),
        walks: AtomicUsize::new(0),
        depth: AtomicUsize::new(0),
        seen: (0..SHARDS).map(|_| Mutex::default()).collect(),
        best: properties
            .iter()
            .map(|_| AtomicUsize::new(usize::MAX))
            .collect(),
        paths: Mutex::new(properties.iter().map(|_| None).collect()),
        properties,
    };
    let counts = |s: &Shared<M>| {
        (
            s.total.load(Ordering::Relaxed),
            s.unique.load(Ordering::Relaxed),
            s.depth.load(Ordering::Relaxed),
        )
    };
    std::thread::scope(|scope| {
        let shared = &shared;
        let workers: Vec<_> = (0..options.threads)
            .map(|t| scope.spawn(move || shared.work(t)))
            .collect();
        while !workers.iter().all(|w| w.is_finished()) {
            let (total, unique, depth) = counts(shared);
            tick(total, unique, depth);
            if options.deadline.is_some_and(|d| Instant::now() >= d) {
                shared.stop.store(true, Ordering::Relaxed);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let (total, unique, max_depth) = counts(&shared);
    let paths = shared
        .paths
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    let discoveries = shared
        .properties
        .iter()
        .zip(paths)
        .filter_map(|(p, found)| {
            let (init, actions) = found?;
            // The actions were taken from `init` by this model: they replay unless its
            // `next_state` is not a function of its arguments.
            let path = Path::from_actions(model, init, &actions);
            if path.is_none() {
                eprintln!(
                    "warning: the walk to {:?} does not replay (a nondeterministic model?)",
                    p.name
                );
            }
            Some((p.name, path?))
        })
        .collect();
    Outcome {
        total,
        unique,
        walks: shared.walks.load(Ordering::Relaxed),
        max_depth,
        discoveries,
    }
}

/// Shards of the set of fingerprints seen, to keep the threads from waiting on each other.
const SHARDS: usize = 64;

/// Fingerprints are hashes already: the sets use them as they are.
type Fingerprints = nohash_hasher::IntSet<u64>;

/// A fixed-key hash of `value`: the same in every thread and every run.
fn fingerprint<T: Hash>(value: &T) -> u64 {
    ahash::RandomState::with_seeds(0x5741_4c4b, 0x5241_4e44, 0x4f4d_5741, 0x4c4b_5331)
        .hash_one(value)
}

/// A uniform index into a non-empty collection of `len` items.
fn index_below(rng: &mut Rng, len: usize) -> usize {
    // `below` is under `len`, which is a `usize`.
    rng.below(len as u64) as usize
}

/// What the threads share.
struct Shared<'a, M: Model> {
    model: &'a M,
    options: &'a Options,
    properties: Vec<Property<M>>,
    stop: AtomicBool,
    total: AtomicUsize,
    unique: AtomicUsize,
    walks: AtomicUsize,
    depth: AtomicUsize,
    seen: Vec<Mutex<Fingerprints>>,
    /// Per property, the steps of the shortest path found (`usize::MAX`: none).
    best: Vec<AtomicUsize>,
    paths: Mutex<Vec<Found<M>>>,
}

/// A property's shortest path found (if any): its initial state and its actions.
type Found<M> = Option<(<M as Model>::State, Vec<<M as Model>::Action>)>;

/// How a walk may go on from a state.
enum Step<S, A> {
    Next(A, S),
    /// Every successor lies outside the boundary: the walk is cut.
    Cut,
    /// No action has a successor: the walk ends here.
    Terminal,
}

/// One thread's reusable buffers.
struct Scratch<A> {
    /// Fingerprints of the states of the current walk.
    walk: Fingerprints,
    /// The actions taken from the initial state.
    trail: Vec<A>,
    candidates: Vec<A>,
    /// Per property, an `Eventually` not yet true on this walk.
    pending: Vec<bool>,
}

impl<M> Shared<'_, M>
where
    M: Model,
    M::State: Clone + Hash + PartialEq,
    M::Action: Clone + PartialEq,
{
    /// Thread `t`: walks until told to stop.
    fn work(&self, t: usize) {
        // The simulator's generator, one stream per thread.
        let mut rng = Rng::new(self.options.seed ^ (t as u64).wrapping_mul(0xd1b5_4a32_d192_ed03));
        let inits: Vec<M::State> = self
            .model
            .init_states()
            .into_iter()
            .filter(|s| self.model.within_boundary(s))
            .collect();
        if inits.is_empty() {
            return;
        }
        let mut scratch = Scratch {
            walk: Fingerprints::default(),
            trail: Vec::new(),
            candidates: Vec::new(),
            pending: Vec::new(),
        };
        while !self.stop.load(Ordering::Relaxed) {
            let init = &inits[index_below(&mut rng, inits.len())];
            self.walk(init, &mut rng, &mut scratch);
        }
    }

    fn walk(&self, init: &M::State, rng: &mut Rng, scratch: &mut Scratch<M::Action>) {
        self.walks.fetch_add(1, Ordering::Relaxed);
        scratch.walk.clear();
        scratch.trail.clear();
        scratch.pending.clear();
        scratch.pending.extend(
            self.properties
                .iter()
                .map(|p| p.expectation == Expectation::Eventually),
        );
        let mut state = init.clone();
        loop {
            let fp = fingerprint(&state);
            if !scratch.walk.insert(fp) {
                // A cycle: an `Eventually` still pending never comes true along it.
                self.missed(init, scratch);
                return;
            }
            let depth = scratch.trail.len() + 1;
            if !self.count(fp, depth) {
                return;
            }
            self.judge(&state, init, scratch);
            if self.stop.load(Ordering::Relaxed)
                || self.options.max_depth.is_some_and(|d| depth >= d)
            {
                return;
            }
            match self.step(&state, rng, &mut scratch.candidates) {
                Step::Next(action, next) => {
                    scratch.trail.push(action);
                    state = next;
                }
                Step::Cut => return,
                Step::Terminal => {
                    self.missed(init, scratch);
                    return;
                }
            }
        }
    }

    /// Count a visit of the state with fingerprint `fp` at `depth`; `false` (and stop) when the
    /// state budget is spent.
    fn count(&self, fp: u64, depth: usize) -> bool {
        let before = self.total.fetch_add(1, Ordering::Relaxed);
        if self.options.max_states.is_some_and(|m| before >= m) {
            self.total.fetch_sub(1, Ordering::Relaxed);
            self.stop.store(true, Ordering::Relaxed);
            return false;
        }
        let shard = &self.seen[(fp >> 32) as usize % SHARDS];
        if shard
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(fp)
        {
            self.unique.fetch_add(1, Ordering::Relaxed);
        }
        self.depth.fetch_max(depth, Ordering::Relaxed);
        true
    }

    /// Evaluate every property on `state`, the last of the walk (those whose shortest path is
    /// already no longer than this walk are skipped: it cannot improve on them).
    fn judge(&self, state: &M::State, init: &M::State, scratch: &mut Scratch<M::Action>) {
        let steps = scratch.trail.len();
        for (k, p) in self.properties.iter().enumerate() {
            let found = match p.expectation {
                Expectation::Eventually => {
                    if scratch.pending[k] && (p.condition)(self.model, state) {
                        scratch.pending[k] = false;
                    }
                    false
                }
                _ if self.best[k].load(Ordering::Relaxed) <= steps => false,
                Expectation::Always => !(p.condition)(self.model, state),
                Expectation::Sometimes => (p.condition)(self.model, state),
            };
            if found {
                self.discover(k, init, &scratch.trail);
            }
        }
    }

    /// A walk that ended (cycle or no successor) with `Eventually` properties still pending.
    fn missed(&self, init: &M::State, scratch: &Scratch<M::Action>) {
        for (k, pending) in scratch.pending.iter().enumerate() {
            if *pending {
                self.discover(k, init, &scratch.trail);
            }
        }
    }

    /// Keep `trail` as property `k`'s path if it is the shortest yet; stop when a property
    /// failed or every property is discovered.
    fn discover(&self, k: usize, init: &M::State, trail: &[M::Action]) {
        {
            let mut paths = self.paths.lock().unwrap_or_else(PoisonError::into_inner);
            if trail.len() >= self.best[k].load(Ordering::Relaxed) {
                return;
            }
            self.best[k].store(trail.len(), Ordering::Relaxed);
            paths[k] = Some((init.clone(), trail.to_vec()));
        }
        let failed = self.properties[k].expectation != Expectation::Sometimes;
        if (failed && !self.options.keep_going)
            || self
                .best
                .iter()
                .all(|b| b.load(Ordering::Relaxed) != usize::MAX)
        {
            self.stop.store(true, Ordering::Relaxed);
        }
    }

    /// A step chosen uniformly among the actions with a successor within the boundary (tried in
    /// a random order until one has).
    fn step(
        &self,
        state: &M::State,
        rng: &mut Rng,
        candidates: &mut Vec<M::Action>,
    ) -> Step<M::State, M::Action> {
        candidates.clear();
        self.model.actions(state, candidates);
        let mut cut = false;
        while !candidates.is_empty() {
            let action = candidates.swap_remove(index_below(rng, candidates.len()));
            if let Some(next) = self.model.next_state(state, action.clone()) {
                if self.model.within_boundary(&next) {
                    return Step::Next(action, next);
                }
                cut = true;
            }
        }
        if cut {
            Step::Cut
        } else {
            Step::Terminal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A counter from 0 to `top`: `Inc` (none at `top`), `Stay` (never a successor), `Jump`
    /// (below `top`, outside the boundary) and, if `reset`, `Reset` back to 0.
    struct Line {
        top: u8,
        reset: bool,
        properties: Vec<Property<Line>>,
    }

    #[derive(Clone, Debug, PartialEq)]
    enum Act {
        Inc,
        Stay,
        Jump,
        Reset,
    }

    impl Model for Line {
        type State = u8;
        type Action = Act;
        fn init_states(&self) -> Vec<u8> {
            vec![0]
        }
        fn actions(&self, s: &u8, actions: &mut Vec<Act>) {
            actions.extend([Act::Stay, Act::Inc]);
            if *s < self.top {
                actions.push(Act::Jump);
            }
            if self.reset {
                actions.push(Act::Reset);
            }
        }
        fn next_state(&self, s: &u8, action: Act) -> Option<u8> {
            match action {
                Act::Inc => (*s < self.top).then_some(s + 1),
                Act::Stay => None,
                Act::Jump => Some(100),
                Act::Reset => Some(0),
            }
        }
        fn within_boundary(&self, s: &u8) -> bool {
            *s <= self.top
        }
        fn properties(&self) -> Vec<Property<Line>> {
            self.properties.clone()
        }
    }

    fn options(max_states: Option<usize>) -> Options {
        Options {
            threads: 1,
            seed: 7,
            keep_going: false,
            max_depth: None,
            max_states,
            deadline: None,
        }
    }

    fn actions(o: &Outcome<u8, Act>, name: &str) -> Option<Vec<Act>> {
        o.discoveries
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, p)| p.clone().into_actions())
    }

    /// Actions with no successor or a successor outside the boundary are passed over, not the
    /// end of the walk (stateright's simulation panics on the first, stops at the second); the
    /// run stops at the first violation.
    #[test]
    fn steps_without_successor_or_outside_the_boundary_are_passed_over() {
        let model = Line {
            top: 9,
            reset: false,
            properties: vec![
                Property::always("below 5", |_, s| *s < 5),
                Property::sometimes("three", |_, s| *s == 3),
            ],
        };
        let o = run(&model, &options(None), |_, _, _| {});
        assert_eq!(actions(&o, "below 5"), Some(vec![Act::Inc; 5]));
        assert_eq!(actions(&o, "three"), Some(vec![Act::Inc; 3]));
        assert_eq!((o.total, o.unique, o.max_depth), (6, 6, 6));
    }

    /// A walk ends at a state seen before in it, or with no successor: an `Eventually` still
    /// pending is then discovered; one that came true is not.
    #[test]
    fn eventually_is_missed_by_a_cycle_or_a_dead_end() {
        let never = |reset| Line {
            top: 3,
            reset,
            properties: vec![Property::eventually("nine", |_, s| *s == 9)],
        };
        let o = run(&never(false), &options(None), |_, _, _| {});
        assert_eq!(actions(&o, "nine"), Some(vec![Act::Inc; 3]));
        let o = run(&never(true), &options(None), |_, _, _| {});
        assert_eq!(
            actions(&o, "nine").and_then(|a| a.last().cloned()),
            Some(Act::Reset)
        );

        let three = Line {
            top: 3,
            reset: false,
            properties: vec![Property::eventually("three", |_, s| *s == 3)],
        };
        let o = run(&three, &options(Some(100)), |_, _, _| {});
        assert!(o.discoveries.is_empty());
        assert_eq!((o.total, o.unique, o.max_depth), (100, 4, 4));
    }

    /// One thread and one seed: the same walks; `--max-depth` bounds them.
    #[test]
    fn one_thread_and_a_seed_repeat_the_same_walks() {
        let model = Line {
            top: 50,
            reset: true,
            properties: vec![Property::sometimes("ten", |_, s| *s == 10)],
        };
        let summary = |o: Outcome<u8, Act>| {
            (
                o.total,
                o.unique,
                o.max_depth,
                actions(&o, "ten").map(|a| a.len()),
            )
        };
        let first = summary(run(&model, &options(Some(20_000)), |_, _, _| {}));
        let again = summary(run(&model, &options(Some(20_000)), |_, _, _| {}));
        assert_eq!(first, again);
        assert_eq!(first.3, Some(10), "{first:?}");

        let shallow = Options {
            max_depth: Some(5),
            ..options(Some(1_000))
        };
        let o = run(&model, &shallow, |_, _, _| {});
        assert_eq!((o.max_depth, o.unique), (5, 5));
    }
}
