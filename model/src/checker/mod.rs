//! `check`: exhaustive (or bounded) exploration of the Raft core with stateright, judged by the
//! core's invariants; a violation becomes a replayable `raft_core::Trace` file.

pub mod actors;
pub mod bfs;
pub mod boundary;
pub mod bounds;
pub mod cli;
pub mod commands;
pub mod compact;
pub mod counterexample;
pub mod explorer;
pub mod judged;
pub mod liveness;
pub mod probe;
pub mod properties;
pub mod report;
pub mod shrink;
pub mod suite;
pub mod swarm;
pub mod symmetry;
pub mod view;
pub mod visited;
pub mod walk;

use actors::{build_model, Action, RaftState};
use boundary::{BoundedModel, Refused};
use bounds::{Bounds, RunLimits, Strategy};
use properties::{goals, property_named, situation_name, Flags, SITUATIONS};
use raft_core::{Config, Property, Situation};
use report::{Counterexample, Progress, Summary};
use stateright::{Checker, HasDiscoveries, Model};
use std::cell::Cell;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The checker's counts when it stopped.
struct Counts {
    total: usize,
    unique: usize,
    depth: usize,
    /// The memory cap halted the run.
    out_of_memory: bool,
    /// Random walks taken (`None`: an exhaustive search).
    walks: Option<usize>,
    /// With symmetry under BFS: the states the unique representatives stand for.
    orbits: Option<u64>,
}

/// Ends a run from outside the search, looked at every progress tick: at its deadline, or when
/// the process's resident memory passes its cap, it sets the model's `halt`; no state is then
/// within the boundary, so the search drains and stops.
struct Stopper {
    deadline: Option<Instant>,
    max_memory: Option<u64>,
    halt: Arc<AtomicBool>,
    out_of_memory: Cell<bool>,
}

impl Stopper {
    fn new(model: &BoundedModel, deadline: Option<Instant>, max_memory: Option<u64>) -> Stopper {
        Stopper {
            deadline,
            max_memory,
            halt: Arc::clone(&model.inner.cfg.halt),
            out_of_memory: Cell::new(false),
        }
    }

    fn check(&self) {
        let late = self.deadline.is_some_and(|d| Instant::now() >= d);
        let full = self
            .max_memory
            .is_some_and(|cap| report::resident_memory().is_some_and(|m| m > cap));
        if full {
            self.out_of_memory.set(true);
        }
        if late || full {
            self.halt.store(true, Ordering::Relaxed);
        }
    }

