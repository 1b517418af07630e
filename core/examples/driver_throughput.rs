//! The cluster driver's throughput on random operation sequences: 3 servers, every invariant
//! checked after every operation (`Cluster::apply`). A fixed-seed PRNG makes runs comparable.
//! `cargo run --release -p raft-core --example driver_throughput [SECONDS]` (default 5).

use raft_core::{Cluster, Config, Op, Situation, Trace};
use std::time::{Duration, Instant};

/// SplitMix64: a small deterministic generator (no `rand` dependency).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// One random operation, mostly deliveries (so elections and commits happen), some faults.
fn random_op(rng: &mut SplitMix64, cluster: &Cluster, command: u64) -> Op {
    let n = cluster.config().cluster_size as u64;
    let node = rng.below(n) as u8;
    let msg = rng.below(cluster.network().len() as u64) as usize;
    let leader = (0..n as u8)
        .find(|&id| cluster.node(id).is_some_and(|s| s.is_leader()))
        .unwrap_or(node);
    // With nothing in flight, draw among the other operations.
    let draw = if cluster.network().is_empty() {
        66 + rng.below(34)
    } else {
        rng.below(100)
    };
    match draw {
        0..=59 => Op::Deliver { msg },
        60..=62 => Op::Drop { msg },
        63..=65 => Op::Duplicate { msg },
        66..=71 => Op::ElectionTimeout { node },
        72..=78 => Op::HeartbeatTimeout { node: leader },
        79..=88 => Op::Propose {
            node: leader,
            command,
        },
        89..=90 => Op::Crash { node },
        91..=93 => Op::Restart { node },
        94 => Op::Partition { group: vec![node] },
        95..=97 => Op::Heal,
        _ => Op::Snapshot { node },
    }
}

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
