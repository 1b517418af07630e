//! Writes a long random trace, to measure `replay` on it: 3 servers, the driver examples' mix
//! of operations, every one of them applicable, until the JSON is about the size asked for.
//! `cargo run --release -p raft-core --example long_trace -- FILE [MB]` (default 100 MB).

mod random_ops;

use random_ops::{random_op, SplitMix64};
use raft_core::{Cluster, Config, Trace};
use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: long_trace FILE [MB]");
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
        if let Err(v) = cluster.apply_fast(&op) {
            eprintln!("violation after {} operations: {v}", ops.len() + 1);
            std::process::exit(1);
        }
        // Pretty-printed in the trace's array: each line indented by 4 more, then ",\n".
        let json = serde_json::to_string_pretty(&op).unwrap_or_default();
        size += (json.len() + 4 * (json.lines().count()) + 2) as u64;
        ops.push(op);
    }
    let trace = Trace::new("example long_trace seed 0x5EED", config, ops);
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