    /// Wait for `checker`, stopping it when due.
    fn watch(&self, checker: &impl Checker<BoundedModel>, mut tick: impl FnMut()) {
        while !checker.is_done() {
            tick();
            self.check();
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A model path: each state with the action taken from it (none from the last).
pub type ModelPath = Vec<(RaftState, Option<Action>)>;

/// Each discovery (by property name) with its path in the servers' real names.
type Discoveries = Vec<(&'static str, ModelPath)>;

/// Stateright's discoveries (states as the search saw them) in the servers' real names.
fn real_discoveries(
    model: &BoundedModel,
    found: impl IntoIterator<Item = (&'static str, stateright::Path<RaftState, Action>)>,
) -> Discoveries {
    found
        .into_iter()
        .filter_map(|(name, path)| {
            let real = bfs::real_names(model, &path.into_vec());
            if real.is_none() {
                eprintln!("warning: the path to {name:?} does not replay in real names");
            }
            Some((name, real?))
        })
        .collect()
}

/// Explore `model` with `limits`; the counts, discoveries and transitions refused per bound.
fn explore(
    model: BoundedModel,
    limits: &RunLimits,
    progress: &mut Progress,
) -> (Counts, Discoveries, Refused) {
    let deadline = limits.timeout.map(|t| progress.start() + t);
    let stopper = Stopper::new(&model, deadline, limits.max_memory);
    match limits.strategy {
        Strategy::Bfs => {
            let options = bfs::Options {
                max_depth: limits.max_depth,
                max_states: limits.max_states,
                keep_going: limits.keep_going,
                only: None,
            };
            let outcome = bfs::run(&model, &options, |total, unique, depth| {
                progress.tick(total, unique, depth);
                stopper.check();
            });
            let counts = Counts {
                total: outcome.total,
                unique: outcome.unique,
                depth: outcome.max_depth,
                out_of_memory: stopper.out_of_memory.get(),
                orbits: model.symmetry.then_some(outcome.orbits),
                walks: None,
            };
            let discoveries = outcome
                .discoveries
                .iter()
                .filter_map(|(name, fps)| Some((*name, bfs::rebuild(&model, fps)?)))
                .collect();
            (counts, discoveries, model.refused())
        }
        Strategy::Dfs => {
            let mut builder = model.checker().threads(limits.threads);
            builder = builder.finish_when(if limits.keep_going {
                HasDiscoveries::All
            } else {
                HasDiscoveries::AnyFailures
            });
            if let Some(d) = limits.max_depth {
                builder = builder.target_max_depth(d);
            }
            if let Some(s) = limits.max_states {
                builder = builder.target_state_count(s);
            }
            if let Some(t) = limits.timeout {
                builder = builder.timeout(t);
            }
            let checker = builder.spawn_dfs();
            stopper.watch(&checker, || {
                progress.tick(
                    checker.state_count(),
                    checker.unique_state_count(),
                    checker.max_depth(),
                )
            });
            let checker = checker.join();
            let counts = Counts {
                total: checker.state_count(),
                unique: checker.unique_state_count(),
                depth: checker.max_depth(),
                out_of_memory: stopper.out_of_memory.get(),
                orbits: None,
                walks: None,
            };
            let refused = checker.model().refused();
            let discoveries = real_discoveries(checker.model(), checker.discoveries());
            (counts, discoveries, refused)
        }
        Strategy::Simulation => simulate(model, limits, progress, &stopper),
    }
}

/// Random walks (`walk`, not stateright's simulation). They keep the shortest path to each
/// discovery over all walks, so every property must answer at every state: no first-found flags.
fn simulate(
    mut model: BoundedModel,
    limits: &RunLimits,
    progress: &mut Progress,
    stopper: &Stopper,
) -> (Counts, Discoveries, Refused) {
    model.inner.cfg.flags = Arc::new(Flags::new(false));
    let options = walk::Options {
        threads: limits.threads,
        seed: limits.seed,
        max_depth: limits.max_depth,
        max_states: limits.max_states,
        deadline: stopper.deadline,
        keep_going: limits.keep_going,
    };
    let guide = swarm::Swarm::new(&model);
    let outcome = walk::run(&model, &guide, &options, |total, unique, depth| {
        progress.tick(total, unique, depth);
        stopper.check();
    });
    let counts = Counts {
        total: outcome.total,
        unique: outcome.unique,
        depth: outcome.max_depth,
        out_of_memory: stopper.out_of_memory.get(),
        walks: Some(outcome.walks),
        orbits: None,
    };
    let discoveries = real_discoveries(&model, outcome.discoveries);
    (counts, discoveries, model.refused())
}

/// Check `config` (its size and options; with `mutants`, possibly a mutant) under `bounds`.
/// Prints progress and, for a violation, the story; writes the trace into `out_dir` first.
pub fn check(config: &Config, bounds: &Bounds, limits: &RunLimits, out_dir: &Path) -> Summary {
    let start = Instant::now();
    report::reset_peak_memory();
    let model = BoundedModel::new(build_model(config, bounds), limits.symmetry);
    let cfg = model.inner.cfg.clone();
    let mut progress = Progress::new(start);
    let (counts, discoveries, refused) = explore(model, limits, &mut progress);
    let elapsed = start.elapsed();
    let peak_memory = report::peak_memory();

    let found = |name: &str| discoveries.iter().any(|(n, _)| *n == name);
    let properties: Vec<(Property, bool)> = raft_core::invariants::PROPERTIES
        .iter()
        .map(|(p, _)| (*p, !found(p.name())))
        .collect();
    let situations: Vec<(Situation, bool)> = SITUATIONS
        .iter()
        .map(|s| (*s, found(situation_name(*s))))
        .collect();
    // The shortest violation (ties: in the core's property order).
    let violation = discoveries
        .iter()
        .filter_map(|(name, path)| property_named(name).map(|p| (p, path)))
        .min_by_key(|(p, path)| (path.len(), *p));
    let stopped_at_violation = violation.is_some() && !limits.keep_going;
    let counterexample = violation.map(|(property, path)| {
        Counterexample::build(&cfg, property, path.clone(), limits, out_dir)
    });
    let cut = cut_reason(limits, &counts, elapsed);
    Summary {
        bounds: bounds.clone(),
        limits: limits.clone(),
        properties,
        situations,
        goals: goals(bounds),
        total: counts.total,
        unique: counts.unique,
        max_depth: counts.depth,
        walks: counts.walks,
        orbits: counts.orbits,
        refused,
        elapsed,
        cut,
        stopped_at_violation,
        counterexample,
        peak_memory,
    }
}

/// Why the run is not exhaustive, if it is not.
fn cut_reason(limits: &RunLimits, counts: &Counts, elapsed: Duration) -> Option<String> {
    if counts.out_of_memory {
        let cap = limits.max_memory.unwrap_or_default() >> 20;
        return Some(format!("--max-memory {cap} MiB reached"));
    }
    if limits.strategy == Strategy::Simulation {
        return Some("simulation explores random walks, never the whole space".into());
    }
    if let Some(d) = limits.max_depth {
        if counts.depth >= d {
            return Some(format!("--max-depth {d} reached"));
        }
    }
    if let Some(s) = limits.max_states {
        if counts.total >= s {
            return Some(format!("--max-states {s} reached"));
        }
    }
    if let Some(t) = limits.timeout {
        if elapsed >= t {
            return Some(format!("--timeout {}s reached", t.as_secs()));
        }
    }
    None
}

/// The most states `minimise` explores (about 10 s here).
const MINIMISE_MAX_STATES: usize = 1_000_000;

/// Re-run a breadth-first search no deeper than `depth` steps to find a shortest path violating
/// `property`, in the servers' real names; `None` if it finds none within `budget`.
pub(crate) fn minimise(
    config: &Config,
    bounds: &Bounds,
    symmetry: bool,
    property: Property,
    depth: usize,
    budget: Duration,
) -> Option<ModelPath> {
    let model = BoundedModel::new(build_model(config, bounds), symmetry);
    let stopper = Stopper::new(&model, Some(Instant::now() + budget), None);
    let options = bfs::Options {
        // The initial state is at depth 1: a violation `depth` steps in sits at depth
        // `depth + 1`.
        max_depth: Some(depth + 1),
        max_states: Some(MINIMISE_MAX_STATES),
        keep_going: true,
        only: Some(property.name()),
    };
    let outcome = bfs::run(&model, &options, |_, _, _| stopper.check());
    let (_, fps) = outcome
        .discoveries
        .iter()
        .find(|(name, _)| *name == property.name())?;
    bfs::rebuild(&model, fps)
}
