//! `check`: exhaustive (or bounded) exploration of the Raft core with stateright, judged by the
//! core's invariants; a violation becomes a replayable `raft_core::Trace` file.

pub mod actors;
pub mod bounds;
pub mod cli;
pub mod commands;
pub mod counterexample;
pub mod properties;
pub mod report;
pub mod suite;
pub mod symmetry;
pub mod walk;

use actors::{build_model, RaftModel, RaftState};
use bounds::{Bounds, RunLimits, Strategy};
use properties::{goals, property_named, situation_name, Flags, SITUATIONS};
use raft_core::{Config, Property, Situation};
use report::{Counterexample, Progress, Summary};
use stateright::{Checker, CheckerBuilder, HasDiscoveries, Model, Representative};
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
}

/// Ends a run from outside the search, looked at every progress tick: at its deadline, or when
/// the process's resident memory passes its cap, it sets the model's `halt`; no state is then
/// within the boundary, so the search drains and stops. (stateright's BFS reads its own timeout
/// only when a thread runs out of work.)
struct Stopper {
    deadline: Option<Instant>,
    max_memory: Option<u64>,
    halt: Arc<AtomicBool>,
    out_of_memory: Cell<bool>,
}

impl Stopper {
    fn new(model: &RaftModel, deadline: Option<Instant>, max_memory: Option<u64>) -> Stopper {
        Stopper {
            deadline,
            max_memory,
            halt: Arc::clone(&model.cfg.halt),
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
    fn watch(&self, checker: &impl Checker<RaftModel>, mut tick: impl FnMut()) {
        while !checker.is_done() {
            tick();
            self.check();
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

type Discoveries = Vec<(
    &'static str,
    stateright::Path<actors::RaftState, actors::Action>,
)>;

/// Run `checker` to the end, printing progress, stopping it when due; its counts and
/// discoveries.
fn drive(
    checker: impl Checker<RaftModel>,
    progress: &mut Progress,
    stopper: &Stopper,
) -> (Counts, Discoveries) {
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
        walks: None,
    };
    (counts, checker.discoveries().into_iter().collect())
}

/// Explore `model` with `limits`.
fn explore(model: RaftModel, limits: &RunLimits, progress: &mut Progress) -> (Counts, Discoveries) {
    let deadline = limits.timeout.map(|t| progress.start() + t);
    let stopper = Stopper::new(&model, deadline, limits.max_memory);
    match limits.strategy {
        Strategy::Bfs => drive(builder(model, limits).spawn_bfs(), progress, &stopper),
        Strategy::Dfs if limits.symmetry => drive(
            builder(model, limits).symmetry().spawn_dfs(),
            progress,
            &stopper,
        ),
        Strategy::Dfs => drive(builder(model, limits).spawn_dfs(), progress, &stopper),
        Strategy::Simulation => simulate(model, limits, progress, &stopper),
    }
}

/// A stateright checker of `model` within `limits`, stopping at the first violation.
fn builder(model: RaftModel, limits: &RunLimits) -> CheckerBuilder<RaftModel> {
    let mut builder = model
        .checker()
        .threads(limits.threads)
        .finish_when(HasDiscoveries::AnyFailures);
    if let Some(d) = limits.max_depth {
        builder = builder.target_max_depth(d);
    }
    if let Some(s) = limits.max_states {
        builder = builder.target_state_count(s);
    }
    if let Some(t) = limits.timeout {
        builder = builder.timeout(t);
    }
    builder
}

/// Random walks (`walk`, not stateright's simulation). They keep the shortest path to each
/// discovery over all walks, so every property must answer at every state: no first-found flags.
fn simulate(
    mut model: RaftModel,
    limits: &RunLimits,
    progress: &mut Progress,
    stopper: &Stopper,
) -> (Counts, Discoveries) {
    model.cfg.flags = Arc::new(Flags::new(false));
    let options = walk::Options {
        threads: limits.threads,
        seed: limits.seed,
        symmetry: limits
            .symmetry
            .then_some(RaftState::representative as fn(&RaftState) -> RaftState),
        max_depth: limits.max_depth,
        max_states: limits.max_states,
        deadline: stopper.deadline,
    };
    let outcome = walk::run(&model, &options, |total, unique, depth| {
        progress.tick(total, unique, depth);
        stopper.check();
    });
    let counts = Counts {
        total: outcome.total,
        unique: outcome.unique,
        depth: outcome.max_depth,
        out_of_memory: stopper.out_of_memory.get(),
        walks: Some(outcome.walks),
    };
    (counts, outcome.discoveries)
}

/// Check `config` (its size and options; with `mutants`, possibly a mutant) under `bounds`.
/// Prints progress and, for a violation, the story; writes the trace into `out_dir` first.
pub fn check(config: &Config, bounds: &Bounds, limits: &RunLimits, out_dir: &Path) -> Summary {
    let start = Instant::now();
    let model = build_model(config, bounds);
    let cfg = model.cfg.clone();
    let mut progress = Progress::new(start);
    let (counts, discoveries) = explore(model, limits, &mut progress);
    let elapsed = start.elapsed();

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
        .min_by_key(|(p, path)| (stateright::Path::clone(path).into_actions().len(), *p));
    let counterexample = violation.map(|(property, path)| {
        Counterexample::build(&cfg, property, path.clone().into_vec(), limits, out_dir)
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
        elapsed,
        cut,
        counterexample,
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

/// The most states `minimise` explores (about 10 s, under 1 GB here).
const MINIMISE_MAX_STATES: usize = 1_000_000;

/// Re-run a single-threaded BFS no deeper than `depth` to find a shortest path violating
/// `property`; `None` if it finds none within `budget`.
pub(crate) fn minimise(
    config: &Config,
    bounds: &Bounds,
    property: Property,
    depth: usize,
    budget: Duration,
) -> Option<stateright::Path<actors::RaftState, actors::Action>> {
    let model = build_model(config, bounds);
    let stopper = Stopper::new(&model, Some(Instant::now() + budget), None);
    let checker = model
        .checker()
        .threads(1)
        // The initial state is at depth 1, and states at the target depth are not checked: a
        // violation `depth` steps in sits at depth `depth + 1`, so the target is `depth + 2`.
        .target_max_depth(depth + 2)
        .timeout(budget)
        .target_state_count(MINIMISE_MAX_STATES)
        .finish_when(HasDiscoveries::AnyOf(
            [property.name()].into_iter().collect(),
        ))
        .spawn_bfs();
    stopper.watch(&checker, || {});
    checker.join().discovery(property.name())
}
