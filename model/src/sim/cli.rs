//! `cargo run -p model -- sim ...`: run scenarios over seeds, print per-scenario figures, write
//! a trace for every failing seed (a livelock too), and say how far a long swarm has got. Exit
//! 0: all passed; 1: some seed failed; 2: bad flags.

use super::scenarios::{self, Scenario};
use super::swarm::{swarm, write_trace, RunReport, Setup};
use crate::flags::whole;
use clap::Args;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The flags of `sim`.
#[derive(Args, Debug)]
#[command(
    after_help = "A failing seed prints the seed and writes its trace (raft-trace JSON) \
    to --out; `sim --scenario NAME --seed S` reproduces it exactly and `replay FILE` re-checks \
    its invariants. Exit 0: every run passed; 1: some seed failed; 2: bad flags."
)]
pub struct SimArgs {
    /// One scenario (see --list), a lab part (3A, 3B, 3C, 3D, with its 2026 variants; LV: the
    /// liveness scenarios), a range of parts (3A-3D: the lab's 33), or all of them.
    #[arg(long, value_name = "NAME|PART|all", default_value = "all")]
    pub scenario: String,
    /// How many consecutive seeds to run.
    #[arg(long, default_value_t = 1, value_parser = whole::<u64>(1, u64::MAX))]
    pub seeds: u64,
    /// The first seed.
    #[arg(long, default_value_t = 1, value_parser = whole::<u64>(0, u64::MAX))]
    pub seed: u64,
    /// Where to write traces of failing seeds.
    #[arg(long, default_value = "counterexamples")]
    pub out: PathBuf,
    /// Worker threads, each running one seed at a time [default: the machine's cores; at most
    /// 4 per core].
    #[arg(long, value_parser = whole::<usize>(1, max_jobs()))]
    pub jobs: Option<usize>,
    /// A run that applies more than N operations fails as a livelock [default: 500000].
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, u64::MAX))]
    pub max_events: Option<u64>,
    /// A run whose world (queued events, messages in flight and the entries they carry, log
    /// entries held and persisted, applied records) holds more than N items fails as a
    /// livelock [default: 500000].
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, u64::MAX))]
    pub max_world: Option<u64>,
    /// Plant this bug-zoo mutant in every server (needs --features mutants).
    #[arg(long, value_name = "ID")]
    pub mutant: Option<String>,
    /// Servers without PreVote (on by default).
    #[arg(long)]
    pub no_pre_vote: bool,
    /// Servers without CheckQuorum and its lease (on by default).
    #[arg(long)]
    pub no_check_quorum: bool,
    /// List the scenarios and exit.
    #[arg(long)]
    pub list: bool,
}

/// What a run of `sim` was asked for, checked.
struct Plan {
    scenarios: Vec<&'static Scenario>,
    seeds: std::ops::Range<u64>,
    jobs: usize,
    setup: Setup,
    /// The flags that set `setup` up, as given, and the cargo features they need (a failing
    /// seed reproduces with them).
    setup_flags: String,
    cargo_features: &'static str,
}

/// The machine's cores (2 when it will not say).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// More worker threads than 4 per core only adds memory (each run holds its world).
fn max_jobs() -> u64 {
    4 * cores() as u64
}

fn plan(args: &SimArgs) -> Result<Plan, String> {
    let jobs = args.jobs.unwrap_or_else(cores);
    let end = args
        .seed
        .checked_add(args.seeds)
        .ok_or("--seed plus --seeds is past the last seed (2^64 - 1)")?;
    let mut setup = Setup::default();
    let mut setup_flags = String::new();
    let mut cargo_features = "";
    if let Some(n) = args.max_events {
        setup.budget.max_events = n;
        setup_flags += &format!(" --max-events {n}");
    }
    if let Some(n) = args.max_world {
        setup.budget.max_world = n;
        setup_flags += &format!(" --max-world {n}");
    }
    if args.no_pre_vote {
        setup.config.pre_vote = false;
        setup_flags += " --no-pre-vote";
    }
    if args.no_check_quorum {
        setup.config.check_quorum = false;
        setup_flags += " --no-check-quorum";
    }
    if let Some(name) = &args.mutant {
        plant(&mut setup, name)?;
        setup_flags += &format!(" --mutant {name}");
        cargo_features = " --features mutants";
    }
    Ok(Plan {
        scenarios: select(&args.scenario)?,
        seeds: args.seed..end,
        jobs,
        setup,
        setup_flags,
        cargo_features,
    })
}

/// Plant the mutant called `name` in the servers' configuration.
#[cfg(feature = "mutants")]
fn plant(setup: &mut Setup, name: &str) -> Result<(), String> {
    let mutant = raft_core::Mutant::from_name(name).ok_or_else(|| {
        format!(
            "unknown mutant {name:?} (expected one of: {})",
            raft_core::Mutant::ALL.map(|m| m.name()).join(", ")
        )
    })?;
    setup.config.mutant = Some(mutant);
    Ok(())
}

