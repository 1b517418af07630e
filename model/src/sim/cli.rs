//! `cargo run -p model -- sim ...`: run scenarios over seeds, print per-scenario figures, write
//! a trace for every failing seed (a livelock too). Exit 0: all passed; 1: some seed failed;
//! 2: bad flags.

use super::scenarios::{self, Scenario};
use super::swarm::{swarm, write_trace, RunReport, Setup};
use std::path::PathBuf;
use std::time::Instant;

const USAGE: &str = "\
usage: sim [--scenario NAME|PART|all] [--seeds N] [--seed S] [--out DIR] [--jobs J]
           [--max-events N] [--max-world N] [--mutant ID] [--no-pre-vote]
           [--no-check-quorum] [--list]

Runs the MIT 6.5840 Raft lab scenarios (3A-3D, plus the 2026 variants) in deterministic
virtual time, and issue 14's liveness scenarios (part LV), over seeds S, S+1, ...,
S+N-1 (default: all scenarios, N = 1, S = 1). Every run ends with a bounded-liveness
check: once a majority is healthy, a leader within 5 s; after healing the network at the
end, a leader and a new commit on a majority within 5 s + 2 s.
A failing seed prints the seed and writes its trace (raft-trace JSON) to DIR (default
counterexamples/); `sim --scenario NAME --seed S` reproduces it exactly and
`replay FILE` re-checks its invariants.

  --scenario WHICH     one scenario (see --list), a lab part (3A, 3B, 3C, 3D, with its
                       2026 variants; LV: the liveness scenarios), a range of parts
                       (3A-3D: the lab's 33), or all of them
  --seeds N            how many consecutive seeds to run
  --seed S             the first seed
  --out DIR            where to write traces of failing seeds
  --jobs J             worker threads (default: the machine's cores)
  --max-events N       a run that applies more than N operations fails as a livelock
                       (default 500000)
  --max-world N        a run whose world (queued events, messages in flight and the entries
                       they carry, log entries held and persisted, applied records) holds
                       more than N items fails as a livelock (default 500000)
  --mutant ID          plant this bug-zoo mutant in every server (needs --features mutants)
  --no-pre-vote        servers without PreVote (on by default)
  --no-check-quorum    servers without CheckQuorum and its lease (on by default)
  --list               list the scenarios and exit
  --help               this text";

struct Args {
    scenarios: Vec<&'static Scenario>,
    seeds: u64,
    first: u64,
    out: PathBuf,
    jobs: usize,
    setup: Setup,
    /// The flags that set `setup` up, as given, and the cargo features they need (a failing
    /// seed reproduces with them).
    setup_flags: String,
    cargo_features: &'static str,
}

enum Parsed {
    Run(Args),
    Exit(i32),
}

fn parse(args: &[String]) -> Result<Parsed, String> {
    let mut parsed = Args {
        scenarios: scenarios::ALL.iter().collect(),
        seeds: 1,
        first: 1,
        out: PathBuf::from("counterexamples"),
        jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
        setup: Setup::default(),
        setup_flags: String::new(),
        cargo_features: "",
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| format!("{flag} needs a value (see --help)"))
        };
        match flag.as_str() {
            "--help" | "-h" => {
                println!("{USAGE}");
                return Ok(Parsed::Exit(0));
            }
            "--list" => {
                for s in scenarios::ALL {
                    println!("{} ({} servers)", s.name, s.servers);
                }
                return Ok(Parsed::Exit(0));
            }
            "--scenario" => {
                parsed.scenarios = select(value()?)?;
            }
            "--seeds" => parsed.seeds = number(flag, value()?)?,
            "--seed" => parsed.first = number(flag, value()?)?,
            "--out" => parsed.out = PathBuf::from(value()?),
            "--jobs" => {
                parsed.jobs = number(flag, value()?)? as usize;
                if parsed.jobs == 0 {
                    return Err("--jobs must be at least 1".into());
                }
            }
            "--max-events" | "--max-world" | "--mutant" => {
                let text = value()?;
                match flag.as_str() {
                    "--max-events" => parsed.setup.budget.max_events = number(flag, text)?,
                    "--max-world" => parsed.setup.budget.max_world = number(flag, text)?,
                    _ => plant(&mut parsed.setup, text)?,
                }
                parsed.setup_flags += &format!(" {flag} {text}");
                if flag == "--mutant" {
                    parsed.cargo_features = " --features mutants";
                }
            }
            "--no-pre-vote" => {
                parsed.setup.config.pre_vote = false;
                parsed.setup_flags += " --no-pre-vote";
            }
            "--no-check-quorum" => {
                parsed.setup.config.check_quorum = false;
                parsed.setup_flags += " --no-check-quorum";
            }
            other => return Err(format!("unknown flag {other:?} (see --help)")),
        }
    }
    if parsed.seeds == 0 {
        return Err("--seeds must be at least 1".into());
    }
    if parsed.first.checked_add(parsed.seeds).is_none() {
        return Err("--seed plus --seeds overflows".into());
    }
    Ok(Parsed::Run(parsed))
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

fn number(flag: &str, text: &str) -> Result<u64, String> {
    text.parse()
        .map_err(|_| format!("{flag} wants a non-negative integer, got {text:?}"))
}

/// The `sim` subcommand; returns the exit code.
pub fn cli(args: &[String]) -> i32 {
    let args = match parse(args) {
        Ok(Parsed::Run(a)) => a,
        Ok(Parsed::Exit(code)) => return code,
        Err(msg) => {
            eprintln!("sim: {msg}");
            return 2;
        }
    };
    let started = Instant::now();
    let out = args.out.clone();
    let (setup_flags, features) = (args.setup_flags.clone(), args.cargo_features);
    let on_done = move |r: &RunReport| {
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
    let seeds = args.first..args.first + args.seeds;
    let reports = swarm(&args.scenarios, seeds, args.jobs, &args.setup, &on_done);
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
    for s in &args.scenarios {
        let mut ms: Vec<u64> = reports
            .iter()
            .filter(|r| r.scenario == s.name)
            .filter_map(|r| r.measured)
            .collect();
        if let (Some(&max), false) = (ms.iter().max(), ms.is_empty()) {
            ms.sort_unstable();
            println!(
                "{}: fault to a new leader's commit: median {} ms, max {max} ms over {} runs",
                s.name,
                ms[ms.len() / 2],
                ms.len()
            );
        }
    }
    let heal: Vec<u64> = reports.iter().filter_map(|r| r.heal_to_commit).collect();
    if let Some(max) = heal.iter().max() {
        println!(
            "liveness epilogue: healed network to a new commit, max {max} ms over {} runs",
            heal.len()
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
        "total: {} runs, {} failed, {:.1} s wall on {} threads ({:.1} s summed over runs); \
         {:.0} simulated s per wall s; {:.0} events/s",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Budget;

    fn names(which: &str) -> Vec<&'static str> {
        select(which).unwrap().iter().map(|s| s.name).collect()
    }

    fn args(flags: &[&str]) -> Result<Args, String> {
        let flags: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
        match parse(&flags)? {
            Parsed::Run(a) => Ok(a),
            Parsed::Exit(code) => Err(format!("exit {code}")),
        }
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
