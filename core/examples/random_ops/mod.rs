//! The random operation sequences of the driver examples: a fixed-seed PRNG and a mix of mostly
//! deliveries (so elections and commits happen) and some faults, resolved against the cluster.

use raft_core::{Cluster, Op};

/// SplitMix64: a small deterministic generator (no `rand` dependency).
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// One random operation, mostly deliveries (so elections and commits happen), some faults.
pub fn random_op(rng: &mut SplitMix64, cluster: &Cluster, command: u64) -> Op {
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