/// Without the feature there are no mutants to plant.
#[cfg(not(feature = "mutants"))]
fn plant(_: &mut Setup, name: &str) -> Result<(), String> {
    Err(format!(
        "--mutant {name}: this build has no mutants (build with --features mutants)"
    ))
}

/// The scenarios `which` names: `all`, a part (`3D`), a range of parts (`3A-3C`), or one name.
fn select(which: &str) -> Result<Vec<&'static Scenario>, String> {
    if which == "all" {
        return Ok(scenarios::ALL.iter().collect());
    }
    let part = |p: &str| {
        scenarios::PARTS
            .iter()
            .position(|q| q.eq_ignore_ascii_case(p))
    };
    let range = match which.split_once('-') {
        Some((a, b)) => part(a).zip(part(b)),
        None => part(which).map(|k| (k, k)),
    };
    if let Some((a, b)) = range {
        let parts = scenarios::PARTS
            .get(a..=b)
            .ok_or_else(|| format!("empty range of lab parts {which:?}"))?;
        return Ok(scenarios::ALL
            .iter()
            .filter(|s| parts.contains(&s.part()))
            .collect());
    }
    scenarios::find(which)
        .map(|s| vec![s])
        .ok_or_else(|| format!("unknown scenario {which:?} (see --list)"))
}

/// How often a long swarm says how far it has got.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// The `sim` subcommand; returns the exit code.
pub fn run(sim: &SimArgs) -> i32 {
    if sim.list {
        for s in scenarios::ALL {
            println!("{} ({} servers)", s.name, s.servers);
        }
        return 0;
    }
    let args = match plan(sim) {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("error: {msg}");
            return 2;
        }
    };
    let started = Instant::now();
    let out = sim.out.clone();
    let (setup_flags, features) = (args.setup_flags.clone(), args.cargo_features);
    let runs = args.scenarios.len() as u128 * u128::from(args.seeds.end - args.seeds.start);
    let range = seed_range(&args.seeds);
    eprintln!(
        "sim: {} scenario(s) x {range}: {runs} runs on {} threads",
        args.scenarios.len(),
        args.jobs
    );
    let (done, failed) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let last_said = Mutex::new(started);
    let said_range = range.clone();
    let on_done = move |r: &RunReport| {
        let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
        let failing = usize::from(r.failure.is_some());
        let failures = failed.fetch_add(failing, Ordering::Relaxed) + failing;
        if let Ok(mut last) = last_said.lock() {
            if last.elapsed() >= PROGRESS_EVERY {
                *last = Instant::now();
                eprintln!(
                    "sim: {finished} of {runs} runs done ({failures} failed), seed {} of \
                     {said_range}, {:.0} s",
                    r.seed,
                    started.elapsed().as_secs_f64()
                );
            }
        }
        let Some(f) = &r.failure else { return };
        let written = match write_trace(r, &out) {
            Ok(Some(p)) => format!("trace written to {}", p.display()),
            Ok(None) => String::new(),
            Err(e) => format!("could not write trace to {}: {e}", out.display()),
        };
        eprintln!(
            "FAIL {} seed {} at {:.3} s: {f}\n  {written}\n  reproduce: cargo run -p model{features} -- sim --scenario {} --seed {}{setup_flags}",
            r.scenario,
            r.seed,
            r.sim_ms as f64 / 1000.0,
            r.scenario,
            r.seed
        );
    };
    let reports = swarm(
        &args.scenarios,
        args.seeds.clone(),
        args.jobs,
        &args.setup,
        &on_done,
    );
    let wall = started.elapsed().as_secs_f64();
    println!(
        "{:<28} {:>7} {:>6} {:>10} {:>9} {:>10} {:>10} {:>9}",
        "scenario", "passed", "failed", "sim s/run", "wall s", "events", "max events", "max world"
    );
    let mut failed_total = 0;
    for s in &args.scenarios {
        let mine: Vec<&RunReport> = reports.iter().filter(|r| r.scenario == s.name).collect();
        let failed = mine.iter().filter(|r| r.failure.is_some()).count();
        failed_total += failed;
        let sim_s: f64 = mine.iter().map(|r| r.sim_ms as f64 / 1000.0).sum();
        let wall_s: f64 = mine.iter().map(|r| r.wall.as_secs_f64()).sum();
        let events: u64 = mine.iter().map(|r| r.events).sum();
        let max_events = mine.iter().map(|r| r.events).max().unwrap_or(0);
        let max_world = mine.iter().map(|r| r.peak_world).max().unwrap_or(0);
        println!(
            "{:<28} {:>7} {:>6} {:>10.1} {:>9.2} {:>10} {:>10} {:>9}",
            s.name,
            mine.len() - failed,
            failed,
            sim_s / mine.len().max(1) as f64,
            wall_s,
            events,
            max_events,
            max_world
        );
    }
    let by_part: Vec<String> = scenarios::PARTS
        .iter()
        .filter_map(|part| {
            let mine = reports.iter().filter(|r| r.part == *part);
            let (runs, wall) = mine.fold((0, 0.0), |(n, w), r| (n + 1, w + r.wall.as_secs_f64()));
            (runs > 0).then(|| format!("{part} {wall:.2} s"))
        })
        .collect();
    println!("by part, summed over runs: {}", by_part.join(", "));
    let sim_total: f64 = reports.iter().map(|r| r.sim_ms as f64 / 1000.0).sum();
    let cpu_total: f64 = reports.iter().map(|r| r.wall.as_secs_f64()).sum();
    let events: u64 = reports.iter().map(|r| r.events).sum();
    println!(
        "total: {} runs ({range}), {} failed, {:.1} s wall on {} threads ({:.1} s summed over \
         runs); {:.0} simulated s per wall s; {:.0} events/s",
        reports.len(),
        failed_total,
        wall,
        args.jobs,
        cpu_total,
        sim_total / wall.max(1e-9),
        events as f64 / wall.max(1e-9)
    );
    if failed_total > 0 {
        1
    } else {
        0
    }
}

