//! Running scenarios over seeds: one run per (scenario, seed), in parallel over a thread pool
//! of the machine's cores (runs are independent; each is single-threaded and deterministic).
//! A failing run yields its `raft_core::Trace`, written where the caller asks; a run that goes
//! over its budget fails with a livelock verdict, and the swarm goes on.

use super::budget::Budget;
use super::scenarios::Scenario;
use super::world::{Failure, Sim};
use raft_core::{Config, Situation, Trace};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The outcome of one scenario run.
pub struct RunReport {
    pub scenario: &'static str,
    /// The scenario's lab part (`3A`..`3D`).
    pub part: &'static str,
    pub seed: u64,
    pub failure: Option<Failure>,
    /// Virtual milliseconds simulated.
    pub sim_ms: u64,
    /// Operations applied to the cluster.
    pub events: u64,
    /// The largest world size measured (`Sim::world_size`).
    pub peak_world: u64,
    /// The scenario's own figure, if it measures one (`Sim::measured`).
    pub measured: Option<u64>,
    /// Virtual ms from healing the network at the end to a new commit (`None`: no majority up).
    pub heal_to_commit: Option<u64>,
    pub wall: Duration,
    /// Interesting situations the run reached (evidence that a pass is not vacuous).
    pub reached: Vec<Situation>,
    /// The run's trace, kept only when it failed.
    pub trace: Option<Trace>,
}

/// How runs are set up: their budget, and the servers' configuration but for its size (which
/// is the scenario's).
#[derive(Clone, Debug)]
pub struct Setup {
    pub budget: Budget,
    pub config: Config,
}

impl Default for Setup {
    fn default() -> Setup {
        Setup {
            budget: Budget::default(),
            config: Config::with_liveness(3),
        }
    }
}

/// Run `scenario` once with `seed`, the default setup.
pub fn run(scenario: &'static Scenario, seed: u64) -> RunReport {
    run_with(scenario, seed, &Setup::default())
}

/// Run `scenario` once with `seed` and `setup`.
pub fn run_with(scenario: &'static Scenario, seed: u64, setup: &Setup) -> RunReport {
    let started = Instant::now();
    let config = Config {
        cluster_size: scenario.servers,
        ..setup.config.clone()
    };
    let mut sim = match Sim::with(config, seed, setup.budget) {
        Ok(sim) => sim,
        Err(e) => {
            return RunReport {
                scenario: scenario.name,
                part: scenario.part(),
                seed,
                failure: Some(Failure::Harness(format!("invalid configuration: {e}"))),
                sim_ms: 0,
                events: 0,
                peak_world: 0,
                measured: None,
                heal_to_commit: None,
                wall: started.elapsed(),
                reached: Vec::new(),
                trace: None,
            }
        }
    };
    // Every scenario ends with the bounded-liveness epilogue: heal, then a leader and a commit.
    let mut heal_to_commit = None;
    let mut failure = (scenario.run)(&mut sim).err();
    if failure.is_none() {
        match sim.check_progress_after_heal() {
            Ok(ms) => heal_to_commit = ms,
            Err(f) => failure = Some(f),
        }
    }
    sim.measure_world();
    let reached = sim.cluster.reached();
    if failure.is_none() {
        if let Some(missing) = scenario.reaches.iter().find(|s| !reached.contains(s)) {
            failure = Some(Failure::Harness(format!(
                "vacuous run: never reached \"{}\"",
                missing.name()
            )));
        }
    }
    let trace = failure.as_ref().map(|f| {
        let mut trace = Trace::new(
            format!("sim/{} seed {seed}", scenario.name),
            sim.config().clone(),
            sim.take_ops(),
        );
        if let Failure::Invariant(v) = f {
            trace.expect = Some(v.property);
        }
        trace
    });
    RunReport {
        scenario: scenario.name,
        part: scenario.part(),
        seed,
        failure,
        sim_ms: sim.now,
        events: sim.events,
        peak_world: sim.peak_world,
        measured: sim.measured,
        heal_to_commit,
        wall: started.elapsed(),
        reached,
        trace,
    }
}

