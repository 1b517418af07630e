//! Random walks over a stateright `Model` (`check --strategy simulation`), in place of stateright
//! 0.31's `SimulationChecker`, which panics rebuilding a discovery's path once `next_state` has
//! returned `None` for a chosen action, and ends a walk at its first successor outside the boundary.
//! A [`Guide`] weighs the steps (differently for each walk) and names the leaves a walk passes over.

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

/// How walks choose their steps. Each walk draws its own `Bias` and then picks among the actions
/// with a successor in proportion to their weights under it (an action of weight 0 only when no
/// other is left). A successor that is a leaf (beyond the model's bounds: it has no action) is
/// judged, counted, and passed over, so that one step past a bound does not end the walk.
pub trait Guide<M: Model>: Sync {
    type Bias;
    /// The bias of a new walk.
    fn bias(&self, rng: &mut Rng) -> Self::Bias;
    /// Before each step: the bias may shift (a phase of the walk ends).
    fn shift(&self, _bias: &mut Self::Bias, _rng: &mut Rng) {}
    /// The weight of `action` under `bias`.
    fn weight(&self, bias: &Self::Bias, action: &M::Action) -> u64;
    /// `state` is judged but never walked from.
    fn is_leaf(&self, state: &M::State) -> bool;
}

/// Every action alike, no leaf passed over: stateright's uniform walks.
pub struct Uniform;

