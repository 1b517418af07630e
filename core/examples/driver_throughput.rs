//! The cluster driver's throughput on random operation sequences: 3 servers, every invariant
//! checked after every operation (`Cluster::apply`). A fixed-seed PRNG makes runs comparable.
//! `cargo run --release -p raft-core --example driver_throughput [SECONDS]` (default 5).

mod random_ops;

use raft_core::{Cluster, Config, Situation, Trace};
use random_ops::{random_op, SplitMix64};
use std::time::{Duration, Instant};

fn main() {
    let seconds = match std::env::args().nth(1) {
        None => 5.0,
        Some(s) => match s.parse::<f64>() {
            Ok(v) if v > 0.0 => v,
            _ => {
                eprintln!("error: expected a positive number of seconds, got {s:?}");
                std::process::exit(2);
            }
        },
    };
    let budget = Duration::from_secs_f64(seconds);
    let config = Config::new(3);
    let ops_per_run = 300;
    let mut rng = SplitMix64(0x5EED);
    let (mut ops, mut runs, mut skipped, mut committed) = (0u64, 0u64, 0u64, 0u64);
    let started = Instant::now();
    while started.elapsed() < budget {
        let mut cluster = Cluster::new(config.clone()).expect("valid config");
        let mut trace = Vec::with_capacity(ops_per_run);
        for k in 0..ops_per_run {
            let op = random_op(&mut rng, &cluster, k as u64);
            trace.push(op.clone());
            let outcome = cluster.apply(&op);
            skipped += matches!(outcome, Ok(raft_core::Outcome::Skipped)) as u64;
            if let Err(v) = outcome {
                let trace = Trace::new("driver_throughput", config.clone(), trace);
                eprintln!("violation: {v}\n{}", trace.to_json());
                std::process::exit(1);
            }
        }
        ops += ops_per_run as u64;
        runs += 1;
        committed += cluster.reached().contains(&Situation::EntryCommitted) as u64;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let checked = ops - skipped;
    println!(
        "driver throughput: {:.0} ops/s ({checked} operations applied and checked in {runs} runs \
         of {ops_per_run}, 3 servers, every invariant checked after every op, {elapsed:.2} s)",
        checked as f64 / elapsed
    );
    println!(
        "({skipped} more operations were not applicable and are not counted; {:.0}% of runs \
         committed an entry)",
        100.0 * committed as f64 / runs.max(1) as f64
    );
}
