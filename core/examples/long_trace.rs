//! Writes a long random trace, to measure `replay` on it: 3 servers, the driver examples' mix
//! of operations, until the JSON is about the size asked for. `--no-snapshots` and
//! `--no-proposals` leave those out: the judge checks each applied entry against every election
//! and each election against every applied entry (and everything after a snapshot), so the time
//! to replay a trace with all of them grows with the square of its length or faster.
//! `cargo run --release -p raft-core --example long_trace -- FILE [MB] [--no-snapshots]
//! [--no-proposals]` (default 100 MB).

mod random_ops;

use raft_core::{Cluster, Config, Trace};
use random_ops::{random_op, SplitMix64};
use std::io::Write;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let snapshots = !args.iter().any(|a| a == "--no-snapshots");
    let proposals = !args.iter().any(|a| a == "--no-proposals");
    args.retain(|a| a != "--no-snapshots" && a != "--no-proposals");
    let Some(path) = args.first() else {
        eprintln!("usage: long_trace FILE [MB] [--no-snapshots] [--no-proposals]");
        std::process::exit(2);
    };
    let megabytes = match args.get(1).map(|s| s.parse::<u64>()) {
        None => 100,
        Some(Ok(mb)) if mb > 0 => mb,
        Some(_) => {
            eprintln!("error: MB must be a positive whole number");
            std::process::exit(2);
        }
    };
    let config = Config::new(3);
    let mut cluster = Cluster::new(config.clone()).expect("valid config");
    let mut rng = SplitMix64(0x5EED);
    let mut ops = Vec::new();
    let mut size = 0u64;
    while size < megabytes << 20 {
        let op = random_op(&mut rng, &cluster, ops.len() as u64);
        let left_out = match op {
            raft_core::Op::Snapshot { .. } => !snapshots,
            raft_core::Op::Propose { .. } => !proposals,
            _ => false,
        };
        if left_out {
            continue;
        }
        if let Err(v) = cluster.apply_fast(&op) {
            eprintln!("violation after {} operations: {v}", ops.len() + 1);
            std::process::exit(1);
        }
        // Pretty-printed in the trace's array: each line indented by 4 more, then ",\n".
        let json = serde_json::to_string_pretty(&op).unwrap_or_default();
        size += (json.len() + 4 * (json.lines().count()) + 2) as u64;
        ops.push(op);
    }
    let origin = format!(
        "example long_trace seed 0x5EED{}{}",
        if snapshots { "" } else { ", no snapshots" },
        if proposals { "" } else { ", no proposals" }
    );
    let trace = Trace::new(origin, config, ops);
    let written = std::fs::File::create(path).and_then(|file| {
        let mut out = std::io::BufWriter::new(file);
        serde_json::to_writer_pretty(&mut out, &trace)?;
        out.flush()
    });
    match written {
        Ok(()) => println!("wrote {path}: {} operations", trace.ops.len()),
        Err(e) => {
            eprintln!("error: cannot write {path}: {e}");
            std::process::exit(2);
        }
    }
}