impl<M: Model> Guide<M> for Uniform {
    type Bias = ();
    fn bias(&self, _: &mut Rng) {}
    fn weight(&self, _: &(), _: &M::Action) -> u64 {
        1
    }
    fn is_leaf(&self, _: &M::State) -> bool {
        false
    }
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

/// Walk `model`, steered by `guide`, until a property fails, every property is discovered, or a
/// limit is reached; `tick(total, unique, depth)` is called every 50 ms meanwhile.
pub fn run<M, G>(
    model: &M,
    guide: &G,
    options: &Options,
    mut tick: impl FnMut(usize, usize, usize),
) -> Outcome<M::State, M::Action>
where
    M: Model + Sync,
    M::State: Clone + Hash + PartialEq + Send,
    M::Action: Clone + PartialEq + Send,
    G: Guide<M>,
{
    let properties = model.properties();
    let shared = Shared {
        model,
        guide,
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
    let counts = |s: &Shared<M, G>| {
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
struct Shared<'a, M: Model, G> {
    model: &'a M,
    guide: &'a G,
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
    /// The weight of each candidate.
    weights: Vec<u64>,
    /// Per property, an `Eventually` not yet true on this walk.
    pending: Vec<bool>,
}

impl<M, G> Shared<'_, M, G>
where
    M: Model,
    M::State: Clone + Hash + PartialEq,
    M::Action: Clone + PartialEq,
    G: Guide<M>,
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
            weights: Vec::new(),
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
        let mut bias = self.guide.bias(rng);
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
            self.guide.shift(&mut bias, rng);
            match self.step(&state, &bias, init, rng, scratch) {
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
    /// already no longer than this walk are skipped: it cannot improve on them). On a leaf passed
    /// over, an `Eventually` is left alone: the walk does not go that way.
    fn judge(&self, state: &M::State, init: &M::State, scratch: &mut Scratch<M::Action>) {
        self.judge_as(state, init, scratch, false);
    }

    fn judge_as(
        &self,
        state: &M::State,
        init: &M::State,
        scratch: &mut Scratch<M::Action>,
        leaf: bool,
    ) {
        let steps = scratch.trail.len();
        for (k, p) in self.properties.iter().enumerate() {
            let found = match p.expectation {
                Expectation::Eventually => {
                    if !leaf && scratch.pending[k] && (p.condition)(self.model, state) {
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

    /// A step chosen among the actions with a successor, by their weights under `bias` (tried
    /// in turn until one has a successor that is neither a leaf nor the state itself; the
    /// leaves met are judged).
    fn step(
        &self,
        state: &M::State,
        bias: &G::Bias,
        init: &M::State,
        rng: &mut Rng,
        scratch: &mut Scratch<M::Action>,
    ) -> Step<M::State, M::Action> {
        scratch.candidates.clear();
        self.model.actions(state, &mut scratch.candidates);
        scratch.weights.clear();
        scratch.weights.extend(
            scratch
                .candidates
                .iter()
                .map(|a| self.guide.weight(bias, a)),
        );
        let mut cut = false;
        while !scratch.candidates.is_empty() {
            let k = weighted_index(rng, &scratch.weights);
            let action = scratch.candidates.swap_remove(k);
            scratch.weights.swap_remove(k);
            let Some(next) = self.model.next_state(state, action.clone()) else {
                continue;
            };
            if !self.model.within_boundary(&next) {
                cut = true;
                continue;
            }
            if next == *state {
                // A step that changes nothing (a duplicate delivered again, say) would only end
                // the walk as a cycle.
                continue;
            }
            if self.guide.is_leaf(&next) {
                scratch.trail.push(action);
                let depth = scratch.trail.len() + 1;
                if self.count(fingerprint(&next), depth) {
                    self.judge_as(&next, init, scratch, true);
                }
                scratch.trail.pop();
                if self.stop.load(Ordering::Relaxed) {
                    return Step::Cut;
                }
                continue;
            }
            return Step::Next(action, next);
        }
        if cut {
            Step::Cut
        } else {
            Step::Terminal
        }
    }
}

/// An index into `weights` (not empty) drawn in proportion to them, or uniformly when they are
/// all 0.
fn weighted_index(rng: &mut Rng, weights: &[u64]) -> usize {
    let total: u64 = weights.iter().sum();
    if total == 0 {
        return index_below(rng, weights.len());
    }
    let mut pick = rng.below(total);
    for (k, &w) in weights.iter().enumerate() {
        if pick < w {
            return k;
        }
        pick -= w;
    }
    weights.len() - 1
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

    fn actions<A: Clone>(o: &Outcome<u8, A>, name: &str) -> Option<Vec<A>> {
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
        let o = run(&model, &Uniform, &options(None), |_, _, _| {});
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
        let o = run(&never(false), &Uniform, &options(None), |_, _, _| {});
        assert_eq!(actions(&o, "nine"), Some(vec![Act::Inc; 3]));
        let o = run(&never(true), &Uniform, &options(None), |_, _, _| {});
        assert_eq!(
            actions(&o, "nine").and_then(|a| a.last().cloned()),
            Some(Act::Reset)
        );

        let three = Line {
            top: 3,
            reset: false,
            properties: vec![Property::eventually("three", |_, s| *s == 3)],
        };
        let o = run(&three, &Uniform, &options(Some(100)), |_, _, _| {});
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
        let first = summary(run(&model, &Uniform, &options(Some(20_000)), |_, _, _| {}));
        let again = summary(run(&model, &Uniform, &options(Some(20_000)), |_, _, _| {}));
        assert_eq!(first, again);
        assert_eq!(first.3, Some(10), "{first:?}");

        let shallow = Options {
            max_depth: Some(5),
            ..options(Some(1_000))
        };
        let o = run(&model, &Uniform, &shallow, |_, _, _| {});
        assert_eq!((o.max_depth, o.unique), (5, 5));
    }

    /// A counter that goes `Up` by one or `Leap`s by ten; under `Steered`, `Up` weighs 0 (taken
    /// only when nothing else is left) and every state from 10 on is a leaf.
    struct Climb(Vec<Property<Climb>>);

    impl Model for Climb {
        type State = u8;
        type Action = bool;
        fn init_states(&self) -> Vec<u8> {
            vec![0]
        }
        fn actions(&self, _: &u8, actions: &mut Vec<bool>) {
            actions.extend([false, true]);
        }
        fn next_state(&self, s: &u8, leap: bool) -> Option<u8> {
            s.checked_add(if leap { 10 } else { 1 })
        }
        fn properties(&self) -> Vec<Property<Climb>> {
            self.0.clone()
        }
    }

    struct Steered;

    impl Guide<Climb> for Steered {
        type Bias = ();
        fn bias(&self, _: &mut Rng) {}
        fn weight(&self, _: &(), leap: &bool) -> u64 {
            u64::from(*leap)
        }
        fn is_leaf(&self, state: &u8) -> bool {
            *state >= 10
        }
    }

    /// A leaf is judged (a violation on it is found, one step past the walk) and the walk goes
    /// on past it; a weight-0 step is taken when it is the only one left.
    #[test]
    fn leaves_are_judged_and_passed_over_and_weight_zero_is_the_last_resort() {
        let five = Climb(vec![Property::sometimes("five", |_, s| *s == 5)]);
        let o = run(&five, &Steered, &options(None), |_, _, _| {});
        // Every `Leap` is a leaf passed over: the walk climbs by `Up` alone.
        assert_eq!(actions(&o, "five"), Some(vec![false; 5]));
        let below = Climb(vec![Property::always("below 12", |_, s| *s < 12)]);
        let o = run(&below, &Steered, &options(None), |_, _, _| {});
        assert_eq!(actions(&o, "below 12"), Some(vec![false, false, true]));
    }

    /// A step to the state itself is no step: the walk does not end there as at a cycle.
    #[test]
    fn a_step_that_changes_nothing_is_passed_over() {
        struct Loop;
        impl Model for Loop {
            type State = u8;
            type Action = bool;
            fn init_states(&self) -> Vec<u8> {
                vec![0]
            }
            fn actions(&self, _: &u8, actions: &mut Vec<bool>) {
                actions.extend([false, true]);
            }
            fn next_state(&self, s: &u8, up: bool) -> Option<u8> {
                Some(if up { s.saturating_add(1) } else { *s })
            }
            fn properties(&self) -> Vec<Property<Loop>> {
                vec![Property::sometimes("twenty", |_, s| *s == 20)]
            }
        }
        let o = run(&Loop, &Uniform, &options(Some(10_000)), |_, _, _| {});
        assert_eq!(o.walks, 1);
        assert_eq!(o.discoveries.len(), 1);
    }
}