/// `seeds 1..=100`, or `seed 7`.
fn seed_range(seeds: &std::ops::Range<u64>) -> String {
    match seeds.end - seeds.start {
        1 => format!("seed {}", seeds.start),
        _ => format!("seeds {}..={}", seeds.start, seeds.end - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Budget;
    use clap::Parser;

    fn names(which: &str) -> Vec<&'static str> {
        select(which).unwrap().iter().map(|s| s.name).collect()
    }

    #[derive(Parser)]
    struct Sim {
        #[command(flatten)]
        args: SimArgs,
    }

    fn args(flags: &[&str]) -> Result<Plan, String> {
        let flags = std::iter::once("sim").chain(flags.iter().copied());
        let sim = Sim::try_parse_from(flags).map_err(|e| e.to_string())?;
        plan(&sim.args)
    }

    #[test]
    fn budgets_are_set_by_flags() {
        let a = args(&["--max-events", "5000", "--max-world", "70"]).unwrap();
        assert_eq!(a.setup_flags, " --max-events 5000 --max-world 70");
        assert_eq!(
            a.setup.budget,
            Budget {
                max_events: 5000,
                max_world: 70
            }
        );
        assert_eq!(args(&[]).unwrap().setup.budget, Budget::default());
        let off = args(&["--no-pre-vote", "--no-check-quorum"]).unwrap();
        assert!(!off.setup.config.pre_vote && !off.setup.config.check_quorum);
        assert_eq!(off.setup_flags, " --no-pre-vote --no-check-quorum");
        let on = args(&[]).unwrap().setup.config;
        assert!(on.pre_vote && on.check_quorum);
        assert!(args(&["--max-events", "-1"]).is_err());
    }

    #[test]
    fn a_mutant_is_planted_by_name_with_the_feature() {
        let planted = args(&["--mutant", "election_timer_storm"]);
        #[cfg(feature = "mutants")]
        assert_eq!(
            planted.unwrap().setup.config.mutant,
            Some(raft_core::Mutant::ElectionTimerStorm)
        );
        #[cfg(not(feature = "mutants"))]
        assert!(planted.is_err_and(|e| e.contains("no mutants")));
        assert!(args(&["--mutant", "no_such_mutant"]).is_err());
    }

    #[test]
    fn scenarios_are_selected_by_name_part_or_range_of_parts() {
        assert_eq!(names("all").len(), scenarios::ALL.len());
        assert_eq!(names("figure83c"), ["Figure83C"]);
        assert_eq!(names("Persist13C-2026"), ["Persist13C-2026"]);
        let d = names("3D");
        assert!(d.contains(&"SnapshotInit3D-2026") && d.iter().all(|n| n.contains("3D")));
        let abc = names("3A-3C");
        let lv = names("LV");
        assert_eq!(lv.len(), 15);
        assert_eq!(abc.len() + d.len() + lv.len(), scenarios::ALL.len());
        assert_eq!(names("3A-3D").len(), 33);
        assert!(abc.contains(&"InitialElection3A") && abc.contains(&"Persist13C-2026"));
        assert_eq!(names("3b").len(), 10);
        for bad in ["3C-3A", "3E", "Nope3A"] {
            assert!(select(bad).is_err(), "{bad}");
        }
    }
}