/// Run every scenario over every seed on `jobs` threads, each run set up by `setup`; reports
/// come back in job order (scenario-major). `on_done` sees each report as it finishes (for
/// progress and traces); the reports kept have no trace, so that a swarm of failing runs
/// (livelocks, each up to its event budget long) holds one trace per thread at most.
pub fn swarm(
    scenarios: &[&'static Scenario],
    seeds: std::ops::Range<u64>,
    jobs: usize,
    setup: &Setup,
    on_done: &(dyn Fn(&RunReport) + Sync),
) -> Vec<RunReport> {
    // Run k is scenario k % len at seed start + k / len: drawn as it is run, so a long range of
    // seeds costs no memory before its runs end.
    let len = scenarios.len() as u128;
    let runs = len * u128::from(seeds.end.saturating_sub(seeds.start));
    let work = |k: usize| -> Option<(&'static Scenario, u64)> {
        let k = k as u128;
        (k < runs).then(|| {
            (
                scenarios[(k % len) as usize],
                seeds.start + (k / len) as u64,
            )
        })
    };
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, RunReport)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some((scenario, seed)) = work(k) else {
                    break;
                };
                let mut report = run_with(scenario, seed, setup);
                on_done(&report);
                report.trace = None;
                if let Ok(mut d) = done.lock() {
                    d.push((k, report));
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_default();
    done.sort_by_key(|(k, _)| *k);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Run scenario `name` over `seeds`; on the first failing seed, write its trace to
/// `counterexamples/` and describe the failure (for acceptance tests).
pub fn check_seeds(name: &str, seeds: std::ops::Range<u64>) -> Result<(), String> {
    let scenario = super::scenarios::find(name).ok_or_else(|| format!("no scenario {name}"))?;
    for seed in seeds {
        let report = run(scenario, seed);
        if let Some(f) = &report.failure {
            let written = match write_trace(&report, Path::new("counterexamples")) {
                Ok(Some(p)) => format!("trace written to {}", p.display()),
                Ok(None) => String::new(),
                Err(e) => format!("could not write the trace: {e}"),
            };
            return Err(format!(
                "{name} seed {seed} failed at {:.3} s: {f}; {written}; reproduce: cargo run -p \
                 model -- sim --scenario {name} --seed {seed}",
                report.sim_ms as f64 / 1000.0
            ));
        }
    }
    Ok(())
}

/// Write a failing run's trace as `DIR/sim-NAME-seedS.json` (as `Trace::to_json` would, but
/// streamed: a livelock's trace is as long as its event budget); returns the path.
pub fn write_trace(report: &RunReport, dir: &Path) -> std::io::Result<Option<PathBuf>> {
    let Some(trace) = &report.trace else {
        return Ok(None);
    };
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("sim-{}-seed{}.json", report.scenario, report.seed));
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
    serde_json::to_writer_pretty(&mut file, trace)?;
    file.flush()?;
    Ok(Some(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::budget::{Exceeded, Livelock, WORLD_CHECK_EVERY};
    use crate::sim::scenarios;

    #[test]
    fn a_seed_replays_exactly_and_its_trace_replays_clean() {
        let scenario = scenarios::find("FailAgree3B").unwrap();
        let (mut a, mut b) = (Sim::new(3, 42), Sim::new(3, 42));
        (scenario.run)(&mut a).unwrap();
        (scenario.run)(&mut b).unwrap();
        assert_eq!(a.ops(), b.ops(), "same seed, same operations");
        assert_eq!(a.now, b.now);
        // The full check (trace replay) agrees with the incremental one the run used.
        let trace = Trace::new(
            "sim/FailAgree3B seed 42",
            a.config().clone(),
            a.ops().to_vec(),
        );
        let replay = Trace::from_json(&trace.to_json())
            .unwrap()
            .replay()
            .unwrap();
        assert!(replay.violation.is_none());
        assert_eq!(replay.steps.len(), a.ops().len());
        assert!(replay.reached.contains(&Situation::EntryCommitted));
    }

    /// Every server runs `election_timer_storm` (a follower re-arms its election timer on an
    /// append, then has the leader resend it at once): the clock stops at the first leader's
    /// first append, and the run must end on its event budget, naming the servers.
    fn storm(budget: Budget) -> Setup {
        let mut config = Config::new(3);
        config.mutant = Some(raft_core::Mutant::ElectionTimerStorm);
        Setup { budget, config }
    }

    fn livelock(report: &RunReport) -> &Livelock {
        match &report.failure {
            Some(Failure::Livelock(l)) => l,
            other => panic!("expected a livelock, got {other:?}"),
        }
    }

    #[test]
    fn a_timer_storm_ends_in_a_livelock_verdict_with_a_trace() {
        let scenario = scenarios::find("InitialElection3A").unwrap();
        let budget = Budget {
            max_events: 20_000,
            ..Budget::default()
        };
        let report = run_with(scenario, 7, &storm(budget));
        let l = livelock(&report);
        assert_eq!(
            (l.exceeded, l.limit, l.used),
            (Exceeded::Events, 20_000, 20_001)
        );
        assert!(
            l.used - l.clock_moved_at_event > 19_000,
            "the clock stood still: {l}"
        );
        // The leader sends every append and each follower answers its own: the leader made
        // half the events, each follower a quarter.
        let busiest = l.busiest();
        assert_eq!(busiest.len(), 3, "{l}");
        assert!(busiest[0].1 > 9_000 && busiest[2].1 > 4_000, "{l}");
        let text = report.failure.as_ref().unwrap().to_string();
        assert!(
            text.starts_with("livelock: 20001 events went over"),
            "{text}"
        );
        assert!(
            text.contains(&format!("by server: s{} ", busiest[0].0)),
            "{text}"
        );

        let trace = report.trace.as_ref().expect("a livelock keeps its trace");
        assert_eq!(trace.origin, "sim/InitialElection3A seed 7");
        assert_eq!(trace.ops.len(), 20_001);
        assert!(trace.expect.is_none(), "no property is broken");
        let replay = Trace::from_json(&trace.to_json())
            .unwrap()
            .replay()
            .unwrap();
        assert!(replay.violation.is_none());

        let again = run_with(scenario, 7, &storm(budget));
        assert_eq!(
            again.failure, report.failure,
            "a verdict replays from its seed"
        );
    }

    /// The storm re-arms an election timer at every other event, in the same millisecond: the
    /// replaced events leave the queue, which stays as small as a quiet cluster's.
    #[test]
    fn a_timer_storm_does_not_grow_the_event_queue() {
        let mut config = Config::new(3);
        config.mutant = Some(raft_core::Mutant::ElectionTimerStorm);
        let budget = Budget {
            max_events: 100_000,
            ..Budget::default()
        };
        let mut sim = Sim::with(config, 3, budget).unwrap();
        let mut largest = 0;
        while sim.check().is_ok() {
            let _ = sim.run_until(sim.now + 1);
            largest = largest.max(sim.queued());
        }
        assert!(matches!(sim.check(), Err(Failure::Livelock(_))));
        assert!(largest <= 100, "{largest} events queued");
    }

    #[test]
    fn a_world_over_its_budget_is_a_livelock_naming_the_largest_servers() {
        let scenario = scenarios::find("Backup3B").unwrap();
        let setup = Setup {
            budget: Budget {
                max_world: 100,
                ..Budget::default()
            },
            ..Setup::default()
        };
        let report = run_with(scenario, 1, &setup);
        let l = livelock(&report);
        assert_eq!((l.exceeded, l.limit), (Exceeded::World, 100));
        assert!(l.used > 100, "{l}");
        assert_eq!(
            report.events, WORLD_CHECK_EVERY,
            "measured every 1024 events"
        );
        assert_eq!(l.by_server.len(), 5);
        assert!(report.trace.is_some());
    }

    /// A budget is the most a run may use: a run of E events passes with a budget of E and is
    /// a livelock with E - 1.
    #[test]
    fn the_event_budget_is_the_most_a_run_may_apply() {
        let scenario = scenarios::find("FailAgree3B").unwrap();
        let report = run(scenario, 42);
        assert!(report.failure.is_none());
        assert!(report.peak_world > 0);
        let with = |max_events| Setup {
            budget: Budget {
                max_events,
                ..Budget::default()
            },
            ..Setup::default()
        };
        assert!(run_with(scenario, 42, &with(report.events))
            .failure
            .is_none());
        let short = run_with(scenario, 42, &with(report.events - 1));
        assert_eq!(livelock(&short).exceeded, Exceeded::Events);
    }

    #[test]
    fn harness_failures_are_reported_with_a_trace() {
        // A scenario that demands the impossible: agreement with a majority disconnected.
        static IMPOSSIBLE: scenarios::Scenario = scenarios::Scenario {
            name: "Impossible",
            servers: 3,
            run: |sim| {
                sim.disconnect(1);
                sim.disconnect(2);
                sim.one(7, 1, false).map(|_| ())
            },
            reaches: &[],
        };
        let report = run(&IMPOSSIBLE, 1);
        let failure = report.failure.expect("cannot reach agreement");
        assert!(
            failure.to_string().contains("failed to reach agreement"),
            "{failure}"
        );
        let trace = report.trace.expect("a failing run keeps its trace");
        assert_eq!(trace.origin, "sim/Impossible seed 1");
        assert!(trace.expect.is_none(), "no invariant was violated");
        assert!(trace.replay().unwrap().violation.is_none());
    }
}
