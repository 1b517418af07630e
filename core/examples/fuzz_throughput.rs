//! The fuzz targets' per-exec work without libFuzzer, for comparable CPU measurements: decode a
//! fixed set of inputs exactly as libFuzzer does, run each through `Scenario::check_in` (one
//! cluster, reset per input) and tally its reach, as `raft_fuzz::check` does per exec.
//! `cargo run --release -p raft-core --features arbitrary --example fuzz_throughput -- \
//!   [election|replication] [ROUNDS] [SERVERS | CORPUS_DIR] [unchecked]` (defaults: election,
//! 20, 3). The inputs are 10,000 pseudo-random ones on SERVERS servers, or every file of
//! CORPUS_DIR (a directory libFuzzer filled: the inputs it keeps do more work than random bytes).
//! `unchecked` only steps the cluster (`Scenario::step_in`, no invariant, no tally): what
//! the operations cost before any check.

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
        Some(s) => s
            .parse()
            .unwrap_or_else(|_| fail(&format!("expected {what}, got {s:?}"))),
    }
}

fn main() {
    let target = match std::env::args().nth(1).as_deref() {
        None | Some("election") => Target::Election,
        Some("replication") => Target::Replication,
        Some(other) => fail(&format!("expected election or replication, got {other:?}")),
    };
    let rounds: usize = arg(2, 20, "a number of rounds");
    let source = std::env::args().nth(3).unwrap_or_else(|| "3".into());
    let inputs = match source.parse::<u8>() {
        Ok(servers) if (3..=5).contains(&servers) => random_inputs(servers),
        Ok(_) => fail(&format!(
            "expected a cluster size of 3, 4 or 5, got {source}"
        )),
        Err(_) => read_corpus(&source),
    };
    if inputs.is_empty() {
        fail(&format!("{source}: no inputs"));
    }
    let checked = match std::env::args().nth(4).as_deref() {
        None => true,
        Some("unchecked") => false,
        Some(other) => fail(&format!("expected `unchecked` or nothing, got {other:?}")),
    };
    let config = Config::new(3);
    let mut reach = Reach::default();
    let (mut cluster, mut findings) = (None, 0);
    let started = Instant::now();
    for _ in 0..rounds {
        for bytes in &inputs {
            let Ok(scenario) = Scenario::from_bytes(target, bytes) else {
                fail("an input did not decode (any bytes should)");
            };
            if !checked {
                scenario.step_in(&config, &mut cluster);
                continue;
            }
            match scenario.check_in(&config, &mut cluster) {
                Ok(cluster) => reach.record(cluster),
                Err(_) => findings += 1,
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let execs = rounds * inputs.len();
    let ops = rounds * inputs.iter().map(|b| operations(target, b)).sum::<usize>();
    println!(
        "{}: {:.0} execs/s, {:.0} ns per operation ({execs} inputs from {}, {:.1} operations \
         each on average, {elapsed:.2} s wall)",
        target.name(),
        execs as f64 / elapsed,
        elapsed * 1e9 / ops.max(1) as f64,
        describe(&source),
        ops as f64 / execs as f64,
    );
    if checked {
        print!("{reach}");
    }
    if findings > 0 {
        eprintln!("error: {findings} inputs violated an invariant on the correct protocol");
        std::process::exit(1)
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2)
}

/// 10,000 inputs of 1 to 100 operations (two bytes each: `-max_len=201`), first byte = the size.
fn random_inputs(servers: u8) -> Vec<Vec<u8>> {
    let mut rng = SplitMix64(0x5EED);
    (0..INPUTS)
        .map(|_| {
            let ops = 1 + (rng.next() % MAX_OPS as u64) as usize;
            let mut bytes = vec![servers - 3];
            bytes.extend((0..2 * ops).map(|_| rng.next() as u8));
            bytes
        })
        .collect()
}

/// Every file of `dir`, as libFuzzer would hand it over.
fn read_corpus(dir: &str) -> Vec<Vec<u8>> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| fail(&format!("{dir}: {e}")));
    let mut inputs = Vec::new();
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| fail(&format!("{dir}: {e}")))
            .path();
        if path.is_file() {
            inputs.push(
                std::fs::read(&path).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display()))),
            );
        }
    }
    inputs
}

fn operations(target: Target, bytes: &[u8]) -> usize {
    Scenario::from_bytes(target, bytes).map_or(0, |s| s.ops.len())
}

fn describe(source: &str) -> String {
    match source.parse::<u8>() {
        Ok(servers) => format!("a fixed generator on {servers} servers"),
        Err(_) => source.to_string(),
    }
}
