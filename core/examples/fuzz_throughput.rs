//! The fuzz targets' per-exec work without libFuzzer, for comparable CPU measurements: decode a
//! fixed set of pseudo-random inputs exactly as libFuzzer does, run each through
//! `Scenario::check_in` (one cluster, reset per input) and tally its reach, as `raft_fuzz::check` does per exec.
//! `cargo run --release -p raft-core --features arbitrary --example fuzz_throughput -- \
//!   [election|replication] [ROUNDS] [SERVERS]` (defaults: election, 20, 3; 10,000 inputs a round).

use raft_core::fuzzing::{Reach, Scenario, Target, MAX_OPS};
use raft_core::Config;
use std::time::Instant;

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
}

const INPUTS: usize = 10_000;

fn arg<T: std::str::FromStr>(k: usize, default: T, what: &str) -> T {
    match std::env::args().nth(k) {
        None => default,
        Some(s) => s.parse().unwrap_or_else(|_| {
            eprintln!("error: expected {what}, got {s:?}");
            std::process::exit(2)
        }),
    }
}

fn main() {
    let target = match std::env::args().nth(1).as_deref() {
        None | Some("election") => Target::Election,
        Some("replication") => Target::Replication,
        Some(other) => {
            eprintln!("error: expected election or replication, got {other:?}");
            std::process::exit(2)
        }
    };
    let rounds: usize = arg(2, 20, "a number of rounds");
    let servers: u8 = arg(3, 3, "a cluster size of 3, 4 or 5");
    if !(3..=5).contains(&servers) {
        eprintln!("error: expected a cluster size of 3, 4 or 5, got {servers}");
        std::process::exit(2)
    }
    // Inputs of 1 to 100 operations (two bytes each: `-max_len=201`), first byte = the size.
    let mut rng = SplitMix64(0x5EED);
    let inputs: Vec<Vec<u8>> = (0..INPUTS)
        .map(|_| {
            let ops = 1 + (rng.next() % MAX_OPS as u64) as usize;
            let mut bytes = vec![servers - 3];
            bytes.extend((0..2 * ops).map(|_| rng.next() as u8));
            bytes
        })
        .collect();
    let config = Config::new(3);
    let mut reach = Reach::default();
    let (mut cluster, mut findings) = (None, 0);
    let started = Instant::now();
    for _ in 0..rounds {
        for bytes in &inputs {
            let scenario = Scenario::from_bytes(target, bytes).expect("any bytes decode");
            match scenario.check_in(&config, &mut cluster) {
                Ok(cluster) => reach.record(cluster),
                Err(_) => findings += 1,
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let execs = rounds * INPUTS;
    println!(
        "{}: {:.0} execs/s ({execs} inputs of 1-{MAX_OPS} operations on {servers} servers, \
         {elapsed:.2} s wall)",
        target.name(),
        execs as f64 / elapsed,
    );
    print!("{reach}");
    if findings > 0 {
        eprintln!("error: {findings} inputs violated an invariant on the correct protocol");
        std::process::exit(1)
    }
}
