//! Running scenarios over seeds: one run per (scenario, seed), in parallel over a thread pool
//! of the machine's cores (runs are independent; each is single-threaded and deterministic).
//! A failing run yields its `raft_core::Trace`, written where the caller asks.

use super::scenarios::Scenario;
use super::world::{Failure, Sim};
use raft_core::{Situation, Trace};
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
    pub wall: Duration,
    /// Interesting situations the run reached (evidence that a pass is not vacuous).
    pub reached: Vec<Situation>,
    /// The run's trace, kept only when it failed.
    pub trace: Option<Trace>,
}

/// Run `scenario` once with `seed`.
pub fn run(scenario: &'static Scenario, seed: u64) -> RunReport {
    let started = Instant::now();
    let mut sim = Sim::new(scenario.servers, seed);
    let mut failure = (scenario.run)(&mut sim).err();
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
            sim.ops().to_vec(),
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
        wall: started.elapsed(),
        reached,
        trace,
    }
}

/// Run every scenario over every seed on `jobs` threads; reports come back in job order
/// (scenario-major). `on_done` sees each report as it finishes (for progress and traces).
pub fn swarm(
    scenarios: &[&'static Scenario],
    seeds: std::ops::Range<u64>,
    jobs: usize,
    on_done: &(dyn Fn(&RunReport) + Sync),
) -> Vec<RunReport> {
    let work: Vec<(&'static Scenario, u64)> = seeds
        .clone()
        .flat_map(|seed| scenarios.iter().map(move |s| (*s, seed)))
        .collect();
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, RunReport)>> = Mutex::new(Vec::with_capacity(work.len()));
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(scenario, seed)) = work.get(k) else {
                    break;
                };
                let report = run(scenario, seed);
                on_done(&report);
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

/// Write a failing run's trace as `DIR/sim-NAME-seedS.json`; returns the path.
pub fn write_trace(report: &RunReport, dir: &Path) -> std::io::Result<Option<PathBuf>> {
    let Some(trace) = &report.trace else {
        return Ok(None);
    };
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("sim-{}-seed{}.json", report.scenario, report.seed));
    std::fs::write(&path, trace.to_json())?;
    Ok(Some(path))
}

#[cfg(test)]
mod tests {
    use super::*;
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
